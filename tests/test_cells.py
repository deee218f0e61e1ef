import numpy as np
import pytest
import reference_cells as reference
import torch

from gcrit_utils import RandomRNN, state_dim
from gcrit_utils.cells import ARCHS, get_cell

F64 = torch.float64


WITH_MODULE = [a for a in ARCHS if get_cell(a).torch_module is not None]


def _candidate(arch: str, value: float) -> float:
    return value if get_cell(arch).candidate else 0.0


@pytest.mark.parametrize("arch", WITH_MODULE)
def test_parity_with_torch_module(arch):
    cand = _candidate(arch, 0.4)
    net = RandomRNN(arch, 64, [0.7, 1.9], 0.6, candidate_bias_std=cand, input_dim=3,
                    input_scale=0.8, seed=5, dtype=F64)
    x = torch.randn(60, 3, dtype=F64, generator=torch.Generator().manual_seed(1))
    ours = net.hidden(net.run(x))
    for b in range(2):
        out, _ = net.to_torch(b)(x)
        assert torch.allclose(ours[:, b], out, rtol=0, atol=1e-10)


@pytest.mark.parametrize("arch", ARCHS)
def test_analytic_jacobian_matches_autograd(arch):
    cand = _candidate(arch, 0.5)
    net = RandomRNN(arch, 24, [1.4, 2.2], 0.8, candidate_bias_std=cand, input_dim=2, seed=2,
                    dtype=F64)
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(2, net.dim, dtype=F64, generator=gen)
    x = torch.randn(2, 2, dtype=F64, generator=gen)
    jac = net.jacobian(h, x)
    for b in range(2):
        def f(state, b=b):
            full = h.clone()
            full[b] = state
            return net.step(full, x)[b]
        auto = torch.func.jacrev(f)(h[b])
        assert torch.allclose(jac[b], auto, rtol=0, atol=1e-12)


@pytest.mark.parametrize("arch", ARCHS)
def test_zero_state_factors_reproduce_the_jacobian(arch):
    net = RandomRNN(arch, 40, [1.3], 0.7, seed=4, dtype=F64)
    f = net.zero_state_factors()
    full = net.zero_state_jacobian()[0].numpy()
    if net.cell.state_blocks == 2:
        # (h, c) Jacobian [[O I W, O F], [I W, F]]: its nonzero eigenvalues are those of F + I W O
        ev_full = np.linalg.eigvals(full)
        ev_full = np.sort_complex(ev_full[np.abs(ev_full) > 1e-9])
        ev_red = np.sort_complex(np.linalg.eigvals(f.matrix()))
        assert np.allclose(ev_full, ev_red, atol=1e-9)
        assert np.sum(np.abs(np.linalg.eigvals(full)) < 1e-9) == 40
    else:
        assert np.allclose(full, f.matrix(), atol=1e-13)


@pytest.mark.parametrize("arch", ["gru", "lstm", "minimalrnn"])
def test_zero_is_a_fixed_point_without_candidate_bias(arch):
    net = RandomRNN(arch, 30, [2.5], 1.0, seed=0, dtype=F64)
    assert torch.equal(net.step(net.zero_state()), net.zero_state())
    shifted = RandomRNN(arch, 30, [2.5], 1.0, candidate_bias_std=0.5, seed=0, dtype=F64)
    assert shifted.step(shifted.zero_state()).abs().max() > 1e-3


def test_batch_of_gains_equals_separate_networks():
    gains = [0.5, 1.5, 3.0]
    batch = RandomRNN("lstm", 50, gains, 0.5, seed=7, dtype=F64)
    h0 = torch.randn(3, 100, dtype=F64, generator=torch.Generator().manual_seed(3))
    traj = batch.run(30, h0=h0)
    for b, g in enumerate(gains):
        single = RandomRNN("lstm", 50, g, 0.5, seed=7, dtype=F64)
        assert torch.allclose(single.run(30, h0=h0[b : b + 1])[:, 0], traj[:, b], atol=1e-14)


def test_same_seed_same_numbers_and_dtype_consistency():
    a = RandomRNN("gru", 80, [1.0, 2.0], 0.5, seed=11).run(20, h0=torch.ones(2, 80))
    b = RandomRNN("gru", 80, [1.0, 2.0], 0.5, seed=11).run(20, h0=torch.ones(2, 80))
    assert torch.equal(a, b)
    c = RandomRNN("gru", 80, [1.0, 2.0], 0.5, seed=12).run(20, h0=torch.ones(2, 80))
    assert not torch.equal(a, c)
    d = RandomRNN("gru", 80, [1.0, 2.0], 0.5, seed=11, dtype=F64).run(20, h0=torch.ones(2, 80))
    assert torch.allclose(a.double(), d, atol=1e-5)


def test_w0_is_independent_of_the_input_dimension():
    a = RandomRNN("gru", 20, 1.0, 0.5, seed=3, input_dim=0)
    b = RandomRNN("gru", 20, 1.0, 0.5, seed=3, input_dim=5)
    assert torch.equal(a.w0, b.w0) and torch.equal(a.bias, b.bias)


def test_weight_statistics():
    net = RandomRNN("lstm", 400, 1.0, 0.7, seed=0, input_dim=10, input_scale=0.5, dtype=F64)
    assert net.w0.var().item() == pytest.approx(1 / 400, rel=0.02)
    assert net.bias[:, :].std(dim=1)[[0, 1, 3]].mean().item() == pytest.approx(0.7, rel=0.05)
    assert torch.all(net.bias[2] == 0)  # candidate bias off by default
    assert net.input_weights.var().item() == pytest.approx(0.25 / 10, rel=0.05)


def test_device_argument_on_cpu():
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            RandomRNN("gru", 10, [1.0], device="cuda")
    with pytest.raises(ValueError, match="device must be"):
        RandomRNN("gru", 10, [1.0], device="tpu")
    net = RandomRNN("gru", 10, [1.0], device=torch.device("cpu"))
    assert net.device.type == "cpu"
    net = RandomRNN("gru", 10, [1.0], device="cpu")
    assert net.run(3).device.type == "cpu"
    assert net.to_torch().weight_hh_l0.device.type == "cpu"
    assert state_dim("lstm", 10) == 20


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(arch="transformer"),
        dict(n=0),
        dict(n=2.5),
        dict(g=0.0),
        dict(g=-1.0),
        dict(g=float("nan")),
        dict(g=[[1.0, 2.0]]),
        dict(g=[]),
        dict(bias_std=-1.0),
        dict(input_dim=-1),
        dict(input_scale=-0.1),
        dict(seed=-1),
        dict(dtype=torch.int64),
    ],
)
def test_random_rnn_rejects_bad_input(kwargs):
    args = dict(arch="gru", n=10, g=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RandomRNN(**args)


def test_bad_shapes_raise():
    net = RandomRNN("gru", 10, [1.0, 2.0], input_dim=2)
    with pytest.raises(ValueError, match="shape"):
        net.step(torch.zeros(3, 10))
    with pytest.raises(ValueError, match="input_dim"):
        net.step(torch.zeros(2, 10), torch.zeros(3))
    with pytest.raises(ValueError, match="input_dim=0"):
        RandomRNN("gru", 10, 1.0).step(torch.zeros(1, 10), torch.zeros(1))
    with pytest.raises(ValueError, match="index"):
        net.to_torch(2)


def test_gain_ratios_parity_jacobian_and_zero_state():
    ratios = {"r": 0.5, "z": 2.0, "n": 0.7}
    net = RandomRNN("gru", 40, [1.3], 0.5, input_dim=2, seed=3, dtype=F64, gain_ratios=ratios,
                    candidate_bias_std=0.2)
    x = torch.randn(30, 2, dtype=F64, generator=torch.Generator().manual_seed(0))
    out, _ = net.to_torch()(x)
    assert torch.allclose(net.run(x)[:, 0], out, atol=1e-10)
    h = torch.randn(1, 40, dtype=F64, generator=torch.Generator().manual_seed(1))
    auto = torch.func.jacrev(lambda s: net.step(s[None], x[0])[0])(h[0])
    assert torch.allclose(net.jacobian(h, x[0])[0], auto, atol=1e-12)
    plain = RandomRNN("gru", 40, [1.3], 0.5, seed=3, dtype=F64)
    f, f0 = RandomRNN("gru", 40, [1.3], 0.5, seed=3, dtype=F64,
                      gain_ratios=ratios).zero_state_factors(), plain.zero_state_factors()
    assert np.allclose(f.matrix(), np.diag(f0.a) + 1.3 * 0.7 * (f0.u[:, None] * f0.w0))
    assert f.finite_size_critical_gain() == pytest.approx(f0.finite_size_critical_gain() / 0.7)
    with pytest.raises(ValueError, match="gain_ratios"):
        RandomRNN("gru", 5, 1.0, gain_ratios={"q": 1.0})
    with pytest.raises(ValueError, match="gain_ratios"):
        RandomRNN("lstm", 5, 1.0, gain_ratios={"f": 0.0})


def _reference_run(net: RandomRNN, xs: torch.Tensor | None, h: torch.Tensor, steps: int
                   ) -> torch.Tensor:
    """The unfused equations (:mod:`reference_cells`), one step at a time."""
    out = []
    for t in range(steps):
        h = reference.next_state(net, h, reference.gates(net, h, None if xs is None else xs[t]))
        out.append(h)
    return torch.stack(out)


@pytest.mark.parametrize("arch", ARCHS)
def test_fused_step_and_run_equal_the_unfused_equations(arch):
    """run/step use a fused path; it must equal the gate equations in float64 for shared
    inputs, per-network inputs, inputs broadcast over extra state dimensions and no input
    (few steps and moderate gains, so chaos cannot amplify rounding)."""
    cand = _candidate(arch, 0.3)
    net = RandomRNN(arch, 40, [0.5, 1.2, 2.0], 0.5, input_dim=3, input_scale=0.5, seed=3,
                    dtype=torch.float64, candidate_bias_std=cand)
    gen = torch.Generator().manual_seed(0)
    shared = torch.randn(12, 3, generator=gen, dtype=torch.float64)
    per_net = torch.randn(12, 3, 4, 3, generator=gen, dtype=torch.float64)
    windows = torch.randn(12, 4, 3, generator=gen, dtype=torch.float64)
    h4 = 0.3 * torch.randn(3, 4, net.dim, generator=gen, dtype=torch.float64)
    cases = [(shared, net.zero_state()), (per_net, h4), (windows, h4), (None, h4)]
    for xs, h0 in cases:
        fused = net.run(12 if xs is None else xs, h0=h0)
        ref = _reference_run(net, xs, h0, 12)
        assert fused.shape == ref.shape
        assert torch.allclose(fused, ref, rtol=0, atol=1e-12)
        one = net.step(h0, None if xs is None else xs[0])
        assert torch.allclose(one, ref[0], rtol=0, atol=1e-14)
    # float32: one step agrees to float32 rounding
    net32 = RandomRNN(arch, 40, [0.5, 1.2, 2.0], 0.5, input_dim=3, input_scale=0.5, seed=3,
                      candidate_bias_std=cand)
    h32 = h4.float()
    ref32 = reference.next_state(net32, h32, reference.gates(net32, h32, windows[0].float()))
    assert torch.allclose(net32.step(h32, windows[0].float()), ref32, rtol=0, atol=1e-5)


@pytest.mark.parametrize("arch", ["rnn", "gru", "lstm"])
def test_run_into_a_buffer_and_in_chunks_equals_run(arch):
    net = RandomRNN(arch, 16, [0.5, 1.5], 0.5, input_dim=2, input_scale=0.5, seed=4,
                    dtype=torch.float64)
    x = torch.randn(23, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    ref = net.run(x)
    buf = torch.empty_like(ref)
    assert net.run(x, out=buf) is buf and torch.equal(buf, ref)
    # The chunked run continues the same trajectory. Equal up to rounding, not bit for bit:
    # MKL picks its kernels by the operands' memory layout, so a chunk that starts from a
    # cloned state can round differently (measured: bitwise equal on the machine that filled the
    # stores, <= 1e-15 after 23 steps on an AMD EPYC with AVX2; a restart from zero: O(0.1)).
    for chunk in (1, 5, 23, 100):  # chunk 1: the next chunk overwrites the previous state
        got = torch.cat([s.clone() for _, s in net.run_chunks(x, chunk=chunk)])
        assert torch.allclose(got, ref, rtol=0, atol=1e-13)
    starts = [t0 for t0, _ in net.run_chunks(x, chunk=10)]
    assert starts == [0, 10, 20]
    with pytest.raises(ValueError, match="out must be"):
        net.run(x, out=torch.empty(23, 2, net.dim))  # float32
    with pytest.raises(ValueError, match="out must be"):
        net.run(x, out=torch.empty(22, 2, net.dim, dtype=torch.float64))
    with pytest.raises(ValueError, match="chunk"):
        next(net.run_chunks(x, chunk=0))


@pytest.mark.parametrize("arch", ARCHS)
def test_fused_jvp_equals_the_unfused_equations(arch):
    """step_with_jvp stacks the state and its tangents into one product; it must equal the
    gate equations and their hand-written derivative in float64."""
    net = RandomRNN(arch, 30, [0.5, 1.2, 2.0], 0.5, input_dim=2, input_scale=0.5, seed=5,
                    dtype=torch.float64,
                    candidate_bias_std=_candidate(arch, 0.3))
    gen = torch.Generator().manual_seed(1)
    h = 0.5 * torch.randn(3, net.dim, generator=gen, dtype=torch.float64)
    for k in (1, 5):
        t = torch.randn(3, k, net.dim, generator=gen, dtype=torch.float64)
        for x in (None, torch.randn(2, generator=gen, dtype=torch.float64),
                  torch.randn(3, 2, generator=gen, dtype=torch.float64)):
            q = reference.gates(net, h, x)
            h_next, jt = net.step_with_jvp(h, t, x)
            assert torch.allclose(h_next, reference.next_state(net, h, q), rtol=0, atol=1e-14)
            assert torch.allclose(jt, reference.jvp(net, h, q, t), rtol=0, atol=1e-13)
