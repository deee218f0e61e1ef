"""Which gain should a reservoir use? :func:`~gcrit_utils.tuning.tune_gain` scored on the
stored forecasting maps, beside the fixed rules a practitioner would otherwise use.

For every map of :data:`~gcrit_utils.experiments.forecasting.FORECAST_ENTRIES` (at ``s_b =
0.5``), every cell with a critical gain and every seed, one task runs ``tune_gain`` on the part
of the series *before* the map's test windows (the same network: same seed, size and input
scale), with the map's own gains up to ``1.2 g_c`` as candidates. The chosen gain's *test*
VPT is then read from the stored map, so the choice is scored on windows it never saw. The
fixed rules are read from the same maps: ``g = g_c``, ``0.9 g_c``, ``0.8 g_c`` and ``g = 1``
(a Gaussian ``W`` of spectral radius one, the default ``sr = 1`` of reservoirpy 0.4's
``Reservoir``).

The pooled rule, ``tune_gain(..., networks=POOL_NETWORKS)``, chooses for seed ``k`` by the mean
validation VPT of seeds ``k`` to ``k + POOL_NETWORKS - 1``. Its extra networks (the seeds after
the maps' last one) have their own validation runs (entry ``gain_choice_extra_<scale>``); only
seed ``k``'s test VPT is scored. The cross-validated rule, ``tune_gain(..., folds=4,
n_windows=5)`` (:data:`CV_VALIDATION`), has its own validation runs (``gain_choice_cv_<scale>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ..cells import get_cell
from ..forecast import READOUTS
from ..sweep import Sweep, freeze
from ..systems import SYSTEMS
from ..tuning import tune_gain
from .forecasting import (
    EXTRA_ARCHS,
    FORECAST_ARCHS,
    FORECAST_ENTRIES,
    FORECAST_RATIOS,
    FORECAST_SIZES,
    WINDOWS,
    forecast_series,
    reference_gain,
    sweep_forecast,
)
from .scale import current_scale

__all__ = [
    "BIAS_STD",
    "CANDIDATES",
    "CV_VALIDATION",
    "FIXED_RULES",
    "POOL_NETWORKS",
    "VALIDATION",
    "gain_choice_archs",
    "gain_choice_tasks",
    "gain_choice_task",
    "assemble_gain_choice",
    "sweep_gain_choice",
    "gain_choice_ready",
    "scored_archs",
    "score_gain_choice",
    "score_row",
    "seed_choices",
    "every_network_choice",
    "vpt_peaks",
    "worst_rows",
]

#: Bias spread of the scored maps (every entry holds it).
BIAS_STD = 0.5
#: The candidates of the scored search: the maps' own ratios up to 1.2 g_c (the best gain of
#: some maps lies far below g_c: the search reaches down to the smallest gain of the grid).
CANDIDATES: tuple[float, ...] = tuple(r for r in FORECAST_RATIOS if r <= 1.2)
#: Validation split of the series before the test windows (tuning.validation_layout); the
#: horizon is this many Lyapunov times, and never longer than the map's test horizon.
VALIDATION: Mapping[str, int] = freeze({"val": 500, "n_windows": 10, "sync": 100,
                                         "horizon_lyapunov_times": 10})
#: Blocked cross-validation (tune_gain's ``folds``): the series before the test windows, after
#: the washout, in ``folds`` blocks with ``n_windows`` validation windows each.
CV_VALIDATION: Mapping[str, int] = freeze({"folds": 4, "n_windows": 5, "sync": 100,
                                            "horizon_lyapunov_times": 10})
#: Networks of the pooled rule (``tune_gain(..., networks=POOL_NETWORKS)``).
POOL_NETWORKS = 3
#: Fixed rules: name -> the rule's g / g_c, as a function of g_c (only ``g = 1`` depends on it).
FIXED_RULES: Mapping[str, Callable[[float], float]] = MappingProxyType({
    "g = g_c": lambda g_c: 1.0,
    "g = 0.9 g_c": lambda g_c: 0.9,
    "g = 0.8 g_c": lambda g_c: 0.8,
    "g = 1 (spectral radius 1)": lambda g_c: 1.0 / g_c,
})


def gain_choice_archs(scale: str) -> tuple[str, ...]:
    """The cells scored at ``scale``: those of the maps that have a critical gain."""
    cells = (*FORECAST_ARCHS, *EXTRA_ARCHS[current_scale(scale)])
    return tuple(a for a in cells if get_cell(a).has_critical_gain)


def _horizon(system: str, lyapunov_times: int) -> int:
    """Validation horizon in samples: ``lyapunov_times`` Lyapunov times, at most the map's test
    horizon (which it is for a measured series without an exponent)."""
    spec = SYSTEMS[system]
    if spec.lyapunov_exponent is None:
        return WINDOWS[system]["horizon"]
    lyapunov_time = max(1, int(round(spec.lyapunov_time)))
    return min(WINDOWS[system]["horizon"], lyapunov_times * lyapunov_time)


def _task_validation(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a task adds about its validation split: nothing for the end-of-series windows of
    :data:`VALIDATION` (the stored tasks of that rule carry none), the split otherwise."""
    validation = dict(config["validation"])
    return {"validation": validation} if "folds" in validation else {}


def gain_choice_tasks(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One task per (entry, cell, seed), in that order."""
    return [{"system": system, "input_scale": float(sin), "arch": arch,
             "bias_std": float(config["bias_std"]), "n": int(config["n"]), "seed": int(seed),
             "dtype": config["dtype"], "ratios": [float(r) for r in config["ratios"]],
             **({"cell_params": dict(config["cell_params"][arch])}
                if arch in config.get("cell_params", {}) else {}),
             **_task_validation(config)}
            for system, sin in config["entries"] for arch in config["archs"]
            for seed in config["seeds"]]


def gain_choice_task(task: dict[str, Any]) -> dict[str, np.ndarray]:
    """Validation VPT (K, R) of every candidate on the series before the test windows."""
    import torch

    system = task["system"]
    w = WINDOWS[system]
    test_start = w["washout"] + w["train"] + w["val"]
    u = forecast_series(system)[:test_start]
    dt, lyap = SYSTEMS[system].vpt_scale
    cell = get_cell(task["arch"], **dict(task.get("cell_params", {})))
    # the stored end-window tasks carry no split: theirs is VALIDATION, which their entry's
    # configuration holds (so a change to it is a new entry, never a silent change of these)
    validation = dict(task.get("validation", VALIDATION))
    split = ({"folds": validation["folds"]} if "folds" in validation
             else {"val": validation["val"]})
    choice = tune_gain(cell, u, dt=dt, lyapunov_exponent=lyap, bias_std=task["bias_std"],
                       n=task["n"], input_scale=task["input_scale"], seed=task["seed"],
                       ratios=task["ratios"], readouts=READOUTS, washout=w["washout"],
                       n_windows=validation["n_windows"], sync=validation["sync"],
                       horizon=_horizon(system, validation["horizon_lyapunov_times"]),
                       dtype=getattr(torch, task["dtype"]), **split)
    return {"validation_vpt": choice.validation_vpt, "seconds": np.array(choice.seconds)}


def assemble_gain_choice(config: Mapping[str, Any], results: list[dict[str, np.ndarray]]
                         ) -> dict[str, np.ndarray]:
    """``validation_vpt`` (E, A, S, K, R) in Lyapunov times (samples for a measured series),
    ``seconds`` (E, A, S), ``ratios`` (K,) the candidates' g / g_c and ``readouts`` (R,)."""
    shape = (len(config["entries"]), len(config["archs"]), len(config["seeds"]))
    return {"validation_vpt": np.array([r["validation_vpt"] for r in results]).reshape(
                *shape, len(config["ratios"]), len(READOUTS)),
            "seconds": np.array([r["seconds"] for r in results]).reshape(shape),
            "ratios": np.asarray(config["ratios"]), "readouts": np.asarray(READOUTS)}


def sweep_gain_choice(scale: str | None = None, extra: bool = False, folds: int = 1) -> Sweep:
    """The stored validation runs of the gain choice (entry ``gain_choice_<scale>``); with
    ``extra`` those of the pooled rule's extra networks (``gain_choice_extra_<scale>``: the
    ``POOL_NETWORKS - 1`` seeds after the maps' last one, everything else the same); with
    ``folds = CV_VALIDATION["folds"]`` those of the cross-validated rule
    (``gain_choice_cv_<scale>``)."""
    folds = _check_folds(folds)
    if extra and folds > 1:
        raise ValueError("the pooled rule's extra networks are stored for folds=1 only")
    scale = current_scale(scale)
    archs = gain_choice_archs(scale)
    sizes = FORECAST_SIZES[scale]
    seeds = list(sizes["seeds"])
    if extra:
        seeds = list(range(max(seeds) + 1, max(seeds) + POOL_NETWORKS))
    config: dict[str, Any] = {
        "entries": [[system, sin] for system, sin, _ in FORECAST_ENTRIES],
        "archs": list(archs), "bias_std": BIAS_STD, "ratios": list(CANDIDATES),
        "n": sizes["n"], "seeds": seeds, "dtype": sizes["dtype"],
        "validation": dict(VALIDATION if folds == 1 else CV_VALIDATION)}
    params = {a: get_cell(a).params for a in archs if get_cell(a).params}
    if params:
        config["cell_params"] = params
    name = (f"gain_choice_extra_{scale}" if extra
            else f"gain_choice_cv_{scale}" if folds > 1 else f"gain_choice_{scale}")
    return Sweep(name, config, gain_choice_tasks, gain_choice_task, assemble_gain_choice)


def _check_folds(folds: int) -> int:
    """``folds`` of a stored rule: 1 or ``CV_VALIDATION["folds"]``."""
    allowed = (1, CV_VALIDATION["folds"])
    if isinstance(folds, bool) or folds not in allowed:
        raise ValueError(f"folds must be one of {allowed} (the stored validation runs), "
                         f"got {folds!r}")
    return int(folds)


def _check_networks(networks: int) -> int:
    """``networks`` of a scored rule, in ``[1, POOL_NETWORKS]``."""
    if isinstance(networks, bool) or not isinstance(networks, (int, np.integer)) \
            or not 1 <= networks <= POOL_NETWORKS:
        raise ValueError(f"networks must be an integer in [1, {POOL_NETWORKS}] (the stored "
                         f"validation runs), got {networks!r}")
    return int(networks)


def _validation_runs(scale: str, root: Any, networks: int, folds: int = 1) -> np.ndarray:
    """Validation VPT (E, A, S, K, R) the rule with ``networks`` networks and ``folds`` folds
    chooses by: seed ``k``'s is the mean over seeds ``k`` to ``k + networks - 1``.

    Raises
    ------
    FileNotFoundError
        Naming the entry that is not stored (nothing is computed).
    ValueError
        For ``networks`` or ``folds`` without stored runs.
    """
    networks, folds = _check_networks(networks), _check_folds(folds)
    if networks > 1 and folds > 1:
        raise ValueError("the pooled rule is stored for folds=1 only")
    if networks == 1:
        return _stored_validation(scale, root, extra=False, folds=folds)
    every = _every_network(scale, root)
    n_seeds = len(sweep_gain_choice(scale).config["seeds"])
    return np.stack([every[:, :, k:k + networks].mean(axis=2) for k in range(n_seeds)],
                    axis=2)


def _every_network(scale: str, root: Any) -> np.ndarray:
    """Validation VPT (E, A, S + POOL_NETWORKS - 1, K, R) of the end-window rule on every
    stored network: the maps' seeds, then the pooled rule's extra ones (consecutive seeds).

    Raises
    ------
    FileNotFoundError
        Naming the entry that is not stored (nothing is computed).
    ValueError
        If the seeds of the two entries are not consecutive (seed ``k`` pools ``k + 1``...).
    """
    seeds = [*sweep_gain_choice(scale).config["seeds"],
             *sweep_gain_choice(scale, extra=True).config["seeds"]]
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ValueError(f"the pooled rule needs consecutive seeds, the runs hold {seeds}")
    return np.concatenate([_stored_validation(scale, root, extra=False),
                           _stored_validation(scale, root, extra=True)], axis=2)


def _stored_validation(scale: str, root: Any, extra: bool, folds: int = 1) -> np.ndarray:
    """Stored validation VPT (E, A, S, K, R) of one entry (:func:`sweep_gain_choice`).

    Raises
    ------
    FileNotFoundError
        Naming the entry that is not stored (nothing is computed).
    """
    sweep = sweep_gain_choice(scale, extra=extra, folds=folds)
    data = sweep.stored(root)
    if data is None:
        raise FileNotFoundError(f"{sweep.name} is not in the store; compute it with "
                                f"sweep_gain_choice({scale!r}, extra={extra}, "
                                f"folds={folds}).load()")
    return np.asarray(data["validation_vpt"], dtype=float)


def _test_sweep(system: str, input_scale: float, arch: str, scale: str) -> Sweep:
    """The forecasting map that holds ``arch``'s test VPT."""
    return sweep_forecast(system, input_scale, scale,
                          FORECAST_ARCHS if arch in FORECAST_ARCHS else (arch,))


def scored_archs(scale: str | None = None, root: Any = None, networks: int = 1,
                 folds: int = 1) -> tuple[str, ...]:
    """The cells :func:`score_gain_choice` can score at ``scale`` from the store alone: the
    validation runs (of ``networks`` networks, ``folds`` folds) are stored, and so is the
    forecasting map of every entry for the cell. Empty if the validation runs are not stored."""
    scale = current_scale(scale)
    sweep = sweep_gain_choice(scale)
    try:
        _validation_runs(scale, root, networks, folds)
    except FileNotFoundError:
        return ()
    return tuple(arch for arch in sweep.config["archs"]
                 if all(_test_sweep(system, sin, arch, scale).stored(root) is not None
                        for system, sin in sweep.config["entries"]))


def gain_choice_ready(scale: str | None = None, root: Any = None, networks: int = 1,
                      folds: int = 1) -> bool:
    """Whether :func:`score_gain_choice` can score every cell at ``scale`` (with
    ``networks`` networks and ``folds`` folds) from the store alone: the validation runs and
    every forecasting map they are scored on are stored."""
    scale = current_scale(scale)
    wanted = tuple(sweep_gain_choice(scale).config["archs"])
    return scored_archs(scale, root, networks, folds) == wanted


def _test_map(system: str, input_scale: float, arch: str, scale: str, root: Any,
              cache: dict[str, Any] | None = None) -> np.ndarray:
    """Stored test VPT (S, R, G) of one cell at ``s_b = BIAS_STD`` on FORECAST_RATIOS.

    ``cache`` (name -> stored map) spares re-reading a map that holds several cells.

    Raises
    ------
    FileNotFoundError
        If the map is not stored (nothing is computed).
    ValueError
        If its seeds are not those of the validation runs, or a test VPT is not finite.
    """
    sweep = _test_sweep(system, input_scale, arch, scale)
    data = None if cache is None else cache.get(sweep.name)
    if data is None:
        data = sweep.stored(root)
        if data is None:
            raise FileNotFoundError(f"{sweep.name} is not in the store; compute it first "
                                    f"(GCRIT_SCALE={scale} gcrit figures)")
        if cache is not None:
            cache[sweep.name] = data
    seeds = [int(k) for k in data["seeds"]]
    if seeds != [int(k) for k in sweep_gain_choice(scale).config["seeds"]]:
        raise ValueError(f"{sweep.name} holds seeds {seeds}, the validation runs "
                         f"{list(sweep_gain_choice(scale).config['seeds'])}")
    a = list(data["archs"]).index(arch)
    s = list(np.asarray(data["bias_stds"], dtype=float)).index(BIAS_STD)
    test = np.asarray(data["vpt_mean"][a, s], dtype=float)
    if not np.all(np.isfinite(test)):
        raise ValueError(f"{sweep.name} holds {int(np.sum(~np.isfinite(test)))} non-finite "
                         f"test VPTs for {arch}")
    return test


def score_gain_choice(scale: str | None = None, root: Any = None, n_boot: int = 2000,
                      seed: int = 0, archs: Sequence[str] | None = None, networks: int = 1,
                      folds: int = 1) -> list[dict[str, Any]]:
    """Test VPT of the tuned gain and of the fixed rules, relative to the grid's best.

    Every row is scored by :func:`score_row` from the stored validation runs and forecasting
    map: the tuned gain and readout of every seed are those with the best validation VPT (with
    ``networks > 1``, the best mean over that seed and the next ``networks - 1``:
    ``tune_gain(..., networks=networks)``), scored by that seed's stored test VPT there.

    Parameters
    ----------
    scale : str, optional
        ``"default"`` (N = 500) or ``"paper"`` (N = 1000).
    root : path, optional
        Store folder.
    n_boot : int
        Bootstrap resamples of the seeds.
    seed : int
        Seed of the bootstrap; each row draws from its own generator, seeded by ``seed`` and
        the row's place among the validation runs, so a row's interval does not depend on
        which other cells are scored.
    archs : sequence of str, optional
        Cells to score (every cell of the validation runs by default; :func:`scored_archs`
        lists those whose maps are stored).
    networks : int
        Networks the choice pools, in ``[1, POOL_NETWORKS]``.
    folds : int
        1 (validation windows at the end of the series) or ``CV_VALIDATION["folds"]``
        (blocked cross-validation; with ``networks = 1`` only).

    Raises
    ------
    FileNotFoundError
        If the validation runs or a forecasting map are not stored (nothing is computed).
    ValueError
        If ``archs`` names a cell without validation runs, ``networks`` or ``folds`` has
        none stored, or the stored arrays do not fit together (:func:`score_row`).

    Returns
    -------
    list of dict
        One row per (system, input scale, cell): ``system``, ``input_scale``, ``arch`` and
        the keys of :func:`score_row`.
    """
    scale = current_scale(scale)
    sweep = sweep_gain_choice(scale)
    val = _validation_runs(scale, root, networks, folds)  # (E, A, S, K, R)
    config = sweep.config
    wanted = list(config["archs"]) if archs is None else list(archs)
    unknown = [a for a in wanted if a not in config["archs"]]
    if unknown:
        raise ValueError(f"archs {unknown} have no validation runs; choose from "
                         f"{list(config['archs'])}")
    maps: dict[str, Any] = {}
    rows = []
    for e, (system, sin) in enumerate(config["entries"]):
        for a, arch in enumerate(config["archs"]):
            if arch not in wanted:
                continue
            test = _test_map(system, sin, arch, scale, root, maps)
            row = score_row(test, val[e, a], reference_gain(arch, BIAS_STD),
                            ratios=config["ratios"], n_boot=n_boot,
                            rng=np.random.default_rng([seed, e, a]))
            rows.append({"system": system, "input_scale": float(sin), "arch": arch, **row})
    return rows


def score_row(test: np.ndarray, validation: np.ndarray, g_c: float, *,
              ratios: Sequence[float] = CANDIDATES, n_boot: int = 2000,
              rng: np.random.Generator | None = None) -> dict[str, Any]:
    """Score one (system, cell) row: the tuned choice and the fixed rules against the best.

    Seed ``k``'s tuned choice is the (candidate, readout) with the best ``validation[k]``; its
    score is ``test[k]`` there. The best is the largest seed-mean test VPT over the whole grid
    (every gain of :data:`~gcrit_utils.experiments.forecasting.FORECAST_RATIOS`, candidate or
    not, and every readout), and every fraction below divides by it. A fixed rule's value is
    the seed-mean test VPT at its gain, linearly interpolated between grid gains where needed,
    with whichever readout does better *on the test windows*: an advantage the tuned rule,
    which chooses its readout on validation windows, does not have.

    Parameters
    ----------
    test : ndarray, shape (S, R, G)
        Test VPT of S seeds, R readouts (:data:`~gcrit_utils.forecast.READOUTS`) and the G
        gains of ``FORECAST_RATIOS``, in any unit (the fractions have none).
    validation : ndarray, shape (S, K, R)
        Validation VPT of the same seeds (pooled over networks if the rule pools) at the K
        candidates ``ratios``.
    g_c : float
        The cell's critical gain at the row's bias spread (places ``g = 1`` on the grid).
    ratios : sequence of float
        The candidates' g / g_c, each a gain of ``FORECAST_RATIOS``.
    n_boot : int
        Bootstrap resamples of the seeds (at least 1).
    rng : numpy.random.Generator, optional
        Of the bootstrap (``default_rng(0)`` if omitted).

    Returns
    -------
    dict
        ``best`` (seed-mean test VPT, ``test``'s unit) and ``best_ratio`` (its g / g_c);
        ``tuned`` (mean over seeds of the chosen test VPT, over ``best``); ``tuned_low`` and
        ``tuned_high`` (2.5 and 97.5 percentiles of ``tuned`` over bootstrap resamples of the
        seeds, the best recomputed in each; with a pooled rule, neighbouring seeds share
        networks, so the interval treats dependent choices as independent and is too narrow);
        ``tuned_ratios`` and ``tuned_readouts`` (each seed's choice); ``other_seeds`` (the
        fraction kept when each seed uses the candidate and readout with the best mean test
        VPT over the *other* seeds: a reference no rule can reach in practice, restricted to
        the candidates but divided by the whole grid's best); and one fraction per
        :data:`FIXED_RULES` name.

    Raises
    ------
    ValueError
        If the arrays' shapes do not fit together, a value is not finite, a candidate is not
        on the grid, or a fixed rule's gain falls outside the grid (it would be extrapolated).
    """
    test, validation = np.asarray(test, dtype=float), np.asarray(validation, dtype=float)
    grid = np.asarray(FORECAST_RATIOS)
    n_seeds = test.shape[0] if test.ndim == 3 else -1
    if test.shape != (n_seeds, len(READOUTS), grid.size):
        raise ValueError(f"test must have shape (S, {len(READOUTS)}, {grid.size}), got "
                         f"{test.shape}")
    if validation.shape != (n_seeds, len(ratios), len(READOUTS)):
        raise ValueError(f"validation must have shape ({n_seeds}, {len(ratios)}, "
                         f"{len(READOUTS)}) for these seeds and candidates, got "
                         f"{validation.shape}")
    if not np.all(np.isfinite(test)):
        raise ValueError("test VPT must be finite everywhere")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, got {n_boot!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    columns = _candidate_columns(ratios)
    chosen = _seed_picks(validation)
    tuned = np.array([test[k, r, columns[c]] for k, (c, r) in enumerate(chosen)])

    def fraction(sample: np.ndarray) -> float:
        return float(tuned[sample].mean() / test[sample].mean(axis=0).max())

    boot = [fraction(rng.integers(0, n_seeds, n_seeds)) for _ in range(n_boot)]
    mean = test.mean(axis=0)  # (R, G)
    best, _, best_g = _grid_best(mean)
    row = {"best": best, "best_ratio": float(grid[best_g]),
           "tuned": fraction(np.arange(n_seeds)),
           "tuned_low": float(np.percentile(boot, 2.5)),
           "tuned_high": float(np.percentile(boot, 97.5)),
           "tuned_ratios": [float(ratios[c]) for c, _ in chosen],
           "tuned_readouts": [str(READOUTS[r]) for _, r in chosen],
           "other_seeds": float(np.mean(_other_seeds_pick(test[:, :, columns])) / best)}
    for name, rule in FIXED_RULES.items():
        ratio = float(rule(g_c))
        if not grid[0] <= ratio <= grid[-1]:
            raise ValueError(f"the rule {name!r} sits at g / g_c = {ratio:.3g}, outside the "
                             f"maps' grid [{grid[0]}, {grid[-1]}]")
        row[name] = float(max(np.interp(ratio, grid, curve) for curve in mean) / best)
    return row


def _grid_best(mean: np.ndarray) -> tuple[float, int, int]:
    """The largest seed-mean test VPT of ``mean`` (R, G), with its readout and gain index."""
    r, g = np.unravel_index(int(np.argmax(mean)), mean.shape)
    return float(mean[r, g]), int(r), int(g)


def _candidate_columns(ratios: Sequence[float]) -> list[int]:
    """Columns of :data:`FORECAST_RATIOS` (a map's gain axis) holding ``ratios``.

    Raises
    ------
    ValueError
        If a ratio is not a gain of the grid.
    """
    grid = [float(r) for r in FORECAST_RATIOS]
    missing = [float(r) for r in ratios if float(r) not in grid]
    if missing:
        raise ValueError(f"candidates {missing} are not gains of the maps' grid {grid}")
    return [grid.index(float(r)) for r in ratios]


def _validation_choice(validation_vpt: np.ndarray) -> tuple[int, int]:
    """(candidate, readout) with the best validation VPT of one seed, shape (K, R).

    Raises
    ------
    ValueError
        If a validation VPT is not finite (``argmax`` would pick a ``nan``).
    """
    if not np.all(np.isfinite(validation_vpt)):
        raise ValueError("validation VPT must be finite everywhere; the stored runs hold "
                         f"{int(np.sum(~np.isfinite(validation_vpt)))} non-finite values")
    k, r = np.unravel_index(int(np.argmax(validation_vpt)), validation_vpt.shape)
    return int(k), int(r)


def _seed_picks(validation: np.ndarray) -> list[tuple[int, int]]:
    """Each seed's (candidate, readout) from its validation VPT, shape (S, K, R)."""
    return [_validation_choice(v) for v in validation]


def _other_seeds_pick(test: np.ndarray) -> np.ndarray:
    """Leave one seed out: each seed's test VPT at the (readout, gain) whose mean test VPT over
    the *other* seeds is largest. ``test`` has shape (S, R, K); returns shape (S,)."""
    n_seeds = test.shape[0]
    out = np.empty(n_seeds)
    for k in range(n_seeds):
        others = np.delete(test, k, axis=0).mean(axis=0)
        r, c = np.unravel_index(int(np.argmax(others)), others.shape)
        out[k] = test[k, r, c]
    return out


def seed_choices(system: str, input_scale: float, arch: str, scale: str | None = None,
                 root: Any = None, networks: int = 1, folds: int = 1
                 ) -> list[dict[str, Any]]:
    """What ``tune_gain`` chose for each seed of one row, and what the choice scored.

    Parameters
    ----------
    system, input_scale, arch
        The row (an entry of :data:`~gcrit_utils.experiments.forecasting.FORECAST_ENTRIES` and
        a scored cell).
    scale, root, networks, folds
        As in :func:`score_gain_choice`.

    Returns
    -------
    list of dict
        One per seed: ``ratio`` and ``readout`` chosen; ``validation`` (pooled over the
        networks) and ``test``, the mean VPT per readout at the chosen ratio (dicts keyed by
        readout, in the map's units); ``test_best``, the seed's best test VPT over the
        candidates and readouts.

    Raises
    ------
    FileNotFoundError
        If the validation runs or the map are not stored.
    ValueError
        If the row is not among the validation runs.
    """
    scale = current_scale(scale)
    sweep = sweep_gain_choice(scale)
    e, a = _row_index(sweep, system, input_scale, arch)
    val = _validation_runs(scale, root, networks, folds)[e, a]  # (S, K, R)
    idx = _candidate_columns(sweep.config["ratios"])
    test = _test_map(system, input_scale, arch, scale, root)[:, :, idx]  # (S, R, K)
    out = []
    for k, (c, r) in enumerate(_seed_picks(val)):
        out.append({"ratio": float(sweep.config["ratios"][c]), "readout": str(READOUTS[r]),
                    "validation": {str(name): float(val[k, c, j])
                                   for j, name in enumerate(READOUTS)},
                    "test": {str(name): float(test[k, j, c]) for j, name in enumerate(READOUTS)},
                    "test_best": float(test[k].max())})
    return out


def _row_index(sweep: Sweep, system: str, input_scale: float, arch: str) -> tuple[int, int]:
    """(entry, cell) indices of one row in the validation runs of ``sweep``.

    Raises
    ------
    ValueError
        If the row is not among the validation runs.
    """
    entries = [(s, float(i)) for s, i in sweep.config["entries"]]
    if (system, float(input_scale)) not in entries or arch not in sweep.config["archs"]:
        raise ValueError(f"no validation runs for ({system!r}, {input_scale}, {arch!r}); "
                         f"entries {entries}, cells {list(sweep.config['archs'])}")
    return (entries.index((system, float(input_scale))),
            list(sweep.config["archs"]).index(arch))


def every_network_choice(system: str, input_scale: float, arch: str,
                         scale: str | None = None, root: Any = None) -> dict[str, Any]:
    """One gain and readout for a whole row, chosen on every stored network's validation
    windows, and what it keeps on the test windows.

    The choice maximises the validation VPT (windows at the end of the series, :data:`VALIDATION`)
    averaged over every network with stored validation runs: the map's seeds and the pooled
    rule's extra ones. Averaging over many networks removes most of the choice's
    network-to-network noise, so if this choice still keeps little of the best, the validation
    windows rank the gains differently from the test windows however many networks are pooled.

    Parameters
    ----------
    system, input_scale, arch, scale, root
        As in :func:`seed_choices`.

    Returns
    -------
    dict
        ``networks`` (how many were pooled); ``ratio`` (g / g_c) and ``readout`` chosen, with
        ``validation`` (their mean validation VPT) and ``test`` (the maps' seed-mean test VPT
        there); ``best_ratio``, ``best_readout`` and ``best``: where the seed-mean test VPT is
        largest on the map's whole grid, and its value (the denominator of ``tuned`` in
        :func:`score_gain_choice`), with ``best_validation`` (the mean validation VPT there,
        ``nan`` if that gain is not a candidate); ``kept = test / best``.

    Raises
    ------
    FileNotFoundError
        If the validation runs (both entries) or the map are not stored.
    ValueError
        If the row is not among the validation runs, or a stored validation VPT is not finite.
    """
    scale = current_scale(scale)
    sweep = sweep_gain_choice(scale)
    e, a = _row_index(sweep, system, input_scale, arch)
    val = _every_network(scale, root)[e, a]  # (S', K, R)
    mean = val.mean(axis=0)  # (K, R)
    c, r = _validation_choice(mean)
    test = _test_map(system, input_scale, arch, scale, root).mean(axis=0)  # (R, G)
    ratios = list(sweep.config["ratios"])
    chosen = test[r, _candidate_columns(ratios)[c]]
    _, best_r, best_g = _grid_best(test)
    best_ratio = float(FORECAST_RATIOS[best_g])
    return {"networks": int(val.shape[0]), "ratio": float(ratios[c]),
            "readout": str(READOUTS[r]), "validation": float(mean[c, r]),
            "test": float(chosen), "best_ratio": best_ratio,
            "best_readout": str(READOUTS[best_r]), "best": float(test[best_r, best_g]),
            "best_validation": (float(mean[ratios.index(best_ratio), best_r])
                                if best_ratio in ratios else float("nan")),
            "kept": float(chosen / test[best_r, best_g])}


def vpt_peaks(system: str, input_scale: float, arch: str, scale: str | None = None,
               root: Any = None, within: float = 0.8) -> list[dict[str, Any]]:
    """The peaks of one row's seed-mean test VPT over the candidate gains.

    The curve is the better readout at each candidate; a peak is a candidate (or a flat top of
    equal candidates, reported at its left end) larger than its neighbours (an end needs only
    its one neighbour) and at least ``within`` times the curve's maximum.

    Parameters
    ----------
    system, input_scale, arch, scale, root
        As in :func:`seed_choices`.
    within : float
        Smallest peak kept, as a fraction of the largest, in ``(0, 1]``.

    Returns
    -------
    list of dict
        ``ratio`` (g / g_c), ``readout`` (the better one there) and ``vpt`` (seed mean), by
        increasing ratio.
    """
    if not 0 < within <= 1:
        raise ValueError(f"within must be in (0, 1], got {within}")
    scale = current_scale(scale)
    ratios = sweep_gain_choice(scale).config["ratios"]
    idx = _candidate_columns(ratios)
    mean = _test_map(system, input_scale, arch, scale, root)[:, :, idx].mean(axis=0)  # (R, K)
    curve, best_readout = mean.max(axis=0), mean.argmax(axis=0)
    return [{"ratio": float(ratios[k]), "readout": str(READOUTS[best_readout[k]]),
             "vpt": float(curve[k])} for k in _peak_indices(curve, within)]


def _peak_indices(curve: np.ndarray, within: float) -> list[int]:
    """Indices of the peaks of ``curve`` (K,) at least ``within`` times its maximum. A peak is
    a run of equal values (one value, or a flat top as VPTs capped at the horizon give) larger
    than its neighbours on both sides (an end needs only its one neighbour); a flat top is
    reported once, at its left end."""
    curve = np.asarray(curve, dtype=float)
    floor = within * curve.max()
    peaks, k = [], 0
    while k < curve.size:
        end = k
        while end + 1 < curve.size and curve[end + 1] == curve[k]:
            end += 1
        left = curve[k - 1] if k > 0 else -np.inf
        right = curve[end + 1] if end + 1 < curve.size else -np.inf
        if curve[k] > left and curve[k] > right and curve[k] >= floor:
            peaks.append(k)
        k = end + 1
    return peaks


def worst_rows(rows: Sequence[Mapping[str, Any]], key: str) -> tuple[float, str]:
    """The smallest ``row[key]`` and where it occurs (``system, cell``)."""
    row = min(rows, key=lambda r: r[key])
    return float(row[key]), f"{row['system']} (sigma_in {row['input_scale']:g}), {row['arch']}"
