"""Critical initialisation of PyTorch's recurrent modules (``nn.RNN`` with tanh, ``nn.GRU``,
``nn.LSTM``, and any registered cell with a torch module)."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ._validation import check_int, check_positive
from .cells import cell_of_module
from .theory import critical_gain

__all__ = ["critical_init_", "module_zero_state_jacobian"]


def critical_init_(
    module: torch.nn.Module,
    bias_std: float | Mapping[str, float] = 0.0,
    gain_factor: float = 1.0,
    method: str = "zero_state",
    seed: int | None = None,
    bias_mean: Mapping[str, float] | None = None,
) -> float:
    """Initialise a recurrent module in place at ``g = gain_factor * g_c``.

    Every layer (and direction) gets ``weight_hh = g * W0`` with ``W0 ~ N(0, 1/H)`` per
    gate block, ``bias_ih = mu + s_b * b0`` per gate with ``b0 ~ N(0, 1)`` (the candidate's
    spread is 0, so ``h = 0`` stays a fixed point without a mean) and ``bias_hh = 0``, so
    that ``bias_ih + bias_hh`` has exactly the requested mean and spread. ``weight_ih`` is
    left as it is.

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
    bias_mean : dict, optional
        Mean of a gate's bias, e.g. ``{"f": 1.0}`` (the LSTM's forget-gate bias of +1) or
        ``{"z": 1.0}`` (a GRU's update gate); 0 for gates not named. ``g_c`` is computed for
        zero means: a mean moves the criterion (see the book's chapter on signal
        propagation).

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
    cell = cell_of_module(module)
    gain_factor = check_positive("gain_factor", gain_factor)
    stds = cell.bias_stds(bias_std)
    means = cell.bias_means(bias_mean)
    if not module.bias and (any(stds.values()) or any(means.values())):
        raise ValueError("bias_std and bias_mean must be 0 for a module built with bias=False")
    g = gain_factor * critical_gain(cell, bias_std, method=method)
    gen = None
    if seed is not None:
        gen = torch.Generator(device="cpu").manual_seed(check_int("seed", seed, 0))
    hidden = module.hidden_size
    scale = torch.tensor([stds[k] for k in cell.gates], dtype=torch.float64)
    shift = torch.tensor([means[k] for k in cell.gates], dtype=torch.float64)
    suffixes = ["", "_reverse"] if module.bidirectional else [""]
    with torch.no_grad():
        for layer in range(module.num_layers):
            for sfx in suffixes:
                w_hh = getattr(module, f"weight_hh_l{layer}{sfx}")
                w0 = torch.randn(w_hh.shape, generator=gen, dtype=torch.float64)
                w_hh.copy_(g * w0 / hidden**0.5)
                if not module.bias:
                    continue
                b0 = torch.randn(len(cell.gates), hidden, generator=gen, dtype=torch.float64)
                bias = shift[:, None] + scale[:, None] * b0
                getattr(module, f"bias_ih_l{layer}{sfx}").copy_(bias.reshape(-1))
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
    cell = cell_of_module(module)
    hidden = module.hidden_size
    p = next(module.parameters())
    x = torch.zeros(1, 1, module.input_size, dtype=p.dtype, device=p.device)
    if cell.state_blocks == 2:
        def step(state: torch.Tensor) -> torch.Tensor:
            h, c = state[:hidden], state[hidden:]
            _, (h1, c1) = module(x, (h.view(1, 1, -1), c.view(1, 1, -1)))
            return torch.cat([h1.view(-1), c1.view(-1)])
    else:
        def step(state: torch.Tensor) -> torch.Tensor:
            _, h1 = module(x, state.view(1, 1, -1))
            return h1.view(-1)

    zero = torch.zeros(cell.state_dim(hidden), dtype=p.dtype, device=p.device)
    return torch.func.jacrev(step)(zero).detach()
