"""The fast training step (glassnet.fastpath) against the plain, readable one, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import training
from glassnet.fastpath import TrainingStep, supports
from glassnet.network import predicted_classes

DTYPES = ["float32", "float64"]


def test_predicted_classes_into_out_equals_a_new_array() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 4):
        a = rng.random((9, n))
        out = np.full(9, -1, dtype=np.intp)
        predicted_classes(a, out=out)
        np.testing.assert_array_equal(out, predicted_classes(a))


# -- the whole step -------------------------------------------------------------------------------

CASES = [
    ("relu", "softmax", "cross_entropy"),
    ("sigmoid", "sigmoid", "mse"),
    ("sigmoid", "sigmoid", "quadratic"),
    ("tanh", "sigmoid", "binary_cross_entropy"),
    ("elu", "identity", "elementwise_mse"),
    ("identity", "softmax", "quadratic"),
    ("gelu", "softmax", "cross_entropy"),
]


def _data(dtype: str, n_out: int, one_hot: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    X = rng.standard_normal((23, 5)).astype(dtype)
    if one_hot:
        Y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, 23)]
    else:  # targets in (0, 1) whose rows sum to 1: not class labels
        Y = rng.random((23, n_out)).astype(dtype) + 0.1
        Y /= Y.sum(axis=1, keepdims=True)
    return X, Y


@pytest.mark.parametrize("one_hot", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("hidden", "output", "cost"), CASES)
def test_training_step_equals_plain_step_over_several_steps(
    hidden: str, output: str, cost: str, dtype: str, one_hot: bool
) -> None:
    net = gn.Network.from_sizes(
        [5, 7, 6, 3], activation=hidden, output_activation=output, cost=cost, seed=0, dtype=dtype
    )
    twin = net.copy()
    X, Y = _data(dtype, 3, one_hot)
    x, y, labels = net._check_xy(X, Y)
    assert (labels is not None) == one_hot
    step = TrainingStep(twin, x, y, one_hot=labels is not None)
    opt, twin_opt = gn.SGD(lr=0.5, momentum=0.9), gn.SGD(lr=0.5, momentum=0.9)
    order = np.random.default_rng(3).permutation(23)
    for lo in (0, 8, 16, 0, 8, 16):  # batches of 8 and the last one of 7
        idx = order[lo : lo + 8]
        cost_plain, a_plain, g_plain = net._cost_and_gradients(x[idx], y[idx])
        cost_fast, a_fast, g_fast = step.run(idx)
        assert cost_fast == cost_plain
        np.testing.assert_array_equal(a_fast, a_plain)
        for l in range(1, 4):
            assert g_fast.W[l].dtype == np.dtype(dtype)
            np.testing.assert_array_equal(g_fast.W[l], g_plain.W[l])
            np.testing.assert_array_equal(g_fast.b[l], g_plain.b[l])
        opt.step(net, g_plain)
        twin_opt.step(twin, g_fast)
    np.testing.assert_array_equal(twin.parameter_vector(), net.parameter_vector())


def test_training_step_reads_the_current_weights() -> None:
    net = gn.Network.from_sizes([4, 3, 2], activation="relu", output_activation="softmax",
                                cost="cross_entropy", seed=0)  # fmt: skip
    X, Y = _data("float32", 2, True)
    X = X[:, :4].copy()
    x, y, _ = net._check_xy(X, Y)
    step = TrainingStep(net, x, y, one_hot=True)
    idx = np.arange(5)
    step.run(idx)
    net.layers[0].W = net.layers[0].W * 2  # a new array, as a callback might set it
    _, _, fast = step.run(idx)
    plain = net._cost_and_gradients(x[idx], y[idx])[2]
    np.testing.assert_array_equal(fast.W[1], plain.W[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "optimizer",
    [lambda: gn.SGD(lr=0.3), lambda: gn.SGD(lr=0.1, momentum=0.9), lambda: gn.Adam(lr=0.01)],
)
def test_fit_with_and_without_fast_path_is_the_same(
    monkeypatch: pytest.MonkeyPatch, optimizer: object, dtype: str
) -> None:
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((50, 6)), rng.integers(0, 4, 50)
    X_val, y_val = rng.standard_normal((10, 6)), rng.integers(0, 4, 10)
    runs = []
    for fast in (True, False):
        monkeypatch.setattr(training, "_FAST_PATH", fast)
        net = gn.Network.from_sizes([6, 8, 4], activation="relu", output_activation="softmax",
                                    cost="cross_entropy", seed=1, dtype=dtype)  # fmt: skip
        h = net.fit(X, y, epochs=3, batch_size=16, optimizer=optimizer(), seed=2,  # type: ignore[operator]
                    validation_data=(X_val, y_val), verbose=0)  # fmt: skip
        runs.append((net, h))
    (fast_net, fast_h), (plain_net, plain_h) = runs
    np.testing.assert_array_equal(fast_net.parameter_vector(), plain_net.parameter_vector())
    assert fast_h.loss == plain_h.loss
    assert fast_h.accuracy == plain_h.accuracy
    assert fast_h.val_loss == plain_h.val_loss


def test_fit_counts_training_accuracy_as_before() -> None:
    """History.accuracy (counted once per epoch) is the fraction right during the epoch."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 5, dtype=float)
    y = np.array([0, 1, 1, 0] * 5)
    seen: list[float] = []

    class Count(gn.callbacks.Callback):
        def on_batch_end(self, run: object, cost: float) -> None:
            seen.append(cost)

    net = gn.Network.from_sizes([2, 4, 1], seed=1)
    h = net.fit(X, y, epochs=2, batch_size=20, optimizer=gn.SGD(lr=3.0), shuffle=False,
                callbacks=[Count()], verbose=0)  # fmt: skip
    twin = gn.Network.from_sizes([2, 4, 1], seed=1)
    a_L = twin.forward(X)  # one batch of everything: the epoch's predictions are these
    assert h.accuracy[0] == float(np.mean(predicted_classes(a_L) == y))
    assert len(seen) == 2


def test_supports_every_network_without_dropout() -> None:
    assert supports(gn.Network.from_sizes([2, 3, 1], seed=0))
    try:
        net = gn.Network.from_sizes([2, 3, 1], seed=0, dropout=0.5)  # type: ignore[call-arg]
    except TypeError:
        pytest.skip("this glassnet has no dropout yet")
    assert not supports(net)
    with pytest.raises(ValueError, match="dropout"):
        TrainingStep(net, np.zeros((2, 2)), np.zeros((2, 1)))


def test_penalties_match_the_plain_step() -> None:
    net = gn.Network.from_sizes([5, 4, 3], activation="relu", output_activation="softmax",
                                cost="cross_entropy", seed=0, dtype="float64")  # fmt: skip
    if not hasattr(net, "l2"):
        pytest.skip("this glassnet has no penalties yet")
    net.l2, net.l1 = 0.01, 0.001
    X, Y = _data("float64", 3, True)
    x, y, _ = net._check_xy(X, Y)
    idx = np.arange(10)
    cost_fast, _, fast = TrainingStep(net, x, y, one_hot=True).run(idx)
    cost_plain, _, plain = net._cost_and_gradients(x[idx], y[idx])
    assert cost_fast == cost_plain
    for l in (1, 2):
        np.testing.assert_array_equal(fast.W[l], plain.W[l])


def test_fit_runs_one_fast_step_per_mini_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """fit() does one forward/backward call per mini-batch, never one per sample."""
    calls: list[int] = []
    original = TrainingStep.run

    def spy(self: TrainingStep, idx: np.ndarray, weights: np.ndarray | None = None) -> object:
        calls.append(len(idx))
        return original(self, idx, weights)

    monkeypatch.setattr(TrainingStep, "run", spy)
    X, Y = np.zeros((100, 2)), np.zeros(100, dtype=int)
    gn.Network.from_sizes([2, 1], seed=0).fit(X, Y, epochs=2, batch_size=32, verbose=0)
    assert calls == [32, 32, 32, 4] * 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("hidden", "output", "cost"), CASES)
def test_weighted_training_step_equals_plain_step(
    hidden: str, output: str, cost: str, dtype: str
) -> None:
    """With sample weights (C = Σ s_i C_i / Σ s_i), the fast step is still the plain one, bit
    for bit, including a mini-batch whose weights are all 0 (shares of 0, no division by 0)."""
    net = gn.Network.from_sizes(
        [5, 7, 3], activation=hidden, output_activation=output, cost=cost, seed=0, dtype=dtype
    )
    X, Y = _data(dtype, 3, one_hot=True)
    x, y, labels = net._check_xy(X, Y)
    step = TrainingStep(net, x, y, one_hot=labels is not None)
    weights = np.random.default_rng(4).integers(0, 4, 23).astype(dtype)
    weights[16:] = 0.0
    for idx in (np.arange(0, 8), np.arange(8, 16), np.arange(16, 23)):
        cost_plain, a_plain, g_plain = net._cost_and_gradients(x[idx], y[idx], None, weights[idx])
        cost_fast, a_fast, g_fast = step.run(idx, weights[idx])
        assert cost_fast == cost_plain and np.isfinite(cost_fast)
        np.testing.assert_array_equal(a_fast, a_plain)
        for l in (1, 2):
            np.testing.assert_array_equal(g_fast.W[l], g_plain.W[l])
            np.testing.assert_array_equal(g_fast.b[l], g_plain.b[l])
    assert cost_fast == 0.0 and not g_fast.W[1].any()  # the last batch weighs nothing
