"""The book's experiments, one module per chapter, each stored sweep a
:class:`~gcrit_utils.sweep.Sweep`.

This layer sits between the core (cells, theory, engine, store) and the book (figures and
tables): it may import the core, never the book side, and the core never imports it.
"""

from __future__ import annotations

from ..sweep import Sweep
from .scale import SCALES, current_scale

__all__ = ["SCALES", "all_sweeps", "current_scale"]


def all_sweeps() -> list[Sweep]:
    """Every stored sweep of the book, at every scale (what ``results/`` may hold)."""
    from .beyond import sweep_beyond
    from .dynamics import sweep_lyapunov, sweep_phase_diagram
    from .forecasting import FORECAST_ENTRIES, STORED_SERIES, forecast_sweeps, sweep_series
    from .gain_choice import CV_VALIDATION, sweep_gain_choice
    from .gain_choice_check import sweep_gain_choice_check
    from .spectrum import sweep_spectrum
    from .training import (
        TRAINABILITY_MAP_DELAYS,
        sweep_init_comparison,
        sweep_init_survey,
        sweep_trainability,
        sweep_trainability_map,
    )

    sweeps = [sweep_series(s) for s in sorted(set(STORED_SERIES.values()))]
    sweeps.append(sweep_gain_choice_check())
    sweeps.append(sweep_series("lorenz63", 20_000))
    sweeps += [sweep_trainability_map("default", delay) for delay in TRAINABILITY_MAP_DELAYS]
    for scale in SCALES:
        sweeps += [sweep_spectrum(scale), sweep_lyapunov(scale), sweep_beyond(scale),
                   sweep_trainability(scale), sweep_init_comparison(scale),
                   sweep_init_survey(scale), sweep_gain_choice(scale),
                   sweep_gain_choice(scale, extra=True),
                   sweep_gain_choice(scale, folds=CV_VALIDATION["folds"])]
        sweeps += [sweep_phase_diagram(arch, scale) for arch in ("rnn", "gru", "lstm")]
        for system, input_scale, _ in FORECAST_ENTRIES:
            sweeps += forecast_sweeps(system, input_scale, scale)
    return sweeps
