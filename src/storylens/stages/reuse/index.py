"""Candidate pairs of documents that may share text, found without comparing all pairs.

Two indexes over the normalised body words: MinHash LSH (rensa) over 5-word shingles finds
documents similar as wholes; an exact index of winnowed 8-word fingerprints, with postings capped
by frequency, finds short shared passages inside otherwise different articles. Signatures and
fingerprints persist in the cache (namespaces "minhash" and "reuse-fingerprints", key doc id),
so a later run sketches only the new documents. Documents stream in; only sketches are kept.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from storylens.model import Document
from storylens.stages.reuse.params import ReuseParams
from storylens.stages.reuse.shingles import (
    Hashes,
    Positions,
    as_tokens,
    batch_ngrams,
    batch_winnow,
    body_segments,
    body_words,
    word_hashes,
)

if TYPE_CHECKING:
    from storylens.pipeline import Cache

SIGNATURES = "minhash"
FINGERPRINTS = "reuse-fingerprints"
_MAGIC = b"SLR1"
# Bump when body_words or the n-gram hashing changes: cached sketches then stop matching.
_NORMALISATION_VERSION = "words-lower-1"
# Documents sketched per rensa call; large enough to amortise numpy and rensa call overhead
# (measured flat above ~256 on the synthetic benchmark), small enough to stream.
BATCH = 512


@dataclass(slots=True)
class ReuseStats:
    """What a run did, for the run summary and the benchmark."""

    documents: int = 0
    too_short: int = 0
    signatures_computed: int = 0
    signatures_cached: int = 0
    lsh_candidates: int = 0
    passage_candidates: int = 0
    candidates: int = 0
    reported: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Sketch:
    """What the indexes keep of one document."""

    minhash: Any  # rensa.RMinHash, or None when the body has no full shingle
    fingerprints: Hashes
    positions: Positions  # word position of each fingerprint


def sketch_documents(documents: list[Document], params: ReuseParams) -> list[Sketch]:
    """MinHash signatures and passage fingerprints of a batch of documents (one rensa call)."""
    import rensa

    words = [body_words(document) for document in documents]
    lengths = [len(w) for w in words]
    hashes = word_hashes(list(itertools.chain.from_iterable(words)))
    shingle_sets = [as_tokens(g) for g in batch_ngrams(hashes, lengths, params.shingle_words)]
    fingerprints = batch_winnow(batch_ngrams(hashes, lengths, params.passage_words), params.winnow_window)
    minhashes = rensa.RMinHash.from_token_sets(shingle_sets, params.num_perm, params.seed)
    return [Sketch(m if shingles else None, *f) for m, shingles, f in zip(minhashes, shingle_sets, fingerprints,
                                                                       strict=True)]


class ReuseIndex:
    """Documents added in batches; `candidates()` gives the pairs worth aligning."""

    def __init__(self, params: ReuseParams | None = None, cache: Cache | None = None) -> None:
        import rensa

        self.params = params or ReuseParams()
        self.cache = cache
        self.stats = ReuseStats()
        bands, _ = self.params.bands_rows
        self._lsh = rensa.RMinHashLSH(self.params.threshold, self.params.num_perm, bands)
        self.ids: list[str] = []
        self._lsh_pairs: set[tuple[int, int]] = set()
        self._fp_chunks: list[Hashes] = []
        self._doc_chunks: list[Positions] = []
        self._position_chunks: list[Positions] = []
        self._params_digest = hashlib.blake2b(repr((
            self.params.num_perm, self.params.seed, self.params.shingle_words, self.params.passage_words,
            self.params.winnow_window, version("rensa"), _NORMALISATION_VERSION,
        )).encode(), digest_size=8).digest()

    def add(self, documents: Iterable[Document]) -> None:
        """Sketch (or load from the cache) and index documents, streaming in batches."""
        for batch in _batches(documents, BATCH):
            self._add_batch(batch)

    def _add_batch(self, batch: list[Document]) -> None:
        headers = [self._header(d) for d in batch] if self.cache is not None else [b""] * len(batch)
        sketches: list[Sketch | None] = [self._load(d, h) for d, h in zip(batch, headers, strict=True)]
        missing = [i for i, s in enumerate(sketches) if s is None]
        if missing:
            fresh = sketch_documents([batch[i] for i in missing], self.params)
            self.stats.signatures_computed += len(missing)
            for i, sketch in zip(missing, fresh, strict=True):
                sketches[i] = sketch
                self._store(batch[i], headers[i], sketch)
        self.stats.signatures_cached += len(batch) - len(missing)

        first_key = len(self.ids)
        self.ids.extend(d.id for d in batch)
        self.stats.documents += len(batch)
        pairs: list[tuple[int, Any]] = []
        fps: list[Hashes] = []
        owners: list[Positions] = []
        positions: list[Positions] = []
        for offset, maybe in enumerate(sketches):
            assert maybe is not None
            sketch = maybe
            key = first_key + offset
            if len(sketch.fingerprints) == 0:
                self.stats.too_short += 1
                continue
            if sketch.minhash is not None:
                pairs.append((key, sketch.minhash))
            fps.append(sketch.fingerprints)
            positions.append(sketch.positions)
            owners.append(np.full(len(sketch.fingerprints), key, dtype=np.uint32))
        if pairs:
            # Insert first, then query: pairs inside the batch are found too; each pair is kept
            # once, by its later document.
            self._lsh.insert_pairs(pairs)
            for (key, _), found in zip(pairs, self._lsh.query_all([m for _, m in pairs]), strict=True):
                self._lsh_pairs.update((other, key) for other in found if other < key)
        if fps:
            self._fp_chunks.append(np.concatenate(fps))
            self._doc_chunks.append(np.concatenate(owners))
            self._position_chunks.append(np.concatenate(positions))

    def _header(self, document: Document) -> bytes:
        body = hashlib.blake2b(digest_size=8)
        for span in body_segments(document):
            body.update(document.text[span.start : span.end].encode("utf-8", "surrogatepass"))
            body.update(b"\x1f")
        return _MAGIC + self._params_digest + body.digest()

    def _load(self, document: Document, header: bytes) -> Sketch | None:
        if self.cache is None:
            return None
        signature = self.cache.get(SIGNATURES, document.id)
        fingerprints = self.cache.get(FINGERPRINTS, document.id)
        if signature is None or fingerprints is None:
            return None
        if not (signature.startswith(header) and fingerprints.startswith(header)):
            return None
        import rensa

        state = signature[len(header) :]
        minhash = None
        if state:
            minhash = rensa.RMinHash(self.params.num_perm, self.params.seed)
            try:
                minhash.__setstate__(state)
            except Exception:  # a state from another rensa build: sketch again
                return None
        stored = fingerprints[len(header) :]
        count = len(stored) // 12  # a u64 hash and a u32 position per fingerprint
        return Sketch(minhash, np.frombuffer(stored[: 8 * count], dtype=np.uint64),
                      np.frombuffer(stored[8 * count :], dtype=np.uint32))

    def _store(self, document: Document, header: bytes, sketch: Sketch) -> None:
        if self.cache is None:
            return
        state = sketch.minhash.__getstate__() if sketch.minhash is not None else b""
        self.cache.put(SIGNATURES, document.id, header + state)
        self.cache.put(FINGERPRINTS, document.id, header + sketch.fingerprints.astype(np.uint64).tobytes()
                       + sketch.positions.astype(np.uint32).tobytes())

    def candidates(self) -> list[tuple[int, int]]:
        """Pairs (earlier key, later key) from either index, sorted."""
        passage_pairs = self._passage_pairs()
        self.stats.lsh_candidates = len(self._lsh_pairs)
        self.stats.passage_candidates = len(passage_pairs)
        found = sorted(self._lsh_pairs | passage_pairs)
        self.stats.candidates = len(found)
        return found

    def _passage_pairs(self) -> set[tuple[int, int]]:
        """Pairs sharing two fingerprints near each other in both documents (a passage, not two
        stock phrases far apart), among fingerprints held by at most `max_postings` documents."""
        if not self._fp_chunks:
            return set()
        # Memory is the limit at scale: merge the chunks, sort one array at a time, and keep
        # only the sorted arrays (as the single chunk), so the index is held once.
        hashes = np.concatenate(self._fp_chunks)
        self._fp_chunks.clear()
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        owners = np.concatenate(self._doc_chunks)[order]
        self._doc_chunks.clear()
        places = np.concatenate(self._position_chunks)[order]
        self._position_chunks.clear()
        del order
        self._fp_chunks.append(hashes)
        self._doc_chunks.append(owners)
        self._position_chunks.append(places)
        starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
        sizes = np.diff(np.concatenate((starts, [len(hashes)])))
        firsts: list[npt.NDArray[np.int64]] = []
        seconds: list[npt.NDArray[np.int64]] = []
        twos = starts[sizes == 2]  # most shared fingerprints join exactly two documents
        if len(twos):
            firsts.append(twos)
            seconds.append(twos + 1)
        crowded = (sizes > 2) & (sizes <= self.params.max_postings)
        for start, size in zip(starts[crowded].tolist(), sizes[crowded].tolist(), strict=True):
            left, right = np.triu_indices(size, k=1)
            firsts.append(left + start)
            seconds.append(right + start)
        if not firsts:
            return set()
        left, right = np.concatenate(firsts), np.concatenate(seconds)
        other = owners[left] != owners[right]  # a phrase repeated inside one document
        left, right = left[other], right[other]
        swap = owners[left] > owners[right]
        left, right = np.where(swap, right, left), np.where(swap, left, right)
        codes = (owners[left].astype(np.uint64) << np.uint64(32)) | owners[right].astype(np.uint64)
        place_a, place_b = places[left].astype(np.int64), places[right].astype(np.int64)
        order = np.lexsort((place_a, codes))
        codes, place_a, place_b = codes[order], place_a[order], place_b[order]
        # Fingerprints of one passage lie at most `winnow_window` words apart; edits inside it
        # drop some, so allow three windows. Chains of such fingerprints must stretch over a
        # reportable passage: a 9-word stock phrase gives two adjacent fingerprints, no more.
        reach = 3 * self.params.winnow_window
        linked = ((codes[1:] == codes[:-1]) & (place_a[1:] - place_a[:-1] <= reach)
                  & (np.abs(place_b[1:] - place_b[:-1]) <= reach))
        chain_starts = np.flatnonzero(np.concatenate(([True], ~linked)))
        extent = np.maximum.reduceat(place_a, chain_starts) - np.minimum.reduceat(place_a, chain_starts)
        wide = extent + self.params.passage_words >= self.params.min_passage_words
        kept = np.unique(codes[chain_starts[wide & (np.diff(np.append(chain_starts, len(codes))) >= 2)]])
        return {(int(code >> np.uint64(32)), int(code & np.uint64(0xFFFFFFFF))) for code in kept}


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
