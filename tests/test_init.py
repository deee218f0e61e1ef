import numpy as np
import pytest
import torch

from gcrit_utils import critical_gain, critical_init_, support_right_edge
from gcrit_utils.init import module_zero_state_jacobian


def torch_zero_state_jacobian(module: torch.nn.Module, hidden: int) -> np.ndarray:
    """Autograd Jacobian of one step of the module's first layer at h = 0, x = 0."""
    assert module.hidden_size == hidden
    return module_zero_state_jacobian(module).numpy()


@pytest.mark.parametrize("cls,arch", [(torch.nn.GRU, "gru"), (torch.nn.LSTM, "lstm")])
@pytest.mark.parametrize("factor", [1.0, 1.3])
def test_rightmost_eigenvalue_of_initialised_module(cls, arch, factor):
    n, s = 1000, 0.5
    module = cls(4, n).double()
    g = critical_init_(module, bias_std=s, gain_factor=factor, seed=0)
    assert g == pytest.approx(factor * critical_gain(arch, s))
    ev = np.linalg.eigvals(torch_zero_state_jacobian(module, n))
    edge = support_right_edge(arch, g, s)
    assert ev.real.max() == pytest.approx(edge, rel=0.05)
    if factor == 1.0:
        assert ev.real.max() == pytest.approx(1.0, rel=0.05)


def test_bias_sum_spread_layers_and_directions():
    lstm = torch.nn.LSTM(3, 300, num_layers=2, bidirectional=True, batch_first=True)
    g = critical_init_(lstm, bias_std={"i": 0.5, "f": 1.0, "o": 0.0}, seed=1)
    for name in ("l0", "l1", "l0_reverse", "l1_reverse"):
        total = getattr(lstm, f"bias_ih_{name}") + getattr(lstm, f"bias_hh_{name}")
        i, f, gg, o = total.detach().view(4, 300)
        assert i.std().item() == pytest.approx(0.5, rel=0.15)
        assert f.std().item() == pytest.approx(1.0, rel=0.15)
        assert torch.all(gg == 0) and torch.all(o == 0)
        w = getattr(lstm, f"weight_hh_{name}").detach()
        assert (w / g).var().item() == pytest.approx(1 / 300, rel=0.05)


def test_seed_is_reproducible_and_rnn_mean_field():
    a, b = torch.nn.RNN(2, 50), torch.nn.RNN(2, 50)
    ga = critical_init_(a, 0.5, 1.0, method="mean_field", seed=3)
    gb = critical_init_(b, 0.5, 1.0, method="mean_field", seed=3)
    assert ga == gb == pytest.approx(critical_gain("rnn", 0.5, method="mean_field"))
    assert torch.equal(a.weight_hh_l0, b.weight_hh_l0)


@pytest.mark.parametrize(
    "module,kwargs,message",
    [
        (torch.nn.Linear(3, 3), {}, "module must be one of"),
        (torch.nn.RNN(3, 3, nonlinearity="relu"), {}, "nonlinearity='tanh'"),
        (torch.nn.LSTM(3, 4, proj_size=2), {}, "proj_size"),
        (torch.nn.GRU(3, 3, bias=False), {"bias_std": 0.5}, "bias=False"),
        (torch.nn.GRU(3, 3), {"gain_factor": 0.0}, "gain_factor"),
        (torch.nn.GRU(3, 3), {"bias_std": -1.0}, "bias_std"),
        (torch.nn.GRU(3, 3), {"bias_mean": {"f": 1.0}}, "bias_mean keys"),
    ],
)
def test_bad_input(module, kwargs, message):
    with pytest.raises(ValueError, match=message):
        critical_init_(module, **kwargs)


# ---- the initialisations the training chapter compares ------------------------------------
def test_orthogonal_init_gives_orthogonal_gate_blocks_and_zero_biases():
    from gcrit_utils.init import orthogonal_init_

    lstm = torch.nn.LSTM(3, 20, num_layers=2).double()
    orthogonal_init_(lstm, seed=0)
    for layer in range(2):
        w = getattr(lstm, f"weight_hh_l{layer}").detach()
        for k in range(4):
            block = w[20 * k:20 * (k + 1)]
            assert torch.allclose(block @ block.T, torch.eye(20, dtype=w.dtype), atol=1e-10)
        assert not getattr(lstm, f"bias_ih_l{layer}").any()
        assert not getattr(lstm, f"bias_hh_l{layer}").any()


def test_memory_bias_and_chrono_set_the_gate_that_keeps_the_state():
    from gcrit_utils.init import chrono_init_, memory_bias_init_

    lstm, gru = torch.nn.LSTM(2, 16), torch.nn.GRU(2, 16)
    memory_bias_init_(lstm, 1.0)
    memory_bias_init_(gru, 1.0)
    assert torch.all(lstm.bias_ih_l0[16:32] == 1.0) and not lstm.bias_hh_l0[16:32].any()
    assert torch.all(gru.bias_ih_l0[16:32] == 1.0) and not gru.bias_hh_l0[16:32].any()
    chrono_init_(lstm, 200, seed=0)
    forget, inp = lstm.bias_ih_l0[16:32].detach(), lstm.bias_ih_l0[:16].detach()
    assert torch.all(forget >= 0) and torch.all(forget <= np.log(199) + 1e-6)
    assert torch.allclose(inp, -forget)
    with pytest.raises(ValueError, match="needs a gated module with bias"):
        memory_bias_init_(torch.nn.RNN(2, 4))
    with pytest.raises(ValueError, match="max_delay must be an integer >= 3"):
        chrono_init_(lstm, 2)


def test_annealed_critical_init_uses_the_gain_where_chi_one_is_one():
    from gcrit_utils.init import critical_init_
    from gcrit_utils.signalprop import annealed_critical_gain, chi_one, signal_params

    g = critical_init_(torch.nn.LSTM(2, 8), 0.5, 1.0, method="annealed", bias_mean={"f": 1.0},
                       seed=0)
    assert g == pytest.approx(annealed_critical_gain("lstm", 0.5, bias_mean={"f": 1.0}))
    assert chi_one(signal_params("lstm", g, 0.5, bias_mean={"f": 1.0})) == pytest.approx(1.0)
    # the GRU with an update-gate mean: the crossing lies far above g_c, and chi_1 jumps
    # across 1 there (the stationary length appears discontinuously, a saddle-node)
    g_gru = annealed_critical_gain("gru", 0.5, bias_mean={"z": 1.0})
    assert 3.0 < g_gru < 8.0
    below, above = (chi_one(signal_params("gru", g, 0.5, bias_mean={"z": 1.0}))
                    for g in (g_gru * (1 - 1e-6), g_gru * (1 + 1e-6)))
    assert below < 1.0 < above
    # for the tanh RNN it is the mean-field g_c of the derivation chapter
    assert annealed_critical_gain("rnn", 0.5) == pytest.approx(
        critical_gain("rnn", 0.5, method="mean_field"), rel=1e-6)
    assert annealed_critical_gain("minimalrnn", 0.5) == np.inf
    with pytest.raises(ValueError, match="bracket must be increasing"):
        annealed_critical_gain("gru", 0.5, bracket=(2.0, 1.0))


def test_initialise_applies_every_named_initialisation():
    from gcrit_utils.init import INITIALISERS, initialise_

    for name in INITIALISERS:
        gru = torch.nn.GRU(2, 8)
        initialise_(gru, name, seed=0, length=50)
        assert all(torch.isfinite(p).all() for p in gru.parameters())
    with pytest.raises(ValueError, match="name must be one of"):
        initialise_(torch.nn.GRU(2, 8), "xavier", seed=0, length=50)


def test_critical_init_puts_a_biased_forget_gate_at_its_own_edge():
    module = torch.nn.LSTM(2, 300).double()
    g = critical_init_(module, 0.5, 1.0, seed=0, bias_mean={"f": 1.0})
    # the forget-gate mean lowers g_c (E[(1 - f)^-2] grows); the gain follows it
    assert g == pytest.approx(critical_gain("lstm", 0.5, bias_mean={"f": 1.0}))
    assert g < 0.6 * critical_gain("lstm", 0.5)
    edge = np.linalg.eigvals(module_zero_state_jacobian(module).numpy()).real.max()
    assert abs(edge - 1.0) < 0.05
    with pytest.raises(ValueError, match="bias_mean needs method"):
        critical_init_(torch.nn.LSTM(2, 8), 0.5, method="mean_field", bias_mean={"f": 1.0})
