import numpy as np
import pytest

from gcrit_utils.experiments.forecast_analysis import (
    forecast_summary,
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

    from gcrit_utils.figures.forecasting import figure_forecast_vs_gain, figure_vpt_by_cell

    data = _fake_map(diverged=True)
    for fig in (figure_forecast_vs_gain(data),
                figure_vpt_by_cell({"lorenz63": data}, archs=("gru",))):
        for ax in fig.axes:
            for line in ax.get_lines():
                assert np.all(np.isfinite(np.asarray(line.get_ydata(), dtype=float)))
        plt.close(fig)
    rows = forecast_summary(data)
    assert all(np.isfinite(r["vpt_peak"]) for r in rows)
    data["vpt_mean"][0, 0, 0, 1, 0] = np.nan  # a NaN would be a bug upstream: refuse it
    with pytest.raises(ValueError, match="NaN"):
        figure_forecast_vs_gain(data)


def test_exponent_agreement_separates_ordered_from_chaotic():
    from gcrit_utils.experiments.forecast_analysis import ORDERED_BELOW, exponent_agreement

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


def test_location_intervals_bootstrap_over_seeds():
    from gcrit_utils.experiments.forecast_analysis import location_intervals, system_rows

    data = _fake_map(diverged=False)
    curve = np.array([1.0, 4.0, 1.0])  # peak and cliff at ratio 1 for every seed
    data["vpt_mean"][:] = curve
    got = location_intervals(data, "gru", 0.5, "squared", n_boot=200)
    assert got["peak"] == (1.0, 1.0, 1.0) and got["cliff"] == (1.0, 1.0, 1.0)
    # seeds disagree: seed 0 peaks at 0.5, seed 1 at 1.5; the interval spans both
    data["vpt_mean"][0, 0, 0, 1] = [5.0, 1.0, 0.0]
    data["vpt_mean"][0, 0, 1, 1] = [0.0, 1.0, 5.0]
    lo, hi = location_intervals(data, "gru", 0.5, "squared", n_boot=500)["peak"][1:]
    assert (lo, hi) == (0.5, 1.5)
    (row,) = system_rows({"fake": data}, archs=("gru",), n_boot=200)
    assert row["vpt_best"] == pytest.approx(2.5) and row["at_g_c"] == pytest.approx(0.4)
    assert np.isnan(row["mean_field"])
    with pytest.raises(ValueError, match="n_boot must be an integer >= 100"):
        location_intervals(data, "gru", 0.5, n_boot=10)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        location_intervals(data, "gru", 0.5, level=1.0)


def test_best_vpt_apart_uses_the_standard_error_of_the_difference():
    from gcrit_utils.experiments.forecast_analysis import best_vpt_apart

    a = {"vpt_best": 10.0, "vpt_best_se": 0.3}
    b = {"vpt_best": 9.0, "vpt_best_se": 0.4}  # se of the difference 0.5: gap of 2.0 se
    assert not best_vpt_apart(a, b)  # exactly two standard errors is not more than two
    assert best_vpt_apart(a, b, n_se=1.9) and best_vpt_apart(b, a, n_se=1.9)
    with pytest.raises(ValueError, match="n_se must be positive"):
        best_vpt_apart(a, b, n_se=0)
