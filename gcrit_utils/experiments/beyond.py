"""Beyond the zero state: the mean-field criterion against measured losses of stability at finite N.

For every case ``(arch, s_b, candidate bias spread)`` and seed, one task computes the
predictions (zero-state ``g_c``, its finite-``N`` value ``g_c^fin``, the mean-field
``g_c``) and two measurements on the sampled network: the gain at which its fixed point
(continued from small ``g``) loses stability, and ``lambda_max(g)`` on a grid around the
mean-field prediction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ..fixedpoint import fixed_point_crossing
from ..lyapunov import first_crossing, max_lyapunov
from ..meanfield import mean_field_fixed_point
from ..network import RandomRNN
from ..sweep import Sweep, freeze
from ..theory import critical_gain
from .scale import current_scale

__all__ = [
    "BEYOND_CASES",
    "BEYOND_SIZES",
    "ZERO_LEVEL",
    "beyond_task",
    "beyond_tasks",
    "assemble_beyond",
    "sweep_beyond",
]

#: (arch, s_b, candidate_bias_std): candidate bias off, and on with the same spread.
BEYOND_CASES: tuple[tuple[str, float, float], ...] = (
    ("rnn", 0.0, 0.0), ("rnn", 0.5, 0.0), ("rnn", 1.0, 0.0),
    ("gru", 0.0, 0.0), ("gru", 0.5, 0.0), ("gru", 1.0, 0.0), ("gru", 0.5, 0.5),
    ("gru", 1.0, 1.0),
    ("lstm", 0.0, 0.0), ("lstm", 0.5, 0.0), ("lstm", 1.0, 0.0), ("lstm", 0.5, 0.5),
    ("lstm", 1.0, 1.0),
)



#: Sizes per scale. ``ratios`` are in units of the mean-field ``g_c``.
BEYOND_SIZES: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"n": 1000, "seeds": [0, 1, 2],
                "ratios": np.round(np.arange(0.8, 1.2501, 0.025), 3).tolist(),
                "steps": 1500, "warmup": 1500},
    "paper": {"n": 2000, "seeds": list(range(6)),
              "ratios": np.round(np.arange(0.8, 1.2501, 0.0125), 4).tolist(),
              "steps": 3000, "warmup": 3000},
})

#: Level (nats/step) whose first upward crossing by lambda_max marks the loss of stability.
ZERO_LEVEL = -0.002


def beyond_task(task: dict[str, Any]) -> dict[str, Any]:
    """Predictions and measurements for one (arch, s_b, candidate spread, seed).

    Returns
    -------
    dict
        ``g_zero_state``, ``g_finite`` (zero-state ``g_c^fin`` of the sampled biases),
        ``g_mean_field``; ``g_fixed_point`` (loss of stability of the continued fixed
        point), ``q_fixed_point`` and ``q_mean_field`` (``mean h*^2`` measured and
        predicted at that gain), ``eig_re``/``eig_im`` (largest-modulus eigenvalue at the
        last stable gain); ``exponents``/``stderr`` (R,) on ``ratios * g_mean_field``.
    """
    arch, s, cand = task["arch"], float(task["bias_std"]), float(task["candidate_bias_std"])
    n, seed = int(task["n"]), int(task["seed"])
    g_zs = critical_gain(arch, s)
    g_mf = critical_gain(arch, s, method="mean_field", candidate_bias_std=cand)
    net = RandomRNN(arch, n, 1.0, s, seed=seed, dtype=torch.float64, candidate_bias_std=cand)
    cross = fixed_point_crossing(arch, n, s, seed, g_mf, candidate_bias_std=cand)
    q_mf = (mean_field_fixed_point(arch, cross.g, s, candidate_bias_std=cand).q
            if np.isfinite(cross.g) else np.nan)
    gains = [float(r * g_mf) for r in task["ratios"]]
    lyap = max_lyapunov(net.with_gains(gains), steps=int(task["steps"]),
                        warmup=int(task["warmup"]), seed=seed)
    return {"g_zero_state": g_zs, "g_finite": net.finite_size_critical_gain(),
            "g_mean_field": g_mf, "g_fixed_point": cross.g, "q_fixed_point": cross.q,
            "q_mean_field": q_mf, "eig_re": cross.eigenvalue.real,
            "eig_im": cross.eigenvalue.imag, "exponents": lyap.exponents,
            "stderr": lyap.stderr}



def beyond_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per case and seed (JSON-able dicts)."""
    return [{"arch": a, "bias_std": float(s), "candidate_bias_std": float(c), "n": config["n"],
             "seed": int(seed), "ratios": list(config["ratios"]), "steps": config["steps"],
             "warmup": config["warmup"]}
            for a, s, c in config["cases"] for seed in config["seeds"]]


def assemble_beyond(config: Mapping[str, Any], results: list[dict[str, Any]]
                    ) -> dict[str, np.ndarray]:
    """Stack task results into arrays of shape (C, S) (and (C, S, R) for the exponents);
    adds ``g_lyapunov`` (first crossing of :data:`ZERO_LEVEL`) and ``ratios``."""
    n_c, n_s = len(config["cases"]), len(config["seeds"])
    out: dict[str, np.ndarray] = {}
    for key in results[0]:
        arr = np.array([r[key] for r in results], dtype=np.float64)
        out[key] = arr.reshape(n_c, n_s, *arr.shape[1:])
    ratios = np.asarray(config["ratios"], dtype=np.float64)
    out["ratios"] = ratios
    out["g_lyapunov"] = np.array([[first_crossing(ratios * g, e, ZERO_LEVEL)
                                   for g, e in zip(gs, es, strict=True)]
                                  for gs, es in zip(out["g_mean_field"], out["exponents"],
                                                    strict=True)])
    return out


def sweep_beyond(scale: str | None = None) -> Sweep:
    """The chapter's stored sweep (entry ``beyond_zero_state_<scale>``)."""
    scale = current_scale(scale)
    return Sweep(f"beyond_zero_state_{scale}",
                 {"cases": [list(c) for c in BEYOND_CASES], **BEYOND_SIZES[scale]}, beyond_tasks,
                 beyond_task, assemble_beyond)
