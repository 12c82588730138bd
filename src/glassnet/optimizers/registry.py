"""The registry of optimizer names: the short names the command line, the optimizer lab, the
Playground and the scikit-learn solvers take, each with its class, options and default η.

It is not part of training (``fit`` takes an optimizer object), so ``import glassnet`` does not
load it: :mod:`glassnet.optimizers` loads it on the first use of one of its names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .._inputs import check_lr, short_repr
from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .base import SGD, Optimizer

__all__ = ["OPTIMIZERS", "NamedOptimizer", "by_name", "register", "registered_classes"]


# -- checks of a new name ---------------------------------------------------------------------


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _new_name(
    name: object, registry: Mapping[str, Any], what: str, *, example: str, registry_name: str
) -> str:
    """A short name not yet in ``registry`` (called ``registry_name`` in the message): lower-case
    letters, digits and ``_``, starting with a letter, such as ``example``.

    Example:
        >>> _new_name("lion", {"sgd": 1}, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
        'lion'
        >>> _new_name("Lion", {}, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: Invalid optimizer name: 'Lion'; a name is lower-case letters, digits and _, ...
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"Invalid {what} name: {name!r}; a name is lower-case letters, digits and _, "
            f"starting with a letter, such as {example}"
        )
    if name in registry:
        raise ValueError(
            f"the {what} name {name!r} is taken by {registry[name]!r}; choose another "
            f"name, or del {registry_name}[{name!r}] first"
        )
    return name


def _one_line(text: object, what: str, must_be: str) -> str:
    """``text`` stripped, if it is one non-empty line of text.

    Example:
        >>> _one_line(" fast ", "description", "one line of text for --help")
        'fast'
        >>> _one_line("a\\nb", "description", "one line of text for --help")
        Traceback (most recent call last):
        ValueError: description must be one line of text for --help, got 'a\\nb'
    """
    if not isinstance(text, str) or not text.strip() or "\n" in text:
        raise ValueError(f"{what} must be {must_be}, got {text!r}")
    return text.strip()


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
        >>> OPTIMIZERS["momentum"](0.1, clip_norm=1.0)
        SGD(lr=0.1, momentum=0.9, dampening=0, nesterov=False, weight_decay=0, clip_norm=1)
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
        return (
            f"NamedOptimizer({self.name!r}, {self.cls.__name__}, lr={short_repr(self.lr)}{options})"
        )


#: The registry: every short name the command line, the optimizer lab, the Playground and the
#: scikit-learn solvers take → its :class:`NamedOptimizer`. Add to it with :func:`register`.
OPTIMIZERS: dict[str, NamedOptimizer] = {}


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
        >>> by_name("heavy_ball").momentum
        0.99
        >>> del OPTIMIZERS["heavy_ball"]
    """
    name = _new_name(name, OPTIMIZERS, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise ValueError(f"cls must be a subclass of glassnet.optimizers.Optimizer, got {cls!r}")
    other = registered_classes().get(cls.__name__)
    if other is not None and other is not cls:
        raise ValueError(
            f"another optimizer class named {cls.__name__!r} ({other.__module__}) is "
            f"registered; files name an optimizer by its class name, so give "
            f"{cls.__module__}.{cls.__qualname__} a name of its own"
        )
    lr = check_lr(lr)
    description = _one_line(description, "description", "one line of text for --help")
    options = dict(options or {})
    try:
        cls(lr, **options)
    except TypeError as exc:
        raise ValueError(
            f"{cls.__name__}({short_repr(lr)}, **{options!r}) fails: {exc}; options must be "
            f"keyword arguments that {cls.__name__} takes"
        ) from None
    entry = NamedOptimizer(name, cls, lr, description, MappingProxyType(options))
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


def by_name(
    name: str,
    lr: float | None = None,
    momentum: float | None = None,
    *,
    clip_norm: float | None = None,
) -> Optimizer:
    """A fresh optimizer by its short name (see :data:`OPTIMIZERS`), with η = ``lr``.

    ``lr`` defaults to the name's own (:attr:`NamedOptimizer.lr`). ``momentum`` replaces μ of
    the names that take one, the SGD family (``sgd`` has μ = 0, ``momentum`` and ``nesterov``
    μ = 0.9); the other names ignore it. ``clip_norm`` (None: no clipping) caps ‖∇C‖₂ before
    every step, for every name (see :mod:`glassnet.optimizers.clipping`).

    >>> by_name("nesterov", 0.01)
    SGD(lr=0.01, momentum=0.9, dampening=0, nesterov=True, weight_decay=0)
    >>> by_name("sgd", 3.0, momentum=0.5).momentum
    0.5
    >>> by_name("adam").lr, by_name("adam", clip_norm=1.0).clip_norm
    (0.001, 1.0)
    """
    key = name.lower() if isinstance(name, str) else name
    if not isinstance(key, str) or key not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}, or pass a "
            "glassnet optimizer such as gn.SGD(lr=0.1)"
        )
    entry = OPTIMIZERS[key]
    options: dict[str, Any] = {} if clip_norm is None else {"clip_norm": clip_norm}
    if momentum is not None and entry.takes_momentum:
        options["momentum"] = momentum
    return entry(lr, **options)


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
