"""Chapter-level computations: sizes per scale and the sweeps behind the figures.

Every function here is deterministic given its arguments (seeds included) and returns
plain numpy arrays, so that a notebook, ``gcrit figures`` and the tests call the same code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ._validation import check_nonnegative
from .cells import RandomRNN
from .lyapunov import max_lyapunov
from .spectra import rightmost_eigenvalues, spectral_edge_crossing, zero_state_eigenvalues
from .theory import (
    critical_gain,
    sigmoid_sq_moment,
    sigmoid_sq_moment_probit,
    support_right_edge,
    zero_state_coefficients,
)

__all__ = [
    "lyapunov_agreement",
    "SCALES",
    "current_scale",
    "critical_gain_curves",
    "probit_errors",
    "zero_state_spectra",
    "spectrum_sweep",
    "finite_size_gain_samples",
    "top_unit_share",
    "SPECTRUM_CASES",
    "cached_sweep",
    "stored_spectrum_sweep",
    "LYAPUNOV_CASES",
    "LYAPUNOV_SWEEP",
    "PHASE_SWEEP",
    "CHAOS_THRESHOLD",
    "first_crossing",
    "crossing_gains",
    "lyapunov_vs_gain",
    "lyapunov_sweep",
    "phase_diagram",
    "stored_lyapunov_sweep",
    "stored_phase_diagram",
    "SPECTRUM_SWEEP",
]

SCALES: tuple[str, ...] = ("default", "paper")


def current_scale(value: str | None = None) -> str:
    """The run scale: ``value`` if given, else ``$GCRIT_SCALE``, else ``"default"``.

    ``"default"`` keeps every chapter within a few minutes on 2 CPU cores;
    ``"paper"`` enlarges N, seeds and grids for the paper-quality figures.
    """
    scale = value if value is not None else os.environ.get("GCRIT_SCALE", "default")
    if scale not in SCALES:
        raise ValueError(f"GCRIT_SCALE / scale must be one of {SCALES}, got {scale!r}")
    return scale


#: Curves of the g_c(s_b) figure: label -> (arch, which gates carry the spread, method).
GC_VARIANTS: dict[str, tuple[str, tuple[str, ...] | None, str]] = {
    "tanh RNN (linearised at 0)": ("rnn", None, "zero_state"),
    "tanh RNN (mean field)": ("rnn", None, "mean_field"),
    "GRU": ("gru", None, "zero_state"),
    "GRU, only b_z spread": ("gru", ("z",), "zero_state"),
    "LSTM": ("lstm", None, "zero_state"),
    "LSTM, only b_f spread": ("lstm", ("f",), "zero_state"),
    "LSTM, only b_i (or b_o) spread": ("lstm", ("i",), "zero_state"),
}


def critical_gain_curves(bias_stds: Sequence[float]) -> dict[str, np.ndarray]:
    """``g_c(s_b)`` for every variant of ``GC_VARIANTS`` on a grid of ``s_b``.

    Parameters
    ----------
    bias_stds : sequence of float, shape (S,)
        Spreads ``s_b >= 0``.

    Returns
    -------
    dict
        label -> ndarray of shape (S,); plus ``"GRU (probit closed form)"`` and
        ``"LSTM (probit closed form)"``.
    """
    grid = [check_nonnegative("bias_stds", s) for s in bias_stds]
    out: dict[str, np.ndarray] = {}
    for label, (arch, gates, method) in GC_VARIANTS.items():
        vals = []
        for s in grid:
            spread = s if gates is None else {k: s for k in gates}
            vals.append(critical_gain(arch, spread, method=method))
        out[label] = np.array(vals)
    for arch, name in (("gru", "GRU"), ("lstm", "LSTM")):
        out[f"{name} (probit closed form)"] = np.array(
            [critical_gain(arch, s, approximation="probit") for s in grid])
    return out


def probit_errors(bias_stds: Sequence[float], kappa_sq: float = np.pi / 8) -> np.ndarray:
    """Relative error of :func:`~gcrit_utils.theory.sigmoid_sq_moment_probit`, shape (S,).

    Measured against quadrature (:func:`~gcrit_utils.theory.sigmoid_sq_moment`).
    """
    return np.array([sigmoid_sq_moment_probit(s, kappa_sq) / sigmoid_sq_moment(s) - 1.0
                     for s in bias_stds])


# --------------------------------------------------------------------------------------
# Chapter 03: spectrum checks
# --------------------------------------------------------------------------------------
#: (arch, s_b) cases of the finite-N study of the spectral edge.
SPECTRUM_CASES: tuple[tuple[str, float], ...] = (
    ("rnn", 0.5), ("gru", 0.0), ("gru", 0.5), ("gru", 1.0), ("lstm", 0.5), ("lstm", 1.0))

#: Sizes of the stored spectral sweep per scale.
SPECTRUM_SWEEP: dict[str, dict[str, Any]] = {
    "default": {"ns": [250, 500, 1000, 2000], "seeds": list(range(8)),
                "ratios": [0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3]},
    "paper": {"ns": [250, 500, 1000, 2000, 4000], "seeds": list(range(16)),
              "ratios": [0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3]},
}


def zero_state_spectra(arch: str, bias_stds: Sequence[float], ratios: Sequence[float],
                       n: int, seed: int = 0) -> dict[tuple[float, float], np.ndarray]:
    """Eigenvalues of ``J0`` at ``g = ratio * g_c(s_b)`` for every ``(s_b, ratio)``.

    One network (``W0``, ``b0`` from ``seed``) per ``s_b``, shared by all ratios.

    Returns
    -------
    dict
        ``(s_b, ratio) -> complex ndarray of shape (n,)``.
    """
    out = {}
    for s in bias_stds:
        g_c = critical_gain(arch, s)
        net = RandomRNN(arch, n, [r * g_c for r in ratios], s, seed=seed, dtype=torch.float64)
        for r, ev in zip(ratios, zero_state_eigenvalues(net), strict=True):
            out[(float(s), float(r))] = ev
    return out


def spectrum_sweep(cases: Sequence[tuple[str, float]], ns: Sequence[int], seeds: Sequence[int],
                   ratios: Sequence[float], progress: bool = False) -> dict[str, np.ndarray]:
    """Rightmost eigenvalues and edge crossings of ``J0`` over cases, sizes and seeds.

    Parameters
    ----------
    cases : sequence of (arch, s_b), length C
    ns : sequence of int, length K
    seeds : sequence of int, length S
    ratios : sequence of float, length R
        Gains ``g = ratio * g_c`` at which the rightmost eigenvalue is recorded.
    progress : bool
        tqdm bar over (case, n, seed).

    Returns
    -------
    dict of ndarray
        ``g_c`` (C,), ``g_star`` (C, K, S): measured crossing of ``max Re lambda = 1``;
        ``g_fin`` (C, K, S): finite-size prediction from the sampled biases;
        ``rightmost`` (C, K, S, R): ``max Re lambda`` at each ratio; ``edge`` (C, R):
        predicted right edge of the ``N -> inf`` support; ``ns``, ``seeds``, ``ratios``.
    """
    from tqdm import tqdm

    tasks = _spectrum_tasks(cases, ns, seeds, ratios)
    results = [_spectrum_task(t) for t in tqdm(tasks, desc="spectrum sweep",
                                               disable=not progress)]
    return _assemble_spectrum(results, cases, ns, seeds, ratios)


def _spectrum_tasks(cases: Sequence[tuple[str, float]], ns: Sequence[int],
                    seeds: Sequence[int], ratios: Sequence[float]) -> list[dict[str, Any]]:
    return [{"arch": a, "bias_std": float(sb), "n": int(n), "seed": int(seed),
             "ratios": [float(q) for q in ratios]}
            for a, sb in cases for n in ns for seed in seeds]


def _spectrum_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """One grid point of :func:`spectrum_sweep` (module level: runs in any executor)."""
    g_c = critical_gain(task["arch"], task["bias_std"])
    net = RandomRNN(task["arch"], task["n"], [q * g_c for q in task["ratios"]],
                    task["bias_std"], seed=task["seed"], dtype=torch.float64)
    f = net.zero_state_factors()
    return {"g_fin": np.array(f.finite_size_critical_gain()),
            "g_star": np.array(spectral_edge_crossing(f, rtol=1e-6)),
            "rightmost": rightmost_eigenvalues(f).real}


def _assemble_spectrum(results: list[dict[str, np.ndarray]], cases: Sequence[tuple[str, float]],
                       ns: Sequence[int], seeds: Sequence[int],
                       ratios: Sequence[float]) -> dict[str, np.ndarray]:
    c, k, s, r = len(cases), len(ns), len(seeds), len(ratios)
    g_c = np.array([critical_gain(a, sb) for a, sb in cases])
    edge = np.array([[support_right_edge(a, q * gc, sb) for q in ratios]
                     for (a, sb), gc in zip(cases, g_c, strict=True)])
    return {"g_c": g_c,
            "g_star": np.array([x["g_star"] for x in results], dtype=float).reshape(c, k, s),
            "g_fin": np.array([x["g_fin"] for x in results], dtype=float).reshape(c, k, s),
            "rightmost": np.array([x["rightmost"] for x in results]).reshape(c, k, s, r),
            "edge": edge, "ns": np.asarray(ns), "seeds": np.asarray(seeds),
            "ratios": np.asarray(ratios)}


def finite_size_gain_samples(arch: str, bias_std: float, n: int, n_samples: int,
                             seed: int = 0) -> np.ndarray:
    """``g_c^fin`` of ``n_samples`` independent draws of ``n`` gate biases, shape (n_samples,).

    Only the biases are sampled (no weights): this isolates how well ``n`` units sample
    ``E[u^2 v^2/(1-a)^2]``.
    """
    rng = np.random.default_rng(seed)
    gates = {"rnn": ("h",), "gru": ("r", "z"), "lstm": ("i", "f", "o")}[arch]
    biases = {k: bias_std * rng.standard_normal((n_samples, n)) for k in gates}
    a, u, v = zero_state_coefficients(arch, biases)
    return np.mean((u * v) ** 2 / (1.0 - a) ** 2, axis=1) ** -0.5


def top_unit_share(arch: str, bias_std: float, n: int, fraction: float = 0.01,
                   n_samples: int = 200, seed: int = 0) -> np.ndarray:
    """Share of ``sum_j u_j^2 v_j^2/(1-a_j)^2`` carried by the top ``fraction`` of units.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    rng = np.random.default_rng(seed)
    gates = {"rnn": ("h",), "gru": ("r", "z"), "lstm": ("i", "f", "o")}[arch]
    biases = {k: bias_std * rng.standard_normal((n_samples, n)) for k in gates}
    a, u, v = zero_state_coefficients(arch, biases)
    contrib = np.sort((u * v) ** 2 / (1.0 - a) ** 2, axis=1)[:, ::-1]
    top = max(1, int(round(fraction * n)))
    return contrib[:, :top].sum(axis=1) / contrib.sum(axis=1)


def cached_sweep(name: str, params: dict[str, Any], tasks: Sequence[Any], task_fn: Any,
                 assemble: Any, root: Any = None, recompute: bool = False,
                 executor: Any = None) -> dict[str, np.ndarray]:
    """Stored result ``name`` if it was made with ``params``; else run the tasks and store.

    The tasks run through :func:`gcrit_utils.runner.run_grid` (resumable, optionally in an
    executor). A corrupt stored file (checksum mismatch, unreadable) is recomputed.
    """
    from .runner import run_grid
    from .store import CorruptResultError, load_result, result_exists

    if not recompute and result_exists(name, root):
        try:
            data, meta = load_result(name, root)
            if meta.get("params") == params:
                return data
        except CorruptResultError:
            pass
    return run_grid(name, params, tasks, task_fn, assemble, root=root, executor=executor)


def stored_spectrum_sweep(scale: str | None = None, root: Any = None, recompute: bool = False,
                          executor: Any = None) -> dict[str, np.ndarray]:
    """The spectral sweep of chapter 03 at ``scale``, from ``results/`` or computed.

    Computed as resumable tasks (:func:`gcrit_utils.runner.run_grid`), optionally in an
    executor.
    """
    scale = current_scale(scale)
    cfg = SPECTRUM_SWEEP[scale]
    params = {"cases": [list(c) for c in SPECTRUM_CASES], **cfg}
    cases = [tuple(c) for c in params["cases"]]
    tasks = _spectrum_tasks(cases, cfg["ns"], cfg["seeds"], cfg["ratios"])
    return cached_sweep(f"spectrum_sweep_{scale}", params, tasks, _spectrum_task,
                   lambda res: _assemble_spectrum(res, cases, cfg["ns"], cfg["seeds"],
                                                  cfg["ratios"]),
                        root, recompute, executor)


# --------------------------------------------------------------------------------------
# Chapter 04: Lyapunov exponents and the phase diagram
# --------------------------------------------------------------------------------------
#: (arch, s_b) cases of the Lyapunov-vs-gain study.
LYAPUNOV_CASES: tuple[tuple[str, float], ...] = tuple(
    (arch, s) for arch in ("rnn", "gru", "lstm") for s in (0.0, 0.5, 1.0))

#: Sizes of the stored Lyapunov sweeps per scale.
LYAPUNOV_SWEEP: dict[str, dict[str, Any]] = {
    "default": {"n": 500, "seeds": [0, 1, 2], "ratios": np.round(np.linspace(0.6, 2.4, 37), 3)
                .tolist(), "steps": 2000, "warmup": 1000},
    "paper": {"n": 1000, "seeds": list(range(6)), "ratios": np.round(np.linspace(0.6, 2.4, 73),
                                                                        3).tolist(),
              "steps": 4000, "warmup": 2000},
}

PHASE_SWEEP: dict[str, dict[str, Any]] = {
    "default": {"n": 300, "seed": 0, "bias_stds": [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5],
                "gains": np.round(np.linspace(0.1, 3.5, 35), 3).tolist(), "steps": 1500,
                "warmup": 1000},
    "paper": {"n": 1000, "seed": 0, "bias_stds": np.round(np.linspace(0.0, 2.0, 17), 3).tolist(),
              "gains": np.round(np.linspace(0.05, 3.5, 70), 3).tolist(), "steps": 3000,
              "warmup": 2000},
}

#: Threshold above which an exponent counts as chaos (nats per step).
CHAOS_THRESHOLD = 0.005


def first_crossing(x: Sequence[float], y: Sequence[float], level: float = 0.0) -> float:
    """First upward crossing of ``level`` by the piecewise-linear curve ``y(x)``.

    Returns ``x[0]`` if ``y[0] > level`` already, and ``inf`` if ``y`` never exceeds it.
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    above = np.nonzero(ya > level)[0]
    if above.size == 0:
        return float("inf")
    k = int(above[0])
    if k == 0:
        return float(xa[0])
    x0, x1, y0, y1 = xa[k - 1], xa[k], ya[k - 1], ya[k]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


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
    out = [_lyapunov_task({"arch": arch, "bias_std": float(bias_std),
                           "gains": [float(x) for x in gains], "n": int(n), "seed": int(seed),
                           "steps": int(steps), "warmup": int(warmup), "progress": progress})
           for seed in seeds]
    return {"exponents": np.array([o["exponents"] for o in out]),
            "stderr": np.array([o["stderr"] for o in out])}


def _lyapunov_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """``lambda_max`` for all gains of one (arch, s_b, seed) (module level, picklable)."""
    net = RandomRNN(task["arch"], task["n"], task["gains"], task["bias_std"], seed=task["seed"],
                    dtype=torch.float64)
    res = max_lyapunov(net, steps=task["steps"], warmup=task["warmup"], seed=task["seed"],
                       progress=task.get("progress", False))
    return {"exponents": res.exponents, "stderr": res.stderr}


def lyapunov_sweep(cases: Sequence[tuple[str, float]], n: int, seeds: Sequence[int],
                   ratios: Sequence[float], steps: int, warmup: int,
                   progress: bool = False) -> dict[str, np.ndarray]:
    """``lambda_max`` vs ``g = ratio * g_c`` for every case (zero-state ``g_c``), in memory.

    Returns
    -------
    dict of ndarray
        ``g_c`` (C,), ``g_mf`` (C,) mean-field ``g_c`` (``nan`` for gated cells, which
        have none yet), ``exponents`` and ``stderr`` (C, S, R), ``ratios`` (R,), ``seeds``.
    """
    from tqdm import tqdm

    tasks = _lyapunov_tasks(cases, n, seeds, ratios, steps, warmup)
    results = [_lyapunov_task(t) for t in tqdm(tasks, desc="lyapunov sweep",
                                               disable=not progress)]
    return _assemble_lyapunov(results, cases, seeds, ratios)


def _assemble_lyapunov(results: list[dict[str, np.ndarray]], cases: Sequence[tuple[str, float]],
                       seeds: Sequence[int], ratios: Sequence[float]) -> dict[str, np.ndarray]:
    shape = (len(cases), len(seeds), len(ratios))
    return {"g_c": np.array([critical_gain(a, sb) for a, sb in cases]),
            "g_mf": np.array([critical_gain(a, sb, method="mean_field") if a == "rnn"
                              else np.nan for a, sb in cases]),
            "exponents": np.array([r["exponents"] for r in results]).reshape(shape),
            "stderr": np.array([r["stderr"] for r in results]).reshape(shape),
            "ratios": np.asarray(ratios), "seeds": np.asarray(seeds)}


def phase_diagram(arch: str, bias_stds: Sequence[float], gains: Sequence[float], n: int,
                  seed: int, steps: int, warmup: int,
                  progress: bool = False) -> dict[str, np.ndarray]:
    """``lambda_max`` on the grid ``bias_stds x gains`` for one seed, in memory.

    Returns
    -------
    dict
        ``exponents`` (S_b, G), ``bias_stds``, ``gains``.
    """
    from tqdm import tqdm

    tasks = _phase_tasks(arch, bias_stds, gains, n, seed, steps, warmup)
    results = [_lyapunov_task(t) for t in tqdm(tasks, desc=f"phase diagram {arch}",
                                               disable=not progress)]
    return _assemble_phase(results, bias_stds, gains)


def _phase_tasks(arch: str, bias_stds: Sequence[float], gains: Sequence[float], n: int,
                 seed: int, steps: int, warmup: int) -> list[dict[str, Any]]:
    return [{"arch": arch, "bias_std": float(sb), "gains": [float(x) for x in gains],
             "n": int(n), "seed": int(seed), "steps": int(steps), "warmup": int(warmup)}
            for sb in bias_stds]


def _assemble_phase(results: list[dict[str, np.ndarray]], bias_stds: Sequence[float],
                    gains: Sequence[float]) -> dict[str, np.ndarray]:
    return {"exponents": np.array([r["exponents"] for r in results]),
            "bias_stds": np.asarray(bias_stds), "gains": np.asarray(gains)}


def crossing_gains(data: dict[str, np.ndarray], level: float) -> np.ndarray:
    """First upward crossing of ``level`` by ``lambda_max(g)``, per case and seed, shape (C, S).

    ``data`` is a Lyapunov sweep (:func:`lyapunov_sweep`); gains are absolute
    (``ratio * g_c``); ``inf`` where the exponent never exceeds ``level`` on the grid.
    """
    return np.array([[first_crossing(data["ratios"] * g_c, e, level) for e in exps]
                     for g_c, exps in zip(data["g_c"], data["exponents"], strict=True)])


def _lyapunov_tasks(cases: Sequence[tuple[str, float]], n: int, seeds: Sequence[int],
                    ratios: Sequence[float], steps: int, warmup: int) -> list[dict[str, Any]]:
    return [{"arch": a, "bias_std": float(sb),
             "gains": [float(q * critical_gain(a, sb)) for q in ratios], "n": int(n),
             "seed": int(seed), "steps": int(steps), "warmup": int(warmup)}
            for a, sb in cases for seed in seeds]


def stored_lyapunov_sweep(scale: str | None = None, root: Any = None, recompute: bool = False,
                          executor: Any = None) -> dict[str, np.ndarray]:
    """The Lyapunov-vs-gain sweep of chapter 04, from ``results/`` or computed (resumable)."""
    scale = current_scale(scale)
    cfg = LYAPUNOV_SWEEP[scale]
    params = {"cases": [list(c) for c in LYAPUNOV_CASES], **cfg}
    cases = [tuple(c) for c in params["cases"]]
    tasks = _lyapunov_tasks(cases, cfg["n"], cfg["seeds"], cfg["ratios"], cfg["steps"],
                            cfg["warmup"])
    return cached_sweep(f"lyapunov_sweep_{scale}", params, tasks, _lyapunov_task,
                        lambda res: _assemble_lyapunov(res, cases, cfg["seeds"], cfg["ratios"]),
                        root, recompute, executor)


def stored_phase_diagram(arch: str, scale: str | None = None, root: Any = None,
                         recompute: bool = False, executor: Any = None) -> dict[str, np.ndarray]:
    """The phase diagram of ``arch`` for chapter 04, from ``results/`` or computed (resumable)."""
    scale = current_scale(scale)
    cfg = PHASE_SWEEP[scale]
    params = {"arch": arch, **cfg}
    tasks = _phase_tasks(arch, cfg["bias_stds"], cfg["gains"], cfg["n"], cfg["seed"],
                         cfg["steps"], cfg["warmup"])
    return cached_sweep(f"phase_diagram_{arch}_{scale}", params, tasks, _lyapunov_task,
                        lambda res: _assemble_phase(res, cfg["bias_stds"], cfg["gains"]),
                        root, recompute, executor)
