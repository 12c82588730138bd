"""Diagnosis in plain language: every kind comes from a real small training run that shows it."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.diagnosis import (
    Finding,
    NetworkDiagnosis,
    NetworkThresholds,
    TrainingDiagnosis,
    TrainingThresholds,
)
from helpers import xor_data

# -- data and runs -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """400 of the 8×8 digits: the tutorial's kind of data, small enough to train in a blink."""
    ds = gn.datasets.load("digits", seed=0)
    return ds.X_train[:400], ds.y_train[:400]


def linear_data(noise: float = 0.0, m: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 2))
    return X, X @ np.array([1.0, -2.0]) + noise * rng.normal(size=m)


def tutorial_run(
    X: np.ndarray, y: np.ndarray, lr: float, epochs: int = 10, **fit: object
) -> tuple[gn.Network, gn.History, gn.TrainingMonitor]:
    """The tutorial's 64-30-10 sigmoid network, quadratic cost, SGD, mini-batches of 10."""
    net = gn.Network.from_sizes([64, 30, 10], seed=0)
    monitor = gn.TrainingMonitor()
    history = net.fit(
        X, y, epochs=epochs, optimizer=gn.SGD(lr=lr), verbose=0, callbacks=[monitor], **fit
    )
    return net, history, monitor


def diverging_sine_run() -> tuple[gn.Network, gn.History, gn.TrainingMonitor]:
    """docs/cli.md's ReLU sine network with η = 10: the cost blows up in epoch 1."""
    ds = gn.datasets.load("sine", seed=0)
    net = gn.Network.from_sizes(
        [1, 16, 1], activation="relu", output_activation="identity", cost="mse", seed=0
    )
    monitor = gn.TrainingMonitor()
    with pytest.warns(RuntimeWarning, match="diverged"):
        history = net.fit(
            ds.X_train, ds.y_train, epochs=5, optimizer=gn.SGD(lr=10), verbose=0,
            callbacks=[monitor],
        )  # fmt: skip
    return net, history, monitor


def exploding_linear_run(epochs: int = 4) -> tuple[gn.Network, gn.History, gn.TrainingMonitor]:
    """A 2-4-1 linear network, full-batch SGD with η = 0.4: each step overshoots further."""
    X, y = linear_data()
    net = gn.Network.from_sizes([2, 4, 1], activation="identity", cost="mse", seed=0)
    monitor = gn.TrainingMonitor()
    history = net.fit(
        X, y, epochs=epochs, batch_size=32, optimizer=gn.SGD(lr=0.4), verbose=0,
        callbacks=[monitor],
    )  # fmt: skip
    return net, history, monitor


# -- training diagnosis: one test per kind -------------------------------------------------------


def test_a_run_that_diverges_on_purpose_is_diagnosed_as_diverged() -> None:
    _, history, monitor = diverging_sine_run()
    assert history.stop_reason is not None and monitor.nonfinite
    epoch, batch = monitor.nonfinite_at or (0, 0)
    assert f"epoch {epoch}, mini-batch {batch}" in history.stop_reason
    report = monitor.diagnose()
    assert report.kinds[0] == "diverged" and not report.ok
    finding = report["diverged"]
    assert finding.severity == "problem"
    assert "lr=1 instead of 10" in finding.fix  # η ÷ 10
    # the evidence names the last finite mini-batch costs, which grew
    last = finding.numbers["last_batch_costs"]
    assert last == monitor.batch_costs[-len(last) :] and last[-1] > 100 * last[0]
    assert "still rising" in finding.evidence  # fit stopped the blow-up before it overflowed
    # the History alone (no monitor) is enough to see it, and to read η from fit's message
    alone = gn.diagnose_training(history)
    assert alone.kinds == ["diverged"] and "lr=1 instead of 10" in alone["diverged"].fix


def test_a_rising_cost_with_exploding_weights() -> None:
    _, history, monitor = exploding_linear_run()
    assert history.loss[-1] > 10 * min(history.loss)  # it really rose
    report = monitor.diagnose()
    assert {"rising", "exploding_weights"} <= set(report.kinds)
    assert "barely_moving" not in report.kinds and "converging" not in report.kinds
    rising = report["rising"]
    assert "lr=0.04 instead of 0.4" in rising.fix
    best = rising.numbers["best_epoch"]
    assert history.loss[best - 1] == min(history.loss[:-1])
    weights = report["exploding_weights"].numbers
    norms = [row[weights["layer"] - 1] for row in monitor.weight_norms]
    assert weights["factor"] == pytest.approx(norms[-1] / norms[0])
    assert weights["factor"] > TrainingThresholds().weight_growth
    fix = report["exploding_weights"].fix
    assert "l2=" in fix and "clip_norm=" in fix
    # without the monitor, the rising cost alone is still seen
    assert "rising" in gn.diagnose_training(history).kinds


def test_an_oscillating_cost_from_small_batches_and_a_large_step() -> None:
    X, y = linear_data(noise=0.5, m=64)
    net = gn.Network.from_sizes([2, 1], activation="identity", cost="mse", seed=0)
    history = net.fit(X, y, epochs=12, batch_size=4, optimizer=gn.SGD(lr=0.3), verbose=0, seed=0)
    report = gn.diagnose_training(history)
    assert report.kinds == ["oscillating"]
    numbers = report["oscillating"].numbers
    assert numbers["sign_changes"] >= TrainingThresholds().oscillation_sign_changes
    assert numbers["amplitude"] > TrainingThresholds().oscillation_amplitude
    assert "batch_size" in report["oscillating"].fix
    # the same data in one full batch with a modest η falls steadily: no oscillation
    calm = gn.Network.from_sizes([2, 1], activation="identity", cost="mse", seed=0)
    h = calm.fit(X, y, epochs=12, batch_size=64, optimizer=gn.SGD(lr=0.1), verbose=0)
    assert "oscillating" not in gn.diagnose_training(h).kinds


def test_a_huge_learning_rate_explodes_the_weights_and_freezes_the_cost(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    # docs/cli.md's η = 300: the first steps saturate every sigmoid, then nothing moves
    _, _, monitor = tutorial_run(*digits, lr=300, epochs=5)
    report = monitor.diagnose()
    assert set(report.kinds) == {"exploding_weights", "barely_moving"}
    assert monitor.weight_norms[1][1] > 10 * monitor.weight_norms[0][1]
    stuck = report["barely_moving"]
    assert "saturat" in stuck.message and "lr=30 instead of 300" in stuck.fix  # η ÷ 10, not × 10


def test_a_tiny_learning_rate_barely_moves(digits: tuple[np.ndarray, np.ndarray]) -> None:
    # docs/cli.md's η = 0.01: the cost creeps down, each step a few hundredths of a percent
    _, _, monitor = tutorial_run(*digits, lr=0.01, epochs=15)
    report = monitor.diagnose()
    assert report.kinds == ["barely_moving"]
    finding = report["barely_moving"]
    assert "lr=0.1 instead of 0.01" in finding.fix  # η × 10
    assert finding.numbers["update_ratio"] == max(monitor.update_ratios[-1])
    assert finding.numbers["update_ratio"] < TrainingThresholds().small_update_ratio
    # without a monitor, an even smaller η shows in the costs alone
    X, y = digits
    net = gn.Network.from_sizes([64, 30, 10], seed=0)
    h = net.fit(X, y, epochs=4, optimizer=gn.SGD(lr=1e-4), verbose=0)
    alone = gn.diagnose_training(h)
    assert alone.kinds == ["barely_moving"]
    assert alone["barely_moving"].numbers["relative_decrease"] < TrainingThresholds().barely_moving


def test_overfitting_on_a_few_noisy_samples() -> None:
    ds = gn.datasets.load("sine", n_samples=60, noise=0.3, seed=0, test_fraction=0.8)
    net = gn.Network.from_sizes(
        [1, 64, 64, 1], activation="relu", output_activation="identity", cost="mse", seed=0
    )
    h = net.fit(
        ds.X_train, ds.y_train, epochs=200, batch_size=12, optimizer=gn.Adam(lr=0.01),
        validation_data=(ds.X_test, ds.y_test), verbose=0, seed=0,
    )  # fmt: skip
    report = gn.diagnose_training(h)
    assert report.kinds == ["overfitting"] and not report.ok
    finding = report["overfitting"]
    best = finding.numbers["best_epoch"]
    assert h.val_loss[best - 1] == min(h.val_loss)
    assert h.val_loss[-1] > 1.1 * min(h.val_loss) and h.loss[-1] < h.loss[best - 1]
    assert "EarlyStopping" in finding.fix and "l2" in finding.fix and "dropout" in finding.fix
    # the same run cut at its best epoch shows no overfitting
    cut = gn.History(loss=h.loss[:best], val_loss=h.val_loss[:best])
    assert "overfitting" not in gn.diagnose_training(cut).kinds


def test_a_healthy_run_is_reported_as_converging(digits: tuple[np.ndarray, np.ndarray]) -> None:
    # the tutorial's η = 3
    net, history, monitor = tutorial_run(*digits, lr=3.0)
    report = monitor.diagnose()
    assert report.ok and report.kinds == ["converging"]
    assert "still falling" in report["converging"].message
    assert gn.diagnose_training(history).kinds == ["converging"]
    # and the trained network itself looks healthy
    health = gn.diagnose(net, *digits, optimizer=gn.SGD(lr=3.0))
    assert health.ok and health.kinds == ["healthy"]


def test_a_run_that_levelled_off_has_converged() -> None:
    X = np.linspace(-1, 1, 20)[:, None]
    y = 3 * X[:, 0] - 1
    net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0)
    h = net.fit(X, y, epochs=40, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
    report = gn.diagnose_training(h)
    assert report.kinds == ["converging"] and "converged" in report["converging"].message


@pytest.mark.parametrize(
    ("sizes", "hidden", "output", "cost", "optimizer", "epochs"),
    [
        ([64, 30, 10], "relu", "softmax", "cross_entropy", gn.SGD(lr=0.1), 8),
        ([64, 30, 10], "tanh", "softmax", "cross_entropy", gn.SGD(lr=0.05, momentum=0.9), 8),
        ([64, 16, 16, 10], "relu", "softmax", "cross_entropy", gn.Adam(lr=0.003), 8),
        ([64, 30, 10], "sigmoid", "sigmoid", "binary_cross_entropy", gn.SGD(lr=3.0), 8),
    ],
)
def test_no_false_alarms_on_healthy_runs(
    digits: tuple[np.ndarray, np.ndarray],
    sizes: list[int],
    hidden: str,
    output: str,
    cost: str,
    optimizer: gn.Optimizer,
    epochs: int,
) -> None:
    X, y = digits
    net = gn.Network.from_sizes(
        sizes, activation=hidden, output_activation=output, cost=cost, seed=0
    )
    monitor = gn.TrainingMonitor(data=(X, y))
    h = net.fit(
        X[:300], y[:300], epochs=epochs, optimizer=optimizer, verbose=0, callbacks=[monitor],
        validation_data=(X[300:], y[300:]),
    )  # fmt: skip
    report = monitor.diagnose()
    assert report.ok, str(report)
    assert h.loss[-1] < 0.5 * h.loss[0]
    health = gn.diagnose(net, X, y, optimizer=optimizer)
    assert health.ok, str(health)


# -- the monitor ---------------------------------------------------------------------------------


def test_the_monitor_records_what_history_lacks() -> None:
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    opt = gn.SGD(lr=2.0)
    halve = gn.callbacks.LRScheduler(gn.StepLR(opt, step_size=1, gamma=0.5))
    monitor = gn.TrainingMonitor(data=(X, y))
    before = [W.copy() for W in net.W]
    h = net.fit(X, y, epochs=3, batch_size=2, optimizer=opt, verbose=0, callbacks=[halve, monitor])
    assert monitor.history is h and monitor.epochs == 3
    assert monitor.lrs == [2.0, 1.0, 0.5]  # η during each epoch
    assert len(monitor.batch_costs) == 6 and monitor.batch_epochs == [1, 1, 2, 2, 3, 3]
    # the epoch's loss is the sample-weighted mean of its mini-batch costs (two batches of 2)
    assert h.loss[0] == pytest.approx(np.mean(monitor.batch_costs[:2]), rel=1e-6)
    assert np.allclose(monitor.weight_norms[0], [np.linalg.norm(W) for W in before])
    assert np.allclose(monitor.weight_norms[-1], [np.linalg.norm(W) for W in net.W])
    assert len(monitor.gradient_norms) == 4
    assert np.allclose(
        monitor.gradient_norms[-1], [w for w, _ in net.gradients(X, y).norms().values()]
    )
    ratios = np.array(monitor.update_ratios)
    assert ratios.shape == (3, 2) and (ratios > 0).all()
    assert (np.array(monitor.largest_update_ratios) >= ratios).all()
    assert not monitor.nonfinite and monitor.stop_reason is None
    # a second fit starts a new record
    net.fit(X, y, epochs=1, batch_size=4, optimizer=opt, verbose=0, callbacks=[monitor])
    assert monitor.epochs == 1 and len(monitor.batch_costs) == 1


def test_update_ratio_is_the_step_over_the_weights() -> None:
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
    twin = net.copy()
    monitor = gn.TrainingMonitor()
    net.fit(X, y, epochs=1, batch_size=4, optimizer=gn.SGD(lr=0.5), verbose=0, callbacks=[monitor])
    grads = twin.gradients(X, y)
    for l in (1, 2):  # one step of plain SGD: ΔW = −η ∂C/∂W
        expected = 0.5 * np.linalg.norm(grads.W[l]) / np.linalg.norm(twin.W[l])
        assert monitor.update_ratios[0][l - 1] == pytest.approx(expected, rel=1e-9)


def test_monitor_errors() -> None:
    with pytest.raises(ValueError, match="has not watched a run"):
        gn.TrainingMonitor().diagnose()
    with pytest.raises(ValueError, match="pair"):
        gn.TrainingMonitor(data=np.zeros((2, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_samples"):
        gn.TrainingMonitor(max_samples=0)
    with pytest.raises(ValueError, match="History"):
        gn.diagnose_training({"loss": [1.0]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="TrainingMonitor"):
        gn.diagnose_training(gn.History(loss=[1.0, 0.5]), monitor=object())  # type: ignore[arg-type]


# -- thresholds ----------------------------------------------------------------------------------


def test_thresholds_are_named_and_change_the_verdict() -> None:
    h = gn.History(loss=[1.0, 0.99, 0.985, 0.98])  # 2% lower over the run
    assert gn.diagnose_training(h).kinds == ["barely_moving"]
    looser = TrainingThresholds(barely_moving=0.01)
    assert gn.diagnose_training(h, thresholds=looser).kinds == ["converging"]
    rising = gn.History(loss=[1.0, 0.8, 0.85, 0.9])  # 12% above its best, still going up
    assert gn.diagnose_training(rising).kinds == ["rising"]
    assert "rising" not in gn.diagnose_training(rising, thresholds=TrainingThresholds(rising=0.2))
    for field in dataclasses.fields(TrainingThresholds):
        assert field.name in (TrainingThresholds.__doc__ or "")
    for field in dataclasses.fields(NetworkThresholds):
        assert field.name in (NetworkThresholds.__doc__ or "")
    with pytest.raises(ValueError, match="barely_moving must be a positive number"):
        TrainingThresholds(barely_moving=-1)
    with pytest.raises(ValueError, match="whole number"):
        TrainingThresholds(recent_epochs=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dead_fraction"):
        NetworkThresholds(dead_fraction=float("nan"))


def test_too_short_a_run_is_not_judged() -> None:
    report = gn.diagnose_training(gn.History(loss=[0.5]))
    assert report.ok and "Too short" in report["converging"].message


# -- the report as text and as data --------------------------------------------------------------


def test_report_text_reads_like_a_note(digits: tuple[np.ndarray, np.ndarray]) -> None:
    _, _, monitor = tutorial_run(*digits, lr=0.01, epochs=15)
    report = monitor.diagnose()
    text = str(report)
    head = "Training diagnosis (15 epochs, learning rate η = 0.01): needs attention"
    assert text.startswith(head)
    finding = report.findings[0]
    flat = " ".join(text.split())  # the sentences are wrapped to TEXT_WIDTH columns
    assert finding.message in flat and finding.evidence in flat and finding.fix in flat
    assert "evidence:" in text and "try:" in text
    assert max(len(line) for line in text.splitlines()) <= gn.diagnosis.TEXT_WIDTH
    assert isinstance(report, TrainingDiagnosis) and repr(report).startswith("TrainingDiagnosis(")
    assert "barely_moving" in report
    with pytest.raises(KeyError, match="no 'overfitting' finding"):
        report["overfitting"]


def test_findings_sort_the_most_serious_first() -> None:
    ok = Finding("converging", "ok", "fine", "numbers")
    bad = Finding("rising", "problem", "bad", "numbers", "fix")
    meh = Finding("overfitting", "warning", "meh", "numbers", "fix")
    assert TrainingDiagnosis([ok, meh, bad], epochs=3, lr=None).kinds == [
        "rising",
        "overfitting",
        "converging",
    ]
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "fatal", "m", "e")


# -- network diagnosis ---------------------------------------------------------------------------


def test_saturated_sigmoid_units_after_a_huge_step(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    net, _, _ = tutorial_run(X, y, lr=300, epochs=1)
    report = gn.diagnose(net, X, y)
    assert not report.ok
    saturated = [f for f in report.findings if f.kind == "saturated_units"]
    assert [f.numbers["layer"] for f in saturated] == [1, 2]
    # the share equals a direct count of σ'(z) < 0.01 σ'(0) = 0.0025 over the trace
    t = net.astype("float64").trace(X, y)
    for l in (1, 2):
        slope = t.a[l] * (1 - t.a[l])  # σ'(z) = σ(z)(1 − σ(z))
        assert report.layers[l - 1].saturated == pytest.approx(np.mean(slope < 0.0025), abs=0.01)
    assert "cross_entropy" in saturated[1].fix  # the output layer: a cost whose δ does not vanish
    # every sample's right class has its output stuck at 0: saturated *and* wrong
    wrong = np.abs(t.a[2] - t.y) > 0.5
    stuck = np.mean(((t.a[2] * (1 - t.a[2]) < 0.0025) & wrong).any(axis=1))
    assert report.layers[1].stuck == pytest.approx(stuck, abs=0.01) and stuck > 0.9
    assert report.layers[0].stuck is None
    # a well-trained network has many saturated outputs, but they are right: no alarm
    good, _, _ = tutorial_run(X, y, lr=3.0, epochs=30)
    trained = gn.diagnose(good, X, y)
    assert trained.layers[1].saturated > 0.3 and trained.layers[1].stuck < 0.05  # type: ignore[operator]
    assert "saturated_units" not in trained.kinds
    # and the table says so, instead of a bare share that contradicts the verdict
    output_cell = trained.table_rows()[2][6]
    share, stuck_share = trained.layers[1].saturated, trained.layers[1].stuck
    assert output_cell == f"{share:.0%} ({stuck_share:.0%} wrong)"
    healthy = gn.diagnose(good, X, y, optimizer=gn.SGD(lr=3.0))  # the η it was trained with
    assert healthy.kinds == ["healthy"]
    assert "no hidden layer is saturated" in healthy.findings[0].message


def test_dead_relu_units_forced_by_a_large_negative_bias(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = digits
    net = gn.Network.from_sizes(
        [64, 30, 10], activation="relu", output_activation="softmax", cost="cross_entropy", seed=0
    )
    net.b[1] = np.r_[np.full(20, -5.0), np.zeros(10)]  # 20 of the 30 hidden neurons can't fire
    net.fit(X, y, epochs=2, optimizer=gn.SGD(lr=0.1), verbose=0)
    report = gn.diagnose(net, X, y)
    assert "dead_relu" in report.kinds
    z1 = X @ net.W[1].T + net.b[1]
    expected = np.mean((z1 <= 0).all(axis=0))
    assert report.layers[0].dead == pytest.approx(expected) and expected >= 20 / 30
    assert report.layers[1].dead is None  # softmax: not a ReLU layer
    assert "leaky_relu" in report["dead_relu"].fix
    # the same network without the bias has few dead units
    alive = gn.Network.from_sizes(
        [64, 30, 10], activation="relu", output_activation="softmax", cost="cross_entropy", seed=0
    )
    alive.fit(X, y, epochs=2, optimizer=gn.SGD(lr=0.1), verbose=0)
    assert "dead_relu" not in gn.diagnose(alive, X, y).kinds


def test_vanishing_gradients_in_a_deep_sigmoid_net(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    net = gn.Network.from_sizes([64, 30, 30, 30, 30, 30, 10], init="small", seed=0)
    net.fit(X, y, epochs=1, optimizer=gn.SGD(lr=1.0), verbose=0)
    report = gn.diagnose(net, X, y)
    assert "vanishing_gradients" in report.kinds
    norms = [w for w, _ in net.gradients(X, y).norms().values()]
    assert [d.gradient_norm for d in report.layers] == pytest.approx(norms, rel=1e-5)
    ratio = report["vanishing_gradients"].numbers["ratio"]
    assert ratio == pytest.approx(norms[0] / norms[-1], rel=1e-5)
    assert ratio < NetworkThresholds().vanishing_ratio
    # a shallow network passes its gradients back fine
    shallow = gn.Network.from_sizes([64, 30, 10], init="small", seed=0)
    assert "vanishing_gradients" not in gn.diagnose(shallow, X, y).kinds


def test_exploding_gradients_and_large_updates_after_overshooting() -> None:
    net, _, _ = exploding_linear_run()
    X, y = linear_data()
    report = gn.diagnose(net, X, y, optimizer=gn.SGD(lr=0.4))
    assert {"exploding_gradients", "large_updates"} <= set(report.kinds)
    assert max(d.gradient_norm for d in report.layers) > NetworkThresholds().exploding_norm
    assert "clip_norm=" in report["exploding_gradients"].fix


def test_one_step_too_large_or_too_small(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    net = gn.Network.from_sizes([64, 30, 10], seed=0, dtype="float64")
    big = gn.diagnose(net, X, y, optimizer=gn.SGD(lr=300))
    assert "large_updates" in big.kinds and "lr=30 instead of 300" in big["large_updates"].fix
    # the ratio is ‖ΔW‖/‖W‖ of one SGD step: η ‖∂C/∂W‖ / ‖W‖
    g = net.gradients(X, y)
    for d in big.layers:
        expected = 300 * np.linalg.norm(g.W[d.l]) / np.linalg.norm(net.W[d.l])
        assert d.update_ratio == pytest.approx(expected, rel=1e-9)
    small = gn.diagnose(net, X, y, optimizer=gn.SGD(lr=1e-5))
    assert small.kinds == ["small_updates"]
    assert "lr=0.0001 instead of 1e-05" in small.findings[0].fix
    assert small.findings[0].severity == "warning"


def test_diagnose_changes_neither_the_network_nor_the_optimizer(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = digits
    net = gn.Network.from_sizes([64, 30, 10], seed=0)
    opt = gn.Adam(lr=0.01)
    net.fit(X[:50], y[:50], epochs=1, optimizer=opt, verbose=0)  # an optimizer with state
    weights = net.parameter_vector().copy()
    state = {k: np.array(v, copy=True) for k, v in opt.state_dict().items()}
    rng_state = net.rng.bit_generator.state
    report = gn.diagnose(net, X, y, optimizer=opt)
    assert np.array_equal(net.parameter_vector(), weights)
    after = opt.state_dict()
    assert after.keys() == state.keys()
    for key, value in state.items():
        assert np.array_equal(np.asarray(after[key]), value), key
    assert net.rng.bit_generator.state == rng_state
    assert all(d.update_ratio > 0 for d in report.layers)


def test_a_diverged_network_is_reported_as_non_finite() -> None:
    net, _, _ = diverging_sine_run()
    X, y = gn.datasets.load("sine", seed=0).X_train, gn.datasets.load("sine", seed=0).y_train
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        net.W[1] *= 1e30  # past what float32 holds once multiplied through
        report = gn.diagnose(net, X, y)
    assert report.kinds == ["non_finite"] and not report.ok


def test_network_report_table_and_html(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    net = gn.Network.from_sizes(
        [64, 20, 10], activation="relu", output_activation="sigmoid", seed=0
    )
    report = gn.diagnose(net, X[:50], y[:50])
    assert isinstance(report, NetworkDiagnosis) and report.m == 50
    lines = str(report).splitlines()
    assert lines[0].startswith("Network diagnosis on 50 samples") and "SGD(lr=0.1)" in lines[0]
    assert lines[1].split()[:3] == ["layer", "neurons", "σ"]
    assert lines[2].split()[:3] == ["1", "20", "relu"]
    assert lines[3].split()[:3] == ["2", "10", "sigmoid"]
    assert len(report.layers) == net.L and [d.l for d in report.layers] == [1, 2]
    assert report.layers[0].saturated is None and report.layers[1].dead is None
    html = report._repr_html_()
    assert html.count("<tr>") == net.L + 1 and "<li>" in html


def test_diagnose_rejects_bad_input() -> None:
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="Network"):
        gn.diagnose("net", X, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Optimizer"):
        gn.diagnose(net, X, y, optimizer="sgd")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        gn.diagnose(net, np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="NetworkThresholds"):
        gn.diagnose(net, X, y, thresholds=TrainingThresholds())  # type: ignore[arg-type]


def test_glassnet_train_diagnose_prints_both_reports(capsys: pytest.CaptureFixture[str]) -> None:
    from glassnet.cli import main

    code = main(["train", "--dataset", "xor", "--epochs", "3", "--no-save", "-q", "--diagnose"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Training diagnosis (3 epochs, learning rate η = 1.5)" in out  # the default SGD η
    assert "Network diagnosis on" in out and "layer  neurons" in out


# -- the optimizer diagnose measures, and a stop that is not the learning rate's fault -----------


def test_diagnose_measures_the_optimizer_the_network_was_last_trained_with(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = digits
    net = gn.Network.from_sizes([64, 30, 10], init="small", cost="mse", seed=0)
    fresh = gn.diagnose(net, X, y)  # never trained: SGD(lr=0.1), and the report says so
    assert (fresh.optimizer, fresh.optimizer_source) == ("SGD(lr=0.1)", "default")
    assert "the default: fit has not trained this network" in str(fresh).splitlines()[0]
    net.fit(X, y, epochs=2, optimizer=gn.SGD(lr=3.0), verbose=0)
    report = gn.diagnose(net, X, y)
    assert (report.optimizer, report.optimizer_source) == ("SGD(lr=3)", "fit")
    assert "SGD(lr=3), the optimizer of the network's latest fit" in str(report).splitlines()[0]
    given = gn.diagnose(net, X, y, optimizer=gn.SGD(lr=3.0))  # the same step, as given
    assert given.optimizer_source == "given" and ", as given)" in str(given).splitlines()[0]
    assert [d.update_ratio for d in report.layers] == [d.update_ratio for d in given.layers]
    slow = gn.diagnose(net, X, y, optimizer=gn.SGD(lr=0.1))  # what it used to measure: 30× smaller
    assert [d.update_ratio for d in slow.layers] == pytest.approx(
        [d.update_ratio / 30 for d in report.layers], rel=1e-3
    )
    # an optimizer with state is measured as it stands, and left as it was
    adam = gn.Adam(lr=0.01)
    net.fit(X, y, epochs=1, optimizer=adam, verbose=0)
    t, m1 = adam.t, adam.state_dict()["exp_avg.W[1]"].copy()
    assert gn.diagnose(net, X, y).optimizer == "Adam(lr=0.01)"
    assert adam.t == t and np.array_equal(adam.state_dict()["exp_avg.W[1]"], m1)


def test_a_network_that_has_learned_its_data_is_not_told_to_raise_the_learning_rate() -> None:
    """The README's XOR network: after 2000 epochs its steps are tiny because the cost is near 0
    (a minimum), not because η = 1.5 is too small."""
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", cost="mse", seed=0)
    net.fit(X, y, epochs=2000, batch_size=4, optimizer=gn.SGD(lr=1.5), verbose=0)
    report = gn.diagnose(net, X, y)
    assert max(d.update_ratio for d in report.layers) < NetworkThresholds().small_update_ratio
    assert report.kinds == ["healthy"] and "raise the learning rate" not in str(report)
    assert "small only because these samples are learned" in report["healthy"].message
    assert report["healthy"].numbers["baseline_cost"] == pytest.approx(0.25)  # σ(0) = 0.5
    # the same tiny steps on a network that has learned nothing are a small η
    untrained = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", cost="mse", seed=0)
    small = gn.diagnose(untrained, X, y, optimizer=gn.SGD(lr=1e-5))
    assert (
        small.kinds == ["small_updates"]
        and "lr=0.0001 instead of 1e-05" in small["small_updates"].fix
    )


def overflowing_first_batch() -> tuple[gn.History, gn.TrainingMonitor]:
    X = np.random.default_rng(0).normal(size=(40, 3)) * 1e30  # (1e30)² overflows float32
    net = gn.Network.from_sizes([3, 8, 1], activation="relu", output_activation="identity",
                                cost="mse", seed=0)  # fmt: skip
    monitor = gn.TrainingMonitor()
    with pytest.warns(RuntimeWarning, match="before any step was taken"):
        history = net.fit(X, X[:, 0], epochs=3, optimizer=gn.SGD(lr=1e-3), verbose=0,
                          callbacks=[monitor])  # fmt: skip
    return history, monitor


def test_a_cost_that_overflows_before_the_first_step_blames_the_data_not_the_learning_rate() -> (
    None
):
    history, monitor = overflowing_first_batch()
    assert history.stop_kind == "overflow_at_start"
    for report in (monitor.diagnose(), gn.diagnose_training(history)):
        assert report.kinds == ["overflow_at_start"] and not report.ok
        finding = report["overflow_at_start"]
        assert "the learning rate is not the cause" in finding.message
        assert "learning rate" not in finding.fix and "scale the inputs" in finding.fix
        assert "dtype='float64'" in finding.fix and finding.evidence == history.stop_reason


def test_a_callback_that_stops_mid_epoch_is_not_a_divergence() -> None:
    X, y = xor_data()

    class StopAtBatch2(gn.Callback):
        def on_batch_end(self, run: gn.TrainingRun, cost: float) -> None:
            if run.batch == 2:
                run.stop("I have seen enough")

    monitor = gn.TrainingMonitor()
    history = gn.Network.from_sizes([2, 3, 1], seed=0).fit(
        X, y, epochs=5, batch_size=1, verbose=0, callbacks=[StopAtBatch2(), monitor]
    )
    assert history.stop_kind == "callback" and not monitor.nonfinite
    assert "diverged" not in monitor.diagnose().kinds
