"""The layer contract (glassnet.layers): Dense's equations, and a layer type of the test's own
that trains, is checked and reports its gradients without any change to the network's loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import LAYERS, Cache, Dense, Layer, register


def _built(layer: Layer, seed: int = 0) -> Layer:
    layer.build(np.random.default_rng(seed), np.float64)
    return layer


def test_dense_forward_is_the_tutorials_equation() -> None:
    layer = _built(Dense(3, 2, activation="sigmoid"))
    a_prev = np.random.default_rng(1).normal(size=(4, 3))
    cache = Cache(layer, 4, np.float64)
    a = layer.forward(a_prev, cache)
    z = np.array([layer.W @ row + layer.b for row in a_prev])  # z = W a + b, sample by sample
    np.testing.assert_allclose(cache.z, z, rtol=1e-15)
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_array_equal(layer.forward(a_prev), a)  # without a cache: the same numbers


def test_dense_backward_gives_the_three_partial_derivatives() -> None:
    """δ = ∂C/∂a ⊙ σ'(z); ∂C/∂W = (1/m) Σ_i δ_i ⊗ a_i; ∂C/∂b = (1/m) Σ_i δ_i; ∂C/∂a_prev = δ W."""
    layer = _built(Dense(3, 2, activation="tanh"))
    rng = np.random.default_rng(2)
    a_prev, dC_da = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    cache = Cache(layer, 5, np.float64)
    a = layer.forward(a_prev, cache)
    delta = dC_da * (1 - a**2)
    dC_da_prev = layer.backward(dC_da.copy(), cache, 1 / 5)
    np.testing.assert_allclose(cache.delta, delta, rtol=1e-14)  # the tutorial's δ, per sample
    np.testing.assert_allclose(
        cache.grads["W"], sum(np.outer(d, x) for d, x in zip(delta, a_prev)) / 5, rtol=1e-13
    )
    np.testing.assert_allclose(cache.grads["b"], delta.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dC_da_prev, delta @ layer.W, rtol=1e-14)  # type: ignore[arg-type]


def test_parameter_paths_rebuild_every_gradient() -> None:
    """Σ_i r_i Σ_paths δ_i[out] · factor_i, from the layer's own paths, is its ∂C/∂θ."""
    net = gn.Network.from_sizes([3, 4, 2], activation="relu", seed=3, dtype="float64")
    X, Y = (
        np.random.default_rng(3).normal(size=(6, 3)),
        np.random.default_rng(4).normal(size=(6, 2)),
    )
    t = net.trace(X, Y)
    for l, layer in enumerate(net.layers, start=1):
        grads = {"W": t.dW[l], "b": t.db[l]}
        for name, p in layer.parameters().items():
            for index in np.ndindex(p.shape):
                paths = layer.parameter_paths(name, index, t.a[l - 1])
                value = sum(float(np.mean(t.delta[l][:, out[0]] * f)) for out, f in paths)
                assert value == pytest.approx(grads[name][index], rel=1e-12, abs=1e-15)


class Scale(Layer):
    """z = a ⊙ g + c, one gain g_j and one shift c_j per neuron: a layer type Dense is not.

    Everything a layer type has to say is here; the network, optimizers and gradient check
    are not told about it.
    """

    parameter_names = ("g", "c")
    penalised = ("g",)

    def __init__(self, n: int, activation: str = "identity") -> None:
        self.n = n
        self.input_shape = self.output_shape = (n,)
        self.activation = gn.activations.get(activation)
        self.g, self.c = np.ones(n), np.zeros(n)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"g": (self.n,), "c": (self.n,)}

    def build(self, rng: np.random.Generator, dtype: Any) -> None:
        self.g = rng.uniform(0.5, 1.5, self.n).astype(dtype)
        self.c = np.zeros(self.n, dtype=dtype)

    def weighted_input(self, a_prev: Any, cache: Cache | None = None) -> Any:
        z = np.multiply(a_prev, self.g, out=None if cache is None else cache.z)
        z += self.c
        return z

    def backward_delta(self, delta: Any, cache: Cache, rows: Any, need: bool = True) -> Any:
        scaled = np.multiply(delta, rows, out=cache.scaled)
        np.einsum("ij,ij->j", scaled, cache.a_prev, out=cache.grads["g"])  # ∂z_j/∂g_j = a_j
        scaled.sum(axis=0, out=cache.grads["c"])  # ∂z_j/∂c_j = 1
        return np.multiply(delta, self.g, out=cache.dC_da_prev) if need else None

    def config(self) -> dict[str, Any]:
        return {"n": self.n, "activation": self.activation.name}


def _mixed(seed: int = 0, **kwargs: Any) -> gn.Network:
    layers = [gn.Dense(3, 4, activation="tanh"), Scale(4, "sigmoid"), gn.Dense(4, 2)]
    return gn.Network(layers, cost="mse", seed=seed, dtype="float64", **kwargs)


def test_a_new_layer_type_needs_no_change_to_the_network() -> None:
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(7, 3)), rng.random((7, 2))
    net = _mixed(l2=0.01)
    assert net.n_params == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2
    assert "g[2][3]" in net.parameter_names()
    check = gn.gradient_check(net, X, Y)  # finite differences, on every parameter
    assert check.passed, check
    before = net.cost(X, Y)
    h = net.fit(X, Y, epochs=30, batch_size=4, optimizer=gn.Adam(lr=0.05), verbose=0, seed=0)
    assert h.loss[-1] < h.loss[0] and net.cost(X, Y) < before
    g = net.layers[1].g
    assert not np.allclose(g, _mixed().layers[1].g)  # the optimizer moved Scale's own parameter


def test_layer_registry() -> None:
    assert LAYERS["Dense"] is Dense
    with pytest.raises(ValueError, match=r"subclass of glassnet\.layers\.Layer"):
        register(int)  # type: ignore[arg-type]

    class Dense2(Layer):
        pass

    Dense2.__name__ = "Dense"
    with pytest.raises(ValueError, match="another layer class named 'Dense'"):
        register(Dense2)


def test_a_network_refuses_what_is_not_a_layer_and_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="must be a glassnet layer"):
        gn.Network([object()])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="takes inputs of shape"):
        gn.Network([gn.Dense(2, 3), Scale(4)])
