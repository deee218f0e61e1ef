"""The package's layers import one way: core <- experiments <- book side (figures, tables, CLI)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gcrit_utils"
BOOK_SIDE = {"figures", "report", "benchmark_report", "plotting", "cli"}


def _layer(module: str) -> str:
    """``core``, ``experiments`` or ``book`` for a dotted module name below gcrit_utils."""
    top = module.split(".")[0]
    if top == "experiments":
        return "experiments"
    return "book" if top in BOOK_SIDE else "core"


def _imports(path: Path) -> set[str]:
    """Modules below gcrit_utils imported by ``path`` (relative or absolute, at any depth)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = here[:-1] if here[-1] != "__init__" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [target + [a.name] for a in node.names]
            elif node.module and node.module.startswith("gcrit_utils"):
                names = [node.module.split(".")[1:]]
            else:
                continue
            found.update(".".join(n) for n in names if n)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names
                         if a.name.startswith("gcrit_utils."))
    return found


def _graph() -> dict[str, set[str]]:
    return {".".join(p.relative_to(PACKAGE).with_suffix("").parts): _imports(p)
            for p in PACKAGE.rglob("*.py")}


def test_the_core_imports_neither_experiments_nor_the_book_side():
    order = {"core": 0, "experiments": 1, "book": 2}
    wrong = [(module, target) for module, targets in _graph().items() for target in targets
             if order[_layer(target)] > order[_layer(module)]]
    assert not wrong, f"imports against the layering: {wrong}"


def test_the_graph_is_read():
    graph = _graph()
    assert "experiments.forecasting" in graph["figures.forecasting"]
    assert "network" in graph["experiments.forecasting"]
    assert any(t.startswith("cells") for t in graph["network"])
