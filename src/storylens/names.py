"""Transliteration-aware name normalisation, shared by entity resolution and quote attribution.

Input: names as written (Latin or Arabic script). Output: comparison keys that make common
romanisation alternations equal (Haniyeh/Haniya, Marzouk/Marzook, Baradar/Barader), consonant
skeletons for matching Arabic script against Latin, acronym initials, and similarity scores.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import fuzz
from unidecode import unidecode

from storylens.rules import load_rule

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
ARABIC_WORD = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]+")
_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")  # short-vowel marks, dagger alif, tatweel
_POSSESSIVE = re.compile(r"['’]s?$")
_INITIAL_DOT = re.compile(r"(?<![^\W\d_])([A-Za-z])\.")
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul|ad|ar|as|ash|at|az|an)[-‐‑–]", re.I)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")
_GLIDE = re.compile(r"(?<=[aeiouy])[yw](?=[aeiouy])")
_FRONT_VOWELS = re.compile(r"[aeiy]+")
_BACK_VOWELS = re.compile(r"[ou]+")
_FINAL_H = re.compile(r"(?<=[aeiou])h$")
_WEAK = re.compile(r"[aeiouyw'`]")


@dataclass(frozen=True, slots=True)
class NameRules:
    """The data of rules/entity_names.json, compiled."""

    arabic_letters: dict[str, str]
    arabic_article: str
    latin_rewrites: tuple[tuple[re.Pattern[str], str], ...]
    particles: frozenset[str]
    acronym_skip: frozenset[str]


@cache
def name_rules() -> NameRules:
    data: dict[str, Any] = load_rule("entity_names.json")
    return NameRules(
        arabic_letters=dict(data["arabic_letters"]),
        arabic_article=str(data["arabic_article"]),
        latin_rewrites=tuple((re.compile(p), r) for p, r in data["latin_rewrites"]),
        particles=frozenset(data["particles"]),
        acronym_skip=frozenset(data["acronym_skip"]),
    )


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None


def romanise_arabic(text: str) -> str:
    """A rough letter-by-letter romanisation of Arabic (and Persian) script.

    The definite article is split off as 'al-'; letters without a mapping are dropped. It is made
    for matching names against their Latin spellings, not for display.
    """
    rules = name_rules()
    words = []
    for word in _ARABIC_MARKS.sub("", text).split():
        prefix = ""
        if word.startswith(rules.arabic_article) and len(word) > len(rules.arabic_article) + 1:
            prefix, word = "al-", word[len(rules.arabic_article):]
        letters = "".join(rules.arabic_letters.get(ch, ch if ch.isascii() else "") for ch in word)
        words.append(prefix + letters)
    return " ".join(w for w in words if w)


def fold(text: str) -> str:
    """Lower-case ASCII with punctuation made spaces: 'Ḥaniyeh’s' -> 'haniyeh s'."""
    ascii_text = unidecode(unicodedata.normalize("NFKC", text)).lower()
    return " ".join(_NON_ALNUM.sub(" ", ascii_text).split())


@lru_cache(maxsize=65536)
def _name_words(name: str) -> tuple[str, ...]:
    if has_arabic(name):
        name = romanise_arabic(name)
    name = _POSSESSIVE.sub("", name.strip())
    name = _INITIAL_DOT.sub(r"\1", name)  # 'U.S.' -> 'US'
    words: list[str] = []
    for word in name.split():
        words.extend(fold(_ARTICLE_PREFIX.sub("", word)).split())
    return tuple(words)


def name_words(name: str) -> list[str]:
    """The folded words of a name, Arabic script romanised, possessive and article prefixes dropped."""
    return list(_name_words(name))


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The comparison key of one folded name word: romanisation alternations made equal.

    Vowels fall into two classes (a/e/i/y and o/u), ta-marbuta endings (-eh/-ah/-a) become one,
    doubled letters one; the consonant rewrites (q/k, dh/z, ...) are data in entity_names.json.
    """
    key = word
    for pattern, replacement in name_rules().latin_rewrites:
        key = pattern.sub(replacement, key)
    key = _DOUBLE.sub(r"\1", key)
    key = _GLIDE.sub("", key)  # glides between vowels: Haniyeh ~ Hanieh
    key = _FRONT_VOWELS.sub("A", key)
    key = _BACK_VOWELS.sub("U", key)
    return _DOUBLE.sub(r"\1", key)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The key of a whole name: its word keys, particles dropped ('Abu Marzouk' -> 'mArzUk' ...)."""
    particles = name_rules().particles
    words = [w for w in name_words(name) if w not in particles] or name_words(name)
    return " ".join(word_key(w) for w in words)


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The consonants of a name, for matching scripts that do not write short vowels.

    Arabic script is romanised first; the article 'al-' and weak letters (alif, waw, ya) drop out,
    as do word-final 'h' after a vowel (ta marbuta written -eh/-ah).
    """
    words = name_words(text)
    out = []
    for word in words:
        if word in ("al", "el"):
            continue
        key = _FINAL_H.sub("", word)
        for pattern, replacement in name_rules().latin_rewrites:
            key = pattern.sub(replacement, key)
        key = _WEAK.sub("", key)
        out.append(_DOUBLE.sub(r"\1", key))
    return "".join(out)


def skeleton_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of the consonant skeletons of two names, in any script."""
    sa, sb = skeleton(a), skeleton(b)
    if not sa or not sb:
        return 0.0
    return float(fuzz.ratio(sa, sb)) / 100.0


def initials(name: str) -> str:
    """Upper-case initials of a multi-word name, function words skipped: 'Jewish News Syndicate' -> 'JNS'."""
    skip = name_rules().acronym_skip
    words = [w for w in re.split(r"[\s\-]+", name.strip()) if w and w.lower() not in skip]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


def acronym_of(acronym: str, name: str) -> bool:
    """True if `acronym` ('MEMRI', 'U.S.') abbreviates `name` ('Middle East Media Research Institute')."""
    letters = re.sub(r"[.\s]", "", acronym)
    if len(letters) < 2 or not letters.isupper() or len(name.split()) < 2:
        return False
    return initials(name) == letters


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two name keys (rapidfuzz ratio)."""
    if not a or not b:
        return 0.0
    return float(fuzz.ratio(a, b)) / 100.0


def person_parts(name: str) -> tuple[list[str], str]:
    """Given-name keys and the surname key of a person's name (particles such as 'Abu' dropped)."""
    keys = name_key(name).split()
    if not keys:
        return [], ""
    return keys[:-1], keys[-1]
