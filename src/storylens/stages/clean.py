"""Boilerplate removal for text articles: line rules from rules/boilerplate.json, headline and dateline.

Input: a Document read from a text or JSONL file (body_spans = the text after the header lines).
Output: the same Document with every removed line recorded as a Removal, body_spans split around
them, and the headline and dateline turned into `title` and `published` when those are unset.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from storylens.errors import InputRejected
from storylens.model import DocAnalysis, Document, Removal, Span
from storylens.pipeline import Context

TEXT_FORMATS = frozenset(("text", "jsonl"))
PAGE_FORMATS = frozenset(("html", "warc"))
# In a page body (already cut by trafilatura) the headline and dateline are looked for only among
# the first lines: trafilatura keeps the page's <h1> and date line on top of the text it returns.
PAGE_TOP_LINES = 3
KINDS = frozenset(("share-button", "caption", "ad", "related-link", "comment-notice", "credit", "dateline",
                   "headline", "other"))
# A line this long (in words) that ends a sentence is article prose: the lines above the first one
# are the page top, where headlines, datelines, bylines and section labels live. Calibrated on the
# seeds, whose standfirst-free articles open with 25+ word paragraphs and whose headlines are < 15.
PROSE_WORDS = 18
# A headline has at most this many words (news headlines run 6-20).
HEADLINE_WORDS = 25
# Lines following a 'Related:' or 'Tags:' label are link titles when this short and unpunctuated.
LINK_WORDS = 20
# The ingest keeps header lines ('date 2021-08-17', 'outlet ...') in `text`; when a document's body
# still covers them they are removed here.
HEADER_LINE = re.compile(r"^(?:date\s+\d|url\s+https?://|(?:outlet|title|author|source|byline|language|lang|id)\s+\S)")


@dataclass(frozen=True, slots=True)
class LineRule:
    """One boilerplate rule: a regex over a trimmed line, where it applies and what guards it."""

    id: str
    kind: str
    scope: str  # line|top|bottom|block-following
    guard: str  # none|quote|speech
    pattern: re.Pattern[str]
    max_following: int = 0
    max_words: int = 0  # 0: no limit


@dataclass(frozen=True, slots=True)
class Rules:
    lines: tuple[LineRule, ...]
    reporting_verb: re.Pattern[str]
    quotation: re.Pattern[str]
    dateline: re.Pattern[str]
    months: dict[str, int]


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    """The clean stage: text articles get their boilerplate removed; HTML was decided at ingest."""
    document = clean_text(analysis.document)
    if document.outlet is None:
        document = replace(document, outlet=outlet_from_credits(document))
    return replace(analysis, document=document)


def outlet_from_credits(document: Document) -> str | None:
    """The outlet a removed line names ('X has not reviewed this story', 'the views of X'), if any."""
    patterns = _outlet_patterns()
    for removal in document.removed:
        line = removal.span.slice(document.text).strip()
        for pattern in patterns:
            m = pattern.search(line)
            if m:
                return m.group("outlet").strip(" .,;:")
    return None


@cache
def _outlet_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in load_rules()["outlet_credits"]["patterns"])


def clean_text(document: Document) -> Document:
    """`document` with boilerplate lines removed from its body (text and JSONL articles only).

    Raises InputRejected SL140 when every body line is boilerplate.
    """
    # An HTML page read from a JSONL record keeps format 'jsonl': its trafilatura removals tell.
    if document.format in PAGE_FORMATS or any(r.rule == "trafilatura" for r in document.removed):
        return clean_page(document)
    if document.format not in TEXT_FORMATS:
        return document
    rules = compiled_rules()
    text = document.text
    body = document.body_spans or (Span(0, len(text)),)
    lines = _lines(text, body)
    if not lines:
        # only whitespace: there is no body to keep
        return replace(document, body_spans=())
    decisions: dict[int, tuple[str, str]] = {}
    _mark_header(text, lines, decisions)
    top_end = _top_end(text, lines, rules)
    _apply_rules(text, lines, rules, decisions, top_end)
    title, published = document.title, document.published
    published_source = document.published_source
    for index in range(top_end):
        if index in decisions:
            continue
        line = lines[index].slice(text)
        value = parse_dateline(line)
        if value is not None:
            decisions[index] = ("dateline", "dateline")
            if published is None:
                published, published_source = value, "dateline"
    headline = _find_headline(text, lines, decisions, top_end, title)
    if headline is not None:
        decisions[headline] = ("headline", "headline")
        if title is None:
            title = lines[headline].slice(text)
    removed = tuple(Removal(lines[i], kind, rule) for i, (kind, rule) in sorted(decisions.items()))
    kept = _subtract(text, body, [r.span for r in removed])
    if not kept:
        raise InputRejected(f"{document.path}: every line of the article was recognised as boilerplate",
                            code="SL140")
    return replace(document, body_spans=kept, removed=tuple(sorted(document.removed + removed,
                                                                   key=lambda r: r.span)),
                   title=title, published=published, published_source=published_source)


def clean_page(document: Document) -> Document:
    """An HTML page's body (trafilatura's) with the line rules applied inside it: captions, credits,
    share and related-link lines that trafilatura kept, and the headline repeated on top.

    The page-top rules (section labels, bylines, headline shape) are not used: trafilatura has cut
    the page top already. Never empties the body: if every line matched, the document is unchanged.
    """
    rules = compiled_rules()
    text = document.text
    lines = _lines(text, document.body_spans)
    if not lines:
        return document
    decisions: dict[int, tuple[str, str]] = {}
    page_rules = replace(rules, lines=tuple(r for r in rules.lines if r.scope in ("line", "block-following")))
    _apply_rules(text, lines, page_rules, decisions, 0)
    title, published, published_source = document.title, document.published, document.published_source
    wanted = _fold(title) if title else None
    for index in range(min(PAGE_TOP_LINES, len(lines))):
        if index in decisions:
            continue
        line = lines[index].slice(text)
        if wanted and _fold(line) == wanted:
            decisions[index] = ("headline", "headline")
        elif (value := parse_dateline(line)) is not None:
            decisions[index] = ("dateline", "dateline")
            if published is None:
                published, published_source = value, "dateline"
    if not decisions:
        return document
    removed = tuple(Removal(lines[i], kind, rule) for i, (kind, rule) in sorted(decisions.items()))
    kept = _subtract(text, document.body_spans, [r.span for r in removed])
    if not kept:
        return document
    return replace(document, body_spans=kept, removed=tuple(sorted(document.removed + removed, key=lambda r: r.span)),
                   published=published, published_source=published_source)


# ------------------------------------------------------------------------------------------ rules


def load_rules() -> dict[str, Any]:
    """rules/boilerplate.json as data (also read by stages/html.py for its element hints)."""
    data: dict[str, Any] = json.loads(
        resources.files("storylens").joinpath("rules", "boilerplate.json").read_text(encoding="utf-8"))
    return data


@cache
def compiled_rules() -> Rules:
    data = load_rules()
    lines = []
    for item in data["line_rules"]:
        if item["kind"] not in KINDS:
            raise ValueError(f"boilerplate rule {item['id']}: unknown kind {item['kind']!r}")
        flags = 0 if item.get("case") else re.IGNORECASE
        lines.append(LineRule(id=item["id"], kind=item["kind"], scope=item["scope"], guard=item["guard"],
                              pattern=re.compile(item["regex"], flags),
                              max_following=int(item.get("max_following", 0)),
                              max_words=int(item.get("max_words", 0))))
    months = {name: int(number) for name, number in data["months"].items()}
    month = "|".join(sorted(months, key=len, reverse=True))
    weekday = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    dateline = re.compile(
        rf"^(?:{data['dateline_prefix']})?(?:{weekday})?"
        rf"(?:(?P<month>{month})\.?\s+{day},?\s+(?P<year>\d{{4}})"
        rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{month})\.?,?\s+(?P<year2>\d{{4}})"
        rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))"
        r"(?:,?\s*(?:at\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*\(?[A-Z]{2,5}\)?)?)?"
        r"(?:\s*[|•·-]\s*(?:updated|last updated)\b.{0,60})?\W*$",
        re.IGNORECASE)
    quote_marks = data["quote_marks"]
    # Double quotes always open a quotation; a single curly quote only at a word start (’ is also
    # the apostrophe in "Taliban’s").
    quotation = re.compile(rf"[{re.escape(quote_marks.replace('‘', '').replace('’', ''))}]|(?:^|\s)‘\w")
    reporting_verb = re.compile(rf"\b(?:{data['reporting_verbs']})\b", re.IGNORECASE)
    return Rules(tuple(lines), reporting_verb, quotation, dateline, months)


def parse_dateline(line: str) -> str | None:
    """The ISO date of a line that is only a date ('August 17, 2021', 'Published: 17 Aug 2021 10:32')."""
    rules = compiled_rules()
    match = rules.dateline.match(line.strip())
    if match is None:
        return None
    if match.group("iso"):
        year, month, day = (int(p) for p in match.group("iso").split("-"))
    else:
        year = int(match.group("year") or match.group("year2"))
        month = rules.months[(match.group("month") or match.group("month2")).lower()]
        day = int(match.group("day") or match.group("day2"))
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ lines


def _lines(text: str, body: tuple[Span, ...]) -> list[Span]:
    """The non-blank lines of the body, surrounding whitespace excluded."""
    lines = []
    for span in body:
        for match in re.finditer(r"[^\n]+", text[span.start : span.end]):
            start, end = span.start + match.start(), span.start + match.end()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                lines.append(Span(start, end))
    return lines


def _words(line: str) -> int:
    return len(line.split())


def is_speech(line: str, rules: Rules | None = None) -> bool:
    """A line quoting someone or reporting speech: never removed by a guarded rule."""
    rules = rules or compiled_rules()
    return bool(rules.quotation.search(line) or rules.reporting_verb.search(line))


def _is_prose(line: str, rules: Rules) -> bool:
    stripped = line.rstrip("”\"’') ")
    return (_words(line) >= PROSE_WORDS and stripped[-1:] in ".!?:;") or (
        _words(line) >= PROSE_WORDS and bool(rules.quotation.search(line)))


def _top_end(text: str, lines: list[Span], rules: Rules) -> int:
    """Index of the first prose line: the lines before it are the top of the page."""
    for index, span in enumerate(lines):
        if _is_prose(span.slice(text), rules):
            return index
    # No prose at all (a short item): only the first line can be a headline.
    return min(1, len(lines))


def _mark_header(text: str, lines: list[Span], decisions: dict[int, tuple[str, str]]) -> None:
    for index, span in enumerate(lines):
        if not HEADER_LINE.match(span.slice(text)):
            return
        decisions[index] = ("other", "header-line")


def _guarded(rule: LineRule, line: str, rules: Rules) -> bool:
    """True when the guard keeps the line as body although the rule's pattern matched."""
    if rule.guard == "quote":
        return bool(rules.quotation.search(line))
    if rule.guard == "speech":
        return is_speech(line, rules)
    return False


def _rule_fires(rule: LineRule, line: str, rules: Rules) -> bool:
    if rule.max_words and _words(line) > rule.max_words:
        return False
    return bool(rule.pattern.search(line)) and not _guarded(rule, line, rules)


def _apply_rules(text: str, lines: list[Span], rules: Rules, decisions: dict[int, tuple[str, str]],
                 top_end: int) -> None:
    index = 0
    while index < len(lines):
        if index in decisions:
            index += 1
            continue
        line = lines[index].slice(text)
        for rule in rules.lines:
            if rule.scope == "top" and index >= top_end:
                continue
            if not _rule_fires(rule, line, rules):
                continue
            decisions[index] = (rule.kind, rule.id)
            if rule.scope == "block-following":
                index = _mark_following(text, lines, rules, decisions, index, rule)
            break
        index += 1


def _mark_following(text: str, lines: list[Span], rules: Rules, decisions: dict[int, tuple[str, str]],
                    index: int, rule: LineRule) -> int:
    """Mark the link or tag lines after a label line; returns the index of the last one marked."""
    last = index
    for follower in range(index + 1, min(len(lines), index + 1 + rule.max_following)):
        previous, span = lines[follower - 1], lines[follower]
        gap = text[previous.end : span.start].count("\n")
        # One blank line may separate the label from its first link; after that they must touch.
        if gap > 2 or (gap > 1 and follower > index + 1):
            break
        line = span.slice(text)
        if not _is_link_title(line, rules):
            break
        decisions.setdefault(follower, (rule.kind, rule.id))
        last = follower
    return last


def _is_link_title(line: str, rules: Rules) -> bool:
    if _words(line) > LINK_WORDS or line.rstrip()[-1:] in ".:;,":
        return False
    # A link title may quote or name a verb ('Minister says ...'); only both together make it prose.
    return not (rules.quotation.search(line) and rules.reporting_verb.search(line))


def _find_headline(text: str, lines: list[Span], decisions: dict[int, tuple[str, str]], top_end: int,
                   title: str | None) -> int | None:
    """The repeated headline among the top lines: the line equal to the known title, or else the
    first remaining top line shaped like a headline (short, not ending a sentence)."""
    candidates = [i for i in range(top_end) if i not in decisions]
    if title:
        wanted = _fold(title)
        for index in range(min(len(lines), top_end + 1)):
            if index not in decisions and _fold(lines[index].slice(text)) == wanted:
                return index
        return None
    if not candidates or top_end >= len(lines):
        return None
    index = candidates[0]
    line = lines[index].slice(text)
    if _words(line) > HEADLINE_WORDS or line.rstrip()[-1:] in ".,;:" or parse_dateline(line):
        return None
    return index


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _subtract(text: str, body: tuple[Span, ...], removed: list[Span]) -> tuple[Span, ...]:
    """The body spans minus the removed spans, each piece trimmed of surrounding whitespace."""
    pieces: list[Span] = []
    cuts = sorted(removed)
    for span in body:
        start = span.start
        for cut in cuts:
            if cut.end <= start or cut.start >= span.end:
                continue
            if cut.start > start:
                pieces.append(Span(start, cut.start))
            start = max(start, cut.end)
        if start < span.end:
            pieces.append(Span(start, span.end))
    kept = []
    for piece in pieces:
        start, end = piece.start, piece.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            kept.append(Span(start, end))
    return tuple(kept)
