"""Training recurrent networks from a given initialisation (signal propagation and training).

Small, CPU-friendly tasks and one training loop (Adam, MSE) used to ask whether the
critical initialisation helps *trained* networks:

- ``"delay"``: scalar i.i.d. N(0, 1) input, target ``y_t = x_{t - T}`` for ``t >= T``
  (memory of a fixed delay; chance-level MSE 1);
- ``"adding"``: the adding problem (Hochreiter & Schmidhuber 1997): two channels, random
  numbers in [0, 1) and two markers; target the sum of the two marked numbers at the last
  step; the first marker in the first half, the second in the second half of length ``T``
  (chance-level MSE 1/6 when predicting the mean 1);
- ``"lorenz"``: one-step forecasting of Lorenz-63 (normalised), windows of length ``T``.

Models: ``torch.nn.RNN`` (tanh), ``nn.GRU``, ``nn.LSTM`` (any initialisation), or the
minimalRNN module of :mod:`gcrit_utils.cells.minimalrnn`, each with a linear readout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_int, check_positive
from .cells import MinimalRNNModule
from .network import RandomRNN

__all__ = [
    "TASKS",
    "MinimalRNNModule",
    "RecurrentRegressor",
    "task_batch",
    "TrainingResult",
    "train",
    "steps_to_solve",
    "model_from_random_rnn",
]

TASKS: tuple[str, ...] = ("delay", "adding", "lorenz")
#: MSE of the best constant prediction, per task (for "lorenz": per normalised component).
CHANCE: dict[str, float] = {"delay": 1.0, "adding": 1.0 / 6.0, "lorenz": 1.0}


class RecurrentRegressor(torch.nn.Module):
    """A recurrent core (batch first) followed by a linear readout of every hidden state."""

    def __init__(self, core: torch.nn.Module, output_size: int) -> None:
        super().__init__()
        self.core = core
        self.readout = torch.nn.Linear(core.hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, L, d) -> predictions (B, L, output_size)."""
        h, _ = self.core(x)
        return self.readout(h)


def task_batch(task: str, batch: int, length: int, gen: torch.Generator,
               series: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor,
                                                          torch.Tensor]:
    """One batch of ``task`` with horizon ``length`` (the delay ``T`` or sequence length).

    Returns
    -------
    x : tensor (B, L, d_in); y : tensor (B, L, d_out); mask : tensor (B, L)
        The loss is the MSE over the entries where ``mask`` is 1.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    batch = check_int("batch", batch, 1)
    length = check_int("length", length, 1)
    if task == "delay":
        total = length + 20
        x = torch.randn(batch, total, 1, generator=gen)
        y = torch.zeros_like(x)
        y[:, length:] = x[:, :-length]
        mask = torch.zeros(batch, total)
        mask[:, length:] = 1.0
        return x, y, mask
    if task == "adding":
        if length < 4:
            raise ValueError(f"length must be >= 4 for the adding problem, got {length}")
        vals = torch.rand(batch, length, generator=gen)
        half = length // 2
        first = torch.randint(0, half, (batch,), generator=gen)
        second = torch.randint(half, length, (batch,), generator=gen)
        marks = torch.zeros(batch, length)
        rows = torch.arange(batch)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        x = torch.stack([vals, marks], dim=-1)
        y = torch.zeros(batch, length, 1)
        y[:, -1, 0] = (vals * marks).sum(dim=1)
        mask = torch.zeros(batch, length)
        mask[:, -1] = 1.0
        return x, y, mask
    if series is None:
        raise ValueError("task='lorenz' needs the normalised series (array (T, 3))")
    starts = torch.randint(0, series.shape[0] - length - 1, (batch,), generator=gen)
    s = torch.as_tensor(series, dtype=torch.float32)
    idx = starts[:, None] + torch.arange(length + 1)[None, :]
    win = s[idx]  # (B, L+1, 3)
    mask = torch.ones(batch, length)
    mask[:, :10] = 0.0  # a short warm-up is not scored
    return win[:, :-1], win[:, 1:], mask


@dataclass(frozen=True)
class TrainingResult:
    """Loss curve of one training run.

    Attributes
    ----------
    losses : ndarray, shape (steps,)
        Training MSE per step, divided by the task's chance level (1 = chance).
    final : float
        Mean normalised loss over the last 10% of the steps.
    """

    losses: np.ndarray
    final: float


def train(model: torch.nn.Module, task: str, length: int, *, steps: int = 300, batch: int = 64,
          lr: float = 3e-3, seed: int = 0, series: np.ndarray | None = None,
          clip: float = 1.0, progress: Callable | None = None) -> TrainingResult:
    """Train ``model`` on ``task`` with Adam and gradient-norm clipping.

    Parameters
    ----------
    model : RecurrentRegressor
    task : {"delay", "adding", "lorenz"}
    length : int
        Delay ``T`` (``"delay"``) or sequence length (``"adding"``, ``"lorenz"``).
    steps, batch, lr : int, int, float
        Optimisation budget.
    seed : int
        Seed of the data stream (the model's initialisation is the caller's).
    series : ndarray (T, 3), optional
        Normalised Lorenz-63 series for ``task="lorenz"``.
    clip : float
        Maximal gradient norm.

    Returns
    -------
    TrainingResult
        NaN losses (a diverged run) are recorded as ``inf``.
    """
    steps = check_int("steps", steps, 1)
    lr = check_positive("lr", lr)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    chance = CHANCE[task] if task in CHANCE else 1.0
    losses = np.empty(steps)
    for k in range(steps):
        x, y, mask = task_batch(task, batch, length, gen, series)
        pred = model(x)
        err = ((pred - y) ** 2).mean(dim=-1)
        loss = (err * mask).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        value = float(loss.detach()) / chance
        losses[k] = value if np.isfinite(value) else np.inf
        if progress is not None:
            progress(1)
    tail = losses[-max(1, steps // 10):]
    return TrainingResult(losses, float(np.mean(tail)))


def steps_to_solve(losses: np.ndarray, threshold: float, window: int = 10) -> float:
    """First step at which the running mean of ``window`` losses drops below ``threshold``
    (``inf`` if never)."""
    losses = np.asarray(losses, dtype=float)
    if losses.size < window:
        return float("inf")
    run = np.convolve(losses, np.ones(window) / window, mode="valid")
    below = np.nonzero(run < threshold)[0]
    return float(below[0] + window) if below.size else float("inf")


def model_from_random_rnn(net: RandomRNN, index: int = 0, output_size: int = 1
                          ) -> RecurrentRegressor:
    """A trainable :class:`RecurrentRegressor` (float32, batch first) whose recurrent core is
    network ``index`` of ``net`` (:meth:`~gcrit_utils.network.RandomRNN.to_torch`), with a
    readout from ``torch.nn.Linear``'s default initialisation seeded by ``net.seed``."""
    if not isinstance(net, RandomRNN):
        raise ValueError(f"net must be a RandomRNN, got {type(net).__name__}")
    if net.input_dim < 1:
        raise ValueError("net must have input_dim >= 1 to be trained on a task")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(net.seed)  # the core's default initialisation, then the readout's
        model = RecurrentRegressor(net.to_torch(index, batch_first=True), output_size)
    return model.float()
