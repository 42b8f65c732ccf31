"""Language per document and per body paragraph: py3langid for long paragraphs, scripts for short ones."""

from __future__ import annotations

import pytest

from storylens.model import DocAnalysis, Document, Span
from storylens.pipeline import Context
from storylens.stages.language import classify_paragraph, detect, dominant_script, run

ENGLISH = [
    "The harbour authority of Velmora closed the northern pier on Tuesday after inspectors found cracks "
    "in three of its concrete pillars, a week before the autumn ferry season.",
    "Ferry operators said they would move departures to the southern quay, where a temporary ticket "
    "office will open on Thursday morning.",
]
# Invented Arabic: "The port authority announced the closure of the northern pier for repairs."
ARABIC = "أعلنت هيئة الميناء إغلاق الرصيف الشمالي لإجراء الإصلاحات اللازمة قبل موسم العبارات"
GERMAN = [
    "Die Hafenbehörde von Velmora hat am Dienstag den Nordpier geschlossen, nachdem Prüfer Risse in drei "
    "der Betonpfeiler gefunden hatten.",
    "Die Fährbetreiber wollen ihre Abfahrten vorübergehend an den Südkai verlegen, wo ein Kartenschalter "
    "eröffnet wird.",
]


def make(paragraphs: list[str], body: bool = True) -> Document:
    text = "\n\n".join(paragraphs)
    return Document(id="d", path="d.txt", text=text, body_spans=(Span(0, len(text)),) if body else ())


def language_of(document: Document, paragraph: str) -> str:
    start = document.text.index(paragraph)
    for language in document.languages:
        if language.span.start == start:
            assert language.span.slice(document.text) == paragraph
            return language.language
    raise AssertionError("paragraph has no language")


def test_arabic_paragraph_in_english_article_is_flagged_and_kept() -> None:
    document = detect(make([ENGLISH[0], ARABIC, ENGLISH[1]]))
    assert document.language == "en"
    assert language_of(document, ARABIC) == "ar"
    assert language_of(document, ENGLISH[0]) == "en"
    assert any(span.contains(document.languages[1].span) for span in document.body_spans)


@pytest.mark.parametrize(("short", "expected"), [
    ("Updated at noon", "en"),  # too short to tell: the document's language
    ("Привет всем", "ru"),  # Cyrillic names the language
    ("مرحبا بكم", "ar"),
    ("こんにちは", "ja"),
    ("Αθήνα", "el"),
])
def test_short_paragraphs(short: str, expected: str) -> None:
    document = detect(make([ENGLISH[0], short, ENGLISH[1]]))
    assert language_of(document, short) == expected
    assert document.language == "en"


def test_german_document() -> None:
    document = detect(make([*GERMAN, "Foto: Hafen"]))
    assert document.language == "de"
    assert language_of(document, "Foto: Hafen") == "de"


def test_majority_by_characters() -> None:
    document = detect(make([ENGLISH[0], *GERMAN]))
    assert document.language == "de"
    assert language_of(document, ENGLISH[0]) == "en"


def test_only_body_paragraphs_count() -> None:
    text = "\n".join([*GERMAN, ENGLISH[0]])
    start = text.index(ENGLISH[0])
    document = detect(Document(id="d", path="d.txt", text=text, body_spans=(Span(start, len(text)),)))
    assert document.language == "en"
    assert len(document.languages) == 1


def test_all_short_paragraphs_use_the_whole_body() -> None:
    document = detect(make(["The pier is closed.", "Ferries use the south quay.", "Repairs take a month."]))
    assert document.language == "en"
    assert {language.language for language in document.languages} == {"en"}


def test_no_body_leaves_document() -> None:
    document = make(ENGLISH, body=False)
    assert detect(document) is document


def test_dominant_script() -> None:
    assert dominant_script("Velmora") == ("LATIN", 1.0)
    script, share = dominant_script("Velmora " + ARABIC)
    assert script == "ARABIC" and share > 0.8
    assert dominant_script("1234 !!") == ("", 0.0)


def test_classify_paragraph_short_latin_is_undecided() -> None:
    assert classify_paragraph("Hello world") == (None, 0.0)


def test_run_is_the_stage() -> None:
    analysis = run(DocAnalysis(document=make(ENGLISH)), Context())
    assert analysis.document.language == "en"
