"""Quality gate of the quotes stage on PolNeAR dev: fails below the floors recorded here.

Floors sit just under what `evaluation/quotes.py --split dev` measured (see docs/benchmarks.md).
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, require_shared

# Measured on PolNeAR dev (84 articles): all attributions partial F1 0.714, speaker 0.878;
# direct quotes exact F1 0.727, partial F1 0.916, speaker 0.871.
FLOORS = {
    ("all", "partial_f1"): 0.69,
    ("all", "speaker_accuracy"): 0.85,
    ("direct", "exact_f1"): 0.70,
    ("direct", "partial_f1"): 0.89,
    ("direct", "speaker_accuracy"): 0.845,
}


@pytest.mark.slow
def test_quotes_quality_gate() -> None:
    require_shared("eval", "polnear", "dev.jsonl")
    sys.path.insert(0, str(ROOT / "evaluation"))
    try:
        import quotes as quote_evaluation
    finally:
        sys.path.remove(str(ROOT / "evaluation"))
    result = quote_evaluation.evaluate("dev")
    failures = [f"{part} {metric} {result[part][metric]:.3f} < {floor}"
                for (part, metric), floor in FLOORS.items() if result[part][metric] < floor]
    assert not failures, failures
    # The stage must beat the bare regex on direct-quote boundaries by a wide margin.
    assert result["direct"]["exact_f1"] > result["baseline_direct"]["exact_f1"] + 0.2
