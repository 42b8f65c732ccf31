"""The ordered stages and how documents flow through them.

Document stages take one `DocAnalysis` and return it with their records added; corpus stages take
the whole `CorpusAnalysis` and return it with cross-document records. Stages are registered by
name, with what they require and provide, so the pipeline is data and a run can pick a subset
(`--stages clean,reuse`). Each stage's module is imported only when the stage runs.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from storylens.config import Config
from storylens.errors import InputRejected, StageError
from storylens.model import CorpusAnalysis, DocAnalysis, Document, Entity, MappedDocs, Mention, Quote, Rejection, Span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger("storylens")


class Cache(Protocol):
    """Bytes kept between runs (the store implements it): e.g. MinHash signatures per document."""

    def get(self, namespace: str, key: str) -> bytes | None: ...

    def put(self, namespace: str, key: str, value: bytes) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self._data: dict[tuple[str, str], bytes] = {}

    def get(self, namespace: str, key: str) -> bytes | None:
        return self._data.get((namespace, key))

    def put(self, namespace: str, key: str, value: bytes) -> None:
        self._data[(namespace, key)] = value


class Context:
    """What stages share during a run: the config, the spaCy pipeline and parses, the cache.

    Models load on first use, so a run of `--stages clean` never imports spaCy.
    """

    def __init__(self, config: Config | None = None, cache: Cache | None = None) -> None:
        self.config = config or Config()
        self.cache: Cache = cache or MemoryCache()
        self._nlp: Language | None = None
        self._parses: dict[str, Doc] = {}
        self._resources: dict[str, Any] = {}

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            from storylens.nlp import load_pipeline

            self._nlp = load_pipeline(self.config.spacy_model)
        return self._nlp

    def parse(self, document: Document) -> Doc:
        """The spaCy parse of the document's body (boilerplate blanked, offsets kept)."""
        parsed = self._parses.get(document.id)
        if parsed is None:
            parsed = self.nlp(document.body_text())
            self._parses[document.id] = parsed
        return parsed

    def parse_many(self, documents: Sequence[Document]) -> None:
        """Parse a batch at once (nlp.pipe); later `parse` calls hit the cache."""
        todo = [d for d in documents if d.id not in self._parses]
        texts = (d.body_text() for d in todo)
        for document, parsed in zip(todo, self.nlp.pipe(texts, batch_size=self.config.batch_size), strict=True):
            self._parses[document.id] = parsed

    def forget_parses(self) -> None:
        self._parses.clear()

    def resource(self, name: str, factory: Callable[[], Any]) -> Any:
        """A lazily built object shared by stages (a sentence encoder, a compiled lexicon)."""
        if name not in self._resources:
            self._resources[name] = factory()
        return self._resources[name]


DocFunction = Callable[[DocAnalysis, Context], DocAnalysis]
CorpusFunction = Callable[[CorpusAnalysis, Context], CorpusAnalysis]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    scope: Literal["document", "corpus"]
    target: str  # "module:function", imported when the stage first runs
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    needs_parse: bool = False
    doc: str = ""

    def function(self) -> Callable[..., Any]:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


# The order is the run order. `requires` names stages that must run before (or have run in an
# earlier run whose results are in the store).
STAGES: tuple[Stage, ...] = (
    Stage("clean", "document", "storylens.stages.clean:run", (), ("body_spans", "removed"),
          doc="boilerplate removal for text articles, headline and dateline as metadata"),
    Stage("language", "document", "storylens.stages.language:run", ("clean",), ("language",),
          doc="language per document and per paragraph"),
    Stage("entities", "document", "storylens.stages.entities:run", ("clean",), ("mentions",),
          needs_parse=True, doc="named entities in the body, titles kept off names, short forms linked"),
    Stage("framing", "document", "storylens.stages.framing:run", ("entities",), ("framing", "citations"),
          needs_parse=True, doc="labels each outlet gives each actor; sources each article credits"),
    Stage("quotes", "document", "storylens.stages.quotes:run", ("entities",), ("quotes",),
          needs_parse=True, doc="direct and indirect quotes with speaker, cue and how it was found"),
    Stage("time", "document", "storylens.stages.time:run", ("clean",), ("times",),
          needs_parse=True, doc="time expressions normalised against the publication date"),
    Stage("events", "document", "storylens.stages.events:run", ("entities", "time", "quotes"), ("events",),
          needs_parse=True, doc="PLOVER events with actor, target, place and date"),
    Stage("story_features", "document", "storylens.stages.story_features:run", ("clean",), ("story_features",),
          needs_parse=True, doc="terms, names, dates and lead the stories stage compares, read from the parse"),
    Stage("reuse", "corpus", "storylens.stages.reuse:run", ("clean",), ("reuse",),
          doc="near-duplicates and shared passages with direction"),
    Stage("resolve", "corpus", "storylens.stages.resolve:run", ("entities",), ("entities",),
          doc="one entity per real actor across documents, name variants merged"),
    Stage("dates", "corpus", "storylens.stages.dates:run", ("time", "reuse"), ("published_inferred",),
          doc="publication dates inferred for undated articles"),
    Stage("quote_groups", "corpus", "storylens.stages.quote_groups:run", ("quotes", "resolve"), ("quote_groups",),
          doc="the same statement across outlets, with attribution conflicts"),
    Stage("event_groups", "corpus", "storylens.stages.event_groups:run", ("events", "resolve"), ("event_groups",),
          doc="the same real-world event across outlets, with its conflicts"),
    Stage("stories", "corpus", "storylens.stages.stories:run", ("reuse", "resolve"), ("stories",),
          doc="articles clustered into stories, related stories linked"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def select(names: Iterable[str] | None) -> tuple[Stage, ...]:
    """The stages to run, in pipeline order; None means all."""
    if names is None:
        return STAGES
    wanted = {n.strip() for n in names if n.strip()}
    unknown = wanted - set(STAGE_NAMES)
    if unknown:
        raise StageError(f"unknown stage(s) {', '.join(sorted(unknown))}; known: {', '.join(STAGE_NAMES)}")
    return tuple(s for s in STAGES if s.name in wanted)


def run_document_stages(analysis: DocAnalysis, stages: Sequence[Stage], ctx: Context) -> DocAnalysis:
    for stage in stages:
        if stage.scope == "document":
            analysis = stage.function()(analysis, ctx)
    return analysis


def analyse_batch(documents: Sequence[Document], stages: Sequence[Stage],
                  ctx: Context) -> tuple[list[DocAnalysis], list[Rejection]]:
    """Run the document stages over a batch: the stages without a parse first, then one nlp.pipe
    over the batch, then the stages that read the parse. A document a stage fails on becomes a
    Rejection (its InputRejected code, or SL150 for a bug) and the others go on."""
    failures: list[Rejection] = []
    before_parse = [s for s in stages if not s.needs_parse]
    after_parse = [s for s in stages if s.needs_parse]
    cleaned: list[DocAnalysis] = []
    for doc in documents:
        try:
            cleaned.append(run_document_stages(DocAnalysis(doc), before_parse, ctx))
        except Exception as exc:  # a stage bug must not stop the run
            failures.append(stage_failure(doc, exc))
    if after_parse and cleaned:
        ctx.parse_many([a.document for a in cleaned])
    analyses: list[DocAnalysis] = []
    for analysis in cleaned:
        try:
            analyses.append(run_document_stages(analysis, after_parse, ctx))
        except Exception as exc:
            failures.append(stage_failure(analysis.document, exc))
    return analyses, failures


def stage_failure(doc: Document, exc: Exception) -> Rejection:
    """A stage that rejects a document (InputRejected) keeps its code; any other failure is SL150."""
    if isinstance(exc, InputRejected):
        return Rejection(doc.path, exc.code, str(exc.args[0]))
    log.debug("stage failed on %s", doc.path, exc_info=exc)
    return Rejection(doc.path, "SL150", f"{type(exc).__name__}: {exc}")


def run_corpus_stages(corpus: CorpusAnalysis, stages: Sequence[Stage], ctx: Context) -> CorpusAnalysis:
    for stage in stages:
        if stage.scope == "corpus":
            corpus = stage.function()(corpus, ctx)
    return link(corpus)


def link(corpus: CorpusAnalysis) -> CorpusAnalysis:
    """Fill the entity ids of per-document records from the entities' mentions.

    Document stages find mentions, speakers and actors as spans; resolution decides which entity
    each mention is. A record points at an entity when its span is, or contains, or lies inside
    a mention of that entity.

    The documents are linked when they are read (`linked_docs`), so a store-backed corpus stays
    unheld through the corpus stages. A corpus held in a tuple is linked once into a tuple: its
    documents are in memory anyway, and its readers (the viewer, exports, comparing two results)
    read them many times.
    """
    docs = linked_docs(corpus)
    if docs is corpus.docs:
        return corpus
    return replace(corpus, docs=tuple(docs) if isinstance(corpus.docs, tuple) else docs)


def linked_docs(corpus: CorpusAnalysis) -> Sequence[DocAnalysis]:
    """`corpus.docs` with entity ids filled in as each document is read (`MappedDocs`); only the
    entity id of each mention span is held, per document. Unchanged when there are no entities."""
    if not corpus.entities:
        return corpus.docs
    by_doc: dict[str, list[tuple[Span, str]]] = {}
    for entity in corpus.entities:
        for ref in entity.mentions:
            by_doc.setdefault(ref.doc, []).append((ref.span, entity.id))
    for spans in by_doc.values():
        spans.sort(key=lambda x: x[0])

    def link_document(analysis: DocAnalysis) -> DocAnalysis:
        return _link_doc(analysis, by_doc.get(analysis.document.id, []))

    return MappedDocs(corpus.docs, link_document)


def entity_at(spans: list[tuple[Span, str]], span: Span | None) -> str | None:
    """The entity of the mention at `span`: exact, else the smallest overlapping mention."""
    if span is None:
        return None
    best: tuple[int, str] | None = None
    for mention_span, entity_id in spans:
        if mention_span == span:
            return entity_id
        if mention_span.overlaps(span):
            size = len(mention_span)
            if best is None or size < best[0]:
                best = (size, entity_id)
    return best[1] if best else None


def _link_doc(analysis: DocAnalysis, spans: list[tuple[Span, str]]) -> DocAnalysis:
    mentions = tuple(replace(m, entity=entity_at(spans, m.span)) for m in analysis.mentions)
    quotes = tuple(_link_quote(q, spans) for q in analysis.quotes)
    events = tuple(replace(e, actor=entity_at(spans, e.actor_span), target=entity_at(spans, e.target_span),
                           place=entity_at(spans, e.place_span)) for e in analysis.events)
    framing = tuple(replace(f, entity=entity_at(spans, f.target_span)) for f in analysis.framing)
    return replace(analysis, mentions=mentions, quotes=quotes, events=events, framing=framing)


def _link_quote(quote: Quote, spans: list[tuple[Span, str]]) -> Quote:
    speaker = quote.speaker
    if speaker is None:
        return quote
    target = speaker.ref or speaker.span
    return replace(quote, speaker=replace(speaker, entity=entity_at(spans, target)))


def entities_by_id(corpus: CorpusAnalysis) -> dict[str, Entity]:
    return {e.id: e for e in corpus.entities}


def mentions_of(corpus: CorpusAnalysis) -> list[Mention]:
    return [m for d in corpus.docs for m in d.mentions]
