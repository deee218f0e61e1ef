"""Critical initialisation of PyTorch's recurrent modules (``nn.RNN`` with tanh, ``nn.GRU``,
``nn.LSTM``, and any registered cell with a torch module)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import torch

from ._validation import check_int, check_positive
from .cells import cell_of_module
from .signalprop import annealed_critical_gain
from .theory import critical_gain

__all__ = [
    "critical_init_",
    "orthogonal_init_",
    "memory_bias_init_",
    "chrono_init_",
    "INITIALISERS",
    "initialise_",
    "module_zero_state_jacobian",
]


def critical_init_(
    module: torch.nn.Module,
    bias_std: float | Mapping[str, float] = 0.0,
    gain_factor: float = 0.5,
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
        ``g / g_c``; 1 is the edge, < 1 ordered, > 1 beyond the edge. The default, 0.5, is
        the one factor below the edge that the book's chapter on training tried
        (``nn.GRU``/``nn.LSTM``, hidden size 64, ``bias_std=0.5``, four tasks, five seeds
        per start): it overlapped with PyTorch's default on every task where either left
        chance. At ``g_c`` the networks ended above the default on one (cell, task) panel
        and below it on none; at ``1.5 g_c`` above it on two and below it on one. For a task
        with long memory the chapter's best start was :func:`chrono_init_`; for a reservoir,
        pick the gain with :func:`~gcrit_utils.tuning.tune_gain`. Pass 1.0 for the edge
        itself.
    method : {"zero_state", "mean_field", "annealed"}
        Criterion used for ``g_c``. The initializer keeps the candidate bias at 0, so for
        ``nn.GRU``/``nn.LSTM`` the first two give the same gain; for ``nn.RNN`` with a bias
        ``"mean_field"`` is the right one. ``"annealed"`` is the mean-field criterion of
        Gilboa et al. (2019), ``chi_1 = 1``
        (:func:`~gcrit_utils.signalprop.annealed_critical_gain`), which depends on
        ``bias_mean`` (of the memory gate only) and lies above the zero-state ``g_c`` of the
        gated cells.
    seed : int, optional
        Seed of the draw; ``None`` uses torch's default generator, like ``torch.nn.init``.
    bias_mean : dict, optional
        Mean of a gate's bias, e.g. ``{"f": 1.0}`` (the LSTM's forget-gate bias of +1) or
        ``{"z": 1.0}`` (a GRU's update gate); 0 for gates not named. ``g_c`` is computed
        with these means (``method="zero_state"`` or ``"annealed"``): a forget-gate mean of
        +1 lowers the LSTM's ``g_c`` at ``s_b = 0.5`` from 1.71 to 0.86, so the gain stays at
        ``gain_factor`` of the edge of the network actually built.

    Returns
    -------
    float
        The gain ``g`` used.

    Examples
    --------
    >>> gru = torch.nn.GRU(8, 128, num_layers=2, batch_first=True)
    >>> round(critical_init_(gru, bias_std=0.5, seed=0), 4)  # 0.5 g_c
    0.9732
    >>> round(critical_init_(gru, bias_std=0.5, gain_factor=1.0, seed=0), 4)  # the edge
    1.9464
    """
    cell = cell_of_module(module)
    gain_factor = check_positive("gain_factor", gain_factor)
    stds = cell.bias_stds(bias_std)
    means = cell.bias_means(bias_mean)
    if not module.bias and (any(stds.values()) or any(means.values())):
        raise ValueError("bias_std and bias_mean must be 0 for a module built with bias=False")
    nonzero = {k: v for k, v in (bias_mean or {}).items() if v}
    if method == "annealed":
        g = gain_factor * annealed_critical_gain(cell, bias_std, bias_mean=nonzero or None)
    elif nonzero and method != "zero_state":
        raise ValueError(f"bias_mean needs method='zero_state' or 'annealed', got {method!r}")
    else:
        g = gain_factor * critical_gain(cell, bias_std, method=method,
                                        bias_mean=nonzero or None)
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


def _blocks(module: torch.nn.Module) -> list[str]:
    """Suffixes ``l{layer}{_reverse}`` of every layer and direction of a module."""
    suffixes = ["", "_reverse"] if module.bidirectional else [""]
    return [f"l{layer}{sfx}" for layer in range(module.num_layers) for sfx in suffixes]


def orthogonal_init_(module: torch.nn.Module, seed: int | None = None) -> None:
    """Orthogonal recurrent weights, zero biases; input weights as they are.

    Every gate's ``H x H`` block of ``weight_hh`` is an independent random orthogonal matrix
    (``torch.nn.init.orthogonal_``), the usual orthogonal initialisation of Saxe et al.
    (2014) applied per gate.

    Parameters
    ----------
    module : torch.nn.RNN, GRU or LSTM
    seed : int, optional
        Seed of the draw (torch's default generator when None).
    """
    cell = cell_of_module(module)
    gen = None
    if seed is not None:
        gen = torch.Generator(device="cpu").manual_seed(check_int("seed", seed, 0))
    hidden = module.hidden_size
    with torch.no_grad():
        for block in _blocks(module):
            w_hh = getattr(module, f"weight_hh_{block}")
            for k in range(len(cell.gates)):
                q = torch.empty(hidden, hidden, dtype=torch.float64)
                torch.nn.init.orthogonal_(q, generator=gen)
                w_hh[k * hidden:(k + 1) * hidden].copy_(q)
            if module.bias:
                getattr(module, f"bias_ih_{block}").zero_()
                getattr(module, f"bias_hh_{block}").zero_()


def _set_gate_bias(module: torch.nn.Module, gate: str, values: torch.Tensor, block: str) -> None:
    """Write ``values`` (H,) as the total bias of ``gate`` (``bias_ih``; ``bias_hh`` zeroed)."""
    cell = cell_of_module(module)
    k, hidden = cell.gates.index(gate), module.hidden_size
    rows = slice(k * hidden, (k + 1) * hidden)
    getattr(module, f"bias_ih_{block}")[rows].copy_(values)
    getattr(module, f"bias_hh_{block}")[rows].zero_()


def memory_bias_init_(module: torch.nn.Module, value: float = 1.0) -> None:
    """Set the memory gate's bias to ``value``, everything else as it is.

    The memory gate is the one that keeps the state: the LSTM's forget gate ``f`` (the
    forget-gate bias of +1 of Gers et al. 2000 and Jozefowicz et al. 2015) and the GRU's
    update gate ``z`` (in PyTorch's GRU, ``h' = (1 - z) n + z h``).

    Raises
    ------
    ValueError
        If the module's cell has no memory gate (``nn.RNN``) or no bias.
    """
    cell = cell_of_module(module)
    if cell.memory_gate is None or not module.bias:
        raise ValueError(f"memory_bias_init_ needs a gated module with bias, got {cell.name!r}")
    with torch.no_grad():
        for block in _blocks(module):
            full = torch.full((module.hidden_size,), float(value), dtype=torch.float64)
            _set_gate_bias(module, cell.memory_gate, full, block)


def chrono_init_(module: torch.nn.Module, max_delay: int, seed: int | None = None) -> None:
    """Chrono initialisation (Tallec & Ollivier 2018) of the gate biases.

    The memory gate's bias is ``log(U(1, max_delay - 1))`` per unit, so that the units'
    forgetting times spread up to ``max_delay``; for the LSTM the input gate's bias is
    its negative. Weights are left as they are.

    Parameters
    ----------
    module : torch.nn.GRU or torch.nn.LSTM (with bias)
    max_delay : int
        The longest dependency expected in the data (>= 3), e.g. the sequence length.
    seed : int, optional
        Seed of the draw.
    """
    cell = cell_of_module(module)
    if cell.memory_gate is None or not module.bias:
        raise ValueError(f"chrono_init_ needs a gated module with bias, got {cell.name!r}")
    max_delay = check_int("max_delay", max_delay, 3)
    gen = None
    if seed is not None:
        gen = torch.Generator(device="cpu").manual_seed(check_int("seed", seed, 0))
    with torch.no_grad():
        for block in _blocks(module):
            u = 1 + (max_delay - 2) * torch.rand(module.hidden_size, generator=gen,
                                                 dtype=torch.float64)
            _set_gate_bias(module, cell.memory_gate, torch.log(u), block)
            if "i" in cell.gates and cell.memory_gate == "f":
                _set_gate_bias(module, "i", -torch.log(u), block)


#: The initialisations the training chapter compares: name -> (function(module, seed,
#: length), description). ``length`` is the task's sequence length (chrono's ``max_delay``).
INITIALISERS: Mapping[str, tuple[Callable[[torch.nn.Module, int, int], object], str]] = \
    MappingProxyType({
        "default": (lambda m, seed, length: None, "PyTorch's U(±1/sqrt(H)) for every weight"),
        "orthogonal": (lambda m, seed, length: orthogonal_init_(m, seed),
                       "orthogonal recurrent blocks, zero biases"),
        "memory bias +1": (lambda m, seed, length: memory_bias_init_(m, 1.0),
                           "PyTorch's default with the forget (LSTM) / update (GRU) bias +1"),
        "chrono": (lambda m, seed, length: chrono_init_(m, length, seed),
                   "PyTorch's default weights with chrono gate biases"),
        "annealed critical": (
            lambda m, seed, length: critical_init_(m, 0.5, 1.0, method="annealed", seed=seed,
                                                   bias_mean={_memory(m): 1.0}),
            "g at chi_1 = 1 of the annealed mean field (Gilboa et al.), memory bias mean +1"),
        "critical x0.5": (lambda m, seed, length: critical_init_(m, 0.5, 0.5, seed=seed),
                          "critical_init_ at 0.5 g_c, s_b = 0.5"),
        "critical x1": (lambda m, seed, length: critical_init_(m, 0.5, 1.0, seed=seed),
                        "critical_init_ at g_c, s_b = 0.5"),
        "critical x1.5": (lambda m, seed, length: critical_init_(m, 0.5, 1.5, seed=seed),
                          "critical_init_ at 1.5 g_c, s_b = 0.5"),
    })


def _memory(module: torch.nn.Module) -> str:
    gate = cell_of_module(module).memory_gate
    if gate is None:
        raise ValueError("this initialisation needs a gated module")
    return gate


def initialise_(module: torch.nn.Module, name: str, seed: int, length: int) -> None:
    """Apply one of :data:`INITIALISERS` in place (the module fresh from its constructor).

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`INITIALISERS`.
    """
    if name not in INITIALISERS:
        raise ValueError(f"name must be one of {list(INITIALISERS)}, got {name!r}")
    INITIALISERS[name][0](module, seed, length)


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
