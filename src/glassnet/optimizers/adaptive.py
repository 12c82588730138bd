"""The adaptive optimizers, in order of increasing complexity: each parameter gets its own step.

=========  ==============================================================================
Adagrad    divides each step by √(sum of all squared gradients so far), per parameter
RMSprop    the same, but with a moving average of squared gradients that forgets
Adam       a moving average of the gradient (momentum) over the RMSprop denominator, both
           corrected for starting at zero
AdamW      Adam whose weight decay shrinks w directly instead of going through the gradient
=========  ==============================================================================

They build on :class:`~glassnet.optimizers.base.Optimizer` and share its state, saving,
gradient clipping (``clip_norm``) and notation (w a weight or bias, g = ∂C/∂w, η = ``lr``, t
the step count, λ = ``weight_decay``; all operations elementwise). Each update equals
``torch.optim``'s (with ``clip_norm``: after ``torch.nn.utils.clip_grad_norm_``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._inputs import check_momentum, check_weight_decay, flag, real_number
from .base import Array, Optimizer, Slot

__all__ = ["Adagrad", "Adam", "AdamW", "RMSprop"]


def _check_eps(eps: Any, example: str) -> float:
    return real_number(
        eps,
        "epsilon value",
        f"eps must be a small positive number such as {example}; it keeps the division "
        "finite where the gradients are zero",
        low=0.0,
        low_open=True,
    )


def _check_betas(betas: Any) -> tuple[float, float]:
    items = list(betas) if isinstance(betas, (tuple, list, np.ndarray)) else None
    if items is None or len(items) != 2:
        raise ValueError(
            f"Invalid betas: {betas!r}; betas must be a pair (β1, β2) such as (0.9, 0.999)"
        )
    checked = []
    for i, beta in enumerate(items):
        beta = beta.item() if isinstance(beta, np.generic) else beta
        checked.append(
            real_number(
                beta,
                f"beta parameter at index {i}",
                "each of betas = (β1, β2) must satisfy 0 ≤ β < 1, such as (0.9, 0.999)",
                low=0.0,
                high=1.0,
                high_open=True,
            )
        )
    return checked[0], checked[1]


def _lerp(a: Array, b: Array, weight: float, tmp: Array) -> None:
    """a ← a + weight (b − a), in place, rounded as ``torch.lerp_`` rounds it."""
    np.subtract(b, a, out=tmp)
    if weight < 0.5:
        tmp *= weight
        a += tmp
    else:  # for weights near 1 this form loses less: b − (1 − weight)(b − a)
        tmp *= 1.0 - weight
        np.subtract(b, tmp, out=a)


class Adagrad(Optimizer):
    """Adagrad: every parameter gets its own step size, smaller the more it has moved.

    With G the running sum of squared gradients (starting at ``initial_accumulator_value``)::

        d ← g + λ w
        G ← G + d²
        η_t = η / (1 + (t − 1) · lr_decay)
        w ← w − η_t d / (√G + ε)

    Equal to ``torch.optim.Adagrad``.

    Args:
        lr: the learning rate η > 0.
        eps: ε > 0, added to √G so that the division stays finite.
        weight_decay: λ ≥ 0, the L2 penalty (λ/2)‖w‖² added to the cost.
        initial_accumulator_value: what G starts at, ≥ 0.
        lr_decay: ≥ 0; η is divided by 1 + (t − 1) · lr_decay.
        clip_norm: None, or a number > 0: g is first scaled to ‖∇C‖₂ ≤ clip_norm (see
            :class:`~glassnet.optimizers.base.Optimizer`).

    State:
        ``state["sum_of_squares"]``: G (PyTorch calls it ``sum``).

    Example:
        >>> from glassnet.optimizers import Adagrad
        >>> Adagrad(lr=0.01)
        Adagrad(lr=0.01, eps=1e-10, weight_decay=0, initial_accumulator_value=0, lr_decay=0)
    """

    def __init__(
        self,
        lr: float = 0.01,
        *,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        lr_decay: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_norm)
        self.eps = _check_eps(eps, "1e-10")
        self.weight_decay = check_weight_decay(weight_decay)
        self.initial_accumulator_value = real_number(
            initial_accumulator_value,
            "initial_accumulator_value",
            "the sum of squared gradients starts there, so it must be a number ≥ 0, such as 0",
            low=0.0,
        )
        self.lr_decay = real_number(
            lr_decay,
            "lr_decay value",
            "lr_decay must be a number ≥ 0, such as 1e-4; 0 keeps η fixed",
            low=0.0,
        )
        self._lr_t = self.lr

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "lr_decay": self.lr_decay,
            "clip_norm": self.clip_norm,
        }

    def buffer_names(self) -> tuple[str, ...]:
        return ("sum_of_squares",)

    def _initial_value(self, name: str) -> float:
        return self.initial_accumulator_value

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0

    def _begin_step(self) -> None:
        self._lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)  # η_t = η / (1 + (t−1) decay)

    def _update(self, w: Array, g: Array, slot: Slot) -> None:
        G, tmp = slot.state["sum_of_squares"], slot.tmp
        d = self._with_weight_decay(w, g, slot, self.weight_decay)  # d = g + λ w
        np.multiply(d, d, out=tmp)
        G += tmp  # G ← G + d²
        np.sqrt(G, out=tmp)
        tmp += self.eps  # √G + ε
        np.divide(d, tmp, out=tmp)
        tmp *= self._lr_t
        w -= tmp  # w ← w − η_t d / (√G + ε)


class RMSprop(Optimizer):
    """RMSprop: Adagrad with a moving average of squared gradients, so that it forgets.

    With α = ``alpha``, μ = ``momentum``::

        d ← g + λ w
        s ← α s + (1 − α) d²                  (s starts at 0)
        ḡ ← α ḡ + (1 − α) d                   (centered only; ḡ starts at 0)
        r = √(s − ḡ²) + ε   if centered, else   √s + ε
        v ← μ v + d / r                       (momentum > 0; v starts at 0)
        w ← w − η v         if momentum > 0, else   w ← w − η d / r

    ``centered`` divides by an estimate of the gradient's standard deviation instead of its
    root mean square. Equal to ``torch.optim.RMSprop`` (where a rounding error would make
    s − ḡ² negative, it is taken as 0 here instead of giving NaN).

    Args:
        lr: the learning rate η > 0.
        alpha: α, 0 ≤ α < 1; how much of the average is kept each step.
        eps: ε > 0, added to the root so that the division stays finite.
        momentum: μ, 0 ≤ μ < 1.
        centered: subtract the squared mean gradient ḡ² from s.
        weight_decay: λ ≥ 0, the L2 penalty (λ/2)‖w‖² added to the cost.
        clip_norm: None, or a number > 0: g is first scaled to ‖∇C‖₂ ≤ clip_norm (see
            :class:`~glassnet.optimizers.base.Optimizer`).

    State:
        ``state["square_avg"]``: s; ``state["grad_avg"]``: ḡ (centered only);
        ``state["velocity"]``: v (momentum only; PyTorch calls it ``momentum_buffer``).

    Example:
        >>> from glassnet.optimizers import RMSprop
        >>> RMSprop(lr=0.01, centered=True).buffer_names()
        ('square_avg', 'grad_avg')
    """

    def __init__(
        self,
        lr: float = 0.01,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_norm)
        self.alpha = real_number(
            alpha,
            "alpha value",
            "alpha (α) must satisfy 0 ≤ alpha < 1, such as 0.99",
            low=0.0,
            high=1.0,
            high_open=True,
        )
        self.eps = _check_eps(eps, "1e-8")
        self.momentum = check_momentum(momentum)
        self.centered = flag(centered, "centered value", "centered must be True or False")
        self.weight_decay = check_weight_decay(weight_decay)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "momentum": self.momentum,
            "centered": self.centered,
            "weight_decay": self.weight_decay,
            "clip_norm": self.clip_norm,
        }

    def buffer_names(self) -> tuple[str, ...]:
        names = ["square_avg"]
        if self.centered:
            names.append("grad_avg")
        if self.momentum != 0:
            names.append("velocity")
        return tuple(names)

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0

    def _update(self, w: Array, g: Array, slot: Slot) -> None:
        alpha, tmp, state = self.alpha, slot.tmp, slot.state
        d = self._with_weight_decay(w, g, slot, self.weight_decay)  # d = g + λ w
        s = state["square_avg"]
        s *= alpha
        np.multiply(d, d, out=tmp)
        tmp *= 1.0 - alpha
        s += tmp  # s ← α s + (1 − α) d²
        if self.centered:
            g_avg = state["grad_avg"]
            _lerp(g_avg, d, 1.0 - alpha, tmp)  # ḡ ← α ḡ + (1 − α) d
            np.multiply(g_avg, g_avg, out=tmp)
            np.subtract(s, tmp, out=tmp)
            np.maximum(tmp, 0.0, out=tmp)
            np.sqrt(tmp, out=tmp)  # √(s − ḡ²)
        else:
            np.sqrt(s, out=tmp)  # √s
        tmp += self.eps  # r
        np.divide(d, tmp, out=tmp)  # d / r
        if self.momentum != 0:
            v = state["velocity"]
            v *= self.momentum
            v += tmp  # v ← μ v + d / r
            np.multiply(v, self.lr, out=tmp)
        else:
            tmp *= self.lr
        w -= tmp  # w ← w − η v   (or η d / r)


class Adam(Optimizer):
    """Adam: momentum (a moving average m of the gradient) over RMSprop's denominator.

    With (β1, β2) = ``betas``; m and v start at 0 and are corrected for it::

        d ← g + λ w
        m ← β1 m + (1 − β1) d
        v ← β2 v + (1 − β2) d²
        v_max ← max(v_max, v)            (amsgrad only; then v_max replaces v below)
        m̂ = m / (1 − β1^t)      v̂ = v / (1 − β2^t)
        w ← w − η m̂ / (√v̂ + ε)

    ε is added *after* the square root of the bias-corrected v̂, as PyTorch does; putting it
    inside the root, or adding it to √v before the correction, gives different early steps.
    Equal to ``torch.optim.Adam``.

    Args:
        lr: the learning rate η > 0.
        betas: (β1, β2), each 0 ≤ β < 1: how much of m and of v is kept each step.
        eps: ε > 0, added to √v̂ so that the division stays finite.
        weight_decay: λ ≥ 0, the L2 penalty (λ/2)‖w‖² added to the cost (for decay that
            does not go through the gradient, use :class:`AdamW`).
        amsgrad: divide by the largest v̂ so far (AMSGrad), so that steps never grow back.
        clip_norm: None, or a number > 0: g is first scaled to ‖∇C‖₂ ≤ clip_norm (see
            :class:`~glassnet.optimizers.base.Optimizer`).

    State:
        ``state["exp_avg"]``: m; ``state["exp_avg_sq"]``: v; ``state["max_exp_avg_sq"]``:
        v_max (amsgrad only). The names are PyTorch's.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.optimizers import Adam
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> opt = Adam(lr=0.01)
        >>> opt.step(net, net.gradients(np.array([[0.0, 1.0]]), np.array([1])))
        >>> opt.t, sorted(opt.state), opt.state["exp_avg"].W[1].dtype
        (1, ['exp_avg', 'exp_avg_sq'], dtype('float32'))
    """

    _decoupled = False  # AdamW: weight decay shrinks w directly

    def __init__(
        self,
        lr: float = 0.001,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_norm)
        self.betas = _check_betas(betas)
        self.eps = _check_eps(eps, "1e-8")
        self.weight_decay = check_weight_decay(weight_decay)
        self.amsgrad = flag(amsgrad, "amsgrad value", "amsgrad must be True or False")
        self._step_size = self._root_correction = 1.0

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
            "clip_norm": self.clip_norm,
        }

    def buffer_names(self) -> tuple[str, ...]:
        extra = ("max_exp_avg_sq",) if self.amsgrad else ()
        return ("exp_avg", "exp_avg_sq", *extra)

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0 and not self._decoupled

    def _begin_step(self) -> None:
        beta1, beta2 = self.betas
        self._step_size = self.lr / (1 - beta1**self.t)  # η / (1 − β1^t): m̂ = m / (1 − β1^t)
        self._root_correction = (1 - beta2**self.t) ** 0.5  # √(1 − β2^t): √v̂ = √v / this

    def _update(self, w: Array, g: Array, slot: Slot) -> None:
        (beta1, beta2), tmp, state = self.betas, slot.tmp, slot.state
        if self._decoupled:
            w *= 1 - self.lr * self.weight_decay  # AdamW: w ← w − η λ w
            d = g
        else:
            d = self._with_weight_decay(w, g, slot, self.weight_decay)  # d = g + λ w
        m, v = state["exp_avg"], state["exp_avg_sq"]
        _lerp(m, d, 1 - beta1, tmp)  # m ← β1 m + (1 − β1) d
        v *= beta2
        np.multiply(d, d, out=tmp)
        tmp *= 1 - beta2
        v += tmp  # v ← β2 v + (1 − β2) d²
        if self.amsgrad:
            v = state["max_exp_avg_sq"]
            np.maximum(v, state["exp_avg_sq"], out=v)  # v_max ← max(v_max, v)
        # η m̂ / (√v̂ + ε) = η c / (1 − β1^t) · m / (√v + ε c) with c = √(1 − β2^t): one pass less
        c = self._root_correction
        np.sqrt(v, out=tmp)
        tmp += self.eps * c  # (√v̂ + ε) · c
        np.divide(m, tmp, out=tmp)
        tmp *= self._step_size * c
        w -= tmp  # w ← w − η m̂ / (√v̂ + ε)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, which shrinks w itself, not its gradient.

    Before each Adam step (with d = g; λ = ``weight_decay``)::

        w ← w − η λ w

    With Adam's L2 penalty, λ w passes through the division by √v̂, so parameters with large
    gradients are hardly decayed; here every weight shrinks by the same factor 1 − η λ.
    Equal to ``torch.optim.AdamW``.

    Args:
        lr, betas, eps, amsgrad, clip_norm: as for :class:`Adam`.
        weight_decay: λ ≥ 0 (default 0.01).

    State:
        as for :class:`Adam`.

    Example:
        >>> from glassnet.optimizers import AdamW
        >>> AdamW(lr=0.001, clip_norm=1.0)  # doctest: +NORMALIZE_WHITESPACE
        AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False,
              clip_norm=1)
    """

    _decoupled = True

    def __init__(
        self,
        lr: float = 0.001,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(
            lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            clip_norm=clip_norm,
        )
