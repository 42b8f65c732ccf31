"""HTML pages to Documents: visible text, trafilatura's body aligned into it, hostile pages rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storylens.errors import InputRejected
from storylens.model import Document, document_id
from storylens.stages.clean import clean_text
from storylens.stages.html import align_lines, document_from_html, visible_text

PARAGRAPHS = [
    "The harbour authority of Velmora closed the northern pier on Tuesday after inspectors found cracks in "
    "three of its concrete pillars, a week before the autumn ferry season was due to start.",
    "\u201cWe cannot let passengers walk on a structure we have not fully examined,\u201d said Ilse Marrow, "
    "the authority's chief engineer, adding that repairs could take at least a month to finish.",
    "Ferry operators said they would move departures to the southern quay, where a temporary ticket office "
    "will open on Thursday morning and stay open until the northern pier is repaired.",
    "The pier was built in 1962 and last renovated in 1998, when the town widened it for cars; the council "
    "will debate a full replacement at its budget meeting in November, officials said.",
]

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<title>Velmora closes northern pier | Velmora Post</title>
<meta property="og:title" content="Velmora closes northern pier">
<meta property="og:site_name" content="Velmora Post">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<style>body {{ color: red; }}</style>
<script>var tracking = "do not show me";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="social-share"><a>Share on Facebook</a> <a>Tweet</a></div>
<article>
<h1>Velmora closes northern pier</h1>
<p>{PARAGRAPHS[0]}</p>
<figure><img src="pier.jpg"><figcaption>The northern pier on Tuesday. Photo: Tomas Ekdal</figcaption></figure>
<p>{PARAGRAPHS[1].replace("the authority's", "the   authority's")}</p>
<p>{PARAGRAPHS[2]}</p>
<p>{PARAGRAPHS[3]}</p>
</article>
<aside class="related-stories"><h3>Related</h3><ul><li><a>Ferry fares rise in spring</a></li>
<li><a>Lighthouse repainted after 40 years</a></li></ul></aside>
<footer><p>&copy; 2024 Velmora Post. All rights reserved.</p><a>Privacy</a> <a>Contact</a></footer>
</body></html>"""


@pytest.fixture(scope="module")
def page() -> Document:
    return document_from_html(PAGE, path="pier.html", url="https://velmora.example/pier")


def body(document: Document) -> str:
    return "\n".join(span.slice(document.text) for span in document.body_spans)


def test_visible_text_drops_invisible_and_keeps_lines() -> None:
    visible = visible_text(PAGE)
    assert "tracking" not in visible.text and "color: red" not in visible.text
    assert "Velmora closes northern pier | Velmora Post" not in visible.text  # <head> is not shown
    lines = visible.text.split("\n")
    assert "Home World Sport" in lines
    assert PARAGRAPHS[0] in lines
    assert "the authority's" in visible.text and "  " not in visible.text


def test_body_is_the_article(page: Document) -> None:
    text = body(page)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for boilerplate in ("Home World Sport", "Share on Facebook", "Ferry fares rise", "Privacy"):
        assert boilerplate not in text


def test_metadata(page: Document) -> None:
    assert page.format == "html"
    assert page.title == "Velmora closes northern pier"
    assert page.outlet == "Velmora Post"
    assert page.url == "https://velmora.example/pier"
    assert page.published == "2024-03-05" and page.published_source == "html-meta"
    assert page.id == document_id(page.text, page.outlet, page.url, page.title)


def test_given_date_wins() -> None:
    document = document_from_html(PAGE, path="p.html", published="2024-03-06")
    assert (document.published, document.published_source) == ("2024-03-06", "given")


def test_spans_slice_and_cover(page: Document) -> None:
    text = page.text
    for span in page.body_spans:
        assert span.slice(text).strip() == span.slice(text)
    for removal in page.removed:
        assert removal.span.slice(text).strip()
        assert removal.rule == "trafilatura"
        assert not any(removal.span.overlaps(span) for span in page.body_spans)
    covered = sorted([*page.body_spans, *(r.span for r in page.removed)])
    def squeeze(value: str) -> str:
        return "".join(value.split())

    assert squeeze("".join(text[s.start : s.end] for s in covered)) == squeeze(text)


def test_removed_kinds_come_from_markup(page: Document) -> None:
    kinds = {r.span.slice(page.text): r.kind for r in page.removed}
    assert kinds["Home World Sport"] == "other"
    assert kinds["Share on Facebook Tweet"] == "share-button"
    assert kinds["Ferry fares rise in spring"] == "related-link"
    assert kinds["The northern pier on Tuesday. Photo: Tomas Ekdal"] == "caption"


def test_clean_stage_drops_repeated_headline(page: Document) -> None:
    cleaned = clean_text(page)
    assert "Velmora closes northern pier\n" not in body(cleaned) + "\n"
    for paragraph in PARAGRAPHS:
        assert paragraph in body(cleaned)


@pytest.mark.parametrize(("line", "expected"), [
    ("The mayor said \"no\".", "The mayor said \u201cno\u201d."),
    ("two  spaces  here", "two spaces here"),
    ("Line broken across blocks", "Line broken\nacross blocks"),
])
def test_align_normalised(line: str, expected: str) -> None:
    text = "Header text\n" + expected + "\nFooter text"
    spans = align_lines(text, [line])
    assert len(spans) == 1
    assert spans[0].slice(text) == expected


def test_align_fuzzy_and_in_order() -> None:
    text = "Intro\nThe ferry will run twice a day from the southern quay until May.\nOutro"
    spans = align_lines(text, ["Intro", "The ferry will run twice daily from the southern quay until May."])
    assert [s.slice(text) for s in spans] == [
        "Intro\nThe ferry will run twice a day from the southern quay until May."]


@pytest.mark.parametrize(("html", "code"), [
    ("", "SL120"),
    ("<html><head><title>Only a title</title></head><body></body></html>", "SL120"),
    ("<script>alert('x')</script><style>p{}</style>", "SL120"),
    ("<html><body><nav><a>Home</a></nav></body></html>", "SL121"),
    ("\x00\x00\x00", "SL120"),
])
def test_rejected_pages(html: str, code: str) -> None:
    with pytest.raises(InputRejected) as error:
        document_from_html(html, path="bad.html")
    assert error.value.code == code
    assert "bad.html" in str(error.value)


ARTICLE_HTML = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


@pytest.mark.parametrize("html", [
    "<div>" * 5000 + ARTICLE_HTML + "</div>" * 5000,  # deeply nested
    f"<html><body><div data-x=\"{'a' * 2_000_000}\">{ARTICLE_HTML}</div></body></html>",  # huge attribute
    f"<html><body><p>{PARAGRAPHS[0]}<div><p>{PARAGRAPHS[1]}<table><tr><td>{PARAGRAPHS[2]}</p></b></i>",  # broken
    "<script>" + "document.write('<p>x</p>');" * 20000 + "</script>" + ARTICLE_HTML,  # script payload
    '<?xml version="1.0" encoding="iso-8859-1"?><html><body>' + ARTICLE_HTML + "</body></html>",
])
def test_hostile_pages_do_not_crash(html: str) -> None:
    try:
        document = document_from_html(html, path="hostile.html")
    except InputRejected as error:
        assert error.code in ("SL120", "SL121")
        return
    for span in document.body_spans:
        assert span.slice(document.text).strip()
    assert "document.write" not in document.text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<br>", " ", "\n", "&amp;",
                                 "<script>x</script>", "<!-- c -->", "word", "Velmora", "pier.", "<li>"]),
                max_size=60))
def test_visible_text_never_crashes(pieces: list[str]) -> None:
    visible = visible_text("".join(pieces))
    assert "  " not in visible.text
    assert not visible.text.startswith(("\n", " "))
    for start, end, kind in visible.hints:
        assert 0 <= start < end <= len(visible.text) and kind
