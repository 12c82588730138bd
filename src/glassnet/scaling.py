"""Getting data ready for a network: feature scaling, one-hot targets, train/test splits.

The tutorial feeds a sigmoid network inputs in [0, 1]; :class:`MinMaxScaler` puts every feature
(column) there, :class:`StandardScaler` gives every feature mean 0 and standard deviation 1.
Both learn their numbers from the *training* data only (``fit``) and then apply those same
numbers to any data (``transform``), so nothing about the test set leaks into training::

    scaler = MinMaxScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

A fitted scaler is a few numbers per column, so it can travel with a model: ``to_dict`` gives
them as plain JSON-ready values and :func:`scaler_from_dict` makes the same scaler again (no
pickle). A scaler for data whose range is known beforehand, such as pixels 0..255, comes from
:meth:`MinMaxScaler.from_range` instead of ``fit``.

Randomness (which sample lands in which split) comes only from the ``seed`` argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple, Self

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._inputs import as_dtype, as_rng, is_real, numeric_array, whole_number

__all__ = [
    "MinMaxScaler",
    "Split",
    "StandardScaler",
    "ThreeWaySplit",
    "one_hot",
    "scaler_from_dict",
    "train_test_split",
    "train_val_test_split",
]

Array = NDArray[np.floating[Any]]


def _features(X: Any, what: str) -> Array:
    """X as a 2-D float array (float32 and float64 kept, anything else as float64)."""
    arr = numeric_array(X, f"{what}: X")
    if arr.ndim != 2:
        hint = "; for a single feature use X.reshape(-1, 1)" if arr.ndim == 1 else ""
        raise ValueError(
            f"{what}: X must be 2-D, one sample per row and one feature per column; "
            f"got shape {arr.shape}{hint}"
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{what}: X contains NaN or infinite values; remove or impute them first")
    return arr


class _Scaler:
    """What both scalers share: x' = (x − offset) / scale per column, learned by ``fit``."""

    offset_: NDArray[np.float64] | None = None
    scale_: NDArray[np.float64] | None = None

    def _learn(self, X: Array) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        raise NotImplementedError

    def fit(self, X: Any) -> Self:
        """Learn each column's numbers from X (the training data); returns the scaler."""
        arr = _features(X, f"{type(self).__name__}.fit")
        if len(arr) == 0:
            raise ValueError(f"{type(self).__name__}.fit: X has no rows; pass the training data")
        self.offset_, self.scale_ = self._learn(arr.astype(np.float64))
        return self

    @property
    def n_features(self) -> int | None:
        """The number of columns seen by ``fit``, or None before fitting."""
        return None if self.offset_ is None else len(self.offset_)

    def _checked(self, X: Any, method: str) -> tuple[Array, Array, Array]:
        what = f"{type(self).__name__}.{method}"
        if self.offset_ is None or self.scale_ is None:
            raise ValueError(
                f"{what}: the scaler is not fitted yet; call fit(X_train) on the training data "
                "first, then transform any data with it"
            )
        arr = _features(X, what)
        if arr.shape[1] != len(self.offset_):
            raise ValueError(
                f"{what}: X has {arr.shape[1]} features (columns) but the scaler was fitted on "
                f"{len(self.offset_)}; pass data with the same columns as the training data"
            )
        return arr, self.offset_.astype(arr.dtype), self.scale_.astype(arr.dtype)

    def transform(self, X: Any) -> Array:
        """Scale X with the numbers learned by ``fit``; float32 input stays float32."""
        arr, offset, scale = self._checked(X, "transform")
        return (arr - offset) / scale

    def fit_transform(self, X: Any) -> Array:
        """``fit(X)`` then ``transform(X)``: for the training data only."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> Array:
        """Undo ``transform``: back to the original units (e.g. a regression's predictions)."""
        arr, offset, scale = self._checked(X, "inverse_transform")
        return arr * scale + offset

    def _numbers(self) -> dict[str, NDArray[np.float64]]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The fitted scaler as plain numbers for ``json.dumps``; see :func:`scaler_from_dict`.

        Each per-column array is written as one number when every column shares it (pixels
        0..255: ``"data_min": 0.0``), else as a list; floats are written exactly, so the scaler
        made again transforms bit for bit as this one does.
        """
        if self.n_features is None:
            raise ValueError(
                f"{type(self).__name__}.to_dict: the scaler is not fitted yet; call fit(X_train) "
                "first: only a fitted scaler has numbers to write"
            )
        out: dict[str, Any] = {"scaler": _KIND[type(self)], "n_features": self.n_features}
        for key, values in self._numbers().items():
            same = bool((values == values[0]).all())
            out[key] = float(values[0]) if same else [float(v) for v in values]
        return out


class MinMaxScaler(_Scaler):
    """Rescale each feature to ``feature_range`` (default [0, 1]) using the training min and max.

    x' = lo + (x − min) (hi − lo) / (max − min), per column. A column that is constant in the
    training data has max = min; it is mapped to ``lo`` instead of dividing by zero. Test data
    can land outside the range when it goes beyond the training min or max; that is expected.

    Attributes (after ``fit``): ``data_min_``, ``data_max_``: each column's training min and max.

    Example:
        >>> import numpy as np
        >>> scaler = MinMaxScaler().fit(np.array([[0.0, 5.0], [10.0, 5.0]]))
        >>> scaler.transform(np.array([[5.0, 5.0], [20.0, 7.0]]))
        array([[0.5, 0. ],
               [2. , 2. ]])
    """

    data_min_: NDArray[np.float64] | None = None
    data_max_: NDArray[np.float64] | None = None

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = (float(v) for v in feature_range)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(
                f"feature_range must be (lo, hi) with lo < hi, got {feature_range!r}; "
                "e.g. (0, 1) for sigmoid or (-1, 1) for tanh"
            )
        self.feature_range = (lo, hi)

    def _learn(self, X: Array) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self._from_range(X.min(axis=0), X.max(axis=0))

    def _from_range(
        self, data_min: NDArray[np.float64], data_max: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = data_min, data_max
        span = self.data_max_ - self.data_min_
        scale = np.where(span > 0, span, 1.0) / (hi - lo)
        # x' = (x − offset) / scale with offset = min − lo·scale gives x' = lo at x = min
        return self.data_min_ - lo * scale, scale

    @classmethod
    def from_range(
        cls,
        data_min: float | Any,
        data_max: float | Any,
        n_features: int | None = None,
        feature_range: tuple[float, float] = (0.0, 1.0),
    ) -> MinMaxScaler:
        """A fitted scaler for data whose range is known beforehand instead of learned by ``fit``.

        Pixels of 8-bit images run from 0 to 255 whatever a training set happens to hold:
        ``from_range(0, 255, n_features=784)`` maps them to [0, 1] as ``x / 255``. ``data_min``
        and ``data_max`` are one number for every column (then ``n_features`` says how many
        columns) or one number per column.

        Example:
            >>> import numpy as np
            >>> digits = MinMaxScaler.from_range(0, 16, n_features=64)  # ink counts 0..16
            >>> digits.transform(np.full((1, 64), 4.0))[0, :3]
            array([0.25, 0.25, 0.25])
        """
        scaler = cls(feature_range)
        low = _columns(data_min, "data_min", n_features)
        high = _columns(data_max, "data_max", n_features)
        if high.shape == (1,) and low.shape[0] > 1:
            high = np.full_like(low, high[0])
        if low.shape == (1,) and high.shape[0] > 1:
            low = np.full_like(high, low[0])
        if low.shape != high.shape:
            raise ValueError(
                f"MinMaxScaler.from_range: data_min has {low.shape[0]} columns but data_max "
                f"{high.shape[0]}; give one number per column for both, or one number for all"
            )
        if (low > high).any():
            k = int(np.argmax(low > high))
            raise ValueError(
                f"MinMaxScaler.from_range: data_min must not exceed data_max, but in column {k} "
                f"it is {low[k]:g} > {high[k]:g}"
            )
        scaler.offset_, scaler.scale_ = scaler._from_range(low, high)
        return scaler

    def _numbers(self) -> dict[str, NDArray[np.float64]]:
        assert self.data_min_ is not None and self.data_max_ is not None  # fitted: see to_dict
        return {"data_min": self.data_min_, "data_max": self.data_max_}

    def to_dict(self) -> dict[str, Any]:
        """The fitted scaler as plain numbers: its kind, ``feature_range``, ``n_features`` and
        each column's ``data_min`` and ``data_max``; :func:`scaler_from_dict` reads it back.

        Example:
            >>> d = MinMaxScaler.from_range(0, 255, n_features=784).to_dict()
            >>> d["scaler"], d["n_features"], d["data_min"], d["data_max"], d["feature_range"]
            ('minmax', 784, 0.0, 255.0, [0.0, 1.0])
        """
        return {**super().to_dict(), "feature_range": list(self.feature_range)}

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range}, n_features={self.n_features})"


class StandardScaler(_Scaler):
    """Give each feature mean 0 and standard deviation 1 on the training data.

    x' = (x − mean) / std, per column, with the training mean and (population) standard
    deviation. A constant column has std = 0; it is only centred, not divided by zero.

    Attributes (after ``fit``): ``mean_``, ``std_``: each column's training mean and std.

    Example:
        >>> import numpy as np
        >>> scaler = StandardScaler().fit(np.array([[1.0, 2.0], [3.0, 2.0]]))
        >>> scaler.mean_, scaler.std_
        (array([2., 2.]), array([1., 0.]))
        >>> scaler.transform(np.array([[5.0, 2.0]]))
        array([[3., 0.]])
    """

    mean_: NDArray[np.float64] | None = None
    std_: NDArray[np.float64] | None = None

    def _learn(self, X: Array) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self._from_moments(X.mean(axis=0), X.std(axis=0))

    def _from_moments(
        self, mean: NDArray[np.float64], std: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        self.mean_, self.std_ = mean, std
        return self.mean_, np.where(self.std_ > 0, self.std_, 1.0)

    def _numbers(self) -> dict[str, NDArray[np.float64]]:
        assert self.mean_ is not None and self.std_ is not None  # fitted: see to_dict
        return {"mean": self.mean_, "std": self.std_}

    def __repr__(self) -> str:
        return f"StandardScaler(n_features={self.n_features})"


_KIND: dict[type[_Scaler], str] = {MinMaxScaler: "minmax", StandardScaler: "standard"}


def _columns(value: Any, what: str, n_features: int | None) -> NDArray[np.float64]:
    """One finite float64 per column: a list as it is, a single number repeated n_features times."""
    if isinstance(value, (bool, str, bytes)):
        raise ValueError(f"{what} must be a number or a list of numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number or a list of numbers, got {value!r}") from None
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(
            f"{what} must be a number or a flat list of numbers, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} must hold finite numbers, got {value!r}")
    if arr.ndim == 0:
        count = 1 if n_features is None else n_features
        return np.full(count, float(arr))
    if n_features is not None and arr.shape[0] != n_features:
        raise ValueError(f"{what} has {arr.shape[0]} numbers but n_features is {n_features}")
    return arr


def scaler_from_dict(spec: Mapping[str, Any]) -> MinMaxScaler | StandardScaler:
    """The scaler that ``to_dict`` described: same kind, same numbers, same results bit for bit.

    Args:
        spec: ``{"scaler": "minmax", "n_features": n, "data_min": …, "data_max": …,
            "feature_range": [lo, hi]}`` or ``{"scaler": "standard", "n_features": n,
            "mean": …, "std": …}``, where each of data_min, data_max, mean and std is one number
            for every column or a list of n numbers. ``json.loads`` of a ``to_dict`` is one.

    Raises:
        ValueError: ``spec`` is not such a mapping; the message names what is wrong.

    Example:
        >>> import json, numpy as np
        >>> scaler = StandardScaler().fit(np.array([[1.0, 2.0], [3.0, 2.0]]))
        >>> again = scaler_from_dict(json.loads(json.dumps(scaler.to_dict())))
        >>> again, again.transform(np.array([[5.0, 2.0]]))
        (StandardScaler(n_features=2), array([[3., 0.]]))
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"a scaler is described by a dict, got {type(spec).__name__}")
    kinds = list(_KIND.values())
    kind = spec.get("scaler")
    if kind not in kinds:
        raise ValueError(
            f"unknown scaler {kind!r} in the scaler's description; expected 'scaler' to be one "
            f"of {', '.join(map(repr, kinds))}"
        )
    names = ["data_min", "data_max", "feature_range"] if kind == "minmax" else ["mean", "std"]
    unknown = sorted(set(spec) - {"scaler", "n_features", *names})
    missing = [name for name in names if name not in spec and name != "feature_range"]
    if unknown or missing:
        problem = f"lacks {', '.join(missing)}" if missing else f"has unknown keys {unknown}"
        raise ValueError(f"the {kind} scaler's description {problem}; it holds {', '.join(names)}")
    n = spec.get("n_features")
    n = whole_number(n, "the scaler's n_features", must_be="a positive whole number", low=1)
    if kind == "minmax":
        feature_range = spec.get("feature_range", (0.0, 1.0))
        if not isinstance(feature_range, (list, tuple)) or len(feature_range) != 2:
            raise ValueError(f"feature_range must be [lo, hi], got {feature_range!r}")
        return MinMaxScaler.from_range(
            _columns(spec["data_min"], "data_min", n),
            _columns(spec["data_max"], "data_max", n),
            feature_range=(feature_range[0], feature_range[1]),
        )
    mean, std = _columns(spec["mean"], "mean", n), _columns(spec["std"], "std", n)
    if (std < 0).any():
        raise ValueError("the scaler's std must be 0 or more in every column")
    scaler = StandardScaler()
    scaler.offset_, scaler.scale_ = scaler._from_moments(mean, std)
    return scaler


def one_hot(labels: Any, n_classes: int | None = None, dtype: DTypeLike = "float32") -> Array:
    """Integer class labels 0..K−1 as one-hot rows: y_ij = 1 if sample i has label j, else 0.

    ``n_classes`` defaults to the largest label + 1. (``Network.fit`` accepts labels directly and
    does this itself; ``one_hot`` is for looking at, or building, the target matrix y.)

    Example:
        >>> one_hot([2, 0, 1])
        array([[0., 0., 1.],
               [1., 0., 0.],
               [0., 1., 0.]], dtype=float32)
    """
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"one_hot needs a 1-D array of integer labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
        raise ValueError("one_hot needs integer class labels 0, 1, 2, …; these are not integers")
    ints = arr.astype(np.int64)
    if ints.size and ints.min() < 0:
        raise ValueError(f"class labels must be 0 or more, found {int(ints.min())}")
    top = int(ints.max()) + 1 if ints.size else 0
    if n_classes is None:
        n_classes = top
    else:
        n_classes = whole_number(n_classes, "n_classes", must_be="an integer")
    if top > n_classes:
        raise ValueError(
            f"a label is {top - 1} but n_classes = {n_classes} allows only 0..{n_classes - 1}; "
            "pass a larger n_classes or leave it out"
        )
    out = np.zeros((len(ints), int(n_classes)), dtype=as_dtype(dtype))
    out[np.arange(len(ints)), ints] = 1
    return out


class Split(NamedTuple):
    """The two parts made by :func:`train_test_split`, in scikit-learn's order.

    Example:
        >>> import numpy as np
        >>> from glassnet.scaling import train_test_split
        >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 8 + [1] * 2)
        >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.5, stratify=True)
        >>> np.bincount(y_train), np.bincount(y_test)  # one of the two 1s on each side
        (array([4, 1]), array([4, 1]))
        >>> split = train_test_split(X, y, 0.5, stratify=True)  # the same seed: the same split
        >>> split._fields, bool(np.array_equal(split.X_test, X_test))
        (('X_train', 'X_test', 'y_train', 'y_test'), True)
    """

    X_train: NDArray[Any]
    X_test: NDArray[Any]
    y_train: NDArray[Any]
    y_test: NDArray[Any]


class ThreeWaySplit(NamedTuple):
    """The three parts made by :func:`train_val_test_split`: all the X, then all the y.

    Example:
        >>> import numpy as np
        >>> from glassnet.scaling import train_val_test_split
        >>> X, y = np.arange(40).reshape(20, 2), np.arange(20) % 2
        >>> X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(X, y, 0.2, 0.2)
        >>> len(X_train), len(X_val), len(X_test)
        (12, 4, 4)
        >>> parts = train_val_test_split(X, y, 0.2, 0.2)
        >>> every = np.concatenate([parts.X_train, parts.X_val, parts.X_test])
        >>> bool(np.array_equal(np.sort(every[:, 0]), X[:, 0]))  # each sample in one part
        True
    """

    X_train: NDArray[Any]
    X_val: NDArray[Any]
    X_test: NDArray[Any]
    y_train: NDArray[Any]
    y_val: NDArray[Any]
    y_test: NDArray[Any]


def _fraction(value: float, what: str) -> float:
    if not is_real(value):  # NaN and ±inf are refused below, as out of range
        raise ValueError(f"{what} must be a number between 0 and 1, got {value!r}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{what} must be strictly between 0 and 1, e.g. 0.2; got {value!r}")
    return float(value)


def _count(fraction: float, n: int) -> int:
    """How many of n samples a fraction asks for, rounded up (as scikit-learn does)."""
    return math.ceil(fraction * n - 1e-9)  # the 1e-9 keeps 0.1 * 30 = 3.0000000000000004 at 3


def _split_indices(
    y: NDArray[Any], fraction: float, rng: np.random.Generator, stratify: bool
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices (kept, taken): ``taken`` holds about ``fraction`` of the samples, chosen at random,
    in the same proportion from every class when ``stratify``."""
    n = len(y)
    if not stratify:
        order = rng.permutation(n)
        cut = n - _count(fraction, n)
        return order[:cut], order[cut:]
    if y.ndim != 1:
        raise ValueError(
            f"stratify=True needs 1-D class labels y, got shape {y.shape}; "
            "pass labels such as y.argmax(axis=1)"
        )
    classes, counts = np.unique(y, return_counts=True)
    if (counts < 2).any():
        lonely = classes[counts < 2][0].item()
        raise ValueError(
            f"stratify=True needs at least 2 samples of every class, but class {lonely!r} has 1; "
            "drop it or split with stratify=False"
        )
    # Largest remainder: every class gets floor(fraction · n_c), and the samples still needed to
    # reach the total go to the classes with the biggest leftover fractions.
    total = _count(fraction, n)
    exact = fraction * counts
    per_class = np.floor(exact).astype(np.int64)
    extra = total - int(per_class.sum())
    per_class[np.argsort(-(exact - per_class), kind="stable")[:extra]] += 1
    kept, taken = [], []
    for c, k in zip(classes, per_class, strict=True):
        members = rng.permutation(np.flatnonzero(y == c))
        kept.append(members[k:])
        taken.append(members[:k])
    return rng.permutation(np.concatenate(kept)), rng.permutation(np.concatenate(taken))


def _samples(X: Any, y: Any) -> tuple[NDArray[Any], NDArray[Any]]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y need one row per sample and the same number of rows; "
            f"got shapes {X.shape} and {y.shape}"
        )
    return X, y


def train_test_split(
    X: Any,
    y: Any,
    test_fraction: float = 0.2,
    *,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = False,
) -> Split:
    """Shuffle the samples and hold out ``test_fraction`` of them (rounded up) for testing.

    Returns ``Split(X_train, X_test, y_train, y_test)``, in the order of scikit-learn's function
    of the same name, so ``X_train, X_test, y_train, y_test = train_test_split(X, y)`` works;
    the fields can also be read by name. With ``stratify=True`` each class keeps its share in
    both parts (y must be class labels). The same ``seed`` gives the same split.

    Example:
        >>> import numpy as np
        >>> X, y = np.arange(20).reshape(10, 2), np.arange(10) % 2
        >>> s = train_test_split(X, y, test_fraction=0.3, seed=0)
        >>> s.X_train.shape, s.X_test.shape
        ((7, 2), (3, 2))
    """
    X, y = _samples(X, y)
    fraction = _fraction(test_fraction, "test_fraction")
    train, test = _split_indices(y, fraction, as_rng(seed), stratify)
    if len(train) == 0 or len(test) == 0:
        raise ValueError(
            f"test_fraction={test_fraction} of {len(y)} samples leaves an empty split; "
            "use more samples or another test_fraction"
        )
    return Split(X[train], X[test], y[train], y[test])


def train_val_test_split(
    X: Any,
    y: Any,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    *,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = False,
) -> ThreeWaySplit:
    """Split into training, validation and test parts; fractions are of all the samples.

    The validation part is for choosing hyper-parameters (η, epochs, layer sizes); the test part
    is looked at once, at the end. Returns
    ``ThreeWaySplit(X_train, X_val, X_test, y_train, y_val, y_test)``.

    Example:
        >>> import numpy as np
        >>> X, y = np.zeros((100, 3)), np.arange(100) % 4
        >>> parts = train_val_test_split(X, y, val_fraction=0.1, test_fraction=0.2, seed=0)
        >>> len(parts.X_train), len(parts.X_val), len(parts.X_test)
        (70, 10, 20)
    """
    X, y = _samples(X, y)
    val = _fraction(val_fraction, "val_fraction")
    test = _fraction(test_fraction, "test_fraction")
    if val + test >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction = {val + test:g} leaves nothing to train on; "
            "keep their sum below 1, e.g. 0.1 and 0.2"
        )
    rng = as_rng(seed)
    rest, test_idx = _split_indices(y, test, rng, stratify)
    n_val = _count(val, len(y))  # a fraction of all the samples, not of what is left
    keep, val_idx = _split_indices(y[rest], n_val / len(rest), rng, stratify)
    train_idx, val_idx = rest[keep], rest[val_idx]
    if min(len(train_idx), len(val_idx), len(test_idx)) == 0:
        raise ValueError(f"{len(y)} samples are too few for these fractions: a part would be empty")
    return ThreeWaySplit(
        X[train_idx], X[val_idx], X[test_idx], y[train_idx], y[val_idx], y[test_idx]
    )
