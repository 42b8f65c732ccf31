"""Fixtures of the web tests: the demo and hostile stores (built once per session), their static
reports, the viewer served in a background thread, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storylens.pipeline import STAGES
from storylens.report.screenshots import CHROMIUM_ARGS


@dataclass(frozen=True)
class Built:
    db: Path
    report: Path


def loadable_stages() -> list[str]:
    """Stages whose module imports; while a stage is being written, the others still run."""
    names = []
    for stage in STAGES:
        try:
            stage.function()
        except (ImportError, AttributeError):
            continue
        names.append(stage.name)
    return names


def build(paths: list[Path], folder: Path) -> Built:
    from storylens import api
    from storylens.report.html import write_report

    db = folder / "store.sqlite"
    stages = loadable_stages()
    api.analyze(paths, db=db, stages=None if len(stages) == len(STAGES) else stages)
    return Built(db, write_report(api.load(db), folder / "report.html"))


@pytest.fixture(scope="session")
def demo_built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    from storylens import api
    from storylens.demo import corpus_dir
    from storylens.report.html import write_report

    folder = tmp_path_factory.mktemp("web-demo")
    if len(loadable_stages()) == len(STAGES):
        # The session's demo analysis (tests/conftest.py) is reused: the full pipeline takes a minute.
        db = request.getfixturevalue("demo_analysis").db
        return Built(db, write_report(api.load(db), folder / "report.html"))
    return build([Path(str(corpus_dir()))], folder)


@pytest.fixture(scope="session")
def xss_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from storylens.report.xss import write_corpus

    folder = tmp_path_factory.mktemp("web-xss")
    return build(write_corpus(folder / "corpus"), folder)


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "chromium is not installed (`make browser` installs Debian's package)"
        if os.environ.get("STORYLENS_REQUIRE_SHARED") == "1":
            pytest.fail(message + " and STORYLENS_REQUIRE_SHARED=1")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def viewer_client(db: Path) -> Iterator[Any]:
    """Starlette's TestClient over the viewer of `db` (the loopback-only host check lets it in)."""
    from storylens.report.server import create_app

    with warnings.catch_warnings():
        # Starlette 1.x suggests httpx2 for its TestClient; httpx is what the dev extra pins.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

        client = TestClient(create_app(db, allowed_hosts=["testserver"]))
    with client:
        yield client


@pytest.fixture(scope="session")
def demo_url(demo_built: Built) -> Iterator[str]:
    from storylens.report.server import running

    with running(demo_built.db) as url:
        yield url


@pytest.fixture(scope="session")
def xss_url(xss_built: Built) -> Iterator[str]:
    from storylens.report.server import running

    with running(xss_built.db) as url:
        yield url
