"""Reading an optimizer's saved state back: the checks behind :meth:`Optimizer.load_state_dict`.

:meth:`Optimizer.state_dict` writes a flat dict: the optimizer's class name, its
hyperparameters, the step count ``t`` and every buffer array under ``"<buffer>.<θ>[l]"``.
Everything read back from a file is checked here before the optimizer changes: the class, each
hyperparameter (by making a fresh optimizer with them), ``t``, and that the buffers cover
every layer with arrays of one float dtype and agreeing shapes. Loaded on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._inputs import plain, whole_number
from ..layers import W_ORDER

if TYPE_CHECKING:
    from .base import Optimizer

Array = NDArray[np.floating[Any]]
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

__all__ = ["SavedBuffer", "read_state", "saved_buffers", "saved_hyperparameters"]


def read_state(
    opt: Optimizer, state_dict: Mapping[str, Any]
) -> tuple[Optimizer, int, dict[str, SavedBuffer]]:
    """``(fresh, t, buffers)``: an optimizer of ``opt``'s class with the saved hyperparameters
    (``lr`` included), the step count and the buffers, each checked; ValueError, in words, for
    a state_dict that does not fit ``opt``."""
    names = list(opt.hyperparameters())
    # state_dict() leaves clip_norm out when it is None (no clipping), as files from before
    # clipping do: then the fresh optimizer gets its default, None
    given = [key for key in names if key != "clip_norm" or key in state_dict]
    hyper = saved_hyperparameters(state_dict, type(opt).__name__, given)
    lr = hyper.pop("lr")
    fresh = type(opt)(1.0, **hyper)  # checks every hyperparameter but lr (which may be 0)
    fresh.lr = lr
    t = whole_number(plain(state_dict["t"]), "step count t", "t must be an integer ≥ 0", low=0)
    skip = {*names, "optimizer", "t"}
    buffers = saved_buffers(state_dict, skip, set(fresh.buffer_names()), t, repr(fresh), W_ORDER)
    return fresh, t, buffers


def saved_hyperparameters(
    state_dict: Mapping[str, Any], kind: str, names: list[str]
) -> dict[str, Any]:
    """The hyperparameters ``names`` of an optimizer's state_dict as plain values, after checking
    that it was saved by a ``kind`` optimizer and holds them all, and the step count ``t``.

    Example:
        >>> saved_hyperparameters({"optimizer": "SGD", "lr": np.array(0.5), "t": 3}, "SGD", ["lr"])
        {'lr': 0.5}
        >>> saved_hyperparameters({"optimizer": "SGD", "t": 3}, "SGD", ["lr"])
        Traceback (most recent call last):
        ValueError: the state_dict lacks ['lr']; pass what state_dict() returned
    """
    saved = plain(state_dict.get("optimizer"))
    if saved != kind:
        raise ValueError(
            f"this state_dict was saved by a {saved!r} optimizer, not a "
            f"{kind!r}; load it into a {saved} instead"
        )
    missing = [key for key in [*names, "t"] if key not in state_dict]
    if missing:
        raise ValueError(f"the state_dict lacks {missing}; pass what state_dict() returned")
    return {key: plain(state_dict[key]) for key in names}


_BUFFER_KEY = re.compile(r"^(\w+)\.(\w+)\[(\d+)\]$")

#: one saved buffer: the (l, θ) of each array, layer by layer, and the arrays
SavedBuffer = tuple[list[tuple[int, str]], list[Array]]


def saved_buffers(
    state_dict: Mapping[str, Any],
    skip: set[str],
    expected: set[str],
    t: int,
    owner: str,
    order: Literal["C", "F"],
) -> dict[str, SavedBuffer]:
    """The buffers of an optimizer's state_dict (keys ``"<name>.<θ>[l]"``, all keys but
    ``skip``), checked: named as ``expected`` (none at all is fine before the first step,
    ``t = 0``), layer numbers l ≥ 1 (a layer without parameters, such as pooling, has none),
    one float dtype, the same shapes in every buffer. ``owner`` is the optimizer, as the message
    names it; the arrays are copied in memory ``order``.

    Example:
        >>> sd = {"t": 1, "v.W[1]": np.ones((2, 3)), "v.b[1]": np.zeros(2)}
        >>> keys, arrays = saved_buffers(sd, {"t"}, {"v"}, 1, "SGD()", "F")["v"]
        >>> keys, [a.shape for a in arrays]
        ([(1, 'W'), (1, 'b')], [(2, 3), (2,)])
        >>> saved_buffers(sd, {"t"}, {"m"}, 1, "Adam()", "F")
        Traceback (most recent call last):
        ValueError: the state_dict has buffers ['v'], but Adam() keeps ['m']
    """
    found: dict[str, dict[tuple[str, int], Array]] = {}
    for key, value in state_dict.items():
        if key in skip:
            continue
        match = _BUFFER_KEY.match(key)
        if match is None:
            raise ValueError(f"unexpected key {key!r} in the state_dict")
        name, symbol, l = match.group(1), match.group(2), int(match.group(3))
        found.setdefault(name, {})[symbol, l] = np.array(value, order=order)
    if (found and set(found) != expected) or (not found and expected and t > 0):
        raise ValueError(
            f"the state_dict has buffers {sorted(found)}, but {owner} keeps {sorted(expected)}"
        )
    buffers: dict[str, SavedBuffer] = {}
    for name, parts in found.items():
        layers = sorted({l for _, l in parts})
        if layers[0] < 1:
            raise ValueError(
                f"buffer {name!r} in the state_dict has arrays for layer {layers[0]}; layers are "
                "numbered from 1, as in net.W[1]"
            )
        # layer by layer, each layer's parameters in the order state_dict() wrote them
        keys = sorted(((l, symbol) for symbol, l in parts), key=lambda key: key[0])
        arrays = [parts[symbol, l] for l, symbol in keys]
        if not (
            all(a.dtype == arrays[0].dtype for a in arrays) and arrays[0].dtype in _FLOAT_DTYPES
        ):
            raise ValueError(
                f"buffer {name!r} in the state_dict must hold arrays of one dtype, float32 "
                "or float64, shaped like the network's parameters; got "
                + ", ".join(f"{a.dtype}{list(a.shape)}" for a in arrays)
            )
        if buffers:
            first_keys, first = next(iter(buffers.values()))
            if keys != first_keys or [(a.shape, a.dtype) for a in arrays] != [
                (a.shape, a.dtype) for a in first
            ]:
                raise ValueError("the buffers in the state_dict do not agree in shape or dtype")
        buffers[name] = keys, arrays
    return buffers
