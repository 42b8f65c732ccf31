"""storylens: reads a pile of news articles about one story and says who copied whom, who said
what, what happened when and how each outlet tells it, with every fact linked to its source text.

    import storylens
    result = storylens.analyze(["articles/"], db="story.sqlite")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "analyze", "load", "search"]

if TYPE_CHECKING:
    from storylens.api import analyze, load, search


def __getattr__(name: str) -> Any:
    # The API is imported on first use, so `import storylens` stays cheap.
    if name in ("analyze", "load", "search"):
        from storylens import api

        return getattr(api, name)
    raise AttributeError(f"module 'storylens' has no attribute {name!r}")
