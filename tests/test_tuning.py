"""tune_gain on systems the book does not use (Rössler, Hénon), and its input checks."""

import warnings

import numpy as np
import pytest

from gcrit_utils import critical_gain
from gcrit_utils.crossval import cross_validated_vpt
from gcrit_utils.systems import normalise
from gcrit_utils.tuning import (
    HORIZON_LYAPUNOV_TIMES,
    lyapunov_time_samples,
    tune_gain,
    validation_layout,
)

ROSSLER_LAMBDA = 0.0714  # a = b = 0.2, c = 5.7 (Sprott 2003)
HENON_LAMBDA = 0.419  # a = 1.4, b = 0.3, per iteration (Sprott 2003)


def _rossler(steps: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import rossler
    return normalise(rossler(steps + 500, h=0.1)[500:])[0]


def _henon(steps: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import henon_map
    return normalise(henon_map(steps + 100)[100:])[0]


def test_rossler_choice_is_the_best_candidate_and_reproducible():
    u = _rossler(6000)
    kw = dict(dt=0.1, lyapunov_exponent=ROSSLER_LAMBDA, n=80, n_windows=4, horizon=300,
              seed=3)
    choice = tune_gain("gru", u, **kw)
    assert 0.02 <= choice.ratio <= 1.22
    assert choice.validation_vpt.shape == (len(choice.ratios), len(choice.readouts))
    k = list(choice.ratios).index(choice.ratio)
    r = choice.readouts.index(choice.readout)
    assert choice.validation_vpt[k, r] == choice.validation_vpt.max()
    assert choice.gain == pytest.approx(choice.ratio * critical_gain("gru", 0.5))
    # the coarse grid, then up to four around the coarse winner (inside the bracket)
    assert 13 < len(choice.ratios) <= 17 and np.all(choice.ratios >= 0.02)
    assert choice.validation_vpt.max() > 0.5  # it forecasts on held-out windows
    again = tune_gain("gru", u, **kw)
    assert again.ratio == choice.ratio and np.array_equal(again.validation_vpt,
                                                          choice.validation_vpt)


def test_henon_map_with_explicit_candidates_and_one_readout():
    u = _henon(4000)
    choice = tune_gain("rnn", u, dt=1.0, lyapunov_exponent=HENON_LAMBDA, n=80, n_windows=5,
                       ratios=[0.3, 0.6, 0.9], readouts=("squared",))
    assert list(choice.ratios) == [0.3, 0.6, 0.9] and choice.readout == "squared"
    assert choice.validation_vpt.shape == (3, 1)
    assert choice.layout["horizon"] == 10 * round(1 / HENON_LAMBDA)


def test_several_networks_pool_the_single_network_searches():
    """networks = 3 is the mean of the searches with seeds seed, seed + 1 and seed + 2, and
    picks the best candidate of that mean (what the book's scores of the pooled rule assume)."""
    u = _henon(4000)
    kw = dict(dt=1.0, lyapunov_exponent=HENON_LAMBDA, n=60, n_windows=4,
              ratios=[0.2, 0.5, 0.8, 1.1])
    singles = [tune_gain("lstm", u, seed=s, **kw).validation_vpt for s in (4, 5, 6)]
    pooled = tune_gain("lstm", u, seed=4, networks=3, **kw)
    assert pooled.network_vpt.shape == (3, 4, 2)
    np.testing.assert_array_equal(pooled.network_vpt, np.stack(singles))
    np.testing.assert_allclose(pooled.validation_vpt, np.mean(singles, axis=0))
    k, r = np.unravel_index(np.argmax(np.mean(singles, axis=0)), (4, 2))
    assert (pooled.ratio, pooled.readout) == (kw["ratios"][k], pooled.readouts[r])


def test_the_refinement_follows_the_pooled_coarse_winner():
    u = _henon(4000)
    choice = tune_gain("gru", u, dt=1.0, lyapunov_exponent=HENON_LAMBDA, n=60, n_windows=4,
                       networks=2, coarse=5, refine=2)
    coarse = choice.network_vpt[:, :5].mean(axis=0)
    winner = choice.ratios[int(np.argmax(coarse.max(axis=1)))]
    step = choice.ratios[1] - choice.ratios[0]
    assert np.all(np.abs(choice.ratios[5:] - winner) < 0.5 * step + 1e-9)
    assert choice.network_vpt.shape[:2] == (2, len(choice.ratios))


def test_cross_validated_choice_is_the_best_cross_validated_candidate():
    u = _henon(3000)
    kw = dict(dt=1.0, lyapunov_exponent=HENON_LAMBDA, n=50, seed=2, ratios=[0.3, 0.7, 1.0],
              folds=3, n_windows=3)
    choice = tune_gain("gru", u, **kw)
    horizon = 10 * round(1 / HENON_LAMBDA)
    assert choice.layout == {"washout": 500, "folds": 3, "n_windows": 3,
                             "window_stride": horizon // 4, "sync": 100, "horizon": horizon}
    g_c = critical_gain("gru", 0.5)
    direct = cross_validated_vpt("gru", 0.5, [r * g_c for r in kw["ratios"]], 50, 2, u,
                                 HENON_LAMBDA, 1.0, **choice.layout)["vpt_mean"].T
    np.testing.assert_array_equal(choice.validation_vpt, direct)
    k, r = np.unravel_index(np.argmax(direct), direct.shape)
    assert (choice.ratio, choice.readout) == (kw["ratios"][k], choice.readouts[r])
    with pytest.raises(ValueError, match="series too short for 3 folds"):
        tune_gain("gru", u[:560], **kw)
    default = tune_gain("gru", u, dt=1.0, lyapunov_exponent=HENON_LAMBDA, n=20, ratios=[0.5],
                        folds=3)
    assert default.layout["n_windows"] == 5  # per fold


def test_a_series_too_short_is_refused_with_the_length_it_needs():
    with pytest.raises(ValueError, match=r"series too short for tune_gain: 2000 samples, need "
                                         r"at least \d+") as err:
        tune_gain("gru", np.zeros((2000, 3)), dt=0.02, lyapunov_exponent=0.9)
    for keyword in ("washout=500", "val=500", "n_windows=10", "horizon=", "window_stride="):
        assert keyword in str(err.value)  # the message names what to shorten
    layout = validation_layout(20000, dt=0.02, lyapunov_exponent=0.9)
    tail = (layout["n_windows"] - 1) * layout["window_stride"] + layout["horizon"]
    assert layout["washout"] + layout["train"] + layout["val"] + tail == 20000


@pytest.mark.parametrize("kwargs,message", [
    ({"bracket": (1.0, 0.5)}, "bracket"),
    ({"bracket": (0.0, 1.0)}, "bracket"),
    ({"ratios": []}, "ratios"),
    ({"readouts": ("cubic",)}, "readouts"),
    ({"sync": 600}, "sync"),
    ({"networks": 0}, "networks"),
    ({"folds": 0}, "folds"),
    ({"dt": 0.0}, "dt"),
    ({"bracket": (0.5,)}, r"bracket must be two numbers \(low, high\)"),
    ({"bracket": (0.1, 0.5, 1.0)}, "bracket must be two numbers"),
    ({"ratios": 0.5}, "ratios must be a sequence"),
    ({"washout": 0}, "washout must be an integer >= 1"),
    ({"coarse": 1}, "coarse must be an integer >= 2"),
])
def test_bad_arguments(kwargs, message):
    args = {"dt": 0.1, "lyapunov_exponent": ROSSLER_LAMBDA, **kwargs}
    with pytest.raises(ValueError, match=message):
        tune_gain("gru", np.zeros((20000, 3)), n=10, **args)
    with pytest.raises(ValueError, match=r"shape \(T, d\).*u\.reshape\(-1, 1\)"):
        tune_gain("gru", np.zeros(20000), dt=0.1, lyapunov_exponent=0.1)


def test_the_default_horizon_is_that_many_lyapunov_times():
    assert lyapunov_time_samples(0.02, 0.9) == 56  # 1 / 0.018 = 55.6 samples
    assert lyapunov_time_samples(1.0, 2.0) == 1  # shorter than a sample: one sample
    for dt, lyap in ((0.02, 0.9), (1.0, HENON_LAMBDA), (1.0, 1.0)):
        layout = validation_layout(20000, dt=dt, lyapunov_exponent=lyap)
        assert layout["horizon"] == HORIZON_LYAPUNOV_TIMES * lyapunov_time_samples(dt, lyap)
        assert layout["window_stride"] == max(1, layout["horizon"] // 4)
    with pytest.raises(ValueError, match="lyapunov_exponent"):
        lyapunov_time_samples(0.1, -1.0)
