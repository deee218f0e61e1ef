"""Reservoir benchmark: our batched engine versus reservoirpy and versus torch module loops.

The workload of issue #4: N = 500 units, 32 gains, 5000 teacher-forced steps of Lorenz-63
and a ridge readout per gain.

* tanh RNN: one :class:`~gcrit_utils.cells.RandomRNN` holding the 32 gains (one matrix
  product per step), its states streamed in chunks into the ridge normal equations
  (:class:`~gcrit_utils.ridge.NormalEquations`, never stored), versus reservoirpy 0.4.2
  doing the same work with one ``Reservoir`` and one ``Ridge`` per gain, given our dense
  weights. Parity first: with the same weights the states agree to 1e-6 and so does the
  one-step NRMSE (streamed readout).
* GRU / LSTM: the engine versus a loop over 32 ``torch.nn.GRU`` / ``nn.LSTM`` modules (each
  runs the whole sequence in one call) with a ridge readout each.
* The recurrent step's share of this machine's fp32 GEMM rate, measured in the same run for
  the same matrix shapes.
* The roofline: the shortest time any implementation of the same algorithm could take here
  (steps at the fp32 GEMM rate, float64 Gram matrices at the fp64 rate), hence the largest
  speed-up over reservoirpy this machine allows.

Every time is the best of ``bench_engine.REPEATS`` runs (the VM's background load moved single
runs by tens of per cent).

Run: ``.venv/bin/python benchmarks/bench_reservoir.py [--n 500] [--batch 32] [--steps 5000]``.
Writes ``benchmarks/results/reservoir.json``. A measurement, not a test: nothing asserts a
speed (the parity checks do raise if they fail).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from bench_engine import best_seconds, engine_rate, gemm_rate

from gcrit_utils import RandomRNN
from gcrit_utils.forecast import nrmse
from gcrit_utils.ridge import NormalEquations, fit_ridge, readout_features
from gcrit_utils.store import cpu_description
from gcrit_utils.systems import lorenz63, normalise

RIDGE = 1e-6
WASHOUT = 200


def _reservoirpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from reservoirpy.nodes import Reservoir, Ridge
    return Reservoir, Ridge


def parity(u: np.ndarray, n: int, gain: float = 1.2) -> dict[str, float]:
    """Same dense weights in both libraries: max state difference and both one-step NRMSEs."""
    reservoir_cls, ridge_cls = _reservoirpy()
    net = RandomRNN("rnn", n, gain, 0.5, input_dim=u.shape[1], input_scale=0.5, seed=0,
                    dtype=torch.float64)
    res = reservoir_cls(W=gain * net.w0.numpy(), Win=net.input_weights.numpy(),
                        bias=net.bias[0].numpy(), lr=1.0)
    theirs = res.run(u)
    ours = net.run(torch.as_tensor(u))[:, 0].numpy()
    split = (u.shape[0] * 3) // 4
    tr, va = slice(WASHOUT, split - 1), slice(split - 1, u.shape[0] - 1)
    readout = ridge_cls(ridge=RIDGE).fit(theirs[tr], u[WASHOUT + 1 : split])
    pred_theirs = readout.run(theirs[va])
    eq = NormalEquations(n, 1, u.shape[1])
    eq.add(torch.as_tensor(ours)[tr, None], torch.as_tensor(u[WASHOUT + 1 : split]))
    w = eq.solve(RIDGE, unpenalised=(n,))
    phi = readout_features(torch.as_tensor(ours)[:, None], n)
    pred_ours = (phi[va, 0] @ w[0]).numpy()
    out = {"max_state_difference": float(np.abs(theirs - ours).max()),
           "one_step_nrmse_ours": float(nrmse(u[split:], pred_ours[:, None])[0]),
           "one_step_nrmse_reservoirpy": float(nrmse(u[split:], pred_theirs[:, None])[0])}
    if out["max_state_difference"] > 1e-6:
        raise AssertionError(f"states differ from reservoirpy's: {out}")
    if abs(out["one_step_nrmse_ours"] / out["one_step_nrmse_reservoirpy"] - 1) > 1e-6:
        raise AssertionError(f"one-step NRMSE differs from reservoirpy's: {out}")
    return out


def streamed_fit(net: RandomRNN, x: torch.Tensor, n: int) -> torch.Tensor:
    """Teacher forcing in chunks straight into the normal equations, then the solve.

    The states are never stored (:meth:`RandomRNN.run_chunks` +
    :class:`~gcrit_utils.ridge.NormalEquations`); the weights equal ``fit_ridge`` on the
    stored run up to the summation order of the Gram matrix.
    """
    eq = NormalEquations(n, net.batch, x.shape[1], device=net.device)
    for t0, states in net.run_chunks(x[:-1]):
        lo = max(t0, WASHOUT)
        if lo < t0 + states.shape[0]:
            eq.add(states[lo - t0 :], x[lo + 1 : t0 + states.shape[0] + 1])
    return eq.solve(RIDGE)


def engine_seconds(arch: str, u: np.ndarray, n: int, gains: list[float],
                   dtype: torch.dtype) -> dict[str, float]:
    """All gains at once: streamed teacher forcing + ridge (the engine's path), and for
    comparison the stored run and the ridge on its feature matrix (best of each)."""
    net = RandomRNN(arch, n, gains, 0.5, input_dim=u.shape[1], input_scale=0.5, seed=0,
                    dtype=dtype)
    x = torch.as_tensor(u, dtype=dtype)
    streamed_s = best_seconds(lambda: streamed_fit(net, x, n))
    run_s = best_seconds(lambda: net.run(x[:-1]))
    states = net.run(x[:-1])
    ridge_s = best_seconds(
        lambda: fit_ridge(readout_features(states[WASHOUT:], n), x[WASHOUT + 1 :], RIDGE))
    return {"total_s": streamed_s, "stored_run_s": run_s, "stored_ridge_s": ridge_s,
            "stored_total_s": run_s + ridge_s}


def reservoirpy_seconds(u: np.ndarray, n: int, gains: list[float]) -> float:
    """One reservoirpy Reservoir + Ridge per gain, with our dense weights (best of runs)."""
    reservoir_cls, ridge_cls = _reservoirpy()
    net = RandomRNN("rnn", n, gains, 0.5, input_dim=u.shape[1], input_scale=0.5, seed=0,
                    dtype=torch.float64)
    w0, win, bias = net.w0.numpy(), net.input_weights.numpy(), net.bias[0].numpy()

    def work() -> None:
        for g in gains:
            res = reservoir_cls(W=g * w0, Win=win, bias=bias, lr=1.0)
            states = res.run(u[:-1])
            ridge_cls(ridge=RIDGE).fit(states[WASHOUT:], u[WASHOUT + 1 :])

    return best_seconds(work)


def module_loop_seconds(arch: str, u: np.ndarray, n: int, gains: list[float]) -> float:
    """A loop over torch.nn.GRU/LSTM modules (whole sequence per call) + a ridge each."""
    net = RandomRNN(arch, n, gains, 0.5, input_dim=u.shape[1], input_scale=0.5, seed=0)
    modules = [net.to_torch(b) for b in range(len(gains))]
    x = torch.as_tensor(u[:-1], dtype=torch.float32)[:, None, :]
    target = torch.as_tensor(u[WASHOUT + 1 :])

    def work() -> None:
        with torch.no_grad():
            for mod in modules:
                states, _ = mod(x)
                fit_ridge(readout_features(states[WASHOUT:], n), target, RIDGE)

    return best_seconds(work)


def roofline(n: int, batch: int, steps: int) -> dict[str, float]:
    """The shortest possible time of the tanh-RNN workload on this machine.

    Every network step is a ``(B, N) x (N, N)`` product (``2 B N^2`` FLOP); every Gram matrix
    ``Phi^T Phi`` of ``F = N + 1`` features over ``T = steps - washout`` rows is symmetric,
    so its upper triangle suffices: ``F (F + 1) T`` FLOP per gain, in float64 as the book's
    readouts are. At this machine's fp32 GEMM rate (steps) and fp64 batched-GEMM rate
    (Gram), that is the floor no implementation of the same algorithm goes below; the
    elementwise work, the solve and the state copies come on top.
    """
    f, rows = n + 1, steps - WASHOUT
    step_flops = 2.0 * batch * n * n * steps
    gram_flops = 1.0 * batch * f * (f + 1) * rows
    a = torch.randn(batch, f, rows, dtype=torch.float64)
    fp64 = 2.0 * batch * f * f * rows / best_seconds(lambda: a @ a.transpose(1, 2))
    fp32 = gemm_rate(batch, n, n)
    return {"step_gflop": step_flops / 1e9, "gram_gflop": gram_flops / 1e9,
            "fp32_gemm_flops_per_s": fp32, "fp64_batched_gemm_flops_per_s": fp64,
            "floor_float32_states_s": step_flops / fp32 + gram_flops / fp64}


def step_fraction_of_gemm(arch: str, n: int, batch: int, steps: int) -> dict[str, float]:
    """fp32 recurrent-step rate of the engine (input-driven ``run``) as a fraction of the
    same-shape GEMM rate, both best of ``bench_engine.REPEATS`` runs: with a freshly allocated
    history per run, and writing into a reused buffer (as the streamed readout does)."""
    k = {"rnn": 1, "gru": 3, "lstm": 4}[arch]
    flops = 2.0 * n * k * n
    peak = gemm_rate(batch, n, k * n)
    rate = engine_rate(arch, n, batch, steps, input_dim=3)
    reused = engine_rate(arch, n, batch, steps, input_dim=3, reuse_buffer=True)
    return {"network_steps_per_s": rate, "gemm_flops_per_s": peak,
            "fraction_of_gemm_rate": rate * flops / peak,
            "reused_buffer_network_steps_per_s": reused,
            "reused_buffer_fraction_of_gemm_rate": reused * flops / peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"
                                             / "reservoir.json"))
    args = parser.parse_args()
    u, _, _ = normalise(lorenz63(args.steps + 1, seed=0))
    gains = np.linspace(0.5, 2.0, args.batch).tolist()
    steps_total = args.batch * args.steps
    out: dict = {"machine": platform.machine(), "processor": cpu_description(),
                 "threads": torch.get_num_threads(), "torch": torch.__version__,
                 "n": args.n, "batch": args.batch, "steps": args.steps, "date":
                 time.strftime("%Y-%m-%d"), "parity": parity(u[:2000], args.n)}
    print(f"parity with reservoirpy: {out['parity']}")
    ours64 = engine_seconds("rnn", u, args.n, gains, torch.float64)
    ours32 = engine_seconds("rnn", u, args.n, gains, torch.float32)
    theirs = reservoirpy_seconds(u, args.n, gains)
    floor = roofline(args.n, args.batch, args.steps)
    out["rnn_vs_reservoirpy"] = {
        "engine_float64_s": ours64["total_s"], "engine_float32_s": ours32["total_s"],
        "engine_float64_parts_s": ours64, "engine_float32_parts_s": ours32,
        "reservoirpy_s": theirs,
        "engine_float64_reservoir_steps_per_s": steps_total / ours64["total_s"],
        "engine_float32_reservoir_steps_per_s": steps_total / ours32["total_s"],
        "reservoirpy_reservoir_steps_per_s": steps_total / theirs,
        "speedup_float64": theirs / ours64["total_s"],
        "speedup_float32": theirs / ours32["total_s"],
        "roofline": floor, "speedup_at_roofline": theirs / floor["floor_float32_states_s"]}
    print(f"tanh RNN: engine {ours64['total_s']:.2f} s (float64 states), "
          f"{ours32['total_s']:.2f} s (float32 states); reservoirpy {theirs:.2f} s "
          f"-> {theirs / ours64['total_s']:.1f}x / {theirs / ours32['total_s']:.1f}x "
          f"(stored run + ridge instead of streaming: {ours64['stored_total_s']:.2f} / "
          f"{ours32['stored_total_s']:.2f} s)")
    print(f"roofline of this machine: {floor['floor_float32_states_s']:.2f} s "
          f"({floor['step_gflop']:.0f} GFLOP of steps at "
          f"{floor['fp32_gemm_flops_per_s'] / 1e9:.0f} GFLOP/s fp32, {floor['gram_gflop']:.0f} "
          f"GFLOP of Gram matrices at {floor['fp64_batched_gemm_flops_per_s'] / 1e9:.0f} "
          f"GFLOP/s fp64) -> at most {theirs / floor['floor_float32_states_s']:.1f}x")
    for arch in ("gru", "lstm"):
        ours = engine_seconds(arch, u, args.n, gains, torch.float32)
        loop = module_loop_seconds(arch, u, args.n, gains)
        out[f"{arch}_vs_torch_modules"] = {
            "engine_float32_s": ours["total_s"], "engine_float32_parts_s": ours,
            "module_loop_s": loop, "speedup": loop / ours["total_s"],
            "engine_reservoir_steps_per_s": steps_total / ours["total_s"],
            "module_loop_reservoir_steps_per_s": steps_total / loop}
        print(f"{arch}: engine {ours['total_s']:.2f} s, loop of nn modules {loop:.2f} s "
              f"-> {loop / ours['total_s']:.1f}x")
    out["recurrent_step"] = {arch: step_fraction_of_gemm(arch, args.n, args.batch, 2000)
                             for arch in ("rnn", "gru", "lstm")}
    for arch, rec in out["recurrent_step"].items():
        print(f"{arch}: recurrent step at {100 * rec['fraction_of_gemm_rate']:.0f}% of the "
              f"same-shape fp32 GEMM rate ({rec['gemm_flops_per_s'] / 1e9:.0f} GFLOP/s) with a "
              f"fresh history, {100 * rec['reused_buffer_fraction_of_gemm_rate']:.0f}% into a "
              f"reused buffer")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
