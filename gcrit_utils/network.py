r"""Random recurrent networks in torch: one draw of the weights, a batch of gains, any cell.

:class:`RandomRNN` holds one draw of the random weights ``W0``, biases ``b`` and input
weights ``U`` and a 1-D tensor of gains ``g``: the recurrent matrices are ``W = g * W0`` for
every gain at once, so a batch of ``B`` networks (common random numbers) advances with one
matrix-matrix product per step. The cell (:mod:`gcrit_utils.cells`) says what a step is; this
module never asks which cell it runs.

Weights: ``W0 ~ N(0, 1/N)`` per recurrent gate (``N x N`` blocks in PyTorch's gate order),
``U = input_scale * U0`` with ``U0 ~ N(0, 1/input_dim)``, gate biases
``b_k = mu_k + s_k b0_k`` with ``b0 ~ N(0, 1)``. The state of one network is a row of size
``D`` (``2N`` for the LSTM's ``[h, c]``, else ``N``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ._numerics import flush_denormal
from ._validation import check_int, check_nonnegative
from .cells import Cell, get_cell

__all__ = ["RandomRNN", "ZeroStateFactors", "state_dim"]


def state_dim(arch: str | Cell, n: int) -> int:
    """Size ``D`` of the state vector of ``n`` units: ``2 n`` for ``lstm`` (``[h, c]``)."""
    return get_cell(arch).state_dim(n)


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
    """Independent 63-bit seeds for weights, biases, input weights and a cell's extras."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64) >> 1]


def _randn(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Standard normal float64 CPU tensor from its own generator (device independent)."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def _haar(gauss: torch.Tensor) -> torch.Tensor:
    """Haar-distributed orthogonal matrix from a square Gaussian one (QR, signs fixed)."""
    q, r = torch.linalg.qr(gauss)
    return q * torch.sign(torch.diagonal(r))[None, :]


@dataclass(frozen=True)
class ZeroStateFactors:
    """Pieces of the zero-state Jacobian ``J0 = diag(a) + g diag(u) W0 diag(v)``.

    Attributes
    ----------
    a, u, v : ndarray, shape (N,)
        Diagonals, from the gate values of the sampled biases at ``h = 0, x = 0``.
    w0 : ndarray, shape (N, N)
        The unit-variance matrix that enters (the cell's ``zero_state_gate`` block of
        ``W0``; zeros for a cell whose ``J0`` has no weights).
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
    """A batch of random recurrent networks sharing ``W0`` and ``b``, one per gain.

    Parameters
    ----------
    arch : str or Cell
        The cell: a name of :data:`gcrit_utils.cells.CELLS` (``"rnn"``, ``"gru"``,
        ``"lstm"``, ``"minimalrnn"``, ...) or a cell object (with its own hyperparameters,
        :func:`gcrit_utils.cells.get_cell`).
    n : int
        Number of hidden units ``N >= 1``.
    g : float or 1-D array_like/tensor of shape (B,)
        Gains, each finite and ``> 0``. A float gives ``B = 1``.
    bias_std : float or dict
        Spread ``s_b`` of the gate biases, or a dict per gate as in
        :func:`~gcrit_utils.theory.critical_gain`.
    input_dim : int
        Input size ``d >= 0``; 0 for an autonomous network.
    input_scale : float
        ``sigma_in >= 0``: input weights are ``N(0, sigma_in^2 / d)``.
    seed : int
        Seed of ``W0``, ``b`` and the input weights (the same seed gives the same numbers
        on every device and for every dtype up to rounding).
    dtype : torch.dtype
        ``torch.float32`` or ``torch.float64``.
    device : str or torch.device
        ``"cpu"`` (default) or ``"cuda"``.
    candidate_bias_std : float
        Spread of the candidate bias (GRU ``n``, LSTM ``g``, minimalRNN ``c``); 0 keeps
        ``h = 0`` a fixed point.
    gain_ratios : dict, optional
        Per-gate gains relative to ``g``: ``W_k = g * gain_ratios[k] * W0_k`` for the
        recurrent blocks (keys of ``cell.recurrent_gates``), 1 for gates not named.
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
        arch: str | Cell,
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
        self.cell = get_cell(arch)
        self.n = check_int("n", n, 1)
        self.input_dim = check_int("input_dim", input_dim, 0)
        self.input_scale = check_nonnegative("input_scale", input_scale)
        self.seed = check_int("seed", seed, 0)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        self.dtype = dtype
        self.device = _check_device(device)
        cell = self.cell
        self.bias_stds = cell.bias_stds(bias_std, candidate_bias_std)
        self.gain_ratios = cell.gain_ratios(gain_ratios)
        self.bias_means = cell.bias_means(bias_mean)
        self.orthogonal = bool(orthogonal)
        self.g = self._check_gains(g)
        self.batch = int(self.g.shape[0])
        self.dim = cell.state_dim(self.n)

        n_, blocks = self.n, len(cell.recurrent_gates)
        s_w, s_b, s_u, s_extra = _seeds(self.seed)
        # W0 stacked by gate, (K N, N); stored transposed for row-vector states
        w0 = _randn((blocks * n_, n_), s_w) / np.sqrt(n_)
        if orthogonal:
            # Haar matrices have entries of variance 1/N already (and singular values 1)
            w0 = torch.cat([_haar(block) for block in w0.split(n_)])
        b0 = _randn((len(cell.gates), n_), s_b)
        bias = torch.stack([self.bias_means[k] + self.bias_stds[k] * b0[i]
                            for i, k in enumerate(cell.gates)])
        d = max(self.input_dim, 1)
        u0 = _randn((blocks * n_, d), s_u) / np.sqrt(d)
        if self.input_dim == 0:
            u0 = torch.zeros_like(u0)
        ratios = torch.tensor(list(self.gain_ratios.values()), dtype=torch.float64)
        # float64 CPU masters; w0 carries the per-gate gain ratios (W = g * w0)
        self._w0 = w0 * ratios.repeat_interleave(n_)[:, None]
        self._bias = bias
        self._u = self.input_scale * u0
        self._extra = cell.sample_extra(n_, s_extra)
        self._ut = self._cast(self._u.T.contiguous())
        self._fused = cell.fuse(self._cast(self._w0.T.contiguous()), self._cast(bias),
                                {k: self._cast(v.T.contiguous()) for k, v in self._extra.items()})

    # ---------------------------------------------------------------------------------
    # the weights (float64 CPU masters; read-only views for callers)
    # ---------------------------------------------------------------------------------
    @property
    def arch(self) -> str:
        """Name of the cell."""
        return self.cell.name

    @property
    def gates(self) -> tuple[str, ...]:
        """The cell's biased gates, in the row order of :attr:`bias`."""
        return self.cell.gates

    @property
    def w0(self) -> torch.Tensor:
        """``W0`` with the gain ratios, shape (K N, N), PyTorch gate order (``W = g w0``)."""
        return self._w0

    @property
    def bias(self) -> torch.Tensor:
        """Gate biases, shape (G, N), in the order of :attr:`gates`."""
        return self._bias

    @property
    def input_weights(self) -> torch.Tensor:
        """``U``, shape (K N, max(input_dim, 1)) (zeros when ``input_dim = 0``)."""
        return self._u

    @property
    def extra_weights(self) -> dict[str, torch.Tensor]:
        """The cell's further random matrices (e.g. the minimalRNN's ``v0``)."""
        return dict(self._extra)

    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(device=self.device, dtype=self.dtype)

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
        return (f"RandomRNN(arch={self.cell!r}, n={self.n}, B={self.batch}, "
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

    def check_state(self, h: object, name: str = "h") -> torch.Tensor:
        """``h`` as a tensor of shape (B, ..., D) in this network's dtype and device.

        Raises
        ------
        ValueError
            If ``h`` is not a tensor of that shape.
        """
        if not isinstance(h, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor of shape (B={self.batch}, ..., "
                             f"D={self.dim})")
        if h.ndim < 2 or h.shape[0] != self.batch or h.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (B={self.batch}, ..., D={self.dim}), "
                             f"got {tuple(h.shape)}")
        return h.to(device=self.device, dtype=self.dtype)

    def zero_state(self, *extra: int) -> torch.Tensor:
        """Zeros of shape ``(B, *extra, D)``."""
        return torch.zeros(self.batch, *extra, self.dim, dtype=self.dtype, device=self.device)

    def hidden(self, states: torch.Tensor) -> torch.Tensor:
        """The ``h`` part of states ``(..., D)`` (drops the LSTM cell state)."""
        return states[..., : self.n]

    # ---------------------------------------------------------------------------------
    # dynamics
    # ---------------------------------------------------------------------------------
    def _drive(self, x: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The input-only part of a step (``Cell.drive``) for inputs ``x`` of shape (..., d)."""
        inp = None
        if x is not None:
            if self.input_dim == 0:
                raise ValueError("x was given but input_dim=0")
            if not isinstance(x, torch.Tensor) or x.shape[-1] != self.input_dim:
                raise ValueError(f"x must be a tensor with last dimension "
                                 f"input_dim={self.input_dim}")
            inp = x.to(device=self.device, dtype=self.dtype) @ self._ut
        return self.cell.drive(self._fused, inp)

    def _rows(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """States ``(B, ..., D)`` as rows ``(M, D)`` and each row's gain ``(M, 1)``."""
        g = self._gain_view(h.ndim).expand(*h.shape[:-1], 1)
        return h.reshape(-1, h.shape[-1]), g.reshape(-1, 1)

    @staticmethod
    def _drive_rows(c: torch.Tensor, lead: tuple[int, ...]) -> torch.Tensor:
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

    def _step_drives(self, h: torch.Tensor, x: torch.Tensor | None
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Rows, gains and drives of one step from states ``h`` (B, ..., D)."""
        c, e = self._drive(x)
        lead = h.shape[:-1]
        rows, g = self._rows(h)
        return rows, g, self._drive_rows(c, lead), None if e is None else self._drive_rows(e,
                                                                                          lead)

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
        h = self.check_state(h)
        rows, g, c, e = self._step_drives(h, x)
        return self.cell.step(self._fused, rows, g, c, e).view(h.shape)

    def step_with_jvp(
        self, h: torch.Tensor, tangents: torch.Tensor, x: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next state and the Jacobian ``J(h, x)`` applied to tangent vectors.

        The state and its ``k`` tangents are stacked as ``1 + k`` rows per network and
        multiplied by ``W0^T`` together (one product for both).

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
        h = self.check_state(h)
        t = self.check_state(tangents, "tangents")
        if h.ndim != 2 or t.ndim != 3:
            raise ValueError("step_with_jvp takes h of shape (B, D) and tangents (B, k, D)")
        _, g, c, e = self._step_drives(h, x)
        n = self.n
        rows = torch.cat([h[:, :n].unsqueeze(1), t[..., :n]], dim=1) * g.unsqueeze(1)
        prod = (rows.reshape(-1, n) @ self._fused["w"]).view(rows.shape[0], rows.shape[1], -1)
        return self.cell.jvp(self._fused, h, t, prod[:, 0], prod[:, 1:], c, e)

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
        the output.
        """
        if isinstance(x_or_steps, torch.Tensor):
            xs: torch.Tensor | None = x_or_steps
            steps = int(x_or_steps.shape[0])
        else:
            xs = None
            steps = check_int("steps", x_or_steps, 0)
        h = self.zero_state() if h0 is None else self.check_state(h0, "h0")
        if out is None:
            out = torch.empty((steps, *h.shape), dtype=self.dtype, device=self.device)
        elif (tuple(out.shape) != (steps, *h.shape) or out.dtype != self.dtype
              or out.device != self.device or not out.is_contiguous()):
            raise ValueError(f"out must be a contiguous {self.dtype} tensor of shape "
                             f"{(steps, *h.shape)} on {self.device}, got {out.dtype} "
                             f"{tuple(out.shape)} on {out.device}")
        lead = h.shape[:-1]
        rows, g = self._rows(h)
        flat = out.view(steps, rows.shape[0], self.dim)
        # the input-only part of every step in chunks of time (one GEMM per chunk; chunks
        # bound the memory of per-network inputs)
        chunk = max(1, min(steps, 2**22 // (rows.shape[0] * self.n)))
        step, fw = self.cell.step, self._fused
        with torch.no_grad(), flush_denormal():
            if xs is None:
                c, e = self._drive(None)
                c, e = self._drive_rows(c, lead), None if e is None else self._drive_rows(e, lead)
                for t in range(steps):
                    rows = step(fw, rows, g, c, e, out=flat[t])
                return out
            for t0 in range(0, steps, chunk):
                cs, es = self._drive(xs[t0 : t0 + chunk])
                cs = self._chunk_rows(cs, lead)
                es = None if es is None else self._chunk_rows(es, lead)
                for k in range(cs.shape[0]):
                    rows = step(fw, rows, g, cs[k], None if es is None else es[k],
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
        h = self.zero_state() if h0 is None else self.check_state(h0, "h0")
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
        h = self.check_state(h)
        eye = torch.eye(self.dim, dtype=self.dtype, device=self.device)
        _, rows = self.step_with_jvp(h, eye.expand(self.batch, -1, -1), x)
        return rows.transpose(1, 2)

    def zero_state_jacobian(self) -> torch.Tensor:
        """Jacobian at ``h = 0`` with no input, shape (B, D, D).

        For a cell whose zero state is not a fixed point (the tanh RNN with a bias, a
        nonzero candidate bias) this is the linearisation *at* 0, not at the fixed point.
        """
        return self.jacobian(self.zero_state())

    def zero_state_factors(self) -> ZeroStateFactors:
        """Diagonals ``a, u, v`` and ``W0`` of ``J0 = diag(a) + g diag(u) W0 diag(v)``.

        Computed from the gate values of this network at ``h = 0, x = 0`` (float64). For the
        LSTM these give the ``N`` non-trivial eigenvalues of the ``2N x 2N`` Jacobian (the
        other ``N`` are 0).
        """
        cell, n = self.cell, self.n
        biases = {k: self._bias[i].numpy() for i, k in enumerate(cell.gates)
                  if k != cell.candidate}
        a, u, v = cell.zero_state_diagonals(biases)
        gate = cell.zero_state_gate
        if gate is None:
            w = np.zeros((n, n))
        else:
            # the block carries its gate's gain ratio: move it into u, so that w0 has unit
            # variance and g_c^fin = [mean u^2 v^2/(1-a)^2]^(-1/2) stays right
            k = cell.recurrent_gates.index(gate)
            ratio = self.gain_ratios[gate]
            u, w = u * ratio, self._w0.numpy()[k * n : (k + 1) * n] / ratio
        g = self.g.detach().cpu().double().numpy()
        return ZeroStateFactors(a=a, u=u, v=v, w0=np.ascontiguousarray(w), g=g)

    def finite_size_critical_gain(self) -> float:
        """``g_c^fin = [mean_j u_j^2 v_j^2/(1 - a_j)^2]^(-1/2)`` for this draw of biases."""
        return self.zero_state_factors().finite_size_critical_gain()

    def mean_field_critical_gain(self) -> float:
        """Mean-field ``g_c`` of this draw of biases (:mod:`gcrit_utils.meanfield`).

        The expectation over biases is the average over the ``N`` sampled units; the
        recurrent fields stay Gaussian. With the candidate bias at 0 it equals
        :meth:`finite_size_critical_gain`; ``inf`` for a cell without a weight-dependent
        fixed point. Slow for the LSTM with a candidate bias (a 3-D quadrature per unit).
        """
        from .meanfield import mean_field_critical_gain

        cell = self.cell
        biases = {k: self._bias[i].numpy() for i, k in enumerate(cell.gates)}
        stds = {k: v for k, v in self.bias_stds.items() if k != cell.candidate}
        return mean_field_critical_gain(
            cell, stds, candidate_bias_std=self.bias_stds.get(cell.candidate or "", 0.0),
            gain_ratios=self.gain_ratios, biases=biases)

    # ---------------------------------------------------------------------------------
    # interoperability
    # ---------------------------------------------------------------------------------
    def to_torch(self, index: int = 0, batch_first: bool = False) -> torch.nn.Module:
        """The torch module (``nn.RNN``/``nn.GRU``/``nn.LSTM``, or the cell's own) of network
        ``index``.

        ``weight_hh = g[index] * W0`` in PyTorch's gate order, ``weight_ih = U`` (zeros and
        ``input_size = 1`` when ``input_dim = 0``), ``bias_ih = b`` and ``bias_hh = 0``. The
        module has this object's dtype and device.

        Raises
        ------
        ValueError
            If ``index`` is not a network of the batch or the cell has no torch module.
        """
        index = check_int("index", index, 0)
        if index >= self.batch:
            raise ValueError(f"index must be < B={self.batch}, got {index}")
        module = self.cell.make_module(max(self.input_dim, 1), self.n, batch_first=batch_first)
        module = module.to(device=self.device, dtype=self.dtype)
        self.cell.load_module(module, float(self.g[index]) * self._w0, self._u, self._bias,
                              self._extra)
        return module
