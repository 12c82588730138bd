"""The layer types model files know, by class name: :data:`LAYERS` and :func:`register`.

A file names each layer's type by its class name, and :mod:`glassnet.io` builds a layer only
from a class in :data:`LAYERS`: a name from a file is looked up here, never imported. Every
layer type glassnet ships is listed (importing this module imports their modules, named in
:data:`glassnet.layers.MODULES`); :func:`register` adds a type of your own. Only model files
and checkpoints need this, so ``import glassnet`` does not load it.
"""

from __future__ import annotations

import importlib

from . import MODULES, Dense, Layer

__all__ = ["LAYERS", "register"]

#: layer type name → class: files name a layer's type, and only these are built from a file
LAYERS: dict[str, type[Layer]] = {"Dense": Dense}
for _name, _module in MODULES.items():
    if _module != "registry":
        LAYERS[_name] = getattr(importlib.import_module(f"{__package__}.{_module}"), _name)


def register(cls: type[Layer]) -> type[Layer]:
    """Make a layer class known to model files by its class name (usable as a decorator).

    >>> @register
    ... class Twice(Layer):
    ...     pass
    >>> LAYERS["Twice"] is Twice
    True
    >>> del LAYERS["Twice"]
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"register() takes a subclass of glassnet.layers.Layer, got {cls!r}")
    other = LAYERS.get(cls.__name__)
    if other is not None and other is not cls:
        raise ValueError(
            f"another layer class named {cls.__name__!r} is registered; files name a layer by "
            "its class name, so give yours another name"
        )
    LAYERS[cls.__name__] = cls
    return cls
