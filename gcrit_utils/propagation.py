"""Simulated signal propagation in finite networks: the measured side of
:mod:`gcrit_utils.signalprop` (chapter 06)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ._validation import check_int, check_positive
from .cells import RandomRNN

__all__ = [
    "simulate_propagation",
    "jacobian_product_singular_values",
    "timescale_grid",
    "PROPAGATION_GAINS",
    "TIMESCALE_GAINS",
    "TIMESCALE_STDS",
    "TIMESCALE_MEANS",
    "DRIVEN_GAINS",
    "propagation_comparison",
    "bias_spread_maps",
    "bias_mean_maps",
    "driven_lyapunov_comparison",
    "isometry_examples",
    "singular_value_spread",
    "singular_value_floor",
    "isometry_rows",
    "spread_text",
    "ISOMETRY_COLUMNS",
    "predicted_timescales",
    "forgetting_timescales",
]


def _pair_inputs(net: RandomRNN, steps: int, input_corr: float, gen: torch.Generator
                 ) -> torch.Tensor:
    """Inputs of the two trajectories, shape (steps, 2, d), i.i.d. N(0, 1) in time with
    correlation ``input_corr`` between the two."""
    d = net.input_dim
    xa = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    eta = torch.randn(steps, d, generator=gen, dtype=torch.float64)
    xb = input_corr * xa + (1.0 - input_corr**2) ** 0.5 * eta
    return torch.stack([xa, xb], dim=1)


def simulate_propagation(net: RandomRNN, steps: int, *, q0: float = 1.0, c0: float = 0.0,
                         input_corr: float = 0.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Length and correlation of two trajectories of every network in ``net``.

    Both start with i.i.d. ``N(0, q0)`` states (hidden and, for the LSTM, cell) whose
    correlation is ``c0``; they are driven by i.i.d. standard-normal inputs of dimension
    ``net.input_dim`` with correlation ``input_corr`` between the two, so the drive of
    each gate and unit has variance ``net.input_scale**2`` (times ``|x|^2/d``, 1 on average).

    Parameters
    ----------
    net : RandomRNN
        ``B`` networks with ``input_dim >= 1`` (use a large ``input_dim``, e.g. 100, so the
        drives of different units are nearly independent, as the mean field assumes).
    steps : int
        Steps simulated.
    q0, c0, input_corr : float
        Initial variance per unit, initial and input correlations.
    seed : int
        Seed of the initial states and inputs.

    Returns
    -------
    dict
        ``q`` (steps + 1, B): ``mean_i h_{a,i}^2``; ``c`` (steps + 1, B): correlation of
        ``h_a`` and ``h_b``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    if net.input_dim < 1:
        raise ValueError("net must have input_dim >= 1 (an input-driven network)")
    steps = check_int("steps", steps, 1)
    q0 = check_positive("q0", q0)
    if not -1.0 <= c0 <= 1.0 or not -1.0 <= input_corr <= 1.0:
        raise ValueError("c0 and input_corr must be in [-1, 1]")
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    ha = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    eta = torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)
    h = q0**0.5 * torch.stack([ha, c0 * ha + (1.0 - c0**2) ** 0.5 * eta], dim=1)
    h = h.to(device=net.device, dtype=net.dtype)
    xs = _pair_inputs(net, steps, input_corr, gen)
    qs, cs = [], []

    def record(state: torch.Tensor) -> None:
        hid = net.hidden(state).double()
        qa, qb = (hid[:, 0] ** 2).mean(-1), (hid[:, 1] ** 2).mean(-1)
        qs.append(qa.cpu().numpy())
        cs.append(((hid[:, 0] * hid[:, 1]).mean(-1) / (qa * qb).sqrt()).cpu().numpy())

    with torch.no_grad():
        record(h)
        for t in range(steps):
            h = net.step(h, xs[t])
            record(h)
    return {"q": np.array(qs), "c": np.array(cs)}


def singular_value_spread(svals: np.ndarray) -> tuple[float, int]:
    """Spread ``log10(s_max / s_min)`` of singular values, as far as float64 resolves it.

    Singular values below ``s_max * N * eps`` (numpy's rank tolerance) are rounding noise:
    their exact value changes with the order of floating-point operations. They are floored at
    that tolerance, so a numerically rank-deficient product reports the resolvable bound
    ``log10(1 / (N eps))`` (13.2 decades for ``N = 300``) and the count of such values.

    Parameters
    ----------
    svals : ndarray, shape (N,)
        Singular values of one ``N x N`` matrix (any order, >= 0).

    Returns
    -------
    spread : float
        ``log10(s_max / max(s_min, tol))``; ``inf`` if every value is 0.
    below : int
        Number of singular values below the tolerance (0 when the spread is resolved).
    """
    s = np.asarray(svals, dtype=np.float64)
    tol = singular_value_floor(s)
    top = float(s.max())
    if top == 0:
        return float("inf"), int(s.size)
    below = int((s < tol).sum())
    return float(np.log10(top / max(float(s.min()), tol))), below


def singular_value_floor(svals: np.ndarray) -> float:
    """The resolution ``s_max * N * eps`` below which singular values are rounding noise.

    Parameters
    ----------
    svals : ndarray, shape (N,)
        Singular values of one ``N x N`` matrix (any order, >= 0).

    Returns
    -------
    float
        ``max(svals) * N * eps(float64)``: a singular value (or a statistic of them, such as
        the median) below it has no significant digit.
    """
    s = np.asarray(svals, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("svals must be a non-empty 1-d array of finite values >= 0")
    return float(s.max()) * s.size * float(np.finfo(np.float64).eps)


def jacobian_product_singular_values(net: RandomRNN, horizon: int, *, warmup: int = 200,
                                     seed: int = 0) -> np.ndarray:
    """Singular values of the ``horizon``-step state-to-state Jacobian product
    ``J_T ... J_1`` along an input-driven trajectory of every network.

    The trajectory starts at a random state, runs ``warmup`` steps under i.i.d.
    standard-normal inputs (when ``input_dim >= 1``), then the product of the Jacobians of
    the next ``horizon`` steps is formed (float64, hidden part of the state).

    Returns
    -------
    ndarray, shape (B, N)
        Singular values, descending, of the ``N x N`` block ``d h_T / d h_0``.
    """
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    horizon = check_int("horizon", horizon, 1)
    warmup = check_int("warmup", warmup, 0)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    h = (0.5 * torch.randn(net.batch, net.dim, generator=gen, dtype=torch.float64)).to(
        device=net.device, dtype=net.dtype)
    xs = None
    if net.input_dim >= 1:
        xs = torch.randn(warmup + horizon, net.input_dim, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        for t in range(warmup):
            h = net.step(h, None if xs is None else xs[t])
        prod = torch.eye(net.dim, dtype=net.dtype, device=net.device).expand(
            net.batch, -1, -1).clone()
        for t in range(warmup, warmup + horizon):
            x = None if xs is None else xs[t]
            prod = net.jacobian(h, x) @ prod
            h = net.step(h, x)
    block = prod[:, : net.n, : net.n].double()
    return torch.linalg.svdvals(block).cpu().numpy()


def timescale_grid(arch: str, gains: Sequence[float], values: Sequence[float], *,
                   vary: str = "bias_std", bias_std: float = 0.5, input_std: float = 0.0,
                   progress: bool = False) -> dict[str, np.ndarray]:
    """Mean-field ``chi_1`` and ``q*`` on a grid of gains and bias spreads or means.

    Parameters
    ----------
    arch : str
    gains : sequence of float, length G
    values : sequence of float, length V
        Bias spreads ``s_b`` (``vary="bias_std"``, every gate, candidate 0) or means of the
        memory gate's bias (``vary="bias_mean"``: minimalRNN ``u``, GRU ``z``, LSTM ``f``,
        with spread ``bias_std``).
    input_std : float
        ``sigma_x``.

    Returns
    -------
    dict
        ``chi_1`` and ``q`` of shape (V, G), ``gains``, ``values``.
    """
    from tqdm import tqdm

    from .signalprop import MEAN_GATES, chi_one, length_fixed_point, signal_params

    if vary not in ("bias_std", "bias_mean"):
        raise ValueError(f"vary must be 'bias_std' or 'bias_mean', got {vary!r}")
    if vary == "bias_mean" and not MEAN_GATES[arch]:
        raise ValueError(f"arch={arch!r} has no memory gate whose bias mean could vary")
    chi = np.empty((len(values), len(gains)))
    q = np.empty_like(chi)
    for a, v in enumerate(tqdm(values, desc=f"timescales {arch}", disable=not progress)):
        for b, g in enumerate(gains):
            if vary == "bias_std":
                p = signal_params(arch, float(g), float(v), input_std=input_std)
            else:
                p = signal_params(arch, float(g), bias_std, input_std=input_std,
                                  bias_mean={MEAN_GATES[arch][0]: float(v)})
            state = length_fixed_point(p)
            chi[a, b], q[a, b] = chi_one(p, state), state[0]
    return {"chi_1": chi, "q": q, "gains": np.asarray(gains, float),
            "values": np.asarray(values, float)}


#: Grids of chapter 06 (gains, bias spreads, memory-gate bias means, driven-exponent gains).
TIMESCALE_GAINS = np.round(np.linspace(0.2, 4.0, 20), 3)
TIMESCALE_STDS = np.round(np.linspace(0.0, 2.0, 9), 3)
TIMESCALE_MEANS = np.round(np.linspace(-2.0, 4.0, 9), 3)
DRIVEN_GAINS = np.round(np.linspace(0.5, 4.0, 11), 3)

#: Settings of chapter 06's comparisons.
PROPAGATION_GAINS: dict[str, list[float]] = {"rnn": [0.8, 1.5, 3.0], "minimalrnn": [1.0, 3.0],
                                             "gru": [1.0, 2.0, 3.0], "lstm": [1.0, 2.0, 3.0]}


def propagation_comparison(gains: dict[str, list[float]] | None = None, *, n: int = 1000,
                           bias_std: float = 0.5, input_std: float = 0.5,
                           input_corr: float = 0.5, steps: int = 30, input_dim: int = 100,
                           seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Mean-field paths ``q_t, c_t`` and one simulated network per architecture.

    Returns
    -------
    dict
        ``arch -> {"gains", "theory_q", "theory_c" (G, T+1), "sim_q", "sim_c" (T+1, G)}``.
    """
    from .signalprop import propagation_path, signal_params

    out = {}
    for arch, gs in (gains or PROPAGATION_GAINS).items():
        net = RandomRNN(arch, n, gs, bias_std, input_dim=input_dim, input_scale=input_std,
                        seed=seed, dtype=torch.float64)
        sim = simulate_propagation(net, steps, q0=1.0, c0=0.0, input_corr=input_corr,
                                   seed=seed + 1)
        theory = [propagation_path(signal_params(arch, g, bias_std, input_std=input_std), steps,
                                   q0=1.0, c0=0.0, input_corr=input_corr) for g in gs]
        out[arch] = {"gains": np.asarray(gs, float), "sim_q": sim["q"], "sim_c": sim["c"],
                     "theory_q": np.array([t["q"] for t in theory]),
                     "theory_c": np.array([t["c"] for t in theory])}
    return out


def bias_spread_maps(gains: Sequence[float], bias_stds: Sequence[float]
                     ) -> tuple[dict[str, dict[str, np.ndarray]],
                                dict[str, tuple[np.ndarray, np.ndarray]]]:
    """``chi_1`` over ``(g, s_b)`` without input for the four cells, and the random-matrix
    ``g_c(s_b)`` curves to draw on top (the mean-field one for the tanh RNN)."""
    from .theory import critical_gain

    s = np.asarray(bias_stds, float)
    maps = {arch: timescale_grid(arch, gains, s, vary="bias_std")
            for arch in ("rnn", "minimalrnn", "gru", "lstm")}
    curves = {"rnn": (s, np.array([critical_gain("rnn", x, method="mean_field") for x in s])),
              "gru": (s, np.array([critical_gain("gru", x) for x in s])),
              "lstm": (s, np.array([critical_gain("lstm", x) for x in s]))}
    return maps, curves


def bias_mean_maps(gains: Sequence[float], means: Sequence[float], *, bias_std: float = 0.5,
                   input_std: float = 0.5) -> dict[str, dict[str, np.ndarray]]:
    """``chi_1`` over ``(g, mu)``, ``mu`` the memory gate's bias mean, for the gated cells."""
    from .signalprop import MEAN_GATES

    return {f"{arch} (mu on {MEAN_GATES[arch][0]})": timescale_grid(
                arch, gains, means, vary="bias_mean", bias_std=bias_std, input_std=input_std)
            for arch in ("minimalrnn", "gru", "lstm")}


def driven_lyapunov_comparison(gains: Sequence[float], *, n: int = 500, bias_std: float = 0.5,
                               input_std: float = 0.5, input_dim: int = 100, steps: int = 1000,
                               warmup: int = 1000, seed: int = 0
                               ) -> dict[str, dict[str, np.ndarray]]:
    """Driven ``lambda_max`` of tied-weight networks against the annealed ``ln(chi_1)/2``.

    Returns
    -------
    dict
        ``arch -> {"gains", "measured", "stderr", "annealed", "g_c"}`` (``g_c`` zero-state).
    """
    from .lyapunov import max_lyapunov
    from .signalprop import chi_one, signal_params
    from .theory import critical_gain

    gains = np.asarray(gains, float)
    gen = torch.Generator().manual_seed(seed + 2)
    x = torch.randn(steps + warmup, input_dim, generator=gen, dtype=torch.float64)
    out = {}
    for arch in ("rnn", "minimalrnn", "gru", "lstm"):
        net = RandomRNN(arch, n, gains.tolist(), bias_std, input_dim=input_dim,
                        input_scale=input_std, seed=seed, dtype=torch.float64)
        res = max_lyapunov(net, steps=steps, warmup=warmup, seed=seed, x=x)
        annealed = [0.5 * np.log(chi_one(signal_params(arch, g, bias_std, input_std=input_std)))
                    for g in gains]
        out[arch] = {"gains": gains, "measured": res.exponents, "stderr": res.stderr,
                     "annealed": np.array(annealed), "g_c": critical_gain(arch, bias_std)}
    return out


def isometry_examples(n: int = 300, horizons: Sequence[int] = (10, 100), *,
                      input_std: float = 0.1, seed: int = 0) -> dict[str, dict[int, np.ndarray]]:
    """Singular values of ``T``-step Jacobian products for four critical initialisations:
    tanh RNN at ``g = 1`` (Gaussian and orthogonal ``W0``), GRU at ``g_c = 2``, minimalRNN at
    ``g = 1`` with update-gate bias mean 4 (no bias spread, input ``sigma_x``)."""
    common = {"input_dim": 100, "input_scale": input_std, "seed": seed,
              "dtype": torch.float64}
    nets = {
        "tanh RNN, Gaussian, g = 1": RandomRNN("rnn", n, 1.0, 0.0, **common),
        "tanh RNN, orthogonal, g = 1": RandomRNN("rnn", n, 1.0, 0.0, orthogonal=True,
                                                 **common),
        "GRU, g = g_c = 2": RandomRNN("gru", n, 2.0, 0.0, **common),
        "minimalRNN, g = 1, mu_u = 4": RandomRNN("minimalrnn", n, 1.0, 0.0,
                                                 bias_mean={"u": 4.0}, **common),
    }
    return {name: {int(t): jacobian_product_singular_values(net, int(t), warmup=200,
                                                            seed=seed)[0]
                   for t in horizons} for name, net in nets.items()}


ISOMETRY_COLUMNS: tuple[str, ...] = ("network", "T", "mean s^2", "max s", "median s",
                                     "log10(max/min)", "s < N eps s_max")
"""Column names of :func:`isometry_rows`."""


def isometry_rows(svals: dict[str, dict[int, np.ndarray]]) -> list[list[str]]:
    """Table rows summarising :func:`isometry_examples`, printing only resolved digits.

    A median below :func:`singular_value_floor` prints as ``< floor`` and an unresolved spread
    as ``> bound`` (:func:`singular_value_spread`): such values are rounding noise whose
    digits change with the order of floating-point operations.

    Returns
    -------
    list of rows of str, columns :data:`ISOMETRY_COLUMNS`.
    """
    rows = []
    for name, by_t in svals.items():
        for t, s in by_t.items():
            med, floor = float(np.median(s)), singular_value_floor(s)
            rows.append([name, str(t), f"{np.mean(s**2):.3g}", f"{s.max():.3g}",
                         f"< {floor:.1g}" if med < floor else f"{med:.3g}",
                         spread_text(s), str(singular_value_spread(s)[1])])
    return rows


def spread_text(svals: np.ndarray) -> str:
    """``log10(max/min)`` of singular values to one decimal, ``> bound`` where float64 does
    not resolve it (:func:`singular_value_spread`)."""
    spread, below = singular_value_spread(svals)
    return f"> {spread:.1f}" if below else f"{spread:.1f}"


def predicted_timescales(archs: Sequence[str], gains: Sequence[float], bias_std: float,
                         input_std: float) -> dict[str, np.ndarray]:
    """Mean-field ``xi_1 = -1/ln chi_1`` per architecture and gain (``inf`` where
    ``chi_1 >= 1``), shape (G,) each."""
    from .signalprop import chi_one, signal_params

    def xi(chi: float) -> float:
        return -1.0 / np.log(chi) if chi < 1.0 else np.inf

    return {a: np.array([xi(chi_one(signal_params(a, float(g), bias_std, input_std=input_std)))
                         for g in gains]) for a in archs}


def forgetting_timescales(gains: Sequence[float], *, bias_std: float = 0.5,
                          input_std: float = 0.5, input_corr: float = 0.0
                          ) -> dict[str, dict[str, np.ndarray]]:
    """Both timescales of :func:`gcrit_utils.signalprop.timescales` for the four cells:
    ``xi_1`` (gradients / perturbations) and ``xi_c`` (forgetting the difference between two
    trajectories driven by inputs of correlation ``input_corr``), and ``c*``, shape (G,)."""
    from .signalprop import signal_params, timescales

    out = {}
    for arch in ("rnn", "minimalrnn", "gru", "lstm"):
        rows = [timescales(signal_params(arch, float(g), bias_std, input_std=input_std),
                           input_corr) for g in gains]
        out[arch] = {k: np.array([r[k] for r in rows], dtype=float)
                     for k in ("chi_1", "xi_1", "c_star", "chi_c", "xi_c")}
    return out
