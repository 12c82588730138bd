"""explain_parameter: the chain rule through the layer contract, for any layer type.

The network [Dense, Scale, Dense] has a layer type the explanations were not written for
(``Scale``, z = a ⊙ g + c, from test_layers.py); ∂C/∂θ of every parameter is held against
backprop and against central finite differences."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from test_layers import Scale


class ScaleExplained(Scale):
    """Scale, plus the contract's glass-box part: g_j and c_j enter z_j only."""

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Any) -> Any:
        (j,) = index  # ∂z_j/∂g_j = a_j, ∂z_j/∂c_j = 1
        return [((j,), a_prev[:, j] if name == "g" else np.ones(len(a_prev)))]


def mixed(**kwargs: Any) -> tuple[gn.Network, np.ndarray, np.ndarray]:
    layers = [gn.Dense(3, 4, activation="tanh"), ScaleExplained(4, "sigmoid"), gn.Dense(4, 2)]
    net = gn.Network(layers, cost="mse", seed=0, dtype="float64", **kwargs)
    net.layers[1].c = np.array([0.1, -0.2, 0.3, 0.05])
    rng = np.random.default_rng(5)
    return net, rng.normal(size=(5, 3)), rng.random((5, 2))


def central_difference(net: gn.Network, X: Any, Y: Any, l: int, name: str, index: Any) -> float:
    theta, h = net.layers[l - 1].parameters()[name], 1e-6
    keep = theta[index]
    theta[index] = keep + h
    up = net.cost(X, Y)
    theta[index] = keep - h
    down = net.cost(X, Y)
    theta[index] = keep
    return (up - down) / (2 * h)


PARAMETERS = [(2, "g", (3,)), (2, "c", (1,)), (1, "W", (2, 1)), (1, "b", (0,)), (3, "W", (1, 3))]


@pytest.mark.parametrize("penalties", [{}, {"l2": 0.05, "l1": 0.01}])
@pytest.mark.parametrize(("l", "name", "index"), PARAMETERS)
def test_explain_parameter_equals_backprop_and_finite_differences(
    l: int, name: str, index: tuple[int, ...], penalties: dict[str, float]
) -> None:
    net, X, Y = mixed(**penalties)
    e = gn.explain_parameter(net, X, Y, l, name, index)
    assert e.kind == "parameter" and (e.name, e.index) == (name, index)
    assert e.value == pytest.approx(net.gradients(X, Y)[l][name][index], rel=1e-12, abs=1e-15)
    assert e.value == pytest.approx(central_difference(net, X, Y, l, name, index), abs=1e-8)
    product = np.einsum("ipq,iqr->i", e.factors[0].values, e.factors[1].values)
    assert np.allclose(product, e.per_sample)
    assert e.paths is not None and sum(p.value for p in e.paths) == pytest.approx(e.value)
    assert (e.penalty != 0) == (name in net.layers[l - 1].penalised and bool(penalties))


def test_explain_parameter_renders_its_sum_and_numbers() -> None:
    net, X, Y = mixed(l2=0.05)
    e = gn.explain_parameter(net, X, Y, 2, "g", 3)  # one int for a 1-D parameter
    text = str(e)
    assert "∂C/∂g^(2)_3 = (1/m) Σ_i δ^(2)_{i,3} · a^(1)_{i,3} + l2·g + l1·sign(g)" in text
    assert f"∂C/∂g^(2)_3 = {gn.render.number(e.value)}" in text
    delta = net.astype("float64").trace(X, Y).delta[2][0, 3]
    assert gn.render.number(delta) in text  # sample 0's δ^(2)_3 …
    assert gn.render.number(e.per_sample[0]) in text  # … and its product
    assert r"\delta^{(2)}_{i,3} \, a^{(1)}_{i,3}" in e.latex()
    assert "δ^(2)_{i,3} · a^(1)_{i,3}" in e._repr_html_()
    d = json.loads(json.dumps(e.to_dict()))
    assert d["name"] == "g" and d["index"] == [3] and d["value"] == e.value
    assert d["formula"]["text"].startswith("(1/m) Σ_i δ^(2)_{i,3}")
    c = gn.explain_parameter(net, X, Y, 2, "c", (0,))
    assert c.formula is not None and c.formula[0] == "(1/m) Σ_i δ^(2)_{i,0}"  # ∂z/∂c = 1


def test_explain_parameter_says_what_is_wrong() -> None:
    net, X, Y = mixed()
    with pytest.raises(ValueError, match=r"layer 2 \(ScaleExplained\) has no parameter 'W'; its "):
        gn.explain_parameter(net, X, Y, 2, "W", (0, 0))
    with pytest.raises(ValueError, match=r"index \(4,\) is not an entry of g\^\(2\), .* \(4,\)"):
        gn.explain_parameter(net, X, Y, 2, "g", (4,))
    with pytest.raises(ValueError, match=r"give 2 int\(s\)"):
        gn.explain_parameter(net, X, Y, 1, "W", (0,))
    with pytest.raises(ValueError, match=r"layer l = 4 does not exist"):
        gn.explain_parameter(net, X, Y, 4, "W", (0, 0))


def test_explain_weight_and_bias_of_a_mixed_network_follow_delta() -> None:
    net, X, Y = mixed()
    for l, name, index, e in [
        (1, "W", (2, 1), gn.explain_weight(net, X, Y, 1, 2, 1)),
        (3, "b", (1,), gn.explain_bias(net, X, Y, 3, 1)),
    ]:
        p = gn.explain_parameter(net, X, Y, l, name, index)
        assert e.value == p.value == pytest.approx(net.gradients(X, Y)[l][name][index], rel=1e-12)
        assert "other than Dense" in e.notes[-1] and not p.notes
    with pytest.raises(ValueError, match=r"layer 2 \(ScaleExplained\) has no parameter 'W'"):
        gn.explain_weight(net, X, Y, 2, 0, 0)


def test_explain_parameter_of_a_dense_network_is_explain_weight() -> None:
    net = gn.Network.from_sizes([3, 4, 2], activation="tanh", seed=1, dtype="float64", l2=0.1)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 3)), rng.random((4, 2))
    for l, j, k in [(1, 3, 2), (2, 1, 0)]:
        w, p = (
            gn.explain_weight(net, X, Y, l, j, k),
            gn.explain_parameter(net, X, Y, l, "W", (j, k)),
        )
        assert p.value == pytest.approx(w.value, rel=1e-12) and p.symbol == w.symbol
        assert (p.j, p.k) == (w.j, w.k)
    b = gn.explain_parameter(net, X, Y, 2, "b", 1)
    assert b.value == pytest.approx(gn.explain_bias(net, X, Y, 2, 1).value, rel=1e-12)


def test_explain_parameter_of_a_float32_network_is_exact_float64() -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0)  # float32
    X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    e = gn.explain_parameter(net, X, Y, 1, "W", (2, 0))
    assert e.value == pytest.approx(gn.explain_weight(net, X, Y, 1, 2, 0).value, rel=1e-12)
