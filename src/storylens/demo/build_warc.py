"""Build corpus/wires.warc.gz from the Meridian Wire pages in build/: two HTML response records.

Run `python -m storylens.demo.build_warc` after editing a page. Record ids, dates and the HTTP
headers are fixed, so the output is byte-for-byte the same on every run.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DEMO_DIR = Path(__file__).resolve().parent
BUILD_DIR = DEMO_DIR / "build"
WARC_PATH = DEMO_DIR / "corpus" / "wires.warc.gz"

# Record ids are derived from the URI, never random, so that rebuilding changes nothing.
RECORD_NAMESPACE = uuid.UUID("5f0c3a52-7d1e-4b8e-9a41-2f6d0c9b1e77")


@dataclass(frozen=True, slots=True)
class Capture:
    """One crawled page: its build file, the URI it was fetched from and when."""

    file_name: str
    uri: str
    warc_date: str  # ISO 8601 UTC, as WARC-Date wants it

    @property
    def record_id(self) -> str:
        return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, self.uri)}>"


CAPTURES: tuple[Capture, ...] = (
    Capture("meridian_nahra_call.html",
            "https://meridianwire.example/world/nahra-leader-hails-alliance-victory-in-call-with-tamani",
            "2024-03-11T16:30:00Z"),
    Capture("meridian_trade_accord.html",
            "https://meridianwire.example/business/beltara-qessara-agree-to-reopen-rail-corridor",
            "2024-05-21T19:00:00Z"),
)


def write_warc(out: BinaryIO, build_dir: Path = BUILD_DIR) -> None:
    """Write one gzipped WARC response record per capture to `out`."""
    from warcio.statusandheaders import StatusAndHeaders  # heavy optional import, only when building
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True)
    for capture in CAPTURES:
        payload = (build_dir / capture.file_name).read_bytes()
        http_headers = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(payload)))],
            protocol="HTTP/1.1",
        )
        record = writer.create_warc_record(
            capture.uri,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Record-ID": capture.record_id, "WARC-Date": capture.warc_date},
        )
        writer.write_record(record)


def build(target: Path = WARC_PATH, build_dir: Path = BUILD_DIR) -> Path:
    """Write the WARC file to `target` and return its path."""
    buffer = io.BytesIO()
    write_warc(buffer, build_dir)
    target.write_bytes(buffer.getvalue())
    return target


def main() -> None:
    path = build()
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(CAPTURES)} records)")


if __name__ == "__main__":
    main()
