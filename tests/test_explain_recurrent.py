"""Backpropagation through time, step by step: an RNN parameter's gradient as one term per step,
‖∂C/∂h_t‖ per step, and their four renderings."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain.recurrent import explain_through_time


def rnn_net(sequences: bool, act: str = "tanh", l2: float = 0.0, T: int = 5) -> gn.Network:
    H = 3
    head = [gn.Flatten(), gn.Dense(T * H, 2)] if sequences else [gn.Dense(H, 2)]
    return gn.Network([gn.RNN(2, H, activation=act, return_sequences=sequences), *head],
                      cost="mse", input_shape=(T, 2), seed=0, dtype="float64", l2=l2)  # fmt: skip


def data(m: int = 4, T: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(m, T, 2)), rng.normal(size=(m, 2))


@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_the_terms_per_step_add_up_to_backprop(sequences: bool, act: str) -> None:
    net, (X, Y) = rnn_net(sequences, act, l2=0.1), data()
    g = net.gradients(X, Y)
    for name in ("W_ih", "W_hh", "b"):
        for index in np.ndindex(g[1][name].shape):
            e = gn.explain_parameter(net, X, Y, 1, name, index)
            np.testing.assert_allclose(e.value, g[1][name][index], rtol=1e-10, atol=1e-15)
            terms = e.detail.terms()
            assert terms.shape == (5,)
            assert terms.sum() + e.penalty == pytest.approx(e.value, rel=1e-10, abs=1e-15)
            assert [p.value for p in e.paths[:5]] == pytest.approx(terms.tolist(), abs=1e-15)


def test_a_term_is_the_step_s_dC_du_times_its_input() -> None:
    net, (X, Y) = rnn_net(False), data()
    e = gn.explain_weight(net, X, Y, 1, 2, 1, name="W_hh")
    tt = e.detail
    t = net.trace(X, Y)
    rnn = net.layers[0]
    h = np.zeros((len(X), 3))
    hs = []
    for step in range(5):  # h_t by hand, to name h_(t−1),1 at every step
        hs.append(h)
        h = np.tanh(X[:, step] @ rnn.W_ih.T + h @ rnn.W_hh.T + rnn.b)
    np.testing.assert_allclose(tt.inputs, np.stack([p[:, 1] for p in hs], axis=1), atol=1e-12)
    assert not tt.inputs[:, 0].any()  # h_0 = 0: step 1 adds nothing to ∂C/∂W_hh
    # ∂C_i/∂h_T is what the layer above passes back
    np.testing.assert_allclose(tt.dh[:, -1], t.dC_da[1], rtol=1e-12)
    np.testing.assert_allclose(tt.terms(), (tt.du[:, :, 2] * tt.inputs).mean(axis=0))


def test_norms_per_step_and_their_ratio_show_a_vanishing_gradient() -> None:
    net, (X, Y) = rnn_net(False, T=20), data(T=20)
    net.layers[0].W_hh *= 0.2  # a small recurrent weight: every step back shrinks ∂C/∂h_t
    tt = explain_through_time(net, X, Y, 1)
    norms = tt.norms()
    assert norms.shape == (20,) and np.all(np.diff(norms) > 0)  # smaller going back in time
    assert tt.ratio == pytest.approx(norms[0] / norms[-1]) and tt.ratio < 1e-6
    np.testing.assert_allclose(norms[5], np.linalg.norm(tt.dh[:, 5]) / len(X))


def test_the_renderings_show_every_step() -> None:
    net, (X, Y) = rnn_net(True), data()
    e = gn.explain_weight(net, X, Y, 1, 0, 1, name="W_ih")
    text = str(e)
    assert "backpropagation through time in layer 1 (tanh at every step), T = 5" in text
    assert "term_t = (1/m) Σ_i ∂C_i/∂u_t,0 · x_t,1" in text
    assert "Σ_t term_t" in text and "W_ih^(1)_{0,1} → u_3,0 → h_3 → C" in text
    assert r"\mathrm{W\_ih}^{(1)}_{0,1}" in e.latex() and r"\text{term}_t" in e.latex()
    assert "through time, layer 1" in e._repr_html_()
    d = json.loads(e.to_json())
    assert d["detail"]["kind"] == "through_time" and len(d["detail"]["terms"]) == 5
    assert sum(d["detail"]["terms"]) == pytest.approx(d["value"])
    tt = explain_through_time(net, X, Y, 1)
    assert "‖∂C/∂h_1‖ / ‖∂C/∂h_T‖" in str(tt) and "ThroughTime(layer 1, T=5" in repr(tt)
    assert len(json.loads(tt.to_json())["norms"]) == 5 and "<table>" in tt._repr_html_()
    assert tt.latex().startswith(r"\begin{aligned}")


def test_a_long_sequence_lists_its_first_and_last_steps() -> None:
    net, (X, Y) = rnn_net(False, T=40), data(T=40)
    lines = str(explain_through_time(net, X, Y, 1)).splitlines()
    assert any(line.strip() == "…" for line in lines)
    assert lines[3].split()[0] == "40" and lines[-2].split()[0] == "1"


def test_the_rnn_shows_its_per_step_sigma() -> None:
    net = rnn_net(False, act="relu")
    assert "relu (per step)" in net.summary() and "relu (per step)" in repr(net)
    assert net.layers[0].activation.name == "identity"  # the contract's σ is still the identity
    d = gn.diagnose(net, *data())
    assert d.layers[0].activation == "relu (per step)"
    assert "relu per step" in gn.explain_parameter(net, *data(), 1, "b", (0,)).network


def test_bad_arguments() -> None:
    net, (X, Y) = rnn_net(False), data()
    with pytest.raises(
        ValueError, match=r"no parameter 'W'; its weights are W_ih, W_hh.*name='W_ih'"
    ):
        gn.explain_weight(net, X, Y, 1, 0, 0)
    with pytest.raises(ValueError, match="not an RNN"):
        explain_through_time(net, X, Y, 2)
    with pytest.raises(ValueError, match="index"):
        gn.explain_parameter(net, X, Y, 1, "W_hh", (3, 0))
