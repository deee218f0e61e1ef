"""Resumable grids of independent tasks, with results in the store.

A sweep is a list of independent tasks (one grid point each: a case, a size, a seed). Each
finished task is written at once, atomically, to ``results/.partial/NAME-HASH/``; a run that is
interrupted (killed, out of time) resumes where it stopped and recomputes nothing that was
finished. Every task file carries its own provenance (commit, machine, date, seconds), so a
sweep too long for one machine session can be filled over several, on different machines: the
partial folder is plain files that can be copied or committed (the paper-scale forecasting
maps are filled this way). When every task is done the results are assembled, saved as one
store entry (with provenance and a summary of the tasks' provenance) and the partial folder is
removed. Tasks can run in any
:class:`concurrent.futures.Executor` (a process pool, or a ``dask.distributed`` client's
executor); by default they run in this process, which on a 2-core machine is fastest because
each task already uses both cores through BLAS.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .store import config_hash, default_root, provenance, save_result

__all__ = ["run_grid", "finished_tasks", "tasks_summary", "PROVENANCE_KEY"]

TaskResult = dict[str, np.ndarray]


def _partial_dir(name: str, params: dict[str, Any], root: Path) -> Path:
    return root / ".partial" / f"{name}-{config_hash(params)}"


#: Key of a task file that holds the task's provenance (a JSON string), not a result array.
PROVENANCE_KEY = "__provenance__"


def _write_task(folder: Path, index: int, result: TaskResult, seconds: float | None = None,
                cpu_seconds: float | None = None) -> None:
    buffer = io.BytesIO()
    arrays = {k: np.asarray(v) for k, v in result.items()}
    origin = provenance(seconds)
    if cpu_seconds is not None:
        # CPU time of the process that ran the task (all its threads): unlike the wall time it
        # excludes time the process spent stopped or waiting, e.g. a fill paused by SIGSTOP
        origin["cpu_time_s"] = round(float(cpu_seconds), 1)
    arrays[PROVENANCE_KEY] = np.asarray(json.dumps(origin))
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest()
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.chmod(tmp, 0o644)
    os.replace(tmp, folder / f"task_{index:06d}_{digest[:16]}.npz")


def _read_tasks(folder: Path, delete_corrupt: bool = True
                ) -> tuple[dict[int, TaskResult], dict[int, dict[str, Any]]]:
    """Finished tasks of a partial folder: results and provenance (``{}`` for files written
    before tasks carried provenance); corrupt files are skipped, and deleted (so that the
    runner recomputes them) if ``delete_corrupt``."""
    done: dict[int, TaskResult] = {}
    origin: dict[int, dict[str, Any]] = {}
    for path in folder.glob("task_*.npz"):
        _, index, digest = path.stem.split("_")
        payload = path.read_bytes()
        if hashlib.sha256(payload).hexdigest()[:16] != digest:
            if delete_corrupt:
                path.unlink()
            continue
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            done[int(index)] = {k: npz[k] for k in npz.files if k != PROVENANCE_KEY}
            origin[int(index)] = (json.loads(str(npz[PROVENANCE_KEY]))
                                  if PROVENANCE_KEY in npz.files else {})
    return done, origin


def finished_tasks(name: str, params: dict[str, Any], root: str | Path | None = None
                   ) -> tuple[dict[int, TaskResult], dict[int, dict[str, Any]]]:
    """The tasks of an unfinished sweep that are done so far, without running any.

    Reads the partial folder that :func:`run_grid` fills for ``(name, params)``; changes
    nothing (a corrupt file is skipped, not deleted).

    Parameters
    ----------
    name, params : str, dict
        As given to :func:`run_grid`.
    root : path, optional
        Store folder (``results/`` by default).

    Returns
    -------
    results, provenance : dict, dict
        Task index -> result arrays, and task index -> provenance of its file (``{}`` for
        files written before tasks carried provenance). Both empty if the sweep has no
        partial folder (never started, or finished and assembled).
    """
    folder = _partial_dir(name, params, Path(root) if root is not None else default_root())
    if not folder.is_dir():
        return {}, {}
    return _read_tasks(folder, delete_corrupt=False)


def _timed(task_fn: Callable[[Any], TaskResult], task: Any
           ) -> tuple[TaskResult, float, float]:
    """``task_fn(task)``, its wall time and the CPU time of the process running it [s]."""
    start, cpu = time.perf_counter(), time.process_time()
    result = task_fn(task)
    return result, time.perf_counter() - start, time.process_time() - cpu


def tasks_summary(origin: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Where the tasks of a sweep were computed: counts per commit and per machine, the
    summed task wall time (``task_seconds``; it includes pauses of the process) and CPU time
    (``task_cpu_seconds``, over the ``cpu_timed`` tasks that recorded it) and the first/last
    date (tasks without provenance count as unknown)."""
    def counts(key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in origin:
            value = str(o.get(key, "unknown"))
            out[value] = out.get(value, 0) + 1
        return dict(sorted(out.items()))

    seconds = [o["wall_time_s"] for o in origin if o.get("wall_time_s") is not None]
    cpu = [o["cpu_time_s"] for o in origin if o.get("cpu_time_s") is not None]
    dates = sorted(o["created_utc"] for o in origin if "created_utc" in o)
    return {"count": len(origin), "git_commits": counts("git_commit"),
            "processors": counts("processor"), "timed": len(seconds),
            "task_seconds": float(sum(seconds)), "cpu_timed": len(cpu),
            "task_cpu_seconds": float(sum(cpu)),
            "first_utc": dates[0] if dates else None, "last_utc": dates[-1] if dates else None}


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
    done, origin = _read_tasks(partial)
    todo = [i for i in range(len(tasks)) if i not in done]
    start = time.perf_counter()
    bar = tqdm(total=len(tasks), initial=len(done), desc=name, disable=not progress)
    try:
        if executor is None:
            for i in todo:
                done[i], seconds, cpu = _timed(task_fn, tasks[i])
                _write_task(partial, i, done[i], seconds, cpu)
                bar.update(1)
        else:
            timed = functools.partial(_timed, task_fn)
            futures = {executor.submit(timed, tasks[i]): i for i in todo}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                done[i], seconds, cpu = fut.result()
                _write_task(partial, i, done[i], seconds, cpu)
                bar.update(1)
    finally:
        bar.close()
    # read back what was written: the provenance of every task, old and new alike
    done, origin = _read_tasks(partial)
    data = assemble([done[i] for i in range(len(tasks))])
    ordered = [origin[i] for i in range(len(tasks))]
    save_result(name, data, params, root=folder_root, wall_time_s=time.perf_counter() - start,
                tasks=tasks_summary(ordered), task_provenance=ordered)
    shutil.rmtree(partial, ignore_errors=True)
    return data
