"""Quotes in one parsed document: direct, partial and indirect, each with its speaker and cue.

Input: the document, its spaCy parse (document offsets) and its entity mentions. Output: `Quote`
records in text order. Speakers are found by rules (named in `Quote.how`); pronouns and anaphoric
nouns ('the report') resolve to the last compatible speaker or main-clause subject before them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from storylens.model import Document, Mention, Quote, Span, Speaker, stable_id
from storylens.stages.quotes.lexicon import Cues, load_cues
from storylens.stages.quotes.marks import ALL_MARKS, Segment, find_segments

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# A quoted stretch of fewer words inside a sentence is a scare quote or a term ('"Palestine"'),
# not a quote of its own. Swept on PolNeAR train (150 articles): 2 words gives direct partial F1
# 0.899 but exact F1 0.640 and speaker 0.827; 3 gives 0.886 / 0.645 / 0.832; 4 gives 0.877 / 0.650.
MIN_PARTIAL_WORDS = 3
# An attribution after a quote ('," the statement added') has its cue within this many tokens.
# Swept on PolNeAR train (150 articles): 4, 6, 8, 12 give direct exact F1 0.633, 0.641, 0.645, 0.652.
AFTER_CUE_WINDOW = 12
# How far after the quote a verb of any kind is read as its tag ('," Smith barked').
TAG_VERB_WINDOW = 5
# A colon intro this short is a label ('- Jane Roe:', 'More from the report:'), whose name says
# who speaks, rather than a clause with a subject. Looked at on PolNeAR train error lists.
COLON_LABEL_WORDS = 5
# A sentence after a quote this short and holding a cue verb is the quote's tag ('Smith said.').
TAG_SENTENCE_WORDS = 4
# Words that open the clause a cue verb reports: a partial quote's content starts there.
CLAUSE_MARKS = frozenset(("that", "if", "whether"))
WORD = re.compile(r"\w+")
SENTENCE_END = ".!?"
# Complements that carry the content of an object verb ('proposed [a ban]', 'declined [to comment]').
OBJECT_DEPS = frozenset(("dobj", "xcomp", "ccomp", "oprd", "dative", "attr"))
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
# What a speaker's noun phrase is made of ('senior Hamas official, X', 'a report by X').
NP_DEPS = frozenset(("compound", "poss", "appos", "nmod", "amod", "pobj", "flat", "case", "det", "punct", "nummod"))
NP_PREPOSITIONS = frozenset(("by", "of", "for", "from", "at", "with"))
# Dependents that say what the verb's object is called or taken to be: the object belongs to the content.
NAMING_DEPS = frozenset(("oprd", "xcomp", "ccomp", "acomp", "attr", "advcl"))


@dataclass(slots=True)
class Found:
    """A speaker as found, before it becomes a `Speaker`."""

    text: str
    span: Span | None
    ref: Span | None
    label: str
    attribution: str  # explicit|pronoun|statement|none
    head: str = ""  # lemma of the head noun ('report', 'statement') for anaphora


@dataclass(slots=True)
class Candidate:
    """A quote awaiting its speaker: resolved in text order so pronouns can look back."""

    span: Span
    kind: str
    position: int  # where the attribution is read (cue, or quote start)
    paragraph: int
    cue: Token | None = None
    cue_text: str | None = None
    cue_span: Span | None = None
    subject: Token | None = None
    how: str = ""
    channel: str | None = None
    handle: Span | None = None
    carry: bool = False  # take the speaker of the previous paragraph
    chain: int = -1
    content: Span | None = None  # the cue's whole complement around a partial quote
    found: Found | None = field(default=None)


class Extractor:
    """Runs over one document; holds the indexes the rules share."""

    def __init__(self, document: Document, parsed: Doc, mentions: Sequence[Mention]) -> None:
        self.document = document
        self.text = document.text
        self.parsed = parsed
        self.cues: Cues = load_cues()
        self.paragraphs = list(document.paragraphs())
        self.para_starts = [p.start for p in self.paragraphs]
        self.segments = find_segments(self.text, self.paragraphs)
        self.quoted = [s.span for s in self.segments]
        self.quoted_starts = [s.start for s in self.quoted]
        self.mentions = sorted((m for m in mentions if not self.in_quote(m.span.start)), key=lambda m: m.span)
        self.mention_starts = [m.span.start for m in self.mentions]
        self.token_starts = [t.idx for t in parsed]
        self.history: list[tuple[int, Found]] = []  # resolved speakers, in text order
        self.subjects: list[tuple[int, Found]] = []
        self.subjects = self._main_subjects()

    # ------------------------------------------------------------------ indexes

    def in_quote(self, offset: int) -> bool:
        i = bisect.bisect_right(self.quoted_starts, offset) - 1
        return i >= 0 and self.quoted[i].start <= offset < self.quoted[i].end + 1

    def paragraph_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.para_starts, offset) - 1)

    def tokens(self, start: int, end: int) -> list[Token]:
        lo = bisect.bisect_left(self.token_starts, start)
        out = []
        for i in range(lo, len(self.parsed)):
            token = self.parsed[i]
            if token.idx >= end:
                break
            if token.idx + len(token.text) <= end and not token.is_space:
                out.append(token)
        return out

    def token_at(self, offset: int) -> Token | None:
        i = bisect.bisect_right(self.token_starts, offset) - 1
        if i < 0:
            return None
        token = self.parsed[i]
        return token if token.idx <= offset < token.idx + len(token.text) else None

    def mention_at(self, token: Token) -> Mention | None:
        i = bisect.bisect_right(self.mention_starts, token.idx) - 1
        while i >= 0:
            m = self.mentions[i]
            if m.span.start <= token.idx < m.span.end:
                return m
            if m.span.end < token.idx - 200:
                break
            i -= 1
        return None

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        lo = bisect.bisect_left(self.mention_starts, start)
        return [m for m in self.mentions[lo:] if m.span.start < end and m.span.end <= end]

    # ------------------------------------------------------------------ speakers

    def subject_of(self, verb: Token) -> Token | None:
        """The subject of a cue verb, climbing conjuncts and participles ('... and said that')."""
        current = verb
        for _ in range(4):
            # A subject inside quote marks is part of the quoted words, never who says them.
            subjects = [c for c in current.children if c.dep_ in SUBJECT_DEPS and not self.in_quote(c.idx)]
            if subjects:
                # Several subjects come from a broken parse ('Taliban co-founder X said'): the one
                # nearest before the verb is the head of the speaker's noun phrase.
                before = [c for c in subjects if c.i < current.i]
                child = before[-1] if before else subjects[0]
                if child.tag_ in ("WP", "WDT") and current.dep_ == "relcl":
                    return current.head  # 'X, who said ...'
                return child
            if current.dep_ in ("conj", "xcomp", "advcl", "ccomp", "acl") and current.head.i != current.i:
                if current.dep_ == "ccomp" and current.head.lemma_ not in self.cues.direct_verbs:
                    break
                current = current.head
            elif current.dep_ == "pcomp" and current.head.dep_ == "prep" and current.head.head.i != current.head.i:
                current = current.head.head  # 'she ended [by [saying]]', 'he left [after [telling]]'
            else:
                break
        return None

    def speaker_from(self, token: Token, cue_position: int) -> Found:
        """Who `token` (a subject or an agent) names: a mention, a pronoun, an anaphoric noun."""
        lower = token.lower_
        if lower in self.cues.pronouns and token.pos_ == "PRON":
            found = Found(token.text, self.span_of(token), None, self.cues.pronouns[lower], "pronoun")
            antecedent = self.antecedent(token.idx, found.label, "")
            if antecedent is not None:
                found.ref = antecedent.ref or antecedent.span
                found.label = antecedent.label
            return found
        mention = self.mention_at(token)
        if mention is not None:
            return Found(mention.text, mention.span, mention.span, mention.label, "explicit")
        np_start = token.left_edge.idx
        np_span = Span(np_start, token.idx + len(token.text))
        np_text = np_span.slice(self.text)
        phrase = self.noun_phrase(token)
        inside = [m for m in self.mentions_in(token.left_edge.idx, token.right_edge.idx + len(token.right_edge.text))
                  if m.label in self.cues.phrase_labels and any(m.span.start <= t.idx < m.span.end for t in phrase)]
        appos = [m for m in inside for c in token.children
                 if c.dep_ == "appos" and m.span.start <= c.idx < m.span.end]
        lemma = token.lemma_.lower()
        statement = lemma in self.cues.statement_nouns
        if appos:
            m = appos[0]
            return Found(m.text, m.span, m.span, m.label, "explicit")
        if inside:
            m = inside[0]
            return Found(np_text, np_span, m.span, m.label, "statement" if statement else "explicit", lemma)
        name = self.proper_run(token, phrase)
        if name is not None and token.pos_ == "PROPN":
            return Found(name.slice(self.text), name, name, "", "explicit")
        if name is not None:
            return Found(np_text, np_span, name, "", "statement" if statement else "explicit", lemma)
        if lemma in self.cues.anaphoric_nouns or statement:
            label = self.cues.anaphoric_nouns.get(lemma, "ORG")
            found = Found(np_text, np_span, None, label, "statement" if statement else "pronoun", lemma)
            antecedent = self.antecedent(token.idx, label, lemma)
            if antecedent is not None:
                found.ref = antecedent.ref or antecedent.span
            return found
        return Found(np_text, np_span, None, "", "explicit", lemma)

    def noun_phrase(self, head: Token) -> list[Token]:
        """The tokens of a speaker's noun phrase: modifiers, appositions and 'by/of/for X', not clauses."""
        out: list[Token] = []
        todo = [head]
        while todo:
            token = todo.pop()
            out.append(token)
            for child in token.children:
                if child.dep_ in NP_DEPS or (child.dep_ == "prep" and child.lower_ in NP_PREPOSITIONS):
                    todo.append(child)
        return sorted(out, key=lambda t: t.i)

    def proper_run(self, head: Token, phrase: Sequence[Token]) -> Span | None:
        """The run of proper nouns holding the head, else the first run in the phrase (a name the
        entity tagger missed): 'Harbour Board chair Ada Roe' is Ada Roe, not the Harbour Board."""
        run: list[Token] = []
        if head.pos_ == "PROPN":
            by_index = {t.i: t for t in phrase}
            first = last = head.i
            while first - 1 in by_index and by_index[first - 1].pos_ == "PROPN":
                first -= 1
            while last + 1 in by_index and by_index[last + 1].pos_ == "PROPN":
                last += 1
            phrase = [by_index[i] for i in range(first, last + 1)]
        for token in phrase:
            if token.pos_ == "PROPN" and (not run or token.i == run[-1].i + 1):
                run.append(token)
            elif run:
                break
        if not run or self.in_quote(run[0].idx):
            return None
        return Span(run[0].idx, run[-1].idx + len(run[-1].text))

    def span_of(self, token: Token) -> Span:
        return Span(token.idx, token.idx + len(token.text))

    def antecedent(self, position: int, label: str, noun: str) -> Found | None:
        """The last speaker or main-clause subject before `position` compatible with `label`.

        An anaphoric noun ('the report') prefers the last speaker written with the same noun.
        """
        pool = [item for item in self.history if item[0] < position]
        pool += [item for item in self.subjects if item[0] < position]
        pool.sort(key=lambda item: item[0])
        if noun:
            for _, found in reversed(pool):
                if found.head == noun and found.ref is not None:
                    return found
        for _, found in reversed(pool):
            if found.ref is None:  # only a name can be what a pronoun stands for
                continue
            if label == "ANY" or not found.label or found.label == label or (
                    label == "ORG" and found.label in ("ORG", "NORP", "GPE")):
                return found
        if label == "PERSON":
            # The small tagger often calls a person ORG: a recent speaker with a name will do.
            for _, found in reversed([item for item in self.history if item[0] < position]):
                if found.ref is not None and found.label == "ORG" and len(found.text.split()) > 1:
                    return found
        return None

    def _main_subjects(self) -> list[tuple[int, Found]]:
        """Named subjects of main clauses: what a later 'he' or 'the group' most likely means."""
        out: list[tuple[int, Found]] = []
        for sent in self.parsed.sents:
            root = sent.root
            for child in root.children:
                if child.dep_ not in SUBJECT_DEPS or self.in_quote(child.idx):
                    continue
                if child.pos_ == "PRON":
                    continue
                found = self.speaker_from(child, child.idx)
                if found.ref is not None and found.attribution == "explicit":
                    out.append((child.idx, found))
        return out

    # ------------------------------------------------------------------ frames

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        token = self.token_at(offset)
        if token is None:
            return offset, offset
        sent = token.sent
        return sent.start_char, sent.end_char

    def before_frame(self, segment: Segment, index: int) -> tuple[int, int]:
        para = self.paragraphs[segment.paragraph]
        start = para.start
        if index > 0:
            previous = self.segments[index - 1]
            if previous.paragraph == segment.paragraph and previous.closed is not None:
                start = max(start, previous.closed + 1)
        probe = segment.opened - 1
        while probe > start and self.text[probe].isspace():
            probe -= 1
        if probe > start and self.text[probe] in SENTENCE_END:
            # The quote opens a sentence: a cue in the sentence before belongs to that sentence.
            return segment.opened, segment.opened
        if probe > start:
            start = max(start, self.sentence_bounds(probe)[0])
        return start, segment.opened

    def after_frame(self, segment: Segment, index: int) -> tuple[int, int]:
        para = self.paragraphs[segment.paragraph]
        if segment.closed is None:
            return para.end, para.end
        start, end = segment.closed + 1, para.end
        if index + 1 < len(self.segments):
            following = self.segments[index + 1]
            if following.paragraph == segment.paragraph:
                end = min(end, following.opened)
        probe = start
        while probe < end and self.text[probe].isspace():
            probe += 1
        if probe < end:
            end = min(end, max(self.sentence_bounds(probe)[1], probe + 1))
        return start, end

    def cue_tokens(self, tokens: Sequence[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.lemma_.lower() in self.cues.direct_verbs and token.pos_ in ("VERB", "AUX"):
                if token.pos_ == "AUX" and token.lemma_.lower() != "say":
                    continue
                yield token

    def according_to(self, tokens: Sequence[Token]) -> Token | None:
        """The object of 'according to' among `tokens`."""
        for i, token in enumerate(tokens[:-1]):
            if token.lower_ == "according" and tokens[i + 1].lower_ == "to":
                for child in tokens[i + 1].children:
                    if child.dep_ == "pobj":
                        return child
        return None

    def channel_of(self, start: int, end: int, cue: Token | None) -> str | None:
        words = set(WORD.findall(self.text[start:end].lower()))
        if (cue is not None and cue.lemma_.lower() == "tweet") or words & self.cues.tweet_words:
            return "tweet"
        if words & self.cues.statement_nouns:
            return "statement"
        return None

    # ------------------------------------------------------------------ candidates

    def direct_candidates(self) -> list[Candidate]:
        out: list[Candidate] = []
        previous: Candidate | None = None  # the last attributed direct quote
        for chain, indexes in self.chains():
            first, last = self.segments[indexes[0]], self.segments[indexes[-1]]
            kind = self.segment_kind(first) if len(indexes) == 1 else "direct"
            words = len(self.text[first.span.start:last.span.end].split())
            cand = Candidate(first.span, kind, first.span.start, first.paragraph, chain=chain)
            label = self.turn_label(first)
            if label is not None:
                # '"SMITH: Well, ...': a transcript turn, said by its label.
                cand.handle, cand.cue_text, cand.how = label, ":", "transcript-label"
                cand.cue_span = Span(label.end, label.end + 1)
                start = label.end + 1
                while start < first.span.end and self.text[start].isspace():
                    start += 1
                for n, index in enumerate(indexes):
                    span = self.segments[index].span
                    out.append(replace(cand, span=Span(start, span.end) if n == 0 else span,
                                       paragraph=self.segments[index].paragraph))
                previous = None
                continue
            attributed = self.attribute_direct(cand, indexes) if kind == "direct" else self.attribute_partial(cand)
            if kind == "direct" and not attributed and previous is not None and \
                    previous.paragraph == first.paragraph and previous.cue_span is not None:
                # '"A," said X. "B."': a quote with no cue of its own in the paragraph of an
                # attributed one goes on with it (one attribution, as PolNeAR annotates it).
                cand.cue, cand.cue_text, cand.cue_span = previous.cue, previous.cue_text, previous.cue_span
                cand.subject, cand.channel, cand.handle = previous.subject, previous.channel, previous.handle
                cand.position, cand.how, attributed = previous.position, "same-paragraph", True
            if kind == "direct" and attributed:
                previous = cand
            if words < MIN_PARTIAL_WORDS and not attributed:
                continue
            if words < MIN_PARTIAL_WORDS and kind == "partial" and (cand.how != "partial-cue" or cand.content is None):
                continue  # a scare quote, unless a speech verb reports it ('called the plan "reckless"')
            if kind == "partial" and is_title(first.span.slice(self.text)):
                continue  # a name or a title in quotes ('the "Gang of Eight"'), not someone's words
            for index in indexes:
                segment = self.segments[index]
                copy = Candidate(segment.span, kind, cand.position, segment.paragraph, cand.cue, cand.cue_text,
                                 cand.cue_span, cand.subject, cand.how, cand.channel, cand.handle, cand.carry,
                                 cand.chain, cand.content)
                out.append(copy)
        return out

    def turn_label(self, segment: Segment) -> Span | None:
        """The speaker label opening a quoted transcript turn ('"SMITH: Well, ...'), if any."""
        if segment.opened != self.paragraphs[segment.paragraph].start:
            return None
        label = self.cues.transcript_label.match(self.text, segment.span.start, segment.span.end)
        return None if label is None else Span(label.start("name"), label.end("name"))

    def chains(self) -> Iterator[tuple[int, list[int]]]:
        """Segment indexes by chain (one quote over several paragraphs), a transcript turn label
        starting a new chain."""
        by_chain: dict[int, list[int]] = {}
        for index, segment in enumerate(self.segments):
            chain = segment.chain
            if self.turn_label(segment) is not None and by_chain.get(chain):
                chain = len(self.segments) + index  # a number no scanned chain has
            by_chain.setdefault(chain, []).append(index)
        yield from by_chain.items()

    def segment_kind(self, segment: Segment) -> str:
        """'partial' when the quote is a phrase inside a sentence (said that the group "could ...")."""
        para = self.paragraphs[segment.paragraph]
        probe = segment.opened - 1
        while probe >= para.start and self.text[probe].isspace():
            probe -= 1
        if probe < para.start:
            return "direct"
        before = self.text[probe]
        if not (before.isalnum() or before in ")%"):
            return "direct"
        token = self.token_at(probe)
        if token is not None and token.lemma_.lower() in self.cues.direct_verbs and token.lower_ != "that" \
                and self.text[segment.span.start:segment.span.start + 1].isupper():
            return "direct"  # 'Hamas said “We ...' without a comma
        return "partial"

    def attribute_direct(self, cand: Candidate, indexes: list[int]) -> bool:
        first_index, last_index = indexes[0], indexes[-1]
        first, last = self.segments[first_index], self.segments[last_index]
        # 1. A cue before the quote in its sentence: 'Hamas said, "...', 'according to X, "...'.
        start, end = self.before_frame(first, first_index)
        tokens = self.tokens(start, end)
        if self.use_cue(cand, tokens, start, end, "cue-before", last=True):
            cand.content = self.clause_before(cand, last)
            return True
        # 1b. Any verb right before the comma or colon that opens it: 'Smith shot back, "...'.
        if self.tag_verb_before(cand, tokens):
            return True
        # 2. A cue right after it: '," the statement added', '," said Rahimi'. Not after a closed
        # sentence ('." Smith said. "..."'): reading that as the tag was neutral on PolNeAR train
        # and cost dev 0.003 exact F1, as the next sentence is as often someone else's; unless that
        # sentence is nothing but a tag ('." Smith said.').
        if last.closed is not None and not (self.text[last.closed - 1] == "." and self.next_is_upper(last.closed)
                                            and not self.only_tag(last, last_index)):
            start, end = self.after_frame(last, last_index)
            tokens = self.tokens(start, end)[:AFTER_CUE_WINDOW]
            if self.use_cue(cand, tokens, start, end, "cue-after", last=False):
                return True
            if self.text[last.closed - 1] in ",!?" and self.tag_verb(cand, tokens):
                return True
        # 3. Introduced by a colon, in its sentence or at the end of the previous paragraph.
        if self.colon_intro(cand, first, first_index):
            return True
        # 4. An embedded tweet: the quote followed by '— Name (@handle) Date'.
        if self.tweet_signature(cand, last):
            return True
        # 5. A quote paragraph right after a paragraph that reports the same person's words.
        para = self.paragraphs[first.paragraph]
        if first.opened == para.start and first.paragraph > 0:
            cand.carry = True
            cand.how = "previous-paragraph"
            return True
        return False

    def tag_verb(self, cand: Candidate, tokens: Sequence[Token]) -> bool:
        """'"Go home," Smith barked.': a quote ending in a comma, '!' or '?' and followed by a verb
        with a named or pronoun subject is that subject's, whatever the verb (beamed, snapped)."""
        for token in tokens[:TAG_VERB_WINDOW]:
            if token.pos_ != "VERB" or self.in_quote(token.idx):
                continue
            subject = self.subject_of(token) or self.inverted_subject(token, tokens[-1].idx + 1)
            return self.take_tag_verb(cand, token, subject, "cue-after-verb", tokens)
        return False

    def take_tag_verb(self, cand: Candidate, verb: Token, subject: Token | None, how: str,
                      tokens: Sequence[Token]) -> bool:
        """Credit the quote to a verb of any kind, when its subject names someone or is a pronoun."""
        if subject is None or not (subject.pos_ in ("PROPN", "PRON") or self.mention_at(subject)):
            return False
        cand.cue, cand.cue_text, cand.cue_span = verb, verb.text, self.span_of(verb)
        cand.subject, cand.how, cand.position = subject, how, verb.idx
        cand.channel = self.channel_of(tokens[0].idx, tokens[-1].idx + 1, verb)
        return True

    def clause_before(self, cand: Candidate, last: Segment) -> Span | None:
        """'X said [that whatever voters decide, "they ..."]': when the cue's clause opens with
        'that' before the quote, the attributed content runs from that word to the quote's end."""
        if cand.cue is None or cand.cue.i + 1 >= len(self.parsed):
            return None
        following = self.parsed[cand.cue.i + 1]
        if following.lower_ not in CLAUSE_MARKS or following.idx >= cand.span.start or \
                not any(c.isalnum() for c in self.text[following.idx + len(following.text):cand.span.start]):
            return None
        return Span(following.idx, last.span.end)

    def tag_verb_before(self, cand: Candidate, tokens: Sequence[Token]) -> bool:
        """'Smith shot back, "..."': the verb (with its particle) right before the comma or colon
        that opens the quote, when it has a named or pronoun subject, is the cue whatever the verb."""
        words = [t for t in tokens if not t.is_space]
        if len(words) < 2 or words[-1].text not in (",", ":"):
            return False
        verb = words[-2]
        if verb.dep_ in ("prt", "advmod") and verb.head.i == verb.i - 1:
            verb = verb.head  # 'shot back,'
        if verb.pos_ != "VERB" or self.in_quote(verb.idx):
            return False
        return self.take_tag_verb(cand, verb, self.subject_of(verb), "cue-before-verb", tokens)

    def only_tag(self, segment: Segment, index: int) -> bool:
        """'." Smith said.': the sentence after the quote holds nothing but a cue and its speaker."""
        start, end = self.after_frame(segment, index)
        words = [t for t in self.tokens(start, end) if not (t.is_space or t.is_punct)]
        return 2 <= len(words) <= TAG_SENTENCE_WORDS and self.text[start:end].rstrip().endswith(".") \
            and any(t.lemma_.lower() in self.cues.direct_verbs for t in words)

    def next_is_upper(self, closed: int) -> bool:
        probe = closed + 1
        while probe < len(self.text) and self.text[probe] in " \t":
            probe += 1
        return probe < len(self.text) and self.text[probe].isupper()

    def use_cue(self, cand: Candidate, tokens: Sequence[Token], start: int, end: int, how: str, *,
                last: bool) -> bool:
        agent = self.according_to(tokens)
        verbs = [t for t in self.cue_tokens(tokens) if not self.in_quote(t.idx)]
        if agent is not None and verbs and agent.lemma_.lower() in self.cues.statement_nouns and \
                self.subject_of(verbs[-1 if last else 0]) is not None:
            agent = None  # 'According to the statement, Nahra said, "..."': the statement is the channel
        if agent is not None:
            according = next(t for t in tokens if t.lower_ == "according")
            cand.cue, cand.cue_text = according, "according to"
            cand.cue_span = Span(according.idx, agent.head.idx + len(agent.head.text))
            cand.subject, cand.how = agent, "according-to"
            cand.position = according.idx
            cand.channel = self.channel_of(start, end, None)
            return True
        cues = [t for t in self.cue_tokens(tokens) if not self.in_quote(t.idx)]
        if not cues:
            return False
        cue = cues[-1] if last else cues[0]
        subject = self.subject_of(cue)
        if subject is not None and subject.ent_type_ in self.cues.not_speaker_labels:
            subject = None  # 'said Friday the harbour master': the parser took the date for the sayer
        if subject is None or not (start <= subject.idx < end):
            subject = self.inverted_subject(cue, end) if subject is None else subject
        cand.cue, cand.cue_text, cand.cue_span = cue, cue.text, self.span_of(cue)
        cand.subject, cand.how, cand.position = subject, how, cue.idx
        cand.channel = self.channel_of(start, end, cue)
        return True

    def inverted_subject(self, cue: Token, end: int) -> Token | None:
        """'... said Mujahid reportedly': the noun right after the cue when the parse gives none."""
        for token in self.parsed[cue.i + 1: cue.i + 6]:
            if token.idx >= end:
                break
            if token.ent_type_ in self.cues.not_speaker_labels:
                continue  # 'said Friday', 'said at 2:40 p.m.'
            if token.pos_ in ("PROPN", "NOUN", "PRON"):
                head = token
                while head.head.i != head.i and head.dep_ in ("compound", "flat", "amod", "det") \
                        and head.head.i > head.i:
                    head = head.head
                return head
        return None

    def colon_intro(self, cand: Candidate, segment: Segment, index: int) -> bool:
        para = self.paragraphs[segment.paragraph]
        probe = segment.opened - 1
        while probe >= para.start and self.text[probe].isspace():
            probe -= 1
        if probe < para.start and segment.paragraph > 0:
            previous = self.paragraphs[segment.paragraph - 1]
            if self.text[previous.end - 1] != ":":
                return False
            start, end = self.sentence_bounds(previous.end - 1)
            start, end = max(start, previous.start), previous.end
        elif probe >= para.start and self.text[probe] == ":":
            start, end = self.before_frame(segment, index)
        else:
            return False
        tokens = self.tokens(start, end)
        colon = Span(end - 1, end) if self.text[end - 1] == ":" else Span(probe, probe + 1)
        if self.use_cue(cand, tokens, start, end, "colon", last=True):
            return True
        dashes = [i for i, t in enumerate(tokens) if t.text in ("-", "—", "–", "--")]
        # 'Headline of a digest item - Jane Roe: "...': the label after the dash names the speaker.
        label = tokens[dashes[-1] + 1:] if dashes else tokens
        words = [t for t in label if not t.is_punct]
        subject = self.colon_name(words) if len(words) <= COLON_LABEL_WORDS else None
        how = "colon-name"
        if subject is None:
            # The clause before the colon says who: 'The board was clear in its findings:'. Its
            # root may lie in the quote when the parser runs the sentence on, so take the last verb.
            verbs = [t for t in tokens if t.pos_ in ("VERB", "AUX") and not self.in_quote(t.idx)]
            subject = next((s for s in map(self.subject_of, reversed(verbs))
                            if s is not None and start <= s.idx < end), None)
            how = "colon"
        if subject is None:
            subject, how = self.colon_name(words), "colon-name"
        if subject is None:
            return False
        cand.cue, cand.cue_text, cand.cue_span = None, ":", colon
        cand.subject, cand.how, cand.position = subject, how, colon.start
        return True

    def colon_name(self, words: Sequence[Token]) -> Token | None:
        """The last name before a colon ('- Jane Roe:', 'More from Roe:', 'Roe in 1992:'), or the
        anaphoric noun of a label ('From the report:')."""
        for token in reversed(words):
            mention = self.mention_at(token)
            if mention is not None and mention.label in self.cues.speaker_labels:
                return token
            if token.pos_ == "PROPN" and token.ent_type_ not in self.cues.not_speaker_labels:
                return token
        for token in reversed(words):
            if token.lemma_.lower() in self.cues.anaphoric_nouns and token.pos_ == "NOUN":
                return token
        return None

    def tweet_signature(self, cand: Candidate, segment: Segment) -> bool:
        """An embedded tweet signature in the same paragraph or the next two, before other quotes."""
        start = (segment.closed or segment.span.end) + 1
        last_para = min(len(self.paragraphs) - 1, segment.paragraph + 2)
        end = self.paragraphs[last_para].end
        for other in self.segments:
            if other.paragraph > segment.paragraph and other.opened >= start and \
                    len(other.span.slice(self.text).split()) >= MIN_PARTIAL_WORDS:
                end = min(end, other.opened)
                break
        match = self.cues.tweet_signature.search(self.text, start, end)
        if match is None:
            return False
        cand.handle = Span(match.start("handle"), match.end("handle"))
        cand.cue_text, cand.cue_span = "tweeted", cand.handle
        cand.how, cand.channel, cand.position = "tweet-signature", "tweet", match.start()
        return True

    def attribute_partial(self, cand: Candidate) -> bool:
        """A phrase quoted inside a sentence: said by the subject of the speech verb above it, else
        of the first verb above it that has a subject ('Islamic Jihad congratulated ... "...")."""
        tokens = self.tokens(cand.span.start, cand.span.end)
        if not tokens:
            return False
        governor: Token | None = None
        speech: Token | None = None
        branches: dict[int, Token] = {}  # verb index -> its child on the path down to the quote
        token, below = tokens[0], tokens[0]
        for _ in range(16):
            outside = not (cand.span.start - 1 <= token.idx < cand.span.end + 1)
            if outside and token.pos_ in ("VERB", "AUX") and self.subject_of(token) is not None:
                branches[token.i] = below
                if governor is None:
                    governor = token
                if token.lemma_.lower() in self.cues.partial_verbs:
                    speech = token
                    break
            if token.head.i == token.i:  # spaCy makes a new Token object on each access: compare indexes
                break
            token, below = token.head, token
        verb = speech or governor
        if verb is None:
            return False
        cand.cue, cand.cue_text, cand.cue_span = verb, verb.text, self.span_of(verb)
        cand.subject = self.subject_of(verb)
        cand.how = "partial-cue" if speech is not None else "partial-governor"
        cand.position = verb.idx
        cand.content = self.complement(verb, branches[verb.i], cand.span)
        return True

    def complement(self, verb: Token, branch: Token, quoted: Span) -> Span | None:
        """What the cue verb reports around a partial quote: the subtree of its dependent that holds
        the quote ('called [his plan "a disaster"]', 'said [he would "fight on"] in a speech').

        None when that dependent is the verb's subject or lies before it, or adds nothing.
        """
        if branch.dep_ in SUBJECT_DEPS or branch.i <= verb.i:
            return None
        sent = verb.sent
        first = branch.left_edge.idx
        objects = [c for c in verb.children if c.dep_ == "dobj" and c.i < branch.i]
        marks = [c for c in branch.children if c.dep_ == "mark" and c.lower_ in CLAUSE_MARKS and c.idx < quoted.start]
        if marks:
            first = marks[0].idx  # 'told reporters outside [that "..."]': the clause starts at its 'that'
        elif objects and (branch.dep_ in NAMING_DEPS or (branch.dep_ == "prep" and branch.lower_ in ("as", "of"))):
            first = objects[0].left_edge.idx  # 'called [the plan "a disaster"]', 'accused [him of "lying"]'
        start = max(min(first, quoted.start), verb.idx + len(verb.text), sent.start_char)
        end = min(branch.right_edge.idx + len(branch.right_edge.text), sent.end_char)
        span = self.trim(start, end) if start < end else None
        if span is None or not any(c.isalnum() for c in self.text[span.start:quoted.start]):
            return None
        return Span(span.start, max(span.end, quoted.end))

    def indirect_candidates(self) -> list[Candidate]:
        out: list[Candidate] = []
        for token in self.parsed:
            if self.in_quote(token.idx):
                continue
            lemma = token.lemma_.lower()
            if token.lower_ == "according" and token.i + 1 < len(self.parsed) and \
                    self.parsed[token.i + 1].lower_ == "to":
                cand = self.according_candidate(token)
            elif token.pos_ == "VERB" and (lemma in self.cues.indirect_verbs or lemma in self.cues.object_verbs):
                cand = self.complement_candidate(token) if lemma in self.cues.indirect_verbs else None
                if cand is None and lemma in self.cues.object_verbs:
                    cand = self.object_candidate(token)
            else:
                cand = None
            if cand is not None:
                out.append(cand)
        return out

    def complement_candidate(self, verb: Token) -> Candidate | None:
        complements = [c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i]
        if not complements:
            return None
        comp = complements[0]
        start, end = comp.left_edge.idx, comp.right_edge.idx + len(comp.right_edge.text)
        span = self.trim(start, end)
        if span is None or self.mostly_quoted(span) or self.text[span.start] in ALL_MARKS:
            return None
        subject = self.subject_of(verb)
        if subject is None:
            return None
        return Candidate(span, "indirect", verb.idx, self.paragraph_of(verb.idx), verb, verb.text,
                         self.span_of(verb), subject, "indirect-ccomp",
                         self.channel_of(verb.sent.start_char, verb.sent.end_char, verb))

    def object_candidate(self, verb: Token) -> Candidate | None:
        """'X called for [a special prosecutor]', 'X declined [to comment]', 'X accused [Y of Z]': the
        verb's complements after it, when the verb takes them as someone's position or words."""
        particles = self.cues.object_verbs[verb.lemma_.lower()]
        kept: list[Token] = []
        for child in verb.rights:
            particle = child.dep_ in ("prep", "prt") and (
                child.lower_ in particles or (bool(kept) and child.lower_ in ("of", "as")))
            if (child.dep_ in OBJECT_DEPS and "" in particles) or particle:
                kept.append(child)
            elif child.dep_ in ("punct", "cc", "conj", "advcl", "mark") and kept:
                break
        if not kept or (kept[0].dep_ == "prt" and len(kept) == 1):
            return None
        start = kept[0].left_edge.idx
        if kept[0].dep_ in ("prep", "prt") and kept[0].lower_ in particles:
            start = kept[0].idx + len(kept[0].text)  # 'called for [...]': the particle is part of the cue
        end = kept[-1].right_edge.idx + len(kept[-1].right_edge.text)
        span = self.trim(start, min(end, verb.sent.end_char)) if start < end else None
        if span is None or self.mostly_quoted(span) or self.text[span.start] in ALL_MARKS:
            return None
        subject = self.subject_of(verb)
        if subject is None or self.in_quote(verb.idx):
            return None
        return Candidate(span, "indirect", verb.idx, self.paragraph_of(verb.idx), verb, verb.text,
                         self.span_of(verb), subject, "indirect-object",
                         self.channel_of(verb.sent.start_char, verb.sent.end_char, verb))

    def according_candidate(self, according: Token) -> Candidate | None:
        to = self.parsed[according.i + 1]
        agent = next((c for c in to.children if c.dep_ == "pobj"), None)
        if agent is None:
            return None
        sent = according.sent
        phrase_start = according.idx
        phrase_end = max(agent.right_edge.idx + len(agent.right_edge.text), to.idx + 2)
        before = self.trim(sent.start_char, phrase_start)
        after = self.trim(phrase_end, sent.end_char)
        options = [s for s in (before, after) if s is not None]
        if not options:
            return None
        span = max(options, key=len)
        if self.mostly_quoted(span) or len(span.slice(self.text).split()) < MIN_PARTIAL_WORDS:
            return None
        return Candidate(span, "indirect", according.idx, self.paragraph_of(according.idx), according,
                         "according to", Span(according.idx, to.idx + len(to.text)), agent, "according-to",
                         self.channel_of(sent.start_char, sent.end_char, None))

    def trim(self, start: int, end: int) -> Span | None:
        while start < end and (self.text[start].isspace() or self.text[start] in ",;:—–-"):
            start += 1
        while end > start and (self.text[end - 1].isspace() or self.text[end - 1] in ".,;:—–-"):
            end -= 1
        return Span(start, end) if start < end else None

    def mostly_quoted(self, span: Span) -> bool:
        covered = sum(max(0, min(q.end, span.end) - max(q.start, span.start)) for q in self.quoted)
        return covered > 0.5 * len(span)

    # ------------------------------------------------------------------ resolve

    def run(self) -> list[Quote]:
        candidates = self.direct_candidates() + self.indirect_candidates()
        candidates.sort(key=lambda c: (c.position, c.span.start))
        last_in_paragraph: dict[int, Candidate] = {}
        chain_found: dict[int, Found | None] = {}
        for cand in candidates:
            if cand.chain >= 0 and cand.chain in chain_found:
                cand.found = chain_found[cand.chain]
            elif cand.handle is not None:
                ref = cand.handle if cand.how == "transcript-label" else None
                cand.found = Found(cand.handle.slice(self.text), cand.handle, ref, "", "explicit")
            elif cand.carry:
                source = last_in_paragraph.get(cand.paragraph - 1)
                if source is None:
                    cand.how = "unattributed"
                else:
                    # The quote goes on from the previous paragraph's speaker: same cue, same speaker.
                    cand.found = source.found
                    cand.cue, cand.cue_text, cand.cue_span = source.cue, source.cue_text, source.cue_span
                    cand.channel = cand.channel or source.channel
            elif cand.subject is not None:
                cand.found = self.speaker_from(cand.subject, cand.position)
            if cand.chain >= 0:
                chain_found[cand.chain] = cand.found
            if cand.found is not None and (cand.found.ref is not None or cand.found.span is not None):
                self.history.append((cand.position, cand.found))
                last_in_paragraph[cand.paragraph] = cand
                last_in_paragraph[self.paragraph_of(cand.span.end)] = cand
        quotes = [self.quote(c) for c in candidates]
        quotes.sort(key=lambda q: (q.span.start, q.span.end))
        return quotes

    def quote(self, cand: Candidate) -> Quote:
        found = cand.found
        doc_id = self.document.id
        qid = stable_id(doc_id, "quote", str(cand.span.start), str(cand.span.end), cand.kind)
        if found is None:
            return Quote(qid, doc_id, cand.span, cand.span.slice(self.text), None, None, "none", cand.kind,
                         None, cand.how or "unattributed", cand.channel, cand.content)
        attribution = found.attribution
        if cand.channel == "statement" and attribution == "explicit":
            attribution = "statement"
        speaker = Speaker(found.text, found.span, None, found.ref)
        channel = cand.channel or ("statement" if found.head in self.cues.statement_nouns else None)
        return Quote(qid, doc_id, cand.span, cand.span.slice(self.text), speaker, cue_word(cand), attribution,
                     cand.kind, cand.cue_span, cand.how, channel, cand.content)


def is_title(text: str) -> bool:
    """Every longer word capitalised but a title's small words: 'Crossroads of America',
    'Saturday Night Live', 'The Late Show with Ann Roe'."""
    minor = load_cues().title_minor_words
    words = [w for w in text.split() if len(w) > 3 and w.lower() not in minor]
    return bool(words) and all(w[0].isupper() for w in words)


def cue_word(cand: Candidate) -> str | None:
    if cand.cue is not None and cand.cue_text not in ("according to",):
        return str(cand.cue.lower_)
    return cand.cue_text


def extract_quotes(document: Document, parsed: Doc, mentions: Sequence[Mention]) -> list[Quote]:
    """Every quote of the document's body (see the module docstring)."""
    return Extractor(document, parsed, mentions).run()
