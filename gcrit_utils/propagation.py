"""Simulated signal propagation in finite networks: the measured side of
:mod:`gcrit_utils.signalprop`."""

from __future__ import annotations

import numpy as np
import torch

from ._validation import check_int, check_positive
from .network import RandomRNN

__all__ = [
    "simulate_propagation",
    "jacobian_product_singular_values",
    "singular_value_spread",
    "singular_value_floor",
]


def _pair_inputs(net: RandomRNN, steps: int, input_corr: float, gen: torch.Generator
                 ) -> torch.Tensor:
    """Inputs of the two trajectories, shape (steps, 2, d), i.i.d. N(0, 1) in time with
    correlation ``input_corr`` between the two."""
    d = net.input_dim
    xa = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    eta = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    xb = input_corr * xa + (1.0 - input_corr**2) ** 0.5 * eta
    return torch.stack([xa, xb], dim=1)


def simulate_propagation(net: RandomRNN, steps: int, *, q0: float = 1.0, c0: float = 0.0,
                         input_corr: float = 0.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Length and correlation of two trajectories of every network in ``net``.

    Both start with i.i.d. ``N(0, q0)`` states (hidden and, for the LSTM, cell) whose
    correlation is ``c0``; they are driven by i.i.d. standard-normal inputs of dimension
    ``net.input_dim`` with correlation ``input_corr`` between the two, so the drive of
    each gate and unit has variance ``net.input_scale**2`` (times ``|x|^2/d``, 1 on average).

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks with ``input_dim >= 1`` (use a large ``input_dim``, e.g. 100, so the
        drives of different units are nearly independent, as the mean field assumes).
    steps : int
        Steps simulated.
    q0, c0, input_corr : float
        Initial variance per unit, initial and input correlations.
    seed : int
        Seed of the initial states and inputs.

    Returns
    -------
    dict
        ``q`` (steps + 1, B): ``mean_i h_{a,i}^2``; ``c`` (steps + 1, B): correlation of
        ``h_a`` and ``h_b``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    if net.input_dim < 1:
        raise ValueError("net must have input_dim >= 1 (an input-driven network)")
    steps = check_int("steps", steps, 1)
    q0 = check_positive("q0", q0)
    if not -1.0 <= c0 <= 1.0 or not -1.0 <= input_corr <= 1.0:
        raise ValueError("c0 and input_corr must be in [-1, 1]")
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    ha = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    eta = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    h = q0**0.5 * torch.stack([ha, c0 * ha + (1.0 - c0**2) ** 0.5 * eta], dim=1)
    h = h.to(device=net.device, dtype=net.dtype)
    xs = _pair_inputs(net, steps, input_corr, gen)
    qs, cs = [], []

    def record(state: torch.Tensor) -> None:
        hid = net.hidden(state).double()
        qa, qb = (hid[:, 0] ** 2).mean(-1), (hid[:, 1] ** 2).mean(-1)
        qs.append(qa.cpu().numpy())
        cs.append(((hid[:, 0] * hid[:, 1]).mean(-1) / (qa * qb).sqrt()).cpu().numpy())

    with torch.no_grad():
        record(h)
        for t in range(steps):
            h = net.step(h, xs[t])
            record(h)
    return {"q": np.array(qs), "c": np.array(cs)}


def singular_value_spread(svals: np.ndarray) -> tuple[float, int]:
    """Spread ``log10(s_max / s_min)`` of singular values, as far as float64 resolves it.

    Singular values below ``s_max * N * eps`` (numpy's rank tolerance) are rounding noise:
    their exact value changes with the order of floating-point operations. They are floored at
    that tolerance, so a numerically rank-deficient product reports the resolvable bound
    ``log10(1 / (N eps))`` (13.2 decades for ``N = 300``) and the count of such values.

    Parameters
    ----------
    svals : ndarray, shape (N,)
        Singular values of one ``N x N`` matrix (any order, >= 0).

    Returns
    -------
    spread : float
        ``log10(s_max / max(s_min, tol))``; ``inf`` if every value is 0.
    below : int
        Number of singular values below the tolerance (0 when the spread is resolved).
    """
    s = np.asarray(svals, dtype=np.float64)
    tol = singular_value_floor(s)
    top = float(s.max())
    if top == 0:
        return float("inf"), int(s.size)
    below = int((s < tol).sum())
    return float(np.log10(top / max(float(s.min()), tol))), below


def singular_value_floor(svals: np.ndarray) -> float:
    """The resolution ``s_max * N * eps`` below which singular values are rounding noise.

    Parameters
    ----------
    svals : ndarray, shape (N,)
        Singular values of one ``N x N`` matrix (any order, >= 0).

    Returns
    -------
    float
        ``max(svals) * N * eps(float64)``: a singular value (or a statistic of them, such as
        the median) below it has no significant digit.
    """
    s = np.asarray(svals, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("svals must be a non-empty 1-d array of finite values >= 0")
    return float(s.max()) * s.size * float(np.finfo(np.float64).eps)


def jacobian_product_singular_values(net: RandomRNN, horizon: int, *, warmup: int = 200,
                                     seed: int = 0) -> np.ndarray:
    """Singular values of the ``horizon``-step state-to-state Jacobian product
    ``J_T ... J_1`` along an input-driven trajectory of every network.

    The trajectory starts at a random state, runs ``warmup`` steps under i.i.d.
    standard-normal inputs (when ``input_dim >= 1``), then the product of the Jacobians of
    the next ``horizon`` steps is formed (float64, hidden part of the state).

    Returns
    -------
    ndarray, shape (B, N)
        Singular values, descending, of the ``N x N`` block ``d h_T / d h_0``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    horizon = check_int("horizon", horizon, 1)
    warmup = check_int("warmup", warmup, 0)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    h = (0.5 * torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)).to(
        device=net.device, dtype=net.dtype)
    xs = None
    if net.input_dim >= 1:
        xs = torch.randn(warmup + horizon, net.input_dim, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        for t in range(warmup):
            h = net.step(h, None if xs is None else xs[t])
        prod = torch.eye(net.dim, dtype=net.dtype, device=net.device).expand(
            net.batch, -1, -1).clone()
        for t in range(warmup, warmup + horizon):
            x = None if xs is None else xs[t]
            prod = net.jacobian(h, x) @ prod
            h = net.step(h, x)
    block = prod[:, : net.n, : net.n].double()
    return torch.linalg.svdvals(block).cpu().numpy()
