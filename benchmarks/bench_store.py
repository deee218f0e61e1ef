"""How long ``gcrit figures`` takes to fill the forecasting store, per scale.

Times one forecasting task (one reservoir holding all 27 gains: teacher forcing, two ridge
readouts, 20 closed-loop windows, driven and autonomous Lyapunov exponents) per architecture
at each scale of :data:`~gcrit_utils.experiments.forecasting.FORECAST_SIZES`, and projects the
fill time of every entry of :data:`~gcrit_utils.experiments.forecasting.FORECAST_ENTRIES` as
(tasks per architecture) x (measured task time), for one process using all of torch's threads (as
``gcrit figures`` runs them).

It also computes each scale's **floor**: the matrix products every fill must do whatever
the implementation (the recurrent products of teacher forcing, validation, the
synchronisation of the test windows and the two Lyapunov runs, and the upper triangles of the
float64 Gram matrices), all at this machine's peak GEMM rate (the rate of a large square
product, measured here; the sweep's own shapes run slower). The closed loops, the solves and
all elementwise work come on top, so no implementation of the same sweep, however it batches
its products, fills the store faster than the floor on this machine.

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
from bench_engine import best_seconds

from gcrit_utils.experiments.forecasting import (
    FORECAST_ARCHS,
    FORECAST_ENTRIES,
    FORECAST_RATIOS,
    FORECAST_SIZES,
    WINDOWS,
    forecast_series,
    forecast_task,
    sweep_forecast,
)
from gcrit_utils.ridge import feature_count
from gcrit_utils.store import cpu_description

#: N x N recurrent matrices multiplied per step and per gain: tanh RNN W; GRU W_r, W_z, W_n;
#: LSTM W_i, W_f, W_o, W_g; minimalRNN W (its V0 acts on the input embedding, which teacher
#: forcing shares between the gains, so it is not counted).
RECURRENT_MATRICES = {"rnn": 1, "gru": 3, "lstm": 4, "minimalrnn": 1}


def task_seconds(scale: str, arch: str) -> float:
    """Wall time of one Lorenz-63 task (s_b = 0.5, first seed) at ``scale``."""
    tasks = sweep_forecast("lorenz63", 0.1, scale, (arch,)).tasks()
    (task,) = [t for t in tasks if t["bias_std"] == 0.5][:1]
    start = time.perf_counter()
    forecast_task(task)
    return time.perf_counter() - start


def gemm_seconds_per_flop(m: int, k: int, n: int, dtype: torch.dtype, batch: int = 1,
                          repeats: int = 3) -> float:
    """Seconds per FLOP of ``batch`` products (m, k) x (k, n) in ``dtype`` (best of runs)."""
    a = torch.randn(batch, m, k, dtype=dtype)
    b = torch.randn(batch, k, n, dtype=dtype)
    return best_seconds(lambda: torch.bmm(a, b), repeats) / (2.0 * batch * m * k * n)


def task_flops(system: str, arch: str, n: int, lyap_steps: int, lyap_warmup: int,
               gains: int = len(FORECAST_RATIOS)) -> dict[str, float]:
    """Matrix-product FLOPs every implementation of one forecasting task must do.

    ``steps``: recurrent products (2 K N^2 per step and gain, K from
    :data:`RECURRENT_MATRICES`) and input products (2 K N d) of the washout, training and
    validation run and of every test window's synchronisation; ``lyapunov``: the driven and
    the autonomous run, each a state and a tangent product per step; ``gram``: the upper
    triangle of the float64 Gram matrix of the ``[h, 1, h_even^2]`` features and targets over
    the training rows, ``F (F + 1) T`` per gain. Closed-loop steps are not counted.
    """
    w, k = WINDOWS[system], RECURRENT_MATRICES[arch]
    d = forecast_series(system).shape[1]
    teacher = w["washout"] + w["train"] + w["val"] + w["n_windows"] * w["sync"]
    lyap = 2 * (lyap_steps + lyap_warmup)
    f = feature_count(n, squared=True) + d
    return {"steps": 2.0 * k * n * (n + d) * teacher * gains,
            "lyapunov": 2.0 * 2 * k * n * n * lyap * gains,
            "gram": 1.0 * f * (f + 1) * w["train"] * gains}


def fill_floor(scale: str, state_dtype: torch.dtype) -> dict[str, float]:
    """The floor (s) of filling every forecasting entry at ``scale`` on this machine.

    Recurrent products at the peak ``state_dtype`` GEMM rate, Gram triangles at the peak
    float64 rate (each the rate of a 2048 x 2048 x 2048 product, best of runs).
    """
    cfg = FORECAST_SIZES[scale]
    peak = gemm_seconds_per_flop(2048, 2048, 2048, state_dtype)
    peak64 = gemm_seconds_per_flop(2048, 2048, 2048, torch.float64)
    total = {"steps": 0.0, "lyapunov": 0.0, "gram": 0.0}
    for arch in FORECAST_ARCHS:
        for system, _, bias_stds in FORECAST_ENTRIES:
            flops = task_flops(system, arch, cfg["n"], cfg["lyap_steps"], cfg["lyap_warmup"])
            tasks = len(bias_stds) * len(cfg["seeds"])
            total["steps"] += tasks * flops["steps"] * peak
            total["lyapunov"] += tasks * flops["lyapunov"] * peak
            total["gram"] += tasks * flops["gram"] * peak64
    return {"state_dtype": str(state_dtype).removeprefix("torch."),
            "peak_gemm_flops_per_s": 1.0 / peak,
            **{f"{part}_s": t for part, t in total.items()}, "floor_s": sum(total.values())}


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
        cfg = FORECAST_SIZES[scale]
        per_arch = {arch: task_seconds(scale, arch) for arch in FORECAST_ARCHS}
        tasks_per_arch = sum(len(sbs) for _, _, sbs in FORECAST_ENTRIES) * len(cfg["seeds"])
        projected = tasks_per_arch * sum(per_arch.values())
        floors = [fill_floor(scale, getattr(torch, dt))
                  for dt in dict.fromkeys((cfg["dtype"], "float32"))]
        rec = {"n": cfg["n"], "seeds": len(cfg["seeds"]), "dtype": cfg["dtype"],
               "task_s": per_arch, "tasks": tasks_per_arch * len(FORECAST_ARCHS),
               "projected_fill_s": projected, "floors": floors}
        out["scales"][scale] = rec
        line = ", ".join(f"{a} {t:.1f} s" for a, t in per_arch.items())
        print(f"{scale}: N = {cfg['n']}, {len(cfg['seeds'])} seeds, {cfg['dtype']}; one task: "
              f"{line}; {rec['tasks']} tasks -> projected {projected / 60:.0f} min")
        for fl in floors:
            print(f"  floor with {fl['state_dtype']} states: {fl['floor_s'] / 60:.0f} min "
                  f"(steps {fl['steps_s'] / 60:.0f}, Lyapunov {fl['lyapunov_s'] / 60:.0f}, "
                  f"Gram {fl['gram_s'] / 60:.0f} min)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
