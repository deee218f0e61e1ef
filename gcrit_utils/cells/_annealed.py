"""Expectations of the annealed mean field (:mod:`gcrit_utils.signalprop`), shared by the cells.

``p`` is a :class:`gcrit_utils.signalprop.SignalParams`: gain ``g``, bias ``stds`` and
``means`` per gate and the input drive's ``input_std``. A gate's pre-activation at squared
length ``q`` is Gaussian with variance ``s_k^2 + sigma_x^2 + g^2 q`` (:func:`gate_var`); two
trajectories with overlap ``q_ab`` and input correlation ``c_x`` have covariance
``s_k^2 + sigma_x^2 c_x + g^2 q_ab`` (:func:`gate_cov`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..gaussian import normal_rule, pair_rule

Array = NDArray[np.float64]


def normal(mean: float, var: float) -> tuple[Array, Array]:
    """Nodes and weights of ``N(mean, var)`` (:func:`~gcrit_utils.gaussian.normal_rule`)."""
    std = math.sqrt(max(var, 0.0))
    t, w = normal_rule(std)
    return mean + std * t, w


def expect(f: Callable[[Array], Array], mean: float, var: float) -> float:
    """``E[f(x)]``, ``x ~ N(mean, var)``."""
    x, w = normal(mean, var)
    return float(np.dot(w, f(x)))


def pair(mean: float, var: float, cov: float) -> tuple[Array, Array, Array]:
    """Nodes ``(x_a, x_b)`` and weights of a bivariate Gaussian with equal variances."""
    std = math.sqrt(max(var, 0.0))
    if std == 0.0:
        return np.full(1, mean), np.full(1, mean), np.ones(1)
    rho = min(max(cov / var, -1.0), 1.0)
    t, w = pair_rule(std)
    z1, z2 = t[:, None], t[None, :]
    xa = mean + std * z1 + 0.0 * z2
    xb = mean + std * (rho * z1 + math.sqrt(max(1.0 - rho * rho, 0.0)) * z2)
    return xa.ravel(), xb.ravel(), (w[:, None] * w[None, :]).ravel()


def expect_pair(fa: Callable[[Array], Array], fb: Callable[[Array], Array], mean: float,
                var: float, cov: float) -> float:
    """``E[fa(x_a) fb(x_b)]`` over the bivariate Gaussian of :func:`pair`."""
    xa, xb, w = pair(mean, var, cov)
    return float(np.dot(w, fa(xa) * fb(xb)))


def sig(x: Array) -> Array:
    return expit(x)


def one_minus_sig(x: Array) -> Array:
    return 1 - expit(x)


def dsig(x: Array) -> Array:
    s = expit(x)
    return s * (1.0 - s)


def dtanh(x: Array) -> Array:
    return 1.0 - np.tanh(x) ** 2


def tanh_sq(x: Array) -> Array:
    return np.tanh(x) ** 2


def sig_sq(x: Array) -> Array:
    return sig(x) ** 2


def gate_var(p: Any, k: str, q: float) -> float:
    """Variance of gate ``k``'s pre-activation at squared length ``q``."""
    return p.stds[k] ** 2 + p.input_std**2 + p.g**2 * q


def gate_cov(p: Any, k: str, qab: float, cx: float) -> float:
    """Covariance of gate ``k``'s pre-activations of two trajectories with overlap ``qab``."""
    return p.stds[k] ** 2 + p.input_std**2 * cx + p.g**2 * qab
