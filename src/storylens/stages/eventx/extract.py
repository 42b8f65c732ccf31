"""Event triggers and their participants in one parsed sentence.

Input: a spaCy sentence (`Span`) and the lexicon. Output: `Trigger` records (type, mode, trigger
tokens) with the modality rules applied, the main trigger of the sentence, and the tokens that
stand for actor, target and place in the dependency parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from storylens.stages.eventx.lexicon import Cue, Lexicon

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

# Phrase words may be split by this many other tokens ('fell under Taliban control').
PHRASE_GAP = 2
SUBJECTS = ("nsubj", "csubj")
OBJECTS = ("dobj", "dative", "attr", "oprd")
TARGET_PREPS = ("with", "to", "on", "against", "toward", "towards", "at", "for", "from", "into")
# Verbs whose grammatical subject undergoes the event ('Kabul fell to the Taliban').
SUBJECT_UNDERGOES = frozenset({"fall"})
TIME_LABELS = ("DATE", "TIME")
PLACE_PREPS = ("in", "at", "near", "inside", "outside")
PLACE_LABELS = ("GPE", "LOC", "FAC")
# Clauses whose missing subject is the subject of the clause they hang on ('agreed to meet',
# 'posted a statement congratulating').
SUBJECT_SHARING = ("xcomp", "advcl", "conj", "acl", "pcomp")
# Links through which a frame trigger ('threatened', 'rejected', 'demanded') governs the event it
# is about, so that 'threatened to attack' is one THREATEN event, not an attack.
COMPLEMENTS = ("xcomp", "ccomp", "dobj", "pobj", "prep", "acl", "advcl", "nsubjpass", "attr", "pcomp")


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger: its head token, the token range it covers, and what it means."""

    head: int  # doc index of the syntactic head token
    first: int  # doc index of the first and last token of the trigger words
    last: int
    type: str
    mode: str | None
    kind: str  # verb|noun|phrase|verb-object
    base_type: str = ""  # the lexicon's type before modality rules

    @property
    def tokens(self) -> range:
        return range(self.first, self.last + 1)


def _words(token: Token) -> tuple[str, str]:
    return token.lower_, token.lemma_.lower()


def _match_phrase(sent: SpacySpan, start: int, words: tuple[str, ...]) -> list[int] | None:
    """Doc indices of the matched words when `words` match from `start` (gaps of PHRASE_GAP allowed)."""
    doc = sent.doc
    if words[0] not in _words(doc[start]):
        return None
    matched = [start]
    for word in words[1:]:
        i = matched[-1]
        for j in range(i + 1, min(i + 2 + PHRASE_GAP, sent.end)):
            if word in _words(doc[j]):
                matched.append(j)
                break
        else:
            return None
    return matched


def _phrase_head(sent: SpacySpan, first: int, last: int) -> int:
    """The token of `first..last` whose head lies outside the range (the phrase's syntactic head)."""
    doc = sent.doc
    for i in range(first, last + 1):
        head = doc[i].head.i
        if head == i or not first <= head <= last:
            return i
    return first


def _object_lemmas(verb: Token) -> Iterable[tuple[Token, str]]:
    for child in verb.children:
        if child.dep_ in (*OBJECTS, "nsubjpass", "xcomp", "npadvmod", "advmod", "prt"):
            yield child, child.lemma_.lower()
            yield child, child.lower_
        elif child.dep_ == "prep":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    yield grand, grand.lemma_.lower()
                    yield grand, grand.lower_


def find_triggers(sent: SpacySpan, lexicon: Lexicon, blocked: frozenset[int] = frozenset()) -> list[Trigger]:
    """Every trigger in the sentence, phrases before verb+object pairs before single lemmas.

    `blocked` holds doc indices that cannot be trigger words (tokens inside names: 'Political
    Bureau', 'Defence Forces').
    """
    doc = sent.doc
    used: set[int] = set(blocked)
    found: list[Trigger] = []

    for i in range(sent.start, sent.end):
        for words, phrase_cue in lexicon.phrases:
            matched = _match_phrase(sent, i, words)
            if matched is not None and not used.intersection(matched):
                found.append(_trigger(sent, i, matched[-1], phrase_cue, "phrase"))
                used.update(matched)
                break
    for i in range(sent.start, sent.end):
        token = doc[i]
        if i in used or token.pos_ not in ("VERB", "NOUN", "ADJ"):
            continue
        for obj, lemma in _object_lemmas(token):
            pair_cue = lexicon.verb_objects.get((token.lemma_.lower(), lemma))
            if pair_cue is not None and obj.i not in used:
                found.append(Trigger(i, min(i, obj.i), max(i, obj.i), pair_cue.type, pair_cue.mode, "verb-object",
                                     pair_cue.type))
                used.update((i, obj.i))
                break
    for i in range(sent.start, sent.end):
        token = doc[i]
        if i in used:
            continue
        lemma = token.lemma_.lower()
        cue: Cue | None = None
        if token.pos_ == "VERB" and lemma not in lexicon.ignore_verbs:
            cue = lexicon.verbs.get(lemma)
        elif token.pos_ in ("NOUN", "PROPN") and not token.ent_type_ and not _capitalised_inside(token, sent):
            cue = lexicon.nouns.get(lemma) or lexicon.nouns.get(token.lower_)
        if cue is None and token.pos_ == "VERB" and lemma in lexicon.armed_verbs:
            # 'fighters entered Kharsa': a neutral verb is an assault when armed forces do it.
            subject = _first(token.children, ("nsubj",))
            if subject is not None and subject.lemma_.lower() in lexicon.armed_actors:
                cue = lexicon.armed_verbs[lemma]
        if cue is None or (lemma == "call" and i > 0 and doc[i - 1].lower_ == "so"):
            continue
        found.append(Trigger(i, i, i, cue.type, cue.mode, "verb" if token.pos_ == "VERB" else "noun", cue.type))
        used.add(i)
    return sorted(found, key=lambda t: t.head)


def _capitalised_inside(token: Token, sent: SpacySpan) -> bool:
    """A capitalised noun inside a lower-case sentence is a name ('Alliance fighters'), not a
    trigger word; in an all-capitalised headline nothing can be told from case."""
    if not token.text[:1].isupper():
        return False
    if token.pos_ == "PROPN" and token.dep_ == "compound":
        return True  # 'Alliance fighters' at the start of a sentence too
    if token.i == sent.start:
        return False
    words = [t for t in sent if t.is_alpha and t.i != sent.start]
    return bool(sum(t.text[:1].isupper() for t in words) <= len(words) / 2)


def _trigger(sent: SpacySpan, first: int, last: int, cue: Cue, kind: str) -> Trigger:
    head = _phrase_head(sent, first, last)
    return Trigger(head, first, last, cue.type, cue.mode, kind, cue.type)


# ------------------------------------------------------------------------------------------ modality


def depth(token: Token) -> int:
    steps = 0
    while token.head.i != token.i and steps < 100:
        token = token.head
        steps += 1
    return steps


def _modal_chain(token: Token) -> list[Token]:
    """The token and the heads it hangs on through complement links (its 'clause chain')."""
    chain = [token]
    while token.dep_ in ("xcomp", "ccomp", "acomp", "conj", "pobj", "prep", "dobj") and token.head.i != token.i:
        token = token.head
        chain.append(token)
        if token.pos_ == "VERB" and token.dep_ not in ("xcomp", "conj"):
            break
    return chain


def apply_modality(trigger: Trigger, sent: SpacySpan, lexicon: Lexicon) -> Trigger:
    """PLOVER reads intent and demand off the verb group: 'must withdraw' asks (REQUEST), 'will
    provide aid' promises (AGREE), 'will impose sanctions' threatens (THREATEN), 'did not meet'
    refuses (REJECT). Frames (agree, demand, reject, threaten) keep their own type."""
    if trigger.type in lexicon.frames:
        return trigger
    doc = sent.doc
    head = doc[trigger.head]
    chain = _modal_chain(head)
    aux = {c.lower_ for t in chain[:2] for c in t.children if c.dep_ in ("aux", "auxpass")}
    negated = any(c.dep_ == "neg" or c.lower_ in lexicon.negation
                  for c in head.children if c.dep_ in ("neg", "advmod", "det"))
    framed = any(t.lemma_.lower() in lexicon.intent_frames for t in chain[1:])
    # A changed type drops the mode: 'would not meet' is no meeting.
    if negated and trigger.type in lexicon.cooperative:
        return replace(trigger, type="REJECT", mode=None)
    if aux & lexicon.request:
        return replace(trigger, type="REQUEST", mode=None)
    if aux & lexicon.intent or framed:
        if trigger.type in lexicon.hostile:
            return replace(trigger, type="THREATEN", mode=None)
        if trigger.type in lexicon.cooperative and trigger.type != "AGREE":
            return replace(trigger, type="AGREE", mode=None)
    return trigger


def governed(trigger: Trigger, triggers: list[Trigger], sent: SpacySpan, lexicon: Lexicon) -> bool:
    """True when a frame trigger ('threatened', 'rejected', 'urged') governs this one: then this
    is the content of the threat or demand, not an event that happened."""
    doc = sent.doc
    frame_heads = {t.head for t in triggers
                   if (t.base_type in lexicon.frames or t.type in lexicon.frames) and t.head != trigger.head}
    token = doc[trigger.head]
    steps = 0
    while token.head.i != token.i and steps < 6 and token.dep_ in COMPLEMENTS:
        token = token.head
        steps += 1
        if token.i in frame_heads:
            return True
    return False


def main_trigger(triggers: list[Trigger], sent: SpacySpan) -> Trigger | None:
    """The sentence's main event: the trigger highest in the parse; verbs before nouns, then first."""
    if not triggers:
        return None
    doc = sent.doc
    return min(triggers, key=lambda t: (depth(doc[t.head]), t.kind == "noun", t.head))


def mode_of(trigger: Trigger, sent: SpacySpan, lexicon: Lexicon) -> str | None:
    """The trigger's own mode, else the first mode whose cue words occur in the sentence."""
    if trigger.mode:
        return trigger.mode
    cues = lexicon.mode_cues.get(trigger.type)
    if not cues:
        return None
    words = [t.lower_ for t in sent]
    lemmas = [t.lemma_.lower() for t in sent]
    for mode, cue_words in cues:
        for cue in cue_words:
            parts = tuple(cue.split())
            n = len(parts)
            for seq in (words, lemmas):
                if any(tuple(seq[i:i + n]) == parts for i in range(len(seq) - n + 1)):
                    return mode
    return None


# ------------------------------------------------------------------------------------------ roles


@dataclass(frozen=True, slots=True)
class Roles:
    actor: Token | None
    target: Token | None
    place: Token | None


def _first(tokens: Iterable[Token], deps: tuple[str, ...]) -> Token | None:
    return next((t for t in tokens if t.dep_ in deps), None)


def first_child(token: Token, deps: tuple[str, ...]) -> Token | None:
    """The token's first child attached by one of `deps`."""
    return _first(token.children, deps)


def _prep_object(token: Token, preps: tuple[str, ...]) -> Token | None:
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in preps:
            obj = _first(child.children, ("pobj",))
            if obj is not None:
                return obj
    return None


def _subject(token: Token) -> Token | None:
    """The clause subject, inherited from the governing clause when the clause has none."""
    steps = 0
    while steps < 6:
        subject = _first(token.children, SUBJECTS)
        if subject is not None:
            return subject
        agent = _first(token.children, ("agent",))
        if agent is not None:
            return _first(agent.children, ("pobj",))
        if token.dep_ not in SUBJECT_SHARING or token.head.i == token.i:
            return None
        if any(c.dep_ == "mark" for c in token.children):
            return None  # 'after Kabul fell ...': a subordinate clause has a subject of its own
        token = token.head
        steps += 1
    return None


def _governing_verb(token: Token) -> Token | None:
    """The verb a noun is the object of, directly or through one preposition ('in a call')."""
    steps = 0
    while token.head.i != token.i and steps < 2:
        token = token.head
        steps += 1
        if token.pos_ in ("VERB", "AUX"):
            return token
    return None


def _conj(token: Token | None) -> Token | None:
    return None if token is None else _first(token.children, ("conj",))


def roles(trigger: Trigger, sent: SpacySpan, reciprocal: bool, place_nouns: frozenset[str] = frozenset()) -> Roles:
    """Actor, target and place tokens of a trigger, read off the dependency parse.

    Verbs: subject (or by-agent) acts; object, passive subject or with/to/on/against-object is
    the target. Nouns: 'between X and Y', 'X's call', 'by X', 'with Y', else the subject of the
    clause the noun sits in ('X made remarks in a conversation with Y').
    """
    doc = sent.doc
    head = doc[trigger.head]
    actor: Token | None
    target: Token | None
    if trigger.kind == "noun" or (trigger.kind == "phrase" and head.pos_ in ("NOUN", "PROPN")):
        between = _prep_object(head, ("between", "among"))
        if between is not None:
            actor, target = between, _conj(between)
        else:
            actor = _first(head.children, ("poss",)) or _prep_object(head, ("by",))
            target = _prep_object(head, ("with", "to", "against", "on", "of", "for"))
            if actor is None:
                verb = _governing_verb(head)
                actor = _subject(verb) if verb is not None else None
            if actor is not None and actor.i == head.i:
                actor = None  # 'the meeting took place': the noun is its verb's own subject
    else:
        passive = _first(head.children, ("nsubjpass",))
        actor = _subject(head) if passive is None else _agent(head)
        # The trigger's own object ('had a call', 'held talks') is not its target.
        objects = (c for c in head.children if c.i not in trigger.tokens)
        target = passive or _first(objects, OBJECTS) or _prep_object(head, TARGET_PREPS)
        if target is None and trigger.last != trigger.head:
            # 'held talks with X', 'took control of X': the target hangs on the trigger's noun.
            target = _prep_object(doc[trigger.last], ("with", "of", "to", "on", "against"))
    if head.lemma_.lower() in SUBJECT_UNDERGOES:
        # 'Kabul fell under Taliban control' / 'fell to the Taliban': the city is the target.
        target = actor
        holder = _prep_object(head, ("to", "under", "into"))
        inner = [t for t in holder.subtree if t.ent_type_ and t.ent_type_ not in TIME_LABELS] if holder else []
        actor = inner[0] if inner else holder
    actor = None if actor is not None and actor.ent_type_ in TIME_LABELS else actor
    target = None if target is not None and target.ent_type_ in TIME_LABELS else target
    if reciprocal and target is None and actor is not None:
        target = _conj(actor)
    if target is not None and actor is not None and target.i == actor.i:
        target = None
    return Roles(actor, target, place_token(head, trigger.kind != "verb", place_nouns))


def _agent(token: Token) -> Token | None:
    agent = _first(token.children, ("agent",))
    return _first(agent.children, ("pobj",)) if agent is not None else None


# Clauses a nominal trigger's place is never read from: a purpose or complement clause ('a role in
# supporting their brothers in X to liberate Y') states another event. (Verbs deeper in the phrase
# are skipped too, except relative clauses: 'a meeting ... that took place in Doha'.)
PLACE_BARRIERS = ("ccomp", "xcomp", "advcl", "csubj", "parataxis")


def _place_candidates(head: Token, nominal: bool) -> list[Token]:
    """The tokens whose prepositions may state the trigger's place.

    A verb looks at its own prepositions only, so that a place inside its object is not its own.
    A noun looks through its phrase (prepositions, relative clauses: 'a meeting ... that took place
    in Doha') but not into clauses that state something else.
    """
    if not nominal:
        return list(head.children)
    out: list[Token] = []
    stack = [head]
    while stack:
        current = stack.pop()
        out.append(current)
        for child in current.children:
            if child.dep_ in PLACE_BARRIERS:
                continue
            if child.pos_ in ("VERB", "AUX") and child.dep_ != "relcl" and current.i != head.i:
                continue  # a verb deeper in the phrase ('a role in supporting ...') is another event
            stack.append(child)
    if head.dep_ in ("nsubj", "nsubjpass"):
        out += list(head.head.children)  # 'the meeting took place in Doha'
    return sorted(out, key=lambda t: t.i)


def place_token(head: Token, nominal: bool, place_nouns: frozenset[str] = frozenset()) -> Token | None:
    """'in Doha', 'at the office in Doha', 'that took place in Istanbul', 'in the Qatari capital'."""
    for token in _place_candidates(head, nominal):
        if token.dep_ != "prep" or token.lower_ not in PLACE_PREPS:
            continue
        obj = _first(token.children, ("pobj",))
        if obj is None:
            continue
        # Prefer a named place over a place noun: 'at the Taliban office in Doha' -> Doha.
        for inner in obj.subtree:
            if inner.ent_type_ in PLACE_LABELS:
                return inner
        if obj.ent_type_ in PLACE_LABELS or obj.lemma_.lower() in place_nouns:
            return obj
    return None
