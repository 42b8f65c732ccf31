"""Hostile articles (payloads in titles, outlets, URLs, ids, quotes, speakers, text) must stay text:
in the static report and in every viewer page, both as raw HTML and when Chromium runs the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from storylens.report.server import id_path
from storylens.report.xss import CLOSE_SCRIPT, EVENT_ATTR, IFRAME, IMG, PAYLOADS, RUN, SCRIPT, SVG, markup_problems
from tests.web.conftest import Built, viewer_client


@pytest.fixture(scope="module")
def client(xss_built: Built) -> Iterator[Any]:
    with viewer_client(xss_built.db) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def data(client: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/index.json").json()
    return result


# Payloads that are markup: none may appear unescaped in a page (URL and template payloads are
# plain text to HTML and may).
TAG_PAYLOADS = (SCRIPT, IMG, SVG, CLOSE_SCRIPT, IFRAME, EVENT_ATTR)


def viewer_paths(data: dict[str, Any]) -> list[str]:
    paths = ["/stories", "/search", f"/search?q={id_path(SCRIPT)}", "/search?q=harbour"]
    paths += [f"/story/{id_path(b['id'])}" for b in data["briefs"]]
    paths += [f"/entity/{id_path(e['id'])}" for e in data["entities"]]
    for doc in data["documents"]:
        paths.append(f"/doc/{id_path(doc['id'])}?removed=1")
    for quote in data["quotes"]:
        paths.append(f"/doc/{id_path(quote['doc'])}?s={quote['span'][0]}&e={quote['span'][1]}")
    paths += [f"/search?outlet={id_path(d['outlet'] or '')}" for d in data["documents"]]
    return paths


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_the_payloads_reach_the_pages(data: dict[str, Any]) -> None:
    """Without payloads in the analysed records, the other tests would prove nothing."""
    everything = "\n".join(strings(data))
    for payload in PAYLOADS:
        assert payload in everything, payload
    assert any(SCRIPT in d["title"] for d in data["documents"] if d["title"])
    assert any(SVG in (d["outlet"] or "") for d in data["documents"])
    assert any(d["id"] == SCRIPT for d in data["documents"]), "a JSONL id carrying a payload"
    assert any("<" in q["text"] for q in data["quotes"])
    assert any(g["conflict"] and "<" in g["conflict"] for g in data["quote_groups"])
    assert data["briefs"] and data["entities"]


def test_static_report_has_no_payload_markup(xss_built: Built) -> None:
    page = xss_built.report.read_text(encoding="utf-8")
    assert markup_problems(page, allowed_scripts=2) == []
    block = page.split('<script id="storylens-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and "\u2028" not in block and "\u2029" not in block
    for payload in TAG_PAYLOADS:
        assert payload not in page


def test_viewer_pages_have_no_payload_markup(client: Any, data: dict[str, Any]) -> None:
    paths = viewer_paths(data)
    assert len(paths) > 20
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert markup_problems(response.text) == [], path
        for payload in TAG_PAYLOADS:
            assert payload not in response.text, path
    assert markup_problems(client.get("/").text, allowed_scripts=2) == []


def test_json_twins_carry_payloads_as_data(client: Any, data: dict[str, Any]) -> None:
    doc = next(d for d in data["documents"] if d["id"] == SCRIPT)
    twin = client.get(f"/doc/{id_path(SCRIPT)}.json")
    assert twin.headers["content-type"].startswith("application/json")
    assert twin.headers["x-content-type-options"] == "nosniff"
    assert twin.json()["document"]["text"] == doc["text"]


@pytest.mark.parametrize(("markup", "problem"), [
    ('<p>fine</p><img src=x onerror="alert(1)">', "<img> element"),
    ('<a href=" javascript:alert(1)">x</a>', "<a href="),
    ('<span onmouseover="x">x</span>', "event handler"),
    ("<script>alert(1)</script>", "1 <script> elements, expected 0"),
    ('<iframe srcdoc="x"></iframe>', "<iframe> element"),
])
def test_markup_problems_finds_payload_markup(markup: str, problem: str) -> None:
    assert any(problem in p for p in markup_problems(markup))


def test_markup_problems_accepts_escaped_text() -> None:
    assert markup_problems("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;</p>") == []


# ------------------------------------------------------------------------------------------ in Chromium

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

# What a reader's pointer would fire on every element (an injected handler would run on these).
POKE = """
for (const node of document.body.querySelectorAll('*'))
  for (const type of ['mouseover', 'mouseenter', 'focus', 'animationstart'])
    node.dispatchEvent(new Event(type, {bubbles: true}));
"""


class Watched:
    """A page with listeners for dialogs, console errors and CSP violations."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context()
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, where: str, title: str) -> None:
        page = self.page
        assert self.dialogs == [], f"{where}: a dialog opened: {self.dialogs}"
        assert page.evaluate("window.__xss") is None, f"{where}: a payload ran"
        assert page.title() == title != "XSS", f"{where}: the title changed"
        assert page.evaluate("window.__csp") == [], f"{where}: payload markup was parsed (CSP blocked it)"
        assert self.console == [], f"{where}: {self.console}"

    def close(self) -> None:
        self.context.close()


@pytest.mark.browser
def test_the_watch_sees_a_payload_that_runs(browser: Any) -> None:
    """The checks below can fail: markup that runs a payload trips them."""
    for markup, effect in [(f'<title>t</title><body><img src=x onerror="{RUN}">', "a dialog opened"),
                           ("<title>t</title><body><img src=x onerror=\"window.__xss=1\">", "a payload ran")]:
        watched = Watched(browser)
        watched.page.set_content(markup)
        watched.page.wait_for_timeout(200)
        with pytest.raises(AssertionError, match=effect):
            watched.check("test page", "t")
        watched.close()


@pytest.mark.browser
def test_static_report_runs_no_payload(browser: Any, xss_built: Built) -> None:
    watched = Watched(browser)
    page = watched.page
    page.goto(xss_built.report.as_uri())
    title = page.title()
    story_links = page.locator("#side a[data-story]")
    assert story_links.count() >= 1
    for i in range(story_links.count()):
        page.locator("#side a[data-story]").nth(i).click()
        quotes = page.locator("#quotes span.q[data-quote]")
        for j in range(quotes.count()):
            page.locator("#quotes span.q[data-quote]").nth(j).click()
            assert page.locator("#doc-text span.seg.focus").count() >= 1
            page.locator("#show-removed").check()
            page.go_back()
            watched.check(f"story {i} quote {j}", title)
    doc_links = page.locator("#side a[data-doc]")
    assert doc_links.count() == len(xss_built_docs(page))
    for i in range(doc_links.count()):
        page.locator("#side a[data-doc]").nth(i).click()
        page.locator("#show-removed").check()
        page.evaluate(POKE)
        watched.check(f"doc {i}", title)
    watched.close()


def xss_built_docs(page: Any) -> list[str]:
    ids: list[str] = page.evaluate("DATA.documents.map(d => d.id)")
    return ids


@pytest.mark.browser
def test_viewer_pages_run_no_payload(browser: Any, xss_url: str, data: dict[str, Any]) -> None:
    watched = Watched(browser)
    page = watched.page
    for path in ["/", *viewer_paths(data)]:
        page.goto(xss_url + path)
        title = page.title()
        page.evaluate(POKE)
        watched.check(path, title)
    # Follow every quote link of every story page, as a reader would.
    for brief in data["briefs"]:
        page.goto(f"{xss_url}/story/{id_path(brief['id'])}")
        count = page.locator("#quotes a.q").count()
        assert count >= 1
        for j in range(count):
            page.locator("#quotes a.q").nth(j).click()
            assert re.search(r"/doc/.+#focus$", page.url)
            page.locator("label[for=show-removed]").click()
            watched.check(page.url, page.title())
            page.go_back()
    watched.close()
