"""Matplotlib helpers for the book's figures (no style is changed at import)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_spectrum", "plot_support"]


def plot_spectrum(
    ax: Axes,
    eigenvalues: np.ndarray,
    boundary: np.ndarray | None = None,
    *,
    label: str = "eigenvalues",
    boundary_label: str = "predicted support",
    color: str = "C0",
) -> Axes:
    """Eigenvalue cloud, predicted support boundary and the unit circle on ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    eigenvalues : complex ndarray, shape (N,)
    boundary : complex ndarray, shape (M,), optional
        Boundary points ordered by angle (e.g. from ``spectral_support``); the
        curve is closed automatically.
    """
    ev = np.asarray(eigenvalues)
    ax.scatter(ev.real, ev.imag, s=3, color=color, alpha=0.6, label=label, rasterized=True)
    if boundary is not None:
        plot_support(ax, boundary, color="k", lw=1.2, label=boundary_label)
    t = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(t), np.sin(t), color="0.5", ls="--", lw=0.8, label="unit circle")
    ax.axvline(1.0, color="C3", lw=0.6, ls=":")
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    return ax


def plot_support(ax: Axes, boundary: np.ndarray, **kwargs: object) -> Axes:
    """Closed curve through boundary points ordered by angle; ``kwargs`` go to ``ax.plot``."""
    b = np.asarray(boundary)
    if b.size:
        closed = np.append(b, b[:1])
        ax.plot(closed.real, closed.imag, **kwargs)
    return ax
