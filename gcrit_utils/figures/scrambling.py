"""Figures of the scrambling chapter: period 3 and Li-Yorke chaos of random scalar maps."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..scrambling import (
    ScalarNetworks,
    bifurcation_points,
    example_chaotic_network,
    orbit,
    pair_distance,
    period3_points,
    period3_survey,
    period3_vs_gain,
)
from ._style import COLUMN, PAGE, finite

__all__ = ["figure_cobweb", "figure_period3_vs_width", "figure_period3_vs_gain",
           "figure_scrambling", "GAIN_CURVES", "period3_gain_curves", "FIGURES"]


def figure_cobweb(nets: object, x0: float, steps: int = 60, span: float | None = None
                  ) -> Figure:
    """Network 0 of a :class:`~gcrit_utils.scrambling.ScalarNetworks`: ``f`` and ``f^3``
    against the diagonal (their crossings are fixed and period-3 points) and a cobweb of the
    orbit of ``x0``."""
    assert isinstance(nets, ScalarNetworks)
    single = ScalarNetworks(nets.w[:1], nets.b[:1], nets.a[:1], nets.activation, nets.gain)
    traj = finite(orbit(single, np.array([x0]), steps)[:, 0], "orbit")
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
        p = finite(res["probability"], "probability")
        err = np.vstack([p - res["low"], res["high"] - p])
        ax.errorbar(res["widths"], p, yerr=err, marker="o", ms=3, lw=1, capsize=2,
                    color=f"C{k}", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width $k$ (hidden units)")
    ax.set_ylabel("fraction with a period-3 point found")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def figure_period3_vs_gain(curves: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Fraction of networks with a period-3 point against the output gain (log axis), with
    Clopper-Pearson bands; one curve per label (``curves``: label ->
    :func:`~gcrit_utils.scrambling.period3_vs_gain`). Dotted: ``gamma = 1``, the
    initialisation itself."""
    fig, ax = plt.subplots(figsize=(COLUMN * 1.3, 2.8))
    for k, (label, res) in enumerate(curves.items()):
        p = finite(res["probability"], "probability")
        ax.plot(res["gains"], p, marker="o", ms=3.5, lw=1, color=f"C{k}", label=label)
        ax.fill_between(res["gains"], res["low"], res["high"], color=f"C{k}", alpha=0.2, lw=0)
    ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set_xscale("log", base=2)
    ax.set_xlabel(r"output gain $\gamma$")
    ax.set_ylabel("fraction with a period-3 point found")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return fig


def figure_scrambling(distance: np.ndarray, bifurcation: np.ndarray, gains: np.ndarray
                      ) -> Figure:
    """Left: ``|f^n x - f^n y|`` of a scrambled pair (log scale). Right: attractor samples of
    one network against the output gain (bifurcation diagram)."""
    fig, (ax_d, ax_b) = plt.subplots(1, 2, figsize=(PAGE, 2.8))
    d = finite(distance, "distance")
    ax_d.semilogy(np.arange(d.size), np.maximum(d, 1e-18), color="C0", lw=0.7)
    ax_d.set_xlabel("iteration $n$")
    ax_d.set_ylabel(r"$|f^n(x) - f^n(y)|$")
    b = finite(bifurcation, "bifurcation samples")
    ax_b.plot(np.repeat(gains, b.shape[1]), b.ravel(), ",", color="k", alpha=0.5)
    ax_b.set_xlabel("output gain $\\gamma$ ($f_\\gamma = \\gamma f$)")
    ax_b.set_ylabel("attractor samples $x_t$")
    fig.tight_layout()
    return fig


def _scrambling_figure() -> Figure:
    net = example_chaotic_network()
    gains = np.linspace(0.5, 2.5, 400)
    bif = bifurcation_points(net.with_gain(1.0), gains, x0=0.1, warmup=300, keep=80)
    bounded = np.all(np.abs(bif) < 1e3, axis=1)
    return figure_scrambling(pair_distance(net, 0.1, 0.1 + 1e-9, 20000), bif[bounded],
                             gains[bounded])


#: name -> function(scale) -> Figure, for ``gcrit figures``.
#: The curves of the gain figure: label -> (init, width); gains and networks per point below.
GAIN_CURVES: dict[str, tuple[str, int]] = {
    "He, $k = 16$": ("he", 16), "He, $k = 256$": ("he", 256),
    "Xavier, $k = 16$": ("xavier", 16), "Xavier, $k = 256$": ("xavier", 256)}


def period3_gain_curves(count: int = 1000, seed: int = 2022) -> dict[str, dict[str, np.ndarray]]:
    """:func:`~gcrit_utils.scrambling.period3_vs_gain` for every curve of :data:`GAIN_CURVES`,
    at 13 gains from 1/2 to 8 (log-spaced)."""
    gains = np.geomspace(0.5, 8.0, 13)
    return {label: period3_vs_gain(gains, width, count, init, seed=seed)
            for label, (init, width) in GAIN_CURVES.items()}


FIGURES: dict[str, Callable[[str], Figure]] = {
    "period3_vs_gain": lambda scale: figure_period3_vs_gain(period3_gain_curves()),
    "period3_vs_width": lambda scale: figure_period3_vs_width(period3_survey()),
    "cobweb": lambda scale: figure_cobweb(example_chaotic_network(), 0.1, steps=80),
    "scrambling": lambda scale: _scrambling_figure(),
}
