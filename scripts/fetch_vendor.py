#!/usr/bin/env python3
"""Fetch a JavaScript package from the npm registry and copy some of its files into the repository.

glassnet's pages (the Playground, the docs site) load nothing from the internet, so the
third-party code they use is fetched once, at build time, with ``npm pack`` (the registry's
own client, which checks the tarball's integrity) and committed under a ``vendor/`` folder.
Run it again to move to another version::

    python scripts/fetch_vendor.py                  # KaTeX for the Playground (the pinned version)
    python scripts/fetch_vendor.py katex 0.16.22 docs/_static/vendor/katex

Other scripts import :func:`fetch_npm` and pass their own package, version and destination.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the KaTeX the Playground serves (src/glassnet/playground/static/vendor/katex)
KATEX_VERSION = "0.19.1"
KATEX_FILES = ("LICENSE", "dist/katex.min.js", "dist/katex.min.css", "dist/fonts/*.woff2")
PLAYGROUND_KATEX = ROOT / "src" / "glassnet" / "playground" / "static" / "vendor" / "katex"


def fetch_npm(
    package: str, version: str, destination: str | Path, files: Sequence[str] = ("*",)
) -> list[Path]:
    """Download ``package@version`` with ``npm pack`` and copy the files matching ``files``.

    Args:
        package: the npm package name, e.g. ``"katex"``.
        version: an exact version, e.g. ``"0.16.22"`` (pinned: no ranges).
        destination: the folder to fill; it is emptied first. ``dist/`` is dropped from the
            paths, so ``dist/fonts/x.woff2`` lands in ``destination/fonts/x.woff2``.
        files: glob patterns of paths inside the package (``"dist/*.js"``).

    Returns:
        The files written. ``destination/VERSION`` records ``package@version``.

    Raises:
        ValueError: a version range instead of one version, or no file matched a pattern.
        RuntimeError: npm is missing or could not fetch the package.
    """
    if not version or any(c in version for c in "^~<>=* |"):
        raise ValueError(f"give one exact version of {package}, such as 0.16.22; got {version!r}")
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed: install Node.js (apt-get install npm)")
    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="glassnet-vendor-") as tmp:
        answer = subprocess.run(
            ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        if answer.returncode != 0:
            raise RuntimeError(f"npm pack {package}@{version} failed:\n{answer.stderr.strip()}")
        tarball = Path(tmp) / json.loads(answer.stdout)[0]["filename"]
        with tarfile.open(tarball) as tar:
            members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
            chosen = {}
            for pattern in files:
                hits = [name for name in members if fnmatch.fnmatch(name, pattern)]
                if not hits:
                    raise ValueError(f"no file of {package}@{version} matches {pattern!r}")
                chosen.update((name, members[name]) for name in hits)
            if destination.exists():
                shutil.rmtree(destination)
            written = []
            for name, member in sorted(chosen.items()):
                target = destination / name.removeprefix("dist/")
                if ".." in Path(name).parts or Path(name).is_absolute():
                    raise ValueError(f"{package}@{version} holds an unsafe path {name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
                written.append(target)
    (destination / "VERSION").write_text(f"{package}@{version}\n")
    return written


def main(argv: Sequence[str]) -> int:
    if argv:
        package, version, destination, *patterns = argv
        written = fetch_npm(package, version, destination, patterns or ("*",))
    else:
        written = fetch_npm("katex", KATEX_VERSION, PLAYGROUND_KATEX, KATEX_FILES)
    print(f"{len(written)} files written under {Path(written[0]).parent if written else '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
