import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.forecast import (
    closed_loop,
    normalised_error,
    nrmse,
    teacher_forced_states,
    valid_prediction_time,
)
from gcrit_utils.ridge import fit_ridge, fit_ridge_validated, readout_features

F64 = torch.float64


def test_features_shapes():
    s = torch.randn(7, 3, 10)
    assert readout_features(s, 10).shape == (7, 3, 11)
    assert readout_features(s, 10, squared=True).shape == (7, 3, 16)
    assert torch.all(readout_features(s, 10)[..., 10] == 1)


def test_ridge_recovers_linear_map_for_every_batch_member():
    gen = torch.Generator().manual_seed(0)
    phi = torch.randn(400, 3, 6, dtype=F64, generator=gen)
    w_true = torch.randn(3, 6, 2, dtype=F64, generator=gen)
    y = torch.einsum("tbf,bfd->tbd", phi, w_true)
    w = fit_ridge(phi, y, 0.0)
    assert torch.allclose(w, w_true, atol=1e-10)
    # a shared target is broadcast; ridge shrinks the weights
    w_shared = fit_ridge(phi, y[:, 0], 1e3)
    assert w_shared.shape == (3, 6, 2)
    assert w_shared.norm() < fit_ridge(phi, y[:, 0], 0.0).norm()


def test_ridge_matches_numpy_lstsq_with_regularisation():
    gen = torch.Generator().manual_seed(1)
    phi = torch.randn(200, 1, 5, dtype=F64, generator=gen)
    y = torch.randn(200, 1, dtype=F64, generator=gen)
    lam = 0.7
    a = phi[:, 0].numpy()
    ref = np.linalg.solve(a.T @ a + lam * np.eye(5), a.T @ y.numpy())
    assert np.allclose(fit_ridge(phi, y, lam)[0].numpy(), ref, atol=1e-12)


def test_one_step_readout_and_closed_loop_on_a_sine():
    t = torch.arange(1500, dtype=F64) * 0.1
    u = torch.stack([torch.sin(t), torch.cos(t)], dim=1)
    net = RandomRNN("gru", 100, [0.5, 1.0], 0.3, input_dim=2, input_scale=0.5, seed=0,
                    dtype=F64)
    states = teacher_forced_states(net, u[:-1])
    washout = 100
    w = fit_ridge(readout_features(states[washout:], net.n), u[washout + 1:], 1e-6)
    one_step = torch.einsum("tbf,bfd->tbd", readout_features(states[washout:], net.n), w)
    assert nrmse(u[washout + 1:], one_step).max() < 1e-4
    # the last state has seen u[:-1]: its readout predicts u[-1], then the loop runs on
    pred = closed_loop(net, w, states[-1], 200)
    ahead = t[-1] + 0.1 * torch.arange(200, dtype=F64)
    truth = torch.stack([torch.sin(ahead), torch.cos(ahead)], dim=1)
    assert nrmse(truth, pred).max() < 1e-3


def test_valid_prediction_time_counts_divergence_as_error():
    truth = np.ones((10, 1))
    pred = np.ones((10, 3, 1))
    pred[4:, 1, 0] = 2.0  # error 1 > 0.4 from step 4
    pred[6:, 2, 0] = np.nan  # diverges at step 6
    vpt = valid_prediction_time(truth, pred, dt=0.5, lyapunov_exponent=2.0)
    assert np.allclose(vpt, [10.0, 4.0, 6.0])
    assert np.isinf(nrmse(truth, pred)[2]) and not np.isnan(vpt).any()


@pytest.mark.parametrize("kwargs", [dict(dt=0.0), dict(lyapunov_exponent=-1.0),
                                    dict(threshold=0.0)])
def test_vpt_rejects_bad_input(kwargs):
    args = dict(dt=0.1, lyapunov_exponent=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        valid_prediction_time(np.ones((3, 1)), np.ones((3, 1, 1)), **args)


def test_driving_needs_input():
    with pytest.raises(ValueError, match="input_dim"):
        teacher_forced_states(RandomRNN("gru", 5, 1.0), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="ridge"):
        fit_ridge(torch.zeros(3, 1, 2), torch.zeros(3, 1), -1.0)


def test_closed_loop_with_windows_equals_one_window_at_a_time():
    net = RandomRNN("lstm", 30, [0.8, 1.6], 0.3, input_dim=2, seed=1, dtype=F64)
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(2, 31, 2, dtype=F64, generator=gen) * 0.1
    h = torch.randn(2, 4, net.dim, dtype=F64, generator=gen) * 0.1
    batched = closed_loop(net, w, h, 25)
    assert batched.shape == (25, 2, 4, 2)
    for k in range(4):
        single = closed_loop(net, w, h[:, k], 25)
        assert torch.allclose(batched[:, :, k], single, atol=1e-12)


def test_validated_ridge_picks_the_best_strength_per_network():

    gen = torch.Generator().manual_seed(3)
    # network 0: clean linear data (small ridge best); network 1: pure noise (large ridge best)
    phi = torch.randn(300, 2, 20, dtype=F64, generator=gen)
    w_true = torch.randn(20, 1, dtype=F64, generator=gen)
    y = torch.stack([phi[:, 0] @ w_true, torch.randn(300, 1, dtype=F64, generator=gen)], dim=1)
    w, chosen = fit_ridge_validated(phi[:200], y[:200], phi[200:], y[200:],
                                    ridges=(1e-8, 1e2, 1e4))
    assert chosen[0] == 1e-8 and chosen[1] >= 1e2
    assert torch.allclose(w[0], fit_ridge(phi[:200, :1], y[:200, :1], 1e-8)[0])
    with pytest.raises(ValueError, match="ridges"):
        fit_ridge_validated(phi, y, phi, y, ridges=())


def test_forecast_gains_on_lorenz_small():
    from gcrit_utils.forecast import forecast_gains
    from gcrit_utils.systems import LYAPUNOV_EXPONENTS, lorenz63, normalise

    u, _, _ = normalise(lorenz63(2600, dt=0.02, seed=0))
    kw = dict(washout=100, train=1200, val=300, n_windows=4, window_stride=150, sync=50,
              horizon=400, input_scale=0.2)
    lam = LYAPUNOV_EXPONENTS["lorenz63"][0]
    both = ("linear", "squared")
    a = forecast_gains("gru", 0.5, [0.5, 1.9, 6.0], 120, 0, u, lam, 0.02, readouts=both, **kw)
    b = forecast_gains("gru", 0.5, [0.5, 1.9, 6.0], 120, 0, u, lam, 0.02, readouts=both, **kw)
    assert a["vpt"].shape == (2, 3, 4) and np.array_equal(a["vpt"], b["vpt"])
    assert a["nrmse_lyapunov_time"].shape == (2, 3) and a["one_step_nrmse"].shape == (2, 3)
    assert np.all(np.isfinite(a["vpt"])) and np.all(a["vpt"] >= 0)
    assert a["one_step_nrmse"].min() < 0.05  # a working readout
    assert a["vpt_mean"].max() > 0.5  # at least one gain forecasts beyond half a Lyapunov time
    # the linear readout alone gives the same numbers as its row of the joint run
    c = forecast_gains("gru", 0.5, [0.5, 1.9, 6.0], 120, 0, u, lam, 0.02, **kw)
    assert np.array_equal(c["vpt"][0], a["vpt"][0])
    with pytest.raises(ValueError, match="at least"):
        forecast_gains("gru", 0.5, [1.0], 20, 0, u[:500], lam, 0.02, **kw)
    with pytest.raises(ValueError, match="readouts"):
        forecast_gains("gru", 0.5, [1.0], 20, 0, u, lam, 0.02, readouts=("cubic",), **kw)
    # the training half alone: the same one-step errors; another chunk sums the same normal
    # equations in another order (a rounding-level change)
    from gcrit_utils.forecast import one_step_nrmse_gains

    train_kw = {k: kw[k] for k in ("washout", "train", "val", "input_scale")}
    one = one_step_nrmse_gains("gru", 0.5, [0.5, 1.9, 6.0], 120, 0, u, readouts=both,
                               **train_kw)
    assert np.array_equal(one, a["one_step_nrmse"])
    other = one_step_nrmse_gains("gru", 0.5, [0.5, 1.9, 6.0], 120, 0, u, readouts=both,
                                 chunk=100, **train_kw)
    # ordered at 0.5: equal to rounding, amplified by the ridge problem's conditioning
    # (1.3e-6 relative on one CPU type; bit-equal on another, whose kernels happen to round
    # both orders alike: whether they differ is the BLAS's business, not the code's)
    assert np.allclose(other[:, 0], one[:, 0], rtol=1e-5, atol=0)
    with pytest.raises(ValueError, match="series must have shape"):
        one_step_nrmse_gains("gru", 0.5, [1.0], 20, 0, u[:, 0], **train_kw)
    with pytest.raises(ValueError, match="chunk"):
        one_step_nrmse_gains("gru", 0.5, [1.0], 20, 0, u, chunk=0, **train_kw)


def test_ridge_on_singular_features_does_not_fail():
    """A reservoir with g = 0 and no input gives constant features: Gram matrix singular."""
    phi = torch.zeros(50, 2, 6, dtype=F64)
    phi[..., -1] = 1.0
    y = torch.randn(50, 1, dtype=F64, generator=torch.Generator().manual_seed(0))
    w0 = fit_ridge(phi, y, 0.0)
    assert torch.isnan(w0).all()  # not positive definite: reported, not a crash
    w, chosen = fit_ridge_validated(phi[:40], y[:40], phi[40:], y[40:], ridges=(0.0, 1e-6))
    assert np.all(chosen == 1e-6) and torch.isfinite(w).all()
    # the constant feature carries the mean of the targets
    assert torch.allclose(w[:, -1, 0], y[:40].mean().expand(2), atol=1e-6)


def test_closed_loop_vpt_equals_full_closed_loop():
    """Dropping failed rows early changes nothing: same VPT steps and short NRMSE."""
    from gcrit_utils.forecast import closed_loop_vpt
    from gcrit_utils.systems import lorenz63, normalise

    u, _, _ = normalise(lorenz63(2000, seed=3))
    x = torch.as_tensor(u)
    net = RandomRNN("gru", 80, [0.5, 1.9, 4.0], 0.5, input_dim=3, input_scale=0.3, seed=1,
                    dtype=F64)
    states = net.run(x[:1200])
    phi = readout_features(states, 80)
    w = fit_ridge(phi[100:1199], x[101:1200], 1e-6)
    starts = np.array([1300, 1450, 1600])
    h = net.zero_state(3)
    for t in range(50, 0, -1):
        h = net.step(h, x[starts - t])
    truth = np.stack([u[s : s + 150] for s in starts], axis=1)
    first, short = closed_loop_vpt(net, w, h, truth, 0.4, short_steps=30, check_every=7)
    pred = closed_loop(net, w, h, 150).numpy()
    for k, s in enumerate(starts):
        steps = valid_prediction_time(u[s : s + 150], pred[:, :, k], 1.0, 1.0)
        assert np.array_equal(first[:, k], steps)
        err = normalised_error(u[s : s + 150], pred[:, :, k])[:30]  # horizon-wide scale
        assert np.allclose(short[:, k], np.sqrt(np.mean(err**2, axis=0)))
    assert first.min() < first.max()  # some rows did leave the batch early
