"""Story features: what the stories stage compares, read from each document's parse.

Input: a cleaned document and its spaCy parse (shared with the other document stages of the
batch). Output: `DocAnalysis.story_features`, raw term counts, spaCy entity names and dates, the
lead and first sentence, and a background flag. The corpus stage weighs and clusters them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from unidecode import unidecode

from storylens.model import DocAnalysis, Document, StoryFeatures
from storylens.rules import load_rule

if TYPE_CHECKING:
    from collections.abc import Mapping

    from spacy.tokens import Doc

    from storylens.pipeline import Context

LEAD_CHARS = 600  # title + the first sentences up to this length: what a reader sees first


@dataclass(frozen=True, slots=True)
class Cues:
    background: tuple[str, ...]
    months: Mapping[str, int]
    entity_labels: frozenset[str]
    term_pos: frozenset[str]


@cache
def load_cues() -> Cues:
    data = load_rule("stories_cues.json")
    return Cues(background=tuple(c.lower() for c in data["background_cues"]), months=data["months"],
                entity_labels=frozenset(data["entity_labels"]), term_pos=frozenset(data["term_pos"]))


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    """The document with its story features."""
    return replace(analysis, story_features=features_of(analysis.document, ctx.parse(analysis.document)))


def features_of(document: Document, parsed: Doc) -> StoryFeatures:
    """The story features of one document, from the parse of its body."""
    cues = load_cues()
    lead, lead_end = lead_of(document, parsed)
    lead_terms, body_terms = term_counts(parsed, lead_end, cues)
    return StoryFeatures(
        lead=lead,
        first_sentence="" if document.title else first_sentence(document, parsed),
        lead_terms=tuple(lead_terms.items()),
        body_terms=tuple(body_terms.items()),
        names=tuple(spacy_names(parsed, cues).items()),
        dates=tuple(written_dates(parsed, cues)),
        background=has_background(document.body_text(), cues),
    )


# ------------------------------------------------------------------------------------------ terms


def term_counts(parsed: Doc, lead_end: int, cues: Cues) -> tuple[dict[str, int], dict[str, int]]:
    """Lemmas of content words and numbers, counted in the title and lead and after it."""
    lead: dict[str, int] = {}
    body: dict[str, int] = {}
    for token in parsed:
        if token.is_stop or token.pos_ not in cues.term_pos or not (token.is_alpha or token.like_num):
            continue
        lemma = token.lemma_.lower() if token.is_alpha else token.text.lower()
        if len(lemma) < 2:
            continue
        counts = lead if token.idx < lead_end else body
        counts[lemma] = counts.get(lemma, 0) + 1
    return lead, body


# ------------------------------------------------------------------------------------------ names


def normalise_name(text: str) -> str:
    name = unidecode(text).lower().strip()
    name = re.sub(r"^the\s+", "", name)
    name = re.sub(r"['’]s$", "", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def name_key(text: str, label: str) -> str:
    """'PERSON:velsen': the label and the normalised name; empty when nothing of the name is left."""
    name = normalise_name(text)
    # A person is named in full once and by surname after: the surname alone merges the two.
    if label == "PERSON" and name:
        name = name.split()[-1]
    return f"{label}:{name}" if name else ""


def spacy_names(parsed: Doc, cues: Cues) -> Counter[str]:
    """How often spaCy names each entity (the labels of the cues), in order of first mention."""
    counter: Counter[str] = Counter()
    for ent in parsed.ents:
        if ent.label_ in cues.entity_labels:
            counter[name_key(ent.text, ent.label_)] += 1
    counter.pop("", None)
    return counter


# ------------------------------------------------------------------------------------------ dates


_WRITTEN = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*((?:19|20)\d\d)\b"
                      r"|(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?\s*,?\s*((?:19|20)\d\d)\b")


def written_dates(parsed: Doc, cues: Cues) -> list[str]:
    """Full dates ('March 3, 2030') among spaCy's DATE entities, as ISO days."""
    return [iso for ent in parsed.ents if ent.label_ == "DATE" and (iso := parse_written_date(ent.text, cues))]


def parse_written_date(text: str, cues: Cues) -> str | None:
    match = _WRITTEN.search(text)
    if match is None:
        return None
    month_name, day, year = (match[1], match[2], match[3]) if match[1] else (match[5], match[4], match[6])
    month = cues.months.get(month_name.lower())
    if month is None:
        return None
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ lead


def lead_of(document: Document, parsed: Doc) -> tuple[str, int]:
    """The title and the first body sentences (up to LEAD_CHARS), and where the lead ends."""
    spans = sorted(document.body_spans)
    end = spans[0].start if spans else 0
    sentences: list[str] = []
    for sentence in parsed.sents:
        text = sentence.text.strip()
        if not text:
            continue
        sentences.append(" ".join(text.split()))
        end = sentence.end_char
        if sum(len(s) for s in sentences) >= LEAD_CHARS:
            break
    lead = " ".join(sentences)[: LEAD_CHARS * 2]
    return (f"{document.title}. {lead}" if document.title else lead), end


def first_sentence(document: Document, parsed: Doc) -> str:
    """A story title when no member has one: the first body sentence of a few words."""
    for sentence in parsed.sents:
        text = " ".join(sentence.text.split())
        if len(text.split()) >= 4:
            return text
    return " ".join(document.body_text().split())[:200]


def has_background(text: str, cues: Cues) -> bool:
    lowered = " ".join(text.lower().split())
    return any(re.search(rf"\b{re.escape(cue)}\b", lowered) for cue in cues.background)
