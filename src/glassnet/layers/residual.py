"""The residual block: a skip connection around a stack of layers.

A residual block adds its input to what its layers f = f_K ∘ … ∘ f_1 make of it::

    z^(l) = a^(l−1) + f(a^(l−1))          a^(l) = σ(z^(l))   (σ the identity by default)

and, when f changes the shape (more channels, fewer neurons), a projection p (a Dense or a 1×1
Conv2D layer) maps the input to f's output shape: z^(l) = p(a^(l−1)) + f(a^(l−1)).

Backward, δ = ∂C_i/∂z^(l) flows down both paths and the two meet again at the input::

    ∂C_i/∂a^(l−1) = δ_i                     the skip: ∂z/∂a^(l−1) through "a^(l−1) +" is 1
                  + δ_i ∂f(a^(l−1))_i/∂a^(l−1)   through the layers: their own backward, K to 1

(with a projection, the skip's δ goes back through p's backward instead). The skip is why a
deep stack of blocks still learns: even where ∂f/∂a is tiny (saturated sigmoids), δ reaches
the first layers undiminished through the 1. Every sub-layer's parameter gradient is its own
backward's, Σ_i r_i δ_i ∂z_i/∂θ, with δ of the last sub-layer equal to the block's δ.

The block's parameters are its sub-layers', named by position: sub-layer k's ``W`` is ``Wk``
(``W1``, ``b1``, ``W2``, …), the projection's ``Wp``, ``bp``; a name longer than one letter
gets an underscore (``gamma_2``, ``running_mean_2``), as does a name ending in a digit (a
block inside a block: the inner block's ``W2`` in sub-layer 1 is ``W2_1``). ``block.W1`` is
sub-layer 1's live ``W``, and ``block.W1 = …`` sets it there.

Example:
    >>> import numpy as np, glassnet as gn
    >>> block = Residual([gn.Dense(2, 2, activation="relu"), gn.Dense(2, 2, activation="identity")])
    >>> block.connect((2,))
    >>> block.build(np.random.default_rng(0), "float64")
    >>> block.parameter_names
    ('W1', 'b1', 'W2', 'b2')
    >>> x = np.array([[1.0, -2.0]])
    >>> f = block.layers[1].forward(block.layers[0].forward(x))
    >>> bool(np.array_equal(block.weighted_input(x), x + f))  # z = a + f(a)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import activations
from .._inputs import dropout_rate
from ..activations import Activation
from . import Array, Cache, Layer, Path

__all__ = ["Residual"]


def _outer_name(name: str, tag: str) -> str:
    """Sub-layer ``tag``'s parameter ``name`` as the block calls it: W → W1, gamma → gamma_1,
    W2 (a nested block's) → W2_1; the projection's tag is ``p``."""
    short = len(name) == 1 and not name[-1].isdigit()
    return f"{name}{tag}" if short else f"{name}_{tag}"


class Residual(Layer):
    """z = a^(l−1) + f(a^(l−1)), f the given ``layers`` in order: a skip connection.

    Args:
        layers: the layers of f, applied in order (any glassnet layers: Dense, Conv2D,
            BatchNorm, pooling, another Residual, …); their own activations apply inside f.
        projection: a layer p that maps the input to f's output shape, when f changes it
            (a Dense, or a 1×1 Conv2D with the right stride): z = p(a^(l−1)) + f(a^(l−1)).
        activation: σ after the addition (default identity); ``"relu"`` gives the classic
            residual block a = relu(a^(l−1) + f(a^(l−1))).
        dropout: p of the block's output, as for Dense (the sub-layers must have none).

    Shape:
        input (m, *shape) → output (m, *f's output shape); the parameters and buffers are the
        sub-layers', renamed by position (see :mod:`glassnet.layers.residual`).

    Example:
        >>> import glassnet as gn
        >>> block = Residual([gn.Dense(4, 4, activation="relu"), gn.Dense(4, 4)], activation="relu")
        >>> net = gn.Network([gn.Dense(3, 4), block, gn.Dense(4, 1)], seed=0)
        >>> net.layers[1].parameter_names, net.layers[1].W2.shape
        (('W1', 'b1', 'W2', 'b2'), (4, 4))
    """

    formula = "a^(l−1) + f(a^(l−1))"

    def __init__(
        self,
        layers: Sequence[Layer],
        projection: Layer | None = None,
        activation: str | Activation = "identity",
        dropout: float = 0.0,
    ) -> None:
        if isinstance(layers, Layer) or not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(
                f"Residual takes a non-empty list of layers for f, got {layers!r}; "
                "e.g. Residual([gn.Dense(4, 4, activation='relu'), gn.Dense(4, 4)])"
            )
        for k, layer in enumerate([*layers, projection], start=1):
            what = "the projection" if k > len(layers) else f"layer {k} of f"
            if layer is None and k > len(layers):
                continue
            if not isinstance(layer, Layer):
                raise ValueError(
                    f"{what} must be a glassnet layer such as gn.Dense, got {type(layer).__name__}"
                )
            if layer.dropout:
                raise ValueError(
                    f"{what} has dropout={layer.dropout:g}; a layer inside a Residual cannot "
                    "drop neurons (the block does not draw masks for it): give the Residual "
                    "itself dropout=..., or put dropout on a layer outside the block"
                )
        everything = [*layers, *([] if projection is None else [projection])]
        if len({id(layer) for layer in everything}) < len(everything):
            raise ValueError(
                "the same layer object appears twice in the Residual; each layer of f and the "
                "projection must be a layer of its own (make a new one for each place)"
            )
        self.layers: list[Layer] = list(layers)
        self.projection = projection
        self.input_shape = tuple(self.layers[0].input_shape)  # () if f's first takes any shape
        self.activation = activations.get(activation)
        self.dropout = dropout_rate(dropout)
        if projection is not None:
            self.formula = "p(a^(l−1)) + f(a^(l−1))"
        # outer name → (sub-layer, its own name), parameters first and then buffers, in order
        where: dict[str, tuple[Layer, str]] = {}
        params: list[str] = []
        penalised: list[str] = []
        buffers: list[str] = []
        tagged = [(layer, str(k)) for k, layer in enumerate(self.layers, start=1)]
        if projection is not None:
            tagged.append((projection, "p"))
        for kind in ("parameter_names", "buffer_names"):
            for layer, tag in tagged:
                for name in getattr(layer, kind):
                    outer = _outer_name(name, tag)
                    if outer in where:
                        raise ValueError(
                            f"two parameters of the Residual's layers would both be called "
                            f"{outer!r}; rename the parameter {name!r} of {type(layer).__name__}"
                        )
                    where[outer] = (layer, name)
                    (params if kind == "parameter_names" else buffers).append(outer)
                    if name in layer.penalised:
                        penalised.append(outer)
        self._where = where
        self.parameter_names = tuple(params)
        self.penalised = tuple(penalised)
        self.buffer_names = tuple(buffers)

    # -- the sub-layers' arrays under the block's names ----------------------------------------

    def __getattr__(self, name: str) -> Any:
        # only called for names the block does not have itself: W1 is sub-layer 1's live W
        where = self.__dict__.get("_where", {})
        if name in where:
            layer, own = where[name]
            return getattr(layer, own)
        raise AttributeError(f"'Residual' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        # block.W1 = … sets sub-layer 1's W (Network.astype converts parameters this way)
        where = self.__dict__.get("_where", {})
        if name in where:
            layer, own = where[name]
            setattr(layer, own, value)
        else:
            object.__setattr__(self, name, value)

    def _all(self) -> list[Layer]:
        """The layers of f, then the projection if any."""
        return self.layers + ([] if self.projection is None else [self.projection])

    # -- shapes and parameters ----------------------------------------------------------------

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Connect the layers of f in order (the first to ``input_shape``), and the projection
        to ``input_shape``; f's output must have the input's shape unless a projection maps
        the input to it."""
        shape = tuple(input_shape)
        for k, layer in enumerate(self.layers, start=1):
            try:
                layer.connect(shape)
            except ValueError as exc:
                source = f"layer {k - 1} of f" if k > 1 else "the block's input"
                raise ValueError(
                    f"its layer {k} of f ({type(layer).__name__}) gets inputs of shape {shape} "
                    f"from {source}, but {exc}"
                ) from None
            shape = tuple(layer.output_shape)
        if self.projection is None:
            if shape != tuple(input_shape):
                raise ValueError(
                    f"its layers f turn the shape {tuple(input_shape)} into {shape}, and "
                    "a + f(a) needs both the same; give a projection that maps the input to "
                    f"{shape}, e.g. Residual(layers, projection=gn.Dense(n_in, n_out, "
                    "activation='identity')) or a 1×1 gn.Conv2D"
                )
        else:
            try:
                self.projection.connect(tuple(input_shape))
            except ValueError as exc:
                raise ValueError(
                    f"its projection ({type(self.projection).__name__}) gets inputs of shape "
                    f"{tuple(input_shape)} from the block's input, but {exc}"
                ) from None
            if tuple(self.projection.output_shape) != shape:
                raise ValueError(
                    f"its projection gives outputs of shape {tuple(self.projection.output_shape)}"
                    f", but its layers f give {shape}; p(a) + f(a) needs both the same"
                )
        self.input_shape, self.output_shape = tuple(input_shape), shape

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The sub-layers' parameters, then their buffers, under the block's names."""
        own = [layer.parameter_shapes() for layer in self._all()]
        by_layer = {id(layer): shapes for layer, shapes in zip(self._all(), own, strict=True)}
        return {
            outer: tuple(by_layer[id(layer)][name]) for outer, (layer, name) in self._where.items()
        }

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """Build every sub-layer (drawing from ``rng`` in order: f's layers, then p)."""
        for layer in self._all():
            layer.build(rng, dtype)

    # -- forward ------------------------------------------------------------------------------

    def _caches(self, cache: Cache, m: int) -> list[Cache]:
        """The sub-layers' caches for this mini-batch size, made once and kept in
        ``cache.saved``; their gradient arrays are the block's own (the same objects), so the
        sub-layers' backward writes the block's gradients in place."""
        caches: list[Cache] | None = cache.saved.get("caches")
        if caches is None or caches[0].z.shape[0] != m:
            dtype = cache.z.dtype
            caches = [Cache(layer, m, dtype, cache.record, cache.running) for layer in self._all()]
            by_layer = {id(layer): c for layer, c in zip(self._all(), caches, strict=True)}
            for outer, (layer, name) in self._where.items():
                if outer in cache.grads:  # a parameter (buffers have no gradient)
                    by_layer[id(layer)].grads[name] = cache.grads[outer]
            cache.saved["caches"] = caches
            # copies of δ for f's path and p's: each backward overwrites the one it is given
            cache.saved["delta_f"] = np.empty_like(cache.z)
            if self.projection is not None:
                cache.saved["delta_p"] = np.empty_like(cache.z)
        for c in caches:
            c.record, c.running = cache.record, cache.running
        return caches

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        """z = a^(l−1) + f(a^(l−1)) (p(a^(l−1)) + f(a^(l−1)) with a projection); given a
        cache, each sub-layer runs its training forward into a cache of its own."""
        if cache is None:  # prediction
            f = a_prev
            for layer in self.layers:
                f = layer.forward(f)
            skip = a_prev if self.projection is None else self.projection.forward(a_prev)
            return skip + f
        caches = self._caches(cache, a_prev.shape[0])
        f = a_prev
        for layer, c in zip(self.layers, caches, strict=False):
            f = layer.forward(f, c)  # f_k(…f_1(a^(l−1)))
        skip = a_prev if self.projection is None else self.projection.forward(a_prev, caches[-1])
        return np.add(skip, f, out=cache.z)  # z = a^(l−1) + f(a^(l−1))

    # -- backward -------------------------------------------------------------------------------

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        caches: list[Cache] = cache.saved["caches"]
        # through f: ∂C_i/∂f(a^(l−1)) = δ_i, then each sub-layer's backward, K down to 1
        copy: Array = cache.saved["delta_f"]
        np.copyto(copy, delta)
        dC_da: Array | None = copy
        for k in range(len(self.layers) - 1, -1, -1):
            assert dC_da is not None  # each sub-layer but the first passes ∂C_i/∂a back
            dC_da = self.layers[k].backward(dC_da, caches[k], rows, need_dC_da_prev or k > 0)
        # the skip: δ itself, or δ back through the projection p
        skip: Array | None = delta
        if self.projection is not None:
            np.copyto(cache.saved["delta_p"], delta)
            skip = self.projection.backward(
                cache.saved["delta_p"], caches[-1], rows, need_dC_da_prev
            )
        if not need_dC_da_prev:
            return None
        assert dC_da is not None and skip is not None
        # ∂C_i/∂a^(l−1) = (the skip's part) + δ_i ∂f_i/∂a^(l−1)
        return np.add(skip, dC_da, out=cache.dC_da_prev)

    # -- the glass box, files -----------------------------------------------------------------

    def sub_layer(self, name: str) -> tuple[int, Layer, str]:
        """Where the block's parameter (or buffer) ``name`` lives: (its sub-layer's position in
        f's layers then the projection, 0-based — also the position of that sub-layer's cache
        in ``cache.saved["caches"]`` — the sub-layer, and the name it has there).

        >>> import glassnet as gn
        >>> block = Residual([gn.Dense(2, 2), gn.Dense(2, 2)], projection=None)
        >>> position, layer, own = block.sub_layer("W2")
        >>> position, layer is block.layers[1], own
        (1, True, 'W')
        """
        if name not in self._where:
            raise ValueError(
                f"the Residual has no parameter {name!r}; its parameters are "
                f"{', '.join(self.parameter_names)}"
            )
        layer, own = self._where[name]
        position = next(k for k, sub in enumerate(self._all()) if sub is layer)
        return position, layer, own

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """Not by paths of one layer: a parameter inside a block reaches z through the block's
        later sub-layers. :func:`glassnet.explain_parameter` follows it through them itself
        (:mod:`glassnet.explain.residual`), from the sub-layers' own caches."""
        raise ValueError(
            f"{name}{list(index)} enters the Residual's z through its later sub-layers, not by "
            "paths of one layer; gn.explain_parameter(net, X, Y, l, name, index) follows it "
            "through them (and net.gradients(X, Y)[l][name] gives its gradient)"
        )

    def config(self) -> dict[str, Any]:
        """The layers of f and the projection as ``{"type": class name, **config}``, the
        activation as for Dense."""
        act = self.activation
        config: dict[str, Any] = {
            "layers": [{"type": type(layer).__name__, **layer.config()} for layer in self.layers],
            "projection": None
            if self.projection is None
            else {"type": type(self.projection).__name__, **self.projection.config()},
            "activation": {"name": act.name, **act.config()},
        }
        if self.dropout:
            config["dropout"] = self.dropout
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Residual:
        """The block :meth:`config` describes; each sub-layer's type is looked up among the
        registered ones (:data:`glassnet.layers.LAYERS`), never imported by name."""
        params = dict(config)
        layers = params.pop("layers", None)
        if not isinstance(layers, list):
            raise ValueError(f"a Residual's config needs 'layers', a list; got {layers!r}")
        projection = params.pop("projection", None)
        built = [_sub_layer(spec) for spec in layers]
        proj = None if projection is None else _sub_layer(projection)
        return cls(
            built,
            projection=proj,
            activation=params.pop("activation", "identity"),
            **params,
        )

    def __repr__(self) -> str:
        extras = "" if self.projection is None else f", projection={self.projection!r}"
        if self.activation.name != "identity":
            extras += f", activation={self.activation!r}"
        if self.dropout:
            extras += f", dropout={self.dropout:g}"
        return f"Residual({self.layers!r}{extras})"


def _sub_layer(spec: Any) -> Layer:
    """A sub-layer from its ``{"type": …, **config}`` entry, its type a registered one."""
    from .registry import LAYERS  # the registry imports this module: look it up when needed

    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ValueError(
            f"each layer of a Residual's config is {{'type': <class name>, **its config}}, "
            f"got {spec!r}"
        )
    params = dict(spec)
    name = params.pop("type")
    if name not in LAYERS:
        raise ValueError(
            f"a Residual's layer is of type {name!r}, which is not registered; register its "
            f"class with glassnet.layers.register(cls). Registered: {', '.join(sorted(LAYERS))}"
        )
    return LAYERS[name].from_config(params)
