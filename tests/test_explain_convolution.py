"""The glass box for convolutions: a kernel weight's ∂C/∂w, explained position by position.

A kernel weight w^(l)_{o,i,p,q} meets the input pixel a^(l−1)_{i, y·s+p, x·s+q} at every output
position (y, x); the explanation lists those meetings (per sample and position), their sum, and
holds the value against backprop. The trace views and the diagnosis work for such networks too.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import render

pytest.importorskip("glassnet.layers.convolution")


def cnn(
    stride: int = 1, padding: int = 0, act: str = "relu", size: tuple[int, int] = (7, 6), **kw: Any
) -> gn.Network:
    """Conv2D(2 → 3 channels, 3×3) → MaxPool2D → Flatten → Dense(·, 2), float64."""
    conv = gn.layers.Conv2D(2, 3, 3, stride=stride, padding=padding, activation=act)
    probe = gn.Network([conv, gn.layers.Flatten()], input_shape=(2, *size), seed=0)
    n = probe.sizes[-1]
    layers = [
        gn.layers.Conv2D(2, 3, 3, stride=stride, padding=padding, activation=act),
        gn.layers.Flatten(),
        gn.Dense(n, 2, activation="sigmoid"),
    ]
    return gn.Network(layers, input_shape=(2, *size), cost="mse", seed=1, dtype="float64", **kw)


def data(m: int = 4, size: tuple[int, int] = (7, 6)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.normal(size=(m, 2, *size)), rng.random((m, 2))


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (1, 2), (2, 0)])
@pytest.mark.parametrize("index", [(0, 0, 0, 0), (2, 1, 1, 2), (1, 0, 2, 1)])
def test_a_kernel_weight_is_explained_to_its_gradient(stride, padding, index) -> None:
    net, (X, Y) = cnn(stride, padding), data()
    e = gn.explain_weight(net, X, Y, 1, *index)
    want = net.gradients(X, Y)[1]["W"][index]
    assert e.value == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert e.value == gn.explain_parameter(net, X, Y, 1, "W", index).value
    # one term per sample and position; they add up to the gradient
    _, Ho, Wo = net.layers[0].output_shape
    assert e.terms is not None and e.terms.shape == (len(X), Ho * Wo)
    assert e.terms.sum(axis=1).mean() == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert len(e.outputs) == Ho * Wo and {out[0] for out in e.outputs} == {index[0]}


def test_each_term_names_the_pixel_the_weight_met() -> None:
    """At output (y, x), w_{o,i,p,q} met a^(l−1)_{i, y·s+p−pad, x·s+q−pad} (0 in the padding)."""
    stride, padding, (o, i, p, q) = 2, 1, (1, 1, 0, 2)
    net, (X, Y) = cnn(stride, padding), data()
    e = gn.explain_parameter(net, X, Y, 1, "W", (o, i, p, q))
    delta = net.trace(X, Y).delta[1]
    for out, src, column in zip(e.outputs, e.sources, e.terms.T, strict=True):
        _, y, x = out
        r, c = y * stride + p - padding, x * stride + q - padding
        if 0 <= r < X.shape[2] and 0 <= c < X.shape[3]:
            assert src == (i, r, c)
            assert np.allclose(column, delta[:, o, y, x] * X[:, i, r, c], rtol=1e-12)
        else:
            assert src == "0" and not column.any()


def test_the_text_tells_the_convolution_story_in_few_lines() -> None:
    net = cnn(size=(28, 28))
    rng = np.random.default_rng(0)
    X, Y = rng.random((3, 2, 28, 28)), rng.random((3, 2))
    e = gn.explain_weight(net, X, Y, 1, 2, 0, 1, 1)
    text = str(e)
    assert "by the chain rule" in text and "over every output where it was applied" in text
    assert f"is used at {26 * 26} outputs of z^(1)" in text
    assert f"the 10 largest of its {3 * 26 * 26} terms" in text
    assert f"… and {3 * 26 * 26 - 10} more terms" in text
    assert f"= ∂C/∂w^(1)_{{2,0,1,1}} = {render.number(e.value)}" in text
    assert len(text.splitlines()) < 60  # not one line per position
    assert "sample 0: δ^(1)_{0,2," in text or "sample 1: δ^(1)_{1,2," in text
    # HTML and LaTeX stay small; the dict has every term
    assert e._repr_html_().count("<tr>") < 30 and "largest" in e._repr_html_()
    assert e.latex().startswith(r"\begin{aligned}")
    d = json.loads(e.to_json())
    assert len(d["terms"]) == 3 and len(d["terms"][0]) == 26 * 26
    assert d["sources"][0] == [0, 1, 1] and d["outputs"][0] == [2, 0, 0]


def test_a_bias_of_a_convolution_adds_up_every_position() -> None:
    net, (X, Y) = cnn(2, 1), data()
    e = gn.explain_parameter(net, X, Y, 1, "b", (1,))
    assert e.value == pytest.approx(net.gradients(X, Y)[1]["b"][1], rel=1e-12)
    assert set(e.sources) == {()} and "δ^(1)_{i,1,0,0} + δ^(1)_{i,1,0,1}" in e.formula[0]


def test_the_penalty_is_part_of_a_kernel_weights_story() -> None:
    net, (X, Y) = cnn(l2=0.1), data()
    e = gn.explain_weight(net, X, Y, 1, 0, 1, 2, 2)
    assert e.penalty == pytest.approx(0.1 * net.W[1][0, 1, 2, 2])
    assert e.value == pytest.approx(net.gradients(X, Y)[1]["W"][0, 1, 2, 2], rel=1e-12)
    assert "+ penalty" in str(e)


def test_a_kernel_weight_needs_four_numbers() -> None:
    net, (X, Y) = cnn(), data()
    with pytest.raises(ValueError, match=r"shape is \(3, 2, 3, 3\): give 4 int"):
        gn.explain_weight(net, X, Y, 1, 0, 0)
    with pytest.raises(ValueError, match="not an entry of W"):
        gn.explain_weight(net, X, Y, 1, 0, 0, 3, 0)
    with pytest.raises(ValueError, match=r"shape is \(2, 3\)"):  # a Dense weight: two numbers
        gn.explain_weight(gn.Network.from_sizes([3, 2]), np.ones((1, 3)), [[0, 1]], 1, 0, 0, 1)


# -- the trace and the diagnosis of image networks ---------------------------------------------


def test_trace_views_write_each_layers_own_formula() -> None:
    net, (X, Y) = cnn(), data()
    t = net.trace(X, Y)
    text = render.trace_text(t)
    for l, layer in enumerate(net.layers, start=1):
        assert f"z^({l}) = {render.formula_at(layer.formula, l)}" in text
    assert "z^(3) = a^(2) W^(3)ᵀ + b^(3)" in text
    assert f"[0, 0, :, :] of shape {t.z[1].shape}" in text  # an image: sample 0, channel 0
    assert len(text.splitlines()) < 200
    page = render.trace_html(t)
    n_grads = sum(len(t.gradients[l]) for l in range(1, net.L + 1))  # W, b of layers 1 and 3
    assert page.count("<table>") == 1 + 3 * net.L + n_grads


def test_diagnose_finds_dead_filters_and_skips_layers_without_parameters() -> None:
    net, (X, Y) = cnn(), data()
    net.b[1][:] = [-50.0, 0.0, 0.0]  # filter 0 can never fire
    report = gn.diagnose(net, X, Y)
    conv, flat, dense = report.layers
    assert conv.dead == pytest.approx(1 / 3) and conv.channels == 3 and conv.kind == "Conv2D"
    assert flat.gradient_norm is None and flat.gradient_norms == {} and flat.weights is None
    g = net.gradients(X, Y)
    assert conv.gradient_norms["b"] == pytest.approx(np.linalg.norm(g[1]["b"]))
    assert dense.gradient_norm == pytest.approx(np.linalg.norm(g[3]["W"]))
    assert "dead_relu" in report.kinds
    f = report["dead_relu"]
    assert f.message.startswith("Filters of layer 1 are dead") and "1 of 3 channels" in f.evidence
    rows = report.table_rows()
    assert rows[2][3:6] == ["-", "-", "-"] and rows[1][-1] == "Conv2D"
    assert "layer 2" not in f"{report['dead_relu']}"


def test_diagnose_finds_saturated_channels() -> None:
    net, (X, Y) = cnn(act="sigmoid"), data()
    net.W[1][:] *= 200.0
    report = gn.diagnose(net, X, Y)
    f = report["saturated_units"]
    assert f.message.startswith("Channels of layer 1 are saturated")
    assert report.layers[0].saturated_channels == 1.0 and "3 of its 3 channels" in f.evidence
    # the gradient norms are those of the layers with parameters, by layer number
    assert set(report["saturated_units"].numbers) >= {"layer", "saturated_channels"}
    assert [d.l for d in report.layers if d.gradient_norm is not None] == [1, 3]
