"""Exports: the JSON of ../shared/docs/OUTPUT.md, and CSV or Parquet tables, one per section.

The JSON keeps OUTPUT.md's required fields first and adds storylens' own (cue spans, evidence,
per-paragraph languages) after them; every span indexes the document's `text`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storylens import __version__, codec
from storylens.errors import MissingDependency
from storylens.model import CorpusAnalysis, Document, Event, Quote, Span

SECTIONS = ("documents", "reuse", "entities", "quotes", "quote_groups", "times", "events", "event_groups",
            "stories", "framing", "citations", "rejections")


def _span(span: Span | None) -> list[int] | None:
    return span.as_list() if span is not None else None


def document_json(doc: Document, *, with_text: bool = True) -> dict[str, Any]:
    inferred = doc.published_inferred
    data: dict[str, Any] = {
        "id": doc.id, "path": doc.path, "outlet": doc.outlet, "url": doc.url, "title": doc.title,
        "language": doc.language, "published": doc.published,
        "published_inferred": None if inferred is None else {
            "earliest": inferred.earliest, "latest": inferred.latest, "evidence": list(inferred.evidence)},
        "body_spans": [s.as_list() for s in doc.body_spans],
        "removed": [{"span": r.span.as_list(), "kind": r.kind, "reason": r.rule} for r in doc.removed],
        "format": doc.format,
        "published_source": doc.published_source,
        "languages": [{"span": ls.span.as_list(), "language": ls.language, "score": round(ls.score, 3)}
                      for ls in doc.languages],
    }
    if with_text:
        data["text"] = doc.text
    return data


def quote_json(quote: Quote) -> dict[str, Any]:
    speaker = quote.speaker
    return {
        "id": quote.id, "doc": quote.doc, "span": quote.span.as_list(), "text": quote.text,
        "speaker": None if speaker is None else {
            "entity": speaker.entity, "text": speaker.text, "span": _span(speaker.span), "ref": _span(speaker.ref)},
        "cue": quote.cue, "attribution": quote.attribution, "kind": quote.kind,
        "cue_span": _span(quote.cue_span), "how": quote.how, "channel": quote.channel,
        "content": _span(quote.content),
    }


def event_json(event: Event) -> dict[str, Any]:
    date = event.date
    return {
        "id": event.id, "doc": event.doc, "span": event.span.as_list(), "type": event.type, "mode": event.mode,
        "actor": event.actor, "target": event.target, "place": event.place,
        "date": None if date is None else {"value": date.value, "text": date.text, "span": _span(date.span),
                                           "basis": date.basis},
        "trigger": event.trigger.as_list(), "quote": event.quote,
        "actor_span": _span(event.actor_span), "target_span": _span(event.target_span),
        "place_span": _span(event.place_span),
    }


def output_json(corpus: CorpusAnalysis) -> dict[str, Any]:
    """The whole analysis as the JSON object OUTPUT.md specifies."""
    docs = corpus.docs
    return {
        "storylens": __version__,
        "documents": [document_json(d.document) for d in docs],
        "reuse": [codec.encode(r) for r in corpus.reuse],
        "entities": [codec.encode(e) for e in corpus.entities],
        "quotes": [quote_json(q) for d in docs for q in d.quotes],
        "quote_groups": [codec.encode(g) for g in corpus.quote_groups],
        "times": [codec.encode(t) for d in docs for t in d.times],
        "events": [event_json(e) for d in docs for e in d.events],
        "event_groups": [codec.encode(g) for g in corpus.event_groups],
        "stories": [codec.encode(s) for s in corpus.stories],
        "framing": [codec.encode(f) for d in docs for f in d.framing],
        "citations": [codec.encode(c) for d in docs for c in d.citations],
        "rejections": [codec.encode(r) for r in corpus.rejections],
    }


def write_json(corpus: CorpusAnalysis, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(output_json(corpus), f, ensure_ascii=False, indent=1)
    tmp.replace(target)  # readers never see half a file
    return target


# ------------------------------------------------------------------------------------------ tables


def rows(corpus: CorpusAnalysis, section: str) -> Iterator[dict[str, Any]]:
    """Flat rows of one section: nested values become JSON strings, the document text is left out."""
    data = output_json(corpus)[section]
    for item in data:
        if section == "documents":
            item = {k: v for k, v in item.items() if k != "text"}
        yield {k: v if v is None or isinstance(v, (str, int, float, bool)) else json.dumps(v, ensure_ascii=False)
               for k, v in item.items()}


def write_tables(corpus: CorpusAnalysis, folder: str | Path, fmt: str = "csv") -> list[Path]:
    """One file per section (documents.csv, quotes.csv, ...), empty sections included."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for section in SECTIONS:
        table = list(rows(corpus, section))
        path = out / f"{section}.{fmt}"
        if fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as f:
                columns = list(dict.fromkeys(k for row in table for k in row)) or ["id"]
                writer = csv.DictWriter(f, fieldnames=columns)
                writer.writeheader()
                writer.writerows(table)
        elif fmt == "parquet":
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError as exc:
                raise MissingDependency("Parquet export needs the `export` extra: pip install 'storylens[export]'"
                                        ) from exc
            pq.write_table(pa.Table.from_pylist(table) if table else pa.table({"id": pa.array([], pa.string())}),
                           path)
        else:
            raise ValueError(f"unknown table format {fmt!r}")
        written.append(path)
    return written
