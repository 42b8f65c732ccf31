"""Fault benchmark: kill -9 at random points, then re-run; and a corpus of hostile inputs.

    .venv/bin/python benchmarks/faults.py [--docs 2000] [--kills 20] [--bad 220] [--stages clean,language]

(a) `--kills` runs of `storylens analyze` over `--docs` synthetic articles, each killed with SIGKILL
at a random moment, then one run to completion: the store must pass integrity_check, hold each
document exactly once, and equal a store built by one uninterrupted run. (b) `--bad` generated bad
inputs (storylens.faults) among valid neighbours: no crash, each bad input a coded rejection,
every valid neighbour analysed. Prints a table; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storylens import api
from storylens.faults import VALID_ARTICLE, write_bad_corpus, write_oversized


def write_articles(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:05d}.txt").write_text(
            f"date 2024-03-{1 + i % 28:02d}\noutlet Outlet {i % 7}\n\nReport {i} from the harbour of Velmora.\n\n"
            f"{VALID_ARTICLE}", encoding="utf-8")


def kill_runs(root: Path, docs: int, kills: int, stages: str, seed: int) -> dict[str, object]:
    folder = root / "articles"
    write_articles(folder, docs)
    db = root / "killed.sqlite"
    command = [sys.executable, "-m", "storylens.cli", "analyze", str(folder), "--db", str(db), "--stages", stages,
               "-q"]
    rng = random.Random(seed)
    killed = 0
    started = time.monotonic()
    for _ in range(kills):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.2, 3.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    final = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT count(*), count(DISTINCT path) FROM documents").fetchone()
    clean = api.analyze([folder], db=root / "clean.sqlite", stages=stages.split(","))
    resumed = api.load(db)
    same = {d.document.id: d for d in resumed.docs} == {d.document.id: d for d in clean.corpus.docs}
    return {"runs killed": f"{killed}/{kills}", "final exit": final.returncode, "integrity": integrity,
            "documents": f"{rows[0]} rows, {rows[1]} distinct of {docs}", "equal to uninterrupted": same,
            "seconds": round(time.monotonic() - started, 1),
            "ok": integrity == "ok" and rows[0] == rows[1] == docs and same and final.returncode == 0}


def bad_inputs(root: Path, n: int, stages: str) -> dict[str, object]:
    folder = root / "bad"
    cases = write_bad_corpus(folder, n)
    write_oversized(folder, 50)
    write_articles(folder / "valid", 5)
    started = time.monotonic()
    try:
        result = api.analyze([folder], db=root / "bad.sqlite", stages=stages.split(","))
    except Exception as exc:  # a crash is the failure this benchmark looks for
        return {"cases": len(cases), "crash": repr(exc), "ok": False}
    rejected = {r.path.split("#")[0] for r in result.corpus.rejections}
    read = {d.document.path.split("#")[0] for d in result.corpus.docs}
    seen: set[bytes] = set()
    missed = []
    for case in cases:
        path = folder / case.name
        content = path.read_bytes()
        if content in seen:
            continue
        seen.add(content)
        wanted_reject = case.expect.startswith("reject") or case.expect == "mixed"
        if wanted_reject and str(path) not in rejected:
            missed.append(case.name)
    valid_ok = all(str(folder / "valid" / f"{i:05d}.txt") in read for i in range(5))
    uncoded = [r for r in result.corpus.rejections if not (r.code.startswith("SL") and r.reason)]
    return {"cases": len(cases) + 1, "rejections": len(result.corpus.rejections), "crashes": 0,
            "bad inputs not rejected": len(missed), "uncoded rejections": len(uncoded),
            "valid neighbours analysed": valid_ok, "seconds": round(time.monotonic() - started, 1),
            "ok": not missed and not uncoded and valid_ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--bad", type=int, default=220)
    parser.add_argument("--stages", default="clean,language")
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        kills = kill_runs(root, args.docs, args.kills, args.stages, args.seed)
        bad = bad_inputs(root, args.bad, args.stages)
    print("| check | result |\n|---|---|")
    for name, table in (("kill -9", kills), ("bad inputs", bad)):
        for key, value in table.items():
            print(f"| {name}: {key} | {value} |")
    return 0 if kills["ok"] and bad["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
