"""Figures of the training chapter: final losses per initialisation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.training import (
    SOLVED,
    init_survey_results,
    init_survey_summary,
    lorenz_one_step_baselines,
)
from ..training import TASK_LABELS
from ._style import PAGE, cell_label

__all__ = ["figure_init_survey", "FIGURES"]


def figure_init_survey(rows: Sequence[dict],
                       baselines: Mapping[str, Mapping[str, float]] | None = None) -> Figure:
    """Final loss over chance per initialisation (median over seeds, bars: the interval of
    :func:`~gcrit_utils.intervals.median_interval`), one panel per (cell, task), each panel
    on its own logarithmic scale.

    Parameters
    ----------
    rows : sequence of dict
        From :func:`~gcrit_utils.experiments.training.init_survey_summary`.
    baselines : mapping, optional
        Task name -> {label: loss / chance} of reference predictors, drawn as horizontal
        lines in that task's panels (e.g. persistence on Lorenz-63).
    """
    archs = list(dict.fromkeys(r["arch"] for r in rows))
    tasks = list(dict.fromkeys((r["task"], r["length"]) for r in rows))
    inits = list(dict.fromkeys(r["init"] for r in rows))
    fig, axes = plt.subplots(len(archs), len(tasks), figsize=(PAGE, 2.4 * len(archs) + 1.4),
                             sharex=True, squeeze=False)
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
            for k, (label, value) in enumerate((baselines or {}).get(task, {}).items()):
                ax.axhline(value, color=f"C{3 + k}", lw=0.8, ls="-.",
                           label=f"{label} ({TASK_LABELS[task]})")
            ax.set_yscale("log")
            ax.set_title(f"{cell_label(arch)}, {TASK_LABELS[task]} {length}", fontsize=8)
            ax.set_xticks(range(len(inits)))
            ax.set_xticklabels(inits, rotation=60, ha="right", fontsize=6)
        axes[a, 0].set_ylabel("final loss / chance")
    for ax in axes[-1]:
        ax.set_xlabel("initialisation")
    # one legend for the figure, above the panels, each line once
    entries: dict[str, Any] = {}
    for ax in axes.ravel():
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries), loc="upper center",
               ncol=len(entries), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def _survey(scale: str) -> Figure:
    return figure_init_survey(init_survey_summary(*init_survey_results(scale)),
                              {"lorenz": lorenz_one_step_baselines()})


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {"init_survey": _survey}
