"""Shared fixtures: where ../shared lies, and whether its absence skips or fails a test."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storylens import shared_data
from storylens.model import CorpusAnalysis

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """../shared beside the project (STORYLENS_SHARED overrides), or None when absent."""
    path = shared_data.shared_dir()
    return path if path.is_dir() else None


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or skip; under STORYLENS_REQUIRE_SHARED=1 a missing path fails."""
    base = shared_dir()
    path = base.joinpath(*parts) if base else None
    if path is None or not path.exists():
        message = f"../shared/{'/'.join(parts)} is not available"
        if os.environ.get("STORYLENS_REQUIRE_SHARED") == "1":
            pytest.fail(message + " (STORYLENS_REQUIRE_SHARED=1)")
        pytest.skip(message)
    return path


@pytest.fixture
def shared() -> Path:
    return require_shared()


@pytest.fixture
def seeds_dir() -> Path:
    return require_shared("seeds")


@pytest.fixture
def eval_dir() -> Path:
    return require_shared("eval")


# ------------------------------------------------------------------------------------------ whole-pipeline runs
# The full pipeline takes about a minute on the demo corpus: each corpus is analysed once per session.


@dataclass(frozen=True)
class Analysed:
    db: Path
    json: Path
    corpus: CorpusAnalysis


def _analyse(paths: list[Path], folder: Path) -> Analysed:
    from storylens import api
    from storylens.export import write_json

    db = folder / "store.sqlite"
    result = api.analyze(paths, db=db)
    out = write_json(result.corpus, folder / "out.json")
    return Analysed(db, out, result.corpus)


@pytest.fixture(scope="session")
def demo_analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    from storylens.demo import corpus_dir

    return _analyse([Path(str(corpus_dir()))], tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def seeds_analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    return _analyse([require_shared("seeds")], tmp_path_factory.mktemp("seeds"))


def load_scorer() -> Any:
    """../shared/tools/score.py as a module (it is standard library only)."""
    require_shared("tools", "score.py")
    return shared_data.shared_module("tools", "score.py", name="storylens_score")


def load_evaluation(name: str) -> Any:
    """evaluation/<name>.py as a module `evaluation_<name>` (never `time`: that would shadow the
    standard library's), registered in sys.modules because its dataclasses look their module up."""
    path = ROOT / "evaluation" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"evaluation_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def score(output: Path, gold: Path) -> dict[str, float]:
    """score.py's metrics for an output JSON against a gold file."""
    scorer = load_scorer()
    gold_data = scorer.Gold(scorer.load_json(gold, "gold"))
    out = scorer.Output(scorer.load_json(output, "output"), gold_data, None, output.parent)
    return {m.name: m.value for m in scorer.score(gold_data, out)}
