"""Residual blocks with numbers: the two paths at a block's input, and a parameter inside it.

A block computes z^(l) = a^(l−1) + f(a^(l−1)) (p(a^(l−1)) + f(a^(l−1)) with a projection p),
f = f_K ∘ … ∘ f_1. Backward, δ^(l) = ∂C_i/∂z^(l) takes two paths to the block's input and the
two add up there::

    ∂C_i/∂a^(l−1) = δ^(l)_i                          around the block (the skip; δ through p)
                  + δ^(l)_i ∂f(a^(l−1))_i/∂a^(l−1)     through the block (f's own backward)

:func:`explain_residual` shows both terms, their sizes and their sum. A parameter θ of
sub-layer s is reached through the block only: δ^(l) flows back through the sub-layers after s
to δ_s = ∂C_i/∂z_s, that sub-layer's own δ, and then, as for any layer::

    ∂C/∂θ = Σ_i r_i δ_s,i · ∂z_s,i/∂θ          (r_i = 1/m)

:func:`explain_block_parameter` (what :func:`~glassnet.explain.explain_parameter` gives for a
Residual layer) shows δ at every stage on the way, from the sub-layers' own caches — the numbers
the network's backward pass computed. Sub-layers are labelled ``l.k`` (``2.1``: block 2's
first layer, ``2.p``: its projection; ``2.1.2`` inside a nested block): z^(2.1), δ^(2.1), and
its input a^(1) (the block's), or a^(2.1) for sub-layer 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..layers import Cache, Layer
from ..layers.residual import Residual
from ..render import flow as views
from ..render.explanations import parameter_terms
from .base import (
    MAX_PATHS,
    Array,
    GradientExplanation,
    Path,
    Rendered,
    describe_network,
    entry_sources,
    layer_number,
    make_factor,
    symbol_pair,
)

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["BlockPath", "SkipSplit", "explain_block_parameter", "explain_residual", "run"]


def run(net: Network, X: Any, Y: Any) -> tuple[Network, list[Cache], Array]:
    """One recorded float64 training step on (X, Y): the float64 network, its caches (every
    layer's z, δ, ∂C/∂a^(l−1) and what its backward kept) and the inputs."""
    x, y, _ = net.check_data(X, Y)
    net64 = net.astype("float64")
    x, y = x.astype(np.float64), y.astype(np.float64)
    caches = net64.workspace(x.shape[0], record=True)
    net64.step(x, y, caches)
    return net64, caches, x


def norm(values: Array) -> float:
    """‖(1/m) values‖: the size of ∂C/∂(something) for the mini-batch cost C = (1/m) Σ_i C_i,
    from the per-sample ∂C_i/∂(something), ``values`` (m, …)."""
    return float(np.linalg.norm(values) / values.shape[0])


@dataclass(repr=False)
class SkipSplit(Rendered):
    """∂C_i/∂a^(l−1) at a block's input, split into its two paths.

    Attributes:
        l: the block's layer number; label: its label (``"2"``, or ``"2.1"`` for a block
            inside block 2).
        delta: δ^(l) = ∂C_i/∂z^(l) of the block, per sample.
        skip: the term around the block, per sample: δ^(l) itself, or δ^(l) back through the
            projection p.
        through: the term through the block, δ^(l) back through f's layers K..1.
        projection: whether the skip goes through a projection.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> block = gn.Residual([gn.Dense(2, 2, activation="tanh"), gn.Dense(2, 2)])
        >>> net = gn.Network([block, gn.Dense(2, 1)], seed=0, dtype="float64")
        >>> X, Y = np.array([[1.0, -1.0]]), np.array([[0.5]])
        >>> split = gn.explain_residual(net, X, Y, 1)
        >>> split
        SkipSplit(block 1: ‖skip‖ = 0.02559, ‖f‖ = 0.006922)
        >>> split.projection, round(split.skip_share, 3)  # most of the gradient goes around f
        (False, 0.787)
        >>> bool(np.allclose(split.total, net.trace(X, Y).dC_da[0]))  # skip + through
        True
    """

    l: int
    label: str
    delta: Array
    skip: Array
    through: Array
    projection: bool

    @property
    def total(self) -> Array:
        """∂C_i/∂a^(l−1) = skip + through, per sample."""
        return self.skip + self.through

    @property
    def m(self) -> int:
        return int(self.delta.shape[0])

    def norms(self) -> dict[str, float]:
        """‖∂C/∂a^(l−1)‖ of each term and of the sum (for C = (1/m) Σ_i C_i)."""
        return {"skip": norm(self.skip), "through": norm(self.through), "total": norm(self.total)}

    @property
    def skip_share(self) -> float:
        """‖skip‖ / (‖skip‖ + ‖through‖): near 1, the gradient mostly goes around the block."""
        n = self.norms()
        both = n["skip"] + n["through"]
        return n["skip"] / both if both > 0 else 0.5

    def __str__(self) -> str:
        return views.split_text(self)

    def __repr__(self) -> str:
        n = self.norms()
        return f"SkipSplit(block {self.label}: ‖skip‖ = {n['skip']:.4g}, ‖f‖ = {n['through']:.4g})"

    def latex(self) -> str:
        return views.split_latex(self)

    def _repr_html_(self) -> str:
        return views.split_html(self)

    def to_dict(self) -> dict[str, Any]:
        return views.split_dict(self)


@dataclass(repr=False)
class BlockPath:
    """How δ^(l) of a block reaches the sub-layer a parameter lives in.

    Attributes:
        l: the block's layer number; leaf: the sub-layer's label (``"2.1"``).
        stages: (label, δ there per sample) from the block's δ^(l) down to the sub-layer's own
            δ, one stage per sub-layer on the way back (a later block inside passes on both of
            its paths' sum).
        split: the block's two paths at its input (:class:`SkipSplit`), what it passes on to
            the layers below.

    Example:
        W1, the weight of the block's first layer: δ^(1) goes back through layer 1.2 first.

        >>> import numpy as np, glassnet as gn
        >>> block = gn.Residual([gn.Dense(2, 2, activation="tanh"), gn.Dense(2, 2)])
        >>> net = gn.Network([block, gn.Dense(2, 1)], seed=0, dtype="float64")
        >>> X, Y = np.array([[1.0, -1.0]]), np.array([[0.5]])
        >>> path = gn.explain_weight(net, X, Y, 1, 0, 1, name="W1").detail
        >>> path.leaf, [label for label, _ in path.stages]
        ('1.1', ['1', '1.2', '1.1'])
        >>> [round(n, 4) for n in path.norms()]  # ‖∂C/∂z‖ at each stage
        [0.0256, 0.0063, 0.0042]
        >>> path.split
        SkipSplit(block 1: ‖skip‖ = 0.02559, ‖f‖ = 0.006922)
    """

    l: int
    leaf: str
    stages: list[tuple[str, Array]]
    split: SkipSplit

    def norms(self) -> list[float]:
        """‖∂C/∂z‖ at each stage, for the mini-batch cost."""
        return [norm(d) for _, d in self.stages]


def split_of(block: Residual, cache: Cache, l: int, label: str) -> SkipSplit:
    """The block's two paths at its input, from its cache after a recorded backward pass."""
    caches: list[Cache] = cache.saved["caches"]
    skip = cache.delta if block.projection is None else caches[-1].dC_da_prev
    through = caches[0].dC_da_prev  # what f's first layer passed back
    proj = block.projection is not None
    return SkipSplit(l, label, np.array(cache.delta), np.array(skip), np.array(through), proj)


def explain_residual(net: Network, X: Any, Y: Any, l: int) -> SkipSplit:
    """∂C_i/∂a^(l−1) at the input of the Residual block l, split into its two paths: around the
    block (δ^(l) itself, or through the projection) and through it (δ^(l) back through f).

    Example:
        >>> import numpy as np, glassnet as gn
        >>> block = gn.Residual([gn.Dense(2, 2, activation="tanh"), gn.Dense(2, 2)])
        >>> net = gn.Network([block, gn.Dense(2, 1)], seed=0, dtype="float64")
        >>> s = explain_residual(net, [[1.0, -1.0]], [[0.5]], 1)
        >>> bool(np.allclose(s.skip + s.through, net.trace([[1.0, -1.0]], [[0.5]]).dC_da[0]))
        True
    """
    l = layer_number(net, l)
    if not isinstance(net.layers[l - 1], Residual):
        raise ValueError(
            f"layer {l} is a {type(net.layers[l - 1]).__name__}, not a Residual block; "
            "explain_residual splits a block's gradient into its skip and its layers"
        )
    net64, caches, _ = run(net, X, Y)
    block = net64.layers[l - 1]
    assert isinstance(block, Residual)
    return split_of(block, caches[l - 1], l, str(l))


def explain_block_parameter(
    net: Network, X: Any, Y: Any, l: int, name: str, index: tuple[int, ...],
    max_paths: int = MAX_PATHS,
) -> GradientExplanation:  # fmt: skip
    """∂C/∂θ for θ = ``name[index]`` of the Residual block l (``name`` as the block calls it:
    ``W1``, ``bp``, ``W2_1``): δ^(l) back through the sub-layers after θ's to its sub-layer's δ_s,
    then Σ_i r_i δ_s,i · ∂z_s,i/∂θ from that sub-layer's own paths (``parameter_paths``).

    Checked arguments are expected (:func:`~glassnet.explain.explain_parameter` checks them).
    """
    net64, caches, x = run(net, X, Y)
    layer: Layer = net64.layers[l - 1]
    cache, label, source, own = caches[l - 1], str(l), str(l - 1), name
    assert isinstance(layer, Residual)
    block_split = split_of(layer, cache, l, label)
    stages: list[tuple[str, Array]] = [(label, np.array(cache.delta))]
    while isinstance(layer, Residual):  # down into the sub-layer (and nested blocks) θ is in
        position, sub, own = layer.sub_layer(own)
        sub_caches: list[Cache] = cache.saved["caches"]
        for k in range(len(layer.layers) - 1, position, -1):  # the later sub-layers, K down
            stages.append((f"{label}.{k + 1}", np.array(sub_caches[k].delta)))
        if 0 < position < len(layer.layers):  # its input is the sub-layer before's output
            source = f"{label}.{position}"
        label += f".{position + 1}" if position < len(layer.layers) else ".p"
        layer, cache = sub, sub_caches[position]
        stages.append((label, np.array(cache.delta)))
    a_prev, delta, m = cache.a_prev, cache.delta, x.shape[0]
    paths = layer.parameter_paths(own, index, a_prev)
    outs = [tuple(int(o) for o in out) for out, _ in paths]
    d, dz = np.zeros((m, len(paths))), np.zeros((m, len(paths)))
    for p, (out, factor) in enumerate(zip(outs, (f for _, f in paths), strict=True)):
        key: tuple[Any, ...] = (slice(None), *out)
        d[:, p], dz[:, p] = delta[key], factor  # δ_s at out, ∂z_s,out/∂θ
    terms = d * dz
    per_sample = terms.sum(axis=1)
    block = net64.layers[l - 1]
    theta = float(block.parameters()[name][index])
    penalised = name in block.penalised and bool(net.l2 or net.l1)
    penalty = net.l2 * theta + net.l1 * float(np.sign(theta)) if penalised else 0.0
    symbol, tex = symbol_pair(name, l, *index)
    sources = entry_sources(layer, own, index, a_prev, dz)
    labels, text, latex = parameter_terms(label, outs, sources, name * penalised, source)
    z_s = views.sub_symbol("z", label, outs[0] if len(outs) == 1 else ())
    factors = [
        make_factor(("C", "C"), z_s, f"δ^({label}): δ^({l}) back through the block", d[:, None, :]),
        make_factor(z_s, (symbol, tex), ", ".join(labels[:4]), dz[:, :, None]),
    ]
    found: list[Path] | None = None
    if len(paths) <= max_paths:
        found = [
            Path(
                (f"z^({label})_{','.join(map(str, out))}", f"z^({l})"),
                (labels[p], f"δ^({label})"),
                terms[:, p],
                float(v),
            )
            for p, (out, v) in enumerate(zip(outs, terms.mean(axis=0), strict=True))
        ]
        if penalty:
            found.append(Path(("penalty",), ("l2·θ + l1·sign(θ)",), np.full(m, penalty), penalty))
    j, k = (*index, 0, 0)[:2]
    detail = BlockPath(l, label, stages, block_split)
    return GradientExplanation(
        "parameter", l, j, k, symbol, tex, float(np.mean(per_sample)) + penalty, per_sample,
        penalty, factors, found, len(paths), describe_network(net), [], name, index,
        (text, latex), outs, sources, terms, label, source, detail,
    )  # fmt: skip
