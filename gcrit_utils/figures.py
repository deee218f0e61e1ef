"""The book's figures, drawn from ``gcrit_utils`` computations, and ``gcrit figures``.

Each ``figure_*`` function computes what it shows (through :mod:`gcrit_utils.experiments`
or the core modules) and returns a matplotlib ``Figure``; notebooks call the same
functions. :func:`make_figures` saves every registered figure as PDF and PNG.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .experiments import (
    CHAOS_THRESHOLD,
    critical_gain_curves,
    current_scale,
    first_crossing,
    probit_errors,
)
from .forecast_sweep import example_forecast

__all__ = [
    "paper_style",
    "figure_critical_gains",
    "figure_spectrum_grid",
    "figure_rightmost_vs_gain",
    "figure_crossing_convergence",
    "figure_heavy_tail",
    "figure_lyapunov_vs_gain",
    "figure_lyapunov_spectra",
    "figure_phase_diagrams",
    "figure_forecast_vs_gain",
    "figure_forecast_locations",
    "figure_forecast_scales",
    "figure_forecast_systems",
    "figure_example_forecasts",
    "figure_performance",
    "figure_cobweb",
    "figure_period3_vs_width",
    "figure_scrambling",
    "figure_beyond_lyapunov",
    "figure_beyond_errors",
    "figure_propagation",
    "figure_timescale_maps",
    "figure_driven_lyapunov",
    "figure_isometry",
    "figure_trainability",
    "figure_init_comparison",
    "FIGURES",
    "make_figures",
]

#: Width of one journal column and of a full page, inches.
COLUMN, PAGE = 3.4, 7.0


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Temporary rc settings: embedded TrueType fonts, seaborn palette, small fonts."""
    import seaborn as sns

    rc = {
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "font.size": 8,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "axes.prop_cycle": matplotlib.cycler(color=sns.color_palette("colorblind")),
        "figure.dpi": 100,
        "savefig.dpi": 300,
        "savefig.bbox": "tight",
    }
    # Restore only the keys set here: matplotlib.rc_context would also restore the backend
    # and so break the inline display of every later figure in a notebook.
    saved = {key: matplotlib.rcParams[key] for key in rc}
    matplotlib.rcParams.update(rc)
    try:
        yield
    finally:
        matplotlib.rcParams.update(saved)


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
def figure_spectrum_grid(arch: str, n: int = 1000, seed: int = 0,
                         bias_stds: Sequence[float] = (0.0, 0.5, 1.0),
                         ratios: Sequence[float] = (0.8, 1.0, 1.2)) -> Figure:
    """Eigenvalue clouds of ``J0`` (rows ``s_b``, columns ``g / g_c``) with the support."""
    from .experiments import zero_state_spectra
    from .plotting import plot_spectrum
    from .theory import critical_gain, spectral_support

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
    fig.suptitle(f"{arch.upper()} zero-state spectrum, N = {n}, seed {seed}", fontsize=9)
    fig.tight_layout()
    return fig


def _case_label(arch: str, s: float) -> str:
    return f"{arch.upper()}, $s_b={s:g}$"


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
                        marker="o", ms=2.5, lw=0.8, capsize=1.5, label=f"N = {n}")
        valid = (ratios >= 1.0) | (arch == "rnn") | (s == 0.0)
        ax.plot(ratios[valid], data["edge"][i][valid], "k--", lw=1.0, label=r"$N\to\infty$")
        ax.axhline(1.0, color="C3", lw=0.6, ls=":")
        ax.axvline(1.0, color="0.6", lw=0.6)
        ax.set_title(_case_label(arch, s), fontsize=8)
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
                    marker="o", ms=3, capsize=2, lw=1, label=_case_label(arch, s))
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
    from .experiments import finite_size_gain_samples, top_unit_share
    from .theory import critical_gain

    cases = [("gru", 0.5), ("gru", 1.0), ("lstm", 0.5), ("lstm", 1.0)]
    fig, (ax, ax_share) = plt.subplots(1, 2, figsize=(PAGE, 2.8))
    for k, (arch, s) in enumerate(cases):
        g_c = critical_gain(arch, s)
        q = np.array([np.percentile(finite_size_gain_samples(arch, s, n, n_samples, seed=k)
                                    / g_c, [5, 50, 95]) for n in ns])
        ax.fill_between(ns, q[:, 0], q[:, 2], color=f"C{k}", alpha=0.2)
        ax.plot(ns, q[:, 1], color=f"C{k}", marker="o", ms=3, label=_case_label(arch, s))
        share = [top_unit_share(arch, s, n, 0.01, n_samples // 4, seed=k).mean() for n in ns]
        ax_share.plot(ns, 100 * np.array(share), color=f"C{k}", marker="o", ms=3,
                      label=_case_label(arch, s))
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


def figure_lyapunov_vs_gain(data: dict[str, np.ndarray],
                            cases: Sequence[tuple[str, float]]) -> Figure:
    """``lambda_max`` vs ``g/g_c`` per architecture (one panel each), one curve per ``s_b``:
    mean ± s.e. over seeds; the mean-field ``g_c`` of the tanh RNN marked by triangles."""
    archs = list(dict.fromkeys(a for a, _ in cases))
    fig, axes = plt.subplots(1, len(archs), figsize=(PAGE, 2.6), sharey=True, squeeze=False)
    ratios = data["ratios"]
    n_seeds = data["exponents"].shape[1]
    for ax, arch in zip(axes[0], archs, strict=True):
        rows = [(i, s) for i, (a, s) in enumerate(cases) if a == arch]
        for k, (i, s) in enumerate(rows):
            vals = data["exponents"][i]
            sem = vals.std(axis=0, ddof=1) / np.sqrt(n_seeds)
            ax.errorbar(ratios, vals.mean(axis=0), yerr=sem,
                        color=f"C{k}", marker="o", ms=2, lw=1, capsize=1.2,
                        label=rf"$s_b={s:g}$")
            if np.isfinite(data["g_mf"][i]) and data["g_mf"][i] != data["g_c"][i]:
                ax.plot(data["g_mf"][i] / data["g_c"][i], 0.0, marker="v", color=f"C{k}", ms=6,
                        ls="none", label="mean-field $g_c$" if k == 1 else None)
        ax.axhline(0.0, color="k", lw=0.6)
        ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
        ax.set_title(arch.upper(), fontsize=8)
        ax.set_xlabel(r"$g / g_c$ (zero-state $g_c$)")
    axes[0, 0].set_ylabel(r"$\lambda_{\max}$ [nats / step]")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_lyapunov_spectra(spectra: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Top-k Lyapunov spectra: ``arch -> (ratios (R,), exponents (R, k))``, one panel each."""
    fig, axes = plt.subplots(1, len(spectra), figsize=(PAGE, 2.4), sharey=True, squeeze=False)
    for ax, (arch, (ratios, exps)) in zip(axes[0], spectra.items(), strict=True):
        for j, r in enumerate(ratios):
            ax.plot(np.arange(1, exps.shape[1] + 1), exps[j], marker="o", ms=2, lw=1,
                    color=f"C{j}", label=rf"$g={r:g}\,g_c$")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(arch.upper(), fontsize=8)
        ax.set_xlabel("index $i$")
    axes[0, 0].set_ylabel(r"$\lambda_i$ [nats / step]")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_phase_diagrams(diagrams: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Heat maps of ``lambda_max`` over ``(g, s_b)`` with the ``g_c(s_b)`` curves on top."""
    from matplotlib.colors import TwoSlopeNorm

    from .theory import critical_gain

    fig, axes = plt.subplots(1, len(diagrams), figsize=(PAGE, 2.6), sharey=True, squeeze=False)
    for ax, (arch, d) in zip(axes[0], diagrams.items(), strict=True):
        lam = d["exponents"]
        # symmetric colour scale set by the largest (chaotic) exponent of the panel; the
        # deeply ordered region saturates at -limit
        limit = max(float(lam.max()), 0.02)
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
        mesh = ax.pcolormesh(d["gains"], d["bias_stds"], np.clip(lam, -limit, limit),
                             cmap="RdBu_r", norm=norm, shading="nearest", rasterized=True)
        fine = np.linspace(d["bias_stds"].min(), d["bias_stds"].max(), 60)
        ax.plot([critical_gain(arch, s) for s in fine], fine, "k-", lw=1.2,
                label="zero-state $g_c$")
        if arch == "rnn":
            ax.plot([critical_gain(arch, s, method="mean_field") for s in fine], fine, "k--",
                    lw=1.2, label="mean-field $g_c$")
        ax.set_xlim(d["gains"].min(), d["gains"].max())
        ax.set_title(arch.upper(), fontsize=8)
        ax.set_xlabel("$g$")
        fig.colorbar(mesh, ax=ax, label=r"$\lambda_{\max}$ (clipped)", fraction=0.05, pad=0.02,
                     extend="both")
        ax.legend(fontsize=5.5, loc="upper right")
    axes[0, 0].set_ylabel("$s_b$")
    fig.tight_layout()
    return fig


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` as float, refusing to plot NaN (a diverged run must be counted, not NaN)."""
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{what} contains NaN: refusing to draw it")
    return arr


def _arch_title(arch: str) -> str:
    return {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM", "minimalrnn": "minimalRNN"}[arch]


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
            vpt = _finite(data["vpt_mean"][j, s, :, k], "VPT")
            sem = vpt.std(axis=0, ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else 0 * vpt[0]
            ax.errorbar(ratios, vpt.mean(axis=0), yerr=sem, color=f"C{s}", marker="o", ms=2,
                        lw=1, capsize=1.2, label=rf"$s_b={sb:g}$")
            drv = _finite(data["lyap_driven"][j, s], "driven exponent").mean(axis=0)
            aut = _finite(data["lyap_autonomous"][j, s], "autonomous exponent").mean(axis=0)
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
        ax.set_title(_arch_title(arch), fontsize=8)
        ax.set_ylim(bottom=0.0)
        ax_l.set_xlabel(r"$g$" if arch == "minimalrnn" else r"$g / g_c$")
    axes[0, 0].set_ylabel("VPT [Lyapunov times]")
    axes[1, 0].set_ylabel(r"$\lambda_{\max}$ [nats/step]")
    from matplotlib.lines import Line2D

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
        :func:`gcrit_utils.forecast_sweep.finished_forecast_groups` returns them. One panel
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
                vpt = _finite(data["vpt_mean"][0, 0, :, k], "VPT")
                sem = vpt.std(axis=0, ddof=1) / np.sqrt(len(vpt)) if len(vpt) > 1 else 0 * vpt[0]
                mean = vpt.mean(axis=0)
                ax.plot(data["ratios"], mean, color=f"C{c}", lw=1, label=label)
                ax.fill_between(data["ratios"], mean - sem, mean + sem, color=f"C{c}",
                                alpha=0.25, lw=0)
            if arch != "minimalrnn":
                ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
            ax.set_ylim(bottom=0.0)
            ax.set_title(rf"{_arch_title(arch)}, $s_b={sb:g}$", fontsize=7)
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
    from .forecast_sweep import forecast_summary

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
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, marker="o", ls="none", ms=4, label=_arch_title(a))
               for a, c in colors.items()]
    handles += [Line2D([], [], color="k", marker=m, ls="none", ms=4, mfc="white",
                       label=rf"$\sigma_{{in}}={s:g}$") for s, m in markers.items()
                if s in maps]
    axes[0, -1].legend(handles=handles, fontsize=6, loc="upper left")
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
                vpt = _finite(data["vpt_mean"][j, 0, :, k], "VPT").mean(axis=0)
                ax.plot(ratios, vpt, color=f"C{j}", lw=1, ls="-" if readout == "squared"
                        else "--", label=_arch_title(str(arch)) if k == 1 else None)
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
        shown = np.clip(_finite(pred[:, component], "prediction"), -5, 5)
        ax.plot(t, shown, color="C3", lw=1, ls="--", label="closed-loop forecast")
        ax.axvline(vpt, color="C0", lw=0.8, ls=":")
        ax.set_ylabel(rf"$g={r:g}\,g_c$", fontsize=7)
        ax.set_ylim(-3.2, 3.2)
    axes[0, 0].legend(fontsize=6, loc="upper right", ncol=2)
    axes[-1, 0].set_xlabel("time [Lyapunov times] (dotted: valid prediction time)")
    fig.tight_layout()
    return fig


def figure_performance(reservoir: dict, lyapunov: dict, book: dict) -> Figure:
    """Benchmark results (the JSON files of ``benchmarks/results``) as three bar charts.

    Left: reservoir-steps per second (5000 teacher-forced steps + ridge, 32 gains), our
    engine vs reservoirpy and vs loops of torch modules. Middle: the recurrent
    step's fraction of the same-shape fp32 GEMM rate. Right: wall time of the book's commands.
    """
    fig, (ax_r, ax_g, ax_b) = plt.subplots(1, 3, figsize=(PAGE, 3.0),
                                           gridspec_kw={"width_ratios": [1.3, 0.7, 1.3]})
    rv = reservoir["rnn_vs_reservoirpy"]
    bars = [("tanh RNN, reservoirpy", rv["reservoirpy_reservoir_steps_per_s"], "0.6"),
            ("tanh RNN, ours f64", rv["engine_float64_reservoir_steps_per_s"], "C0"),
            ("tanh RNN, ours f32", rv["engine_float32_reservoir_steps_per_s"], "C0")]
    for arch in ("gru", "lstm"):
        rec = reservoir[f"{arch}_vs_torch_modules"]
        bars += [(f"{arch.upper()}, torch loop", rec["module_loop_reservoir_steps_per_s"], "0.6"),
                 (f"{arch.upper()}, ours f32", rec["engine_reservoir_steps_per_s"], "C1")]
    ax_r.barh(range(len(bars)), [b[1] / 1e3 for b in bars], color=[b[2] for b in bars])
    ax_r.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=6)
    ax_r.invert_yaxis()
    ax_r.set_xlabel("thousand reservoir-steps / s")
    steps = reservoir["recurrent_step"]
    archs = list(steps)
    x = np.arange(len(archs))
    ax_g.bar(x - 0.2, [100 * steps[a]["fraction_of_gemm_rate"] for a in archs], 0.4,
             color="C2", label="fresh history")
    if all("reused_buffer_fraction_of_gemm_rate" in steps[a] for a in archs):
        ax_g.bar(x + 0.2, [100 * steps[a]["reused_buffer_fraction_of_gemm_rate"]
                           for a in archs], 0.4, color="C9", label="reused buffer")
    ax_g.set_xticks(x, archs)
    ax_g.axhline(50, color="k", lw=0.8, ls="--", label="target 50%")
    ax_g.set_ylim(0, 115)
    ax_g.set_ylabel("% of same-shape fp32 GEMM rate")
    ax_g.legend(fontsize=5, loc="upper right")
    names = list(book["steps"])
    ax_b.barh(range(len(names)), [book["steps"][k]["seconds"] for k in names], color="C4")
    ax_b.set_yticks(range(len(names)), names, fontsize=6)
    ax_b.invert_yaxis()
    ax_b.set_xlabel("wall time [s]")
    ax_g.tick_params(axis="x", labelsize=6)
    fig.tight_layout()
    return fig


def figure_cobweb(nets: object, x0: float, steps: int = 60, span: float | None = None
                  ) -> Figure:
    """Network 0 of a :class:`~gcrit_utils.scrambling.ScalarNetworks`: ``f`` and ``f^3``
    against the diagonal (their crossings are fixed and period-3 points) and a cobweb of the
    orbit of ``x0``."""
    from .scrambling import ScalarNetworks, orbit, period3_points

    assert isinstance(nets, ScalarNetworks)
    single = ScalarNetworks(nets.w[:1], nets.b[:1], nets.a[:1], nets.activation, nets.gain)
    traj = _finite(orbit(single, np.array([x0]), steps)[:, 0], "orbit")
    half = span if span is not None else 1.2 * np.max(np.abs(traj)) + 0.1
    x = np.linspace(-half, half, 2001)
    fig, (ax_f, ax_c) = plt.subplots(1, 2, figsize=(PAGE, 3.0))
    ax_f.plot(x, single(x)[0], color="C0", lw=1, label="$f$")
    ax_f.plot(x, single.iterate(x, 3)[0], color="C1", lw=0.8, label="$f^3$")
    ax_f.plot(x, x, color="k", lw=0.6, label="$y = x$")
    p3 = period3_points(single)[0]
    p3 = p3[np.abs(p3) <= half]
    ax_f.plot(p3, p3, "o", color="C3", ms=3, label="period-3 points")
    ax_f.set_ylim(-half, half)
    ax_f.set_xlabel("$x$")
    ax_f.legend(fontsize=6)
    ax_c.plot(x, single(x)[0], color="C0", lw=1)
    ax_c.plot(x, x, color="k", lw=0.6)
    xs = np.repeat(traj, 2)[:-1]
    ys = np.concatenate([[traj[0]], np.repeat(traj[1:], 2)])[: xs.size]
    ax_c.plot(xs, np.concatenate([[0.0], ys[1:]]), color="C3", lw=0.5, alpha=0.8)
    ax_c.set_xlim(-half, half)
    ax_c.set_ylim(-half, half)
    ax_c.set_xlabel("$x_t$")
    ax_c.set_ylabel("$x_{t+1}$")
    ax_c.set_title(f"cobweb of the orbit of $x_0 = {x0:g}$", fontsize=8)
    fig.tight_layout()
    return fig


def figure_period3_vs_width(results: dict[str, dict[str, np.ndarray]]) -> Figure:
    """P(period-3 point) vs width with 95% Wilson intervals, one curve per setting
    (``results``: label -> :func:`~gcrit_utils.scrambling.period3_probability`)."""
    fig, ax = plt.subplots(figsize=(COLUMN * 1.3, 2.8))
    for k, (label, res) in enumerate(results.items()):
        p = _finite(res["probability"], "probability")
        err = np.vstack([p - res["low"], res["high"] - p])
        ax.errorbar(res["widths"], p, yerr=err, marker="o", ms=3, lw=1, capsize=2,
                    color=f"C{k}", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width $k$ (hidden units)")
    ax.set_ylabel("P(period-3 point)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_scrambling(distance: np.ndarray, bifurcation: np.ndarray, gains: np.ndarray
                      ) -> Figure:
    """Left: ``|f^n x - f^n y|`` of a scrambled pair (log scale). Right: attractor samples of
    one network against the output gain (bifurcation diagram)."""
    fig, (ax_d, ax_b) = plt.subplots(1, 2, figsize=(PAGE, 2.8))
    d = _finite(distance, "distance")
    ax_d.semilogy(np.arange(d.size), np.maximum(d, 1e-18), color="C0", lw=0.7)
    ax_d.set_xlabel("iteration $n$")
    ax_d.set_ylabel(r"$|f^n(x) - f^n(y)|$")
    b = _finite(bifurcation, "bifurcation samples")
    ax_b.plot(np.repeat(gains, b.shape[1]), b.ravel(), ",", color="k", alpha=0.5)
    ax_b.set_xlabel("output gain $\\gamma$ ($f_\\gamma = \\gamma f$)")
    ax_b.set_ylabel("attractor samples $x_t$")
    fig.tight_layout()
    return fig


def _beyond_label(case: Sequence) -> str:
    arch, s, cand = case
    tail = rf", $s_n={cand:g}$" if cand else ""
    return rf"{arch.upper()} $s_b={s:g}${tail}"


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
        ax.errorbar(ratios, vals.mean(axis=0), yerr=sem, color=color, marker="o", ms=2, lw=1,
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
        ax.errorbar(x + 0.2 * (k - 1), _finite(mean, label), yerr=_finite(sem, label),
                    marker=marker, ms=3.5,
                    ls="none", capsize=1.5, color=f"C{k}", label=label)
    ax.axhspan(-3, 3, color="0.85", zorder=0, label="±3%")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xticks(x, [_beyond_label(c) for c in cases], rotation=60, ha="right", fontsize=6)
    ax.set_ylabel(r"$g_{\mathrm{fp}} / g_{\mathrm{pred}} - 1$ [%]")
    ax.set_yscale("symlog", linthresh=10)
    ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return fig


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
                ax.plot(t, _finite(d[f"theory_{key}"][j], "theory"), color=f"C{j}", lw=1,
                        label=rf"$g={g:g}$")
                ax.plot(t[::2], _finite(d[f"sim_{key}"][::2, j], "simulation"), ".",
                        color=f"C{j}", ms=2.5)
        axes[0, col].set_title(_arch_title(arch), fontsize=8)
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
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(1, len(maps), figsize=(PAGE, 2.5), squeeze=False)
    mesh = None
    for ax, (title, d) in zip(axes[0], maps.items(), strict=True):
        chi = _finite(d["chi_1"], "chi_1")
        with np.errstate(divide="ignore"):
            xi = np.where(chi < 1.0, -1.0 / np.log(np.clip(chi, 1e-300, None)), np.nan)
        xi = np.clip(xi, 0.1, 1e3)
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
        ax.errorbar(d["gains"], _finite(d["measured"], "measured"), yerr=d["stderr"], fmt="o",
                    ms=2.5, lw=0.8, color="C0", label=r"measured $\lambda_{\max}$ (driven)")
        ax.plot(d["gains"], _finite(d["annealed"], "annealed"), color="C1",
                label=r"mean field $\ln(\chi_1)/2$")
        if np.isfinite(d["g_c"]):
            ax.axvline(d["g_c"], color="0.4", ls="--", lw=0.8, label="zero-state $g_c$")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(_arch_title(arch), fontsize=8)
        ax.set_xlabel("$g$")
    axes[0, 0].set_ylabel("nats / step")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_isometry(svals: dict[str, dict[int, np.ndarray]]) -> Figure:
    """Distributions of the singular values of ``T``-step Jacobian products, one panel per
    network (``svals[label][T]`` an array), log-spaced histograms."""
    fig, axes = plt.subplots(1, len(svals), figsize=(PAGE, 2.3), sharey=True, squeeze=False)
    for ax, (label, by_t) in zip(axes[0], svals.items(), strict=True):
        for k, (horizon, s) in enumerate(sorted(by_t.items())):
            s = _finite(s, "singular values")
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
            ax.plot(gains, _finite(final.mean(axis=1), "final loss"), "o-", ms=3, lw=1,
                    color=f"C{i}", label=_arch_title(arch))
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
            ax.set_title(f"{_arch_title(arch)}, {task} ({length})", fontsize=7)
            if a == len(archs) - 1:
                ax.set_xlabel("Adam step")
        axes[a, 0].set_ylabel("loss / chance")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def _spectrum_figures() -> dict[str, Callable[[str], Figure]]:
    from .experiments import SPECTRUM_CASES, stored_spectrum_sweep

    n_cloud = {"default": 1000, "paper": 2000}
    figs: dict[str, Callable[[str], Figure]] = {
        f"spectrum_grid_{arch}": (lambda scale, arch=arch: figure_spectrum_grid(
            arch, n=n_cloud[scale])) for arch in ("rnn", "gru", "lstm")}
    figs["rightmost_vs_gain"] = lambda scale: figure_rightmost_vs_gain(
        stored_spectrum_sweep(scale), SPECTRUM_CASES)
    figs["crossing_convergence"] = lambda scale: figure_crossing_convergence(
        stored_spectrum_sweep(scale), SPECTRUM_CASES)
    figs["heavy_tail"] = lambda scale: figure_heavy_tail()
    return figs


def _lyapunov_figures() -> dict[str, Callable[[str], Figure]]:
    from .experiments import LYAPUNOV_CASES, stored_lyapunov_sweep, stored_phase_diagram

    return {
        "lyapunov_vs_gain": lambda scale: figure_lyapunov_vs_gain(
            stored_lyapunov_sweep(scale), LYAPUNOV_CASES),
        "phase_diagrams": lambda scale: figure_phase_diagrams(
            {a: stored_phase_diagram(a, scale) for a in ("rnn", "gru", "lstm")}),
    }


#: (system, sigma_in) of the forecasting maps whose default and paper scales are compared
#: (chapter 05): all of them.
SCALES_COMPARED: tuple[tuple[str, float], ...] = (
    ("lorenz63", 0.1), ("lorenz63", 0.02), ("lorenz63", 0.5), ("lorenz63_x", 0.1),
    ("mackey_glass", 0.1), ("kuramoto_sivashinsky", 0.1), ("santafe_laser", 0.1))


def scales_figure_name(system: str, input_scale: float) -> str:
    """``gcrit figures`` name of the default-versus-paper figure of a forecasting map, e.g.
    ``forecast_scales_lorenz_in0p1`` (Lorenz-63) or ``forecast_scales_lorenz63_x_in0p1``."""
    from .forecast_sweep import input_tag

    return (f"forecast_scales_{'lorenz' if system == 'lorenz63' else system}_"
            f"{input_tag(input_scale)}")


def _forecast_figures() -> dict[str, Callable[[str], Figure]]:
    from .forecast_sweep import (
        FORECAST_ENTRIES,
        figure_name,
        finished_forecast_groups,
        scale_label,
        stored_forecast,
    )
    from .systems import SYSTEMS

    lorenz = [e for e in FORECAST_ENTRIES if e[0] == "lorenz63"]
    others = [e for e in FORECAST_ENTRIES if e[0] != "lorenz63"]
    figs: dict[str, Callable[[str], Figure]] = {
        figure_name("lorenz63", sin):
            (lambda scale, sin=sin: figure_forecast_vs_gain(
                stored_forecast("lorenz63", sin, scale), "squared",
                rf"Lorenz-63, $\sigma_{{in}}={sin:g}$, readout $[h, 1, h^2]$"))
        for _, sin, _ in lorenz}
    figs["forecast_vs_gain_lorenz_in0p1_linear"] = lambda scale: figure_forecast_vs_gain(
        stored_forecast("lorenz63", 0.1, scale), "linear",
        r"Lorenz-63, $\sigma_{in}=0.1$, readout $[h, 1]$")
    figs["forecast_locations"] = lambda scale: figure_forecast_locations(
        {sin: stored_forecast("lorenz63", sin, scale) for _, sin, _ in lorenz})
    figs["forecast_systems"] = lambda scale: figure_forecast_systems(
        {"lorenz63": stored_forecast("lorenz63", 0.1, scale),
         **{name: stored_forecast(name, sin, scale) for name, sin, _ in others}})
    # every (arch, s_b) group whose reservoirs are all computed at both scales; the paper
    # scale is read from its committed task files while it is being filled
    for system, sin in SCALES_COMPARED:
        figs[scales_figure_name(system, sin)] = (
            lambda scale, system=system, sin=sin: figure_forecast_scales(
                {scale_label(sc): finished_forecast_groups(system, sin, sc)[0]
                 for sc in ("default", "paper")}, "squared", SYSTEMS[system].vpt_unit))
    figs["forecast_examples"] = lambda scale: figure_example_forecasts(
        example_forecast("gru", 0.5, (0.3, 1.0, 1.5)))
    return figs


def _scrambling_figure() -> Figure:
    from .scrambling import bifurcation_points, example_chaotic_network, pair_distance

    net = example_chaotic_network()
    gains = np.linspace(0.5, 2.5, 400)
    bif = bifurcation_points(net.with_gain(1.0), gains, x0=0.1, warmup=300, keep=80)
    bounded = np.all(np.abs(bif) < 1e3, axis=1)
    return figure_scrambling(pair_distance(net, 0.1, 0.1 + 1e-9, 20000), bif[bounded],
                             gains[bounded])


def _scrambling_figures() -> dict[str, Callable[[str], Figure]]:
    from .scrambling import example_chaotic_network, period3_survey

    return {"period3_vs_width": lambda scale: figure_period3_vs_width(period3_survey()),
            "cobweb": lambda scale: figure_cobweb(example_chaotic_network(), 0.1, steps=80),
            "scrambling": lambda scale: _scrambling_figure()}


def _beyond_figures() -> dict[str, Callable[[str], Figure]]:
    from .beyond import BEYOND_CASES, stored_beyond_sweep

    return {"beyond_lyapunov": lambda scale: figure_beyond_lyapunov(
                stored_beyond_sweep(scale), BEYOND_CASES),
            "beyond_errors": lambda scale: figure_beyond_errors(
                stored_beyond_sweep(scale), BEYOND_CASES)}


def _propagation_figures() -> dict[str, Callable[[str], Figure]]:
    from . import propagation as pr
    from .training_sweep import TRAINABILITY, stored_trainability

    def trainability(scale: str) -> Figure:
        cfg = TRAINABILITY[scale]
        xi = pr.predicted_timescales(cfg["archs"], cfg["gains"], cfg["bias_std"],
                                     cfg["input_scale"])
        return figure_trainability(stored_trainability(scale), cfg["archs"], xi)

    return {
        "propagation": lambda scale: figure_propagation(pr.propagation_comparison()),
        "timescale_maps": lambda scale: figure_timescale_maps(
            *_maps_and_label(pr.bias_spread_maps(pr.TIMESCALE_GAINS, pr.TIMESCALE_STDS))),
        "timescale_maps_mu": lambda scale: figure_timescale_maps(
            pr.bias_mean_maps(pr.TIMESCALE_GAINS, pr.TIMESCALE_MEANS),
            r"bias mean $\mu$ of the memory gate"),
        "driven_lyapunov": lambda scale: figure_driven_lyapunov(
            pr.driven_lyapunov_comparison(pr.DRIVEN_GAINS)),
        "isometry": lambda scale: figure_isometry(pr.isometry_examples()),
        "trainability": trainability,
    }


def _maps_and_label(result: tuple) -> tuple:
    maps, curves = result
    return maps, "$s_b$", curves


def _training_figures() -> dict[str, Callable[[str], Figure]]:
    from .training_sweep import INIT_COMPARISON, stored_init_comparison

    def curves(scale: str) -> Figure:
        cfg = INIT_COMPARISON[scale]
        return figure_init_comparison(stored_init_comparison(scale), cfg["archs"],
                                      cfg["tasks"], cfg["inits"])

    return {"init_comparison": curves}


FIGURES: dict[str, Callable[[str], Figure]] = {
    "critical_gains": lambda scale: figure_critical_gains(),
    **_spectrum_figures(),
    **_lyapunov_figures(),
    **_forecast_figures(),
    **_scrambling_figures(),
    **_beyond_figures(),
    **_propagation_figures(),
    **_training_figures(),
}


def make_figures(outdir: str | Path = "figures", names: Sequence[str] | None = None,
                 scale: str | None = None) -> list[Path]:
    """Regenerate figures into ``outdir`` as ``NAME.pdf`` and ``NAME.png``.

    Parameters
    ----------
    outdir : path
        Output folder (created).
    names : sequence of str, optional
        Subset of ``FIGURES``; all by default.
    scale : {"default", "paper"}, optional
        Run scale (``$GCRIT_SCALE`` by default).

    Returns
    -------
    list of Path
        The files written.
    """
    from tqdm import tqdm

    scale = current_scale(scale)
    chosen = list(FIGURES) if names is None else list(names)
    unknown = [n for n in chosen if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure names {unknown}; known: {sorted(FIGURES)}")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in tqdm(chosen, desc="figures"):
        with paper_style():
            fig = FIGURES[name](scale)
            for ext in ("pdf", "png"):
                path = out / f"{name}.{ext}"
                fig.savefig(path)
                written.append(path)
            plt.close(fig)
    return written
