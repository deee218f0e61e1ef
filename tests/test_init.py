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
    ga = critical_init_(a, 0.5, method="mean_field", seed=3)
    gb = critical_init_(b, 0.5, method="mean_field", seed=3)
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
