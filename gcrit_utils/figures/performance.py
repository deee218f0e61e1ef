"""The performance page's figure: benchmark results as bar charts."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._style import PAGE, cell_label

__all__ = ["figure_performance"]


def figure_performance(reservoir: dict, lyapunov: dict, book: dict) -> Figure:
    """Benchmark results (the JSON files of ``benchmarks/results``) as three bar charts.

    Left: reservoir-steps per second (5000 teacher-forced steps + ridge, 32 gains), our
    engine vs reservoirpy and vs loops of torch modules. Middle: the recurrent
    step's fraction of the same-shape fp32 GEMM rate. Right: wall time of the book's commands.
    """
    fig, (ax_r, ax_g, ax_b) = plt.subplots(1, 3, figsize=(PAGE, 3.0),
                                           gridspec_kw={"width_ratios": [1.3, 0.7, 1.3]})
    rv = reservoir["rnn_vs_reservoirpy"]
    bars = [("tanh RNN, reservoirpy", rv["reservoirpy_reservoir_steps_per_s"], "0.6"),
            ("tanh RNN, ours f64", rv["engine_float64_reservoir_steps_per_s"], "C0"),
            ("tanh RNN, ours f32", rv["engine_float32_reservoir_steps_per_s"], "C0")]
    for arch in ("gru", "lstm"):
        rec = reservoir[f"{arch}_vs_torch_modules"]
        bars += [(f"{cell_label(arch)}, torch loop", rec["module_loop_reservoir_steps_per_s"],
                  "0.6"),
                 (f"{cell_label(arch)}, ours f32", rec["engine_reservoir_steps_per_s"], "C1")]
    ax_r.barh(range(len(bars)), [b[1] / 1e3 for b in bars], color=[b[2] for b in bars])
    ax_r.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=6)
    ax_r.invert_yaxis()
    ax_r.set_xlabel("thousand reservoir-steps / s")
    steps = reservoir["recurrent_step"]
    archs = list(steps)
    x = np.arange(len(archs))
    ax_g.bar(x - 0.2, [100 * steps[a]["fraction_of_gemm_rate"] for a in archs], 0.4,
             color="C2", label="fresh history")
    if all("reused_buffer_fraction_of_gemm_rate" in steps[a] for a in archs):
        ax_g.bar(x + 0.2, [100 * steps[a]["reused_buffer_fraction_of_gemm_rate"]
                           for a in archs], 0.4, color="C9", label="reused buffer")
    ax_g.set_xticks(x, archs)
    ax_g.set_ylim(0, 115)
    ax_g.set_ylabel("% of same-shape fp32 GEMM rate")
    ax_g.legend(fontsize=5, loc="upper right")
    names = list(book["steps"])
    ax_b.barh(range(len(names)), [book["steps"][k]["seconds"] for k in names], color="C4")
    ax_b.set_yticks(range(len(names)), names, fontsize=6)
    ax_b.invert_yaxis()
    ax_b.set_xlabel("wall time [s]")
    ax_g.tick_params(axis="x", labelsize=6)
    fig.tight_layout()
    return fig
