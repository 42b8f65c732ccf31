"""Quality gate for events: PLOVER type/mode accuracy and ECB+ event coreference stay above floors.

Floors sit just under what `evaluation/events.py` measured when they were set (numbers in
the comments below); a drop below them fails the build.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_evaluation, require_shared

# Measured (re-run after the second events pass, unchanged): PLOVER type accuracy 0.811, mode
# accuracy 0.654 (133 sentences with a mode).
PLOVER_TYPE_FLOOR = 0.78
PLOVER_MODE_FLOOR = 0.62
# Measured with the event lemma groups (issue #7): ECB+ dev CoNLL F1 0.772 against the same-lemma
# baseline's 0.712 (+0.060); stems only, without the groups, 0.761. Train topics: 0.771 vs 0.712.
ECB_CONLL_FLOOR = 0.765
ECB_MARGIN_FLOOR = 0.055  # issue #7 asks for >= +0.05 over the same-lemma baseline
ECB_GROUPS_GAIN_FLOOR = 0.008  # the lemma groups' own gain over stems only (measured +0.011)


def _evaluation() -> ModuleType:
    return load_evaluation("events")


@pytest.mark.slow
def test_plover_type_and_mode_accuracy() -> None:
    shared: Path = require_shared("eval", "plover", "gsr_cameo.jsonl").parents[2]
    metrics = _evaluation().plover_metrics(shared)
    assert metrics["sentences"] == 322
    assert metrics["type_accuracy"] >= PLOVER_TYPE_FLOOR, metrics
    assert metrics["mode_accuracy"] >= PLOVER_MODE_FLOOR, metrics


@pytest.mark.slow
def test_ecb_event_coreference_beats_same_lemma() -> None:
    shared: Path = require_shared("eval", "ecbplus", "topics_1-35.jsonl").parents[2]
    metrics = _evaluation().ecb_metrics(shared)
    assert metrics["mentions"] == 1245
    assert metrics["conll"] >= ECB_CONLL_FLOOR, metrics
    assert metrics["conll"] - metrics["baseline_conll"] >= ECB_MARGIN_FLOOR, metrics
    assert metrics["conll"] - metrics["stem_only_conll"] >= ECB_GROUPS_GAIN_FLOOR, metrics


@pytest.fixture(scope="module")
def evaluation() -> ModuleType:
    return _evaluation()


# Invented words and the shipped groups: a group joins synonyms and derivations, an inflection
# the tagger left ('perishes' style) is undone, and a word in no group falls back to its stem.
@pytest.mark.parametrize(("first", "second", "same"), [
    ("murder", "slay", True),            # synonyms in one group
    ("death", "die", True),              # noun / verb derivation
    ("dies", "die", True),               # inflection left by the tagger
    ("escaped", "flee", True),           # inflection undone, then grouped
    ("quake", "explosion", False),       # two groups
    ("announcement", "announce", True),  # no group: the stem joins them
    ("parade", "parachute", False),      # no group, different stems
    ("", "murder", False),               # no lemma never matches
])
def test_event_key_groups(evaluation: ModuleType, first: str, second: str, same: bool) -> None:
    groups = evaluation.event_lemma_groups()
    first_key, second_key = evaluation.event_key(first, groups), evaluation.event_key(second, groups)
    assert (bool(first_key) and first_key == second_key) is same


def test_lemma_groups_are_disjoint() -> None:
    import json
    from importlib import resources

    data = json.loads(resources.files("storylens.rules").joinpath("event_lemmas.json").read_text("utf-8"))
    words = [w for lemmas in data["groups"].values() for w in lemmas]
    assert len(words) == len(set(words)), "a lemma in two groups would join them"
    assert all(w == w.lower().strip() and w for w in words)


def test_cluster_mentions_groups_within_document_clusters(evaluation: ModuleType) -> None:
    from collections import Counter

    mention = evaluation.EcbMention
    # Two invented articles about one flood rescue, one about an unrelated trade fair.
    bags = {"a": Counter({"flood": 3, "rescue": 2, "valmora": 2}),
            "b": Counter({"flood": 2, "rescue": 3, "valmora": 1}),
            "c": Counter({"fair": 3, "trade": 2, "brisket": 2})}
    mentions = [mention("a:1", "a", 1, "x", "murder"), mention("b:1", "b", 1, "x", "slaying"),
                mention("c:1", "c", 1, "y", "kill"), mention("a:2", "a", 1, "z", "rescue"),
                mention("b:2", "b", 1, "z", "rescues"), mention("b:3", "b", 1, "w", "")]
    clusters = set(evaluation.cluster_mentions(mentions, bags))
    assert frozenset({"a:1", "b:1"}) in clusters      # one group, one document cluster
    assert frozenset({"c:1"}) in clusters             # same group, other document cluster
    assert frozenset({"a:2", "b:2"}) in clusters      # same stem
    assert frozenset({"b:3"}) in clusters             # no lemma: alone
    plain = set(evaluation.cluster_mentions(mentions, bags, groups=evaluation.LemmaGroups({})))
    assert frozenset({"a:1"}) in plain and frozenset({"b:1"}) in plain
