"""fit(): it learns, it is reproducible, it reports, and it stops on divergence."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from helpers import xor_data


def test_learns_xor_with_sigmoid_quadratic_sgd() -> None:
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", cost="quadratic", seed=0)
    h = net.fit(X, Y, epochs=2000, batch_size=4, optimizer=gn.SGD(lr=3.0), verbose=0)
    assert h.loss[-1] < 0.01 < h.loss[0]
    np.testing.assert_array_equal((net.predict(X)[:, 0] > 0.5).astype(int), Y)
    assert h.accuracy[-1] == 1.0


def test_digits_reach_95_percent_test_accuracy() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1400], order[1400:]
    net = gn.Network.from_sizes([64, 30, 10], activation="sigmoid", cost="quadratic", seed=0)
    h = net.fit(
        X[train],
        y[train],
        epochs=30,
        batch_size=10,
        optimizer=gn.SGD(lr=3.0),
        validation_data=(X[test], y[test]),
        verbose=0,
    )
    assert net.evaluate(X[test], y[test])["accuracy"] >= 0.95
    assert len(h.val_accuracy) == 30 and h.val_accuracy[-1] >= 0.95
    assert h.val_loss[-1] < h.val_loss[0]


def test_regression_and_cross_entropy_networks_train() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 1))
    y = np.sin(3 * X)
    net = gn.Network.from_sizes(
        [1, 16, 1], activation="tanh", output_activation="identity", cost="mse", seed=0
    )
    h = net.fit(X, y, epochs=200, batch_size=20, optimizer=gn.SGD(lr=0.1), verbose=0)
    assert h.loss[-1] < 0.1 * h.loss[0] and h.accuracy == []
    labels = (X[:, 0] > 0).astype(int)
    clf = gn.Network.from_sizes(
        [1, 8, 2], activation="relu", output_activation="softmax", cost="cross_entropy", seed=0
    )
    clf.fit(X, labels, epochs=50, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
    assert clf.evaluate(X, labels)["accuracy"] > 0.95


def test_history_records_every_epoch_and_prints_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    h = net.fit(X, Y, epochs=3, batch_size=2, validation_data=(X, Y), verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  loss ")
    assert "val_accuracy" in lines[-1]
    assert h.epochs == 3 and len(h.val_loss) == len(h.accuracy) == len(h.seconds) == 3
    assert h.stop_reason is None and repr(h).startswith("History(epochs=3, loss=")
    assert not h.diverged
    # the epoch's loss is the mean cost over its mini-batches; with shuffle=False and one batch
    # of all samples it is exactly the cost before that epoch's step
    net2 = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
    before = net2.cost(X, Y)
    h2 = net2.fit(X, Y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    assert h2.loss[0] == pytest.approx(before, rel=1e-12)


def test_minibatches_are_averaged_and_cover_every_sample() -> None:
    """One epoch of fit() equals the tutorial's loop written out: shuffle, slice, step."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(23, 4)), rng.integers(0, 3, size=23)
    net = gn.Network.from_sizes(
        [4, 5, 3],
        activation="tanh",
        output_activation="softmax",
        cost="cross_entropy",
        seed=1,
        dtype="float64",
    )
    by_hand = net.copy()
    net.fit(X, Y, epochs=1, batch_size=5, optimizer=gn.SGD(lr=0.3), seed=7, verbose=0)
    order = np.random.default_rng(7).permutation(23)
    for lo in range(0, 23, 5):  # batches of 5, 5, 5, 5, 3
        batch = order[lo : lo + 5]
        g = by_hand.gradients(X[batch], Y[batch])
        for l in range(1, by_hand.L + 1):
            by_hand.W[l] -= 0.3 * g.W[l]
            by_hand.b[l] -= 0.3 * g.b[l]
    np.testing.assert_allclose(net.parameter_vector(), by_hand.parameter_vector(), rtol=1e-12)


def test_divergence_stops_with_the_epoch_and_batch() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    y = rng.normal(size=(64, 1)) * 100
    net = gn.Network.from_sizes(
        [3, 8, 1], activation="relu", output_activation="identity", cost="mse", seed=0
    )
    with pytest.warns(RuntimeWarning, match=r"at epoch \d+, mini-batch \d+.*smaller learning rate"):
        h = net.fit(X, y, epochs=50, batch_size=8, optimizer=gn.SGD(lr=10.0), verbose=0)
    assert h.stop_reason is not None and "diverged" in h.stop_reason
    assert h.epochs < 50


def test_shuffle_seed_gives_identical_runs_and_differs_across_seeds() -> None:
    X, Y = xor_data()
    start = gn.Network.from_sizes([2, 4, 1], seed=0)
    runs = {}
    for seed in (1, 1, 2):
        net = start.copy()
        net.fit(X, Y, epochs=3, batch_size=1, optimizer=gn.SGD(lr=1.0), seed=seed, verbose=0)
        runs.setdefault(seed, []).append(net.parameter_vector())
    np.testing.assert_array_equal(runs[1][0], runs[1][1])
    assert not np.array_equal(runs[1][0], runs[2][0])


def test_no_python_loop_over_samples_in_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """fit() runs the network's one loop (Network.step) once per mini-batch, never per sample."""
    calls: list[int] = []
    original = gn.Network.step

    def spy(self, x, y, caches, rows=None, masks=None):  # type: ignore[no-untyped-def]
        calls.append(len(x))
        return original(self, x, y, caches, rows, masks)

    monkeypatch.setattr(gn.Network, "step", spy)
    X, Y = np.zeros((100, 2)), np.zeros(100, dtype=int)
    gn.Network.from_sizes([2, 1], seed=0).fit(X, Y, epochs=2, batch_size=32, verbose=0)
    assert calls == [32, 32, 32, 4] * 2


def test_batch_size_larger_than_data_uses_one_batch() -> None:
    X, Y = xor_data()
    h = gn.Network.from_sizes([2, 2, 1], seed=0).fit(X, Y, epochs=2, batch_size=100, verbose=0)
    assert h.epochs == 2


# -- sample_weight ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "cost", "labels"),
    [("softmax", "cross_entropy", True), ("identity", "quadratic", False)],
)
def test_sample_weight_equals_repeated_rows(output: str, cost: str, labels: bool) -> None:
    """Integer weights s_i train exactly as s_i copies of each row (0: the row left out), when
    one mini-batch holds every sample: the weighted mean Σ s_i C_i / Σ s_i is then the plain
    mean over the repeated rows, so only the order of the additions differs."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 3))
    Y = rng.integers(0, 3, size=12) if labels else rng.normal(size=(12, 3))
    weights = np.array([1, 0, 3, 2, 1, 0, 1, 4, 1, 2, 1, 1])
    start = gn.Network.from_sizes(
        [3, 5, 3], activation="tanh", output_activation=output, cost=cost, seed=0,
        dtype="float64", l2=0.01,
    )  # fmt: skip
    weighted, repeated = start.copy(), start.copy()
    common = dict(epochs=6, batch_size=100, shuffle=False, verbose=0)
    h_w = weighted.fit(X, Y, optimizer=gn.Adam(lr=0.05), sample_weight=weights, **common)
    h_r = repeated.fit(X.repeat(weights, axis=0), Y.repeat(weights, axis=0),
                       optimizer=gn.Adam(lr=0.05), **common)  # fmt: skip
    np.testing.assert_allclose(
        weighted.parameter_vector(), repeated.parameter_vector(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(h_w.loss, h_r.loss, rtol=1e-12)  # the weighted mean cost
    if labels:
        np.testing.assert_allclose(h_w.accuracy, h_r.accuracy, rtol=1e-12)
    assert not np.allclose(weighted.parameter_vector(), start.parameter_vector())


def test_a_mini_batch_of_zero_weight_takes_no_step() -> None:
    """Without shuffling, a first mini-batch of weight 0 is as if its rows were not there."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 3)), rng.integers(0, 2, size=20)
    weights = np.r_[np.zeros(5), np.ones(15)]
    start = gn.Network.from_sizes([3, 4, 2], output_activation="softmax", cost="cross_entropy",
                                  seed=0, dtype="float64")  # fmt: skip
    weighted, kept = start.copy(), start.copy()
    adam, kept_adam = gn.Adam(lr=0.05), gn.Adam(lr=0.05)
    common = dict(epochs=3, batch_size=5, shuffle=False, verbose=0)
    h = weighted.fit(X, Y, optimizer=adam, sample_weight=weights, **common)
    h_kept = kept.fit(X[5:], Y[5:], optimizer=kept_adam, **common)
    assert adam.t == kept_adam.t == 9  # 3 steps per epoch, not 4
    np.testing.assert_allclose(weighted.parameter_vector(), kept.parameter_vector(), rtol=1e-12)
    np.testing.assert_allclose(h.loss, h_kept.loss, rtol=1e-12)
    np.testing.assert_allclose(h.accuracy, h_kept.accuracy, rtol=1e-12)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.ones(3), r"one weight per sample, shape \(4,\), got shape \(3,\)"),
        (np.ones((4, 1)), r"shape \(4,\), got shape \(4, 1\)"),
        ([1.0, -1.0, 1.0, 1.0], r"finite and >= 0 .* got -1 for sample 1"),
        ([1.0, 1.0, np.nan, 1.0], r"got nan for sample 2"),
        (np.zeros(4), "zero for every sample"),
        (["a", "b", "c", "d"], "must hold numbers"),
    ],
)
def test_bad_sample_weight_is_refused(weights: object, message: str) -> None:
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 2, 1], seed=0)
    before = net.parameter_vector()
    with pytest.raises(ValueError, match=message):
        net.fit(X, Y, epochs=1, verbose=0, sample_weight=weights)
    np.testing.assert_array_equal(net.parameter_vector(), before)  # refused before training


# -- divergence: stopped, and the network left usable ------------------------------------------


def regression_data(m: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(m, 3)), rng.normal(size=(m, 1))


def regression_net(dtype: str = "float32") -> gn.Network:
    return gn.Network.from_sizes(
        [3, 8, 1], activation="tanh", output_activation="identity", cost="mse", seed=0,
        dtype=dtype,
    )  # fmt: skip


class RecordEpochStarts(gn.Callback):
    """Keeps the weights at every epoch's start, and checks that no epoch ends non-finite."""

    def __init__(self, lr_from_epoch: int = 0, lr: float = 0.0) -> None:
        self.starts: dict[int, np.ndarray] = {}
        self.finite_at_epoch_end: list[bool] = []
        self.lr_from_epoch, self.lr = lr_from_epoch, lr

    def on_epoch_begin(self, run: gn.callbacks.TrainingRun) -> None:
        self.starts[run.epoch] = run.net.parameter_vector()
        if run.epoch == self.lr_from_epoch:
            run.optimizer.lr = self.lr  # from here on, every step overshoots

    def on_epoch_end(self, run: gn.callbacks.TrainingRun) -> None:
        self.finite_at_epoch_end.append(bool(np.isfinite(run.net.parameter_vector()).all()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lr", [1e6, 1e308])
def test_a_forced_divergence_leaves_finite_weights_and_says_they_were_restored(
    lr: float, dtype: str
) -> None:
    X, y = regression_data()
    net = regression_net(dtype)
    start, W1 = net.parameter_vector(), net.W[1]
    with pytest.warns(RuntimeWarning, match="training diverged"):
        h = net.fit(X, y, epochs=5, optimizer=gn.SGD(lr=lr), verbose=0)
    assert h.diverged and h.epochs == 0
    assert "the weights are restored to those at the start of epoch 1" in (h.stop_reason or "")
    assert np.isfinite(net.parameter_vector()).all()
    np.testing.assert_array_equal(net.parameter_vector(), start)
    assert net.W[1] is W1  # put back into the network's own arrays
    assert np.isfinite(net.predict(X)).all() and math.isfinite(net.cost(X, y))


def test_a_divergence_in_a_later_epoch_restores_that_epochs_starting_weights() -> None:
    X, y = regression_data()
    net = regression_net("float64")
    spy = RecordEpochStarts(lr_from_epoch=3, lr=1e6)
    with pytest.warns(RuntimeWarning, match="at epoch 3, mini-batch 2"):
        h = net.fit(X, y, epochs=10, optimizer=gn.SGD(lr=0.05), verbose=0, callbacks=[spy])
    assert h.diverged and h.epochs == 2 and len(h.loss) == 2  # epoch 3 is not recorded
    assert "restored to those at the start of epoch 3" in (h.stop_reason or "")
    np.testing.assert_array_equal(net.parameter_vector(), spy.starts[3])


def test_weights_that_overflow_in_an_epochs_last_step_are_never_handed_on() -> None:
    """One mini-batch per epoch: the step that overflows is the epoch's last, so no later cost
    would notice; the check at the end of the epoch does, before any callback sees them."""
    X, y = regression_data(16)
    net = regression_net("float32")  # η ∂C/∂w overflows float32 to inf
    spy = RecordEpochStarts(lr_from_epoch=2, lr=1e308)
    with pytest.warns(RuntimeWarning, match="a weight became infinite or NaN"):
        h = net.fit(X, y, epochs=5, batch_size=16, optimizer=gn.SGD(lr=0.05), verbose=0,
                    callbacks=[spy])  # fmt: skip
    assert h.diverged and h.epochs == 1 and spy.finite_at_epoch_end == [True]
    assert "last step of epoch 2" in (h.stop_reason or "")
    np.testing.assert_array_equal(net.parameter_vector(), spy.starts[2])


def exploding_linear_fit(
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[gn.Network, gn.History]:
    """A 2-4-1 linear network, full-batch SGD with η = 0.4: each step overshoots further, and in
    float64 the cost stays finite for a long way (past 10^100) before it overflows."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    y = X @ np.array([1.0, -2.0])
    net = gn.Network.from_sizes([2, 4, 1], activation="identity", cost="mse", seed=0,
                                dtype="float64")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = net.fit(X, y, epochs=200, batch_size=32, optimizer=gn.SGD(lr=0.4), verbose=0)
    return net, h


def test_a_finite_blow_up_is_stopped_long_before_it_overflows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net, h = exploding_linear_fit()
    assert h.diverged and h.epochs < 10
    reason = h.stop_reason or ""
    assert "more than 1e+06 times its starting level" in reason and "still rising" in reason
    assert "smaller learning rate than 0.4" in reason and "restored" in reason
    # the network holds weights whose cost is below the blow-up limit, not 10^14 and rising
    assert np.isfinite(net.parameter_vector()).all()
    assert net.evaluate(*exploding_data())["loss"] < 1e6 * h.loss[0]
    # without the blow-up rule the same run climbs past 10^15 while every cost is still finite
    monkeypatch.setattr(gn.callbacks, "BLOWUP", math.inf)  # the guard reads it there
    _, unchecked = exploding_linear_fit()
    assert max(unchecked.loss) > 1e15 and all(math.isfinite(v) for v in unchecked.loss)


def exploding_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    return X, X @ np.array([1.0, -2.0])


def test_a_network_that_starts_out_perfect_is_not_stopped_by_its_first_harder_batch() -> None:
    """The first mini-batch costs exactly 0, the second 0.5: a million times 0 is no limit,
    so the starting level is never below the cost of a network that knows nothing."""
    net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0,
                                dtype="float64")  # fmt: skip
    net.W[1][...] = 0.0
    net.b[1][...] = 0.0
    X = np.concatenate([np.zeros((10, 1)), np.ones((10, 1))])
    y = X.copy()  # y = x: the first ten samples are already fitted by w = b = 0
    first = net.cost(X[:10], y[:10])
    h = net.fit(X, y, epochs=20, batch_size=10, shuffle=False, optimizer=gn.SGD(lr=0.1),
                verbose=0)  # fmt: skip
    assert first == 0.0 and h.stop_reason is None and not h.diverged and h.epochs == 20
    assert h.loss[-1] < h.loss[0]


def test_a_cost_that_is_not_finite_before_any_step_blames_the_data_not_the_learning_rate() -> None:
    X, y = regression_data()
    net = gn.Network.from_sizes([3, 8, 1], activation="relu", output_activation="identity",
                                cost="mse", seed=0)  # fmt: skip
    start = net.parameter_vector()
    with pytest.warns(RuntimeWarning, match="before any step was taken"):
        h = net.fit(X * 1e30, y, epochs=3, verbose=0)  # (1e30)² overflows float32
    reason = h.stop_reason or ""
    assert h.diverged and "learning rate is not the cause" in reason
    assert "smaller learning rate" not in reason and "the largest |x| is" in reason
    assert "weights are unchanged" in reason
    np.testing.assert_array_equal(net.parameter_vector(), start)


def test_inputs_that_overflow_float32_are_named_as_such() -> None:
    X, y = regression_data(20)
    net = regression_net("float32")
    X[4, 1] = 1e39  # finite in float64, beyond float32's 3.4e38
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no "overflow encountered in cast" on the way
        with pytest.raises(ValueError, match=r"X holds numbers too large for float32 .*row 4"):
            net.fit(X, y, verbose=0)
        with pytest.raises(ValueError, match=r"Y holds numbers too large for float32"):
            net.fit(regression_data(20)[0], y * 1e39, verbose=0)
    X[4, 1] = np.inf  # a real infinity is still called one
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        net.fit(X, y, verbose=0)
    assert np.isfinite(regression_net("float64").predict(np.full_like(X, 1e39))).all()


def test_the_last_sound_weights_are_copied_once_per_epoch_not_per_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    keep = gn.callbacks.DivergenceGuard.keep

    def spy(self, epoch):  # type: ignore[no-untyped-def]
        calls.append(epoch)
        keep(self, epoch)

    monkeypatch.setattr(gn.callbacks.DivergenceGuard, "keep", spy)
    X, y = regression_data()
    regression_net().fit(X, y, epochs=4, batch_size=10, optimizer=gn.SGD(lr=0.05), verbose=0)
    assert calls == [1, 2, 3, 4]  # 20 mini-batches per epoch, one copy


# -- what fit records for code: the optimizer on the network, why it stopped, the last η ---------


def test_fit_keeps_the_optimizer_it_trained_with_on_the_network(tmp_path: Path) -> None:
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    assert net.optimizer is None  # before any fit
    adam = gn.Adam(lr=0.05)
    h = net.fit(X, Y, epochs=3, batch_size=2, optimizer=adam, verbose=0)
    assert net.optimizer is adam and adam.t == 6 and h.last_lr == 0.05  # the object, state and all
    net.fit(X, Y, epochs=1, verbose=0)  # no optimizer: fit's own SGD(lr=0.1) is the one kept
    assert type(net.optimizer) is gn.SGD and net.optimizer.lr == 0.1
    kept = net.optimizer
    with pytest.raises(ValueError, match="features"):  # refused before training: nothing kept
        net.fit(X[:, :1], Y, optimizer=gn.SGD(lr=5.0), verbose=0)
    assert net.optimizer is kept
    copy = net.copy()  # a copy trains on with its own copy of the optimizer
    assert copy.optimizer is not kept and copy.optimizer is not None and copy.optimizer.lr == 0.1
    gn.save(net, tmp_path / "m.safetensors")  # model files hold the network, not how it was trained
    assert gn.load(tmp_path / "m.safetensors").optimizer is None


class StopAtBatch(gn.Callback):
    def __init__(self, batch: int) -> None:
        self.batch = batch

    def on_batch_end(self, run: gn.callbacks.TrainingRun, cost: float) -> None:
        if run.batch == self.batch:
            run.stop("enough")


def test_history_stop_kind_says_why_training_ended() -> None:
    X, y = regression_data()
    full = regression_net().fit(X, y, epochs=2, optimizer=gn.SGD(lr=0.05), verbose=0)
    assert full.stop_kind is None and full.stop_reason is None and full.last_lr == 0.05
    asked = regression_net().fit(X, y, epochs=2, verbose=0, callbacks=[StopAtBatch(3)])
    assert asked.stop_kind == "callback" and asked.stop_reason == "enough" and not asked.diverged
    with pytest.warns(RuntimeWarning, match="training diverged"):
        blown = regression_net().fit(X, y, epochs=5, optimizer=gn.SGD(lr=1e6), verbose=0)
    assert blown.stop_kind == "diverged" and blown.diverged
    overflow = gn.Network.from_sizes([3, 8, 1], activation="relu", output_activation="identity",
                                     cost="mse", seed=0)  # fmt: skip
    with pytest.warns(RuntimeWarning, match="before any step was taken"):
        first = overflow.fit(X * 1e30, y, epochs=3, verbose=0)  # (1e30)² overflows float32
    assert first.stop_kind == "overflow_at_start" and first.diverged
    # a History carried on by a later fit tells of that fit
    again = regression_net().fit(X, y, epochs=1, verbose=0, history=first)
    assert again is first and first.stop_kind is None and not first.diverged


def test_history_stop_records_kind_epoch_batch_lr_and_cost() -> None:
    X, y = regression_data()
    asked = regression_net().fit(
        X, y, epochs=4, optimizer=gn.SGD(lr=0.05), verbose=0, callbacks=[StopAtBatch(3)]
    )
    stop = asked.stop
    assert stop is not None and (stop.kind, stop.epoch, stop.batch) == ("callback", 1, 3)
    assert stop.lr == 0.05 and stop.cost is None and stop.restored_epoch is None
    assert stop.message == asked.stop_reason == "enough" and not stop.diverged

    with pytest.warns(RuntimeWarning, match="training diverged"):
        blown = regression_net().fit(X, y, epochs=5, optimizer=gn.SGD(lr=1e6), verbose=0)
    stop = blown.stop
    assert stop is not None and stop.kind == "diverged" and stop.diverged and stop.lr == 1e6
    assert f"at epoch {stop.epoch}, mini-batch {stop.batch}" in stop.message
    assert stop.restored_epoch == 1 and stop.message == blown.stop_reason
    assert stop.cost is not None and (
        not math.isfinite(stop.cost) or (stop.limit is not None and stop.cost > stop.limit)
    )

    net = regression_net("float64")
    spy = RecordEpochStarts(lr_from_epoch=3, lr=1e6)
    with pytest.warns(RuntimeWarning, match="at epoch 3, mini-batch 2"):
        later = net.fit(X, y, epochs=10, optimizer=gn.SGD(lr=0.05), verbose=0, callbacks=[spy])
    assert later.stop is not None and (later.stop.epoch, later.stop.batch) == (3, 2)
    assert later.stop.restored_epoch == 3 and later.stop.lr == 1e6
    cost, limit = later.stop.cost, later.stop.limit
    assert cost is not None and (limit is None or cost > limit >= gn.training.BLOWUP * 1e-3)

    overflow = gn.Network.from_sizes([3, 8, 1], activation="relu", output_activation="identity",
                                     cost="mse", seed=0)  # fmt: skip
    with pytest.warns(RuntimeWarning, match="before any step was taken"):
        first = overflow.fit(X * 1e30, y, epochs=3, verbose=0)
    stop = first.stop
    assert stop is not None and (stop.kind, stop.epoch, stop.batch) == ("overflow_at_start", 1, 1)
    assert stop.cost is not None and not math.isfinite(stop.cost) and stop.restored_epoch == 0
    assert stop.limit is None and stop.lr == 0.1  # the default SGD


def test_stop_reason_kind_and_diverged_are_views_of_stop() -> None:
    h = gn.History()
    assert h.stop is None and h.stop_reason is None and h.stop_kind is None and not h.diverged
    h.stop = gn.callbacks.Stop("callback", 3, 2, 0.1, message="enough")
    assert h.stop_reason == "enough" and h.stop_kind == "callback" and not h.diverged
    h.stop = gn.callbacks.Stop("diverged", 3, 2, 0.1, message="too big")
    assert h.diverged and h.stop_reason == "too big" and h.stop_kind == "diverged"
    with pytest.raises(AttributeError):
        h.stop_reason = "edited"  # type: ignore[misc]  (a view of h.stop, which is the record)
    with pytest.raises(ValueError, match=r"Stop\.kind must be one of 'callback', 'diverged'"):
        gn.callbacks.Stop("bored")
    assert gn.training.Stop is gn.callbacks.Stop
