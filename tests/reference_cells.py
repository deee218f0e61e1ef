"""The cells' equations written out gate by gate, unfused: the reference the fused steps and
Jacobian-vector products of :mod:`gcrit_utils.cells` are tested against."""

from __future__ import annotations

import torch

from gcrit_utils import RandomRNN


def gates(net: RandomRNN, h: torch.Tensor, x: torch.Tensor | None) -> dict[str, torch.Tensor]:
    """Gate values of one step, PyTorch's gate equations (shapes (B, ..., N))."""
    n = net.n
    hid = h[..., :n]
    g = net.g.view(net.batch, *([1] * (h.ndim - 1)))
    rec = (hid @ net.w0.T.to(h.dtype)) * g  # (B, ..., K*N), PyTorch gate order
    inp = None if x is None else x.to(h.dtype) @ net.input_weights.T.to(h.dtype)
    b = net.bias.to(h.dtype)
    if net.arch in ("rnn", "leaky"):
        pre = rec + b[0] + (inp if inp is not None else 0.0)
        return {"out": torch.tanh(pre)}
    if net.arch == "minimalrnn":
        v0 = net.extra_weights["v0"].to(h.dtype)
        emb = torch.tanh(b[1] + (inp if inp is not None else 0.0)).expand_as(hid)
        u = torch.sigmoid(rec + emb @ v0.T + b[0])
        return {"u": u, "e": emb}
    if inp is None:
        inp = torch.zeros((), dtype=h.dtype).expand_as(rec)
    if net.arch == "gru":
        pr, pz, pn = rec.split(n, dim=-1)
        xr, xz, xn = inp.split(n, dim=-1)
        r = torch.sigmoid(pr + xr + b[0])
        z = torch.sigmoid(pz + xz + b[1])
        cand = torch.tanh(xn + b[2] + r * pn)
        return {"r": r, "z": z, "n": cand, "pn": pn}
    pi, pf, pg, po = (rec + inp).split(n, dim=-1)
    i = torch.sigmoid(pi + b[0])
    f = torch.sigmoid(pf + b[1])
    cg = torch.tanh(pg + b[2])
    o = torch.sigmoid(po + b[3])
    c_new = f * h[..., n:] + i * cg
    return {"i": i, "f": f, "g": cg, "o": o, "c": c_new, "tc": torch.tanh(c_new)}


def next_state(net: RandomRNN, h: torch.Tensor, q: dict[str, torch.Tensor]) -> torch.Tensor:
    """``F(h, x)`` from the gate values ``q`` of :func:`gates`."""
    if net.arch == "rnn":
        return q["out"]
    if net.arch == "leaky":
        a = net.cell.leak
        return (1.0 - a) * h + a * q["out"]
    if net.arch == "minimalrnn":
        return q["u"] * h + (1.0 - q["u"]) * q["e"]
    if net.arch == "gru":
        return (1.0 - q["z"]) * q["n"] + q["z"] * h
    return torch.cat([q["o"] * q["tc"], q["c"]], dim=-1)


def jvp(net: RandomRNN, h: torch.Tensor, q: dict[str, torch.Tensor], t: torch.Tensor
        ) -> torch.Tensor:
    """The Jacobian at ``h`` applied to tangents ``t`` (B, k, D), differentiated by hand."""
    n = net.n
    e = {k: v.unsqueeze(1) for k, v in q.items()}  # broadcast over the k tangents
    hh = h.unsqueeze(1)
    g = net.g.view(net.batch, *([1] * (t.ndim - 1)))
    dp = (t[..., :n] @ net.w0.T.to(t.dtype)) * g
    if net.arch == "rnn":
        return (1.0 - e["out"] ** 2) * dp
    if net.arch == "leaky":
        a = net.cell.leak
        return (1.0 - a) * t + a * (1.0 - e["out"] ** 2) * dp
    if net.arch == "minimalrnn":
        du = e["u"] * (1.0 - e["u"]) * dp
        return du * (hh - e["e"]) + e["u"] * t
    if net.arch == "gru":
        dpr, dpz, dpn = dp.split(n, dim=-1)
        r, z, cand = e["r"], e["z"], e["n"]
        dr = r * (1.0 - r) * dpr
        dz = z * (1.0 - z) * dpz
        dn = (1.0 - cand**2) * (dr * e["pn"] + r * dpn)
        return (1.0 - z) * dn + (hh - cand) * dz + z * t
    dpi, dpf, dpg, dpo = dp.split(n, dim=-1)
    i, f, cg, o, tc = e["i"], e["f"], e["g"], e["o"], e["tc"]
    dc = (f * (1.0 - f) * dpf) * hh[..., n:] + f * t[..., n:] + (i * (1.0 - i) * dpi) * cg
    dc = dc + i * (1.0 - cg**2) * dpg
    dh = (o * (1.0 - o) * dpo) * tc + o * (1.0 - tc**2) * dc
    return torch.cat([dh, dc], dim=-1)
