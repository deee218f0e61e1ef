"""tune_gain on systems the book does not use (Rössler, Hénon), and its input checks."""

import warnings

import numpy as np
import pytest

from gcrit_utils import critical_gain
from gcrit_utils.systems import normalise
from gcrit_utils.tuning import tune_gain, validation_layout

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


def test_a_series_too_short_is_refused_with_the_length_it_needs():
    with pytest.raises(ValueError, match=r"series too short for tune_gain: 2000 samples, need "
                                         r"at least \d+"):
        tune_gain("gru", np.zeros((2000, 3)), dt=0.02, lyapunov_exponent=0.9)
    layout = validation_layout(20000, dt=0.02, lyapunov_exponent=0.9)
    tail = (layout["n_windows"] - 1) * layout["window_stride"] + layout["horizon"]
    assert layout["washout"] + layout["train"] + layout["val"] + tail == 20000


@pytest.mark.parametrize("kwargs,message", [
    ({"bracket": (1.0, 0.5)}, "bracket"),
    ({"bracket": (0.0, 1.0)}, "bracket"),
    ({"ratios": []}, "ratios"),
    ({"readouts": ("cubic",)}, "readouts"),
    ({"sync": 600}, "sync"),
    ({"dt": 0.0}, "dt"),
])
def test_bad_arguments(kwargs, message):
    args = {"dt": 0.1, "lyapunov_exponent": ROSSLER_LAMBDA, **kwargs}
    with pytest.raises(ValueError, match=message):
        tune_gain("gru", np.zeros((20000, 3)), n=10, **args)
    with pytest.raises(ValueError, match="shape"):
        tune_gain("gru", np.zeros(20000), dt=0.1, lyapunov_exponent=0.1)
