"""Text reuse on Spark: MinHash banding and passage fingerprints joined on their keys, then the
same verification and alignment as the local stage (`stages.reuse.compare`).

No all-pairs step: a pair of documents is compared only when the two share a band key (all rows
of one band equal, the LSH condition) or a chain of passage fingerprints held by few documents,
exactly the candidates the local index finds.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from storylens import codec
from storylens.model import CorpusAnalysis, Document, Reuse
from storylens.pipeline import Context
from storylens.stages.reuse import compare
from storylens.stages.reuse.index import sketch_documents
from storylens.stages.reuse.params import ReuseParams
from storylens.stages.reuse.shingles import Tokens

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BandKey = tuple[str, int, int]  # ("b", band, hash of its rows) or ("f", 0, fingerprint)


def document_keys(documents: Iterable[tuple[str, str]],
                  params: ReuseParams) -> Iterator[tuple[BandKey, tuple[str, int]]]:
    """(key, (doc id, word position)) for every band of every signature and every fingerprint."""
    bands, rows = params.bands_rows
    batch: list[Document] = []

    def emit() -> Iterator[tuple[BandKey, tuple[str, int]]]:
        for document, sketch in zip(batch, sketch_documents(batch, params), strict=True):
            if len(sketch.fingerprints) == 0:
                continue  # too short to hold a reportable passage: the local index skips it too
            if sketch.minhash is not None:
                digest = sketch.minhash.digest()
                for band in range(bands):
                    yield ("b", band, hash(tuple(digest[band * rows:(band + 1) * rows]))), (document.id, 0)
            for fingerprint, position in zip(sketch.fingerprints.tolist(), sketch.positions.tolist(), strict=True):
                yield ("f", 0, int(fingerprint)), (document.id, int(position))
        batch.clear()

    for _doc_id, data in documents:
        batch.append(codec.decode(Document, json.loads(data)))
        if len(batch) >= 256:
            yield from emit()
    yield from emit()


def bucket_pairs(key: BandKey, members: Iterable[tuple[str, int]],
                 params: ReuseParams) -> Iterator[tuple[tuple[str, str], tuple[str, int, int]]]:
    """Pairs of documents in one bucket; fingerprint buckets held by too many documents are stock
    phrases and give none (the local index caps postings the same way)."""
    items = sorted(members)
    if key[0] == "f" and not 2 <= len(items) <= params.max_postings:
        return
    for i, (doc_a, place_a) in enumerate(items):
        for doc_b, place_b in items[i + 1:]:
            if doc_a != doc_b:
                yield (doc_a, doc_b), (key[0], place_a, place_b)


def passage_chain(places: Iterable[tuple[int, int]], params: ReuseParams) -> bool:
    """True when shared fingerprints form a chain long enough to be a passage (as the local index)."""
    ordered = sorted(places)
    reach = 3 * params.winnow_window
    chain = [ordered[0]] if ordered else []
    for previous, current in itertools.pairwise(ordered):
        if current[0] - previous[0] <= reach and abs(current[1] - previous[1]) <= reach:
            chain.append(current)
            continue
        if _long_enough(chain, params):
            return True
        chain = [current]
    return _long_enough(chain, params)


def _long_enough(chain: list[tuple[int, int]], params: ReuseParams) -> bool:
    return len(chain) >= 2 and chain[-1][0] - chain[0][0] + params.passage_words >= params.min_passage_words


def candidate_pair_ok(kinds: Iterable[tuple[str, int, int]], params: ReuseParams) -> bool:
    """A pair is a candidate when it shares a band, or a fingerprint chain."""
    places = []
    for kind, place_a, place_b in kinds:
        if kind == "b":
            return True
        places.append((place_a, place_b))
    return passage_chain(places, params)


def verify(pair: tuple[str, str], doc_a: str, doc_b: str, params: ReuseParams) -> str | None:
    first = codec.decode(Document, json.loads(doc_a))
    second = codec.decode(Document, json.loads(doc_b))
    found = compare(Tokens(first, params.anchor_words), Tokens(second, params.anchor_words), params)
    return json.dumps(codec.encode(found)) if found is not None else None


def reuse_on_spark(corpus: CorpusAnalysis, ctx: Context, spark: SparkSession,
                   params: ReuseParams | None = None) -> CorpusAnalysis:
    params = params or ReuseParams()
    sc = spark.sparkContext
    documents = [(a.document.id, json.dumps(codec.encode(a.document))) for a in corpus.docs]
    if len(documents) < 2:
        return replace(corpus, reuse=())
    slices = max(2, sc.defaultParallelism * 2)
    docs = sc.parallelize(documents, slices).cache()
    keyed = docs.mapPartitions(lambda items: document_keys(items, params))
    pairs = (keyed.groupByKey()
             .flatMap(lambda bucket: bucket_pairs(bucket[0], bucket[1], params))
             .groupByKey()
             .filter(lambda item: candidate_pair_ok(item[1], params))
             .keys())
    found = (pairs.map(lambda pair: (pair[0], pair))
             .join(docs).map(lambda item: (item[1][0][1], (item[1][0], item[1][1])))
             .join(docs).map(lambda item: verify(item[1][0][0], item[1][0][1], item[1][1], params))
             .filter(lambda record: record is not None)
             .collect())
    docs.unpersist()
    reuse = sorted((codec.decode(Reuse, json.loads(r)) for r in found if r is not None), key=lambda r: (r.a, r.b))
    return replace(corpus, reuse=tuple(reuse))
