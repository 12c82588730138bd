"""What may import what (docs/architecture.md), measured from the source: imports only go
downhill, the core never reaches up to the optional parts (not even inside a function), and
`import glassnet` loads the core only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "glassnet"

#: the tutorial's network and its training: NumPy only, and nothing above it
CORE = {
    "_inputs", "activations", "costs", "init", "layers", "notation", "network", "optimizers",
    "training", "callbacks", "schedules", "gradcheck",
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The glassnet modules ``name`` imports anywhere in its code (typing-only imports aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in modules else base)
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target not in (name, "glassnet"):
            found.add(target)
    return found


GRAPH = {name: _imports(name, path, _modules()) for name, path in _modules().items()}


def _top(name: str) -> str:
    return name.split(".")[1] if "." in name else name


def test_there_are_no_import_cycles() -> None:
    """Depth-first search for a path back to where it started."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node, [node])


def test_the_core_imports_only_the_core() -> None:
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if _top(name) in CORE
        for target in targets
        if _top(target) not in CORE
    )
    assert not upward, "the core imports optional parts: " + ", ".join(upward)


def test_no_module_imports_a_private_name_of_another() -> None:
    """Modules share public helpers (a private *module* such as _inputs may hold them); a
    ``_name`` of another module is that module's business only."""
    modules, offenders = _modules(), []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.level or "glassnet" in (node.module or "")
            ):
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_")
                    and not a.name.startswith("__")
                    and not any(m.endswith("." + a.name) for m in modules)  # a private module
                ]
                if private:
                    offenders.append(f"{name}: from {node.module} import {', '.join(private)}")
    assert not offenders, offenders


def test_import_glassnet_loads_the_core_only() -> None:
    code = "import glassnet, sys; print(sorted(m for m in sys.modules if m.startswith('glassnet')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # a printed list of strings
    assert len(loaded) <= 15, loaded
    assert {_top(m) for m in loaded} - {"glassnet"} <= CORE, loaded
