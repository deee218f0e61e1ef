"""The README is true: its package example runs, and it stays short."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_readme_is_at_most_120_lines():
    assert len(README.splitlines()) <= 120


def test_the_package_example_runs():
    (example,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102
    choice = namespace["choice"]
    assert 0.0 < choice.ratio < 1.3 and choice.readout in ("linear", "squared")
    assert namespace["net"].batch == 3


def test_the_figures_named_exist():
    from gcrit_utils.figures import FIGURES

    table = README.split("| chapter | figures |")[1].split("\n\n")[0]
    for name in re.findall(r"`([a-z0-9_]+)`", table):
        assert name in FIGURES or any(f.endswith(name) or f.startswith(name.rstrip("_"))
                                      for f in FIGURES), name
