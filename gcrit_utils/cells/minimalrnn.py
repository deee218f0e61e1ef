r"""The minimalRNN of Chen, Pennington & Schoenholz (2018).

.. math::
    e = \tanh(U_c x + b_c),\quad u = \sigma(g W_{0u} h + V_0 e + b_u),\quad
    h' = u \odot h + (1 - u) \odot e,

with the embedding-to-gate matrix ``V0 ~ N(0, 1/N)`` not scaled by ``g`` (it does not act on
the recurrent state). Without input its zero-state Jacobian is ``diag(sigma(b_u))``: the
weights drop out and ``g_c = inf``. PyTorch has no such module; :class:`MinimalRNNModule`
is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from . import _annealed as an
from .base import Cell, Fused, NumpyOps

__all__ = ["MinimalRNN", "MinimalRNNModule"]


class MinimalRNNModule(torch.nn.Module):
    """A minimalRNN layer with PyTorch's conventions.

    Parameters
    ----------
    input_size, hidden_size : int
    batch_first : bool
        Input ``(B, L, d)`` if True, else ``(L, B, d)``.
    generator : torch.Generator, optional
        Source of the ``N(0, 1/fan_in)`` initial weights (biases start at 0).
    """

    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = False,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first

        def normal(rows: int, cols: int) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.randn(rows, cols, generator=generator) / cols**0.5)

        self.weight_ih = normal(hidden_size, input_size)
        self.bias_c = torch.nn.Parameter(torch.zeros(hidden_size))
        self.weight_hh = normal(hidden_size, hidden_size)
        self.weight_eh = normal(hidden_size, hidden_size)
        self.bias_u = torch.nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states of every step and the last one.

        Parameters
        ----------
        x : tensor, shape (B, L, d) if ``batch_first`` else (L, B, d); or (L, d) unbatched
        h0 : tensor, shape (1, B, N) (or (1, N) unbatched), optional

        Returns
        -------
        out : tensor, shape (B, L, N) if ``batch_first`` else (L, B, N); (L, N) unbatched
        h_n : tensor, shape (1, B, N); (1, N) unbatched
        """
        if x.ndim == 2:  # one unbatched sequence, as torch.nn.RNN accepts it
            out, h_n = self.forward(x.unsqueeze(0 if self.batch_first else 1),
                                    None if h0 is None else h0.unsqueeze(1))
            return out.squeeze(0 if self.batch_first else 1), h_n.squeeze(1)
        if not self.batch_first:
            x = x.transpose(0, 1)
        e = torch.tanh(x @ self.weight_ih.T + self.bias_c)  # (B, L, N)
        ve = e @ self.weight_eh.T + self.bias_u
        h = x.new_zeros(x.shape[0], self.hidden_size) if h0 is None else h0[0]
        out = []
        for t in range(x.shape[1]):
            u = torch.sigmoid(h @ self.weight_hh.T + ve[:, t])
            h = u * h + (1.0 - u) * e[:, t]
            out.append(h)
        states = torch.stack(out, dim=1)
        return (states if self.batch_first else states.transpose(0, 1)), h[None]


class MinimalRNN(Cell):
    """``h' = u h + (1 - u) e`` with an input embedding ``e`` and one gate ``u``."""

    name = "minimalrnn"
    label = "minimalRNN"
    gates = ("u", "c")
    recurrent_gates = ("u",)
    candidate = "c"
    memory_gate = "u"
    torch_module = MinimalRNNModule

    def sample_extra(self, n: int, seed: int) -> dict[str, torch.Tensor]:
        gen = torch.Generator(device="cpu").manual_seed(seed)
        return {"v0": torch.randn(n, n, generator=gen, dtype=torch.float64) / np.sqrt(n)}

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor,
             extra: Mapping[str, torch.Tensor]) -> Fused:
        return {"w": w0t, "b": bias[0], "b_emb": bias[1], "v0t": extra["v0"]}

    def drive(self, fw: Fused, inp: torch.Tensor | None
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
        emb = torch.tanh(fw["b_emb"] if inp is None else inp + fw["b_emb"])
        n = fw["w"].shape[0]
        return torch.addmm(fw["b"], emb.reshape(-1, n), fw["v0t"]).reshape(emb.shape), emb

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        u = torch.sigmoid(torch.addmm(c, h * g, fw["w"]))
        return torch.lerp(e, h, u, out=out)

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        u = torch.sigmoid(p + c)
        diff = h - e
        uu = u.unsqueeze(1)
        return e + u * diff, (uu * (1.0 - uu) * dp) * diff.unsqueeze(1) + uu * t

    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        a = ops.sigmoid(biases["u"])
        return a, ops.zeros_like(a), ops.ones_like(a)

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        return 0.0

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        (q,) = state
        e2 = an.expect(an.tanh_sq, 0.0, p.stds["c"] ** 2 + p.input_std**2)
        var_u = p.stds["u"] ** 2 + p.g**2 * q + e2
        u2 = an.expect(an.sig_sq, p.means["u"], var_u)
        v2 = an.expect(lambda x: (1.0 - an.sig(x)) ** 2, p.means["u"], var_u)
        return (u2 * q + v2 * e2,)

    def annealed_chi_one(self, p: Any, state: tuple[float, ...]) -> float:
        (q,) = state
        g2 = p.g**2
        e2 = an.expect(an.tanh_sq, 0.0, p.stds["c"] ** 2 + p.input_std**2)
        var_u = p.stds["u"] ** 2 + g2 * q + e2
        u2 = an.expect(an.sig_sq, p.means["u"], var_u)
        du2 = an.expect(lambda x: an.dsig(x) ** 2, p.means["u"], var_u)
        return u2 + g2 * du2 * (q + e2)

    def annealed_covariance(self, p: Any, state: tuple[float, ...], cross: tuple[float, ...],
                            cx: float) -> tuple[float, ...]:
        (q,), (qab,) = state, cross
        g2 = p.g**2
        var_e = p.stds["c"] ** 2 + p.input_std**2
        e2 = an.expect(an.tanh_sq, 0.0, var_e)
        eab = an.expect_pair(np.tanh, np.tanh, 0.0, var_e, p.stds["c"] ** 2 + p.input_std**2 * cx)
        var_u = p.stds["u"] ** 2 + g2 * q + e2
        cov_u = p.stds["u"] ** 2 + g2 * qab + eab
        uu = an.expect_pair(an.sig, an.sig, p.means["u"], var_u, cov_u)
        vv = an.expect_pair(an.one_minus_sig, an.one_minus_sig, p.means["u"], var_u, cov_u)
        return (uu * qab + vv * eab,)

    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        (h,) = state
        u = 1 / (1 + sp.exp(-(g * w["u"] * h + b["u"])))
        return [u * h]

    def make_module(self, input_size: int, hidden_size: int, batch_first: bool = False
                    ) -> torch.nn.Module:
        return MinimalRNNModule(input_size, hidden_size, batch_first=batch_first)

    def load_module(self, module: torch.nn.Module, w_hh: torch.Tensor, w_ih: torch.Tensor,
                    bias: torch.Tensor, extra: Mapping[str, torch.Tensor]) -> None:
        with torch.no_grad():
            module.weight_hh.copy_(w_hh)
            module.weight_eh.copy_(extra["v0"])
            module.weight_ih.copy_(w_ih)
            module.bias_u.copy_(bias[0])
            module.bias_c.copy_(bias[1])

