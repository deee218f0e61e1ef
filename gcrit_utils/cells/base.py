r"""The cell protocol: everything the engine, the theory and the exports need from one cell.

A cell is a small immutable object. Its class attributes give the parameter layout (the gates
that carry a bias, those with a recurrent and an input matrix, the candidate, the size of the
state); its methods give

- the **step** in as few kernels as possible and the **step with Jacobian-vector products**
  (the engine, :class:`gcrit_utils.network.RandomRNN`, calls these and nothing else);
- the **zero-state diagonals** ``(a, u, v)`` of ``J0 = diag(a) + g diag(u) W0 diag(v)`` and
  the moments of the random-matrix criterion (:func:`gcrit_utils.theory.critical_gain`);
- the **mean-field map** at the network's fixed point (:mod:`gcrit_utils.meanfield`) and the
  **annealed signal-propagation maps** (:mod:`gcrit_utils.signalprop`) where they exist;
- its **unit equations** for sympy (:mod:`gcrit_utils.symbolic`) and its **torch module**.

Conventions: states are row vectors ``(M, D)`` with ``D = state_blocks * N``; the fused
weights are ``W0^T`` blocks ``(N, K N)`` in the order the step uses them; a gain ``g`` of shape
``(M, 1)`` scales the hidden state before the product (``W = g W0``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import torch
from numpy.typing import NDArray
from scipy.special import expit

from .._validation import check_nonnegative, check_positive

__all__ = ["Cell", "Fused", "NoMeanField", "NumpyOps"]

#: Fused weights of a cell: tensors named by the cell (see :meth:`Cell.fuse`).
Fused = dict[str, torch.Tensor]


class NoMeanField(ValueError):
    """The cell has no weight-dependent fixed point or no annealed mean field."""


class NumpyOps:
    """The elementwise functions of :meth:`Cell.zero_state_diagonals`, in numpy (float64).

    :mod:`gcrit_utils.symbolic` passes the same names in sympy, so that the diagonals the
    theory uses are the ones checked against a symbolic derivative of the unit equations.
    """

    sigmoid = staticmethod(expit)
    tanh = staticmethod(np.tanh)

    @staticmethod
    def zeros_like(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.zeros_like(x)

    @staticmethod
    def ones_like(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.ones_like(x)


class Cell:
    """Base class of the recurrent cells (one subclass per module of this package).

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"gru"``.
    label : str
        Name for figures and tables, e.g. ``"GRU"``.
    gates : tuple of str
        Gates that carry a bias, in PyTorch's order (the bias array has one row each).
    recurrent_gates : tuple of str
        Gates with a recurrent ``N x N`` block of ``W0`` and an input block of ``U``.
    candidate : str or None
        The candidate (cell-input) gate; its bias spread is ``candidate_bias_std``, and 0
        keeps ``h = 0`` a fixed point.
    zero_state_gate : str or None
        The recurrent gate whose ``W0`` block enters the zero-state Jacobian (None when
        ``J0`` does not depend on the weights).
    memory_gate : str or None
        The gate whose bias mean sets the units' memory (GRU ``z``, LSTM ``f``,
        minimalRNN ``u``).
    state_blocks : int
        ``D = state_blocks * N`` (2 for the LSTM's ``[h, c]``).
    sigmoid_moments : bool
        Whether ``g_c`` involves ``E[sigma(b)^2]`` (the probit closed form applies).
    torch_module : type or None
        The ``torch.nn`` class with the same equations, if there is one.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    gates: ClassVar[tuple[str, ...]]
    recurrent_gates: ClassVar[tuple[str, ...]]
    candidate: ClassVar[str | None] = None
    zero_state_gate: ClassVar[str | None] = None
    memory_gate: ClassVar[str | None] = None
    state_blocks: ClassVar[int] = 1
    sigmoid_moments: ClassVar[bool] = False
    torch_module: ClassVar[type[torch.nn.Module] | None] = None

    # ---------------------------------------------------------------------------------
    # identity
    # ---------------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, float]:
        """Hyperparameters of the cell beyond its weights (e.g. a leak rate); ``{}``."""
        return {}

    def __repr__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({extra})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.params.items()))))

    @property
    def has_critical_gain(self) -> bool:
        """Whether the zero-state Jacobian depends on the weights (else ``g_c = inf``)."""
        return self.zero_state_gate is not None

    def state_dim(self, n: int) -> int:
        """Size ``D`` of the state of ``n`` units."""
        return self.state_blocks * n

    # ---------------------------------------------------------------------------------
    # arguments, resolved per gate (validated once, at the public boundary)
    # ---------------------------------------------------------------------------------
    def bias_stds(self, bias_std: float | Mapping[str, float] = 0.0,
                  candidate_bias_std: float = 0.0) -> dict[str, float]:
        """One bias spread per gate, in PyTorch's order.

        Parameters
        ----------
        bias_std : float or mapping
            A float gives every non-candidate gate that spread; a mapping names gates
            (missing gates get 0).
        candidate_bias_std : float
            Spread of the candidate's bias (0 keeps the zero state fixed).
        """
        gates = [k for k in self.gates if k != self.candidate]
        if isinstance(bias_std, Mapping):
            unknown = set(bias_std) - set(gates)
            if unknown:
                raise ValueError(
                    f"bias_std keys for arch={self.name!r} must be among {tuple(gates)} "
                    f"(the candidate bias is candidate_bias_std), got {sorted(unknown)}")
            stds = {k: check_nonnegative(f"bias_std[{k!r}]", bias_std.get(k, 0.0))
                    for k in gates}
        else:
            s = check_nonnegative("bias_std", bias_std)
            stds = {k: s for k in gates}
        cand = check_nonnegative("candidate_bias_std", candidate_bias_std)
        if self.candidate is not None:
            stds[self.candidate] = cand
        elif cand != 0.0:
            raise ValueError(f"candidate_bias_std must be 0 for arch={self.name!r} "
                             f"(use bias_std)")
        return {k: stds[k] for k in self.gates}

    def gain_ratios(self, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """Per-gate gains relative to ``g`` of the recurrent blocks (1 where not given)."""
        given = dict(given or {})
        unknown = set(given) - set(self.recurrent_gates)
        if unknown:
            raise ValueError(f"gain_ratios keys for arch={self.name!r} must be among "
                             f"{self.recurrent_gates}, got {sorted(unknown)}")
        return {k: check_positive(f"gain_ratios[{k!r}]", given.get(k, 1.0))
                for k in self.recurrent_gates}

    def bias_means(self, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """Mean of each gate's bias (0 where not given)."""
        given = dict(given or {})
        unknown = set(given) - set(self.gates)
        if unknown:
            raise ValueError(f"bias_mean keys for arch={self.name!r} must be among "
                             f"{self.gates}, got {sorted(unknown)}")
        out = {}
        for k in self.gates:
            v = given.get(k, 0.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"bias_mean[{k!r}] must be a finite number, got {v!r}")
            out[k] = float(v)
        return out

    # ---------------------------------------------------------------------------------
    # the engine's step
    # ---------------------------------------------------------------------------------
    def sample_extra(self, n: int, seed: int) -> dict[str, torch.Tensor]:
        """Random weights beyond ``W0``, ``b`` and ``U`` (float64 CPU masters); ``{}``."""
        return {}

    def fuse(self, w0t: torch.Tensor, bias: torch.Tensor, extra: Mapping[str, torch.Tensor]
             ) -> Fused:
        """Contiguous weight blocks and biases in the order of the fused step.

        Parameters
        ----------
        w0t : tensor, shape (N, K N)
            ``W0^T`` of the recurrent gates in PyTorch order (gain ratios included), in the
            network's dtype and device.
        bias : tensor, shape (G, N)
            Biases per gate, PyTorch order.
        extra : dict of tensor
            :meth:`~gcrit_utils.cells.base.Cell.sample_extra`, transposed and cast like ``w0t``.

        Returns
        -------
        dict of tensor
            Must hold ``"w"``: the ``(N, K N)`` matrix of :meth:`jvp`'s stacked product.
        """
        raise NotImplementedError

    def drive(self, fw: Fused, inp: torch.Tensor | None
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Everything of a step that depends on the input only, in the fused gate order.

        Parameters
        ----------
        inp : tensor, shape (..., K N), or None
            ``x U^T`` (PyTorch gate order), or None without input.

        Returns
        -------
        c : tensor, shape (..., K N) or (K N,)
            Added to the recurrent products (input drive plus biases).
        e : tensor, shape (..., N), or None
            A second input-only term for cells that need one (the minimalRNN's embedding).

        The default adds the fused bias ``fw["b"]`` to the input, for cells whose fused
        gate order is PyTorch's.
        """
        return (fw["b"], None) if inp is None else (inp + fw["b"], None)

    def step(self, fw: Fused, h: torch.Tensor, g: torch.Tensor, c: torch.Tensor,
             e: torch.Tensor | None, out: torch.Tensor | None = None) -> torch.Tensor:
        """The step ``F(h, x)`` on rows ``h`` (M, D) with gains ``g`` (M, 1) and drive ``c``
        (1 or M, K N); written into ``out`` (M, D) when given."""
        raise NotImplementedError

    def jvp(self, fw: Fused, h: torch.Tensor, t: torch.Tensor, p: torch.Tensor,
            dp: torch.Tensor, c: torch.Tensor, e: torch.Tensor | None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next state and Jacobian-vector products from the stacked product.

        Parameters
        ----------
        h : tensor, shape (B, D)
        t : tensor, shape (B, k, D)
            Tangents as rows.
        p, dp : tensor, shape (B, K N) and (B, k, K N)
            ``g h W`` and ``g t W`` with ``W = fw["w"]`` (one product for both).
        c, e
            As from :meth:`~gcrit_utils.cells.base.Cell.drive`, as rows.

        Returns
        -------
        h_next : tensor, shape (B, D)
        jt : tensor, shape (B, k, D)
        """
        raise NotImplementedError

    # ---------------------------------------------------------------------------------
    # theory of the zero state
    # ---------------------------------------------------------------------------------
    def zero_state_diagonals(self, biases: Mapping[str, Any], ops: Any = NumpyOps
                             ) -> tuple[Any, Any, Any]:
        """Diagonals ``(a, u, v)`` of ``J0 = diag(a) + g diag(u) W0 diag(v)``.

        Parameters
        ----------
        biases : mapping gate -> ndarray of shape (..., N)
            The non-candidate gate biases (the candidate bias is 0 at the zero state).
        ops : namespace
            ``sigmoid``, ``tanh``, ``zeros_like``, ``ones_like``: numpy (default) or sympy.

        Returns
        -------
        a, u, v : ndarray, shape (..., N)
        """
        raise NotImplementedError

    def zero_state_moment(self, stds: Mapping[str, float], sq_moment: Any) -> float:
        """``E[u^2 v^2 / (1 - a)^2]`` over Gaussian biases of spreads ``stds``.

        ``sq_moment(s)`` is ``E[sigma(b)^2]`` (by quadrature or its probit closed form).
        ``g_c = moment^(-1/2)`` for unit gain ratios; 0 where ``J0`` has no ``W0``.
        """
        raise NotImplementedError

    def support_terms(self, stds: Mapping[str, float]
                      ) -> tuple[float, NDArray[np.float64], NDArray[np.float64],
                                 NDArray[np.float64]]:
        """The ``N -> inf`` support's edge function ``G(lam) = E[u^2 v^2 / |lam - a|^2]``.

        Written as ``G(lam) = c * sum_k p_k f_k |lam - a_k|^-2`` over the distribution of
        the diagonal ``a``.

        Returns
        -------
        c : float
            The factor of ``G`` that does not depend on ``a``.
        a, p, f : ndarray, shape (M,)
            Nodes of the distribution of ``a`` (one node when it does not spread), their
            probabilities and the factor ``f(a)`` of ``u^2 v^2`` that depends on ``a``.
        """
        raise NoMeanField(f"arch={self.name!r} has u = 0: its zero-state spectrum is diag(a)")

    def mean_field_map(self, g: float, q: float, m: Mapping[str, NDArray[np.float64]],
                       s: Mapping[str, float], rho: Mapping[str, float]) -> tuple[float, float]:
        """The fixed-point map ``Q -> Phi(Q)`` and the edge slope ``chi(Q)`` at one gain.

        :mod:`gcrit_utils.meanfield` has the equations.

        Parameters
        ----------
        g, q : float
            Gain and ``Q = mean_i h_i*^2``.
        m : mapping gate -> ndarray (units,)
            Bias means per unit (one "unit" of mean 0 for the population).
        s : mapping gate -> float
            Bias part of each pre-activation's spread.
        rho : mapping gate -> float
            Gain ratios.

        Returns
        -------
        phi, chi : float
        """
        raise NoMeanField(f"arch={self.name!r} has no weight-dependent fixed point")

    # ---------------------------------------------------------------------------------
    # annealed signal propagation (Chen et al. 2018, Gilboa et al. 2019)
    # ---------------------------------------------------------------------------------
    def annealed_state(self, p: Any, q: float) -> tuple[float, ...]:
        """The state of the length map whose hidden part is ``q`` at stationarity.

        ``(q,)`` for cells whose state is ``h``; the LSTM eliminates its cell part.
        """
        return (q,)

    def annealed_length(self, p: Any, state: tuple[float, ...]) -> tuple[float, ...]:
        """One step of the length map (:mod:`gcrit_utils.signalprop`)."""
        raise NoMeanField(f"arch={self.name!r} has no annealed mean field here")

    def annealed_chi_one(self, p: Any, state: tuple[float, ...]) -> float:
        """``chi_1`` at the stationary length ``state``."""
        raise NoMeanField(f"arch={self.name!r} has no annealed mean field here")

    def annealed_covariance(self, p: Any, state: tuple[float, ...], cross: tuple[float, ...],
                            cx: float) -> tuple[float, ...]:
        """One step of the covariance map of two trajectories."""
        raise NoMeanField(f"arch={self.name!r} has no annealed mean field here")

    # ---------------------------------------------------------------------------------
    # equations for sympy, and the torch module
    # ---------------------------------------------------------------------------------
    def unit_equations(self, sp: Any, g: Any, w: Mapping[str, Any], b: Mapping[str, Any],
                       state: tuple[Any, ...]) -> list[Any]:
        """One unit's update without input and with candidate bias 0, in sympy.

        ``state`` is ``(h,)`` or ``(h, c)`` (``state_blocks`` symbols); ``w[k]`` the scalar
        recurrent weight of gate ``k``, ``b[k]`` its bias. Returns the new state.
        """
        raise NotImplementedError

    def check_module(self, module: torch.nn.Module) -> None:
        """Raise ``ValueError`` if ``module`` (an instance of :attr:`torch_module`) has
        options this cell does not describe."""

    def make_module(self, input_size: int, hidden_size: int, batch_first: bool = False
                    ) -> torch.nn.Module:
        """A fresh module with this cell's equations (PyTorch's default initialisation)."""
        if self.torch_module is None:
            raise ValueError(f"arch={self.name!r} has no torch module")
        return self.torch_module(input_size, hidden_size, batch_first=batch_first)

    def load_module(self, module: torch.nn.Module, w_hh: torch.Tensor, w_ih: torch.Tensor,
                    bias: torch.Tensor, extra: Mapping[str, torch.Tensor]) -> None:
        """Copy one network's weights into the first layer of ``module`` (in place).

        ``w_hh = g W0`` (K N, N) in PyTorch's gate order, ``w_ih = U`` (K N, d), ``bias``
        (G, N) into ``bias_ih`` with ``bias_hh = 0``; ``extra`` from
        :meth:`~gcrit_utils.cells.base.Cell.sample_extra`.
        """
        with torch.no_grad():
            module.weight_hh_l0.copy_(w_hh)
            module.weight_ih_l0.copy_(w_ih)
            module.bias_ih_l0.copy_(bias.reshape(-1))
            module.bias_hh_l0.zero_()
