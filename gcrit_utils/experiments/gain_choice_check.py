"""The gain choice on systems the book does not forecast: which validation rule to trust.

Before a validation rule of :func:`~gcrit_utils.tuning.tune_gain` is scored on the book's
forecasting maps, it is compared on two systems the book never uses: the Rössler flow and the
Hénon map (reservoirpy's generators, their textbook Lyapunov exponents). For every (system,
cell, seed) one task computes, on the same reservoir and the same candidates as the book's
scores (:data:`~gcrit_utils.experiments.gain_choice.CANDIDATES`):

- the validation VPT of each rule on the first ``TUNE_LENGTH`` samples: validation windows at
  the end (``folds = 1``, :data:`~gcrit_utils.experiments.gain_choice.VALIDATION`) and blocked
  cross-validation (:data:`~gcrit_utils.experiments.gain_choice.CV_VALIDATION`);
- the test VPT of every candidate on 20 windows after them
  (:func:`~gcrit_utils.forecast.forecast_gains` with its default split).

A rule's score on a (system, cell) row is, as on the book's maps, the seed mean of the test VPT
at each seed's choice over the best seed-mean test VPT of the candidates.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cells import get_cell
from ..forecast import READOUTS, forecast_gains
from ..sweep import Sweep, freeze
from ..systems import normalise
from ..theory import critical_gain
from ..tuning import lyapunov_time_samples, tune_gain
from .gain_choice import BIAS_STD, CANDIDATES, CV_VALIDATION, VALIDATION, _validation_choice

__all__ = ["CHECK_SYSTEMS", "CHECK_RULES", "TUNE_LENGTH", "check_series", "check_task",
           "sweep_gain_choice_check", "score_gain_choice_check"]

#: The held-out systems: reservoirpy generator and step, transient dropped, sampling interval
#: and largest Lyapunov exponent per time unit (Sprott, Chaos and Time-Series Analysis, 2003),
#: test horizon in samples (5 Lyapunov times for Rössler, 10 for Hénon; the validation windows
#: are as long, at most 10 Lyapunov times, as on the book's maps).
CHECK_SYSTEMS: Mapping[str, Mapping[str, Any]] = freeze({
    "rossler": {"label": "Rössler", "dt": 0.1, "lyapunov_exponent": 0.0714, "transient": 500,
                "horizon": 700},
    "henon": {"label": "Hénon map", "dt": 1.0, "lyapunov_exponent": 0.419, "transient": 100,
              "horizon": 24},
})
#: The rules compared: name -> tune_gain's split arguments.
CHECK_RULES: Mapping[str, Mapping[str, int]] = freeze({
    "end windows": {"val": VALIDATION["val"], "n_windows": VALIDATION["n_windows"],
                    "sync": VALIDATION["sync"]},
    "cross-validated": {"folds": CV_VALIDATION["folds"], "n_windows": CV_VALIDATION["n_windows"],
                        "sync": CV_VALIDATION["sync"]},
})
#: Samples the rules choose on; the test windows follow (forecast_gains' default split: washout
#: 500, training 5000, ridge validation 1000, then 20 windows 200 apart).
TUNE_LENGTH = 6500


def check_series(system: str) -> np.ndarray:
    """The normalised series of a held-out system, long enough for the test windows, (T, d)."""
    if system not in CHECK_SYSTEMS:
        raise ValueError(f"system must be one of {list(CHECK_SYSTEMS)}, got {system!r}")
    spec = CHECK_SYSTEMS[system]
    length = TUNE_LENGTH + 19 * 200 + spec["horizon"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import henon_map, rossler
    raw = (rossler(length + spec["transient"], h=spec["dt"]) if system == "rossler"
           else henon_map(length + spec["transient"]))
    return normalise(np.asarray(raw)[spec["transient"]:])[0]


def _validation_horizon(system: str) -> int:
    """Validation horizon: 10 Lyapunov times (as on the book's maps), at most the test's."""
    spec = CHECK_SYSTEMS[system]
    return min(spec["horizon"], VALIDATION["horizon_lyapunov_times"]
               * lyapunov_time_samples(spec["dt"], spec["lyapunov_exponent"]))


def _validation_key(rule: str) -> str:
    """Stored array of a rule's validation VPT: ``"end windows"`` -> ``validation_end_windows``."""
    return "validation_" + rule.replace(" ", "_").replace("-", "_")


def check_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (system, cell, seed), in that order."""
    return [{"system": system, "arch": arch, "seed": int(seed), "n": int(config["n"]),
             "bias_std": float(config["bias_std"]), "input_scale": float(config["input_scale"]),
             "ratios": [float(r) for r in config["ratios"]]}
            for system in config["systems"] for arch in config["archs"]
            for seed in config["seeds"]]


def check_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Validation VPT of each rule and test VPT, every candidate: arrays (K, R)."""
    system, arch = task["system"], task["arch"]
    spec = CHECK_SYSTEMS[system]
    u = check_series(system)
    cell = get_cell(arch)
    common = {"dt": spec["dt"], "lyapunov_exponent": spec["lyapunov_exponent"],
              "bias_std": task["bias_std"], "n": task["n"], "input_scale": task["input_scale"],
              "seed": task["seed"], "ratios": task["ratios"], "readouts": READOUTS,
              "horizon": _validation_horizon(system)}
    out = {}
    for rule, split in CHECK_RULES.items():
        choice = tune_gain(cell, u[:TUNE_LENGTH], **common, **split)
        out[_validation_key(rule)] = choice.validation_vpt
    gains = [r * critical_gain(cell, task["bias_std"]) for r in task["ratios"]]
    test = forecast_gains(cell, task["bias_std"], gains, task["n"], task["seed"], u,
                          spec["lyapunov_exponent"], spec["dt"], input_scale=task["input_scale"],
                          readouts=READOUTS, horizon=spec["horizon"])
    out["test_vpt"] = np.asarray(test["vpt_mean"]).T
    return out


def _assemble(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
              ) -> dict[str, np.ndarray]:
    """Every array (systems, cells, seeds, K, R)."""
    shape = (len(config["systems"]), len(config["archs"]), len(config["seeds"]),
             len(config["ratios"]), len(READOUTS))
    return {key: np.array([r[key] for r in results]).reshape(shape) for key in results[0]}


def sweep_gain_choice_check() -> Sweep:
    """The held-out systems' runs (entry ``gain_choice_check``): N = 500, 10 seeds."""
    config = {"systems": list(CHECK_SYSTEMS), "archs": ["rnn", "gru", "lstm", "leaky"],
              "seeds": list(range(10)), "n": 500, "bias_std": BIAS_STD, "input_scale": 0.1,
              "ratios": list(CANDIDATES), "rules": {k: dict(v) for k, v in CHECK_RULES.items()},
              "system_specs": {k: dict(v) for k, v in CHECK_SYSTEMS.items()},
              "tune_length": TUNE_LENGTH}
    return Sweep("gain_choice_check", config, check_tasks, check_task, _assemble)


def score_gain_choice_check(root: Any = None) -> list[dict[str, Any]]:
    """Per (system, cell): ``best`` test VPT (Lyapunov times) and each rule's fraction of it.

    Raises
    ------
    FileNotFoundError
        If the runs are not stored (nothing is computed).
    """
    sweep = sweep_gain_choice_check()
    data = sweep.stored(root)
    if data is None:
        raise FileNotFoundError(f"{sweep.name} is not in the store; compute it with "
                                f"sweep_gain_choice_check().load()")
    rows = []
    for i, system in enumerate(sweep.config["systems"]):
        for j, arch in enumerate(sweep.config["archs"]):
            test = data["test_vpt"][i, j]  # (S, K, R)
            best = float(test.mean(axis=0).max())
            row: dict[str, Any] = {"system": system, "arch": arch, "best": best}
            for rule in CHECK_RULES:
                picks = [_validation_choice(v) for v in data[_validation_key(rule)][i, j]]
                row[rule] = float(np.mean([t[k, r] for t, (k, r) in zip(test, picks,
                                                                         strict=True)]) / best)
            rows.append(row)
    return rows
