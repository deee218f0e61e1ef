"""Figures of the derivation chapter: ``g_c(s_b)`` and the probit closed form."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.criterion import critical_gain_curves, probit_errors
from ._style import PAGE

__all__ = ["figure_critical_gains", "FIGURES"]


def figure_critical_gains(bias_stds: Sequence[float] | None = None) -> Figure:
    """``g_c(s_b)`` per architecture and per-gate variant, and the probit error.

    Left: every curve of :func:`critical_gain_curves` (probit closed forms dotted).
    Right: relative error of the probit approximation of ``E[sigma(b)^2]``.
    """
    grid = np.linspace(0.0, 2.0, 81) if bias_stds is None else np.asarray(bias_stds, float)
    curves = critical_gain_curves(grid)
    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(PAGE, 3.6),
                                     gridspec_kw={"width_ratios": [1.6, 1]})
    colors = {"tanh RNN": "C0", "GRU": "C1", "LSTM": "C2"}
    for label, values in curves.items():
        color = next(c for k, c in colors.items() if label.startswith(k))
        if "probit" in label:
            ls = ":"
        elif "b_i" in label:
            ls = "-."
        elif "only" in label or "mean" in label:
            ls = "--"
        else:
            ls = "-"
        ax.plot(grid, values, color=color, ls=ls, lw=1.0 if ls == ":" else 1.4, label=label)
    ax.axhline(1.0, color="0.7", lw=0.6)
    ax.set_xlabel(r"bias spread $s_b$")
    ax.set_ylabel(r"critical gain $g_c$")
    ax.set_ylim(0.0, 2.6)
    ax.legend(ncol=2, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    big = np.linspace(0.0, 5.0, 201)
    for k2, name in ((np.pi / 8, r"$\kappa^2=\pi/8$"), (1 / 1.702**2, r"$\kappa=1/1.702$")):
        ax_err.plot(big, 100 * probit_errors(big, k2), label=name)
    ax_err.axhline(0.0, color="0.7", lw=0.6)
    ax_err.set_xlabel(r"$s$")
    ax_err.set_ylabel(r"probit error of $E[\sigma(b)^2]$ [%]")
    ax_err.legend()
    fig.tight_layout()
    return fig


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {
    "critical_gains": lambda scale: figure_critical_gains(),
}
