"""Explanations and the backprop ledger as text, LaTeX, HTML and JSON-ready dicts.

:mod:`glassnet.explain` computes; this module shows. Each function takes one result of
:func:`~glassnet.explain.explain_weight` (and ``explain_bias``, ``explain_activation``),
:func:`~glassnet.explain.explain_neuron` or :func:`~glassnet.explain.backprop_ledger` and
returns a string or a dict; the results' own methods (``str(e)``, ``e.latex()``,
``e._repr_html_()``, ``e.to_dict()``) call these.

>>> import numpy as np, glassnet as gn
>>> net = gn.Network.from_sizes([2, 1], seed=0, dtype="float64")
>>> e = gn.explain_weight(net, [[1.0, 0.0]], [[0.0]], 1, 0, 0)
>>> gradient_text(e) == str(e)
True
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from . import flow, html_matrix, latex_matrix, matrix, number, vector

if TYPE_CHECKING:
    from ..explain import GradientExplanation, Ledger, NeuronExplanation

__all__ = [
    "SHOWN_SAMPLES",
    "SHOWN_TERMS",
    "gradient_dict",
    "gradient_html",
    "gradient_latex",
    "gradient_text",
    "ledger_dict",
    "ledger_html",
    "ledger_text",
    "neuron_dict",
    "neuron_html",
    "neuron_latex",
    "neuron_text",
    "parameter_terms",
]

#: samples shown one by one in ``str(e)``; the average always uses all of them
SHOWN_SAMPLES = 4
#: the largest terms δ · ∂z/∂θ (by size) that ``str(e)`` and the HTML list for a parameter used
#: at many outputs (a kernel weight at every position); the dict keeps every one
SHOWN_TERMS = 10


def _contributions(e: GradientExplanation) -> list[tuple[int, int, str, str, float]] | None:
    """For a parameter used at more than one output: the largest terms as (sample i, output p,
    "δ^(l)_{o,y,x} = …", "a^(l−1)_{c,r,s} = …", term), largest |term| first; else None."""
    if e.terms is None or len(e.outputs) < 2:
        return None
    terms = e.terms
    order = np.argsort(-np.abs(terms), axis=None, kind="stable")[:SHOWN_TERMS]
    dz = e.factors[1].values[:, :, 0] if len(e.factors) > 1 else terms
    d = e.factors[0].values[:, 0, :]
    rows, at, prev = [], e.at or e.l, e.prev or e.l - 1
    for flat in order:
        i, p = (int(v) for v in np.unravel_index(flat, terms.shape))
        delta = f"{_symbol('δ', at, (i, *e.outputs[p]))} = {number(d[i, p])}"
        src = e.sources[p] if p < len(e.sources) else None
        if isinstance(src, str):
            meets = f"{src} (padding)"
        elif src is None:
            meets = f"∂{_symbol('z', at, (i, *e.outputs[p]))}/∂θ = {number(dz[i, p])}"
        else:
            meets = f"{_symbol('a', prev, (i, *src))} = {number(dz[i, p])}" if src else "1"
        rows.append((i, p, delta, meets, float(terms[i, p])))
    return rows


# -- ∂C/∂(weight, bias or activation): the chain rule with numbers -------------------------------


def gradient_text(e: GradientExplanation) -> str:
    """The chain rule, each sample's factors and product, the average, and every path."""
    lines = [f"∂C/∂{e.symbol}: how the cost C changes when {e.symbol} changes"]
    lines.append(f"network {e.network}; m = {e.m} sample(s)")
    lines.append("")
    lines.append("chain rule (the tutorial's order, from the cost back):")
    lines.append("  " + e.chain())
    if e.formula is not None:
        lines.append(f"  ∂C/∂{e.symbol} = {e.formula[0]}")
    top, at = _contributions(e), e.at or e.l
    if top is not None:
        lines.append(
            f"  {e.symbol} is used at {len(e.outputs)} outputs of z^({at}) (one per position): "
            f"by the chain rule, ∂C/∂{e.symbol} adds up δ^({at}) · ∂z^({at})/∂{e.symbol} over "
            "every output where it was applied, and averages that sum over the samples"
        )
    width = max(len(f.symbol) for f in e.factors)
    for i in range(min(e.m, SHOWN_SAMPLES)):
        lines.append(f"sample {i}:")
        for f in e.factors:
            lines.append(f"  {f.symbol.ljust(width)} = {matrix(f.values[i])}    ({f.formula})")
        lines.append(f"  product: ∂C_{i}/∂{e.symbol} = {number(e.per_sample[i])}")
    if e.m > SHOWN_SAMPLES:
        lines.append(f"… {e.m - SHOWN_SAMPLES} more sample(s)")
    if e.m > 1:
        lines.append(
            f"average over the mini-batch: (1/{e.m}) Σ_i ∂C_i/∂{e.symbol} = "
            f"{number(np.mean(e.per_sample))}"
        )
    w = e.symbol.split("^")[0] if e.kind == "parameter" else "w"
    if e.penalty:
        lines.append(f"penalty term l2·{w} + l1·sign({w}) = {number(e.penalty)}")
    lines.append(f"∂C/∂{e.symbol} = {number(e.value)}")
    if top is not None:
        lines += _contributions_text(e, top)
    if e.paths is None:
        lines.append(f"({e.n_paths} paths lead to the cost: too many to list)")
    elif top is not None:
        total = sum(path.value for path in e.paths)
        lines.append(f"({len(e.paths)} paths, one per output; their sum = {number(total)})")
    else:
        lines.append("")
        lines.append(f"paths from {e.symbol} to C ({len(e.paths)}), averaged over samples:")
        for path in e.paths[:20]:
            route = " → ".join((e.symbol, *path.nodes, "C"))
            lines.append(f"  {route}: {' · '.join(path.terms)} = {number(path.value)}")
        if len(e.paths) > 20:
            lines.append(f"  … {len(e.paths) - 20} more")
        total = sum(path.value for path in e.paths)
        lines.append(f"  sum of the paths = {number(total)}")
    if e.detail is not None:  # a block's stages, or the steps through time
        lines += ["", *flow.detail_text(e.detail)]
    lines += [f"note: {n}" for n in e.notes]
    return "\n".join(lines)


def _contributions_text(
    e: GradientExplanation, top: list[tuple[int, int, str, str, float]]
) -> list[str]:
    """The largest terms of the sum, which input met which δ, and what the rest adds up to."""
    terms = np.zeros(0) if e.terms is None else e.terms
    n = terms.size
    lines = ["", f"the {len(top)} largest of its {n} terms δ · ∂z/∂θ (one per sample and output):"]
    for i, _, delta, meets, term in top:
        lines.append(f"  sample {i}: {delta} · {meets} → {number(term)}")
    rest = float(terms.sum()) - sum(t[4] for t in top)
    if n > len(top):
        lines.append(f"  … and {n - len(top)} more terms, adding up to {number(rest)}")
    lines.append(
        f"  Σ_i Σ_out = {number(terms.sum())}; ÷ m = {e.m}: {number(terms.sum() / e.m)}"
        + (f"; + penalty {number(e.penalty)}" if e.penalty else "")
        + f" = ∂C/∂{e.symbol} = {number(e.value)}"
    )
    return lines


def gradient_latex(e: GradientExplanation) -> str:
    """The chain rule in LaTeX, then the numbers of the first sample and the value."""
    lhs = rf"\frac{{\partial C}}{{\partial {e.latex_symbol}}}"
    parts = [lhs + " &= " + " ".join(f.latex for f in e.factors)]
    if e.formula is not None:
        parts.append(f"&= {e.formula[1]}")
    nums = r" \cdot ".join(latex_matrix(f.values[0]) for f in e.factors)
    if e.m == 1:
        parts.append(f"&= {nums}")
    else:
        parts.append(
            rf"&= \frac{{1}}{{{e.m}}} \sum_{{i}} \frac{{\partial C_i}}"
            rf"{{\partial {e.latex_symbol}}}, \quad i = 0: {nums}"
        )
    if e.penalty:
        w = e.symbol.split("^")[0] if e.kind == "parameter" else "w"
        parts.append(
            rf"&\quad + \lambda_2 {w} + \lambda_1 \operatorname{{sign}}({w}) = {number(e.penalty)}"
        )
    parts.append(f"&= {number(e.value)}")
    if e.detail is not None:
        parts += flow.detail_latex(e.detail)
    return r"\begin{aligned}" + r" \\ ".join(parts) + r"\end{aligned}"


def gradient_html(e: GradientExplanation) -> str:
    """A table of the factors (one column per shown sample), their product, and the paths."""
    shown = min(e.m, SHOWN_SAMPLES)
    rows = []
    for f in e.factors:
        cells = "".join(f"<td>{html.escape(matrix(f.values[i]))}</td>" for i in range(shown))
        rows.append(
            f"<tr><th>{html.escape(f.symbol)}</th><td>{html.escape(f.formula)}</td>{cells}</tr>"
        )
    heads = "".join(f"<th>sample {i}</th>" for i in range(shown))
    prod = "".join(f"<td>{number(v)}</td>" for v in e.per_sample[:SHOWN_SAMPLES])
    rows.append(f"<tr><th>product</th><td>∂C_i/∂{html.escape(e.symbol)}</td>{prod}</tr>")
    paths = ""
    if e.paths is not None:
        items = "".join(
            f"<li>{html.escape(' → '.join(p.nodes))} → C: {html.escape(' · '.join(p.terms))}"
            f" = {number(p.value)}</li>"
            for p in e.paths[:50]
        )
        paths = f"<details><summary>{len(e.paths)} paths</summary><ul>{items}</ul></details>"
    top = _contributions(e)
    if top is not None and e.terms is not None:
        cells = "".join(
            f"<tr><td>{i}</td><td>{html.escape(delta)}</td><td>{html.escape(meets)}</td>"
            f"<td>{number(term)}</td></tr>"
            for i, _, delta, meets, term in top
        )
        paths = (
            f"<p>the {len(top)} largest of the {e.terms.size} terms δ · ∂z/∂θ (sample, output)"
            f"</p><table><tr><th>i</th><th>δ</th><th>∂z/∂θ</th><th>term</th></tr>{cells}</table>"
            + paths
        )
    return (
        f"<div><p><b>∂C/∂{html.escape(e.symbol)} = {number(e.value)}</b> "
        f"({html.escape(e.network)}, m = {e.m})</p>"
        f"<p>{html.escape(e.chain())}</p>"
        + (f"<p>= {html.escape(e.formula[0])}</p>" if e.formula is not None else "")
        + f"<table><tr><th>factor</th><th>formula</th>{heads}</tr>{''.join(rows)}</table>"
        f"{paths}{'' if e.detail is None else flow.detail_html(e.detail)}</div>"
    )


def gradient_dict(e: GradientExplanation) -> dict[str, Any]:
    """Everything as plain JSON-ready values (lists and floats), e.g. for the Playground."""
    d = {
        "kind": e.kind,
        "l": e.l,
        "j": e.j,
        "k": e.k,
        "symbol": e.symbol,
        "latex": gradient_latex(e),
        "chain": e.chain(),
        "value": float(e.value),
        "per_sample": [float(v) for v in e.per_sample],
        "penalty": float(e.penalty),
        "network": e.network,
        "factors": [
            {
                "symbol": f.symbol,
                "latex": f.latex,
                "formula": f.formula,
                "values": f.values.tolist(),
            }
            for f in e.factors
        ],
        "n_paths": e.n_paths,
        "paths": None
        if e.paths is None
        else [
            {
                "nodes": list(p.nodes),
                "terms": list(p.terms),
                "value": float(p.value),
                "per_sample": [float(v) for v in p.per_sample],
            }
            for p in e.paths
        ],
        "notes": list(e.notes),
    }
    if e.formula is not None:  # explain_parameter's: the parameter by name and index, the sum
        d.update(
            name=e.name,
            index=list(e.index),
            formula=dict(zip(("text", "latex"), e.formula, strict=True)),
            outputs=[list(out) for out in e.outputs],
            sources=[s if s is None or isinstance(s, str) else list(s) for s in e.sources],
            terms=None if e.terms is None else e.terms.tolist(),
        )
    if e.at:
        d.update(at=e.at, prev=e.prev)
    if e.detail is not None:
        d["detail"] = flow.detail_dict(e.detail)
    return d


# -- ∂C/∂θ of any layer type: Σ over the outputs θ enters --------------------------------------


def _symbol(name: str, l: int | str, index: tuple[int | str, ...], latex: bool = False) -> str:
    """``δ^(2)_{i,3}`` (text) or ``\\delta^{(2)}_{i,3}`` (LaTeX); one index goes without braces
    in text (``a^(1)_3``)."""
    sub = ",".join(map(str, index))
    if latex:
        return f"{name}^{{({l})}}" + (f"_{{{sub}}}" if index else "")
    return f"{name}^({l})" + (f"_{sub}" if len(index) == 1 else f"_{{{sub}}}" if index else "")


def parameter_terms(
    l: int | str,
    outs: list[tuple[int, ...]],
    sources: list[tuple[int, ...] | str | None],
    penalised: str,
    prev: int | str | None = None,
) -> tuple[list[str], str, str]:
    """The symbols of ∂C/∂θ = (1/m) Σ_i Σ_p δ^(l)_{i,out_p} · ∂z^(l)_{i,out_p}/∂θ.

    ``sources[p]`` says what ∂z_{out_p}/∂θ is: the index of an entry of a^(l−1) (named
    a^(l−1)_k), ``()`` for the constant 1 (left out), ``"0"`` for the constant 0 (padding: the
    term is 0 and left out of the sum), ``None`` for anything else (∂z/∂θ).
    Returns each path's ∂z/∂θ term, then the sum in text and in LaTeX; ``penalised`` (e.g.
    ``"g"``, or ``""``) adds the penalty's term. ``l`` may be a sub-layer's label (``"2.1"``);
    ``prev`` then names its input's (default l − 1).

    >>> parameter_terms(2, [(3,)], [(0,)], "")[1]
    '(1/m) Σ_i δ^(2)_{i,3} · a^(1)_{i,0}'
    """
    labels, texts, latexes = [], [], []
    before = int(l) - 1 if prev is None else prev
    for out, src in zip(outs, sources, strict=True):
        d_text, d_tex = _symbol("δ", l, ("i", *out)), _symbol(r"\delta", l, ("i", *out), True)
        if isinstance(src, str):  # a constant such as 0: the kernel met padding here
            labels.append(f"{src} (padding)")
            continue
        if src == ():
            labels.append("1")
            texts.append(d_text)
            latexes.append(d_tex)
            continue
        if src is None:
            labels.append(f"∂{_symbol('z', l, out)}/∂θ")
            f_text = f"∂{_symbol('z', l, ('i', *out))}/∂θ"
            f_tex = rf"\frac{{\partial {_symbol('z', l, ('i', *out), True)}}}{{\partial \theta}}"
        else:
            labels.append(_symbol("a", before, src))
            f_text, f_tex = (
                _symbol("a", before, ("i", *src)),
                _symbol("a", before, ("i", *src), True),
            )
        texts.append(f"{d_text} · {f_text}")
        latexes.append(rf"{d_tex} \, {f_tex}")
    if len(texts) > 4:
        texts = [*texts[:3], f"… ({len(texts)} terms)"]
        latexes = [*latexes[:3], rf"\dots \text{{ ({len(latexes)} terms)}}"]
    text, tex = " + ".join(texts) or "0", " + ".join(latexes) or "0"
    if len(texts) > 1:
        text, tex = f"({text})", rf"\big({tex}\big)"
    text, tex = f"(1/m) Σ_i {text}", rf"\frac{{1}}{{m}} \sum_i {tex}"
    if penalised:
        text += f" + l2·{penalised} + l1·sign({penalised})"
        tex += rf" + \lambda_2 {penalised} + \lambda_1 \operatorname{{sign}}({penalised})"
    return labels, text, tex


# -- one neuron's forward equation ---------------------------------------------------------------


def neuron_text(e: NeuronExplanation) -> str:
    """The neuron's terms w·a in a table, z, a, then its layer's matrix form with numbers."""
    l, j = e.l, e.j
    lines = [f"neuron {j} of layer {l} ({e.activation}), for one sample:"]
    lines.append(f"  a^({l})_{j} = σ(Σ_k w^({l})_{{{j},k}} a^({l - 1})_k + b^({l})_{j})")
    lines.append(
        f"  {'k':>3}  {'w^(' + str(l) + ')_{' + str(j) + ',k}':>14}  "
        f"{'a^(' + str(l - 1) + ')_k':>12}  {'product':>12}"
    )
    for k, w, a, prod in e.terms[:30]:
        lines.append(f"  {k:>3}  {number(w):>14}  {number(a):>12}  {number(prod):>12}")
    if len(e.terms) > 30:
        lines.append(f"  … {len(e.terms) - 30} more terms")
    total = number(e.weighted_sum)
    lines.append(f"  Σ_k w a = {total}")
    lines.append(f"  z^({l})_{j} = {total} + b^({l})_{j} = {total} + {number(e.b)} = {number(e.z)}")
    if not e.elementwise:
        name, formula = e.activation, f": σ(z)_j = {e.formula}" if e.formula else ""
        lines.append(
            f"  a^({l})_{j} = {name}(z^({l}))_{j} = {number(e.a)}"
            f"  ({name} uses the whole layer's z{formula})"
        )
    else:
        lines.append(f"  a^({l})_{j} = {e.activation}({number(e.z)}) = {number(e.a)}")
    lines.append(f"matrix form of layer {l}: z^({l}) = W^({l}) a^({l - 1}) + b^({l})")
    lines.append(f"  W^({l}) = {matrix(e.W)}")
    lines.append(f"  a^({l - 1}) = {vector(e.a_prev)}")
    lines.append(f"  b^({l}) = {vector(e.b_layer)}")
    lines.append(f"  z^({l}) = {vector(e.z_layer)}")
    lines.append(f"  a^({l}) = σ(z^({l})) = {vector(e.a_layer)}")
    return "\n".join(lines)


def neuron_latex(e: NeuronExplanation) -> str:
    """The neuron's equation with its numbers, in LaTeX."""
    l, j = e.l, e.j
    terms = " + ".join(f"({number(w)})({number(a)})" for _, w, a, _ in e.terms[:12])
    if len(e.terms) > 12:
        terms += r" + \dots"
    return (
        rf"a^{{({l})}}_{{{j}}} = \sigma\Big(\sum_k w^{{({l})}}_{{{j}k}} a^{{({l - 1})}}_k "
        rf"+ b^{{({l})}}_{{{j}}}\Big) = \sigma\big({terms} + ({number(e.b)})\big) "
        rf"= \sigma({number(e.z)}) = {number(e.a)}"
    )


def neuron_html(e: NeuronExplanation) -> str:
    """The neuron's equation, then a table of its terms, bias and z."""
    rows = "".join(
        f"<tr><td>{k}</td><td>{number(w)}</td><td>{number(a)}</td><td>{number(p)}</td></tr>"
        for k, w, a, p in e.terms
    )
    l, j = e.l, e.j
    return (
        f"<div><p><b>a<sup>({l})</sup><sub>{j}</sub> = {e.activation}("
        f"Σ<sub>k</sub> w a + b) = {e.activation}({number(e.z)}) = {number(e.a)}</b></p>"
        f"<table><tr><th>k</th><th>w<sup>({l})</sup><sub>{j}k</sub></th>"
        f"<th>a<sup>({l - 1})</sup><sub>k</sub></th><th>product</th></tr>{rows}"
        f"<tr><th colspan=3>b<sup>({l})</sup><sub>{j}</sub></th><td>{number(e.b)}</td></tr>"
        f"<tr><th colspan=3>z<sup>({l})</sup><sub>{j}</sub></th><td>{number(e.z)}</td></tr>"
        "</table></div>"
    )


def neuron_dict(e: NeuronExplanation) -> dict[str, Any]:
    """JSON-ready values."""
    return {
        "l": e.l,
        "j": e.j,
        "terms": [{"k": k, "w": w, "a_prev": a, "product": p} for k, w, a, p in e.terms],
        "b": e.b,
        "z": e.z,
        "activation": e.activation,
        "a": e.a,
        "W": e.W.tolist(),
        "a_prev": e.a_prev.tolist(),
        "b_layer": e.b_layer.tolist(),
        "z_layer": e.z_layer.tolist(),
        "a_layer": e.a_layer.tolist(),
    }


# -- the backprop ledger -------------------------------------------------------------------------


def ledger_text(ledger: Ledger) -> str:
    """Layer by layer from L to 1: ∂C/∂a, δ, ∂C/∂W, ∂C/∂b and what is handed back."""
    lines = [
        f"backprop ledger: {ledger.network}; m = {ledger.m} sample(s)",
        "(∂C/∂a and δ: one row per sample; ∂C/∂W and ∂C/∂b: mini-batch averages)",
    ]
    for row in ledger.layers:
        l = row.l
        rule = (
            f"∂C/∂a^({l}) ⊙ σ'(z^({l}))" if row.elementwise else f"∂C/∂a^({l}) · ∂a^({l})/∂z^({l})"
        )
        lines.append(
            f"layer {l}" + (" (output)" if l == ledger.L else "") + f", σ = {row.activation}"
        )
        if l == ledger.L:
            lines.append(f"  ∂C/∂a^({l}) = ∂C_i/∂a^(L) from the cost = {matrix(row.dC_da)}")
        else:
            lines.append(
                f"  ∂C/∂a^({l}) = δ^({l + 1}) W^({l + 1})  (reuses δ^({l + 1}))  = "
                + matrix(row.dC_da)
            )
        lines.append(f"  δ^({l}) = {rule} = {matrix(row.delta)}")
        lines.append(
            f"  ∂C/∂W^({l}) = (1/m) Σ_i δ^({l})_i ⊗ a^({l - 1})_i"
            + (" + penalty" if np.any(row.penalty) else "")
            + f" = {matrix(row.dW)}"
        )
        lines.append(f"  ∂C/∂b^({l}) = (1/m) Σ_i δ^({l})_i = {vector(row.db)}")
        if l > 1:
            handed = f"δ^({l}) W^({l})  → passed to layer {l - 1}"
        else:
            handed = "δ^(1) W^(1)  (the input's, not a parameter)"
        lines.append(f"  ∂C/∂a^({l - 1}) = {handed} = {matrix(row.dC_da_prev)}")
    return "\n".join(lines)


def ledger_html(ledger: Ledger) -> str:
    """One heading per layer with tables of ∂C/∂a, δ, ∂C/∂W and ∂C/∂b."""
    parts = [f"<div><p><b>backprop ledger</b>: {html.escape(ledger.network)}, m = {ledger.m}</p>"]
    for row in ledger.layers:
        l = row.l
        src = (
            "from the cost"
            if l == ledger.L
            else f"= δ<sup>({l + 1})</sup> W<sup>({l + 1})</sup> (reused)"
        )
        parts.append(f"<h4>layer {l}</h4>")
        parts.append(f"<p>∂C/∂a<sup>({l})</sup> {src}</p>" + html_matrix(row.dC_da, "i="))
        parts.append(f"<p>δ<sup>({l})</sup> = ∂C/∂a ⊙ σ'(z)</p>" + html_matrix(row.delta, "i="))
        parts.append(f"<p>∂C/∂W<sup>({l})</sup></p>" + html_matrix(row.dW, "j=", "k="))
        parts.append(f"<p>∂C/∂b<sup>({l})</sup></p>" + html_matrix(row.db[:, None], "j="))
    return "".join(parts) + "</div>"


def ledger_dict(ledger: Ledger) -> dict[str, Any]:
    """JSON-ready values, layer L first."""
    return {
        "network": ledger.network,
        "m": ledger.m,
        "layers": [
            {
                "l": r.l,
                "activation": r.activation,
                "dC_da": r.dC_da.tolist(),
                "delta": r.delta.tolist(),
                "dW": r.dW.tolist(),
                "db": r.db.tolist(),
                "dC_da_prev": r.dC_da_prev.tolist(),
            }
            for r in ledger.layers
        ],
    }
