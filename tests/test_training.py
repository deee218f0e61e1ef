"""The training tasks and the survey of initialisations (training chapter)."""

import numpy as np
import pytest
import torch

from gcrit_utils.training import (
    COPY_ALPHABET,
    COPY_SYMBOLS,
    TASK_SIZES,
    RecurrentRegressor,
    chance_loss,
    digits_data,
    task_batch,
    train,
)


def test_copy_batch_asks_for_the_symbols_after_the_marker():
    gen = torch.Generator().manual_seed(0)
    x, y, mask = task_batch("copy", 4, 30, gen)
    total = 2 * COPY_SYMBOLS + 30
    assert x.shape == (4, total, COPY_ALPHABET + 2) and y.shape == mask.shape == (4, total)
    symbols = x[:, :COPY_SYMBOLS].argmax(-1)
    assert torch.equal(y[:, -COPY_SYMBOLS:], symbols)  # recalled in order
    assert torch.all(x[:, COPY_SYMBOLS + 29].argmax(-1) == COPY_ALPHABET + 1)  # the marker
    assert mask.sum() == 4 * COPY_SYMBOLS and torch.all(mask[:, -COPY_SYMBOLS:] == 1)


def test_digits_batch_reads_images_pixel_by_pixel():
    images, labels = digits_data()
    assert images.shape == (1797, 64) and 0 <= images.min() and images.max() <= 1
    x, y, mask = task_batch("digits", 8, 64, torch.Generator().manual_seed(0))
    assert x.shape == (8, 64, 1) and mask[:, -1].sum() == 8 and mask[:, :-1].sum() == 0
    assert set(y[:, -1].tolist()) <= set(range(10))
    assert chance_loss("digits") == pytest.approx(np.log(10), rel=1e-3)  # balanced classes
    with pytest.raises(ValueError, match="length must be 64 for the digits task"):
        task_batch("digits", 8, 32, torch.Generator())


@pytest.mark.parametrize("task,length", [("copy", 5), ("digits", 64)])
def test_classification_losses_start_at_chance(task, length):
    d_in, d_out = TASK_SIZES[task]
    torch.manual_seed(0)
    model = RecurrentRegressor(torch.nn.GRU(d_in, 16, batch_first=True), d_out)
    with torch.no_grad():
        model.readout.weight.zero_()
        model.readout.bias.zero_()  # uniform prediction: exactly the uniform-guess loss
    res = train(model, task, length, steps=1, batch=16, lr=1e-12)
    expected = np.log(d_out) / chance_loss(task)
    assert res.losses[0] == pytest.approx(expected, rel=1e-3)


def test_survey_tasks_are_seed_first_and_assemble_per_arch_task_init_seed():
    from gcrit_utils.experiments.training import (
        INIT_SURVEY,
        assemble_init_survey,
        init_survey_tasks,
    )

    config = {**INIT_SURVEY["default"], "seeds": [0, 1], "steps": 3}
    tasks = init_survey_tasks(config)
    per_seed = len(config["archs"]) * len(config["tasks"]) * len(config["inits"])
    assert len(tasks) == 2 * per_seed and {t["seed"] for t in tasks[:per_seed]} == {0}
    results = [{"final": np.array(float(k)), "losses": np.full(3, float(k))}
               for k in range(len(tasks))]
    data = assemble_init_survey(config, results)
    a, t, i = 1, 2, 3
    k = (a * len(config["tasks"]) + t) * len(config["inits"]) + i
    assert data["final"].shape == (2, 4, len(config["inits"]), 2)
    assert data["final"][a, t, i, 1] == per_seed + k and data["losses"][a, t, i, 0, 0] == k


def test_one_survey_run_trains_and_reports_loss_over_chance():
    from gcrit_utils.experiments.training import init_survey_task

    out = init_survey_task({"arch": "lstm", "task": "copy", "length": 5, "init": "chrono",
                            "seed": 0, "hidden": 8, "steps": 5, "batch": 4, "lr": 1e-3})
    assert out["losses"].shape == (5,) and np.all(np.isfinite(out["losses"]))
    assert 0.5 < out["final"] < 2


def test_init_survey_summary_groups_seeds_and_counts_solved_runs():
    from gcrit_utils.experiments.training import SOLVED, init_survey_summary

    tasks = [{"arch": "gru", "task": "copy", "length": 5, "init": init, "seed": s}
             for s in range(5) for init in ("default", "chrono")]
    finals = [1.0 - 0.01 * s if t["init"] == "default" else 0.01 * (s + 1)
              for s, t in zip([t["seed"] for t in tasks], tasks, strict=True)]
    rows = {r["init"]: r for r in init_survey_summary(tasks, finals)}
    assert rows["default"]["seeds"] == 5 and rows["default"]["solved"] == 0
    assert rows["chrono"]["solved"] == sum(0.01 * (s + 1) < SOLVED for s in range(5))
    assert rows["chrono"]["median"] == pytest.approx(0.03)
    assert rows["chrono"]["low"] == pytest.approx(0.01) and rows["chrono"]["high"] == 0.05
    with pytest.raises(ValueError, match="differ in length"):
        init_survey_summary(tasks, finals[:-1])
    # a diverged run (recorded as inf) is counted and sorts last
    finals[0] = float("inf")
    rows = {r["init"]: r for r in init_survey_summary(tasks, finals)}
    assert rows["default"]["diverged"] == 1 and rows["chrono"]["diverged"] == 0
    assert rows["default"]["high"] == float("inf") and np.isfinite(rows["default"]["median"])


def test_compare_inits_needs_every_seed_on_one_side():
    from gcrit_utils.experiments.training import compare_inits, survey_groups

    values = {"default": [0.5, 0.6, 0.7, 0.8, 0.9], "chrono": [0.1, 0.2, 0.3, 0.4, 0.45],
              "orthogonal": [0.1, 0.2, 0.3, 0.4, 0.55], "critical x1.5": [1.0, 1.1, 0.95, 1, 1]}
    tasks = [{"arch": "gru", "task": "copy", "length": 5, "init": init, "seed": s}
             for s in range(5) for init in values]
    finals = [values[t["init"]][t["seed"]] for t in tasks]
    groups = survey_groups(tasks, finals)
    assert list(groups) == [("gru", "copy", 5, init) for init in values]
    assert groups[("gru", "copy", 5, "chrono")].tolist() == values["chrono"]
    verdict = compare_inits(tasks, finals, "default")[("gru", "copy", 5)]
    assert verdict == {"chrono": "lower", "orthogonal": "overlap", "critical x1.5": "higher"}
    with pytest.raises(ValueError, match="reference 'annealed critical'"):
        compare_inits(tasks, finals, "annealed critical")
    from gcrit_utils.experiments.training import (
        best_per_panel,
        comparison_counts,
        init_survey_summary,
    )

    assert comparison_counts(compare_inits(tasks, finals, "default")) == {
        "chrono": {"lower": 1, "overlap": 0, "higher": 0, "chance": 0},
        "orthogonal": {"lower": 0, "overlap": 1, "higher": 0, "chance": 0},
        "critical x1.5": {"lower": 0, "overlap": 0, "higher": 1, "chance": 0}}
    # two failures are not ordered: at chance level 0.5 every seed of both is at chance
    assert compare_inits(tasks, finals, "default", chance=0.5)[("gru", "copy", 5)][
        "critical x1.5"] == "chance"
    best = best_per_panel(init_survey_summary(tasks, finals))
    assert list(best) == [("gru", "copy", 5)] and best[("gru", "copy", 5)]["init"] == "chrono"
    from gcrit_utils.experiments.training import init_survey_verdicts

    rows = {r["init"]: r for r in init_survey_verdicts(tasks, finals, "default")}
    assert list(rows) == ["default", "chrono", "orthogonal", "critical x1.5"]
    assert rows["default"]["lower"] == [] and rows["default"]["best"] == []
    assert rows["chrono"]["lower"] == [("gru", "copy", 5)] == rows["chrono"]["best"]
    assert rows["critical x1.5"]["higher"] == [("gru", "copy", 5)]
    assert rows["orthogonal"]["overlap"] == [("gru", "copy", 5)]
    from gcrit_utils.experiments.training import panel_names

    assert panel_names([("gru", "copy", 5), ("lstm", "lorenz", 50)]) == "GRU copy, LSTM Lorenz-63"
    assert panel_names([]) == "none"


def test_separation_chance_counts_the_two_extreme_orderings():
    from itertools import combinations

    from gcrit_utils.experiments.training import separation_chance

    assert separation_chance(5, 5) == pytest.approx(2 / 252)
    # enumerate the orderings of 3 + 2 draws: 2 of the C(5, 2) = 10 separate completely
    separated = sum(set(pos) in ({0, 1}, {3, 4}) for pos in combinations(range(5), 2))
    assert separation_chance(3, 2) == pytest.approx(separated / 10)
    with pytest.raises(ValueError, match="n_a"):
        separation_chance(0, 5)


def test_lorenz_baselines_rank_persistence_above_linear_extrapolation():
    from gcrit_utils.experiments.training import lorenz_one_step_baselines

    base = lorenz_one_step_baselines()
    # standardised series, dt = 0.02: a step moves ~ dt * |velocity|, far below chance (1)
    assert 0.0 < base["linear from two states"] < base["persistence"] < 0.1


def test_trainability_map_covers_each_cells_second_axis():
    from gcrit_utils.experiments.training import (
        assemble_trainability_map,
        trainability_map_tasks,
        trainability_task,
    )
    from gcrit_utils.sweep import Sweep, freeze

    config = freeze({"archs": ["rnn", "gru"], "n": 8, "bias_std": 0.5, "input_scale": 1.0,
                     "gains": [0.5, 1.0], "rnn_bias_stds": [0.0, 0.5],
                     "memory_means": [0.0, 2.0, 4.0], "delay": 3, "seeds": [0],
                     "steps": 3, "batch": 4, "lr": 1e-3})
    tasks = trainability_map_tasks(config)
    assert len(tasks) == 2 * 2 + 3 * 2
    assert {t["bias_mean"]["z"] for t in tasks if t["arch"] == "gru"} == {0.0, 2.0, 4.0}
    out = Sweep("tiny_map", config, trainability_map_tasks, trainability_task,
                assemble_trainability_map).compute()
    assert out["final_rnn"].shape == (2, 2, 1) and out["final_gru"].shape == (3, 2, 1)
    assert np.all(np.isfinite(out["final_gru"])) and np.all(out["final_rnn"] > 0)
    assert np.array_equal(out["axis_gru"], [0.0, 2.0, 4.0])


def test_trainability_task_separates_a_trainable_from_a_chaotic_start():
    from gcrit_utils.experiments.training import trainability_task

    task = {"arch": "rnn", "delay": 2, "seed": 0, "bias_std": 0.0, "bias_mean": None, "n": 16,
            "input_scale": 1.0, "steps": 200, "batch": 16, "lr": 1e-2}
    # a short delay is learnt from g = 1 and not from deep in the chaotic phase (g = 6)
    assert trainability_task({**task, "gain": 1.0})["final"] < 0.05
    assert trainability_task({**task, "gain": 6.0})["final"] > 0.5


def test_trainability_map_rows_and_lines_follow_the_map():
    from gcrit_utils.experiments.propagation import (
        gains_below,
        trainability_map_grids,
        trainability_map_lines,
        trainability_map_rows,
    )

    config = {"archs": ["rnn", "gru"], "bias_std": 0.5, "input_scale": 1.0,
              "gains": [0.5, 1.0, 2.0, 3.0], "rnn_bias_stds": [0.0, 1.0],
              "memory_means": [0.0, 4.0]}
    final_rnn = np.array([[0.9, 0.1, 0.3, 0.8], [0.9, 0.2, 0.6, 0.9]])[..., None].repeat(3, -1)
    data = {"gains": np.array(config["gains"]), "final_rnn": final_rnn,
            "axis_rnn": np.array([0.0, 1.0]), "final_gru": np.full((2, 4, 3), 0.2),
            "axis_gru": np.array([0.0, 4.0])}
    rows = trainability_map_rows(data, config)
    assert [(r["arch"], r["value"]) for r in rows] == [("rnn", 0.0), ("rnn", 1.0),
                                                         ("gru", 0.0), ("gru", 4.0)]
    assert rows[0]["trained_gains"] == [1.0, 2.0] and rows[1]["trained_gains"] == [1.0]
    assert rows[0]["best_gain"] == 1.0 and rows[0]["best_loss"] == pytest.approx(0.1)
    # tanh RNN with input sigma_x = 1: chi_1 crosses 1 between g = 1 and 2 (mean field)
    assert rows[0]["chi_one_gain"] == 2.0 and rows[0]["chi_1"] < 1.0
    # the GRU with its memory gate at mean 4 stays ordered over this range
    assert np.isnan(rows[3]["chi_one_gain"])
    grids = trainability_map_grids(data, config)
    assert grids["rnn"]["median"].shape == grids["rnn"]["chi_1"].shape == (2, 4)
    assert np.array_equal(grids["rnn"]["median"], np.median(final_rnn, axis=-1))
    assert np.array_equal(grids["gru"]["values"], [0.0, 4.0])
    ordered = grids["rnn"]["chi_1"] < 1
    assert np.allclose(grids["rnn"]["xi_1"][ordered], -1 / np.log(grids["rnn"]["chi_1"][ordered]))
    assert np.all(np.isinf(grids["rnn"]["xi_1"][~ordered]))
    # rows follow the grids they are given: a lower loss at g = 3 makes it the best gain
    moved = {arch: dict(g) for arch, g in grids.items()}
    moved["rnn"]["median"] = grids["rnn"]["median"].copy()
    moved["rnn"]["median"][0, 3] = 0.01
    again = trainability_map_rows(data, config, grids=moved)
    assert again[0]["best_gain"] == 3.0 and again[0]["trained_gains"] == [1.0, 2.0, 3.0]
    assert again[1]["best_gain"] == rows[1]["best_gain"]
    assert gains_below(grids["rnn"]["median"], config["gains"], 0.5) == [(1.0, 2.0), (1.0,)]
    with pytest.raises(ValueError, match=r"median must have shape \(V, 3\)"):
        gains_below(grids["rnn"]["median"], [1.0, 2.0, 3.0], 0.5)
    lines = trainability_map_lines(config, n_gains=5, n_values=3)
    assert lines["rnn"]["chi_1"].shape == (3, 5)
    assert np.array_equal(lines["gru"]["values"], [0.0, 2.0, 4.0])


def test_trainability_map_at_another_delay_changes_only_the_delay():
    from gcrit_utils.experiments.training import TRAINABILITY_MAP, sweep_trainability_map

    own = sweep_trainability_map("default")
    # the configured delay keeps its name and hash (the stored fill stays valid)
    assert sweep_trainability_map("default", TRAINABILITY_MAP["default"]["delay"]).config_hash \
        == own.config_hash and own.name == "trainability_map_default"
    short = sweep_trainability_map("default", 10)
    assert short.name == "trainability_map_default_delay10"
    assert short.config_hash != own.config_hash
    assert {k: v for k, v in short.params.items() if k != "delay"} == \
        {k: v for k, v in own.params.items() if k != "delay"} and short.params["delay"] == 10
    with pytest.raises(ValueError, match="delay"):
        sweep_trainability_map("default", 0)


def test_initial_edges_put_critical_x1_at_the_edge_and_order_the_gains():
    from gcrit_utils.experiments.training import initial_edges

    rows = {(r["arch"], r["init"]): r for r in initial_edges(hidden=200, length=20, seed=1)}
    for arch in ("gru", "lstm"):
        assert np.isnan(rows[(arch, "default")]["gain"])
        assert abs(rows[(arch, "critical x1")]["rightmost"] - 1.0) < 0.1
        edges = [rows[(arch, f"critical x{f}")]["rightmost"] for f in ("0.5", "1", "1.5")]
        gains = [rows[(arch, f"critical x{f}")]["gain"] for f in ("0.5", "1", "1.5")]
        assert edges == sorted(edges) and gains == pytest.approx([0.5, 1.0, 1.5] * np.array(
            gains[1]))


def test_every_task_has_a_label():
    from gcrit_utils.training import TASK_LABELS, TASKS

    assert set(TASK_LABELS) == set(TASKS)
