"""Wall times of the book's own commands on this machine: unit tests, nbval per notebook, build.

Run from the repository root after ``make install``:
``.venv/bin/python benchmarks/bench_book.py``. Writes ``benchmarks/results/book.json``. Each
command is the one ``make test`` runs (the Makefile is the reference); a failing command is
recorded with its exit code, not hidden.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(Path(sys.executable))


def run(cmd: list[str]) -> dict[str, float | int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return {"seconds": round(time.perf_counter() - start, 1), "exit_code": proc.returncode}


def main() -> None:
    out = {"machine": platform.machine(), "cpus": os.cpu_count(),
           "date": time.strftime("%Y-%m-%d"), "steps": {}}
    out["steps"]["unit tests"] = run([PY, "-m", "pytest", "-q", "tests/"])
    for nb in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):  # not the page that plots this
        out["steps"][f"nbval {nb.stem}"] = run(
            [PY, "-m", "pytest", "-q", "--nbval", "--nbval-current-env",
             "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider",
             str(nb.relative_to(ROOT))])
    out["steps"]["book build (stored outputs)"] = run(["make", "book-check"])
    for name, rec in out["steps"].items():
        print(f"{name}: {rec['seconds']} s (exit {rec['exit_code']})")
    path = ROOT / "benchmarks" / "results" / "book.json"
    path.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
