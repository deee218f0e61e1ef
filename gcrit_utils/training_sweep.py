"""Stored training experiments: trainability over gains (chapter 06) and critical versus
default initialisation of ``nn.GRU``/``nn.LSTM`` (chapter 09)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from ._validation import check_int
from .cells import RandomRNN
from .experiments import cached_sweep, current_scale
from .init import critical_init_
from .training import RecurrentRegressor, model_from_random_rnn, train

__all__ = [
    "TRAINABILITY",
    "trainability_task",
    "stored_trainability",
    "INIT_COMPARISON",
    "INITS",
    "init_model",
    "init_comparison_task",
    "stored_init_comparison",
    "lorenz_training_series",
]

#: Chapter 06: delay task, N = 64 networks built from RandomRNN at each gain.
TRAINABILITY: dict[str, dict[str, Any]] = {
    "default": {"archs": ["rnn", "minimalrnn", "gru"], "n": 64, "bias_std": 0.5,
                "input_scale": 1.0, "gains": [0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0],
                "delays": [10, 25], "seeds": [0], "steps": 300, "batch": 64, "lr": 3e-3},
    "paper": {"archs": ["rnn", "minimalrnn", "gru"], "n": 128, "bias_std": 0.5,
              "input_scale": 1.0, "gains": np.round(np.arange(0.25, 4.01, 0.25), 2).tolist(),
              "delays": [10, 25, 50], "seeds": [0, 1, 2], "steps": 1000, "batch": 64,
              "lr": 3e-3},
}

#: Chapter 09: initialisations compared (name -> gain_factor; None = PyTorch's default).
INITS: dict[str, float | None] = {"default": None, "critical x0.5": 0.5, "critical x1": 1.0,
                                  "critical x1.5": 1.5}

INIT_COMPARISON: dict[str, dict[str, Any]] = {
    "default": {"archs": ["gru", "lstm"], "hidden": 64, "bias_std": 0.5,
                "tasks": [["adding", 50], ["adding", 100], ["lorenz", 50]],
                "inits": list(INITS), "seeds": [0, 1, 2], "steps": 400, "batch": 64,
                "lr": 3e-3},
    "paper": {"archs": ["gru", "lstm"], "hidden": 128, "bias_std": 0.5,
              "tasks": [["adding", 50], ["adding", 100], ["adding", 200], ["lorenz", 50]],
              "inits": list(INITS), "seeds": list(range(5)), "steps": 2000, "batch": 64,
              "lr": 3e-3},
}


def trainability_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Train one RandomRNN-initialised network on the delay task; the loss curve."""
    torch.set_num_threads(1)
    net = RandomRNN(task["arch"], task["n"], task["gain"], task["bias_std"], input_dim=1,
                    input_scale=task["input_scale"], seed=task["seed"])
    res = train(model_from_random_rnn(net), "delay", task["delay"], steps=task["steps"],
                batch=task["batch"], lr=task["lr"], seed=task["seed"])
    return {"losses": res.losses, "final": np.array(res.final)}


def _trainability_tasks(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("n", "bias_std", "input_scale", "steps", "batch", "lr")
    return [{"arch": a, "gain": float(g), "delay": int(d), "seed": int(s),
             **{k: cfg[k] for k in keys}}
            for a in cfg["archs"] for d in cfg["delays"] for g in cfg["gains"]
            for s in cfg["seeds"]]


def stored_trainability(scale: str | None = None, root: Any = None, recompute: bool = False,
                        executor: Any = None) -> dict[str, np.ndarray]:
    """Chapter-06 trainability sweep: ``final`` (A, D, G, S) and ``losses`` (A, D, G, S, K)
    normalised by chance, from ``results/`` or computed."""
    scale = current_scale(scale)
    cfg = TRAINABILITY[scale]
    shape = (len(cfg["archs"]), len(cfg["delays"]), len(cfg["gains"]), len(cfg["seeds"]))

    def assemble(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        return {"final": np.array([r["final"] for r in results]).reshape(shape),
                "losses": np.array([r["losses"] for r in results]).reshape(*shape, -1),
                "gains": np.asarray(cfg["gains"], float),
                "delays": np.asarray(cfg["delays"], float)}

    return cached_sweep(f"trainability_{scale}", dict(cfg), _trainability_tasks(cfg),
                        trainability_task, assemble, root, recompute, executor)


@functools.lru_cache(maxsize=4)
def lorenz_training_series(n_steps: int = 20_000, seed: int = 0) -> np.ndarray:
    """Lorenz-63 (reservoirpy, dt = 0.02), each component standardised, shape (n_steps, 3).

    Trajectory seed 0 is read from the results store
    (:func:`~gcrit_utils.forecast_sweep.stored_series`, entry ``series_lorenz63_<n_steps>``):
    its integration depends on the CPU's BLAS kernels (see
    :data:`~gcrit_utils.forecast_sweep.STORED_SERIES`). Other seeds are integrated here.
    """
    from .forecast_sweep import stored_series
    from .systems import system_series

    seed = check_int("seed", seed, 0)
    if seed == 0:
        s = stored_series("lorenz63", n_steps)
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
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[arch]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        core = cls(input_size, hidden, batch_first=True)
        model = RecurrentRegressor(core, output_size)
    factor = INITS[init]
    if factor is None:
        return model, 1.0 / np.sqrt(3.0)
    g = critical_init_(core, bias_std=bias_std, gain_factor=factor, seed=seed)
    return model, g


def init_comparison_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Train one (arch, task, init, seed) of chapter 09; the loss curve."""
    torch.set_num_threads(1)
    name, length = task["task"], int(task["length"])
    d_in, d_out = {"adding": (2, 1), "lorenz": (3, 3)}[name]
    model, g = init_model(task["arch"], task["hidden"], d_in, d_out, task["init"],
                          task["bias_std"], task["seed"])
    series = lorenz_training_series() if name == "lorenz" else None
    res = train(model, name, length, steps=task["steps"], batch=task["batch"], lr=task["lr"],
                seed=task["seed"], series=series)
    return {"losses": res.losses, "final": np.array(res.final), "g": np.array(g)}


def _init_tasks(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("hidden", "bias_std", "steps", "batch", "lr")
    return [{"arch": a, "task": t, "length": int(n), "init": i, "seed": int(s),
             **{k: cfg[k] for k in keys}}
            for a in cfg["archs"] for t, n in cfg["tasks"] for i in cfg["inits"]
            for s in cfg["seeds"]]


def stored_init_comparison(scale: str | None = None, root: Any = None, recompute: bool = False,
                           executor: Any = None) -> dict[str, np.ndarray]:
    """Chapter-09 sweep: ``final`` (A, T, I, S), ``losses`` (A, T, I, S, K), ``g`` (A, T, I, S)."""
    scale = current_scale(scale)
    cfg = INIT_COMPARISON[scale]
    shape = (len(cfg["archs"]), len(cfg["tasks"]), len(cfg["inits"]), len(cfg["seeds"]))

    def assemble(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        return {key: np.array([r[key] for r in results]).reshape(*shape, -1).squeeze(-1)
                if key != "losses" else np.array([r[key] for r in results]).reshape(*shape, -1)
                for key in ("final", "losses", "g")}

    return cached_sweep(f"init_comparison_{scale}", dict(cfg), _init_tasks(cfg),
                        init_comparison_task, assemble, root, recompute, executor)
