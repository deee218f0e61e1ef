"""Figures of the spectrum chapter: eigenvalue clouds, the edge, finite-N crossings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments.spectrum import (
    SPECTRUM_CASES,
    finite_size_gain_samples,
    sweep_spectrum,
    top_unit_share,
    zero_state_spectra,
)
from ..plotting import plot_spectrum
from ..theory import critical_gain, spectral_support
from ._style import PAGE, case_label, cell_label

__all__ = [
    "figure_spectrum_grid",
    "figure_rightmost_vs_gain",
    "figure_crossing_convergence",
    "figure_heavy_tail",
    "FIGURES",
]


#: name -> function(scale) -> Figure, for ``gcrit figures``.
def figure_spectrum_grid(arch: str, n: int = 1000, seed: int = 0,
                         bias_stds: Sequence[float] = (0.0, 0.5, 1.0),
                         ratios: Sequence[float] = (0.8, 1.0, 1.2)) -> Figure:
    """Eigenvalue clouds of ``J0`` (rows ``s_b``, columns ``g / g_c``) with the support."""
    spectra = zero_state_spectra(arch, bias_stds, ratios, n, seed)
    fig, axes = plt.subplots(len(bias_stds), len(ratios), figsize=(PAGE, 0.82 * PAGE),
                             sharex=True, sharey=True, squeeze=False)
    for i, s in enumerate(bias_stds):
        g_c = critical_gain(arch, s)
        for j, r in enumerate(ratios):
            ax = axes[i, j]
            plot_spectrum(ax, spectra[(float(s), float(r))],
                          spectral_support(arch, r * g_c, s, n_points=240))
            ax.set_title(rf"$s_b={s:g}$, $g={r:g}\,g_c={r * g_c:.3f}$", fontsize=7)
            ax.set_xlim(-1.4, 1.5)
            ax.set_ylim(-1.3, 1.3)
            if i < len(bias_stds) - 1:
                ax.set_xlabel("")
            if j > 0:
                ax.set_ylabel("")
    axes[0, 0].legend(loc="lower left", fontsize=5.5)
    fig.suptitle(f"{cell_label(arch)} zero-state spectrum, N = {n}, seed {seed}", fontsize=9)
    fig.tight_layout()
    return fig


def figure_rightmost_vs_gain(data: dict[str, np.ndarray],
                             cases: Sequence[tuple[str, float]]) -> Figure:
    """Rightmost ``Re lambda`` vs ``g/g_c`` per case: every N (mean ± s.d. over seeds) and
    the predicted edge of the support (drawn from ``g_c`` up where ``a`` is spread)."""
    ns, ratios = data["ns"], data["ratios"]
    fig, axes = plt.subplots(2, (len(cases) + 1) // 2, figsize=(PAGE, 4.2), sharex=True,
                             sharey=True, squeeze=False)
    colors = plt.cm.viridis(np.linspace(0.1, 0.85, len(ns)))
    for ax, (i, (arch, s)) in zip(axes.ravel(), enumerate(cases), strict=False):
        for j, n in enumerate(ns):
            vals = data["rightmost"][i, j]
            ax.errorbar(ratios, vals.mean(axis=0), yerr=vals.std(axis=0), color=colors[j],
                        marker="o", ms=3.5, lw=0.8, capsize=1.5, label=f"N = {n}")
        valid = (ratios >= 1.0) | (arch == "rnn") | (s == 0.0)
        ax.plot(ratios[valid], data["edge"][i][valid], "k--", lw=1.0, label=r"$N\to\infty$")
        ax.axhline(1.0, color="C3", lw=0.6, ls=":")
        ax.axvline(1.0, color="0.6", lw=0.6)
        ax.set_title(case_label(arch, s), fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(r"$g / g_c$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"rightmost Re $\lambda$")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_crossing_convergence(data: dict[str, np.ndarray],
                                cases: Sequence[tuple[str, float]]) -> Figure:
    """Left: ``g*/g_c`` vs N (mean ± s.e. over seeds). Right: ``|g*/g_c - 1|`` and
    ``|g*/g_c^fin - 1|`` vs N, log-log, with an ``N^{-1/2}`` guide."""
    ns = data["ns"].astype(float)
    n_seeds = data["g_star"].shape[2]
    fig, (ax, ax_log) = plt.subplots(1, 2, figsize=(PAGE, 2.9))
    for i, (arch, s) in enumerate(cases):
        ratio = data["g_star"][i] / data["g_c"][i]
        color = f"C{i}"
        ax.errorbar(ns * (1 + 0.03 * (i - 2.5)), ratio.mean(axis=1),
                    yerr=ratio.std(axis=1, ddof=1) / np.sqrt(n_seeds), color=color,
                    marker="o", ms=3, capsize=2, lw=1, label=case_label(arch, s))
        dev = np.abs(ratio - 1).mean(axis=1)
        dev_fin = np.abs(data["g_star"][i] / data["g_fin"][i] - 1).mean(axis=1)
        ax_log.loglog(ns, dev, color=color, marker="o", ms=3, lw=1)
        ax_log.loglog(ns, dev_fin, color=color, marker="x", ms=3, lw=0.8, ls=":")
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(r"$g^* / g_c$ (mean ± s.e.)")
    ax.legend(fontsize=6)
    guide = 0.5 * (ns / ns[0]) ** -0.5 * np.abs(
        data["g_star"][:, 0] / data["g_c"][:, None] - 1).mean()
    ax_log.loglog(ns, guide, "k--", lw=0.8, label=r"$\propto N^{-1/2}$")
    ax_log.plot([], [], "ko-", ms=3, label=r"$|g^*/g_c - 1|$")
    ax_log.plot([], [], "kx:", ms=3, label=r"$|g^*/g_c^{\rm fin} - 1|$")
    for a in (ax, ax_log):
        a.set_xticks(ns, [f"{int(n)}" for n in ns])
        a.minorticks_off()
    ax_log.set_xlabel("N")
    ax_log.set_ylabel("mean relative deviation")
    ax_log.legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_heavy_tail(ns: Sequence[int] = (250, 500, 1000, 2000, 4000, 8000),
                      n_samples: int = 400) -> Figure:
    """Spread of ``g_c^fin / g_c`` over bias draws vs N, GRU vs LSTM, and top-1% share."""

    cases = [("gru", 0.5), ("gru", 1.0), ("lstm", 0.5), ("lstm", 1.0)]
    fig, (ax, ax_share) = plt.subplots(1, 2, figsize=(PAGE, 2.8))
    for k, (arch, s) in enumerate(cases):
        g_c = critical_gain(arch, s)
        q = np.array([np.percentile(finite_size_gain_samples(arch, s, n, n_samples, seed=k)
                                    / g_c, [5, 50, 95]) for n in ns])
        ax.fill_between(ns, q[:, 0], q[:, 2], color=f"C{k}", alpha=0.2)
        ax.plot(ns, q[:, 1], color=f"C{k}", marker="o", ms=3, label=case_label(arch, s))
        share = [top_unit_share(arch, s, n, 0.01, n_samples // 4, seed=k).mean() for n in ns]
        ax_share.plot(ns, 100 * np.array(share), color=f"C{k}", marker="o", ms=3,
                      label=case_label(arch, s))
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(r"$g_c^{\rm fin}/g_c$ (median, 5–95%)")
    ax.legend(fontsize=6)
    ax_share.axhline(1.0, color="0.6", lw=0.6, ls=":")
    ax_share.set_xscale("log")
    ax_share.set_xlabel("N")
    ax_share.set_ylabel(r"share of $\sum_j u_j^2v_j^2/(1-a_j)^2$ in top 1% units [%]")
    fig.tight_layout()
    return fig


def _figures() -> dict[str, Callable[[str], Figure]]:
    n_cloud = {"default": 1000, "paper": 2000}
    figs: dict[str, Callable[[str], Figure]] = {
        f"spectrum_grid_{arch}": (lambda scale, arch=arch: figure_spectrum_grid(
            arch, n=n_cloud[scale])) for arch in ("rnn", "gru", "lstm")}
    figs["rightmost_vs_gain"] = lambda scale: figure_rightmost_vs_gain(
        sweep_spectrum(scale).load(), SPECTRUM_CASES)
    figs["crossing_convergence"] = lambda scale: figure_crossing_convergence(
        sweep_spectrum(scale).load(), SPECTRUM_CASES)
    figs["heavy_tail"] = lambda scale: figure_heavy_tail()
    return figs


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = _figures()
