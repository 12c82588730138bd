"""Each cost's value, its derivative, the fused output deltas and numerical stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.costs import COSTS, SumOfSquares, get, predicted_classes
from glassnet.layers import Cache


def test_mse_quadratic_and_elementwise_mse_values() -> None:
    a = np.array([[0.2, 0.9, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])
    y = np.array([[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]])
    # mse, the tutorial's sum of squared differences:  C_1 = 0.2² + 0.1² = 0.05,  C_2 = 4 · 0.5² = 1
    np.testing.assert_allclose(gn.costs.get("mse").per_sample(a, y, a), [0.05, 1.0])
    # quadratic (Nielsen's ½):  C_1 = ½(0.2² + 0.1²) = 0.025,   C_2 = ½(4 · 0.5²) = 0.5
    np.testing.assert_allclose(gn.costs.get("quadratic").per_sample(a, y, a), [0.025, 0.5])
    # elementwise_mse, 1/n_L = 1/4:  C_1 = (0.04 + 0.01)/4 = 0.0125,   C_2 = 1/4 = 0.25
    np.testing.assert_allclose(gn.costs.get("elementwise_mse").per_sample(a, y, a), [0.0125, 0.25])
    # C = (1/m) Σ C_i: the tutorial's mean squared error; total = Σ_i C_i, its summed form
    assert gn.costs.get("mse")(a, y, a) == pytest.approx(0.525)
    assert gn.costs.get("mse").total(a, y, a) == pytest.approx(1.05)
    assert gn.costs.get("quadratic")(a, y, a) == pytest.approx(0.2625)


def test_the_tutorials_cost_is_twice_nielsens_and_its_gradient_is_2_a_minus_y(
    rng: np.random.Generator,
) -> None:
    a, y = rng.uniform(size=(5, 3)), rng.uniform(size=(5, 3))
    mse, quadratic = gn.costs.get("mse"), gn.costs.get("quadratic")
    np.testing.assert_array_equal(mse.derivative(a, y), 2 * (a - y))  # ∂C_i/∂a = 2(a − y)
    np.testing.assert_array_equal(mse.derivative(a, y), 2 * quadratic.derivative(a, y))
    np.testing.assert_allclose(mse.per_sample(a, y, a), 2 * quadratic.per_sample(a, y, a))
    # one output neuron: the tutorial's MSE is PyTorch's MSELoss (elementwise_mse)
    a1, y1 = a[:, :1], y[:, :1]
    assert mse(a1, y1, a1) == gn.costs.get("elementwise_mse")(a1, y1, a1)
    # every cost's summed form is m times its mean
    for name in COSTS:
        cost = gn.costs.get(name)
        p = a / a.sum(axis=1, keepdims=True)
        z = LOGITS[name](p)
        assert cost.total(p, y, z) == pytest.approx(5 * cost(p, y, z), rel=1e-12)


def test_mse_network_gradients_equal_central_differences_of_the_unhalved_cost(
    rng: np.random.Generator,
) -> None:
    """The whole network on the tutorial's cost, against central differences of
    C(θ) = (1/m) Σ_i Σ_j (a_ij − y_ij)² written out here in NumPy, with no ½ anywhere."""
    net = gn.Network.from_sizes([3, 4, 2], cost="mse", init="small", dtype="float64", seed=4)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))

    def C(theta: np.ndarray) -> float:
        p = net.unflatten(theta)
        a1 = 1 / (1 + np.exp(-(X @ p.W[1].T + p.b[1])))
        a2 = 1 / (1 + np.exp(-(a1 @ p.W[2].T + p.b[2])))
        return float(np.mean(np.sum((a2 - Y) ** 2, axis=1)))

    theta, eps = net.parameter_vector(), 1e-6
    assert C(theta) == pytest.approx(net.cost(X, Y), rel=1e-14)
    numeric = np.array(
        [(C(theta + eps * e) - C(theta - eps * e)) / (2 * eps) for e in np.eye(len(theta))]
    )
    np.testing.assert_allclose(net.gradient_vector(X, Y), numeric, rtol=1e-7, atol=1e-10)
    # and twice Nielsen's: the same network on the ½ cost
    half = gn.Network.from_sizes([3, 4, 2], cost="quadratic", dtype="float64", seed=0)
    half.set_parameter_vector(theta)
    np.testing.assert_allclose(net.gradient_vector(X, Y), 2 * half.gradient_vector(X, Y))


# each per-sample cost written out as a function of a alone, as the docstrings define it
DEFINITIONS = {
    "mse": lambda a, y: np.sum((y - a) ** 2, axis=1),
    "quadratic": lambda a, y: 0.5 * np.sum((y - a) ** 2, axis=1),
    "elementwise_mse": lambda a, y: np.mean((y - a) ** 2, axis=1),
    "cross_entropy": lambda a, y: -np.sum(y * np.log(a), axis=1),
    "binary_cross_entropy": lambda a, y: -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1),
}
# the z that gives this a through the output activation the cost is paired with
LOGITS = {
    "mse": lambda a: a,
    "quadratic": lambda a: a,
    "elementwise_mse": lambda a: a,
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
    names = {"mse", "quadratic", "elementwise_mse", "cross_entropy", "binary_cross_entropy"}
    assert set(COSTS) == set(DEFINITIONS) == names


# -- the in-place forms the training loop uses -----------------------------------------------------

PAIRS = [
    ("mse", "sigmoid"), ("quadratic", "sigmoid"), ("quadratic", "relu"), ("mse", "softmax"),
    ("elementwise_mse", "identity"), ("cross_entropy", "softmax"),
    ("binary_cross_entropy", "sigmoid"),
]  # fmt: skip


def _output_cache(a: np.ndarray, z: np.ndarray, tmp: np.ndarray, mask: np.ndarray) -> Cache:
    """An output layer's cache after its forward pass: a^(L), z^(L) and the scratch σ used."""
    cache = Cache(gn.Dense(1, a.shape[1]), a.shape[0], a.dtype)
    cache.out, cache.z, cache.tmp, cache.where = a, z, tmp, mask
    return cache


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("cost_name", "output"), PAIRS)
def test_in_place_forms_equal_the_plain_ones(cost_name: str, output: str, dtype: str) -> None:
    rng = np.random.default_rng(0)
    cost, act = get(cost_name), gn.activations.get(output)
    z = (3 * rng.standard_normal((9, 4))).astype(dtype)
    z[0] *= 100  # logits far apart: a softmax output underflows to 0, its cost stays finite
    y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 9)]
    y[0] = np.eye(4, dtype=dtype)[int(np.argmin(z[0]))]
    if cost_name == "cross_entropy":  # any targets, not only one-hot rows
        y[1:3] = rng.random((2, 4)).astype(dtype)
    tmp, mask = np.empty_like(z), np.empty(z.shape, dtype=bool)
    # as in Network.step: the output layer's forward_into, then the cost on the same scratch
    a = np.array(act.forward_into(z, np.empty_like(z), tmp, mask))
    cache = _output_cache(a, z, tmp, mask)
    tol = 1e-5 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(cost.per_sample_into(y, cache), cost.per_sample(a, y, z), rtol=tol)
    delta = cost.output_delta_into(y, cache, act)
    np.testing.assert_allclose(delta, cost.output_delta(a, y, z, act), rtol=tol, atol=tol)


def test_a_sum_of_squares_cost_of_ones_own_says_only_its_divisor() -> None:
    class Third(SumOfSquares):  # C_i = ‖y_i − a_i‖² / 3, ∂C_i/∂a = (2/3)(a − y)
        name = "third"

        def divisor(self, n_L: int) -> float:
            return 3.0

    a, y = np.array([[0.5, 2.0]]), np.array([[1.0, 0.0]])
    cost, act = Third(), gn.activations.get("identity")
    assert cost.per_sample(a, y, a).tolist() == [(0.25 + 4.0) / 3]
    np.testing.assert_array_equal(cost.derivative(a, y), (2 / 3) * (a - y))
    cache = _output_cache(a, a, np.empty_like(a), np.empty(a.shape, dtype=bool))
    assert cost.per_sample_into(y, cache).tolist() == [(0.25 + 4.0) / 3]
    delta = cost.output_delta_into(y, cache, act)
    np.testing.assert_array_equal(delta, cost.output_delta(a, y, a, act))


def test_predicted_classes_into_out_equals_a_new_array() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 4):
        a = rng.random((9, n))
        out = np.full(9, -1, dtype=np.intp)
        predicted_classes(a, out=out)
        np.testing.assert_array_equal(out, predicted_classes(a))


@pytest.mark.parametrize("name", sorted(COSTS))
def test_every_cost_states_its_facts(name: str) -> None:
    """What explanations and interop print or map is on the class (none of them keeps a table)."""
    cost = get(name)
    assert cost.derivative_formula and "a" in cost.derivative_formula
    if cost.requires is not None:  # the pairs that fuse into a simpler δ say what it is
        assert cost.fused_delta_formula and "a − y" in cost.fused_delta_formula
    sklearn_outputs = [c.sklearn_output for c in COSTS.values() if c.sklearn_output]
    assert sorted(sklearn_outputs) == ["identity", "logistic", "softmax"]
