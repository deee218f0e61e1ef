"""Plain-text tables for the chapters' "What we measured" boxes.

Printed text (not HTML) so that nbval compares every number the book shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["format_table", "value_range", "mean_and_error", "crossing_summary"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Align ``rows`` under ``headers`` in a pipe table (cells are converted with ``str``).

    Parameters
    ----------
    headers : sequence of str, length C
    rows : sequence of sequences, each of length C

    Returns
    -------
    str
        One line per row, columns right-aligned and separated by vertical bars.
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    if any(len(r) != len(headers) for r in cells):
        raise ValueError("every row must have as many cells as headers")
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def value_range(values: Iterable[float], digits: int = 2, signed: bool = False) -> str:
    """``"0.70–0.90"`` (en dash): the smallest and largest of ``values``, or one value if all
    round alike; ``signed`` writes a sign on each (``"−3 to +17"`` then, to keep signs apart).

    Raises
    ------
    ValueError
        If ``values`` is empty or holds a NaN.
    """
    vals = np.asarray(list(values), dtype=float)
    if vals.size == 0 or np.isnan(vals).any():
        raise ValueError(f"values must be non-empty and without NaN, got {vals}")
    spec = f"{'+' if signed else ''}.{digits}f"
    lo, hi = format(vals.min(), spec), format(vals.max(), spec)
    if lo == hi:
        return lo
    return f"{lo} to {hi}" if signed else f"{lo}–{hi}"


def mean_and_error(values: Sequence[float] | np.ndarray, digits: int = 3) -> str:
    """``"mean ± sem"`` of ``values`` (standard error over the samples), rounded.

    With one value, only the value is shown.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("values must not be empty")
    if x.size == 1:
        return f"{x[0]:.{digits}f}"
    sem = x.std(ddof=1) / np.sqrt(x.size)
    return f"{x.mean():.{digits}f} ± {sem:.{digits}f}"


def crossing_summary(values: Sequence[float] | np.ndarray, upper: float, digits: int = 3) -> str:
    """``mean ± sem`` of crossing points, saying how many were beyond the scanned range.

    Parameters
    ----------
    values : array_like
        One crossing per seed; ``inf`` where none was found up to ``upper``.
    upper : float
        End of the scanned range.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = x[np.isfinite(x)]
    if finite.size == x.size:
        return mean_and_error(finite, digits)
    beyond = f"> {upper:.{digits}g} in {x.size - finite.size}/{x.size} seeds"
    if finite.size == 0:
        return beyond
    return f"{mean_and_error(finite, digits)} ({finite.size} seeds); {beyond}"



