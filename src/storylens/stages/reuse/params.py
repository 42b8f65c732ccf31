"""Settings of the reuse stage, validated on construction, and the LSH band/row derivation.

`ReuseParams` holds every tuned number of the stage with what it was calibrated on;
`optimal_bands_rows` derives the LSH bands and rows from a target Jaccard similarity.
"""

from __future__ import annotations

from dataclasses import dataclass


def _integrate(f: object, a: float, b: float, steps: int = 200) -> float:
    """Simpson's rule; the S-curve is smooth, so 200 steps are accurate to ~1e-8."""
    assert callable(f)
    if b <= a:
        return 0.0
    h = (b - a) / steps
    total = f(a) + f(b)
    for i in range(1, steps):
        total += (4 if i % 2 else 2) * f(a + i * h)
    return float(total * h / 3)


def false_positive_area(threshold: float, bands: int, rows: int) -> float:
    """Probability mass of pairs below `threshold` that still collide in some band."""
    return _integrate(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)


def false_negative_area(threshold: float, bands: int, rows: int) -> float:
    """Probability mass of pairs above `threshold` that collide in no band."""
    return _integrate(lambda s: (1 - s**rows) ** bands, threshold, 1.0)


def optimal_bands_rows(threshold: float, max_perm: int, fp_weight: float = 0.5,
                       fn_weight: float = 0.5) -> tuple[int, int]:
    """The (bands, rows) with bands*rows <= max_perm minimising the weighted error area.

    A pair of Jaccard similarity s becomes a candidate with probability 1-(1-s^r)^b (the
    S-curve). The false-positive area is that curve integrated below the threshold, the
    false-negative area its complement integrated above it; we pick the (b, r) with the least
    weighted sum, as datasketch's `_optimal_param` does. The signature then has b*r permutations
    (rensa's RMinHashLSH needs num_perm divisible by the bands).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if max_perm < 2:
        raise ValueError(f"max_perm must be at least 2, got {max_perm}")
    if fp_weight < 0 or fn_weight < 0 or fp_weight + fn_weight == 0:
        raise ValueError("weights must be non-negative and not both zero")
    best: tuple[float, int, int] | None = None
    for bands in range(1, max_perm + 1):
        for rows in range(1, max_perm // bands + 1):
            error = (fp_weight * false_positive_area(threshold, bands, rows)
                     + fn_weight * false_negative_area(threshold, bands, rows))
            # Ties go to more permutations: a longer signature estimates similarity better.
            if best is None or error < best[0] - 1e-12 or (abs(error - best[0]) <= 1e-12
                                                           and bands * rows > best[1] * best[2]):
                best = (error, bands, rows)
    assert best is not None
    return best[1], best[2]


@dataclass(frozen=True, slots=True)
class ReuseParams:
    """Every knob of the reuse stage. Defaults are what the seeds and the synthetic benchmark
    (benchmarks/reuse.py) were measured with; see docs/benchmarks.md."""

    # Target Jaccard similarity of 5-word shingle sets for document-level candidates. Planted
    # edited copies (3% word edits) sit near 0.7, paragraph-reordered and boilerplate-padded
    # copies above 0.75; 0.5 leaves room for heavier rewrites, and the passage index below
    # catches whatever shares less.
    threshold: float = 0.5
    # Upper bound on the signature length; the actual length is bands*rows from the derivation.
    max_perm: int = 128
    # Weights of false positives and false negatives in the band/row derivation. Recall is
    # worth more: a false candidate costs one alignment, a missed pair is lost.
    fp_weight: float = 0.3
    fn_weight: float = 0.7
    seed: int = 1
    # Words per shingle for the document signature.
    shingle_words: int = 5
    # Words per hashed n-gram of the passage index, and the winnowing window over them: any
    # shared run of window+ngram-1 = 15 words keeps at least one fingerprint in both documents.
    # A pair is aligned when two fingerprints are shared near each other (one shared 8-gram is
    # often a stock phrase): guaranteed for passages of 2*window+ngram-1 = 23 words.
    passage_words: int = 8
    winnow_window: int = 8
    # Fingerprints held by more documents than this are dropped from the passage index: stock
    # phrases and leftover boilerplate; a statement quoted by more outlets than this is still
    # found through the document signature only when the articles are near-duplicates.
    max_postings: int = 64
    # Alignment anchors: runs of at least this many equal words seed a passage.
    anchor_words: int = 4
    # Two runs join into one passage across a gap of at most this many words on each side whose
    # word-level edit distance is at most max_gap_edits (small edits, elisions '...').
    max_gap_words: int = 12
    max_gap_edits: int = 6
    # A passage is reported when it has at least this many aligned words. Calibrated on the
    # seeds (the shared statements are 38+ words; unrelated articles on the same story share at
    # most 6-word phrases) and the synthetic stock phrases (up to 10 words).
    min_passage_words: int = 15
    # Near-duplicate when both bodies are at least this much covered by the shared passages:
    # "most of both texts", more than half of each. The seeds' rewrite pair measures 0.69 and
    # 0.55 after clean; short demo articles that share only a pasted two-paragraph statement
    # measure 0.41 to 0.49 and are shared passages; a pasted excerpt covers under 0.3 of its source.
    near_duplicate_containment: float = 0.5
    # Subset evidence for direction: the copy is the side more contained in the other by at
    # least this margin (a reprint trims). The seeds' reprint pair, after clean, measures 0.69
    # vs 0.55; the planted synthetic edited copies (10% of paragraphs dropped) 0.95 vs 0.86.
    subset_margin: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")
        for name in ("max_perm", "shingle_words", "passage_words", "winnow_window", "max_postings",
                     "anchor_words", "min_passage_words"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_perm < 2:
            raise ValueError("max_perm must be at least 2")
        if self.max_gap_words < 0 or self.max_gap_edits < 0:
            raise ValueError("gap limits must be non-negative")
        if not 0.0 < self.near_duplicate_containment <= 1.0:
            raise ValueError("near_duplicate_containment must be in (0, 1]")
        if self.anchor_words > self.min_passage_words:
            raise ValueError("anchor_words must not exceed min_passage_words")

    @property
    def bands_rows(self) -> tuple[int, int]:
        return _bands_rows(self.threshold, self.max_perm, self.fp_weight, self.fn_weight)

    @property
    def num_perm(self) -> int:
        bands, rows = self.bands_rows
        return bands * rows


_DERIVED: dict[tuple[float, int, float, float], tuple[int, int]] = {}


def _bands_rows(threshold: float, max_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    # The search integrates ~max_perm*log(max_perm) curves: memoised, it runs once per setting.
    key = (threshold, max_perm, fp_weight, fn_weight)
    if key not in _DERIVED:
        _DERIVED[key] = optimal_bands_rows(threshold, max_perm, fp_weight, fn_weight)
    return _DERIVED[key]
