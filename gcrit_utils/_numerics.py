"""Floating-point settings for long iterated maps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["flush_denormal"]


@contextmanager
def flush_denormal() -> Iterator[bool]:
    """Treat subnormal floats as zero inside the block.

    In the ordered phase a state decays geometrically towards 0; in float32 it reaches
    subnormal numbers after a few hundred steps, where CPUs take a slow path (a Lyapunov run
    of a GRU at N = 500 was 5x slower). Flushing them to zero changes no exponent: a
    subnormal component is 1e-38 of a unit-size one. PyTorch has no getter for the setting,
    so its default (off) is restored on exit.

    Yields
    ------
    bool
        Whether the CPU supports flushing (x86 with SSE3; otherwise nothing changes).
    """
    supported = torch.set_flush_denormal(True)
    try:
        yield supported
    finally:
        torch.set_flush_denormal(False)
