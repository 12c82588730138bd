"""The explanations: every chain-rule product equals backprop and finite differences.

Their text, LaTeX, HTML and dict views are tested in test_render.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import explain as ex
from helpers import random_targets, run_cli

# (hidden σ, output σ, cost): smooth activations, so that finite differences are exact to 1e-10
COMBOS = [
    ("sigmoid", "sigmoid", "quadratic"),
    ("tanh", "identity", "mse"),
    ("sigmoid", "softmax", "cross_entropy"),
    ("gelu", "softmax", "quadratic"),
    ("elu", "sigmoid", "binary_cross_entropy"),
    ("softplus", "tanh", "quadratic"),
]
SIZES = [3, 4, 3, 2]  # the tutorial's input-hidden-hidden-output: four layers, L = 3


def make(hidden: str, output: str, cost: str, seed: int = 0, sizes: list[int] = SIZES):
    rng = np.random.default_rng(seed)
    net = gn.Network.from_sizes(
        sizes, activation=hidden, output_activation=output, cost=cost, seed=seed, dtype="float64"
    )
    for l in range(1, net.L + 1):
        net.W[l] = rng.normal(scale=0.8, size=net.W[l].shape)
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    X = rng.normal(size=(3, sizes[0]))
    Y = random_targets(cost, 3, sizes[-1], rng)
    return net, X, Y


def derivative(f: Callable[[float], float], h: float = 1e-4) -> float:
    """Central differences with one Richardson step: error O(h⁴), about 1e-12 here."""

    def central(step: float) -> float:
        return (f(step) - f(-step)) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


def numeric_weight(net: gn.Network, X, Y, l: int, j: int, k: int) -> float:
    w0 = float(net.W[l][j, k])

    def cost(step: float) -> float:
        net.W[l][j, k] = w0 + step
        c = net.cost(X, Y)
        net.W[l][j, k] = w0
        return c

    return derivative(cost)


def numeric_bias(net: gn.Network, X, Y, l: int, j: int) -> float:
    b0 = float(net.b[l][j])

    def cost(step: float) -> float:
        net.b[l][j] = b0 + step
        c = net.cost(X, Y)
        net.b[l][j] = b0
        return c

    return derivative(cost)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS)
def test_explain_weight_equals_backprop_and_finite_differences(
    hidden: str, output: str, cost: str
) -> None:
    net, X, Y = make(hidden, output, cost)
    g = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        for j in range(net.sizes[l]):
            for k in range(net.sizes[l - 1]):
                e = ex.explain_weight(net, X, Y, l, j, k)
                assert e.value == pytest.approx(g.W[l][j, k], abs=1e-10, rel=1e-10)
                assert e.value == pytest.approx(numeric_weight(net, X, Y, l, j, k), abs=1e-10)
                assert e.paths is not None
                assert sum(p.value for p in e.paths) == pytest.approx(e.value, abs=1e-12)
                # the mini-batch value is the average of the per-sample chain products
                assert e.value == pytest.approx(float(np.mean(e.per_sample)), abs=1e-15)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS)
def test_explain_bias_equals_backprop_and_finite_differences(
    hidden: str, output: str, cost: str
) -> None:
    net, X, Y = make(hidden, output, cost, seed=1)
    g = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        for j in range(net.sizes[l]):
            e = ex.explain_bias(net, X, Y, l, j)
            assert e.value == pytest.approx(g.b[l][j], abs=1e-10, rel=1e-10)
            assert e.value == pytest.approx(numeric_bias(net, X, Y, l, j), abs=1e-10)
            assert e.paths is not None
            assert sum(p.value for p in e.paths) == pytest.approx(e.value, abs=1e-12)
            assert e.factors[-1].symbol == f"∂z^({l})_{j}/∂b^({l})_{j}"


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS)
def test_explain_activation_equals_trace_and_finite_differences(
    hidden: str, output: str, cost: str
) -> None:
    net, X, Y = make(hidden, output, cost, seed=2)
    t = net.trace(X, Y)
    y = t.y

    def cost_of_sample(i: int, l: int, a_l: np.ndarray) -> float:
        """C_i when a^(l) of sample i is replaced by a_l: the network from layer l + 1 on."""
        a, z = a_l[None, :], a_l[None, :]
        for layer in net.layers[l:]:
            z = layer.weighted_input(a)
            a = layer.activation.forward(z)
        yi = y[i : i + 1]
        if l == net.L and cost == "cross_entropy":  # the cost reads z; here only a^(L) moves
            return float(-np.sum(yi * np.log(a)))
        if l == net.L and cost == "binary_cross_entropy":
            return float(-np.mean(yi * np.log(a) + (1 - yi) * np.log(1 - a)))
        return float(net.cost_function.per_sample(a, yi, z)[0])

    for l in range(0, net.L + 1):
        for k in range(net.sizes[l]):
            e = ex.explain_activation(net, X, Y, l, k)
            np.testing.assert_allclose(e.per_sample, t.dC_da[l][:, k], atol=1e-10, rtol=1e-10)
            assert e.value == pytest.approx(float(np.mean(t.dC_da[l][:, k])), abs=1e-12)
            for i in range(X.shape[0]):
                a0 = t.a[l][i].copy()

                def f(step: float, i: int = i, l: int = l, k: int = k, a0=a0) -> float:
                    a = a0.copy()
                    a[k] += step
                    return cost_of_sample(i, l, a)

                assert e.per_sample[i] == pytest.approx(derivative(f), abs=1e-10)
            assert e.paths is not None
            assert sum(p.value for p in e.paths) == pytest.approx(e.value, abs=1e-12)


def test_relu_network_equals_backprop() -> None:
    net, X, Y = make("relu", "identity", "quadratic", seed=3, sizes=[4, 5, 5, 5, 2])
    g = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        for j in range(net.sizes[l]):
            for k in range(net.sizes[l - 1]):
                assert ex.explain_weight(net, X, Y, l, j, k).value == pytest.approx(
                    g.W[l][j, k], abs=1e-12
                )


def test_tutorial_four_layer_chain_rule_with_one_neuron_per_layer() -> None:
    """The tutorial's ∂C/∂w^(1) for input-hidden-hidden-output, written out by hand."""
    net = gn.Network.from_sizes([1, 1, 1, 1], activation="sigmoid", dtype="float64", seed=0)
    w = {1: 0.7, 2: -1.3, 3: 0.9}
    b = {1: 0.1, 2: 0.4, 3: -0.2}
    for l in (1, 2, 3):
        net.W[l] = [[w[l]]]
        net.b[l] = [b[l]]
    x, y = 0.8, 0.25

    def sigma(v: float) -> float:
        return 1 / (1 + np.exp(-v))

    a0 = x
    z1 = w[1] * a0 + b[1]
    a1 = sigma(z1)
    z2 = w[2] * a1 + b[2]
    a2 = sigma(z2)
    z3 = w[3] * a2 + b[3]
    a3 = sigma(z3)
    # ∂C/∂w^(1) = ∂C/∂a^(3) ∂a^(3)/∂z^(3) · ∂z^(3)/∂a^(2) ∂a^(2)/∂z^(2) · ∂z^(2)/∂a^(1)
    #             ∂a^(1)/∂z^(1) ∂z^(1)/∂w^(1), with C = ½(a^(3) − y)²
    by_hand = [a3 - y, a3 * (1 - a3), w[3], a2 * (1 - a2), w[2], a1 * (1 - a1), a0]
    tutorial = (a3 - y) * (a3 * (1 - a3)) * w[3] * (a2 * (1 - a2)) * w[2] * (a1 * (1 - a1)) * a0

    e = ex.explain_weight(net, [[x]], [[y]], 1, 0, 0)
    assert [f.symbol for f in e.factors] == [
        "∂C/∂a^(3)",
        "∂a^(3)/∂z^(3)",
        "∂z^(3)/∂a^(2)",
        "∂a^(2)/∂z^(2)",
        "∂z^(2)/∂a^(1)_0",
        "∂a^(1)_0/∂z^(1)_0",
        "∂z^(1)_0/∂w^(1)_{0,0}",
    ]
    for factor, value in zip(e.factors, by_hand, strict=True):
        assert factor.sample(0) == pytest.approx(value, rel=1e-14)
    assert e.value == pytest.approx(tutorial, rel=1e-14)
    assert e.value == pytest.approx(float(net.gradients([[x]], [[y]]).W[1][0, 0]), rel=1e-14)
    assert e.paths is not None and len(e.paths) == 1
    assert e.paths[0].nodes == ("z^(1)_0", "a^(1)_0", "z^(2)_0", "a^(2)_0", "z^(3)_0", "a^(3)_0")
    assert "\\frac{\\partial C}{\\partial a^{(3)}} \\frac{\\partial a^{(3)}}" in e.latex()
    assert "(-1.3)" in e.latex()


def test_softmax_paths_go_through_every_output_pair() -> None:
    net, X, Y = make("sigmoid", "softmax", "cross_entropy", sizes=[2, 3, 4])
    e = ex.explain_weight(net, X, Y, 1, 1, 0)
    assert e.n_paths == 3 * 0 + 4 * 4  # z^(2)_q for q < 4, then a^(2)_r for r < 4
    assert e.paths is not None and len(e.paths) == 16
    assert {p.nodes[-2:] for p in e.paths} == {
        (f"z^(2)_{q}", f"a^(2)_{r}") for q in range(4) for r in range(4)
    }
    assert any("Jacobian" in note for note in e.notes)
    # the output layer's own weight: a column of the Jacobian, 4 paths
    e2 = ex.explain_weight(net, X, Y, 2, 3, 1)
    assert e2.n_paths == 4
    assert e2.value == pytest.approx(net.gradients(X, Y).W[2][3, 1], abs=1e-12)


def test_too_many_paths_are_not_listed_but_the_value_is_right() -> None:
    net, X, Y = make("tanh", "sigmoid", "quadratic", sizes=[2, 30, 30, 30, 2])
    e = ex.explain_weight(net, X, Y, 1, 0, 0)
    assert e.n_paths == 30 * 30 * 2
    assert e.paths is not None
    e = ex.explain_weight(net, X, Y, 1, 0, 0, max_paths=100)
    assert e.paths is None and "too many" in str(e)
    assert e.value == pytest.approx(net.gradients(X, Y).W[1][0, 0], abs=1e-12)


def test_penalty_is_a_path_of_its_own() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    plain = ex.explain_weight(net, X, Y, 2, 1, 2)
    net.l2, net.l1 = 0.3, 0.05  # type: ignore[attr-defined]
    e = ex.explain_weight(net, X, Y, 2, 1, 2)
    w = float(net.W[2][1, 2])
    assert e.penalty == pytest.approx(0.3 * w + 0.05 * np.sign(w))
    assert e.value == pytest.approx(plain.value + e.penalty, abs=1e-15)
    assert e.paths is not None and e.paths[-1].nodes == ("penalty",)
    assert sum(p.value for p in e.paths) == pytest.approx(e.value, abs=1e-12)
    assert ex.explain_bias(net, X, Y, 2, 1).penalty == 0.0  # biases are not penalised
    ledger = ex.backprop_ledger(net, X, Y)
    assert ledger[2].dW[1, 2] == pytest.approx(e.value, abs=1e-12)
    assert ex.backprop_per_example(net, X, Y).W[2][1, 2] == pytest.approx(e.value, abs=1e-12)


def test_penalised_network_equals_its_gradients_and_finite_differences() -> None:
    rng = np.random.default_rng(4)
    net = gn.Network.from_sizes(
        [3, 4, 2],
        seed=4,
        dtype="float64",
        l2=0.2,
        l1=0.01,
    )
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    g = net.gradients(X, Y)
    for l, j, k in [(1, 0, 0), (1, 3, 2), (2, 1, 3)]:
        e = ex.explain_weight(net, X, Y, l, j, k)
        assert e.penalty != 0
        assert e.value == pytest.approx(g.W[l][j, k], abs=1e-10)
        assert e.value == pytest.approx(numeric_weight(net, X, Y, l, j, k), abs=1e-10)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS)
def test_per_example_loop_and_ledger_equal_the_matrix_backprop(
    hidden: str, output: str, cost: str
) -> None:
    net, X, Y = make(hidden, output, cost, seed=5, sizes=[3, 5, 4, 3])
    g = net.gradients(X, Y)
    t = net.trace(X, Y)
    loop = ex.backprop_per_example(net, X, Y)
    ledger = ex.backprop_ledger(net, X, Y)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(loop.W[l], g.W[l], atol=1e-12, rtol=1e-12)
        np.testing.assert_allclose(loop.b[l], g.b[l], atol=1e-12, rtol=1e-12)
        np.testing.assert_allclose(ledger[l].dW, g.W[l], atol=1e-12, rtol=1e-12)
        np.testing.assert_allclose(ledger[l].db, g.b[l], atol=1e-12, rtol=1e-12)
        np.testing.assert_allclose(ledger[l].delta, t.delta[l], atol=1e-12, rtol=1e-10)
        np.testing.assert_allclose(ledger[l].dC_da_prev, t.dC_da[l - 1], atol=1e-12, rtol=1e-10)
        if l < net.L:  # δ^(l+1) is reused: layer l's ∂C/∂a^(l) is what layer l+1 handed back
            assert ledger[l].dC_da is ledger[l + 1].dC_da_prev
    np.testing.assert_allclose(ledger.gradients.vector(), g.vector(), atol=1e-12)
    text = str(ledger)
    assert f"layer {net.L} (output)" in text and "reuses δ^(2)" in text
    assert ledger.to_dict()["layers"][0]["l"] == net.L
    assert "<table>" in ledger._repr_html_()


def test_explain_neuron_shows_each_term() -> None:
    net, X, _ = make("tanh", "sigmoid", "quadratic")
    t = net.trace(X, np.zeros((3, 2)))
    for l in (1, 2, 3):
        for j in range(net.sizes[l]):
            e = ex.explain_neuron(net, X[1], l, j)
            assert [k for k, *_ in e.terms] == list(range(net.sizes[l - 1]))
            for k, w, a, prod in e.terms:
                assert w == net.W[l][j, k] and a == pytest.approx(t.a[l - 1][1, k], abs=1e-15)
                assert prod == w * a
            assert e.z == pytest.approx(e.weighted_sum + e.b, abs=1e-14)
            assert e.z == pytest.approx(t.z[l][1, j], abs=1e-14)
            assert e.a == pytest.approx(t.a[l][1, j], abs=1e-14)
            np.testing.assert_allclose(e.z_layer, e.W @ e.a_prev + e.b_layer, atol=1e-14)
    e = ex.explain_neuron(net, X[:1], -1, 1)  # a single row is one sample too
    assert e.l == 3 and f"a^(3)_1 = sigmoid({e.z:.6g}) = {e.a:.6g}" in str(e)
    assert "z^(3) = W^(3) a^(2) + b^(3)" in str(e)
    assert e.latex().startswith("a^{(3)}_{1}") and "<table>" in e._repr_html_()
    json.dumps(e.to_dict())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda net, X, Y: ex.explain_weight(net, X, Y, 0, 0, 0), "layer 0 is the input"),
        (lambda net, X, Y: ex.explain_weight(net, X, Y, 4, 0, 0), "layers 1..3"),
        (lambda net, X, Y: ex.explain_weight(net, X, Y, 1, 4, 0), "n_1 = 4 neurons"),
        (lambda net, X, Y: ex.explain_weight(net, X, Y, 1, 0, 3), "layer 0 has n_0 = 3"),
        (lambda net, X, Y: ex.explain_bias(net, X, Y, 2, -1), "not a neuron of layer 2"),
        (lambda net, X, Y: ex.explain_activation(net, X, Y, 0, 5), "not a neuron of layer 0"),
        (lambda net, X, Y: ex.explain_neuron(net, X, 1, 0), "one sample"),
        (lambda net, X, Y: ex.explain_weight(net, X, Y, 1.0, 0, 0), "must be an int"),
    ],
)
def test_bad_indices_say_what_exists(call, message: str) -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    with pytest.raises(ValueError, match=message):
        call(net, X, Y)


def test_negative_layer_numbers_count_from_L() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    assert ex.explain_weight(net, X, Y, -1, 1, 2).l == 3
    assert ex.explain_activation(net, X, Y, -4, 0).l == 0


def test_float32_networks_are_explained_in_float64() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    net32 = net.astype("float32")
    e = ex.explain_weight(net32, X, Y, 1, 0, 0)
    assert e.per_sample.dtype == np.float64
    assert e.value == pytest.approx(float(net32.gradients(X, Y).W[1][0, 0]), abs=1e-6)


# -- glassnet explain MODEL ----------------------------------------------------------------------


@pytest.fixture
def model_file(tmp_path):
    net = gn.Network.from_sizes(
        [2, 3, 2], output_activation="softmax", cost="cross_entropy", seed=0, dtype="float64"
    )
    path = tmp_path / "model.safetensors"
    gn.save(net, path, metadata={"dataset": "xor"})
    return net, str(path)


def test_cli_explains_a_weight_of_a_saved_model(model_file, capsys) -> None:
    net, path = model_file
    code, out, err = run_cli(
        capsys, "explain", path, "--weight", "1,2,0", "--x", "0.5,-1", "--y", "1"
    )
    assert code == 0, err
    e = ex.explain_weight(net, [[0.5, -1.0]], np.array([1]), 1, 2, 0)
    assert out.strip() == str(e)
    code, out, _ = run_cli(
        capsys, "explain", path, "--weight=-1,1,2", "--x", "0.5,-1", "--y", "0.2,0.8",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    value = json.loads(out)["value"]
    g = net.gradients([[0.5, -1.0]], [[0.2, 0.8]])
    assert value == pytest.approx(g.W[2][1, 2], abs=1e-10)


def test_cli_uses_the_models_data_set_for_a_mini_batch(model_file, capsys) -> None:
    _net, path = model_file
    code, out, err = run_cli(capsys, "explain", path, "--ledger", "--samples", "3")
    assert code == 0, err
    assert out.startswith("backprop ledger") and "m = 3 sample(s)" in out
    code, out, _ = run_cli(capsys, "explain", path, "--bias", "1,0", "--format", "latex")
    assert code == 0 and out.startswith("\\begin{aligned}")
    code, out, _ = run_cli(capsys, "explain", path, "--activation", "0,1", "--samples", "4")
    assert code == 0 and "∂C/∂a^(0)_1" in out
    code, out, _ = run_cli(capsys, "explain", path, "--neuron", "2,1", "--x", "1,0")
    assert code == 0 and "neuron 1 of layer 2 (softmax)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--weight", "3,0,0", "--x", "1,0", "--y", "1"], "layer l = 3 does not exist"),
        (["--weight", "1,0,0", "--x", "1,0"], "pass --y"),
        (["--bias", "1,0", "--x", "1,0,1", "--y", "1"], "--x has 3 numbers"),
        (["--ledger", "--x", "1,0", "--y", "1", "--format", "latex"], "--format latex"),
        (["--bias", "1,9", "--x", "1,0", "--y", "1"], "not a neuron of layer 1"),
    ],
)
def test_cli_mistakes_are_one_sentence_and_exit_2(model_file, capsys, argv, message) -> None:
    _, path = model_file
    code, _out, err = run_cli(capsys, "explain", path, *argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_bad_numbers_and_missing_model(tmp_path, capsys) -> None:
    code, _, err = run_cli(capsys, "explain", str(tmp_path / "none.safetensors"), "--ledger")
    assert code == 2 and "no model file" in err
    code, _, err = run_cli(capsys, "explain", "m", "--weight", "1,0")
    assert code == 2 and "expected 3 integers l,j,k" in err


def test_explanations_refuse_a_layer_type_they_cannot_follow_yet() -> None:
    """The weight-by-weight paths run through weight matrices: explain_activation,
    explain_neuron, backprop_ledger and backprop_per_example refuse a network with another
    layer type in one sentence, not with an AttributeError from deep inside; explain_weight and
    explain_bias follow the network's own δ^(l) instead (tests/test_explain_layers.py)."""
    from glassnet.layers import Layer

    class Halve(Layer):
        input_shape = output_shape = (2,)

        def weighted_input(self, a_prev: np.ndarray, cache: Any = None) -> np.ndarray:
            return np.multiply(a_prev, 0.5, out=None if cache is None else cache.z)

        def backward_delta(
            self, delta: np.ndarray, cache: Any, rows: Any, need: bool = True
        ) -> Any:
            return np.multiply(delta, 0.5, out=cache.dC_da_prev) if need else None  # z = a / 2

    net = gn.Network([gn.Dense(2, 2), Halve(), gn.Dense(2, 1)], seed=0, dtype="float64")
    X, Y = [[0.0, 1.0], [1.0, -1.0]], [[1.0], [0.0]]
    e = gn.explain_weight(net, X, Y, 1, 0, 1)
    assert e.value == pytest.approx(net.gradients(X, Y)[1]["W"][0, 1], rel=1e-12)
    assert "other than Dense" in e.notes[-1]
    refusing: list[Callable[[], object]] = [
        lambda: gn.explain_activation(net, X, Y, 1, 0),
        lambda: gn.explain_neuron(net, X[0], 1, 0),
        lambda: gn.backprop_ledger(net, X, Y),
        lambda: gn.backprop_per_example(net, X, Y),
    ]
    for call in refusing:
        with pytest.raises(ValueError, match=r"works with .*layer 2 is Halve"):
            call()
