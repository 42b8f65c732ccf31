"""Quality gate: entities, name variants, framing, citations (and text boilerplate on the demo) stay
above their floors on the seeds and on the bundled demo corpus (issues #3 and #5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storylens.demo import gold_path
from tests.conftest import Analysed, load_evaluation, require_shared, score

# Floors just under what evaluation/entities.py measures on the five seeds (all 1.000 when set).
FLOORS = {"name_variants": 0.95, "framing": 0.95, "citations": 0.95}
# Floors just under what the whole pipeline measures on the demo corpus (all 1.000 when set; they
# were 0.421 framing, 0.571 citations, 0.878 boilerplate, 0.938 name_variants before issue #5).
DEMO_FLOORS = {"name_variants": 0.95, "framing": 0.9, "citations": 0.9, "boilerplate": 0.95}


@pytest.mark.slow
def test_entity_metrics_on_seeds_meet_their_floors() -> None:
    require_shared("seeds")
    require_shared("gold", "seeds.json")
    require_shared("tools", "score.py")
    module = load_evaluation("entities")
    result = module.evaluate()
    for name, floor in FLOORS.items():
        assert result[name]["value"] >= floor, (name, result[name]["misses"])


@pytest.mark.slow
def test_entity_metrics_on_the_demo_meet_their_floors(demo_analysis: Analysed) -> None:
    metrics = score(demo_analysis.json, Path(str(gold_path())))
    low = {name: round(metrics[name], 3) for name, floor in DEMO_FLOORS.items() if metrics[name] < floor}
    assert not low, f"below the floor: {low} (floors {DEMO_FLOORS})"
