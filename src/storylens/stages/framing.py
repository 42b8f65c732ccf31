"""Framing and cited sources: the labels an outlet gives each actor, and who each article credits.

Input: a `DocAnalysis` with its mentions and the spaCy parse of its body. Output: `framing`
(label text span, normalised label, the mention labelled) and `citations` (sources credited in the
body and in removed credit lines and captions), every span a slice of the document text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from storylens.model import Citation, DocAnalysis, Document, Framing, Mention, Span
from storylens.names import has_arabic, name_key
from storylens.rules import load_rule
from storylens.stages.entities import entity_rules, is_outlet, is_platform, removed_parses

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from storylens.pipeline import Context

ACTOR_LABELS = frozenset({"ORG", "PERSON"})
SOURCE_LABELS = frozenset({"ORG", "PERSON", "GPE", "NORP", "FAC"})


# ------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True, slots=True)
class FramingRules:
    heads: frozenset[str]
    determiners: frozenset[str]
    max_label_tokens: int
    antecedent_window: int
    label_verbs: frozenset[str]  # lemmas: 'X is listed as ...', 'X, which is designated ...'
    description_heads: frozenset[str]  # 'the outlawed organisation' refers back to an organisation
    recent_window: int


@dataclass(frozen=True, slots=True)
class Cue:
    pattern: re.Pattern[str]
    kind: str
    source: str  # any|outlet|platform


@dataclass(frozen=True, slots=True)
class CitationRules:
    after: tuple[Cue, ...]
    before: tuple[Cue, ...]
    possessive: re.Pattern[str]
    media_after: re.Pattern[str]  # an unnamed source starting at a position
    media_before: re.Pattern[str]  # an unnamed source ending at a position
    platform_verbs: re.Pattern[str]
    platform_names: dict[str, str]
    platform_nouns: re.Pattern[str]  # an unnamed platform starting at a position ('social media')
    platform_hosts: re.Pattern[str]
    host_names: dict[str, str]
    photo_credit: tuple[re.Pattern[str], ...]
    wire_dateline: re.Pattern[str]
    tweet_embed: re.Pattern[str]
    scan_removed: frozenset[str]


@cache
def framing_rules() -> FramingRules:
    data = load_rule("framing_labels.json")
    return FramingRules(frozenset(data["heads"]), frozenset(data["determiners"]),
                        int(data["max_label_tokens"]), int(data["antecedent_window_chars"]),
                        frozenset(data["label_verbs"]), frozenset(data["description_heads"]),
                        int(data["recent_window_chars"]))


def _words(alternatives: Iterable[str]) -> str:
    ordered = sorted(set(alternatives), key=lambda p: (-len(p), p))
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)


@cache
def citation_rules() -> CitationRules:
    data = load_rule("citation_cues.json")

    def cues(items: list[dict[str, str]], anchored: str) -> tuple[Cue, ...]:
        return tuple(Cue(re.compile(anchored.replace("CUE", item["cue"]), re.I), item["kind"], item["source"])
                     for item in items)

    nouns = _words(data["media_nouns"])
    # Capitalised modifiers ('Iranian') stay case-sensitive inside the case-insensitive pattern.
    modifier = rf"(?:(?-i:[A-Z])[\w'’-]*|{_words(data['media_modifier_words'])})"
    most = int(data["media_modifiers_max"])
    media = rf"(?:(?:a|an|the|its|their)\s+)?(?:{modifier}\s+){{0,{most}}}(?:{nouns})\b"
    verbs, hosts = data["platform_verbs"], data["platform_hosts"]
    return CitationRules(
        after=cues(data["after"], r"\b(?:CUE)\s+"),
        before=cues(data["before"], r"\s+(?:CUE)\b"),
        possessive=re.compile(data["possessive_sources"]["cue"], re.I),
        media_after=re.compile(media, re.I),
        media_before=re.compile(rf"(?<![\w-]){media}$", re.I),
        platform_verbs=re.compile(rf"\b(?:{_words(verbs)})\b", re.I),
        platform_names={k.lower(): v for k, v in verbs.items()},
        platform_nouns=re.compile(rf"(?:(?:its|his|her|their|the)\s+)?(?:{_words(data['platform_nouns'])})\b", re.I),
        platform_hosts=re.compile(rf"(?<![\w.])(?:{_words(hosts)})/", re.I),
        host_names={k.lower(): v for k, v in hosts.items()},
        photo_credit=tuple(re.compile(p["pattern"], re.M) for p in data["photo_credit"]),
        wire_dateline=re.compile(data["wire_dateline"]),
        tweet_embed=re.compile(data["tweet_embed"]),
        scan_removed=frozenset(data["scan_removed_kinds"]),
    )


# ------------------------------------------------------------------------------------------ stage


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    document = analysis.document
    parses: list[tuple[Sequence[Span], int, Doc]] = [(document.body_spans, 0, ctx.parse(document))]
    parses += [((span,), span.start, parsed) for span, parsed in removed_parses(document, ctx)]
    return replace(analysis, framing=extract_framing(document, parses, analysis.mentions),
                   citations=extract_citations(document, analysis.mentions))


# ------------------------------------------------------------------------------------------ framing


class _Labels:
    """The framing found so far in one parse, and the mention each token belongs to."""

    def __init__(self, document: Document, parsed: Doc, offset: int, actors: Sequence[Mention],
                 regions: Sequence[Span], rules: FramingRules) -> None:
        self.document = document
        self.parsed = parsed
        self.offset = offset
        self.rules = rules
        self.by_token: dict[int, Mention] = {}
        self.spans: dict[Span, Any] = {}
        for mention in actors:
            if not any(r.start <= mention.span.start < r.end for r in regions):
                continue
            span = parsed.char_span(mention.span.start - offset, mention.span.end - offset,
                                    alignment_mode="expand")
            if span is not None:
                self.spans[mention.span] = span
                for token in span:
                    self.by_token[token.i] = mention
        self.found: dict[tuple[Span, Span], Framing] = {}

    def add(self, tokens: list[Token], target: Mention) -> None:
        """Record the tokens, less the target's own name, determiners and edge punctuation, as a label."""
        by_token, rules = self.by_token, self.rules
        label_tokens = [t for t in tokens if by_token.get(t.i) is not target]
        while label_tokens and (label_tokens[0].lower_ in rules.determiners or label_tokens[0].is_punct):
            label_tokens.pop(0)
        while label_tokens and (label_tokens[-1].tag_ == "POS" or label_tokens[-1].is_punct):
            label_tokens.pop()
        if not label_tokens or len(label_tokens) > rules.max_label_tokens:
            return
        if all(t.i in by_token for t in label_tokens):
            return  # the 'label' is another actor's name ('Hamas and the Taliban')
        if any(has_arabic(t.text) for t in label_tokens) or all(t.is_upper for t in label_tokens):
            return  # Arabic script beside a translation; capitals are photo credits, not labels
        start = self.offset + label_tokens[0].idx
        end = self.offset + label_tokens[-1].idx + len(label_tokens[-1])
        if any(p.language != "en" and p.span.start <= start < p.span.end for p in self.document.languages):
            return  # the English parse of a translated paragraph yields no labels worth keeping
        key = (Span(start, end), target.span)
        self.found.setdefault(key, Framing(self.document.id, Span(start, end), _label_text(label_tokens),
                                           target.span))


def extract_framing(document: Document, parses: Sequence[tuple[Sequence[Span], int, Doc]],
                    mentions: Sequence[Mention]) -> tuple[Framing, ...]:
    """Labels attached to actor mentions by apposition, premodification or copula, then definite
    descriptions referring back to an actor ('the Palestinian militant group'). `parses` gives
    each parse with the stretches of text it covers (the body, a caption...) and the offset its
    text starts at."""
    rules = framing_rules()
    actors = [m for m in mentions if m.label in ACTOR_LABELS]
    labels = [_Labels(document, parsed, offset, actors, regions, rules) for regions, offset, parsed in parses]
    for found in labels:
        _explicit(found)
    words: dict[str, set[str]] = {}
    actor_at = {m.span: m for m in actors}
    for found in labels:
        for framing in found.found.values():
            target = actor_at[framing.target_span]
            words.setdefault(name_key(target.canonical or target.text), set()).update(_label_words(framing.label))
    for found in labels:
        for noun in found.parsed:
            if noun.lower_ in rules.heads and noun.pos_ == "NOUN" and noun.i not in found.by_token:
                antecedent = _antecedent(noun, found, actors, words)
                if antecedent is not None:
                    found.add(_left_phrase(noun), antecedent)
    unique = {f for found in labels for f in found.found.values()}
    return tuple(sorted(unique, key=lambda f: (f.span, f.target_span)))


def _explicit(found: _Labels) -> None:
    rules, by_token = found.rules, found.by_token
    for mention_span, span in found.spans.items():
        mention = by_token[span[0].i]
        if mention.span != mention_span:
            continue
        root = span.root
        head = root.head
        # 'the terrorist group Hamas': the name in apposition to a label
        if root.dep_ == "appos" and head.pos_ == "NOUN" and head.i not in by_token:
            found.add(_left_phrase(head), mention)
        # 'Islamic Jihad, another ... group' / 'Baradar, the Taliban's political chief'
        for child in root.children:
            if child.dep_ == "appos" and child.i not in by_token and child.pos_ in ("NOUN", "PROPN"):
                found.add(_phrase(child, rules.max_label_tokens), mention)
        # 'Hamas terrorists', 'the Palestinian Hamas resistance movement', 'the Taliban government'
        if root.dep_ in ("compound", "nmod", "amod") and head.lower_ in rules.heads and head.i not in by_token:
            found.add(_left_phrase(head), mention)
        # 'the Afghan Taliban': a demonym kept off the organisation's name
        if mention.label != "PERSON":
            mods = [c for c in root.children if c.dep_ in ("amod", "compound") and c.i < span.start
                    and c.i not in by_token and not c.is_sent_start]  # 'Senior X official' is capitalised by position
            if mods and all(c.pos_ in ("ADJ", "PROPN") for c in mods):
                found.add(sorted(mods, key=lambda t: t.i), mention)
        # 'the insurgent Wadi Alliance' where the parser took the modifier for a noun of its own
        if root.dep_ not in ("compound", "nmod", "poss"):
            premodifiers = _premodifiers(span, by_token)
            if premodifiers:
                found.add(premodifiers, mention)
        # 'Hamas is a designated foreign terrorist group', 'X, which is listed as a terrorist group'
        for attr in _predicates(root, rules):
            found.add(_left_phrase(attr), mention)


def _label_words(label: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", label.lower()) if len(w) > 2}


def _label_text(tokens: list[Token]) -> str:
    """The label as written, one space where a token (the actor's own name) was left out."""
    parts: list[str] = []
    for n, token in enumerate(tokens):
        parts.append(token.text)
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        if following is not None and (following.i != token.i + 1 or token.whitespace_):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _left_phrase(head: Token) -> list[Token]:
    """The head noun with its premodifiers: 'a designated foreign terrorist group'."""
    doc = head.doc
    return [doc[i] for i in range(head.left_edge.i, head.i + 1)]


def _phrase(head: Token, limit: int) -> list[Token]:
    """The whole phrase of an apposition, or its left part when that is too long."""
    tokens = list(head.subtree)
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    return tokens if len(tokens) <= limit else _left_phrase(head)


_SUBJECTS = ("nsubj", "nsubjpass")
_REFLEXIVES = frozenset({"itself", "themselves", "himself", "herself"})


def _predicates(root: Token, rules: FramingRules) -> Iterator[Token]:
    """The heads of nominal predicates said of `root` (or of the phrase it is a conjunct of) as
    the subject of its clause or of a relative clause on it ('X, which is ...'): a copula's
    complement ('is a designated terrorist group'), a labelling verb's in the passive or with a
    reflexive object ('is listed as a terrorist organisation', 'describes itself as a movement'),
    and any verb's 'as' phrase headed by a label noun ('runs the valley as its de facto government')."""
    subject = root
    while subject.dep_ == "conj":
        subject = subject.head
    clauses = [subject.head] if subject.dep_ in _SUBJECTS else []
    clauses += [c for c in subject.children if c.dep_ == "relcl"
                and any(g.dep_ in _SUBJECTS and g.tag_ in ("WDT", "WP") for g in c.children)]
    for clause in clauses:
        verbs = [clause, *[c for c in clause.children if c.dep_ == "conj" and not any(
            g.dep_ in _SUBJECTS for g in c.children)]]
        for verb in verbs:
            yield from _verb_predicates(verb, rules)


def _verb_predicates(verb: Token, rules: FramingRules) -> Iterator[Token]:
    children = list(verb.children)
    if any(c.dep_ == "neg" for c in children):
        return  # 'X is not an enemy of any state' denies the label
    as_objects = [o for c in children if c.dep_ == "prep" and c.lower_ == "as"
                  for o in c.children if o.dep_ == "pobj" and o.pos_ == "NOUN"]
    if verb.lemma_ == "be":
        yield from (c for c in children if c.dep_ == "attr" and c.pos_ == "NOUN")
    elif verb.lemma_ in rules.label_verbs and (
            any(c.dep_ in ("nsubjpass", "auxpass") for c in children)
            or any(c.dep_ == "dobj" and c.lower_ in _REFLEXIVES for c in children)):
        yield from (c for c in children if c.dep_ in ("oprd", "attr", "dobj", "xcomp") and c.pos_ == "NOUN")
        yield from as_objects
        return
    yield from (o for o in as_objects if o.lower_ in rules.heads)


def _premodifiers(span: Any, by_token: dict[int, Mention]) -> list[Token]:
    """Lower-case words between an article and the name they modify ('the insurgent Wadi
    Alliance'), read off the surface because the parser often attaches them elsewhere."""
    doc = span.doc
    words: list[Token] = []
    for i in range(span.start - 1, max(-1, span.start - 5), -1):  # at most three words
        token = doc[i]
        if token.lower_ in ("the", "a", "an"):
            return words
        if not (token.is_alpha and token.is_lower and token.pos_ in ("ADJ", "NOUN", "VERB")) or i in by_token:
            return []
        words.insert(0, token)
    return []


def _antecedent(noun: Token, found: _Labels, actors: Sequence[Mention], words: dict[str, set[str]]) -> Mention | None:
    """The actor a modified definite description ('the Palestinian militant group') refers back to.

    A description in subject position refers to the organisation subject of its sentence; any
    other to the organisation named shortly before whose labels in this article share most of the
    description's modifiers ('Palestinian' ~ 'the Palestinian terror group Hamas'), if one does.
    """
    by_token, rules = found.by_token, found.rules
    children = list(noun.children)
    if not any(c.lower_ == "the" and c.dep_ == "det" for c in children):
        return None
    modifiers = [c for c in children if c.dep_ in ("amod", "compound") and c.i < noun.i]
    if not modifiers:
        return None  # a bare 'the group' says nothing about the actor
    if any(c.dep_ == "appos" for c in children) or noun.dep_ in ("appos", "attr"):
        return None
    if any(t.i in by_token for t in noun.subtree):
        return None
    if noun.dep_ in ("nsubj", "nsubjpass"):
        for token in noun.sent:
            mention = by_token.get(token.i)
            if token.i < noun.i and token.dep_ in ("nsubj", "nsubjpass") and mention is not None \
                    and mention.label == "ORG" and not is_outlet(mention.text):
                return mention
    start = found.offset + noun.idx
    wanted = {w for c in modifiers for w in _label_words(c.text)}
    best: tuple[int, int, Mention] | None = None
    for mention in actors:
        if mention.label != "ORG" or not 0 <= start - mention.span.end <= rules.antecedent_window \
                or is_outlet(mention.text):
            continue
        shared = len(wanted & words.get(name_key(mention.canonical or mention.text), set()))
        if shared and (best is None or (shared, mention.span.start) > best[:2]):
            best = (shared, mention.span.start, mention)
    if best:
        return best[2]
    if noun.lower_ in rules.description_heads and all(c.is_lower for c in modifiers):
        return _nearest_organisation(start, found, rules)
    return None


def _nearest_organisation(start: int, found: _Labels, rules: FramingRules) -> Mention | None:
    """The organisation named last before `start` in the same parse (or, when none is within the
    window, the first one named after it: a profile can describe before it names)."""
    named = sorted((m for span, m in ((s, found.by_token[t[0].i]) for s, t in found.spans.items())
                    if m.span == span and m.label == "ORG" and not is_outlet(m.text)),
                   key=lambda m: m.span.start)
    before = [m for m in named if 0 <= start - m.span.end <= rules.recent_window]
    if before:
        return before[-1]
    after = [m for m in named if 0 < m.span.start - start <= rules.recent_window]
    return after[0] if after else None


# ------------------------------------------------------------------------------------------ citations


def extract_citations(document: Document, mentions: Sequence[Mention]) -> tuple[Citation, ...]:
    """Sources the article credits: outlets it reports from or spoke to, syndication and wire
    credits, platforms posts were made on, photo credits; in the body and in removed credit lines."""
    rules = citation_rules()
    text = _visible(document, rules.scan_removed)
    sources = sorted((m for m in mentions if m.label in SOURCE_LABELS), key=lambda m: m.span.start)
    starts = {m.span.start: m for m in sources}
    ends = {m.span.end: m for m in sources}
    found: dict[Span, Citation] = {}

    def add(start: int, end: int, cited: str, kind: str) -> None:
        span = Span(start, end)
        if cited.strip() and span not in found:
            found[span] = Citation(document.id, span, " ".join(cited.split()), kind)

    for cue in rules.after:
        for match in cue.pattern.finditer(text):
            source = _source_after(text, match.end(), cue.source, starts, rules)
            if source:
                add(*source, cue.kind)
    for cue in rules.before:
        for match in cue.pattern.finditer(text):
            source = _source_before(text, match.start(), cue.source, ends, rules)
            if source:
                add(*source, cue.kind)
    for match in rules.possessive.finditer(text):
        owner = _owner(text, match.start(), sources)
        if owner:
            add(match.start(), match.end(), f"{owner} {match.group(1)}", "website")
    for match in rules.platform_verbs.finditer(text):
        add(match.start(), match.end(), rules.platform_names[match.group(0).lower()], "social")
    for match in rules.platform_hosts.finditer(text):
        add(match.start(), match.end() - 1, rules.host_names[match.group(0)[:-1].lower()], "social")
    for match in rules.tweet_embed.finditer(text):
        add(match.start("handle"), match.end("handle"), f"Twitter {match.group('handle')}", "social")
    for match in rules.wire_dateline.finditer(text):
        if is_outlet(match.group("src")):
            add(match.start("src"), match.end("src"), match.group("src"), "wire")
    for pattern in rules.photo_credit:
        for match in pattern.finditer(text):
            for group in ("src", "via"):
                if group in pattern.groupindex and match.group(group):
                    add(match.start(group), match.end(group), match.group(group).strip(), "photo")
    return tuple(sorted(found.values(), key=lambda c: c.span))


def _visible(document: Document, kinds: frozenset[str]) -> str:
    """The body, plus removed stretches of the given kinds (credit lines still credit a source)."""
    chars = list(document.body_text())
    for removal in document.removed:
        if removal.kind in kinds:
            chars[removal.span.start:removal.span.end] = document.text[removal.span.start:removal.span.end]
    return "".join(chars)


_THE = re.compile(r"(?:the|The)\s+")
_CAPITALISED = re.compile(r"[A-Z][\w.&'’-]*(?:\s+(?:of|and|for|the|on|[A-Z][\w.&'’-]*))*")


def _accepts(name: str, mode: str) -> bool:
    if mode == "platform":
        return is_platform(name)
    if mode == "outlet":
        return is_outlet(name)
    return True


def _source_after(text: str, pos: int, mode: str, starts: dict[int, Mention],
                  rules: CitationRules) -> tuple[int, int, str] | None:
    the = _THE.match(text, pos)
    begin = the.end() if the else pos
    mention = starts.get(begin)
    if mention is not None and mention.label != "NORP":
        name = mention.canonical if mention.canonical and mention.text.isupper() else mention.text
        return (mention.span.start, mention.span.end, name) if _accepts(mention.text, mode) else None
    media = rules.media_after.match(text, pos)
    if media and mode != "platform":
        return media.start(), media.end(), media.group(0)
    if mode == "platform" and (unnamed := rules.platform_nouns.match(text, pos)):
        return unnamed.start(), unnamed.end(), unnamed.group(0)
    if mode == "any" or mode == "outlet":
        # Credit lines outside the body have no mentions: read the capitalised name itself.
        capitalised = _CAPITALISED.match(text, begin)
        if capitalised:
            phrase = re.sub(r"(?:\s+(?:of|and|for|the|on))+$", "", capitalised.group(0)).rstrip(".")
            trail = entity_rules().trailing_role.search(phrase)
            if trail and trail.start() > 0:
                phrase = phrase[:trail.start()]
            if phrase and _accepts(phrase, mode) and phrase.lower() not in ("he", "she", "it", "they"):
                return begin, begin + len(phrase), phrase
    return None


def _source_before(text: str, pos: int, mode: str, ends: dict[int, Mention],
                   rules: CitationRules) -> tuple[int, int, str] | None:
    mention = ends.get(pos)
    if mention is not None and mention.label != "NORP":
        return (mention.span.start, mention.span.end, mention.text) if _accepts(mention.text, mode) else None
    window_start = max(0, pos - 80)
    media = rules.media_before.search(text[window_start:pos])
    if media and mode != "platform":
        return window_start + media.start(), window_start + media.end(), media.group(0)
    return None


def _owner(text: str, pos: int, sources: Sequence[Mention]) -> str | None:
    """Whose channel 'its website' is: the first organisation or person named in the sentence."""
    sentence_start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    for mention in sources:
        if sentence_start <= mention.span.start < pos and mention.label in ("ORG", "PERSON"):
            return mention.canonical or mention.text
    return None
