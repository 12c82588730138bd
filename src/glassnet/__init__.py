"""glassnet: the feedforward neural network of "Towards *really* understanding neural networks",
built so that every number in it can be printed, checked and explained.

>>> import numpy as np, glassnet as gn
>>> net = gn.Network.from_sizes([2, 3, 1], activation="sigmoid", cost="quadratic", seed=0)
>>> t = net.trace(np.array([[0.0, 1.0]]), np.array([[1.0]]))
>>> [t.a[l].shape for l in range(net.L + 1)]
[(1, 2), (1, 3), (1, 1)]

The notation (layers 0..L, ``net.W[l][j, k]`` to j from k, rows as samples) is declared once,
in :mod:`glassnet.network` and ``docs/notation.md``.
"""

from importlib import metadata as _metadata

from . import (
    activations,
    callbacks,
    checkpoint,
    costs,
    datasets,
    diagnosis,
    exercises,
    explain,
    init,
    lab,
    scaling,
    schedules,
)
from .activations import Activation
from .callbacks import Callback, TrainingRun
from .checkpoint import TrainingState, load_checkpoint, save_checkpoint
from .costs import Cost
from .diagnosis import TrainingMonitor, diagnose, diagnose_training
from .gradcheck import GradientCheck, gradient_check
from .io import ModelFormatError, load, save
from .layers import Dense
from .network import ByLayer, Gradients, Network, Trace
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    InverseScaling,
    ReduceLROnPlateau,
    StepLR,
)
from .training import History

try:
    __version__ = _metadata.version("glassnet")
except _metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "SGD",
    "Activation",
    "Adagrad",
    "Adam",
    "AdamW",
    "ByLayer",
    "Callback",
    "CosineAnnealingLR",
    "Cost",
    "Dense",
    "ExponentialLR",
    "GradientCheck",
    "Gradients",
    "History",
    "InverseScaling",
    "ModelFormatError",
    "Network",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "StepLR",
    "Trace",
    "TrainingMonitor",
    "TrainingRun",
    "TrainingState",
    "__version__",
    "activations",
    "callbacks",
    "checkpoint",
    "costs",
    "datasets",
    "diagnose",
    "diagnose_training",
    "diagnosis",
    "exercises",
    "explain",
    "gradient_check",
    "init",
    "lab",
    "load",
    "load_checkpoint",
    "save",
    "save_checkpoint",
    "scaling",
    "schedules",
]
