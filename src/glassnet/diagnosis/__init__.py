"""Diagnosis in plain language: is training converging, and is the network healthy?

The tutorial says a network whose cost settles into a minimum has *converged*, and one that
doesn't — or shows "a weird drop in performance" — has *diverged*. This module turns the numbers
of a run into that verdict, with the evidence and a suggested fix, in two reports:

* :func:`diagnose_training` reads a :class:`~glassnet.training.History` (and, if one was
  attached, a :class:`TrainingMonitor`) and looks for a cost that became NaN/inf, a rising or
  oscillating cost, exploding weights, a cost that barely moves, and overfitting;
* :func:`diagnose` (``gn.diagnose(net, X, Y)``, from :mod:`glassnet.diagnosis.network`) looks at
  one forward and backward pass: per-layer gradient norms ‖∂C/∂W^(l)‖ (vanishing or exploding),
  saturated sigmoid/tanh units (σ'(z) ≈ 0), dead ReLU units (never active on X), and the size of
  one optimizer step ‖ΔW^(l)‖/‖W^(l)‖.

Both return a report: ``str(report)`` reads like a short note to a learner; ``report.findings``
(:class:`Finding` objects with ``kind``, ``severity``, ``message``, ``evidence``, ``fix`` and the
raw ``numbers``), ``report.kinds`` and ``report.ok`` are for code. Every threshold is a named,
documented field of :class:`TrainingThresholds` or :class:`NetworkThresholds`; pass your own to
be stricter or looser.

The diagnoses compute: numbers, and findings as a kind with its numbers. Their words come from
one table, :data:`glassnet.render.diagnoses.TEMPLATES`, and the report layouts (text, HTML)
from :mod:`glassnet.render.diagnoses`. A run's stop is read from ``History.stop``'s fields.

>>> import numpy as np, glassnet as gn
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
>>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
>>> monitor = gn.TrainingMonitor()
>>> h = net.fit(X, y, epochs=5, batch_size=4, optimizer=gn.SGD(lr=1e-4), verbose=0,
...             callbacks=[monitor])
>>> monitor.diagnose().kinds
['barely_moving']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..callbacks import Callback, Stop, TrainingRun
from ..render import diagnoses as render
from ..render.diagnoses import TEXT_WIDTH as TEXT_WIDTH  # the width str(report) wraps to
from ..training import History
from .findings import SEVERITIES as SEVERITIES
from .findings import Finding, Report, check_thresholds, finding
from .network import LayerDiagnosis, NetworkDiagnosis, NetworkThresholds, diagnose

if TYPE_CHECKING:
    from ..network import Network

__all__ = [
    "Finding",
    "LayerDiagnosis",
    "NetworkDiagnosis",
    "NetworkThresholds",
    "TrainingDiagnosis",
    "TrainingMonitor",
    "TrainingThresholds",
    "diagnose",
    "diagnose_training",
]

# -- training diagnosis ----------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingThresholds:
    """The numbers :func:`diagnose_training` compares a run against.

    Costs are compared *relatively* (as fractions of the cost), so that the thresholds work for
    any cost function and data set.

    Attributes:
        rising: the last epoch's cost lies more than this fraction above the lowest cost seen
            earlier and is the highest since then (still going up), or more than this fraction
            above the first epoch's → ``rising`` (0.10).
        oscillation_epochs: the fewest epochs needed to call a cost oscillating (6).
        oscillation_sign_changes: the share of successive epoch-to-epoch changes
            ΔC_e = C_e − C_{e−1} that flip sign, from which on the cost goes up and down
            (0.25; a cost that only falls has none, random ups and downs about half).
        oscillation_amplitude: the typical (median) |ΔC_e| as a fraction of the typical cost,
            above which the ups and downs are more than noise (0.02).
        downward_trend: a fall from the mean cost of the first third of the epochs to that of
            the last third larger than this fraction is a downward trend; an oscillating cost
            that still trends down is not reported (0.10). The oscillation checks look at the
            later half of the run (at least ``oscillation_epochs`` epochs).
        barely_moving: the cost fell by less than this fraction from the first epoch to the
            last → ``barely_moving`` (0.05).
        small_update_ratio: with a monitor, each step changing every W^(l) by less than this
            fraction of its size in the last epoch (median ‖ΔW^(l)‖/‖W^(l)‖, largest layer),
            while the cost falls by less than ``slow_decrease`` per epoch, → ``barely_moving``
            with "the learning rate is too small" (1e-3).
        slow_decrease: see ``small_update_ratio``; also the per-epoch fall below which a
            healthy run is said to have levelled off (0.02: 2% per epoch).
        step_shrink: small steps only mean "η too small" if they are not more than this many
            times smaller than in epoch 1; steps that shrank more come from a gradient that
            went to 0 near a minimum, which is convergence (10).
        weight_growth: with a monitor, ‖W^(l)‖ growing by more than this factor during one
            epoch, or by more than ``weight_growth ** 2`` over the run, → ``exploding_weights``
            (3.0).
        large_update_ratio: with a monitor, a first-epoch step that changes some W^(l) by more
            than this fraction of its size is evidence that a stuck cost comes from steps that
            were too large (saturated units), not too small (0.5).
        overfitting_rise: the validation cost ends more than this fraction above its best while
            the training cost kept falling → ``overfitting`` (0.10).
        overfitting_patience: … and its best epoch lies at least this many epochs before the
            end (2).
        recent_epochs: how many of the last epochs "recent" means (3).

    Example:
        A run that converges, judged by a learner who wants the cost to fall by 150%:

        >>> import numpy as np, glassnet as gn
        >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0]
        >>> net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0)
        >>> h = net.fit(X, y, epochs=20, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
        >>> from glassnet.diagnosis import TrainingThresholds
        >>> gn.diagnose_training(h).kinds
        ['converging']
        >>> gn.diagnose_training(h, thresholds=TrainingThresholds(barely_moving=1.5)).kinds
        ['barely_moving']
        >>> TrainingThresholds(rising=-1)
        Traceback (most recent call last):
        ...
        ValueError: TrainingThresholds.rising must be a positive number, got -1
    """

    rising: float = 0.10
    oscillation_epochs: int = 6
    oscillation_sign_changes: float = 0.25
    oscillation_amplitude: float = 0.02
    downward_trend: float = 0.10
    barely_moving: float = 0.05
    small_update_ratio: float = 1e-3
    slow_decrease: float = 0.02
    step_shrink: float = 10.0
    weight_growth: float = 3.0
    large_update_ratio: float = 0.5
    overfitting_rise: float = 0.10
    overfitting_patience: int = 2
    recent_epochs: int = 3

    def __post_init__(self) -> None:
        check_thresholds(self)
        for name in ("oscillation_epochs", "overfitting_patience", "recent_epochs"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"TrainingThresholds.{name} must be a whole number of epochs")


class TrainingMonitor(Callback):
    """A callback that records what :class:`~glassnet.training.History` does not keep.

    Pass it to ``fit(callbacks=[monitor])``; afterwards :meth:`diagnose` returns the same report
    as ``diagnose_training(history, monitor)``. A new ``fit`` starts a new record.

    Args:
        data: optional ``(X, Y)``; when given, the gradient norms ‖∂C/∂W^(l)‖ on (up to
            ``max_samples`` rows of) it are recorded before training and after every epoch.
        max_samples: how many rows of ``data`` to use for the gradient norms (256).
        thresholds: the :class:`TrainingThresholds` :meth:`diagnose` uses (default: the defaults).

    Attributes (one entry per epoch; one column per layer with weights W, numbered in
    ``layers``: l = 1..L for a network of Dense layers):
        layers: the numbers l of the layers watched, those with a penalised weight array W
            (Dense, Conv2D; an RNN's W_ih, a Residual block's W1; pooling, Flatten and BatchNorm
            have none).
        batch_costs: every mini-batch cost C, before its step, in order.
        batch_epochs: the epoch of each entry of ``batch_costs``.
        weight_norms: ‖W^(l)‖ before training (row 0) and after each epoch (row e).
        gradient_norms: ‖∂C/∂W^(l)‖ on ``data``, rows as ``weight_norms`` (empty without data).
        update_ratios: the median over the epoch's steps of ‖ΔW^(l)‖/‖W^(l)‖, the size of one
            step relative to the weights (row e − 1 for epoch e).
        lrs: the learning rate η the optimizer had during each epoch.
        stop_reason: why ``fit`` stopped early (``None``: it ran every epoch).
        nonfinite: True when ``fit`` stopped because the run diverged (``History.diverged``:
            the cost became NaN or infinite or blew up, or a weight overflowed);
            ``nonfinite_at`` is then its ``(epoch, mini-batch)``.
        history: the run's History.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> monitor = gn.TrainingMonitor(data=(X, y))
        >>> h = net.fit(X, y, epochs=3, batch_size=2, verbose=0, callbacks=[monitor])
        >>> len(monitor.batch_costs), len(monitor.weight_norms), len(monitor.gradient_norms[0])
        (6, 4, 2)
    """

    def __init__(
        self,
        data: tuple[Any, Any] | None = None,
        max_samples: int = 256,
        thresholds: TrainingThresholds | None = None,
    ) -> None:
        if data is not None and not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise ValueError("data must be a pair (X, Y), like fit's validation_data, or None")
        if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 1:
            raise ValueError(f"max_samples must be a positive whole number, got {max_samples!r}")
        self.data = data
        self.max_samples = max_samples
        self.thresholds = thresholds or TrainingThresholds()
        self._reset()

    def _reset(self) -> None:
        self.batch_costs: list[float] = []
        self.batch_epochs: list[int] = []
        self.weight_norms: list[list[float]] = []
        self.gradient_norms: list[list[float]] = []
        self.update_ratios: list[list[float]] = []
        self.largest_update_ratios: list[list[float]] = []
        self.lrs: list[float] = []
        self.stop_reason: str | None = None
        self.nonfinite = False
        self.nonfinite_at: tuple[int, int] | None = None
        self.history: History | None = None
        self.layers: list[int] = []
        self._previous: list[NDArray[Any]] = []
        self._step_ratios: list[list[float]] = []

    # the hooks

    def on_train_begin(self, run: TrainingRun) -> None:
        self._reset()
        self.history = run.history
        # the layers with a penalised weight: W (Dense, Conv2D), W_ih (RNN), W1 (Residual)
        self.layers = [l for l, layer in enumerate(run.net.layers, 1) if layer.penalised]
        self._previous = [np.array(W, dtype=np.float64) for W in self._weights(run.net)]
        self._record_norms(run.net)

    def on_epoch_begin(self, run: TrainingRun) -> None:
        self.lrs.append(float(run.optimizer.lr))
        self._step_ratios = []

    def on_batch_end(self, run: TrainingRun, cost: float) -> None:
        self.batch_costs.append(float(cost))
        self.batch_epochs.append(run.epoch)
        ratios = []
        for before, W in zip(self._previous, self._weights(run.net), strict=True):
            step = float(np.linalg.norm(W - before))  # ‖ΔW^(l)‖ of this step
            size = float(np.linalg.norm(before))
            ratios.append(step / size if size > 0 else math.inf if step > 0 else 0.0)
            before[...] = W
        self._step_ratios.append(ratios)

    def on_epoch_end(self, run: TrainingRun) -> None:
        steps = np.array(self._step_ratios, dtype=np.float64).reshape(-1, len(self.layers))
        self.update_ratios.append([float(v) for v in np.median(steps, axis=0)])
        self.largest_update_ratios.append([float(v) for v in np.max(steps, axis=0)])
        self._record_norms(run.net)

    def on_train_end(self, run: TrainingRun) -> None:
        self.stop_reason = run.stop_reason
        if run.history.diverged:
            self.nonfinite = True
            self.nonfinite_at = (run.epoch, run.batch)

    def _weights(self, net: Network) -> list[NDArray[Any]]:
        """W^(l) of the watched layers."""
        return [self._weight(net, l) for l in self.layers]

    @staticmethod
    def _weight(net: Network, l: int) -> NDArray[Any]:
        """Layer l's first penalised weight (W; W_ih of an RNN, W1 of a Residual block)."""
        layer = net.layers[l - 1]
        return np.asarray(getattr(layer, layer.penalised[0]))

    def _record_norms(self, net: Network) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            self.weight_norms.append([float(np.linalg.norm(W)) for W in self._weights(net)])
            if self.data is not None:
                X, Y = self.data
                n = self.max_samples
                grads = net.gradients(np.asarray(X)[:n], np.asarray(Y)[:n])
                self.gradient_norms.append(
                    [
                        float(np.linalg.norm(grads[l][net.layers[l - 1].penalised[0]]))
                        for l in self.layers
                    ]
                )

    # the report

    @property
    def epochs(self) -> int:
        """The number of completed epochs recorded."""
        return len(self.update_ratios)

    def diagnose(self, thresholds: TrainingThresholds | None = None) -> TrainingDiagnosis:
        """The diagnosis of the run this monitor watched (see :func:`diagnose_training`)."""
        if self.history is None:
            raise ValueError(
                "this TrainingMonitor has not watched a run yet: pass it to "
                "net.fit(..., callbacks=[monitor]) first"
            )
        return diagnose_training(self.history, self, thresholds or self.thresholds)

    def __repr__(self) -> str:
        return (
            f"TrainingMonitor(epochs={self.epochs}, batches={len(self.batch_costs)}, "
            f"nonfinite={self.nonfinite})"
        )


class TrainingDiagnosis(Report):
    """The verdict on a training run: a list of :class:`Finding` (see :func:`diagnose_training`).

    Attributes:
        findings: most serious first.
        epochs: the number of completed epochs.
        lr: the learning rate at the end of the run, if known.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0]
        >>> net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0)
        >>> h = net.fit(X, y, epochs=20, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
        >>> report = gn.diagnose_training(h)
        >>> report, report.epochs, report.lr
        (TrainingDiagnosis(ok=True, kinds=['converging']), 20, 0.5)
        >>> print(str(report).splitlines()[0])
        Training diagnosis (20 epochs, learning rate η = 0.5): looks fine
    """

    title = "training diagnosis"

    def __init__(self, findings: Sequence[Finding], epochs: int, lr: float | None) -> None:
        super().__init__(findings)
        self.epochs = epochs
        self.lr = lr

    def __str__(self) -> str:
        return render.training_text(self)

    def _repr_html_(self) -> str:
        return render.training_html(self)


def _lr_of(history: History, monitor: TrainingMonitor | None) -> float | None:
    if monitor is not None and monitor.lrs:
        return monitor.lrs[-1]
    return history.last_lr


@dataclass(frozen=True)
class _Growth:
    """How fast ‖W^(l)‖ of one layer grew: overall and in its fastest epoch."""

    layer: int
    initial: float  # before training
    final: float  # after the last epoch
    factor: float  # final / initial
    epoch: int  # the epoch of fastest growth
    epoch_factor: float  # ‖W‖ after that epoch / before it


def _weight_growth(monitor: TrainingMonitor, th: TrainingThresholds) -> _Growth | None:
    """The layer whose ‖W^(l)‖ grew most alarmingly, or None if none grew too fast."""
    norms = np.array(monitor.weight_norms, dtype=np.float64)
    if norms.shape[0] < 2:
        return None
    worst: _Growth | None = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_epoch = np.nan_to_num(norms[1:] / norms[:-1], nan=np.inf)
        overall = np.nan_to_num(norms[-1] / norms[0], nan=np.inf)
    for l in range(norms.shape[1]):
        e = int(np.argmax(per_epoch[:, l]))
        g = _Growth(
            layer=monitor.layers[l],
            initial=float(norms[0, l]),
            final=float(norms[-1, l]),
            factor=float(overall[l]),
            epoch=e + 1,
            epoch_factor=float(per_epoch[e, l]),
        )
        too_fast = g.epoch_factor > th.weight_growth or g.factor > th.weight_growth**2
        if too_fast and (worst is None or not g.factor <= worst.factor):
            worst = g
    return worst


def diagnose_training(
    history: History,
    monitor: TrainingMonitor | None = None,
    thresholds: TrainingThresholds | None = None,
) -> TrainingDiagnosis:
    """Say in plain words whether a run converged, diverged, or is stuck — with evidence and a fix.

    What it looks for (the thresholds are the fields of :class:`TrainingThresholds`):

    ==================  ============================================  ===========================
    kind                sign                                          suggested fix
    ==================  ============================================  ===========================
    diverged            cost blew up or became NaN/inf (fit stopped)  η ÷ 10
    overflow_at_start   the first cost, before any step, was inf/NaN  scale the data, float64
    rising              the cost ends well above its lowest value     η ÷ 10
    oscillating         the cost goes up and down, no downward trend  η ÷ 10, larger mini-batches
    exploding_weights   ‖W^(l)‖ grows fast (needs a monitor)          η ÷ 10, L2 (``l2=``)
    barely_moving       the cost hardly falls                         η × 10 — or, if the weights
                                                                      blew up first, η ÷ 10
    overfitting         val_loss rises while loss falls               EarlyStopping, L2, dropout
    converging          none of the above                             (more epochs, if still
                                                                      falling)
    ==================  ============================================  ===========================

    Args:
        history: what ``fit`` returned.
        monitor: the :class:`TrainingMonitor` that watched the same run, for per-mini-batch
            costs, weight norms and step sizes; without it the diagnosis uses the per-epoch
            costs only.
        thresholds: a :class:`TrainingThresholds` (default: the defaults).

    Returns:
        a :class:`TrainingDiagnosis`; ``print`` it for a note in words.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0]
        >>> net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0)
        >>> h = net.fit(X, y, epochs=20, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
        >>> gn.diagnose_training(h).kinds
        ['converging']
    """
    if not isinstance(history, History):
        raise ValueError(f"history must be the History that fit returned, got {history!r}")
    if monitor is not None and not isinstance(monitor, TrainingMonitor):
        raise ValueError(f"monitor must be a TrainingMonitor or None, got {monitor!r}")
    th = thresholds or (monitor.thresholds if monitor is not None else TrainingThresholds())
    if not isinstance(th, TrainingThresholds):
        raise ValueError(f"thresholds must be a TrainingThresholds, got {th!r}")
    lr = _lr_of(history, monitor)
    loss = [float(v) for v in history.loss]
    findings: list[Finding] = []
    growth = _weight_growth(monitor, th) if monitor is not None else None

    # 1. diverged: the cost blew up or became NaN or inf, and fit stopped (History.stop says
    # where); or the very first cost, before any step, was already infinite: then the data or
    # the weights are at fault
    nonfinite = (monitor is not None and monitor.nonfinite) or history.diverged
    if nonfinite:
        findings.append(_divergence(history.stop, monitor, growth, lr))

    # 2. the per-epoch cost: rising or oscillating
    n = len(loss)
    if n >= 2 and not nonfinite:
        osc = _oscillation(loss, th)
        best = _rising(loss, th)
        if osc is not None:
            flips, amplitude, trend, window = osc
            numbers = {"loss": loss, "sign_changes": flips, "amplitude": amplitude, "trend": trend}
            findings.append(finding("oscillating", numbers, window=window, lr=lr))
        elif best is not None:
            findings.append(
                finding(
                    "rising",
                    {"loss": loss, "best_epoch": best + 1},
                    loss_best=loss[best],
                    loss_last=loss[-1],
                    epochs=n,
                    rise=_factor(loss[-1], loss[best]),
                    lr=lr,
                )
            )

    # 3. exploding weights
    if growth is not None and monitor is not None and not nonfinite:
        l = growth.layer
        numbers = {
            "layer": l,
            "initial": growth.initial,
            "final": growth.final,
            "factor": growth.factor,
            "fastest_epoch": growth.epoch,
            "weight_norms": [row[monitor.layers.index(l)] for row in monitor.weight_norms],
        }
        last_epoch = len(monitor.weight_norms) - 1
        fastest = growth.epoch_factor
        findings.append(
            finding(
                "exploding_weights", numbers, last_epoch=last_epoch, fastest_factor=fastest, lr=lr
            )
        )

    # 4. barely moving (after a rising or oscillating cost, the steps are clearly not too small)
    if n >= 2 and not nonfinite and not {"rising", "oscillating"} & {f.kind for f in findings}:
        barely = _barely_moving(loss, monitor, th, lr, growth)
        if barely is not None:
            findings.append(barely)

    # 5. overfitting
    over = _overfitting(history, th)
    if over is not None:
        findings.append(over)

    # 6. converging, if nothing is wrong
    if not any(f.severity != "ok" for f in findings):
        findings.append(_converging(history, monitor, th, lr))
    return TrainingDiagnosis(findings, history.epochs, lr)


def _factor(new: float, old: float) -> float:
    """new / old, the rise of a cost (infinite from 0)."""
    return new / old if old > 0 else math.inf


def _divergence(
    stop: Stop | None, monitor: TrainingMonitor | None, growth: _Growth | None, lr: float | None
) -> Finding:
    """The ``diverged`` or ``overflow_at_start`` finding, read from ``History.stop``'s fields."""
    numbers: dict[str, Any] = {}
    if stop is not None:
        numbers = {"stop_reason": stop.message, "stop_kind": stop.kind, "epoch": stop.epoch,
                   "batch": stop.batch, "lr": stop.lr, "cost": stop.cost}  # fmt: skip
        lr = stop.lr if stop.lr is not None else lr
        if stop.kind == "overflow_at_start":
            return finding("overflow_at_start", numbers)
    elif monitor is not None and monitor.nonfinite_at is not None:
        numbers["epoch"], numbers["batch"] = monitor.nonfinite_at
    context: dict[str, Any] = {"lr": lr}
    if monitor is not None and monitor.batch_costs:
        numbers["last_batch_costs"] = last = monitor.batch_costs[-5:]
        context["n_last"] = len(last)
    if growth is not None:
        context.update(
            growth_layer=growth.layer, growth_initial=growth.initial, growth_final=growth.final
        )
    key = "diverged" if numbers.get("stop_reason") else "diverged:unexplained"
    return finding(key, numbers, **context)


def _oscillation(
    loss: Sequence[float], th: TrainingThresholds
) -> tuple[float, float, float, int] | None:
    """(share of sign flips, typical |ΔC| / C, downward trend, epochs looked at) if the cost
    oscillates, else None.

    Only the later part of the run is looked at (the last half, at least
    ``oscillation_epochs`` epochs), so that the first fast descent does not count as a trend.
    """
    if len(loss) < th.oscillation_epochs:
        return None
    c = np.asarray(loss, dtype=np.float64)[-max(th.oscillation_epochs, len(loss) // 2) :]
    d = np.diff(c)  # ΔC_e = C_e − C_{e−1}
    flips = float(np.mean(np.sign(d[1:]) * np.sign(d[:-1]) < 0))
    amplitude = float(np.median(np.abs(d)) / np.median(c))
    third = max(1, len(c) // 3)
    trend = float((c[:third].mean() - c[-third:].mean()) / c[:third].mean())
    if (
        flips >= th.oscillation_sign_changes
        and amplitude > th.oscillation_amplitude
        and trend < th.downward_trend
    ):
        return flips, amplitude, trend, len(c)
    return None


def _rising(loss: Sequence[float], th: TrainingThresholds) -> int | None:
    """The epoch (0-based) of the lowest cost the run rose from, if the cost is rising, else None.

    Rising: the cost ends more than ``rising`` above its lowest earlier value *and* is still
    going up (the last epoch is the highest since that lowest one), or the cost ends more than
    ``rising`` above where it started.
    """
    best = int(np.argmin(loss[:-1]))
    still_going_up = loss[-1] > loss[-2] and loss[-1] >= max(loss[best:])
    if loss[-1] > loss[best] * (1 + th.rising) and still_going_up:
        return best
    if loss[-1] > loss[0] * (1 + th.rising):
        return 0
    return None


def _recent_decrease(loss: Sequence[float], th: TrainingThresholds) -> tuple[int, float]:
    """(k, mean relative fall per epoch over the last k epochs)."""
    k = min(th.recent_epochs, len(loss) - 1)
    start, end = loss[-k - 1], loss[-1]
    return k, (1 - (end / start) ** (1 / k)) if start > 0 else 0.0


def _barely_moving(
    loss: Sequence[float],
    monitor: TrainingMonitor | None,
    th: TrainingThresholds,
    lr: float | None,
    growth: _Growth | None,
) -> Finding | None:
    total = (loss[0] - loss[-1]) / loss[0] if loss[0] > 0 else 0.0
    k, recent = _recent_decrease(loss, th)
    numbers: dict[str, Any] = {"loss": loss, "relative_decrease": total, "per_epoch": recent}
    context = {"loss_first": loss[0], "loss_last": loss[-1], "epochs": len(loss), "k": k, "lr": lr}
    ratio = None
    if monitor is not None and monitor.update_ratios:
        ratio = numbers["update_ratio"] = max(monitor.update_ratios[-1])
    small_steps = (
        monitor is not None
        and ratio is not None
        and ratio < th.small_update_ratio
        and recent < th.slow_decrease
        # steps that shrank a lot since epoch 1 come from a gradient that went to 0 near a
        # minimum (converged), not from a small η
        and max(monitor.update_ratios[0]) < th.step_shrink * ratio
    )
    if total >= th.barely_moving and not small_steps:
        return None
    first = math.nan  # the largest step of epoch 1, relative to the weights
    if monitor is not None and monitor.largest_update_ratios:
        first = max(monitor.largest_update_ratios[0])
    if growth is not None or first > th.large_update_ratio:
        # not too small steps: the first ones were far too large and saturated the units
        return finding("barely_moving:saturated", numbers, first_ratio=first, **context)
    return finding("barely_moving", numbers, **context)


def _overfitting(history: History, th: TrainingThresholds) -> Finding | None:
    val = [float(v) for v in history.val_loss]
    loss = [float(v) for v in history.loss]
    if len(val) < th.overfitting_patience + 1 or len(loss) != len(val):
        return None
    best = int(np.argmin(val))
    last = len(val) - 1
    if (
        last - best >= th.overfitting_patience
        and val[last] > val[best] * (1 + th.overfitting_rise)
        and loss[last] < loss[best]
    ):
        return finding(
            "overfitting",
            {"best_epoch": best + 1, "val_loss": val, "loss": loss},
            val_best=val[best],
            val_last=val[last],
            last_epoch=last + 1,
            rise=_factor(val[last], val[best]),
            loss_best=loss[best],
            loss_last=loss[last],
        )
    return None


def _converging(
    history: History, monitor: TrainingMonitor | None, th: TrainingThresholds, lr: float | None
) -> Finding:
    loss = [float(v) for v in history.loss]
    if len(loss) < 2:
        costs = monitor.batch_costs if monitor is not None else []
        if len(costs) >= 2:
            return finding(
                "converging:one_epoch",
                {"batch_costs": list(costs)},
                first_cost=costs[0],
                last_cost=costs[-1],
                n_costs=len(costs),
            )
        return finding("converging:too_short", {"loss": loss}, epochs=len(loss))
    total = (loss[0] - loss[-1]) / loss[0] if loss[0] > 0 else 0.0
    k, recent = _recent_decrease(loss, th)
    return finding(
        "converging" if recent > th.slow_decrease else "converging:converged",
        {"loss": loss, "per_epoch": recent},
        loss_first=loss[0],
        loss_last=loss[-1],
        epochs=len(loss),
        relative_decrease=total,
        k=k,
        val_last=history.val_loss[-1] if history.val_loss else None,
        lr=lr,
    )
