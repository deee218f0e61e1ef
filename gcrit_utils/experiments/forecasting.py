"""The forecasting map: valid prediction time against the gain, per cell, system and input.

One task is one reservoir (arch, s_b, seed) holding every gain of the sweep as a batch
(``W = g W0``): it is driven by a chaotic series, gets a ridge readout per feature set, is
tested in closed loop on many windows, and its driven (conditional) and autonomous largest
Lyapunov exponents are measured at every gain. Tasks are independent and resumable; every
map is a :class:`~gcrit_utils.sweep.Sweep` (:func:`sweep_forecast`), stored in ``results/``.

Gains are ``g = ratio * g_ref`` with ``g_ref`` the zero-state critical gain of the paper
(:func:`gcrit_utils.theory.critical_gain`); the minimalRNN has none (its zero-state Jacobian
does not involve ``W``), so its ``g_ref`` is 1 and its axis is the gain itself. The four
cells of the paper form one map per (system, input scale); further cells are separate
entries of the same grid (:data:`EXTRA_ARCHS`), merged by :func:`forecast_map`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from .._validation import check_int, check_nonnegative
from ..cells import get_cell
from ..forecast import (
    READOUTS,
    closed_loop,
    forecast_gains,
    one_step_nrmse_gains,
    train_readout,
    valid_prediction_time,
)
from ..lyapunov import max_lyapunov
from ..network import RandomRNN
from ..sweep import Sweep, freeze
from ..systems import SYSTEMS, normalise, system_series
from ..theory import critical_gain
from .scale import current_scale

__all__ = [
    "FORECAST_RATIOS",
    "FORECAST_ARCHS",
    "EXTRA_ARCHS",
    "FORECAST_SIZES",
    "FORECAST_ENTRIES",
    "ENTRY_LABELS",
    "MEMORY_TASKS",
    "WINDOWS",
    "reference_gain",
    "forecast_series",
    "STORED_SERIES",
    "series_length",
    "sweep_series",
    "stored_series",
    "example_forecast",
    "forecast_task",
    "one_step_task",
    "forecast_tasks",
    "assemble_forecast",
    "input_tag",
    "entry_name",
    "figure_name",
    "sweep_forecast",
    "forecast_sweeps",
    "forecast_map",
    "merge_maps",
    "finished_forecast_groups",
    "finished_groups",
    "scale_label",
]

#: g / g_ref of the sweep: 27 values from 0.02 (no recurrence to speak of; g = 0 is not a
#: RandomRNN) to 2.5, every 0.05 in [0.7, 1.5].
FORECAST_RATIOS: tuple[float, ...] = tuple(
    [0.02, 0.15, 0.3, 0.45, 0.6]
    + [round(0.7 + 0.05 * k, 2) for k in range(17)]
    + [1.65, 1.8, 2.0, 2.25, 2.5])


FORECAST_ARCHS: tuple[str, ...] = ("rnn", "gru", "lstm", "minimalrnn")


#: Cells mapped beyond the paper's four, per scale: separate store entries on the same grid.
EXTRA_ARCHS: Mapping[str, tuple[str, ...]] = freeze({"default": ("leaky",), "paper": ("leaky",)})

#: Reservoir size, seeds and state precision per scale (readouts are always float64). States
#: are float64 too: the chapter recomputes a slice live and compares the one-step error of
#: ordered reservoirs (~1e-5) tightly, and float32 rounding alone moves it by 0.1-0.3% when
#: the order of floating-point operations changes; in float64 a live slice reproduces the
#: teacher-forced states bit for bit (the residue is the ridge problem's conditioning).
FORECAST_SIZES: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"n": 500, "seeds": [0, 1, 2], "dtype": "float64",
                "lyap_steps": 1500, "lyap_warmup": 500},
    "paper": {"n": 1000, "seeds": list(range(10)), "dtype": "float64",
              "lyap_steps": 3000, "lyap_warmup": 1000},
})

#: Washout, training, validation and test windows (samples) per system. The horizons are
#: long enough that the best reservoirs do not reach them (a VPT capped by the horizon
#: would hide where the optimum is): 27 Lyapunov times for Lorenz-63, 29 for Mackey-Glass.
WINDOWS: Mapping[str, Mapping[str, int]] = freeze({
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
})

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

#: Short names of the entries for tables and figures, (system, sigma_in) -> label.
ENTRY_LABELS: Mapping[tuple[str, float], str] = freeze({
    ("lorenz63", 0.1): "Lorenz-63, σ_in = 0.1",
    ("lorenz63", 0.02): "Lorenz-63, σ_in = 0.02",
    ("lorenz63", 0.5): "Lorenz-63, σ_in = 0.5",
    ("lorenz63_x", 0.1): "Lorenz-63 through x",
    ("mackey_glass", 0.1): "Mackey–Glass",
    ("kuramoto_sivashinsky", 0.1): "Kuramoto–Sivashinsky",
    ("santafe_laser", 0.1): "Santa Fe laser",
})

#: The entries whose task needs memory: the input alone does not determine the next value.
MEMORY_TASKS: tuple[tuple[str, float], ...] = (
    ("lorenz63_x", 0.1), ("mackey_glass", 0.1), ("santafe_laser", 0.1))


def reference_gain(arch: str, bias_std: float) -> float:
    """The gain the sweep's ratios refer to: zero-state ``g_c``, or 1 for a cell without one
    (the minimalRNN)."""
    cell = get_cell(arch)
    return float(critical_gain(cell, bias_std)) if cell.has_critical_gain else 1.0



#: Systems whose book trajectory is read from the store instead of being integrated on the
#: reader's machine (value: the store entry's system). reservoirpy integrates Lorenz-63 with
#: scipy's RK45, whose stage sums go through BLAS; BLAS kernels differ between CPUs, and the
#: chaotic flow amplifies their last-bit differences (two BLAS kernels on one machine give
#: trajectories O(1) apart before the 50-unit transient ends), so without the stored
#: trajectory every CPU type would train and test on a different Lorenz-63 series.
#: Mackey-Glass, Kuramoto-Sivashinsky and the laser do not depend on BLAS kernels.
STORED_SERIES: Mapping[str, str] = freeze({"lorenz63": "lorenz63", "lorenz63_x": "lorenz63"})


def series_length(system: str) -> int:
    """Samples of ``system`` the forecasting windows need (:data:`WINDOWS`)."""
    w = WINDOWS[system]
    return (w["washout"] + w["train"] + w["val"] + (w["n_windows"] - 1) * w["window_stride"]
            + w["horizon"])



def _series_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    return {"raw": system_series(task["system"], task["n_steps"], seed=task["seed"])}


def _series_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"system": config["system"], "n_steps": config["n_steps"], "seed": config["seed"]}]


def _assemble_series(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                     ) -> dict[str, np.ndarray]:
    return {"raw": results[0]["raw"]}


def sweep_series(system: str = "lorenz63", n_steps: int | None = None) -> Sweep:
    """A raw trajectory of the book's experiments as a stored entry (trajectory seed 0).

    Parameters
    ----------
    system : str
        A system of :data:`STORED_SERIES` (the entry's system, e.g. ``"lorenz63"``).
    n_steps : int, optional
        Samples. Default: what the forecasting windows of every system reading this
        trajectory need (entry ``series_<system>``); another length is its own entry,
        ``series_<system>_<n_steps>`` (the training chapter uses 20000 samples). Entries of
        different lengths are separate integrations, not prefixes of one another.
    """
    if system not in set(STORED_SERIES.values()):
        raise ValueError(f"system must be one of {sorted(set(STORED_SERIES.values()))}, "
                         f"got {system!r}")
    forecast_steps = max(series_length(k) for k, v in STORED_SERIES.items() if v == system)
    n_steps = forecast_steps if n_steps is None else check_int("n_steps", n_steps, 1)
    name = f"series_{system}" if n_steps == forecast_steps else f"series_{system}_{n_steps}"
    config = {"system": system, "n_steps": n_steps, "dt": SYSTEMS[system].dt, "seed": 0}
    return Sweep(name, config, _series_tasks, _series_task, _assemble_series)


def stored_series(system: str = "lorenz63", n_steps: int | None = None, root: Any = None,
                  recompute: bool = False) -> np.ndarray:
    """The trajectory of :func:`sweep_series`, shape (n_steps, d), from ``results/`` or
    integrated (:func:`gcrit_utils.systems.system_series`) and stored."""
    return sweep_series(system, n_steps).load(root, recompute, progress=False)["raw"]


@functools.lru_cache(maxsize=8)
def _cached_series(system: str, root: Any = None) -> np.ndarray:
    w = WINDOWS[system]
    needed = series_length(system)
    if system in STORED_SERIES:
        raw = stored_series(STORED_SERIES[system], root=root)[:needed, : SYSTEMS[system].dim]
    else:
        raw = system_series(system, needed, seed=0)
    train = raw[w["washout"] : w["washout"] + w["train"]]
    u, _, _ = normalise(raw, train.mean(axis=0), train.std(axis=0))
    u.setflags(write=False)
    return u


def forecast_series(system: str, root: Any = None) -> np.ndarray:
    """The normalised series of ``system`` used by every task (trajectory seed 0).

    Long enough for :data:`WINDOWS`; normalised with the statistics of the training
    segment only (computed once per process and store). Lorenz-63 (and its x component) is
    read from the store (:func:`stored_series`; ``root`` is the store folder), the others
    are generated. Shape (T, d).
    """
    if system not in WINDOWS:
        raise ValueError(f"system must be one of {sorted(WINDOWS)}, got {system!r}")
    return _cached_series(system, None if root is None else str(root)).copy()


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

    ``task`` keys: ``system``, ``arch`` (and ``cell_params`` for a cell with
    hyperparameters), ``bias_std``, ``ratios``, ``n``, ``seed``, ``input_scale``, ``dtype``,
    ``lyap_steps``, ``lyap_warmup``. Module level (picklable).

    Returns
    -------
    dict of ndarray
        ``vpt`` (R, G, W), ``nrmse_lyapunov_time``, ``one_step_nrmse``, ``ridge`` (R, G),
        ``lyap_driven`` and ``lyap_autonomous`` (G,) in nats per step.
    """
    system, dtype, gains, u = _task_inputs(task)
    cell = _task_cell(task)
    dt, lyap = system.vpt_scale
    res = forecast_gains(cell, task["bias_std"], gains, task["n"], task["seed"], u,
                         lyap, dt, input_scale=task["input_scale"], readouts=READOUTS,
                         dtype=dtype, **WINDOWS[system.name])
    net = RandomRNN(cell, task["n"], gains, task["bias_std"], input_dim=u.shape[1],
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


def _task_cell(task: Mapping[str, Any]) -> Any:
    return get_cell(task["arch"], **dict(task.get("cell_params", {})))


def one_step_task(task: dict[str, Any], chunk: int = 256) -> np.ndarray:
    """One-step NRMSE (R, G) of a task's readouts, without the closed loop or the exponents.

    With ``chunk=256`` it equals ``forecast_task(task)["one_step_nrmse"]``; another chunk
    size sums the same float64 normal equations in another order, which measures how much
    rounding alone moves the one-step error
    (:func:`gcrit_utils.experiments.forecast_checks.slice_mismatches`).
    """
    system, dtype, gains, u = _task_inputs(task)
    w = WINDOWS[system.name]
    return one_step_nrmse_gains(_task_cell(task), task["bias_std"], gains, task["n"],
                                task["seed"], u, input_scale=task["input_scale"],
                                washout=w["washout"], train=w["train"], val=w["val"],
                                readouts=READOUTS, dtype=dtype, chunk=chunk)


def forecast_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Task dictionaries of a map's configuration, ordered (arch, s_b, seed)."""
    system = config["system"]
    if system not in SYSTEMS:
        raise ValueError(f"system must be one of {sorted(SYSTEMS)}, got {system!r}")
    input_scale = check_nonnegative("input_scale", config["input_scale"])
    params = config.get("cell_params", {})
    return [{"system": system, "arch": get_cell(a).name, "bias_std": float(sb),
             "ratios": [float(r) for r in config["ratios"]], "n": int(config["n"]),
             "seed": int(seed), "input_scale": float(input_scale), "dtype": config["dtype"],
             "lyap_steps": int(config["lyap_steps"]), "lyap_warmup": int(config["lyap_warmup"]),
             **({"cell_params": dict(params[a])} if a in params else {})}
            for a in config["archs"] for sb in config["bias_stds"] for seed in config["seeds"]]


def assemble_forecast(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                      ) -> dict[str, np.ndarray]:
    """Stack task results into arrays indexed (arch A, s_b S, seed K, [readout R,] gain G)."""
    archs, bias_stds, seeds = config["archs"], config["bias_stds"], config["seeds"]
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
            "ratios": np.asarray(config["ratios"], dtype=float), "archs": np.asarray(archs),
            "bias_stds": np.asarray(bias_stds, dtype=float), "seeds": np.asarray(seeds),
            "readouts": np.asarray(READOUTS)}


def input_tag(input_scale: float) -> str:
    """``sigma_in`` as it appears in store and figure names, e.g. ``in0p02``."""
    return f"in{input_scale:g}".replace(".", "p")



def entry_name(system: str, input_scale: float, scale: str,
               archs: Sequence[str] = FORECAST_ARCHS) -> str:
    """Store name of a forecasting map, e.g. ``forecast_lorenz63_in0p1_default``; a map of
    other cells than the paper's four names them before the scale."""
    cells = "" if tuple(archs) == FORECAST_ARCHS else "_".join(archs) + "_"
    return f"forecast_{system}_{input_tag(input_scale)}_{cells}{scale}"


def figure_name(system: str, input_scale: float) -> str:
    """The ``gcrit figures --only`` name whose figure computes a forecasting map."""
    if (system, input_scale) == ("lorenz63", 0.1):
        return "forecast_vs_gain_lorenz_in0p1"
    return "headline" if (system, input_scale) in MEMORY_TASKS else "forecast_failures"



def _entry(system: str, input_scale: float) -> tuple[float, ...]:
    """The bias spreads of a (system, input scale) of :data:`FORECAST_ENTRIES`."""
    match = [e for e in FORECAST_ENTRIES if e[0] == system and e[1] == input_scale]
    if not match:
        known = [(e[0], e[1]) for e in FORECAST_ENTRIES]
        raise ValueError(f"(system, input_scale) must be one of {known}, got "
                         f"{(system, input_scale)}")
    return match[0][2]


def sweep_forecast(system: str, input_scale: float, scale: str | None = None,
                   archs: Sequence[str] = FORECAST_ARCHS) -> Sweep:
    """The stored forecasting map of ``archs`` for one entry of :data:`FORECAST_ENTRIES`.

    Raises
    ------
    ValueError
        If ``(system, input_scale)`` is not one of :data:`FORECAST_ENTRIES`.
    """
    scale = current_scale(scale)
    bias_stds = _entry(system, input_scale)
    config: dict[str, Any] = {
        "system": system, "input_scale": input_scale, "bias_stds": list(bias_stds),
        "archs": list(archs), "ratios": list(FORECAST_RATIOS), "windows": WINDOWS[system],
        **FORECAST_SIZES[scale]}
    params = {a: get_cell(a).params for a in archs if get_cell(a).params}
    if params:
        config["cell_params"] = params
    return Sweep(entry_name(system, input_scale, scale, archs), config, forecast_tasks,
                 forecast_task, assemble_forecast)


def forecast_sweeps(system: str, input_scale: float, scale: str | None = None
                    ) -> list[Sweep]:
    """Every stored map of one (system, input scale): the paper's four cells, then the
    cells of :data:`EXTRA_ARCHS` at this scale (one entry each)."""
    scale = current_scale(scale)
    return [sweep_forecast(system, input_scale, scale)] + [
        sweep_forecast(system, input_scale, scale, (a,)) for a in EXTRA_ARCHS[scale]]


#: Keys of a map whose first axis is the arch (the rest are shared by all cells).
_PER_ARCH = ("vpt", "vpt_mean", "nrmse_lyapunov_time", "one_step_nrmse", "ridge",
             "lyap_driven", "lyap_autonomous", "g_ref", "g_mf", "archs")


def merge_maps(maps: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Maps of different cells on the same grid as one map (cells concatenated).

    Raises
    ------
    ValueError
        If the maps differ in anything but their cells (gains, spreads, seeds, readouts).
    """
    first = maps[0]
    for other in maps[1:]:
        for key in first:
            if key not in _PER_ARCH and not np.array_equal(first[key], other[key]):
                raise ValueError(f"maps differ in {key!r}: only their cells may differ")
    return {k: (np.concatenate([m[k] for m in maps]) if k in _PER_ARCH else first[k])
            for k in first}


def forecast_map(system: str, input_scale: float, scale: str | None = None, root: Any = None,
                 extra: bool = True) -> dict[str, np.ndarray]:
    """The forecasting map of one entry, from ``results/`` or computed (every cell, merged).

    Parameters
    ----------
    system, input_scale : str, float
        One of :data:`FORECAST_ENTRIES`.
    scale : {"default", "paper"}, optional
        ``GCRIT_SCALE`` when None.
    root : path, optional
        Store folder.
    extra : bool
        Include the cells of :data:`EXTRA_ARCHS` (the paper's four only if False).
    """
    sweeps = forecast_sweeps(system, input_scale, scale)
    return merge_maps([s.load(root) for s in (sweeps if extra else sweeps[:1])])


def scale_label(scale: str) -> str:
    """Reservoir size and seed count of a scale, e.g. ``"N = 500, 3 seeds"``."""
    cfg = FORECAST_SIZES[current_scale(scale)]
    return f"N = {cfg['n']}, {len(cfg['seeds'])} seeds"



def finished_forecast_groups(system: str, input_scale: float, scale: str | None = None,
                             root: Any = None, extra: bool = True,
                             require: Sequence[tuple[str, float]] = ()
                             ) -> tuple[dict[tuple[str, float], dict[str, np.ndarray]],
                                        dict[tuple[str, float], list[dict[str, Any]]]]:
    """The (arch, s_b) groups of a forecasting map whose reservoirs are all computed.

    A map too long for one session is filled in pieces: its finished reservoirs are files
    in ``results/.partial/``. This reads them without computing anything and assembles every
    group whose seeds are all done; once a map is complete and stored, its groups come from
    the stored entry.

    Parameters
    ----------
    system, input_scale : str, float
        One of :data:`FORECAST_ENTRIES`.
    scale : {"default", "paper"}, optional
        ``GCRIT_SCALE`` when None.
    root : path, optional
        Store folder (``results/`` by default).
    extra : bool
        Include the cells of :data:`EXTRA_ARCHS`.
    require : sequence of (str, float)
        Groups that must be finished.

    Returns
    -------
    groups : dict
        ``(arch, s_b)`` -> map as :func:`assemble_forecast` returns it, with one arch and one
        s_b (arrays indexed ``[0, 0, seed, ...]``), for the finished groups only.
    provenance : dict
        ``(arch, s_b)`` -> provenance of each of its reservoirs, in seed order.

    Raises
    ------
    ValueError
        If ``(system, input_scale)`` is not one of :data:`FORECAST_ENTRIES`.
    FileNotFoundError
        If a group of ``require`` is not finished; the message names the command that
        computes it.
    """
    scale = current_scale(scale)
    sweeps = forecast_sweeps(system, input_scale, scale)
    groups, origin = finished_groups(sweeps if extra else sweeps[:1], root)
    missing = [tuple(group) for group in require if tuple(group) not in groups]
    if missing:
        raise FileNotFoundError(
            f"groups {missing} of {entry_name(system, input_scale, scale)} are not in "
            f"results/; compute them with GCRIT_SCALE={scale} gcrit figures --only "
            f"{figure_name(system, input_scale)}")
    return groups, origin


def finished_groups(sweeps: Sequence[Sweep], root: Any = None
                    ) -> tuple[dict[tuple[str, float], dict[str, np.ndarray]],
                               dict[tuple[str, float], list[dict[str, Any]]]]:
    """The finished (arch, s_b) groups of forecasting maps (:func:`finished_forecast_groups`
    for any list of map definitions): from a stored entry, or from the task files of an
    unfinished fill. Nothing is computed."""
    groups: dict[tuple[str, float], dict[str, np.ndarray]] = {}
    origin: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for sweep in sweeps:
        g, o = _finished_groups(sweep, root)
        groups.update(g)
        origin.update(o)
    return groups, origin


def _finished_groups(sweep: Sweep, root: Any
                     ) -> tuple[dict[tuple[str, float], dict[str, np.ndarray]],
                                dict[tuple[str, float], list[dict[str, Any]]]]:
    """Finished (arch, s_b) groups of one map and their reservoirs' provenance."""
    from ..store import CorruptResultError, load_result, result_exists

    config, seeds = sweep.config, list(sweep.config["seeds"])
    groups: dict[tuple[str, float], dict[str, np.ndarray]] = {}
    origin: dict[tuple[str, float], list[dict[str, Any]]] = {}
    if result_exists(sweep.name, root):
        try:
            data, meta = load_result(sweep.name, root)
        except CorruptResultError:
            data, meta = {}, {}
        if meta.get("params") == sweep.params:
            per_task = meta.get("task_provenance", [])
            for a, arch in enumerate(config["archs"]):
                for s, sb in enumerate(config["bias_stds"]):
                    groups[(arch, sb)] = _one_group(data, a, s)
                    start = (a * len(config["bias_stds"]) + s) * len(seeds)
                    origin[(arch, sb)] = per_task[start:start + len(seeds)]
            return groups, origin
    done, prov = sweep.finished(root)
    tasks = sweep.tasks()
    for start in range(0, len(tasks), len(seeds)):
        index = range(start, start + len(seeds))
        if all(i in done for i in index):
            arch, sb = tasks[start]["arch"], tasks[start]["bias_std"]
            one = {**sweep.params, "archs": [arch], "bias_stds": [sb]}
            groups[(arch, sb)] = assemble_forecast(one, [done[i] for i in index])
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
