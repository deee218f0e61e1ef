"""Chaotic time series for the forecasting experiments, from ``reservoirpy.datasets``.

We do not write integrators: trajectories come from reservoirpy (maintained for exactly this);
this module adds what it lacks — a transient-free start from a seeded initial condition, the
largest Lyapunov exponent of each system (from the literature, and our own estimate where it
is cheap) so that horizons can be measured in Lyapunov times, and normalisation helpers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ._validation import check_int, check_positive

__all__ = ["LYAPUNOV_EXPONENTS", "lorenz63", "normalise", "estimate_max_lyapunov_flow"]

#: Largest Lyapunov exponent per unit time, with its source.
LYAPUNOV_EXPONENTS: dict[str, tuple[float, str]] = {
    "lorenz63": (0.9056, "Sprott, Chaos and Time-Series Analysis (2003), sigma=10, rho=28, "
                         "beta=8/3"),
}

#: Tolerances passed to scipy's solve_ivp (reservoirpy's default rtol is 1e-3).
_ODE_TOL = {"rtol": 1e-10, "atol": 1e-10}


def _lorenz(n_timesteps: int, dt: float, x0: np.ndarray) -> np.ndarray:
    """``n_timesteps`` samples exactly ``dt`` apart, the first one ``x0``.

    reservoirpy 0.4.2 samples ``linspace(0, n h, n)``, i.e. every ``h n / (n - 1)``, not
    every ``h``; we pass ``h = dt (n - 1) / n`` to get the spacing ``dt``. (Uncorrected, a
    short call with n = 6 stretches time by 20% and inflates a Lyapunov estimate by as much.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reservoirpy's import-time notices
        from reservoirpy.datasets import lorenz
    if n_timesteps < 2:
        return np.asarray(x0, dtype=np.float64)[None, :]
    h = dt * (n_timesteps - 1) / n_timesteps
    return np.asarray(lorenz(n_timesteps, h=h, x0=list(x0), **_ODE_TOL), dtype=np.float64)


def lorenz63(n_steps: int, dt: float = 0.02, transient: float = 50.0, seed: int = 0
             ) -> np.ndarray:
    """A Lorenz-63 trajectory on the attractor (sigma=10, rho=28, beta=8/3).

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    dt : float
        Sampling interval (model time units).
    transient : float
        Time integrated and discarded first, so the trajectory starts on the attractor.
    seed : int
        Seed of the initial condition ``(1, 1, 1) + N(0, 1)``.

    Returns
    -------
    ndarray, shape (n_steps, 3)
    """
    n_steps = check_int("n_steps", n_steps, 1)
    dt = check_positive("dt", dt)
    transient = check_positive("transient", transient)
    x0 = np.ones(3) + np.random.default_rng(check_int("seed", seed, 0)).standard_normal(3)
    skip = int(round(transient / dt))
    return _lorenz(skip + n_steps, dt, x0)[skip:]


def normalise(u: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u - mean) / std`` per component; statistics from ``u`` unless given.

    Returns
    -------
    normalised, mean, std : ndarray
        Shapes (T, d), (d,), (d,).
    """
    u = np.asarray(u, dtype=np.float64)
    m = u.mean(axis=0) if mean is None else np.asarray(mean, dtype=np.float64)
    s = u.std(axis=0) if std is None else np.asarray(std, dtype=np.float64)
    if np.any(s <= 0):
        raise ValueError("std must be > 0 in every component (a constant series?)")
    return (u - m) / s, m, s


def estimate_max_lyapunov_flow(
    flow: Callable[[np.ndarray, int], np.ndarray],
    x0: np.ndarray,
    dt: float,
    n_renorm: int = 2000,
    steps_per_renorm: int = 5,
    eps: float = 1e-8,
) -> tuple[float, float]:
    """Largest Lyapunov exponent of a flow by two nearby trajectories (Benettin et al.).

    Parameters
    ----------
    flow : callable
        ``flow(x0, n)`` returns ``n`` samples, spaced ``dt``, starting with ``x0``.
    x0 : ndarray, shape (d,)
        A point on the attractor.
    dt : float
        Sampling interval of ``flow``.
    n_renorm : int
        Number of renormalisations of the separation.
    steps_per_renorm : int
        Samples between renormalisations.
    eps : float
        Separation after each renormalisation.

    Returns
    -------
    exponent, stderr : float
        Per unit time; ``stderr`` from the spread of 10 blocks.
    """
    dt = check_positive("dt", dt)
    n_renorm = check_int("n_renorm", n_renorm, 10)
    k = check_int("steps_per_renorm", steps_per_renorm, 1)
    eps = check_positive("eps", eps)
    x = np.asarray(x0, dtype=np.float64)
    rng = np.random.default_rng(0)
    v = rng.standard_normal(x.shape)
    y = x + eps * v / np.linalg.norm(v)
    logs = np.empty(n_renorm)
    for i in range(n_renorm):
        xs, ys = flow(x, k + 1), flow(y, k + 1)
        x, y_end = xs[-1], ys[-1]
        d = np.linalg.norm(y_end - x)
        logs[i] = np.log(d / eps)
        y = x + eps * (y_end - x) / d
    rates = logs / (k * dt)
    blocks = np.array([b.mean() for b in np.array_split(rates, 10)])
    return float(rates.mean()), float(blocks.std(ddof=1) / np.sqrt(10))
