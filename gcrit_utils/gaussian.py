r"""Gaussian expectations by quadrature, and the moments the critical gains are made of.

Every expectation of the book is over Gaussian biases or pre-activations of a bounded gate
function (``tanh``, the logistic ``sigma`` and their derivatives), which vary on a scale of 1
whatever the Gaussian's spread. All rules here are therefore *composite* Gauss-Legendre rules
with panels of fixed width in the variable itself (:func:`composite_gauss_legendre`); plain
Gauss-Hermite, whose nodes spread with the standard deviation, loses accuracy for spreads
above 1 (``tanh`` has poles at distance ``pi/2`` from the real axis).

Pure numpy; nothing here knows about cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from ._validation import check_nonnegative, check_positive

__all__ = [
    "MAX_STD",
    "composite_gauss_legendre",
    "gaussian_nodes",
    "gaussian_expectation",
    "normal_rule",
    "pair_rule",
    "tanh_rule",
    "normal_axis",
    "sum_over_nodes",
    "sech4_moment",
    "sigmoid_sq_moment",
    "sigmoid_sq_moment_probit",
    "inv_one_minus_sigmoid_sq_moment",
]

#: Largest standard deviation accepted by :func:`gaussian_nodes` (gates saturate long before).
MAX_STD = 1000.0
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def composite_gauss_legendre(lo: float, hi: float, n_panels: int, nodes: int
                             ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and weights of ``nodes``-point Gauss-Legendre on ``n_panels`` equal panels.

    Parameters
    ----------
    lo, hi : float
        Interval ``[lo, hi]``.
    n_panels, nodes : int
        Number of equal panels and of Gauss-Legendre nodes per panel.

    Returns
    -------
    x, w : ndarray, shape (n_panels * nodes,)
        ``sum(w * f(x))`` approximates the integral of ``f`` over ``[lo, hi]``.
    """
    x, wx = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(lo, hi, n_panels + 1)
    half = 0.5 * (edges[1] - edges[0])
    mid = 0.5 * (edges[:-1] + edges[1:])
    t = (mid[:, None] + half * x[None, :]).ravel()
    w = (half * np.broadcast_to(wx, (n_panels, nodes))).ravel()
    return t, w


def _standard_normal_weights(t: NDArray[np.float64], w: NDArray[np.float64]
                             ) -> NDArray[np.float64]:
    return w * np.exp(-0.5 * t * t) / _SQRT_2PI


def gaussian_nodes(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Nodes ``b`` and weights ``w`` with ``sum(w * f(b)) ~= E[f(b)]``, ``b ~ N(0, std^2)``.

    Composite Gauss-Legendre quadrature of the Gaussian density on ``[-9 std, 9 std]`` with
    panels no wider than 0.5 in ``b`` (16 nodes each). Against adaptive quadrature it is
    accurate to ``1e-15`` for bounded integrands and ``std`` in ``[1e-4, 30]`` (see the
    tests); with 200 nodes, plain Gauss-Hermite's error on ``E[sech^4 b]`` is 3e-7 at
    ``std = 2``.

    Parameters
    ----------
    std : float
        Standard deviation, ``0 <= std <= 1000``. ``std = 0`` returns the single node 0.

    Returns
    -------
    b, w : ndarray, shape (M,)
        Nodes and weights (the weights sum to 1 up to the 9-sigma tail, 2e-19).
    """
    std = check_nonnegative("std", std)
    if std > MAX_STD:
        raise ValueError(f"std must be <= {MAX_STD:g} (a bias spread beyond that saturates "
                         f"every gate), got {std!r}")
    if std == 0.0:
        return np.zeros(1), np.ones(1)
    # the standardised variable t = b / std (no overflow for tiny std), panels <= 0.5 in b
    tail, nodes = 9.0, 16
    width = min(0.5 / std, 1.0)
    t, w = composite_gauss_legendre(-tail, tail, int(math.ceil(2 * tail / width)), nodes)
    return std * t, w * (np.exp(-0.5 * t * t) / _SQRT_2PI)


def gaussian_expectation(f: Callable[[NDArray[np.float64]], ArrayLike], std: float) -> float:
    """``E[f(b)]``, ``b ~ N(0, std^2)``, by :func:`~gcrit_utils.gaussian.gaussian_nodes`.

    Parameters
    ----------
    f : callable
        Vectorised function of a 1-D array of bias values, bounded or growing slower
        than the Gaussian decays over ``|b| <= 9 std``.
    std : float
        Standard deviation, ``>= 0``.
    """
    b, w = gaussian_nodes(std)
    return float(np.dot(w, np.asarray(f(b), dtype=np.float64)))


def normal_rule(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Standardised nodes ``t``, weights ``w``: ``sum(w f(std t)) ~= E[f(p)]``, ``p ~ N(0, std^2)``.

    Composite Gauss-Legendre on ``[-7, 7 + 2 std]`` (in units of ``std``) with panels no
    wider than 1.5 in ``p`` (and 1.75 in units of ``std``), 8 nodes each: the rule of the
    mean-field maps, cheaper than :func:`gaussian_nodes`. The right end reaches ``2 std``
    further because ``(1 + e^p)^2`` (the LSTM's ``1/(1 - f)^2``) moves the mass of its
    integrand to ``p = 2 std^2``. Relative error below 1e-7 for ``E[tanh^2]``,
    ``E[tanh'^2]``, ``E[sigma^2]`` and ``E[(1 + e^p)^2]`` at ``std <= 2`` (tested).

    Parameters
    ----------
    std : float
        Standard deviation ``>= 0``; 0 gives the single node 0.
    """
    if std == 0.0:
        return np.zeros(1), np.ones(1)
    tail, top = 7.0, 7.0 + 2.0 * std
    n_panels = max(8, int(math.ceil((tail + top) * std / 1.5)))
    t, w = composite_gauss_legendre(-tail, top, n_panels, 8)
    return t, _standard_normal_weights(t, w)


def pair_rule(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coarser standardised rule for 2-D (and 4-D) integrals: composite Gauss-Legendre on
    ``[-6, 6]``, panels no wider than 1.5 in the variable (and 1.5 standard deviations),
    4 nodes each (relative error ~1e-6 on the covariance maps of :mod:`gcrit_utils.signalprop`)."""
    if std == 0.0:
        return np.zeros(1), np.ones(1)
    t, w = composite_gauss_legendre(-6.0, 6.0, max(8, int(math.ceil(12.0 * std / 1.5))), 4)
    return t, _standard_normal_weights(t, w)


#: Panels of :func:`tanh_rule` in ``u = tanh(p)``: geometric towards ``u = 0``, where
#: ``tanh'(K u)`` concentrates when ``K`` (the LSTM's ``i / (1 - f)``) is large.
_U_EDGES = np.concatenate([[0.0], np.geomspace(1e-6, 0.9, 40)])
_U_NODES = 3


def tanh_rule(mean: NDArray[np.float64], std: float
              ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes ``u = tanh(p)`` and weights for ``p ~ N(mean_j, std^2)``, shape (units, M).

    Inside ``|u| <= 0.9`` the rule is Gauss-Legendre in ``u`` (density
    ``phi((artanh u - mean)/std) / (std (1 - u^2))``) on panels geometric towards 0, so
    that functions of ``K u`` are resolved for any ``K`` up to 1e6; outside, where ``u``
    saturates, it is the composite rule in ``p`` (panels of 1.5, 8 nodes, to ``7 std``
    beyond the largest mean).
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
    norm = std * _SQRT_2PI
    dens = np.exp(-0.5 * ((p - mean) / std) ** 2) / (norm * (1.0 - u * u))
    # the saturated tails |p| > artanh(0.9), composite in p
    p0 = math.atanh(_U_EDGES[-1])
    p1 = float(np.max(np.abs(mean))) + 7.0 * std
    parts_u, parts_w = [np.broadcast_to(u, dens.shape)], [w[None, :] * dens]
    if p1 > p0:
        pt, wt = composite_gauss_legendre(p0, p1, max(1, int(math.ceil((p1 - p0) / 1.5))), 8)
        for sign in (-1.0, 1.0):
            pp = sign * pt[None, :]
            parts_u.append(np.broadcast_to(np.tanh(pp), (mean.shape[0], pt.size)))
            parts_w.append(wt[None, :] * np.exp(-0.5 * ((pp - mean) / std) ** 2) / norm)
    return np.concatenate(parts_u, axis=1), np.concatenate(parts_w, axis=1)


def normal_axis(mean: NDArray[np.float64], std: float, axis: int, ndim: int
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values ``mean_j + std t`` of :func:`normal_rule` and weights, shaped to broadcast on
    ``axis`` of an ``ndim``-dimensional array whose axis 0 runs over units ``j``."""
    t, w = normal_rule(std)
    shape = [1] * ndim
    shape[axis] = t.size
    vals = mean.reshape(-1, *([1] * (ndim - 1))) + std * t.reshape(shape)
    return vals, w.reshape(shape)


def sum_over_nodes(values: NDArray[np.float64], weights: NDArray[np.float64]
                   ) -> NDArray[np.float64]:
    """Weighted sum over every axis but the units (axis 0), shape (units,)."""
    return (values * weights).reshape(values.shape[0], -1).sum(axis=1)


# --------------------------------------------------------------------------------------
# Moments of gate functions over a Gaussian bias
# --------------------------------------------------------------------------------------
def _sech4(b: NDArray[np.float64]) -> NDArray[np.float64]:
    e = np.exp(-2.0 * np.abs(b))  # sech(b) = 2 e^{-|b|} / (1 + e^{-2|b|}), no overflow
    return (4.0 * e / (1.0 + e) ** 2) ** 2


def sech4_moment(std: float) -> float:
    """``E[tanh'(b)^2] = E[sech(b)^4]``, ``b ~ N(0, std^2)``, by quadrature."""
    return gaussian_expectation(_sech4, std)


def sigmoid_sq_moment(std: float) -> float:
    """``E[sigma(b)^2]``, ``b ~ N(0, std^2)``, by quadrature (no elementary form)."""
    return gaussian_expectation(lambda b: expit(b) ** 2, std)


def sigmoid_sq_moment_probit(std: float, kappa_sq: float = math.pi / 8) -> float:
    r"""Probit closed form of ``E[sigma(b)^2]``.

    With :math:`\sigma(x) \approx \Phi(\kappa x)`,
    :math:`E[\Phi(\kappa b)^2] = 1/4 + \arcsin(\rho)/(2\pi)`,
    :math:`\rho = \kappa^2 s^2 / (1 + \kappa^2 s^2)` (an orthant probability).

    Parameters
    ----------
    std : float
        Bias standard deviation ``s >= 0``.
    kappa_sq : float
        :math:`\kappa^2`; ``pi/8`` matches the slope at 0, ``1/1.702**2`` minimises
        the maximum error of the approximation of sigma itself.
    """
    s = check_nonnegative("std", std)
    k2 = check_positive("kappa_sq", kappa_sq)
    rho = k2 * s * s / (1.0 + k2 * s * s)
    return 0.25 + math.asin(rho) / (2.0 * math.pi)


def inv_one_minus_sigmoid_sq_moment(std: float) -> float:
    r"""``E[(1 - sigma(b))^-2] = E[(1 + e^b)^2] = 1 + 2 e^{s^2/2} + e^{2 s^2}`` (exact)."""
    s = check_nonnegative("std", std)
    if 2.0 * s * s > 700.0:  # beyond float64: the moment is infinite for all purposes
        return math.inf
    return 1.0 + 2.0 * math.exp(0.5 * s * s) + math.exp(2.0 * s * s)
