"""Backpropagation against PyTorch autograd, and against central differences, for many random
networks × every activation × every cost (float64)."""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS
from glassnet.costs import COSTS
from helpers import random_network, random_targets

torch = pytest.importorskip("torch")
F = torch.nn.functional

# σ as PyTorch computes it: an independent implementation of every activation
TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": F.elu,
    "selu": F.selu,
    "softplus": lambda z: F.softplus(
        z, threshold=1000.0
    ),  # no linear shortcut: the exact ln(1+e^z)
    "silu": F.silu,
    "gelu": F.gelu,  # exact (erf) form is PyTorch's default
    "softmax": lambda z: torch.softmax(z, dim=1),
}

# C = (1/m) Σ C_i as PyTorch's own losses compute it, from a^(L) (or z^(L), the logits)
TORCH_COSTS = {
    "mse": lambda a, z, y: ((a - y) ** 2).sum(dim=1).mean(),  # the tutorial's: no ½
    "quadratic": lambda a, z, y: 0.5 * ((a - y) ** 2).sum(dim=1).mean(),
    "elementwise_mse": lambda a, z, y: F.mse_loss(a, y),
    "cross_entropy": lambda a, z, y: F.cross_entropy(z, y),  # probability targets
    "binary_cross_entropy": lambda a, z, y: F.binary_cross_entropy(a, y),
}

OUTPUT_FOR = {"cross_entropy": ["softmax"], "binary_cross_entropy": ["sigmoid"]}
CASES = [
    (hidden, output, cost)
    for cost in COSTS
    for hidden, output in itertools.product(ACTIVATIONS, OUTPUT_FOR.get(cost, list(ACTIVATIONS)))
]


def torch_gradients(net: gn.Network, X: np.ndarray, Y: np.ndarray, cost: str) -> list[np.ndarray]:
    params = []
    a = torch.tensor(X)
    z = a
    for layer in net.layers:
        W = torch.tensor(layer.W, requires_grad=True)
        b = torch.tensor(layer.b, requires_grad=True)
        params += [W, b]
        z = a @ W.T + b
        a = TORCH_ACTIVATIONS[layer.activation.name](z)
    C = TORCH_COSTS[cost](a, z, torch.tensor(Y))
    C.backward()
    return [p.grad.numpy() for p in params]


def test_every_activation_and_cost_is_covered() -> None:
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS)
    assert set(TORCH_COSTS) == set(COSTS)


@pytest.mark.parametrize(("hidden", "output", "cost"), CASES)
def test_gradients_equal_pytorch_autograd(hidden: str, output: str, cost: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{output}-{cost}".encode()))
    for _ in range(3):  # three random networks per combination
        net = random_network(hidden, output, cost, rng)
        m = int(rng.integers(1, 9))
        X = rng.normal(size=(m, net.sizes[0]))
        Y = random_targets(cost, m, net.sizes[-1], rng)
        g = net.gradients(X, Y)
        ours = [p for l in range(1, net.L + 1) for p in (g.W[l], g.b[l])]
        for mine, theirs in zip(ours, torch_gradients(net, X, Y, cost)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("m", [1, 4, 10])
def test_the_tutorials_cost_gradients_equal_autograd_on_the_unhalved_cost(m: int) -> None:
    """The tutorial's network and cost: sigmoid layers, C = (1/m) Σ_i Σ_j (a_ij − y_ij)² with
    no ½, and its summed form Σ_i Σ_j (a_ij − y_ij)², which PyTorch computes as
    ``mse_loss(reduction="sum")``. glassnet's ∂C/∂a^(L) is 2(a − y) per sample."""
    rng = np.random.default_rng(m)
    net = gn.Network.from_sizes([4, 5, 3, 2], cost="mse", init="small", dtype="float64", seed=m)
    X, Y = rng.uniform(size=(m, 4)), rng.uniform(size=(m, 2))
    params, a = [], torch.tensor(X)
    for layer in net.layers:
        W = torch.tensor(layer.W, requires_grad=True)
        b = torch.tensor(layer.b, requires_grad=True)
        params += [W, b]
        a = torch.sigmoid(a @ W.T + b)
    a.retain_grad()
    total = F.mse_loss(a, torch.tensor(Y), reduction="sum")  # Σ_i Σ_j (a_ij − y_ij)²
    (total / m).backward()  # the mean over the samples: the tutorial's MSE
    g, t = net.gradients(X, Y), net.trace(X, Y)
    assert t.cost == pytest.approx(total.item() / m, rel=1e-14)
    assert net.cost_function.total(t.a[3], t.y, t.z[3]) == pytest.approx(total.item(), rel=1e-14)
    # ∂C/∂a^(L) of the mean is 2(a − y)/m; glassnet's per-sample ∂C_i/∂a^(L) is 2(a − y)
    np.testing.assert_allclose(t.dC_da[3] / m, a.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.dC_da[3], 2 * (t.a[3] - Y), rtol=0, atol=0)
    ours = [p for l in range(1, net.L + 1) for p in (g.W[l], g.b[l])]
    for mine, theirs in zip(ours, params, strict=True):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)
    # the summed form's gradient is m times the mean's
    for p in params:
        p.grad = None
    a = torch.tensor(X)
    for W, b in zip(params[::2], params[1::2], strict=True):
        a = torch.sigmoid(a @ W.T + b)
    F.mse_loss(a, torch.tensor(Y), reduction="sum").backward()
    for mine, theirs in zip(ours, params, strict=True):
        np.testing.assert_allclose(m * mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("hidden", "output", "cost"), CASES)
def test_gradient_check_agrees(hidden: str, output: str, cost: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"check-{hidden}-{output}-{cost}".encode()))
    net = random_network(hidden, output, cost, rng)
    Y = random_targets(cost, 5, net.sizes[-1], rng)
    for _ in range(100):
        X = rng.normal(size=(5, net.sizes[0]))
        # central differences are no check across a kink (relu, selu at z = 0): draw samples
        # whose every z^(l) stays well away from 0
        t = net.trace(X, Y)
        if min(float(np.abs(t.z[l]).min()) for l in range(1, net.L + 1)) > 1e-3:
            break
    check = gn.gradient_check(net, X, Y)
    assert check.max_rel_error < 1e-6, check


def test_gradient_check_catches_a_wrong_gradient() -> None:
    """A check that cannot fail checks nothing: break σ' and the check must say so."""
    wrong = gn.Activation("wrong_tanh", forward=np.tanh, prime=lambda z, a: 1 - a)  # not 1 − a²
    net = gn.Network([gn.Dense(3, 4, activation=wrong), gn.Dense(4, 2)], dtype="float64", seed=0)
    X, Y = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    check = gn.gradient_check(net, X, Y)
    assert not check.passed and check.per_layer[1]["W"] > 1e-3 and check.per_layer[2]["W"] < 1e-6
    assert "FAILED" in repr(check)


def test_gradient_check_subsample_and_float32_network() -> None:
    net = gn.Network.from_sizes(
        [20, 15, 3], activation="relu", output_activation="softmax", cost="cross_entropy", seed=1
    )  # float32: checked as a float64 copy
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(4, 20)), np.array([0, 1, 2, 1])
    check = gn.gradient_check(net, X, Y, max_per_layer=25)
    assert check.passed, check
    assert np.isnan(check.numeric.W[1]).sum() == 15 * 20 - 25
    assert net.W[1].dtype == np.float32  # the network itself is untouched
