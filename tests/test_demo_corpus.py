"""The bundled demo corpus and its gold: formats, headers, planted phenomena, and a gold that
score.py reads and that points at text really present in the article files."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from storylens.demo import build_warc, corpus_dir, gold_path
from tests.conftest import require_shared

CORPUS = corpus_dir()
HEADER_KEYS = frozenset({"date", "outlet", "url", "title", "source"})
HEADER_LINE = re.compile(r"([a-z]+) (.+)")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PREFIX = re.compile(r"(\d{3})_")


def read(path: Path) -> str:
    """As score.py reads an article: UTF-8, no newline translation."""
    return path.read_bytes().decode("utf-8")


def articles(ext: str) -> list[Path]:
    return sorted(CORPUS.glob(f"*.{ext}"))


def by_prefix() -> dict[str, Path]:
    return {m.group(1): p for p in CORPUS.iterdir() if (m := PREFIX.match(p.name))}


def header(text: str) -> dict[str, str]:
    """The `key value` lines before the first blank line, if every one of them has a known key."""
    head, sep, _ = text.partition("\n\n")
    if not sep:
        return {}
    fields: dict[str, str] = {}
    for line in head.split("\n"):
        m = HEADER_LINE.fullmatch(line)
        if not m or m.group(1) not in HEADER_KEYS:
            return {}
        fields[m.group(1)] = m.group(2)
    return fields


def meta(html: str, prop: str) -> str | None:
    m = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)"', html)
    return m.group(1) if m else None


def warc_records() -> list[tuple[dict[str, str], str]]:
    """(WARC headers, HTML payload) of each response record."""
    from warcio.archiveiterator import ArchiveIterator

    records = []
    with (CORPUS / "wires.warc.gz").open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                headers = dict(record.rec_headers.headers)
                records.append((headers, record.content_stream().read().decode("utf-8")))
    return records


def feed() -> list[dict[str, Any]]:
    lines = read(CORPUS / "sentinel_feed.jsonl").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def gold_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gold_path().read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def score() -> ModuleType:
    """../shared/tools/score.py, imported as a module (skipped when ../shared is absent)."""
    path = require_shared("tools", "score.py")
    spec = importlib.util.spec_from_file_location("storylens_shared_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module's annotations through it
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------- corpus files


def test_corpus_has_all_four_formats() -> None:
    assert len(articles("txt")) >= 7
    assert 2 <= len(articles("html")) <= 3
    assert [p.name for p in articles("jsonl")] == ["sentinel_feed.jsonl"]
    assert 3 <= len(feed()) <= 4
    assert [p.name for p in CORPUS.glob("*.warc.gz")] == ["wires.warc.gz"]
    assert len(warc_records()) == 2


def test_at_least_16_articles_from_5_outlets() -> None:
    outlets: set[str] = set()
    for path in articles("txt"):
        if outlet := header(read(path)).get("outlet"):
            outlets.add(outlet)
    for path in articles("html"):
        site = meta(read(path), "og:site_name")
        assert site, f"{path.name} has no og:site_name"
        outlets.add(site)
    outlets.update(item["outlet"] for item in feed())
    outlets.update(site for _, html in warc_records() if (site := meta(html, "og:site_name")))
    count = len(articles("txt")) + len(articles("html")) + len(feed()) + len(warc_records())
    assert count >= 16
    assert len(outlets) >= 5, outlets


def test_article_files_have_unique_three_digit_prefixes() -> None:
    named = articles("txt") + articles("html")
    prefixes = [m.group(1) for p in named if (m := PREFIX.match(p.name))]
    assert len(prefixes) == len(named), "every .txt/.html article needs a 3-digit prefix"
    assert len(set(prefixes)) == len(prefixes)
    # Containers hold several documents: a prefix would map all of them to one gold article.
    for name in ("sentinel_feed.jsonl", "wires.warc.gz"):
        assert not re.match(r"\d{3}", name)


@pytest.mark.parametrize("path", articles("txt"), ids=lambda p: p.name)
def test_txt_header_uses_known_keys_and_iso_dates(path: Path) -> None:
    text = read(path)
    fields = header(text)
    first = text.split("\n", 1)[0]
    if HEADER_LINE.fullmatch(first) and first.split(" ", 1)[0] in HEADER_KEYS:
        assert fields, f"{path.name}: a header must be key lines followed by a blank line"
    if "date" in fields:
        assert ISO_DAY.fullmatch(fields["date"])


def test_txt_headers_vary_as_promised() -> None:
    headers = [header(read(p)) for p in articles("txt")]
    assert any(h and set(h) == {"date"} for h in headers), "a file with only a date line"
    assert any(not h for h in headers), "a file with no header at all"
    assert any(h and "date" not in h for h in headers), "an undated file with a header"
    assert any({"date", "outlet", "url", "title"} <= set(h) for h in headers)


def test_html_pages_look_like_news_pages() -> None:
    for path in articles("html"):
        html = read(path)
        for needle in ("<nav", "<footer", "<article", "<figcaption>", "<title>", "<p>", "Share"):
            assert needle in html or needle.lower() in html.lower(), f"{path.name} lacks {needle}"
        assert meta(html, "article:published_time"), path.name


def test_jsonl_records_have_the_feed_fields() -> None:
    ids = set()
    for item in feed():
        assert set(item) == {"id", "title", "text", "url", "published", "outlet"}
        assert ISO_DAY.fullmatch(item["published"])
        ids.add(item["id"])
    assert len(ids) == len(feed())


def test_warc_records_have_uri_date_and_html() -> None:
    for headers, html in warc_records():
        assert headers["WARC-Target-URI"].startswith("https://")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", headers["WARC-Date"])
        assert headers["WARC-Record-ID"].startswith("<urn:uuid:")
        assert "<article>" in html and meta(html, "og:site_name") == "Meridian Wire"


def test_warc_build_is_deterministic(tmp_path: Path) -> None:
    rebuilt = build_warc.build(tmp_path / "wires.warc.gz")
    assert rebuilt.read_bytes() == (CORPUS / "wires.warc.gz").read_bytes()
    # Every member is a gzip stream of its own (one per record), as WARC readers expect.
    assert gzip.GzipFile(fileobj=io.BytesIO(rebuilt.read_bytes())).read().count(b"WARC/1") == 2


# ------------------------------------------------------------------------------------- planted phenomena

STATEMENT_1 = "We congratulate the people of Beltara on the end of foreign domination over every part of their land"
STATEMENT_2 = "While the Nahra Movement wishes the Beltaran people and their leadership unity, security and prosperity"

PLANTED = [  # (file prefix, text it must contain, the phenomenon)
    ("002", "This article was first published by The Harbour Ledger.", "reprint credits the original"),
    ("004", "KHARSA (Meridian Wire) -", "wire byline"),
    ("004", "al-Kadiri said.", "statement attributed to the leader"),
    ("001", "the Nahra Movement said: “We congratulate", "quote introduced by a colon"),
    ("003", "the group said, “We congratulate", "statement attributed to the organisation"),
    ("004", "Mahir Abu Sallum", "speaker spelling 1"),
    ("006", "Maher Abu Saloum", "speaker spelling 2"),
    ("006", "« L’Alliance a gagné aujourd’hui", "original tweet in French"),
    ("006", "told The Crescent Review", "interview citation"),
    ("006", "According to the statement on its website", "website citation"),
    ("006", "He said the speed of the Alliance", "indirect speech with a pronoun"),
    ("005", "Sheikh Yusuf Al-Qadiri", "title before a name"),
    ("005", "Youssef al-Kadiri", "transliteration variant"),
    ("005", "last week's fall of Kharsa", "relative date"),
    ("005", "the outlawed organisation", "descriptor"),
    ("004", "on Sunday night", "relative date"),
    ("008", "Commander Idris Tamany", "title and spelling variant"),
    ("008", "took Kharsa last year", "background recalling story A"),
    ("008", "Produced in association with Atlas News Syndicate.", "syndication credit"),
    ("008", "said Sedqi.", "speaker after the quote"),
    ("008", "said the Alliance “could play a part", "partial quote in reported speech"),
    ("009", "Omar Haddad", "minister"),
    ("009", "Omar Haddadi", "footballer with a similar name"),
    ("010", "the insurgent Wadi Alliance", "descriptor"),
    ("003", "the militant group Nahra", "descriptor"),
    ("004", "The Nahra resistance movement", "descriptor"),
    ("002", "![Ad](https://", "markdown ad image"),
    ("003", "Join our Northgate Post channel on Telegram", "channel promotion"),
    ("008", "Submit a Correction →", "correction box"),
]


@pytest.mark.parametrize(("prefix", "needle", "phenomenon"), PLANTED, ids=[f"{p}-{w}" for p, _, w in PLANTED])
def test_planted_phenomenon(prefix: str, needle: str, phenomenon: str) -> None:
    assert needle in read(by_prefix()[prefix]), f"{phenomenon}: '{needle}' not in {prefix}"


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_statement_is_pasted_verbatim(prefix: str) -> None:
    text = read(by_prefix()[prefix])
    assert STATEMENT_1 in text and STATEMENT_2 in text


def test_wire_original_of_the_undated_reprint_is_in_the_warc() -> None:
    original = read(by_prefix()["004"])
    wire = warc_records()[0][1]
    assert STATEMENT_1 in wire and "Mahir Abu Sallum" in wire
    assert "date" not in header(original)


def test_multi_paragraph_quote_closes_only_in_its_last_paragraph() -> None:
    lines = read(by_prefix()["008"]).split("\n")
    openers = ("“The Alliance is trying", "“Being seen next to", "“The Alliance wants as many")
    paragraphs = [next(line for line in lines if line.startswith(opener)) for opener in openers]
    assert ["”" in p for p in paragraphs] == [False, False, True]


def test_haddad_and_haddadi_are_different_people() -> None:
    text = read(by_prefix()["009"])
    assert "trade minister, Omar Haddad." in text and "striker Omar Haddadi" in text


# ------------------------------------------------------------------------------------- gold


def test_gold_has_the_seed_gold_keys(gold_data: dict[str, Any]) -> None:
    seeds_keys = ["about", "articles", "stories", "copies", "boilerplate_lines", "quotes", "events",
                  "name_variants", "descriptors", "cited_sources", "languages"]
    assert list(gold_data) == seeds_keys


def test_gold_articles_are_the_txt_and_html_files(gold_data: dict[str, Any]) -> None:
    assert set(gold_data["articles"]) == {p.name for p in articles("txt") + articles("html")}


def test_gold_publication_dates_match_the_files(gold_data: dict[str, Any]) -> None:
    for name, info in gold_data["articles"].items():
        text = read(CORPUS / name)
        stated = (meta(text, "article:published_time") or "")[:10] if name.endswith(".html") \
            else header(text).get("date")
        assert info["published"] == (stated or None), name
        if info["published"] is None:
            assert info["published_inferred"], f"{name}: undated articles need an inferred range"


def test_gold_parses_with_score(gold_data: dict[str, Any], score: ModuleType) -> None:
    gold = score.Gold(gold_data)
    assert len(gold.files) == len(gold_data["articles"])
    quotes = score.gold_quotes(gold)
    assert len(quotes) == len(gold_data["quotes"])
    assert sum(q.conflict for q in quotes) == 2
    assert any(o.variant for q in quotes for o in q.occurrences)
    events = score.gold_events(gold)
    assert len(events) == len(gold_data["events"])
    assert all(ev.types or ev.who for ev in events)
    assert sum(ev.conflict for ev in events) == 1
    for ev in events:
        assert ev.where, f"{ev.id}: no article resolved"
    for item in gold_data["copies"]:
        assert all(gold.resolve_ref(ref) for ref in item["pair"])
    for section in ("boilerplate_lines", "cited_sources", "languages"):
        for ref in gold_data[section]:
            assert gold.resolve_ref(ref) in gold.files, f"{section}: {ref}"
    for per_article in gold_data["descriptors"].values():
        for ref in per_article:
            assert gold.resolve_ref(ref) in gold.files
    for story in gold_data["stories"].values():
        assert all(gold.resolve_ref(ref) in gold.files for ref in story["articles"])
    for info in gold_data["articles"].values():
        if info["published"] is None:
            assert score.parse_gold_range(info["published_inferred"]) is not None


def gold_lines(gold_data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(ref, line) for ref, lines in gold_data["boilerplate_lines"].items() for line in lines]


def test_every_gold_boilerplate_line_is_in_its_file(gold_data: dict[str, Any], score: ModuleType) -> None:
    missing = [f"{ref}: {line}" for ref, line in gold_lines(gold_data)
               if not score.locate_line(read(by_prefix()[ref]), line)]
    assert not missing


def test_boilerplate_gold_lines_are_in_txt_articles_only(gold_data: dict[str, Any]) -> None:
    # score.py locates gold lines in the raw file, whose offsets match the output text only for
    # plain-text articles (an HTML document's text is the page's visible text, not its markup).
    assert all(by_prefix()[ref].suffix == ".txt" for ref in gold_data["boilerplate_lines"])


def test_every_gold_quote_starts_in_its_article_body(gold_data: dict[str, Any], score: ModuleType) -> None:
    gold = score.Gold(gold_data)
    problems = []
    for quote in score.gold_quotes(gold):
        for occ in quote.occurrences:
            path = by_prefix()[occ.article]
            text = read(path)
            folded, offsets = score.fold_with_map(text)
            words = score.fold(occ.starts)
            pos = score.find_words(folded, words)
            if path.suffix != ".txt":
                problems.append(f"{occ.label}: quotes are scored by body_kept in .txt articles only")
            elif pos < 0:
                problems.append(f"{occ.label}: '{occ.starts}' not in {path.name}")
            else:
                # body_kept looks at the first occurrence: it must not lie in a boilerplate line.
                start = offsets[pos]
                for ref, line in gold_lines(gold_data):
                    if ref == occ.article and any(s <= start < e for s, e in score.locate_line(text, line)):
                        problems.append(f"{occ.label}: first occurrence is inside boilerplate '{line}'")
    assert not problems


def test_quote_speakers_and_descriptor_entities_are_named(gold_data: dict[str, Any], score: ModuleType) -> None:
    gold = score.Gold(gold_data)
    for quote in score.gold_quotes(gold):
        for occ in quote.occurrences:
            assert occ.speaker is not None, f"{occ.label}: every demo quote has a speaker"
    for entity in gold_data["descriptors"]:
        assert gold.names.group_in(entity), f"descriptor entity {entity} is not a name_variants group"


def test_name_variant_forms_occur_in_the_corpus(gold_data: dict[str, Any], score: ModuleType) -> None:
    texts = [read(p) for p in articles("txt") + articles("html")]
    texts += [item["text"] for item in feed()] + [html for _, html in warc_records()]
    folded = " ".join(score.fold(t) for t in texts)
    for group in gold_data["name_variants"]:
        for form in group:
            assert score.has_phrase(folded, score.fold(form)), form


# ------------------------------------------------------------------------------------- originality


def shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_no_sentence_is_copied_from_the_seeds() -> None:
    seeds = require_shared("seeds")
    seed_shingles: set[tuple[str, ...]] = set()
    for path in sorted(seeds.glob("*.txt")):
        seed_shingles |= shingles(read(path))
    for path in articles("txt") + articles("html") + list((CORPUS.parent / "build").glob("*.html")):
        shared = shingles(read(path)) & seed_shingles
        assert not shared, f"{path.name} shares {sorted(shared)[:3]} with the seeds"
