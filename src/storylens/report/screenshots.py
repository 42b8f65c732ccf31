"""Regenerate the README pictures: `python -m storylens.report.screenshots docs/img`.

Analyses the demo corpus into a temporary store, writes its report, and photographs it in
Debian's Chromium (driven by Playwright, which never downloads a browser here): the story brief at
a wide and a phone width, and a document with a clicked quote highlighted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storylens.errors import MissingDependency

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDE: ViewportSize = {"width": 1280, "height": 1000}
PHONE: ViewportSize = {"width": 390, "height": 844}
FRAME_FOCUS = """(() => {
  window.scrollTo(0, 0);
  const focus = document.querySelector('#doc-text .seg.focus');
  if (focus && focus.getBoundingClientRect().bottom > window.innerHeight) focus.scrollIntoView({block: 'center'});
})()"""


def build_demo_report(folder: Path) -> Path:
    """The demo corpus analysed into `folder`/demo.sqlite, its report written to `folder`/report.html."""
    from storylens import api
    from storylens.demo import corpus_dir
    from storylens.report.html import write_report

    result = api.analyze([Path(str(corpus_dir()))], db=folder / "demo.sqlite")
    return write_report(result.corpus, folder / "report.html")


def _best_story(page: Any) -> str | None:
    """The story with an attribution conflict and the most quotes: the one worth showing."""
    story_id: str | None = page.evaluate(
        "(() => { const b = [...DATA.briefs].sort((x, y) =>"
        " (y.conflicts.length > 0) - (x.conflicts.length > 0) || y.quotes.length - x.quotes.length);"
        " return b.length ? b[0].id : null; })()")
    return story_id


def take(report: Path, out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, viewport, scale in (("story-brief.png", WIDE, 1), ("story-brief-phone.png", PHONE, 2)):
            context = browser.new_context(viewport=viewport, device_scale_factor=scale,
                                          is_mobile=viewport is PHONE)
            page = context.new_page()
            page.goto(report.as_uri())
            story = _best_story(page)
            if story is not None:
                page.goto(f"{report.as_uri()}#story={story}")
                if viewport is PHONE:  # on a phone the brief starts below the list of stories
                    page.locator("#main").scroll_into_view_if_needed()
            page.screenshot(path=str(out / name))
            written.append(out / name)
            if viewport is WIDE:
                quote = page.locator("#quotes span.q[data-quote]").first
                if quote.count():
                    quote.click()
                    # Show the article from its headline when the quote fits on the first screen.
                    page.evaluate(FRAME_FOCUS)
                page.screenshot(path=str(out / "document.png"))
                written.append(out / "document.png")
            context.close()
        browser.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storylens.report.screenshots", description=__doc__)
    parser.add_argument("out", type=Path, help="folder for the pictures, e.g. docs/img")
    parser.add_argument("--report", type=Path, help="photograph this report instead of analysing the demo corpus")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        raise MissingDependency("chromium is not installed: `make browser` installs Debian's package")
    with tempfile.TemporaryDirectory(prefix="storylens-shots-") as folder:
        report = args.report or build_demo_report(Path(folder))
        for path in take(report, args.out, chromium):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
