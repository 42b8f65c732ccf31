"""The records: spans slice exactly, ids are stable, the codec round-trips (property tests)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from storylens import codec
from storylens.model import (
    DocAnalysis,
    Document,
    Quote,
    Removal,
    Span,
    Speaker,
    document_id,
    merge_spans,
)


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text = draw(st.text(min_size=0, max_size=200))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        spans.append(Span(start, end))
    return text, spans


@given(text_and_spans())
def test_body_text_keeps_every_offset(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    doc = Document(id="d", path="p", text=text, body_spans=merge_spans(spans))
    body = doc.body_text()
    assert len(body) == len(text)
    for span in doc.body_spans:
        assert span.slice(body) == span.slice(text)
    for i, char in enumerate(body):
        assert char == text[i] or char in " \n"


@given(text_and_spans())
def test_paragraphs_lie_inside_the_body_and_slice_to_text(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    doc = Document(id="d", path="p", text=text, body_spans=merge_spans(spans))
    for paragraph in doc.paragraphs():
        assert any(b.contains(paragraph) for b in doc.body_spans)
        piece = paragraph.slice(text)
        assert piece == piece.strip() and piece and "\n" not in piece


@given(text_and_spans())
def test_merged_spans_are_sorted_and_disjoint(case: tuple[str, list[Span]]) -> None:
    _, spans = case
    merged = merge_spans(spans)
    assert all(a.end < b.start for a, b in itertools.pairwise(merged))
    covered = {i for s in spans for i in range(s.start, s.end)}
    assert covered == {i for s in merged for i in range(s.start, s.end)}


@given(st.text(max_size=100), st.text(max_size=20))
def test_codec_round_trips(text: str, speaker: str) -> None:
    doc = Document(id=document_id(text, None, None, None), path="p", text=text,
                   body_spans=(Span(0, len(text)),), removed=(Removal(Span(0, 0), "other", "r"),))
    quote = Quote("q", doc.id, Span(0, len(text)), text, Speaker(speaker, None, ref=Span(0, 0)), "said", "explicit")
    analysis = DocAnalysis(doc, quotes=(quote,))
    assert codec.decode(DocAnalysis, codec.encode(analysis)) == analysis


def test_document_id_depends_on_content_not_path() -> None:
    assert document_id("a", "o", None, None) == document_id("a", "o", None, None)
    assert document_id("a", "o", None, None) != document_id("b", "o", None, None)
    assert len(document_id("a", None, None, None)) == 16


def test_invalid_span_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        Span(5, 2)
