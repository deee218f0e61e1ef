"""Our tanh reservoirs are reservoirpy's nodes, given the same dense weights."""

import warnings

import numpy as np
import pytest
import torch

from gcrit_utils import RandomRNN
from gcrit_utils.cells import LeakyTanh
from gcrit_utils.forecast import nrmse
from gcrit_utils.ridge import fit_ridge, readout_features
from gcrit_utils.systems import lorenz63, normalise


def test_states_and_one_step_error_match_reservoirpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.nodes import Reservoir, Ridge

    u, _, _ = normalise(lorenz63(1200, seed=2))
    net = RandomRNN("rnn", 120, 1.1, 0.5, input_dim=3, input_scale=0.5, seed=4,
                    dtype=torch.float64)
    res = Reservoir(W=1.1 * net.w0.numpy(), Win=net.input_weights.numpy(), bias=net.bias[0].numpy(),
                    lr=1.0)
    theirs = res.run(u)
    ours = net.run(torch.as_tensor(u))[:, 0].numpy()
    assert np.abs(theirs - ours).max() < 1e-10
    tr, va = slice(100, 899), slice(899, 1199)
    pred_theirs = Ridge(ridge=1e-6).fit(theirs[tr], u[101:900]).run(theirs[va])
    phi = readout_features(torch.as_tensor(ours)[:, None], 120)
    w = fit_ridge(phi[tr], torch.as_tensor(u[101:900]), 1e-6, unpenalised=(120,))
    pred_ours = (phi[va, 0] @ w[0]).numpy()
    e_ours = nrmse(u[900:], pred_ours[:, None])[0]
    e_theirs = nrmse(u[900:], pred_theirs[:, None])[0]
    assert e_ours < 0.05 and abs(e_ours / e_theirs - 1) < 1e-6


@pytest.mark.parametrize("leak", [0.1, 0.3, 0.7])
def test_leaky_reservoir_is_reservoirpys_node(leak):
    """reservoirpy's default node x <- (1 - lr) x + lr tanh(W x + Win u + b) on our weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.nodes import Reservoir

    u, _, _ = normalise(lorenz63(800, seed=3))
    net = RandomRNN(LeakyTanh(leak), 150, 1.3, 0.5, input_dim=3, input_scale=0.5, seed=6,
                    dtype=torch.float64)
    res = Reservoir(W=1.3 * net.w0.numpy(), Win=net.input_weights.numpy(),
                    bias=net.bias[0].numpy(), lr=leak)
    theirs = res.run(u)
    ours = net.run(torch.as_tensor(u))[:, 0].numpy()
    assert np.abs(theirs - ours).max() < 1e-12
