"""A real network's loss landscape: the cost along 1-D and 2-D slices through its weights.

A network has thousands of weights, so its cost C(w) cannot be drawn; a slice can. Put all
weights and biases in one vector w (``net.parameter_vector()``, the order of ∇C), pick one or
two directions d, d' of the same length, and look at::

    C(w + α d)              (1-D slice)        C(w + α d + β d')        (2-D slice)

for α, β on a grid. Which directions?

* **random, normalised per layer** (:func:`random_direction`): a Gaussian direction whose block
  for each layer is rescaled to the size of that layer's weights, ‖d^(l)‖ = ‖W^(l)‖ (or, with
  ``normalize="filter"``, each neuron's row d^(l)_j to ‖W^(l)_j‖). Without this, α = 1 would be
  a large change for a layer of small weights and a small one for a layer of large weights,
  and slices of different networks could not be compared.
* **the directions training took** (:func:`trajectory_directions`): from start to end, or the
  two directions along which the recorded weights varied most (principal components).

Every slice is computed on a copy; the network you pass is never changed.

Example:
    >>> import numpy as np, glassnet as gn
    >>> from glassnet import lab
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
    >>> net = gn.Network.from_sizes([2, 3, 1], seed=0, dtype="float64")
    >>> d = lab.random_direction(net, seed=0)
    >>> s = lab.slice_1d(net, X, y, d, alphas=np.linspace(-1, 1, 5))
    >>> s.costs.shape, s.costs[2] == net.cost(X, y)
    ((5,), np.True_)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._inputs import as_rng
from ..callbacks import Callback
from ..network import Network
from ..optimizers import Optimizer

if TYPE_CHECKING:
    from ..callbacks import TrainingRun
    from ..training import History

Array = NDArray[np.floating[Any]]

__all__ = [
    "Slice",
    "TrainingPath",
    "project",
    "random_direction",
    "slice_1d",
    "slice_2d",
    "train_and_record",
    "trajectory_directions",
]


def _check_network(net: Any) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"net must be a glassnet Network, got {type(net).__name__}")
    return net


def _check_direction(net: Network, d: Any, name: str = "direction") -> Array:
    v = np.asarray(d, dtype=np.float64)
    if v.shape != (net.n_params,):
        raise ValueError(
            f"{name} must be a flat vector of n_params = {net.n_params} numbers, like "
            f"net.parameter_vector(); got shape {v.shape}"
        )
    if not np.isfinite(v).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return v


def random_direction(
    net: Network,
    seed: int | np.random.Generator | None = None,
    normalize: str = "layer",
) -> Array:
    """A random direction in weight space, scaled layer by layer to the network's weights.

    Each entry is drawn from N(0, 1); then, for every layer l, the block belonging to W^(l) is
    rescaled so that ‖d_W^(l)‖ = ‖W^(l)‖ and the block of b^(l) so that ‖d_b^(l)‖ = ‖b^(l)‖
    (zero biases get a zero direction). With ``normalize="filter"`` every row j of W^(l) (the
    weights into neuron j) is rescaled to ‖W^(l)_j‖ instead.

    Returns:
        a float64 vector in the order of ``net.parameter_vector()``.

    >>> import glassnet as gn
    >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
    >>> d = random_direction(net, seed=1)
    >>> parts = net.unflatten(d)
    >>> bool(np.isclose(np.linalg.norm(parts.W[1]), np.linalg.norm(net.W[1])))
    True
    """
    net = _check_network(net)
    if normalize not in ("layer", "filter"):
        raise ValueError(f"normalize must be 'layer' or 'filter', got {normalize!r}")
    rng = as_rng(seed)
    d = rng.standard_normal(net.n_params)
    parts = net.unflatten(d)
    for l in range(1, net.L + 1):
        W, dW = net.W[l].astype(np.float64), parts.W[l]  # views into d
        if normalize == "layer":
            dW *= np.linalg.norm(W) / max(float(np.linalg.norm(dW)), 1e-300)  # ‖d_W‖ = ‖W^(l)‖
        else:
            rows = np.linalg.norm(dW, axis=1, keepdims=True)
            dW *= np.linalg.norm(W, axis=1, keepdims=True) / np.maximum(rows, 1e-300)
        b, db = net.b[l].astype(np.float64), parts.b[l]
        db *= np.linalg.norm(b) / max(float(np.linalg.norm(db)), 1e-300)  # ‖d_b‖ = ‖b^(l)‖
    return d


def trajectory_directions(weights: ArrayLike, k: int = 2) -> tuple[Array, Array]:
    """The k directions along which recorded weights varied most, and how much of it each holds.

    ``weights`` has one weight vector per row, as :class:`TrainingPath` records them. The rows
    are centred on the last one (where training ended) and split by SVD; the right singular
    vectors are the principal directions (unit length, orthogonal).

    Returns:
        (directions of shape (k, n), fraction of the variation each one explains, shape (k,)).

    >>> w = np.array([[0.0, 0.0, 0.0], [1.0, 0.1, 0.0], [2.0, 0.0, 0.0]])
    >>> d, explained = trajectory_directions(w, k=1)
    >>> np.round(np.abs(d), 1), bool(explained[0] > 0.99)
    (array([[1., 0., 0.]]), True)
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] < 2:
        raise ValueError(
            f"weights must hold at least two recorded weight vectors as rows, got shape {W.shape}"
        )
    if not 1 <= k <= min(W.shape):
        raise ValueError(f"k must be between 1 and {min(W.shape)}, got {k}")
    centred = W - W[-1]
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(s**2))
    explained = s[:k] ** 2 / total if total > 0 else np.zeros(k)
    directions = vt[:k].copy()
    for i in range(k):  # a sign convention: the start lies at positive coordinates
        if float(centred[0] @ directions[i]) < 0:
            directions[i] *= -1
    return directions, explained


def project(weights: ArrayLike, center: ArrayLike, directions: Sequence[ArrayLike]) -> Array:
    """The coordinates (α, β, …) of each weight vector in the plane through ``center`` spanned by
    ``directions`` (least squares, so the directions need not be orthogonal), shape (k, len)."""
    W = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    D = np.stack([np.asarray(d, dtype=np.float64) for d in directions], axis=1)
    coords, *_ = np.linalg.lstsq(D, (W - np.asarray(center, dtype=np.float64)).T, rcond=None)
    return np.asarray(coords.T)


@dataclass
class Slice:
    """The cost on a 1-D or 2-D slice through weight space.

    Attributes:
        center: w, the weights the slice goes through (α = β = 0), float64.
        directions: (d,) or (d, d').
        alphas, betas: the grid; ``betas`` is None for a 1-D slice.
        costs: C(w + α d) of shape (len(alphas),), or C(w + α d + β d') of shape
            (len(betas), len(alphas)) (rows follow β, as ``contour`` wants).
        path: the coordinates of recorded weights projected onto the directions, shape
            (k, 1 or 2), or None.
        path_costs: the real cost at each recorded weight vector (off the slice where the path
            leaves it), or None.
        label: what the slice shows, for titles.

    Example:
        The cost on the straight line from the start of a training run to its end:

        >>> import numpy as np, glassnet as gn
        >>> from glassnet.lab import slice_1d, train_and_record
        >>> X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> path = train_and_record(net, X, y, lr=3.0, epochs=5, batch_size=2)
        >>> d = path.weights[-1] - path.weights[0]
        >>> s = slice_1d(path.before, X, y, d, np.linspace(0, 1, 11), label="start → end")
        >>> s, s.dim
        (Slice(start → end, grid 11, cost 0.1261..0.1303), 1)
        >>> bool(np.isclose(s.costs[0], net.cost(X, y)))  # α = 0: the weights it started from
        True
    """

    center: Array
    directions: tuple[Array, ...]
    alphas: Array
    betas: Array | None
    costs: Array
    path: Array | None = None
    path_costs: Array | None = None
    label: str = ""

    @property
    def dim(self) -> int:
        return 1 if self.betas is None else 2

    def __repr__(self) -> str:
        grid = f"{len(self.alphas)}" + ("" if self.betas is None else f"×{len(self.betas)}")
        return (
            f"Slice({self.label or f'{self.dim}-D'}, grid {grid}, cost "
            f"{np.nanmin(self.costs):.4g}..{np.nanmax(self.costs):.4g})"
        )


def _grid(values: ArrayLike | None, default: tuple[float, float, int], name: str) -> Array:
    g = np.linspace(*default) if values is None else np.asarray(values, dtype=np.float64)
    if g.ndim != 1 or g.size < 2 or not np.isfinite(g).all():
        raise ValueError(
            f"{name} must be at least two finite numbers, such as np.linspace(-1, 1, 21)"
        )
    return g


def _costs_at(net: Network, X: Any, Y: Any, vectors: Array) -> Array:
    """C at each row of ``vectors`` (NaN where the weights are not finite), on a copy of net."""
    probe = net.copy()
    out = np.empty(len(vectors))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, v in enumerate(vectors):
            if not np.isfinite(v).all():
                out[i] = np.nan
                continue
            probe.set_parameter_vector(v)
            out[i] = probe.cost(X, Y)
    return out


def _path(
    net: Network, X: Any, Y: Any, path: ArrayLike | None, center: Array, dirs: Sequence[Array]
) -> tuple[Array | None, Array | None]:
    if path is None:
        return None, None
    W = np.atleast_2d(np.asarray(path, dtype=np.float64))
    if W.shape[1] != net.n_params:
        raise ValueError(
            f"path must hold weight vectors of n_params = {net.n_params} numbers as rows, got "
            f"shape {W.shape}"
        )
    return project(W, center, dirs), _costs_at(net, X, Y, W)


def slice_1d(
    net: Network,
    X: Any,
    Y: Any,
    direction: ArrayLike,
    alphas: ArrayLike | None = None,
    *,
    path: ArrayLike | None = None,
    label: str = "",
) -> Slice:
    """C(w + α d) for each α (default 41 values from −1 to 1), w = the network's weights.

    ``path`` (recorded weight vectors, one per row) adds each one's α, the projection onto d, and
    its real cost, so that the steps can be marked on the slice.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.lab import slice_1d, train_and_record
        >>> X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> path = train_and_record(net, X, y, lr=3.0, epochs=5, batch_size=2)
        >>> d = path.weights[-1] - path.weights[0]
        >>> s = slice_1d(path.before, X, y, d, np.linspace(0, 1, 11), path=path.weights)
        >>> s.costs[[0, -1]].round(4), bool(np.all(np.diff(s.costs) < 0))  # downhill all the way
        (array([0.1303, 0.1261]), True)
        >>> s.path[:, 0].round(1)  # each recorded step's α: the run did not go straight
        array([0. , 0.3, 0.5, 0.5, 0.7, 0.7, 0.9, 1. , 0.9, 1. , 1. ])
    """
    net = _check_network(net)
    d = _check_direction(net, direction)
    a = _grid(alphas, (-1.0, 1.0, 41), "alphas")
    w = net.parameter_vector().astype(np.float64)
    costs = _costs_at(net, X, Y, w + a[:, None] * d)
    coords, path_costs = _path(net, X, Y, path, w, [d])
    return Slice(w, (d,), a, None, costs, coords, path_costs, label)


def slice_2d(
    net: Network,
    X: Any,
    Y: Any,
    d1: ArrayLike,
    d2: ArrayLike,
    alphas: ArrayLike | None = None,
    betas: ArrayLike | None = None,
    *,
    path: ArrayLike | None = None,
    label: str = "",
) -> Slice:
    """C(w + α d1 + β d2) on a grid (default 21 × 21 from −1 to 1); see :func:`slice_1d`.

    >>> import glassnet as gn
    >>> net = gn.Network.from_sizes([2, 2, 1], seed=0)
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1, 0])
    >>> s = slice_2d(net, X, y, random_direction(net, 1), random_direction(net, 2),
    ...              alphas=np.linspace(-1, 1, 3), betas=np.linspace(-1, 1, 5))
    >>> s.costs.shape
    (5, 3)
    """
    net = _check_network(net)
    u, v = _check_direction(net, d1, "d1"), _check_direction(net, d2, "d2")
    a = _grid(alphas, (-1.0, 1.0, 21), "alphas")
    b = _grid(betas, (-1.0, 1.0, 21), "betas")
    w = net.parameter_vector().astype(np.float64)
    grid = w + b[:, None, None] * v + a[None, :, None] * u  # (β, α, n)
    costs = _costs_at(net, X, Y, grid.reshape(-1, net.n_params)).reshape(len(b), len(a))
    coords, path_costs = _path(net, X, Y, path, w, [u, v])
    return Slice(w, (u, v), a, b, costs, coords, path_costs, label)


class _Recorder(Callback):
    """Keeps a copy of the weight vector after every mini-batch (or epoch)."""

    def __init__(self, every: str) -> None:
        self.every = every
        self.weights: list[Array] = []
        self.costs: list[float] = []

    def on_train_begin(self, run: TrainingRun) -> None:
        self.weights.append(run.net.parameter_vector().astype(np.float64))

    def on_batch_end(self, run: TrainingRun, cost: float) -> None:
        if self.every == "batch":
            self.weights.append(run.net.parameter_vector().astype(np.float64))
            self.costs.append(cost)

    def on_epoch_end(self, run: TrainingRun) -> None:
        if self.every == "epoch":
            self.weights.append(run.net.parameter_vector().astype(np.float64))
            self.costs.append(run.history.loss[-1])


@dataclass
class TrainingPath:
    """A training run recorded for the landscape views.

    Attributes:
        before: a copy of the network before training.
        after: the trained copy.
        weights: (k, n_params): the weight vector at the start, then after every mini-batch
            (``every="batch"``) or epoch.
        optimizer: the optimizer used.
        history: what ``fit`` returned.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.lab import slice_1d, train_and_record
        >>> X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> path = train_and_record(net, X, y, lr=3.0, epochs=5, batch_size=2)
        >>> path
        TrainingPath([2, 3, 1], 11 weight vectors, loss 0.1298 → 0.1265)
        >>> bool(np.allclose(path.weights[0], net.parameter_vector()))  # net is not changed
        True
        >>> bool(np.allclose(path.weights[-1], path.after.parameter_vector()))
        True
    """

    before: Network
    after: Network
    weights: Array
    optimizer: Optimizer
    history: History

    def __repr__(self) -> str:
        return (
            f"TrainingPath({self.before.sizes}, {len(self.weights)} weight vectors, "
            f"loss {self.history.loss[0]:.4g} → {self.history.loss[-1]:.4g})"
            if self.history.loss
            else f"TrainingPath({self.before.sizes}, {len(self.weights)} weight vectors)"
        )


def train_and_record(
    net: Network,
    X: Any,
    Y: Any,
    *,
    optimizer: str | Optimizer = "sgd",
    lr: float | None = None,
    epochs: int = 10,
    batch_size: int = 10,
    every: str = "batch",
    seed: int | np.random.Generator | None = 0,
) -> TrainingPath:
    """Train a copy of ``net`` with ``fit`` and keep its weight vector along the way.

    ``optimizer`` is a glassnet optimizer (used as given) or a name for
    :func:`~glassnet.lab.descent.make_optimizer` (``lr`` default 0.5 for SGD-type names, else
    0.01). The network you pass is not changed.

    >>> import glassnet as gn
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
    >>> path = train_and_record(gn.Network.from_sizes([2, 3, 1], seed=0), X, y, lr=3.0,
    ...                         epochs=5, batch_size=2)
    >>> path.weights.shape     # the start, then 2 mini-batches per epoch for 5 epochs
    (11, 13)
    """
    from .descent import make_optimizer

    net = _check_network(net)
    if every not in ("batch", "epoch"):
        raise ValueError(f"every must be 'batch' or 'epoch', got {every!r}")
    if isinstance(optimizer, str):
        eta = (
            lr
            if lr is not None
            else (0.5 if optimizer in ("sgd", "momentum", "nesterov") else 0.01)
        )
        opt = make_optimizer(optimizer, eta)
    elif isinstance(optimizer, Optimizer):
        opt = optimizer
        if lr is not None:
            opt.lr = lr
    else:
        raise ValueError(f"optimizer must be a name or a glassnet optimizer, got {optimizer!r}")
    before, trained = net.copy(), net.copy()
    recorder = _Recorder(every)
    history = trained.fit(
        X,
        Y,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=opt,
        seed=seed,
        verbose=0,
        callbacks=[recorder],
    )
    return TrainingPath(before, trained, np.array(recorder.weights), opt, history)
