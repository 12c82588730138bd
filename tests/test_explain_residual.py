"""explain_parameter inside a Residual block: δ through the later sub-layers, the two paths at
the block's input, every sub-layer type (nested blocks, projections, convolutions, BatchNorm)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain.residual import explain_residual
from glassnet.layers import Residual


def dense_net(l2: float = 0.0) -> gn.Network:
    inner = Residual([gn.Dense(4, 4, activation="tanh"), gn.Dense(4, 4, activation="identity")])
    block = Residual(
        [gn.Dense(4, 4, activation="sigmoid"), inner, gn.Dense(4, 3, activation="tanh")],
        projection=gn.Dense(4, 3, activation="identity"),
        activation="relu",
    )
    layers = [gn.Dense(3, 4, activation="tanh"), block, gn.Dense(3, 2, activation="softmax")]
    return gn.Network(layers, cost="cross_entropy", seed=0, dtype="float64", l2=l2)


def data(m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.normal(size=(m, 3)), rng.integers(0, 2, m)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_every_parameter_of_a_nested_block_with_a_projection_equals_backprop(l2: float) -> None:
    net, (X, Y) = dense_net(l2), data()
    g = net.gradients(X, Y)
    block = net.layers[1]
    assert block.parameter_names == (
        "W1", "b1", "W1_2", "b1_2", "W2_2", "b2_2", "W3", "b3", "Wp", "bp",
    )  # fmt: skip
    rng = np.random.default_rng(2)
    for name in block.parameter_names:
        shape = block.parameters()[name].shape
        for _ in range(3):
            index = tuple(int(rng.integers(n)) for n in shape)
            e = gn.explain_parameter(net, X, Y, 2, name, index)
            np.testing.assert_allclose(e.value, g[2][name][index], rtol=1e-10, atol=1e-15)
            assert e.paths is not None  # the paths (and penalty) add up to the value
            assert sum(p.value for p in e.paths) == pytest.approx(e.value, rel=1e-10, abs=1e-15)


def test_the_stages_follow_delta_through_the_later_sub_layers_into_a_nested_block() -> None:
    net, (X, Y) = dense_net(), data()
    e = gn.explain_parameter(net, X, Y, 2, "W1_2", (1, 2))
    assert e.at == "2.2.1" and e.prev == "2.1"  # the inner block's first layer, fed by 2.1
    labels = [label for label, _ in e.detail.stages]
    assert labels == ["2", "2.3", "2.2", "2.2.2", "2.2.1"]
    t = net.trace(X, Y)
    np.testing.assert_allclose(e.detail.stages[0][1], t.delta[2], rtol=1e-12)
    assert e.formula[0].startswith("(1/m) Σ_i δ^(2.2.1)_{i,1} · a^(2.1)_{i,2}")
    # the projection's parameter: the skip's own path, δ^(2) straight into p
    e = gn.explain_parameter(net, X, Y, 2, "Wp", (0, 1))
    assert [label for label, _ in e.detail.stages] == ["2", "2.p"] and e.prev == "1"


def test_the_two_paths_at_the_block_input_add_up_to_dC_da() -> None:
    net, (X, Y) = dense_net(), data()
    s = explain_residual(net, X, Y, 2)
    t = net.trace(X, Y)
    np.testing.assert_allclose(s.skip + s.through, t.dC_da[1], rtol=1e-10, atol=1e-15)
    assert s.projection and 0.0 <= s.skip_share <= 1.0
    n = s.norms()
    assert n["total"] == pytest.approx(np.linalg.norm(t.dC_da[1]) / len(X))
    # without a projection the skip term is δ^(l) itself
    plain_block = gn.Network(
        [Residual([gn.Dense(2, 2, activation="tanh"), gn.Dense(2, 2)]), gn.Dense(2, 1)],
        seed=0,
        dtype="float64",
    )
    s = explain_residual(plain_block, [[1.0, -1.0], [0.5, 2.0]], [[0.0], [1.0]], 1)
    t = plain_block.trace([[1.0, -1.0], [0.5, 2.0]], [[0.0], [1.0]])
    np.testing.assert_array_equal(s.skip, t.delta[1])
    np.testing.assert_allclose(s.total, t.dC_da[0], rtol=1e-12)


def test_convolution_and_batchnorm_inside_a_block() -> None:
    down = Residual(
        [gn.Conv2D(2, 3, 3, stride=2, padding=1, activation="relu"), gn.BatchNorm(3),
         gn.Conv2D(3, 3, 3, padding=1, activation="identity")],
        projection=gn.Conv2D(2, 3, 1, stride=2, activation="identity"),
        activation="relu",
    )  # fmt: skip
    net = gn.Network(
        [down, gn.Flatten(), gn.Dense(3 * 3 * 3, 2, activation="softmax")],
        cost="cross_entropy", input_shape=(2, 5, 5), seed=0, dtype="float64",
    )  # fmt: skip
    X = np.random.default_rng(3).normal(size=(4, 2, 5, 5))
    Y = [0, 1, 1, 0]
    g = net.gradients(X, Y)
    for name, index in (("W1", (1, 0, 2, 1)), ("gamma_2", (2,)), ("W3", (0, 2, 1, 1)),
                        ("b3", (1,)), ("Wp", (2, 1, 0, 0)), ("bp", (0,))):  # fmt: skip
        e = gn.explain_parameter(net, X, Y, 1, name, index)
        np.testing.assert_allclose(e.value, g[1][name][index], rtol=1e-10, atol=1e-14)
    e = gn.explain_weight(net, X, Y, 1, 1, 0, 2, 1, name="W1")
    assert e.at == "1.1" and "outputs of z^(1.1)" in str(e)


def test_the_four_renderings_show_the_stages_and_the_two_paths() -> None:
    net, (X, Y) = dense_net(l2=0.01), data()
    e = gn.explain_parameter(net, X, Y, 2, "W3", (1, 0))
    text = str(e)
    assert "δ^(2) on its way through block 2 to sub-layer 2.3" in text
    assert "around the block (the skip)" in text and "through the block (f)" in text
    latex = e.latex()
    assert r"\underbrace" in latex and r"\delta^{(2)} \to \delta^{(2.3)}" in latex
    assert "two paths to its input" in e._repr_html_()
    d = json.loads(e.to_json())
    assert d["at"] == "2.3" and d["detail"]["kind"] == "residual"
    assert [s["label"] for s in d["detail"]["stages"]] == ["2", "2.3"]
    split = d["detail"]["split"]
    np.testing.assert_allclose(np.add(split["skip"], split["through"]), split["total"], rtol=1e-12)
    s = explain_residual(net, X, Y, 2)
    assert "the skip carries" in str(s) and s.latex().count(r"\underbrace") == 2
    assert "SkipSplit(block 2" in repr(s) and json.loads(s.to_json())["label"] == "2"
    assert "<table>" in s._repr_html_()


def test_bad_arguments_say_what_to_do() -> None:
    net, (X, Y) = dense_net(), data()
    with pytest.raises(ValueError, match="has no parameter 'W9'; its parameters are W1, b1"):
        gn.explain_parameter(net, X, Y, 2, "W9", (0, 0))
    with pytest.raises(ValueError, match="not a Residual block"):
        explain_residual(net, X, Y, 1)
    with pytest.raises(ValueError, match=r"has no parameter 'W'.*explain_weight"):
        gn.explain_weight(net, X, Y, 2, 0, 0)
    with pytest.raises(ValueError, match="follows it through them"):
        net.layers[1].parameter_paths("W1", (0, 0), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="has no parameter 'nope'"):
        net.layers[1].sub_layer("nope")
