"""Checks that keep the stored forecasting maps honest: a slice recomputed live against the
store, with tolerances set by the rounding noise the check measures itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from ..sweep import Sweep
from .forecasting import forecast_task, forecast_tasks, one_step_task

__all__ = [
    "REORDERED_CHUNK",
    "recompute_slice",
    "SLICE_TOLERANCES",
    "rounding_noise",
    "slice_mismatches",
]

#: Chunk size of the reordered recomputation in :func:`recompute_slice` (the sweep uses 256):
#: the same float64 sums in another order.
REORDERED_CHUNK = 200


def recompute_slice(data: Mapping[str, np.ndarray], sweep: Sweep, arch: str, bias_std: float,
                    ratios: Sequence[float]) -> dict[str, np.ndarray]:
    """Recompute one slice of a stored map live: its first seed at a few of its gains.

    The chapters call this to prove that stored numbers still come from the current code.

    Parameters
    ----------
    data : mapping of ndarray
        A map made by ``sweep`` (:meth:`Sweep.load`), or its groups from
        :func:`~gcrit_utils.experiments.forecasting.finished_forecast_groups`.
    sweep : Sweep
        The map's definition (:func:`~gcrit_utils.experiments.forecasting.sweep_forecast`).
    arch, bias_std : str, float
        The group (must be in ``data``).
    ratios : sequence of float, shape (G,)
        Gains ``g / g_ref`` to recompute, each one of the map's ratios.

    Returns
    -------
    dict of ndarray
        ``live_one_step`` and ``stored_one_step`` (R, G) one-step NRMSE per readout;
        ``reordered_one_step`` (R, G) the live one-step NRMSE once more, with the float64
        sums in another order (:data:`REORDERED_CHUNK`): its distance from ``live_one_step``
        is this machine's rounding noise, which :func:`slice_mismatches` scales into its
        tolerance; ``live_vpt`` and ``stored_vpt`` (R, G) window-mean VPT [Lyapunov times];
        ``live_driven`` and ``stored_driven`` (G,) driven largest exponent [nats/step].

    Raises
    ------
    ValueError
        If a ratio, the group or the seeds are not those of ``sweep``'s map.
    """
    config = sweep.config
    grid = [float(r) for r in config["ratios"]]
    unknown = [r for r in ratios if float(r) not in grid]
    if unknown:
        raise ValueError(f"ratios must be among the map's ratios, got {unknown}")
    archs, bias_stds = list(data["archs"]), [float(b) for b in data["bias_stds"]]
    if arch not in archs or float(bias_std) not in bias_stds or arch not in config["archs"]:
        raise ValueError(f"(arch, bias_std) must be in the map: archs {archs}, bias_stds "
                         f"{bias_stds}; got {(arch, bias_std)}")
    if [int(k) for k in data["seeds"]] != list(config["seeds"]):
        raise ValueError(f"the map's seeds {list(data['seeds'])} are not those of "
                         f"{sweep.name}: {list(config['seeds'])}")
    idx = [grid.index(float(r)) for r in ratios]
    a, s = archs.index(arch), bias_stds.index(float(bias_std))
    one = {**sweep.params, "archs": [arch], "bias_stds": [float(bias_std)],
           "seeds": [config["seeds"][0]], "ratios": [grid[i] for i in idx]}
    (task,) = forecast_tasks(one)
    live = forecast_task(task)
    return {"live_one_step": live["one_step_nrmse"],
            "stored_one_step": data["one_step_nrmse"][a, s, 0][:, idx],
            "reordered_one_step": one_step_task(task, chunk=REORDERED_CHUNK),
            "live_vpt": live["vpt"].mean(axis=-1),
            "stored_vpt": data["vpt_mean"][a, s, 0][:, idx],
            "live_driven": live["lyap_driven"],
            "stored_driven": data["lyap_driven"][a, s, 0][idx]}


#: Tolerances of :func:`slice_mismatches`: relative for the one-step NRMSE where the driven
#: exponent is negative (``one_step_ordered``, a floor) and where it is not
#: (``one_step_chaotic``), absolute for the window-mean VPT [Lyapunov times] and the driven
#: exponent [nats/step]; ``rounding_factor`` multiplies the rounding noise measured in the
#: check itself (see :func:`slice_mismatches`).
SLICE_TOLERANCES: Mapping[str, float] = MappingProxyType(
    {"one_step_ordered": 1e-4, "rounding_factor": 10.0, "one_step_chaotic": 0.5, "vpt": 0.5,
     "driven": 5e-3})


def rounding_noise(check: Mapping[str, np.ndarray]) -> float:
    """Largest relative change of the live one-step NRMSE when its float64 sums are reordered.

    Taken over the gains where the stored driven exponent is negative; 0 if there are none or
    ``check`` has no ``reordered_one_step`` (then :func:`slice_mismatches` uses its floor).
    """
    if "reordered_one_step" not in check:
        return 0.0
    ordered = np.asarray(check["stored_driven"]) < 0
    live = np.asarray(check["live_one_step"], dtype=float)[:, ordered]
    other = np.asarray(check["reordered_one_step"], dtype=float)[:, ordered]
    if live.size == 0:
        return 0.0
    return float(np.max(np.abs(other - live) / np.abs(live)))


def slice_mismatches(check: Mapping[str, np.ndarray],
                     tolerances: Mapping[str, float] | None = None) -> list[str]:
    """Where a live slice disagrees with the stored numbers beyond tolerance.

    Where the stored driven exponent is negative (echo-state property) the teacher-forced
    states forget rounding differences, so the float64 one-step error must agree tightly.
    Tightly is not exactly: its ridge problem is ill-conditioned (condition numbers near 1e12
    at the chosen ridge 1e-8), so last-bit differences of the Gram matrix move it. How much is
    measured in the check itself: :func:`recompute_slice` sums the same normal equations in a
    second order, and the relative tolerance is the larger of ``one_step_ordered`` (1e-4) and
    ``rounding_factor`` (10) times that change (:func:`rounding_noise`): other CPUs' kernels
    move the one-step error by a small multiple of what a reordering on one machine does,
    while a change of the computation (another washout, ridge or state) moves it by far more.
    Above the driven crossing the states are themselves chaotic, and the window-averaged VPT is
    the outcome of a chaotic closed loop: there the comparison is loose.

    Parameters
    ----------
    check : dict of ndarray
        As :func:`recompute_slice` returns it.
    tolerances : dict, optional
        Overrides of :data:`SLICE_TOLERANCES`.

    Returns
    -------
    list of str
        One line per failed comparison with its largest deviation; empty if all agree.
    """
    tol = {**SLICE_TOLERANCES, **(tolerances or {})}
    ordered = np.asarray(check["stored_driven"]) < 0
    live_1, stored_1 = check["live_one_step"], check["stored_one_step"]
    noise = rounding_noise(check)
    rtol_ordered = max(tol["one_step_ordered"], tol["rounding_factor"] * noise)
    why = (f" (the larger of {tol['one_step_ordered']:g} and {tol['rounding_factor']:g} x the "
           f"rounding noise {noise:.3g})")
    comparisons = [
        ("one-step NRMSE (driven exponent < 0)", live_1[:, ordered], stored_1[:, ordered],
         rtol_ordered, 0.0, why),
        ("one-step NRMSE (driven exponent >= 0)", live_1[:, ~ordered], stored_1[:, ~ordered],
         tol["one_step_chaotic"], 0.0, ""),
        ("VPT", check["live_vpt"], check["stored_vpt"], 0.0, tol["vpt"], ""),
        ("driven exponent", check["live_driven"], check["stored_driven"], 0.0, tol["driven"],
         ""),
    ]
    out = []
    for name, live, stored, rtol, atol, note in comparisons:
        live, stored = np.asarray(live, dtype=float), np.asarray(stored, dtype=float)
        if not np.allclose(live, stored, rtol=rtol, atol=atol):
            worst = np.max(np.abs(live - stored) / (np.abs(stored) if rtol else 1.0))
            kind = "relative" if rtol else "absolute"
            out.append(f"{name}: {kind} deviation {worst:.3g} > {rtol or atol:.3g}{note}")
    return out
