"""Generators of broken and hostile inputs, for the fault tests and the fault benchmark.

`write_bad_corpus(folder, n)` writes at least `n` files that storylens must reject with a code or
read safely (binary, empty, wrong encodings, NUL bytes, broken HTML, truncated gzip and WARC,
invalid JSONL lines among valid ones, absurd dates, deeply nested markup), plus valid neighbours
that must still be analysed. It returns what each file is expected to give.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

VALID_ARTICLE = (
    "The harbour council of Velmora voted on Tuesday to reopen the northern pier, ending a closure "
    "that lasted most of the winter.\n\n"
    "\u201cWe listened to the fishermen,\u201d council chair Ilse Marrow said after the vote.\n\n"
    "Repairs will be paid from the regional fund, the council said in a statement.\n"
)


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # file name under the folder
    expect: str  # "reject:SLxxx", "reject" (any code), "document" (read fine), "mixed" (some of both)


def _article(rng: random.Random, n: int) -> str:
    words = ("council", "harbour", "vote", "pier", "minister", "statement", "reporters", "Velmora", "fund",
             "week", "talks", "delegation", "agreement", "said", "the", "a", "of", "on", "in", "and")
    body = " ".join(rng.choice(words) for _ in range(n))
    return f"Case {n}: {body}.\n\n{VALID_ARTICLE}"


def _warc(records: list[tuple[str, str]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for uri, html in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(html.encode("utf-8")),
                                           http_headers=headers,
                                           warc_headers_dict={"WARC-Date": "2024-03-12T10:00:00Z"})
        writer.write_record(record)
    return out.getvalue()


def _page(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p.strip())
    return (f"<!doctype html><html><head><title>{title}</title></head><body><nav>Home | World</nav>"
            f"<article><h1>{title}</h1>{paragraphs}</article><footer>Contact us</footer></body></html>")


def cases(rng: random.Random) -> list[tuple[Case, Callable[[], bytes]]]:
    """One round of every kind of bad input, with a valid neighbour or two."""
    def fresh() -> str:  # every case its own text: equal texts are one document by design
        return _article(rng, rng.randint(20, 400))

    page = _page("Pier reopens", fresh())
    nested = "<div>" * 5000 + "deep" + "</div>" * 5000
    return [
        (Case("empty.txt", "reject:SL102"), lambda: b""),
        (Case("blank.txt", "reject:SL102"), lambda: b" \n\t\n  "),
        (Case("nul.txt", "reject:SL103"), lambda: b"Council\x00 vote\x00" * 50),
        (Case("png.txt", "reject:SL103"), lambda: b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(500))),
        (Case("random.bin.txt", "reject"), lambda: bytes(rng.randrange(256) for _ in range(2000))),
        (Case("pdf.html", "reject:SL103"), lambda: b"%PDF-1.7\n" + b"x" * 100),
        (Case("latin1.txt", "document"), lambda: ("Caf\u00e9 owners in S\u00e3o Tom\u00e9 said prices rose. "
                                                  * 20).encode("latin-1")),
        (Case("cp1252.txt", "document"), lambda: ("\u201cWe will stay,\u201d she said. " * 30).encode("cp1252")),
        (Case("utf16.txt", "document"), lambda: fresh().encode("utf-16")),
        (Case("bad-bom.txt", "reject:SL104"), lambda: b"\xff\xfe" + b"\x00\xd8" * 3),
        (Case("mixed-encodings.txt", "document"),
         lambda: fresh().encode("utf-8") + "\n\nPr\u00e9fecture".encode("latin-1")),
        (Case("valid.txt", "document"), lambda: fresh().encode("utf-8")),
        (Case("header-only.txt", "reject:SL102"), lambda: b"date 2024-03-12\nurl https://example.org/a\n"),
        (Case("absurd-date.txt", "document"), lambda: ("date 9999-99-99\n\n" + fresh()).encode()),
        (Case("ancient-date.txt", "document"), lambda: ("date 0001-01-01\n\n" + fresh()).encode()),
        (Case("broken.html", "document"), lambda: ("<html><body><p>" + fresh().replace("\n\n", "<p>")
                                                   + "<div><span>unclosed").encode()),
        (Case("script-only.html", "reject"), lambda: b"<html><script>alert(1)</script><style>p{}</style></html>"),
        (Case("nested.html", "reject"), lambda: nested.encode()),
        (Case("hostile.html", "document"), lambda: _page("<script>alert('t')</script>",
                                                         fresh() + "\n\n<img src=x onerror=alert(1)>").encode()),
        (Case("valid.html", "document"), lambda: page.encode()),
        (Case("huge-attr.html", "document"),
         lambda: _page("Pier works", fresh()).replace("<article>", f"<article data-x=\"{'a' * 200_000}\">").encode()),
        (Case("mixed.jsonl", "mixed"), lambda: "\n".join([
            json.dumps({"id": f"ok-{rng.randrange(10**9)}", "title": "Pier", "text": fresh()}),
            "{not json",
            json.dumps(["a", "list"]),
            json.dumps({"headline": "no text field", "author": "x"}),
            json.dumps({"id": f"ok2-{rng.randrange(10**9)}", "body": fresh(), "date": "2024-03-12"}),
        ]).encode()),
        (Case("all-bad.jsonl", "reject"), lambda: b"{oops\n[1,2\n"),
        (Case("truncated.jsonl", "mixed"),
         lambda: (json.dumps({"text": fresh()}) + "\n" + json.dumps({"text": fresh() + " more"})[:40]).encode()),
        (Case("array.json", "document"), lambda: json.dumps([{"text": fresh(), "id": f"arr-{rng.randrange(10**9)}"}]
                                                            ).encode()),
        (Case("truncated.warc.gz", "reject"), lambda: _warc([("https://example.org/a", page)])[:-40]),
        (Case("not-gzip.warc.gz", "reject:SL131"), lambda: b"WARC/1.0\r\nthis is not gzip"),
        (Case("garbage.warc", "reject"), lambda: b"this is not a warc file at all\n" * 10),
        (Case("valid.warc.gz", "document"), lambda: _warc([("https://example.org/pier", page)])),
        (Case("truncated.txt.gz", "reject:SL131"), lambda: gzip.compress(fresh().encode())[:-12]),
        (Case("unknown.docx", "reject:SL106"), lambda: b"PK\x03\x04 word file"),
        (Case("long-line.txt", "document"), lambda: ("word " * 200_000).encode()),
        (Case("control-chars.txt", "document"), lambda: (fresh() + "\x0b\x0c\r\n").encode()),
    ]


def write_bad_corpus(folder: str | Path, n: int = 60, seed: int = 7) -> list[Case]:
    """At least `n` cases in `folder` (rounds of `cases`, names prefixed by round)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written: list[Case] = []
    round_no = 0
    while len(written) < n:
        for case, make in cases(rng):
            name = f"r{round_no:03d}-{case.name}"
            (root / name).write_bytes(make())
            written.append(Case(name, case.expect))
        round_no += 1
    return written


def write_oversized(folder: str | Path, megabytes: int = 50) -> Path:
    """A text file of `megabytes` MB, over the default limit only when megabytes > 20."""
    path = Path(folder) / f"oversized-{megabytes}mb.txt"
    line = ("The council met again. " * 40 + "\n").encode()
    with path.open("wb") as f:
        for _ in range(megabytes * 1024 * 1024 // len(line) + 1):
            f.write(line)
    return path
