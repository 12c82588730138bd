"""The documentation site: every public name documented with an example, the site built with
warnings as errors, its links and pictures in place, and screenshots of it in Chromium.

The build (``mkdocs build --strict``, about 30 s) runs once for this module; ``.ci/run`` builds
the site first and passes it in ``$GLASSNET_DOCS_SITE``, so CI builds it once. Screenshots go to
``$GLASSNET_ARTIFACTS/docs-site/`` (default ``test-artifacts/docs-site/`` in the repository).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import pytest

import glassnet

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("GLASSNET_ARTIFACTS") or ROOT / "test-artifacts") / "docs-site"
CHROMIUM = "/usr/bin/chromium"
EXAMPLE = re.compile(r">>>|^\s*Examples?:\s*$", re.M)

# Public names of glassnet's submodules that had no example when this rule came in. The list
# is exact: a new public name needs an example, and a name that gets one leaves the list.
WITHOUT_EXAMPLE_YET: set[str] = set()  # all have one now; keep it empty


def _public_modules() -> list[ModuleType]:
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(glassnet.__path__))
    return [
        importlib.import_module(f"glassnet.{n}")
        for n in names
        if not n.startswith("_") and n != "__main__"
    ]


def _documentable(module: ModuleType) -> Iterator[tuple[str, object]]:
    """(dotted name, object) for each class and function in a module's __all__."""
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj


def _has_example(obj: object) -> bool:
    return bool(EXAMPLE.search(inspect.getdoc(obj) or ""))


def test_every_public_name_of_glassnet_has_a_docstring_example() -> None:
    missing = [name for name, obj in _documentable(glassnet) if not _has_example(obj)]
    assert not missing, f"add a short doctest (>>>) to the docstrings of {missing}"


def test_the_submodules_public_names_without_an_example_are_the_listed_ones() -> None:
    missing = {
        name
        for module in _public_modules()
        for name, obj in _documentable(module)
        if not _has_example(obj)
    }
    new = sorted(missing - WITHOUT_EXAMPLE_YET)
    assert not new, f"add a short doctest (>>>) to the docstrings of {new}"
    done = sorted(WITHOUT_EXAMPLE_YET - missing)
    assert not done, f"these have an example now: take them off WITHOUT_EXAMPLE_YET: {done}"


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    """scripts/mkdocs_hooks.py, the site's build steps (it needs the docs extra)."""
    pytest.importorskip("mkdocs", reason='the site needs pip install -e ".[docs]"')
    sys.path.insert(0, str(ROOT / "scripts"))
    return importlib.import_module("mkdocs_hooks")


def test_the_reference_has_a_page_for_each_public_module_listing_its_all(
    hooks: ModuleType,
) -> None:
    pages = hooks.reference_pages()
    for module in _public_modules():
        page = pages[f"reference/{module.__name__.removeprefix('glassnet.')}.md"]
        assert f"::: {module.__name__}\n" in page
        for name in hooks.documented_names(module):
            assert f"        - {name}\n" in page, (module.__name__, name)
    index = pages["reference/index.md"]
    for name in glassnet.__all__:
        assert name == "__version__" or f"[`gn.{name}`](" in index, name


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, hooks: ModuleType) -> Path:
    """The built site: $GLASSNET_DOCS_SITE if CI built it already, else built now, strictly."""
    if os.environ.get("GLASSNET_DOCS_SITE"):
        built = Path(os.environ["GLASSNET_DOCS_SITE"]).resolve()
        assert (built / "index.html").exists(), f"no built site in {built}"
        return built
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (tag, URL)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append((tag, value))
            if key == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_link_of_the_built_site_resolves_and_nothing_is_fetched_from_the_web(
    site: Path,
) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    pages.remove(site / "404.html")  # the server's error page: its links start at the site's root
    ids = {page: _parse(page).ids for page in pages}
    broken, remote = [], []
    for page in pages:
        for tag, url in _parse(page).links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                if tag in ("script", "img") or (tag == "link" and "stylesheet" in url):
                    remote.append((page.name, url))
                continue
            if parts.scheme or not (parts.path or parts.fragment):
                continue  # mailto:, data:, javascript:
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            anchor_missing = parts.fragment and unquote(parts.fragment) not in ids.get(target, {""})
            if not target.exists() or anchor_missing:
                broken.append((str(page.relative_to(site)), url))
    assert not broken, broken[:20]
    assert not remote, remote[:20]


def test_every_public_name_has_its_entry_in_the_built_reference(
    site: Path, hooks: ModuleType
) -> None:
    index = (site / "reference" / "index.html").read_text(encoding="utf-8")
    for module in _public_modules():
        short = module.__name__.removeprefix("glassnet.")
        ids = _parse(site / "reference" / f"{short}.html").ids
        for name in hooks.documented_names(module):
            assert f"{module.__name__}.{name}" in ids, (short, name)
    for name in glassnet.__all__:
        assert name == "__version__" or f"gn.{name}</code>" in index, name
    network = (site / "reference" / "network.html").read_text(encoding="utf-8")
    assert "from_sizes" in network and "&gt;&gt;&gt;" in network  # signatures and examples


def test_the_pictures_and_katex_are_in_the_built_site(site: Path, hooks: ModuleType) -> None:
    for picture in hooks.docs_pictures.PICTURES:
        assert (site / picture).stat().st_size > 1000, picture
    assert (site / "assets" / "katex" / "katex.min.js").exists()
    assert list((site / "assets" / "katex" / "fonts").glob("*.woff2"))
    assert 'class="arithmatex"' in (site / "tutorial.html").read_text(encoding="utf-8")


def test_screenshots_of_the_home_page_and_an_api_page_in_chromium(site: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("http*://**", lambda route: route.abort())  # offline: nothing from the web
            page.goto((site / "index.html").as_uri())
            page.wait_for_load_state("load")
            assert "glassnet" in page.title()
            picture = page.locator('img[src$="network.png"]')
            assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
            page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=False)

            page.goto((site / "reference" / "network.html").as_uri())
            page.wait_for_load_state("load")
            assert page.locator('[id="glassnet.network.Network"]').count() == 1
            page.screenshot(path=str(ARTIFACTS / "api-network.png"), full_page=False)

            page.goto((site / "tutorial.html").as_uri())
            page.wait_for_function("document.querySelectorAll('.katex').length > 5")
            page.screenshot(path=str(ARTIFACTS / "tutorial.png"), full_page=False)
        finally:
            browser.close()
    for name in ("home.png", "api-network.png", "tutorial.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
