"""Reading an unfinished forecasting map (finished groups only) and recomputing a slice."""

import dataclasses

import numpy as np
import pytest

from gcrit_utils.experiments.forecast_checks import recompute_slice
from gcrit_utils.experiments.forecasting import (
    FORECAST_ARCHS,
    FORECAST_RATIOS,
    assemble_forecast,
    finished_forecast_groups,
    finished_groups,
    forecast_tasks,
    one_step_task,
    reference_gain,
    sweep_forecast,
)
from gcrit_utils.runner import finished_tasks

G = len(FORECAST_RATIOS)
SMALL = {"n": 8, "seeds": [0, 1], "dtype": "float64", "lyap_steps": 10, "lyap_warmup": 5}


class Interrupted(RuntimeError):
    pass


def fake_task(task):
    """Cheap stand-in for forecast_task: values encode (arch, s_b, seed)."""
    code = FORECAST_ARCHS.index(task["arch"]) * 100 + task["bias_std"] * 10 + task["seed"]
    g = len(task["ratios"])
    return {"vpt": np.full((2, g, 20), code, dtype=np.float32),
            "nrmse_lyapunov_time": np.full((2, g), code), "one_step_nrmse": np.full((2, g), code),
            "ridge": np.full((2, g), 1e-6), "lyap_driven": np.full(g, -code),
            "lyap_autonomous": np.full(g, -code)}


def dying_after(count):
    """fake_task that raises on the (count+1)-th call, as a killed fill would stop."""
    calls = []

    def task(t):
        if len(calls) == count:
            raise Interrupted("killed")
        calls.append(t)
        return fake_task(t)
    return task


def small_map(task_fn):
    """The Mackey-Glass map's definition with a small configuration and ``task_fn``."""
    real = sweep_forecast("mackey_glass", 0.1, "default")
    return dataclasses.replace(real, name="forecast_test", config={**real.params, **SMALL},
                               task_fn=task_fn)


def test_finished_groups_of_a_partial_map(tmp_path):
    # Mackey-Glass is mapped at s_b = 0.5 only: 4 archs x 1 s_b x 2 seeds = 8 tasks, in
    # (arch, s_b, seed) order; stop after 3 tasks -> the rnn group is done, gru half done
    with pytest.raises(Interrupted, match="killed"):
        small_map(dying_after(3)).load(tmp_path, progress=False)
    groups, origin = finished_groups([small_map(fake_task)], root=tmp_path)
    assert list(groups) == [("rnn", 0.5)]
    data = groups[("rnn", 0.5)]
    assert data["vpt_mean"].shape == (1, 1, 2, 2, G)
    assert np.all(data["vpt_mean"][0, 0, 0] == 5) and np.all(data["vpt_mean"][0, 0, 1] == 6)
    assert list(data["archs"]) == ["rnn"] and list(data["bias_stds"]) == [0.5]
    assert data["g_ref"][0, 0] == pytest.approx(reference_gain("rnn", 0.5))
    assert len(origin[("rnn", 0.5)]) == 2
    assert all("git_commit" in o and "wall_time_s" in o for o in origin[("rnn", 0.5)])

    # the reader changes nothing: a corrupt file is skipped, not deleted
    folder = next((tmp_path / ".partial").iterdir())
    files = sorted(folder.glob("task_*.npz"))
    assert len(files) == 3
    files[2].write_bytes(b"garbage")  # the gru seed-0 task
    groups, _ = finished_groups([small_map(fake_task)], root=tmp_path)
    assert list(groups) == [("rnn", 0.5)]
    assert sorted(folder.glob("task_*.npz")) == files

    # finishing the map (the corrupt task is recomputed) moves the groups to the stored
    # entry, with the same numbers
    full = small_map(fake_task).load(tmp_path, progress=False)
    assert not folder.exists()
    groups_after, origin_after = finished_groups([small_map(fake_task)], root=tmp_path)
    assert list(groups_after) == [(a, 0.5) for a in FORECAST_ARCHS]
    # each reservoir's provenance survives the assembly (the rnn files were written first)
    assert origin_after[("rnn", 0.5)] == origin[("rnn", 0.5)]
    assert len(origin_after[("lstm", 0.5)]) == 2
    for key, value in data.items():
        assert np.array_equal(groups_after[("rnn", 0.5)][key], value,
                              equal_nan=value.dtype.kind == "f"), key
    assert np.array_equal(groups_after[("lstm", 0.5)]["vpt"], full["vpt"][2:3])


def test_finished_groups_of_a_map_never_started(tmp_path):
    groups, origin = finished_forecast_groups("lorenz63", 0.1, "default", root=tmp_path)
    assert groups == {} and origin == {}
    with pytest.raises(FileNotFoundError, match=r"\('gru', 0.5\)\] of forecast_mackey_glass_"
                       r"in0p1_default .*GCRIT_SCALE=default gcrit figures --only "
                       r"headline"):
        finished_forecast_groups("mackey_glass", 0.1, "default", root=tmp_path,
                                 require=[("gru", 0.5)])
    with pytest.raises(FileNotFoundError, match="--only forecast_vs_gain_lorenz_in0p1$"):
        finished_forecast_groups("lorenz63", 0.1, "default", root=tmp_path,
                                 require=[("lstm", 1.0)])
    assert finished_tasks("anything", {"a": 1}, root=tmp_path) == ({}, {})
    assert not (tmp_path / ".partial").exists()  # reading creates no folder
    with pytest.raises(ValueError, match="system, input_scale"):
        finished_forecast_groups("lorenz63", 0.3, "default", root=tmp_path)


def test_recompute_slice_matches_the_task_it_repeats():
    cfg = {"n": 40, "seeds": [0], "dtype": "float64", "lyap_steps": 200, "lyap_warmup": 100}
    real = sweep_forecast("lorenz63", 0.1, "default")
    sweep = dataclasses.replace(real, name="forecast_test",
                                config={**real.params, **cfg, "archs": ["gru"],
                                        "bias_stds": [0.5]})
    data = sweep.compute()
    ratios = (0.3, 1.0)
    out = recompute_slice(data, sweep, "gru", 0.5, ratios)
    idx = [FORECAST_RATIOS.index(r) for r in ratios]
    assert np.array_equal(out["stored_one_step"], data["one_step_nrmse"][0, 0, 0][:, idx])
    assert out["live_one_step"].shape == out["stored_one_step"].shape == (2, 2)
    assert out["live_vpt"].shape == out["stored_vpt"].shape == (2, 2)
    # ordered reservoirs (driven exponent < 0): a batch of 2 gains instead of 27 changes
    # only the summation order, so the float64 one-step error agrees to rounding
    ordered = out["stored_driven"] < 0
    assert ordered[0]
    assert np.allclose(out["live_one_step"][:, ordered], out["stored_one_step"][:, ordered],
                       rtol=1e-6, atol=0)
    # the reordered run: the same numbers up to rounding, and exactly the sweep's numbers
    # when the chunk is the sweep's
    assert out["reordered_one_step"].shape == (2, 2)
    assert np.allclose(out["reordered_one_step"][:, ordered], out["live_one_step"][:, ordered],
                       rtol=1e-6, atol=0)
    (small,) = forecast_tasks({**sweep.params, "ratios": list(ratios)})
    assert np.array_equal(one_step_task(small), out["live_one_step"])
    assert np.array_equal(out["stored_driven"], data["lyap_driven"][0, 0, 0][idx])
    # the exponent is not a rounding-level match: each gain's tangent vector starts from the
    # row of a seeded draw at its position in the batch (row 2 of 27 vs row 0 of 2), and 200
    # steps do not forget it (0.009 apart at 0.3 g_c, measured); the chapters use 1500+ steps
    assert np.allclose(out["live_driven"], out["stored_driven"], atol=0.02)
    # a slice that is not in the map is an error, not a silent mismatch
    with pytest.raises(ValueError, match="ratios"):
        recompute_slice(data, sweep, "gru", 0.5, (0.33,))
    with pytest.raises(ValueError, match="arch, bias_std"):
        recompute_slice(data, sweep, "lstm", 0.5, ratios)
    two_seeds = dataclasses.replace(sweep, config={**sweep.params, "seeds": [0, 1]})
    with pytest.raises(ValueError, match="seeds"):
        recompute_slice(data, two_seeds, "gru", 0.5, ratios)


def test_scale_change_figure_pairs_the_same_rows():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gcrit_utils.experiments.forecast_analysis import system_rows
    from gcrit_utils.figures.forecasting import figure_scale_change

    def group(arch, seeds, value):
        results = [fake_task({"arch": arch, "bias_std": 0.5, "seed": 0,
                              "ratios": FORECAST_RATIOS}) for _ in seeds]
        for r in results:
            r["vpt"][:] = value
        config = {"archs": [arch], "bias_stds": [0.5], "seeds": seeds,
                  "ratios": FORECAST_RATIOS}
        return assemble_forecast(config, results)

    small = system_rows({"a": group("rnn", [0, 1], 3.0)}, archs=("rnn",), n_boot=100)
    large = system_rows({"a": group("rnn", [0, 1, 2], 6.0)}, archs=("rnn",), n_boot=100)
    fig = figure_scale_change(small, large, {"a": "entry a"}, "small", "large")
    ratios = [line for line in fig.axes[1].get_lines() if line.get_linestyle() == "None"]
    assert np.allclose(ratios[0].get_ydata(), 2.0)  # best VPT doubled
    plt.close(fig)
    other = system_rows({"b": group("rnn", [0, 1], 3.0)}, archs=("rnn",), n_boot=100)
    with pytest.raises(ValueError, match="same rows"):
        figure_scale_change(small, other, {}, "small", "large")
