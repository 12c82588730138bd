"""Each activation against its definition, its derivative against finite differences, and
stability for large |z|."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS, _erfc

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]

# σ written out from its textbook definition, one scalar at a time, as an independent reference
DEFINITIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1,
    "selu": lambda z: 1.0507009873554805 * (z if z > 0 else 1.6732632423543772 * (math.exp(z) - 1)),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "silu": lambda z: z / (1 + math.exp(-z)),
    "gelu": lambda z: 0.5 * z * (1 + math.erf(z / math.sqrt(2))),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_matches_definition(name: str) -> None:
    z = np.linspace(-6, 6, 241)
    a = gn.activations.get(name)(z)
    expected = np.array([DEFINITIONS[name](v) for v in z])
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_prime_matches_central_differences(name: str) -> None:
    act = gn.activations.get(name)
    z = np.linspace(-5, 5, 200) + 0.0123  # avoid the kink of relu-like functions at 0
    eps = 1e-6
    numeric = (act(z + eps) - act(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.prime(z, act(z)), numeric, rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_and_backward_match_finite_differences(rng: np.random.Generator) -> None:
    sm = gn.activations.get("softmax")
    z = rng.normal(size=(3, 4))
    a = sm(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    eps = 1e-6
    numeric = np.empty((3, 4, 4))
    for k in range(4):
        dz = np.zeros(4)
        dz[k] = eps
        numeric[:, :, k] = (sm(z + dz) - sm(z - dz)) / (2 * eps)
    np.testing.assert_allclose(sm.jacobian(z, a), numeric, atol=1e-9)
    g = rng.normal(size=(3, 4))
    np.testing.assert_allclose(sm.backward(z, a, g), np.einsum("ij,ijk->ik", g, numeric), atol=1e-9)
    with pytest.raises(ValueError, match="no elementwise derivative"):
        sm.prime(z, a)


def test_elementwise_jacobian_is_diagonal() -> None:
    act = gn.activations.get("tanh")
    z = np.array([[0.5, -1.0]])
    J = act.jacobian(z, act(z))
    np.testing.assert_allclose(J[0], np.diag(1 - np.tanh(z[0]) ** 2))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_no_overflow_or_nan_for_large_z(name: str, dtype: str) -> None:
    act = gn.activations.get(name)
    z = np.array([[-1e3, -500.0, -30.0, 0.0, 30.0, 500.0, 1e3]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow/invalid warning fails the test
        a = act(z)
        d = act.backward(z, a, np.ones_like(z))
    assert a.dtype == z.dtype
    assert np.isfinite(a).all() and np.isfinite(d).all()


def test_erfc_matches_math_erfc_to_1e12() -> None:
    x = np.concatenate([np.linspace(-6, 6, 2401), [-27.0, -10.0, 10.0, 26.0]])
    ours = _erfc(x)
    ref = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0)


def test_user_defined_activation_trains_without_editing_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gn.activations, "ACTIVATIONS", dict(ACTIVATIONS))  # undone after the test
    cube = gn.Activation(name="cube_test", forward=lambda z: z**3 / 3, prime=lambda z, a: z**2)
    net = gn.Network([gn.Dense(2, 2, activation=cube), gn.Dense(2, 1)], dtype="float64", seed=0)
    X = np.array([[0.3, -0.2], [0.1, 0.4]])
    assert gn.gradient_check(net, X, np.array([[0.5], [0.1]])).passed
    gn.activations.register(cube)
    assert gn.activations.get("cube_test") is cube
    assert gn.Dense(2, 1, activation="cube_test").activation is cube


def test_subclassed_activation() -> None:
    class Square(gn.Activation):
        name = "square"

        def forward(self, z):  # type: ignore[no-untyped-def]
            return z * z

        def prime(self, z, a):  # type: ignore[no-untyped-def]
            return 2 * z

    sq = Square()
    assert repr(sq) == "square"
    np.testing.assert_allclose(
        sq.backward(np.array([3.0]), sq(np.array([3.0])), np.array([2.0])), [12.0]
    )


def test_activation_errors_are_helpful() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'.*sigmoid"):
        gn.activations.get("sigmod")
    with pytest.raises(ValueError, match="built-in"):
        gn.activations.register(gn.Activation("relu", lambda z: z, lambda z, a: 1 + 0 * z))
    with pytest.raises(ValueError, match="both forward and prime"):
        gn.Activation("half", forward=lambda z: z)
    with pytest.raises(ValueError, match="slope"):
        gn.activations.get("leaky_relu", slope=float("nan"))
    assert gn.activations.get("leaky_relu", slope=0.2).slope == 0.2
