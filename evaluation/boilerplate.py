"""Boilerplate removal on HTML pages: storylens' kept body text against trafilatura's default output.

Data: the dev half of the Zyte article-extraction-benchmark in ../shared/eval/boilerplate (90 pages).
Metric (the benchmark's): `\\w+` tokens, word 4-gram shingle multisets; per page TP/FP/FN are
normalised to sum to 1, precision and recall are averaged over pages, F1 = 2PR/(P+R); accuracy is
the share of pages whose token sequence equals the gold's. storylens' text is its body spans joined
with newlines (document_from_html, then the clean stage); a page storylens rejects counts as empty.

    .venv/bin/python evaluation/boilerplate.py [--limit N] [--worst N]

It also scores the text-article rules on the five seed articles with ../shared/tools/score.py
(boilerplate, body_kept, languages).

storylens runs trafilatura with comments off and precision favoured, then drops the lines the text
rules know as boilerplate (photo credits, gallery counters, the repeated headline). Measured: storylens
P 0.972 R 0.980 F1 0.976, trafilatura's default extract() P 0.926 R 0.985 F1 0.955. The recall given up
is trafilatura's precision mode dropping short product or list paragraphs on a few pages (a deals
page loses most of its body) and copyright lines the gold keeps as body but storylens removes.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from storylens.shared_data import shared_dir, shared_module

ROOT = Path(__file__).resolve().parents[1]
SHINGLE = 4


def shared_eval_dir() -> Path | None:
    path = shared_dir() / "eval"
    return path if (path / "boilerplate" / "dev.jsonl").exists() else None


def _loader(eval_dir: Path) -> ModuleType:
    return shared_module("eval", "load.py", name="storylens_eval_load")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(0, len(tokens) - SHINGLE + 1)))


def page_scores(predicted: str, gold: str) -> tuple[float, float, bool]:
    """(precision, recall, exact) of one page, TP/FP/FN normalised to sum to 1 as the benchmark does."""
    got, want = shingles(predicted), shingles(gold)
    tp = sum((got & want).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    exact = re.findall(r"\w+", predicted) == re.findall(r"\w+", gold)
    if total == 0:
        return 1.0, 1.0, exact
    tp_n, fp_n, fn_n = tp / total, fp / total, fn / total
    precision = tp_n / (tp_n + fp_n) if tp_n + fp_n else 0.0
    recall = tp_n / (tp_n + fn_n) if tp_n + fn_n else 0.0
    return precision, recall, exact


def summarise(rows: Iterable[tuple[float, float, bool]]) -> dict[str, float]:
    rows = list(rows)
    precision = sum(r[0] for r in rows) / len(rows)
    recall = sum(r[1] for r in rows) / len(rows)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": sum(r[2] for r in rows) / len(rows),
            "pages": float(len(rows))}


def storylens_text(html: str, url: str | None) -> str:
    from storylens.errors import InputRejected
    from storylens.stages.clean import clean_text
    from storylens.stages.html import document_from_html

    try:
        document = clean_text(document_from_html(html, path="page.html", url=url))
    except InputRejected:
        return ""
    return "\n".join(span.slice(document.text) for span in document.body_spans)


def trafilatura_text(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


SYSTEMS: dict[str, Callable[[str, str | None], str]] = {"storylens": storylens_text, "trafilatura": trafilatura_text}


def evaluate(limit: int | None = None, systems: Iterable[str] = ("storylens", "trafilatura")) -> dict[str, Any]:
    """Metrics per system over the dev pages: {'storylens': {'f1': ...}, ...}; {} without ../shared."""
    eval_dir = shared_eval_dir()
    if eval_dir is None:
        return {}
    pages = list(_loader(eval_dir).boilerplate(with_html=True))[:limit]
    results: dict[str, Any] = {}
    for name in systems:
        started = time.perf_counter()
        rows = [page_scores(SYSTEMS[name](page["html"], page.get("url")), page["gold_text"]) for page in pages]
        metrics = summarise(rows)
        metrics["seconds"] = time.perf_counter() - started
        metrics["per_page_f1"] = [2 * p * r / (p + r) if p + r else 0.0 for p, r, _ in rows]  # type: ignore[assignment]
        results[name] = metrics
    return results


# The ingest's header keys: `key value` lines on top of a text article (docs of the seed format).
HEADER = re.compile(r"^[ \t]*(date|outlet|url|title)[ \t]+(\S.*)$")


def seed_documents(seeds_dir: Path) -> list[Any]:
    """The seed articles as the ingest builds them: header lines parsed, body after them, then the
    clean and language stages."""
    from storylens.model import Document, Span
    from storylens.stages.clean import clean_text
    from storylens.stages.language import detect

    documents = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        body_start = 0
        for match in re.finditer(r"[^\n]*(?:\n|$)", text):
            header = HEADER.match(match.group(0).rstrip("\n"))
            if header is None or not match.group(0):
                break
            meta[header.group(1)] = header.group(2).strip()
            body_start = match.end()
        document = Document(id=path.stem, path=str(path), text=text, outlet=meta.get("outlet"),
                            url=meta.get("url"), title=meta.get("title"),
                            body_spans=(Span(body_start, len(text)),))
        documents.append(detect(clean_text(document)))
    return documents


def evaluate_seeds() -> dict[str, float]:
    """score.py's boilerplate, body_kept and languages on the seeds; {} without ../shared."""
    import json
    import subprocess
    import tempfile

    eval_dir = shared_eval_dir()
    shared = eval_dir.parent if eval_dir else None
    if shared is None or not (shared / "seeds").is_dir() or not (shared / "tools" / "score.py").exists():
        return {}
    documents = seed_documents(shared / "seeds")
    output = {"storylens": "evaluation", "documents": [
        {"id": d.id, "path": d.path, "text": d.text, "language": d.language, "title": d.title,
         "published": d.published, "body_spans": [s.as_list() for s in d.body_spans],
         "removed": [{"span": r.span.as_list(), "kind": r.kind, "reason": r.rule} for r in d.removed]}
        for d in documents]}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        out.write_text(json.dumps(output), encoding="utf-8")
        scored = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), str(out),
                                 str(shared / "gold" / "seeds.json"), "--json"],
                                capture_output=True, text=True, check=False)
    metrics = json.loads(scored.stdout)["metrics"]
    return {name: float(metrics[name]["value"]) for name in ("boilerplate", "body_kept", "languages")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages where storylens trails most")
    args = parser.parse_args(argv)
    results = evaluate(args.limit)
    if not results:
        print("../shared/eval/boilerplate is not available", file=sys.stderr)
        return 2
    print(f"{'system':<12} {'pages':>5} {'precision':>9} {'recall':>7} {'F1':>7} {'accuracy':>8} {'seconds':>8}")
    for name, m in results.items():
        print(f"{name:<12} {int(m['pages']):>5} {m['precision']:>9.4f} {m['recall']:>7.4f} {m['f1']:>7.4f} "
              f"{m['accuracy']:>8.3f} {m['seconds']:>8.1f}")
    seeds = evaluate_seeds()
    if seeds:
        print()
        print("seeds (score.py): " + "  ".join(f"{name} {value:.3f}" for name, value in seeds.items()))
    if args.worst:
        ours, theirs = results["storylens"]["per_page_f1"], results["trafilatura"]["per_page_f1"]
        diffs = sorted(range(len(ours)), key=lambda i: ours[i] - theirs[i])[: args.worst]
        for i in diffs:
            print(f"  page {i}: storylens {ours[i]:.3f} trafilatura {theirs[i]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
