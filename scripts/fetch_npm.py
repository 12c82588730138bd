"""Fetch one pinned package from the npm registry, checked against its integrity hash, and cached.

The documentation site bundles KaTeX this way (``scripts/mkdocs_hooks.py``) so that the built
site renders formulas offline; anything else that needs a browser library can use it too::

    python scripts/fetch_npm.py katex 0.16.22 sha512-... build/katex   # unpacks package/ there

Only the tarball's URL on the registry is read (no ``npm`` needed); the file is kept in
``$GLASSNET_NPM_CACHE`` (default ``~/.cache/glassnet/npm``), so later builds work offline.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "glassnet" / "npm"
    return Path(os.environ.get("GLASSNET_NPM_CACHE") or default)


def _matches(data: bytes, integrity: str) -> bool:
    """Whether data has the npm ``integrity`` string ("sha512-<base64 digest>")."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        raise ValueError(f"integrity must start with sha256-, sha384- or sha512-: {integrity!r}")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def fetch_tarball(name: str, version: str, integrity: str) -> Path:
    """The path of ``name``'s ``version`` tarball, downloaded once and checked against integrity
    (as ``npm view NAME@VERSION dist.integrity`` prints it)."""
    path = cache_dir() / f"{name.replace('/', '-')}-{version}.tgz"
    if path.exists() and _matches(path.read_bytes(), integrity):
        return path
    url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as error:
        raise RuntimeError(
            f"could not download {url} ({error}); on a machine without the internet, copy "
            f"{path.name} into {path.parent} (or set GLASSNET_NPM_CACHE)"
        ) from error
    if not _matches(data, integrity):
        raise RuntimeError(f"{url} does not match the pinned integrity {integrity}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def package_files(name: str, version: str, integrity: str) -> dict[str, bytes]:
    """Every regular file of the package, by its path inside the package (``dist/katex.js``)."""
    files = {}
    with tarfile.open(fetch_tarball(name, version, integrity), "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("package/"):
                extracted = tar.extractfile(member)
                assert extracted is not None
                files[member.name.removeprefix("package/")] = extracted.read()
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: fetch_npm.py NAME VERSION INTEGRITY DEST", file=sys.stderr)
        return 2
    name, version, integrity, dest = argv
    for relative, data in package_files(name, version, integrity).items():
        target = Path(dest) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
