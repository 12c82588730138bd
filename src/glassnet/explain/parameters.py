"""∂C/∂θ for one number θ of any layer type's parameters, through the layer contract.

θ enters the outputs z^(l)_out that ``layer.parameter_paths`` names — one for a Dense weight,
one per position for a convolution's kernel weight — and δ^(l) comes from the network's own
backpropagation, so that ∂C/∂θ is the chain rule summed over every output θ touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..layers import Layer
from ..layers.recurrent import RNN
from ..layers.residual import Residual
from ..render import explanations as views
from .base import (
    MAX_PATHS,
    GradientExplanation,
    Path,
    describe_network,
    entry_sources,
    layer_number,
    make_factor,
    symbol_pair,
)
from .recurrent import explain_recurrent_parameter
from .residual import explain_block_parameter

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["explain_parameter"]

# -- any parameter of any layer type: through the layer contract ----------------------------------


def _parameter(layer: Layer, l: int, name: Any, index: Any) -> tuple[str, tuple[int, ...]]:
    """Check that ``name[index]`` is one number of one of layer l's parameters."""
    names = layer.parameter_names
    if not isinstance(name, str) or name not in names:
        have = f"its parameters are {', '.join(names)}" if names else "it has no parameters"
        raise ValueError(f"layer {l} ({type(layer).__name__}) has no parameter {name!r}; {have}")
    shape = layer.parameters()[name].shape
    idx = tuple(index) if isinstance(index, (tuple, list)) else (index,)
    if len(idx) != len(shape) or not all(
        isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < n
        for i, n in zip(idx, shape, strict=False)
    ):
        raise ValueError(
            f"index {index!r} is not an entry of {name}^({l}), whose shape is {shape}: give "
            f"{len(shape)} int(s), each 0 <= i < its dimension, e.g. {(0,) * len(shape)}"
        )
    return name, tuple(int(i) for i in idx)


def explain_parameter(
    net: Network, X: Any, Y: Any, l: int, name: str, index: Any, max_paths: int = MAX_PATHS
) -> GradientExplanation:
    """Why ∂C/∂θ has its value for θ = ``name[index]`` of layer l, whatever the layer type.

    The chain rule through the layer contract: θ enters the outputs z^(l)_out that
    ``layer.parameter_paths`` names (one for a Dense weight, one per position for a
    convolution's kernel weight), each with ∂z^(l)_out/∂θ, and δ^(l) = ∂C_i/∂z^(l) comes from
    the network's own backpropagation (``net.trace(X, Y).delta[l]``)::

        ∂C/∂θ = (1/m) Σ_i Σ_out δ^(l)_{i,out} · ∂z^(l)_{i,out}/∂θ   (+ l2·θ + l1·sign(θ))

    (the penalty's term for a parameter in ``layer.penalised``). ``value`` equals
    ``net.gradients(X, Y)[l][name][index]``; the factors are the row of δ's
    and the column of ∂z/∂θ's, one entry per output; each output is one path.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> e = explain_parameter(net, X, Y, 1, "W", (2, 0))
        >>> e.formula[0]
        '(1/m) Σ_i δ^(1)_{i,2} · a^(0)_{i,0}'
        >>> bool(np.isclose(e.value, net.gradients(X, Y)[1]["W"][2, 0]))
        True
    """
    l = layer_number(net, l)
    name, index = _parameter(net.layers[l - 1], l, name, index)
    if isinstance(net.layers[l - 1], Residual):  # through the block's later sub-layers
        return explain_block_parameter(net, X, Y, l, name, index, max_paths)
    if isinstance(net.layers[l - 1], RNN):  # one term per time step
        return explain_recurrent_parameter(net, X, Y, l, name, index, max_paths)
    x, y, _ = net.check_data(X, Y)
    net64 = net.astype("float64")  # exact: float64 whatever the network's dtype
    layer, t = net64.layers[l - 1], net64.trace(x, y)
    a_prev, delta, m = t.a[l - 1], t.delta[l], x.shape[0]
    paths = layer.parameter_paths(name, index, a_prev)
    outs = [tuple(int(o) for o in out) for out, _ in paths]
    d, dz = np.zeros((m, len(paths))), np.zeros((m, len(paths)))
    for p, (out, factor) in enumerate(zip(outs, (f for _, f in paths), strict=True)):
        key: tuple[Any, ...] = (slice(None), *out)
        d[:, p], dz[:, p] = delta[key], factor  # δ_{i,out}, ∂z_{i,out}/∂θ
    terms = d * dz  # δ_{i,out} ∂z_{i,out}/∂θ: one term per sample and output (position)
    per_sample = terms.sum(axis=1)  # Σ_out δ_{i,out} ∂z_{i,out}/∂θ
    theta = float(layer.parameters()[name][index])
    penalised = name in layer.penalised and bool(net.l2 or net.l1)
    penalty = net.l2 * theta + net.l1 * float(np.sign(theta)) if penalised else 0.0
    letter = name.lower() if len(name) == 1 else name  # W^(l) is a matrix, w^(l)_jk one number
    symbol, tex = symbol_pair(letter, l, *index)
    sources = entry_sources(layer, name, index, a_prev, dz)
    labels, text, latex = views.parameter_terms(l, outs, sources, letter * penalised)
    z_out = symbol_pair("z", l, *outs[0]) if len(outs) == 1 else symbol_pair("z", l)
    one = len(outs) == 1
    where = (
        symbol_pair("δ", l, *outs[0])[0] if one else f"δ^({l}) at {len(outs)} outputs"
    ) + ", by backprop"
    factors = [make_factor(symbol_pair("C"), z_out, where, d[:, None, :])]
    shown = labels if len(labels) <= 4 else [*labels[:3], f"… ({len(labels)} in all)"]
    factors.append(make_factor(z_out, (symbol, tex), ", ".join(shown), dz[:, :, None]))
    found: list[Path] | None = None
    if len(paths) <= max_paths:  # one path per output: θ → z^(l)_out → C
        found = [
            Path(
                (symbol_pair("z", l, *out)[0],),
                (labels[p], symbol_pair("δ", l, *out)[0]),
                terms[:, p],
                v,
            )
            for p, (out, v) in enumerate(zip(outs, terms.mean(axis=0).tolist(), strict=True))
        ]
        if penalty:
            term = f"l2·{letter} + l1·sign({letter})"
            found.append(Path(("penalty",), (term,), np.full(m, penalty), penalty))
    (j, k), value = (*index, 0, 0)[:2], float(np.mean(per_sample)) + penalty
    return GradientExplanation(
        "parameter", l, j, k, symbol, tex, value, per_sample, penalty, factors, found,
        len(paths), describe_network(net), [], name, index, (text, latex), outs, sources, terms,
    )  # fmt: skip


def through_own_delta(e: GradientExplanation) -> GradientExplanation:
    """explain_weight/bias on a network with other layer types: the note that says why."""
    e.notes.append(
        "this network has layers other than Dense, so the paths through every later weight "
        f"are not listed: δ^({e.l}) is the network's own backpropagation (explain_parameter)"
    )
    return e
