"""Real data sets, all read from local files: glassnet never downloads anything.

- :func:`load_digits`: scikit-learn's 1,797 handwritten digits of 8×8 pixels, which ship inside
  scikit-learn (``pip install 'glassnet[cli]'``).
- :func:`load_fashion_mnist`: Zalando's Fashion-MNIST, 70,000 clothing images of 28×28 pixels
  in 10 classes, from its four IDX files. On Debian and Ubuntu,
  ``apt-get install dataset-fashion-mnist`` puts them in ``/usr/share/datasets/fashion-mnist``.
- :func:`load_mnist`: the original handwritten digits, 28×28, from a directory you give.
- :func:`load_idx_dataset`: any data set stored as four IDX files (train/test × images/labels),
  such as the EMNIST splits, whose files carry a prefix like ``emnist-letters-``.

Pixels are scaled to [0, 1] (the range the tutorial's sigmoid network expects) unless
``scale=False``; ``Dataset.preparation`` records the scaling (a :class:`MinMaxScaler` from the
pixels' range, 0..255 or 0..16) and the options, so that new raw images can be scaled the same
way and the same split made again. Images are flattened to one row of n_0 = height × width
inputs per sample unless ``flatten=False``.
"""

from __future__ import annotations

import fnmatch
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._inputs import as_dtype
from ..scaling import MinMaxScaler, train_test_split
from .base import Dataset, DatasetNotFoundError, class_names
from .idx import MAX_BYTES, IDXFormatError, read_idx
from .preparation import Preparation

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DEBIAN_DIR",
    "FASHION_MNIST_ENV",
    "MNIST_ENV",
    "find_idx_files",
    "load_digits",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
]

#: Fashion-MNIST's ten classes; ``FASHION_MNIST_CLASSES[label]`` names a label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
#: Where Debian's package ``dataset-fashion-mnist`` installs the four gzipped IDX files.
FASHION_MNIST_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
#: The environment variable that can name a directory holding Fashion-MNIST.
FASHION_MNIST_ENV = "GLASSNET_FASHION_MNIST"
#: The environment variable that can name a directory holding MNIST.
MNIST_ENV = "GLASSNET_MNIST"

_STANDARD_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_ROLES = ("train-images", "train-labels", "test-images", "test-labels")
# <prefix><train|t10k|test>-<images|labels>-idx<d>-ubyte[.gz]; MNIST's own site spells the
# second dash as a dot (train-images.idx3-ubyte), and EMNIST says "test" where MNIST says "t10k".
_IDX_NAME = re.compile(
    r"(?P<prefix>.*?)(?P<split>train|t10k|test)-(?P<kind>images|labels)[-.]idx\d-ubyte(?P<gz>\.gz)?",
    re.IGNORECASE,
)

_FASHION_HOW_TO = (
    "To get Fashion-MNIST, either\n"
    "  - install Debian's package: sudo apt-get install dataset-fashion-mnist\n"
    f"    (it puts the four files in {FASHION_MNIST_DEBIAN_DIR}), or\n"
    "  - put the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"
    "    t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (from\n"
    "    https://github.com/zalandoresearch/fashion-mnist; gzipped or not) in one directory, and\n"
    '    pass load_fashion_mnist(path="that/directory") or set '
    f"{FASHION_MNIST_ENV}=that/directory"
)
_MNIST_HOW_TO = (
    "Put MNIST's four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzipped or not) in one directory,\n"
    f'and pass load_mnist(path="that/directory") or set {MNIST_ENV}=that/directory'
)
_IDX_HOW_TO = (
    "An IDX data set is four files in one directory, named like train-images-idx3-ubyte,\n"
    "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally\n"
    "gzipped (.gz), with 'test' for 't10k', and with a common prefix such as 'emnist-letters-');\n"
    "pass the directory as path=..."
)


def _not_found(what: str, directory: Path, origin: str, problem: str, how: str) -> Exception:
    return DatasetNotFoundError(
        f"{what} not found: {problem} (looked in {directory}, given by {origin}).\n{how}"
    )


def find_idx_files(
    path: str | os.PathLike[str],
    prefix: str | None = None,
    *,
    what: str = "IDX data set",
    origin: str = "the path argument",
    how_to_get: str = _IDX_HOW_TO,
) -> dict[str, Path]:
    """The four IDX files of a data set in directory ``path``, by role.

    Returns ``{"train-images": …, "train-labels": …, "test-images": …, "test-labels": …}``.
    A file may be gzipped or not (when both exist the plain one is used); the test files may
    say ``t10k`` (MNIST) or ``test`` (EMNIST). ``prefix`` selects among several data sets in one
    directory, e.g. ``"emnist-letters"``, and may hold shell wildcards (``"emnist-*letters"``);
    ``None`` accepts any prefix as long as only one data set is there. The other arguments only
    shape the error message: a :class:`DatasetNotFoundError` that says what is missing.

    Example:
        >>> import tempfile, numpy as np
        >>> from glassnet.datasets import write_idx
        >>> tmp = tempfile.TemporaryDirectory()
        >>> d = tmp.name
        >>> for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        ...              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
        ...     write_idx(f"{d}/{name}", np.zeros(1, dtype=np.uint8))
        >>> sorted((role, p.name) for role, p in find_idx_files(d).items())[0]
        ('test-images', 't10k-images-idx3-ubyte')
        >>> tmp.cleanup()
    """
    directory = Path(path).expanduser()
    if not directory.is_dir():
        problem = "it is a file, not a directory" if directory.exists() else "no such directory"
        raise _not_found(what, directory, origin, problem, how_to_get)
    wanted = None if prefix is None else prefix.rstrip("-_.")
    groups: dict[str, dict[str, Path]] = {}
    for entry in sorted(directory.iterdir()):
        m = _IDX_NAME.fullmatch(entry.name)
        if m is None or not entry.is_file():
            continue
        found = m["prefix"]
        if wanted is not None and not fnmatch.fnmatchcase(found.rstrip("-_."), wanted):
            continue
        split = "train" if m["split"].lower() == "train" else "test"
        role = f"{split}-{m['kind'].lower()}"
        group = groups.setdefault(found, {})
        if role not in group or m["gz"] is None:  # a plain file wins over a gzipped one
            group[role] = entry
    complete = {p: g for p, g in groups.items() if len(g) == len(_ROLES)}
    if len(complete) == 1:
        return next(iter(complete.values()))
    if len(complete) > 1:
        choices = ", ".join(repr(p.rstrip("-_.")) for p in sorted(complete))
        raise ValueError(
            f"{directory} holds several IDX data sets, with prefixes {choices}; "
            "choose one with prefix=..."
        )
    if groups:  # name what the most nearly complete group lacks
        found, group = max(groups.items(), key=lambda item: len(item[1]))
        standard = dict(zip(_ROLES, _STANDARD_NAMES, strict=True))
        missing = [f"{found}{standard[r]}[.gz]" for r in _ROLES if r not in group]
        problem = f"missing {', '.join(missing)}"
    else:
        start = prefix.rstrip("-_.") + "-" if prefix else ""
        problem = "none of the four files {} is there".format(
            ", ".join(f"{start}{n}[.gz]" for n in _STANDARD_NAMES)
        )
    raise _not_found(what, directory, origin, problem, how_to_get)


def _images_and_labels(
    images_path: Path,
    labels_path: Path,
    *,
    scale: bool,
    flatten: bool,
    dtype: np.dtype[Any],
    max_bytes: int,
) -> tuple[NDArray[Any], NDArray[np.int64], tuple[int, ...], bool]:
    """X (flattened unless not ``flatten``, scaled if ``scale``), labels, one image's shape, and
    whether the pixels were scaled (only unsigned bytes are)."""
    images, labels = read_idx(images_path, max_bytes=max_bytes), read_idx(labels_path)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise IDXFormatError(
            str(labels_path),
            f"labels must be a 1-D array of integers, got shape {labels.shape} of {labels.dtype}",
        )
    if labels.size and labels.min() < 0:
        raise IDXFormatError(str(labels_path), f"it has a negative label, {labels.min()}")
    if images.ndim < 2 or len(images) != len(labels):
        raise IDXFormatError(
            str(images_path),
            f"it holds an array of shape {images.shape}, but {labels_path.name} has "
            f"{len(labels)} labels; expected one image per label, shape ({len(labels)}, …)",
        )
    X = images.reshape(len(images), -1) if flatten else images
    X = X.astype(dtype)
    scaled = scale and images.dtype == np.uint8
    if scaled:
        X /= 255.0  # pixel values 0..255 → [0, 1]: MinMaxScaler.from_range(0, 255), in place
    return X, labels.astype(np.int64), tuple(int(n) for n in images.shape[1:]), scaled


def _load_idx_files(
    files: dict[str, Path],
    name: str,
    classes: tuple[str, ...] | None,
    *,
    scale: bool,
    flatten: bool,
    dtype: DTypeLike,
    max_bytes: int,
    description: str,
    loader: str,
    options: dict[str, Any],
) -> Dataset:
    dt = as_dtype(dtype)
    opts: dict[str, Any] = {"scale": scale, "flatten": flatten, "dtype": dt, "max_bytes": max_bytes}
    X_train, y_train, image_shape, scaled = _images_and_labels(
        files["train-images"], files["train-labels"], **opts
    )
    X_test, y_test, _, _ = _images_and_labels(files["test-images"], files["test-labels"], **opts)
    if classes is None:
        classes = class_names(np.concatenate([y_train, y_test]))
    top = max(int(y_train.max(initial=0)), int(y_test.max(initial=0)))
    if top >= len(classes):
        raise ValueError(
            f"{name}: a label is {top}, but the data set has only {len(classes)} classes "
            f"(0..{len(classes) - 1}); are these the right files? ({files['train-labels']})"
        )
    return Dataset(
        X_train,
        y_train,
        X_test,
        y_test,
        classes=classes,
        name=name,
        image_shape=image_shape,
        source=str(files["train-images"].parent),
        description=description,
        preparation=Preparation(
            loader,
            {**options, "scale": scale, "flatten": flatten, "dtype": dt},
            scaler=MinMaxScaler.from_range(0, 255, n_features=math.prod(image_shape))
            if scaled
            else None,
            image_shape=image_shape,
        ),
    )


def load_idx_dataset(
    path: str | os.PathLike[str],
    *,
    prefix: str | None = None,
    name: str | None = None,
    classes: Sequence[str] | None = None,
    scale: bool = True,
    flatten: bool = True,
    dtype: DTypeLike = "float32",
    max_bytes: int = MAX_BYTES,
) -> Dataset:
    """Load a data set stored as four IDX files (MNIST's layout) from the directory ``path``.

    Args:
        path: the directory (``~`` is expanded); see :func:`find_idx_files` for the file names
            it recognises.
        prefix: which data set when the directory holds several, e.g. ``"emnist-letters"``
            (shell wildcards allowed); ``None`` when there is only one.
        name: the Dataset's name (default: the prefix, or the directory's name).
        classes: class names, ``classes[label]``; default ``("0", "1", …)`` up to the largest
            label. (EMNIST letters uses labels 1..26, so class "0" is then unused.)
        scale: divide unsigned-byte pixels by 255 so that they lie in [0, 1]; other types are
            returned as stored.
        flatten: one row of height × width values per image (for a Network); ``False`` keeps
            X of shape (m, height, width).
        dtype: float32 or float64.
        max_bytes: the largest image array a file may claim (see :func:`read_idx`).

    EMNIST stores its images transposed relative to MNIST; that does not matter for learning,
    but to look at one use ``X.reshape(-1, 28, 28).transpose(0, 2, 1)``.

    Example:
        >>> import tempfile, numpy as np
        >>> from glassnet.datasets import write_idx
        >>> tmp = tempfile.TemporaryDirectory()
        >>> d = tmp.name
        >>> for split, n in [("train", 4), ("test", 2)]:
        ...     write_idx(f"{d}/emnist-tiny-{split}-images-idx3-ubyte",
        ...               np.full((n, 2, 2), 255, dtype=np.uint8))
        ...     write_idx(f"{d}/emnist-tiny-{split}-labels-idx1-ubyte",
        ...               np.arange(n, dtype=np.uint8) % 2)
        >>> ds = load_idx_dataset(d, prefix="emnist-tiny")
        >>> ds
        Dataset('emnist-tiny', classification, 2 classes, train (4, 4) float32, test (2, 4) float32)
        >>> ds.X_train.max(), ds.image_shape
        (np.float32(1.0), (2, 2))
        >>> tmp.cleanup()
    """
    files = find_idx_files(path, prefix)
    given_name = name
    if name is None:
        found = _IDX_NAME.fullmatch(files["train-images"].name)
        directory = files["train-images"].parent
        name = (found["prefix"] if found else "").rstrip("-_.") or directory.resolve().name
    return _load_idx_files(
        files,
        name,
        None if classes is None else tuple(classes),
        scale=scale,
        flatten=flatten,
        dtype=dtype,
        max_bytes=max_bytes,
        description=f"IDX data set from {files['train-images'].parent}",
        loader="idx",
        options={
            "path": _absolute(path),
            "prefix": prefix,
            "name": given_name,
            "classes": classes,
            "max_bytes": max_bytes,
        },
    )


def _absolute(path: str | os.PathLike[str] | None) -> str | None:
    """A folder as the record keeps it: absolute, so that it means the same from any folder."""
    return None if path is None else str(Path(path).expanduser().absolute())


def _directory(
    path: str | os.PathLike[str] | None, env: str, default: Path | None
) -> tuple[Path | None, str]:
    """The directory to look in and where that choice came from: the argument, then the
    environment variable, then the default location."""
    if path is not None:
        return Path(path), "the path argument"
    if os.environ.get(env):
        return Path(os.environ[env]), f"the environment variable {env}"
    if default is not None:
        return default, "glassnet's default location"
    return None, ""


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    scale: bool = True,
    flatten: bool = True,
    dtype: DTypeLike = "float32",
) -> Dataset:
    """Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28×28, 10 classes.

    The four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each gzipped or not) are looked for
    in ``path`` if given, else in the directory named by the environment variable
    ``GLASSNET_FASHION_MNIST``, else in ``/usr/share/datasets/fashion-mnist``, where
    ``apt-get install dataset-fashion-mnist`` puts them on Debian and Ubuntu. If they are not
    there, a :class:`DatasetNotFoundError` says how to get them.

    X has 784 columns (28 × 28 pixels, row by row) scaled to [0, 1], unless ``flatten=False``
    (shape (m, 28, 28)) or ``scale=False`` (values 0..255). ``ds.classes[label]`` names a label
    ("T-shirt/top", "Trouser", …, "Ankle boot").

    Example (the first two lines need the files):
        >>> ds = load_fashion_mnist()  # doctest: +SKIP
        >>> ds.X_train.shape, ds.X_test.shape, ds.classes[ds.y_train[0]]  # doctest: +SKIP
        ((60000, 784), (10000, 784), 'Ankle boot')
        >>> load_fashion_mnist("/no/such/directory")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        glassnet.datasets.base.DatasetNotFoundError: Fashion-MNIST not found: no such directory ...
    """
    directory, origin = _directory(path, FASHION_MNIST_ENV, FASHION_MNIST_DEBIAN_DIR)
    assert directory is not None
    files = find_idx_files(
        directory, prefix="", what="Fashion-MNIST", origin=origin, how_to_get=_FASHION_HOW_TO
    )
    return _load_idx_files(
        files,
        "fashion-mnist",
        FASHION_MNIST_CLASSES,
        scale=scale,
        flatten=flatten,
        dtype=dtype,
        max_bytes=MAX_BYTES,
        description="Zalando's Fashion-MNIST: 28x28 grey images of clothing in 10 classes",
        loader="fashion-mnist",
        options={"path": _absolute(path)},  # None (looked up again where used) unless given
    )


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    scale: bool = True,
    flatten: bool = True,
    dtype: DTypeLike = "float32",
) -> Dataset:
    """MNIST: 60,000 training and 10,000 test handwritten digits, 28×28, from your directory.

    ``path`` (or the environment variable ``GLASSNET_MNIST``) names a directory with the four
    IDX files, named as for :func:`load_fashion_mnist`. Scaling and flattening work the same way.

    Example (the first two lines need the files in ``~/data/mnist``):
        >>> ds = load_mnist("~/data/mnist")  # doctest: +SKIP
        >>> ds.n_features, ds.classes[7]  # doctest: +SKIP
        (784, '7')
        >>> load_mnist("/no/such/directory")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        glassnet.datasets.base.DatasetNotFoundError: MNIST not found: no such directory ...
    """
    directory, origin = _directory(path, MNIST_ENV, None)
    if directory is None:
        raise DatasetNotFoundError(
            f"MNIST not found: no directory given (no path argument, and {MNIST_ENV} is not "
            f"set).\n{_MNIST_HOW_TO}"
        )
    files = find_idx_files(
        directory, prefix="", what="MNIST", origin=origin, how_to_get=_MNIST_HOW_TO
    )
    return _load_idx_files(
        files,
        "mnist",
        tuple(str(d) for d in range(10)),
        scale=scale,
        flatten=flatten,
        dtype=dtype,
        max_bytes=MAX_BYTES,
        description="MNIST: 28x28 grey images of handwritten digits 0-9",
        loader="mnist",
        options={"path": _absolute(path)},  # None (looked up again where used) unless given
    )


def load_digits(
    *,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = False,
    scale: bool = True,
    dtype: DTypeLike = "float32",
) -> Dataset:
    """scikit-learn's handwritten digits: 1,797 images of 8×8 pixels, classes 0-9.

    The data ship inside scikit-learn (``pip install 'glassnet[cli]'``); nothing is downloaded.
    Pixel values 0..16 are divided by 16 so that they lie in [0, 1], unless ``scale=False``
    (``Dataset.preparation.scaler`` is that division, for new raw digits).
    The samples are split at random (by ``seed``) into training and test sets; with the defaults
    that is 1,437 and 360 samples.

    Example:
        >>> ds = load_digits(seed=0)
        >>> ds.X_train.shape, ds.X_test.shape, ds.X_train.dtype
        ((1437, 64), (360, 64), dtype('float32'))
        >>> float(ds.X_train.max()), ds.image_shape, ds.n_classes
        (1.0, (8, 8), 10)
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "the digits data set ships with scikit-learn, which is not installed: "
            "pip install 'glassnet[cli]' (or pip install scikit-learn)"
        ) from None
    X, y = sklearn_digits(return_X_y=True)
    dt = as_dtype(dtype)
    X = X.astype(dt)
    if scale:
        X /= 16.0  # pixel values 0..16 → [0, 1], as the tutorial recommends for sigmoid
    split = train_test_split(X, y.astype(np.int64), test_fraction, seed=seed, stratify=stratify)
    return Dataset(
        split.X_train,
        split.y_train,
        split.X_test,
        split.y_test,
        classes=tuple(str(d) for d in range(10)),
        name="digits",
        image_shape=(8, 8),
        source="scikit-learn",
        description="scikit-learn's 8x8 handwritten digits (UCI optdigits test set)",
        preparation=Preparation(
            "digits",
            dict(test_fraction=test_fraction, seed=seed, stratify=stratify, scale=scale, dtype=dt),
            # the ink counts' own range 0..16, not the training data's: x / 16
            scaler=MinMaxScaler.from_range(0, 16, n_features=X.shape[1]) if scale else None,
            image_shape=(8, 8),
        ),
    )
