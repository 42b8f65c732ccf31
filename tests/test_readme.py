"""The README's commands work: the two make targets exist, its Python example runs, its CLI lines run."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from storylens.cli import main
from tests.conftest import ROOT, Analysed

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("target", ["demo", "test"])
def test_make_targets_exist(target: str) -> None:
    assert f"make {target}" in README
    result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_ci_runs_make_test() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in script and "STORYLENS_REQUIRE_SHARED=1" in script


@pytest.mark.slow
def test_python_example_runs(demo_analysis: Analysed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    shutil.copy(demo_analysis.db, tmp_path / "out" / "api-demo.sqlite")  # the run is then incremental: fast
    (tmp_path / "src" / "storylens").mkdir(parents=True)
    (tmp_path / "src" / "storylens" / "demo").symlink_to(ROOT / "src" / "storylens" / "demo")
    monkeypatch.chdir(tmp_path)
    (code,) = blocks("python")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "0 documents added, 0 rejected" in out
    assert re.search(r"\d+ documents, \d+ entities, \d+ stories", out)


@pytest.mark.slow
def test_cli_lines_run_on_a_store(demo_analysis: Analysed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "story.sqlite"
    shutil.copy(demo_analysis.db, db)
    monkeypatch.chdir(tmp_path)
    cli_block = next(b for b in blocks("") if "storylens analyze" in b)
    ran = 0
    for line in cli_block.splitlines():
        words = shlex.split(line.split("#")[0])
        if not words or words[1] in ("analyze", "serve"):  # analyze names example folders; serve blocks
            continue
        assert main(words[1:]) == 0, line
        ran += 1
    assert ran >= 5
    assert (tmp_path / "tables" / "quotes.csv").exists() and (tmp_path / "story.html").exists()
