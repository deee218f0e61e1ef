"""The Lorenz-63 trajectory of the forecasting chapter is stored, not re-integrated per machine."""

import numpy as np
import pytest

from gcrit_utils.experiments.forecasting import (
    STORED_SERIES,
    WINDOWS,
    forecast_series,
    series_length,
    stored_series,
    sweep_series,
)
from gcrit_utils.experiments.training import lorenz_training_series
from gcrit_utils.store import load_result, save_result
from gcrit_utils.systems import _lorenz, normalise


def test_forecast_series_reads_the_stored_trajectory():
    raw = stored_series("lorenz63")
    assert raw.shape == (max(series_length(s) for s in STORED_SERIES), 3)
    w = WINDOWS["lorenz63"]
    train = raw[w["washout"] : w["washout"] + w["train"]]
    expected, _, _ = normalise(raw, train.mean(axis=0), train.std(axis=0))
    np.testing.assert_array_equal(forecast_series("lorenz63"), expected)
    x, x_train = raw[:, :1], train[:, :1]  # normalised with its own training statistics
    expected_x, _, _ = normalise(x, x_train.mean(axis=0), x_train.std(axis=0))
    np.testing.assert_array_equal(forecast_series("lorenz63_x"), expected_x)


@pytest.mark.parametrize("start", [0, 5000, 11000])
def test_stored_trajectory_is_a_lorenz_trajectory(start):
    # integrated again for one time unit from a stored sample, on this machine: short enough
    # that BLAS-dependent rounding cannot grow (measured <= 5e-9, the solver's tolerance)
    raw = stored_series("lorenz63")
    again = _lorenz(51, 0.02, raw[start])
    np.testing.assert_allclose(again, raw[start : start + 51], rtol=0, atol=1e-7)


def test_missing_or_corrupt_series_is_computed_and_stored(tmp_path):
    raw = stored_series("lorenz63", root=tmp_path)
    data, meta = load_result("series_lorenz63", tmp_path)
    np.testing.assert_array_equal(data["raw"], raw)
    assert meta["params"]["n_steps"] == raw.shape[0] and meta["params"]["seed"] == 0
    (tmp_path / "series_lorenz63.npz").write_bytes(b"broken")
    np.testing.assert_array_equal(stored_series("lorenz63", root=tmp_path), raw)
    with pytest.raises(ValueError, match="system"):
        stored_series("mackey_glass")


def _fake_store(root, n_steps=None):
    """A store whose Lorenz-63 entry holds a reversed trajectory (what no integration gives)."""
    sweep = sweep_series("lorenz63", n_steps)
    fake = stored_series("lorenz63")[: sweep.config["n_steps"]][::-1].copy()
    save_result(sweep.name, {"raw": fake}, sweep.params, root=root)
    return fake


def test_the_series_comes_from_the_store_not_from_an_integration(tmp_path):
    fake = _fake_store(tmp_path)
    got = forecast_series("lorenz63", root=tmp_path)
    np.testing.assert_array_equal(got, forecast_series_from(fake))
    assert not np.allclose(got[:100], forecast_series("lorenz63")[:100])


def forecast_series_from(raw):
    w = WINDOWS["lorenz63"]
    train = raw[w["washout"] : w["washout"] + w["train"]]
    return normalise(raw, train.mean(axis=0), train.std(axis=0))[0]


def test_other_lengths_are_their_own_entries(tmp_path):
    raw = stored_series("lorenz63", 300, root=tmp_path)
    assert raw.shape == (300, 3)
    data, meta = load_result("series_lorenz63_300", tmp_path)
    np.testing.assert_array_equal(data["raw"], raw)
    assert meta["params"] == {"system": "lorenz63", "n_steps": 300, "dt": 0.02, "seed": 0}
    assert not (tmp_path / "series_lorenz63.npz").exists()
    with pytest.raises(ValueError, match="n_steps"):
        stored_series("lorenz63", 0, root=tmp_path)


def test_the_training_chapter_trains_on_the_stored_trajectory(tmp_path):
    fake = _fake_store(tmp_path, 400)
    got = lorenz_training_series(400, root=tmp_path)
    expected = ((fake - fake.mean(axis=0)) / fake.std(axis=0)).astype(np.float32)
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="seed"):
        lorenz_training_series(400, seed=-1)
