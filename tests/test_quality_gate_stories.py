"""Quality gate of the stories stage on the ECB+ dev documents (197, clustered into their
(topic, sub-topic) stories on text alone, about 30-60 s): fails below the floors recorded here,
which sit just under what `.venv/bin/python evaluation/stories.py` measured."""

from __future__ import annotations

import pytest

from tests.conftest import load_evaluation, require_shared

# Measured (dev, corpus order, spaCy entities): pairwise P 0.908 R 0.926 F1 0.917, B3 F1 0.930,
# 25 stories for 16 gold. Online clustering depends on the order: shuffled (--shuffle 1 / 2) pairwise
# F1 0.862 / 0.874; with the entities and resolve stages first (--with-entities) 0.851 (B3 F1 0.903).
FLOORS = {"pairwise_f1": 0.90, "b3_f1": 0.91, "pairwise_precision": 0.88, "pairwise_recall": 0.90}


@pytest.mark.slow
def test_stories_quality_gate() -> None:
    require_shared("eval", "ecbplus", "topics_1-35.jsonl")
    module = load_evaluation("stories")
    result = module.evaluate("dev")
    assert result["documents"] == 197 and result["gold_stories"] == 16
    failures = [f"{metric} {result[metric]:.3f} < {floor}" for metric, floor in FLOORS.items()
                if result[metric] < floor]
    assert not failures, failures
