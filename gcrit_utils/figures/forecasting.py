"""Figures of the forecasting chapter: VPT against the gain, per cell, system and scale."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..experiments.forecast_analysis import forecast_summary
from ..experiments.forecasting import (
    FORECAST_ENTRIES,
    example_forecast,
    figure_name,
    finished_forecast_groups,
    forecast_map,
    input_tag,
    scale_label,
)
from ..lyapunov import CHAOS_THRESHOLD, first_crossing
from ..systems import SYSTEMS
from ._style import PAGE, cell_label, finite

__all__ = [
    "figure_vpt_by_cell",
    "figure_forecast_vs_gain",
    "figure_forecast_scales",
    "figure_forecast_locations",
    "figure_forecast_systems",
    "figure_example_forecasts",
    "SCALES_COMPARED",
    "scales_figure_name",
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


def figure_forecast_scales(maps: dict[str, dict[tuple[str, float], dict[str, np.ndarray]]],
                           readout: str = "squared", vpt_unit: str = "LT") -> Figure:
    """VPT vs ``g / g_c`` of the same (arch, s_b) groups computed at several scales.

    Parameters
    ----------
    maps : dict
        Label (e.g. ``"N = 500, 3 seeds"``) -> groups as
        :func:`gcrit_utils.experiments.forecasting.finished_forecast_groups` returns them. One panel
        per (arch, s_b) present in every map (rows ``s_b``, columns arch); one colour per
        label, mean ± s.e. over seeds of the window-averaged VPT.
    readout : {"linear", "squared"}
        Readout features.
    vpt_unit : str
        Unit of the VPT on the y axis (``System.vpt_unit`` of :mod:`gcrit_utils.systems`).

    Raises
    ------
    ValueError
        If no (arch, s_b) group is present in every map.
    """
    common = set.intersection(*(set(groups) for groups in maps.values())) if maps else set()
    if not common:
        raise ValueError("maps share no (arch, s_b) group: nothing to compare")
    archs = [a for a in ("rnn", "gru", "lstm", "minimalrnn") if any(g[0] == a for g in common)]
    spreads = sorted({g[1] for g in common})
    fig, axes = plt.subplots(len(spreads), len(archs), figsize=(PAGE, 1.7 * len(spreads) + 0.6),
                             sharex=True, squeeze=False)
    for i, sb in enumerate(spreads):
        for j, arch in enumerate(archs):
            ax = axes[i, j]
            if (arch, sb) not in common:
                ax.text(0.5, 0.5, "not computed\nat every scale", ha="center", va="center",
                        transform=ax.transAxes, fontsize=6, color="0.4")
                ax.set_yticks([])
                continue
            for c, (label, groups) in enumerate(maps.items()):
                data = groups[(arch, sb)]
                k = list(data["readouts"]).index(readout)
                vpt = finite(data["vpt_mean"][0, 0, :, k], "VPT")
                sem = vpt.std(axis=0, ddof=1) / np.sqrt(len(vpt)) if len(vpt) > 1 else 0 * vpt[0]
                mean = vpt.mean(axis=0)
                ax.plot(data["ratios"], mean, color=f"C{c}", lw=1, label=label)
                ax.fill_between(data["ratios"], mean - sem, mean + sem, color=f"C{c}",
                                alpha=0.25, lw=0)
            if arch != "minimalrnn":
                ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
            ax.set_ylim(bottom=0.0)
            ax.set_title(rf"{cell_label(arch)}, $s_b={sb:g}$", fontsize=7)
        axes[i, 0].set_ylabel(f"VPT [{vpt_unit}]")
    for j, arch in enumerate(archs):
        axes[-1, j].set_xlabel(r"$g$" if arch == "minimalrnn" else r"$g / g_c$")
    first = next(ax for ax in axes.flat if ax.get_legend_handles_labels()[0])
    first.legend(fontsize=6, loc="lower left")  # below the plateau, left of the cliff
    fig.suptitle(f"readout: {readout}", fontsize=8)
    fig.tight_layout()
    return fig


def figure_forecast_locations(maps: dict[float, dict[str, np.ndarray]]) -> Figure:
    """Peak and cliff gains vs ``g_c`` (identity line), per readout, across ``s_b`` and
    ``sigma_in`` (``maps``: input scale -> forecasting map). Gated and tanh RNN only."""
    markers = {0.02: "o", 0.1: "s", 0.5: "^"}
    colors = {"rnn": "C0", "gru": "C1", "lstm": "C2"}
    readouts = [str(r) for r in next(iter(maps.values()))["readouts"]]
    fig, axes = plt.subplots(1, len(readouts), figsize=(PAGE, 3.0), sharey=True,
                             squeeze=False)
    for ax, readout in zip(axes[0], readouts, strict=True):
        hi = 0.0
        for sin, data in sorted(maps.items()):
            g_ref = {(str(a), float(sb)): data["g_ref"][i, j]
                     for i, a in enumerate(data["archs"])
                     for j, sb in enumerate(data["bias_stds"])}
            for row in forecast_summary(data):
                if row["readout"] != readout or row["arch"] not in colors:
                    continue
                g_c = g_ref[(row["arch"], row["bias_std"])]
                c, m = colors[row["arch"]], markers.get(sin, "x")
                if np.isfinite(row["peak"]):
                    ax.plot(g_c, row["peak"] * g_c, marker=m, color=c, ms=4, ls="none")
                    ax.plot(g_c, row["cliff"] * g_c, marker=m, color=c, ms=4, ls="none",
                            mfc="white")
                    hi = max(hi, g_c, row["cliff"] * g_c)
        ax.plot([0, hi * 1.05], [0, hi * 1.05], color="0.4", lw=0.8, label="identity")
        ax.set_xlabel(r"zero-state $g_c$")
        ax.set_title(f"readout: {readout}", fontsize=8)
    axes[0, 0].set_ylabel("gain at VPT peak (filled) / cliff (open)")
    handles = [Line2D([], [], color=c, marker="o", ls="none", ms=4, label=cell_label(a))
               for a, c in colors.items()]
    handles += [Line2D([], [], color="k", marker=m, ls="none", ms=4, mfc="white",
                       label=rf"$\sigma_{{in}}={s:g}$") for s, m in markers.items()
                if s in maps]
    axes[0, -1].legend(handles=handles, fontsize=6, loc="upper left")
    fig.tight_layout()
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
        Panel title and VPT unit per name (``"LT"`` by default).
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
        ax.set_ylabel(f"VPT [{(units or {}).get(name, 'LT')}]")
    axes[0, 0].legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    return fig


def figure_forecast_systems(maps: dict[str, dict[str, np.ndarray]],
                            labels: dict[str, str] | None = None) -> Figure:
    """VPT vs ``g / g_ref`` per system (one panel each), one colour per architecture;
    solid: ``[h, 1, h^2]`` readout, dashed: ``[h, 1]``. Mean over seeds, first ``s_b``."""
    fig, axes = plt.subplots(1, len(maps), figsize=(PAGE, 2.5), squeeze=False)
    for ax, (name, data) in zip(axes[0], maps.items(), strict=True):
        ratios = data["ratios"]
        for j, arch in enumerate(data["archs"]):
            for k, readout in enumerate(data["readouts"]):
                vpt = finite(data["vpt_mean"][j, 0, :, k], "VPT").mean(axis=0)
                ax.plot(ratios, vpt, color=f"C{j}", lw=1, ls="-" if readout == "squared"
                        else "--", label=cell_label(str(arch)) if k == 1 else None)
        ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
        ax.set_title((labels or {}).get(name, name), fontsize=7)
        ax.set_xlabel(r"$g / g_c$ ($g$ for minimalRNN)")
        ax.set_ylim(bottom=0.0)
    axes[0, 0].set_ylabel("VPT [Lyapunov times; laser: samples]")
    axes[0, 0].legend(fontsize=5.5)
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


#: (system, sigma_in) of the forecasting maps whose default and paper scales are compared
#: (the forecasting chapter): all of them.
SCALES_COMPARED: tuple[tuple[str, float], ...] = (
    ("lorenz63", 0.1), ("lorenz63", 0.02), ("lorenz63", 0.5), ("lorenz63_x", 0.1),
    ("mackey_glass", 0.1), ("kuramoto_sivashinsky", 0.1), ("santafe_laser", 0.1))


def scales_figure_name(system: str, input_scale: float) -> str:
    """``gcrit figures`` name of the default-versus-paper figure of a forecasting map, e.g.
    ``forecast_scales_lorenz_in0p1`` (Lorenz-63) or ``forecast_scales_lorenz63_x_in0p1``."""
    return (f"forecast_scales_{'lorenz' if system == 'lorenz63' else system}_"
            f"{input_tag(input_scale)}")


def _figures() -> dict[str, Callable[[str], Figure]]:
    lorenz = [e for e in FORECAST_ENTRIES if e[0] == "lorenz63"]
    others = [e for e in FORECAST_ENTRIES if e[0] != "lorenz63"]
    figs: dict[str, Callable[[str], Figure]] = {
        figure_name("lorenz63", sin):
            (lambda scale, sin=sin: figure_forecast_vs_gain(
                forecast_map("lorenz63", sin, scale), "squared",
                rf"Lorenz-63, $\sigma_{{in}}={sin:g}$, readout $[h, 1, h^2]$"))
        for _, sin, _ in lorenz}
    figs["forecast_vs_gain_lorenz_in0p1_linear"] = lambda scale: figure_forecast_vs_gain(
        forecast_map("lorenz63", 0.1, scale), "linear",
        r"Lorenz-63, $\sigma_{in}=0.1$, readout $[h, 1]$")
    figs["forecast_locations"] = lambda scale: figure_forecast_locations(
        {sin: forecast_map("lorenz63", sin, scale) for _, sin, _ in lorenz})
    figs["forecast_systems"] = lambda scale: figure_forecast_systems(
        {"lorenz63": forecast_map("lorenz63", 0.1, scale),
         **{name: forecast_map(name, sin, scale) for name, sin, _ in others}})
    # every (arch, s_b) group whose reservoirs are all computed at both scales
    for system, sin in SCALES_COMPARED:
        figs[scales_figure_name(system, sin)] = (
            lambda scale, system=system, sin=sin: figure_forecast_scales(
                {scale_label(sc): finished_forecast_groups(system, sin, sc)[0]
                 for sc in ("default", "paper")}, "squared", SYSTEMS[system].vpt_unit))
    memory = [("lorenz63_x", 0.1), ("mackey_glass", 0.1), ("santafe_laser", 0.1)]
    figs["headline"] = lambda scale: figure_vpt_by_cell(
        {name: forecast_map(name, sin, scale) for name, sin in memory},
        {name: SYSTEMS[name].description.split(",")[0] for name, _ in memory},
        {name: SYSTEMS[name].vpt_unit for name, _ in memory})
    figs["forecast_examples"] = lambda scale: figure_example_forecasts(
        example_forecast("gru", 0.5, (0.3, 1.0, 1.5)))
    return figs


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = _figures()
