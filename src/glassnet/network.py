"""The feedforward network of the tutorial: the loop over its layers.

    forward    z^(l) = a^(l−1) W^(l)ᵀ + b^(l),  a^(l) = σ_l(z^(l))            for l = 1..L
    cost       C = (1/m) Σ_i C_i,  δ^(L) = ∂C_i/∂a^(L) ⊙ σ'_L(z^(L))
    backward   ∂C/∂W^(l) = (1/m) Σ_i δ^(l)_i ⊗ a^(l−1)_i,   ∂C/∂b^(l) = (1/m) Σ_i δ^(l)_i
               δ^(l−1) = (δ^(l) W^(l)) ⊙ σ'_{l−1}(z^(l−1))                 for l = L..1

:meth:`Network.step` is that loop, and it is what ``fit``, :meth:`Network.gradients` and
:meth:`Network.trace` run; each layer's part of it is in :mod:`glassnet.layers`, and the
update w ← w − η ∂C/∂w in :mod:`glassnet.optimizers`. The notation is declared once, in
:mod:`glassnet.notation` (and ``docs/notation.md``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import costs as cost_functions
from . import training
from ._inputs import (
    as_dtype,
    as_features,
    as_rng,
    as_targets,
    dropout_masks,
    layer_sizes,
    layer_stack,
    output_layer,
    penalty_coefficient,
    positive_int,
    sample_weights,
)
from .activations import Activation, Softmax
from .costs import Cost, accuracy, predicted_classes, weight_shares  # noqa: F401 (re-export)
from .layers import Cache, Dense, Layer
from .notation import ByLayer, Gradients, LayerAttribute

if TYPE_CHECKING:
    from .optimizers import Optimizer

Array = NDArray[np.floating[Any]]
T = TypeVar("T")
_NONE: Array = np.empty(0)  # a trace's dW[l] for a layer without W (see Trace.grads)

__all__ = ["ByLayer", "Gradients", "Network", "Trace"]


@dataclass(repr=False)
class Trace:
    """Every number of one forward and backward pass over a mini-batch (see :meth:`Network.trace`).

    Attributes:
        a: a^(l) for l = 0..L, shape (m, n_l); ``a[0]`` is X.
        z: z^(l) for l = 1..L, shape (m, n_l).
        delta: δ^(l) = ∂C_i/∂z^(l) for l = 1..L, one row per sample i.
        dC_da: ∂C_i/∂a^(l) for l = 0..L, one row per sample i.
        dW, db: ∂C/∂W^(l), ∂C/∂b^(l) of the mini-batch cost, l = 1..L (an empty array for a
            layer without a parameter of that name).
        y: the targets as an (m, n_L) array.
        costs: C_i for each sample, shape (m,).
        cost: the mini-batch cost C = mean(costs) + penalty.
        penalty: (λ₂/2) Σ_l ‖W^(l)‖² + λ₁ Σ_l Σ |w^(l)_jk| (0 without ``l2``/``l1``).
        grads: ∂C/∂θ of every layer's parameters by name, whatever the layer type
            (``t.grads[l]["W"]`` is ``t.dW[l]``).
        formulas: each layer's z^(l) as its type writes it (``Layer.formula``), l = 1..L.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> t = net.trace(np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]]))
        >>> t.a[0].shape, t.z[1].shape, t.delta[2].shape, t.dW[1].shape
        ((2, 2), (2, 3), (2, 1), (3, 2))
        >>> bool(np.allclose(t.dW[2], t.delta[2].T @ t.a[1] / 2))  # ∂C/∂W = mean of δ aᵀ
        True
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
    grads: Gradients | None = None
    formulas: tuple[str, ...] = ()

    @property
    def L(self) -> int:
        return self.z.last

    @property
    def gradients(self) -> Gradients:
        """The mini-batch gradients as a :class:`Gradients`."""
        return self.grads if self.grads is not None else Gradients(self.dW, self.db)

    def __repr__(self) -> str:
        m = self.a[0].shape[0]
        return f"Trace(m={m}, L={self.L}, cost={self.cost:.6g})"


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
        input_shape: one sample's shape, e.g. ``(1, 28, 28)`` for one-channel images, when the
            first layer takes any shape (a convolution); by default the first layer's own.

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
        layers: Sequence[Layer],
        cost: str | Cost = "quadratic",
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = "float32",
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        input_shape: Sequence[int] | None = None,
    ) -> None:
        self.layers: list[Layer] = layer_stack(layers, Layer, Dense, input_shape)
        self.cost_function: Cost = cost_functions.get(cost)
        self.cost_function.check_output(self.layers[-1].activation)
        output_layer(self.layers[-1], self.L, Softmax)
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
        sizes = layer_sizes(sizes)
        out = activation if output_activation is None else output_activation
        layers = []
        for l in range(1, len(sizes)):  # the output layer: its own σ, no dropout
            act, p = (out, 0.0) if l == len(sizes) - 1 else (activation, dropout)
            layers.append(Dense(sizes[l - 1], sizes[l], activation=act, init=init, dropout=p))
        return cls(layers, cost=cost, seed=seed, dtype=dtype, l2=l2, l1=l1)

    # -- the notation -------------------------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """``[n_0, n_1, …, n_L]``."""
        first = self.layers[0].input_shape
        return [math.prod(first)] + [math.prod(layer.output_shape) for layer in self.layers]

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One sample's shape: ``(n_0,)``, or e.g. ``(1, 28, 28)`` for images."""
        return self.layers[0].input_shape

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """One sample's shape in every layer l = 0..L: ``[(n_0,), (n_1,), …]`` for Dense layers."""
        return [self.input_shape] + [layer.output_shape for layer in self.layers]

    @property
    def L(self) -> int:
        """The number of weighted layers (the output layer's number)."""
        return len(self.layers)

    @property
    def W(self) -> ByLayer[Array]:
        """W^(l) for l = 1..L, the live weight arrays, shape (n_l, n_{l−1})."""
        return ByLayer(LayerAttribute[Array](self.layers, "W"), 1, "W")

    @property
    def b(self) -> ByLayer[Array]:
        """b^(l) for l = 1..L, the live bias arrays, shape (n_l,)."""
        return ByLayer(LayerAttribute[Array](self.layers, "b"), 1, "b")

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
        self._l2 = penalty_coefficient(value, "l2")

    @property
    def l1(self) -> float:
        """λ₁, the coefficient of the L1 penalty λ₁ Σ_l Σ_jk |w^(l)_jk| (0: none)."""
        return self._l1

    @l1.setter
    def l1(self, value: float) -> None:
        self._l1 = penalty_coefficient(value, "l1")

    # -- forward ------------------------------------------------------------------------------

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
        x = as_features(X, self.input_shape, self.dtype)
        y, labels = as_targets(Y, x.shape[0], self.sizes[-1], self.dtype)
        return x, y, labels

    # -- the one loop: forward, cost, backward -------------------------------------------------

    def workspace(self, m: int, record: bool = False, running: bool = False) -> list[Cache]:
        """One :class:`~glassnet.layers.Cache` per layer for mini-batches of m samples: every
        array a training step writes, made once (``fit`` reuses them for every mini-batch, and
        sets ``running``: BatchNorm layers update their running statistics)."""
        caches = [Cache(layer, m, self.dtype, record, running) for layer in self.layers]
        # ∂C/∂a^(l−1) goes back only while a layer below has parameters (or to be recorded)
        first = next((l for l, layer in enumerate(self.layers) if layer.parameter_names), 0)
        for l, cache in enumerate(caches):
            cache.pass_back = record or l > first
        return caches

    def step(
        self,
        x: Array,
        y: Array,
        caches: list[Cache],
        rows: Array | float | None = None,
        masks: Sequence[Array | None] | None = None,
    ) -> tuple[Array, Array]:
        """The training step's work on checked (x, y): forward, cost, backpropagation.

        This is the loop ``fit``, :meth:`gradients` and :meth:`trace` all run. It writes
        every a, z, δ and ∂C/∂θ into ``caches`` (from :meth:`workspace`, for ``len(x)``
        rows) and returns the per-sample costs C_i and a^(L). ``rows`` holds each sample's
        share r_i of the mini-batch cost C = Σ_i r_i C_i (default 1/m: the mean); ``masks``
        are dropout masks (index l for layer l, as :meth:`dropout_masks` makes them).
        The penalty's gradient is not included (see :meth:`add_penalty_gradient`).

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
            >>> x, y, _ = net.check_data([[0.0, 1.0], [1.0, 1.0]], [[1.0], [0.0]])
            >>> caches = net.workspace(2)
            >>> costs, a_L = net.step(x, y, caches)
            >>> bool(np.allclose(caches[0].grads["W"], net.gradients(x, y).W[1]))
            True
            >>> caches[1].delta.shape  # δ^(2), one row per sample
            (2, 1)
        """
        layers, L = self.layers, self.L
        # forward: z^(l) = a^(l−1) W^(l)ᵀ + b^(l),  a^(l) = σ(z^(l)),  for l = 1..L
        a = x
        for l, (layer, cache) in enumerate(zip(layers, caches, strict=True), start=1):
            a = layer.forward(a, cache, None if masks is None else masks[l])
        # the cost C_i of each sample, and the output error δ^(L) = ∂C_i/∂a^(L) ⊙ σ'(z^(L))
        out, cost = caches[-1], self.cost_function
        costs = cost.per_sample_into(y, out)
        delta = cost.output_delta_into(y, out, layers[-1].activation)
        if rows is None:
            rows = 1.0 / x.shape[0]  # C = (1/m) Σ_i C_i
        # backward: the chain rule from layer L to 1, reusing δ^(l+1) to get δ^(l)
        out.delta = delta
        dC_da = layers[-1].backward_delta(delta, out, rows, out.pass_back)
        for l in range(L - 1, 0, -1):
            if dC_da is None:  # no layer below has parameters: nothing more to pass back
                break
            dC_da = layers[l - 1].backward(dC_da, caches[l - 1], rows, caches[l - 1].pass_back)
        return costs, a

    def gradients_of(self, caches: list[Cache]) -> Gradients:
        """The gradients :meth:`step` wrote into ``caches``, by layer (the arrays themselves)."""
        return Gradients(layers=[c.grads for c in caches])

    def forward(self, X: Any) -> Array:
        """The output activations a^(L), shape (m, n_L), for the rows of X (shape (m, n_0)).

        A single sample may be given as one array of the input's shape (length n_0); the result
        is then one sample's output too.
        """
        x = np.asarray(X)
        if x.shape == self.input_shape:  # one sample
            return self.forward(x[None])[0]
        a = as_features(x, self.input_shape, self.dtype)
        for layer in self.layers:
            a = layer.forward(a)
        return a

    predict = forward

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
        x = as_features(X, self.input_shape, self.dtype)
        caches = self.workspace(x.shape[0])
        a = [x]
        for layer, cache in zip(self.layers, caches, strict=True):
            a.append(layer.forward(a[-1], cache))
        return ByLayer(a, 0, "a"), ByLayer([c.z for c in caches], 1, "z")

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
        for W in (getattr(layer, name) for layer in self.layers for name in layer.penalised):
            total += 0.5 * self.l2 * float(np.vdot(W, W)) if self.l2 else 0.0
            total += self.l1 * float(np.abs(W).sum()) if self.l1 else 0.0
        return total

    def add_penalty_gradient(self, caches: list[Cache]) -> None:
        """Add ∂/∂W^(l) of the penalty, λ₂ W^(l) + λ₁ sign(W^(l)), to the gradients in
        ``caches`` (a no-op without ``l2``/``l1``)."""
        if not (self.l2 or self.l1):
            return
        for layer, cache in zip(self.layers, caches, strict=True):
            for name in layer.penalised:
                W, dW = getattr(layer, name), cache.grads[name]
                if self.l2:
                    dW += self.l2 * W
                if self.l1:
                    dW += self.l1 * np.sign(W)

    # -- cost and gradients ---------------------------------------------------------------------

    def trace(self, X: Any, Y: Any) -> Trace:
        """Run the forward and backward pass on a mini-batch and keep every number.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 2, 1], seed=0, dtype="float64")
            >>> t = net.trace(np.array([[0.0, 1.0]]), np.array([[1.0]]))
            >>> t.a[0].shape, t.z[1].shape, t.delta[2].shape, t.dW[1].shape
            ((1, 2), (1, 2), (1, 1), (2, 2))
        """
        x, y, _ = self.check_data(X, Y)
        caches = self.workspace(x.shape[0], record=True)
        costs, a_L = self.step(x, y, caches)
        self.add_penalty_gradient(caches)
        penalty = self.penalty()
        dC_da = [caches[0].dC_da_prev] + [c.dC_da for c in caches[:-1]]
        dC_da.append(self.cost_function.derivative(a_L, y))  # ∂C_i/∂a^(L)
        return Trace(
            a=ByLayer([x] + [c.out for c in caches], 0, "a"),
            z=ByLayer([c.z for c in caches], 1, "z"),
            delta=ByLayer([c.delta for c in caches], 1, "δ"),
            dC_da=ByLayer(dC_da, 0, "∂C/∂a"),
            dW=ByLayer([c.grads.get("W", _NONE) for c in caches], 1, "∂C/∂W"),
            db=ByLayer([c.grads.get("b", _NONE) for c in caches], 1, "∂C/∂b"),
            y=y,
            costs=costs,
            cost=float(np.mean(costs)) + penalty,
            penalty=penalty,
            grads=self.gradients_of(caches),
            formulas=tuple(layer.formula for layer in self.layers),
        )

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
        x, y, _ = self.check_data(X, Y)
        m = x.shape[0]
        checked = None if masks is None else dropout_masks(masks, self.shapes, m, self.dtype)
        caches = self.workspace(m)
        if sample_weight is None:
            costs, a_L = self.step(x, y, caches, masks=checked)
            cost = float(np.mean(costs))
        else:
            share = weight_shares(sample_weights(sample_weight, m, self.dtype))
            costs, a_L = self.step(x, y, caches, share[:, None], checked)
            cost = float(np.dot(share, costs))
        self.add_penalty_gradient(caches)
        return cost + self.penalty(), a_L, self.gradients_of(caches)

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
        return self.cost_and_gradients(X, Y, masks)[2]

    def cost(
        self, X: Any, Y: Any, masks: Sequence[Any] | None = None, *, training: bool = False
    ) -> float:
        """The cost C = (1/m) Σ_i C_i + penalty of the network on (X, Y).

        ``masks`` (from :meth:`dropout_masks`) evaluates the thinned network they pick;
        ``training=True`` computes C as a training step does, the C whose gradient
        :meth:`gradients` gives: BatchNorm layers then use the mini-batch's statistics instead
        of their running ones (nothing else differs).
        """
        x, y, _ = self.check_data(X, Y)
        checked = None if masks is None else dropout_masks(masks, self.shapes, len(x), self.dtype)
        return self._cost(x, y, checked, training)[0]

    def _cost(
        self,
        x: Array,
        y: Array,
        masks: Sequence[Array | None] | None = None,
        training: bool = False,
    ) -> tuple[float, Array]:
        """C = (1/m) Σ_i C_i + penalty and a^(L) for checked (x, y), without backpropagation
        (thinned by dropout ``masks``, if given; as in training, if ``training``)."""
        caches = self.workspace(len(x)) if training else [None] * self.L
        a = x
        for l, (layer, cache) in enumerate(zip(self.layers[:-1], caches, strict=False), start=1):
            a = layer.forward(a, cache, None if masks is None else masks[l])
        z_L = self.layers[-1].weighted_input(a, caches[-1])
        a_L = self.layers[-1].activation.forward(z_L)
        return float(np.mean(self.cost_function.per_sample(a_L, y, z_L))) + self.penalty(), a_L

    # -- the gradient vector ------------------------------------------------------------------

    def parameter_names(self) -> list[str]:
        """Names of the entries of ∇C, in order: for l = 1..L, W[l] row by row, then b[l].

        >>> import glassnet as gn
        >>> gn.Network.from_sizes([2, 1], seed=0).parameter_names()
        ['W[1][0,0]', 'W[1][0,1]', 'b[1][0]']
        """
        names = []
        for l, layer in enumerate(self.layers, start=1):
            for name, p in layer.parameters().items():
                names += [f"{name}[{l}][{','.join(map(str, i))}]" for i in np.ndindex(p.shape)]
        return names

    def parameter_vector(self) -> Array:
        """All weights and biases in one flat copy, in the order of :meth:`parameter_names`."""
        return Gradients(layers=[layer.parameters() for layer in self.layers]).vector()

    def unflatten(self, v: Any) -> Gradients:
        """Split a flat vector (such as ∇C) back into per-layer arrays ``.W[l]`` and ``.b[l]``."""
        v = np.asarray(v)
        if v.shape != (self.n_params,):
            raise ValueError(
                f"expected a flat vector of length n_params = {self.n_params}, got shape {v.shape}"
            )
        parts, i = [], 0
        for layer in self.layers:
            part = {}
            for name, p in layer.parameters().items():
                part[name] = v[i : i + p.size].reshape(p.shape)
                i += p.size
            parts.append(part)
        return Gradients(layers=parts, symbol="")

    def set_parameter_vector(self, v: Any) -> None:
        """Overwrite every weight and bias from a flat vector (see :meth:`parameter_vector`)."""
        parts = self.unflatten(v)
        for layer, part in zip(self.layers, parts.layers, strict=True):
            for name, p in layer.parameters().items():
                if not np.isfinite(part[name]).all():
                    raise ValueError(f"the vector must be finite; {name} has NaN/inf")
                p[...] = part[name]

    def gradient_vector(self, X: Any, Y: Any) -> Array:
        """The tutorial's ∇C: every ∂C/∂w and ∂C/∂b in one flat vector.

        The order is that of :meth:`parameter_names`; :meth:`unflatten` undoes it.
        """
        return self.gradients(X, Y).vector()

    # -- training and evaluation --------------------------------------------------------------

    #: Train by mini-batch gradient descent: ``net.fit(X, Y, …)`` is
    #: :func:`glassnet.training.fit` with this network as ``net``.
    fit = training.fit

    def evaluate(self, X: Any, Y: Any) -> dict[str, float]:
        """``{"loss": C, "accuracy": …}`` on (X, Y); accuracy only for classification targets.

        The loss is the cost C that training minimises, penalty included.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 2], seed=0)
            >>> sorted(net.evaluate(np.zeros((4, 2)), np.array([0, 1, 0, 1])))
            ['accuracy', 'loss']
        """
        x, y, labels = self.check_data(X, Y)
        loss, a_L = self._cost(x, y)
        result = {"loss": loss}
        if labels is not None:
            result["accuracy"] = accuracy(a_L, labels)
        return result

    # -- housekeeping -------------------------------------------------------------------------

    def dense_layers(self, purpose: str) -> list[Dense]:
        """The layers, each checked to be a :class:`~glassnet.Dense`, for a ``purpose`` that
        knows only the fully connected layer (e.g. ``"exporting to ONNX"``).

        >>> import glassnet as gn
        >>> gn.Network.from_sizes([2, 3, 1], seed=0).dense_layers("a test")[0]
        Dense(2, 3, activation=sigmoid)
        """
        for l, layer in enumerate(self.layers, start=1):
            if not isinstance(layer, Dense):
                raise ValueError(
                    f"{purpose} works with fully connected (Dense) layers only, but layer {l} "
                    f"is {type(layer).__name__}"
                )
        return self.layers  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        # only called for names the network does not have: say where a moved method went
        if name in _MOVED:
            raise AttributeError(
                f"Network has no method {name!r}: the optional parts of glassnet take the "
                f"network as an argument, so write {_MOVED[name]}"
            )
        raise AttributeError(f"'Network' object has no attribute {name!r}")

    def copy(self) -> Network:
        """An independent deep copy (weights, cost, random state)."""
        return copy.deepcopy(self)

    def astype(self, dtype: DTypeLike) -> Network:
        """A copy with every weight, bias and buffer in ``dtype`` (``"float32"`` or
        ``"float64"``)."""
        net = self.copy()
        net.dtype = as_dtype(dtype)
        for layer in net.layers:
            for name, p in {**layer.parameters(), **layer.buffers()}.items():
                setattr(layer, name, p.astype(net.dtype))
        return net

    def summary(self) -> str:
        """A table of the layers: sizes, activations, W and b shapes, parameter counts (a
        layer of another type than Dense is named, a shaped output written as C×H×W)."""

        def size(shape: tuple[int, ...]) -> str:
            return "×".join(map(str, shape))

        rows: list[tuple[str, ...]] = [
            ("layer", "neurons", "activation", "W shape", "b shape", "params")
        ]
        rows.append(("0 (input)", size(self.input_shape), "-", "-", "-", "0"))
        for l, layer in enumerate(self.layers, start=1):
            kind = "" if isinstance(layer, Dense) else f" {type(layer).__name__}"
            # the weights (what λ₂ and λ₁ penalise) in one column, the other parameters in the next
            cells: tuple[list[str], list[str]] = ([], [])
            for name, p in layer.parameters().items():
                label = "" if name in ("W", "b") else f"{name} "
                cells[name not in layer.penalised].append(label + str(p.shape))
            shapes = [", ".join(cell) or "-" for cell in cells]
            act = repr(layer.activation)
            rows.append(
                (f"{l}{kind}", size(layer.output_shape), act, *shapes[:2], f"{layer.n_params:,}")
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


#: methods the network once had, now functions of the optional parts that take it
_MOVED = {
    "save": "gn.save(net, path)",
    "diagnose": "gn.diagnose(net, X, Y)",
    "explain_neuron": "gn.explain_neuron(net, x, l, j)",
    "explain_weight": "gn.explain_weight(net, X, Y, l, j, k)",
    "explain_bias": "gn.explain_bias(net, X, Y, l, j)",
    "explain_activation": "gn.explain_activation(net, X, Y, l, k)",
    "backprop_ledger": "gn.backprop_ledger(net, X, Y)",
    "backprop_per_example": "gn.backprop_per_example(net, X, Y)",
}
