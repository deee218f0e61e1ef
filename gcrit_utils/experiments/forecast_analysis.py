"""What the forecasting maps say: peak, cliff and plateau of the VPT curves, where the
exponent crossings lie, how well each predictor locates them, and how a map changes between
scales."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..lyapunov import CHAOS_THRESHOLD, first_crossing

__all__ = [
    "peak_and_cliff",
    "PLATEAU_LEVEL",
    "plateau_end",
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
