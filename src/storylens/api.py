"""The Python API: what the CLI, the report and the viewer call.

    import storylens.api as sl
    result = sl.analyze(["articles/"], db="story.sqlite")
    result.corpus.quote_groups, result.summary.rejected

`analyze` reads the inputs, runs the document stages on what the store does not have yet, then the
corpus stages when the set of documents changed, and returns everything stored as records.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from storylens import __version__
from storylens.config import Config
from storylens.errors import StageError, StorylensError
from storylens.model import CorpusAnalysis, DocAnalysis, Document, Rejection
from storylens.pipeline import Context, CorpusFunction, Stage, analyse_batch, link, select
from storylens.stages import ingest
from storylens.store.db import Store

log = logging.getLogger("storylens")


@dataclass(slots=True)
class RunSummary:
    inputs: int = 0
    skipped_inputs: int = 0  # read in an earlier run with the same stages
    documents_added: int = 0
    documents_known: int = 0
    rejected: int = 0
    corpus_recomputed: bool = False
    seconds: float = 0.0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "partial" if self.rejected else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "skipped_inputs": self.skipped_inputs,
                "documents_added": self.documents_added, "documents_known": self.documents_known,
                "rejected": self.rejected, "corpus_recomputed": self.corpus_recomputed,
                "seconds": round(self.seconds, 2), "status": self.status}


@dataclass(frozen=True, slots=True)
class Result:
    corpus: CorpusAnalysis
    summary: RunSummary


Progress = Callable[[int, int], None]


def stages_key(stages: Sequence[Stage]) -> str:
    """What a stored document's records depend on: the document stages and the code version."""
    names = ",".join(s.name for s in stages if s.scope == "document")
    return f"{names}@{__version__}+{_rules_digest()}"


def _rules_digest() -> str:
    from importlib import resources

    digest = hashlib.sha256()
    for entry in sorted(resources.files("storylens.rules").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:8]


def analyze(paths: Iterable[str | Path], db: str | Path | None = None, *, stages: Iterable[str] | None = None,
            config: Config | None = None, progress: Progress | None = None, engine: Engine | None = None,
            load_result: bool = True) -> Result:
    """Analyse the inputs into the store `db` (in memory when None) and return all stored results.

    With `load_result=False` the returned corpus is empty (only the summary): a run that only
    fills a large store then never holds every record in memory at once.
    """
    config = config or Config()
    selected = select(stages)
    for stage in selected:  # fail before reading anything if a stage cannot load
        try:
            stage.function()
        except (ImportError, AttributeError) as exc:
            raise StageError(f"stage {stage.name} cannot load: {exc}") from exc
    store = Store(db or ":memory:")
    try:
        summary = _run(store, paths, selected, config, progress, engine)
        corpus = link(store.load_corpus()) if load_result else CorpusAnalysis()
        return Result(corpus, summary)
    finally:
        store.close()


def load(db: str | Path) -> CorpusAnalysis:
    """Everything a store holds, as records."""
    if not Path(db).exists():
        raise StorylensError(f"no store at {db}", "SL101")
    with Store(db) as store:
        return link(store.load_corpus())


class Engine(Protocol):
    """Where the document stages run: this process (the default) or a cluster (`scale.spark`).

    `analyse_files` yields, per input file, its source (None if unreadable), the analysed
    documents and the rejections; files whose hash is in `known` are yielded as (source, [], [])
    without being parsed. `corpus_functions` replaces corpus stages by name (e.g. reuse on Spark).
    """

    def analyse_files(self, files: Sequence[str], stages: Sequence[Stage], config: Config,
                      known: set[str]) -> Iterable[tuple[ingest.Source | None, list[DocAnalysis], list[Rejection]]]: ...

    def corpus_functions(self) -> dict[str, CorpusFunction]: ...


def _run(store: Store, paths: Iterable[str | Path], selected: Sequence[Stage], config: Config,
         progress: Progress | None, engine: Engine | None = None) -> RunSummary:
    started = time.monotonic()
    summary = RunSummary()
    key = stages_key(selected)
    ctx = Context(config, cache=store)
    doc_stages = [s for s in selected if s.scope == "document"]
    files, rejections = ingest.expand(paths)
    summary.inputs = len(files)
    run_id: int | None = None

    def ensure_run() -> int:
        nonlocal run_id
        if run_id is None:
            run_id = store.start_run()
        return run_id

    batch = _Batch(store, key, doc_stages, ctx, ensure_run, summary)
    batch.reject(rejections)
    if engine is None:
        for n, path in enumerate(files, 1):
            if progress:
                progress(n, len(files))
            loaded = ingest.load_source(path, config.max_bytes)
            if isinstance(loaded, Rejection):
                batch.reject([loaded])
                continue
            source, raw = loaded
            if store.has_source(source.sha256, key):
                summary.skipped_inputs += 1
            else:
                items = list(ingest.read_bytes(raw, path, source.sha256, config.max_bytes))
                batch.reject([item for item in items if isinstance(item, Rejection)])
                batch.add(source, [item for item in items if isinstance(item, Document)])
    else:
        known = store.known_sources(key)
        for engine_source, analyses, rejected in engine.analyse_files(files, doc_stages, config, known):
            batch.reject(rejected)
            if engine_source is not None and engine_source.sha256 in known:
                summary.skipped_inputs += 1
            elif engine_source is not None:
                batch.add(engine_source, analyses)
    batch.flush()

    corpus_stages = [s for s in selected if s.scope == "corpus"]
    fingerprint = _fingerprint(store.document_ids(), corpus_stages, key)
    if corpus_stages and store.corpus_fingerprint() != fingerprint:
        overrides = engine.corpus_functions() if engine is not None else {}
        # The stages read the documents from the store as they go, not all held at once.
        originals = store.stored_docs()
        corpus = CorpusAnalysis(docs=originals)
        for stage in corpus_stages:
            function: CorpusFunction = overrides.get(stage.name) or stage.function()
            corpus = function(corpus, ctx)
        ensure_run()
        store.write_corpus(corpus, fingerprint, originals)
        summary.corpus_recomputed = True
    summary.seconds = time.monotonic() - started
    if run_id is not None:
        store.finish_run(run_id, summary.status, summary.as_dict())
    return summary


def _fingerprint(doc_ids: list[str], stages: Sequence[Stage], key: str) -> str:
    digest = hashlib.sha256(key.encode())
    digest.update(",".join(s.name for s in stages).encode())
    for doc_id in doc_ids:
        digest.update(doc_id.encode())
    return digest.hexdigest()


class _Batch:
    """Documents waiting for their stages and their write; sources complete with their last document."""

    def __init__(self, store: Store, key: str, stages: Sequence[Stage], ctx: Context,
                 ensure_run: Callable[[], int], summary: RunSummary) -> None:
        self.store, self.key, self.stages, self.ctx = store, key, stages, ctx
        self.ensure_run, self.summary = ensure_run, summary
        self.documents: list[Document | DocAnalysis] = []
        self.sources: list[tuple[ingest.Source, list[str]]] = []
        self.rejections: list[Rejection] = []
        self.seen: set[str] = set()

    def reject(self, rejections: Iterable[Rejection]) -> None:
        for rejection in rejections:
            log.warning("rejected %s: %s %s", rejection.path, rejection.code, rejection.reason)
            self.rejections.append(rejection)
            self.summary.rejected += 1
            self.summary.rejections.append(rejection)

    def add(self, source: ingest.Source, documents: Sequence[Document | DocAnalysis]) -> None:
        """Documents to analyse, or already analysed by an engine, completing `source` when written."""
        fresh: list[Document | DocAnalysis] = []
        for item in documents:
            doc = item.document if isinstance(item, DocAnalysis) else item
            if doc.id in self.seen or self.store.document_stages(doc.id) == (self.key, __version__):
                self.summary.documents_known += 1
            else:
                fresh.append(item)
            self.seen.add(doc.id)
        self.documents.extend(fresh)
        self.sources.append((source, [d.document.id if isinstance(d, DocAnalysis) else d.id for d in documents]))
        if len(self.documents) >= self.ctx.config.batch_size:
            self.flush()

    def flush(self) -> None:
        # A rejection stored by an earlier run is not news: re-running writes nothing for it.
        self.rejections = [r for r in self.rejections if not self.store.has_rejection(r)]
        if not (self.documents or self.sources or self.rejections):
            return
        analyses = [d for d in self.documents if isinstance(d, DocAnalysis)]
        analyses += self._analyse([d for d in self.documents if isinstance(d, Document)])
        self.store.write_batch(analyses, self.key, sources=self.sources, rejections=self.rejections,
                               run_id=self.ensure_run())
        self.summary.documents_added += len(analyses)
        self.documents, self.sources, self.rejections = [], [], []
        self.ctx.forget_parses()

    def _analyse(self, documents: list[Document]) -> list[DocAnalysis]:
        analyses, failures = analyse_batch(documents, self.stages, self.ctx)
        self.reject(failures)
        return analyses


def search(db: str | Path, query: str, limit: int = 20) -> list[dict[str, Any]]:
    with Store(db) as store:
        return store.search(query, limit)


def tqdm_progress(quiet: bool) -> Progress | None:
    """A progress bar on stderr for long runs, or None when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()

    return update


def replace_document(analysis: DocAnalysis, **changes: Any) -> DocAnalysis:
    return replace(analysis, document=replace(analysis.document, **changes))
