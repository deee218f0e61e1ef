import numpy as np
import pytest
import torch

from gcrit_utils import (
    RandomRNN,
    critical_gain,
    rightmost_eigenvalue,
    rightmost_eigenvalues,
    spectral_edge_crossing,
    support_right_edge,
    zero_state_eigenvalues,
)


@pytest.mark.parametrize("arch", ["gru", "lstm"])
@pytest.mark.parametrize("s", [0.0, 0.5])
def test_edge_crossing_matches_critical_gain_at_n1000(arch, s):
    net = RandomRNN(arch, 1000, 1.0, s, seed=0, dtype=torch.float64)
    g_star = spectral_edge_crossing(net, rtol=1e-4)
    assert g_star == pytest.approx(critical_gain(arch, s), rel=0.05)


@pytest.mark.parametrize("arch,s", [("rnn", 0.5), ("gru", 0.5), ("lstm", 0.5)])
def test_rightmost_eigenvalue_matches_predicted_edge(arch, s):
    g = 1.2 * critical_gain(arch, s)
    net = RandomRNN(arch, 1000, g, s, seed=1, dtype=torch.float64)
    lam = rightmost_eigenvalues(net)[0]
    assert lam.real == pytest.approx(support_right_edge(arch, g, s), rel=0.03)


def test_arpack_agrees_with_dense():
    net = RandomRNN("gru", 400, 2.2, 0.5, seed=3, dtype=torch.float64)
    m = net.zero_state_factors().matrix()
    dense = rightmost_eigenvalue(m, "dense")
    arpack = rightmost_eigenvalue(m, "arpack")
    assert abs(dense.real - arpack.real) < 1e-8


def test_minimalrnn_spectrum_is_the_gate_diagonal():
    net = RandomRNN("minimalrnn", 50, [0.5, 5.0], 1.0, seed=0, dtype=torch.float64)
    ev = zero_state_eigenvalues(net)
    a = np.sort(net.zero_state_factors().a)
    assert np.allclose(np.sort(ev.real, axis=1), a[None, :])
    assert spectral_edge_crossing(net) == float("inf")


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        rightmost_eigenvalue(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="method"):
        rightmost_eigenvalue(np.eye(3), method="qr")
    with pytest.raises(ValueError, match="RandomRNN or ZeroStateFactors"):
        zero_state_eigenvalues(np.eye(3))


def test_real_crossing_gain_puts_an_eigenvalue_at_one():
    from gcrit_utils.spectra import real_crossing_gain

    net = RandomRNN("lstm", 200, 1.0, 0.5, seed=4, dtype=torch.float64)
    g = real_crossing_gain(net)
    f = net.zero_state_factors()
    ev = np.linalg.eigvals(np.diag(f.a) + g * (f.u[:, None] * f.w0 * f.v[None, :]))
    assert np.min(np.abs(ev - 1.0)) < 1e-9
    g_star = spectral_edge_crossing(net, rtol=1e-6)
    assert g_star <= g * (1 + 1e-9)
    m = np.diag(f.a) + g_star * (f.u[:, None] * f.w0 * f.v[None, :])
    assert rightmost_eigenvalue(m).real == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("arch,ratios", [("gru", {"r": 3.0, "z": 0.3, "n": 0.8}),
                                         ("lstm", {"i": 2.0, "f": 0.5, "g": 1.25, "o": 0.7})])
def test_only_the_candidate_gain_enters_the_zero_state_criterion(arch, ratios):
    g_c = critical_gain(arch, 0.5, gain_ratios=ratios)
    cand = "n" if arch == "gru" else "g"
    assert g_c == pytest.approx(critical_gain(arch, 0.5) / ratios[cand], rel=1e-12)
    net = RandomRNN(arch, 1000, 1.0, 0.5, seed=0, dtype=torch.float64, gain_ratios=ratios)
    assert spectral_edge_crossing(net) == pytest.approx(g_c, rel=0.05)
