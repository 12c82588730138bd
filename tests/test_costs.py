"""Each cost's value, its derivative, the fused output deltas and numerical stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.costs import COSTS


def test_quadratic_and_mse_values() -> None:
    a = np.array([[0.2, 0.9, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])
    y = np.array([[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]])
    # quadratic: C_1 = ½(0.2² + 0.1²) = 0.025,   C_2 = ½(4 · 0.5²) = 0.5
    np.testing.assert_allclose(gn.costs.get("quadratic").per_sample(a, y, a), [0.025, 0.5])
    # mse, 1/n_L = 1/4:  C_1 = (0.04 + 0.01)/4 = 0.0125,   C_2 = 1/4 = 0.25
    np.testing.assert_allclose(gn.costs.get("mse").per_sample(a, y, a), [0.0125, 0.25])
    # C = (1/m) Σ C_i
    assert gn.costs.get("quadratic")(a, y, a) == pytest.approx(0.2625)


# each per-sample cost written out as a function of a alone, as the docstrings define it
DEFINITIONS = {
    "quadratic": lambda a, y: 0.5 * np.sum((y - a) ** 2, axis=1),
    "mse": lambda a, y: np.mean((y - a) ** 2, axis=1),
    "cross_entropy": lambda a, y: -np.sum(y * np.log(a), axis=1),
    "binary_cross_entropy": lambda a, y: -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1),
}
# the z that gives this a through the output activation the cost is paired with
LOGITS = {
    "quadratic": lambda a: a,
    "mse": lambda a: a,
    "cross_entropy": np.log,  # softmax(ln a) = a when Σa = 1
    "binary_cross_entropy": lambda a: np.log(a / (1 - a)),  # sigmoid⁻¹
}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_value_and_derivative_match_the_definition(name: str, rng: np.random.Generator) -> None:
    cost, C = gn.costs.get(name), DEFINITIONS[name]
    a = rng.uniform(0.1, 0.9, size=(3, 4))
    a = a / a.sum(axis=1, keepdims=True)
    y = rng.uniform(0, 1, size=(3, 4))
    np.testing.assert_allclose(cost.per_sample(a, y, LOGITS[name](a)), C(a, y), rtol=1e-12)
    eps = 1e-7
    numeric = np.zeros_like(a)
    for j in range(4):
        d = np.zeros_like(a)
        d[:, j] = eps
        numeric[:, j] = (C(a + d, y) - C(a - d, y)) / (2 * eps)  # ∂C_i/∂a_ij, row by row
    np.testing.assert_allclose(cost.derivative(a, y), numeric, rtol=1e-6, atol=1e-8)


def test_cross_entropy_from_huge_float32_logits_is_right() -> None:
    cost = gn.costs.get("cross_entropy")
    z = np.array([[1e8, 0.0, -1e8], [0.0, 1e8, 0.0]], dtype=np.float32)
    y = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    a = gn.activations.get("softmax")(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        costs = cost.per_sample(a, y, z)
        delta = cost.output_delta(a, y, z, gn.activations.get("softmax"))
    # sample 1 is right with certainty: C = 0; sample 2 puts e^(−1e8) on the true class: C = 1e8
    np.testing.assert_allclose(costs, [0.0, 1e8], rtol=1e-6)
    np.testing.assert_allclose(delta, a - y)
    assert np.isfinite(delta).all()


def test_binary_cross_entropy_from_huge_logits_is_finite() -> None:
    cost = gn.costs.get("binary_cross_entropy")
    z = np.array([[1e3, -1e3]])
    y = np.array([[0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = gn.activations.sigmoid(z)
        c = cost.per_sample(a, y, z)
    # y = 0 and z = 1e3: C = softplus(1e3)/2 = 500; y = 0 and z = −1e3: ≈ 0
    np.testing.assert_allclose(c, [500.0])


def test_fused_deltas_equal_the_unfused_chain_rule(rng: np.random.Generator) -> None:
    z = rng.normal(size=(4, 3))
    for name, act_name in (("cross_entropy", "softmax"), ("binary_cross_entropy", "sigmoid")):
        cost, act = gn.costs.get(name), gn.activations.get(act_name)
        a = act(z)
        y = rng.dirichlet(np.ones(3), size=4) if name == "cross_entropy" else rng.random((4, 3))
        chain_rule = act.backward(z, a, cost.derivative(a, y))  # ∂C/∂a ⊙ σ'(z), unfused
        np.testing.assert_allclose(cost.output_delta(a, y, z, act), chain_rule, atol=1e-12)


def test_cost_needs_the_right_output_layer() -> None:
    with pytest.raises(
        ValueError, match=r"needs a softmax output layer.*output_activation='softmax'"
    ):
        gn.Network.from_sizes([2, 3], cost="cross_entropy")
    with pytest.raises(ValueError, match="needs a sigmoid output layer"):
        gn.Network.from_sizes([2, 3], activation="relu", cost="binary_cross_entropy")
    with pytest.raises(ValueError, match=r"unknown cost 'mae'.*quadratic"):
        gn.Network.from_sizes([2, 3], cost="mae")
    assert set(COSTS) == {"quadratic", "mse", "cross_entropy", "binary_cross_entropy"}
