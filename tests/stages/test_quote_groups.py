"""quote_groups on invented corpora: relations, conflicts, copies, wording, embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from storylens.model import (
    CorpusAnalysis,
    DocAnalysis,
    Document,
    Entity,
    MentionRef,
    Quote,
    Reuse,
    Span,
    Speaker,
)
from storylens.pipeline import Context
from storylens.stages import quote_groups
from storylens.stages.quote_groups import fold, lexical_relation

STATEMENT = "We thank the people of Norrland for standing with the harbour workers through a long winter."


def make_doc(doc_id: str, outlet: str, before: str, quote: str, after: str) -> tuple[Document, Span]:
    text = f"{before}“{quote}”{after}"
    start = len(before) + 1
    return Document(id=doc_id, path=f"{doc_id}.txt", text=text, outlet=outlet,
                    body_spans=(Span(0, len(text)),)), Span(start, start + len(quote))


def quoted(document: Document, span: Span, speaker: str | None, entity: str | None, *,
           attribution: str = "explicit", channel: str | None = None) -> Quote:
    who = None
    if speaker is not None:
        at = document.text.find(speaker)
        who_span = Span(at, at + len(speaker)) if at >= 0 else None
        who = Speaker(speaker, who_span, entity, who_span if attribution != "pronoun" else None)
    return Quote(f"{document.id}-q", document.id, span, span.slice(document.text), who, "said", attribution,
                 channel=channel)


def entity(entity_id: str, name: str) -> Entity:
    return Entity(entity_id, name, "ORG", (name,), (MentionRef("x", Span(0, 1)),))


def corpus_of(quotes: list[tuple[Document, Quote]], entities: tuple[Entity, ...] = (),
              reuse: tuple[Reuse, ...] = ()) -> CorpusAnalysis:
    return CorpusAnalysis(docs=tuple(DocAnalysis(d, quotes=(q,)) for d, q in quotes), entities=entities,
                          reuse=reuse)


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


def test_conflict_names_each_attribution_with_outlet_and_span(ctx: Context) -> None:
    a, sa = make_doc("a", "Harbour Courier", "The union said in a statement, ", STATEMENT, "")
    b, sb = make_doc("b", "Valley Post", "", STATEMENT, " Dockers Union leader Ada Rask said.")
    corpus = corpus_of([
        (a, quoted(a, sa, "The union", "e-union", attribution="statement", channel="statement")),
        (b, quoted(b, sb, "Ada Rask", "e-rask")),
    ], entities=(entity("e-union", "Dockers Union"), entity("e-rask", "Ada Rask")))
    groups = quote_groups.run(corpus, ctx).quote_groups
    assert len(groups) == 1
    group = groups[0]
    assert group.relation == "verbatim"
    assert group.conflict is not None
    assert "Dockers Union (a statement) in Harbour Courier [doc a, chars" in group.conflict
    assert f"chars {sb.start}-{sb.end}" in group.conflict
    assert "but to Ada Rask" in group.conflict and "Valley Post" in group.conflict
    assert set(group.speakers) == {"e-union", "e-rask"}


@pytest.mark.parametrize(("speaker_b", "entity_b", "attribution_b"), [
    (None, None, "none"),  # unattributed vs attributed: not a conflict
    ("he", None, "pronoun"),  # an unresolved pronoun names nobody
    ("Rask", None, "explicit"),  # a short form of the same name
    ("Ada Rasck", "e-other", "explicit"),  # the same surname spelt differently
])
def test_no_false_conflict(ctx: Context, speaker_b: str | None, entity_b: str | None,
                           attribution_b: str) -> None:
    a, sa = make_doc("a", "Harbour Courier", "Ada Rask said, ", STATEMENT, "")
    b, sb = make_doc("b", "Valley Post", f"{speaker_b or 'Someone'} added: ", STATEMENT, "")
    corpus = corpus_of([(a, quoted(a, sa, "Ada Rask", "e-rask")),
                        (b, quoted(b, sb, speaker_b, entity_b, attribution=attribution_b))],
                       entities=(entity("e-rask", "Ada Rask"), entity("e-other", "Ada Rasck")))
    groups = quote_groups.run(corpus, ctx).quote_groups
    assert len(groups) == 1
    assert groups[0].conflict is None


def test_near_duplicate_copies_count_once(ctx: Context) -> None:
    docs = [make_doc(d, f"Outlet {d}", "Ada Rask said, ", STATEMENT, "") for d in ("a", "b", "c")]
    corpus = corpus_of([(d, quoted(d, s, "Ada Rask", "e-rask")) for d, s in docs],
                       entities=(entity("e-rask", "Ada Rask"),),
                       reuse=(Reuse("a", "b", "near-duplicate", 0.95, "a<-b", ()),))
    group = quote_groups.run(corpus, ctx).quote_groups[0]
    assert len(group.quotes) == 3
    assert group.independent_sources == 2


def test_edited_wording_is_reported_not_judged(ctx: Context) -> None:
    edited = STATEMENT.replace("a long winter", "a hard winter")
    a, sa = make_doc("a", "Harbour Courier", "Ada Rask said, ", STATEMENT, "")
    b, sb = make_doc("b", "Valley Post", "Ada Rask said, ", edited, "")
    corpus = corpus_of([(a, quoted(a, sa, "Ada Rask", "e-rask")), (b, quoted(b, sb, "Ada Rask", "e-rask"))],
                       entities=(entity("e-rask", "Ada Rask"),))
    group = quote_groups.run(corpus, ctx).quote_groups[0]
    assert group.relation == "edited"
    assert group.conflict is None
    assert any(note.startswith("wording: 'long'") and "'hard'" in note for note in group.wording)


def test_same_document_is_not_a_group(ctx: Context) -> None:
    a, sa = make_doc("a", "Harbour Courier", "Ada Rask said, ", STATEMENT, "")
    corpus = corpus_of([(a, quoted(a, sa, "Ada Rask", None))])
    assert quote_groups.run(corpus, ctx).quote_groups == ()


@pytest.mark.parametrize(("a", "b", "relation"), [
    ("We will win.", "we will WIN", "verbatim"),
    (STATEMENT, STATEMENT.replace("thank", "salute"), "edited"),
    (STATEMENT, "Norrland and the harbour: " + STATEMENT + " We go on.", "edited"),
    (STATEMENT, "The price of grain fell again in the northern markets this week.", None),
])
def test_lexical_relation(a: str, b: str, relation: str | None) -> None:
    found = lexical_relation(fold(a), fold(b))
    assert (found[0] if found else None) == relation


def test_translations_grouped_by_embedding(ctx: Context) -> None:
    first = "The harbour will stay closed until the storm has passed and the piers are inspected."
    second = "The port is to remain shut until the storm is over and the docks have been checked."
    unrelated = "Grain prices fell again in the northern markets this week, traders said."
    a, sa = make_doc("a", "Harbour Courier", "Port chief Ada Rask said, ", first, "")
    b, sb = make_doc("b", "Valley Post", "Port chief Ada Rask said, ", second, "")
    c, sc = make_doc("c", "Grain Daily", "Trader Bo Lund said, ", unrelated, "")
    corpus = corpus_of([(a, quoted(a, sa, "Ada Rask", "e-rask")), (b, quoted(b, sb, "Ada Rask", "e-rask")),
                        (c, quoted(c, sc, "Bo Lund", None))], entities=(entity("e-rask", "Ada Rask"),))
    groups = quote_groups.run(corpus, ctx).quote_groups
    assert [sorted(g.quotes) for g in groups] == [["a-q", "b-q"]]
    assert groups[0].relation == "paraphrase"


def test_embeddings_are_cached(ctx: Context) -> None:
    from storylens.embed import embed

    first = embed(ctx, ["The ferry leaves at noon.", "Der Zug fährt um zwölf Uhr ab."])
    again = embed(ctx, ["The ferry leaves at noon."])
    assert first.shape[0] == 2
    assert np.allclose(first[0], again[0])
    assert abs(float(np.linalg.norm(first[1])) - 1.0) < 1e-4
