"""The activation contract: what glassnet asks of an activation σ (see :mod:`glassnet.activations`).

:class:`Activation` holds σ, σ' and every fact the rest of glassnet needs about them; the
functions glassnet ships are in :mod:`glassnet.activations.functions`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]
Mask = NDArray[np.bool_]

__all__ = ["Activation", "Array", "Mask", "OnnxGraph"]


class OnnxGraph(Protocol):
    """The ONNX graph being built, as :meth:`Activation.onnx_nodes` sees it.

    :func:`glassnet.interop.to_onnx` passes one; the core itself never imports onnx.

    Example:
        A stand-in graph that records the nodes shows what an activation writes:

        >>> from glassnet.activations import SiLU
        >>> class Recorder:
        ...     def __init__(self):
        ...         self.nodes = []
        ...     def node(self, op, inputs, output, **attributes):
        ...         self.nodes.append(f"{output} = {op}({', '.join(inputs)})")
        ...         return output
        ...     def constant(self, name, value):
        ...         return name
        >>> graph = Recorder()
        >>> SiLU().onnx_nodes(graph, "z1", "a1")  # silu(z) = z · sigmoid(z)
        >>> graph.nodes
        ['z1.sigmoid = Sigmoid(z1)', 'a1 = Mul(z1, z1.sigmoid)']
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

        >>> from glassnet.activations import ReLU
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
