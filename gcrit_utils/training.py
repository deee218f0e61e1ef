"""Training recurrent networks from a given initialisation (signal propagation and training).

Small, CPU-friendly tasks and one training loop (Adam; MSE, or cross-entropy for the
classification tasks) used to ask whether the
critical initialisation helps *trained* networks:

- ``"delay"``: scalar i.i.d. N(0, 1) input, target ``y_t = x_{t - T}`` for ``t >= T``
  (memory of a fixed delay; chance-level MSE 1);
- ``"adding"``: the adding problem (Hochreiter & Schmidhuber 1997): two channels, random
  numbers in [0, 1) and two markers; target the sum of the two marked numbers at the last
  step; the first marker in the first half, the second in the second half of length ``T``
  (chance-level MSE 1/6 when predicting the mean 1);
- ``"lorenz"``: one-step forecasting of Lorenz-63 (normalised), windows of length ``T``;
- ``"copy"``: delayed recall (the copy task of Hochreiter & Schmidhuber 1997 as set by
  Arjovsky et al. 2016): :data:`COPY_SYMBOLS` random symbols out of :data:`COPY_ALPHABET`,
  ``T - 1`` blanks, a recall marker, and the symbols to be reproduced in order in the last
  steps, each ``T + COPY_SYMBOLS`` steps after it was shown (cross-entropy over the recalled
  steps; chance ``ln`` of the alphabet size, guessing uniformly);
- ``"digits"``: sequential 8x8 digits (scikit-learn's bundled set), read pixel by pixel
  (64 steps, one input), the class predicted at the last step (cross-entropy; chance the
  entropy of the class frequencies). ``T`` must be 64.

Losses are divided by the chance level of the task, so 1 is chance for every task.

Models: ``torch.nn.RNN`` (tanh), ``nn.GRU``, ``nn.LSTM`` (any initialisation), or the
minimalRNN module of :mod:`gcrit_utils.cells.minimalrnn`, each with a linear readout.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_int, check_positive
from .cells import MinimalRNNModule
from .network import RandomRNN

__all__ = [
    "TASKS",
    "TASK_LABELS",
    "CLASSIFICATION",
    "TASK_SIZES",
    "CHANCE",
    "COPY_ALPHABET",
    "COPY_SYMBOLS",
    "digits_data",
    "chance_loss",
    "MinimalRNNModule",
    "RecurrentRegressor",
    "task_batch",
    "TrainingResult",
    "train",
    "steps_to_solve",
    "model_from_random_rnn",
]

TASKS: tuple[str, ...] = ("delay", "adding", "lorenz", "copy", "digits")
#: Names of the tasks in figures and tables.
TASK_LABELS: dict[str, str] = {"delay": "delay", "adding": "adding", "lorenz": "Lorenz-63",
                               "copy": "copy", "digits": "digits"}
#: Tasks scored by cross-entropy over classes (the others by MSE).
CLASSIFICATION: tuple[str, ...] = ("copy", "digits")
#: Alphabet size and number of symbols to recall of the copy task.
COPY_ALPHABET, COPY_SYMBOLS = 8, 10
#: Input and output width per task (classes for a classification task).
TASK_SIZES: dict[str, tuple[int, int]] = {"delay": (1, 1), "adding": (2, 1), "lorenz": (3, 3),
                                          "copy": (COPY_ALPHABET + 2, COPY_ALPHABET),
                                          "digits": (1, 10)}
#: Loss of the best constant prediction, per task (for "lorenz": per normalised component;
#: for "digits": the entropy of the class frequencies of the training images).
CHANCE: dict[str, float] = {"delay": 1.0, "adding": 1.0 / 6.0, "lorenz": 1.0,
                            "copy": float(np.log(COPY_ALPHABET))}
#: Images of the digits set used for training (the rest are held out).
DIGITS_TRAIN = 1500


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
        The loss (MSE, or cross-entropy over classes for :data:`CLASSIFICATION` tasks,
        where ``y`` holds class indices) is taken over the entries where ``mask`` is 1.
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
    if task == "copy":
        return _copy_batch(batch, length, gen)
    if task == "digits":
        return _digits_batch(batch, length, gen)
    if series is None:
        raise ValueError("task='lorenz' needs the normalised series (array (T, 3))")
    starts = torch.randint(0, series.shape[0] - length - 1, (batch,), generator=gen)
    s = torch.as_tensor(series, dtype=torch.float32)
    idx = starts[:, None] + torch.arange(length + 1)[None, :]
    win = s[idx]  # (B, L+1, 3)
    mask = torch.ones(batch, length)
    mask[:, :10] = 0.0  # a short warm-up is not scored
    return win[:, :-1], win[:, 1:], mask


def _copy_batch(batch: int, length: int, gen: torch.Generator
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Delayed recall: symbols, ``length - 1`` blanks, a marker, then the symbols as targets
    (each recalled ``length + COPY_SYMBOLS`` steps after it was shown)."""
    k, blank, marker = COPY_SYMBOLS, COPY_ALPHABET, COPY_ALPHABET + 1
    total = k + length + k
    symbols = torch.randint(0, COPY_ALPHABET, (batch, k), generator=gen)
    tokens = torch.full((batch, total), blank, dtype=torch.long)
    tokens[:, :k] = symbols
    tokens[:, k + length - 1] = marker  # recall from the next step on
    x = torch.nn.functional.one_hot(tokens, COPY_ALPHABET + 2).float()
    y = torch.zeros(batch, total, dtype=torch.long)
    y[:, -k:] = symbols
    mask = torch.zeros(batch, total)
    mask[:, -k:] = 1.0
    return x, y, mask


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits: pixels in [0, 1], shape (1797, 64), labels (1797,)."""
    images, labels = _digits()
    return images.copy(), labels.copy()


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


def chance_loss(task: str) -> float:
    """Loss of the best constant prediction of ``task`` (the unit of :func:`train`'s losses)."""
    if task == "digits":
        _, labels = _digits()
        p = np.bincount(labels[:DIGITS_TRAIN], minlength=10) / DIGITS_TRAIN
        return float(-(p[p > 0] * np.log(p[p > 0])).sum())
    return CHANCE[task]


def _digits_batch(batch: int, length: int, gen: torch.Generator
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training images read pixel by pixel; the label is the target at the last step."""
    if length != 64:
        raise ValueError(f"length must be 64 for the digits task (8x8 pixels), got {length}")
    images, labels = _digits()
    pick = torch.randint(0, DIGITS_TRAIN, (batch,), generator=gen).numpy()
    x = torch.as_tensor(images[pick])[:, :, None]
    y = torch.zeros(batch, length, dtype=torch.long)
    y[:, -1] = torch.as_tensor(labels[pick])
    mask = torch.zeros(batch, length)
    mask[:, -1] = 1.0
    return x, y, mask


@dataclass(frozen=True)
class TrainingResult:
    """Loss curve of one training run.

    Attributes
    ----------
    losses : ndarray, shape (steps,)
        Training loss per step (MSE, or cross-entropy for a classification task), divided
        by the task's chance level (1 = chance).
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
    task : {"delay", "adding", "lorenz", "copy", "digits"}
    length : int
        Delay ``T`` (``"delay"``, ``"copy"``: the blank stretch) or sequence length
        (``"adding"``, ``"lorenz"``; 64 for ``"digits"``).
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
    chance = chance_loss(task)
    losses = np.empty(steps)
    for k in range(steps):
        x, y, mask = task_batch(task, batch, length, gen, series)
        pred = model(x)
        if task in CLASSIFICATION:
            err = torch.nn.functional.cross_entropy(pred.transpose(1, 2), y, reduction="none")
        else:
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
