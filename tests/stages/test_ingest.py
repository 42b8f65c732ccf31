"""Ingest: headers, encodings, JSONL layouts, WARC records and coded rejections."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from storylens.faults import _page, _warc
from storylens.model import Document, Rejection
from storylens.stages import ingest

ARTICLE = "The ferry to Orsk resumed on Monday.\n\n\u201cIt is a relief,\u201d said captain Mira Tolle.\n"


def read(path: Path) -> list[Document | Rejection]:
    loaded = ingest.load_source(str(path), 10_000_000)
    if isinstance(loaded, Rejection):
        return [loaded]
    source, raw = loaded
    return list(ingest.read_bytes(raw, str(path), source.sha256, 10_000_000))


@pytest.mark.parametrize(("header", "expected"), [
    ("date 2024-03-12\n\n", {"published": "2024-03-12"}),
    (" date 2021-08-17 Photo/Agency Name\n\n", {"published": "2021-08-17"}),
    ("date 2024-03-12\noutlet The Orsk Courier\nurl https://courier.example/a\ntitle Ferry resumes\n\n",
     {"published": "2024-03-12", "outlet": "The Orsk Courier", "url": "https://courier.example/a",
      "title": "Ferry resumes"}),
    ("Date: 2024-03-12\nSource: Orsk Wire\n\n", {"published": "2024-03-12", "outlet": "Orsk Wire"}),
    ("url https://www.courier.example/a\n\n", {"outlet": "courier.example"}),
    ("", {"published": None, "outlet": None}),
])
def test_text_header_becomes_metadata(tmp_path: Path, header: str, expected: dict[str, str | None]) -> None:
    path = tmp_path / "a.txt"
    path.write_text(header + ARTICLE, encoding="utf-8")
    (doc,) = read(path)
    assert isinstance(doc, Document)
    for key, value in expected.items():
        assert getattr(doc, key) == value
    assert doc.text == header + ARTICLE
    body = doc.body_spans[0].slice(doc.text)
    assert body == ARTICLE.strip()
    if header.strip():
        assert doc.removed[0].rule == "header"
        assert doc.removed[0].span.slice(doc.text) == header.strip()


@pytest.mark.parametrize("first_line", ["Date night returns to the harbour", "Source of the leak is unknown",
                                        "url shorteners are back in fashion"])
def test_article_first_lines_are_not_headers(tmp_path: Path, first_line: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text(first_line + "\n\n" + ARTICLE, encoding="utf-8")
    (doc,) = read(path)
    assert isinstance(doc, Document)
    assert doc.body_spans[0].start == 0
    assert doc.published is None


def test_ids_are_stable_and_independent_of_location(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    a, b = tmp_path / "a.txt", tmp_path / "x" / "b.txt"
    a.write_text(ARTICLE)
    b.write_text(ARTICLE)
    (doc_a,), (doc_b,) = read(a), read(b)
    assert isinstance(doc_a, Document) and isinstance(doc_b, Document)
    assert doc_a.id == doc_b.id


def test_jsonl_keeps_given_ids_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "rec-1", "headline": "Ferry", "body": ARTICLE, "date": "2024-03-12T08:00:00Z",
                    "source": {"name": "Orsk Wire"}}),
        "{broken",
        json.dumps({"id": "rec-3", "title": "No text", "author": "A. Writer"}),
    ]), encoding="utf-8")
    items = read(path)
    docs = [i for i in items if isinstance(i, Document)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    assert [d.id for d in docs] == ["rec-1"]
    assert docs[0].title == "Ferry" and docs[0].published == "2024-03-12" and docs[0].outlet == "Orsk Wire"
    assert docs[0].path.endswith("feed.jsonl#1")
    assert {(r.code, r.path.rsplit("#", 1)[1]) for r in rejections} == {("SL110", "2"), ("SL111", "3")}
    unknown = next(r for r in rejections if r.code == "SL111")
    assert "author" in unknown.reason and "title" in unknown.reason


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"text": ARTICLE}, 5]), encoding="utf-8")
    items = read(path)
    assert [type(i).__name__ for i in items] == ["Document", "Rejection"]


@pytest.mark.parametrize(("encoding", "text"), [
    ("utf-8", "Caf\u00e9 in S\u00e3o Tom\u00e9 said the owner. " * 10),
    ("latin-1", "Caf\u00e9 in S\u00e3o Tom\u00e9 said the owner. " * 10),
    ("cp1252", "\u201cWe stay,\u201d the owner said. " * 10),
    ("utf-16", "\u062d\u0645\u0627\u0633 said the statement. " * 10),
])
def test_encodings_are_detected(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "enc.txt"
    path.write_bytes(text.encode(encoding))
    (doc,) = read(path)
    assert isinstance(doc, Document)
    assert doc.text.strip() == text.strip()


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.txt", b"", "SL102"),
    ("nul.txt", b"a\x00b" * 10, "SL103"),
    ("image.txt", b"\x89PNG\r\n\x1a\nrest", "SL103"),
    ("doc.pdf", b"%PDF-1.4", "SL106"),
    ("doc.html", b"%PDF-1.4 disguised", "SL103"),
    ("notes.docx", b"plain words", "SL106"),
    ("t.txt.gz", gzip.compress(b"hello there")[:-6], "SL131"),
    ("w.warc.gz", b"not gzip at all", "SL131"),
])
def test_bad_inputs_are_coded(tmp_path: Path, name: str, content: bytes, code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    items = read(path)
    assert items and all(isinstance(i, Rejection) for i in items)
    assert items[0].code == code


def test_oversized_is_rejected_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2000)
    loaded = ingest.load_source(str(path), 1000)
    assert isinstance(loaded, Rejection) and loaded.code == "SL105"


def test_expand_walks_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("a.txt", "sub/b.html", "sub/c.jsonl", "notes.docx", ".hidden/d.txt"):
        (tmp_path / name).write_text("x")
    files, rejections = ingest.expand([tmp_path, str(tmp_path / "sub" / "*.html"), tmp_path / "missing.txt"])
    assert [Path(f).name for f in files] == ["a.txt", "notes.docx", "b.html", "c.jsonl"]
    assert [r.code for r in rejections] == ["SL101"]


def test_warc_response_records_become_documents(tmp_path: Path) -> None:
    page = _page("Ferry resumes", "The ferry to Orsk resumed on Monday after repairs to the hull were finished. "
                 * 3 + "\n\n\u201cIt is a relief,\u201d said captain Mira Tolle, who has sailed the route for years.")
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(_warc([("https://courier.example/ferry", page)]))
    (doc,) = read(path)
    assert isinstance(doc, Document), doc
    assert doc.url == "https://courier.example/ferry"
    assert doc.format == "warc"
    assert doc.path.endswith("#https://courier.example/ferry")
    assert "It is a relief" in "".join(s.slice(doc.text) for s in doc.body_spans)


def test_source_does_not_override_outlet(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("outlet The Orsk Courier\nsource Orsk Wire\n\n" + ARTICLE, encoding="utf-8")
    (doc,) = read(path)
    assert isinstance(doc, Document) and doc.outlet == "The Orsk Courier"


def test_jsonl_strings_may_hold_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    record = '{"id": "r1", "text": "First line\u2028second\u2029third. The ferry resumed."}'
    path.write_text(record + "\r\n" + record.replace("r1", "r2") + "\n", encoding="utf-8")
    items = read(path)
    assert [i.id for i in items if isinstance(i, Document)] == ["r1", "r2"]
