"""The code in the README and docs runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_examples_run(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = {"__name__": "__docs__"}  # one page is one session: later blocks build on earlier
    for block in python_blocks(path):
        exec(compile(block, str(path), "exec"), namespace)


def test_readme_has_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[cli]" && glassnet train' in text
    assert 'pip install -e ".[dev]" && python -m pytest' in text
    assert 'python -m pip install -e ".[dev]" && python -m pytest' in (ROOT / ".ci/run").read_text()


def test_the_tutorials_sections_each_have_a_page_that_runs() -> None:
    """The walkthrough and the pages for the tutorial's activation overview, weight
    initialisation and MinMax scaling are among the pages run above, with code in them."""
    pages = {path.name: path for path in DOCS}
    for name in ("walkthrough.md", "activations.md", "initialisation.md", "scaling.md"):
        assert name in pages and len(python_blocks(pages[name])) >= 3, name
    text = (ROOT / "docs" / "initialisation.md").read_text(encoding="utf-8")
    assert "for each mini-batch" in text  # the tutorial's slip, named where it matters
