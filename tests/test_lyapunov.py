import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN, lyapunov_spectrum, max_lyapunov, zero_state_eigenvalues


@pytest.mark.parametrize("arch", ["gru", "lstm", "minimalrnn"])
def test_ordered_regime_exponent_is_log_spectral_radius(arch):
    net = RandomRNN(arch, 200, [0.8, 1.4], 0.5, seed=0, dtype=torch.float64)
    res = max_lyapunov(net, steps=600, warmup=600, seed=1)
    rho = np.abs(zero_state_eigenvalues(net)).max(axis=1)
    assert np.allclose(res.exponents, np.log(rho), atol=2e-3)


def test_rnn_with_bias_converges_to_a_nonzero_fixed_point():
    # h = 0 is not a fixed point: the exponent is log rho of the Jacobian at h*, not at 0
    net = RandomRNN("rnn", 200, [0.5, 0.8], 0.5, seed=0, dtype=torch.float64)
    res = max_lyapunov(net, steps=600, warmup=600, seed=1)
    h_star = net.run(2000, h0=torch.zeros(2, 200, dtype=torch.float64))[-1]
    assert torch.allclose(net.step(h_star), h_star, atol=1e-12) and h_star.abs().max() > 0.1
    rho_star = np.abs(np.linalg.eigvals(net.jacobian(h_star).numpy())).max(axis=1)
    assert np.allclose(res.exponents, np.log(rho_star), atol=2e-3)
    rho_zero = np.abs(zero_state_eigenvalues(net)).max(axis=1)
    assert np.all(np.abs(res.exponents - np.log(rho_zero)) > 0.01)


def test_spectrum_top_exponent_equals_max_and_is_ordered():
    net = RandomRNN("gru", 150, [1.5, 3.0], 0.5, seed=2, dtype=torch.float64)
    top = max_lyapunov(net, steps=1500, warmup=500, seed=0)
    spec = lyapunov_spectrum(net, 6, steps=1500, warmup=500, qr_every=5, seed=0)
    assert spec.exponents.shape == (2, 6) and spec.block_means.shape == (4, 2, 6)
    assert np.allclose(spec.exponents[:, 0], top.exponents, atol=5 * top.stderr.max() + 2e-3)
    assert np.all(np.diff(spec.exponents, axis=1) <= 1e-3)


def test_chaos_above_critical_gain():
    net = RandomRNN("gru", 300, [1.0, 4.0], 0.0, seed=0)
    res = max_lyapunov(net, steps=1000, warmup=500, seed=0)
    assert res.exponents[0] < -0.1
    assert res.exponents[1] > 0.02


def test_deterministic_and_input_driven():
    net = RandomRNN("lstm", 60, [1.0, 3.0], 0.3, input_dim=2, seed=1)
    x = torch.sin(torch.arange(400.0))[:, None].repeat(1, 2)
    a = max_lyapunov(net, steps=300, warmup=100, seed=4, x=x)
    b = max_lyapunov(net, steps=300, warmup=100, seed=4, x=x)
    assert np.array_equal(a.exponents, b.exponents)
    with pytest.raises(ValueError, match="x must"):
        max_lyapunov(net, steps=300, warmup=100, x=x[:10])


@pytest.mark.parametrize(
    "kwargs",
    [dict(steps=0), dict(warmup=-1), dict(n_blocks=1), dict(h0_scale=0.0), dict(steps=2.5)],
)
def test_bad_arguments(kwargs):
    net = RandomRNN("gru", 10, 1.0)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        max_lyapunov(net, **kwargs)


def test_spectrum_bad_arguments():
    net = RandomRNN("gru", 10, 1.0)
    with pytest.raises(ValueError, match="k must"):
        lyapunov_spectrum(net, 11)
    with pytest.raises(ValueError, match="multiples"):
        lyapunov_spectrum(net, 2, steps=10, warmup=3, qr_every=2)
    with pytest.raises(ValueError, match="RandomRNN"):
        max_lyapunov("net")
