"""Quality gate: entities, name variants, framing and citations on the seeds stay above their floors."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import ROOT, require_shared

# Floors just under what evaluation/entities.py measures on the five seeds (all 1.000 when set).
FLOORS = {"name_variants": 0.95, "framing": 0.95, "citations": 0.95}


@pytest.mark.slow
def test_entity_metrics_on_seeds_meet_their_floors() -> None:
    require_shared("seeds")
    require_shared("gold", "seeds.json")
    require_shared("tools", "score.py")
    path = ROOT / "evaluation" / "entities.py"
    spec = importlib.util.spec_from_file_location("evaluation_entities", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    result = module.evaluate()
    for name, floor in FLOORS.items():
        assert result[name]["value"] >= floor, (name, result[name]["misses"])
