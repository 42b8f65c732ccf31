"""The static report: ONE self-contained HTML file (inline CSS and JS, no external requests).

The analysis is embedded as JSON inside a `<script type="application/json">` block, with every
`<` escaped so no article text can close it; the page builds its DOM with `textContent` only, so
article text is never parsed as markup. The same data is written as JSON next to the report.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from storylens.brief import briefs
from storylens.export import output_json
from storylens.model import CorpusAnalysis


def report_data(corpus: CorpusAnalysis) -> dict[str, Any]:
    data = output_json(corpus)
    data["briefs"] = briefs(corpus)
    return data


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element: '<', '>' and '&' escaped, so '</script>' cannot occur."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_report(data: dict[str, Any]) -> str:
    template = resources.files("storylens.report").joinpath("templates/report.html").read_text(encoding="utf-8")
    return template.replace("{{ data_json }}", embed_json(data))


def write_report(corpus: CorpusAnalysis, path: str | Path) -> Path:
    """Write the report and, beside it, its data as `<name>.data.json`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = report_data(corpus)
    target.write_text(render_report(data), encoding="utf-8")
    target.with_suffix(".data.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return target
