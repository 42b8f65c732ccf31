"""The packaged rules (data, not code): one reader for every stage."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def rule_text(name: str) -> str:
    """The text of one rules file of this folder."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_rule(name: str) -> Any:
    """One JSON rules file of this folder, parsed."""
    return json.loads(rule_text(name))
