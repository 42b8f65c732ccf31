"""`make bench`: every benchmark at full size, printing the tables docs/benchmarks.md records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["pipeline.py", "throughput", "--n", "300"],
    ["pipeline.py", "memory", "--sizes", "1000,10000,100000"],
    ["pipeline.py", "spark", "--n", "400"],
    ["reuse.py"],
    ["nlp.py"],
    ["corpus_steps.py", "--sizes", "1000,10000,100000"],
    ["faults.py"],
]


def main() -> int:
    failed = 0
    for run in RUNS:
        script = HERE / run[0]
        if not script.exists():
            print(f"## {' '.join(run)}: missing", flush=True)
            failed += 1
            continue
        print(f"\n## {' '.join(run)}\n", flush=True)
        failed += subprocess.run([sys.executable, str(script), *run[1:]], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
