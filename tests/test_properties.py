"""Property-based tests of input validation at the public boundary."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gcrit_utils import RandomRNN, critical_gain, max_lyapunov
from gcrit_utils._validation import ARCHS

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
