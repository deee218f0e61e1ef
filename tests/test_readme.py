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


def test_the_gain_choice_counts_match_the_store():
    from gcrit_utils.experiments.gain_choice import score_gain_choice

    text = " ".join(README.split())
    said = re.search(r"keeps, on average over seeds, at least 0\.9 of the grid's best forecast in "
                     r"all but (\w+) \(task, cell\) row at N = 1000 and all but (\w+) at N = 500",
                     text)
    assert said, "the README's gain-choice sentence changed; update this test"
    words = {"one": 1, "two": 2, "three": 3, "four": 4}
    for scale, word in (("paper", said.group(1)), ("default", said.group(2))):
        rows = score_gain_choice(scale, n_boot=1)
        assert sum(r["tuned"] < 0.9 for r in rows) == words[word], scale
