"""Where the evaluation data lies: ../shared beside the project (STORYLENS_SHARED overrides).

Used by the evaluation scripts and the tests; nothing in an analysis depends on it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared folder (it may not exist: callers check, and skip or fail as they must)."""
    configured = os.environ.get("STORYLENS_SHARED")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared"


def shared_module(*parts: str, name: str) -> ModuleType:
    """Import a Python file under the shared folder (`load.py`, `score.py`) as module `name`."""
    path = shared_dir().joinpath(*parts)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise FileNotFoundError(f"{path} not found (set STORYLENS_SHARED to the shared folder)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses in score.py look their module up
    spec.loader.exec_module(module)
    return module
