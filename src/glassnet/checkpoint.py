"""Checkpoints: everything needed to carry on training exactly where it stopped.

A checkpoint is a glassnet model file (so ``gn.load(path)`` reads its network) whose metadata
entry ``"glassnet.checkpoint"`` also holds, as JSON:

- the epoch reached and the training settings (epochs asked for, batch size, shuffling);
- the optimizer: its type, by class name (looked up in the closed list of registered classes,
  :func:`glassnet.optimizers.registered_classes`: SGD, Adagrad, RMSprop, Adam, AdamW and any
  registered with :func:`glassnet.optimizers.register`), its hyperparameters, its step count t
  and its buffers (velocities, moments);
- the random generator that shuffles and draws dropout masks: its bit generator's name (from a
  closed list) and state;
- the :class:`~glassnet.training.History` so far;
- the state of each callback that has one (a learning-rate schedule, early stopping, …).

Arrays — the optimizer's buffers, early stopping's best weights — are not in the JSON: each is
a tensor of the file's data section, stored exactly like the weights and named after where it
belongs (``checkpoint.optimizer.exp_avg.W[1]``); the JSON holds ``{"__tensor__": name}`` in its
place. So a checkpoint is as large as the arrays it holds, with no limit but the disk's (the
file is format version 2, see :mod:`glassnet.io`). Checkpoints of version 1, written by earlier
glassnets with each array as base64 text inside the JSON, still load.

Nothing in a checkpoint names code to run: no pickle, and every name goes through a closed
registry. Reading it is bounded as reading a model file is (:mod:`glassnet.io`): the entry's
JSON is counted and its depth checked before anything is built from it, and the random
generator's state must have exactly the keys, types and ranges of its bit generator's.

Resuming in a fresh process gives, bit for bit, the weights an uninterrupted run reaches:
the shuffles and dropout masks come from the same generator state, and the optimizer steps
from the same buffers.

>>> import os, tempfile, numpy as np, glassnet as gn
>>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = os.path.join(tmp, "run.ckpt.safetensors")
...     whole = gn.Network.from_sizes([2, 3, 1], seed=0)
...     _ = whole.fit(X, y, epochs=6, batch_size=2, optimizer=gn.Adam(lr=0.1), verbose=0)
...     half = gn.Network.from_sizes([2, 3, 1], seed=0)
...     _ = half.fit(X, y, epochs=3, batch_size=2, optimizer=gn.Adam(lr=0.1), verbose=0,
...                  callbacks=[gn.checkpoint.Checkpoint(path)])
...     state = gn.load_checkpoint(path)
...     h = state.resume(X, y, epochs=6, verbose=0)
>>> h.epochs, bool(np.array_equal(state.net.parameter_vector(), whole.parameter_vector()))
(6, True)
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from . import _jsonparse, io
from ._inputs import as_rng, whole_number
from .callbacks import METRICS, Callback, Stop
from .io._format import BadFileError
from .optimizers import Optimizer, registered_classes
from .training import History, fit

if TYPE_CHECKING:
    from .callbacks import TrainingRun
    from .network import Network

__all__ = ["CHECKPOINT_KEY", "Checkpoint", "TrainingState", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_KEY = "glassnet.checkpoint"
#: The version of the checkpoint entry :func:`save_checkpoint` writes; 1 (arrays as base64 in
#: the JSON) and 2 (arrays as tensors) are read.
CHECKPOINT_VERSION = 2

_BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "MT19937": np.random.MT19937,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
}
# The largest integer each of a bit generator's state fields may hold (the rest are arrays,
# bounded by their dtype): MT19937's pos and Philox's buffer_pos index arrays of 624 and 4.
_RNG_INT_LIMITS = {
    "state": 2**128 - 1,
    "inc": 2**128 - 1,
    "pos": 624,
    "buffer_pos": 4,
    "has_uint32": 1,
    "uinteger": 2**32 - 1,
}
_ARRAY_DTYPES: dict[str, np.dtype[Any]] = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}
_HISTORY_LISTS = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds")


class _BadCheckpointError(Exception):
    """A problem inside the checkpoint entry; :func:`load_checkpoint` adds the file's name."""


@dataclass
class TrainingState:
    """A training run as a checkpoint saved it, ready to :meth:`resume`.

    Attributes:
        net: the network, with the checkpoint's weights.
        optimizer: the optimizer, with its buffers and step count.
        epoch: the epochs finished.
        history: the :class:`~glassnet.training.History` of those epochs.
        rng: the generator that shuffles and draws dropout masks, in its saved state.
        epochs, batch_size, shuffle: the settings of the run that saved it.
        callback_states: ``(callback type name, state)`` for each callback that had a state.

    Example:
        >>> import os, tempfile, numpy as np, glassnet as gn
        >>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "run.ckpt.safetensors")
        ...     net = gn.Network.from_sizes([2, 3, 1], seed=0)
        ...     h = net.fit(X, y, epochs=4, callbacks=[gn.checkpoint.Checkpoint(path)], verbose=0)
        ...     state = gn.load_checkpoint(path)
        >>> state.epoch, state.epochs
        (4, 4)
        >>> len(state.resume(X, y, epochs=6, verbose=0).loss)  # two more, as if never stopped
        6
    """

    net: Network
    optimizer: Optimizer
    epoch: int
    history: History
    rng: np.random.Generator
    epochs: int
    batch_size: int
    shuffle: bool
    callback_states: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def resume(
        self,
        X: Any,
        Y: Any,
        epochs: int | None = None,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Sequence[Callback] = (),
        verbose: int = 1,
        *,
        comm: Any = None,
        sharded: bool = False,
    ) -> History:
        """Train on from the checkpoint's epoch up to ``epochs`` (default: the saved run's).

        ``comm`` and ``sharded`` are :func:`~glassnet.training.fit`'s: a run saved by one
        process may resume data-parallel and the other way round, with any number of ranks,
        to the same weights (every rank loads the same checkpoint).

        Pass the same data, and callbacks of the same types in the same order as the saved
        run: each gets its saved state back (a learning-rate schedule must be made on
        :attr:`optimizer`). A saved state with no callback to take it is reported with a
        warning, because the resumed run would then differ from the uninterrupted one.

        Returns:
            the :class:`History` of the whole run, the saved epochs included.
        """
        epochs = self.epochs if epochs is None else epochs
        if not (isinstance(epochs, int) and epochs > self.epoch):
            raise ValueError(
                f"the checkpoint has done {self.epoch} epochs, so resume needs epochs > "
                f"{self.epoch} (the total to reach), got {epochs!r}; ask for more epochs"
            )
        callbacks = list(callbacks)
        _give_back_states(callbacks, self.callback_states)
        return fit(
            self.net,
            X,
            Y,
            epochs=epochs,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            validation_data=validation_data,
            shuffle=self.shuffle,
            seed=self.rng,
            verbose=verbose,
            callbacks=callbacks,
            initial_epoch=self.epoch,
            history=self.history,
            comm=comm,
            sharded=sharded,
        )

    def __repr__(self) -> str:
        return (
            f"TrainingState(epoch {self.epoch}/{self.epochs}, {self.net!r}, {self.optimizer!r}, "
            f"{self.history!r})"
        )


def _give_back_states(callbacks: list[Callback], states: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand each saved state to the next given callback of the same type, in order."""
    unused = list(callbacks)
    for kind, state in states:
        match = next((cb for cb in unused if type(cb).__name__ == kind), None)
        if match is None and kind != "Checkpoint":  # saving does not change the weights
            warnings.warn(
                f"the checkpoint holds the state of a {kind} callback, but resume() was given "
                f"none; pass one so that the resumed run continues exactly",
                RuntimeWarning,
                stacklevel=3,
            )
            continue
        if match is None:
            continue
        unused.remove(match)
        match.load_state_dict(state)


# -- saving ---------------------------------------------------------------------------------------


class Checkpoint(Callback):
    """Save a checkpoint of the run after every ``every`` epochs (and when training ends).

    A checkpoint holds the weights, the optimizer's state, the learning-rate schedule's and the
    other callbacks' state, the random generator's state, the epoch and the history (see
    :mod:`glassnet.checkpoint`). ``gn.load_checkpoint(path).resume(X, Y, ...)`` carries on
    training, in this process or a fresh one, to the very weights an uninterrupted run reaches.
    ``gn.load(path)`` reads just the network. Each save is atomic: a crash mid-write leaves the
    previous checkpoint intact.

    Args:
        path: the checkpoint file (conventionally ``.ckpt.safetensors``).
        every: save after every this many epochs.
        monitor: if set (``"val_loss"``, ``"loss"``, …), save only when that number is the best
            so far, which keeps the best epoch's run rather than the latest.

    Example:
        >>> import os, tempfile, numpy as np, glassnet as gn
        >>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "run.ckpt.safetensors")
        ...     net = gn.Network.from_sizes([2, 3, 1], seed=0)
        ...     h = net.fit(X, y, epochs=2, callbacks=[gn.checkpoint.Checkpoint(path)], verbose=0)
        ...     state = gn.load_checkpoint(path)
        >>> state.epoch, state.history.epochs, type(state.optimizer).__name__
        (2, 2, 'SGD')
    """

    rank_zero_only = True  # data-parallel training: rank 0 writes the file

    def __init__(
        self, path: str | os.PathLike[str], every: int = 1, monitor: str | None = None
    ) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise ValueError(
                f"cannot save checkpoints to {str(self.path)!r}: the folder "
                f"{str(self.path.parent)!r} does not exist; create it first"
            )
        self.every = whole_number(every, "every", must_be="a whole number of epochs >= 1", low=1)
        if monitor is not None and monitor not in METRICS:
            raise ValueError(
                f"monitor must be None or one of {', '.join(map(repr, METRICS))}, got {monitor!r}"
            )
        self.monitor = monitor
        self._sign = -1.0 if monitor and "accuracy" in monitor else 1.0
        self.best = math.inf * self._sign
        self.saved_epoch = 0

    def _save(self, run: TrainingRun) -> None:
        save_checkpoint(self.path, run)
        self.saved_epoch = run.epoch

    def on_epoch_end(self, run: TrainingRun) -> None:
        if self.monitor is not None:
            values = getattr(run.history, self.monitor)
            if values and self._sign * values[-1] < self._sign * self.best:
                self.best = values[-1]
                self._save(run)
        elif run.epoch % self.every == 0:
            self._save(run)

    def on_train_end(self, run: TrainingRun) -> None:
        # the last finished epoch, unless the run stopped part-way through the next one
        done = run.history.epochs
        if self.monitor is None and done > self.saved_epoch and done == run.epoch:
            self._save(run)

    def state_dict(self) -> dict[str, Any] | None:
        return None if self.monitor is None else {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])


def save_checkpoint(
    path: str | os.PathLike[str], run: TrainingRun, metadata: Mapping[str, str] | None = None
) -> None:
    """Write a checkpoint of ``run`` (a :class:`~glassnet.callbacks.TrainingRun`) to ``path``.

    Called by :class:`Checkpoint` at the end of an epoch; the write is
    atomic, like :func:`glassnet.io.save`.

    Example:
        >>> import os, tempfile, numpy as np, glassnet as gn
        >>> class SaveAtEnd(gn.Callback):
        ...     def on_train_end(self, run):
        ...         gn.save_checkpoint(self.path, run)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     saver = SaveAtEnd()
        ...     saver.path = os.path.join(tmp, "end.ckpt.safetensors")
        ...     net = gn.Network.from_sizes([2, 1], seed=0)
        ...     h = net.fit(np.eye(2), [0, 1], epochs=3, callbacks=[saver], verbose=0)
        ...     gn.load_checkpoint(saver.path).epoch
        3
    """
    if run.rng is None:
        raise ValueError("this TrainingRun has no random generator to save; save from inside fit")
    bit_generator = run.rng.bit_generator
    kind = type(bit_generator).__name__
    if kind not in _BIT_GENERATORS:
        raise ValueError(
            f"cannot checkpoint a run whose generator uses {kind}; use one of "
            f"{', '.join(_BIT_GENERATORS)} (np.random.default_rng gives PCG64)"
        )
    opt = run.optimizer
    known = registered_classes()
    if known.get(type(opt).__name__) is not type(opt):
        raise ValueError(
            f"cannot checkpoint the optimizer {opt!r}: a checkpoint names it, and only "
            f"{', '.join(known)} are known by name; register its class first with "
            "glassnet.optimizers.register(name, cls, lr=..., description=...)"
        )
    tensors: dict[str, np.ndarray[Any, Any]] = {}
    callbacks = []
    for i, cb in enumerate(run.callbacks):
        state = cb.state_dict()
        if state is not None:
            name = type(cb).__name__
            encoded = _encode(state, f"{io.EXTRA_TENSOR_PREFIX}callbacks.{i}.{name}", tensors)
            callbacks.append({"type": name, "state": encoded})
    h = run.history
    entry = {
        "version": CHECKPOINT_VERSION,
        "epoch": h.epochs,
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "shuffle": run.shuffle,
        "optimizer": _encode(opt.state_dict(), f"{io.EXTRA_TENSOR_PREFIX}optimizer", tensors),
        "rng": {"bit_generator": kind, "state": _plain_state(bit_generator.state)},
        "history": {**{key: list(getattr(h, key)) for key in _HISTORY_LISTS}},
        "stop_reason": h.stop_reason,  # (what glassnet read before "stop" was written)
        "stop": _stop_entry(h.stop),
        "callbacks": callbacks,
    }
    user = dict(metadata or {})
    if CHECKPOINT_KEY in user:
        raise ValueError(f"metadata key {CHECKPOINT_KEY!r} is reserved for the checkpoint itself")
    text = json.dumps(entry)
    if not (
        _jsonparse.depth_at_most(entry, io.MAX_JSON_DEPTH)
        and _jsonparse.values_at_most(text, io.MAX_JSON_VALUES)
    ):
        raise ValueError(
            "cannot checkpoint this run: the callbacks' states nest deeper than "
            f"{io.MAX_JSON_DEPTH - 4} levels or hold more than about {io.MAX_JSON_VALUES:,} "
            "values, so the checkpoint could not be loaded back; keep arrays as NumPy arrays "
            "(they are stored as tensors) and the rest small"
        )
    user[CHECKPOINT_KEY] = text
    io._save_file(run.net, path, user, tensors)


def _encode(value: Any, name: str, tensors: dict[str, np.ndarray[Any, Any]]) -> Any:
    """Plain JSON values; each array becomes ``{"__tensor__": name}`` and goes, not copied, into
    ``tensors`` under that name (``name`` says where it is: ``checkpoint.optimizer.t``)."""
    if isinstance(value, np.ndarray):
        if value.dtype.name not in _ARRAY_DTYPES:
            raise ValueError(
                f"cannot checkpoint {name}: an array of dtype {value.dtype}, but a checkpoint "
                "holds float32 and float64 arrays only"
            )
        unique, n = name, 1
        while unique in tensors:  # a key with a dot in it could repeat a name
            unique, n = f"{name}#{n}", n + 1
        tensors[unique] = value
        return {"__tensor__": unique}
    if isinstance(value, Mapping):
        return {str(k): _encode(v, f"{name}.{k}", tensors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{name}.{i}", tensors) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_state(value: Any) -> Any:
    """A bit generator's state as JSON values: its arrays (MT19937's key, …) become lists."""
    if isinstance(value, dict):
        return {k: _plain_state(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


# -- loading --------------------------------------------------------------------------------------


def load_checkpoint(path: str | os.PathLike[str]) -> TrainingState:
    """Read a checkpoint written by :class:`Checkpoint`.

    The network is read and checked as :func:`glassnet.load` reads a model file; the rest is
    checked entry by entry, and every problem raises :class:`~glassnet.ModelFormatError`.

    Raises:
        ModelFormatError: the file is not a valid checkpoint (a plain model file included:
            it has weights but nothing to resume from).
        OSError: the file cannot be read.

    Example:
        >>> import os, tempfile, numpy as np, glassnet as gn
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "run.ckpt.safetensors")
        ...     net = gn.Network.from_sizes([2, 1], seed=0)
        ...     h = net.fit(np.eye(2), [0, 1], epochs=2, callbacks=[gn.checkpoint.Checkpoint(path)],
        ...                 verbose=0)
        ...     state = gn.load_checkpoint(path)
        >>> state.epoch, state.net.sizes, type(state.optimizer).__name__
        (2, [2, 1], 'SGD')
    """
    net, metadata, tensors = io._load_file(path, as_rng(None), extras=True)  # one reading
    text = metadata.get(CHECKPOINT_KEY)
    if text is None:
        raise io.ModelFormatError(
            path,
            f"it is a model file but not a checkpoint (no {CHECKPOINT_KEY!r} entry in its "
            "metadata); load its network with gn.load, or save checkpoints with "
            "gn.checkpoint.Checkpoint",
        )
    try:
        entry = io._parse_json(text, "it", constants=True)
    except BadFileError as exc:
        raise io.ModelFormatError(path, f"its checkpoint entry is damaged: {exc}") from None
    try:
        return _state_from(entry, net, tensors)
    except (
        _BadCheckpointError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
    ) as exc:
        problem = str(exc) if isinstance(exc, (_BadCheckpointError, ValueError)) else repr(exc)
        raise io.ModelFormatError(path, f"its checkpoint entry is damaged: {problem}") from None


def _state_from(
    entry: Any, net: Network, tensors: dict[str, np.ndarray[Any, Any]]
) -> TrainingState:
    if not isinstance(entry, dict):
        raise _BadCheckpointError("it is not a JSON object")
    version = entry.get("version")
    if not (_is_int(version) and 1 <= version <= CHECKPOINT_VERSION):
        raise _BadCheckpointError(
            f"it has version {version!r}; this glassnet reads versions 1 to "
            f"{CHECKPOINT_VERSION} (a newer glassnet wrote it? upgrade glassnet to load it)"
        )
    arrays = _Arrays(version, tensors)
    epoch = _whole(entry["epoch"], "epoch", low=0)
    epochs = _whole(entry["epochs"], "epochs", low=1)
    batch_size = _whole(entry["batch_size"], "batch_size", low=1)
    if not isinstance(entry["shuffle"], bool):
        raise _BadCheckpointError("'shuffle' must be true or false")

    opt_state = arrays.decode(entry["optimizer"])
    if not isinstance(opt_state, dict):
        raise _BadCheckpointError("'optimizer' must be an object")
    known = registered_classes()  # a closed list: a name read from the file runs no code
    cls = known.get(str(opt_state.get("optimizer")))
    if cls is None:
        raise _BadCheckpointError(
            f"it names the optimizer {opt_state.get('optimizer')!r}; known: "
            f"{', '.join(known)} (a class of your own must be registered with "
            "glassnet.optimizers.register before the checkpoint is loaded)"
        )
    optimizer = cls(0.1)  # load_state_dict sets η and the rest
    optimizer.load_state_dict(opt_state)  # checks hyperparameters, t and buffers
    for name, buf in optimizer.state.items():
        if len(buf) > net.L:
            raise _BadCheckpointError(
                f"the optimizer's buffer {name} has {len(buf)} layers, but the network {net.L}"
            )
        for l, layer in enumerate(net.layers, start=1):  # each parameter, whatever the layer
            saved = buf.layers[l - 1] if l <= len(buf) else {}  # {} for a layer without any
            if set(saved) - set(layer.parameters()):
                raise _BadCheckpointError(
                    f"the optimizer's buffer {name} has {sorted(saved)} for layer {l}, whose "
                    f"parameters are {list(layer.parameters())}"
                )
            for symbol, p in layer.parameters().items():
                arr = saved.get(symbol)
                if arr is None or arr.shape != p.shape or arr.dtype != net.dtype:
                    got = "missing" if arr is None else f"{arr.dtype}{list(arr.shape)}"
                    raise _BadCheckpointError(
                        f"the optimizer's buffer {name}.{symbol}[{l}] is {got}, but the "
                        f"network's {symbol}[{l}] is {net.dtype}{list(p.shape)}"
                    )

    rng_entry = entry["rng"]
    if not isinstance(rng_entry, dict):
        raise _BadCheckpointError("'rng' must be an object")
    bit_cls = _BIT_GENERATORS.get(str(rng_entry.get("bit_generator")))
    if bit_cls is None:
        raise _BadCheckpointError(
            f"'rng' names the bit generator {rng_entry.get('bit_generator')!r}; known: "
            f"{', '.join(_BIT_GENERATORS)}"
        )
    bit_generator = bit_cls()
    # exactly the keys, types and ranges of this bit generator's state (NumPy does not check
    # them all: an MT19937 pos beyond 624 would read past the end of its key)
    bit_generator.state = _conform(bit_generator.state, rng_entry["state"], "'rng' state")

    raw = entry["history"]
    if not isinstance(raw, dict):
        raise _BadCheckpointError("'history' must be an object")
    history = History()
    for key in _HISTORY_LISTS:
        values = raw[key]
        if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        ):
            raise _BadCheckpointError(f"history {key!r} must be a list of numbers")
        setattr(history, key, [float(v) for v in values])
    if history.epochs != epoch:
        raise _BadCheckpointError(
            f"the history has {history.epochs} epochs of loss, but the checkpoint says {epoch}"
        )
    if entry.get("stop") is not None:
        history.stop = _stop_from(entry["stop"])
    elif isinstance(entry.get("stop_reason"), str):  # older files: the message alone
        history.stop = Stop("callback", message=entry["stop_reason"])

    states = []
    callbacks = entry["callbacks"]
    if not isinstance(callbacks, list):
        raise _BadCheckpointError("'callbacks' must be a list")
    for item in callbacks:
        if not (isinstance(item, dict) and isinstance(item.get("type"), str)):
            raise _BadCheckpointError("each entry of 'callbacks' needs a 'type' name")
        state = arrays.decode(item.get("state"))
        if not isinstance(state, dict):
            raise _BadCheckpointError(f"the state of callback {item['type']!r} is not an object")
        states.append((item["type"], state))
    arrays.check_all_used()

    return TrainingState(
        net=net,
        optimizer=optimizer,
        epoch=epoch,
        history=history,
        rng=np.random.Generator(bit_generator),
        epochs=max(epochs, epoch),
        batch_size=batch_size,
        shuffle=entry["shuffle"],
        callback_states=states,
    )


#: History.stop's fields that hold a float or None; a float that is not finite (a cost that
#: overflowed) is written as the string "inf", "-inf" or "nan", which plain JSON lacks.
_STOP_FLOATS = ("lr", "cost", "limit")


def _stop_entry(stop: Stop | None) -> dict[str, Any] | None:
    """``History.stop`` as a JSON object (``None`` for a run that was not stopped)."""
    if stop is None:
        return None
    entry = dataclasses.asdict(stop)
    for key in _STOP_FLOATS:
        value = entry[key]
        if value is not None and not math.isfinite(value):
            entry[key] = str(value)
    return entry


def _stop_from(value: Any) -> Stop:
    """The :class:`Stop` that :func:`_stop_entry` wrote, checked."""
    names = [f.name for f in dataclasses.fields(Stop)]
    if not isinstance(value, dict) or sorted(value) != sorted(names):
        raise _BadCheckpointError(f"'stop' must be null or an object with the keys {names}")
    fields = dict(value)
    for key in _STOP_FLOATS:
        v = fields[key]
        if isinstance(v, str) and v in ("inf", "-inf", "nan"):
            fields[key] = float(v)
        elif v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise _BadCheckpointError(f"'stop' {key!r} must be a number or null, got {v!r}")
        elif v is not None:
            fields[key] = float(v)
    fields["epoch"] = _whole(fields["epoch"], "stop.epoch", low=0)
    fields["batch"] = _whole(fields["batch"], "stop.batch", low=0)
    if fields["restored_epoch"] is not None:
        fields["restored_epoch"] = _whole(fields["restored_epoch"], "stop.restored_epoch", low=0)
    if not isinstance(fields["kind"], str) or not isinstance(fields["message"], str):
        raise _BadCheckpointError("'stop' kind and message must be strings")
    return Stop(**fields)  # (a kind it does not know is a ValueError, which names the kinds)


def _is_int(value: Any) -> TypeGuard[int]:
    return type(value) is int  # JSON true/false arrive as bool, which is not an int here


def _whole(value: Any, name: str, low: int) -> int:
    if not _is_int(value) or value < low:
        raise _BadCheckpointError(f"{name!r} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _conform(template: Any, value: Any, where: str, key: str = "") -> Any:
    """``value`` (read from JSON) shaped as ``template``, a fresh bit generator's state: the same
    keys, strings equal, integers in range, arrays as lists of the same length and dtype."""
    if isinstance(template, dict):
        if not isinstance(value, dict) or value.keys() != template.keys():
            keys = sorted(value) if isinstance(value, dict) else value
            raise _BadCheckpointError(
                f"{where} must be an object with the keys {sorted(template)}, got {keys!r}"[:300]
            )
        return {k: _conform(template[k], value[k], f"{where}[{k!r}]", k) for k in template}
    if isinstance(template, np.ndarray):
        top = int(np.iinfo(template.dtype).max)
        if not (
            isinstance(value, list)
            and len(value) == template.size
            and all(_is_int(v) and 0 <= v <= top for v in value)
        ):
            raise _BadCheckpointError(
                f"{where} must be a list of {template.size} integers from 0 to {top}"
            )
        return np.array(value, dtype=template.dtype)
    if isinstance(template, str):
        if value != template:
            raise _BadCheckpointError(f"{where} must be {template!r}, got {value!r}"[:300])
        return value
    top = _RNG_INT_LIMITS.get(key, 2**64 - 1)
    if not (_is_int(value) and 0 <= value <= top):
        raise _BadCheckpointError(f"{where} must be an integer from 0 to {top}, got {value!r}")
    return value


class _Arrays:
    """Turns a checkpoint entry's array references back into arrays: ``{"__tensor__": name}``,
    a tensor of the file (version 2), or ``{"__array__": dtype, "shape", "base64"}`` (version
    1), each checked against its shape. Every tensor must be used, once."""

    def __init__(self, version: int, tensors: dict[str, np.ndarray[Any, Any]]) -> None:
        self.version = version
        self.tensors = tensors
        self.used: set[str] = set()

    def decode(self, value: Any) -> Any:
        if isinstance(value, dict):
            if self.version >= 2 and "__tensor__" in value:
                return self._tensor(value)
            if self.version == 1 and "__array__" in value:
                return _from_base64(value)
            return {k: self.decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        return value

    def _tensor(self, ref: dict[str, Any]) -> np.ndarray[Any, Any]:
        name = ref["__tensor__"]
        if ref.keys() != {"__tensor__"} or not isinstance(name, str):
            raise _BadCheckpointError(
                f"an array is stored as {{'__tensor__': <a tensor's name>}}, got {ref!r}"[:300]
            )
        if name not in self.tensors:
            raise _BadCheckpointError(
                f"it refers to the tensor {name!r}, which the file does not hold"[:300]
            )
        if name in self.used:
            raise _BadCheckpointError(f"it refers to the tensor {name!r} twice"[:300])
        self.used.add(name)
        return self.tensors[name]

    def check_all_used(self) -> None:
        unused = sorted(self.tensors.keys() - self.used)
        if unused:
            raise _BadCheckpointError(
                f"the file holds tensors that the entry does not use: {unused[:5]}"[:300]
            )


def _from_base64(value: dict[str, Any]) -> np.ndarray[Any, Any]:
    """A version-1 array: ``{"__array__": dtype, "shape": …, "base64": …}``, checked."""
    dtype = _ARRAY_DTYPES.get(str(value["__array__"]))
    shape = value.get("shape")
    if dtype is None or not (isinstance(shape, list) and all(_is_int(n) and n >= 0 for n in shape)):
        raise _BadCheckpointError(f"a stored array has a bad dtype or shape: {shape!r}"[:300])
    data = base64.b64decode(str(value["base64"]), validate=True)
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise _BadCheckpointError(
            f"a stored array of shape {shape} holds {len(data)} bytes, not "
            f"{math.prod(shape) * dtype.itemsize}"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if not np.isfinite(array).all():
        raise _BadCheckpointError("a stored array holds NaN or infinite values")
    return array
