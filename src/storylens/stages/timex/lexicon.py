"""The time stage's word lists and patterns, read once from rules/time_lexicon.json and
rules/time_patterns.json, with each pattern's {PLACEHOLDER}s expanded and compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from storylens.rules import load_rule


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    kind: str  # which normaliser reads the match: date|weekday|deictic|relative|duration|...
    type: str  # DATE|TIME|DURATION|SET
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    months: dict[str, int]
    ambiguous_months: frozenset[str]
    weekdays: dict[str, int]
    ambiguous_weekdays: frozenset[str]
    numbers: dict[str, float]
    vague_numbers: frozenset[str]
    ordinals: dict[str, int]
    units: dict[str, str]
    parts_of_day: dict[str, str]
    seasons: dict[str, str]
    deictic_days: dict[str, int]
    relative_words: dict[str, int]
    reference_words: dict[str, str]
    sets: dict[str, str]
    future_cues: re.Pattern[str]
    patterns: tuple[Pattern, ...]

    def number(self, word: str | None) -> float | None:
        """The value of a number written in digits or words ('20', 'twenty-five', 'a'); None if vague."""
        if not word:
            return None
        word = " ".join(word.lower().split())
        if re.fullmatch(r"\d+(?:\.\d+)?", word):
            return float(word)
        if word in self.numbers:
            return self.numbers[word]
        parts = re.split(r"[- ]", word)
        if len(parts) == 2 and all(p in self.numbers for p in parts):
            return self.numbers[parts[0]] + self.numbers[parts[1]]
        return None


def _alternation(words: list[str], abbreviated: frozenset[str] = frozenset()) -> str:
    """A regex alternation, longest first; the `abbreviated` words may end in a full stop ('Aug.')."""
    out = []
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"\s+")
        out.append(escaped + r"\.?" if word in abbreviated else escaped)
    return "(?:" + "|".join(out) + ")"


def _abbreviations(names: dict[str, int]) -> frozenset[str]:
    """The short forms of a name table: every key but the longest one for each value."""
    longest: dict[int, str] = {}
    for word, value in names.items():
        if len(word) > len(longest.get(value, "")):
            longest[value] = word
    return frozenset(w for w in names if w not in longest.values())


@cache
def lexicon() -> Lexicon:
    data = load_rule("time_lexicon.json")
    numbers = {k: float(v) for k, v in data["numbers"].items()}
    tens = [w for w, v in numbers.items() if v in (20, 30, 40, 50, 60, 70, 80, 90) and " " not in w]
    ones = [w for w, v in numbers.items() if 1 <= v <= 9 and w not in ("a", "an")]
    compound = f"(?:{_alternation(tens)}[- ]{_alternation(ones)})"
    units = data["units"]
    singular = [u for u in units if u in ("second", "minute", "hour", "day", "week", "month", "quarter",
                                          "year", "decade", "century", "weekend")]
    places = {
        "MONTH": _alternation(list(data["months"]), _abbreviations(data["months"])),
        "WEEKDAY": _alternation(list(data["weekdays"]), _abbreviations(data["weekdays"])),
        "NUM": f"(?:{compound}|{_alternation(list(numbers))}|\\d{{1,3}}(?:,\\d{{3}})*)",
        "VAGUE": _alternation(list(data["vague_numbers"])),
        "ORD": _alternation(list(data["ordinals"])),
        "UNIT": _alternation(list(units)),
        "UNIT_SING": _alternation(singular),
        "POD": _alternation(["morning", "afternoon", "evening", "night"]),
        "SEASON": _alternation(list(data["seasons"])),
        "REL": _alternation(list(data["relative_words"])),
        "DEICTIC": _alternation(list(data["deictic_days"])),
        "REF": _alternation(list(data["reference_words"])),
        "SET": _alternation(list(data["sets"])),
        "YEAR": r"(?:1[6-9]\d\d|20\d\d)",
        "DAY": r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?",
    }
    patterns = []
    for spec in load_rule("time_patterns.json")["patterns"]:
        body = re.sub(r"\{([A-Z_]+)\}", lambda m: places[m.group(1)], spec["regex"])
        # A match starts and ends at word edges; '$' before a number makes it money, not a year.
        regex = re.compile(rf"(?<![\w$£€])(?:{body})(?!\w)", re.IGNORECASE)
        patterns.append(Pattern(spec["name"], spec["kind"], spec["type"], regex))
    cues = _alternation(data["future_cues"])
    return Lexicon(
        months=data["months"], ambiguous_months=frozenset(data["ambiguous_months"]),
        weekdays=data["weekdays"], ambiguous_weekdays=frozenset(data["ambiguous_weekdays"]),
        numbers=numbers, vague_numbers=frozenset(data["vague_numbers"]), ordinals=data["ordinals"],
        units=units, parts_of_day=data["parts_of_day"], seasons=data["seasons"],
        deictic_days=data["deictic_days"], relative_words=data["relative_words"],
        reference_words=data["reference_words"], sets=data["sets"],
        future_cues=re.compile(rf"(?<!\w){cues}(?!\w)", re.IGNORECASE), patterns=tuple(patterns),
    )
