"""The documentation site's build steps (``hooks:`` in mkdocs.yml), run by ``mkdocs build``.

- KaTeX, pinned and fetched from the npm registry (``scripts/fetch_npm.py``, cached, checked
  against its integrity hash), goes into ``assets/katex/`` so that formulas render offline.
- The pictures are drawn by glassnet now (``scripts/docs_pictures.py``), into ``img/generated/``.
- The API reference is one page per public module, ``reference/<module>.md``, listing that
  module's ``__all__``; ``reference/index.md`` maps every name of ``glassnet.__all__`` to its
  entry. The pages are made from the package, so a new public name is in the reference at once.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]  # this tree's glassnet, and the scripts

import docs_pictures  # noqa: E402
import fetch_npm  # noqa: E402

import glassnet  # noqa: E402

KATEX = fetch_npm.KATEX  # one pin for every page: the Playground's and the site's
# modules that are tools rather than library (the command line's parts, python -m entry points)
NOT_REFERENCE = {"__main__"}


def public_modules() -> list[ModuleType]:
    """glassnet's public top-level modules (no leading underscore), in alphabetical order."""
    names = sorted(m.name for m in pkgutil.iter_modules(glassnet.__path__))
    return [
        importlib.import_module(f"glassnet.{name}")
        for name in names
        if not name.startswith("_") and name not in NOT_REFERENCE
    ]


def documented_names(module: ModuleType) -> list[str]:
    """What the reference shows of a module: its ``__all__``, less the submodules in it."""
    names = getattr(module, "__all__", None)
    if names is None:
        raise ValueError(f"{module.__name__} has no __all__: say which of its names are public")
    return [n for n in names if not inspect.ismodule(getattr(module, n))]


def reference_pages() -> dict[str, str]:
    """reference/<module>.md for each public module, and reference/index.md.

    A page lists its module's ``__all__``, then any name of ``glassnet.__all__`` that lives in
    that package without being in its ``__all__`` (a lazily loaded layer type, for one), under
    the path of the module that defines it.
    """
    modules = public_modules()
    listed: dict[str, list[str]] = {}  # page → the identifiers it documents, in order
    home: dict[int, str] = {}  # id(object) → the page and anchor that documents it
    for module in modules:
        short = module.__name__.removeprefix("glassnet.")
        listed[short] = []
        for n in documented_names(module):
            listed[short].append(f"{module.__name__}.{n}")
            home.setdefault(id(getattr(module, n)), f"{short}.md#{module.__name__}.{n}")
        home.setdefault(id(module), f"{short}.md")
    rows = []
    for name in glassnet.__all__:
        if name == "__version__":
            continue
        obj = getattr(glassnet, name)
        if id(obj) not in home:  # documented where it is defined, on its package's page
            defined_in = obj.__module__
            short = defined_in.removeprefix("glassnet.").split(".")[0]
            if short not in listed:
                raise ValueError(f"glassnet.{name} is defined in no public module: add it to one")
            identifier = f"{defined_in}.{obj.__qualname__}"
            listed[short].append(identifier)
            home[id(obj)] = f"{short}.md#{identifier}"
        kind = "class" if inspect.isclass(obj) else "function"
        kind = "module" if inspect.ismodule(obj) else kind
        rows.append(f"| [`gn.{name}`]({home[id(obj)]}) | {kind} |")

    pages: dict[str, str] = {}
    for module in modules:
        short = module.__name__.removeprefix("glassnet.")
        own = [i for i in listed[short] if i.rsplit(".", 1)[0] == module.__name__]
        others = [i for i in listed[short] if i not in own]
        members = "".join(f"        - {i.rsplit('.', 1)[1]}\n" for i in own)
        text = f"# glassnet.{short}\n\n::: {module.__name__}\n    options:\n"
        text += "      show_root_heading: false\n"
        text += f"      members:\n{members}" if own else "      members: false\n"
        for identifier in others:
            text += f"\n::: {identifier}\n"
        pages[f"reference/{short}.md"] = text

    index = [
        "# API reference",
        "",
        "Every public name, generated from the docstrings when the site is built: one page per",
        "module (in the menu), each listing the module's `__all__` with signatures and examples.",
        "The examples run as tests (`python -m pytest --doctest-modules src/glassnet`).",
        "",
        "## `import glassnet as gn`",
        "",
        "| name | kind |",
        "|---|---|",
        *rows,
        "",
        "## Modules",
        "",
        *(f"- [`{m.__name__}`]({m.__name__.removeprefix('glassnet.')}.md)" for m in modules),
        "",
    ]
    pages["reference/index.md"] = "\n".join(index)
    return pages


def katex_files() -> dict[str, bytes]:
    """KaTeX's script, style sheet, auto-render extension and fonts, under assets/katex/."""
    files = fetch_npm.package_files(*KATEX)
    keep = ("dist/katex.min.js", "dist/katex.min.css", "dist/contrib/auto-render.min.js")
    return {
        "assets/katex/" + path.removeprefix("dist/"): data
        for path, data in files.items()
        if path in keep or (path.startswith("dist/fonts/") and path.endswith((".woff2", ".woff")))
    }


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """The menu's "API reference" section: the index, then one page per public module."""
    modules = [m.__name__.removeprefix("glassnet.") for m in public_modules()]
    for i, item in enumerate(config.nav or []):
        if isinstance(item, dict) and "API reference" in item:
            config.nav[i] = {"API reference": ["reference/index.md"] + [
                f"reference/{name}.md" for name in modules
            ]}  # fmt: skip
    return config


OUTSIDE_LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s]+)\)")


def on_page_markdown(markdown: str, page: Any, config: MkDocsConfig, **kwargs: Any) -> str:
    """A link from a page to a file of the repository outside docs/ (``../benchmarks/README.md``)
    becomes the text and the file's path, since the site holds only docs/."""
    if page.file.abs_src_path is None:
        return markdown
    source = Path(page.file.abs_src_path).parent
    root = Path(config.docs_dir).resolve().parent

    def unlink(match: re.Match[str]) -> str:
        text, target = match.groups()
        path = (source / target.split("#")[0]).resolve()
        if Path(config.docs_dir).resolve() in path.parents:
            return match.group(0)
        return f"{text} (`{path.relative_to(root)}` in the repository)"

    return OUTSIDE_LINK.sub(unlink, markdown)


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    generated: dict[str, str | bytes] = {}
    generated.update(reference_pages())
    generated.update(katex_files())
    generated.update(docs_pictures.pictures())
    for path, content in generated.items():
        files.append(File.generated(config, path, content=content))
    return files
