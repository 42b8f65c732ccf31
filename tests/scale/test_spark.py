"""The Spark engine gives the same results as the local engine (local[2], demo corpus and seeds)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from storylens.stages.reuse.params import ReuseParams
from tests.conftest import Analysed, require_shared

pytestmark = pytest.mark.spark


def spark_or_skip() -> None:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and os.environ.get("STORYLENS_REQUIRE_SHARED") != "1":
        pytest.skip("Java is not installed (make test installs it)")


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    spark_or_skip()
    from storylens.scale.spark import SparkEngine

    engine = SparkEngine("local[2]")
    yield engine
    engine.stop()


@pytest.mark.slow
def test_demo_corpus_same_on_spark(engine, demo_analysis: Analysed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from storylens import api
    from storylens.demo import corpus_dir
    from storylens.scale.spark import equivalent

    result = api.analyze([corpus_dir()], db=tmp_path / "spark.sqlite", engine=engine)
    assert not equivalent(demo_analysis.corpus, result.corpus)
    assert result.corpus.reuse and result.corpus.quote_groups and result.corpus.stories


@pytest.mark.slow
def test_seeds_same_on_spark(engine, seeds_analysis: Analysed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from storylens import api
    from storylens.scale.spark import equivalent

    result = api.analyze([require_shared("seeds")], db=tmp_path / "spark.sqlite", engine=engine)
    assert not equivalent(seeds_analysis.corpus, result.corpus)


def test_spark_run_is_incremental(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from storylens import api
    from storylens.faults import VALID_ARTICLE

    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Report {i} from Velmora.\n\n{VALID_ARTICLE}", encoding="utf-8")
    db = tmp_path / "s.sqlite"
    first = api.analyze([tmp_path], db=db, stages=["clean", "language"], engine=engine)
    second = api.analyze([tmp_path], db=db, stages=["clean", "language"], engine=engine)
    assert (first.summary.documents_added, second.summary.documents_added) == (3, 0)
    assert second.summary.skipped_inputs == 3


@pytest.mark.parametrize(("places", "expected"), [
    ([(0, 100), (8, 108)], True),             # two fingerprints of one 16-word passage
    ([(0, 100)], False),                      # one shared fingerprint: a stock phrase
    ([(0, 100), (400, 900)], False),          # two phrases far apart
    ([(0, 100), (3, 103)], False),            # adjacent fingerprints of a short phrase
    ([(50, 10), (0, 500), (58, 18)], True),   # order does not matter
])
def test_passage_chain_matches_the_local_rule(places: list[tuple[int, int]], expected: bool) -> None:
    pytest.importorskip("pyspark")
    from storylens.scale.spark_reuse import passage_chain

    assert passage_chain(places, ReuseParams()) is expected


def test_crowded_fingerprint_buckets_give_no_pairs() -> None:
    pytest.importorskip("pyspark")
    from storylens.scale.spark_reuse import bucket_pairs

    params = ReuseParams()
    crowd = [(f"d{i}", i) for i in range(params.max_postings + 1)]
    assert list(bucket_pairs(("f", 0, 7), crowd, params)) == []
    assert len(list(bucket_pairs(("b", 3, 7), crowd[:4], params))) == 6
