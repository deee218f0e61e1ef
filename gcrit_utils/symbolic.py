"""Symbolic (sympy) check of the zero-state Jacobians on a single unit.

For one unit every matrix is a scalar: ``W0 -> w`` (one weight per gate), and the claim
``J0 = a + g u w v`` can be verified exactly by differentiating the cell's update rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cells import Cell, get_cell

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


class _SympyOps:
    """The functions of :meth:`~gcrit_utils.cells.base.Cell.zero_state_diagonals` in sympy."""

    def __init__(self, sp: object) -> None:
        self.sigmoid = lambda x: 1 / (1 + sp.exp(-x))
        self.tanh = sp.tanh
        self.zeros_like = lambda x: 0
        self.ones_like = lambda x: 1


def symbolic_zero_state_check(arch: str | Cell) -> SymbolicCheck:
    """Differentiate one unit of ``arch`` at ``h = 0`` (``c = 0``), ``x = 0`` symbolically.

    The unit's equations are the cell's own
    (:meth:`~gcrit_utils.cells.base.Cell.unit_equations`); the prediction ``a + g u w v`` uses
    the diagonals the theory uses
    (:meth:`~gcrit_utils.cells.base.Cell.zero_state_diagonals`), evaluated in sympy. The
    candidate bias is 0; every other gate has a free symbolic bias.
    """
    import sympy as sp  # imported here: nothing heavy at package import

    cell = get_cell(arch)
    g = sp.Symbol("g", positive=True)
    state = sp.symbols("h c", real=True)[: cell.state_blocks]
    w = {k: sp.Symbol(f"w_{k}", real=True) for k in cell.recurrent_gates}
    b = {k: sp.Symbol(f"b_{k}", real=True) for k in cell.gates if k != cell.candidate}
    new = cell.unit_equations(sp, g, w, b, tuple(state))
    zero = {s: 0 for s in state}
    jac = sp.Matrix(new).jacobian(sp.Matrix(state)).subs(zero)
    jac = jac.applyfunc(sp.simplify)
    fixed = all(sp.simplify(e.subs(zero)) == 0 for e in new)
    a, u, v = cell.zero_state_diagonals(b, _SympyOps(sp))
    wk = w[cell.zero_state_gate] if cell.zero_state_gate else 0
    predicted = sp.simplify(a + g * u * wk * v)
    eigs = [e for e in jac.eigenvals(multiple=True) if sp.simplify(e) != 0]
    matches = len(eigs) == 1 and sp.simplify(eigs[0] - predicted) == 0
    return SymbolicCheck(arch=cell.name, jacobian=jac, predicted=predicted,
                         nonzero_eigenvalues=eigs, matches=bool(matches),
                         fixed_point=bool(fixed))
