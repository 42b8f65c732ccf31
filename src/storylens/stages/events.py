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

from storylens.model import DocAnalysis, Document, Event, EventDate, Mention, Quote, Span, TimeExpression, stable_id
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
FIRST_PERSON = frozenset({"we", "i"})
THIRD_PERSON_SINGULAR = frozenset({"he", "she"})
# Characters back from 'he'/'she' within which the nearest named person is taken as its referent:
# about two news sentences (read on the seed and demo articles, where the antecedent of a
# sentence-initial 'He' is the person named one or two sentences earlier).
PRONOUN_REACH = 400
# Tokens after a possessive ("X's acting Foreign Minister Amir Tasso") searched for the person it
# owns: a title of up to four words and a name of two.
OWNED_REACH = 6
# Auxiliaries that put an event outside the article's present: 'had met' (earlier), 'would meet'.
NOT_NEWS_AUX = frozenset({"had", "'d", "will", "would", "could", "may", "might", "should", "must", "can", "shall"})
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
    mentions = sorted(analysis.mentions, key=lambda m: m.span.start)
    starts = [m.span.start for m in mentions]
    times = sorted((t for t in analysis.times if t.type in DATED_TYPES and t.value), key=lambda t: t.span.start)
    paragraphs = list(document.paragraphs())
    blocked = _name_tokens(parsed, mentions)
    published = publication_date(document)
    events: list[Event] = []
    for sent in parsed.sents:
        # Stripped on the body text, so that a sentence never starts in a blanked header line.
        span = _strip(parsed.text, sent.start_char, sent.end_char)
        if span is None:
            continue
        triggers = [extract.apply_modality(t, sent, lexicon)
                    for t in extract.find_triggers(sent, lexicon, blocked)]
        kept = [t for t in triggers if not extract.governed(t, triggers, sent, lexicon)]
        heads = {t.head for t in kept}
        for trigger in kept:
            event = _event(analysis, sent, span, trigger, lexicon, mentions, starts, times, paragraphs, published,
                           _framed_by_event(trigger, sent, heads))
            if event is not None:
                events.append(event)
    events += praise_events(analysis, parsed, lexicon, events, mentions, starts, times, published)
    return events


def _event(analysis: DocAnalysis, sent: SpacySpan, span: Span, trigger: extract.Trigger, lexicon: Lexicon,
           mentions: list[Mention], starts: list[int], times: list[TimeExpression],
           paragraphs: list[Span], published: str | None = None, framed: bool = False) -> Event | None:
    doc = sent.doc
    first, last = doc[trigger.first], doc[trigger.last]
    trigger_span = Span(first.idx, last.idx + len(last.text))
    quote = _quote_at(trigger_span, analysis.quotes)
    found = extract.roles(trigger, sent, reciprocal=trigger.type in RECIPROCAL, place_nouns=lexicon.place_nouns)
    actor = _role_span(found.actor, mentions, starts, PARTICIPANT_LABELS)
    actor = _resolve_pronoun(actor, analysis.document.text, quote, mentions, lexicon)
    target = _role_span(found.target, mentions, starts, PARTICIPANT_LABELS)
    if trigger.kind == "noun" and actor is None and target is None:
        return None  # a bare 'the talks' or 'an attack' says too little to be an event
    place = _role_span(found.place, mentions, starts, PLACE_LABELS) if found.place is not None else None
    if place is not None and _in_other_quote(place, trigger_span, analysis.quotes):
        place = None  # a place inside someone else's words belongs to what they talk about
    if framed:
        # 'congratulated the Alliance on Monday on its capture of Kharsa': the capture is earlier than
        # the congratulation; only a date inside its own phrase dates it.
        head = doc[trigger.head]
        own = Span(head.left_edge.idx, head.right_edge.idx + len(head.right_edge.text))
        date_found = _date(head, sent, [t for t in times if own.contains(t.span)], [])
    else:
        date_found = _date(doc[trigger.head], sent, times, paragraphs)
    if date_found is None and not framed and published is not None and _reported_as_news(doc[trigger.head], quote):
        date_found = EventDate(published, None, None, "inferred")
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
        date=date_found,
        quote=quote.id if quote is not None else None,
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
    owned = _owned_person(token, mentions, starts, labels)
    if owned is not None:
        return owned
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


def _owned_person(token: Token, mentions: list[Mention], starts: list[int], labels: frozenset[str]) -> Span | None:
    """'with the Nord government's acting Foreign Minister Amir Tasso': when the parse stops at the
    possessor, the participant is the person named right after the possessive (within a title)."""
    doc = token.doc
    if "PERSON" not in labels or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ not in ("'s", "’s"):
        return None
    for follower in doc[token.i + 2: min(len(doc), token.i + 2 + OWNED_REACH)]:
        if follower.is_punct and follower.text not in ("-", "."):
            return None
        mention = _mention_at(follower, mentions, starts)
        if mention is not None and mention.label == "PERSON":
            return mention.span
    return None


def _framed_by_event(trigger: extract.Trigger, sent: SpacySpan, heads: set[int]) -> bool:
    """A nominal trigger that is what another trigger's verb is about ('praised X for its capture
    of Y'): an event of its own, told as the reason for the other one."""
    if trigger.kind != "noun":
        return False
    token = sent.doc[trigger.head]
    for _ in range(3):
        if token.head.i == token.i:
            return False
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            return token.i in heads and token.i != trigger.head
    return False


def _quote_at(trigger: Span, quotes: Sequence[Quote]) -> Quote | None:
    return next((quote for quote in quotes if quote.span.contains(trigger)), None)


def _in_other_quote(span: Span, trigger: Span, quotes: Sequence[Quote]) -> bool:
    return any(q.span.contains(span) and not q.span.contains(trigger) for q in quotes)


def _speaker_span(quote: Quote, text: str, lexicon: Lexicon) -> Span | None:
    """The named mention a quote's speaker stands for ('he' -> the name it resolves to)."""
    speaker = quote.speaker
    if speaker is None:
        return None
    if speaker.ref is not None:
        return speaker.ref
    if speaker.span is not None and speaker.span.slice(text).strip().lower() not in lexicon.pronouns:
        return speaker.span
    return None


def _resolve_pronoun(actor: Span | None, text: str, quote: Quote | None, mentions: list[Mention],
                     lexicon: Lexicon) -> Span | None:
    """'We'/'I' inside a quote are its speaker; 'he'/'she' is the nearest person named before it in
    the same or the previous paragraph. Other pronouns stay as written (they say nothing of who)."""
    if actor is None:
        return None
    word = actor.slice(text).strip().lower()
    if word in FIRST_PERSON and quote is not None:
        return _speaker_span(quote, text, lexicon) or actor
    if word in THIRD_PERSON_SINGULAR:
        floor = max(0, text.rfind("\n", 0, max(0, text.rfind("\n", 0, actor.start))))
        people = [m for m in mentions if m.label == "PERSON" and floor <= m.span.start and m.span.end <= actor.start]
        if people and actor.start - people[-1].span.end <= PRONOUN_REACH:
            return people[-1].span
    return actor


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


def publication_date(document: Document) -> str | None:
    """For an undated article, the part of its inferred publication range that is certain: the
    month when the earliest and latest day share it, else the year, else nothing."""
    if document.published or document.published_inferred is None:
        return None
    earliest, latest = document.published_inferred.earliest, document.published_inferred.latest
    if not earliest or not latest:
        return None
    for size in (7, 4):  # YYYY-MM, then YYYY
        if earliest[:size] == latest[:size] and re.fullmatch(r"\d{4}(?:-\d{2})?", earliest[:size]):
            return earliest[:size]
    return None


def _reported_as_news(head: Token, quote: Quote | None) -> bool:
    """An event the article reports as having happened ('met', 'has met', 'hosted'), not one
    placed before it ('had met'), wished or planned ('would meet'), or told in someone's own words."""
    if quote is not None and quote.kind == "direct":
        return False
    chain = [head, *(t for t in head.ancestors if t.dep_ in ("xcomp", "conj"))][:2]
    return not any(c.lower_ in NOT_NEWS_AUX for t in chain for c in t.children if c.dep_ in ("aux", "auxpass"))


# ------------------------------------------------------------------------------------------ praise in quotes


def praise_events(analysis: DocAnalysis, parsed: Doc, lexicon: Lexicon, found: Sequence[Event],
                  mentions: list[Mention], starts: list[int], times: list[TimeExpression],
                  published: str | None) -> list[Event]:
    """SUPPORT events for praise voiced without a praise verb: a speaker's own words saying that
    someone won, is victorious, or makes them proud ('"The Front won today," Kell tweeted' is Kell
    supporting the Front). One per direct quote, only where no SUPPORT event is already stated in the
    quote or its attribution, and only when the praised party is named (not the speaker)."""
    document = analysis.document
    text = document.text
    out: list[Event] = []
    supported = [e.span for e in found if e.type == "SUPPORT"]
    for quote in analysis.quotes:
        if quote.kind != "direct" or quote.speaker is None:
            continue
        speaker = _speaker_span(quote, text, lexicon)
        if speaker is None:
            continue
        attribution = _sentence_of(parsed, quote.cue_span)
        if any(quote.span.overlaps(s) or (attribution is not None and attribution.overlaps(s)) for s in supported):
            continue
        praise = _praise_in(parsed, quote.span, lexicon, mentions, starts)
        if praise is None:
            continue
        cue, praised = praise
        if fold_name(praised.slice(text)) == fold_name(speaker.slice(text)):
            continue  # 'we won' is no praise of another
        trigger = Span(cue.idx, cue.idx + len(cue.text))
        sentence = _strip(parsed.text, cue.sent.start_char, cue.sent.end_char) or trigger
        out.append(Event(
            id=stable_id(document.id, "event", str(trigger.start), str(trigger.end)),
            doc=document.id, span=sentence, trigger=trigger, type="SUPPORT", mode=None,
            actor_span=speaker, target_span=praised, place_span=None,
            date=_utterance_date(parsed, quote, speaker, times, published), quote=quote.id,
        ))
    return out


def fold_name(name: str) -> str:
    return re.sub(r"^(?:the|a|an) ", "", re.sub(r"\W+", " ", name.casefold()).strip())


def _sentence_of(parsed: Doc, span: Span | None) -> Span | None:
    if span is None:
        return None
    chars = parsed.char_span(span.start, span.end, alignment_mode="expand")
    if chars is None or len(chars) == 0:
        return None
    sent = chars[0].sent
    return Span(sent.start_char, sent.end_char)


def _praise_in(parsed: Doc, span: Span, lexicon: Lexicon, mentions: list[Mention],
               starts: list[int]) -> tuple[Token, Span] | None:
    """The first praise cue in the quote whose praised party is a named mention: the subject of
    'won'/'is victorious', the possessor of 'victory', the object of 'proud of'."""
    chars = parsed.char_span(span.start, span.end, alignment_mode="expand")
    if chars is None:
        return None
    for token in chars:
        lemma, word = token.lemma_.lower(), token.lower_
        holder: Token | None = None
        if token.pos_ == "VERB" and lemma in lexicon.praise_verbs:
            holder = extract.first_child(token, ("nsubj",))
        elif word in lexicon.praise_adjectives or lemma in lexicon.praise_adjectives:
            of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            if of is not None:
                holder = extract.first_child(of, ("pobj",))
            elif token.dep_ in ("acomp", "attr", "oprd"):
                holder = extract.first_child(token.head, ("nsubj",))
        elif token.pos_ == "NOUN" and lemma in lexicon.praise_nouns:
            holder = extract.first_child(token, ("poss",))
        if holder is None:
            continue
        mention = _mention_at(holder, mentions, starts)
        if mention is not None and mention.label in PARTICIPANT_LABELS and span.contains(mention.span):
            return token, mention.span
    return None


def _utterance_date(parsed: Doc, quote: Quote, speaker: Span, times: list[TimeExpression],
                    published: str | None) -> EventDate | None:
    """When the words were said: a date outside the quote in its attribution sentence ('tweeted
    Aug. 15, "..."'), else in the sentence that names the speaker ('In a post on Sunday night, X
    ...'); a date inside the quote ('today') is the speaker's own reference, not the saying."""
    for anchor in (quote.cue_span, speaker):
        sentence = _sentence_of(parsed, anchor)
        if sentence is None:
            continue
        outside = [t for t in times if sentence.contains(t.span) and not quote.span.overlaps(t.span)
                   and iso_day_value(t.value)]
        if outside:
            return _as_date(min(outside, key=lambda t: abs(t.span.start - (anchor.start if anchor else 0))))
    return EventDate(published, None, None, "inferred") if published else None
