"""Clipping the gradient's norm: no step longer than ``clip_norm`` in the direction of ∇C.

A recurrent network applies the same W_hh at every time step, so ∂C/∂h at the first step holds
a product of T Jacobians: with ‖W_hh‖ > 1 it can grow like ‖W_hh‖^T, and one mini-batch then
throws the weights so far that the cost becomes NaN ("exploding gradients"). Clipping by the
norm keeps the direction of the gradient and caps its length. With g = ∇C, the gradients of all
parameters of all layers laid out as one vector (``grads.vector()``)::

    ‖g‖₂ = √(Σ_l Σ_θ Σ_j (∂C/∂θ^(l)_j)²)           θ = W, b, W_hh, … of every layer
    c = min(1, clip_norm / (‖g‖₂ + 1e-6))
    g ← c g                                          then the optimizer's own rule, with d = g + λ w

c < 1 exactly when ‖g‖₂ + 1e-6 > clip_norm; otherwise g is used as it is (not multiplied by 1).
This is ``torch.nn.utils.clip_grad_norm_(parameters, clip_norm)`` before ``opt.step()``: weight
decay λ w is added to the clipped gradient, as ``torch.optim`` adds it to the clipped ``.grad``.
A NaN or infinite ‖g‖₂ gives c = NaN or 0, as in PyTorch.

Every optimizer takes ``clip_norm`` (``gn.Adam(lr=1e-3, clip_norm=1.0)``); without it nothing
here runs and this module is not even loaded. The gradients the optimizer is given are never
changed: c g is written into arrays of :class:`GradientClipping`, which also records, for the
glass box, ‖g‖₂ and c of the latest step (``opt.clipping.grad_norm``, ``opt.clipping.factor``)
and how often clipping bit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import real_number, short_repr

if TYPE_CHECKING:
    from .base import Optimizer

Array = NDArray[np.floating[Any]]
Pairs = list[tuple[Array, Array]]

__all__ = ["EPS", "GradientClipping", "check_clip_norm", "clip", "gradient_norm"]

#: added to ‖g‖₂ before dividing, as PyTorch does, so that a zero gradient gives c = 1
EPS = 1e-6


def check_clip_norm(clip_norm: object) -> float:
    """``clip_norm`` as a float if it is a finite number > 0, else a ValueError saying so.

    Example:
        >>> check_clip_norm(1)
        1.0
        >>> check_clip_norm(0.0)
        Traceback (most recent call last):
        ValueError: Invalid clip_norm: 0.0; clip_norm must be a finite number > 0 such as 1.0 (the most ‖∇C‖₂ a step may use), or None for no clipping
    """  # noqa: E501
    return real_number(
        clip_norm,
        "clip_norm",
        "clip_norm must be a finite number > 0 such as 1.0 (the most ‖∇C‖₂ a step may use), "
        "or None for no clipping",
        low=0.0,
        low_open=True,
    )


def gradient_norm(grads: list[Array]) -> float:
    """‖g‖₂ of all the arrays together, as if they were one vector: √(Σ_arrays Σ_j g_j²).

    Example:
        >>> gradient_norm([np.array([[3.0]]), np.array([4.0])])
        5.0
    """
    squares = 0.0
    for g in grads:
        flat = g.ravel(order="K")  # a view for any contiguous array, C or Fortran order
        squares += float(np.dot(flat, flat))
    return math.sqrt(squares)


class GradientClipping:
    """What clipping did at the latest step, and room for the clipped gradients c g.

    An optimizer with ``clip_norm`` set makes one on its first step (``opt.clipping``; None
    before) and calls it every step with the (w, g) pairs of W^(1), b^(1), …; it gets back the
    pairs to update with: the same ones when c = 1, else (w, c g) with c g in arrays kept here.

    Attributes:
        clip_norm: the cap of the latest step.
        grad_norm: ‖g‖₂ of the latest step, before clipping (None before the first).
        factor: c = min(1, clip_norm / (‖g‖₂ + 1e-6)) of the latest step (None before).
        steps: the steps seen; clipped: those with c < 1, where clipping changed the step.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> grads = net.gradients(np.array([[0.0, 1.0]]), np.array([1]))
        >>> opt = gn.SGD(lr=0.5, clip_norm=0.01)
        >>> opt.step(net, grads)
        >>> c = opt.clipping
        >>> c.factor == 0.01 / (c.grad_norm + 1e-6) and c.factor < 1, c.clipped
        (True, 1)
    """

    def __init__(self) -> None:
        self.clip_norm: float | None = None
        self.grad_norm: float | None = None
        self.factor: float | None = None
        self.steps = 0
        self.clipped = 0
        self._for: Pairs | None = None  # the pairs the arrays below were made for
        self._scaled: Pairs = []  # (w, room for c g) for each pair

    def __call__(self, params: Pairs, clip_norm: float) -> Pairs:
        """The pairs to update with: ``params`` when ‖g‖₂ is short enough, else (w, c g)."""
        norm = gradient_norm([g for _, g in params])
        factor = clip_norm / (norm + EPS)  # c before min(1, ·): NaN for a NaN norm, as in torch
        self.clip_norm, self.grad_norm, self.steps = clip_norm, norm, self.steps + 1
        if factor >= 1.0:
            self.factor = 1.0
            return params  # c = 1: g itself, bit for bit
        self.factor, self.clipped = factor, self.clipped + 1
        if params is not self._for:  # new parameter arrays: make room for c g like each g
            self._scaled = [(w, np.empty_like(g)) for w, g in params]
            self._for = params
        for (_, g), (_, scaled) in zip(params, self._scaled, strict=True):
            np.multiply(g, factor, out=scaled)  # c g; g itself stays as it was
        return self._scaled

    def __repr__(self) -> str:
        if self.grad_norm is None:
            return "GradientClipping(no step yet)"
        return (
            f"GradientClipping(clip_norm={short_repr(self.clip_norm)}, grad_norm="
            f"{self.grad_norm:.4g}, factor={self.factor:.4g}, clipped {self.clipped} of "
            f"{self.steps} steps)"
        )


def clip(opt: Optimizer, params: Pairs) -> Pairs:
    """The (w, g) pairs ``opt`` should update with after clipping to ``opt.clip_norm``; makes
    ``opt.clipping`` on the first call. Called by :meth:`Optimizer.step` when clip_norm is set."""
    if opt.clipping is None:
        opt.clipping = GradientClipping()
    return opt.clipping(params, check_clip_norm(opt.clip_norm))
