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

Everything the rest of glassnet needs to know about an activation lives on its class, so that
adding one touches this file alone (``docs/notation.md``, "Adding an activation"): its default
initialiser, the text of σ and σ' for explanations, whether its units saturate or die (for
diagnosis and plots), the range of its values, its ONNX, PyTorch and scikit-learn equivalents,
and in-place forms of σ and δ for the training step. A fact a class does not state has a
default that means "not known": interop then refuses the activation with a ValueError naming the
missing fact, and explanations print ``name′(z)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]
Mask = NDArray[np.bool_]

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "FACTS",
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "OnnxGraph",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "find",
    "get",
    "register",
    "sigmoid",
    "softmax_into",
    "softplus",
]


class OnnxGraph(Protocol):
    """The ONNX graph being built, as :meth:`Activation.onnx_nodes` sees it.

    :func:`glassnet.interop.to_onnx` passes one; the core itself never imports onnx.
    """

    def node(self, op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        """Append the node ``output = op(*inputs)`` and return ``output``."""
        ...

    def constant(self, name: str, value: Any) -> str:
        """Add an initializer holding ``value`` (in the network's dtype) and return ``name``."""
        ...


class Activation:
    """An activation function σ and its derivative σ', with the facts glassnet asks about it.

    Subclass it and override :meth:`forward` and :meth:`prime`, or pass the two functions::

        Activation(name="cube", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)

    ``prime(z, a)`` receives both z and a = σ(z) so that derivatives such as the sigmoid's
    σ'(z) = a(1 − a) need no second evaluation of σ.

    A subclass may also state the facts below as class attributes (each has a default meaning
    "not known"), and give in-place forms of σ and δ (:meth:`forward_into`,
    :meth:`backward_into`) for speed. A subclass that redefines ``forward`` (or ``prime``/
    ``backward``) computes another function than its parent, so the facts about the parent's
    function are not inherited: it states its own or has none (see :meth:`__init_subclass__`).

    Args:
        name: the name used in reprs, summaries and saved model files.
        forward: ``z -> σ(z)``, elementwise.
        prime: ``(z, a) -> σ'(z)``, elementwise.

    Example:
        >>> import numpy as np
        >>> class Softsign(Activation):
        ...     name = "softsign"
        ...     saturates = True                      # σ'(z) → 0 for large |z|
        ...     output_range = (-1.0, 1.0)
        ...     derivative_formula = "1 / (1 + |z|)²"
        ...     torch_module = "Softsign"
        ...     onnx_op = "Softsign"
        ...     def forward(self, z):
        ...         return z / (1 + np.abs(z))
        ...     def prime(self, z, a):
        ...         return 1 / (1 + np.abs(z)) ** 2
        >>> Softsign()(np.array([1.0])), Softsign().default_init
        (array([0.5]), 'xavier')
    """

    name: str = "activation"

    # -- facts: what the rest of glassnet asks an activation (defaults: "not known") ----------

    #: True when σ acts on each neuron separately, so that ∂a_j/∂z_k = 0 for j ≠ k.
    elementwise: bool = True
    #: The initialiser a layer with this σ gets when ``init=None``: a name in
    #: :data:`glassnet.init.INITS` (``"he"`` suits the relu family, ``"xavier"`` the rest).
    default_init: str = "xavier"
    #: (lowest, highest) value σ takes or tends to; ±inf where it is unbounded.
    output_range: tuple[float, float] = (-math.inf, math.inf)
    #: True when σ is flat at both ends, σ'(z) → 0 as |z| grows: a unit driven far out stops
    #: learning (δ = ∂C/∂a ⊙ σ'(z) ≈ 0). Diagnosis then counts the values with σ'(z) ≈ 0, and
    #: plots the values near the ends of :attr:`output_range`.
    saturates: bool = False
    #: True when σ'(z) = 0 on a whole half-line, so that a neuron can die: σ'(z) = 0 for every
    #: sample, and no gradient reaches its weights again. Diagnosis counts such neurons, and
    #: plots the values equal to the lowest of :attr:`output_range`.
    dies: bool = False
    #: σ(z) as text, as explanations print it, e.g. ``"1 / (1 + e^(−z))"``; None: not stated.
    formula: str | None = None
    #: σ'(z) as text, e.g. ``"σ(z)(1 − σ(z))"``; for a σ that is not elementwise, ∂a_r/∂z_q.
    #: None: explanations print ``name′(z)``.
    derivative_formula: str | None = None
    #: The one ONNX operator computing σ, e.g. ``"Tanh"`` (attributes from
    #: :meth:`onnx_attributes`); None: none (override :meth:`onnx_nodes` for several nodes).
    onnx_op: str | None = None
    #: The ``torch.nn`` module class computing σ, by name, e.g. ``"Tanh"`` (arguments from
    #: :meth:`torch_arguments`); None: PyTorch interop refuses this activation.
    torch_module: str | None = None
    #: scikit-learn's name for σ in its MLP (``"logistic"`` for the sigmoid); None: it has none.
    sklearn_name: str | None = None

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Drop the facts a subclass would inherit about a function it no longer computes.

        A subclass of Tanh with its own ``forward`` is not torch's Tanh, and Tanh's in-place
        form would train it with tanh's numbers. So when a class redefines ``forward``, every
        fact about σ that it does not restate goes back to the "not known" default; when it
        redefines ``prime`` or ``backward``, those about σ' do. Hints such as
        :attr:`default_init`, :attr:`saturates` and :attr:`dies` are inherited.
        """
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        dropped: set[str] = set()
        if "forward" in own:
            dropped |= _FACTS_OF_SIGMA
        if "prime" in own or "backward" in own:
            dropped |= _FACTS_OF_SIGMA_PRIME
        for fact in dropped - own.keys():
            setattr(cls, fact, vars(Activation)[fact])

    # -- the mathematics ------------------------------------------------------------------------

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

    # -- the same, in place (the training step's buffers) ----------------------------------------

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        """a = σ(z), written into ``out`` where this class knows how; bit for bit ``forward(z)``.

        ``tmp`` (like z) and ``mask`` (booleans, like z) are scratch space; z is left alone.
        Returns the array holding a: ``out``, z itself (the identity), or, by default, the new
        array ``forward(z)`` (correct, only slower).

        >>> z = np.array([[-1.0, 2.0]])
        >>> ReLU().forward_into(z, np.empty_like(z), np.empty_like(z), np.empty(z.shape, bool))
        array([[0., 2.]])
        """
        return self.forward(z)

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        """δ = ∂C/∂a ⊙ σ'(z), overwriting ``dC_da`` where this class knows how.

        Bit for bit ``backward(z, a, dC_da)``; ``tmp`` and ``mask`` are scratch, as for
        :meth:`forward_into`. Returns the array holding δ.
        """
        return self.backward(z, a, dC_da)

    # -- equivalents in other tools (glassnet.interop) ------------------------------------------

    def onnx_attributes(self) -> dict[str, Any]:
        """The attributes of the :attr:`onnx_op` node, e.g. ``{"alpha": 0.01}`` for LeakyRelu."""
        return {}

    def onnx_nodes(self, graph: OnnxGraph, z: str, a: str) -> None:
        """Append to ``graph`` the ONNX node(s) computing ``a = σ(z)``.

        By default one :attr:`onnx_op` node; override it when σ takes several (SiLU, GELU),
        naming temporaries after ``z`` so that they are unique.
        """
        if self.onnx_op is None:
            raise ValueError(
                f"activation {self!r} has no ONNX form in glassnet: it states no onnx_op (the "
                "one ONNX operator computing it, e.g. onnx_op = 'Tanh') and has no onnx_nodes "
                "method (for several nodes). Give its class one of those, or use a built-in "
                "activation: each has an ONNX form"
            )
        graph.node(self.onnx_op, [z], a, **self.onnx_attributes())

    def torch_arguments(self) -> dict[str, Any]:
        """The keyword arguments that make ``torch.nn.<torch_module>`` compute exactly σ."""
        return {}

    def from_torch_module(self, module: Any) -> Activation | None:
        """This activation if the torch module (of class :attr:`torch_module`) computes it.

        By default the module must hold the values of :meth:`torch_arguments`; a class with
        parameters overrides it to read them from the module (see :class:`LeakyReLU`).
        Returns None when the module computes something else.
        """
        missing = object()
        fits = all(getattr(module, k, missing) == v for k, v in self.torch_arguments().items())
        return self if fits else None

    # -- saving and printing --------------------------------------------------------------------

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


#: The facts about σ itself: a class that redefines ``forward`` states them anew or has none.
_FACTS_OF_SIGMA = {
    "formula",
    "derivative_formula",
    "output_range",
    "forward_into",
    "backward_into",
    "onnx_op",
    "onnx_attributes",
    "onnx_nodes",
    "torch_module",
    "torch_arguments",
    "from_torch_module",
    "sklearn_name",
}
#: The facts about σ': a class that redefines ``prime`` or ``backward`` states them anew.
_FACTS_OF_SIGMA_PRIME = {"derivative_formula", "backward_into"}


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
    formula = "z"
    derivative_formula = "1"
    onnx_op = "Identity"
    torch_module = "Identity"
    sklearn_name = "identity"

    def forward(self, z: Array) -> Array:
        return z

    def prime(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        return dC_da  # σ' = 1, so δ = ∂C/∂a

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return z  # σ(z) = z: nothing to compute or copy

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        return dC_da  # σ' = 1


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), σ'(z) = σ(z)(1 − σ(z)). The tutorial's activation."""

    name = "sigmoid"
    output_range = (0.0, 1.0)
    saturates = True
    formula = "1 / (1 + e^(−z))"
    derivative_formula = "σ(z)(1 − σ(z))"
    onnx_op = "Sigmoid"
    torch_module = "Sigmoid"
    sklearn_name = "logistic"

    def forward(self, z: Array) -> Array:
        return sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)  # σ'(z) = σ(z)(1 − σ(z))

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        # as sigmoid() does it: 1 / (1 + e) for z ≥ 0 and e / (1 + e) for z < 0, e = e^(−|z|)
        e = np.exp(np.negative(np.abs(z, out=tmp), out=tmp), out=tmp)
        np.divide(1.0, np.add(e, 1.0, out=out), out=out)  # r = 1 / (1 + e)
        np.multiply(e, out, out=e)  # e · r, the z < 0 branch
        np.copyto(out, e, where=np.less(z, 0, out=mask))
        return out

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        np.subtract(1.0, a, out=tmp)
        np.multiply(a, tmp, out=tmp)  # σ'(z) = a (1 − a)
        return np.multiply(dC_da, tmp, out=dC_da)


class Tanh(Activation):
    """σ(z) = tanh z, σ'(z) = 1 − tanh² z."""

    name = "tanh"
    output_range = (-1.0, 1.0)
    saturates = True
    formula = "(e^z − e^(−z)) / (e^z + e^(−z))"
    derivative_formula = "1 − tanh²(z)"
    onnx_op = "Tanh"
    torch_module = "Tanh"
    sklearn_name = "tanh"

    def forward(self, z: Array) -> Array:
        return np.tanh(z)

    def prime(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return np.tanh(z, out=out)

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        np.multiply(a, a, out=tmp)
        np.subtract(1.0, tmp, out=tmp)  # σ'(z) = 1 − a²
        return np.multiply(dC_da, tmp, out=dC_da)


class ReLU(Activation):
    """σ(z) = max(0, z), σ'(z) = 1 for z > 0 and 0 otherwise (0 at z = 0, as PyTorch)."""

    name = "relu"
    default_init = "he"
    output_range = (0.0, math.inf)
    dies = True
    formula = "max(0, z)"
    derivative_formula = "1 if z > 0 else 0"
    onnx_op = "Relu"
    torch_module = "ReLU"
    sklearn_name = "relu"

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def prime(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return np.maximum(z, 0.0, out=out)  # σ(z) = max(0, z)

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        return np.multiply(dC_da, np.greater(z, 0, out=mask), out=dC_da)  # σ' = 1[z > 0]


class LeakyReLU(Activation):
    """σ(z) = z for z > 0 and slope · z otherwise; σ' = 1 or slope.

    Args:
        slope: the gradient for z ≤ 0 (default 0.01, as PyTorch and scikit-learn).
    """

    name = "leaky_relu"
    default_init = "he"
    formula = "z if z > 0 else slope · z"
    onnx_op = "LeakyRelu"
    torch_module = "LeakyReLU"

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if not (isinstance(slope, (int, float)) and math.isfinite(slope)):
            raise ValueError(f"leaky_relu slope must be a finite number, got {slope!r}")
        self.slope = float(slope)
        self.derivative_formula = f"1 if z > 0 else {self.slope:g}"

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, self.slope * z)

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.slope}

    def torch_arguments(self) -> dict[str, Any]:
        return {"negative_slope": self.slope}

    def from_torch_module(self, module: Any) -> Activation | None:
        return LeakyReLU(slope=float(module.negative_slope))

    def config(self) -> dict[str, Any]:
        return {"slope": self.slope}


class ELU(Activation):
    """σ(z) = z for z > 0 and α(e^z − 1) otherwise; σ'(z) = 1 or α e^z = a + α.

    Args:
        alpha: the negative saturation value −α (default 1.0).
    """

    name = "elu"
    default_init = "he"
    formula = "z if z > 0 else α(e^z − 1)"
    derivative_formula = "1 if z > 0 else a + α"
    onnx_op = "Elu"
    torch_module = "ELU"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"elu alpha must be a positive finite number, got {alpha!r}")
        self.alpha = float(alpha)
        self.output_range = (-self.alpha, math.inf)

    def forward(self, z: Array) -> Array:
        # expm1 of min(z, 0): the unused branch of np.where must not overflow either
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def torch_arguments(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def from_torch_module(self, module: Any) -> Activation | None:
        return ELU(alpha=float(module.alpha))

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class SELU(Activation):
    """Scaled ELU: σ(z) = λ·z for z > 0 and λα(e^z − 1) otherwise.

    λ ≈ 1.0507 and α ≈ 1.6733 are the self-normalising constants of Klambauer et al. (2017).
    """

    name = "selu"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    default_init = "he"
    output_range = (-scale * alpha, math.inf)
    formula = "λz if z > 0 else λα(e^z − 1)"
    derivative_formula = "λ if z > 0 else a + λα"
    onnx_op = "Selu"
    torch_module = "SELU"

    def forward(self, z: Array) -> Array:
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, self.scale, a + self.scale * self.alpha).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "gamma": self.scale}


class Softplus(Activation):
    """σ(z) = ln(1 + e^z), σ'(z) = sigmoid(z); computed as max(z, 0) + ln(1 + e^(−|z|))."""

    name = "softplus"
    output_range = (0.0, math.inf)
    formula = "ln(1 + e^z)"
    derivative_formula = "sigmoid(z)"
    onnx_op = "Softplus"  # ONNX: ln(e^z + 1)
    torch_module = "Softplus"

    def forward(self, z: Array) -> Array:
        return softplus(z)

    def prime(self, z: Array, a: Array) -> Array:
        return sigmoid(z)

    def torch_arguments(self) -> dict[str, Any]:
        # PyTorch returns z itself above `threshold` (default 20): off by e^(−20) ≈ 2e-9, which
        # float64 sees. Above 40, ln(1 + e^z) = z to the last bit in float64, so 40 is exact.
        return {"beta": 1.0, "threshold": 40.0}

    def from_torch_module(self, module: Any) -> Activation | None:
        return self if module.beta == 1 else None  # any threshold: it differs by ≤ e^(−20)


class SiLU(Activation):
    """σ(z) = z · sigmoid(z) (also called swish); σ'(z) = s + z s (1 − s) with s = sigmoid(z)."""

    name = "silu"
    default_init = "he"
    output_range = (-0.27846454276107385, math.inf)  # the minimum, at z ≈ −1.2785
    formula = "z · sigmoid(z)"
    derivative_formula = "s + z s(1 − s), s = sigmoid(z)"
    torch_module = "SiLU"

    def forward(self, z: Array) -> Array:
        return z * sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))

    def onnx_nodes(self, graph: OnnxGraph, z: str, a: str) -> None:
        s = graph.node("Sigmoid", [z], f"{z}.sigmoid")
        graph.node("Mul", [z, s], a)  # silu(z) = z · sigmoid(z)


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
    default_init = "he"
    output_range = (-0.16997120747990369, math.inf)  # the minimum, at z ≈ −0.7518
    formula = "z Φ(z), Φ the standard normal CDF"
    derivative_formula = "Φ(z) + z φ(z)"
    torch_module = "GELU"

    def forward(self, z: Array) -> Array:
        return z * (0.5 * _erfc(-z / math.sqrt(2.0)))

    def prime(self, z: Array, a: Array) -> Array:
        Phi = 0.5 * _erfc(-z / math.sqrt(2.0))
        phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return Phi + z * phi

    def onnx_nodes(self, graph: OnnxGraph, z: str, a: str) -> None:
        # gelu(z) = z · Φ(z), Φ(z) = ½ (1 + erf(z / √2))
        u = graph.node("Div", [z, graph.constant(f"{z}.sqrt2", math.sqrt(2.0))], f"{z}.scaled")
        e = graph.node("Erf", [u], f"{z}.erf")
        p = graph.node("Add", [e, graph.constant(f"{z}.one", 1.0)], f"{z}.one_plus_erf")
        zp = graph.node("Mul", [z, p], f"{z}.times")
        graph.node("Mul", [zp, graph.constant(f"{z}.half", 0.5)], a)

    def torch_arguments(self) -> dict[str, Any]:
        return {"approximate": "none"}  # not torch's tanh approximation


def softmax_into(z: Array, out: Array, peak: Array, total: Array) -> Array:
    """a = softmax(z) into ``out``; ``peak`` and ``total`` (m, 1) receive max z and Σ e^(z − max z).

    σ(z)_j = e^(z_j − max z) / Σ_k e^(z_k − max z), row by row, as ``Softmax.forward`` does it.
    (The training step keeps ``peak`` and ``total`` for the cross-entropy of the true class.)

    >>> z = np.array([[0.0, 0.0]])
    >>> softmax_into(z, np.empty_like(z), np.empty((1, 1)), np.empty((1, 1)))
    array([[0.5, 0.5]])
    """
    z.max(axis=-1, keepdims=True, out=peak)  # shifting by max(z) changes nothing but overflow
    e = np.exp(np.subtract(z, peak, out=out), out=out)
    e.sum(axis=-1, keepdims=True, out=total)
    return np.divide(e, total, out=out)


class Softmax(Activation):
    """σ(z)_j = e^(z_j) / Σ_k e^(z_k), for each row; the output layer of a classifier.

    Not elementwise: ∂a_j/∂z_k = a_j (1[j = k] − a_k). With the cross-entropy cost the two
    fuse into δ = a − y (see :mod:`glassnet.costs`); with any other cost, :meth:`backward`
    applies the full Jacobian.
    """

    name = "softmax"
    elementwise = False
    output_range = (0.0, 1.0)
    formula = "e^(z_j) / Σ_k e^(z_k)"
    derivative_formula = "a_r (1[r = q] − a_q)"
    onnx_op = "Softmax"
    torch_module = "Softmax"
    sklearn_name = "softmax"  # scikit-learn's output activation (out_activation_) only

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

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        peak = tmp[:, :1]  # max z and Σ e^(z − max z) of each row, in two columns of tmp
        return softmax_into(z, out, peak, tmp[:, 1:2] if tmp.shape[1] > 1 else peak)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"axis": -1}  # over each row's neurons

    def torch_arguments(self) -> dict[str, Any]:
        return {"dim": -1}

    def from_torch_module(self, module: Any) -> Activation | None:
        return self if module.dim in (-1, 1) else None  # rows of (m, n): dim 1 is dim −1


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


#: The facts :func:`find` can ask about: the class attributes described on :class:`Activation`.
FACTS = (
    "elementwise",
    "default_init",
    "output_range",
    "saturates",
    "dies",
    "formula",
    "derivative_formula",
    "onnx_op",
    "torch_module",
    "sklearn_name",
)


def find(**facts: Any) -> list[str]:
    """The names of the registered activations whose facts have the given values.

    In the registry's order; built-in classes are asked with their default parameters. This is
    how other tools' names lead back to glassnet's, e.g. scikit-learn's ``"logistic"``:

    >>> find(sklearn_name="logistic")
    ['sigmoid']
    >>> find(elementwise=False)
    ['softmax']
    """
    for fact in facts:
        if fact not in FACTS:
            raise ValueError(f"{fact!r} is not a fact of an activation; ask one of {FACTS}")
    names = []
    for name, entry in ACTIVATIONS.items():
        act: type[Activation] | Activation = entry
        if isinstance(entry, type):
            try:
                act = entry()
            except (TypeError, ValueError):  # a class that needs arguments: its class facts
                act = entry
        if all(getattr(act, fact) == value for fact, value in facts.items()):
            names.append(name)
    return names
