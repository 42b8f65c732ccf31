"""The records storylens reads and writes: frozen, slotted dataclasses.

Every span is a half-open `[start, end)` range of character offsets into `Document.text`, the
whole text as read (for HTML, the page's visible text before boilerplate removal), so
`document.text[span.start:span.end]` is always exactly the string a record reports.
Per-document records carry their document's id; cross-document records (reuse pairs, entities,
groups, stories) refer to documents and records by id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

# ------------------------------------------------------------------------------------------ spans


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A `[start, end)` range of characters in a document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def slice(self, text: str) -> str:
        return text[self.start : self.end]

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def as_list(self) -> list[int]:
        return [self.start, self.end]


def stable_id(*parts: str, length: int = 16) -> str:
    """A short hex id that depends only on `parts` (so re-runs give the same ids)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, non-overlapping spans covering the same characters."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


# ------------------------------------------------------------------------------------------ documents


@dataclass(frozen=True, slots=True)
class Removal:
    """A stretch of text recorded as boilerplate: never silently dropped."""

    span: Span
    kind: str  # share-button|caption|ad|related-link|comment-notice|credit|dateline|headline|other
    rule: str  # which rule fired (a rule id under rules/, or 'trafilatura')


@dataclass(frozen=True, slots=True)
class LanguageSpan:
    """The language identified for one paragraph of the body."""

    span: Span
    language: str
    score: float


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inferred publication date: the earliest and latest day it can be, with the evidence."""

    earliest: str | None
    latest: str | None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """One article as read, with where its body lies and what was removed around it."""

    id: str
    path: str
    text: str
    format: str = "text"  # text|html|jsonl|warc
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date stated by the source (header, dateline, meta)
    published_source: str | None = None  # where `published` was read from
    language: str | None = None
    body_spans: tuple[Span, ...] = ()
    removed: tuple[Removal, ...] = ()
    languages: tuple[LanguageSpan, ...] = ()
    published_inferred: DateRange | None = None
    source_sha256: str = ""  # of the input file (or record) the document came from

    def body_text(self) -> str:
        """The body with everything else blanked out, keeping every offset of `text`.

        Newlines outside the body are kept so that paragraph structure survives.
        """
        chars = [c if c == "\n" else " " for c in self.text]
        for span in self.body_spans:
            chars[span.start : span.end] = self.text[span.start : span.end]
        return "".join(chars)

    def paragraphs(self) -> Iterator[Span]:
        """Body paragraphs: each body span split at blank lines or single newlines."""
        for span in self.body_spans:
            start = span.start
            for i in range(span.start, span.end + 1):
                if i == span.end or self.text[i] == "\n":
                    chunk = Span(start, i)
                    stripped = strip_span(self.text, chunk)
                    if stripped is not None:
                        yield stripped
                    start = i + 1


def strip_span(text: str, span: Span) -> Span | None:
    """`span` without the white space at its ends; None when nothing else is left."""
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def document_id(text: str, outlet: str | None, url: str | None, title: str | None) -> str:
    """Documents are identified by their content and provenance, never by where the file lies."""
    return stable_id(text, outlet or "", url or "", title or "")


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not become a document, with a code from errors.py and the reason."""

    path: str
    code: str
    reason: str


# ------------------------------------------------------------------------------------------ per-document records


@dataclass(frozen=True, slots=True)
class Mention:
    """A named-entity mention in one document; `entity` is filled by cross-document resolution."""

    doc: str
    span: Span
    text: str
    label: str  # PERSON|ORG|GPE|NORP|LOC|FAC|...
    role: str | None = None  # a title kept off the name: 'Mullah', 'Deputy Commander'
    canonical: str | None = None  # the within-document full form ('Haniyeh' -> 'Ismail Haniyeh')
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who a quote is attributed to: as written near the quote ('he', 'the statement', 'Haniyeh'),
    and `ref`, the span of the named mention it resolves to (the same span when it is a name)."""

    text: str
    span: Span | None
    entity: str | None = None
    ref: Span | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    id: str
    doc: str
    span: Span
    text: str
    speaker: Speaker | None
    cue: str | None
    attribution: str  # explicit|pronoun|statement|none
    kind: str = "direct"  # direct|indirect|partial
    cue_span: Span | None = None
    how: str = ""  # how the speaker was found (rule name)
    channel: str | None = None  # statement|tweet|interview|report|None
    content: Span | None = None  # the whole attributed content when wider than `span` (a partial quote's clause)


@dataclass(frozen=True, slots=True)
class TimeExpression:
    id: str
    doc: str
    span: Span
    text: str
    type: str  # DATE|TIME|DURATION|SET
    value: str | None
    granularity: str | None  # year|month|week|day|time
    basis: str  # explicit|relative-to-publication|inferred|unknown


@dataclass(frozen=True, slots=True)
class EventDate:
    value: str | None
    text: str | None
    span: Span | None
    basis: str


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    doc: str
    span: Span  # the sentence or clause the event is stated in
    trigger: Span
    type: str  # PLOVER type
    mode: str | None
    actor_span: Span | None
    target_span: Span | None
    place_span: Span | None
    date: EventDate | None
    quote: str | None = None  # id of the quote the event is reported in (the speaker's claim)
    actor: str | None = None  # entity ids, filled by cross-document resolution
    target: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Framing:
    doc: str
    span: Span
    label: str
    target_span: Span  # the mention of the actor being labelled
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    doc: str
    span: Span
    cited: str
    kind: str = "report"  # report|interview|syndication|wire|social|photo|...


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What the stories stage needs from a document's parse, kept so that clustering never parses.

    Counts are raw: idf and the lead weight depend on the corpus and the rules, and are applied by
    the stories stage. Pairs keep the order of first occurrence (the float sums follow it).
    `names` and `dates` are spaCy's, read when the entities and time stages found nothing.
    """

    lead: str  # the title and the first body sentences: what the lead embedding encodes
    first_sentence: str = ""  # the story title a document gives when it has none of its own
    lead_terms: tuple[tuple[str, int], ...] = ()  # content lemmas in the title and lead, with counts
    body_terms: tuple[tuple[str, int], ...] = ()  # the same after the lead
    names: tuple[tuple[str, int], ...] = ()  # 'PERSON:velsen' keys of spaCy entities, with counts
    dates: tuple[str, ...] = ()  # day-precise dates written in the body (spaCy DATE entities)
    background: bool = False  # recalls an earlier event ('last year', 'a year after')


# ------------------------------------------------------------------------------------------ cross-document records


@dataclass(frozen=True, slots=True)
class Passage:
    a: Span
    b: Span


@dataclass(frozen=True, slots=True)
class Reuse:
    a: str
    b: str
    kind: str  # near-duplicate|shared-passages
    similarity: float
    direction: str  # a<-b|a->b|unknown
    passages: tuple[Passage, ...]
    containment_a: float = 0.0  # share of a's body found in b
    containment_b: float = 0.0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MentionRef:
    doc: str
    span: Span


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    mentions: tuple[MentionRef, ...]
    roles: tuple[str, ...] = ()
    merges: tuple[str, ...] = ()  # evidence for each merge of name variants, with its score


@dataclass(frozen=True, slots=True)
class QuoteGroup:
    id: str
    quotes: tuple[str, ...]
    relation: str  # verbatim|edited|paraphrase|translation
    speakers: tuple[str, ...]
    conflict: str | None
    independent_sources: int = 1
    wording: tuple[str, ...] = ()  # 'wording: ...' notes: one speaker given different words


@dataclass(frozen=True, slots=True)
class EventGroup:
    id: str
    events: tuple[str, ...]
    summary: str
    date: str | None
    conflicts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    title: str
    documents: tuple[str, ...]
    start: str | None
    end: str | None
    related: tuple[str, ...] = ()
    independent_sources: int = 0


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class DocAnalysis:
    """One document with every per-document record the stages found in it."""

    document: Document
    mentions: tuple[Mention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    times: tuple[TimeExpression, ...] = ()
    events: tuple[Event, ...] = ()
    framing: tuple[Framing, ...] = ()
    citations: tuple[Citation, ...] = ()
    story_features: StoryFeatures | None = None  # None: stored before the story_features stage


@dataclass(frozen=True, slots=True)
class CorpusAnalysis:
    """Everything known about a set of documents, including the cross-document results.

    `docs` is a tuple for a corpus held in memory; during a run with a store the corpus stages get
    a read-only sequence that decodes each document from the store when it is read
    (`store.db.StoredDocs`), so a stage that streams the documents never holds them all.
    """

    docs: Sequence[DocAnalysis] = ()
    reuse: tuple[Reuse, ...] = ()
    entities: tuple[Entity, ...] = ()
    quote_groups: tuple[QuoteGroup, ...] = ()
    event_groups: tuple[EventGroup, ...] = ()
    stories: tuple[Story, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def by_id(self) -> dict[str, DocAnalysis]:
        """Every document by id: holds the whole corpus in memory, even when `docs` is lazy."""
        return {d.document.id: d for d in self.docs}


class LazyDocs(Sequence[DocAnalysis]):
    """A read-only sequence of documents made when they are read; a subclass gives `__len__` and
    `_many` (the documents at some positions, in that order)."""

    def _many(self, positions: Sequence[int]) -> list[DocAnalysis]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> DocAnalysis: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[DocAnalysis]: ...

    def __getitem__(self, index: int | slice) -> DocAnalysis | Sequence[DocAnalysis]:
        positions = range(len(self))[index]  # negative indexes and IndexError as for a tuple
        if isinstance(positions, range):
            return tuple(self._many(positions))
        return self._many([positions])[0]


class MappedDocs(LazyDocs):
    """The documents of `base` as `revise` returns them, computed when read, never all held.

    What a corpus stage returns when it changes some documents (e.g. `dates` redating the
    undated ones) without copying the rest out of a store-backed sequence.
    """

    def __init__(self, base: Sequence[DocAnalysis], revise: Callable[[DocAnalysis], DocAnalysis]) -> None:
        self.base, self.revise = base, revise

    def __len__(self) -> int:
        return len(self.base)

    def _many(self, positions: Sequence[int]) -> list[DocAnalysis]:
        if isinstance(positions, range) and positions.step == 1:
            return [self.revise(d) for d in self.base[positions.start:positions.stop]]
        return [self.revise(self.base[i]) for i in positions]

    def __iter__(self) -> Iterator[DocAnalysis]:
        return map(self.revise, self.base)
