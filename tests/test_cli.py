"""The command line: help, exit codes, search, export and info on a small store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from storylens.cli import EXIT_OK, EXIT_PARTIAL, EXIT_STAGE, EXIT_USAGE, main
from storylens.faults import VALID_ARTICLE

LIGHT = "clean,language"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("date 2024-03-12\noutlet Velmora Courier\n\n" + VALID_ARTICLE, encoding="utf-8")
    (folder / "b.txt").write_text("date 2024-03-13\noutlet Orsk Wire\n\nThe ferry strike ended on Wednesday.\n\n"
                                  "\u201cWe are back at sea,\u201d a deckhand said.\n", encoding="utf-8")
    return folder


def test_help_lists_commands_stages_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for word in ("--db", "--json", "--html", "--stages", "exit codes", "partial", "quote_groups", "reuse"):
        assert word in out


def test_analyze_writes_store_and_json(corpus: Path, tmp_path: Path) -> None:
    db, out = tmp_path / "s.sqlite", tmp_path / "out.json"
    assert main(["analyze", str(corpus), "--db", str(db), "--json", str(out), "--stages", LIGHT, "-q"]) == EXIT_OK
    data = json.loads(out.read_text(encoding="utf-8"))
    required = ("documents", "reuse", "entities", "quotes", "quote_groups", "times", "events", "event_groups",
                "stories", "framing", "citations", "rejections")
    assert all(isinstance(data[key], list) for key in required)
    assert {d["outlet"] for d in data["documents"]} == {"Velmora Courier", "Orsk Wire"}
    assert data["storylens"]


def test_partial_exit_code_when_something_is_rejected(corpus: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (corpus / "broken.jsonl").write_text("{nope\n", encoding="utf-8")
    code = main(["analyze", str(corpus), "--db", str(tmp_path / "s.sqlite"), "--stages", LIGHT])
    assert code == EXIT_PARTIAL
    assert "SL110" in capsys.readouterr().err


def test_unknown_stage_is_a_coded_error(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(corpus), "--stages", "clean,telepathy"]) == EXIT_STAGE
    assert "SL301" in capsys.readouterr().err


def test_search_export_info(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.sqlite"
    main(["analyze", str(corpus), "--db", str(db), "--stages", LIGHT, "-q"])
    capsys.readouterr()
    assert main(["search", "ferry strike", "--db", str(db), "--json"]) == EXIT_OK
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["outlet"] for h in hits] == ["Orsk Wire"]
    assert main(["search", "pier AND \"fishermen", "--db", str(db)]) == EXIT_OK  # broken FTS syntax: no crash
    assert main(["export", "--db", str(db), "--csv", str(tmp_path / "csv")]) == EXIT_OK
    with (tmp_path / "csv" / "documents.csv").open(encoding="utf-8") as f:
        assert {row["outlet"] for row in csv.DictReader(f)} == {"Velmora Courier", "Orsk Wire"}
    assert (tmp_path / "csv" / "quotes.csv").exists()
    assert main(["export", "--db", str(db), "--parquet", str(tmp_path / "pq")]) == EXIT_OK
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "pq" / "documents.parquet").num_rows == 2
    assert main(["info", "--db", str(db)]) == EXIT_OK
    assert "integrity ok" in capsys.readouterr().out


def test_missing_store_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--db", str(tmp_path / "none.sqlite")]) == EXIT_USAGE
    assert "SL101" in capsys.readouterr().err
