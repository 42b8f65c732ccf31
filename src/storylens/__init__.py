"""storylens: reads a pile of news articles about one story and says who copied whom, who said
what, what happened when and how each outlet tells it, with every fact linked to its source text."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
