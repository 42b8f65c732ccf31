"""The events stage: PLOVER events per sentence, with actor, target, place, date and mode.

Input: a `DocAnalysis` with mentions (entities), time expressions (time) and quotes (quotes), and
the cached spaCy parse of the body. Output: the same analysis with `events`, every span a slice of
`document.text`; events stated inside a quote carry that quote's id (they are the speaker's claim).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from storylens.model import DocAnalysis, Event, EventDate, Mention, Quote, Span, TimeExpression, stable_id
from storylens.stages.eventx import extract
from storylens.stages.eventx.lexicon import Lexicon, load

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

    from storylens.pipeline import Context

# Types where 'X and Y met' makes Y the target (the participants are symmetric).
RECIPROCAL = frozenset({"CONSULT", "AGREE", "COOPERATE"})
# Mention labels that can act or be acted on; places are read separately.
PARTICIPANT_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "FAC", "LOC"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Labels of names whose words are never triggers ('Political Bureau', 'Defense Forces').
NAME_LABELS = frozenset({"PERSON", "ORG", "FAC", "WORK_OF_ART", "LAW", "EVENT", "PRODUCT"})
DATED_TYPES = frozenset({"DATE", "TIME"})
# Inside a phrase naming a participant, a person is the actor more often than the body they head
# ('Head of Hamas' political bureau Ismail Haniyeh'), a body more often than a nationality.
LABEL_RANK = {"PERSON": 0, "ORG": 1, "GPE": 2, "FAC": 3, "LOC": 3, "NORP": 4}


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    lexicon: Lexicon = ctx.resource("events.lexicon", load)
    parsed = ctx.parse(analysis.document)
    return replace(analysis, events=tuple(extract_events(analysis, parsed, lexicon)))


def extract_events(analysis: DocAnalysis, parsed: Doc, lexicon: Lexicon) -> list[Event]:
    """The events of one document from its parse (a pure function of its inputs)."""
    document = analysis.document
    text = document.text
    mentions = sorted(analysis.mentions, key=lambda m: m.span.start)
    starts = [m.span.start for m in mentions]
    times = sorted((t for t in analysis.times if t.type in DATED_TYPES and t.value), key=lambda t: t.span.start)
    paragraphs = list(document.paragraphs())
    blocked = _name_tokens(parsed, mentions)
    events: list[Event] = []
    for sent in parsed.sents:
        span = _strip(text, sent.start_char, sent.end_char)
        if span is None:
            continue
        triggers = [extract.apply_modality(t, sent, lexicon)
                    for t in extract.find_triggers(sent, lexicon, blocked)]
        kept = [t for t in triggers if not extract.governed(t, triggers, sent, lexicon)]
        for trigger in kept:
            event = _event(analysis, sent, span, trigger, lexicon, mentions, starts, times, paragraphs)
            if event is not None:
                events.append(event)
    return events


def _event(analysis: DocAnalysis, sent: SpacySpan, span: Span, trigger: extract.Trigger, lexicon: Lexicon,
           mentions: list[Mention], starts: list[int], times: list[TimeExpression],
           paragraphs: list[Span]) -> Event | None:
    doc = sent.doc
    found = extract.roles(trigger, sent, reciprocal=trigger.type in RECIPROCAL, place_nouns=lexicon.place_nouns)
    actor = _role_span(found.actor, mentions, starts, PARTICIPANT_LABELS)
    target = _role_span(found.target, mentions, starts, PARTICIPANT_LABELS)
    if trigger.kind == "noun" and actor is None and target is None:
        return None  # a bare 'the talks' or 'an attack' says too little to be an event
    place = _role_span(found.place, mentions, starts, PLACE_LABELS) if found.place is not None else None
    first, last = doc[trigger.first], doc[trigger.last]
    trigger_span = Span(first.idx, last.idx + len(last.text))
    document = analysis.document
    return Event(
        id=stable_id(document.id, "event", str(trigger_span.start), str(trigger_span.end)),
        doc=document.id,
        span=span,
        trigger=trigger_span,
        type=trigger.type,
        mode=extract.mode_of(trigger, sent, lexicon),
        actor_span=actor,
        target_span=target,
        place_span=place,
        date=_date(doc[trigger.head], sent, times, paragraphs),
        quote=_quote_of(trigger_span, analysis.quotes),
    )


# ------------------------------------------------------------------------------------------ spans


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def _name_tokens(parsed: Doc, mentions: Sequence[Mention]) -> frozenset[int]:
    """Tokens inside names: a trigger word there is part of a title or an organisation's name."""
    blocked = {t.i for t in parsed if t.ent_type_ in NAME_LABELS}
    for mention in mentions:
        if mention.label in NAME_LABELS:
            chars = parsed.char_span(mention.span.start, mention.span.end, alignment_mode="expand")
            if chars is not None:
                blocked.update(range(chars.start, chars.end))
    return frozenset(blocked)


def _mention_at(token: Token, mentions: list[Mention], starts: list[int]) -> Mention | None:
    """The mention covering the token's first character, if any."""
    position = bisect.bisect_right(starts, token.idx) - 1
    while position >= 0:
        mention = mentions[position]
        if mention.span.start <= token.idx < mention.span.end:
            return mention
        if token.idx - mention.span.start > 200:
            break
        position -= 1
    return None


def _core(token: Token) -> list[Token]:
    """The token's own phrase: its subtree without relative clauses (appositions kept:
    'Head of the bureau, Omar Kell')."""
    out: list[Token] = []
    stack = [token]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(c for c in current.children if c.dep_ not in ("relcl", "acl", "punct", "cc", "conj"))
    return sorted(out, key=lambda t: t.i)


def _role_span(token: Token | None, mentions: list[Mention], starts: list[int],
               labels: frozenset[str]) -> Span | None:
    """The span standing for a participant: the mention covering the token, else a mention inside
    its phrase ('leaders of the Taliban'), else spaCy's entity, else the bare noun phrase."""
    if token is None:
        return None
    own = _mention_at(token, mentions, starts)
    if own is not None and own.label in labels:
        return own.span
    if token.ent_type_ in labels and token.ent_iob_ != "O":
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return Span(ent.start_char, ent.end_char)
    core = _core(token)
    inside = [(LABEL_RANK.get(m.label, 9), abs(inner.i - token.i), m) for inner in core
              if (m := _mention_at(inner, mentions, starts)) is not None and m.label in labels]
    if inside:
        return min(inside, key=lambda x: x[:2])[2].span
    for inner in core:
        if inner.ent_type_ in labels:
            for ent in token.doc.ents:
                if ent.start <= inner.i < ent.end:
                    return Span(ent.start_char, ent.end_char)
    if own is not None:
        return own.span
    left = min((t for t in core if t.i <= token.i and t.dep_ not in ("prep", "det")),
               key=lambda t: t.i, default=token)
    return Span(left.idx, token.idx + len(token.text))


def _quote_of(trigger: Span, quotes: Sequence[Quote]) -> str | None:
    for quote in quotes:
        if quote.span.contains(trigger):
            return quote.id
    return None


# ------------------------------------------------------------------------------------------ dates


def _tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens of one sentence through their lowest common head."""
    path_a = [a, *a.ancestors]
    index = {t.i: n for n, t in enumerate(path_a)}
    for steps, token in enumerate([b, *b.ancestors]):
        if token.i in index:
            return steps + index[token.i]
    return 1000


def iso_day_value(value: str | None) -> str | None:
    """An ISO date (YYYY, YYYY-MM, YYYY-MM-DD) from a TIMEX value, else None.

    Week values become the month (or year) holding all their days: '2021-W32-WE' (14-15 Aug)
    -> '2021-08'. Values with unknown parts ('XXXX-WXX-1', 'PRESENT_REF') are no date.
    """
    if not value:
        return None
    value = value.split("T")[0]
    if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", value):
        return value
    week = re.fullmatch(r"(\d{4})-W(\d{2})(-WE)?", value)
    if week:
        year, number = int(week.group(1)), int(week.group(2))
        try:
            days = [date.fromisocalendar(year, number, d) for d in ((6, 7) if week.group(3) else range(1, 8))]
        except ValueError:
            return None
        months = {d.strftime("%Y-%m") for d in days}
        years = {str(d.year) for d in days}
        return months.pop() if len(months) == 1 else years.pop() if len(years) == 1 else None
    return None


def _as_date(time: TimeExpression, basis: str | None = None) -> EventDate:
    value = iso_day_value(time.value)
    return EventDate(value, time.text, time.span, (basis or time.basis) if value else "unknown")


def _date(head: Token, sent: SpacySpan, times: list[TimeExpression], paragraphs: list[Span]) -> EventDate | None:
    """The time expression of the trigger's sentence nearest it in the parse (resolved values
    first), else the last resolved one earlier in its paragraph (basis 'inferred')."""
    doc = sent.doc
    inside = [t for t in times if sent.start_char <= t.span.start < sent.end_char]
    best: tuple[tuple[bool, int, int], TimeExpression] | None = None
    for time in inside:
        chars = doc.char_span(time.span.start, time.span.end, alignment_mode="expand")
        if chars is None:
            continue
        distance = min(_tree_distance(head, token) for token in chars)
        key = (iso_day_value(time.value) is None, distance, abs(time.span.start - head.idx))
        if best is None or key < best[0]:
            best = (key, time)
    if best is not None:
        return _as_date(best[1])
    paragraph = next((p for p in paragraphs if p.start <= sent.start_char < p.end), None)
    if paragraph is None:
        return None
    earlier = [t for t in times if paragraph.start <= t.span.start < sent.start_char and iso_day_value(t.value)]
    return _as_date(earlier[-1], "inferred") if earlier else None
