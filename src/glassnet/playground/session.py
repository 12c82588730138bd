"""One Playground session: a data set, a network, an optimizer and the mini-batch they are at.

Everything here is plain glassnet and NumPy; the web server (:mod:`glassnet.playground.server`)
only moves these numbers to and from the browser. A session trains exactly as
:func:`glassnet.training.fit` does, one mini-batch at a time so that the page can watch::

    for each mini-batch B (the samples are reshuffled at the start of every epoch):
        ∇C = (1/m) Σ_{i∈B} ∇C_i          (backpropagation, net.cost_and_gradients)
        optimizer.step(net, ∇C)           e.g. w ← w − η ∂C/∂w

The *current mini-batch* is the one the next step will train on, so the gradient the page
explains for a weight is exactly the one that step will use.

>>> s = Session(parse_config({"dataset": "xor", "n_samples": 40, "hidden": [3]}))
>>> s.net.sizes, s.epoch
([2, 3, 1], 0.0)
>>> s.train(4); s.steps
4
"""

from __future__ import annotations

import base64
import functools
import inspect
import json
import math
import os
import tempfile
import threading
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import datasets, io
from .._inputs import is_whole, real_number, whole_number
from ..activations import ACTIVATIONS
from ..costs import COSTS, predicted_classes
from ..network import Network
from ..optimizers import OPTIMIZERS  # the registry of optimizer names, as the lab and CLI use
from .explaining import explain, jsonable

Array = NDArray[np.floating[Any]]

__all__ = [
    "DEFAULTS",
    "LIMITS",
    "Config",
    "Selection",
    "Session",
    "jsonable",
    "options",
    "parse_config",
]

#: the 2-D toy problems the page can draw a decision boundary for, and the image task
TOY_DATASETS = ("circles", "xor", "moons", "spirals", "blobs")
IMAGE_DATASETS = ("digits",)
DATASETS = TOY_DATASETS + IMAGE_DATASETS
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
}

GRID = 32  # heatmaps are GRID × GRID cells
HISTORY_POINTS = 400  # loss curves keep at most this many points (older ones are thinned)
GALLERY = 16  # digits: how many test images the page shows with their predicted class


@dataclass
class Config:
    """A Playground setup: data, network, training. :func:`parse_config` builds a checked one."""

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

    def to_dict(self) -> dict[str, Any]:
        """The setup as JSON-ready values (the keys :func:`parse_config` takes)."""
        return asdict(self)


def _number(raw: dict[str, Any], key: str, low: float, high: float) -> float:
    value = real_number(raw[key], key, must_be=f"a number between {low:g} and {high:g}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _integer(raw: dict[str, Any], key: str, low: int, high: int) -> int:
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
    )
    return config


def options() -> dict[str, Any]:
    """What the page may choose from: names, bounds and defaults (the ``/api/options`` answer)."""
    return {
        "datasets": list(DATASETS),
        "image_datasets": list(IMAGE_DATASETS),
        "activations": list(HIDDEN_ACTIVATIONS),
        "costs": list(COSTS),
        "optimizers": list(OPTIMIZERS),
        "limits": LIMITS,
        "defaults": DEFAULTS,
        "regularisation": {name: _network_takes(name) for name in ("l2", "l1", "dropout")},
    }


def _network_takes(name: str) -> bool:
    """Whether this glassnet's ``Network.from_sizes`` has the keyword ``name`` (l2, l1, dropout)."""
    return name in inspect.signature(Network.from_sizes).parameters


@functools.lru_cache(maxsize=8)
def _digits(seed: int, test_fraction: float) -> datasets.Dataset:
    return datasets.load("digits", seed=seed, test_fraction=test_fraction, dtype="float64")


def _load(config: Config) -> datasets.Dataset:
    if config.dataset in IMAGE_DATASETS:
        return _digits(config.seed, config.test_fraction)
    return datasets.load(
        config.dataset,
        n_samples=config.n_samples,
        noise=config.noise,
        test_fraction=config.test_fraction,
        seed=config.seed,
        dtype="float64",
    )


def _rounded(arr: Any, digits: int = 6) -> Any:
    """Nested lists of floats with ``digits`` significant digits (smaller JSON)."""
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"), otypes=[float])(arr).tolist()


def _bytes(values: Array) -> str:
    """Values in [−1, 1] as base64 of one byte each (0 ↔ −1, 255 ↔ +1), for the heatmaps."""
    q = np.clip(np.rint((np.clip(values, -1.0, 1.0) + 1.0) * 127.5), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


@dataclass
class Point:
    """One point of the loss curves: where in training, and the costs on both sets."""

    epoch: float
    train_loss: float
    test_loss: float


@dataclass
class Selection:
    """What the page has opened: a weight (l, j, k), a bias (l, j) or a neuron (l, j)."""

    kind: str
    l: int
    j: int
    k: int = 0


class Session:
    """A network learning a data set, one mini-batch at a time, for one browser tab.

    Every method takes the session's lock, so the training thread and the page's requests
    never see a half-updated network.

    Args:
        config: a checked setup (see :func:`parse_config`).
    """

    def __init__(self, config: Config) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.selection: Selection | None = None
        self.build()

    # -- setting up ---------------------------------------------------------------------------

    def build(self) -> None:
        """(Re)create data, network and optimizer from :attr:`config`; training starts over."""
        with self.lock:
            c = self.config
            self.data = _load(c)
            X = self.data.X_train
            if c.batch_size > len(X):
                raise ValueError(
                    f"batch size {c.batch_size} is larger than the {len(X)} training samples; "
                    f"choose at most {len(X)}"
                )
            k = self.data.n_classes or 1  # every Playground data set is a classification
            n_out = 1 if k == 2 and c.cost != "cross_entropy" else k
            output = "softmax" if c.cost == "cross_entropy" else "sigmoid"
            extra: dict[str, float] = {}
            for name in ("l2", "l1", "dropout"):
                value = getattr(c, name)
                if value and not _network_takes(name):
                    raise ValueError(
                        f"{name} is not available in this version of glassnet; set it to 0"
                    )
                if value:
                    extra[name] = value
            if c.dropout and not c.hidden:
                raise ValueError("dropout acts on hidden layers; add a hidden layer or set it to 0")
            self.net = Network.from_sizes(
                [X.shape[1], *c.hidden, n_out],
                activation=c.activation,
                output_activation=output,
                cost=c.cost,
                seed=c.seed,
                dtype="float64",
                **extra,  # type: ignore[arg-type]
            )
            self.optimizer = OPTIMIZERS[c.optimizer](c.lr)
            self.rng = np.random.default_rng(c.seed)
            self.epochs_done = 0
            self.steps = 0
            self._order = self.rng.permutation(len(X))
            self._pos = 0
            self.history: list[Point] = []
            self.stop_reason: str | None = None
            self.selection = None
            self._record()
            if self.data.image_shape is None:
                self._grid = self._make_grid()

    def reconfigure(self, config: Config) -> None:
        """Switch to a new setup and start over; on a bad setup the old one stays."""
        with self.lock:
            old = self.config
            self.config = config
            try:
                self.build()
            except Exception:
                self.config = old
                self.build()
                raise

    def _make_grid(self) -> tuple[Array, list[float]]:
        X = np.vstack([self.data.X_train, self.data.X_test])
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (hi - lo) + 1e-3
        x0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
        x1 = np.linspace(hi[1] + pad[1], lo[1] - pad[1], GRID)  # top row first, as drawn
        g0, g1 = np.meshgrid(x0, x1)
        points = np.column_stack([g0.ravel(), g1.ravel()])
        extent = [float(x0[0]), float(x0[-1]), float(x1[-1]), float(x1[0])]
        return points, extent

    # -- training -----------------------------------------------------------------------------

    @property
    def epoch(self) -> float:
        """Epochs trained, counting the current one's finished share."""
        return self.epochs_done + self._pos / len(self.data.X_train)

    def batch_indices(self) -> NDArray[np.intp]:
        """The training rows of the current mini-batch: the one the next step trains on."""
        with self.lock:
            if self._pos >= len(self._order):
                self._order = self.rng.permutation(len(self.data.X_train))
                self._pos = 0
                self.epochs_done += 1
            return self._order[self._pos : self._pos + self.config.batch_size]

    def batch(self) -> tuple[Array, NDArray[Any]]:
        """The current mini-batch as (X, y)."""
        idx = self.batch_indices()
        return self.data.X_train[idx], self.data.y_train[idx]

    def train(self, steps: int = 1) -> None:
        """Train on the next ``steps`` mini-batches, then record the losses for the curves."""
        with self.lock:
            if self.stop_reason:
                raise ValueError(f"{self.stop_reason}; press reset to start again")
            net = self.net
            for _ in range(steps):
                idx = self.batch_indices()
                x, y = self.data.X_train[idx], self.data.y_train[idx]
                with np.errstate(over="ignore", invalid="ignore"):
                    # dropout: a fresh mask per mini-batch
                    masks = net.dropout_masks(len(idx), self.rng) if net.has_dropout else None
                    cost, _, grads = net.cost_and_gradients(x, y, masks)
                if not math.isfinite(cost):
                    self.stop_reason = (
                        f"the cost became {cost} at epoch {self.epoch:.2f}: training diverged; "
                        f"try a smaller learning rate than {self.optimizer.lr:g}"
                    )
                    break
                self.optimizer.step(net, grads)  # e.g. w ← w − η ∂C/∂w
                self._pos += len(idx)
                self.steps += 1
            self._record()

    def _losses(self) -> dict[str, float]:
        out: dict[str, float] = {}
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for split in ("train", "test"):
                scores = self.net.evaluate(
                    getattr(self.data, f"X_{split}"), getattr(self.data, f"y_{split}")
                )
                for key, value in scores.items():
                    out[f"{split}_{key}"] = float(value)
        return out

    def _record(self) -> None:
        scores = self._losses()
        self.scores = scores
        self.history.append(Point(self.epoch, scores["train_loss"], scores["test_loss"]))
        if len(self.history) > HISTORY_POINTS:  # thin the old half, keep the newest points
            self.history = (
                self.history[: HISTORY_POINTS // 2 : 2] + self.history[HISTORY_POINTS // 2 :]
            )

    # -- editing by hand ----------------------------------------------------------------------

    def _check_unit(self, kind: str, l: int, j: int, k: int = 0) -> None:
        L, sizes = self.net.L, self.net.sizes
        if kind not in ("weight", "bias", "neuron"):
            raise ValueError(f"kind must be weight, bias or neuron, got {kind!r}")
        low = 0 if kind == "neuron" else 1
        if not low <= l <= L:
            raise ValueError(f"layer l must be {low}..{L} for a {kind}, got {l}")
        if not 0 <= j < sizes[l]:
            raise ValueError(f"neuron j must be 0..{sizes[l] - 1} in layer {l}, got {j}")
        if kind == "weight" and not 0 <= k < sizes[l - 1]:
            raise ValueError(f"neuron k must be 0..{sizes[l - 1] - 1} in layer {l - 1}, got {k}")

    def set_parameter(self, kind: str, l: int, j: int, k: int, value: float) -> None:
        """Set w^(l)_jk (kind ``"weight"``) or b^(l)_j (``"bias"``) by hand."""
        with self.lock:
            if kind == "neuron":
                raise ValueError("only a weight or a bias can be edited, not a neuron")
            self._check_unit(kind, l, j, k)
            if not math.isfinite(value) or abs(value) > 1e3:
                raise ValueError(f"a weight must be a number between -1000 and 1000, got {value}")
            if kind == "weight":
                self.net.W[l][j, k] = value
            else:
                self.net.b[l][j] = value
            self.stop_reason = None
            self._record()

    # -- what the page shows ------------------------------------------------------------------

    def select(self, selection: Selection | None) -> None:
        """Open a weight, bias or neuron: its explanation then comes with every snapshot."""
        with self.lock:
            if selection is not None:
                self._check_unit(selection.kind, selection.l, selection.j, selection.k)
            self.selection = selection

    def explanation(self, full: bool = False) -> dict[str, Any] | None:
        """The chain-rule explanation of the open weight, bias or neuron, for the current batch.

        ``full`` adds the LaTeX and every factor (see :func:`.explaining.explain`).
        """
        with self.lock:
            s = self.selection
            if s is None:
                return None

            X, y = self.batch()
            return explain(self.net, X, y, s.kind, s.l, s.j, s.k, full=full)

    def dataset_message(self) -> dict[str, Any]:
        """The data once per setup: the points (2-D) or the image size, classes and splits."""
        with self.lock:
            d = self.data
            out: dict[str, Any] = {
                "type": "dataset",
                "name": d.name,
                "classes": list(d.classes or ()),
                "n_train": len(d.X_train),
                "n_test": len(d.X_test),
                "image_shape": list(d.image_shape) if d.image_shape else None,
                "config": self.config.to_dict(),
            }
            if d.image_shape is None:
                out["train"] = {"X": _rounded(d.X_train, 4), "y": d.y_train.tolist()}
                out["test"] = {"X": _rounded(d.X_test, 4), "y": d.y_test.tolist()}
                out["extent"] = self._grid[1]
                out["grid"] = GRID
            else:
                out["gallery"] = {
                    "X": _rounded(d.X_test[:GALLERY], 3),
                    "y": d.y_test[:GALLERY].tolist(),
                }
            return out

    def snapshot(self, pictures: bool = True, full: bool = False) -> dict[str, Any]:
        """Everything the page redraws after a step: losses, weights, heatmaps, explanation.

        ``pictures=False`` leaves out the heatmaps; ``full`` gives the whole explanation.
        """
        with self.lock:
            net = self.net
            out: dict[str, Any] = {
                "type": "state",
                "epoch": self.epoch,
                "steps": self.steps,
                "sizes": net.sizes,
                "activations": [layer.activation.name for layer in net.layers],
                "W": [_rounded(W) for _, W in net.W.items()],
                "b": [_rounded(b) for _, b in net.b.items()],
                "scores": self.scores,
                "history": [[p.epoch, p.train_loss, p.test_loss] for p in self.history],
                "batch": self.batch_indices().tolist(),
                "stopped": self.stop_reason,
                "config": self.config.to_dict(),
            }
            if pictures:
                out["pictures"] = self._pictures()
            out["explanation"] = self.explanation(full)
            return jsonable(out)

    def _pictures(self) -> dict[str, Any]:
        net = self.net
        if self.data.image_shape is not None:
            # digits: each first-layer neuron's incoming weights as an 8×8 picture, and the
            # gallery's predicted classes
            W1 = net.W[1]
            scale = np.abs(W1).max(axis=1, keepdims=True) + 1e-12
            neurons = {f"1,{j}": _bytes(W1[j] / scale[j]) for j in range(W1.shape[0])}
            if net.L == 1:
                neurons = {}
            guess = predicted_classes(net.forward(self.data.X_test[:GALLERY]))
            return {"neurons": neurons, "gallery_predictions": guess.tolist()}
        points, _ = self._grid
        a = points
        top = np.abs(points).max(axis=0) + 1e-12
        neurons = {f"0,{k}": _bytes(points[:, k] / top[k]) for k in range(points.shape[1])}
        with np.errstate(all="ignore"):
            for l, layer in enumerate(net.layers, start=1):
                a = layer.forward(a)  # a^(l) = σ(z^(l)) at every grid point
                if l < net.L:
                    top = np.abs(a).max(axis=0) + 1e-12  # each neuron scaled to its own range
                    for j in range(a.shape[1]):
                        neurons[f"{l},{j}"] = _bytes(a[:, j] / top[j])
                elif a.shape[1] > 1:  # one output neuron per class: its a^(L)_j from 0 to 1
                    for j in range(a.shape[1]):
                        neurons[f"{l},{j}"] = _bytes(2 * np.nan_to_num(a[:, j]) - 1)
        if a.shape[1] == 1:  # one output neuron: its value 0..1 (or beyond, clipped)
            output = {"value": _bytes(2 * np.nan_to_num(a[:, 0]) - 1)}
        else:
            p = np.nan_to_num(a)
            output = {
                "class": base64.b64encode(p.argmax(axis=1).astype(np.uint8).tobytes()).decode(),
                "confidence": _bytes(2 * p.max(axis=1) - 1),
            }
        return {"neurons": neurons, "output": output}

    # -- one sample, step by step -------------------------------------------------------------

    def _sample(self, i: int) -> tuple[Array, NDArray[Any]]:
        n = len(self.data.X_train)
        must_be = f"a training sample number 0..{n - 1}"
        i = whole_number(i, "sample", must_be=must_be, low=0, high=n - 1)
        return self.data.X_train[i : i + 1], self.data.y_train[i : i + 1]

    def walkthrough(self, i: int) -> dict[str, Any]:
        """Sample i's forward pass, backward pass and plain SGD update, layer by layer.

        The tutorial's "putting neural networks into steps": a^(0) = x; for l = 1..L:
        z^(l) = W^(l) a^(l−1) + b^(l), a^(l) = σ(z^(l)); then δ^(L) = ∂C/∂a^(L) ⊙ σ'(z^(L));
        for l = L..1: ∂C/∂W^(l) = δ^(l) a^(l−1)ᵀ, δ^(l−1) = (W^(l)ᵀ δ^(l)) ⊙ σ'(z^(l−1));
        finally w ← w − η ∂C/∂w with η the session's learning rate.
        """
        with self.lock:
            x, y = self._sample(i)
            t = self.net.trace(x, y)
            lr = self.config.lr
            L = self.net.L
            return jsonable(
                {
                    "type": "walkthrough",
                    "sample": i,
                    "x": x[0],
                    "y": t.y[0],
                    "label": int(y[0]) if self.data.classes else None,
                    "lr": lr,
                    "a": [t.a[l][0] for l in range(L + 1)],
                    "z": [None] + [t.z[l][0] for l in range(1, L + 1)],
                    "delta": [None] + [t.delta[l][0] for l in range(1, L + 1)],
                    "dC_da": t.dC_da[L][0],
                    "cost": t.cost,
                    "dW": [None] + [_rounded(t.dW[l]) for l in range(1, L + 1)],
                    "db": [None] + [t.db[l] for l in range(1, L + 1)],
                    "W": [None] + [_rounded(self.net.W[l]) for l in range(1, L + 1)],
                    "b": [None] + [self.net.b[l] for l in range(1, L + 1)],
                    "W_new": [None]
                    + [_rounded(self.net.W[l] - lr * t.dW[l]) for l in range(1, L + 1)],
                    "b_new": [None] + [self.net.b[l] - lr * t.db[l] for l in range(1, L + 1)],
                }
            )

    def apply_walkthrough(self, i: int) -> None:
        """Take the walkthrough's step: w ← w − η ∂C_i/∂w on sample i alone (plain SGD)."""
        with self.lock:
            x, y = self._sample(i)
            g = self.net.gradients(x, y)
            for l in range(1, self.net.L + 1):
                self.net.W[l] = self.net.W[l] - self.config.lr * g.W[l]
                self.net.b[l] = self.net.b[l] - self.config.lr * g.b[l]
            self.steps += 1
            self._record()

    # -- the model file -----------------------------------------------------------------------

    def model_bytes(self) -> bytes:
        """The trained network in glassnet's model format (``gn.load`` reads it back)."""
        with self.lock:
            meta = {
                "dataset": self.data.name,
                "playground": json.dumps(self.config.to_dict()),
                "epochs": f"{self.epoch:.3f}",
            }
            folder = tempfile.mkdtemp(prefix="glassnet-playground-")
            path = os.path.join(folder, "model.safetensors")
            try:
                io.save(self.net, path, metadata=meta)
                with open(path, "rb") as f:
                    return f.read()
            finally:
                if os.path.exists(path):
                    os.remove(path)
                os.rmdir(folder)
