"""Callbacks: hook order, stopping, the per-epoch line and the progress bar."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet.callbacks import EpochLogger, LRScheduler, ProgressBar
from helpers import xor_data


class Recorder(gn.Callback):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_train_begin(self, run: gn.TrainingRun) -> None:
        self.events.append("train_begin")

    def on_epoch_begin(self, run: gn.TrainingRun) -> None:
        self.events.append(f"epoch_begin {run.epoch}")

    def on_batch_end(self, run: gn.TrainingRun, cost: float) -> None:
        assert np.isfinite(cost)
        self.events.append(f"batch {run.epoch}.{run.batch}")

    def on_epoch_end(self, run: gn.TrainingRun) -> None:
        assert len(run.history.loss) == run.epoch  # the epoch's numbers are already in
        self.events.append(f"epoch_end {run.epoch}")

    def on_train_end(self, run: gn.TrainingRun) -> None:
        self.events.append("train_end")


def test_hooks_are_called_in_order() -> None:
    X, Y = xor_data()
    rec = Recorder()
    gn.Network.from_sizes([2, 2, 1], seed=0).fit(
        X, Y, epochs=2, batch_size=3, callbacks=[rec], verbose=0
    )
    assert rec.events == [
        "train_begin",
        "epoch_begin 1", "batch 1.1", "batch 1.2", "epoch_end 1",
        "epoch_begin 2", "batch 2.1", "batch 2.2", "epoch_end 2",
        "train_end",
    ]  # fmt: skip


def test_a_callback_can_stop_training_mid_epoch() -> None:
    class StopAfterThree(gn.Callback):
        def on_batch_end(self, run: gn.TrainingRun, cost: float) -> None:
            if run.epoch == 2 and run.batch == 3:
                run.stop("enough")

    X, Y = np.zeros((40, 2)), np.zeros(40, dtype=int)
    rec = Recorder()
    h = gn.Network.from_sizes([2, 1], seed=0).fit(
        X, Y, epochs=5, batch_size=10, callbacks=[StopAfterThree(), rec], verbose=0
    )
    assert h.stop_reason == "enough"
    assert h.epochs == 1  # epoch 2 was cut short, so it is not reported
    assert rec.events[-2:] == ["batch 2.3", "train_end"]


def test_epoch_logger_writes_one_line_per_epoch() -> None:
    X, Y = xor_data()
    out = io.StringIO()
    gn.Network.from_sizes([2, 2, 1], seed=0).fit(
        X,
        Y,
        epochs=3,
        batch_size=2,
        validation_data=(X, Y),
        callbacks=[EpochLogger(out)],
        verbose=0,
    )
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all("loss" in line and "val_accuracy" in line for line in lines)


def test_progress_bar_draws_each_epoch() -> None:
    pytest.importorskip("tqdm")
    X, Y = np.zeros((50, 2)), np.zeros(50, dtype=int)
    out = io.StringIO()
    gn.Network.from_sizes([2, 1], seed=0).fit(
        X, Y, epochs=2, batch_size=10, callbacks=[ProgressBar(out)], verbose=0
    )
    text = out.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2" in text and "5/5" in text and "loss" in text


def test_callbacks_must_be_callbacks() -> None:
    X, Y = xor_data()
    with pytest.raises(ValueError, match="Callback"):
        gn.Network.from_sizes([2, 1], seed=0).fit(X, Y, callbacks=[print], verbose=0)  # type: ignore[list-item]


class LearningRates(gn.Callback):
    def __init__(self) -> None:
        self.seen: list[float] = []

    def on_epoch_begin(self, run: gn.TrainingRun) -> None:
        self.seen.append(run.optimizer.lr)


def test_lr_scheduler_steps_once_per_epoch() -> None:
    X, Y = xor_data()
    opt = gn.SGD(lr=0.8)
    rates = LearningRates()
    sched = LRScheduler(gn.StepLR(opt, step_size=2, gamma=0.5))
    gn.Network.from_sizes([2, 2, 1], seed=0).fit(
        X, Y, epochs=6, batch_size=2, optimizer=opt, callbacks=[rates, sched], verbose=0
    )
    assert rates.seen == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]


def test_lr_scheduler_feeds_the_validation_cost_to_reduce_on_plateau() -> None:
    watched: list[float] = []

    class Watching(gn.ReduceLROnPlateau):
        def step(self, metric: float | None = None) -> None:
            watched.append(metric)  # type: ignore[arg-type]
            super().step(metric)

    X, Y = xor_data()
    opt = gn.SGD(lr=0.5)
    h = gn.Network.from_sizes([2, 2, 1], seed=0).fit(
        X, Y, epochs=4, batch_size=4, optimizer=opt, validation_data=(X, Y), verbose=0,
        callbacks=[LRScheduler(Watching(opt, patience=0))],
    )  # fmt: skip
    assert watched == h.val_loss


# -- early stopping ---------------------------------------------------------------------------


class WeightsPerEpoch(gn.Callback):
    def __init__(self) -> None:
        self.weights: list[np.ndarray] = []

    def on_epoch_end(self, run: gn.TrainingRun) -> None:
        self.weights.append(run.net.parameter_vector())


def overfitting_run(**kw: object) -> tuple[gn.Network, gn.History, object, WeightsPerEpoch]:
    """Few noisy samples and a big network: the validation cost falls, then rises."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + rng.normal(scale=1.0, size=60) > 0).astype(int)
    net = gn.Network.from_sizes([4, 64, 2], activation="tanh", seed=0)
    stop = gn.callbacks.EarlyStopping(**kw)  # type: ignore[arg-type]
    spy = WeightsPerEpoch()
    h = net.fit(
        X[:20],
        y[:20],
        epochs=300,
        batch_size=4,
        optimizer=gn.SGD(lr=2.0),
        validation_data=(X[20:], y[20:]),
        callbacks=[spy, stop],
        verbose=0,
    )
    return net, h, stop, spy


def test_early_stopping_stops_after_patience_and_restores_the_best_epoch() -> None:
    net, h, stop, spy = overfitting_run(patience=5)
    assert h.epochs < 300
    assert stop.stopped_epoch == h.epochs
    best = int(np.argmin(h.val_loss)) + 1
    assert stop.best_epoch == best and stop.best == min(h.val_loss)
    assert h.epochs == best + 5  # exactly `patience` epochs without improvement
    assert "early stopping" in (h.stop_reason or "") and f"epoch {best}" in h.stop_reason
    assert stop.restored
    np.testing.assert_array_equal(net.parameter_vector(), spy.weights[best - 1])


def test_early_stopping_without_restore_keeps_the_last_weights() -> None:
    net, _, stop, spy = overfitting_run(patience=5, restore_best_weights=False)
    assert not stop.restored
    np.testing.assert_array_equal(net.parameter_vector(), spy.weights[-1])


def test_early_stopping_min_delta_counts_small_gains_as_none() -> None:
    _, h_strict, _, _ = overfitting_run(patience=3, min_delta=0.05)
    _, h_loose, _, _ = overfitting_run(patience=3)
    assert h_strict.epochs <= h_loose.epochs


def test_early_stopping_on_accuracy_looks_for_a_rise() -> None:
    _, h, stop, _ = overfitting_run(monitor="val_accuracy", patience=4)
    assert stop.best == max(h.val_accuracy)
    assert stop.best_epoch == int(np.argmax(h.val_accuracy)) + 1  # the first of the best


def test_early_stopping_restores_the_best_even_when_every_epoch_ran() -> None:
    net, h, _, spy = overfitting_run(patience=1000)
    assert h.epochs == 300 and h.stop_reason is None
    best = int(np.argmin(h.val_loss)) + 1
    np.testing.assert_array_equal(net.parameter_vector(), spy.weights[best - 1])


def test_early_stopping_needs_validation_data_for_val_metrics() -> None:
    X, Y = xor_data()
    with pytest.raises(ValueError, match="no validation_data"):
        gn.Network.from_sizes([2, 1], seed=0).fit(
            X, Y, epochs=2, callbacks=[gn.callbacks.EarlyStopping()], verbose=0
        )
    with pytest.raises(ValueError, match="accuracy exists only"):
        gn.Network.from_sizes([2, 1], cost="mse", seed=0).fit(
            X,
            0.3 * X[:, :1] + 0.1,
            epochs=2,
            verbose=0,
            callbacks=[gn.callbacks.EarlyStopping(monitor="accuracy")],
        )


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"monitor": "cost"}, "monitor must be"),
        ({"patience": 0}, "patience must be"),
        ({"patience": 2.5}, "patience must be"),
        ({"min_delta": -1.0}, "min_delta must be"),
        ({"min_delta": float("nan")}, "min_delta must be"),
    ],
)
def test_early_stopping_bad_arguments(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gn.callbacks.EarlyStopping(**kw)  # type: ignore[arg-type]


# -- history logging --------------------------------------------------------------------------


def test_history_logger_writes_a_csv_row_per_epoch(tmp_path: object) -> None:
    import csv
    import os

    path = os.path.join(str(tmp_path), "h.csv")
    seen_mid_run: list[int] = []

    class ReadBack(gn.Callback):
        def on_epoch_end(self, run: gn.TrainingRun) -> None:
            with open(path, newline="") as f:  # flushed already: a crash keeps these rows
                seen_mid_run.append(len(list(csv.DictReader(f))))

    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    opt = gn.SGD(lr=1.0)
    h = net.fit(
        X,
        Y,
        epochs=4,
        batch_size=2,
        optimizer=opt,
        validation_data=(X, Y),
        verbose=0,
        callbacks=[
            gn.callbacks.HistoryLogger(path),
            ReadBack(),
            LRScheduler(gn.StepLR(opt, step_size=2, gamma=0.5)),
        ],
    )
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert seen_mid_run == [1, 2, 3, 4]
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert [float(r["loss"]) for r in rows] == h.loss
    assert [float(r["val_accuracy"]) for r in rows] == h.val_accuracy
    assert [float(r["lr"]) for r in rows] == [1.0, 1.0, 0.5, 0.5]  # the lr each epoch used
    assert [float(r["seconds"]) for r in rows] == h.seconds


def test_history_logger_jsonl_and_append(tmp_path: object) -> None:
    import json
    import os

    path = os.path.join(str(tmp_path), "h.jsonl")
    X, Y = xor_data()
    net = gn.Network.from_sizes([2, 1], cost="mse", seed=0)
    net.fit(X, Y, epochs=2, verbose=0, callbacks=[gn.callbacks.HistoryLogger(path)])
    net.fit(X, Y, epochs=3, verbose=0, callbacks=[gn.callbacks.HistoryLogger(path, append=True)])
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    assert [r["epoch"] for r in rows] == [1, 2, 1, 2, 3]
    assert rows[0]["val_loss"] is None and rows[0]["accuracy"] is not None


def test_history_logger_refuses_a_missing_folder(tmp_path: object) -> None:
    import os

    with pytest.raises(ValueError, match="does not exist"):
        gn.callbacks.HistoryLogger(os.path.join(str(tmp_path), "nope", "h.csv"))


# -- the progress bar on a terminal that reports no width ----------------------------------------


def read_pty(master: int) -> str:
    """Everything written to a pseudo-terminal whose other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed and all is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace")


def set_size(fd: int, rows: int, columns: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("columns", [0, 80])
def test_the_progress_bar_writes_plain_lines_on_a_terminal_of_no_width(columns: int) -> None:
    """A pseudo-terminal given no size (0 columns) has no room for a bar: tqdm draws nothing
    there but blank lines, so the bar writes EpochLogger's lines instead; a sized one gets the
    bar."""
    pytest.importorskip("tqdm")
    X, Y = xor_data()
    X, Y = np.tile(X, (25, 1)), np.tile(Y, 25)
    master, slave = os.openpty()
    set_size(slave, 24 if columns else 0, columns)
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        gn.Network.from_sizes([2, 2, 1], seed=0).fit(
            X, Y, epochs=2, batch_size=10, callbacks=[ProgressBar(terminal)], verbose=0
        )
    text = read_pty(master)
    lines = [line for line in text.replace("\r", "\n").split("\n") if line.startswith("epoch")]
    if columns == 0:
        assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
        assert all("  loss 0." in line and line.endswith(" s)") for line in lines)
        assert "batch" not in text  # no bar
    else:
        assert "10/10" in text and "batch" in text  # tqdm's bar: 10 mini-batches per epoch
        assert any(line.startswith("epoch 2/2:") for line in lines)


def test_terminal_columns_is_none_off_a_terminal() -> None:
    from glassnet.callbacks import terminal_columns

    assert terminal_columns(io.StringIO()) is None
    with open(os.devnull, "w") as file:  # a device, not a terminal
        assert terminal_columns(file) is None
