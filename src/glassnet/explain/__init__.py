"""Explain every number: where each activation and each partial derivative comes from.

The tutorial's promise is that a learner can ask any number in the network "where do you come
from?". This module answers with the real values filled in, in the tutorial's notation:

* :func:`explain_neuron` — the forward equation of one neuron for one sample,
  a^(l)_j = σ(Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j), term by term, and the layer's matrix form.
* :func:`explain_weight`, :func:`explain_bias`, :func:`explain_activation` — the chain rule for
  ∂C/∂w^(l)_jk, ∂C/∂b^(l)_j and ∂C/∂a^(l)_k, factor by factor, in the order the tutorial writes
  it (from the cost back to the parameter)::

      ∂C/∂w^(1) = ∂C/∂a^(3) ∂a^(3)/∂z^(3) · ∂z^(3)/∂a^(2) ∂a^(2)/∂z^(2) · ∂z^(2)/∂a^(1)
                  ∂a^(1)/∂z^(1) ∂z^(1)/∂w^(1)

  and, for small networks, every path from the parameter to the cost with its product. The
  paths add up to the derivative: that is what the chain rule says when a neuron feeds more
  than one neuron of the next layer.
* :func:`explain_parameter` — ∂C/∂θ for one number θ of any layer type's parameters, through
  the layer contract: ∂C/∂θ = (1/m) Σ_i Σ_out δ^(l)_{i,out} · ∂z^(l)_{i,out}/∂θ, the outputs and
  ∂z/∂θ from ``layer.parameter_paths``, δ^(l) from the network's own backpropagation.
* :func:`backprop_ledger` — the three partial derivatives of every layer, showing where δ^(l+1)
  is reused to get δ^(l).
* :func:`backprop_per_example` — the textbook loop, one sample at a time, as a reference
  (:mod:`glassnet.textbook`).

Layer types: :func:`explain_parameter` works for any. In a network with layers other than
:class:`~glassnet.Dense`, :func:`explain_weight` and :func:`explain_bias` give its result (with
a note: the paths through every later weight are listed for Dense networks only), while
:func:`explain_activation`, :func:`explain_neuron`, :func:`backprop_ledger` and
:func:`backprop_per_example` refuse in one sentence: they multiply by the weight matrices.

The modules: :mod:`~glassnet.explain.base` (the data an explanation is: factors, paths),
:mod:`~glassnet.explain.dense` (the chain rule through Dense layers, the neuron, the ledger),
:mod:`~glassnet.explain.parameters` (any layer type, through ``parameter_paths``),
:mod:`~glassnet.explain.residual` (inside a residual block: δ through its later layers, and
the two paths at its input, :func:`explain_residual`) and :mod:`~glassnet.explain.recurrent`
(backpropagation through time, one term per step, :func:`explain_through_time`).

The results are data: numbers, factors, paths. Their text, LaTeX, HTML and JSON forms
(``str(e)``, ``e.latex()``, ``e._repr_html_()``, ``e.to_dict()``) come from
:mod:`glassnet.render.explanations`; :func:`network_html` and :func:`trace_html` are
:mod:`glassnet.render`'s, importable from here too.

Everything here is computed in float64 from the network's weights, by its own short loops (not
by calling ``net.gradients``), so that the tests can hold the explanation against backprop and
against finite differences; :func:`explain_parameter` takes δ^(l) from ``net.trace`` (the
layer's own backward step) and shows the last link of the chain, ∂z^(l)/∂θ.

Softmax: a softmax output is not elementwise, so ∂a^(L)/∂z^(L) is the full Jacobian
a_r (1[r = q] − a_q). The factors then carry that whole matrix, and the paths go through every
pair (z^(L)_q, a^(L)_r). With the cross-entropy cost the two output factors multiply out to
a − y, the fused δ^(L) that glassnet's backprop uses (when each target row sums to 1).
"""

from __future__ import annotations

from ..render import network_html, trace_html
from ..textbook import backprop_per_example
from .base import MAX_PATHS, Factor, GradientExplanation, Path
from .dense import (
    Ledger,
    LedgerLayer,
    NeuronExplanation,
    backprop_ledger,
    explain_activation,
    explain_bias,
    explain_neuron,
    explain_weight,
)
from .parameters import explain_parameter
from .recurrent import ThroughTime, explain_through_time
from .residual import BlockPath, SkipSplit, explain_residual

__all__ = [
    "MAX_PATHS",
    "BlockPath",
    "Factor",
    "GradientExplanation",
    "Ledger",
    "LedgerLayer",
    "NeuronExplanation",
    "Path",
    "SkipSplit",
    "ThroughTime",
    "backprop_ledger",
    "backprop_per_example",
    "explain_activation",
    "explain_bias",
    "explain_neuron",
    "explain_parameter",
    "explain_residual",
    "explain_through_time",
    "explain_weight",
    "network_html",
    "trace_html",
]
