"""Argument checks shared by the public functions (one place, one wording)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

ARCHS: tuple[str, ...] = ("rnn", "gru", "lstm", "minimalrnn")

#: Gate names per architecture, in PyTorch's order. The last name of the gated
#: cells is the candidate (cell input) whose bias is controlled separately.
GATES: dict[str, tuple[str, ...]] = {
    "rnn": ("h",),
    "gru": ("r", "z", "n"),
    "lstm": ("i", "f", "g", "o"),
    "minimalrnn": ("u", "c"),
}

#: Gates with a recurrent weight matrix (PyTorch order); the minimalRNN's embedding has none.
RECURRENT_GATES: dict[str, tuple[str, ...]] = {
    "rnn": ("h",),
    "gru": ("r", "z", "n"),
    "lstm": ("i", "f", "g", "o"),
    "minimalrnn": ("u",),
}

#: The candidate gate of each architecture (its bias is ``candidate_bias_std``).
CANDIDATE: dict[str, str | None] = {"rnn": None, "gru": "n", "lstm": "g", "minimalrnn": "c"}


def check_arch(arch: object) -> str:
    """Return ``arch`` lower-cased, or raise ``ValueError`` naming the allowed values."""
    if not isinstance(arch, str) or arch.lower() not in ARCHS:
        raise ValueError(f"arch must be one of {ARCHS}, got {arch!r}")
    return arch.lower()


def _as_real(name: str, value: object, rule: str) -> float:
    """``value`` as a float if it is a real number (not a bool or a string)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
    return float(value)


def check_nonnegative(name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise ``ValueError``."""
    x = _as_real(name, value, ">= 0")
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise ``ValueError``."""
    x = _as_real(name, value, "> 0")
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` if it is an integer >= ``minimum``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def gate_bias_stds(
    arch: str, bias_std: float | Mapping[str, float], candidate_bias_std: float = 0.0
) -> dict[str, float]:
    """Resolve ``bias_std`` (one float or a dict per gate) into one std per gate.

    Parameters
    ----------
    arch : str
        Architecture name (already checked).
    bias_std : float or mapping
        A float gives every non-candidate gate that spread; a mapping names gates
        (keys from ``GATES[arch]`` minus the candidate), missing gates get 0.
    candidate_bias_std : float
        Spread of the candidate / cell-input bias (0 keeps the zero state fixed).

    Returns
    -------
    dict
        ``{gate: std}`` for every gate of ``arch``, in PyTorch order.
    """
    cand = CANDIDATE[arch]
    gates = [name for name in GATES[arch] if name != cand]
    if isinstance(bias_std, Mapping):
        unknown = set(bias_std) - set(gates)
        if unknown:
            raise ValueError(
                f"bias_std keys for arch={arch!r} must be among {tuple(gates)} "
                f"(the candidate bias is candidate_bias_std), got {sorted(unknown)}"
            )
        stds = {name: check_nonnegative(f"bias_std[{name!r}]", bias_std.get(name, 0.0))
                for name in gates}
    else:
        s = check_nonnegative("bias_std", bias_std)
        stds = {name: s for name in gates}
    if cand is not None:
        stds[cand] = check_nonnegative("candidate_bias_std", candidate_bias_std)
    elif check_nonnegative("candidate_bias_std", candidate_bias_std) != 0.0:
        raise ValueError("candidate_bias_std must be 0 for arch='rnn' (use bias_std)")
    return {name: stds[name] for name in GATES[arch]}


def recurrent_gain_ratios(arch: str, gain_ratios: Mapping[str, float] | None
                          ) -> dict[str, float]:
    """Per-gate gain ratios of the recurrent matrices, in PyTorch order (1 when not given)."""
    names = RECURRENT_GATES[check_arch(arch)]
    given = dict(gain_ratios or {})
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(f"gain_ratios keys for arch={arch!r} must be among {names}, "
                         f"got {sorted(unknown)}")
    return {k: check_positive(f"gain_ratios[{k!r}]", given.get(k, 1.0)) for k in names}
