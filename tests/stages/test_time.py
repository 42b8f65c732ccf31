"""The time stage: finding and normalising time expressions in invented sentences, against a
stated, inferred or missing publication date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storylens.model import DateRange, DocAnalysis, Document, Span
from storylens.pipeline import Context
from storylens.stages import time as time_stage
from storylens.stages.timex import find_times, granularity_of


def make_document(text: str, published: str | None = "2021-08-17", inferred: DateRange | None = None,
                  body: tuple[Span, ...] | None = None) -> Document:
    return Document(id="doc-" + str(abs(hash(text))), path="invented.txt", text=text, published=published,
                    published_inferred=inferred, body_spans=body if body is not None else (Span(0, len(text)),))


def only(text: str, phrase: str, anchor: date | None = date(2021, 8, 17)) -> tuple[str, str | None, str]:
    """(type, value, rule) of the one expression whose text is `phrase`."""
    hits = [t for t in find_times(text, anchor) if t.text == phrase]
    assert len(hits) == 1, [(t.text, t.value) for t in find_times(text, anchor)]
    return hits[0].type, hits[0].value, hits[0].rule


# Publication date Tuesday 2021-08-17 unless the case says otherwise.
CASES = [
    # weekdays: past-preferring; the publication weekday itself is that day; 'last' is a week back
    ("The council of Vellmar met on Monday to vote.", "Monday", "DATE", "2021-08-16"),
    ("Minister Tova Ressing resigned on Tuesday.", "Tuesday", "DATE", "2021-08-17"),
    ("The Drennic Post reported it last Tuesday.", "last Tuesday", "DATE", "2021-08-10"),
    ("Rebels took the port of Salvek on Sunday.", "Sunday", "DATE", "2021-08-15"),
    ("In a post on Sunday night, Arlo Venn praised the strikers.", "Sunday night", "DATE", "2021-08-15TNI"),
    ("The envoy will fly to Osterby on Friday.", "Friday", "DATE", "2021-08-20"),
    ("The envoy arrived on Friday.", "Friday", "DATE", "2021-08-13"),
    ("On Monday morning, the mayor of Kestrel spoke.", "Monday morning", "DATE", "2021-08-16TMO"),
    # month and day without a year take the publication year unless that lands far ahead
    ("The Kestrel Gazette posted the letter Aug. 16 on its website.", "Aug. 16", "DATE", "2021-08-16"),
    ("The treaty was signed on Dec. 3 in Morvaine.", "Dec. 3", "DATE", "2020-12-03"),
    ("The vote is set for Sept. 14.", "Sept. 14", "DATE", "2021-09-14"),
    ("Protests began in May.", "May", "DATE", "2021-05"),
    ("The deal was struck on Tuesday, Aug. 17, 2021 in Osterby.", "Tuesday, Aug. 17, 2021", "DATE", "2021-08-17"),
    ("A photo taken on October 31, 2022 shows the parade.", "October 31, 2022", "DATE", "2022-10-31"),
    ("He was born in March 1961.", "March 1961", "DATE", "1961-03"),
    ("The league folded in 1998.", "1998", "DATE", "1998"),
    ("Trade grew in the 1990s.", "the 1990s", "DATE", "199"),
    # relative units
    ("The Varn Front captured the capital last year.", "last year", "DATE", "2020"),
    ("Sales doubled this year.", "this year", "DATE", "2021"),
    ("The Drennic Post reported earlier this month that talks stalled.", "earlier this month", "DATE", "2021-08"),
    ("The mayor met them this week.", "this week", "DATE", "2021-W33"),
    ("Fighters entered the city over the weekend.", "the weekend", "DATE", "2021-W32-WE"),
    ("The board resigned last month.", "last month", "DATE", "2021-07"),
    ("Talks resume next year.", "next year", "DATE", "2022"),
    ("The strike ended yesterday.", "yesterday", "DATE", "2021-08-16"),
    ("The port reopened today.", "today", "DATE", "2021-08-17"),
    ("The bridge fell three weeks ago.", "three weeks ago", "DATE", "2021-W30"),
    ("The party was founded 20 years ago.", "20 years ago", "DATE", "2001"),
    ("Profit fell in the third quarter.", "the third quarter", "DATE", "2021-Q3"),
    # durations are not dates
    ("The rebels fought for 20 years.", "20 years", "DURATION", "P20Y"),
    ("The group ended a two-decade-long occupation.", "two-decade-long", "DURATION", "P20Y"),
    ("It was their long struggle over the past 20 years.", "the past 20 years", "DURATION", "P20Y"),
    ("Arlo Venn has lived in Osterby for the past two years.", "the past two years", "DURATION", "P2Y"),
    ("The talks lasted 16 hours.", "16 hours", "DURATION", "PT16H"),
    ("They signed a five-year contract.", "five-year", "DURATION", "P5Y"),
    ("The search took several months.", "several months", "DURATION", "PXM"),
    # sets, times and references to now
    ("The ferry sails every day.", "every day", "SET", "P1D"),
    ("The Kestrel Gazette is printed weekly.", "weekly", "SET", "P1W"),
    ("The vote closed at 3 p.m.", "3 p.m.", "TIME", "2021-08-17T15:00"),
    ("The council is now divided.", "now", "DATE", "PRESENT_REF"),
    ("Prices rose recently.", "recently", "DATE", "PAST_REF"),
]


@pytest.mark.parametrize(("text", "phrase", "type_", "value"), CASES, ids=[c[1] for c in CASES])
def test_normalises_against_the_publication_date(text: str, phrase: str, type_: str, value: str) -> None:
    found_type, found_value, _ = only(text, phrase)
    assert (found_type, found_value) == (type_, value)


NOT_TIMES = [
    "You may go now if you like.",  # 'may' the verb ('now' is a time; 'may' is not)
    "Troops march into the square.",
    "Leaves fall in the park.",
    "A 52-year-old man was detained.",
    "The fund holds $2000 in cash.",
    "Turnout was 1998 percent of the forecast.",
]


@pytest.mark.parametrize("text", NOT_TIMES)
def test_leaves_non_times_alone(text: str) -> None:
    found = [t.text for t in find_times(text, date(2021, 8, 17))]
    assert found in ([], ["now"]), found
    assert not any(word in found for word in ("may", "march", "fall", "52-year-old", "2000", "1998"))


def test_without_an_anchor_keeps_what_the_text_fixes() -> None:
    text = "Rebels took Salvek on Sunday; the Drennic Post wrote Aug. 16 that last year was calm, and 1998 was not."
    values = {t.text: t.value for t in find_times(text, None)}
    assert values == {"Sunday": "XXXX-WXX-7", "Aug. 16": "XXXX-08-16", "last year": None, "1998": "1998"}


@pytest.mark.parametrize(("published", "inferred", "basis", "value"), [
    ("2021-08-17", None, "relative-to-publication", "2021-08-16"),
    (None, DateRange("2021-08-16", "2021-08-22", ("invented",)), "inferred", "2021-08-16"),
    (None, None, "unknown", "XXXX-WXX-1"),
])
def test_basis_follows_the_anchor(published: str | None, inferred: DateRange | None, basis: str, value: str) -> None:
    document = make_document("The mayor of Vellmar resigned on Monday after 12 years.", published, inferred)
    times = {t.text: t for t in time_stage.analyse(document)}
    assert (times["Monday"].basis, times["Monday"].value) == (basis, value)
    assert times["12 years"].basis == "explicit"
    assert times["12 years"].type == "DURATION"


def test_only_the_body_is_read_and_ids_are_stable() -> None:
    text = "Photo taken on Aug. 2, 2021.\nThe mayor of Vellmar resigned on Monday."
    body = (Span(29, len(text)),)
    document = make_document(text, body=body)
    first = time_stage.analyse(document)
    assert [t.text for t in first] == ["Monday"]
    assert first == time_stage.analyse(document)
    assert first[0].granularity == "day"


@pytest.fixture(scope="module")
def context() -> Context:
    return Context()


def test_stage_runs_with_spacy_and_spans_slice_the_text(context: Context) -> None:
    text = ("The Drennic Post said on Monday that Arlo Venn, who led the Varn Front for 20 years, "
            "left Osterby in the summer of 2019 and returned last week.")
    analysis = time_stage.run(DocAnalysis(make_document(text)), context)
    values = {t.text: t.value for t in analysis.times}
    assert values["Monday"] == "2021-08-16"
    assert values["20 years"] == "P20Y"
    assert values["last week"] == "2021-W32"
    for time in analysis.times:
        assert text[time.span.start:time.span.end] == time.text
        assert time.doc == analysis.document.id


def test_granularity_of_values() -> None:
    cases = {"2021": "year", "2021-08": "month", "2021-W33": "week", "2021-W32-WE": "week",
             "2021-08-16": "day", "XXXX-08-16": "day", "2021-08-16T15:00": "time", "XXXX-WXX-7TNI": "time",
             "P20Y": None, None: None}
    assert {value: granularity_of(value) for value in cases} == cases


WORDS = st.sampled_from(["on", "Monday", "Aug.", "16", "last", "year", "the", "past", "20", "years", "in",
                         "May", "2021", "every", "day", ",", ".", "weekend", "Sunday", "night", "ago",
                         "three", "weeks", "now", "-", "decade", "long", "\n", "Tova", "said"])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=25), st.sampled_from([None, date(2021, 8, 17), date(2000, 2, 29)]))
def test_every_span_slices_the_text(words: list[str], anchor: date | None) -> None:
    text = " ".join(words)
    previous_end = 0
    for timex in find_times(text, anchor):
        assert text[timex.start:timex.end] == timex.text
        assert timex.text == timex.text.strip()
        assert timex.start >= previous_end
        previous_end = timex.end
