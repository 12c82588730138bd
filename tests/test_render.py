"""The views of computed results (glassnet.render): each shows the numbers it is given, as text,
LaTeX, HTML or a JSON-ready dict, and the results' own methods show the same."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import explain as ex
from glassnet import render
from glassnet.render import explanations as views
from helpers import random_targets


def make(hidden: str, output: str, cost: str, sizes: tuple[int, ...] = (3, 4, 3, 2)):
    rng = np.random.default_rng(0)
    net = gn.Network.from_sizes(
        list(sizes), activation=hidden, output_activation=output, cost=cost, seed=0, dtype="float64"
    )
    X = rng.normal(size=(3, sizes[0]))
    return net, X, random_targets(cost, 3, sizes[-1], rng)


# -- numbers, vectors, matrices -------------------------------------------------------------------


def test_numbers_have_six_digits_and_no_negative_zero() -> None:
    assert render.number(-0.0) == "0" and render.number(1 / 3) == "0.333333"
    assert render.number(np.float32(2.5)) == "2.5" and render.number(1e-9) == "1e-09"


def test_long_vectors_and_tall_matrices_are_shortened() -> None:
    assert render.vector([1, 2, 3]) == "[1, 2, 3]"
    assert render.vector(np.arange(12)) == "[0, 1, 2, 3, …, 10, 11]"
    assert render.matrix([[7.0]]) == "7" and render.matrix([[1, 2]]) == "[1, 2]"
    assert render.matrix([[1, 2], [3, 4]]) == "[[1, 2]; [3, 4]]"
    tall = render.matrix(np.arange(20).reshape(10, 2))
    assert tall == "[[0, 1]; [2, 3]; [4, 5]; … 6 more rows; [18, 19]]"


def test_latex_and_html_matrices() -> None:
    assert render.latex_matrix([[-1.5]]) == "(-1.5)" and render.latex_matrix([[2]]) == "2"
    assert render.latex_matrix([[1, 2], [3, 4]]) == r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}"
    table = render.html_matrix([[1, 2], [3, 4]], "j=", "k=")
    assert table.startswith("<table><tr><th></th><th>k=0</th><th>k=1</th></tr>")
    assert table.count("<td>") == 4 and "<tr><th>j=1</th><td>3</td><td>4</td></tr>" in table


# -- explanations and the ledger ------------------------------------------------------------------


def test_displays_and_json() -> None:
    net, X, Y = make("sigmoid", "softmax", "cross_entropy")
    e = ex.explain_weight(net, X, Y, 2, 1, 0)
    text = str(e)
    assert e.chain() in text and "sample 0:" in text and "sum of the paths" in text
    assert f"∂C/∂w^(2)_{{1,0}} = {e.value:.6g}" in text
    assert e._repr_latex_().startswith("$$\\begin{aligned}")
    assert e._repr_html_().count("<tr>") == len(e.factors) + 2
    d = json.loads(e.to_json())
    assert d["value"] == e.value and len(d["factors"]) == len(e.factors)
    assert len(d["paths"]) == e.n_paths and d["symbol"] == "w^(2)_{1,0}"
    assert np.asarray(d["factors"][0]["values"]).shape == e.factors[0].values.shape


def test_the_results_methods_are_the_views() -> None:
    net, X, Y = make("tanh", "sigmoid", "quadratic")
    for e in (ex.explain_bias(net, X, Y, 1, 2), ex.explain_activation(net, X, Y, 0, 1)):
        assert str(e) == views.gradient_text(e) and e.latex() == views.gradient_latex(e)
        assert e._repr_html_() == views.gradient_html(e) and e.to_dict() == views.gradient_dict(e)
    n = ex.explain_neuron(net, X[0], 2, 1)
    assert str(n) == views.neuron_text(n) and n.latex() == views.neuron_latex(n)
    assert n._repr_html_() == views.neuron_html(n) and n.to_dict() == views.neuron_dict(n)
    ledger = ex.backprop_ledger(net, X, Y)
    assert str(ledger) == views.ledger_text(ledger) and ledger.to_dict() == views.ledger_dict(
        ledger
    )
    assert ledger._repr_html_() == views.ledger_html(ledger)


def test_text_shows_a_few_samples_and_the_average_of_all() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    X, Y = np.repeat(X, 3, axis=0), np.repeat(Y, 3, axis=0)  # m = 9
    text = views.gradient_text(ex.explain_weight(net, X, Y, 1, 0, 0))
    assert text.count("sample ") == views.SHOWN_SAMPLES
    assert "… 5 more sample(s)" in text and "average over the mini-batch: (1/9)" in text


def test_ledger_text_says_where_each_layer_gets_its_gradient() -> None:
    net, X, Y = make("sigmoid", "softmax", "cross_entropy")
    lines = views.ledger_text(ex.backprop_ledger(net, X, Y)).splitlines()
    assert lines[0].startswith("backprop ledger: [3, 4, 3, 2]") and "m = 3 sample(s)" in lines[0]
    assert "layer 3 (output), σ = softmax" in lines
    assert any("δ^(3) = ∂C/∂a^(3) · ∂a^(3)/∂z^(3)" in line for line in lines)  # the Jacobian
    assert any("δ^(2) = ∂C/∂a^(2) ⊙ σ'(z^(2))" in line for line in lines)
    assert lines[-1].startswith("  ∂C/∂a^(0) = δ^(1) W^(1)  (the input's, not a parameter) = ")


# -- the core's objects: network and trace --------------------------------------------------------


def test_html_views_have_a_table_per_array() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    page = render.network_html(net)
    assert page.count("<table>") == 2 * net.L
    assert page.count("<td>") == net.n_params
    page = render.trace_html(net.trace(X, Y))
    assert page.count("<table>") == 1 + 5 * net.L
    assert "δ<sup>(1)</sup>" in page
    e = gn.explain_weight(net, X, Y, 1, 0, 0)
    assert e._repr_html_() and e._repr_latex_().startswith("$")
    # explain's names for them still work
    assert ex.network_html is render.network_html and ex.trace_html is render.trace_html


def test_trace_text_shows_the_forward_then_the_backward_pass() -> None:
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    t = net.trace(X, Y)
    text = render.trace_text(t)
    assert text.index("z^(3) = a^(2) W^(3)ᵀ + b^(3)") < text.index("δ^(3) = ∂C/∂z^(3)")
    assert f"cost C = (1/m) Σ C_i = {t.cost:.6g}" in text
    net.l2 = 0.5
    t = net.trace(X, Y)
    assert f"+ {t.penalty:.6g} = {t.cost:.6g}" in render.trace_text(t)


@pytest.mark.parametrize("view", [render.network_html, render.trace_html, render.trace_text])
def test_the_views_compute_nothing(view, monkeypatch) -> None:
    """A view reads the numbers it is given: it never runs the network."""
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    t = net.trace(X, Y)
    for name in ("trace", "forward_pass", "cost_and_gradients", "gradients", "forward"):
        monkeypatch.setattr(gn.Network, name, None)
    assert view(net if view is render.network_html else t)


def test_notebooks_show_networks_and_traces_through_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """In IPython, `import glassnet` tells the display system how to draw a Network and a
    Trace: with render's HTML views (the core itself never imports render)."""
    import types

    registered: dict[type, Any] = {}

    class Formatter:
        def for_type(self, cls: type, func: Any) -> None:
            registered[cls] = func

    shell = types.SimpleNamespace(
        display_formatter=types.SimpleNamespace(formatters={"text/html": Formatter()})
    )
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert gn._notebook_views()
    net, X, Y = make("sigmoid", "sigmoid", "quadratic")
    t = net.trace(X, Y)
    assert registered[gn.Network](net) == render.network_html(net)
    assert registered[gn.Trace](t) == render.trace_html(t)
    monkeypatch.setattr(fake, "get_ipython", lambda: None)  # plain Python: nothing to do
    assert not gn._notebook_views()


def test_trace_views_show_every_layer_types_own_gradients() -> None:
    """A layer type of its own shows ∂C/∂ of its own parameters, by their names."""
    from test_layers import Scale

    layers = [gn.Dense(3, 4, activation="tanh"), Scale(4, "sigmoid"), gn.Dense(4, 2)]
    net = gn.Network(layers, cost="mse", seed=0, dtype="float64")
    t = net.trace(np.ones((2, 3)), np.zeros((2, 2)))
    text = render.trace_text(t)
    assert "∂C/∂g^(2) =" in text and "∂C/∂c^(2) =" in text and "∂C/∂W^(3) =" in text
    page = render.trace_html(t)
    assert "∂C/∂g<sup>(2)</sup>" in page and page.count("<table>") == 1 + 5 * net.L
