import numpy as np
import pytest

from gcrit_utils.experiments.forecast_analysis import (
    forecast_summary,
    location_range,
    location_shifts,
    peak_and_cliff,
    plateau_end,
)
from gcrit_utils.experiments.forecasting import (
    FORECAST_ENTRIES,
    FORECAST_RATIOS,
    WINDOWS,
    assemble_forecast,
    entry_name,
    forecast_series,
    forecast_task,
    forecast_tasks,
    reference_gain,
    sweep_forecast,
)
from gcrit_utils.theory import critical_gain


def test_ratio_grid_matches_the_issue():
    r = np.array(FORECAST_RATIOS)
    assert len(r) >= 24 and np.all(np.diff(r) > 0) and r[-1] == 2.5 and r[0] < 0.05
    dense = r[(r >= 0.7) & (r <= 1.5)]
    assert len(dense) >= 15  # denser near g_c
    assert np.all(np.isclose(np.diff(dense), 0.05))


def test_peak_and_cliff():
    r = np.array([0.2, 0.5, 0.8, 1.0, 1.2])
    assert peak_and_cliff(r, [4.0, 5.0, 6.0, 2.9, 0.0]) == (0.8, 0.8)
    assert peak_and_cliff(r, [4.0, 5.0, 6.0, 3.0, 0.0]) == (0.8, 1.0)  # half the peak counts
    assert peak_and_cliff(r, [6.0, 5.0, 6.0, 5.0, 0.0]) == (0.2, 1.0)  # first maximum
    assert all(np.isnan(peak_and_cliff(r, np.zeros(5))))
    with pytest.raises(ValueError, match="same length"):
        peak_and_cliff(r, [1.0, 2.0])


def test_plateau_end():
    r = np.array([0.2, 0.5, 0.8, 1.0, 1.2])
    assert plateau_end(r, [6.0, 5.9, 5.5, 2.0, 0.0], 0.9) == 0.8  # 5.5 >= 0.9 * 6
    assert plateau_end(r, [6.0, 5.9, 5.3, 6.0, 0.0], 0.9) == 0.5  # first drop ends it
    assert plateau_end(r, [6.0, 5.9, 5.3, 6.0, 0.0]) == 1.0  # PLATEAU_LEVEL 0.75: no drop
    assert plateau_end(r, [6.0, 6.0, 6.0, 6.0, 6.0]) == 1.2
    assert plateau_end(r, [1.0, 2.0, 6.0, 2.0, 0.0]) == 0.2  # rising: no plateau
    assert np.isnan(plateau_end(r, np.zeros(5)))
    with pytest.raises(ValueError, match="level"):
        plateau_end(r, np.ones(5), level=0.0)


def test_location_range():
    rows = [{"arch": "gru", "readout": "linear", "cliff": 0.9},
            {"arch": "lstm", "readout": "linear", "cliff": 1.1},
            {"arch": "lstm", "readout": "squared", "cliff": 0.7},
            {"arch": "minimalrnn", "readout": "linear", "cliff": 2.5},
            {"arch": "rnn", "readout": "linear", "cliff": float("nan")}]
    assert location_range(rows, "cliff") == (0.7, 1.1, 3)
    assert location_range(rows, "cliff", readout="linear") == (0.9, 1.1, 2)
    assert location_range(rows, "cliff", archs=("minimalrnn",)) == (2.5, 2.5, 1)
    lo, hi, count = location_range(rows, "cliff", archs=("rnn",))
    assert np.isnan(lo) and np.isnan(hi) and count == 0


def test_location_shifts():
    inf = float("inf")
    before = [{"cliff": 0.90, "driven_crossing": 1.81}, {"cliff": 2.5, "driven_crossing": inf},
              {"cliff": 1.10, "driven_crossing": 1.20}]
    after = [{"cliff": 0.95, "driven_crossing": 1.63}, {"cliff": 2.5, "driven_crossing": inf},
             {"cliff": 1.10, "driven_crossing": inf}]
    shifts = location_shifts(list(zip(before, after, strict=True)),
                             keys=("cliff", "driven_crossing"))
    assert set(shifts) == {"cliff", "driven_crossing"}
    np.testing.assert_allclose(shifts["cliff"], [0.05, 0.0, 0.0], atol=1e-12)
    driven = shifts["driven_crossing"]
    assert driven[0] == pytest.approx(0.18)  # |1.63 - 1.81|, sign dropped
    assert np.isnan(driven[1])  # no crossing at either scale: not a shift
    assert np.isinf(driven[2])  # a crossing that leaves the grid is an infinite shift
    with pytest.raises(KeyError, match="peak"):
        location_shifts(list(zip(before, after, strict=True)))  # default keys need "peak"


def test_reference_gain_and_names():
    assert reference_gain("gru", 0.5) == pytest.approx(critical_gain("gru", 0.5))
    assert reference_gain("minimalrnn", 0.5) == 1.0
    names = {entry_name(system, sin, scale) for system, sin, _ in FORECAST_ENTRIES
             for scale in ("default", "paper")}
    assert len(names) == 2 * len(FORECAST_ENTRIES)  # one store entry per map and scale
    from gcrit_utils.experiments.forecasting import figure_name
    from gcrit_utils.figures import FIGURES

    # every map can be (re)computed through a figure of gcrit figures
    assert all(figure_name(system, sin) in FIGURES for system, sin, _ in FORECAST_ENTRIES)
    from gcrit_utils.figures.forecasting import SCALES_COMPARED, scales_figure_name

    assert all(scales_figure_name(*entry) in FIGURES for entry in SCALES_COMPARED)
    assert set(SCALES_COMPARED) == {(system, sin) for system, sin, _ in FORECAST_ENTRIES}
    with pytest.raises(ValueError, match="system, input_scale"):
        sweep_forecast("lorenz63", 0.3, "default")
    config = sweep_forecast("lorenz63", 0.1, "default").params
    with pytest.raises(ValueError, match="system"):
        forecast_tasks({**config, "system": "henon"})
    with pytest.raises(ValueError, match="input_scale"):
        forecast_tasks({**config, "input_scale": -0.1})
    for system, _, _ in FORECAST_ENTRIES:
        u, w = forecast_series(system), WINDOWS[system]
        train = u[w["washout"] : w["washout"] + w["train"]]
        assert np.all(np.isfinite(u)) and np.allclose(train.mean(axis=0), 0, atol=1e-10)
        assert np.allclose(train.std(axis=0), 1)  # normalised with training statistics


def test_small_task_assembles_and_summarises():
    config = {**sweep_forecast("lorenz63", 0.1, "default").params, "bias_stds": [0.5],
              "archs": ["gru", "minimalrnn"], "seeds": [0], "n": 40, "ratios": [0.5, 1.0, 2.0],
              "lyap_steps": 200, "lyap_warmup": 100}
    tasks = forecast_tasks(config)
    results = [forecast_task(t) for t in tasks]
    data = assemble_forecast(config, results)
    assert data["vpt"].shape == (2, 1, 1, 2, 3, 20)
    assert data["vpt_mean"].shape == (2, 1, 1, 2, 3)
    assert data["lyap_driven"].shape == (2, 1, 1, 3)
    assert np.all(np.isfinite(data["vpt"])) and np.all(data["vpt"] >= 0)
    # the driven exponent rises with the gain for the GRU (ordered at 0.5 g_c)
    assert data["lyap_driven"][0, 0, 0, 0] < data["lyap_driven"][0, 0, 0, 2]
    assert data["lyap_driven"][0, 0, 0, 0] < 0
    rows = forecast_summary(data)
    assert len(rows) == 4 and {r["readout"] for r in rows} == {"linear", "squared"}
    curves = data["vpt_mean"].mean(axis=2).reshape(4, 3)  # (arch x readout, gain), seed mean
    for row, curve in zip(rows, curves, strict=True):
        assert row["vpt_peak"] == pytest.approx(curve.max())
        assert row["vpt_worst"] == pytest.approx(curve.min())
        assert row["vpt_worst"] <= row["vpt_smallest_gain"] <= row["vpt_peak"]
        assert row["vpt_at_reference"] == pytest.approx(curve[1])  # ratios[1] == 1.0
    # off the grid: interpolated between neighbours; outside it: nan, never an extrapolation
    shifted = dict(data, ratios=np.array([0.5, 0.9, 2.0]))
    curve = curves[0]
    expected = curve[1] + (curve[2] - curve[1]) * (1.0 - 0.9) / (2.0 - 0.9)
    assert forecast_summary(shifted)[0]["vpt_at_reference"] == pytest.approx(expected)
    above = dict(data, ratios=np.array([1.5, 2.0, 2.5]))
    assert np.isnan(forecast_summary(above)[0]["vpt_at_reference"])
    again = forecast_task(tasks[0])
    assert all(np.array_equal(again[k], results[0][k]) for k in again)  # deterministic


def test_predictor_errors():
    from gcrit_utils.experiments.forecast_analysis import predictor_errors

    rows = [{"arch": "gru", "peak": 0.8, "cliff": 1.0, "driven_crossing": 1.1,
             "autonomous_crossing": float("inf")},
            {"arch": "lstm", "peak": 0.5, "cliff": 1.2, "driven_crossing": 1.2,
             "autonomous_crossing": 1.2},
            {"arch": "minimalrnn", "peak": 0.5, "cliff": 9.0, "driven_crossing": 1.0,
             "autonomous_crossing": 1.0}]
    err = predictor_errors(rows, "cliff")
    assert err["g_c"] == pytest.approx((np.log(1.2) / 2, np.log(1.2) / 2, 2))
    assert err["driven_crossing"] == pytest.approx((np.log(1.1) / 2, -np.log(1.1) / 2, 2))
    assert err["autonomous_crossing"] == pytest.approx((0.0, 0.0, 1))
    with pytest.raises(ValueError, match="target"):
        predictor_errors(rows, "width")


def _fake_map(diverged: bool) -> dict:
    """A forecasting map of the stored layout, with one network diverged (VPT 0, NRMSE inf)."""
    rng = np.random.default_rng(0)
    ratios = np.array([0.5, 1.0, 1.5])
    vpt = rng.uniform(0, 5, size=(1, 1, 2, 2, 3, 4))
    nrmse = rng.uniform(0, 1, size=(1, 1, 2, 2, 3))
    if diverged:
        vpt[0, 0, 1, :, 2] = 0.0
        nrmse[0, 0, 1, :, 2] = np.inf
    return {"vpt": vpt, "vpt_mean": vpt.mean(axis=-1), "nrmse_lyapunov_time": nrmse,
            "one_step_nrmse": nrmse, "ridge": np.full((1, 1, 2, 2, 3), 1e-6),
            "lyap_driven": np.tile([-0.1, 0.0, 0.1], (1, 1, 2, 1)),
            "lyap_autonomous": np.tile([-0.1, 0.01, 0.1], (1, 1, 2, 1)),
            "g_ref": np.array([[1.9]]), "g_mf": np.array([[np.nan]]), "ratios": ratios,
            "archs": np.array(["gru"]), "bias_stds": np.array([0.5]), "seeds": np.array([0, 1]),
            "readouts": np.array(["linear", "squared"])}


def test_a_diverged_reservoir_never_puts_nan_into_a_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gcrit_utils.figures.forecasting import figure_forecast_systems, figure_forecast_vs_gain

    data = _fake_map(diverged=True)
    for fig in (figure_forecast_vs_gain(data), figure_forecast_systems({"lorenz63": data})):
        for ax in fig.axes:
            for line in ax.get_lines():
                assert np.all(np.isfinite(np.asarray(line.get_ydata(), dtype=float)))
        plt.close(fig)
    rows = forecast_summary(data)
    assert all(np.isfinite(r["vpt_peak"]) for r in rows)
    data["vpt_mean"][0, 0, 0, 1, 0] = np.nan  # a NaN would be a bug upstream: refuse it
    with pytest.raises(ValueError, match="NaN"):
        figure_forecast_vs_gain(data)


def test_compare_scales_pairs_summaries_and_reports_them():
    from gcrit_utils.experiments.forecast_analysis import compare_scales
    from gcrit_utils.report import (
        scale_comparison_lines,
        scale_comparison_table,
        vpt_fraction_table,
    )

    before, after = _fake_map(diverged=False), _fake_map(diverged=False)
    after["vpt_mean"] = after["vpt_mean"] * 1.1  # every best VPT 10% higher
    after["lyap_driven"] = np.tile([-0.1, -0.05, -0.01], (1, 1, 2, 1))  # crossing leaves grid
    comp = compare_scales({("gru", 0.5): before}, {("gru", 0.5): after}, [("gru", 0.5)])
    pairs = comp["pairs"]
    assert [(group, rb["readout"], ra["readout"]) for group, rb, ra in pairs] == [
        (("gru", 0.5), "linear", "linear"), (("gru", 0.5), "squared", "squared")]
    np.testing.assert_allclose(comp["vpt_change"], [0.1, 0.1], rtol=1e-12)
    np.testing.assert_allclose(comp["shifts"]["cliff"], [0.0, 0.0])  # scaling keeps locations
    assert np.all(np.isinf(comp["shifts"]["driven_crossing"]))  # 1.0 -> none
    table = scale_comparison_table(pairs).splitlines()
    assert len(table) == 4 and "driven lambda=0" in table[0]
    assert "1.00 -> none" in table[2] and "gru" in table[2] and "0.5" in table[2]
    lines = scale_comparison_lines(comp, "big", "small").splitlines()
    assert "+10%" in lines[0] and "big" in lines[0] and "higher in 2" in lines[0]
    assert "cliff: moved in 0 of 2 rows, by at most 0.00" in lines
    fractions = vpt_fraction_table(pairs, {"at g_c": "vpt_at_reference"}).splitlines()
    assert "at g_c" in fractions[0] and len(fractions) == 4
    _, rb, ra = pairs[1]
    share = rb["vpt_at_reference"] / rb["vpt_peak"]  # scaling all VPTs keeps the fractions
    assert share == pytest.approx(ra["vpt_at_reference"] / ra["vpt_peak"])
    assert fractions[3].endswith(f"{share:.2f} -> {share:.2f}") and "squared" in fractions[3]
    with pytest.raises(KeyError, match="after"):
        compare_scales({("gru", 0.5): before}, {}, [("gru", 0.5)])
    assert "[samples]" in scale_comparison_table(pairs, "samples").splitlines()[0]


def test_best_vpt_change_in_standard_errors_and_one_step_summary():
    from gcrit_utils.experiments.forecast_analysis import compare_scales, peak_seeds
    from gcrit_utils.report import one_step_table

    before, after = _fake_map(diverged=False), _fake_map(diverged=False)
    after["vpt_mean"] = after["vpt_mean"] + 1.0  # every seed one unit higher
    seeds = peak_seeds(before, "squared")
    curve = before["vpt_mean"][0, 0, :, 1]  # (seeds, gains)
    assert np.array_equal(seeds, curve[:, np.argmax(curve.mean(axis=0))])
    comp = compare_scales({("gru", 0.5): before}, {("gru", 0.5): after}, [("gru", 0.5)])
    se = seeds.std(ddof=1) / np.sqrt(2)
    assert comp["vpt_change_z"][1] == pytest.approx(1.0 / np.hypot(se, se))
    one_seed = [{**m, "vpt_mean": m["vpt_mean"][:, :, :1]} for m in (before, after)]
    single = compare_scales(*({("gru", 0.5): m} for m in one_seed), [("gru", 0.5)])
    assert np.all(np.isnan(single["vpt_change_z"]))  # no scatter to measure: nan, no warning
    # the one-step NRMSE of the seed-mean curve: lowest value, its gain, the value at g_c
    (row, _), one = comp["pairs"][0][1:], before["one_step_nrmse"][0, 0, :, 0].mean(axis=0)
    assert row["one_step_min"] == one.min() and row["one_step_at_reference"] == one[1]
    assert row["one_step_min_at"] == before["ratios"][np.argmin(one)]
    table = one_step_table(comp["pairs"]).splitlines()
    assert [h.strip() for h in table[0].split(" | ")[2:]] == [
        "one-step NRMSE at smallest gain", "lowest", "at g/g_c", "at g_c"]
    assert row["one_step_smallest_gain"] == one[0]
    assert table[2].endswith(f"{one[1]:.4f} -> {one[1]:.4f}") and len(table) == 4


def test_predictor_errors_by_scale_and_their_lines():
    from gcrit_utils.experiments.forecast_analysis import (
        PREDICTORS,
        compare_scales,
        predictor_errors,
        predictor_errors_by_scale,
    )
    from gcrit_utils.report import predictor_error_lines

    before, after = _fake_map(diverged=False), _fake_map(diverged=False)
    after["lyap_driven"] = np.tile([-0.1, -0.05, -0.01], (1, 1, 2, 1))
    pairs = compare_scales({("gru", 0.5): before}, {("gru", 0.5): after},
                           [("gru", 0.5)])["pairs"]
    errs = predictor_errors_by_scale(pairs)
    assert list(errs) == [(1, "peak"), (1, "cliff"), (2, "peak"), (2, "cliff")]
    np.testing.assert_equal(errs[2, "cliff"],  # NaN where nothing is scored
                            predictor_errors([ra for _, _, ra in pairs], "cliff"))
    assert errs[2, "cliff"]["driven_crossing"][2] == 0  # no crossing after: nothing to score
    lines = predictor_error_lines(predictor_errors_by_scale(pairs, ("cliff",)),
                                  {2: "big", 1: "small"}).splitlines()
    assert len(lines) == 2 and lines[0].startswith("big: mean |ln(cliff / predictor)|")
    g_c = errs[1, "cliff"]["g_c"][0]
    assert lines[1].endswith(", ".join(f"{name} {errs[1, 'cliff'][name][0]:.2f}"
                                       for name in PREDICTORS))
    assert f"g_c {g_c:.2f}" in lines[1]
    with pytest.raises(ValueError, match="target"):
        predictor_errors_by_scale(pairs, ("plateau",))


def test_scale_comparison_report_is_its_four_blocks():
    from gcrit_utils.experiments.forecast_analysis import compare_scales, predictor_errors_by_scale
    from gcrit_utils.report import (
        VPT_FRACTIONS,
        predictor_error_lines,
        scale_comparison_lines,
        scale_comparison_report,
        scale_comparison_table,
        vpt_fraction_table,
    )

    before, after = _fake_map(diverged=False), _fake_map(diverged=False)
    after["vpt_mean"] = after["vpt_mean"] * 1.2
    comp = compare_scales({("gru", 0.5): before}, {("gru", 0.5): after}, [("gru", 0.5)],
                          ("cliff",))
    assert list(comp["errors"]) == [(1, "cliff"), (2, "cliff")]
    np.testing.assert_equal(comp["errors"], predictor_errors_by_scale(comp["pairs"], ("cliff",)))
    labels = {1: "small", 2: "big"}
    blocks = scale_comparison_report(comp, labels).split("\n\n")
    assert blocks == [scale_comparison_table(comp["pairs"]),
                      scale_comparison_lines(comp, "big", "small"),
                      predictor_error_lines(comp["errors"], labels),
                      vpt_fraction_table(comp["pairs"], VPT_FRACTIONS)]
    assert "+20%" in blocks[1].splitlines()[0]


def test_exponent_agreement_separates_ordered_from_chaotic():
    from gcrit_utils.experiments.forecast_analysis import ORDERED_BELOW, exponent_agreement
    from gcrit_utils.report import exponent_agreement_table

    first = {("gru", 0.5): {"lyap_autonomous": np.array([[-0.3, -0.01, 0.02]])},
             ("rnn", 0.5): {"lyap_autonomous": np.array([[-0.3, -0.2, -0.1]])}}
    second = {("gru", 0.5): {"lyap_autonomous": np.array([[-0.3 + 1e-16, -0.01, 0.03]])},
              ("rnn", 0.5): {"lyap_autonomous": np.array([[-0.3, -0.2, -0.1]])}}
    rows = exponent_agreement(first, second, [("gru", 0.5), ("rnn", 0.5)])
    assert rows[0]["group"] == ("gru", 0.5) and not rows[0]["equal"]
    assert rows[0]["ordered"] == pytest.approx(1e-16, rel=0.2)
    assert rows[0]["above"] == pytest.approx(0.01)
    assert rows[1]["equal"] and rows[1]["ordered"] == 0 and np.isnan(rows[1]["above"])
    # the threshold is where ordered ends: -0.01 is ordered at the default -0.002, not at -0.05
    assert ORDERED_BELOW == -0.002
    strict = exponent_agreement(first, second, [("gru", 0.5)], ordered_below=-0.5)
    assert np.isnan(strict[0]["ordered"]) and strict[0]["above"] == pytest.approx(0.01)
    table = exponent_agreement_table({"N = 5": rows}).splitlines()
    assert "ordered" in table[0] and "onset" in table[0]
    assert "gru" in table[2] and "1e-16" in table[2] and "0.010" in table[2]
    assert "rnn" in table[3] and table[3].rstrip().endswith("-")  # nothing above the onset


def test_provenance_table_shortens_commits():
    from gcrit_utils.report import provenance_table
    from gcrit_utils.runner import tasks_summary

    origin = [{"git_commit": "a" * 40, "processor": "EPYC", "created_utc": "2026-11-30"},
              {"processor": "EPYC", "created_utc": "2026-12-01"}]
    table = provenance_table({("lstm", 1.0): tasks_summary(origin)}).splitlines()
    assert table[2].split()[:1] == ["lstm"] and "2" in table[2]
    assert "aaaaaaa x1, unknown x1" in table[2] and "EPYC x2" in table[2]
    assert "2026-11-30 .. 2026-12-01" in table[2]


def test_slice_mismatches_tight_where_ordered_loose_where_chaotic():
    from gcrit_utils.experiments.forecast_checks import slice_mismatches

    stored = {"stored_one_step": np.array([[0.010, 0.020]]), "stored_vpt": np.array([[5.0, 1.0]]),
              "stored_driven": np.array([-0.02, 0.01])}  # ordered at the first gain only
    live = {"live_one_step": np.array([[0.010 * (1 + 5e-5), 0.020 * 1.3]]),
            "live_vpt": np.array([[5.2, 0.9]]), "live_driven": np.array([-0.021, 0.011])}
    assert slice_mismatches({**stored, **live}) == []
    live["live_one_step"] = np.array([[0.010 * (1 + 1e-3), 0.020]])  # 1e-3 where ordered
    (line,) = slice_mismatches({**stored, **live})
    assert line.startswith("one-step NRMSE (driven exponent < 0): relative deviation 0.001")
    live["live_one_step"] = np.array([[0.010, 0.020 * 1.6]])  # 60% where chaotic
    assert slice_mismatches({**stored, **live})[0].startswith("one-step NRMSE (driven exponent >=")
    assert slice_mismatches({**stored, **live}, {"one_step_chaotic": 0.7}) == []
    live["live_vpt"] = np.array([[4.0, 1.0]])
    assert any(m.startswith("VPT: absolute deviation 1") for m in slice_mismatches(
        {**stored, **live}))


def test_slice_tolerance_scales_with_the_rounding_noise_measured_in_the_check():
    from gcrit_utils.experiments.forecast_checks import rounding_noise, slice_mismatches

    check = {"stored_one_step": np.array([[0.010, 0.020]]),
             "live_one_step": np.array([[0.010 * (1 + 3e-4), 0.020]]),
             "stored_vpt": np.array([[5.0, 1.0]]), "live_vpt": np.array([[5.0, 1.0]]),
             "stored_driven": np.array([-0.02, 0.01]), "live_driven": np.array([-0.02, 0.01])}
    assert rounding_noise(check) == 0.0  # no reordered run: the floor 1e-4 alone
    (line,) = slice_mismatches(check)
    assert "> 0.0001 (the larger of 0.0001 and 10 x the rounding noise 0)" in line
    # reordering the sums moved the live value by 5e-5 where ordered (the chaotic gain's
    # 50% change does not count): the tolerance becomes 5e-4 and 3e-4 passes
    live = check["live_one_step"]
    check["reordered_one_step"] = np.array([[live[0, 0] * (1 + 5e-5), 0.030]])
    assert np.isclose(rounding_noise(check), 5e-5, rtol=1e-6)
    assert slice_mismatches(check) == []
    check["live_one_step"] = np.array([[0.010 * (1 + 1e-3), 0.020]])  # 1e-3: beyond 5e-4
    check["reordered_one_step"] = check["live_one_step"] * np.array([[1 + 5e-5, 1.5]])
    (line,) = slice_mismatches(check)
    assert line.startswith("one-step NRMSE (driven exponent < 0): relative deviation 0.001 > "
                           "0.0005")
    assert slice_mismatches(check, {"rounding_factor": 30.0}) == []
    # nothing ordered: no noise to measure
    assert rounding_noise({**check, "stored_driven": np.array([0.01, 0.02])}) == 0.0


def test_slice_report_prints_live_stored_and_echo_state():
    from gcrit_utils.report import slice_report

    one_step = np.array([[1.5e-6, 2e-5]])
    check = {"live_one_step": one_step, "stored_one_step": one_step,
             "live_vpt": np.array([[1.774, 0.5]]), "stored_vpt": np.array([[1.77, 0.5]]),
             "live_driven": np.array([-0.1, 0.02]), "stored_driven": np.array([-0.1, 0.02])}
    lines = slice_report(check, (0.3, 1.0)).splitlines()
    assert len(lines) == 5 and lines[0].startswith("one-step NRMSE, live  : [[1.5e-06")
    assert "1.77" in lines[2] and "VPT" in lines[2]
    assert "echo state" in lines[4] and "True False" in lines[4]
    check["reordered_one_step"] = one_step * np.array([[1 + 2e-5, 2.0]])
    lines = slice_report(check, (0.3, 1.0)).splitlines()
    assert len(lines) == 6 and "rounding noise" in lines[2] and "2e-05" in lines[2]


def test_entry_overview_summarises_the_map_after():
    from gcrit_utils.experiments.forecast_analysis import compare_scales, entry_overview
    from gcrit_utils.report import entry_overview_table

    before, after = _fake_map(diverged=False), _fake_map(diverged=False)
    after["vpt_mean"] = after["vpt_mean"] * 1.25
    comp = compare_scales({("gru", 0.5): before}, {("gru", 0.5): after}, [("gru", 0.5)])
    o = entry_overview(comp)
    rows = [ra for _, _, ra in comp["pairs"]]
    assert o["rows"] == 2
    assert o["vpt_change"] == pytest.approx((0.25, 0.25))
    assert o["peak"] == (min(r["peak"] for r in rows), max(r["peak"] for r in rows))
    fractions = [r["vpt_smallest_gain"] / r["vpt_peak"] for r in rows]
    assert o["smallest_gain_fraction"] == pytest.approx((min(fractions), max(fractions)))
    errors = comp["errors"][2, "cliff"]
    assert o["cliff_error_g_c"] == errors["g_c"][0]
    assert o["cliff_error_crossing"] == min(errors["driven_crossing"][0],
                                            errors["autonomous_crossing"][0])
    with pytest.raises(ValueError, match="archs"):
        entry_overview(comp, archs=("lstm",))
    table = entry_overview_table({"fake": o}).splitlines()
    assert len(table) == 3 and " +25% " in table[2] and "to" not in table[2]  # one value
    assert table[2].endswith(f"{o['cliff_error_g_c']:.2f} / {o['cliff_error_crossing']:.2f}")
