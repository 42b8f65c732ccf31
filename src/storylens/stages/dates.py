"""The `dates` corpus stage: a publication-date range for every undated document, with the
evidence for it, then the document's relative time expressions re-read against that range's
middle (basis 'inferred'). Evidence: dates the article states in the past tense (captions too),
relative phrases tied to events whose date another document gives, and copies with known dates."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from storylens.model import CorpusAnalysis, DateRange, DocAnalysis, Document, MappedDocs, Reuse, Span
from storylens.rules import load_rule
from storylens.stages.time import analyse, parse_iso_day
from storylens.stages.timex import Timex, find_times, is_future, sentence_around

if TYPE_CHECKING:
    from storylens.pipeline import Context

_NAME = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z]")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEKDAY = re.compile(r"XXXX-WXX-(\d)")
_YEAR_SHIFT = re.compile(r"^(last|this|next) year$", re.IGNORECASE)
_MONTH_SHIFT = re.compile(r"^(last|this) month$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Bound:
    """One piece of evidence: the days the publication can lie between, and why."""

    earliest: date | None
    latest: date | None
    reason: str
    strength: int  # 0: stated dates, 1: relative phrases tied to dated events, 2: copies


@dataclass(frozen=True, slots=True)
class DatedEvent:
    """A sentence of a dated document with the day a time expression in it resolves to."""

    doc: str
    day: date
    names: frozenset[str]
    text: str


@dataclass(frozen=True, slots=True)
class Known:
    """What an undated document is dated against, gathered once for the corpus: the day of each
    dated document, their median day, and the reuse pairs of each document (by id, so a document
    reads its own pairs rather than scanning every pair)."""

    dated: dict[str, date]
    median: date | None
    pairs: dict[str, list[Reuse]]

    @classmethod
    def of(cls, corpus: CorpusAnalysis, dated: dict[str, date]) -> Known:
        pairs: dict[str, list[Reuse]] = {}
        for reuse in corpus.reuse:
            pairs.setdefault(reuse.a, []).append(reuse)
            if reuse.b != reuse.a:
                pairs.setdefault(reuse.b, []).append(reuse)
        median = date.fromordinal(int(statistics.median(d.toordinal() for d in dated.values()))) if dated else None
        return cls(dated, median, pairs)


@cache
def settings() -> dict[str, Any]:
    data: dict[str, Any] = load_rule("time_inference.json")
    data["ignored"] = frozenset(data["ignored_words"])
    return data


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    """The corpus with its undated documents redated. Reads `corpus.docs` as a stream (three
    passes) and keeps only the redated documents; the others are read from `corpus.docs` again
    when the returned corpus is read (`MappedDocs`)."""
    dated = {d.document.id: day for d in corpus.docs if (day := parse_iso_day(d.document.published))}
    if len(dated) == len(corpus.docs):  # document ids are unique
        return corpus
    events = dated_events(corpus, dated)
    known = Known.of(corpus, dated)
    redated: dict[str, DocAnalysis] = {}
    for analysis in corpus.docs:
        document = analysis.document
        if document.id in dated:
            continue
        inferred = infer(analysis, known, events)
        if inferred is None:
            continue
        document = replace(document, published_inferred=inferred)
        parsed = ctx.parse(document) if document.body_spans else None
        revised_doc = replace(analysis, document=document, times=analyse(document, parsed))
        if analysis.events:
            # Events take their dates from the times: read them again against the inferred date.
            from storylens.stages import events as events_stage

            revised_doc = events_stage.run(replace(revised_doc, events=()), ctx)
        # A parse per undated document would otherwise stay in the context until the run ends.
        ctx.forget_parses()
        redated[document.id] = revised_doc
    revised = corpus
    if redated:
        revised = replace(corpus, docs=MappedDocs(corpus.docs, lambda d: redated.get(d.document.id, d)))
    if not corpus.reuse:
        return revised
    # Who copied whom may turn on a date only now inferred: decide the directions again.
    from storylens.stages.reuse import update_directions

    return update_directions(revised)


def infer(analysis: DocAnalysis, known: Known, events: list[DatedEvent]) -> DateRange | None:
    """The publication range of one undated document, or None when nothing dates it."""
    bounds = evidence(analysis.document, known, events)
    return combine(bounds)


def names_in(text: str) -> frozenset[str]:
    """The capitalised words of a sentence, lower-cased, without function and time words."""
    ignored = settings()["ignored"]
    return frozenset(w.lower().rstrip("'’s") for w in _NAME.findall(text) if w.lower() not in ignored)


def dated_events(corpus: CorpusAnalysis, dated: dict[str, date]) -> list[DatedEvent]:
    """Each day-resolved time expression of the dated documents, with the names of its sentence."""
    out = []
    for analysis in corpus.docs:
        document = analysis.document
        if document.id not in dated:
            continue
        for time in analysis.times or analyse(document):
            match = _DAY.match(time.value or "")
            if not match or time.granularity not in ("day", "time"):
                continue
            sentence = sentence_around(document.text, time.span.start, time.span.end).slice(document.text)
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            out.append(DatedEvent(document.id, day, names_in(sentence), sentence))
    return out


def reference_day(document: Document, known: Known) -> date | None:
    """The day a partial date ('Aug. 16') is read against: the closest dated copy, else the corpus."""
    partners = []
    for reuse in known.pairs.get(document.id, ()):
        other = reuse.b if reuse.a == document.id else reuse.a
        if other in known.dated:
            partners.append((reuse.similarity, known.dated[other]))
    if partners:
        return max(partners)[1]
    return known.median


def evidence(document: Document, known: Known, events: list[DatedEvent]) -> list[Bound]:
    text = document.text
    body = document.body_spans or (Span(0, len(text)),)
    captions = tuple(r.span for r in document.removed if r.kind == "caption")
    reference = reference_day(document, known)
    bounds: list[Bound] = []
    for spans, where in ((body, "states"), (captions, "caption states")):
        if not spans:
            continue
        plain = find_times(text, None, spans)
        resolved = {(t.start, t.end): t for t in find_times(text, reference, spans)} if reference else {}
        for timex in plain:
            bound = _stated_bound(text, timex, resolved.get((timex.start, timex.end)), where)
            if bound:
                bounds.append(bound)
        if where == "states":
            bounds += [b for timex in plain if (b := _event_bound(text, timex, events))]
    bounds += _copy_bounds(document, known)
    return bounds


def _period(value: str) -> tuple[date, date] | None:
    """First and last day of an ISO date of any precision ('2021', '2021-08', '2021-08-16')."""
    match = re.match(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?![\d-])", value)
    if not match:
        return None
    year = int(match.group(1))
    if match.group(3):
        day = date(year, int(match.group(2)), int(match.group(3)))
        return day, day
    if match.group(2):
        month = int(match.group(2))
        first = date(year, month, 1)
        return first, (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))
    return date(year, 1, 1), date(year, 12, 31)


def _stated_bound(text: str, timex: Timex, resolved: Timex | None, where: str) -> Bound | None:
    """An article is published on or after a date it states in the past tense."""
    if timex.type not in ("DATE", "TIME") or not timex.value or is_future(text, timex.start, timex.end):
        return None
    value, how = timex.value, ""
    if value.startswith("XXXX-") and re.fullmatch(r"XXXX-\d{2}-\d{2}", value.split("T")[0]):
        if resolved is None or not resolved.value or "X" in resolved.value:
            return None
        value, how = resolved.value, " (year from the dated documents it goes with)"
    period = _period(value)
    if period is None:
        return None
    return Bound(period[0], None, f"{where} '{timex.text}' = {value}{how}: on or after {period[0]}", 0)


def _event_bound(text: str, timex: Timex, events: list[DatedEvent]) -> Bound | None:
    """'on Monday' / 'last year' tied to the same event told, with its date, by a dated document."""
    phrase = " ".join(timex.text.lower().split())
    weekday_match = _WEEKDAY.match(timex.value or "")
    weekday = int(weekday_match.group(1)) if weekday_match and not phrase.startswith(("last", "next")) else None
    year_shift = _YEAR_SHIFT.match(phrase)
    month_shift = _MONTH_SHIFT.match(phrase)
    if weekday is None and not year_shift and not month_shift and phrase != "yesterday":
        return None
    if is_future(text, timex.start, timex.end):
        return None
    names = names_in(sentence_around(text, timex.start, timex.end).slice(text))
    best: tuple[int, DatedEvent] | None = None
    for event in events:
        if weekday is not None and event.day.isoweekday() != weekday:
            continue
        shared = len(names & event.names)
        if shared >= settings()["min_shared_names"] and (best is None or shared > best[0]):
            best = (shared, event)
    if best is None:
        return None
    day = best[1].day
    why = f"'{timex.text}' tells the event dated {day} in document {best[1].doc}"
    if weekday is not None:
        latest = day + timedelta(days=settings()["weekday_window_days"])
        return Bound(day, latest, f"{why}: between {day} and {latest}", 1)
    if phrase == "yesterday":
        after = day + timedelta(days=1)
        return Bound(after, after, f"{why}: on {after}", 1)
    if month_shift:
        months = 1 if month_shift.group(1).lower() == "last" else 0
        first = date(day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1, 1)
        period = _period(first.isoformat()[:7])
        assert period is not None
        return Bound(period[0], period[1], f"{why}: in {first.isoformat()[:7]}", 1)
    assert year_shift is not None
    year = day.year + {"last": 1, "this": 0, "next": -1}[year_shift.group(1).lower()]
    return Bound(date(year, 1, 1), date(year, 12, 31), f"{why}: in {year}", 1)


def _copy_bounds(document: Document, known: Known) -> list[Bound]:
    """A copy is published on or after the dated version it copied; its source on or before."""
    out = []
    for reuse in known.pairs.get(document.id, ()):
        if reuse.direction not in ("a<-b", "a->b"):
            continue
        other = reuse.b if reuse.a == document.id else reuse.a
        if other not in known.dated:
            continue
        copied = (reuse.a == document.id) == (reuse.direction == "a<-b")
        day = known.dated[other]
        if copied:
            out.append(Bound(day, None, f"copies document {other} (published {day}): on or after {day}", 2))
        else:
            out.append(Bound(None, day, f"copied by document {other} (published {day}): on or before {day}", 2))
    return out


def combine(bounds: list[Bound]) -> DateRange | None:
    """Intersect the bounds; when they contradict, drop the weakest kind of evidence first."""
    window = timedelta(days=settings()["report_window_days"])
    for strength in (2, 1, 0):
        usable = [b for b in bounds if b.strength <= strength]
        lows = [b.earliest for b in usable if b.earliest]
        highs = [b.latest for b in usable if b.latest]
        earliest = max(lows) if lows else None
        latest = min(highs) if highs else None
        if earliest is None and latest is None:
            continue
        if earliest and latest and earliest > latest:
            continue
        if latest is None:
            assert earliest is not None
            latest = earliest + window
        if earliest is None:
            earliest = latest - window
        reasons = tuple(b.reason for b in usable if b.earliest == earliest or b.latest == latest
                        or (b.earliest and b.latest and b.earliest <= earliest and latest <= b.latest))
        if not any(b.latest for b in usable):
            reasons += (f"no later bound: assumed within {window.days} days of the latest stated date",)
        return DateRange(earliest.isoformat(), latest.isoformat(), tuple(dict.fromkeys(reasons)))
    return None
