"""The held-out-systems check of the gain choice: stored runs agree with a live one, and the
scores are read from the store only."""

import numpy as np
import pytest

from gcrit_utils.experiments.gain_choice import CANDIDATES
from gcrit_utils.experiments.gain_choice_check import (
    CHECK_RULES,
    CHECK_SYSTEMS,
    check_series,
    check_task,
    score_gain_choice_check,
    sweep_gain_choice_check,
)


def test_series_of_the_held_out_systems():
    for system, spec in CHECK_SYSTEMS.items():
        u = check_series(system)
        assert u.shape[0] == 6500 + 19 * 200 + spec["horizon"] and np.all(np.isfinite(u))
        np.testing.assert_allclose(u.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="system must be one of"):
        check_series("lorenz63")


def test_nothing_is_computed_when_the_store_is_empty(tmp_path):
    with pytest.raises(FileNotFoundError, match="gain_choice_check is not in the store"):
        score_gain_choice_check(root=tmp_path)
    assert not any(tmp_path.iterdir())


def test_the_stored_runs_match_a_live_task():
    sweep = sweep_gain_choice_check()
    data = sweep.stored()
    if data is None:
        pytest.skip("gain_choice_check is not stored")
    tasks = sweep.tasks()
    index = next(i for i, t in enumerate(tasks)
                 if (t["system"], t["arch"], t["seed"]) == ("henon", "gru", 3))
    live = check_task(tasks[index])
    i, j, k = np.unravel_index(index, data["test_vpt"].shape[:3])
    for key, value in live.items():
        np.testing.assert_allclose(data[key][i, j, k], value, rtol=1e-9, atol=1e-9)
    rows = score_gain_choice_check()
    assert len(rows) == len(CHECK_SYSTEMS) * len(sweep.config["archs"])
    for row in rows:
        assert row["best"] > 0 and all(0 < row[rule] for rule in CHECK_RULES)
    assert data["test_vpt"].shape[3] == len(CANDIDATES)
