"""The optimizer machinery and SGD, the tutorial's rule.

Backpropagation only computes ∇C; an optimizer decides the step. Stochastic gradient descent,
:class:`SGD` at the end of this module, nudges each parameter against its gradient after every
mini-batch::

    w ← w − η ∂C/∂w        b ← b − η ∂C/∂b

Here w is any single weight or bias, g = ∂C/∂w its mini-batch gradient, η = ``lr``, t the
step count (1 on the first step) and λ = ``weight_decay``. All operations are elementwise.

Optimizers change the network's arrays in place (``net.W[l]`` stays the same object) and never
write to the gradients they are given. A subclass of :class:`Optimizer` only says how one
parameter is updated (``_update(w, g, slot)``, with its buffers and scratch space in the
:class:`Slot`); :meth:`Optimizer.step` loops over W^(1), b^(1), …, W^(L), b^(L) with
preallocated buffers. The adaptive optimizers (Adagrad, RMSprop, Adam, AdamW) are in
:mod:`glassnet.optimizers.adaptive`; the registry of names in :mod:`glassnet.optimizers`.

State
-----
An optimizer that remembers something between steps keeps one array per weight matrix and bias
vector, in the network's own notation: ``opt.state`` maps a buffer name to a
:class:`ParameterBuffer`, so ``opt.state["velocity"].W[l]`` is the velocity of W^(l), shaped
like ``net.W[l]``, and ``opt.state["velocity"].b[l]`` that of b^(l). The buffers are created, in
the network's dtype, on the first :meth:`Optimizer.step`; until then ``opt.state`` is empty.
``opt.t`` counts the steps taken. One optimizer serves one network: a step with a network of
other sizes or dtype raises ``ValueError`` (call :meth:`Optimizer.reset` to start afresh).

:meth:`Optimizer.state_dict` returns the hyperparameters, ``t`` and every buffer as a flat dict
of numbers, strings and NumPy arrays (keys such as ``"velocity.W[1]"``), so that
``np.savez(path, **opt.state_dict())`` saves it without pickle;
:meth:`Optimizer.load_state_dict` takes it back (also from ``np.load``) and the run continues
bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import (
    Signature,
    check_dampening,
    check_lr,
    check_momentum,
    check_weight_decay,
    flag,
    instance_of,
    matching_gradients,
    nesterov_ready,
    same_network,
    short_repr,
)
from ..layers import W_ORDER
from ..notation import Gradients

if TYPE_CHECKING:
    from ..network import Network
    from .clipping import GradientClipping

Array = NDArray[np.floating[Any]]

__all__ = ["SGD", "Optimizer", "ParameterBuffer", "Slot"]


# -- state --------------------------------------------------------------------------------------


class ParameterBuffer(Gradients):
    """One of an optimizer's buffers: an array for every weight matrix and bias vector.

    ``buf.W[l]`` belongs to W^(l) and has its shape (n_l, n_{l−1}); ``buf.b[l]`` belongs to
    b^(l). It is a :class:`~glassnet.Gradients`, so ``buf.vector()`` lays it out like ∇C and
    ``buf.norms()`` gives its size per layer.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> opt = gn.SGD(lr=0.5, momentum=0.9)
        >>> opt.step(net, net.gradients(np.array([[0.0, 1.0]]), np.array([1])))
        >>> opt.state["velocity"].W[1].shape, opt.state["velocity"].b[2].shape
        ((3, 2), (1,))
    """

    def __init__(self, layers: list[dict[str, Array]], name: str = "buffer") -> None:
        super().__init__(layers=layers, symbol=f"{name}.")
        self.name = name

    def __repr__(self) -> str:
        return f"ParameterBuffer({self.name!r}," + super().__repr__().removeprefix("Gradients(")


@dataclass(slots=True)
class Slot:
    """What ``_update(w, g, slot)`` gets for one parameter array besides w and g.

    Attributes:
        state: buffer name → this parameter's array in that buffer (a view into ``opt.state``).
        tmp: scratch space shaped like w, free for the update to overwrite.
        grad: room for d = g + λ w when weight decay goes through the gradient, else None.

    Example:
        An optimizer of one's own that steps along a running average of the gradients,
        v ← ½ v + ½ g, w ← w − η v; ``slot.state["avg"]`` is v for the parameter w:

        >>> import numpy as np, glassnet as gn
        >>> class Averaged(gn.Optimizer):
        ...     def buffer_names(self):
        ...         return ("avg",)
        ...     def _update(self, w, g, slot):
        ...         v = slot.state["avg"]
        ...         v *= 0.5
        ...         v += 0.5 * g
        ...         w -= np.multiply(v, self.lr, out=slot.tmp)  # slot.tmp: scratch, like w
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> g = net.gradients(np.array([[0.5, -1.0]]), np.array([[1.0]]))
        >>> opt = Averaged(lr=0.1)
        >>> opt.step(net, g); opt.step(net, g)
        >>> bool(np.allclose(opt.state["avg"].W[2], 0.75 * g.W[2]))  # ½ (½ g) + ½ g
        True
    """

    state: dict[str, Array]
    tmp: Array
    grad: Array | None


# -- the optimizers -----------------------------------------------------------------------------


class Optimizer:
    """Base class: holds the learning rate η and applies :meth:`step` after each mini-batch.

    A subclass lists its hyperparameters (:meth:`hyperparameters`, the constructor's keyword
    arguments), its buffers (:meth:`buffer_names`) and says in ``_update(w, g, slot)`` how one
    parameter array w with gradient g is changed in place; :meth:`step` does the rest.

    Every optimizer takes ``clip_norm`` (None: off): before each update the whole gradient
    g = ∇C, all layers' parameters as one vector, is scaled by c = min(1, clip_norm / (‖g‖₂ +
    1e-6)), as ``torch.nn.utils.clip_grad_norm_`` does; weight decay is added after. The
    gradients given are not changed (c g goes into arrays of its own), and
    :mod:`glassnet.optimizers.clipping`, where this is done, is loaded only when it is needed.

    Attributes:
        lr: the learning rate η. A schedule (:mod:`glassnet.schedules`) changes it between
            epochs; any value ≥ 0 may be set.
        clip_norm: the most ‖∇C‖₂ a step uses, or None (no clipping).
        clipping: ‖g‖₂ and c of the latest step taken with ``clip_norm`` set, and how often
            c < 1 (a :class:`~glassnet.optimizers.clipping.GradientClipping`); None before.
        t: the number of steps taken.
        state: buffer name → :class:`ParameterBuffer`, empty until the first step.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> opt = gn.SGD(lr=0.5)  # the simplest Optimizer: w ← w − η ∂C/∂w
        >>> g, w = net.gradients(np.array([[0.5, -1.0]]), np.array([[1.0]])), net.W[2].copy()
        >>> opt.step(net, g)
        >>> isinstance(opt, gn.Optimizer), opt.t, bool(np.allclose(net.W[2], w - 0.5 * g.W[2]))
        (True, 1, True)
    """

    clipping: GradientClipping | None = None

    def __init__(self, lr: float, clip_norm: float | None = None) -> None:
        self._lr = check_lr(lr)
        self.clip_norm = clip_norm
        if clip_norm is not None:  # checked, and applied in step(), by optimizers/clipping.py
            from .clipping import check_clip_norm

            self.clip_norm = check_clip_norm(clip_norm)
        self.t = 0
        self.state: dict[str, ParameterBuffer] = {}
        self._signature: Signature | None = None  # parameter shapes and dtype the state is for
        self._slots: list[Slot] = []
        self._bound: list[tuple[Array, Array]] | None = None  # the pairs the state was made for
        self._names: list[tuple[int, str]] = []  # (l, θ) of each parameter array
        # the (w, g) pairs of the latest step, reused while nothing has changed (_parameters)
        self._pairs: list[tuple[Array, Array]] = []
        self._where: list[tuple[Any, str]] = []
        self._grads: Gradients | None = None
        self._net: Network | None = None

    @property
    def lr(self) -> float:
        """The learning rate η."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_lr(value, zero=True)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments, as numbers, booleans, tuples and None."""
        return {"lr": self.lr, "clip_norm": self.clip_norm}

    def buffer_names(self) -> tuple[str, ...]:
        """The names of the per-parameter buffers this optimizer keeps in :attr:`state`."""
        return ()

    def _decays_gradient(self) -> bool:
        """Whether weight decay is added to the gradient (d = g + λ w) and needs room for d."""
        return False

    def _initial_value(self, name: str) -> float:
        """What buffer ``name`` holds before the first step."""
        return 0.0

    # -- the step -----------------------------------------------------------------------------

    def step(self, net: Network, grads: Gradients) -> None:
        """Update ``net``'s weights and biases in place from the mini-batch gradients.

        ``grads`` holds ∂C/∂W^(l) and ∂C/∂b^(l) (``grads.W[l]``, ``grads.b[l]``), as
        ``net.gradients(X, Y)`` returns them; they are read, never changed (with ``clip_norm``
        set, the update uses c ∇C, written elsewhere).
        """
        params = self._parameters(net, grads)
        if params is not self._bound:  # new parameters: make (or check) the state for them
            self._bind([w for w, _ in params])
            self._bound = params
        self.t += 1
        if self.clip_norm is not None:  # g ← c g, c = min(1, clip_norm / (‖∇C‖₂ + 1e-6))
            from .clipping import clip

            params = clip(self, params)
        self._begin_step()
        for (w, g), slot in zip(params, self._slots, strict=True):
            self._update(w, g, slot)

    def _begin_step(self) -> None:
        """Work out the numbers shared by every parameter of this step (after ``t += 1``)."""

    def _update(self, w: Array, g: Array, slot: Slot) -> None:
        """Change the parameter array ``w`` in place, given its gradient ``g`` (read only)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update(w, g, slot) or override step()"
        )

    @staticmethod
    def _with_weight_decay(w: Array, g: Array, slot: Slot, weight_decay: float) -> Array:
        """d = g + λ w, the gradient of C + (λ/2)‖w‖², in ``slot.grad`` (g is not changed).

        ``slot.grad`` exists exactly when :meth:`_decays_gradient` says so; without it, d = g.
        """
        if slot.grad is None:
            return g
        np.multiply(w, weight_decay, out=slot.grad)
        slot.grad += g  # d = g + λ w
        return slot.grad

    def _parameters(self, net: Network, grads: Gradients) -> list[tuple[Array, Array]]:
        """(w, g) for W^(1), b^(1), …, W^(L), b^(L), after checking that the shapes agree.

        ``fit`` steps with the same gradient arrays every mini-batch, so the pairs are kept
        and reused while the network holds the same parameter arrays.
        """
        if (
            grads is self._grads
            and net is self._net
            and all(
                getattr(layer, name) is w
                for (layer, name), (w, _) in zip(self._where, self._pairs, strict=True)
            )
        ):
            return self._pairs
        must_be = "a glassnet Gradients such as net.gradients(X, Y)"
        instance_of(grads, Gradients, "grads", must_be=must_be)
        matching_gradients(grads.layers, [layer.parameters() for layer in net.layers])
        params, where, names = [], [], []
        for l, (layer, g) in enumerate(zip(net.layers, grads.layers, strict=True), start=1):
            for name, w in layer.parameters().items():
                params.append((w, g[name]))
                where.append((layer, name))
                names.append((l, name))  # (l, θ) of each parameter, naming the buffers' arrays
        self._names, self._where, self._pairs = names, where, params
        self._grads, self._net = grads, net
        return params

    def _bind(self, weights: list[Array]) -> None:
        """Create the state for these parameter arrays, or check that it was made for them."""
        signature = (tuple(w.shape for w in weights), weights[0].dtype)
        if signature == self._signature:
            return
        same_network(signature, self._signature)
        self.state = {
            name: self._buffer(
                name, [np.full_like(w, self._initial_value(name)) for w in weights], self._names
            )
            for name in self.buffer_names()
        }
        self._make_slots(signature)

    @staticmethod
    def _buffer(name: str, arrays: list[Array], keys: list[tuple[int, str]]) -> ParameterBuffer:
        """The buffer ``name`` over ``arrays``, one per parameter ``keys`` = [(l, θ), …]."""
        layers: list[dict[str, Array]] = []
        for (l, symbol), array in zip(keys, arrays, strict=True):
            while l > len(layers):  # layers without parameters (pooling, Flatten) get {}
                layers.append({})
            layers[l - 1][symbol] = array
        return ParameterBuffer(layers, name=name)

    def _make_slots(self, signature: Signature) -> None:
        shapes, dtype = signature
        arrays = {name: buf.arrays() for name, buf in self.state.items()}
        decays = self._decays_gradient()
        self._slots = [
            Slot(
                {name: arrays[name][i] for name in arrays},
                np.empty(shape, dtype=dtype, order=W_ORDER),  # laid out as W, see glassnet.layers
                np.empty(shape, dtype=dtype, order=W_ORDER) if decays else None,
            )
            for i, shape in enumerate(shapes)
        ]
        self._signature = signature

    def reset(self) -> None:
        """Forget every buffer and set ``t = 0``: the next step starts as if it were the first."""
        self.t = 0
        self.state = {}
        self._signature = None
        self._slots = []
        self._bound = None

    # -- saving and loading ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's type, hyperparameters, ``t`` and buffers as a flat dict.

        Buffers appear as copies under ``"<name>.W[l]"`` and ``"<name>.b[l]"``; everything else
        is a number, a string or a tuple of numbers (``clip_norm`` is left out when it is None:
        no clipping). ``np.savez(path, **opt.state_dict())`` stores it without pickle.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
            >>> opt = gn.SGD(lr=0.5, momentum=0.9)
            >>> opt.step(net, net.gradients(np.array([[0.0, 1.0]]), np.array([1])))
            >>> sd = opt.state_dict()
            >>> sd["optimizer"], sd["momentum"], sd["t"]
            ('SGD', 0.9, 1)
            >>> [key for key in sd if "[" in key]
            ['velocity.W[1]', 'velocity.b[1]', 'velocity.W[2]', 'velocity.b[2]']
        """
        # clip_norm=None (no clipping) is left out, as in files from before clipping existed
        hyper = {k: v for k, v in self.hyperparameters().items() if (k, v) != ("clip_norm", None)}
        out: dict[str, Any] = {"optimizer": type(self).__name__, **hyper, "t": self.t}
        for name, buf in self.state.items():
            for l, arrays in enumerate(buf.layers, start=1):
                for symbol, array in arrays.items():
                    out[f"{name}.{symbol}[{l}]"] = array.copy()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (or ``np.load`` read back from ``np.savez``).

        The hyperparameters, ``lr`` included, ``t`` and the buffers all become the saved ones;
        nothing changes if the dict does not fit this optimizer.
        """
        from .state import read_state  # the checks of a saved state, loaded when first needed

        fresh, t, buffers = read_state(self, state_dict)
        for key in self.hyperparameters():
            setattr(self, key, getattr(fresh, key))
        self.t = t
        self.state = {
            name: self._buffer(name, arrays, keys) for name, (keys, arrays) in buffers.items()
        }
        self._signature, self._slots, self._bound = None, [], None
        if buffers:  # every buffer has the same shapes: the slots follow the first
            keys, arrays = next(iter(buffers.values()))
            self._names = keys
            self._make_slots((tuple(a.shape for a in arrays), arrays[0].dtype))

    def __repr__(self) -> str:
        args = ", ".join(  # clip_norm=None, no clipping, goes without saying
            f"{key}={short_repr(value)}"
            for key, value in self.hyperparameters().items()
            if value is not None or key != "clip_norm"
        )
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent: the tutorial's update, optionally with momentum.

    With μ = ``momentum``, τ = ``dampening`` and d the gradient after weight decay::

        d ← g + λ w                                  (d = g when λ = 0)
        v ← d                     on the first step
        v ← μ v + (1 − τ) d       on every later step
        w ← w − η v               (momentum)
        w ← w − η (d + μ v)       (nesterov=True: look one step further along v)

    Plain SGD is momentum SGD with μ = 0: there is no velocity and ``SGD(lr=η)`` is exactly
    ``w ← w − η ∂C/∂w``, with ∂C/∂w averaged over the mini-batch. Equal to
    ``torch.optim.SGD``.

    Args:
        lr: the learning rate η > 0.
        momentum: μ, 0 ≤ μ < 1; how much of the last step's velocity is kept.
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0).
        weight_decay: λ ≥ 0, the L2 penalty (λ/2)‖w‖² added to the cost.
        dampening: τ, 0 ≤ τ ≤ 1; how much of the new gradient is held back from v.
        clip_norm: None, or a number > 0: g is first scaled to ‖∇C‖₂ ≤ clip_norm (see
            :class:`Optimizer`).

    State:
        ``state["velocity"]``: v (only when μ > 0; PyTorch calls it ``momentum_buffer``).

    Example:
        >>> import glassnet as gn
        >>> gn.SGD(lr=3.0)
        SGD(lr=3, momentum=0, dampening=0, nesterov=False, weight_decay=0)
        >>> gn.SGD(lr=0.1, momentum=0.9, nesterov=True, clip_norm=1.0).clip_norm
        1.0
    """

    def __init__(
        self,
        lr: float,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_norm)
        self.momentum = check_momentum(momentum)
        self.dampening = check_dampening(dampening)
        self.nesterov = flag(nesterov, "nesterov value", "nesterov must be True or False")
        self.weight_decay = check_weight_decay(weight_decay)
        nesterov_ready(self.nesterov, momentum, dampening)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "clip_norm": self.clip_norm,
        }

    def buffer_names(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum != 0 else ()

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0

    def _update(self, w: Array, g: Array, slot: Slot) -> None:
        mu, tmp = self.momentum, slot.tmp
        d = self._with_weight_decay(w, g, slot, self.weight_decay)  # d = g + λ w
        direction = d
        if mu != 0:
            v = slot.state["velocity"]
            if self.t == 1:
                np.copyto(v, d)  # v = d: the first step has no past velocity to keep
            else:
                v *= mu  # v ← μ v + (1 − τ) d
                v += d if self.dampening == 0 else np.multiply(d, 1 - self.dampening, out=tmp)
            if self.nesterov:
                np.multiply(v, mu, out=tmp)
                tmp += d  # d + μ v
                direction = tmp
            else:
                direction = v
        np.multiply(direction, self.lr, out=tmp)
        w -= tmp  # w ← w − η d   (or η v, or η (d + μ v))
