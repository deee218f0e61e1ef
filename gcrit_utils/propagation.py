"""Simulated signal propagation in finite networks: the measured side of
:mod:`gcrit_utils.signalprop` (chapter 06)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ._validation import check_int, check_positive
from .cells import RandomRNN

__all__ = ["simulate_propagation", "jacobian_product_singular_values", "timescale_grid"]


def _pair_inputs(net: RandomRNN, steps: int, input_corr: float, gen: torch.Generator
                 ) -> torch.Tensor:
    """Inputs of the two trajectories, shape (steps, 2, d), i.i.d. N(0, 1) in time with
    correlation ``input_corr`` between the two."""
    d = net.input_dim
    xa = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    eta = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    xb = input_corr * xa + (1.0 - input_corr**2) ** 0.5 * eta
    return torch.stack([xa, xb], dim=1)


def simulate_propagation(net: RandomRNN, steps: int, *, q0: float = 1.0, c0: float = 0.0,
                         input_corr: float = 0.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Length and correlation of two trajectories of every network in ``net``.

    Both start with i.i.d. ``N(0, q0)`` states (hidden and, for the LSTM, cell) whose
    correlation is ``c0``; they are driven by i.i.d. standard-normal inputs of dimension
    ``net.input_dim`` with correlation ``input_corr`` between the two, so the drive of
    each gate and unit has variance ``net.input_scale**2`` (times ``|x|^2/d``, 1 on average).

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks with ``input_dim >= 1`` (use a large ``input_dim``, e.g. 100, so the
        drives of different units are nearly independent, as the mean field assumes).
    steps : int
        Steps simulated.
    q0, c0, input_corr : float
        Initial variance per unit, initial and input correlations.
    seed : int
        Seed of the initial states and inputs.

    Returns
    -------
    dict
        ``q`` (steps + 1, B): ``mean_i h_{a,i}^2``; ``c`` (steps + 1, B): correlation of
        ``h_a`` and ``h_b``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    if net.input_dim < 1:
        raise ValueError("net must have input_dim >= 1 (an input-driven network)")
    steps = check_int("steps", steps, 1)
    q0 = check_positive("q0", q0)
    if not -1.0 <= c0 <= 1.0 or not -1.0 <= input_corr <= 1.0:
        raise ValueError("c0 and input_corr must be in [-1, 1]")
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    ha = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    eta = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    h = q0**0.5 * torch.stack([ha, c0 * ha + (1.0 - c0**2) ** 0.5 * eta], dim=1)
    h = h.to(device=net.device, dtype=net.dtype)
    xs = _pair_inputs(net, steps, input_corr, gen)
    qs, cs = [], []

    def record(state: torch.Tensor) -> None:
        hid = net.hidden(state).double()
        qa, qb = (hid[:, 0] ** 2).mean(-1), (hid[:, 1] ** 2).mean(-1)
        qs.append(qa.cpu().numpy())
        cs.append(((hid[:, 0] * hid[:, 1]).mean(-1) / (qa * qb).sqrt()).cpu().numpy())

    with torch.no_grad():
        record(h)
        for t in range(steps):
            h = net.step(h, xs[t])
            record(h)
    return {"q": np.array(qs), "c": np.array(cs)}


def jacobian_product_singular_values(net: RandomRNN, horizon: int, *, warmup: int = 200,
                                     seed: int = 0) -> np.ndarray:
    """Singular values of the ``horizon``-step state-to-state Jacobian product
    ``J_T ... J_1`` along an input-driven trajectory of every network.

    The trajectory starts at a random state, runs ``warmup`` steps under i.i.d.
    standard-normal inputs (when ``input_dim >= 1``), then the product of the Jacobians of
    the next ``horizon`` steps is formed (float64, hidden part of the state).

    Returns
    -------
    ndarray, shape (B, N)
        Singular values, descending, of the ``N x N`` block ``d h_T / d h_0``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    horizon = check_int("horizon", horizon, 1)
    warmup = check_int("warmup", warmup, 0)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    h = (0.5 * torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)).to(
        device=net.device, dtype=net.dtype)
    xs = None
    if net.input_dim >= 1:
        xs = torch.randn(warmup + horizon, net.input_dim, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        for t in range(warmup):
            h = net.step(h, None if xs is None else xs[t])
        prod = torch.eye(net.dim, dtype=net.dtype, device=net.device).expand(
            net.batch, -1, -1).clone()
        for t in range(warmup, warmup + horizon):
            x = None if xs is None else xs[t]
            prod = net.jacobian(h, x) @ prod
            h = net.step(h, x)
    block = prod[:, : net.n, : net.n].double()
    return torch.linalg.svdvals(block).cpu().numpy()


def timescale_grid(arch: str, gains: Sequence[float], values: Sequence[float], *,
                   vary: str = "bias_std", bias_std: float = 0.5, input_std: float = 0.0,
                   progress: bool = False) -> dict[str, np.ndarray]:
    """Mean-field ``chi_1`` and ``q*`` on a grid of gains and bias spreads or means.

    Parameters
    ----------
    arch : str
    gains : sequence of float, length G
    values : sequence of float, length V
        Bias spreads ``s_b`` (``vary="bias_std"``, every gate, candidate 0) or means of the
        memory gate's bias (``vary="bias_mean"``: minimalRNN ``u``, GRU ``z``, LSTM ``f``,
        with spread ``bias_std``).
    input_std : float
        ``sigma_x``.

    Returns
    -------
    dict
        ``chi_1`` and ``q`` of shape (V, G), ``gains``, ``values``.
    """
    from tqdm import tqdm

    from .signalprop import MEAN_GATES, chi_one, length_fixed_point, signal_params

    if vary not in ("bias_std", "bias_mean"):
        raise ValueError(f"vary must be 'bias_std' or 'bias_mean', got {vary!r}")
    if vary == "bias_mean" and not MEAN_GATES[arch]:
        raise ValueError(f"arch={arch!r} has no memory gate whose bias mean could vary")
    chi = np.empty((len(values), len(gains)))
    q = np.empty_like(chi)
    for a, v in enumerate(tqdm(values, desc=f"timescales {arch}", disable=not progress)):
        for b, g in enumerate(gains):
            if vary == "bias_std":
                p = signal_params(arch, float(g), float(v), input_std=input_std)
            else:
                p = signal_params(arch, float(g), bias_std, input_std=input_std,
                                  bias_mean={MEAN_GATES[arch][0]: float(v)})
            state = length_fixed_point(p)
            chi[a, b], q[a, b] = chi_one(p, state), state[0]
    return {"chi_1": chi, "q": q, "gains": np.asarray(gains, float),
            "values": np.asarray(values, float)}
