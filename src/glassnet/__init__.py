"""glassnet: the feedforward neural network of "Towards *really* understanding neural networks",
built so that every number in it can be printed, checked and explained.

>>> import numpy as np, glassnet as gn
>>> net = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", cost="quadratic", seed=0)
>>> t = net.trace(np.array([[0.0, 1.0]]), np.array([[1.0]]))
>>> [t.a[l].shape for l in range(net.L + 1)]
[(1, 2), (1, 3), (1, 1)]

The notation (layers 0..L, ``net.W[l][j, k]`` to j from k, rows as samples) is declared once,
in :mod:`glassnet.notation` and ``docs/notation.md``.

``import glassnet`` loads the core that trains a network: activations, costs, init, layers,
notation, network, SGD and training with its callbacks. Everything else — the adaptive
optimizers, learning-rate schedules, the gradient check, model files, checkpoints, the
explanations, the diagnosis, data sets, scaling, the lab — loads on first use of its name
(``gn.Adam``, ``gn.load``, ``gn.explain_weight(net, …)``, ``gn.datasets``): the optional parts
take the network as an argument and never the other way round (``docs/architecture.md``).
"""

import importlib as _importlib
import sys as _sys
import typing as _typing
from importlib import metadata as _metadata

from . import activations, callbacks, costs, init, layers
from .activations import Activation
from .callbacks import Callback, Stop, TrainingRun
from .costs import Cost
from .layers import Dense, Layer
from .network import ByLayer, Gradients, Network, Trace
from .optimizers import SGD, Optimizer
from .training import History

if _typing.TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from . import (
        checkpoint,
        datasets,
        diagnosis,
        distributed,
        exercises,
        explain,
        lab,
        render,
        scaling,
        schedules,
    )
    from .checkpoint import Checkpoint, TrainingState, load_checkpoint, save_checkpoint
    from .diagnosis import TrainingMonitor, diagnose, diagnose_training
    from .diagnosis.flow import gradient_flow, gradient_through_time
    from .explain import (
        backprop_ledger,
        backprop_per_example,
        explain_activation,
        explain_bias,
        explain_neuron,
        explain_parameter,
        explain_residual,
        explain_through_time,
        explain_weight,
    )
    from .gradcheck import GradientCheck, gradient_check
    from .io import ModelFormatError, load, save
    from .layers import RNN, AvgPool2D, BatchNorm, Conv2D, Flatten, MaxPool2D, Reshape, Residual
    from .optimizers import Adagrad, Adam, AdamW, RMSprop
    from .schedules import (
        CosineAnnealingLR,
        ExponentialLR,
        InverseScaling,
        ReduceLROnPlateau,
        StepLR,
    )

try:
    __version__ = _metadata.version("glassnet")
except _metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

#: the optional parts, loaded on first use: top-level name → (module, attribute or None)
_LAZY: dict[str, tuple[str, str | None]] = {
    "checkpoint": ("checkpoint", None),
    "datasets": ("datasets", None),
    "diagnosis": ("diagnosis", None),
    "distributed": ("distributed", None),
    "exercises": ("exercises", None),
    "explain": ("explain", None),
    "lab": ("lab", None),
    "render": ("render", None),
    "scaling": ("scaling", None),
    "schedules": ("schedules", None),
    "CosineAnnealingLR": ("schedules", "CosineAnnealingLR"),
    "ExponentialLR": ("schedules", "ExponentialLR"),
    "InverseScaling": ("schedules", "InverseScaling"),
    "ReduceLROnPlateau": ("schedules", "ReduceLROnPlateau"),
    "StepLR": ("schedules", "StepLR"),
    "AvgPool2D": ("layers", "AvgPool2D"),
    "BatchNorm": ("layers", "BatchNorm"),
    "Conv2D": ("layers", "Conv2D"),
    "Flatten": ("layers", "Flatten"),
    "MaxPool2D": ("layers", "MaxPool2D"),
    "Reshape": ("layers", "Reshape"),
    "Residual": ("layers", "Residual"),
    "RNN": ("layers", "RNN"),
    "Adagrad": ("optimizers", "Adagrad"),
    "Adam": ("optimizers", "Adam"),
    "AdamW": ("optimizers", "AdamW"),
    "RMSprop": ("optimizers", "RMSprop"),
    "GradientCheck": ("gradcheck", "GradientCheck"),
    "gradient_check": ("gradcheck", "gradient_check"),
    "Checkpoint": ("checkpoint", "Checkpoint"),
    "TrainingState": ("checkpoint", "TrainingState"),
    "load_checkpoint": ("checkpoint", "load_checkpoint"),
    "save_checkpoint": ("checkpoint", "save_checkpoint"),
    "TrainingMonitor": ("diagnosis", "TrainingMonitor"),
    "diagnose": ("diagnosis", "diagnose"),
    "diagnose_training": ("diagnosis", "diagnose_training"),
    "explain_neuron": ("explain", "explain_neuron"),
    "explain_weight": ("explain", "explain_weight"),
    "explain_bias": ("explain", "explain_bias"),
    "explain_activation": ("explain", "explain_activation"),
    "explain_parameter": ("explain", "explain_parameter"),
    "explain_residual": ("explain", "explain_residual"),
    "explain_through_time": ("explain", "explain_through_time"),
    "gradient_flow": ("diagnosis.flow", "gradient_flow"),
    "gradient_through_time": ("diagnosis.flow", "gradient_through_time"),
    "backprop_ledger": ("explain", "backprop_ledger"),
    "backprop_per_example": ("explain", "backprop_per_example"),
    "ModelFormatError": ("io", "ModelFormatError"),
    "load": ("io", "load"),
    "save": ("io", "save"),
}


def __getattr__(name: str) -> _typing.Any:
    """Load an optional part the first time one of its names is used (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = _importlib.import_module(f"{__name__}.{module_name}")
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later uses find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _notebook_views() -> bool:
    """In IPython or Jupyter, show networks and traces as the HTML tables of
    :mod:`glassnet.render` (loaded when the first one is shown). Returns whether it did."""
    ipython = _sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    html = shell.display_formatter.formatters["text/html"]

    def view(name: str) -> _typing.Callable[[_typing.Any], str]:
        return lambda obj: getattr(_importlib.import_module(f"{__name__}.render"), name)(obj)

    html.for_type(Network, view("network_html"))
    html.for_type(Trace, view("trace_html"))
    return True


_notebook_views()


__all__ = [
    "RNN",
    "SGD",
    "Activation",
    "Adagrad",
    "Adam",
    "AdamW",
    "AvgPool2D",
    "BatchNorm",
    "ByLayer",
    "Callback",
    "Checkpoint",
    "Conv2D",
    "CosineAnnealingLR",
    "Cost",
    "Dense",
    "ExponentialLR",
    "Flatten",
    "GradientCheck",
    "Gradients",
    "History",
    "InverseScaling",
    "Layer",
    "MaxPool2D",
    "ModelFormatError",
    "Network",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "Reshape",
    "Residual",
    "StepLR",
    "Stop",
    "Trace",
    "TrainingMonitor",
    "TrainingRun",
    "TrainingState",
    "__version__",
    "activations",
    "backprop_ledger",
    "backprop_per_example",
    "callbacks",
    "checkpoint",
    "costs",
    "datasets",
    "diagnose",
    "diagnose_training",
    "diagnosis",
    "distributed",
    "exercises",
    "explain",
    "explain_activation",
    "explain_bias",
    "explain_neuron",
    "explain_parameter",
    "explain_residual",
    "explain_through_time",
    "explain_weight",
    "gradient_check",
    "gradient_flow",
    "gradient_through_time",
    "init",
    "lab",
    "layers",
    "load",
    "load_checkpoint",
    "render",
    "save",
    "save_checkpoint",
    "scaling",
    "schedules",
]
