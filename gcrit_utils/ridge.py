"""Batched ridge readouts: features, normal equations (optionally streamed), float64 solves.

A readout maps a reservoir state ``h`` (``n`` hidden units) to ``y = W^T phi(h)`` with
features ``phi = [h, 1]`` or ``[h, 1, h_even^2]`` (Pathak et al. 2018). Ridge regression
solves ``(Phi^T Phi + ridge D) W = Phi^T Y`` for every network of a batch at once, in
float64 (Cholesky).

Two ways to form the normal equations:

* :func:`fit_ridge` / :func:`fit_ridge_validated` take the feature matrix ``Phi`` (T, B, F);
* :class:`NormalEquations` accumulates ``Phi^T Phi`` and ``Phi^T Y`` chunk by chunk from the
  states themselves, so a long teacher-forced run never has to be stored: memory
  ``O(B F^2)`` instead of ``O(T B N)``, features built in a reused float64 buffer, and only
  the upper block triangle of the symmetric Gram matrix computed. The ``[h, 1]`` problem is
  the leading block of the ``[h, 1, h_even^2]`` one, so one accumulator serves both readouts.

Shapes: time first; states (T, B, D), targets (T, d) shared or (T, B, d); weights (B, F, d).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._validation import check_int, check_nonnegative

__all__ = [
    "readout_features",
    "feature_count",
    "fit_ridge",
    "fit_ridge_validated",
    "solve_validated_normal",
    "NormalEquations",
]


def readout_features(states: torch.Tensor, n: int, squared: bool = False) -> torch.Tensor:
    """Readout features ``[h, 1]`` or ``[h, 1, h_even^2]`` (Pathak et al. 2018).

    Parameters
    ----------
    states : tensor, shape (..., D)
        Reservoir states; only the first ``n`` entries (``h``) are used.
    n : int
        Number of hidden units.
    squared : bool
        Append the squares of the even-indexed units (the symmetry-breaking trick).

    Returns
    -------
    tensor, shape (..., F) with ``F = n + 1`` or ``n + 1 + ceil(n / 2)``.
    """
    h = states[..., :n]
    parts = [h, torch.ones_like(h[..., :1])]
    if squared:
        parts.append(h[..., ::2] ** 2)
    return torch.cat(parts, dim=-1)


def _batched_problem(features: torch.Tensor, targets: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Gram matrices ``Phi^T Phi`` (B, F, F) and right-hand sides ``Phi^T Y`` (B, F, d), float64."""
    if features.ndim != 3:
        raise ValueError(f"features must have shape (T, B, F), got {tuple(features.shape)}")
    phi = features.to(torch.float64).transpose(0, 1)  # (B, T, F)
    y = targets.to(device=phi.device, dtype=torch.float64)
    if y.ndim == 2:
        if y.shape[0] != phi.shape[1]:
            raise ValueError("features and targets must have the same length T")
        return phi.transpose(1, 2) @ phi, torch.einsum("btf,td->bfd", phi, y)
    if y.ndim != 3:
        raise ValueError(f"targets must have shape (T, d) or (T, B, d), got {tuple(y.shape)}")
    if y.shape[0] != phi.shape[1]:
        raise ValueError("features and targets must have the same length T")
    return phi.transpose(1, 2) @ phi, torch.einsum("btf,tbd->bfd", phi, y)


def _ridge_solve(gram: torch.Tensor, rhs: torch.Tensor, ridge: float,
                 unpenalised: tuple[int, ...] = (), work: torch.Tensor | None = None
                 ) -> torch.Tensor:
    """``(G + ridge I)^{-1} R`` per batch element by Cholesky; ``nan`` where not positive definite.

    Cholesky rather than LU: the regularised Gram matrix is symmetric positive definite, and
    MKL's batched LU fails (and can stall) on the numerically singular Gram matrices of
    reservoirs with tiny gains when the ridge is 0. ``work`` (same shape as ``gram``, float64,
    contiguous) is a scratch buffer a caller solving for several ridges can pass to avoid a new
    allocation per ridge (``gram`` itself is never modified).
    """
    diag = torch.full((gram.shape[-1],), float(ridge), dtype=gram.dtype, device=gram.device)
    diag[list(unpenalised)] = 0.0
    regular = gram.clone() if work is None else work.copy_(gram)
    regular.diagonal(dim1=-2, dim2=-1).add_(diag)
    chol, info = torch.linalg.cholesky_ex(regular)
    ok = info == 0
    if bool(ok.all()):
        return _cholesky_solve(chol, rhs)
    out = torch.full_like(rhs, float("nan"))
    if bool(ok.any()):
        out[ok] = _cholesky_solve(chol[ok], rhs[ok])
    return out


def _cholesky_solve(chol: torch.Tensor, rhs: torch.Tensor) -> torch.Tensor:
    """``(L L^T)^{-1} R`` by two triangular solves (faster than ``torch.cholesky_solve`` for a
    few right-hand sides, same numbers)."""
    y = torch.linalg.solve_triangular(chol, rhs, upper=False)
    return torch.linalg.solve_triangular(chol.transpose(-2, -1), y, upper=True)


def fit_ridge(features: torch.Tensor, targets: torch.Tensor, ridge: float,
              unpenalised: tuple[int, ...] = ()) -> torch.Tensor:
    """Ridge regression for every network of the batch at once, in float64.

    Solves ``(Phi^T Phi + ridge D) W = Phi^T Y`` per batch element (Cholesky), with ``D`` the
    identity except zeros at the ``unpenalised`` feature columns.

    Parameters
    ----------
    features : tensor, shape (T, B, F)
    targets : tensor, shape (T, d) (shared) or (T, B, d)
    ridge : float
        Regularisation ``>= 0``, applied to the Gram matrix summed over time (0 gives
        least squares if the Gram matrix is regular).
    unpenalised : tuple of int
        Feature columns without penalty, e.g. ``(n,)`` for the constant of ``[h, 1]``: then
        the fit equals ridge on centred features with a free intercept (reservoirpy's
        ``Ridge``). The book's readouts penalise every column (the default).

    Returns
    -------
    tensor, shape (B, F, d), float64
        ``nan`` for a network whose regularised Gram matrix is not positive definite.
    """
    ridge = check_nonnegative("ridge", ridge)
    gram, rhs = _batched_problem(features, targets)
    _check_unpenalised(unpenalised, gram.shape[-1])
    return _ridge_solve(gram, rhs, ridge, tuple(unpenalised))


def _check_unpenalised(unpenalised: tuple[int, ...], features: int) -> None:
    bad = [c for c in unpenalised if not -features <= c < features]
    if bad:
        raise ValueError(f"unpenalised must index the {features} features, got {bad}")


def fit_ridge_validated(features: torch.Tensor, targets: torch.Tensor,
                        val_features: torch.Tensor, val_targets: torch.Tensor,
                        ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2)
                        ) -> tuple[torch.Tensor, np.ndarray]:
    """Ridge readout with the strength chosen per network on a validation segment.

    The Gram matrices are formed once; for every ridge in ``ridges`` the batched solve is
    repeated and the one-step mean squared error on ``(val_features, val_targets)`` is
    measured; each network keeps the ridge with the smallest error.

    Parameters
    ----------
    features, targets : tensors, shapes (T, B, F) and (T, d) or (T, B, d)
        Training segment.
    val_features, val_targets : tensors, shapes (V, B, F) and (V, d) or (V, B, d)
        Validation segment.
    ridges : tuple of float
        Candidate strengths, each ``>= 0``.

    Returns
    -------
    weights : tensor, shape (B, F, d), float64
        All zeros for a network where no ridge gives a finite solution (it then predicts 0).
    chosen : ndarray, shape (B,)
        The ridge chosen for each network (``nan`` where none worked).
    """
    gram, rhs = _batched_problem(features, targets)
    phi_v = val_features.to(device=gram.device, dtype=torch.float64)
    return _validated_solve(gram, rhs, phi_v, val_targets, ridges)


def _validated_solve(gram: torch.Tensor, rhs: torch.Tensor, phi_v: torch.Tensor,
                     val_targets: torch.Tensor, ridges: tuple[float, ...]
                     ) -> tuple[torch.Tensor, np.ndarray]:
    """Solve for every ridge of ``ridges``; keep per network the smallest validation error."""
    y_v = val_targets.to(device=gram.device, dtype=torch.float64)
    if y_v.ndim == 2:
        y_v = y_v.unsqueeze(1).expand(-1, phi_v.shape[1], -1)
    return _choose_ridge(gram, rhs, ridges, lambda w: (
        (torch.einsum("tbf,bfd->tbd", phi_v, w) - y_v) ** 2).mean(dim=(0, 2)))


def _choose_ridge(gram: torch.Tensor, rhs: torch.Tensor, ridges: tuple[float, ...],
                  error: Callable[[torch.Tensor], torch.Tensor]
                  ) -> tuple[torch.Tensor, np.ndarray]:
    """Weights (B, F, d) and strength (B,) with the smallest ``error(weights)`` (B,) per network
    over ``ridges``; zeros and ``nan`` where no strength gives a finite error."""
    if not ridges:
        raise ValueError("ridges must contain at least one value")
    grid = [check_nonnegative("ridges", r) for r in ridges]
    work = torch.empty(gram.shape, dtype=gram.dtype, device=gram.device)
    best_w = torch.zeros_like(rhs)
    best_err = torch.full((rhs.shape[0],), float("inf"), dtype=torch.float64,
                          device=gram.device)
    chosen = np.full(rhs.shape[0], np.nan)
    for r in grid:
        w = _ridge_solve(gram, rhs, r, work=work)
        err = torch.nan_to_num(error(w), nan=float("inf"))
        better = err < best_err
        best_w[better] = w[better]
        best_err = torch.where(better, err, best_err)
        chosen[better.cpu().numpy()] = r
    return best_w, chosen


def solve_validated_normal(gram: torch.Tensor, rhs: torch.Tensor, val_gram: torch.Tensor,
                           val_rhs: torch.Tensor,
                           ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2)
                           ) -> tuple[torch.Tensor, np.ndarray]:
    """Ridge readout fit on one set of normal equations, its strength chosen on another.

    The validation error of weights ``w`` is ``|Y_v - Phi_v w|^2 = Y_v^T Y_v - 2 tr(w^T
    Phi_v^T Y_v) + tr(w^T Phi_v^T Phi_v w)``: the validation rows enter only through their own
    normal equations, so they need not be kept (blocked cross-validation,
    :mod:`gcrit_utils.crossval`). The constant ``Y_v^T Y_v`` does not change the choice.

    Parameters
    ----------
    gram, rhs : tensors, shapes (B, F, F) and (B, F, d)
        Training ``Phi^T Phi`` and ``Phi^T Y``.
    val_gram, val_rhs : tensors, shapes (B, F, F) and (B, F, d)
        The same of the validation rows.
    ridges : tuple of float
        Candidate strengths, each ``>= 0``.

    Returns
    -------
    weights : tensor, shape (B, F, d), float64
        All zeros for a network where no ridge gives a finite solution.
    chosen : ndarray, shape (B,)
        The ridge chosen for each network (``nan`` where none worked).
    """
    if gram.ndim != 3 or rhs.ndim != 3 or gram.shape[:2] != rhs.shape[:2] \
            or gram.shape[1] != gram.shape[2]:
        raise ValueError(f"gram must be (B, F, F) and rhs (B, F, d), got {tuple(gram.shape)} "
                         f"and {tuple(rhs.shape)}")
    if gram.shape != val_gram.shape or rhs.shape != val_rhs.shape:
        raise ValueError(f"training and validation problems differ in shape: {tuple(gram.shape)}"
                         f" and {tuple(val_gram.shape)}, {tuple(rhs.shape)} and "
                         f"{tuple(val_rhs.shape)}")
    return _choose_ridge(gram, rhs, ridges, lambda w: (
        (w * torch.bmm(val_gram, w)).sum(dim=(1, 2)) - 2.0 * (w * val_rhs).sum(dim=(1, 2))))


def feature_count(n: int, squared: bool = False) -> int:
    """Number of readout features of ``n`` units: ``n + 1`` or ``n + 1 + ceil(n / 2)``."""
    return n + 1 + ((n + 1) // 2 if squared else 0)


class NormalEquations:
    """Ridge normal equations of a batch of readouts, accumulated over time in float64.

    Holds ``[Phi, Y]^T [Phi, Y]`` per network (``Phi`` the readout features of the states,
    ``Y`` the targets): its blocks are the Gram matrix ``Phi^T Phi`` and the right-hand side
    ``Phi^T Y``. :meth:`add` may be called once with a whole run or once per chunk of a run
    (the sums are the same up to rounding); :meth:`solve` and :meth:`problem` can be called
    at any point.

    Parameters
    ----------
    n : int
        Hidden units; features use ``states[..., :n]``.
    batch : int
        Networks ``B``.
    target_dim : int
        Target dimension ``d``.
    squared : bool
        Accumulate the ``[h, 1, h_even^2]`` problem; its leading ``n + 1`` block is the
        ``[h, 1]`` problem, available through ``squared=False`` in :meth:`problem`/:meth:`solve`.
    chunk : int
        Time steps converted to float64 features at once (memory ``B * chunk * F * 8`` bytes).
    blocks : int
        Column blocks of the symmetric Gram matrix; only the ``blocks (blocks + 1) / 2``
        blocks on and above the diagonal are multiplied (4 blocks: 62% of the FLOPs of the
        full product).
    device : str or torch.device

    Examples
    --------
    >>> import torch
    >>> eq = NormalEquations(n=3, batch=2, target_dim=1)
    >>> states = torch.randn(50, 2, 3, dtype=torch.float64)
    >>> eq.add(states, states[:, 0, :1])      # targets shared by both networks
    >>> eq.solve(1e-9).shape
    torch.Size([2, 4, 1])
    """

    def __init__(self, n: int, batch: int, target_dim: int, *, squared: bool = False,
                 chunk: int = 256, blocks: int = 4, device: str | torch.device = "cpu"
                 ) -> None:
        self.n = check_int("n", n, 1)
        self.batch = check_int("batch", batch, 1)
        self.target_dim = check_int("target_dim", target_dim, 1)
        self.squared = bool(squared)
        self.chunk = check_int("chunk", chunk, 1)
        self.features = feature_count(self.n, self.squared)
        cols = self.features + self.target_dim
        blocks = min(check_int("blocks", blocks, 1), cols)
        self._edges = [round(i * cols / blocks) for i in range(blocks + 1)]
        self.device = torch.device(device)
        self.rows = 0
        self._upper = torch.zeros(self.batch, cols, cols, dtype=torch.float64,
                                  device=self.device)
        self._buffer: torch.Tensor | None = None
        self._full: torch.Tensor | None = None  # symmetric [Phi, Y]^T [Phi, Y], until add()

    def _features_buffer(self) -> torch.Tensor:
        if self._buffer is None:
            self._buffer = torch.empty(self.batch, self.chunk, self._upper.shape[-1],
                                       dtype=torch.float64, device=self.device)
            self._buffer[:, :, self.n] = 1.0
        return self._buffer

    def add(self, states: torch.Tensor, targets: torch.Tensor) -> None:
        """Add ``T`` rows: the features of ``states`` (T, B, D) and ``targets`` (T, d) or
        (T, B, d), row ``t`` of one paired with row ``t`` of the other."""
        if states.ndim != 3 or states.shape[1] != self.batch or states.shape[2] < self.n:
            raise ValueError(f"states must have shape (T, B={self.batch}, D >= n={self.n}), "
                             f"got {tuple(states.shape)}")
        steps = states.shape[0]
        shared = targets.ndim == 2
        if (targets.shape[0] != steps or targets.shape[-1] != self.target_dim
                or not (shared or (targets.ndim == 3 and targets.shape[1] == self.batch))):
            raise ValueError(f"targets must have shape ({steps}, {self.target_dim}) or "
                             f"({steps}, {self.batch}, {self.target_dim}), "
                             f"got {tuple(targets.shape)}")
        n, f = self.n, self.features
        self._full = None
        buf = self._features_buffer()
        for t0 in range(0, steps, self.chunk):
            t1 = min(steps, t0 + self.chunk)
            a = buf[:, : t1 - t0]
            a[:, :, :n].copy_(states[t0:t1, :, :n].transpose(0, 1))
            if self.squared:
                a[:, :, n + 1 : f].copy_(a[:, :, 0:n:2]).square_()
            y = targets[t0:t1].to(device=self.device, dtype=torch.float64)
            a[:, :, f:].copy_(y if shared else y.transpose(0, 1))
            at = a.transpose(1, 2)
            for lo, hi in zip(self._edges[:-1], self._edges[1:], strict=True):
                self._upper[:, lo:hi, lo:].baddbmm_(at[:, lo:hi], a[:, :, lo:])
        self.rows += steps

    def _squared(self, squared: bool | None) -> bool:
        if squared is None:
            return self.squared
        if squared and not self.squared:
            raise ValueError("squared=True needs an accumulator built with squared=True")
        return bool(squared)

    def problem(self, squared: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Gram matrices ``Phi^T Phi`` (B, F, F) and right-hand sides ``Phi^T Y`` (B, F, d).

        ``squared=False`` on a squared accumulator gives the ``[h, 1]`` problem (its leading
        block); ``None`` means the accumulator's own feature set.
        """
        gram, rhs = self._blocks(squared)
        return gram.contiguous(), rhs.contiguous()

    def _blocks(self, squared: bool | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Views of the Gram matrix and right-hand side in the symmetric matrix, which is
        formed once from the upper block triangle and kept until the next :meth:`add`."""
        k = feature_count(self.n, self._squared(squared))
        if self._full is None:
            full = self._upper.triu()
            full += full.triu(1).transpose(1, 2)
            self._full = full
        return self._full[:, :k, :k], self._full[:, :k, self.features :]

    def solve(self, ridge: float, unpenalised: tuple[int, ...] = (),
              squared: bool | None = None) -> torch.Tensor:
        """Ridge weights (B, F, d) for strength ``ridge >= 0``, as :func:`fit_ridge`."""
        ridge = check_nonnegative("ridge", ridge)
        gram, rhs = self._blocks(squared)
        _check_unpenalised(unpenalised, gram.shape[-1])
        return _ridge_solve(gram, rhs, ridge, tuple(unpenalised))

    def solve_validated(self, val_states: torch.Tensor, val_targets: torch.Tensor,
                        ridges: tuple[float, ...] = (1e-8, 1e-6, 1e-4, 1e-2),
                        squared: bool | None = None) -> tuple[torch.Tensor, np.ndarray]:
        """Ridge strength chosen per network on a validation segment, as
        :func:`fit_ridge_validated`; ``val_states`` (V, B, D), ``val_targets`` (V, d) or
        (V, B, d)."""
        squared = self._squared(squared)
        gram, rhs = self._blocks(squared)
        phi_v = readout_features(val_states.to(device=self.device, dtype=torch.float64),
                                 self.n, squared)
        return _validated_solve(gram, rhs, phi_v, val_targets, ridges)
