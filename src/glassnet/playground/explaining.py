"""The explanations the Playground shows, from :mod:`glassnet.explain`, as JSON for the page.

:func:`explain` asks ``explain_weight``, ``explain_bias`` or ``explain_neuron`` and turns the
answer into a dict the page can show: the value, the chain rule with its numbers as text, and on
request its LaTeX and every factor.

>>> import numpy as np, glassnet as gn
>>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
>>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1, 0])
>>> e = explain(net, X, y, "weight", 1, 0, 1)
>>> bool(np.isclose(e["value"], net.gradients(X, y).W[1][0, 1]))
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import explain as explanations
from ..network import Network

__all__ = ["explain", "jsonable"]


def explain(
    net: Network,
    X: Any,
    y: Any,
    kind: str,
    l: int,
    j: int,
    k: int = 0,
    full: bool = False,
    latex: bool = False,
) -> dict[str, Any]:
    """The explanation of a weight's or bias's gradient on (X, y), or of a neuron on X[0].

    Returns a JSON-ready dict: ``kind, l, j, k``, ``value`` (∂C/∂w, ∂C/∂b, or the neuron's
    activation), ``parameter`` (the weight or bias itself), ``text`` (the chain rule with the
    numbers) and ``source``; with ``full``, also ``latex`` and ``detail`` (the explanation's
    ``to_dict()``, every factor per sample: large for a big network, so the live page goes
    without it); with ``latex``, the LaTeX alone (what the page renders with KaTeX).
    """
    out: dict[str, Any] = {"kind": kind, "l": l, "j": j, "k": k, "source": "glassnet.explain"}
    if kind == "weight":
        out["parameter"] = float(net.W[l][j, k])
    elif kind == "bias":
        out["parameter"] = float(net.b[l][j])
    if kind == "neuron" and l == 0:  # an input neuron is just x_j: nothing to explain
        x_j = float(np.asarray(X)[0, j])
        out.update(value=x_j, text=f"a^(0)_{j} = x_{j} = {x_j:.6g} (an input)")
        if latex or full:
            out["latex"] = f"a^{{(0)}}_{{{j}}} = x_{{{j}}} = {x_j:.6g}"
        return jsonable(out)
    if kind == "weight":
        e: Any = explanations.explain_weight(net, X, y, l, j, k)
    elif kind == "bias":
        e = explanations.explain_bias(net, X, y, l, j)
    else:
        e = explanations.explain_neuron(net, np.asarray(X)[0], l, j)
    value = e.a if kind == "neuron" else e.value  # a neuron's is its activation a^(l)_j
    out.update(value=float(value), text=str(e))
    if latex or full:
        out["latex"] = e.latex()
    if full:
        out["detail"] = e.to_dict()
    return jsonable(out)


def jsonable(value: Any) -> Any:
    """``value`` with NumPy numbers and arrays turned into plain floats and lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
