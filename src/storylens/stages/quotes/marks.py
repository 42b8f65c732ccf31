"""Quotation marks: where quoted stretches open and close in the body paragraphs.

Input: the text and its body paragraphs (spans). Output: `Segment`s, the quoted content without its
marks, chained across paragraphs when a quote runs on. Never raises on unbalanced marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storylens.model import Span

DOUBLE_OPEN = "“„«‟〝"
DOUBLE_CLOSE = "”»〞"
DOUBLE_EITHER = '"″＂'
SINGLE_OPEN = "‘‚‹"
SINGLE_CLOSE = "’›"
SINGLE_EITHER = "'"
ALL_MARKS = DOUBLE_OPEN + DOUBLE_CLOSE + DOUBLE_EITHER + SINGLE_OPEN + SINGLE_CLOSE + SINGLE_EITHER
# Characters that may stand right before an opening mark.
OPENING_CONTEXT = " \t([{—–-/:;,\u00a0" + DOUBLE_OPEN + DOUBLE_EITHER
# Trimmed off the ends of quoted content: attribution punctuation, not the speaker's words.
EDGE_TRIM = " \t\u00a0,;:—–-"


@dataclass(frozen=True, slots=True)
class Segment:
    """One quoted stretch: `span` is the content without marks; `opened`/`closed` the mark positions."""

    span: Span
    opened: int  # offset of the opening mark
    closed: int | None  # offset of the closing mark, None when the paragraph ended first
    chain: int  # segments of one multi-paragraph quote share a chain number
    paragraph: int  # index of the body paragraph
    single: bool = False  # quoted with single marks


def _opens(text: str, i: int, start: int) -> bool:
    """A straight or single mark at i opens a quote: it follows a space/bracket and precedes a word."""
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before in OPENING_CONTEXT or before.isspace()) and not after.isspace()


def _closes_single(text: str, i: int) -> bool:
    """’ or ' at i closes a quote unless it is an apostrophe inside a word (don't, Taliban’s)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and not after.isalnum()


def _content(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start] in EDGE_TRIM:
        start += 1
    while end > start and text[end - 1] in EDGE_TRIM:
        end -= 1
    return Span(start, end) if start < end else None


def _scan_double(text: str, para: Span) -> tuple[list[tuple[int, int | None]], bool]:
    """(open, close) mark pairs of double quotes in one paragraph; close None if unclosed."""
    pairs: list[tuple[int, int | None]] = []
    open_at: int | None = None
    opener = ""
    for i in range(para.start, para.end):
        ch = text[i]
        if open_at is None:
            if ch in DOUBLE_OPEN or (ch in DOUBLE_EITHER and _opens(text, i, para.start)):
                open_at, opener = i, ch
        elif ch in DOUBLE_CLOSE or ch in DOUBLE_EITHER or (ch == "“" and opener == "„"):
            pairs.append((open_at, i))
            open_at = None
        elif ch in DOUBLE_OPEN:
            # A new opening mark while one is open: the first quote lost its closing mark.
            pairs.append((open_at, None))
            open_at, opener = i, ch
    if open_at is not None:
        pairs.append((open_at, None))
    return pairs, bool(pairs)


def _scan_single(text: str, para: Span) -> list[tuple[int, int | None]]:
    """Single-quoted stretches, used only where a paragraph has no double marks."""
    pairs: list[tuple[int, int | None]] = []
    open_at: int | None = None
    for i in range(para.start, para.end):
        ch = text[i]
        if ch not in SINGLE_OPEN + SINGLE_CLOSE + SINGLE_EITHER:
            continue
        if open_at is None:
            if (ch in SINGLE_OPEN or ch in SINGLE_EITHER) and _opens(text, i, para.start):
                open_at = i
        elif ch in SINGLE_CLOSE + SINGLE_EITHER and _closes_single(text, i):
            pairs.append((open_at, i))
            open_at = None
    # An unclosed single mark is far more often a stray apostrophe than a quote: dropped.
    return pairs


def starts_with_open_mark(text: str, para: Span) -> bool:
    ch = text[para.start] if para.start < para.end else ""
    return ch in DOUBLE_OPEN or ch in DOUBLE_EITHER


def find_segments(text: str, paragraphs: Sequence[Span]) -> list[Segment]:
    """Quoted stretches of the paragraphs, in order, with multi-paragraph quotes chained.

    A quote left open at a paragraph's end runs on when the next paragraph starts with an opening
    mark (the convention of repeating the opening mark and closing only the last paragraph); the
    same holds when no paragraph closes.
    """
    segments: list[Segment] = []
    chain = -1
    carry = False  # the previous paragraph ended inside a quote
    for index, para in enumerate(paragraphs):
        pairs, has_double = _scan_double(text, para)
        single = False
        if not has_double:
            pairs = _scan_single(text, para)
            single = bool(pairs)
        continues = carry and starts_with_open_mark(text, para)
        carry = False
        for n, (opened, closed) in enumerate(pairs):
            if not (n == 0 and continues and opened == para.start):
                chain += 1
            end = closed if closed is not None else para.end
            span = _content(text, opened + 1, end)
            if span is not None:
                segments.append(Segment(span, opened, closed, chain, index, single))
            if closed is None and n == len(pairs) - 1:
                carry = True
    return segments
