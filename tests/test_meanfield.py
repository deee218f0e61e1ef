"""Mean-field fixed point and criterion beyond the zero state (gcrit_utils.meanfield)."""

import math

import numpy as np
import pytest
from scipy.special import expit

from gcrit_utils import RandomRNN, critical_gain
from gcrit_utils.gaussian import gaussian_expectation, normal_rule
from gcrit_utils.meanfield import fixed_point_map, mean_field_critical_gain, mean_field_fixed_point
from gcrit_utils.theory import mean_field_rnn


def _exp2_exact(std):
    return 1 + 2 * math.exp(std**2 / 2) + math.exp(2 * std**2)  # E[(1 + e^b)^2]


@pytest.mark.parametrize("std", [0.1, 0.7, 1.5, 2.0])
@pytest.mark.parametrize("f,exact", [
    (lambda b: np.tanh(b) ** 2, None), (lambda b: (1 - np.tanh(b) ** 2) ** 2, None),
    (lambda b: expit(b) ** 2, None), (lambda b: (1 + np.exp(b)) ** 2, _exp2_exact)])
def test_normal_rule_matches_reference(std, f, exact):
    t, w = normal_rule(std)
    ref = gaussian_expectation(f, std) if exact is None else exact(std)
    # the accuracy the docstring states
    assert np.dot(w, f(std * t)) == pytest.approx(ref, rel=1e-7)


def test_normal_rule_zero_std_is_one_node():
    t, w = normal_rule(0.0)
    assert t.tolist() == [0.0] and w.tolist() == [1.0]


@pytest.mark.parametrize("g,s", [(1.3, 0.5), (2.0, 1.0), (0.7, 0.3)])
def test_rnn_map_is_the_length_map(g, s):
    q, chi = mean_field_rnn(g, s)
    phi, chi2 = fixed_point_map("rnn", g, q, s)
    assert phi == pytest.approx(q, rel=1e-7)
    assert chi2 == pytest.approx(chi, rel=1e-7)


@pytest.mark.parametrize("arch,s", [("gru", 0.5), ("gru", 1.0), ("lstm", 0.5), ("lstm", 1.0)])
def test_zero_candidate_bias_gives_the_zero_state(arch, s):
    g = 1.3
    phi, chi = fixed_point_map(arch, g, 0.0, s)
    assert phi == 0.0
    assert chi == pytest.approx((g / critical_gain(arch, s)) ** 2, rel=1e-7)
    assert mean_field_fixed_point(arch, 3.0, s).q == 0.0


def _mc_gru(g, q, s, sn, rng, m=400_000):
    pr = rng.normal(0, math.sqrt(s * s + g * g * q), m)
    x = rng.normal(0, g * math.sqrt(q), m)
    r = expit(pr)
    n = np.tanh(rng.normal(0, sn, m) + r * x)
    v = g * g * (1 - n * n) ** 2 * (r * r + (x * r * (1 - r)) ** 2)
    return (n * n), v


def _mc_lstm(g, q, s, sg, rng, m=400_000):
    sd = math.sqrt(s * s + g * g * q)
    i, f, o = (expit(rng.normal(0, sd, m)) for _ in range(3))
    cg = np.tanh(rng.normal(0, math.sqrt(sg * sg + g * g * q), m))
    inv = 1.0 / (1.0 - f)
    c = i * cg * inv
    tc = np.tanh(c)
    slow = ((1 - tc * tc) * inv) ** 2 * ((c * f * (1 - f)) ** 2 + (cg * i * (1 - i)) ** 2
                                        + (i * (1 - cg * cg)) ** 2)
    return (o * tc) ** 2, g * g * ((tc * o * (1 - o)) ** 2 + o * o * slow)


@pytest.mark.parametrize("arch,mc", [("gru", _mc_gru), ("lstm", _mc_lstm)])
@pytest.mark.parametrize("g,q,s", [(2.3, 0.05, 0.5), (2.6, 0.3, 1.0)])
def test_quadrature_matches_monte_carlo(arch, mc, g, q, s):
    phi, chi = fixed_point_map(arch, g, q, s, candidate_bias_std=s)
    a, b = mc(g, q, s, s, np.random.default_rng(0))
    # Monte Carlo is the independent reference: agreement within 4 standard errors
    for exact, sample in ((phi, a), (chi, b)):
        assert abs(exact - sample.mean()) < 4 * sample.std() / math.sqrt(sample.size)


@pytest.mark.parametrize("arch,s", [("rnn", 0.8), ("gru", 0.5)])
def test_fixed_point_is_self_consistent_and_critical(arch, s):
    cand = 0.0 if arch == "rnn" else s
    g_c = mean_field_critical_gain(arch, s, candidate_bias_std=cand)
    fp = mean_field_fixed_point(arch, g_c, s, candidate_bias_std=cand)
    assert fp.q > 0
    phi, chi = fixed_point_map(arch, g_c, fp.q, s, candidate_bias_std=cand)
    assert phi == pytest.approx(fp.q, rel=1e-8)
    assert chi == pytest.approx(1.0, abs=1e-7) and fp.chi == pytest.approx(1.0, abs=1e-7)
    below = mean_field_fixed_point(arch, 0.9 * g_c, s, candidate_bias_std=cand)
    assert below.chi < 1.0


def test_lstm_fixed_point_is_self_consistent():
    fp = mean_field_fixed_point("lstm", 2.2, 0.5, candidate_bias_std=0.5)
    assert fp.q > 0
    assert fixed_point_map("lstm", 2.2, fp.q, 0.5, candidate_bias_std=0.5)[0] == \
        pytest.approx(fp.q, rel=1e-8)


def test_candidate_bias_raises_the_critical_gain():
    # the fixed point moves away from 0 and the gates' derivatives shrink there: at the
    # zero-state g_c the fixed point with a candidate bias is still stable
    for arch in ("gru", "lstm"):
        g_zs = critical_gain(arch, 0.5)
        assert mean_field_fixed_point(arch, g_zs, 0.5, candidate_bias_std=0.5).chi < 1.0
    assert mean_field_critical_gain("gru", 0.5, candidate_bias_std=0.5) > critical_gain("gru", 0.5)


def test_minimalrnn_is_never_critical():
    assert mean_field_critical_gain("minimalrnn", 0.5, candidate_bias_std=1.0) == math.inf
    with pytest.raises(ValueError, match="minimalrnn"):
        fixed_point_map("minimalrnn", 1.0, 0.1, 0.5)


def test_gain_ratios_at_and_beyond_the_zero_state():
    # zero state: only the candidate's ratio enters; beyond it the others do too
    base = mean_field_critical_gain("gru", 0.5)
    assert mean_field_critical_gain("gru", 0.5, gain_ratios={"r": 2.0, "z": 3.0}) == \
        pytest.approx(base, rel=1e-9)
    assert mean_field_critical_gain("gru", 0.5, gain_ratios={"n": 2.0}) == \
        pytest.approx(base / 2.0, rel=1e-9)
    on = mean_field_critical_gain("gru", 0.5, candidate_bias_std=0.5)
    assert mean_field_critical_gain("gru", 0.5, candidate_bias_std=0.5,
                                    gain_ratios={"r": 2.0}) != pytest.approx(on, rel=1e-3)
    assert mean_field_critical_gain("gru", 0.5, candidate_bias_std=0.5,
                                    gain_ratios={"z": 3.0}) == pytest.approx(on, rel=1e-9)


def test_finite_n_mean_field_without_candidate_is_g_fin():
    net = RandomRNN("gru", 200, 1.0, 0.7, seed=3)
    assert net.mean_field_critical_gain() == pytest.approx(net.finite_size_critical_gain(),
                                                           rel=1e-8)


def test_finite_n_mean_field_approaches_population():
    net = RandomRNN("rnn", 4000, 1.0, 0.5, seed=0)
    assert net.mean_field_critical_gain() == pytest.approx(
        critical_gain("rnn", 0.5, method="mean_field"), rel=0.03)


@pytest.mark.parametrize("kwargs,match", [
    (dict(arch="gru", g=1.0, q=1.5), "q must"),
    (dict(arch="gru", g=-1.0, q=0.1), "g must"),
    (dict(arch="gru", g=1.0, q=0.1, biases={"r": [0.0]}), "every gate"),
    (dict(arch="gru", g=1.0, q=0.1, biases={"r": [0.0], "z": [0.0, 1.0], "n": [0.0]}),
     "common length"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fixed_point_map(**kwargs)


def test_lstm_sampled_units_in_chunks_equal_one_pass():
    from gcrit_utils.cells.lstm import lstm_mean_field_map

    net = RandomRNN("lstm", 10, 1.0, 0.5, seed=1, candidate_bias_std=0.5)
    m = {k: net.bias[i].numpy() for i, k in enumerate(net.gates)}
    s = dict.fromkeys(net.gates, 0.0)
    rho = net.gain_ratios
    chunked = lstm_mean_field_map(2.0, 0.05, m, s, rho)
    assert chunked == fixed_point_map("lstm", 2.0, 0.05, 0.5, candidate_bias_std=0.5, biases=m)
    whole = lstm_mean_field_map(2.0, 0.05, m, s, rho, chunk=100)
    # the saturated-tail panels depend on the largest |bias| in a chunk: the rules differ
    # slightly (documented accuracy 1e-7), the results by 4e-11
    assert chunked == pytest.approx(whole, rel=1e-9)
