"""Plain-text tables for the chapters' "What we measured" boxes.

Printed text (not HTML) so that nbval compares every number the book shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["format_table", "mean_and_error", "crossing_summary"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Align ``rows`` under ``headers`` in a pipe table (cells are converted with ``str``).

    Parameters
    ----------
    headers : sequence of str, length C
    rows : sequence of sequences, each of length C

    Returns
    -------
    str
        One line per row, columns right-aligned and separated by `` | ``.
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    if any(len(r) != len(headers) for r in cells):
        raise ValueError("every row must have as many cells as headers")
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


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
