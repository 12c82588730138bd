"""Convolutional networks against PyTorch autograd and against central differences: random
networks mixing every layer type (Conv2D, MaxPool2D, AvgPool2D, BatchNorm, Flatten, Reshape)
with Dense, every elementwise activation, strides, paddings and odd image sizes (float64).

PyTorch here is its functional API (``F.conv2d``, ``F.max_pool2d``, ``F.batch_norm``, …), fed
each layer's configuration: an implementation independent of glassnet's."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS
from test_torch_parity import TORCH_ACTIVATIONS, TORCH_COSTS

torch = pytest.importorskip("torch")
F = torch.nn.functional

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]


def _pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if np.ndim(value) == 0 else (int(value[0]), int(value[1]))


def _out(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def random_cnn(rng: np.random.Generator, cost: str, dtype: str = "float64") -> gn.Network:
    """A small random convolutional network for (m, C, H, W) images of odd sizes."""
    C, H, W = int(rng.integers(1, 4)), int(rng.integers(5, 10)), int(rng.integers(5, 10))
    image = (C, H, W)
    layers: list[gn.Layer] = []
    flat_input = rng.random() < 0.3  # flat rows, shaped by a Reshape layer first
    if flat_input:
        layers.append(gn.layers.Reshape((C, H, W)))
    for _ in range(int(rng.integers(1, 3))):
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        kh, kw = min(kh, H + 2 * p), min(kw, W + 2 * p)  # the kernel fits the padded image
        out = int(rng.integers(1, 4))
        act = str(rng.choice(ELEMENTWISE))
        layers.append(gn.layers.Conv2D(C, out, (kh, kw), stride=s, padding=p, activation=act))
        C, H, W = out, _out(H, kh, s, p), _out(W, kw, s, p)
        if rng.random() < 0.4:
            layers.append(gn.layers.BatchNorm(C, activation=str(rng.choice(ELEMENTWISE))))
        if min(H, W) >= 2 and rng.random() < 0.6:
            pool = gn.layers.MaxPool2D if rng.random() < 0.5 else gn.layers.AvgPool2D
            k = int(rng.integers(2, min(H, W, 3) + 1))
            s = int(rng.integers(1, k + 1))
            p = int(rng.integers(0, k // 2 + 1))
            layers.append(pool(k, stride=s, padding=p))
            H, W = _out(H, k, s, p), _out(W, k, s, p)
    layers.append(gn.layers.Flatten())
    n = C * H * W
    if rng.random() < 0.5:
        hidden = int(rng.integers(2, 6))
        layers.append(gn.Dense(n, hidden, activation=str(rng.choice(ELEMENTWISE))))
        if rng.random() < 0.5:
            layers.append(gn.layers.BatchNorm(hidden))
        n = hidden
    output = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(
        cost, str(rng.choice(ELEMENTWISE))
    )
    layers.append(gn.Dense(n, 3, activation=output))
    net = gn.Network(
        layers,
        cost=cost,
        seed=int(rng.integers(2**31)),
        dtype=dtype,
        input_shape=None if flat_input else image,  # a Reshape first takes flat rows itself
    )
    # biases away from 0: a position that sees only padding has z = b, which for b = 0 sits
    # on the kink of relu/selu, where finite differences average the two one-sided slopes
    for layer in net.layers:
        if "b" in layer.parameter_names:
            layer.b[...] = rng.normal(0.0, 0.3, layer.b.shape)
    return net


def torch_forward(net: gn.Network, x: Any, params: list[Any]) -> tuple[Any, Any]:
    """(a^(L), z^(L)) of ``net`` computed by PyTorch's functional API from ``params`` (one
    tensor per parameter, in the network's order), in training mode (batch statistics)."""
    a, it = x, iter(params)
    z = a
    for layer in net.layers:
        kind, config = type(layer).__name__, layer.config()
        if kind == "Dense":
            W, b = next(it), next(it)
            z = a @ W.T + b
        elif kind == "Conv2D":
            W, b = next(it), next(it)
            z = F.conv2d(a, W, b, stride=_pair(config["stride"]), padding=_pair(config["padding"]))
        elif kind == "MaxPool2D":
            k = _pair(config["kernel_size"])
            s = k if config.get("stride") is None else _pair(config["stride"])
            z = F.max_pool2d(a, k, s, _pair(config.get("padding", 0)))
        elif kind == "AvgPool2D":
            k = _pair(config["kernel_size"])
            s = k if config.get("stride") is None else _pair(config["stride"])
            z = F.avg_pool2d(a, k, s, _pair(config.get("padding", 0)))
        elif kind == "Flatten":
            z = a.flatten(1)
        elif kind == "Reshape":
            z = a.reshape(a.shape[0], *config["shape"])
        elif kind == "BatchNorm":
            gamma, beta = next(it), next(it)
            z = F.batch_norm(a, None, None, gamma, beta, training=True, eps=config.get("eps", 1e-5))
        else:  # pragma: no cover - a new layer type needs its PyTorch form here
            raise AssertionError(f"no PyTorch form for {kind}")
        a = TORCH_ACTIVATIONS[layer.activation.name](z)
    return a, z


COSTS = ["mse", "cross_entropy", "binary_cross_entropy", "quadratic"]


@pytest.mark.parametrize("case", range(24))
def test_random_convolutional_networks_equal_pytorch_and_finite_differences(case: int) -> None:
    cost = COSTS[case % len(COSTS)]
    rng = np.random.default_rng(zlib.crc32(f"cnn-{case}".encode()))
    net = random_cnn(rng, cost)
    m = int(rng.integers(2, 6))
    X = rng.normal(size=(m, *net.input_shape))
    Y = rng.random((m, 3))
    if cost == "cross_entropy":
        Y = Y / Y.sum(axis=1, keepdims=True)
    arrays = [p for layer in net.layers for p in layer.parameters().values()]
    params = [torch.tensor(p, requires_grad=True) for p in arrays]
    a, z = torch_forward(net, torch.tensor(X), params)
    C = TORCH_COSTS[cost](a, z, torch.tensor(Y))
    C.backward()
    t = net.trace(X, Y)
    np.testing.assert_allclose(t.a[net.L], a.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert t.cost == pytest.approx(C.item(), rel=1e-10)
    ours = [g for l in range(1, net.L + 1) for g in t.grads[l].values()]
    assert len(ours) == len(params)
    for mine, theirs in zip(ours, params, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    check = gn.gradient_check(net, X, Y, max_per_layer=12, seed=case)
    assert check.passed, check
