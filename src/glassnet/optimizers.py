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
replay 20 steps in PyTorch and compare in float64).

Here w is any single weight or bias, g = ∂C/∂w its mini-batch gradient, η = ``lr``, t the
step count (1 on the first step) and λ = ``weight_decay``. All operations are elementwise.

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

Optimizers change the network's arrays in place (``net.W[l]`` stays the same object) and never
write to the gradients they are given. A subclass only says how one parameter is updated
(``_update``); the step loops over W^(1), b^(1), …, W^(L), b^(L) with preallocated buffers.

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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .layers import W_ORDER
from .notation import Gradients

if TYPE_CHECKING:
    from .network import Network

Array = NDArray[np.floating[Any]]
Signature = tuple[tuple[tuple[int, ...], ...], np.dtype[Any]]

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
    "by_name",
    "register",
    "registered_classes",
]


# -- checking hyperparameters -----------------------------------------------------------------


def _check_lr(lr: Any) -> float:
    if isinstance(lr, bool) or not isinstance(lr, Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"Invalid learning rate: {lr!r}; lr (η) must be a positive number such as 0.1"
        )
    return float(lr)


def _check_real(
    value: Any,
    what: str,
    rule: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float if it is a finite real number in the interval, else a ValueError
    ``"Invalid <what>: <value>; <rule>"``; ``rule`` says what is allowed and what to pass."""
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, Real)
    if ok:
        v = float(value)
        ok = (
            math.isfinite(v)
            and (v > low if low_open else v >= low)
            and (v < high if high_open else v <= high)
        )
    if not ok:
        raise ValueError(f"Invalid {what}: {value!r}; {rule}")
    return float(value)


def _check_int(value: Any, what: str, rule: str, *, low: int) -> int:
    """``value`` as an int ≥ ``low``, else ``ValueError("Invalid <what>: <value>; <rule>")``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"Invalid {what}: {value!r}; {rule}")
    if value < low:
        raise ValueError(f"Invalid {what}: {value!r}; {rule}")
    return int(value)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Invalid {name} value: {value!r}; {name} must be True or False")
    return bool(value)


def _check_eps(eps: Any, example: str) -> float:
    return _check_real(
        eps,
        "epsilon value",
        f"eps must be a small positive number such as {example}; it keeps the division "
        "finite where the gradients are zero",
        low=0.0,
        low_open=True,
    )


def _check_weight_decay(weight_decay: Any) -> float:
    return _check_real(
        weight_decay,
        "weight_decay value",
        "weight_decay (λ) must be a number ≥ 0, such as 1e-4; 0 turns weight decay off",
        low=0.0,
    )


def _check_momentum(momentum: Any) -> float:
    return _check_real(
        momentum,
        "momentum value",
        "momentum (μ) must satisfy 0 ≤ momentum < 1, such as 0.9; 0 turns momentum off",
        low=0.0,
        high=1.0,
        high_open=True,
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
            _check_real(
                beta,
                f"beta parameter at index {i}",
                "each of betas = (β1, β2) must satisfy 0 ≤ β < 1, such as (0.9, 0.999)",
                low=0.0,
                high=1.0,
                high_open=True,
            )
        )
    return checked[0], checked[1]


def _plain(value: Any) -> Any:
    """A number or string from ``np.load`` (a 0-d array) as a plain Python value."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _fmt(value: Any) -> str:
    """A hyperparameter for ``repr``: 3.0 → '3', 0.001 → '0.001', (0.9, 0.999) → '(0.9, 0.999)'."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _lerp(a: Array, b: Array, weight: float, tmp: Array) -> None:
    """a ← a + weight (b − a), in place, rounded as ``torch.lerp_`` rounds it."""
    np.subtract(b, a, out=tmp)
    if weight < 0.5:
        tmp *= weight
        a += tmp
    else:  # for weights near 1 this form loses less: b − (1 − weight)(b − a)
        tmp *= 1.0 - weight
        np.subtract(b, tmp, out=a)


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


class _Slot:
    """What the step needs for one parameter array: its state arrays and scratch space."""

    __slots__ = ("grad", "state", "tmp")

    def __init__(self, state: dict[str, Array], tmp: Array, grad: Array | None) -> None:
        self.state = state  # the optimizer's buffers for this parameter (views into opt.state)
        self.tmp = tmp  # scratch, shaped like the parameter
        self.grad = grad  # room for g + λ w, when weight decay goes through the gradient


def _sizes(shapes: tuple[tuple[int, ...], ...]) -> list[int]:
    """``[n_0, …, n_L]`` from the parameter shapes (W^(1), b^(1), …, W^(L), b^(L))."""
    return [shapes[0][1], *(shape[0] for shape in shapes[::2])]


def _interleave(buf: Gradients) -> list[Array]:
    """The arrays in parameter order: W^(1), b^(1), …, W^(L), b^(L)."""
    return buf.arrays()


_ARRAY_KEY = re.compile(r"^(\w+)\.(\w+)\[(\d+)\]$")


# -- the optimizers -----------------------------------------------------------------------------


class Optimizer:
    """Base class: holds the learning rate η and applies :meth:`step` after each mini-batch.

    A subclass lists its hyperparameters (:meth:`hyperparameters`, the constructor's keyword
    arguments), its buffers (:meth:`buffer_names`) and says in ``_update(w, g, slot)`` how one
    parameter array w with gradient g is changed in place; :meth:`step` does the rest.

    Attributes:
        lr: the learning rate η. A schedule (:mod:`glassnet.schedules`) changes it between
            epochs; any value ≥ 0 may be set.
        t: the number of steps taken.
        state: buffer name → :class:`ParameterBuffer`, empty until the first step.
    """

    def __init__(self, lr: float) -> None:
        self._lr = _check_lr(lr)
        self.t = 0
        self.state: dict[str, ParameterBuffer] = {}
        self._signature: Signature | None = None  # parameter shapes and dtype the state is for
        self._slots: list[_Slot] = []
        self._names: list[tuple[int, str]] = []  # (l, θ) of each parameter array

    @property
    def lr(self) -> float:
        """The learning rate η."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_real(
            value,
            "learning rate",
            "lr (η) must be a finite number ≥ 0, such as 0.1",
            low=0.0,
        )

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments, as numbers, booleans and tuples."""
        return {"lr": self.lr}

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
        ``net.gradients(X, Y)`` returns them; they are read, never changed.
        """
        params = self._parameters(net, grads)
        self._bind([w for w, _ in params])
        self.t += 1
        self._begin_step()
        for (w, g), slot in zip(params, self._slots, strict=True):
            self._update(w, g, slot)

    def _begin_step(self) -> None:
        """Work out the numbers shared by every parameter of this step (after ``t += 1``)."""

    def _update(self, w: Array, g: Array, slot: _Slot) -> None:
        """Change the parameter array ``w`` in place, given its gradient ``g`` (read only)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update(w, g, slot) or override step()"
        )

    @staticmethod
    def _with_weight_decay(w: Array, g: Array, slot: _Slot, weight_decay: float) -> Array:
        """d = g + λ w, the gradient of C + (λ/2)‖w‖², in ``slot.grad`` (g is not changed).

        ``slot.grad`` exists exactly when :meth:`_decays_gradient` says so; without it, d = g.
        """
        if slot.grad is None:
            return g
        np.multiply(w, weight_decay, out=slot.grad)
        slot.grad += g  # d = g + λ w
        return slot.grad

    def _parameters(self, net: Network, grads: Gradients) -> list[tuple[Array, Array]]:
        """(w, g) for W^(1), b^(1), …, W^(L), b^(L), after checking that the shapes agree."""
        if not isinstance(grads, Gradients):
            raise ValueError(
                f"grads must be a glassnet Gradients such as net.gradients(X, Y), got {grads!r}"
            )
        if len(grads) != net.L:
            raise ValueError(
                f"grads has {len(grads)} layers but the network has L = {net.L}; pass the "
                "gradients of this network, net.gradients(X, Y)"
            )
        params = []
        for l, (layer, g) in enumerate(zip(net.layers, grads.layers, strict=True), start=1):
            for name, w in layer.parameters().items():
                if name not in g or g[name].shape != w.shape:
                    shape = g[name].shape if name in g else "none"
                    raise ValueError(
                        f"grads.{name}[{l}] has shape {shape} but net.{name}[{l}] has "
                        f"shape {w.shape}; pass the gradients of this network"
                    )
                params.append((w, g[name]))
        # (l, θ) of each parameter, naming the buffers' arrays
        self._names = [(l, n) for l, layer in enumerate(net.layers, 1) for n in layer.parameters()]
        return params

    def _bind(self, weights: list[Array]) -> None:
        """Create the state for these parameter arrays, or check that it was made for them."""
        signature = (tuple(w.shape for w in weights), weights[0].dtype)
        if signature == self._signature:
            return
        if self._signature is not None:
            (shapes, dtype), (my_shapes, my_dtype) = signature, self._signature
            raise ValueError(
                f"this optimizer's state is for a network of sizes {_sizes(my_shapes)} in "
                f"{my_dtype}, but it was asked to step one of sizes {_sizes(shapes)} in {dtype}; "
                "an optimizer serves one network: make a new optimizer, or call opt.reset()"
            )
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
            if l > len(layers):
                layers.append({})
            layers[l - 1][symbol] = array
        return ParameterBuffer(layers, name=name)

    def _make_slots(self, signature: Signature) -> None:
        shapes, dtype = signature
        arrays = {name: _interleave(buf) for name, buf in self.state.items()}
        decays = self._decays_gradient()
        self._slots = [
            _Slot(
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

    # -- saving and loading ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's type, hyperparameters, ``t`` and buffers as a flat dict.

        Buffers appear as copies under ``"<name>.W[l]"`` and ``"<name>.b[l]"``; everything else
        is a number, a string or a tuple of numbers. ``np.savez(path, **opt.state_dict())``
        stores it without pickle.

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
        out: dict[str, Any] = {"optimizer": type(self).__name__, **self.hyperparameters()}
        out["t"] = self.t
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
        kind = _plain(state_dict.get("optimizer"))
        if kind != type(self).__name__:
            raise ValueError(
                f"this state_dict was saved by a {kind!r} optimizer, not a "
                f"{type(self).__name__!r}; load it into a {kind} instead"
            )
        names = list(self.hyperparameters())
        missing = [key for key in [*names, "t"] if key not in state_dict]
        if missing:
            raise ValueError(f"the state_dict lacks {missing}; pass what state_dict() returned")
        hyper = {key: _plain(state_dict[key]) for key in names}
        lr = hyper.pop("lr")
        fresh = type(self)(1.0, **hyper)  # checks every hyperparameter but lr (which may be 0)
        fresh.lr = lr
        t = _check_int(_plain(state_dict["t"]), "step count t", "t must be an integer ≥ 0", low=0)

        found: dict[str, dict[tuple[str, int], Array]] = {}
        for key, value in state_dict.items():
            if key in names or key in ("optimizer", "t"):
                continue
            match = _ARRAY_KEY.match(key)
            if match is None:
                raise ValueError(f"unexpected key {key!r} in the state_dict")
            name, symbol, l = match.group(1), match.group(2), int(match.group(3))
            found.setdefault(name, {})[symbol, l] = np.array(value, order=W_ORDER)
        expected = set(fresh.buffer_names())
        if (found and set(found) != expected) or (not found and expected and t > 0):
            raise ValueError(
                f"the state_dict has buffers {sorted(found)}, but {fresh!r} keeps "
                f"{sorted(expected)}"
            )

        state: dict[str, ParameterBuffer] = {}
        signature: Signature | None = None
        for name, parts in found.items():
            L = len(parts) // 2
            if sorted(parts) != sorted((s, l) for s in "Wb" for l in range(1, L + 1)):
                raise ValueError(
                    f"buffer {name!r} in the state_dict needs {name}.W[l] and {name}.b[l] for "
                    f"every l = 1..L, got {sorted(f'{s}[{l}]' for s, l in parts)}"
                )
            arrays = [parts[s, l] for l in range(1, L + 1) for s in "Wb"]
            this = (tuple(a.shape for a in arrays), arrays[0].dtype)
            if not (
                all(a.dtype == this[1] for a in arrays)
                and this[1] in (np.dtype(np.float32), np.dtype(np.float64))
                and all(len(s) == 2 for s in this[0][0::2])
                and all(len(s) == 1 for s in this[0][1::2])
            ):
                raise ValueError(
                    f"buffer {name!r} in the state_dict must hold arrays of one dtype, float32 "
                    "or float64, shaped like the network's W[l] and b[l]; got "
                    + ", ".join(f"{a.dtype}{list(a.shape)}" for a in arrays)
                )
            if signature is not None and this != signature:
                raise ValueError("the buffers in the state_dict do not agree in shape or dtype")
            signature = this
            state[name] = self._buffer(
                name, arrays, [(l, s) for l in range(1, L + 1) for s in "Wb"]
            )

        for key in names[1:]:
            setattr(self, key, getattr(fresh, key))
        self.lr = fresh.lr
        self.t = t
        self.state = state
        self._signature, self._slots = None, []
        if signature is not None:
            self._make_slots(signature)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={_fmt(value)}" for key, value in self.hyperparameters().items())
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

    State:
        ``state["velocity"]``: v (only when μ > 0; PyTorch calls it ``momentum_buffer``).

    Example:
        >>> import glassnet as gn
        >>> gn.SGD(lr=3.0)
        SGD(lr=3, momentum=0, dampening=0, nesterov=False, weight_decay=0)
        >>> gn.SGD(lr=0.1, momentum=0.9, nesterov=True)
        SGD(lr=0.1, momentum=0.9, dampening=0, nesterov=True, weight_decay=0)
    """

    def __init__(
        self,
        lr: float,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.momentum = _check_momentum(momentum)
        self.dampening = _check_real(
            dampening,
            "dampening value",
            "dampening (τ) must satisfy 0 ≤ dampening ≤ 1; 0 (no dampening) is usual",
            low=0.0,
            high=1.0,
        )
        self.nesterov = _check_flag(nesterov, "nesterov")
        self.weight_decay = _check_weight_decay(weight_decay)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening: got "
                f"momentum={momentum!r}, dampening={dampening!r}; pass momentum > 0 (such as "
                "0.9) and dampening=0, or nesterov=False"
            )

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }

    def buffer_names(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum != 0 else ()

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0

    def _update(self, w: Array, g: Array, slot: _Slot) -> None:
        mu, tmp = self.momentum, slot.tmp
        d = self._with_weight_decay(w, g, slot, self.weight_decay)  # d = g + λ w
        direction = d
        if mu != 0:
            v = slot.state["velocity"]
            if self.t == 1:
                np.copyto(v, d)  # v = d: the first step has no past velocity to keep
            else:
                v *= mu  # v ← μ v + (1 − τ) d
                if self.dampening != 0:
                    np.multiply(d, 1.0 - self.dampening, out=tmp)
                    v += tmp
                else:
                    v += d
            if self.nesterov:
                np.multiply(v, mu, out=tmp)
                tmp += d  # d + μ v
                direction = tmp
            else:
                direction = v
        np.multiply(direction, self.lr, out=tmp)
        w -= tmp  # w ← w − η d   (or η v, or η (d + μ v))


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
    ) -> None:
        super().__init__(lr)
        self.eps = _check_eps(eps, "1e-10")
        self.weight_decay = _check_weight_decay(weight_decay)
        self.initial_accumulator_value = _check_real(
            initial_accumulator_value,
            "initial_accumulator_value",
            "the sum of squared gradients starts there, so it must be a number ≥ 0, such as 0",
            low=0.0,
        )
        self.lr_decay = _check_real(
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
        }

    def buffer_names(self) -> tuple[str, ...]:
        return ("sum_of_squares",)

    def _initial_value(self, name: str) -> float:
        return self.initial_accumulator_value

    def _decays_gradient(self) -> bool:
        return self.weight_decay != 0

    def _begin_step(self) -> None:
        self._lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)  # η_t = η / (1 + (t−1) decay)

    def _update(self, w: Array, g: Array, slot: _Slot) -> None:
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
    ) -> None:
        super().__init__(lr)
        self.alpha = _check_real(
            alpha,
            "alpha value",
            "alpha (α) must satisfy 0 ≤ alpha < 1, such as 0.99",
            low=0.0,
            high=1.0,
            high_open=True,
        )
        self.eps = _check_eps(eps, "1e-8")
        self.momentum = _check_momentum(momentum)
        self.centered = _check_flag(centered, "centered")
        self.weight_decay = _check_weight_decay(weight_decay)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "momentum": self.momentum,
            "centered": self.centered,
            "weight_decay": self.weight_decay,
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

    def _update(self, w: Array, g: Array, slot: _Slot) -> None:
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
    ) -> None:
        super().__init__(lr)
        self.betas = _check_betas(betas)
        self.eps = _check_eps(eps, "1e-8")
        self.weight_decay = _check_weight_decay(weight_decay)
        self.amsgrad = _check_flag(amsgrad, "amsgrad")
        self._step_size = self._root_correction = 1.0

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
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

    def _update(self, w: Array, g: Array, slot: _Slot) -> None:
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
        np.sqrt(v, out=tmp)
        tmp /= self._root_correction
        tmp += self.eps  # √v̂ + ε
        np.divide(m, tmp, out=tmp)
        tmp *= self._step_size
        w -= tmp  # w ← w − η m̂ / (√v̂ + ε)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, which shrinks w itself, not its gradient.

    Before each Adam step (with d = g; λ = ``weight_decay``)::

        w ← w − η λ w

    With Adam's L2 penalty, λ w passes through the division by √v̂, so parameters with large
    gradients are hardly decayed; here every weight shrinks by the same factor 1 − η λ.
    Equal to ``torch.optim.AdamW``.

    Args:
        lr, betas, eps, amsgrad: as for :class:`Adam`.
        weight_decay: λ ≥ 0 (default 0.01).

    State:
        as for :class:`Adam`.

    Example:
        >>> from glassnet.optimizers import AdamW
        >>> AdamW(lr=0.001)
        AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False)
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
    ) -> None:
        super().__init__(lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


# -- by name: the registry ----------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class NamedOptimizer:
    """An optimizer by its short name: the class it makes, with which options, and its default η.

    Calling it makes a fresh optimizer: ``OPTIMIZERS["momentum"](0.1)`` is
    ``SGD(lr=0.1, momentum=0.9)``, and without an η it uses :attr:`lr`.

    Attributes:
        name: the short name, such as ``"momentum"`` (lower case).
        cls: the :class:`Optimizer` subclass it makes. A file names the optimizer by the class's
            name (``"SGD"``), never by the short name.
        lr: the default learning rate η: what ``glassnet train`` and ``glassnet lab
            --landscape`` use when no ``--lr`` is given.
        description: one line for ``--help``.
        options: the keyword arguments of ``cls`` the name fixes, such as ``{"momentum": 0.9}``.

    Example:
        >>> from glassnet.optimizers import OPTIMIZERS
        >>> OPTIMIZERS["momentum"]
        NamedOptimizer('momentum', SGD, lr=0.25, options={'momentum': 0.9})
        >>> OPTIMIZERS["momentum"](0.1)
        SGD(lr=0.1, momentum=0.9, dampening=0, nesterov=False, weight_decay=0)
    """

    name: str
    cls: type[Optimizer]
    lr: float
    description: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def takes_momentum(self) -> bool:
        """Whether μ may be given with the name (:func:`by_name`'s ``momentum``, the command
        line's ``--momentum``): true for the SGD family."""
        return issubclass(self.cls, SGD)

    def __call__(self, lr: float | None = None, **overrides: Any) -> Optimizer:
        """A fresh optimizer with η = ``lr`` (default :attr:`lr`); ``overrides`` replace options."""
        return self.cls(self.lr if lr is None else lr, **{**self.options, **overrides})

    def __repr__(self) -> str:
        options = f", options={dict(self.options)!r}" if self.options else ""
        return f"NamedOptimizer({self.name!r}, {self.cls.__name__}, lr={_fmt(self.lr)}{options})"


#: The registry: every short name the command line, the optimizer lab, the Playground and the
#: scikit-learn solvers take → its :class:`NamedOptimizer`. Add to it with :func:`register`.
OPTIMIZERS: dict[str, NamedOptimizer] = {}

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def register(
    name: str,
    cls: type[Optimizer],
    *,
    lr: float,
    description: str,
    options: Mapping[str, Any] | None = None,
) -> NamedOptimizer:
    """Give an optimizer class (with fixed ``options``, if any) a short name and a default η.

    From then on :func:`by_name`, the optimizer lab, the Playground and, in the same process,
    ``glassnet.cli.main(["train", "--optimizer", name, ...])`` know the name, and checkpoints
    save and resume the class: a file names it by its class name, and only classes in the
    registry are read back. ``del OPTIMIZERS[name]`` takes the name away again.

    The class keeps :class:`Optimizer`'s contract: its constructor takes η first and each key
    of its :meth:`~Optimizer.hyperparameters` as a keyword argument.

    Args:
        name: the short name: lower-case letters, digits and ``_``, not taken yet.
        cls: a subclass of :class:`Optimizer`, whose name no other registered class has.
        lr: the default η > 0.
        description: one line for ``--help``.
        options: keyword arguments of ``cls`` the name fixes (a preset, such as
            ``{"momentum": 0.9}``); ``cls(lr, **options)`` is tried once here.

    Returns:
        the new :class:`NamedOptimizer`, now ``OPTIMIZERS[name]``.

    Example:
        >>> from glassnet.optimizers import OPTIMIZERS, SGD, by_name, register
        >>> register("heavy_ball", SGD, lr=0.05, options={"momentum": 0.99},
        ...          description="SGD with a long memory, μ = 0.99")
        NamedOptimizer('heavy_ball', SGD, lr=0.05, options={'momentum': 0.99})
        >>> by_name("heavy_ball")
        SGD(lr=0.05, momentum=0.99, dampening=0, nesterov=False, weight_decay=0)
        >>> del OPTIMIZERS["heavy_ball"]
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"Invalid optimizer name: {name!r}; a name is lower-case letters, digits and _, "
            "starting with a letter, such as 'lion'"
        )
    if name in OPTIMIZERS:
        raise ValueError(
            f"the optimizer name {name!r} is taken by {OPTIMIZERS[name]!r}; choose another "
            f"name, or del OPTIMIZERS[{name!r}] first"
        )
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise ValueError(f"cls must be a subclass of glassnet.optimizers.Optimizer, got {cls!r}")
    other = registered_classes().get(cls.__name__)
    if other is not None and other is not cls:
        raise ValueError(
            f"another optimizer class named {cls.__name__!r} ({other.__module__}) is "
            f"registered; files name an optimizer by its class name, so give "
            f"{cls.__module__}.{cls.__qualname__} a name of its own"
        )
    lr = _check_lr(lr)
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        raise ValueError(f"description must be one line of text for --help, got {description!r}")
    options = dict(options or {})
    try:
        cls(lr, **options)
    except TypeError as exc:
        raise ValueError(
            f"{cls.__name__}({_fmt(lr)}, **{options!r}) fails: {exc}; options must be keyword "
            f"arguments that {cls.__name__} takes"
        ) from None
    entry = NamedOptimizer(name, cls, lr, description.strip(), MappingProxyType(options))
    OPTIMIZERS[name] = entry
    return entry


def registered_classes() -> dict[str, type[Optimizer]]:
    """The optimizer classes a file may name: class name → class, for each class in the registry.

    Checkpoints store an optimizer's type as its class name (``state_dict()["optimizer"]``) and
    read it back through this closed list: a name not in it is refused, never imported.

    >>> list(registered_classes())
    ['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW']
    """
    return {entry.cls.__name__: entry.cls for entry in OPTIMIZERS.values()}


def by_name(name: str, lr: float | None = None, momentum: float | None = None) -> Optimizer:
    """A fresh optimizer by its short name (see :data:`OPTIMIZERS`), with η = ``lr``.

    ``lr`` defaults to the name's own (:attr:`NamedOptimizer.lr`). ``momentum`` replaces μ of
    the names that take one, the SGD family (``sgd`` has μ = 0, ``momentum`` and ``nesterov``
    μ = 0.9); the other names ignore it.

    >>> by_name("nesterov", 0.01)
    SGD(lr=0.01, momentum=0.9, dampening=0, nesterov=True, weight_decay=0)
    >>> by_name("sgd", 3.0, momentum=0.5).momentum
    0.5
    >>> by_name("adam").lr
    0.001
    """
    key = name.lower() if isinstance(name, str) else name
    if not isinstance(key, str) or key not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}, or pass a "
            "glassnet optimizer such as gn.SGD(lr=0.1)"
        )
    entry = OPTIMIZERS[key]
    if momentum is not None and entry.takes_momentum:
        return entry(lr, momentum=momentum)
    return entry(lr)


# The default η are the command line's. The SGD family's suit its default cost, the tutorial's
# "mse": its gradient is twice that of Nielsen's ½‖y − a‖², so η = 1.5 takes exactly the steps
# of Nielsen's η = 3.0 (the adaptive optimizers do not depend on the scale).
for _name, _cls, _lr, _options, _description in [
    ("sgd", SGD, 1.5, {}, "the tutorial's rule w ← w − η ∂C/∂w"),
    ("momentum", SGD, 0.25, {"momentum": 0.9}, "SGD whose velocity keeps μ = 0.9 of each step"),
    ("nesterov", SGD, 0.25, {"momentum": 0.9, "nesterov": True}, "momentum that looks ahead"),
    ("adagrad", Adagrad, 0.01, {}, "each step divided by √(sum of all squared gradients so far)"),
    ("rmsprop", RMSprop, 0.001, {}, "each step divided by √(moving average of squared gradients)"),
    ("adam", Adam, 0.001, {}, "a moving average of the gradient over RMSprop's denominator"),
    ("adamw", AdamW, 0.001, {}, "Adam whose weight decay (λ = 0.01) shrinks w directly"),
]:
    register(_name, _cls, lr=_lr, options=_options, description=_description)
del _name, _cls, _lr, _options, _description
