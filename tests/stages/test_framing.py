"""Framing labels and cited sources on invented articles, run through the real spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storylens.model import DocAnalysis, Document, Removal, Span
from storylens.pipeline import Context
from storylens.stages import entities, framing


@pytest.fixture(scope="module")
def ctx() -> Iterator[Context]:
    yield Context()


def analyse(ctx: Context, doc_id: str, text: str, removed: tuple[Removal, ...] = ()) -> DocAnalysis:
    body: list[Span] = []
    start = 0
    for removal in sorted(removed, key=lambda r: r.span):
        if removal.span.start > start:
            body.append(Span(start, removal.span.start))
        start = removal.span.end
    if start < len(text):
        body.append(Span(start, len(text)))
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=text, body_spans=tuple(body), removed=removed)
    result = framing.run(entities.run(DocAnalysis(document), ctx), ctx)
    for f in result.framing:
        assert f.span.end <= len(text) and f.target_span.end <= len(text)
    for c in result.citations:
        assert text[c.span.start:c.span.end].strip()
    return result


def labels(result: DocAnalysis) -> set[tuple[str, str]]:
    text = result.document.text
    return {(f.label, text[f.target_span.start:f.target_span.end]) for f in result.framing}


ARTICLE = ("After the vote, the militant group Coastal Liberation Front congratulated the Orban Party. "
           "The Coastal Liberation Front is a designated terrorist organization according to the State Department. "
           "Leaders of the Northern Alliance and the Coastal Liberation Front met. "
           "Coastal Liberation Front fighters and the Coastal Liberation Front government were praised. "
           "Karim Nassar, the front's chief negotiator, spoke. "
           "The Southern Patriotic Army, another Ardenian resistance group, agreed.")


@pytest.mark.parametrize(("label", "target"), [
    ("militant group", "Coastal Liberation Front"),  # apposition: 'the militant group X'
    ("designated terrorist organization", "Coastal Liberation Front"),  # copula
    ("government", "Coastal Liberation Front"),  # the name premodifying a label noun
    ("front's chief negotiator", "Karim Nassar"),  # apposition after a person
    ("another Ardenian resistance group", "Southern Patriotic Army"),
])
def test_labels_found(ctx: Context, label: str, target: str) -> None:
    assert (label, target) in labels(analyse(ctx, "frame1", ARTICLE))


def test_neutral_phrases_are_not_labels(ctx: Context) -> None:
    found = labels(analyse(ctx, "frame1", ARTICLE))
    assert not any(label in ("Leaders", "fighters", "Northern Alliance") for label, _ in found)
    text = ARTICLE
    for f in analyse(ctx, "frame1", ARTICLE).framing:  # the label span holds the label's words
        words = [w for w in f.label.replace("'s", " ").split() if w.isalpha()]
        assert all(w in text[f.span.start:f.span.end] for w in words)


def test_definite_description_refers_back_by_shared_label_words(ctx: Context) -> None:
    text = ("The Ardenian militant group Coastal Front met the Orban Party in Port Selin. "
            "The Orban Party said the talks went well.\n"
            "Karim Nassar, leader of the Ardenian militant group, waved from the stage.")
    result = analyse(ctx, "frame2", text)
    later = text.index("\n")
    targets = {text[f.target_span.start:f.target_span.end] for f in result.framing
               if f.label == "Ardenian militant group" and f.span.start > later}
    assert targets == {"Coastal Front"}  # the nearer Orban Party was never called Ardenian


CITATIONS = [
    ("The deal was reported by the Valley Post on Monday.", "Valley Post", "report"),
    ("A harbour official told the Valley-Monitor that ships waited.", "Valley-Monitor", "interview"),
    ("The talks collapsed, according to Orion News.", "Orion News", "report"),
    ("Karim Nassar posted a video on Telegram after the vote.", "Telegram", "social"),
    ("The two sides met in Port Selin, reported a news agency.", "a news agency", "report"),
    ("Meanwhile, an Ardenian news agency reported that the port closed.", "an Ardenian news agency", "report"),
    ("Karim Nassar tweeted that the port was closed.", "tweet on Twitter", "social"),
    ("The Coastal Front posted a statement on its website on Sunday.", "Coastal Front website", "website"),
]


@pytest.mark.parametrize(("text", "cited", "kind"), CITATIONS)
def test_citations(ctx: Context, text: str, cited: str, kind: str) -> None:
    result = analyse(ctx, f"cite{CITATIONS.index((text, cited, kind))}", text)
    assert (cited, kind) in {(c.cited, c.kind) for c in result.citations}


def test_credit_lines_and_captions_outside_the_body_are_cited(ctx: Context) -> None:
    body = "Karim Nassar spoke in Port Selin on Monday about the harbour."
    caption = "A ship in the harbour of Port Selin. (Jane Roe, Wikimedia Commons)"
    credit = "Produced in association with Northline Syndicate."
    text = f"{body}\n{caption}\n{credit}"
    cap_start = len(body) + 1
    credit_start = cap_start + len(caption) + 1
    removed = (Removal(Span(cap_start, cap_start + len(caption)), "caption", "test"),
               Removal(Span(credit_start, len(text)), "credit", "test"))
    result = analyse(ctx, "credit1", text, removed)
    found = {(c.cited, c.kind, text[c.span.start:c.span.end]) for c in result.citations}
    assert ("Northline Syndicate", "syndication", "Northline Syndicate") in found
    assert ("Wikimedia Commons", "photo", "Wikimedia Commons") in found


def test_no_citation_without_a_source(ctx: Context) -> None:
    result = analyse(ctx, "cite-none", "Karim Nassar told reporters that the harbour would reopen soon.")
    assert result.citations == ()


# (invented text, expected (label, labelled mention)): the general patterns behind issue #5
LABEL_PATTERNS = [
    # a labelling verb in the passive
    ("The Red Dune Front, which holds the eastern hills, is listed as a terrorist organisation by "
     "two neighbouring states.", ("terrorist organisation", "Red Dune Front")),
    # ... in a relative clause on the name
    ("The Red Dune Front, which is designated a terrorist organisation by the Velmoran cabinet, "
     "opened a new office.", ("terrorist organisation", "Red Dune Front")),
    # a reflexive object
    ("The Red Dune Front describes itself as a liberation movement.", ("liberation movement", "Red Dune Front")),
    # any verb's 'as' phrase headed by a label noun
    ("The Red Dune Front has run the eastern hills as their de facto government since 2009.",
     ("de facto government", "Red Dune Front")),
    # a copula in a relative clause
    ("The Red Dune Front, which is an armed faction, denied the claim.", ("armed faction", "Red Dune Front")),
    # premodifiers the parser may attach elsewhere
    ("Fighters of the insurgent Red Dune Front crossed the river on Monday.", ("insurgent", "Red Dune Front")),
    # an apposition
    ("The Red Dune Front, the outlawed faction in the hills, denied the claim.",
     ("outlawed faction in the hills", "Red Dune Front")),
]


@pytest.mark.parametrize(("text", "expected"), LABEL_PATTERNS)
def test_general_label_patterns(ctx: Context, text: str, expected: tuple[str, str]) -> None:
    result = analyse(ctx, f"pattern{LABEL_PATTERNS.index((text, expected))}", text)
    assert expected in labels(result)
    for f in result.framing:
        assert text[f.span.start:f.span.end].endswith(f.label.split()[-1])


def test_a_denied_predicate_is_not_a_label(ctx: Context) -> None:
    text = "The Red Dune Front said on Monday that it was ready to talk. The Red Dune Front is not an enemy of Velmora."
    assert not any(label == "enemy" for label, _ in labels(analyse(ctx, "negated", text)))


@pytest.mark.parametrize(("text", "label", "target"), [
    # the nearest organisation named before the description
    ("The Red Dune Front took the town of Ostrel on Monday. Residents said the outlawed faction "
     "had closed the market.", "outlawed faction", "Red Dune Front"),
    # a profile that describes before it names: the first organisation after it
    ("Few men are as feared as Omar Velk, the leader of the banned movement that controls the hills. "
     "Velk joined the Red Dune Front as a student.", "banned movement", "Red Dune Front"),
])
def test_definite_descriptions_refer_to_the_nearest_organisation(ctx: Context, text: str, label: str,
                                                                 target: str) -> None:
    assert (label, target) in labels(analyse(ctx, f"desc-{label}", text))


def test_a_description_naming_another_place_is_not_linked_without_shared_words(ctx: Context) -> None:
    text = "The Red Dune Front took the town of Ostrel on Monday. It blamed the Velmoran-backed government."
    assert not any(label.endswith("government") for label, _ in labels(analyse(ctx, "desc-gov", text)))


MORE_CITATIONS = [
    ("This report was first published by the Ostrel Courier.", "Ostrel Courier", "syndication"),
    ("In a post on social media on Friday, Omar Velk praised the fighters.", "social media", "social"),
    ("Omar Velk posted a photograph of the two delegations on social media.", "social media", "social"),
    ("Omar Velk said in a tweet that the talks were over.", "tweet on Twitter", "social"),
]


@pytest.mark.parametrize(("text", "cited", "kind"), MORE_CITATIONS)
def test_unnamed_platforms_and_first_publishers_are_cited(ctx: Context, text: str, cited: str, kind: str) -> None:
    result = analyse(ctx, f"cite-more{MORE_CITATIONS.index((text, cited, kind))}", text)
    assert (cited, kind) in {(c.cited, c.kind) for c in result.citations}
    for c in result.citations:
        assert text[c.span.start:c.span.end].strip()
