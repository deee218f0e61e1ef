"""Confidence intervals the book reports: binomial proportions and medians of few seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats
from scipy.stats import beta

from ._validation import check_int

__all__ = ["wilson_interval", "clopper_pearson_interval", "median_interval"]


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% for ``z = 1.96``)."""
    trials = check_int("trials", trials, 1)
    successes = check_int("successes", successes, 0)
    if successes > trials:
        raise ValueError(f"successes must be <= trials={trials}, got {successes}")
    p = successes / trials
    denom = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def clopper_pearson_interval(successes: int, trials: int, level: float = 0.95
                             ) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a binomial proportion: conservative, and valid
    for any count, zero included."""
    trials = check_int("trials", trials, 1)
    successes = check_int("successes", successes, 0)
    if successes > trials:
        raise ValueError(f"successes must be <= trials={trials}, got {successes}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    tail = (1 - level) / 2
    low = beta.ppf(tail, successes, trials - successes + 1) if successes else 0.0
    high = beta.ppf(1 - tail, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)


def median_interval(values: Sequence[float] | np.ndarray, level: float = 0.9
                    ) -> tuple[float, float, float, float]:
    """The median of ``values`` and a distribution-free interval for it.

    The interval is ``[x_(j), x_(n+1-j)]`` between order statistics, with the largest ``j``
    whose coverage ``P(j <= Binomial(n, 1/2) <= n - j)`` is at least ``level``; with few
    values it falls back to the range (coverage ``1 - 2^(1-n)``: 0.94 at ``n = 5``).
    ``+inf`` is allowed (e.g. a diverged training run) and sorts last; NaN is not.

    Returns
    -------
    median, low, high, coverage : float
        ``coverage`` is the exact coverage of ``[low, high]`` for a continuous distribution.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if x.ndim != 1 or x.size == 0 or np.any(np.isnan(x)) or np.any(x == -np.inf):
        raise ValueError("values must be a non-empty 1-d array of numbers or +inf (no NaN)")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    n = x.size
    best = 1
    for j in range(1, n // 2 + 1):
        coverage = stats.binom.cdf(n - j, n, 0.5) - stats.binom.cdf(j - 1, n, 0.5)
        if coverage >= level:
            best = j
    coverage = float(stats.binom.cdf(n - best, n, 0.5) - stats.binom.cdf(best - 1, n, 0.5))
    return float(np.median(x)), float(x[best - 1]), float(x[n - best]), coverage
