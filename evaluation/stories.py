"""Story clustering on ECB+ (../shared/eval/ecbplus): documents clustered into their sub-topics.

Each ECB+ topic has two sub-topics ('ecb' and 'ecbplus': two different events of the same kind),
and the gold story of a document is (topic, sub-topic). All documents of a split are clustered
together, on text alone (ECB+ has no publication dates). Prints pairwise and B3 P/R/F1.

    .venv/bin/python evaluation/stories.py [--split dev|train] [--shuffle SEED]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator, Sequence
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

from storylens.model import CorpusAnalysis, DocAnalysis, Document, Span
from storylens.pipeline import Context
from storylens.shared_data import shared_module
from storylens.stages import stories

ROOT = Path(__file__).resolve().parents[1]


def _loader() -> ModuleType:
    return shared_module("eval", "load.py", name="storylens_eval_load")


def ecbplus_records(split: str) -> list[dict[str, Any]]:
    return list(_loader().ecbplus(split))


def ecbplus_corpus(records: Sequence[dict[str, Any]]) -> CorpusAnalysis:
    """One Document per ECB+ file, the whole text as body (no boilerplate, no dates)."""
    docs = []
    for record in records:
        text = record["text"]
        document = Document(id=record["id"], path=record["doc_name"], text=text, body_spans=(Span(0, len(text)),))
        docs.append(DocAnalysis(document=document))
    return CorpusAnalysis(docs=tuple(docs))


def _pairs(clusters: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in combinations(c, 2)}  # type: ignore[misc]


def clustering_scores(gold: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    """Pairwise and B3 precision, recall and F1 of a clustering (item -> cluster label)."""
    def groups(labels: dict[str, str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for item, label in labels.items():
            out.setdefault(label, set()).add(item)
        return out

    gold_groups, predicted_groups = groups(gold), groups(predicted)
    gold_pairs = _pairs([sorted(g) for g in gold_groups.values()])
    predicted_pairs = _pairs([sorted(g) for g in predicted_groups.values()])
    true = len(gold_pairs & predicted_pairs)
    precision = true / len(predicted_pairs) if predicted_pairs else 1.0
    recall = true / len(gold_pairs) if gold_pairs else 1.0
    b3_p = b3_r = 0.0
    for item in gold:
        g, p = gold_groups[gold[item]], predicted_groups[predicted[item]]
        overlap = len(g & p)
        b3_p += overlap / len(p)
        b3_r += overlap / len(g)
    b3_p, b3_r = b3_p / len(gold), b3_r / len(gold)
    return {
        "pairwise_precision": precision, "pairwise_recall": recall, "pairwise_f1": _f1(precision, recall),
        "b3_precision": b3_p, "b3_recall": b3_r, "b3_f1": _f1(b3_p, b3_r),
        "documents": float(len(gold)), "gold_stories": float(len(gold_groups)),
        "predicted_stories": float(len(predicted_groups)),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(split: str = "dev", shuffle: int | None = None, ctx: Context | None = None,
             with_entities: bool = False) -> dict[str, float]:
    """Run the stories stage over an ECB+ split and score it against the (topic, sub-topic) gold.

    By default stories reads spaCy's entities; `with_entities` runs the entities and resolve
    stages first, as the full pipeline does.
    """
    records = ecbplus_records(split)
    if shuffle is not None:
        random.Random(shuffle).shuffle(records)
    corpus = ecbplus_corpus(records)
    ctx = ctx or Context()
    if with_entities:
        from storylens.pipeline import run_corpus_stages, run_document_stages, select

        ctx.parse_many([d.document for d in corpus.docs])
        stages = select(["entities", "resolve"])
        corpus = CorpusAnalysis(docs=tuple(run_document_stages(d, stages, ctx) for d in corpus.docs))
        corpus = run_corpus_stages(corpus, stages, ctx)
    result = stories.run(corpus, ctx)
    gold = {r["id"]: f"{r['topic']}/{r['subtopic']}" for r in records}
    predicted = {doc: story.id for story in result.stories for doc in story.documents}
    return clustering_scores(gold, predicted)


def _rows(metrics: dict[str, float]) -> Iterator[str]:
    for key, value in metrics.items():
        yield f"{key:<22} {value:>8.3f}" if value < 10 else f"{key:<22} {value:>8.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", default="dev", choices=("dev", "train"))
    parser.add_argument("--shuffle", type=int, default=None, help="random document order with this seed")
    parser.add_argument("--with-entities", action="store_true", help="run the entities and resolve stages first")
    args = parser.parse_args(argv)
    metrics = evaluate(args.split, args.shuffle, with_entities=args.with_entities)
    order = "corpus order" if args.shuffle is None else f"shuffled, seed {args.shuffle}"
    features = "entities+resolve" if args.with_entities else "spaCy entities"
    print(f"stories on ECB+ {args.split} ({order}, {features})")
    print(f"{'metric':<22} {'value':>8}")
    for row in _rows(metrics):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
