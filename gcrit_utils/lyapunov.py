"""Lyapunov exponents of batched random networks (tangent propagation with QR).

The algorithm of Engelken, Wolf & Abbott (2020): evolve the state, push an orthonormal
tangent basis through the analytic Jacobian (``RandomRNN.step_with_jvp``), re-orthonormalise
with QR every ``qr_every`` steps and average ``log |diag R|``. All gains of a
:class:`~gcrit_utils.network.RandomRNN` advance together; the only Python loop is over time.
Exponents are in nats per time step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from ._numerics import flush_denormal
from ._validation import check_int, check_positive
from .network import RandomRNN

__all__ = ["CHAOS_THRESHOLD", "LyapunovResult", "first_crossing", "lyapunov_spectrum",
           "max_lyapunov"]

#: Threshold above which an exponent counts as chaos (nats per step).
CHAOS_THRESHOLD = 0.005


def first_crossing(x: Sequence[float], y: Sequence[float], level: float = 0.0) -> float:
    """First upward crossing of ``level`` by the piecewise-linear curve ``y(x)``.

    Returns ``x[0]`` if ``y[0] > level`` already, and ``inf`` if ``y`` never exceeds it.
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    above = np.nonzero(ya > level)[0]
    if above.size == 0:
        return float("inf")
    k = int(above[0])
    if k == 0:
        return float(xa[0])
    x0, x1, y0, y1 = xa[k - 1], xa[k], ya[k - 1], ya[k]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


@dataclass(frozen=True)
class LyapunovResult:
    """Lyapunov exponents with a convergence estimate.

    Attributes
    ----------
    exponents : ndarray, shape (B,) or (B, k)
        Time-averaged exponents (nats per step), one row per gain; for a spectrum,
        columns in the order of the QR basis (descending once converged).
    block_means : ndarray, shape (n_blocks, B) or (n_blocks, B, k)
        The same average over ``n_blocks`` consecutive blocks of the measured steps.
    stderr : ndarray, like ``exponents``
        ``std(block_means) / sqrt(n_blocks)``: the spread between blocks.
    gains : ndarray, shape (B,)
    steps, warmup : int
    """

    exponents: np.ndarray
    block_means: np.ndarray
    stderr: np.ndarray
    gains: np.ndarray
    steps: int
    warmup: int


def _initial_state(net: RandomRNN, seed: int, scale: float) -> torch.Tensor:
    gen = torch.Generator(device="cpu").manual_seed(seed)
    h0 = scale * torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    return h0.to(device=net.device, dtype=net.dtype)


def _inputs(net: RandomRNN, x: torch.Tensor | None, total: int) -> torch.Tensor | None:
    if x is None:
        return None
    if not isinstance(x, torch.Tensor) or x.ndim not in (2, 3) or x.shape[0] < total:
        raise ValueError(f"x must be a tensor of shape (T >= warmup + steps = {total}, "
                         f"[B,] input_dim={net.input_dim})")
    return x


def _result(logs: torch.Tensor, net: RandomRNN, steps: int, warmup: int, n_blocks: int,
            norm: int) -> LyapunovResult:
    """``logs``: (n_events, B[, k]) log growths; ``norm``: steps per event."""
    arr = logs.double().cpu().numpy() / norm
    blocks = np.stack([blk.mean(axis=0) for blk in np.array_split(arr, n_blocks, axis=0)])
    return LyapunovResult(
        exponents=arr.mean(axis=0),
        block_means=blocks,
        stderr=blocks.std(axis=0, ddof=1) / np.sqrt(n_blocks),
        gains=net.g.detach().cpu().double().numpy(),
        steps=steps,
        warmup=warmup,
    )


def _check_common(steps: int, warmup: int, n_blocks: int, h0_scale: float) -> tuple[int, int,
                                                                                     int, float]:
    steps = check_int("steps", steps, 1)
    warmup = check_int("warmup", warmup, 0)
    n_blocks = check_int("n_blocks", n_blocks, 2)
    if n_blocks > steps:
        raise ValueError(f"n_blocks must be <= steps={steps}, got {n_blocks}")
    return steps, warmup, n_blocks, check_positive("h0_scale", h0_scale)


def max_lyapunov(
    net: RandomRNN,
    steps: int = 2000,
    warmup: int = 500,
    seed: int = 0,
    *,
    x: torch.Tensor | None = None,
    h0: torch.Tensor | None = None,
    h0_scale: float = 1.0,
    n_blocks: int = 4,
    progress: bool = False,
) -> LyapunovResult:
    """Largest Lyapunov exponent of every network in ``net``.

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks (one per gain).
    steps : int
        Measured steps after the warm-up.
    warmup : int
        Steps discarded (state and tangent vector relax onto the attractor).
    seed : int
        Seed of the initial state ``h0 ~ N(0, h0_scale^2)`` and tangent vector.
    x : tensor, shape (warmup + steps, input_dim) or (warmup + steps, B, input_dim)
        Optional input drive: gives the conditional (driven) exponent.
    h0 : tensor, shape (B, D), optional
        Initial state, instead of the random one.
    h0_scale : float
        Standard deviation of the random initial state.
    n_blocks : int
        Blocks used for ``block_means`` and ``stderr``.
    progress : bool
        Show a tqdm bar over time steps.

    Returns
    -------
    LyapunovResult
        ``exponents`` of shape (B,), nats per step.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    steps, warmup, n_blocks, h0_scale = _check_common(steps, warmup, n_blocks, h0_scale)
    total = warmup + steps
    xs = _inputs(net, x, total)
    h = _initial_state(net, seed, h0_scale) if h0 is None else net.check_state(h0, "h0")
    gen = torch.Generator(device="cpu").manual_seed(seed + 1)
    v = torch.randn(net.batch, 1, net.dim, generator=gen, dtype=torch.float64)
    v = (v / v.norm(dim=-1, keepdim=True)).to(device=net.device, dtype=net.dtype)
    logs = torch.empty(steps, net.batch, dtype=torch.float64, device=net.device)
    tiny = torch.finfo(net.dtype).tiny
    with torch.no_grad(), flush_denormal():
        for t in tqdm(range(total), disable=not progress, desc="max_lyapunov"):
            h, v = net.step_with_jvp(h, v, None if xs is None else xs[t])
            norm = v.norm(dim=-1, keepdim=True).clamp_min(tiny)
            v = v / norm
            if t >= warmup:
                logs[t - warmup] = norm[:, 0, 0].log()
    return _result(logs, net, steps, warmup, n_blocks, 1)


def lyapunov_spectrum(
    net: RandomRNN,
    k: int,
    steps: int = 2000,
    warmup: int = 500,
    qr_every: int = 1,
    seed: int = 0,
    *,
    x: torch.Tensor | None = None,
    h0: torch.Tensor | None = None,
    h0_scale: float = 1.0,
    n_blocks: int = 4,
    progress: bool = False,
) -> LyapunovResult:
    """The ``k`` largest Lyapunov exponents of every network in ``net``.

    Parameters
    ----------
    net : RandomRNN
    k : int
        Number of exponents, ``1 <= k <= D``.
    steps, warmup : int
        Measured and discarded steps; both multiples of ``qr_every``.
    qr_every : int
        Steps between QR re-orthonormalisations (1 is safest; larger is faster as
        long as the tangent vectors do not align within the interval).
    seed, x, h0, h0_scale, n_blocks, progress
        As in :func:`max_lyapunov`.

    Returns
    -------
    LyapunovResult
        ``exponents`` of shape (B, k), nats per step.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    steps, warmup, n_blocks, h0_scale = _check_common(steps, warmup, n_blocks, h0_scale)
    k = check_int("k", k, 1)
    if k > net.dim:
        raise ValueError(f"k must be <= D={net.dim}, got {k}")
    qr_every = check_int("qr_every", qr_every, 1)
    if steps % qr_every or warmup % qr_every:
        raise ValueError(f"steps and warmup must be multiples of qr_every={qr_every}")
    total = warmup + steps
    xs = _inputs(net, x, total)
    h = _initial_state(net, seed, h0_scale) if h0 is None else net.check_state(h0, "h0")
    gen = torch.Generator(device="cpu").manual_seed(seed + 1)
    q, _ = torch.linalg.qr(torch.randn(net.batch, net.dim, k, generator=gen, dtype=torch.float64))
    rows = q.transpose(1, 2).to(device=net.device, dtype=net.dtype)
    logs = torch.empty(steps // qr_every, net.batch, k, dtype=torch.float64, device=net.device)
    tiny = torch.finfo(net.dtype).tiny
    with torch.no_grad(), flush_denormal():
        for t in tqdm(range(total), disable=not progress, desc="lyapunov_spectrum"):
            h, rows = net.step_with_jvp(h, rows, None if xs is None else xs[t])
            if (t + 1) % qr_every == 0:
                q, r = torch.linalg.qr(rows.transpose(1, 2))
                rows = q.transpose(1, 2)
                if t >= warmup:
                    diag = r.diagonal(dim1=1, dim2=2).abs().clamp_min(tiny)
                    logs[(t - warmup) // qr_every] = diag.log()
    return _result(logs, net, steps, warmup, n_blocks, qr_every)
