"""Learning-rate schedules: how η changes from one epoch to the next.

A schedule wraps an optimizer and, each time its :meth:`~Schedule.step` is called (once per
epoch, after that epoch's training), sets the optimizer's ``lr``::

    opt = gn.SGD(lr=0.1, momentum=0.9)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        ...                      # train one epoch: opt.step(net, grads) per mini-batch
        sched.step()             # then η for the next epoch

Here η_0 is the optimizer's learning rate when the schedule was made (``base_lr``) and t the
number of ``step()`` calls so far (``last_epoch``). From simplest to most involved:

==================  ===========================================================================
StepLR              η ← γ η every ``step_size`` epochs
ExponentialLR       η ← γ η every epoch
CosineAnnealingLR   η_t = η_min + ½ (η_0 − η_min)(1 + cos(π t / T_max))
InverseScaling      η_t = η_0 / (t + 1)^power_t          (scikit-learn's ``'invscaling'``)
ReduceLROnPlateau   η ← factor · η when a watched metric stops improving: ``step(val_loss)``
==================  ===========================================================================

The first four compute η from the optimizer's current ``lr``, exactly as
``torch.optim.lr_scheduler`` does, so their sequences equal PyTorch's; ReduceLROnPlateau follows
PyTorch's rules for patience, threshold and cooldown. :meth:`~Schedule.get_last_lr` is the rate
the schedule set last, and :meth:`~Schedule.state_dict` / :meth:`~Schedule.load_state_dict` save
and restore a schedule (restore the optimizer's own state to get its ``lr`` back).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from ._inputs import plain, real_number, short_repr, whole_number
from .optimizers import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "InverseScaling",
    "ReduceLROnPlateau",
    "Schedule",
    "StepLR",
]


def _check_gamma(gamma: Any) -> float:
    return real_number(
        gamma,
        "gamma value",
        "gamma (γ) multiplies the learning rate, so it must satisfy 0 < gamma ≤ 1, such as "
        "0.1 (divide η by 10)",
        low=0.0,
        low_open=True,
        high=1.0,
    )


class Schedule:
    """Base class: changes ``optimizer.lr`` each time :meth:`step` is called.

    A subclass lists its hyperparameters (:meth:`hyperparameters`, the constructor's keyword
    arguments) and computes the next η in ``_next_lr()``, after ``last_epoch`` went up by one.

    Attributes:
        optimizer: the optimizer whose ``lr`` this schedule sets.
        base_lr: η_0, the optimizer's ``lr`` when the schedule was made.
        last_epoch: t, the number of :meth:`step` calls so far.
        needs_metric: whether :meth:`step` needs the metric it watches (ReduceLROnPlateau).

    Example:
        A schedule of your own, a linear warm-up η_t = η_0 · min(1, t / warmup):

        >>> import glassnet as gn
        >>> from glassnet.schedules import Schedule
        >>> class WarmUp(Schedule):
        ...     def __init__(self, optimizer, warmup=4):
        ...         super().__init__(optimizer)
        ...         self.warmup = warmup
        ...     def hyperparameters(self):
        ...         return {"warmup": self.warmup}
        ...     def _next_lr(self):
        ...         return self.base_lr * min(1.0, self.last_epoch / self.warmup)
        >>> opt = gn.SGD(lr=0.2)
        >>> sched = WarmUp(opt, warmup=4)
        >>> for epoch in range(5):
        ...     sched.step()
        ...     print(sched.last_epoch, round(opt.lr, 3))
        1 0.05
        2 0.1
        3 0.15
        4 0.2
        5 0.2
        >>> sched, sched.state_dict()["warmup"]
        (WarmUp(warmup=4), 4)
    """

    needs_metric: ClassVar[bool] = False

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"a schedule wraps a glassnet Optimizer such as gn.SGD(lr=0.1), got {optimizer!r}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = optimizer.lr

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments after the optimizer."""
        return {}

    def step(self, metric: float | None = None) -> None:
        """Move to the next epoch and set the optimizer's learning rate for it.

        Call it once per epoch, after the epoch's training. ``metric`` is what
        ReduceLROnPlateau watches; the other schedules ignore it, so that a training loop
        may pass its loss to any schedule.
        """
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr()
        self._last_lr = self.optimizer.lr

    def _next_lr(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement _next_lr()")

    def get_last_lr(self) -> float:
        """The learning rate this schedule set last (the optimizer's when it was made)."""
        return self._last_lr

    def _state_keys(self) -> tuple[str, ...]:
        """The attributes besides the hyperparameters that :meth:`state_dict` saves."""
        return ("base_lr", "last_epoch")

    def state_dict(self) -> dict[str, Any]:
        """The schedule's type, hyperparameters and progress, as a flat dict of plain values.

        The optimizer is not in it: save ``optimizer.state_dict()`` beside it.

        Example:
            >>> import glassnet as gn
            >>> from glassnet.schedules import StepLR
            >>> sd = StepLR(gn.SGD(lr=0.1), step_size=30).state_dict()
            >>> sd["schedule"], sd["step_size"], sd["last_epoch"], sd["last_lr"]
            ('StepLR', 30, 0, 0.1)
        """
        out: dict[str, Any] = {"schedule": type(self).__name__, **self.hyperparameters()}
        for key in self._state_keys():
            out[key] = getattr(self, key)
        out["last_lr"] = self._last_lr
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (the optimizer's ``lr`` is not touched)."""
        kind = plain(state_dict.get("schedule"))
        if kind != type(self).__name__:
            raise ValueError(
                f"this state_dict was saved by a {kind!r} schedule, not a "
                f"{type(self).__name__!r}; load it into a {kind} instead"
            )
        names = list(self.hyperparameters())
        keys = [*names, *self._state_keys(), "last_lr"]
        missing = [key for key in keys if key not in state_dict]
        if missing:
            raise ValueError(f"the state_dict lacks {missing}; pass what state_dict() returned")
        unknown = sorted(set(state_dict) - {*keys, "schedule"})
        if unknown:
            raise ValueError(f"unexpected keys {unknown} in the state_dict")
        values = {key: plain(state_dict[key]) for key in keys}
        fresh = type(self)(self.optimizer, **{key: values[key] for key in names})  # checks them
        progress = {}
        for key in [*self._state_keys(), "last_lr"]:
            if key in ("base_lr", "last_lr"):
                progress[key] = real_number(values[key], key, f"{key} must be a number ≥ 0", low=0)
            elif key == "best":
                progress[key] = float(values[key])
            else:
                rule = f"{key} must be an integer ≥ 0"
                progress[key] = whole_number(values[key], key, rule, low=0)
        for key in names:
            setattr(self, key, getattr(fresh, key))
        for key in self._state_keys():
            setattr(self, key, progress[key])
        self._last_lr = progress["last_lr"]

    def __repr__(self) -> str:
        hyper = self.hyperparameters()
        args = ", ".join(f"{key}={short_repr(value)}" for key, value in hyper.items())
        return f"{type(self).__name__}({args})"


class StepLR(Schedule):
    """Multiply η by γ every ``step_size`` epochs::

        η ← γ η   when t is a multiple of step_size,   so   η_t = η_0 γ^⌊t / step_size⌋

    Equal to ``torch.optim.lr_scheduler.StepLR``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        step_size: epochs between decays, a positive integer.
        gamma: γ, 0 < γ ≤ 1.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.schedules import StepLR
        >>> opt = gn.SGD(lr=0.1)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     sched.step()
        ...     lrs.append(opt.lr)
        >>> lrs
        [0.1, 0.05, 0.05, 0.025, 0.025]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = whole_number(
            step_size,
            "step_size value",
            "step_size is the number of epochs between decays, a positive integer such as 30",
            low=1,
        )
        self.gamma = _check_gamma(gamma)

    def hyperparameters(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lr(self) -> float:
        lr = self.optimizer.lr
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr  # η ← γ η


class ExponentialLR(Schedule):
    """Multiply η by γ every epoch::

        η ← γ η,   so   η_t = η_0 γ^t

    Equal to ``torch.optim.lr_scheduler.ExponentialLR``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        gamma: γ, 0 < γ ≤ 1.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.schedules import ExponentialLR
        >>> opt = gn.SGD(lr=1.0)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); sched.step(); sched.get_last_lr()
        0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = _check_gamma(gamma)

    def hyperparameters(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lr(self) -> float:
        return self.optimizer.lr * self.gamma  # η ← γ η


class CosineAnnealingLR(Schedule):
    """Lower η from η_0 to η_min along half a cosine over ``T_max`` epochs::

        η_t = η_min + ½ (η_0 − η_min)(1 + cos(π t / T_max))

    At t = T_max, η = η_min; after that η climbs back along the cosine (there are no restarts).
    As in PyTorch, each η is computed from the last one, ::

        η_t = η_min + (η_{t−1} − η_min) (1 + cos(π t / T_max)) / (1 + cos(π (t − 1) / T_max))

    which gives the formula above when nothing else changes ``lr``; at the bottom of the
    cosine, where that ratio is 0/0, η climbs by ½ (η_0 − η_min)(1 − cos(π / T_max)) instead.
    Equal to ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        T_max: the epochs from η_0 down to η_min, a positive integer.
        eta_min: η_min ≥ 0.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.schedules import CosineAnnealingLR
        >>> opt = gn.SGD(lr=1.0)
        >>> sched = CosineAnnealingLR(opt, T_max=4)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     sched.step()
        ...     lrs.append(round(opt.lr, 4))
        >>> lrs
        [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.T_max = whole_number(
            T_max,
            "T_max value",
            "T_max is the number of epochs from η_0 down to eta_min, a positive integer such "
            "as the number of epochs you train",
            low=1,
        )
        self.eta_min = real_number(
            eta_min,
            "eta_min value",
            "eta_min is the lowest learning rate, a number ≥ 0 such as 0",
            low=0.0,
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}

    def _next_lr(self) -> float:
        t, T, eta_min, lr = self.last_epoch, self.T_max, self.eta_min, self.optimizer.lr
        if (t - 1 - T) % (2 * T) == 0:  # just past the bottom: the ratio below would be 0/0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        # η_t − η_min = (η_{t−1} − η_min) (1 + cos(π t / T)) / (1 + cos(π (t − 1) / T))
        return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (
            lr - eta_min
        ) + eta_min


class InverseScaling(Schedule):
    """Divide η_0 by a power of the step count, scikit-learn's ``learning_rate='invscaling'``::

        η_t = η_0 / (t + 1)^power_t

    scikit-learn writes it η = η_0 / t^power_t with its t counted from 1; here t counts the
    ``step()`` calls, so t + 1 is theirs. Calling ``step()`` once per epoch counts epochs;
    call it once per mini-batch to count mini-batches instead.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        power_t: the exponent, ≥ 0 (scikit-learn's MLP default 0.5; 0 keeps η fixed).

    Example:
        >>> import glassnet as gn
        >>> from glassnet.schedules import InverseScaling
        >>> opt = gn.SGD(lr=1.0)
        >>> sched = InverseScaling(opt, power_t=0.5)
        >>> for epoch in range(3):
        ...     sched.step()
        >>> opt.lr   # 1 / √4
        0.5
    """

    def __init__(self, optimizer: Optimizer, power_t: float = 0.5) -> None:
        super().__init__(optimizer)
        self.power_t = real_number(
            power_t,
            "power_t value",
            "power_t is the exponent of the step count, a number ≥ 0 such as 0.5",
            low=0.0,
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {"power_t": self.power_t}

    def _next_lr(self) -> float:
        return self.base_lr / (self.last_epoch + 1) ** self.power_t  # η_t = η_0 / (t + 1)^p


class ReduceLROnPlateau(Schedule):
    """Multiply η by ``factor`` when a watched metric has stopped improving.

    Call ``step(metric)`` once per epoch with, say, the validation loss. A metric *improves*
    on the best so far when (for ``mode="min"``) ::

        metric < best · (1 − threshold)     threshold_mode="rel"
        metric < best − threshold           threshold_mode="abs"

    (for ``mode="max"``: metric > best · (1 + threshold), or > best + threshold). After more
    than ``patience`` epochs in a row without improvement, ::

        η ← max(factor · η, min_lr)          (skipped if η would change by eps or less)

    and then ``cooldown`` epochs pass before bad epochs count again. Equal to
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        mode: ``"min"`` when lower is better (a loss), ``"max"`` when higher is (accuracy).
        factor: what η is multiplied by, 0 < factor < 1.
        patience: how many epochs without improvement to wait, an integer ≥ 0.
        threshold: how much better than the best a metric must be to count, ≥ 0.
        threshold_mode: ``"rel"`` (a fraction of the best) or ``"abs"`` (an amount).
        cooldown: epochs to wait after a reduction before counting bad epochs, an integer ≥ 0.
        min_lr: the lowest η, ≥ 0.
        eps: reductions smaller than this are skipped, ≥ 0.

    Attributes:
        best: the best metric so far; num_bad_epochs: epochs since it improved;
        cooldown_counter: cooldown epochs left.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.schedules import ReduceLROnPlateau
        >>> opt = gn.SGD(lr=1.0)
        >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for val_loss in [1.0, 0.8, 0.8, 0.8, 0.7]:
        ...     sched.step(val_loss)
        >>> opt.lr   # halved once, after two epochs without improvement
        0.5
    """

    needs_metric = True

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        *,
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(
                f"Invalid mode: {mode!r}; mode must be 'min' (lower is better, like a loss) or "
                "'max' (higher is better, like an accuracy)"
            )
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"Invalid threshold_mode: {threshold_mode!r}; threshold_mode must be 'rel' "
                "(threshold is a fraction of the best metric) or 'abs' (an amount)"
            )
        self.mode = mode
        self.threshold_mode = threshold_mode
        self.factor = real_number(
            factor,
            "factor value",
            "η is multiplied by factor, so it must satisfy 0 < factor < 1, such as 0.1",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
        )
        self.patience = whole_number(
            patience,
            "patience value",
            "patience is a number of epochs, an integer ≥ 0 such as 10",
            low=0,
        )
        self.threshold = real_number(
            threshold,
            "threshold value",
            "threshold must be a number ≥ 0, such as 1e-4",
            low=0.0,
        )
        self.cooldown = whole_number(
            cooldown,
            "cooldown value",
            "cooldown is a number of epochs, an integer ≥ 0 such as 0",
            low=0,
        )
        self.min_lr = real_number(
            min_lr, "min_lr value", "min_lr must be a number ≥ 0, such as 1e-6", low=0.0
        )
        self.eps = real_number(
            eps, "epsilon value", "eps must be a number ≥ 0, such as 1e-8", low=0.0
        )
        self.best = math.inf if mode == "min" else -math.inf  # worse than any metric
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "factor": self.factor,
            "patience": self.patience,
            "threshold": self.threshold,
            "threshold_mode": self.threshold_mode,
            "cooldown": self.cooldown,
            "min_lr": self.min_lr,
            "eps": self.eps,
        }

    def _state_keys(self) -> tuple[str, ...]:
        return ("base_lr", "last_epoch", "best", "num_bad_epochs", "cooldown_counter")

    def _improves(self, metric: float) -> bool:
        """Whether ``metric`` beats the best so far by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return metric < self.best * (1.0 - self.threshold)
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (self.threshold + 1.0)
        return metric > self.best + self.threshold

    def step(self, metric: float | None = None) -> None:
        """Record this epoch's ``metric`` and lower η if it has not improved for too long."""
        if metric is None:
            raise ValueError(
                "ReduceLROnPlateau.step needs the metric it watches, e.g. sched.step(val_loss)"
            )
        try:
            current = float(metric)
        except (TypeError, ValueError):
            raise ValueError(
                f"the metric must be a number such as the epoch's validation loss, got {metric!r}"
            ) from None
        self.last_epoch += 1
        if self._improves(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            old = self.optimizer.lr
            new = max(old * self.factor, self.min_lr)  # η ← max(factor · η, min_lr)
            if old - new > self.eps:
                self.optimizer.lr = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self.optimizer.lr
