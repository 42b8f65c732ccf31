"""Resolve: one entity per real actor across documents, with name variants merged.

Input: the corpus after the entities stage (mentions with roles and within-document full forms).
Output: `corpus.entities` (canonical name, type, aliases, roles, mentions, and the evidence and
score of every merge), then `pipeline.link` fills the entity ids of per-document records as each
document is read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from storylens.model import CorpusAnalysis, DocAnalysis, Entity, Mention, MentionRef, Span, stable_id
from storylens.names import acronym_of, has_arabic, initials, name_key, name_words, person_parts, similarity, skeleton

if TYPE_CHECKING:
    from storylens.pipeline import Context

# Calibrated on invented look-alikes in tests/stages/test_resolve.py (Haddad/Haddadi, Karimi/Kazemi)
# and the seed variants (Haniyeh/Haniya, Baradar/Barader, Marzouk/Marzook).
GIVEN_MIN = 0.75  # given names agree when their keys are at least this similar ('Mousa' ~ 'Musa')
SURNAME_FUZZY_MIN = 0.8  # surnames differing beyond the romanisation rules, same consonants
CONTEXT_MIN = 0.2  # Jaccard overlap of co-occurring actors needed to back a fuzzy surname merge


@dataclass(slots=True)
class _Group:
    """The mentions of one name in one document (short forms already joined to their full form)."""

    doc: str
    full: str
    key: str
    mentions: list[Mention] = field(default_factory=list)
    label: str = ""
    context: frozenset[str] = frozenset()
    roles: set[str] = field(default_factory=set)
    titled: dict[Span, str] = field(default_factory=dict)  # mention span -> name with its written titles


class _Merges:
    """Union-find over groups, keeping the evidence of each union."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.evidence: dict[int, list[str]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, why: str | None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        self.parent[rb] = ra
        notes = self.evidence.pop(rb, [])
        self.evidence.setdefault(ra, []).extend(notes)
        if why:
            self.evidence[ra].append(why)


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    from storylens.pipeline import link

    return link(replace(corpus, entities=resolve_entities(corpus.docs)))


def resolve_entities(docs: Iterable[DocAnalysis]) -> tuple[Entity, ...]:
    """The cross-document entities of the documents' mentions (see the module docstring), from
    one pass over `docs`: what is kept is the mentions, not the documents."""
    groups = _groups(docs)
    _vote_labels(groups)
    merges = _Merges(len(groups))
    _merge_same_names(groups, merges)
    _merge_acronyms(groups, merges)
    _merge_people(groups, merges)
    clusters: dict[int, list[int]] = {}
    for i in range(len(groups)):
        clusters.setdefault(merges.find(i), []).append(i)
    entities = [_entity([groups[i] for i in members], merges.evidence.get(root, []))
                for root, members in clusters.items()]
    entities.sort(key=lambda e: (-len(e.mentions), e.name, e.id))
    return tuple(entities)


# ------------------------------------------------------------------------------------------ groups


def _groups(docs: Iterable[DocAnalysis]) -> list[_Group]:
    """One pass over the documents; of a document's text only the titled forms of its mentions
    ('Mullah Baradar') are kept, not the text."""
    groups: list[_Group] = []
    for analysis in docs:
        local: dict[str, _Group] = {}
        for mention in analysis.mentions:
            full = mention.canonical or mention.text
            key = name_key(full)
            if not key:
                continue
            group = local.get(key)
            if group is None:
                group = local[key] = _Group(analysis.document.id, full, key)
            group.mentions.append(mention)
            if mention.role:
                group.roles.add(mention.role.lower())
                titled = _titled_form(mention, analysis.document.text)
                if titled:
                    group.titled[mention.span] = titled
        keys = frozenset(local)
        for group in local.values():
            group.context = keys - {group.key}
        groups.extend(local.values())
    return groups


def _vote_labels(groups: list[_Group]) -> None:
    """One label per name across the corpus: the majority of its mentions ('Hamas' is an ORG even
    where the NER once called it a person)."""
    votes: dict[str, Counter[str]] = {}
    for group in groups:
        votes.setdefault(group.key, Counter()).update(m.label for m in group.mentions)
    for group in groups:
        group.label = votes[group.key].most_common(1)[0][0]


def _merge_same_names(groups: list[_Group], merges: _Merges) -> None:
    """Groups of one label whose normalised names are equal (Haniyeh/Haniya, Marzouk/Marzook)."""
    first: dict[tuple[str, str], int] = {}
    for i, group in enumerate(groups):
        slot = (group.label, group.key)
        if slot in first:
            j = first[slot]
            other = groups[j]
            why = None
            if other.full != group.full:
                why = f"'{other.full}' ~ '{group.full}': same normalised name '{group.key}' (score 1.00)"
            merges.union(j, i, why)
        else:
            first[slot] = i


def _merge_acronyms(groups: list[_Group], merges: _Merges) -> None:
    """An acronym joins the organisation whose initials it spells (MEMRI, JNS, US): the first such
    name of its label, found by its (label, initials) key rather than by scanning every long name."""
    first_by_initials: dict[tuple[str, str], int] = {}
    for j, other in enumerate(groups):
        if len(other.full.split()) >= 2 and other.label != "PERSON":
            first_by_initials.setdefault((other.label, initials(other.full)), j)
    for i, group in enumerate(groups):
        letters = re.sub(r"[.\s]", "", group.full)
        if not (2 <= len(letters) <= 10 and letters.isupper() and letters.isalpha()):
            continue
        # acronym_of requires the name's initials to equal the letters, so the key misses no match.
        first = first_by_initials.get((group.label, letters))
        if first is not None and acronym_of(letters, groups[first].full):
            merges.union(first, i, f"'{groups[first].full}' ~ '{group.full}': acronym of its initials (score 0.95)")


def _merge_people(groups: list[_Group], merges: _Merges) -> None:
    """People: full names whose surnames and given names agree, then lone surnames joined to the
    one person who bears them (or the one sharing most context)."""
    people = [(i, g, *person_parts(g.full)) for i, g in enumerate(groups) if g.label == "PERSON"]
    full = [(i, g, given, surname) for i, g, given, surname in people if given]
    # Two full names merge only with equal surname keys or equal skeletons (the fuzzy rule below),
    # so only pairs sharing one of those keys are compared, in the order of a loop over all pairs.
    for n, m in _name_pairs([(surname, skeleton(g.full)) for _, g, _, surname in full]):
        i, a, given_a, surname_a = full[n]
        j, b, given_b, surname_b = full[m]
        if merges.find(i) == merges.find(j):
            continue
        given = _given_agreement(given_a, given_b)
        if given < GIVEN_MIN:
            continue
        if surname_a == surname_b:
            score = 0.6 + 0.4 * given
            merges.union(i, j, f"'{a.full}' ~ '{b.full}': same surname key '{surname_a}', "
                               f"given names agree {given:.2f} (score {score:.2f})")
            continue
        surname = similarity(surname_a, surname_b)
        if surname < SURNAME_FUZZY_MIN or skeleton(a.full) != skeleton(b.full):
            continue
        context = _context_overlap(a, b)
        if context >= CONTEXT_MIN or (a.roles & b.roles):
            score = 0.5 * surname + 0.25 * given + 0.25 * min(1.0, context + (0.5 if a.roles & b.roles else 0))
            merges.union(i, j, f"'{a.full}' ~ '{b.full}': surnames {surname:.2f} alike with the same "
                               f"consonants, shared context {context:.2f} (score {score:.2f})")
    full_by_surname: dict[str, list[tuple[int, _Group]]] = {}
    for j, g, _, surname_key in full:
        full_by_surname.setdefault(surname_key, []).append((j, g))
    for i, lone, lone_given, lone_surname in people:
        if lone_given:
            continue
        bearers: dict[int, list[_Group]] = {}
        for j, g in full_by_surname.get(lone_surname, []):
            bearers.setdefault(merges.find(j), []).append(g)
        if not bearers:
            continue
        if len(bearers) == 1:
            root = next(iter(bearers))
            merges.union(root, i, f"'{bearers[root][0].full}' ~ '{lone.full}': the one person with "
                                  f"surname key '{lone_surname}' (score 0.90)")
            continue
        ranked = sorted(((max(_context_overlap(lone, g) for g in members), root)
                         for root, members in bearers.items()), reverse=True)
        if ranked[0][0] > ranked[1][0]:
            overlap, root = ranked[0]
            score = 0.5 + overlap / 2
            merges.union(root, i, f"'{bearers[root][0].full}' ~ '{lone.full}': surname shared by "
                                  f"{len(bearers)} people, most shared context {overlap:.2f} (score {score:.2f})")


def _name_pairs(keys: list[tuple[str, str]]) -> Iterator[tuple[int, int]]:
    """The pairs (n, m), n < m, of items equal in at least one key position, ordered as a loop over
    all pairs would meet them: the unions, and so the evidence, come out as without blocking."""
    blocks: dict[tuple[int, str], list[int]] = {}
    for n, item in enumerate(keys):
        for position, key in enumerate(item):
            blocks.setdefault((position, key), []).append(n)
    for n, item in enumerate(keys):
        later = {m for position, key in enumerate(item) for m in blocks[(position, key)] if m > n}
        for m in sorted(later):
            yield n, m


def _given_agreement(a: list[str], b: list[str]) -> float:
    """How well the shorter list of given-name keys is found in the longer (1.0: all equal)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 1.0
    return sum(max(similarity(s, t) for t in long_) for s in short) / len(short)


def _context_overlap(a: _Group, b: _Group) -> float:
    if not a.context or not b.context:
        return 0.0
    return len(a.context & b.context) / len(a.context | b.context)


# ------------------------------------------------------------------------------------------ entities


def _entity(members: list[_Group], evidence: list[str]) -> Entity:
    mentions = [m for g in members for m in g.mentions]
    labels = Counter(g.label for g in members for _ in g.mentions)
    label = labels.most_common(1)[0][0]
    names = Counter(m.text for m in mentions if not has_arabic(m.text))
    if names:
        # The most complete form, then the most frequent, then the spelling of the last name that
        # the mentions use most ('Baradar' over 'Barader' when both full forms are equally common).
        last = Counter(w[-1] for m in mentions if (w := name_words(m.text)))
        canonical = max(names, key=lambda n: (len(name_words(n)), names[n], last[name_words(n)[-1]], -len(n), n))
    else:
        canonical = Counter(m.text for m in mentions).most_common(1)[0][0]
    aliases: Counter[str] = Counter()
    for g in members:
        for m in g.mentions:
            aliases[m.text] += 1
            if m.span in g.titled:
                aliases[g.titled[m.span]] += 1
    within = []
    for g in members:
        for text in sorted({m.text for m in g.mentions} - {g.full}):
            how = ("Arabic script aligned by transliteration" if has_arabic(text)
                   else "acronym" if acronym_of(text, g.full)
                   else "same normalised name" if name_key(text) == g.key else "short form")
            within.append(f"{g.doc}: '{text}' -> '{g.full}' within the document ({how})")
    roles = sorted({r for g in members for r in g.roles})
    return Entity(
        id=stable_id(label, canonical),
        name=canonical,
        type=label,
        aliases=tuple(a for a, _ in sorted(aliases.items(), key=lambda x: (-x[1], x[0]))),
        mentions=tuple(sorted((MentionRef(m.doc, m.span) for m in mentions), key=lambda r: (r.doc, r.span))),
        roles=tuple(roles),
        merges=tuple(within + evidence),
    )


_CAPITALISED_TITLE = re.compile(r"(?:[A-Z][\w.-]*\s+)+$")


def _titled_form(mention: Mention, text: str) -> str | None:
    """The name with the capitalised titles written right before it ('Mullah Baradar'), as seen."""
    if not mention.role or not text:
        return None
    before = text[max(0, mention.span.start - 60):mention.span.start]
    match = _CAPITALISED_TITLE.search(before)
    if not match or not mention.role.endswith(match.group(0).split()[-1]):
        return None
    return text[mention.span.start - len(match.group(0)):mention.span.end]
