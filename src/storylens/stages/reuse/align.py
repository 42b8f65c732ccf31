"""Aligned passages between two documents' bodies.

Runs of equal words (compared by their hashes) are found from n-word anchors and extended to their maximal length in any
order (so reordered paragraphs still align); runs that follow each other in both texts are joined
across small edits (a word-level edit distance, rapidfuzz). Input: the two `Tokens`; output:
`Alignment` with word ranges, turned into character spans by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein

from storylens.stages.reuse.params import ReuseParams
from storylens.stages.reuse.shingles import Tokens

# An anchor n-gram occurring more often than this in one document (a refrain, a list of names)
# is skipped: it cannot place a passage and would make the scan quadratic.
_MAX_ANCHOR_REPEATS = 32


@dataclass(frozen=True, slots=True)
class Run:
    """`length` equal words starting at word `a` of the first text and word `b` of the second."""

    a: int
    b: int
    length: int


@dataclass(frozen=True, slots=True)
class AlignedPassage:
    """Word ranges `[a_start, a_end)` and `[b_start, b_end)` and how many words in it are equal."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int


@dataclass(frozen=True, slots=True)
class Alignment:
    passages: tuple[AlignedPassage, ...]
    covered_a: int  # words of the first text inside reported passages (edits between runs included)
    covered_b: int  # distinct words of the second text inside them


def matching_runs(first: Tokens, second: Tokens) -> list[Run]:
    """Maximal runs of equal words, greedy left to right over `first` (each of its words in at
    most one run; a word of `second` may serve several, e.g. a quote repeated)."""
    shared = np.isin(first.anchors, second.anchors)
    if not shared.any():
        return []
    positions: dict[int, list[int]] = {}
    in_second = np.flatnonzero(np.isin(second.anchors, first.anchors[shared]))
    for j, anchor in zip(in_second.tolist(), second.anchors[in_second].tolist(), strict=True):
        positions.setdefault(anchor, []).append(j)
    words_a, words_b = first.hashes, second.hashes
    runs: list[Run] = []
    free = 0  # first word of `first` not yet in a run
    for i, anchor in zip(np.flatnonzero(shared).tolist(), first.anchors[shared].tolist(), strict=True):
        found = positions[anchor]
        if i < free or len(found) > _MAX_ANCHOR_REPEATS:
            continue
        best = Run(i, found[0], 0)
        for j in found:
            length = 0
            longest = min(len(words_a) - i, len(words_b) - j)
            while length < longest and words_a[i + length] == words_b[j + length]:
                length += 1
            if length > best.length:
                best = Run(i, j, length)
        runs.append(best)
        free = i + best.length
    return runs


def align(first: Tokens, second: Tokens, params: ReuseParams) -> Alignment:
    """The passages of at least `params.min_passage_words` aligned words."""
    runs = matching_runs(first, second)
    groups: list[list[Run]] = []
    for run in runs:  # ordered by position in the first text
        if groups and _joins(groups[-1][-1], run, first.hashes, second.hashes, params):
            groups[-1].append(run)
        else:
            groups.append([run])
    passages: list[AlignedPassage] = []
    covered_b: set[int] = set()
    covered_a = 0
    for group in groups:
        matched = sum(r.length for r in group)
        if matched < params.min_passage_words:
            continue
        head, tail = group[0], group[-1]
        passages.append(AlignedPassage(head.a, tail.a + tail.length, head.b, tail.b + tail.length, matched))
        covered_a += tail.a + tail.length - head.a
        covered_b.update(range(head.b, tail.b + tail.length))
    return Alignment(tuple(passages), covered_a, len(covered_b))


def _joins(previous: Run, run: Run, first: list[int], second: list[int], params: ReuseParams) -> bool:
    """True if `run` continues `previous` in both texts after a small edit."""
    gap_a = run.a - (previous.a + previous.length)
    gap_b = run.b - (previous.b + previous.length)
    if gap_a < 0 or gap_b < 0 or gap_a > params.max_gap_words or gap_b > params.max_gap_words:
        return False
    if gap_a == 0 and gap_b == 0:
        return True
    changed_a = first[previous.a + previous.length : run.a]
    changed_b = second[previous.b + previous.length : run.b]
    return Levenshtein.distance(changed_a, changed_b, score_cutoff=params.max_gap_edits) <= params.max_gap_edits
