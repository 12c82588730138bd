"""What every explanation shares: layer and neuron numbers checked, the symbols of the tutorial,
and the data an explanation of ∂C/∂(a number) is — its chain-rule factors and its paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..render import explanations as views
from ..render import matrix, number

if TYPE_CHECKING:
    from ..layers import Layer
    from ..network import Network

Array = NDArray[np.floating[Any]]

__all__ = ["MAX_PATHS", "Factor", "GradientExplanation", "Path"]

#: the most paths an explanation lists; above this ``e.paths`` is None (the factors still work)
MAX_PATHS = 10_000

# -- small helpers -----------------------------------------------------------------------------


def layer_number(net: Network, l: int, allow_input: bool = False) -> int:
    """The tutorial's layer number (1..L, or 0..L for activations); negatives count from L."""
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)):
        raise ValueError(f"the layer number l must be an int, got {l!r}")
    first = 0 if allow_input else 1
    ll = int(l) + net.L + 1 if l < 0 else int(l)
    if not first <= ll <= net.L:
        why = " (layer 0 is the input: it has no weights or biases)" if ll == 0 else ""
        raise ValueError(
            f"layer l = {l} does not exist{why}; this network has layers "
            f"{first}..{net.L} (negative numbers count from L = {net.L})"
        )
    return ll


def neuron_number(net: Network, l: int, j: int, name: str) -> int:
    n = net.sizes[l]
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < n:
        raise ValueError(
            f"{name} = {j!r} is not a neuron of layer {l}: layer {l} has n_{l} = {n} neurons, "
            f"numbered 0..{n - 1}"
        )
    return int(j)


# -- the chain rule, factor by factor ----------------------------------------------------------


class Rendered:
    """What every explanation shares: a notebook shows :meth:`latex` as maths, and
    :meth:`to_json` is :meth:`to_dict` as a JSON string. A subclass writes ``latex`` and
    ``to_dict`` (from :mod:`glassnet.render`), nothing else."""

    def latex(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(repr=False)
class Factor:
    """One factor of the chain rule, with its value for every sample.

    Attributes:
        symbol: the factor in the tutorial's notation, e.g. ``"∂a^(2)/∂z^(2)"``.
        latex: the same in LaTeX.
        formula: how its value is computed, e.g. ``"σ'(z^(2)) = a(1 − a)"`` or ``"W^(3)"``.
        values: shape (m, rows, cols): for each sample a matrix, so that multiplying the factors
            of one sample from left to right (``@``) gives that sample's ∂C_i/∂(parameter).
            A 1×1 matrix is a plain number; a row is a vector the chain starts with.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> e = gn.explain_weight(net, X, Y, 1, 2, 0)
        >>> [f.symbol for f in e.factors][:2]
        ['∂C/∂a^(2)', '∂a^(2)/∂z^(2)']
        >>> dC_da = e.factors[0]
        >>> dC_da.formula, dC_da.values.shape, round(dC_da.sample(0), 6)  # quadratic cost: a − y
        ('a − y', (2, 1, 1), -0.361697)
        >>> product = np.linalg.multi_dot([f.values[1] for f in e.factors])  # sample 1's chain
        >>> bool(np.isclose(product.item(), e.per_sample[1]))
        True
    """

    symbol: str
    latex: str
    formula: str
    values: Array

    def sample(self, i: int = 0) -> Any:
        """The value for sample i: a float when it is one number, else the (rows, cols) array."""
        v = self.values[i]
        return float(v.item()) if v.size == 1 else v

    def __repr__(self) -> str:
        more = " …" if len(self.values) > 1 else ""
        return f"Factor({self.symbol} = {matrix(self.values[0])}{more})"


@dataclass(repr=False)
class Path:
    """One path from the parameter to the cost through the network's neurons.

    Attributes:
        nodes: the neurons it passes through, e.g. ``("z^(1)_0", "a^(1)_0", "z^(2)_1", …)``.
        terms: the symbol of each term multiplied along the path.
        per_sample: the product of the terms for each sample, shape (m,).
        value: their average over the mini-batch (the path's share of the derivative).

    Example:
        With two output neurons, w^(1)_{2,0} reaches C along two paths, whose values add up:

        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 2], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> e = gn.explain_weight(net, X, Y, 1, 2, 0)
        >>> for path in e.paths:
        ...     print(" → ".join(path.nodes), round(path.value, 6))
        z^(1)_2 → a^(1)_2 → z^(2)_0 → a^(2)_0 0.001021
        z^(1)_2 → a^(1)_2 → z^(2)_1 → a^(2)_1 0.005771
        >>> e.paths[0].terms
        ('a^(0)_0', "σ'(z^(1)_2)", 'w^(2)_{0,2}', "σ'(z^(2)_0)", '∂C/∂a^(2)_0')
        >>> bool(np.isclose(sum(path.value for path in e.paths), net.gradients(X, Y).W[1][2, 0]))
        True
    """

    nodes: tuple[str, ...]
    terms: tuple[str, ...]
    per_sample: Array
    value: float

    def __repr__(self) -> str:
        return f"Path({' → '.join(self.nodes)} → C: {number(self.value)})"


def symbol_pair(name: str, l: int | None = None, *index: int) -> tuple[str, str]:
    """(text, LaTeX) of a symbol: ``symbol_pair("w", 1, 2, 0)`` is w^(1)_{2,0}, and
    ``symbol_pair("C")`` is C."""
    if l is None:
        return name, name
    sub = ",".join(str(i) for i in index)
    text = f"{name}^({l})" + (f"_{sub}" if len(index) == 1 else f"_{{{sub}}}" if index else "")
    tex = name if "_" not in name else r"\mathrm{" + name.replace("_", r"\_") + "}"  # W_hh
    return text, f"{tex}^{{({l})}}" + (f"_{{{sub}}}" if index else "")


def make_factor(
    top: tuple[str, str], bottom: tuple[str, str], formula: str, values: Array
) -> Factor:
    """The factor ∂top/∂bottom (each a ``symbol_pair``), with its formula and values."""
    return Factor(
        f"∂{top[0]}/∂{bottom[0]}",
        rf"\frac{{\partial {top[1]}}}{{\partial {bottom[1]}}}",
        formula,
        values,
    )


@dataclass(repr=False)
class GradientExplanation(Rendered):
    """Why ∂C/∂(a weight, bias or activation) has its value: the chain rule with numbers.

    Attributes:
        kind: ``"weight"``, ``"bias"`` or ``"activation"``.
        l, j, k: the parameter's layer and indices (w^(l)_jk; b^(l)_j uses j; a^(l)_k uses k).
        symbol: its name in the tutorial's notation, e.g. ``"w^(1)_{0,2}"``.
        value: ∂C/∂(parameter) for the mini-batch: the average of ``per_sample``, plus the
            penalty term for a weight. Equals ``net.gradients(X, Y).W[l][j, k]`` (or ``.b``).
            For an activation, the average over the samples of ∂C_i/∂a^(l)_k.
        per_sample: ∂C_i/∂(parameter) for each sample i, shape (m,).
        penalty: l2·w + l1·sign(w) for a weight of a penalised network, else 0.
        factors: the chain-rule factors in the tutorial's order, from ∂C/∂a^(L) back.
        paths: every path from the parameter to C (``None`` above ``MAX_PATHS`` paths), plus one
            direct path for a nonzero penalty; their values add up to ``value``.
        n_paths: the number of paths through the network (without the penalty one).
        network: a one-line description of the network.
        name, index, formula: for :func:`explain_parameter` (kind ``"parameter"``), the
            parameter's name and index in its layer, and the sum ∂C/∂θ is, in text and LaTeX.
        outputs, sources, terms: for ``"parameter"``: the outputs z^(l)_out θ enters (every
            position of one channel, for a convolution's kernel weight); for each, the entry of
            a^(l−1) that ∂z_out/∂θ is (the input pixel the weight met there; ``()`` for the
            constant 1, ``"0"`` where it met padding, ``None`` otherwise); and ``terms[i, p]``
            = δ^(l)_{i,out_p} · ∂z^(l)_{i,out_p}/∂θ, one per sample and output: ``value`` is
            ``terms.sum(axis=1).mean()`` plus the penalty.
        at, prev: for a parameter of a sub-layer of a Residual block, the sub-layer's label
            (``"2.1"``: block 2's first layer, whose z, δ and input are z^(2.1), δ^(2.1),
            a^(1)), and its input's (``"1"``); empty otherwise (z^(l) and a^(l−1)).
        detail: what the explanation adds for its layer type: a
            :class:`~glassnet.explain.residual.BlockPath` (δ through a block's sub-layers, and
            the block's two paths) or a :class:`~glassnet.explain.recurrent.ThroughTime` (one
            term per time step); its views join the explanation's.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
        >>> e = gn.explain_weight(net, X, Y, 1, 2, 0)
        >>> e
        GradientExplanation(∂C/∂w^(1)_{2,0} = 0.00118536, m=2)
        >>> e.kind, e.symbol, e.n_paths, e.per_sample.round(6)
        ('weight', 'w^(1)_{2,0}', 1, array([-0.001032,  0.003403]))
        >>> bool(np.isclose(e.value, net.gradients(X, Y).W[1][2, 0]))  # the mean of per_sample
        True
    """

    kind: str
    l: int
    j: int
    k: int
    symbol: str
    latex_symbol: str
    value: float
    per_sample: Array
    penalty: float
    factors: list[Factor]
    paths: list[Path] | None
    n_paths: int
    network: str
    notes: list[str] = field(default_factory=list)
    name: str = ""
    index: tuple[int, ...] = ()
    formula: tuple[str, str] | None = None
    outputs: list[tuple[int, ...]] = field(default_factory=list)
    sources: list[tuple[int, ...] | str | None] = field(default_factory=list)
    terms: Array | None = None
    at: str = ""
    prev: str = ""
    detail: Any = None

    @property
    def m(self) -> int:
        """The number of samples in the mini-batch."""
        return int(self.per_sample.shape[0])

    def chain(self) -> str:
        """The chain rule as the tutorial writes it, without numbers."""
        return f"∂C/∂{self.symbol} = " + " · ".join(f.symbol for f in self.factors)

    def __str__(self) -> str:
        return views.gradient_text(self)

    def __repr__(self) -> str:
        return f"GradientExplanation(∂C/∂{self.symbol} = {number(self.value)}, m={self.m})"

    def latex(self) -> str:
        """The chain rule in LaTeX, then the numbers of the first sample and the value."""
        return views.gradient_latex(self)

    def _repr_html_(self) -> str:
        return views.gradient_html(self)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready values (lists and floats), e.g. for the Playground."""
        return views.gradient_dict(self)


def entry_sources(
    layer: Layer, name: str, index: tuple[int, ...], a_prev: Array, dz: Array
) -> list[tuple[int, ...] | str | None]:
    """Which entry of a^(l−1) each ∂z_out/∂θ is: its index (without the sample's), ``()`` for the
    constant 1 (a bias), ``"0"`` for the constant 0 (where a kernel met padding), None for
    anything else (x̂ for BatchNorm's γ, …).

    The layer is asked about a probe input whose entries are their own numbers (2, 3, …; one
    sample), so that a factor that *is* an entry of a^(l−1) names it; the name is kept only if
    that entry equals ∂z_out/∂θ for every real sample.
    """
    m, shape = a_prev.shape[0], a_prev.shape[1:]
    flat = a_prev.reshape(m, -1)
    probe = np.arange(2.0, flat.shape[1] + 2.0).reshape(1, *shape)
    try:
        with np.errstate(all="ignore"):  # (a layer that normalises one probe sample divides by 0)
            paths = layer.parameter_paths(name, index, probe)
    except ValueError:  # a layer that needs a whole mini-batch (BatchNorm): no entry is named
        return [None] * dz.shape[1]
    probed = [float(np.ravel(f)[0]) for _, f in paths]
    found: list[tuple[int, ...] | str | None] = []
    for p, v in enumerate(probed):
        k = int(v) - 2 if v == int(v) and 2 <= v < flat.shape[1] + 2 else None
        if v == 1.0 and np.all(dz[:, p] == 1.0):
            found.append(())
        elif v == 0.0 and not np.any(dz[:, p]):
            found.append("0")
        elif k is not None and np.array_equal(flat[:, k], dz[:, p]):
            found.append(tuple(int(i) for i in np.unravel_index(k, shape)))
        else:
            found.append(None)
    return found


def describe_network(net: Network) -> str:
    # an RNN's σ acts at every step (its contract σ, the identity, says which: ``.cell``)
    acts = "/".join(
        f"{layer.activation.cell.name} per step" if hasattr(layer.activation, "cell")
        else layer.activation.name
        for layer in net.layers
    )  # fmt: skip
    return f"{net.sizes} {acts}, cost {net.cost_function!r}"
