"""Speed of the batched engine: B gains sharing W0 in one RandomRNN versus B torch modules.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--n 500] [--batch 32] [--steps 2000]``.
Writes ``benchmarks/results/engine.json`` (machine, versions, network-steps per second and the
fraction of this machine's fp32 GEMM rate reached by the recurrent step). A measurement, not a
test: nothing here asserts a speed.

``--compare REV`` measures the engine of git revision ``REV`` (checked out into a temporary
worktree) and of the working tree in the same run, alternating between them so that a change
of the machine's load affects both alike, and reports the ratio per cell.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch

from gcrit_utils import RandomRNN
from gcrit_utils.store import cpu_description

REPEATS = 5
"""Engine and GEMM timings are the best of this many runs (the torch-module loop below is
timed once): the machine is a shared VM whose background load moved single runs by tens of
per cent while these benchmarks were written."""


def best_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Shortest wall time of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def gemm_rate(m: int, k: int, n: int, block: int = 50) -> float:
    """fp32 GEMM rate (FLOP/s) of an (m, k) x (k, n) product on this machine (best block)."""
    a, b = torch.randn(m, k), torch.randn(k, n)

    def run_block() -> None:
        for _ in range(block):
            a @ b

    return 2.0 * m * k * n * block / best_seconds(run_block)


def engine_rate(arch: str, n: int, batch: int, steps: int, input_dim: int = 0,
                reuse_buffer: bool = False) -> float:
    """Network-steps per second of ``RandomRNN.run`` with ``batch`` gains (input optional).

    ``reuse_buffer=False`` allocates the ``(steps, batch, D)`` history on every call (what a
    caller of ``run`` that keeps the run gets); ``True`` writes into one preallocated buffer
    (``run(out=...)``, what the streamed readout's ``run_chunks`` does), so the page faults
    of a fresh multi-hundred-MB allocation are not counted.
    """
    net = RandomRNN(arch, n, torch.linspace(0.5, 3.0, batch).tolist(), 0.5,
                    input_dim=input_dim, input_scale=0.5, seed=0)
    x = torch.randn(steps, input_dim) if input_dim else steps
    buf = torch.empty(steps, batch, net.dim) if reuse_buffer else None
    return batch * steps / best_seconds(lambda: net.run(x, out=buf))


def module_loop_rate(arch: str, n: int, batch: int, steps: int) -> float:
    """Network-steps per second of a Python loop over ``batch`` torch modules, one step each."""
    nets = RandomRNN(arch, n, torch.linspace(0.5, 3.0, batch).tolist(), 0.5, seed=0)
    modules = [nets.to_torch(b) for b in range(batch)]
    x = torch.zeros(1, 1, 1)
    states = [None] * batch
    with torch.no_grad():
        start = time.perf_counter()
        for _ in range(steps):
            for b, mod in enumerate(modules):
                _, states[b] = mod(x, states[b])
        return batch * steps / (time.perf_counter() - start)


ARCHS = (("rnn", 1), ("gru", 3), ("lstm", 4))


def engine_rates(n: int, batch: int, steps: int) -> dict[str, float]:
    """Network-steps per second of ``RandomRNN.run`` per cell (fresh history, no input)."""
    return {arch: engine_rate(arch, n, batch, steps) for arch, _ in ARCHS}


def compare(rev: str, n: int, batch: int, steps: int, rounds: int = 3) -> dict:
    """Engine rates of revision ``rev`` and of the working tree, measured alternately.

    Each round runs one subprocess per tree (the package imported from that tree); a cell's
    rate is the best over the rounds.
    """
    import subprocess
    import sys
    import tempfile

    repo = Path(__file__).resolve().parents[1]
    here = Path(__file__).resolve()
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]);"
            "import bench_engine as b; print(json.dumps(b.engine_rates(*map(int, sys.argv[3:]))))")
    best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=repo,
                       check=True, capture_output=True)
        try:
            for _ in range(rounds):
                for label, root in (("before", tree), ("after", repo)):
                    out = subprocess.run([sys.executable, "-c", code, str(root), str(here.parent),
                                          str(n), str(batch), str(steps)], check=True,
                                         capture_output=True, text=True).stdout
                    for arch, rate in json.loads(out).items():
                        best[label][arch] = max(best[label].get(arch, 0.0), rate)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=repo,
                           check=False, capture_output=True)
    commit = subprocess.run(["git", "rev-parse", rev], cwd=repo, capture_output=True,
                            text=True, check=True).stdout.strip()
    return {"before_revision": commit, "rounds": rounds, "before": best["before"],
            "after": best["after"],
            "after_over_before": {a: best["after"][a] / best["before"][a] for a in best["after"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "engine.json"))
    parser.add_argument("--compare", metavar="REV", default=None,
                        help="also measure git revision REV in the same run (a ratio per cell)")
    args = parser.parse_args()
    if args.compare:
        result = compare(args.compare, args.n, args.batch, args.steps)
        for arch, ratio in result["after_over_before"].items():
            print(f"{arch}: {result['after'][arch]:,.0f} net-steps/s now, "
                  f"{result['before'][arch]:,.0f} at {args.compare} ({ratio:.2f}x)")
        out = Path(args.out).with_name(Path(args.out).stem + "_compare.json")
        result.update({"machine": platform.machine(), "processor": cpu_description(),
                       "threads": torch.get_num_threads(), "torch": torch.__version__,
                       "n": args.n, "batch": args.batch, "steps": args.steps})
        out.write_text(json.dumps(result, indent=2))
        return
    out = {"machine": platform.machine(), "processor": cpu_description(),
           "threads": torch.get_num_threads(), "torch": torch.__version__,
           "date": time.strftime("%Y-%m-%d"),
           "n": args.n, "batch": args.batch, "steps": args.steps, "archs": {}}
    for arch, k in ARCHS:
        ours = engine_rate(arch, args.n, args.batch, args.steps)
        reused = engine_rate(arch, args.n, args.batch, args.steps, reuse_buffer=True)
        loop = module_loop_rate(arch, args.n, args.batch, args.steps // 10)
        peak = gemm_rate(args.batch, args.n, k * args.n)
        flops_per_step = 2.0 * args.n * k * args.n  # the recurrent GEMM, per network
        out["archs"][arch] = {
            "engine_network_steps_per_s": ours,
            "torch_module_loop_network_steps_per_s": loop,
            "speedup_vs_module_loop": ours / loop,
            "gemm_flops_per_s": peak,
            "fraction_of_gemm_rate": ours * flops_per_step / peak,
            "reused_buffer_network_steps_per_s": reused,
            "reused_buffer_fraction_of_gemm_rate": reused * flops_per_step / peak,
        }
        print(f"{arch}: engine {ours:,.0f} net-steps/s, module loop {loop:,.0f} "
              f"({ours / loop:.1f}x), {100 * ours * flops_per_step / peak:.0f}% of GEMM rate "
              f"({100 * reused * flops_per_step / peak:.0f}% into a reused buffer)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
