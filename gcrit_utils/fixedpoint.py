"""Fixed points of a finite network and where they lose stability (the measured side of the
mean-field criterion of :mod:`gcrit_utils.meanfield`).

Without input and with a candidate bias (or, for the tanh RNN, any bias) ``h = 0`` is not a
fixed point; the network's fixed point ``h*(g)`` moves with the gain. We follow it by
Newton's method with continuation in ``g`` and record where the spectral radius of
``J(h*)`` reaches 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse.linalg import eigs

from ._validation import check_int, check_positive
from .cells import Cell
from .network import RandomRNN

__all__ = ["FixedPointCrossing", "fixed_point", "spectral_radius", "fixed_point_crossing"]

#: Largest state dimension handled by dense LAPACK; ARPACK above.
DENSE_LIMIT = 1500


@dataclass(frozen=True)
class FixedPointCrossing:
    """Where the fixed point continued from small gains loses stability.

    Attributes
    ----------
    g : float
        Gain at which ``max |eig J(h*)|`` reaches 1 (``inf`` if not reached up to the
        end of the scan).
    eigenvalue : complex
        The eigenvalue of largest modulus at the last stable gain of the bisection.
    q : float
        ``mean_i h_i*^2`` (hidden part) at that gain, for comparison with the mean-field
        ``Q*``.
    gains, radii : ndarray, shape (K,)
        The continuation scan: gains and spectral radii at ``h*``.
    """

    g: float
    eigenvalue: complex
    q: float
    gains: np.ndarray
    radii: np.ndarray


def fixed_point(
    net: RandomRNN,
    h0: torch.Tensor | None = None,
    *,
    tol: float = 1e-11,
    max_iter: int = 50,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve ``F(h*) = h*`` for every network of ``net`` by damped Newton iterations.

    Parameters
    ----------
    net : RandomRNN
        ``B`` autonomous networks (float64 recommended).
    h0 : tensor, shape (B, D), optional
        Starting states (default: zeros).
    tol : float
        Stop when ``max |F(h) - h| < tol`` for every network.
    max_iter : int
        Newton iterations at most.

    Returns
    -------
    h, residual : tensor, shapes (B, D) and (B,)
        The states and ``max_i |F(h)_i - h_i|``; a residual above ``tol`` means Newton
        did not converge for that network.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, 1)
    h = net.zero_state() if h0 is None else net.check_state(h0, "h0").clone()
    eye = torch.eye(net.dim, dtype=net.dtype, device=net.device)
    with torch.no_grad():
        res = net.step(h) - h
        err = res.abs().amax(dim=-1)
        for _ in range(max_iter):
            if bool((err < tol).all()):
                break
            delta = torch.linalg.solve(net.jacobian(h) - eye, -res.unsqueeze(-1)).squeeze(-1)
            step = torch.ones(net.batch, 1, dtype=net.dtype, device=net.device)
            for _ in range(20):  # backtracking: accept where the residual shrinks
                trial = h + step * delta
                res_t = net.step(trial) - trial
                err_t = res_t.abs().amax(dim=-1)
                ok = (err_t < err) | (err < tol)
                if bool(ok.all()):
                    break
                step = torch.where(ok[:, None], step, 0.5 * step)
            h = torch.where((err < tol)[:, None], h, trial)
            res = net.step(h) - h
            err = res.abs().amax(dim=-1)
    return h, err


def spectral_radius(matrix: np.ndarray) -> complex:
    """Eigenvalue of largest modulus of a square matrix (dense up to 1500, ARPACK above)."""
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square, got shape {m.shape}")
    if m.shape[0] <= DENSE_LIMIT:
        ev = np.linalg.eigvals(m)
    else:
        ev = eigs(m, k=6, ncv=min(m.shape[0] - 1, 60), which="LM", return_eigenvectors=False,
                  tol=1e-10, maxiter=100_000)
    return complex(ev[np.argmax(np.abs(ev))])


def _radius_at(net: RandomRNN, g: float, h_start: torch.Tensor, tol: float
               ) -> tuple[complex | None, torch.Tensor]:
    """Largest-modulus eigenvalue at the fixed point continued from ``h_start``, or None
    if Newton finds no fixed point nearby (the branch has folded: a saddle-node)."""
    one = net.with_gains([g])
    h, err = fixed_point(one, h_start, tol=tol)
    if not bool(torch.isfinite(err).all()) or float(err.max()) > 1e3 * tol:
        return None, h_start
    jac = one.jacobian(h)[0].detach().cpu().double().numpy()
    return spectral_radius(jac), h


def fixed_point_crossing(
    arch: str | Cell,
    n: int,
    bias_std: float | Mapping[str, float],
    seed: int,
    g_guess: float,
    *,
    candidate_bias_std: float = 0.0,
    start: float = 0.7,
    stop: float = 1.6,
    step: float = 0.02,
    rtol: float = 1e-4,
    tol: float = 1e-11,
) -> FixedPointCrossing:
    """Gain at which the fixed point of one sampled network loses stability.

    The fixed point is followed by Newton continuation from ``0.05 g_guess`` (where it is
    close to the bias-only one) to ``start * g_guess``, then upwards in steps of
    ``step * g_guess`` (Newton from the previous one); once ``max |eig J(h*)| >= 1`` or
    Newton finds no fixed point near the previous one (the branch folds, a saddle-node:
    an eigenvalue reaches 1 there too) the crossing is bisected to relative width ``rtol``.
    In the scan, ``radii`` holds ``inf`` where the branch was lost.

    Parameters
    ----------
    arch : {"rnn", "gru", "lstm"} or Cell
    n : int
        Units.
    bias_std, candidate_bias_std : float or dict, float
        Bias spreads, as in :class:`~gcrit_utils.network.RandomRNN`.
    seed : int
        Seed of the network.
    g_guess : float
        Scale of the scan (e.g. a predicted critical gain).
    start, stop, step : float
        Scan range and step in units of ``g_guess``.
    rtol : float
        Relative precision of the bisection.
    tol : float
        Newton tolerance on ``max |F(h) - h|``.

    Returns
    -------
    FixedPointCrossing
    """
    g_guess = check_positive("g_guess", g_guess)
    for name, value in (("start", start), ("stop", stop), ("step", step), ("rtol", rtol)):
        check_positive(name, value)
    if stop <= start:
        raise ValueError(f"stop must be > start, got start={start}, stop={stop}")
    net = RandomRNN(arch, n, [start * g_guess], bias_std, seed=seed, dtype=torch.float64,
                    candidate_bias_std=candidate_bias_std)
    if not net.cell.has_critical_gain:
        raise ValueError(f"arch={net.arch!r} has a Jacobian without weights at its fixed "
                         f"point: never unstable")
    h = net.zero_state()
    # ramp up from a small gain, where h* ~ the bias-only fixed point and Newton converges
    for g in np.linspace(0.05, start, 15)[:-1] * g_guess:
        h, err = fixed_point(net.with_gains([float(g)]), h, tol=tol)
        if float(err.max()) > 1e3 * tol:
            raise ValueError(f"no fixed point found at g = {g:.4g} on the way to start * "
                             f"g_guess: lower start")
    gains, radii = [], []
    lo_g, lo_h, lo_ev = None, h, 0j
    for g in np.arange(start, stop + 0.5 * step, step) * g_guess:
        ev, h = _radius_at(net, float(g), h, tol)
        gains.append(float(g))
        radii.append(np.inf if ev is None else abs(ev))
        if radii[-1] >= 1.0:
            break
        lo_g, lo_h, lo_ev = float(g), h, ev
    else:
        q = float((net.hidden(lo_h) ** 2).mean())
        return FixedPointCrossing(np.inf, lo_ev, q, np.array(gains), np.array(radii))
    if lo_g is None:
        raise ValueError(f"the fixed point is already unstable at start * g_guess = "
                         f"{start * g_guess:.4g}: lower start")
    hi_g = gains[-1]
    while hi_g - lo_g > rtol * lo_g:
        mid = 0.5 * (lo_g + hi_g)
        ev, h_mid = _radius_at(net, mid, lo_h, tol)
        if ev is None or abs(ev) >= 1.0:
            hi_g = mid
        else:
            lo_g, lo_h, lo_ev = mid, h_mid, ev
    q = float((net.hidden(lo_h) ** 2).mean())
    return FixedPointCrossing(0.5 * (lo_g + hi_g), lo_ev, q, np.array(gains), np.array(radii))
