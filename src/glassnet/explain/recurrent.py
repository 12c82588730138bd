"""Backpropagation through time, step by step: a recurrent weight's gradient as a sum over steps.

An :class:`~glassnet.layers.RNN` uses the same W_ih, W_hh and b at every step,
u_t = W_ih x_t + W_hh h_(t−1) + b, h_t = σ(u_t), so the chain rule adds one term per step. For
θ = W_hh[j, k] (x_t,k for W_ih[j, k], 1 for b[j])::

    ∂C/∂θ = Σ_t term_t,      term_t = Σ_i r_i ∂C_i/∂u_t,j · h_(t−1),k

and ∂C_i/∂u_t comes from the step after it, ∂C_i/∂h_t = δ_t + ∂C_i/∂u_(t+1) W_hh,
∂C_i/∂u_t = ∂C_i/∂h_t ⊙ σ'(u_t): every step back multiplies by W_hh and by σ'. Where those
products are small, ‖∂C/∂h_t‖ shrinks step by step going back in time and the early steps'
terms are tiny (the gradient vanishes); where they are large, it grows (the gradient explodes).

:func:`explain_through_time` gives ‖∂C/∂h_t‖ for every step; what
:func:`~glassnet.explain.explain_parameter` gives for an RNN's parameter adds each step's term.
The numbers are those the layer's own backward pass computed (its cache: u_t, h_t, ∂C_i/∂u_t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..layers.recurrent import RNN
from ..render import flow as views
from .base import (
    MAX_PATHS,
    Array,
    GradientExplanation,
    Path,
    Rendered,
    describe_network,
    layer_number,
    make_factor,
    symbol_pair,
)
from .residual import norm, run

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["ThroughTime", "explain_recurrent_parameter", "explain_through_time", "through_time_of"]


@dataclass(repr=False)
class ThroughTime(Rendered):
    """The gradient of an RNN layer through its T steps (steps numbered t = 1..T).

    Attributes:
        l: the layer's number.
        dh: ∂C_i/∂h_t, shape (m, T, n_hidden): what reaches each step's state, from the layer
            above and from the step after.
        du: ∂C_i/∂u_t = ∂C_i/∂h_t ⊙ σ'(u_t), shape (m, T, n_hidden).
        activation: the per-step σ's name.
        name, index: the parameter explained (``"W_hh"``, (j, k)), or empty.
        inputs: for a parameter, ∂u_t,j/∂θ per sample and step, shape (m, T): h_(t−1),k for
            W_hh[j, k] (0 at t = 1: h_0 = 0), x_t,k for W_ih[j, k], 1 for b[j].

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network([gn.RNN(1, 3), gn.Dense(3, 1, activation="identity")],
        ...                  cost="mse", input_shape=(6, 1), seed=0, dtype="float64")
        >>> X, Y = np.random.default_rng(0).normal(size=(4, 6, 1)), np.zeros((4, 1))
        >>> tt = gn.explain_weight(net, X, Y, 1, 0, 1, name="W_hh").detail
        >>> tt
        ThroughTime(layer 1, T=6, ‖∂C/∂h_1‖/‖∂C/∂h_T‖=0.263)
        >>> tt.norms().round(3)  # ‖∂C/∂h_t‖, t = 1..6: largest at the last step
        array([0.164, 0.142, 0.084, 0.12 , 0.22 , 0.625])
        >>> tt.terms().round(4)  # one term per step; 0 at t = 1, where h_0 = 0
        array([ 0.    ,  0.0226, -0.0391,  0.0084,  0.0181, -0.065 ])
        >>> bool(np.isclose(tt.terms().sum(), net.gradients(X, Y)[1]["W_hh"][0, 1]))
        True
    """

    l: int
    dh: Array
    du: Array
    activation: str
    name: str = ""
    index: tuple[int, ...] = ()
    inputs: Array | None = None

    @property
    def T(self) -> int:
        return int(self.dh.shape[1])

    @property
    def m(self) -> int:
        return int(self.dh.shape[0])

    def norms(self) -> Array:
        """‖∂C/∂h_t‖ for t = 1..T, for the mini-batch cost C = (1/m) Σ_i C_i."""
        return np.array([norm(self.dh[:, t]) for t in range(self.T)])

    @property
    def ratio(self) -> float:
        """‖∂C/∂h_1‖ / ‖∂C/∂h_T‖: ≪ 1, the gradient vanished on its way back; ≫ 1, it exploded
        (inf when nothing reaches h_T)."""
        n = self.norms()
        return float(n[0] / n[-1]) if n[-1] > 0 else (np.inf if n[0] > 0 else 1.0)

    def per_sample_terms(self) -> Array:
        """∂C_i/∂u_t,j · ∂u_t,j/∂θ, shape (m, T) (the parameter's; empty without one)."""
        if self.inputs is None:
            return np.zeros((self.m, 0))
        return self.du[:, :, self.index[0]] * self.inputs

    def terms(self) -> Array:
        """term_t = (1/m) Σ_i ∂C_i/∂u_t,j · ∂u_t,j/∂θ for t = 1..T: they add up to ∂C/∂θ
        (without a penalty)."""
        return self.per_sample_terms().mean(axis=0)

    def __str__(self) -> str:
        return "\n".join(views.time_text(self))

    def __repr__(self) -> str:
        return f"ThroughTime(layer {self.l}, T={self.T}, ‖∂C/∂h_1‖/‖∂C/∂h_T‖={self.ratio:.3g})"

    def latex(self) -> str:
        return r"\begin{aligned}" + r" \\ ".join(views.time_latex(self)) + r"\end{aligned}"

    def _repr_html_(self) -> str:
        return views.time_html(self)

    def to_dict(self) -> dict[str, Any]:
        return views.time_dict(self)


def through_time_of(rnn: RNN, cache: Any, l: int) -> ThroughTime:
    """∂C_i/∂h_t and ∂C_i/∂u_t from the layer's cache after a recorded backward pass."""
    u = cache.saved["u"]  # (T, m, H), step first as the layer keeps it
    du = np.array(cache.saved["d_u"])  # ∂C_i/∂u_t, before r_i
    above = np.zeros_like(u)  # δ_t from the layer above (only h_T's without sequences)
    if rnn.return_sequences:
        above[...] = cache.delta.transpose(1, 0, 2)
    else:
        above[-1] = cache.delta
    dh = above
    dh[:-1] += du[1:] @ rnn.W_hh  # ∂C_i/∂h_t = δ_t + ∂C_i/∂u_(t+1) W_hh
    return ThroughTime(l, dh.transpose(1, 0, 2), du.transpose(1, 0, 2), rnn.cell_activation.name)


def explain_through_time(net: Network, X: Any, Y: Any, l: int) -> ThroughTime:
    """‖∂C/∂h_t‖ at every step of the RNN layer l on (X, Y), from its own backward pass.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network([gn.RNN(1, 3), gn.Dense(3, 1, activation="identity")],
        ...                  cost="mse", input_shape=(6, 1), seed=0, dtype="float64")
        >>> X = np.random.default_rng(0).normal(size=(4, 6, 1))
        >>> tt = explain_through_time(net, X, np.zeros((4, 1)), 1)
        >>> tt.norms().shape, bool(tt.ratio < 1)  # fades on the way back in time
        ((6,), True)
    """
    l = layer_number(net, l)
    if not isinstance(net.layers[l - 1], RNN):
        raise ValueError(
            f"layer {l} is a {type(net.layers[l - 1]).__name__}, not an RNN; "
            "explain_through_time follows the gradient back through an RNN's time steps"
        )
    net64, caches, _ = run(net, X, Y)
    rnn = net64.layers[l - 1]
    assert isinstance(rnn, RNN)
    return through_time_of(rnn, caches[l - 1], l)


def explain_recurrent_parameter(
    net: Network, X: Any, Y: Any, l: int, name: str, index: tuple[int, ...],
    max_paths: int = MAX_PATHS,
) -> GradientExplanation:  # fmt: skip
    """∂C/∂θ for θ = ``name[index]`` of the RNN layer l as the sum over steps of
    term_t = (1/m) Σ_i ∂C_i/∂u_t,j · ∂u_t,j/∂θ, each step one path.

    Checked arguments are expected (:func:`~glassnet.explain.explain_parameter` checks them).
    """
    net64, caches, _ = run(net, X, Y)
    rnn, cache = net64.layers[l - 1], caches[l - 1]
    assert isinstance(rnn, RNN)
    tt = through_time_of(rnn, cache, l)
    j, k = (*index, 0)[:2]
    x, h = cache.saved["x_T"], cache.saved["h"]  # (T, m, ·)
    inputs = np.ones((tt.m, tt.T))  # ∂u_t,j/∂b_j = 1
    if name == "W_ih":
        inputs = x[:, :, k].T.copy()  # x_t,k
    elif name == "W_hh":
        inputs[:, 0] = 0.0  # h_0 = 0
        inputs[:, 1:] = h[:-1, :, k].T  # h_(t−1),k
    tt.name, tt.index, tt.inputs = name, (j, k)[: len(index)], inputs
    per_step = tt.per_sample_terms()  # (m, T)
    per_sample = per_step.sum(axis=1)
    theta = float(rnn.parameters()[name][index])
    penalised = name in rnn.penalised and bool(net.l2 or net.l1)
    penalty = net.l2 * theta + net.l1 * float(np.sign(theta)) if penalised else 0.0
    symbol, tex = symbol_pair(name, l, *index)
    source = views.step_source(name, k)
    u_j = (f"u_t,{j}", f"u_{{t,{j}}}")
    factors = [
        make_factor(("C", "C"), u_j, "∂C_i/∂h_t ⊙ σ'(u_t), t = 1..T", tt.du[:, None, :, j]),
        make_factor(u_j, (symbol, tex), source, inputs[:, :, None]),
    ]
    found: list[Path] | None = None
    if max_paths >= tt.T:
        found = [
            Path(
                (f"u_{t + 1},{j}", f"h_{t + 1}"),
                (views.step_source(name, k, t + 1), f"∂C/∂u_{t + 1},{j}"),
                per_step[:, t],
                float(v),
            )
            for t, v in enumerate(per_step.mean(axis=0))
        ]
        if penalty:
            found.append(
                Path(("penalty",), ("l2·θ + l1·sign(θ)",), np.full(tt.m, penalty), penalty)
            )
    text = f"(1/m) Σ_i Σ_t ∂C_i/∂u_t,{j} · {source}" + (" + penalty" if penalty else "")
    latex = (
        rf"\frac{{1}}{{m}} \sum_i \sum_{{t=1}}^{{{tt.T}}} "
        rf"\frac{{\partial C_i}}{{\partial u_{{t,{j}}}}} " + views.step_source_latex(name, k)
    )
    return GradientExplanation(
        "parameter", l, j, k, symbol, tex, float(np.mean(per_sample)) + penalty, per_sample,
        penalty, factors, found, tt.T, describe_network(net), [], name, index, (text, latex),
        [], [], None, "", "", tt,
    )  # fmt: skip
