"""Optimizers: how the gradients from backpropagation move the weights and biases.

Backpropagation only computes ∇C; an optimizer decides the step. They are listed in order of
increasing complexity, starting with the tutorial's stochastic gradient descent, which after
every mini-batch nudges each parameter against its gradient::

    w ← w − η ∂C/∂w        b ← b − η ∂C/∂b

Optimizers change the network's arrays in place; a subclass only says how one step is computed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .network import Gradients, Network

__all__ = ["SGD", "Optimizer"]


def _check_lr(lr: Any) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"Invalid learning rate: {lr!r}; lr (η) must be a positive number such as 0.1"
        )
    return float(lr)


class Optimizer:
    """Base class: holds the learning rate η and applies :meth:`step` after each mini-batch."""

    def __init__(self, lr: float) -> None:
        self.lr = _check_lr(lr)

    def step(self, net: Network, grads: Gradients) -> None:
        """Update ``net``'s weights and biases in place from the mini-batch gradients."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Stochastic gradient descent, exactly the tutorial's update after every mini-batch.

    ``w ← w − η ∂C/∂w`` and ``b ← b − η ∂C/∂b``, with η = ``lr`` and ∂C/∂w averaged over the
    mini-batch.

    Args:
        lr: the learning rate η > 0.

    Example:
        >>> import glassnet as gn
        >>> gn.SGD(lr=3.0)
        SGD(lr=3)
    """

    def step(self, net: Network, grads: Gradients) -> None:
        for layer, dW, db in zip(net.layers, grads.W, grads.b, strict=True):
            layer.W -= self.lr * dW  # w ← w − η ∂C/∂w
            layer.b -= self.lr * db  # b ← b − η ∂C/∂b
