"""Quality gate of the quotes stage on PolNeAR dev: fails below the floors recorded here.

Floors sit just under what `evaluation/quotes.py --split dev` measured (see docs/benchmarks.md).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.conftest import ROOT, require_shared

# Measured on PolNeAR dev (84 articles), fourth pass: all attributions partial F1 0.715, speaker
# 0.885 (by spans 0.884); direct quotes exact F1 0.735, partial F1 0.917, speaker 0.883 (by spans 0.882).
FLOORS = {
    ("all", "partial_f1"): 0.70,
    ("all", "speaker_accuracy"): 0.865,
    ("direct", "exact_f1"): 0.725,
    ("direct", "partial_f1"): 0.90,
    ("direct", "speaker_accuracy"): 0.87,
    ("direct", "speaker_span_accuracy"): 0.87,
}


def load_evaluation() -> Any:
    sys.path.insert(0, str(ROOT / "evaluation"))
    try:
        import quotes as quote_evaluation
    finally:
        sys.path.remove(str(ROOT / "evaluation"))
    return quote_evaluation


# (gold source text, predicted resolved name, same speaker?): identity is by folded name or by an
# equal capitalised last word; an unnamed side ('he', 'the campaign') never matches by name.
IDENTITIES = [
    ("Rasmussen", "Karin Rasmussen", True),
    ("Gov. Karin Rasmussen's", "Rasmussen", True),
    ("Karin Rasmussen", "Olaf Berg", False),
    ("he", "Karin Rasmussen", False),
    ("the Rasmussen campaign", "Rasmussen", False),
    ("the Harbour Party", "the Harbour Party", True),
]


@pytest.mark.parametrize(("gold", "predicted", "same"), IDENTITIES)
def test_speaker_identity_rule(gold: str, predicted: str, same: bool) -> None:
    evaluation = load_evaluation()
    # Far-apart spans, so that only the names can make the speakers agree.
    gold_item = evaluation.Item((0, 10), True, [(100, 100 + len(gold))], [gold])
    predicted_item = evaluation.Item((0, 10), True, [(500, 500 + len(predicted))], [predicted])
    assert evaluation.same_speaker(gold_item, predicted_item) is same


def test_unresolved_prediction_matches_only_by_overlap() -> None:
    evaluation = load_evaluation()
    gold_item = evaluation.Item((0, 10), True, [(100, 104)], ["Roe"])
    assert evaluation.same_speaker(gold_item, evaluation.Item((0, 10), True, [(100, 102)], []))
    assert not evaluation.same_speaker(gold_item, evaluation.Item((0, 10), True, [(300, 302)], []))


@pytest.mark.slow
def test_quotes_quality_gate() -> None:
    require_shared("eval", "polnear", "dev.jsonl")
    result = load_evaluation().evaluate("dev")
    failures = [f"{part} {metric} {result[part][metric]:.3f} < {floor}"
                for (part, metric), floor in FLOORS.items() if result[part][metric] < floor]
    assert not failures, failures
    # The stage must beat the bare regex on direct-quote boundaries by a wide margin.
    assert result["direct"]["exact_f1"] > result["baseline_direct"]["exact_f1"] + 0.2
