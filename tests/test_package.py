"""Package hygiene: the public names are all there and documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import glassnet as gn


def test_all_is_complete_and_importable() -> None:
    public = {name for name in dir(gn) if not name.startswith("_")}
    assert set(gn.__all__) - {"__version__"} <= public
    missing = {
        name
        for name in public
        if not inspect.ismodule(getattr(gn, name)) and name not in gn.__all__
    }
    assert not missing, f"public names missing from __all__: {missing}"


def test_public_api_has_docstrings() -> None:
    for name in gn.__all__:
        obj = getattr(gn, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if inspect.isfunction(member) and not attr.startswith("_"):
                    assert (
                        member.__doc__
                        or any(
                            getattr(base, attr, None).__doc__  # type: ignore[union-attr]
                            for base in obj.__mro__[1:]
                            if hasattr(base, attr)
                        )
                    ), f"{name}.{attr} has no docstring"


def test_core_imports_numpy_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys, glassnet; "
        "optional = ('torch', 'sklearn', 'scipy', 'tqdm', 'matplotlib'); "
        "bad = [m for m in optional if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_all_extra_installs_every_optional_part() -> None:
    """`pip install "glassnet[all]"` brings every extra a user may want, and none of the tools
    for working on glassnet (tests, the docs site)."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    tools = {"test", "dev", "docs", "all"}  # for working on glassnet, not with it
    assert set(extras["all"]) == {f"glassnet[{name}]" for name in extras if name not in tools}


def test_save_sits_beside_load(tmp_path: Path) -> None:
    """`gn.save` / `gn.load` and `gn.save_checkpoint` / `gn.load_checkpoint` come in pairs."""
    import numpy as np

    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    gn.save(net, tmp_path / "m.safetensors")
    again = gn.load(tmp_path / "m.safetensors")
    assert all(np.array_equal(again.W[l], net.W[l]) for l in range(1, net.L + 1))
    assert gn.save_checkpoint.__module__ == gn.load_checkpoint.__module__ == "glassnet.checkpoint"
