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
pre-activations; a finite network is handled by replacing the expectation over biases with
the average over its sampled units (the fields stay Gaussian).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy.special import expit

from ._validation import (
    GATES,
    check_arch,
    check_positive,
    gate_bias_stds,
    recurrent_gain_ratios,
)

__all__ = [
    "FixedPointStats",
    "normal_rule",
    "fixed_point_map",
    "mean_field_fixed_point",
    "mean_field_critical_gain",
]

#: Composite Gauss-Legendre rule for Gaussian pre-activations: panels of width 1.5 (in units
#: of the pre-activation, the scale on which tanh and sigma vary), 8 nodes each, +-7 std.
_PANEL, _PANEL_NODES, _TAIL = 1.5, 8, 7.0
#: Panels of the rule in ``u = tanh(p)`` for the LSTM candidate: geometric towards u = 0,
#: where ``tanh'(c)`` with ``c = K u`` concentrates when ``K = i / (1 - f)`` is large.
_U_EDGES = np.concatenate([[0.0], np.geomspace(1e-6, 0.9, 40)])
_U_NODES = 3
#: Sampled LSTM units handled at once (memory of the 3-D quadrature per unit).
_LSTM_CHUNK = 4
#: Relative tolerance of the fixed point ``Q*`` and of the critical gain.
_RTOL = 1e-10


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


def normal_rule(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Standardised nodes ``t``, weights ``w``: ``sum(w f(std t)) ~= E[f(p)]``, ``p ~ N(0, std^2)``.

    Composite Gauss-Legendre on ``[-7, 7 + 2 std]`` (in units of ``std``) with panels no
    wider than 1.5 in ``p`` (and 1.75 in units of ``std``), 8 nodes each. Relative error
    below 1e-7 for ``E[tanh^2]``, ``E[tanh'^2]``, ``E[sigma^2]`` and ``E[(1 + e^p)^2]``
    at ``std <= 2`` (tested; the last against its closed form). Plain Gauss-Hermite is
    not used: ``tanh`` has poles at distance ``pi/2`` from the real axis, and with 48 nodes
    its error on ``E[tanh'(p)^2]`` is 2% at ``std = 2.2``.

    Parameters
    ----------
    std : float
        Standard deviation ``>= 0``; 0 gives the single node 0.
    """
    if std == 0.0:
        return np.zeros(1), np.ones(1)
    x, wx = np.polynomial.legendre.leggauss(_PANEL_NODES)
    # the right end reaches 2 std further: (1 + e^p)^2, the LSTM's 1/(1 - f)^2, moves the
    # mass of the integrand to p = 2 std^2. Panels no wider than _PANEL in p and than
    # 1.75 in t (the Gaussian itself).
    top = _TAIL + 2.0 * std
    n_panels = max(8, int(math.ceil((_TAIL + top) * std / _PANEL)))
    edges = np.linspace(-_TAIL, top, n_panels + 1)
    half = 0.5 * (edges[1] - edges[0])
    mid = 0.5 * (edges[:-1] + edges[1:])
    t = (mid[:, None] + half * x[None, :]).ravel()
    w = (half * np.broadcast_to(wx, (n_panels, _PANEL_NODES))).ravel()
    return t, w * np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)


def _tanh_rule(mean: NDArray[np.float64], std: float
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes ``u = tanh(p)`` and weights for ``p ~ N(mean_j, std^2)``, shape (units, M).

    Inside ``|u| <= 0.9`` the rule is Gauss-Legendre in ``u`` (density
    ``phi((artanh u - mean)/std) / (std (1 - u^2))``) on panels geometric towards 0, so
    that functions of ``K u`` are resolved for any ``K`` up to 1e6; outside, where ``u``
    saturates, it is the composite rule in ``p``.
    """
    mean = mean.reshape(-1, 1)
    if std == 0.0:
        return np.tanh(mean), np.ones_like(mean)
    x, wx = np.polynomial.legendre.leggauss(_U_NODES)
    lo, hi = _U_EDGES[:-1], _U_EDGES[1:]
    half, mid = 0.5 * (hi - lo), 0.5 * (hi + lo)
    u = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    w = (half[:, None] * wx[None, :]).ravel()
    u, w = np.concatenate([-u[::-1], u]), np.concatenate([w[::-1], w])
    p = np.arctanh(u)[None, :]
    norm = std * math.sqrt(2.0 * math.pi)
    dens = np.exp(-0.5 * ((p - mean) / std) ** 2) / (norm * (1.0 - u * u))
    # the saturated tails |p| > artanh(0.9), composite in p
    p0 = math.atanh(_U_EDGES[-1])
    p1 = float(np.max(np.abs(mean))) + _TAIL * std
    parts_u, parts_w = [np.broadcast_to(u, dens.shape)], [w[None, :] * dens]
    if p1 > p0:
        xl, wl = np.polynomial.legendre.leggauss(_PANEL_NODES)
        n_panels = max(1, int(math.ceil((p1 - p0) / _PANEL)))
        edges = np.linspace(p0, p1, n_panels + 1)
        h = 0.5 * (edges[1] - edges[0])
        pt = (0.5 * (edges[:-1] + edges[1:])[:, None] + h * xl[None, :]).ravel()
        wt = (h * np.broadcast_to(wl, (n_panels, _PANEL_NODES))).ravel()
        for sign in (-1.0, 1.0):
            pp = sign * pt[None, :]
            parts_u.append(np.broadcast_to(np.tanh(pp), (mean.shape[0], pt.size)))
            parts_w.append(wt[None, :] * np.exp(-0.5 * ((pp - mean) / std) ** 2) / norm)
    return np.concatenate(parts_u, axis=1), np.concatenate(parts_w, axis=1)


def _axis(mean: NDArray[np.float64], std: float, axis: int, ndim: int
          ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values ``mean_j + std t`` and weights shaped to broadcast on ``axis`` (units on 0)."""
    t, w = normal_rule(std)
    shape = [1] * ndim
    shape[axis] = t.size
    vals = mean.reshape(-1, *([1] * (ndim - 1))) + std * t.reshape(shape)
    return vals, w.reshape(shape)


def _units(arch: str, stds: Mapping[str, float], biases: Mapping[str, ArrayLike] | None
           ) -> tuple[dict[str, NDArray[np.float64]], dict[str, float]]:
    """Per-unit bias means and the bias part of each pre-activation's spread.

    ``biases=None`` (population, ``N -> inf``): one "unit" with zero mean, and the bias
    spread goes into the Gaussian's variance. Otherwise every sampled unit is one row.
    """
    if biases is None:
        return {k: np.zeros(1) for k in GATES[arch]}, dict(stds)
    means = {}
    for k in GATES[arch]:
        if k not in biases:
            raise ValueError(f"biases must have an entry for every gate {GATES[arch]}, "
                             f"missing {k!r}")
        means[k] = np.asarray(biases[k], dtype=np.float64).ravel()
    sizes = {v.size for v in means.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError("biases must be non-empty arrays of one common length N")
    return means, {k: 0.0 for k in GATES[arch]}


def _sum_axes(values: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted sum over every axis but the units (axis 0), shape (units,)."""
    return (values * weights).reshape(values.shape[0], -1).sum(axis=1)


def _map_rnn(g: float, q: float, m: dict, s: dict, rho: dict) -> tuple[float, float]:
    p, w = _axis(m["h"], math.sqrt(s["h"] ** 2 + (g * rho["h"]) ** 2 * q), 1, 2)
    t = np.tanh(p)
    phi = float(_sum_axes(t * t, w).mean())
    return phi, g * g * rho["h"] ** 2 * float(_sum_axes((1.0 - t * t) ** 2, w).mean())


def _map_gru(g: float, q: float, m: dict, s: dict, rho: dict) -> tuple[float, float]:
    # Given the reset gate r, w = b_n + r x_n is Gaussian (mean m_n, variance
    # s_n^2 + r^2 v_x): integrate over (p_r, w), with E[x^2 | w] in closed form.
    v_x = (g * rho["n"]) ** 2 * q
    pr, wr = _axis(m["r"], math.sqrt(s["r"] ** 2 + (g * rho["r"]) ** 2 * q), 1, 3)
    r = expit(pr)
    var_w = s["n"] ** 2 + r * r * v_x  # (units, M_r, 1)
    t, wt = normal_rule(math.sqrt(s["n"] ** 2 + v_x))
    t, wt = t.reshape(1, 1, -1), wt.reshape(1, 1, -1)
    dev = np.sqrt(var_w) * t  # w - m_n
    n = np.tanh(m["n"].reshape(-1, 1, 1) + dev)
    dn2 = (1.0 - n * n) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(var_w > 0, r * v_x / var_w, 0.0)
    x2 = beta**2 * dev**2 + (v_x - beta * r * v_x)  # E[x_n^2 | w]
    dr = r * (1.0 - r)
    w = wr * wt
    phi = float(_sum_axes(n * n, w).mean())
    chi = g * g * float(_sum_axes(dn2 * (rho["n"] ** 2 * r * r + rho["r"] ** 2 * dr * dr * x2),
                                  w).mean())
    return phi, chi


def _map_lstm(g: float, q: float, m: dict, s: dict, rho: dict) -> tuple[float, float]:
    units = m["i"].size
    if units > _LSTM_CHUNK:  # sampled units: bounded memory, (chunk, M_i, M_f, M_u) arrays
        parts = [_map_lstm_units(g, q, {k: v[a:a + _LSTM_CHUNK] for k, v in m.items()}, s, rho)
                 for a in range(0, units, _LSTM_CHUNK)]
        sizes = [min(_LSTM_CHUNK, units - a) for a in range(0, units, _LSTM_CHUNK)]
        return (float(np.dot(sizes, [p[0] for p in parts])) / units,
                float(np.dot(sizes, [p[1] for p in parts])) / units)
    return _map_lstm_units(g, q, m, s, rho)


def _map_lstm_units(g: float, q: float, m: dict, s: dict, rho: dict) -> tuple[float, float]:
    def spread(k: str) -> float:
        return math.sqrt(s[k] ** 2 + (g * rho[k]) ** 2 * q)

    pi, wi = _axis(m["i"], spread("i"), 1, 4)
    pf, wf = _axis(m["f"], spread("f"), 2, 4)
    po, wo = _axis(m["o"], spread("o"), 1, 2)
    u, wu = _tanh_rule(m["g"], spread("g"))  # candidate g = u, (units, M_u)
    u, wu = u[:, None, None, :], wu[:, None, None, :]
    i, f, o = expit(pi), expit(pf), expit(po)
    inv = 1.0 + np.exp(pf)  # 1 / (1 - f), without cancellation
    c = i * inv * u
    tc = np.tanh(c)
    w3 = wi * wf * wu
    o2 = _sum_axes(o * o, wo)
    do2 = _sum_axes((o * (1.0 - o)) ** 2, wo)
    tc2 = _sum_axes(tc * tc, w3)
    slow = ((1.0 - tc * tc) * inv) ** 2 * (
        rho["f"] ** 2 * (c * f * (1.0 - f)) ** 2
        + rho["i"] ** 2 * (u * i * (1.0 - i)) ** 2
        + rho["g"] ** 2 * (i * (1.0 - u * u)) ** 2
    )
    chi = g * g * float(np.mean(rho["o"] ** 2 * do2 * tc2 + o2 * _sum_axes(slow, w3)))
    return float(np.mean(o2 * tc2)), chi


_MAPS = {"rnn": _map_rnn, "gru": _map_gru, "lstm": _map_lstm}


def _resolve(arch: str, bias_std: float | Mapping[str, float], candidate_bias_std: float,
             gain_ratios: Mapping[str, float] | None, biases: Mapping[str, ArrayLike] | None
             ) -> tuple[str, dict, dict, dict]:
    arch = check_arch(arch)
    stds = gate_bias_stds(arch, bias_std, candidate_bias_std)
    rho = recurrent_gain_ratios(arch, gain_ratios)
    m, s = _units(arch, stds, biases)
    return arch, m, s, rho


def fixed_point_map(
    arch: str,
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
    arch : {"rnn", "gru", "lstm"}
        Cell (``"minimalrnn"`` has no weight-dependent fixed point: use
        :func:`mean_field_critical_gain`, which returns ``inf``).
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
    arch, m, s, rho = _resolve(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if arch == "minimalrnn":
        raise ValueError("arch='minimalrnn' has no weight-dependent fixed point (J = diag(u))")
    return _MAPS[arch](g, float(q), m, s, rho)


def _solve_q(fn, g: float) -> float:
    """``Q*`` in ``[0, 1]`` with ``Phi(Q*) = Q*``; 0 when the zero state is a fixed point."""
    phi0 = fn(g, 0.0)[0]
    if phi0 <= 1e-300:
        return 0.0
    # Phi(0) > 0 and Phi(1) <= 1 (|h*| <= 1): the root is bracketed
    if fn(g, 1.0)[0] >= 1.0:
        return 1.0
    return float(optimize.brentq(lambda x: fn(g, x)[0] - x, 0.0, 1.0, xtol=1e-14, rtol=_RTOL))


def mean_field_fixed_point(
    arch: str,
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
    arch, m, s, rho = _resolve(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if arch == "minimalrnn":
        raise ValueError("arch='minimalrnn' has no weight-dependent fixed point (J = diag(u))")
    fn = _map_fn(arch, m, s, rho)
    q = _solve_q(fn, g)
    return FixedPointStats(g=g, q=q, chi=fn(g, q)[1])


def _map_fn(arch: str, m: dict, s: dict, rho: dict):
    impl = _MAPS[arch]

    def fn(g: float, q: float) -> tuple[float, float]:
        return impl(g, q, m, s, rho)

    return fn


def mean_field_critical_gain(
    arch: str,
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
    arch : {"rnn", "gru", "lstm", "minimalrnn"}
    bias_std, candidate_bias_std, gain_ratios
        As in :func:`~gcrit_utils.theory.critical_gain`.
    biases : mapping gate -> array of shape (N,), optional
        Sampled biases of one network: the finite-``N`` criterion of that network.
    g_max : float
        Upper end of the search; ``inf`` is returned if ``chi < 1`` up to it.

    Returns
    -------
    float
        The critical gain (``inf`` for the minimalRNN without input). With the candidate
        bias at 0 it equals the zero-state ``g_c`` (or ``g_c^fin`` with ``biases``).

    Examples
    --------
    >>> round(mean_field_critical_gain("gru", 0.5), 4)
    1.9464
    >>> round(mean_field_critical_gain("rnn", 1.0), 3)
    1.856
    """
    g_max = check_positive("g_max", g_max)
    arch, m, s, rho = _resolve(arch, bias_std, candidate_bias_std, gain_ratios, biases)
    if arch == "minimalrnn":
        return math.inf
    fn = _map_fn(arch, m, s, rho)

    def excess(g: float) -> float:
        return fn(g, _solve_q(fn, g))[1] - 1.0

    lo, hi = 1e-3, 0.5
    while excess(hi) < 0.0:
        lo, hi = hi, 2.0 * hi
        if hi > g_max:
            return math.inf if excess(g_max) < 0.0 else float(
                optimize.brentq(excess, lo, g_max, xtol=1e-10, rtol=1e-9))
    return float(optimize.brentq(excess, lo, hi, xtol=1e-10, rtol=1e-9))
