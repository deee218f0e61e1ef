"""Shared style of the book's figures: sizes, rc settings, labels."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib
import numpy as np

from ..cells import get_cell

__all__ = ["COLUMN", "PAGE", "paper_style", "finite", "cell_label", "case_label"]

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


def finite(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` as float, refusing to plot NaN (a diverged run must be counted, not NaN)."""
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{what} contains NaN: refusing to draw it")
    return arr



def cell_label(arch: str) -> str:
    """The cell's name for titles and legends, e.g. ``"tanh RNN"``."""
    return get_cell(arch).label


def case_label(arch: str, s: float) -> str:
    """``"GRU, $s_b=0.5$"``."""
    return f"{cell_label(arch)}, $s_b={s:g}$"
