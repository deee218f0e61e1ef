"""The forecasting map of chapter 05: valid prediction time versus gain, per architecture.

One task is one reservoir (arch, s_b, seed) holding every gain of the sweep as a batch
(``W = g W0``): it is driven by a chaotic series, gets a ridge readout per feature set, is
tested in closed loop on many windows, and its driven (conditional) and autonomous largest
Lyapunov exponents are measured at every gain. Tasks are independent and resumable
(:func:`gcrit_utils.runner.run_grid`); the assembled maps live in ``results/`` (see
:data:`FORECAST_ENTRIES`).

Gains are ``g = ratio * g_ref`` with ``g_ref`` the zero-state critical gain of the paper
(:func:`gcrit_utils.theory.critical_gain`); the minimalRNN has none (its zero-state Jacobian
does not involve ``W``), so its ``g_ref`` is 1 and its axis is the gain itself.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from ._validation import check_arch, check_int, check_nonnegative
from .cells import RandomRNN
from .experiments import CHAOS_THRESHOLD, cached_sweep, current_scale, first_crossing
from .forecast import (
    READOUTS,
    closed_loop,
    forecast_gains,
    one_step_nrmse_gains,
    train_readout,
    valid_prediction_time,
)
from .lyapunov import max_lyapunov
from .systems import SYSTEMS, normalise, system_series
from .theory import critical_gain

__all__ = [
    "FORECAST_RATIOS",
    "FORECAST_ARCHS",
    "FORECAST_SWEEP",
    "FORECAST_ENTRIES",
    "WINDOWS",
    "reference_gain",
    "forecast_series",
    "STORED_SERIES",
    "series_length",
    "stored_series",
    "example_forecast",
    "forecast_task",
    "one_step_task",
    "REORDERED_CHUNK",
    "forecast_tasks",
    "assemble_forecast",
    "input_tag",
    "entry_name",
    "figure_name",
    "stored_forecast",
    "finished_forecast_groups",
    "scale_label",
    "recompute_slice",
    "SLICE_TOLERANCES",
    "rounding_noise",
    "slice_mismatches",
    "peak_and_cliff",
    "forecast_summary",
    "peak_seeds",
    "PREDICTORS",
    "predictor_errors",
    "predictor_errors_by_scale",
    "location_range",
    "LOCATION_KEYS",
    "location_shifts",
    "compare_scales",
    "entry_overview",
    "ORDERED_BELOW",
    "exponent_agreement",
    "plateau_end",
    "PLATEAU_LEVEL",
]

#: g / g_ref of the sweep: 27 values from 0.02 (no recurrence to speak of; g = 0 is not a
#: RandomRNN) to 2.5, every 0.05 in [0.7, 1.5].
FORECAST_RATIOS: tuple[float, ...] = tuple(
    [0.02, 0.15, 0.3, 0.45, 0.6]
    + [round(0.7 + 0.05 * k, 2) for k in range(17)]
    + [1.65, 1.8, 2.0, 2.25, 2.5])

FORECAST_ARCHS: tuple[str, ...] = ("rnn", "gru", "lstm", "minimalrnn")

#: Reservoir size, seeds and state precision per scale (readouts are always float64). States
#: are float64 too: the chapters recompute a slice live and compare the one-step error of
#: ordered reservoirs (~1e-5) tightly; float32 rounding alone moved it by 0.1-0.3% when the order
#: of floating-point operations changed (measured when the step was fused). In float64 the live
#: slice reproduces the teacher-forced states bit for bit and the one-step error to 1.1e-5
#: (measured; the residue is the ridge problem's conditioning, not the states). Costs ~1.6x the
#: float32 time (one GRU task: 20 s instead of 12.7 s).
FORECAST_SWEEP: dict[str, dict[str, Any]] = {
    "default": {"n": 500, "seeds": [0, 1, 2], "dtype": "float64",
                "lyap_steps": 1500, "lyap_warmup": 500},
    "paper": {"n": 1000, "seeds": list(range(10)), "dtype": "float64",
              "lyap_steps": 3000, "lyap_warmup": 1000},
}

#: Washout, training, validation and test windows (samples) per system. The horizons are
#: long enough that the best reservoirs do not reach them (a VPT capped by the horizon
#: would hide where the optimum is): 27 Lyapunov times for Lorenz-63, 29 for Mackey-Glass.
WINDOWS: dict[str, dict[str, int]] = {
    "lorenz63": {"washout": 500, "train": 5000, "val": 1000, "n_windows": 20,
                 "window_stride": 200, "sync": 100, "horizon": 1500},
    "lorenz63_x": {"washout": 500, "train": 5000, "val": 1000, "n_windows": 20,
                   "window_stride": 200, "sync": 100, "horizon": 1500},
    "mackey_glass": {"washout": 500, "train": 5000, "val": 1000, "n_windows": 20,
                     "window_stride": 200, "sync": 100, "horizon": 2000},
    "kuramoto_sivashinsky": {"washout": 500, "train": 5000, "val": 1000, "n_windows": 20,
                             "window_stride": 200, "sync": 100, "horizon": 500},
    "santafe_laser": {"washout": 200, "train": 4000, "val": 1000, "n_windows": 20,
                      "window_stride": 200, "sync": 100, "horizon": 300},
}

#: The stored maps: (system, input scale sigma_in, bias spreads s_b). The full map is
#: Lorenz-63 at sigma_in = 0.1; the other input scales and systems are mapped at s_b = 0.5.
FORECAST_ENTRIES: tuple[tuple[str, float, tuple[float, ...]], ...] = (
    ("lorenz63", 0.1, (0.0, 0.5, 1.0)),
    ("lorenz63", 0.02, (0.5,)),
    ("lorenz63", 0.5, (0.5,)),
    ("lorenz63_x", 0.1, (0.5,)),
    ("mackey_glass", 0.1, (0.5,)),
    ("kuramoto_sivashinsky", 0.1, (0.5,)),
    ("santafe_laser", 0.1, (0.5,)),
)


def reference_gain(arch: str, bias_std: float) -> float:
    """The gain the sweep's ratios refer to: zero-state ``g_c``, or 1 for the minimalRNN."""
    arch = check_arch(arch)
    if arch == "minimalrnn":
        return 1.0
    return float(critical_gain(arch, bias_std))


#: Systems whose book trajectory is read from the store instead of being integrated on the
#: reader's machine (value: the store entry's system). reservoirpy integrates Lorenz-63 with
#: scipy's RK45, whose stage sums go through BLAS; BLAS kernels differ between CPUs, and the
#: chaotic flow amplifies their last-bit differences: two OpenBLAS kernels on one machine give
#: trajectories 1e-9 apart after 17 time units and O(1) apart after 39 (measured), before the
#: 50-unit transient ends. Without the stored trajectory every CPU type would train and test
#: on a different Lorenz-63 series. Mackey-Glass, Kuramoto-Sivashinsky and the laser do not
#: depend on BLAS kernels (measured: identical series with both kernels).
STORED_SERIES: dict[str, str] = {"lorenz63": "lorenz63", "lorenz63_x": "lorenz63"}


def series_length(system: str) -> int:
    """Samples of ``system`` the forecasting windows need (:data:`WINDOWS`)."""
    w = WINDOWS[system]
    return (w["washout"] + w["train"] + w["val"] + (w["n_windows"] - 1) * w["window_stride"]
            + w["horizon"])


def stored_series(system: str = "lorenz63", n_steps: int | None = None, root: Any = None,
                  recompute: bool = False) -> np.ndarray:
    """A raw trajectory of the book's experiments, from ``results/`` or computed.

    Parameters
    ----------
    system : str
        A system of :data:`STORED_SERIES` (the entry's system, e.g. ``"lorenz63"``).
    n_steps : int, optional
        Samples. Default: what the forecasting windows of every system of
        :data:`STORED_SERIES` reading this trajectory need (store entry ``series_<system>``);
        another length is its own entry, ``series_<system>_<n_steps>`` (chapter 09 trains on
        20000 samples). Entries of different lengths are separate integrations, not prefixes of
        one another.
    root : path, optional
        Store folder (default ``results/``).
    recompute : bool
        Integrate and save even if the entry exists.

    Returns
    -------
    ndarray, shape (n_steps, d)
        Trajectory seed 0, computed with :func:`gcrit_utils.systems.system_series`
        (reservoirpy) and saved with provenance when missing or corrupt. Why it is stored: see
        :data:`STORED_SERIES`.
    """
    from .store import CorruptResultError, load_result, result_exists, save_result

    if system not in set(STORED_SERIES.values()):
        raise ValueError(f"system must be one of {sorted(set(STORED_SERIES.values()))}, "
                         f"got {system!r}")
    forecast_steps = max(series_length(k) for k, v in STORED_SERIES.items() if v == system)
    if n_steps is None:
        n_steps = forecast_steps
    n_steps = check_int("n_steps", n_steps, 1)
    spec = SYSTEMS[system]
    params = {"system": system, "n_steps": n_steps, "dt": spec.dt, "seed": 0}
    name = f"series_{system}" if n_steps == forecast_steps else f"series_{system}_{n_steps}"
    if not recompute and result_exists(name, root):
        try:
            data, meta = load_result(name, root)
            if meta.get("params") == params:
                return data["raw"]
        except CorruptResultError:
            pass
    raw = system_series(system, n_steps, seed=0)
    save_result(name, {"raw": raw}, params, root=root)
    return raw


@functools.lru_cache(maxsize=8)
def _cached_series(system: str) -> np.ndarray:
    w = WINDOWS[system]
    needed = series_length(system)
    if system in STORED_SERIES:
        raw = stored_series(STORED_SERIES[system])[:needed, : SYSTEMS[system].dim]
    else:
        raw = system_series(system, needed, seed=0)
    train = raw[w["washout"] : w["washout"] + w["train"]]
    u, _, _ = normalise(raw, train.mean(axis=0), train.std(axis=0))
    u.setflags(write=False)
    return u


def forecast_series(system: str) -> np.ndarray:
    """The normalised series of ``system`` used by every task (trajectory seed 0).

    Long enough for :data:`WINDOWS`; normalised with the statistics of the training
    segment only (computed once per process). Lorenz-63 (and its x component) is read from the
    store (:func:`~gcrit_utils.forecast_sweep.stored_series`), the others are
    generated. Shape (T, d).
    """
    if system not in WINDOWS:
        raise ValueError(f"system must be one of {sorted(WINDOWS)}, got {system!r}")
    return _cached_series(system).copy()


def example_forecast(arch: str, bias_std: float, ratios: Sequence[float],
                     system: str = "lorenz63", n: int = 500, seed: int = 0,
                     input_scale: float = 0.1, readout: str = "squared", window: int = 0,
                     lyapunov_times: float = 8.0) -> dict[str, np.ndarray]:
    """Closed-loop forecasts of one test window at a few gains, for plotting (float64).

    Same training, validation and synchronisation as :func:`forecast_task`.

    Returns
    -------
    dict of ndarray
        ``ratios`` (B,), ``time`` (H,) in Lyapunov times, ``truth`` (H, d),
        ``prediction`` (B, H, d), ``vpt`` (B,) in Lyapunov times.
    """
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    spec, w = SYSTEMS[system], WINDOWS[system]
    if not 0 <= window < w["n_windows"]:
        raise ValueError(f"window must be in [0, {w['n_windows'] - 1}], got {window}")
    u = forecast_series(system)
    dt, lyap = spec.vpt_scale
    steps = min(int(round(lyapunov_times * spec.lyapunov_time)), w["horizon"])
    gains = [r * reference_gain(arch, bias_std) for r in ratios]
    net = RandomRNN(arch, n, gains, bias_std, input_dim=u.shape[1], input_scale=input_scale,
                    seed=seed, dtype=torch.float64)
    x = torch.as_tensor(u)
    start = w["washout"] + w["train"] + w["val"]
    squared = readout == "squared"
    weights, _, _ = train_readout(net.run(x[: start - 1]), x, n, w["washout"], w["train"],
                                  w["val"], squared)
    s0 = start + window * w["window_stride"]
    h = net.run(x[s0 - w["sync"] : s0])[-1]
    pred = closed_loop(net, weights, h, steps, squared).cpu().numpy()  # (H, B, d)
    truth = u[s0 : s0 + steps]
    return {"ratios": np.asarray(ratios, dtype=float),
            "time": np.arange(steps) * dt * lyap, "truth": truth,
            "prediction": pred.transpose(1, 0, 2),
            "vpt": valid_prediction_time(truth, pred, dt, lyap)}


def _task_inputs(task: dict[str, Any]) -> tuple[Any, torch.dtype, list[float], np.ndarray]:
    """A task's system, state dtype, gains and normalised series."""
    system = SYSTEMS[task["system"]]
    gains = [r * reference_gain(task["arch"], task["bias_std"]) for r in task["ratios"]]
    return system, getattr(torch, task["dtype"]), gains, forecast_series(system.name)


def forecast_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Forecast with one reservoir at every gain and measure its Lyapunov exponents.

    ``task`` keys: ``system``, ``arch``, ``bias_std``, ``ratios``, ``n``, ``seed``,
    ``input_scale``, ``dtype``, ``lyap_steps``, ``lyap_warmup``. Module level (picklable).

    Returns
    -------
    dict of ndarray
        ``vpt`` (R, G, W), ``nrmse_lyapunov_time``, ``one_step_nrmse``, ``ridge`` (R, G),
        ``lyap_driven`` and ``lyap_autonomous`` (G,) in nats per step.
    """
    system, dtype, gains, u = _task_inputs(task)
    dt, lyap = system.vpt_scale
    res = forecast_gains(task["arch"], task["bias_std"], gains, task["n"], task["seed"], u,
                         lyap, dt, input_scale=task["input_scale"], readouts=READOUTS,
                         dtype=dtype, **WINDOWS[system.name])
    net = RandomRNN(task["arch"], task["n"], gains, task["bias_std"], input_dim=u.shape[1],
                    input_scale=task["input_scale"], seed=task["seed"], dtype=dtype)
    total = task["lyap_steps"] + task["lyap_warmup"]
    x = torch.as_tensor(u[:total], dtype=dtype)
    driven = max_lyapunov(net, steps=task["lyap_steps"], warmup=task["lyap_warmup"],
                          seed=task["seed"], x=x)
    auto = max_lyapunov(net, steps=task["lyap_steps"], warmup=task["lyap_warmup"],
                        seed=task["seed"])
    return {"vpt": res["vpt"].astype(np.float32),
            "nrmse_lyapunov_time": res["nrmse_lyapunov_time"],
            "one_step_nrmse": res["one_step_nrmse"], "ridge": res["ridge"],
            "lyap_driven": driven.exponents, "lyap_autonomous": auto.exponents}


#: Chunk size of the reordered recomputation in :func:`recompute_slice` (the sweep uses 256):
#: the same float64 sums in another order.
REORDERED_CHUNK = 200


def one_step_task(task: dict[str, Any], chunk: int = 256) -> np.ndarray:
    """One-step NRMSE (R, G) of a task's readouts, without the closed loop or the exponents.

    With ``chunk=256`` it equals ``forecast_task(task)["one_step_nrmse"]``; another chunk
    size sums the same float64 normal equations in another order, which measures how much
    rounding alone moves the one-step error (:func:`slice_mismatches`).
    """
    system, dtype, gains, u = _task_inputs(task)
    w = WINDOWS[system.name]
    return one_step_nrmse_gains(task["arch"], task["bias_std"], gains, task["n"], task["seed"],
                                u, input_scale=task["input_scale"], washout=w["washout"],
                                train=w["train"], val=w["val"], readouts=READOUTS, dtype=dtype,
                                chunk=chunk)


def forecast_tasks(system: str, input_scale: float, bias_stds: Sequence[float],
                   archs: Sequence[str], seeds: Sequence[int], n: int,
                   ratios: Sequence[float] = FORECAST_RATIOS, dtype: str = "float32",
                   lyap_steps: int = 1500, lyap_warmup: int = 500) -> list[dict[str, Any]]:
    """Task dictionaries, ordered (arch, s_b, seed)."""
    if system not in SYSTEMS:
        raise ValueError(f"system must be one of {sorted(SYSTEMS)}, got {system!r}")
    input_scale = check_nonnegative("input_scale", input_scale)
    return [{"system": system, "arch": check_arch(a), "bias_std": float(sb),
             "ratios": [float(r) for r in ratios], "n": int(n), "seed": int(seed),
             "input_scale": float(input_scale), "dtype": dtype,
             "lyap_steps": int(lyap_steps), "lyap_warmup": int(lyap_warmup)}
            for a in archs for sb in bias_stds for seed in seeds]


def assemble_forecast(results: list[dict[str, np.ndarray]], archs: Sequence[str],
                      bias_stds: Sequence[float], seeds: Sequence[int],
                      ratios: Sequence[float]) -> dict[str, np.ndarray]:
    """Stack task results into arrays indexed (arch A, s_b S, seed K, [readout R,] gain G)."""
    shape = (len(archs), len(bias_stds), len(seeds))

    def stack(key: str) -> np.ndarray:
        arr = np.array([r[key] for r in results])
        return arr.reshape(shape + arr.shape[1:])

    return {"vpt": stack("vpt"), "vpt_mean": stack("vpt").mean(axis=-1),
            "nrmse_lyapunov_time": stack("nrmse_lyapunov_time"),
            "one_step_nrmse": stack("one_step_nrmse"), "ridge": stack("ridge"),
            "lyap_driven": stack("lyap_driven"), "lyap_autonomous": stack("lyap_autonomous"),
            "g_ref": np.array([[reference_gain(a, sb) for sb in bias_stds] for a in archs]),
            "g_mf": np.array([[critical_gain("rnn", sb, method="mean_field") if a == "rnn"
                               else np.nan for sb in bias_stds] for a in archs]),
            "ratios": np.asarray(ratios, dtype=float), "archs": np.asarray(archs),
            "bias_stds": np.asarray(bias_stds, dtype=float), "seeds": np.asarray(seeds),
            "readouts": np.asarray(READOUTS)}


def input_tag(input_scale: float) -> str:
    """``sigma_in`` as it appears in store and figure names, e.g. ``in0p02``."""
    return f"in{input_scale:g}".replace(".", "p")


def entry_name(system: str, input_scale: float, scale: str) -> str:
    """Store name of a forecasting map, e.g. ``forecast_lorenz63_in0p1_default``."""
    return f"forecast_{system}_{input_tag(input_scale)}_{scale}"


def figure_name(system: str, input_scale: float) -> str:
    """The ``gcrit figures --only`` name whose figure computes a forecasting map."""
    return (f"forecast_vs_gain_lorenz_{input_tag(input_scale)}" if system == "lorenz63"
            else "forecast_systems")


def _forecast_spec(system: str, input_scale: float, scale: str | None, archs: Sequence[str]
                   ) -> tuple[str, dict[str, Any], list[dict[str, Any]], tuple[float, ...],
                              list[int]]:
    """Store name, parameters, tasks, bias spreads and seeds of a forecasting map."""
    scale = current_scale(scale)
    match = [e for e in FORECAST_ENTRIES if e[0] == system and e[1] == input_scale]
    if not match:
        known = [(e[0], e[1]) for e in FORECAST_ENTRIES]
        raise ValueError(f"(system, input_scale) must be one of {known}, got "
                         f"{(system, input_scale)}")
    bias_stds = match[0][2]
    cfg = FORECAST_SWEEP[scale]
    params = {"system": system, "input_scale": input_scale, "bias_stds": list(bias_stds),
              "archs": list(archs), "ratios": list(FORECAST_RATIOS),
              "windows": WINDOWS[system], **cfg}
    tasks = forecast_tasks(system, input_scale, bias_stds, archs, cfg["seeds"], cfg["n"],
                           FORECAST_RATIOS, cfg["dtype"], cfg["lyap_steps"], cfg["lyap_warmup"])
    return entry_name(system, input_scale, scale), params, tasks, bias_stds, cfg["seeds"]


def stored_forecast(system: str, input_scale: float, scale: str | None = None,
                    root: Any = None, recompute: bool = False, executor: Any = None,
                    archs: Sequence[str] = FORECAST_ARCHS) -> dict[str, np.ndarray]:
    """A forecasting map of :data:`FORECAST_ENTRIES`, from ``results/`` or computed.

    Raises
    ------
    ValueError
        If ``(system, input_scale)`` is not one of :data:`FORECAST_ENTRIES`.
    """
    name, params, tasks, bias_stds, seeds = _forecast_spec(system, input_scale, scale, archs)
    return cached_sweep(name, params, tasks, forecast_task,
                        lambda res: assemble_forecast(res, archs, bias_stds, seeds,
                                                      FORECAST_RATIOS),
                        root, recompute, executor)


def scale_label(scale: str) -> str:
    """Reservoir size and seed count of a scale, e.g. ``"N = 500, 3 seeds"``."""
    cfg = FORECAST_SWEEP[current_scale(scale)]
    return f"N = {cfg['n']}, {len(cfg['seeds'])} seeds"


def finished_forecast_groups(system: str, input_scale: float, scale: str | None = None,
                             root: Any = None, archs: Sequence[str] = FORECAST_ARCHS,
                             require: Sequence[tuple[str, float]] = ()
                             ) -> tuple[dict[tuple[str, float], dict[str, np.ndarray]],
                                        dict[tuple[str, float], list[dict[str, Any]]]]:
    """The (arch, s_b) groups of a forecasting map whose reservoirs are all computed.

    A map too long for one session (``GCRIT_SCALE=paper``) is filled in pieces: its finished
    reservoirs are files in ``results/.partial/``. This reads them without computing
    anything and assembles every group whose seeds are all done; once the map is complete
    and stored, its groups come from the stored entry.

    Parameters
    ----------
    system, input_scale : str, float
        One of :data:`FORECAST_ENTRIES`.
    scale : {"default", "paper"}, optional
        ``GCRIT_SCALE`` when None.
    root : path, optional
        Store folder (``results/`` by default).
    archs : sequence of str
        Cells of the map.
    require : sequence of (str, float)
        Groups that must be finished.

    Returns
    -------
    groups : dict
        ``(arch, s_b)`` -> map as :func:`assemble_forecast` returns it, with one arch and one
        s_b (arrays indexed ``[0, 0, seed, ...]``), for the finished groups only.
    provenance : dict
        ``(arch, s_b)`` -> provenance of each of its reservoirs, in seed order (kept in the
        stored entry once the map is complete; ``[]`` for entries stored before entries kept
        it).

    Raises
    ------
    ValueError
        If ``(system, input_scale)`` is not one of :data:`FORECAST_ENTRIES`.
    FileNotFoundError
        If a group of ``require`` is not finished; the message names the command that
        computes it.
    """
    groups, origin = _finished_groups(system, input_scale, scale, root, archs)
    missing = [tuple(group) for group in require if tuple(group) not in groups]
    if missing:
        raise FileNotFoundError(
            f"groups {missing} of {entry_name(system, input_scale, current_scale(scale))} are "
            f"not in results/; compute them with GCRIT_SCALE={current_scale(scale)} gcrit "
            f"figures --only {figure_name(system, input_scale)}")
    return groups, origin


def _finished_groups(system: str, input_scale: float, scale: str | None, root: Any,
                     archs: Sequence[str]
                     ) -> tuple[dict[tuple[str, float], dict[str, np.ndarray]],
                                dict[tuple[str, float], list[dict[str, Any]]]]:
    """:func:`finished_forecast_groups` without the ``require`` check."""
    from .runner import finished_tasks
    from .store import CorruptResultError, load_result, result_exists

    name, params, tasks, bias_stds, seeds = _forecast_spec(system, input_scale, scale, archs)
    groups: dict[tuple[str, float], dict[str, np.ndarray]] = {}
    origin: dict[tuple[str, float], list[dict[str, Any]]] = {}
    if result_exists(name, root):
        try:
            data, meta = load_result(name, root)
        except CorruptResultError:
            data, meta = {}, {}
        if meta.get("params") == params:
            per_task = meta.get("task_provenance", [])
            for a, arch in enumerate(archs):
                for s, sb in enumerate(bias_stds):
                    groups[(arch, sb)] = _one_group(data, a, s)
                    start = (a * len(bias_stds) + s) * len(seeds)
                    origin[(arch, sb)] = per_task[start:start + len(seeds)]
            return groups, origin
    done, prov = finished_tasks(name, params, root)
    for start in range(0, len(tasks), len(seeds)):
        index = range(start, start + len(seeds))
        if all(i in done for i in index):
            arch, sb = tasks[start]["arch"], tasks[start]["bias_std"]
            groups[(arch, sb)] = assemble_forecast([done[i] for i in index], [arch], [sb],
                                                   seeds, FORECAST_RATIOS)
            origin[(arch, sb)] = [prov[i] for i in index]
    return groups, origin


def _one_group(data: dict[str, np.ndarray], a: int, s: int) -> dict[str, np.ndarray]:
    """Arrays of an assembled map restricted to arch ``a`` and bias spread ``s``."""
    out = dict(data)
    for key in ("vpt", "vpt_mean", "nrmse_lyapunov_time", "one_step_nrmse", "ridge",
                "lyap_driven", "lyap_autonomous", "g_ref", "g_mf"):
        out[key] = data[key][a:a + 1, s:s + 1]
    out["archs"], out["bias_stds"] = data["archs"][a:a + 1], data["bias_stds"][s:s + 1]
    return out


def recompute_slice(data: dict[str, np.ndarray], system: str, input_scale: float, arch: str,
                    bias_std: float, ratios: Sequence[float], scale: str | None = None
                    ) -> dict[str, np.ndarray]:
    """Recompute one slice of a stored map live: its first seed at a few of its gains.

    The chapters call this to prove that stored numbers still come from the current code.

    Parameters
    ----------
    data : dict of ndarray
        A map from :func:`stored_forecast` or :func:`finished_forecast_groups`.
    system, input_scale : str, float
        What the map was computed for.
    arch, bias_std : str, float
        The group (must be in ``data``).
    ratios : sequence of float, shape (G,)
        Gains ``g / g_ref`` to recompute, each one of :data:`FORECAST_RATIOS`.
    scale : {"default", "paper"}, optional
        Scale of the map (``GCRIT_SCALE`` when None).

    Returns
    -------
    dict of ndarray
        ``live_one_step`` and ``stored_one_step`` (R, G) one-step NRMSE per readout;
        ``reordered_one_step`` (R, G) the live one-step NRMSE once more, with the float64
        sums in another order (:data:`REORDERED_CHUNK`): its distance from ``live_one_step``
        is this machine's rounding noise, which :func:`slice_mismatches` scales into its
        tolerance; ``live_vpt`` and ``stored_vpt`` (R, G) window-mean VPT [Lyapunov times];
        ``live_driven`` and ``stored_driven`` (G,) driven largest exponent [nats/step].
    """
    cfg = FORECAST_SWEEP[current_scale(scale)]
    unknown = [r for r in ratios if r not in FORECAST_RATIOS]
    if unknown:
        raise ValueError(f"ratios must be among FORECAST_RATIOS, got {unknown}")
    archs, bias_stds = list(data["archs"]), [float(b) for b in data["bias_stds"]]
    if arch not in archs or float(bias_std) not in bias_stds:
        raise ValueError(f"(arch, bias_std) must be in the map: archs {archs}, bias_stds "
                         f"{bias_stds}; got {(arch, bias_std)}")
    if [int(k) for k in data["seeds"]] != list(cfg["seeds"]):
        raise ValueError(f"the map's seeds {list(data['seeds'])} are not those of scale "
                         f"{scale!r}: {cfg['seeds']}")
    idx = [FORECAST_RATIOS.index(r) for r in ratios]
    a, s = archs.index(arch), bias_stds.index(float(bias_std))
    (task,) = forecast_tasks(system, input_scale, [bias_std], [arch], [cfg["seeds"][0]],
                             cfg["n"], [FORECAST_RATIOS[i] for i in idx], cfg["dtype"],
                             cfg["lyap_steps"], cfg["lyap_warmup"])
    live = forecast_task(task)
    return {"live_one_step": live["one_step_nrmse"],
            "stored_one_step": data["one_step_nrmse"][a, s, 0][:, idx],
            "reordered_one_step": one_step_task(task, chunk=REORDERED_CHUNK),
            "live_vpt": live["vpt"].mean(axis=-1),
            "stored_vpt": data["vpt_mean"][a, s, 0][:, idx],
            "live_driven": live["lyap_driven"],
            "stored_driven": data["lyap_driven"][a, s, 0][idx]}


#: Tolerances of :func:`slice_mismatches`: relative for the one-step NRMSE where the driven
#: exponent is negative (``one_step_ordered``, a floor) and where it is not
#: (``one_step_chaotic``), absolute for the window-mean VPT [Lyapunov times] and the driven
#: exponent [nats/step]; ``rounding_factor`` multiplies the rounding noise measured in the
#: check itself (see :func:`slice_mismatches`).
SLICE_TOLERANCES: Mapping[str, float] = MappingProxyType(
    {"one_step_ordered": 1e-4, "rounding_factor": 10.0, "one_step_chaotic": 0.5, "vpt": 0.5,
     "driven": 5e-3})


def rounding_noise(check: Mapping[str, np.ndarray]) -> float:
    """Largest relative change of the live one-step NRMSE when its float64 sums are reordered.

    Taken over the gains where the stored driven exponent is negative; 0 if there are none or
    ``check`` has no ``reordered_one_step`` (then :func:`slice_mismatches` uses its floor).
    """
    if "reordered_one_step" not in check:
        return 0.0
    ordered = np.asarray(check["stored_driven"]) < 0
    live = np.asarray(check["live_one_step"], dtype=float)[:, ordered]
    other = np.asarray(check["reordered_one_step"], dtype=float)[:, ordered]
    if live.size == 0:
        return 0.0
    return float(np.max(np.abs(other - live) / np.abs(live)))


def slice_mismatches(check: Mapping[str, np.ndarray],
                     tolerances: Mapping[str, float] | None = None) -> list[str]:
    """Where a live slice disagrees with the stored numbers beyond tolerance.

    Where the stored driven exponent is negative (echo-state property) the teacher-forced
    states forget rounding differences, so the float64 one-step error must agree tightly.
    Tightly is not exactly: its ridge problem is ill-conditioned (condition numbers near 1e12
    at the chosen ridge 1e-8), so last-bit differences of the Gram matrix move it. How much is
    measured in the check itself: :func:`recompute_slice` sums the same normal equations in a
    second order, and the relative tolerance is the larger of ``one_step_ordered`` (1e-4) and
    ``rounding_factor`` (10) times that change (:func:`rounding_noise`). Measured on seven
    slices (N = 500 and 1000): another CPU type's kernels (an Intel Xeon against the AMD EPYCs
    that filled the store) moved the one-step error by 1.1 to 4 times what a reordering on
    the same machine did, up to 4e-4 relative at N = 1000, where a fixed 1e-4 failed; a
    change of the computation (another washout, ridge or state) moves it by far more. Above
    the driven crossing the states are themselves chaotic, and the window-averaged VPT is the
    outcome of a chaotic closed loop: there the comparison is loose (measured with other
    kernels: 12% on the one-step error, 0.01 on the VPT).

    Parameters
    ----------
    check : dict of ndarray
        As :func:`recompute_slice` returns it.
    tolerances : dict, optional
        Overrides of :data:`SLICE_TOLERANCES`.

    Returns
    -------
    list of str
        One line per failed comparison with its largest deviation; empty if all agree.
    """
    tol = {**SLICE_TOLERANCES, **(tolerances or {})}
    ordered = np.asarray(check["stored_driven"]) < 0
    live_1, stored_1 = check["live_one_step"], check["stored_one_step"]
    noise = rounding_noise(check)
    rtol_ordered = max(tol["one_step_ordered"], tol["rounding_factor"] * noise)
    why = (f" (the larger of {tol['one_step_ordered']:g} and {tol['rounding_factor']:g} x the "
           f"rounding noise {noise:.3g})")
    comparisons = [
        ("one-step NRMSE (driven exponent < 0)", live_1[:, ordered], stored_1[:, ordered],
         rtol_ordered, 0.0, why),
        ("one-step NRMSE (driven exponent >= 0)", live_1[:, ~ordered], stored_1[:, ~ordered],
         tol["one_step_chaotic"], 0.0, ""),
        ("VPT", check["live_vpt"], check["stored_vpt"], 0.0, tol["vpt"], ""),
        ("driven exponent", check["live_driven"], check["stored_driven"], 0.0, tol["driven"],
         ""),
    ]
    out = []
    for name, live, stored, rtol, atol, note in comparisons:
        live, stored = np.asarray(live, dtype=float), np.asarray(stored, dtype=float)
        if not np.allclose(live, stored, rtol=rtol, atol=atol):
            worst = np.max(np.abs(live - stored) / (np.abs(stored) if rtol else 1.0))
            kind = "relative" if rtol else "absolute"
            out.append(f"{name}: {kind} deviation {worst:.3g} > {rtol or atol:.3g}{note}")
    return out


def peak_and_cliff(ratios: Sequence[float], vpt: Sequence[float]) -> tuple[float, float]:
    """Where a VPT curve peaks, and its cliff: the largest ratio with VPT >= half the peak.

    Parameters
    ----------
    ratios : sequence of float, shape (G,)
        Increasing ``g / g_ref``.
    vpt : sequence of float, shape (G,)
        Mean valid prediction time at each ratio (finite, >= 0).

    Returns
    -------
    peak, cliff : float
        ``nan`` for both if the curve is identically 0 (nothing to locate).
    """
    r, v = np.asarray(ratios, dtype=float), np.asarray(vpt, dtype=float)
    if r.shape != v.shape or r.ndim != 1:
        raise ValueError("ratios and vpt must be 1-d arrays of the same length")
    if not np.all(np.isfinite(v)) or v.max() <= 0:
        return float("nan"), float("nan")
    peak = float(r[int(np.argmax(v))])
    cliff = float(r[np.nonzero(v >= 0.5 * v.max())[0][-1]])
    return peak, cliff


#: Level (fraction of the best VPT) that ends a plateau in :func:`forecast_summary`. Not 0.9:
#: with 3 seeds x 20 windows, the largest step between neighbouring gains below 0.6 g_c is a
#: median 7% and up to 22% of the best VPT (gated cells, stored Lorenz-63 maps, measured), so a
#: 90% level ends plateaus on noise.
PLATEAU_LEVEL = 0.75


def forecast_summary(data: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Per (arch, s_b, readout): peak, cliff, driven-LE and autonomous chaos crossings.

    All locations are ratios ``g / g_ref`` of the seed-averaged curves. The driven crossing
    is the first upward zero crossing of the conditional exponent (loss of the echo-state
    property); the autonomous one the first crossing of
    ``gcrit_utils.experiments.CHAOS_THRESHOLD``.

    Returns
    -------
    list of dict
        Keys ``arch, bias_std, readout, peak, cliff, vpt_peak, plateau`` (see
        :func:`plateau_end`, at :data:`PLATEAU_LEVEL`), ``vpt_smallest_gain, vpt_worst``
        (the smallest VPT over the grid), ``vpt_at_reference`` (at ``g = g_ref``, i.e. at
        ``g_c``; linearly interpolated if 1 is not a grid ratio, ``nan`` if it lies outside the
        grid), ``driven_crossing, autonomous_crossing``; ``one_step_smallest_gain``,
        ``one_step_min`` and ``one_step_min_at`` (the seed-mean one-step NRMSE at the
        smallest gain, its lowest value and the ratio of that),
        ``one_step_at_reference`` (at ``g_ref``, as ``vpt_at_reference``). VPTs in Lyapunov
        times (in samples for a system without an exponent).
    """
    ratios = data["ratios"]
    rows = []
    for a, arch in enumerate(data["archs"]):
        for s, sb in enumerate(data["bias_stds"]):
            driven = data["lyap_driven"][a, s].mean(axis=0)
            auto = data["lyap_autonomous"][a, s].mean(axis=0)
            for k, readout in enumerate(data["readouts"]):
                curve = data["vpt_mean"][a, s, :, k].mean(axis=0)
                one_step = data["one_step_nrmse"][a, s, :, k].mean(axis=0)
                peak, cliff = peak_and_cliff(ratios, curve)
                rows.append({"arch": str(arch), "bias_std": float(sb), "readout": str(readout),
                             "peak": peak, "cliff": cliff, "vpt_peak": float(curve.max()),
                             "plateau": plateau_end(ratios, curve, PLATEAU_LEVEL),
                             "vpt_smallest_gain": float(curve[0]),
                             "vpt_worst": float(curve.min()),
                             "vpt_at_reference": float(np.interp(1.0, ratios, curve,
                                                                 left=np.nan, right=np.nan)),
                             "driven_crossing": first_crossing(ratios, driven, 0.0),
                             "autonomous_crossing": first_crossing(ratios, auto,
                                                                   CHAOS_THRESHOLD),
                             "one_step_smallest_gain": float(one_step[0]),
                             "one_step_min": float(one_step.min()),
                             "one_step_min_at": float(ratios[int(np.argmin(one_step))]),
                             "one_step_at_reference": float(np.interp(
                                 1.0, ratios, one_step, left=np.nan, right=np.nan))})
    return rows


def peak_seeds(data: Mapping[str, np.ndarray], readout: str) -> np.ndarray:
    """Window-mean VPT of every seed at the peak of the seed-mean curve, one-group map.

    Parameters
    ----------
    data : mapping
        A one-group map (:func:`finished_forecast_groups`), ``vpt_mean`` (1, 1, S, R, G).
    readout : str
        One of its ``readouts``.

    Returns
    -------
    ndarray, shape (S,)
    """
    k = list(data["readouts"]).index(readout)
    seeds = np.asarray(data["vpt_mean"], dtype=float)[0, 0, :, k]
    return seeds[:, int(np.argmax(seeds.mean(axis=0)))]


def _standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


#: Candidate predictors of the VPT optimum, as keys of :func:`forecast_summary` rows
#: (``g_c`` is the ratio 1 itself).
PREDICTORS: tuple[str, ...] = ("g_c", "driven_crossing", "autonomous_crossing")


def predictor_errors(rows: Sequence[dict[str, Any]], target: str = "cliff"
                     ) -> dict[str, tuple[float, float, int]]:
    """How well each predictor locates ``target`` (``"peak"`` or ``"cliff"``).

    For every row of :func:`forecast_summary` (minimalRNN rows excluded: they have no
    ``g_c``) with finite values, the error is ``ln(target / predictor)`` (0.1 = 10% above).

    Returns
    -------
    dict
        predictor -> (mean of ``|error|``, mean of the signed error, number of rows used).
    """
    if target not in ("peak", "cliff"):
        raise ValueError(f"target must be 'peak' or 'cliff', got {target!r}")
    out = {}
    for name in PREDICTORS:
        errs = []
        for row in rows:
            if row["arch"] == "minimalrnn":
                continue
            pred = 1.0 if name == "g_c" else row[name]
            if np.isfinite(pred) and pred > 0 and np.isfinite(row[target]) and row[target] > 0:
                errs.append(np.log(row[target] / pred))
        out[name] = ((float(np.mean(np.abs(errs))), float(np.mean(errs)), len(errs)) if errs
                     else (float("nan"), float("nan"), 0))
    return out


def predictor_errors_by_scale(pairs: Sequence[tuple[tuple[str, float], dict[str, Any],
                                                    dict[str, Any]]],
                              targets: Sequence[str] = ("peak", "cliff")
                              ) -> dict[tuple[int, str], dict[str, tuple[float, float, int]]]:
    """:func:`predictor_errors` of both maps of a :func:`compare_scales` comparison.

    Parameters
    ----------
    pairs : sequence
        ``((arch, s_b), row_before, row_after)`` as :func:`compare_scales` returns them.
    targets : sequence of {"peak", "cliff"}
        Locations to predict.

    Returns
    -------
    dict
        ``(k, target)`` -> :func:`predictor_errors` of the rows ``pair[k]``: ``k = 1`` for
        the map before (e.g. the default scale), ``k = 2`` for the map after.
    """
    return {(k, target): predictor_errors([pair[k] for pair in pairs], target)
            for k in (1, 2) for target in targets}


def location_range(rows: Sequence[dict[str, Any]], key: str,
                   archs: Sequence[str] = ("rnn", "gru", "lstm"), **match: Any
                   ) -> tuple[float, float, int]:
    """Smallest and largest finite ``row[key]`` over rows of the given cells matching ``match``.

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`forecast_summary` (possibly with extra keys such as ``input_scale``).
    key : str
        E.g. ``"peak"``, ``"cliff"``, ``"driven_crossing"``, ``"vpt_peak"``.
    archs : sequence of str
        Cells to include.
    **match
        Required values, e.g. ``input_scale=0.1, readout="squared"``.

    Returns
    -------
    (min, max, count)
        ``(nan, nan, 0)`` if no row matches with a finite value.
    """
    vals = [float(r[key]) for r in rows
            if r["arch"] in archs and all(r.get(k) == v for k, v in match.items())
            and np.isfinite(r[key])]
    if not vals:
        return float("nan"), float("nan"), 0
    return min(vals), max(vals), len(vals)


#: Locations of :func:`forecast_summary` rows, in units of ``g_ref``.
LOCATION_KEYS: tuple[str, ...] = ("peak", "cliff", "plateau", "driven_crossing",
                                  "autonomous_crossing")


def location_shifts(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]],
                    keys: Sequence[str] = LOCATION_KEYS) -> dict[str, np.ndarray]:
    """How far each location moves between two summaries of the same groups.

    Parameters
    ----------
    pairs : sequence of (dict, dict)
        ``(before, after)`` rows of :func:`forecast_summary` for the same (arch, s_b,
        readout), e.g. the default and the paper scale.
    keys : sequence of str
        Locations to compare (default :data:`LOCATION_KEYS`).

    Returns
    -------
    dict
        key -> array (len(pairs),) of ``|after - before|``; NaN where neither row has the
        location (both ``inf``: no crossing inside the grid of gains), ``inf`` where only one
        has it.
    """
    def shift(before: float, after: float) -> float:
        if np.isinf(before) and np.isinf(after):
            return float("nan")
        return abs(float(after) - float(before))

    return {key: np.array([shift(before[key], after[key]) for before, after in pairs],
                          dtype=float) for key in keys}


def compare_scales(before: dict[tuple[str, float], dict[str, np.ndarray]],
                   after: dict[tuple[str, float], dict[str, np.ndarray]],
                   groups: Sequence[tuple[str, float]],
                   targets: Sequence[str] = ("peak", "cliff")) -> dict[str, Any]:
    """Summaries of the same (arch, s_b) groups in two maps, and how they changed.

    Parameters
    ----------
    before, after : dict
        ``(arch, s_b)`` -> one-group map, as :func:`finished_forecast_groups` returns them
        (e.g. the default and the paper scale of one entry).
    groups : sequence of (str, float)
        The groups to compare, in the order of the rows.
    targets : sequence of {"peak", "cliff"}
        Locations whose predictor errors are measured in both maps.

    Returns
    -------
    dict
        ``pairs``: list of ``((arch, s_b), row_before, row_after)``, one per group and
        readout (rows of :func:`forecast_summary`); ``vpt_change``: array (len(pairs),),
        best VPT after / before - 1; ``shifts``: :func:`location_shifts` of the pairs;
        ``errors``: :func:`predictor_errors_by_scale` of the pairs for ``targets``;
        ``vpt_change_z``: array (len(pairs),), the change of the best VPT in standard errors
        of the difference (seed scatter at each map's peak, :func:`peak_seeds`; ``nan`` with a
        single seed). The best of a seed-mean curve is biased upwards, more so with fewer
        seeds, so a small negative change can be that bias.

    Raises
    ------
    KeyError
        If a group is missing from either map (the message names it and the map).
    """
    for label, groups_map in (("before", before), ("after", after)):
        missing = [group for group in groups if group not in groups_map]
        if missing:
            raise KeyError(f"groups {missing} are not in the {label!r} map")
    pairs = [(tuple(group), rb, ra) for group in groups
             for rb, ra in zip(forecast_summary(before[group]), forecast_summary(after[group]),
                               strict=True)]
    change = np.array([ra["vpt_peak"] / rb["vpt_peak"] - 1 for _, rb, ra in pairs], dtype=float)
    z = []
    for group, rb, _ in pairs:
        seeds_b, seeds_a = (peak_seeds(m[group], rb["readout"]) for m in (before, after))
        spread = np.hypot(_standard_error(seeds_b), _standard_error(seeds_a))
        with np.errstate(divide="ignore", invalid="ignore"):  # no scatter: inf or nan
            z.append(np.float64(seeds_a.mean() - seeds_b.mean()) / spread)
    return {"pairs": pairs, "vpt_change": change, "vpt_change_z": np.array(z, dtype=float),
            "shifts": location_shifts([(rb, ra) for _, rb, ra in pairs]),
            "errors": predictor_errors_by_scale(pairs, targets)}


def entry_overview(comparison: Mapping[str, Any],
                   archs: Sequence[str] = ("rnn", "gru", "lstm")) -> dict[str, Any]:
    """One entry's scale comparison in a few ranges: the map after (e.g. the paper scale).

    Parameters
    ----------
    comparison : mapping
        As :func:`compare_scales` returns it (with ``"cliff"`` among its targets).
    archs : sequence of str
        Cells whose rows count (those with a ``g_c``; the predictor errors of
        :func:`predictor_errors` cover these three).

    Returns
    -------
    dict
        ``rows`` (number of rows counted); (min, max) over them of ``vpt_change`` (best VPT
        after / before - 1), ``peak``, ``cliff`` and ``smallest_gain_fraction`` (VPT at the
        smallest gain / best VPT) of the map after; ``cliff_error_g_c`` and
        ``cliff_error_crossing``, the mean ``|ln(cliff / predictor)|`` of ``g_c`` and of the
        better of the two exponent crossings in the map after.
    """
    rows = [i for i, (group, _, _) in enumerate(comparison["pairs"]) if group[0] in archs]
    if not rows:
        raise ValueError(f"archs {list(archs)} have no row in the comparison")
    after = [comparison["pairs"][i][2] for i in rows]

    def span(values: Sequence[float]) -> tuple[float, float]:
        return float(np.min(values)), float(np.max(values))

    errors = comparison["errors"][2, "cliff"]
    return {"rows": len(rows),
            "vpt_change": span(np.asarray(comparison["vpt_change"])[rows]),
            "peak": span([r["peak"] for r in after]),
            "cliff": span([r["cliff"] for r in after]),
            "smallest_gain_fraction": span([r["vpt_smallest_gain"] / r["vpt_peak"]
                                            for r in after]),
            "cliff_error_g_c": float(errors["g_c"][0]),
            "cliff_error_crossing": float(min(errors["driven_crossing"][0],
                                              errors["autonomous_crossing"][0]))}


#: Exponents below this (nats/step) count as ordered in :func:`exponent_agreement`: there
#: rounding differences die out (measured: equal to 1e-15 across CPU types).
ORDERED_BELOW = -0.002


def exponent_agreement(first: Mapping[tuple[str, float], Mapping[str, np.ndarray]],
                       second: Mapping[tuple[str, float], Mapping[str, np.ndarray]],
                       groups: Sequence[tuple[str, float]], key: str = "lyap_autonomous",
                       ordered_below: float = ORDERED_BELOW) -> list[dict[str, Any]]:
    """How well two maps of the same networks agree on an exponent, ordered and chaotic apart.

    Two entries that differ only in what the autonomous run never sees (the input series or
    scale) hold the same networks, so their autonomous exponents must agree: bit for bit on
    the same CPU type, to rounding where the network is ordered, and not beyond the growth
    of rounding differences above the onset of chaos.

    Parameters
    ----------
    first, second : mapping
        ``(arch, s_b)`` -> one-group map (:func:`finished_forecast_groups`).
    groups : sequence of (str, float)
    key : str
        The exponent array of the maps (seeds, gains) [nats/step].
    ordered_below : float
        A (seed, gain) counts as ordered where both exponents are below this.

    Returns
    -------
    list of dict, one per group
        ``group``, ``ordered`` (largest absolute difference where ordered; nan if nowhere),
        ``above`` (the same elsewhere; nan if nowhere), ``equal`` (bit for bit).
    """
    out = []
    for group in groups:
        a = np.asarray(first[group][key], dtype=float)
        b = np.asarray(second[group][key], dtype=float)
        ordered, diff = np.maximum(a, b) < ordered_below, np.abs(a - b)
        out.append({"group": tuple(group),
                    "ordered": float(diff[ordered].max()) if ordered.any() else float("nan"),
                    "above": float(diff[~ordered].max()) if (~ordered).any() else float("nan"),
                    "equal": bool(np.array_equal(a, b))})
    return out


def plateau_end(ratios: Sequence[float], vpt: Sequence[float],
                level: float = PLATEAU_LEVEL) -> float:
    """Largest ratio up to which the VPT curve stays >= ``level`` x its maximum throughout.

    Unlike the cliff (the last ratio with VPT >= half the maximum anywhere), this is where a
    curve first drops below ``level`` of its maximum, minus one grid step: the end of the
    plateau that starts at the smallest gain. ``nan`` for an identically-zero curve; the first
    ratio if the curve starts below the level (no plateau at small gains).
    """
    r, v = np.asarray(ratios, dtype=float), np.asarray(vpt, dtype=float)
    if r.shape != v.shape or r.ndim != 1:
        raise ValueError("ratios and vpt must be 1-d arrays of the same length")
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    if not np.all(np.isfinite(v)) or v.max() <= 0:
        return float("nan")
    below = np.nonzero(v < level * v.max())[0]
    if below.size == 0:
        return float(r[-1])
    return float(r[max(below[0] - 1, 0)])
