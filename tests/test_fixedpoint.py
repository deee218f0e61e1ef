"""Fixed points of finite networks and their loss of stability (gcrit_utils.fixedpoint)."""

import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.experiments.beyond import assemble_beyond, beyond_task, beyond_tasks
from gcrit_utils.fixedpoint import fixed_point, fixed_point_crossing, spectral_radius


@pytest.mark.parametrize("arch,cand", [("rnn", 0.0), ("gru", 0.8), ("lstm", 0.8)])
def test_newton_finds_a_fixed_point(arch, cand):
    net = RandomRNN(arch, 60, [0.5, 1.0, 1.5], 0.8, seed=1, dtype=torch.float64,
                    candidate_bias_std=cand)
    h, err = fixed_point(net)
    assert float(err.max()) < 1e-11
    assert torch.allclose(net.step(h), h, atol=1e-11)
    assert float(h.abs().max()) > 0.01  # not the zero state: the bias moves it


def test_spectral_radius_dense_and_arpack_agree():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((1600, 1600)) / 40.0
    big = spectral_radius(m)  # ARPACK above 1500
    assert abs(big) == pytest.approx(np.abs(np.linalg.eigvals(m)).max(), rel=1e-8)
    with pytest.raises(ValueError, match="square"):
        spectral_radius(np.zeros((2, 3)))


def test_crossing_without_candidate_bias_is_the_zero_state_radius():
    # h* = 0 for every gain: the crossing is where max |eig J0(g)| = 1, found here by a
    # direct bisection on the zero-state factors
    res = fixed_point_crossing("gru", 80, 0.5, 2, 2.0, rtol=1e-6)
    f = RandomRNN("gru", 80, 1.0, 0.5, seed=2).zero_state_factors()

    def radius(g):
        return np.abs(np.linalg.eigvals(np.diag(f.a) + g * (f.u[:, None] * f.w0))).max()

    lo, hi = 1.0, 4.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if radius(mid) >= 1 else (mid, hi)
    assert res.g == pytest.approx(lo, rel=2e-6)
    assert res.q == 0.0
    assert res.radii[-1] >= 1.0 > res.radii[-2]


def test_crossing_follows_the_moving_fixed_point():
    res = fixed_point_crossing("rnn", 80, 0.8, 0, 1.5)
    assert np.isfinite(res.g) and res.q > 0
    net = RandomRNN("rnn", 80, [0.99 * res.g], 0.8, seed=0, dtype=torch.float64)
    h, _ = fixed_point(net)
    assert abs(spectral_radius(net.jacobian(h)[0].numpy())) < 1.0


def test_crossing_rejects_bad_input():
    with pytest.raises(ValueError, match="minimalrnn"):
        fixed_point_crossing("minimalrnn", 20, 0.5, 0, 1.0)
    with pytest.raises(ValueError, match="stop must be > start"):
        fixed_point_crossing("gru", 20, 0.5, 0, 1.0, start=1.2, stop=1.1)
    with pytest.raises(ValueError, match="already unstable"):
        fixed_point_crossing("gru", 40, 0.5, 0, 10.0, start=0.7)
    with pytest.raises(ValueError, match="net must be"):
        fixed_point("not a net")


def test_beyond_task_and_assembly_shapes():
    cfg = {"cases": [("rnn", 0.5, 0.0), ("gru", 0.5, 0.5)], "n": 40, "seeds": [0, 1],
           "ratios": [0.8, 1.0, 1.2], "steps": 50, "warmup": 50}
    tasks = beyond_tasks(cfg)
    assert len(tasks) == 4
    out = assemble_beyond(cfg, [beyond_task(t) for t in tasks])
    assert out["g_fixed_point"].shape == (2, 2)
    assert out["exponents"].shape == (2, 2, 3)
    assert out["g_lyapunov"].shape == (2, 2)
    assert np.all(out["g_mean_field"][1] > out["g_zero_state"][1])
