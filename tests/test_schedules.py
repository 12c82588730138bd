"""Learning-rate schedules: the η sequence against torch.optim.lr_scheduler (and scikit-learn's
inverse scaling formula), state_dict round trips, and every bad argument."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.optimizers import Adam
from glassnet.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    InverseScaling,
    ReduceLROnPlateau,
    Schedule,
    StepLR,
)

EPOCHS = 30

# (id, class, keyword arguments, the optimizer's η): torch's scheduler takes the same arguments
CASES: list[tuple[str, type[Schedule], dict[str, Any], float]] = [
    ("step", StepLR, {"step_size": 7, "gamma": 0.5}, 0.1),
    ("step-1", StepLR, {"step_size": 1, "gamma": 0.9}, 1.0),
    ("exponential", ExponentialLR, {"gamma": 0.9}, 0.3),
    ("cosine", CosineAnnealingLR, {"T_max": 10, "eta_min": 0.001}, 0.1),  # 30 > T_max: climbs
    ("cosine-1", CosineAnnealingLR, {"T_max": 1}, 0.05),
    ("cosine-long", CosineAnnealingLR, {"T_max": 40, "eta_min": 0.0}, 2.0),
]

# a scripted validation metric: improves, stalls, wobbles within the threshold, improves again
METRIC = [1.0, 0.9, 0.9, 0.95, 0.91, 0.8, 0.8001, 0.80005, 0.81, 0.82, 0.7, 0.7, 0.69999]
METRIC = METRIC + [0.7 + 0.01 * math.sin(i) for i in range(EPOCHS - len(METRIC))]
PLATEAU_CASES: list[dict[str, Any]] = [
    {"patience": 3},
    {"factor": 0.5, "patience": 0},
    {"factor": 0.5, "patience": 1, "cooldown": 2},
    {"factor": 0.2, "patience": 2, "threshold": 0.05, "threshold_mode": "abs"},
    {"factor": 0.5, "patience": 1, "threshold": 0.1, "min_lr": 0.02},
    {"mode": "max", "factor": 0.5, "patience": 1},
    {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.01, "threshold_mode": "abs"},
    {"factor": 0.5, "patience": 0, "eps": 0.03},
]


def torch_lrs(make: Callable[[Any], Any], lr: float, metrics: list[float] | None) -> list[float]:
    """η after each of EPOCHS epochs under a torch scheduler (on a dummy parameter)."""
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    lrs = []
    for epoch in range(EPOCHS):
        opt.step()  # no gradient: changes nothing, but torch wants it before sched.step()
        sched.step(metrics[epoch]) if metrics else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def our_lrs(sched: Schedule, metrics: list[float] | None) -> list[float]:
    lrs = []
    for epoch in range(EPOCHS):
        sched.step(metrics[epoch]) if metrics else sched.step()
        assert sched.get_last_lr() == sched.optimizer.lr
        lrs.append(sched.optimizer.lr)
    return lrs


@pytest.mark.parametrize(("name", "cls", "kwargs", "lr"), CASES, ids=[c[0] for c in CASES])
def test_lr_sequence_equals_torch(name: str, cls: type[Schedule], kwargs: dict, lr: float) -> None:
    torch = pytest.importorskip("torch")
    theirs = torch_lrs(
        lambda o: getattr(torch.optim.lr_scheduler, cls.__name__)(o, **kwargs), lr, None
    )
    sched = cls(gn.SGD(lr=lr), **kwargs)
    assert sched.get_last_lr() == lr and sched.last_epoch == 0
    np.testing.assert_allclose(our_lrs(sched, None), theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(c) for c in PLATEAU_CASES])
def test_reduce_lr_on_plateau_equals_torch(kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    metric = [-m for m in METRIC] if kwargs.get("mode") == "max" else METRIC
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs), 0.1, metric
    )
    ours = our_lrs(ReduceLROnPlateau(gn.SGD(lr=0.1), **kwargs), metric)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert len(set(ours)) > 1, "the scripted metric should make every case reduce η"


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0, 0.0])
def test_inverse_scaling_is_scikit_learns_formula(power_t: float) -> None:
    opt = gn.SGD(lr=0.2)
    sched = InverseScaling(opt, power_t=power_t)
    for t in range(1, EPOCHS + 1):
        sched.step()
        # scikit-learn: learning_rate_init / pow(t, power_t), its t counting from 1
        assert opt.lr == pytest.approx(0.2 / pow(t + 1, power_t), rel=1e-15)


def test_time_based_schedules_take_and_ignore_a_metric() -> None:
    a, b = StepLR(gn.SGD(lr=0.1), 2), StepLR(gn.SGD(lr=0.1), 2)
    for epoch in range(5):
        a.step()
        b.step(1000.0 * epoch)
    assert a.get_last_lr() == b.get_last_lr() == 0.1 * 0.1**2
    assert not StepLR.needs_metric and ReduceLROnPlateau.needs_metric


def test_a_schedule_changes_the_step_the_optimizer_takes() -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
    X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1, 0])
    opt = Adam(lr=0.01)
    sched = ExponentialLR(opt, gamma=0.5)
    opt.step(net, net.gradients(X, Y))
    sched.step()
    assert opt.lr == 0.005
    # an Adam made with η = 0.005 and the same state takes the same next step
    reference, reference_net = Adam(lr=0.005), net.copy()
    reference.load_state_dict({**opt.state_dict(), "lr": 0.005})
    grads = net.gradients(X, Y)
    opt.step(net, grads)
    reference.step(reference_net, grads)
    assert np.array_equal(net.W[1], reference_net.W[1])
    assert repr(reference) == repr(Adam(lr=0.005))


def test_cosine_annealing_reaches_eta_min_at_t_max() -> None:
    opt = gn.SGD(lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=8, eta_min=0.01)
    lrs = our_lrs(sched, None)
    closed_form = [
        0.01 + 0.5 * (0.1 - 0.01) * (1 + math.cos(math.pi * t / 8)) for t in range(1, 31)
    ]
    np.testing.assert_allclose(lrs, closed_form, rtol=1e-12, atol=1e-15)
    assert lrs[7] == pytest.approx(0.01)


def test_plateau_step_needs_a_number() -> None:
    sched = ReduceLROnPlateau(gn.SGD(lr=0.1))
    with pytest.raises(
        ValueError, match=r"needs the metric it watches, e.g. sched.step\(val_loss\)"
    ):
        sched.step()
    with pytest.raises(ValueError, match="must be a number such as the epoch's validation loss"):
        sched.step("low")  # type: ignore[arg-type]


ALL = [
    *[(cls, kwargs, None) for _, cls, kwargs, _ in CASES],
    (InverseScaling, {"power_t": 0.5}, None),
    (ReduceLROnPlateau, {"factor": 0.5, "patience": 1, "cooldown": 1}, METRIC),
]


@pytest.mark.parametrize(("cls", "kwargs", "metric"), ALL, ids=[str(c[0].__name__) for c in ALL])
def test_state_dict_round_trip_continues_identically(
    cls: type[Schedule], kwargs: dict, metric: list[float] | None
) -> None:
    opt = gn.SGD(lr=0.1, momentum=0.9)
    sched = cls(opt, **kwargs)
    for epoch in range(12):
        sched.step(metric[epoch] if metric else None)
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert saved["schedule"] == cls.__name__ and saved["last_epoch"] == 12
    rest = []
    for epoch in range(12, EPOCHS):
        sched.step(metric[epoch] if metric else None)
        rest.append(opt.lr)

    other_opt = gn.SGD(lr=5.0)
    other_opt.load_state_dict(saved_opt)
    other = cls(other_opt, **kwargs)
    other.load_state_dict(saved)
    assert repr(other) == repr(sched) and other.get_last_lr() == saved["last_lr"]
    again = []
    for epoch in range(12, EPOCHS):
        other.step(metric[epoch] if metric else None)
        again.append(other_opt.lr)
    assert again == rest


def test_load_state_dict_rejects_what_does_not_fit() -> None:
    sched = StepLR(gn.SGD(lr=0.1), step_size=3)
    sd = sched.state_dict()
    cases: list[tuple[dict, str]] = [
        ({**sd, "schedule": "ExponentialLR"}, "saved by a 'ExponentialLR' schedule, not a"),
        ({k: v for k, v in sd.items() if k != "gamma"}, r"lacks \['gamma'\]"),
        ({**sd, "warmup": 3}, r"unexpected keys \['warmup'\]"),
        ({**sd, "gamma": 2.0}, "Invalid gamma value: 2.0"),
        ({**sd, "last_epoch": -1}, "Invalid last_epoch: -1"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            sched.load_state_dict(bad)
    assert sched.state_dict() == sd


def test_repr_and_get_last_lr() -> None:
    opt = gn.SGD(lr=0.1)
    assert repr(StepLR(opt, 30)) == "StepLR(step_size=30, gamma=0.1)"
    assert repr(CosineAnnealingLR(opt, T_max=5)) == "CosineAnnealingLR(T_max=5, eta_min=0)"
    assert repr(ReduceLROnPlateau(opt, "max", factor=0.5)) == (
        "ReduceLROnPlateau(mode='max', factor=0.5, patience=10, threshold=0.0001, "
        "threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-08)"
    )
    assert InverseScaling(opt).get_last_lr() == 0.1


def sgd() -> gn.SGD:
    return gn.SGD(lr=0.1)


BAD: list[tuple[Callable[[], object], str]] = [
    (lambda: StepLR("sgd", step_size=3), "a schedule wraps a glassnet Optimizer"),  # type: ignore[arg-type]
    (lambda: StepLR(sgd(), step_size=0), "Invalid step_size value: 0;.*positive integer"),
    (lambda: StepLR(sgd(), step_size=2.5), "Invalid step_size value: 2.5"),  # type: ignore[arg-type]
    (lambda: StepLR(sgd(), step_size=3, gamma=0), "Invalid gamma value: 0;.*0 < gamma ≤ 1"),
    (lambda: StepLR(sgd(), step_size=3, gamma=10), "Invalid gamma value: 10"),
    (lambda: ExponentialLR(sgd(), gamma=-0.5), "Invalid gamma value: -0.5"),
    (lambda: ExponentialLR(sgd(), gamma=float("nan")), "Invalid gamma value: nan"),
    (lambda: CosineAnnealingLR(sgd(), T_max=0), "Invalid T_max value: 0"),
    (lambda: CosineAnnealingLR(sgd(), T_max=True), "Invalid T_max value: True"),  # type: ignore[arg-type]
    (lambda: CosineAnnealingLR(sgd(), T_max=5, eta_min=-1), "Invalid eta_min value: -1"),
    (lambda: InverseScaling(sgd(), power_t=-0.5), "Invalid power_t value: -0.5"),
    (lambda: ReduceLROnPlateau(sgd(), mode="minimum"), "Invalid mode: 'minimum'; mode must be"),
    (
        lambda: ReduceLROnPlateau(sgd(), threshold_mode="relative"),
        "Invalid threshold_mode: 'relative'; threshold_mode must be 'rel'",
    ),
    (lambda: ReduceLROnPlateau(sgd(), factor=1.0), "Invalid factor value: 1.0;.*0 < factor < 1"),
    (lambda: ReduceLROnPlateau(sgd(), factor=0), "Invalid factor value: 0"),
    (lambda: ReduceLROnPlateau(sgd(), patience=-1), "Invalid patience value: -1"),
    (lambda: ReduceLROnPlateau(sgd(), patience=1.5), "Invalid patience value: 1.5"),  # type: ignore[arg-type]
    (lambda: ReduceLROnPlateau(sgd(), threshold=-1e-4), "Invalid threshold value: -0.0001"),
    (lambda: ReduceLROnPlateau(sgd(), cooldown=-2), "Invalid cooldown value: -2"),
    (lambda: ReduceLROnPlateau(sgd(), min_lr=-0.1), "Invalid min_lr value: -0.1"),
    (lambda: ReduceLROnPlateau(sgd(), eps=float("inf")), "Invalid epsilon value: inf"),
]


@pytest.mark.parametrize(("make", "message"), BAD, ids=[m for _, m in BAD])
def test_every_bad_argument_gets_a_helpful_value_error(
    make: Callable[[], object], message: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=message):
            make()
