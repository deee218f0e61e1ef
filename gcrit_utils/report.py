"""Plain-text tables for the chapters' "What we measured" boxes.

Printed text (not HTML) so that nbval compares every number the book shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["format_table", "mean_and_error", "crossing_summary", "provenance_table",
           "COMPARED_COLUMNS", "scale_comparison_table", "scale_comparison_lines",
           "vpt_fraction_table", "predictor_error_lines", "slice_report",
           "VPT_FRACTIONS", "scale_comparison_report", "one_step_table",
           "entry_overview_table",
           "exponent_agreement_table"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Align ``rows`` under ``headers`` in a pipe table (cells are converted with ``str``).

    Parameters
    ----------
    headers : sequence of str, length C
    rows : sequence of sequences, each of length C

    Returns
    -------
    str
        One line per row, columns right-aligned and separated by vertical bars.
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    if any(len(r) != len(headers) for r in cells):
        raise ValueError("every row must have as many cells as headers")
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def mean_and_error(values: Sequence[float] | np.ndarray, digits: int = 3) -> str:
    """``"mean ± sem"`` of ``values`` (standard error over the samples), rounded.

    With one value, only the value is shown.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("values must not be empty")
    if x.size == 1:
        return f"{x[0]:.{digits}f}"
    sem = x.std(ddof=1) / np.sqrt(x.size)
    return f"{x.mean():.{digits}f} ± {sem:.{digits}f}"


def crossing_summary(values: Sequence[float] | np.ndarray, upper: float, digits: int = 3) -> str:
    """``mean ± sem`` of crossing points, saying how many were beyond the scanned range.

    Parameters
    ----------
    values : array_like
        One crossing per seed; ``inf`` where none was found up to ``upper``.
    upper : float
        End of the scanned range.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = x[np.isfinite(x)]
    if finite.size == x.size:
        return mean_and_error(finite, digits)
    beyond = f"> {upper:.{digits}g} in {x.size - finite.size}/{x.size} seeds"
    if finite.size == 0:
        return beyond
    return f"{mean_and_error(finite, digits)} ({finite.size} seeds); {beyond}"


def _counts(values: Mapping[str, int]) -> str:
    """``"abc1234 x3, unknown x1"``: git hashes shortened to 7 characters."""
    return ", ".join(f"{k[:7] if len(k) == 40 else k} x{v}" for k, v in values.items())


def provenance_table(summaries: Mapping[tuple[str, float], Mapping[str, Any]]) -> str:
    """Where the reservoirs of each (arch, s_b) group were computed.

    Parameters
    ----------
    summaries : mapping
        ``(arch, s_b)`` -> :func:`gcrit_utils.runner.tasks_summary` of its reservoirs.

    Returns
    -------
    str
        One row per group: count, CPUs, commits and the first/last write (UTC).
    """
    rows = [[arch, f"{sb:g}", str(s["count"]), _counts(s["processors"]),
             _counts(s["git_commits"]), f"{s['first_utc']} .. {s['last_utc']}"]
            for (arch, sb), s in summaries.items()]
    return format_table(["arch", "s_b", "reservoirs", "CPU", "commit", "written (UTC)"], rows)


def _arrow(before: float, after: float, digits: int = 2) -> str:
    def value(v: float) -> str:  # inf: no crossing inside the grid of gains
        return "none" if np.isinf(v) else f"{v:.{digits}f}"
    return f"{value(before)} -> {value(after)}"


#: Columns of :func:`scale_comparison_table`: (header, key of a forecast_summary row).
COMPARED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("best VPT [LT]", "vpt_peak"), ("peak", "peak"), ("cliff", "cliff"),
    ("plateau end", "plateau"), ("driven lambda=0", "driven_crossing"),
    ("autonomous g_lambda", "autonomous_crossing"))


def scale_comparison_table(pairs: Sequence[tuple[tuple[str, float], Mapping[str, Any],
                                                 Mapping[str, Any]]],
                           vpt_unit: str = "LT") -> str:
    """``before -> after`` of every location of paired forecast summaries.

    Parameters
    ----------
    pairs : sequence
        ``((arch, s_b), row_before, row_after)`` as
        :func:`gcrit_utils.experiments.forecast_analysis.compare_scales` returns them.
    vpt_unit : str
        Unit of the VPT in the header: ``"LT"`` (Lyapunov times) or e.g. ``"samples"``.
    """
    headers = [header.replace("[LT]", f"[{vpt_unit}]") for header, _ in COMPARED_COLUMNS]
    return format_table(
        ["arch", "s_b", "readout", *headers],
        [[arch, f"{sb:g}", rb["readout"], *(_arrow(rb[key], ra[key]) for _, key in
                                            COMPARED_COLUMNS)]
         for (arch, sb), rb, ra in pairs])


def vpt_fraction_table(pairs: Sequence[tuple[tuple[str, float], Mapping[str, Any],
                                             Mapping[str, Any]]],
                       columns: Mapping[str, str]) -> str:
    """``before -> after`` of VPTs as fractions of each row's best VPT (``vpt_peak``).

    Parameters
    ----------
    pairs : sequence
        ``((arch, s_b), row_before, row_after)`` as
        :func:`gcrit_utils.experiments.forecast_analysis.compare_scales` returns them.
    columns : mapping
        Header -> key of a VPT in the summary rows, e.g.
        ``{"at smallest gain": "vpt_smallest_gain", "at g_c": "vpt_at_reference"}``.
    """
    return format_table(
        ["arch", "readout", *(f"VPT {header} / best" for header in columns)],
        [[arch, rb["readout"], *(_arrow(rb[key] / rb["vpt_peak"], ra[key] / ra["vpt_peak"])
                                 for key in columns.values())]
         for (arch, _), rb, ra in pairs])


def scale_comparison_lines(comparison: Mapping[str, Any], after: str, before: str) -> str:
    """The change of the best VPT and the largest shift of each location, in words.

    Parameters
    ----------
    comparison : mapping
        As :func:`gcrit_utils.experiments.forecast_analysis.compare_scales` returns it.
    after, before : str
        Labels of the two maps, e.g.
        :func:`~gcrit_utils.experiments.forecasting.scale_label` of each.
    """
    gain = np.asarray(comparison["vpt_change"], dtype=float)
    lines = [f"best VPT at {after} vs {before}: {gain.min():+.0%} to {gain.max():+.0%} "
             f"({gain.size} rows, higher in {int(np.sum(gain > 0))})"]
    for key, values in comparison["shifts"].items():
        known = values[~np.isnan(values)]  # NaN: no crossing at either scale
        absent = len(values) - len(known)
        none = f"; no crossing at either scale in {absent}" if absent else ""
        if not known.size:
            lines.append(f"{key}: no crossing at either scale in any row")
            continue
        lines.append(f"{key}: moved in {np.sum(known > 1e-9)} of {len(known)} rows, "
                     f"by at most {known.max():.2f}{none}")
    return "\n".join(lines)


def predictor_error_lines(errors: Mapping[tuple[int, str], Mapping[str, Sequence[float]]],
                          labels: Mapping[int, str]) -> str:
    """One line per map and target: the mean ``|ln(target / predictor)|`` of each predictor.

    Parameters
    ----------
    errors : mapping
        ``(k, target)`` -> predictor -> (mean absolute error, ...), as
        :func:`gcrit_utils.experiments.forecast_analysis.predictor_errors_by_scale` returns it.
    labels : mapping
        ``k`` -> label of that map, e.g. ``{1: "N = 500, 3 seeds", 2: "N = 1000, 10 seeds"}``;
        lines follow its order, then the order of the targets.
    """
    return "\n".join(
        f"{labels[k]}: mean |ln({target} / predictor)|, tanh RNN, GRU, LSTM: "
        + ", ".join(f"{name} {err[0]:.2f}" for name, err in by_name.items())
        for k in labels for (kk, target), by_name in errors.items() if kk == k)


#: The fraction columns of :func:`scale_comparison_report`: VPT at the smallest gain and at
#: ``g_c`` (header -> key of the summary rows).
VPT_FRACTIONS: Mapping[str, str] = MappingProxyType(
    {"at smallest gain": "vpt_smallest_gain", "at g_c": "vpt_at_reference"})


def scale_comparison_report(comparison: Mapping[str, Any], labels: Mapping[int, str],
                            fractions: Mapping[str, str] = VPT_FRACTIONS,
                            vpt_unit: str = "LT") -> str:
    """Everything a scale comparison prints, in blocks separated by blank lines.

    The locations side by side (:func:`scale_comparison_table`), the change of the best VPT and
    the shifts in words (:func:`scale_comparison_lines`), the predictor errors
    (:func:`predictor_error_lines`) and VPTs as fractions of the best
    (:func:`vpt_fraction_table`).

    Parameters
    ----------
    comparison : mapping
        As :func:`gcrit_utils.experiments.forecast_analysis.compare_scales` returns it.
    labels : mapping
        ``{1: label before, 2: label after}``, e.g. the
        :func:`~gcrit_utils.experiments.forecasting.scale_label` of each scale.
    fractions : mapping
        Columns of the fraction table.
    vpt_unit : str
        As in :func:`scale_comparison_table`.
    """
    return "\n\n".join([
        scale_comparison_table(comparison["pairs"], vpt_unit),
        scale_comparison_lines(comparison, labels[2], labels[1]),
        predictor_error_lines(comparison["errors"], labels),
        vpt_fraction_table(comparison["pairs"], fractions)])


def one_step_table(pairs: Sequence[tuple[tuple[str, float], Mapping[str, Any],
                                         Mapping[str, Any]]]) -> str:
    """``before -> after`` of the seed-mean one-step NRMSE: at the smallest gain, its lowest
    value and where, and at g_c.

    Parameters
    ----------
    pairs : sequence
        ``((arch, s_b), row_before, row_after)`` as
        :func:`gcrit_utils.experiments.forecast_analysis.compare_scales` returns them.
    """
    columns = (("one_step_smallest_gain", ".4f"), ("one_step_min", ".4f"),
               ("one_step_min_at", ".2f"), ("one_step_at_reference", ".4f"))
    return format_table(
        ["arch", "readout", "one-step NRMSE at smallest gain", "lowest", "at g/g_c", "at g_c"],
        [[arch, rb["readout"], *(f"{format(rb[key], fmt)} -> {format(ra[key], fmt)}"
                                 for key, fmt in columns)]
         for (arch, _), rb, ra in pairs])


def entry_overview_table(overviews: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per forecasting entry, from
    :func:`~gcrit_utils.experiments.forecast_analysis.entry_overview`.

    Parameters
    ----------
    overviews : mapping
        Label of the entry -> its overview. Ranges print as ``lo-hi`` (the VPT change, in
        per cent, as ``lo to hi``; one value if both ends are equal), locations and fractions
        with two decimals.
    """
    def span(pair: Sequence[float], fmt: str) -> str:
        lo, hi = (format(v, fmt) for v in pair)
        return lo if lo == hi else f"{lo} to {hi}" if fmt.endswith("%") else f"{lo}-{hi}"

    return format_table(
        ["entry", "rows", "best VPT change", "peak", "cliff", "VPT at smallest gain / best",
         "cliff error: g_c / crossing"],
        [[label, o["rows"], span(o["vpt_change"], "+.0%"), span(o["peak"], ".2f"),
          span(o["cliff"], ".2f"), span(o["smallest_gain_fraction"], ".2f"),
          f"{o['cliff_error_g_c']:.2f} / {o['cliff_error_crossing']:.2f}"]
         for label, o in overviews.items()])


def exponent_agreement_table(agreement: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """Largest differences of an exponent between two maps, ordered and above the onset.

    Parameters
    ----------
    agreement : mapping
        Label of a pair of maps -> rows of
        :func:`gcrit_utils.experiments.forecast_analysis.exponent_agreement`.
    """
    def cell(value: float, fmt: str) -> str:
        return "-" if np.isnan(value) else format(value, fmt)

    return format_table(
        ["map", "arch", "max |difference|, ordered", "above the onset"],
        [[label, row["group"][0], cell(row["ordered"], ".0e"), cell(row["above"], ".3f")]
         for label, rows in agreement.items() for row in rows])


def slice_report(check: Mapping[str, np.ndarray], ratios: Sequence[float]) -> str:
    """Live and stored numbers of a recomputed slice, one quantity per line.

    With a ``reordered_one_step`` entry, a line gives the rounding noise that the check's
    tolerance scales (:func:`~gcrit_utils.experiments.forecast_checks.rounding_noise`).

    Parameters
    ----------
    check : mapping
        As :func:`gcrit_utils.experiments.forecast_checks.recompute_slice` returns it.
    ratios : sequence of float, shape (G,)
        The gains ``g / g_c`` of the slice (labels only).
    """
    ordered = np.asarray(check["stored_driven"]) < 0
    lines = [
        f"one-step NRMSE, live  : {np.array2string(check['live_one_step'], precision=6)}",
        f"one-step NRMSE, stored: {np.array2string(check['stored_one_step'], precision=6)}"]
    if "reordered_one_step" in check:
        from .experiments.forecast_checks import rounding_noise

        lines.append(f"rounding noise of the one-step NRMSE where ordered (float64 sums "
                     f"reordered): {rounding_noise(check):.2g} relative")
    return "\n".join([
        *lines,
        f"VPT (window mean), live  : {np.round(check['live_vpt'], 2)}",
        f"VPT (window mean), stored: {np.round(check['stored_vpt'], 2)}",
        f"driven exponent < 0 (echo state) at g/g_c = {', '.join(str(r) for r in ratios)}: "
        f"{ordered}"])
