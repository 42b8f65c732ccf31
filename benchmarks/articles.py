"""English-like synthetic news articles for end-to-end benchmarks (fixed seed, no downloaded data).

Sentences come from templates filled with invented people, organisations, places and dates, so
every stage has work to do: names to resolve, quotes to attribute, events and dates to find.
`write_corpus(folder, n)` writes n `.txt` articles with a header; `articles(n)` yields their texts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

PEOPLE = ["Ilse Marrow", "Tomas Verrin", "Anja Kolde", "Rafiq Danel", "Mira Tolle", "Oskar Brem", "Lena Quist",
          "Yusuf Harrani", "Petra Ansel", "Dario Fenn", "Nadia Sorel", "Kemal Osterby"]
GROUPS = ["the Velmora Council", "the Harbour Union", "the Orsk Front", "the Northern Alliance",
          "the Kessel Movement", "the Coastal Party"]
PLACES = ["Velmora", "Orsk", "Brenn", "Kessel", "Lunde", "Marrowgate", "Tallis"]
OUTLETS = ["The Velmora Courier", "Orsk Wire", "The Brenn Herald", "Coastline Daily", "The Kessel Post"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TEMPLATES = [
    "{person} of {group} met {person2} in {place} on {weekday} to discuss the {topic}.",
    "\u201cWe will not accept {topic} without a vote,\u201d {person} said after the meeting.",
    "{group} said in a statement that the {topic} would be reviewed by the end of the month.",
    "In a telephone call with {person2}, {person} congratulated {group} on the agreement.",
    "\u201cThe {topic} is a matter for the people of {place},\u201d said {person}, who has led {group} since {year}.",
    "According to {outlet}, {person} accused {group} of delaying the {topic} for political reasons.",
    "The talks in {place} followed weeks of protests over the {topic}, {outlet} reported.",
    "{person} told {outlet} that {group} had promised aid to families in {place}.",
    "Last year, {group} threatened to leave the coalition over the {topic}.",
    "He added that the {topic} could be settled before {month}.",
]
TOPICS = ["harbour tariff", "fishing quota", "bridge toll", "water treaty", "border survey", "grain levy"]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def article(rng: random.Random, index: int, sentences: int = 18) -> tuple[str, str, str]:
    """(outlet, ISO date, text) of one article."""
    published = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    outlet = rng.choice(OUTLETS)
    paragraphs = []
    for _ in range(sentences):
        people = rng.sample(PEOPLE, 2)
        paragraphs.append(rng.choice(TEMPLATES).format(
            person=people[0], person2=people[1], group=rng.choice(GROUPS), place=rng.choice(PLACES),
            weekday=rng.choice(WEEKDAYS), topic=rng.choice(TOPICS), outlet=rng.choice(OUTLETS),
            year=rng.randrange(2001, 2023), month=rng.choice(MONTHS)))
    title = f"Report {index}: {rng.choice(TOPICS)} talks in {rng.choice(PLACES)}"
    body = "\n\n".join(" ".join(paragraphs[i:i + 2]) for i in range(0, len(paragraphs), 2))
    return outlet, published.isoformat(), f"{title}\n\n{body}\n"


def articles(n: int, seed: int = 7) -> Iterator[tuple[str, str, str]]:
    rng = random.Random(seed)
    for i in range(n):
        yield article(rng, i)


def write_corpus(folder: str | Path, n: int, seed: int = 7) -> Path:
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for i, (outlet, published, text) in enumerate(articles(n, seed)):
        (root / f"{i:06d}.txt").write_text(f"date {published}\noutlet {outlet}\n\n{text}", encoding="utf-8")
    return root
