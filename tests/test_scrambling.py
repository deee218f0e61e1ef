import numpy as np
import pytest

from gcrit_utils.scrambling import (
    ScalarNetworks,
    bifurcation_points,
    has_period3,
    li_yorke_witness,
    orbit,
    orbit_lyapunov,
    pair_distance,
    period3_points,
    period3_probability,
    random_scalar_networks,
    wilson_interval,
)


def tent(slope: float) -> ScalarNetworks:
    """slope * x on [0, 1/2], slope * (1 - x) on [1/2, 1]: 2 ReLU units."""
    return ScalarNetworks(np.array([[1.0, 1.0]]), np.array([[0.0, -0.5]]),
                          np.array([[slope, -2 * slope]]))


def test_piecewise_linear_evaluation_equals_the_dense_sum():
    nets = random_scalar_networks(30, 17, "he", 1.0, seed=3)
    x = np.linspace(-6, 6, 301)
    dense = np.einsum("mxk,mk->mx",
                      np.maximum(0, x[None, :, None] * nets.w[:, None, :] + nets.b[:, None, :]),
                      nets.a)
    assert np.allclose(nets(x), dense, atol=1e-12)
    tanh = random_scalar_networks(3, 5, "xavier", 0.5, activation="tanh", seed=1)
    dense = np.einsum("mxk,mk->mx", np.tanh(x[None, :, None] * tanh.w[:, None, :]
                                            + tanh.b[:, None, :]), tanh.a)
    assert np.allclose(tanh(x), dense)


def test_tent_map_period3_orbit_is_found():
    pts = period3_points(tent(2.0))[0]
    # the two 3-cycles of the full tent map: {2/7, 4/7, 6/7} and {2/9, 4/9, 8/9}
    for p in (2 / 7, 4 / 7, 6 / 7, 2 / 9, 4 / 9, 8 / 9):
        assert np.min(np.abs(pts - p)) < 1e-9
    assert li_yorke_witness(tent(2.0))[0]
    # slope 1.5: the tent map has no 3-cycle below slope (1 + sqrt 5) / 2
    assert not has_period3(tent(1.5))[0] and not li_yorke_witness(tent(1.5))[0]


def test_contraction_has_no_period3_and_negative_exponent():
    nets = ScalarNetworks(np.array([[1.0]]), np.array([[0.2]]), np.array([[0.5]]))
    assert not has_period3(nets)[0]
    assert orbit_lyapunov(nets, np.array([0.3]))[0] == pytest.approx(np.log(0.5))


def test_lyapunov_exponent_of_a_tent_map():
    lam = orbit_lyapunov(tent(1.9), np.array([0.123456]), steps=3000)[0]
    assert lam == pytest.approx(np.log(1.9), abs=1e-6)


def test_wilson_interval():
    lo, hi = wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(1 - hi) and lo < 0.5 < hi
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)


def test_validation_and_shapes():
    with pytest.raises(ValueError, match="init"):
        random_scalar_networks(2, 3, init="lecun")
    with pytest.raises(ValueError, match="activation"):
        random_scalar_networks(2, 3, activation="gelu")
    with pytest.raises(ValueError, match="width"):
        random_scalar_networks(2, 0)
    nets = random_scalar_networks(4, 8, seed=0)
    assert orbit(nets, np.zeros(4), 5).shape == (6, 4)
    assert bifurcation_points(nets, np.array([0.5, 1.0]), keep=7).shape == (2, 7)
    res = period3_probability([2, 4], count=50, gain=2.0)
    assert res["found"].shape == (2,) and np.all(res["low"] <= res["probability"])
    assert np.all(res["li_yorke"] <= res["found"])


def test_pair_distance_and_classification():
    from gcrit_utils.scrambling import classify_orbits

    d = pair_distance(tent(1.9), 0.3, 0.3 + 1e-9, 200)
    assert d[0] == pytest.approx(1e-9) and d.max() > 0.1  # sensitive dependence
    nets = ScalarNetworks(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]),
                          np.array([[0.2, 0.0], [0.0, -0.5], [0.0, 0.0]]),
                          np.array([[0.5, 0.0], [1.9, -3.8], [3.0, 0.0]]))
    c = classify_orbits(nets, x0=0.3, steps=500, warmup=100)
    assert c["periodic"][0] and c["chaotic"][1] and c["escaped"][2]
    assert np.isnan(c["exponent"][2])


def test_scrambling_figures_draw_finite_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gcrit_utils.figures.scrambling import (
        figure_cobweb,
        figure_period3_vs_width,
        figure_scrambling,
    )

    net = tent(1.9)
    figs = [figure_cobweb(net, 0.3, steps=20),
            figure_period3_vs_width({"x": period3_probability([2, 4], count=20, gain=2.0)}),
            figure_scrambling(pair_distance(net, 0.3, 0.3 + 1e-9, 50), np.ones((3, 4)),
                              np.array([1.0, 1.5, 2.0]))]
    for fig in figs:
        assert len(fig.axes) >= 1
        plt.close(fig)
    with pytest.raises(ValueError, match="NaN"):
        figure_scrambling(np.array([1.0, np.nan]), np.ones((1, 2)), np.array([1.0]))


def test_width_independence_test():
    from gcrit_utils.scrambling import width_independence_test

    flat = {"widths": np.array([8, 16, 32, 64]), "found": np.array([1, 50, 50, 50]),
            "count": np.array(1000)}
    res = width_independence_test(flat)
    assert res["pooled"] == pytest.approx(0.05) and res["chi2"] == 0.0 and res["dof"] == 2
    assert res["p_value"] == pytest.approx(1.0)
    trend = dict(flat, found=np.array([1, 20, 50, 90]))
    result = width_independence_test(trend)
    # the Monte Carlo p-value cannot go below 1 / (draws + 1); the asymptotic one can
    assert result["p_value"] < 1e-4 and result["p_value_asymptotic"] < 1e-6
    none = dict(flat, found=np.zeros(4, dtype=int))
    assert np.isnan(width_independence_test(none)["p_value"])
    with pytest.raises(ValueError, match="min_width"):
        width_independence_test(flat, min_width=64)


def test_clopper_pearson_is_exact_and_covers_zero_counts():
    from gcrit_utils.scrambling import clopper_pearson_interval

    low, high = clopper_pearson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)
    low, high = clopper_pearson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 10), rel=1e-9)
    low, high = clopper_pearson_interval(23, 7000)
    assert low < 23 / 7000 < high
    with pytest.raises(ValueError, match="successes must be <= trials"):
        clopper_pearson_interval(11, 10)


def test_exact_width_test_rejects_a_trend_and_accepts_flat_counts():
    from gcrit_utils.scrambling import width_independence_test

    flat = {"widths": np.array([16, 32, 64, 128]), "found": np.array([3, 4, 3, 4]),
            "count": np.array(1000)}
    trend = {**flat, "found": np.array([0, 1, 5, 14])}
    assert width_independence_test(flat)["p_value"] > 0.5
    result = width_independence_test(trend)
    assert result["p_value"] < 0.01 and result["expected"] == pytest.approx(5.0)
    none = {**flat, "found": np.zeros(4, dtype=int)}
    assert np.isnan(width_independence_test(none)["p_value"])


def test_output_variance_is_width_independent_for_he_and_matches_sampling():
    from gcrit_utils.scrambling import output_moments, output_variance

    x = np.array([0.0, 1.5])
    assert np.allclose(output_variance(x, 3), output_variance(x, 300))  # He: any width
    assert np.allclose(output_variance(x, 4), 2 * x**2 + 1)
    xavier = output_variance(x, 400, "xavier")
    assert xavier[1] - xavier[0] < 0.02  # the x-dependence fades with the width
    small, large = output_moments(x, 4, 20_000), output_moments(x, 256, 20_000)
    assert np.allclose(large["variance"], output_variance(x, 256), rtol=0.05)
    assert np.all(large["kurtosis"] < small["kurtosis"])  # closer to Gaussian


def test_period3_vs_gain_uses_the_same_networks_at_every_gain():
    from gcrit_utils.scrambling import period3_vs_gain

    res = period3_vs_gain(np.array([0.25, 4.0]), 16, count=200, seed=1)
    assert res["found"][0] == 0 and res["found"][1] > 0  # tiny gain: a contraction
    assert np.all(res["low"] <= res["probability"]) and np.all(res["probability"] <= res["high"])
    with pytest.raises(ValueError, match="gains must be a non-empty 1-d array of positive"):
        period3_vs_gain(np.array([0.0, 1.0]), 16, count=10)


def test_period3_survives_a_tiny_perturbation_and_not_a_large_one():
    from gcrit_utils.scrambling import period3_robustness, perturbed

    nets = random_scalar_networks(400, 16, "he", 1.0, seed=3).with_gain(3.0)
    same = perturbed(nets, 0.0, seed=1)
    assert np.array_equal(same.w, nets.w) and np.array_equal(same.a, nets.a)
    out = period3_robustness(nets, np.array([0.0, 1e-4, 2.0]), draws=2, seed=0)
    assert out["networks"] > 10
    assert out["kept"][0] == 1.0 and out["kept"][1] > 0.95
    assert out["kept"][2] < 0.6
    assert np.all(out["low"] <= out["kept"]) and np.all(out["kept"] <= out["high"])
    with pytest.raises(ValueError, match="sizes must be"):
        period3_robustness(nets, np.array([-1.0]))
    with pytest.raises(ValueError, match="none of the networks"):
        period3_robustness(random_scalar_networks(5, 4, "xavier", 1.0, seed=0), np.array([0.1]))


def test_width_trend_power_is_the_level_without_trend_and_grows_with_it():
    from gcrit_utils.scrambling import detectable_width_trend, width_trend_power

    power = width_trend_power(0.1, 1000, 7, [0.0, 0.1, 0.3], draws=4000, seed=1)
    # no trend: the test rejects at its level (Monte Carlo error of 4000 draws ~ 0.004)
    assert abs(power[0] - 0.05) < 0.015
    assert power[0] < power[1] < power[2] and power[2] > 0.9
    # two-proportion check: widest vs narrowest of a +-30% trend, 1000 each, is far apart
    # (0.07 vs 0.13, ~4.5 s.e.), so the seven-width test must detect it almost always
    wide = detectable_width_trend(0.1, 1000, 7, draws=4000, seed=1, resolution=0.02)
    narrow = detectable_width_trend(0.1, 4000, 7, draws=4000, seed=1, resolution=0.02)
    assert 0 < narrow < wide < 0.3
    # a rare event: no trend within the allowed range reaches 80% power
    assert np.isnan(detectable_width_trend(0.002, 100, 7, draws=2000))
    with pytest.raises(ValueError, match="pooled"):
        width_trend_power(0.0, 1000, 7, [0.1])
    with pytest.raises(ValueError, match="trends"):
        width_trend_power(0.6, 1000, 7, [0.9])
    with pytest.raises(ValueError, match="power"):
        detectable_width_trend(0.1, 1000, 7, power=0.01)
