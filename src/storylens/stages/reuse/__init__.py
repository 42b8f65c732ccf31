"""The reuse stage: for every pair of documents that share text, which passages, who copied whom.

Input: documents with their body spans (no spaCy parse needed). Output: `CorpusAnalysis.reuse`,
one `Reuse` per pair (a < b by id) with aligned passages, containments, kind and direction.
Candidates come from `index` (MinHash LSH + a passage fingerprint index), passages from `align`,
direction from `direction`; `independent_sources` counts sources once copies are collapsed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from storylens.model import CorpusAnalysis, Document, Passage, Reuse
from storylens.stages.reuse.align import align
from storylens.stages.reuse.direction import decide
from storylens.stages.reuse.index import ReuseIndex, ReuseStats
from storylens.stages.reuse.params import ReuseParams, optimal_bands_rows
from storylens.stages.reuse.shingles import Tokens
from storylens.stages.reuse.sources import NEAR_DUPLICATE, independent_sources

if TYPE_CHECKING:
    from storylens.pipeline import Cache, Context

__all__ = ["ReuseIndex", "ReuseParams", "ReuseStats", "compare", "find_reuse", "independent_sources",
           "optimal_bands_rows", "run", "update_directions"]

SHARED_PASSAGES = "shared-passages"
# Documents whose tokens stay in memory while candidate pairs are aligned; pairs are visited in
# key order, so a document's pairs are mostly adjacent and a small cache suffices.
_TOKEN_CACHE = 256


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    """The pipeline entry: reuse pairs between all documents of the corpus.

    The documents are streamed once into the index; those of candidate pairs are read again by
    position, so with a store-backed `corpus.docs` only the sketches stay in memory.
    """
    docs = corpus.docs
    position: dict[str, int] = {}

    def documents() -> Iterator[Document]:
        for i, analysis in enumerate(docs):
            position[analysis.document.id] = i
            yield analysis.document

    reuse, stats = find_reuse(documents(), load=lambda doc_id: docs[position[doc_id]].document, cache=ctx.cache)
    extra = dict(corpus.extra)
    extra["reuse"] = stats.as_dict()
    return replace(corpus, reuse=reuse, extra=extra)


def update_directions(corpus: CorpusAnalysis, params: ReuseParams | None = None) -> CorpusAnalysis:
    """The reuse pairs with direction and evidence decided again from the documents as they are
    now: the `dates` stage runs after `reuse` and may infer publication dates it lacked."""
    params = params or ReuseParams()
    # Only the documents of a pair are kept (one pass over `corpus.docs`), not the whole corpus.
    paired = {pair.a for pair in corpus.reuse} | {pair.b for pair in corpus.reuse}
    documents = {analysis.document.id: analysis.document for analysis in corpus.docs
                 if analysis.document.id in paired}
    updated = []
    for pair in corpus.reuse:
        if pair.a in documents and pair.b in documents:
            direction, evidence = decide(documents[pair.a], documents[pair.b], pair.kind, pair.containment_a,
                                         pair.containment_b, params)
            pair = replace(pair, direction=direction, evidence=evidence)
        updated.append(pair)
    return replace(corpus, reuse=tuple(updated))


def find_reuse(documents: Iterable[Document], load: Callable[[str], Document] | None = None,
               cache: Cache | None = None, params: ReuseParams | None = None) -> tuple[tuple[Reuse, ...], ReuseStats]:
    """Reuse pairs among `documents`, ordered by (a, b).

    `documents` is consumed once, as a stream. With `load` (doc id -> Document) only the sketches
    are kept and the documents of candidate pairs are loaded again to align them; without it the
    documents are kept in memory.
    """
    params = params or ReuseParams()
    index = ReuseIndex(params, cache)
    if load is None:
        kept: dict[str, Document] = {}

        def remember(stream: Iterable[Document]) -> Iterable[Document]:
            for document in stream:
                kept[document.id] = document
                yield document

        index.add(remember(documents))
        load = kept.__getitem__
    else:
        index.add(documents)

    tokens: OrderedDict[str, Tokens] = OrderedDict()

    def tokenised(doc_id: str) -> Tokens:
        if doc_id in tokens:
            tokens.move_to_end(doc_id)
            return tokens[doc_id]
        assert load is not None
        tokens[doc_id] = Tokens(load(doc_id), params.anchor_words)
        if len(tokens) > _TOKEN_CACHE:
            tokens.popitem(last=False)
        return tokens[doc_id]

    found: list[Reuse] = []
    for first, second in index.candidates():
        pair = compare(tokenised(index.ids[first]), tokenised(index.ids[second]), params)
        if pair is not None:
            found.append(pair)
    index.stats.reported = len(found)
    found.sort(key=lambda r: (r.a, r.b))
    return tuple(found), index.stats


def compare(tokens_x: Tokens, tokens_y: Tokens, params: ReuseParams | None = None) -> Reuse | None:
    """The reuse record of two tokenised documents, or None when they share no passage long enough."""
    params = params or ReuseParams()
    if tokens_y.document.id < tokens_x.document.id:
        tokens_x, tokens_y = tokens_y, tokens_x
    doc_x, doc_y = tokens_x.document, tokens_y.document
    alignment = align(tokens_x, tokens_y, params)
    if not alignment.passages or not len(tokens_x) or not len(tokens_y):
        return None
    passages = tuple(sorted(
        (Passage(tokens_x.span(p.a_start, p.a_end - 1), tokens_y.span(p.b_start, p.b_end - 1))
         for p in alignment.passages), key=lambda p: (p.a, p.b)))
    containment_a = alignment.covered_a / len(tokens_x)
    containment_b = alignment.covered_b / len(tokens_y)
    # similarity: the Jaccard index of the two bodies' words, with the passages as intersection.
    shared = (alignment.covered_a + alignment.covered_b) / 2
    similarity = shared / (len(tokens_x) + len(tokens_y) - shared)
    near = min(containment_a, containment_b) >= params.near_duplicate_containment
    kind = NEAR_DUPLICATE if near else SHARED_PASSAGES
    direction, evidence = decide(doc_x, doc_y, kind, containment_a, containment_b, params)
    return Reuse(a=doc_x.id, b=doc_y.id, kind=kind, similarity=round(similarity, 4), direction=direction,
                 passages=passages, containment_a=round(containment_a, 4), containment_b=round(containment_b, 4),
                 evidence=evidence)
