"""Checking and converting what users pass in: X, Y, dtypes and seeds.

Every message says what was wrong, what was expected and, where it can, what to do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

Array = NDArray[np.floating[Any]]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """float32 or float64, or a ValueError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed (int or None) or an existing Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed}")
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be an integer, None or a numpy Generator, got {seed!r}")


def numeric_array(value: Any, name: str, text_hint: str = "") -> NDArray[Any]:
    """``np.asarray(value)``, or a ValueError unless it is an array of numbers; ``text_hint``
    ends the message when the array holds text or Python objects."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        hint = text_hint if arr.dtype.kind in "USO" else ""
        raise ValueError(f"{name} must hold numbers, got an array of dtype {arr.dtype}{hint}")
    return arr


#: what to do about class labels that are words ("cat", "dog"), for the message on Y
_TEXT_LABELS = (
    "; to use labels such as 'cat' and 'dog', number the classes 0..K−1 first: "
    "classes, Y = np.unique(Y, return_inverse=True) (classes[k] names class k), or use "
    "glassnet.sklearn.GlassnetClassifier, which accepts any labels"
)


def as_features(X: Any, n_in: int, dtype: np.dtype[Any], name: str = "X") -> Array:
    """X as a C-contiguous (m, n_0) array of ``dtype``, checked for shape and finiteness."""
    arr = numeric_array(X, name)
    if arr.ndim != 2:
        hint = (
            f"; for a single sample use {name}.reshape(1, -1)"
            if arr.ndim == 1 and arr.shape[0] == n_in
            else ""
        )
        raise ValueError(
            f"{name} must be a 2-D array of shape (m, n_0) = (m, {n_in}), one sample per row; "
            f"got shape {arr.shape}{hint}"
        )
    if arr.shape[1] != n_in:
        raise ValueError(
            f"{name} has {arr.shape[1]} features (columns) but the network's input layer has "
            f"n_0 = {n_in} neurons; pass {name} of shape (m, {n_in}) or build the network with "
            f"sizes[0] = {arr.shape[1]}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows; pass at least one sample")
    return _finite_in(arr, dtype, name, "remove or impute them before training")


def _finite_in(arr: NDArray[Any], dtype: np.dtype[Any], name: str, fix: str) -> Array:
    """``arr`` as a C-contiguous array of ``dtype``, or a ValueError if a value is NaN or
    infinite, or is finite but too large for ``dtype`` (it would overflow to ±inf)."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, in words
        out = np.ascontiguousarray(arr, dtype=dtype)
        finite = np.isfinite(out)
        if finite.all():
            return out
        bad = int(np.argwhere(~finite)[0][0])
        if arr.dtype.kind != "f" or np.isfinite(arr).all():
            largest = float(np.max(np.abs(arr)))
            raise ValueError(
                f"{name} holds numbers too large for {dtype} (the largest |value| is "
                f"{largest:.4g}, first in row {bad}): they overflow to infinity in {dtype}; "
                f"scale {name} down (e.g. glassnet.scaling.StandardScaler) or use a float64 "
                "network (dtype='float64'; on the command line, train with --dtype float64)"
            )
    raise ValueError(f"{name} contains NaN or infinite values (first in row {bad}); {fix}")


def _integral(arr: NDArray[Any]) -> bool:
    if arr.dtype.kind in "biu":
        return True
    return (
        arr.dtype.kind == "f"
        and bool(np.all(np.isfinite(arr)))
        and bool(np.all(arr == np.round(arr)))
    )


def as_targets(
    Y: Any, m: int, n_out: int, dtype: np.dtype[Any]
) -> tuple[Array, NDArray[np.intp] | None]:
    """Targets as an (m, n_L) float array, plus integer class labels when Y is a classification
    target (labels, one-hot rows, or a 0/1 column) and ``None`` otherwise.

    A 1-D Y holds integer class labels 0..n_L−1 (one-hot internally) when n_L > 1, and one target
    value per sample when n_L = 1.
    """
    arr = numeric_array(Y, "Y", _TEXT_LABELS)
    if arr.ndim not in (1, 2):
        raise ValueError(f"Y must be 1-D labels or a 2-D (m, n_L) array, got shape {arr.shape}")
    if arr.shape[0] != m:
        raise ValueError(f"X has {m} rows but Y has {arr.shape[0]}; give one target per sample")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise ValueError(
            f"Y contains NaN or infinite values (first in row {bad}); remove those samples"
        )

    if arr.ndim == 1 and n_out > 1:
        if not _integral(arr):
            raise ValueError(
                f"Y is 1-D but not integer class labels, and the network has n_L = {n_out} "
                f"outputs; pass labels 0..{n_out - 1} or a 2-D array of shape (m, {n_out})"
            )
        labels = arr.astype(np.intp)
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= n_out:
            raise ValueError(
                f"Y has class labels from {lo} to {hi}, but the network's {n_out} outputs "
                f"stand for classes 0..{n_out - 1}; relabel Y or change the output layer size"
            )
        onehot = np.zeros((m, n_out), dtype=dtype)
        onehot[np.arange(m), labels] = 1.0
        return onehot, labels

    target = _finite_in(arr.reshape(m, -1), dtype, "Y", "remove those samples")
    if target.shape[1] != n_out:
        raise ValueError(
            f"Y has {target.shape[1]} columns but the network has n_L = {n_out} outputs; "
            f"pass Y of shape (m, {n_out})" + (" or 1-D class labels" if n_out > 1 else "")
        )
    binary = bool(np.all((target == 0) | (target == 1)))
    if n_out == 1:
        return target, (target[:, 0].astype(np.intp) if binary else None)
    if binary and bool(np.all(target.sum(axis=1) == 1)):
        return target, target.argmax(axis=1)
    return target, None


def positive_int(value: object, what: str) -> int:
    """A positive integer, or a ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def sample_weights(sample_weight: Any, m: int, dtype: np.dtype[Any]) -> Array:
    """Per-sample weights checked: m finite numbers ≥ 0, not all 0, in ``dtype``.

    >>> sample_weights([1, 0, 2], 3, np.dtype(np.float64)).tolist()
    [1.0, 0.0, 2.0]
    """
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"sample_weight must hold numbers, one per sample, got {sample_weight!r:.80}"
        ) from None
    if w.shape != (m,):
        raise ValueError(
            f"sample_weight must have one weight per sample, shape ({m},), got shape {w.shape}"
        )
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"sample_weight must be finite and >= 0 (0 leaves a sample out), got {w[i]:g} for "
            f"sample {i}"
        )
    if not w.any():
        raise ValueError(
            "sample_weight is zero for every sample, which leaves nothing to learn from; give "
            "at least one sample a weight > 0"
        )
    return w.astype(dtype)
