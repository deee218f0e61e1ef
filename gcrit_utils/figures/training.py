"""Figures of the training chapter: loss curves per initialisation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.training import (
    INIT_COMPARISON,
    SOLVED,
    init_survey_results,
    init_survey_summary,
    sweep_init_comparison,
)
from ._style import PAGE, cell_label

__all__ = ["figure_init_comparison", "figure_init_survey", "FIGURES"]


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
def figure_init_survey(rows: Sequence[dict]) -> Figure:
    """Final loss over chance per initialisation (median over seeds, bars: the interval of
    :func:`~gcrit_utils.intervals.median_interval`), one panel per (cell, task); ``rows`` from
    :func:`~gcrit_utils.experiments.training.init_survey_summary`."""
    archs = list(dict.fromkeys(r["arch"] for r in rows))
    tasks = list(dict.fromkeys((r["task"], r["length"]) for r in rows))
    inits = list(dict.fromkeys(r["init"] for r in rows))
    fig, axes = plt.subplots(len(archs), len(tasks), figsize=(PAGE, 2.2 * len(archs) + 1.0),
                             sharex=True, sharey=True, squeeze=False)
    for a, arch in enumerate(archs):
        for t, (task, length) in enumerate(tasks):
            ax = axes[a, t]
            sel = [r for r in rows if r["arch"] == arch and (r["task"], r["length"]) ==
                   (task, length)]
            x = [inits.index(r["init"]) for r in sel]
            med = np.array([r["median"] for r in sel])
            err = np.array([[r["median"] - r["low"] for r in sel],
                            [r["high"] - r["median"] for r in sel]])
            ax.errorbar(x, med, yerr=err, fmt="o", ms=4, lw=0.9, color="C0",
                        label="median over seeds")
            ax.axhline(1.0, color="0.4", lw=0.8, ls="--", label="chance")
            ax.axhline(SOLVED, color="C2", lw=0.8, ls=":", label="solved below")
            ax.set_yscale("log")
            ax.set_title(f"{cell_label(arch)}, {task} {length}", fontsize=8)
            ax.set_xticks(range(len(inits)))
            ax.set_xticklabels(inits, rotation=60, ha="right", fontsize=6)
        axes[a, 0].set_ylabel("final loss / chance")
    for ax in axes[-1]:
        ax.set_xlabel("initialisation")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def _survey(scale: str) -> Figure:
    return figure_init_survey(init_survey_summary(*init_survey_results(scale)))


FIGURES: dict[str, Callable[[str], Figure]] = {"init_comparison": _curves,
                                               "init_survey": _survey}
