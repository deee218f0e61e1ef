"""Training chapters: trainability over gains (signal propagation) and initialisations of
``nn.GRU``/``nn.LSTM`` compared on tasks (training)."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .._validation import check_int
from ..cells import get_cell
from ..init import INITIALISERS, critical_init_, initialise_, module_zero_state_jacobian
from ..intervals import median_interval
from ..network import RandomRNN
from ..sweep import Sweep, freeze, thaw
from ..systems import system_series
from ..training import (
    TASK_LABELS,
    TASK_SIZES,
    RecurrentRegressor,
    model_from_random_rnn,
    train,
)
from .forecasting import stored_series
from .scale import current_scale

__all__ = [
    "TRAINABILITY",
    "trainability_task",
    "trainability_tasks",
    "assemble_trainability",
    "sweep_trainability",
    "INIT_COMPARISON",
    "INITS",
    "INIT_SURVEY",
    "survey_model",
    "init_survey_task",
    "init_survey_tasks",
    "assemble_init_survey",
    "sweep_init_survey",
    "SOLVED",
    "init_survey_results",
    "init_survey_summary",
    "survey_groups",
    "compare_inits",
    "separation_chance",
    "OFF_CHANCE",
    "best_per_panel",
    "comparison_counts",
    "lorenz_one_step_baselines",
    "initial_edges",
    "init_survey_verdicts",
    "panel_names",
    "init_model",
    "init_comparison_task",
    "init_tasks",
    "assemble_init_comparison",
    "sweep_init_comparison",
    "lorenz_training_series",
    "TRAINABILITY_MAP",
    "trainability_map_tasks",
    "assemble_trainability_map",
    "sweep_trainability_map",
    "TRAINABILITY_MAP_DELAYS",
]

#: Delay task, N = 64 networks built from RandomRNN at each gain.
TRAINABILITY: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"archs": ["rnn", "minimalrnn", "gru"], "n": 64, "bias_std": 0.5,
                "input_scale": 1.0, "gains": [0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0],
                "delays": [10, 25], "seeds": [0], "steps": 300, "batch": 64, "lr": 3e-3},
    "paper": {"archs": ["rnn", "minimalrnn", "gru"], "n": 128, "bias_std": 0.5,
              "input_scale": 1.0, "gains": np.round(np.arange(0.25, 4.01, 0.25), 2).tolist(),
              "delays": [10, 25, 50], "seeds": [0, 1, 2], "steps": 1000, "batch": 64,
              "lr": 3e-3},
})

#: Initialisations compared (name -> gain_factor; None = PyTorch's default).
INITS: Mapping[str, float | None] = freeze({"default": None, "critical x0.5": 0.5,
                                            "critical x1": 1.0, "critical x1.5": 1.5})

#: The first comparison of initialisations (PyTorch's default against ``critical_init_``,
#: three seeds, 400 steps). Superseded by :data:`INIT_SURVEY`; no page reads it, and it is
#: kept so that its stored entry stays loadable.
INIT_COMPARISON: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"archs": ["gru", "lstm"], "hidden": 64, "bias_std": 0.5,
                "tasks": [["adding", 50], ["adding", 100], ["lorenz", 50]],
                "inits": list(INITS), "seeds": [0, 1, 2], "steps": 400, "batch": 64,
                "lr": 3e-3},
    "paper": {"archs": ["gru", "lstm"], "hidden": 128, "bias_std": 0.5,
              "tasks": [["adding", 50], ["adding", 100], ["adding", 200], ["lorenz", 50]],
              "inits": list(INITS), "seeds": list(range(5)), "steps": 2000, "batch": 64,
              "lr": 3e-3},
})

def trainability_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Train one RandomRNN-initialised network on the delay task; the loss curve."""
    torch.set_num_threads(1)
    net = RandomRNN(task["arch"], task["n"], task["gain"], task["bias_std"], input_dim=1,
                    input_scale=task["input_scale"], seed=task["seed"],
                    bias_mean=task.get("bias_mean"))
    res = train(model_from_random_rnn(net), "delay", task["delay"], steps=task["steps"],
                batch=task["batch"], lr=task["lr"], seed=task["seed"])
    return {"losses": res.losses, "final": np.array(res.final)}



def trainability_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (arch, delay, gain, seed)."""
    keys = ("n", "bias_std", "input_scale", "steps", "batch", "lr")
    return [{"arch": a, "gain": float(g), "delay": int(d), "seed": int(s),
             **{k: config[k] for k in keys}}
            for a in config["archs"] for d in config["delays"] for g in config["gains"]
            for s in config["seeds"]]


def assemble_trainability(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                          ) -> dict[str, np.ndarray]:
    """``final`` (A, D, G, S) and ``losses`` (A, D, G, S, K) normalised by chance."""
    shape = tuple(len(config[k]) for k in ("archs", "delays", "gains", "seeds"))
    return {"final": np.array([r["final"] for r in results]).reshape(shape),
            "losses": np.array([r["losses"] for r in results]).reshape(*shape, -1),
            "gains": np.asarray(config["gains"], float),
            "delays": np.asarray(config["delays"], float)}


def sweep_trainability(scale: str | None = None) -> Sweep:
    """The stored trainability sweep (entry ``trainability_<scale>``)."""
    scale = current_scale(scale)
    return Sweep(f"trainability_{scale}", TRAINABILITY[scale], trainability_tasks,
                 trainability_task, assemble_trainability)


#: Trainability over the phase diagram (Chen et al. 2018): the delay task at one delay, over the
#: gain and a second axis per cell — the bias spread ``s_b`` for the tanh RNN, the memory
#: gate's bias mean ``mu`` (spread ``bias_std``) for the gated cells.
TRAINABILITY_MAP: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"archs": ["rnn", "minimalrnn", "gru"], "n": 64, "bias_std": 0.5,
                "input_scale": 1.0, "gains": [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0,
                                              4.0],
                "rnn_bias_stds": [0.0, 0.5, 1.0], "memory_means": [-1.0, 0.0, 1.0, 2.0, 4.0],
                "delay": 25, "seeds": [0, 1, 2], "steps": 1500, "batch": 64, "lr": 3e-3},
})


def _second_axis(config: Mapping[str, Any], arch: str) -> list[float]:
    return list(config["rnn_bias_stds"] if get_cell(arch).memory_gate is None
                else config["memory_means"])


def trainability_map_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (arch, second-axis value, gain, seed), seed outermost."""
    keys = ("n", "input_scale", "steps", "batch", "lr")
    tasks = []
    for s in config["seeds"]:
        for a in config["archs"]:
            memory = get_cell(a).memory_gate
            for v in _second_axis(config, a):
                spread = float(v) if memory is None else float(config["bias_std"])
                mean = None if memory is None else {memory: float(v)}
                tasks += [{"arch": a, "gain": float(g), "delay": int(config["delay"]),
                           "seed": int(s), "bias_std": spread, "bias_mean": mean,
                           **{k: config[k] for k in keys}} for g in config["gains"]]
    return tasks


def assemble_trainability_map(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                              ) -> dict[str, np.ndarray]:
    """``final_<arch>`` of shape (V, G, S): final loss / chance over the cell's second axis
    (``axis_<arch>``, V values), the gains (G) and the seeds (S)."""
    out: dict[str, np.ndarray] = {"gains": np.asarray(config["gains"], float)}
    tasks = trainability_map_tasks(config)
    for a in config["archs"]:
        axis = _second_axis(config, a)
        final = np.full((len(axis), len(config["gains"]), len(config["seeds"])), np.nan)
        for t, r in zip(tasks, results, strict=True):
            if t["arch"] != a:
                continue
            v = t["bias_std"] if t["bias_mean"] is None else next(iter(t["bias_mean"].values()))
            final[axis.index(v), config["gains"].index(t["gain"]),
                  config["seeds"].index(t["seed"])] = float(r["final"])
        out[f"final_{a}"] = final
        out[f"axis_{a}"] = np.asarray(axis, float)
    return out


#: Delays of the delay task at which the trainability map is drawn: a short one that a fixed
#: budget separates into trained and untrained starts, and :data:`TRAINABILITY_MAP`'s own.
TRAINABILITY_MAP_DELAYS: tuple[int, ...] = (10, 25)


def sweep_trainability_map(scale: str | None = None, delay: int | None = None) -> Sweep:
    """The trainability map over the phase diagram; defined at the default scale only.

    Parameters
    ----------
    scale : str, optional
        Only ``"default"``.
    delay : int, optional
        Delay of the task (>= 1); :data:`TRAINABILITY_MAP`'s own (25) by default, stored as
        ``trainability_map_<scale>``; another delay is stored as
        ``trainability_map_<scale>_delay<delay>``, with the rest of the configuration the same.
    """
    scale = current_scale(scale)
    if scale not in TRAINABILITY_MAP:
        raise ValueError(f"the trainability map is defined for {sorted(TRAINABILITY_MAP)}, "
                         f"got scale={scale!r}")
    config = TRAINABILITY_MAP[scale]
    name = f"trainability_map_{scale}"
    if delay is not None and check_int("delay", delay, 1) != config["delay"]:
        config = freeze({**thaw(config), "delay": int(delay)})
        name += f"_delay{delay}"
    return Sweep(name, config, trainability_map_tasks, trainability_task,
                 assemble_trainability_map)


def lorenz_training_series(n_steps: int = 20_000, seed: int = 0, root: Any = None
                           ) -> np.ndarray:
    """Lorenz-63 (reservoirpy, dt = 0.02), each component standardised, shape (n_steps, 3).

    Trajectory seed 0 is read from the results store
    (:func:`~gcrit_utils.experiments.forecasting.stored_series`, entry
    ``series_lorenz63_<n_steps>``): its integration depends on the CPU's BLAS kernels (see
    :data:`~gcrit_utils.experiments.forecasting.STORED_SERIES`). Other seeds are integrated
    here. ``root`` is the store folder (``results/`` by default).
    """
    return _training_series(n_steps, check_int("seed", seed, 0),
                            None if root is None else str(root)).copy()


@functools.lru_cache(maxsize=4)
def _training_series(n_steps: int, seed: int, root: str | None) -> np.ndarray:
    if seed == 0:
        s = stored_series("lorenz63", n_steps, root=root)
    else:
        s = system_series("lorenz63", n_steps, seed=seed)
    return ((s - s.mean(axis=0)) / s.std(axis=0)).astype(np.float32)


def init_model(arch: str, hidden: int, input_size: int, output_size: int, init: str,
               bias_std: float, seed: int) -> tuple[RecurrentRegressor, float]:
    """``nn.GRU``/``nn.LSTM`` (batch first) with a linear readout, initialised by PyTorch's
    default (``init="default"``) or by :func:`~gcrit_utils.init.critical_init_` with the
    gain factor of :data:`INITS`. Returns the model and its recurrent gain ``g``
    (PyTorch's default U(±1/sqrt(H)) is ``g = 1/sqrt(3)``)."""
    if init not in INITS:
        raise ValueError(f"init must be one of {tuple(INITS)}, got {init!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        core = get_cell(arch).make_module(input_size, hidden, batch_first=True)
        model = RecurrentRegressor(core, output_size)
    factor = INITS[init]
    if factor is None:
        return model, 1.0 / np.sqrt(3.0)
    g = critical_init_(core, bias_std=bias_std, gain_factor=factor, seed=seed)
    return model, g


def init_comparison_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Train one (arch, task, init, seed) of the training chapter; the loss curve."""
    torch.set_num_threads(1)
    name, length = task["task"], int(task["length"])
    d_in, d_out = {"adding": (2, 1), "lorenz": (3, 3)}[name]
    model, g = init_model(task["arch"], task["hidden"], d_in, d_out, task["init"],
                          task["bias_std"], task["seed"])
    series = lorenz_training_series() if name == "lorenz" else None
    res = train(model, name, length, steps=task["steps"], batch=task["batch"], lr=task["lr"],
                seed=task["seed"], series=series)
    return {"losses": res.losses, "final": np.array(res.final), "g": np.array(g)}



def init_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (arch, task, init, seed)."""
    keys = ("hidden", "bias_std", "steps", "batch", "lr")
    return [{"arch": a, "task": t, "length": int(n), "init": i, "seed": int(s),
             **{k: config[k] for k in keys}}
            for a in config["archs"] for t, n in config["tasks"] for i in config["inits"]
            for s in config["seeds"]]


def assemble_init_comparison(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                             ) -> dict[str, np.ndarray]:
    """``final`` (A, T, I, S), ``losses`` (A, T, I, S, K), ``g`` (A, T, I, S)."""
    shape = tuple(len(config[k]) for k in ("archs", "tasks", "inits", "seeds"))
    return {key: np.array([r[key] for r in results]).reshape(*shape, -1).squeeze(-1)
            if key != "losses" else np.array([r[key] for r in results]).reshape(*shape, -1)
            for key in ("final", "losses", "g")}


def sweep_init_comparison(scale: str | None = None) -> Sweep:
    """The first, superseded comparison of initialisations (entry
    ``init_comparison_<scale>``; see :data:`INIT_COMPARISON`)."""
    scale = current_scale(scale)
    return Sweep(f"init_comparison_{scale}", INIT_COMPARISON[scale], init_tasks,
                 init_comparison_task, assemble_init_comparison)


#: The survey of initialisations (training chapter): every initialisation of
#: :data:`gcrit_utils.init.INITIALISERS` on four tasks with long memory or real data, five
#: seeds. Tasks are (name, length): the adding problem and delayed recall (``length`` blank
#: steps) at 200, one-step Lorenz-63 forecasting on windows of 50, sequential 8x8 digits.
#: Tasks are ordered seed first, so that a partial fill holds whole seeds.
INIT_SURVEY: Mapping[str, Mapping[str, Any]] = freeze({
    "default": {"archs": ["gru", "lstm"], "hidden": 64,
                "tasks": [["adding", 200], ["copy", 200], ["lorenz", 50], ["digits", 64]],
                "inits": list(INITIALISERS), "seeds": list(range(5)), "steps": 2000,
                "batch": 64, "lr": 3e-3},
    "paper": {"archs": ["gru", "lstm"], "hidden": 128,
              "tasks": [["adding", 200], ["copy", 200], ["lorenz", 50], ["digits", 64]],
              "inits": list(INITIALISERS), "seeds": list(range(10)), "steps": 4000,
              "batch": 64, "lr": 3e-3},
})


def survey_model(arch: str, hidden: int, task: str, length: int, init: str, seed: int
                 ) -> RecurrentRegressor:
    """``nn.GRU``/``nn.LSTM`` (batch first) with a linear readout for ``task``, initialised
    by :func:`~gcrit_utils.init.initialise_` (chrono's longest delay: the sequence length).
    The module is built under ``seed``; so is every random draw of the initialisation."""
    d_in, d_out = TASK_SIZES[task]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        core = get_cell(arch).make_module(d_in, hidden, batch_first=True)
        model = RecurrentRegressor(core, d_out)
        initialise_(core, init, seed, length + 20 if task == "copy" else length)
    return model


def init_survey_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Train one (arch, task, init, seed) of the survey; the loss curve (loss / chance)."""
    torch.set_num_threads(1)
    name, length = task["task"], int(task["length"])
    model = survey_model(task["arch"], task["hidden"], name, length, task["init"], task["seed"])
    series = lorenz_training_series() if name == "lorenz" else None
    res = train(model, name, length, steps=task["steps"], batch=task["batch"], lr=task["lr"],
                seed=task["seed"], series=series)
    return {"losses": res.losses, "final": np.array(res.final)}


def init_survey_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (seed, arch, task, init), seed outermost."""
    keys = ("hidden", "steps", "batch", "lr")
    return [{"arch": a, "task": t, "length": int(n), "init": i, "seed": int(s),
             **{k: config[k] for k in keys}}
            for s in config["seeds"] for a in config["archs"] for t, n in config["tasks"]
            for i in config["inits"]]


def assemble_init_survey(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                         ) -> dict[str, np.ndarray]:
    """``final`` (A, T, I, S) and ``losses`` (A, T, I, S, K), from the seed-first task list."""
    shape = tuple(len(config[k]) for k in ("seeds", "archs", "tasks", "inits"))
    final = np.array([r["final"] for r in results], dtype=float).reshape(shape)
    losses = np.array([r["losses"] for r in results], dtype=float).reshape(*shape, -1)
    return {"final": np.moveaxis(final, 0, -1), "losses": np.moveaxis(losses, 0, -2)}


def sweep_init_survey(scale: str | None = None) -> Sweep:
    """The stored survey of initialisations (entry ``init_survey_<scale>``)."""
    scale = current_scale(scale)
    return Sweep(f"init_survey_{scale}", INIT_SURVEY[scale], init_survey_tasks,
                 init_survey_task, assemble_init_survey)


#: A run counts as solved when its final loss is below this fraction of chance.
SOLVED = 0.1

#: An initialisation is clearly off chance on a panel when every seed ends below this
#: fraction of chance (the top of its median interval, which is the worst seed at five seeds).
OFF_CHANCE = 0.9


def init_survey_results(scale: str | None = None, root: Any = None
                        ) -> tuple[list[dict[str, Any]], list[float]]:
    """The survey's finished runs: ``(tasks, final losses / chance)``, nothing computed.

    The stored entry when the survey is complete, else the runs of the resumable fill that
    are done (seed first, so whole seeds arrive together).
    """
    sweep = sweep_init_survey(scale)
    tasks = sweep.tasks()
    stored = sweep.stored(root)
    if stored is not None:
        cfg = sweep.params
        finals = []
        for t in tasks:
            a = cfg["archs"].index(t["arch"])
            k = [list(x) for x in cfg["tasks"]].index([t["task"], t["length"]])
            i = cfg["inits"].index(t["init"])
            finals.append(float(stored["final"][a, k, i, cfg["seeds"].index(t["seed"])]))
        return tasks, finals
    done, _ = sweep.finished(root)
    return [tasks[j] for j in sorted(done)], [float(done[j]["final"]) for j in sorted(done)]


def survey_groups(tasks: list[dict[str, Any]], finals: list[float]
                  ) -> dict[tuple[str, str, int, str], np.ndarray]:
    """The final losses of the survey's runs grouped by (cell, task, length, initialisation),
    in the order the groups first appear in ``tasks``; each array holds one value per seed
    (in the order of ``tasks``)."""
    if len(tasks) != len(finals):
        raise ValueError(f"tasks and finals differ in length: {len(tasks)} != {len(finals)}")
    groups: dict[tuple[str, str, int, str], list[float]] = {}
    for t, f in zip(tasks, finals, strict=True):
        groups.setdefault((t["arch"], t["task"], int(t["length"]), t["init"]), []).append(f)
    return {k: np.asarray(v, dtype=float) for k, v in groups.items()}


def init_survey_summary(tasks: list[dict[str, Any]], finals: list[float], level: float = 0.9
                        ) -> list[dict[str, Any]]:
    """Per (cell, task, initialisation): seeds, median final loss / chance with a
    distribution-free interval (:func:`~gcrit_utils.intervals.median_interval`), runs solved.

    Returns
    -------
    list of dict
        Keys ``arch``, ``task``, ``length``, ``init``, ``seeds``, ``median``, ``low``,
        ``high``, ``coverage``, ``solved`` (runs with final loss below :data:`SOLVED`),
        ``diverged`` (runs whose loss became NaN, recorded as ``inf`` by the training loop;
        they count as the worst values, so the median and interval stay defined), in the
        order the groups first appear in ``tasks``.
    """
    rows = []
    for (arch, task, length, init), values in survey_groups(tasks, finals).items():
        med, low, high, coverage = median_interval(values, level)
        rows.append({"arch": arch, "task": task, "length": length, "init": init,
                     "seeds": len(values), "median": med, "low": low, "high": high,
                     "coverage": coverage, "solved": int(np.sum(values < SOLVED)),
                     "diverged": int(np.sum(np.isinf(values)))})
    return rows


def compare_inits(tasks: list[dict[str, Any]], finals: list[float], reference: str,
                  chance: float = OFF_CHANCE) -> dict[tuple[str, str, int], dict[str, str]]:
    """Each initialisation against ``reference``, per (cell, task, length) panel.

    ``"lower"`` when every seed of the initialisation ends below every seed of the
    reference, ``"higher"`` when every seed ends above, ``"overlap"`` otherwise, and
    ``"chance"`` when every seed of both ends at or above ``chance`` (loss / chance), where
    an ordering would compare two failures. Complete separation is a strict test: with five
    seeds each, it happens by chance with probability 2/252 (either direction,
    :func:`separation_chance`) if the two initialisations do not differ.

    Returns
    -------
    dict
        Panel -> {initialisation -> "lower" | "higher" | "overlap" | "chance"} (the reference
        left out).

    Raises
    ------
    ValueError
        If ``reference`` is missing from a panel.
    """
    groups = survey_groups(tasks, finals)
    panels = list(dict.fromkeys(k[:3] for k in groups))
    out: dict[tuple[str, str, int], dict[str, str]] = {}
    for panel in panels:
        if (*panel, reference) not in groups:
            raise ValueError(f"reference {reference!r} has no runs in panel {panel}")
        ref = groups[(*panel, reference)]
        out[panel] = {}
        for key, values in groups.items():
            if key[:3] != panel or key[3] == reference:
                continue
            out[panel][key[3]] = (
                "chance" if min(values.min(), ref.min()) >= chance else
                "lower" if values.max() < ref.min() else
                "higher" if values.min() > ref.max() else "overlap")
    return out


def separation_chance(n_a: int, n_b: int) -> float:
    """Probability that ``n_a`` and ``n_b`` independent draws from one continuous
    distribution separate completely (every draw of one group below every draw of the other,
    either direction): ``2 / C(n_a + n_b, n_a)``; 2/252 at five seeds each.

    Raises
    ------
    ValueError
        If ``n_a`` or ``n_b`` is below 1.
    """
    n_a, n_b = check_int("n_a", n_a, 1), check_int("n_b", n_b, 1)
    return 2.0 / math.comb(n_a + n_b, n_a)


def best_per_panel(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    """The row of :func:`init_survey_summary` with the lowest median, per (cell, task,
    length) panel, in the order the panels first appear; ties go to the first row."""
    best: dict[tuple[str, str, int], dict[str, Any]] = {}
    for r in rows:
        panel = (r["arch"], r["task"], r["length"])
        if panel not in best or r["median"] < best[panel]["median"]:
            best[panel] = r
    return best


def comparison_counts(verdict: Mapping[tuple[str, str, int], Mapping[str, str]]
                      ) -> dict[str, dict[str, int]]:
    """How many panels of :func:`compare_inits` put each initialisation ``"lower"``,
    ``"overlap"``, ``"higher"`` or ``"chance"`` against the reference, in the order the
    initialisations first appear."""
    counts: dict[str, dict[str, int]] = {}
    for per_init in verdict.values():
        for init, kind in per_init.items():
            counts.setdefault(init, dict.fromkeys(("lower", "overlap", "higher", "chance"), 0)
                              )[kind] += 1
    return counts


def lorenz_one_step_baselines(n_steps: int = 20_000, root: Any = None) -> dict[str, float]:
    """One-step losses of two simple reference predictors on the training series of the
    ``"lorenz"`` task (:func:`lorenz_training_series`, trajectory seed 0), in units of
    chance (the series is standardised, so chance is 1 per component).

    Returns
    -------
    dict
        ``"persistence"``: predict ``x_{t+1} = x_t``; ``"linear from two states"``: the least-
        squares affine map from ``(x_t, x_{t-1})`` to ``x_{t+1}``, fitted on the same series
        (a linear autoregression of order two).
    """
    s = lorenz_training_series(n_steps, 0, root).astype(float)
    persistence = float(np.mean((s[1:] - s[:-1]) ** 2))
    design = np.c_[s[1:-1], s[:-2], np.ones(len(s) - 2)]
    coef, *_ = np.linalg.lstsq(design, s[2:], rcond=None)
    linear = float(np.mean((design @ coef - s[2:]) ** 2))
    return {"persistence": persistence, "linear from two states": linear}


def initial_edges(hidden: int = 1000, length: int = 200, seed: int = 0,
                  archs: tuple[str, ...] = ("gru", "lstm")) -> list[dict[str, Any]]:
    """Where each of :data:`~gcrit_utils.init.INITIALISERS` starts a module: the rightmost
    eigenvalue of its one-step Jacobian at ``h = 0, x = 0`` (autograd on the float64
    module, :func:`~gcrit_utils.init.module_zero_state_jacobian`; 1 is the edge).

    Parameters
    ----------
    hidden : int
        Hidden size ``H`` (the Jacobian is ``H x H``, ``2H x 2H`` for the LSTM).
    length : int
        Longest delay given to chrono initialisation.
    seed : int
        Seed of the module's construction and of the initialisation.
    archs : tuple of str
        Gated cells (``"gru"``, ``"lstm"``).

    Returns
    -------
    list of dict
        Keys ``arch``, ``init``, ``gain`` (the recurrent gain the initialisation sets, or
        NaN for those that keep or replace PyTorch's weights without a gain), ``rightmost``
        (largest real part of the Jacobian's eigenvalues).
    """
    hidden = check_int("hidden", hidden, 2)
    rows = []
    for arch in archs:
        for init, (apply, _) in INITIALISERS.items():
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                module = get_cell(arch).make_module(4, hidden).double()
            gain = apply(module, seed, length)
            jac = module_zero_state_jacobian(module).numpy()
            rows.append({"arch": arch, "init": init,
                         "gain": float(gain) if gain is not None else math.nan,
                         "rightmost": float(np.linalg.eigvals(jac).real.max())})
    return rows


def init_survey_verdicts(tasks: list[dict[str, Any]], finals: list[float], reference: str
                         ) -> list[dict[str, Any]]:
    """Per initialisation, the panels where it beats or loses to ``reference``
    (:func:`compare_inits`) and those where it has the lowest median
    (:func:`best_per_panel`).

    Returns
    -------
    list of dict
        One per initialisation, ``reference`` first, then in the order of ``tasks``; keys
        ``init``, ``lower``, ``higher``, ``overlap``, ``chance`` (lists of (cell, task,
        length) panels; empty for the reference) and ``best`` (panels it wins outright).
    """
    verdict = compare_inits(tasks, finals, reference)
    best = best_per_panel(init_survey_summary(tasks, finals))
    inits = [reference, *dict.fromkeys(t["init"] for t in tasks if t["init"] != reference)]
    out = []
    for init in inits:
        row: dict[str, Any] = {"init": init}
        for kind in ("lower", "higher", "overlap", "chance"):
            row[kind] = [p for p, per in verdict.items() if per.get(init) == kind]
        row["best"] = [p for p, r in best.items() if r["init"] == init]
        out.append(row)
    return out


def panel_names(panels: list[tuple[str, str, int]]) -> str:
    """``"GRU copy, LSTM Lorenz-63"``: survey panels (cell, task, length) named for prose,
    ``"none"`` for an empty list."""
    cells = {"gru": "GRU", "lstm": "LSTM"}
    return ", ".join(f"{cells.get(a, a)} {TASK_LABELS[t]}" for a, t, _ in panels) or "none"
