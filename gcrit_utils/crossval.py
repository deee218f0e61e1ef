"""Blocked cross-validation of closed-loop forecasts: every block of a series validates once.

After a washout, the series is cut into ``folds`` contiguous blocks (by the index of the sample
a readout row predicts). One teacher-forced run of the reservoir accumulates the ridge normal
equations of every block separately (:class:`~gcrit_utils.ridge.NormalEquations`; the states
are never stored). Fold ``f``'s readout is then fit on all the other blocks, its ridge strength
is chosen by the one-step error on block ``f`` (computed from block ``f``'s normal equations),
and it forecasts in closed loop from ``n_windows`` windows lying inside block ``f``, each
synchronised from the zero state over the ``sync`` true samples before it, as the test windows
of :func:`~gcrit_utils.forecast.forecast_gains` are. So the readout of every validation window
was fit without its targets, and there are windows in every block instead of only at the end.

What is not held out: the ridge strength (one of a few values per network) is chosen on the
same block whose windows are then scored, and the first training rows after a held-out block
are states driven by its samples (no gap is left between blocks). Both make the validation
VPT slightly optimistic; neither lets a readout fit the windows' targets.
"""

from __future__ import annotations

import numpy as np
import torch

from ._validation import check_int, check_nonnegative, check_positive
from .cells import Cell
from .forecast import READOUTS, closed_loop_vpt
from .network import RandomRNN
from .ridge import NormalEquations, solve_validated_normal

__all__ = ["fold_layout", "cross_validated_vpt"]


def fold_layout(length: int, *, washout: int, folds: int, n_windows: int, horizon: int,
                window_stride: int, sync: int) -> dict[str, np.ndarray]:
    """Blocks and validation windows of a blocked cross-validation of a ``length``-sample series.

    Readout row ``t`` (the state after sample ``t``) predicts sample ``t + 1``; the rows whose
    predicted sample lies in ``[edges[f], edges[f + 1])`` form block ``f``. Window ``k`` of
    fold ``f`` forecasts samples ``starts[f, k] .. starts[f, k] + horizon - 1``, all inside
    block ``f``.

    Returns
    -------
    dict
        ``edges`` (folds + 1,) and ``starts`` (folds, n_windows), sample indices.

    Raises
    ------
    ValueError
        If ``sync > washout``, or a block is shorter than its windows need; the message says
        how long the series must be.
    """
    length = check_int("length", length, 1)
    washout, sync = check_int("washout", washout, 0), check_int("sync", sync, 1)
    folds = check_int("folds", folds, 2)
    n_windows, horizon = check_int("n_windows", n_windows, 1), check_int("horizon", horizon, 1)
    window_stride = check_int("window_stride", window_stride, 1)
    if sync > washout:
        raise ValueError(f"sync must be <= washout={washout} (the first window synchronises on "
                         f"the washout), got {sync}")
    span = (n_windows - 1) * window_stride + horizon
    edges = np.round(np.linspace(washout + 1, length, folds + 1)).astype(int)
    if np.diff(edges).min() < span:
        need = washout + 1 + folds * span
        raise ValueError(
            f"series too short for {folds} folds: {length} samples, need at least {need} "
            f"(washout={washout} + {folds} blocks of n_windows={n_windows} windows of "
            f"horizon={horizon} samples, window_stride={window_stride} apart); pass a longer "
            f"series, or smaller folds, n_windows, horizon or window_stride")
    starts = edges[:-1, None] + window_stride * np.arange(n_windows)[None, :]
    return {"edges": edges, "starts": starts}


def cross_validated_vpt(
    arch: str | Cell,
    bias_std: float,
    gains: list[float],
    n: int,
    seed: int,
    series: np.ndarray,
    lyapunov_exponent: float,
    dt: float,
    *,
    input_scale: float = 0.1,
    washout: int = 500,
    folds: int = 4,
    n_windows: int = 5,
    window_stride: int = 100,
    sync: int = 100,
    horizon: int = 500,
    readouts: tuple[str, ...] = READOUTS,
    ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2),
    threshold: float = 0.4,
    chunk: int = 256,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
) -> dict[str, np.ndarray]:
    """Valid prediction time of a reservoir at every gain, by blocked cross-validation.

    Parameters
    ----------
    arch, bias_std, gains, n, seed
        The reservoir (one :class:`~gcrit_utils.network.RandomRNN` holding all ``B`` gains).
    series : ndarray, shape (T, d)
        Normalised series (:func:`fold_layout` says how long it must be).
    lyapunov_exponent, dt : float
        VPTs are in Lyapunov times; ``dt = lyapunov_exponent = 1`` counts samples.
    input_scale : float
        Input weights ~ N(0, input_scale^2 / d).
    washout, folds, n_windows, window_stride, sync, horizon : int
        The split (:func:`fold_layout`): ``n_windows`` windows per fold.
    readouts : tuple of str
        Feature sets (:data:`~gcrit_utils.forecast.READOUTS`).
    ridges : tuple of float
        Candidate ridge strengths, chosen per fold and network.
    threshold : float
        Normalised error that ends a valid prediction.
    chunk : int
        Steps per chunk of the teacher-forced run.
    dtype, device
        Of the reservoir's states.

    Returns
    -------
    dict of ndarray
        ``vpt`` (R, B, folds, n_windows) in Lyapunov times, ``vpt_mean`` (R, B) over every
        window, ``ridge`` (R, B, folds) the chosen strengths, for R readouts and B gains.
    """
    u = np.asarray(series, dtype=np.float64)
    if u.ndim != 2 or not np.all(np.isfinite(u)):
        raise ValueError(f"series must be a finite array of shape (T, d), got shape {u.shape}")
    if not readouts or any(r not in READOUTS for r in readouts):
        raise ValueError(f"readouts must be a non-empty tuple of {READOUTS}, got {readouts!r}")
    if not ridges:
        raise ValueError("ridges must contain at least one value")
    for ridge in ridges:
        check_nonnegative("ridges", ridge)
    lyapunov_exponent = check_positive("lyapunov_exponent", lyapunov_exponent)
    dt = check_positive("dt", dt)
    threshold = check_positive("threshold", threshold)
    layout = fold_layout(u.shape[0], washout=washout, folds=folds, n_windows=n_windows,
                         horizon=horizon, window_stride=window_stride, sync=sync)
    edges, starts = layout["edges"], layout["starts"]
    net = RandomRNN(arch, n, gains, bias_std, input_dim=u.shape[1], input_scale=input_scale,
                    seed=seed, dtype=dtype, device=device)
    x = torch.as_tensor(u, dtype=dtype, device=net.device)
    blocks = _block_equations(net, x, edges, "squared" in readouts, chunk)
    all_starts = starts.reshape(-1)
    h = net.zero_state(all_starts.size)
    with torch.no_grad():
        for t in range(sync, 0, -1):
            h = net.step(h, x[all_starts - t])
    h = h.view(net.batch, folds, n_windows, -1)
    one_lt = max(1, int(round(1.0 / (dt * lyapunov_exponent))))
    vpt = np.empty((len(readouts), net.batch, folds, n_windows))
    chosen = np.empty((len(readouts), net.batch, folds))
    for r, readout in enumerate(readouts):
        squared = readout == "squared"
        problems = [eq.problem(squared) for eq in blocks]
        total_gram = sum(p[0] for p in problems)
        total_rhs = sum(p[1] for p in problems)
        for f, (gram, rhs) in enumerate(problems):
            w, chosen[r, :, f] = solve_validated_normal(total_gram - gram, total_rhs - rhs,
                                                        gram, rhs, ridges)
            truth = np.stack([u[s : s + horizon] for s in starts[f]], axis=1)  # (H, W, d)
            first, _ = closed_loop_vpt(net, w, h[:, f].contiguous(), truth, threshold,
                                       squared, short_steps=min(one_lt, horizon))
            vpt[r, :, f] = first * dt * lyapunov_exponent
    return {"vpt": vpt, "vpt_mean": vpt.mean(axis=(2, 3)), "ridge": chosen}


def _block_equations(net: RandomRNN, x: torch.Tensor, edges: np.ndarray, squared: bool,
                     chunk: int) -> list[NormalEquations]:
    """One teacher-forced run of ``net``; the normal equations of every block's rows."""
    blocks = [NormalEquations(net.n, net.batch, net.input_dim, squared=squared, chunk=chunk,
                              device=net.device) for _ in range(len(edges) - 1)]
    rows = [(int(a) - 1, int(b) - 1) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    for t0, states in net.run_chunks(x[: int(edges[-1]) - 1], chunk=chunk):
        for eq, (a, b) in zip(blocks, rows, strict=True):
            lo, hi = max(a, t0), min(b, t0 + states.shape[0])
            if lo < hi:
                eq.add(states[lo - t0 : hi - t0], x[lo + 1 : hi + 1])
    return blocks
