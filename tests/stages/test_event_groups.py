"""The event_groups stage on invented events: merging across outlets, and the conflicts it states."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from storylens.model import (
    CorpusAnalysis,
    DocAnalysis,
    Document,
    Entity,
    Event,
    EventDate,
    EventGroup,
    MappedDocs,
    MentionRef,
    Span,
    TimeExpression,
)
from storylens.pipeline import Context, link
from storylens.stages import event_groups
from storylens.stages.event_groups import dates_compatible
from tests.conftest import Analysed


def _doc(doc_id: str, outlet: str | None, text: str) -> Document:
    return Document(id=doc_id, path=f"/in/{doc_id}.txt", text=text, outlet=outlet, body_spans=(Span(0, len(text)),))


# How each invented entity is written in the invented texts.
SURFACE = {"e-kell": "Kell", "e-brandt": "Brandt", "e-front": "Zandar Front", "e-union": "Brevian Union",
           "e-veldon": "Veldon", "e-sarnow": "Sarnow", "e-mayor": "mayor"}
NAMES = {"e-kell": ("Omar Kell", "PERSON"), "e-brandt": ("Lisa Brandt", "PERSON"), "e-front": ("Zandar Front", "ORG"),
         "e-union": ("Brevian Union", "ORG"), "e-veldon": ("Veldon", "GPE"), "e-sarnow": ("Sarnow", "GPE"),
         "e-mayor": ("Ilse Marr", "PERSON")}


def _span_of(doc: Document, entity: str | None) -> Span | None:
    if entity is None:
        return None
    start = doc.text.index(SURFACE[entity])
    return Span(start, start + len(SURFACE[entity]))


def _event(doc: Document, trigger: str, event_type: str, mode: str | None, actor: str | None, target: str | None,
           place: str | None = None, day: str | None = None) -> Event:
    """An event whose participants are spans of entity mentions (the stage links them itself)."""
    start = doc.text.index(trigger)
    return Event(id=f"{doc.id}-{trigger}", doc=doc.id, span=Span(0, len(doc.text)),
                 trigger=Span(start, start + len(trigger)), type=event_type, mode=mode,
                 actor_span=_span_of(doc, actor), target_span=_span_of(doc, target), place_span=_span_of(doc, place),
                 date=EventDate(day, day, None, "explicit") if day else None)


def _corpus(*items: tuple[Document, tuple[Event, ...]]) -> CorpusAnalysis:
    refs: dict[str, list[MentionRef]] = {}
    for doc, _events in items:
        for entity in SURFACE:
            if SURFACE[entity] in doc.text:
                span = _span_of(doc, entity)
                assert span is not None
                refs.setdefault(entity, []).append(MentionRef(doc.id, span))
    entities = tuple(Entity(entity, NAMES[entity][0], NAMES[entity][1], (NAMES[entity][0],), tuple(mentions))
                     for entity, mentions in refs.items())
    docs = tuple(DocAnalysis(doc, events=evs) for doc, evs in items)
    return CorpusAnalysis(docs=docs, entities=entities)


def _run(corpus: CorpusAnalysis) -> CorpusAnalysis:
    return event_groups.run(corpus, Context())


def test_meeting_and_phone_call_are_one_event_with_a_mode_conflict() -> None:
    a = _doc("a", "Daily Lantern", "Kell met Brandt in Veldon on Monday.")
    b = _doc("b", "Morning Quill", "Brandt and Kell held a meeting in Veldon.")
    c = _doc("c", None, "Kell had a telephone conversation with Brandt on Monday.")
    corpus = _corpus(
        (a, (_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt", "e-veldon", "2031-03-10"),)),
        # Y meets X is the same meeting as X meets Y.
        (b, (_event(b, "meeting", "CONSULT", "meeting", "e-brandt", "e-kell", "e-veldon"),)),
        (c, (_event(c, "telephone conversation", "CONSULT", "phone", "e-kell", "e-brandt", None, "2031-03-10"),)),
    )
    groups = _run(corpus).event_groups
    assert len(groups) == 1
    group = groups[0]
    assert set(group.events) == {"a-met", "b-meeting", "c-telephone conversation"}
    assert group.date == "2031-03-10"
    assert group.conflicts == ("Mode differs: a meeting in Veldon in Daily Lantern, Morning Quill "
                               "vs a telephone call in c.txt",)
    assert "Omar Kell" in group.summary and "Lisa Brandt" in group.summary


def test_compatible_details_raise_no_conflict() -> None:
    a = _doc("a", "Daily Lantern", "The Brevian Union praised the Zandar Front on Monday.")
    b = _doc("b", "Morning Quill", "The Brevian Union hailed the Zandar Front.")
    corpus = _corpus(
        (a, (_event(a, "praised", "SUPPORT", None, "e-union", "e-front", None, "2031-03-10"),)),
        (b, (_event(b, "hailed", "SUPPORT", None, "e-union", "e-front"),)),
    )
    groups = _run(corpus).event_groups
    assert len(groups) == 1
    assert groups[0].conflicts == ()


def test_place_and_date_conflicts() -> None:
    a = _doc("a", "Daily Lantern", "Kell met Brandt in Veldon.")
    b = _doc("b", "Morning Quill", "Kell met Brandt in Sarnow.")
    corpus = _corpus(
        (a, (_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt", "e-veldon", "2031-03-10"),)),
        (b, (_event(b, "met", "CONSULT", "meeting", "e-kell", "e-brandt", "e-sarnow", "2031-03-11"),)),
    )
    (group,) = _run(corpus).event_groups
    assert any(c.startswith("Place differs: ") and "Veldon" in c and "Sarnow" in c for c in group.conflicts)
    assert "Date differs: 2031-03-10 in Daily Lantern vs 2031-03-11 in Morning Quill" in group.conflicts


def test_different_actors_or_distant_dates_are_different_events() -> None:
    a = _doc("a", "Daily Lantern", "The Brevian Union praised the Zandar Front.")
    b = _doc("b", "Morning Quill", "Kell praised the Zandar Front.")
    c = _doc("c", "Evening Post", "The Brevian Union praised the Zandar Front in May.")
    corpus = _corpus(
        (a, (_event(a, "praised", "SUPPORT", None, "e-union", "e-front", None, "2031-03-10"),)),
        (b, (_event(b, "praised", "SUPPORT", None, "e-kell", "e-front", None, "2031-03-10"),)),
        (c, (_event(c, "praised", "SUPPORT", None, "e-union", "e-front", None, "2031-05-02"),)),
    )
    assert _run(corpus).event_groups == ()


def test_same_document_only_is_no_group() -> None:
    a = _doc("a", "Daily Lantern", "Kell met Brandt. The meeting was long.")
    corpus = _corpus((a, (_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt"),
                          _event(a, "meeting", "CONSULT", "meeting", "e-kell", "e-brandt"))))
    assert _run(corpus).event_groups == ()


def test_dates_compatible() -> None:
    assert dates_compatible(None, "2031-03-10")
    assert dates_compatible("2031-03-10", "2031-03-11")
    assert not dates_compatible("2031-03-10", "2031-03-12")
    assert dates_compatible("2031-03", "2031-03-12")
    assert not dates_compatible("2031-04", "2031-03-12")


def test_participant_conflict_needs_a_different_counterpart_of_the_same_kind() -> None:
    a = _doc("a", "Daily Lantern", "Kell met Brandt on Monday.")
    b = _doc("b", "Morning Quill", "Kell met Sarnow's mayor on Monday.")
    c = _doc("c", "Evening Post", "Kell met the Zandar Front on Monday.")
    corpus = _corpus(
        (a, (_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt", None, "2031-03-10"),)),
        (b, (_event(b, "met", "CONSULT", "meeting", "e-kell", "e-mayor", None, "2031-03-10"),)),
        (c, (_event(c, "met", "CONSULT", "meeting", "e-kell", "e-front", None, "2031-03-10"),)),
    )
    (group,) = _run(corpus).event_groups
    (conflict,) = [c for c in group.conflicts if c.startswith("Participants differ")]
    assert "Lisa Brandt and Omar Kell in Daily Lantern" in conflict
    assert "Ilse Marr and Omar Kell in Morning Quill" in conflict


def _dated(doc_id: str, outlet: str, text: str, published: str) -> Document:
    return replace(_doc(doc_id, outlet, text), published=published)


def _events_of(corpus: CorpusAnalysis) -> list[set[str]]:
    return [set(g.events) for g in _run(corpus).event_groups]


@pytest.mark.parametrize(("b_text", "b_trigger", "b_published", "b_day", "joins"), [
    # Undated, both participants, article of the same days: the same meeting.
    ("Brandt and Kell held a meeting in Veldon.", "meeting", "2031-03-11", None, True),
    # Undated, but the article came out a year later: another meeting.
    ("Brandt and Kell held a meeting in Veldon.", "meeting", "2032-03-11", None, False),
    # Dated only to the year, from an article a year later ('last year'): another meeting.
    ("Last year Kell had a meeting with Brandt.", "meeting", "2032-03-11", "2031", False),
    # Told as background ('had met') without a date: not the reported meeting.
    ("Kell had met Brandt before the war.", "met", "2031-03-11", None, False),
    # Only one participant named and no date: too little to say it is the same meeting.
    ("Kell held a meeting in Veldon.", "meeting", "2031-03-11", None, False),
])
def test_vague_reports_join_only_in_the_same_story_time(b_text: str, b_trigger: str, b_published: str,
                                                         b_day: str | None, joins: bool) -> None:
    a = _dated("a", "Daily Lantern", "Kell met Brandt in Veldon on Monday.", "2031-03-11")
    b = _dated("b", "Morning Quill", b_text, b_published)
    target = "e-brandt" if "Brandt" in b_text else None
    corpus = _corpus(
        (a, (_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt", "e-veldon", "2031-03-10"),)),
        (b, (_event(b, b_trigger, "CONSULT", "meeting", "e-kell", target, None, b_day),)),
    )
    assert _events_of(corpus) == ([{"a-met", f"b-{b_trigger}"}] if joins else [])


def test_background_event_of_the_same_days_takes_the_other_outlets_month() -> None:
    # One outlet dates an earlier praise to a month, a same-day outlet does not date it at all.
    a = _dated("a", "Daily Lantern", "The Zandar Front praised the Brevian Union in May.", "2031-08-17")
    b = _dated("b", "Morning Quill", "The Zandar Front praised the Brevian Union.", "2031-08-17")
    corpus = _corpus(
        (a, (_event(a, "praised", "SUPPORT", None, "e-front", "e-union", None, "2031-05"),)),
        (b, (_event(b, "praised", "SUPPORT", None, "e-front", "e-union"),)),
    )
    (group,) = _run(corpus).event_groups
    assert group.date == "2031-05" and group.conflicts == ()


def test_a_weekend_is_precise_enough_to_join_its_sunday() -> None:
    a = _dated("a", "Daily Lantern", "Kell met Brandt over the weekend.", "2031-03-11")
    b = _dated("b", "Morning Quill", "Kell met Sarnow's mayor on Sunday.", "2031-03-11")
    weekend = a.text.index("over the weekend")
    event_a = replace(_event(a, "met", "CONSULT", "meeting", "e-kell", "e-brandt"),
                      date=EventDate("2031-03", "over the weekend", Span(weekend, weekend + 16), "explicit"))
    analysis_a = DocAnalysis(a, events=(event_a,), times=(TimeExpression(
        "t1", "a", Span(weekend, weekend + 16), "over the weekend", "DATE", "2031-W10-WE", "week", "explicit"),))
    corpus = _corpus((a, ()), (b, (_event(b, "met", "CONSULT", "meeting", "e-kell", "e-mayor", None, "2031-03-09"),)))
    corpus = replace(corpus, docs=(analysis_a, corpus.docs[1]))
    (group,) = _run(corpus).event_groups
    assert group.date == "2031-03-09"
    # Two people of one kind on the same days: a real disagreement, stated.
    assert any(c.startswith("Participants differ") for c in group.conflicts)


@pytest.mark.parametrize(("value", "first", "last"), [
    ("2031-03-10", "2031-03-10", "2031-03-10"),
    ("2031-W10-WE", "2031-03-08", "2031-03-09"),
    ("2031-02", "2031-02-01", "2031-02-28"),
    ("2031", "2031-01-01", "2031-12-31"),
    ("2031-03-10TNI", "2031-03-10", "2031-03-10"),
])
def test_day_range(value: str, first: str, last: str) -> None:
    assert event_groups.day_range(value) == (date.fromisoformat(first), date.fromisoformat(last))
    assert event_groups.day_range("PRESENT_REF") is None


# ------------------------------------------------------------------------------------------ blocking
# group_events scores only the groups its blocking keys reach. The reference below is the version
# that scored every open group, kept here only to prove that the groups are the same.


def _reference_group_events(corpus: CorpusAnalysis) -> list[EventGroup]:
    names = {e.id: e.name for e in corpus.entities}
    kinds = {e.id: e.type for e in corpus.entities}
    reports = [report for analysis in corpus.docs for report in event_groups._reports(analysis, names, kinds)]
    reports.sort(key=lambda r: (r.event.type, not r.precise, r.days is None, r.place is None, r.event.doc,
                                r.event.trigger.start))
    groups: list[list[event_groups.Report]] = []
    for report in reports:
        best: tuple[tuple[int, int], list[event_groups.Report]] | None = None
        for members in groups:
            if any(event_groups.contradicts(report, other) for other in members):
                continue
            strength = sum(event_groups.link_strength(report, other) for other in members)
            same_day = sum(report.precise and other.precise and report.days == other.days for other in members)
            if strength and (best is None or (strength, same_day) > best[0]):
                best = ((strength, same_day), members)
        if best is None:
            groups.append([report])
        else:
            best[1].append(report)
    return [event_groups._group(members, kinds) for members in groups if len({m.event.doc for m in members}) >= 2]


# Types of every kind: symmetric, one family of several types, types that only match themselves.
TYPES = ["CONSULT", "AGREE", "ASSAULT", "COERCE", "MOBILIZE", "ACCUSE", "REJECT", "SUPPORT"]
DAYS = ["2031-03-10", "2031-03-11", "2031-03-13", "2031-W11", "2031-03", "2031", None]


def generated_corpus(seed: int, size: int) -> CorpusAnalysis:
    """`size` documents of one to three events among few invented participants, so that reports
    link, contradict and tie in every way: resolved or unknown participants, dates of every
    precision or none, places, background events ('had met'), articles of other weeks."""
    rng = random.Random(seed)
    participants = [f"p{n}" for n in range(12)]
    entities = tuple(Entity(p, f"Invented {p}", "PERSON" if n % 3 else "ORG", (), ())
                     for n, p in enumerate(participants))
    docs = []
    for n in range(size):
        text = "Someone met them. Someone had met them there."
        document = replace(_doc(f"d{n}", f"Outlet {n % 7}", text),
                           published=rng.choice(["2031-03-11", "2031-03-14", "2031-05-02", None]))
        events = []
        for k in range(rng.randint(1, 3)):
            background = rng.random() < 0.15
            trigger = Span(30, 33) if background else Span(8, 11)  # the second 'met' follows 'had'
            day = rng.choice(DAYS)
            place = Span(39, 44) if rng.random() < 0.4 else None
            events.append(Event(id=f"d{n}-{k}", doc=document.id, span=Span(0, len(text)), trigger=trigger,
                                type=rng.choice(TYPES), mode=rng.choice(["meeting", "phone", None]),
                                actor_span=None, target_span=None, place_span=place,
                                date=EventDate(day, day, None, "explicit") if day else None,
                                actor=rng.choice([*participants, None]), target=rng.choice([*participants, None]),
                                place=rng.choice(["veldon", "sarnow"])))
        docs.append(DocAnalysis(document, events=tuple(events)))
    return CorpusAnalysis(docs=tuple(docs), entities=entities)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocked_grouping_equals_the_all_groups_reference_on_generated_reports(seed: int) -> None:
    corpus = generated_corpus(seed, 400)
    groups = event_groups.group_events(corpus)
    assert groups == _reference_group_events(corpus)
    assert len(groups) > 20 and any(len(g.events) > 3 for g in groups)


def test_blocked_grouping_equals_the_all_groups_reference_on_the_demo(demo_analysis: Analysed) -> None:
    corpus = link(demo_analysis.corpus)
    groups = event_groups.group_events(corpus)
    assert groups == _reference_group_events(corpus)
    assert groups


def test_the_stage_links_each_document_as_it_reads_it(demo_analysis: Analysed) -> None:
    """Over a lazy sequence the stage reads each document once, linked on the way, and groups
    what grouping an eagerly linked copy gives."""
    corpus = demo_analysis.corpus
    reads: list[str] = []

    def read(doc: DocAnalysis) -> DocAnalysis:
        reads.append(doc.document.id)
        return doc

    lazy = replace(corpus, docs=MappedDocs(corpus.docs, read))
    grouped = event_groups.run(lazy, Context())
    assert reads == [d.document.id for d in corpus.docs]
    assert grouped.docs is lazy.docs  # the input's documents, not a linked copy
    assert list(grouped.event_groups) == event_groups.group_events(link(corpus)) != []


def comparisons(monkeypatch: pytest.MonkeyPatch, meetings: int) -> int:
    """Report comparisons made for `meetings` meetings of different people on one day, each
    reported by two outlets: nothing tells them apart but who met."""
    calls = 0

    def counted(compare: Callable[[event_groups.Report, event_groups.Report], Any]) -> Callable[..., Any]:
        def wrapper(a: event_groups.Report, b: event_groups.Report) -> Any:
            nonlocal calls
            calls += 1
            return compare(a, b)
        return wrapper

    monkeypatch.setattr(event_groups, "contradicts", counted(event_groups.contradicts))
    monkeypatch.setattr(event_groups, "link_strength", counted(event_groups.link_strength))
    text = "Someone met someone else."
    docs = []
    for n in range(2 * meetings):
        event = Event(id=f"e{n}", doc=f"d{n}", span=Span(0, len(text)), trigger=Span(8, 11), type="CONSULT",
                      mode="meeting", actor_span=None, target_span=None, place_span=None,
                      date=EventDate("2031-03-10", "Monday", None, "explicit"),
                      actor=f"host{n // 2}", target=f"guest{n // 2}")
        docs.append(DocAnalysis(_doc(f"d{n}", f"Outlet {n % 2}", text), events=(event,)))
    groups = event_groups.group_events(CorpusAnalysis(docs=tuple(docs)))
    assert len(groups) == meetings
    monkeypatch.undo()
    return calls


def test_report_comparisons_grow_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = comparisons(monkeypatch, 50), comparisons(monkeypatch, 400)
    # 8 times the meetings: scoring every open group would make about 64 times the comparisons.
    assert large <= 10 * small
