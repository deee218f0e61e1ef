import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.forecast import train_readout, train_readouts
from gcrit_utils.ridge import (
    NormalEquations,
    _batched_problem,
    feature_count,
    fit_ridge,
    fit_ridge_validated,
    readout_features,
)

F64 = torch.float64


def _data(steps=300, batch=3, dim=9, d=2, shared=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    states = torch.randn(steps, batch, dim, dtype=F64, generator=gen).tanh()
    shape = (steps, d) if shared else (steps, batch, d)
    return states, torch.randn(*shape, dtype=F64, generator=gen)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("blocks", [1, 3, 4])
def test_streamed_normal_equations_equal_the_feature_matrix_products(squared, shared, blocks):
    n = 7  # odd: ceil(n / 2) squared features; states carry 2 extra entries (ignored)
    states, y = _data(dim=n + 2, shared=shared)
    eq = NormalEquations(n, 3, 2, squared=squared, chunk=64, blocks=blocks)
    eq.add(states[:100], y[:100])  # two calls, the second not a multiple of the chunk
    eq.add(states[100:], y[100:])
    gram, rhs = eq.problem()
    ref_gram, ref_rhs = _batched_problem(readout_features(states, n, squared), y)
    assert gram.shape == (3, feature_count(n, squared), feature_count(n, squared))
    assert eq.rows == 300
    assert torch.allclose(gram, ref_gram, rtol=1e-13, atol=1e-12)
    assert torch.allclose(rhs, ref_rhs, rtol=1e-13, atol=1e-12)
    assert torch.equal(gram, gram.transpose(1, 2))


def test_linear_problem_is_the_leading_block_of_the_squared_one():
    states, y = _data()
    sq = NormalEquations(9, 3, 2, squared=True)
    lin = NormalEquations(9, 3, 2)
    sq.add(states, y)
    lin.add(states, y)
    # the two accumulators multiply differently shaped column blocks, so their sums round
    # differently: equal to ~1e-16 of the Gram matrix's scale (measured 4e-17 relative)
    for a, b in zip(sq.problem(squared=False), lin.problem(), strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-14 * float(b.abs().max()))
    assert torch.allclose(sq.solve(1e-3, squared=False), lin.solve(1e-3), rtol=1e-10, atol=0)
    with pytest.raises(ValueError, match="squared=True"):
        lin.problem(squared=True)


def test_rows_added_after_a_solve_enter_the_next_solve():
    # the symmetric matrix is formed once and kept between solves: add() must drop it
    states, y = _data(shared=False)
    eq = NormalEquations(9, 3, 2, squared=True)
    eq.add(states[:200], y[:200])
    first = eq.solve(1e-4)
    eq.solve_validated(states[200:250], y[200:250], ridges=(1e-4, 1e-2))
    eq.add(states[200:], y[200:])
    whole = NormalEquations(9, 3, 2, squared=True)
    whole.add(states, y)
    for a, b in zip(eq.problem(), whole.problem(), strict=True):
        assert torch.allclose(a, b, rtol=1e-13, atol=1e-12)
    assert torch.allclose(eq.solve(1e-4), whole.solve(1e-4), rtol=1e-9, atol=1e-12)
    assert not torch.allclose(eq.solve(1e-4), first, rtol=1e-3)


def test_solves_equal_the_feature_matrix_versions():
    states, y = _data(shared=False)
    phi = readout_features(states, 9, squared=True)
    eq = NormalEquations(9, 3, 2, squared=True)
    eq.add(states[:200], y[:200])
    assert torch.allclose(eq.solve(1e-4), fit_ridge(phi[:200], y[:200], 1e-4), rtol=1e-9,
                          atol=1e-12)
    assert torch.allclose(eq.solve(0.0, unpenalised=(9,)),
                          fit_ridge(phi[:200], y[:200], 0.0, unpenalised=(9,)), rtol=1e-8,
                          atol=1e-10)
    w, chosen = eq.solve_validated(states[200:], y[200:], ridges=(1e-6, 1e-2, 10.0))
    w_ref, chosen_ref = fit_ridge_validated(phi[:200], y[:200], phi[200:], y[200:],
                                            ridges=(1e-6, 1e-2, 10.0))
    np.testing.assert_array_equal(chosen, chosen_ref)
    assert torch.allclose(w, w_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n"), ({"batch": 0}, "batch"), ({"target_dim": 0}, "target_dim"),
    ({"chunk": 0}, "chunk"), ({"blocks": 0}, "blocks")])
def test_normal_equations_reject_bad_arguments(kwargs, match):
    args = {"n": 4, "batch": 2, "target_dim": 1} | kwargs
    n, batch, d = args.pop("n"), args.pop("batch"), args.pop("target_dim")
    with pytest.raises(ValueError, match=match):
        NormalEquations(n, batch, d, **args)


def test_normal_equations_reject_bad_shapes_and_ridge():
    eq = NormalEquations(4, 2, 1)
    with pytest.raises(ValueError, match="states"):
        eq.add(torch.zeros(5, 3, 4), torch.zeros(5, 1))
    with pytest.raises(ValueError, match="states"):
        eq.add(torch.zeros(5, 2, 3), torch.zeros(5, 1))
    with pytest.raises(ValueError, match="targets"):
        eq.add(torch.zeros(5, 2, 4), torch.zeros(4, 1))
    with pytest.raises(ValueError, match="targets"):
        eq.add(torch.zeros(5, 2, 4), torch.zeros(5, 3, 1))
    with pytest.raises(ValueError, match="ridge"):
        eq.solve(-1.0)
    with pytest.raises(ValueError, match="unpenalised"):
        eq.solve(0.0, unpenalised=(5,))


@pytest.mark.parametrize("arch", ["rnn", "lstm"])
def test_streamed_training_equals_training_on_the_stored_run(arch):
    t = torch.arange(900, dtype=F64) * 0.05
    x = torch.stack([torch.sin(t), torch.cos(1.3 * t)], dim=1)
    net = RandomRNN(arch, 40, [0.3, 1.0, 1.8], 0.5, input_dim=2, input_scale=0.4, seed=2,
                    dtype=F64)
    states = net.run(x[:849])
    # equal up to rounding (see test_cells: measured <= 2e-14 here on an AVX2 machine)
    assert torch.allclose(torch.cat([s.clone() for _, s in net.run_chunks(x[:849], chunk=97)]),
                          states, rtol=0, atol=1e-12)
    for ridges in [(1.0,), (1e-8, 1e-6, 1e-4, 1e-2)]:
        fitted = train_readouts(net, x, 50, 600, 200, ("linear", "squared"), ridges, chunk=97)
        for readout, (w, chosen, err) in fitted.items():
            squared = readout == "squared"
            w_ref, chosen_ref, err_ref = train_readout(states, x, net.n, 50, 600, 200, squared,
                                                       ridges)
            np.testing.assert_array_equal(chosen, chosen_ref)
            if ridges == (1.0,):  # well conditioned: the weights agree (measured 7e-11)
                assert torch.allclose(w, w_ref, rtol=1e-9, atol=1e-12)
            # at ridge 1e-8 the Gram matrix is ill conditioned and the chunking's summation
            # order moves the weights by ~1e-5 of their size (measured); the predictions they
            # make moved by 3e-9 and the one-step error by 2e-6 (relative)
            phi = readout_features(states[649:849], net.n, squared)
            pred, pred_ref = (torch.einsum("tbf,bfd->tbd", phi, v) for v in (w, w_ref))
            assert torch.allclose(pred, pred_ref, rtol=0, atol=1e-7)
            np.testing.assert_allclose(err, err_ref, rtol=1e-5)
    with pytest.raises(ValueError, match="readouts"):
        train_readouts(net, x, 50, 600, 200, ("cubic",))
    with pytest.raises(ValueError, match="x must have shape"):
        train_readouts(net, x[:800], 50, 600, 200)
