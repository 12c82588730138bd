"""Views of glassnet's computed results: text, LaTeX, HTML.

Computing and rendering are kept apart: :mod:`glassnet.explain` (and the other glass-box parts)
return data — numbers, factors, paths — and the functions here and in this package's modules
turn that data into what a person reads. Nothing here computes a number the views show.

This module holds the number formats every view shares, and the views of the core's own
objects: :func:`network_html` (a network's W^(l) and b^(l)), :func:`trace_html` and
:func:`trace_text` (every number of one forward and backward pass).
:mod:`glassnet.render.explanations` renders explanations and the backprop ledger.

>>> import glassnet as gn
>>> from glassnet import render
>>> render.number(-0.0), render.vector([1.0, 2.5]), render.matrix([[1, 2], [3, 4]])
('0', '[1, 2.5]', '[[1, 2]; [3, 4]]')
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ..network import Network, Trace

Array = NDArray[np.floating[Any]]

__all__ = [
    "formula_at",
    "html_matrix",
    "latex_matrix",
    "matrix",
    "network_html",
    "number",
    "trace_html",
    "trace_text",
    "vector",
]


# -- numbers, vectors and matrices, as every view prints them ----------------------------------


def number(v: Any) -> str:
    """A number as the explanations print it: 6 significant digits (and never "-0").

    Example:
        >>> import numpy as np
        >>> from glassnet.render import number
        >>> number(1 / 3), number(-0.0), number(123456789.0), number(np.float32(0.1))
        ('0.333333', '0', '1.23457e+08', '0.1')
    """
    return f"{float(v) + 0.0:.6g}"


def vector(v: Any, most: int = 10) -> str:
    """A vector in brackets; a long one shows its first and last entries around "…".

    Example:
        >>> import numpy as np
        >>> from glassnet.render import vector
        >>> vector([0.5, -2.0])
        '[0.5, -2]'
        >>> vector(np.arange(12.0))  # more than ``most`` = 10 entries
        '[0, 1, 2, 3, …, 10, 11]'
    """
    v = np.ravel(v)
    if v.size > most:
        shown = [*(number(x) for x in v[:4]), "…", *(number(x) for x in v[-2:])]
        return "[" + ", ".join(shown) + "]"
    return "[" + ", ".join(number(x) for x in v) + "]"


def matrix(M: Any, most: int = 8) -> str:
    """A matrix row by row ("[r0; r1]"); a tall one shows its first and last rows around "…".

    Example:
        >>> import numpy as np
        >>> from glassnet.render import matrix
        >>> matrix([[1.0, 2.0], [3.0, 4.0]]), matrix([[7.0]])  # a 1×1 matrix is its number
        ('[[1, 2]; [3, 4]]', '7')
        >>> matrix(np.arange(20.0).reshape(10, 2))  # more than ``most`` = 8 rows
        '[[0, 1]; [2, 3]; [4, 5]; … 6 more rows; [18, 19]]'
    """
    M = np.atleast_2d(M)
    if M.size == 1:
        return number(M.item())
    if M.shape[0] == 1:
        return vector(M[0])
    rows = (
        [vector(r) for r in M]
        if M.shape[0] <= most
        else [*(vector(r) for r in M[:3]), f"… {M.shape[0] - 4} more rows", vector(M[-1])]
    )
    return "[" + "; ".join(rows) + "]"


def latex_matrix(M: Any) -> str:
    r"""A matrix as a LaTeX ``bmatrix``; one number as itself (in parentheses when negative).

    Example:
        >>> from glassnet.render import latex_matrix
        >>> print(latex_matrix([[1.0, -2.0], [3.0, 4.0]]))
        \begin{bmatrix}1 & -2 \\ 3 & 4\end{bmatrix}
        >>> latex_matrix([[-0.5]])  # so that "W · (−0.5)" reads right
        '(-0.5)'
    """
    M = np.atleast_2d(M)
    if M.size == 1:
        v = number(M.item())
        return f"({v})" if v.startswith("-") else v
    rows = [" & ".join(number(x) for x in row) for row in M]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def html_matrix(M: Any, row_label: str = "", col_label: str = "") -> str:
    """An HTML table of a matrix, rows and columns numbered from 0.

    Example:
        >>> from glassnet.render import html_matrix
        >>> table = html_matrix([[1.0, 2.0], [3.0, 4.0]], row_label="j=", col_label="k=")
        >>> for row in table.split("</tr>"):
        ...     print(row)
        <table><tr><th></th><th>k=0</th><th>k=1</th>
        <tr><th>j=0</th><td>1</td><td>2</td>
        <tr><th>j=1</th><td>3</td><td>4</td>
        </table>
    """
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    head = "".join(f"<th>{col_label}{c}</th>" for c in range(M.shape[1]))
    body = "".join(
        f"<tr><th>{row_label}{r}</th>" + "".join(f"<td>{number(x)}</td>" for x in row) + "</tr>"
        for r, row in enumerate(M)
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


# -- the core's objects: a network, a trace ------------------------------------------------------


def network_html(net: Network) -> str:
    """An HTML view of a network: for each layer l, W^(l) (rows j, columns k) and b^(l).

    >>> import glassnet as gn
    >>> "W<sup>(1)</sup>" in network_html(gn.Network.from_sizes([2, 2, 1], seed=0))
    True
    """
    parts = [f"<div><p><b>{html.escape(repr(net))}</b></p>"]
    for l, layer in enumerate(net.dense_layers("drawing the network in HTML"), start=1):
        parts.append(
            f"<h4>layer {l}: {layer.n_out} neurons, σ = {html.escape(layer.activation.name)}</h4>"
            f"<p>W<sup>({l})</sup> (to j, from k), shape {layer.W.shape}</p>"
            + html_matrix(layer.W, "j=", "k=")
            + f"<p>b<sup>({l})</sup></p>"
            + html_matrix(np.asarray(layer.b)[:, None], "j=")
        )
    return "".join(parts) + "</div>"


def formula_at(formula: str, l: int) -> str:
    """A layer type's formula (``Layer.formula``, written with l) for layer number l.

    >>> formula_at("W^(l) ∗ a^(l−1) + b^(l)", 2)
    'W^(2) ∗ a^(1) + b^(2)'
    """
    return formula.replace("(l−1)", f"({l - 1})").replace("(l)", f"({l})")


def _formulas(trace: Trace) -> list[str]:
    """z^(l) = … for l = 1..L, as each layer's type writes it (from ``trace.formulas``)."""
    given = list(getattr(trace, "formulas", ()) or ())
    given += ["f(a^(l−1); θ^(l))"] * (trace.L - len(given))
    return [f"z^({l}) = {formula_at(f, l)}" for l, f in enumerate(given, start=1)]


def _slice(arr: Array) -> tuple[Array, str]:
    """A 1-D or 2-D array as it is; a larger one as its first 2-D slice, and where it is cut from
    (``"[0, 0, :, :] of shape (2, 3, 5, 5)"``): images (m, C, H, W) show sample 0, channel 0."""
    arr = np.asarray(arr)
    if arr.ndim <= 2:
        return arr, ""
    lead = ", ".join(["0"] * (arr.ndim - 2))
    return arr[(0,) * (arr.ndim - 2)], f"[{lead}, :, :] of shape {arr.shape}"


def _html_array(title: str, arr: Array, *labels: str) -> str:
    shown, cut = _slice(arr)
    note = f" ({html.escape(cut)})" if cut else ""
    if shown.ndim == 2 and not cut:
        return f"<p>{title}</p>" + html_matrix(shown, *labels)
    rows = shown if shown.ndim == 2 else shown[:, None]
    return f"<p>{title}{note}</p>" + html_matrix(rows, *(labels if not cut else ()))


def trace_html(trace: Trace) -> str:
    """An HTML view of a trace: z^(l) (with its layer type's formula), a^(l), δ^(l) (one row
    per sample i), and ∂C/∂θ for each of layer l's parameters θ (∂C/∂W^(l), ∂C/∂b^(l) for
    Dense). An image-shaped array (m, C, H, W) shows sample 0's first channel.

    >>> import numpy as np, glassnet as gn
    >>> net = gn.Network.from_sizes([2, 2, 1], seed=0)
    >>> "δ<sup>(2)</sup>" in trace_html(net.trace(np.zeros((1, 2)), np.ones((1, 1))))
    True
    """
    m = trace.a[0].shape[0]
    penalty = float(getattr(trace, "penalty", 0.0) or 0.0)
    extra = f" (including the penalty {number(penalty)})" if penalty else ""
    parts = [f"<div><p><b>trace</b>: m = {m}, cost C = {number(trace.cost)}{extra}</p>"]
    parts.append(_html_array("a<sup>(0)</sup> = X", trace.a[0], "i="))
    for l, formula in enumerate(_formulas(trace), start=1):
        parts.append(f"<h4>layer {l}: {html.escape(formula)}</h4>")
        parts.append(_html_array(f"z<sup>({l})</sup>", trace.z[l], "i="))
        parts.append(_html_array(f"a<sup>({l})</sup>", trace.a[l], "i="))
        parts.append(_html_array(f"δ<sup>({l})</sup>", trace.delta[l], "i="))
        for name, grad in trace.gradients[l].items():  # ∂C/∂W^(l), ∂C/∂b^(l) for Dense
            labels = ("j=", "k=") if grad.ndim == 2 else ("j=",)
            parts.append(_html_array(f"∂C/∂{name}<sup>({l})</sup>", grad, *labels))
    return "".join(parts) + "</div>"


def trace_text(trace: Trace) -> str:
    """A trace as text: the forward pass layer by layer (each layer's z^(l) as its type writes
    it), the cost, then the backward pass. An image-shaped array (m, C, H, W) shows sample 0's
    first channel, with its shape.

    >>> import numpy as np, glassnet as gn
    >>> net = gn.Network.from_sizes([2, 2, 1], seed=0)
    >>> print(trace_text(net.trace(np.zeros((1, 2)), np.ones((1, 1)))).splitlines()[0])
    forward pass (m = 1 samples, one per row)
    """
    fmt = {"float_kind": lambda v: f"{v: .4g}"}

    def show(name: str, arr: Array) -> str:
        shown, cut = _slice(arr)
        text = np.array2string(shown, formatter=fmt, max_line_width=100, threshold=60)  # type: ignore[arg-type]
        head = f"  {name}" + (f", {cut}" if cut else "") + " ="
        return head + "\n" + "\n".join("    " + line for line in text.splitlines())

    lines = [f"forward pass (m = {trace.a[0].shape[0]} samples, one per row)"]
    lines.append(show("a^(0) = X", trace.a[0]))
    for l, formula in enumerate(_formulas(trace), start=1):
        lines.append(show(formula, trace.z[l]))
        lines.append(show(f"a^({l}) = σ(z^({l}))", trace.a[l]))
    if trace.penalty:
        lines.append(
            f"cost C = (1/m) Σ C_i + penalty = {trace.cost - trace.penalty:.6g} + "
            f"{trace.penalty:.6g} = {trace.cost:.6g}"
        )
    else:
        lines.append(f"cost C = (1/m) Σ C_i = {trace.cost:.6g}")
    lines.append("backward pass (δ and ∂C/∂a per sample; gradients averaged over the batch)")
    for l in reversed(trace.z.keys()):
        lines.append(show(f"δ^({l}) = ∂C/∂z^({l})", trace.delta[l]))
        for name, grad in trace.gradients[l].items():  # ∂C/∂W^(l), ∂C/∂b^(l) for Dense
            lines.append(show(f"∂C/∂{name}^({l})", grad))
    return "\n".join(lines)
