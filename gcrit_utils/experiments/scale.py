"""The run scale of the book's sweeps: ``default`` (minutes on 2 cores) or ``paper``."""

from __future__ import annotations

import os

__all__ = ["SCALES", "current_scale"]

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
