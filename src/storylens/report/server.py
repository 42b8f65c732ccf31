"""The local, read-only web viewer behind `storylens serve --db FILE`.

The store is opened read-only and loaded once at startup; `/` serves the interactive report built
from it, and the server-rendered pages (story, document, entity, search) each have a `.json` twin.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from storylens.brief import outlet_of
from storylens.model import CorpusAnalysis, DocAnalysis
from storylens.pipeline import link
from storylens.report.html import render_report, report_data
from storylens.store.db import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Server-rendered pages run no script at all; only the report at `/` runs its one inline script,
# allowed by hash (see `script_hash`), never by 'unsafe-inline'.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
# Full-text hits fetched before the facet filters apply: enough for a story-sized store (the demo
# corpus has 17 documents, the seeds 5), and it bounds the work of one request.
SEARCH_LIMIT = 500
FACET_VALUES = 15  # values shown per facet, most frequent first
DOC_SECTIONS = ("quotes", "events", "times", "framing", "citations")  # export sections keyed by "doc"
CONTEXT_CHARS = 60  # characters either side of an entity mention on its page


def open_read_only(db: str | Path) -> Store:
    """The store, opened so that nothing can write to it; requests run in a thread pool and
    every use of the connection holds Viewer.lock."""
    return Store.read_only(db, threads=True)


def script_hash(page: str) -> str:
    """The CSP source allowing the page's inline scripts (those without a src or a data type)."""
    sources = []
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S):
        if "src=" in attrs or "application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        sources.append(f"'sha256-{digest}'")
    return " ".join(sources) or "'none'"


def id_path(value: str) -> str:
    """An id as one URL path segment ('/' and every other reserved character escaped)."""
    return quote(value, safe="")


def readable(sentence: str) -> str:
    """A conflict sentence without its "[doc ID, chars S-E]" citations (the page links the quotes)."""
    return CITATION.sub("", sentence)


CITATION = re.compile(r" \[doc .*?, chars \d+-\d+\]")


def safe_href(url: str | None) -> str | None:
    """`url` when it is a plain http(s) link; article metadata may carry `javascript:` and the like."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of document characters with the same highlights."""

    start: int
    end: int
    text: str
    classes: tuple[str, ...]
    title: str


def segments(analysis: DocAnalysis, corpus_entities: dict[str, tuple[str, str]],
             mention_entities: list[tuple[int, int, str]], focus: tuple[int, int] | None) -> list[Segment]:
    """The document text cut wherever a highlight starts or ends; each piece lists what covers it.

    `corpus_entities` maps entity id to (name, type); `mention_entities` are this document's
    (start, end, entity id). Joining the pieces' texts gives `document.text` back exactly.
    """
    doc = analysis.document
    marks: list[tuple[int, int, str, str]] = []
    for removal in doc.removed:
        marks.append((removal.span.start, removal.span.end, "removed", f"{removal.kind}: {removal.rule}"))
    for q in analysis.quotes:
        speaker = ""
        if q.speaker is not None:
            speaker = " — " + (corpus_entities.get(q.speaker.entity or "", (q.speaker.text, ""))[0])
        marks.append((q.span.start, q.span.end, "quote", "quote" + speaker))
    for event in analysis.events:
        marks.append((event.trigger.start, event.trigger.end, "event",
                      event.type + (f"/{event.mode}" if event.mode else "")))
    for t in analysis.times:
        marks.append((t.span.start, t.span.end, "time", f"{t.type} {t.value or ''} ({t.basis})"))
    for start, end, entity_id in mention_entities:
        name, kind = corpus_entities.get(entity_id, (entity_id, ""))
        marks.append((start, end, "entity", f"{name} · {kind}"))
    length = len(doc.text)
    if focus is not None:
        start, end = max(0, min(focus[0], length)), max(0, min(focus[1], length))
        if start < end:
            marks.append((start, end, "focus", "selected"))
    bounds = [i for span in doc.body_spans for i in (span.start, span.end)]
    cuts = sorted({0, length, *bounds, *(m[0] for m in marks), *(m[1] for m in marks)})
    pieces: list[Segment] = []
    for start, end in itertools.pairwise(cuts):
        if start >= end:
            continue
        covering = [m for m in marks if m[0] <= start and end <= m[1]]
        classes = tuple(dict.fromkeys(m[2] for m in covering))
        if (not covering and pieces and {"removed", "gap"} & set(pieces[-1].classes)
                and doc.text[start:end].isspace() and not any(s.start <= start < s.end for s in doc.body_spans)):
            # The blank lines after hidden boilerplate hide with it, so the body reads without holes.
            classes = ("gap",)
        pieces.append(Segment(start, end, doc.text[start:end], classes, "\n".join(m[3] for m in covering)))
    return pieces


class Viewer:
    """Everything the pages show, computed once from the store."""

    def __init__(self, db: str | Path) -> None:
        self.lock = threading.Lock()
        self.store = open_read_only(db)
        corpus = link(self.store.load_corpus())
        self.corpus: CorpusAnalysis = corpus
        self.data = report_data(corpus)
        self.app_html = render_report(self.data)
        self.app_csp = PAGE_CSP.replace("default-src 'none';",
                                        f"default-src 'none'; script-src {script_hash(self.app_html)};")
        self.docs = corpus.by_id()
        self.briefs = {b["id"]: b for b in self.data["briefs"]}
        self.entities = {e.id: e for e in corpus.entities}
        self.entity_names = {e.id: (e.name, e.type) for e in corpus.entities}
        self.doc_entities: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for entity in corpus.entities:
            for ref in entity.mentions:
                self.doc_entities[ref.doc].append((ref.span.start, ref.span.end, entity.id))
        self.doc_stories: dict[str, list[str]] = defaultdict(list)
        for story in corpus.stories:
            for doc_id in story.documents:
                self.doc_stories[doc_id].append(story.id)
        self.story_titles = {s.id: s.title for s in corpus.stories}
        # Per-document records of the export, indexed once so a page costs one look-up per section.
        self.doc_json = {d["id"]: d for d in self.data["documents"]}
        self.doc_records: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for section in DOC_SECTIONS:
            by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in self.data[section]:
                by_doc[record["doc"]].append(record)
            self.doc_records[section] = by_doc

    def close(self) -> None:
        self.store.close()

    # ---------------------------------------------------------------------------------- pages as data

    def index(self) -> dict[str, Any]:
        return {
            "stories": [{"id": b["id"], "title": b["title"], "start": b["start"], "end": b["end"],
                         "documents": len(b["documents"]), "independent_sources": b["independent_sources"]}
                        for b in self.data["briefs"]],
            "documents": [self.doc_summary(d) for d in self.corpus.docs],
            "rejections": self.data["rejections"],
        }

    def doc_summary(self, analysis: DocAnalysis) -> dict[str, Any]:
        doc = analysis.document
        return {"id": doc.id, "title": doc.title, "outlet": outlet_of(analysis), "published": doc.published,
                "path": doc.path, "stories": self.doc_stories.get(doc.id, [])}

    def story(self, story_id: str) -> dict[str, Any] | None:
        return self.briefs.get(story_id)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        analysis = self.docs.get(doc_id)
        if analysis is None:
            return None
        mentioned = Counter(entity_id for _, _, entity_id in self.doc_entities.get(doc_id, []))
        return {
            "document": self.doc_json[doc_id],
            "outlet": outlet_of(analysis),
            "stories": [{"id": s, "title": self.story_titles.get(s)} for s in self.doc_stories.get(doc_id, [])],
            **{section: self.doc_records[section].get(doc_id, []) for section in DOC_SECTIONS},
            "entities": [{"id": i, "name": self.entity_names[i][0], "type": self.entity_names[i][1], "mentions": n}
                         for i, n in mentioned.most_common() if i in self.entity_names],
            "reuse": [r for r in self.data["reuse"] if doc_id in (r["a"], r["b"])],
        }

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        entity = self.entities.get(entity_id)
        if entity is None:
            return None
        mentions = []
        for ref in entity.mentions:
            analysis = self.docs.get(ref.doc)
            if analysis is None:
                continue
            text = analysis.document.text
            start, end = ref.span.start, ref.span.end
            mentions.append({"doc": ref.doc, "outlet": outlet_of(analysis), "span": [start, end],
                             "before": text[max(0, start - CONTEXT_CHARS):start], "text": text[start:end],
                             "after": text[end:end + CONTEXT_CHARS]})
        quotes = [q for q in self.data["quotes"] if (q["speaker"] or {}).get("entity") == entity_id]
        framing = [f for f in self.data["framing"] if f.get("entity") == entity_id]
        return {"entity": next(e for e in self.data["entities"] if e["id"] == entity_id),
                "mentions": mentions, "quotes": quotes, "framing": framing,
                "outlets": {item["doc"]: outlet_of(self.docs[item["doc"]])
                            for item in quotes + framing if item["doc"] in self.docs}}

    def search(self, query: str, filters: dict[str, str]) -> dict[str, Any]:
        """Full-text hits (FTS5), narrowed by the facet filters, with the facets of what is left."""
        query = query.strip()
        if query:
            with self.lock:
                hits = self.store.search(query, SEARCH_LIMIT)
        else:
            hits = [{**self.doc_summary(d), "snippet": _opening(d), "score": None} for d in self.corpus.docs]
        results = []
        for hit in hits:
            analysis = self.docs.get(hit["id"])
            if analysis is None:
                continue
            values = self._facet_values(analysis)
            if all(_matches(values[name], wanted) for name, wanted in filters.items() if wanted):
                results.append({"id": hit["id"], "title": hit["title"], "outlet": values["outlet"][0],
                                "published": hit["published"], "path": hit["path"], "snippet": hit["snippet"],
                                "score": hit["score"], "stories": values["story"]})
        counted: dict[str, Counter[str]] = {name: Counter() for name in ("outlet", "entity", "date", "story")}
        for result in results:
            for name, found in self._facet_values(self.docs[result["id"]]).items():
                counted[name].update(set(found))
        facets: dict[str, list[dict[str, Any]]] = {
            name: [{"value": value, "label": self._facet_label(name, value), "count": count}
                   for value, count in counter.most_common(FACET_VALUES)]
            for name, counter in counted.items()}
        facets["date"].sort(key=lambda item: str(item["value"]))  # dates read best in order ('undated' last)
        return {"query": query, "filters": {k: v for k, v in filters.items() if v}, "count": len(results),
                "results": results, "facets": facets}

    def _facet_label(self, name: str, value: str) -> str:
        if name == "entity":
            return self.entity_names.get(value, (value, ""))[0]
        if name == "story":
            return self.story_titles.get(value) or value
        return value

    def _facet_values(self, analysis: DocAnalysis) -> dict[str, list[str]]:
        doc = analysis.document
        return {"outlet": [outlet_of(analysis)],
                "entity": sorted({e for _, _, e in self.doc_entities.get(doc.id, [])}),
                "date": [doc.published or "undated"],
                "story": self.doc_stories.get(doc.id, [])}


def _matches(values: list[str], wanted: str) -> bool:
    # A date filter may name a month or a year: '2024-03' keeps every day of March 2024.
    return any(v == wanted or (len(wanted) in (4, 7) and v.startswith(wanted + "-")) for v in values)


def _opening(analysis: DocAnalysis, size: int = 200) -> str:
    doc = analysis.document
    body = " ".join(span.slice(doc.text) for span in doc.body_spans) or doc.text
    body = " ".join(body.split())
    return body[:size] + (" …" if len(body) > size else "")


# ------------------------------------------------------------------------------------------ the web app


class SecurityHeaders:
    """GET and HEAD only (anything else is 405); every response gets the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await send({"type": "http.response.start", "status": 405,
                        "headers": [(b"allow", b"GET, HEAD"), (b"content-type", b"text/plain; charset=utf-8"),
                                    *HEADERS]})
            await send({"type": "http.response.body", "body": b"read-only viewer: GET and HEAD only\n"})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", PAGE_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def create_app(db: str | Path, *, allowed_hosts: list[str] | None = None) -> Any:
    """The viewer as an ASGI app. `allowed_hosts` guards against DNS rebinding (default: loopback names)."""
    from jinja2 import Environment, PackageLoader
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    viewer = Viewer(db)
    env = Environment(loader=PackageLoader("storylens.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["idpath"] = id_path
    env.filters["readable"] = readable
    env.globals.update(safe_href=safe_href, outlet_of_doc=lambda i: outlet_of(viewer.docs[i]) if i in viewer.docs
                       else i, entity_name=lambda i: viewer.entity_names.get(i or "", (i, ""))[0],
                       doc_title=lambda i: _doc_title(viewer, i), urlencode=urlencode)

    def record_id(request: Request) -> str:
        # The id is decoded once from the raw path: decoded twice, an id holding '%2F' would change.
        raw = request.scope.get("raw_path")
        if not raw:
            return str(request.path_params["id"])
        segment = raw.decode("latin-1").split("?", 1)[0].split("/", 2)[2]
        if request.url.path.endswith(".json"):
            segment = segment.removesuffix(".json")
        return unquote(segment)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def json(data: Any) -> JSONResponse:
        return JSONResponse(data)

    def found(value: Any) -> Any:
        if value is None:
            raise HTTPException(404, "no such record")
        return value

    async def app_page(request: Request) -> Response:
        return HTMLResponse(viewer.app_html, headers={"content-security-policy": viewer.app_csp})

    async def index_json(request: Request) -> Response:
        return json(viewer.data)

    async def stories_page(request: Request) -> Response:
        return page("viewer_stories.html", **viewer.index())

    async def stories_json(request: Request) -> Response:
        return json(viewer.index())

    async def story_page(request: Request) -> Response:
        return page("viewer_story.html", story=found(viewer.story(record_id(request))))

    async def story_json(request: Request) -> Response:
        return json(found(viewer.story(record_id(request))))

    async def doc_page(request: Request) -> Response:
        doc_id = record_id(request)
        data = found(viewer.document(doc_id))
        focus = _focus(request.query_params.get("s"), request.query_params.get("e"))
        pieces = segments(viewer.docs[doc_id], viewer.entity_names, viewer.doc_entities.get(doc_id, []), focus)
        focus_at = next((i for i, p in enumerate(pieces) if "focus" in p.classes), None)
        return page("viewer_doc.html", segments=pieces, focus_at=focus_at, focus=focus,
                    show_removed=request.query_params.get("removed") == "1", **data)

    async def doc_json(request: Request) -> Response:
        return json(found(viewer.document(record_id(request))))

    async def entity_page(request: Request) -> Response:
        return page("viewer_entity.html", **found(viewer.entity(record_id(request))))

    async def entity_json(request: Request) -> Response:
        return json(found(viewer.entity(record_id(request))))

    def search_args(request: Request) -> tuple[str, dict[str, str]]:
        params = request.query_params
        return params.get("q", ""), {name: params.get(name, "") for name in ("outlet", "entity", "date", "story")}

    async def search_page(request: Request) -> Response:
        query, filters = search_args(request)
        return page("viewer_search.html", **viewer.search(query, filters))

    async def search_json(request: Request) -> Response:
        query, filters = search_args(request)
        return json(viewer.search(query, filters))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "error"
        if request.url.path.endswith(".json"):
            return JSONResponse({"error": detail, "status": status}, status_code=status)
        return page("viewer_error.html", status=status, status_code=status, detail=detail)

    # `.json` twins come first: `{id:path}` would otherwise swallow the suffix. Ids may hold '/'
    # (JSONL input keeps its own ids), hence the path converter.
    routes = [
        Route("/", app_page), Route("/index.json", index_json),
        Route("/stories", stories_page), Route("/stories.json", stories_json),
        Route("/story/{id:path}.json", story_json), Route("/story/{id:path}", story_page),
        Route("/doc/{id:path}.json", doc_json), Route("/doc/{id:path}", doc_page),
        Route("/entity/{id:path}.json", entity_json), Route("/entity/{id:path}", entity_page),
        Route("/search.json", search_json), Route("/search", search_page),
    ]
    hosts = allowed_hosts or list(LOOPBACK)
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found},
                    middleware=[Middleware(SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
                    lifespan=_closing(viewer))
    app.state.viewer = viewer
    return app


def _closing(viewer: Viewer) -> Callable[[Any], Any]:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        yield
        viewer.close()

    return lifespan


def _doc_title(viewer: Viewer, doc_id: str) -> str:
    analysis = viewer.docs.get(doc_id)
    if analysis is None:
        return doc_id
    doc = analysis.document
    return doc.title or doc.path.replace("\\", "/").rsplit("/", 1)[-1]


def _focus(start: str | None, end: str | None) -> tuple[int, int] | None:
    if start is None or end is None or not start.isdigit() or not end.isdigit():
        return None
    return int(start), int(end)


def hosts_for(host: str) -> list[str]:
    """Host names a request may carry: loopback names when bound to loopback, any otherwise."""
    return list(LOOPBACK) if host in ("127.0.0.1", "localhost") else ["*"]


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the viewer until interrupted (the CLI warns when `host` is not loopback)."""
    import uvicorn

    app = create_app(db, allowed_hosts=hosts_for(host))
    print(f"storylens: serving {db} read-only at http://{_url_host(host)}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(db: str | Path, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """The viewer served from a background thread for the duration of the block; yields its base URL.

    Used by the browser tests and the screenshot script.
    """
    import time

    import uvicorn

    port = port or free_port(host)
    server = uvicorn.Server(uvicorn.Config(create_app(db, allowed_hosts=hosts_for(host)), host=host, port=port,
                                           log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, name="storylens-viewer", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the viewer did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{_url_host(host)}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
