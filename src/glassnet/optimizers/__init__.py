"""Optimizers: how the gradients from backpropagation move the weights and biases.

Backpropagation only computes ∇C; an optimizer decides the step. They are listed in order of
increasing complexity, starting with the tutorial's stochastic gradient descent, which after
every mini-batch nudges each parameter against its gradient::

    w ← w − η ∂C/∂w        b ← b − η ∂C/∂b

=========  ==============================================================================
SGD        the tutorial's rule; with ``momentum`` a velocity v remembers past steps (plain
           SGD is momentum SGD with momentum 0), optionally Nesterov's look-ahead
Adagrad    divides each step by √(sum of all squared gradients so far), per parameter
RMSprop    the same, but with a moving average of squared gradients that forgets
Adam       a moving average of the gradient (momentum) over the RMSprop denominator, both
           corrected for starting at zero
AdamW      Adam whose weight decay shrinks w directly instead of going through the gradient
=========  ==============================================================================

Every update equals the one ``torch.optim`` makes with the same hyperparameters (the tests
replay 20 steps in PyTorch and compare in float64). Each also takes ``clip_norm``: the whole
gradient ∇C is first scaled by c = min(1, clip_norm / (‖∇C‖₂ + 1e-6)), as
``torch.nn.utils.clip_grad_norm_`` does (:mod:`glassnet.optimizers.clipping`).

Here w is any single weight or bias, g = ∂C/∂w its mini-batch gradient, η = ``lr``, t the
step count (1 on the first step) and λ = ``weight_decay``. All operations are elementwise.

Where to read
-------------
:mod:`glassnet.optimizers.base` holds the machinery every optimizer shares (:class:`Optimizer`:
the step loop, its state buffers, saving and loading) and :class:`SGD`, the tutorial's rule;
:mod:`glassnet.optimizers.adaptive` the other four, in the order of the table;
:mod:`glassnet.optimizers.registry` the names; :mod:`glassnet.optimizers.clipping` the clipping
of ∇C's norm. This module re-exports them all
(``glassnet.optimizers.SGD`` is ``base.SGD``); ``import glassnet`` loads only ``base``, the
others on the first use of one of their names.

By name
-------
:data:`OPTIMIZERS` is the one registry of short names: ``sgd``, ``momentum`` (SGD with μ = 0.9),
``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``adamw``. Each :class:`NamedOptimizer`
holds the class, the options the name fixes, the default η of ``glassnet train`` and a line for
``--help``; the command line, the optimizer lab, the Playground and the scikit-learn solvers
all read it, and :func:`by_name` makes an optimizer from it. Files name an optimizer by its
class (``"SGD"``, as :meth:`Optimizer.state_dict` does) and accept only the classes in the
registry (:func:`registered_classes`). :func:`register` adds a name, a class of your own
included::

    register("lion", Lion, lr=1e-4, description="the sign of a momentum, times η")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import SGD, Optimizer, ParameterBuffer, Slot

if TYPE_CHECKING:
    from .adaptive import Adagrad, Adam, AdamW, RMSprop
    from .registry import OPTIMIZERS, NamedOptimizer, by_name, register, registered_classes

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "NamedOptimizer",
    "Optimizer",
    "ParameterBuffer",
    "RMSprop",
    "Slot",
    "by_name",
    "register",
    "registered_classes",
]

#: the names of the modules loaded on first use: name → module
_LAZY = {
    **dict.fromkeys(("Adagrad", "Adam", "AdamW", "RMSprop"), "adaptive"),
    **dict.fromkeys(
        ("OPTIMIZERS", "NamedOptimizer", "by_name", "register", "registered_classes"), "registry"
    ),
}


def __getattr__(name: str) -> Any:
    """Load the adaptive optimizers or the registry on the first use of a name (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
