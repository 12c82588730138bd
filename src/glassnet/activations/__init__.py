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
adding one touches one file, its class (``docs/notation.md``, "Adding an activation"): its default
initialiser, the text of σ and σ' for explanations, whether its units saturate or die (for
diagnosis and plots), the range of its values, its ONNX, PyTorch and scikit-learn equivalents,
and in-place forms of σ and δ for the training step. A fact a class does not state has a
default that means "not known": interop then refuses the activation with a ValueError naming the
missing fact, and explanations print ``name′(z)``.
"""

from __future__ import annotations

from .base import Activation, OnnxGraph
from .functions import (
    ACTIVATIONS,
    BUILT_IN,
    ELU,
    FACTS,
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
    find,
    get,
    register,
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
