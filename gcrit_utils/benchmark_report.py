"""The benchmark results of ``benchmarks/results/`` as the Performance page shows them.

Each benchmark script writes one JSON file (several per script when measured on several CPUs:
``reservoir.json``, ``reservoir_<machine>.json``, ...). This module reads them and turns them
into the page's tables and quoted ranges; it measures nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .report import format_table

__all__ = [
    "BenchmarkResults",
    "load_benchmarks",
    "files_table",
    "reservoirpy_table",
    "speedup_range",
    "bound_range",
    "recurrent_step_table",
    "step_share_range",
    "kernel_lines",
    "lyapunov_table",
    "book_steps_table",
    "store_table",
]

#: ``{"name": parsed JSON}`` per group of result files.
BenchmarkResults = dict[str, dict[str, Any]]


def load_benchmarks(root: str | Path) -> BenchmarkResults:
    """Every result file under ``root``, grouped by script.

    Returns
    -------
    dict
        ``machines`` (``reservoir*.json``), ``stores`` (``store*.json``), ``kernels``
        (``kernels*.json``): file stem -> content; ``reservoir``, ``lyapunov``, ``book``: the
        content of that file.

    Raises
    ------
    FileNotFoundError
        If ``reservoir.json``, ``lyapunov.json`` or ``book.json`` is missing (the message
        names the script that writes it).
    """
    root = Path(root)
    out: BenchmarkResults = {}
    for name, script in (("reservoir", "bench_reservoir.py"), ("lyapunov", "bench_lyapunov.py"),
                         ("book", "bench_book.py")):
        path = root / f"{name}.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run benchmarks/{script}")
        out[name] = json.loads(path.read_text())
    for group, pattern in (("machines", "reservoir*.json"), ("stores", "store*.json"),
                           ("kernels", "kernels*.json")):
        out[group] = {p.stem: json.loads(p.read_text()) for p in sorted(root.glob(pattern))}
    return out


def files_table(results: BenchmarkResults) -> str:
    """Which file was measured on which CPU, with how many threads."""
    named = [*results["machines"].items(), ("lyapunov", results["lyapunov"]),
             ("book", results["book"]), *results["stores"].items(),
             *results["kernels"].items()]
    return format_table(["file", "CPU", "threads"],
                        [[f"{name}.json", d.get("processor") or "not recorded",
                          str(d.get("threads", "-"))] for name, d in named])


def reservoirpy_table(machines: Mapping[str, Mapping[str, Any]]) -> str:
    """Our engine against reservoirpy on the same workload, one row per CPU."""
    rows = []
    for d in machines.values():
        rv = d["rnn_vs_reservoirpy"]
        bound = rv["speedup_at_roofline"]
        rows.append([d["processor"], f"{rv['engine_float64_s']:.2f}",
                     f"{rv['engine_float32_s']:.2f}", f"{rv['reservoirpy_s']:.2f}",
                     f"{rv['speedup_float64']:.1f}x", f"{rv['speedup_float32']:.1f}x",
                     f"{bound:.1f}x", f"{rv['speedup_float32'] / bound:.0%}"])
    return format_table(["CPU", "ours f64 [s]", "ours f32 states [s]", "reservoirpy [s]",
                         "speed-up f64", "speed-up f32", "bound", "share of bound"], rows)


def speedup_range(machines: Mapping[str, Mapping[str, Any]]) -> str:
    """``"3.0–8.3"``: the slowest float64 and the fastest float32 speed-up over reservoirpy."""
    runs = [d["rnn_vs_reservoirpy"] for d in machines.values()]
    return (f"{min(r['speedup_float64'] for r in runs):.1f}–"
            f"{max(r['speedup_float32'] for r in runs):.1f}")


def bound_range(machines: Mapping[str, Mapping[str, Any]]) -> str:
    """The range over CPUs of the speed-up any implementation could reach (GEMM-bound)."""
    bounds = [d["rnn_vs_reservoirpy"]["speedup_at_roofline"] for d in machines.values()]
    return f"{min(bounds):.1f}–{max(bounds):.1f}"


def recurrent_step_table(reservoir: Mapping[str, Any]) -> str:
    """Network steps per second of each cell and its share of the same-shape GEMM rate."""
    return format_table(
        ["cell", "recurrent step [net-steps/s]", "same-shape GEMM [GFLOP/s]",
         "share, fresh history", "share, reused buffer"],
        [[a, f"{r['network_steps_per_s']:,.0f}", f"{r['gemm_flops_per_s'] / 1e9:.0f}",
          f"{r['fraction_of_gemm_rate']:.0%}", f"{r['reused_buffer_fraction_of_gemm_rate']:.0%}"]
         for a, r in reservoir["recurrent_step"].items()])


def step_share_range(reservoir: Mapping[str, Any]) -> str:
    """``"63%–71%"``: the recurrent step's share of the GEMM rate over the cells."""
    shares = [r["fraction_of_gemm_rate"] for r in reservoir["recurrent_step"].values()]
    return f"{min(shares):.0%}–{max(shares):.0%}"


def kernel_lines(kernels: Mapping[str, Mapping[str, Any]]) -> str:
    """Where the time of the reservoir workload goes, one line per measured CPU."""
    lines = []
    for name, k in kernels.items():
        step = k["step_s"]
        gram = min(v for v in k["gram_s"].values() if v)
        lines.append(f"{k['processor']} ({name}.json): 5000 steps {step['engine_step']:.2f} s, "
                     f"of which bare products {step['products_only']:.2f} s; fastest float64 "
                     f"Gram torch offers {gram:.2f} s; solve {k['solve_s']:.2f} s")
    return "\n".join(lines)


def lyapunov_table(lyapunov: Mapping[str, Any]) -> str:
    """Wall time of the Lyapunov runs per cell."""
    return format_table(
        ["cell", "max_lyapunov: 32 gains x 2500 steps [s]",
         "16-exponent spectrum: 4 gains x 2500 [s]"],
        [[a, f"{r['max_lyapunov_s']:.2f}", f"{r['spectrum16_s']:.2f}"]
         for a, r in lyapunov["cases"].items()])


def book_steps_table(book: Mapping[str, Any]) -> str:
    """Wall time and exit code of each step of ``make test``."""
    return format_table(["command (as in make test)", "wall time [s]", "exit code"],
                        [[k, f"{v['seconds']:.0f}", str(v["exit_code"])]
                         for k, v in book["steps"].items()])


def store_table(stores: Mapping[str, Mapping[str, Any]]) -> str:
    """Projected fill time of the forecasting maps per CPU and scale, beside their floor."""
    rows = []
    for st in stores.values():
        for scale, rec in st["scales"].items():
            floors = {f["state_dtype"]: f["floor_s"] / 60 for f in rec.get("floors", [])}
            floor = " / ".join(f"{floors[d]:.0f}" for d in ("float64", "float32") if d in floors)
            rows.append([st.get("processor") or "not recorded", scale,
                         f"N = {rec['n']}, {rec['seeds']} seeds, {rec['tasks']} tasks",
                         " / ".join(f"{t:.0f}" for t in rec["task_s"].values()),
                         f"{rec['projected_fill_s'] / 60:.0f}", floor or "-"])
    return format_table(["CPU", "scale", "sweep", "one task rnn/gru/lstm/minimalRNN [s]",
                         "projected fill [min]", "floor f64 / f32 states [min]"], rows)
