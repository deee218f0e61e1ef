"""Figures of the signal propagation chapter: mean-field maps, timescales, simulations."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..cells import get_cell
from ..experiments import propagation as pr
from ..experiments.training import (
    TRAINABILITY,
    TRAINABILITY_MAP_DELAYS,
    sweep_trainability,
    sweep_trainability_map,
)
from ..signalprop import timescale_from_slope
from ._style import PAGE, cell_label, finite

__all__ = [
    "figure_propagation",
    "figure_timescale_maps",
    "figure_driven_lyapunov",
    "figure_isometry",
    "figure_undriven_criteria",
    "figure_trainability",
    "figure_trainability_map",
    "trainability_map_ylabels",
    "FIGURES",
]


def figure_propagation(paths: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Mean-field ``q_t`` and ``c_t`` (lines) against simulations (dots), one column per
    architecture. ``paths[arch]`` holds ``gains`` (G,), ``theory_q``/``theory_c`` (G, T+1)
    and ``sim_q``/``sim_c`` (T+1, G)."""
    fig, axes = plt.subplots(2, len(paths), figsize=(PAGE, 3.8), sharex=True, squeeze=False)
    for col, (arch, d) in enumerate(paths.items()):
        t = np.arange(d["theory_q"].shape[1])
        for j, g in enumerate(d["gains"]):
            for row, key in enumerate(("q", "c")):
                ax = axes[row, col]
                ax.plot(t, finite(d[f"theory_{key}"][j], "theory"), color=f"C{j}", lw=1,
                        label=rf"$g={g:g}$")
                ax.plot(t[::2], finite(d[f"sim_{key}"][::2, j], "simulation"), ".",
                        color=f"C{j}", ms=3.5)
        axes[0, col].set_title(cell_label(arch), fontsize=8)
        axes[1, col].set_xlabel("step $t$")
    axes[0, 0].set_ylabel(r"$q_t = \overline{h_t^2}$")
    axes[1, 0].set_ylabel(r"$c_t$ (two trajectories)")
    axes[0, 0].legend(fontsize=6, title="lines: mean field\ndots: N = 1000", title_fontsize=6)
    fig.tight_layout()
    return fig


def figure_timescale_maps(maps: dict[str, dict[str, np.ndarray]], ylabel: str,
                          curves: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                          ) -> Figure:
    """Heat maps of the gradient timescale ``xi_1 = -1/ln chi_1`` over ``(g, value)``, one
    panel per entry of ``maps`` (from :func:`gcrit_utils.propagation.timescale_grid`); grey
    where ``chi_1 >= 1`` (chaotic in the mean field), white line ``chi_1 = 1``, black
    dashed: the zero-state ``g_c`` curve ``curves[title] = (values, g_c)`` when given."""
    fig, axes = plt.subplots(1, len(maps), figsize=(PAGE, 2.5), squeeze=False)
    mesh = None
    for ax, (title, d) in zip(axes[0], maps.items(), strict=True):
        chi = finite(d["chi_1"], "chi_1")
        xi = timescale_from_slope(chi)
        xi = np.clip(np.where(np.isfinite(xi), xi, np.nan), 0.1, 1e3)
        ax.set_facecolor("0.75")
        mesh = ax.pcolormesh(d["gains"], d["values"], xi, norm=LogNorm(0.3, 1e3),
                             cmap="viridis", shading="nearest")
        if np.nanmin(chi) < 1.0 < np.nanmax(chi):
            ax.contour(d["gains"], d["values"], chi, levels=[1.0], colors="w", linewidths=1)
        if curves and title in curves:
            vals, g_c = curves[title]
            ax.plot(g_c, vals, "k--", lw=1)
        ax.set_xlim(d["gains"][0], d["gains"][-1])
        ax.set_ylim(d["values"][0], d["values"][-1])
        ax.set_title(title, fontsize=7)
        ax.set_xlabel("$g$")
    axes[0, 0].set_ylabel(ylabel)
    if mesh is not None:
        fig.colorbar(mesh, ax=axes[0].tolist(), label=r"$\xi_1 = -1/\ln\chi_1$ [steps]",
                     fraction=0.03)
    return fig


def figure_driven_lyapunov(data: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Measured driven ``lambda_max`` against the mean-field ``ln(chi_1)/2`` over ``g``, one
    panel per architecture; ``data[arch]`` holds ``gains``, ``measured``, ``stderr``,
    ``annealed`` and ``g_c`` (zero-state, NaN if none)."""
    fig, axes = plt.subplots(1, len(data), figsize=(PAGE, 2.4), sharey=True, squeeze=False)
    for ax, (arch, d) in zip(axes[0], data.items(), strict=True):
        ax.errorbar(d["gains"], finite(d["measured"], "measured"), yerr=d["stderr"], fmt="o",
                    ms=3.5, lw=0.8, color="C0", label=r"measured $\lambda_{\max}$ (driven)")
        ax.plot(d["gains"], finite(d["annealed"], "annealed"), color="C1",
                label=r"mean field $\ln(\chi_1)/2$")
        if np.isfinite(d["g_c"]):
            ax.axvline(d["g_c"], color="0.4", ls="--", lw=0.8, label="zero-state $g_c$")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_xlabel("$g$")
    axes[0, 0].set_ylabel("nats / step")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_undriven_criteria(lines: dict[str, dict[str, np.ndarray]],
                             measured: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Critical gain against the memory gate's bias mean, one panel per cell: the zero-state
    ``g_c`` and the annealed ``chi_1 = 1`` gain (``lines[arch]``, from
    :func:`~gcrit_utils.experiments.propagation.criterion_lines`) and the measured loss of
    stability of undriven networks (``measured``, from
    :func:`~gcrit_utils.experiments.propagation.undriven_criteria`)."""
    fig, axes = plt.subplots(1, len(lines), figsize=(PAGE, 2.6), sharey=True, squeeze=False)
    for ax, (arch, d) in zip(axes[0], lines.items(), strict=True):
        ax.plot(d["means"], finite(d["g_c"], "g_c"), color="k", ls="--",
                label="zero-state $g_c$ (this book)")
        ax.plot(d["means"], finite(d["g_annealed"], "annealed gain"), color="C1",
                label=r"annealed $\chi_1 = 1$ (Gilboa et al.)")
        points = [m for m in measured.values() if m["arch"] == arch]
        found = [m for m in points if np.isfinite(m["g_lost"])]
        if found:
            ax.plot([m["mu"] for m in found], [m["g_lost"] for m in found], "o", ms=5,
                    color="C0", label=r"measured: $\lambda_{\max} > 0$ from")
        beyond = [m for m in points if not np.isfinite(m["g_lost"])]
        if beyond:  # stable over the whole grid: a marker at its largest gain, pointing up
            ax.plot([m["mu"] for m in beyond], [m["gains"].max() for m in beyond], "^", ms=5,
                    color="C0", mfc="none", label="measured: stable up to the largest gain")
        ax.set_yscale("log")
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_xlabel(r"bias mean $\mu$ of the memory gate")
    axes[0, 0].set_ylabel("gain $g$")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_isometry(svals: dict[str, dict[int, np.ndarray]]) -> Figure:
    """Distributions of the singular values of ``T``-step Jacobian products, one panel per
    network (``svals[label][T]`` an array), log-spaced histograms."""
    fig, axes = plt.subplots(1, len(svals), figsize=(PAGE, 2.3), sharey=True, squeeze=False)
    for ax, (label, by_t) in zip(axes[0], svals.items(), strict=True):
        for k, (horizon, s) in enumerate(sorted(by_t.items())):
            s = finite(s, "singular values")
            logs = np.log10(np.clip(s, 1e-30, None))
            bins = np.linspace(max(logs.min(), -12), max(logs.max(), 0.5), 40)
            ax.hist(logs, bins=bins, histtype="step", density=True, color=f"C{k}",
                    label=f"T = {horizon}")
        ax.axvline(0.0, color="k", lw=0.6)
        ax.set_title(label, fontsize=7)
        ax.set_xlabel(r"$\log_{10}$ singular value")
    axes[0, 0].set_ylabel("density")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_trainability(data: dict[str, np.ndarray], archs: Sequence[str],
                        xi: dict[str, np.ndarray]) -> Figure:
    """Final training loss (over chance) against ``g``, one panel per delay ``T``, one line
    per architecture; below, squares where the mean-field ``xi_1 >= T`` (ordered) and crosses
    where ``chi_1 >= 1`` (``xi`` is ``inf`` there)."""
    delays = data["delays"]
    gains = data["gains"]
    fig, axes = plt.subplots(1, len(delays), figsize=(PAGE, 2.6), sharey=True, squeeze=False)
    for ax, (j, delay) in zip(axes[0], enumerate(delays), strict=True):
        for i, arch in enumerate(archs):
            final = data["final"][i, j]  # (G, S)
            ax.plot(gains, finite(final.mean(axis=1), "final loss"), "o-", ms=3, lw=1,
                    color=f"C{i}", label=cell_label(arch))
            level = np.full(gains.size, 0.012 * (1.6 ** i))
            long = np.isfinite(xi[arch]) & (xi[arch] >= delay)
            chaotic = ~np.isfinite(xi[arch])
            ax.plot(gains[long], level[long], "s", ms=3, color=f"C{i}")
            ax.plot(gains[chaotic], level[chaotic], "x", ms=3.5, color=f"C{i}")
        ax.axhline(0.5, color="0.5", ls=":", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("$g$")
        ax.set_title(f"delay $T = {delay:g}$ (squares: $\\xi_1 \\geq T$; "
                     "crosses: $\\chi_1 \\geq 1$)", fontsize=7)
    axes[0, 0].set_ylabel("final loss / chance")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def _maps_and_label(result: tuple) -> tuple:
    maps, curves = result
    return maps, "$s_b$", curves


def figure_trainability_map(data: dict[str, np.ndarray], archs: Sequence[str],
                            maps: dict[str, dict[str, np.ndarray]], delay: int,
                            ylabels: dict[str, str]) -> Figure:
    """Trainability over the phase diagram, one panel per cell: the median over seeds of the
    final loss / chance over (gain, second axis) from
    :func:`~gcrit_utils.experiments.training.assemble_trainability_map`, the trained region's
    edge (loss 0.5, black), and the mean-field lines of ``maps[arch]`` (from
    :func:`~gcrit_utils.experiments.propagation.timescale_grid` on the same grid): ``chi_1 = 1``
    (white) and ``xi_1 = delay`` (white dashed)."""
    fig, axes = plt.subplots(1, len(archs), figsize=(PAGE, 2.6), squeeze=False,
                             layout="constrained")
    mesh = None
    for ax, arch in zip(axes[0], archs, strict=True):
        final = np.nanmedian(finite(data[f"final_{arch}"], "final loss"), axis=-1)
        axis, gains = data[f"axis_{arch}"], data["gains"]
        mesh = ax.pcolormesh(gains, axis, np.clip(final, 1e-3, 2.0), norm=LogNorm(1e-2, 1.5),
                             cmap="magma", shading="nearest")
        if np.nanmin(final) < 0.5 < np.nanmax(final):
            ax.contour(gains, axis, final, levels=[0.5], colors="k", linewidths=1)
        chi = maps[arch]["chi_1"]
        if np.nanmin(chi) < 1.0 < np.nanmax(chi):
            ax.contour(maps[arch]["gains"], maps[arch]["values"], chi, levels=[1.0],
                       colors="w", linewidths=1)
        level = np.exp(-1.0 / delay)  # xi_1 = delay where chi_1 = e^(-1/delay)
        if np.nanmin(chi) < level < np.nanmax(chi):
            ax.contour(maps[arch]["gains"], maps[arch]["values"], chi, levels=[level],
                       colors="w", linewidths=1, linestyles="--")
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_xlabel("$g$")
        ax.set_ylabel(ylabels[arch], fontsize=7)
    if mesh is not None:
        fig.colorbar(mesh, ax=axes[0].tolist(), label="final loss / chance (median)",
                     fraction=0.03)
    return fig


def _trainability(scale: str) -> Figure:
    cfg = TRAINABILITY[scale]
    xi = pr.predicted_timescales(cfg["archs"], cfg["gains"], cfg["bias_std"],
                                 cfg["input_scale"])
    return figure_trainability(sweep_trainability(scale).load(), cfg["archs"], xi)


def trainability_map_ylabels(archs: Sequence[str]) -> dict[str, str]:
    """Axis label of each cell's second axis in :func:`figure_trainability_map`."""
    out = {}
    for arch in archs:
        gate = get_cell(arch).memory_gate
        out[arch] = (r"bias spread $s_b$" if gate is None
                     else rf"bias mean $\mu$ of ${gate}$")
    return out


def _trainability_map(delay: int) -> Callable[[str], Figure]:
    def draw(scale: str) -> Figure:
        sweep = sweep_trainability_map("default", delay)
        cfg = sweep.config
        return figure_trainability_map(sweep.load(), cfg["archs"],
                                       pr.trainability_map_lines(cfg), delay,
                                       trainability_map_ylabels(cfg["archs"]))
    return draw


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {
    "propagation": lambda scale: figure_propagation(pr.propagation_comparison()),
    "timescale_maps": lambda scale: figure_timescale_maps(
        *_maps_and_label(pr.bias_spread_maps(pr.TIMESCALE_GAINS, pr.TIMESCALE_STDS))),
    "timescale_maps_mu": lambda scale: figure_timescale_maps(
        pr.bias_mean_maps(pr.TIMESCALE_GAINS, pr.TIMESCALE_MEANS),
        r"bias mean $\mu$ of the memory gate"),
    "driven_lyapunov": lambda scale: figure_driven_lyapunov(
        pr.driven_lyapunov_comparison(pr.DRIVEN_GAINS)),
    "isometry": lambda scale: figure_isometry(pr.isometry_examples()),
    "undriven_criteria": lambda scale: figure_undriven_criteria(
        pr.criterion_lines(("gru", "lstm"), np.linspace(0.0, 6.0, 25)),
        pr.undriven_criteria()),
    "trainability": _trainability,
    **{f"trainability_map_delay{d}": _trainability_map(d) for d in TRAINABILITY_MAP_DELAYS},
}
