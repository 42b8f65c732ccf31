"""The `time` document stage: every time expression of the body as a TimeExpression, its value
normalised against the publication date (stated, else the middle of the inferred range, else
left unresolved with basis 'unknown'). Rules (stages/timex) first; spaCy DATE/TIME entities the
rules missed are added with a dateparser value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from storylens.model import DocAnalysis, Document, Span, TimeExpression, stable_id
from storylens.stages.timex import Timex, find_times, granularity_of

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from storylens.pipeline import Context

# spaCy DATE entities that are ages, counts or vague words, not times the rules could miss usefully.
_SPACY_NOISE = re.compile(r"^(?:the\s+)?(?:\d+|one|two|three)$|\bold\b|\bage\b|^(?:annual|earlier|later)$", re.I)


def anchor_of(document: Document) -> tuple[date | None, str]:
    """The day relative expressions are read against, and the basis it gives them."""
    stated = parse_iso_day(document.published)
    if stated:
        return stated, "relative-to-publication"
    inferred = document.published_inferred
    if inferred is not None:
        earliest, latest = parse_iso_day(inferred.earliest), parse_iso_day(inferred.latest)
        if earliest and latest:
            return earliest + (latest - earliest) / 2, "inferred"
        if earliest or latest:
            return earliest or latest, "inferred"
    return None, "unknown"


def parse_iso_day(value: str | None) -> date | None:
    """The day of an ISO date or datetime string ('2021-08-17', '2021-08-17T09:00:00Z'), else None."""
    if not value:
        return None
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def time_expressions(text: str, anchor: date | None, spans: Sequence[Span] | None = None,
                     parsed: Doc | None = None) -> list[Timex]:
    """Rule matches, plus the spaCy DATE/TIME entities of `parsed` that no rule match overlaps."""
    found = find_times(text, anchor, spans)
    if parsed is None:
        return found
    extra = []
    for ent in parsed.ents:
        if ent.label_ not in ("DATE", "TIME"):
            continue
        start, end = ent.start_char, ent.end_char
        if any(t.start < end and start < t.end for t in found) or _SPACY_NOISE.search(ent.text):
            continue
        if spans is not None and not any(s.start <= start and end <= s.end for s in spans):
            continue
        value = dateparser_value(ent.text, anchor)
        if value is None:
            continue
        extra.append(Timex(start, end, text[start:end], "TIME" if ent.label_ == "TIME" else "DATE", value,
                           granularity_of(value), True, f"spacy-{ent.label_}"))
    return sorted(found + extra, key=lambda t: t.start)


def dateparser_value(text: str, anchor: date | None) -> str | None:
    """A TIMEX3 value for `text` by dateparser (past-preferring, relative to `anchor`), or None."""
    if anchor is None:
        return None
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"RELATIVE_BASE": datetime(anchor.year, anchor.month, anchor.day),
                                "PREFER_DATES_FROM": "past", "STRICT_PARSING": False}
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except (ValueError, OverflowError):
        return None
    moment, period = data["date_obj"], data["period"]
    if moment is None:
        return None
    if period == "year":
        return f"{moment.year:04d}"
    if period == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "time":
        return str(moment.strftime("%Y-%m-%dT%H:%M"))
    return str(moment.date().isoformat())


def records(document: Document, found: Sequence[Timex], basis: str) -> tuple[TimeExpression, ...]:
    """TimeExpression records with stable ids; `basis` is given to the values that used the anchor."""
    out = []
    for timex in found:
        if timex.relative:
            own_basis = basis if timex.value and "X" not in timex.value.split("T")[0] else "unknown"
            if timex.value in ("PAST_REF", "PRESENT_REF", "FUTURE_REF"):
                own_basis = basis
        else:
            own_basis = "explicit"
        out.append(TimeExpression(
            id=stable_id(document.id, str(timex.start), str(timex.end)), doc=document.id,
            span=Span(timex.start, timex.end), text=document.text[timex.start:timex.end], type=timex.type,
            value=timex.value, granularity=timex.granularity, basis=own_basis))
    return tuple(out)


def analyse(document: Document, parsed: Doc | None = None) -> tuple[TimeExpression, ...]:
    """The time expressions of one document's body, normalised against its (stated or inferred) date."""
    anchor, basis = anchor_of(document)
    spans = document.body_spans or (Span(0, len(document.text)),)
    return records(document, time_expressions(document.text, anchor, spans, parsed), basis)


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    document = analysis.document
    parsed = ctx.parse(document) if document.body_spans else None
    return replace(analysis, times=analyse(document, parsed))
