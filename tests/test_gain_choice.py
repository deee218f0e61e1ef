"""The gain-choice scoring: read from the store, never computed; fixed rules on the same maps."""

import shutil

import numpy as np
import pytest

from gcrit_utils.experiments.forecasting import (
    FORECAST_ARCHS,
    FORECAST_ENTRIES,
    FORECAST_RATIOS,
    sweep_forecast,
)
from gcrit_utils.experiments.gain_choice import (
    CANDIDATES,
    CV_VALIDATION,
    FIXED_RULES,
    POOL_NETWORKS,
    _peak_indices,
    _validation_choice,
    every_network_choice,
    gain_choice_archs,
    gain_choice_ready,
    score_gain_choice,
    score_row,
    scored_archs,
    seed_choices,
    sweep_gain_choice,
    vpt_peaks,
    worst_rows,
)
from gcrit_utils.forecast import READOUTS
from gcrit_utils.store import default_root

RESULTS = default_root()


def test_candidates_reach_from_the_smallest_gain_to_just_above_g_c():
    assert CANDIDATES[0] == 0.02 and max(CANDIDATES) == 1.2
    assert "minimalrnn" not in gain_choice_archs("default")  # no g_c, no rule to score


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_scores_of_the_stored_maps(scale):
    assert gain_choice_ready(scale)  # every cell of the validation runs has its maps stored
    rows = score_gain_choice(scale, n_boot=200)
    archs = gain_choice_archs(scale)
    assert len(rows) == len(FORECAST_ENTRIES) * len(archs)
    for row in rows:  # the seeds' mean at the choice lies inside its bootstrap interval
        assert row["tuned_low"] <= row["tuned"] <= row["tuned_high"] + 1e-12
        assert len(row["tuned_ratios"]) == len(sweep_gain_choice(scale).config["seeds"])
    value, where = worst_rows(rows, "g = g_c")
    assert value == min(r["g = g_c"] for r in rows) and ", " in where


def test_nothing_is_computed_when_the_store_is_empty(tmp_path):
    assert not gain_choice_ready("default", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="gain_choice_default is not in the store"):
        score_gain_choice("default", root=tmp_path)
    assert not any(tmp_path.iterdir())


def test_validation_runs_are_stored_per_entry_cell_and_seed():
    sweep = sweep_gain_choice("default")
    data = sweep.stored()
    shape = (len(FORECAST_ENTRIES), len(gain_choice_archs("default")),
             len(sweep.config["seeds"]), len(CANDIDATES), 2)
    assert data["validation_vpt"].shape == shape
    assert np.all(np.isfinite(data["validation_vpt"])) and np.all(data["validation_vpt"] >= 0)


def test_a_subset_of_cells_is_scored_alone():
    archs = gain_choice_archs("default")
    assert scored_archs("default") == archs
    rows = score_gain_choice("default", n_boot=50, archs=archs[:1])
    assert {r["arch"] for r in rows} == {archs[0]} and len(rows) == len(FORECAST_ENTRIES)
    with pytest.raises(ValueError, match="minimalrnn"):
        score_gain_choice("default", archs=["minimalrnn"])


def test_no_cell_is_scorable_without_validation_runs(tmp_path):
    assert scored_archs("default", root=tmp_path) == ()


def test_seed_choices_are_the_stored_validation_argmax_scored_on_the_map():
    """Each seed's choice and its test VPT, read independently from the two stored entries."""
    system, sin, _ = FORECAST_ENTRIES[1]
    arch = gain_choice_archs("default")[1]
    seeds = seed_choices(system, sin, arch, "default")
    val = sweep_gain_choice("default").stored()["validation_vpt"][1, 1]  # (S, K, R)
    data = sweep_forecast(system, sin, "default").stored()
    test = np.asarray(data["vpt_mean"][list(data["archs"]).index(arch),
                                       list(data["bias_stds"]).index(0.5)])  # (S, R, G)
    assert len(seeds) == val.shape[0] == test.shape[0]
    for k, choice in enumerate(seeds):
        c, r = np.unravel_index(np.argmax(val[k]), val[k].shape)
        assert (choice["ratio"], choice["readout"]) == (CANDIDATES[c], READOUTS[r])
        g = list(FORECAST_RATIOS).index(CANDIDATES[c])
        assert choice["test"][READOUTS[r]] == pytest.approx(test[k, r, g])
        columns = [list(FORECAST_RATIOS).index(x) for x in CANDIDATES]
        assert choice["test_best"] == pytest.approx(test[k][:, columns].max())
    row = next(x for x in score_gain_choice("default", n_boot=10, archs=[arch])
               if (x["system"], x["input_scale"]) == (system, sin))
    tuned = np.mean([s["test"][s["readout"]] for s in seeds]) / test.mean(axis=0).max()
    assert row["tuned"] == pytest.approx(tuned)
    with pytest.raises(ValueError, match="no validation runs"):
        seed_choices("lorenz63", 0.1, "minimalrnn", "default")


def _made_up_row():
    """Two seeds on the maps' grid, readout 0 everywhere below readout 1 by one sample."""
    grid = np.asarray(FORECAST_RATIOS)
    g = grid.size
    test = np.zeros((2, len(READOUTS), g))
    test[:, 1] = np.linspace(1.0, 2.0, g)  # readout 1 grows with the gain
    test[:, 0] = test[:, 1] - 1.0
    test[0, 1, -1], test[1, 1, -1] = 10.0, 6.0  # the grid's best: the largest gain, mean 8
    ratios = [0.15, 1.0]
    assert all(r in FORECAST_RATIOS for r in ratios)
    validation = np.array([[[0.0, 5.0], [1.0, 2.0]],   # seed 0 picks (0.15, readout 1)
                           [[3.0, 0.0], [0.0, 4.0]]])  # seed 1 picks (1.0, readout 1)
    return grid, test, validation, ratios


def test_score_row_on_a_made_up_row_with_a_known_answer():
    grid, test, validation, ratios = _made_up_row()
    g_c = 1.0 / 0.775  # g = 1 lies between the grid gains 0.75 and 0.8
    row = score_row(test, validation, g_c, ratios=ratios, n_boot=50,
                    rng=np.random.default_rng(1))
    at = {r: list(FORECAST_RATIOS).index(r) for r in ratios}
    chosen = [test[0, 1, at[0.15]], test[1, 1, at[1.0]]]
    assert row["best"] == pytest.approx(8.0) and row["best_ratio"] == grid[-1]
    assert row["tuned"] == pytest.approx(np.mean(chosen) / 8.0)
    assert row["tuned_ratios"] == [0.15, 1.0]
    assert row["tuned_readouts"] == [READOUTS[1], READOUTS[1]]
    # leave one out among the candidates: the other seed's best is (1.0, readout 1) for both
    assert row["other_seeds"] == pytest.approx(test[:, 1, at[1.0]].mean() / 8.0)
    curve = test[:, 1].mean(axis=0)  # the better readout, linear in the gain below the top
    assert row["g = g_c"] == pytest.approx(curve[at[1.0]] / 8.0)
    assert row["g = 0.8 g_c"] == pytest.approx(np.interp(0.8, grid, curve) / 8.0)
    assert row["g = 1 (spectral radius 1)"] == pytest.approx(np.interp(0.775, grid, curve) / 8.0)
    assert 0 < row["tuned_low"] <= row["tuned_high"]


def test_score_row_refuses_arrays_that_do_not_fit():
    grid, test, validation, ratios = _made_up_row()
    with pytest.raises(ValueError, match="outside the maps' grid"):
        score_row(test, validation, 0.1, ratios=ratios)  # g = 1 would sit at 10 g_c
    with pytest.raises(ValueError, match="test must have shape"):
        score_row(test[:, :, :-1], validation, 1.0, ratios=ratios)
    with pytest.raises(ValueError, match="validation must have shape"):
        score_row(test, validation[:1], 1.0, ratios=ratios)
    with pytest.raises(ValueError, match="not gains of the maps' grid"):
        score_row(test, validation, 1.0, ratios=[0.15, 0.123])
    bad = test.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="test VPT must be finite"):
        score_row(bad, validation, 1.0, ratios=ratios)
    with pytest.raises(ValueError, match="n_boot must be"):
        score_row(test, validation, 1.0, ratios=ratios, n_boot=0)


def test_a_row_s_interval_does_not_depend_on_the_other_cells_scored():
    archs = gain_choice_archs("default")
    every = score_gain_choice("default", n_boot=100)
    alone = score_gain_choice("default", n_boot=100, archs=archs[-1:])
    assert alone == [r for r in every if r["arch"] == archs[-1]]


def test_peaks_count_a_flat_top_once_and_never_a_shoulder():
    assert _peak_indices(np.array([1.0, 3.0, 2.0, 2.5, 1.0]), 0.5) == [1, 3]
    assert _peak_indices(np.array([1.0, 3.0, 2.0, 2.5, 1.0]), 0.9) == [1]
    assert _peak_indices(np.array([1.0, 3.0, 3.0, 2.0]), 0.5) == [1]  # a flat top, once
    assert _peak_indices(np.array([1.0, 2.0, 2.0, 3.0]), 0.5) == [3]  # a shoulder is no peak
    assert _peak_indices(np.array([2.0, 2.0]), 0.5) == [0]


def test_peaks_of_a_stored_row():
    peaks = vpt_peaks("lorenz63_x", 0.1, "gru", "default", within=0.5)
    assert peaks and [p["ratio"] for p in peaks] == sorted(p["ratio"] for p in peaks)
    best = max(peaks, key=lambda p: p["vpt"])
    row = next(r for r in score_gain_choice("default", n_boot=10, archs=["gru"])
               if (r["system"], r["input_scale"]) == ("lorenz63_x", 0.1))
    assert best["vpt"] <= row["best"] + 1e-9  # the best of the candidates, not of the grid
    assert all(p["vpt"] >= 0.5 * best["vpt"] for p in peaks)
    with pytest.raises(ValueError, match="within must be in"):
        vpt_peaks("lorenz63_x", 0.1, "gru", "default", within=0.0)


@pytest.mark.parametrize("scale,extra_seeds", [("default", (3, 4)), ("paper", (10, 11))])
def test_the_pooled_rule_s_extra_networks_follow_the_maps_seeds(scale, extra_seeds):
    main, extra = sweep_gain_choice(scale), sweep_gain_choice(scale, extra=True)
    assert extra.name == f"gain_choice_extra_{scale}" and POOL_NETWORKS == 3
    assert tuple(extra.config["seeds"]) == extra_seeds
    assert max(main.config["seeds"]) + 1 == extra_seeds[0]
    same = {k: v for k, v in extra.params.items() if k != "seeds"}
    assert same == {k: v for k, v in main.params.items() if k != "seeds"}


def test_pooled_scores_choose_by_the_mean_over_consecutive_seeds():
    """Seed k of the pooled rule chooses by the mean validation VPT of seeds k, k+1, k+2 (the
    last two may be extra networks) and is scored on seed k's own test windows."""
    if not gain_choice_ready("default", networks=POOL_NETWORKS):
        pytest.skip("the extra networks' validation runs are not stored")
    one = score_gain_choice("default", n_boot=10)
    pooled = score_gain_choice("default", n_boot=10, networks=POOL_NETWORKS)
    assert [(r["system"], r["arch"]) for r in one] == [(r["system"], r["arch"]) for r in pooled]
    assert score_gain_choice("default", n_boot=10, networks=1) == one
    val = np.concatenate([sweep_gain_choice("default").stored()["validation_vpt"],
                          sweep_gain_choice("default", extra=True).stored()["validation_vpt"]],
                         axis=2)  # (E, A, 5, K, R)
    e, a = len(FORECAST_ENTRIES) - 1, len(gain_choice_archs("default")) - 1
    row = pooled[e * len(gain_choice_archs("default")) + a]
    seeds = seed_choices(row["system"], row["input_scale"], row["arch"], "default",
                         networks=POOL_NETWORKS)
    for k, choice in enumerate(seeds):
        mean = val[e, a, k:k + POOL_NETWORKS].mean(axis=0)  # (K, R)
        c, r = np.unravel_index(np.argmax(mean), mean.shape)
        assert choice["ratio"] == CANDIDATES[c] == row["tuned_ratios"][k]
        assert choice["validation"][choice["readout"]] == pytest.approx(mean[c, r])
    tuned = np.mean([s["test"][s["readout"]] for s in seeds]) / row["best"]
    assert tuned == pytest.approx(row["tuned"])
    for name in (*FIXED_RULES, "best", "other_seeds"):  # only the choice changes
        assert row[name] == one[e * len(gain_choice_archs("default")) + a][name]


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_one_choice_from_every_network_s_validation_windows(scale):
    """The row's one choice maximises the validation VPT averaged over the maps' seeds and the
    extra networks; what it keeps is the maps' seed-mean test VPT there over the best."""
    if not gain_choice_ready(scale, networks=POOL_NETWORKS):
        pytest.skip("the extra networks' validation runs are not stored")
    system, sin, _ = FORECAST_ENTRIES[-1]
    arch = gain_choice_archs(scale)[-1]
    e, a = len(FORECAST_ENTRIES) - 1, len(gain_choice_archs(scale)) - 1
    val = np.concatenate([sweep_gain_choice(scale).stored()["validation_vpt"][e, a],
                          sweep_gain_choice(scale, extra=True).stored()["validation_vpt"][e, a]])
    choice = every_network_choice(system, sin, arch, scale)
    n_seeds = len(sweep_gain_choice(scale).config["seeds"])
    assert choice["networks"] == val.shape[0] == n_seeds + POOL_NETWORKS - 1
    mean = val.mean(axis=0)  # (K, R)
    c, r = np.unravel_index(np.argmax(mean), mean.shape)
    assert (choice["ratio"], choice["validation"]) == (CANDIDATES[c], pytest.approx(mean[c, r]))
    # what it keeps, read from the forecasting map itself (test VPT (S, R, G) at s_b = 0.5),
    # over the map's whole grid of gains: the same denominator as the row's score
    data = (sweep_forecast(system, sin, scale) if arch in FORECAST_ARCHS
            else sweep_forecast(system, sin, scale, (arch,))).stored()
    test = np.asarray(data["vpt_mean"][list(data["archs"]).index(arch),
                                       list(data["bias_stds"]).index(0.5)]).mean(axis=0)
    assert choice["readout"] == READOUTS[r]
    at_choice = test[r, list(FORECAST_RATIOS).index(CANDIDATES[c])]
    assert choice["test"] == pytest.approx(at_choice)
    row = next(x for x in score_gain_choice(scale, n_boot=1, archs=[arch])
               if (x["system"], x["input_scale"]) == (system, sin))
    assert choice["best"] == pytest.approx(row["best"]) == pytest.approx(test.max())
    assert choice["best_ratio"] == row["best_ratio"]
    assert choice["kept"] == pytest.approx(at_choice / test.max())
    if choice["best_ratio"] in CANDIDATES:
        k = CANDIDATES.index(choice["best_ratio"])
        assert choice["best_validation"] == pytest.approx(
            mean[k, list(READOUTS).index(choice["best_readout"])])


def test_a_non_finite_validation_vpt_is_refused_not_chosen():
    val = np.array([[1.0, 2.0], [np.nan, 0.5]])  # (K, R): argmax alone would pick the nan
    with pytest.raises(ValueError, match="validation VPT must be finite"):
        _validation_choice(val)
    assert _validation_choice(np.array([[1.0, 2.0], [3.0, 0.5]])) == (1, 0)


def test_every_network_choice_names_a_missing_row_or_entry(tmp_path):
    with pytest.raises(ValueError, match="no validation runs for"):
        every_network_choice("lorenz63", 0.1, "minimalrnn", "default")
    with pytest.raises(FileNotFoundError, match="is not in the store"):
        every_network_choice("lorenz63", 0.1, "gru", "default", root=tmp_path)


@pytest.mark.parametrize("networks", [0, 4, 1.5, True])
def test_networks_outside_the_stored_runs_are_refused(networks):
    with pytest.raises(ValueError, match=r"networks must be an integer in \[1, 3\]"):
        score_gain_choice("default", n_boot=1, networks=networks)


def test_a_missing_extra_entry_is_named(tmp_path):
    assert not gain_choice_ready("default", root=tmp_path, networks=POOL_NETWORKS)
    with pytest.raises(FileNotFoundError, match="gain_choice_default is not in the store"):
        score_gain_choice("default", root=tmp_path, networks=POOL_NETWORKS)
    for suffix in ("json", "npz"):  # the main entry alone: the extra one is what is missing
        shutil.copy(RESULTS / f"gain_choice_default.{suffix}", tmp_path)
    with pytest.raises(FileNotFoundError, match="gain_choice_extra_default is not in the store"):
        score_gain_choice("default", root=tmp_path, networks=POOL_NETWORKS)


def test_the_cross_validated_rule_has_its_own_entry_and_the_same_scoring():
    end, cv = sweep_gain_choice("default"), sweep_gain_choice("default", folds=4)
    assert cv.name == "gain_choice_cv_default" and CV_VALIDATION["folds"] == 4
    assert dict(cv.config["validation"]) == dict(CV_VALIDATION)
    assert {k: v for k, v in cv.params.items() if k != "validation"} == \
        {k: v for k, v in end.params.items() if k != "validation"}
    assert "validation" not in end.tasks()[0]  # the stored end-window tasks are unchanged
    assert cv.tasks()[0]["validation"]["folds"] == 4
    with pytest.raises(ValueError, match=r"folds must be one of \(1, 4\)"):
        sweep_gain_choice("default", folds=3)
    with pytest.raises(ValueError, match="folds=1 only"):
        sweep_gain_choice("default", extra=True, folds=4)
    with pytest.raises(ValueError, match="folds=1 only"):
        score_gain_choice("default", networks=POOL_NETWORKS, folds=4)
    if not gain_choice_ready("default", folds=4):
        pytest.skip("the cross-validated runs are not stored")
    one = score_gain_choice("default", n_boot=10)
    rows = score_gain_choice("default", n_boot=10, folds=4)
    for a, b in zip(one, rows, strict=True):  # only the choice differs
        assert (a["system"], a["arch"], a["best"], a["g = g_c"]) == \
            (b["system"], b["arch"], b["best"], b["g = g_c"])
        assert all(r in CANDIDATES for r in b["tuned_ratios"])
