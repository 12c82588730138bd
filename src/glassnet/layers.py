"""The fully connected layer: z^(l) = a^(l−1) W^(l)ᵀ + b^(l),  a^(l) = σ(z^(l)).

One row per sample, so this is the tutorial's a^(l) = σ(W a^(l−1) + b) for every row at once.
W^(l) has shape (n_l, n_{l−1}): ``W[j, k]`` is the weight *to* neuron j *from* neuron k.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import activations
from . import init as initializers
from ._inputs import positive_int
from .activations import Activation

Array = NDArray[np.floating[Any]]

__all__ = ["Dense"]

#: W is stored column by column (Fortran order), so that Wᵀ in z = a Wᵀ is an ordinary
#: row-major matrix: OpenBLAS multiplies by it 10-25% faster than by a transposed one for the
#: shapes of a small MLP (benchmarks/README.md). ``W[j, k]`` means the same either way; arrays
#: that are added to W (gradients, optimizer buffers) are made in the same order, since NumPy
#: is slow at adding a row-major array to a column-major one.
W_ORDER: Literal["F"] = "F"


class Dense:
    """A fully connected layer of ``n_out`` neurons, each fed by all ``n_in`` neurons before it.

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
        self.activation = activations.get(activation)
        self.init = init if init is not None else initializers.default_for(self.activation)
        initializers.get(self.init)  # fail now, not when the network is built
        self.dropout = _dropout_rate(dropout)
        self.W: Array = np.zeros((0, 0))
        self.b: Array = np.zeros(0)
        self.built = False

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

    @property
    def n_params(self) -> int:
        """Weights plus biases: n_out · n_in + n_out."""
        return self.n_out * self.n_in + self.n_out

    def forward(self, a_prev: Array) -> tuple[Array, Array]:
        """Return (z, a) for the rows of ``a_prev``."""
        z = a_prev @ self.W.T  # z = a^(l−1) W^(l)ᵀ + b^(l): row i is W a_i + b
        z += self.b
        return z, self.activation(z)  # a^(l) = σ(z^(l))

    def backward(
        self, delta: Array, a_prev: Array, need_dC_da_prev: bool = True
    ) -> tuple[Array, Array, Array | None]:
        """The layer's three partial derivatives, given δ = ∂C/∂z for each row.

        Returns ``(dC_dW, dC_db, dC_da_prev)``. Each is summed over the rows; pass the δ of the
        mini-batch cost C = (1/m) Σ_i C_i (that is δ_i / m) to get the mini-batch gradient.
        """
        # ∂C/∂w_jk = Σ_i δ_ij a^(l−1)_ik   (∂z_j/∂w_jk = a_k), laid out in memory as W is
        room = np.empty_like(self.W, dtype=np.result_type(delta, a_prev))  # keeps W's order
        dC_dW = np.matmul(delta.T, a_prev, out=room)
        dC_db = delta.sum(axis=0)  # ∂C/∂b_j = Σ_i δ_ij              (∂z_j/∂b_j = 1)
        dC_da_prev = delta @ self.W if need_dC_da_prev else None  # ∂C/∂a^(l−1)_k = Σ_j δ_j w_jk
        return dC_dW, dC_db, dC_da_prev

    def dropout_mask(self, m: int, rng: np.random.Generator, dtype: DTypeLike) -> Array:
        """A fresh inverted-dropout mask for m samples: 0 for a dropped neuron, 1/(1 − p) else.

        Multiplying a^(l) by it drops each neuron with probability p and keeps the expected
        activation unchanged: E[mask] = (1 − p) · 1/(1 − p) = 1.
        """
        keep = rng.random((m, self.n_out)) >= self.dropout
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - self.dropout), dtype=dtype)

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


def _dropout_rate(p: Any) -> float:
    """Check a dropout probability: a real number with 0 ≤ p < 1."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"dropout must be a probability 0 <= p < 1 such as 0.2, got {p!r}")
    if not 0.0 <= float(p) < 1.0:
        raise ValueError(
            f"dropout must be a probability 0 <= p < 1 (the fraction of neurons switched off "
            f"while training), got {p!r}; use 0 for no dropout"
        )
    return float(p)
