"""The clean stage: boilerplate lines of text articles removed and recorded, body paragraphs kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storylens.errors import InputRejected
from storylens.model import DocAnalysis, Document, Removal, Span
from storylens.pipeline import Context
from storylens.stages.clean import KINDS, clean_text, compiled_rules, load_rules, parse_dateline, run

# Two prose paragraphs (invented) that every test article carries, so the page top is bounded.
PROSE = [
    "The harbour authority of Velmora closed the northern pier on Tuesday after inspectors found cracks "
    "in three of its concrete pillars, a week before the autumn ferry season.",
    "\u201cWe cannot let passengers walk on a structure we have not fully examined,\u201d said Ilse Marrow, "
    "the authority's chief engineer, adding that repairs could take a month.",
]


def make(text: str, *, title: str | None = None, fmt: str = "text") -> Document:
    return Document(id="doc", path="doc.txt", text=text, format=fmt, title=title,
                    body_spans=(Span(0, len(text)),))


def article(*lines: str, before: tuple[str, ...] = ()) -> str:
    return "\n\n".join([*before, PROSE[0], *lines, PROSE[1]]) + "\n"


def decision(document: Document, line: str) -> Removal | None:
    for removal in document.removed:
        if removal.span.slice(document.text) == line:
            return removal
    return None


def kept(document: Document, line: str) -> bool:
    start = document.text.index(line)
    return any(span.start <= start and start + len(line) <= span.end for span in document.body_spans)


def check_spans(document: Document) -> None:
    """Body spans and removals are valid, disjoint and never cut a line of the article apart."""
    for span in document.body_spans:
        assert 0 <= span.start < span.end <= len(document.text)
        assert span.slice(document.text).strip() == span.slice(document.text)
    for removal in document.removed:
        assert removal.kind in KINDS
        assert removal.span.slice(document.text).strip()
        assert not any(removal.span.overlaps(span) for span in document.body_spans)


# (line inserted between two prose paragraphs, expected kind or None for body, expected rule)
MIDDLE_CASES = [
    ("Share", "share-button", "share-buttons"),
    ("Share on Facebook | Tweet | Email", "share-button", "share-buttons"),
    ("![spring sale](https://cdn.example.org/banners/300x250-sale.png)", "ad", "markdown-image-ad"),
    ("![Support us](https://cdn.example.org/img/donate-button.jpg)", "ad", "markdown-image-ad"),
    ("![harbour at dawn](https://cdn.example.org/img/harbour.jpg)", "other", "markdown-image"),
    ("Advertisement", "ad", "advertisement-label"),
    ("Join our new Velmora Dispatch WhatsApp channel for breaking updates!", "ad", "channel-promotion"),
    ("Sign up for our free morning newsletter", "ad", "channel-promotion"),
    ("Photo: Tomas Ekdal/Northwind Agency", "caption", "photo-credit-line"),
    ("(Photo: Tomas Ekdal)", "caption", "photo-credit-line"),
    ("AP Photo/Rena Olsson", "caption", "photo-credit-line"),
    ("Workers inspect the pier in Velmora on Tuesday. TOMAS EKDAL/AFP VIA GETTY IMAGES", "caption",
     "caption-caps-credit"),
    ("File - The ferry terminal is reported to reopen in May. RENA OLSSON/NORTHWIND VIA GETTY IMAGES",
     "caption", "caption-caps-credit"),
    ("A ferry leaves the old harbour at dusk. (Rena Olsson, Wikimedia Commons)", "caption",
     "caption-paren-credit"),
    ("A ferry leaves the old harbour at dusk. (Rena Olsson, Harbour Gazette)", "caption",
     "caption-paren-name-source"),
    ("Image 2 of 9", "caption", "gallery-counter"),
    ("The opinions expressed in reader comments are those of the authors only.", "comment-notice",
     "comment-disclaimer"),
    ("Conversations", "comment-notice", "conversation-label"),
    ("Comments", "comment-notice", "conversation-label"),
    ("The Velmora Post has not reviewed this story prior to publication.", "other", "not-reviewed-disclaimer"),
    ("Submit a Correction \u2192", "other", "correction-box"),
    ("We are committed to accuracy in all of our reporting. Read our corrections policy.", "other",
     "correction-box"),
    ("Produced in association with the Coastal News Cooperative.", "credit", "syndication-credit"),
    ("This article was originally published by the Northern Ledger.", "credit", "syndication-credit"),
    ("(Additional reporting by Petra Lind)", "credit", "reporting-credit"),
    ("Reporting by Petra Lind; Editing by Jon Aas", "credit", "reporting-credit"),
    ("\u00a9 2024 Velmora Media Group. All rights reserved.", "credit", "copyright"),
    ("Read more: Ferry fares to rise in spring", "related-link", "inline-related"),
    # issue #3: newsletter promotions, comment notices, partner and correction boxes, credits
    ("Newsletter: The Velmora Dispatch evening digest, straight to you. Sign up \u2192", "ad", "newsletter-promo"),
    ("Get the five stories that matter each morning delivered to your inbox.", "ad", "newsletter-promo"),
    ("Reader comments are moderated and appear within a day.", "comment-notice", "comment-disclaimer"),
    ("(With additional reporting by Petra Lind)", "credit", "reporting-credit"),
    ("This article was provided by a content partner and is shared with readers free of charge.", "other",
     "not-reviewed-disclaimer"),
    ("The piece has not been checked by Velmora Post editors.", "other", "not-reviewed-disclaimer"),
    ("Accuracy Matters", "other", "correction-box"),
    ("Corrections and Clarifications", "other", "correction-box"),
    ("Our editors correct errors quickly and say so at the foot of each story.", "other", "correction-box"),
    # body paragraphs a weak rule must not take
    ("Rescuers found the boat near the pier. (Rena Olsson, Harbour Gazette said)", None, None),
    ("\u201cShare the cost,\u201d the mayor told the council on Monday.", None, None),
    ("Sign up for the ferry was slow, \u201cbut it will pick up,\u201d Marrow said.", None, None),
    ("\u201cIt is the worst damage we have seen,\u201d one inspector said. TOMAS EKDAL/AFP VIA GETTY IMAGES",
     None, None),
    ("The pier was built in 1962 by the same firm that built the lighthouse.", None, None),
    ("Ilse Marrow said the newsletter the harbour sends to your inbox each week would carry the plan.", None, None),
    ("\u201cOur newsroom corrects its mistakes,\u201d the editor told the inquiry.", None, None),
    ("The ferry company has not been reviewed by the safety board since 2019, inspectors said.", None, None),
    ("Engineers said the pier could reopen by spring, according to the authority (see its report).", None,
     None),
]


@pytest.mark.parametrize(("line", "kind", "rule"), MIDDLE_CASES)
def test_line_rules(line: str, kind: str | None, rule: str | None) -> None:
    document = clean_text(make(article(line)))
    check_spans(document)
    removal = decision(document, line)
    if kind is None:
        assert removal is None, f"body line removed by {removal}"
        assert kept(document, line)
    else:
        assert removal is not None, "boilerplate line kept"
        assert (removal.kind, removal.rule) == (kind, rule)
        assert not kept(document, line)
    for paragraph in PROSE:
        assert kept(document, paragraph)


@pytest.mark.parametrize(("label", "links", "kind"), [
    ("Trending:", ["Velmora mayor unveils new bike lanes", "Storm closes schools across the coast"],
     "related-link"),
    ("Related:", ["Ferry operator posts record summer"], "related-link"),
    ("Tags:", ["harbour, ferries, Velmora"], "other"),
])
def test_label_and_following_links(label: str, links: list[str], kind: str) -> None:
    block = "\n".join([label, *links])
    document = clean_text(make(article(block)))
    check_spans(document)
    for line in [label, *links]:
        removal = decision(document, line)
        assert removal is not None and removal.kind == kind
    assert kept(document, PROSE[1])


def test_following_stops_at_prose() -> None:
    text = article("Related:\n" + PROSE[0].replace("Tuesday", "Monday"))
    document = clean_text(make(text))
    assert decision(document, "Related:") is not None
    assert kept(document, PROSE[0].replace("Tuesday", "Monday"))


def test_headline_dateline_and_section_become_metadata() -> None:
    text = article(before=("World", "Velmora closes its northern pier after cracks found", "By Petra Lind",
                           "March 4, 2024"))
    document = clean_text(make(text))
    check_spans(document)
    assert document.title == "Velmora closes its northern pier after cracks found"
    assert document.published == "2024-03-04"
    assert document.published_source == "dateline"
    kinds = {r.span.slice(text): (r.kind, r.rule) for r in document.removed}
    assert kinds == {
        "World": ("other", "section-label"),
        "Velmora closes its northern pier after cracks found": ("headline", "headline"),
        "By Petra Lind": ("credit", "byline"),
        "March 4, 2024": ("dateline", "dateline"),
    }


def test_known_title_and_date_are_kept() -> None:
    text = article(before=("Pier closed in Velmora", "4 March 2024"))
    document = clean_text(Document(id="d", path="d.txt", text=text, title="Pier Closed in Velmora!",
                                   published="2024-03-05", published_source="header",
                                   body_spans=(Span(0, len(text)),)))
    assert document.title == "Pier Closed in Velmora!"
    assert document.published == "2024-03-05" and document.published_source == "header"
    assert decision(document, "Pier closed in Velmora") == Removal(
        Span(0, len("Pier closed in Velmora")), "headline", "headline")
    assert decision(document, "4 March 2024") is not None


def test_first_prose_line_is_never_a_headline() -> None:
    document = clean_text(make(article()))
    assert document.removed == ()
    assert document.title is None
    assert "".join(s.slice(document.text) for s in document.body_spans).startswith("The harbour")


def test_header_lines_in_body_are_removed() -> None:
    text = "date 2024-03-04 Photo/Agency\noutlet Velmora Post\n\n" + article()
    document = clean_text(make(text))
    assert [r.rule for r in document.removed] == ["header-line", "header-line"]
    assert document.body_spans[0].start == text.index("The harbour")


def test_body_spans_respect_given_header() -> None:
    header = "date 2024-03-04\n"
    text = header + article("Share")
    document = clean_text(Document(id="d", path="d.txt", text=text, body_spans=(Span(len(header), len(text)),)))
    assert all(span.start >= len(header) for span in document.body_spans)
    assert decision(document, "Share") is not None


@pytest.mark.parametrize(("line", "expected"), [
    ("August 17, 2021", "2021-08-17"),
    ("Aug. 17, 2021 10:32 AM EDT", "2021-08-17"),
    ("Published: 17 August 2021", "2021-08-17"),
    ("Tuesday, March 5, 2024", "2024-03-05"),
    ("2024-03-05", "2024-03-05"),
    ("February 30, 2024", None),
    ("August 17, 2021 was the day the ferry sank.", None),
])
def test_parse_dateline(line: str, expected: str | None) -> None:
    assert parse_dateline(line) == expected


def test_all_boilerplate_is_rejected() -> None:
    with pytest.raises(InputRejected) as error:
        clean_text(make("Share\nAdvertisement\n"))
    assert error.value.code == "SL140"


def test_page_mode_applies_line_rules_and_title() -> None:
    text = "Pier closed in Velmora\n" + PROSE[0] + "\nPhoto: Tomas Ekdal/Northwind\n" + PROSE[1]
    page = Document(id="p", path="p.html", text="Menu\n" + text, format="html", title="Pier closed in Velmora",
                    body_spans=(Span(5, 5 + len(text)),), removed=(Removal(Span(0, 4), "other", "trafilatura"),))
    document = clean_text(page)
    check_spans(document)
    assert [(r.kind, r.rule) for r in document.removed] == [
        ("other", "trafilatura"), ("headline", "headline"), ("caption", "photo-credit-line")]
    assert kept(document, PROSE[0]) and kept(document, PROSE[1])


def test_other_formats_untouched() -> None:
    document = make("Share\n" + PROSE[0], fmt="pdf")
    assert clean_text(document) is document


def test_run_is_the_stage() -> None:
    analysis = run(DocAnalysis(document=make(article("Share"))), Context())
    assert decision(analysis.document, "Share") is not None


def test_rules_are_valid_data() -> None:
    data = load_rules()
    ids = [rule["id"] for rule in data["line_rules"]]
    assert len(ids) == len(set(ids))
    for rule in data["line_rules"]:
        assert rule["kind"] in KINDS
        assert rule["scope"] in ("line", "top", "bottom", "block-following")
        assert rule["guard"] in ("none", "quote", "speech")
        assert rule["notes"]
    assert len(compiled_rules().lines) == len(ids)


LINE_POOL = [*PROSE, "Share", "Trending:", "Ferry fares rise", "Photo: Rena Olsson/Agency", "", "  ",
             "\u201cHello,\u201d he said.", "Tags:", "Conversation", "August 17, 2021", "A short line"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(LINE_POOL), min_size=1, max_size=12), st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_spans_always_valid(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    try:
        document = clean_text(make(text))
    except InputRejected as error:
        assert error.code == "SL140"
        return
    check_spans(document)
    # every non-space character of the text is either body or removed, never both
    covered = [0] * len(text)
    for span in [*document.body_spans, *(r.span for r in document.removed)]:
        for i in range(span.start, span.end):
            covered[i] += 1
    assert all(count == 1 for i, count in enumerate(covered) if not text[i].isspace())
    for paragraph in PROSE:
        if paragraph in text:
            assert kept(document, paragraph)


@pytest.mark.parametrize("line", [
    "Shares of the ferry operator rose 5% on the news (Northwind, Harbour Wire)",
    "Watch-listed operators will face weekly inspections from June onwards",
    "Follow the app for updates, the authority urged travellers on Monday",
    "By Tuesday the pier had been fenced off",
])
def test_lookalikes_stay_body(line: str) -> None:
    document = clean_text(make(article(line)))
    assert decision(document, line) is None
    assert kept(document, line)


def test_html_record_from_jsonl_is_cleaned_as_a_page() -> None:
    text = "Menu\n" + PROSE[0] + "\nImage 1 of 4\n" + PROSE[1]
    page = Document(id="p", path="r.jsonl:1", text=text, format="jsonl", body_spans=(Span(5, len(text)),),
                    removed=(Removal(Span(0, 4), "other", "trafilatura"),))
    document = clean_text(page)
    assert [r.rule for r in document.removed] == ["trafilatura", "gallery-counter"]
    # page mode: no headline guessed from the first body line
    assert document.title is None and kept(document, PROSE[0])


@pytest.mark.parametrize(("line", "outlet"), [
    ("The Harbour Ledger has not reviewed this story prior to publication.", "The Harbour Ledger"),
    ("The views expressed by readers do not reflect the opinions/views of Coastline Daily.", "Coastline Daily"),
    ("Join our brand new verified HLD Telegram channel and get the news first!", "HLD"),
    ("\u00a9 2024 Northgate Post Media", "Northgate Post Media"),
    ("Share this story with a friend", None),
])
def test_outlet_is_read_from_removed_credit_lines(line: str, outlet: str | None) -> None:
    from storylens.stages.clean import outlet_from_credits

    text = f"The pier reopened on Tuesday, the council said.\n\n{line}\n"
    start = text.index(line)
    doc = Document(id="d", path="d.txt", text=text, body_spans=(Span(0, start - 2),),
                   removed=(Removal(Span(start, start + len(line)), "other", "test"),))
    assert outlet_from_credits(doc) == outlet
