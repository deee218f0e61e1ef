"""Eigenvalues of the zero-state Jacobian and where its edge crosses 1.

Works on the ``N x N`` matrix ``J0 = diag(a) + g diag(u) W0 diag(v)`` of
:meth:`~gcrit_utils.network.RandomRNN.zero_state_factors` (for the LSTM this holds its ``N``
non-trivial eigenvalues), in float64 numpy: dense LAPACK for ``N <= 1500``, ARPACK above.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.sparse.linalg import eigs

from ._validation import check_positive
from .network import RandomRNN, ZeroStateFactors

__all__ = [
    "zero_state_eigenvalues",
    "rightmost_eigenvalue",
    "rightmost_eigenvalues",
    "spectral_edge_crossing",
    "real_crossing_gain",
]

#: Largest N handled by dense LAPACK in ``method="auto"``; ARPACK above.
DENSE_LIMIT = 1500


def _factors(obj: RandomRNN | ZeroStateFactors) -> ZeroStateFactors:
    if isinstance(obj, RandomRNN):
        return obj.zero_state_factors()
    if isinstance(obj, ZeroStateFactors):
        return obj
    raise ValueError(f"expected a RandomRNN or ZeroStateFactors, got {type(obj).__name__}")


def zero_state_eigenvalues(net: RandomRNN | ZeroStateFactors) -> np.ndarray:
    """All eigenvalues of ``J0`` for every gain.

    Returns
    -------
    ndarray of complex, shape (B, N)
    """
    f = _factors(net)
    return np.stack([np.linalg.eigvals(f.matrix(b)) for b in range(f.g.size)])


def rightmost_eigenvalue(matrix: np.ndarray, method: str = "auto") -> complex:
    """Eigenvalue with the largest real part of a square matrix.

    Parameters
    ----------
    matrix : ndarray, shape (N, N)
    method : {"auto", "dense", "arpack"}
        ``"auto"``: dense for ``N <= 1500``, ARPACK (``which="LR"``, 40 Lanczos/Arnoldi
        vectors) above.
    """
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square, got shape {m.shape}")
    if method not in ("auto", "dense", "arpack"):
        raise ValueError(f"method must be 'auto', 'dense' or 'arpack', got {method!r}")
    if method == "dense" or (method == "auto" and m.shape[0] <= DENSE_LIMIT) or m.shape[0] < 16:
        ev = np.linalg.eigvals(m)
    else:
        ncv = min(m.shape[0] - 1, 40)
        ev = eigs(m, k=6, ncv=ncv, which="LR", return_eigenvectors=False, tol=1e-12,
                  maxiter=100_000)
    return complex(ev[np.argmax(ev.real)])


def rightmost_eigenvalues(net: RandomRNN | ZeroStateFactors, method: str = "auto") -> np.ndarray:
    """Rightmost eigenvalue of ``J0`` for every gain, shape (B,) complex."""
    f = _factors(net)
    return np.array([rightmost_eigenvalue(f.matrix(b), method) for b in range(f.g.size)])


def real_crossing_gain(net: RandomRNN | ZeroStateFactors) -> float:
    """Smallest ``g > 0`` at which ``J0(g)`` has the eigenvalue exactly 1.

    ``det(I - diag(a) - g diag(u) W0 diag(v)) = 0`` iff ``1/g`` is an eigenvalue of
    ``K = (I - diag(a))^{-1} diag(u) W0 diag(v)``, so one eigen-decomposition of ``K``
    gives every gain at which a *real* eigenvalue passes through 1. Returns ``inf`` if
    ``K`` has no positive real eigenvalue.
    """
    f = _factors(net)
    if not np.any(f.u):
        return float("inf")
    k = (f.u / (1.0 - f.a))[:, None] * f.w0 * f.v[None, :]
    mu = np.linalg.eigvals(k)
    real = mu[(np.abs(mu.imag) <= 1e-9 * np.abs(mu)) & (mu.real > 0)].real
    return float("inf") if real.size == 0 else float(1.0 / real.max())


def spectral_edge_crossing(
    net: RandomRNN | ZeroStateFactors,
    *,
    level: float = 1.0,
    rtol: float = 1e-4,
    method: str = "auto",
) -> float:
    """Gain ``g*`` at which the rightmost eigenvalue of ``J0(g)`` has real part ``level``.

    Solves ``max Re lambda(diag(a) + g diag(u) W0 diag(v)) = level`` for ``g``. Only the
    sampled ``W0`` and biases of ``net`` are used (its gains are ignored). For
    ``level = 1`` it first tries :func:`real_crossing_gain`: if the rightmost eigenvalue at
    that gain has real part 1 (to ``1e-9``), the crossing is through a real eigenvalue
    and that gain is ``g*`` exactly (two eigen-decompositions in all). Otherwise, or for
    another level, Brent's method brackets ``g*`` around ``g_c^fin``.

    Parameters
    ----------
    net : RandomRNN or ZeroStateFactors
    level : float
        Real part to cross (1 = the stability edge).
    rtol : float
        Relative tolerance on ``g*`` for the Brent search.
    method : {"auto", "dense", "arpack"}
        Eigen-solver, as in :func:`rightmost_eigenvalue`.

    Returns
    -------
    float
        ``g*``; ``inf`` if ``u = 0`` (minimalRNN) or if no crossing lies within
        ``[1e-3, 1e3] * g_c^fin``.
    """
    f = _factors(net)
    level = check_positive("level", level)
    rtol = check_positive("rtol", rtol)
    if not np.any(f.u):
        return float("inf")

    def excess(g: float) -> float:
        m = np.diag(f.a) + g * (f.u[:, None] * f.w0 * f.v[None, :])
        return rightmost_eigenvalue(m, method).real - level

    g_fin = f.finite_size_critical_gain()
    lo, hi = 0.5 * g_fin, 2.0 * g_fin
    if level == 1.0:
        g_real = real_crossing_gain(f)
        if np.isfinite(g_real):
            at_real = excess(g_real)
            if abs(at_real) <= 1e-9:
                return g_real
            if at_real > 0:  # a complex pair crossed first: g* < g_real
                lo, hi = min(lo, 0.9 * g_real), g_real
    while excess(lo) > 0:
        lo *= 0.5
        if lo < 1e-3 * g_fin:
            return float("inf")
    while excess(hi) < 0:
        hi *= 2.0
        if hi > 1e3 * g_fin:
            return float("inf")
    return float(optimize.brentq(excess, lo, hi, rtol=rtol, xtol=1e-12))
