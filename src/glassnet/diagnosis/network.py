"""Network diagnosis: is a network healthy on some data, layer by layer?

:func:`diagnose` (``gn.diagnose(net, X, Y)``) looks at one forward and backward pass: per-layer
gradient norms ‖∂C/∂W^(l)‖ (vanishing or exploding), saturated sigmoid/tanh units (σ'(z) ≈ 0),
dead ReLU units (never active on X), and the size of one optimizer step ‖ΔW^(l)‖/‖W^(l)‖. It
computes numbers and :class:`~glassnet.diagnosis.findings.Finding` objects; the words come from
:mod:`glassnet.render.diagnoses`. :mod:`glassnet.diagnosis` offers it beside the diagnosis of a
training run.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..layers import Layer
from ..network import Network
from ..optimizers import SGD, Optimizer
from ..render import diagnoses as render
from .findings import Finding, Report, check_thresholds, finding
from .flow import flow_findings, weight_name

__all__ = ["LayerDiagnosis", "NetworkDiagnosis", "NetworkThresholds", "diagnose"]


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
        vanishing_ratio: ‖∂C/∂W^(1)‖ / ‖∂C/∂W^(L)‖ below this → vanishing gradients (1e-3);
            in an RNN layer, ‖∂C/∂h_1‖ / ‖∂C/∂h_T‖ below this → vanishing through time.
        exploding_ratio: … above this → exploding gradients (1e3), and through time.
        exploding_norm: any ‖∂C/∂W^(l)‖ above this → exploding gradients (1e3).
        small_update_ratio: one optimizer step changing every W^(l) by less than this fraction
            of its size, ‖ΔW^(l)‖/‖W^(l)‖ → the learning rate is too small (1e-4) …
        learned_cost: … unless the cost C is below this share of the cost of a network that
            knows nothing (every z^(L) = 0): then (X, Y) is learned, and the steps are small
            because the gradient is near 0 at a minimum, not because η is (0.01).
        large_update_ratio: one step changing some W^(l) by more than this fraction of its
            size → the learning rate is too large (1.0: a step as big as the weights).

    Example:
        Stricter about small steps than the default, the same network's diagnosis changes:

        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> gn.diagnose(net, X, y).kinds
        ['healthy']
        >>> from glassnet.diagnosis import NetworkThresholds
        >>> strict = NetworkThresholds(small_update_ratio=0.01)
        >>> report = gn.diagnose(net, X, y, thresholds=strict)
        >>> report.kinds
        ['small_updates']
        >>> report["small_updates"].message
        'One step of SGD(lr=0.1) barely changes the weights: learning will be slow.'
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
        check_thresholds(self)


@dataclass(frozen=True)
class LayerDiagnosis:
    """The numbers of one layer l = 1..L (see :func:`diagnose`).

    A *unit* is a neuron of a flat layer, and a channel (a filter's output map) of a layer
    whose outputs are images (C, H, W): its values are those of every sample and position.

    Attributes:
        l: the layer number (the tutorial's; 0 is the input and has no row).
        neurons: n_l, the numbers the layer outputs per sample.
        activation: σ_l's name.
        weight_norm: ‖W^(l)‖ (Frobenius) of the layer's weights (``weights``); ``None`` for a
            layer without parameters (pooling, Flatten).
        gradient_norm: ‖∂C/∂W^(l)‖ on (X, Y), of the same parameter (or ``None``).
        update_ratio: ‖ΔW^(l)‖/‖W^(l)‖ after one optimizer step (or ``None``).
        saturated: the share of values with σ'(z) < saturated_slope · σ'(0), for activations
            that saturate (``act.saturates``: sigmoid, tanh; else ``None``).
        stuck: for a saturating output layer, the share of samples with an output that is
            saturated *and* wrong (|a − y| > wrong_output), so that it cannot be corrected
            (``None`` for hidden layers and other activations).
        dead: the share of units with σ'(z) = 0 (for ReLU: z ≤ 0, output 0) for every sample
            (and every position), for activations whose units can die (``act.dies``: relu;
            else ``None``). For a convolution these are dead filters.
        kind: the layer's type, e.g. ``"Conv2D"``.
        shape: one sample's output shape, e.g. ``(8, 26, 26)``.
        weights: the name of the parameter ``weight_norm`` measures: the first penalised one
            (``"W"``), else the first (BatchNorm's ``"gamma"``), ``None`` without parameters.
        gradient_norms: ‖∂C/∂θ‖ for every parameter θ of the layer, by name.
        channels: the number of channels of an image layer (``None`` for a flat one).
        saturated_channels: for an image layer with a saturating σ, the share of its channels
            that are saturated at more than ``saturated_fraction`` of their values.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> layer = gn.diagnose(net, X, y).layers[0]  # layer l = 1
        >>> layer.l, layer.neurons, layer.activation, layer.kind, layer.weights
        (1, 3, 'sigmoid', 'Dense', 'W')
        >>> round(layer.weight_norm, 3), layer.saturated, layer.dead  # sigmoid units do not die
        (1.941, 0.0, None)
        >>> sorted(layer.gradient_norms)
        ['W', 'b']
    """

    l: int
    neurons: int
    activation: str
    weight_norm: float | None
    gradient_norm: float | None
    update_ratio: float | None
    saturated: float | None
    stuck: float | None
    dead: float | None
    kind: str = "Dense"
    shape: tuple[int, ...] = ()
    weights: str | None = "W"
    gradient_norms: Mapping[str, float] = field(default_factory=dict)
    channels: int | None = None
    saturated_channels: float | None = None


class NetworkDiagnosis(Report):
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

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> report = gn.diagnose(net, X, y)
        >>> report
        NetworkDiagnosis(ok=True, kinds=['healthy'])
        >>> round(report.cost, 4), report.m, report.optimizer, report.optimizer_source
        (0.1303, 4, 'SGD(lr=0.1)', 'default')
        >>> report.table_rows()[0]  # the header of the per-layer table print(report) shows
        ['layer', 'neurons', 'σ', '‖W‖', '‖∂C/∂θ‖', '‖ΔW‖/‖W‖', 'saturated', 'dead', 'type']
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
    vanishing_through_   an RNN's ‖∂C/∂h_1‖ ≪ ‖∂C/∂h_T‖           W_hh near orthogonal, scale
    time                                                         inputs, shorter sequences
    exploding_through_   an RNN's ‖∂C/∂h_1‖ ≫ ‖∂C/∂h_T‖           clip the gradient, lower η
    time
    healthy              none of the above
    skip_flow            (ok) the skip's and the block's share of
                         the gradient at each Residual's input
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
            _layer(net, l, a[l], z[l], y, grads[l], twin.layers[l - 1], th)
            for l in range(1, net.L + 1)
        ]
    findings = _network_findings(net, layers, cost, baseline, m, th, optimizer)
    # through time (RNN layers) and around residual blocks: problems lead, the skips' share last
    flows = flow_findings(net, x, y, th.vanishing_ratio, th.exploding_ratio)
    problems = [f for f in flows if f.severity != "ok"]
    if problems:
        findings = [f for f in findings if not f.kind.startswith("healthy")] + problems
    findings += [f for f in flows if f.severity == "ok"]
    return NetworkDiagnosis(layers, findings, cost, m, _describe(optimizer), source)


def _layer(
    net: Network,
    l: int,
    a_l: NDArray[Any],
    z_l: NDArray[Any],
    y: NDArray[Any],
    grads: Mapping[str, NDArray[Any]],
    stepped: Layer,
    th: NetworkThresholds,
) -> LayerDiagnosis:
    """Layer l's numbers: ‖W‖, ‖∂C/∂θ‖ (``grads``), the step to ``stepped`` (the same layer
    after one optimizer step), saturated and dead units."""
    layer = net.layers[l - 1]
    act, name = layer.activation, weight_name(layer)
    norms = {n: float(np.linalg.norm(np.asarray(g, dtype=np.float64))) for n, g in grads.items()}
    w_norm = gradient_norm = ratio = None
    if name is not None:
        W = np.asarray(getattr(layer, name), dtype=np.float64)
        w_norm, gradient_norm = float(np.linalg.norm(W)), norms[name]
        step = float(np.linalg.norm(np.asarray(getattr(stepped, name), dtype=np.float64) - W))
        ratio = step / w_norm if w_norm > 0 else (math.inf if step > 0 else 0.0)
    z_l = np.asarray(z_l, dtype=np.float64)
    # one unit per neuron, or per channel of an image (m, C, H, W): every sample and position
    units = (0, *range(2, z_l.ndim))
    image = len(layer.output_shape) == 3
    saturated = stuck = dead = channels = None
    if act.saturates:  # flat tails, where σ'(z) → 0 as |z| grows
        zero = np.zeros((1, 1))
        steepest = float(act.prime(zero, act.forward(zero))[0, 0])  # σ'(0)
        flat = ~(act.prime(z_l, act.forward(z_l)) >= th.saturated_slope * steepest)
        saturated = float(np.mean(flat))
        if image:  # channels flat at most of their values, over samples and positions
            channels = float(np.mean(np.mean(flat, axis=units) > th.saturated_fraction))
        if l == net.L:  # flat *and* wrong: an output that cannot be corrected
            wrong = np.abs(np.asarray(a_l, dtype=np.float64) - y) > th.wrong_output
            stuck = float(np.mean(np.any(flat & wrong, axis=1)))
    if act.dies:  # a unit is dead where σ'(z) = 0 for every sample (and position)
        dead_values = ~(act.prime(z_l, act.forward(z_l)) != 0)
        dead = float(np.mean(np.all(dead_values, axis=units)))
    return LayerDiagnosis(
        l, net.sizes[l], _label(act), w_norm, gradient_norm, ratio, saturated, stuck, dead,
        type(layer).__name__, tuple(layer.output_shape), name, norms,
        layer.output_shape[0] if image else None, channels,
    )  # fmt: skip


def _label(act: Any) -> str:
    """σ's name; an RNN's contract σ (the identity) names the σ of its steps: "tanh (per step)"."""
    return repr(act) if hasattr(act, "cell") else str(act.name)


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
    # the norms compare layers with parameters only (pooling and Flatten learn nothing)
    weighted = [d for d in layers if d.gradient_norm is not None]
    g = {d.l: float(d.gradient_norm or 0.0) for d in weighted}
    weight_norms = {d.l: float(d.weight_norm or 0.0) for d in weighted}
    if not (all(math.isfinite(v) for v in (*g.values(), *weight_norms.values()))
            and math.isfinite(cost)):  # fmt: skip
        return [finding("non_finite", {"cost": cost}, weight_norms=weight_norms)]

    findings: list[Finding] = []
    # vanishing / exploding: compare the first layer's gradient with the last's
    first, last = (weighted[0].l, weighted[-1].l) if weighted else (0, 0)
    if len(weighted) >= 2 and g[last] > 0:
        ratio = g[first] / g[last]
        numbers = {"gradient_norms": g, "ratio": ratio}
        if ratio < th.vanishing_ratio:
            findings.append(finding("vanishing_gradients", numbers, L=last, first=first))
        elif ratio > th.exploding_ratio or max(g.values()) > th.exploding_norm:
            findings.append(finding("exploding_gradients", numbers, lr=lr))
    elif max(g.values(), default=0.0) > th.exploding_norm:
        findings.append(finding("exploding_gradients:huge", {"gradient_norms": g}, lr=lr))

    # saturated sigmoid / tanh units (channels, in an image layer)
    fused_output = net.cost_function.requires is not None
    for d in layers:
        share = d.stuck if d.l == net.L else d.saturated
        if share is None or d.saturated is None or share <= th.saturated_fraction:
            continue
        if d.l == net.L and fused_output:
            continue  # with cross-entropy, δ^(L) = a − y: a saturated output still learns
        key = "saturated_units:output" if d.l == net.L else "saturated_units"
        if d.channels is not None and d.l < net.L:
            key = "saturated_units:channels"
        numbers = {"layer": d.l, "saturated": d.saturated, "stuck": d.stuck}
        if d.channels is not None:
            numbers["saturated_channels"] = d.saturated_channels
        findings.append(
            finding(
                key,
                numbers,
                activation=d.activation,
                slope=th.saturated_slope,
                wrong_output=th.wrong_output,
                weight_norm=d.weight_norm,
                channels=d.channels,
                flat_channels=round((d.saturated_channels or 0.0) * (d.channels or 0)),
                share=th.saturated_fraction,
            )
        )

    # dead ReLU units (dead filters, in an image layer)
    for d in layers:
        if d.dead is None or d.dead <= th.dead_fraction:
            continue
        units = d.channels if d.channels is not None else d.neurons
        b = net.layers[d.l - 1].parameters().get("b")
        bias = {} if b is None else {"b_min": float(np.min(b)), "b_max": float(np.max(b))}
        findings.append(
            finding(
                "dead_relu:filters" if d.channels is not None else "dead_relu",
                {"layer": d.l, "dead": d.dead},
                dead_neurons=round(d.dead * units),
                neurons=units,
                m=m,
                **bias,
            )
        )

    # the size of one step
    ratios = {d.l: float(d.update_ratio or 0.0) for d in weighted}
    steps = {"update_ratios": ratios}
    about = {"optimizer": _describe(optimizer), "lr": lr, "small": th.small_update_ratio}
    big = max(ratios, key=lambda l: ratios[l], default=0)
    if ratios and ratios[big] > th.large_update_ratio:
        findings.append(finding("large_updates", steps, layer=big, **about))
    learned = baseline > 0 and cost < th.learned_cost * baseline
    small = max(ratios.values(), default=0.0) < th.small_update_ratio
    if small and not learned and not findings:
        # (saturated, dead or vanishing units explain small steps better than a small η)
        findings.append(finding("small_updates", steps, **about))
    if not findings:
        # a minimum reached: the gradient, not η, makes the steps small; nothing to fix
        key = "healthy:learned" if small and learned else "healthy"
        numbers = {"gradient_norms": g, "update_ratios": ratios, "baseline_cost": baseline}
        share = cost / baseline if baseline > 0 else math.inf
        findings.append(finding(key, numbers, cost=cost, learned=share, L=net.L, **about))
    return findings
