"""Write book/api.md from ``gcrit_utils.API`` (the public names by topic) and the module list.

Run ``make api-page`` after changing the public API; ``tests/test_api_page.py`` fails while the
page and the API disagree.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import gcrit_utils

#: The second part of the page: the package module by module, by topic.
MODULES: list[tuple[str, list[str | tuple[str, str]]]] = [
    ("The criterion and its theory", ["theory", "gaussian", "meanfield", "signalprop", "symbolic"]),
    ("Cells and the engine", [("cells", "CELLS, ARCHS, get_cell, cell_of_module"), "cells.base",
                              "cells.rnn", "cells.gru", "cells.lstm", "cells.minimalrnn",
                              "cells.leaky", "network"]),
    ("Spectra, dynamics, fixed points", ["spectra", "lyapunov", "fixedpoint", "propagation",
                                         "scrambling"]),
    ("Forecasting and training", ["tuning", "crossval", "forecast", "ridge", "systems",
                                  "training", "init"]),
    ("Stored experiments", ["sweep", "store", "runner"]),
]

HEADER = """(page-api)=
# API reference

The public names of `gcrit_utils` by topic, with the first line of each docstring; every one
is importable as `from gcrit_utils import NAME`. Each links to its full documentation in the
second part, which documents the package module by module. (This page is written by
`book/make_api_page.py` from `gcrit_utils.API`.)
"""


def home(name: str) -> str:
    """The module documenting a public name, relative to ``gcrit_utils``."""
    obj = getattr(gcrit_utils, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return obj.__module__.removeprefix("gcrit_utils.")
    for _, modules in MODULES:
        for entry in modules:
            module = entry[0] if isinstance(entry, tuple) else entry
            mod = importlib.import_module(f"gcrit_utils.{module}")
            if getattr(mod, name, None) is obj and name in getattr(mod, "__all__", []):
                return module
    raise ValueError(f"no module of MODULES documents {name!r}")


def page() -> str:
    """The text of book/api.md."""
    lines = HEADER.splitlines()
    for topic, names in gcrit_utils.API.items():
        lines += ["", f"## {topic}", "", "```{eval-rst}", ".. currentmodule:: gcrit_utils", "",
                  ".. autosummary::", ""]
        lines += [f"   ~{home(n)}.{n}" for n in names]
        lines += ["```"]
    lines += ["", "## Modules"]
    for topic, modules in MODULES:
        lines += ["", f"### {topic}", "", "```{eval-rst}"]
        for entry in modules:
            module, members = entry if isinstance(entry, tuple) else (entry, None)
            lines += [f".. automodule:: gcrit_utils.{module}",
                      f"   :members: {members}" if members else "   :members:", ""]
        lines[-1:] = ["```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("api.md")
    target.write_text(page())
