"""Reservoir forecasting with a batch of gains: ridge readout, closed loop, error metrics.

A :class:`~gcrit_utils.network.RandomRNN` with input is driven by a normalised time series
``u`` (teacher forcing); a linear readout ``y_t = W^T phi(h_t)`` is fitted by ridge regression to
predict ``u_{t+1}``, for every gain of the batch at once (:mod:`gcrit_utils.ridge`: float64
normal equations streamed from the run, batched solves); then the prediction is fed back as the
next input (closed loop).

Shapes: time first. ``u`` is (T, d); states are (T, B, D) for B gains; readout weights are
(B, F, d) with F features.
"""

from __future__ import annotations

import numpy as np
import torch

from ._numerics import flush_denormal
from ._validation import check_int, check_positive
from .cells import Cell
from .network import RandomRNN
from .ridge import NormalEquations, readout_features

__all__ = [
    "teacher_forced_states",
    "closed_loop",
    "closed_loop_vpt",
    "normalised_error",
    "valid_prediction_time",
    "nrmse",
    "forecast_gains",
    "one_step_nrmse_gains",
    "train_readout",
    "train_readouts",
    "READOUTS",
]


def teacher_forced_states(net: RandomRNN, u: torch.Tensor, h0: torch.Tensor | None = None
                          ) -> torch.Tensor:
    """States ``h_1 .. h_T`` of ``net`` driven by the series ``u`` (shape (T, d)), (T, B, D)."""
    if net.input_dim == 0:
        raise ValueError("net must have input_dim > 0 to be driven")
    if not isinstance(u, torch.Tensor) or u.ndim != 2 or u.shape[1] != net.input_dim:
        raise ValueError(f"u must be a tensor of shape (T, input_dim={net.input_dim})")
    return net.run(u, h0=h0)


def closed_loop(net: RandomRNN, weights: torch.Tensor, h: torch.Tensor, steps: int,
                squared: bool = False) -> torch.Tensor:
    """Autonomous forecast: the readout of each state is the next input.

    Parameters
    ----------
    net : RandomRNN
    weights : tensor, shape (B, F, d)
        Readout from :func:`~gcrit_utils.ridge.fit_ridge`.
    h : tensor, shape (B, D) or (B, W, D)
        State after the last teacher-forced step (``W`` test windows per network advance
        together).
    steps : int
        Forecast length.
    squared : bool
        Feature set used by the readout.

    Returns
    -------
    tensor, shape (steps, B, d) or (steps, B, W, d), float64
        Predictions: ``[0]`` is the readout of ``h`` itself (the input that would have
        followed the last teacher-forced one), each later row the readout after feeding the
        previous prediction back. A diverging network yields ``inf``/``nan`` entries from
        the step it diverges (:func:`valid_prediction_time` counts them as errors).
    """
    steps = check_int("steps", steps, 1)
    w = weights.to(device=net.device, dtype=torch.float64)
    out = torch.empty(steps, *h.shape[:-1], w.shape[-1], dtype=torch.float64, device=net.device)
    with torch.no_grad():
        for t in range(steps):
            phi = readout_features(h.to(torch.float64), net.n, squared)
            y = torch.einsum("b...f,bfd->b...d", phi, w)
            out[t] = y
            x = torch.nan_to_num(y, nan=0.0, posinf=1e6, neginf=-1e6).to(net.dtype)
            h = net.step(h, x)
    return out


def closed_loop_vpt(net: RandomRNN, weights: torch.Tensor, h: torch.Tensor,
                    truth: np.ndarray, threshold: float = 0.4, squared: bool = False,
                    short_steps: int = 1, check_every: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Closed loop that stops each forecast once it has failed: first failure step and NRMSE.

    Equivalent to :func:`closed_loop` followed by :func:`valid_prediction_time` (in steps)
    and :func:`nrmse` over the first ``short_steps`` steps, but every (network, window) row
    leaves the batch once its normalised error has exceeded ``threshold`` (checked every
    ``check_every`` steps after ``short_steps``): rows at large gains fail at once and stop
    costing time.

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks.
    weights : tensor, shape (B, F, d)
    h : tensor, shape (B, W, D)
        States after synchronisation, ``W`` windows per network.
    truth : ndarray, shape (H, W, d)
        The true continuation of every window (normalised series).
    threshold : float
        Error level that ends a valid prediction.
    squared : bool
        Feature set of the readout.
    short_steps : int
        Steps over which the NRMSE is measured, ``1 <= short_steps <= H``.
    check_every : int
        Steps between removals of failed rows.

    Returns
    -------
    first : ndarray of int, shape (B, W)
        First step whose error exceeds ``threshold`` (``H`` if none).
    short_nrmse : ndarray, shape (B, W)
        NRMSE over the first ``short_steps`` steps (``inf`` if the forecast diverged).
    """
    threshold = check_positive("threshold", threshold)
    check_every = check_int("check_every", check_every, 1)
    truth_t = torch.as_tensor(np.asarray(truth, dtype=np.float64), device=net.device)
    if truth_t.ndim != 3 or h.ndim != 3 or truth_t.shape[1] != h.shape[1]:
        raise ValueError("h must be (B, W, D) and truth (H, W, d) with the same W")
    horizon, n_win = truth_t.shape[0], truth_t.shape[1]
    short_steps = check_int("short_steps", short_steps, 1)
    if short_steps > horizon:
        raise ValueError(f"short_steps must be <= H={horizon}, got {short_steps}")
    scale = truth_t.pow(2).sum(dim=-1).mean(dim=0).sqrt()  # (W,)
    rows = net.batch * n_win
    gains = net.g.repeat_interleave(n_win)
    w_rows = weights.to(device=net.device, dtype=torch.float64).repeat_interleave(n_win, dim=0)
    window = torch.arange(rows, device=net.device) % n_win
    first = torch.full((rows,), horizon, dtype=torch.long, device=net.device)
    short = torch.zeros(rows, dtype=torch.float64, device=net.device)
    active = torch.arange(rows, device=net.device)
    state = h.reshape(rows, h.shape[-1])
    sub = net.with_gains(gains)
    # per-row readouts, windows and scales of the active rows, re-gathered only when rows leave
    w_act, win_act, scale_act = w_rows, window, scale[window]
    with torch.no_grad(), flush_denormal():
        for t in range(horizon):
            phi = readout_features(state.to(torch.float64), net.n, squared)
            y = torch.bmm(phi.unsqueeze(1), w_act).squeeze(1)
            err = (y - truth_t[t, win_act]).norm(dim=-1) / scale_act
            err = torch.nan_to_num(err, nan=float("inf"))
            if t < short_steps:
                short[active] += err**2
            fresh = (err > threshold) & (first[active] == horizon)
            first[active[fresh]] = t
            if t + 1 == horizon:
                break
            if t + 1 >= short_steps and (t + 1) % check_every == 0:
                keep = first[active] == horizon
                if not bool(keep.all()):
                    active, state, y = active[keep], state[keep], y[keep]
                    if active.numel() == 0:
                        break
                    sub = net.with_gains(gains[active])
                    w_act, win_act = w_rows[active], window[active]
                    scale_act = scale[win_act]
            x = torch.nan_to_num(y, nan=0.0, posinf=1e6, neginf=-1e6).to(net.dtype)
            state = sub.step(state, x)
    short_nrmse = (short / short_steps).sqrt()
    return (first.view(net.batch, n_win).cpu().numpy(),
            short_nrmse.view(net.batch, n_win).cpu().numpy())


def normalised_error(truth: np.ndarray | torch.Tensor, pred: np.ndarray | torch.Tensor
                     ) -> np.ndarray:
    """``||u_t - y_t|| / <||u||^2>^{1/2}`` per step and network.

    Parameters
    ----------
    truth : array, shape (T, d)
    pred : array, shape (T, B, d)

    Returns
    -------
    ndarray, shape (T, B); ``inf`` where the prediction is not finite.
    """
    u = np.asarray(truth, dtype=np.float64)
    y = np.asarray(pred, dtype=np.float64)
    scale = np.sqrt(np.mean(np.sum(u**2, axis=-1)))
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.linalg.norm(y - u[:, None, :], axis=-1) / scale
    return np.where(np.isfinite(err), err, np.inf)


def valid_prediction_time(truth: np.ndarray | torch.Tensor, pred: np.ndarray | torch.Tensor,
                          dt: float, lyapunov_exponent: float,
                          threshold: float = 0.4) -> np.ndarray:
    """Valid prediction time in Lyapunov times (Pathak et al. 2018).

    The first step at which :func:`normalised_error` exceeds ``threshold``, times
    ``dt * lyapunov_exponent``. A forecast that never exceeds it gets the full horizon; a
    diverging one (``inf``/``nan``) stops counting where it diverges — never ``nan``.

    Returns
    -------
    ndarray, shape (B,)
    """
    dt = check_positive("dt", dt)
    lyap = check_positive("lyapunov_exponent", lyapunov_exponent)
    threshold = check_positive("threshold", threshold)
    err = normalised_error(truth, pred)
    bad = err > threshold
    first = np.where(bad.any(axis=0), bad.argmax(axis=0), err.shape[0])
    return first * dt * lyap


def nrmse(truth: np.ndarray | torch.Tensor, pred: np.ndarray | torch.Tensor) -> np.ndarray:
    """Root-mean-square of :func:`normalised_error` over time, shape (B,); ``inf`` if diverged."""
    err = normalised_error(truth, pred)
    with np.errstate(over="ignore"):
        return np.sqrt(np.mean(err**2, axis=0))


def train_readout(states: torch.Tensor, x: torch.Tensor, n: int, washout: int, train: int,
                  val: int, squared: bool = False,
                  ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2)
                  ) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """One-step-ahead ridge readout from teacher-forced states, validated.

    ``states[t]`` is the state after input ``x[t]``; the readout of ``states[t]`` predicts
    ``x[t + 1]``. Samples ``washout .. washout + train`` train it, the next ``val`` choose
    the ridge strength and give the one-step NRMSE. :func:`train_readouts` does the same from
    the network itself without storing the states.

    Parameters
    ----------
    states : tensor, shape (T, B, D) with ``T >= washout + train + val - 1``
    x : tensor, shape (T + 1, d) or longer
        The driving series.
    n : int
        Hidden units (features use ``states[..., :n]``).
    washout, train, val : int
        Segment lengths in samples.
    squared : bool
        ``[h, 1, h_even^2]`` instead of ``[h, 1]``.
    ridges : tuple of float
        Candidate ridge strengths.

    Returns
    -------
    weights : tensor, shape (B, F, d), float64
    chosen : ndarray, shape (B,)
        Ridge strength per network.
    one_step_nrmse : ndarray, shape (B,)
        On the validation segment.
    """
    end = washout + train + val
    if states.shape[0] < end - 1 or x.shape[0] < end:
        raise ValueError(f"need {end - 1} states and {end} inputs, got {states.shape[0]} and "
                         f"{x.shape[0]}")
    eq = NormalEquations(n, states.shape[1], x.shape[-1], squared=squared,
                         device=states.device)
    eq.add(states[washout : washout + train - 1], x[washout + 1 : washout + train])
    return _validated_readout(eq, states[washout + train - 1 : end - 1],
                              x[washout + train : end], squared, ridges)


def _validated_readout(eq: NormalEquations, val_states: torch.Tensor, val_targets: torch.Tensor,
                       squared: bool, ridges: tuple[float, ...]
                       ) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Weights with the validated ridge, the chosen ridges and the one-step validation NRMSE."""
    w, chosen = eq.solve_validated(val_states, val_targets, ridges, squared=squared)
    phi = readout_features(val_states.to(device=w.device, dtype=torch.float64), eq.n, squared)
    one_step = torch.einsum("tbf,bfd->tbd", phi, w)
    return w, chosen, nrmse(val_targets.cpu().numpy(), one_step.cpu().numpy())


def train_readouts(net: RandomRNN, x: torch.Tensor, washout: int, train: int, val: int,
                   readouts: tuple[str, ...] = ("linear",),
                   ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2), chunk: int = 256
                   ) -> dict[str, tuple[torch.Tensor, np.ndarray, np.ndarray]]:
    """Teacher-force ``net`` with ``x`` and fit every readout of ``readouts``, streaming.

    The same readouts as :func:`train_readout` on ``net.run(x)``, but the states are never
    stored: the run goes in chunks (:meth:`~gcrit_utils.network.RandomRNN.run_chunks`),
    training rows go into one :class:`~gcrit_utils.ridge.NormalEquations` (the ``[h, 1]``
    problem is the leading block of the ``[h, 1, h_even^2]`` one, so both readouts share it)
    and only the validation states are kept. Memory ``O(B F^2 + val B N)`` instead of ``O(T B N)``.

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks with ``input_dim = d``.
    x : tensor, shape (T, d) with ``T >= washout + train + val``
        The driving series.
    washout, train, val : int
        Segment lengths in samples, as in :func:`train_readout`.
    readouts : tuple of str
        Feature sets from :data:`READOUTS`.
    ridges : tuple of float
        Candidate ridge strengths.
    chunk : int
        Steps per chunk of the run.

    Returns
    -------
    dict
        ``readout -> (weights (B, F, d), chosen ridges (B,), one-step NRMSE (B,))``.
    """
    if not readouts or any(r not in READOUTS for r in readouts):
        raise ValueError(f"readouts must be a non-empty tuple of {READOUTS}, got {readouts!r}")
    for name, value in (("washout", washout), ("train", train), ("val", val)):
        check_int(name, value, 1)
    end = washout + train + val
    if x.ndim != 2 or x.shape[0] < end or x.shape[1] != net.input_dim:
        raise ValueError(f"x must have shape (T >= {end}, input_dim={net.input_dim}), "
                         f"got {tuple(x.shape)}")
    eq = NormalEquations(net.n, net.batch, net.input_dim, squared="squared" in readouts,
                         chunk=chunk, device=net.device)
    segments = {"train": (washout, washout + train - 1), "val": (washout + train - 1, end - 1)}
    val_states = torch.empty(val, net.batch, net.n, dtype=net.dtype, device=net.device)
    for t0, states in net.run_chunks(x[: end - 1], chunk=chunk):
        for name, (a, b) in segments.items():
            lo, hi = max(a, t0), min(b, t0 + states.shape[0])
            if lo >= hi:
                continue
            part = states[lo - t0 : hi - t0]
            if name == "train":
                eq.add(part, x[lo + 1 : hi + 1])
            else:
                val_states[lo - a : hi - a] = part[..., : net.n]
    return {r: _validated_readout(eq, val_states, x[washout + train : end], r == "squared",
                                  ridges) for r in readouts}


READOUTS: tuple[str, ...] = ("linear", "squared")
"""Readout feature sets: ``linear`` = ``[h, 1]``, ``squared`` = ``[h, 1, h_even^2]``."""


def forecast_gains(
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
    train: int = 5000,
    val: int = 1000,
    n_windows: int = 20,
    window_stride: int = 200,
    sync: int = 100,
    horizon: int = 500,
    readouts: tuple[str, ...] = ("linear",),
    ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2),
    threshold: float = 0.4,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
) -> dict[str, np.ndarray]:
    """Forecast a normalised series with a reservoir at every gain: train, validate, test.

    Teacher forcing over ``washout + train + val`` samples, streamed and shared by every
    readout (:func:`train_readouts`);
    for each readout feature set a ridge readout (strength chosen on the validation segment);
    then ``n_windows`` test windows after the validation segment, each re-synchronised from
    the zero state over ``sync`` true samples and run in closed loop for ``horizon`` steps,
    all windows and gains at once.

    Parameters
    ----------
    arch, bias_std, gains, n, seed
        The reservoir (one :class:`RandomRNN` holding all gains).
    series : ndarray, shape (T, d)
        Normalised time series, long enough for training, validation and every window.
    lyapunov_exponent : float
        Largest Lyapunov exponent of the system per time unit (for the VPT); pass
        ``dt = lyapunov_exponent = 1`` to count the VPT in samples.
    dt : float
        Sampling interval of ``series``.
    input_scale : float
        Input weights ~ N(0, input_scale^2 / d) into every gate.
    readouts : tuple of str
        Feature sets from :data:`READOUTS`.

    Returns
    -------
    dict of ndarray
        ``vpt`` (R, B, W) in Lyapunov times, ``vpt_mean`` (R, B), ``nrmse_lyapunov_time``
        (R, B) NRMSE over the first Lyapunov time of each window (window mean; ``inf`` for a
        diverged forecast), ``one_step_nrmse`` (R, B) on the validation segment, ``ridge``
        (R, B) chosen strengths, for R readouts and B gains.
    """
    u = _series_array(series)
    if not readouts or any(r not in READOUTS for r in readouts):
        raise ValueError(f"readouts must be a non-empty tuple of {READOUTS}, got {readouts!r}")
    for name, value in (("washout", washout), ("train", train), ("val", val),
                        ("n_windows", n_windows), ("window_stride", window_stride),
                        ("sync", sync), ("horizon", horizon)):
        check_int(name, value, 1)
    start_test = washout + train + val
    needed = start_test + (n_windows - 1) * window_stride + horizon
    if u.shape[0] < needed:
        raise ValueError(f"series must have at least {needed} samples, got {u.shape[0]}")
    net, x, fitted = _fitted_reservoir(arch, bias_std, gains, n, seed, u, input_scale, washout,
                                       train, val, readouts, ridges, dtype, device)
    starts = start_test + window_stride * np.arange(n_windows)
    h = net.zero_state(n_windows)
    with torch.no_grad():
        for t in range(sync, 0, -1):
            h = net.step(h, x[starts - t])
    one_lt = max(1, int(round(1.0 / (dt * lyapunov_exponent))))
    truth = np.stack([u[s0 : s0 + horizon] for s0 in starts], axis=1)  # (H, W, d)
    out: dict[str, list[np.ndarray]] = {k: [] for k in
                                        ("vpt", "nrmse_lyapunov_time", "one_step_nrmse", "ridge")}
    for readout in readouts:
        squared = readout == "squared"
        w, chosen, one_step = fitted[readout]
        out["one_step_nrmse"].append(one_step)
        out["ridge"].append(chosen)
        first, short = closed_loop_vpt(net, w, h, truth, threshold, squared,
                                       short_steps=min(one_lt, horizon))
        vpt = first * dt * lyapunov_exponent
        out["vpt"].append(vpt)
        out["nrmse_lyapunov_time"].append(short.mean(axis=1))
    res = {k: np.stack(v) for k, v in out.items()}
    res["vpt_mean"] = res["vpt"].mean(axis=2)
    return res


def _series_array(series: np.ndarray) -> np.ndarray:
    """``series`` as a float64 array of shape (T, d), or a ValueError."""
    u = np.asarray(series, dtype=np.float64)
    if u.ndim != 2:
        raise ValueError(f"series must have shape (T, d), got {u.shape}")
    return u


def _fitted_reservoir(arch: str | Cell, bias_std: float, gains: list[float], n: int, seed: int,
                      u: np.ndarray, input_scale: float, washout: int, train: int, val: int,
                      readouts: tuple[str, ...], ridges: tuple[float, ...],
                      dtype: torch.dtype, device: str, chunk: int = 256
                      ) -> tuple[RandomRNN, torch.Tensor,
                                 dict[str, tuple[torch.Tensor, np.ndarray, np.ndarray]]]:
    """The reservoir of every gain, its input tensor and its validated readouts."""
    net = RandomRNN(arch, n, gains, bias_std, input_dim=u.shape[1], input_scale=input_scale,
                    seed=seed, dtype=dtype, device=device)
    x = torch.as_tensor(u, dtype=dtype, device=net.device)
    return net, x, train_readouts(net, x, washout, train, val, readouts, ridges, chunk)


def one_step_nrmse_gains(
    arch: str | Cell,
    bias_std: float,
    gains: list[float],
    n: int,
    seed: int,
    series: np.ndarray,
    *,
    input_scale: float = 0.1,
    washout: int = 500,
    train: int = 5000,
    val: int = 1000,
    readouts: tuple[str, ...] = ("linear",),
    ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2),
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
    chunk: int = 256,
) -> np.ndarray:
    """One-step NRMSE of the validated readouts at every gain: the training half of
    :func:`forecast_gains`, without the closed loop.

    Parameters
    ----------
    arch, bias_std, gains, n, seed, series, input_scale, washout, train, val
        As in :func:`forecast_gains` (``series`` needs ``washout + train + val`` samples).
    readouts, ridges, dtype, device
        As in :func:`forecast_gains`.
    chunk : int
        Steps per chunk of the streamed run and of the normal equations. The result depends
        on it only through the rounding of the float64 sums, so two chunk sizes measure how
        sensitive the one-step error is to rounding: the ridge problems of ordered
        reservoirs are ill-conditioned (condition numbers near 1e12 at the ridge 1e-8), and
        a reordered sum moves their one-step error by up to ~3e-4 relative at ``n = 1000``
        (measured).

    Returns
    -------
    ndarray, shape (R, B)
        One-step NRMSE on the validation segment per readout and gain, as
        ``forecast_gains(...)["one_step_nrmse"]`` (equal to it for ``chunk=256``).
    """
    u = _series_array(series)
    _, _, fitted = _fitted_reservoir(arch, bias_std, gains, n, seed, u, input_scale, washout,
                                     train, val, readouts, ridges, dtype, device, chunk)
    return np.stack([fitted[r][2] for r in readouts])
