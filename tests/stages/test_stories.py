"""Tests of the stories stage on invented articles (invented outlets and people), and on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    TimeExpression,
)
from storylens.pipeline import Context, MemoryCache
from storylens.stages import stories

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
    # One comparison per existing story centroid, nothing re-clustered.
    assert sorted(compared) == list(range(len(before)))
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
    assert stories.full_dates(with_time, None, stories.load_cues()) == ["2030-03-03"]
    when = stories.document_when(with_time, ["2030-03-03"])
    assert when is not None and when.from_text and when.first_iso == "2030-03-03"
    # Without the time stage, spaCy's DATE entities are read.
    assert stories.full_dates(analysis, ctx.parse(analysis.document), stories.load_cues()) == ["2030-03-03"]


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
    assert stories._story_dates([analysis], window=21) == expected


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
    assert stories._parse_written_date(text, stories.load_cues()) == iso


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
