"""The same stages on Apache Spark: `storylens analyze --engine spark [--master local[2]]`.

Input files are spread over Spark partitions; each partition loads the models once and runs the
same pure stage functions (`pipeline.analyse_batch`) as the local engine, so results are the same
records. Text reuse runs as MinHash banding with a Spark join on band keys, then the same
verification and alignment as the local stage. The other cross-document steps run on the driver
over the stored records (see docs/scale.md for their blocking and limits). Results go into the
same SQLite store, and `write_parquet` writes them as Parquet tables.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storylens import api, codec
from storylens.config import Config
from storylens.errors import MissingDependency
from storylens.model import CorpusAnalysis, DocAnalysis, Document, Rejection
from storylens.pipeline import Context, CorpusFunction, Stage, analyse_batch, select
from storylens.stages import ingest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FileResult = tuple[ingest.Source | None, list[DocAnalysis], list[Rejection]]
# One Context per Python worker process and configuration: Spark reuses its Python workers
# (`spark.python.worker.reuse`), so the models load once per worker, not once per partition.
_WORKER_CONTEXTS: dict[str, Context] = {}
PARTITIONS_PER_CORE = 4


def _worker_context(config_json: str) -> Context:
    ctx = _WORKER_CONTEXTS.get(config_json)
    if ctx is None:
        _WORKER_CONTEXTS.clear()
        ctx = _WORKER_CONTEXTS[config_json] = Context(Config(**json.loads(config_json)))
    return ctx


def spark_session(master: str = "local[2]", app_name: str = "storylens") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (so they import storylens)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingDependency("the Spark engine needs the `spark` extra: pip install 'storylens[spark]'") from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise MissingDependency("the Spark engine needs Java 17 (apt-get install openjdk-17-jre-headless)")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "8")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.python.worker.reuse", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def _analyse_partition(items: Iterable[tuple[int, str]], stage_names: list[str], config_json: str,
                       known: set[str]) -> Iterator[tuple[int, str]]:
    """Runs on an executor: read each file, run the document stages in batches, yield JSON results.

    The models load once per worker process (`_worker_context`), whatever the partition count.
    """
    ctx = _worker_context(config_json)
    config = ctx.config
    stages = [s for s in select(stage_names) if s.scope == "document"]
    pending: list[tuple[int, ingest.Source, list[Document], list[Rejection]]] = []

    def flush() -> Iterator[tuple[int, str]]:
        documents = [d for _, _, docs, _ in pending for d in docs]
        analyses, failures = analyse_batch(documents, stages, ctx)
        ctx.forget_parses()
        by_doc = {a.document.id: a for a in analyses}
        failed = {f.path: f for f in failures}
        for index, source, docs, rejections in pending:
            done = [by_doc[d.id] for d in docs if d.id in by_doc]
            lost = [failed[d.path] for d in docs if d.path in failed]
            yield index, _dump(source, done, rejections + lost)
        pending.clear()

    for index, path in items:
        loaded = ingest.load_source(path, config.max_bytes)
        if isinstance(loaded, Rejection):
            yield index, _dump(None, [], [loaded])
            continue
        source, raw = loaded
        if source.sha256 in known:
            yield index, _dump(source, [], [])
            continue
        read = list(ingest.read_bytes(raw, path, source.sha256, config.max_bytes))
        pending.append((index, source, [d for d in read if isinstance(d, Document)],
                        [r for r in read if isinstance(r, Rejection)]))
        if sum(len(p[2]) for p in pending) >= config.batch_size:
            yield from flush()
    yield from flush()


def _dump(source: ingest.Source | None, analyses: list[DocAnalysis], rejections: list[Rejection]) -> str:
    return json.dumps({"source": codec.encode(source) if source else None,
                       "analyses": [codec.encode(a) for a in analyses],
                       "rejections": [codec.encode(r) for r in rejections]}, ensure_ascii=False)


def _load(text: str) -> FileResult:
    data = json.loads(text)
    source = ingest.Source(**data["source"]) if data["source"] else None
    return (source, [codec.decode(DocAnalysis, a) for a in data["analyses"]],
            [codec.decode(Rejection, r) for r in data["rejections"]])


class SparkEngine:
    """api.Engine on Spark: document stages in mapPartitions, reuse candidates by a band-key join."""

    def __init__(self, master: str = "local[2]", partitions: int | None = None) -> None:
        self.spark = spark_session(master)
        # Several partitions per core, so that a core whose partitions finish early takes another
        # instead of idling; the models load once per worker, not per partition.
        self.partitions = partitions or PARTITIONS_PER_CORE * max(2, self.spark.sparkContext.defaultParallelism)

    def analyse_files(self, files: Sequence[str], stages: Sequence[Stage], config: Config,
                      known: set[str]) -> Iterable[FileResult]:
        if not files:
            return
        names = [s.name for s in stages]
        config_json = json.dumps({f: getattr(config, f) for f in config.__slots__})
        sc = self.spark.sparkContext
        known_files = sc.broadcast(known)
        rdd = sc.parallelize(list(enumerate(files)), min(len(files), self.partitions))
        from pyspark import StorageLevel

        results = rdd.mapPartitions(
            lambda items: _analyse_partition(items, names, config_json, known_files.value))
        # Compute every partition in parallel (kept on the executors, spilling to disk), then
        # bring them back in input order one partition at a time, so the driver holds one
        # partition's results at most while it writes them to the store.
        results.persist(StorageLevel.MEMORY_AND_DISK)
        results.count()
        for _index, text in results.toLocalIterator():
            yield _load(text)
        results.unpersist()

    def corpus_functions(self) -> dict[str, CorpusFunction]:
        from storylens.scale.spark_reuse import reuse_on_spark

        def reuse(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
            return reuse_on_spark(corpus, ctx, self.spark)

        return {"reuse": reuse}

    def stop(self) -> None:
        self.spark.stop()


def analyze_on_spark(paths: Iterable[str | Path], db: str | Path | None = None, *,
                     stages: Iterable[str] | None = None, config: Config | None = None,
                     master: str = "local[2]", load_result: bool = True) -> api.Result:
    """`api.analyze` with the stages run on Spark; the same store, the same records."""
    engine = SparkEngine(master)
    try:
        return api.analyze(paths, db=db, stages=stages, config=config, engine=engine, load_result=load_result)
    finally:
        engine.stop()


def write_parquet(corpus: CorpusAnalysis, folder: str | Path) -> list[Path]:
    """The results as Parquet tables, one per OUTPUT.md section."""
    from storylens.export import write_tables

    return write_tables(corpus, folder, "parquet")


def equivalent(a: CorpusAnalysis, b: CorpusAnalysis) -> list[str]:
    """Differences between two analyses of the same inputs (empty when the engines agree)."""
    problems = []
    docs_a, docs_b = a.by_id(), b.by_id()
    if set(docs_a) != set(docs_b):
        problems.append(f"documents differ: {sorted(set(docs_a) ^ set(docs_b))[:5]}")
    for doc_id in sorted(set(docs_a) & set(docs_b)):
        if docs_a[doc_id] != docs_b[doc_id]:
            fields = [f for f in DocAnalysis.__slots__ if getattr(docs_a[doc_id], f) != getattr(docs_b[doc_id], f)]
            problems.append(f"document {doc_id} differs in {', '.join(fields)}")
    for field in ("reuse", "entities", "quote_groups", "event_groups", "stories"):
        if sorted(map(repr, getattr(a, field))) != sorted(map(repr, getattr(b, field))):
            problems.append(f"{field} differ")
    return problems
