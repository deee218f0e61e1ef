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

from .experiments import critical_gain_curves, current_scale, probit_errors

__all__ = ["paper_style", "figure_critical_gains", "FIGURES", "make_figures"]

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
        "figure.dpi": 150,
        "savefig.bbox": "tight",
    }
    with matplotlib.rc_context(rc):
        yield


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
FIGURES: dict[str, Callable[[str], Figure]] = {
    "critical_gains": lambda scale: figure_critical_gains(),
}


def make_figures(outdir: str | Path = "figures", names: Sequence[str] | None = None,
                 scale: str | None = None) -> list[Path]:
    """Regenerate figures into ``outdir`` as ``NAME.pdf`` and ``NAME.png``.

    Parameters
    ----------
    outdir : path
        Output folder (created).
    names : sequence of str, optional
        Subset of :data:`FIGURES`; all by default.
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
