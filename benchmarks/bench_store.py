"""How long ``gcrit figures`` takes to fill the forecasting store, per scale.

Times one forecasting task (one reservoir holding all 27 gains: teacher forcing, two ridge
readouts, 20 closed-loop windows, driven and autonomous Lyapunov exponents) per architecture
at each scale of :data:`gcrit_utils.forecast_sweep.FORECAST_SWEEP`, and projects the fill time
of every entry of :data:`~gcrit_utils.forecast_sweep.FORECAST_ENTRIES` as (tasks per
architecture) x (measured task time), for one process using all of torch's threads (as
``gcrit figures`` runs them).

Run: ``.venv/bin/python benchmarks/bench_store.py [--scales default paper]``. Writes
``benchmarks/results/store.json``. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from gcrit_utils.forecast_sweep import (
    FORECAST_ARCHS,
    FORECAST_ENTRIES,
    FORECAST_SWEEP,
    forecast_series,
    forecast_task,
    forecast_tasks,
)
from gcrit_utils.store import cpu_description


def task_seconds(scale: str, arch: str) -> float:
    """Wall time of one Lorenz-63 task (s_b = 0.5, first seed) at ``scale``."""
    cfg = FORECAST_SWEEP[scale]
    (task,) = forecast_tasks("lorenz63", 0.1, [0.5], [arch], cfg["seeds"][:1], cfg["n"],
                             dtype=cfg["dtype"], lyap_steps=cfg["lyap_steps"],
                             lyap_warmup=cfg["lyap_warmup"])
    start = time.perf_counter()
    forecast_task(task)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["default", "paper"])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "store.json"))
    args = parser.parse_args()
    for system, _, _ in FORECAST_ENTRIES:
        forecast_series(system)  # integrate every series once (cached), outside the timing
    out: dict = {"machine": platform.machine(), "processor": cpu_description(),
                 "threads": torch.get_num_threads(),
                 "torch": torch.__version__, "date": time.strftime("%Y-%m-%d"), "scales": {}}
    for scale in args.scales:
        cfg = FORECAST_SWEEP[scale]
        per_arch = {arch: task_seconds(scale, arch) for arch in FORECAST_ARCHS}
        tasks_per_arch = sum(len(sbs) for _, _, sbs in FORECAST_ENTRIES) * len(cfg["seeds"])
        projected = tasks_per_arch * sum(per_arch.values())
        rec = {"n": cfg["n"], "seeds": len(cfg["seeds"]), "dtype": cfg["dtype"],
               "task_s": per_arch, "tasks": tasks_per_arch * len(FORECAST_ARCHS),
               "projected_fill_s": projected}
        out["scales"][scale] = rec
        line = ", ".join(f"{a} {t:.1f} s" for a, t in per_arch.items())
        print(f"{scale}: N = {cfg['n']}, {len(cfg['seeds'])} seeds, {cfg['dtype']}; one task: "
              f"{line}; {rec['tasks']} tasks -> projected {projected / 60:.0f} min")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
