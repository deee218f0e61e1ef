r"""Mean-field signal propagation in input-driven random recurrent networks (chapter 06).

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
Gaussians, :func:`gcrit_utils.meanfield.normal_rule`).

The annealed treatment re-draws, in effect, the weights at every step. For the vanilla
RNN without input memory this changes nothing at leading order in ``N``; for gated cells,
whose units keep their state through ``diag(a)`` with the *same* ``a_j`` at every step, it
loses the coherent sum ``sum_k a^k = 1/(1 - a)`` that the random-matrix criterion keeps.
Chapter 06 measures the consequence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.special import expit

from ._validation import (
    GATES,
    check_arch,
    check_int,
    check_nonnegative,
    check_positive,
    gate_bias_stds,
)
from .meanfield import normal_rule

__all__ = [
    "SignalParams",
    "signal_params",
    "length_fixed_point",
    "chi_one",
    "propagation_path",
    "correlation_map",
    "correlation_fixed_point",
    "timescales",
]

#: Gates whose bias mean may be set (the memory gates: minimalRNN u, GRU z, LSTM f).
MEAN_GATES: dict[str, tuple[str, ...]] = {"rnn": (), "gru": ("z",), "lstm": ("f",),
                                          "minimalrnn": ("u",)}


@dataclass(frozen=True)
class SignalParams:
    """Parameters of the annealed mean field of one network.

    Attributes
    ----------
    arch : str
    g : float
        Gain.
    stds, means : dict
        Bias std and mean per gate (``GATES[arch]``).
    input_std : float
        ``sigma_x``: std of the input drive per gate and unit.
    """

    arch: str
    g: float
    stds: dict[str, float]
    means: dict[str, float]
    input_std: float


def signal_params(arch: str, g: float, bias_std: float | Mapping[str, float] = 0.0, *,
                  bias_mean: Mapping[str, float] | None = None, input_std: float = 0.0,
                  candidate_bias_std: float = 0.0) -> SignalParams:
    """Validate and bundle the parameters (see :class:`SignalParams`).

    ``bias_mean`` may name the memory gate only (``{"u": mu}`` minimalRNN, ``{"z": mu}``
    GRU, ``{"f": mu}`` LSTM).
    """
    arch = check_arch(arch)
    g = check_positive("g", g)
    stds = gate_bias_stds(arch, bias_std, candidate_bias_std)
    given = dict(bias_mean or {})
    bad = set(given) - set(MEAN_GATES[arch])
    if bad:
        raise ValueError(f"bias_mean keys for arch={arch!r} must be among "
                         f"{MEAN_GATES[arch]}, got {sorted(bad)}")
    means = {k: 0.0 for k in GATES[arch]}
    for k, v in given.items():
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(f"bias_mean[{k!r}] must be finite, got {v!r}")
        means[k] = x
    return SignalParams(arch, g, stds, means, check_nonnegative("input_std", input_std))


# --------------------------------------------------------------------------------------
# quadrature helpers
# --------------------------------------------------------------------------------------
def _normal(mean: float, var: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    std = math.sqrt(max(var, 0.0))
    t, w = normal_rule(std)
    return mean + std * t, w


def _expect(f, mean: float, var: float) -> float:
    x, w = _normal(mean, var)
    return float(np.dot(w, f(x)))


def pair_rule(std: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coarser standardised rule for the 2-D (and 4-D) integrals of the covariance maps:
    composite Gauss-Legendre on ``[-6, 6]``, panels no wider than 1.5 in the variable
    (and 1.5 standard deviations), 4 nodes each (relative error ~1e-6 on the maps)."""
    if std == 0.0:
        return np.zeros(1), np.ones(1)
    x, wx = np.polynomial.legendre.leggauss(4)
    n_panels = max(8, int(math.ceil(12.0 * std / 1.5)))
    edges = np.linspace(-6.0, 6.0, n_panels + 1)
    half = 0.5 * (edges[1] - edges[0])
    t = (0.5 * (edges[:-1] + edges[1:])[:, None] + half * x[None, :]).ravel()
    w = (half * np.broadcast_to(wx, (n_panels, 4))).ravel()
    return t, w * np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)


def _pair(mean: float, var: float, cov: float
          ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
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


def _expect_pair(fa, fb, mean: float, var: float, cov: float) -> float:
    xa, xb, w = _pair(mean, var, cov)
    return float(np.dot(w, fa(xa) * fb(xb)))


def _sig(x):
    return expit(x)


def _dsig(x):
    s = expit(x)
    return s * (1.0 - s)


def _dtanh(x):
    return 1.0 - np.tanh(x) ** 2


def _gate_var(p: SignalParams, k: str, q: float) -> float:
    """Variance of gate ``k``'s pre-activation at ``q``."""
    return p.stds[k] ** 2 + p.input_std**2 + p.g**2 * q


def _gate_cov(p: SignalParams, k: str, qab: float, cx: float) -> float:
    return p.stds[k] ** 2 + p.input_std**2 * cx + p.g**2 * qab


# --------------------------------------------------------------------------------------
# single trajectory: length map and chi_1
# --------------------------------------------------------------------------------------
def _gru_candidate(p: SignalParams, q: float):
    """Nodes over the reset gate and the candidate pre-activation ``w = b + x + r zeta``."""
    r_nodes, r_w = _normal(p.means["r"], _gate_var(p, "r", q))
    r = _sig(r_nodes)
    v = p.g**2 * q
    var_w = p.stds["n"] ** 2 + p.input_std**2 + r * r * v  # (M_r,)
    t, wt = normal_rule(math.sqrt(p.stds["n"] ** 2 + p.input_std**2 + v))
    w = np.sqrt(var_w)[:, None] * t[None, :]
    weights = r_w[:, None] * wt[None, :]
    return r_nodes[:, None], r[:, None], w, var_w[:, None], v, weights


def _length_step(p: SignalParams, state: tuple[float, ...]) -> tuple[float, ...]:
    """One step of the length map; state ``(q,)`` or, for the LSTM, ``(q_h, q_c)``."""
    a = p.arch
    if a == "rnn":
        (q,) = state
        return (_expect(lambda x: np.tanh(x) ** 2, p.means["h"], _gate_var(p, "h", q)),)
    if a == "minimalrnn":
        (q,) = state
        e2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, p.stds["c"] ** 2 + p.input_std**2)
        var_u = p.stds["u"] ** 2 + p.g**2 * q + e2
        u2 = _expect(lambda x: _sig(x) ** 2, p.means["u"], var_u)
        v2 = _expect(lambda x: (1.0 - _sig(x)) ** 2, p.means["u"], var_u)
        return (u2 * q + v2 * e2,)
    if a == "gru":
        (q,) = state
        var_z = _gate_var(p, "z", q)
        z2 = _expect(lambda x: _sig(x) ** 2, p.means["z"], var_z)
        y2 = _expect(lambda x: (1.0 - _sig(x)) ** 2, p.means["z"], var_z)
        _, _, w, _, _, weights = _gru_candidate(p, q)
        n2 = float((np.tanh(w) ** 2 * weights).sum())
        return (z2 * q + y2 * n2,)
    qh, qc = state
    f2 = _expect(lambda x: _sig(x) ** 2, p.means["f"], _gate_var(p, "f", qh))
    i2 = _expect(lambda x: _sig(x) ** 2, 0.0, _gate_var(p, "i", qh))
    gg2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, _gate_var(p, "g", qh))
    o2 = _expect(lambda x: _sig(x) ** 2, 0.0, _gate_var(p, "o", qh))
    qc_new = f2 * qc + i2 * gg2
    return (o2 * _expect(lambda x: np.tanh(x) ** 2, 0.0, qc_new), qc_new)


def _lstm_cell_fixed_point(p: SignalParams, qh: float) -> float:
    """``q_c = E[i^2] E[g^2] / (1 - E[f^2])``: the cell map's fixed point at ``q_h``."""
    f2 = _expect(lambda x: _sig(x) ** 2, p.means["f"], _gate_var(p, "f", qh))
    i2 = _expect(lambda x: _sig(x) ** 2, 0.0, _gate_var(p, "i", qh))
    gg2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, _gate_var(p, "g", qh))
    return i2 * gg2 / (1.0 - f2)


def length_fixed_point(params: SignalParams) -> tuple[float, ...]:
    """Fixed point of the length map: ``(q*,)``, or ``(q_h*, q_c*)`` for the LSTM.

    Solved as a root of ``M(q) - q`` on ``[0, 1]`` (Brent): the largest root, i.e. the
    stable one reached from any ``q_0 > 0``; ``q* = 0`` when ``M(q) < q`` for all
    ``q > 0`` (no input, no bias and ``g`` below the mean-field edge). For the LSTM the
    cell part is eliminated first, ``q_c = E[i^2] E[g^2] / (1 - E[f^2])``.
    """
    p = params
    if p.arch == "lstm":
        def excess(qh: float) -> float:
            return _length_step(p, (qh, _lstm_cell_fixed_point(p, qh)))[0] - qh
    else:
        def excess(q: float) -> float:
            return _length_step(p, (q,))[0] - q
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
    return (q, _lstm_cell_fixed_point(p, q)) if p.arch == "lstm" else (q,)


def chi_one(params: SignalParams, state: tuple[float, ...] | None = None) -> float:
    """``chi_1``: per-step growth of ``E|delta h|^2`` at the stationary length ``state``
    (default: :func:`length_fixed_point`); for the LSTM the largest eigenvalue of the
    2 x 2 map of ``(E|delta h|^2, E|delta c|^2)``."""
    p = params
    state = length_fixed_point(p) if state is None else state
    g2 = p.g**2
    if p.arch == "rnn":
        (q,) = state
        return g2 * _expect(lambda x: _dtanh(x) ** 2, p.means["h"], _gate_var(p, "h", q))
    if p.arch == "minimalrnn":
        (q,) = state
        e2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, p.stds["c"] ** 2 + p.input_std**2)
        var_u = p.stds["u"] ** 2 + g2 * q + e2
        u2 = _expect(lambda x: _sig(x) ** 2, p.means["u"], var_u)
        du2 = _expect(lambda x: _dsig(x) ** 2, p.means["u"], var_u)
        return u2 + g2 * du2 * (q + e2)
    if p.arch == "gru":
        (q,) = state
        var_z = _gate_var(p, "z", q)
        z2 = _expect(lambda x: _sig(x) ** 2, p.means["z"], var_z)
        y2 = _expect(lambda x: (1.0 - _sig(x)) ** 2, p.means["z"], var_z)
        dz2 = _expect(lambda x: _dsig(x) ** 2, p.means["z"], var_z)
        pr, r, w, var_w, v, weights = _gru_candidate(p, q)
        dn2 = _dtanh(w) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = np.where(var_w > 0, r * v / var_w, 0.0)
        zeta2 = beta**2 * w**2 + (v - beta * r * v)  # E[zeta^2 | w]
        dr = _dsig(pr)
        cand = float((dn2 * (r * r + dr * dr * zeta2) * weights).sum())
        n2 = float((np.tanh(w) ** 2 * weights).sum())
        return z2 + g2 * y2 * cand + g2 * dz2 * (q + n2)
    qh, qc = state
    var = {k: _gate_var(p, k, qh) for k in ("i", "f", "g", "o")}
    f2 = _expect(lambda x: _sig(x) ** 2, p.means["f"], var["f"])
    df2 = _expect(lambda x: _dsig(x) ** 2, p.means["f"], var["f"])
    i2 = _expect(lambda x: _sig(x) ** 2, 0.0, var["i"])
    di2 = _expect(lambda x: _dsig(x) ** 2, 0.0, var["i"])
    gg2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, var["g"])
    dg2 = _expect(lambda x: _dtanh(x) ** 2, 0.0, var["g"])
    o2 = _expect(lambda x: _sig(x) ** 2, 0.0, var["o"])
    do2 = _expect(lambda x: _dsig(x) ** 2, 0.0, var["o"])
    tc2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, qc)
    dtc2 = _expect(lambda x: _dtanh(x) ** 2, 0.0, qc)
    a_h = g2 * (qc * df2 + gg2 * di2 + i2 * dg2)  # from delta h into delta c
    m = np.array([[g2 * do2 * tc2 + o2 * dtc2 * a_h, o2 * dtc2 * f2], [a_h, f2]])
    return float(np.max(np.abs(np.linalg.eigvals(m))))


# --------------------------------------------------------------------------------------
# two trajectories: covariance map
# --------------------------------------------------------------------------------------
def _cov_step(p: SignalParams, state: tuple[float, ...], cross: tuple[float, ...], cx: float
              ) -> tuple[float, ...]:
    """One step of the covariance map at stationary lengths ``state``."""
    a = p.arch
    g2 = p.g**2
    if a == "rnn":
        (q,), (qab,) = state, cross
        return (_expect_pair(np.tanh, np.tanh, p.means["h"], _gate_var(p, "h", q),
                             _gate_cov(p, "h", qab, cx)),)
    if a == "minimalrnn":
        (q,), (qab,) = state, cross
        var_e = p.stds["c"] ** 2 + p.input_std**2
        e2 = _expect(lambda x: np.tanh(x) ** 2, 0.0, var_e)
        eab = _expect_pair(np.tanh, np.tanh, 0.0, var_e, p.stds["c"] ** 2 + p.input_std**2 * cx)
        var_u = p.stds["u"] ** 2 + g2 * q + e2
        cov_u = p.stds["u"] ** 2 + g2 * qab + eab
        uu = _expect_pair(_sig, _sig, p.means["u"], var_u, cov_u)
        vv = _expect_pair(lambda x: 1 - _sig(x), lambda x: 1 - _sig(x), p.means["u"], var_u, cov_u)
        return (uu * qab + vv * eab,)
    if a == "gru":
        (q,), (qab,) = state, cross
        var_z, cov_z = _gate_var(p, "z", q), _gate_cov(p, "z", qab, cx)
        zz = _expect_pair(_sig, _sig, p.means["z"], var_z, cov_z)
        yy = _expect_pair(lambda x: 1 - _sig(x), lambda x: 1 - _sig(x), p.means["z"], var_z,
                          cov_z)
        ra, rb, wr = _pair(0.0, _gate_var(p, "r", q), _gate_cov(p, "r", qab, cx))
        ra, rb = _sig(ra), _sig(rb)
        base_v = p.stds["n"] ** 2 + p.input_std**2
        base_c = p.stds["n"] ** 2 + p.input_std**2 * cx
        t, wt = pair_rule(math.sqrt(base_v + g2 * q))
        nn = 0.0
        w2 = wt[:, None] * wt[None, :]
        for lo in range(0, ra.size, 256):  # bivariate candidate pre-activations given r's
            sl = slice(lo, lo + 256)
            va = base_v + ra[sl] ** 2 * g2 * q
            vb = base_v + rb[sl] ** 2 * g2 * q
            sa, sb = np.sqrt(va), np.sqrt(vb)
            rho = np.clip((base_c + ra[sl] * rb[sl] * g2 * qab) / (sa * sb), -1.0, 1.0)
            xa = sa[:, None, None] * t[None, :, None]
            xb = sb[:, None, None] * (rho[:, None, None] * t[None, :, None]
                                      + np.sqrt(1 - rho * rho)[:, None, None] * t[None, None, :])
            inner = (np.tanh(xa) * np.tanh(xb) * w2[None]).sum(axis=(1, 2))
            nn += float(np.dot(wr[sl], inner))
        return (zz * qab + yy * nn,)
    (qh, qc), (qh_ab, qc_ab) = state, cross
    f_ab = _expect_pair(_sig, _sig, p.means["f"], _gate_var(p, "f", qh),
                        _gate_cov(p, "f", qh_ab, cx))
    i_ab = _expect_pair(_sig, _sig, 0.0, _gate_var(p, "i", qh), _gate_cov(p, "i", qh_ab, cx))
    g_ab = _expect_pair(np.tanh, np.tanh, 0.0, _gate_var(p, "g", qh),
                        _gate_cov(p, "g", qh_ab, cx))
    o_ab = _expect_pair(_sig, _sig, 0.0, _gate_var(p, "o", qh), _gate_cov(p, "o", qh_ab, cx))
    qc_ab_new = f_ab * qc_ab + i_ab * g_ab
    return (o_ab * _expect_pair(np.tanh, np.tanh, 0.0, qc, qc_ab_new), qc_ab_new)


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
    state: tuple[float, ...] = (q0, q0) if params.arch == "lstm" else (q0,)
    cross = tuple(c0 * s for s in state)
    qs, cs = [state[0]], [c0]
    for _ in range(steps):
        state, cross = _length_step(params, state), _cov_step(params, state, cross, input_corr)
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
    new = _cov_step(params, state, cross, input_corr)
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
        new = _cov_step(params, state, cross, input_corr)
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

    def xi(x: float) -> float:
        return -1.0 / math.log(x) if 0.0 < x < 1.0 else (0.0 if x <= 0.0 else math.inf)

    return {"q": state[0], "chi_1": chi1, "xi_1": xi(chi1), "c_star": c_star,
            "chi_c": slope, "xi_c": xi(slope)}


