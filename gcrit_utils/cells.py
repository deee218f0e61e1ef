r"""Random recurrent networks in torch: vanilla tanh RNN, GRU, LSTM and minimalRNN.

:class:`RandomRNN` holds one draw of the random weights ``W0`` and biases ``b0`` and a
1-D tensor of gains ``g``: the recurrent matrices are ``W = g * W0`` for every gain at
once, so a batch of ``B`` networks (common random numbers) advances with one
matrix-matrix product per step.

The state of a network is one row vector of size ``D``: ``h`` (``D = N``) for
``rnn``, ``gru`` and ``minimalrnn``, and ``[h, c]`` (``D = 2N``) for ``lstm``. The
equations are PyTorch's (``nn.RNN`` with tanh, ``nn.GRU``, ``nn.LSTM``)::

    rnn         h' = tanh(g W0 h + U x + b)
    gru         r = s(g W0r h + Ur x + br),  z = s(g W0z h + Uz x + bz)
                n = tanh(Un x + bn + r * (g W0n h)),   h' = (1 - z) n + z h
    lstm        i, f, o = s(g W0k h + Uk x + bk),  c~ = tanh(g W0g h + Ug x + bg)
                c' = f c + i c~,   h' = o tanh(c')
    minimalrnn  e = tanh(Uc x + bc),  u = s(g W0u h + V0 e + bu)      (Chen et al. 2018)
                h' = u h + (1 - u) e

with ``s`` the logistic function, ``W0 ~ N(0, 1/N)``, input weights
``U = input_scale * U0``, ``U0 ~ N(0, 1/input_dim)``, and the minimalRNN's
embedding-to-gate matrix ``V0 ~ N(0, 1/N)`` (not scaled by ``g``: it does not act on
the recurrent state). The GRU's hidden-side candidate bias ``b_hn`` is 0 and the
candidate bias sits in ``bn`` (= PyTorch's ``b_in``), which :meth:`RandomRNN.to_torch`
reproduces exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ._numerics import flush_denormal
from ._validation import (
    CANDIDATE,
    GATES,
    check_arch,
    check_int,
    check_nonnegative,
    gate_bias_stds,
    recurrent_gain_ratios,
)

__all__ = ["RandomRNN", "ZeroStateFactors", "state_dim"]


def state_dim(arch: str, n: int) -> int:
    """Size ``D`` of the state vector: ``2 n`` for ``lstm`` (``[h, c]``), else ``n``."""
    return 2 * n if check_arch(arch) == "lstm" else n


def _check_device(device: str | torch.device) -> torch.device:
    """``device`` as a ``torch.device``; a ValueError if it is unknown or not available here."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but CUDA is not available on this machine")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return dev


def _seeds(seed: int) -> list[int]:
    """Independent 63-bit seeds for weights, biases and input weights."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64) >> 1]


def _randn(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Standard normal float64 CPU tensor from its own generator (device independent)."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def _haar(gauss: torch.Tensor) -> torch.Tensor:
    """Haar-distributed orthogonal matrix from a square Gaussian one (QR, signs fixed)."""
    q, r = torch.linalg.qr(gauss)
    return q * torch.sign(torch.diagonal(r))[None, :]


def _bias_means(arch: str, bias_mean: Mapping[str, float] | None) -> dict[str, float]:
    given = dict(bias_mean or {})
    unknown = set(given) - set(GATES[arch])
    if unknown:
        raise ValueError(f"bias_mean keys for arch={arch!r} must be among {GATES[arch]}, "
                         f"got {sorted(unknown)}")
    out = {}
    for k in GATES[arch]:
        v = given.get(k, 0.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"bias_mean[{k!r}] must be a finite number, got {v!r}")
        out[k] = float(v)
    return out


@dataclass(frozen=True)
class ZeroStateFactors:
    """Pieces of the zero-state Jacobian ``J0 = diag(a) + g diag(u) W0 diag(v)``.

    Attributes
    ----------
    a, u, v : ndarray, shape (N,)
        Diagonals, from the gate values of the sampled biases at ``h = 0, x = 0``.
    w0 : ndarray, shape (N, N)
        The unit-gain matrix that enters (``W0`` of the tanh unit, the GRU
        candidate, the LSTM cell input; zeros for the minimalRNN).
    g : ndarray, shape (B,)
        The gains.
    """

    a: np.ndarray
    u: np.ndarray
    v: np.ndarray
    w0: np.ndarray
    g: np.ndarray

    def matrix(self, index: int = 0) -> np.ndarray:
        """Dense ``J0`` (float64, shape (N, N)) for gain ``g[index]``."""
        return np.diag(self.a) + self.g[index] * (self.u[:, None] * self.w0 * self.v[None, :])

    def finite_size_critical_gain(self) -> float:
        """``g_c^fin = [mean_j u_j^2 v_j^2 / (1 - a_j)^2]^(-1/2)`` of the sampled biases."""
        m = float(np.mean((self.u * self.v) ** 2 / (1.0 - self.a) ** 2))
        return float("inf") if m == 0.0 else m**-0.5


class RandomRNN:
    """A batch of random recurrent networks sharing ``W0`` and ``b0``, one per gain.

    Parameters
    ----------
    arch : {"rnn", "gru", "lstm", "minimalrnn"}
        The cell (module docstring has the equations).
    n : int
        Number of hidden units ``N >= 1``.
    g : float or 1-D array_like/tensor of shape (B,)
        Gains, each finite and ``> 0``. A float gives ``B = 1``.
    bias_std : float or dict
        Spread ``s_b`` of the gate biases (``b = s_b * b0``, ``b0 ~ N(0, 1)``), or a
        dict per gate as in :func:`~gcrit_utils.theory.critical_gain`.
    input_dim : int
        Input size ``d >= 0``; 0 for an autonomous network.
    input_scale : float
        ``sigma_in >= 0``: input weights are ``N(0, sigma_in^2 / d)``.
    seed : int
        Seed of ``W0``, ``b0`` and the input weights (the same seed gives the same
        numbers on every device and for every dtype up to rounding).
    dtype : torch.dtype
        ``torch.float32`` or ``torch.float64``.
    device : str or torch.device
        ``"cpu"`` (default) or ``"cuda"``.
    candidate_bias_std : float
        Spread of the candidate bias (GRU ``n``, LSTM ``g``, minimalRNN ``c``); 0
        keeps ``h = 0`` a fixed point.
    gain_ratios : dict, optional
        Per-gate gains relative to ``g``: ``W_k = g * gain_ratios[k] * W0_k`` for the
        recurrent matrices (keys ``"h"``; ``"r", "z", "n"``; ``"i", "f", "g", "o"``;
        ``"u"``), 1 for gates not named.
    bias_mean : dict, optional
        Mean added to a gate's bias (``b = mu + s_b * b0``), e.g. ``{"z": 2.0}`` for a GRU
        whose units start slow; 0 for gates not named.
    orthogonal : bool
        Draw each ``N x N`` block of ``W0`` from the Haar measure on the orthogonal group
        (all singular values 1, entries of variance ``1/N`` as in the Gaussian case)
        instead of i.i.d. Gaussian.

    Examples
    --------
    >>> net = RandomRNN("gru", n=100, g=[1.0, 2.0, 3.0], seed=0)
    >>> net.run(50).shape
    torch.Size([50, 3, 100])
    """

    def __init__(
        self,
        arch: str,
        n: int,
        g: float | np.ndarray | torch.Tensor | list[float],
        bias_std: float | Mapping[str, float] = 0.0,
        input_dim: int = 0,
        input_scale: float = 1.0,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
        *,
        candidate_bias_std: float = 0.0,
        gain_ratios: Mapping[str, float] | None = None,
        bias_mean: Mapping[str, float] | None = None,
        orthogonal: bool = False,
    ) -> None:
        self.arch = check_arch(arch)
        self.n = check_int("n", n, 1)
        self.input_dim = check_int("input_dim", input_dim, 0)
        self.input_scale = check_nonnegative("input_scale", input_scale)
        self.seed = check_int("seed", seed, 0)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        self.dtype = dtype
        self.device = _check_device(device)
        self.bias_stds = gate_bias_stds(self.arch, bias_std, candidate_bias_std)
        self.gain_ratios = recurrent_gain_ratios(self.arch, gain_ratios)
        self.gates = GATES[self.arch]
        self.g = self._check_gains(g)
        self.batch = int(self.g.shape[0])
        self.dim = state_dim(self.arch, self.n)

        n_rec = {"rnn": 1, "gru": 3, "lstm": 4, "minimalrnn": 1}[self.arch]
        n_in = {"rnn": 1, "gru": 3, "lstm": 4, "minimalrnn": 1}[self.arch]
        s_w, s_b, s_u, s_v = _seeds(self.seed)
        n_ = self.n
        # W0 stacked by gate, stored transposed for row-vector states: (N, K*N).
        w0 = _randn((n_rec * n_, n_), s_w) / np.sqrt(n_)
        if orthogonal:
            # Haar matrices have entries of variance 1/N already (and singular values 1)
            w0 = torch.cat([_haar(block) for block in w0.split(n_)])
        self.orthogonal = bool(orthogonal)
        self.bias_means = _bias_means(self.arch, bias_mean)
        b0 = _randn((len(self.gates), n_), s_b)
        bias = torch.stack([self.bias_means[k] + self.bias_stds[k] * b0[i]
                            for i, k in enumerate(self.gates)])
        d = max(self.input_dim, 1)
        u0 = _randn((n_in * n_, d), s_u) / np.sqrt(d)
        if self.input_dim == 0:
            u0 = torch.zeros_like(u0)
        ratios = torch.tensor(list(self.gain_ratios.values()), dtype=torch.float64)
        # float64 CPU master copies; _w0 carries the per-gate gain ratios (W = g * _w0)
        self._w0 = w0 * ratios.repeat_interleave(n_)[:, None]
        self._bias = bias
        self._u = self.input_scale * u0
        self._w0t = self._cast(self._w0.T.contiguous())
        self._bias_t = self._cast(bias)
        self._ut = self._cast(self._u.T.contiguous())
        if self.arch == "minimalrnn":
            self._v0 = _randn((n_, n_), s_v) / np.sqrt(n_)
            self._v0t = self._cast(self._v0.T.contiguous())
        self._fused = self._fused_weights()

    # ---------------------------------------------------------------------------------
    # construction helpers
    # ---------------------------------------------------------------------------------
    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(device=self.device, dtype=self.dtype)

    def _fused_weights(self) -> dict[str, torch.Tensor]:
        """Contiguous weight blocks and the flat bias in the fused step's gate order.

        GRU: ``[r, z]`` and ``n`` separately (the reset gate multiplies ``W_n h`` only);
        LSTM: ``[i, f, o]`` (one sigmoid) then ``g`` (tanh).
        """
        n, w, b = self.n, self._w0t, self._bias_t
        if self.arch == "gru":
            return {"w_rz": w[:, : 2 * n].contiguous(), "w_n": w[:, 2 * n :].contiguous(),
                    "b": b.reshape(-1)}
        if self.arch == "lstm":
            order = torch.cat([torch.arange(0, 2 * n), torch.arange(3 * n, 4 * n),
                               torch.arange(2 * n, 3 * n)]).to(self.device)
            return {"w": w[:, order].contiguous(), "b": b.reshape(-1)[order], "order": order}
        if self.arch == "minimalrnn":
            return {"w": w, "b": b[0], "b_emb": b[1]}
        return {"w": w, "b": b[0]}

    def _check_gains(self, g: object) -> torch.Tensor:
        try:
            t = torch.as_tensor(g, dtype=torch.float64).detach().cpu()
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"g must be a positive float or a 1-D sequence of gains, "
                             f"got {g!r}") from None
        if t.ndim == 0:
            t = t.reshape(1)
        if t.ndim != 1 or t.numel() == 0:
            raise ValueError(f"g must be a positive float or a 1-D sequence of gains, got shape "
                             f"{tuple(t.shape)}")
        if not bool(torch.isfinite(t).all()) or bool((t <= 0).any()):
            raise ValueError(f"g must contain finite gains > 0, got {t.tolist()}")
        return t.to(device=self.device, dtype=self.dtype)

    def __repr__(self) -> str:
        return (f"RandomRNN(arch={self.arch!r}, n={self.n}, B={self.batch}, "
                f"bias_std={self.bias_stds}, input_dim={self.input_dim}, seed={self.seed}, "
                f"dtype={self.dtype}, device={self.device})")

    def with_gains(self, g: float | np.ndarray | torch.Tensor | list[float]) -> RandomRNN:
        """The same networks (weights, biases, input weights shared, not copied) at gains ``g``.

        Gains may repeat: ``net.with_gains(net.g.repeat_interleave(W))`` gives one batch row
        per (gain, window), which lets a caller drop finished rows from a batched run.
        """
        other = copy.copy(self)
        other.g = self._check_gains(g)
        other.batch = int(other.g.shape[0])
        return other

    # ---------------------------------------------------------------------------------
    # shapes
    # ---------------------------------------------------------------------------------
    def _gain_view(self, ndim: int) -> torch.Tensor:
        return self.g.view(self.batch, *([1] * (ndim - 1)))

    def _check_state(self, h: torch.Tensor, name: str = "h") -> torch.Tensor:
        if not isinstance(h, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor of shape (B={self.batch}, ..., "
                             f"D={self.dim})")
        if h.ndim < 2 or h.shape[0] != self.batch or h.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (B={self.batch}, ..., D={self.dim}), "
                             f"got {tuple(h.shape)}")
        return h.to(device=self.device, dtype=self.dtype)

    def _input_drive(self, x: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor | None:
        """``x U^T`` broadcast to the state's leading shape, or None without input."""
        if x is None:
            return None
        if self.input_dim == 0:
            raise ValueError("x was given but input_dim=0")
        if not isinstance(x, torch.Tensor) or x.shape[-1] != self.input_dim:
            raise ValueError(f"x must be a tensor with last dimension input_dim={self.input_dim}")
        drive = x.to(device=self.device, dtype=self.dtype) @ self._ut
        return drive.expand(*like.shape[:-1], drive.shape[-1])

    def zero_state(self, *extra: int) -> torch.Tensor:
        """Zeros of shape ``(B, *extra, D)``."""
        return torch.zeros(self.batch, *extra, self.dim, dtype=self.dtype, device=self.device)

    def hidden(self, states: torch.Tensor) -> torch.Tensor:
        """The ``h`` part of states ``(..., D)`` (drops the LSTM cell state)."""
        return states[..., : self.n]

    # ---------------------------------------------------------------------------------
    # dynamics
    # ---------------------------------------------------------------------------------
    def _gates(self, h: torch.Tensor, x: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """Gate values and pre-activations, written as PyTorch's gate equations.

        With :meth:`_next` and :meth:`_jvp` this is the readable reference of the cell: the
        fused paths that ``step``/``run``/``step_with_jvp`` take are tested equal to it.
        """
        n = self.n
        hid = h[..., :n]
        rec = (hid @ self._w0t) * self._gain_view(h.ndim)  # (B, ..., K*N)
        inp = self._input_drive(x, h)
        b = self._bias_t
        if self.arch == "rnn":
            pre = rec + b[0] + (inp if inp is not None else 0.0)
            return {"out": torch.tanh(pre)}
        if self.arch == "minimalrnn":
            emb = torch.tanh(b[1] + (inp if inp is not None else 0.0)).expand_as(hid)
            u = torch.sigmoid(rec + emb @ self._v0t + b[0])
            return {"u": u, "e": emb}
        if inp is None:
            inp = torch.zeros((), dtype=self.dtype, device=self.device).expand_as(rec)
        if self.arch == "gru":
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

    def _next(self, h: torch.Tensor, q: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.arch == "rnn":
            return q["out"]
        if self.arch == "minimalrnn":
            return q["u"] * h + (1.0 - q["u"]) * q["e"]
        if self.arch == "gru":
            return (1.0 - q["z"]) * q["n"] + q["z"] * h
        return torch.cat([q["o"] * q["tc"], q["c"]], dim=-1)

    def _drive(self, x: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Everything of a step that depends on the input only, in the fused gate order.

        Returns ``(c, e)``: ``c`` (..., K*N) is added to the recurrent products (input drive
        plus biases; for the minimalRNN ``e V0^T + b_u``); ``e`` (..., N) is the minimalRNN's
        embedding ``tanh(U x + b_c)`` (None for the other cells).
        """
        fw = self._fused
        inp = None
        if x is not None:
            if self.input_dim == 0:
                raise ValueError("x was given but input_dim=0")
            if not isinstance(x, torch.Tensor) or x.shape[-1] != self.input_dim:
                raise ValueError(f"x must be a tensor with last dimension "
                                 f"input_dim={self.input_dim}")
            inp = x.to(device=self.device, dtype=self.dtype) @ self._ut
        if self.arch == "minimalrnn":
            emb = torch.tanh(fw["b_emb"] if inp is None else inp + fw["b_emb"])
            return torch.addmm(fw["b"], emb.reshape(-1, self.n), self._v0t).reshape(
                emb.shape), emb
        if inp is None:
            return fw["b"], None
        if self.arch == "lstm":
            inp = inp[..., fw["order"]]
        return inp + fw["b"], None

    def _rows(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """States ``(B, ..., D)`` as rows ``(M, D)`` and each row's gain ``(M, 1)``."""
        g = self._gain_view(h.ndim).expand(*h.shape[:-1], 1)
        return h.reshape(-1, h.shape[-1]), g.reshape(-1, 1)

    def _drive_rows(self, c: torch.Tensor, lead: tuple[int, ...]) -> torch.Tensor:
        """A drive ``(..., F)`` from :meth:`_drive` as ``(1, F)`` (shared) or ``(M, F)`` rows."""
        if c.ndim == 1:
            return c.view(1, -1)
        return c.expand(*lead, c.shape[-1]).reshape(-1, c.shape[-1])

    @staticmethod
    def _chunk_rows(c: torch.Tensor, lead: tuple[int, ...]) -> torch.Tensor:
        """Drives of a chunk of steps ``(k, ..., F)`` as ``(k, 1, F)`` or ``(k, M, F)``."""
        k, f = c.shape[0], c.shape[-1]
        if c.ndim == 2:
            return c.view(k, 1, f)
        pad = [1] * (len(lead) - c.ndim + 2)
        return c.reshape(k, *pad, *c.shape[1:]).expand(k, *lead, f).reshape(k, -1, f)

    def _fused_next(self, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
                    e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        """The step ``F(h, x)`` in as few kernels as possible (the path of ``step``/``run``).

        Equal to ``_next(h, _gates(h, x))`` up to rounding: the gain scales ``h`` before the
        matrix product (one ``addmm`` adds the input drive and the biases), the GRU's update
        is a ``lerp``, the LSTM's sigmoid gates are one call.

        Parameters
        ----------
        h : tensor, shape (M, D)
            States as rows; ``g`` (M, 1) their gains (:meth:`_rows`).
        c, e : tensor, shape (1 or M, K*N) and (1 or M, N) or None
            From :meth:`_drive` and :meth:`_drive_rows`.
        out : tensor, shape (M, D), optional
            Written in place (``run``); leave None where autograd must pass through.
        """
        # (slicing costs microseconds per call here, comparable to the elementwise kernels:
        # one split per tensor instead of several slices)
        fw, arch = self._fused, self.arch
        if arch == "rnn":
            return torch.tanh(torch.addmm(c, h * g, fw["w"]), out=out)
        if arch == "minimalrnn":
            u = torch.sigmoid(torch.addmm(c, h * g, fw["w"]))
            return torch.lerp(e, h, u, out=out)
        n = self.n
        if arch == "gru":
            hg = h * g
            c_rz, c_n = c.split((2 * n, n), dim=1)
            r, z = torch.sigmoid(torch.addmm(c_rz, hg, fw["w_rz"])).split(n, dim=1)
            cand = torch.tanh(torch.addcmul(c_n, r, hg @ fw["w_n"]))
            return torch.lerp(cand, h, z, out=out)
        hid, cell = h.split(n, dim=1)
        pre = torch.addmm(c, hid * g, fw["w"])
        ifo, pg = pre.split((3 * n, n), dim=1)
        i, f, o = torch.sigmoid(ifo).split(n, dim=1)
        c_new = torch.addcmul(f * cell, i, torch.tanh(pg))
        return torch.cat([o * torch.tanh(c_new), c_new], dim=1, out=out)

    def step(self, h: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """One step ``h -> F(h, x)``.

        Parameters
        ----------
        h : tensor, shape (B, ..., D)
            States (``D = 2N`` for the LSTM: ``[h, c]``).
        x : tensor, shape (..., input_dim), optional
            Input, broadcast against ``h``'s leading dimensions (e.g. ``(d,)`` or
            ``(B, ..., d)``).

        Returns
        -------
        tensor, shape (B, ..., D)
        """
        h = self._check_state(h)
        c, e = self._drive(x)
        lead = h.shape[:-1]
        rows, g = self._rows(h)
        e = None if e is None else self._drive_rows(e, lead)
        return self._fused_next(rows, g, self._drive_rows(c, lead), e).view(h.shape)

    def step_with_jvp(
        self, h: torch.Tensor, tangents: torch.Tensor, x: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next state and the Jacobian ``J(h, x)`` applied to tangent vectors.

        Parameters
        ----------
        h : tensor, shape (B, D)
        tangents : tensor, shape (B, k, D)
            ``k`` tangent vectors per network, as rows.
        x : tensor, shape (input_dim,) or (B, input_dim), optional

        Returns
        -------
        h_next : tensor, shape (B, D)
        j_tangents : tensor, shape (B, k, D)
            Row ``m`` is ``J(h, x) @ tangents[:, m]``.
        """
        h = self._check_state(h)
        tangents = self._check_state(tangents, "tangents")
        if h.ndim != 2 or tangents.ndim != 3:
            raise ValueError("step_with_jvp takes h of shape (B, D) and tangents (B, k, D)")
        c, e = self._drive(x)
        lead = h.shape[:-1]
        _, g = self._rows(h)
        e = None if e is None else self._drive_rows(e, lead)
        return self._fused_jvp(h, tangents, g, self._drive_rows(c, lead), e)

    def _fused_jvp(self, h: torch.Tensor, t: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
                   e: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Next state and Jacobian-vector products with one matrix product for both.

        The state and its ``k`` tangents are stacked as ``1 + k`` rows per network and
        multiplied by ``W0^T`` together; equal to ``_next(h, q), _jvp(h, q, t)`` with
        ``q = _gates(h, x)`` up to rounding (tested).

        Parameters
        ----------
        h : tensor, shape (B, D)
        t : tensor, shape (B, k, D)
        g : tensor, shape (B, 1)
            Gains.
        c, e : tensor, shape (1 or B, K*N) and (1 or B, N) or None
            From :meth:`_drive` and :meth:`_drive_rows`.
        """
        n, arch = self.n, self.arch
        w = self._w0t if arch == "gru" else self._fused["w"]  # GRU: columns [r, z, n]
        hid = h[:, :n]
        rows = torch.cat([hid.unsqueeze(1), t[..., :n]], dim=1) * g.unsqueeze(1)
        prod = (rows.reshape(-1, n) @ w).view(rows.shape[0], rows.shape[1], -1)
        p, dp = prod[:, 0], prod[:, 1:]
        if arch == "rnn":
            out = torch.tanh(p + c)
            return out, (1.0 - out**2).unsqueeze(1) * dp
        if arch == "minimalrnn":
            u = torch.sigmoid(p + c)
            diff = h - e
            h_next = e + u * diff
            uu = u.unsqueeze(1)
            return h_next, (uu * (1.0 - uu) * dp) * diff.unsqueeze(1) + uu * t
        if arch == "gru":
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

    def _jvp(self, h: torch.Tensor, q: dict[str, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
        n = self.n
        e = {k: v.unsqueeze(1) for k, v in q.items()}  # broadcast over the k tangents
        hh = h.unsqueeze(1)
        dp = (t[..., :n] @ self._w0t) * self._gain_view(t.ndim)
        if self.arch == "rnn":
            return (1.0 - e["out"] ** 2) * dp
        if self.arch == "minimalrnn":
            du = e["u"] * (1.0 - e["u"]) * dp
            return du * (hh - e["e"]) + e["u"] * t
        if self.arch == "gru":
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

    def run(
        self,
        x_or_steps: torch.Tensor | int,
        h0: torch.Tensor | None = None,
        out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Iterate the map and return the trajectory.

        Parameters
        ----------
        x_or_steps : int or tensor of shape (T, input_dim) / (T, B, ..., input_dim)
            Number of autonomous steps, or the input sequence.
        h0 : tensor, shape (B, ..., D), optional
            Initial state; zeros by default.
        out : tensor, shape (T, B, ..., D), optional
            Contiguous buffer (the network's dtype and device) to write the states into, e.g.
            one reused across chunks of a long series (a fresh multi-hundred-MB history costs
            page faults on every call).

        Returns
        -------
        tensor, shape (T, B, ..., D)
            States after each of the ``T`` steps (``out`` itself if given).

        Notes
        -----
        The input part of every step (``U x_t`` plus biases) is computed for a chunk of steps
        at once; each step is then one ``addmm`` and a few elementwise kernels written into
        the output (see ``benchmarks/bench_reservoir.py`` for its share of the GEMM rate).
        """
        if isinstance(x_or_steps, torch.Tensor):
            xs: torch.Tensor | None = x_or_steps
            steps = int(x_or_steps.shape[0])
        else:
            xs = None
            steps = check_int("steps", x_or_steps, 0)
        h = self.zero_state() if h0 is None else self._check_state(h0, "h0")
        if out is None:
            out = torch.empty((steps, *h.shape), dtype=self.dtype, device=self.device)
        elif (tuple(out.shape) != (steps, *h.shape) or out.dtype != self.dtype
              or out.device != self.device or not out.is_contiguous()):
            raise ValueError(f"out must be a contiguous {self.dtype} tensor of shape "
                             f"{(steps, *h.shape)} on {self.device}, got {out.dtype} "
                             f"{tuple(out.shape)} on {out.device}")
        # the input-only part of every step is precomputed in chunks of time (one GEMM per
        # chunk; chunks bound the memory of per-network inputs)
        lead = h.shape[:-1]
        rows, g = self._rows(h)
        flat = out.view(steps, rows.shape[0], self.dim)
        chunk = max(1, min(steps, 2**22 // (rows.shape[0] * self.n)))
        with torch.no_grad(), flush_denormal():
            if xs is None:
                c, e = self._drive(None)
                c, e = self._drive_rows(c, lead), None if e is None else self._drive_rows(e, lead)
                for t in range(steps):
                    rows = self._fused_next(rows, g, c, e, out=flat[t])
                return out
            for t0 in range(0, steps, chunk):
                cs, es = self._drive(xs[t0 : t0 + chunk])
                cs = self._chunk_rows(cs, lead)
                es = None if es is None else self._chunk_rows(es, lead)
                for k in range(cs.shape[0]):
                    rows = self._fused_next(rows, g, cs[k], None if es is None else es[k],
                                            out=flat[t0 + k])
        return out

    def run_chunks(
        self,
        x: torch.Tensor,
        h0: torch.Tensor | None = None,
        chunk: int = 256,
    ) -> Iterator[tuple[int, torch.Tensor]]:
        """Drive the network with ``x`` and yield its states chunk by chunk.

        The same states as :meth:`run`, without a ``(T, B, ..., D)`` history in memory: each
        chunk is written into one reused buffer.

        Parameters
        ----------
        x : tensor, shape (T, input_dim) or (T, B, ..., input_dim)
        h0 : tensor, shape (B, ..., D), optional
        chunk : int
            Steps per chunk.

        Yields
        ------
        t0 : int
            Index of the chunk's first step.
        states : tensor, shape (c, B, ..., D)
            States after steps ``t0 .. t0 + c - 1``. A view of the reused buffer: valid until
            the next chunk is requested (copy what must be kept).
        """
        chunk = check_int("chunk", chunk, 1)
        if not isinstance(x, torch.Tensor) or x.ndim < 2:
            raise ValueError("x must be an input tensor of shape (T, ..., input_dim)")
        h = self.zero_state() if h0 is None else self._check_state(h0, "h0")
        buf = torch.empty((min(chunk, x.shape[0]), *h.shape), dtype=self.dtype,
                          device=self.device)
        for t0 in range(0, x.shape[0], chunk):
            t1 = min(x.shape[0], t0 + chunk)
            states = self.run(x[t0:t1], h0=h, out=buf[: t1 - t0])
            h = states[-1].clone()  # the buffer is overwritten by the next chunk
            yield t0, states

    # ---------------------------------------------------------------------------------
    # Jacobians
    # ---------------------------------------------------------------------------------
    def jacobian(self, h: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """Analytic Jacobian ``dF/dh`` at states ``h``.

        Parameters
        ----------
        h : tensor, shape (B, D)
        x : tensor, shape (input_dim,) or (B, input_dim), optional

        Returns
        -------
        tensor, shape (B, D, D)
            ``J[b, i, j] = d F_i / d h_j`` for network ``b``.
        """
        h = self._check_state(h)
        eye = torch.eye(self.dim, dtype=self.dtype, device=self.device)
        _, rows = self.step_with_jvp(h, eye.expand(self.batch, -1, -1), x)
        return rows.transpose(1, 2)

    def zero_state_jacobian(self) -> torch.Tensor:
        """Jacobian at ``h = 0`` with no input, shape (B, D, D).

        For ``rnn`` with a bias, or a nonzero candidate bias, ``h = 0`` is not a fixed
        point and this is the linearisation *at* 0, not at the fixed point.
        """
        return self.jacobian(self.zero_state())

    def zero_state_factors(self) -> ZeroStateFactors:
        """Diagonals ``a, u, v`` and ``W0`` of ``J0 = diag(a) + g diag(u) W0 diag(v)``.

        Computed from the gate values of this network at ``h = 0, x = 0`` (float64).
        For the LSTM these give the ``N`` non-trivial eigenvalues of the ``2N x 2N``
        Jacobian (the other ``N`` are 0).
        """
        b = self._bias.numpy()
        n = self.n

        def sig(v: np.ndarray) -> np.ndarray:
            return 1.0 / (1.0 + np.exp(-v))

        w0 = self._w0.numpy()
        if self.arch == "rnn":
            u = 1.0 - np.tanh(b[0]) ** 2
            a, v, w = np.zeros(n), np.ones(n), w0
        elif self.arch == "gru":
            r, z = sig(b[0]), sig(b[1])
            a, u, v, w = z, (1.0 - z) * r, np.ones(n), w0[2 * n :]
        elif self.arch == "lstm":
            a, u, v, w = sig(b[1]), sig(b[0]), sig(b[3]), w0[2 * n : 3 * n]
        else:
            a, u, v, w = sig(b[0]), np.zeros(n), np.ones(n), np.zeros((n, n))
        if self.arch != "minimalrnn":
            # self._w0 carries the candidate's gain ratio: move it into u, so that w0 is the
            # unit-variance matrix and g_c^fin = [mean u^2 v^2/(1-a)^2]^(-1/2) stays right
            ratio = self.gain_ratios[{"rnn": "h", "gru": "n", "lstm": "g"}[self.arch]]
            u, w = u * ratio, w / ratio
        g = self.g.detach().cpu().double().numpy()
        return ZeroStateFactors(a=a, u=u, v=v, w0=np.ascontiguousarray(w), g=g)

    def finite_size_critical_gain(self) -> float:
        """``g_c^fin = [mean_j u_j^2 v_j^2/(1 - a_j)^2]^(-1/2)`` for this draw of biases."""
        return self.zero_state_factors().finite_size_critical_gain()

    def mean_field_critical_gain(self) -> float:
        """Mean-field ``g_c`` of this draw of biases (:mod:`gcrit_utils.meanfield`).

        The expectation over biases is the average over the ``N`` sampled units; the
        recurrent fields stay Gaussian. With the candidate bias at 0 it equals
        :meth:`finite_size_critical_gain`; ``inf`` for the minimalRNN. Slow for the LSTM
        with a candidate bias: a 3-D quadrature per unit, about 40 s per evaluation of the
        fixed-point map at ``N = 1000`` on one core, hours for the critical gain.
        """
        from .meanfield import mean_field_critical_gain

        biases = {k: self._bias[i].numpy() for i, k in enumerate(self.gates)}
        stds = {k: v for k, v in self.bias_stds.items() if k != CANDIDATE[self.arch]}
        return mean_field_critical_gain(
            self.arch, stds if self.arch != "rnn" else self.bias_stds["h"],
            candidate_bias_std=self.bias_stds.get(CANDIDATE[self.arch] or "", 0.0),
            gain_ratios=self.gain_ratios, biases=biases)

    # ---------------------------------------------------------------------------------
    # interoperability
    # ---------------------------------------------------------------------------------
    def to_torch(self, index: int = 0) -> torch.nn.RNNBase:
        """The ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` with the weights of network ``index``.

        ``weight_hh = g[index] * W0`` in PyTorch's gate order, ``weight_ih = U`` (zeros and
        ``input_size = 1`` when ``input_dim = 0``), ``bias_ih = b`` and ``bias_hh = 0``.
        The module has this object's dtype and device and ``batch_first=False``.
        """
        if self.arch == "minimalrnn":
            raise ValueError("to_torch supports arch in ('rnn', 'gru', 'lstm'); PyTorch has "
                             "no minimalRNN module")
        index = check_int("index", index, 0)
        if index >= self.batch:
            raise ValueError(f"index must be < B={self.batch}, got {index}")
        cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[self.arch]
        d = max(self.input_dim, 1)
        module = cls(d, self.n, nonlinearity="tanh") if self.arch == "rnn" else cls(d, self.n)
        module = module.to(device=self.device, dtype=self.dtype)
        with torch.no_grad():
            module.weight_hh_l0.copy_(float(self.g[index]) * self._w0)
            module.weight_ih_l0.copy_(self._u)
            module.bias_ih_l0.copy_(self._bias.reshape(-1))
            module.bias_hh_l0.zero_()
        return module
