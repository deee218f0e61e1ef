"""Sweeps as data: frozen configurations, the store's cache and the guard on stored entries."""

import json
from pathlib import Path

import numpy as np
import pytest

from gcrit_utils.experiments import all_sweeps
from gcrit_utils.store import CorruptResultError, config_hash, default_root, load_result
from gcrit_utils.sweep import Sweep, freeze, thaw


def _tasks(config):
    return [config["a"], config["a"] + 1]


def _double(task):
    return {"v": np.array([2.0 * task])}


def _assemble(config, results):
    return {"v": np.concatenate([r["v"] for r in results])}


def test_config_is_frozen_and_stored_as_plain_json():
    sweep = Sweep("s", {"a": 1, "grid": [1, 2], "nested": {"b": [3]}}, _tasks, _double,
                  _assemble)
    with pytest.raises(TypeError, match="does not support item assignment"):
        sweep.config["a"] = 2
    assert sweep.config["grid"] == (1, 2)
    assert sweep.params == {"a": 1, "grid": [1, 2], "nested": {"b": [3]}}
    assert sweep.config_hash == config_hash(sweep.params)
    assert thaw(freeze({"x": (1, [2, {"y": 3}])})) == {"x": [1, [2, {"y": 3}]]}
    with pytest.raises(ValueError, match="config must be a mapping"):
        Sweep("s", [1, 2], _tasks, _double, _assemble)


def test_load_recomputes_only_when_the_configuration_changes(tmp_path):
    calls = []

    def counting(task):
        calls.append(task)
        return _double(task)

    for a in (1, 1, 2):
        out = Sweep("s", {"a": a}, _tasks, counting, _assemble).load(tmp_path, progress=False)
        assert np.array_equal(out["v"], [2.0 * a, 2.0 * a + 2])
    assert calls == [1, 2, 2, 3]  # the second load with a = 1 came from the store
    meta = json.loads((tmp_path / "s.json").read_text())
    assert meta["params"] == {"a": 2}
    assert Sweep("s", {"a": 2}, _tasks, counting, _assemble).compute()["v"].tolist() == [4, 6]


def test_a_corrupt_entry_is_detected_and_recomputed(tmp_path):
    calls = []

    def counting(task):
        calls.append(task)
        return {"v": np.arange(10.0) * task}

    sweep = Sweep("c", {"a": 2}, lambda config: [config["a"]], counting,
                  lambda config, results: results[0])
    sweep.load(tmp_path, progress=False)
    raw = bytearray((tmp_path / "c.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "c.npz").write_bytes(bytes(raw))
    with pytest.raises(CorruptResultError, match="checksum"):
        load_result("c", tmp_path)
    assert sweep.stored(tmp_path) is None
    out = sweep.load(tmp_path, progress=False)
    assert np.array_equal(out["v"], np.arange(10.0) * 2)
    assert calls == [2, 2]
    load_result("c", tmp_path)  # valid again


def _stored_entries() -> list[Path]:
    return sorted(default_root().glob("*.json"))


@pytest.mark.parametrize("path", _stored_entries(), ids=lambda p: p.stem)
def test_every_stored_entry_matches_its_definition(path):
    """Guard: every entry under results/ keeps its hash, and the code still defines exactly
    the configuration it was computed with (a refactor must never orphan stored results)."""
    meta = json.loads(path.read_text())
    assert config_hash(meta["params"]) == meta["config_hash"], "stored params drifted"
    definitions = {sweep.name: sweep for sweep in all_sweeps()}
    assert meta["name"] in definitions, f"no sweep defines {meta['name']}"
    sweep = definitions[meta["name"]]
    assert sweep.config_hash == meta["config_hash"]
    assert sweep.params == meta["params"]


def test_the_guard_sees_the_store():
    assert len(_stored_entries()) >= 28
    names = [sweep.name for sweep in all_sweeps()]
    assert len(names) == len(set(names)), "two sweeps share a store entry"
