import concurrent.futures as cf

import numpy as np
import pytest

from gcrit_utils.runner import run_grid
from gcrit_utils.store import load_result


def square(task):
    return {"y": np.array([task["x"] ** 2, task["x"] + 0.5])}


def assemble(results):
    return {"y": np.stack([r["y"] for r in results])}


class Interrupted(RuntimeError):
    pass


def interrupted_run(name, params, tasks, root, stop):
    """Run the grid until the task with x == stop raises, as a killed run would stop."""
    def dying(task):
        if task["x"] == stop:
            raise Interrupted("killed")
        return square(task)

    with pytest.raises(Interrupted, match="killed"):
        run_grid(name, params, tasks, dying, assemble, root=root, progress=False)


def counting_square(calls):
    def counting(task):
        calls.append(task["x"])
        return square(task)
    return counting


def test_interrupted_run_resumes_without_recomputing(tmp_path):
    tasks = [{"x": float(i)} for i in range(8)]
    calls = []

    def dying(task):
        calls.append(task["x"])
        if len(calls) == 5:
            raise Interrupted("killed")
        return square(task)

    with pytest.raises(Interrupted, match="killed"):
        run_grid("g", {"k": 1}, tasks, dying, assemble, root=tmp_path, progress=False)
    assert len(list((tmp_path / ".partial").glob("*/task_*.npz"))) == 4  # nothing lost
    calls.clear()

    def counting(task):
        calls.append(task["x"])
        return square(task)

    data = run_grid("g", {"k": 1}, tasks, counting, assemble, root=tmp_path, progress=False)
    assert calls == [4.0, 5.0, 6.0, 7.0]  # only the unfinished tasks
    reference = assemble([square(t) for t in tasks])
    assert np.array_equal(data["y"], reference["y"])
    stored, meta = load_result("g", tmp_path)
    assert np.array_equal(stored["y"], reference["y"]) and meta["params"] == {"k": 1}
    assert not list((tmp_path / ".partial").glob("*"))  # cleaned up


def test_corrupt_partial_task_is_recomputed(tmp_path):
    tasks = [{"x": float(i)} for i in range(3)]
    interrupted_run("h", {}, tasks, tmp_path, stop=2.0)
    first = sorted((tmp_path / ".partial").glob("*/task_*.npz"))[0]
    first.write_bytes(first.read_bytes()[:-7] + b"garbage")
    data = run_grid("h", {}, tasks, square, assemble, root=tmp_path, progress=False)
    assert np.array_equal(data["y"], assemble([square(t) for t in tasks])["y"])


def test_process_pool_gives_the_same_result(tmp_path):
    tasks = [{"x": float(i)} for i in range(6)]
    serial = run_grid("a", {}, tasks, square, assemble, root=tmp_path, progress=False)
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        parallel = run_grid("b", {}, tasks, square, assemble, root=tmp_path, executor=pool,
                            progress=False)
    assert np.array_equal(serial["y"], parallel["y"])


SCRIPT = """
import sys, time
import numpy as np
from gcrit_utils.runner import run_grid

def slow(task):
    time.sleep(0.15)
    return {"y": np.array([task ** 2])}

run_grid("killed", {"v": 1}, list(range(40)), slow,
         lambda res: {"y": np.concatenate([r["y"] for r in res])},
         root=sys.argv[1], progress=False)
"""


def test_sigkill_mid_run_then_resume(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    partial = tmp_path / ".partial"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(partial.glob("*/task_*.npz"))) < 5:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = len(list(partial.glob("*/task_*.npz")))
    assert 5 <= saved < 40, saved  # killed mid-run, finished tasks kept
    assert not (tmp_path / "killed.npz").exists()
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, timeout=60)
    data, _ = load_result("killed", tmp_path)
    assert np.array_equal(data["y"], np.arange(40) ** 2)


def test_dask_distributed_cluster_gives_the_same_result(tmp_path):
    """Documented scale-out path: a dask.distributed cluster's executor (loopback)."""
    import sys

    import cloudpickle
    from distributed import Client, LocalCluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # tests are not installed
    tasks = [{"x": float(i)} for i in range(6)]
    serial = run_grid("s", {}, tasks, square, assemble, root=tmp_path, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
        data = run_grid("d", {}, tasks, square, assemble, root=tmp_path,
                        executor=client.get_executor(), progress=False)
    assert np.array_equal(serial["y"], data["y"])
    assert load_result("d", tmp_path)[0]["y"].shape == (6, 2)


def test_tasks_carry_provenance_and_the_entry_summarises_it(tmp_path):
    import json

    from gcrit_utils.runner import PROVENANCE_KEY

    tasks = [{"x": float(i)} for i in range(3)]
    interrupted_run("p", {}, tasks, tmp_path, stop=2.0)
    files = sorted((tmp_path / ".partial").glob("*/task_*.npz"))
    with np.load(files[0]) as npz:
        origin = json.loads(str(npz[PROVENANCE_KEY]))
    assert origin["wall_time_s"] is not None and origin["git_commit"] and origin["created_utc"]
    # a task file written before tasks carried provenance (no key) still counts as done
    with np.load(files[1]) as npz:
        plain = {k: npz[k] for k in npz.files if k != PROVENANCE_KEY}
    files[1].unlink()
    import gcrit_utils.runner as runner
    from gcrit_utils.runner import _write_task

    real = runner.provenance
    runner.provenance = lambda seconds=None: {}
    try:
        _write_task(files[1].parent, 1, plain)
    finally:
        runner.provenance = real
    calls = []
    data = run_grid("p", {}, tasks, counting_square(calls), assemble, root=tmp_path,
                    progress=False)
    assert calls == [2.0]
    assert np.array_equal(data["y"], assemble([square(t) for t in tasks])["y"])
    _, meta = load_result("p", tmp_path)
    summary = meta["tasks"]
    assert summary["count"] == 3 and summary["timed"] == 2
    assert sum(summary["git_commits"].values()) == 3 and "unknown" in summary["git_commits"]
    assert summary["first_utc"] <= summary["last_utc"]
    # each task's own provenance is kept, in task order ({} for the file written without it)
    per_task = meta["task_provenance"]
    assert len(per_task) == 3 and per_task[0] == origin and per_task[1] == {}
    assert per_task[2]["wall_time_s"] is not None and "cpu_time_s" in per_task[2]


def sleepy_square(task):
    import time

    time.sleep(0.3)  # waiting, like a fill paused by SIGSTOP: wall time, no CPU time
    return square(task)


def test_task_cpu_time_excludes_waiting(tmp_path):
    import json

    from gcrit_utils.runner import PROVENANCE_KEY

    tasks = [{"x": float(i)} for i in range(2)]
    interrupted_run("w", {}, tasks, tmp_path, stop=1.0)  # keep the partial folder to read
    (done,) = (tmp_path / ".partial").glob("*/task_*.npz")
    with np.load(done) as npz:
        first = json.loads(str(npz[PROVENANCE_KEY]))
    assert first["cpu_time_s"] >= 0 and first["wall_time_s"] >= 0
    run_grid("w", {}, tasks, sleepy_square, assemble, root=tmp_path, progress=False)
    summary = load_result("w", tmp_path)[1]["tasks"]
    assert summary["cpu_timed"] == 2 and summary["timed"] == 2
    # the resumed task slept 0.3 s: it is in the wall time, not in the CPU time
    assert summary["task_seconds"] >= 0.3 > summary["task_cpu_seconds"] + 0.2


def test_partial_folder_copied_to_another_root_resumes(tmp_path):
    import shutil

    tasks = [{"x": float(i)} for i in range(4)]
    interrupted_run("c", {"s": 2}, tasks, tmp_path / "one", stop=3.0)
    shutil.copytree(tmp_path / "one" / ".partial", tmp_path / "two" / ".partial")
    calls = []
    run_grid("c", {"s": 2}, tasks, counting_square(calls), assemble, root=tmp_path / "two",
             progress=False)
    assert calls == [3.0]
    _, meta = load_result("c", tmp_path / "two")
    assert meta["tasks"]["count"] == 4 and meta["tasks"]["timed"] == 4
