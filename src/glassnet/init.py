"""Weight initialisation: W^(l) of shape (n_l, n_{l−1}) drawn at random, biases b^(l) = 0.

Every scheme takes the random generator explicitly, so the same seed gives the same weights.

==========  ====================================================  ==========================
name        W^(l)_jk drawn from                                   suits
==========  ====================================================  ==========================
small       N(0, 0.1²): the tutorial's "small random number"      teaching, tiny networks
xavier      U(−r, r), r = √(6 / (n_{l−1} + n_l)) (Glorot, 2010)   sigmoid, tanh, softmax
he          N(0, 2 / n_{l−1}) (He et al., 2015)                   relu and its relatives
==========  ====================================================  ==========================

With ``init=None`` a layer picks :func:`default_for` its activation, the scheme the activation
names as its ``default_init``: ``he`` for the relu family, ``xavier`` for everything else;
``glassnet train`` uses ``small`` for its sigmoid network, the tutorial's recipe.

The weights are drawn once, when a network is built. The tutorial's list of steps says to
initialise them "for each mini-batch"; that would throw away what every mini-batch before had
learned, so glassnet does not (``docs/initialisation.md`` shows both, in numbers).

>>> import numpy as np
>>> W = xavier(3, 2, np.random.default_rng(0), np.float64)
>>> W.shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._inputs import from_registry
from .activations import Activation

__all__ = ["INITS", "Initializer", "default_for", "get", "he", "small", "xavier"]

#: ``(n_out, n_in, rng, dtype) -> W`` with W of shape (n_out, n_in)
Initializer = Callable[[int, int, np.random.Generator, DTypeLike], NDArray[Any]]


def small(n_out: int, n_in: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[Any]:
    """The tutorial's "small random number" ("such as 0.1"): W_jk ~ N(0, 0.1²), whatever the
    layer's size, so the spread of z grows like √n_in (``docs/initialisation.md``).

    >>> import numpy as np
    >>> W = small(300, 200, np.random.default_rng(0), np.float64)
    >>> W.shape, round(float(W.std()), 2)
    ((300, 200), 0.1)
    """
    return (0.1 * rng.standard_normal((n_out, n_in))).astype(dtype)


def xavier(n_out: int, n_in: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[Any]:
    """Glorot/Xavier uniform: W_jk ~ U(−r, r) with r = √(6 / (n_in + n_out)).

    >>> import numpy as np
    >>> W = xavier(3, 5, np.random.default_rng(0), np.float32)
    >>> W.shape, W.dtype, bool(np.abs(W).max() <= np.sqrt(6 / 8))
    ((3, 5), dtype('float32'), True)
    """
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_out, n_in)).astype(dtype)


def he(n_out: int, n_in: int, rng: np.random.Generator, dtype: DTypeLike) -> NDArray[Any]:
    """He/Kaiming normal: W_jk ~ N(0, 2 / n_in).

    >>> import numpy as np
    >>> W = he(400, 200, np.random.default_rng(0), np.float64)
    >>> round(float(W.var() * 200), 1)  # the variance times n_in is 2
    2.0
    """
    return (np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))).astype(dtype)


#: name → initializer.
INITS: dict[str, Initializer] = {"small": small, "xavier": xavier, "he": he}


def default_for(activation: Activation) -> str:
    """The scheme used when ``init=None``: the activation's own ``default_init``.

    >>> from glassnet.activations import ReLU, Sigmoid
    >>> default_for(ReLU()), default_for(Sigmoid())
    ('he', 'xavier')
    """
    scheme = activation.default_init
    if not isinstance(scheme, str) or scheme not in INITS:
        raise ValueError(
            f"activation {activation!r} names default_init = {scheme!r}, which is not an "
            f"initialiser; set it to one of: {', '.join(INITS)}"
        )
    return scheme


def get(init: str | Initializer) -> Initializer:
    """Resolve an initializer by name; a callable ``(n_out, n_in, rng, dtype)`` passes through.

    >>> get("he") is he, get(small) is small
    (True, True)
    """
    if callable(init):
        return init
    hint = " (or None for the activation's default, or a function (n_out, n_in, rng, dtype) -> W)"
    return from_registry(init, INITS, "init", hint=hint, sort=False)
