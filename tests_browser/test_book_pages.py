"""The built book as a reader meets it: every chapter page rendered by headless Chromium.

Run by ``make check-book`` after the book is built (not part of ``pytest tests/``). For every
page of ``_toc.yml`` it dumps the DOM after JavaScript ran (MathJax included) and saves a
screenshot to ``_build/screenshots/``, then checks: math was typeset (MathJax containers, no raw
``$$`` or ``\\[`` left in the text), every ``<img>`` points to a file that exists and is a
non-empty image, no output cell shows a traceback, every figure of a chapter has a caption, and
the navigation lists every chapter. A second screenshot at phone width (390 px) is saved beside
each desktop one, for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--virtual-time-budget=15000"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        pages += [c["file"] for c in part["chapters"]]
    return pages


PAGES = toc_pages()


class _Collector(HTMLParser):
    """Text outside code/script/style, image sources, nav links, output-cell classes."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.nav_links: list[str] = []
        self.classes: list[str] = []
        self._skip = 0
        self._nav = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.classes += (a.get("class") or "").split()
        if tag in ("script", "style", "code", "pre", "mjx-container", "textarea"):
            self._skip += 1
        if tag == "nav":
            self._nav += 1
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])
        if tag == "a" and self._nav and a.get("href"):
            self.nav_links.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "mjx-container", "textarea"):
            self._skip = max(0, self._skip - 1)
        if tag == "nav":
            self._nav = max(0, self._nav - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def render(page: str, tmp_path: Path) -> tuple[str, Path]:
    url = (HTML / f"{page}.html").as_uri()
    profile = tmp_path / "profile"
    env = dict(os.environ, HOME=str(tmp_path))
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=180, env=env, check=True).stdout
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / (page.replace("/", "__") + ".png")
    for size, path in (("1280,1600", shot), ("390,1600", shot.with_suffix(".phone.png"))):
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                        f"--screenshot={path}", url], capture_output=True, timeout=180,
                       env=env, check=True)
    return dom, shot


@pytest.fixture(scope="module", params=PAGES)
def page(request, tmp_path_factory):
    if not (HTML / f"{request.param}.html").is_file():
        pytest.fail(f"{request.param}.html is missing: build the book first (make book-check)")
    dom, shot = render(request.param, tmp_path_factory.mktemp("chromium"))
    parsed = _Collector()
    parsed.feed(dom)
    return request.param, dom, parsed, shot


def test_math_is_typeset(page):
    name, dom, parsed, _ = page
    text = "".join(parsed.text)
    has_math = "\\(" in (HTML / f"{name}.html").read_text() or "math notranslate" in dom
    if has_math:
        assert "<mjx-container" in dom, f"{name}: MathJax did not typeset the page"
    for raw in ("$$", "\\[", "\\("):
        assert raw not in text, f"{name}: raw math {raw!r} left in the rendered text"


def test_images_exist(page):
    name, _, parsed, _ = page
    base = (HTML / f"{name}.html").parent
    for src in parsed.images:
        if src.startswith(("data:", "http")):
            continue
        path = (base / src.split("?")[0]).resolve()
        assert path.is_file() and path.stat().st_size > 100, f"{name}: broken image {src}"


def test_no_traceback_in_outputs(page):
    name, dom, parsed, _ = page
    assert "Traceback (most recent call last)" not in dom, f"{name}: a cell shows a traceback"
    assert not re.search(r'class="[^"]*\boutput\b[^"]*\berror\b', dom), f"{name}: error output"


def test_navigation_lists_every_chapter(page):
    name, _, parsed, _ = page
    linked = {re.sub(r"^(\.\./)+|\.html.*$", "", h) for h in parsed.nav_links}
    for chapter in PAGES:
        if chapter == name:  # the current page is marked, not linked
            continue
        stem = chapter.split("/")[-1]
        assert any(link.endswith(stem) for link in linked), f"{name}: nav lacks {chapter}"


def test_every_figure_of_a_chapter_has_a_caption(page):
    name, dom, _, _ = page
    if not name.startswith("notebooks/"):
        return
    figures = len(re.findall(r'<img [^>]*src="[^"]*_images/', dom))
    captions = len(re.findall(r"<figcaption", dom))
    assert captions >= figures, f"{name}: {figures - captions} figure(s) without a caption"


def test_screenshot_written(page):
    _, _, _, shot = page
    for path in (shot, shot.with_suffix(".phone.png")):
        assert path.is_file() and path.stat().st_size > 10_000, f"{path.name} is missing"
