"""A Playground setup: the settings the page may choose, their bounds, and the check of them.

:func:`parse_config` turns what the page (or the address bar) sends into a checked
:class:`Config`, or raises ValueError naming the first bad field, what it must be and what it got.

>>> parse_config({"dataset": "plane", "features": ["x1", "x1x2"]}).features
['x1', 'x1x2']
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .._inputs import is_whole, real_number, whole_number
from ..activations import ACTIVATIONS
from ..costs import COSTS
from ..network import Network
from ..optimizers import OPTIMIZERS  # the registry of optimizer names, as the lab and CLI use
from .features import FEATURES
from .upload import LIMITS as UPLOAD_LIMITS

__all__ = [
    "DATASETS",
    "DEFAULTS",
    "IMAGE_DATASETS",
    "LIMITS",
    "REGRESSION_DATASETS",
    "TOY_DATASETS",
    "UPLOAD",
    "Config",
    "network_takes",
    "options",
    "parse_config",
]

#: the 2-D toy problems the page can draw a decision boundary for, the regression problems
#: (a target number per point: ``sine`` has one input, ``plane`` and ``bumps`` two), the image
#: task, and the CSV file a user uploads (kept in the tab's session only)
TOY_DATASETS = ("circles", "xor", "moons", "spirals", "blobs")
REGRESSION_DATASETS = ("sine", "plane", "bumps")
IMAGE_DATASETS = ("digits",)
UPLOAD = "upload"
DATASETS = TOY_DATASETS + REGRESSION_DATASETS + IMAGE_DATASETS + (UPLOAD,)
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

#: the bounds every request is held to, so that no page can ask for an absurd amount of work
LIMITS: dict[str, Any] = {
    "hidden_layers": 6,  # so at most 8 layers with input and output
    "neurons_2d": 16,  # per hidden layer, for the 2-D sets
    "neurons_image": 32,  # per hidden layer, for digits
    "n_samples": (20, 2000),
    "noise": (0.0, 1.0),
    "test_fraction": (0.1, 0.9),
    "lr": (1e-5, 10.0),
    "l2": (0.0, 1.0),
    "l1": (0.0, 1.0),
    "dropout": (0.0, 0.9),
    "seed": (0, 2**31 - 1),
    "steps": (1, 100),  # mini-batches per "step" request, and per snapshot while playing
}

#: the page's starting point: TensorFlow Playground's circle, with tanh and Adam
DEFAULTS: dict[str, Any] = {
    "dataset": "circles",
    "n_samples": 300,
    "noise": 0.05,
    "test_fraction": 0.3,
    "hidden": [4, 4],
    "activation": "tanh",
    "cost": "quadratic",
    "optimizer": "adam",
    "lr": 0.03,
    "batch_size": 10,
    "l2": 0.0,
    "l1": 0.0,
    "dropout": 0.0,
    "seed": 0,
    "features": ["x1", "x2"],  # the inputs made from a point (x₁, x₂); see features.py
    "layer_activations": [],  # σ of each hidden layer; [] means all take "activation"
}


@dataclass
class Config:
    """A Playground setup: data, network, training. :func:`parse_config` builds a checked one.

    Example:
        >>> c = parse_config({})  # every setting at its default (DEFAULTS)
        >>> c.dataset, c.hidden, c.activations, c.optimizer
        ('circles', [4, 4], ['tanh', 'tanh'], 'adam')
        >>> c = parse_config({"hidden": [3, 2], "layer_activations": ["relu", "tanh"]})
        >>> c.activations, parse_config(c.to_dict()) == c  # to_dict gives back what it takes
        (['relu', 'tanh'], True)
    """

    dataset: str
    n_samples: int
    noise: float
    test_fraction: float
    hidden: list[int]
    activation: str
    cost: str
    optimizer: str
    lr: float
    batch_size: int
    l2: float
    l1: float
    dropout: float
    seed: int
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    layer_activations: list[str] = field(default_factory=list)

    @property
    def activations(self) -> list[str]:
        """σ of each hidden layer."""
        return self.layer_activations or [self.activation] * len(self.hidden)

    def to_dict(self) -> dict[str, Any]:
        """The setup as JSON-ready values (the keys :func:`parse_config` takes)."""
        return asdict(self)


def _present(raw: dict[str, Any], key: str, what: str) -> None:
    """An emptied field arrives as None, "" or NaN: say so, rather than "got None"."""
    value = raw[key]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{key} is empty: type {what}")
    if (isinstance(value, float) and math.isnan(value)) or str(value).strip().lower() == "nan":
        raise ValueError(f"{key} must be {what}, got NaN (not a number)")


def _number(raw: dict[str, Any], key: str, low: float, high: float) -> float:
    _present(raw, key, f"a number between {low:g} and {high:g}")
    value = real_number(raw[key], key, must_be=f"a number between {low:g} and {high:g}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _integer(raw: dict[str, Any], key: str, low: int, high: int) -> int:
    _present(raw, key, f"a whole number between {low} and {high}")
    value = raw[key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = whole_number(value, key, must_be=f"a whole number between {low} and {high}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be between {low} and {high}, got {value}")
    return value


def _choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = raw[key]
    if value not in allowed:
        raise ValueError(f"unknown {key} {value!r}; choose one of: {', '.join(allowed)}")
    return str(value)


def parse_config(raw: Any) -> Config:
    """Check a setup sent by the page; missing keys take :data:`DEFAULTS`.

    Raises ValueError naming the first bad field, what it must be, and what it got.

    >>> parse_config({"dataset": "moons", "hidden": [8]}).hidden
    [8]
    >>> try:
    ...     parse_config({"hidden": [99]})
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    hidden layer 1 has 99 neurons
    """
    if not isinstance(raw, dict):
        raise ValueError(f"the setup must be a JSON object of settings, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; the settings are: {', '.join(DEFAULTS)}")
    raw = {**DEFAULTS, **raw}
    dataset = _choice(raw, "dataset", DATASETS)
    hidden = raw["hidden"]
    if not isinstance(hidden, list) or len(hidden) > LIMITS["hidden_layers"]:
        raise ValueError(
            f"hidden must be a list of at most {LIMITS['hidden_layers']} layer sizes, "
            f"such as [4, 4]; got {hidden!r}"
        )
    most = LIMITS["neurons_image" if dataset in IMAGE_DATASETS else "neurons_2d"]
    for i, n in enumerate(hidden, start=1):
        if not is_whole(n) or not 1 <= n <= most:
            raise ValueError(
                f"hidden layer {i} has {n!r} neurons; the Playground allows 1 to {most} per "
                f"hidden layer for {dataset}"
            )
    config = Config(
        dataset=dataset,
        n_samples=_integer(raw, "n_samples", *LIMITS["n_samples"]),
        noise=_number(raw, "noise", *LIMITS["noise"]),
        test_fraction=_number(raw, "test_fraction", *LIMITS["test_fraction"]),
        hidden=[int(n) for n in hidden],
        activation=_choice(raw, "activation", HIDDEN_ACTIVATIONS),
        cost=_choice(raw, "cost", tuple(COSTS)),
        optimizer=_choice(raw, "optimizer", tuple(OPTIMIZERS)),
        lr=_number(raw, "lr", *LIMITS["lr"]),
        batch_size=_integer(raw, "batch_size", 1, LIMITS["n_samples"][1]),
        l2=_number(raw, "l2", *LIMITS["l2"]),
        l1=_number(raw, "l1", *LIMITS["l1"]),
        dropout=_number(raw, "dropout", *LIMITS["dropout"]),
        seed=_integer(raw, "seed", *LIMITS["seed"]),
        features=_names(raw, "features", tuple(FEATURES), 'such as ["x1", "x2"]'),
        layer_activations=_names(raw, "layer_activations", HIDDEN_ACTIVATIONS, "one per layer"),
    )
    if not config.features:
        raise ValueError('features is empty: tick at least one input feature, such as "x1"')
    if len(set(config.features)) < len(config.features):
        raise ValueError(f"features names a feature twice: {config.features}")
    if config.layer_activations and len(config.layer_activations) != len(hidden):
        raise ValueError(
            f"layer_activations names {len(config.layer_activations)} activations for "
            f"{len(hidden)} hidden layers; give one per hidden layer, or [] for all the same"
        )
    return config


def _names(raw: dict[str, Any], key: str, allowed: tuple[str, ...], example: str) -> list[str]:
    """A list of distinct names, each from ``allowed``."""
    value = raw[key]
    if not isinstance(value, list) or len(value) > 2 * len(allowed):
        raise ValueError(f"{key} must be a list of names ({example}), got {value!r}")
    for name in value:
        if name not in allowed:
            raise ValueError(f"unknown name {name!r} in {key}; choose from: {', '.join(allowed)}")
    return [str(name) for name in value]


def options() -> dict[str, Any]:
    """What the page may choose from: names, bounds and defaults (the ``/api/options`` answer)."""
    return {
        "datasets": list(DATASETS),
        "image_datasets": list(IMAGE_DATASETS),
        "regression_datasets": list(REGRESSION_DATASETS),
        "features": {name: f.label for name, f in FEATURES.items()},
        "upload": UPLOAD_LIMITS,
        "activations": list(HIDDEN_ACTIVATIONS),
        "costs": list(COSTS),
        "optimizers": list(OPTIMIZERS),
        "limits": LIMITS,
        "defaults": DEFAULTS,
        "regularisation": {name: network_takes(name) for name in ("l2", "l1", "dropout")},
    }


def network_takes(name: str) -> bool:
    """Whether this glassnet's ``Network.from_sizes`` has the keyword ``name`` (l2, l1, dropout)."""
    return name in inspect.signature(Network.from_sizes).parameters
