"""What the parts of the reservoir benchmark cost with the kernels this machine offers.

``bench_reservoir.py`` compares the engine with reservoirpy and with a roofline (steps at the
fp32 GEMM rate, Gram triangles at the fp64 GEMM rate). This script asks what is reachable
with real kernels, part by part, for the same tanh-RNN workload (N = 500, 32 gains, 5000
teacher-forced steps, float32 states, float64 readout):

* **the recurrent step**: the engine's ``tanh(addmm(c, h * g, W))`` into the history, two
  alternatives (in place: ``addmm`` into the history, ``tanh_``, ``mul`` into a buffer;
  separate ``mm`` and add), and the bare products alone (no elementwise work: a floor for any
  step made of torch kernels);
* **the float64 Gram matrices** of 4800 rows of float32 states: the engine's streamed
  upper-block products (chunks of 256 rows, 4 column blocks), and, after copying all rows into a
  reused float64 feature buffer (included in the time), one full batched product, 3 upper
  blocks, and, as an experiment only, MKL's own ``dsyrk`` (the symmetric rank-k update
  torch does not expose), called through the internal symbol ``mkl_blas_dsyrk`` of torch's
  library when it is there (skipped otherwise; the engine never calls it);
* **the solve** of the 32 ridge problems.

The sum of the fastest part times is the time of the workload with these kernels and no
overhead at all; with reservoirpy's time from ``reservoir*.json`` of the same CPU it bounds
the speed-up reachable without writing new compiled kernels.

Run: ``.venv/bin/python benchmarks/bench_kernels.py [--out benchmarks/results/kernels.json]``.
A measurement, not a test.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch
from bench_engine import best_seconds

from gcrit_utils.ridge import NormalEquations, _ridge_solve
from gcrit_utils.store import cpu_description

N, BATCH, STEPS, ROWS, CHUNK = 500, 32, 5000, 4800, 256


def step_seconds() -> dict[str, float]:
    """5000 steps of a (32, 500) state: the engine's step, two alternatives, bare products."""
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(N, N, generator=gen) / N**0.5
    g = torch.rand(BATCH, 1, generator=gen)
    drive = torch.randn(STEPS, 1, N, generator=gen)
    out = torch.empty(STEPS, BATCH, N)

    def engine() -> None:
        h = torch.zeros(BATCH, N)
        for t in range(STEPS):
            h = torch.tanh(torch.addmm(drive[t], h * g, w), out=out[t])

    def in_place() -> None:
        hg = torch.zeros(BATCH, N)
        for t in range(STEPS):
            torch.addmm(drive[t], hg, w, out=out[t])
            out[t].tanh_()
            torch.mul(out[t], g, out=hg)

    def separate_add() -> None:
        hg, pre = torch.zeros(BATCH, N), torch.empty(BATCH, N)
        for t in range(STEPS):
            torch.mm(hg, w, out=pre)
            pre += drive[t]
            torch.tanh(pre, out=out[t])
            torch.mul(out[t], g, out=hg)

    def products_only() -> None:
        hg, pre = torch.zeros(BATCH, N), torch.empty(BATCH, N)
        for _ in range(STEPS):
            torch.mm(hg, w, out=pre)

    with torch.no_grad():
        return {name: best_seconds(fn) for name, fn in (
            ("engine_step", engine), ("in_place", in_place), ("separate_add", separate_add),
            ("products_only", products_only))}


def _mkl_dsyrk() -> Callable | None:
    """MKL's internal ``mkl_blas_dsyrk`` from torch's library, or None if it is not there."""
    lib_dir = Path(torch.__file__).parent / "lib"
    try:
        fn = ctypes.CDLL(str(lib_dir / "libtorch_cpu.so")).mkl_blas_dsyrk
    except (OSError, AttributeError):
        return None
    ptr = ctypes.POINTER
    i64, f64 = ctypes.c_longlong, ctypes.c_double
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ptr(i64), ptr(i64), ptr(f64),
                   ctypes.c_void_p, ptr(i64), ptr(f64), ctypes.c_void_p, ptr(i64)]
    return fn


def gram_seconds() -> dict[str, float | None]:
    """The float64 Gram matrices of ``ROWS`` rows, ``F = N + 1 + 3`` columns, 32 gains."""
    gen = torch.Generator().manual_seed(1)
    states = torch.randn(ROWS, BATCH, N, generator=gen)
    targets = torch.randn(ROWS, 3, generator=gen, dtype=torch.float64)
    f = N + 1 + 3
    rows = torch.empty(BATCH, ROWS, f, dtype=torch.float64)
    rows[:, :, N] = 1.0
    rows[:, :, N + 1 :] = targets
    cols = rows.transpose(1, 2)

    def features() -> None:
        rows[:, :, :N].copy_(states.transpose(0, 1))
    gram = torch.zeros(BATCH, f, f, dtype=torch.float64)

    def streamed() -> None:
        NormalEquations(N, BATCH, 3, chunk=CHUNK).add(states, targets)

    def full() -> None:
        features()
        torch.bmm(cols, rows, out=gram)

    edges = [round(i * f / 3) for i in range(4)]

    def three_blocks() -> None:
        features()
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            gram[:, lo:hi, lo:] = torch.bmm(cols[:, lo:hi], rows[:, :, lo:])

    out: dict[str, float | None] = {"streamed_engine": best_seconds(streamed),
                                    "full_product": best_seconds(full),
                                    "three_upper_blocks": best_seconds(three_blocks)}
    syrk = _mkl_dsyrk()
    if syrk is None:
        out["mkl_dsyrk_experiment"] = None
        return out
    # a row-major (rows, F) chunk is a column-major (F, rows) matrix A; dsyrk("U", "N")
    # adds A A^T to the upper triangle of the column-major C, the lower one of row-major gram
    n, ld, one = ctypes.c_longlong(f), ctypes.c_longlong(f), ctypes.c_double(1.0)

    def mkl() -> None:
        features()
        for t0 in range(0, ROWS, CHUNK):
            k = ctypes.c_longlong(min(CHUNK, ROWS - t0))
            for b in range(BATCH):
                syrk(b"U", b"N", ctypes.byref(n), ctypes.byref(k), ctypes.byref(one),
                     rows[b, t0:].data_ptr(), ctypes.byref(ld), ctypes.byref(one),
                     gram[b].data_ptr(), ctypes.byref(ld))

    gram.zero_()
    mkl()
    if not torch.allclose(gram.tril(), (cols @ rows).tril(), rtol=1e-10, atol=1e-9):
        raise AssertionError("mkl_blas_dsyrk did not reproduce the Gram matrices")
    out["mkl_dsyrk_experiment"] = best_seconds(mkl)
    return out


def solve_seconds() -> float:
    """The batched ridge solve of 32 problems with ``F = N + 1`` features."""
    gen = torch.Generator().manual_seed(2)
    a = torch.randn(BATCH, 2 * N, N + 1, generator=gen, dtype=torch.float64)
    gram, rhs = a.transpose(1, 2) @ a, torch.randn(BATCH, N + 1, 3, dtype=torch.float64)
    return best_seconds(lambda: _ridge_solve(gram, rhs, 1e-6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "kernels.json"))
    args = parser.parse_args()
    steps, grams, solve = step_seconds(), gram_seconds(), solve_seconds()
    fastest_gram = min(v for v in grams.values() if v is not None)
    public_gram = min(v for k, v in grams.items() if v is not None and "mkl" not in k)
    out = {"machine": platform.machine(), "processor": cpu_description(),
           "threads": torch.get_num_threads(), "torch": torch.__version__,
           "date": time.strftime("%Y-%m-%d"),
           "workload": {"n": N, "batch": BATCH, "steps": STEPS, "gram_rows": ROWS},
           "step_s": steps, "gram_s": grams, "solve_s": solve,
           "parts_engine_kernels_s": steps["engine_step"] + public_gram + solve,
           "parts_bare_products_s": steps["products_only"] + public_gram + solve,
           "parts_bare_products_mkl_dsyrk_s": steps["products_only"] + fastest_gram + solve}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
