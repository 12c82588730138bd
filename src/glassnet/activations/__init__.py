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

from typing import Any

from .._inputs import from_registry
from .base import Activation, OnnxGraph
from .functions import (
    BUILT_IN,
    ELU,
    GELU,
    SELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    erfc,
    sigmoid,
    softmax_into,
    softplus,
)

__all__ = [
    "ACTIVATIONS",
    "BUILT_IN",
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
    "erfc",
    "find",
    "get",
    "register",
    "sigmoid",
    "softmax_into",
    "softplus",
]


#: name → activation class. Extended with :func:`register`.
ACTIVATIONS: dict[str, type[Activation] | Activation] = {cls.name: cls for cls in BUILT_IN}


def register(activation: Activation) -> Activation:
    """Make ``activation`` available by its name, e.g. ``Dense(3, 2, activation="cube")``.

    >>> cube = register(Activation("cube", lambda z: z**3, lambda z, a: 3 * z**2))
    >>> get("cube") is cube
    True
    """
    if not isinstance(activation, Activation):
        raise ValueError(f"register() takes an Activation, got {type(activation).__name__}")
    if isinstance(ACTIVATIONS.get(activation.name), type):  # a built-in class has the name
        raise ValueError(f"{activation.name!r} is a built-in activation; give yours another name")
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
    hint = " (or pass an Activation instance for your own)"
    entry = from_registry(activation, ACTIVATIONS, "activation", kind="an Activation", hint=hint)
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
