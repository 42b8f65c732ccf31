"""Synthetic news-like articles with planted copies, for benchmarks (no downloaded data).

`SyntheticCorpus(n, seed)` generates n articles from a pseudo-word vocabulary (Zipf-distributed,
with stock phrases and boilerplate lines as realistic noise) and plants copies of several kinds.
Every article is regenerated on demand from (seed, index), so a run can stream millions of
articles and reload any of them later without keeping texts in memory.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from storylens.model import Document, Span

COPY_KINDS = ("verbatim", "edited", "reordered", "boilerplate", "excerpt")
_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiou"


@dataclass(frozen=True, slots=True)
class Planted:
    """Document `copy` reuses text of document `source` (an original article)."""

    copy: str
    source: str
    kind: str


class SyntheticCorpus:
    """A deterministic corpus: the same (n, seed) always gives the same articles and plan."""

    def __init__(self, n: int, seed: int = 20240601, copy_rate: float = 0.05, words: int = 400,
                 vocabulary: int = 30_000) -> None:
        if n < 0 or not 0.0 <= copy_rate < 1.0 or words < 50 or vocabulary < 1000:
            raise ValueError("need n >= 0, 0 <= copy_rate < 1, words >= 50, vocabulary >= 1000")
        self.n, self.seed, self.words = n, seed, words
        rng = random.Random(seed)
        self.vocabulary = _vocabulary(rng, vocabulary)
        # Zipf's law over ranks, like word frequencies in news text.
        self._cumulative = list(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(vocabulary)))
        self._cumulative_array = np.array(self._cumulative)
        self._vocabulary_array = np.array(self.vocabulary, dtype=object)
        self.stock_phrases = [self._words(rng, rng.randint(3, 9)) for _ in range(400)]
        self.plan = self._plan(rng, copy_rate)

    def _plan(self, rng: random.Random, copy_rate: float) -> dict[int, tuple[int, str]]:
        """copy index -> (source index, kind); each source is an original used at most once, so
        the planted pairs are exactly the pairs that share text."""
        plan: dict[int, tuple[int, str]] = {}
        used: set[int] = set()
        for i in range(1, self.n):
            if rng.random() >= copy_rate:
                continue
            for _ in range(20):
                source = rng.randrange(max(0, i - 20_000), i)
                if source not in plan and source not in used:
                    plan[i] = (source, COPY_KINDS[len(plan) % len(COPY_KINDS)])
                    used.add(source)
                    break
        return plan

    def planted(self) -> list[Planted]:
        return [Planted(self.doc_id(copy), self.doc_id(source), kind)
                for copy, (source, kind) in sorted(self.plan.items())]

    @staticmethod
    def doc_id(index: int) -> str:
        return f"syn{index:08d}"

    def documents(self) -> Iterator[Document]:
        return (self.document(i) for i in range(self.n))

    def document(self, key: int | str) -> Document:
        index = int(key[3:]) if isinstance(key, str) else key
        planned = self.plan.get(index)
        paragraphs = self._paragraphs(index) if planned is None else self._copy(index, *planned)
        text = "\n\n".join(paragraphs) + "\n"
        published = (date(2020, 1, 1) + timedelta(days=index * 1500 // max(self.n, 1))).isoformat()
        return Document(id=self.doc_id(index), path=f"synthetic/{index}.txt", text=text,
                        outlet=f"Outlet {index % 997}", published=published,
                        body_spans=(Span(0, len(text)),))

    def _copy(self, index: int, source: int, kind: str) -> list[str]:
        original = self._paragraphs(source)
        rng = random.Random(f"{self.seed}:copy:{index}")
        if kind == "verbatim":
            return original
        if kind == "edited":
            return [self._edit(rng, p) for p in original if rng.random() > 0.1] or original
        if kind == "reordered":
            shuffled = original[:]
            while len(shuffled) > 1 and shuffled == original:
                rng.shuffle(shuffled)
            return shuffled
        if kind == "boilerplate":
            # Lines of the copying site's own (share buttons, newsletter, related links) that
            # cleaning kept: extra material on one side only.
            head = [self._line(rng) for _ in range(2)]
            tail = [self._line(rng) for _ in range(3)]
            return head + original + tail
        # excerpt: two consecutive paragraphs of the source pasted into an article of its own
        own = self._paragraphs(index)
        at = rng.randrange(len(original) - 1)
        where = rng.randrange(1, len(own))
        return own[:where] + original[at : at + 2] + own[where:]

    def _line(self, rng: random.Random) -> str:
        return " ".join(self._words(rng, rng.randint(4, 12))).capitalize() + "."

    def _edit(self, rng: random.Random, paragraph: str) -> str:
        """About 4% of the words replaced, dropped or doubled: a light copy-edit."""
        out: list[str] = []
        for word in paragraph.split(" "):
            roll = rng.random()
            if roll < 0.015:
                out.append(self._words(rng, 1)[0] + ("." if word.endswith(".") else ""))
            elif roll < 0.03 and not word.endswith("."):
                continue
            elif roll < 0.04:
                out += [word, self._words(rng, 1)[0]]
            else:
                out.append(word)
        return " ".join(out)

    def _paragraphs(self, index: int) -> list[str]:
        rng = random.Random(f"{self.seed}:doc:{index}")
        paragraphs: list[str] = []
        total = 0
        target = rng.randint(int(self.words * 0.8), int(self.words * 1.2))
        # All the words at once (numpy), then cut into sentences: 10x faster than per sentence.
        pool = self._draw(np.random.default_rng([self.seed, index]), target + 4 * 25)
        used = 0
        while total < target:
            sentences = []
            for _ in range(rng.randint(2, 4)):
                length = rng.randint(8, 25)
                words, used = pool[used : used + length], used + length
                if rng.random() < 0.3:  # a stock phrase: shared by many unrelated articles
                    at = rng.randrange(len(words))
                    words[at:at] = rng.choice(self.stock_phrases)
                total += len(words)
                sentences.append(" ".join(words).capitalize() + ".")
            paragraphs.append(" ".join(sentences))
        return paragraphs

    def _draw(self, generator: np.random.Generator, count: int) -> list[str]:
        ranks = np.searchsorted(self._cumulative_array, generator.random(count) * self._cumulative[-1])
        return list(self._vocabulary_array[np.minimum(ranks, len(self.vocabulary) - 1)].tolist())

    def _words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.vocabulary, cum_weights=self._cumulative, k=count)


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        syllables = rng.choices((1, 2, 3, 4), weights=(3, 5, 3, 1))[0]
        words["".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))] = None
    return list(words)
