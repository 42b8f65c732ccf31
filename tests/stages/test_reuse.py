"""Tests of the reuse stage on invented articles: near-duplicates, pasted statements, noise,
direction, the incremental cache, the LSH derivation and independent sources."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storylens.model import CorpusAnalysis, DateRange, DocAnalysis, Document, Reuse, Span
from storylens.pipeline import Context, MemoryCache
from storylens.stages import reuse as reuse_stage
from storylens.stages.reuse import ReuseParams, find_reuse, independent_sources, optimal_bands_rows, update_directions
from storylens.stages.reuse import index as reuse_index
from storylens.stages.reuse.params import false_negative_area, false_positive_area
from storylens.stages.reuse.shingles import body_words

# ------------------------------------------------------------------ invented articles

STATEMENT = (
    "“We salute the brave fishermen of the northern coast for their patience during the long "
    "storm season, and we promise that every damaged harbour will be rebuilt before the winter "
    "markets open,” the Coastal Workers Union said in its statement."
)
STATEMENT_STRAIGHT = STATEMENT.replace("“", '"').replace("”", '"')

ORIGINAL = (
    "The regional council of Veloria voted on Tuesday to close the old ferry terminal after "
    "engineers found deep cracks in its concrete pillars.\n\n"
    "Council leader Amara Tesk said the decision was painful but unavoidable, since the terminal "
    "had carried passengers between the islands for almost sixty years.\n\n"
    "A temporary pier will open next month on the southern beach, and buses will link it with "
    "the town centre every twenty minutes during the summer timetable.\n\n"
    "Local shop owners warned that the closure could cost them a third of their seasonal trade, "
    "and several asked the council to speed up the construction of a permanent replacement.\n\n"
    "The new terminal, designed by a firm from the capital, is expected to cost forty million "
    "crowns and should be finished within three years if the funding is approved."
)

# A reprint: the same article with light edits, one paragraph dropped and a credit line.
REPRINT = (
    "The regional council of Veloria voted Tuesday to close the old ferry terminal after "
    "engineers found deep cracks in its concrete pillars.\n\n"
    "Council leader Amara Tesk said the decision was painful but unavoidable, because the terminal "
    "had carried passengers between the islands for nearly sixty years.\n\n"
    "A temporary pier will open next month on the southern beach, and buses will link it with "
    "the town centre every twenty minutes during the summer timetable.\n\n"
    "The new terminal, designed by a firm from the capital, is expected to cost forty million "
    "crowns and should be finished within three years if the funding is approved.\n\n"
    "This story was first published by the Veloria Herald."
)

HOST_A = (
    "Fishing boats returned to the northern ports on Monday as the weather finally cleared after "
    "three weeks of gales.\n\n" + STATEMENT + "\n\n"
    "Harbour master Joren Vail told reporters that two of the five piers in Kestel remain closed "
    "and that repairs would start once insurers had inspected them.\n\n"
    "Crews spent the weekend clearing nets and broken crates from the slipways, and a volunteer "
    "group from the village school painted the lifeboat shed that lost its roof in the second gale."
)
HOST_B = (
    "Prices at the Lindmark fish auction fell sharply this week as the first catches since the "
    "storms reached the market halls.\n\n" + STATEMENT_STRAIGHT + "\n\n"
    "Traders said demand from restaurants in the capital was still weak, and several buyers "
    "expected prices to recover only after the holiday weekend.\n\n"
    "The auction house plans to open an hour earlier from next month so that lorries can reach "
    "the inland cities before noon, its director Pella Oranso told a meeting of wholesalers."
)

# Same topic, same stock phrases, no shared passage.
UNRELATED_A = (
    "According to the ministry of transport, the number of passengers on regional trains rose "
    "by eight percent last year. Officials said in a statement that new timetables helped."
)
UNRELATED_B = (
    "According to the ministry of transport, road accidents fell for the third year running. "
    "Officials said in a statement that speed cameras on rural roads made the difference."
)


def make(doc_id: str, text: str, **fields: object) -> Document:
    fields.setdefault("body_spans", (Span(0, len(text)),))
    return Document(id=doc_id, path=f"{doc_id}.txt", text=text, **fields)  # type: ignore[arg-type]


def pair_of(found: tuple[Reuse, ...], a: str, b: str) -> Reuse | None:
    return next((r for r in found if {r.a, r.b} == {a, b}), None)


def assert_spans_slice(pair: Reuse, docs: dict[str, Document]) -> None:
    """Every passage span lies in its document, and both sides read the same words."""
    for passage in pair.passages:
        text_a = passage.a.slice(docs[pair.a].text)
        text_b = passage.b.slice(docs[pair.b].text)
        assert text_a and text_b
        assert text_a == docs[pair.a].text[passage.a.start : passage.a.end]
        first_a, first_b = body_words(make("x", text_a)), body_words(make("y", text_b))
        assert first_a[:3] == first_b[:3] and first_a[-2:] == first_b[-2:]


# ------------------------------------------------------------------ kinds and passages


def test_near_duplicate_with_edits_is_found_with_aligned_passages() -> None:
    docs = {d.id: d for d in (make("orig", ORIGINAL), make("reprint", REPRINT))}
    found, _ = find_reuse(docs.values())
    assert len(found) == 1
    pair = found[0]
    assert (pair.a, pair.b) == ("orig", "reprint")
    assert pair.kind == "near-duplicate"
    assert pair.containment_a > 0.6 and pair.containment_b > 0.7
    assert 0.5 < pair.similarity <= 1.0
    assert_spans_slice(pair, docs)
    # the edits ("on Tuesday"/"Tuesday", "since"/"because") are bridged: the first two
    # paragraphs form one passage
    first = pair.passages[0]
    assert "Amara Tesk" in first.a.slice(ORIGINAL) and "Amara Tesk" in first.b.slice(REPRINT)


def test_pasted_statement_between_different_articles() -> None:
    docs = {d.id: d for d in (make("host-a", HOST_A), make("host-b", HOST_B), make("orig", ORIGINAL))}
    found, _ = find_reuse(docs.values())
    assert [(r.a, r.b) for r in found] == [("host-a", "host-b")]
    pair = found[0]
    assert pair.kind == "shared-passages"
    assert len(pair.passages) == 1
    assert_spans_slice(pair, docs)
    shared = pair.passages[0].a.slice(HOST_A)
    assert shared.startswith("We salute") and "winter markets open" in shared
    assert pair.passages[0].b.slice(HOST_B).startswith("We salute")  # straight quotes matched curly ones
    assert pair.containment_a < 0.7 and pair.containment_b < 0.7


def test_only_common_phrases_is_not_reuse() -> None:
    found, _ = find_reuse([make("u1", UNRELATED_A), make("u2", UNRELATED_B)])
    assert found == ()


def test_boilerplate_outside_the_body_is_ignored() -> None:
    footer = ("\n\nSubscribe to the Harbour Gazette newsletter for the latest news from the coast, "
              "every morning in your inbox before breakfast.")
    a_text, b_text = UNRELATED_A + footer, UNRELATED_B + footer
    docs = [make("u1", a_text), make("u2", b_text)]
    assert len(find_reuse(docs)[0]) == 1  # as body, the footer is shared text
    bodies = [replace(d, body_spans=(Span(0, len(d.text) - len(footer)),)) for d in docs]
    assert find_reuse(bodies)[0] == ()


# ------------------------------------------------------------------ direction


@pytest.mark.parametrize(("fields_orig", "fields_reprint", "direction", "evidence"), [
    # dates: the earlier article is the source
    ({"published": "2024-03-04"}, {"published": "2024-03-06"}, "a->b", "date"),
    ({"published": "2024-03-09"}, {"published": "2024-03-06"}, "a<-b", "date"),
    # an inferred range counts when it does not overlap the other date
    ({"published_inferred": DateRange("2024-03-01", "2024-03-02")}, {"published": "2024-03-06"}, "a->b", "date"),
    # a credit naming the other outlet outweighs the dates
    ({"outlet": "Veloria Herald", "published": "2024-03-09"}, {"published": "2024-03-06"}, "a->b", "credit"),
    # same day, no outlet named: the unnamed reprint notice decides
    ({"published": "2024-03-06"}, {"published": "2024-03-06"}, "a->b", "reprint notice"),
])
def test_direction(fields_orig: dict[str, object], fields_reprint: dict[str, object], direction: str,
                   evidence: str) -> None:
    found, _ = find_reuse([make("orig", ORIGINAL, **fields_orig), make("reprint", REPRINT, **fields_reprint)])
    assert found[0].direction == direction
    assert found[0].evidence[0].startswith(evidence)


def test_direction_by_subset_when_nothing_else_tells() -> None:
    uncredited = REPRINT[: REPRINT.index("\n\nThis story")]
    found, _ = find_reuse([make("orig", ORIGINAL), make("reprint", uncredited)])
    # the reprint dropped a paragraph: it is the subset, so it copied
    assert found[0].direction == "a->b"
    assert found[0].evidence[0].startswith("subset")


def test_update_directions_uses_dates_inferred_later() -> None:
    docs = (make("orig", ORIGINAL), make("host-a", HOST_A), make("other", HOST_B))
    corpus = CorpusAnalysis(docs=tuple(DocAnalysis(d) for d in docs))
    corpus = replace(corpus, reuse=find_reuse(docs)[0])
    assert corpus.reuse[0].direction == "unknown"
    dated = tuple(DocAnalysis(replace(d, published_inferred=DateRange("2024-05-01", "2024-05-01")))
                  if d.id == "other" else DocAnalysis(replace(d, published="2024-05-03")) for d in docs)
    updated = update_directions(replace(corpus, docs=dated))
    assert (updated.reuse[0].a, updated.reuse[0].b, updated.reuse[0].direction) == ("host-a", "other", "a<-b")


def test_direction_unknown_without_evidence() -> None:
    found, _ = find_reuse([make("host-a", HOST_A), make("host-b", HOST_B)])
    assert found[0].direction == "unknown" and found[0].evidence == ()


# ------------------------------------------------------------------ incremental cache and stage


def test_second_run_sketches_only_the_new_document(monkeypatch: pytest.MonkeyPatch) -> None:
    sketched: list[str] = []
    real = reuse_index.sketch_documents

    def counting(documents: list[Document], params: ReuseParams) -> list[reuse_index.Sketch]:
        sketched.extend(d.id for d in documents)
        return real(documents, params)

    monkeypatch.setattr(reuse_index, "sketch_documents", counting)
    ctx = Context(cache=MemoryCache())
    first = CorpusAnalysis(docs=(DocAnalysis(make("orig", ORIGINAL)), DocAnalysis(make("host-a", HOST_A))))
    result = reuse_stage.run(first, ctx)
    assert result.reuse == ()
    assert sorted(sketched) == ["host-a", "orig"]
    assert ctx.cache.get("minhash", "orig") is not None

    sketched.clear()
    added = (DocAnalysis(make("reprint", REPRINT)), DocAnalysis(make("host-b", HOST_B)))
    second = replace(first, docs=(*first.docs, *added))
    result = reuse_stage.run(second, ctx)
    assert sorted(sketched) == ["host-b", "reprint"]
    assert result.extra["reuse"]["signatures_cached"] == 2
    assert [(r.a, r.b, r.kind) for r in result.reuse] == [
        ("host-a", "host-b", "shared-passages"), ("orig", "reprint", "near-duplicate")]

    # a document whose body changed under the same id is sketched again, not trusted from the cache
    sketched.clear()
    edited = DocAnalysis(replace(make("orig", ORIGINAL), body_spans=(Span(0, 200),)))
    reuse_stage.run(replace(second, docs=(edited, *second.docs[1:])), ctx)
    assert sketched == ["orig"]


def test_cached_signatures_give_the_same_result() -> None:
    docs = [make("orig", ORIGINAL), make("reprint", REPRINT), make("host-a", HOST_A), make("host-b", HOST_B)]
    cache = MemoryCache()
    fresh, stats = find_reuse(docs, cache=cache)
    again, stats_again = find_reuse(docs, cache=cache)
    assert fresh == again
    assert stats.signatures_computed == 4 and stats_again.signatures_computed == 0


def test_short_and_empty_bodies() -> None:
    docs = [make("empty", ""), make("short", "Too short."), make("orig", ORIGINAL),
            make("blank", ORIGINAL, body_spans=(Span(0, 0),))]
    found, stats = find_reuse(docs)
    assert found == ()
    assert stats.too_short == 3


# ------------------------------------------------------------------ offsets (property)

# 60 invented words: a shared passage of distinct words is a real passage, not a refrain.
VOCABULARY = [c + v + d for c in "bdkmst" for v in "aeiou" for d in ("ren", "lo")]
WORDS = st.sampled_from(VOCABULARY)
GLUE = st.sampled_from([" ", "  ", ", ", ". ", " — ", "\n", "\n\n", " ‘", "’ ", ' "', '" ', "; "])


@st.composite
def noisy_text(draw: st.DrawFn, size: int, distinct: bool = False) -> str:
    words = draw(st.lists(WORDS, min_size=size, max_size=size, unique=distinct))
    words = [w.upper() if draw(st.booleans()) and i % 7 == 0 else w for i, w in enumerate(words)]
    return "".join(w + draw(GLUE) for i, w in enumerate(words))


@settings(max_examples=25, deadline=None)
@given(noisy_text(30, distinct=True), noisy_text(40), noisy_text(40), st.integers(0, 3), st.integers(0, 3))
def test_passage_spans_slice_the_same_words(shared: str, left: str, right: str, pad_a: int, pad_b: int) -> None:
    # the shared passage differs in case and punctuation between the two copies
    text_a = "x" * pad_a + " " + left + shared + " zz " + right
    text_b = right + " q " + shared.lower().replace(",", ";") + " " + "y" * pad_b
    docs = {"a": make("a", text_a), "b": make("b", text_b)}
    found, _ = find_reuse(docs.values(), params=ReuseParams(min_passage_words=15))
    assert found, "a 30-word shared passage must be found"
    for pair in found:
        for passage in pair.passages:
            assert 0 <= passage.a.start < passage.a.end <= len(text_a)
            assert 0 <= passage.b.start < passage.b.end <= len(text_b)
            words_a = body_words(make("s", passage.a.slice(text_a)))
            words_b = body_words(make("t", passage.b.slice(text_b)))
            assert len(words_a) >= 15 and len(words_b) >= 15
            assert words_a[0] == words_b[0] and words_a[-1] == words_b[-1]


# ------------------------------------------------------------------ LSH parameters


@pytest.mark.parametrize(("threshold", "max_perm"), [(0.3, 64), (0.5, 128), (0.8, 128), (0.9, 256)])
def test_bands_rows_minimise_error_area(threshold: float, max_perm: int) -> None:
    bands, rows = optimal_bands_rows(threshold, max_perm)
    assert bands * rows <= max_perm

    def error(b: int, r: int) -> float:
        return 0.5 * false_positive_area(threshold, b, r) + 0.5 * false_negative_area(threshold, b, r)

    best = error(bands, rows)
    for b, r in [(bands + 1, rows), (bands - 1, rows), (bands, rows + 1), (bands, rows - 1)]:
        if b >= 1 and r >= 1 and b * r <= max_perm:
            assert best <= error(b, r) + 1e-12
    # the S-curve crosses one half near the threshold
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.15


@pytest.mark.parametrize("bad", [
    {"threshold": 0.0}, {"threshold": 1.0}, {"max_perm": 1}, {"shingle_words": 0},
    {"near_duplicate_containment": 0.0}, {"max_gap_words": -1}, {"anchor_words": 20, "min_passage_words": 10},
])
def test_params_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ReuseParams(**bad)  # type: ignore[arg-type]


def test_optimal_bands_rows_validates() -> None:
    with pytest.raises(ValueError):
        optimal_bands_rows(1.5, 128)
    with pytest.raises(ValueError):
        optimal_bands_rows(0.5, 1)


# ------------------------------------------------------------------ independent sources


def reuse(a: str, b: str, kind: str) -> Reuse:
    return Reuse(a=a, b=b, kind=kind, similarity=0.5, direction="unknown", passages=())


@pytest.mark.parametrize(("ids", "pairs", "expected"), [
    (["a", "b", "c"], [], 3),
    (["a", "b", "c"], [reuse("a", "b", "near-duplicate")], 2),
    (["a", "b", "c"], [reuse("a", "b", "near-duplicate"), reuse("b", "c", "near-duplicate")], 1),
    # sharing a quoted statement does not make two articles one source
    (["a", "b", "c"], [reuse("a", "b", "shared-passages")], 3),
    # pairs with documents outside the set are ignored
    (["a", "b"], [reuse("a", "z", "near-duplicate"), reuse("z", "b", "near-duplicate")], 2),
    ([], [], 0),
])
def test_independent_sources(ids: list[str], pairs: list[Reuse], expected: int) -> None:
    assert independent_sources(ids, pairs) == expected


# ------------------------------------------------------------------ synthetic and seeds


def test_planted_copies_in_a_small_synthetic_corpus() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from synthetic import SyntheticCorpus

    corpus = SyntheticCorpus(600, seed=7)
    found, _ = find_reuse(corpus.documents(), load=corpus.document)
    truth = {frozenset((p.copy, p.source)) for p in corpus.planted()}
    got = {frozenset((r.a, r.b)) for r in found}
    assert len(truth) >= 20
    assert got == truth
    docs = {d.id: d for d in corpus.documents()}
    for pair in random.Random(1).sample(found, 5):
        assert_spans_slice(pair, docs)


def test_seed_articles(seeds_dir: Path) -> None:
    docs = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        docs[path.name[:3]] = make(path.name[:3], path.read_text(encoding="utf-8"))
    found, _ = find_reuse(docs.values())
    pairs = {(r.a, r.b): r for r in found}
    assert set(pairs) - {("002", "003")} == {("000", "001"), ("000", "003"), ("001", "003")}
    assert pairs[("000", "001")].kind == "near-duplicate"
    assert pairs[("000", "003")].kind == "shared-passages"
    for pair in found:
        assert_spans_slice(pair, docs)
