"""Symbolic (sympy) check of the zero-state Jacobians on a single unit.

For one unit every matrix is a scalar: ``W0 -> w`` (one weight per gate), and the claim
``J0 = a + g u w v`` can be verified exactly by differentiating the cell's update rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validation import check_arch

__all__ = ["SymbolicCheck", "symbolic_zero_state_check"]


@dataclass(frozen=True)
class SymbolicCheck:
    """Result of :func:`symbolic_zero_state_check`.

    Attributes
    ----------
    arch : str
    jacobian : sympy.Matrix
        ``dF/dstate`` at the zero state with no input (1x1, or 2x2 ``(h, c)`` for the LSTM).
    predicted : sympy.Expr
        ``a + g u w v`` with the gate values at zero.
    nonzero_eigenvalues : list of sympy.Expr
        The Jacobian's eigenvalues that are not identically 0.
    matches : bool
        True if the only nonzero eigenvalue equals ``predicted`` exactly.
    fixed_point : bool
        True if ``F(0) = 0`` for every value of the biases (False for the tanh RNN,
        whose ``F(0) = tanh(b_h)``).
    """

    arch: str
    jacobian: object
    predicted: object
    nonzero_eigenvalues: list
    matches: bool
    fixed_point: bool


def symbolic_zero_state_check(arch: str) -> SymbolicCheck:
    """Differentiate one unit of ``arch`` at ``h = 0`` (``c = 0``), ``x = 0`` symbolically.

    The candidate bias is 0; every other gate has a free symbolic bias.
    """
    import sympy as sp  # imported here: nothing heavy at package import

    arch = check_arch(arch)
    g = sp.Symbol("g", positive=True)
    h, c = sp.symbols("h c", real=True)
    sig = lambda x: 1 / (1 + sp.exp(-x))  # noqa: E731
    w = {k: sp.Symbol(f"w_{k}", real=True) for k in "hrznifgou"}
    b = {k: sp.Symbol(f"b_{k}", real=True) for k in "hrzifou"}
    if arch == "rnn":
        state, new = [h], [sp.tanh(g * w["h"] * h + b["h"])]
        a, u, v, wk = 0, 1 - sp.tanh(b["h"]) ** 2, 1, w["h"]
    elif arch == "gru":
        r, z = sig(g * w["r"] * h + b["r"]), sig(g * w["z"] * h + b["z"])
        n = sp.tanh(r * (g * w["n"] * h))
        state, new = [h], [(1 - z) * n + z * h]
        r0, z0 = sig(b["r"]), sig(b["z"])
        a, u, v, wk = z0, (1 - z0) * r0, 1, w["n"]
    elif arch == "lstm":
        i, f, o = (sig(g * w[k] * h + b[k]) for k in "ifo")
        cand = sp.tanh(g * w["g"] * h)
        c_new = f * c + i * cand
        state, new = [h, c], [o * sp.tanh(c_new), c_new]
        a, u, v, wk = sig(b["f"]), sig(b["i"]), sig(b["o"]), w["g"]
    else:
        uu = sig(g * w["u"] * h + b["u"])
        state, new = [h], [uu * h]
        a, u, v, wk = sig(b["u"]), 0, 1, w["u"]
    zero = {s: 0 for s in state}
    jac = sp.Matrix(new).jacobian(sp.Matrix(state)).subs(zero)
    jac = jac.applyfunc(sp.simplify)
    fixed = all(sp.simplify(e.subs(zero)) == 0 for e in new)
    predicted = sp.simplify(a + g * u * wk * v)
    eigs = [e for e in jac.eigenvals(multiple=True) if sp.simplify(e) != 0]
    matches = len(eigs) == 1 and sp.simplify(eigs[0] - predicted) == 0
    return SymbolicCheck(arch=arch, jacobian=jac, predicted=predicted, nonzero_eigenvalues=eigs,
                         matches=bool(matches), fixed_point=bool(fixed))
