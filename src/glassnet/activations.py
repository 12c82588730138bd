"""Activation functions σ, each with its derivative σ'.

A layer computes ``a = σ(z)`` on the forward pass and, on the backward pass, turns ∂C/∂a into
δ = ∂C/∂z.  For an elementwise σ that is the tutorial's product of two partial derivatives::

    δ = ∂C/∂a ⊙ σ'(z)            # ∂C/∂z = ∂C/∂a · ∂a/∂z, one neuron at a time

``softmax`` is the one activation here that is not elementwise (every output depends on every
input), so it overrides :meth:`Activation.backward` with its full Jacobian.

Activations are named in user code (``activation="relu"``) and resolved once, through the
:data:`ACTIVATIONS` registry and :func:`get`.  A new activation needs no change to the library:

>>> import numpy as np
>>> cube = Activation(name="cube", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)
>>> cube(np.array([2.0]))
array([8.])

Pass ``register(cube)`` to make the name usable as a string too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "get",
    "register",
    "sigmoid",
    "softplus",
]


class Activation:
    """An activation function σ and its derivative σ'.

    Subclass it and override :meth:`forward` and :meth:`prime`, or pass the two functions::

        Activation(name="cube", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)

    ``prime(z, a)`` receives both z and a = σ(z) so that derivatives such as the sigmoid's
    σ'(z) = a(1 − a) need no second evaluation of σ.

    Args:
        name: the name used in reprs, summaries and saved model files.
        forward: ``z -> σ(z)``, elementwise.
        prime: ``(z, a) -> σ'(z)``, elementwise.
    """

    name: str = "activation"
    #: True when σ acts on each neuron separately, so that ∂a_j/∂z_k = 0 for j ≠ k.
    elementwise: bool = True

    def __init__(
        self,
        name: str | None = None,
        forward: Callable[[Array], Array] | None = None,
        prime: Callable[[Array, Array], Array] | None = None,
    ) -> None:
        if name is not None:
            if not isinstance(name, str) or not name:
                raise ValueError(f"an activation's name must be a non-empty string, got {name!r}")
            self.name = name
        if (forward is None) != (prime is None):
            raise ValueError(
                "give both forward and prime (σ and its derivative σ'), or subclass Activation"
            )
        self._forward = forward
        self._prime = prime

    def forward(self, z: Array) -> Array:
        """a = σ(z)."""
        if self._forward is None:
            raise NotImplementedError(f"{type(self).__name__} does not define forward(z)")
        return self._forward(z)

    def prime(self, z: Array, a: Array) -> Array:
        """σ'(z), elementwise; ``a`` is σ(z), passed in to avoid recomputing it."""
        if self._prime is None:
            raise NotImplementedError(f"{type(self).__name__} does not define prime(z, a)")
        return self._prime(z, a)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        """δ = ∂C/∂z from ∂C/∂a: the chain rule through σ (for rows of a mini-batch)."""
        return dC_da * self.prime(z, a)  # δ = ∂C/∂a ⊙ σ'(z)

    def jacobian(self, z: Array, a: Array) -> Array:
        """∂a_j/∂z_k for each row: shape (m, n, n). Diagonal for an elementwise σ."""
        d = self.prime(z, a)
        m, n = d.shape
        J = np.zeros((m, n, n), dtype=d.dtype)
        J[:, np.arange(n), np.arange(n)] = d
        return J

    def __call__(self, z: Array) -> Array:
        return self.forward(z)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that, with :attr:`name`, rebuild this activation."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{self.name}({args})" if args else self.name

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Activation)
            and type(other) is type(self)
            and other.name == self.name
            and other.config() == self.config()
            and other._forward is self._forward
        )

    def __hash__(self) -> int:
        return hash((type(self), self.name))


def sigmoid(z: Array) -> Array:
    """The logistic function 1 / (1 + e^(−z)), without overflow for any z.

    e^(−|z|) is never larger than 1, so neither branch can overflow:
    σ(z) = 1 / (1 + e^(−z)) for z ≥ 0 and e^(z) / (1 + e^(z)) for z < 0.
    """
    e = np.exp(-np.abs(z))
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def softplus(z: Array) -> Array:
    """ln(1 + e^z), computed as max(z, 0) + ln(1 + e^(−|z|)) so that it never overflows."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class Identity(Activation):
    """σ(z) = z, σ'(z) = 1. The usual output for regression."""

    name = "identity"

    def forward(self, z: Array) -> Array:
        return z

    def prime(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        return dC_da  # σ' = 1, so δ = ∂C/∂a


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), σ'(z) = σ(z)(1 − σ(z)). The tutorial's activation."""

    name = "sigmoid"

    def forward(self, z: Array) -> Array:
        return sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)  # σ'(z) = σ(z)(1 − σ(z))


class Tanh(Activation):
    """σ(z) = tanh z, σ'(z) = 1 − tanh² z."""

    name = "tanh"

    def forward(self, z: Array) -> Array:
        return np.tanh(z)

    def prime(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a


class ReLU(Activation):
    """σ(z) = max(0, z), σ'(z) = 1 for z > 0 and 0 otherwise (0 at z = 0, as PyTorch)."""

    name = "relu"

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def prime(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    """σ(z) = z for z > 0 and slope · z otherwise; σ' = 1 or slope.

    Args:
        slope: the gradient for z ≤ 0 (default 0.01, as PyTorch and scikit-learn).
    """

    name = "leaky_relu"

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if not (isinstance(slope, (int, float)) and math.isfinite(slope)):
            raise ValueError(f"leaky_relu slope must be a finite number, got {slope!r}")
        self.slope = float(slope)

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, self.slope * z)

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype)

    def config(self) -> dict[str, Any]:
        return {"slope": self.slope}


class ELU(Activation):
    """σ(z) = z for z > 0 and α(e^z − 1) otherwise; σ'(z) = 1 or α e^z = a + α.

    Args:
        alpha: the negative saturation value −α (default 1.0).
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"elu alpha must be a positive finite number, got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, z: Array) -> Array:
        # expm1 of min(z, 0): the unused branch of np.where must not overflow either
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class SELU(Activation):
    """Scaled ELU: σ(z) = λ·z for z > 0 and λα(e^z − 1) otherwise.

    λ ≈ 1.0507 and α ≈ 1.6733 are the self-normalising constants of Klambauer et al. (2017).
    """

    name = "selu"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward(self, z: Array) -> Array:
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, self.scale, a + self.scale * self.alpha).astype(z.dtype)


class Softplus(Activation):
    """σ(z) = ln(1 + e^z), σ'(z) = sigmoid(z); computed as max(z, 0) + ln(1 + e^(−|z|))."""

    name = "softplus"

    def forward(self, z: Array) -> Array:
        return softplus(z)

    def prime(self, z: Array, a: Array) -> Array:
        return sigmoid(z)


class SiLU(Activation):
    """σ(z) = z · sigmoid(z) (also called swish); σ'(z) = s + z s (1 − s) with s = sigmoid(z)."""

    name = "silu"

    def forward(self, z: Array) -> Array:
        return z * sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))


def _erfc(x: Array) -> Array:
    """The complementary error function erfc(x) = 1 − erf(x), elementwise, in NumPy alone.

    Relative error about 1e-13 in float64 (tested against :func:`math.erfc`). NumPy has no erf,
    and the core depends on NumPy only, so it is computed from two classical expansions:

    - |x| < 2: erf(x) = (2/√π) e^(−x²) Σ_n 2ⁿ x^(2n+1) / (1·3·5···(2n+1)), a series whose
      terms are all positive, so nothing cancels; erfc = 1 − erf.
    - |x| ≥ 2: the continued fraction
      erfc(x) = (e^(−x²)/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
      which keeps full relative precision where erfc is tiny; erfc(−x) = 2 − erfc(x).
    """
    x = np.asarray(x)
    out = np.empty_like(x)
    ax = np.abs(x)
    near = ax < 2.0
    if near.any():
        xn = x[near]
        term = xn.copy()
        total = xn.copy()
        two_x2 = 2.0 * xn * xn
        for n in range(1, 50):
            term = term * two_x2 / (2 * n + 1)
            total += term
        out[near] = 1.0 - (2.0 / math.sqrt(math.pi)) * np.exp(-xn * xn) * total
    far = ~near
    if far.any():
        xf = ax[far]
        f = xf.copy()
        for n in range(60, 0, -1):
            f = xf + (0.5 * n) / f
        tail = np.exp(-xf * xf) / (math.sqrt(math.pi) * f)
        out[far] = np.where(x[far] > 0, tail, 2.0 - tail)
    return out


class GELU(Activation):
    """Gaussian error linear unit, exact form: σ(z) = z Φ(z) with Φ(z) = ½ erfc(−z/√2).

    σ'(z) = Φ(z) + z φ(z), where φ(z) = e^(−z²/2)/√(2π) is the standard normal density.
    """

    name = "gelu"

    def forward(self, z: Array) -> Array:
        return z * (0.5 * _erfc(-z / math.sqrt(2.0)))

    def prime(self, z: Array, a: Array) -> Array:
        Phi = 0.5 * _erfc(-z / math.sqrt(2.0))
        phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return Phi + z * phi


class Softmax(Activation):
    """σ(z)_j = e^(z_j) / Σ_k e^(z_k), for each row; the output layer of a classifier.

    Not elementwise: ∂a_j/∂z_k = a_j (1[j = k] − a_k). With the cross-entropy cost the two
    fuse into δ = a − y (see :mod:`glassnet.costs`); with any other cost, :meth:`backward`
    applies the full Jacobian.
    """

    name = "softmax"
    elementwise = False

    def forward(self, z: Array) -> Array:
        e = np.exp(
            z - z.max(axis=-1, keepdims=True)
        )  # shifting by max(z) changes nothing but overflow
        return e / e.sum(axis=-1, keepdims=True)

    def prime(self, z: Array, a: Array) -> Array:
        raise ValueError(
            "softmax has no elementwise derivative: each a_j depends on every z_k. "
            "Use Softmax.jacobian(z, a) or Softmax.backward(z, a, dC_da)."
        )

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        # δ_k = Σ_j ∂C/∂a_j · a_j (1[j = k] − a_k) = a_k (∂C/∂a_k − Σ_j ∂C/∂a_j a_j)
        return a * (dC_da - np.sum(dC_da * a, axis=-1, keepdims=True))

    def jacobian(self, z: Array, a: Array) -> Array:
        n = a.shape[-1]
        return a[:, :, None] * (np.eye(n, dtype=a.dtype)[None] - a[:, None, :])


#: name → activation class. Extended with :func:`register`.
ACTIVATIONS: dict[str, type[Activation] | Activation] = {
    cls.name: cls
    for cls in (Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, Softplus, SiLU, GELU, Softmax)
}


def register(activation: Activation) -> Activation:
    """Make ``activation`` available by its name, e.g. ``Dense(3, 2, activation="cube")``.

    >>> cube = register(Activation("cube", lambda z: z**3, lambda z, a: 3 * z**2))
    >>> get("cube") is cube
    True
    """
    if not isinstance(activation, Activation):
        raise ValueError(f"register() takes an Activation, got {type(activation).__name__}")
    if activation.name in ACTIVATIONS and ACTIVATIONS[activation.name] is not activation:
        existing = ACTIVATIONS[activation.name]
        if isinstance(existing, type):
            raise ValueError(
                f"{activation.name!r} is a built-in activation; give yours another name"
            )
    ACTIVATIONS[activation.name] = activation
    return activation


def get(activation: str | Activation, **kwargs: Any) -> Activation:
    """Resolve an activation given by name (or pass an instance through).

    >>> get("sigmoid")
    sigmoid
    >>> get("leaky_relu", slope=0.1)
    leaky_relu(slope=0.1)
    """
    if isinstance(activation, Activation):
        return activation
    if not isinstance(activation, str):
        raise ValueError(
            f"activation must be a name or an Activation, got {type(activation).__name__}"
        )
    entry = ACTIVATIONS.get(activation)
    if entry is None:
        names = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(
            f"unknown activation {activation!r}; choose one of: {names} "
            "(or pass an Activation instance for your own)"
        )
    if isinstance(entry, Activation):
        if kwargs:
            raise ValueError(f"activation {activation!r} takes no arguments, got {kwargs}")
        return entry
    try:
        return entry(**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad arguments {kwargs} for activation {activation!r}: {exc}") from None
