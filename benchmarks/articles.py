"""English-like synthetic news articles for end-to-end benchmarks (fixed seed, no downloaded data).

Sentences are put together from parts (shapes, verbs, objects, places, times, quote words) with
invented people, organisations and places, so every stage has work to do (names to resolve, quotes
to attribute, events and dates to find) while two articles rarely share a sentence, as in real news.
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
# Sentences are put together from parts, so that two articles rarely share a sentence (as in
# real news): a sentence shape, then subjects, verbs, objects, places, times and quote words.
SHAPES = [
    "{person} of {group} {verb} {object} in {place} {time}.",
    "\u201c{quote},\u201d {person} said {time}.",
    "{group} said in a statement that {object} would {future} {deadline}.",
    "In a telephone call with {person2}, {person} {verb} {object}.",
    "\u201c{quote},\u201d said {person}, who has led {group} since {year}.",
    "According to {outlet}, {person} accused {group} of {gerund} {object}.",
    "The talks in {place} followed {span} of protests over {object}, {outlet} reported.",
    "{person} told {outlet} that {group} had {past} {object} {time}.",
    "{time_cap}, {group} threatened to {future} {object}.",
    "He added that {object} could be {settled} before {month}.",
]
VERBS = ["discussed", "rejected", "welcomed", "criticised", "questioned", "signed", "defended", "praised",
         "postponed", "approved", "challenged", "announced"]
FUTURE = ["review", "suspend", "expand", "renegotiate", "publish", "audit", "scrap", "extend"]
PAST = ["promised", "blocked", "funded", "delayed", "proposed", "withdrawn"]
GERUNDS = ["delaying", "misreporting", "blocking", "underfunding", "politicising"]
SETTLED = ["settled", "resolved", "signed", "abandoned", "revised"]
ADJECTIVES = ["new", "disputed", "regional", "long-delayed", "emergency", "revised", "northern", "coastal",
              "provisional", "joint", "controversial", "temporary"]
NOUNS = ["harbour tariff", "fishing quota", "bridge toll", "water treaty", "border survey", "grain levy",
         "rail corridor", "ferry licence", "port authority budget", "pension reform", "school building plan",
         "flood barrier", "customs agreement", "mining permit", "energy subsidy", "housing scheme"]
TIMES = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "over the weekend",
         "last week", "earlier this month", "on Sunday night", "in March", "last year"]
SPANS = ["weeks", "months", "two days", "a fortnight", "three years"]
QUOTE_WORDS = [
    "we", "people", "council", "harbour", "families", "will", "not", "can", "must", "accept", "reject",
    "wait", "ask", "vote", "decide", "promise", "answer", "trust", "build", "protect", "keep", "open",
    "close", "pay", "fair", "clear", "honest", "late", "now", "soon", "never", "together", "future", "work",
    "jobs", "water", "bridges", "schools", "coast", "valley", "region", "government", "plan", "deal"
]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def _object(rng: random.Random) -> str:
    return f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def _quote(rng: random.Random) -> str:
    words = [rng.choice(QUOTE_WORDS) for _ in range(rng.randint(6, 14))]
    return " ".join(words).capitalize()


def article(rng: random.Random, index: int, sentences: int = 18) -> tuple[str, str, str]:
    """(outlet, ISO date, text) of one article."""
    published = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    outlet = rng.choice(OUTLETS)
    paragraphs = []
    for _ in range(sentences):
        people = rng.sample(PEOPLE, 2)
        time = rng.choice(TIMES)
        sentence = rng.choice(SHAPES).format(
            person=people[0], person2=people[1], group=rng.choice(GROUPS), place=rng.choice(PLACES),
            verb=rng.choice(VERBS), object=_object(rng), future=rng.choice(FUTURE), past=rng.choice(PAST),
            gerund=rng.choice(GERUNDS), settled=rng.choice(SETTLED), quote=_quote(rng), time=time,
            time_cap=time[0].upper() + time[1:], deadline=f"by {rng.choice(MONTHS)}", span=rng.choice(SPANS),
            outlet=rng.choice(OUTLETS), year=rng.randrange(2001, 2023), month=rng.choice(MONTHS))
        paragraphs.append(sentence[0].upper() + sentence[1:])
    title = f"Report {index}: {rng.choice(NOUNS)} talks in {rng.choice(PLACES)}"
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
