"""The notation, declared once: the tutorial's symbols and where they live in glassnet.

``docs/notation.md`` says the same, with pictures and worked numbers.

======================  =========================  ==========================================
tutorial                glassnet                   meaning
======================  =========================  ==========================================
layer l = 0, 1, …, L    ``net.sizes[l]`` = n_l      layer 0 is the input; 1..L have weights
w^(l)_jk                ``net.W[l][j, k]``          weight *to* neuron j of layer l *from*
                                                   neuron k of layer l−1; W[l]: (n_l, n_{l−1})
b^(l)_j                 ``net.b[l][j]``             bias of neuron j of layer l; b[l]: (n_l,)
z^(l)                   ``t.z[l]``                  weighted input, (m, n_l)
a^(l)                   ``t.a[l]``                  activation, (m, n_l); a^(0) = X
σ_l                     ``net.layers[l-1].activation``
C_i, C                  ``t.costs``, ``t.cost``     sample i's cost; C = (1/m) Σ_i C_i + penalty
λ₂, λ₁                  ``net.l2``, ``net.l1``      penalty (λ₂/2) Σ ‖W^(l)‖² + λ₁ Σ |w^(l)_jk|
δ^(l) = ∂C_i/∂z^(l)     ``t.delta[l]``              error of layer l, one row per sample
∂C/∂a^(l)               ``t.dC_da[l]``              one row per sample (∂C_i/∂a^(l))
∂C/∂W^(l), ∂C/∂b^(l)    ``g.W[l]``, ``g.b[l]``      mini-batch gradients, shapes of W, b
∇C                      ``net.gradient_vector``     all of them in one flat vector
η                       ``SGD(lr=η)``               learning rate
======================  =========================  ==========================================

Data are rows: X has shape (m, n_0), one sample per row, so for every layer::

    z^(l) = a^(l−1) W^(l)ᵀ + b^(l)        a^(l) = σ_l(z^(l))

which is the tutorial's a^(l) = σ(W a^(l−1) + b) applied to each row. Backpropagation is the
chain rule, applied layer by layer from the output back, reusing δ^(l+1) to get δ^(l)::

    δ^(L) = ∂C/∂a^(L) ⊙ σ'(z^(L))
    ∂C/∂W^(l) = (1/m) Σ_i δ^(l)_i ⊗ a^(l−1)_i      ∂C/∂b^(l) = (1/m) Σ_i δ^(l)_i
    ∂C/∂a^(l−1) = δ^(l) W^(l)                       δ^(l−1) = ∂C/∂a^(l−1) ⊙ σ'(z^(l−1))

Layer numbers are the tutorial's everywhere: ``net.W[1]`` is the first weight matrix and
``net.W[0]`` raises IndexError, because the input layer has no weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from ._inputs import layer_number, replacement

Array = NDArray[np.floating[Any]]
T = TypeVar("T")

__all__ = ["ByLayer", "Gradients"]


class ByLayer(Generic[T]):
    """A list indexed by the tutorial's layer numbers ``first..last`` (negative counts from last).

    ``net.W``, ``net.b``, the gradients and the trace are ``ByLayer``: ``net.W[1]`` is W^(1),
    ``net.W[-1]`` is W^(L), and ``net.W[0]`` raises IndexError. Assigning an array to an item
    copies it into the existing one, so ``net.W[2] = M`` changes the network in place.

    >>> import glassnet as gn
    >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
    >>> [l for l, W in net.W.items()], net.W[1].shape
    ([1, 2], (3, 2))
    """

    def __init__(self, items: Sequence[T], first: int, symbol: str) -> None:
        # a list of its own, unless ``items`` is a live view of the layers (net.W, net.b)
        self._items: list[T] | LayerAttribute[T] = (
            items if isinstance(items, LayerAttribute) else list(items)
        )
        self.first = first
        self.last = first + len(self._items) - 1
        self.symbol = symbol

    def _index(self, l: int) -> int:
        return layer_number(l, self.first, self.last, self.symbol)

    def __getitem__(self, l: int) -> T:
        return self._items[self._index(l)]

    def __setitem__(self, l: int, value: Any) -> None:
        i = self._index(l)
        old = self._items[i]
        if value is old:
            return  # ``net.W[l] -= dW`` already changed it in place
        if isinstance(old, np.ndarray):
            old[...] = replacement(value, old, f"{self.symbol}[{l}]")
        else:
            self._items[i] = value

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def keys(self) -> range:
        """The layer numbers, ``range(first, last + 1)``."""
        return range(self.first, self.last + 1)

    def items(self) -> Iterator[tuple[int, T]]:
        """``(l, item)`` pairs in layer order."""
        return zip(self.keys(), self._items, strict=True)

    def __repr__(self) -> str:
        parts = []
        for l, item in self.items():
            shape = getattr(item, "shape", None)
            parts.append(f"{l}: {'array' + str(shape) if shape is not None else repr(item)}")
        return f"{self.symbol}{{{', '.join(parts)}}}"


class LayerAttribute(Sequence[T]):
    """``getattr(layer, name)`` of each layer (or ``layer[name]`` of a layer's dict), looked up
    at each access: a view, not a copy. A layer without it is ``None`` when iterating (so that
    ``print(net.W)`` works for a network with pooling layers) and an error when indexed.

    ``net.W`` and ``net.b`` are ``ByLayer``s over this view, so ``net.W[l]`` costs the same in a
    network of 2 layers or of 20,000 (a list of all L arrays built on each ``net.W`` made every
    loop over l take time L²), and always gives the layer's current array.
    """

    def __init__(self, layers: Sequence[Any], name: str) -> None:
        self._layers, self._name = layers, name

    def __len__(self) -> int:
        return len(self._layers)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        layer, item = self._layers[i], self._get(self._layers[i])
        if item is None:  # e.g. W of a pooling layer: a clear error, naming layer l = i + 1
            kind = "" if isinstance(layer, Mapping) else f" ({type(layer).__name__})"
            raise AttributeError(f"layer {i + 1}{kind} has no parameter named {self._name!r}")
        return item

    def __setitem__(self, i: int, value: T) -> None:
        setattr(self._layers[i], self._name, value)

    def __iter__(self) -> Iterator[T]:  # None for a layer without it, so that printing works
        return (self._get(layer) for layer in self._layers)  # type: ignore[misc]

    def _get(self, layer: Any) -> T | None:
        if isinstance(layer, Mapping):  # a layer's {name: array}, as in Gradients
            return layer.get(self._name)
        return getattr(layer, self._name, None)


class Gradients:
    """∂C/∂θ for every parameter θ of layers l = 1..L, each shaped like its parameter.

    ``g[l]`` is layer l's ``{name: array}``; for Dense layers ``g.W[l][j, k]`` is
    ∂C/∂w^(l)_jk and ``g.b[l][j]`` is ∂C/∂b^(l)_j, for the mini-batch cost C = (1/m) Σ_i C_i.
    Made from ``W`` and ``b`` (``ByLayer`` lists), or from ``layers``, one dict per layer.

    >>> import numpy as np
    >>> g = Gradients(layers=[{"W": np.ones((2, 1)), "b": np.zeros(2)}])
    >>> g[1]["W"].shape, g.W[1].shape, g.vector().tolist()
    ((2, 1), (2, 1), [1.0, 1.0, 0.0, 0.0])
    """

    def __init__(
        self,
        W: Iterable[Array] | None = None,
        b: Iterable[Array] | None = None,
        *,
        layers: Sequence[Mapping[str, Array]] | None = None,
        symbol: str = "∂C/∂",
    ) -> None:
        if layers is None:
            if W is None or b is None:
                raise ValueError("Gradients takes W and b (one array per layer), or layers=")
            layers = [{"W": w, "b": bias} for w, bias in zip(W, b, strict=True)]
        self.layers: list[dict[str, Array]] = [dict(p) for p in layers]
        self.symbol = symbol
        self._by_layer = ByLayer(self.layers, 1, "layer")
        self._by_name: dict[str, ByLayer[Array]] = {}

    def __getitem__(self, l: int) -> dict[str, Array]:
        return self._by_layer[l]

    def __len__(self) -> int:
        return len(self.layers)

    def named(self, name: str) -> ByLayer[Array]:
        """The arrays of parameter ``name`` by layer (``g.named("W")`` is ``g.W``)."""
        found = self._by_name.get(name)
        if found is None:
            if not any(name in p for p in self.layers):
                raise AttributeError(f"no layer has a parameter named {name!r}")
            found = ByLayer(LayerAttribute[Array](self.layers, name), 1, self.symbol + name)
            self._by_name[name] = found
        return found

    @property
    def W(self) -> ByLayer[Array]:
        """The weight gradients by layer: ``g.W[l]`` is shaped like ``net.W[l]``."""
        return self.named("W")

    @property
    def b(self) -> ByLayer[Array]:
        """The bias gradients by layer: ``g.b[l]`` is shaped like ``net.b[l]``."""
        return self.named("b")

    def arrays(self) -> list[Array]:
        """Every array in parameter order: layer 1's (W, then b), layer 2's, …"""
        return [a for p in self.layers for a in p.values()]

    def vector(self) -> Array:
        """The tutorial's gradient vector ∇C, in the order of :meth:`Network.parameter_names`."""
        return np.concatenate([a.ravel() for a in self.arrays()])

    def norms(self) -> dict[int, tuple[float, ...]]:
        """``{l: (‖∂C/∂W^(l)‖, ‖∂C/∂b^(l)‖)}``: Frobenius norms per layer, in parameter order."""
        return {
            l: tuple(float(np.linalg.norm(a)) for a in p.values())
            for l, p in enumerate(self.layers, start=1)
        }

    def __repr__(self) -> str:
        rows = [
            f"  l={l}: "
            + " ".join(
                f"‖{self.symbol}{n}‖={v:.4g}" for n, v in zip(p, self.norms()[l], strict=True)
            )
            for l, p in enumerate(self.layers, start=1)
        ]
        return "Gradients(\n" + "\n".join(rows) + "\n)"
