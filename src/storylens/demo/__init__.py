"""The bundled demo corpus: invented articles that plant every phenomenon storylens looks for.

`corpus_dir()` is the folder `make demo` and the golden tests analyse; `gold_path()` is its
hand-made gold in the format of ../shared/gold/seeds.json (see demo/README.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def corpus_dir() -> Path:
    """The folder of demo articles (.txt, .html, .jsonl, .warc.gz)."""
    return Path(str(resources.files("storylens.demo").joinpath("corpus")))


def gold_path() -> Path:
    """The demo gold (score.py format)."""
    return Path(str(resources.files("storylens.demo").joinpath("gold.json")))
