"""The run as a whole: idempotent, incremental, resumable, and never stopped by bad input."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storylens import api
from storylens.faults import VALID_ARTICLE, write_bad_corpus
from storylens.model import CorpusAnalysis
from storylens.pipeline import Context, run_corpus_stages, select
from storylens.store.db import Store
from tests.conftest import Analysed

LIGHT = ["clean", "language"]  # document stages without spaCy: keeps these tests fast


def write_articles(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = folder / f"{i:04d}.txt"
        path.write_text(f"date 2024-03-{1 + i % 28:02d}\noutlet Outlet {i % 5}\n\n"
                        f"Report number {i} from the harbour of Velmora.\n\n{VALID_ARTICLE}", encoding="utf-8")
        paths.append(path)
    return paths


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = ("documents", "sources", "rejections", "runs", "corpus", "cache")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_second_run_writes_nothing(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 6)
    db = tmp_path / "s.sqlite"
    first = api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    assert first.summary.documents_added == 6
    before = table_counts(db)
    mtime_data = db.stat().st_mtime_ns
    second = api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    assert second.summary.documents_added == 0
    assert second.summary.skipped_inputs == 6
    assert table_counts(db) == before
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert len(second.corpus.docs) == 6
    assert db.stat().st_mtime_ns >= mtime_data


def test_new_files_are_added_incrementally(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 4)
    db = tmp_path / "s.sqlite"
    api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    write_articles(tmp_path / "in", 2, start=4)
    result = api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    assert (result.summary.skipped_inputs, result.summary.documents_added) == (4, 2)
    assert len(result.corpus.docs) == 6


def test_more_stages_later_reanalyses(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    db = tmp_path / "s.sqlite"
    api.analyze([tmp_path / "in"], db=db, stages=["clean"])
    result = api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    assert result.summary.documents_added == 2
    assert all(d.document.language == "en" for d in result.corpus.docs)


def test_bad_inputs_never_stop_a_run(tmp_path: Path) -> None:
    cases = write_bad_corpus(tmp_path / "bad", n=60)
    assert len(cases) >= 60
    db = tmp_path / "s.sqlite"
    write_articles(tmp_path / "bad", 3)
    result = api.analyze([tmp_path / "bad"], db=db, stages=LIGHT)
    rejected_files = {r.path.split("#")[0].rsplit("/", 1)[-1] for r in result.corpus.rejections}
    read_files = {d.document.path.split("#")[0].rsplit("/", 1)[-1] for d in result.corpus.docs}
    seen: set[bytes] = set()
    for case in cases:
        content = (tmp_path / "bad" / case.name).read_bytes()
        if content in seen:  # the same bytes again are skipped as already read, by design
            continue
        seen.add(content)
        kind, _, code = case.expect.partition(":")
        if kind == "reject":
            assert case.name in rejected_files, case
            if code:
                codes = {r.code for r in result.corpus.rejections if r.path.split("#")[0].endswith(case.name)}
                assert codes == {code}, (case, codes)
        elif kind == "document":
            assert case.name in read_files, case
        else:
            assert case.name in read_files and case.name in rejected_files, case
    assert all(r.code.startswith("SL") and r.reason for r in result.corpus.rejections)
    assert all(f"{i:04d}.txt" in read_files for i in range(3))
    with Store(db) as store:
        assert store.integrity_check() == "ok"


def test_rejections_do_not_lose_stored_documents(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    db = tmp_path / "s.sqlite"
    api.analyze([tmp_path / "in"], db=db, stages=LIGHT)
    write_bad_corpus(tmp_path / "bad", n=30)
    result = api.analyze([tmp_path / "in", tmp_path / "bad"], db=db, stages=LIGHT)
    assert {f"{i:04d}.txt" for i in range(3)} <= {Path(d.document.path).name for d in result.corpus.docs}
    assert result.summary.rejected > 0


@pytest.mark.slow
def test_kill_9_then_rerun_completes_exactly_once(tmp_path: Path) -> None:
    n = 400
    write_articles(tmp_path / "in", n)
    db = tmp_path / "s.sqlite"
    rng = random.Random(11)
    command = [sys.executable, "-m", "storylens.cli", "analyze", str(tmp_path / "in"), "--db", str(db),
               "--stages", ",".join(LIGHT), "--quiet"]
    for _ in range(5):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(rng.uniform(0.3, 2.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with Store(db) as store:
        assert store.integrity_check() == "ok"
    with sqlite3.connect(db) as conn:
        paths = [row[0] for row in conn.execute("SELECT path FROM documents")]
        fts = conn.execute("SELECT count(*) FROM documents_fts").fetchone()[0]
    assert sorted(Path(p).name for p in paths) == [f"{i:04d}.txt" for i in range(n)]
    assert fts == n
    clean = api.analyze([tmp_path / "in"], db=tmp_path / "clean.sqlite", stages=LIGHT)
    resumed = api.load(db)
    assert {d.document.id: d for d in resumed.docs} == {d.document.id: d for d in clean.corpus.docs}


ARTICLE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                       max_size=300)


@settings(max_examples=25, deadline=None)
@given(st.lists(ARTICLE_TEXT, min_size=1, max_size=4))
def test_analysing_twice_is_idempotent(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"{i}.txt").write_text(text, encoding="utf-8")
        db = Path(tmp) / "s.sqlite"
        first = api.analyze([folder], db=db, stages=LIGHT)
        second = api.analyze([folder], db=db, stages=LIGHT)
        assert second.summary.documents_added == 0
        assert second.corpus == first.corpus
        for analysis in first.corpus.docs:
            doc = analysis.document
            assert all(0 <= s.start < s.end <= len(doc.text) for s in doc.body_spans)
            assert all(r.span.slice(doc.text) for r in doc.removed)


def test_corpus_stages_read_a_store_backed_sequence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storylens.stages import reuse
    from storylens.store.db import StoredDocs

    handed: list[tuple[object, list[str]]] = []
    original = reuse.run

    def spy(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
        handed.append((corpus.docs, [d.document.id for d in corpus.docs]))
        return original(corpus, ctx)

    monkeypatch.setattr(reuse, "run", spy)
    write_articles(tmp_path / "in", 5)
    result = api.analyze([tmp_path / "in"], db=tmp_path / "s.sqlite", stages=[*LIGHT, "reuse"])
    ((docs, ids),) = handed
    assert isinstance(docs, StoredDocs) and not isinstance(docs, tuple)
    assert ids == sorted(d.document.id for d in result.corpus.docs) and len(ids) == 5
    # The five articles share their body: every pair is found through the lazily read documents.
    assert len(result.corpus.reuse) == 10


def test_resolve_hands_on_the_store_backed_documents_linked_lazily(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from storylens.model import DocAnalysis, MappedDocs
    from storylens.stages import resolve
    from storylens.store.db import StoredDocs

    handed: list[tuple[object, object, tuple[DocAnalysis, ...]]] = []
    original = resolve.run

    def spy(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
        linked = original(corpus, ctx)
        handed.append((linked.docs, getattr(linked.docs, "base", None), tuple(linked.docs)))
        return linked

    monkeypatch.setattr(resolve, "run", spy)
    write_articles(tmp_path / "in", 3)
    result = api.analyze([tmp_path / "in"], db=tmp_path / "s.sqlite", stages=[*LIGHT, "entities", "resolve"])
    ((docs, base, read),) = handed
    assert isinstance(docs, MappedDocs) and isinstance(base, StoredDocs)
    # The API reads the store back and links it into a tuple: the lazy view gave the same documents.
    assert isinstance(result.corpus.docs, tuple) and read == result.corpus.docs
    assert result.corpus.entities and any(m.entity for d in read for m in d.mentions)


def test_rerun_with_a_corpus_stage_writes_nothing(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 4)
    db = tmp_path / "s.sqlite"
    stages = [*LIGHT, "reuse"]
    first = api.analyze([tmp_path / "in"], db=db, stages=stages)
    before = table_counts(db)
    second = api.analyze([tmp_path / "in"], db=db, stages=stages)
    assert not second.summary.corpus_recomputed and table_counts(db) == before
    assert second.corpus == first.corpus
    write_articles(tmp_path / "in", 1, start=4)
    third = api.analyze([tmp_path / "in"], db=db, stages=stages)
    assert third.summary.corpus_recomputed and len(third.corpus.reuse) == 10


@pytest.mark.slow
def test_lazy_corpus_stages_give_what_a_tuple_gives(demo_analysis: Analysed, tmp_path: Path) -> None:
    """The demo corpus analysed through the API (corpus stages over the store, revisions written
    and read back) equals the corpus stages run over the same documents held in a tuple."""
    with Store(demo_analysis.db) as stored, Store(tmp_path / "copy.sqlite") as copy:
        stored.db.backup(copy.db)  # the copy's cache (signatures, embeddings) serves this run
        docs = tuple(copy.load_docs())
        stages = [s for s in select(None) if s.scope == "corpus"]
        in_memory = run_corpus_stages(CorpusAnalysis(docs=docs), stages, Context(cache=copy))
    lazy = demo_analysis.corpus
    assert isinstance(lazy.docs, tuple) and len(lazy.docs) == len(docs)
    assert tuple(in_memory.docs) == lazy.docs
    assert any(d.document.published_inferred for d in lazy.docs)  # the dates stage revised some
    for kind in ("reuse", "entities", "quote_groups", "event_groups", "stories"):
        assert getattr(in_memory, kind) == getattr(lazy, kind), kind
