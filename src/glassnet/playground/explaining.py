"""The explanations the Playground shows: :mod:`glassnet.explain`, or a stand-in without it.

:func:`explain` asks ``glassnet.explain`` (``explain_weight``, ``explain_bias``,
``explain_neuron``) and turns its answer into JSON for the page. A glassnet without that module
still gets the same numbers, worked out here from :meth:`glassnet.Network.trace`::

    ∂C/∂w^(l)_jk = (1/m) Σ_i δ^(l)_ij · a^(l−1)_ik        ∂C/∂b^(l)_j = (1/m) Σ_i δ^(l)_ij
    z^(l)_j = Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j             a^(l)_j = σ(z^(l)_j)

(plus l2·w + l1·sign(w) for a network with penalties).

>>> import numpy as np, glassnet as gn
>>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
>>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1, 0])
>>> e = explain(net, X, y, "weight", 1, 0, 1)
>>> bool(np.isclose(e["value"], net.gradients(X, y).W[1][0, 1]))
True
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..network import Network

__all__ = ["explain"]

SHOWN = 8  # samples written out one by one in the stand-in's text


def _module() -> Any:
    """``glassnet.explain`` when this glassnet has it, else None."""
    try:
        return importlib.import_module("glassnet.explain")
    except ImportError:
        return None


def explain(
    net: Network, X: Any, y: Any, kind: str, l: int, j: int, k: int = 0, full: bool = False
) -> dict[str, Any]:
    """The explanation of a weight's or bias's gradient on (X, y), or of a neuron on X[0].

    Returns a JSON-ready dict: ``kind, l, j, k``, ``value`` (∂C/∂w, ∂C/∂b, or the neuron's
    activation), ``parameter`` (the weight or bias itself), ``text`` (the chain rule with the
    numbers) and ``source``; with ``full``, also ``latex`` and ``detail`` (the explanation's
    ``to_dict()``, every factor per sample: large for a big network, so the live page goes
    without it).
    """
    from .session import jsonable

    module = _module()
    out: dict[str, Any] = {"kind": kind, "l": l, "j": j, "k": k}
    if kind == "weight":
        out["parameter"] = float(net.W[l][j, k])
    elif kind == "bias":
        out["parameter"] = float(net.b[l][j])
    if module is not None and (kind != "neuron" or l > 0):  # an input neuron is just x_j
        if kind == "weight":
            e = module.explain_weight(net, X, y, l, j, k)
        elif kind == "bias":
            e = module.explain_bias(net, X, y, l, j)
        else:
            e = module.explain_neuron(net, np.asarray(X)[0], l, j)
        value = e.a if kind == "neuron" else e.value  # a neuron's is its activation a^(l)_j
        out.update(
            value=float(value),
            text=str(e),
            latex=e.latex(),
            detail=e.to_dict(),
            source="glassnet.explain",
        )
    else:
        out.update(_stand_in(net, X, y, kind, l, j, k), source="playground")
    if not full:
        out.pop("latex", None)
        out.pop("detail", None)
    return jsonable(out)


def _stand_in(net: Network, X: Any, y: Any, kind: str, l: int, j: int, k: int) -> dict[str, Any]:
    """The chain-rule numbers straight from a trace, while glassnet.explain is not there."""
    t = net.trace(X, y)
    m = t.a[0].shape[0]
    if kind == "neuron":
        a = t.a[l][0]
        if l == 0:
            text = f"a^(0)_{j} = x_{j} = {a[j]:.6g} (an input)"
            return {"value": float(a[j]), "text": text, "latex": "", "detail": {}}
        terms = [(float(net.W[l][j, q]), float(t.a[l - 1][0, q])) for q in range(net.sizes[l - 1])]
        z = float(t.z[l][0, j])
        lines = [
            f"z^({l})_{j} = Σ_k w^({l})_{j}k · a^({l - 1})_k + b^({l})_{j}",
            *[f"  k={q}: {w:.6g} × {a_k:.6g} = {w * a_k:.6g}" for q, (w, a_k) in enumerate(terms)],
            f"  + b = {float(net.b[l][j]):.6g}   → z = {z:.6g}",
            f"a^({l})_{j} = {net.layers[l - 1].activation.name}(z) = {float(a[j]):.6g}",
        ]
        return {
            "value": float(a[j]),
            "text": "\n".join(lines),
            "latex": rf"a^{{({l})}}_{{{j}}} = \sigma(z^{{({l})}}_{{{j}}}) = {float(a[j]):.6g}",
            "detail": {"z": z, "a": float(a[j]), "terms": terms},
        }
    delta = t.delta[l][:, j]  # δ^(l)_j for each sample i
    a_prev = t.a[l - 1][:, k] if kind == "weight" else np.ones(m)
    factors = delta * a_prev
    value = float(t.dW[l][j, k]) if kind == "weight" else float(t.db[l][j])
    symbol = f"w^({l})_{j}{k}" if kind == "weight" else f"b^({l})_{j}"
    rule = f"δ^({l})_{j},i · a^({l - 1})_{k},i" if kind == "weight" else f"δ^({l})_{j},i"
    lines = [f"∂C/∂{symbol} = (1/m) Σ_i {rule}    (m = {m})"]
    for i in range(min(m, SHOWN)):
        if kind == "weight":
            lines.append(f"  i={i}: δ = {delta[i]:.6g} × a = {a_prev[i]:.6g} → {factors[i]:.6g}")
        else:
            lines.append(f"  i={i}: δ = {delta[i]:.6g}")
    if m > SHOWN:
        lines.append(f"  … {m - SHOWN} more samples")
    lines.append(f"  mean = {float(np.mean(factors)):.6g}")
    penalty = value - float(np.mean(factors))
    if abs(penalty) > 1e-12:
        lines.append(f"  + penalty term {penalty:.6g}")
    lines.append(f"= {value:.6g}")
    if l == net.L:
        lines.append(f"δ^({l}) = ∂C/∂a^({l}) ⊙ σ'(z^({l}))   (output layer)")
    else:
        lines.append(f"δ^({l}) = (δ^({l + 1}) W^({l + 1})) ⊙ σ'(z^({l}))   (backpropagated)")
    return {
        "value": value,
        "text": "\n".join(lines),
        "latex": rf"\frac{{\partial C}}{{\partial {symbol}}} = {value:.6g}",
        "detail": {"delta": delta, "a_prev": a_prev, "factors": factors},
    }
