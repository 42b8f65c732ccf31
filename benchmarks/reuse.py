"""Benchmark of the reuse stage on synthetic articles with planted copies (not a test).

    .venv/bin/python benchmarks/reuse.py [--n 100000] [--sizes 1000,10000] [--seed 20240601]

Prints one table: time and peak memory of the stage core (`find_reuse`, streaming, documents
reloaded by id for alignment) and of the floor (the same shingles -> rensa signatures -> LSH
insert and query, nothing else), recall and precision on the planted pairs, at each size. Each
measurement runs in a fresh process so that peak RSS belongs to it (peak minus the RSS before the
first document); the time spent generating synthetic articles is measured and left out of both.
CPU seconds are shown beside wall seconds because a shared machine makes wall time noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storylens.model import Document
from storylens.stages.reuse import ReuseParams, find_reuse
from storylens.stages.reuse.index import BATCH
from storylens.stages.reuse.shingles import as_tokens, batch_ngrams, body_words, word_hashes
from synthetic import SyntheticCorpus


class Timed:
    """Wraps the synthetic generator so its time can be left out of the measurement."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def stream(self, documents: Iterator[Document]) -> Iterator[Document]:
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            document = next(documents, None)
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu
            if document is None:
                return
            yield document

    def wrap(self, load: Callable[[str], Document]) -> Callable[[str], Document]:
        def timed_load(doc_id: str) -> Document:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return load(doc_id)
            finally:
                self.seconds += time.perf_counter() - started
                self.cpu_seconds += time.process_time() - cpu
        return timed_load


def floor(documents: Iterable[Document], params: ReuseParams) -> int:
    """The least a MinHash-LSH pass can do: same words and shingles, rensa signatures, LSH
    insert and query. Returns the number of candidate pairs."""
    import rensa

    bands, _ = params.bands_rows
    lsh = rensa.RMinHashLSH(params.threshold, params.num_perm, bands)
    pairs = 0
    key = 0
    iterator = iter(documents)
    while batch := list(itertools.islice(iterator, BATCH)):
        words = [body_words(d) for d in batch]
        hashes = word_hashes(list(itertools.chain.from_iterable(words)))
        shingles = [as_tokens(g) for g in batch_ngrams(hashes, [len(w) for w in words], params.shingle_words)]
        minhashes = rensa.RMinHash.from_token_sets(shingles, params.num_perm, params.seed)
        keyed = list(zip(range(key, key + len(batch)), minhashes, strict=True))
        lsh.insert_pairs(keyed)
        for (own, _), found in zip(keyed, lsh.query_all(minhashes), strict=True):
            pairs += sum(1 for other in found if other < own)
        key += len(batch)
    return pairs


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, n: int, seed: int) -> dict[str, Any]:
    """One measurement in this process: mode 'stage' or 'floor'."""
    params = ReuseParams()
    _ = params.bands_rows  # derive before timing: it is done once per setting
    corpus = SyntheticCorpus(n, seed)
    baseline = _rss_mb()
    timer = Timed()
    started, cpu = time.perf_counter(), time.process_time()
    result: dict[str, Any] = {"mode": mode, "n": n}
    if mode == "stage":
        reuse, stats = find_reuse(timer.stream(corpus.documents()), load=timer.wrap(corpus.document), params=params)
    else:
        candidates = floor(timer.stream(corpus.documents()), params)
    result["seconds"] = time.perf_counter() - started - timer.seconds
    result["cpu_seconds"] = time.process_time() - cpu - timer.cpu_seconds
    result["peak_mb"] = _max_rss_mb() - baseline
    if mode == "stage":
        planted = corpus.planted()
        truth = {frozenset((p.copy, p.source)): p.kind for p in planted}
        copies = {p.copy for p in planted}
        found = {frozenset((r.a, r.b)): r for r in reuse}
        hits = [pair for pair in found if pair in truth]
        by_kind = {kind: sum(1 for pair, k in truth.items() if k == kind and pair in found) /
                   max(1, sum(1 for k in truth.values() if k == kind)) for kind in sorted(set(truth.values()))}
        # A copy is published after its source: the right direction says the copy copied.
        right = sum(1 for pair in hits if _copied(found[pair]) in copies)
        result.update(planted=len(truth), reported=len(found), recall=len(hits) / max(1, len(truth)),
                      precision=len(hits) / max(1, len(found)), recall_by_kind=by_kind,
                      direction_accuracy=right / max(1, len(hits)), stats=stats.as_dict())
    else:
        result["candidates"] = candidates
    result["generation_seconds"] = timer.seconds
    return result


def _copied(pair: Any) -> str | None:
    return {"a<-b": pair.a, "a->b": pair.b}.get(pair.direction)


def _child(mode: str, n: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--n", str(n), "--seed", str(seed)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles in the main run (default 100000)")
    parser.add_argument("--sizes", default="1000,10000", help="smaller sizes for the memory scaling rows")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--child", choices=("stage", "floor"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.n, args.seed)))
        return 0
    sizes = sorted({s for s in (int(x) for x in args.sizes.split(",") if x) if s < args.n} | {args.n})
    params = ReuseParams()
    bands, rows = params.bands_rows
    print(f"reuse benchmark: synthetic articles ~400 words, 5% planted copies, seed {args.seed}; "
          f"LSH threshold {params.threshold}, {bands} bands x {rows} rows = {params.num_perm} permutations")
    print()
    print("| docs | stage s | floor s | stage/floor | stage CPU s | floor CPU s | CPU stage/floor | stage peak MB "
          "| floor peak MB | planted | reported | recall | precision | direction ok | candidates aligned |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows_out = []
    for n in sizes:
        stage, base = _child("stage", n, args.seed), _child("floor", n, args.seed)
        rows_out.append((stage, base))
        print(f"| {n:,} | {stage['seconds']:.1f} | {base['seconds']:.1f} | {stage['seconds'] / base['seconds']:.2f} "
              f"| {stage['cpu_seconds']:.1f} | {base['cpu_seconds']:.1f} "
              f"| {stage['cpu_seconds'] / base['cpu_seconds']:.2f} | {stage['peak_mb']:.0f} | {base['peak_mb']:.0f} "
              f"| {stage['planted']} | {stage['reported']} "
              f"| {stage['recall']:.4f} | {stage['precision']:.4f} | {stage['direction_accuracy']:.3f} "
              f"| {stage['stats']['candidates']} |", flush=True)
    stage, _ = rows_out[-1]
    print()
    print("recall by kind at the largest size: "
          + ", ".join(f"{kind} {value:.4f}" for kind, value in stage["recall_by_kind"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
