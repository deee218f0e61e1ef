r"""The LSTM (PyTorch's ``nn.LSTM``); its state is ``[h, c]`` (``D = 2N``).

.. math::
    i, f, o = \sigma(g W_{0k} h + U_k x + b_k),\quad \tilde c = \tanh(g W_{0g} h + U_g x + b_g),\\
    c' = f \odot c + i \odot \tilde c,\quad h' = o \odot \tanh(c').

Zero state: the ``2N x 2N`` Jacobian has ``N`` zero eigenvalues and the ``N`` of
``J0 = diag(f) + g diag(i) W_{0g} diag(o)``, so ``a = f``, ``u = i``, ``v = o`` and
``g_c = (E[sigma(b_i)^2] E[sigma(b_o)^2] E[(1 + e^{b_f})^2])^{-1/2}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from scipy.special import expit

from ..gaussian import (
    gaussian_nodes,
    inv_one_minus_sigmoid_sq_moment,
    normal_axis,
    sigmoid_sq_moment,
    sum_over_nodes,
    tanh_rule,
)
from . import _annealed as an
from .base import Cell, Fused, NumpyOps

__all__ = ["LSTM", "lstm_mean_field_map"]


def _mean_field_units(g: float, q: float, m: Mapping[str, np.ndarray], s: Mapping[str, float],
                      rho: Mapping[str, float]) -> tuple[float, float]:
    def spread(k: str) -> float:
        return float(np.sqrt(s[k] ** 2 + (g * rho[k]) ** 2 * q))

    pi, wi = normal_axis(m["i"], spread("i"), 1, 4)
    pf, wf = normal_axis(m["f"], spread("f"), 2, 4)
    po, wo = normal_axis(m["o"], spread("o"), 1, 2)
    u, wu = tanh_rule(m["g"], spread("g"))  # candidate g = u, (units, M_u)
    u, wu = u[:, None, None, :], wu[:, None, None, :]
    i, f, o = expit(pi), expit(pf), expit(po)
    inv = 1.0 + np.exp(pf)  # 1 / (1 - f), without cancellation
    c = i * inv * u
    tc = np.tanh(c)
    w3 = wi * wf * wu
    o2 = sum_over_nodes(o * o, wo)
    do2 = sum_over_nodes((o * (1.0 - o)) ** 2, wo)
    tc2 = sum_over_nodes(tc * tc, w3)
    slow = ((1.0 - tc * tc) * inv) ** 2 * (
        rho["f"] ** 2 * (c * f * (1.0 - f)) ** 2
        + rho["i"] ** 2 * (u * i * (1.0 - i)) ** 2
        + rho["g"] ** 2 * (i * (1.0 - u * u)) ** 2
    )
    chi = g * g * float(np.mean(rho["o"] ** 2 * do2 * tc2 + o2 * sum_over_nodes(slow, w3)))
    return float(np.mean(o2 * tc2)), chi


def lstm_mean_field_map(g: float, q: float, m: Mapping[str, np.ndarray],
                        s: Mapping[str, float], rho: Mapping[str, float], chunk: int = 4
                        ) -> tuple[float, float]:
    """``Phi(Q) = E[o^2 tanh(c*)^2]`` and ``chi`` at the fixed point ``c* = i g / (1 - f)``.

    Sampled units go ``chunk`` at a time (the quadrature is 3-D per unit).
    """
    units = m["i"].size
    if units <= chunk:
        return _mean_field_units(g, q, m, s, rho)
    parts = [_mean_field_units(g, q, {k: v[a:a + chunk] for k, v in m.items()}, s, rho)
             for a in range(0, units, chunk)]
    sizes = [min(chunk, units - a) for a in range(0, units, chunk)]
    return (float(np.dot(sizes, [p[0] for p in parts])) / units,
            float(np.dot(sizes, [p[1] for p in parts])) / units)


class LSTM(Cell):
    """``c' = f c + i tanh(.)``, ``h' = o tanh(c')``; state ``[h, c]``."""

    name = "lstm"
    label = "LSTM"
    gates = ("i", "f", "g", "o")
    recurrent_gates = ("i", "f", "g", "o")
    candidate = "g"
    zero_state_gate = "g"
    memory_gate = "f"
    state_blocks = 2
    sigmoid_moments = True
    torch_module = torch.nn.LSTM

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor,
             extra: Mapping[str, torch.Tensor]) -> Fused:
        # fused order [i, f, o, g]: one sigmoid over the first 3N columns, tanh over the last
        n = w0t.shape[0]
        order = torch.cat([torch.arange(0, 2 * n), torch.arange(3 * n, 4 * n),
                           torch.arange(2 * n, 3 * n)]).to(w0t.device)
        return {"w": w0t[:, order].contiguous(), "b": bias.reshape(-1)[order], "order": order}

    def drive(self, fw: Fused, inp: torch.Tensor | None
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return (fw["b"], None) if inp is None else (inp[..., fw["order"]] + fw["b"], None)

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        n = h.shape[1] // 2
        hid, cell = h.split(n, dim=1)
        pre = torch.addmm(c, hid * g, fw["w"])
        ifo, pg = pre.split((3 * n, n), dim=1)
        i, f, o = torch.sigmoid(ifo).split(n, dim=1)
        c_new = torch.addcmul(f * cell, i, torch.tanh(pg))
        return torch.cat([o * torch.tanh(c_new), c_new], dim=1, out=out)

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        n = h.shape[1] // 2
        cell = h[:, n:]
        pre = p + c  # fused order [i, f, o, g]
        i, f, o = torch.sigmoid(pre[:, : 3 * n]).split(n, dim=1)
        cg = torch.tanh(pre[:, 3 * n :])
        c_new = torch.addcmul(f * cell, i, cg)
        tc = torch.tanh(c_new)
        h_next = torch.cat([o * tc, c_new], dim=1)
        dpi, dpf, dpo, dpg = dp.split(n, dim=-1)
        i1, f1, o1, cg1, tc1 = (v.unsqueeze(1) for v in (i, f, o, cg, tc))
        dc = (f1 * (1.0 - f1) * dpf) * cell.unsqueeze(1) + f1 * t[..., n:]
        dc = dc + (i1 * (1.0 - i1) * dpi) * cg1 + i1 * (1.0 - cg1**2) * dpg
        dh = (o1 * (1.0 - o1) * dpo) * tc1 + o1 * (1.0 - tc1**2) * dc
        return h_next, torch.cat([dh, dc], dim=-1)

    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        return ops.sigmoid(biases["f"]), ops.sigmoid(biases["i"]), ops.sigmoid(biases["o"])

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        inv = inv_one_minus_sigmoid_sq_moment(stds["f"])
        return sq_moment(stds["i"]) * sq_moment(stds["o"]) * inv

    def support_terms(self, stds: Mapping[str, float]) -> tuple[float, ...]:
        b, p = gaussian_nodes(stds["f"])
        a = expit(b)
        return sigmoid_sq_moment(stds["i"]) * sigmoid_sq_moment(stds["o"]), a, p, np.ones_like(a)

    def mean_field_map(self, g: float, q: float, m: Mapping[str, np.ndarray],
                       s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
        return lstm_mean_field_map(g, q, m, s, rho)

    def annealed_state(self, p: Any, q: float) -> tuple[float, ...]:
        """``(q_h, q_c)`` with ``q_c = E[i^2] E[g^2] / (1 - E[f^2])``, the cell map's fixed
        point at ``q_h``."""
        f2 = an.expect(an.sig_sq, p.means["f"], an.gate_var(p, "f", q))
        i2 = an.expect(an.sig_sq, 0.0, an.gate_var(p, "i", q))
        gg2 = an.expect(an.tanh_sq, 0.0, an.gate_var(p, "g", q))
        return (q, i2 * gg2 / (1.0 - f2))

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        qh, qc = state
        f2 = an.expect(an.sig_sq, p.means["f"], an.gate_var(p, "f", qh))
        i2 = an.expect(an.sig_sq, 0.0, an.gate_var(p, "i", qh))
        gg2 = an.expect(an.tanh_sq, 0.0, an.gate_var(p, "g", qh))
        o2 = an.expect(an.sig_sq, 0.0, an.gate_var(p, "o", qh))
        qc_new = f2 * qc + i2 * gg2
        return (o2 * an.expect(an.tanh_sq, 0.0, qc_new), qc_new)

    def annealed_chi_one(self, p: Any, state: tuple[float, ...]) -> float:
        """Largest eigenvalue of the 2 x 2 map of ``(E|delta h|^2, E|delta c|^2)``."""
        qh, qc = state
        g2 = p.g**2
        var = {k: an.gate_var(p, k, qh) for k in ("i", "f", "g", "o")}
        f2 = an.expect(an.sig_sq, p.means["f"], var["f"])
        df2 = an.expect(lambda x: an.dsig(x) ** 2, p.means["f"], var["f"])
        i2 = an.expect(an.sig_sq, 0.0, var["i"])
        di2 = an.expect(lambda x: an.dsig(x) ** 2, 0.0, var["i"])
        gg2 = an.expect(an.tanh_sq, 0.0, var["g"])
        dg2 = an.expect(lambda x: an.dtanh(x) ** 2, 0.0, var["g"])
        o2 = an.expect(an.sig_sq, 0.0, var["o"])
        do2 = an.expect(lambda x: an.dsig(x) ** 2, 0.0, var["o"])
        tc2 = an.expect(an.tanh_sq, 0.0, qc)
        dtc2 = an.expect(lambda x: an.dtanh(x) ** 2, 0.0, qc)
        a_h = g2 * (qc * df2 + gg2 * di2 + i2 * dg2)  # from delta h into delta c
        m = np.array([[g2 * do2 * tc2 + o2 * dtc2 * a_h, o2 * dtc2 * f2], [a_h, f2]])
        return float(np.max(np.abs(np.linalg.eigvals(m))))

    def annealed_covariance(self, p: Any, state: tuple[float, ...], cross: tuple[float, ...],
                            cx: float) -> tuple[float, ...]:
        (qh, qc), (qh_ab, qc_ab) = state, cross

        def both(f: Any, k: str, mean: float = 0.0) -> float:
            return an.expect_pair(f, f, mean, an.gate_var(p, k, qh), an.gate_cov(p, k, qh_ab, cx))

        f_ab, i_ab = both(an.sig, "f", p.means["f"]), both(an.sig, "i")
        g_ab, o_ab = both(np.tanh, "g"), both(an.sig, "o")
        qc_ab_new = f_ab * qc_ab + i_ab * g_ab
        return (o_ab * an.expect_pair(np.tanh, np.tanh, 0.0, qc, qc_ab_new), qc_ab_new)

    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        h, c = state
        i, f, o = (1 / (1 + sp.exp(-(g * w[k] * h + b[k]))) for k in "ifo")
        c_new = f * c + i * sp.tanh(g * w["g"] * h)
        return [o * sp.tanh(c_new), c_new]

    def check_module(self, module: torch.nn.Module) -> None:
        if module.proj_size:
            raise ValueError("arch='lstm' is nn.LSTM with proj_size = 0 only")
