r"""The leaky tanh reservoir: reservoirpy's default node.

.. math:: h' = (1 - a)\, h + a \tanh(g W_0 h + U x + b),\qquad 0 < a \le 1,

with leak rate ``a`` (reservoirpy's ``lr``); ``a = 1`` is the tanh RNN. Its zero-state
Jacobian is ``(1 - a) I + a g diag(sech^2 b) W0``: ``a_j = 1 - a``, ``u_j = a sech^2(b_j)``,
``v_j = 1``. The edge condition at ``lambda = 1``,
``g^2 E[u^2 v^2/(1 - a_j)^2] = g^2 E[sech^4 b] = 1``, does not involve the leak: every
eigenvalue is ``1 - a + a mu`` with ``mu`` one of the tanh RNN's, and ``lambda = 1`` exactly
when ``mu = 1``. So ``g_c(s_b, a) = g_c^{tanh}(s_b)``, at the zero state and at the mean-field
fixed point alike (the fixed points of the two maps coincide); the leak only scales the
support (a disk of radius ``a g E[sech^4 b]^{1/2}`` around ``1 - a``) and slows the dynamics.

reservoirpy draws ``W`` (``normal``, sparse) and rescales it to spectral radius ``sr``; a
Gaussian ``W = g W0`` has spectral radius ``g`` for ``N -> inf`` (circular law), so
``g = sr``. :func:`from_reservoirpy` and :func:`to_reservoirpy` translate the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .._validation import check_nonnegative, check_positive
from ..gaussian import sech4_moment
from .base import Cell, Fused, NoMeanField, NumpyOps
from .rnn import tanh_mean_field_map

__all__ = ["LeakyTanh", "from_reservoirpy", "to_reservoirpy"]


class LeakyTanh(Cell):
    """``h' = (1 - a) h + a tanh(g W0 h + U x + b)``.

    Parameters
    ----------
    leak : float
        Leak rate ``a`` in ``(0, 1]`` (reservoirpy's ``lr``). The registered cell
        ``"leaky"`` has ``a = 0.3``.
    """

    name = "leaky"
    label = "leaky tanh"
    gates = ("h",)
    recurrent_gates = ("h",)
    zero_state_gate = "h"

    def __init__(self, leak: float = 0.3) -> None:
        leak = check_positive("leak", leak)
        if leak > 1.0:
            raise ValueError(f"leak must be in (0, 1], got {leak!r}")
        self.leak = leak

    @property
    def params(self) -> dict[str, float]:
        return {"leak": self.leak}

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor,
             extra: Mapping[str, torch.Tensor]) -> Fused:
        return {"w": w0t, "b": bias[0]}

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.lerp(h, torch.tanh(torch.addmm(c, h * g, fw["w"])), self.leak, out=out)

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        out = torch.tanh(p + c)
        a = self.leak
        return torch.lerp(h, out, a), (1.0 - a) * t + (a * (1.0 - out**2)).unsqueeze(1) * dp

    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        u = self.leak * (1 - ops.tanh(biases["h"]) ** 2)
        one = ops.ones_like(u)
        return (1 - self.leak) * one, u, one

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        # E[(a sech^2 b)^2 / a^2]: the leak cancels exactly
        return sech4_moment(stds["h"])

    def support_terms(self, stds: Mapping[str, float]) -> tuple[float, ...]:
        return (self.leak**2 * sech4_moment(stds["h"]), np.full(1, 1.0 - self.leak), np.ones(1),
                np.ones(1))

    def mean_field_map(self, g: float, q: float, m: Mapping[str, np.ndarray],
                       s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
        # same fixed points as the tanh RNN, and the leak cancels from chi as from g_c
        return tanh_mean_field_map(g, q, m, s, rho)

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        raise NoMeanField("arch='leaky' keeps part of its state through h itself, so its "
                          "annealed length map needs E[h_t tanh(p_t)], which the quenched "
                          "bias correlates; not implemented")

    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        (h,) = state
        return [(1 - self.leak) * h + self.leak * sp.tanh(g * w["h"] * h + b["h"])]


def from_reservoirpy(sr: float = 1.0, lr: float = 1.0, input_scaling: float = 1.0,
                     input_connectivity: float = 0.1, input_dim: int = 1,
                     bias_std: float = 0.0) -> dict[str, float]:
    """This book's parameters of a reservoirpy ``Reservoir`` (tanh, ``normal`` ``W``).

    Parameters
    ----------
    sr : float
        Spectral radius of ``W`` (reservoirpy's default 1).
    lr : float
        Leak rate (reservoirpy's default 1: no leak).
    input_scaling, input_connectivity : float
        Reservoirpy's ``Win`` is ``bernoulli``: entries ``+-input_scaling`` with probability
        ``input_connectivity``, variance ``input_connectivity * input_scaling^2``.
    input_dim : int
        Input size ``d``.
    bias_std : float
        Standard deviation of the reservoir's bias (reservoirpy's default bias is 0).

    Returns
    -------
    dict
        ``g`` (= ``sr``, the spectral radius of ``g W0`` for ``N -> inf``), ``bias_std``,
        ``leak`` (= ``lr``) and ``input_scale`` (``sigma_in`` with the same input-weight
        variance, ``sigma_in^2 / d``).
    """
    sr = check_positive("sr", sr)
    input_scaling = check_nonnegative("input_scaling", input_scaling)
    p = check_positive("input_connectivity", input_connectivity)
    d = check_positive("input_dim", input_dim)
    return {"g": sr, "bias_std": check_nonnegative("bias_std", bias_std),
            "leak": LeakyTanh(lr).leak, "input_scale": input_scaling * math.sqrt(p * d)}


def to_reservoirpy(g: float, leak: float = 1.0, input_scale: float = 1.0,
                   input_connectivity: float = 0.1, input_dim: int = 1) -> dict[str, float]:
    """Reservoirpy's ``sr``, ``lr`` and ``input_scaling`` for this book's ``(g, a, sigma_in)``.

    The inverse of :func:`from_reservoirpy`; the bias has no reservoirpy initialiser with a
    Gaussian spread: pass ``bias = s_b * rng.standard_normal(N)`` as an array.
    """
    g = check_positive("g", g)
    p = check_positive("input_connectivity", input_connectivity)
    d = check_positive("input_dim", input_dim)
    return {"sr": g, "lr": LeakyTanh(leak).leak,
            "input_scaling": check_nonnegative("input_scale", input_scale) / math.sqrt(p * d)}
