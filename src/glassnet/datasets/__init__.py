"""Data to train glassnet networks on, all offline: real data sets and generated toy problems.

Every loader returns a :class:`Dataset` with ``X_train, y_train, X_test, y_test`` (float32 inputs,
one sample per row; np.int64 class labels, or float targets for regression) and ``classes``:

>>> from glassnet import datasets
>>> ds = datasets.load("moons", n_samples=100, noise=0.1, seed=0)
>>> ds.X_train.shape, ds.y_train.dtype, ds.classes
((80, 2), dtype('int64'), ('0', '1'))

:func:`load` takes any name in :func:`available`; the loaders can also be called directly:
:func:`load_digits`, :func:`load_fashion_mnist`, :func:`load_mnist`, :func:`load_idx_dataset`,
:func:`load_toy`, and the generators :func:`xor`, :func:`circles`, :func:`moons`,
:func:`spirals`, :func:`blobs`, :func:`sine`, :func:`plane`, :func:`bumps` (which return
``(X, y)``); the sequence tasks :func:`adding`, :func:`parity`, :func:`sine_continuation`
(``X`` of shape (n, T, n_in)) and :func:`load_sequences`, whose Datasets have flat rows and a
``sequence_shape`` (T, n_in); a real sequence, the yearly sunspot numbers 1700-2008
(:func:`load_sunspots`, from the CSV statsmodels ships; :func:`read_sunspots` gives the raw
series, :func:`persistence_mse` the score of repeating the last value). :func:`read_idx` and
:func:`write_idx` read and write the IDX format of MNIST.

Every Dataset a loader returns records how it was made in ``ds.preparation``, a
:class:`Preparation`: the loader's options (so ``load(ds.preparation)`` makes the same split
again) and the scaler from raw values to the network's inputs (``ds.preparation.scale(raw)``).
``glassnet train`` stores it in the model file; ``Preparation.from_metadata`` reads it back.
:func:`read_images` reads PNG/JPEG files as rows of grey values, as ``glassnet predict`` does.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable
from typing import Any

from .base import Dataset, DatasetNotFoundError
from .idx import IDXFormatError, read_idx, write_idx
from .images import IMAGE_SUFFIXES, read_images
from .preparation import Preparation
from .real import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DEBIAN_DIR,
    FASHION_MNIST_ENV,
    MNIST_ENV,
    find_idx_files,
    load_digits,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
)
from .sequences import (
    ADDING_BASELINE,
    SEQUENCES,
    adding,
    load_sequences,
    parity,
    sine_continuation,
)
from .sunspots import SUNSPOT_YEARS, load_sunspots, persistence_mse, read_sunspots
from .toy import (
    CLASSIFICATION,
    REGRESSION,
    blobs,
    bumps,
    circles,
    load_toy,
    moons,
    plane,
    sine,
    spirals,
    xor,
)

__all__ = [
    "ADDING_BASELINE",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DEBIAN_DIR",
    "FASHION_MNIST_ENV",
    "IMAGE_SUFFIXES",
    "MNIST_ENV",
    "SUNSPOT_YEARS",
    "Dataset",
    "DatasetNotFoundError",
    "IDXFormatError",
    "Preparation",
    "adding",
    "available",
    "blobs",
    "bumps",
    "circles",
    "find_idx_files",
    "load",
    "load_digits",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
    "load_sequences",
    "load_sunspots",
    "load_toy",
    "moons",
    "parity",
    "persistence_mse",
    "plane",
    "read_idx",
    "read_images",
    "read_sunspots",
    "sine",
    "sine_continuation",
    "spirals",
    "write_idx",
    "xor",
]

Loader = Callable[..., Dataset]

_REAL: dict[str, tuple[Loader, str]] = {
    "digits": (load_digits, "scikit-learn's 8x8 handwritten digits, 1,797 samples, 10 classes"),
    "fashion-mnist": (
        load_fashion_mnist,
        "Zalando's 28x28 clothing images, 60,000 + 10,000 samples, 10 classes (local files)",
    ),
    "mnist": (load_mnist, "28x28 handwritten digits, 60,000 + 10,000 samples (local files)"),
    "idx": (load_idx_dataset, "any four IDX files in a directory, e.g. EMNIST (path=...)"),
    "sunspots": (
        load_sunspots,
        "yearly sunspot numbers 1700-2008: T years → a later one, split by time (statsmodels)",
    ),
}


def _toy_entry(name: str, maker: Callable[..., Any]) -> tuple[Loader, str]:
    loader = functools.partial(load_toy, name)
    doc = (maker.__doc__ or "").strip().splitlines()
    return loader, doc[0] if doc else ""


def _sequence_entry(name: str, maker: Callable[..., Any]) -> tuple[Loader, str]:
    doc = (maker.__doc__ or "").strip().splitlines()
    return functools.partial(load_sequences, name), doc[0] if doc else ""


_REGISTRY: dict[str, tuple[Loader, str]] = {
    **_REAL,
    **{name: _toy_entry(name, maker) for name, maker in {**CLASSIFICATION, **REGRESSION}.items()},
    **{name: _sequence_entry(name, maker) for name, maker in SEQUENCES.items()},
}


def available() -> dict[str, str]:
    """Every name :func:`load` knows, with one line about each.

    >>> list(available())[:4]
    ['digits', 'fashion-mnist', 'mnist', 'idx']
    """
    return {name: line for name, (_, line) in _REGISTRY.items()}


def _accepted(name: str, loader: Loader) -> list[str]:
    if name in CLASSIFICATION or name in REGRESSION:
        maker = {**CLASSIFICATION, **REGRESSION}[name]
        own = [p for p in inspect.signature(maker).parameters if p not in ("seed", "dtype")]
        return [*own, "test_fraction", "seed", "dtype"]
    if name in SEQUENCES:
        maker = SEQUENCES[name]
        own = [p for p in inspect.signature(maker).parameters if p not in ("seed", "dtype")]
        return [*own, "test_fraction", "seed", "dtype", "flatten"]
    return list(inspect.signature(loader).parameters)


def load(name: str | Preparation, /, **kwargs: Any) -> Dataset:
    """Load the data set ``name`` (see :func:`available`), passing ``kwargs`` to its loader.

    ``name`` may also be a :class:`Preparation` (a Dataset's ``preparation``, or the record in a
    model file): the same data set is then made again, with the same options, so the same
    split; ``kwargs`` replace recorded options (``path=`` where the files are on this machine,
    ``seed=`` for another split, which is then not the recorded one).

    Names are case-insensitive and ``_`` may stand for ``-`` (``"fashion_mnist"``). The real
    data sets take the arguments of :func:`load_digits`, :func:`load_fashion_mnist`,
    :func:`load_mnist`, :func:`load_idx_dataset` and :func:`load_sunspots`; the toy problems
    take those of :func:`load_toy` plus their generator's (``n_samples``, ``noise``, …), and
    the sequence tasks those of :func:`load_sequences` plus theirs (``T``, …). Every name
    accepts ``seed``, so that a program can pass one seed whatever the data set; the data sets
    that come with a fixed train/test split (fashion-mnist, mnist, idx, sunspots) have nothing
    random and ignore it. Any other argument a loader does not take is a ValueError.

    Example:
        >>> ds = load("blobs", n_samples=60, centers=3, seed=0, test_fraction=0.5)
        >>> ds.n_train, ds.n_test, ds.n_classes
        (30, 30, 3)
        >>> again = load(ds.preparation)  # made again from its record
        >>> bool((again.X_test == ds.X_test).all())
        True
    """
    if isinstance(name, Preparation):
        kwargs = {**name.options, **kwargs}
        if "seed" in kwargs and kwargs["seed"] is None:
            raise ValueError(
                f"the {name.loader} data set was split by a random generator, not by an integer "
                "seed, so its split cannot be made again; pass seed=... for a new one"
            )
        name = name.loader
    key = str(name).strip().lower().replace("_", "-")
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, _REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown data set {name!r}{hint}; choose one of: {', '.join(_REGISTRY)}")
    loader, _ = _REGISTRY[key]
    accepted = _accepted(key, loader)
    if "seed" not in accepted:  # a fixed split: nothing to seed
        kwargs.pop("seed", None)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(
            f"data set {key!r} does not take {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )
    if key in _REAL:
        try:
            inspect.signature(loader).bind(**kwargs)
        except TypeError as exc:  # e.g. "missing a required argument: 'path'"
            raise ValueError(f"data set {key!r}: {exc}; e.g. load({key!r}, path=...)") from None
    return loader(**kwargs)
