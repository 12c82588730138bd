"""The build hook of ``pip install``: the Playground's KaTeX, fetched from the npm registry.

hatchling runs it for wheels, editable installs and sdists (``[tool.hatch.build.hooks.custom]``
in pyproject.toml). The files are not in git; the first build downloads the pinned, hash-checked
tarball (``scripts/fetch_npm.py``), later builds reuse the cache or the files already in place.
Without the registry (and no cache) the build goes on without KaTeX, saying so: the Playground
then shows its formulas as text and says how to fetch it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch_npm


class VendorHook(BuildHookInterface):  # type: ignore[misc]
    """Fill ``src/glassnet/playground/static/vendor/katex`` before the package is built."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        try:
            fetch_npm.vendor_playground(
                Path(self.root) / "src/glassnet/playground/static/vendor/katex"
            )
        except (OSError, RuntimeError, ValueError) as error:
            # glassnet itself does not need KaTeX: the Playground then shows its formulas as
            # text and says how to fetch it, so an offline install still succeeds
            sys.stderr.write(f"glassnet: KaTeX for the Playground not fetched ({error})\n")
