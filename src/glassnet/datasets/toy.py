"""Small 2-D learning problems, like the ones on TensorFlow Playground, generated with NumPy.

Classification (X of shape (n, 2), integer labels y):

- :func:`xor`: the four quadrants, labelled by whether x₁ and x₂ have the same sign;
- :func:`circles`: a disc inside a ring;
- :func:`moons`: two interleaving half circles;
- :func:`spirals`: two (or more) spiral arms wound around each other;
- :func:`blobs`: Gaussian clouds around a few centres.

Regression (float targets y): :func:`sine` (1-D input), :func:`plane` and :func:`bumps` (2-D).

Every generator takes ``n_samples``, ``noise`` (the standard deviation of Gaussian noise added to
the points, or to the targets for regression) and ``seed``; the same seed gives the same data.
Classes are as equal in size as ``n_samples`` allows and the samples come in random order.
:func:`load_toy` wraps any of them into a :class:`~glassnet.datasets.Dataset` with a
train/test split.

>>> X, y = moons(100, noise=0.1, seed=0)
>>> X.shape, X.dtype, sorted(set(y.tolist()))
((100, 2), dtype('float32'), [0, 1])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .._inputs import as_dtype, as_rng, is_real, positive_int
from ..scaling import train_test_split
from .base import Dataset, class_names
from .preparation import Preparation

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "blobs",
    "bumps",
    "circles",
    "load_toy",
    "moons",
    "plane",
    "sine",
    "spirals",
    "xor",
]

Array = NDArray[np.floating[Any]]
Labels = NDArray[np.int64]
Seed = int | np.random.Generator | None


def _noise(noise: float) -> float:
    if not is_real(noise):
        raise ValueError(f"noise must be a number, the noise's standard deviation; got {noise!r}")
    if not 0.0 <= float(noise) < float("inf"):
        raise ValueError(f"noise is a standard deviation and must be 0 or more, got {noise!r}")
    return float(noise)


def _sizes(n_samples: int, n_classes: int) -> list[int]:
    """Class sizes as equal as possible: the first classes get one extra when it does not
    divide evenly."""
    n = positive_int(n_samples, "n_samples")
    if n < n_classes:
        raise ValueError(f"n_samples must be at least {n_classes}, one per class; got {n}")
    return [n // n_classes + (c < n % n_classes) for c in range(n_classes)]


def _finish(
    parts: list[NDArray[np.float64]], noise: float, rng: np.random.Generator, dtype: DTypeLike
) -> tuple[Array, Labels]:
    """Stack the classes' points, jitter them with Gaussian noise, and shuffle."""
    X = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), c, dtype=np.int64) for c, p in enumerate(parts)])
    X = X + noise * rng.normal(size=X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(as_dtype(dtype)), y[order]


def xor(
    n_samples: int = 200, *, noise: float = 0.0, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Labels]:
    """XOR: points in the square [−1, 1]²; label 1 when x₁ and x₂ have different signs.

    Without noise the points keep 0.1 away from the axes, so the classes do not touch. No
    straight line separates them: a network needs a hidden layer.

    Example:
        >>> X, y = xor(8, seed=0)
        >>> bool(((X[:, 0] * X[:, 1] < 0) == (y == 1)).all())
        True
    """
    rng, noise = as_rng(seed), _noise(noise)
    parts = []
    for c, n in enumerate(_sizes(n_samples, 2)):
        s = rng.choice([-1.0, 1.0], size=(n, 1))
        signs = np.hstack([s, s if c == 0 else -s])  # class 0: same sign, class 1: different
        parts.append(signs * (0.1 + 0.9 * rng.random((n, 2))))
    return _finish(parts, noise, rng, dtype)


def _polar(r: NDArray[np.float64], angle: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def circles(
    n_samples: int = 200, *, noise: float = 0.0, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Labels]:
    """A disc of radius 0.5 (label 0) inside a ring from radius 0.7 to 1 (label 1).

    Example:
        >>> X, y = circles(100, seed=0)
        >>> r = np.hypot(X[:, 0], X[:, 1])
        >>> bool((r[y == 0] <= 0.5).all() and (r[y == 1] >= 0.7).all())
        True
    """
    rng, noise = as_rng(seed), _noise(noise)
    n0, n1 = _sizes(n_samples, 2)
    inner = _polar(0.5 * rng.random(n0), 2 * np.pi * rng.random(n0))
    ring = _polar(rng.uniform(0.7, 1.0, n1), 2 * np.pi * rng.random(n1))
    return _finish([inner, ring], noise, rng, dtype)


def moons(
    n_samples: int = 200, *, noise: float = 0.1, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Labels]:
    """Two interleaving half circles of radius 1 ("two moons"), centred on the origin.

    Label 0 is the upper arc (cos t, sin t), label 1 the lower arc (1 − cos t, ½ − sin t), for t
    in [0, π], both shifted by (−½, −¼).

    Example:
        >>> X, y = moons(6, noise=0.0, seed=0)
        >>> X.shape, np.bincount(y).tolist()
        ((6, 2), [3, 3])
    """
    rng, noise = as_rng(seed), _noise(noise)
    n0, n1 = _sizes(n_samples, 2)
    t0, t1 = np.pi * rng.random(n0), np.pi * rng.random(n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    centre = np.array([0.5, 0.25])
    return _finish([upper - centre, lower - centre], noise, rng, dtype)


def spirals(
    n_samples: int = 200,
    *,
    noise: float = 0.0,
    n_classes: int = 2,
    turns: float = 1.0,
    seed: Seed = 0,
    dtype: DTypeLike = "float32",
) -> tuple[Array, Labels]:
    """Spiral arms wound around each other, one per class, each reaching out to radius 1.

    A point at distance t ∈ [0, 1] from the centre on arm c has angle 2π (turns·t + c/n_classes).
    ``turns`` says how often each arm winds around the centre: the more turns, the harder the
    problem.

    Example:
        >>> X, y = spirals(300, n_classes=3, seed=0)
        >>> X.shape, np.bincount(y).tolist()
        ((300, 2), [100, 100, 100])
    """
    rng, noise = as_rng(seed), _noise(noise)
    k = positive_int(n_classes, "n_classes")
    if not float(turns) > 0:
        raise ValueError(f"turns must be a positive number, got {turns!r}")
    parts = []
    for c, n in enumerate(_sizes(n_samples, k)):
        t = rng.random(n)
        parts.append(_polar(t, 2 * np.pi * (float(turns) * t + c / k)))
    return _finish(parts, noise, rng, dtype)


def blobs(
    n_samples: int = 200,
    *,
    centers: int | ArrayLike = 2,
    noise: float = 0.3,
    seed: Seed = 0,
    dtype: DTypeLike = "float32",
) -> tuple[Array, Labels]:
    """Gaussian blobs: each class is a cloud of points around its own centre.

    Class c is a cloud of standard deviation ``noise`` around centre c. ``centers`` is a number
    k (the centres are then spread evenly on the unit circle) or an array of shape (k, d) of
    centres, which gives d-dimensional points.

    Example:
        >>> X, y = blobs(90, centers=3, seed=0)
        >>> X.shape, np.bincount(y).tolist()
        ((90, 2), [30, 30, 30])
    """
    rng, noise = as_rng(seed), _noise(noise)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = positive_int(centers, "centers")
        angle = 2 * np.pi * np.arange(k) / k
        where = _polar(np.ones(k), angle)
    else:
        where = np.asarray(centers, dtype=np.float64)
        if where.ndim != 2 or len(where) == 0 or not np.isfinite(where).all():
            raise ValueError(
                f"centers must be a number of classes or an array of shape (k, d) of finite "
                f"centres, got shape {where.shape}"
            )
    parts = [
        np.repeat(where[c : c + 1], n, axis=0) for c, n in enumerate(_sizes(n_samples, len(where)))
    ]
    return _finish(parts, noise, rng, dtype)


def _targets(
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    noise: float,
    rng: np.random.Generator,
    dtype: DTypeLike,
) -> tuple[Array, Array]:
    dt = as_dtype(dtype)
    return X.astype(dt), (y + noise * rng.normal(size=y.shape)).astype(dt)


def sine(
    n_samples: int = 200, *, noise: float = 0.0, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Array]:
    """Regression: y = sin(x) for x drawn uniformly from [−π, π]; X has shape (n, 1).

    Example:
        >>> X, y = sine(5, seed=0)
        >>> X.shape, y.shape, bool(np.allclose(y, np.sin(X[:, 0]), atol=1e-6))
        ((5, 1), (5,), True)
    """
    rng, noise = as_rng(seed), _noise(noise)
    x = rng.uniform(-np.pi, np.pi, size=(positive_int(n_samples, "n_samples"), 1))
    return _targets(x, np.sin(x[:, 0]), noise, rng, dtype)


def plane(
    n_samples: int = 200, *, noise: float = 0.0, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Array]:
    """Regression: y = (x₁ + x₂) / 2, a tilted plane over the square [−1, 1]².

    Example:
        >>> X, y = plane(4, seed=0)
        >>> bool(np.allclose(y, X.mean(axis=1), atol=1e-6))
        True
    """
    rng, noise = as_rng(seed), _noise(noise)
    X = rng.uniform(-1.0, 1.0, size=(positive_int(n_samples, "n_samples"), 2))
    return _targets(X, X.mean(axis=1), noise, rng, dtype)


#: The centres and signs of the four bumps of :func:`bumps`.
_BUMPS = np.array([[-0.5, -0.5, 1.0], [0.5, 0.5, 1.0], [-0.5, 0.5, -1.0], [0.5, -0.5, -1.0]])


def bumps(
    n_samples: int = 200, *, noise: float = 0.0, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Array]:
    """Regression: two Gaussian hills and two valleys of width 0.3 over the square [−1, 1]².

    y = Σ_k s_k exp(−‖x − c_k‖² / (2 · 0.3²)), with hills (s = +1) at (−½, −½) and (½, ½) and
    valleys (s = −1) at (−½, ½) and (½, −½): a smooth cousin of XOR.

    Example:
        >>> X, y = bumps(50, seed=0)
        >>> X.shape, bool(-1.1 < y.min() and y.max() < 1.1)
        ((50, 2), True)
    """
    rng, noise = as_rng(seed), _noise(noise)
    X = rng.uniform(-1.0, 1.0, size=(positive_int(n_samples, "n_samples"), 2))
    dist2 = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    y = (_BUMPS[:, 2] * np.exp(-dist2 / (2 * 0.3**2))).sum(axis=1)
    return _targets(X, y, noise, rng, dtype)


ToyMaker = Callable[..., tuple[Array, NDArray[Any]]]

#: The classification generators, by name.
CLASSIFICATION: dict[str, ToyMaker] = {
    "xor": xor,
    "circles": circles,
    "moons": moons,
    "spirals": spirals,
    "blobs": blobs,
}
#: The regression generators, by name.
REGRESSION: dict[str, ToyMaker] = {"sine": sine, "plane": plane, "bumps": bumps}


def load_toy(
    name: str,
    /,
    *,
    test_fraction: float = 0.2,
    seed: Seed = 0,
    dtype: DTypeLike = "float32",
    **options: Any,
) -> Dataset:
    """Generate the toy problem ``name`` and split it into a training and a test set.

    Args:
        name: one of ``xor, circles, moons, spirals, blobs`` (classification) or
            ``sine, plane, bumps`` (regression).
        test_fraction: the share of the samples held out for testing (rounded up).
        seed: seeds both the data and the split; the same seed gives the same Dataset.
        dtype: float32 or float64, for X (and y in regression).
        options: passed on to the generator: ``n_samples``, ``noise``, and for some
            ``n_classes``, ``turns`` (spirals) or ``centers`` (blobs).

    Example:
        >>> ds = load_toy("spirals", n_samples=400, noise=0.05, seed=1)
        >>> ds
        Dataset('spirals', classification, 2 classes, train (320, 2) float32, test (80, 2) float32)
    """
    generator = CLASSIFICATION.get(name) or REGRESSION.get(name)
    if generator is None:
        raise ValueError(
            f"unknown toy data set {name!r}; choose one of "
            + ", ".join([*CLASSIFICATION, *REGRESSION])
        )
    accepted = [p for p in inspect.signature(generator).parameters if p not in ("seed", "dtype")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"{name} does not take {', '.join(unknown)}; it takes {', '.join(accepted)}, "
            "plus test_fraction, seed and dtype"
        )
    generator_defaults = {
        key: p.default
        for key, p in inspect.signature(generator).parameters.items()
        if key not in ("seed", "dtype") and p.default is not inspect.Parameter.empty
    }
    recorded = {**generator_defaults, **options, "test_fraction": test_fraction, "seed": seed}
    rng = as_rng(seed)
    X, y = generator(seed=rng, dtype=dtype, **options)
    split = train_test_split(X, y, test_fraction, seed=rng)
    doc = (generator.__doc__ or "").strip().splitlines()
    return Dataset(
        split.X_train,
        split.y_train,
        split.X_test,
        split.y_test,
        classes=class_names(y) if name in CLASSIFICATION else None,
        name=name,
        source="generated",
        description=doc[0] if doc else "",
        # no scaling: the points are used as generated, so the scaler is None
        preparation=Preparation(name, {**recorded, "dtype": as_dtype(dtype)}),
    )
