"""A small results store: named arrays in ``results/NAME.npz`` with ``results/NAME.json``.

The JSON file holds the parameters of the sweep, their hash, the SHA-256 of the ``.npz`` and
the provenance (package version, git commit, date, machine, library versions, wall time), so a
chapter that plots stored data can say where it came from, and recompute a slice to prove the
data still comes from the code. Files are written atomically (temporary file, then rename);
arrays are stored without pickle; a file whose checksum does not match is reported as
:class:`CorruptResultError`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import platform
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CorruptResultError",
    "config_hash",
    "cpu_description",
    "default_root",
    "save_result",
    "load_result",
    "provenance",
    "result_exists",
]


class CorruptResultError(ValueError):
    """A stored result whose files are unreadable or whose checksum does not match."""


def config_hash(params: dict[str, Any]) -> str:
    """SHA-256 (hex, first 16 characters) of the canonical JSON of ``params``."""
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def default_root() -> Path:
    """``results/`` next to the package (the repository root for an editable install)."""
    return Path(__file__).resolve().parents[1] / "results"


def _git_commit(root: Path) -> str:
    """HEAD of the repository holding the package, with ``-dirty`` if the tree has changes.

    Changes inside ``results/`` do not count: a fill that writes several entries changes the
    store itself, not the code that computes it.
    """
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                 ".", ":(exclude)results"],
                                cwd=root, capture_output=True, text=True, timeout=10,
                                check=True).stdout.strip()
        return head + ("-dirty" if status else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_description(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """CPU model and widest vector instruction set, e.g. ``"AMD EPYC (AVX2)"``.

    Results of chaotic computations depend on the BLAS kernels, which are chosen by instruction
    set, so the store records it. Falls back to ``platform.processor()`` (often empty on
    Linux) and then ``"unknown"`` where ``/proc/cpuinfo`` is not readable.
    """
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return platform.processor() or "unknown"
    fields = dict(line.split(":", 1) for line in text.splitlines()[:60] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = set(fields.get("flags", "").split())
    isa = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"),
                                        ("avx", "AVX"), ("sse2", "SSE2")) if flag in flags),
               None)
    model = fields.get("model name") or platform.processor() or "unknown"
    return f"{model} ({isa})" if isa else model


def provenance(wall_time_s: float | None = None) -> dict[str, Any]:
    """Where and with what a result was computed."""
    import scipy
    import torch

    from . import __version__

    return {
        "gcrit_utils": __version__,
        "git_commit": _git_commit(Path(__file__).resolve().parents[1]),
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": platform.machine(),
        "processor": cpu_description(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "torch": torch.__version__,
        "wall_time_s": None if wall_time_s is None else round(float(wall_time_s), 1),
    }


def _check_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(f"name must be non-empty and use only letters, digits, '_' or '-', "
                         f"got {name!r}")
    return name


def save_result(name: str, data: dict[str, np.ndarray], params: dict[str, Any],
                root: str | Path | None = None, wall_time_s: float | None = None,
                tasks: dict[str, Any] | None = None,
                task_provenance: list[dict[str, Any]] | None = None) -> Path:
    """Write ``data`` (arrays) and ``params`` with provenance; return the ``.npz`` path.

    ``wall_time_s`` is the time of the run that saved the result; ``tasks`` (from
    :func:`gcrit_utils.runner.tasks_summary`) says where and at which commits the tasks of a
    resumed sweep were computed, and how long they took in total; ``task_provenance`` keeps
    each task's own provenance, in task order.
    """
    name = _check_name(name)
    folder = Path(root) if root is not None else default_root()
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in data.items()})
    payload = buffer.getvalue()
    meta = {"name": name, "params": params, "config_hash": config_hash(params),
            "sha256": hashlib.sha256(payload).hexdigest(), "arrays": sorted(data),
            "provenance": provenance(wall_time_s)}
    if tasks is not None:
        meta["tasks"] = tasks
    if task_provenance is not None:
        meta["task_provenance"] = task_provenance
    for suffix, content in ((".npz", payload), (".json", json.dumps(meta, indent=2).encode())):
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=suffix + ".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / f"{name}{suffix}")
    return folder / f"{name}.npz"


def result_exists(name: str, root: str | Path | None = None) -> bool:
    """True if both files of result ``name`` exist."""
    folder = Path(root) if root is not None else default_root()
    return all((folder / f"{_check_name(name)}{s}").is_file() for s in (".npz", ".json"))


def load_result(name: str, root: str | Path | None = None
                ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and metadata of result ``name``.

    Raises
    ------
    FileNotFoundError
        If the result has not been computed (run ``gcrit figures``).
    CorruptResultError
        If a file is unreadable or the arrays do not match their checksum.
    """
    folder = Path(root) if root is not None else default_root()
    name = _check_name(name)
    if not result_exists(name, folder):
        raise FileNotFoundError(f"result {name!r} not found in {folder}: run `gcrit figures`")
    try:
        meta = json.loads((folder / f"{name}.json").read_text())
        payload = (folder / f"{name}.npz").read_bytes()
        if hashlib.sha256(payload).hexdigest() != meta.get("sha256"):
            raise CorruptResultError(f"result {name!r} in {folder}: checksum mismatch")
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, json.JSONDecodeError) as err:
        if isinstance(err, CorruptResultError):
            raise
        raise CorruptResultError(f"result {name!r} in {folder} is unreadable: {err}") from err
    return data, meta
