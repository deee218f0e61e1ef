"""Chapter on the spectrum: eigenvalue clouds, the edge and its crossing for finite ``N``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..cells import get_cell
from ..network import RandomRNN
from ..spectra import rightmost_eigenvalues, spectral_edge_crossing, zero_state_eigenvalues
from ..sweep import Sweep, freeze
from ..theory import critical_gain, support_right_edge
from .scale import current_scale

__all__ = [
    "SPECTRUM_CASES",
    "SPECTRUM_SIZES",
    "zero_state_spectra",
    "spectrum_tasks",
    "spectrum_task",
    "assemble_spectrum",
    "spectrum_sweep",
    "sweep_spectrum",
    "finite_size_gain_samples",
    "top_unit_share",
]

#: (arch, s_b) cases of the finite-N study of the spectral edge.
SPECTRUM_CASES: tuple[tuple[str, float], ...] = (
    ("rnn", 0.5), ("gru", 0.0), ("gru", 0.5), ("gru", 1.0), ("lstm", 0.5), ("lstm", 1.0))

#: Sizes of the stored spectral sweep per scale.
SPECTRUM_SIZES: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"ns": [250, 500, 1000, 2000], "seeds": list(range(8)),
                "ratios": [0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3]},
    "paper": {"ns": [250, 500, 1000, 2000, 4000], "seeds": list(range(16)),
              "ratios": [0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3]},
})


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



def spectrum_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (case, N, seed), in that order."""
    return [{"arch": a, "bias_std": float(sb), "n": int(n), "seed": int(seed),
             "ratios": [float(q) for q in config["ratios"]]}
            for a, sb in config["cases"] for n in config["ns"] for seed in config["seeds"]]


def spectrum_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """One grid point: ``g_c^fin``, the measured crossing ``g*`` and the rightmost
    eigenvalues (module level: runs in any executor)."""
    g_c = critical_gain(task["arch"], task["bias_std"])
    net = RandomRNN(task["arch"], task["n"], [q * g_c for q in task["ratios"]],
                    task["bias_std"], seed=task["seed"], dtype=torch.float64)
    f = net.zero_state_factors()
    return {"g_fin": np.array(f.finite_size_critical_gain()),
            "g_star": np.array(spectral_edge_crossing(f, rtol=1e-6)),
            "rightmost": rightmost_eigenvalues(f).real}


def assemble_spectrum(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                      ) -> dict[str, np.ndarray]:
    """Arrays of :func:`spectrum_sweep` from the task results (in task order)."""
    cases, ns, seeds, ratios = (config[k] for k in ("cases", "ns", "seeds", "ratios"))
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


def _definition(name: str, cases: Sequence[tuple[str, float]], sizes: Mapping[str, Any]
                ) -> Sweep:
    return Sweep(name, {"cases": [list(c) for c in cases], **sizes}, spectrum_tasks,
                 spectrum_task, assemble_spectrum)


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
    sizes = {"ns": list(ns), "seeds": list(seeds), "ratios": list(ratios)}
    return _definition("spectrum_sweep", cases, sizes).compute(progress)


def sweep_spectrum(scale: str | None = None) -> Sweep:
    """The stored spectral sweep of the chapter (entry ``spectrum_sweep_<scale>``)."""
    scale = current_scale(scale)
    return _definition(f"spectrum_sweep_{scale}", SPECTRUM_CASES, SPECTRUM_SIZES[scale])


def _sampled_contributions(arch: str, bias_std: float, n: int, n_samples: int, seed: int
                           ) -> np.ndarray:
    """``u_j^2 v_j^2/(1-a_j)^2`` of ``n_samples`` draws of ``n`` gate biases, (n_samples, n)."""
    cell = get_cell(arch)
    rng = np.random.default_rng(seed)
    biases = {k: bias_std * rng.standard_normal((n_samples, n)) for k in cell.gates
              if k != cell.candidate}
    a, u, v = cell.zero_state_diagonals(biases)
    return (u * v) ** 2 / (1.0 - a) ** 2


def finite_size_gain_samples(arch: str, bias_std: float, n: int, n_samples: int,
                             seed: int = 0) -> np.ndarray:
    """``g_c^fin`` of ``n_samples`` independent draws of ``n`` gate biases, shape (n_samples,).

    Only the biases are sampled (no weights): this isolates how well ``n`` units sample
    ``E[u^2 v^2/(1-a)^2]``.
    """
    return np.mean(_sampled_contributions(arch, bias_std, n, n_samples, seed), axis=1) ** -0.5


def top_unit_share(arch: str, bias_std: float, n: int, fraction: float = 0.01,
                   n_samples: int = 200, seed: int = 0) -> np.ndarray:
    """Share of ``sum_j u_j^2 v_j^2/(1-a_j)^2`` carried by the top ``fraction`` of units.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    contrib = np.sort(_sampled_contributions(arch, bias_std, n, n_samples, seed), axis=1)[:, ::-1]
    top = max(1, int(round(fraction * n)))
    return contrib[:, :top].sum(axis=1) / contrib.sum(axis=1)
