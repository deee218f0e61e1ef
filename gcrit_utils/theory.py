r"""Closed forms of the random-matrix criterion (pure numpy/scipy, no torch).

Every recurrent weight matrix is ``W = g * W0`` with ``W0_ij ~ N(0, 1/N)`` and every
gate bias is ``b ~ N(0, s^2)`` per unit. Linearised at the zero state, each cell's
Jacobian (for the LSTM: its ``N`` non-trivial eigenvalues) is

.. math:: J_0 = \mathrm{diag}(a) + g\,\mathrm{diag}(u)\,W_0\,\mathrm{diag}(v),

with diagonals set by the gate values at zero:

- ``rnn`` (linearised at ``h = 0``): ``a = 0``, ``u = tanh'(b)``, ``v = 1``;
- ``gru``: ``a = z``, ``u = (1 - z) r``, ``v = 1``;
- ``lstm``: ``a = f``, ``u = i``, ``v = o`` (the ``N`` non-trivial eigenvalues);
- ``minimalrnn``: ``a = u_gate``, ``u = 0`` (the weights drop out).

(each cell's ``a, u, v`` are in its module under :mod:`gcrit_utils.cells`). The support of
its spectrum for ``N -> inf`` is
``{lam : g^2 E[u^2 v^2 / |lam - a|^2] >= 1}`` (Ahmadian, Fumarola & Miller 2015);
with real ``a`` in ``[0, 1)`` it reaches the unit circle first at ``lam = 1``, which
gives the critical gain ``g_c = E[u^2 v^2 / (1 - a)^2]^(-1/2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from ._validation import check_int, check_nonnegative, check_positive
from .cells import Cell, get_cell
from .gaussian import normal_rule, sigmoid_sq_moment, sigmoid_sq_moment_probit

__all__ = [
    "METHODS",
    "critical_gain",
    "zero_state_moment_with_means",
    "zero_state_coefficients",
    "edge_function",
    "spectral_support",
    "sampled_spectral_support",
    "support_right_edge",
    "mean_field_rnn",
]

METHODS: tuple[str, ...] = ("zero_state", "mean_field")
APPROXIMATIONS: tuple[str, ...] = ("exact", "probit")


def zero_state_coefficients(
    arch: str | Cell, biases: Mapping[str, ArrayLike]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Diagonals ``(a, u, v)`` of ``J0 = diag(a) + g diag(u) W0 diag(v)`` from gate biases.

    Parameters
    ----------
    arch : str or Cell
    biases : mapping gate name -> array of shape (..., N)
        The bias of every non-candidate gate (``"h"`` for ``rnn``; ``"r", "z"`` for
        ``gru``; ``"i", "f", "o"`` for ``lstm``; ``"u"`` for ``minimalrnn``). The
        candidate bias must be zero for the zero state to be a fixed point and is not read.

    Returns
    -------
    a, u, v : ndarray, shape (..., N)
    """
    cell = get_cell(arch)
    return cell.zero_state_diagonals({k: np.asarray(v, dtype=np.float64)
                                      for k, v in biases.items()})


# --------------------------------------------------------------------------------------
# The critical gain
# --------------------------------------------------------------------------------------
def critical_gain(
    arch: str | Cell,
    bias_std: float | Mapping[str, float] = 0.0,
    *,
    method: str = "zero_state",
    candidate_bias_std: float = 0.0,
    approximation: str = "exact",
    gain_ratios: Mapping[str, float] | None = None,
    bias_mean: Mapping[str, float] | None = None,
) -> float:
    r"""Critical gain ``g_c`` of a random ``arch`` network with gate-bias spread ``bias_std``.

    Parameters
    ----------
    arch : str or Cell
        The cell: a name of :data:`gcrit_utils.cells.CELLS` (``"rnn"``, ``"gru"``, ``"lstm"``
        with PyTorch's equations, ``"minimalrnn"`` of Chen et al. 2018, ...) or a cell.
    bias_std : float or dict
        Standard deviation ``s_b >= 0`` of every gate bias, or a dict per gate, e.g.
        ``{"r": 0.5, "z": 1.0}`` (GRU), ``{"i": .., "f": .., "o": ..}`` (LSTM),
        ``{"u": ..}`` (minimalRNN); ``{"h": ..}`` or a float for ``rnn``.
    method : {"zero_state", "mean_field"}
        ``"zero_state"``: the spectral edge of the zero-state Jacobian touches 1,
        ``g_c^{-2} = E[u^2 v^2/(1-a)^2]``. ``"mean_field"``: the same edge condition at
        the mean-field fixed point ``h*`` (:mod:`gcrit_utils.meanfield`); for the tanh RNN
        it is ``chi = g^2 E[tanh'(sqrt(g^2 q* + s^2) z)^2] = 1`` (Molgedey et al. 1992;
        Poole et al. 2016). It equals ``"zero_state"`` for gated cells whose candidate
        bias is 0, and is the right criterion when ``h = 0`` is not a fixed point (the tanh
        RNN with a bias).
    candidate_bias_std : float
        Spread of the candidate (GRU ``n``, LSTM ``g``, minimalRNN ``c``) bias. Must be 0
        for ``method="zero_state"``: otherwise the zero state is not a fixed point.
    approximation : {"exact", "probit"}
        ``"probit"`` replaces ``E[sigma(b)^2]`` by
        :func:`~gcrit_utils.gaussian.sigmoid_sq_moment_probit` (the closed form; gated
        cells only). ``E[(1+e^b)^2]`` is always exact.
    gain_ratios : dict, optional
        Per-gate gains relative to ``g`` (``W_k = g * ratio_k * W0_k``), as in
        ``RandomRNN``. At the zero state only the block of the cell's ``zero_state_gate``
        enters ``J0``: the result is ``g_c / ratio`` of that gate and the other ratios do
        not matter (they act only away from the zero state).
    bias_mean : dict, optional
        Mean of a non-candidate gate's bias, e.g. ``{"f": 4.0}`` (LSTM forget gate) or
        ``{"z": 2.0}`` (GRU update gate); 0 for gates not named. ``method="zero_state"``
        with the exact moments only. The GRU's update gate cancels from ``g_c``; a forget
        gate biased towards memory lowers the LSTM's ``g_c`` through ``E[(1 - f)^-2]``.

    Returns
    -------
    float
        ``g_c``; ``math.inf`` for a cell whose zero-state Jacobian does not depend on the
        weights (the minimalRNN: ``diag(sigma(b))``).

    Examples
    --------
    >>> round(critical_gain("gru"), 6), round(critical_gain("lstm"), 6)
    (2.0, 2.0)
    >>> round(critical_gain("rnn", 1.0, method="mean_field"), 3)
    1.856
    >>> round(critical_gain("gru", 0.5, method="mean_field", candidate_bias_std=0.5), 3)
    2.545
    """
    cell = get_cell(arch)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if approximation not in APPROXIMATIONS:
        raise ValueError(f"approximation must be one of {APPROXIMATIONS}, got {approximation!r}")
    stds = cell.bias_stds(bias_std, candidate_bias_std)
    if approximation == "probit" and not cell.sigmoid_moments:
        raise ValueError(f"approximation='probit' applies to the sigmoid gates of the GRU and "
                         f"LSTM, not to arch={cell.name!r}")
    if method == "mean_field":
        if approximation != "exact":
            raise ValueError("approximation='probit' applies to method='zero_state' only")
        from .meanfield import mean_field_critical_gain  # imports theory: avoid a cycle

        return mean_field_critical_gain(cell, bias_std, candidate_bias_std=candidate_bias_std,
                                        gain_ratios=gain_ratios)
    if cell.candidate is not None and stds[cell.candidate] != 0.0:
        raise ValueError(
            "candidate_bias_std must be 0 for method='zero_state': with a candidate bias "
            "the zero state is not a fixed point"
        )
    ratios = cell.gain_ratios(gain_ratios)
    if cell.zero_state_gate is None:
        return math.inf
    means = cell.bias_means(bias_mean)
    if any(means.values()):
        if method != "zero_state" or approximation != "exact":
            raise ValueError("bias_mean needs method='zero_state' and approximation='exact'")
        if cell.candidate is not None and means[cell.candidate] != 0.0:
            raise ValueError("bias_mean of the candidate must be 0: otherwise the zero state "
                             "is not a fixed point")
        return zero_state_moment_with_means(cell, stds, means) ** -0.5 / ratios[
            cell.zero_state_gate]
    sq = sigmoid_sq_moment_probit if approximation == "probit" else sigmoid_sq_moment
    return cell.zero_state_moment(stds, sq) ** -0.5 / ratios[cell.zero_state_gate]


def zero_state_moment_with_means(cell: Cell, stds: Mapping[str, float],
                                 means: Mapping[str, float]) -> float:
    """``E[u^2 v^2 / (1 - a)^2]`` at the zero state over biases ``N(mean_k, std_k^2)``.

    A tensor-product quadrature (:func:`~gcrit_utils.gaussian.normal_rule` per gate) over
    the non-candidate gates, evaluated through the cell's
    :meth:`~gcrit_utils.cells.base.Cell.zero_state_diagonals`; with zero means it equals
    :meth:`~gcrit_utils.cells.base.Cell.zero_state_moment` (tested).
    """
    gates = [k for k in cell.gates if k != cell.candidate]
    biases, weight = {}, np.ones(())
    for axis, k in enumerate(gates):
        t, w = normal_rule(stds.get(k, 0.0))
        shape = [1] * len(gates)
        shape[axis] = t.size
        biases[k] = (means.get(k, 0.0) + stds.get(k, 0.0) * t).reshape(shape)
        weight = weight * w.reshape(shape)
    a, u, v = cell.zero_state_diagonals(biases)
    return float(np.sum(weight * np.broadcast_to(u**2 * v**2 / (1.0 - a) ** 2, weight.shape)))


# --------------------------------------------------------------------------------------
# Mean field of the vanilla RNN with bias
# --------------------------------------------------------------------------------------
def mean_field_rnn(g: float, bias_std: float) -> tuple[float, float]:
    r"""Stationary length ``q*`` of the tanh RNN and its slope ``chi`` (Poole et al. 2016).

    ``q* = E[tanh(sqrt(g^2 q* + s^2) z)^2]``, ``chi = g^2 E[tanh'(sqrt(g^2 q* + s^2) z)^2]``
    with ``z ~ N(0, 1)``; ``q*`` is the mean squared activity per unit, ``chi`` the
    per-step growth of a small perturbation's squared length. Unlike
    :func:`gcrit_utils.meanfield.mean_field_fixed_point` (the branch continued from small
    ``g``), this is the length the dynamics settles to: without bias and for ``g > 1`` the
    nonzero root, not the unstable ``q = 0``. With a bias the two coincide.

    Parameters
    ----------
    g : float
        Gain, ``> 0``.
    bias_std : float
        Bias spread ``s >= 0``.

    Returns
    -------
    q_star, chi : float
    """
    g = check_positive("g", g)
    s = check_nonnegative("bias_std", bias_std)
    cell = get_cell("rnn")
    m, sd, rho = {"h": np.zeros(1)}, {"h": s}, cell.gain_ratios()

    def length_and_chi(q: float) -> tuple[float, float]:
        return cell.mean_field_map(g, q, m, sd, rho)

    if s == 0.0 and g <= 1.0:
        q_star = 0.0
    else:
        lo = 0.0 if s > 0 else 1e-300
        q_star = optimize.brentq(lambda q: q - length_and_chi(q)[0], lo, 1.0, xtol=1e-15,
                                 rtol=1e-14)
    return q_star, length_and_chi(q_star)[1]


# --------------------------------------------------------------------------------------
# Spectral support of the zero-state Jacobian
# --------------------------------------------------------------------------------------
def edge_function(
    arch: str | Cell, bias_std: float | Mapping[str, float] = 0.0
) -> tuple[Callable[[NDArray[np.complex128]], NDArray[np.float64]], float]:
    r"""``G(lam) = E[u^2 v^2 / |lam - a|^2]`` for ``N -> inf`` and the mean of ``a``.

    The predicted support is ``{lam : g^2 G(lam) >= 1}``.

    Returns
    -------
    G : callable
        Maps complex ``lam`` of any shape to real ``G`` of the same shape.
    center : float
        ``E[a]``, a point inside the support, used to trace its boundary.

    Raises
    ------
    ValueError
        For a cell whose zero-state Jacobian has no weights (``u = 0``).
    """
    G, center, _ = _edge_function(get_cell(arch), bias_std)
    return G, center


def _edge_function(cell: Cell, bias_std: float | Mapping[str, float]
                   ) -> tuple[Callable[[NDArray[np.complex128]], NDArray[np.float64]], float,
                              bool]:
    """:func:`edge_function` and whether the diagonal ``a`` spreads."""
    c, a, p, f = cell.support_terms(cell.bias_stds(bias_std))
    wa = p * f

    def G(lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        lam = np.asarray(lam, dtype=np.complex128)
        return c * (np.abs(lam[..., None] - a) ** -2.0 @ wa)

    return G, float(np.dot(p, a)), a.size > 1


def _trace_boundary(
    G: Callable[[NDArray[np.complex128]], NDArray[np.float64]],
    g: float,
    center: float,
    n_points: int,
    r_max: float,
) -> NDArray[np.complex128]:
    """Outermost point with ``g^2 G = 1`` along ``n_points`` rays from ``center``."""
    level = 1.0 / (g * g)
    theta = 2 * np.pi * (np.arange(n_points) + 0.5) / n_points
    radii = np.geomspace(1e-6, r_max, 160)
    direction = np.exp(1j * theta)
    values = G(center + radii[None, :] * direction[:, None])  # (n_points, 160)
    out = np.full(n_points, np.nan + 0j)
    for k in range(n_points):
        inside = np.nonzero(values[k] >= level)[0]
        if inside.size == 0 or inside[-1] == radii.size - 1:
            continue
        i = inside[-1]
        f = lambda r, d=direction[k]: float(G(np.array([center + r * d]))[0]) - level  # noqa: E731
        r = optimize.brentq(f, radii[i], radii[i + 1], xtol=1e-12)
        out[k] = center + r * direction[k]
    return out[np.isfinite(out)]


def spectral_support(
    arch: str | Cell,
    g: float,
    bias_std: float | Mapping[str, float] = 0.0,
    n_points: int = 360,
) -> NDArray[np.complex128]:
    """Boundary of the predicted (``N -> inf``) support of the zero-state spectrum.

    Parameters
    ----------
    arch : {"rnn", "gru", "lstm"}
    g : float
        Gain, ``> 0``.
    bias_std : float or dict
        As in :func:`critical_gain`.
    n_points : int
        Number of rays traced from ``E[a]``.

    Returns
    -------
    ndarray of complex, shape (<= n_points,)
        Points ``lam`` with ``g^2 E[u^2 v^2/|lam - a|^2] = 1``, ordered by angle
        (close the curve by appending the first point). Rays that cross the
        boundary only within the thin set of diagonal values ``a`` are dropped.
    """
    g = check_positive("g", g)
    n_points = check_int("n_points", n_points, 8)
    G, center = edge_function(arch, bias_std)
    return _trace_boundary(G, g, center, n_points, r_max=10.0 * g + 2.0)


def sampled_spectral_support(
    a: ArrayLike, u: ArrayLike, v: ArrayLike, g: float, n_points: int = 360
) -> NDArray[np.complex128]:
    """Boundary ``g^2 mean_j u_j^2 v_j^2/|lam - a_j|^2 = 1`` for sampled diagonals (finite N).

    Parameters
    ----------
    a, u, v : array_like, shape (N,)
        Diagonals of the zero-state Jacobian (see ``RandomRNN.zero_state_factors``).
    g : float
        Gain, ``> 0``.
    n_points : int
        Number of rays traced from ``mean(a)``.
    """
    a = np.asarray(a, dtype=np.float64)
    uv2 = (np.asarray(u, dtype=np.float64) * np.asarray(v, dtype=np.float64)) ** 2
    if a.ndim != 1 or a.shape != uv2.shape:
        raise ValueError(f"a, u, v must be 1-D of equal length, got {a.shape} and {uv2.shape}")
    g = check_positive("g", g)
    n_points = check_int("n_points", n_points, 8)

    def G(lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        lam = np.asarray(lam, dtype=np.complex128)
        return np.abs(lam[..., None] - a) ** -2.0 @ uv2 / a.size

    return _trace_boundary(G, g, float(a.mean()), n_points, r_max=10.0 * g + 2.0)


def support_right_edge(arch: str | Cell, g: float,
                       bias_std: float | Mapping[str, float] = 0.0) -> float:
    """Rightmost real point of the predicted support, ``max{lam real : g^2 G(lam) >= 1}``.

    For gated cells with a spread of ``a`` the segment ``(0, 1)`` of diagonal values
    belongs to the ``N -> inf`` support, so the edge is at least ``sup a``; for
    ``g > g_c`` it is the root of ``g^2 G(lam) = 1`` beyond 1.
    """
    g = check_positive("g", g)
    G, center, spreads = _edge_function(get_cell(arch), bias_std)
    level = 1.0 / (g * g)
    # a spread diagonal covers the sigmoid's range (0, 1); otherwise it is one point
    a_max = 1.0 if spreads else center
    lo = a_max + 1e-12
    if float(G(np.array([lo]))[0]) < level:
        return a_max
    hi = lo + 1.0
    while float(G(np.array([hi]))[0]) >= level:
        hi = lo + 2.0 * (hi - lo)
    return optimize.brentq(lambda x: float(G(np.array([x]))[0]) - level, lo, hi, xtol=1e-13)
