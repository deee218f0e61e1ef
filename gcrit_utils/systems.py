"""Chaotic time series for the forecasting experiments, from ``reservoirpy.datasets``.

We do not write integrators: trajectories come from reservoirpy (maintained for exactly this);
this module adds what it lacks — a transient-free start from a seeded initial condition, the
largest Lyapunov exponent of each system (from the literature, and our own estimate where it
is cheap) so that horizons can be measured in Lyapunov times, and normalisation helpers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import check_int, check_positive

__all__ = [
    "LYAPUNOV_EXPONENTS",
    "SYSTEMS",
    "System",
    "lorenz63",
    "mackey_glass",
    "kuramoto_sivashinsky",
    "santafe_laser",
    "system_series",
    "normalise",
    "estimate_max_lyapunov_flow",
    "mackey_glass_flow",
    "kuramoto_sivashinsky_flow",
]

#: Largest Lyapunov exponent per unit time of the series we generate, with its source.
LYAPUNOV_EXPONENTS: dict[str, tuple[float, str]] = {
    "lorenz63": (0.9056, "Sprott, Chaos and Time-Series Analysis (2003), sigma=10, rho=28, "
                         "beta=8/3; our Benettin estimate agrees (0.90 +- 0.03)"),
    "mackey_glass": (0.0048, "our Benettin estimate (0.0048 +- 0.0001) for reservoirpy's "
                             "unit-step discretisation; the delay equation itself has 0.0056 "
                             "(Farmer, Physica D 4, 366 (1982); 100-point discretisation)"),
    "kuramoto_sivashinsky": (0.081, "our Benettin estimate (0.081 +- 0.004) for L = 12 pi, "
                                    "64 modes, reservoirpy's ETDRK4; for comparison L = 22 "
                                    "has 0.043 (Ding et al., PRL 117, 024101 (2016))"),
}

#: reservoirpy's Mackey-Glass step: its scheme omits h from the delayed term, so only h = 1
#: integrates the equation it documents (h = 0.1 yields values up to 8 instead of 0.4-1.3).
_MG_STEP = 1.0
_MG_LAG = 17
#: Half-period M of the Kuramoto-Sivashinsky domain, L = 2 pi M. reservoirpy uses M also as
#: the number of contour points of ETDRK4, so it must be an integer: L = 22 is impossible;
#: M = 4 (L = 25.1) settles on a non-chaotic state (lambda = 0.0015 +- 0.0009), M = 5
#: overflows, M = 6 (L = 37.7) is chaotic and resolved by 64 modes (spectral tail < 1e-5).
_KS_HALF_PERIOD = 6
_KS_MODES = 64


@dataclass(frozen=True)
class System:
    """A forecasting benchmark.

    Attributes
    ----------
    name : str
        Key of :data:`~gcrit_utils.systems.SYSTEMS`.
    dt : float
        Sampling interval of the series (model time units; 1 sample for measured data).
    dim : int
        Number of observed components ``d``.
    lyapunov_exponent : float or None
        Largest exponent per time unit; ``None`` for measured data (VPT then in samples).
    description : str
        One line for tables.
    """

    name: str
    dt: float
    dim: int
    lyapunov_exponent: float | None
    description: str

    @property
    def lyapunov_time(self) -> float:
        """Samples per Lyapunov time (1 if the exponent is unknown: VPT in samples)."""
        if self.lyapunov_exponent is None:
            return 1.0
        return 1.0 / (self.dt * self.lyapunov_exponent)

    @property
    def vpt_unit(self) -> str:
        """Unit of the VPT for tables and axes: ``"Lyapunov times"`` or ``"samples"``."""
        return "samples" if self.lyapunov_exponent is None else "Lyapunov times"

    @property
    def vpt_scale(self) -> tuple[float, float]:
        """``(dt, exponent)`` to pass to :func:`~gcrit_utils.forecast.valid_prediction_time`."""
        if self.lyapunov_exponent is None:
            return 1.0, 1.0
        return self.dt, self.lyapunov_exponent


#: The five forecasting benchmarks of the book.
SYSTEMS: dict[str, System] = {
    "lorenz63": System("lorenz63", 0.02, 3, LYAPUNOV_EXPONENTS["lorenz63"][0],
                       "Lorenz-63, all three components, dt = 0.02"),
    "lorenz63_x": System("lorenz63_x", 0.02, 1, LYAPUNOV_EXPONENTS["lorenz63"][0],
                         "Lorenz-63 observed through x only (needs memory), dt = 0.02"),
    "mackey_glass": System("mackey_glass", 3.0, 1, LYAPUNOV_EXPONENTS["mackey_glass"][0],
                           "Mackey-Glass, tau = 17, sampled every 3 time units"),
    "kuramoto_sivashinsky": System(
        "kuramoto_sivashinsky", 0.25, _KS_MODES, LYAPUNOV_EXPONENTS["kuramoto_sivashinsky"][0],
        "Kuramoto-Sivashinsky, L = 12 pi, 64 modes, dt = 0.25"),
    "santafe_laser": System("santafe_laser", 1.0, 1, None,
                            "Santa Fe laser (measured, 10 093 samples)"),
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


def mackey_glass(n_steps: int, dt: float = 3.0, transient: float = 1000.0, seed: int = 0
                 ) -> np.ndarray:
    """A Mackey-Glass trajectory (tau = 17, a = 0.2, b = 0.1, n = 10), from reservoirpy.

    reservoirpy's unit-step scheme (17 history points per delay) from a seeded random
    history around 1.2, sub-sampled every ``dt``.

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    dt : float
        Sampling interval, a whole number of time units.
    transient : float
        Time integrated and discarded first.
    seed : int
        Seed of the random initial history.

    Returns
    -------
    ndarray, shape (n_steps, 1)
    """
    n_steps = check_int("n_steps", n_steps, 1)
    sub = _mg_substeps(dt)
    skip = int(round(check_positive("transient", transient) / _MG_STEP))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import mackey_glass as rpy_mackey_glass
    x = rpy_mackey_glass(skip + n_steps * sub, tau=17, h=_MG_STEP, seed=check_int("seed", seed, 0))
    return np.asarray(x[skip::sub][:n_steps], dtype=np.float64)


def _mg_substeps(dt: float) -> int:
    dt = check_positive("dt", dt)
    sub = int(round(dt / _MG_STEP))
    if sub < 1 or abs(sub * _MG_STEP - dt) > 1e-9:
        raise ValueError(f"dt must be a positive multiple of {_MG_STEP}, got {dt}")
    return sub


def mackey_glass_flow(dt: float = 3.0) -> Callable[[np.ndarray, int], np.ndarray]:
    """The Mackey-Glass flow on its full state (history of 17 points and the present value).

    Returns ``flow(state, n)`` with ``state`` of shape (18,) that returns the ``n`` states
    ``dt`` apart starting with ``state`` (shape (n, 18)), for
    :func:`estimate_max_lyapunov_flow`.
    """
    sub = _mg_substeps(dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import mackey_glass as rpy_mackey_glass
    lag = _MG_LAG

    def flow(state: np.ndarray, n: int) -> np.ndarray:
        hist, x0 = state[:lag], float(state[lag])
        x = rpy_mackey_glass((n - 1) * sub + 1, tau=17, h=_MG_STEP, x0=x0, history=hist)[:, 0]
        full = np.concatenate([hist, x])
        return np.stack([full[k * sub : k * sub + lag + 1] for k in range(n)])

    return flow


def kuramoto_sivashinsky(n_steps: int, dt: float = 0.25, transient: float = 1000.0,
                         seed: int = 0) -> np.ndarray:
    """A Kuramoto-Sivashinsky trajectory, L = 12 pi, 64 modes, reservoirpy's ETDRK4.

    Parameters
    ----------
    n_steps : int
        Number of samples returned.
    dt : float
        Integration step and sampling interval.
    transient : float
        Time integrated and discarded first.
    seed : int
        Seed of a 1% perturbation of reservoirpy's default initial profile.

    Returns
    -------
    ndarray, shape (n_steps, 64)
    """
    n_steps = check_int("n_steps", n_steps, 1)
    dt = check_positive("dt", dt)
    skip = int(round(check_positive("transient", transient) / dt))
    m, n = _KS_HALF_PERIOD, _KS_MODES
    grid = 2 * m * np.pi * np.arange(1, n + 1) / n
    x0 = np.cos(grid / m) * (1 + np.sin(grid / m))
    x0 = x0 + 0.01 * np.random.default_rng(check_int("seed", seed, 0)).standard_normal(n)
    return kuramoto_sivashinsky_flow(dt)(x0, skip + n_steps)[skip:]


def kuramoto_sivashinsky_flow(dt: float = 0.25) -> Callable[[np.ndarray, int], np.ndarray]:
    """``flow(x0, n)``: ``n`` KS profiles (64 points) ``dt`` apart starting with ``x0``.

    Calls reservoirpy's ETDRK4 integrator without its on-disk joblib cache (which would
    store every call of a Lyapunov estimate).
    """
    dt = check_positive("dt", dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import _chaos
    integrate = getattr(_chaos._kuramoto_sivashinsky, "func", _chaos._kuramoto_sivashinsky)

    def flow(x0: np.ndarray, n: int) -> np.ndarray:
        return np.asarray(integrate(n, warmup=0, N=_KS_MODES, M=_KS_HALF_PERIOD,
                                    x0=np.asarray(x0, dtype=np.float64), h=dt))

    return flow


def santafe_laser() -> np.ndarray:
    """The Santa Fe laser series (measured far-infrared laser intensity), shape (10093, 1)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import santafe_laser as rpy_laser
    return np.asarray(rpy_laser(), dtype=np.float64)


def system_series(name: str, n_steps: int, seed: int = 0) -> np.ndarray:
    """``n_steps`` raw (unnormalised) samples of a system of
    :data:`~gcrit_utils.systems.SYSTEMS`.

    The laser is a fixed recording: ``seed`` is ignored and ``n_steps`` may not exceed
    its length.

    Returns
    -------
    ndarray, shape (n_steps, SYSTEMS[name].dim)
    """
    if name not in SYSTEMS:
        raise ValueError(f"name must be one of {sorted(SYSTEMS)}, got {name!r}")
    n_steps = check_int("n_steps", n_steps, 1)
    system = SYSTEMS[name]
    if name == "lorenz63":
        return lorenz63(n_steps, dt=system.dt, seed=seed)
    if name == "lorenz63_x":
        return lorenz63(n_steps, dt=system.dt, seed=seed)[:, :1]
    if name == "mackey_glass":
        return mackey_glass(n_steps, dt=system.dt, seed=seed)
    if name == "kuramoto_sivashinsky":
        return kuramoto_sivashinsky(n_steps, dt=system.dt, seed=seed)
    data = santafe_laser()
    if n_steps > data.shape[0]:
        raise ValueError(f"n_steps must be <= {data.shape[0]} for the laser, got {n_steps}")
    return data[:n_steps]


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
