"""The feedforward network of the tutorial: forward pass, backpropagation, gradients.

Notation (the one table; ``docs/notation.md`` says the same)
-----------------------------------------------------------
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

import copy
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import costs as cost_functions
from ._inputs import as_dtype, as_features, as_rng, as_targets, positive_int
from .activations import Activation, Softmax
from .costs import Cost
from .layers import Dense

if TYPE_CHECKING:
    from .callbacks import Callback
    from .diagnosis import NetworkDiagnosis, NetworkThresholds
    from .explain import GradientExplanation, Ledger, NeuronExplanation
    from .optimizers import Optimizer
    from .training import History

Array = NDArray[np.floating[Any]]
T = TypeVar("T")

__all__ = ["ByLayer", "Gradients", "Network", "Trace"]


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
        self._items: list[T] | _LayerAttribute[T] = (
            items if isinstance(items, _LayerAttribute) else list(items)
        )
        self.first = first
        self.last = first + len(self._items) - 1
        self.symbol = symbol

    def _index(self, l: int) -> int:
        if isinstance(l, bool) or not isinstance(l, (int, np.integer)):
            raise TypeError(f"{self.symbol}[l] takes a layer number l, got {l!r}")
        if l < 0:
            l = l + self.last + 1
        if not self.first <= l <= self.last:
            why = (
                " (layer 0 is the input layer: it has no weights, biases, z or δ)"
                if l == 0 and self.first == 1
                else ""
            )
            raise IndexError(
                f"{self.symbol}[{l}] does not exist: {self.symbol} is defined for layers "
                f"l = {self.first}..{self.last}{why}"
            )
        return int(l) - self.first

    def __getitem__(self, l: int) -> T:
        return self._items[self._index(l)]

    def __setitem__(self, l: int, value: Any) -> None:
        i = self._index(l)
        old = self._items[i]
        if value is old:
            return  # ``net.W[l] -= dW`` already changed it in place
        if isinstance(old, np.ndarray):
            new = np.asarray(value)
            if new.shape != old.shape:
                raise ValueError(
                    f"{self.symbol}[{l}] has shape {old.shape}; cannot assign shape {new.shape}"
                )
            if not np.isfinite(new).all():
                raise ValueError(f"{self.symbol}[{l}] must be finite; the new value has NaN/inf")
            old[...] = new
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
            parts.append(f"{l}: {'array' + str(shape) if shape is not None else item!r}")
        return f"{self.symbol}{{{', '.join(parts)}}}"


class _LayerAttribute(Sequence[T]):
    """``getattr(layer, name)`` of each layer, looked up at each access: a view, not a copy.

    ``net.W`` and ``net.b`` are ``ByLayer``s over this view, so ``net.W[l]`` costs the same in a
    network of 2 layers or of 20,000 (a list of all L arrays built on each ``net.W`` made every
    loop over l take time L²), and always gives the layer's current array.
    """

    def __init__(self, layers: list[Dense], name: str) -> None:
        self._layers = layers
        self._name = name

    def __len__(self) -> int:
        return len(self._layers)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [getattr(layer, self._name) for layer in self._layers[i]]
        item: T = getattr(self._layers[i], self._name)
        return item

    def __setitem__(self, i: int, value: T) -> None:
        setattr(self._layers[i], self._name, value)

    def __iter__(self) -> Iterator[T]:
        return (getattr(layer, self._name) for layer in self._layers)


@dataclass(repr=False)
class Gradients:
    """∂C/∂W^(l) and ∂C/∂b^(l) for l = 1..L, shaped like ``net.W[l]`` and ``net.b[l]``.

    ``g.W[l][j, k]`` is ∂C/∂w^(l)_jk for the mini-batch cost C = (1/m) Σ_i C_i.
    """

    W: ByLayer[Array]
    b: ByLayer[Array]

    def vector(self) -> Array:
        """The tutorial's gradient vector ∇C, in the order of :meth:`Network.parameter_names`."""
        return np.concatenate(
            [p for W, b in zip(self.W, self.b, strict=True) for p in (W.ravel(), b)]
        )

    def norms(self) -> dict[int, tuple[float, float]]:
        """``{l: (‖∂C/∂W^(l)‖, ‖∂C/∂b^(l)‖)}``, Frobenius norms per layer."""
        return {
            l: (float(np.linalg.norm(W)), float(np.linalg.norm(self.b[l])))
            for l, W in self.W.items()
        }

    def __repr__(self) -> str:
        rows = [f"  l={l}: ‖∂C/∂W‖={w:.4g} ‖∂C/∂b‖={b:.4g}" for l, (w, b) in self.norms().items()]
        return "Gradients(\n" + "\n".join(rows) + "\n)"


@dataclass(repr=False)
class Trace:
    """Every number of one forward and backward pass over a mini-batch (see :meth:`Network.trace`).

    Attributes:
        a: a^(l) for l = 0..L, shape (m, n_l); ``a[0]`` is X.
        z: z^(l) for l = 1..L, shape (m, n_l).
        delta: δ^(l) = ∂C_i/∂z^(l) for l = 1..L, one row per sample i.
        dC_da: ∂C_i/∂a^(l) for l = 0..L, one row per sample i.
        dW, db: ∂C/∂W^(l), ∂C/∂b^(l) of the mini-batch cost, l = 1..L.
        y: the targets as an (m, n_L) array.
        costs: C_i for each sample, shape (m,).
        cost: the mini-batch cost C = mean(costs) + penalty.
        penalty: (λ₂/2) Σ_l ‖W^(l)‖² + λ₁ Σ_l Σ |w^(l)_jk| (0 without ``l2``/``l1``).
    """

    a: ByLayer[Array]
    z: ByLayer[Array]
    delta: ByLayer[Array]
    dC_da: ByLayer[Array]
    dW: ByLayer[Array]
    db: ByLayer[Array]
    y: Array
    costs: Array
    cost: float
    penalty: float = 0.0

    @property
    def L(self) -> int:
        return self.z.last

    @property
    def gradients(self) -> Gradients:
        """The mini-batch gradients as a :class:`Gradients`."""
        return Gradients(self.dW, self.db)

    def __repr__(self) -> str:
        m = self.a[0].shape[0]
        return f"Trace(m={m}, L={self.L}, cost={self.cost:.6g})"

    def _repr_html_(self) -> str:
        from .explain import trace_html

        return trace_html(self)

    def __str__(self) -> str:
        fmt = {"float_kind": lambda v: f"{v: .4g}"}

        def show(name: str, arr: Array) -> str:
            text = np.array2string(arr, formatter=fmt, max_line_width=100, threshold=60)  # type: ignore[arg-type]
            return f"  {name} =\n" + "\n".join("    " + line for line in text.splitlines())

        lines = [f"forward pass (m = {self.a[0].shape[0]} samples, one per row)"]
        lines.append(show("a^(0) = X", self.a[0]))
        for l in self.z.keys():  # noqa: SIM118 (a ByLayer, not a dict)
            lines.append(show(f"z^({l}) = a^({l - 1}) W^({l})ᵀ + b^({l})", self.z[l]))
            lines.append(show(f"a^({l}) = σ(z^({l}))", self.a[l]))
        if self.penalty:
            lines.append(
                f"cost C = (1/m) Σ C_i + penalty = {self.cost - self.penalty:.6g} + "
                f"{self.penalty:.6g} = {self.cost:.6g}"
            )
        else:
            lines.append(f"cost C = (1/m) Σ C_i = {self.cost:.6g}")
        lines.append("backward pass (δ and ∂C/∂a per sample; gradients averaged over the batch)")
        for l in reversed(self.z.keys()):
            lines.append(show(f"δ^({l}) = ∂C/∂z^({l})", self.delta[l]))
            lines.append(show(f"∂C/∂W^({l})", self.dW[l]))
            lines.append(show(f"∂C/∂b^({l})", self.db[l]))
        return "\n".join(lines)


class Network:
    """A feedforward network: layers 1..L of :class:`~glassnet.Dense`, and a cost.

    Args:
        layers: the weighted layers, in order; ``layers[l-1]`` is layer l.
        cost: ``"quadratic"`` (½‖y − a‖², Nielsen's), ``"mse"`` (‖y − a‖², the tutorial's),
            ``"elementwise_mse"``, ``"cross_entropy"`` (softmax output) or
            ``"binary_cross_entropy"`` (sigmoid output), or a Cost (see :mod:`glassnet.costs`).
        seed: seeds the weights and, unless ``fit`` gets its own seed, the shuffling.
            An int, ``None`` (fresh randomness) or a ``numpy.random.Generator``.
        dtype: ``"float32"`` (default, fast) or ``"float64"`` (for checking gradients).
        l2, l1: the penalty coefficients λ₂ and λ₁. The cost becomes
            C = (1/m) Σ_i C_i + (λ₂/2) Σ_l ‖W^(l)‖² + λ₁ Σ_l Σ_jk |w^(l)_jk|: the penalty is
            added once to the mini-batch *average*, so λ does not depend on the batch size or
            the size of the training set (``docs/regularisation.md`` converts from other
            conventions). Biases are not penalised.

    Attributes:
        optimizer: the optimizer the latest :meth:`fit` trained with, state and all (``None``
            before any fit). :meth:`diagnose` measures its step unless given another. It is
            not saved in model files (a loaded network has ``None``); checkpoints keep theirs.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network([gn.Dense(2, 3), gn.Dense(3, 1)], cost="quadratic", seed=0)
        >>> net.sizes, net.L
        ([2, 3, 1], 2)
        >>> net.forward(np.array([[0.0, 1.0]])).shape
        (1, 1)
    """

    def __init__(
        self,
        layers: Sequence[Dense],
        cost: str | Cost = "quadratic",
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = "float32",
        *,
        l2: float = 0.0,
        l1: float = 0.0,
    ) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("a Network needs at least one layer, e.g. [gn.Dense(2, 1)]")
        for i, layer in enumerate(layers, start=1):
            if not isinstance(layer, Dense):
                raise ValueError(f"layer {i} must be a glassnet Dense, got {type(layer).__name__}")
            if i > 1 and layer.n_in != layers[i - 2].n_out:
                raise ValueError(
                    f"layer {i} takes n_in = {layer.n_in} inputs, but layer {i - 1} has "
                    f"n_out = {layers[i - 2].n_out} neurons; make them equal"
                )
        self.layers: list[Dense] = layers
        self.cost_function: Cost = cost_functions.get(cost)
        self.cost_function.check_output(layers[-1].activation)
        if isinstance(layers[-1].activation, Softmax) and layers[-1].n_out == 1:
            raise ValueError(
                "a softmax output layer of one neuron always outputs 1 and cannot learn; "
                "use at least 2 output neurons, or sigmoid for a single yes/no output"
            )
        if layers[-1].dropout:
            raise ValueError(
                f"dropout={layers[-1].dropout:g} on the output layer {len(layers)} would switch "
                "off the network's answers; put dropout on hidden layers only"
            )
        self.l2 = l2
        self.l1 = l1
        self.dtype = as_dtype(dtype)
        self.rng = as_rng(seed)
        self.optimizer: Optimizer | None = None  # set by fit: what it last trained with
        for layer in self.layers:
            layer.build(self.rng, self.dtype)

    @classmethod
    def from_sizes(
        cls,
        sizes: Sequence[int],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        cost: str | Cost = "quadratic",
        seed: int | np.random.Generator | None = None,
        init: str | None = None,
        dtype: DTypeLike = "float32",
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
    ) -> Network:
        """Build a network from layer sizes ``[n_0, n_1, …, n_L]``, as the tutorial draws it.

        Args:
            sizes: neurons per layer, input first.
            activation: σ of the hidden layers.
            output_activation: σ of layer L; ``None`` means the same as ``activation``.
            cost, seed, dtype, l2, l1: as for :class:`Network`.
            init: ``"small"``, ``"xavier"``, ``"he"``, or ``None``: ``he`` for the relu family
                and ``xavier`` otherwise (see :mod:`glassnet.init`).
            dropout: the dropout probability of every hidden layer (see :class:`Dense`).

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([784, 30, 10], activation="sigmoid", seed=0)
            >>> net
            Network([784, 30, 10], activations=[sigmoid, sigmoid], cost=quadratic, dtype=float32)
        """
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(
                f"sizes needs at least an input and an output layer, e.g. [2, 1]; got {sizes}"
            )
        sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        out = activation if output_activation is None else output_activation
        layers = [
            Dense(
                sizes[l - 1],
                sizes[l],
                activation=out if l == len(sizes) - 1 else activation,
                init=init,
                dropout=dropout if l < len(sizes) - 1 else 0.0,
            )
            for l in range(1, len(sizes))
        ]
        return cls(layers, cost=cost, seed=seed, dtype=dtype, l2=l2, l1=l1)

    # -- the notation -------------------------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """``[n_0, n_1, …, n_L]``."""
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    @property
    def L(self) -> int:
        """The number of weighted layers (the output layer's number)."""
        return len(self.layers)

    @property
    def W(self) -> ByLayer[Array]:
        """W^(l) for l = 1..L, the live weight arrays, shape (n_l, n_{l−1})."""
        return ByLayer(_LayerAttribute[Array](self.layers, "W"), 1, "W")

    @property
    def b(self) -> ByLayer[Array]:
        """b^(l) for l = 1..L, the live bias arrays, shape (n_l,)."""
        return ByLayer(_LayerAttribute[Array](self.layers, "b"), 1, "b")

    @property
    def n_params(self) -> int:
        """The number of weights and biases: the length of ∇C."""
        return sum(layer.n_params for layer in self.layers)

    @property
    def l2(self) -> float:
        """λ₂, the coefficient of the L2 penalty (λ₂/2) Σ_l ‖W^(l)‖² (0: none)."""
        return self._l2

    @l2.setter
    def l2(self, value: float) -> None:
        self._l2 = _penalty_coefficient(value, "l2")

    @property
    def l1(self) -> float:
        """λ₁, the coefficient of the L1 penalty λ₁ Σ_l Σ_jk |w^(l)_jk| (0: none)."""
        return self._l1

    @l1.setter
    def l1(self, value: float) -> None:
        self._l1 = _penalty_coefficient(value, "l1")

    # -- forward ------------------------------------------------------------------------------

    def _features(self, X: Any) -> Array:
        return as_features(X, self.sizes[0], self.dtype)

    def _forward(self, X: Array) -> tuple[list[Array], list[Array]]:
        """a^(0..L) and z^(0..L) (z[0] unused) for checked input; the cache backward consumes."""
        a, z = [X], [X]
        for layer in self.layers:
            z_l, a_l = layer.forward(a[-1])  # z^(l) = a^(l−1) W^(l)ᵀ + b^(l), a^(l) = σ(z^(l))
            z.append(z_l)
            a.append(a_l)
        return a, z

    def forward(self, X: Any) -> Array:
        """The output activations a^(L), shape (m, n_L), for the rows of X (shape (m, n_0)).

        A single sample may be given as a 1-D array of length n_0; the result is then 1-D.
        """
        x = np.asarray(X)
        if x.ndim == 1 and x.shape[0] == self.sizes[0]:
            return self.forward(x[None, :])[0]
        a = self._features(x)
        for layer in self.layers:
            a = layer.forward(a)[1]
        return a

    predict = forward

    def _forward_dropout(
        self, X: Array, masks: Sequence[Array | None]
    ) -> tuple[list[Array], list[Array], list[Array]]:
        """The training forward pass with dropout: a^(l) = σ(z^(l)) ⊙ mask^(l).

        Returns a (the dropped activations each next layer sees), z, and s with
        s^(l) = σ(z^(l)) before the mask, which σ' needs. ``masks[l]`` is layer l's mask or
        ``None`` (index 0 unused), as :meth:`dropout_masks` makes them.
        """
        a, z, s = [X], [X], [X]
        for l, layer in enumerate(self.layers, start=1):
            z_l, s_l = layer.forward(a[-1])
            mask = masks[l]
            a.append(s_l if mask is None else s_l * mask)
            z.append(z_l)
            s.append(s_l)
        return a, z, s

    def dropout_masks(self, m: int, rng: int | np.random.Generator | None = None) -> list[Any]:
        """Fresh dropout masks for a mini-batch of m samples: index l holds layer l's mask
        (0 or 1/(1 − p) per sample and neuron), or ``None`` for a layer without dropout.

        ``fit`` draws new masks for every mini-batch; :meth:`gradients` and
        :func:`~glassnet.gradient_check` accept fixed ones through ``masks=``.

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 4, 1], dropout=0.5, seed=0)
            >>> masks = net.dropout_masks(3, rng=0)
            >>> masks[1].shape, sorted(set(masks[1].ravel().tolist())), masks[2]
            ((3, 4), [0.0, 2.0], None)
        """
        m = positive_int(m, "m")
        rng = as_rng(rng)
        masks: list[Any] = [None]
        for layer in self.layers:
            masks.append(layer.dropout_mask(m, rng, self.dtype) if layer.dropout else None)
        return masks

    @property
    def has_dropout(self) -> bool:
        """Whether any layer drops neurons while training."""
        return any(layer.dropout for layer in self.layers)

    def _check_masks(self, masks: Sequence[Any], m: int) -> list[Array | None]:
        if not isinstance(masks, (list, tuple)) or len(masks) != self.L + 1:
            raise ValueError(
                f"masks must be a list of L + 1 = {self.L + 1} entries (index 0 unused), as "
                "net.dropout_masks(m) makes them"
            )
        checked: list[Array | None] = [None]
        for l, mask in enumerate(masks[1:], start=1):
            if mask is None:
                checked.append(None)
                continue
            arr = np.asarray(mask, dtype=self.dtype)
            if arr.shape != (m, self.sizes[l]):
                raise ValueError(
                    f"masks[{l}] has shape {arr.shape}, expected (m, n_{l}) = "
                    f"({m}, {self.sizes[l]}); make masks with net.dropout_masks(m)"
                )
            checked.append(arr)
        return checked

    # -- the penalty ----------------------------------------------------------------------------

    def penalty(self) -> float:
        """(λ₂/2) Σ_l ‖W^(l)‖² + λ₁ Σ_l Σ_jk |w^(l)_jk|, the part of C that keeps weights small.

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 1], seed=0, l2=0.5)
            >>> net.W[1] = [[3.0, 4.0]]
            >>> net.penalty()  # (0.5 / 2) · (3² + 4²)
            6.25
        """
        total = 0.0
        for layer in self.layers:
            if self.l2:
                total += 0.5 * self.l2 * float(np.vdot(layer.W, layer.W))
            if self.l1:
                total += self.l1 * float(np.abs(layer.W).sum())
        return total

    def _add_penalty_gradient(self, dW: list[Array]) -> None:
        """∂/∂W^(l) of the penalty, added in place: λ₂ W^(l) + λ₁ sign(W^(l))."""
        for l, layer in enumerate(self.layers, start=1):
            if self.l2:
                dW[l] += self.l2 * layer.W
            if self.l1:
                dW[l] += self.l1 * np.sign(layer.W)

    # -- cost and backpropagation -------------------------------------------------------------

    def _output(self, a: list[Array], z: list[Array], y: Array) -> tuple[Array, Array]:
        """Per-sample costs C_i and δ^(L) = ∂C_i/∂z^(L) for each row."""
        cost, act = self.cost_function, self.layers[-1].activation
        costs = cost.per_sample(a[-1], y, z[-1])
        delta = cost.output_delta(a[-1], y, z[-1], act)  # δ^(L) = ∂C/∂a^(L) ⊙ σ'(z^(L))
        return costs, delta

    def _backward(
        self,
        a: list[Array],
        z: list[Array],
        delta_L: Array,
        record: bool = False,
        masks: Sequence[Array | None] | None = None,
        s: list[Array] | None = None,
    ) -> tuple[list[Array], list[Array], list[Array], list[Array]]:
        """The chain rule from layer L back to layer 1: the backpropagation loop.

        ``delta_L`` is ∂C/∂z^(L) of the *mini-batch* cost C = (1/m) Σ C_i, that is δ_i^(L) / m
        per row, so that summing over rows gives the mini-batch average. Returns per-layer
        lists ``dW, db`` (index l = 1..L) and, when ``record``, the δ and ∂C/∂a lists too.
        With dropout, ``masks`` and ``s`` come from :meth:`_forward_dropout`.
        """
        L = self.L
        dW: list[Array] = [np.empty(0)] * (L + 1)
        db: list[Array] = [np.empty(0)] * (L + 1)
        deltas: list[Array] = [np.empty(0)] * (L + 1)
        dC_das: list[Array] = [np.empty(0)] * (L + 1)
        delta = delta_L
        for l in range(L, 0, -1):
            layer = self.layers[l - 1]
            dW[l], db[l], dC_da_prev = layer.backward(delta, a[l - 1], record or l > 1)
            if record:
                deltas[l] = delta
                dC_das[l - 1] = dC_da_prev  # type: ignore[assignment]
            if l > 1:
                sigma = a[l - 1]
                if masks is not None and s is not None and masks[l - 1] is not None:
                    # a = σ(z) ⊙ mask, so ∂C/∂σ(z) = ∂C/∂a ⊙ mask: a dropped neuron passes nothing
                    dC_da_prev = dC_da_prev * masks[l - 1]  # type: ignore[operator]
                    sigma = s[l - 1]
                # δ^(l−1) = ∂C/∂a^(l−1) ⊙ σ'(z^(l−1)): δ^(l) is reused, nothing else recomputed
                delta = self.layers[l - 2].activation.backward(z[l - 1], sigma, dC_da_prev)  # type: ignore[arg-type]
        return dW, db, deltas, dC_das

    def _check_xy(self, X: Any, Y: Any) -> tuple[Array, Array, NDArray[np.intp] | None]:
        x = self._features(X)
        y, labels = as_targets(Y, x.shape[0], self.sizes[-1], self.dtype)
        return x, y, labels

    def check_data(self, X: Any, Y: Any) -> tuple[Array, Array, NDArray[np.intp] | None]:
        """(X, Y) checked and converted as training sees them: ``(x, y, labels)``.

        x is (m, n_0) and y is (m, n_L), both in the network's dtype; ``labels`` holds the
        class of each row when Y was given as class labels (or one-hot rows), else ``None``.
        Raises ValueError, saying what is wrong and how to fix it, for anything else.

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 2], seed=0)
            >>> x, y, labels = net.check_data([[0, 1], [1, 0]], [1, 0])
            >>> y.tolist(), labels.tolist()
            ([[0.0, 1.0], [1.0, 0.0]], [1, 0])
        """
        return self._check_xy(X, Y)

    def forward_pass(self, X: Any) -> tuple[ByLayer[Array], ByLayer[Array]]:
        """``(a, z)``: every a^(l) (l = 0..L, ``a[0]`` is X) and z^(l) (l = 1..L) for the rows
        of X, without targets or backpropagation (see :meth:`trace` for those).

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
            >>> a, z = net.forward_pass([[0.0, 1.0]])
            >>> a[0].shape, z[1].shape, a[2].shape
            ((1, 2), (1, 3), (1, 1))
        """
        a, z = self._forward(self._features(X))
        return ByLayer(a, 0, "a"), ByLayer(z[1:], 1, "z")

    def cost_and_gradients(
        self,
        X: Any,
        Y: Any,
        masks: Sequence[Any] | None = None,
        sample_weight: Any = None,
    ) -> tuple[float, Array, Gradients]:
        """One training step's work: the cost C, the outputs a^(L) and ∂C/∂W, ∂C/∂b.

        ``masks`` (from :meth:`dropout_masks`) fixes which neurons dropout switches off;
        ``sample_weight`` (one s_i ≥ 0 per row) makes C the weighted mean Σ s_i C_i / Σ s_i.

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
            >>> C, a_L, g = net.cost_and_gradients([[0.0, 1.0]], [[1.0]])
            >>> bool(C == net.cost([[0.0, 1.0]], [[1.0]])), a_L.shape
            (True, (1, 1))
        """
        x, y, _ = self._check_xy(X, Y)
        checked = None if masks is None else self._check_masks(masks, x.shape[0])
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=self.dtype)
            if weights.shape != (x.shape[0],) or not np.all(np.isfinite(weights) & (weights >= 0)):
                raise ValueError(
                    f"sample_weight must be one finite weight >= 0 per row, shape "
                    f"({x.shape[0]},), got {np.shape(sample_weight)}"
                )
        return self._cost_and_gradients(x, y, checked, weights)

    def trace(self, X: Any, Y: Any) -> Trace:
        """Run the forward and backward pass on a mini-batch and keep every number.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
            >>> t = net.trace(np.array([[0.0, 1.0]]), np.array([[1.0]]))
            >>> t.a[0].shape, t.z[1].shape, t.delta[2].shape, t.dW[1].shape
            ((1, 2), (1, 2), (1, 1), (2, 2))
        """
        x, y, _ = self._check_xy(X, Y)
        m = x.shape[0]
        a, z = self._forward(x)
        costs, delta_L = self._output(a, z, y)
        dW, db, deltas, dC_das = self._backward(a, z, delta_L / m, record=True)
        self._add_penalty_gradient(dW)
        penalty = self.penalty()
        # the loop ran on ∂C/∂z = δ_i / m; the trace shows each sample's own δ_i = ∂C_i/∂z
        deltas = [d * m for d in deltas[1:]]
        dC_das = [d * m for d in dC_das[:-1]]
        dC_das.append(self.cost_function.derivative(a[-1], y))  # ∂C_i/∂a^(L)
        return Trace(
            a=ByLayer(a, 0, "a"),
            z=ByLayer(z[1:], 1, "z"),
            delta=ByLayer(deltas, 1, "δ"),
            dC_da=ByLayer(dC_das, 0, "∂C/∂a"),
            dW=ByLayer(dW[1:], 1, "∂C/∂W"),
            db=ByLayer(db[1:], 1, "∂C/∂b"),
            y=y,
            costs=costs,
            cost=float(np.mean(costs)) + penalty,
            penalty=penalty,
        )

    def _cost_and_gradients(
        self,
        x: Array,
        y: Array,
        masks: Sequence[Array | None] | None = None,
        weights: Array | None = None,
    ) -> tuple[float, Array, Gradients]:
        """The training step's work: C, a^(L) and the gradients, for checked x and y.

        With dropout ``masks`` (see :meth:`dropout_masks`), the forward and backward passes
        run on the thinned network those masks pick. With per-sample ``weights`` s_i, C is
        the weighted mean Σ_i s_i C_i / Σ_i s_i instead of (1/m) Σ_i C_i.
        """
        if masks is None:
            a, z = self._forward(x)
            s = None
        else:
            a, z, s = self._forward_dropout(x, masks)
        costs, delta_L = self._output(a, z, y)
        if weights is None:  # C = (1/m) Σ_i C_i, so ∂C/∂z_i^(L) = δ_i^(L) / m
            cost, delta_L = float(np.mean(costs)), delta_L / x.shape[0]
        else:  # C = Σ_i share_i C_i, so ∂C/∂z_i^(L) = share_i δ_i^(L)
            share = weight_shares(weights)
            cost, delta_L = float(np.dot(share, costs)), delta_L * share[:, None]
        dW, db, _, _ = self._backward(a, z, delta_L, masks=masks, s=s)
        if self.l2 or self.l1:
            self._add_penalty_gradient(dW)
            cost += self.penalty()
        grads = Gradients(ByLayer(dW[1:], 1, "∂C/∂W"), ByLayer(db[1:], 1, "∂C/∂b"))
        return cost, a[-1], grads

    def _cost_value(self, x: Array, y: Array, masks: Sequence[Array | None] | None = None) -> float:
        """C = (1/m) Σ_i C_i + penalty for checked x and y (with fixed dropout masks, if given)."""
        a, z = self._forward(x) if masks is None else self._forward_dropout(x, masks)[:2]
        return float(np.mean(self.cost_function.per_sample(a[-1], y, z[-1]))) + self.penalty()

    def gradients(self, X: Any, Y: Any, masks: Sequence[Any] | None = None) -> Gradients:
        """∂C/∂W^(l) and ∂C/∂b^(l) of the mini-batch cost C = (1/m) Σ_i C_i (+ penalty), by
        backpropagation.

        ``masks`` (from :meth:`dropout_masks`) fixes which neurons dropout switches off;
        without it the gradients are those of the whole network, as used for prediction.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
            >>> g = net.gradients(np.array([[0.0, 1.0]]), np.array([1]))
            >>> g.W[1].shape == net.W[1].shape
            True
        """
        x, y, _ = self._check_xy(X, Y)
        checked = None if masks is None else self._check_masks(masks, x.shape[0])
        return self._cost_and_gradients(x, y, checked)[2]

    def cost(self, X: Any, Y: Any, masks: Sequence[Any] | None = None) -> float:
        """The cost C = (1/m) Σ_i C_i + penalty of the network on (X, Y).

        ``masks`` (from :meth:`dropout_masks`) evaluates the thinned network they pick.
        """
        x, y, _ = self._check_xy(X, Y)
        checked = None if masks is None else self._check_masks(masks, x.shape[0])
        return self._cost_value(x, y, checked)

    # -- the gradient vector ------------------------------------------------------------------

    def parameter_names(self) -> list[str]:
        """Names of the entries of ∇C, in order: for l = 1..L, W[l] row by row, then b[l].

        >>> import glassnet as gn
        >>> gn.Network.from_sizes([2, 1], seed=0).parameter_names()
        ['W[1][0,0]', 'W[1][0,1]', 'b[1][0]']
        """
        names = []
        for l, layer in enumerate(self.layers, start=1):
            names += [f"W[{l}][{j},{k}]" for j in range(layer.n_out) for k in range(layer.n_in)]
            names += [f"b[{l}][{j}]" for j in range(layer.n_out)]
        return names

    def parameter_vector(self) -> Array:
        """All weights and biases in one flat copy, in the order of :meth:`parameter_names`."""
        return Gradients(self.W, self.b).vector()

    def unflatten(self, v: Any) -> Gradients:
        """Split a flat vector (such as ∇C) back into per-layer arrays ``.W[l]`` and ``.b[l]``."""
        v = np.asarray(v)
        if v.shape != (self.n_params,):
            raise ValueError(
                f"expected a flat vector of length n_params = {self.n_params}, got shape {v.shape}"
            )
        Ws, bs, i = [], [], 0
        for layer in self.layers:
            Ws.append(v[i : i + layer.W.size].reshape(layer.W.shape))
            i += layer.W.size
            bs.append(v[i : i + layer.n_out])
            i += layer.n_out
        return Gradients(ByLayer(Ws, 1, "W"), ByLayer(bs, 1, "b"))

    def set_parameter_vector(self, v: Any) -> None:
        """Overwrite every weight and bias from a flat vector (see :meth:`parameter_vector`)."""
        parts = self.unflatten(v)
        for l in range(1, self.L + 1):
            self.W[l] = parts.W[l]
            self.b[l] = parts.b[l]

    def gradient_vector(self, X: Any, Y: Any) -> Array:
        """The tutorial's ∇C: every ∂C/∂w and ∂C/∂b in one flat vector.

        The order is that of :meth:`parameter_names`; :meth:`unflatten` undoes it.
        """
        return self.gradients(X, Y).vector()

    # -- training and evaluation --------------------------------------------------------------

    def fit(
        self,
        X: Any,
        Y: Any,
        epochs: int = 30,
        batch_size: int = 10,
        optimizer: Optimizer | None = None,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
        seed: int | np.random.Generator | None = None,
        verbose: int = 1,
        callbacks: Sequence[Callback] = (),
        initial_epoch: int = 0,
        history: History | None = None,
        *,
        sample_weight: Any = None,
    ) -> History:
        """Train by mini-batch gradient descent: :func:`glassnet.training.fit` as a method.

        (glassnet.training puts fit's full documentation here when it is imported.)
        """
        from .training import fit

        return fit(
            self,
            X,
            Y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            validation_data=validation_data,
            shuffle=shuffle,
            seed=seed,
            verbose=verbose,
            callbacks=callbacks,
            initial_epoch=initial_epoch,
            history=history,
            sample_weight=sample_weight,
        )

    def evaluate(self, X: Any, Y: Any) -> dict[str, float]:
        """``{"loss": C, "accuracy": …}`` on (X, Y); accuracy only for classification targets.

        The loss is the cost C that training minimises, penalty included.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 2], seed=0)
            >>> sorted(net.evaluate(np.zeros((4, 2)), np.array([0, 1, 0, 1])))
            ['accuracy', 'loss']
        """
        x, y, labels = self._check_xy(X, Y)
        a, z = self._forward(x)
        data_cost = float(np.mean(self.cost_function.per_sample(a[-1], y, z[-1])))
        result = {"loss": data_cost + self.penalty()}
        if labels is not None:
            result["accuracy"] = accuracy(a[-1], labels)
        return result

    # -- the glass box: glassnet.explain and glassnet.diagnosis --------------------------------

    def explain_neuron(self, x: Any, l: int, j: int) -> NeuronExplanation:
        """Neuron j of layer l on one sample x: a^(l)_j = σ(Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j),
        every term with its value; see :func:`glassnet.explain.explain_neuron`.

        Example:
            >>> import glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
            >>> e = net.explain_neuron([1.0, 0.5], 1, 0)
            >>> bool(abs(e.a - net.trace([[1.0, 0.5]], [[0.0]]).a[1][0, 0]) < 1e-15)
            True
        """
        from .explain import explain_neuron

        return explain_neuron(self, x, l, j)

    def explain_weight(self, X: Any, Y: Any, l: int, j: int, k: int) -> GradientExplanation:
        """Why ∂C/∂w^(l)_jk has its value: the chain-rule factors and paths with their numbers;
        see :func:`glassnet.explain.explain_weight`.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
            >>> X, Y = np.array([[0.5, -1.0]]), np.array([[1.0]])
            >>> e = net.explain_weight(X, Y, 1, 2, 0)
            >>> bool(np.isclose(e.value, net.gradients(X, Y).W[1][2, 0]))
            True
        """
        from .explain import explain_weight

        return explain_weight(self, X, Y, l, j, k)

    def explain_bias(self, X: Any, Y: Any, l: int, j: int) -> GradientExplanation:
        """Why ∂C/∂b^(l)_j has its value; see :func:`glassnet.explain.explain_bias`."""
        from .explain import explain_bias

        return explain_bias(self, X, Y, l, j)

    def explain_activation(self, X: Any, Y: Any, l: int, k: int) -> GradientExplanation:
        """Why ∂C/∂a^(l)_k has its value; see :func:`glassnet.explain.explain_activation`."""
        from .explain import explain_activation

        return explain_activation(self, X, Y, l, k)

    def backprop_ledger(self, X: Any, Y: Any) -> Ledger:
        """The three partial derivatives of every layer, and where δ^(l+1) is reused to get
        δ^(l); see :func:`glassnet.explain.backprop_ledger`."""
        from .explain import backprop_ledger

        return backprop_ledger(self, X, Y)

    def backprop_per_example(self, X: Any, Y: Any) -> Gradients:
        """The textbook loop, one sample at a time, kept as a teaching reference: equal to
        :meth:`gradients`; see :func:`glassnet.explain.backprop_per_example`."""
        from .explain import backprop_per_example

        return backprop_per_example(self, X, Y)

    def diagnose(
        self,
        X: Any,
        Y: Any,
        optimizer: Optimizer | None = None,
        thresholds: NetworkThresholds | None = None,
    ) -> NetworkDiagnosis:
        """Vanishing or exploding gradients, saturated and dead units, step sizes, in plain
        language with fixes; see :func:`glassnet.diagnosis.diagnose`. The network is not
        changed."""
        from .diagnosis import diagnose

        return diagnose(self, X, Y, optimizer=optimizer, thresholds=thresholds)

    def _repr_html_(self) -> str:
        from .explain import network_html

        return network_html(self)

    # -- housekeeping -------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None) -> None:
        """Save to glassnet's model file (safetensors layout); see :func:`glassnet.io.save`.

        ``gn.load(path)`` gives the network back, bit for bit.
        """
        from .io import save

        save(self, path, metadata=metadata)

    def copy(self) -> Network:
        """An independent deep copy (weights, cost, random state)."""
        return copy.deepcopy(self)

    def astype(self, dtype: DTypeLike) -> Network:
        """A copy with every weight and bias in ``dtype`` (``"float32"`` or ``"float64"``)."""
        net = self.copy()
        net.dtype = as_dtype(dtype)
        for layer in net.layers:
            layer.W = layer.W.astype(net.dtype)
            layer.b = layer.b.astype(net.dtype)
        return net

    def summary(self) -> str:
        """A table of the layers: sizes, activations, W and b shapes, parameter counts."""
        rows = [("layer", "neurons", "activation", "W shape", "b shape", "params")]
        rows.append(("0 (input)", str(self.sizes[0]), "-", "-", "-", "0"))
        for l, layer in enumerate(self.layers, start=1):
            rows.append(
                (
                    str(l),
                    str(layer.n_out),
                    repr(layer.activation),
                    str(layer.W.shape),
                    str(layer.b.shape),
                    f"{layer.n_params:,}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(
            f"cost: {self.cost_function!r}   dtype: {self.dtype}   parameters: {self.n_params:,}"
        )
        extras = [
            f"{name} {value:g}" for name, value in (("l2", self.l2), ("l1", self.l1)) if value
        ]
        extras += [
            f"dropout {layer.dropout:g} on layer {l}"
            for l, layer in enumerate(self.layers, 1)
            if layer.dropout
        ]
        if extras:
            lines.append("regularisation: " + ", ".join(extras))
        return "\n".join(lines)

    def __repr__(self) -> str:
        acts = ", ".join(repr(layer.activation) for layer in self.layers)
        extras = "".join(f", {n}={v:g}" for n, v in (("l2", self.l2), ("l1", self.l1)) if v)
        return (
            f"Network({self.sizes}, activations=[{acts}], cost={self.cost_function!r}, "
            f"dtype={self.dtype}{extras})"
        )


def _penalty_coefficient(value: Any, name: str) -> float:
    """Check λ₂ or λ₁: a finite number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number >= 0 such as 1e-4, got {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(
            f"{name} must be a finite number >= 0 (the penalty's strength; 0 turns it off), "
            f"got {value!r}"
        )
    return float(value)


def predicted_classes(a_L: Array, out: NDArray[np.intp] | None = None) -> NDArray[np.intp]:
    """The class each row of output activations stands for: argmax_j a_j, or ``a ≥ 0.5`` for
    a single output neuron; written into ``out`` when given (training reuses one array)."""
    if a_L.shape[1] == 1:
        if out is None:
            return (a_L[:, 0] >= 0.5).astype(np.intp)
        return np.greater_equal(a_L[:, 0], 0.5, out=out, casting="unsafe")
    return np.argmax(a_L, axis=1, out=out)


def weight_shares(weights: Array) -> Array:
    """share_i = s_i / Σ_j s_j: each sample's part of a weighted mini-batch cost.

    The weighted mean C = Σ_i s_i C_i / Σ_i s_i is Σ_i share_i C_i, and ∂C/∂z^(L) of row i
    is share_i δ_i^(L), as it is δ_i^(L) / m for the plain mean. A mini-batch whose weights
    are all 0 holds nothing to learn from: its shares are all 0 (training skips its step).

    >>> weight_shares(np.array([1.0, 3.0, 0.0])).tolist()
    [0.25, 0.75, 0.0]
    """
    total = weights.sum()
    return weights / total if total > 0 else np.zeros_like(weights)


def accuracy(a_L: Array, labels: NDArray[np.intp]) -> float:
    """The fraction of rows whose predicted class equals ``labels``."""
    return float(np.mean(predicted_classes(a_L) == labels))
