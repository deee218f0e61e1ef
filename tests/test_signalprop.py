"""Mean-field signal propagation, its simulations and the training helpers."""

import math

import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.experiments.propagation import timescale_grid
from gcrit_utils.propagation import jacobian_product_singular_values, simulate_propagation
from gcrit_utils.signalprop import (
    chi_one,
    correlation_fixed_point,
    correlation_map,
    length_fixed_point,
    propagation_path,
    signal_params,
    timescale_from_slope,
    timescales,
)
from gcrit_utils.theory import mean_field_rnn
from gcrit_utils.training import (
    MinimalRNNModule,
    RecurrentRegressor,
    model_from_random_rnn,
    steps_to_solve,
    task_batch,
    train,
)

ARCHS = ["rnn", "minimalrnn", "gru", "lstm"]


def test_rnn_without_input_is_the_static_mean_field():
    for g, s in [(0.8, 0.0), (1.5, 0.0), (1.3, 0.7)]:
        q, chi = mean_field_rnn(g, s)
        p = signal_params("rnn", g, s)
        # two quadrature rules, each accurate to 1e-7 (documented)
        assert length_fixed_point(p)[0] == pytest.approx(q, rel=1e-7, abs=1e-12)
        assert chi_one(p) == pytest.approx(chi, rel=1e-7)


@pytest.mark.parametrize("arch", ["rnn", "minimalrnn", "gru"])
def test_chi_one_is_the_slope_of_the_correlation_map_at_one(arch):
    # identical inputs: c = 1 is a fixed point and the map's slope there is chi_1
    p = signal_params(arch, 1.7, 0.5, input_std=0.5)
    state = length_fixed_point(p)
    d = 1e-5
    slope = (correlation_map(p, 1.0, 1.0, state) - correlation_map(p, 1 - d, 1.0, state)) / d
    assert slope == pytest.approx(chi_one(p, state), rel=1e-3)


def test_gated_chi_one_at_the_zero_state_in_closed_form():
    # GRU, no bias, no input: z = r = 1/2 and n' = 1, so chi_1 = 1/4 + g^2/16 (annealed)
    for g in (1.0, 2.0, 3.0):
        p = signal_params("gru", g, 0.0)
        assert length_fixed_point(p) == (0.0,)
        assert chi_one(p) == pytest.approx(0.25 + g * g / 16, rel=1e-9)


@pytest.mark.parametrize("arch", ARCHS)
def test_fixed_points_are_fixed(arch):
    p = signal_params(arch, 2.0, 0.5, input_std=0.5)
    path = propagation_path(p, 400, q0=1.0, c0=0.0, input_corr=0.3)
    assert path["q"][-1] == pytest.approx(length_fixed_point(p)[0], rel=1e-6)
    c_star, _ = correlation_fixed_point(p, 0.3)
    assert path["c"][-1] == pytest.approx(c_star, abs=1e-6)
    ts = timescales(p, 0.3)
    assert 0 < ts["chi_c"] < 1 and ts["xi_c"] == pytest.approx(-1 / math.log(ts["chi_c"]))


def test_timescale_from_slope_is_elementwise_with_both_ends():
    chi = np.array([[0.5, 1.0], [1.5, 0.0], [-0.2, np.nan]])
    xi = timescale_from_slope(chi)
    assert xi.shape == (3, 2)
    assert xi[0, 0] == pytest.approx(1 / math.log(2))
    assert np.isinf(xi[0, 1]) and np.isinf(xi[1, 0])  # chi >= 1: no decay
    assert xi[1, 1] == 0 and xi[2, 0] == 0  # forgotten in one step
    assert np.isnan(xi[2, 1])  # an undefined slope stays undefined
    assert float(timescale_from_slope(0.9)) == pytest.approx(-1 / math.log(0.9))


def test_simulation_follows_the_length_map_for_the_tanh_rnn():
    net = RandomRNN("rnn", 1500, [0.8, 1.5], 0.5, input_dim=200, input_scale=0.5, seed=0,
                    dtype=torch.float64)
    sim = simulate_propagation(net, 60, q0=1.0, c0=0.0, input_corr=0.5, seed=1)
    for j, g in enumerate([0.8, 1.5]):
        q_star = length_fixed_point(signal_params("rnn", g, 0.5, input_std=0.5))[0]
        # time average over the stationary part; the fluctuations are O(1/sqrt(N d))
        assert sim["q"][-40:, j].mean() == pytest.approx(q_star, rel=0.03)
    assert sim["c"].shape == (61, 2) and np.all(np.abs(sim["c"]) <= 1)


def test_timescale_grid_and_bad_input():
    grid = timescale_grid("gru", [1.0, 2.0], [0.0, 1.0], vary="bias_mean")
    assert grid["chi_1"].shape == (2, 2)
    # a larger update-gate bias mean keeps units longer: chi_1 grows towards 1
    assert np.all(grid["chi_1"][1] > grid["chi_1"][0])
    with pytest.raises(ValueError, match="no memory gate"):
        timescale_grid("rnn", [1.0], [0.0], vary="bias_mean")
    with pytest.raises(ValueError, match="bias_mean keys"):
        signal_params("gru", 1.0, bias_mean={"r": 1.0})
    with pytest.raises(ValueError, match="input_std"):
        signal_params("gru", 1.0, input_std=-1.0)
    with pytest.raises(ValueError, match="c must be"):
        correlation_map(signal_params("rnn", 1.0), 1.5)


def test_isometry_of_orthogonal_linear_regime():
    # g = 0.01, no bias, no input: every pre-activation is O(g), tanh' = 1 - O(g^2), so the
    # 5-step product is g^5 times a product of orthogonal matrices: all singular values g^5
    g = 0.01
    net = RandomRNN("rnn", 40, g, 0.0, seed=0, dtype=torch.float64, orthogonal=True)
    s = jacobian_product_singular_values(net, 5, warmup=0)
    assert s.shape == (1, 40)
    assert np.allclose(s, g**5, rtol=1e-3)
    gauss = RandomRNN("rnn", 40, g, 0.0, seed=0, dtype=torch.float64)
    s_g = jacobian_product_singular_values(gauss, 5, warmup=0)
    assert s_g.max() / s_g.min() > 10.0  # Gaussian W0: singular values spread


def test_task_batches():
    gen = torch.Generator().manual_seed(0)
    x, y, m = task_batch("delay", 4, 5, gen)
    assert torch.equal(y[:, 5:], x[:, :-5]) and m[:, :5].sum() == 0
    x, y, m = task_batch("adding", 8, 20, gen)
    assert torch.allclose(y[:, -1, 0], (x[..., 0] * x[..., 1]).sum(1))
    assert torch.all(x[..., 1].sum(1) == 2) and m.sum() == 8
    with pytest.raises(ValueError, match="task must be"):
        task_batch("parity", 4, 5, gen)
    with pytest.raises(ValueError, match="needs the normalised series"):
        task_batch("lorenz", 4, 5, gen)


@pytest.mark.parametrize("arch", ["rnn", "minimalrnn", "gru", "lstm"])
def test_model_from_random_rnn_matches_the_network(arch):
    net = RandomRNN(arch, 12, 1.3, 0.5, input_dim=2, input_scale=1.0, seed=4)
    model = model_from_random_rnn(net)
    x = torch.randn(3, 7, 2, generator=torch.Generator().manual_seed(0))
    h, _ = model.core(x)
    state = net.zero_state(3)
    ours = []
    for t in range(7):
        state = net.step(state, x[:, t][None])
        ours.append(net.hidden(state)[0])
    assert torch.allclose(h, torch.stack(ours, dim=1), atol=1e-5)


def test_training_reduces_the_loss_and_is_reproducible():
    def run():
        net = RandomRNN("gru", 16, 1.0, 0.5, input_dim=1, seed=0)
        return train(model_from_random_rnn(net), "delay", 1, steps=150, batch=16, lr=1e-2,
                     seed=0)

    a, b = run(), run()
    assert np.array_equal(a.losses, b.losses)
    assert a.final < 0.5 * a.losses[0]
    assert steps_to_solve(a.losses, 0.5) <= 150
    assert steps_to_solve(np.ones(30), 0.5) == math.inf


def test_minimal_rnn_module_shapes():
    core = MinimalRNNModule(3, 5, generator=torch.Generator().manual_seed(0))
    model = RecurrentRegressor(core, 2)
    assert model(torch.zeros(4, 6, 3)).shape == (4, 6, 2)


def test_orthogonal_and_bias_mean_options():
    net = RandomRNN("gru", 30, 1.0, 0.5, seed=2, orthogonal=True, bias_mean={"z": 2.0},
                    dtype=torch.float64)
    for block in net.w0.split(30):  # every gate's W0 is orthogonal
        assert torch.allclose(block @ block.T, torch.eye(30, dtype=torch.float64), atol=1e-12)
    plain = RandomRNN("gru", 30, 1.0, 0.5, seed=2, dtype=torch.float64)
    assert torch.allclose(net.bias[1] - 2.0, plain.bias[1])  # same draw, shifted
    assert torch.equal(net.bias[0], plain.bias[0])
    with pytest.raises(ValueError, match="bias_mean keys"):
        RandomRNN("gru", 10, 1.0, bias_mean={"q": 1.0})


def test_singular_value_spread_floors_rounding_noise():
    from gcrit_utils.propagation import singular_value_floor, singular_value_spread

    assert singular_value_floor(np.array([2.0, 0.5, 1.0])) == 2.0 * 3 * np.finfo(float).eps
    spread, below = singular_value_spread(np.array([1.0, 0.1, 0.01]))
    assert spread == pytest.approx(2.0) and below == 0
    # a value at 1e-20 of the largest is rounding noise in float64: floored at N eps
    s = np.array([2.0, 0.5, 2e-20])
    spread, below = singular_value_spread(s)
    assert below == 1
    assert spread == pytest.approx(np.log10(1.0 / (3 * np.finfo(np.float64).eps)))
    assert singular_value_spread(np.zeros(4)) == (float("inf"), 4)
    with pytest.raises(ValueError, match="svals"):
        singular_value_spread(np.array([1.0, -1.0]))


def test_isometry_rows_print_only_resolved_digits():
    from gcrit_utils.experiments.propagation import ISOMETRY_COLUMNS, isometry_rows, spread_text

    resolved = np.array([1.0, 0.5, 0.1])
    noisy = np.array([1.0, 1e-19, 2e-19, 3e-19, 1e-3])  # median below 5 eps
    rows = isometry_rows({"a": {10: resolved}, "b": {100: noisy}})
    assert len(rows[0]) == len(ISOMETRY_COLUMNS)
    assert rows[0][4] == "0.5" and rows[0][5] == "1.0" and rows[0][6] == "0"
    assert rows[1][4].startswith("< ") and rows[1][5].startswith("> ") and rows[1][6] == "3"
    assert spread_text(resolved) == "1.0"


def test_orthogonal_weights_at_chi_one_are_isometric_without_bias():
    from gcrit_utils.experiments.propagation import isometry_at_chi_one

    svals = isometry_at_chi_one(n=60, horizons=(10,), bias_stds=(0.0,), warmup=50)
    orth = svals["orthogonal, s_b = 0, g = 1"][10]
    gauss = svals["Gaussian, s_b = 0, g = 1"][10]
    assert orth.max() / orth.min() < 1.5  # all singular values near one another
    assert gauss.max() / gauss.min() > 100.0
