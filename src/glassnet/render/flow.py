"""How the gradient flows through residual blocks and through time, as text, LaTeX, HTML, dicts.

:mod:`glassnet.explain.residual` and :mod:`glassnet.explain.recurrent` compute; this module
shows their results: a block's two paths (:func:`split_text`, …), the stages δ takes inside a
block to a parameter's sub-layer, and backpropagation through time step by step
(:func:`time_text`, …). :mod:`glassnet.render.explanations` adds these views to an
explanation's own (``detail_text`` and its siblings).

>>> sub_symbol("z", "2.1", (3,))
('z^(2.1)_3', 'z^{(2.1)}_{3}')
>>> step_source("W_hh", 0, 3), step_source("W_ih", 1), step_source("b", 0)
('h_2,0', 'x_t,1', '1')
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from . import latex_matrix, matrix, number

if TYPE_CHECKING:
    from ..explain.recurrent import ThroughTime
    from ..explain.residual import BlockPath, SkipSplit

__all__ = [
    "detail_dict",
    "detail_html",
    "detail_latex",
    "detail_text",
    "split_dict",
    "split_html",
    "split_latex",
    "split_text",
    "step_source",
    "step_source_latex",
    "sub_symbol",
    "time_dict",
    "time_html",
    "time_latex",
    "time_text",
]

#: samples shown one by one; the norms and sums always use all of them
SHOWN = 2
#: time steps listed one by one; a longer sequence shows its first and last ones
SHOWN_STEPS = 24


def sub_symbol(name: str, label: str, index: tuple[int, ...] = ()) -> tuple[str, str]:
    """(text, LaTeX) of a symbol of a layer or sub-layer label: z^(2.1)_3."""
    sub = ",".join(map(str, index))
    text = f"{name}^({label})" + (f"_{sub}" if len(index) == 1 else f"_{{{sub}}}" if index else "")
    return text, f"{name}^{{({label})}}" + (f"_{{{sub}}}" if index else "")


def _words(ratio: float) -> str:
    """How a size changed, first over last: "shrinks 1.2e+03-fold", "grows 5-fold"."""
    if not np.isfinite(ratio) or ratio == 0:
        return "nothing reaches one end"
    if ratio < 1:
        return f"shrinks {1 / ratio:.3g}-fold"
    return f"grows {ratio:.3g}-fold" if ratio > 1 else "keeps its size"


# -- a residual block's two paths --------------------------------------------------------------


def split_text(s: SkipSplit) -> str:
    """Both terms of ∂C_i/∂a^(l−1), their sizes, a sample's numbers, and their sum."""
    n, prev = s.norms(), s.l - 1
    skip = f"δ^({s.label}) back through the projection p" if s.projection else f"δ^({s.label})"
    lines = [
        f"∂C/∂a^({prev}) at the input of block {s.label}: two paths that add up "
        f"(m = {s.m} sample(s))",
        f"  around the block (the skip): {skip}, ‖·‖ = {number(n['skip'])}",
        f"  through the block (f): δ^({s.label}) back through f's layers, "
        f"‖·‖ = {number(n['through'])}",
        f"  their sum ∂C/∂a^({prev}): ‖·‖ = {number(n['total'])}",
        f"  the skip carries {s.skip_share:.0%} of the two terms' size",
    ]
    for i in range(min(s.m, SHOWN)):
        lines += [
            f"sample {i}:",
            f"  skip    = {matrix(s.skip[i])}",
            f"  through = {matrix(s.through[i])}",
            f"  sum     = {matrix(s.total[i])} = ∂C_{i}/∂a^({prev})",
        ]
    return "\n".join(lines)


def split_latex(s: SkipSplit) -> str:
    prev, lab, i = s.l - 1, s.label, 0
    skip = rf"\delta^{{({lab})}}" + (r" \frac{\partial p}{\partial a}" if s.projection else "")
    return (
        rf"\frac{{\partial C_i}}{{\partial a^{{({prev})}}}} = \underbrace{{{skip}}}"
        rf"_{{\text{{skip}}}} + \underbrace{{\delta^{{({lab})}} \frac{{\partial f}}"
        rf"{{\partial a^{{({prev})}}}}}}_{{\text{{through }} f}}"
        rf", \quad i = {i}: {latex_matrix(s.skip[i])} + {latex_matrix(s.through[i])}"
        rf" = {latex_matrix(s.total[i])}"
    )


def split_html(s: SkipSplit) -> str:
    n, prev = s.norms(), s.l - 1
    rows = "".join(
        f"<tr><th>{name}</th><td>{number(n[key])}</td><td>{html.escape(matrix(arr[0]))}</td></tr>"
        for name, key, arr in (
            ("around (skip)", "skip", s.skip),
            ("through f", "through", s.through),
            (f"sum ∂C/∂a({prev})", "total", s.total),
        )
    )
    return (
        f"<div><p><b>block {html.escape(s.label)}: two paths to its input</b> (m = {s.m}; the "
        f"skip carries {s.skip_share:.0%})</p><table><tr><th>path</th><th>‖·‖</th>"
        f"<th>sample 0</th></tr>{rows}</table></div>"
    )


def split_dict(s: SkipSplit) -> dict[str, Any]:
    return {
        "l": s.l,
        "label": s.label,
        "projection": s.projection,
        "norms": s.norms(),
        "skip_share": s.skip_share,
        "delta": s.delta.tolist(),
        "skip": s.skip.tolist(),
        "through": s.through.tolist(),
        "total": s.total.tolist(),
    }


# -- δ inside a block, down to a parameter's sub-layer -------------------------------------------


def _block_text(b: BlockPath) -> list[str]:
    lines = [f"δ^({b.l}) on its way through block {b.l} to sub-layer {b.leaf} (the skip does "
             "not pass a parameter inside the block):"]  # fmt: skip
    for (label, d), size in zip(b.stages, b.norms(), strict=True):
        lines.append(f"  δ^({label}) = ∂C/∂z^({label}): ‖·‖ = {number(size)}, "
                     f"sample 0: {matrix(d[0])}")  # fmt: skip
    return [*lines, "", *split_text(b.split).splitlines()]


def _block_latex(b: BlockPath) -> list[str]:
    stages = r" \to ".join(rf"\delta^{{({label})}}" for label, _ in b.stages)
    return [rf"&\text{{through the block: }} {stages}", split_latex(b.split)]


def _block_html(b: BlockPath) -> str:
    rows = "".join(
        f"<tr><td>δ({html.escape(label)})</td><td>{number(size)}</td>"
        f"<td>{html.escape(matrix(d[0]))}</td></tr>"
        for (label, d), size in zip(b.stages, b.norms(), strict=True)
    )
    return (
        f"<p>δ through block {b.l} to sub-layer {html.escape(b.leaf)}</p><table><tr><th>stage"
        f"</th><th>‖·‖</th><th>sample 0</th></tr>{rows}</table>" + split_html(b.split)
    )


def _block_dict(b: BlockPath) -> dict[str, Any]:
    return {
        "kind": "residual",
        "l": b.l,
        "leaf": b.leaf,
        "stages": [{"label": label, "delta": d.tolist()} for label, d in b.stages],
        "norms": b.norms(),
        "split": split_dict(b.split),
    }


# -- backpropagation through time ----------------------------------------------------------------


def step_source(name: str, k: int, t: int | None = None) -> str:
    """∂u_t,j/∂θ in words: h_(t−1),k for W_hh[j, k], x_t,k for W_ih[j, k], 1 for b[j]; at a
    given step t, with its number (h_0,k = 0 at t = 1)."""
    if name == "W_hh":
        return f"h_(t−1),{k}" if t is None else f"h_{t - 1},{k}"
    if name == "W_ih":
        return f"x_t,{k}" if t is None else f"x_{t},{k}"
    return "1"


def step_source_latex(name: str, k: int) -> str:
    return {"W_hh": rf"h_{{t-1,{k}}}", "W_ih": rf"x_{{t,{k}}}"}.get(name, "")


def _steps(T: int) -> list[int | None]:
    """The steps listed, T down to 1 (None: the ones left out of a long sequence)."""
    steps = list(range(T, 0, -1))
    if T <= SHOWN_STEPS:
        return list(steps)
    half = SHOWN_STEPS // 2
    return [*steps[:half], None, *steps[-half:]]


def time_text(tt: ThroughTime) -> list[str]:
    """The steps from T back to 1: ‖∂C/∂h_t‖ and, for a parameter, each step's factors and
    term; then the ratio and the sum."""
    norms, has = tt.norms(), tt.inputs is not None
    lines = [
        f"backpropagation through time in layer {tt.l} ({tt.activation} at every step), "
        f"T = {tt.T} steps, m = {tt.m} sample(s):",
        "  ∂C_i/∂h_t = δ_t + ∂C_i/∂u_(t+1) W_hh,   ∂C_i/∂u_t = ∂C_i/∂h_t ⊙ σ'(u_t)",
    ]
    if has:
        j, k = (*tt.index, 0)[:2]
        terms, du = tt.terms(), tt.du[:, :, j]
        lines.append(
            f"  term_t = (1/m) Σ_i ∂C_i/∂u_t,{j} · {step_source(tt.name, k)}; "
            "sample 0's factors shown"
        )
        lines.append(f"  {'t':>4}  {'‖∂C/∂h_t‖':>12}  {'∂C_0/∂u_t':>12}  {'∂u_t/∂θ':>12}  "
                     f"{'term_t':>12}")  # fmt: skip
    else:
        lines.append(f"  {'t':>4}  {'‖∂C/∂h_t‖':>12}")
    for t in _steps(tt.T):
        if t is None:
            lines.append(f"  {'…':>4}")
            continue
        row = f"  {t:>4}  {number(norms[t - 1]):>12}"
        if has and tt.inputs is not None:
            row += (f"  {number(du[0, t - 1]):>12}  {number(tt.inputs[0, t - 1]):>12}  "
                    f"{number(terms[t - 1]):>12}")  # fmt: skip
        lines.append(row)
    lines.append(
        f"  ‖∂C/∂h_1‖ / ‖∂C/∂h_T‖ = {number(tt.ratio)}: going back in time the gradient "
        + _words(tt.ratio)
    )
    if has:
        lines.append(f"  Σ_t term_t = {number(tt.terms().sum())} = ∂C/∂{tt.name} (no penalty)")
    return lines


def time_latex(tt: ThroughTime) -> list[str]:
    norms = tt.norms()
    parts = [
        r"&\frac{\partial C_i}{\partial h_t} = \delta_t + \frac{\partial C_i}{\partial u_{t+1}} "
        r"W_{hh}, \quad \frac{\partial C_i}{\partial u_t} = \frac{\partial C_i}{\partial h_t} "
        r"\odot \sigma'(u_t)",
        r"&\Big\|\frac{\partial C}{\partial h_t}\Big\|_{t=1..T} = " + latex_matrix(norms[None, :]),
    ]
    if tt.inputs is not None:
        parts.append(r"&\text{term}_t = " + latex_matrix(tt.terms()[None, :]))
    return parts


def time_html(tt: ThroughTime) -> str:
    norms, has = tt.norms(), tt.inputs is not None
    head = "<th>t</th><th>‖∂C/∂h_t‖</th>" + ("<th>term_t</th>" if has else "")
    terms = tt.terms() if has else None
    rows = "".join(
        f"<tr><td>{t}</td><td>{number(norms[t - 1])}</td>"
        + (f"<td>{number(terms[t - 1])}</td>" if terms is not None else "")
        + "</tr>"
        for t in _steps(tt.T)
        if t is not None
    )
    return (
        f"<div><p><b>through time, layer {tt.l}</b> (T = {tt.T}; ‖∂C/∂h_1‖/‖∂C/∂h_T‖ = "
        f"{number(tt.ratio)})</p><table><tr>{head}</tr>{rows}</table></div>"
    )


def time_dict(tt: ThroughTime) -> dict[str, Any]:
    d: dict[str, Any] = {
        "kind": "through_time",
        "l": tt.l,
        "T": tt.T,
        "activation": tt.activation,
        "norms": tt.norms().tolist(),
        "ratio": float(tt.ratio),
        "dh": tt.dh.tolist(),
        "du": tt.du.tolist(),
    }
    if tt.inputs is not None:
        d.update(name=tt.name, index=list(tt.index), inputs=tt.inputs.tolist(),
                 terms=tt.terms().tolist())  # fmt: skip
    return d


# -- an explanation's detail, whichever it is --------------------------------------------------


def detail_text(detail: Any) -> list[str]:
    return _block_text(detail) if hasattr(detail, "stages") else time_text(detail)


def detail_latex(detail: Any) -> list[str]:
    return _block_latex(detail) if hasattr(detail, "stages") else time_latex(detail)


def detail_html(detail: Any) -> str:
    return _block_html(detail) if hasattr(detail, "stages") else time_html(detail)


def detail_dict(detail: Any) -> dict[str, Any]:
    return _block_dict(detail) if hasattr(detail, "stages") else time_dict(detail)
