"""Ingest: paths, directories and globs in; Documents and Rejections out.

Text and Markdown files keep their text exactly as decoded (an optional header of `key value`
lines gives metadata); JSONL holds one article per line; HTML pages and WARC response records go
through `stages.html`. Every input that cannot become a document becomes a coded Rejection.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from storylens.errors import InputRejected
from storylens.model import DateRange, Document, Rejection, Removal, Span, document_id, strip_span

TEXT_SUFFIXES = (".txt", ".md", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES + WARC_SUFFIXES

# Leading bytes of formats that are never article text.
BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b",
                     b"BZh", b"\xfd7zXZ", b"SQLite format 3")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: what was read, so a re-run can skip it."""

    path: str
    sha256: str
    size: int


# ------------------------------------------------------------------------------------------ paths


def expand(paths: Iterable[str | Path]) -> tuple[list[str], list[Rejection]]:
    """Input files in a stable order: directories walked, globs expanded, duplicates dropped."""
    files: list[str] = []
    rejections: list[Rejection] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = str(Path(name).resolve())
        if key not in seen:
            seen.add(key)
            files.append(name)

    for raw in paths:
        name = str(raw)
        path = Path(name)
        if path.is_dir():
            # Unknown file types in a folder are read too, to be rejected (SL106) rather than ignored.
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if not any(part.startswith(".") for part in child.relative_to(path).parts):
                    add(str(child))
        elif path.is_file():
            add(name)
        elif glob.has_magic(name):
            matches = sorted(glob.glob(name, recursive=True))
            if not matches:
                rejections.append(Rejection(name, "SL101", "the pattern matches no file"))
            for match in matches:
                if Path(match).is_file():
                    add(match)
        else:
            rejections.append(Rejection(name, "SL101", "no such file or directory"))
    return files, rejections


# ------------------------------------------------------------------------------------------ decoding


def decode(raw: bytes) -> str:
    """Bytes to text: BOM first, then UTF-8, then charset detection; binary is rejected (SL103)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                          (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            try:
                # The UTF-8 BOM is kept as a character so offsets match the file as a reader decodes it.
                return raw.decode(encoding) if encoding == "utf-8" else raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputRejected(f"starts with a {encoding} byte-order mark but does not decode: {exc}",
                                    "SL104") from exc
    if raw.startswith(BINARY_SIGNATURES):
        raise InputRejected("binary file (its first bytes are a known binary format's signature)", "SL103")
    if b"\x00" in raw[:8192]:
        raise InputRejected("binary file (NUL bytes in the first 8 KB)", "SL103")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise InputRejected("the bytes fit no text encoding", "SL104")
    encoding = best.encoding
    if encoding.replace("_", "").startswith(LATIN_CODEPAGES):
        # Between single-byte Latin code pages the detector guesses on little evidence (a short
        # Portuguese text comes out as cp1250); news in these pages is overwhelmingly cp1252.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputRejected(f"detected as {best.encoding} but does not decode: {exc}", "SL104") from exc
    if _control_share(text) > 0.05:
        raise InputRejected(f"decodes as {best.encoding} only to control characters: binary?", "SL103")
    return text


LATIN_CODEPAGES = ("cp125", "iso8859", "latin", "windows125", "maclatin", "cp850")


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f\v")
    return controls / len(sample)


# ------------------------------------------------------------------------------------------ text articles

# Header lines at the very top of a text article: `date 2021-08-17 ...`, `url https://...`,
# `title ...`, `outlet ...`, `source ...` (or `Key: value`). The first other line ends the header.
HEADER_LINE = re.compile(r"^[ \t]*(?P<key>date|url|title|outlet|source|published)(?::[ \t]*|[ \t]+)"
                         r"(?P<value>\S.*?)[ \t]*$", re.IGNORECASE)
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?")


def parse_header(text: str) -> tuple[dict[str, str], int, str]:
    """Header fields, where the article starts, and the header's remainder after a date value.

    Only lowercase keys (or `Key:` with a colon) count, and `date` needs an ISO date, so an
    article whose first line starts with the word 'Date' or 'Source' is not taken for a header.
    """
    fields: dict[str, str] = {}
    position = 0
    extra = ""
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if not stripped.strip():
            if fields:
                position += len(line)
                continue
            break
        m = HEADER_LINE.match(stripped)
        if not m or (not m.group("key").islower() and ":" not in stripped):
            break
        key, value = m.group("key").lower(), m.group("value")
        if key in ("date", "published"):
            dm = ISO_DATE.match(value)
            if not dm:
                break
            fields["date"] = dm.group(1)
            extra = value[dm.end():].strip()
        elif key == "url":
            if not value.startswith(("http://", "https://")):
                break
            fields["url"] = value
        else:
            fields[key] = value
        position += len(line)
    # `source` names the outlet only when no `outlet` line does (it may name a wire copied from).
    source = fields.pop("source", None)
    if source and "outlet" not in fields:
        fields["outlet"] = source
    return fields, position, extra


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    host = host.removeprefix("www.").removeprefix("m.")
    return host or None


def text_document(text: str, *, path: str, source_sha256: str, fmt: str = "text",
                  metadata: dict[str, Any] | None = None, doc_id: str | None = None) -> Document:
    """A Document for plain article text; the header (if any) is metadata and recorded as removed."""
    if not text.strip():
        raise InputRejected("the article text is empty", "SL102")
    fields, body_start, extra = parse_header(text) if fmt == "text" else ({}, 0, "")
    meta = {k: v for k, v in (metadata or {}).items() if v}
    for key, value in fields.items():
        meta.setdefault("published" if key == "date" else key, value)
    removed: tuple[Removal, ...] = ()
    if body_start:
        header = strip_span(text, Span(0, body_start))
        if header is not None:
            removed = (Removal(header, "credit" if extra else "other", "header"),)
    body = strip_span(text, Span(body_start, len(text)))
    if body is None:
        raise InputRejected("the file has a header but no article text", "SL102")
    url = meta.get("url")
    outlet = meta.get("outlet") or outlet_from_url(url)
    title = meta.get("title")
    published = _iso_day(meta.get("published"))
    return Document(
        id=doc_id or document_id(text, outlet, url, title),
        path=path, text=text, format=fmt, outlet=outlet, url=url, title=title, published=published,
        published_source=("header" if fmt == "text" else "record") if published else None,
        body_spans=(body,), removed=removed, source_sha256=source_sha256,
    )


def _iso_day(value: Any) -> str | None:
    """An ISO date (day, month or year precision) from a metadata value, else None."""
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?![\d])", value)
    if not m:
        return None
    iso = m.group(1)
    parts = iso.split("-")
    if not 1000 <= int(parts[0]) <= 2999 or (len(parts) > 1 and not 1 <= int(parts[1]) <= 12) or (
            len(parts) > 2 and not 1 <= int(parts[2]) <= 31):
        return None
    return iso


# ------------------------------------------------------------------------------------------ JSONL

TEXT_FIELDS = ("text", "body", "content", "article", "maintext", "full_text", "articleBody")
HTML_FIELDS = ("html", "raw_html")
FIELD_ALIASES = {
    "title": ("title", "headline"),
    "url": ("url", "link", "source_url", "uri"),
    "published": ("published", "date", "published_at", "publish_date", "date_publish", "datetime", "pubdate"),
    "outlet": ("outlet", "source", "site", "site_name", "sitename", "publisher", "media", "domain"),
}


def json_records(text: str, path: str) -> Iterator[tuple[str, dict[str, Any] | Rejection]]:
    """(record label, record or rejection) for each line of JSONL, or each item of a JSON array."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield path, Rejection(path, "SL110", f"invalid JSON array: line {exc.lineno} column {exc.colno}: {exc.msg}")
            return
        for n, item in enumerate(items, 1):
            yield f"{path}#{n}", item if isinstance(item, dict) else Rejection(
                f"{path}#{n}", "SL111", f"item {n} is a {type(item).__name__}, not an object")
        return
    # Only "\n" ends a JSONL record: str.splitlines would also split inside a JSON string at
    # U+2028 or U+2029, which JSON allows unescaped.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        label = f"{path}#{n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield label, Rejection(label, "SL110", f"line {n}: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(item, dict):
            yield label, Rejection(label, "SL111", f"line {n} is a JSON {type(item).__name__}, not an object")
            continue
        yield label, item


def _field(record: dict[str, Any], names: Iterable[str]) -> Any:
    lowered = {k.lower(): v for k, v in record.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def _string(value: Any) -> str | None:
    if isinstance(value, dict):  # {"name": "..."} style outlet objects
        value = value.get("name") or value.get("title")
    return str(value).strip() or None if isinstance(value, (str, int, float)) else None


def documents_from_json(text: str, path: str, source_sha256: str) -> Iterator[Document | Rejection]:
    for label, record in json_records(text, path):
        if isinstance(record, Rejection):
            yield record
            continue
        try:
            yield document_from_record(record, label, source_sha256)
        except InputRejected as exc:
            yield Rejection(label, exc.code, str(exc.args[0]))


def document_from_record(record: dict[str, Any], label: str, source_sha256: str) -> Document:
    meta = {key: _string(_field(record, names)) for key, names in FIELD_ALIASES.items()}
    given_id = _string(record.get("id"))
    body = _field(record, TEXT_FIELDS)
    if isinstance(body, list):
        body = "\n\n".join(str(p) for p in body if isinstance(p, str))
    if isinstance(body, str) and body.strip():
        doc = text_document(body, path=label, source_sha256=source_sha256, fmt="jsonl",
                            metadata=meta, doc_id=given_id)
        return doc
    html = _field(record, HTML_FIELDS)
    if isinstance(html, str) and html.strip():
        from storylens.stages.html import document_from_html

        doc = document_from_html(html, path=label, url=meta["url"], published=_iso_day(meta["published"]),
                                 source_sha256=source_sha256)
        doc = replace(doc, format="jsonl", outlet=doc.outlet or meta["outlet"], title=doc.title or meta["title"])
        return replace(doc, id=given_id) if given_id else doc
    seen = ", ".join(sorted(record)[:20]) or "none"
    raise InputRejected(f"no article text: expected one of the fields {', '.join(TEXT_FIELDS + HTML_FIELDS)}; "
                        f"fields seen: {seen}", "SL111")


# ------------------------------------------------------------------------------------------ HTML and WARC


def html_document(raw_html: str, *, path: str, source_sha256: str, url: str | None = None,
                  fetched: str | None = None, fmt: str = "html") -> Document:
    from storylens.stages.html import document_from_html

    doc = document_from_html(raw_html, path=path, url=url, source_sha256=source_sha256)
    if doc.published is None and fetched:
        # A crawl date bounds the publication date from above; it is not the publication date.
        doc = replace(doc, published_inferred=DateRange(None, fetched, (f"fetched on {fetched} (WARC-Date)",)))
    return replace(doc, format=fmt)


def documents_from_warc(raw: bytes, path: str, source_sha256: str) -> Iterator[Document | Rejection]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    head = raw[:64]
    if raw.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[:4096], 64)
        except zlib.error as exc:
            yield Rejection(path, "SL131", f"broken gzip: {exc}")
            return
    if not head.lstrip().startswith(b"WARC/"):
        yield Rejection(path, "SL130", "not a WARC file: it does not start with a WARC/1.x record")
        return
    stream = io.BytesIO(raw)
    count = 0
    records = 0
    try:
        for record in ArchiveIterator(stream):
            records += 1
            if record.rec_type != "response":
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            label = f"{path}#{uri or count + 1}"
            count += 1
            content_type = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
            if "html" not in content_type.lower():
                continue
            payload = record.content_stream().read()
            fetched = _iso_day(record.rec_headers.get_header("WARC-Date") or "")
            try:
                text = decode(payload)
                yield html_document(text, path=label, source_sha256=hashlib.sha256(payload).hexdigest(),
                                    url=uri or None, fetched=fetched, fmt="warc")
            except InputRejected as exc:
                yield Rejection(label, exc.code, str(exc.args[0]))
    except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
        code = "SL131" if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)) else "SL130"
        yield Rejection(path, code, f"archive broken after {count} response record(s): {exc}")
        return
    if not records:
        yield Rejection(path, "SL130", "no WARC record found: not a WARC file")
    elif raw.startswith(b"\x1f\x8b") and not _gzip_complete(raw):
        # warcio reads what it can of a cut-off member without complaint; the cut is still news.
        yield Rejection(path, "SL131", f"archive truncated: the gzip stream ends early (after {count} record(s))")


def _gzip_complete(raw: bytes) -> bool:
    """True when every gzip member of `raw` is whole (inflated chunk by chunk, nothing kept)."""
    chunk = 1 << 20
    data = raw
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        i = 0
        try:
            while not inflater.eof and i < len(data):
                inflater.decompress(data[i:i + chunk])
                i += chunk
        except zlib.error:
            return False
        if not inflater.eof:
            return False
        data = inflater.unused_data + data[i:]
    return True


# ------------------------------------------------------------------------------------------ files


def load_source(path: str, max_bytes: int) -> tuple[Source, bytes] | Rejection:
    """The bytes of one input file and its hash, or why they cannot be read."""
    try:
        p = Path(path)
        size = p.stat().st_size
        if size > max_bytes:
            return Rejection(path, "SL105", f"{size:,} bytes is over the limit of {max_bytes:,}")
        raw = p.read_bytes()
    except FileNotFoundError:
        return Rejection(path, "SL101", "no such file")
    except OSError as exc:
        return Rejection(path, "SL107", f"cannot read: {exc.strerror or exc}")
    return Source(path, hashlib.sha256(raw).hexdigest(), len(raw)), raw


def read_bytes(raw: bytes, path: str, sha256: str, max_bytes: int) -> Iterator[Document | Rejection]:
    name = path.lower()
    if not raw.strip():
        yield Rejection(path, "SL102", "the file is empty")
        return
    try:
        if name.endswith(WARC_SUFFIXES):
            if name.endswith(".gz") and not raw.startswith(b"\x1f\x8b"):
                yield Rejection(path, "SL131", "named .gz but not gzip-compressed")
                return
            yield from documents_from_warc(raw, path, sha256)
            return
        if name.endswith(".gz"):
            raw = _gunzip(raw, max_bytes)
            name = name[:-3]
        if not name.endswith(SUFFIXES):
            yield Rejection(path, "SL106", f"unsupported file type {Path(name).suffix or '(none)'}")
            return
        text = decode(raw)
        if not text.strip():
            yield Rejection(path, "SL102", "the file has no text")
            return
        if name.endswith(JSON_SUFFIXES):
            yield from documents_from_json(text, path, sha256)
        elif name.endswith(HTML_SUFFIXES):
            yield html_document(text, path=path, source_sha256=sha256)
        else:
            yield text_document(text, path=path, source_sha256=sha256)
    except InputRejected as exc:
        yield Rejection(path, exc.code, str(exc.args[0]))
    except RecursionError:
        yield Rejection(path, "SL120", "markup nested too deeply to read")


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            data = f.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputRejected(f"broken gzip: {exc}", "SL131") from exc
    if len(data) > max_bytes:
        raise InputRejected(f"decompresses to over {max_bytes:,} bytes", "SL105")
    return data
