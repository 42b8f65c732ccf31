"""The embedded SQLite store: numbered migrations, one writer, one transaction per batch.

Documents are written with their per-document records in the same transaction, and an input file
is marked as read only in the transaction of its last document, so a run killed at any point
leaves a consistent store that a re-run completes. Cross-document records are replaced as a whole,
in one transaction, only when the set of documents they were computed from has changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from storylens import __version__, codec
from storylens.errors import StoreError
from storylens.model import (
    CorpusAnalysis,
    DateRange,
    DocAnalysis,
    Entity,
    Event,
    EventGroup,
    LazyDocs,
    QuoteGroup,
    Rejection,
    Reuse,
    Story,
    TimeExpression,
)
from storylens.stages.ingest import Source

CORPUS_KINDS: dict[str, type] = {
    "reuse": Reuse, "entities": Entity, "quote_groups": QuoteGroup, "event_groups": EventGroup, "stories": Story,
}
RECORD_FIELDS = ("mentions", "quotes", "times", "events", "framing", "citations", "story_features")


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("storylens.store").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@dataclass(frozen=True, slots=True)
class StoreInfo:
    path: str
    schema_version: int
    documents: int
    rejections: int
    runs: int
    corpus: dict[str, int]
    outlets: dict[str, int]


class Store:
    """One open database. Only one Store writes to a file at a time (SQLite's lock enforces it).

    `Store(path)` opens for writing and applies pending migrations; `Store.read_only(path)` opens
    an existing store that nothing can write through (the viewer's).
    """

    def __init__(self, path: str | Path = ":memory:", *, connection: sqlite3.Connection | None = None) -> None:
        self.path = str(path)
        if connection is not None:
            self.db = connection
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    @classmethod
    def read_only(cls, path: str | Path, *, threads: bool = False) -> Store:
        """An existing store opened with SQLite's `mode=ro`; no migration runs.

        With `threads`, the connection may be used from other threads (callers serialise access).
        """
        target = Path(path).resolve()
        if not target.is_file():
            raise StoreError(f"no store at {path}", "SL101")
        uri = target.as_uri()
        try:
            connection = _connect_read_only(uri + "?mode=ro", threads)
        except sqlite3.OperationalError:
            # A WAL store in a folder we may not write cannot get its -shm file: read it as immutable.
            connection = _connect_read_only(uri + "?mode=ro&immutable=1", threads)
        store = cls(target, connection=connection)
        version, latest = store.schema_version, migrations()[-1][0]
        if version > latest:
            raise StoreError(f"{path} has schema version {version}; this storylens knows up to {latest}", "SL202")
        if version == 0:
            raise StoreError(f"{path} is not a storylens store (no schema)", "SL201")
        return store

    # -------------------------------------------------------------------------------- schema

    def _migrate(self) -> None:
        current = self.db.execute("PRAGMA user_version").fetchone()[0]
        known = migrations()
        latest = known[-1][0] if known else 0
        if current > latest:
            raise StoreError(f"{self.path} has schema version {current}; this storylens knows up to {latest}",
                             "SL202")
        for number, _name, sql in known:
            if number > current:
                with self.transaction():
                    # executescript would commit on its own; run the statements inside our transaction.
                    for statement in _statements(sql):
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------- runs

    def start_run(self) -> int:
        with self.transaction():
            cursor = self.db.execute("INSERT INTO runs(started, status) VALUES (?, 'running')", (_now(),))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
                            (_now(), status, json.dumps(summary), run_id))

    # -------------------------------------------------------------------------------- sources and documents

    def has_source(self, sha256: str, stages: str) -> bool:
        return self.db.execute("SELECT 1 FROM sources WHERE sha256 = ? AND stages = ?",
                               (sha256, stages)).fetchone() is not None

    def known_sources(self, stages: str) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT sha256 FROM sources WHERE stages = ?", (stages,))}

    def document_stages(self, doc_id: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT stages, version FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def write_batch(self, analyses: Sequence[DocAnalysis], stages: str, *,
                    sources: Iterable[tuple[Source, list[str]]] = (), rejections: Iterable[Rejection] = (),
                    run_id: int | None = None) -> None:
        """Documents, the sources they complete and rejections, in one transaction."""
        with self.transaction():
            for analysis in analyses:
                self._put_document(analysis, stages)
            for source, doc_ids in sources:
                self.db.execute(
                    "INSERT OR REPLACE INTO sources(sha256, stages, path, size, documents, run_id)"
                    " VALUES (?,?,?,?,?,?)",
                    (source.sha256, stages, source.path, source.size, json.dumps(doc_ids), run_id))
            for rejection in rejections:
                self.db.execute("INSERT OR IGNORE INTO rejections(path, code, reason, run_id) VALUES (?,?,?,?)",
                                (rejection.path, rejection.code, rejection.reason, run_id))

    def _put_document(self, analysis: DocAnalysis, stages: str) -> None:
        doc = analysis.document
        records = {name: codec.encode(getattr(analysis, name)) for name in RECORD_FIELDS}
        document = codec.encode(replace(doc, text=""))
        known = self.db.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone() is not None
        self.db.execute(
            "INSERT OR REPLACE INTO documents(id, path, format, outlet, url, title, published, language, text,"
            " source_sha256, stages, version, document, records) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc.id, doc.path, doc.format, doc.outlet, doc.url, doc.title, doc.published, doc.language, doc.text,
             doc.source_sha256, stages, __version__, json.dumps(document, ensure_ascii=False),
             json.dumps(records, ensure_ascii=False)))
        if known:
            # `id` is not indexed in the FTS table, so this scans it: only a document analysed
            # again (with other stages) has an old row to drop; new ones skip the scan.
            self.db.execute("DELETE FROM documents_fts WHERE id = ?", (doc.id,))
        body = "\n".join(span.slice(doc.text) for span in doc.body_spans)
        self.db.execute("INSERT INTO documents_fts(id, title, body) VALUES (?,?,?)", (doc.id, doc.title or "", body))

    def document_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM documents ORDER BY id")]

    def stored_docs(self) -> StoredDocs:
        """The stored documents, as the document stages left them, ordered by id, decoded when read."""
        return StoredDocs(self)

    def load_docs(self, ids: Iterable[str] | None = None) -> list[DocAnalysis]:
        if ids is None:
            rows = self.db.execute("SELECT text, document, records FROM documents ORDER BY id").fetchall()
        else:
            wanted = list(ids)
            rows = []
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                rows += self.db.execute(
                    f"SELECT text, document, records FROM documents WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall()
        return [_doc_analysis(text, document, records) for text, document, records in rows]

    def rejections(self) -> list[Rejection]:
        return [Rejection(*row) for row in self.db.execute("SELECT path, code, reason FROM rejections ORDER BY path")]

    def has_rejection(self, rejection: Rejection) -> bool:
        return self.db.execute("SELECT 1 FROM rejections WHERE path = ? AND code = ? AND reason = ?",
                               (rejection.path, rejection.code, rejection.reason)).fetchone() is not None

    def clear_rejection(self, path: str) -> None:
        """A file that now reads fine is no longer rejected."""
        with self.transaction():
            self.db.execute("DELETE FROM rejections WHERE path = ? OR path LIKE ?", (path, path + "#%"))

    # -------------------------------------------------------------------------------- corpus

    def corpus_fingerprint(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'corpus_fingerprint'").fetchone()
        return row[0] if row else None

    def write_corpus(self, corpus: CorpusAnalysis, fingerprint: str,
                     originals: Sequence[DocAnalysis] | None = None) -> None:
        """Replace the cross-document records; `originals` (the documents as the document stages
        left them, in the order of `corpus.docs`) limits the per-document revisions written to
        the documents that changed. Both are read as streams, one document of each at a time."""
        with self.transaction():
            self.db.execute("DELETE FROM corpus")
            for kind in CORPUS_KINDS:
                for n, record in enumerate(getattr(corpus, kind)):
                    # Reuse pairs have no id of their own: their documents and rank name them.
                    record_id = getattr(record, "id", None) or f"{record.a}|{record.b}|{n}"
                    self.db.execute("INSERT INTO corpus(kind, id, data) VALUES (?,?,?)",
                                    (kind, record_id, json.dumps(codec.encode(record), ensure_ascii=False)))
            if corpus.docs is originals:
                pass  # no corpus stage replaced a document: nothing to revise
            elif originals is None:
                for analysis in corpus.docs:
                    self._put_revision(analysis)
            else:
                for before, analysis in _paired(originals, corpus.docs):
                    if before is None or _revised(before, analysis):
                        self._put_revision(analysis)
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('corpus_fingerprint', ?)",
                            (fingerprint,))

    def _put_revision(self, analysis: DocAnalysis) -> None:
        # What corpus stages changed in a document (an inferred date and the times and events
        # read against it) is kept beside the document stages' own records.
        revision = {"published_inferred": codec.encode(analysis.document.published_inferred),
                    "times": codec.encode(analysis.times), "events": codec.encode(analysis.events)}
        self.db.execute("INSERT INTO corpus(kind, id, data) VALUES ('revision', ?, ?)",
                        (analysis.document.id, json.dumps(revision, ensure_ascii=False)))

    def load_corpus(self) -> CorpusAnalysis:
        """Everything stored, with the cross-document results applied to the documents."""
        docs = self.load_docs()
        lists: dict[str, list[Any]] = {kind: [] for kind in CORPUS_KINDS}
        revisions: dict[str, dict[str, Any]] = {}
        for kind, record_id, data in self.db.execute("SELECT kind, id, data FROM corpus ORDER BY kind, rowid"):
            if kind in CORPUS_KINDS:
                lists[kind].append(codec.decode(CORPUS_KINDS[kind], json.loads(data)))
            elif kind == "revision":
                revisions[record_id] = json.loads(data)
        docs = [_apply_revision(d, revisions[d.document.id]) if d.document.id in revisions else d for d in docs]
        return CorpusAnalysis(docs=tuple(docs), rejections=tuple(self.rejections()),
                              reuse=tuple(lists["reuse"]), entities=tuple(lists["entities"]),
                              quote_groups=tuple(lists["quote_groups"]), event_groups=tuple(lists["event_groups"]),
                              stories=tuple(lists["stories"]))

    # -------------------------------------------------------------------------------- cache (pipeline.Cache)

    def get(self, namespace: str, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM cache WHERE namespace = ? AND key = ?", (namespace, key)).fetchone()
        return bytes(row[0]) if row else None

    def put(self, namespace: str, key: str, value: bytes) -> None:
        # Outside an explicit transaction this commits on its own; inside one it joins it.
        self.db.execute("INSERT OR REPLACE INTO cache(namespace, key, value) VALUES (?,?,?)", (namespace, key, value))

    # -------------------------------------------------------------------------------- reading

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search over titles and body text (FTS5 syntax), best first."""
        try:
            rows = self.db.execute(
                "SELECT f.id, d.title, d.outlet, d.published, d.path,"
                " snippet(documents_fts, 2, '[', ']', ' … ', 12), bm25(documents_fts)"
                " FROM documents_fts f JOIN documents d ON d.id = f.id"
                " WHERE documents_fts MATCH ? ORDER BY bm25(documents_fts) LIMIT ?", (query, limit)).fetchall()
        except sqlite3.OperationalError:
            # Not valid FTS5 syntax: search for the words as a phrase instead.
            phrase = '"' + query.replace('"', '""') + '"'
            return self.search(phrase, limit) if query != phrase else []
        return [{"id": r[0], "title": r[1], "outlet": r[2], "published": r[3], "path": r[4], "snippet": r[5],
                 "score": round(-r[6], 3)} for r in rows]

    def info(self) -> StoreInfo:
        count = self.db.execute
        corpus = dict(count("SELECT kind, count(*) FROM corpus GROUP BY kind").fetchall())
        outlets = dict(count("SELECT coalesce(outlet, '(unknown)'), count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC"
                             ).fetchall())
        return StoreInfo(self.path, self.schema_version, count("SELECT count(*) FROM documents").fetchone()[0],
                         count("SELECT count(*) FROM rejections").fetchone()[0],
                         count("SELECT count(*) FROM runs").fetchone()[0], corpus, outlets)

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


class StoredDocs(LazyDocs):
    """The documents of a store as a read-only sequence: ids are read once (so `len` and
    indexing are cheap and the sequence does not change under a run), documents are decoded when
    read, and iteration fetches them `CHUNK` at a time. What the corpus stages get in a run with a
    store, so a stage that streams the documents holds one chunk of them, not the corpus."""

    CHUNK = 256  # documents decoded per query while iterating: fewer queries, still a small heap

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ids: list[str] = store.document_ids()

    def __len__(self) -> int:
        return len(self.ids)

    def _many(self, positions: Sequence[int]) -> list[DocAnalysis]:
        return self._load([self.ids[i] for i in positions])

    def __iter__(self) -> Iterator[DocAnalysis]:
        # Each chunk is one finished query: no statement stays open while a stage writes the cache.
        for start in range(0, len(self.ids), self.CHUNK):
            yield from self._load(self.ids[start:start + self.CHUNK])

    def _load(self, ids: list[str]) -> list[DocAnalysis]:
        found = {d.document.id: d for d in self.store.load_docs(ids)}
        missing = [doc_id for doc_id in ids if doc_id not in found]
        if missing:
            raise StoreError(f"{len(missing)} document(s) left the store during the run, e.g. {missing[0]}")
        return [found[doc_id] for doc_id in ids]


def _paired(originals: Sequence[DocAnalysis],
            docs: Iterable[DocAnalysis]) -> Iterator[tuple[DocAnalysis | None, DocAnalysis]]:
    """Each document with its original: corpus stages keep the order of the documents, so the
    two streams are walked side by side; a document out of step is looked up by position."""
    position: dict[str, int] | None = None
    stream = iter(originals)
    for analysis in docs:
        before = next(stream, None)
        doc_id = analysis.document.id
        if before is None or before.document.id != doc_id:
            if position is None:  # only a stage that reorders documents pays for this map
                position = {d.document.id: i for i, d in enumerate(originals)}
            before = originals[position[doc_id]] if doc_id in position else None
        yield before, analysis


def _revised(before: DocAnalysis, after: DocAnalysis) -> bool:
    """True when corpus stages changed the document's inferred date, times or event dates."""
    return (before.document.published_inferred != after.document.published_inferred
            or before.times != after.times
            or [(e.id, e.date) for e in before.events] != [(e.id, e.date) for e in after.events])


def _apply_revision(analysis: DocAnalysis, revision: dict[str, Any]) -> DocAnalysis:
    document = replace(analysis.document,
                       published_inferred=codec.decode(DateRange, revision["published_inferred"]))
    return replace(analysis, document=document, times=codec.decode(tuple[TimeExpression, ...], revision["times"]),
                   events=codec.decode(tuple[Event, ...], revision["events"]))


def _doc_analysis(text: str, document: str, records: str) -> DocAnalysis:
    fields = json.loads(document)
    fields["text"] = text
    return codec.decode(DocAnalysis, {"document": fields, **json.loads(records)})


def _connect_read_only(uri: str, threads: bool) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, check_same_thread=not threads)
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return connection


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (they hold no semicolons inside strings)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
