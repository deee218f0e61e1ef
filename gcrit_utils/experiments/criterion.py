"""Chapter on the derivation: the critical gain ``g_c(s_b)`` of every cell and per-gate variant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from .._validation import check_nonnegative
from ..gaussian import sigmoid_sq_moment, sigmoid_sq_moment_probit
from ..theory import critical_gain

__all__ = ["GC_VARIANTS", "critical_gain_curves", "probit_errors"]

#: Curves of the g_c(s_b) figure: label -> (arch, which gates carry the spread, method).
GC_VARIANTS: Mapping[str, tuple[str, tuple[str, ...] | None, str]] = MappingProxyType({
    "tanh RNN (linearised at 0)": ("rnn", None, "zero_state"),
    "tanh RNN (mean field)": ("rnn", None, "mean_field"),
    "GRU": ("gru", None, "zero_state"),
    "GRU, only b_z spread": ("gru", ("z",), "zero_state"),
    "LSTM": ("lstm", None, "zero_state"),
    "LSTM, only b_f spread": ("lstm", ("f",), "zero_state"),
    "LSTM, only b_i (or b_o) spread": ("lstm", ("i",), "zero_state"),
})


def critical_gain_curves(bias_stds: Sequence[float]) -> dict[str, np.ndarray]:
    """``g_c(s_b)`` for every variant of ``GC_VARIANTS`` on a grid of ``s_b``.

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
    """Relative error of :func:`~gcrit_utils.theory.sigmoid_sq_moment_probit`, shape (S,).

    Measured against quadrature (:func:`~gcrit_utils.theory.sigmoid_sq_moment`).
    """
    return np.array([sigmoid_sq_moment_probit(s, kappa_sq) / sigmoid_sq_moment(s) - 1.0
                     for s in bias_stds])
