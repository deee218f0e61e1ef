"""The book's figures, one module per chapter, and ``gcrit figures``.

Each ``figure_*`` function draws what a computation of :mod:`gcrit_utils.experiments` (or of
the core) returns and gives back a matplotlib ``Figure``; the notebooks call the same
functions. Every chapter module registers its figures in a ``FIGURES`` mapping (name ->
function of the scale); :data:`FIGURES` here merges them, and :func:`make_figures` saves any
of them as PDF and PNG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..experiments.scale import current_scale
from . import beyond, criterion, dynamics, forecasting, propagation, scrambling, spectrum, training
from ._style import COLUMN, PAGE, paper_style

__all__ = ["COLUMN", "FIGURES", "PAGE", "make_figures", "paper_style"]

#: Every figure of ``gcrit figures``: name -> function(scale) -> Figure, in reading order.
FIGURES: Mapping[str, Callable[[str], Figure]] = MappingProxyType({
    name: draw
    for chapter in (criterion, spectrum, dynamics, beyond, forecasting, training, propagation,
                    scrambling)
    for name, draw in chapter.FIGURES.items()
})


def make_figures(outdir: str | Path = "figures", names: Sequence[str] | None = None,
                 scale: str | None = None) -> list[Path]:
    """Regenerate figures into ``outdir`` as ``NAME.pdf`` and ``NAME.png``.

    Parameters
    ----------
    outdir : path
        Output folder (created).
    names : sequence of str, optional
        Subset of :data:`FIGURES`; all by default.
    scale : {"default", "paper"}, optional
        Run scale (``$GCRIT_SCALE`` by default).

    Returns
    -------
    list of Path
        The files written.
    """
    from tqdm import tqdm

    scale = current_scale(scale)
    chosen = list(FIGURES) if names is None else list(names)
    unknown = [n for n in chosen if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure names {unknown}; known: {sorted(FIGURES)}")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in tqdm(chosen, desc="figures"):
        with paper_style():
            fig = FIGURES[name](scale)
            for ext in ("pdf", "png"):
                path = out / f"{name}.{ext}"
                fig.savefig(path)
                written.append(path)
            plt.close(fig)
    return written
