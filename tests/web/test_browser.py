"""The static report and the viewer in Chromium on the demo corpus: a clicked quote highlights
exactly its source characters, attribution conflicts name their outlets, the removed boilerplate
toggle works, search and facets navigate; screenshots are kept for a look."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storylens.report.server import id_path
from tests.web.conftest import Built

pytestmark = pytest.mark.browser

FOCUSED = "[...document.querySelectorAll('#doc-text .seg.focus')].map(n => n.textContent).join('')"
VISIBLE_REMOVED = ("[...document.querySelectorAll('#doc-text .seg.removed')]"
                   ".filter(n => n.getClientRects().length).length")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert errors == [], "the page logged errors"


def conflict_story(data: dict[str, Any]) -> dict[str, Any]:
    found = [b for b in data["briefs"] if any(c.get("conflict") for c in b["conflicts"])]
    assert found, "the demo corpus has an attribution conflict"
    return found[0]


def outlets_named(text: str, data: dict[str, Any]) -> set[str]:
    names = {d["outlet"] for d in data["documents"] if d["outlet"]}
    return {name for name in names if name in text}


def test_report_quote_click_highlights_the_source(page: Any, demo_built: Built, tmp_path: Path) -> None:
    page.goto(demo_built.report.as_uri())
    data = page.evaluate("DATA")
    story = conflict_story(data)
    page.locator(f"#side a[data-story='{story['id']}']").click()
    conflicts = page.locator("#conflicts li", has_text="Who said it")
    assert conflicts.count() >= 1
    assert len(outlets_named(conflicts.first.inner_text(), data)) >= 2
    page.screenshot(path=str(tmp_path / "report-story.png"), full_page=True)

    quotes = page.locator("#quotes span.q[data-quote]")
    assert quotes.count() >= 1
    for i in range(min(quotes.count(), 6)):
        quote_link = page.locator("#quotes span.q[data-quote]").nth(i)
        quote = next(q for q in data["quotes"] if q["id"] == quote_link.get_attribute("data-quote"))
        quote_link.click()
        source = next(d["text"] for d in data["documents"] if d["id"] == quote["doc"])
        assert page.evaluate(FOCUSED) == source[quote["span"][0]:quote["span"][1]] == quote["text"]
        page.go_back()
    page.locator("#quotes span.q[data-quote]").first.click()
    page.screenshot(path=str(tmp_path / "report-document.png"))


def test_report_removed_toggle(page: Any, demo_built: Built) -> None:
    page.goto(demo_built.report.as_uri())
    data = page.evaluate("DATA")
    doc = next(d for d in data["documents"] if d["removed"])
    page.locator(f"#side a[data-doc='{doc['id']}']").click()
    assert page.locator("#doc-text .seg.removed").count() >= 1
    assert page.evaluate(VISIBLE_REMOVED) == 0
    page.locator("#show-removed").check()
    assert page.evaluate(VISIBLE_REMOVED) >= 1
    shown = "".join(page.locator("#doc-text .seg").all_text_contents())
    assert shown == doc["text"]


def test_report_reads_on_a_phone(browser: Any, demo_built: Built, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(demo_built.report.as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, "no sideways scrolling on a phone"
    page.screenshot(path=str(tmp_path / "report-phone.png"))
    context.close()


def test_viewer_app_runs_under_its_hashed_policy(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/")
    data = page.evaluate("DATA")
    assert page.locator("#side a[data-story]").count() == len(data["briefs"])
    page.locator(f"#side a[data-story='{conflict_story(data)['id']}']").click()
    quote_link = page.locator("#quotes span.q[data-quote]").first
    quote = next(q for q in data["quotes"] if q["id"] == quote_link.get_attribute("data-quote"))
    quote_link.click()
    assert page.evaluate(FOCUSED) == quote["text"]


def test_viewer_story_quote_and_toggle(page: Any, demo_url: str, demo_built: Built, tmp_path: Path) -> None:
    from storylens import api
    from storylens.report.html import report_data

    data = report_data(api.load(demo_built.db))
    story = conflict_story(data)
    page.goto(f"{demo_url}/story/{id_path(story['id'])}")
    conflicts = page.locator("#conflicts li", has_text="Who said it")
    assert conflicts.count() >= 1
    assert len(outlets_named(conflicts.first.inner_text(), data)) >= 2
    page.screenshot(path=str(tmp_path / "viewer-story.png"), full_page=True)

    quote_link = page.locator("#quotes a.q").first
    quote = next(q for q in data["quotes"] if q["id"] == quote_link.get_attribute("data-quote"))
    quote_link.click()
    assert page.url.endswith("#focus")
    assert page.evaluate(FOCUSED) == quote["text"]
    page.screenshot(path=str(tmp_path / "viewer-document.png"))

    doc = next(d for d in data["documents"] if d["removed"])
    page.goto(f"{demo_url}/doc/{id_path(doc['id'])}")
    assert page.evaluate(VISIBLE_REMOVED) == 0
    page.locator("label[for=show-removed]").click()
    assert page.evaluate(VISIBLE_REMOVED) >= 1


def test_viewer_search_and_facets(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/stories")
    page.locator("header input[type=search]").fill("minister")
    page.locator("header button[type=submit]").click()
    assert "/search?q=minister" in page.url
    results = page.locator("#results a[data-doc]").count()
    assert results >= 1
    facet = page.locator("#facets a[data-facet=outlet]").first
    expected = int(facet.inner_text().rsplit("(", 1)[1].rstrip(")"))
    facet.click()
    assert page.locator("#results a[data-doc]").count() == expected <= results
    page.locator("#results a[data-doc]").first.click()
    assert "/doc/" in page.url and page.locator("#doc-text").count() == 1
