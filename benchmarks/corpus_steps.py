"""Benchmark of the cross-document steps resolve and event_groups on synthetic analyses (not a test).

    .venv/bin/python benchmarks/corpus_steps.py [--sizes 1000,2000,4000] [--seed 20240601]

No parse and no store: each document is a `DocAnalysis` built directly, with invented people,
organisations and places as mentions and one reported event (plus, in some documents, a meeting
told as background). Every story is told by three documents of random outlets, with spelling
variants, acronyms and lone surnames, so both steps do real merging. Prints one row per size: seconds (wall
and CPU) of `resolve_entities` and of `group_events`, what they found, and a digest of their output
so that runs of two versions of the code can be seen to agree.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta

from storylens.model import CorpusAnalysis, DocAnalysis, Document, Event, EventDate, Mention, Span, stable_id
from storylens.pipeline import link
from storylens.stages.event_groups import group_events
from storylens.stages.resolve import resolve_entities

# Letters no rule of rules/entity_names.json rewrites, so distinct consonant sequences stay distinct names.
CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
EVENT_VERBS = {"CONSULT": "met", "AGREE": "signed a deal with", "ASSAULT": "attacked", "COERCE": "blockaded",
               "ACCUSE": "accused", "SUPPORT": "praised", "REQUEST": "appealed to"}
FIRST_DAY = date(2031, 1, 1)


def invented_word(number: int, rng: random.Random) -> str:
    """A capitalised pseudo-word whose consonants spell `number` in base 14 (distinct numbers give
    distinct consonant skeletons) and whose vowels are random."""
    letters = []
    while True:
        number, digit = divmod(number, len(CONSONANTS))
        letters.append(CONSONANTS[digit] + rng.choice(VOWELS))
        if number == 0:
            break
    return "".join(letters).capitalize() + rng.choice(("", "n", "r", "s"))


@dataclass(frozen=True, slots=True)
class Party:
    full: str
    label: str
    surname: str | None = None  # people only
    acronym: str | None = None  # organisations only


@dataclass(frozen=True, slots=True)
class Story:
    event_type: str
    actor: Party
    target: Party
    place: str
    day: date


def _variant(name: str, rng: random.Random) -> str:
    """The same name spelled as another outlet might: a doubled consonant (same name key) or a
    vowel of the other class (same consonant skeleton, different key)."""
    roll = rng.random()
    if roll < 0.2:
        i = next((i for i in range(1, len(name)) if name[i] in CONSONANTS), None)
        return name if i is None else name[:i] + name[i] + name[i:]
    if roll < 0.25 and "a" in name:
        return name.replace("a", "o", 1)
    return name


class _Text:
    """A document's text built piece by piece, with the spans of the names written into it."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        self.parts: list[str] = []
        self.length = 0
        self.mentions: list[Mention] = []

    def add(self, text: str) -> Span:
        self.parts.append(text)
        self.length += len(text)
        return Span(self.length - len(text), self.length)

    def name(self, text: str, label: str, canonical: str | None = None) -> Span:
        span = self.add(text)
        self.mentions.append(Mention(self.doc_id, span, text, label, canonical=canonical))
        return span


def synthetic_corpus(size: int, seed: int) -> CorpusAnalysis:
    """`size` documents reporting `size // 3` stories (see the module docstring)."""
    rng = random.Random(seed)
    given_names = [invented_word(n, rng) for n in range(200, 260)]
    surnames = [invented_word(n, rng) for n in range(1000, 1000 + size * 3 // 8)]  # some families share one
    people = [Party(f"{rng.choice(given_names)} {surname}", "PERSON", surname=surname)
              for surname in surnames + rng.sample(surnames, len(surnames) // 3)]
    organisations = []
    for n in range(max(2, size // 20)):
        words = [invented_word(5000 + 3 * n + k, rng) for k in range(3)]
        organisations.append(Party(" ".join(words), "ORG", acronym="".join(w[0] for w in words)))
    places = [invented_word(9000 + n, rng) for n in range(40)]
    stories = []
    for _ in range(max(1, size // 3)):
        event_type = rng.choice(list(EVENT_VERBS))
        actor = rng.choice(people)
        target = rng.choice(organisations) if rng.random() < 0.3 else rng.choice(people)
        stories.append(Story(event_type, actor, target, rng.choice(places),
                             FIRST_DAY + timedelta(days=rng.randrange(700))))
    docs = [_document(f"d{n}", stories[n % len(stories)], rng.choice(stories), rng) for n in range(size)]
    return CorpusAnalysis(docs=tuple(docs))


def _party(text: _Text, party: Party, rng: random.Random) -> Span:
    if party.acronym and rng.random() < 0.3:
        return text.name(party.acronym, party.label)
    if party.surname and rng.random() < 0.2:
        return text.name(_variant(party.surname, rng), "PERSON")  # a lone surname, resolved across documents
    given, _, surname = party.full.rpartition(" ")
    return text.name(f"{given} {_variant(surname, rng)}" if party.surname else party.full, party.label)


def _document(doc_id: str, story: Story, background: Story, rng: random.Random) -> DocAnalysis:
    text = _Text(doc_id)
    day = story.day + timedelta(days=rng.choice((0, 0, 0, 1)))
    actor = _party(text, story.actor, rng)
    verb = text.add(f" {EVENT_VERBS[story.event_type]} ")
    target = _party(text, story.target, rng)
    text.add(" in ")
    place = text.name(story.place, "GPE")
    dated = rng.random() < 0.8
    text.add(f" on {day.isoformat()}." if dated else ".")
    sentence = Span(0, text.length)
    events = [Event(f"{doc_id}-e1", doc_id, sentence, Span(verb.start + 1, verb.end - 1), story.event_type, None,
                    actor, target, place, EventDate(day.isoformat(), day.isoformat(), None, "explicit") if dated
                    else None)]
    if story.actor.surname:
        text.add(" ")
        text.name(story.actor.surname, "PERSON", canonical=text.mentions[0].text)  # a short form within the document
        text.add(" said more talks would follow.")
    if rng.random() < 0.3:
        start = text.add(" Earlier, ").end
        earlier_actor = _party(text, background.actor, rng)
        trigger = text.add(" had met ")
        earlier_target = _party(text, background.target, rng)
        text.add(".")
        events.append(Event(f"{doc_id}-e2", doc_id, Span(start, text.length),
                            Span(trigger.start + 5, trigger.end - 1), "CONSULT", None, earlier_actor, earlier_target,
                            None, None))
    body = "".join(text.parts)
    published = (story.day + timedelta(days=rng.randrange(3))).isoformat()
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=body, outlet=f"Outlet {rng.randrange(12)}",
                        published=published, body_spans=(Span(0, len(body)),))
    return DocAnalysis(document=document, mentions=tuple(text.mentions), events=tuple(events))


def measure(size: int, seed: int) -> dict[str, str]:
    corpus = synthetic_corpus(size, seed)
    started, cpu = time.perf_counter(), time.process_time()
    entities = resolve_entities(corpus.docs)
    resolve_s, resolve_cpu = time.perf_counter() - started, time.process_time() - cpu
    linked = link(replace(corpus, entities=entities))
    started, cpu = time.perf_counter(), time.process_time()
    groups = group_events(linked)
    groups_s, groups_cpu = time.perf_counter() - started, time.process_time() - cpu
    digest = stable_id(*(f"{e.id}:{len(e.mentions)}:{len(e.merges)}" for e in entities),
                       *(g.id for g in groups), length=10)
    return {"docs": f"{size:,}", "mentions": f"{sum(len(d.mentions) for d in corpus.docs):,}",
            "events": f"{sum(len(d.events) for d in corpus.docs):,}",
            "resolve s": f"{resolve_s:.2f}", "resolve CPU s": f"{resolve_cpu:.2f}", "entities": f"{len(entities):,}",
            "event_groups s": f"{groups_s:.2f}", "event_groups CPU s": f"{groups_cpu:.2f}",
            "event groups": f"{len(groups):,}", "output digest": digest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000", help="comma-separated numbers of documents")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    for n, size in enumerate(args.sizes.split(",")):
        row = measure(int(size), args.seed)
        if n == 0:
            print("| " + " | ".join(row) + " |")
            print("|" + "|".join("---:" for _ in row) + "|")
        print("| " + " | ".join(row.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
