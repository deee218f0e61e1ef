"""The leaky tanh reservoir: reservoirpy's node, with the tanh RNN's critical gain."""

import warnings

import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN, critical_gain, get_cell, zero_state_eigenvalues
from gcrit_utils.cells import LeakyTanh, from_reservoirpy, to_reservoirpy
from gcrit_utils.signalprop import length_fixed_point, signal_params
from gcrit_utils.symbolic import symbolic_zero_state_check

F64 = torch.float64


def test_leak_one_is_the_tanh_rnn():
    x = torch.randn(40, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    tanh = RandomRNN("rnn", 50, [0.8, 1.6], 0.5, input_dim=3, seed=2, dtype=F64)
    leak1 = RandomRNN(LeakyTanh(1.0), 50, [0.8, 1.6], 0.5, input_dim=3, seed=2, dtype=F64)
    assert torch.allclose(leak1.run(x), tanh.run(x), rtol=0, atol=1e-13)


def test_a_smaller_leak_is_a_slower_map_of_the_same_fixed_points():
    net = RandomRNN(LeakyTanh(0.2), 60, [0.9], 0.5, seed=1, dtype=F64)
    tanh = RandomRNN("rnn", 60, [0.9], 0.5, seed=1, dtype=F64)
    h = tanh.run(400)[-1]  # the tanh RNN's fixed point (ordered at 0.9 g_c)
    assert torch.allclose(tanh.step(h), h, atol=1e-12)
    assert torch.allclose(net.step(h), h, atol=1e-12)


@pytest.mark.parametrize("s", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("leak", [0.1, 0.3, 1.0])
def test_the_critical_gain_does_not_depend_on_the_leak(s, leak):
    cell = LeakyTanh(leak)
    assert critical_gain(cell, s) == critical_gain("rnn", s)
    assert critical_gain(cell, s, method="mean_field") == pytest.approx(
        critical_gain("rnn", s, method="mean_field"), rel=1e-12)


def test_zero_state_eigenvalues_are_the_tanh_rnns_moved_and_shrunk():
    """Every eigenvalue is 1 - a + a mu, mu one of the tanh RNN's: lambda = 1 iff mu = 1."""
    a = 0.3
    leaky = zero_state_eigenvalues(RandomRNN(LeakyTanh(a), 80, [1.2], 0.5, seed=3, dtype=F64))
    tanh = zero_state_eigenvalues(RandomRNN("rnn", 80, [1.2], 0.5, seed=3, dtype=F64))
    assert np.allclose(np.sort_complex(leaky[0]), np.sort_complex(1 - a + a * tanh[0]),
                       atol=1e-12)


def test_the_support_is_a_disk_around_one_minus_the_leak():
    from gcrit_utils.theory import spectral_support, support_right_edge

    a, g = 0.3, 1.4
    edge = spectral_support(LeakyTanh(a), g, 0.0, n_points=64)
    assert np.allclose(np.abs(edge - (1 - a)), a * g, rtol=1e-8)
    assert support_right_edge(LeakyTanh(a), g) == pytest.approx(1 - a + a * g, rel=1e-10)


def test_the_symbolic_jacobian_is_the_predicted_one():
    check = symbolic_zero_state_check(LeakyTanh(0.25))
    assert check.matches and not check.fixed_point


def test_parameters_are_validated():
    assert get_cell("leaky").leak == 0.3
    assert get_cell("leaky", leak=0.1) == LeakyTanh(0.1)
    assert get_cell(LeakyTanh(0.5)).params == {"leak": 0.5}
    for bad in (0.0, -0.2, 1.5, float("nan")):
        with pytest.raises(ValueError, match="leak"):
            LeakyTanh(bad)
    with pytest.raises(ValueError, match="parameters"):
        get_cell("leaky", rate=0.1)
    with pytest.raises(ValueError, match="parameters"):
        get_cell("gru", leak=0.1)
    with pytest.raises(ValueError, match="has no torch module"):
        RandomRNN("leaky", 10, 1.0).to_torch()
    with pytest.raises(ValueError, match="annealed length map"):
        length_fixed_point(signal_params("leaky", 1.0, 0.5))


def test_translation_to_and_from_reservoirpy():
    ours = from_reservoirpy(sr=1.25, lr=0.3, input_scaling=0.5, input_connectivity=0.1,
                            input_dim=3)
    assert ours["g"] == 1.25 and ours["leak"] == 0.3
    assert ours["input_scale"] == pytest.approx(0.5 * np.sqrt(0.3))
    back = to_reservoirpy(ours["g"], ours["leak"], ours["input_scale"], 0.1, 3)
    assert back == pytest.approx({"sr": 1.25, "lr": 0.3, "input_scaling": 0.5})
    with pytest.raises(ValueError, match="sr"):
        from_reservoirpy(sr=0.0)


def test_translation_matches_reservoirpys_initialisers():
    """reservoirpy's own W (spectral radius sr) and Win (variance p sigma^2) against ours."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.nodes import Reservoir

    n, d = 1500, 4
    res = Reservoir(n, lr=0.3, sr=1.1, input_scaling=0.7, input_connectivity=0.1, seed=0)
    res.initialize(np.zeros((1, d)))
    ours = from_reservoirpy(sr=1.1, lr=0.3, input_scaling=0.7, input_connectivity=0.1,
                            input_dim=d)
    w_in = res.Win.toarray() if hasattr(res.Win, "toarray") else np.asarray(res.Win)
    assert w_in.var() == pytest.approx(ours["input_scale"] ** 2 / d, rel=0.05)
    net = RandomRNN("leaky", n, ours["g"], 0.0, seed=0, dtype=F64)
    radius = np.abs(np.linalg.eigvals(ours["g"] * net.w0.numpy())).max()
    assert radius == pytest.approx(1.1, rel=0.05)  # circular law: g W0 has radius g
