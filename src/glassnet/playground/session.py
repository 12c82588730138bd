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
import dataclasses
import functools
import json
import math
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import datasets, io
from .._inputs import whole_number
from ..activations import get as activation
from ..costs import predicted_classes
from ..network import Network
from ..optimizers import OPTIMIZERS
from .explaining import explain, jsonable
from .features import FEATURES, make_inputs, usable
from .setup import (
    DEFAULTS,
    IMAGE_DATASETS,
    LIMITS,
    UPLOAD,
    Config,
    network_takes,
    options,
    parse_config,
)
from .upload import Table, split

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

GRID = 32  # heatmaps are GRID × GRID cells
HISTORY_POINTS = 400  # loss curves keep at most this many points (older ones are thinned)
GALLERY = 16  # digits: how many test images the page shows with their predicted class


def _draw(seed: int, draw: int) -> int:
    """The seed of the ``draw``-th fresh sample from ``seed`` (draw 0 is the seed itself)."""
    return seed if draw == 0 else int(np.random.SeedSequence([seed, draw]).generate_state(1)[0])


@functools.lru_cache(maxsize=8)
def _digits(seed: int, test_fraction: float) -> datasets.Dataset:
    return datasets.load("digits", seed=seed, test_fraction=test_fraction, dtype="float64")


def _load(config: Config, seed: int, table: Table | None) -> datasets.Dataset:
    if config.dataset in IMAGE_DATASETS:
        return _digits(seed, config.test_fraction)
    if config.dataset == UPLOAD:
        if table is None:
            raise ValueError("no CSV file loaded in this tab: choose one with 'load a CSV' first")
        return split(table, config.test_fraction, seed)
    return datasets.load(
        config.dataset,
        n_samples=config.n_samples,
        noise=config.noise,
        test_fraction=config.test_fraction,
        seed=seed,
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

    Example:
        >>> s = Session(parse_config({"dataset": "xor", "n_samples": 40, "hidden": [3], "seed": 1}))
        >>> X, y = s.batch()  # the mini-batch the next step trains on
        >>> before = s.net.cost(X, y)
        >>> s.train(1)  # one step of Adam on that mini-batch
        >>> s.steps, X.shape, bool(s.net.cost(X, y) < before)
        (1, (10, 2), True)
        >>> s.scores["train_loss"] == s.net.cost(s.data.X_train, s.data.y_train)  # the whole set
        True
    """

    def __init__(self, config: Config) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.selection: Selection | None = None
        self.table: Table | None = None  # an uploaded CSV file, parsed
        self.weight_draw = self.data_draw = 0  # "new weights" / "new data" presses
        self.build()

    # -- setting up ---------------------------------------------------------------------------

    def build(self) -> None:
        """(Re)create data, network and optimizer from :attr:`config`; training starts over.

        The data and the first weights come from the setup's seed, or from a fresh draw after
        :meth:`new_data` / :meth:`new_weights`.
        """
        with self.lock:
            c = self.config
            raw = _load(c, _draw(c.seed, self.data_draw), self.table)
            n_coords = raw.X_train.shape[1]
            self.features = [] if raw.image_shape else usable(c.features, n_coords)
            self.points = raw  # the data as drawn: coordinates (x₁, x₂) or pixels
            self.data = dataclasses.replace(
                raw,
                X_train=make_inputs(raw.X_train, self.features),
                X_test=make_inputs(raw.X_test, self.features),
            )
            X = self.data.X_train
            if c.batch_size > len(X):
                raise ValueError(
                    f"batch size {c.batch_size} is larger than the {len(X)} training samples; "
                    f"choose at most {len(X)}"
                )
            k = self.data.n_classes
            if k is None:  # regression: one output neuron, a^(L) = z^(L) (identity)
                if c.cost not in ("quadratic", "mse", "elementwise_mse"):
                    raise ValueError(
                        f"{raw.name} is a regression problem (a number per point): choose the "
                        f"cost quadratic or mse, not {c.cost}"
                    )
                n_out, output = 1, "identity"
            else:
                n_out = 1 if k == 2 and c.cost != "cross_entropy" else k
                output = "softmax" if c.cost == "cross_entropy" else "sigmoid"
            extra: dict[str, float] = {}
            for name in ("l2", "l1", "dropout"):
                value = getattr(c, name)
                if value and not network_takes(name):
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
                seed=_draw(c.seed, self.weight_draw),
                dtype="float64",
                **extra,  # type: ignore[arg-type]
            )
            for layer, name in zip(self.net.layers, c.activations, strict=False):
                layer.activation = activation(name)  # per-layer σ (the hidden layers)
            self.optimizer = OPTIMIZERS[c.optimizer](c.lr)
            self.rng = np.random.default_rng(c.seed)
            self.epochs_done = 0
            self.steps = 0
            self._order = self.rng.permutation(len(X))
            self._pos = 0
            self._masks: tuple[tuple[int, int], Any] | None = None
            self.history: list[Point] = []
            self.stop_reason: str | None = None
            self.selection = None
            self._record()
            self._grid = self._make_grid() if n_coords <= 2 and not raw.image_shape else None

    def new_weights(self) -> None:
        """Fresh random weights (a new draw), the same data; training starts over."""
        with self.lock:
            self.weight_draw += 1
            self.build()

    def new_data(self) -> None:
        """A fresh sample of the data set (a new draw), the same first weights; training starts
        over. An uploaded CSV is split into training and test rows anew."""
        with self.lock:
            self.data_draw += 1
            self.build()

    def load_table(self, table: Table) -> None:
        """Train on an uploaded CSV table (kept in memory, in this session only)."""
        with self.lock:
            old = self.table
            self.table = table
            try:
                self.reconfigure(dataclasses.replace(self.config, dataset=UPLOAD))
            except Exception:
                self.table = old
                raise

    def reconfigure(self, config: Config) -> None:
        """Switch to a new setup and start over; on a bad setup the old one stays."""
        with self.lock:
            old, draws = self.config, (self.weight_draw, self.data_draw)
            self.config = config
            self.weight_draw = self.data_draw = 0  # a setup's weights and data follow its seed
            try:
                self.build()
            except Exception:
                self.config = old
                self.weight_draw, self.data_draw = draws
                self.build()
                raise

    def _make_grid(self) -> tuple[Array, list[float]]:
        """The points the heatmaps are drawn at, top row first, and the plane's extent. A 1-D
        problem is drawn as x₁ across and its target up (the inputs use x₁ only)."""
        p = self.points
        X = np.vstack([p.X_train, p.X_test])
        if X.shape[1] == 1:
            X = np.column_stack([X[:, 0], np.concatenate([p.y_train, p.y_test])])
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

    def batch_masks(self) -> list[Any] | None:
        """Dropout's masks for the current mini-batch (None without dropout): drawn once per
        mini-batch, so the explanation and the next step use the same neurons switched off."""
        with self.lock:
            if not self.net.has_dropout:
                return None
            idx = self.batch_indices()
            key = (self.epochs_done, self._pos)
            if self._masks is None or self._masks[0] != key:
                self._masks = (key, self.net.dropout_masks(len(idx), self.rng))
            return list(self._masks[1])

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
                masks = self.batch_masks()  # dropout: the mask drawn for this mini-batch
                with np.errstate(over="ignore", invalid="ignore"):
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
            out = explain(self.net, X, y, s.kind, s.l, s.j, s.k, full=full, latex=True)
            out["batch"] = self.batch_indices().tolist()  # which training rows, to redo it
            masks = self.batch_masks()
            if masks is not None and s.kind != "neuron":
                # the step uses this mini-batch's dropout mask: so does the number shown
                g = self.net.gradients(X, y, masks=masks)
                value = g.W[s.l][s.j, s.k] if s.kind == "weight" else g.b[s.l][s.j]
                out["without_dropout"] = out["value"]
                out["value"] = float(value)
                out["text"] = (
                    f"With dropout p = {self.config.dropout:g}, on the mask the next Step uses "
                    f"(the hidden neurons it switches off for each of these samples), the "
                    f"gradient is {float(value):.6g}: that is the number shown, and the step "
                    f"applies it. The chain rule below is the whole network's, without a mask "
                    f"({out['without_dropout']:.6g}).\n\n" + out["text"]
                )
            return out

    def dataset_message(self) -> dict[str, Any]:
        """The data once per setup: the points (2-D) or the image size, classes and splits."""
        with self.lock:
            d, p = self.data, self.points
            regression = d.classes is None
            y_all = np.concatenate([d.y_train, d.y_test]) if regression else np.zeros(1)
            if self.features:
                inputs = [FEATURES[name].label for name in self.features]
            else:
                inputs = [
                    f"x{chr(0x2080 + i + 1) if i < 9 else i + 1}" for i in range(d.n_features)
                ]
            out: dict[str, Any] = {
                "type": "dataset",
                "name": d.name,
                "regression": regression,
                "target_range": [float(y_all.min()), float(y_all.max())],
                "inputs": inputs,
                "features": self.features,
                "coordinates": p.X_train.shape[1] if not p.image_shape else None,
                "classes": list(d.classes or ()),
                "n_train": len(d.X_train),
                "n_test": len(d.X_test),
                "image_shape": list(d.image_shape) if d.image_shape else None,
                "config": self.config.to_dict(),
            }
            if self._grid is not None:  # points to draw: (x₁, x₂), or (x₁, target) for 1-D
                for split in ("train", "test"):
                    X, y = getattr(p, f"X_{split}"), getattr(p, f"y_{split}")
                    X = X if X.shape[1] == 2 else np.column_stack([X[:, 0], y])
                    out[split] = {"X": _rounded(X, 4), "y": _rounded(y, 4)}
                out["extent"] = self._grid[1]
                out["grid"] = GRID
            elif d.image_shape is None:
                out["gallery"] = None  # more than two input columns: no picture
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
        if self._grid is None:  # more than two input columns: nothing to draw on a plane
            return {"neurons": {}}
        points = self._grid[0][:, : self.points.X_train.shape[1]]
        a = make_inputs(points, self.features)  # a^(0): the chosen features at every point
        top = np.abs(a).max(axis=0) + 1e-12
        neurons = {f"0,{k}": _bytes(a[:, k] / top[k]) for k in range(a.shape[1])}
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
        output: dict[str, Any]
        if self.data.classes is None:  # regression: the output over the targets' range
            lo, hi = float(self.data.y_train.min()), float(self.data.y_train.max())
            mid, half = (lo + hi) / 2, (hi - lo) / 2 + 1e-12
            output = {"value": _bytes((np.nan_to_num(a[:, 0]) - mid) / half)}
            if self.points.X_train.shape[1] == 1:  # 1-D: the curve ŷ(x₁) along the top row
                output["curve"] = _rounded(np.nan_to_num(a[:GRID, 0]), 5)
        elif a.shape[1] == 1:  # one output neuron: its value 0..1 (or beyond, clipped)
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
