r"""The GRU (PyTorch's ``nn.GRU``).

.. math::
    r = \sigma(g W_{0r} h + U_r x + b_r),\quad z = \sigma(g W_{0z} h + U_z x + b_z),\\
    n = \tanh(U_n x + b_n + r \odot g W_{0n} h),\quad h' = (1 - z) \odot n + z \odot h.

The hidden-side candidate bias ``b_hn`` of PyTorch is 0 and the candidate bias sits in
``b_n`` (PyTorch's ``b_in``). Zero state: ``a = z``, ``u = (1 - z) r``, ``v = 1``, so the
update gate cancels from ``u^2/(1 - a)^2`` and ``g_c = E[sigma(b_r)^2]^{-1/2}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from scipy.special import expit

from ..gaussian import (
    gaussian_nodes,
    normal_axis,
    normal_rule,
    pair_rule,
    sigmoid_sq_moment,
    sum_over_nodes,
)
from . import _annealed as an
from .base import Cell, Fused, NumpyOps

__all__ = ["GRU"]


def _candidate_nodes(p: Any, q: float) -> tuple:
    """Nodes over the reset gate and the candidate pre-activation ``w = b + x + r zeta``."""
    r_nodes, r_w = an.normal(p.means["r"], an.gate_var(p, "r", q))
    r = an.sig(r_nodes)
    v = p.g**2 * q
    var_w = p.stds["n"] ** 2 + p.input_std**2 + r * r * v  # (M_r,)
    t, wt = normal_rule(math.sqrt(p.stds["n"] ** 2 + p.input_std**2 + v))
    w = np.sqrt(var_w)[:, None] * t[None, :]
    weights = r_w[:, None] * wt[None, :]
    return r_nodes[:, None], r[:, None], w, var_w[:, None], v, weights


class GRU(Cell):
    """``h' = (1 - z) n + z h`` with reset gate ``r`` inside the candidate ``n``."""

    name = "gru"
    label = "GRU"
    gates = ("r", "z", "n")
    recurrent_gates = ("r", "z", "n")
    candidate = "n"
    zero_state_gate = "n"
    memory_gate = "z"
    sigmoid_moments = True
    torch_module = torch.nn.GRU

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor,
             extra: Mapping[str, torch.Tensor]) -> Fused:
        # [r, z] in one product; n separately (the reset gate multiplies W_n h only)
        n = w0t.shape[0]
        return {"w": w0t, "w_rz": w0t[:, : 2 * n].contiguous(),
                "w_n": w0t[:, 2 * n :].contiguous(), "b": bias.reshape(-1)}

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        n = h.shape[1]
        hg = h * g
        c_rz, c_n = c.split((2 * n, n), dim=1)
        r, z = torch.sigmoid(torch.addmm(c_rz, hg, fw["w_rz"])).split(n, dim=1)
        cand = torch.tanh(torch.addcmul(c_n, r, hg @ fw["w_n"]))
        return torch.lerp(cand, h, z, out=out)

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        n = h.shape[1]
        c_rz, c_n = c.split((2 * n, n), dim=1)
        pn = p[:, 2 * n :]
        r, z = torch.sigmoid(p[:, : 2 * n] + c_rz).split(n, dim=1)
        cand = torch.tanh(torch.addcmul(c_n, r, pn))
        h_next = torch.lerp(cand, h, z)
        dpr, dpz, dpn = dp.split(n, dim=-1)
        r1, z1, cand1 = r.unsqueeze(1), z.unsqueeze(1), cand.unsqueeze(1)
        dr = r1 * (1.0 - r1) * dpr
        dz = z1 * (1.0 - z1) * dpz
        dn = (1.0 - cand1**2) * (dr * pn.unsqueeze(1) + r1 * dpn)
        return h_next, (1.0 - z1) * dn + (h - cand).unsqueeze(1) * dz + z1 * t

    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        r, z = ops.sigmoid(biases["r"]), ops.sigmoid(biases["z"])
        return z, (1 - z) * r, ops.ones_like(z)

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        return sq_moment(stds["r"])

    def support_terms(self, stds: Mapping[str, float]) -> tuple[float, ...]:
        b, p = gaussian_nodes(stds["z"])
        a = expit(b)
        return sigmoid_sq_moment(stds["r"]), a, p, (1.0 - a) ** 2

    def mean_field_map(self, g: float, q: float, m: Mapping[str, np.ndarray],
                       s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
        # Given the reset gate r, w = b_n + r x_n is Gaussian (mean m_n, variance
        # s_n^2 + r^2 v_x): integrate over (p_r, w), with E[x^2 | w] in closed form.
        v_x = (g * rho["n"]) ** 2 * q
        pr, wr = normal_axis(m["r"], math.sqrt(s["r"] ** 2 + (g * rho["r"]) ** 2 * q), 1, 3)
        r = expit(pr)
        var_w = s["n"] ** 2 + r * r * v_x  # (units, M_r, 1)
        t, wt = normal_rule(math.sqrt(s["n"] ** 2 + v_x))
        t, wt = t.reshape(1, 1, -1), wt.reshape(1, 1, -1)
        dev = np.sqrt(var_w) * t  # w - m_n
        n = np.tanh(m["n"].reshape(-1, 1, 1) + dev)
        dn2 = (1.0 - n * n) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = np.where(var_w > 0, r * v_x / var_w, 0.0)
        x2 = beta**2 * dev**2 + (v_x - beta * r * v_x)  # E[x_n^2 | w]
        dr = r * (1.0 - r)
        w = wr * wt
        phi = float(sum_over_nodes(n * n, w).mean())
        chi = g * g * float(sum_over_nodes(
            dn2 * (rho["n"] ** 2 * r * r + rho["r"] ** 2 * dr * dr * x2), w).mean())
        return phi, chi

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        (q,) = state
        var_z = an.gate_var(p, "z", q)
        z2 = an.expect(an.sig_sq, p.means["z"], var_z)
        y2 = an.expect(lambda x: (1.0 - an.sig(x)) ** 2, p.means["z"], var_z)
        _, _, w, _, _, weights = _candidate_nodes(p, q)
        n2 = float((np.tanh(w) ** 2 * weights).sum())
        return (z2 * q + y2 * n2,)

    def annealed_chi_one(self, p: Any, state: tuple[float, ...]) -> float:
        (q,) = state
        g2 = p.g**2
        var_z = an.gate_var(p, "z", q)
        z2 = an.expect(an.sig_sq, p.means["z"], var_z)
        y2 = an.expect(lambda x: (1.0 - an.sig(x)) ** 2, p.means["z"], var_z)
        dz2 = an.expect(lambda x: an.dsig(x) ** 2, p.means["z"], var_z)
        pr, r, w, var_w, v, weights = _candidate_nodes(p, q)
        dn2 = an.dtanh(w) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = np.where(var_w > 0, r * v / var_w, 0.0)
        zeta2 = beta**2 * w**2 + (v - beta * r * v)  # E[zeta^2 | w]
        dr = an.dsig(pr)
        cand = float((dn2 * (r * r + dr * dr * zeta2) * weights).sum())
        n2 = float((np.tanh(w) ** 2 * weights).sum())
        return z2 + g2 * y2 * cand + g2 * dz2 * (q + n2)

    def annealed_covariance(self, p: Any, state: tuple[float, ...], cross: tuple[float, ...],
                            cx: float) -> tuple[float, ...]:
        (q,), (qab,) = state, cross
        g2 = p.g**2
        var_z, cov_z = an.gate_var(p, "z", q), an.gate_cov(p, "z", qab, cx)
        zz = an.expect_pair(an.sig, an.sig, p.means["z"], var_z, cov_z)
        yy = an.expect_pair(an.one_minus_sig, an.one_minus_sig, p.means["z"], var_z, cov_z)
        ra, rb, wr = an.pair(0.0, an.gate_var(p, "r", q), an.gate_cov(p, "r", qab, cx))
        ra, rb = an.sig(ra), an.sig(rb)
        base_v = p.stds["n"] ** 2 + p.input_std**2
        base_c = p.stds["n"] ** 2 + p.input_std**2 * cx
        t, wt = pair_rule(math.sqrt(base_v + g2 * q))
        nn = 0.0
        w2 = wt[:, None] * wt[None, :]
        for lo in range(0, ra.size, 256):  # bivariate candidate pre-activations given r's
            sl = slice(lo, lo + 256)
            va = base_v + ra[sl] ** 2 * g2 * q
            vb = base_v + rb[sl] ** 2 * g2 * q
            sa, sb = np.sqrt(va), np.sqrt(vb)
            rho = np.clip((base_c + ra[sl] * rb[sl] * g2 * qab) / (sa * sb), -1.0, 1.0)
            xa = sa[:, None, None] * t[None, :, None]
            xb = sb[:, None, None] * (rho[:, None, None] * t[None, :, None]
                                      + np.sqrt(1 - rho * rho)[:, None, None] * t[None, None, :])
            inner = (np.tanh(xa) * np.tanh(xb) * w2[None]).sum(axis=(1, 2))
            nn += float(np.dot(wr[sl], inner))
        return (zz * qab + yy * nn,)

    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        (h,) = state
        r = 1 / (1 + sp.exp(-(g * w["r"] * h + b["r"])))
        z = 1 / (1 + sp.exp(-(g * w["z"] * h + b["z"])))
        n = sp.tanh(r * (g * w["n"] * h))
        return [(1 - z) * n + z * h]
