"""Layers that only move numbers: :class:`Flatten` and :class:`Reshape`.

Each sample's numbers are kept, in the same (row-major) order; only the shape they are read in
changes. So z^(l) is a^(l−1) laid out anew, σ is the identity, there are no parameters, and the
chain rule through the layer is the same move backwards::

    z_i = reshape(a_i),    ∂C_i/∂a^(l−1)_i = reshape⁻¹(δ_i)

(∂z_j/∂a_k is 1 when z_j is a_k moved, 0 otherwise.) ``Flatten`` turns images into the rows a
:class:`~glassnet.Dense` layer takes; ``Reshape`` turns flat rows (such as 784-pixel MNIST
rows) into the images a pooling or convolution layer takes.

Example:
    >>> import numpy as np, glassnet as gn
    >>> net = gn.Network([gn.layers.Reshape((1, 2, 2)), gn.layers.Flatten(), gn.Dense(4, 1)])
    >>> net.shapes
    [(4,), (1, 2, 2), (4,), (1,)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._inputs import is_whole
from . import Array, Cache, Layer, Path

__all__ = ["Flatten", "Reshape"]


def _shape(value: object, what: str) -> tuple[int, ...]:
    """``value`` as a shape: a tuple of positive integers (one int means a 1-D shape)."""
    shape = (value,) if is_whole(value) else value
    if isinstance(shape, (tuple, list)) and shape and all(is_whole(n) and n >= 1 for n in shape):
        return tuple(int(n) for n in shape)
    raise ValueError(
        f"{what} must be a tuple of positive integers such as (1, 28, 28); got {value!r}"
    )


class _Move(Layer):
    """What both layers share: z is a^(l−1) in another shape, and δ goes back the same way."""

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        moved = a_prev.reshape(a_prev.shape[0], *self.output_shape)  # z_i = reshape(a_i)
        if cache is None:
            return moved
        np.copyto(cache.z, moved)  # the cache's z is made once per mini-batch size: fill it
        return cache.z

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        if not need_dC_da_prev:  # no parameters, so nothing else to compute
            return None
        # ∂C_i/∂a^(l−1)_i = δ_i read back in the input's shape
        np.copyto(cache.dC_da_prev, delta.reshape(cache.dC_da_prev.shape))
        return cache.dC_da_prev

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """Refused: the layer has no parameters."""
        raise ValueError(
            f"{type(self).__name__} has no parameters (it only moves its inputs), so there is "
            f"no {name}[{index}] to explain; explain a parameter of another layer"
        )


class Flatten(_Move):
    """Each sample as one flat row: (m, *shape) → (m, ∏ shape), in row-major order (the
    last axis varies fastest), as ``torch.nn.Flatten()`` does.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> flat = gn.layers.Flatten()
        >>> flat.connect((2, 1, 3))  # the network does this, with what the layer before gives
        >>> flat.output_shape
        (6,)
        >>> flat.forward(np.arange(6.0).reshape(1, 2, 1, 3))
        array([[0., 1., 2., 3., 4., 5.]])
    """

    formula = "a^(l−1) as one row"

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take inputs of any shape; the output is their ∏ input_shape numbers."""
        self.input_shape = tuple(input_shape)
        self.output_shape = (math.prod(self.input_shape),)

    def __repr__(self) -> str:
        return "Flatten()"


class Reshape(_Move):
    """Each sample's numbers in a new ``shape``: (m, *input_shape) → (m, *shape), in row-major
    order (as ``torch.reshape``), e.g. flat 784-pixel rows as (1, 28, 28) images.

    Args:
        shape: one sample's new shape, e.g. ``(1, 28, 28)``. The input may have any shape
            holding as many numbers; a network starting with ``Reshape`` takes flat rows,
            ``(∏ shape,)``, unless the network is given another ``input_shape``.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network([gn.layers.Reshape((1, 28, 28)), gn.layers.Flatten(),
        ...                   gn.Dense(784, 10, activation="softmax")], cost="cross_entropy")
        >>> net.input_shape, net.shapes[1]
        ((784,), (1, 28, 28))
        >>> net.forward(np.zeros(784)).shape  # one flat sample
        (10,)
    """

    formula = "a^(l−1) in a new shape"

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = _shape(shape, "Reshape shape")
        self.input_shape, self.output_shape = (math.prod(self.shape),), self.shape

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take inputs of any shape holding ∏ shape numbers."""
        n, need = math.prod(input_shape), math.prod(self.shape)
        if n != need:
            raise ValueError(
                f"Reshape({self.shape}) needs {need} numbers per sample, not {n}; give a shape "
                f"whose sizes multiply to {n}"
            )
        self.input_shape = tuple(input_shape)

    def config(self) -> dict[str, Any]:
        """The new shape (the input's comes from :meth:`connect`)."""
        return {"shape": list(self.shape)}

    def __repr__(self) -> str:
        return f"Reshape({self.shape})"
