"""Figures of the chapter beyond the zero state: predicted against measured losses of stability."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.beyond import BEYOND_CASES, sweep_beyond
from ._style import PAGE, cell_label, finite

__all__ = ["figure_beyond_lyapunov", "figure_beyond_errors", "FIGURES"]


def _beyond_label(case: Sequence) -> str:
    arch, s, cand = case
    tail = rf", candidate ${cand:g}$" if cand else ""
    return rf"{cell_label(arch)} $s_b={s:g}${tail}"


def figure_beyond_lyapunov(data: dict[str, np.ndarray], cases: Sequence[tuple[str, float, float]]
                           ) -> Figure:
    """``lambda_max`` vs ``g / g_c^{MF}`` for the cases where ``h = 0`` is not a fixed point
    (mean ± s.e. over seeds), with the fixed-point crossings (dots) and the zero-state
    ``g_c`` (triangles) in the same units."""
    shown = [i for i, c in enumerate(cases) if c[0] == "rnn" and c[1] > 0 or c[2] > 0]
    fig, ax = plt.subplots(figsize=(PAGE, 2.8))
    ratios = data["ratios"]
    for k, i in enumerate(shown):
        vals = data["exponents"][i]
        sem = vals.std(axis=0, ddof=1) / np.sqrt(vals.shape[0])
        color = f"C{k}"
        ax.errorbar(ratios, vals.mean(axis=0), yerr=sem, color=color, marker="o", ms=3.5, lw=1,
                    capsize=1.2, label=_beyond_label(cases[i]))
        fp = data["g_fixed_point"][i] / data["g_mean_field"][i]
        ax.plot(fp, np.full(fp.shape, 0.012 + 0.002 * k), "o", color=color, ms=3.5,
                mfc="none")
        zs = data["g_zero_state"][i, 0] / data["g_mean_field"][i, 0]
        if zs >= ratios[0] - 0.5:
            ax.plot(max(zs, ratios[0] - 0.02), -0.04, marker="<" if zs < ratios[0] else "v",
                    color=color, ms=5)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel(r"$g / g_c^{\mathrm{MF}}$")
    ax.set_ylabel(r"$\lambda_{\max}$ [nats / step]")
    ax.set_title("open circles: fixed point loses stability (one per seed); "
                 "arrows: zero-state $g_c$ is further left", fontsize=7)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def figure_beyond_errors(data: dict[str, np.ndarray], cases: Sequence[tuple[str, float, float]]
                         ) -> Figure:
    """Relative error of each criterion against the measured loss of stability of the
    fixed point, ``g_fp / g_pred - 1`` (mean ± s.e. over seeds), per case; band ±3%."""
    preds = [("g_zero_state", "zero state ($N\\to\\infty$)", "s"),
             ("g_finite", r"zero state, sampled biases ($g_c^{\mathrm{fin}}$)", "D"),
             ("g_mean_field", "mean field", "o")]
    fig, ax = plt.subplots(figsize=(PAGE, 3.0))
    x = np.arange(len(cases))
    for k, (key, label, marker) in enumerate(preds):
        err = 100.0 * (data["g_fixed_point"] / data[key] - 1.0)
        mean = err.mean(axis=1)
        sem = err.std(axis=1, ddof=1) / np.sqrt(err.shape[1])
        ax.errorbar(x + 0.2 * (k - 1), finite(mean, label), yerr=finite(sem, label),
                    marker=marker, ms=3.5,
                    ls="none", capsize=1.5, color=f"C{k}", label=label)
    ax.axhspan(-3, 3, color="0.85", zorder=0, label="±3%")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xticks(x, [_beyond_label(c) for c in cases], rotation=60, ha="right", fontsize=6)
    ax.set_xlabel("network (cell, gate-bias spread, candidate-bias spread)")
    ax.set_ylabel(r"$g_{\mathrm{fp}} / g_{\mathrm{pred}} - 1$ [%]")
    ax.set_yscale("symlog", linthresh=10)
    ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return fig


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {
    "beyond_lyapunov": lambda scale: figure_beyond_lyapunov(sweep_beyond(scale).load(),
                                                            BEYOND_CASES),
    "beyond_errors": lambda scale: figure_beyond_errors(sweep_beyond(scale).load(),
                                                        BEYOND_CASES),
}
