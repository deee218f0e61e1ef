"""The API page of the book lists exactly the package's public names, by topic."""

import re
from pathlib import Path

import gcrit_utils

PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"


def _tables() -> dict[str, list[str]]:
    """Topic -> names of its autosummary table on the API page."""
    text = PAGE.read_text()
    out = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        topic = section.splitlines()[0].strip()
        if topic == "Modules":
            continue
        table = re.search(r"\.\. autosummary::\n\n((?:   \S+\n)+)", section)
        out[topic] = [name.split(".")[-1] for name in table.group(1).split()] if table else []
    return out


def test_every_public_name_is_on_the_api_page_under_its_topic():
    assert _tables() == {topic: list(names) for topic, names in gcrit_utils.API.items()}


def test_all_is_the_api_and_every_name_exists():
    assert gcrit_utils.__all__ == [n for names in gcrit_utils.API.values() for n in names]
    assert len(set(gcrit_utils.__all__)) == len(gcrit_utils.__all__)
    missing = [n for n in gcrit_utils.__all__ if not hasattr(gcrit_utils, n)]
    assert not missing


def test_every_public_name_has_a_one_line_summary():
    for name in gcrit_utils.__all__:
        obj = getattr(gcrit_utils, name)
        if callable(obj):
            doc = (obj.__doc__ or "").strip()
            assert doc and doc.splitlines()[0].strip(), f"{name} has no summary line"


def test_the_page_is_what_the_generator_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_api_page",
                                                  PAGE.with_name("make_api_page.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert PAGE.read_text() == module.page(), "run `make api-page`"
