"""Callbacks: hook order, stopping, the per-epoch line and the progress bar."""

from __future__ import annotations

import io

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
