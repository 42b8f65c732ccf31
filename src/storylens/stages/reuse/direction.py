"""Who copied whom in a reuse pair, with the evidence for it.

Inputs: the two documents, the pair's kind and containments. Output: a direction ("a<-b" means
a copied from b, "a->b" the reverse, "unknown") and evidence sentences. Evidence is weighed in
order: a credit naming the other outlet, then publication dates, then an unnamed reprint notice
or wire byline, then (near-duplicates only) which side is a subset of the other.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache, lru_cache
from urllib.parse import urlsplit

from storylens.model import Document
from storylens.rules import load_rule
from storylens.stages.reuse.params import ReuseParams

A_COPIED_B = "a<-b"
B_COPIED_A = "a->b"
UNKNOWN = "unknown"


@cache
def _credit_rules() -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    data = load_rule("reuse_credits.json")
    named = tuple(_spaces(p) for p in data["named"])
    generic = tuple(re.compile(_spaces(p), re.IGNORECASE) for p in data["generic"])
    return named, generic


def _spaces(pattern: str) -> str:
    return pattern.replace(" ", r"\s+")


def outlet_names(document: Document) -> list[str]:
    """How the text of another article may name this document's outlet: the outlet as given,
    without a domain suffix ('example.com' -> 'example'), and the URL's host."""
    names: list[str] = []
    for raw in (document.outlet, urlsplit(document.url).hostname if document.url else None):
        if not raw:
            continue
        name = raw.strip()
        if name.lower().startswith("www."):
            name = name[4:]
        names.append(name)
        stem = re.sub(r"\.(?:com|org|net|co\.uk|co|news|info|[a-z]{2})$", "", name, flags=re.IGNORECASE)
        if stem != name and len(stem) >= 3:
            names.append(stem)
    return list(dict.fromkeys(n for n in names if len(n) >= 2))


def named_credit(copy: Document, source: Document) -> str | None:
    """The credit line in `copy` that names `source`'s outlet, if any."""
    lowered = " ".join(copy.text.lower().split())
    for name in outlet_names(source):
        # Most pairs never mention each other's outlet: a substring test spares the patterns.
        if " ".join(name.lower().split()) in lowered:
            match = _named_pattern(name).search(copy.text)
            if match:
                return match.group()
    return None


@lru_cache(maxsize=4096)
def _named_pattern(name: str) -> re.Pattern[str]:
    named, _ = _credit_rules()
    outlet = r"\s+".join(re.escape(part) for part in name.split())
    return re.compile("|".join(f"(?:{t.replace('{outlet}', outlet)})" for t in named), re.IGNORECASE)


@lru_cache(maxsize=1024)  # a document is in several pairs; Document is frozen and hashable
def generic_credit(document: Document) -> str | None:
    """A reprint notice or wire byline that says `document` is a copy, naming no one we know."""
    _, generic = _credit_rules()
    for pattern in generic:
        match = pattern.search(document.text)
        if match:
            return match.group()
    return None


def date_range(document: Document) -> tuple[date, date] | None:
    """First and last day the document can have been published: the stated date, else the
    inferred range (either end may be open)."""
    if document.published:
        stated = _iso_range(document.published)
        if stated:
            return stated
    inferred = document.published_inferred
    if inferred is None:
        return None
    low = _iso_range(inferred.earliest) if inferred.earliest else None
    high = _iso_range(inferred.latest) if inferred.latest else None
    if low is None and high is None:
        return None
    return (low[0] if low else date.min, high[1] if high else date.max)


def _iso_range(value: str) -> tuple[date, date] | None:
    match = re.match(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return date(year or 1, 1, 1), date(year or 1, 12, 31)
        if day is None:
            first = date(year or 1, month, 1)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - timedelta(days=1)
        exact = date(year or 1, month, day)
        return exact, exact
    except ValueError:
        return None


def decide(a: Document, b: Document, kind: str, containment_a: float, containment_b: float,
           params: ReuseParams) -> tuple[str, tuple[str, ...]]:
    """The direction of the pair and every piece of evidence found, the deciding one first."""
    findings: list[tuple[str, str]] = []  # (direction it supports, sentence), strongest first

    credit_in_a, credit_in_b = named_credit(a, b), named_credit(b, a)
    if credit_in_a and not credit_in_b:
        findings.append((A_COPIED_B, f"credit: a names b's outlet ('{_clip(credit_in_a)}')"))
    elif credit_in_b and not credit_in_a:
        findings.append((B_COPIED_A, f"credit: b names a's outlet ('{_clip(credit_in_b)}')"))

    range_a, range_b = date_range(a), date_range(b)
    if range_a and range_b:
        if range_a[1] < range_b[0]:
            findings.append((B_COPIED_A, f"date: a published {_show(range_a)}, before b ({_show(range_b)})"))
        elif range_b[1] < range_a[0]:
            findings.append((A_COPIED_B, f"date: b published {_show(range_b)}, before a ({_show(range_a)})"))

    notice_a, notice_b = generic_credit(a), generic_credit(b)
    if notice_a and not notice_b:
        findings.append((A_COPIED_B, f"reprint notice in a ('{_clip(notice_a)}')"))
    elif notice_b and not notice_a:
        findings.append((B_COPIED_A, f"reprint notice in b ('{_clip(notice_b)}')"))

    # A reprint trims: the side whose body is more contained in the other is the copy. Only for
    # near-duplicates; a shared excerpt says nothing about which article came first.
    if kind == "near-duplicate":
        if containment_a - containment_b >= params.subset_margin:
            findings.append((A_COPIED_B, f"subset: {containment_a:.0%} of a is in b, {containment_b:.0%} of b in a"))
        elif containment_b - containment_a >= params.subset_margin:
            findings.append((B_COPIED_A, f"subset: {containment_b:.0%} of b is in a, {containment_a:.0%} of a in b"))

    if not findings:
        return UNKNOWN, ()
    decided = findings[0][0]
    evidence = [sentence if supported == decided else f"{sentence} (contrary, outweighed)"
                for supported, sentence in findings]
    return decided, tuple(evidence)


def _clip(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _show(days: tuple[date, date]) -> str:
    low, high = days
    if low == high:
        return low.isoformat()
    return f"{'…' if low == date.min else low.isoformat()}..{'…' if high == date.max else high.isoformat()}"
