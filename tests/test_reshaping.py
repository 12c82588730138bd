"""glassnet.layers.reshaping: Flatten and Reshape only move numbers — checked against PyTorch
(forward, every δ, every parameter's gradient and the input's), by finite differences, and for
their shapes, files and refusals. ``torch_mirror`` is shared with test_pooling.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import load, save
from glassnet.layers import Cache, Flatten, Reshape

torch = pytest.importorskip("torch")
nn = torch.nn

TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": lambda z: torch.softmax(z, dim=1),
}
TORCH_COSTS = {  # C = (1/m) Σ_i r_i-weighted C_i, from a^(L) (or the logits z^(L))
    "mse": lambda a, z, y: ((a - y) ** 2).sum(dim=1),
    "cross_entropy": lambda a, z, y: nn.functional.cross_entropy(z, y, reduction="none"),
}


def torch_module(layer: gn.layers.Layer) -> Any:
    """The PyTorch module computing layer's z = f(a^(l−1)), its parameters copied."""
    kind = type(layer).__name__
    if kind == "Dense":
        linear = nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)  # type: ignore[attr-defined]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(np.array(layer.W)))  # type: ignore[attr-defined]
            linear.bias.copy_(torch.tensor(layer.b))  # type: ignore[attr-defined]
        return linear
    if kind == "MaxPool2D":
        return nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)  # type: ignore[attr-defined]
    if kind == "AvgPool2D":
        return nn.AvgPool2d(
            layer.kernel_size,  # type: ignore[attr-defined]
            layer.stride,  # type: ignore[attr-defined]
            layer.padding,  # type: ignore[attr-defined]
            count_include_pad=True,
        )
    if kind == "Flatten":
        return nn.Flatten()
    if kind == "Reshape":
        return lambda x: x.reshape(len(x), *layer.output_shape)
    raise AssertionError(f"no PyTorch mirror for {kind}")


def torch_mirror(
    net: gn.Network, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, Any]:
    """One forward and backward pass of the same network in PyTorch autograd (float64):
    the output, the cost, ∂C/∂z^(l) for every layer, ∂C/∂θ by layer and name, and ∂C/∂X."""
    x = torch.tensor(X, requires_grad=True)
    a, zs, modules = x, [], []
    for layer in net.layers:
        module = torch_module(layer)
        modules.append(module)
        z = module(a)
        z.retain_grad()
        zs.append(z)
        a = TORCH_ACTIVATIONS[layer.activation.name](z)
    costs = TORCH_COSTS[net.cost_function.name](a, zs[-1], torch.tensor(Y))
    r = (
        np.full(len(X), 1 / len(X))
        if sample_weight is None
        else sample_weight / sample_weight.sum()
    )
    C = (costs * torch.tensor(r)).sum()
    C.backward()
    grads = [
        {"W": m.weight.grad.numpy(), "b": m.bias.grad.numpy()} if isinstance(m, nn.Linear) else {}
        for m in modules
    ]
    return {
        "a": a.detach().numpy(),
        "C": float(C.detach()),
        "dC_dz": [z.grad.numpy() for z in zs],
        "grads": grads,
        "dC_dX": x.grad.numpy(),
    }


def assert_matches_torch(
    net: gn.Network, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None
) -> None:
    """Every number of glassnet's pass equals PyTorch's (rtol 1e-10): a^(L), C, δ^(l) of every
    layer, ∂C/∂θ of every parameter and ∂C/∂X."""
    ref = torch_mirror(net, X, Y, sample_weight)
    r = (
        np.full(len(X), 1 / len(X))
        if sample_weight is None
        else sample_weight / sample_weight.sum()
    )
    share = r.reshape(-1, *[1] * (X.ndim - 1))
    np.testing.assert_allclose(net.forward(X), ref["a"], rtol=1e-10, atol=1e-14)
    C, _, grads = net.cost_and_gradients(X, Y, sample_weight=sample_weight)
    assert pytest.approx(ref["C"], rel=1e-10) == C
    for l in range(1, net.L + 1):
        assert set(grads[l]) == set(ref["grads"][l - 1])
        for name, g in grads[l].items():
            np.testing.assert_allclose(g, ref["grads"][l - 1][name], rtol=1e-10, atol=1e-14)
    if sample_weight is None:  # the trace holds δ_i = ∂C_i/∂z and ∂C_i/∂X per sample
        t = net.trace(X, Y)
        for l in range(1, net.L + 1):
            dC_dz = t.delta[l] * r.reshape(-1, *[1] * (t.delta[l].ndim - 1))
            np.testing.assert_allclose(dC_dz, ref["dC_dz"][l - 1], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(t.dC_da[0] * share, ref["dC_dX"], rtol=1e-10, atol=1e-14)


def connected(layer: Any, input_shape: tuple[int, ...]) -> Any:
    """``layer`` connected to inputs of ``input_shape``, as a network connects it."""
    layer.connect(input_shape)
    return layer


def _network(layers: list[Any], cost: str = "mse", **kwargs: Any) -> gn.Network:
    net = gn.Network(layers, cost=cost, seed=0, dtype="float64", **kwargs)
    rng = np.random.default_rng(1)
    for layer in net.layers:
        for p in layer.parameters().values():
            p[...] = rng.normal(scale=0.5, size=p.shape)
    return net


def test_flatten_and_reshape_move_numbers_in_row_major_order() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)  # two samples of shape (3, 4)
    flat = connected(Flatten(), (3, 4))
    np.testing.assert_array_equal(flat.forward(a), torch.flatten(torch.tensor(a), 1).numpy())
    back = Reshape((3, 4))
    np.testing.assert_array_equal(back.forward(flat.forward(a)), a)
    cache = Cache(flat, 2, np.float64)
    z = flat.forward(a, cache)
    assert z is cache.z and not np.shares_memory(z, a)  # a copy, in the cache's own array
    delta = np.arange(24.0).reshape(2, 12) * 10
    dC_da = flat.backward(delta.copy(), cache, 0.5)
    assert dC_da is cache.dC_da_prev
    np.testing.assert_array_equal(dC_da, delta.reshape(2, 3, 4))  # δ_i moved back, not scaled


@pytest.mark.parametrize("cost", ["mse", "cross_entropy"])
def test_a_network_through_reshape_and_flatten_equals_pytorch(cost: str) -> None:
    rng = np.random.default_rng(2)
    layers = [
        gn.Dense(6, 12, activation="tanh"),
        Reshape((3, 2, 2)),
        Flatten(),
        gn.Dense(12, 3, activation="softmax" if cost == "cross_entropy" else "sigmoid"),
    ]
    net = _network(layers, cost)
    X = rng.normal(size=(5, 6))
    Y = rng.dirichlet(np.ones(3), size=5) if cost == "cross_entropy" else rng.random((5, 3))
    assert net.shapes == [(6,), (12,), (3, 2, 2), (12,), (3,)]
    assert_matches_torch(net, X, Y)
    assert_matches_torch(net, X, Y, sample_weight=rng.random(5) + 0.1)
    assert gn.gradient_check(net, X, Y).max_rel_error < 1e-6


def test_reshape_takes_flat_rows_and_any_shape_of_the_same_size() -> None:
    rng = np.random.default_rng(3)
    net = _network([Reshape((2, 3)), Reshape((3, 2)), Flatten(), gn.Dense(6, 2, "identity")])
    assert net.input_shape == (6,) and net.shapes[2] == (3, 2)
    X, Y = rng.normal(size=(4, 6)), rng.normal(size=(4, 2))
    assert_matches_torch(net, X, Y)
    one = net.forward(X[1])  # a single flat sample
    np.testing.assert_allclose(one, net.forward(X)[1], rtol=1e-15)
    assert one.shape == (2,)
    images = _network([Flatten(), gn.Dense(6, 2)], input_shape=(1, 2, 3))
    pictures = X.reshape(4, 1, 2, 3)
    np.testing.assert_allclose(images.forward(pictures[2]), images.forward(pictures)[2])


def test_fit_through_reshape_and_flatten_lowers_the_cost() -> None:
    rng = np.random.default_rng(4)
    X, labels = rng.normal(size=(60, 8)), rng.integers(0, 2, size=60)
    X[labels == 1] += 0.8
    layers = [Reshape((2, 2, 2)), Flatten(), gn.Dense(8, 2, activation="softmax")]
    net = gn.Network(layers, cost="cross_entropy", seed=0)
    before = net.cost(X, labels)
    h = net.fit(X, labels, epochs=20, batch_size=16, optimizer=gn.Adam(lr=0.05), verbose=0)
    assert h.loss[-1] < h.loss[0] and net.cost(X, labels) < before


def test_config_round_trip_and_model_files(tmp_path: Path) -> None:
    for layer, shape in [
        (Reshape((1, 4, 4)), (16,)),
        (Reshape([2, 8]), (4, 4)),
        (Flatten(), (2, 3)),
    ]:
        connected(layer, shape)
        again = connected(type(layer).from_config(layer.config()), shape)
        assert (again.input_shape, again.output_shape) == (layer.input_shape, layer.output_shape)
        assert again.config() == layer.config() and repr(again) == repr(layer)
    assert Reshape((1, 4, 4)).config() == {"shape": [1, 4, 4]} and Flatten().config() == {}
    rng = np.random.default_rng(5)
    for layers, input_shape in [
        ([Reshape((1, 4, 4)), Flatten(), gn.Dense(16, 2, activation="sigmoid")], None),
        ([Reshape((4, 4)), Flatten(), gn.Dense(16, 2, activation="sigmoid")], (2, 8)),
    ]:
        net = _network(layers, input_shape=input_shape)
        save(net, tmp_path / "net.gnn")
        loaded = load(tmp_path / "net.gnn")
        assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in net.layers]
        assert loaded.shapes == net.shapes
        X = rng.normal(size=(3, *net.input_shape))
        np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


def test_bad_arguments_are_refused_in_words() -> None:
    for bad in [(), (0, 2), (2, -1), (2.0, 3), "28", None, (True, 2)]:
        with pytest.raises(ValueError, match=r"Reshape shape must be a tuple of positive integers"):
            Reshape(bad)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"Reshape\(\(1, 28, 28\)\) needs 784 numbers per sample, not 780"
    ):
        Reshape((1, 28, 28)).connect((780,))
    with pytest.raises(
        ValueError,
        match=r"layer 2 \(Reshape\) gets inputs of shape \(10,\) from layer 1, but "
        r"Reshape\(\(3, 3\)\) needs 9 numbers per sample, not 10",
    ):
        gn.Network([gn.Dense(4, 10), Reshape((3, 3))])
    with pytest.raises(
        ValueError, match="layer 1 \\(Flatten\\) takes inputs of any shape; say which"
    ):
        gn.Network([Flatten(), gn.Dense(4, 1)])
    with pytest.raises(ValueError, match="Flatten has no parameters"):
        connected(Flatten(), (2, 2)).parameter_paths("W", (0,), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="Reshape has no parameters"):
        Reshape((2, 2)).parameter_paths("b", (0,), np.zeros((1, 4)))
