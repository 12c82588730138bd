"""L2 and L1 penalties and dropout: the cost, the gradients (autograd and finite differences),
the scaling, and what they do to training."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as gn
from helpers import random_network, random_targets, xor_data

torch = pytest.importorskip("torch")


def small_problem(
    rng: np.random.Generator, cost: str = "quadratic", output: str = "sigmoid", **kw: float
) -> tuple[gn.Network, np.ndarray, np.ndarray]:
    net = random_network("tanh", output, cost, rng)
    net.l2 = kw.get("l2", 0.0)
    net.l1 = kw.get("l1", 0.0)
    X = rng.normal(size=(6, net.sizes[0]))
    return net, X, random_targets(cost, 6, net.sizes[-1], rng)


def test_penalty_is_the_documented_formula(rng: np.random.Generator) -> None:
    net, X, Y = small_problem(rng, l2=0.3, l1=0.05)
    squares = sum(float((W**2).sum()) for W in net.W)
    absolutes = sum(float(np.abs(W).sum()) for W in net.W)
    assert net.penalty() == pytest.approx(0.3 / 2 * squares + 0.05 * absolutes, rel=1e-12)
    data_cost = np.mean(net.cost_function.per_sample(net.forward(X), Y, None))
    assert net.cost(X, Y) == pytest.approx(data_cost + net.penalty(), rel=1e-12)
    t = net.trace(X, Y)
    assert t.penalty == pytest.approx(net.penalty())
    assert t.cost == pytest.approx(float(np.mean(t.costs)) + t.penalty)
    assert "penalty" in gn.render.trace_text(t)


def test_biases_are_not_penalised(rng: np.random.Generator) -> None:
    net = small_problem(rng, l2=0.5, l1=0.5)[0]
    before = net.penalty()
    net.b[1] = net.b[1] + 10.0
    assert net.penalty() == before


@pytest.mark.parametrize("l2, l1", [(0.1, 0.0), (0.0, 0.02), (0.2, 0.03)])
def test_penalty_gradients_equal_autograd_and_finite_differences(
    rng: np.random.Generator, l2: float, l1: float
) -> None:
    for _ in range(3):
        net, X, Y = small_problem(rng, l2=l2, l1=l1)
        g = net.gradients(X, Y)
        params, a = [], torch.tensor(X)
        for layer in net.layers:
            W = torch.tensor(layer.W, requires_grad=True)
            b = torch.tensor(layer.b, requires_grad=True)
            params += [W, b]
            z = a @ W.T + b
            a = torch.tanh(z) if layer is not net.layers[-1] else torch.sigmoid(z)
        C = 0.5 * ((a - torch.tensor(Y)) ** 2).sum(dim=1).mean()
        C = C + sum(l2 / 2 * (W**2).sum() + l1 * W.abs().sum() for W in params[0::2])
        C.backward()
        assert net.cost(X, Y) == pytest.approx(C.item(), rel=1e-12)
        for l in range(1, net.L + 1):
            np.testing.assert_allclose(
                g.W[l], params[2 * l - 2].grad.numpy(), rtol=1e-10, atol=1e-13
            )
            np.testing.assert_allclose(
                g.b[l], params[2 * l - 1].grad.numpy(), rtol=1e-10, atol=1e-13
            )
        check = gn.gradient_check(net, X, Y)
        assert check.passed, check


def test_l2_gradient_term_is_lambda_w(rng: np.random.Generator) -> None:
    net, X, Y = small_problem(rng)
    plain = net.gradients(X, Y)
    net.l2 = 0.25
    with_l2 = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(with_l2.W[l] - plain.W[l], 0.25 * net.W[l], atol=1e-14)
        np.testing.assert_array_equal(with_l2.b[l], plain.b[l])


def test_l2_shrinks_the_weights_that_training_reaches() -> None:
    X, y = xor_data()
    X, y = np.repeat(X, 5, axis=0), np.repeat(y, 5)
    norms = {}
    for l2 in (0.0, 0.01):
        net = gn.Network.from_sizes([2, 6, 1], seed=3, l2=l2)
        net.fit(X, y, epochs=150, batch_size=4, optimizer=gn.SGD(lr=2.0), verbose=0)
        norms[l2] = sum(float(np.linalg.norm(W)) for W in net.W)
    assert norms[0.01] < 0.8 * norms[0.0]


def test_l1_drives_useless_weights_towards_zero() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    y = 2.0 * X[:, :1] + rng.normal(scale=0.5, size=(30, 1))  # only the first input matters
    useless, useful = {}, {}
    for l1 in (0.0, 0.2):
        net = gn.Network.from_sizes([5, 1], activation="identity", cost="mse", seed=0, l1=l1)
        net.fit(X, y, epochs=300, batch_size=30, optimizer=gn.SGD(lr=0.05), verbose=0)
        useless[l1] = float(np.abs(net.W[1][0, 1:]).sum())
        useful[l1] = float(net.W[1][0, 0])
    assert useless[0.2] < 0.6 * useless[0.0]
    assert useful[0.2] > 1.5  # the weight that matters survives


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True, None])
def test_bad_penalty_coefficients_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="l2 must be"):
        gn.Network.from_sizes([2, 1], l2=bad)  # type: ignore[arg-type]
    net = gn.Network.from_sizes([2, 1])
    with pytest.raises(ValueError, match="l1 must be"):
        net.l1 = bad  # type: ignore[assignment]


def test_penalties_and_dropout_survive_save_and_load(tmp_path: os.PathLike[str]) -> None:
    net = gn.Network.from_sizes([3, 5, 4, 2], seed=0, l2=1e-3, l1=2e-4, dropout=0.25)
    path = os.path.join(tmp_path, "net.safetensors")
    gn.save(net, path)
    back = gn.load(path)
    assert (back.l2, back.l1) == (1e-3, 2e-4)
    assert [layer.dropout for layer in back.layers] == [0.25, 0.25, 0.0]
    assert repr(back) == repr(net)
    plain = gn.Network.from_sizes([3, 2], seed=0)
    gn.save(plain, path)
    assert "l2" not in gn.io.read_config(path)  # files without penalties look as before


# -- dropout ---------------------------------------------------------------------------------


def test_dropout_masks_are_inverted_seeded_and_hidden_only() -> None:
    net = gn.Network.from_sizes([4, 50, 30, 3], dropout=0.2, seed=0)
    masks = net.dropout_masks(400, rng=7)
    assert masks[0] is None and masks[3] is None
    for l in (1, 2):
        assert masks[l].shape == (400, net.sizes[l])
        assert masks[l].dtype == net.dtype
        assert set(np.unique(masks[l])) == {0.0, np.float32(1 / 0.8)}
        assert abs(float((masks[l] == 0).mean()) - 0.2) < 0.02
        assert abs(float(masks[l].mean()) - 1.0) < 0.03  # inverted: E[mask] = 1
    again = net.dropout_masks(400, rng=7)
    for l in (1, 2):
        np.testing.assert_array_equal(masks[l], again[l])


def test_dropout_does_not_change_prediction(rng: np.random.Generator) -> None:
    X = rng.normal(size=(5, 3))
    plain = gn.Network.from_sizes([3, 6, 2], seed=1)
    dropped = gn.Network.from_sizes([3, 6, 2], seed=1, dropout=0.5)
    np.testing.assert_array_equal(plain.forward(X), dropped.forward(X))
    np.testing.assert_array_equal(
        plain.gradients(X, [0, 1, 0, 1, 1]).vector(), dropped.gradients(X, [0, 1, 0, 1, 1]).vector()
    )


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "gelu"])
def test_dropout_gradients_with_a_fixed_mask(rng: np.random.Generator, hidden: str) -> None:
    """With the mask fixed, the thinned network's gradients pass both checks."""
    net = gn.Network.from_sizes(
        [3, 5, 4, 2],
        activation=hidden,
        output_activation="softmax",
        cost="cross_entropy",
        seed=int(rng.integers(1 << 30)),
        dtype="float64",
        dropout=0.4,
        l2=0.01,
    )
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, size=7)
    for l in range(1, net.L + 1):  # biases off 0, so that no z sits on ReLU's kink
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    masks = net.dropout_masks(7, rng=1)
    check = gn.gradient_check(net, X, y, masks=masks)
    assert check.passed, check
    # and against autograd, with the masks multiplied in by hand
    acts = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "gelu": torch.nn.functional.gelu,
    }
    params, a = [], torch.tensor(X)
    for l, layer in enumerate(net.layers, start=1):
        W = torch.tensor(layer.W, requires_grad=True)
        b = torch.tensor(layer.b, requires_grad=True)
        params += [W, b]
        z = a @ W.T + b
        a = z if l == net.L else acts[hidden](z) * torch.tensor(masks[l])
    C = torch.nn.functional.cross_entropy(a, torch.tensor(y))
    C = C + sum(0.01 / 2 * (W**2).sum() for W in params[0::2])
    C.backward()
    g = net.gradients(X, y, masks=masks)
    assert net.cost(X, y, masks=masks) == pytest.approx(C.item(), rel=1e-12)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(g.W[l], params[2 * l - 2].grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(g.b[l], params[2 * l - 1].grad.numpy(), rtol=1e-10, atol=1e-13)


def test_a_dropped_neuron_passes_no_gradient(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes([3, 4, 2], seed=0, dtype="float64", dropout=0.5)
    X, y = rng.normal(size=(1, 3)), np.array([1])
    masks = net.dropout_masks(1, rng=0)
    dropped = np.flatnonzero(masks[1][0] == 0)
    assert 0 < dropped.size < 4
    g = net.gradients(X, y, masks=masks)
    assert np.all(g.W[2][:, dropped] == 0)  # its outgoing weights saw a = 0
    assert np.all(g.W[1][dropped] == 0) and np.all(g.b[1][dropped] == 0)  # and no δ came back


def test_fit_with_dropout_is_reproducible_and_learns() -> None:
    data = gn.datasets.load("moons", noise=0.1, seed=0)
    X, y = data.X_train[:200], data.y_train[:200]
    results = []
    for _ in range(2):
        net = gn.Network.from_sizes(
            [2, 32, 2],
            activation="relu",
            output_activation="softmax",
            cost="cross_entropy",
            seed=0,
            dropout=0.2,
        )
        h = net.fit(X, y, epochs=40, batch_size=16, optimizer=gn.SGD(lr=0.1), verbose=0)
        results.append(net.parameter_vector())
    np.testing.assert_array_equal(results[0], results[1])
    assert h.accuracy[-1] > 0.8
    assert net.evaluate(X, y)["accuracy"] > 0.85


def test_fit_draws_a_new_mask_for_every_mini_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[np.ndarray] = []
    original = gn.Network.step

    def spy(self, x, y, caches, rows=None, masks=None):  # type: ignore[no-untyped-def]
        seen.append(masks[1].copy())
        return original(self, x, y, caches, rows, masks)

    monkeypatch.setattr(gn.Network, "step", spy)
    net = gn.Network.from_sizes([2, 20, 1], seed=0, dropout=0.5)
    net.fit(np.ones((8, 2)), np.ones(8), epochs=2, batch_size=4, shuffle=False, verbose=0)
    assert len(seen) == 4
    assert all(not np.array_equal(seen[0], other) for other in seen[1:])


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "0.5", None, float("nan")])
def test_bad_dropout_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="dropout must be a probability"):
        gn.Dense(2, 3, dropout=bad)  # type: ignore[arg-type]


def test_dropout_on_the_output_layer_is_refused() -> None:
    with pytest.raises(ValueError, match="output layer"):
        gn.Network([gn.Dense(2, 3), gn.Dense(3, 1, dropout=0.5)])


def test_bad_masks_are_refused(rng: np.random.Generator) -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0, dropout=0.5)
    X, y = rng.normal(size=(4, 2)), np.ones(4)
    with pytest.raises(ValueError, match="L \\+ 1 = 3"):
        net.gradients(X, y, masks=[None, None])
    with pytest.raises(ValueError, match="masks\\[1\\] has shape"):
        net.gradients(X, y, masks=net.dropout_masks(5, rng=0))


def test_summary_and_repr_show_regularisation() -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0, l2=1e-4, dropout=0.1)
    assert "l2=0.0001" in repr(net)
    assert "dropout 0.1 on layer 1" in net.summary()
