"""Layers: the layer contract, and the tutorial's fully connected layer.

Every layer l maps the activations a^(l−1) of the layer before to its own, in two steps::

    z^(l) = f_l(a^(l−1); θ_l)        the layer's own map: for Dense, a^(l−1) W^(l)ᵀ + b^(l)
    a^(l) = σ_l(z^(l))               its activation, elementwise (the identity for a layer
                                     that only moves numbers around)

and backpropagation goes through the same two steps in reverse, given ∂C_i/∂a^(l) of each
sample i (one row per sample)::

    δ^(l) = ∂C_i/∂a^(l) ⊙ σ'_l(z^(l))                    through σ: the layer's error
    ∂C/∂θ_l = Σ_i r_i δ^(l)_i ∂z^(l)_i/∂θ_l               its parameters' gradient
    ∂C_i/∂a^(l−1) = δ^(l)_i ∂z^(l)_i/∂a^(l−1)              handed to the layer before

r_i is each sample's share of the mini-batch cost C = Σ_i r_i C_i: 1/m for the mean of m
samples (the tutorial's C = (1/m) Σ_i C_i), s_i / Σ_j s_j with sample weights. So δ is the
tutorial's δ, one row per sample, and the 1/m appears exactly where ∂C/∂θ is formed.

:class:`Layer` does the σ and dropout parts once for every layer type. A layer type says only
what is its own (for :class:`Dense`, the three lines of ``weighted_input`` and
``backward_delta``): its parameters by name, z = f(a^(l−1); θ), and the two products of the
chain rule through f. A new layer type (convolution, pooling, a recurrent layer, …) is one
class in one module; the network's loop, the optimizers and the gradient check work with it
unchanged, because they only ever see :meth:`Layer.parameters` and the contract below.

Forward writes into a :class:`Cache` (made once per mini-batch size, so that training
allocates nothing per step); backward reads it. Every array in it is a plain NumPy array a
person can print.

Example:
    >>> import numpy as np, glassnet as gn
    >>> layer = gn.Dense(2, 3, activation="relu")
    >>> layer.build(np.random.default_rng(0), "float64")
    >>> c = Cache(layer, m=1, dtype="float64")
    >>> a = layer.forward(np.array([[1.0, -1.0]]), c)
    >>> bool(np.array_equal(c.z, np.array([[1.0, -1.0]]) @ layer.W.T + layer.b)), a.shape
    (True, (1, 3))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import activations
from .. import init as initializers
from .._inputs import dropout_rate, positive_int
from ..activations import Activation

Array = NDArray[np.floating[Any]]

if TYPE_CHECKING:
    from .registry import LAYERS, register

__all__ = ["LAYERS", "MODULES", "Cache", "Dense", "Layer", "register"]

#: W is stored column by column (Fortran order), so that Wᵀ in z = a Wᵀ is an ordinary
#: row-major matrix: OpenBLAS multiplies by it 10-25% faster than by a transposed one for the
#: shapes of a small MLP (benchmarks/README.md). ``W[j, k]`` means the same either way; arrays
#: that are added to W (gradients, optimizer buffers) are made in the same order, since NumPy
#: is slow at adding a row-major array to a column-major one.
W_ORDER: Literal["F"] = "F"


class Layer:
    """The layer contract: what the network's loop, the optimizers and the files ask a layer.

    A subclass sets :attr:`activation`, :attr:`input_shape` and :attr:`output_shape` (one
    sample's shapes; a layer that takes any shape works them out in :meth:`connect`) and defines

    - :meth:`build`: make the parameters (the arrays named in :attr:`parameter_names`) and
      the buffers (:attr:`buffer_names`);
    - :meth:`weighted_input`: z = f(a^(l−1); θ), written into ``cache.z`` when given a cache;
    - :meth:`backward_delta`: from δ, the parameters' gradients (into the cache's ``grads``)
      and ∂C_i/∂a^(l−1);
    - :meth:`parameter_shapes` and :meth:`config` (its constructor arguments), for files;
    - :meth:`parameter_paths`: for the glass box, how one parameter enters z.

    :meth:`forward` and :meth:`backward` (σ, dropout, the cache) are the same for every layer.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> layer = gn.Dense(2, 3, activation="relu")  # Dense is the model layer type
        >>> isinstance(layer, gn.Layer), layer.parameter_names, layer.parameter_shapes()
        (True, ('W', 'b'), {'W': (3, 2), 'b': (3,)})
        >>> net = gn.Network([layer, gn.Dense(3, 1)], seed=0)  # builds the parameters
        >>> layer.forward(np.ones((4, 2))).shape  # a batch of 4 samples: a = σ(z)
        (4, 3)
    """

    #: σ of this layer; the identity for layers without one
    activation: Activation = activations.Identity()
    #: p, the probability that a neuron is switched off while training (0: no dropout)
    dropout: float = 0.0
    #: the names of the parameters, attributes of the layer, e.g. ``("W", "b")``
    parameter_names: tuple[str, ...] = ()
    #: the parameters the penalties λ₂, λ₁ apply to (weights, not biases)
    penalised: tuple[str, ...] = ()
    #: arrays the layer keeps that training does not optimise (BatchNorm's running statistics):
    #: saved in files and converted by ``astype`` with the parameters
    buffer_names: tuple[str, ...] = ()
    #: one sample's input and output shapes (empty until :meth:`connect` for a layer that
    #: takes any shape)
    input_shape: tuple[int, ...] = ()
    output_shape: tuple[int, ...] = ()
    #: z^(l) in the tutorial's symbols, with l standing for the layer's number (the views write
    #: it out for the trace: "a^(l−1) W^(l)ᵀ + b^(l)" becomes "a^(1) W^(2)ᵀ + b^(2)")
    formula: str = "f(a^(l−1); θ^(l))"

    # -- what a layer type defines -----------------------------------------------------------

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """Make the parameters, drawing any random ones from ``rng``."""

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take one sample's ``input_shape`` (what the layer before gives) and set
        :attr:`output_shape`; ValueError, in words, if this layer cannot take it. By default
        the shapes are fixed when the layer is made, and must match."""
        if input_shape != self.input_shape:
            flat = len(input_shape) > len(self.input_shape)
            raise ValueError(
                f"takes inputs of shape {self.input_shape}"
                + ("; put gn.Flatten() before it" if flat else "")
            )

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        """z = f(a^(l−1); θ) for every sample of ``a_prev``. Given a ``cache`` (a training
        computation), write z into ``cache.z`` and keep what :meth:`backward_delta` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not define weighted_input")

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        """Given δ = ∂C_i/∂z (one row per sample; the loop has kept it as ``cache.delta``),
        write ∂C/∂θ = Σ_i r_i δ_i ∂z_i/∂θ into ``cache.grads`` and return ∂C_i/∂a^(l−1)
        (``None`` if not ``need_dC_da_prev``)."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward_delta")

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of each parameter, then each buffer, by name, known before :meth:`build`
        (files check a tensor's shape against it before reading any number)."""
        return {}

    def config(self) -> dict[str, Any]:
        """The constructor arguments as plain JSON-ready values (``type(self)(**config)``)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """The layer ``config`` describes (as :meth:`config` makes it), its parameters not yet
        built; ValueError for a config that does not describe one.

        Model files call it on a configuration read from the file before its tensors are
        checked, so it must not allocate the parameters (:meth:`build` does)."""
        return cls(**config)

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """How parameter ``name[index]`` enters z: the (output index, ∂z_out/∂θ per sample)
        pairs, so that ∂C/∂θ = Σ_i r_i Σ_paths δ_i[out] · factor_i (the chain rule, summed
        over every output the parameter touches)."""
        raise NotImplementedError(f"{type(self).__name__} does not define parameter_paths")

    # -- the same for every layer ----------------------------------------------------------------

    def parameters(self) -> dict[str, Array]:
        """The live parameter arrays by name, e.g. ``{"W": W, "b": b}``."""
        return {name: getattr(self, name) for name in self.parameter_names}

    def buffers(self) -> dict[str, Array]:
        """The live buffer arrays by name (see :attr:`buffer_names`)."""
        return {name: getattr(self, name) for name in self.buffer_names}

    @property
    def n_params(self) -> int:
        """The number of numbers in the parameters."""
        return sum(p.size for p in self.parameters().values())

    def forward(
        self, a_prev: Array, cache: Cache | None = None, mask: Array | None = None
    ) -> Array:
        """a^(l) for the rows of ``a_prev``; with a ``cache`` (a training computation), keep
        what backward needs.

        ``mask`` is a dropout mask (0 or 1/(1 − p) per sample and neuron) while training.
        """
        if cache is None:  # prediction: fresh arrays, nothing kept
            a = self.activation.forward(self.weighted_input(a_prev))
            return a if mask is None else a * mask
        cache.a_prev = a_prev
        z = self.weighted_input(a_prev, cache)  # z^(l) = f(a^(l−1); θ)
        a = self.activation.forward_into(z, cache.a, cache.tmp, cache.where)  # a^(l) = σ(z^(l))
        cache.sigma, cache.mask = a, mask
        if mask is not None:  # inverted dropout: a^(l) = σ(z^(l)) ⊙ mask
            a = np.multiply(a, mask, out=cache.dropped)
        cache.out = a
        return a

    def backward(
        self, dC_da: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        """∂C_i/∂a^(l−1) from ∂C_i/∂a^(l): the chain rule through σ, then through f.

        ``dC_da`` is overwritten (it becomes δ); ``rows`` holds each sample's r_i.
        """
        if cache.record:
            cache.dC_da = dC_da.copy()
        if cache.mask is not None:  # a = σ(z) ⊙ mask: a dropped neuron passes nothing back
            np.multiply(dC_da, cache.mask, out=dC_da)
        # δ^(l) = ∂C/∂a^(l) ⊙ σ'(z^(l)), in place
        delta = self.activation.backward_into(cache.z, cache.sigma, dC_da, cache.tmp, cache.where)
        cache.delta = delta
        return self.backward_delta(delta, cache, rows, need_dC_da_prev)

    def dropout_mask(self, m: int, rng: np.random.Generator, dtype: DTypeLike) -> Array:
        """A fresh inverted-dropout mask for m samples: 0 for a dropped neuron, 1/(1 − p) else.

        Multiplying a^(l) by it drops each neuron with probability p and keeps the expected
        activation unchanged: E[mask] = (1 − p) · 1/(1 − p) = 1.
        """
        keep = rng.random((m, *self.output_shape)) >= self.dropout
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - self.dropout), dtype=dtype)


#: (output index, ∂z_out/∂θ for each sample) — see :meth:`Layer.parameter_paths`
Path = tuple[tuple[int, ...], Array]


class Cache:
    """One layer's numbers for one mini-batch of m samples: forward writes, backward reads.

    Attributes:
        a_prev: a^(l−1), the input (not a copy).
        z, sigma: z^(l) and σ(z^(l)); ``sigma`` may be ``z`` itself (identity).
        out: a^(l), what the next layer sees (σ(z^(l)) ⊙ mask with dropout).
        mask: the dropout mask of this step, or ``None``.
        delta: δ^(l) = ∂C_i/∂z^(l), one row per sample (after backward).
        dC_da_prev: ∂C_i/∂a^(l−1) (after backward, when it was needed).
        grads: ∂C/∂θ by parameter name, shaped like the parameters (after backward).
        dC_da: ∂C_i/∂a^(l), kept only when ``record`` (for :meth:`Network.trace`).
        saved: what a layer type keeps for its backward pass besides these (by name).
        running: whether layers with running statistics (BatchNorm) update them from this
            mini-batch: true only in ``fit``.
        pass_back: whether backward computes ∂C_i/∂a^(l−1) (not when no layer below has
            parameters, unless ``record``).

    Example:
        One layer's forward and backward pass by hand, as :meth:`Network.step` does it:

        >>> import numpy as np
        >>> from glassnet.layers import Cache, Dense
        >>> layer = Dense(2, 3, activation="identity")
        >>> layer.build(np.random.default_rng(0), np.float64)
        >>> X = np.array([[1.0, 2.0], [0.5, -1.0]])
        >>> cache = Cache(layer, 2, np.float64)  # arrays for m = 2 samples, made once
        >>> a = layer.forward(X, cache)
        >>> cache.a_prev is X, bool(np.allclose(cache.z, X @ layer.W.T + layer.b))
        (True, True)
        >>> dC_da_prev = layer.backward(np.ones((2, 3)), cache, rows=0.5)  # C = ½ Σ_i C_i
        >>> bool(np.allclose(cache.grads["W"], 0.5 * cache.delta.T @ X))  # Σ_i r_i δ_i a_iᵀ
        True
        >>> bool(np.allclose(dC_da_prev, cache.delta @ layer.W))  # ∂C_i/∂a^(0) = δ_i W
        True
    """

    def __init__(
        self, layer: Layer, m: int, dtype: DTypeLike, record: bool = False, running: bool = False
    ) -> None:
        out, inp = (m, *layer.output_shape), (m, *layer.input_shape)
        self.z: Array = np.empty(out, dtype=dtype)
        self.a: Array = np.empty(out, dtype=dtype)
        self.tmp: Array = np.empty(out, dtype=dtype)
        self.where: NDArray[np.bool_] = np.empty(out, dtype=bool)
        self.dropped: Array = np.empty(out, dtype=dtype) if layer.dropout else self.a
        self.scaled: Array = np.empty(out, dtype=dtype)  # r_i δ_i
        self.delta_L: Array = np.empty(out, dtype=dtype)  # δ^(L), output layer only
        self.costs: Array = np.empty(m, dtype=dtype)  # C_i, output layer only
        self.dC_da_prev: Array = np.empty(inp, dtype=dtype)
        self.grads: dict[str, Array] = {
            name: np.empty_like(p, dtype=dtype) for name, p in layer.parameters().items()
        }
        self.record, self.running, self.pass_back = record, running, True
        self.saved: dict[str, Any] = {}
        self.a_prev: Array = self.z
        self.sigma: Array = self.a
        self.out: Array = self.a
        self.mask: Array | None = None
        self.delta: Array = self.z
        self.dC_da: Array = self.z


# -- the fully connected layer ------------------------------------------------------------------


class Dense(Layer):
    """A fully connected layer of ``n_out`` neurons, each fed by all ``n_in`` neurons before it.

    z^(l) = a^(l−1) W^(l)ᵀ + b^(l), a^(l) = σ(z^(l)): the tutorial's a = σ(W a + b) for every
    row. ``W[j, k]`` is the weight *to* neuron j *from* neuron k.

    Args:
        n_in: n_{l−1}, the number of neurons in the layer before.
        n_out: n_l, the number of neurons in this layer.
        activation: σ, by name (``"sigmoid"``, ``"relu"``, …) or an :class:`Activation`.
        init: how W is drawn when the network is built: ``"small"``, ``"xavier"``, ``"he"``, a
            function ``(n_out, n_in, rng, dtype) -> W``, or ``None`` for the activation's
            default (see :mod:`glassnet.init`). Biases start at 0.
        dropout: p, the probability that each of this layer's neurons is switched off for a
            sample while training (inverted dropout: the survivors are scaled by 1/(1 − p), so
            nothing changes at prediction time). Hidden layers only; 0 means none.

    Shape:
        W: (n_out, n_in), b: (n_out,); input (m, n_in) → output (m, n_out).

    Example:
        >>> import glassnet as gn
        >>> layer = gn.Dense(784, 30, activation="sigmoid")
        >>> layer
        Dense(784, 30, activation=sigmoid)
        >>> gn.Dense(30, 30, activation="relu", dropout=0.5)
        Dense(30, 30, activation=relu, dropout=0.5)
    """

    parameter_names = ("W", "b")
    penalised = ("W",)
    formula = "a^(l−1) W^(l)ᵀ + b^(l)"

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Activation = "sigmoid",
        init: str | initializers.Initializer | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.n_in = positive_int(n_in, "Dense n_in")
        self.n_out = positive_int(n_out, "Dense n_out")
        self.input_shape, self.output_shape = (self.n_in,), (self.n_out,)
        self.activation = activations.get(activation)
        self.init = init if init is not None else initializers.default_for(self.activation)
        initializers.get(self.init)  # fail now, not when the network is built
        self.dropout = dropout_rate(dropout)
        self.W: Array = np.zeros((0, 0))
        self.b: Array = np.zeros(0)
        self.built = False

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """W: (n_out, n_in), b: (n_out,)."""
        return {"W": (self.n_out, self.n_in), "b": (self.n_out,)}

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """Draw W with this layer's init scheme and set b = 0."""
        W = initializers.get(self.init)(self.n_out, self.n_in, rng, dtype)
        if W.shape != (self.n_out, self.n_in):
            raise ValueError(
                f"init returned W of shape {W.shape}, expected (n_out, n_in) = "
                f"({self.n_out}, {self.n_in})"
            )
        self.W = np.array(W, dtype=dtype, order=W_ORDER)
        self.b = np.zeros(self.n_out, dtype=dtype)
        self.built = True

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        # z = a^(l−1) W^(l)ᵀ + b^(l): row i is W a_i + b
        z = np.matmul(a_prev, self.W.T, out=None if cache is None else cache.z)
        z += self.b
        return z

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        grads = cache.grads
        scaled = np.multiply(delta, rows, out=cache.scaled)  # r_i δ_i, r_i = 1/m without weights
        # ∂C/∂w_jk = Σ_i r_i δ_ij a^(l−1)_ik    (∂z_j/∂w_jk = a_k), laid out in memory as W is
        np.matmul(scaled.T, cache.a_prev, out=grads["W"])
        scaled.sum(axis=0, out=grads["b"])  # ∂C/∂b_j = Σ_i r_i δ_ij   (∂z_j/∂b_j = 1)
        if not need_dC_da_prev:
            return None
        # ∂C_i/∂a^(l−1)_k = Σ_j δ_ij w_jk     (∂z_j/∂a_k = w_jk)
        return np.matmul(delta, self.W, out=cache.dC_da_prev)

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """w_jk enters only z_j, with ∂z_j/∂w_jk = a^(l−1)_k; b_j only z_j, with factor 1.

        >>> import numpy as np
        >>> Dense(2, 3).parameter_paths("W", (2, 1), np.array([[5.0, 7.0]]))
        [((2,), array([7.]))]
        """
        if name == "W":
            j, k = index
            return [((j,), a_prev[:, k])]
        (j,) = index
        return [((j,), np.ones(a_prev.shape[0], dtype=a_prev.dtype))]

    def config(self) -> dict[str, Any]:
        """The layer's constructor arguments as plain JSON-ready values."""
        act = self.activation
        config: dict[str, Any] = {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "activation": {"name": act.name, **act.config()},
            "init": self.init if isinstance(self.init, str) else None,
        }
        if self.dropout:
            config["dropout"] = self.dropout
        return config

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation!r}{drop})"


#: glassnet's layer types in modules of their own (class name → module), and the registry of
#: types: loaded on the first use of a name (``gn.Conv2D``, ``glassnet.layers.LAYERS``)
MODULES: dict[str, str] = dict.fromkeys(["LAYERS", "register"], "registry")
MODULES |= {"Conv2D": "convolution", "BatchNorm": "normalisation", "Residual": "residual"}
MODULES |= dict.fromkeys(["MaxPool2D", "AvgPool2D"], "pooling")
MODULES |= dict.fromkeys(["Flatten", "Reshape"], "reshaping")
MODULES |= {"RNN": "recurrent"}


def __getattr__(name: str) -> Any:
    """Load a layer type's module (or the registry) on the first use of its name (PEP 562)."""
    if name not in MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{MODULES[name]}"), name)
    globals()[name] = value
    return value
