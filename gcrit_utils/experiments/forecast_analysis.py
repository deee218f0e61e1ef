"""What the forecasting maps say: peak, cliff and plateau of the VPT curves, where the
exponent crossings lie, how well each predictor locates them, and how a map changes between
scales."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import check_int
from ..lyapunov import CHAOS_THRESHOLD, first_crossing

__all__ = [
    "peak_and_cliff",
    "PLATEAU_LEVEL",
    "plateau_end",
    "forecast_summary",
    "location_intervals",
    "system_rows",
    "best_vpt_apart",
    "PREDICTORS",
    "predictor_errors",
    "ORDERED_BELOW",
    "exponent_agreement",
]

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
        grid), ``mean_field`` (the mean-field critical gain of the tanh RNN over ``g_ref``;
        ``nan`` for the other cells), ``driven_crossing, autonomous_crossing``;
        ``one_step_smallest_gain``, ``one_step_min`` and ``one_step_min_at`` (the seed-mean
        one-step NRMSE at the smallest gain, its lowest value and the ratio of that),
        ``one_step_at_reference`` (at ``g_ref``, as ``vpt_at_reference``). VPTs in Lyapunov
        times (in samples for a system without an exponent).
    """
    ratios = data["ratios"]
    g_ref = np.asarray(data["g_ref"], dtype=float)
    mean_field = np.asarray(data.get("g_mf", np.full_like(g_ref, np.nan)), dtype=float) / g_ref
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
                             "mean_field": mean_field[a, s],
                             "driven_crossing": first_crossing(ratios, driven, 0.0),
                             "autonomous_crossing": first_crossing(ratios, auto,
                                                                   CHAOS_THRESHOLD),
                             "one_step_smallest_gain": float(one_step[0]),
                             "one_step_min": float(one_step.min()),
                             "one_step_min_at": float(ratios[int(np.argmin(one_step))]),
                             "one_step_at_reference": float(np.interp(
                                 1.0, ratios, one_step, left=np.nan, right=np.nan))})
    return rows


def location_intervals(data: Mapping[str, np.ndarray], arch: str, bias_std: float,
                       readout: str = "squared", n_boot: int = 2000, level: float = 0.9,
                       seed: int = 0) -> dict[str, tuple[float, float, float]]:
    """Peak and cliff of one seed-mean VPT curve with bootstrap intervals over seeds.

    The seeds are resampled with replacement ``n_boot`` times; each resample's seed-mean
    curve gives a peak and a cliff (:func:`peak_and_cliff`). The interval is the central
    ``level`` of those; on a flat curve the peak's interval is wide, which is the point.

    Parameters
    ----------
    data : mapping
        A forecasting map holding ``arch`` and ``bias_std``.
    arch, bias_std, readout : str, float, str
        The curve.
    n_boot : int
        Bootstrap resamples (>= 100).
    level : float
        Coverage of the interval, in (0, 1).
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``"peak"`` and ``"cliff"`` -> (estimate on all seeds, lower, upper) in ``g / g_ref``.
    """
    check_int("n_boot", n_boot, minimum=100)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    a = list(data["archs"]).index(arch)
    s = [float(b) for b in data["bias_stds"]].index(float(bias_std))
    k = list(data["readouts"]).index(readout)
    ratios = np.asarray(data["ratios"], dtype=float)
    seeds = np.asarray(data["vpt_mean"], dtype=float)[a, s, :, k]  # (S, G)
    draws = np.random.default_rng(seed).integers(0, len(seeds), (n_boot, len(seeds)))
    boot = np.array([peak_and_cliff(ratios, seeds[d].mean(axis=0)) for d in draws])
    tail = 50 * (1 - level)
    out = {}
    for j, key in enumerate(("peak", "cliff")):
        lo, hi = np.nanpercentile(boot[:, j], [tail, 100 - tail])
        out[key] = (peak_and_cliff(ratios, seeds.mean(axis=0))[j], float(lo), float(hi))
    return out


def system_rows(maps: Mapping[str, Mapping[str, np.ndarray]],
                archs: Sequence[str] = ("rnn", "gru", "lstm"), bias_std: float = 0.5,
                readout: str = "squared", n_boot: int = 2000, level: float = 0.9,
                seed: int = 0) -> list[dict[str, Any]]:
    """One row per (map, cell): the best VPT, where it lies, and what ``g_c`` keeps of it.

    Parameters
    ----------
    maps : mapping
        Name -> forecasting map (every one holding ``archs`` and ``bias_std``).
    archs, bias_std, readout
        The curves summarised.
    n_boot, level, seed
        Of :func:`location_intervals`.

    Returns
    -------
    list of dict
        Keys ``name, arch, vpt_best`` (seed-mean curve's maximum), ``vpt_best_se`` (standard
        error over seeds at that gain), ``peak, cliff`` ((estimate, lower, upper) in
        ``g / g_ref``), ``at_g_c`` and ``at_smallest_gain`` (the VPT there over the best),
        ``mean_field`` (the tanh RNN's mean-field ``g_c`` over ``g_ref``; ``nan`` otherwise).
    """
    rows = []
    for name, data in maps.items():
        summary = {(r["arch"], r["bias_std"], r["readout"]): r for r in forecast_summary(data)}
        for arch in archs:
            r = summary[(arch, float(bias_std), readout)]
            a = list(data["archs"]).index(arch)
            s = [float(b) for b in data["bias_stds"]].index(float(bias_std))
            k = list(data["readouts"]).index(readout)
            seeds = np.asarray(data["vpt_mean"], dtype=float)[a, s, :, k]
            best = int(np.argmax(seeds.mean(axis=0)))
            rows.append({"name": name, "arch": arch, "vpt_best": r["vpt_peak"],
                         "vpt_best_se": _standard_error(seeds[:, best]),
                         **location_intervals(data, arch, bias_std, readout, n_boot, level,
                                              seed),
                         "at_g_c": r["vpt_at_reference"] / r["vpt_peak"],
                         "at_smallest_gain": r["vpt_smallest_gain"] / r["vpt_peak"],
                         "mean_field": r["mean_field"]})
    return rows


def best_vpt_apart(a: Mapping[str, Any], b: Mapping[str, Any], n_se: float = 2.0) -> bool:
    """Whether two rows of :func:`system_rows` differ in best VPT by more than ``n_se``
    standard errors of the difference, ``sqrt(se_a**2 + se_b**2)``."""
    if n_se <= 0:
        raise ValueError(f"n_se must be positive, got {n_se}")
    se = float(np.hypot(a["vpt_best_se"], b["vpt_best_se"]))
    return abs(a["vpt_best"] - b["vpt_best"]) > n_se * se


def _standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


#: Candidate predictors of the VPT optimum, as keys of :func:`forecast_summary` rows
#: (``g_c`` is the ratio 1 itself; ``mean_field`` exists for the tanh RNN only).
PREDICTORS: tuple[str, ...] = ("g_c", "driven_crossing", "autonomous_crossing")


def predictor_errors(rows: Sequence[dict[str, Any]], target: str = "cliff",
                     predictors: Sequence[str] = PREDICTORS
                     ) -> dict[str, tuple[float, float, int]]:
    """How well each predictor locates ``target`` (``"peak"`` or ``"cliff"``).

    For every row of :func:`forecast_summary` (minimalRNN rows excluded: they have no
    ``g_c``) with finite values, the error is ``ln(target / predictor)`` (0.1 = 10% above).

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`forecast_summary`.
    target : {"peak", "cliff"}
    predictors : sequence of str
        Keys of the rows (``"g_c"`` is the ratio 1), default :data:`PREDICTORS`.

    Returns
    -------
    dict
        predictor -> (mean of ``|error|``, mean of the signed error, number of rows used).
    """
    if target not in ("peak", "cliff"):
        raise ValueError(f"target must be 'peak' or 'cliff', got {target!r}")
    out = {}
    for name in predictors:
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
