"""Tests of the stories stage on invented articles (invented outlets and people), and on the seeds."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from storylens import api, codec
from storylens.model import (
    CorpusAnalysis,
    DateRange,
    DocAnalysis,
    Document,
    Event,
    EventDate,
    Passage,
    Reuse,
    Span,
    Story,
    StoryFeatures,
    TimeExpression,
)
from storylens.pipeline import Context, MemoryCache
from storylens.stages import stories, story_features
from storylens.store.db import Store

# Story 1: a dam breach at Korvel, three reports over two days.
DAM_1 = (
    "A dam on the Ostra River near the town of Korvel burst on Tuesday, flooding hundreds of homes and forcing "
    "the evacuation of about 4,000 residents, the Korvel regional council said.\n"
    "Rescue teams from the Dalvik Fire Service pulled dozens of people from rooftops as the water rose through "
    "the night. Council leader Marta Velsen said two people were missing.\n"
    "The dam, built in 1962, had been flagged for repairs by engineers from Halden Water last spring."
)
DAM_1_COPY = (
    "A dam on the Ostra River near the town of Korvel burst on Tuesday, flooding hundreds of homes and forcing "
    "the evacuation of about 4,000 residents, the Korvel regional council said.\n"
    "Rescue teams from the Dalvik Fire Service pulled dozens of people from rooftops as the water rose overnight. "
    "Council leader Marta Velsen said two people were still missing.\n"
    "The dam, built in 1962, had been flagged for repairs by Halden Water engineers last spring."
)
DAM_2 = (
    "Floodwater from the burst Ostra River dam receded slowly in Korvel on Wednesday as residents returned to "
    "inspect flooded homes.\n"
    "Marta Velsen, who leads the Korvel regional council, said the two missing people had been found alive by "
    "the Dalvik Fire Service. About 4,000 people spent the night in shelters.\n"
    "Questions mounted over why Halden Water had not repaired the dam, which engineers flagged last spring."
)
# Story 2: weeks later, the same actors at an inquiry hearing in another city; it recalls the breach.
INQUIRY = (
    "An inquiry into the management of dams opened in the capital Tessbury on Monday, with executives of Halden "
    "Water questioned for six hours by a parliamentary committee about maintenance budgets.\n"
    "Committee chair Ivo Prandt asked why inspection reports had been ignored for a decade. Halden Water's chief "
    "executive Lene Oskarsen apologised and promised an independent audit of all forty dams it runs.\n"
    "Last month, the Ostra River dam burst near Korvel, and Marta Velsen of the Korvel council told the committee "
    "that residents were still waiting for compensation."
)
# Story 3: unrelated, a chess championship.
CHESS = (
    "Grandmaster Tomas Reyno won the Kestrel Open chess championship in Valmora on Sunday after a tense final "
    "game against the defending champion Ada Lindqvist.\n"
    "Reyno, 19, sacrificed a rook on move 31 and forced resignation twelve moves later, taking the title and a "
    "prize of 50,000 euros. Lindqvist congratulated her opponent and said she would return next year.\n"
    "Organisers said a record 600 players from 40 countries took part in the nine-round tournament."
)
CHESS_2 = (
    "Nineteen-year-old Tomas Reyno is the new Kestrel Open chess champion after beating Ada Lindqvist in the "
    "final round in Valmora on Sunday.\n"
    "The teenager's rook sacrifice on move 31 decided the game, and Lindqvist resigned twelve moves later. "
    "Reyno takes home 50,000 euros; about 600 players from 40 countries entered the tournament."
)


def _doc(doc_id: str, text: str, published: str | None = None, title: str | None = None,
         inferred: DateRange | None = None) -> DocAnalysis:
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=text, title=title, published=published,
                        published_inferred=inferred, body_spans=(Span(0, len(text)),))
    return DocAnalysis(document=document)


def _copy_pair(a: str, b: str) -> Reuse:
    return Reuse(a=a, b=b, kind="near-duplicate", similarity=0.9, direction="unknown",
                 passages=(Passage(Span(0, 100), Span(0, 100)),), containment_a=0.9, containment_b=0.9)


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


@pytest.fixture(scope="module")
def news(ctx: Context) -> CorpusAnalysis:
    docs = (
        _doc("dam-1", DAM_1, "2031-03-04"),
        _doc("chess-1", CHESS, "2031-03-05"),
        _doc("dam-1-copy", DAM_1_COPY, "2031-03-04"),
        _doc("dam-2", DAM_2, "2031-03-05"),
        _doc("inquiry", INQUIRY, "2031-04-14"),
        _doc("chess-2", CHESS_2, None, inferred=DateRange("2031-03-06", "2031-03-09", ("invented",))),
    )
    corpus = CorpusAnalysis(docs=docs, reuse=(_copy_pair("dam-1-copy", "dam-1"),))
    return stories.run(corpus, ctx)


def _story_of(corpus: CorpusAnalysis, doc_id: str) -> Story:
    return next(s for s in corpus.stories if doc_id in s.documents)


def test_every_document_in_exactly_one_story(news: CorpusAnalysis) -> None:
    members = [d for s in news.stories for d in s.documents]
    assert sorted(members) == sorted(d.document.id for d in news.docs)


def test_dam_reports_and_copy_form_one_story(news: CorpusAnalysis) -> None:
    story = _story_of(news, "dam-1")
    assert set(story.documents) == {"dam-1", "dam-1-copy", "dam-2"}
    # The copy collapses into its original: two independent sources out of three articles.
    assert story.independent_sources == 2
    assert (story.start, story.end) == ("2031-03-04", "2031-03-05")
    assert story.id == stories.stable_id("story", "dam-1")


def test_follow_up_weeks_later_is_its_own_story_linked_to_the_first(news: CorpusAnalysis) -> None:
    dam, inquiry = _story_of(news, "dam-1"), _story_of(news, "inquiry")
    assert inquiry.documents == ("inquiry",)
    assert inquiry.id in dam.related and dam.id in inquiry.related
    assert _story_of(news, "chess-1").related == ()


def test_undated_article_joins_by_text_and_inferred_date(news: CorpusAnalysis) -> None:
    chess = _story_of(news, "chess-1")
    assert chess.documents == ("chess-1", "chess-2")
    # An inferred range counts with its earliest day: its latest is a bound, not a date.
    assert (chess.start, chess.end) == ("2031-03-05", "2031-03-06")
    assert "Reyno" in chess.title


def test_story_ids_are_stable_across_input_order(ctx: Context, news: CorpusAnalysis) -> None:
    shuffled = CorpusAnalysis(docs=tuple(reversed(news.docs)), reuse=news.reuse)
    again = stories.run(shuffled, ctx)
    assert {(s.id, frozenset(s.documents)) for s in again.stories} == {
        (s.id, frozenset(s.documents)) for s in news.stories}


def test_online_addition_joins_a_story_without_changing_the_others(ctx: Context, news: CorpusAnalysis) -> None:
    features = {f.doc: f for f in stories.extract(news, ctx)}
    index = stories.StoryIndex()
    for doc_id in ("dam-1", "chess-1", "dam-1-copy", "inquiry"):
        index.add(features[doc_id])
    before = [list(s.members) for s in index.stories]
    compared: list[int] = []
    original_score = index.score

    def spy(item: stories.DocFeatures, story: stories.StoryState) -> float:
        compared.append(index.stories.index(story))
        return original_score(item, story)

    index.score = spy  # type: ignore[method-assign]
    joined = index.add(features["dam-2"])
    # At most one comparison per existing story centroid (blocking may skip some), nothing re-clustered.
    assert len(compared) == len(set(compared)) and set(compared) <= set(range(len(before)))
    assert joined in compared
    assert index.stories[joined].members == [*before[joined], "dam-2"]
    assert [s.members for i, s in enumerate(index.stories) if i != joined] == [
        m for i, m in enumerate(before) if i != joined]


def test_lead_embeddings_are_cached_and_reused(news: CorpusAnalysis) -> None:
    cache = MemoryCache()
    first = Context(cache=cache)
    stories.extract(news, first)
    keys = [k for (namespace, k) in cache._data if namespace == stories.EMBEDDING_NAMESPACE]
    assert len(keys) == len(news.docs)

    class NoEncoder:
        def encode(self, texts: list[str]) -> None:
            raise AssertionError("re-encoded a cached lead")

    second = Context(cache=cache)
    second.resource("usem3", NoEncoder)
    again = stories.extract(news, second)
    assert all(f.embedding is not None and abs(float(f.embedding @ f.embedding) - 1) < 1e-4 for f in again)


def test_times_from_the_time_stage_date_an_undated_document(ctx: Context) -> None:
    text = "The festival in Arlen opened on March 3, 2030, with forty bands on four stages."
    start = text.index("March 3, 2030")
    time = TimeExpression(id="t1", doc="x", span=Span(start, start + 13), text="March 3, 2030", type="DATE",
                          value="2030-03-03", granularity="day", basis="explicit")
    analysis = _doc("x", text)
    assert text[time.span.start:time.span.end] == time.text
    with_time = DocAnalysis(document=analysis.document, times=(time,))
    assert stories.full_dates(with_time, []) == ["2030-03-03"]
    when = stories.document_when(with_time, ["2030-03-03"])
    assert when is not None and when.from_text and when.first_iso == "2030-03-03"
    # Without the time stage, spaCy's DATE entities are read (by the story_features stage).
    written = story_features.written_dates(ctx.parse(analysis.document), story_features.load_cues())
    assert stories.full_dates(analysis, written) == ["2030-03-03"]


def _event(doc: str, value: str, basis: str = "explicit") -> Event:
    return Event(id=value, doc=doc, span=Span(0, 5), trigger=Span(0, 5), type="MOBILIZE", mode=None,
                 actor_span=None, target_span=None, place_span=None, date=EventDate(value, None, None, basis))


@pytest.mark.parametrize(("published", "event_dates", "expected"), [
    ("2031-03-04", ["2031-03-02"], ("2031-03-02", "2031-03-04")),  # the event that made the news
    ("2031-03-04", ["2029-05-01"], ("2031-03-04", "2031-03-04")),  # background, years earlier
    ("2031-03-04", ["2031-03"], ("2031-03-04", "2031-03-04")),  # not day-precise
    ("2031-03-04", ["2031-03-20"], ("2031-03-04", "2031-03-04")),  # after the last article
    (None, ["2031-03-02", "2031-03-01"], ("2031-03-01", "2031-03-02")),  # no article dates
    (None, [], (None, None)),
])
def test_story_dates(published: str | None, event_dates: list[str], expected: tuple[str | None, str | None]) -> None:
    analysis = _doc("a", "Some text.", published)
    analysis = DocAnalysis(document=analysis.document, events=tuple(_event("a", v) for v in event_dates))
    assert stories._story_dates([stories.dating_of(analysis)], window=21) == expected


@pytest.mark.parametrize(("value", "days"), [
    ("2021-08-17", 1), ("2021-08", 31), ("2021-02", 28), ("2024-02", 29), ("2021", 365), ("2021-12", 31),
    ("2021-08-17T10:00", 1), (None, None), ("", None), ("PRESENT_REF", None), ("2021-13-01", None),
])
def test_day_range(value: str | None, days: int | None) -> None:
    found = stories.day_range(value)
    assert (found[1] - found[0] + 1 if found else None) == days


@pytest.mark.parametrize(("text", "iso"), [
    ("August 2 , 2013", "2013-08-02"), ("Aug. 17, 2021", "2021-08-17"), ("3 March 2030", "2030-03-03"),
    ("Friday August 2, 2013", "2013-08-02"), ("the 2007 ceremony", None), ("Smarch 3, 2020", None),
    ("February 30, 2020", None),
])
def test_written_dates(text: str, iso: str | None) -> None:
    assert story_features.parse_written_date(text, story_features.load_cues()) == iso


@pytest.mark.parametrize(("pairs", "members", "expected"), [
    ([], ["a", "b", "c"], 3),
    ([("a", "b", "near-duplicate")], ["a", "b", "c"], 2),
    ([("a", "b", "near-duplicate"), ("b", "c", "near-duplicate")], ["a", "b", "c"], 1),
    ([("a", "b", "shared-passages")], ["a", "b", "c"], 3),
    ([("a", "z", "near-duplicate")], ["a", "b"], 2),
])
def test_independent_sources(pairs: list[tuple[str, str, str]], members: list[str], expected: int) -> None:
    reuse = [Reuse(a=a, b=b, kind=kind, similarity=0.9, direction="unknown", passages=()) for a, b, kind in pairs]
    assert stories.independent_sources(members, reuse) == expected


def test_empty_corpus(ctx: Context) -> None:
    assert stories.run(CorpusAnalysis(), ctx).stories == ()


def test_seeds_form_two_linked_stories(seeds_dir: Path, ctx: Context) -> None:
    docs = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        docs.append(_doc(path.name[:3], text))
    result = stories.run(CorpusAnalysis(docs=tuple(docs)), ctx)
    groups = sorted(sorted(s.documents) for s in result.stories)
    assert groups == [["000", "001", "002", "003"], ["004"]]
    follow_up = _story_of(result, "004")
    assert follow_up.related == (_story_of(result, "000").id,)


# ------------------------------------------------------------------------------------------ stored features


def _with_features(corpus: CorpusAnalysis, ctx: Context) -> CorpusAnalysis:
    docs = tuple(story_features.run(d, ctx) for d in corpus.docs)
    return replace(corpus, docs=docs)


def test_stories_are_the_same_from_stored_features_and_from_a_parse(ctx: Context, news: CorpusAnalysis) -> None:
    bare = replace(news, stories=())
    featured = _with_features(bare, ctx)
    assert all(d.story_features is not None for d in featured.docs)
    assert stories.run(featured, ctx).stories == news.stories
    # Half stored, half not (a store analysed partly before the stage existed).
    pairs = enumerate(zip(bare.docs, featured.docs, strict=True))
    mixed = replace(bare, docs=tuple(with_record if i % 2 else without for i, (without, with_record) in pairs))
    assert stories.run(mixed, ctx).stories == news.stories


def test_stored_features_spare_the_parse(ctx: Context, news: CorpusAnalysis) -> None:
    featured = _with_features(replace(news, stories=()), ctx)

    class NoParser(Context):
        @property
        def nlp(self) -> Any:
            raise AssertionError("parsed a document that has its story features")

    assert stories.run(featured, NoParser(cache=MemoryCache())).stories == news.stories


def test_story_features_round_trip_through_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "dam.txt").write_text(DAM_1, encoding="utf-8")
    (folder / "chess.txt").write_text(CHESS, encoding="utf-8")
    db = tmp_path / "store.sqlite"
    analysed = api.analyze([folder], db=db, stages=["clean", "entities", "time", "story_features"])
    records = [d.story_features for d in analysed.corpus.docs]
    assert all(r is not None and r.lead and r.lead_terms for r in records)
    with Store(db) as store:
        assert [d.story_features for d in store.load_docs()] == records
    by_text = {d.document.text[:20]: d.story_features for d in analysed.corpus.docs}
    chess = by_text[CHESS[:20]]
    assert chess is not None and {"PERSON:reyno", "PERSON:lindqvist"} <= dict(chess.names).keys()
    assert chess.lead.startswith("Grandmaster Tomas Reyno won")


def test_a_record_survives_the_codec() -> None:
    record = StoryFeatures(lead="A lead.", first_sentence="A first sentence here.", lead_terms=(("dam", 2),),
                           body_terms=(("flood", 1), ("2031", 1)), names=(("GPE:korvel", 3),),
                           dates=("2031-03-04",), background=True)
    analysis = replace(_doc("x", DAM_1), story_features=record)
    assert codec.decode(DocAnalysis, json.loads(json.dumps(codec.encode(analysis)))) == analysis


# ------------------------------------------------------------------------------------------ blocking


def _disjoint_stories(count: int, seed: int, per_story: int = 3) -> list[stories.DocFeatures]:
    """Invented documents of `count` stories: each story its own words and names, every document a
    few of the words all documents use; random lead embeddings near the story's own direction."""
    rng = random.Random(seed)
    common = [f"common{k}" for k in range(12)]
    shared_names = [f"GPE:country{k}" for k in range(4)]
    counts: list[tuple[str, dict[str, float], dict[str, float], np.ndarray[Any, Any]]] = []
    for story in range(count):
        words = [f"s{story}w{k}" for k in range(30)]
        names = [f"PERSON:s{story}n{k}" for k in range(4)]
        direction = np.array([rng.gauss(0, 1) for _ in range(16)])
        for member in range(per_story):
            terms = {w: float(rng.randint(1, 3)) for w in rng.sample(words, 15) + rng.sample(common, 9)}
            entities = {n: float(rng.randint(1, 2)) for n in rng.sample(names, 3) + rng.sample(shared_names, 1)}
            vector = direction + np.array([rng.gauss(0, 0.5) for _ in range(16)])
            counts.append((f"s{story}d{member}", terms, entities, vector / np.linalg.norm(vector)))
    rng.shuffle(counts)
    total = len(counts)
    term_idf = stories.idf(Counter(k for _, t, _, _ in counts for k in t), total)
    entity_idf = stories.idf(Counter(k for _, _, e, _ in counts for k in e), total)
    return [stories.DocFeatures(doc=doc, terms=stories.weigh(t, term_idf, 1.0),
                                entities=stories.weigh(e, entity_idf, 1.0), embedding=v.astype(np.float32),
                                when=None, lead=doc) for doc, t, e, v in counts]


def _clusters(index: stories.StoryIndex) -> tuple[list[list[str]], list[set[int]]]:
    return [list(s.members) for s in index.stories], [set(s.related) for s in index.stories]


class Unblocked(stories.StoryIndex):
    """Every document scored against every story, every pair of stories compared: the reference."""

    def candidates(self, features: stories.DocFeatures) -> list[int]:
        return list(range(len(self.stories)))

    def link_related(self) -> None:
        for later_index, later in enumerate(self.stories):
            for earlier_index in range(later_index):
                if self.is_follow_up(later, self.stories[earlier_index]):
                    later.related.add(earlier_index)
                    self.stories[earlier_index].related.add(later_index)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocking_gives_the_stories_of_comparing_everything(seed: int) -> None:
    features = _disjoint_stories(25, seed)
    blocked = stories.cluster(features)
    reference = Unblocked()
    for item in stories.stream_order(features):
        reference.add(item)
    reference.link_related()
    assert _clusters(blocked) == _clusters(reference)
    assert len(blocked.stories) == 25


def test_comparisons_grow_slower_than_the_square_of_the_stories() -> None:
    small, large = (stories.cluster(_disjoint_stories(n, seed=7)) for n in (40, 160))
    assert len(small.stories) == 40 and len(large.stories) == 160
    # Four times the stories: sixteen times the comparisons without blocking.
    assert large.comparisons < 6 * small.comparisons, (small.comparisons, large.comparisons)
    exhaustive = 3 * 160 * 160 / 2  # about every document against every earlier story
    assert large.comparisons < exhaustive / 10


def test_no_margin_means_no_blocking() -> None:
    params = replace(stories.load_params(), threshold=0.9)  # the embedding alone could reach it
    index = stories.StoryIndex(params)
    expected = 0
    for item in _disjoint_stories(6, seed=4, per_story=2):
        expected += len(index.stories)
        index.add(item)
    assert index.comparisons == expected and index.unblocked == len(index.story_of)
