"""The cue lexicon of the quotes stage, read from rules/quote_cues.json (data, not code)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from storylens.rules import load_rule


@dataclass(frozen=True, slots=True)
class Cues:
    direct_verbs: frozenset[str]
    indirect_verbs: frozenset[str]
    partial_verbs: frozenset[str]
    object_verbs: dict[str, frozenset[str]]  # lemma -> particles it needs ('' for none)
    phrases: tuple[str, ...]
    statement_nouns: frozenset[str]
    tweet_words: frozenset[str]
    report_nouns: frozenset[str]
    anaphoric_nouns: dict[str, str]
    pronouns: dict[str, str]
    speaker_labels: frozenset[str]
    phrase_labels: frozenset[str]
    not_speaker_labels: frozenset[str]
    title_minor_words: frozenset[str]
    tweet_signature: re.Pattern[str]
    transcript_label: re.Pattern[str]
    wording_stopwords: frozenset[str]


@cache
def load_cues() -> Cues:
    raw = load_rule("quote_cues.json")
    return Cues(
        direct_verbs=frozenset(raw["direct_verbs"]),
        indirect_verbs=frozenset(raw["indirect_verbs"]),
        # A partial quote hangs off any speech verb, or off a verb of naming and judging; not off a
        # verb that quotes only right beside its quote ('he goes, "..."').
        partial_verbs=(frozenset(raw["direct_verbs"]) | frozenset(raw["indirect_verbs"])
                       | frozenset(raw["partial_verbs"])) - frozenset(raw["quotative_only_verbs"]),
        object_verbs=_by_lemma(raw["object_verbs"]),
        phrases=tuple(raw["phrases"]),
        statement_nouns=frozenset(raw["statement_nouns"]),
        tweet_words=frozenset(raw["tweet_words"]),
        report_nouns=frozenset(raw["report_nouns"]),
        anaphoric_nouns=dict(raw["anaphoric_nouns"]),
        pronouns=dict(raw["pronouns"]),
        speaker_labels=frozenset(raw["speaker_labels"]),
        phrase_labels=frozenset(raw["phrase_labels"]),
        not_speaker_labels=frozenset(raw["not_speaker_labels"]),
        title_minor_words=frozenset(raw["title_minor_words"].split()),
        tweet_signature=re.compile(raw["tweet_signature"]),
        transcript_label=re.compile(raw["transcript_label"]),
        wording_stopwords=frozenset(raw["wording_stopwords"].split()),
    )


def _by_lemma(entries: list[str]) -> dict[str, frozenset[str]]:
    """'call for' -> {'call': {'for'}}; 'propose' -> {'propose': {''}}."""
    out: dict[str, set[str]] = {}
    for entry in entries:
        lemma, _, particle = entry.partition(" ")
        out.setdefault(lemma, set()).add(particle)
    return {lemma: frozenset(particles) for lemma, particles in out.items()}
