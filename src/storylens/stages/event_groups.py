"""The event_groups stage: the same real-world event reported by several outlets, with conflicts.

Input: a `CorpusAnalysis` whose events carry entity ids (after resolve and link). Output: the
corpus with `event_groups`: events of one type family reported by two or more documents, linked by
a shared participant on the same days, or by both participants within one story time when dated
vaguely or not at all; `conflicts` says in plain sentences where the outlets disagree (mode, place,
date, participants).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from storylens.model import CorpusAnalysis, DocAnalysis, Event, EventGroup, Mention, Span, stable_id
from storylens.stages.eventx.lexicon import load

if TYPE_CHECKING:
    from storylens.pipeline import Context

# Types whose participants are a set: who 'met' whom is the same meeting either way round.
SYMMETRIC = frozenset({"CONSULT", "AGREE", "COOPERATE"})
# Types that can name one real event differently across outlets ('took control' / 'seized' /
# 'attacked'); any other type only matches itself.
FAMILIES = {"ASSAULT": "force", "COERCE": "force", "MOBILIZE": "force",
            "ACCUSE": "criticism", "REJECT": "criticism"}
# Dates of one event reported a day apart (time zones, 'late Sunday' vs 'Monday') still match.
DAY_TOLERANCE = 1
MODE_PHRASES = {"phone": "a telephone call", "meeting": "a meeting", "visit": "a visit", "host": "a hosted visit",
                "third-party": "a mediated meeting", "multilateral": "a multilateral meeting"}
NAMED_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# A date range this many days wide or less ('over the weekend', a week) counts as precise: two
# precise dates that overlap are one day told two ways; wider ones only fail to contradict.
PRECISE_DAYS = 7
# A vaguely dated or undated report joins another only when their articles came out within this
# many days of each other (the same story time): 'the meeting' in next year's article is another
# meeting. Set from the seed and demo stories, whose articles come out within four days of the events.
STORY_WINDOW_DAYS = 7
# 'had met', 'had earlier held talks': the past perfect tells background, not the reported event.
PAST_PERFECT = re.compile(r"\bhad\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Report:
    """One event as one document states it, with what grouping compares."""

    event: Event
    outlet: str
    actor: str | None
    target: str | None
    place: str | None  # entity id, or folded place name
    place_name: str | None
    names: dict[str, str]  # participant key -> readable name
    kinds: dict[str, str] = field(default_factory=dict)  # participant key -> entity type, when resolved
    days: tuple[date, date] | None = None  # the first and last day the event's date can be
    earlier: bool = False  # told as background ('had met'): not the news the article reports
    published: tuple[date, date] | None = None  # when the reporting document was (or can be) published

    @property
    def participants(self) -> frozenset[str]:
        return frozenset(k for k in (self.actor, self.target) if k)

    @property
    def precise(self) -> bool:
        """Dated to a day or a few days ('Monday', 'over the weekend'), not just a month or year."""
        return self.days is not None and (self.days[1] - self.days[0]).days <= PRECISE_DAYS


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    from storylens.pipeline import linked_docs

    # The pipeline links records to entities only after the last corpus stage; grouping needs the
    # entity ids now, so it reads each document linked (linking is idempotent), one at a time, and
    # keeps the input's docs.
    return replace(corpus, event_groups=tuple(group_events(replace(corpus, docs=linked_docs(corpus)))))


def group_events(corpus: CorpusAnalysis) -> list[EventGroup]:
    """Greedy grouping: an event joins the group it links to most strongly, provided it contradicts
    no member (type family, dates, places, who acts). Two reports link when they are dated to the
    same day (or overlapping few-day ranges) and share a participant, or, with a vaguer or no date,
    when they share both participants and the undated one was published within the story window."""
    names = {e.id: e.name for e in corpus.entities}
    kinds = {e.id: e.type for e in corpus.entities}
    reports = [report for analysis in corpus.docs for report in _reports(analysis, names, kinds)]
    # Precisely dated and placed reports first: they found the groups, vaguer ones then join.
    reports.sort(key=lambda r: (r.event.type, not r.precise, r.days is None, r.place is None, r.event.doc,
                                r.event.trigger.start))
    groups: list[list[Report]] = []
    holders: dict[tuple[str, str], set[int]] = {}  # blocking key -> indices of groups with a member of that key
    for report in reports:
        keys = blocking_keys(report)
        best: tuple[tuple[int, int], int] | None = None
        # Only groups reached through the report's keys can link; in creation order, as a scan of
        # every group would meet them, so ties go to the same (earliest) group.
        for index in sorted({g for key in keys for g in holders.get(key, ())}):
            members = groups[index]
            if any(contradicts(report, other) for other in members):
                continue
            strength = sum(link_strength(report, other) for other in members)
            same_day = sum(report.precise and other.precise and report.days == other.days for other in members)
            if strength and (best is None or (strength, same_day) > best[0]):
                best = ((strength, same_day), index)
        if best is None:
            index = len(groups)
            groups.append([report])
        else:
            index = best[1]
            groups[index].append(report)
        for key in keys:
            holders.setdefault(key, set()).add(index)
    return [_group(members, kinds) for members in groups if len({m.event.doc for m in members}) >= 2]


# ------------------------------------------------------------------------------------------ reports


def fold(text: str) -> str:
    """Case, accents and articles folded: 'The Taliban' ~ 'taliban'."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[\W_]+", " ", plain).strip()
    return re.sub(r"^(?:the|a|an) ", "", plain)


def outlet_of(analysis: DocAnalysis) -> str:
    document = analysis.document
    return document.outlet or PurePath(document.path).name or document.id


def _mention_at(mentions: Sequence[Mention], span: Span) -> Mention | None:
    return next((m for m in mentions if m.span == span), None) or next(
        (m for m in mentions if m.span.overlaps(span)), None)


def _participant_key(analysis: DocAnalysis, entity: str | None, span: Span | None, entity_names: dict[str, str],
                     pronouns: frozenset[str], names: dict[str, str]) -> str | None:
    """The entity id, else the folded within-document name; records a readable name in `names`."""
    if entity:
        names[entity] = entity_names.get(entity, entity)
        return entity
    if span is None:
        return None
    mention = _mention_at(analysis.mentions, span)
    if mention is None:
        return None  # a bare noun phrase ('every compromise', 'the occupiers') names no one
    name = (mention.canonical or span.slice(analysis.document.text)).strip()
    folded = fold(name)
    if not folded or folded in pronouns:
        return None  # 'he', 'we': unresolved, says nothing about who
    names[folded] = name
    return folded


def _reports(analysis: DocAnalysis, entity_names: dict[str, str],
             entity_kinds: dict[str, str] | None = None) -> Iterable[Report]:
    outlet = outlet_of(analysis)
    pronouns = load().pronouns
    document = analysis.document
    raw = {t.span: t.value for t in analysis.times}
    published = _published_days(analysis)
    for event in analysis.events:
        names: dict[str, str] = {}
        actor = _participant_key(analysis, event.actor, event.actor_span, entity_names, pronouns, names)
        target = _participant_key(analysis, event.target, event.target_span, entity_names, pronouns, names)
        place, place_name = _place(analysis, event, entity_names)
        kinds = {k: kind for k in (actor, target) if k and (kind := (entity_kinds or {}).get(k))}
        days = None
        if event.date is not None and event.date.value:
            # The time expression's own value keeps a week's days ('over the weekend') that the
            # event's ISO date widened to its month.
            days = day_range(raw.get(event.date.span) if event.date.span else None) or day_range(event.date.value)
        earlier = bool(PAST_PERFECT.search(document.text[event.span.start:event.trigger.start]))
        yield Report(event, outlet, actor, target, place, place_name, names, kinds, days, earlier, published)


def _published_days(analysis: DocAnalysis) -> tuple[date, date] | None:
    document = analysis.document
    if document.published:
        return day_range(document.published)
    inferred = document.published_inferred
    if inferred is not None and inferred.earliest and inferred.latest:
        first, last = day_range(inferred.earliest), day_range(inferred.latest)
        if first and last:
            return first[0], last[1]
    return None


def day_range(value: str | None) -> tuple[date, date] | None:
    """The first and last day an ISO/TIMEX value can be: a day, an ISO week or its weekend, a
    month, a year; None for anything else."""
    if not value:
        return None
    value = value.split("T")[0]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            return day, day
        week = re.fullmatch(r"(\d{4})-W(\d{2})(-WE)?", value)
        if week:
            year, number = int(week.group(1)), int(week.group(2))
            first_day = 6 if week.group(3) else 1
            return date.fromisocalendar(year, number, first_day), date.fromisocalendar(year, number, 7)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            start = date.fromisoformat(value + "-01")
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return start, following - timedelta(days=1)
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 1, 1), date(int(value), 12, 31)
    except ValueError:
        return None
    return None


def _place(analysis: DocAnalysis, event: Event, entity_names: dict[str, str]) -> tuple[str | None, str | None]:
    """Only named places count for conflicts: 'the Qatari capital' is not evidence against 'Doha'."""
    if event.place_span is None:
        return None, None
    if event.place:
        return event.place, entity_names.get(event.place, event.place_span.slice(analysis.document.text))
    mention = _mention_at(analysis.mentions, event.place_span)
    name = event.place_span.slice(analysis.document.text)
    if mention is not None and mention.label in NAMED_PLACE_LABELS:
        return fold(mention.canonical or name), name
    return None, name


# ------------------------------------------------------------------------------------------ compatibility


def _family(event_type: str) -> str:
    return FAMILIES.get(event_type, event_type)


def _day(value: str | None) -> date | None:
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date_value(event: Event) -> str | None:
    if event.date is None or not event.date.value:
        return None
    value = event.date.value
    return value if re.match(r"\d{4}(?:-\d{2}(?:-\d{2})?)?$", value) else None


def dates_compatible(a: str | None, b: str | None) -> bool:
    """Unknown fits anything; days within DAY_TOLERANCE; a month or year fits the days inside it."""
    if a is None or b is None:
        return True
    day_a, day_b = _day(a), _day(b)
    if day_a and day_b:
        return abs((day_a - day_b).days) <= DAY_TOLERANCE
    return a.startswith(b) or b.startswith(a)


def _shared(a: Report, b: Report) -> int:
    """How many participants two reports share: as sets for symmetric types (X meets Y == Y meets
    X), else actor with actor and target with target."""
    if a.event.type in SYMMETRIC and b.event.type in SYMMETRIC:
        return len(a.participants & b.participants)
    return int(a.actor is not None and a.actor == b.actor) + int(a.target is not None and a.target == b.target)


def _days_overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    slack = timedelta(days=DAY_TOLERANCE)
    return a[0] - slack <= b[1] and b[0] - slack <= a[1]


def _other_counterpart(a: Report, b: Report) -> bool:
    """Each names someone the other does not, of the same kind ('Kell met Brandt' vs 'Kell met
    Marr'): the same event only if everything else pins it down."""
    only_a, only_b = a.participants - b.participants, b.participants - a.participants
    return any(a.kinds.get(x) is not None and a.kinds.get(x) == b.kinds.get(y) for x in only_a for y in only_b)


def contradicts(a: Report, b: Report) -> bool:
    """True when the two cannot be one event: another type family, dates that cannot meet, two
    named places or two counterparts unless both are dated to the same days, two actors."""
    if _family(a.event.type) != _family(b.event.type):
        return True
    if a.days is not None and b.days is not None and not _days_overlap(a.days, b.days):
        return True
    both_precise = a.precise and b.precise
    if a.place and b.place and a.place != b.place and not both_precise:
        return True
    if not (a.event.type in SYMMETRIC and b.event.type in SYMMETRIC) and \
            a.actor is not None and b.actor is not None and a.actor != b.actor:
        return True
    return _other_counterpart(a, b) and not both_precise


def _in_window(a: Report, b: Report) -> bool:
    """Vaguely dated or undated reports are one event only when told in the same story time: their
    articles came out within the story window of each other, or (one article's date unknown) the
    article came out within the window after the other report's date. Nothing known: it fits."""
    window = timedelta(days=STORY_WINDOW_DAYS)
    if a.published is not None and b.published is not None:
        return a.published[0] <= b.published[1] + window and b.published[0] <= a.published[1] + window
    for report, other in ((a, b), (b, a)):
        if report.published is not None and other.days is not None and \
                report.published[0] > other.days[1] + window:
            return False
    return True


def link_strength(a: Report, b: Report) -> int:
    """2: same days and a shared participant; 1: a vaguer date (or none) but both participants
    shared, neither told as background, and the story window respected; 0: no link."""
    shared = _shared(a, b)
    if not shared:
        return 0
    if a.precise and b.precise:
        return 2
    if shared < 2 or a.earlier or b.earlier or not _in_window(a, b):
        return 0
    return 1


def blocking_keys(report: Report) -> set[tuple[str, str]]:
    """(type family, participant) for each participant: a group whose members share none of the
    report's keys cannot take it (another family contradicts, no shared participant links 0)."""
    return {(_family(report.event.type), participant) for participant in report.participants}


def compatible(a: Report, b: Report) -> bool:
    return not contradicts(a, b) and link_strength(a, b) > 0


# ------------------------------------------------------------------------------------------ groups


def _group(members: list[Report], kinds: dict[str, str]) -> EventGroup:
    events = tuple(m.event.id for m in members)
    day = _group_date(members)
    return EventGroup(id=stable_id("event_group", *sorted(events)), events=events, summary=_summary(members, day),
                      date=day, conflicts=tuple(conflicts(members, kinds)))


def _group_date(members: list[Report]) -> str | None:
    """The most reported date, the most precise among equally reported ones."""
    values = Counter(v for m in members if (v := _date_value(m.event)))
    if not values:
        return None
    return max(values, key=lambda v: (values[v], len(v), v))


def _summary(members: list[Report], day: str | None) -> str:
    types = Counter(m.event.type for m in members).most_common(1)[0][0]
    names: dict[str, str] = {}
    for m in members:
        names.update(m.names)
    # Actor before target, in member order, so that ties keep one order on every run (a frozenset's
    # order changes with the hash seed).
    who = Counter(k for m in members for k in dict.fromkeys((m.actor, m.target)) if k)
    parties = [names.get(k, k) for k, _ in who.most_common(2)]
    outlets = sorted({m.outlet for m in members})
    text = f"{types}: {' and '.join(parties) if parties else 'unnamed participants'}"
    if day:
        text += f", {day}"
    return f"{text} (reported by {len(outlets)} outlets: {', '.join(outlets)})"


def _by_outlet(members: list[Report], value: str) -> dict[str, str]:
    """The value each outlet gives (its most frequent one), for outlets that give one."""
    per: dict[str, Counter[str]] = {}
    for m in members:
        v = {"mode": m.event.mode, "place": m.place_name if m.place else None, "date": _date_value(m.event)}[value]
        if v:
            per.setdefault(m.outlet, Counter())[v] += 1
    return {outlet: counts.most_common(1)[0][0] for outlet, counts in per.items()}


def _sides(values: dict[str, str]) -> list[tuple[str, list[str]]]:
    sides: dict[str, list[str]] = {}
    for outlet, v in sorted(values.items()):
        sides.setdefault(v, []).append(outlet)
    return sorted(sides.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def conflicts(members: list[Report], kinds: dict[str, str] | None = None) -> list[str]:
    """One sentence per disagreement between outlets; unknown against known is no conflict."""
    out: list[str] = []
    modes = _by_outlet(members, "mode")
    places = _by_outlet(members, "place")
    if len(set(modes.values())) > 1:
        described = []
        for mode, outlets in _sides(modes):
            phrase = MODE_PHRASES.get(mode, mode)
            where = {places[o] for o in outlets if o in places}
            if len(where) == 1:
                phrase += f" in {where.pop()}"
            described.append(f"{phrase} in {', '.join(outlets)}")
        out.append("Mode differs: " + " vs ".join(described))
    folded_places = {o: fold(p) for o, p in places.items()}
    if len(set(folded_places.values())) > 1:
        out.append("Place differs: " + " vs ".join(f"{p} in {', '.join(o)}" for p, o in _sides(places)))
    dates = _by_outlet(members, "date")
    days = {o: v for o, v in dates.items() if _day(v)}
    if len(set(days.values())) > 1:
        out.append("Date differs: " + " vs ".join(f"{d} in {', '.join(o)}" for d, o in _sides(days)))
    parties = _participants_by_outlet(members, kinds or {})
    if len(set(parties.values())) > 1:
        names: dict[str, str] = {}
        for m in members:
            names.update(m.names)
        out.append("Participants differ: " + " vs ".join(
            f"{' and '.join(sorted(names.get(k, k) for k in keys))} in {', '.join(o)}"
            for keys, o in _sides_sets(parties)))
    return out


def _participants_by_outlet(members: list[Report], kinds: dict[str, str]) -> dict[str, frozenset[str]]:
    """Per outlet, its resolved participants, when two outlets name one participant in common and
    a different other one of the same kind ('Kell met Brandt' vs 'Kell met Marr'). Partial lists
    ('met the delegation' vs 'met its leader') and outlets with many reports are not evidence."""
    per: dict[str, set[str]] = {}
    for m in members:
        resolved = {k for k, ref in ((m.actor, m.event.actor), (m.target, m.event.target)) if k and ref}
        if resolved:
            per.setdefault(m.outlet, set()).update(resolved)
    pairs = {o: frozenset(v) for o, v in per.items() if len(v) == 2}
    for x in set(pairs.values()):
        for y in set(pairs.values()):
            if len(x & y) == 1:
                (only_x,), (only_y,) = tuple(x - y), tuple(y - x)
                if kinds.get(only_x) is not None and kinds.get(only_x) == kinds.get(only_y):
                    return pairs
    return {}


def _sides_sets(values: dict[str, frozenset[str]]) -> list[tuple[frozenset[str], list[str]]]:
    sides: dict[frozenset[str], list[str]] = {}
    for outlet, v in sorted(values.items()):
        sides.setdefault(v, []).append(outlet)
    return sorted(sides.items(), key=lambda kv: (-len(kv[1]), sorted(kv[0])))
