"""Batch normalisation: each feature (or image channel) rescaled by the mini-batch's statistics.

For inputs a^(l−1) of shape (m, n) the statistics of feature c are taken over the m samples of
the mini-batch; for images (m, C, H, W) those of channel c over the m samples *and* every
position (y, x), N = m·H·W numbers. In the tutorial's symbols, for one feature or channel::

    μ_B  = (1/N) Σ_s a_s                          the mini-batch mean
    σ²_B = (1/N) Σ_s (a_s − μ_B)²                 its (biased) variance
    x̂_s  = (a_s − μ_B) / √(σ²_B + ε)              the normalised input
    z_s  = γ x̂_s + β                              z^(l), then a^(l) = σ(z^(l)) as for Dense

with one learned scale γ_c ("gamma", starting at 1) and shift β_c ("beta", starting at 0) per
feature. The statistics are unweighted: with sample weights, every sample of the mini-batch
counts the same in μ_B and σ²_B (as in PyTorch), and the weights enter the cost only.

Training and prediction differ (PyTorch's BatchNorm1d/BatchNorm2d, train() and eval()):

- a *training* computation (``fit``, ``net.gradients``, ``net.trace``, ``gradient_check``: a
  forward pass given a cache) uses μ_B and σ²_B; inside ``fit`` only (``cache.running``), it
  also updates the running statistics, in place::

      running_mean ← (1 − momentum) · running_mean + momentum · μ_B
      running_var  ← (1 − momentum) · running_var  + momentum · σ²_B · N/(N − 1)   (unbiased)

- *prediction* (``net.forward``, ``net.evaluate``, ``net.cost``) uses the running statistics
  instead of μ_B and σ²_B, so that a sample's output does not depend on the others.

Backward: the chain rule through the batch statistics. Every z_s depends on every a_k of its
feature (through μ_B and σ²_B), so ∂C/∂a_k is a sum over the mini-batch. With
g_s = ∂C/∂z_s = r_s δ_s (r_s the sample's share of C = Σ_i r_i C_i)::

    ∂C/∂β = Σ_s g_s          ∂C/∂γ = Σ_s g_s x̂_s
    ∂C/∂a_k = γ/√(σ²_B + ε) · (g_k − (1/N) Σ_s g_s − x̂_k (1/N) Σ_s g_s x̂_s)

(the three terms: the direct path a_k → x̂_k, the path through μ_B, the path through σ²_B).
The layer below expects ∂C_k/∂a_k per sample, which it multiplies by r_k; since here the
samples are coupled, it gets (1/r_k) ∂C/∂a_k, which gives the same product. So every r_k must
be positive: a sample weight of 0 is refused.

Example:
    >>> import numpy as np
    >>> from glassnet.layers import Cache
    >>> bn = BatchNorm(2)
    >>> bn.build(np.random.default_rng(0), "float64")
    >>> a = np.array([[1.0, 10.0], [3.0, 10.0]])
    >>> bn.forward(a, Cache(bn, 2, "float64")).round(4).tolist()  # x̂ = (a − μ_B)/√(σ²_B + ε)
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> bn.forward(a).round(3).tolist()  # prediction: running mean 0 and variance 1 as built
    [[1.0, 10.0], [3.0, 10.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import activations
from .._inputs import positive_int, real_number
from ..activations import Activation
from . import Array, Cache, Layer, Path

__all__ = ["BatchNorm"]


class BatchNorm(Layer):
    """Batch normalisation of ``n`` features (inputs (m, n)) or channels (inputs (m, n, H, W)).

    z = γ ⊙ (a − μ) / √(σ² + ε) + β, per feature or channel, with the mini-batch's mean and
    variance while training and the running ones for prediction (PyTorch's BatchNorm1d and
    BatchNorm2d; see :mod:`glassnet.layers.normalisation` for the equations and the chain
    rule through the batch statistics).

    Args:
        n: the number of features (C, the number of channels, for images): the first axis of
            one sample's shape.
        momentum: the weight of the new mini-batch in the running statistics (PyTorch's
            meaning: running ← (1 − momentum) · running + momentum · batch), 0 to 1.
        eps: ε, added to the variance so that a constant feature does not divide by zero.
        activation: σ, applied after the normalisation (default identity, as in PyTorch,
            where an activation is a layer of its own).

    Shape:
        gamma, beta, running_mean, running_var: (n,); input (m, n) or (m, n, H, W) → output of
        the same shape. A training computation needs more than one number per feature:
        m ≥ 2 for (m, n) inputs.

    Example:
        >>> import glassnet as gn
        >>> net = gn.Network(
        ...     [gn.Dense(3, 4, activation="identity"), BatchNorm(4, activation="relu"),
        ...      gn.Dense(4, 1)], seed=0, dtype="float64")
        >>> net.layers[1], list(net.layers[1].parameters()), list(net.layers[1].buffers())
        (BatchNorm(4, activation=relu), ['gamma', 'beta'], ['running_mean', 'running_var'])
    """

    parameter_names = ("gamma", "beta")
    penalised = ()  # γ and β are a scale and a shift, not weights
    buffer_names = ("running_mean", "running_var")
    formula = "γ^(l) ⊙ (a^(l−1) − μ)/√(σ² + ε) + β^(l)"  # μ, σ²: the mini-batch's

    def __init__(
        self,
        n: int,
        momentum: float = 0.1,
        eps: float = 1e-5,
        activation: str | Activation = "identity",
    ) -> None:
        self.n = positive_int(n, "BatchNorm n")
        self.momentum = real_number(
            momentum,
            "BatchNorm momentum",
            must_be="a number from 0 to 1, the weight of each new mini-batch in the running "
            "statistics, such as 0.1",
            low=0.0,
            high=1.0,
        )
        self.eps = real_number(
            eps,
            "BatchNorm eps",
            must_be="a small positive number added to the variance, such as 1e-5",
            low=0.0,
            low_open=True,
        )
        self.activation = activations.get(activation)
        self.input_shape = self.output_shape = (self.n,)
        self.gamma: Array = np.zeros(0)
        self.beta: Array = np.zeros(0)
        self.running_mean: Array = np.zeros(0)
        self.running_var: Array = np.zeros(0)

    # -- shapes and parameters ----------------------------------------------------------------

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take (n,) or (n, H, W) (any shape whose first axis is n): the output has the same."""
        if not input_shape or input_shape[0] != self.n:
            got = input_shape[0] if input_shape else 0
            raise ValueError(
                f"normalises n = {self.n} features or channels (the first axis of one sample's "
                f"shape); make it BatchNorm({got})"
            )
        self.input_shape = self.output_shape = tuple(input_shape)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """gamma, beta and the buffers running_mean, running_var: each (n,)."""
        return dict.fromkeys((*self.parameter_names, *self.buffer_names), (self.n,))

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """γ = 1 and β = 0 (z = x̂ at first); running mean 0 and running variance 1."""
        self.gamma = np.ones(self.n, dtype=dtype)
        self.beta = np.zeros(self.n, dtype=dtype)
        self.running_mean = np.zeros(self.n, dtype=dtype)
        self.running_var = np.ones(self.n, dtype=dtype)

    # -- forward ------------------------------------------------------------------------------

    def _per_channel(self, v: Array) -> Array:
        """A per-feature vector (n,) shaped to broadcast against (m, n, H, W) inputs."""
        return v.reshape((self.n,) + (1,) * (len(self.input_shape) - 1))

    def batch_statistics(self, a_prev: Array, x_hat: Array | None = None) -> tuple[Array, Array]:
        """(μ_B, σ²_B) of each feature over the mini-batch (and every position, for images),
        writing x̂ = (a − μ_B)/√(σ²_B + ε) into ``x_hat`` when given.

        >>> bn = BatchNorm(1)
        >>> bn.batch_statistics(np.array([[1.0], [2.0], [6.0]]))
        (array([3.]), array([4.66666667]))
        """
        N = a_prev.size // self.n  # the numbers each feature's statistics are taken over
        if N < 2:
            raise ValueError(
                f"BatchNorm normalises each of its {self.n} features over the mini-batch while "
                f"training, which needs more than 1 value per feature, but got inputs of shape "
                f"{a_prev.shape}; train with batch_size >= 2, and if the last mini-batch of an "
                "epoch holds a single sample, pick a batch_size that leaves none over"
            )
        centred = np.empty_like(a_prev) if x_hat is None else x_hat
        mean = _channel_sum(a_prev) / N  # μ_B = (1/N) Σ_s a_s
        np.subtract(a_prev, self._per_channel(mean), out=centred)  # a − μ_B
        var = _channel_dot(centred, centred) / N  # σ²_B = (1/N) Σ_s (a_s − μ_B)²
        if x_hat is not None:  # x̂ = (a − μ_B) / √(σ²_B + ε)
            x_hat *= self._per_channel(1.0 / np.sqrt(var + self.eps))
        return mean, var

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        """z = γ x̂ + β: x̂ from the mini-batch's statistics given a cache (training), from the
        running statistics without one (prediction)."""
        if cache is None:  # prediction: z = γ (a − running_mean)/√(running_var + ε) + β
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            z = a_prev - self._per_channel(self.running_mean)
            z *= self._per_channel(scale)
            z += self._per_channel(self.beta)
            return z
        x_hat = cache.saved.get("x_hat")
        if x_hat is None or x_hat.shape != a_prev.shape:
            x_hat = np.empty_like(cache.z)
        mean, var = self.batch_statistics(a_prev, x_hat)
        cache.saved["x_hat"] = x_hat
        cache.saved["inv_std"] = 1.0 / np.sqrt(var + self.eps)  # 1/√(σ²_B + ε)
        z = np.multiply(x_hat, self._per_channel(self.gamma), out=cache.z)  # z = γ x̂ + β
        z += self._per_channel(self.beta)
        if cache.running:  # in place: the divergence guard holds these very arrays
            N = a_prev.size // self.n
            self._update(self.running_mean, mean)
            self._update(self.running_var, var * (N / (N - 1)))  # the unbiased variance
        return z

    def _update(self, running: Array, batch: Array) -> None:
        """running ← (1 − momentum) · running + momentum · batch, in place."""
        np.multiply(running, 1.0 - self.momentum, out=running)
        np.add(running, self.momentum * batch, out=running)

    # -- backward -------------------------------------------------------------------------------

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        x_hat, inv_std = cache.saved["x_hat"], cache.saved["inv_std"]
        m, N = delta.shape[0], delta.size // self.n
        r: Array | float = rows
        if np.ndim(rows):  # sample weights: one share r_i per sample
            if not np.all(np.asarray(rows) > 0):
                raise ValueError(
                    "BatchNorm couples the samples of a mini-batch (each one's output depends "
                    "on all of them through the batch mean and variance), so its backward pass "
                    "needs every sample's weight to be positive; got a sample weight of 0. "
                    "Leave such samples out of the data instead of giving them weight 0"
                )
            r = np.reshape(rows, (m,) + (1,) * (delta.ndim - 1))
        grads = cache.grads
        g = np.multiply(delta, r, out=cache.scaled)  # g_s = ∂C/∂z_s = r_s δ_s
        grads["beta"][...] = _channel_sum(g)  # ∂C/∂β = Σ_s g_s          (∂z_s/∂β = 1)
        grads["gamma"][...] = _channel_dot(g, x_hat)  # ∂C/∂γ = Σ_s g_s x̂_s  (∂z_s/∂γ = x̂_s)
        if not need_dC_da_prev:
            return None
        # ∂C/∂a_k = γ/√(σ²_B + ε) · (g_k − (1/N) Σ_s g_s − x̂_k (1/N) Σ_s g_s x̂_s), and the
        # layer below gets (1/r_k) ∂C/∂a_k = γ/√(σ²_B + ε) · (δ_k − (…)/r_k)
        out = np.multiply(x_hat, self._per_channel(grads["gamma"] / N), out=cache.dC_da_prev)
        out += self._per_channel(grads["beta"] / N)  # (1/N)(Σ_s g_s + x̂_k Σ_s g_s x̂_s)
        out /= r
        np.subtract(delta, out, out=out)
        out *= self._per_channel(self.gamma * inv_std)
        return out

    # -- the glass box, files -----------------------------------------------------------------

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """γ_c and β_c enter only z of feature c (the batch statistics do not depend on them):
        one path for (m, n) inputs, one per position (c, y, x) for images, with
        ∂z/∂γ_c = x̂ (from the mini-batch's statistics) and ∂z/∂β_c = 1.

        >>> bn = BatchNorm(2)
        >>> bn.parameter_paths("gamma", (1,), np.array([[0.0, 1.0], [0.0, 3.0]]))
        [((1,), array([-0.999995,  0.999995]))]
        """
        (c,) = index
        x_hat = np.empty_like(a_prev)
        self.batch_statistics(a_prev, x_hat)
        factor = x_hat[:, c] if name == "gamma" else np.ones_like(x_hat[:, c])
        return [
            ((c, *position), factor[(slice(None), *position)])
            for position in np.ndindex(*factor.shape[1:])
        ]

    def config(self) -> dict[str, Any]:
        """The layer's constructor arguments as plain JSON-ready values."""
        act = self.activation
        return {
            "n": self.n,
            "momentum": self.momentum,
            "eps": self.eps,
            "activation": {"name": act.name, **act.config()},
        }

    def __repr__(self) -> str:
        extras = [
            f"{name}={value:g}"
            for name, value, default in (("momentum", self.momentum, 0.1), ("eps", self.eps, 1e-5))
            if value != default
        ]
        if self.activation.name != "identity":
            extras.append(f"activation={self.activation!r}")
        return f"BatchNorm({', '.join([str(self.n), *extras])})"


def _channel_sum(x: Array) -> Array:
    """Σ over every axis but the feature axis 1: (m, n) or (m, n, H, W) → (n,)."""
    if x.ndim == 2:
        return x.sum(axis=0)
    return x.reshape(x.shape[0], x.shape[1], -1).sum(axis=2).sum(axis=0)


def _channel_dot(x: Array, y: Array) -> Array:
    """Σ over every axis but the feature axis 1 of x ⊙ y: (m, n) or (m, n, H, W) → (n,)."""
    m, n = x.shape[:2]
    return np.einsum("isk,isk->s", x.reshape(m, n, -1), y.reshape(m, n, -1))
