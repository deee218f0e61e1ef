"""Figures of the training chapter: loss curves per initialisation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.training import INIT_COMPARISON, sweep_init_comparison
from ._style import PAGE, cell_label

__all__ = ["figure_init_comparison", "FIGURES"]


def figure_init_comparison(data: dict[str, np.ndarray], archs: Sequence[str],
                           tasks: Sequence[Sequence], inits: Sequence[str]) -> Figure:
    """Training loss curves (mean over seeds, shaded min-max), one panel per (arch, task),
    one line per initialisation."""
    fig, axes = plt.subplots(len(archs), len(tasks), figsize=(PAGE, 1.9 * len(archs) + 0.4),
                             sharex=True, squeeze=False)
    for a, arch in enumerate(archs):
        for t, (task, length) in enumerate(tasks):
            ax = axes[a, t]
            for k, init in enumerate(inits):
                curves = data["losses"][a, t, k]  # (S, K)
                curves = np.where(np.isfinite(curves), curves, np.nan)
                kernel = np.ones(10) / 10  # running mean over the last 10 steps
                smooth = np.array([np.convolve(c, kernel, mode="valid") for c in curves])
                steps = np.arange(kernel.size, curves.shape[1] + 1)
                ax.plot(steps, np.nanmean(smooth, axis=0), lw=1, color=f"C{k}", label=init)
                ax.fill_between(steps, np.nanmin(smooth, axis=0), np.nanmax(smooth, axis=0),
                                color=f"C{k}", alpha=0.15, lw=0)
            ax.set_yscale("log")
            ax.set_title(f"{cell_label(arch)}, {task} ({length})", fontsize=7)
            if a == len(archs) - 1:
                ax.set_xlabel("Adam step")
        axes[a, 0].set_ylabel("loss / chance")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def _curves(scale: str) -> Figure:
    cfg = INIT_COMPARISON[scale]
    return figure_init_comparison(sweep_init_comparison(scale).load(), cfg["archs"],
                                  cfg["tasks"], cfg["inits"])


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {"init_comparison": _curves}
