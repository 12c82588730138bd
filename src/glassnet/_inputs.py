"""Checking and converting what users pass in: numbers, flags, X, Y, dtypes and seeds.

This is glassnet's one validation toolkit; every module checks its arguments with it. Every
message says what was wrong, what was expected and, where it can, what to do. The caller writes
that sentence, in one of two forms:

=================  ====================================================================
``rule="…"``       ``Invalid <what>: <value>; <rule>`` (PyTorch's form, for hyperparameters):
                   ``Invalid learning rate: -0.1; lr (η) must be a positive number such as 0.1``
``must_be="…"``    ``<what> must be <must_be>, got <value>``:
                   ``patience must be a whole number of epochs >= 1 such as 10, got 0``
=================  ====================================================================

Numbers: :func:`real_number` (a finite real number in an interval), :func:`whole_number` (an
integer in a range), :func:`positive_int`, :func:`flag` (True or False), and the predicates
:func:`is_real` and :func:`is_whole` for checks whose message depends on more than the value.
A bool is never a number here, although Python counts ``True`` as 1.

Values read back from files: :func:`plain` (a 0-d array from ``np.load`` as a Python number)
and :func:`short_repr` (a hyperparameter as a ``repr`` shows it, ``3.0`` as ``3``).

Arrays: :func:`as_dtype`, :func:`as_rng`, :func:`numeric_array`, :func:`as_features` (X) and
:func:`as_targets` (Y) and :func:`sample_weights`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any, TypeGuard, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

Array = NDArray[np.floating[Any]]
T = TypeVar("T")

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """float32 or float64, or a ValueError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in _FLOAT_DTYPES:  # (np.dtype("float64") == None is True)
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


def as_features(
    X: Any, n_in: int | tuple[int, ...], dtype: np.dtype[Any], name: str = "X"
) -> Array:
    """X as a C-contiguous (m, n_0) array of ``dtype`` (or (m, *shape) for a network whose
    input is shaped, such as (m, 1, 28, 28) images), checked for shape and finiteness."""
    arr = numeric_array(X, name)
    shape = n_in if isinstance(n_in, tuple) else (n_in,)
    if len(shape) > 1 and arr.shape[1:] != shape:
        reshape = (
            f"; flat rows need gn.Reshape({shape}) as the first layer"
            if arr.ndim == 2 and arr.shape[1] == math.prod(shape)
            else ""
        )
        raise ValueError(
            f"{name} must have shape (m, {', '.join(map(str, shape))}), one sample per entry of "
            f"its first axis; got shape {arr.shape}{reshape}"
        )
    n_in = shape[0]
    if len(shape) == 1 and arr.ndim != 2:
        hint = (
            f"; for a single sample use {name}.reshape(1, -1)"
            if arr.ndim == 1 and arr.shape[0] == n_in
            else ""
        )
        raise ValueError(
            f"{name} must be a 2-D array of shape (m, n_0) = (m, {n_in}), one sample per row; "
            f"got shape {arr.shape}{hint}"
        )
    if len(shape) == 1 and arr.shape[1] != n_in:
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


# -- numbers and flags -----------------------------------------------------------------------


def is_real(value: object) -> TypeGuard[int | float | np.integer[Any] | np.floating[Any]]:
    """Whether ``value`` is a real number (int, float, NumPy's, …), not a bool and not a string.

    It may be NaN or infinite; :func:`real_number` also asks for a finite value.

    >>> is_real(0.5), is_real(np.float32(2)), is_real(True), is_real("0.5")
    (True, True, False, False)
    """
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def is_whole(value: object) -> TypeGuard[int | np.integer[Any]]:
    """Whether ``value`` is an integer (Python's or NumPy's), not a bool and not 2.0.

    >>> is_whole(3), is_whole(np.int64(3)), is_whole(3.0), is_whole(False)
    (True, True, False, False)
    """
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def _refusal(value: object, what: str, rule: str | None, must_be: str | None) -> ValueError:
    """The ValueError for ``value``, in the form the caller chose (see the module docstring)."""
    if (rule is None) == (must_be is None):
        raise TypeError("pass exactly one of rule= and must_be= to say what is allowed")
    if rule is not None:
        return ValueError(f"Invalid {what}: {value!r}; {rule}")
    return ValueError(f"{what} must be {must_be}, got {value!r}")


def real_number(
    value: object,
    what: str,
    rule: str | None = None,
    *,
    must_be: str | None = None,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float if it is a finite real number from ``low`` to ``high``, else a
    ValueError.

    The interval is closed unless ``low_open`` / ``high_open`` say otherwise: ``low=0,
    low_open=True`` means value > 0.

    Args:
        value: what the user passed.
        what: what it is, as the message names it (``"learning rate"``, ``"min_delta"``).
        rule: the message ends ``Invalid <what>: <value>; <rule>``.
        must_be: or the message is ``<what> must be <must_be>, got <value>``.
        low, high, low_open, high_open: the interval.

    Example:
        >>> real_number(0.9, "momentum value", "momentum must satisfy 0 ≤ μ < 1",
        ...             low=0, high=1, high_open=True)
        0.9
        >>> real_number(-0.1, "learning rate", "lr (η) must be a positive number such as 0.1",
        ...             low=0, low_open=True)
        Traceback (most recent call last):
        ValueError: Invalid learning rate: -0.1; lr (η) must be a positive number such as 0.1
        >>> real_number(float("nan"), "min_delta", must_be="a number >= 0 such as 1e-4", low=0)
        Traceback (most recent call last):
        ValueError: min_delta must be a number >= 0 such as 1e-4, got nan
    """
    if is_real(value):
        v = float(value)
        if (
            math.isfinite(v)
            and (v > low if low_open else v >= low)
            and (v < high if high_open else v <= high)
        ):
            return v
    raise _refusal(value, what, rule, must_be)


def whole_number(
    value: object,
    what: str,
    rule: str | None = None,
    *,
    must_be: str | None = None,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """``value`` as an int if it is an integer with ``low ≤ value ≤ high``, else a ValueError.

    ``2.0`` is not a whole number here: a count given as a float is usually a mistake.

    Args:
        value: what the user passed.
        what: what it is, as the message names it.
        rule: the message ends ``Invalid <what>: <value>; <rule>``.
        must_be: or the message is ``<what> must be <must_be>, got <value>``.
        low, high: the smallest and the largest value allowed (None: no limit).

    Example:
        >>> whole_number(np.int64(10), "patience", must_be="a whole number >= 1", low=1)
        10
        >>> whole_number(0, "every", must_be="a whole number of epochs >= 1", low=1)
        Traceback (most recent call last):
        ValueError: every must be a whole number of epochs >= 1, got 0
    """
    if is_whole(value) and (low is None or value >= low) and (high is None or value <= high):
        return int(value)
    raise _refusal(value, what, rule, must_be)


def positive_int(value: object, what: str) -> int:
    """A positive integer, or ``ValueError("<what> must be a positive integer, got <value>")``.

    >>> positive_int(3, "epochs")
    3
    >>> positive_int(0, "batch_size")
    Traceback (most recent call last):
    ValueError: batch_size must be a positive integer, got 0
    """
    return whole_number(value, what, must_be="a positive integer", low=1)


def flag(value: object, what: str, rule: str | None = None, *, must_be: str | None = None) -> bool:
    """``value`` as a bool if it is True or False (NumPy's included), else a ValueError.

    ``1`` and ``"yes"`` are refused: a switch is given as a bool.

    Example:
        >>> flag(np.bool_(True), "nesterov value", "nesterov must be True or False")
        True
        >>> flag(1, "nesterov value", "nesterov must be True or False")
        Traceback (most recent call last):
        ValueError: Invalid nesterov value: 1; nesterov must be True or False
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _refusal(value, what, rule, must_be)


# -- values read back from files ----------------------------------------------------------------


def plain(value: Any) -> Any:
    """A number or string from ``np.load`` (a 0-d array or a NumPy scalar) as a plain Python
    value; anything else as it is.

    >>> plain(np.array(0.5)), plain(np.int64(3)), plain("SGD")
    (0.5, 3, 'SGD')
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def short_repr(value: Any) -> str:
    """A hyperparameter as ``repr`` shows it: 3.0 → '3', 0.001 → '0.001', a tuple item by item.

    >>> short_repr(3.0), short_repr(0.001), short_repr((0.9, 0.999)), short_repr(True)
    ('3', '0.001', '(0.9, 0.999)', 'True')
    """
    if isinstance(value, tuple):
        return "(" + ", ".join(short_repr(v) for v in value) + ")"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# -- objects, pairs and lists ---------------------------------------------------------------------


def instance_of(value: T, kind: type | tuple[type, ...], what: str, *, must_be: str) -> T:
    """``value`` if it is an instance of ``kind``, else ``ValueError("<what> must be <must_be>,
    got <value>")``.

    Example:
        >>> instance_of(3, int, "n", must_be="a Python int")
        3
        >>> instance_of("x", int, "n", must_be="a Python int")
        Traceback (most recent call last):
        ValueError: n must be a Python int, got 'x'
    """
    if isinstance(value, kind):
        return value
    raise _refusal(value, what, None, must_be)


def instances_of(values: Iterable[Any], kind: type[T], what: str, *, must_be: str) -> list[T]:
    """``list(values)`` if every item is an instance of ``kind``, else a ValueError naming the
    first that is not (in the form of :func:`instance_of`).

    Example:
        >>> instances_of((1, 2), int, "sizes", must_be="integers")
        [1, 2]
        >>> instances_of([1, "2"], int, "sizes", must_be="integers")
        Traceback (most recent call last):
        ValueError: sizes must be integers, got '2'
    """
    return [instance_of(item, kind, what, must_be=must_be) for item in values]


def pair(value: Any, what: str, example: str) -> tuple[Any, Any]:
    """``value`` as a tuple if it is a pair (a tuple or list of two), else
    ``ValueError("<what> must be a pair <example>")``.

    Example:
        >>> pair([1, 2], "validation_data", "(X_val, Y_val)")
        (1, 2)
        >>> pair((1, 2, 3), "validation_data", "(X_val, Y_val)")
        Traceback (most recent call last):
        ValueError: validation_data must be a pair (X_val, Y_val)
    """
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    raise ValueError(f"{what} must be a pair {example}")


# -- training's arguments -------------------------------------------------------------------------


def epoch_range(epochs: Any, initial_epoch: Any) -> tuple[int, int]:
    """``(epochs, initial_epoch)`` checked for ``fit``: epochs ≥ 1, 0 ≤ initial_epoch < epochs
    (training runs epochs initial_epoch + 1 .. epochs).

    Example:
        >>> epoch_range(10, 4)
        (10, 4)
        >>> epoch_range(3, 3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: initial_epoch = 3 must be >= 0 and below epochs = 3: training runs ...
    """
    epochs = positive_int(epochs, "epochs")
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, int):
        raise ValueError(f"initial_epoch must be a whole number >= 0, got {initial_epoch!r}")
    if not 0 <= initial_epoch < epochs:
        raise ValueError(
            f"initial_epoch = {initial_epoch} must be >= 0 and below epochs = {epochs}: training "
            f"runs epochs initial_epoch + 1 .. epochs; ask for more epochs to train further"
        )
    return epochs, initial_epoch


def verbosity(verbose: Any) -> bool:
    """``fit``'s ``verbose``, 0 (silent) or 1 (a line per epoch), as a bool.

    Example:
        >>> verbosity(1), verbosity(False)
        (True, False)
        >>> verbosity(2)
        Traceback (most recent call last):
        ValueError: verbose must be 0 (silent) or 1 (a line per epoch), got 2
    """
    if verbose not in (0, 1, False, True):
        raise ValueError(f"verbose must be 0 (silent) or 1 (a line per epoch), got {verbose!r}")
    return bool(verbose)


def small_positive(value: Any, what: str, must_be: str) -> float:
    """A float with 0 < value < 1, such as a gradient check's ε or tolerance; an int is refused.

    Example:
        >>> small_positive(1e-5, "eps", "a small positive float such as 1e-5")
        1e-05
        >>> small_positive(1, "tol", "a positive float below 1 such as 1e-6")
        Traceback (most recent call last):
        ValueError: tol must be a positive float below 1 such as 1e-6, got 1
    """
    if isinstance(value, float) and 0 < value < 1:
        return value
    raise _refusal(value, what, None, must_be)


# -- the network's arguments ----------------------------------------------------------------------


def penalty_coefficient(value: Any, name: str) -> float:
    """λ₂ or λ₁ (``name`` is ``"l2"`` or ``"l1"``): a finite number ≥ 0, 0 turning it off.

    Example:
        >>> penalty_coefficient(1e-4, "l2")
        0.0001
        >>> penalty_coefficient(-1, "l1")
        Traceback (most recent call last):
        ValueError: l1 must be a finite number >= 0 (the penalty's strength; 0 turns it off), got -1
    """
    if not is_real(value):
        raise ValueError(f"{name} must be a number >= 0 such as 1e-4, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{name} must be a finite number >= 0 (the penalty's strength; 0 turns it off), "
            f"got {value!r}"
        )
    return float(value)


def dropout_rate(p: Any) -> float:
    """A dropout probability p, the fraction of neurons switched off while training: 0 ≤ p < 1.

    Example:
        >>> dropout_rate(0.5)
        0.5
        >>> dropout_rate(True)
        Traceback (most recent call last):
        ValueError: dropout must be a probability 0 <= p < 1 such as 0.2, got True
    """
    if not is_real(p):
        raise ValueError(f"dropout must be a probability 0 <= p < 1 such as 0.2, got {p!r}")
    if not 0.0 <= float(p) < 1.0:
        raise ValueError(
            f"dropout must be a probability 0 <= p < 1 (the fraction of neurons switched off "
            f"while training), got {p!r}; use 0 for no dropout"
        )
    return float(p)


def layer_stack(
    layers: Iterable[Any],
    layer_type: type[Any],
    dense_type: type[Any],
    input_shape: Iterable[int] | None = None,
) -> list[Any]:
    """A network's layers as a list, checked and connected: at least one, each a
    ``layer_type``, and each taking the shape the one before it gives (``layer.connect``), the
    first ``input_shape`` (default: its own ``input_shape``). Between two ``dense_type`` layers
    the message speaks of n_in and n_out.

    Example:
        >>> class Box:
        ...     def __init__(self, n_in, n_out):
        ...         self.input_shape, self.output_shape = (n_in,), (n_out,)
        ...     def connect(self, shape):
        ...         if shape != self.input_shape:
        ...             raise ValueError(f"takes inputs of shape {self.input_shape}")
        >>> len(layer_stack([Box(2, 3), Box(3, 1)], Box, Box))
        2
        >>> layer_stack([Box(2, 3), Box(4, 1)], Box, int)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: layer 2 (Box) gets inputs of shape (3,) from layer 1, but takes inputs of ...
    """
    stack = list(layers)
    if not stack:
        raise ValueError("a Network needs at least one layer, e.g. [gn.Dense(2, 1)]")
    shape = tuple(getattr(stack[0], "input_shape", ()) if input_shape is None else input_shape)
    for i, layer in enumerate(stack, start=1):
        if not isinstance(layer, layer_type):
            raise ValueError(
                f"layer {i} must be a glassnet layer such as gn.Dense, got {type(layer).__name__}"
            )
        before = stack[i - 2] if i > 1 else None
        if (
            isinstance(layer, dense_type)
            and isinstance(before, dense_type)
            and shape != layer.input_shape
        ):
            raise ValueError(
                f"layer {i} takes n_in = {layer.n_in} inputs, but layer {i - 1} has "
                f"n_out = {before.n_out} neurons; make them equal"
            )
        if not shape:
            raise ValueError(
                f"layer 1 ({type(layer).__name__}) takes inputs of any shape; say which: "
                "gn.Network(layers, input_shape=(1, 28, 28)) for 1-channel 28×28 images"
            )
        try:
            layer.connect(shape)
        except ValueError as exc:
            source = f"layer {i - 1}" if i > 1 else "the network's input"
            raise ValueError(
                f"layer {i} ({type(layer).__name__}) gets inputs of shape {shape} from "
                f"{source}, but {exc}"
            ) from None
        shape = tuple(layer.output_shape)
    return stack


def output_layer(layer: Any, L: int, softmax_type: type) -> None:
    """Refuse an output layer (layer ``L``) that cannot learn: a softmax of one neuron (it
    always outputs 1), or one with dropout (it would switch off the network's answers).

    Example:
        >>> class Out:
        ...     activation, output_shape, dropout = "sigmoid", (1,), 0.5
        >>> output_layer(Out(), 2, float)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: dropout=0.5 on the output layer 2 would switch off the network's answers; ...
    """
    if isinstance(layer.activation, softmax_type) and layer.output_shape[-1] == 1:
        raise ValueError(
            "a softmax output layer of one neuron always outputs 1 and cannot learn; "
            "use at least 2 output neurons, or sigmoid for a single yes/no output"
        )
    if layer.dropout:
        raise ValueError(
            f"dropout={layer.dropout:g} on the output layer {L} would switch "
            "off the network's answers; put dropout on hidden layers only"
        )


def dropout_masks(
    masks: Any, shapes: list[tuple[int, ...]], m: int, dtype: np.dtype[Any]
) -> list[Any]:
    """Dropout masks for a mini-batch of m samples through a network whose layers give one
    sample ``shapes`` = [shape_0, …, shape_L], checked and in ``dtype``: index l holds layer l's
    (m, *shape_l) mask, e.g. (m, n_l), or ``None``.

    Example:
        >>> f64, shapes = np.dtype(np.float64), [(3,), (2,), (1,)]
        >>> masks = dropout_masks([None, [[0, 2]], None], shapes, 1, f64)
        >>> masks[1].tolist(), masks[2]
        ([[0.0, 2.0]], None)
        >>> dropout_masks([None, None], shapes, 1, f64)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: masks must be a list of L + 1 = 3 entries (index 0 unused), as ...
    """
    L = len(shapes) - 1
    if not isinstance(masks, (list, tuple)) or len(masks) != L + 1:
        raise ValueError(
            f"masks must be a list of L + 1 = {L + 1} entries (index 0 unused), as "
            "net.dropout_masks(m) makes them"
        )
    checked: list[Any] = [None]
    for l, mask in enumerate(masks[1:], start=1):
        arr = None if mask is None else np.asarray(mask, dtype=dtype)
        if arr is not None and arr.shape != (m, *shapes[l]):
            raise ValueError(
                f"masks[{l}] has shape {arr.shape}, expected (m, n_{l}) = "
                f"{(m, *shapes[l])}; make masks with net.dropout_masks(m)"
            )
        checked.append(arr)
    return checked


# -- optimizers' hyperparameters and saved state --------------------------------------------------


def check_lr(lr: Any, *, zero: bool = False) -> float:
    """η: a finite number > 0 for a new optimizer, or ``ValueError("Invalid learning rate: …")``;
    with ``zero=True`` (η set later, as a schedule does) 0 is allowed too.

    Example:
        >>> check_lr(0.1), check_lr(0, zero=True)
        (0.1, 0.0)
        >>> check_lr(0)
        Traceback (most recent call last):
        ValueError: Invalid learning rate: 0; lr (η) must be a positive number such as 0.1
    """
    if zero:
        return real_number(
            lr, "learning rate", "lr (η) must be a finite number ≥ 0, such as 0.1", low=0.0
        )
    return real_number(
        lr, "learning rate", "lr (η) must be a positive number such as 0.1", low=0.0, low_open=True
    )


def check_weight_decay(weight_decay: Any) -> float:
    """λ, the weight decay: a number ≥ 0 (0 turns it off).

    >>> check_weight_decay(1e-4)
    0.0001
    """
    return real_number(
        weight_decay,
        "weight_decay value",
        "weight_decay (λ) must be a number ≥ 0, such as 1e-4; 0 turns weight decay off",
        low=0.0,
    )


def check_momentum(momentum: Any) -> float:
    """μ, the momentum: 0 ≤ μ < 1 (0 turns it off).

    >>> check_momentum(0.9)
    0.9
    """
    return real_number(
        momentum,
        "momentum value",
        "momentum (μ) must satisfy 0 ≤ momentum < 1, such as 0.9; 0 turns momentum off",
        low=0.0,
        high=1.0,
        high_open=True,
    )


def check_dampening(dampening: Any) -> float:
    """τ, SGD's dampening: 0 ≤ τ ≤ 1.

    >>> check_dampening(0)
    0.0
    """
    return real_number(
        dampening,
        "dampening value",
        "dampening (τ) must satisfy 0 ≤ dampening ≤ 1; 0 (no dampening) is usual",
        low=0.0,
        high=1.0,
    )


def nesterov_ready(nesterov: bool, momentum: Any, dampening: Any) -> None:
    """Refuse Nesterov momentum without a momentum, or with dampening (as PyTorch does).

    Example:
        >>> nesterov_ready(True, 0.9, 0.0)
        >>> nesterov_ready(True, 0.0, 0.0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: Nesterov momentum requires a momentum and zero dampening: got momentum=0.0, ...
    """
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError(
            "Nesterov momentum requires a momentum and zero dampening: got "
            f"momentum={momentum!r}, dampening={dampening!r}; pass momentum > 0 (such as "
            "0.9) and dampening=0, or nesterov=False"
        )


def matching_gradients(grads: list[dict[str, Any]], parameters: list[dict[str, Any]]) -> None:
    """Check that ``grads`` (one dict per layer, as :class:`~glassnet.Gradients` holds them)
    has an array shaped like each of the ``parameters`` (one dict per layer, by name).

    Example:
        >>> W = np.zeros((2, 3))
        >>> matching_gradients([{"W": W}], [{"W": W}])
        >>> matching_gradients([{"W": W.T}], [{"W": W}])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: grads.W[1] has shape (3, 2) but net.W[1] has shape (2, 3); pass the ...
    """
    if len(grads) != len(parameters):
        raise ValueError(
            f"grads has {len(grads)} layers but the network has L = {len(parameters)}; pass the "
            "gradients of this network, net.gradients(X, Y)"
        )
    for l, (g, params) in enumerate(zip(grads, parameters, strict=True), start=1):
        for name, w in params.items():
            if name not in g or g[name].shape != w.shape:
                shape = g[name].shape if name in g else "none"
                raise ValueError(
                    f"grads.{name}[{l}] has shape {shape} but net.{name}[{l}] has "
                    f"shape {w.shape}; pass the gradients of this network"
                )


# -- names in registries --------------------------------------------------------------------------


def from_registry(
    key: object,
    registry: Mapping[str, T],
    what: str,
    *,
    kind: str | None = None,
    hint: str = "",
    sort: bool = True,
) -> T:
    """``registry[key]``, or a ValueError: ``"<what> must be a name or <kind>, got <type>"``
    for a key that is no string (when ``kind`` is given), else ``"unknown <what> <key>; choose
    one of: <names><hint>"`` (the names sorted unless ``sort=False``).

    Example:
        >>> from_registry("b", {"a": 1, "b": 2}, "letter")
        2
        >>> from_registry("c", {"b": 1, "a": 2}, "letter", hint=" (or a digit)")
        Traceback (most recent call last):
        ValueError: unknown letter 'c'; choose one of: a, b (or a digit)
        >>> from_registry(3, {"a": 1}, "letter", kind="a Letter")
        Traceback (most recent call last):
        ValueError: letter must be a name or a Letter, got int
    """
    if kind is not None and not isinstance(key, str):
        raise ValueError(f"{what} must be a name or {kind}, got {type(key).__name__}")
    if isinstance(key, str) and key in registry:
        return registry[key]
    names = ", ".join(sorted(registry) if sort else registry)
    raise ValueError(f"unknown {what} {key!r}; choose one of: {names}{hint}")


def layer_sizes(sizes: Iterable[Any]) -> list[int]:
    """``[n_0, n_1, …, n_L]``: at least two positive integers, input first.

    Example:
        >>> layer_sizes((784, 30, 10))
        [784, 30, 10]
        >>> layer_sizes([2])
        Traceback (most recent call last):
        ValueError: sizes needs at least an input and an output layer, e.g. [2, 1]; got [2]
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes needs at least an input and an output layer, e.g. [2, 1]; got {sizes}"
        )
    return [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]


# -- layer numbers and arrays put into a network --------------------------------------------------


def layer_number(l: object, first: int, last: int, symbol: str) -> int:
    """The tutorial's layer number ``l`` (negative counts back from ``last``) as an index into
    a list of layers ``first..last``; TypeError for a non-integer, IndexError out of range.

    Example:
        >>> layer_number(-1, 1, 3, "W")
        2
        >>> layer_number(0, 1, 3, "W")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        IndexError: W[0] does not exist: W is defined for layers l = 1..3 (layer 0 is the input ...
    """
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)):
        raise TypeError(f"{symbol}[l] takes a layer number l, got {l!r}")
    if l < 0:
        l = l + last + 1
    if not first <= l <= last:
        why = (
            " (layer 0 is the input layer: it has no weights, biases, z or δ)"
            if l == 0 and first == 1
            else ""
        )
        raise IndexError(
            f"{symbol}[{l}] does not exist: {symbol} is defined for layers l = {first}..{last}{why}"
        )
    return int(l) - first


def replacement(value: Any, old: NDArray[Any], what: str) -> NDArray[Any]:
    """``value`` as an array to copy into ``old`` (``old[...] = value``): the same shape, and
    finite.

    Example:
        >>> replacement([[1, 2]], np.zeros((1, 2)), "W[1]")
        array([[1, 2]])
        >>> replacement([1, 2], np.zeros((1, 2)), "W[1]")
        Traceback (most recent call last):
        ValueError: W[1] has shape (1, 2); cannot assign shape (2,)
    """
    new = np.asarray(value)
    if new.shape != old.shape:
        raise ValueError(f"{what} has shape {old.shape}; cannot assign shape {new.shape}")
    if not np.isfinite(new).all():
        raise ValueError(f"{what} must be finite; the new value has NaN/inf")
    return new


# -- optimizers: one network each, and the registry of names --------------------------------------

#: the parameter shapes and dtype an optimizer's state was made for
Signature = tuple[tuple[tuple[int, ...], ...], np.dtype[Any]]


def _sizes(shapes: tuple[tuple[int, ...], ...]) -> list[int] | list[tuple[int, ...]]:
    """``[n_0, …, n_L]`` from the parameter shapes W^(1), b^(1), …, W^(L), b^(L) of a network
    of Dense layers; the shapes themselves for any other."""
    pairs = len(shapes) % 2 == 0 and all(
        len(w) == 2 and b == w[:1] for w, b in zip(shapes[::2], shapes[1::2], strict=True)
    )
    return [shapes[0][1], *(shape[0] for shape in shapes[::2])] if pairs else list(shapes)


def same_network(signature: Signature, made_for: Signature | None) -> None:
    """Refuse to step a network other than the one an optimizer's state was ``made_for``
    (``None``: no state yet), saying both networks' sizes and dtypes.

    Example:
        >>> f32 = np.dtype(np.float32)
        >>> same_network((((3, 2), (3,)), f32), None)
        >>> same_network((((3, 2), (3,)), f32), (((4, 2), (4,)), f32))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: this optimizer's state is for a network of sizes [2, 4] in float32, but it ...
    """
    if made_for is not None and signature != made_for:
        (shapes, dtype), (my_shapes, my_dtype) = signature, made_for
        raise ValueError(
            f"this optimizer's state is for a network of sizes {_sizes(my_shapes)} in "
            f"{my_dtype}, but it was asked to step one of sizes {_sizes(shapes)} in {dtype}; "
            "an optimizer serves one network: make a new optimizer, or call opt.reset()"
        )
