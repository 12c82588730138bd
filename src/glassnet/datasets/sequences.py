"""Sequence tasks that need memory, generated with NumPy: data for :class:`~glassnet.layers.RNN`.

Each sample is a sequence x_1, …, x_T of n_in numbers, an array of shape (T, n_in), and the
answer depends on steps far apart, so a network must carry something from step to step:

- :func:`adding`: the adding problem of Hochreiter & Schmidhuber (1997). Every step holds a
  random value in [0, 1] and a marker (0 or 1); two steps are marked, one in each half of the
  sequence. Target: the sum of the two marked values (regression, n_in = 2).
- :func:`parity`: a string of T random bits; class 1 when it holds an odd number of ones (the
  XOR of all the bits; classification, n_in = 1). One flipped bit anywhere flips the answer.
- :func:`sine_continuation`: T noisy samples of a sine wave of random phase; target: the clean
  value ``horizon`` steps after the last one (regression, n_in = 1).

The generators return ``X`` of shape (n_samples, T, n_in) and ``y`` of shape (n_samples,); the
same ``seed`` gives the same data. :func:`load_sequences` wraps one into a
:class:`~glassnet.datasets.Dataset` with a train/test split. Its rows are *flat*, T·n_in
numbers step by step (x_1 first), like every other data set's, and ``Dataset.sequence_shape``
says how to fold a row back into (T, n_in): a network starts with ``Reshape((T, n_in))``, so a
saved model takes the same flat rows as any other.

What to beat (in glassnet's ``mse``, the squared error per sample):

- adding: always answering 1.0, the mean of the target, costs Var(u + v) = 2 · 1/12 = 1/6
  ≈ 0.167 (u, v uniform on [0, 1]); a network that has not found the markers does no better;
- parity: guessing is right half the time (accuracy 0.5);
- sine continuation: repeating the last value costs 1 − cos(2π·horizon/period) + noise²
  (0.086 with the defaults); answering 0 costs 0.5.

>>> X, y = adding(4, T=6, seed=0)
>>> X.shape, y.shape
((4, 6, 2), (4,))
>>> bool(((X[:, :, 0] * X[:, :, 1]).sum(axis=1) == y).all())
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._inputs import as_dtype, as_rng, is_real, positive_int
from ..scaling import train_test_split
from .base import Dataset
from .preparation import Preparation

__all__ = [
    "ADDING_BASELINE",
    "SEQUENCES",
    "adding",
    "load_sequences",
    "parity",
    "sine_continuation",
]

Array = NDArray[np.floating[Any]]
Seed = int | np.random.Generator | None

#: The mse of always answering 1.0 on the adding problem: Var(u + v) = 2/12 for u, v ~ U(0, 1).
ADDING_BASELINE = 1 / 6


def _length(T: object, low: int) -> int:
    n = positive_int(T, "T")
    if n < low:
        raise ValueError(f"T is the sequence length and must be at least {low} here, got {n}")
    return n


def adding(
    n_samples: int = 10_000, *, T: int = 50, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, Array]:
    """The adding problem: sum the two marked values of a sequence of T random values.

    Step t holds x_t = (u_t, marker_t) with u_t uniform on [0, 1]; marker_t is 1 at one step
    of the first half (t ≤ T/2) and one of the second half, 0 elsewhere. The target is the
    sum of the two marked u_t, between 0 and 2 (mean 1, variance 1/6: see
    :data:`ADDING_BASELINE`). The first mark may be up to T − 1 steps before the end. With
    T = 50, a small RNN needs thousands of sequences to find the marks: hence 10,000 by default.

    Example:
        >>> X, y = adding(3, T=4, seed=1)
        >>> X[:, :, 1].sum(axis=1).tolist()  # two marks per sequence
        [2.0, 2.0, 2.0]
        >>> bool(np.allclose(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1)))
        True
    """
    rng, T = as_rng(seed), _length(T, 2)
    n = positive_int(n_samples, "n_samples")
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.random((n, T))
    half = T // 2
    rows = np.arange(n)
    X[rows, rng.integers(0, half, size=n), 1] = 1.0  # one mark in the first half
    X[rows, rng.integers(half, T, size=n), 1] = 1.0  # one in the second
    X = X.astype(as_dtype(dtype))
    return X, (X[:, :, 0] * X[:, :, 1]).sum(axis=1)  # Σ_t u_t · marker_t


def parity(
    n_samples: int = 1000, *, T: int = 12, seed: Seed = 0, dtype: DTypeLike = "float32"
) -> tuple[Array, NDArray[np.int64]]:
    """Parity: a string of T random bits; label 1 when it holds an odd number of ones.

    The label is the XOR of all T bits, so every bit matters until the very end. The strings
    are all different (while 2^T allows it), so a test split never repeats a training string.

    Example:
        >>> X, y = parity(5, T=4, seed=0)
        >>> X.shape, bool((X.sum(axis=(1, 2)) % 2 == y).all())
        ((5, 4, 1), True)
    """
    rng, T = as_rng(seed), _length(T, 1)
    n = positive_int(n_samples, "n_samples")
    if T <= 62:
        if n > 2**T:
            raise ValueError(
                f"there are only 2^{T} = {2**T} different strings of {T} bits, so n_samples must "
                f"be at most {2**T}, got {n}; ask for fewer samples or a longer T"
            )
        whole = rng.choice(2**T, size=n, replace=False)  # n different strings, as integers
        bits = (whole[:, None] >> np.arange(T)) & 1
    else:  # 2^63 strings and more: drawn bit by bit, a repeat is as likely as a lottery win
        bits = rng.integers(0, 2, size=(n, T))
    return bits[:, :, None].astype(as_dtype(dtype)), (bits.sum(axis=1) % 2).astype(np.int64)


def sine_continuation(
    n_samples: int = 1000,
    *,
    T: int = 20,
    period: float = 16.0,
    horizon: int = 1,
    noise: float = 0.1,
    seed: Seed = 0,
    dtype: DTypeLike = "float32",
) -> tuple[Array, Array]:
    """Sine continuation: from T noisy steps of a sine wave, its clean value ``horizon`` steps on.

    x_t = sin(2π t / period + φ) + noise · ε_t for t = 0, …, T − 1, with a random phase φ per
    sequence and ε_t standard normal; the target is sin(2π (T − 1 + horizon) / period + φ).
    ``period`` is in steps.

    Example:
        >>> X, y = sine_continuation(3, T=5, noise=0.0, seed=0)
        >>> X.shape, y.shape
        ((3, 5, 1), (3,))

        Without noise one step follows from the two before it, sin(a + ω) = 2 cos(ω) sin(a) −
        sin(a − ω) with ω = 2π / period, so even a linear recurrence can continue the wave:

        >>> x = X[:, :, 0]
        >>> bool(np.allclose(y, 2 * np.cos(2 * np.pi / 16) * x[:, -1] - x[:, -2], atol=1e-6))
        True
    """
    rng, T = as_rng(seed), _length(T, 1)
    n = positive_int(n_samples, "n_samples")
    if not (is_real(period) and 0 < float(period) < float("inf")):
        raise ValueError(f"period is the sine's length in steps, a positive number; got {period!r}")
    ahead = positive_int(horizon, "horizon")
    if not (is_real(noise) and 0 <= float(noise) < float("inf")):
        raise ValueError(f"noise is a standard deviation and must be 0 or more, got {noise!r}")
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    omega = 2 * np.pi / float(period)  # the angle one step moves on
    X = np.sin(omega * np.arange(T) + phase) + float(noise) * rng.normal(size=(n, T))
    y = np.sin(omega * (T - 1 + ahead) + phase[:, 0])
    dt = as_dtype(dtype)
    return X[:, :, None].astype(dt), y.astype(dt)


SequenceMaker = Callable[..., tuple[Array, NDArray[Any]]]

#: The sequence generators, by the name :func:`glassnet.datasets.load` knows them.
SEQUENCES: dict[str, SequenceMaker] = {
    "adding": adding,
    "parity": parity,
    "sine-continuation": sine_continuation,
}
_CLASSES = {"parity": ("even", "odd")}


def load_sequences(
    name: str,
    /,
    *,
    test_fraction: float = 0.2,
    seed: Seed = 0,
    dtype: DTypeLike = "float32",
    flatten: bool = True,
    **options: Any,
) -> Dataset:
    """Generate the sequence task ``name`` and split it into a training and a test set.

    Args:
        name: ``adding``, ``parity`` or ``sine-continuation``.
        test_fraction: the share of the samples held out for testing (rounded up).
        seed: seeds both the data and the split; the same seed gives the same Dataset.
        dtype: float32 or float64, for X (and y in regression).
        flatten: rows of T·n_in numbers (the default, what every glassnet data set and model
            file takes), or, if False, arrays of shape (m, T, n_in).
        options: passed on to the generator: ``n_samples``, ``T``, and for sine-continuation
            ``period``, ``horizon``, ``noise``.

    Example:
        >>> ds = load_sequences("adding", n_samples=100, T=10, seed=0)
        >>> ds
        Dataset('adding', regression, train (80, 20) float32, test (20, 20) float32)
        >>> ds.sequence_shape, ds.X_train.reshape(-1, *ds.sequence_shape).shape
        ((10, 2), (80, 10, 2))
    """
    generator = SEQUENCES.get(name)
    if generator is None:
        raise ValueError(f"unknown sequence task {name!r}; choose one of {', '.join(SEQUENCES)}")
    signature = inspect.signature(generator).parameters
    accepted = [p for p in signature if p not in ("seed", "dtype")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"{name} does not take {', '.join(unknown)}; it takes {', '.join(accepted)}, "
            "plus test_fraction, seed, dtype and flatten"
        )
    if not isinstance(flatten, (bool, np.bool_)):
        raise ValueError(f"flatten must be True (flat rows) or False (m, T, n_in); got {flatten!r}")
    defaults = {key: signature[key].default for key in accepted}
    recorded = {**defaults, **options, "test_fraction": test_fraction, "seed": seed}
    rng = as_rng(seed)
    X, y = generator(seed=rng, dtype=dtype, **options)
    shape = X.shape[1:]
    split = train_test_split(X.reshape(len(X), -1), y, test_fraction, seed=rng)
    X_train, X_test = split.X_train, split.X_test
    if not flatten:
        X_train, X_test = X_train.reshape(-1, *shape), X_test.reshape(-1, *shape)
    doc = (generator.__doc__ or "").strip().splitlines()
    return Dataset(
        X_train,
        split.y_train,
        X_test,
        split.y_test,
        classes=_CLASSES.get(name),
        name=name,
        sequence_shape=(int(shape[0]), int(shape[1])),
        source="generated",
        description=doc[0] if doc else "",
        preparation=Preparation(
            name, {**recorded, "dtype": as_dtype(dtype), "flatten": bool(flatten)}
        ),
    )
