"""Resumable grids of independent tasks, with results in the store.

A sweep is a list of independent tasks (one grid point each: a case, a size, a seed). Each
finished task is written at once, atomically, to ``results/.partial/NAME-HASH/``; a run that is
interrupted (killed, out of time) resumes where it stopped and recomputes nothing that was
finished. When every task is done the results are assembled, saved as one store entry (with
provenance) and the partial folder is removed. Tasks can run in any
:class:`concurrent.futures.Executor` (a process pool, or a ``dask.distributed`` client's
executor); by default they run in this process, which on a 2-core machine is fastest because
each task already uses both cores through BLAS.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .store import config_hash, default_root, save_result

__all__ = ["run_grid"]

TaskResult = dict[str, np.ndarray]


def _partial_dir(name: str, params: dict[str, Any], root: Path) -> Path:
    return root / ".partial" / f"{name}-{config_hash(params)}"


def _write_task(folder: Path, index: int, result: TaskResult) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(v) for k, v in result.items()})
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest()
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.replace(tmp, folder / f"task_{index:06d}_{digest[:16]}.npz")


def _read_tasks(folder: Path) -> dict[int, TaskResult]:
    done: dict[int, TaskResult] = {}
    for path in folder.glob("task_*.npz"):
        _, index, digest = path.stem.split("_")
        payload = path.read_bytes()
        if hashlib.sha256(payload).hexdigest()[:16] != digest:
            path.unlink()  # corrupt: recompute this task
            continue
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            done[int(index)] = {k: npz[k] for k in npz.files}
    return done


def run_grid(
    name: str,
    params: dict[str, Any],
    tasks: Sequence[Any],
    task_fn: Callable[[Any], TaskResult],
    assemble: Callable[[list[TaskResult]], dict[str, np.ndarray]],
    root: str | Path | None = None,
    executor: cf.Executor | None = None,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Run ``task_fn`` on every task (resuming), assemble and store the result.

    Parameters
    ----------
    name : str
        Store entry to write (``results/NAME.npz`` + ``.json``).
    params : dict
        Parameters of the whole sweep (saved; their hash names the partial folder).
    tasks : sequence
        Task descriptions (picklable when an executor is used).
    task_fn : callable
        ``task -> dict of arrays``; a module-level function when an executor is used.
    assemble : callable
        ``list of task results, in task order -> dict of arrays`` to store.
    root : path, optional
        Store folder (``results/`` by default).
    executor : concurrent.futures.Executor, optional
        Where tasks run; in this process when None.
    progress : bool
        tqdm bar with ETA.

    Returns
    -------
    dict of ndarray
        The assembled result, as stored.
    """
    from tqdm import tqdm

    folder_root = Path(root) if root is not None else default_root()
    partial = _partial_dir(name, params, folder_root)
    partial.mkdir(parents=True, exist_ok=True)
    done = _read_tasks(partial)
    todo = [i for i in range(len(tasks)) if i not in done]
    start = time.perf_counter()
    bar = tqdm(total=len(tasks), initial=len(done), desc=name, disable=not progress)
    try:
        if executor is None:
            for i in todo:
                done[i] = task_fn(tasks[i])
                _write_task(partial, i, done[i])
                bar.update(1)
        else:
            futures = {executor.submit(task_fn, tasks[i]): i for i in todo}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                done[i] = fut.result()
                _write_task(partial, i, done[i])
                bar.update(1)
    finally:
        bar.close()
    data = assemble([done[i] for i in range(len(tasks))])
    save_result(name, data, params, root=folder_root, wall_time_s=time.perf_counter() - start)
    shutil.rmtree(partial, ignore_errors=True)
    return data
