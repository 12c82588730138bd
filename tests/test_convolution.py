"""Conv2D (glassnet.layers.convolution): a tiny convolution worked by hand, parity with
PyTorch's torch.nn.Conv2d in float64 for strides, paddings, odd images, several channels,
rectangular kernels and every elementwise activation, finite differences, sample weights, the
glass box, training, files and bad arguments."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS
from glassnet.layers import LAYERS, Cache, Flatten, Layer
from glassnet.layers.convolution import Conv2D


def _connected(layer: Conv2D, shape: tuple[int, ...]) -> Conv2D:
    layer.connect(shape)
    return layer


def _built(layer: Layer, seed: int = 0) -> Layer:
    layer.build(np.random.default_rng(seed), np.float64)
    return layer


# -- a 4×4 image, one 2×2 filter, stride 1, worked by hand ---------------------------------------

# The image a^(0) (one sample, one channel) and the filter w, bias b = 1:
#
#     a = [[1, 2, 0, 1],        w = [[1, -1],
#          [0, 1, 3, 2],             [2,  0]]
#          [2, 1, 0, 1],
#          [1, 0, 2, 3]]
#
# z_{y,x} = w00·a[y,x] + w01·a[y,x+1] + w10·a[y+1,x] + w11·a[y+1,x+1] + b
#         = a[y,x] − a[y,x+1] + 2·a[y+1,x] + 0 + 1, at the 3×3 positions (4 − 2 + 1 = 3):
#   (0,0): 1 − 2 + 2·0 + 1 = 0     (0,1): 2 − 0 + 2·1 + 1 = 5     (0,2): 0 − 1 + 2·3 + 1 = 6
#   (1,0): 0 − 1 + 2·2 + 1 = 4     (1,1): 1 − 3 + 2·1 + 1 = 1     (1,2): 3 − 2 + 2·0 + 1 = 2
#   (2,0): 2 − 1 + 2·1 + 1 = 4     (2,1): 1 − 0 + 2·0 + 1 = 2     (2,2): 0 − 1 + 2·2 + 1 = 4
IMAGE = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=float)
FILTER = np.array([[1, -1], [2, 0]], dtype=float)
Z = np.array([[0, 5, 6], [4, 1, 2], [4, 2, 4]], dtype=float)

# The cost C = ½ Σ_{y,x} (z_{y,x} − t_{y,x})² with σ the identity, so δ = ∂C/∂z = z − t. The
# targets t = z − δ are chosen to make δ simple:
#     t = [[-1, 5, 7],     δ = z − t = [[ 1, 0, -1],     C = ½ (1 + 1 + 4 + 1 + 1) = 4
#          [ 4,-1, 2],                  [ 0, 2,  0],
#          [ 5, 2, 3]]                  [-1, 0,  1]]
T = np.array([[-1, 5, 7], [4, -1, 2], [5, 2, 3]], dtype=float)
DELTA = np.array([[1, 0, -1], [0, 2, 0], [-1, 0, 1]], dtype=float)

# ∂C/∂w_pq = Σ over the 9 positions (y, x) of δ_{y,x} · a[y+p, x+q] (the pixel w_pq met there):
#   w00: 1·1 + 0·2 + (−1)·0 + 0·0 + 2·1 + 0·3 + (−1)·2 + 0·1 + 1·0 = 1 + 2 − 2     =  1
#   w01: 1·2 + 0·0 + (−1)·1 + 0·1 + 2·3 + 0·2 + (−1)·1 + 0·0 + 1·1 = 2 − 1 + 6 − 1 + 1 = 7
#   w10: 1·0 + 0·1 + (−1)·3 + 0·2 + 2·1 + 0·0 + (−1)·1 + 0·0 + 1·2 = −3 + 2 − 1 + 2  =  0
#   w11: 1·1 + 0·3 + (−1)·2 + 0·1 + 2·0 + 0·1 + (−1)·0 + 0·2 + 1·3 = 1 − 2 + 3      =  2
# (terms in the order (0,0), (0,1), (0,2), (1,0), …, (2,2)).
DW = np.array([[1, 7], [0, 2]], dtype=float)
# ∂C/∂b = Σ of δ over the 9 positions = 1 + 0 − 1 + 0 + 2 + 0 − 1 + 0 + 1 = 2
DB = 2.0
# ∂C/∂a[u,v] = Σ_{p,q} δ[u−p, v−q] · w_pq (only where (u−p, v−q) is one of the 3×3 positions)
#            = δ[u,v] − δ[u,v−1] + 2·δ[u−1,v] + 0·δ[u−1,v−1]: δ spread back through the filter
#   row 0: δ00 = 1;  δ01 − δ00 = −1;  δ02 − δ01 = −1;  −δ02 = 1
#   row 1: δ10 + 2δ00 = 2;  δ11 − δ10 + 2δ01 = 2;  δ12 − δ11 + 2δ02 = −4;  −δ12 = 0
#   row 2: δ20 + 2δ10 = −1;  δ21 − δ20 + 2δ11 = 5;  δ22 − δ21 + 2δ12 = 1;  −δ22 = −1
#   row 3: 2δ20 = −2;  2δ21 = 0;  2δ22 = 2;  0 (a[3,3] met only w11 = 0)
DA = np.array([[1, -1, -1, 1], [2, 2, -4, 0], [-1, 5, 1, -1], [-2, 0, 2, 0]], dtype=float)


def _hand_layer() -> Conv2D:
    conv = _connected(Conv2D(1, 1, kernel_size=2, activation="identity"), (1, 4, 4))
    conv.W, conv.b = FILTER.reshape(1, 1, 2, 2).copy(), np.array([1.0])
    return conv


def test_the_hand_worked_example() -> None:
    conv = _hand_layer()
    x = IMAGE.reshape(1, 1, 4, 4)
    cache = Cache(conv, 1, np.float64)
    a = conv.forward(x, cache)
    np.testing.assert_array_equal(a[0, 0], Z)
    np.testing.assert_array_equal(conv.forward(x)[0, 0], Z)  # prediction: the same numbers
    assert 0.5 * np.sum((a[0, 0] - T) ** 2) == 4.0
    dC_da = (a - T).copy()  # ∂C/∂a^(1) = a − t; σ is the identity, so this is δ
    dC_da_prev = conv.backward(dC_da, cache, 1.0)  # one sample: r_1 = 1
    np.testing.assert_array_equal(cache.delta[0, 0], DELTA)
    np.testing.assert_array_equal(cache.grads["W"][0, 0], DW)
    np.testing.assert_array_equal(cache.grads["b"], [DB])
    assert dC_da_prev is not None
    np.testing.assert_array_equal(dC_da_prev[0, 0], DA)


def test_the_hand_worked_example_in_a_network() -> None:
    """The same numbers through the network's loop: quadratic cost ½‖t − a‖², Flatten after."""
    net = gn.Network(
        [_hand_layer(), Flatten()], cost="quadratic", dtype="float64", input_shape=(1, 4, 4)
    )
    conv = net.layers[0]
    conv.W[...], conv.b[...] = FILTER, 1.0
    t = net.trace(IMAGE.reshape(1, 1, 4, 4), T.reshape(1, 9))
    assert t.cost == 4.0
    np.testing.assert_array_equal(t.z[1][0, 0], Z)
    np.testing.assert_array_equal(t.delta[1][0, 0], DELTA)
    np.testing.assert_array_equal(t.dW[1][0, 0], DW)
    np.testing.assert_array_equal(t.db[1], [DB])
    np.testing.assert_array_equal(t.dC_da[0][0, 0], DA)
    e = gn.explain_parameter(net, IMAGE.reshape(1, 1, 4, 4), T.reshape(1, 9), 1, "W", (0, 0, 0, 1))
    assert e.value == 7.0 and e.n_paths == 9  # one path per position the kernel was applied


def test_a_convolution_is_a_dense_layer_with_shared_weights() -> None:
    """z = W cols + b: the same numbers as a Dense layer on the patches, position by position."""
    conv = _built(_connected(Conv2D(2, 3, kernel_size=(2, 3), stride=(1, 2)), (2, 5, 6)))
    x = np.random.default_rng(1).normal(size=(4, 2, 5, 6))
    z = conv.weighted_input(x)
    assert isinstance(conv, Conv2D)
    dense = gn.Dense(2 * 2 * 3, 3)
    dense.W, dense.b = conv.W.reshape(3, -1), conv.b
    for y, x0 in itertools.product(range(z.shape[2]), range(z.shape[3])):
        patch = x[:, :, y : y + 2, 2 * x0 : 2 * x0 + 3].reshape(4, -1)
        np.testing.assert_allclose(z[:, :, y, x0], dense.weighted_input(patch), rtol=1e-13)


# -- against PyTorch -----------------------------------------------------------------------------

TORCH_SIGMA = {
    "identity": lambda F, z: z,
    "sigmoid": lambda F, z: F.sigmoid(z),
    "tanh": lambda F, z: F.tanh(z),
    "relu": lambda F, z: F.relu(z),
    "leaky_relu": lambda F, z: F.leaky_relu(z, 0.01),
    "elu": lambda F, z: F.elu(z),
    "selu": lambda F, z: F.selu(z),
    "softplus": lambda F, z: F.softplus(z, threshold=1000.0),
    "silu": lambda F, z: F.silu(z),
    "gelu": lambda F, z: F.gelu(z),
}
ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]

# (image (C, H, W), first conv (out, kernel, stride, padding), second conv (same))
SHAPES = [
    ((1, 6, 6), (2, 3, 1, 0), (3, 2, 1, 0)),
    ((1, 7, 5), (3, 3, 2, 1), (2, (2, 1), 1, 2)),
    ((3, 9, 8), (4, (3, 2), 3, 2), (2, 2, (1, 2), (0, 1))),
    ((2, 5, 7), (2, (1, 3), (2, 1), (2, 0)), (3, 3, 3, 1)),
    ((2, 4, 4), (3, 4, 1, 0), (2, 1, 1, 0)),  # the kernel covers the whole image
]


def _conv_net(shape: Any, c1: Any, c2: Any, act: str, seed: int = 0) -> gn.Network:
    (C, _, _), (o1, k1, s1, p1), (o2, k2, s2, p2) = shape, c1, c2
    layers = [
        Conv2D(C, o1, k1, s1, p1, activation=act, init="xavier"),
        Conv2D(o1, o2, k2, s2, p2, activation=act, init="xavier"),
        Flatten(),
    ]
    flat = shape
    for layer in layers:  # the shapes, to size the Dense layer
        layer.connect(flat)
        flat = layer.output_shape
    layers.append(gn.Dense(flat[0], 3, activation="softmax"))
    net = gn.Network(layers, cost="cross_entropy", seed=seed, dtype="float64", input_shape=shape)
    for layer in net.layers[:2]:  # biases away from 0, so that a wrong ∂C/∂b would show
        layer.b[...] = np.random.default_rng(seed + 7).normal(0, 0.3, layer.b.shape)
    return net


def _data(net: gn.Network, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, *net.input_shape))
    return X, np.eye(3)[rng.integers(0, 3, m)]


def _torch_run(net: gn.Network, X: Any, Y: Any, act: str, weights: Any = None) -> Any:
    """The same network in PyTorch (torch.nn.Conv2d for the convolutions); its output, the
    gradients of every parameter and of the input, for the (weighted) mean cross-entropy."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = torch.tensor(X, requires_grad=True)
    a, params = x, []
    for layer in net.layers:
        if isinstance(layer, Conv2D):
            conv = torch.nn.Conv2d(
                layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                layer.padding, dtype=torch.float64,
            )  # fmt: skip
            with torch.no_grad():
                conv.weight.copy_(torch.tensor(layer.W))
                conv.bias.copy_(torch.tensor(layer.b))
            a = TORCH_SIGMA[act](F, conv(a))
            params.append((conv.weight, conv.bias))
        elif isinstance(layer, Flatten):
            a = a.flatten(1)
        else:
            W = torch.tensor(layer.W, requires_grad=True)
            b = torch.tensor(layer.b, requires_grad=True)
            a = a @ W.T + b  # the logits; cross_entropy applies the softmax
            params.append((W, b))
    per_sample = F.cross_entropy(a, torch.tensor(Y), reduction="none")
    if weights is None:
        loss = per_sample.mean()
    else:
        w = torch.tensor(weights)
        loss = (w * per_sample).sum() / w.sum()
    loss.backward()
    grads = [(W.grad.numpy(), b.grad.numpy()) for W, b in params]
    return torch.softmax(a, dim=1).detach().numpy(), grads, x.grad.numpy()


def _assert_parity(net: gn.Network, X: Any, Y: Any, act: str, weights: Any = None) -> None:
    out, grads, dx = _torch_run(net, X, Y, act, weights)
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-10, atol=1e-14)
    _, _, g = net.cost_and_gradients(X, Y, sample_weight=weights)
    weighted = [l for l, layer in enumerate(net.layers, start=1) if layer.parameter_names]
    for l, (dW, db) in zip(weighted, grads, strict=True):
        np.testing.assert_allclose(g[l]["W"], dW, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(g[l]["b"], db, rtol=1e-10, atol=1e-15)
    if weights is None:  # ∂C/∂X = (1/m) ∂C_i/∂a^(0)_i
        dC_da0 = net.trace(X, Y).dC_da[0]
        np.testing.assert_allclose(dC_da0 / len(X), dx, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("shape, c1, c2", SHAPES)
def test_gradients_equal_pytorch(shape: Any, c1: Any, c2: Any) -> None:
    net = _conv_net(shape, c1, c2, "tanh", seed=1)
    _assert_parity(net, *_data(net, 5, seed=2), "tanh")


@pytest.mark.parametrize("act", ELEMENTWISE)
def test_every_activation_equals_pytorch(act: str) -> None:
    net = _conv_net(*SHAPES[1], act, seed=3)
    _assert_parity(net, *_data(net, 4, seed=4), act)


def test_sample_weights_give_pytorchs_weighted_loss() -> None:
    net = _conv_net(*SHAPES[2], "relu", seed=5)
    X, Y = _data(net, 6, seed=6)
    _assert_parity(net, X, Y, "relu", weights=np.array([1.0, 0.0, 2.5, 0.5, 1.0, 3.0]))


def test_float32_forward_equals_pytorch() -> None:
    torch = pytest.importorskip("torch")
    conv = _connected(Conv2D(3, 5, (3, 2), stride=2, padding=1, activation="sigmoid"), (3, 9, 7))
    conv.build(np.random.default_rng(8), np.float32)
    x = np.random.default_rng(9).normal(size=(16, 3, 9, 7)).astype(np.float32)
    expected = torch.sigmoid(
        torch.nn.functional.conv2d(
            torch.tensor(x), torch.tensor(conv.W), torch.tensor(conv.b), stride=2, padding=1
        )
    ).numpy()
    a = conv.forward(x, Cache(conv, 16, np.float32))
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, expected, rtol=1e-5, atol=1e-6)


# -- finite differences, the glass box, training ---------------------------------------------------


@pytest.mark.parametrize("shape, c1, c2", SHAPES[1:4])
def test_gradient_check(shape: Any, c1: Any, c2: Any) -> None:
    net = _conv_net(shape, c1, c2, "tanh", seed=10)
    net.l2 = 0.01
    check = gn.gradient_check(net, *_data(net, 3, seed=11))
    assert check.passed and check.max_rel_error < 1e-6, check


def test_gradient_check_with_dropout_on_the_feature_maps() -> None:
    net = _conv_net(*SHAPES[1], "sigmoid", seed=17)
    net.layers[0].dropout = 0.4  # each (channel, position) of layer 1 switched off at random
    X, Y = _data(net, 3, seed=18)
    masks = net.dropout_masks(3, rng=0)
    assert masks[1].shape == (3, *net.layers[0].output_shape) and not masks[1].all()
    check = gn.gradient_check(net, X, Y, masks=masks)
    assert check.passed and check.max_rel_error < 1e-6, check


def test_explain_parameter_of_a_kernel_weight_is_its_gradient() -> None:
    net = _conv_net(*SHAPES[1], "tanh", seed=12)
    X, Y = _data(net, 4, seed=13)
    g = net.gradients(X, Y)
    for l, name, index in [(1, "W", (2, 0, 1, 2)), (1, "W", (0, 0, 0, 0)), (2, "W", (1, 2, 1, 0))]:
        e = gn.explain_parameter(net, X, Y, l, name, index)
        assert e.value == pytest.approx(g[l][name][index], rel=1e-12)
        assert e.n_paths == math.prod(net.layers[l - 1].output_shape[1:])
    e = gn.explain_parameter(net, X, Y, 2, "b", (1,))
    assert e.value == pytest.approx(g[2]["b"][1], rel=1e-12)


def test_parameter_paths_meet_zeros_in_the_padding() -> None:
    conv = _connected(Conv2D(1, 1, kernel_size=2, padding=1), (1, 2, 2))
    a = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    paths = conv.parameter_paths("W", (0, 0, 0, 0), a)  # w00 meets the pixel up and left
    assert [out for out, _ in paths] == [(0, y, x) for y in range(3) for x in range(3)]
    assert [float(f[0]) for _, f in paths] == [0, 0, 0, 0, 1, 2, 0, 3, 4]


def test_fit_trains_a_small_conv_net() -> None:
    rng = np.random.default_rng(14)
    X = rng.normal(size=(60, 1, 6, 6))
    Y = np.eye(2)[(X[:, 0, :3].sum(axis=(1, 2)) > X[:, 0, 3:].sum(axis=(1, 2))).astype(int)]
    layers = [Conv2D(1, 4, 3, padding=1), Conv2D(4, 2, 3, stride=2), Flatten()]
    layers.append(gn.Dense(2 * 2 * 2, 2, activation="softmax"))
    net = gn.Network(layers, cost="cross_entropy", seed=0, input_shape=(1, 6, 6))
    before = net.cost(X, Y)
    h = net.fit(X, Y, epochs=15, batch_size=10, optimizer=gn.Adam(lr=0.01), verbose=0, seed=0)
    assert h.loss[-1] < h.loss[0] and net.cost(X, Y) < 0.8 * before
    assert net.W[1].dtype == np.float32 and net.W[1].shape == (4, 1, 3, 3)


# -- construction, files, printing ----------------------------------------------------------------


def test_shapes_repr_and_init() -> None:
    conv = Conv2D(1, 16, kernel_size=3)
    assert repr(conv) == "Conv2D(1, 16, kernel_size=3, stride=1, padding=0, activation=relu)"
    assert repr(Conv2D(3, 8, (3, 2), (2, 1), 1, "tanh", dropout=0.5)) == (
        "Conv2D(3, 8, kernel_size=(3, 2), stride=(2, 1), padding=1, activation=tanh, dropout=0.5)"
    )
    conv.connect((1, 28, 28))
    assert conv.output_shape == (16, 26, 26)
    assert conv.parameter_shapes() == {"W": (16, 1, 3, 3), "b": (16,)}
    conv.build(np.random.default_rng(0), np.float64)
    assert conv.init == "he" and not conv.b.any()
    # He: W ~ N(0, 2 / fan-in) with fan-in = in·kH·kW = 9
    assert np.std(_built(_connected(Conv2D(8, 64, 3), (8, 5, 5))).W) == pytest.approx(
        np.sqrt(2 / 72), rel=0.05
    )
    # H_out = (H + 2p − kH) // s + 1 with PyTorch's meaning
    assert _connected(Conv2D(2, 1, (3, 2), (2, 3), (1, 0)), (2, 7, 5)).output_shape == (1, 4, 2)


def test_config_round_trip_and_files(tmp_path: Any) -> None:
    conv = Conv2D(3, 4, (3, 2), stride=(2, 1), padding=1, activation="leaky_relu", init="xavier")
    conv.connect((3, 7, 5))
    again = Conv2D.from_config(conv.config())
    again.connect((3, 7, 5))
    assert again.config() == conv.config() and repr(again) == repr(conv)
    assert again.output_shape == conv.output_shape and again.init == "xavier"
    assert LAYERS["Conv2D"] is Conv2D and gn.layers.Conv2D is Conv2D
    net = _conv_net(*SHAPES[2], "tanh", seed=15)  # Conv2D, Conv2D, Flatten, Dense
    gn.save(net, tmp_path / "conv.npz")
    loaded = gn.load(tmp_path / "conv.npz")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in net.layers]
    X, _ = _data(net, 3, seed=16)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"in_channels": 0}, "in_channels must be a positive integer"),
        ({"out_channels": 2.0}, "out_channels must be a positive integer"),
        ({"kernel_size": 0}, r"kernel_size must be an integer >= 1 or a pair"),
        ({"kernel_size": (3, 2, 1)}, "kernel_size must be"),
        ({"stride": (1, 0)}, "stride must be an integer >= 1"),
        ({"padding": -1}, "padding must be an integer >= 0"),
        ({"padding": True}, "padding must be"),
        ({"activation": "softmax"}, "elementwise activation"),
        ({"activation": "swish?"}, "activation"),
        ({"init": "zeros"}, "init"),
        ({"dropout": 1.0}, "dropout must be a probability"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    args = {"in_channels": 1, "out_channels": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        Conv2D(**args)


def test_a_network_says_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match=r"layer 1 \(Conv2D\) takes inputs of any shape; say"):
        gn.Network([Conv2D(1, 2, 3)])
    with pytest.raises(
        ValueError, match=r"layer 2 \(Conv2D\) gets inputs of shape \(4, 26, 26\) from layer 1, "
        r"but takes 3 input channels \(in_channels=3\); make in_channels=4"
    ):  # fmt: skip
        gn.Network([Conv2D(1, 4, 3), Conv2D(3, 2, 3)], input_shape=(1, 28, 28))
    with pytest.raises(ValueError, match=r"its 5×5 kernel does not fit in the 4×4 image"):
        gn.Network([Conv2D(1, 2, 5)], input_shape=(1, 4, 4))
    with pytest.raises(ValueError, match=r"takes images of shape \(channels, height, width\)"):
        gn.Network([Conv2D(1, 2, 3)], input_shape=(784,))
    gn.Network([Conv2D(1, 2, 5, padding=1)], input_shape=(1, 3, 3))  # padded to 5×5: fits
    with pytest.raises(ValueError, match=r"takes 1 input channel \(in_channels=1\); make in_"):
        Conv2D(1, 2, 3).connect((2, 5, 5))
