import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit

from gcrit_utils import critical_gain, gaussian_expectation, mean_field_rnn
from gcrit_utils.gaussian import inv_one_minus_sigmoid_sq_moment, sech4_moment
from gcrit_utils.theory import (
    sigmoid_sq_moment,
    sigmoid_sq_moment_probit,
    spectral_support,
    support_right_edge,
)


def adaptive(f, s):
    """E[f(b)], b ~ N(0, s^2), by scipy's adaptive quadrature split at 0."""
    dens = lambda b: f(b) * math.exp(-0.5 * (b / s) ** 2) / (math.sqrt(2 * math.pi) * s)  # noqa: E731
    kw = dict(epsabs=1e-14, epsrel=1e-13, limit=500)
    return sum(integrate.quad(dens, lo, hi, **kw)[0] for lo, hi in ((-40 * s, 0), (0, 40 * s)))


@pytest.mark.parametrize("s", [0.05, 0.5, 1.0, 2.0, 5.0, 10.0])
def test_quadrature_matches_adaptive(s):
    f_sig = lambda b: expit(b) ** 2  # noqa: E731
    f_sech = lambda b: 1.0 / math.cosh(b) ** 4 if abs(b) < 150 else 0.0  # noqa: E731
    assert abs(sigmoid_sq_moment(s) - adaptive(f_sig, s)) < 1e-10
    assert abs(sech4_moment(s) - adaptive(f_sech, s)) < 1e-10


@pytest.mark.parametrize("s", [0.3, 1.0, 2.0])
def test_quadrature_matches_monte_carlo(s):
    rng = np.random.default_rng(0)
    b = rng.normal(0.0, s, 2_000_000)
    for f in (lambda x: expit(x) ** 2, lambda x: np.tanh(x) ** 2):
        mc = f(b)
        assert abs(gaussian_expectation(f, s) - mc.mean()) < 5 * mc.std() / math.sqrt(b.size)


@pytest.mark.parametrize("s", [0.0, 0.5, 1.0, 1.5])
def test_closed_form_of_inverse_forget_moment(s):
    if s == 0.0:
        assert inv_one_minus_sigmoid_sq_moment(s) == 4.0
        return
    quad = adaptive(lambda b: (1.0 + math.exp(b)) ** 2, s)
    assert inv_one_minus_sigmoid_sq_moment(s) == pytest.approx(quad, rel=1e-11)


def test_probit_error_is_as_documented():
    grid = np.linspace(0.0, 5.0, 101)
    exact = np.array([sigmoid_sq_moment(s) for s in grid])
    err8 = np.array([sigmoid_sq_moment_probit(s) for s in grid]) / exact - 1
    err17 = np.array([sigmoid_sq_moment_probit(s, 1 / 1.702**2) for s in grid]) / exact - 1
    assert np.abs(err8).max() < 0.02
    assert np.abs(err17).max() < 0.008
    assert np.abs(err17).max() < np.abs(err8).max()
    assert sigmoid_sq_moment_probit(0.0) == 0.25 == sigmoid_sq_moment(0.0)


def test_critical_gain_without_bias():
    assert critical_gain("rnn") == pytest.approx(1.0, abs=1e-12)
    assert critical_gain("gru") == pytest.approx(2.0, abs=1e-12)
    assert critical_gain("lstm") == pytest.approx(2.0, abs=1e-12)
    assert critical_gain("rnn", method="mean_field") == 1.0
    assert critical_gain("minimalrnn", 0.7) == math.inf


def test_gru_depends_on_reset_gate_only_and_is_bounded():
    base = critical_gain("gru", {"r": 0.8})
    assert critical_gain("gru", {"r": 0.8, "z": 3.0}) == base
    gains = [critical_gain("gru", s) for s in np.linspace(0, 20, 21)]
    assert all(math.sqrt(2) < g <= 2.0 for g in gains)
    assert np.all(np.diff(gains) < 0)


def test_lstm_formula_per_gate():
    s = {"i": 0.3, "f": 0.9, "o": 1.2}
    expect = (sigmoid_sq_moment(0.3) * sigmoid_sq_moment(1.2)
              * (1 + 2 * math.exp(0.9**2 / 2) + math.exp(2 * 0.9**2))) ** -0.5
    assert critical_gain("lstm", s) == pytest.approx(expect, rel=1e-14)


def test_mean_field_solution_is_self_consistent():
    for s in (0.3, 1.0):
        g = critical_gain("rnn", s, method="mean_field")
        q, chi = mean_field_rnn(g, s)
        assert chi == pytest.approx(1.0, abs=1e-10)
        q_map = gaussian_expectation(lambda b: np.tanh(b) ** 2, math.sqrt(g * g * q + s * s))
        # the map's quadrature is accurate to 1e-7 relative (gcrit_utils.gaussian.normal_rule),
        # q_map's (gaussian_expectation) to 1e-15
        assert q == pytest.approx(q_map, rel=1e-7)
        # mean field needs a larger gain than the linearisation at h = 0
        assert g > critical_gain("rnn", s)


def test_mean_field_without_bias():
    # ordered: q* = 0 and chi = g^2; chaotic: q* > 0 and chi > 1 at the nonzero fixed point
    assert mean_field_rnn(0.8, 0.0) == (0.0, pytest.approx(0.64))
    q, chi = mean_field_rnn(1.5, 0.0)
    assert q > 0 and chi > 1


def test_support_edge_is_one_at_critical_gain():
    for arch, s in (("rnn", 0.5), ("gru", 0.0), ("gru", 0.7), ("lstm", 0.5)):
        g_c = critical_gain(arch, s)
        assert support_right_edge(arch, 1.001 * g_c, s) > 1.0
        assert support_right_edge(arch, g_c * 1.0000001, s) == pytest.approx(1.0, abs=1e-3)
    # circle for a constant diagonal: GRU without bias -> centre 1/2, radius g/4
    assert support_right_edge("gru", 1.2) == pytest.approx(0.5 + 0.3, rel=1e-10)
    pts = spectral_support("gru", 1.2, 0.0, n_points=64)
    assert np.allclose(np.abs(pts - 0.5), 0.3, rtol=1e-8)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(arch="tanh"),
        dict(arch="gru", bias_std=-0.1),
        dict(arch="gru", bias_std=float("nan")),
        dict(arch="gru", bias_std=float("inf")),
        dict(arch="gru", bias_std={"q": 1.0}),
        dict(arch="gru", bias_std={"n": 1.0}),
        dict(arch="gru", method="exact"),
        dict(arch="gru", candidate_bias_std=0.3),
        dict(arch="rnn", approximation="probit"),
        dict(arch="gru", approximation="pade"),
        dict(arch="rnn", candidate_bias_std=0.1),
    ],
)
def test_critical_gain_rejects_bad_input(kwargs):
    arch = kwargs.pop("arch")
    with pytest.raises(ValueError, match=next(iter(kwargs), "arch")):
        critical_gain(arch, **kwargs)


def test_mean_field_equals_zero_state_without_candidate_bias():
    for arch in ("gru", "lstm"):
        for s in (0.0, 0.5, 1.0):
            assert critical_gain(arch, s, method="mean_field") == pytest.approx(
                critical_gain(arch, s), rel=1e-8)
    assert critical_gain("minimalrnn", 0.5, method="mean_field",
                         candidate_bias_std=1.0) == math.inf


def test_mean_field_rejects_probit():
    with pytest.raises(ValueError, match="probit"):
        critical_gain("gru", 0.5, method="mean_field", approximation="probit")


@pytest.mark.parametrize("arch", ["rnn", "gru", "lstm", "minimalrnn"])
def test_symbolic_one_unit_jacobian(arch):
    from gcrit_utils.symbolic import symbolic_zero_state_check

    res = symbolic_zero_state_check(arch)
    assert res.matches
    assert res.fixed_point == (arch != "rnn")
    if arch == "lstm":
        assert res.jacobian.shape == (2, 2) and res.jacobian.det().simplify() == 0


@pytest.mark.parametrize("arch", ["gru", "lstm", "leaky"])
def test_zero_state_moment_with_zero_means_is_the_closed_form(arch):
    from gcrit_utils.cells import get_cell
    from gcrit_utils.gaussian import sigmoid_sq_moment
    from gcrit_utils.theory import zero_state_moment_with_means

    cell = get_cell(arch)
    stds = cell.bias_stds(0.5)
    got = zero_state_moment_with_means(cell, stds, cell.bias_means())
    assert got == pytest.approx(cell.zero_state_moment(stds, sigmoid_sq_moment), rel=1e-8)


def test_bias_mean_moves_the_lstm_gain_and_not_the_grus():
    from gcrit_utils.gaussian import sigmoid_sq_moment

    s, mu = 0.5, 3.0
    # E[(1 + e^b)^2] for b ~ N(mu, s^2), in closed form
    inv = 1 + 2 * np.exp(mu + s**2 / 2) + np.exp(2 * mu + 2 * s**2)
    expected = (sigmoid_sq_moment(s) ** 2 * inv) ** -0.5
    assert critical_gain("lstm", s, bias_mean={"f": mu}) == pytest.approx(expected, rel=1e-7)
    assert critical_gain("gru", s, bias_mean={"z": mu}) == pytest.approx(critical_gain("gru", s),
                                                                         rel=1e-9)
    with pytest.raises(ValueError, match="bias_mean needs method='zero_state'"):
        critical_gain("lstm", s, bias_mean={"f": mu}, approximation="probit")
    with pytest.raises(ValueError, match="bias_mean keys"):
        critical_gain("gru", s, bias_mean={"f": mu})
