"""A stored experiment as data: name, configuration, task function and assembler.

Every sweep of the book is one :class:`Sweep`. Its configuration is frozen (nested mappings
become read-only, lists become tuples) and is exactly what the store saves as the entry's
``params``; the entry's ``config_hash`` is the hash of that configuration, so a change to a
definition is a new entry, never a silent reuse of old numbers. :meth:`Sweep.load` returns
the stored arrays when the stored configuration matches and otherwise computes the tasks
through the resumable runner (:func:`gcrit_utils.runner.run_grid`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .runner import finished_tasks, run_grid
from .store import CorruptResultError, config_hash, load_result, result_exists

__all__ = ["Sweep", "freeze", "thaw"]

TaskResult = dict[str, np.ndarray]


def freeze(value: Any) -> Any:
    """A read-only copy: mappings become ``MappingProxyType``, lists and tuples tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain (JSON) form of a frozen value: dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Sweep:
    """One stored experiment.

    Attributes
    ----------
    name : str
        Store entry (``results/NAME.npz`` and ``.json``).
    config : mapping
        Everything the result depends on, frozen at construction; saved as ``params``.
    make_tasks : callable
        ``config -> list of task dicts`` (JSON-able, picklable).
    task_fn : callable
        ``task -> dict of arrays``; module level, so that it runs in any executor.
    assemble : callable
        ``(config, list of task results in task order) -> dict of arrays`` to store.
    """

    name: str
    config: Mapping[str, Any]
    make_tasks: Callable[[Mapping[str, Any]], list[dict[str, Any]]]
    task_fn: Callable[[dict[str, Any]], TaskResult]
    assemble: Callable[[Mapping[str, Any], list[TaskResult]], dict[str, np.ndarray]]

    def __post_init__(self) -> None:
        if not isinstance(self.config, Mapping):
            raise ValueError(f"config must be a mapping, got {type(self.config).__name__}")
        object.__setattr__(self, "config", freeze(self.config))

    @property
    def params(self) -> dict[str, Any]:
        """The configuration as the store saves it (plain dicts and lists)."""
        return thaw(self.config)

    @property
    def config_hash(self) -> str:
        """Hash of :attr:`params` (:func:`gcrit_utils.store.config_hash`)."""
        return config_hash(self.params)

    def tasks(self) -> list[dict[str, Any]]:
        """The task dicts, in the order :attr:`assemble` expects their results."""
        return self.make_tasks(self.config)

    def compute(self, progress: bool = False) -> dict[str, np.ndarray]:
        """Run every task in this process and assemble, without the store."""
        from tqdm import tqdm

        results = [self.task_fn(task) for task in tqdm(self.tasks(), desc=self.name,
                                                       disable=not progress)]
        return self.assemble(self.config, results)

    def stored(self, root: str | Path | None = None) -> dict[str, np.ndarray] | None:
        """The stored arrays if the store holds this configuration; else None.

        A corrupt entry (checksum mismatch, unreadable) counts as absent.
        """
        if not result_exists(self.name, root):
            return None
        try:
            data, meta = load_result(self.name, root)
        except CorruptResultError:
            return None
        return data if meta.get("params") == self.params else None

    def load(self, root: str | Path | None = None, recompute: bool = False,
             executor: Any = None, progress: bool = True) -> dict[str, np.ndarray]:
        """The stored result, or computed (resuming finished tasks) and stored.

        Parameters
        ----------
        root : path, optional
            Store folder (``results/`` by default).
        recompute : bool
            Run the tasks even if a matching entry exists.
        executor : concurrent.futures.Executor, optional
            Where the tasks run (in this process when None).
        progress : bool
            A progress bar over the tasks.
        """
        if not recompute:
            data = self.stored(root)
            if data is not None:
                return data
        return run_grid(self.name, self.params, self.tasks(), self.task_fn,
                        lambda results: self.assemble(self.config, results), root=root,
                        executor=executor, progress=progress)

    def finished(self, root: str | Path | None = None
                 ) -> tuple[dict[int, TaskResult], dict[int, dict[str, Any]]]:
        """Tasks of an unfinished fill that are done, and their provenance (nothing runs)."""
        return finished_tasks(self.name, self.params, root)

