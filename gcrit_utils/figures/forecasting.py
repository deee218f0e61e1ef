"""Figures of the forecasting chapter: VPT against the gain, per cell, system and scale."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..experiments.forecast_analysis import system_rows
from ..experiments.forecasting import (
    ENTRY_LABELS,
    FORECAST_ENTRIES,
    MEMORY_TASKS,
    example_forecast,
    forecast_map,
    scale_label,
)
from ..lyapunov import CHAOS_THRESHOLD, first_crossing
from ..systems import SYSTEMS
from ._style import PAGE, cell_label, finite

__all__ = [
    "figure_vpt_by_cell",
    "figure_scale_change",
    "figure_forecast_vs_gain",
    "figure_example_forecasts",
    "FIGURES",
]


def figure_forecast_vs_gain(data: dict[str, np.ndarray], readout: str = "squared",
                            title: str | None = None) -> Figure:
    """VPT (top) and driven/autonomous ``lambda_max`` (bottom) vs ``g / g_ref`` per arch.

    One column per architecture, one colour per ``s_b``; mean ± s.e. over seeds of the
    window-averaged VPT. Markers on the top axis: the driven-exponent zero crossing
    (triangle) and the autonomous chaos onset (square); the tanh RNN's mean-field ``g_c``
    (diamond). The minimalRNN has no ``g_c``: its axis is ``g``.
    """
    k = list(data["readouts"]).index(readout)
    archs = [str(a) for a in data["archs"]]
    ratios = data["ratios"]
    n_seeds = data["vpt_mean"].shape[2]
    fig, axes = plt.subplots(2, len(archs), figsize=(PAGE, 4.4), sharex="col",
                             squeeze=False, gridspec_kw={"height_ratios": [1.5, 1]})
    for j, arch in enumerate(archs):
        ax, ax_l = axes[0, j], axes[1, j]
        for s, sb in enumerate(data["bias_stds"]):
            vpt = finite(data["vpt_mean"][j, s, :, k], "VPT")
            sem = vpt.std(axis=0, ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else 0 * vpt[0]
            ax.errorbar(ratios, vpt.mean(axis=0), yerr=sem, color=f"C{s}", marker="o", ms=3.5,
                        lw=1, capsize=1.2, label=rf"$s_b={sb:g}$")
            drv = finite(data["lyap_driven"][j, s], "driven exponent").mean(axis=0)
            aut = finite(data["lyap_autonomous"][j, s], "autonomous exponent").mean(axis=0)
            ax_l.plot(ratios, drv, color=f"C{s}", lw=1)
            ax_l.plot(ratios, aut, color=f"C{s}", lw=1, ls=":")
            x_drv = first_crossing(ratios, drv, 0.0)
            x_aut = first_crossing(ratios, aut, CHAOS_THRESHOLD)
            for x, marker in ((x_drv, "^"), (x_aut, "s")):
                if np.isfinite(x):
                    ax.plot(x, 0.0, marker=marker, color=f"C{s}", ms=5, ls="none",
                            clip_on=False, zorder=5)
            g_mf = data["g_mf"][j, s]
            if np.isfinite(g_mf) and sb > 0:
                ax.plot(g_mf / data["g_ref"][j, s], 0.0, marker="D", color=f"C{s}", ms=4,
                        ls="none", mfc="white", clip_on=False, zorder=5)
        ax_l.axhline(0.0, color="k", lw=0.6)
        for a in (ax, ax_l):
            if arch != "minimalrnn":
                a.axvline(1.0, color="0.5", lw=0.8, ls="--")
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_ylim(bottom=0.0)
        ax_l.set_xlabel(r"$g$" if arch == "minimalrnn" else r"$g / g_c$")
    axes[0, 0].set_ylabel("VPT [Lyapunov times]")
    axes[1, 0].set_ylabel(r"$\lambda_{\max}$ [nats/step]")
    handles = [Line2D([], [], color=f"C{s}", lw=1, label=rf"$s_b={sb:g}$")
               for s, sb in enumerate(data["bias_stds"])]
    handles += [Line2D([], [], color="k", marker="^", ls="none", ms=4,
                       label=r"driven $\lambda=0$"),
                Line2D([], [], color="k", marker="s", ls="none", ms=4,
                       label=r"autonomous $\lambda>0.005$"),
                Line2D([], [], color="k", lw=1, label="driven (bottom)"),
                Line2D([], [], color="k", lw=1, ls=":", label="autonomous (bottom)")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=6,
               frameon=False, bbox_to_anchor=(0.5, -0.02))
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def figure_vpt_by_cell(maps: Mapping[str, Mapping[str, np.ndarray]],
                       titles: Mapping[str, str] | None = None,
                       units: Mapping[str, str] | None = None, readout: str = "squared",
                       bias_std: float = 0.5, archs: Sequence[str] = ("rnn", "gru", "lstm")
                       ) -> Figure:
    """VPT against ``g / g_c``, one panel per map, one line per cell: the seed mean with a band
    of one standard error.

    Parameters
    ----------
    maps : mapping
        Name -> forecasting map (:func:`~gcrit_utils.experiments.forecasting.forecast_map`).
    titles, units : mapping, optional
        Panel title and VPT unit per name (``"Lyapunov times"`` by default).
    readout : str
        Readout features.
    bias_std : float
        The bias spread drawn (every map must hold it).
    archs : sequence of str
        Cells drawn (those with a ``g_c``; each must be in every map).
    """
    fig, axes = plt.subplots(1, len(maps), figsize=(PAGE, 2.5), sharex=True, squeeze=False)
    for ax, (name, data) in zip(axes[0], maps.items(), strict=True):
        k = list(data["readouts"]).index(readout)
        s = list(np.asarray(data["bias_stds"], dtype=float)).index(bias_std)
        for j, arch in enumerate(archs):
            a = list(data["archs"]).index(arch)
            vpt = finite(data["vpt_mean"][a, s, :, k], "VPT")
            mean = vpt.mean(axis=0)
            sem = vpt.std(axis=0, ddof=1) / np.sqrt(len(vpt)) if len(vpt) > 1 else 0 * mean
            ax.plot(data["ratios"], mean, color=f"C{j}", lw=1.2, label=cell_label(arch))
            ax.fill_between(data["ratios"], mean - sem, mean + sem, color=f"C{j}", alpha=0.25,
                            lw=0)
        ax.axvline(1.0, color="0.4", lw=0.8, ls="--")
        ax.set_xlim(0.0, 1.6)
        ax.set_ylim(bottom=0.0)
        ax.set_title((titles or {}).get(name, name), fontsize=8)
        ax.set_xlabel(r"$g / g_c$")
        ax.set_ylabel(f"VPT [{(units or {}).get(name, 'Lyapunov times')}]")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    # above the panels: inside, a legend would cover a curve on some task
    fig.legend(handles, labels, loc="upper center", ncol=len(archs), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def figure_scale_change(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]],
                        labels: Mapping[str, str], before_label: str, after_label: str
                        ) -> Figure:
    """What a larger reservoir changes: the cliff (left) and the best VPT (right) per row.

    Parameters
    ----------
    before, after : sequence of dict
        :func:`~gcrit_utils.experiments.forecast_analysis.system_rows` of the same maps and
        cells at two scales, in the same order.
    labels : mapping
        Map name -> short label for the right panel's axis.
    before_label, after_label : str
        The two scales, e.g. ``"N = 500"``.
    """
    pairs = list(zip(before, after, strict=True))
    for b, a in pairs:
        if (b["name"], b["arch"]) != (a["name"], a["arch"]):
            raise ValueError("before and after must list the same rows in the same order")
    archs = list(dict.fromkeys(b["arch"] for b in before))
    names = list(dict.fromkeys(b["name"] for b in before))
    fig, (left, right) = plt.subplots(1, 2, figsize=(PAGE, 2.9),
                                      gridspec_kw={"width_ratios": [1, 1.6]})
    width = 0.8 / len(archs)
    for j, arch in enumerate(archs):
        rows = [(b, a) for b, a in pairs if b["arch"] == arch]
        left.errorbar([b["cliff"][0] for b, _ in rows], [a["cliff"][0] for _, a in rows],
                      yerr=np.array([[a["cliff"][0] - a["cliff"][1], a["cliff"][2] - a["cliff"][0]]
                                     for _, a in rows]).T,
                      color=f"C{j}", marker="o", ms=4, ls="none", capsize=1.5,
                      label=cell_label(arch))
        x = np.array([names.index(b["name"]) for b, _ in rows]) + (j - (len(archs) - 1) / 2) * width
        ratio = np.array([a["vpt_best"] / b["vpt_best"] for b, a in rows])
        err = ratio * np.hypot([b["vpt_best_se"] / b["vpt_best"] for b, _ in rows],
                               [a["vpt_best_se"] / a["vpt_best"] for _, a in rows])
        right.errorbar(x, ratio, yerr=err, color=f"C{j}", marker="o", ms=4, ls="none",
                       capsize=1.5, label=cell_label(arch))
    lims = (0.4, 1.4)
    left.plot(lims, lims, color="0.5", lw=0.8, ls="--")
    left.set_xlim(lims)
    left.set_ylim(lims)
    left.set_aspect("equal")
    left.set_xlabel(f"cliff at {before_label} [$g / g_c$]")
    left.set_ylabel(f"cliff at {after_label} [$g / g_c$]")
    left.legend(fontsize=6, loc="upper left")
    right.axhline(1.0, color="0.5", lw=0.8, ls="--")
    right.set_xticks(range(len(names)))
    right.set_xticklabels([labels.get(n, n) for n in names], fontsize=6, rotation=30,
                          ha="right")
    right.set_ylabel(f"best VPT, {after_label} / {before_label}")
    fig.tight_layout()
    return fig


def figure_example_forecasts(example: dict[str, np.ndarray], component: int = 0) -> Figure:
    """True vs predicted trajectories at several gains (from
    :func:`gcrit_utils.forecast.example_forecast`), time in Lyapunov times."""
    ratios = example["ratios"]
    fig, axes = plt.subplots(len(ratios), 1, figsize=(PAGE, 1.1 * len(ratios) + 0.6),
                             sharex=True, squeeze=False)
    t = example["time"]
    for ax, r, pred, vpt in zip(axes[:, 0], ratios, example["prediction"], example["vpt"],
                                strict=True):
        ax.plot(t, example["truth"][:, component], color="k", lw=1, label="truth")
        shown = np.clip(finite(pred[:, component], "prediction"), -5, 5)
        ax.plot(t, shown, color="C3", lw=1, ls="--", label="closed-loop forecast")
        ax.axvline(vpt, color="C0", lw=0.8, ls=":")
        ax.set_ylabel(rf"$g={r:g}\,g_c$", fontsize=7)
        ax.set_ylim(-3.2, 3.2)
    axes[0, 0].legend(fontsize=6, loc="upper right", ncol=2)
    axes[-1, 0].set_xlabel("time [Lyapunov times] (dotted: valid prediction time)")
    fig.tight_layout()
    return fig


def _maps(entries: Sequence[tuple[str, float]], scale: str, extra: bool = False
          ) -> dict[str, dict[str, np.ndarray]]:
    """Stored maps of ``entries`` keyed by their labels (:data:`ENTRY_LABELS`)."""
    return {ENTRY_LABELS[e]: forecast_map(*e, scale, extra=extra) for e in entries}


def _units(entries: Sequence[tuple[str, float]]) -> dict[str, str]:
    return {ENTRY_LABELS[e]: SYSTEMS[e[0]].vpt_unit for e in entries}


def _scale_change(scale: str) -> Figure:
    """The scale-change figure: the default map against ``scale`` (the paper scale)."""
    entries = [(system, sin) for system, sin, _ in FORECAST_ENTRIES]
    before, after = (system_rows(_maps(entries, sc), n_boot=500) for sc in ("default", scale))
    return figure_scale_change(before, after, {}, scale_label("default").split(",")[0],
                               scale_label(scale).split(",")[0])


def _figures() -> dict[str, Callable[[str], Figure]]:
    failures = [("lorenz63", 0.02), ("lorenz63", 0.1), ("lorenz63", 0.5),
                ("kuramoto_sivashinsky", 0.1)]
    leaky = [("lorenz63", 0.1), *MEMORY_TASKS]
    return {
        "headline": lambda scale: figure_vpt_by_cell(
            _maps(MEMORY_TASKS, scale), units=_units(MEMORY_TASKS)),
        "forecast_failures": lambda scale: figure_vpt_by_cell(
            _maps(failures, scale), units=_units(failures)),
        "forecast_vs_gain_lorenz_in0p1": lambda scale: figure_forecast_vs_gain(
            forecast_map("lorenz63", 0.1, scale, extra=False), "squared",
            r"Lorenz-63, $\sigma_{in}=0.1$, readout $[h, 1, h^2]$"),
        "forecast_scale_change": lambda scale: _scale_change(
            "paper" if scale == "default" else scale),
        "forecast_leaky": lambda scale: figure_vpt_by_cell(
            _maps(leaky, scale, extra=True), units=_units(leaky), archs=("rnn", "leaky")),
        "forecast_examples": lambda scale: figure_example_forecasts(
            example_forecast("gru", 0.5, (0.3, 1.0, 1.5))),
    }


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = _figures()
