"""Entities: named-entity mentions in an article body, corrected for news text and linked within it.

Input: a `DocAnalysis` and its spaCy parse (body only, document offsets). Output: `mentions`, each
with its role (a title kept off the name) and its within-document full form (`canonical`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from storylens.model import DocAnalysis, Document, Mention, Span
from storylens.names import ARABIC_WORD, acronym_of, has_arabic, name_key, name_words, skeleton
from storylens.rules import load_rule, rule_text

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from storylens.pipeline import Context


# ------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True, slots=True)
class EntityRules:
    """rules/entity_rules.json, rules/entity_outlets.json and rules/titles.txt, compiled."""

    labels: frozenset[str]
    account_label: str
    trailing_role: re.Pattern[str]
    demonym: re.Pattern[str]
    title_prefix: re.Pattern[str]  # titles opening a name span: 'Mullah Abdul Ghani Baradar'
    title_before: re.Pattern[str]  # titles right before a name: 'President Ashraf Ghani'
    platforms: frozenset[str]  # case-folded
    outlet_names: frozenset[str]  # case-folded
    outlet_patterns: tuple[re.Pattern[str], ...]
    also_parse_removed: frozenset[str]
    arabic_min_score: float
    arabic_min_skeleton: int
    arabic_max_window: int
    organisation_heads: frozenset[str]  # case-folded last words of organisation names
    alias_cue: re.Pattern[str]  # between a name and another name of the same actor


def _alternation(phrases: Iterable[str]) -> str:
    """A regex alternation, longest phrase first, with any run of spaces matching any whitespace."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)


@cache
def entity_rules() -> EntityRules:
    data: dict[str, Any] = load_rule("entity_rules.json")
    outlets: dict[str, Any] = load_rule("entity_outlets.json")
    titles = [line.strip() for line in rule_text("titles.txt").splitlines()
              if line.strip() and not line.startswith("#")]
    title_alt = _alternation(titles)
    arabic = data["arabic_alignment"]
    return EntityRules(
        labels=frozenset(data["labels"]),
        account_label=str(data["account_label"]),
        trailing_role=re.compile(rf"(?:\s+(?:{_alternation(data['trailing_role_words'])}))+$"),
        demonym=re.compile(data["demonym"]),
        title_prefix=re.compile(rf"^(?:(?:{title_alt})(?:\s+|$))+", re.I),
        title_before=re.compile(rf"(?:^|(?<=[\s(\"“‘]))((?:(?:{title_alt})\s+)+)$", re.I),
        platforms=frozenset(p.casefold() for p in outlets["platforms"]),
        outlet_names=frozenset(n.casefold() for n in outlets["names"]),
        outlet_patterns=tuple(re.compile(p) for p in outlets["patterns"]),
        also_parse_removed=frozenset(data["also_parse_removed"]),
        arabic_min_score=float(arabic["min_score"]),
        arabic_min_skeleton=int(arabic["min_skeleton"]),
        arabic_max_window=int(arabic["max_window_words"]),
        organisation_heads=frozenset(w.casefold() for w in data["organisation_heads"]),
        alias_cue=re.compile(data["alias_cue"]),
    )


def is_platform(name: str) -> bool:
    """True for a social platform or media host ('Twitter', 'Telegram', 'Wikimedia Commons')."""
    return _strip_the(name).casefold() in entity_rules().platforms


def is_outlet(name: str) -> bool:
    """True for a news outlet, agency or platform, by name list or name pattern ('* News', '*-Monitor')."""
    rules = entity_rules()
    bare = _strip_the(name)
    folded = bare.casefold()
    if folded in rules.platforms or folded in rules.outlet_names:
        return True
    last = folded.split()[-1] if " " in folded else ""
    if last in rules.platforms or (last in ("channel", "account", "page") and is_outlet(bare.rsplit(" ", 1)[0])):
        return True  # 'AMN Telegram', 'Hamas Telegram channel'

    return any(p.search(bare) for p in rules.outlet_patterns)


def _strip_the(name: str) -> str:
    return re.sub(r"^(?:the|The|THE)\s+", "", name.strip())


# ------------------------------------------------------------------------------------------ stage


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    document = analysis.document
    parses = [(0, ctx.parse(document)), *((span.start, p) for span, p in removed_parses(document, ctx))]
    return replace(analysis, mentions=extract_mentions(document, parses))


def removed_regions(document: Document) -> list[Span]:
    """Removed stretches that are still the outlet's words (headline, captions, credit lines)."""
    kinds = entity_rules().also_parse_removed
    return [r.span for r in document.removed if r.kind in kinds and len(r.span) > 1]


def parse_region(document: Document, span: Span, nlp: Language) -> Doc:
    """A parse of one stretch of the text on its own: its offsets start at `span.start`."""
    return nlp(document.text[span.start:span.end])


def removed_parses(document: Document, ctx: Context) -> list[tuple[Span, Doc]]:
    """Parses of `removed_regions`, cached in the context so framing reuses them."""
    cache: dict[tuple[str, Span], Doc] = ctx.resource("entities.removed_parses", dict)
    out = []
    for span in removed_regions(document):
        key = (document.id, span)
        if key not in cache:
            cache[key] = parse_region(document, span, ctx.nlp)
        out.append((span, cache[key]))
    return out


@dataclass(slots=True)
class _Draft:
    """A mention being corrected: its span, label and what the rules learnt about it."""

    start: int
    end: int
    label: str
    role: str | None = None
    canonical: str | None = None
    hashtag: bool = False


def extract_mentions(document: Document, parses: Sequence[tuple[int, Doc]]) -> tuple[Mention, ...]:
    """The corrected, within-document linked mentions of the parsed body (the first parse, offset 0)
    and of other parsed stretches of the same document, each with the offset its text starts at."""
    rules = entity_rules()
    text = document.text
    drafts = [d for offset, parsed in parses for ent in parsed.ents if ent.label_ in rules.labels
              if (d := _draft(text, offset + ent.start_char, offset + ent.end_char, ent.label_, rules))
              is not None]
    body = _overlay(parses)
    drafts = _with_acronyms(text, body, drafts)
    drafts = _with_accounts(body, drafts, rules)
    drafts = _with_leading_names(body, drafts, rules)
    drafts = _with_aliases(text, body, drafts, rules)
    drafts = _fix_labels(text, drafts, rules)
    drafts = _with_repeated_names(text, body, drafts, rules)
    drafts = _link_short_forms(text, drafts)
    drafts = _link_organisation_short_forms(text, drafts, rules)
    drafts += _arabic_mentions(document, body, drafts, rules)
    unique = {(d.start, d.end): d for d in drafts if d.end > d.start}
    return tuple(
        Mention(doc=document.id, span=Span(d.start, d.end), text=text[d.start:d.end], label=d.label,
                role=d.role, canonical=d.canonical)
        for _, d in sorted(unique.items())
    )


def _overlay(parses: Sequence[tuple[int, Doc]]) -> str:
    """The parsed texts laid over one another: every parsed character at its document offset."""
    if len(parses) == 1:
        return str(parses[0][1].text)
    chars = list(parses[0][1].text)
    for offset, parsed in parses[1:]:
        chars[offset:offset + len(parsed.text)] = parsed.text
    return "".join(chars)


# 'FILE - ' opens wire photo captions ('FILE - Jane Roe speaks ...'); it is never part of a name.
_LEADING = re.compile(r"(?:[\s\"“”‘’'(\[]+|(?:the|The|THE)\s+|the(?=[A-Z])|FILE\s*[-–—]\s*)+")
_TRAILING = re.compile(r"(?:[\s,;:/()\[\]\"“”‘]+|['’]s?(?=\W*$))+$")


def _draft(text: str, start: int, end: int, label: str, rules: EntityRules) -> _Draft | None:
    """Trim an NER span (articles, quotes, possessives, titles) and read its role; None to drop it."""
    segment = text[start:end]
    if has_arabic(segment):
        return None  # the English model tags Arabic script at random; _arabic_mentions aligns it instead
    if "\n" in segment:
        end = start + segment.index("\n")
    if "(" in text[start:end] and not text[start:end].endswith(")"):
        end = text.index("(", start, end)  # 'KHARSA (Meridian Wire) - The ...': a dateline, not a name
    lead = _LEADING.match(text, start, end)
    if lead:
        start = lead.end()
    trail = _TRAILING.search(text[start:end])
    if trail:
        end = start + trail.start()
    if end <= start:
        return None
    if text[start] == "@" or (start > 0 and text[start - 1] == "@"):
        return None  # handles are found whole by _with_accounts
    draft = _Draft(start, end, label, hashtag=start > 0 and text[start - 1] == "#")
    if label == "PERSON":
        _take_titles(text, draft, rules)
    elif label == "ORG":
        cut = rules.trailing_role.search(text[draft.start:draft.end])
        if cut and cut.start() > 0:
            draft.end = draft.start + cut.start()
    return draft if draft.end > draft.start else None


def _take_titles(text: str, draft: _Draft, rules: EntityRules) -> None:
    """Move titles off a person's name into `role`: those opening the span and those right before it."""
    roles = []
    before = rules.title_before.search(text[max(0, draft.start - 80):draft.start])
    if before:
        roles.append(before.group(1).strip())
    inner = rules.title_prefix.match(text[draft.start:draft.end])
    if inner and inner.end() < draft.end - draft.start:
        roles.append(inner.group(0).strip())
        draft.start += inner.end()
    if roles:
        draft.role = " ".join(" ".join(r.split()) for r in roles)


def _overlaps(a: _Draft, start: int, end: int) -> bool:
    return a.start < end and start < a.end


_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.]{1,11})\)")
_NAME_WORD = re.compile(r"[\w'’.&-]+")


def _with_acronyms(text: str, body: str, drafts: list[_Draft]) -> list[_Draft]:
    """'Long Name (ACR)': both become mentions, the acronym linked to the long name.

    The long name is the shortest run of words before the bracket whose initials spell the
    acronym; it replaces NER spans inside it ('Middle East' in 'Middle East Media Research Institute').
    """
    for match in _ACRONYM.finditer(body):
        acronym = match.group(1)
        window_start = max(0, match.start() - 160)
        window = body[window_start:match.start()]
        words = list(_NAME_WORD.finditer(window.rstrip()))
        found: tuple[int, int] | None = None
        for n in range(2, min(len(words), 12) + 1):
            first = words[-n]
            if not first.group(0)[:1].isupper():
                continue
            start, end = window_start + first.start(), window_start + words[-1].end()
            if "\n" in body[start:end]:
                break
            if acronym_of(acronym, text[start:end]):
                found = (start, end)
                break
        if found is None:
            continue
        acr_start, acr_end = match.start(1), match.end(1)
        near = [d for d in drafts if _overlaps(d, found[0], found[1]) or _overlaps(d, acr_start, acr_end)]
        if not near:
            continue  # no NER support at all: more likely a term ('GDP') than an organisation
        exact = next((d for d in near if (d.start, d.end) == found), None)
        label = exact.label if exact else "ORG"
        drafts = [d for d in drafts if d not in near]
        drafts.append(_Draft(found[0], found[1], label))
        drafts.append(_Draft(acr_start, acr_end, label, canonical=text[found[0]:found[1]]))
    return drafts


_HANDLE = re.compile(r"(?<![\w@/.])@\w{2,30}")


def _with_accounts(body: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """@handles are accounts, whatever the NER made of them."""
    accounts = [_Draft(m.start(), m.end(), rules.account_label) for m in _HANDLE.finditer(body)]
    kept = [d for d in drafts if not any(_overlaps(d, a.start, a.end) for a in accounts)]
    return kept + accounts


def _fix_labels(text: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """Outlets are organisations; so are names ending in an organisation noun ('Wadi Alliance'
    tagged GPE); one name, one label in a document (the majority of its non-hashtag mentions); a
    lone surname is a person; unsupported #hashtags are not people."""
    for d in drafts:
        words = text[d.start:d.end].split()
        if d.label in ("GPE", "LOC", "FAC", "NORP") and len(words) >= 2 \
                and words[-1].casefold() in rules.organisation_heads:
            d.label = "ORG"
        if d.label != rules.account_label and d.label != "ORG" and is_outlet(text[d.start:d.end]):
            d.label = "ORG"
    named = [d for d in drafts if d.label != rules.account_label]
    votes: dict[str, Counter[str]] = {}
    for d in named:
        if not d.hashtag:
            votes.setdefault(name_key(text[d.start:d.end]), Counter())[d.label] += 1
    surnames = {name_key(text[d.start:d.end]).split()[-1] for d in named
                if d.label == "PERSON" and len(name_words(text[d.start:d.end])) >= 2}
    kept = []
    for d in drafts:
        if d.label == rules.account_label:
            kept.append(d)
            continue
        key = name_key(text[d.start:d.end])
        counts = votes.get(key)
        if counts:
            d.label = counts.most_common(1)[0][0]
        elif d.hashtag and d.label == "PERSON":
            continue  # '#Hamas' tagged PERSON: a topic tag, not a person, unless named elsewhere
        if d.label != "PERSON" and " " not in key and key in surnames and not is_outlet(text[d.start:d.end]):
            d.label = "PERSON"
        kept.append(d)
    org_keys = {name_key(text[d.start:d.end]) for d in kept if d.label == "ORG"}
    for d in kept:
        if d.label != "ORG":
            continue
        first = re.match(r"\S+\s+", text[d.start:d.end])
        rest = text[d.start + first.end():d.end] if first else ""
        if rest.casefold() in rules.organisation_heads:
            continue  # 'Palestinian Authority', 'Wadi Alliance': the first word is part of the name
        if first and rules.demonym.match(first.group(0).strip()) and name_key(rest) in org_keys:
            d.start += first.end()  # 'the Afghan Taliban' -> 'Taliban'; the adjective is framing
    return kept


def _link_short_forms(text: str, drafts: list[_Draft]) -> list[_Draft]:
    """A person's shorter name ('Haniyeh', 'Abu Marzouk') points to the full form it ends, the
    nearest one before it (else after it) when several people share the surname."""
    people = [(d, name_key(text[d.start:d.end]).split()) for d in drafts if d.label == "PERSON"]
    for d, key in people:
        if not key or d.canonical:
            continue
        fuller = [(f, fk) for f, fk in people if len(fk) > len(key) and fk[-len(key):] == key]
        if not fuller:
            continue
        before = [f for f, _ in fuller if f.start < d.start]
        chosen = max(before, key=lambda f: f.start) if before else min((f for f, _ in fuller), key=lambda f: f.start)
        d.canonical = text[chosen.start:chosen.end]
    return drafts


_LEADING_NAME = re.compile(r"(?<![\w’'-])(?:the|The)\s+((?:[A-Z][\w’'-]*\s+){1,2})$")


def _with_leading_names(body: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """'the Wadi Alliance' tagged 'Alliance' alone: capitalised words between an article and an
    organisation belong to its name (a demonym is cut off again by `_fix_labels`)."""
    for d in drafts:
        if d.label != "ORG":
            continue
        before = _LEADING_NAME.search(body, max(0, d.start - 60), d.start)
        if before is None:
            continue
        start = before.start(1)
        if any(o is not d and _overlaps(o, start, d.start) for o in drafts) \
                or rules.title_before.search(body[start:d.start]):
            continue
        d.start = start
    return drafts


_NAME_EDGE = r"(?<![\w-]){}(?![\w-])"


def _with_repeated_names(text: str, body: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """An organisation named once is named wherever its name recurs in the parsed text: the NER
    finds 'Nahra' in one sentence and misses it in the next ('Nahra, a designated ...')."""
    names = {text[d.start:d.end] for d in drafts if d.label == "ORG" and not d.hashtag}
    added: list[_Draft] = []
    for name in sorted(names, key=lambda n: (-len(n), n)):
        if len(name) < 3 or not name[:1].isupper() or name.isupper() or "/" in name:
            continue  # capitals and slashes are photo credits, not names the prose repeats
        pattern = re.compile(_NAME_EDGE.format(r"\s+".join(re.escape(w) for w in name.split())))
        for match in pattern.finditer(body):
            if any(_overlaps(d, match.start(), match.end()) for d in (*drafts, *added)):
                continue
            added.append(_Draft(match.start(), match.end(), "ORG"))
    return drafts + added


def _link_organisation_short_forms(text: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """A bare 'Alliance' stands for the longer organisation name it ends in the same article
    ('Wadi Alliance'): the nearest one before it, else the first after it."""
    organisations = [(d, name_key(text[d.start:d.end]).split()) for d in drafts if d.label == "ORG"]
    for d, key in organisations:
        if not key or d.canonical or is_outlet(text[d.start:d.end]):
            continue
        if key[-1] not in rules.organisation_heads and len(key) > 1:
            continue  # a shorter multi-word name that is not an '... Alliance' form
        fuller = [f for f, fk in organisations if len(fk) > len(key) and fk[-len(key):] == key
                  and not is_outlet(text[f.start:f.end])]
        if not fuller:
            continue
        before = [f for f in fuller if f.start < d.start]
        chosen = max(before, key=lambda f: f.start) if before else min(fuller, key=lambda f: f.start)
        d.canonical = chosen.canonical or text[chosen.start:chosen.end]
    return drafts


_ALIAS_NAME = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:al|el|ad|ar|as|ash|at|az|an|bin|ibn|bint|abu|of|de|du|la)[-\s])?"
                         r"[A-Z][\w’'-]*|-[A-Z][\w’'-]*)*")


def _with_aliases(text: str, body: str, drafts: list[_Draft], rules: EntityRules) -> list[_Draft]:
    """Another name of the same actor given beside it: 'the Nahra Movement, known in Arabic as
    Harakat al-Nahra' or 'the Nahra Movement (Harakat al-Nahra)', the bracketed form only when it
    shares a word with the name. The other name becomes a mention of the same actor."""
    for named in sorted(drafts, key=lambda d: d.start):
        if named.label not in ("ORG", "PERSON"):
            continue
        cue = rules.alias_cue.match(body, named.end)
        bracket = None if cue else re.compile(r"\s*\(\s*").match(body, named.end)
        opening = cue or bracket
        if opening is None:
            continue
        alias = _ALIAS_NAME.match(body, opening.end())
        if alias is None or "\n" in alias.group(0):
            continue
        name = text[named.start:named.end]
        if bracket is not None:
            closing = body[alias.end():alias.end() + 1]
            shared = set(re.findall(r"[a-z]{3,}", alias.group(0).lower())) & set(re.findall(r"[a-z]{3,}", name.lower()))
            if closing != ")" or not shared or alias.group(0).isupper():
                continue  # 'Kharsa (Beltara)' is a place and its country; 'X (ACR)' is _with_acronyms'
        start, end = alias.start(), alias.end()
        drafts = [d for d in drafts if not _overlaps(d, start, end)]
        drafts.append(_Draft(start, end, named.label, canonical=named.canonical or name))
    return drafts


# ------------------------------------------------------------------------------------------ Arabic script


def _arabic_mentions(document: Document, body: str, drafts: Sequence[_Draft],
                     rules: EntityRules) -> list[_Draft]:
    """Names written in Arabic script, matched to the Latin mentions of the adjacent paragraphs
    (the translation a bilingual article prints beside a quoted tweet) by consonant skeleton."""
    if not has_arabic(body):
        return []
    paragraphs = list(document.paragraphs())
    arabic = [i for i, p in enumerate(paragraphs) if has_arabic(body[p.start:p.end])]
    if not arabic:
        return []
    latin = [d for d in drafts if d.label != rules.account_label]
    found: list[_Draft] = []
    for i in arabic:
        para = paragraphs[i]
        near = [paragraphs[j] for j in (i - 1, i + 1) if 0 <= j < len(paragraphs) and j not in arabic]
        candidates = [d for d in latin if any(p.start <= d.start < p.end for p in near)] or latin
        forms: dict[str, tuple[str, _Draft]] = {}
        for d in candidates:
            name = document.text[d.start:d.end]
            skel = skeleton(name)
            if len(skel) >= rules.arabic_min_skeleton:
                forms.setdefault(name, (skel, d))
        if forms:
            found += _align(body, para, forms, rules)
    return found


def _align(body: str, para: Span, forms: dict[str, tuple[str, _Draft]], rules: EntityRules) -> list[_Draft]:
    words = list(ARABIC_WORD.finditer(body, para.start, para.end))
    runs: list[list[re.Match[str]]] = []
    for word in words:
        if runs and body[runs[-1][-1].end():word.start()].isspace():
            runs[-1].append(word)
        else:
            runs.append([word])
    scored: list[tuple[float, int, int, int, _Draft]] = []
    for run_words in runs:
        for n in range(1, rules.arabic_max_window + 1):
            for k in range(len(run_words) - n + 1):
                start, end = run_words[k].start(), run_words[k + n - 1].end()
                skel = skeleton(body[start:end])
                if len(skel) < rules.arabic_min_skeleton:
                    continue
                best = max(((fuzz.ratio(skel, s) / 100.0, d) for s, d in forms.values()), key=lambda x: x[0])
                if best[0] >= rules.arabic_min_score:
                    scored.append((best[0], n, start, end, best[1]))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
    chosen: list[_Draft] = []
    for _, _, start, end, source in scored:
        if any(_overlaps(c, start, end) for c in chosen):
            continue
        canonical = source.canonical or body[source.start:source.end]
        chosen.append(_Draft(start, end, source.label, canonical=canonical))
    return chosen
