"""HTML pages to Documents: the page's full visible text, with the article body found by trafilatura.

Input: an HTML string (a file or a WARC record). Output: a Document whose `text` is the visible text
(lxml, block elements on their own lines), whose `body_spans` are where trafilatura's paragraphs lie
in that text, and whose `removed` records classify everything else from the markup around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from storylens.errors import InputRejected
from storylens.model import Document, Removal, Span, document_id
from storylens.stages.clean import load_rules

CELL_TAGS = frozenset(("td", "th"))
# trafilatura lines shorter than this (in non-space characters) are only aligned exactly after the
# previous line: a fuzzy find of 'Share' or '1' would land anywhere.
MIN_FUZZY_CHARS = 12
# rapidfuzz score a fuzzy alignment needs; calibrated on the boilerplate dev pages, where lines that
# trafilatura re-spaced or re-quoted score 95+ and wrong places stay under 80.
FUZZY_SCORE = 90.0
# Fewer letters than this is no article: trafilatura falls back to a menu word ('Home') on pages
# without one. A one-sentence news brief has 60+.
MIN_BODY_LETTERS = 25
QUOTE_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
                            "–": "-", "—": "-", "\u00ad": None})


@dataclass(frozen=True, slots=True)
class VisibleText:
    """The visible text of a page and, for stretches of it, what the markup says they are."""

    text: str
    hints: tuple[tuple[int, int, str], ...]  # (start, end, kind) of text inside a telling element


def document_from_html(html: str, *, path: str, url: str | None = None, published: str | None = None,
                       source_sha256: str = "") -> Document:
    """The Document of one HTML page; raises InputRejected SL120 (no visible text) or SL121 (no body)."""
    visible = visible_text(html)
    if not visible.text.strip():
        raise InputRejected(f"{path}: the page has no visible text", code="SL120")
    extracted = _extract(html, url)
    if extracted is None or not (extracted.get("text") or "").strip():
        raise InputRejected(f"{path}: trafilatura found no article body in the page", code="SL121")
    body = align_lines(visible.text, _extracted_lines(extracted["text"]))
    if sum(ch.isalpha() for span in body for ch in span.slice(visible.text)) < MIN_BODY_LETTERS:
        raise InputRejected(f"{path}: no article body: the extracted text is too short or not found in the page text",
                            code="SL121")
    removed = tuple(_classify_removed(visible, body))
    title = _clean_meta(extracted.get("title"))
    outlet = _clean_meta(extracted.get("sitename"))
    page_url = url or _clean_meta(extracted.get("url"))
    stated = published or _iso_date(extracted.get("date"))
    return Document(
        id=document_id(visible.text, outlet, page_url, title),
        path=path,
        text=visible.text,
        format="html",
        outlet=outlet,
        url=page_url,
        title=title,
        published=stated,
        published_source=("given" if published else "html-meta") if stated else None,
        body_spans=body,
        removed=removed,
        source_sha256=source_sha256,
    )


# ------------------------------------------------------------------------------------------ visible text


def visible_text(html: str) -> VisibleText:
    """The text a reader sees: dropped elements removed, one line per block, spaces collapsed."""
    root = _parse(html)
    if root is None:
        return VisibleText("", ())
    builder = _TextBuilder()
    dropped, blocks = _structure()
    hint_stack: list[str | None] = [None]
    from lxml import etree

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else None
        name = tag.lower() if tag else None
        if event == "start":
            if name is None:  # a comment or processing instruction: only its tail is text
                continue
            if name in dropped:
                walker.skip_subtree()
                hint_stack.append(hint_stack[-1])
                continue
            hint_stack.append(_element_hint(element, name) or hint_stack[-1])
            if name in blocks:
                builder.break_line()
            elif name in CELL_TAGS:
                builder.space()
            if element.text:
                builder.add(element.text, hint_stack[-1])
        else:
            if name is not None:
                hint_stack.pop()
                if name in blocks:
                    builder.break_line()
                elif name in CELL_TAGS:
                    builder.space()
            if element.tail:
                builder.add(element.tail, hint_stack[-1])
    return builder.result()


def _parse(html: str) -> Any:
    from lxml import etree
    from lxml import html as lxml_html

    # Bytes, not str: lxml refuses str input that carries an encoding declaration.
    data = html.replace("\x00", "").encode("utf-8", errors="replace")
    if not data.strip():
        return None
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None


class _TextBuilder:
    """Accumulates text pieces into lines, collapsing whitespace, remembering each piece's hint."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.hints: list[tuple[int, int, str]] = []
        self.line_open = False  # the current line has text
        self.pending_space = False
        self.pending_break = False

    def break_line(self) -> None:
        if self.line_open:
            self.pending_break = True
            self.pending_space = False

    def space(self) -> None:
        if self.line_open:
            self.pending_space = True

    def add(self, text: str, hint: str | None) -> None:
        words = text.split()
        if not words:
            if text:
                self.space()
            return
        if text[0].isspace():
            self.space()
        if self.pending_break:
            self._emit("\n")
            self.pending_break = False
            self.pending_space = False
            self.line_open = False
        elif self.pending_space and self.line_open:
            self._emit(" ")
        self.pending_space = False
        start = self.length
        self._emit(" ".join(words))
        if hint:
            self.hints.append((start, self.length, hint))
        self.line_open = True
        if text[-1].isspace():
            self.pending_space = True

    def _emit(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def result(self) -> VisibleText:
        return VisibleText("".join(self.parts), tuple(self.hints))


def _element_hint(element: Any, name: str) -> str | None:
    hints = _html_hints()
    kind = hints["tags"].get(name)
    if kind:
        return str(kind)
    attributes = " ".join(str(element.get(a) or "") for a in ("class", "id", "role"))[:500].lower()
    if not attributes.strip():
        return None
    tokens = re.split(r"[^a-z]+", attributes)
    for token in tokens:
        for exact, exact_kind in hints["class_exact_tokens"]:
            if token == exact:
                return str(exact_kind)
    for needle, needle_kind in hints["class_tokens"]:
        if needle in attributes:
            return str(needle_kind)
    return None


@cache
def _structure() -> tuple[frozenset[str], frozenset[str]]:
    """(tags whose content is never shown, tags that start and end a line), from the rules."""
    structure = load_rules()["html_structure"]
    return frozenset(structure["dropped_tags"]), frozenset(structure["block_tags"])


@cache
def _html_hints() -> dict[str, Any]:
    hints: dict[str, Any] = load_rules()["html_hints"]
    return hints


# ------------------------------------------------------------------------------------------ extraction


def _extract(html: str, url: str | None) -> dict[str, Any] | None:
    """trafilatura's main text and metadata, or None when it finds nothing or fails on the page."""
    import trafilatura

    try:
        # Comments off: the body is the article. Precision favoured: on the boilerplate dev pages it
        # scores F1 0.973 against 0.961 (default) and 0.962 (favor_recall), losing 0.3 points recall.
        result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                             include_tables=True, favor_precision=True)
    except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError, MemoryError):
        return None
    if result is None:
        return None
    data = result if isinstance(result, dict) else result.as_dict()
    return dict(data)


def _extracted_lines(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        # trafilatura writes list items as '- item' and table cells with '|': not in the page.
        if line.startswith("- "):
            line = line[2:].strip()
        if line.startswith("|") and line.endswith("|"):
            # a table row: its cells are separate blocks of the page; '|---|' rows are not text
            lines.extend(cell.strip() for cell in line.strip("|").split("|") if cell.strip(" -:"))
        elif line:
            lines.append(line)
    return lines


def _clean_meta(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _iso_date(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


# ------------------------------------------------------------------------------------------ alignment


def _normalise(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, quotes and dashes folded, case folded; with each char's offset."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        folded = unicodedata.normalize("NFKC", ch.translate(QUOTE_FOLD)).casefold()
        for c in folded:
            chars.append(c)
            offsets.append(i)
    return "".join(chars), offsets


def align_lines(text: str, lines: list[str]) -> tuple[Span, ...]:
    """Where each extracted line lies in `text`, in order: exact find first, then a find on
    whitespace-free, quote-folded text, then a fuzzy alignment near the previous line."""
    norm, offsets = _normalise(text)
    spans: list[Span] = []
    cursor = 0  # in `text`
    for line in lines:
        span = _find(text, norm, offsets, line, cursor)
        if span is not None:
            spans.append(span)
            cursor = span.end
    return _merge_lines(text, spans)


def _find(text: str, norm: str, offsets: list[int], line: str, cursor: int) -> Span | None:
    position = text.find(line, cursor)
    if position >= 0:
        return Span(position, position + len(line))
    needle, _ = _normalise(line)
    if not needle:
        return None
    norm_cursor = _norm_index(offsets, cursor)
    position = norm.find(needle, norm_cursor)
    if position < 0 and len(needle) >= MIN_FUZZY_CHARS:
        position = norm.find(needle)
    if position >= 0:
        return Span(offsets[position], offsets[position + len(needle) - 1] + 1)
    if len(needle) < MIN_FUZZY_CHARS:
        return None
    return _fuzzy(norm, offsets, needle, norm_cursor)


def _fuzzy(norm: str, offsets: list[int], needle: str, norm_cursor: int) -> Span | None:
    from rapidfuzz import fuzz

    # Look in a window after the previous line first: trafilatura keeps the page order.
    window_end = min(len(norm), norm_cursor + 20 * len(needle) + 2000)
    for start, end in ((norm_cursor, window_end), (0, len(norm))):
        hay = norm[start:end]
        if len(hay) < len(needle) // 2:
            continue
        result = fuzz.partial_ratio_alignment(needle, hay, score_cutoff=FUZZY_SCORE)
        if result is not None and result.dest_end > result.dest_start:
            first = start + result.dest_start
            last = start + result.dest_end - 1
            return Span(offsets[first], offsets[last] + 1)
    return None


def _norm_index(offsets: list[int], position: int) -> int:
    import bisect

    return bisect.bisect_left(offsets, position)


def _merge_lines(text: str, spans: list[Span]) -> tuple[Span, ...]:
    """Sorted spans; neighbours separated only by whitespace become one span."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and (span.start <= merged[-1].end or not text[merged[-1].end : span.start].strip()):
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


# ------------------------------------------------------------------------------------------ removals


def _classify_removed(visible: VisibleText, body: tuple[Span, ...]) -> Iterator[Removal]:
    """Every non-blank line stretch outside the body, kind from the markup hint it lies in."""
    text = visible.text
    hints = sorted(visible.hints)
    previous = 0
    gaps: list[Span] = []
    for span in body:
        if span.start > previous:
            gaps.append(Span(previous, span.start))
        previous = span.end
    if previous < len(text):
        gaps.append(Span(previous, len(text)))
    for gap in gaps:
        for match in re.finditer(r"[^\n]+", text[gap.start : gap.end]):
            start, end = gap.start + match.start(), gap.start + match.end()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                yield Removal(Span(start, end), _hint_at(hints, start, end), "trafilatura")


def _hint_at(hints: list[tuple[int, int, str]], start: int, end: int) -> str:
    """The hint covering most of [start, end), or 'other'."""
    import bisect

    best: dict[str, int] = {}
    index = bisect.bisect_left(hints, (start, -1, ""))
    # a hint piece starting before `start` can still cover it
    index = max(0, index - 1)
    while index < len(hints) and hints[index][0] < end:
        h_start, h_end, kind = hints[index]
        overlap = min(end, h_end) - max(start, h_start)
        if overlap > 0:
            best[kind] = best.get(kind, 0) + overlap
        index += 1
    if not best:
        return "other"
    kind = max(best.items(), key=lambda item: item[1])[0]
    # 'headline' and 'dateline' hints come from page headers that also hold menus: only trust
    # them for short stretches.
    if kind in ("headline", "dateline") and end - start > 200:
        return "other"
    return kind
