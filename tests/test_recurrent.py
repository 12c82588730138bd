"""RNN (glassnet.layers.recurrent): parity with PyTorch's torch.nn.RNN(batch_first=True) in
float64 for tanh and relu, both return_sequences modes and sequence lengths 1 to 7, finite
differences, sample weights, the glass box, training on a small sequence task, files,
checkpoints and bad arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import LAYERS, Cache, Flatten
from glassnet.layers.recurrent import RNN


def _rnn_net(
    T: int, n_in: int, H: int, act: str, sequences: bool, seed: int = 0, dtype: str = "float64"
) -> gn.Network:
    """RNN → (Flatten →) Dense softmax over 3 classes, the biases moved away from 0."""
    rnn = RNN(n_in, H, activation=act, return_sequences=sequences)
    head = [Flatten(), gn.Dense(T * H, 3, activation="softmax")] if sequences else []
    layers = [rnn, *(head or [gn.Dense(H, 3, activation="softmax")])]
    net = gn.Network(layers, cost="cross_entropy", seed=seed, dtype=dtype, input_shape=(T, n_in))
    net.layers[0].b[...] = np.random.default_rng(seed + 7).normal(0, 0.3, H)
    return net


def _data(net: gn.Network, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, *net.input_shape)), np.eye(3)[rng.integers(0, 3, m)]


def _torch_run(net: gn.Network, X: Any, Y: Any, weights: Any = None) -> Any:
    """The same network in PyTorch: torch.nn.RNN (bias_ih = b, bias_hh = 0), then the head;
    the output, every parameter's gradient and ∂C/∂X for the (weighted) mean cross-entropy."""
    torch = pytest.importorskip("torch")
    rnn, *head = net.layers
    assert isinstance(rnn, RNN)
    module = torch.nn.RNN(rnn.n_in, rnn.n_hidden, nonlinearity=rnn.cell_activation.name,
                          batch_first=True, dtype=torch.float64)  # fmt: skip
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(rnn.W_ih))
        module.weight_hh_l0.copy_(torch.tensor(rnn.W_hh))
        module.bias_ih_l0.copy_(torch.tensor(rnn.b))
        module.bias_hh_l0.zero_()
    x = torch.tensor(X, requires_grad=True)
    out, h_n = module(x)
    a = out.flatten(1) if rnn.return_sequences else h_n[0]
    dense = head[-1]
    W = torch.tensor(dense.W, requires_grad=True)
    b = torch.tensor(dense.b, requires_grad=True)
    logits = a @ W.T + b
    per_sample = torch.nn.functional.cross_entropy(logits, torch.tensor(Y), reduction="none")
    if weights is None:
        loss = per_sample.mean()
    else:
        w = torch.tensor(weights)
        loss = (w * per_sample).sum() / w.sum()
    loss.backward()
    ih, hh = module.bias_ih_l0.grad.numpy(), module.bias_hh_l0.grad.numpy()
    np.testing.assert_allclose(ih, hh, rtol=1e-12, atol=1e-16)  # b = bias_ih + bias_hh
    grads = {
        "W_ih": module.weight_ih_l0.grad.numpy(),
        "W_hh": module.weight_hh_l0.grad.numpy(),
        "b": module.bias_ih_l0.grad.numpy(),
    }
    head_grads = {"W": W.grad.numpy(), "b": b.grad.numpy()}
    return torch.softmax(logits, dim=1).detach().numpy(), grads, head_grads, x.grad.numpy()


def _assert_parity(net: gn.Network, X: Any, Y: Any, weights: Any = None) -> None:
    out, grads, head_grads, dx = _torch_run(net, X, Y, weights)
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-10, atol=1e-14)
    _, _, g = net.cost_and_gradients(X, Y, sample_weight=weights)
    for name, expected in grads.items():
        np.testing.assert_allclose(g[1][name], expected, rtol=1e-10, atol=1e-15, err_msg=name)
    for name, expected in head_grads.items():
        np.testing.assert_allclose(g[net.L][name], expected, rtol=1e-10, atol=1e-15)
    if weights is None:  # ∂C/∂X = (1/m) ∂C_i/∂x_i
        dC_da0 = net.trace(X, Y).dC_da[0]
        assert dC_da0.shape == X.shape
        np.testing.assert_allclose(dC_da0 / len(X), dx, rtol=1e-10, atol=1e-15)


# (T, n_in, n_hidden, m): sequence lengths 1 to 7, odd sizes
SIZES = [(1, 2, 3, 4), (2, 1, 5, 3), (3, 4, 2, 6), (5, 3, 4, 5), (7, 2, 6, 4)]


@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("T, n_in, H, m", SIZES)
def test_gradients_equal_pytorch(
    T: int, n_in: int, H: int, m: int, act: str, sequences: bool
) -> None:
    net = _rnn_net(T, n_in, H, act, sequences, seed=T + H)
    _assert_parity(net, *_data(net, m, seed=T * 10 + n_in))


def test_random_sizes_equal_pytorch() -> None:
    rng = np.random.default_rng(42)
    for trial in range(6):
        T, n_in, H, m = (int(n) for n in rng.integers(1, 8, size=4))
        act, sequences = ("tanh", "relu")[trial % 2], bool(trial // 2 % 2)
        net = _rnn_net(T, n_in, H, act, sequences, seed=trial)
        _assert_parity(net, *_data(net, m, seed=100 + trial))


@pytest.mark.parametrize("sequences", [False, True])
def test_sample_weights_give_pytorchs_weighted_loss(sequences: bool) -> None:
    net = _rnn_net(4, 3, 5, "tanh", sequences, seed=5)
    X, Y = _data(net, 6, seed=6)
    _assert_parity(net, X, Y, weights=np.array([1.0, 0.0, 2.5, 0.5, 1.0, 3.0]))


def test_float32_forward_equals_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rnn = RNN(3, 5, return_sequences=True)
    rnn.connect((6, 3))
    rnn.build(np.random.default_rng(8), np.float32)
    rnn.b[...] = np.random.default_rng(3).normal(0, 0.3, 5)
    x = np.random.default_rng(9).normal(size=(16, 6, 3)).astype(np.float32)
    module = torch.nn.RNN(3, 5, batch_first=True)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(rnn.W_ih))
        module.weight_hh_l0.copy_(torch.tensor(rnn.W_hh))
        module.bias_ih_l0.copy_(torch.tensor(rnn.b))
        module.bias_hh_l0.zero_()
        expected = module(torch.tensor(x))[0].numpy()
    a = rnn.forward(x, Cache(rnn, 16, np.float32))
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rnn.forward(x), expected, rtol=1e-5, atol=1e-6)  # prediction


# -- the recurrence by hand, finite differences, the glass box -----------------------------------


def test_one_unit_by_hand() -> None:
    """σ the identity, one neuron: h_1 = 2·1 = 2, h_2 = 2·3 + 0.5·2 = 7; C = ½(h_2 − 5)² with
    δ = h_2 − 5 = 2 at h_2: ∂C/∂u_2 = 2, ∂C/∂h_1 = 2·0.5 = 1 = ∂C/∂u_1, so
    ∂C/∂W_ih = 2·3 + 1·1 = 7, ∂C/∂W_hh = 2·h_1 = 4, ∂C/∂b = 2 + 1 = 3,
    ∂C/∂x_1 = 1·2 = 2, ∂C/∂x_2 = 2·2 = 4."""
    rnn = RNN(1, 1, activation="identity")
    rnn.connect((2, 1))
    rnn.W_ih, rnn.W_hh, rnn.b = np.array([[2.0]]), np.array([[0.5]]), np.array([0.0])
    cache = Cache(rnn, 1, np.float64)
    x = np.array([[[1.0], [3.0]]])
    assert rnn.forward(x, cache).tolist() == [[7.0]]
    dx = rnn.backward(np.array([[2.0]]), cache, 1.0)
    assert cache.grads["W_ih"].tolist() == [[7.0]] and cache.grads["W_hh"].tolist() == [[4.0]]
    assert cache.grads["b"].tolist() == [3.0]
    assert dx is not None and dx.tolist() == [[[2.0], [4.0]]]


@pytest.mark.parametrize("act, sequences", [("tanh", False), ("relu", True), ("sigmoid", True)])
def test_gradient_check(act: str, sequences: bool) -> None:
    net = _rnn_net(4, 2, 3, act, sequences, seed=10)
    net.l2 = 0.01
    check = gn.gradient_check(net, *_data(net, 3, seed=11))
    assert check.passed and check.max_rel_error < 1e-6, check


@pytest.mark.parametrize("sequences", [False, True])
def test_explain_parameter_is_its_gradient(sequences: bool) -> None:
    net = _rnn_net(3, 2, 3, "tanh", sequences, seed=12)
    X, Y = _data(net, 4, seed=13)
    g = net.gradients(X, Y)
    for name, index in [("W_ih", (2, 1)), ("W_hh", (0, 2)), ("W_hh", (1, 1)), ("b", (2,))]:
        e = gn.explain_parameter(net, X, Y, 1, name, index)
        assert e.value == pytest.approx(g[1][name][index], rel=1e-10)
        assert e.n_paths == 3  # one per time step (tests/test_explain_recurrent.py)


# -- a sequence task, files, checkpoints --------------------------------------------------------


def parity_data(m: int = 64, T: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bit strings of length T (one number per step, ±1) and their parity (0 or 1)."""
    bits = np.random.default_rng(seed).integers(0, 2, size=(m, T))
    return (2.0 * bits - 1.0)[:, :, None], bits.sum(axis=1) % 2


def parity_net(seed: int = 0) -> gn.Network:
    return gn.Network([RNN(1, 8), gn.Dense(8, 2, activation="softmax")], cost="cross_entropy",
                      seed=seed, input_shape=(3, 1))  # fmt: skip


def test_fit_learns_the_parity_of_short_bit_strings() -> None:
    X, y = parity_data()
    net = parity_net()
    before = net.cost(X, y)
    h = net.fit(X, y, epochs=60, batch_size=16, optimizer=gn.Adam(lr=0.02), verbose=0, seed=0)
    assert h.loss[-1] < h.loss[0] and net.cost(X, y) < 0.5 * before
    assert net.layers[0].W_hh.dtype == np.float32


@pytest.mark.parametrize("sequences", [False, True])
def test_a_model_file_gives_back_the_same_network(sequences: bool, tmp_path: Path) -> None:
    net = _rnn_net(4, 2, 3, "relu", sequences, seed=1, dtype="float32")
    X, _ = _data(net, 10, seed=2)
    gn.save(net, tmp_path / "rnn.safetensors")
    again = gn.load(tmp_path / "rnn.safetensors")
    assert again.input_shape == (4, 2) and repr(again.layers[0]) == repr(net.layers[0])
    for name in ("W_ih", "W_hh", "b"):
        np.testing.assert_array_equal(getattr(again.layers[0], name), getattr(net.layers[0], name))
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_a_checkpoint_resumes_exactly(tmp_path: Path) -> None:
    X, y = parity_data(32)
    path = tmp_path / "run.ckpt.safetensors"
    whole = parity_net()
    whole.fit(X, y, epochs=4, batch_size=8, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0)
    first = parity_net()
    first.fit(X, y, epochs=2, batch_size=8, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0,
              callbacks=[gn.Checkpoint(path)])  # fmt: skip
    state = gn.load_checkpoint(path)
    assert "exp_avg.W_hh[1]" in state.optimizer.state_dict()
    state.resume(X, y, epochs=4, verbose=0)
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())


# -- construction and bad arguments ----------------------------------------------------------------


def test_shapes_repr_init_and_config() -> None:
    rnn = RNN(3, 8)
    assert repr(rnn) == "RNN(3, 8, activation=tanh)" and rnn.activation.name == "identity"
    assert repr(RNN(2, 4, "relu", return_sequences=True)) == (
        "RNN(2, 4, activation=relu, return_sequences=True)"
    )
    rnn.connect((5, 3))
    assert rnn.output_shape == (8,) and rnn.input_shape == (5, 3)
    assert rnn.parameter_shapes() == {"W_ih": (8, 3), "W_hh": (8, 8), "b": (8,)}
    rnn.build(np.random.default_rng(0), np.float64)
    assert rnn.init == "xavier" and not rnn.b.any() and RNN(2, 3, "relu").init == "he"
    assert np.abs(rnn.W_hh).max() <= np.sqrt(6 / 16)  # xavier on (8, 8)
    assert LAYERS["RNN"] is RNN and gn.layers.RNN is RNN
    for layer in (RNN(3, 8), RNN(2, 4, "leaky_relu", True, init="small")):
        config = layer.config()
        again = RNN.from_config(config)
        assert again.config() == config and repr(again) == repr(layer)
    assert RNN.from_config({"n_in": 1, "n_hidden": 2}).cell_activation.name == "tanh"


def test_bad_arguments_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="RNN n_in must be a positive integer, got 0"):
        RNN(0, 3)
    with pytest.raises(ValueError, match="RNN n_hidden must be a positive integer"):
        RNN(2, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"elementwise activation.*softmax"):
        RNN(2, 3, activation="softmax")
    with pytest.raises(ValueError, match="unknown activation 'nope'; choose one of"):
        RNN(2, 3, activation="nope")
    with pytest.raises(ValueError, match=r"return_sequences must be True \(every h_t\) or False"):
        RNN(2, 3, return_sequences="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown init 'nope'; choose one of"):
        RNN(2, 3, init="nope")
    with pytest.raises(ValueError, match="given as a dict needs its name"):
        RNN.from_config({"n_in": 1, "n_hidden": 2, "activation": {"slope": 1}})


def test_a_network_says_when_the_input_is_not_a_sequence() -> None:
    with pytest.raises(ValueError, match=r"layer 1 \(RNN\).*say which"):
        gn.Network([RNN(2, 3), gn.Dense(3, 1)])
    with pytest.raises(ValueError, match=r"shape \(6,\) from the network's input, but takes "
                       r"sequences of shape \(T, n_in\)"):  # fmt: skip
        gn.Network([RNN(2, 3), gn.Dense(3, 1)], input_shape=(6,))
    with pytest.raises(ValueError, match=r"takes 2 numbers per time step .*make n_in=4"):
        gn.Network([RNN(2, 3), gn.Dense(3, 1)], input_shape=(5, 4))
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\) .* put gn.Flatten\(\) before it"):
        gn.Network([RNN(2, 3, return_sequences=True), gn.Dense(3, 1)], input_shape=(5, 2))
    net = gn.Network([RNN(2, 3), gn.Dense(3, 1)], input_shape=(5, 2))
    with pytest.raises(ValueError, match=r"\(m, 5, 2\)"):
        net.forward(np.zeros((4, 10)))
    assert net.forward(np.zeros((5, 2))).shape == (1,)  # one sample
