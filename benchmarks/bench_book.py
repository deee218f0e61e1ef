"""Wall times of the book's own commands on this machine: unit tests, nbval per notebook, build.

Run from the repository root after ``make install``:
``.venv/bin/python benchmarks/bench_book.py``. Writes ``benchmarks/results/book.json``. Each
command is the one ``make test`` runs (the Makefile is the reference); a failing command is
recorded with its exit code, not hidden.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from gcrit_utils.store import cpu_description

ROOT = Path(__file__).resolve().parents[1]
PY = str(Path(sys.executable))


def run(cmd: list[str]) -> dict[str, float | int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return {"seconds": round(time.perf_counter() - start, 1), "exit_code": proc.returncode}


def commands() -> dict[str, list[str]]:
    """The steps of ``make test``, by name."""
    steps = {"unit tests": [PY, "-m", "pytest", "-q", "tests/"]}
    for nb in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):  # not the page that plots this
        steps[f"nbval {nb.stem}"] = [
            PY, "-m", "pytest", "-q", "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider", str(nb.relative_to(ROOT))]
    # from scratch: Sphinx builds incrementally, a leftover _build would time only the changes
    steps["book build (stored outputs)"] = [
        "bash", "-c", "rm -rf _build/html _build/.doctrees _build/jupyter_execute && "
        "make book-check"]
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None,
                        help="re-measure only these steps (names as printed), keep the others")
    args = parser.parse_args()
    path = ROOT / "benchmarks" / "results" / "book.json"
    out = {"machine": platform.machine(), "processor": cpu_description(), "cpus": os.cpu_count(),
           "date": time.strftime("%Y-%m-%d"), "steps": {}}
    if args.only is not None and path.exists():
        out["steps"] = json.loads(path.read_text())["steps"]
    for name, cmd in commands().items():
        if args.only is None or name in args.only:
            out["steps"][name] = run(cmd)
    for name, rec in out["steps"].items():
        print(f"{name}: {rec['seconds']} s (exit {rec['exit_code']})")
    path.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
