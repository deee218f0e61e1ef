"""Chapter-level computations: sizes per scale and the sweeps behind the figures.

Every function here is deterministic given its arguments (seeds included) and returns
plain numpy arrays, so that a notebook, ``gcrit figures`` and the tests call the same code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ._validation import check_nonnegative
from .theory import critical_gain, sigmoid_sq_moment, sigmoid_sq_moment_probit

__all__ = ["SCALES", "current_scale", "critical_gain_curves", "probit_errors"]

SCALES: tuple[str, ...] = ("default", "paper")


def current_scale(value: str | None = None) -> str:
    """The run scale: ``value`` if given, else ``$GCRIT_SCALE``, else ``"default"``.

    ``"default"`` keeps every chapter within a few minutes on 2 CPU cores;
    ``"paper"`` enlarges N, seeds and grids for the paper-quality figures.
    """
    scale = value if value is not None else os.environ.get("GCRIT_SCALE", "default")
    if scale not in SCALES:
        raise ValueError(f"GCRIT_SCALE / scale must be one of {SCALES}, got {scale!r}")
    return scale


#: Curves of the g_c(s_b) figure: label -> (arch, which gates carry the spread, method).
GC_VARIANTS: dict[str, tuple[str, tuple[str, ...] | None, str]] = {
    "tanh RNN (linearised at 0)": ("rnn", None, "zero_state"),
    "tanh RNN (mean field)": ("rnn", None, "mean_field"),
    "GRU": ("gru", None, "zero_state"),
    "GRU, only b_z spread": ("gru", ("z",), "zero_state"),
    "LSTM": ("lstm", None, "zero_state"),
    "LSTM, only b_f spread": ("lstm", ("f",), "zero_state"),
    "LSTM, only b_i (or b_o) spread": ("lstm", ("i",), "zero_state"),
}


def critical_gain_curves(bias_stds: Sequence[float]) -> dict[str, np.ndarray]:
    """``g_c(s_b)`` for every variant of :data:`GC_VARIANTS` on a grid of ``s_b``.

    Parameters
    ----------
    bias_stds : sequence of float, shape (S,)
        Spreads ``s_b >= 0``.

    Returns
    -------
    dict
        label -> ndarray of shape (S,); plus ``"GRU (probit closed form)"`` and
        ``"LSTM (probit closed form)"``.
    """
    grid = [check_nonnegative("bias_stds", s) for s in bias_stds]
    out: dict[str, np.ndarray] = {}
    for label, (arch, gates, method) in GC_VARIANTS.items():
        vals = []
        for s in grid:
            spread = s if gates is None else {k: s for k in gates}
            vals.append(critical_gain(arch, spread, method=method))
        out[label] = np.array(vals)
    for arch, name in (("gru", "GRU"), ("lstm", "LSTM")):
        out[f"{name} (probit closed form)"] = np.array(
            [critical_gain(arch, s, approximation="probit") for s in grid])
    return out


def probit_errors(bias_stds: Sequence[float], kappa_sq: float = np.pi / 8) -> np.ndarray:
    """Relative error of :func:`sigmoid_sq_moment_probit` against quadrature, shape (S,)."""
    return np.array([sigmoid_sq_moment_probit(s, kappa_sq) / sigmoid_sq_moment(s) - 1.0
                     for s in bias_stds])
