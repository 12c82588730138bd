"""Where the gradient flows: layer by layer in depth, back through time, around residual blocks.

:func:`gradient_flow` gives ‖∂C/∂W‖ for every layer with weights in the order the input meets
them — a Residual block's sub-layers one by one — so that a deep plain network and the same depth
with skips can be compared on one axis. :func:`gradient_through_time` gives ‖∂C/∂h_t‖ for every
step of an RNN. :func:`flow_findings` turns both into findings for :func:`~glassnet.diagnose`:
the gradient vanishing or exploding through time, and how much of it each block's skip carries.
The pictures (:mod:`glassnet.plots`) only draw these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..explain.recurrent import ThroughTime, through_time_of
from ..explain.residual import run, split_of
from ..layers import Layer
from ..layers.recurrent import RNN
from ..layers.residual import Residual
from .findings import Finding, finding

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["GradientFlow", "flow_findings", "gradient_flow", "gradient_through_time", "weight_name"]


def weight_name(layer: Layer) -> str | None:
    """The parameter a layer's ‖W‖ speaks of: the first penalised one (W, W_ih, W1), else the
    first one; None for a layer without parameters."""
    names = layer.penalised or layer.parameter_names
    return names[0] if names else None


@dataclass(frozen=True)
class GradientFlow:
    """‖∂C/∂W‖ of every layer with weights, in depth order (see :func:`gradient_flow`).

    Attributes:
        labels: each one's label: ``"3"`` for layer 3, ``"2.1"`` for block 2's first layer
            (``"2.p"`` its projection, ``"2.1.2"`` inside a nested block).
        layers: the network's layer number l each belongs to.
        names: the weight's name as layer l calls it (``"W"``, ``"W1"``, ``"W_ih"``).
        norms: ‖∂C/∂W‖ of each, the mini-batch gradient's Frobenius norm.
    """

    labels: list[str]
    layers: list[int]
    names: list[str]
    norms: NDArray[np.float64]

    @property
    def depth(self) -> NDArray[np.int_]:
        """1, 2, …: the position of each weighted layer on the way from the input."""
        return np.arange(1, len(self.labels) + 1)


def _leaves(layer: Layer, label: str) -> list[tuple[str, str]]:
    """(label, outer name of its weight) for each weighted sub-layer of ``layer``, in order."""
    if not isinstance(layer, Residual):
        name = weight_name(layer)
        return [] if name is None else [(label, name)]
    found = []
    for k, sub in enumerate([*layer.layers, *([layer.projection] if layer.projection else [])]):
        tag = f"{label}.{k + 1 if k < len(layer.layers) else 'p'}"
        inner = _leaves(sub, tag)
        # the block's names for the sub-layer's parameters: the ones it says live there
        outer = {own: name for name in layer.parameter_names
                 for pos, _, own in [layer.sub_layer(name)] if pos == k}  # fmt: skip
        found += [(lab, outer[name]) for lab, name in inner]
    return found


def gradient_flow(net: Network, X: Any, Y: Any) -> GradientFlow:
    """‖∂C/∂W‖ for every layer with weights, in depth order, residual blocks opened up.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> block = gn.Residual([gn.Dense(3, 3, activation="tanh"), gn.Dense(3, 3)])
        >>> net = gn.Network([gn.Dense(2, 3), block, gn.Dense(3, 1)], seed=0)
        >>> flow = gradient_flow(net, [[1.0, 0.0]], [[1.0]])
        >>> flow.labels, flow.names
        (['1', '2.1', '2.2', '3'], ['W', 'W1', 'W2', 'W'])
    """
    grads = net.gradients(X, Y)
    labels, layers, names, norms = [], [], [], []
    for l, layer in enumerate(net.layers, start=1):
        for label, name in _leaves(layer, str(l)):
            labels.append(label)
            layers.append(l)
            names.append(name)
            norms.append(float(np.linalg.norm(np.asarray(grads[l][name], dtype=np.float64))))
    return GradientFlow(labels, layers, names, np.array(norms, dtype=np.float64))


def gradient_through_time(net: Network, X: Any, Y: Any, l: int | None = None) -> ThroughTime:
    """‖∂C/∂h_t‖ for every step of the RNN layer l (default: the first RNN), as a
    :class:`~glassnet.explain.recurrent.ThroughTime`: ``.norms()`` per step t = 1..T, ``.ratio``
    = ‖∂C/∂h_1‖ / ‖∂C/∂h_T‖, and ``str()`` the steps with their numbers.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network([gn.RNN(1, 2), gn.Dense(2, 1)], input_shape=(4, 1), seed=0)
        >>> gradient_through_time(net, np.ones((3, 4, 1)), np.ones((3, 1))).norms().shape
        (4,)
    """
    rnns = [k for k, layer in enumerate(net.layers, start=1) if isinstance(layer, RNN)]
    if l is None:
        if not rnns:
            raise ValueError("this network has no RNN layer; gradient_through_time needs one")
        l = rnns[0]
    if l not in rnns:
        raise ValueError(f"layer {l} is not an RNN; this network's RNN layers are {rnns or 'none'}")
    net64, caches, _ = run(net, X, Y)
    rnn = net64.layers[l - 1]
    assert isinstance(rnn, RNN)
    return through_time_of(rnn, caches[l - 1], l)


def flow_findings(
    net: Network, X: Any, Y: Any, vanishing: float, exploding: float
) -> list[Finding]:
    """For :func:`~glassnet.diagnose`: per RNN layer, the gradient vanishing (‖∂C/∂h_1‖ /
    ‖∂C/∂h_T‖ below ``vanishing``) or exploding (above ``exploding``) through time; per
    Residual block, the sizes of its skip and block terms (good news, ``ok``)."""
    if not any(isinstance(layer, (RNN, Residual)) for layer in net.layers):
        return []
    net64, caches, _ = run(net, X, Y)
    found = []
    for l, (layer, cache) in enumerate(zip(net64.layers, caches, strict=True), start=1):
        if isinstance(layer, RNN):
            tt = through_time_of(layer, cache, l)
            norms, ratio = tt.norms(), tt.ratio
            numbers = {"layer": l, "ratio": ratio, "norms": norms.tolist()}
            context = {"T": tt.T, "activation": tt.activation}
            if ratio < vanishing:
                found.append(finding("vanishing_through_time", numbers, **context))
            elif ratio > exploding:
                found.append(finding("exploding_through_time", numbers, **context))
        elif isinstance(layer, Residual):
            split = split_of(layer, cache, l, str(l))
            n = split.norms()
            numbers = {"layer": l, "skip": n["skip"], "through": n["through"],
                       "total": n["total"], "skip_share": split.skip_share}  # fmt: skip
            found.append(
                finding("skip_flow", numbers, prev=l - 1, through_share=1 - split.skip_share)
            )
    return found
