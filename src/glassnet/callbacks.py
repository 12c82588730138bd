"""Callbacks: code that :func:`glassnet.training.fit` calls at epoch and mini-batch boundaries.

A callback subclasses :class:`Callback` and overrides the hooks it needs. Each hook receives the
:class:`TrainingRun`, which holds the network, the optimizer, the history so far and the
current epoch and mini-batch numbers; a callback ends training early with ``run.stop(reason)``.

>>> import numpy as np, glassnet as gn
>>> class StopAtCost(gn.Callback):
...     def on_epoch_end(self, run):
...         if run.history.loss[-1] < 0.2:
...             run.stop("the cost fell below 0.2")
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
>>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
>>> h = net.fit(X, y, epochs=500, batch_size=4, optimizer=gn.SGD(lr=3.0),
...             callbacks=[StopAtCost()], verbose=0)
>>> h.stop_reason
'the cost fell below 0.2'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer
    from .schedules import Schedule
    from .training import History

__all__ = ["Callback", "EpochLogger", "LRScheduler", "ProgressBar", "TrainingRun"]


@dataclass
class TrainingRun:
    """The state of a ``fit`` call, as callbacks see it.

    Attributes:
        net, optimizer: what is being trained, and how.
        history: the :class:`~glassnet.training.History` so far.
        epochs: the number of epochs asked for.
        batches: mini-batches per epoch.
        epoch, batch: the current epoch (1-based) and mini-batch within it (1-based).
        stop_reason: set by :meth:`stop`; training ends after the current mini-batch.
    """

    net: Network
    optimizer: Optimizer
    history: History
    epochs: int
    batches: int
    epoch: int = 0
    batch: int = 0
    stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        """Ask ``fit`` to stop after the current mini-batch, giving the reason for History."""
        self.stop_reason = reason


class Callback:
    """Base class: every hook does nothing; override the ones you need."""

    def on_train_begin(self, run: TrainingRun) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, run: TrainingRun) -> None:
        """Before each epoch's first mini-batch."""

    def on_batch_end(self, run: TrainingRun, cost: float) -> None:
        """After each optimizer step; ``cost`` is that mini-batch's C before the step."""

    def on_epoch_end(self, run: TrainingRun) -> None:
        """After each epoch, once its numbers (and validation scores) are in the history."""

    def on_train_end(self, run: TrainingRun) -> None:
        """After the last epoch, or after training was stopped."""


def _numbers(history: History) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in history.last().items())


class EpochLogger(Callback):
    """One plain line per epoch: ``epoch 3/30  loss 0.0213  accuracy 0.9510  (0.41 s)``.

    Args:
        stream: where to write (default: standard output).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def on_epoch_end(self, run: TrainingRun) -> None:
        seconds = run.history.seconds[-1]
        print(
            f"epoch {run.epoch}/{run.epochs}  {_numbers(run.history)}  ({seconds:.2f} s)",
            file=self.stream or sys.stdout,
        )


class ProgressBar(Callback):
    """A live progress bar per epoch with the running cost (needs tqdm: ``glassnet[cli]``).

    Args:
        stream: where to draw (default: standard error).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        try:
            import tqdm
        except ImportError:
            raise ImportError("the progress bar needs tqdm: pip install 'glassnet[cli]'") from None
        self._tqdm = tqdm.tqdm
        self.stream = stream
        self._bar: Any = None
        self._total = 0.0

    def on_epoch_begin(self, run: TrainingRun) -> None:
        width = len(str(run.epochs))
        self._bar = self._tqdm(
            total=run.batches,
            desc=f"epoch {run.epoch:>{width}}/{run.epochs}",
            unit="batch",
            leave=True,
            file=self.stream or sys.stderr,
            dynamic_ncols=True,
        )
        self._total = 0.0

    def on_batch_end(self, run: TrainingRun, cost: float) -> None:
        self._total += cost
        self._bar.update(1)
        if run.batch % 10 == 0 or run.batch == run.batches:
            self._bar.set_postfix_str(f"loss {self._total / run.batch:.4f}", refresh=False)

    def on_epoch_end(self, run: TrainingRun) -> None:
        self._bar.set_postfix_str(_numbers(run.history), refresh=True)
        self._bar.close()

    def on_train_end(self, run: TrainingRun) -> None:
        if self._bar is not None:
            self._bar.close()


class LRScheduler(Callback):
    """Advance a learning-rate schedule (:mod:`glassnet.schedules`) after every epoch.

    The schedule is given the epoch's validation cost when ``fit`` has validation data, and its
    training cost otherwise; only ``ReduceLROnPlateau`` looks at it.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> opt = gn.SGD(lr=1.0)
        >>> X, y = np.zeros((4, 2)), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> halve = gn.callbacks.LRScheduler(gn.StepLR(opt, step_size=1, gamma=0.5))
        >>> h = net.fit(X, y, epochs=3, optimizer=opt, callbacks=[halve], verbose=0)
        >>> opt.lr
        0.125
    """

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def on_epoch_end(self, run: TrainingRun) -> None:
        history = run.history
        self.schedule.step(history.val_loss[-1] if history.val_loss else history.loss[-1])
