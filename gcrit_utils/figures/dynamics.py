"""Figures of the dynamics chapter: Lyapunov exponents against the gain, spectra, phase diagrams."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..experiments.dynamics import LYAPUNOV_CASES, sweep_lyapunov, sweep_phase_diagram
from ..theory import critical_gain
from ._style import PAGE, cell_label

__all__ = ["figure_lyapunov_vs_gain", "figure_lyapunov_spectra", "figure_phase_diagrams", "FIGURES"]


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
                        color=f"C{k}", marker="o", ms=3.5, lw=1, capsize=1.2,
                        label=rf"$s_b={s:g}$")
            if np.isfinite(data["g_mf"][i]) and data["g_mf"][i] != data["g_c"][i]:
                ax.plot(data["g_mf"][i] / data["g_c"][i], 0.0, marker="v", color=f"C{k}", ms=6,
                        ls="none", label="mean-field $g_c$" if k == 1 else None)
        ax.axhline(0.0, color="k", lw=0.6)
        ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_xlabel(r"$g / g_c$ (zero-state $g_c$)")
    axes[0, 0].set_ylabel(r"$\lambda_{\max}$ [nats / step]")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_lyapunov_spectra(spectra: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Top-k Lyapunov spectra: ``label -> (ratios (R,), exponents (R, k))``, one panel each."""
    fig, axes = plt.subplots(1, len(spectra), figsize=(PAGE, 2.4), sharey=True, squeeze=False)
    for ax, (name, (ratios, exps)) in zip(axes[0], spectra.items(), strict=True):
        for j, r in enumerate(ratios):
            ax.plot(np.arange(1, exps.shape[1] + 1), exps[j], marker="o", ms=3.5, lw=1,
                    color=f"C{j}", label=rf"$g={r:g}\,g_c$")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("index $i$")
    axes[0, 0].set_ylabel(r"$\lambda_i$ [nats / step]")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_phase_diagrams(diagrams: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Heat maps of ``lambda_max`` over ``(g, s_b)`` with the ``g_c(s_b)`` curves on top."""
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
        ax.set_title(cell_label(arch), fontsize=8)
        ax.set_xlabel("$g$")
        fig.colorbar(mesh, ax=ax, label=r"$\lambda_{\max}$ (clipped)", fraction=0.05, pad=0.02,
                     extend="both")
        ax.legend(fontsize=5.5, loc="upper right")
    axes[0, 0].set_ylabel("$s_b$")
    fig.tight_layout()
    return fig


#: name -> function(scale) -> Figure, for ``gcrit figures``.
FIGURES: dict[str, Callable[[str], Figure]] = {
    "lyapunov_vs_gain": lambda scale: figure_lyapunov_vs_gain(
        sweep_lyapunov(scale).load(), LYAPUNOV_CASES),
    "phase_diagrams": lambda scale: figure_phase_diagrams(
        {a: sweep_phase_diagram(a, scale).load() for a in ("rnn", "gru", "lstm")}),
}
