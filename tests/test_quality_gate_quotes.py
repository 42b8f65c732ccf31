"""Quality gate of the quotes stage on PolNeAR dev: fails below the floors recorded here.

Floors sit just under what `evaluation/quotes.py --split dev` measured (see docs/benchmarks.md).
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, require_shared

# Measured on PolNeAR dev (84 articles): all attributions partial F1 0.631, speaker 0.869;
# direct quotes exact F1 0.700, partial F1 0.882, speaker 0.854.
FLOORS = {
    ("all", "partial_f1"): 0.60,
    ("all", "speaker_accuracy"): 0.83,
    ("direct", "exact_f1"): 0.66,
    ("direct", "partial_f1"): 0.85,
    ("direct", "speaker_accuracy"): 0.81,
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
