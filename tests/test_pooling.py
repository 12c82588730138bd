"""glassnet.layers.pooling: MaxPool2D and AvgPool2D against PyTorch's nn.MaxPool2d and
nn.AvgPool2d (forward, the δ that flows back through them, every parameter's gradient), by
finite differences, with ties, strides, paddings, odd and non-square sizes; files, training
and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import load, save
from glassnet.layers import AvgPool2D, Cache, Flatten, MaxPool2D, Reshape
from test_reshaping import assert_matches_torch, connected, torch_module

torch = pytest.importorskip("torch")

POOLS = {"MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D}
# (kernel_size, stride, padding) on (C, H, W) images: tiling, floor mode on odd sizes (7×5),
# overlapping windows, gaps between windows, non-square kernels and strides, padding
CASES = [
    (2, None, 0, (2, 4, 6)),  # windows tile the image
    (2, None, 0, (2, 7, 5)),  # floor mode: the last row and column are dropped
    (3, 1, 0, (1, 7, 5)),  # overlapping windows
    (2, 3, 0, (2, 8, 7)),  # gaps between windows
    (3, 2, 1, (2, 7, 5)),  # padding
    ((2, 3), (1, 2), (1, 1), (3, 5, 7)),  # non-square kernel, stride and padding
    ((3, 1), None, (1, 0), (1, 6, 4)),
    ((1, 2), (2, 1), 0, (2, 5, 5)),
]


def _layer(kind: str, case: tuple[Any, ...]) -> Any:
    kernel, stride, padding, shape = case
    return connected(POOLS[kind](kernel, stride, padding), shape)


def _through_layer(layer: Any, a: np.ndarray, dC_dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z and ∂C_i/∂a^(l−1) from the layer's own forward (with a cache) and backward."""
    cache = Cache(layer, len(a), a.dtype)
    z = layer.forward(a, cache).copy()
    dC_da_prev = layer.backward(dC_dz.copy(), cache, 1 / len(a))
    return z, dC_da_prev.copy()


def _torch_layer(layer: Any, a: np.ndarray, dC_dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(a, requires_grad=True)
    z = torch_module(layer)(x)
    z.backward(torch.tensor(dC_dz))
    return z.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("case", CASES)
def test_the_layer_equals_pytorch_forward_and_backward(kind: str, case: tuple[Any, ...]) -> None:
    rng = np.random.default_rng(0)
    layer = _layer(kind, case)
    a = rng.normal(size=(3, *layer.input_shape))
    dC_dz = rng.normal(size=(3, *layer.output_shape))
    z, dC_da_prev = _through_layer(layer, a, dC_dz)
    z_torch, dC_da_prev_torch = _torch_layer(layer, a, dC_dz)
    assert z.shape == z_torch.shape == (3, *layer.output_shape)
    np.testing.assert_allclose(z, z_torch, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(dC_da_prev, dC_da_prev_torch, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(layer.forward(a), z, rtol=1e-14)  # prediction: the same z
    a32 = a.astype(np.float32)
    z32 = layer.forward(a32, Cache(layer, 3, np.float32))
    assert z32.dtype == np.float32
    np.testing.assert_allclose(z32, torch_module(layer)(torch.tensor(a32)).numpy(), rtol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_ties_go_to_the_first_maximum_as_in_pytorch(case: tuple[Any, ...]) -> None:
    """After ReLU many inputs are 0, and small integers tie often: δ goes to the first of
    the equal maxima in row-major order within the window, and only to it."""
    rng = np.random.default_rng(1)
    layer = _layer("MaxPool2D", case)
    for a in [
        np.maximum(rng.normal(size=(4, *layer.input_shape)), 0.0),  # relu: half are 0
        rng.integers(0, 3, size=(4, *layer.input_shape)).astype(float),
        np.zeros((4, *layer.input_shape)),  # every window a tie
    ]:
        dC_dz = rng.normal(size=(4, *layer.output_shape))
        z, dC_da_prev = _through_layer(layer, a, dC_dz)
        z_torch, dC_da_prev_torch = _torch_layer(layer, a, dC_dz)
        np.testing.assert_array_equal(z, z_torch)
        np.testing.assert_allclose(dC_da_prev, dC_da_prev_torch, rtol=1e-12, atol=1e-15)


def test_a_hand_worked_max_pool_with_ties() -> None:
    a = np.array(
        [[[[0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 3.0, 2.0]]]]
    )  # windows [[0,0],[0,0]], [[1,3],[3,2]]
    layer = connected(MaxPool2D(2), (1, 2, 4))
    cache = Cache(layer, 1, np.float64)
    np.testing.assert_array_equal(layer.forward(a, cache), [[[[0.0, 3.0]]]])
    np.testing.assert_array_equal(cache.saved["argmax"], [[[[0, 1]]]])  # offsets p·kW + q
    dC_da_prev = layer.backward(np.array([[[[5.0, 7.0]]]]), cache, 1.0)
    # window 1: all four tie at 0, δ = 5 goes to the first, (0, 0); window 2: 3 at (0, 1)
    # and (1, 0) tie, δ = 7 goes to the first in row-major order, (0, 1)
    np.testing.assert_array_equal(dC_da_prev, [[[[5.0, 0.0, 0.0, 7.0], [0.0, 0.0, 0.0, 0.0]]]])
    avg = connected(AvgPool2D(2), (1, 2, 4))
    cache = Cache(avg, 1, np.float64)
    np.testing.assert_array_equal(avg.forward(a, cache), [[[[0.0, 2.25]]]])  # (1+3+3+2)/4
    dC_da_prev = avg.backward(np.array([[[[4.0, 8.0]]]]), cache, 1.0)
    np.testing.assert_array_equal(dC_da_prev, [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]])


def _pooling_network(kind: str, case: tuple[Any, ...], relu: bool = False) -> gn.Network:
    """Dense → Reshape → pooling → Flatten → Dense, so that the gradient of the first Dense
    layer's parameters (and of the input) flows back through the pooling."""
    pool = _layer(kind, case)
    C, H, W = pool.input_shape
    layers = [
        gn.Dense(5, C * H * W, activation="relu" if relu else "tanh"),
        Reshape((C, H, W)),
        POOLS[kind](pool.kernel_size, pool.stride, pool.padding),
        Flatten(),
        gn.Dense(int(np.prod(pool.output_shape)), 3, activation="softmax"),
    ]
    net = gn.Network(layers, cost="cross_entropy", seed=0, dtype="float64")
    rng = np.random.default_rng(2)
    for l in (1, 5):
        net.W[l] = rng.normal(size=net.W[l].shape)
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("case", CASES[1::2])
def test_a_network_with_pooling_equals_pytorch(kind: str, case: tuple[Any, ...]) -> None:
    """Every δ, every parameter's gradient and ∂C/∂X, with and without sample weights; with
    ReLU before a max pooling, its zeros tie."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(6, 5)), rng.dirichlet(np.ones(3), size=6)
    for relu in (False, True):
        net = _pooling_network(kind, case, relu)
        assert net.shapes[3] == _layer(kind, case).output_shape
        assert_matches_torch(net, X, Y)
        assert_matches_torch(net, X, Y, sample_weight=rng.random(6) + 0.1)


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("case", CASES[::3])
def test_gradient_check_passes_through_pooling(kind: str, case: tuple[Any, ...]) -> None:
    net = _pooling_network(kind, case)  # tanh before the pooling: no ties to break by ±ε
    X = np.random.default_rng(4).normal(size=(4, 5))
    check = gn.gradient_check(net, X, np.array([0, 1, 2, 1]))
    assert check.max_rel_error < 1e-6, check
    assert set(check.per_layer[3]) == set()  # nothing to check in the pooling itself


def test_reshape_avgpool_flatten_dense_trains_on_digits() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    keep = digits.target < 3
    X, labels = digits.data[keep][:240] / 16.0, digits.target[keep][:240]
    layers = [Reshape((1, 8, 8)), AvgPool2D(2), Flatten(), gn.Dense(16, 3, activation="softmax")]
    net = gn.Network(layers, cost="cross_entropy", seed=0)
    assert net.shapes == [(64,), (1, 8, 8), (1, 4, 4), (16,), (3,)]
    before = net.cost(X, labels)
    h = net.fit(X, labels, epochs=15, batch_size=32, optimizer=gn.Adam(lr=0.05), verbose=0)
    assert h.loss[-1] < 0.5 * h.loss[0] and net.cost(X, labels) < 0.5 * before
    assert np.mean(np.argmax(net.forward(X), axis=1) == labels) > 0.9
    one = net.forward(X[7])  # a single flat sample
    np.testing.assert_allclose(one, net.forward(X)[7], rtol=1e-6)


def test_maxpool_network_trains_and_traces_every_shape() -> None:
    rng = np.random.default_rng(5)
    X, labels = rng.normal(size=(40, 2, 6, 6)), rng.integers(0, 2, size=40)
    X[labels == 1, 0, :3, :3] += 1.5  # class 1: a bright corner in channel 0
    layers = [MaxPool2D(3, stride=2, padding=1), Flatten(), gn.Dense(18, 2, activation="softmax")]
    net = gn.Network(layers, cost="cross_entropy", seed=0, input_shape=(2, 6, 6))
    t = net.trace(X[:5], labels[:5])
    assert [t.a[l].shape[1:] for l in range(4)] == [(2, 6, 6), (2, 3, 3), (18,), (2,)]
    assert t.dC_da[0].shape == (5, 2, 6, 6) and t.delta[1].shape == (5, 2, 3, 3)
    h = net.fit(X, labels, epochs=20, batch_size=8, optimizer=gn.Adam(lr=0.05), verbose=0)
    assert h.loss[-1] < h.loss[0]


def test_config_round_trip_and_model_files(tmp_path: Path) -> None:
    for kind in POOLS:
        for case in CASES:
            layer = _layer(kind, case)
            again = connected(type(layer).from_config(layer.config()), layer.input_shape)
            assert again.config() == layer.config() and repr(again) == repr(layer)
            assert (again.input_shape, again.output_shape) == (
                layer.input_shape,
                layer.output_shape,
            )
    assert MaxPool2D(2).config() == {"kernel_size": 2, "stride": 2, "padding": 0}
    assert repr(AvgPool2D((2, 3), stride=1, padding=(1, 0))) == (
        "AvgPool2D([2, 3], stride=1, padding=[1, 0])"
    )
    net = _pooling_network("MaxPool2D", CASES[4])
    net.layers.insert(3, AvgPool2D(1))  # a second pooling, stride 1
    net = gn.Network(net.layers, cost="cross_entropy", dtype="float64")
    save(net, tmp_path / "net.gnn")
    loaded = load(tmp_path / "net.gnn")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in net.layers]
    X = np.random.default_rng(6).normal(size=(3, 5))
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    layers = [AvgPool2D((2, 3), stride=1, padding=(1, 0)), Flatten(), gn.Dense(24, 2)]
    images = gn.Network(layers, input_shape=(2, 5, 4), seed=0)  # images in, pooled first
    save(images, tmp_path / "images.gnn")
    loaded = load(tmp_path / "images.gnn")
    assert loaded.shapes == images.shapes == [(2, 5, 4), (2, 6, 2), (24,), (2,)]
    X = np.random.default_rng(7).normal(size=(3, 2, 5, 4))
    np.testing.assert_array_equal(loaded.forward(X), images.forward(X))


@pytest.mark.parametrize("kind", POOLS)
def test_bad_arguments_are_refused_in_words(kind: str) -> None:
    Pool = POOLS[kind]
    for bad in [0, -1, 2.0, (2,), (2, 0), (2, 2, 2), True, None, "2"]:
        with pytest.raises(ValueError, match=f"{kind} kernel_size must be a positive integer"):
            Pool(bad)
    for bad in [0, (1, 0), 1.5]:
        with pytest.raises(ValueError, match=f"{kind} stride must be a positive integer"):
            Pool(2, stride=bad)
    with pytest.raises(ValueError, match=f"{kind} padding must be an integer ≥ 0 or a pair"):
        Pool(2, padding=-1)
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel size"):
        Pool(3, padding=2)
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel size"):
        Pool((4, 1), padding=(2, 1))
    with pytest.raises(
        ValueError,
        match=rf"layer 1 \({kind}\) gets inputs of shape \(64,\) from the network's input, but "
        r"takes images of shape \(C, H, W\), not \(64,\); put gn.Reshape",
    ):
        gn.Network([Pool(2), Flatten(), gn.Dense(16, 1)], input_shape=(64,))
    with pytest.raises(ValueError, match=r"layer 2 .* but its 3×3 kernel is larger than the 2×2"):
        gn.Network([Reshape((1, 2, 2)), Pool(3), Flatten(), gn.Dense(1, 1)])
    with pytest.raises(ValueError, match=f"{kind} has no parameters"):
        Pool(2).parameter_paths("W", (0,), np.zeros((1, 1, 2, 2)))
