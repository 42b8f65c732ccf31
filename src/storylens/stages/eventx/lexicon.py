"""The PLOVER trigger lexicon, read from rules/plover_triggers.json into lookup tables.

Input: the JSON data file (lemmas, lemma phrases, verb+object pairs and mode cues per type).
Output: a frozen `Lexicon` the extractor queries by lemma.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from storylens.rules import load_rule

PLOVER_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")


@dataclass(frozen=True, slots=True)
class Cue:
    """What a lexicon entry means: the PLOVER type and, when the entry fixes it, the mode."""

    type: str
    mode: str | None


@dataclass(frozen=True, slots=True)
class Lexicon:
    verbs: dict[str, Cue]
    nouns: dict[str, Cue]
    phrases: tuple[tuple[tuple[str, ...], Cue], ...]  # longest first
    verb_objects: dict[tuple[str, str], Cue]
    mode_cues: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]  # type -> (mode, cue words) in order
    request: frozenset[str]
    intent: frozenset[str]
    intent_frames: frozenset[str]
    negation: frozenset[str]
    cooperative: frozenset[str]
    hostile: frozenset[str]
    frames: frozenset[str]
    ignore_verbs: frozenset[str]
    place_nouns: frozenset[str]  # 'in the Qatari capital' names a place without a name
    pronouns: frozenset[str]  # participants that say nothing about who until resolved
    # Praise voiced without a praise verb, inside a speaker's own words ('X won', 'proud of X').
    praise_verbs: frozenset[str] = frozenset()
    praise_adjectives: frozenset[str] = frozenset()
    praise_nouns: frozenset[str] = frozenset()
    # Neutral verbs that are an event when armed forces are their subject ('fighters entered X').
    armed_verbs: dict[str, Cue] = field(default_factory=dict)
    armed_actors: frozenset[str] = frozenset()


def _entry(item: str, event_type: str) -> tuple[str, Cue]:
    word, _, mode = item.partition(":")
    return word.strip().lower(), Cue(event_type, mode.strip() or None)


def build(data: dict[str, Any]) -> Lexicon:
    """A lexicon from the parsed JSON; the first type listing a word wins (types are in priority order)."""
    verbs: dict[str, Cue] = {}
    nouns: dict[str, Cue] = {}
    phrases: dict[tuple[str, ...], Cue] = {}
    verb_objects: dict[tuple[str, str], Cue] = {}
    for event_type, section in data["types"].items():
        if event_type not in PLOVER_TYPES:
            raise ValueError(f"plover_triggers.json: unknown PLOVER type {event_type!r}")
        for item in section.get("verbs", ()):
            word, cue = _entry(item, event_type)
            verbs.setdefault(word, cue)
        for item in section.get("nouns", ()):
            word, cue = _entry(item, event_type)
            # A multi-word noun ('hunger strike') is matched as a phrase.
            if " " in word:
                phrases.setdefault(tuple(word.split()), cue)
            else:
                nouns.setdefault(word, cue)
        for item in section.get("phrases", ()):
            word, cue = _entry(item, event_type)
            phrases.setdefault(tuple(word.split()), cue)
        for item in section.get("verb_objects", ()):
            word, cue = _entry(item, event_type)
            verb, _, obj = word.partition(" ")
            verb_objects.setdefault((verb, obj.split()[-1]), cue)
    mode_cues = {t: tuple((mode, tuple(w.lower() for w in words)) for mode, words in cues.items())
                 for t, cues in data.get("mode_cues", {}).items()}
    modality = data["modality"]
    praise = data.get("quote_praise", {})
    armed = data.get("armed_subject", {})
    return Lexicon(
        verbs=verbs, nouns=nouns,
        phrases=tuple(sorted(phrases.items(), key=lambda kv: -len(kv[0]))),
        verb_objects=verb_objects, mode_cues=mode_cues,
        request=frozenset(modality["request"]), intent=frozenset(modality["intent"]),
        intent_frames=frozenset(modality["intent_frames"]), negation=frozenset(modality["negation"]),
        cooperative=frozenset(modality["cooperative"]), hostile=frozenset(modality["hostile"]),
        frames=frozenset(modality["frames"]), ignore_verbs=frozenset(data.get("ignore_verbs", ())),
        place_nouns=frozenset(data.get("place_nouns", ())), pronouns=frozenset(data.get("pronouns", ())),
        praise_verbs=frozenset(praise.get("verbs", ())), praise_adjectives=frozenset(praise.get("adjectives", ())),
        praise_nouns=frozenset(praise.get("nouns", ())),
        armed_verbs={word: cue for word, cue in (_entry(item, t) for t, items in armed.get("verbs", {}).items()
                                                 for item in items)},
        armed_actors=frozenset(armed.get("actors", ())),
    )


@cache
def load() -> Lexicon:
    """The packaged lexicon (parsed once per process)."""
    return build(load_rule("plover_triggers.json"))
