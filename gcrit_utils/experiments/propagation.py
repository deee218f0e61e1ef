"""Signal propagation chapter: annealed mean-field maps and timescales against simulations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..cells import get_cell
from ..lyapunov import first_crossing, max_lyapunov
from ..network import RandomRNN
from ..propagation import (
    jacobian_product_singular_values,
    simulate_propagation,
    singular_value_floor,
    singular_value_spread,
)
from ..signalprop import (
    annealed_critical_gain,
    chi_one,
    length_fixed_point,
    propagation_path,
    signal_params,
    timescale_from_slope,
    timescales,
)
from ..sweep import freeze
from ..theory import critical_gain

__all__ = [
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
    "UNDRIVEN_GAINS",
    "UNDRIVEN_MEANS",
    "undriven_criteria",
    "criterion_lines",
    "isometry_examples",
    "isometry_at_chi_one",
    "isometry_rows",
    "spread_text",
    "ISOMETRY_COLUMNS",
    "predicted_timescales",
    "forgetting_timescales",
    "trainability_map_lines",
    "trainability_map_grids",
    "gains_below",
    "trainability_map_rows",
]

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

    if vary not in ("bias_std", "bias_mean"):
        raise ValueError(f"vary must be 'bias_std' or 'bias_mean', got {vary!r}")
    memory = get_cell(arch).memory_gate
    if vary == "bias_mean" and memory is None:
        raise ValueError(f"arch={arch!r} has no memory gate whose bias mean could vary")
    chi = np.empty((len(values), len(gains)))
    q = np.empty_like(chi)
    for a, v in enumerate(tqdm(values, desc=f"timescales {arch}", disable=not progress)):
        for b, g in enumerate(gains):
            if vary == "bias_std":
                p = signal_params(arch, float(g), float(v), input_std=input_std)
            else:
                p = signal_params(arch, float(g), bias_std, input_std=input_std,
                                  bias_mean={memory: float(v)})
            state = length_fixed_point(p)
            chi[a, b], q[a, b] = chi_one(p, state), state[0]
    return {"chi_1": chi, "q": q, "gains": np.asarray(gains, float),
            "values": np.asarray(values, float)}


#: Grids of the chapter (gains, bias spreads, memory-gate bias means, driven-exponent gains).
TIMESCALE_GAINS = np.round(np.linspace(0.2, 4.0, 20), 3)
TIMESCALE_STDS = np.round(np.linspace(0.0, 2.0, 9), 3)
TIMESCALE_MEANS = np.round(np.linspace(-2.0, 4.0, 9), 3)
DRIVEN_GAINS = np.round(np.linspace(0.5, 4.0, 11), 3)


#: Gains of the chapter's comparisons of paths, per cell.
PROPAGATION_GAINS: Mapping[str, tuple[float, ...]] = freeze({
    "rnn": [0.8, 1.5, 3.0], "minimalrnn": [1.0, 3.0], "gru": [1.0, 2.0, 3.0],
    "lstm": [1.0, 2.0, 3.0]})


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

    return {f"{arch} (mu on {get_cell(arch).memory_gate})": timescale_grid(
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


UNDRIVEN_GAINS = np.round(np.geomspace(0.01, 8.0, 19), 4)
"""Gains of :func:`undriven_criteria` (log-spaced: a forget-gate mean moves ``g_c`` by decades)."""
UNDRIVEN_MEANS: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0)
"""Memory-gate bias means of :func:`undriven_criteria`, up to where ``xi_1`` diverges."""


def undriven_criteria(gains: Sequence[float] = UNDRIVEN_GAINS,
                      means: Sequence[float] = UNDRIVEN_MEANS, *,
                      archs: Sequence[str] = ("gru", "lstm"), n: int = 300,
                      bias_std: float = 0.5, steps: int = 3000, warmup: int = 3000,
                      seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Two criteria against undriven networks, as the memory gate's bias mean grows.

    For each cell and bias mean ``mu`` of its memory gate (the LSTM's forget gate, the GRU's
    update gate; spread ``bias_std`` on every non-candidate gate): the zero-state ``g_c``
    of this book (:func:`~gcrit_utils.theory.critical_gain` with ``bias_mean``), the
    annealed ``chi_1 = 1`` gain of Gilboa et al.
    (:func:`~gcrit_utils.signalprop.annealed_critical_gain`), the annealed
    ``ln(chi_1) / 2`` along the gains, and the measured largest Lyapunov exponent of one
    undriven network per gain (``n`` units, float64, ``warmup`` steps discarded: a memory
    gate at ``sigma(mu)`` relaxes over ``~e^mu`` steps).

    Returns
    -------
    dict
        ``"<arch>, mu = <mu>"`` -> ``{"arch", "mu", "gains" (G,), "measured" (G,),
        "stderr" (G,), "annealed" (G,) nats/step, "g_c", "g_annealed", "g_lost"}`` where
        ``g_lost`` is the first gain at which the measured exponent exceeds twice its
        standard error above 0 (``inf`` if none).
    """
    gains = np.asarray(gains, dtype=float)
    out = {}
    for arch in archs:
        memory = get_cell(arch).memory_gate
        if memory is None:
            raise ValueError(f"arch must be a cell with a memory gate, got {arch!r}")
        for mu in means:
            mean = {memory: float(mu)}
            net = RandomRNN(arch, n, gains.tolist(), bias_std, bias_mean=mean, seed=seed,
                            dtype=torch.float64)
            res = max_lyapunov(net, steps=steps, warmup=warmup, seed=seed)
            annealed = np.array([0.5 * np.log(chi_one(signal_params(arch, g, bias_std,
                                                                    bias_mean=mean)))
                                 for g in gains])
            lost = first_crossing(gains, res.exponents - 2.0 * res.stderr)
            out[f"{arch}, mu = {mu:g}"] = {
                "arch": arch, "mu": float(mu), "gains": gains, "measured": res.exponents,
                "stderr": res.stderr, "annealed": annealed,
                "g_c": critical_gain(arch, bias_std, bias_mean=mean),
                "g_annealed": annealed_critical_gain(arch, bias_std, bias_mean=mean),
                "g_lost": lost}
    return out


def criterion_lines(archs: Sequence[str], means: Sequence[float], *, bias_std: float = 0.5
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Zero-state ``g_c`` and annealed ``chi_1 = 1`` gain against the memory gate's bias mean.

    Returns
    -------
    dict
        ``arch -> {"means" (M,), "g_c" (M,), "g_annealed" (M,)}``.
    """
    means = np.asarray(means, dtype=float)
    out = {}
    for arch in archs:
        memory = get_cell(arch).memory_gate
        out[arch] = {
            "means": means,
            "g_c": np.array([critical_gain(arch, bias_std, bias_mean={memory: m})
                             for m in means]),
            "g_annealed": np.array([annealed_critical_gain(arch, bias_std, bias_mean={memory: m})
                                    for m in means])}
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


def isometry_at_chi_one(n: int = 300, horizons: Sequence[int] = (10, 100), *,
                        bias_stds: Sequence[float] = (0.0, 0.5), warmup: int = 200,
                        seed: int = 0) -> dict[str, dict[int, np.ndarray]]:
    """Chen et al.'s test of dynamical isometry: undriven tanh RNNs on the ``chi_1 = 1`` line.

    For each bias spread ``s_b``, the gain where the annealed ``chi_1 = 1``
    (:func:`~gcrit_utils.signalprop.annealed_critical_gain`; ``g = 1`` at ``s_b = 0``), with
    Gaussian and with orthogonal ``W0``; no input. Returns singular values of the
    ``T``-step Jacobian products as :func:`isometry_examples` does (labels name ``s_b``,
    ``g`` and the weights).
    """
    out = {}
    for s_b in bias_stds:
        g = 1.0 if s_b == 0.0 else annealed_critical_gain("rnn", s_b)
        for orthogonal in (False, True):
            net = RandomRNN("rnn", n, g, s_b, orthogonal=orthogonal, seed=seed,
                            dtype=torch.float64)
            label = (f"{'orthogonal' if orthogonal else 'Gaussian'}, s_b = {s_b:g}, "
                     f"g = {g:.3g}")
            out[label] = {int(t): jacobian_product_singular_values(net, int(t), warmup=warmup,
                                                                   seed=seed)[0]
                          for t in horizons}
    return out


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

    return {a: timescale_from_slope([chi_one(signal_params(a, float(g), bias_std,
                                                            input_std=input_std))
                                     for g in gains]) for a in archs}


def forgetting_timescales(gains: Sequence[float], *, bias_std: float = 0.5,
                          input_std: float = 0.5, input_corr: float = 0.0
                          ) -> dict[str, dict[str, np.ndarray]]:
    """Both timescales of :func:`gcrit_utils.signalprop.timescales` for the four cells:
    ``xi_1`` (gradients / perturbations) and ``xi_c`` (forgetting the difference between two
    trajectories driven by inputs of correlation ``input_corr``), and ``c*``, shape (G,)."""
    out = {}
    for arch in ("rnn", "minimalrnn", "gru", "lstm"):
        rows = [timescales(signal_params(arch, float(g), bias_std, input_std=input_std),
                           input_corr) for g in gains]
        out[arch] = {k: np.array([r[k] for r in rows], dtype=float)
                     for k in ("chi_1", "xi_1", "c_star", "chi_c", "xi_c")}
    return out


def trainability_map_lines(config: Mapping[str, Any], n_gains: int = 31, n_values: int = 21
                           ) -> dict[str, dict[str, np.ndarray]]:
    """Mean-field ``chi_1`` over the region of a trainability map, finer than its grid.

    For each cell of ``config`` (a :data:`~gcrit_utils.experiments.training.TRAINABILITY_MAP`
    entry): ``chi_1`` with the map's input (``input_scale`` as ``sigma_x``) on ``n_gains``
    gains and ``n_values`` values of the cell's second axis, spanning the map's range — the
    bias spread (every gate) for a cell without a memory gate, else the memory gate's bias
    mean at spread ``bias_std``.

    Returns
    -------
    dict
        Cell -> :func:`timescale_grid` result (``chi_1`` of shape (n_values, n_gains)).
    """
    gains = np.linspace(min(config["gains"]), max(config["gains"]), n_gains)
    out = {}
    for arch in config["archs"]:
        gated = get_cell(arch).memory_gate is not None
        axis = config["memory_means"] if gated else config["rnn_bias_stds"]
        values = np.linspace(min(axis), max(axis), n_values)
        out[arch] = timescale_grid(arch, gains, values,
                                   vary="bias_mean" if gated else "bias_std",
                                   bias_std=float(config["bias_std"]),
                                   input_std=float(config["input_scale"]))
    return out


def trainability_map_grids(data: Mapping[str, np.ndarray], config: Mapping[str, Any]
                           ) -> dict[str, dict[str, np.ndarray]]:
    """Per cell of a trainability map: its loss over seeds and its mean-field timescale.

    Parameters
    ----------
    data : dict
        From :func:`~gcrit_utils.experiments.training.assemble_trainability_map`.
    config : dict
        Its configuration.

    Returns
    -------
    dict
        Per cell: ``values`` (V,), the second axis (bias spread for a cell without a memory
        gate, else the memory gate's bias mean); ``median`` (V, G), the median final loss over
        the seeds, as a fraction of chance; ``chi_1`` and ``xi_1`` (V, G) from
        :func:`timescale_grid` on the map's own grid and input (``xi_1 = inf`` where
        ``chi_1 >= 1``).
    """
    gains = np.asarray(data["gains"], dtype=float)
    grids = {}
    for arch in config["archs"]:
        gated = get_cell(arch).memory_gate is not None
        values = np.asarray(data[f"axis_{arch}"], dtype=float)
        chi = timescale_grid(arch, gains, values, vary="bias_mean" if gated else "bias_std",
                             bias_std=float(config["bias_std"]),
                             input_std=float(config["input_scale"]))["chi_1"]
        grids[arch] = {"values": values, "chi_1": chi, "xi_1": timescale_from_slope(chi),
                       "median": np.median(np.asarray(data[f"final_{arch}"], dtype=float),
                                           axis=-1)}
    return grids


def gains_below(median: np.ndarray, gains: Sequence[float], level: float
                ) -> list[tuple[float, ...]]:
    """Per row of ``median`` (V, G): the gains whose loss is below ``level``."""
    median = np.asarray(median, dtype=float)
    if median.ndim != 2 or median.shape[1] != len(gains):
        raise ValueError(f"median must have shape (V, {len(gains)}), got {median.shape}")
    return [tuple(float(g) for g, f in zip(gains, row, strict=True) if f < level)
            for row in median]


def trainability_map_rows(data: Mapping[str, np.ndarray], config: Mapping[str, Any],
                          trained: float = 0.5,
                          grids: Mapping[str, Mapping[str, np.ndarray]] | None = None
                          ) -> list[dict[str, Any]]:
    """Per cell and value of its second axis: which gains of a trainability map train.

    Parameters
    ----------
    data : dict
        From :func:`~gcrit_utils.experiments.training.assemble_trainability_map`.
    config : dict
        Its configuration.
    trained : float
        A grid point counts as trained when its median final loss over seeds is below this
        fraction of chance.
    grids : dict, optional
        :func:`trainability_map_grids` of the same map (computed when not given).

    Returns
    -------
    list of dict
        ``arch``, ``value`` (bias spread or memory-gate mean), ``trained_gains`` (list),
        ``best_gain``, ``best_loss`` (median over seeds), ``chi_1`` at the best gain and
        ``chi_one_gain`` (smallest grid gain with ``chi_1 >= 1``, ``nan`` if none), with
        ``chi_1`` from :func:`timescale_grid` on the map's own grid and input.
    """
    gains = np.asarray(data["gains"], dtype=float)
    grids = trainability_map_grids(data, config) if grids is None else grids
    rows = []
    for arch in config["archs"]:
        chi, median = grids[arch]["chi_1"], grids[arch]["median"]
        trained_gains = gains_below(median, gains, trained)
        for v, value in enumerate(grids[arch]["values"]):
            best = int(np.argmin(median[v]))
            above = np.nonzero(chi[v] >= 1.0)[0]
            rows.append({"arch": arch, "value": float(value),
                         "trained_gains": list(trained_gains[v]),
                         "best_gain": float(gains[best]), "best_loss": float(median[v, best]),
                         "chi_1": float(chi[v, best]),
                         "chi_one_gain": float(gains[above[0]]) if above.size else float("nan")})
    return rows
