"""Time of the Lyapunov computations of chapters 4-5 on this machine.

Run: ``.venv/bin/python benchmarks/bench_lyapunov.py``. Writes
``benchmarks/results/lyapunov.json``: seconds for ``max_lyapunov`` (32 gains, N = 500, float32,
2500 steps) and for ``lyapunov_spectrum`` (16 exponents, 4 gains, N = 300, float64, 2500 steps,
QR every 5), each the best of ``bench_engine.REPEATS`` runs. A measurement, not a test.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from bench_engine import best_seconds

from gcrit_utils import RandomRNN, lyapunov_spectrum, max_lyapunov
from gcrit_utils.store import cpu_description


def main() -> None:
    out = {"machine": platform.machine(), "processor": cpu_description(),
           "threads": torch.get_num_threads(),
           "torch": torch.__version__, "date": time.strftime("%Y-%m-%d"), "cases": {}}
    for arch in ("rnn", "gru", "lstm"):
        net = RandomRNN(arch, 500, np.linspace(0.5, 3.0, 32).tolist(), 0.5, seed=0)
        t_max = best_seconds(lambda net=net: max_lyapunov(net, steps=2000, warmup=500))
        net64 = RandomRNN(arch, 300, [1.0, 1.5, 2.0, 2.5], 0.5, seed=0, dtype=torch.float64)
        t_spec = best_seconds(lambda net64=net64: lyapunov_spectrum(
            net64, 16, steps=2000, warmup=500, qr_every=5))
        out["cases"][arch] = {
            "max_lyapunov_s": t_max,
            "max_lyapunov_network_steps_per_s": 32 * 2500 / t_max,
            "spectrum16_s": t_spec,
            "spectrum16_network_steps_per_s": 4 * 2500 / t_spec}
        print(f"{arch}: max_lyapunov 32 x 2500 steps {t_max:.2f} s; 16-exponent spectrum "
              f"4 x 2500 steps {t_spec:.2f} s")
    path = Path(__file__).parent / "results" / "lyapunov.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
