import dataclasses
import math

import numpy as np
import pytest

from gcrit_utils.experiments.dynamics import (
    crossing_gains,
    lyapunov_agreement,
    lyapunov_sweep,
    lyapunov_vs_gain,
    phase_diagram,
    sweep_lyapunov,
    sweep_phase_diagram,
)
from gcrit_utils.experiments.scale import current_scale
from gcrit_utils.experiments.spectrum import (
    finite_size_gain_samples,
    spectrum_sweep,
    sweep_spectrum,
    top_unit_share,
)
from gcrit_utils.lyapunov import first_crossing
from gcrit_utils.report import format_table, mean_and_error
from gcrit_utils.store import load_result, result_exists, save_result


def test_store_roundtrip_with_provenance(tmp_path):
    data = {"x": np.arange(5.0), "y": np.eye(2)}
    save_result("demo", data, {"n": 3}, root=tmp_path, wall_time_s=1.23)
    assert result_exists("demo", tmp_path)
    back, meta = load_result("demo", tmp_path)
    assert np.array_equal(back["x"], data["x"]) and np.array_equal(back["y"], data["y"])
    assert meta["params"] == {"n": 3}
    for key in ("gcrit_utils", "git_commit", "created_utc", "torch", "wall_time_s"):
        assert key in meta["provenance"]
    assert not list(tmp_path.glob("*.tmp"))


def test_store_rejects_bad_names_and_missing(tmp_path):
    with pytest.raises(ValueError, match="name must"):
        save_result("../evil", {}, {}, root=tmp_path)
    with pytest.raises(FileNotFoundError, match="gcrit figures"):
        load_result("absent", tmp_path)


def test_first_crossing():
    x = [0.0, 1.0, 2.0, 3.0]
    assert first_crossing(x, [-1.0, -0.5, 0.5, 1.0]) == pytest.approx(1.5)
    assert first_crossing(x, [1.0, 2.0, 3.0, 4.0]) == 0.0
    assert first_crossing(x, [-1.0, -1.0, -1.0, -1.0]) == math.inf
    assert first_crossing(x, [-1.0, 1.0, -1.0, 1.0], level=0.5) == pytest.approx(0.75)


def test_scale(monkeypatch):
    monkeypatch.delenv("GCRIT_SCALE", raising=False)
    assert current_scale() == "default"
    monkeypatch.setenv("GCRIT_SCALE", "paper")
    assert current_scale() == "paper"
    monkeypatch.setenv("GCRIT_SCALE", "huge")
    with pytest.raises(ValueError, match="GCRIT_SCALE"):
        current_scale()


def test_spectrum_sweep_shapes_and_determinism():
    a = spectrum_sweep([("gru", 0.5), ("lstm", 0.0)], [60, 80], [0, 1], [1.0, 1.2])
    b = spectrum_sweep([("gru", 0.5), ("lstm", 0.0)], [60, 80], [0, 1], [1.0, 1.2])
    assert a["g_star"].shape == (2, 2, 2) and a["rightmost"].shape == (2, 2, 2, 2)
    for k in a:
        assert np.array_equal(a[k], b[k])


def test_lyapunov_vs_gain_is_deterministic():
    a = lyapunov_vs_gain("gru", 0.5, [1.0, 3.0], 50, [0, 1], 200, 100)
    b = lyapunov_vs_gain("gru", 0.5, [1.0, 3.0], 50, [0, 1], 200, 100)
    assert a["exponents"].shape == (2, 2)
    assert np.array_equal(a["exponents"], b["exponents"])


def test_heavy_tail_helpers():
    gru = finite_size_gain_samples("gru", 0.5, 2000, 50)
    lstm = finite_size_gain_samples("lstm", 1.0, 2000, 50)
    assert gru.std() < lstm.std()
    assert top_unit_share("lstm", 1.0, 1000, 0.01, 20).mean() > 5 * top_unit_share(
        "gru", 0.5, 1000, 0.01, 20).mean()


def test_report_helpers():
    table = format_table(["a", "bb"], [[1, 2.5], ["x", "y"]])
    assert table.splitlines()[0].split() == ["a", "|", "bb"] and len(table.splitlines()) == 4
    assert mean_and_error([1.0, 2.0, 3.0], 2) == "2.00 ± 0.58"
    assert mean_and_error([1.5]) == "1.500"
    with pytest.raises(ValueError, match="as many cells as headers"):
        format_table(["a"], [[1, 2]])
    with pytest.raises(ValueError, match="empty"):
        mean_and_error([])


def test_crossing_summary():
    from gcrit_utils.report import crossing_summary

    assert crossing_summary([1.0, 2.0, 3.0], 5.0, 2) == "2.00 ± 0.58"
    assert crossing_summary([np.inf, np.inf], 2.4) == "> 2.4 in 2/2 seeds"
    expected = "1.50 ± 0.50 (2 seeds); > 2.4 in 1/3 seeds"
    assert crossing_summary([1.0, np.inf, 2.0], 2.4, 2) == expected


def test_stored_sweeps_equal_in_memory_sweeps(tmp_path):
    """Each chapter's stored sweep (small configurations of the real definitions) equals
    the in-memory function the chapters call for live slices."""
    spectrum = dataclasses.replace(sweep_spectrum("default"), name="spectrum_test", config={
        "cases": [["gru", 0.5], ["lstm", 0.5]], "ns": [40, 60], "seeds": [0, 1],
        "ratios": [1.0, 1.2]})
    stored = spectrum.load(tmp_path, progress=False)
    live = spectrum_sweep([("gru", 0.5), ("lstm", 0.5)], [40, 60], [0, 1], [1.0, 1.2])
    for key in live:
        assert np.array_equal(stored[key], live[key]), key
    assert spectrum.load(tmp_path)["g_star"].shape == (2, 2, 2)

    lyapunov = dataclasses.replace(sweep_lyapunov("default"), name="lyapunov_test", config={
        "cases": [["gru", 0.5], ["rnn", 0.5]], "n": 30, "seeds": [0, 1], "ratios": [0.8, 1.5],
        "steps": 60, "warmup": 20})
    stored = lyapunov.load(tmp_path, progress=False)
    live = lyapunov_sweep([("gru", 0.5), ("rnn", 0.5)], 30, [0, 1], [0.8, 1.5], 60, 20)
    for key in live:
        assert np.array_equal(stored[key], live[key], equal_nan=True), key
    per_seed = lyapunov_vs_gain("rnn", 0.5, (live["ratios"] * live["g_c"][1]).tolist(), 30,
                                [0, 1], 60, 20)
    assert np.array_equal(per_seed["exponents"], live["exponents"][1])
    chaos = crossing_gains(live, 0.0)
    assert chaos.shape == (2, 2)
    assert chaos[1, 0] == first_crossing(live["ratios"] * live["g_c"][1],
                                         live["exponents"][1, 0], 0.0)

    phase = dataclasses.replace(sweep_phase_diagram("gru", "default"), name="phase_test",
                                config={"arch": "gru", "n": 20, "seed": 0,
                                        "bias_stds": [0.0, 0.5], "gains": [0.5, 3.0],
                                        "steps": 40, "warmup": 10})
    stored = phase.load(tmp_path, progress=False)
    live = phase_diagram("gru", [0.0, 0.5], [0.5, 3.0], 20, 0, 40, 10)
    for key in live:
        assert np.array_equal(stored[key], live[key]), key


def test_git_commit_ignores_changes_to_the_store(tmp_path):
    import subprocess

    from gcrit_utils.store import _git_commit

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "entry.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    clean = _git_commit(tmp_path)
    assert len(clean) == 40 and not clean.endswith("-dirty")
    (tmp_path / "results" / "entry.json").write_text('{"a": 1}')
    assert _git_commit(tmp_path) == clean  # the store changed, not the code
    (tmp_path / "code.py").write_text("x = 2\n")
    assert _git_commit(tmp_path) == clean + "-dirty"


def test_lyapunov_agreement_separates_ordered_and_chaotic_gains():
    stored = np.array([-0.2, -0.1, 0.001, 0.05, 0.1])
    stderr = np.array([1e-4, 1e-4, 1e-3, 2e-3, 2e-3])
    live = stored + np.array([2e-13, -1e-13, 1e-3, -2e-3, 2e-2])
    out = lyapunov_agreement(live, stored, stderr)
    assert out["ordered"] == 2 and out["chaotic"] == 3
    assert out["ordered_max_rel_diff"] == pytest.approx(1e-12)
    assert out["chaotic_median_z"] == pytest.approx(1.0)  # z = 1, 1, 10
    assert lyapunov_agreement(stored[:2], stored[:2], stderr[:2])["chaotic_median_z"] == 0.0
    with pytest.raises(ValueError, match="same shape"):
        lyapunov_agreement(live, stored[:3], stderr)


def test_cpu_description_names_model_and_vector_isa(tmp_path):
    from gcrit_utils.store import cpu_description

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU 9000\nflags\t\t: fpu sse2 avx avx2 "
                    "avx512f\n")
    assert cpu_description(info) == "Some CPU 9000 (AVX-512)"
    info.write_text("processor\t: 0\nmodel name\t: Other CPU\nflags\t\t: fpu sse2 avx avx2\n")
    assert cpu_description(info) == "Other CPU (AVX2)"
    assert cpu_description(tmp_path / "missing")  # falls back, never empty


def test_value_range_formats_the_extremes():
    from gcrit_utils.report import value_range

    assert value_range([0.9, 0.7, 0.8]) == "0.70–0.90"
    assert value_range([0.701, 0.699]) == "0.70"  # equal once rounded: one value
    assert value_range([-3.2, 17.0], 0, signed=True) == "-3 to +17"
    with pytest.raises(ValueError, match="non-empty and without NaN"):
        value_range([])
    with pytest.raises(ValueError, match="non-empty and without NaN"):
        value_range([1.0, float("nan")])


def test_median_interval_uses_order_statistics_with_exact_coverage():
    from gcrit_utils.intervals import median_interval

    med, lo, hi, cov = median_interval([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (med, lo, hi) == (3.0, 1.0, 5.0) and cov == pytest.approx(1 - 2 ** -4)
    x = np.arange(1.0, 41.0)
    med, lo, hi, cov = median_interval(x, level=0.95)
    assert lo > 1.0 and hi < 40.0 and cov >= 0.95 and lo < med < hi
    with pytest.raises(ValueError, match="level must be"):
        median_interval(x, level=1.5)
    with pytest.raises(ValueError, match="non-empty"):
        median_interval([])
    # a diverged run (+inf) sorts last; the median of the rest stays finite
    med, lo, hi, _ = median_interval([0.2, np.inf, 0.1, 0.3, 0.4])
    assert (med, lo, hi) == (0.3, 0.1, np.inf)
    with pytest.raises(ValueError, match="no NaN"):
        median_interval([0.1, np.nan])
