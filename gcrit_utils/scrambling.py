"""Scalar feedback maps from random one-hidden-layer networks: period 3 and Li-Yorke chaos.

The model of the scrambling chapter (after Chatziafratis et al., NeurIPS 2022): a network with
one input, ``k`` hidden ReLU (or tanh) units and one output, fed back into itself,

    f(x) = sum_i a_i * act(w_i * x + b_i),        x_{t+1} = f(x_t),

with weights from He (``Var w = 2 / fan_in``) or Xavier (``Var = 2 / (fan_in + fan_out)``)
initialisation and Gaussian biases. A point of period 3 implies Li-Yorke chaos (Li and Yorke
1975): an uncountable scrambled set of orbit pairs that come arbitrarily close and separate
again. Many networks are evaluated at once: parameters have shape (M, k) for M networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_int, check_nonnegative, check_positive
from .intervals import clopper_pearson_interval, wilson_interval

__all__ = [
    "ScalarNetworks",
    "random_scalar_networks",
    "period3_points",
    "has_period3",
    "li_yorke_witness",
    "wilson_interval",
    "clopper_pearson_interval",
    "period3_vs_gain",
    "output_moments",
    "output_variance",
    "orbit",
    "orbit_lyapunov",
    "bifurcation_points",
    "period3_probability",
    "pair_distance",
    "classify_orbits",
    "PERIOD3_WIDTHS",
    "PERIOD3_SETTINGS",
    "period3_survey",
    "example_chaotic_network",
    "width_independence_test",
    "width_trend_power",
    "detectable_width_trend",
    "perturbed",
    "period3_robustness",
]

INITS = ("he", "xavier")
ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class ScalarNetworks:
    """``M`` scalar maps ``f_m(x) = gain * sum_i a_mi act(w_mi x + b_mi)``.

    Attributes
    ----------
    w, b, a : ndarray, shape (M, k)
        Input weights, hidden biases, output weights (float64).
    activation : {"relu", "tanh"}
    gain : float
        Overall factor on the output weights (1 = the initialisation itself).
    """

    w: np.ndarray
    b: np.ndarray
    a: np.ndarray
    activation: str = "relu"
    gain: float = 1.0

    @property
    def count(self) -> int:
        """Number of networks ``M``."""
        return int(self.w.shape[0])

    @property
    def width(self) -> int:
        """Hidden units ``k``."""
        return int(self.w.shape[1])

    def with_gain(self, gain: float) -> ScalarNetworks:
        """The same networks with output weights scaled by ``gain`` (> 0)."""
        return ScalarNetworks(self.w, self.b, self.a, self.activation,
                              check_positive("gain", gain))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``f_m(x_mj)`` for points ``x`` of shape (M, X) (or (X,), shared); returns (M, X).

        ReLU maps are evaluated exactly as piecewise-linear functions (sorted kinks, slope
        and intercept per piece, binary search): O(X log k) per network instead of O(X k).
        """
        xs = np.broadcast_to(np.asarray(x, dtype=np.float64), (self.count, np.shape(x)[-1]))
        if self.activation == "relu":
            kinks, slopes, intercepts = self._pieces()
            out = np.empty(xs.shape)
            with np.errstate(over="ignore", invalid="ignore"):  # escaping orbits reach inf
                for m in range(self.count):
                    j = np.searchsorted(kinks[m], xs[m])
                    out[m] = slopes[m, j] * xs[m] + intercepts[m, j]
                return self.gain * out
        out = np.empty(xs.shape)
        chunk = max(1, 2**24 // max(1, xs.shape[1] * self.width))
        for lo in range(0, self.count, chunk):
            sl = slice(lo, lo + chunk)
            pre = xs[sl, :, None] * self.w[sl, None, :] + self.b[sl, None, :]
            out[sl] = np.einsum("mxk,mk->mx", np.tanh(pre), self.a[sl])
        return self.gain * out

    def _pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kinks (M, k) sorted, and slope/intercept (M, k + 1) of each linear piece (ReLU)."""
        cached = self.__dict__.get("_pieces_cache")
        if cached is not None:
            return cached
        with np.errstate(divide="ignore"):
            kinks = np.where(self.w != 0, -self.b / self.w, np.inf)
        order = np.argsort(kinks, axis=1)
        w, b, a = (np.take_along_axis(v, order, axis=1) for v in (self.w, self.b, self.a))
        # left of every kink the units with w < 0 are on; crossing a kink left to right turns
        # a w > 0 unit on and a w < 0 unit off
        slope0 = np.sum(np.where(w < 0, a * w, 0.0), axis=1, keepdims=True)
        inter0 = np.sum(np.where(w < 0, a * b, 0.0), axis=1, keepdims=True)
        sign = np.sign(w)
        slopes = np.concatenate([slope0, slope0 + np.cumsum(sign * a * w, axis=1)], axis=1)
        inter = np.concatenate([inter0, inter0 + np.cumsum(sign * a * b, axis=1)], axis=1)
        result = (np.take_along_axis(kinks, order, axis=1), slopes, inter)
        object.__setattr__(self, "_pieces_cache", result)
        return result

    def iterate(self, x: np.ndarray, n: int) -> np.ndarray:
        """``f^n(x)`` for points of shape (M, X) or (X,)."""
        y = np.broadcast_to(np.asarray(x, dtype=np.float64), (self.count, np.shape(x)[-1]))
        for _ in range(check_int("n", n, 0)):
            y = self(y)
        return y

    def breakpoint_radius(self) -> np.ndarray:
        """Per network, the largest ``|b_i / w_i|``: beyond it every unit is linear (ReLU)."""
        return np.max(np.abs(self.b / self.w), axis=1)


def random_scalar_networks(count: int, width: int, init: str = "he", bias_std: float = 1.0,
                           activation: str = "relu", seed: int = 0) -> ScalarNetworks:
    """``count`` random networks of ``width`` hidden units.

    Parameters
    ----------
    count : int
        Number of networks ``M``.
    width : int
        Hidden units ``k >= 1``.
    init : {"he", "xavier"}
        He: ``w ~ N(0, 2)`` (fan-in 1), ``a ~ N(0, 2 / k)``; Xavier: ``w ~ N(0, 2 / (1 + k))``,
        ``a ~ N(0, 2 / (k + 1))``.
    bias_std : float
        Hidden biases ``b ~ N(0, bias_std^2)`` (with zero biases a ReLU map is linear on each
        half-line and cannot have period 3).
    activation : {"relu", "tanh"}
    seed : int

    Returns
    -------
    ScalarNetworks
    """
    count = check_int("count", count, 1)
    width = check_int("width", width, 1)
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    bias_std = check_nonnegative("bias_std", bias_std)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    var_w = 2.0 if init == "he" else 2.0 / (1 + width)
    var_a = 2.0 / width if init == "he" else 2.0 / (width + 1)
    w = rng.standard_normal((count, width)) * np.sqrt(var_w)
    b = rng.standard_normal((count, width)) * bias_std
    a = rng.standard_normal((count, width)) * np.sqrt(var_a)
    return ScalarNetworks(w, b, a, activation)


def _search_grid(nets: ScalarNetworks, points: int, margin: float) -> np.ndarray:
    """Per-network sorted grids (M, X): a coarse one over ``[-R, R]`` with ``R = margin *
    (max |kink| + 1)`` and a fine one (three quarters of the points) over ``[-r, r]`` with
    ``r = margin * (median |kink| + 1)``, where most kinks (``-b_i / w_i``) lie. Kinks are
    ratios of Gaussians (Cauchy-like): their maximum grows with the width, and a uniform grid
    up to it alone would get too coarse to resolve the dynamics of wide networks."""
    radii = np.abs(nets.b / nets.w)
    big = margin * (radii.max(axis=1) + 1.0)
    small = margin * (np.median(radii, axis=1) + 1.0)
    fine = 3 * points // 4
    unit_c = np.linspace(-1.0, 1.0, points - fine)
    unit_f = np.linspace(-1.0, 1.0, fine)
    grid = np.concatenate([unit_c[None, :] * big[:, None], unit_f[None, :] * small[:, None]],
                          axis=1)
    return np.sort(grid, axis=1)


def period3_points(nets: ScalarNetworks, points: int = 8001, margin: float = 3.0,
                   fixed_tol: float = 1e-6, refine: int = 60) -> list[np.ndarray]:
    """Points of least period 3 of every network, found on a grid and refined by bisection.

    Roots of ``g(x) = f^3(x) - x`` are bracketed by sign changes on a grid (coarse up to
    ``margin`` times the farthest kink, fine around the bulk of the kinks), bisected ``refine``
    times, and kept
    if they are not fixed points (``|f(x) - x| > fixed_tol * (1 + |x|)``). A grid can miss two
    roots closer than its spacing, so a ``False`` is "none found", not a proof of absence.

    Returns
    -------
    list of ndarray
        One array of period-3 points per network (possibly empty).
    """
    points = check_int("points", points, 3)
    margin = check_positive("margin", margin)
    x = _search_grid(nets, points, margin)
    g = nets.iterate(x, 3) - x
    m_idx, j_idx = np.nonzero(np.sign(g[:, :-1]) * np.sign(g[:, 1:]) < 0)
    lo, hi = x[m_idx, j_idx], x[m_idx, j_idx + 1]
    g_lo = g[m_idx, j_idx]
    sub = ScalarNetworks(nets.w[m_idx], nets.b[m_idx], nets.a[m_idx], nets.activation,
                         nets.gain)
    for _ in range(check_int("refine", refine, 1)):
        mid = 0.5 * (lo + hi)
        g_mid = sub.iterate(mid[:, None], 3)[:, 0] - mid
        left = np.sign(g_mid) == np.sign(g_lo)
        lo = np.where(left, mid, lo)
        g_lo = np.where(left, g_mid, g_lo)
        hi = np.where(left, hi, mid)
    root = 0.5 * (lo + hi)
    moved = np.abs(sub(root[:, None])[:, 0] - root) > fixed_tol * (1.0 + np.abs(root))
    return [root[(m_idx == m) & moved] for m in range(nets.count)]


def has_period3(nets: ScalarNetworks, **kwargs: float) -> np.ndarray:
    """Whether a period-3 point was found, per network (shape (M,), bool)."""
    return np.array([p.size > 0 for p in period3_points(nets, **kwargs)])


def li_yorke_witness(nets: ScalarNetworks, points: int = 8001, margin: float = 3.0
                     ) -> np.ndarray:
    """Whether some grid point satisfies the Li-Yorke condition, per network.

    Li and Yorke (1975): if ``f^3(x) <= x < f(x) < f^2(x)`` (or the mirror image
    ``f^3(x) >= x > f(x) > f^2(x)``) for some ``x``, then ``f`` has points of every period and
    a scrambled set. A sufficient condition, checked without root finding.
    """
    x = _search_grid(nets, check_int("points", points, 3), check_positive("margin", margin))
    f1 = nets(x)
    f2 = nets(f1)
    f3 = nets(f2)
    up = (f3 <= x) & (x < f1) & (f1 < f2)
    down = (f3 >= x) & (x > f1) & (f1 > f2)
    return np.any(up | down, axis=1)


def orbit(nets: ScalarNetworks, x0: np.ndarray, steps: int) -> np.ndarray:
    """Orbits ``x_0 .. x_steps`` of every network from ``x0`` (shape (M,)); returns (steps+1, M)."""
    x = np.asarray(x0, dtype=np.float64).reshape(nets.count, 1)
    out = np.empty((check_int("steps", steps, 0) + 1, nets.count))
    out[0] = x[:, 0]
    for t in range(1, steps + 1):
        x = nets(x)
        out[t] = x[:, 0]
    return out


def orbit_lyapunov(nets: ScalarNetworks, x0: np.ndarray, steps: int = 2000,
                   warmup: int = 500, eps: float = 1e-7) -> np.ndarray:
    """Lyapunov exponent ``mean log |f'(x_t)|`` along the orbit of ``x0``, per network.

    ``f'`` by a central difference of width ``eps`` (exact for ReLU away from kinks).
    Orbits that leave every bounded set give ``+inf`` or large values; an orbit that lands
    on a flat piece (``f' = 0``) gives ``-inf``.
    """
    traj = orbit(nets, x0, check_int("warmup", warmup, 0) + check_int("steps", steps, 1))
    xs = traj[warmup:-1].T  # (M, steps)
    eps = check_positive("eps", eps)
    slope = (nets(xs + eps) - nets(xs - eps)) / (2 * eps)
    with np.errstate(divide="ignore"):
        return np.mean(np.log(np.abs(slope)), axis=1)


def bifurcation_points(nets: ScalarNetworks, gains: np.ndarray, x0: float = 0.1,
                       warmup: int = 500, keep: int = 100) -> np.ndarray:
    """Attractor samples of network 0 for every output gain: shape (G, keep)."""
    out = np.empty((len(gains), check_int("keep", keep, 1)))
    single = ScalarNetworks(nets.w[:1], nets.b[:1], nets.a[:1], nets.activation)
    for i, g in enumerate(gains):
        traj = orbit(single.with_gain(float(g)), np.array([x0]), warmup + keep)
        out[i] = traj[warmup + 1 :, 0]
    return out


def period3_probability(widths: list[int], count: int = 1000, init: str = "he",
                        gain: float = 1.0, bias_std: float = 1.0, seed: int = 0
                        ) -> dict[str, np.ndarray]:
    """Fraction of random networks with a period-3 point, per width, with 95% Wilson bounds.

    A network counts if a period-3 point is found by :func:`period3_points` or the Li-Yorke
    condition holds on the grid (:func:`li_yorke_witness`); both prove period 3.

    Returns
    -------
    dict of ndarray
        ``widths``, ``found`` (counts), ``probability``, ``low``, ``high`` (shape (W,)),
        ``li_yorke`` (counts of the witness alone), ``count``.
    """
    found, witness = [], []
    for i, width in enumerate(widths):
        nets = random_scalar_networks(count, width, init, bias_std,
                                      seed=seed + 7919 * i).with_gain(gain)
        ly = li_yorke_witness(nets)
        found.append(int(np.sum(has_period3(nets) | ly)))
        witness.append(int(np.sum(ly)))
    bounds = np.array([wilson_interval(k, count) for k in found])
    return {"widths": np.asarray(widths), "found": np.asarray(found),
            "probability": np.asarray(found) / count, "low": bounds[:, 0],
            "high": bounds[:, 1], "li_yorke": np.asarray(witness), "count": np.asarray(count)}


def pair_distance(nets: ScalarNetworks, x: float, y: float, steps: int) -> np.ndarray:
    """``|f^n(x) - f^n(y)|`` for ``n = 0 .. steps`` under network 0, shape (steps + 1,)."""
    single = ScalarNetworks(nets.w[:1], nets.b[:1], nets.a[:1], nets.activation, nets.gain)
    both = ScalarNetworks(np.repeat(single.w, 2, 0), np.repeat(single.b, 2, 0),
                          np.repeat(single.a, 2, 0), nets.activation, nets.gain)
    traj = orbit(both, np.array([x, y]), steps)
    return np.abs(traj[:, 0] - traj[:, 1])


def classify_orbits(nets: ScalarNetworks, x0: float = 0.1, steps: int = 2000,
                    warmup: int = 500, escape: float = 1e6, level: float = 0.01
                    ) -> dict[str, np.ndarray]:
    """What the orbit of ``x0`` does, per network: escapes, or settles on an attractor with
    Lyapunov exponent above ``level`` (chaotic), below ``-level`` (periodic) or in between.

    Returns
    -------
    dict of ndarray, shape (M,)
        ``exponent`` (``nan`` if escaped), and boolean ``escaped``, ``chaotic``, ``periodic``,
        ``marginal``.
    """
    traj = orbit(nets, np.full(nets.count, float(x0)), warmup + steps)
    escaped = ~np.all(np.abs(traj) < escape, axis=0)
    exponent = np.full(nets.count, np.nan)
    keep = ~escaped
    if keep.any():
        sub = ScalarNetworks(nets.w[keep], nets.b[keep], nets.a[keep], nets.activation,
                             nets.gain)
        exponent[keep] = orbit_lyapunov(sub, np.full(int(keep.sum()), float(x0)), steps,
                                        warmup)
    with np.errstate(invalid="ignore"):
        chaotic = keep & (exponent > level)
        periodic = keep & (exponent < -level)
    return {"exponent": exponent, "escaped": escaped, "chaotic": chaotic,
            "periodic": periodic, "marginal": keep & ~chaotic & ~periodic}


#: Widths and (init, output gain) settings of the chapter's survey.
PERIOD3_WIDTHS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
PERIOD3_SETTINGS: dict[str, tuple[str, float]] = {
    "He, $\\gamma=1$": ("he", 1.0), "He, $\\gamma=2$": ("he", 2.0),
    "He, $\\gamma=4$": ("he", 4.0), "Xavier, $\\gamma=1$": ("xavier", 1.0),
    "Xavier, $\\gamma=2$": ("xavier", 2.0)}


def period3_survey(count: int = 1000, seed: int = 2022) -> dict[str, dict[str, np.ndarray]]:
    """:func:`period3_probability` for every setting of ``PERIOD3_SETTINGS``."""
    return {label: period3_probability(list(PERIOD3_WIDTHS), count, init, gain, seed=seed)
            for label, (init, gain) in PERIOD3_SETTINGS.items()}


def example_chaotic_network(width: int = 16, gain: float = 2.0, count: int = 200,
                            seed: int = 11) -> ScalarNetworks:
    """The first of ``count`` He networks with a period-3 point and a chaotic orbit from 0.1.

    Raises
    ------
    ValueError
        If none of the ``count`` networks qualifies.
    """
    pool = random_scalar_networks(count, width, "he", 1.0, seed=seed).with_gain(gain)
    good = np.flatnonzero(has_period3(pool) & classify_orbits(pool)["chaotic"])
    if good.size == 0:
        raise ValueError(f"none of {count} networks has period 3 and a chaotic orbit; "
                         "increase count or gain")
    i = int(good[0])
    return ScalarNetworks(pool.w[i : i + 1], pool.b[i : i + 1], pool.a[i : i + 1],
                          gain=gain)


def _homogeneity_statistic(counts: np.ndarray, n: int) -> np.ndarray:
    """Pearson's chi-square of event counts, shape (..., W), of ``n`` networks per width
    against their own pooled probability (0 where no width or every width has events only)."""
    pooled = counts.sum(axis=-1, keepdims=True) / (n * counts.shape[-1])
    expected = pooled * n
    spread = expected * (1 - pooled)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.sum((counts - expected) ** 2, axis=-1) / spread[..., 0]
    return np.where(spread[..., 0] > 0, stat, 0.0)


def width_independence_test(result: dict[str, np.ndarray], min_width: int = 16,
                            draws: int = 100_000, seed: int = 0) -> dict[str, float]:
    """Test that P(period 3) is the same at every width ``>= min_width``.

    The statistic is Pearson's chi-square of the counts against the pooled probability. Its
    p-value is computed exactly given the total number of events (every width has the same
    number of networks, so under the hypothesis the events fall on the widths uniformly): by
    ``draws`` multinomial draws. The asymptotic chi-square p-value is returned beside it; it
    is unreliable when the expected count per width is small (below about 5).

    Parameters
    ----------
    result : dict
        From :func:`period3_probability` (``widths``, ``found``, ``count``).
    min_width : int
        Smallest width included.
    draws : int
        Monte Carlo draws of the conditional distribution (>= 1000).
    seed : int
        Seed of those draws.

    Returns
    -------
    dict
        ``pooled`` probability, ``events`` (total), ``expected`` (events per width under the
        hypothesis), ``chi2`` statistic, ``dof`` (widths - 1), ``p_value`` (conditional,
        Monte Carlo) and ``p_value_asymptotic``; the p-values are ``nan`` if the pooled
        probability is 0 or 1 (nothing varies, nothing to test).
    """
    from scipy.stats import chi2 as chi2_dist

    sel = np.asarray(result["widths"]) >= check_int("min_width", min_width, 1)
    found = np.asarray(result["found"])[sel]
    n = int(result["count"])
    dof = int(sel.sum()) - 1
    if dof < 1:
        raise ValueError(f"need at least two widths >= min_width={min_width}")
    draws = check_int("draws", draws, 1000)
    events = int(found.sum())
    pooled = events / (n * sel.sum())
    out = {"pooled": float(pooled), "events": float(events), "expected": float(pooled * n),
           "chi2": 0.0, "dof": dof, "p_value": float("nan"),
           "p_value_asymptotic": float("nan")}
    if not 0 < pooled < 1:
        return out

    stat = float(_homogeneity_statistic(found, n))
    rng = np.random.default_rng(check_int("seed", seed, 0))
    simulated = _homogeneity_statistic(
        rng.multinomial(events, np.full(found.size, 1 / found.size), draws), n)
    out.update(chi2=stat, p_value=float((np.sum(simulated >= stat - 1e-12) + 1) / (draws + 1)),
               p_value_asymptotic=float(chi2_dist.sf(stat, dof)))
    return out


def width_trend_power(pooled: float, count: int, n_widths: int, trends: np.ndarray,
                      level: float = 0.05, draws: int = 20_000, seed: int = 0) -> np.ndarray:
    """Power of :func:`width_independence_test` against a trend of P(period 3) with the width.

    The alternative: the probability at the ``j``-th of ``n_widths`` widths is
    ``pooled * (1 + trend * t_j)``, with ``t_j`` evenly spaced from -1 (narrowest) to +1
    (widest) — a drift linear in log width for widths that are powers of two. Counts are drawn
    binomially with ``count`` networks per width; the test rejects when the statistic exceeds
    its ``1 - level`` quantile under no trend (from as many draws), so the power at
    ``trend = 0`` is ``level`` up to Monte Carlo error.

    Parameters
    ----------
    pooled : float
        Probability in the middle of the trend, in (0, 1).
    count : int
        Networks per width (>= 1).
    n_widths : int
        Widths in the test (>= 2).
    trends : array_like, shape (T,)
        Relative half-ranges of the trend, each in [0, 1) and with ``pooled * (1 + trend) < 1``.
    level : float
        Significance level of the test, in (0, 1).
    draws : int
        Simulated surveys per trend (>= 1000).
    seed : int
        Seed of the draws.

    Returns
    -------
    ndarray, shape (T,)
        Probability that the test rejects, per trend.
    """
    if not 0 < pooled < 1:
        raise ValueError(f"pooled must be in (0, 1), got {pooled}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    count = check_int("count", count, 1)
    n_widths = check_int("n_widths", n_widths, 2)
    draws = check_int("draws", draws, 1000)
    trends = np.atleast_1d(np.asarray(trends, dtype=np.float64))
    if np.any(trends < 0) or np.any(trends >= 1) or np.any(pooled * (1 + trends) >= 1):
        raise ValueError(f"trends must lie in [0, 1) with pooled * (1 + trend) < 1, got {trends}")
    rng = np.random.default_rng(check_int("seed", seed, 0))
    position = np.linspace(-1.0, 1.0, n_widths)
    null = _homogeneity_statistic(rng.binomial(count, pooled, (draws, n_widths)), count)
    critical = np.quantile(null, 1 - level)
    power = np.empty(trends.size)
    for i, trend in enumerate(trends):
        counts = rng.binomial(count, pooled * (1 + trend * position), (draws, n_widths))
        power[i] = np.mean(_homogeneity_statistic(counts, count) > critical)
    return power


def detectable_width_trend(pooled: float, count: int, n_widths: int, power: float = 0.8,
                           level: float = 0.05, draws: int = 20_000, seed: int = 0,
                           resolution: float = 0.01) -> float:
    """Smallest trend (as in :func:`width_trend_power`) detected with probability ``power``.

    Scans the trend in steps of ``resolution`` up to the largest the probability allows;
    returns ``nan`` if even that is detected less often than ``power``.

    Parameters
    ----------
    pooled, count, n_widths, level, draws, seed
        As for :func:`width_trend_power`.
    power : float
        Required probability of rejection, in (level, 1).
    resolution : float
        Step of the scan, in (0, 0.5].

    Returns
    -------
    float
        Relative half-range of the smallest detectable trend (0.2: from 20% below the pooled
        probability at the narrowest width to 20% above it at the widest).
    """
    if not level < power < 1:
        raise ValueError(f"power must be in (level, 1) = ({level}, 1), got {power}")
    if not 0 < resolution <= 0.5:
        raise ValueError(f"resolution must be in (0, 0.5], got {resolution}")
    top = min(1.0, 1.0 / pooled - 1.0) if 0 < pooled < 1 else 1.0
    trends = np.arange(resolution, top, resolution)
    powers = width_trend_power(pooled, count, n_widths, trends, level, draws, seed)
    hit = np.nonzero(powers >= power)[0]
    return float(trends[hit[0]]) if hit.size else float("nan")


def period3_vs_gain(gains: np.ndarray, width: int, count: int = 1000, init: str = "he",
                    bias_std: float = 1.0, seed: int = 0, level: float = 0.95
                    ) -> dict[str, np.ndarray]:
    """Fraction of random networks with a period-3 point against the output gain.

    The same ``count`` networks are rescaled to every gain (common random numbers), so the
    curve is smooth in the gain and its points are not independent.

    Parameters
    ----------
    gains : array_like, shape (G,)
        Output gains ``gamma`` (> 0).
    width, count, init, bias_std, seed
        The networks (:func:`random_scalar_networks`).
    level : float
        Coverage of the Clopper-Pearson intervals.

    Returns
    -------
    dict of ndarray
        ``gains`` (G,), ``found`` (G,) counts, ``probability``, ``low``, ``high`` (G,),
        ``width``, ``count``.
    """
    gains = np.asarray(gains, dtype=float)
    if gains.ndim != 1 or gains.size == 0 or np.any(gains <= 0):
        raise ValueError("gains must be a non-empty 1-d array of positive numbers")
    base = random_scalar_networks(count, width, init, bias_std, seed=seed)
    found = np.array([int(np.sum(has_period3(base.with_gain(float(g)))
                                 | li_yorke_witness(base.with_gain(float(g)))))
                      for g in gains])
    bounds = np.array([clopper_pearson_interval(int(k), count, level) for k in found])
    return {"gains": gains, "found": found, "probability": found / count, "low": bounds[:, 0],
            "high": bounds[:, 1], "width": np.asarray(width), "count": np.asarray(count)}


def output_variance(x: np.ndarray, width: int, init: str = "he", bias_std: float = 1.0,
                    gain: float = 1.0) -> np.ndarray:
    """Variance of ``f(x)`` over random ReLU networks, in closed form.

    ``f(x) = gain * sum_i a_i relu(w_i x + b_i)`` is a sum of ``k`` independent terms with
    ``w_i x + b_i ~ N(0, v)``, ``v = Var(w) x^2 + bias_std^2``, and ``E[relu(z)^2] = v / 2``:
    ``Var f(x) = gain^2 k Var(a) v / 2``. For He (``Var w = 2``, ``Var a = 2 / k``) this is
    ``gain^2 (2 x^2 + bias_std^2)`` whatever the width; for Xavier the ``x``-dependence fades
    as ``1 / k``.
    """
    width = check_int("width", width, 1)
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    var_w = 2.0 if init == "he" else 2.0 / (1 + width)
    var_a = 2.0 / width if init == "he" else 2.0 / (width + 1)
    v = var_w * np.asarray(x, dtype=float) ** 2 + check_nonnegative("bias_std", bias_std) ** 2
    return gain**2 * width * var_a * v / 2


def output_moments(x: np.ndarray, width: int, count: int = 20_000, init: str = "he",
                   bias_std: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Measured variance and excess kurtosis of ``f(x)`` over ``count`` random networks.

    As ``k`` grows, ``f`` tends to a Gaussian process whose covariance does not depend on
    ``k`` (He): the variance matches :func:`output_variance` at every width, and the excess
    kurtosis, which measures the distance from that Gaussian limit, falls like ``1 / k``.

    Returns
    -------
    dict of ndarray
        ``x`` (P,), ``variance`` (P,), ``kurtosis`` (P,) (excess; 0 for a Gaussian).
    """
    x = np.asarray(x, dtype=float)
    nets = random_scalar_networks(count, width, init, bias_std, seed=seed)
    values = nets(x)  # (M, P)
    centred = values - values.mean(axis=0)
    var = (centred**2).mean(axis=0)
    kurt = (centred**4).mean(axis=0) / var**2 - 3
    return {"x": x, "variance": var, "kurtosis": kurt}


def perturbed(nets: ScalarNetworks, relative: float, seed: int = 0) -> ScalarNetworks:
    """The same networks with every parameter moved by a relative Gaussian perturbation.

    Each of ``w``, ``b`` and ``a`` becomes ``p + relative * rms(p) * z`` with ``z ~ N(0, 1)``
    independent per entry and ``rms(p)`` the root mean square of that parameter in its
    network, so ``relative`` is the perturbation's size in units of the weights' own scale.
    """
    relative = check_nonnegative("relative", relative)
    rng = np.random.default_rng(check_int("seed", seed, 0))

    def move(p: np.ndarray) -> np.ndarray:
        rms = np.sqrt(np.mean(p**2, axis=1, keepdims=True))
        return p + relative * rms * rng.standard_normal(p.shape)

    return ScalarNetworks(move(nets.w), move(nets.b), move(nets.a), nets.activation, nets.gain)


def period3_robustness(nets: ScalarNetworks, sizes: np.ndarray, draws: int = 5,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """How often period 3 survives a random perturbation of the weights.

    For the networks in ``nets`` that have a period-3 point, each is perturbed ``draws``
    times at every relative size (:func:`perturbed`) and re-tested with :func:`has_period3`.

    Parameters
    ----------
    nets : ScalarNetworks
        ``M`` networks; only those with a period-3 point are used.
    sizes : ndarray, shape (S,)
        Relative perturbation sizes (>= 0).
    draws : int
        Perturbations per network and size.
    seed : int

    Returns
    -------
    dict
        ``sizes`` (S,), ``kept`` (S,) the fraction of perturbed copies that still have a
        period-3 point, ``low``/``high`` (S,) its 95% Clopper-Pearson interval (treating the
        copies as independent; copies of one network are not, so the interval is a lower
        bound on the uncertainty), ``networks`` the number of networks with period 3.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.ndim != 1 or np.any(sizes < 0):
        raise ValueError("sizes must be a 1-d array of relative sizes >= 0")
    draws = check_int("draws", draws, 1)
    base = has_period3(nets)
    if not base.any():
        raise ValueError("none of the networks has a period-3 point")
    chosen = ScalarNetworks(nets.w[base], nets.b[base], nets.a[base], nets.activation, nets.gain)
    stacked = ScalarNetworks(np.tile(chosen.w, (draws, 1)), np.tile(chosen.b, (draws, 1)),
                             np.tile(chosen.a, (draws, 1)), chosen.activation, chosen.gain)
    kept, low, high = (np.empty(sizes.size) for _ in range(3))
    for j, size in enumerate(sizes):
        hits = has_period3(perturbed(stacked, float(size), seed=seed + j))
        kept[j] = hits.mean()
        low[j], high[j] = clopper_pearson_interval(int(hits.sum()), hits.size)
    return {"sizes": sizes, "kept": kept, "low": low, "high": high,
            "networks": np.array(int(base.sum()))}
