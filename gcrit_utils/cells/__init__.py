"""The recurrent cells, one module each, and the registry every other module dispatches through.

A cell (:class:`~gcrit_utils.cells.base.Cell`) carries its parameter layout, its fused step
and Jacobian-vector product, its zero-state diagonals and moments, its mean-field maps and its
torch module. Adding a cell is one module here and one entry in :data:`CELLS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .base import Cell, NoMeanField
from .gru import GRU
from .leaky import LeakyTanh, from_reservoirpy, to_reservoirpy
from .lstm import LSTM
from .minimalrnn import MinimalRNN, MinimalRNNModule
from .rnn import TanhRNN

__all__ = ["ARCHS", "CELLS", "Cell", "GRU", "LSTM", "LeakyTanh", "MinimalRNN",
           "MinimalRNNModule", "NoMeanField", "TanhRNN", "cell_of_module", "from_reservoirpy",
           "get_cell", "to_reservoirpy"]

#: The registered cells by name, with their default hyperparameters.
CELLS: Mapping[str, Cell] = MappingProxyType({cell.name: cell for cell in (
    TanhRNN(), GRU(), LSTM(), MinimalRNN(), LeakyTanh(),
)})

#: Names of the registered cells.
ARCHS: tuple[str, ...] = tuple(CELLS)


def get_cell(arch: str | Cell, **params: float) -> Cell:
    """The cell named ``arch`` (or ``arch`` itself if it is a :class:`Cell`).

    Parameters
    ----------
    arch : str or Cell
        A name of :data:`CELLS` (case-insensitive) or a cell object.
    **params
        Hyperparameters that replace the registered defaults
        (:attr:`~gcrit_utils.cells.base.Cell.params`).

    Raises
    ------
    ValueError
        If ``arch`` is not a registered name or a cell, or a parameter is not the cell's.
    """
    if isinstance(arch, Cell):
        cell = arch
    elif isinstance(arch, str) and arch.lower() in CELLS:
        cell = CELLS[arch.lower()]
    else:
        raise ValueError(f"arch must be one of {ARCHS} or a Cell, got {arch!r}")
    if not params:
        return cell
    unknown = set(params) - set(cell.params)
    if unknown:
        raise ValueError(f"arch={cell.name!r} has parameters {sorted(cell.params)}, got "
                         f"{sorted(unknown)}")
    return type(cell)(**{**cell.params, **params})


def cell_of_module(module: object) -> Cell:
    """The registered cell whose torch module ``module`` is (its options checked).

    Raises
    ------
    ValueError
        If no registered cell has ``type(module)`` as its module, or the module has options
        the cell does not describe (e.g. ``nn.RNN`` with ReLU).
    """
    for cell in CELLS.values():
        if cell.torch_module is not None and type(module) is cell.torch_module:
            cell.check_module(module)
            return cell
    names = sorted(c.torch_module.__name__ for c in CELLS.values() if c.torch_module)
    raise ValueError(f"module must be one of {names}, got {type(module).__name__}")
