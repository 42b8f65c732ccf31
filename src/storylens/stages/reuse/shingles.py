"""Body words of a document, normalised, and the hashed word n-grams built from them.

Words are runs of letters and digits (`\\w+`), lower-cased, so case, quote marks, apostrophes,
dashes and whitespace never decide a match. `body_words` is the fast path (strings only) used to
sketch every document; `Tokens` holds the same words as hashes for aligning the few candidate
pairs and finds their character offsets on demand. Hashes are stable across runs (signatures
are cached).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from storylens.model import Document, Span

Hashes = npt.NDArray[np.uint64]
Positions = npt.NDArray[np.uint32]

WORD = re.compile(r"\w+")
_WORD_GROUP = re.compile(r"(\w+)")  # split() with a group keeps the words between the gaps
# Lower-casing the words joined by NUL is one C call instead of one per word; no word holds NUL.
_JOIN = "\x00"
_MULTIPLIER = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: odd, so the n-gram mix is a bijection per step
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser constants
_MIX_2 = np.uint64(0x94D049BB133111EB)


def body_segments(document: Document) -> tuple[Span, ...]:
    """The body spans; a document that never went through `clean` counts as all body."""
    return document.body_spans or (Span(0, len(document.text)),)


def body_words(document: Document) -> list[str]:
    """The normalised words of the body, in order."""
    raw: list[str] = []
    for span in body_segments(document):
        raw.extend(WORD.findall(document.text, span.start, span.end))
    return _lower(raw)


class Tokens:
    """A document's body words as stable hashes (for matching) with their anchor n-gram hashes;
    character offsets are computed only when a passage is reported (`span`)."""

    __slots__ = ("_ends", "_parts", "_starts", "anchors", "document", "hashes")

    def __init__(self, document: Document, anchor_words: int) -> None:
        self.document = document
        # One regex pass gives the words and the text between them (so their offsets later).
        self._parts: list[tuple[int, list[str]]] = []
        raw: list[str] = []
        for segment in body_segments(document):
            parts = _WORD_GROUP.split(document.text[segment.start : segment.end])
            self._parts.append((segment.start, parts))
            raw.extend(parts[1::2])
        hashes = word_hashes(_lower(raw))
        self.hashes: list[int] = hashes.tolist()
        self.anchors: Hashes = ngram_hashes(hashes, anchor_words)
        self._starts: npt.NDArray[np.int64] | None = None
        self._ends: npt.NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.hashes)

    def span(self, first: int, last: int) -> Span:
        """The characters from word `first` to word `last` (inclusive)."""
        if self._starts is None or self._ends is None:
            starts, ends = [], []
            for base, parts in self._parts:
                # parts alternate gap, word, gap, ...: running lengths give each word's bounds
                bounds = base + np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)))
                starts.append(bounds[0:-1:2])
                ends.append(bounds[1::2])
            self._starts = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
            self._ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
            assert len(self._starts) == len(self.hashes), "body_words and the word split disagree"
        return Span(int(self._starts[first]), int(self._ends[last]))


def _lower(raw: list[str]) -> list[str]:
    return _JOIN.join(raw).lower().split(_JOIN) if raw else []


def word_hashes(words: Sequence[str]) -> Hashes:
    """A stable 64-bit hash per word (rensa's token hash, the same in every process)."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    import rensa

    return np.array(rensa.RMinHash.hash_token_sets([words])[0], dtype=np.uint64)


def ngram_hashes(hashes: Hashes, n: int) -> Hashes:
    """One mixed 64-bit hash per run of `n` consecutive words (order-sensitive)."""
    count = len(hashes) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    grams = hashes[:count].copy()
    with np.errstate(over="ignore"):
        for offset in range(1, n):
            grams *= _MULTIPLIER
            grams += hashes[offset : offset + count]
        grams ^= grams >> np.uint64(30)
        grams *= _MIX_1
        grams ^= grams >> np.uint64(27)
        grams *= _MIX_2
        grams ^= grams >> np.uint64(31)
    return grams


def batch_ngrams(hashes: Hashes, lengths: Sequence[int], n: int) -> list[Hashes]:
    """Per-document n-gram hashes of a batch whose word hashes are concatenated in `hashes`:
    one vectorised pass, n-grams straddling two documents left out."""
    grams = ngram_hashes(hashes, n)
    out: list[Hashes] = []
    start = 0
    for length in lengths:
        out.append(grams[start : start + max(0, length - n + 1)])
        start += length
    return out


def winnow(grams: Hashes, window: int) -> tuple[Hashes, Positions]:
    """The winnowing fingerprints (Schleimer et al. 2003): the minimum of every `window`
    consecutive n-gram hashes, one per chosen position, with that word position. Two texts
    sharing a run of window+n-1 words share a fingerprint."""
    return batch_winnow([grams], window)[0]


def batch_winnow(grams: Sequence[Hashes], window: int) -> list[tuple[Hashes, Positions]]:
    """`winnow` of many documents in a few vectorised calls (per-call overhead dominates for
    article-sized inputs)."""
    result: list[tuple[Hashes, Positions]] = []
    long: list[int] = []
    for index, doc_grams in enumerate(grams):
        if len(doc_grams) > window:
            long.append(index)
        elif len(doc_grams):  # fewer n-grams than a window: the single minimum
            lowest = int(doc_grams.argmin())
            result.append((doc_grams[lowest : lowest + 1], np.array([lowest], dtype=np.uint32)))
            continue
        result.append((np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32)))
    if not long:
        return result
    parts = [grams[i] for i in long]
    flat = np.concatenate(parts)
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    counts = lengths - window + 1  # windows per document; none straddles two documents
    owners = np.repeat(np.arange(len(parts)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = np.repeat(offsets, counts) + within
    chosen = starts + _window_argmin(flat, window)[starts]
    # The chosen positions never decrease along a document and neighbouring windows mostly
    # choose the same one: keep each chosen position once.
    fresh = np.concatenate(([True], chosen[1:] != chosen[:-1]))
    chosen, owners = chosen[fresh], owners[fresh]
    values = flat[chosen]
    bounds = np.searchsorted(owners, np.arange(len(parts) + 1))
    for part, index in enumerate(long):
        low, high = bounds[part], bounds[part + 1]
        result[index] = (values[low:high], (chosen[low:high] - offsets[part]).astype(np.uint32))
    return result


def _window_argmin(values: Hashes, window: int) -> npt.NDArray[np.int64]:
    """For each window start, the offset of the leftmost minimum inside the window: 2*window
    whole-array passes, much faster than argmin over a strided window view."""
    count = len(values) - window + 1
    lowest = values[:count].copy()
    for offset in range(1, window):
        np.minimum(lowest, values[offset : offset + count], out=lowest)
    where = np.zeros(count, dtype=np.int64)
    for offset in range(window - 1, -1, -1):
        where[values[offset : offset + count] == lowest] = offset
    return where


def as_tokens(grams: Hashes) -> list[bytes]:
    """Shingle hashes as the byte tokens rensa takes (8 bytes each, trailing NULs dropped by
    numpy, which keeps distinct hashes distinct)."""
    return list(np.ascontiguousarray(grams).view("S8").tolist())
