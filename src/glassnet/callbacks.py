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

import csv
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

import numpy as np

from ._inputs import real_number, whole_number

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer
    from .schedules import Schedule

__all__ = [
    "BLOWUP",
    "METRICS",
    "STOP_KINDS",
    "Callback",
    "DivergenceGuard",
    "EarlyStopping",
    "EpochLogger",
    "History",
    "HistoryLogger",
    "LRScheduler",
    "ProgressBar",
    "Stop",
    "TrainingRun",
    "terminal_columns",
]


#: Why a run can stop early: ``History.stop.kind``.
STOP_KINDS = ("callback", "diverged", "overflow_at_start")


@dataclass(frozen=True)
class Stop:
    """Why and where a training run stopped early: ``History.stop``, facts for code.

    Attributes:
        kind: ``"callback"`` (a callback called ``run.stop``, e.g. early stopping),
            ``"diverged"`` (the steps made the cost blow up or a weight overflow: the learning
            rate is too large) or ``"overflow_at_start"`` (the cost of the very first
            mini-batch, before any step, was already infinite or NaN: the data or the starting
            weights are at fault, not the learning rate).
        epoch, batch: the epoch (1-based) and its mini-batch (1-based) training stopped at
            (0: not known, e.g. a stop read back from an old checkpoint).
        lr: the optimizer's learning rate η then (``None``: not known).
        cost: the mini-batch cost C that stopped training (``None`` when no cost did: a
            callback, or a weight that overflowed).
        limit: the blow-up level the cost passed, :data:`glassnet.training.BLOWUP` times the
            run's starting level (``None`` unless the cost was finite and blew up).
        restored_epoch: the epoch whose starting weights the network holds again after a
            divergence (0: no step had been taken, the weights are unchanged; ``None`` for a
            callback's stop).
        message: the same in words, for people (``History.stop_reason``).

    Example:
        >>> import glassnet as gn
        >>> s = gn.callbacks.Stop("callback", epoch=3, batch=2, lr=0.1, message="enough")
        >>> s.diverged, s.kind
        (False, 'callback')
    """

    kind: str
    epoch: int = 0
    batch: int = 0
    lr: float | None = None
    cost: float | None = None
    limit: float | None = None
    restored_epoch: int | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in STOP_KINDS:
            raise ValueError(
                f"Stop.kind must be one of {', '.join(map(repr, STOP_KINDS))}, got {self.kind!r}"
            )

    @property
    def diverged(self) -> bool:
        """Whether the run stopped because it diverged (any kind but ``"callback"``)."""
        return self.kind != "callback"


@dataclass
class History:
    """Per-epoch record of a training run.

    Attributes:
        loss: mean mini-batch cost during each epoch (as Keras and scikit-learn report it).
        accuracy: fraction of training samples classified right during each epoch
            (classification targets only; empty otherwise).
        val_loss, val_accuracy: the cost and accuracy on ``validation_data`` after each epoch.
        seconds: wall-clock time of each epoch's training.
        stop: why and where the latest ``fit`` ended early, a :class:`Stop` (kind, epoch,
            mini-batch, η, the cost, the message), or ``None`` if it ran every epoch.
        stop_reason: ``stop.message``: why training ended early, in words (``None``: it ran
            every epoch).
        diverged: whether training stopped because the cost became NaN or infinite or blew up,
            or a weight became infinite (the network then holds the last sound weights, and
            ``stop_reason`` says which).
        stop_kind: ``stop.kind``, why training ended early, for code: ``None`` (it ran every
            epoch), ``"callback"``, ``"diverged"`` or ``"overflow_at_start"`` (see
            :class:`Stop`). ``diverged`` is true for the last two.
        last_lr: the optimizer's learning rate η when ``fit`` returned (``None`` before).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> history = net.fit(np.eye(2), [0, 1], epochs=3, verbose=0)
        >>> len(history.loss), history.stop, history.last_lr
        (3, None, 0.1)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stop: Stop | None = None
    last_lr: float | None = None

    @property
    def epochs(self) -> int:
        """The number of epochs completed."""
        return len(self.loss)

    @property
    def stop_reason(self) -> str | None:
        """Why training ended early, in words (``stop.message``); ``None`` if it did not."""
        return None if self.stop is None else self.stop.message

    @property
    def diverged(self) -> bool:
        """Whether training stopped because it diverged (``stop.kind`` is not "callback")."""
        return self.stop is not None and self.stop.diverged

    @property
    def stop_kind(self) -> str | None:
        """``stop.kind``: ``None``, ``"callback"``, ``"diverged"`` or ``"overflow_at_start"``."""
        return None if self.stop is None else self.stop.kind

    def last(self) -> dict[str, float]:
        """The last epoch's numbers as a dict (empty before the first epoch)."""
        out = {}
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            values = getattr(self, key)
            if values:
                out[key] = values[-1]
        return out

    def __repr__(self) -> str:
        stop = f", stopped: {self.stop_reason}" if self.stop_reason else ""
        nums = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History(epochs={self.epochs}{', ' + nums if nums else ''}{stop})"


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
        validation: whether ``fit`` was given ``validation_data`` (so ``val_loss`` exists).
        batch_size, shuffle: how ``fit`` cuts the data into mini-batches.
        rng: the generator that shuffles and draws dropout masks.
        callbacks: every callback of this run, in order.
        initial_epoch: the epochs already done before this call (a resumed run).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> class Where(gn.Callback):
        ...     def on_batch_end(self, run, cost):
        ...         print(f"epoch {run.epoch}/{run.epochs}, mini-batch {run.batch}/{run.batches}")
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> _ = net.fit(np.eye(2), [0, 1], epochs=1, batch_size=1, callbacks=[Where()], verbose=0)
        epoch 1/1, mini-batch 1/2
        epoch 1/1, mini-batch 2/2
    """

    net: Network
    optimizer: Optimizer
    history: History
    epochs: int
    batches: int
    validation: bool = False
    batch_size: int = 0
    shuffle: bool = True
    rng: np.random.Generator | None = None
    callbacks: list[Callback] = field(default_factory=list)
    initial_epoch: int = 0
    epoch: int = 0
    batch: int = 0
    stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        """Ask ``fit`` to stop after the current mini-batch, giving the reason for History.

        ``history.stop`` records it at once as a :class:`Stop` of kind ``"callback"``, with the
        epoch, the mini-batch and the learning rate (a divergence already recorded stays).
        """
        self.stop_reason = reason
        if self.history.stop is None or not self.history.stop.diverged:
            lr = float(self.optimizer.lr)
            self.history.stop = Stop("callback", self.epoch, self.batch, lr, message=reason)


class Callback:
    """Base class: every hook does nothing; override the ones you need.

    A callback whose only effect is output (printing, writing a file) sets ``rank_zero_only``:
    in data-parallel training (``fit(..., comm=comm)``) only rank 0 then runs it. Every other
    callback runs on every rank and must decide alike there (it sees the same numbers).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> class Epochs(gn.Callback):
        ...     def on_epoch_end(self, run):
        ...         print(run.epoch, run.history.loss[-1] > 0)
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> _ = net.fit(np.eye(2), [0, 1], epochs=2, callbacks=[Epochs()], verbose=0)
        1 True
        2 True
    """

    rank_zero_only = False

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

    def state_dict(self) -> dict[str, Any] | None:
        """What a checkpoint must keep of this callback to resume exactly (``None``: nothing).

        Values are numbers, strings, lists, dicts, ``None`` or NumPy arrays.
        """
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`state_dict` returned, before a resumed ``fit`` starts."""


def _numbers(history: History) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in history.last().items())


class EpochLogger(Callback):
    """One plain line per epoch: ``epoch 3/30  loss 0.0213  accuracy 0.9510  (0.41 s)``.

    Args:
        stream: where to write (default: standard output).

    Example:
        >>> import io
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.callbacks import EpochLogger
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> log = io.StringIO()
        >>> _ = net.fit(np.eye(2), [0, 1], epochs=2, callbacks=[EpochLogger(log)], verbose=0)
        >>> for line in log.getvalue().splitlines():
        ...     print(line.split("  (")[0])  # each line ends with the epoch's seconds
        epoch 1/2  loss 0.1967  accuracy 0.0000
        epoch 2/2  loss 0.1956  accuracy 0.0000
    """

    rank_zero_only = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def on_epoch_end(self, run: TrainingRun) -> None:
        seconds = run.history.seconds[-1]
        print(
            f"epoch {run.epoch}/{run.epochs}  {_numbers(run.history)}  ({seconds:.2f} s)",
            file=self.stream or sys.stdout,
        )


def terminal_columns(stream: Any) -> int | None:
    """How many columns the terminal ``stream`` writes to has: ``None`` when it is not a
    terminal, 0 when the terminal does not say (a pseudo-terminal that was given no size).

    Example:
        >>> import io
        >>> from glassnet.callbacks import terminal_columns
        >>> terminal_columns(io.StringIO()) is None      # not a terminal
        True
    """
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):  # no fileno (StringIO), closed, not a tty
        return None


class ProgressBar(Callback):
    """A live progress bar per epoch with the running cost (needs tqdm: ``glassnet[cli]``).

    On a terminal that reports a width of 0 columns (a pseudo-terminal given no size, as some
    job runners and containers make) a bar has no room to draw; it then writes one plain line
    per epoch instead, as :class:`EpochLogger` does.

    Args:
        stream: where to draw (default: standard error).

    Example:
        >>> import io
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.callbacks import ProgressBar
        >>> net = gn.Network.from_sizes([2, 1], seed=0)
        >>> out = io.StringIO()  # not a terminal: tqdm redraws the bar on one line
        >>> _ = net.fit(np.eye(2), [0, 1], epochs=2, callbacks=[ProgressBar(out)], verbose=0)
        >>> drawn = out.getvalue()
        >>> "epoch 1/2: 100%" in drawn, "epoch 2/2: 100%" in drawn  # one full bar per epoch
        (True, True)
        >>> "loss 0.1956  accuracy 0.0000" in drawn  # the epoch's numbers, as EpochLogger's
        True
    """

    rank_zero_only = True

    def __init__(self, stream: TextIO | None = None) -> None:
        try:
            import tqdm
        except ImportError:
            raise ImportError("the progress bar needs tqdm: pip install 'glassnet[cli]'") from None
        self._tqdm = tqdm.tqdm
        self.stream = stream
        self._bar: Any = None
        self._total = 0.0
        self._lines: EpochLogger | None = None  # the plain lines, on a terminal of no width

    def on_train_begin(self, run: TrainingRun) -> None:
        stream = self.stream or sys.stderr
        self._lines = EpochLogger(stream) if terminal_columns(stream) == 0 else None

    def on_epoch_begin(self, run: TrainingRun) -> None:
        if self._lines is not None:
            return
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
        if self._lines is not None:
            return
        self._total += cost
        self._bar.update(1)
        if run.batch % 10 == 0 or run.batch == run.batches:
            self._bar.set_postfix_str(f"loss {self._total / run.batch:.4f}", refresh=False)

    def on_epoch_end(self, run: TrainingRun) -> None:
        if self._lines is not None:
            self._lines.on_epoch_end(run)
            return
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

    def state_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.schedule.load_state_dict(state["schedule"])


#: The numbers a callback may monitor: the lists of :class:`~glassnet.training.History`.
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


class EarlyStopping(Callback):
    """Stop when a monitored number stops improving, and go back to the best weights.

    After each epoch the monitored value (``"val_loss"`` by default) is compared with the best so
    far; an epoch that does not beat it by more than ``min_delta`` counts against ``patience``.
    When ``patience`` epochs in a row have not improved, training stops. With
    ``restore_best_weights`` the network ends with the weights of its best epoch, whether
    training stopped early or ran every epoch.

    Args:
        monitor: ``"val_loss"`` (needs ``validation_data``), ``"loss"``, ``"val_accuracy"`` or
            ``"accuracy"``. Losses must fall to improve, accuracies rise.
        patience: epochs without improvement to wait before stopping.
        min_delta: the smallest change that counts as an improvement.
        restore_best_weights: put back the weights of the best epoch at the end.

    Attributes:
        best, best_epoch: the best value and the epoch it came from (0: none yet).
        stopped_epoch: the epoch training was stopped at (0: it was not stopped by this).
        restored: whether the best weights were put back.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
        >>> net = gn.Network.from_sizes([2, 8, 2], seed=0)
        >>> stop = gn.callbacks.EarlyStopping(patience=3)
        >>> h = net.fit(X[:30], y[:30], epochs=200, optimizer=gn.SGD(lr=3.0),
        ...             validation_data=(X[30:], y[30:]), callbacks=[stop], verbose=0)
        >>> h.epochs < 200 and stop.restored == (stop.best_epoch != h.epochs)
        True
        >>> bool(np.isclose(net.evaluate(X[30:], y[30:])["loss"], stop.best))
        True
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        if monitor not in METRICS:
            raise ValueError(
                f"monitor must be one of {', '.join(map(repr, METRICS))}, got {monitor!r}"
            )
        self.monitor = monitor
        self.patience = whole_number(
            patience, "patience", must_be="a whole number of epochs >= 1 such as 10", low=1
        )
        self.min_delta = real_number(
            min_delta, "min_delta", must_be="a number >= 0 such as 1e-4", low=0.0
        )
        self.restore_best_weights = bool(restore_best_weights)
        self._sign = -1.0 if "accuracy" in monitor else 1.0  # compare sign · value: lower is better
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf * self._sign
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.restored = False
        self.wait = 0
        self._best_weights: np.ndarray[Any, Any] | None = None

    def on_train_begin(self, run: TrainingRun) -> None:
        if self.monitor.startswith("val_") and not run.validation:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but fit() has no validation_data; "
                "pass validation_data=(X_val, Y_val), or use monitor='loss'"
            )
        if run.initial_epoch == 0:  # a resumed run keeps what load_state_dict gave back
            self._reset()

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_weights": self._best_weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._reset()
        self.best = float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        weights = state["best_weights"]
        self._best_weights = None if weights is None else np.array(weights)

    def on_epoch_end(self, run: TrainingRun) -> None:
        values = getattr(run.history, self.monitor)
        if not values:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but this run records none (accuracy "
                "exists only for classification targets); monitor 'loss' or 'val_loss' instead"
            )
        value = values[-1]
        if self._sign * value < self._sign * self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, run.epoch, 0
            if self.restore_best_weights:
                self._best_weights = run.net.parameter_vector()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = run.epoch
            run.stop(
                f"early stopping: {self.monitor} has not improved for {self.patience} epochs; "
                f"the best was {self.best:.6g} at epoch {self.best_epoch}"
                + (" (its weights are restored)" if self._best_weights is not None else "")
            )

    def on_train_end(self, run: TrainingRun) -> None:
        if self._best_weights is not None and self.best_epoch != run.history.epochs:
            run.net.set_parameter_vector(self._best_weights)
            self.restored = True


class HistoryLogger(Callback):
    """Write each epoch's numbers to a file as training goes: CSV, or JSON lines for ``.jsonl``.

    One row per epoch with ``epoch, loss, accuracy, val_loss, val_accuracy, lr, seconds`` (empty
    where a number does not exist), flushed at once, so a run that is stopped or crashes keeps
    every finished epoch.

    Args:
        path: the file; ``.csv`` (or any other suffix) for CSV, ``.jsonl`` for one JSON object
            per line.
        append: add to an existing file (for a resumed run) instead of starting a new one.

    Example:
        >>> import csv, os, tempfile, numpy as np, glassnet as gn
        >>> X, y = np.zeros((4, 2)), np.array([0, 1, 1, 0])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "history.csv")
        ...     h = gn.Network.from_sizes([2, 1], seed=0).fit(
        ...         X, y, epochs=3, callbacks=[gn.callbacks.HistoryLogger(path)], verbose=0)
        ...     with open(path, newline="") as f:
        ...         rows = list(csv.DictReader(f))
        >>> [row["epoch"] for row in rows], rows[0]["lr"]
        (['1', '2', '3'], '0.1')
    """

    FIELDS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike[str], append: bool = False) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise ValueError(
                f"cannot log history to {str(self.path)!r}: the folder {str(self.path.parent)!r} "
                "does not exist; create it first or choose another path"
            )
        self.append = bool(append)
        self.jsonl = self.path.suffix.lower() == ".jsonl"
        self._file: IO[str] | None = None

    def on_train_begin(self, run: TrainingRun) -> None:
        fresh = not (self.append and self.path.exists() and self.path.stat().st_size > 0)
        mode = "a" if self.append else "w"
        # kept open across hooks and closed in on_train_end
        f = open(self.path, mode, encoding="utf-8", newline="")  # noqa: SIM115
        if fresh and not self.jsonl:
            csv.writer(f).writerow(self.FIELDS)
            f.flush()
        self._file = f

    def on_epoch_end(self, run: TrainingRun) -> None:
        if self._file is None:
            return
        h = run.history
        row: dict[str, float | int | None] = {"epoch": run.epoch}
        for key in METRICS:
            values = getattr(h, key)
            row[key] = values[-1] if values else None
        row["lr"] = run.optimizer.lr
        row["seconds"] = h.seconds[-1]
        if self.jsonl:
            self._file.write(json.dumps(row) + "\n")
        else:
            csv.writer(self._file).writerow(["" if v is None else v for v in row.values()])
        self._file.flush()

    def on_train_end(self, run: TrainingRun) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# -- when a run diverges ------------------------------------------------------------------------

#: a mini-batch cost this many times the run's starting level, and still rising, has blown up
#: (see :mod:`glassnet.training`)
BLOWUP = 1e6


class DivergenceGuard:
    """What ``fit`` does about a run that diverges (the rules are in :mod:`glassnet.training`).

    It checks every mini-batch cost before its step is taken (:meth:`cost_is_sound`) and the
    weights at the end of every epoch (:meth:`weights_are_sound`). It keeps a copy of the
    weights at the start of the latest epoch whose first mini-batch had a sound cost (into
    arrays made once: one copy of the parameters per epoch), and when the run diverges it puts
    them back, records ``History.stop`` and stops the run.

    Example:
        A learning rate far too large for a regression: the guard stops ``fit`` at the third
        mini-batch and puts back the weights the run started from.

        >>> import warnings
        >>> import numpy as np, glassnet as gn
        >>> X = np.random.default_rng(0).normal(size=(64, 2))
        >>> layers = [gn.Dense(2, 8, activation="relu"), gn.Dense(8, 1, activation="identity")]
        >>> net = gn.Network(layers, cost="mse", seed=0)
        >>> W1 = net.W[1].copy()
        >>> with warnings.catch_warnings(record=True) as caught:  # fit warns with the reason
        ...     warnings.simplefilter("always")
        ...     sgd = gn.SGD(lr=10.0)
        ...     history = net.fit(X, 3 * X[:, :1], epochs=5, optimizer=sgd, seed=0, verbose=0)
        >>> history.stop.kind, history.stop.epoch, history.stop.batch, history.stop.restored_epoch
        ('diverged', 1, 3, 1)
        >>> bool(np.array_equal(net.W[1], W1)), len(caught)
        (True, 1)
    """

    def __init__(self, net: Network, y: Any) -> None:
        # the parameters, and the buffers (BatchNorm's running statistics) beside them
        self.live = [
            p for layer in net.layers for p in {**layer.parameters(), **layer.buffers()}.values()
        ]
        self.kept = [np.empty_like(p) for p in self.live]  # keeps W's memory order
        self.held = [np.empty_like(p) for p in self.live]  # the epoch's start, until kept
        self.epoch = 0  # the epoch whose starting weights are kept; 0: none yet
        self.knows_nothing = _zero_output_cost(net, y)
        self.limit = math.inf  # BLOWUP × the starting level, set at the first mini-batch
        self.previous = math.inf  # the mini-batch cost before this one

    def cost_is_sound(self, run: TrainingRun, cost: float, x: Any) -> bool:
        """Whether the step that gave ``cost`` may be taken; if not, the run is stopped."""
        if not math.isfinite(cost) or (cost > self.limit and cost > self.previous):
            self._stop(run, *self._cost_reason(run, cost, x))
            return False
        self.previous = cost
        if run.batch == 1:  # the weights this epoch starts from gave a sound cost
            if not self.epoch:  # the run's first cost
                self.limit = BLOWUP * max(cost, self.knows_nothing)
            self.keep(run.epoch)
        return True

    def hold(self) -> None:
        """Copy the weights and buffers as an epoch starts, before its first forward pass (which
        moves BatchNorm's running statistics); :meth:`keep` keeps them once its cost is sound."""
        for held, live in zip(self.held, self.live, strict=True):
            np.copyto(held, live)

    def keep(self, epoch: int) -> None:
        """Keep what :meth:`hold` copied (what epoch ``epoch`` starts from) as the sound state."""
        self.kept, self.held = self.held, self.kept
        self.epoch = epoch

    def weights_are_sound(self, run: TrainingRun) -> bool:
        """Whether every weight is finite (a sum that overflows counts as not finite): the
        epoch's last step may overflow, and no next cost would say so."""
        if all(math.isfinite(p.sum()) for p in self.live):
            return True
        self._stop(
            run,
            f"a weight became infinite or NaN in the last step of epoch {run.epoch} "
            f"(mini-batch {run.batch}): training diverged; try a smaller learning rate "
            f"than {run.optimizer.lr:g}",
            "diverged",
        )
        return False

    def _cost_reason(
        self, run: TrainingRun, cost: float, x: Any
    ) -> tuple[str, str, float, float | None]:
        """Why ``cost`` stops training and what to do about it: the message, its :class:`Stop`
        kind, the cost, and the blow-up level it passed (``None`` for a cost not finite)."""
        where = f"at epoch {run.epoch}, mini-batch {run.batch}"
        if run.epoch == run.initial_epoch + 1 and run.batch == 1:
            # no step has been taken: the learning rate cannot be the cause
            largest_w = max(float(np.max(np.abs(p), initial=0.0)) for p in self.live)
            return (
                f"the cost became {cost} {where}, before any step was taken, so the learning "
                f"rate is not the cause: the data or the starting weights make it overflow "
                f"{run.net.dtype} (the largest |x| is {float(np.max(np.abs(x))):.4g}, the "
                f"largest |w| is {largest_w:.4g}); scale the inputs (e.g. "
                "glassnet.scaling.StandardScaler), check the targets, or use dtype='float64'",
                "overflow_at_start",
                cost,
                None,
            )
        lr = f"try a smaller learning rate than {run.optimizer.lr:g}"
        if not math.isfinite(cost):
            return (
                f"the cost became {cost} {where}: training diverged; {lr}",
                "diverged",
                cost,
                None,
            )
        return (
            f"the cost became {cost:.4g} {where}, more than {BLOWUP:.0e} times its starting "
            f"level {self.limit / BLOWUP:.4g} and still rising: training diverged; {lr}",
            "diverged",
            cost,
            self.limit,
        )

    def _stop(
        self,
        run: TrainingRun,
        reason: str,
        kind: str,
        cost: float | None = None,
        limit: float | None = None,
    ) -> None:
        """Stop ``run`` with the kept weights back, recording it as ``History.stop``."""
        if self.epoch:
            for kept, live in zip(self.kept, self.live, strict=True):
                np.copyto(live, kept)  # into the network's own arrays: net.W[l] stays put
            reason += (
                f"; the weights are restored to those at the start of epoch {self.epoch}, the "
                "last known to be sound"
            )
        else:
            reason += "; no step was taken, so the weights are unchanged"
        run.stop_reason = reason
        lr, cost = float(run.optimizer.lr), None if cost is None else float(cost)
        run.history.stop = Stop(kind, run.epoch, run.batch, lr, cost, limit, self.epoch, reason)


def _zero_output_cost(net: Network, y: Any) -> float:
    """The cost of a network that knows nothing: z^(L) = 0 for every sample (on ≤ 4096 rows)."""
    y = y[:: max(1, len(y) // 4096)]
    z = np.zeros_like(y)
    cost = float(net.cost_function(net.layers[-1].activation.forward(z), y, z))
    return cost if math.isfinite(cost) else 0.0
