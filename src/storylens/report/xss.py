"""A corpus of hostile articles (text, HTML, JSONL) for the report and viewer security tests.

Payloads sit in titles, outlet names, URLs, ids, quotes, speaker names and body text. Every script
in them, if it ever ran, sets `window.__xss`, changes `document.title` or opens a dialog, which the
browser tests watch for. `markup_problems` checks rendered HTML for payload markup that got through.
"""

from __future__ import annotations

import json
from html import escape
from html.parser import HTMLParser
from pathlib import Path

# What a script payload does if it runs: each effect is observable from Playwright.
RUN = "window.__xss=1;document.title='XSS';alert(1)"

SCRIPT = f"<script>{RUN}</script>"
IMG = f"<img src=x onerror=\"{RUN}\">"
SVG = "<svg/onload=alert(2)>"
CLOSE_SCRIPT = f"</script><script>{RUN}</script>"
IFRAME = f"<iframe srcdoc='<script>parent.{RUN}</script>'></iframe>"
JS_URL = "javascript:alert(3)"
ATTR_BREAK = "\"'><img src=x onerror=alert(4)>"
EVENT_ATTR = "<b onmouseover=alert(5)>"
TEMPLATE = "{{ data_json }}{% raw %}${alert(6)}"
SEPARATORS = "\u2028\u2029"

PAYLOADS = (SCRIPT, IMG, SVG, CLOSE_SCRIPT, IFRAME, JS_URL, ATTR_BREAK, EVENT_ATTR, TEMPLATE, SEPARATORS)
# Tags no payload-free page of ours contains: finding one as an element means a payload became markup.
FORBIDDEN_TAGS = frozenset({"img", "svg", "iframe", "object", "embed", "base", "link", "frame", "applet"})

COURIER = f"""date 2024-06-03
outlet Lantern {SVG} Courier
title Quell {SCRIPT} quits as Karvia port minister
url {JS_URL}

Port minister Mara Quell resigned on Monday after a row over the Ilsen harbour contract, officials in Karvia said.

“We will not sign a contract that {EVENT_ATTR}hands the harbour</b> to one company,” Mara Quell told reporters.

“{SCRIPT} is not a policy,” said {IMG}.

Opposition leader Teodor Vlask said the resignation was “long overdue {CLOSE_SCRIPT} and welcome.”

The board met{SEPARATORS}on Tuesday and will meet again on Thursday, the ministry said in a statement.
"""

GAZETTE = f"""date 2024-06-04
outlet Vostry Gazette{ATTR_BREAK}
url https://vostry-gazette.example/karvia/harbour?{ATTR_BREAK}
title Karvia harbour row deepens {IFRAME}

The row over the Ilsen harbour contract deepened on Tuesday, a day after the port minister quit.

“We will not sign a contract that hands the harbour to one company,” Teodor Vlask told reporters in Port Ilsen.

“{ATTR_BREAK} We want an open tender,” said Anka {EVENT_ATTR}Morrow</b>, a union leader in Karvia.

Mara Quell said on Monday that she would stay in parliament {TEMPLATE}.
"""

BOARD_HTML = f"""<!doctype html>
<html><head>
<title>{escape(IMG)} Karvia harbour board meets | Vostry Gazette</title>
<meta property="og:site_name" content="{escape(SCRIPT)} Gazette">
<meta property="og:url" content="{JS_URL}">
<meta property="article:published_time" content="2024-06-05T08:00:00+00:00">
<script>{RUN}</script>
</head><body>
<article><h1>{escape(IMG)} Karvia harbour board meets</h1>
<p>The harbour board of Karvia met on Wednesday in Port Ilsen to discuss the contract {escape(CLOSE_SCRIPT)} that
brought down the port minister.</p>
<p>“Nothing was decided {escape(IFRAME)} and nothing will be decided this month,” said board chair Ilse Varden.</p>
<p>“The tender {escape(SVG)} must be open to every company,” Teodor Vlask said after the meeting.</p>
<p><b>Unclosed bold <i>and italic <div>broken markup around <a href="{JS_URL}">a link</a> the board published.
<p onclick="{RUN}">Board members said they would publish the minutes {escape(SEPARATORS)} next week.</p>
</article>
<div class="share">Share this {escape(SCRIPT)} on social media</div>
</body></html>
"""

FEED = [
    {"id": SCRIPT, "title": f"Union {IMG} calls harbour strike", "outlet": IMG, "url": JS_URL,
     "published": "2024-06-06",
     "text": f"Dock workers in Port Ilsen will strike on Friday, union leader Anka Morrow said.\n\n"
             f"“We will not sign a contract that hands the harbour to one company,” said {SVG} Anka Morrow.\n\n"
             f"The union said{SEPARATORS}the strike would last a day {CLOSE_SCRIPT}."},
    {"id": "../../etc/passwd", "title": f"Karvia {TEMPLATE} ferry delays", "outlet": "Lantern Courier",
     "url": f"https://lantern-courier.example/ferries?q={ATTR_BREAK}", "published": "2024-06-06",
     "text": f"Ferries to Port Ilsen ran late on Thursday {IFRAME} as the harbour row went on.\n\n"
             f"“Passengers {ATTR_BREAK} waited four hours,” said ferry captain Rolf Dessen."},
    {"id": "a/b?c=1#d e%2F", "title": f"{ATTR_BREAK}", "outlet": "Vostry Gazette", "published": "2024-06-07",
     "text": f"Teodor Vlask met Mara Quell in Port Ilsen on Friday {EVENT_ATTR}to discuss the tender.\n\n"
             f"“{SCRIPT}We agreed to disagree,” Vlask said."},
]


def write_corpus(folder: str | Path) -> list[Path]:
    """Write the hostile corpus into `folder` (created) and return the files written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "xss_01_courier.txt": COURIER,
        "xss_02_gazette.txt": GAZETTE,
        "xss_03_board.html": BOARD_HTML,
        # ASCII-escaped: a raw U+2028 is valid JSON, but line splitting must not be what is tested here.
        "xss_04_feed.jsonl": "".join(json.dumps(record) + "\n" for record in FEED),
    }
    written = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "srcdoc" or (name in ("href", "src", "action", "formaction") and value is not None
                                    and value.strip().lower().startswith(SCRIPT_SCHEMES)):
                self.problems.append(f"<{tag} {name}={(value or '')[:40]!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def markup_problems(page: str, allowed_scripts: int = 0) -> list[str]:
    """Elements and attributes in `page` that only a payload could have put there.

    `allowed_scripts` is how many <script> elements the page itself has (the report has two:
    its JSON data block and its code).
    """
    parser = _Elements()
    parser.feed(page)
    parser.close()
    problems = list(parser.problems)
    if parser.scripts != allowed_scripts:
        problems.append(f"{parser.scripts} <script> elements, expected {allowed_scripts}")
    return problems
