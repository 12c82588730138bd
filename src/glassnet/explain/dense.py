"""The chain rule through a network of Dense layers: every factor and every path by name.

:func:`explain_weight`, :func:`explain_bias` and :func:`explain_activation` multiply through
the weight matrices of the later layers, :func:`explain_neuron` writes one neuron's forward
equation, and :func:`backprop_ledger` the backward pass layer by layer. On a network with other
layer types, :func:`explain_weight` and :func:`explain_bias` hand over to
:func:`~glassnet.explain.parameters.explain_parameter`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np

from ..layers import Dense
from ..network import ByLayer, Gradients
from ..render import explanations as views
from ..render import number
from .base import (
    MAX_PATHS,
    Array,
    Factor,
    GradientExplanation,
    Path,
    Rendered,
    describe_network,
    layer_number,
    make_factor,
    neuron_number,
    symbol_pair,
)
from .parameters import explain_parameter, through_own_delta

if TYPE_CHECKING:
    from ..activations import Activation
    from ..costs import Cost
    from ..network import Network

__all__ = [
    "Ledger",
    "LedgerLayer",
    "NeuronExplanation",
    "backprop_ledger",
    "explain_activation",
    "explain_bias",
    "explain_neuron",
    "explain_weight",
]


@dataclass
class _Pass:
    """One float64 forward pass and ∂C_i/∂a^(L), the cache the explanations consume."""

    W: list[Array]  # W[l] for l = 1..L (W[0] unused)
    b: list[Array]
    acts: list[Activation]  # acts[l] is σ_l (acts[0] unused)
    a: list[Array]  # a^(0..L), (m, n_l)
    z: list[Array]  # z^(0..L), z[0] unused
    y: Array
    dC_da_L: Array  # ∂C_i/∂a^(L), (m, n_L)
    cost: Cost

    def jacobian(self, l: int) -> Array:
        """∂a^(l)/∂z^(l) for each sample: (m, n_l, n_l), diagonal unless σ_l is softmax-like."""
        return np.asarray(self.acts[l].jacobian(self.z[l], self.a[l]), dtype=np.float64)

    def elementwise(self, l: int) -> bool:
        return self.acts[l].elementwise


def _forward(net: Network, X: Any, Y: Any) -> _Pass:
    """z^(l) = a^(l−1) W^(l)ᵀ + b^(l), a^(l) = σ_l(z^(l)), in float64, plus ∂C_i/∂a^(L)."""
    net.dense_layers("explaining")  # the paths below run through weight matrices
    x, y, _ = net.check_data(X, Y)  # as training sees them, in the network's dtype
    net64 = net.astype("float64")  # explanations are exact: float64 whatever the network's dtype
    W: list[Array] = [np.empty((0, 0)), *net64.W]
    b: list[Array] = [np.empty(0), *net64.b]
    acts: list[Any] = [None] + [layer.activation for layer in net.layers]
    # the network's own forward pass: z^(l) = a^(l−1) W^(l)ᵀ + b^(l), a^(l) = σ_l(z^(l))
    a_by_layer, z_by_layer = net64.forward_pass(x)
    a, z = list(a_by_layer), [a_by_layer[0], *z_by_layer]  # z[0] unused, so that z[l] is z^(l)
    y = np.asarray(y, dtype=np.float64)
    dC_da = np.asarray(net.cost_function.derivative(a[-1], y), dtype=np.float64)
    # cross-entropy's ∂C/∂a_r = −y_r/a_r is 0/0 where a softmax output underflowed to 0 and
    # y_r = 0; that term is 0 (y_r = 0 multiplies it), so write 0 rather than NaN
    dC_da = np.where((y == 0) & ~np.isfinite(dC_da), 0.0, dC_da)
    return _Pass(W, b, acts, a, z, y, dC_da, net.cost_function)


def _sigma_formula(act: Activation, l: int) -> str:
    """How ∂a^(l)/∂z^(l) is computed, in the activation's own words (its derivative_formula)."""
    formula = act.derivative_formula
    if not act.elementwise:
        return f"{act.name} Jacobian" + (f" {formula}" if formula else "")
    return f"σ'(z^({l})) = {formula or f'{act.name}′(z)'}"


def _chain(p: _Pass, kind: str, l: int, j: int, k: int) -> list[Factor]:
    """The chain-rule factors for ∂C_i/∂(parameter), from the cost back, for every sample.

    ``kind`` is "weight" (w^(l)_jk), "bias" (b^(l)_j) or "activation" (a^(l)_k). When layer l is
    elementwise, only neuron j (or k) of layer l matters, so the factors at layer l are numbers;
    a softmax layer l keeps the whole column ∂a^(l)/∂z^(l)_j.
    """
    L, m = len(p.W) - 1, p.a[0].shape[0]
    # the one neuron of a^(l) the chain ends in, when there is one
    fixed = k if kind == "activation" else (j if p.elementwise(l) else None)
    cost_formula = p.cost.derivative_formula or f"∂C_i/∂a^({L}) of the cost {p.cost.name}"
    if l == L and fixed is not None:
        first = make_factor(
            symbol_pair("C"),
            symbol_pair("a", L, fixed),
            cost_formula,
            p.dC_da_L[:, fixed, None, None],
        )
    else:
        first = make_factor(
            symbol_pair("C"), symbol_pair("a", L), cost_formula, p.dC_da_L[:, None, :]
        )
    factors = [first]
    for q in range(L, l, -1):
        factors.append(
            make_factor(
                symbol_pair("a", q),
                symbol_pair("z", q),
                _sigma_formula(p.acts[q], q),
                p.jacobian(q),
            )
        )
        if q - 1 == l and fixed is not None:  # only neuron `fixed` of a^(l): a column of W^(q)
            col = p.W[q][:, fixed : fixed + 1]
            formula = f"column {fixed} of W^({q}): w^({q})_{{j,{fixed}}}"
            values = np.broadcast_to(col, (m, *col.shape))
            factors.append(
                make_factor(symbol_pair("z", q), symbol_pair("a", l, fixed), formula, values)
            )
        else:
            values = np.broadcast_to(p.W[q], (m, *p.W[q].shape))
            factors.append(
                make_factor(symbol_pair("z", q), symbol_pair("a", q - 1), f"W^({q})", values)
            )
    if kind == "activation":
        return factors
    J, sigma = p.jacobian(l), _sigma_formula(p.acts[l], l)
    if fixed is not None:
        formula, values = sigma + f" at z^({l})_{j}", J[:, j, j, None, None]
        factors.append(make_factor(symbol_pair("a", l, j), symbol_pair("z", l, j), formula, values))
    else:
        formula, values = sigma + f", column {j}", J[:, :, j : j + 1].copy()
        factors.append(make_factor(symbol_pair("a", l), symbol_pair("z", l, j), formula, values))
    if kind == "weight":
        values = p.a[l - 1][:, k, None, None]
        factors.append(
            make_factor(
                symbol_pair("z", l, j), symbol_pair("w", l, j, k), f"a^({l - 1})_{k}", values
            )
        )
    else:
        factors.append(
            make_factor(symbol_pair("z", l, j), symbol_pair("b", l, j), "1", np.ones((m, 1, 1)))
        )
    return factors


def _count_paths(p: _Pass, kind: str, l: int) -> int:
    """How many paths lead from the parameter to the cost."""
    L = len(p.W) - 1
    count = 1
    if kind != "activation" and not p.elementwise(l):
        count *= p.a[l].shape[1]
    for q in range(l + 1, L + 1):
        n = p.a[q].shape[1]
        count *= n * (1 if p.elementwise(q) else n)
    return count


def _paths(p: _Pass, kind: str, l: int, j: int, k: int) -> list[Path]:
    """Every path from the parameter to C: depth-first, carrying the running product.

    A path enters layer q at z^(q)_s (term w^(q)_{s,r}, r its neuron in layer q−1), leaves it at
    a^(q)_t (term ∂a^(q)_t/∂z^(q)_s: σ'(z_s) with t = s for an elementwise σ, a Jacobian entry
    for softmax) and ends with ∂C/∂a^(L)_t.
    """
    L, m = len(p.W) - 1, p.a[0].shape[0]
    jac = {q: p.jacobian(q) for q in range(max(l, 1), L + 1)}
    out: list[Path] = []

    def leave(q: int, s: int) -> Iterator[tuple[int, str, str, Array]]:
        """(t, node, term, value) for each way to go from z^(q)_s to a^(q)_t."""
        targets = [s] if p.elementwise(q) else range(p.a[q].shape[1])
        for t in targets:
            term = f"σ'(z^({q})_{s})" if p.elementwise(q) else f"∂a^({q})_{t}/∂z^({q})_{s}"
            yield t, f"a^({q})_{t}", term, jac[q][:, t, s]

    def onward(q: int, r: int, nodes: list[str], terms: list[str], prod: Array) -> None:
        """Continue from a^(q)_r towards the cost."""
        if q == L:
            value = prod * p.dC_da_L[:, r]
            out.append(
                Path(
                    tuple(nodes),
                    (*terms, f"∂C/∂a^({L})_{r}"),
                    value,
                    float(np.mean(value)),
                )
            )
            return
        nq = q + 1
        for s in range(p.a[nq].shape[1]):
            w = p.W[nq][s, r]
            for t, node, term, v in leave(nq, s):
                onward(
                    nq,
                    t,
                    [*nodes, f"z^({nq})_{s}", node],
                    [*terms, f"w^({nq})_{{{s},{r}}}", term],
                    prod * w * v,
                )

    if kind == "activation":
        onward(l, k, [f"a^({l})_{k}"], [], np.ones(m))
        return out
    start = p.a[l - 1][:, k] if kind == "weight" else np.ones(m)
    first = f"a^({l - 1})_{k}" if kind == "weight" else "1"
    for t, node, term, v in leave(l, j):
        onward(l, t, [f"z^({l})_{j}", node], [first, term], start * v)
    return out


def _explain(
    net: Network, X: Any, Y: Any, kind: str, l: int, j: int, k: int, max_paths: int
) -> GradientExplanation:
    p = _forward(net, X, Y)
    factors = _chain(p, kind, l, j, k)
    # multiply the factors of each sample from left to right: (1×n_L)(n_L×n_L)…(1×1) → 1×1
    product = reduce(np.matmul, (f.values for f in factors))
    per_sample = product.reshape(-1)
    penalty = 0.0
    notes: list[str] = []
    if kind == "weight":
        l2, l1 = net.l2, net.l1
        w = float(p.W[l][j, k])
        penalty = l2 * w + l1 * float(np.sign(w))  # ∂/∂w of (l2/2) w² + l1 |w|
    value = float(np.mean(per_sample)) + penalty
    n_paths = _count_paths(p, kind, l)
    paths: list[Path] | None = None
    if n_paths <= max_paths:
        paths = _paths(p, kind, l, j, k)
        if penalty:
            paths.append(
                Path(
                    ("penalty",), ("l2·w + l1·sign(w)",), np.full(p.a[0].shape[0], penalty), penalty
                )
            )
    if not p.elementwise(net.L):
        notes.append(
            f"{net.layers[-1].activation.name} is not elementwise: ∂a^({net.L})/∂z^({net.L}) is "
            "its full Jacobian, so the paths go through every pair (z_q, a_r) of the output"
            + (
                f"; with {net.cost_function.name}, ∂C/∂a · ∂a/∂z multiplies out to "
                f"{net.cost_function.fused_delta_formula}"
                if net.cost_function.fused_delta_formula
                else ""
            )
        )
    index = {"weight": (j, k), "bias": (j,), "activation": (k,)}[kind]
    symbol, tex = symbol_pair({"weight": "w", "bias": "b", "activation": "a"}[kind], l, *index)
    rest = (factors, paths, n_paths, describe_network(net), notes)
    return GradientExplanation(kind, l, j, k, symbol, tex, value, per_sample, penalty, *rest)


def explain_weight(
    net: Network,
    X: Any,
    Y: Any,
    l: int,
    j: int,
    k: int,
    *more: int,
    max_paths: int = MAX_PATHS,
    name: str = "W",
) -> GradientExplanation:
    """Why ∂C/∂w^(l)_jk has its value: the chain rule, factor by factor, path by path.

    A convolution's kernel weight w^(l)_{o,i,p,q} takes four numbers,
    ``explain_weight(net, X, Y, l, o, i, p, q)``: the weight met the input pixel
    a^(l−1)_{i, y·s+p, x·s+q} at every output position (y, x), so its explanation is
    :func:`explain_parameter`'s, the chain rule summed over those positions.

    Args:
        net: the network.
        X, Y: a mini-batch (rows are samples; one sample may be a 1-D x with its y).
        l: the layer, 1..L (negative counts from L).
        j: the neuron of layer l the weight goes *to*; k: the neuron of layer l−1 it comes *from*.
        more: the rest of the index of a weight with more than two (a kernel's p, q).
        max_paths: list the paths only when there are at most this many.
        name: the weight's name in layer l, for layers with other weights than ``W``: an
            RNN's ``"W_ih"`` or ``"W_hh"`` (one term per time step), a Residual block's
            ``"W1"``, ``"Wp"`` (through the block's later layers; both paths at its input).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0]]), np.array([[1.0]])
        >>> e = explain_weight(net, X, Y, 1, 2, 0)
        >>> print(e.chain().split(" = ")[1].replace(" · ", ", "))
        ∂C/∂a^(2), ∂a^(2)/∂z^(2), ∂z^(2)/∂a^(1)_2, ∂a^(1)_2/∂z^(1)_2, ∂z^(1)_2/∂w^(1)_{2,0}
        >>> bool(np.isclose(e.value, net.gradients(X, Y).W[1][2, 0]))
        True
    """
    l = layer_number(net, l)
    layer = net.layers[l - 1]
    if name not in layer.parameter_names:
        have = ", ".join(layer.penalised or layer.parameter_names) or "none"
        raise ValueError(
            f"layer {l} ({type(layer).__name__}) has no parameter {name!r}; its weights are "
            f"{have}: name one, e.g. explain_weight(net, X, Y, {l}, j, k, "
            f"name={(layer.penalised or layer.parameter_names or ('W',))[0]!r})"
        )
    if more or name != "W" or not all(isinstance(layer, Dense) for layer in net.layers):
        e = explain_parameter(net, X, Y, l, name, (j, k, *more), max_paths)
        return through_own_delta(e)
    j = neuron_number(net, l, j, "j")
    k = neuron_number(net, l - 1, k, "k")
    return _explain(net, X, Y, "weight", l, j, k, max_paths)


def explain_bias(
    net: Network, X: Any, Y: Any, l: int, j: int, max_paths: int = MAX_PATHS
) -> GradientExplanation:
    """Why ∂C/∂b^(l)_j has its value: the weight's chain with ∂z^(l)_j/∂b^(l)_j = 1 at the end.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
        >>> e = explain_bias(net, np.array([[1.0, 0.0]]), np.array([[0.0]]), -1, 0)
        >>> e.symbol, len(e.factors)
        ('b^(2)_0', 3)
    """
    l = layer_number(net, l)
    if not all(isinstance(layer, Dense) for layer in net.layers):
        return through_own_delta(explain_parameter(net, X, Y, l, "b", (j,), max_paths))
    j = neuron_number(net, l, j, "j")
    return _explain(net, X, Y, "bias", l, j, 0, max_paths)


def explain_activation(
    net: Network, X: Any, Y: Any, l: int, k: int, max_paths: int = MAX_PATHS
) -> GradientExplanation:
    """Why ∂C/∂a^(l)_k has its value (l = 0..L; 0 is the input, negative counts from L).

    ``e.per_sample[i]`` is ∂C_i/∂a^(l)_k (``net.trace(X, Y).dC_da[l][i, k]``); ``e.value`` is
    their average.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[1.0, 0.0]]), np.array([[0.0]])
        >>> e = explain_activation(net, X, Y, 1, 1)
        >>> bool(np.isclose(e.value, net.trace(X, Y).dC_da[1][0, 1]))
        True
    """
    l = layer_number(net, l, allow_input=True)
    k = neuron_number(net, l, k, "k")
    return _explain(net, X, Y, "activation", l, 0, k, max_paths)


# -- one neuron's forward equation ---------------------------------------------------------------


@dataclass(repr=False)
class NeuronExplanation(Rendered):
    """The forward equation of neuron j of layer l for one sample, with every term's value.

    a^(l)_j = σ(Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j).

    Attributes:
        l, j: the neuron.
        terms: ``(k, w^(l)_jk, a^(l−1)_k, product)`` for each k.
        b, z, a: b^(l)_j, z^(l)_j and a^(l)_j.
        activation: the name of σ_l.
        W, a_prev, b_layer, z_layer, a_layer: the layer's matrix form z^(l) = W^(l) a^(l−1) + b^(l),
            a^(l) = σ(z^(l)), with numbers.
        elementwise: whether σ_l acts on each neuron alone (False for softmax).
        formula: σ_l(z) as its activation writes it, e.g. ``"e^(z_j) / Σ_k e^(z_k)"`` (or None).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> e = gn.explain_neuron(net, [1.0, 2.0], 1, 0)
        >>> e
        NeuronExplanation(a^(1)_0 = 0.329891)
        >>> [(k, round(w, 4), a, round(product, 4)) for k, w, a, product in e.terms]
        [(0, 0.3001, 1.0, 0.3001), (1, -0.5044, 2.0, -1.0087)]
        >>> round(e.weighted_sum + e.b, 6) == round(e.z, 6), e.activation, e.formula
        (True, 'sigmoid', '1 / (1 + e^(−z))')
        >>> print(str(e).splitlines()[1])
          a^(1)_0 = σ(Σ_k w^(1)_{0,k} a^(0)_k + b^(1)_0)
    """

    l: int
    j: int
    terms: list[tuple[int, float, float, float]]
    b: float
    z: float
    activation: str
    a: float
    W: Array
    a_prev: Array
    b_layer: Array
    z_layer: Array
    a_layer: Array
    elementwise: bool = True
    formula: str | None = None

    @property
    def weighted_sum(self) -> float:
        """Σ_k w^(l)_jk a^(l−1)_k, before the bias."""
        return float(sum(t[3] for t in self.terms))

    def __str__(self) -> str:
        return views.neuron_text(self)

    def __repr__(self) -> str:
        return f"NeuronExplanation(a^({self.l})_{self.j} = {number(self.a)})"

    def latex(self) -> str:
        """The neuron's equation with its numbers, in LaTeX."""
        return views.neuron_latex(self)

    def _repr_html_(self) -> str:
        return views.neuron_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return views.neuron_dict(self)


def explain_neuron(net: Network, x: Any, l: int, j: int) -> NeuronExplanation:
    """The forward equation of neuron j of layer l for one sample x, with every term's value.

    Args:
        net: the network.
        x: one sample: a 1-D array of length n_0 (or a single row).
        l: the layer, 1..L (negative counts from L).
        j: the neuron of layer l.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 1], seed=0, dtype="float64")
        >>> net.W[1] = [[0.5, -1.0]]; net.b[1] = [0.25]
        >>> e = explain_neuron(net, [1.0, 2.0], 1, 0)
        >>> e.terms
        [(0, 0.5, 1.0, 0.5), (1, -1.0, 2.0, -2.0)]
        >>> e.z
        -1.25
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(
            f"explain_neuron takes one sample: a 1-D x of length n_0 = {net.sizes[0]}, got shape "
            f"{arr.shape}; pick a row, e.g. X[0]"
        )
    l = layer_number(net, l)
    j = neuron_number(net, l, j, "j")
    # the forward equation needs no targets: zeros stand in for y
    p = _forward(net, arr[None, :], np.zeros((1, net.sizes[-1])))
    a_prev, w = p.a[l - 1][0], p.W[l][j]
    terms = [(k, float(w[k]), float(a_prev[k]), float(w[k] * a_prev[k])) for k in range(len(w))]
    return NeuronExplanation(
        l=l,
        j=j,
        terms=terms,
        b=float(p.b[l][j]),
        z=float(p.z[l][0, j]),
        activation=p.acts[l].name,
        a=float(p.a[l][0, j]),
        W=p.W[l].copy(),
        a_prev=a_prev.copy(),
        b_layer=p.b[l].copy(),
        z_layer=p.z[l][0].copy(),
        a_layer=p.a[l][0].copy(),
        elementwise=p.acts[l].elementwise,
        formula=p.acts[l].formula,
    )


# -- the backprop ledger -------------------------------------------------------------------------


@dataclass(repr=False)
class LedgerLayer:
    """One layer's line of the ledger: its three partial derivatives and the δ it passes back.

    Attributes:
        l: the layer.
        dC_da: ∂C_i/∂a^(l) per sample, (m, n_l): from the cost for l = L, else δ^(l+1) W^(l+1).
        sigma_prime: σ'(z^(l)) per sample (NaN for a softmax layer, which uses its Jacobian).
        delta: δ^(l) = ∂C_i/∂z^(l) per sample, (m, n_l).
        dW: ∂C/∂W^(l) = (1/m) Σ_i δ^(l)_i ⊗ a^(l−1)_i (+ penalty), (n_l, n_{l−1}).
        db: ∂C/∂b^(l) = (1/m) Σ_i δ^(l)_i, (n_l,).
        dC_da_prev: ∂C_i/∂a^(l−1) = δ^(l) W^(l) per sample: what layer l−1 reuses.
        penalty: the penalty term added to dW (zeros when there is none).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> ledger = gn.backprop_ledger(net, X, Y)
        >>> out, hidden = ledger[2], ledger[1]  # layer L = 2 and layer 1
        >>> out.activation, out.delta.shape, out.dC_da_prev.shape
        ('sigmoid', (2, 1), (2, 3))
        >>> bool(np.allclose(out.delta, out.dC_da * out.sigma_prime))  # δ = ∂C/∂a ⊙ σ'(z)
        True
        >>> bool(np.allclose(hidden.dC_da, out.dC_da_prev))  # layer 1 reuses δ^(2) W^(2)
        True
    """

    l: int
    activation: str
    dC_da: Array
    sigma_prime: Array
    delta: Array
    dW: Array
    db: Array
    dC_da_prev: Array
    penalty: Array

    @property
    def elementwise(self) -> bool:
        """False for a softmax layer, whose δ uses the full Jacobian ∂a/∂z."""
        return not bool(np.isnan(self.sigma_prime).any())


@dataclass(repr=False)
class Ledger:
    """The backward pass, layer by layer from L to 1 (see :func:`backprop_ledger`).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> ledger = gn.backprop_ledger(net, X, Y)
        >>> ledger, [row.l for row in ledger.layers]  # layer L first
        (Ledger(L=2, m=2), [2, 1])
        >>> bool(np.allclose(ledger.gradients.W[2], net.gradients(X, Y).W[2]))
        True
        >>> print(str(ledger).splitlines()[3])
          ∂C/∂a^(2) = ∂C_i/∂a^(L) from the cost = [[-0.361697]; [0.591867]]
    """

    layers: list[LedgerLayer]  # layers[0] is layer L, the last one is layer 1
    L: int
    m: int
    network: str

    def __getitem__(self, l: int) -> LedgerLayer:
        """The ledger line of layer l (1..L)."""
        for row in self.layers:
            if row.l == l or row.l == l + self.L + 1:
                return row
        raise IndexError(f"the ledger has layers 1..{self.L}, not {l}")

    @property
    def gradients(self) -> Gradients:
        """∂C/∂W^(l) and ∂C/∂b^(l) from the ledger, as :class:`~glassnet.Gradients`."""
        rows = sorted(self.layers, key=lambda r: r.l)
        return Gradients(
            ByLayer([r.dW for r in rows], 1, "∂C/∂W"), ByLayer([r.db for r in rows], 1, "∂C/∂b")
        )

    def __str__(self) -> str:
        return views.ledger_text(self)

    def __repr__(self) -> str:
        return f"Ledger(L={self.L}, m={self.m})"

    def _repr_html_(self) -> str:
        return views.ledger_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, layer L first."""
        return views.ledger_dict(self)


def backprop_ledger(net: Network, X: Any, Y: Any) -> Ledger:
    """The backward pass written out: for each layer from L to 1, its three partial derivatives.

    Each layer gets ∂C/∂a^(l) (for l < L that is δ^(l+1) W^(l+1): the reuse that makes backprop
    fast), δ^(l), ∂C/∂W^(l), ∂C/∂b^(l), and the ∂C/∂a^(l−1) it hands to the layer before.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> ledger = backprop_ledger(net, X, Y)
        >>> bool(np.allclose(ledger[1].dW, net.gradients(X, Y).W[1]))
        True
    """
    p = _forward(net, X, Y)
    L, m = net.L, p.a[0].shape[0]
    l2, l1 = net.l2, net.l1
    rows: list[LedgerLayer] = []
    dC_da = p.dC_da_L  # ∂C_i/∂a^(L), from the cost
    for l in range(L, 0, -1):
        act = p.acts[l]
        if p.elementwise(l):
            sp = np.asarray(act.prime(p.z[l], p.a[l]), dtype=np.float64)
            delta = dC_da * sp  # δ^(l) = ∂C/∂a^(l) ⊙ σ'(z^(l))
        else:
            sp = np.full_like(p.z[l], np.nan)
            delta = np.einsum("mr,mrq->mq", dC_da, p.jacobian(l))  # δ_q = Σ_r ∂C/∂a_r ∂a_r/∂z_q
        penalty = l2 * p.W[l] + l1 * np.sign(p.W[l])
        dW = delta.T @ p.a[l - 1] / m + penalty  # (1/m) Σ_i δ_i ⊗ a^(l−1)_i
        db = delta.mean(axis=0)  # (1/m) Σ_i δ_i
        dC_da_prev = delta @ p.W[l]  # ∂C/∂a^(l−1) = δ^(l) W^(l)
        rows.append(LedgerLayer(l, act.name, dC_da, sp, delta, dW, db, dC_da_prev, penalty))
        dC_da = dC_da_prev  # reused by layer l−1
    return Ledger(rows, L, m, describe_network(net))
