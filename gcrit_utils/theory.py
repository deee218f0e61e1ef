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

The support of its spectrum for ``N -> inf`` is
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
from scipy.special import expit

from ._validation import (
    CANDIDATE,
    check_arch,
    check_int,
    check_nonnegative,
    check_positive,
    gate_bias_stds,
    recurrent_gain_ratios,
)

__all__ = [
    "METHODS",
    "critical_gain",
    "gaussian_nodes",
    "gaussian_expectation",
    "sigmoid_sq_moment",
    "sigmoid_sq_moment_probit",
    "inv_one_minus_sigmoid_sq_moment",
    "sech4_moment",
    "zero_state_coefficients",
    "edge_function",
    "spectral_support",
    "sampled_spectral_support",
    "support_right_edge",
    "mean_field_rnn",
]

METHODS: tuple[str, ...] = ("zero_state", "mean_field")
APPROXIMATIONS: tuple[str, ...] = ("exact", "probit")

#: Largest standard deviation accepted by the quadrature (gates saturate long before).
MAX_STD = 1000.0
#: Half-width of the integration range in units of the standard deviation.
_TAIL = 9.0
#: Gauss-Legendre nodes per panel and largest panel width (in units of the bias).
_NODES_PER_PANEL = 16
_PANEL_WIDTH = 0.5


# --------------------------------------------------------------------------------------
# Gaussian expectations
# --------------------------------------------------------------------------------------
def gaussian_nodes(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Nodes ``b`` and weights ``w`` with ``sum(w * f(b)) ~= E[f(b)]``, ``b ~ N(0, std^2)``.

    Composite Gauss-Legendre quadrature of the Gaussian density on
    ``[-9 std, 9 std]`` with panels no wider than 0.5 (16 nodes each). The gate
    nonlinearities vary on a scale of 1 in ``b`` whatever ``std`` is, which is why the
    panels are fixed in ``b``: plain Gauss-Hermite, whose nodes spread as ``std``,
    loses accuracy for ``std > 1`` (with 200 nodes its error on ``E[sech^4 b]`` is
    3e-7 at ``std = 2``). Against adaptive quadrature this rule is accurate to
    ``1e-15`` for bounded integrands and ``std`` in ``[1e-4, 30]`` (see the tests).

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
    x, wx = np.polynomial.legendre.leggauss(_NODES_PER_PANEL)
    # work in the standardised variable t = b / std (no overflow for tiny std)
    width = min(_PANEL_WIDTH / std, 1.0)
    n_panels = int(math.ceil(2 * _TAIL / width))
    edges = np.linspace(-_TAIL, _TAIL, n_panels + 1)
    half = 0.5 * (edges[1] - edges[0])
    mid = 0.5 * (edges[:-1] + edges[1:])
    t = (mid[:, None] + half * x[None, :]).ravel()
    density = np.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)
    w = (half * np.broadcast_to(wx, (n_panels, _NODES_PER_PANEL))).ravel() * density
    return std * t, w


def gaussian_expectation(f: Callable[[NDArray[np.float64]], ArrayLike], std: float) -> float:
    """``E[f(b)]`` for ``b ~ N(0, std^2)`` by :func:`gaussian_nodes` quadrature.

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


def _sech4(b: NDArray[np.float64]) -> NDArray[np.float64]:
    e = np.exp(-2.0 * np.abs(b))  # sech(b) = 2 e^{-|b|} / (1 + e^{-2|b|}), no overflow
    return (4.0 * e / (1.0 + e) ** 2) ** 2


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


def sech4_moment(std: float) -> float:
    """``E[tanh'(b)^2] = E[sech(b)^4]``, ``b ~ N(0, std^2)``, by quadrature."""
    return gaussian_expectation(_sech4, std)


# --------------------------------------------------------------------------------------
# Zero-state Jacobian coefficients
# --------------------------------------------------------------------------------------
def zero_state_coefficients(
    arch: str, biases: Mapping[str, ArrayLike]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Diagonals ``(a, u, v)`` of ``J0 = diag(a) + g diag(u) W0 diag(v)`` from gate biases.

    Parameters
    ----------
    arch : {"rnn", "gru", "lstm", "minimalrnn"}
    biases : mapping gate name -> array of shape (N,)
        The bias of every gate (``"h"`` for ``rnn``; ``"r", "z"`` for ``gru``;
        ``"i", "f", "o"`` for ``lstm``; ``"u"`` for ``minimalrnn``). The candidate
        bias must be zero for the zero state to be a fixed point and is not read.

    Returns
    -------
    a, u, v : ndarray, shape (N,)
    """
    arch = check_arch(arch)
    get = {k: np.asarray(val, dtype=np.float64) for k, val in biases.items()}
    if arch == "rnn":
        u = 1.0 - np.tanh(get["h"]) ** 2
        return np.zeros_like(u), u, np.ones_like(u)
    if arch == "gru":
        r, z = expit(get["r"]), expit(get["z"])
        return z, (1.0 - z) * r, np.ones_like(z)
    if arch == "lstm":
        return expit(get["f"]), expit(get["i"]), expit(get["o"])
    a = expit(get["u"])
    return a, np.zeros_like(a), np.ones_like(a)


# --------------------------------------------------------------------------------------
# The critical gain
# --------------------------------------------------------------------------------------
def critical_gain(
    arch: str,
    bias_std: float | Mapping[str, float] = 0.0,
    *,
    method: str = "zero_state",
    candidate_bias_std: float = 0.0,
    approximation: str = "exact",
    gain_ratios: Mapping[str, float] | None = None,
) -> float:
    r"""Critical gain ``g_c`` of a random ``arch`` network with gate-bias spread ``bias_std``.

    Parameters
    ----------
    arch : {"rnn", "gru", "lstm", "minimalrnn"}
        Cell, with PyTorch's equations (``nn.RNN`` with tanh, ``nn.GRU``, ``nn.LSTM``)
        or Chen et al. (2018) for the minimalRNN.
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
        bias is 0, and is the right criterion when ``h = 0`` is not a fixed point.
    candidate_bias_std : float
        Spread of the candidate (GRU ``n``, LSTM ``g``, minimalRNN ``c``) bias. Must be 0
        for ``method="zero_state"``: otherwise the zero state is not a fixed point.
    approximation : {"exact", "probit"}
        ``"probit"`` replaces ``E[sigma(b)^2]`` by :func:`sigmoid_sq_moment_probit`
        (the closed form; gated cells only). ``E[(1+e^b)^2]`` is always exact.
    gain_ratios : dict, optional
        Per-gate gains relative to ``g`` (``W_k = g * ratio_k * W0_k``), as in
        ``RandomRNN``. At the zero state only the candidate's matrix (``"h"``, GRU ``"n"``,
        LSTM ``"g"``) enters ``J0``: the result is ``g_c / ratio_candidate`` and the other
        ratios do not matter (they act only away from the zero state).

    Returns
    -------
    float
        ``g_c``; ``math.inf`` for the minimalRNN, whose zero-state Jacobian
        ``diag(sigma(b))`` does not depend on the weights.

    Examples
    --------
    >>> round(critical_gain("gru"), 6), round(critical_gain("lstm"), 6)
    (2.0, 2.0)
    >>> round(critical_gain("rnn", 1.0, method="mean_field"), 3)
    1.856
    >>> round(critical_gain("gru", 0.5, method="mean_field", candidate_bias_std=0.5), 3)
    2.545
    """
    arch = check_arch(arch)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if approximation not in APPROXIMATIONS:
        raise ValueError(f"approximation must be one of {APPROXIMATIONS}, got {approximation!r}")
    stds = gate_bias_stds(arch, bias_std, candidate_bias_std)
    cand = CANDIDATE[arch]
    if approximation == "probit" and arch in ("rnn", "minimalrnn"):
        raise ValueError("approximation='probit' applies to the sigmoid gates of 'gru' and 'lstm'")
    if method == "mean_field":
        if approximation != "exact":
            raise ValueError("approximation='probit' applies to method='zero_state' only")
        if arch == "rnn" and not gain_ratios:
            return _mean_field_critical_gain(stds["h"])
        from .meanfield import mean_field_critical_gain  # imports theory: avoid a cycle

        return mean_field_critical_gain(arch, bias_std, candidate_bias_std=candidate_bias_std,
                                        gain_ratios=gain_ratios)
    if cand is not None and stds[cand] != 0.0:
        raise ValueError(
            "candidate_bias_std must be 0 for method='zero_state': with a candidate bias "
            "the zero state is not a fixed point"
        )
    ratios = recurrent_gain_ratios(arch, gain_ratios)
    sq = sigmoid_sq_moment_probit if approximation == "probit" else sigmoid_sq_moment
    if arch == "rnn":
        return sech4_moment(stds["h"]) ** -0.5 / ratios["h"]
    if arch == "gru":
        return sq(stds["r"]) ** -0.5 / ratios["n"]
    if arch == "lstm":
        inv = inv_one_minus_sigmoid_sq_moment(stds["f"])
        return (sq(stds["i"]) * sq(stds["o"]) * inv) ** -0.5 / ratios["g"]
    return math.inf


# --------------------------------------------------------------------------------------
# Mean field of the vanilla RNN with bias
# --------------------------------------------------------------------------------------
def mean_field_rnn(g: float, bias_std: float) -> tuple[float, float]:
    r"""Fixed point ``q*`` of the length map and its slope ``chi`` for the tanh RNN.

    ``q* = E[tanh(sqrt(g^2 q* + s^2) z)^2]``, ``chi = g^2 E[tanh'(sqrt(g^2 q* + s^2) z)^2]``
    with ``z ~ N(0, 1)``; ``q*`` is the mean squared activity per unit, ``chi`` the
    per-step growth of a small perturbation's squared length.

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

    def length_map(q: float) -> float:
        return gaussian_expectation(lambda b: np.tanh(b) ** 2, math.sqrt(g * g * q + s * s))

    if s == 0.0 and g <= 1.0:
        q_star = 0.0
    else:
        lo = 0.0 if s > 0 else 1e-300
        q_star = optimize.brentq(lambda q: q - length_map(q), lo, 1.0, xtol=1e-15, rtol=1e-14)
    chi = g * g * sech4_moment(math.sqrt(g * g * q_star + s * s))
    return q_star, chi


def _mean_field_critical_gain(s: float) -> float:
    if s == 0.0:
        return 1.0
    return optimize.brentq(lambda g: mean_field_rnn(g, s)[1] - 1.0, 1e-3, 50.0, xtol=1e-13)


# --------------------------------------------------------------------------------------
# Spectral support of the zero-state Jacobian
# --------------------------------------------------------------------------------------
def edge_function(
    arch: str, bias_std: float | Mapping[str, float] = 0.0
) -> tuple[Callable[[NDArray[np.complex128]], NDArray[np.float64]], float]:
    r"""``G(lam) = E[u^2 v^2 / |lam - a|^2]`` for ``N -> inf`` and the mean of ``a``.

    The predicted support is ``{lam : g^2 G(lam) >= 1}``.

    Returns
    -------
    G : callable
        Maps complex ``lam`` of any shape to real ``G`` of the same shape.
    center : float
        ``E[a]``, a point inside the support, used to trace its boundary.
    """
    arch = check_arch(arch)
    stds = gate_bias_stds(arch, bias_std)
    if arch == "minimalrnn":
        raise ValueError("arch='minimalrnn' has u = 0: its zero-state spectrum is diag(sigma(b))")
    if arch == "rnn":
        c = sech4_moment(stds["h"])
        return (lambda lam: c / np.abs(np.asarray(lam)) ** 2), 0.0
    if arch == "gru":
        c, gate, weight = sigmoid_sq_moment(stds["r"]), "z", lambda a: (1.0 - a) ** 2
    else:
        c = sigmoid_sq_moment(stds["i"]) * sigmoid_sq_moment(stds["o"])
        gate, weight = "f", lambda a: np.ones_like(a)
    b, w = gaussian_nodes(stds[gate])
    a = expit(b)
    wa = w * weight(a)

    def G(lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        lam = np.asarray(lam, dtype=np.complex128)
        return c * (np.abs(lam[..., None] - a) ** -2.0 @ wa)

    return G, float(np.dot(w, a))


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
    arch: str,
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


def support_right_edge(arch: str, g: float, bias_std: float | Mapping[str, float] = 0.0) -> float:
    """Rightmost real point of the predicted support, ``max{lam real : g^2 G(lam) >= 1}``.

    For gated cells with a spread of ``a`` the segment ``(0, 1)`` of diagonal values
    belongs to the ``N -> inf`` support, so the edge is at least ``sup a``; for
    ``g > g_c`` it is the root of ``g^2 G(lam) = 1`` beyond 1.
    """
    g = check_positive("g", g)
    G, center = edge_function(arch, bias_std)
    level = 1.0 / (g * g)
    arch = check_arch(arch)
    stds = gate_bias_stds(arch, bias_std)
    gate = {"rnn": None, "gru": "z", "lstm": "f"}[arch]
    a_max = center if gate is None or stds[gate] == 0.0 else 1.0
    lo = a_max + 1e-12
    if float(G(np.array([lo]))[0]) < level:
        return a_max
    hi = lo + 1.0
    while float(G(np.array([hi]))[0]) >= level:
        hi = lo + 2.0 * (hi - lo)
    return optimize.brentq(lambda x: float(G(np.array([x]))[0]) - level, lo, hi, xtol=1e-13)
