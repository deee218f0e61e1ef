r"""The vanilla tanh RNN (PyTorch's ``nn.RNN`` with ``nonlinearity="tanh"``).

.. math:: h' = \tanh(g W_0 h + U x + b)

Zero state: ``a = 0``, ``u = tanh'(b) = sech^2(b)``, ``v = 1``, so
``g_c = E[sech^4 b]^{-1/2}``. With a bias (``s_b > 0``) ``h = 0`` is not a fixed point:
the mean-field criterion ``chi = g^2 E[tanh'(p)^2] = 1`` at the fixed point (Molgedey et al.
1992; Poole et al. 2016) is the one that locates the onset of chaos.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ..gaussian import normal_axis, sech4_moment, sum_over_nodes
from . import _annealed as an
from .base import Cell, Fused, NumpyOps

__all__ = ["TanhRNN", "tanh_mean_field_map"]


def tanh_mean_field_map(g: float, q: float, m: Mapping[str, np.ndarray],
                        s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
    """``Phi(Q) = E[tanh(p)^2]`` and ``chi = g^2 rho_h^2 E[tanh'(p)^2]``, ``p = b + x``."""
    p, w = normal_axis(m["h"], math.sqrt(s["h"] ** 2 + (g * rho["h"]) ** 2 * q), 1, 2)
    t = np.tanh(p)
    phi = float(sum_over_nodes(t * t, w).mean())
    return phi, g * g * rho["h"] ** 2 * float(sum_over_nodes((1.0 - t * t) ** 2, w).mean())


class TanhRNN(Cell):
    """``h' = tanh(g W0 h + U x + b)``."""

    name = "rnn"
    label = "tanh RNN"
    gates = ("h",)
    recurrent_gates = ("h",)
    zero_state_gate = "h"
    torch_module = torch.nn.RNN

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor,
             extra: Mapping[str, torch.Tensor]) -> Fused:
        return {"w": w0t, "b": bias[0]}

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.tanh(torch.addmm(c, h * g, fw["w"]), out=out)

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        out = torch.tanh(p + c)
        return out, (1.0 - out**2).unsqueeze(1) * dp

    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        u = 1 - ops.tanh(biases["h"]) ** 2
        return ops.zeros_like(u), u, ops.ones_like(u)

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        return sech4_moment(stds["h"])

    def support_terms(self, stds: Mapping[str, float]) -> tuple[float, ...]:
        return sech4_moment(stds["h"]), np.zeros(1), np.ones(1), np.ones(1)

    def mean_field_map(self, g: float, q: float, m: Mapping[str, np.ndarray],
                       s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
        return tanh_mean_field_map(g, q, m, s, rho)

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        (q,) = state
        return (an.expect(an.tanh_sq, p.means["h"], an.gate_var(p, "h", q)),)

    def annealed_chi_one(self, p: Any, state: tuple[float, ...]) -> float:
        (q,) = state
        return p.g**2 * an.expect(lambda x: an.dtanh(x) ** 2, p.means["h"],
                                  an.gate_var(p, "h", q))

    def annealed_covariance(self, p: Any, state: tuple[float, ...], cross: tuple[float, ...],
                            cx: float) -> tuple[float, ...]:
        (q,), (qab,) = state, cross
        return (an.expect_pair(np.tanh, np.tanh, p.means["h"], an.gate_var(p, "h", q),
                               an.gate_cov(p, "h", qab, cx)),)

    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        (h,) = state
        return [sp.tanh(g * w["h"] * h + b["h"])]

    def check_module(self, module: torch.nn.Module) -> None:
        if module.nonlinearity != "tanh":
            raise ValueError("arch='rnn' is nn.RNN with nonlinearity='tanh' only")

    def make_module(self, input_size: int, hidden_size: int, batch_first: bool = False
                    ) -> torch.nn.Module:
        return torch.nn.RNN(input_size, hidden_size, nonlinearity="tanh",
                            batch_first=batch_first)
