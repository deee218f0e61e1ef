"""Blocked cross-validation of closed-loop forecasts against a plain reference that keeps every
state, on a system the book does not use (the Hénon map)."""

import warnings

import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.crossval import cross_validated_vpt, fold_layout
from gcrit_utils.forecast import closed_loop, valid_prediction_time
from gcrit_utils.ridge import fit_ridge_validated, readout_features, solve_validated_normal
from gcrit_utils.systems import normalise

HENON_LAMBDA = 0.419  # per iteration


def _henon(steps: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.datasets import henon_map
    return normalise(henon_map(steps + 100)[100:])[0]


def test_layout_puts_every_window_inside_its_own_block():
    lay = fold_layout(3001, washout=200, folds=4, n_windows=3, horizon=100, window_stride=50,
                      sync=50)
    edges, starts = lay["edges"], lay["starts"]
    assert edges[0] == 201 and edges[-1] == 3001 and starts.shape == (4, 3)
    for f in range(4):
        assert edges[f] <= starts[f, 0] and starts[f, -1] + 100 <= edges[f + 1]
    with pytest.raises(ValueError, match=r"series too short for 4 folds: 900 samples, need "
                                         r"at least 1001"):
        fold_layout(900, washout=200, folds=4, n_windows=3, horizon=100, window_stride=50,
                    sync=50)
    with pytest.raises(ValueError, match="sync must be <= washout"):
        fold_layout(3001, washout=20, folds=4, n_windows=3, horizon=100, window_stride=50,
                    sync=50)
    with pytest.raises(ValueError, match="folds must be an integer >= 2"):
        fold_layout(3001, washout=200, folds=1, n_windows=3, horizon=100, window_stride=50,
                    sync=50)


@pytest.mark.parametrize("arch,readout", [("gru", "squared"), ("lstm", "linear")])
def test_matches_a_reference_that_keeps_every_state(arch, readout):
    u = _henon(2400)
    gains, n, kw = [0.3, 0.9], 40, dict(washout=100, folds=3, n_windows=2, horizon=30,
                                        window_stride=40, sync=50)
    ridges = (1e-8, 1e-4, 1e-1)
    got = cross_validated_vpt(arch, 0.5, gains, n, 7, u, HENON_LAMBDA, 1.0, readouts=(readout,),
                              ridges=ridges, chunk=64, **kw)
    assert got["vpt"].shape == (1, 2, 3, 2) and got["ridge"].shape == (1, 2, 3)
    # reference: every state kept; fold f fits on the other blocks' rows, validates on its own
    lay = fold_layout(len(u), **{k: kw[k] for k in kw})
    net = RandomRNN(arch, n, gains, 0.5, input_dim=u.shape[1], input_scale=0.1, seed=7,
                    dtype=torch.float64)
    x = torch.as_tensor(u)
    states = net.run(x[:-1])  # states[t] is the state after x[t]; it predicts x[t + 1]
    squared = readout == "squared"
    phi = readout_features(states[..., :n], n, squared)
    block = np.digitize(np.arange(1, len(u)), lay["edges"]) - 1  # block of row t's target
    for f in range(3):
        train, val = (block >= 0) & (block < 3) & (block != f), block == f
        w, chosen = fit_ridge_validated(phi[train], x[1:][train], phi[val], x[1:][val], ridges)
        np.testing.assert_array_equal(got["ridge"][0, :, f], chosen)
        for k, s in enumerate(lay["starts"][f]):
            h = net.zero_state()
            for t in range(kw["sync"], 0, -1):
                h = net.step(h, x[s - t])
            pred = closed_loop(net, w, h, kw["horizon"], squared=squared)  # (H, B, d)
            truth = u[s : s + kw["horizon"]]
            for b in range(2):
                expect = valid_prediction_time(truth, pred[:, b : b + 1].numpy(), 1.0,
                                               HENON_LAMBDA)
                assert got["vpt"][0, b, f, k] == pytest.approx(expect[0])
    assert got["vpt_mean"] == pytest.approx(got["vpt"].mean(axis=(2, 3)))
    assert got["vpt"].max() > 0  # the Hénon map is forecast for a while


def test_the_ridge_choice_from_normal_equations_matches_the_one_from_rows():
    rng = np.random.default_rng(0)
    phi, y = torch.as_tensor(rng.normal(size=(300, 2, 6))), torch.as_tensor(rng.normal(
        size=(300, 2)))
    y = y + phi[:, 0, :2] * 3.0
    train, val = slice(0, 200), slice(200, 300)
    w_ref, chosen_ref = fit_ridge_validated(phi[train], y[train], phi[val], y[val],
                                            (1e-6, 1.0, 1e3))

    def normal(rows):
        p = phi[rows].transpose(0, 1)
        return p.transpose(1, 2) @ p, p.transpose(1, 2) @ y[rows].expand(2, -1, -1)

    w, chosen = solve_validated_normal(*normal(train), *normal(val), (1e-6, 1.0, 1e3))
    np.testing.assert_array_equal(chosen, chosen_ref)
    np.testing.assert_allclose(w.numpy(), w_ref.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="differ in shape"):
        solve_validated_normal(*normal(train), normal(val)[0][:1], normal(val)[1], (1.0,))


def test_the_length_the_error_asks_for_is_exactly_enough():
    kw = dict(washout=200, folds=4, n_windows=3, horizon=100, window_stride=50, sync=50)
    with pytest.raises(ValueError, match="need at least 1001") as err:
        fold_layout(1000, **kw)
    assert "need at least 1001" in str(err.value)
    lay = fold_layout(1001, **kw)
    assert np.all(np.diff(lay["edges"]) == 200)  # four blocks of exactly one span


def test_both_readouts_at_once_equal_each_alone():
    u = _henon(2000)
    kw = dict(washout=100, folds=2, n_windows=2, horizon=25, window_stride=30, sync=50,
              chunk=100)
    both = cross_validated_vpt("rnn", 0.5, [0.5, 1.0], 30, 1, u, HENON_LAMBDA, 1.0,
                               readouts=("linear", "squared"), **kw)
    for r, readout in enumerate(("linear", "squared")):
        alone = cross_validated_vpt("rnn", 0.5, [0.5, 1.0], 30, 1, u, HENON_LAMBDA, 1.0,
                                    readouts=(readout,), **kw)
        np.testing.assert_array_equal(both["vpt"][r], alone["vpt"][0])
        np.testing.assert_array_equal(both["ridge"][r], alone["ridge"][0])


@pytest.mark.parametrize("kwargs,message", [
    ({"ridges": ()}, "ridges"),
    ({"ridges": (-1.0,)}, "ridges"),
    ({"threshold": 0.0}, "threshold"),
    ({"readouts": ("cubic",)}, "readouts"),
    ({"lyapunov_exponent": 0.0}, "lyapunov_exponent"),
    ({"series": np.full((3000, 2), np.nan)}, "finite"),
    ({"series": np.zeros(3000)}, "shape"),
])
def test_bad_arguments_are_refused_before_any_run(kwargs, message):
    args = {"series": np.zeros((3000, 2)), "lyapunov_exponent": HENON_LAMBDA, **kwargs}
    series, lyap = args.pop("series"), args.pop("lyapunov_exponent")
    with pytest.raises(ValueError, match=message):
        cross_validated_vpt("gru", 0.5, [1.0], 10, 0, series, lyap, 1.0, **args)
