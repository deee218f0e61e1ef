"""Critical initialisation of PyTorch's ``nn.RNN`` (tanh), ``nn.GRU`` and ``nn.LSTM``."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ._validation import CANDIDATE, check_int, check_nonnegative, check_positive, gate_bias_stds
from .theory import critical_gain

__all__ = ["critical_init_", "module_zero_state_jacobian"]


def _arch_of(module: torch.nn.Module) -> str:
    if isinstance(module, torch.nn.LSTM):
        if module.proj_size:
            raise ValueError("critical_init_ does not support nn.LSTM with proj_size > 0")
        return "lstm"
    if isinstance(module, torch.nn.GRU):
        return "gru"
    if isinstance(module, torch.nn.RNN):
        if module.nonlinearity != "tanh":
            raise ValueError("critical_init_ supports nn.RNN with nonlinearity='tanh' only")
        return "rnn"
    raise ValueError(f"module must be a torch.nn.RNN, GRU or LSTM, got {type(module).__name__}")


def critical_init_(
    module: torch.nn.Module,
    bias_std: float | Mapping[str, float] = 0.0,
    gain_factor: float = 1.0,
    method: str = "zero_state",
    seed: int | None = None,
) -> float:
    """Initialise a recurrent module in place at ``g = gain_factor * g_c``.

    Every layer (and direction) gets ``weight_hh = g * W0`` with ``W0 ~ N(0, 1/H)`` per
    gate block, ``bias_ih`` with std ``s_b`` per gate (0 for the candidate, so ``h = 0``
    stays a fixed point) and ``bias_hh = 0``, so that ``bias_ih + bias_hh`` has exactly
    the requested spread. ``weight_ih`` is left as it is.

    Parameters
    ----------
    module : torch.nn.RNN (tanh), torch.nn.GRU or torch.nn.LSTM
        Any number of layers, uni- or bidirectional, ``batch_first`` either way.
    bias_std : float or dict
        Gate-bias spread, as in :func:`~gcrit_utils.theory.critical_gain`.
    gain_factor : float
        ``g / g_c``; 1 is the edge, < 1 ordered, > 1 beyond the edge.
    method : {"zero_state", "mean_field"}
        Criterion used for ``g_c``. The initializer keeps the candidate bias at 0, so for
        ``nn.GRU``/``nn.LSTM`` both give the same gain; for ``nn.RNN`` with a bias
        ``"mean_field"`` is the right one.
    seed : int, optional
        Seed of the draw; ``None`` uses torch's default generator, like ``torch.nn.init``.

    Returns
    -------
    float
        The gain ``g`` used.

    Examples
    --------
    >>> gru = torch.nn.GRU(8, 128, num_layers=2, batch_first=True)
    >>> round(critical_init_(gru, bias_std=0.5, seed=0), 4)
    1.9464
    """
    arch = _arch_of(module)
    gain_factor = check_positive("gain_factor", gain_factor)
    stds = gate_bias_stds(arch, bias_std)
    if not module.bias and any(stds.values()):
        raise ValueError("bias_std must be 0 for a module built with bias=False")
    g = gain_factor * critical_gain(arch, bias_std, method=method)
    gen = None
    if seed is not None:
        gen = torch.Generator(device="cpu").manual_seed(check_int("seed", seed, 0))
    hidden = module.hidden_size
    cand = CANDIDATE[arch]
    suffixes = ["", "_reverse"] if module.bidirectional else [""]
    with torch.no_grad():
        for layer in range(module.num_layers):
            for sfx in suffixes:
                w_hh = getattr(module, f"weight_hh_l{layer}{sfx}")
                w0 = torch.randn(w_hh.shape, generator=gen, dtype=torch.float64)
                w_hh.copy_(g * w0 / hidden**0.5)
                if not module.bias:
                    continue
                b0 = torch.randn(len(stds), hidden, generator=gen, dtype=torch.float64)
                scale = torch.tensor([0.0 if k == cand else check_nonnegative("bias_std", s)
                                      for k, s in stds.items()], dtype=torch.float64)
                getattr(module, f"bias_ih_l{layer}{sfx}").copy_((scale[:, None] * b0).reshape(-1))
                getattr(module, f"bias_hh_l{layer}{sfx}").zero_()
    return float(g)


def module_zero_state_jacobian(module: torch.nn.Module) -> torch.Tensor:
    """Autograd Jacobian of one step of a module's first layer at ``h = 0, x = 0``.

    Computed with ``torch.func.jacrev`` on the module itself (not on our equations), in
    the module's dtype. For ``nn.LSTM`` the state is ``[h, c]``.

    Returns
    -------
    tensor, shape (H, H) or (2H, 2H) for the LSTM
    """
    _arch_of(module)
    hidden = module.hidden_size
    p = next(module.parameters())
    x = torch.zeros(1, 1, module.input_size, dtype=p.dtype, device=p.device)
    if isinstance(module, torch.nn.LSTM):
        def step(state: torch.Tensor) -> torch.Tensor:
            h, c = state[:hidden], state[hidden:]
            _, (h1, c1) = module(x, (h.view(1, 1, -1), c.view(1, 1, -1)))
            return torch.cat([h1.view(-1), c1.view(-1)])

        zero = torch.zeros(2 * hidden, dtype=p.dtype, device=p.device)
    else:
        def step(h: torch.Tensor) -> torch.Tensor:
            _, h1 = module(x, h.view(1, 1, -1))
            return h1.view(-1)

        zero = torch.zeros(hidden, dtype=p.dtype, device=p.device)
    return torch.func.jacrev(step)(zero).detach()
