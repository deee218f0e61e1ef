"""Chapter on dynamics: largest Lyapunov exponents against the gain, and phase diagrams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..lyapunov import CHAOS_THRESHOLD, first_crossing, max_lyapunov
from ..network import RandomRNN
from ..sweep import Sweep, freeze
from ..theory import critical_gain
from .scale import current_scale

__all__ = [
    "LYAPUNOV_CASES",
    "LYAPUNOV_SIZES",
    "PHASE_SIZES",
    "lyapunov_agreement",
    "lyapunov_task",
    "lyapunov_vs_gain",
    "lyapunov_tasks",
    "assemble_lyapunov",
    "lyapunov_sweep",
    "sweep_lyapunov",
    "phase_tasks",
    "assemble_phase",
    "phase_diagram",
    "sweep_phase_diagram",
    "crossing_gains",
]

#: (arch, s_b) cases of the Lyapunov-vs-gain study.
LYAPUNOV_CASES: tuple[tuple[str, float], ...] = tuple(
    (arch, s) for arch in ("rnn", "gru", "lstm") for s in (0.0, 0.5, 1.0))

#: Sizes of the stored Lyapunov sweeps per scale.
LYAPUNOV_SIZES: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"n": 500, "seeds": [0, 1, 2], "ratios": np.round(np.linspace(0.6, 2.4, 37), 3)
                .tolist(), "steps": 2000, "warmup": 1000},
    "paper": {"n": 1000, "seeds": list(range(6)), "ratios": np.round(np.linspace(0.6, 2.4, 73),
                                                                        3).tolist(),
              "steps": 4000, "warmup": 2000},
})

#: Sizes of the stored phase diagrams per scale.
PHASE_SIZES: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"n": 300, "seed": 0, "bias_stds": [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5],
                "gains": np.round(np.linspace(0.1, 3.5, 35), 3).tolist(), "steps": 1500,
                "warmup": 1000},
    "paper": {"n": 1000, "seed": 0, "bias_stds": np.round(np.linspace(0.0, 2.0, 17), 3).tolist(),
              "gains": np.round(np.linspace(0.05, 3.5, 70), 3).tolist(), "steps": 3000,
              "warmup": 2000},
})


def lyapunov_agreement(live: Sequence[float], stored: Sequence[float],
                       stderr: Sequence[float], threshold: float = CHAOS_THRESHOLD
                       ) -> dict[str, float]:
    """How well recomputed largest Lyapunov exponents agree with stored ones.

    In the ordered phase (stored exponent ``< -threshold``) tangent vectors contract onto a
    stable state and the finite-time exponent is a robust number: rounding changes move it
    by ~1e-11 relative (measured when the tangent step was fused). Elsewhere trajectories are
    chaotic: a change of rounding gives a different trajectory, and the two finite-time
    estimates differ by their statistical error (~sqrt(2) stderr for two independent runs).
    There the typical (median) ``|difference| / stderr`` is the meaningful statistic: a
    single gain can be several stderr off, because ``stderr`` comes from a few blocks
    (measured: median 1.0, largest 8.4 over 26 non-ordered gains).

    Parameters
    ----------
    live, stored, stderr : array_like, shape (G,)
        Exponents of the same networks at ``G`` gains and the stored block standard errors.
    threshold : float
        Exponents below ``-threshold`` count as ordered.

    Returns
    -------
    dict
        ``ordered_max_rel_diff`` (0 when no gain is ordered), ``chaotic_median_z`` (median of
        ``|live - stored| / stderr`` over the other gains; 0 when there are none),
        ``ordered`` and ``chaotic`` (counts).
    """
    a = np.asarray(live, dtype=float)
    b = np.asarray(stored, dtype=float)
    err = np.asarray(stderr, dtype=float)
    if not a.shape == b.shape == err.shape or a.ndim != 1:
        raise ValueError(f"live, stored and stderr must have the same shape (G,), got "
                         f"{a.shape}, {b.shape}, {err.shape}")
    ordered = b < -threshold
    rel = np.abs(a - b)[ordered] / np.abs(b[ordered])
    z = np.abs(a - b)[~ordered] / np.maximum(err[~ordered], np.finfo(float).tiny)
    return {"ordered_max_rel_diff": float(rel.max()) if rel.size else 0.0,
            "chaotic_median_z": float(np.median(z)) if z.size else 0.0,
            "ordered": int(ordered.sum()), "chaotic": int((~ordered).sum())}



def lyapunov_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """``lambda_max`` for all gains of one (arch, s_b, seed) (module level, picklable)."""
    net = RandomRNN(task["arch"], task["n"], task["gains"], task["bias_std"], seed=task["seed"],
                    dtype=torch.float64)
    res = max_lyapunov(net, steps=task["steps"], warmup=task["warmup"], seed=task["seed"],
                       progress=task.get("progress", False))
    return {"exponents": res.exponents, "stderr": res.stderr}


def lyapunov_vs_gain(arch: str, bias_std: float, gains: Sequence[float], n: int,
                     seeds: Sequence[int], steps: int, warmup: int,
                     progress: bool = False) -> dict[str, np.ndarray]:
    """Largest Lyapunov exponent (autonomous, float64) for every gain and seed.

    All gains advance together in one :class:`RandomRNN` per seed.

    Returns
    -------
    dict
        ``exponents`` and ``stderr`` of shape (S, G), nats per step.
    """
    out = [lyapunov_task({"arch": arch, "bias_std": float(bias_std),
                          "gains": [float(x) for x in gains], "n": int(n), "seed": int(seed),
                          "steps": int(steps), "warmup": int(warmup), "progress": progress})
           for seed in seeds]
    return {"exponents": np.array([o["exponents"] for o in out]),
            "stderr": np.array([o["stderr"] for o in out])}


def lyapunov_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (case, seed); gains ``ratio * g_c`` (zero-state ``g_c``)."""
    return [{"arch": a, "bias_std": float(sb),
             "gains": [float(q * critical_gain(a, sb)) for q in config["ratios"]],
             "n": int(config["n"]), "seed": int(seed), "steps": int(config["steps"]),
             "warmup": int(config["warmup"])}
            for a, sb in config["cases"] for seed in config["seeds"]]


def assemble_lyapunov(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                      ) -> dict[str, np.ndarray]:
    """Arrays of :func:`lyapunov_sweep` from the task results (in task order)."""
    cases, seeds, ratios = config["cases"], config["seeds"], config["ratios"]
    shape = (len(cases), len(seeds), len(ratios))
    return {"g_c": np.array([critical_gain(a, sb) for a, sb in cases]),
            "g_mf": np.array([critical_gain(a, sb, method="mean_field") if a == "rnn"
                              else np.nan for a, sb in cases]),
            "exponents": np.array([r["exponents"] for r in results]).reshape(shape),
            "stderr": np.array([r["stderr"] for r in results]).reshape(shape),
            "ratios": np.asarray(ratios), "seeds": np.asarray(seeds)}


def _lyapunov_definition(name: str, cases: Sequence[tuple[str, float]],
                         sizes: Mapping[str, Any]) -> Sweep:
    return Sweep(name, {"cases": [list(c) for c in cases], **sizes}, lyapunov_tasks,
                 lyapunov_task, assemble_lyapunov)


def lyapunov_sweep(cases: Sequence[tuple[str, float]], n: int, seeds: Sequence[int],
                   ratios: Sequence[float], steps: int, warmup: int,
                   progress: bool = False) -> dict[str, np.ndarray]:
    """``lambda_max`` vs ``g = ratio * g_c`` for every case (zero-state ``g_c``), in memory.

    Returns
    -------
    dict of ndarray
        ``g_c`` (C,), ``g_mf`` (C,) mean-field ``g_c`` of the tanh RNN (``nan`` for the
        gated cells, whose candidate bias is 0: there it equals ``g_c``), ``exponents`` and
        ``stderr`` (C, S, R), ``ratios`` (R,), ``seeds``.
    """
    sizes = {"n": n, "seeds": list(seeds), "ratios": list(ratios), "steps": steps,
             "warmup": warmup}
    return _lyapunov_definition("lyapunov_sweep", cases, sizes).compute(progress)


def sweep_lyapunov(scale: str | None = None) -> Sweep:
    """The stored Lyapunov-vs-gain sweep (entry ``lyapunov_sweep_<scale>``)."""
    scale = current_scale(scale)
    return _lyapunov_definition(f"lyapunov_sweep_{scale}", LYAPUNOV_CASES,
                                LYAPUNOV_SIZES[scale])


def phase_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per bias spread, every gain of the grid in one batch."""
    return [{"arch": config["arch"], "bias_std": float(sb),
             "gains": [float(x) for x in config["gains"]], "n": int(config["n"]),
             "seed": int(config["seed"]), "steps": int(config["steps"]),
             "warmup": int(config["warmup"])}
            for sb in config["bias_stds"]]


def assemble_phase(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                   ) -> dict[str, np.ndarray]:
    """``exponents`` (S_b, G), ``bias_stds``, ``gains``."""
    return {"exponents": np.array([r["exponents"] for r in results]),
            "bias_stds": np.asarray(config["bias_stds"]), "gains": np.asarray(config["gains"])}


def phase_diagram(arch: str, bias_stds: Sequence[float], gains: Sequence[float], n: int,
                  seed: int, steps: int, warmup: int,
                  progress: bool = False) -> dict[str, np.ndarray]:
    """``lambda_max`` on the grid ``bias_stds x gains`` for one seed, in memory.

    Returns
    -------
    dict
        ``exponents`` (S_b, G), ``bias_stds``, ``gains``.
    """
    config = {"arch": arch, "n": n, "seed": seed, "bias_stds": list(bias_stds),
              "gains": list(gains), "steps": steps, "warmup": warmup}
    return Sweep(f"phase_diagram_{arch}", config, phase_tasks, lyapunov_task,
                 assemble_phase).compute(progress)


def sweep_phase_diagram(arch: str, scale: str | None = None) -> Sweep:
    """The stored phase diagram of ``arch`` (entry ``phase_diagram_<arch>_<scale>``)."""
    scale = current_scale(scale)
    return Sweep(f"phase_diagram_{arch}_{scale}", {"arch": arch, **PHASE_SIZES[scale]},
                 phase_tasks, lyapunov_task, assemble_phase)


def crossing_gains(data: dict[str, np.ndarray], level: float) -> np.ndarray:
    """First upward crossing of ``level`` by ``lambda_max(g)``, per case and seed, shape (C, S).

    ``data`` is a Lyapunov sweep (:func:`lyapunov_sweep`); gains are absolute
    (``ratio * g_c``); ``inf`` where the exponent never exceeds ``level`` on the grid.
    """
    return np.array([[first_crossing(data["ratios"] * g_c, e, level) for e in exps]
                     for g_c, exps in zip(data["g_c"], data["exponents"], strict=True)])
