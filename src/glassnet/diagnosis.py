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
import html
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .callbacks import Callback, TrainingRun

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer
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

#: The width ``str(report)`` wraps its sentences to.
TEXT_WIDTH = 96


def _g(v: float) -> str:
    """A number as a learner wants to read it: 4 significant digits."""
    return f"{v:.4g}"


def _higher(new: float, old: float) -> str:
    """``"12% higher"`` or, for big jumps, ``"1.9e+05 times as high"``."""
    factor = new / old if old > 0 else math.inf
    return f"{_pct(factor - 1)} higher" if factor < 3 else f"{factor:.3g} times as high"


def _of_size(v: float) -> str:
    """A step relative to the weights: ``"0.022% of their size"`` or ``"52 times their size"``."""
    return f"{v:.3g} times their size" if v >= 1.5 else f"{_pct(v)} of their size"


def _pct(v: float) -> str:
    return f"{100 * v:.2g}%" if abs(v) < 0.1 else f"{100 * v:.0f}%"


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
        mark = {"ok": "ok", "warning": "warning", "problem": "PROBLEM"}[self.severity]
        parts = [(f"[{mark}] ", self.message), ("    evidence: ", self.evidence)]
        if self.fix:
            parts.append(("    try: ", self.fix))
        return "\n".join(
            textwrap.fill(
                text,
                width=TEXT_WIDTH,
                initial_indent=label,
                subsequent_indent="      ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            for label, text in parts
        )


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

    def _findings_text(self) -> str:
        return "\n".join(str(f) for f in self.findings)

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
        lr = f", learning rate η = {_g(self.lr)}" if self.lr is not None else ""
        epochs = f"{self.epochs} epochs" if self.epochs else "no epoch completed"
        verdict = "looks fine" if self.ok else "needs attention"
        head = f"Training diagnosis ({epochs}{lr}): {verdict}"
        return head + "\n" + self._findings_text()


def _lr_of(history: History, monitor: TrainingMonitor | None) -> float | None:
    if monitor is not None and monitor.lrs:
        return monitor.lrs[-1]
    return history.last_lr


def _scaled_lr(lr: float | None, factor: float) -> str:
    if lr is None:
        return "ten times " + ("smaller" if factor < 1 else "larger") + " than now"
    return f"lr={_g(lr * factor)} instead of {_g(lr)}"


def _fmt_epochs(values: Sequence[float], first_epoch: int = 1, most: int = 6) -> str:
    """``"epoch 1: 0.5, 2: 0.45, …, 10: 0.3"`` — at most ``most`` numbers."""
    pairs = list(enumerate(values, start=first_epoch))
    if len(pairs) > most:
        pairs = pairs[: most // 2] + pairs[-(most - most // 2) :]
    parts = [f"{e}: {_g(v)}" for e, v in pairs]
    if len(values) > most:
        parts.insert(most // 2, "…")
    return "epoch " + ", ".join(parts)


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
    from .training import History

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

    # 1. diverged: the cost blew up or became NaN or inf, and fit stopped; or the very first
    # cost, before any step, was already infinite: then the data or the weights are at fault
    nonfinite = (monitor is not None and monitor.nonfinite) or history.diverged
    if nonfinite and history.stop_kind == "overflow_at_start":
        findings.append(
            Finding(
                "overflow_at_start",
                "problem",
                "Training stopped before its first step: the cost of the very first mini-batch "
                "was already infinite or NaN. No step had been taken, so the learning rate is "
                "not the cause — the inputs, the targets or the starting weights are too large "
                "for the network's dtype.",
                history.stop_reason or "the first mini-batch's cost was not a finite number",
                "scale the inputs (gn.scaling.MinMaxScaler or StandardScaler), check the "
                "targets for huge values, start from smaller weights, or use dtype='float64'.",
                {"stop_reason": history.stop_reason, "stop_kind": history.stop_kind},
            )
        )
    elif nonfinite:
        where = ""
        if monitor is not None and monitor.nonfinite_at is not None:
            where = f" at epoch {monitor.nonfinite_at[0]}, mini-batch {monitor.nonfinite_at[1]}"
        evidence = history.stop_reason or f"the cost became non-finite{where}"
        numbers: dict[str, Any] = {"stop_reason": history.stop_reason}
        if monitor is not None and monitor.batch_costs:
            last = monitor.batch_costs[-5:]
            evidence += f"; the last {len(last)} mini-batch costs before that were " + ", ".join(
                _g(c) for c in last
            )
            numbers["last_batch_costs"] = last
        if growth is not None:
            evidence += (
                f"; ‖W^({growth.layer})‖ grew from {_g(growth.initial)} to {_g(growth.final)}"
            )
        findings.append(
            Finding(
                "diverged",
                "problem",
                "Training diverged: the cost blew up or became infinite or NaN, so fit stopped. "
                "Each step overshot the minimum by more than the last, so the cost grew "
                "without limit — the learning rate is too large.",
                evidence,
                f"lower the learning rate: {_scaled_lr(lr, 0.1)}.",
                numbers,
            )
        )

    # 2. the per-epoch cost: rising or oscillating
    n = len(loss)
    if n >= 2 and not nonfinite:
        osc = _oscillation(loss, th)
        best = _rising(loss, th)
        if osc is not None:
            flips, amplitude, trend, window = osc
            findings.append(
                Finding(
                    "oscillating",
                    "problem",
                    "The cost goes up and down instead of settling: the steps are so large "
                    "that they jump across the valley of the cost, back and forth.",
                    f"{_fmt_epochs(loss)}; over the last {window} epochs {flips:.0%} of the "
                    f"epoch-to-epoch changes flip sign, typically by {_pct(amplitude)} of the "
                    "cost, with no clear downward trend (their last third averages "
                    f"{_pct(abs(trend))} {'lower' if trend > 0 else 'higher'} than their first)",
                    f"lower the learning rate ({_scaled_lr(lr, 0.1)}), or use larger "
                    "mini-batches (batch_size) so that each step's gradient is less noisy.",
                    {"loss": loss, "sign_changes": flips, "amplitude": amplitude, "trend": trend},
                )
            )
        elif best is not None:
            findings.append(
                Finding(
                    "rising",
                    "problem",
                    "The cost is rising: gradient descent should make it fall. The steps "
                    "overshoot, landing higher up the other side of the valley each time.",
                    f"the cost was {_g(loss[best])} at epoch {best + 1} and {_g(loss[-1])} at "
                    f"epoch {n} ({_higher(loss[-1], loss[best])}); {_fmt_epochs(loss)}",
                    f"lower the learning rate: {_scaled_lr(lr, 0.1)}.",
                    {"loss": loss, "best_epoch": best + 1},
                )
            )

    # 3. exploding weights
    if growth is not None and monitor is not None and not nonfinite:
        l = growth.layer
        shown = monitor.weight_norms[:8]
        findings.append(
            Finding(
                "exploding_weights",
                "problem",
                f"The weights of layer {l} exploded: ‖W^({l})‖ grew fast. Large weights push z "
                "far from 0, where sigmoid and tanh are flat and ReLU nets overflow.",
                f"‖W^({l})‖ went from {_g(growth.initial)} before training to {_g(growth.final)} "
                f"after epoch {len(monitor.weight_norms) - 1} (×{_g(growth.factor)}); it grew "
                f"fastest in epoch {growth.epoch} (×{_g(growth.epoch_factor)}); per epoch: "
                + ", ".join(_g(row[l - 1]) for row in shown)
                + (", …" if len(monitor.weight_norms) > len(shown) else ""),
                f"lower the learning rate ({_scaled_lr(lr, 0.1)}) and/or add an L2 penalty "
                "(e.g. Network.from_sizes(..., l2=1e-4)); glassnet has no gradient clipping.",
                {
                    "layer": l,
                    "initial": growth.initial,
                    "final": growth.final,
                    "factor": growth.factor,
                    "fastest_epoch": growth.epoch,
                    "weight_norms": [row[l - 1] for row in monitor.weight_norms],
                },
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
    evidence = (
        f"the cost went from {_g(loss[0])} at epoch 1 to {_g(loss[-1])} at epoch {len(loss)} "
        f"({_pct(total)} lower), {_pct(recent)} per epoch over the last {k}"
    )
    ratio = None
    if monitor is not None and monitor.update_ratios:
        ratio = max(monitor.update_ratios[-1])
        numbers["update_ratio"] = ratio
        evidence += f"; in the last epoch a step changed the weights by {_of_size(ratio)}"
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
    if growth is not None or (
        monitor is not None
        and monitor.update_ratios
        and max(monitor.largest_update_ratios[0]) > th.large_update_ratio
    ):
        first = (
            max(monitor.largest_update_ratios[0])
            if monitor is not None and monitor.largest_update_ratios
            else math.nan
        )
        return Finding(
            "barely_moving",
            "problem",
            "The cost is stuck — not because the steps are too small, but because the first "
            "steps were far too large: they pushed the weighted inputs z into the flat tails of "
            "the sigmoid (σ'(z) ≈ 0), where the gradients vanish and nothing moves any more "
            "(saturated units).",
            evidence + f"; in epoch 1 the largest step changed the weights by {_of_size(first)}",
            f"lower the learning rate: {_scaled_lr(lr, 0.1)}; net.diagnose(X, Y) shows the "
            "saturated units per layer.",
            numbers,
        )
    return Finding(
        "barely_moving",
        "problem",
        "The cost barely moves: the learning rate is probably too small, so each step nudges "
        "the weights only a tiny bit.",
        evidence,
        f"raise the learning rate: {_scaled_lr(lr, 10)}. If a larger η does not help, look "
        "for saturated sigmoid units or vanishing gradients with net.diagnose(X, Y).",
        numbers,
    )


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
        return Finding(
            "overfitting",
            "warning",
            "The network is overfitting: it keeps getting better on the training data while "
            "getting worse on the validation data — it is memorising the training samples "
            "instead of learning what generalises.",
            f"the validation cost was lowest at epoch {best + 1} ({_g(val[best])}) and rose to "
            f"{_g(val[last])} by epoch {last + 1} ({_higher(val[last], val[best])}), "
            f"while the training cost fell from {_g(loss[best])} to {_g(loss[last])}",
            "stop at the best epoch with gn.callbacks.EarlyStopping(monitor='val_loss', "
            "restore_best_weights=True); add an L2 penalty (l2=1e-4) or dropout (dropout=0.2); "
            "or train on more data.",
            {"best_epoch": best + 1, "val_loss": val, "loss": loss},
        )
    return None


def _converging(
    history: History, monitor: TrainingMonitor | None, th: TrainingThresholds, lr: float | None
) -> Finding:
    loss = [float(v) for v in history.loss]
    if len(loss) < 2:
        costs = monitor.batch_costs if monitor is not None else []
        if len(costs) >= 2:
            return Finding(
                "converging",
                "ok",
                "Too short to judge: only one epoch. Within it the cost went from "
                f"{_g(costs[0])} (first mini-batch) to {_g(costs[-1])} (last).",
                f"{len(costs)} mini-batch costs recorded",
                "train for more epochs to see whether it converges.",
                {"batch_costs": list(costs)},
            )
        return Finding(
            "converging",
            "ok",
            "Too short to judge: fewer than two epochs of costs.",
            f"{len(loss)} epoch(s) recorded",
            "train for more epochs to see whether it converges.",
            {"loss": loss},
        )
    total = (loss[0] - loss[-1]) / loss[0] if loss[0] > 0 else 0.0
    k, recent = _recent_decrease(loss, th)
    evidence = (
        f"the cost fell from {_g(loss[0])} at epoch 1 to {_g(loss[-1])} at epoch {len(loss)} "
        f"({_pct(total)} lower), {_pct(recent)} per epoch over the last {k}"
    )
    if history.val_loss:
        evidence += f"; validation cost {_g(history.val_loss[-1])}"
    if recent > th.slow_decrease:
        message = "Training is converging: the cost falls steadily, and it is still falling."
        fix = "train for more epochs; the cost has not levelled off yet."
    else:
        message = (
            "Training has converged: the cost fell and has levelled off — gradient descent "
            "has settled into a minimum, as the tutorial puts it."
        )
        fix = (
            "nothing needed. If the cost levelled off higher than you expected (low accuracy), "
            f"the run may sit on a plateau: try {_scaled_lr(lr, 10)} or a cross-entropy cost."
        )
    return Finding("converging", "ok", message, evidence, fix, {"loss": loss, "per_epoch": recent})


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
        rows = [["layer", "neurons", "σ", "‖W‖", "‖∂C/∂W‖", "‖ΔW‖/‖W‖", "saturated", "dead"]]
        for d in self.layers:
            rows.append(
                [
                    str(d.l),
                    str(d.neurons),
                    d.activation,
                    _g(d.weight_norm),
                    _g(d.gradient_norm),
                    _g(d.update_ratio),
                    _saturated_cell(d),
                    "-" if d.dead is None else f"{d.dead:.0%}",
                ]
            )
        return rows

    def __str__(self) -> str:
        rows = self.table_rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = [
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        ]
        verdict = "looks healthy" if self.ok else "needs attention"
        head = (
            f"Network diagnosis on {self.m} samples (cost C = {_g(self.cost)}; one step of "
            f"{self.optimizer}{_SOURCES.get(self.optimizer_source, '')}): {verdict}"
        )
        return "\n".join([head, *("  " + t for t in table), self._findings_text()])

    def _repr_html_(self) -> str:
        rows = self.table_rows()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
        )
        items = "".join(
            f"<li><b>{html.escape(f.severity)}</b>: {html.escape(f.message)}<br>"
            f"<small>{html.escape(f.evidence)}</small>"
            + (f"<br><i>try:</i> {html.escape(f.fix)}" if f.fix else "")
            + "</li>"
            for f in self.findings
        )
        return (
            f"<p>Network diagnosis on {self.m} samples, cost C = {_g(self.cost)}</p>"
            f"<table><tr>{head}</tr>{body}</table><ul>{items}</ul>"
        )


#: How the report's first line says where the measured optimizer came from.
_SOURCES = {
    "given": ", as given",
    "fit": ", the optimizer of the network's latest fit",
    "default": ", the default: fit has not trained this network; pass optimizer= to choose",
}


def _saturated_cell(d: LayerDiagnosis) -> str:
    """The table's "saturated" entry: for an output layer also the share saturated *and* wrong,
    the only kind that harms learning there (a saturated output that is right is what training
    aims for), so that the table and the findings tell the same story."""
    if d.saturated is None:
        return "-"
    if d.stuck is None:
        return f"{d.saturated:.0%}"
    return f"{d.saturated:.0%} ({d.stuck:.0%} wrong)"


def _describe(optimizer: Optimizer) -> str:
    """``"SGD(lr=0.1)"``: the optimizer's name and η, without the rest of its repr."""
    return f"{type(optimizer).__name__}(lr={_g(float(optimizer.lr))})"


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
    from .network import Network
    from .optimizers import SGD, Optimizer

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
    x, y, _ = net._check_xy(X, Y)
    m = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        a, z = net._forward(x)
        grads = net.gradients(X, Y)
        cost = net.cost(X, Y)
        # the cost of a network that knows nothing: every output neuron's z^(L) = 0
        z0 = np.zeros_like(y)
        baseline = float(net.cost_function(net.layers[-1].activation.forward(z0), y, z0))
        # one step of a copy of the optimizer on a copy of the network: net stays as it is
        twin, twin_opt = net.copy(), copy.deepcopy(optimizer)
        twin_opt.step(twin, twin.gradients(X, Y))
        layers = []
        for l in range(1, net.L + 1):
            W = np.asarray(net.W[l], dtype=np.float64)
            act = net.layers[l - 1].activation
            w_norm = float(np.linalg.norm(W))
            step = float(np.linalg.norm(np.asarray(twin.W[l], dtype=np.float64) - W))
            ratio = step / w_norm if w_norm > 0 else (math.inf if step > 0 else 0.0)
            saturated = stuck = dead = None
            z_l = np.asarray(z[l], dtype=np.float64)
            if act.saturates:  # flat tails, where σ'(z) → 0 as |z| grows
                zero = np.zeros((1, 1))
                steepest = float(act.prime(zero, act.forward(zero))[0, 0])  # σ'(0)
                flat = ~(act.prime(z_l, act.forward(z_l)) >= th.saturated_slope * steepest)
                saturated = float(np.mean(flat))
                if l == net.L:  # flat *and* wrong: an output that cannot be corrected
                    wrong = np.abs(np.asarray(a[l], dtype=np.float64) - y) > th.wrong_output
                    stuck = float(np.mean(np.any(flat & wrong, axis=1)))
            if act.dies:  # a neuron is dead where σ'(z) = 0 for every sample
                dead_values = ~(act.prime(z_l, act.forward(z_l)) != 0)
                dead = float(np.mean(np.all(dead_values, axis=0)))
            layers.append(
                LayerDiagnosis(
                    l=l,
                    neurons=net.sizes[l],
                    activation=act.name,
                    weight_norm=w_norm,
                    gradient_norm=float(np.linalg.norm(np.asarray(grads.W[l], dtype=np.float64))),
                    update_ratio=ratio,
                    saturated=saturated,
                    stuck=stuck,
                    dead=dead,
                )
            )
    findings = _network_findings(net, layers, cost, baseline, m, th, optimizer)
    return NetworkDiagnosis(layers, findings, cost, m, _describe(optimizer), source)


def _network_findings(
    net: Network,
    layers: Sequence[LayerDiagnosis],
    cost: float,
    baseline: float,
    m: int,
    th: NetworkThresholds,
    optimizer: Optimizer,
) -> list[Finding]:
    findings: list[Finding] = []
    lr = float(optimizer.lr)
    numbers_ok = all(
        math.isfinite(v) for d in layers for v in (d.weight_norm, d.gradient_norm)
    ) and math.isfinite(cost)
    if not numbers_ok:
        findings.append(
            Finding(
                "non_finite",
                "problem",
                "The network holds NaN or infinite numbers: training has diverged.",
                f"cost C = {cost}; ‖W‖ per layer: "
                + ", ".join(f"{d.l}: {_g(d.weight_norm)}" for d in layers),
                "start again from fresh weights with a learning rate 10 times smaller.",
                {"cost": cost},
            )
        )
        return findings

    g = [d.gradient_norm for d in layers]
    # vanishing / exploding: compare the first layer's gradient with the last's
    if len(layers) >= 2 and g[-1] > 0:
        ratio = g[0] / g[-1]
        table = ", ".join(f"layer {d.l}: {_g(d.gradient_norm)}" for d in layers)
        if ratio < th.vanishing_ratio:
            findings.append(
                Finding(
                    "vanishing_gradients",
                    "problem",
                    "The gradients vanish on their way back: layer 1 gets a gradient "
                    f"{_g(1 / ratio) if ratio > 0 else 'infinitely many'} times smaller than layer "
                    f"{net.L}, so the first layers hardly learn. Each layer back multiplies δ by "
                    "W and by σ'(z), and σ' ≤ 0.25 for the sigmoid.",
                    f"‖∂C/∂W^(l)‖ per layer: {table}; ratio first/last = {_g(ratio)}",
                    "use relu or leaky_relu in the hidden layers, Xavier/He initialisation "
                    "(init='xavier' / 'he'), fewer layers, or an adaptive optimizer (gn.Adam).",
                    {"gradient_norms": g, "ratio": ratio},
                )
            )
        elif ratio > th.exploding_ratio or max(g) > th.exploding_norm:
            findings.append(
                Finding(
                    "exploding_gradients",
                    "problem",
                    "The gradients explode on their way back: they grow layer after layer "
                    "towards the input, so a single step can throw the first layers far away.",
                    f"‖∂C/∂W^(l)‖ per layer: {table}; ratio first/last = {_g(ratio)}",
                    f"lower the learning rate ({_scaled_lr(lr, 0.1)}), start from smaller weights "
                    "(init='xavier' or 'he'), add an L2 penalty (l2=1e-4); glassnet has no "
                    "gradient clipping.",
                    {"gradient_norms": g, "ratio": ratio},
                )
            )
    elif max(g, default=0.0) > th.exploding_norm:
        findings.append(
            Finding(
                "exploding_gradients",
                "problem",
                "The gradient is huge: one step will throw the weights far away.",
                "‖∂C/∂W^(l)‖ per layer: "
                + ", ".join(f"{d.l}: {_g(d.gradient_norm)}" for d in layers),
                f"lower the learning rate ({_scaled_lr(lr, 0.1)}) or scale the inputs and targets.",
                {"gradient_norms": g},
            )
        )

    # saturated sigmoid / tanh units
    fused_output = net.cost_function.requires is not None
    for d in layers:
        share = d.stuck if d.l == net.L else d.saturated
        if share is None or d.saturated is None or share <= th.saturated_fraction:
            continue
        if d.l == net.L and fused_output:
            continue  # with cross-entropy, δ^(L) = a − y: a saturated output still learns
        where = "the output layer" if d.l == net.L else f"hidden layer {d.l}"
        stuck = (
            f"; {share:.0%} of the samples have an output that is saturated and wrong "
            f"(|a − y| > {_g(th.wrong_output)})"
            if d.l == net.L
            else ""
        )
        findings.append(
            Finding(
                "saturated_units",
                "problem",
                f"Units of {where} are saturated: their z sits in the flat tails of "
                f"{d.activation}, where σ'(z) ≈ 0, so δ^({d.l}) = ∂C/∂a ⊙ σ'(z) ≈ 0 and they "
                "stop learning.",
                f"{d.saturated:.0%} of layer {d.l}'s values have σ'(z) below "
                f"{_g(th.saturated_slope)} × σ'(0){stuck}; ‖W^({d.l})‖ = {_g(d.weight_norm)}",
                "lower the learning rate, scale the inputs (to [0, 1], or gn.scaling."
                "StandardScaler), start from Xavier weights (init='xavier')"
                + (
                    ", or use a cross-entropy cost (softmax + 'cross_entropy', or sigmoid + "
                    "'binary_cross_entropy'), whose δ^(L) = a − y does not vanish"
                    if d.l == net.L
                    else ", or use relu in the hidden layers"
                )
                + ".",
                {"layer": d.l, "saturated": d.saturated, "stuck": d.stuck},
            )
        )

    # dead ReLU units
    for d in layers:
        if d.dead is None or d.dead <= th.dead_fraction:
            continue
        findings.append(
            Finding(
                "dead_relu",
                "problem",
                f"ReLU neurons of layer {d.l} are dead: their z ≤ 0 for every sample, so they "
                "output 0, their gradient is 0, and no step can bring them back.",
                f"{round(d.dead * d.neurons)} of {d.neurons} neurons ({d.dead:.0%}) never fire on "
                f"these {m} samples; biases b^({d.l}) range from "
                f"{_g(float(np.min(net.b[d.l])))} to {_g(float(np.max(net.b[d.l])))}",
                "lower the learning rate, use He initialisation (init='he'), start the biases "
                "slightly positive, or use leaky_relu / elu, which keep a small slope for z < 0.",
                {"layer": d.l, "dead": d.dead},
            )
        )

    # the size of one step
    ratios = [d.update_ratio for d in layers]
    big = max(range(len(layers)), key=lambda i: ratios[i])
    table = ", ".join(f"layer {d.l}: {_g(d.update_ratio)}" for d in layers)
    if ratios[big] > th.large_update_ratio:
        findings.append(
            Finding(
                "large_updates",
                "problem",
                f"One step of {_describe(optimizer)} changes W^({layers[big].l}) by more than "
                "its own size: the learning rate is too large, the next steps will overshoot.",
                f"‖ΔW^(l)‖/‖W^(l)‖ per layer: {table}",
                f"lower the learning rate: {_scaled_lr(lr, 0.1)}.",
                {"update_ratios": ratios},
            )
        )
    steps = "one step moves the weights by a sensible amount"
    learned = baseline > 0 and cost < th.learned_cost * baseline
    if max(ratios) < th.small_update_ratio and learned and not findings:
        # a minimum reached: the gradient, not η, makes the steps small; nothing to fix
        steps = "the steps are small only because these samples are learned"
        table += (
            f" (all below {_g(th.small_update_ratio)}, while C = {_g(cost)} is "
            f"{_pct(cost / baseline)} of the cost of a network that knows nothing: every "
            f"z^({net.L}) = 0 gives C = {_g(baseline)})"
        )
    elif max(ratios) < th.small_update_ratio and not findings:
        # (saturated, dead or vanishing units explain small steps better than a small η)
        findings.append(
            Finding(
                "small_updates",
                "warning",
                f"One step of {_describe(optimizer)} barely changes the weights: learning will "
                "be slow.",
                f"‖ΔW^(l)‖/‖W^(l)‖ per layer: {table} (all below {_g(th.small_update_ratio)})",
                f"raise the learning rate: {_scaled_lr(lr, 10)}. (A larger η does not help "
                "where gradients vanish or units are saturated or dead.)",
                {"update_ratios": ratios},
            )
        )

    if not findings:
        findings.append(
            Finding(
                "healthy",
                "ok",
                "The network looks healthy: gradients reach every layer, no hidden layer is "
                "saturated or dead, no output is stuck saturated at a wrong value, and "
                f"{steps}.",
                f"cost C = {_g(cost)}; ‖∂C/∂W^(l)‖ per layer: "
                + ", ".join(f"{d.l}: {_g(d.gradient_norm)}" for d in layers)
                + f"; ‖ΔW^(l)‖/‖W^(l)‖: {table}",
                "",
                {"gradient_norms": g, "update_ratios": ratios, "baseline_cost": baseline},
            )
        )
    return findings
