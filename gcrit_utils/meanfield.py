r"""Mean-field criterion beyond the zero state (pure numpy/scipy, no torch).

The zero-state criterion linearises at ``h = 0``, which is a fixed point only when the
candidate bias is 0 (and, for the tanh RNN, when there is no bias at all). Here the
linearisation point is the network's own fixed point ``h*``, described by its statistics:
for ``N -> inf`` the recurrent field of every gate at ``h*``,
``x_k = g rho_k (W0_k h*)_i``, is Gaussian with variance ``(g rho_k)^2 Q``,
``Q = mean_i h_i*^2``, independent across gates and of the biases (``W0`` is not
symmetric, so no reaction term). The fixed-point equations close on ``Q``:

- ``rnn``: ``h* = tanh(p)``, ``p = b + x``;
- ``gru``: ``h* = n* = tanh(b_n + r x_n)``, ``r = sigma(b_r + x_r)`` (the update gate
  cancels: ``h* = (1 - z) n* + z h*``);
- ``lstm``: ``c* = i g / (1 - f)``, ``h* = o tanh(c*)``;
- ``minimalrnn`` (no input): ``h* = tanh(b_c)`` and ``J(h*) = diag(u)``, never unstable.

At ``h*`` the Jacobian again has the form ``diag(a) + g diag(u) W diag(v)`` with ``W``
a (row-rescaled) sum of the independent gate matrices, and the edge of its spectrum
reaches ``lambda = 1`` when

.. math:: \chi \equiv g^2\,\mathbb E\Big[\frac{\sum_k \rho_k^2\,u_k^2}{(1 - a)^2}\Big] = 1,

with, per cell (``'`` is a derivative at the unit's pre-activation):

- ``rnn``: ``chi = g^2 rho_h^2 E[tanh'(p)^2]`` (Molgedey et al. 1992; Poole et al. 2016);
- ``gru``: ``chi = g^2 E[n'^2 (rho_n^2 r^2 + rho_r^2 x_n^2 r'^2)]``;
- ``lstm``: ``chi = g^2 E[rho_o^2 tanh(c*)^2 o'^2
  + o^2 tanh'(c*)^2 (rho_f^2 c*^2 f'^2 + rho_i^2 g^2 i'^2 + rho_g^2 i^2 g'^2) / (1 - f)^2]``.

With the candidate bias at 0, ``Q = 0`` solves the equations, and ``chi`` reduces to the
zero-state ``g^2 E[u^2 v^2/(1 - a)^2]``. Expectations are Gauss-Hermite quadratures over the
pre-activations (:mod:`gcrit_utils.gaussian`); a finite network is handled by replacing the
expectation over biases with the average over its sampled units (the fields stay Gaussian).
Each cell's map is its :meth:`~gcrit_utils.cells.base.Cell.mean_field_map`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from ._validation import check_positive
from .cells import Cell, get_cell

__all__ = [
    "FixedPointStats",
    "fixed_point_map",
    "mean_field_fixed_point",
    "mean_field_critical_gain",
]

#: Relative tolerance of the fixed point ``Q*``.
_RTOL = 1e-10
#: Tolerances of the critical gain.
_GAIN_XTOL, _GAIN_RTOL = 1e-12, 1e-12


@dataclass(frozen=True)
class FixedPointStats:
    """Mean-field statistics of the fixed point ``h*`` at one gain.

    Attributes
    ----------
    g : float
        Gain.
    q : float
        ``Q* = mean_i h_i*^2`` (dimensionless, in ``[0, 1]``).
    chi : float
        Slope of the fixed point's spectral edge at ``lambda = 1``: stable for
        ``chi < 1``, the edge crosses the unit circle at ``chi = 1``.
    """

    g: float
    q: float
    chi: float


MapFn = Callable[[float, float], tuple[float, float]]


def _units(cell: Cell, stds: Mapping[str, float], biases: Mapping[str, ArrayLike] | None
           ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per-unit bias means and the bias part of each pre-activation's spread.

    ``biases=None`` (population, ``N -> inf``): one "unit" with zero mean, and the bias
    spread goes into the Gaussian's variance. Otherwise every sampled unit is one row.
    """
    if biases is None:
        return {k: np.zeros(1) for k in cell.gates}, dict(stds)
    means = {}
    for k in cell.gates:
        if k not in biases:
            raise ValueError(f"biases must have an entry for every gate {cell.gates}, "
                             f"missing {k!r}")
        means[k] = np.asarray(biases[k], dtype=np.float64).ravel()
    sizes = {v.size for v in means.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError("biases must be non-empty arrays of one common length N")
    return means, {k: 0.0 for k in cell.gates}


def _map_fn(arch: str | Cell, bias_std: float | Mapping[str, float], candidate_bias_std: float,
            gain_ratios: Mapping[str, float] | None, biases: Mapping[str, ArrayLike] | None
            ) -> MapFn | None:
    """``(g, Q) -> (Phi(Q), chi(Q))`` of the cell with these biases; None without a map."""
    cell = get_cell(arch)
    stds = cell.bias_stds(bias_std, candidate_bias_std)
    rho = cell.gain_ratios(gain_ratios)
    m, s = _units(cell, stds, biases)
    if not cell.has_critical_gain:
        return None

    def fn(g: float, q: float) -> tuple[float, float]:
        return cell.mean_field_map(g, q, m, s, rho)

    return fn


def _no_map(arch: str | Cell) -> ValueError:
    return ValueError(f"arch={get_cell(arch).name!r} has no weight-dependent fixed point")


def fixed_point_map(
    arch: str | Cell,
    g: float,
    q: float,
    bias_std: float | Mapping[str, float] = 0.0,
    *,
    candidate_bias_std: float = 0.0,
    gain_ratios: Mapping[str, float] | None = None,
    biases: Mapping[str, ArrayLike] | None = None,
) -> tuple[float, float]:
    r"""The fixed-point map ``Q -> Phi(Q)`` and the edge slope ``chi(Q)`` at one gain.

    Parameters
    ----------
    arch : str or Cell
        A cell with a weight-dependent fixed point (the minimalRNN has none:
        :func:`mean_field_critical_gain` returns ``inf`` for it).
    g : float
        Gain, ``> 0``.
    q : float
        Candidate ``Q = mean_i h_i*^2``, in ``[0, 1]``.
    bias_std, candidate_bias_std, gain_ratios
        As in :func:`~gcrit_utils.theory.critical_gain`.
    biases : mapping gate -> array of shape (N,), optional
        The biases of one sampled network (every gate, PyTorch order); then the
        expectation over biases is the average over its ``N`` units.

    Returns
    -------
    phi, chi : float
        ``Phi(Q) = E[h*^2]`` given fields of variance ``(g rho_k)^2 Q``, and ``chi``.
    """
    g = check_positive("g", g)
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be a number in [0, 1], got {q!r}")
    fn = _map_fn(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if fn is None:
        raise _no_map(arch)
    return fn(g, float(q))


def _solve_q(fn: MapFn, g: float) -> float:
    """``Q*`` in ``[0, 1]`` with ``Phi(Q*) = Q*``; 0 when the zero state is a fixed point."""
    phi0 = fn(g, 0.0)[0]
    if phi0 <= 1e-300:
        return 0.0
    # Phi(0) > 0 and Phi(1) <= 1 (|h*| <= 1): the root is bracketed
    if fn(g, 1.0)[0] >= 1.0:
        return 1.0
    return float(optimize.brentq(lambda x: fn(g, x)[0] - x, 0.0, 1.0, xtol=1e-14, rtol=_RTOL))


def mean_field_fixed_point(
    arch: str | Cell,
    g: float,
    bias_std: float | Mapping[str, float] = 0.0,
    *,
    candidate_bias_std: float = 0.0,
    gain_ratios: Mapping[str, float] | None = None,
    biases: Mapping[str, ArrayLike] | None = None,
) -> FixedPointStats:
    """Mean-field fixed point ``Q* = Phi(Q*)`` and its edge slope ``chi`` at gain ``g``.

    The branch is the one continued from small ``g`` (the smallest root in ``[0, 1]``);
    with ``candidate_bias_std = 0`` (gated cells) or no bias (``rnn``) it is ``Q* = 0``
    for every ``g``, the zero state.

    Parameters
    ----------
    arch, g, bias_std, candidate_bias_std, gain_ratios, biases
        As in :func:`fixed_point_map`.

    Returns
    -------
    FixedPointStats
    """
    g = check_positive("g", g)
    fn = _map_fn(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if fn is None:
        raise _no_map(arch)
    q = _solve_q(fn, g)
    return FixedPointStats(g=g, q=q, chi=fn(g, q)[1])


def mean_field_critical_gain(
    arch: str | Cell,
    bias_std: float | Mapping[str, float] = 0.0,
    *,
    candidate_bias_std: float = 0.0,
    gain_ratios: Mapping[str, float] | None = None,
    biases: Mapping[str, ArrayLike] | None = None,
    g_max: float = 100.0,
) -> float:
    r"""Gain at which the mean-field fixed point loses stability, ``chi(g, Q*(g)) = 1``.

    Parameters
    ----------
    arch : str or Cell
    bias_std, candidate_bias_std, gain_ratios
        As in :func:`~gcrit_utils.theory.critical_gain`.
    biases : mapping gate -> array of shape (N,), optional
        Sampled biases of one network: the finite-``N`` criterion of that network.
    g_max : float
        Upper end of the search; ``inf`` is returned if ``chi < 1`` up to it.

    Returns
    -------
    float
        The critical gain (``inf`` for a cell without a weight-dependent fixed point, the
        minimalRNN). With the candidate bias at 0 it equals the zero-state ``g_c`` (or
        ``g_c^fin`` with ``biases``).

    Examples
    --------
    >>> round(mean_field_critical_gain("gru", 0.5), 4)
    1.9464
    >>> round(mean_field_critical_gain("rnn", 1.0), 3)
    1.856
    """
    g_max = check_positive("g_max", g_max)
    fn = _map_fn(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if fn is None:
        return math.inf

    def excess(g: float) -> float:
        return fn(g, _solve_q(fn, g))[1] - 1.0

    def root(lo: float, hi: float) -> float:
        return float(optimize.brentq(excess, lo, hi, xtol=_GAIN_XTOL, rtol=_GAIN_RTOL))

    lo, hi = 1e-3, 0.5
    while excess(hi) < 0.0:
        lo, hi = hi, 2.0 * hi
        if hi > g_max:
            return math.inf if excess(g_max) < 0.0 else root(lo, g_max)
    return root(lo, hi)
