"""Choosing a reservoir's recurrent gain from data: :func:`~gcrit_utils.tuning.tune_gain`.

The critical gain ``g_c`` sets where to look, not what to pick: on the book's forecasting maps
the best gain lies anywhere from far below ``g_c`` to just above it, depending on the task. So
the gain is chosen the way a ridge strength is, on data the forecast is not scored on. The
series a user gives is split in time:

``washout | train (teacher forcing, ridge fit) | val (ridge strength) | validation windows``

and a batch of candidate gains (one :class:`~gcrit_utils.network.RandomRNN`: the batch costs
little more than one gain) is run in closed loop from ``n_windows`` validation windows taken
from the end of the series. The gain (and readout) with the longest mean valid prediction time
there wins. With ``networks = M > 1`` the same search runs on ``M`` reservoirs (seeds ``seed``
to ``seed + M - 1``, the first being yours) and the choice maximises their mean validation VPT:
the best gain is a property of the cell and the task more than of one random ``W``, and one
network's validation windows are a noisy estimate of it. With ``folds = F > 1`` the
validation windows come from every part of the series instead of its end: blocked
cross-validation (:mod:`gcrit_utils.crossval`) cuts the series after the washout into ``F``
blocks, fits the readout on all blocks but one and forecasts ``n_windows`` windows at the start
of the one left out, each block in turn.

Candidates are ``ratio * g_c`` on a coarse grid over ``bracket`` (by default from far below
``g_c``, where some tasks are forecast best, to just above it), then a finer grid around the
coarse winner.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_int, check_nonnegative, check_positive
from .cells import Cell, get_cell
from .crossval import cross_validated_vpt, fold_layout
from .forecast import READOUTS, forecast_gains
from .theory import critical_gain

__all__ = ["HORIZON_LYAPUNOV_TIMES", "GainChoice", "lyapunov_time_samples", "tune_gain",
           "validation_layout"]

#: Default length of a validation window, in Lyapunov times.
HORIZON_LYAPUNOV_TIMES = 10


@dataclass(frozen=True)
class GainChoice:
    """The outcome of :func:`~gcrit_utils.tuning.tune_gain`.

    Attributes
    ----------
    gain : float
        The chosen recurrent gain ``g``.
    ratio : float
        ``g / g_ref`` with ``g_ref`` the zero-state ``g_c`` (1 for a cell without one).
    readout : str
        The chosen readout feature set (:data:`~gcrit_utils.forecast.READOUTS`).
    g_ref : float
        The reference gain of the ratios.
    ratios : ndarray, shape (K,)
        Every candidate ``g / g_ref``, in the order tried.
    validation_vpt : ndarray, shape (K, R)
        Mean valid prediction time over the validation windows (and the networks) per
        candidate and readout, in Lyapunov times (samples when ``dt = lyapunov_exponent = 1``).
    network_vpt : ndarray, shape (M, K, R)
        The same per network (seeds ``seed`` to ``seed + M - 1``); ``validation_vpt`` is its
        mean over the first axis.
    readouts : tuple of str
        The readouts of the columns of ``validation_vpt``.
    layout : dict
        ``washout``, ``train``, ``val``, ``n_windows``, ``window_stride``, ``sync``,
        ``horizon`` (samples) as used; with ``folds > 1``, ``washout``, ``folds``,
        ``n_windows`` (per fold), ``window_stride``, ``sync``, ``horizon``.
    seconds : float
        Wall time of the search.
    """

    gain: float
    ratio: float
    readout: str
    g_ref: float
    ratios: np.ndarray
    validation_vpt: np.ndarray
    network_vpt: np.ndarray
    readouts: tuple[str, ...]
    layout: dict[str, int]
    seconds: float


def validation_layout(length: int, *, dt: float, lyapunov_exponent: float, washout: int = 500,
                      val: int = 500, n_windows: int = 10, sync: int = 100,
                      horizon: int | None = None, window_stride: int | None = None,
                      min_train: int = 1000) -> dict[str, int]:
    """How :func:`~gcrit_utils.tuning.tune_gain` splits a series of ``length`` samples.

    The validation windows take the end of the series: ``n_windows`` windows of ``horizon``
    samples (10 Lyapunov times by default), ``window_stride`` apart (a quarter horizon by
    default), each synchronised over the ``sync`` samples before it. Everything before them is
    ``washout + train + val``. Every length is a count of samples.

    Raises
    ------
    ValueError
        If the series leaves fewer than ``min_train`` training samples (the message says how
        long it must be and which keywords shorten the split), if ``washout``, ``val``,
        ``n_windows`` or ``sync`` is below 1, or if ``sync > val``.
    """
    length = check_int("length", length, 1)
    dt = check_positive("dt", dt)
    lyapunov_exponent = check_positive("lyapunov_exponent", lyapunov_exponent)
    washout, val = check_int("washout", washout, 1), check_int("val", val, 1)
    n_windows, sync = check_int("n_windows", n_windows, 1), check_int("sync", sync, 1)
    horizon, stride = _window_defaults(dt, lyapunov_exponent, horizon, window_stride)
    if sync > val:
        raise ValueError(f"sync must be <= val={val} (windows synchronise on the validation "
                         f"segment), got {sync}")
    tail = (n_windows - 1) * stride + horizon
    train = length - washout - val - tail
    if train < min_train:
        need = washout + min_train + val + tail
        raise ValueError(
            f"series too short for tune_gain: {length} samples, need at least {need} "
            f"(washout={washout} + training {min_train} + val={val} + n_windows={n_windows} "
            f"validation windows of horizon={horizon} samples, window_stride={stride} apart); "
            f"pass a longer series, or smaller washout, val, n_windows, horizon or "
            f"window_stride")
    return {"washout": washout, "train": train, "val": val, "n_windows": n_windows,
            "window_stride": stride, "sync": sync, "horizon": horizon}


def lyapunov_time_samples(dt: float, lyapunov_exponent: float) -> int:
    """One Lyapunov time, ``1 / (dt * lyapunov_exponent)``, rounded to samples (at least 1)."""
    dt = check_positive("dt", dt)
    lyapunov_exponent = check_positive("lyapunov_exponent", lyapunov_exponent)
    return max(1, int(round(1.0 / (dt * lyapunov_exponent))))


def _window_defaults(dt: float, lyapunov_exponent: float, horizon: int | None,
                     window_stride: int | None) -> tuple[int, int]:
    """Validation horizon (:data:`HORIZON_LYAPUNOV_TIMES` by default) and window stride (a
    quarter horizon by default), in samples."""
    horizon = (HORIZON_LYAPUNOV_TIMES * lyapunov_time_samples(dt, lyapunov_exponent)
               if horizon is None else check_int("horizon", horizon, 1))
    stride = (max(1, horizon // 4) if window_stride is None
              else check_int("window_stride", window_stride, 1))
    return horizon, stride


def tune_gain(
    arch: str | Cell,
    u: np.ndarray,
    *,
    dt: float,
    lyapunov_exponent: float,
    bias_std: float = 0.5,
    n: int = 500,
    input_scale: float = 0.1,
    seed: int = 0,
    networks: int = 1,
    folds: int = 1,
    bracket: tuple[float, float] = (0.02, 1.22),
    coarse: int = 13,
    refine: int = 4,
    ratios: Sequence[float] | None = None,
    readouts: tuple[str, ...] = READOUTS,
    washout: int = 500,
    val: int = 500,
    n_windows: int | None = None,
    horizon: int | None = None,
    window_stride: int | None = None,
    sync: int = 100,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
) -> GainChoice:
    """Pick a reservoir's recurrent gain by its forecasts on held-out validation windows.

    Parameters
    ----------
    arch : str or Cell
        The reservoir's cell (:data:`gcrit_utils.cells.CELLS`).
    u : ndarray, shape (T, d)
        A training series, each column normalised to zero mean and unit variance
        (:func:`~gcrit_utils.systems.normalise`); a scalar series as ``u.reshape(-1, 1)``.
        Nothing after it is used: the forecast that matters (the test) must come from later
        data.
    dt, lyapunov_exponent : float
        Sampling interval and largest Lyapunov exponent per time unit of the system (VPTs in
        Lyapunov times); ``dt = lyapunov_exponent = 1`` counts them in samples. The default
        ``horizon`` is 10 Lyapunov times, which is then 10 samples: for a measured series,
        pass ``horizon`` (a few times the forecast length you hope for) yourself.
    bias_std, n, input_scale, seed
        The reservoir (:class:`~gcrit_utils.network.RandomRNN`; ``bias_std`` one number for
        every gate). To use the network the search chose for, build ``RandomRNN`` with the
        same ``seed``, ``n``, ``bias_std``, ``input_scale`` and ``dtype`` (its own defaults
        differ).
    networks : int
        Reservoirs the search runs on, seeds ``seed`` to ``seed + networks - 1``; the choice
        maximises their mean validation VPT. The cost grows in proportion.
    folds : int
        1: validation windows at the end of ``u`` (``washout | train | val | windows``).
        ``F > 1``: blocked cross-validation over ``F`` blocks, ``n_windows`` windows at the start
        of each (5 by default, so ``F = 4`` validates on 20 windows against 10 at the end)
        (:func:`~gcrit_utils.crossval.cross_validated_vpt`; ``val`` is then unused: each
        fold's ridge strength is chosen on its own block).
    bracket : (float, float)
        Range of ``g / g_c`` searched (``g`` itself for a cell without ``g_c``).
    coarse, refine : int
        Candidates on the coarse grid over ``bracket`` (at least 2), and around its winner
        (half a coarse step either side; at least 0). Refined candidates outside ``bracket``
        are dropped.
    ratios : sequence of float, optional
        Explicit candidates ``g / g_c`` instead of ``bracket``/``coarse``/``refine``.
    readouts : tuple of str
        Readouts to choose from (:data:`~gcrit_utils.forecast.READOUTS`).
    washout, val, n_windows, horizon, window_stride, sync : int
        The split of ``u``, in samples (:func:`~gcrit_utils.tuning.validation_layout`, or
        :func:`~gcrit_utils.crossval.fold_layout` with ``folds > 1``, where ``sync`` must not
        exceed ``washout`` and ``val`` is unused). ``n_windows`` is 10 by default at the end,
        or 5 per fold; ``horizon`` is 10 Lyapunov times and ``window_stride`` a quarter of it
        by default. With ``folds = 1`` at least 1000 training samples must remain before the
        validation split; with ``folds > 1`` each block must hold its ``n_windows`` windows,
        and each fold's readout is fit on the other blocks.
    dtype, device
        Of the reservoir's states.

    Returns
    -------
    GainChoice
        The candidate and readout with the longest mean validation VPT. A forecast is valid
        while its normalised error stays below 0.4, and its VPT is capped at ``horizon``; each
        readout's ridge strength is chosen from ``1e-8, 1e-6, 1e-4, 1e-2`` (on ``val``, or on
        the held-out block). Ties go to the earliest candidate in the order tried
        (``GainChoice.ratios``), then to the first readout.

    Raises
    ------
    ValueError
        For ``u`` not of shape (T, d) or not finite; a series too short for the split (the
        message says how long it must be); a split keyword out of range (``sync > val``, or
        ``sync > washout`` with ``folds > 1``); ``dt`` or ``lyapunov_exponent`` not positive;
        ``bracket`` not two numbers ``0 < low < high``; ``ratios`` empty or not positive;
        ``coarse < 2`` or ``refine < 0``; ``networks < 1``, ``folds < 1``; or unknown readouts.

    Examples
    --------
    >>> from gcrit_utils.systems import lorenz63, normalise
    >>> u, _, _ = normalise(lorenz63(5000, seed=1))
    >>> choice = tune_gain("gru", u, dt=0.02, lyapunov_exponent=0.9056, n=100, n_windows=4)
    >>> 0.02 <= choice.ratio <= 1.22
    True
    """
    start = time.perf_counter()
    cell = get_cell(arch)
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2:
        raise ValueError(f"u must have shape (T, d), got {u.shape}"
                         + ("; pass a scalar series as u.reshape(-1, 1)" if u.ndim == 1 else ""))
    if not np.all(np.isfinite(u)):
        raise ValueError("u must be finite")
    if not readouts or any(r not in READOUTS for r in readouts):
        raise ValueError(f"readouts must be a non-empty tuple of {READOUTS}, got {readouts!r}")
    check_nonnegative("bias_std", bias_std)
    networks = check_int("networks", networks, 1)
    folds = check_int("folds", folds, 1)
    if n_windows is None:
        n_windows = 10 if folds == 1 else 5
    if folds == 1:
        layout = validation_layout(u.shape[0], dt=dt, lyapunov_exponent=lyapunov_exponent,
                                   washout=washout, val=val, n_windows=n_windows, sync=sync,
                                   horizon=horizon, window_stride=window_stride)
    else:
        horizon, stride = _window_defaults(dt, lyapunov_exponent, horizon, window_stride)
        layout = {"washout": washout, "folds": folds, "n_windows": n_windows,
                  "window_stride": stride, "sync": sync, "horizon": horizon}
        fold_layout(u.shape[0], **layout)  # a ValueError if the series is too short
    forecast = forecast_gains if folds == 1 else cross_validated_vpt
    g_ref = float(critical_gain(cell, bias_std)) if cell.has_critical_gain else 1.0

    def evaluate(candidates: np.ndarray) -> np.ndarray:
        return np.stack([
            forecast(cell, bias_std, (candidates * g_ref).tolist(), n, seed + m, u,
                     lyapunov_exponent, dt, input_scale=input_scale, readouts=readouts,
                     dtype=dtype, device=device, **layout)["vpt_mean"].T
            for m in range(networks)])  # (M, K, R)

    if ratios is not None:
        if np.ndim(ratios) != 1:
            raise ValueError(f"ratios must be a sequence of gains / g_c > 0, got {ratios!r}")
        tried = np.asarray([check_positive("ratios", r) for r in ratios], dtype=float)
        if tried.size == 0:
            raise ValueError("ratios must not be empty")
        scores = evaluate(tried)
    else:
        if np.ndim(bracket) != 1 or len(bracket) != 2:
            raise ValueError(f"bracket must be two numbers (low, high) with 0 < low < high, "
                             f"got {bracket!r}")
        lo, hi = (check_positive("bracket", b) for b in bracket)
        if hi <= lo:
            raise ValueError(f"bracket must be (low, high) with low < high, got {bracket}")
        coarse = check_int("coarse", coarse, 2)
        refine = check_int("refine", refine, 0)
        tried = np.round(np.linspace(lo, hi, coarse), 10)
        scores = evaluate(tried)
        if refine:
            best = tried[int(np.argmax(scores.mean(axis=0).max(axis=1)))]
            half = 0.5 * (tried[1] - tried[0])
            fine = np.round(np.linspace(best - half, best + half, refine + 2)[1:-1], 10)
            fine = fine[(fine >= lo) & (fine <= hi)
                        & ~np.isclose(fine[:, None], tried[None, :]).any(axis=1)]
            if fine.size:
                tried = np.concatenate([tried, fine])
                scores = np.concatenate([scores, evaluate(fine)], axis=1)
    pooled = scores.mean(axis=0)
    k, r = np.unravel_index(int(np.argmax(pooled)), pooled.shape)
    return GainChoice(gain=float(tried[k] * g_ref), ratio=round(float(tried[k]), 10),
                      readout=readouts[r], g_ref=g_ref, ratios=tried, validation_vpt=pooled,
                      network_vpt=scores, readouts=tuple(readouts), layout=layout,
                      seconds=time.perf_counter() - start)

