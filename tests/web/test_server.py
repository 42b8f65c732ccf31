"""The viewer over HTTP without a browser: routes and their JSON twins, search facets, highlights
that slice the source text exactly, read-only access and the security headers."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from storylens.model import DocAnalysis, Document, Quote, Removal, Span
from storylens.report.server import create_app, id_path, readable, safe_href, script_hash, segments
from tests.web.conftest import Built, viewer_client

FOCUS = re.compile(r'<span class="[^"]*\bfocus\b[^"]*"[^>]*>([^<]*)</span>')


@pytest.fixture(scope="module")
def client(demo_built: Built) -> Iterator[Any]:
    with viewer_client(demo_built.db) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def data(client: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/index.json").json()
    return result


def test_every_page_and_its_json_twin(client: Any, data: dict[str, Any]) -> None:
    assert data["briefs"] and data["documents"] and data["entities"], "the demo store should hold a whole analysis"
    pages = [("/stories", "/stories.json")]
    pages += [(f"/story/{id_path(b['id'])}", f"/story/{id_path(b['id'])}.json") for b in data["briefs"]]
    pages += [(f"/doc/{id_path(d['id'])}", f"/doc/{id_path(d['id'])}.json") for d in data["documents"]]
    pages += [(f"/entity/{id_path(e['id'])}", f"/entity/{id_path(e['id'])}.json") for e in data["entities"][:10]]
    pages += [("/search?q=minister", "/search.json?q=minister")]
    for html_path, json_path in pages:
        page, twin = client.get(html_path), client.get(json_path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), html_path
        assert twin.status_code == 200 and twin.headers["content-type"].startswith("application/json"), json_path
        assert "<script" not in page.text, f"{html_path}: server-rendered pages run no script"


def test_twins_agree_with_pages(client: Any, data: dict[str, Any]) -> None:
    brief = data["briefs"][0]
    twin = client.get(f"/story/{id_path(brief['id'])}.json").json()
    assert twin == brief
    page = unescape(client.get(f"/story/{id_path(brief['id'])}").text)
    assert brief["title"] in page
    for doc in brief["documents"]:
        assert f'data-doc="{doc["id"]}"' in page
    stories = client.get("/stories.json").json()
    assert [s["id"] for s in stories["stories"]] == [b["id"] for b in data["briefs"]]
    doc = data["documents"][0]
    doc_twin = client.get(f"/doc/{id_path(doc['id'])}.json").json()
    assert doc_twin["document"]["text"] == doc["text"]
    assert all(q["doc"] == doc["id"] for q in doc_twin["quotes"])


def test_app_page_is_the_report_with_a_hashed_script(client: Any, data: dict[str, Any]) -> None:
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert script_hash(page.text) in csp
    assert 'id="storylens-data"' in page.text


def test_quote_focus_is_the_exact_source_text(client: Any, data: dict[str, Any]) -> None:
    texts = {d["id"]: d["text"] for d in data["documents"]}
    assert data["quotes"]
    for quote in data["quotes"][:25]:
        start, end = quote["span"]
        page = client.get(f"/doc/{id_path(quote['doc'])}?s={start}&e={end}").text.split('id="doc-text"', 1)[1]
        focused = "".join(unescape(m) for m in FOCUS.findall(page))
        assert focused == texts[quote["doc"]][start:end] == quote["text"]
        assert 'id="focus"' in page


def test_doc_page_keeps_every_character_and_the_removed_toggle(client: Any, data: dict[str, Any]) -> None:
    with_removed = [d for d in data["documents"] if d["removed"]]
    assert with_removed, "the demo corpus has boilerplate"
    doc = with_removed[0]
    page = client.get(f"/doc/{id_path(doc['id'])}").text
    body = page.split('id="doc-text">', 1)[1].split("</div>", 1)[0]
    assert unescape(re.sub(r"<[^>]+>", "", body)) == doc["text"]
    assert 'class="seg removed' in body
    assert '<input type="checkbox" id="show-removed">' in page
    shown = client.get(f"/doc/{id_path(doc['id'])}?removed=1").text
    assert '<input type="checkbox" id="show-removed" checked>' in shown


def test_search_with_facets_and_filters(client: Any, data: dict[str, Any]) -> None:
    everything = client.get("/search.json").json()
    assert everything["count"] == len(data["documents"])
    outlets = everything["facets"]["outlet"]
    assert sum(item["count"] for item in outlets) == everything["count"] or len(outlets) == 15
    outlet = outlets[0]
    narrowed = client.get("/search.json", params={"outlet": outlet["value"]}).json()
    assert narrowed["count"] == outlet["count"]
    assert {r["outlet"] for r in narrowed["results"]} == {outlet["value"]}
    story = data["briefs"][0]
    in_story = client.get("/search.json", params={"story": story["id"]}).json()
    assert {r["id"] for r in in_story["results"]} == {d["id"] for d in story["documents"]}
    entity = everything["facets"]["entity"][0]
    naming = client.get("/search.json", params={"entity": entity["value"]}).json()
    assert naming["count"] == entity["count"] > 0
    dated = [d for d in data["documents"] if d["published"]]
    month = dated[0]["published"][:7]
    by_month = client.get("/search.json", params={"date": month}).json()
    assert by_month["count"] == sum(1 for d in dated if d["published"].startswith(month))


@pytest.mark.parametrize(("query", "expect_hits"), [
    ("minister", True),                 # a word of the demo corpus
    ('"phone call', True),              # broken FTS5 syntax falls back to a phrase search
    ("zzqxj", False),
    ("zzqxj OR", False),                # broken syntax, no match either way
])
def test_full_text_queries(client: Any, query: str, expect_hits: bool) -> None:
    result = client.get("/search.json", params={"q": query})
    assert result.status_code == 200
    assert (result.json()["count"] > 0) == expect_hits
    assert client.get("/search", params={"q": query}).status_code == 200


def test_search_facet_links_filter(client: Any) -> None:
    page = client.get("/search", params={"q": "minister"}).text
    link = re.search(r'<a href="(/search\?[^"]+)" class="" data-facet="outlet"', page)
    assert link
    followed = client.get(unescape(link.group(1)))
    assert followed.status_code == 200 and 'class="active" data-facet="outlet"' in followed.text


@pytest.mark.parametrize("path", ["/doc/nope", "/story/nope", "/entity/nope", "/doc/nope.json", "/nowhere"])
def test_unknown_records_are_404(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        assert response.json()["status"] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(client: Any, method: str) -> None:
    response = client.request(method, "/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert client.request(method, "/search?q=x").status_code == 405


def test_head_and_security_headers(client: Any) -> None:
    for path in ("/", "/stories", "/search.json", "/doc/nope"):
        response = client.head(path) if path != "/doc/nope" else client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp, "no external sources"


def test_foreign_host_header_is_refused(client: Any) -> None:
    # A DNS-rebinding page would reach 127.0.0.1 under its own host name.
    assert client.get("/stories", headers={"host": "attacker.example"}).status_code == 400


def test_store_is_opened_read_only(demo_built: Built, client: Any) -> None:
    before = hashlib.sha256(demo_built.db.read_bytes()).hexdigest()
    client.get("/search?q=minister")
    viewer = client.app.state.viewer
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        viewer.store.db.execute("CREATE TABLE intruder(x)")
    assert hashlib.sha256(demo_built.db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(("host", "warned", "hosts"), [
    ("127.0.0.1", False, ["127.0.0.1", "localhost", "::1"]),
    ("0.0.0.0", True, ["*"]),
])
def test_cli_serve(demo_built: Built, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   host: str, warned: bool, hosts: list[str]) -> None:
    from storylens import cli
    from storylens.report import server

    calls: list[tuple[str, str, int]] = []
    monkeypatch.setattr(server, "serve", lambda db, host, port: calls.append((db, host, port)))
    assert cli.main(["serve", "--db", str(demo_built.db), "--host", host, "--port", "9999"]) == 0
    assert calls == [(str(demo_built.db), host, 9999)]
    assert ("other machines can read this store" in capsys.readouterr().err) == warned
    assert server.hosts_for(host) == hosts


def test_missing_store_is_an_error(tmp_path: Path) -> None:
    from storylens.errors import StorylensError

    with pytest.raises(StorylensError):
        create_app(tmp_path / "none.sqlite")


# ------------------------------------------------------------------------------------------ helpers, no store


@pytest.mark.parametrize(("url", "href"), [
    ("https://a.example/x", "https://a.example/x"),
    ("http://a.example", "http://a.example"),
    ("javascript:alert(1)", None),
    (" JavaScript:alert(1)", None),
    ("data:text/html,<script>", None),
    ("//evil.example", None),
    ("", None),
    (None, None),
])
def test_safe_href(url: str | None, href: str | None) -> None:
    assert safe_href(url) == href


def test_readable_drops_citations_only() -> None:
    sentence = "Attributed to A ('said') in Paper [doc 0a1b, chars 5-90] and X [doc a/b]c, chars 1-2], but to B"
    assert readable(sentence) == "Attributed to A ('said') in Paper and X, but to B"


def test_id_path_escapes_every_reserved_character() -> None:
    assert id_path("a/b?c=1#d e%2F") == "a%2Fb%3Fc%3D1%23d%20e%252F"


def test_segments_cover_the_text_and_mark_what_covers_them() -> None:
    text = "Ad: buy now.\nHe said “we won” on Monday."
    quote_start = text.index("we won")
    doc = Document(id="d", path="d.txt", text=text, body_spans=(Span(13, len(text)),),
                   removed=(Removal(Span(0, 12), "ad", "test"),))
    quote = Quote(id="q", doc="d", span=Span(quote_start, quote_start + 6), text="we won", speaker=None,
                  cue="said", attribution="none")
    pieces = segments(DocAnalysis(doc, quotes=(quote,)), {}, [], (quote_start + 3, quote_start + 6))
    assert "".join(p.text for p in pieces) == text
    for piece in pieces:
        assert text[piece.start:piece.end] == piece.text
    assert [p.text for p in pieces if "removed" in p.classes] == ["Ad: buy now."]
    assert [p.text for p in pieces if "gap" in p.classes] == ["\n"], "the line break after hidden boilerplate"
    assert [p.text for p in pieces if "quote" in p.classes] == ["we ", "won"]
    assert [p.text for p in pieces if "focus" in p.classes] == ["won"]
    # A focus outside the text is clipped, never an error.
    clipped = segments(DocAnalysis(doc), {}, [], (len(text) - 2, 10**6))
    assert [p.text for p in clipped if "focus" in p.classes] == ["y."]
