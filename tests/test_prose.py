"""What a reader reads speaks about the science and the package, not about the build's history:
no commit ids, dates, CPU models or tracker wording in the README, the book's pages or the
notebooks' prose (the performance page may name the CPU its figures were measured on).
Printed outputs count: they are read too."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PATTERNS = {
    "commit id": re.compile(r"(?<![0-9a-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}"
                            r"(?![0-9a-z])"),
    "ISO date": re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b"),
    "CPU model": re.compile(r"\b(EPYC|Xeon|Ryzen|Core i[3579]|AVX-?512|AVX2|AMX)\b", re.I),
    "tracker wording": re.compile(r"\bissue #?\d+|#\d{1,4}\b", re.I),
}
#: Pages that may name the CPU their measurements come from.
MAY_NAME_CPU = {"notebooks/performance.ipynb"}


def _printed(cell: dict) -> str:
    """The text a notebook cell prints (streams and plain-text results)."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}):
            out.append("".join(o["data"]["text/plain"]))
    return "\n".join(out)


def _reader_texts() -> list[tuple[str, str]]:
    texts = [("README.md", (ROOT / "README.md").read_text())]
    for page in sorted((ROOT / "book").glob("*.md")):
        texts.append((str(page.relative_to(ROOT)), page.read_text()))
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        printed = "\n".join(_printed(c) for c in cells if c["cell_type"] == "code")
        texts.append((str(nb.relative_to(ROOT)), prose + "\n" + printed))
    return texts


@pytest.mark.parametrize("name,text", [pytest.param(n, t, id=n) for n, t in _reader_texts()])
def test_reader_facing_text_has_no_build_history(name, text):
    found = []
    # math is not prose; code spans are not either, except that a commit id or a date is
    # history wherever it stands
    no_math = re.sub(r"\$[^$]*\$", " ", text)
    no_code = re.sub(r"`[^`]*`", " ", no_math)
    for kind, pattern in PATTERNS.items():
        if kind == "CPU model" and name in MAY_NAME_CPU:
            continue
        prose = no_math if kind in ("commit id", "ISO date") else no_code
        found += [f"{kind}: {m.group(0)!r}" for m in pattern.finditer(prose)]
    assert not found, f"{name}: {found[:10]}"


def test_the_patterns_catch_what_they_should():
    assert PATTERNS["commit id"].search("landed at 3f8f62b yesterday")
    assert not PATTERNS["commit id"].search("N = 1000000 and g = 1.5")
    assert not PATTERNS["commit id"].search("facade")  # letters only
    assert PATTERNS["ISO date"].search("filled 2026-11-30")
    assert PATTERNS["CPU model"].search("on an AMD EPYC")
    assert PATTERNS["tracker wording"].search("as issue #4 asked")


#: Symbols the text typesets as math; a caption that spells them in plain text reads as code.
PLAIN_SYMBOLS = re.compile(r"\b(s_b|g_c|chi_1|xi_1|sigma_x|J0)\b")


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_figure_captions_typeset_their_symbols(nb):
    for cell in json.loads(nb.read_text())["cells"]:
        caption = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption", "")
        outside_math = re.sub(r"\$[^$]*\$", "", caption)
        assert not PLAIN_SYMBOLS.search(outside_math), f"plain symbol in caption: {caption!r}"


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_glued_text_holds_no_math(nb):
    """{glue:text} inserts plain text: a '$' in a glued value would show literally."""
    for cell in json.loads(nb.read_text())["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            value = out.get("data", {}).get("application/papermill.record/text/plain", "")
            assert not (name and "$" in value), f"{name} = {value}"
