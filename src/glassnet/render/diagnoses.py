"""Diagnoses as text and HTML: the one table of message templates, and the report layouts.

:mod:`glassnet.diagnosis` computes: each finding is a kind and its numbers. Every sentence a
learner reads comes from :data:`TEMPLATES`, one entry per kind (and variant, ``"kind:variant"``):
its severity, what was found, the evidence, and the fix to suggest, as format strings filled
from the finding's numbers. Number formats with a name (``{cost:num}``, ``{lr:down}``, …) are the
functions of :data:`SPECS`.

>>> from glassnet.render.diagnoses import TEMPLATES, texts
>>> message, evidence, fix = texts("small_updates", {"optimizer": "SGD(lr=1e-05)",
...     "update_ratios": [2e-6, 3e-6], "small": 1e-4, "lr": 1e-5})
>>> message
'One step of SGD(lr=1e-05) barely changes the weights: learning will be slow.'
>>> evidence
'‖ΔW^(l)‖/‖W^(l)‖ per layer: layer 1: 2e-06, layer 2: 3e-06 (all below 0.0001)'
"""

from __future__ import annotations

import html
import string
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..diagnosis import Finding, NetworkDiagnosis, TrainingDiagnosis

__all__ = ["SPECS", "TEMPLATES", "TEXT_WIDTH", "Template", "texts"]

#: The width ``str(report)`` wraps its sentences to.
TEXT_WIDTH = 96


# -- how numbers are written -------------------------------------------------------------------


def _g(v: float) -> str:
    """A number as a learner wants to read it: 4 significant digits."""
    return f"{v:.4g}"


def _pct(v: float) -> str:
    return f"{100 * v:.2g}%" if abs(v) < 0.1 else f"{100 * v:.0f}%"


def _higher(factor: float) -> str:
    """new / old as ``"12% higher"`` or, for big jumps, ``"1.9e+05 times as high"``."""
    return f"{_pct(factor - 1)} higher" if factor < 3 else f"{factor:.3g} times as high"


def _of_size(v: float) -> str:
    """A step relative to the weights: ``"0.022% of their size"`` or ``"52 times their size"``."""
    return f"{v:.3g} times their size" if v >= 1.5 else f"{_pct(v)} of their size"


def _scaled_lr(lr: float | None, factor: float) -> str:
    if lr is None:
        return "ten times " + ("smaller" if factor < 1 else "larger") + " than now"
    return f"lr={_g(lr * factor)} instead of {_g(lr)}"


def _epochs(values: Sequence[float], most: int = 6) -> str:
    """``"epoch 1: 0.5, 2: 0.45, …, 10: 0.3"`` — at most ``most`` numbers."""
    pairs = list(enumerate(values, start=1))
    if len(pairs) > most:
        pairs = pairs[: most // 2] + pairs[-(most - most // 2) :]
    parts = [f"{e}: {_g(v)}" for e, v in pairs]
    if len(values) > most:
        parts.insert(most // 2, "…")
    return "epoch " + ", ".join(parts)


def _first8(values: Sequence[float]) -> str:
    return ", ".join(_g(v) for v in values[:8]) + (", …" if len(values) > 8 else "")


def _by_layer(values: Sequence[float] | Mapping[int, float]) -> list[tuple[int, float]]:
    """(l, value) pairs: a list holds layers 1, 2, …; a dict names its layers (a network whose
    pooling or Flatten layers have no parameters has no norms for them)."""
    return list(values.items()) if isinstance(values, Mapping) else list(enumerate(values, 1))


#: The named number formats the templates use, ``{value:name}``.
SPECS: dict[str, Callable[[Any], str]] = {
    "num": _g,
    "pct": _pct,
    "higher": _higher,  # a factor new / old
    "size": _of_size,
    "down": lambda lr: _scaled_lr(lr, 0.1),  # η ÷ 10
    "up": lambda lr: _scaled_lr(lr, 10),  # η × 10
    "epochs": _epochs,
    "list": lambda values: ", ".join(_g(v) for v in values),
    "first8": _first8,
    "layers": lambda values: ", ".join(f"layer {l}: {_g(v)}" for l, v in _by_layer(values)),
    "by_layer": lambda values: ", ".join(f"{l}: {_g(v)}" for l, v in _by_layer(values)),
    "inverse": lambda v: _g(1 / v) if v > 0 else "infinitely many",
    "trend": lambda t: f"{_pct(abs(t))} {'lower' if t > 0 else 'higher'}",
}


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in SPECS:
            return SPECS[format_spec](value)
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


# -- the table of templates --------------------------------------------------------------------


class Template(NamedTuple):
    """What a finding of one kind says: each text a format string over its numbers.

    ``more`` adds sentences to the evidence, each only when its key is among the numbers (and
    not ``None``), in order.
    """

    severity: str
    message: str
    evidence: str
    fix: str
    more: Mapping[str, str] = {}


_LOWER_LR = "lower the learning rate: {lr:down}."
_DIVERGED = (
    "Training diverged: the cost blew up or became infinite or NaN, so fit stopped. Each step "
    "overshot the minimum by more than the last, so the cost grew without limit — the learning "
    "rate is too large."
)
_DIVERGED_MORE = {
    "last_batch_costs": "; the last {n_last} mini-batch costs before that were "
    "{last_batch_costs:list}",
    "growth_layer": "; ‖W^({growth_layer})‖ grew from {growth_initial:num} to {growth_final:num}",
}
_SHORT_FIX = "train for more epochs to see whether it converges."
_SATURATED = (
    "Units of {where} are saturated: their z sits in the flat tails of {activation}, where "
    "σ'(z) ≈ 0, so δ^({layer}) = ∂C/∂a ⊙ σ'(z) ≈ 0 and they stop learning."
)
_SATURATED_FIX = (
    "lower the learning rate, scale the inputs (to [0, 1], or gn.scaling.StandardScaler), start "
    "from Xavier weights (init='xavier'), "
)
_COST_FELL = (
    "the cost fell from {loss_first:num} at epoch 1 to {loss_last:num} at epoch {epochs} "
    "({relative_decrease:pct} lower), {per_epoch:pct} per epoch over the last {k}"
)
_CONVERGING_MORE = {"val_last": "; validation cost {val_last:num}"}
_GRADIENTS = "‖∂C/∂W^(l)‖ per layer: {gradient_norms:layers}; ratio first/last = {ratio:num}"
_HEALTHY = (
    "The network looks healthy: gradients reach every layer, no hidden layer is saturated or "
    "dead, no output is stuck saturated at a wrong value, and {steps}."
)
_HEALTHY_EVIDENCE = (
    "cost C = {cost:num}; ‖∂C/∂W^(l)‖ per layer: {gradient_norms:by_layer}; ‖ΔW^(l)‖/‖W^(l)‖: "
    "{update_ratios:layers}"
)

_DEAD_FIX = (
    "lower the learning rate, use He initialisation (init='he'), start the biases slightly "
    "positive, or use leaky_relu / elu, which keep a small slope for z < 0."
)
_BIASES = {"b_min": "; biases b^({layer}) range from {b_min:num} to {b_max:num}"}

#: Every finding's texts, by kind (``"kind:variant"`` for a kind that can read differently).
TEMPLATES: dict[str, Template] = {
    # -- training (glassnet.diagnosis.diagnose_training) --
    "overflow_at_start": Template(
        "problem",
        "Training stopped before its first step: the cost of the very first mini-batch was "
        "already infinite or NaN. No step had been taken, so the learning rate is not the cause "
        "— the inputs, the targets or the starting weights are too large for the network's "
        "dtype.",
        "{stop_reason}",
        "scale the inputs (gn.scaling.MinMaxScaler or StandardScaler), check the targets for "
        "huge values, start from smaller weights, or use dtype='float64'.",
    ),
    "diverged": Template(
        "problem",
        _DIVERGED,
        "{stop_reason}",
        _LOWER_LR,
        _DIVERGED_MORE,
    ),
    "diverged:unexplained": Template(  # a History without fit's message (made by hand)
        "problem",
        _DIVERGED,
        "the cost became non-finite",
        _LOWER_LR,
        {"epoch": " at epoch {epoch}, mini-batch {batch}", **_DIVERGED_MORE},
    ),
    "oscillating": Template(
        "problem",
        "The cost goes up and down instead of settling: the steps are so large that they jump "
        "across the valley of the cost, back and forth.",
        "{loss:epochs}; over the last {window} epochs {sign_changes:.0%} of the epoch-to-epoch "
        "changes flip sign, typically by {amplitude:pct} of the cost, with no clear downward "
        "trend (their last third averages {trend:trend} than their first)",
        "lower the learning rate ({lr:down}), or use larger mini-batches (batch_size) so that "
        "each step's gradient is less noisy.",
    ),
    "rising": Template(
        "problem",
        "The cost is rising: gradient descent should make it fall. The steps overshoot, landing "
        "higher up the other side of the valley each time.",
        "the cost was {loss_best:num} at epoch {best_epoch} and {loss_last:num} at epoch "
        "{epochs} ({rise:higher}); {loss:epochs}",
        _LOWER_LR,
    ),
    "exploding_weights": Template(
        "problem",
        "The weights of layer {layer} exploded: ‖W^({layer})‖ grew fast. Large weights push z "
        "far from 0, where sigmoid and tanh are flat and ReLU nets overflow.",
        "‖W^({layer})‖ went from {initial:num} before training to {final:num} after epoch "
        "{last_epoch} (×{factor:num}); it grew fastest in epoch {fastest_epoch} "
        "(×{fastest_factor:num}); per epoch: {weight_norms:first8}",
        "lower the learning rate ({lr:down}) and/or add an L2 penalty (e.g. "
        "Network.from_sizes(..., l2=1e-4)), or clip the gradient's norm (clip_norm=1.0 in "
        "any optimizer).",
    ),
    "barely_moving": Template(
        "problem",
        "The cost barely moves: the learning rate is probably too small, so each step nudges "
        "the weights only a tiny bit.",
        _COST_FELL.replace("fell", "went"),
        "raise the learning rate: {lr:up}. If a larger η does not help, look for saturated "
        "sigmoid units or vanishing gradients with gn.diagnose(net, X, Y).",
        {"update_ratio": "; in the last epoch a step changed the weights by {update_ratio:size}"},
    ),
    "barely_moving:saturated": Template(
        "problem",
        "The cost is stuck — not because the steps are too small, but because the first steps "
        "were far too large: they pushed the weighted inputs z into the flat tails of the "
        "sigmoid (σ'(z) ≈ 0), where the gradients vanish and nothing moves any more (saturated "
        "units).",
        _COST_FELL.replace("fell", "went"),
        "lower the learning rate: {lr:down}; gn.diagnose(net, X, Y) shows the saturated units "
        "per layer.",
        {
            "update_ratio": "; in the last epoch a step changed the weights by {update_ratio:size}",
            "first_ratio": "; in epoch 1 the largest step changed the weights by "
            "{first_ratio:size}",
        },
    ),
    "overfitting": Template(
        "warning",
        "The network is overfitting: it keeps getting better on the training data while getting "
        "worse on the validation data — it is memorising the training samples instead of "
        "learning what generalises.",
        "the validation cost was lowest at epoch {best_epoch} ({val_best:num}) and rose to "
        "{val_last:num} by epoch {last_epoch} ({rise:higher}), while the training cost fell "
        "from {loss_best:num} to {loss_last:num}",
        "stop at the best epoch with gn.callbacks.EarlyStopping(monitor='val_loss', "
        "restore_best_weights=True); add an L2 penalty (l2=1e-4) or dropout (dropout=0.2); or "
        "train on more data.",
    ),
    "converging": Template(
        "ok",
        "Training is converging: the cost falls steadily, and it is still falling.",
        _COST_FELL,
        "train for more epochs; the cost has not levelled off yet.",
        _CONVERGING_MORE,
    ),
    "converging:converged": Template(
        "ok",
        "Training has converged: the cost fell and has levelled off — gradient descent has "
        "settled into a minimum, as the tutorial puts it.",
        _COST_FELL,
        "nothing needed. If the cost levelled off higher than you expected (low accuracy), the "
        "run may sit on a plateau: try {lr:up} or a cross-entropy cost.",
        _CONVERGING_MORE,
    ),
    "converging:one_epoch": Template(
        "ok",
        "Too short to judge: only one epoch. Within it the cost went from {first_cost:num} "
        "(first mini-batch) to {last_cost:num} (last).",
        "{n_costs} mini-batch costs recorded",
        _SHORT_FIX,
    ),
    "converging:too_short": Template(
        "ok",
        "Too short to judge: fewer than two epochs of costs.",
        "{epochs} epoch(s) recorded",
        _SHORT_FIX,
    ),
    # -- the network (glassnet.diagnosis.diagnose) --
    "non_finite": Template(
        "problem",
        "The network holds NaN or infinite numbers: training has diverged.",
        "cost C = {cost}; ‖W‖ per layer: {weight_norms:by_layer}",
        "start again from fresh weights with a learning rate 10 times smaller.",
    ),
    "vanishing_gradients": Template(
        "problem",
        "The gradients vanish on their way back: layer {first} gets a gradient {ratio:inverse} "
        "times smaller than layer {L}, so the first layers hardly learn. Each layer back "
        "multiplies δ by W and by σ'(z), and σ' ≤ 0.25 for the sigmoid.",
        _GRADIENTS,
        "use relu or leaky_relu in the hidden layers, Xavier/He initialisation (init='xavier' / "
        "'he'), fewer layers, or an adaptive optimizer (gn.Adam).",
    ),
    "exploding_gradients": Template(
        "problem",
        "The gradients explode on their way back: they grow layer after layer towards the "
        "input, so a single step can throw the first layers far away.",
        _GRADIENTS,
        "lower the learning rate ({lr:down}), start from smaller weights (init='xavier' or "
        "'he'), add an L2 penalty (l2=1e-4), or clip the gradient's norm (clip_norm=1.0 in "
        "any optimizer).",
    ),
    "exploding_gradients:huge": Template(
        "problem",
        "The gradient is huge: one step will throw the weights far away.",
        "‖∂C/∂W^(l)‖ per layer: {gradient_norms:by_layer}",
        "lower the learning rate ({lr:down}) or scale the inputs and targets.",
    ),
    "saturated_units": Template(
        "problem",
        _SATURATED.replace("{where}", "hidden layer {layer}"),
        "{saturated:.0%} of layer {layer}'s values have σ'(z) below {slope:num} × σ'(0); "
        "‖W^({layer})‖ = {weight_norm:num}",
        _SATURATED_FIX + "or use relu in the hidden layers.",
    ),
    "saturated_units:channels": Template(
        "problem",
        _SATURATED.replace("Units of {where} are", "Channels of layer {layer} are"),
        "{saturated:.0%} of layer {layer}'s values have σ'(z) below {slope:num} × σ'(0); "
        "{flat_channels} of its {channels} channels are flat at more than {share:.0%} of their "
        "positions; ‖W^({layer})‖ = {weight_norm:num}",
        _SATURATED_FIX + "or use relu after the convolution.",
    ),
    "saturated_units:output": Template(
        "problem",
        _SATURATED.replace("{where}", "the output layer"),
        "{saturated:.0%} of layer {layer}'s values have σ'(z) below {slope:num} × σ'(0); "
        "{stuck:.0%} of the samples have an output that is saturated and wrong (|a − y| > "
        "{wrong_output:num}); ‖W^({layer})‖ = {weight_norm:num}",
        _SATURATED_FIX + "or use a cross-entropy cost (softmax + 'cross_entropy', or sigmoid + "
        "'binary_cross_entropy'), whose δ^(L) = a − y does not vanish.",
    ),
    "dead_relu": Template(
        "problem",
        "ReLU neurons of layer {layer} are dead: their z ≤ 0 for every sample, so they output 0, "
        "their gradient is 0, and no step can bring them back.",
        "{dead_neurons} of {neurons} neurons ({dead:.0%}) never fire on these {m} samples",
        _DEAD_FIX,
        _BIASES,
    ),
    "dead_relu:filters": Template(
        "problem",
        "Filters of layer {layer} are dead: their z ≤ 0 at every position of every sample, so "
        "their feature maps are all 0, their kernels' gradient is 0, and no step can bring them "
        "back.",
        "{dead_neurons} of {neurons} channels ({dead:.0%}) never fire anywhere on these {m} "
        "samples",
        _DEAD_FIX,
        _BIASES,
    ),
    "large_updates": Template(
        "problem",
        "One step of {optimizer} changes W^({layer}) by more than its own size: the learning "
        "rate is too large, the next steps will overshoot.",
        "‖ΔW^(l)‖/‖W^(l)‖ per layer: {update_ratios:layers}",
        _LOWER_LR,
    ),
    "small_updates": Template(
        "warning",
        "One step of {optimizer} barely changes the weights: learning will be slow.",
        "‖ΔW^(l)‖/‖W^(l)‖ per layer: {update_ratios:layers} (all below {small:num})",
        "raise the learning rate: {lr:up}. (A larger η does not help where gradients vanish or "
        "units are saturated or dead.)",
    ),
    # -- through time and around residual blocks (glassnet.diagnosis.flow) --
    "vanishing_through_time": Template(
        "problem",
        "The gradient vanishes through time in RNN layer {layer}: going back from step {T} to "
        "step 1, ‖∂C/∂h_t‖ shrinks {ratio:inverse}-fold, because every step back multiplies it "
        "by W_hh and by σ'(u_t) of {activation}. The early steps of a sequence hardly move the "
        "weights, so the layer cannot learn to remember them.",
        "‖∂C/∂h_t‖ for t = 1, 2, …: {norms:first8}; ‖∂C/∂h_1‖ / ‖∂C/∂h_{T}‖ = {ratio:num}",
        "start W_hh with its largest singular value near 1 (e.g. an orthogonal matrix), keep "
        "u_t out of σ's flat tails (scale the inputs), or use shorter sequences; gated cells "
        "(LSTM, GRU) were invented for this.",
    ),
    "exploding_through_time": Template(
        "problem",
        "The gradient explodes through time in RNN layer {layer}: going back from step {T} to "
        "step 1, ‖∂C/∂h_t‖ grows {ratio:num}-fold, because every step back multiplies it by "
        "W_hh (and σ'(u_t) of {activation}), whose size is above 1. One step can then throw "
        "the weights far away.",
        "‖∂C/∂h_t‖ for t = 1, 2, …: {norms:first8}; ‖∂C/∂h_1‖ / ‖∂C/∂h_{T}‖ = {ratio:num}",
        "clip the gradient by its norm, lower the learning rate, or start W_hh smaller (its "
        "largest singular value below 1).",
    ),
    "skip_flow": Template(
        "ok",
        "In residual block {layer}, {skip_share:pct} of the gradient reaching its input comes "
        "around the block through the skip, {through_share:pct} through its layers (by size): "
        "the skip hands δ down unchanged.",
        "‖skip term‖ = {skip:num}, ‖term through f‖ = {through:num}, their sum "
        "‖∂C/∂a^({prev})‖ = {total:num}",
        "",
    ),
    "healthy": Template(
        "ok",
        _HEALTHY.replace("{steps}", "one step moves the weights by a sensible amount"),
        _HEALTHY_EVIDENCE,
        "",
    ),
    "healthy:learned": Template(
        "ok",
        _HEALTHY.replace("{steps}", "the steps are small only because these samples are learned"),
        _HEALTHY_EVIDENCE + " (all below {small:num}, while C = {cost:num} is {learned:pct} of "
        "the cost of a network that knows nothing: every z^({L}) = 0 gives C = "
        "{baseline_cost:num})",
        "",
    ),
}


def texts(key: str, values: Mapping[str, Any]) -> tuple[str, str, str]:
    """(message, evidence, fix) of the finding ``key`` (a key of :data:`TEMPLATES`), filled
    from ``values``."""
    t = TEMPLATES[key]
    evidence = t.evidence + "".join(
        clause for name, clause in t.more.items() if values.get(name) is not None
    )
    return tuple(_FORMATTER.format(s, **values) for s in (t.message, evidence, t.fix))  # type: ignore[return-value]


# -- reports -----------------------------------------------------------------------------------

_MARKS = {"ok": "ok", "warning": "warning", "problem": "PROBLEM"}

#: How the report's first line says where the measured optimizer came from.
SOURCES = {
    "given": ", as given",
    "fit": ", the optimizer of the network's latest fit",
    "default": ", the default: fit has not trained this network; pass optimizer= to choose",
}


def finding_text(f: Finding) -> str:
    """A finding as wrapped lines: ``[PROBLEM] message``, ``evidence:``, ``try:``."""
    parts = [(f"[{_MARKS[f.severity]}] ", f.message), ("    evidence: ", f.evidence)]
    if f.fix:
        parts.append(("    try: ", f.fix))
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


def training_text(report: TrainingDiagnosis) -> str:
    """``str(report)`` of a training diagnosis: a headline, then the findings."""
    lr = f", learning rate η = {_g(report.lr)}" if report.lr is not None else ""
    epochs = f"{report.epochs} epochs" if report.epochs else "no epoch completed"
    verdict = "looks fine" if report.ok else "needs attention"
    head = f"Training diagnosis ({epochs}{lr}): {verdict}"
    return "\n".join([head, *(finding_text(f) for f in report.findings)])


def _findings_html(findings: Sequence[Finding]) -> str:
    items = "".join(
        f"<li><b>{html.escape(f.severity)}</b>: {html.escape(f.message)}<br>"
        f"<small>{html.escape(f.evidence)}</small>"
        + (f"<br><i>try:</i> {html.escape(f.fix)}" if f.fix else "")
        + "</li>"
        for f in findings
    )
    return f"<ul>{items}</ul>"


def training_html(report: TrainingDiagnosis) -> str:
    """The training diagnosis as HTML: its headline and a list of findings (for notebooks)."""
    head = html.escape(training_text(report).partition("\n")[0])
    return f"<p>{head}</p>{_findings_html(report.findings)}"


def table_rows(report: NetworkDiagnosis) -> list[list[str]]:
    """The per-layer table of a network diagnosis as strings, header first."""
    head = ["layer", "neurons", "σ", "‖W‖", "‖∂C/∂θ‖", "‖ΔW‖/‖W‖", "saturated", "dead", "type"]
    rows = [head]
    for d in report.layers:
        # for an output layer also the share saturated *and* wrong, the only kind that harms
        # learning there, so that the table and the findings tell the same story
        saturated = "-" if d.saturated is None else f"{d.saturated:.0%}"
        if d.saturated is not None and d.stuck is not None:
            saturated += f" ({d.stuck:.0%} wrong)"
        dead = "-" if d.dead is None else f"{d.dead:.0%}"
        size = "×".join(map(str, d.shape)) if len(d.shape) > 1 else str(d.neurons)
        weight = "-" if d.weight_norm is None else _g(d.weight_norm)
        if d.weights not in (None, "W"):
            weight = f"{d.weights} {weight}"
        grads = ", ".join(f"{name} {_g(v)}" for name, v in d.gradient_norms.items())
        if not d.gradient_norms:
            grads = "-" if d.gradient_norm is None else _g(d.gradient_norm)
        step = "-" if d.update_ratio is None else _g(d.update_ratio)
        rows.append([str(d.l), size, d.activation, weight, grads, step, saturated, dead, d.kind])
    return rows


def network_text(report: NetworkDiagnosis) -> str:
    """``str(report)`` of a network diagnosis: a headline, the per-layer table, the findings."""
    rows = table_rows(report)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    verdict = "looks healthy" if report.ok else "needs attention"
    head = (
        f"Network diagnosis on {report.m} samples (cost C = {_g(report.cost)}; one step of "
        f"{report.optimizer}{SOURCES.get(report.optimizer_source, '')}): {verdict}"
    )
    return "\n".join(
        [head, *("  " + t for t in table), *(finding_text(f) for f in report.findings)]
    )


def network_html(report: NetworkDiagnosis) -> str:
    """The network diagnosis as an HTML table and a list of findings (for notebooks)."""
    rows = table_rows(report)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
    )
    return (
        f"<p>Network diagnosis on {report.m} samples, cost C = {_g(report.cost)}</p>"
        f"<table><tr>{head}</tr>{body}</table>{_findings_html(report.findings)}"
    )


def describe_optimizer(name: str, lr: float) -> str:
    """``"SGD(lr=0.1)"``: an optimizer's name and η, without the rest of its repr."""
    return f"{name}(lr={_g(lr)})"
