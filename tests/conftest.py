"""Shared fixtures: where ../shared lies, and whether its absence skips or fails a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """../shared beside the project (STORYLENS_SHARED overrides), or None when absent."""
    configured = os.environ.get("STORYLENS_SHARED")
    path = Path(configured) if configured else ROOT.parent / "shared"
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
