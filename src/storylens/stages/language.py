"""Language identification per document and per body paragraph, with py3langid and script shares.

Input: a Document with body_spans. Output: the Document with `languages` (one LanguageSpan per body
paragraph) and `language` (the language of most body characters). A short paragraph is judged by its
script when the script tells (Arabic, Cyrillic, CJK ...), else it takes the document's language.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import replace
from functools import cache
from typing import Any

from storylens.model import DocAnalysis, Document, LanguageSpan, Span
from storylens.pipeline import Context

# Paragraphs with fewer letters are too short for a character n-gram model: py3langid calls
# 'Hello world' Fulah and 'Submit a Correction' English at 0.30. Calibrated by hand on seed-like
# one-liners: 40 letters is where its top guess becomes stable on English news prose.
MIN_LETTERS = 40
# Below this probability a long Latin-script paragraph keeps the document's language: proper-noun
# heavy news paragraphs get low-confidence guesses of neighbouring languages.
MIN_PROBABILITY = 0.5
# A paragraph is in a script when at least this share of its letters are.
SCRIPT_SHARE = 0.6
# Scripts that name (nearly) one language; a paragraph in them needs no statistical model.
SCRIPT_LANGUAGE = {
    "ARABIC": "ar", "CYRILLIC": "ru", "HEBREW": "he", "GREEK": "el", "HANGUL": "ko", "HIRAGANA": "ja",
    "KATAKANA": "ja", "CJK": "zh", "THAI": "th", "DEVANAGARI": "hi", "ARMENIAN": "hy", "GEORGIAN": "ka",
    "BENGALI": "bn", "TAMIL": "ta", "ETHIOPIC": "am", "KHMER": "km", "LAO": "lo", "MYANMAR": "my",
}
# A paragraph whose script names one language but whose model guess agrees on the script keeps
# the model's guess (Persian and Urdu are Arabic script, Ukrainian Cyrillic).
SCRIPT_OF_LANGUAGE = {
    "ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "ps": "ARABIC", "ug": "ARABIC", "ku": "ARABIC",
    "ru": "CYRILLIC", "uk": "CYRILLIC", "bg": "CYRILLIC", "sr": "CYRILLIC", "mk": "CYRILLIC",
    "be": "CYRILLIC", "kk": "CYRILLIC", "ky": "CYRILLIC", "mn": "CYRILLIC", "he": "HEBREW", "yi": "HEBREW",
    "el": "GREEK", "ko": "HANGUL", "ja": "CJK", "zh": "CJK", "th": "THAI", "hi": "DEVANAGARI",
    "mr": "DEVANAGARI", "ne": "DEVANAGARI",
}


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    """The language stage."""
    return replace(analysis, document=detect(analysis.document))


def detect(document: Document) -> Document:
    """`document` with its paragraph languages and its language (majority by characters)."""
    paragraphs = list(document.paragraphs())
    if not paragraphs:
        return document
    text = document.text
    guesses: list[tuple[Span, str | None, float]] = []
    for span in paragraphs:
        language, score = classify_paragraph(span.slice(text))
        guesses.append((span, language, score))
    weights: Counter[str] = Counter()
    for span, language, _ in guesses:
        if language is not None:
            weights[language] += _letters(span.slice(text))
    if weights:
        document_language = weights.most_common(1)[0][0]
    else:
        # Every paragraph is short: judge the body as a whole.
        whole = "\n".join(span.slice(text) for span in paragraphs)
        guessed, _ = classify_text(whole)
        document_language = guessed or document.language or "und"
    languages = []
    for span, language, score in guesses:
        if language is None:
            language, score = document_language, 0.0
        languages.append(LanguageSpan(span, language, round(score, 4)))
    return replace(document, language=document_language, languages=tuple(languages))


def classify_paragraph(paragraph: str) -> tuple[str | None, float]:
    """(language, score) of one paragraph, or (None, 0.0) when it is too short to tell and its
    script names no language (it then takes the document's language)."""
    script, share = dominant_script(paragraph)
    script_language = SCRIPT_LANGUAGE.get(script) if share >= SCRIPT_SHARE else None
    if _letters(paragraph) < MIN_LETTERS:
        return (script_language, share) if script_language else (None, 0.0)
    language, probability = classify_text(paragraph)
    if script_language:
        if language and SCRIPT_OF_LANGUAGE.get(language) == script:
            return language, probability
        return script_language, share
    if language is None or probability < MIN_PROBABILITY:
        return None, 0.0
    return language, probability


def classify_text(text: str) -> tuple[str | None, float]:
    """py3langid's (language, probability) for `text`."""
    if not text.strip():
        return None, 0.0
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


def dominant_script(text: str) -> tuple[str, float]:
    """The script most letters of `text` are in ('LATIN', 'ARABIC', 'CJK' ...) and its share."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            counts[_script(ch)] += 1
    if not counts:
        return "", 0.0
    script, count = counts.most_common(1)[0]
    return script, count / sum(counts.values())


@cache
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("CJK") or "IDEOGRAPH" in name:
        return "CJK"
    return name.split(" ", 1)[0] if name else ""


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
