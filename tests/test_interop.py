"""Interop, what the three tools share: the networks and inputs the tests of
test_interop_onnx.py, test_interop_torch.py and test_interop_sklearn.py use, the install hints
for missing packages, and the package's import hygiene."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import glassnet as gn
import glassnet.interop as interop
from glassnet.activations import ACTIVATIONS, Activation
from glassnet.layers import Layer

BUILT_IN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus",
            "silu", "gelu", "softmax"]  # fmt: skip
SHAPES = [[3, 1], [4, 6, 2], [2, 5, 3, 4], [5, 8, 7, 6, 3]]
L = gn.layers


def network(
    sizes: list[int], hidden: str | Activation, output: str | Activation, dtype: str, seed: int
) -> gn.Network:
    """A seeded network with biases away from zero, so that a lost bias would show."""
    net = gn.Network.from_sizes(
        sizes, activation=hidden, output_activation=output, seed=seed, dtype=dtype
    )
    rng = np.random.default_rng(seed + 1)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def inputs(n: int, dtype: str, seed: int, m: int = 9) -> np.ndarray:
    """Rows spread over the range where the activations bend, plus a few large values."""
    X = np.random.default_rng(seed).normal(scale=2.0, size=(m, n))
    X[0] = 8.0
    X[-1, 0] = -8.0
    return X.astype(dtype)


def output_for(name: str, sizes: list[int]) -> str:
    return "sigmoid" if name == "softmax" and sizes[-1] == 1 else name


def image_network(dtype: str, seed: int = 0, hidden: str = "tanh") -> gn.Network:
    """Every layer type with Dense: odd image sizes, strides, paddings, non-square kernels,
    BatchNorm on images and on rows, a Reshape back to images, and a softmax output. The
    parameters and running statistics are random, so that a lost or misplaced one would show."""
    net = gn.Network(
        [
            L.Conv2D(2, 3, 3, stride=1, padding=1, activation=hidden),
            L.BatchNorm(3, momentum=0.2, eps=1e-3, activation="relu"),
            L.MaxPool2D(2, stride=1, padding=1),
            L.AvgPool2D(3, stride=2, padding=1),
            L.Flatten(),
            gn.Dense(48, 12, activation="identity"),
            L.BatchNorm(12, activation=hidden),
            L.Reshape((3, 2, 2)),
            L.Conv2D(3, 4, (2, 1), stride=(1, 2), activation="identity"),
            L.Flatten(),
            gn.Dense(4, 3, activation="softmax"),
        ],
        input_shape=(2, 7, 7),
        cost="cross_entropy",
        seed=seed,
        dtype=dtype,
    )
    return randomised(net, seed)


def flat_image_network(dtype: str, seed: int = 0) -> gn.Network:
    """A network of flat rows that starts with Reshape (as MNIST rows do), no Conv2D and no
    AvgPool2D (onnxruntime has float64 kernels for the rest)."""
    net = gn.Network(
        [
            L.Reshape((2, 5, 5)),
            L.MaxPool2D((2, 3), stride=(1, 2), padding=1),
            L.BatchNorm(2, activation="sigmoid"),
            L.Flatten(),
            gn.Dense(36, 5, activation="relu"),
            L.BatchNorm(5, momentum=0.05),
            gn.Dense(5, 2, activation="identity"),
        ],
        seed=seed,
        dtype=dtype,
    )
    return randomised(net, seed)


def randomised(net: gn.Network, seed: int) -> gn.Network:
    """``net`` with every parameter and buffer drawn anew (running variances positive)."""
    rng = np.random.default_rng(seed + 100)
    for layer in net.layers:
        for name, p in {**layer.parameters(), **layer.buffers()}.items():
            p[...] = rng.normal(scale=0.5, size=p.shape)
            if name in ("gamma", "running_var"):
                p[...] = 0.5 + np.abs(p)
    return net


def image_inputs(net: gn.Network, seed: int, m: int = 6) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(m, *net.input_shape)).astype(net.dtype)


class Scale(Layer):
    """A layer type of one's own (z = 2a), which no other tool knows."""

    def __init__(self, n: int) -> None:
        self.input_shape = self.output_shape = (n,)

    def weighted_input(self, a_prev: np.ndarray, cache: Any = None) -> np.ndarray:
        return 2.0 * a_prev


def test_every_built_in_activation_is_covered() -> None:
    assert sorted(BUILT_IN) == sorted(ACTIVATIONS)


def test_the_package_exports_what_the_module_did() -> None:
    assert sorted(interop.__all__) == [
        "DEFAULT_OPSET", "from_sklearn", "from_torch", "to_onnx", "to_sklearn",
        "to_torch_module", "to_torch_state_dict",
    ]  # fmt: skip
    for name in interop.__all__:
        assert getattr(interop, name) is not None


@pytest.mark.parametrize(
    ("module", "call", "extra"),
    [
        ("onnx", lambda net: interop.to_onnx(net), "onnx"),
        ("torch", lambda net: interop.to_torch_module(net), "torch"),
        ("torch", lambda net: interop.to_torch_state_dict(net), "torch"),
        ("torch", lambda net: interop.from_torch({}), "torch"),
        ("sklearn.neural_network", lambda net: interop.to_sklearn(net), "sklearn"),
    ],
)
def test_a_missing_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, module: str, call: Any, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # "import module" now raises ImportError
    net = gn.Network.from_sizes([2, 2], activation="sigmoid", seed=0)
    with pytest.raises(ImportError, match=re.escape(f"pip install 'glassnet[{extra}]'")):
        call(net)


def test_importing_interop_imports_none_of_the_optional_packages() -> None:
    code = (
        "import sys, glassnet; before = 'glassnet.interop' in sys.modules; "
        "import glassnet.interop; "
        "print(before, [m for m in ('onnx', 'onnxruntime', 'torch', 'sklearn') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False []"
