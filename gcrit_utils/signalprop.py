r"""Mean-field signal propagation in input-driven random recurrent networks.

The annealed mean field of Chen, Pennington & Schoenholz (2018) and Gilboa et al. (2019):
at every step the recurrent field of a unit, ``g (W0 h_t)_i``, is Gaussian with variance
``g^2 q_t`` (``q_t = mean_i h_{t,i}^2``), independent of the unit's own state, of its gate
values at other steps and of the input drive, which is Gaussian with variance
``sigma_x^2`` per gate and unit (independent over time). Gate biases are
``N(mu_k, s_k^2)`` per unit. The LSTM's cell state is closed as a Gaussian of variance
``q_c`` (a further approximation).

- **Length map** ``q_{t+1} = M(q_t)`` and its fixed point ``q*``.
- **Covariance map** of two trajectories of the same network driven by inputs with
  correlation ``c_x``: ``q^{ab}_{t+1} = C(q^{ab}_t)``; its fixed point ``c*`` and slope
  ``chi_c`` give the time over which the network forgets where it started
  (``xi_c = -1/ln chi_c``).
- **chi_1**: growth per step of the squared length of an infinitesimal perturbation (the
  mean squared singular value of the one-step Jacobian); ``xi_1 = -1/ln chi_1`` is the
  time over which gradients vanish (``chi_1 < 1``) and ``chi_1 > 1`` is chaos.

Expectations are tensor-product quadratures (composite Gauss-Legendre in the standardised
Gaussians, :mod:`gcrit_utils.gaussian`). Each cell's maps are its ``annealed_*`` methods
(:class:`gcrit_utils.cells.base.Cell`).

The annealed treatment re-draws, in effect, the weights at every step. For the vanilla
RNN without input memory this changes nothing at leading order in ``N``; for gated cells,
whose units keep their state through ``diag(a)`` with the *same* ``a_j`` at every step, it
loses the coherent sum ``sum_k a^k = 1/(1 - a)`` that the random-matrix criterion keeps.
The signal propagation chapter measures the consequence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from ._validation import check_int, check_nonnegative, check_positive
from .cells import Cell, get_cell

__all__ = [
    "SignalParams",
    "signal_params",
    "length_fixed_point",
    "chi_one",
    "propagation_path",
    "correlation_map",
    "correlation_fixed_point",
    "timescales",
    "timescale_from_slope",
    "annealed_critical_gain",
]


@dataclass(frozen=True)
class SignalParams:
    """Parameters of the annealed mean field of one network.

    Attributes
    ----------
    arch : str
        Name of the cell.
    g : float
        Gain.
    stds, means : dict
        Bias std and mean per gate (the cell's ``gates``).
    input_std : float
        ``sigma_x``: std of the input drive per gate and unit.
    """

    arch: str
    g: float
    stds: dict[str, float]
    means: dict[str, float]
    input_std: float

    @property
    def cell(self) -> Cell:
        """The cell whose maps these are."""
        return get_cell(self.arch)


def signal_params(arch: str | Cell, g: float, bias_std: float | Mapping[str, float] = 0.0, *,
                  bias_mean: Mapping[str, float] | None = None, input_std: float = 0.0,
                  candidate_bias_std: float = 0.0) -> SignalParams:
    """Validate and bundle the parameters (see :class:`SignalParams`).

    ``bias_mean`` may name the memory gate only (``{"u": mu}`` minimalRNN, ``{"z": mu}``
    GRU, ``{"f": mu}`` LSTM).
    """
    cell = get_cell(arch)
    g = check_positive("g", g)
    stds = cell.bias_stds(bias_std, candidate_bias_std)
    allowed = (cell.memory_gate,) if cell.memory_gate else ()
    bad = set(bias_mean or {}) - set(allowed)
    if bad:
        raise ValueError(f"bias_mean keys for arch={cell.name!r} must be among {allowed}, "
                         f"got {sorted(bad)}")
    means = cell.bias_means(bias_mean)
    return SignalParams(cell.name, g, stds, means, check_nonnegative("input_std", input_std))


# --------------------------------------------------------------------------------------
# single trajectory: length map and chi_1
# --------------------------------------------------------------------------------------
def length_fixed_point(params: SignalParams) -> tuple[float, ...]:
    """Fixed point of the length map: ``(q*,)``, or ``(q_h*, q_c*)`` for the LSTM.

    Solved as a root of ``M(q) - q`` on ``[0, 1]`` (Brent): the largest root, i.e. the
    stable one reached from any ``q_0 > 0``; ``q* = 0`` when ``M(q) < q`` for all
    ``q > 0`` (no input, no bias and ``g`` below the mean-field edge). For the LSTM the
    cell part is eliminated first, ``q_c = E[i^2] E[g^2] / (1 - E[f^2])``.
    """
    p, cell = params, params.cell

    def excess(q: float) -> float:
        return cell.annealed_length(p, cell.annealed_state(p, q))[0] - q

    top = excess(1.0)
    if top >= 0.0:
        q = 1.0
    else:
        grid = np.geomspace(1e-12, 1.0, 25)
        vals = [excess(float(x)) for x in grid]
        pos = [k for k, v in enumerate(vals) if v > 0.0]
        if not pos:
            q = 0.0
        else:
            k = pos[-1]
            q = float(optimize.brentq(excess, float(grid[k]), float(grid[k + 1]),
                                      xtol=1e-15, rtol=1e-12))
    return cell.annealed_state(p, q)


def chi_one(params: SignalParams, state: tuple[float, ...] | None = None) -> float:
    """``chi_1``: per-step growth of ``E|delta h|^2`` at the stationary length ``state``
    (default: :func:`length_fixed_point`); for the LSTM the largest eigenvalue of the
    2 x 2 map of ``(E|delta h|^2, E|delta c|^2)``."""
    state = length_fixed_point(params) if state is None else state
    return params.cell.annealed_chi_one(params, state)


def propagation_path(params: SignalParams, steps: int, *, q0: float = 1.0, c0: float = 0.0,
                     input_corr: float = 0.0) -> dict[str, NDArray[np.float64]]:
    """Mean-field ``q_t`` and ``c_t`` of two trajectories started with ``q_0 = q0`` (both
    state parts for the LSTM) and correlation ``c0``, driven by inputs of correlation
    ``input_corr``.

    Returns
    -------
    dict
        ``q`` and ``c``, shape (steps + 1,), of the hidden state.
    """
    steps = check_int("steps", steps, 1)
    q0 = check_positive("q0", q0)
    if not -1.0 <= c0 <= 1.0 or not -1.0 <= input_corr <= 1.0:
        raise ValueError("c0 and input_corr must be in [-1, 1]")
    cell = params.cell
    state: tuple[float, ...] = (q0,) * cell.state_blocks
    cross = tuple(c0 * s for s in state)
    qs, cs = [state[0]], [c0]
    for _ in range(steps):
        state, cross = (cell.annealed_length(params, state),
                        cell.annealed_covariance(params, state, cross, input_corr))
        qs.append(state[0])
        cs.append(cross[0] / state[0] if state[0] > 0 else 1.0)
    return {"q": np.array(qs), "c": np.array(cs)}


def correlation_map(params: SignalParams, c: float, input_corr: float = 0.0,
                    state: tuple[float, ...] | None = None) -> float:
    """One step of the correlation map ``c_t -> c_{t+1}`` of the hidden states of two
    trajectories (same network, inputs with correlation ``input_corr``) at stationary
    lengths ``state`` (default :func:`length_fixed_point`).

    For the LSTM the cell-state correlation is taken equal to the hidden one at ``t``.
    """
    if not -1.0 <= c <= 1.0:
        raise ValueError(f"c must be in [-1, 1], got {c!r}")
    if not -1.0 <= input_corr <= 1.0:
        raise ValueError(f"input_corr must be in [-1, 1], got {input_corr!r}")
    state = length_fixed_point(params) if state is None else state
    cross = tuple(c * s for s in state)
    new = params.cell.annealed_covariance(params, state, cross, input_corr)
    return new[0] / state[0] if state[0] > 0 else 1.0


def correlation_fixed_point(params: SignalParams, input_corr: float = 0.0, *,
                            c0: float = 0.0, steps: int = 10_000, tol: float = 1e-12
                            ) -> tuple[float, list[float]]:
    """Iterate the covariance map from correlation ``c0`` to its fixed point ``c*``.

    Returns
    -------
    c_star : float
    path : list of float
        Hidden-state correlations ``c_t`` along the way (``c_0 = c0``).
    """
    steps = check_int("steps", steps, 1)
    state = length_fixed_point(params)
    cross = tuple(c0 * s for s in state)
    path = [c0]
    for _ in range(steps):
        new = params.cell.annealed_covariance(params, state, cross, input_corr)
        c = new[0] / state[0] if state[0] > 0 else 1.0
        path.append(c)
        done = max(abs(x - y) for x, y in zip(new, cross, strict=True)) < tol
        cross = new
        if done:
            break
    return path[-1], path


def timescales(params: SignalParams, input_corr: float = 0.0, *, delta: float = 1e-5
               ) -> dict[str, float]:
    """``chi_1``, ``xi_1 = -1/ln chi_1`` (``inf`` when ``chi_1 >= 1``), the correlation
    fixed point ``c*`` for inputs with correlation ``input_corr``, the slope ``chi_c`` of
    the covariance map there (finite difference, step ``delta`` in correlation) and
    ``xi_c = -1/ln chi_c``."""
    state = length_fixed_point(params)
    chi1 = chi_one(params, state)
    c_star, _ = correlation_fixed_point(params, input_corr)
    lo = max(c_star - delta, -1.0)
    hi = min(c_star + delta, 1.0)
    slope = (correlation_map(params, hi, input_corr, state)
             - correlation_map(params, lo, input_corr, state)) / (hi - lo)

    return {"q": state[0], "chi_1": chi1, "xi_1": float(timescale_from_slope(chi1)),
            "c_star": c_star, "chi_c": slope, "xi_c": float(timescale_from_slope(slope))}


def timescale_from_slope(chi: ArrayLike) -> np.ndarray:
    """Steps ``xi = -1/ln chi`` over which a perturbation shrinking by ``chi`` per step decays
    by ``e``: ``inf`` where ``chi >= 1`` (it does not decay), 0 where ``chi <= 0``, ``nan``
    where ``chi`` is.

    Parameters
    ----------
    chi : array_like
        Slopes per step (``chi_1`` or ``chi_c``), any shape.

    Returns
    -------
    ndarray
        ``xi``, the shape of ``chi`` (a 0-d array for a scalar).
    """
    chi = np.asarray(chi, dtype=float)
    inside = (chi > 0.0) & (chi < 1.0)
    xi = -1.0 / np.log(np.where(inside, chi, 0.5))  # the log's argument is in (0, 1)
    return np.where(inside | np.isnan(chi), np.where(inside, xi, np.nan),
                    np.where(chi >= 1.0, np.inf, 0.0))




def annealed_critical_gain(arch: str | Cell, bias_std: float | Mapping[str, float] = 0.0, *,
                           bias_mean: Mapping[str, float] | None = None,
                           input_std: float = 0.0,
                           bracket: tuple[float, float] = (0.05, 50.0)) -> float:
    """The gain at which the annealed mean field is critical: ``chi_1 = 1``.

    This is the criterion of Gilboa et al. (2019) for LSTMs and GRUs (and of Chen et al.
    2018 for the minimalRNN): perturbations neither grow nor shrink per step on average in
    the stationary state. Unlike the zero-state ``g_c`` it depends on the bias means and on
    the input drive, and it ignores the coherent memory of a gate that is the same at every
    step (see the module docstring).

    ``chi_1`` is taken at the stationary length (:func:`length_fixed_point`). Where that
    length appears discontinuously — the GRU with an update-gate mean, whose length map has
    a saddle-node — ``chi_1`` jumps across 1 and the gain returned is the jump.

    Parameters
    ----------
    arch, bias_std, bias_mean, input_std
        As in :func:`signal_params` (``bias_mean`` names the memory gate only).
    bracket : (float, float)
        Gains searched, from the lower end up by doubling.

    Returns
    -------
    float
        The gain; ``math.inf`` if ``chi_1 < 1`` over the whole bracket (a memory gate that
        forgets too fast, or the minimalRNN, whose ``chi_1`` stays below 1).

    Raises
    ------
    ValueError
        If ``chi_1 > 1`` already at the bracket's lower end, or the bracket is not increasing
        positive.
    """
    lo, hi = (check_positive("bracket[0]", bracket[0]), check_positive("bracket[1]", bracket[1]))
    if not lo < hi:
        raise ValueError(f"bracket must be increasing, got {bracket}")

    def log_chi(g: float) -> float:
        return math.log(chi_one(signal_params(arch, g, bias_std, bias_mean=bias_mean,
                                              input_std=input_std)))

    if log_chi(lo) > 0:
        raise ValueError(f"chi_1 > 1 already at g = {lo}: lower bracket[0]")
    # widen by doubling from below: the quadrature rules grow with g, so a gain far above
    # the crossing would cost far more time and memory than the crossing itself
    a = lo
    while True:
        b = min(2.0 * a, hi)
        if log_chi(b) >= 0:
            return float(optimize.brentq(log_chi, a, b, xtol=1e-10, rtol=1e-10))
        if b >= hi:
            return math.inf
        a = b
