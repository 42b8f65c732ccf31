"""Quality gate of the time stage on TempEval-3 TBAQ (all 256 documents, rules without spaCy,
about 15 s): fails below the floors recorded here, which sit just under what
`.venv/bin/python evaluation/time.py` measured."""

from __future__ import annotations

import pytest

from tests.conftest import load_evaluation, require_shared

# Measured (rules only, all 256 TBAQ documents): strict F1 0.848, relaxed F1 0.925, value F1 0.782,
# type F1 0.893. spaCy DATE/TIME + dateparser on the same documents: value F1 0.328.
FLOORS = {"strict_f1": 0.83, "relaxed_f1": 0.91, "value_f1": 0.77, "type_f1": 0.88}


@pytest.mark.slow
def test_time_quality_gate() -> None:
    require_shared("eval", "tempeval3", "tbaq_train.jsonl")
    module = load_evaluation("time")  # loaded as `evaluation_time`, never shadowing `time`
    result = module.evaluate(baseline=False, with_spacy=False)["rules"]
    assert result["gold"] == 1822
    failures = [f"{metric} {result[metric]:.3f} < {floor}" for metric, floor in FLOORS.items()
                if result[metric] < floor]
    assert not failures, failures
