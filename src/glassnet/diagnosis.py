"""Diagnosis in plain language: is training converging, and is the network healthy?

The tutorial says a network whose cost settles into a minimum has *converged*, and one that
doesn't — or shows "a weird drop in performance" — has *diverged*. This module turns the numbers
of a run into that verdict, with the evidence and a suggested fix, in two reports:

* :func:`diagnose_training` reads a :class:`~glassnet.training.History` (and, if one was
  attached, a :class:`TrainingMonitor`) and looks for a cost that became NaN/inf, a rising or
  oscillating cost, exploding weights, a cost that barely moves, and overfitting;
* :func:`diagnose` (``net.diagnose(X, Y)``) looks at one forward and backward pass: per-layer
  gradient norms ‖∂C/∂W^(l)‖ (vanishing or exploding), saturated sigmoid/tanh units (σ'(z) ≈ 0),
  dead ReLU units (never active on X), and the size of one optimizer step ‖ΔW^(l)‖/‖W^(l)‖.

Both return a report: ``str(report)`` reads like a short note to a learner; ``report.findings``
(:class:`Finding` objects with ``kind``, ``severity``, ``message``, ``evidence``, ``fix`` and the
raw ``numbers``), ``report.kinds`` and ``report.ok`` are for code. Every threshold is a named,
documented field of :class:`TrainingThresholds` or :class:`NetworkThresholds`; pass your own to
be stricter or looser.

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

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .callbacks import Callback, Stop, TrainingRun
from .network import Network
from .optimizers import SGD, Optimizer
from .render import diagnoses as render
from .render.diagnoses import TEMPLATES
from .render.diagnoses import TEXT_WIDTH as TEXT_WIDTH  # the width str(report) wraps to
from .training import History

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

#: Finding severities, mildest first: ``ok`` is good news, ``warning`` deserves a look,
#: ``problem`` means the run or the network is not learning as it should.
SEVERITIES = ("ok", "warning", "problem")


# -- findings and reports ----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One observation about a run or a network.

    Attributes:
        kind: a short id for code, e.g. ``"diverged"`` or ``"dead_relu"``.
        severity: ``"ok"``, ``"warning"`` or ``"problem"``.
        message: what was found, in a sentence.
        evidence: the numbers behind it (epochs, costs, norms), in words.
        fix: what to try next (empty for good news that needs nothing).
        numbers: the same evidence as plain numbers, for code.

    The diagnoses write ``message``, ``evidence`` and ``fix`` from the finding's numbers with
    the templates of :data:`glassnet.render.diagnoses.TEMPLATES`.
    """

    kind: str
    severity: str
    message: str
    evidence: str
    fix: str = ""
    numbers: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {', '.join(SEVERITIES)}, got {self.severity!r}"
            )

    def __str__(self) -> str:
        return render.finding_text(self)


def _finding(key: str, numbers: dict[str, Any], **context: Any) -> Finding:
    """The finding ``key`` (a kind, or ``"kind:variant"``) with its ``numbers``; its sentences are
    its template's, filled from the numbers and the ``context`` (values for the text only)."""
    message, evidence, fix = render.texts(key, {**numbers, **context})
    kind = key.partition(":")[0]
    return Finding(kind, TEMPLATES[key].severity, message, evidence, fix, numbers)


class _Report:
    """What both reports share: a title, findings, ``ok`` and ``kinds``."""

    title = "diagnosis"

    def __init__(self, findings: Sequence[Finding]) -> None:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        # the most serious first; the order among equals is the order they were found
        self.findings: list[Finding] = sorted(findings, key=lambda f: -order[f.severity])

    @property
    def ok(self) -> bool:
        """True when every finding is good news (severity ``"ok"``)."""
        return all(f.severity == "ok" for f in self.findings)

    @property
    def kinds(self) -> list[str]:
        """The ``kind`` of each finding, most serious first."""
        return [f.kind for f in self.findings]

    def __getitem__(self, kind: str) -> Finding:
        """The finding of this kind (KeyError if there is none)."""
        for f in self.findings:
            if f.kind == kind:
                return f
        raise KeyError(f"no {kind!r} finding; the findings are {self.kinds}")

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ok={self.ok}, kinds={self.kinds})"


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
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(
                    f"TrainingThresholds.{name} must be a positive number, got {value!r}"
                )
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

    Attributes (one entry per epoch; layer columns are l = 1..L):
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
        self._previous: list[NDArray[Any]] = []
        self._step_ratios: list[list[float]] = []

    # the hooks

    def on_train_begin(self, run: TrainingRun) -> None:
        self._reset()
        self.history = run.history
        self._previous = [np.array(W, dtype=np.float64) for W in run.net.W]
        self._record_norms(run.net)

    def on_epoch_begin(self, run: TrainingRun) -> None:
        self.lrs.append(float(run.optimizer.lr))
        self._step_ratios = []

    def on_batch_end(self, run: TrainingRun, cost: float) -> None:
        self.batch_costs.append(float(cost))
        self.batch_epochs.append(run.epoch)
        ratios = []
        for before, W in zip(self._previous, run.net.W, strict=True):
            step = float(np.linalg.norm(W - before))  # ‖ΔW^(l)‖ of this step
            size = float(np.linalg.norm(before))
            ratios.append(step / size if size > 0 else math.inf if step > 0 else 0.0)
            before[...] = W
        self._step_ratios.append(ratios)

    def on_epoch_end(self, run: TrainingRun) -> None:
        steps = np.array(self._step_ratios, dtype=np.float64).reshape(-1, run.net.L)
        self.update_ratios.append([float(v) for v in np.median(steps, axis=0)])
        self.largest_update_ratios.append([float(v) for v in np.max(steps, axis=0)])
        self._record_norms(run.net)

    def on_train_end(self, run: TrainingRun) -> None:
        self.stop_reason = run.stop_reason
        if run.history.diverged:
            self.nonfinite = True
            self.nonfinite_at = (run.epoch, run.batch)

    def _record_norms(self, net: Network) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            self.weight_norms.append([float(np.linalg.norm(W)) for W in net.W])
            if self.data is not None:
                X, Y = self.data
                n = self.max_samples
                grads = net.gradients(np.asarray(X)[:n], np.asarray(Y)[:n])
                self.gradient_norms.append([w for w, _ in grads.norms().values()])

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


class TrainingDiagnosis(_Report):
    """The verdict on a training run: a list of :class:`Finding` (see :func:`diagnose_training`).

    Attributes:
        findings: most serious first.
        epochs: the number of completed epochs.
        lr: the learning rate at the end of the run, if known.
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
            layer=l + 1,
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
            findings.append(_finding("oscillating", numbers, window=window, lr=lr))
        elif best is not None:
            findings.append(
                _finding(
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
            "weight_norms": [row[l - 1] for row in monitor.weight_norms],
        }
        last_epoch = len(monitor.weight_norms) - 1
        fastest = growth.epoch_factor
        findings.append(
            _finding(
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
            return _finding("overflow_at_start", numbers)
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
    return _finding(key, numbers, **context)


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
        return _finding("barely_moving:saturated", numbers, first_ratio=first, **context)
    return _finding("barely_moving", numbers, **context)


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
        return _finding(
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
            return _finding(
                "converging:one_epoch",
                {"batch_costs": list(costs)},
                first_cost=costs[0],
                last_cost=costs[-1],
                n_costs=len(costs),
            )
        return _finding("converging:too_short", {"loss": loss}, epochs=len(loss))
    total = (loss[0] - loss[-1]) / loss[0] if loss[0] > 0 else 0.0
    k, recent = _recent_decrease(loss, th)
    return _finding(
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


# -- network diagnosis -----------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkThresholds:
    """The numbers :func:`diagnose` compares a network against.

    Attributes:
        saturated_slope: a sigmoid/tanh value counts as saturated where its slope σ'(z) is
            below this fraction of the steepest slope σ'(0) (0.01: |z| > 6 for the sigmoid,
            |z| > 3 for tanh).
        saturated_fraction: a hidden layer is reported when more than this share of its
            (sample, neuron) values are saturated; the output layer when more than this share
            of the samples have a saturated output that is wrong (0.5). (A saturated output that
            is right needs no gradient: a confident, well-trained classifier has many.)
        wrong_output: an output a counts as wrong when |a − y| is above this (0.5).
        dead_fraction: a ReLU layer is reported when more than this share of its neurons
            output 0 for every sample of X (0.3).
        vanishing_ratio: ‖∂C/∂W^(1)‖ / ‖∂C/∂W^(L)‖ below this → vanishing gradients (1e-3).
        exploding_ratio: … above this → exploding gradients (1e3).
        exploding_norm: any ‖∂C/∂W^(l)‖ above this → exploding gradients (1e3).
        small_update_ratio: one optimizer step changing every W^(l) by less than this fraction
            of its size, ‖ΔW^(l)‖/‖W^(l)‖ → the learning rate is too small (1e-4) …
        learned_cost: … unless the cost C is below this share of the cost of a network that
            knows nothing (every z^(L) = 0): then (X, Y) is learned, and the steps are small
            because the gradient is near 0 at a minimum, not because η is (0.01).
        large_update_ratio: one step changing some W^(l) by more than this fraction of its
            size → the learning rate is too large (1.0: a step as big as the weights).
    """

    saturated_slope: float = 0.01
    saturated_fraction: float = 0.5
    wrong_output: float = 0.5
    dead_fraction: float = 0.3
    vanishing_ratio: float = 1e-3
    exploding_ratio: float = 1e3
    exploding_norm: float = 1e3
    small_update_ratio: float = 1e-4
    learned_cost: float = 0.01
    large_update_ratio: float = 1.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(
                    f"NetworkThresholds.{name} must be a positive number, got {value!r}"
                )


@dataclass(frozen=True)
class LayerDiagnosis:
    """The numbers of one layer l = 1..L (see :func:`diagnose`).

    Attributes:
        l: the layer number (the tutorial's; 0 is the input and has no row).
        neurons: n_l.
        activation: σ_l's name.
        weight_norm: ‖W^(l)‖ (Frobenius).
        gradient_norm: ‖∂C/∂W^(l)‖ on (X, Y).
        update_ratio: ‖ΔW^(l)‖/‖W^(l)‖ after one optimizer step.
        saturated: the share of (sample, neuron) values with σ'(z) < saturated_slope · σ'(0),
            for activations that saturate (``act.saturates``: sigmoid, tanh; else ``None``).
        stuck: for a saturating output layer, the share of samples with an output that is
            saturated *and* wrong (|a − y| > wrong_output), so that it cannot be corrected
            (``None`` for hidden layers and other activations).
        dead: the share of neurons with σ'(z) = 0 (for ReLU: z ≤ 0, output 0) for every sample,
            for activations whose neurons can die (``act.dies``: relu; else ``None``).
    """

    l: int
    neurons: int
    activation: str
    weight_norm: float
    gradient_norm: float
    update_ratio: float
    saturated: float | None
    stuck: float | None
    dead: float | None


class NetworkDiagnosis(_Report):
    """The health of a network on some data: per-layer numbers and :class:`Finding` objects.

    Attributes:
        layers: one :class:`LayerDiagnosis` per layer l = 1..L (``layers[l-1]`` is layer l).
        findings: most serious first.
        cost: the cost C on (X, Y).
        m: the number of samples looked at.
        optimizer: a description of the optimizer whose step was measured, e.g.
            ``"SGD(lr=1.5)"``.
        optimizer_source: where that optimizer came from: ``"given"`` (the ``optimizer``
            argument), ``"fit"`` (``net.optimizer``, the one the latest ``fit`` trained with) or
            ``"default"`` (``gn.SGD(lr=0.1)``, for a network that ``fit`` has not trained).
    """

    title = "network diagnosis"

    def __init__(
        self,
        layers: Sequence[LayerDiagnosis],
        findings: Sequence[Finding],
        cost: float,
        m: int,
        optimizer: str,
        optimizer_source: str = "given",
    ) -> None:
        super().__init__(findings)
        self.layers = list(layers)
        self.cost = cost
        self.m = m
        self.optimizer = optimizer
        self.optimizer_source = optimizer_source

    def table_rows(self) -> list[list[str]]:
        """The per-layer table as strings, header first."""
        return render.table_rows(self)

    def __str__(self) -> str:
        return render.network_text(self)

    def _repr_html_(self) -> str:
        return render.network_html(self)


def _describe(optimizer: Optimizer) -> str:
    """``"SGD(lr=0.1)"``: the optimizer's name and η, without the rest of its repr."""
    return render.describe_optimizer(type(optimizer).__name__, float(optimizer.lr))


def diagnose(
    net: Network,
    X: Any,
    Y: Any,
    optimizer: Optimizer | None = None,
    thresholds: NetworkThresholds | None = None,
) -> NetworkDiagnosis:
    """Look inside a network on (X, Y): gradients per layer, saturated and dead units, step sizes.

    One forward and backward pass over all of X gives, per layer l = 1..L, ‖∂C/∂W^(l)‖, the share
    of saturated sigmoid/tanh values (σ'(z) ≈ 0, so δ^(l) = ∂C/∂a^(l) ⊙ σ'(z^(l)) ≈ 0 and the
    layer stops learning), and the share of dead ReLU neurons (z ≤ 0 for every sample, so their
    gradient is always 0). Then one step of a *copy* of ``optimizer`` on a *copy* of the network
    gives ‖ΔW^(l)‖/‖W^(l)‖; ``net`` itself and ``optimizer`` are left unchanged.

    ==================== ======================================= ===============================
    kind                 sign                                    suggested fix
    ==================== ======================================= ===============================
    vanishing_gradients  ‖∂C/∂W^(1)‖ ≪ ‖∂C/∂W^(L)‖               ReLU, Xavier/He init, Adam
    exploding_gradients  ‖∂C/∂W^(1)‖ ≫ ‖∂C/∂W^(L)‖, or huge       lower η, smaller init, L2
    saturated_units      σ'(z) ≈ 0 for most values of a layer    lower η, scale inputs, xavier,
                                                                 cross-entropy output
    dead_relu            ReLU neurons never active on X          lower η, He init, leaky_relu
    large_updates        one step moves W^(l) more than its size η ÷ 10
    small_updates        one step barely moves any W^(l)         η × 10
    healthy              none of the above
    ==================== ======================================= ===============================

    Args:
        net: the network (not changed).
        X: inputs, shape (m, n_0); Y: targets or class labels, as for ``fit``.
        optimizer: the optimizer whose step to measure (copied, with its state). By default
            ``net.optimizer``, the one the network's latest ``fit`` trained with, or
            ``gn.SGD(lr=0.1)`` for a network ``fit`` has not trained; the report says which
            (``optimizer_source``).
        thresholds: a :class:`NetworkThresholds` (default: the defaults).

    Returns:
        a :class:`NetworkDiagnosis`; ``print`` it for the per-layer table and the findings.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="relu",
        ...                             output_activation="sigmoid", seed=0)
        >>> net.b[1] = [-10.0, -10.0, -10.0]      # every hidden neuron dead
        >>> d = gn.diagnose(net, X, y)
        >>> "dead_relu" in d.kinds, d.layers[0].dead
        (True, 1.0)
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a glassnet Network, got {type(net).__name__}")
    source = "given"
    if optimizer is None:
        source = "default" if net.optimizer is None else "fit"
        optimizer = SGD(lr=0.1) if net.optimizer is None else net.optimizer
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"optimizer must be a glassnet Optimizer such as gn.SGD(lr=0.1), got {optimizer!r}"
        )
    th = thresholds or NetworkThresholds()
    if not isinstance(th, NetworkThresholds):
        raise ValueError(f"thresholds must be a NetworkThresholds, got {th!r}")
    x, y, _ = net.check_data(X, Y)
    m = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        a, z = net.forward_pass(x)
        cost, _, grads = net.cost_and_gradients(x, y)
        # the cost of a network that knows nothing: every output neuron's z^(L) = 0
        z0 = np.zeros_like(y)
        baseline = float(net.cost_function(net.layers[-1].activation.forward(z0), y, z0))
        # one step of a copy of the optimizer on a copy of the network: net stays as it is
        twin, twin_opt = net.copy(), copy.deepcopy(optimizer)
        twin_opt.step(twin, twin.cost_and_gradients(x, y)[2])
        layers = [
            _layer(net, l, a[l], z[l], y, grads.W[l], twin.W[l], th) for l in range(1, net.L + 1)
        ]
    findings = _network_findings(net, layers, cost, baseline, m, th, optimizer)
    return NetworkDiagnosis(layers, findings, cost, m, _describe(optimizer), source)


def _layer(
    net: Network,
    l: int,
    a_l: NDArray[Any],
    z_l: NDArray[Any],
    y: NDArray[Any],
    dW: NDArray[Any],
    stepped: NDArray[Any],
    th: NetworkThresholds,
) -> LayerDiagnosis:
    """Layer l's numbers: ‖W‖, ‖∂C/∂W‖ (``dW``), the step to ``stepped``, saturated, dead."""
    W = np.asarray(net.W[l], dtype=np.float64)
    act = net.layers[l - 1].activation
    w_norm = float(np.linalg.norm(W))
    step = float(np.linalg.norm(np.asarray(stepped, dtype=np.float64) - W))
    ratio = step / w_norm if w_norm > 0 else (math.inf if step > 0 else 0.0)
    saturated = stuck = dead = None
    z_l = np.asarray(z_l, dtype=np.float64)
    if act.saturates:  # flat tails, where σ'(z) → 0 as |z| grows
        zero = np.zeros((1, 1))
        steepest = float(act.prime(zero, act.forward(zero))[0, 0])  # σ'(0)
        flat = ~(act.prime(z_l, act.forward(z_l)) >= th.saturated_slope * steepest)
        saturated = float(np.mean(flat))
        if l == net.L:  # flat *and* wrong: an output that cannot be corrected
            wrong = np.abs(np.asarray(a_l, dtype=np.float64) - y) > th.wrong_output
            stuck = float(np.mean(np.any(flat & wrong, axis=1)))
    if act.dies:  # a neuron is dead where σ'(z) = 0 for every sample
        dead_values = ~(act.prime(z_l, act.forward(z_l)) != 0)
        dead = float(np.mean(np.all(dead_values, axis=0)))
    gradient_norm = float(np.linalg.norm(np.asarray(dW, dtype=np.float64)))
    return LayerDiagnosis(
        l, net.sizes[l], act.name, w_norm, gradient_norm, ratio, saturated, stuck, dead
    )


def _network_findings(
    net: Network,
    layers: Sequence[LayerDiagnosis],
    cost: float,
    baseline: float,
    m: int,
    th: NetworkThresholds,
    optimizer: Optimizer,
) -> list[Finding]:
    lr = float(optimizer.lr)
    g = [d.gradient_norm for d in layers]
    if not (all(math.isfinite(v) for d in layers for v in (d.weight_norm, d.gradient_norm))
            and math.isfinite(cost)):  # fmt: skip
        weight_norms = [d.weight_norm for d in layers]
        return [_finding("non_finite", {"cost": cost}, weight_norms=weight_norms)]

    findings: list[Finding] = []
    # vanishing / exploding: compare the first layer's gradient with the last's
    if len(layers) >= 2 and g[-1] > 0:
        ratio = g[0] / g[-1]
        numbers = {"gradient_norms": g, "ratio": ratio}
        if ratio < th.vanishing_ratio:
            findings.append(_finding("vanishing_gradients", numbers, L=net.L))
        elif ratio > th.exploding_ratio or max(g) > th.exploding_norm:
            findings.append(_finding("exploding_gradients", numbers, lr=lr))
    elif max(g, default=0.0) > th.exploding_norm:
        findings.append(_finding("exploding_gradients:huge", {"gradient_norms": g}, lr=lr))

    # saturated sigmoid / tanh units
    fused_output = net.cost_function.requires is not None
    for d in layers:
        share = d.stuck if d.l == net.L else d.saturated
        if share is None or d.saturated is None or share <= th.saturated_fraction:
            continue
        if d.l == net.L and fused_output:
            continue  # with cross-entropy, δ^(L) = a − y: a saturated output still learns
        findings.append(
            _finding(
                "saturated_units:output" if d.l == net.L else "saturated_units",
                {"layer": d.l, "saturated": d.saturated, "stuck": d.stuck},
                activation=d.activation,
                slope=th.saturated_slope,
                wrong_output=th.wrong_output,
                weight_norm=d.weight_norm,
            )
        )

    # dead ReLU units
    for d in layers:
        if d.dead is None or d.dead <= th.dead_fraction:
            continue
        findings.append(
            _finding(
                "dead_relu",
                {"layer": d.l, "dead": d.dead},
                dead_neurons=round(d.dead * d.neurons),
                neurons=d.neurons,
                m=m,
                b_min=float(np.min(net.b[d.l])),
                b_max=float(np.max(net.b[d.l])),
            )
        )

    # the size of one step
    ratios = [d.update_ratio for d in layers]
    big = max(range(len(layers)), key=lambda i: ratios[i])
    steps = {"update_ratios": ratios}
    about = {"optimizer": _describe(optimizer), "lr": lr, "small": th.small_update_ratio}
    if ratios[big] > th.large_update_ratio:
        findings.append(_finding("large_updates", steps, layer=layers[big].l, **about))
    learned = baseline > 0 and cost < th.learned_cost * baseline
    small = max(ratios) < th.small_update_ratio
    if small and not learned and not findings:
        # (saturated, dead or vanishing units explain small steps better than a small η)
        findings.append(_finding("small_updates", steps, **about))
    if not findings:
        # a minimum reached: the gradient, not η, makes the steps small; nothing to fix
        key = "healthy:learned" if small and learned else "healthy"
        numbers = {"gradient_norms": g, "update_ratios": ratios, "baseline_cost": baseline}
        share = cost / baseline if baseline > 0 else math.inf
        findings.append(_finding(key, numbers, cost=cost, learned=share, L=net.L, **about))
    return findings
