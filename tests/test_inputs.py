"""The validation toolkit, glassnet._inputs: each helper accepts what it should, and refuses the
rest with a ValueError in the words the caller chose."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from glassnet._inputs import (
    as_dtype,
    as_features,
    as_rng,
    as_targets,
    check_dampening,
    check_lr,
    check_momentum,
    check_weight_decay,
    dropout_masks,
    dropout_rate,
    epoch_range,
    flag,
    from_registry,
    instance_of,
    instances_of,
    is_real,
    is_whole,
    layer_number,
    layer_sizes,
    layer_stack,
    matching_gradients,
    nesterov_ready,
    numeric_array,
    output_layer,
    pair,
    penalty_coefficient,
    plain,
    positive_int,
    real_number,
    replacement,
    same_network,
    short_repr,
    small_positive,
    verbosity,
    whole_number,
)


def _any(value: Any) -> Any:
    """``value``, typed as Any: for passing the wrong type on purpose."""
    return value


# -- predicates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "real", "whole"),
    [
        (0, True, True),
        (-3, True, True),
        (np.int32(7), True, True),
        (2.5, True, False),
        (2.0, True, False),
        (np.float32(0.5), True, False),
        (Fraction(1, 3), True, False),
        (math.nan, True, False),
        (math.inf, True, False),
        (True, False, False),
        (np.bool_(False), False, False),
        ("1", False, False),
        (None, False, False),
        ([1], False, False),
        (1 + 0j, False, False),
    ],
)
def test_is_real_and_is_whole(value: Any, real: bool, whole: bool) -> None:
    assert is_real(value) is real
    assert is_whole(value) is whole


# -- real_number ----------------------------------------------------------------------------------

LR_RULE = "lr (η) must be a positive number such as 0.1"


@pytest.mark.parametrize("value", [0.1, 3, np.float32(0.25), np.int64(2), Fraction(1, 2), 1e300])
def test_real_number_accepts_finite_numbers_in_the_interval(value: Any) -> None:
    out = real_number(value, "learning rate", LR_RULE, low=0.0, low_open=True)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", [0, 0.0, -0.1, math.nan, math.inf, True, "0.1", None, [0.1]])
def test_real_number_refuses_in_pytorch_form(value: Any) -> None:
    message = f"Invalid learning rate: {value!r}; {LR_RULE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        real_number(value, "learning rate", LR_RULE, low=0.0, low_open=True)


def test_real_number_refuses_in_must_be_form() -> None:
    with pytest.raises(ValueError, match=r"^min_delta must be a number >= 0 such as 1e-4, got -1$"):
        real_number(-1, "min_delta", must_be="a number >= 0 such as 1e-4", low=0.0)


@pytest.mark.parametrize(
    ("low_open", "high_open", "accepted", "refused"),
    [
        (False, False, [0.0, 0.5, 1.0], [-0.01, 1.01]),
        (True, False, [0.01, 1.0], [0.0]),
        (False, True, [0.0, 0.99], [1.0]),
        (True, True, [0.5], [0.0, 1.0]),
    ],
)
def test_real_number_interval_ends(
    low_open: bool, high_open: bool, accepted: list[float], refused: list[float]
) -> None:
    def check(v: float) -> float:
        return real_number(
            v, "x", must_be="in range", low=0, high=1, low_open=low_open, high_open=high_open
        )

    assert [check(v) for v in accepted] == accepted
    for v in refused:
        with pytest.raises(ValueError, match=f"^x must be in range, got {v!r}$"):
            check(v)


def test_real_number_without_limits_takes_any_finite_number() -> None:
    assert real_number(-1e308, "x", must_be="a number") == -1e308
    with pytest.raises(ValueError, match=r"^x must be a number, got inf$"):
        real_number(math.inf, "x", must_be="a number")


@pytest.mark.parametrize(("rule", "must_be"), [(None, None), ("r", "m")])
def test_the_message_form_must_be_chosen_once(rule: str | None, must_be: str | None) -> None:
    with pytest.raises(TypeError, match="exactly one of rule= and must_be="):
        real_number(-1, "x", rule, must_be=must_be, low=0)
    with pytest.raises(TypeError, match="exactly one of rule= and must_be="):
        whole_number(-1, "x", rule, must_be=must_be, low=0)
    with pytest.raises(TypeError, match="exactly one of rule= and must_be="):
        flag(1, "x", rule, must_be=must_be)


# -- whole_number and positive_int ----------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 5, np.int8(3), np.uint64(10)])
def test_whole_number_accepts_integers_in_range(value: Any) -> None:
    out = whole_number(value, "t", "t must be an integer ≥ 0", low=0, high=10)
    assert type(out) is int and out == int(value)


@pytest.mark.parametrize("value", [-1, 11, 2.0, 2.5, True, np.bool_(True), "3", None])
def test_whole_number_refuses_in_pytorch_form(value: Any) -> None:
    message = f"Invalid step count t: {value!r}; t must be an integer ≥ 0"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        whole_number(value, "step count t", "t must be an integer ≥ 0", low=0, high=10)


def test_whole_number_refuses_in_must_be_form() -> None:
    message = "patience must be a whole number of epochs >= 1 such as 10, got 0"
    with pytest.raises(ValueError, match=f"^{message}$"):
        whole_number(0, "patience", must_be="a whole number of epochs >= 1 such as 10", low=1)


def test_whole_number_without_limits_takes_any_integer() -> None:
    assert whole_number(-(10**20), "n_classes", must_be="an integer") == -(10**20)
    with pytest.raises(ValueError, match=r"^n_classes must be an integer, got 2\.0$"):
        whole_number(2.0, "n_classes", must_be="an integer")


def test_positive_int() -> None:
    assert positive_int(np.int64(3), "epochs") == 3
    for value in (0, -2, 1.0, True, "1"):
        with pytest.raises(ValueError, match=f"^epochs must be a positive integer, got {value!r}$"):
            positive_int(value, "epochs")


# -- flag -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_flag_accepts_booleans(value: Any) -> None:
    out = flag(value, "nesterov value", "nesterov must be True or False")
    assert type(out) is bool and out == bool(value)


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0])
def test_flag_refuses_everything_else(value: Any) -> None:
    message = f"Invalid nesterov value: {value!r}; nesterov must be True or False"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        flag(value, "nesterov value", "nesterov must be True or False")
    with pytest.raises(ValueError, match=f"^shuffle must be a bool, got {re.escape(repr(value))}$"):
        flag(value, "shuffle", must_be="a bool")


# -- values read back from files ------------------------------------------------------------------


def test_plain_turns_numpy_scalars_into_python_values() -> None:
    assert plain(np.array(0.5)) == 0.5 and type(plain(np.array(0.5))) is float
    assert type(plain(np.int64(3))) is int
    assert plain(np.array("SGD")) == "SGD" and type(plain(np.array("SGD"))) is str
    arr = np.zeros(3)
    assert plain(arr) is arr  # arrays with a shape are left as they are
    assert plain("adam") == "adam"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (0.001, "0.001"),
        (1e20, "1e+20"),
        (-2.0, "-2"),
        ((0.9, 0.999), "(0.9, 0.999)"),
        ((1.0, 2.0), "(1, 2)"),
        (True, "True"),
        ("min", "'min'"),
        (7, "7"),
    ],
)
def test_short_repr(value: Any, text: str) -> None:
    assert short_repr(value) == text


# -- arrays, dtypes and seeds ---------------------------------------------------------------------


def test_as_dtype() -> None:
    """A name numpy does not know is refused too (np.dtype("float64") == None is True, so a
    failed conversion must not be compared with the float dtypes)."""
    assert as_dtype("float32") == np.float32 and as_dtype(np.float64) == np.float64
    for bad in ("int32", "float16", "nonsense"):
        with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got"):
            as_dtype(bad)


def test_as_rng() -> None:
    rng = np.random.default_rng(0)
    assert as_rng(rng) is rng
    assert as_rng(5).integers(1000) == np.random.default_rng(5).integers(1000)
    assert isinstance(as_rng(None), np.random.Generator)
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None, got -1"):
        as_rng(-1)
    with pytest.raises(ValueError, match="seed must be an integer, None or a numpy Generator"):
        as_rng(_any(1.5))


def test_numeric_array() -> None:
    assert numeric_array([[1, 2]], "X").shape == (1, 2)
    with pytest.raises(ValueError, match="X must hold numbers, got an array of dtype <U1; hint"):
        numeric_array(["a"], "X", "; hint")
    with pytest.raises(ValueError, match="X must be an array of numbers:"):
        numeric_array([[1, 2], [3]], "X")


def test_as_features() -> None:
    out = as_features([[1, 2], [3, 4]], 2, np.dtype(np.float32))
    assert out.dtype == np.float32 and out.flags.c_contiguous
    with pytest.raises(ValueError, match=r"for a single sample use X\.reshape\(1, -1\)"):
        as_features([1, 2], 2, np.dtype(np.float32))
    with pytest.raises(ValueError, match=r"X has 3 features .* n_0 = 2 neurons"):
        as_features([[1, 2, 3]], 2, np.dtype(np.float32))
    with pytest.raises(ValueError, match=r"X contains NaN or infinite values \(first in row 1\)"):
        as_features([[1, 2], [np.nan, 0]], 2, np.dtype(np.float64))
    with pytest.raises(ValueError, match="X holds numbers too large for float32"):
        as_features([[1e300, 0]], 2, np.dtype(np.float32))
    # a shaped input: (m, C, H, W) images
    images = as_features(np.zeros((3, 1, 2, 2)), (1, 2, 2), np.dtype(np.float64))
    assert images.shape == (3, 1, 2, 2)
    with pytest.raises(
        ValueError, match=r"must have shape \(m, 1, 2, 2\).*gn\.Reshape\(\(1, 2, 2\)\)"
    ):
        as_features(np.zeros((3, 4)), (1, 2, 2), np.dtype(np.float64))
    with pytest.raises(ValueError, match=r"got shape \(3, 2, 2\)$"):
        as_features(np.zeros((3, 2, 2)), (1, 2, 2), np.dtype(np.float64))


def test_as_targets() -> None:
    y, labels = as_targets([0, 2, 1], 3, 3, np.dtype(np.float32))
    assert y.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]] and labels is not None
    assert labels.tolist() == [0, 2, 1]
    _, none = as_targets([[0.5], [1.5]], 2, 1, np.dtype(np.float64))
    assert none is None
    with pytest.raises(ValueError, match="X has 2 rows but Y has 3"):
        as_targets([0, 1, 1], 2, 2, np.dtype(np.float32))
    with pytest.raises(ValueError, match="Y has class labels from 0 to 3"):
        as_targets([0, 3], 2, 2, np.dtype(np.float32))


# -- objects, pairs, training's and the network's arguments ----------------------------------------


def test_instance_of_and_instances_of() -> None:
    assert instance_of(3, int, "n", must_be="an int") == 3
    with pytest.raises(ValueError, match=r"^n must be an int, got 'x'$"):
        instance_of("x", int, "n", must_be="an int")
    assert instances_of((1, 2), int, "sizes", must_be="ints") == [1, 2]
    with pytest.raises(ValueError, match=r"^sizes must be ints, got None$"):
        instances_of([1, None], int, "sizes", must_be="ints")


def test_pair() -> None:
    assert pair([1, 2], "data", "(X, Y)") == (1, 2)
    for bad in [(1,), (1, 2, 3), "ab", None]:
        with pytest.raises(ValueError, match=r"^data must be a pair \(X, Y\)$"):
            pair(bad, "data", "(X, Y)")


def test_epoch_range_and_verbosity() -> None:
    assert epoch_range(5, 0) == (5, 0) and epoch_range(5, 4) == (5, 4)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        epoch_range(0, 0)
    with pytest.raises(ValueError, match="initial_epoch must be a whole number >= 0, got True"):
        epoch_range(5, True)
    with pytest.raises(ValueError, match="initial_epoch = 5 must be >= 0 and below epochs = 5"):
        epoch_range(5, 5)
    assert verbosity(0) is False and verbosity(True) is True
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\) or 1"):
        verbosity(2)


def test_small_positive() -> None:
    assert small_positive(1e-6, "tol", "small") == 1e-6
    for bad in [0.0, 1.0, 1, -1e-3, "0.1", math.nan]:
        with pytest.raises(ValueError, match=r"^tol must be small, got"):
            small_positive(bad, "tol", "small")


def test_penalty_coefficient_and_dropout_rate() -> None:
    assert penalty_coefficient(0, "l2") == 0.0 and penalty_coefficient(np.float32(0.5), "l1") == 0.5
    with pytest.raises(ValueError, match="l2 must be a number >= 0 such as 1e-4, got True"):
        penalty_coefficient(True, "l2")
    for bad in [-1e-3, math.inf, math.nan]:
        with pytest.raises(ValueError, match="l1 must be a finite number >= 0"):
            penalty_coefficient(bad, "l1")
    assert dropout_rate(0) == 0.0 and dropout_rate(np.float64(0.25)) == 0.25
    with pytest.raises(ValueError, match=r"dropout must be a probability 0 <= p < 1 such as 0.2"):
        dropout_rate("0.2")
    with pytest.raises(ValueError, match="use 0 for no dropout"):
        dropout_rate(1.0)


class _Box:
    """A stand-in layer: shapes, an activation, a dropout rate."""

    def __init__(self, n_in: int, n_out: int, activation: Any = "sigmoid", p: float = 0.0):
        self.n_in, self.n_out = n_in, n_out
        self.input_shape, self.output_shape = (n_in,), (n_out,)
        self.activation, self.dropout = activation, p

    def connect(self, shape: tuple[int, ...]) -> None:
        if shape != self.input_shape:
            raise ValueError(f"takes inputs of shape {self.input_shape}")


class _AnyShape(_Box):
    """A stand-in layer that takes any shape and halves the last axis."""

    def __init__(self) -> None:
        super().__init__(0, 0)
        self.input_shape = self.output_shape = ()

    def connect(self, shape: tuple[int, ...]) -> None:
        self.input_shape, self.output_shape = shape, (*shape[:-1], shape[-1] // 2)


def test_layer_stack_and_output_layer() -> None:
    stack = [_Box(2, 3), _Box(3, 1)]
    assert layer_stack(iter(stack), _Box, _Box) == stack
    with pytest.raises(ValueError, match="a Network needs at least one layer"):
        layer_stack([], _Box, _Box)
    with pytest.raises(
        ValueError, match=r"layer 2 must be a glassnet layer such as gn.Dense, got int"
    ):
        layer_stack([_Box(2, 3), 3], _Box, _Box)
    with pytest.raises(
        ValueError, match="layer 2 takes n_in = 4 inputs, but layer 1 has n_out = 3"
    ):
        layer_stack([_Box(2, 3), _Box(4, 1)], _Box, _Box)
    with pytest.raises(
        ValueError,
        match=r"layer 2 \(_Box\) gets inputs of shape \(3,\) from layer 1, but takes inputs of "
        r"shape \(4,\)$",
    ):
        layer_stack([_Box(2, 3), _Box(4, 1)], _Box, int)
    # a layer that takes any shape is connected to what the one before it gives
    shaped = layer_stack([_AnyShape(), _AnyShape(), _Box(3, 1)], _Box, int, input_shape=(12,))
    assert [b.output_shape for b in shaped] == [(6,), (3,), (1,)]
    with pytest.raises(ValueError, match=r"from the network's input, but takes inputs of shape"):
        layer_stack([_Box(2, 3)], _Box, int, input_shape=(5,))
    with pytest.raises(ValueError, match=r"layer 1 \(_AnyShape\) takes inputs of any shape; say"):
        layer_stack([_AnyShape(), _Box(3, 1)], _Box, int)
    output_layer(_Box(3, 1), 2, float)  # fine
    with pytest.raises(ValueError, match="a softmax output layer of one neuron always outputs 1"):
        output_layer(_Box(3, 1, activation=1.5), 2, float)
    with pytest.raises(ValueError, match=r"dropout=0.5 on the output layer 2 would switch off"):
        output_layer(_Box(3, 2, p=0.5), 2, float)


def test_dropout_masks() -> None:
    f64 = np.dtype(np.float64)
    shapes = [(3,), (2,), (1,)]
    masks = dropout_masks((None, [[1, 0]], None), shapes, 1, f64)
    assert masks[0] is None and masks[2] is None and masks[1].dtype == f64
    with pytest.raises(ValueError, match=r"masks must be a list of L \+ 1 = 3 entries"):
        dropout_masks([None, None], shapes, 1, f64)
    with pytest.raises(ValueError, match=r"masks\[1\] has shape \(1, 3\), expected \(m, n_1\)"):
        dropout_masks([None, [[1, 0, 1]], None], shapes, 1, f64)
    image = dropout_masks([None, np.ones((2, 1, 2, 2))], [(1, 3, 3), (1, 2, 2)], 2, f64)
    assert image[1].shape == (2, 1, 2, 2)


# -- optimizers' hyperparameters and saved state ------------------------------------------------


def test_optimizer_hyperparameters() -> None:
    assert check_lr(0.5) == 0.5 and check_lr(0, zero=True) == 0.0
    with pytest.raises(ValueError, match="Invalid learning rate: 0; lr"):
        check_lr(0)
    with pytest.raises(ValueError, match="Invalid learning rate: -1; lr"):
        check_lr(-1, zero=True)
    assert check_momentum(0) == 0.0 and check_weight_decay(0.1) == 0.1 and check_dampening(1) == 1
    with pytest.raises(ValueError, match="Invalid momentum value: 1"):
        check_momentum(1)
    with pytest.raises(ValueError, match=r"Invalid weight_decay value: -0.1"):
        check_weight_decay(-0.1)
    with pytest.raises(ValueError, match=r"Invalid dampening value: 1.5"):
        check_dampening(1.5)


def test_nesterov_ready() -> None:
    nesterov_ready(True, 0.9, 0)
    nesterov_ready(False, 0, 0.5)
    for momentum, dampening in [(0, 0), (0.9, 0.1)]:
        with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero"):
            nesterov_ready(True, momentum, dampening)


def test_matching_gradients() -> None:
    W, b = np.zeros((2, 3)), np.zeros(2)
    matching_gradients([{"W": W, "b": b}], [{"W": W, "b": b}])
    with pytest.raises(ValueError, match="grads has 1 layers but the network has L = 2"):
        matching_gradients([{"W": W}], [{"W": W}, {"W": W}])
    with pytest.raises(ValueError, match=r"grads\.b\[1\] has shape none but net\.b\[1\]"):
        matching_gradients([{"W": W}], [{"W": W, "b": b}])


# -- names in registries -------------------------------------------------------------------------


def test_from_registry() -> None:
    registry = {"zeta": 1, "alpha": 2}
    assert from_registry("alpha", registry, "thing") == 2
    with pytest.raises(ValueError, match=r"^unknown thing 'beta'; choose one of: alpha, zeta!$"):
        from_registry("beta", registry, "thing", hint="!")
    with pytest.raises(ValueError, match=r"^unknown thing 3; choose one of: zeta, alpha$"):
        from_registry(3, registry, "thing", sort=False)
    with pytest.raises(ValueError, match=r"^thing must be a name or a Thing, got float$"):
        from_registry(1.5, registry, "thing", kind="a Thing")


def test_layer_sizes() -> None:
    assert layer_sizes(iter([3, np.int64(2)])) == [3, 2]
    with pytest.raises(ValueError, match="sizes needs at least an input and an output layer"):
        layer_sizes([3])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be a positive integer, got 0"):
        layer_sizes([3, 0])


# -- layer numbers and arrays put into a network ---------------------------------------------------


def test_layer_number() -> None:
    assert layer_number(1, 1, 3, "W") == 0 and layer_number(np.int64(-3), 1, 3, "W") == 0
    assert layer_number(0, 0, 2, "a") == 0
    with pytest.raises(TypeError, match=r"W\[l\] takes a layer number l, got True"):
        layer_number(True, 1, 3, "W")
    with pytest.raises(IndexError, match=r"W\[0\] does not exist: .* \(layer 0 is the input"):
        layer_number(0, 1, 3, "W")
    with pytest.raises(
        IndexError, match=r"a\[3\] does not exist: a is defined for layers l = 0..2$"
    ):
        layer_number(3, 0, 2, "a")


def test_replacement() -> None:
    old = np.zeros((2, 2))
    assert replacement(np.ones((2, 2)), old, "W[1]").shape == (2, 2)
    with pytest.raises(ValueError, match=r"W\[1\] has shape \(2, 2\); cannot assign shape \(4,\)"):
        replacement(np.ones(4), old, "W[1]")
    with pytest.raises(ValueError, match=r"W\[1\] must be finite; the new value has NaN/inf"):
        replacement([[0, np.inf], [0, 0]], old, "W[1]")


# -- optimizers: one network each, and the registry of names ---------------------------------------


def test_same_network() -> None:
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    dense = (((3, 2), (3,)), f32)
    same_network(dense, None)
    same_network(dense, dense)
    with pytest.raises(
        ValueError, match=r"sizes \[2, 3\] in float32, but .* sizes \[2, 3\] in float64"
    ):
        same_network((((3, 2), (3,)), f64), dense)
    with pytest.raises(ValueError, match=r"sizes \[\(5,\)\] in float32"):  # not a Dense network
        same_network(dense, (((5,),), f32))
