"""Property-based tests of input validation at the public boundary."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gcrit_utils import RandomRNN, critical_gain, max_lyapunov
from gcrit_utils.cells import ARCHS

settings.register_profile("gcrit", max_examples=60, deadline=None)
settings.load_profile("gcrit")

bad_floats = st.one_of(
    st.floats(max_value=-1e-12, allow_nan=False),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(float("-inf")),
    st.text(max_size=3),
    st.none(),
)


@given(arch=st.sampled_from(ARCHS), s=st.floats(0.0, 4.0))
def test_critical_gain_is_positive_for_valid_bias(arch, s):
    g = critical_gain(arch, s)
    assert g > 0 and (math.isfinite(g) or arch == "minimalrnn")


@given(arch=st.sampled_from(ARCHS), s=bad_floats)
def test_critical_gain_rejects_bad_bias_std(arch, s):
    with pytest.raises(ValueError, match="bias_std"):
        critical_gain(arch, s)


@given(arch=st.text(max_size=12).filter(lambda a: a.lower() not in ARCHS))
def test_unknown_arch(arch):
    with pytest.raises(ValueError, match="arch must be one of"):
        critical_gain(arch)


@given(g=bad_floats.filter(lambda v: not isinstance(v, str)) | st.just(0.0))
def test_random_rnn_rejects_bad_gain(g):
    with pytest.raises(ValueError, match="g must"):
        RandomRNN("gru", 4, g)


@given(n=st.integers(max_value=0) | st.floats(allow_nan=True) | st.booleans())
def test_random_rnn_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must"):
        RandomRNN("lstm", n, 1.0)


@given(steps=st.integers(max_value=0), warmup=st.integers(max_value=-1))
def test_lyapunov_rejects_bad_lengths(steps, warmup):
    net = RandomRNN("rnn", 4, 1.0)
    with pytest.raises(ValueError, match="steps"):
        max_lyapunov(net, steps=steps)
    with pytest.raises(ValueError, match="warmup"):
        max_lyapunov(net, steps=10, warmup=warmup)


@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 6)).filter(lambda s: s != (2, 5)))
def test_step_rejects_wrong_state_shape(shape):
    net = RandomRNN("gru", 5, [1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        net.step(torch.zeros(shape))


@given(arch=st.sampled_from(ARCHS), s=st.floats(4.0, 1000.0))
def test_critical_gain_never_nan_for_large_bias(arch, s):
    g = critical_gain(arch, s)
    assert not math.isnan(g) and g >= 0


# --- forecasting, systems and scrambling (issue #4, #5) -----------------------------------
@given(ridge=bad_floats)
def test_fit_ridge_rejects_bad_ridge(ridge):
    from gcrit_utils.ridge import fit_ridge

    with pytest.raises(ValueError, match="ridge"):
        fit_ridge(torch.zeros(4, 1, 2), torch.zeros(4, 1), ridge)


@given(dt=bad_floats, lyap=st.floats(0.1, 2.0))
def test_valid_prediction_time_rejects_bad_dt(dt, lyap):
    from gcrit_utils.forecast import valid_prediction_time

    with pytest.raises(ValueError, match="dt"):
        valid_prediction_time(torch.zeros(3, 1).numpy(), torch.zeros(3, 2, 1).numpy(), dt, lyap)


@given(name=st.text(max_size=12).filter(lambda s: s not in (
    "lorenz63", "lorenz63_x", "mackey_glass", "kuramoto_sivashinsky", "santafe_laser")))
def test_system_series_rejects_unknown_names(name):
    from gcrit_utils.systems import system_series

    with pytest.raises(ValueError, match="name must be one of"):
        system_series(name, 10)


@given(n=st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=2)))
def test_system_series_rejects_bad_lengths(n):
    from gcrit_utils.systems import system_series

    with pytest.raises(ValueError, match="n_steps"):
        system_series("lorenz63", n)


@given(scale=bad_floats)
def test_forecast_tasks_reject_bad_input_scale(scale):
    from gcrit_utils.experiments.forecasting import forecast_tasks, sweep_forecast

    config = {**sweep_forecast("lorenz63", 0.1, "default").params, "input_scale": scale}
    with pytest.raises(ValueError, match="input_scale"):
        forecast_tasks(config)


@given(width=st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=2)),
       count=st.integers(1, 3))
def test_scalar_networks_reject_bad_widths(width, count):
    from gcrit_utils.scrambling import random_scalar_networks

    with pytest.raises(ValueError, match="width"):
        random_scalar_networks(count, width)


@given(gain=bad_floats)
def test_scalar_network_gain_must_be_positive(gain):
    from gcrit_utils.scrambling import random_scalar_networks

    with pytest.raises(ValueError, match="gain"):
        random_scalar_networks(2, 3).with_gain(gain)
