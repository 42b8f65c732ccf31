"""Entities, name variants, framing and cited sources on the five seed articles (../shared/seeds).

Runs clean, language, entities, framing and resolve through the API, writes the JSON of
docs/OUTPUT.md and scores it with ../shared/tools/score.py against ../shared/gold/seeds.json.
Prints name_variants, framing and citations with their hits and misses.

    .venv/bin/python evaluation/entities.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from storylens import api
from storylens.export import output_json
from storylens.shared_data import shared_dir, shared_module

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("clean", "language", "entities", "framing", "resolve")
METRICS = ("name_variants", "framing", "citations")


def _scorer() -> ModuleType:
    return shared_module("tools", "score.py", name="storylens_score")


def evaluate() -> dict[str, Any]:
    """{metric: {value, hits, total, misses}} for the entity metrics on the seeds."""
    seeds = sorted((shared_dir() / "seeds").glob("*.txt"))
    result = api.analyze(seeds, stages=STAGES)
    data = output_json(result.corpus)
    score = _scorer()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        gold = score.Gold(score.load_json(shared_dir() / "gold" / "seeds.json", "gold"))
        output = score.Output(score.load_json(out, "output"), gold, None, out.parent)
        metrics = {m.name: m for m in score.score(gold, output)}
    return {name: {"value": metrics[name].value, "hits": metrics[name].hits, "total": metrics[name].total,
                   "misses": list(metrics[name].misses)} for name in METRICS}


def table(result: dict[str, Any]) -> str:
    lines = [f"{'metric':<14} value  hits/total", f"{'-' * 14} -----  ----------"]
    lines += [f"{name:<14} {m['value']:.3f}  {m['hits']}/{m['total']}" for name, m in result.items()]
    for name, m in result.items():
        lines += [f"  {name} miss: {miss}" for miss in m["misses"]]
    return "\n".join(lines)


def main() -> int:
    print(table(evaluate()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
