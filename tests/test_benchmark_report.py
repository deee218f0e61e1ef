"""The Performance page's tables read the stored benchmark results and measure nothing."""

from pathlib import Path

import pytest

from gcrit_utils import benchmark_report as bench

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def test_every_table_reads_the_stored_results():
    results = bench.load_benchmarks(RESULTS)
    files = bench.files_table(results).splitlines()
    shown = [p for p in RESULTS.glob("*.json") if not p.stem.startswith("engine")]
    assert len(files) == 2 + len(shown)  # every file but the engine comparisons
    table = bench.reservoirpy_table(results["machines"]).splitlines()
    assert len(table) == 2 + len(results["machines"])
    low, high = (float(x) for x in bench.speedup_range(results["machines"]).split("–"))
    assert 1 < low <= high
    assert bench.step_share_range(results["reservoir"]).endswith("%")
    assert "cell" in bench.recurrent_step_table(results["reservoir"])
    assert "make test" in bench.book_steps_table(results["book"])
    assert "rnn" in bench.lyapunov_table(results["lyapunov"])
    assert "projected fill" in bench.store_table(results["stores"])


def test_a_missing_result_names_its_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="run benchmarks/bench_reservoir.py"):
        bench.load_benchmarks(tmp_path)
