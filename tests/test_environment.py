"""environment.yml must install exactly what requirements.txt pins."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def test_environment_pip_section_mirrors_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1
    pip = [p for p in pip_sections[0] if p != "-e ."]
    assert pip == requirement_lines()
    assert "pip" in env["dependencies"]


def test_the_makefile_installs_the_pinned_torch_from_a_chosen_index():
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH_INDEX ?=" in makefile
    assert "TORCH_PIN := $(shell grep '^torch==' requirements.txt)" in makefile
    assert '--index-url "$(TORCH_INDEX)" "$(TORCH_PIN)"' in makefile


def test_every_requirement_is_pinned():
    reqs = requirement_lines()
    assert all("==" in r for r in reqs), reqs
    assert "torch==2.13.0" in reqs
    (book,) = [r for r in reqs if r.startswith("jupyter-book==")]
    assert book.split("==")[1].startswith("1.")  # v2 downloads its theme: not offline
