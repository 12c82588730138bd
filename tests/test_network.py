"""The notation contract, the hand-worked example, the trace, the gradient vector and the
checks on user input."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from helpers import xor_data


def test_notation_shapes_and_layer_numbers() -> None:
    net = gn.Network.from_sizes([4, 3, 2], seed=0)
    assert net.sizes == [4, 3, 2] and net.L == 2
    assert net.W[1].shape == (3, 4) and net.W[2].shape == (2, 3)  # (n_l, n_{l−1}): to, from
    assert net.b[1].shape == (3,) and net.b[2].shape == (2,)
    assert net.W[-1] is net.W[2]
    assert list(net.W.keys()) == [1, 2] and len(net.W) == 2
    with pytest.raises(IndexError, match="layer 0 is the input layer"):
        net.W[0]
    with pytest.raises(IndexError, match=r"l = 1\.\.2"):
        net.b[3]
    assert net.n_params == 3 * 4 + 3 + 2 * 3 + 2


def test_W_jk_is_the_weight_to_j_from_k() -> None:
    net = gn.Network.from_sizes([3, 2], activation="identity", seed=0, dtype="float64")
    net.W[1][...] = 0.0
    net.b[1][...] = 0.0
    net.W[1][1, 2] = 5.0  # to neuron 1 of layer 1, from neuron 2 of layer 0
    out = net.forward(np.array([[0.0, 0.0, 1.0]]))
    np.testing.assert_array_equal(out, [[0.0, 5.0]])


def test_parameters_are_live_arrays() -> None:
    net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
    X = np.array([[1.0, 2.0]])
    before = net.forward(X)
    net.W[1][...] = 0.0  # writing into the array changes the network
    net.b[2] = np.array([3.0])  # so does assigning a whole array
    assert net.b[2][0] == 3.0 and net.layers[1].b[0] == 3.0
    assert not np.allclose(net.forward(X), before)
    with pytest.raises(ValueError, match=r"shape \(1,\); cannot assign shape \(2,\)"):
        net.b[2] = np.zeros(2)
    with pytest.raises(ValueError, match="finite"):
        net.W[1] = np.full((2, 2), np.nan)


def test_W_and_b_see_the_layers_current_arrays() -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    W, b = net.W, net.b
    new = np.ones((3, 2), dtype=np.float32, order="F")
    net.layers[0].W = new  # as layer.build() does
    assert W[1] is new and net.W[1] is new  # a view of the layers, not a list copied earlier
    assert [w.shape for w in W] == [(3, 2), (1, 3)] and list(b.keys()) == [1, 2]
    assert [l for l, _ in W.items()] == [1, 2] and len(b) == 2


def test_W_of_l_takes_the_same_work_however_many_layers() -> None:
    """Issue 14: ``net.W`` copied the list of all L arrays, so a loop over l took time L²
    (loading 20,000 layers took half a minute). Counted in lines of Python run, not in time."""

    def lines_run(net: gn.Network) -> int:
        count = 0

        def tracer(frame: object, event: str, arg: object) -> object:
            nonlocal count
            count += event == "line"
            return tracer

        sys.settrace(tracer)
        try:
            net.W[1], net.b[-1], net.W[net.L]  # the access is the work
        finally:
            sys.settrace(None)
        return count

    small, large = (gn.Network.from_sizes([1] * (L + 1), seed=0) for L in (3, 3000))
    assert lines_run(large) == lines_run(small)


def test_forward_is_sigma_of_W_a_plus_b_per_row(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes([3, 4, 2], activation="tanh", seed=1, dtype="float64")
    X = rng.normal(size=(5, 3))
    for i in range(5):  # the tutorial's column-vector form, one sample at a time
        a = X[i]
        for l in range(1, net.L + 1):
            a = np.tanh(net.W[l] @ a + net.b[l])  # a^(l) = σ(W a^(l−1) + b)
        np.testing.assert_allclose(net.forward(X)[i], a, rtol=1e-14)
        np.testing.assert_allclose(net.forward(X[i]), a, rtol=1e-14)  # one sample as 1-D


def assert_printed(actual: object, printed: object) -> None:
    """``actual`` rounded to 6 significant digits is exactly the number printed."""
    rounded = [float(f"{v:.6g}") for v in np.ravel(actual)]
    assert rounded == np.ravel(printed).tolist(), f"{np.ravel(actual)} is not {printed}"


def test_hand_worked_2_2_1_sigmoid_quadratic_step() -> None:
    """One forward pass, backward pass and SGD step of a 2-2-1 network, worked by hand.

    x = (1, 0.5), y = 1, η = 0.5, sigmoid everywhere, C = ½(y − a^(2))².
    W^(1) = [[0.1, 0.2], [0.3, 0.4]], b^(1) = (0.1, −0.1), W^(2) = [[0.5, −0.6]], b^(2) = 0.2.

    Forward:
      z^(1)_0 = 0.1·1 + 0.2·0.5 + 0.1 = 0.3         a^(1)_0 = σ(0.3) = 0.574443
      z^(1)_1 = 0.3·1 + 0.4·0.5 − 0.1 = 0.4         a^(1)_1 = σ(0.4) = 0.598688
      z^(2) = 0.5·0.574443 − 0.6·0.598688 + 0.2 = 0.128009     a^(2) = σ(0.128009) = 0.531959
      C = ½(1 − 0.531959)² = 0.109531
    Backward:
      ∂C/∂a^(2) = a − y = −0.468041     σ'(z^(2)) = a(1 − a) = 0.248979
      δ^(2) = −0.468041 · 0.248979 = −0.116532
      ∂C/∂W^(2) = δ^(2) a^(1) = (−0.0669411, −0.0697665)     ∂C/∂b^(2) = −0.116532
      ∂C/∂a^(1) = δ^(2) W^(2) = (−0.0582662, 0.0699194)
      σ'(z^(1)) = (0.244458, 0.240261)
      δ^(1) = (−0.0582662 · 0.244458, 0.0699194 · 0.240261) = (−0.0142436, 0.0167989)
      ∂C/∂W^(1) = δ^(1) ⊗ x = [[−0.0142436, −0.00712182], [0.0167989, 0.00839944]]
    SGD step, w ← w − 0.5 · ∂C/∂w:
      W^(1) = [[0.107122, 0.203561], [0.291601, 0.395800]]   b^(1) = (0.107122, −0.108399)
      W^(2) = [[0.533471, −0.565117]]                         b^(2) = 0.258266
    """
    net = gn.Network([gn.Dense(2, 2), gn.Dense(2, 1)], cost="quadratic", dtype="float64", seed=0)
    net.W[1] = [[0.1, 0.2], [0.3, 0.4]]
    net.b[1] = [0.1, -0.1]
    net.W[2] = [[0.5, -0.6]]
    net.b[2] = [0.2]
    x, y = np.array([[1.0, 0.5]]), np.array([[1.0]])

    t = net.trace(x, y)
    assert_printed(t.z[1], [[0.3, 0.4]])
    assert_printed(t.a[1], [[0.574443, 0.598688]])
    assert_printed(t.z[2], [[0.128009]])
    assert_printed(t.a[2], [[0.531959]])
    assert_printed(t.cost, 0.109531)
    assert_printed(t.dC_da[2], [[-0.468041]])
    assert_printed(t.delta[2], [[-0.116532]])
    assert_printed(t.dW[2], [[-0.0669411, -0.0697665]])
    assert_printed(t.db[2], [-0.116532])
    assert_printed(t.dC_da[1], [[-0.0582662, 0.0699194]])
    assert_printed(t.delta[1], [[-0.0142436, 0.0167989]])
    assert_printed(t.dW[1], [[-0.0142436, -0.00712182], [0.0167989, 0.00839944]])

    net.fit(x, y, epochs=1, batch_size=1, optimizer=gn.SGD(lr=0.5), verbose=0)
    assert_printed(net.W[1], [[0.107122, 0.203561], [0.291601, 0.395800]])
    assert_printed(net.b[1], [0.107122, -0.108399])
    assert_printed(net.W[2], [[0.533471, -0.565117]])
    assert_printed(net.b[2], [0.258266])


def test_gradient_is_the_average_of_per_sample_outer_products(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes(
        [3, 5, 4, 2],
        activation="relu",
        output_activation="softmax",
        cost="cross_entropy",
        seed=3,
        dtype="float64",
    )
    X, Y = rng.normal(size=(7, 3)), rng.integers(0, 2, size=7)
    t, g = net.trace(X, Y), net.gradients(X, Y)
    for l in range(1, net.L + 1):
        per_sample = [np.outer(t.delta[l][i], t.a[l - 1][i]) for i in range(7)]
        np.testing.assert_allclose(g.W[l], np.mean(per_sample, axis=0), rtol=1e-12)
        np.testing.assert_allclose(g.b[l], t.delta[l].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(t.dW[l], g.W[l], rtol=1e-12)
        if l > 1:  # δ^(l−1) = (δ^(l) W^(l)) ⊙ σ'(z^(l−1)): δ^(l) reused
            relu_prime = (t.z[l - 1] > 0).astype(float)
            np.testing.assert_allclose(t.dC_da[l - 1], t.delta[l] @ net.W[l], rtol=1e-12)
            np.testing.assert_allclose(t.delta[l - 1], t.dC_da[l - 1] * relu_prime, rtol=1e-12)
    assert t.cost == pytest.approx(net.cost(X, Y)) == pytest.approx(t.costs.mean())
    np.testing.assert_array_equal(t.a[0], X)
    np.testing.assert_allclose(t.a[net.L], net.forward(X))


def test_each_sample_delta_is_its_own_cost_gradient(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=5, dtype="float64")
    X, Y = rng.normal(size=(4, 2)), rng.random((4, 1))
    t = net.trace(X, Y)
    for i in range(4):  # δ^(l)_i = ∂C_i/∂z^(l): the trace of sample i alone
        alone = net.trace(X[i : i + 1], Y[i : i + 1])
        for l in (1, 2):
            np.testing.assert_allclose(t.delta[l][i], alone.delta[l][0], rtol=1e-12)


def test_gradient_vector_order_and_inverse(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes([3, 2, 2], seed=0, dtype="float64")
    X, Y = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    g, v = net.gradients(X, Y), net.gradient_vector(X, Y)
    names = net.parameter_names()
    assert len(v) == len(names) == net.n_params
    assert names[:4] == ["W[1][0,0]", "W[1][0,1]", "W[1][0,2]", "W[1][1,0]"]
    assert names[6:8] == ["b[1][0]", "b[1][1]"] and names[-1] == "b[2][1]"
    assert v[names.index("W[1][1,2]")] == g.W[1][1, 2]
    assert v[names.index("b[2][1]")] == g.b[2][1]
    back = net.unflatten(v)
    for l in (1, 2):
        np.testing.assert_array_equal(back.W[l], g.W[l])
        np.testing.assert_array_equal(back.b[l], g.b[l])
    theta = net.parameter_vector()
    net.set_parameter_vector(theta * 2)
    np.testing.assert_allclose(net.parameter_vector(), theta * 2)
    with pytest.raises(ValueError, match="length n_params = 14"):
        net.unflatten(np.zeros(3))


def test_same_seed_same_network_and_training_and_no_global_rng() -> None:
    X, Y = xor_data()
    state = np.random.get_state()[1].copy()  # type: ignore[index]  # noqa: NPY002
    runs = []
    for _ in range(2):
        net = gn.Network.from_sizes([2, 4, 1], seed=42)
        net.fit(X, Y, epochs=5, batch_size=2, optimizer=gn.SGD(lr=1.0), verbose=0)
        runs.append(net.parameter_vector())
    np.testing.assert_array_equal(runs[0], runs[1])
    other = gn.Network.from_sizes([2, 4, 1], seed=43).parameter_vector()
    assert not np.array_equal(runs[0][:8], other[:8])
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # type: ignore[index]  # noqa: NPY002


@pytest.mark.parametrize("init", ["small", "xavier", "he", None])
def test_init_schemes_and_zero_biases(init: str | None) -> None:
    net = gn.Network.from_sizes(
        [400, 300, 10], activation="relu", init=init, seed=0, dtype="float64"
    )
    W = net.W[1]
    expected_std = {
        "small": 0.1,
        "xavier": np.sqrt(6 / 700) / np.sqrt(3),  # uniform(−r, r) has std r/√3
        "he": np.sqrt(2 / 400),
        None: np.sqrt(2 / 400),  # relu defaults to he
    }[init]
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(W.mean()) < 0.01 * expected_std * 10
    assert not net.b[1].any()
    assert gn.Dense(3, 2, activation="sigmoid").init == "xavier"


def test_dtype_default_float32_and_float64_option() -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    assert net.dtype == np.float32 and net.W[1].dtype == np.float32
    assert net.forward(np.ones((2, 2))).dtype == np.float32
    net64 = net.astype("float64")
    assert net64.W[1].dtype == np.float64 and net.W[1].dtype == np.float32
    np.testing.assert_allclose(net64.W[1], net.W[1])
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        gn.Network.from_sizes([2, 1], dtype="int8")


def test_bad_input_gets_a_clear_value_error() -> None:
    net = gn.Network.from_sizes([3, 4, 2], seed=0)
    good_X, good_Y = np.zeros((5, 3)), np.array([0, 1, 0, 1, 1])
    cases = [
        (lambda: net.forward(np.zeros((5, 4))), "4 features.*n_0 = 3"),
        (lambda: net.gradients(np.zeros(3), np.array([1])), r"2-D array.*reshape\(1, -1\)"),
        (lambda: net.cost(np.full((5, 3), np.nan), good_Y), "NaN or infinite.*row 0"),
        (lambda: net.cost(good_X, np.array([0, 1, 0, 1, np.inf])), "NaN or infinite"),
        (lambda: net.cost(good_X, np.array([0, 1, 2, 1, 1])), "labels from 0 to 2.*classes 0..1"),
        (lambda: net.cost(good_X, np.array([0, 1, -1, 1, 1])), "labels from -1"),
        (lambda: net.cost(good_X, np.array([0, 1, 0])), "5 rows but Y has 3"),
        (lambda: net.cost(good_X, np.zeros((5, 3))), "3 columns.*n_L = 2"),
        (lambda: net.cost(good_X, np.array([0.5, 1, 0, 1, 1])), "not integer class labels"),
        (lambda: net.forward(np.array([["a", "b", "c"]])), "must hold numbers"),
        (lambda: net.fit(good_X, good_Y, optimizer=gn.SGD(lr=0.1), batch_size=0), "batch_size"),
        (lambda: net.fit(good_X, good_Y, epochs=-1), "epochs must be a positive integer"),
        (lambda: gn.SGD(lr=0), "Invalid learning rate: 0"),
        (lambda: gn.SGD(lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda: gn.Network.from_sizes([3, 0, 2]), r"sizes\[1\] must be a positive integer"),
        (lambda: gn.Network.from_sizes([3]), "at least an input and an output"),
        (lambda: gn.Network([gn.Dense(2, 3), gn.Dense(4, 1)]), "layer 2 takes n_in = 4.*n_out = 3"),
        (lambda: gn.Network.from_sizes([2, 1], activation="sigmod"), "unknown activation"),
        (lambda: gn.Network.from_sizes([2, 1], init="glorot"), "unknown init 'glorot'"),
        (lambda: gn.Network.from_sizes([2, 1], seed=-1), "seed must be"),
        (lambda: gn.Network.from_sizes([2, 1], output_activation="softmax"), "always outputs 1"),
        (
            lambda: net.fit(good_X, good_Y, optimizer="sgd"),
            "optimizer must be a glassnet Optimizer",
        ),
        (lambda: net.fit(good_X, good_Y, validation_data=(good_X,)), "pair"),
        (lambda: net.fit(good_X, good_Y, validation_data=(np.zeros((2, 2)), [0, 1])), "2 features"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_labels_one_hot_and_binary_targets_agree(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes(
        [2, 3], output_activation="softmax", cost="cross_entropy", seed=0, dtype="float64"
    )
    X, labels = rng.normal(size=(6, 2)), np.array([0, 2, 1, 2, 0, 1])
    onehot = np.eye(3)[labels]
    assert net.cost(X, labels) == net.cost(X, onehot)
    assert net.evaluate(X, labels) == net.evaluate(X, onehot)
    assert set(net.evaluate(X, labels)) == {"loss", "accuracy"}
    regression = gn.Network.from_sizes([2, 1], activation="identity", seed=0)
    assert set(regression.evaluate(X, rng.normal(size=6))) == {"loss"}
    binary = gn.Network.from_sizes([2, 1], seed=0)
    scores = binary.evaluate(X, np.array([0, 1, 1, 0, 1, 0]))
    expected = np.mean((binary.forward(X)[:, 0] >= 0.5) == np.array([0, 1, 1, 0, 1, 0]))
    assert scores["accuracy"] == pytest.approx(expected)


def test_reprs_and_summary_say_what_things_are() -> None:
    net = gn.Network.from_sizes([784, 30, 10], seed=0)
    assert repr(net) == (
        "Network([784, 30, 10], activations=[sigmoid, sigmoid], cost=quadratic, dtype=float32)"
    )
    summary = net.summary()
    assert "(30, 784)" in summary and "23,550" in summary and "23,860" in summary
    X, Y = np.zeros((2, 784)), np.array([1, 2])
    t = net.trace(X, Y)
    assert repr(t).startswith("Trace(m=2, L=2, cost=")
    text = gn.render.trace_text(t)
    assert "z^(1) = a^(0) W^(1)ᵀ + b^(1)" in text and "δ^(2) = ∂C/∂z^(2)" in text
    assert "‖∂C/∂W‖" in repr(net.gradients(X, Y))


def _column_major(net: gn.Network) -> bool:
    return all(W.flags.f_contiguous for W in net.W)


def test_weights_are_stored_column_by_column_however_the_network_is_made(tmp_path: Path) -> None:
    """W is kept in Fortran order (glassnet.layers says why); every route keeps it so."""
    net = gn.Network.from_sizes([5, 4, 3], activation="relu", dtype="float64", seed=0)
    assert _column_major(net)
    assert _column_major(net.astype("float32")) and _column_major(net.copy())
    X = np.random.default_rng(0).normal(size=(8, 5))
    y = np.arange(8) % 3
    W1 = net.W[1]
    net.fit(X, y, epochs=2, batch_size=4, optimizer=gn.Adam(lr=0.01), verbose=0)
    assert net.W[1] is W1 and _column_major(net)  # the optimizers update in place
    net.W[1] = np.ones((4, 5))  # assignment copies into the stored array
    assert net.W[1] is W1 and _column_major(net)
    gn.save(net, tmp_path / "m.safetensors")
    assert _column_major(gn.load(tmp_path / "m.safetensors"))
    grads = net.gradients(X, y)
    assert all(g.flags.f_contiguous for g in grads.W)  # ∂C/∂W laid out as W
    # the layout changes nothing but speed: the same numbers as row-major weights
    z_row_major = X @ np.ascontiguousarray(net.W[1]).T + net.b[1]
    np.testing.assert_allclose(net.trace(X, y).z[1], z_row_major, rtol=1e-13)


# -- Network.fit is training.fit as a method: one signature, one documentation --------------------


def test_network_fit_is_training_fit_with_the_network_as_self() -> None:
    import inspect
    import pydoc

    from glassnet import training

    assert gn.Network.fit is training.fit  # one function: nothing to keep in step
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    bound = list(inspect.signature(net.fit).parameters)
    assert bound[:2] == ["X", "Y"] and "net" not in bound and "sample_weight" in bound
    shown = pydoc.render_doc(net.fit, renderer=pydoc.plaintext)  # what help(net.fit) prints
    assert "net.fit(X, Y, …)" in shown and "sample_weight: one weight" in shown


def test_network_fit_carries_on_a_history() -> None:
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    h = net.fit(X, Y, epochs=2, verbose=0)
    assert net.fit(X, Y, epochs=5, initial_epoch=2, history=h, verbose=0) is h
    assert h.epochs == 5


def test_text_class_labels_are_refused_with_the_way_to_number_them() -> None:
    net = gn.Network.from_sizes([2, 3], output_activation="softmax", cost="cross_entropy", seed=0)
    X = np.zeros((3, 2))
    for labels in (
        np.array(["cat", "dog", "cow"]),
        ["cat", "dog", "cow"],
        np.array([1, "a"], object),
    ):
        with pytest.raises(ValueError) as caught:
            net.fit(X[: len(labels)], labels, verbose=0)
        message = str(caught.value)
        assert message.startswith("Y must hold numbers, got an array of dtype")
        assert "np.unique(Y, return_inverse=True)" in message and "GlassnetClassifier" in message
    # the way it names works: numbered labels train
    classes, numbered = np.unique(np.array(["cat", "dog", "cow"]), return_inverse=True)
    assert list(classes) == ["cat", "cow", "dog"]
    assert net.fit(X, numbered, epochs=1, verbose=0).epochs == 1
    # inputs that are text get no word about labels
    with pytest.raises(ValueError, match="X must hold numbers") as caught:
        net.forward(np.array([["a", "b"]]))
    assert "np.unique" not in str(caught.value)


@pytest.mark.parametrize("name", ["save", "diagnose", "explain_weight", "backprop_ledger"])
def test_a_method_that_moved_says_where(name: str) -> None:
    """The core does not reach up to the optional parts: they take the network instead."""
    net = gn.Network.from_sizes([2, 1], seed=0)
    with pytest.raises(AttributeError, match=rf"Network has no method '{name}'.*gn\.{name}\(net"):
        getattr(net, name)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        net.nothing  # noqa: B018
    assert net.copy().sizes == [2, 1]  # copying looks up optional hooks: still fine
