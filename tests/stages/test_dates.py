"""The dates stage: publication ranges inferred for undated invented articles from stated dates,
captions, events dated by other documents, and copies; relative times re-read against them."""

from __future__ import annotations

from datetime import date

import pytest

from storylens.model import CorpusAnalysis, DateRange, DocAnalysis, Document, Removal, Reuse, Span
from storylens.pipeline import Context
from storylens.stages import dates
from storylens.stages import time as time_stage


def make_document(doc_id: str, text: str, published: str | None = None,
                  captions: tuple[str, ...] = ()) -> Document:
    """A document whose body is `text`, followed by removed caption lines."""
    full, removed = text, []
    for caption in captions:
        start = len(full) + 1
        full = f"{full}\n{caption}"
        removed.append(Removal(Span(start, len(full)), "caption", "invented"))
    return Document(id=doc_id, path=f"{doc_id}.txt", text=full, published=published,
                    body_spans=(Span(0, len(text)),), removed=tuple(removed))


# Published Tuesday 2023-03-14: it dates the Sunday seizure of Salvek and the Monday meeting.
DATED = make_document("dated", (
    "On Sunday, Varn Front fighters entered Salvek and seized the harbour. "
    "On Monday, Tova Ressing of the Kestrel Council met Arlo Venn in Osterby."), published="2023-03-14")


@pytest.fixture(scope="module")
def context() -> Context:
    return Context()


def infer(*documents: Document, reuse: tuple[Reuse, ...] = (), context: Context) -> CorpusAnalysis:
    docs = tuple(DocAnalysis(d, times=time_stage.analyse(d)) for d in (DATED, *documents))
    return dates.run(CorpusAnalysis(docs=docs, reuse=reuse), context)


def inferred_of(corpus: CorpusAnalysis, doc_id: str) -> DateRange | None:
    return corpus.by_id()[doc_id].document.published_inferred


CASES = [
    ("weekday tied to a dated event",
     make_document("weekday", "Tova Ressing held talks with Arlo Venn on Monday in Osterby, the Kestrel Council said."),
     ("2023-03-13", "2023-03-19")),
    ("'last year' tied to a dated event, caption date as lower bound",
     make_document("last-year", "After the Varn Front seized Salvek last year, Arlo Venn moved to Osterby.",
                   captions=("A parade in Osterby on October 2, 2024. PHOTO: INVENTED AGENCY",)),
     ("2024-10-02", "2024-12-31")),
    ("partial date read against the dated documents",
     make_document("partial", "The Kestrel Gazette posted the letter on its website March 10."),
     ("2023-03-10", "2023-04-09")),
    ("full stated date in the past tense",
     make_document("stated", "The Kestrel Council voted on Feb. 2, 2023 and again on Jan. 5, 2023."),
     ("2023-02-02", "2023-03-04")),
]


@pytest.mark.parametrize(("name", "document", "expected"), CASES, ids=[c[0] for c in CASES])
def test_infers_a_range_with_evidence(name: str, document: Document, expected: tuple[str, str],
                                      context: Context) -> None:
    corpus = infer(document, context=context)
    inferred = inferred_of(corpus, document.id)
    assert inferred is not None
    assert (inferred.earliest, inferred.latest) == expected
    assert inferred.evidence and all(isinstance(reason, str) and reason for reason in inferred.evidence)
    assert corpus.by_id()[document.id].document.published is None


@pytest.mark.parametrize("text", [
    "Arlo Venn likes the sea.",
    "The Kestrel Council will meet on April 2, 2023.",  # a future date says nothing about publication
])
def test_leaves_undatable_documents_without_a_range(text: str, context: Context) -> None:
    corpus = infer(make_document("nothing", text), context=context)
    assert inferred_of(corpus, "nothing") is None


def test_dated_documents_are_untouched(context: Context) -> None:
    corpus = infer(make_document("other", "Arlo Venn likes the sea."), context=context)
    assert corpus.by_id()["dated"] == DocAnalysis(DATED, times=time_stage.analyse(DATED))


@pytest.mark.parametrize(("direction", "expected"), [
    ("a<-b", ("2023-03-14", "2023-04-13")),  # the undated one copied the dated one: on or after
    ("a->b", ("2023-02-12", "2023-03-14")),  # the dated one copied it: on or before
])
def test_copies_with_a_known_date(direction: str, expected: tuple[str, str], context: Context) -> None:
    copy = make_document("copy", "Arlo Venn likes the sea.")
    reuse = (Reuse("copy", "dated", "near-duplicate", 0.9, direction, ()),)
    inferred = inferred_of(infer(copy, reuse=reuse, context=context), "copy")
    assert inferred is not None
    assert (inferred.earliest, inferred.latest) == expected


def test_each_document_reads_only_its_own_reuse_pairs() -> None:
    pairs = (Reuse("copy", "early", "near-duplicate", 0.4, "a<-b", ()),
             Reuse("early", "late", "shared-passages", 0.9, "a->b", ()),
             Reuse("late", "copy", "near-duplicate", 0.8, "a->b", ()))
    known = dates.Known.of(CorpusAnalysis(reuse=pairs), {"early": date(2023, 3, 14), "late": date(2023, 3, 20)})
    assert known.pairs["copy"] == [pairs[0], pairs[2]] and known.pairs["early"] == [pairs[0], pairs[1]]
    copy = make_document("copy", "Arlo Venn likes the sea.")
    assert dates.reference_day(copy, known) == date(2023, 3, 20)  # the closer of its two dated copies
    alone = make_document("alone", "Arlo Venn likes the hills.")
    assert known.median == dates.reference_day(alone, known) == date(2023, 3, 17)  # no copy: the corpus median
    bounds = dates.evidence(copy, known, [])
    assert [(b.earliest, b.latest) for b in bounds] == [(date(2023, 3, 14), None), (date(2023, 3, 20), None)]


def test_weaker_evidence_gives_way_when_it_contradicts(context: Context) -> None:
    # It says it copied a document of 2023-03-14, but states a later date: the stated date wins.
    copy = make_document("late", "The Kestrel Council voted on May 20, 2023.")
    reuse = (Reuse("late", "dated", "shared-passages", 0.3, "a->b", ()),)
    inferred = inferred_of(infer(copy, reuse=reuse, context=context), "late")
    assert inferred is not None
    assert (inferred.earliest, inferred.latest) == ("2023-05-20", "2023-06-19")


def test_relative_times_are_reread_against_the_inferred_date(context: Context) -> None:
    document = make_document("weekday", "Tova Ressing held talks with Arlo Venn on Monday in Osterby.")
    analysis = infer(document, context=context).by_id()["weekday"]
    monday = next(t for t in analysis.times if t.text == "Monday")
    assert (monday.value, monday.basis) == ("2023-03-13", "inferred")
    assert date.fromisoformat(monday.value).isoweekday() == 1
    for time in analysis.times:
        assert analysis.document.text[time.span.start:time.span.end] == time.text
