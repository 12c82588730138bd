"""Networks of shaped layers (images through pooling, BatchNorm, Flatten, Reshape) as whole
networks: model files, checkpoints, the summary, one-sample prediction and the trace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import AvgPool2D, BatchNorm, Flatten, MaxPool2D, Reshape


def image_net(seed: int = 0, flat: bool = False) -> gn.Network:
    """2-channel 6×5 images → BatchNorm → max pooling → BatchNorm → Flatten → Dense → softmax."""
    layers = [
        BatchNorm(2, activation="tanh"),
        MaxPool2D(2, stride=1),
        AvgPool2D((2, 1)),
        Flatten(),
        gn.Dense(2 * 2 * 4, 5, activation="relu"),
        BatchNorm(5),
        gn.Dense(5, 3, activation="softmax"),
    ]
    if flat:
        return gn.Network([Reshape((2, 6, 5)), *layers], cost="cross_entropy", seed=seed)
    return gn.Network(layers, cost="cross_entropy", seed=seed, input_shape=(2, 6, 5))


def data(flat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2, 6, 5))
    y = (X[:, 0].mean(axis=(1, 2)) > X[:, 1].mean(axis=(1, 2))).astype(int) + (X[:, 0, 0, 0] > 1)
    return (X.reshape(30, -1) if flat else X), y


def test_shapes_summary_and_one_sample() -> None:
    net = image_net()
    assert net.input_shape == (2, 6, 5) and net.sizes == [60, 60, 40, 16, 16, 5, 5, 3]
    assert net.shapes[1:4] == [(2, 6, 5), (2, 5, 4), (2, 2, 4)]
    summary = net.summary()
    for row in [
        "0 (input)    2×6×5",
        "1 BatchNorm  2×6×5",
        "3 AvgPool2D  2×2×4",
        "4 Flatten    16",
    ]:
        assert row in summary, (row, summary)
    X, y = data()
    batch = net.forward(X[:4])
    np.testing.assert_allclose(net.forward(X[2]), batch[2], rtol=1e-6)  # one sample, its shape
    t = net.trace(X[:4], y[:4])
    assert [t.a[l].shape for l in range(net.L + 1)][:5] == [
        (4, 2, 6, 5), (4, 2, 6, 5), (4, 2, 5, 4), (4, 2, 2, 4), (4, 16)
    ]  # fmt: skip
    assert t.delta[2].shape == (4, 2, 5, 4) and t.grads[3] == {} and t.dW[3].size == 0
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2, 6, 5\).*gn\.Reshape"):
        net.forward(X.reshape(30, -1))


@pytest.mark.parametrize("flat", [False, True])
def test_a_model_file_keeps_the_input_shape_and_the_running_statistics(
    flat: bool, tmp_path: Path
) -> None:
    net = image_net(flat=flat)
    X, y = data(flat)
    net.fit(X, y, epochs=3, batch_size=10, optimizer=gn.Adam(lr=0.01), verbose=0)
    assert not np.allclose(net.layers[-2].running_mean, 0)  # fit moved them
    gn.save(net, tmp_path / "cnn.safetensors")
    again = gn.load(tmp_path / "cnn.safetensors")
    assert again.input_shape == net.input_shape and again.summary() == net.summary()
    for mine, theirs in zip(again.layers, net.layers, strict=True):
        for name, arr in {**theirs.parameters(), **theirs.buffers()}.items():
            np.testing.assert_array_equal(getattr(mine, name), arr, err_msg=name)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_a_checkpoint_of_an_image_network_resumes_exactly(tmp_path: Path) -> None:
    """Pooling and Flatten have no parameters: the optimizer's buffers skip their layer
    numbers, and the running statistics come back with the weights."""
    X, y = data()
    path = tmp_path / "run.ckpt.safetensors"
    whole = image_net()
    whole.fit(X, y, epochs=4, batch_size=8, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0)
    first = image_net()
    first.fit(X, y, epochs=2, batch_size=8, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0,
              callbacks=[gn.Checkpoint(path)])  # fmt: skip
    state = gn.load_checkpoint(path)
    assert "exp_avg.W[5]" in state.optimizer.state_dict()
    assert not any(key.endswith(("[2]", "[3]", "[4]")) for key in state.optimizer.state_dict())
    state.resume(X, y, epochs=4, verbose=0)
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())
    for mine, theirs in zip(state.net.layers, whole.layers, strict=True):
        for name, arr in theirs.buffers().items():
            np.testing.assert_array_equal(getattr(mine, name), arr, err_msg=name)


def test_the_training_monitor_watches_the_layers_with_weights() -> None:
    X, y = data()
    net = image_net()
    monitor = gn.TrainingMonitor(data=(X, y))
    net.fit(X, y, epochs=2, batch_size=10, optimizer=gn.Adam(lr=0.01), verbose=0,
            callbacks=[monitor])  # fmt: skip
    assert monitor.layers == [5, 7]  # the Dense layers; pooling, Flatten, BatchNorm have no W
    assert np.array(monitor.weight_norms).shape == (3, 2)
    last = [float(np.linalg.norm(net.W[l])) for l in (5, 7)]
    np.testing.assert_allclose(monitor.weight_norms[-1], last, rtol=1e-6)
    assert len(monitor.gradient_norms[-1]) == 2 and str(monitor.diagnose())


def test_pictures_of_neurons_refuse_other_layer_types_in_words() -> None:
    pytest.importorskip("matplotlib")
    from glassnet.plots import figure_for

    for kind in ("network", "backward", "weights"):
        with pytest.raises(ValueError, match=rf"the {kind} picture works with fully connected"):
            figure_for(kind, image_net())


def test_nothing_is_passed_back_below_the_lowest_layer_with_parameters() -> None:
    """A Reshape first (the command line's image networks): the Conv2D above it need not
    compute ∂C/∂a^(1), which nothing would use; a trace still records it."""
    net = gn.Network([Reshape((1, 4, 4)), gn.Conv2D(1, 2, 3), Flatten(), gn.Dense(8, 2)], seed=0)
    assert [c.pass_back for c in net.workspace(3)] == [False, False, True, True]
    assert all(c.pass_back for c in net.workspace(3, record=True))
    X, y = np.random.default_rng(0).normal(size=(3, 16)), np.array([0, 1, 1])
    t = net.trace(X, y)
    assert t.dC_da[0].shape == (3, 16)  # recorded: the saliency of every pixel
    np.testing.assert_array_equal(net.gradients(X, y).vector(), t.gradients.vector())


def test_weights_and_their_gradients_by_layer_print_and_name_the_layers_without() -> None:
    """``net.W`` and ``g.W`` of a network with pooling and Flatten layers: they print (None for
    a layer without W), index the layers that have W, and name the layer that has none."""
    net = image_net(flat=True)  # layers 6 and 8 are Dense
    X = np.random.default_rng(0).random((4, 60))
    g = net.gradients(X, np.array([0, 1, 2, 0]))
    assert "1: None" in repr(net.W) and "6: array(5, 16)" in repr(net.W)
    assert "6: array(5, 16)" in repr(g.W) and "3: None" in repr(g.W)
    assert g.W[6].shape == net.W[6].shape == (5, 16) and g.b[8].shape == (3,)
    assert [w is None for w in net.W] == [l not in (6, 8) for l in range(1, 9)]
    np.testing.assert_array_equal(g.W[8], g[8]["W"])
    with pytest.raises(AttributeError, match=r"layer 3 \(MaxPool2D\) has no parameter named 'W'"):
        net.W[3]
    with pytest.raises(AttributeError, match="layer 4 has no parameter named 'W'"):
        g.W[4]
    with pytest.raises(AttributeError, match="no layer has a parameter named 'kernel'"):
        g.named("kernel")
