"""One smoke test per figure function: it draws, its axes are labelled, nothing drawn is NaN.

Inputs are small live computations or the committed store (nothing long is recomputed).
"""

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gcrit_utils import figures  # noqa: E402
from gcrit_utils.experiments import propagation as pr  # noqa: E402
from gcrit_utils.experiments.beyond import BEYOND_CASES, sweep_beyond  # noqa: E402
from gcrit_utils.experiments.dynamics import (  # noqa: E402
    LYAPUNOV_CASES,
    sweep_lyapunov,
    sweep_phase_diagram,
)
from gcrit_utils.experiments.forecast_analysis import system_rows  # noqa: E402
from gcrit_utils.experiments.forecasting import (  # noqa: E402
    example_forecast,
    sweep_forecast,
)
from gcrit_utils.experiments.spectrum import SPECTRUM_CASES, sweep_spectrum  # noqa: E402
from gcrit_utils.experiments.training import (  # noqa: E402
    TRAINABILITY,
    sweep_trainability,
)
from gcrit_utils.scrambling import (  # noqa: E402
    bifurcation_points,
    example_chaotic_network,
    pair_distance,
    period3_probability,
    period3_vs_gain,
)

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _lorenz(sin: float = 0.1) -> dict:
    return sweep_forecast("lorenz63", sin, "default").load()


def _scale_change():
    maps = {"Lorenz-63": _lorenz(), "Lorenz-63 weak": _lorenz(0.02)}
    rows = system_rows(maps, n_boot=100)
    return rows, rows, {}, "N = 500", "N = 500 again"


def _scrambling():
    net = example_chaotic_network()
    gains = np.linspace(0.5, 2.5, 30)
    bif = bifurcation_points(net.with_gain(1.0), gains, x0=0.1, warmup=100, keep=20)
    keep = np.all(np.abs(bif) < 1e3, axis=1)
    return pair_distance(net, 0.1, 0.1 + 1e-9, 500), bif[keep], gains[keep]


def _trainability():
    cfg = TRAINABILITY["default"]
    xi = pr.predicted_timescales(cfg["archs"], cfg["gains"], cfg["bias_std"], cfg["input_scale"])
    return sweep_trainability("default").load(), cfg["archs"], xi


def _trainability_map():
    gains, axis = np.array([0.5, 1.0, 2.0, 3.0]), np.array([0.0, 2.0, 4.0])
    final = np.linspace(0.01, 1.0, 12).reshape(3, 4, 1).repeat(2, axis=-1)
    data = {"gains": gains, "final_gru": final, "axis_gru": axis}
    maps = {"gru": pr.timescale_grid("gru", gains, axis, vary="bias_mean", input_std=1.0)}
    return data, ["gru"], maps, 10, {"gru": r"bias mean $\mu$ of $z$"}


#: figure function name -> its arguments (computed when the test runs).
CALLS = {
    "figure_critical_gains": lambda: (np.linspace(0, 2, 9),),
    "figure_spectrum_grid": lambda: ("gru", 60),
    "figure_rightmost_vs_gain": lambda: (sweep_spectrum("default").load(), SPECTRUM_CASES),
    "figure_crossing_convergence": lambda: (sweep_spectrum("default").load(), SPECTRUM_CASES),
    "figure_heavy_tail": lambda: ((100, 200), 20),
    "figure_lyapunov_vs_gain": lambda: (sweep_lyapunov("default").load(), LYAPUNOV_CASES),
    "figure_lyapunov_spectra": lambda: (
        {"tanh RNN": (np.array([0.8, 1.2]), np.array([[-0.1, -0.2], [0.05, -0.1]]))},),
    "figure_phase_diagrams": lambda: (
        {a: sweep_phase_diagram(a, "default").load() for a in ("rnn", "gru")},),
    "figure_beyond_lyapunov": lambda: (sweep_beyond("default").load(), BEYOND_CASES),
    "figure_beyond_errors": lambda: (sweep_beyond("default").load(), BEYOND_CASES),
    "figure_forecast_vs_gain": lambda: (_lorenz(), "squared", "Lorenz-63"),
    "figure_vpt_by_cell": lambda: ({"lorenz63": _lorenz(), "laser": sweep_forecast(
        "santafe_laser", 0.1, "default").load()}, {"laser": "Santa Fe laser"},
        {"laser": "samples"}),
    "figure_scale_change": _scale_change,
    "figure_example_forecasts": lambda: (example_forecast("gru", 0.5, (0.5, 1.0), n=80,
                                                          lyapunov_times=2.0),),
    "figure_performance": lambda: tuple(json.loads((BENCH / f"{k}.json").read_text())
                                        for k in ("reservoir", "lyapunov", "book")),
    "figure_propagation": lambda: (pr.propagation_comparison({"rnn": [0.8, 1.5]}, n=80,
                                                              steps=5, input_dim=10),),
    "figure_timescale_maps": lambda: (
        *pr.bias_spread_maps([0.5, 1.5, 2.5], [0.0, 0.5]), ),
    "figure_driven_lyapunov": lambda: (pr.driven_lyapunov_comparison(
        [0.8, 2.0], n=40, input_dim=5, steps=60, warmup=20),),
    "figure_isometry": lambda: (pr.isometry_examples(n=40, horizons=(5,)),),
    "figure_undriven_criteria": lambda: (
        pr.criterion_lines(["gru", "lstm"], [0.0, 2.0]),
        pr.undriven_criteria([0.5, 3.0], [0.0, 2.0], n=30, steps=40, warmup=20)),
    "figure_trainability": _trainability,
    "figure_trainability_map": _trainability_map,
    "figure_init_survey": lambda: ([
        {"arch": a, "task": "copy", "length": 5, "init": i, "seeds": 3, "median": m,
         "low": 0.5 * m, "high": 1.5 * m, "coverage": 0.75, "solved": 0}
        for a in ("gru", "lstm") for i, m in (("default", 1.0), ("chrono", 0.05))],
        {"copy": {"a baseline": 0.5}}),
    "figure_cobweb": lambda: (example_chaotic_network(), 0.1, 20),
    "figure_period3_vs_gain": lambda: (
        {"He": period3_vs_gain(np.array([1.0, 4.0]), 8, count=20, seed=0)},),
    "figure_period3_vs_width": lambda: (
        {"He": period3_probability([2, 4], count=20, seed=0)},),
    "figure_scrambling": _scrambling,
}


def _figure_functions() -> dict:
    """Every ``figure_*`` function of every module of :mod:`gcrit_utils.figures`."""
    modules = [importlib.import_module(f"gcrit_utils.figures.{info.name}")
               for info in pkgutil.iter_modules(figures.__path__)]
    return {name: fn for module in modules
            for name, fn in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("figure_") and fn.__module__ == module.__name__}


def test_every_figure_function_has_a_smoke_test():
    assert set(_figure_functions()) == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_figure_draws_labelled_finite_data(name):
    args = CALLS[name]()
    if name == "figure_timescale_maps":  # (maps, curves): the y label goes between them
        args = (args[0], "$s_b$", args[1])
    with figures.paper_style():
        fig = _figure_functions()[name](*args)
    try:
        axes = [ax for ax in fig.axes if ax.has_data()]
        assert axes, "nothing drawn"
        assert any(ax.get_xlabel() for ax in axes), "no x label"
        assert any(ax.get_ylabel() for ax in fig.axes), "no y label"
        for ax in axes:
            for line in ax.get_lines():
                y = np.ma.masked_invalid(np.asarray(line.get_ydata(), dtype=float))
                assert not np.isnan(np.asarray(line.get_ydata(), dtype=float)).any() or \
                    line.get_label().startswith("_"), f"NaN in {line.get_label()!r}"
                assert y.count() or not len(y) or line.get_label().startswith("_")
    finally:
        plt.close(fig)
