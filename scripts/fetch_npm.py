"""Fetch one pinned package from the npm registry, checked against its integrity hash, and cached.

glassnet's pages load nothing from the internet, so the browser libraries they use come from the
npm registry at build time, the one place where a version and its hash are pinned (``KATEX``):

- the Playground's KaTeX: ``pip install`` (the build hook ``scripts/hatch_build.py``) puts it
  in ``src/glassnet/playground/static/vendor/katex/`` (:func:`vendor_playground`); glassnet
  serves it from there;
- the documentation site's KaTeX: ``scripts/mkdocs_hooks.py`` adds it to the built site.

From the command line::

    python scripts/fetch_npm.py                                       # the Playground's KaTeX
    python scripts/fetch_npm.py katex 0.19.1 sha512-... build/katex  # any package, unpacked

Only the tarball's URL on the registry is read (no ``npm`` needed); the file is kept in
``$GLASSNET_NPM_CACHE`` (default ``~/.cache/glassnet/npm``), so later builds work offline.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import sys
import tarfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"

#: the KaTeX every glassnet page uses: name, version, integrity (npm view katex@V dist.integrity)
KATEX = (
    "katex",
    "0.19.1",
    "sha512-jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA==",
)
#: what the Playground serves of it, and where
KATEX_FILES = ("LICENSE", "dist/katex.min.js", "dist/katex.min.css", "dist/fonts/*.woff2")
PLAYGROUND_KATEX = (
    Path(__file__).resolve().parent.parent / "src/glassnet/playground/static/vendor/katex"
)


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


def vendor(
    name: str, version: str, integrity: str, destination: Path, files: Sequence[str] = ("*",)
) -> list[Path]:
    """Copy the package's files matching the glob patterns ``files`` into ``destination``
    (emptied first; ``dist/`` dropped from the paths) and record ``name@version`` in
    ``destination/VERSION``. Returns the files written."""
    package = package_files(name, version, integrity)
    chosen: dict[str, bytes] = {}
    for pattern in files:
        hits = {path: data for path, data in package.items() if fnmatch.fnmatch(path, pattern)}
        if not hits:
            raise ValueError(f"no file of {name}@{version} matches {pattern!r}")
        chosen.update(hits)
    if destination.exists():
        for old in sorted(destination.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    written = []
    for path, data in sorted(chosen.items()):
        if ".." in Path(path).parts or Path(path).is_absolute():
            raise ValueError(f"{name}@{version} holds an unsafe path {path!r}")
        target = destination / path.removeprefix("dist/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    (destination / "VERSION").write_text(f"{name}@{version}\n")
    return written


def vendor_playground(destination: Path = PLAYGROUND_KATEX) -> bool:
    """Put the pinned KaTeX where the Playground serves it, unless it is there already.
    Returns whether anything was written."""
    name, version, _ = KATEX
    stamp = destination / "VERSION"
    if stamp.exists() and stamp.read_text().strip() == f"{name}@{version}":
        return False
    vendor(*KATEX, destination, KATEX_FILES)
    return True


def main(argv: list[str]) -> int:
    if not argv:
        wrote = vendor_playground()
        print(f"KaTeX {KATEX[1]} {'written to' if wrote else 'already in'} {PLAYGROUND_KATEX}")
        return 0
    if len(argv) != 4:
        print("usage: fetch_npm.py [NAME VERSION INTEGRITY DEST]", file=sys.stderr)
        return 2
    name, version, integrity, dest = argv
    for relative, data in package_files(name, version, integrity).items():
        target = Path(dest) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
