"""The store: migrations, batches, the cache, corpus records and views."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from storylens.errors import StoreError
from storylens.model import (
    CorpusAnalysis,
    DateRange,
    DocAnalysis,
    Document,
    Quote,
    Reuse,
    Span,
    Speaker,
)
from storylens.stages.ingest import Source
from storylens.store.db import Store, migrations

TEXT = "The pier reopened. \u201cFinally,\u201d said Ilse Marrow."


def analysis(doc_id: str = "d1") -> DocAnalysis:
    doc = Document(id=doc_id, path=f"{doc_id}.txt", text=TEXT, outlet="Courier", body_spans=(Span(0, len(TEXT)),))
    quote = Quote(f"{doc_id}-q", doc_id, Span(20, 28), "Finally,", Speaker("Ilse Marrow", Span(35, 46)), "said",
                  "explicit")
    return DocAnalysis(doc, quotes=(quote,))


def test_migrations_are_numbered_and_applied(tmp_path: Path) -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    with Store(tmp_path / "s.sqlite") as store:
        assert store.schema_version == numbers[-1]
    with Store(tmp_path / "s.sqlite") as store:  # reopening applies nothing twice
        assert store.schema_version == numbers[-1]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "SL202"


def test_batch_round_trip_and_views(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.write_batch([analysis()], "clean@x", sources=[(Source("d1.txt", "abc", 10), ["d1"])])
        assert store.has_source("abc", "clean@x") and not store.has_source("abc", "other")
        (loaded,) = store.load_docs()
        assert loaded == analysis()
        row = store.db.execute("SELECT text, speaker, start, \"end\" FROM quotes").fetchone()
        assert row == ("Finally,", "Ilse Marrow", 20, 28)
        assert store.search("pier")[0]["id"] == "d1"


def test_corpus_records_replace_each_other(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.write_batch([analysis("d1"), analysis("d2")], "k")
        docs = tuple(store.load_docs())
        reuse = Reuse("d1", "d2", "near-duplicate", 1.0, "unknown", ())
        inferred = DateRange("2024-03-01", "2024-03-05", ("a copy",))
        dated = (docs[0], replace(docs[1], document=replace(docs[1].document, published_inferred=inferred)))
        originals = store.stored_docs()
        store.write_corpus(CorpusAnalysis(docs=dated, reuse=(reuse,)), "fp1", originals)
        # A stage that reorders the documents still has each compared with its own original.
        store.write_corpus(CorpusAnalysis(docs=dated[::-1], reuse=(reuse,)), "fp2", originals)
        revised = store.db.execute("SELECT id FROM corpus WHERE kind = 'revision'").fetchall()
        assert revised == [("d2",)]  # only the document a corpus stage changed
        corpus = store.load_corpus()
        assert corpus.reuse == (reuse,)
        assert corpus.by_id()["d2"].document.published_inferred == inferred
        assert store.load_docs() == list(docs)  # the document stages' own records are untouched
        assert store.corpus_fingerprint() == "fp2"


def test_cache_round_trip() -> None:
    with Store() as store:
        assert store.get("ns", "k") is None
        store.put("ns", "k", b"\x00\x01")
        assert store.get("ns", "k") == b"\x00\x01"


def test_failed_batch_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        broken = analysis("d9")
        with pytest.raises(sqlite3.Error), store.transaction():
            store.db.execute("INSERT INTO documents(id) VALUES ('half')")
        store.write_batch([broken], "k")
        assert store.document_ids() == ["d9"]


def test_read_only_store_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.write_batch([analysis()], "k")
    with Store.read_only(path) as reader:
        assert reader.document_ids() == ["d1"]
        with pytest.raises(sqlite3.OperationalError):
            reader.db.execute("DELETE FROM documents")
    with pytest.raises(StoreError):
        Store.read_only(tmp_path / "missing.sqlite")


def test_stored_docs_read_lazily_in_id_order(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.write_batch([analysis(f"d{n}") for n in (3, 1, 2)], "k")
        stored = store.stored_docs()
        assert len(stored) == 3 and stored.ids == ["d1", "d2", "d3"]
        assert stored[1] == analysis("d2") and stored[-1] == analysis("d3")
        assert [d.document.id for d in stored[0:2]] == ["d1", "d2"]
        stored.CHUNK = 2  # iteration crosses a chunk boundary
        assert list(stored) == store.load_docs()
        # Documents added later are not part of a sequence made before.
        store.write_batch([analysis("d4")], "k")
        assert len(stored) == 3 and len(store.stored_docs()) == 4


def test_unchanged_docs_write_no_revisions(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.write_batch([analysis("d1"), analysis("d2")], "k")
        stored = store.stored_docs()
        store.write_corpus(CorpusAnalysis(docs=stored), "fp", stored)
        assert store.db.execute("SELECT count(*) FROM corpus WHERE kind = 'revision'").fetchone() == (0,)
