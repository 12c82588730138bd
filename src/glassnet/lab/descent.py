"""Gradient descent on a surface, step by step, with glassnet's own optimizers.

The lab does not re-implement SGD, momentum or Adam: it puts the point (x, y) into the weights
of a tiny glassnet :class:`~glassnet.Network` with a single layer, W^(1) = [[x, y]] of shape
(1, 2) (its bias b^(1) stays 0), hands the optimizer the surface's gradient in a
:class:`~glassnet.Gradients`::

    ∂C/∂W^(1) = [[∂f/∂x, ∂f/∂y]]        ∂C/∂b^(1) = [0]

and calls ``optimizer.step(net, grads)``, exactly as ``net.fit`` does after each mini-batch.
The point after the step is read back from ``net.W[1]``. So every recorded point is a step
that glassnet's optimizers really take, in float64.

After the run the lab says in words what happened (:class:`Verdict`): converged to the global
or to a local minimum (which, where, with its value), stopped at a saddle point, diverged (and
whether η was above the stability limit), or still moving.

Example:
    >>> from glassnet import lab
    >>> run = lab.descend("bowl", "sgd", lr=0.1, steps=60)
    >>> run.points.shape, run.verdict.kind
    ((61, 2), 'global minimum')
    >>> print(run.verdict)
    sgd η=0.1: converged to the global minimum f(0, 0) = 0 (within 0.01 from step 55 on)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._inputs import real_number, whole_number
from ..layers import Dense
from ..network import ByLayer, Gradients, Network
from ..optimizers import OPTIMIZERS, SGD, Optimizer, by_name
from .surfaces import CriticalPoint, Surface
from .surfaces import get as get_surface

Array = NDArray[np.float64]

__all__ = [
    "OPTIMIZERS",
    "Trajectory",
    "Verdict",
    "default_sweep",
    "descend",
    "judge",
    "label",
    "lr_sweep",
    "make_optimizer",
    "race",
    "stability_limit",
]


def make_optimizer(name: str, lr: float) -> Optimizer:
    """A fresh optimizer by name: sgd, momentum (μ = 0.9), nesterov, adagrad, rmsprop, adam, adamw.

    The names of the registry :data:`glassnet.optimizers.OPTIMIZERS`, shared with the command
    line and the Playground (a name added with :func:`glassnet.optimizers.register` works too).

    >>> make_optimizer("nesterov", 0.01)
    SGD(lr=0.01, momentum=0.9, dampening=0, nesterov=True, weight_decay=0)
    """
    return by_name(name, lr)


def label(optimizer: Optimizer) -> str:
    """A short name for legends: ``"momentum η=0.01"``.

    >>> label(make_optimizer("adam", 0.05))
    'adam η=0.05'
    """
    if isinstance(optimizer, SGD):
        name = "nesterov" if optimizer.nesterov else "momentum" if optimizer.momentum else "sgd"
    else:  # the class's registered name (its plain name, without preset options)
        name = next(
            (n for n, o in OPTIMIZERS.items() if o.cls is type(optimizer) and not o.options),
            type(optimizer).__name__.lower(),
        )
    return f"{name} η={optimizer.lr:g}"


def _fresh(optimizer: str | Optimizer, lr: float | None, surface: Surface) -> Optimizer:
    """The optimizer that will take the steps: a new one for a name, a reset copy of an instance
    (the caller's own optimizer is left as it was)."""
    if isinstance(optimizer, Optimizer):
        opt = copy.deepcopy(optimizer)
        opt.reset()
        if lr is not None:
            opt.lr = lr
        return opt
    if not isinstance(optimizer, str):
        raise ValueError(
            f"optimizer must be a name such as 'adam' or a glassnet optimizer, got {optimizer!r}"
        )
    if lr is None:
        lr = surface.suggested_lr.get(optimizer.lower(), 0.01)
    return make_optimizer(optimizer, lr)


def stability_limit(surface: str | Surface, optimizer: Optimizer) -> float | None:
    """The largest η for which ``optimizer`` still converges on a quadratic surface, or None.

    On f = ½ Σ λ_i x_i² every coordinate evolves on its own and linearly, so the limit is exact:

    * plain gradient descent, x ← (1 − η λ) x: stable iff η < 2/λ_max;
    * momentum μ (heavy ball): η < 2(1 + μ)/λ_max;
    * Nesterov (PyTorch's form): η < 2(1 + μ)/((1 + 2μ) λ_max).

    Weight decay λ_wd adds to every λ. Adaptive optimizers (Adagrad, RMSprop, Adam) divide the
    step by the gradient's size, so they have no such limit; for them, and for surfaces whose
    curvature changes from place to place, the answer is None.

    >>> stability_limit("bowl", SGD(lr=0.1))
    1.0
    >>> round(stability_limit("ravine", SGD(lr=0.1, momentum=0.9)), 4)
    0.95
    """
    surface = get_surface(surface)
    if surface.curvatures is None or type(optimizer) is not SGD or optimizer.dampening != 0:
        return None
    lam = max(surface.curvatures) + optimizer.weight_decay
    mu = optimizer.momentum
    if optimizer.nesterov:
        return 2 * (1 + mu) / ((1 + 2 * mu) * lam)
    return 2 * (1 + mu) / lam


def _limit_formula(optimizer: Optimizer) -> str:
    if isinstance(optimizer, SGD) and optimizer.momentum:
        return "2(1 + μ)/((1 + 2μ) λ_max)" if optimizer.nesterov else "2(1 + μ)/λ_max"
    return "2/λ_max"


@dataclass
class Verdict:
    """What became of a run, in words.

    Attributes:
        kind: "global minimum", "local minimum", "saddle point", "diverged", "stalled" or
            "still moving".
        message: one or two plain sentences (also ``str(verdict)``).
        point: the critical point reached, if any.
        step: the first step from which the run stayed at that point (or the step it diverged).

    Example:
        >>> from glassnet.lab import descend
        >>> verdict = descend("bowl", "sgd", lr=0.1, steps=100).verdict
        >>> verdict.kind, verdict.converged, verdict.step, verdict.point.describe()
        ('global minimum', True, 55, 'the global minimum f(0, 0) = 0')
        >>> blown = descend("bowl", "sgd", lr=2.0, steps=100).verdict  # too large a step
        >>> blown.kind, blown.step
        ('diverged', 8)
        >>> print(str(blown).split("; ")[1])  # the message says why
        η = 2 is above the stability limit 2/λ_max = 1 of this surface (λ_max = 2)
    """

    kind: str
    message: str
    point: CriticalPoint | None = None
    step: int | None = None

    @property
    def converged(self) -> bool:
        """Whether the run ended in a minimum (global or local)."""
        return self.kind in ("global minimum", "local minimum")

    def __str__(self) -> str:
        return self.message


@dataclass
class Trajectory:
    """One optimizer's run on a surface: every point, value and gradient, step by step.

    Attributes:
        surface: the surface.
        optimizer: the optimizer that took the steps, with its state after the last one.
        label: a short name for legends (``"adam η=0.05"``).
        points: (n + 1, 2): the start, then the point after each of the n steps.
        values: (n + 1,): f at each point.
        gradients: (n + 1, 2): ∇f at each point (the step from point t used gradients[t]).
        diverged: whether the run was stopped because it blew up.
        verdict: what became of it (see :class:`Verdict`).

    Example:
        >>> from glassnet.lab import descend
        >>> run = descend("bowl", "sgd", lr=0.1, steps=100)
        >>> run  # doctest: +NORMALIZE_WHITESPACE
        Trajectory(bowl, sgd η=0.1, 100 steps, end=(-7.968e-05, 4.074e-10),
                   f=3.175e-09: global minimum)
        >>> run.points.shape, run.values.shape, run.gradients.shape  # the start, then 100 steps
        ((101, 2), (101,), (101, 2))
        >>> run.points[0], run.label, run.diverged
        (array([-3.,  2.]), 'sgd η=0.1', False)
    """

    surface: Surface
    optimizer: Optimizer
    label: str
    points: Array
    values: Array
    gradients: Array
    diverged: bool
    verdict: Verdict

    @property
    def steps(self) -> int:
        """The number of steps taken."""
        return len(self.points) - 1

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    def __repr__(self) -> str:
        x, y = self.points[-1]
        return (
            f"Trajectory({self.surface.name}, {self.label}, {self.steps} steps, "
            f"end=({x:.4g}, {y:.4g}), f={self.values[-1]:.4g}: {self.verdict.kind})"
        )


def point_network(start: ArrayLike) -> Network:
    """The one-layer float64 network whose weight row W^(1) = [[x, y]] is the point.

    >>> net = point_network([1.5, -2.0])
    >>> net.W[1], net.b[1]
    (array([[ 1.5, -2. ]]), array([0.]))
    """
    net = Network([Dense(2, 1, activation="identity")], seed=0, dtype="float64")
    net.W[1] = np.asarray(start, dtype=np.float64).reshape(1, 2)
    net.b[1] = np.zeros(1)
    return net


def surface_gradients(gx: float, gy: float) -> Gradients:
    """∂C/∂W^(1) = [[∂f/∂x, ∂f/∂y]] and ∂C/∂b^(1) = [0], as an optimizer takes them."""
    return Gradients(
        ByLayer([np.array([[gx, gy]], dtype=np.float64)], 1, "∂C/∂W"),
        ByLayer([np.zeros(1)], 1, "∂C/∂b"),
    )


def _check_start(start: ArrayLike) -> Array:
    try:
        p = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        p = np.empty(0)
    if p.shape != (2,) or not np.isfinite(p).all():
        raise ValueError(
            f"start must be two finite numbers (x, y), such as (-1.5, 2), got {start!r}"
        )
    return p


def _check_steps(steps: Any) -> int:
    return whole_number(steps, "steps", must_be="a whole number ≥ 1, such as 100", low=1)


def descend(
    surface: str | Surface,
    optimizer: str | Optimizer = "sgd",
    *,
    lr: float | None = None,
    start: ArrayLike | None = None,
    steps: int = 100,
    tol: float = 1e-2,
) -> Trajectory:
    """Run one optimizer on a surface and record every step it takes.

    Args:
        surface: a name from :data:`~glassnet.lab.surfaces.SURFACES` or a :class:`Surface`.
        optimizer: a name (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw) or any
            glassnet optimizer; an instance is copied and reset, never changed.
        lr: η; by default the surface's ``suggested_lr`` for a name, the instance's own lr.
        start: (x, y); by default the surface's ``start``.
        steps: how many steps to take (fewer if the run diverges).
        tol: how close (in x, y) to a critical point counts as having reached it.

    Returns:
        a :class:`Trajectory`, with its :class:`Verdict`.

    Example:
        >>> from glassnet.lab import descend
        >>> for lr in (0.1, 0.9, 1.1):  # the bowl's stability limit for SGD is η = 1
        ...     run = descend("bowl", "sgd", lr=lr, steps=100)
        ...     print(lr, run.verdict.kind, run.steps)
        0.1 global minimum 100
        0.9 global minimum 100
        1.1 diverged 46
    """
    surf = get_surface(surface)
    opt = _fresh(optimizer, lr, surf)
    p = _check_start(surf.start if start is None else start)
    steps = _check_steps(steps)
    tol = real_number(tol, "tol", must_be="a distance > 0, such as 0.01", low=0.0, low_open=True)
    limit = 1e3 * surf.size  # this far from the window, the run is said to have blown up
    net = point_network(p)
    points, values, grads = [p.copy()], [float(surf.value(*p))], [_grad(surf, p)]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            gx, gy = grads[-1]
            opt.step(net, surface_gradients(gx, gy))  # the optimizer's own step
            p = net.W[1][0].copy()  # the point after the step: W^(1) = [[x, y]]
            points.append(p)
            values.append(float(surf.value(*p)))
            grads.append(_grad(surf, p))
            if not (np.isfinite(p).all() and math.isfinite(values[-1])) or np.abs(p).max() > limit:
                diverged = True
                break
    run = Trajectory(
        surface=surf,
        optimizer=opt,
        label=label(opt),
        points=np.array(points),
        values=np.array(values),
        gradients=np.array(grads),
        diverged=diverged,
        verdict=Verdict("still moving", ""),
    )
    run.verdict = judge(run, tol=tol)
    return run


def _grad(surface: Surface, p: Array) -> Array:
    gx, gy = surface.gradient(p[0], p[1])
    return np.array([float(gx), float(gy)])


def _pt(p: Array) -> str:
    return f"({p[0]:.4g}, {p[1]:.4g})"


def judge(run: Trajectory, tol: float = 1e-2) -> Verdict:
    """Say in words what became of ``run`` (see :class:`Verdict`)."""
    surf, name = run.surface, run.label
    end, f_end, n = run.points[-1], run.values[-1], run.steps
    blew_up = run.diverged or (
        f_end > max(run.values[0], 0) + 1e-12 and np.abs(end).max() > 10 * surf.size
    )
    if blew_up:
        message = (
            f"{name}: diverged: after {n} steps the point is at {_pt(end)} and f = {f_end:.4g}"
            if math.isfinite(f_end) and np.isfinite(end).all()
            else f"{name}: diverged: f became infinite or NaN after {n} steps"
        )
        limit = stability_limit(surf, run.optimizer)
        if limit is not None and run.lr >= limit:
            message += (
                f"; η = {run.lr:g} is above the stability limit {_limit_formula(run.optimizer)}"
                f" = {limit:.4g} of this surface (λ_max = {max(surf.curvatures or (0,)):g})"
            )
        else:
            message += "; the steps grew instead of shrinking: try a smaller η"
        return Verdict("diverged", message, None, n)
    if surf.critical_points:
        dist = [float(np.linalg.norm(end - c.point)) for c in surf.critical_points]
        i = int(np.argmin(dist))
        target = surf.critical_points[i]
        if dist[i] <= tol:
            near = np.linalg.norm(run.points - target.point, axis=1) <= tol
            first = _first_of_last_stretch(near)
            if target.is_minimum:
                message = (
                    f"{name}: converged to {target.describe()} "
                    f"(within {tol:g} from step {first} on)"
                )
            else:
                message = (
                    f"{name}: stopped at {target.describe()}: ∇f = 0 there, but it is not a "
                    "minimum; a start a little to the side, or a little noise, would roll off it"
                )
            return Verdict(target.kind, message, target, first)
    grad = float(np.linalg.norm(run.gradients[-1]))
    last_step = float(np.linalg.norm(run.points[-1] - run.points[-2]))
    if grad < 1e-6 and last_step < 1e-8:
        return Verdict(
            "stalled",
            f"{name}: stalled at {_pt(end)}, f = {f_end:.4g}, where ‖∇f‖ = {grad:.2g}; "
            "that is not one of the known minima",
        )
    message = (
        f"{name}: still moving after {n} steps: at {_pt(end)}, f = {f_end:.4g}, ‖∇f‖ = {grad:.3g}"
    )
    if surf.minima:
        best = min(surf.minima, key=lambda c: float(np.linalg.norm(end - c.point)))
        d = float(np.linalg.norm(end - best.point))
        message += f"; {d:.3g} away from {best.describe()}"
        # on its way, or hovering? over the last quarter of the run, compare how far it got
        # with how far it walked: a run that goes back and forth gets nowhere
        recent = run.points[-1 - max(1, n // 4) :]
        walked = float(np.sum(np.linalg.norm(np.diff(recent, axis=0), axis=1)))
        got = float(np.linalg.norm(recent[-1] - recent[0]))
        if got >= 0.3 * walked:
            message += ": give it more steps or a larger η"
        else:
            message += ": it goes back and forth; a smaller η would let it settle"
    return Verdict("still moving", message)


def _first_of_last_stretch(near: NDArray[np.bool_]) -> int:
    """The index where the final run of True values in ``near`` begins."""
    outside = np.flatnonzero(~near)
    return int(outside[-1] + 1) if outside.size else 0


def race(
    surface: str | Surface,
    optimizers: Sequence[str | Optimizer] = ("sgd", "momentum", "nesterov", "rmsprop", "adam"),
    *,
    lr: float | Mapping[str, float] | None = None,
    start: ArrayLike | None = None,
    steps: int = 100,
    tol: float = 1e-2,
) -> list[Trajectory]:
    """Run several optimizers from the same start on the same surface.

    ``lr`` is one η for all, a dict name → η, or None (each name's ``suggested_lr``).

    >>> runs = race("rosenbrock", ["sgd", "adam"], steps=50)
    >>> [r.label for r in runs], [r.points[0].tolist() for r in runs]
    (['sgd η=0.001', 'adam η=0.1'], [[-1.5, 2.0], [-1.5, 2.0]])
    """
    if isinstance(optimizers, (str, Optimizer)):
        optimizers = [optimizers]
    if not optimizers:
        raise ValueError("optimizers is empty; pass names such as ['sgd', 'adam']")
    if isinstance(lr, Mapping):
        names = [opt for opt in optimizers if isinstance(opt, str)]
        stray = [key for key in lr if key not in names]
        if stray:
            raise ValueError(
                f"lr names {stray}, which are not among the optimizers {names}; use the same "
                "names as keys, e.g. lr={'sgd': 0.01}"
            )

    def eta(opt: str | Optimizer) -> float | None:  # None: the suggested η, or the instance's
        if not isinstance(lr, Mapping):
            return lr
        return lr.get(opt) if isinstance(opt, str) else None

    return [
        descend(surface, opt, lr=eta(opt), start=start, steps=steps, tol=tol) for opt in optimizers
    ]


def default_sweep(surface: str | Surface, optimizer: str | Optimizer = "sgd") -> list[float]:
    """Three learning rates: too small, about right, and too large.

    On a quadratic surface with an SGD-type optimizer: 2 % of the stability limit, the best
    constant step of plain gradient descent 2/(λ_min + λ_max) (half the limit with momentum),
    and 110 % of the limit, which diverges. Elsewhere η/20, η and 20 η around the suggested η.

    >>> default_sweep("bowl")
    [0.02, 0.666666666667, 1.1]
    """
    surf = get_surface(surface)
    opt = _fresh(optimizer, None, surf)
    limit = stability_limit(surf, opt)
    if limit is not None and surf.curvatures is not None:
        lam = sorted(surf.curvatures)
        plain = isinstance(opt, SGD) and opt.momentum == 0 and opt.weight_decay == 0
        right = 2 / (lam[0] + lam[-1]) if plain else limit / 2
        return [round(limit * 0.02, 12), round(right, 12), round(limit * 1.1, 12)]
    return [opt.lr / 20, opt.lr, opt.lr * 20]


def lr_sweep(
    surface: str | Surface,
    optimizer: str | Optimizer = "sgd",
    lrs: Sequence[float] | None = None,
    *,
    start: ArrayLike | None = None,
    steps: int = 100,
    tol: float = 1e-2,
) -> list[Trajectory]:
    """The same optimizer with several learning rates (by default :func:`default_sweep`).

    >>> [r.verdict.kind for r in lr_sweep("bowl", "sgd", steps=40)]
    ['still moving', 'global minimum', 'diverged']
    """
    lrs = default_sweep(surface, optimizer) if lrs is None else list(lrs)
    if not lrs:
        raise ValueError("lrs is empty; pass learning rates such as [0.01, 0.1, 1.0]")
    return [descend(surface, optimizer, lr=eta, start=start, steps=steps, tol=tol) for eta in lrs]
