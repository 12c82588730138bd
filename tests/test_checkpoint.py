"""Checkpoints: resuming gives bit for bit the uninterrupted run, in this process or a fresh one;
damaged checkpoints give ModelFormatError."""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.checkpoint import CHECKPOINT_KEY
from glassnet.optimizers import OPTIMIZERS, register, registered_classes
from helpers import traced_lines


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] * X[:, 1] + 0.3 * rng.normal(size=90) > 0).astype(int)
    return X[:70], y[:70], X[70:], y[70:]


def make_run(
    epochs: int, path: Path | None = None, state: gn.TrainingState | None = None
) -> tuple[gn.Network, gn.History, gn.Optimizer]:
    """A run that uses everything a checkpoint must carry: dropout masks and shuffles from the
    generator, Adam's moments, a schedule, early stopping's memory."""
    X, y, Xv, yv = data()
    if state is None:
        net = gn.Network.from_sizes(
            [4, 16, 8, 2],
            activation="relu",
            output_activation="softmax",
            cost="cross_entropy",
            seed=1,
            dropout=0.2,
            l2=1e-3,
        )
        opt: gn.Optimizer = gn.Adam(lr=0.01)
    else:
        net, opt = state.net, state.optimizer
    callbacks: list[gn.Callback] = [
        gn.callbacks.LRScheduler(gn.StepLR(opt, step_size=2, gamma=0.7)),
        gn.callbacks.EarlyStopping(patience=50),
    ]
    if path is not None:
        callbacks.append(gn.checkpoint.Checkpoint(path))
    if state is None:
        h = net.fit(
            X,
            y,
            epochs=epochs,
            batch_size=8,
            optimizer=opt,
            validation_data=(Xv, yv),
            callbacks=callbacks,
            verbose=0,
        )
    else:
        h = state.resume(
            X, y, epochs=epochs, validation_data=(Xv, yv), callbacks=callbacks, verbose=0
        )
    return net, h, opt


def test_resume_in_process_equals_the_uninterrupted_run(tmp_path: Path) -> None:
    whole, h_whole, opt_whole = make_run(8)
    path = tmp_path / "run.ckpt.safetensors"
    make_run(3, path)
    state = gn.load_checkpoint(path)
    assert state.epoch == 3 and state.history.epochs == 3
    net, h, opt = make_run(8, state=state)
    np.testing.assert_array_equal(net.parameter_vector(), whole.parameter_vector())
    assert h.loss == h_whole.loss and h.val_loss == h_whole.val_loss
    assert opt.lr == opt_whole.lr and opt.t == opt_whole.t
    for name, buf in opt_whole.state.items():
        for l in range(1, whole.L + 1):
            np.testing.assert_array_equal(opt.state[name].W[l], buf.W[l])


def test_resume_in_a_fresh_process_is_bit_for_bit(tmp_path: Path) -> None:
    """Train 3 epochs in one process, resume to 8 in another, compare with 8 in this one."""
    whole = make_run(8)[0]
    here = Path(__file__).parent
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(here)!r})
        from pathlib import Path
        import glassnet as gn
        from test_checkpoint import make_run
        ckpt = Path({str(tmp_path)!r}) / "run.ckpt.safetensors"
        if sys.argv[1] == "start":
            make_run(3, ckpt)
        else:
            net = make_run(8, state=gn.load_checkpoint(ckpt))[0]
            gn.save(net, Path({str(tmp_path)!r}) / "final.safetensors")
        """
    )
    for step in ("start", "resume"):
        # the timeout only catches a hang: a loaded machine may run 10-30 times slower
        subprocess.run([sys.executable, "-c", script, step], check=True, timeout=3600)
    resumed = gn.load(tmp_path / "final.safetensors")
    np.testing.assert_array_equal(resumed.parameter_vector(), whole.parameter_vector())


def test_a_checkpoint_is_also_a_model_file(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    X, y, _, _ = data()
    net = gn.Network.from_sizes([4, 3, 2], seed=0, l2=0.01)
    net.fit(X, y, epochs=2, verbose=0, callbacks=[gn.checkpoint.Checkpoint(path)])
    loaded = gn.load(path)
    np.testing.assert_array_equal(loaded.parameter_vector(), net.parameter_vector())
    assert loaded.l2 == 0.01


def test_checkpoint_every_and_final_epoch(tmp_path: Path) -> None:
    saved: list[int] = []

    class Spy(gn.checkpoint.Checkpoint):
        def _save(self, run: gn.TrainingRun) -> None:
            super()._save(run)
            saved.append(run.epoch)

    X, y, _, _ = data()
    gn.Network.from_sizes([4, 2], seed=0).fit(
        X, y, epochs=5, verbose=0, callbacks=[Spy(tmp_path / "c.safetensors", every=2)]
    )
    assert saved == [2, 4, 5]
    assert gn.load_checkpoint(tmp_path / "c.safetensors").epoch == 5


def test_checkpoint_monitor_keeps_the_best_epoch(tmp_path: Path) -> None:
    path = tmp_path / "best.safetensors"
    X, y, Xv, yv = data()
    # float64: at η = 2 a float32 run's path depends on its last bits
    net = gn.Network.from_sizes([4, 32, 2], activation="tanh", seed=0, dtype="float64")
    h = net.fit(
        X[:15],
        y[:15],
        epochs=40,
        batch_size=3,
        optimizer=gn.SGD(lr=2.0),
        validation_data=(Xv, yv),
        verbose=0,
        callbacks=[gn.checkpoint.Checkpoint(path, monitor="val_loss")],
    )
    best = int(np.argmin(h.val_loss)) + 1
    assert best < 40  # the run overfits, so the best epoch is not the last
    state = gn.load_checkpoint(path)
    assert state.epoch == best
    assert state.net.evaluate(Xv, yv)["loss"] == pytest.approx(min(h.val_loss), rel=1e-6)


def test_resume_warns_when_a_saved_callback_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    state = gn.load_checkpoint(path)
    X, y, Xv, yv = data()
    with pytest.warns(RuntimeWarning, match="LRScheduler"):
        state.resume(
            X,
            y,
            epochs=3,
            validation_data=(Xv, yv),
            verbose=0,
            callbacks=[gn.callbacks.EarlyStopping(patience=50)],
        )


def test_resume_needs_more_epochs_than_done(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(3, path)
    state = gn.load_checkpoint(path)
    X, y, _, _ = data()
    with pytest.raises(ValueError, match="ask for more epochs"):
        state.resume(X, y, epochs=3)


# -- the format: arrays as tensors, and version 1 ----------------------------------------------


def split(path: Path) -> tuple[dict[str, Any], bytes]:
    """The header (parsed here, independently of glassnet.io) and the data section."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def join(path: Path, header: dict[str, Any], data: bytes) -> None:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def test_arrays_are_tensors_and_the_entry_is_small(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    header, _ = split(path)
    entry = json.loads(header["__metadata__"][CHECKPOINT_KEY])
    assert entry["version"] == 2
    assert entry["optimizer"]["exp_avg.W[1]"] == {"__tensor__": "checkpoint.optimizer.exp_avg.W[1]"}
    assert header["checkpoint.optimizer.exp_avg.W[1]"]["shape"] == [16, 4]
    assert json.loads(header["__metadata__"]["glassnet"])["format_version"] == 2
    assert "base64" not in header["__metadata__"][CHECKPOINT_KEY]
    # what gn.load reads is the network alone, as from a model file
    assert gn.load(path).parameter_vector().tobytes() == (
        gn.load_checkpoint(path).net.parameter_vector().tobytes()
    )


def as_version_1(path: Path) -> None:
    """Rewrite a checkpoint as glassnet wrote them before version 2: each array as base64 text
    inside the entry, and a model file of format version 1 with the network's tensors only."""
    header, data = split(path)
    entry = json.loads(header["__metadata__"][CHECKPOINT_KEY])

    def inline(value: Any) -> Any:
        if isinstance(value, dict) and "__tensor__" in value:
            t = header[value["__tensor__"]]
            begin, end = t["data_offsets"]
            dtype = {"F32": "float32", "F64": "float64"}[t["dtype"]]
            return {
                "__array__": dtype,
                "shape": t["shape"],
                "base64": base64.b64encode(data[begin:end]).decode("ascii"),
            }
        if isinstance(value, dict):
            return {k: inline(v) for k, v in value.items()}
        if isinstance(value, list):
            return [inline(v) for v in value]
        return value

    entry = {**inline(entry), "version": 1}
    gn.io.save(gn.load(path), path, metadata={CHECKPOINT_KEY: json.dumps(entry)})


def test_a_version_1_checkpoint_still_resumes_bit_for_bit(tmp_path: Path) -> None:
    whole = make_run(8)[0]
    path = tmp_path / "run.ckpt.safetensors"
    make_run(3, path)
    as_version_1(path)
    header, _ = split(path)
    assert not any(name.startswith("checkpoint.") for name in header)
    assert json.loads(header["__metadata__"][CHECKPOINT_KEY])["version"] == 1
    net = make_run(8, state=gn.load_checkpoint(path))[0]
    np.testing.assert_array_equal(net.parameter_vector(), whole.parameter_vector())


@pytest.mark.parametrize("name", ["MT19937", "Philox", "SFC64", "PCG64DXSM"])
def test_every_bit_generator_round_trips(tmp_path: Path, name: str) -> None:
    """Their states hold arrays, which once made the checkpoint's JSON fail to write."""
    X, y, _, _ = data()
    path = tmp_path / "c.safetensors"
    rng = np.random.Generator(getattr(np.random, name)(5))
    gn.Network.from_sizes([4, 2], seed=0).fit(
        X, y, epochs=1, seed=rng, verbose=0, callbacks=[gn.checkpoint.Checkpoint(path)]
    )
    state = gn.load_checkpoint(path)
    assert type(state.rng.bit_generator).__name__ == name
    assert state.rng.random() == rng.random()  # the same state, so the same next number


def test_an_adam_checkpoint_of_a_784_2048_2048_10_float64_network(tmp_path: Path) -> None:
    """Issue 14: about 5.8M float64 parameters made Adam's moments, as base64 in the header,
    pass the 100 MB header limit, and fit aborted. As tensors they fit, and resume bit for bit:
    one Adam step, a checkpoint, then one more step each way."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 784)), np.arange(8) % 10
    sizes = [784, 2048, 2048, 10]

    def fresh() -> gn.Network:
        return gn.Network.from_sizes(
            sizes, "relu", "softmax", "cross_entropy", seed=0, dtype="float64"
        )

    path = tmp_path / "big.ckpt.safetensors"
    half = fresh()
    opt = gn.Adam(lr=1e-3)
    half.fit(X, y, epochs=1, batch_size=8, optimizer=opt, seed=1, verbose=0,
             callbacks=[gn.checkpoint.Checkpoint(path)])  # fmt: skip
    header, _ = split(path)
    assert len(json.dumps(header)) < 100_000  # the arrays are in the data section
    assert path.stat().st_size > 3 * 8 * half.n_params  # weights and two moments, float64

    state = gn.load_checkpoint(path)
    assert state.net.parameter_vector().tobytes() == half.parameter_vector().tobytes()
    assert type(state.optimizer) is gn.Adam and state.optimizer.t == opt.t == 1
    for name, buf in opt.state.items():
        for l in range(1, half.L + 1):
            assert state.optimizer.state[name].W[l].tobytes() == buf.W[l].tobytes()
            assert state.optimizer.state[name].b[l].tobytes() == buf.b[l].tobytes()
    del half, opt, buf

    state.resume(X, y, epochs=2, verbose=0)
    whole = fresh()
    whole.fit(X, y, epochs=2, batch_size=8, optimizer=gn.Adam(lr=1e-3), seed=1, verbose=0)
    assert state.net.parameter_vector().tobytes() == whole.parameter_vector().tobytes()


def test_loading_a_checkpoint_takes_work_in_proportion_to_the_layers(tmp_path: Path) -> None:
    """Issue 14: loading was quadratic in the number of layers. Counted in lines of Python run
    (a measure of work that does not depend on the machine's load), twice the layers take twice
    the work."""
    X, y = np.zeros((4, 1)), np.zeros(4)
    work = {}
    for L in (200, 400):
        path = tmp_path / f"deep{L}.ckpt.safetensors"
        net = gn.Network.from_sizes([1] * (L + 1), activation="tanh", seed=0)
        net.fit(X, y, epochs=1, optimizer=gn.SGD(lr=0.1, momentum=0.9), verbose=0,
                callbacks=[gn.checkpoint.Checkpoint(path)])  # fmt: skip
        work[L] = traced_lines(lambda: gn.load_checkpoint(path))  # noqa: B023 (called at once)
    assert work[400] <= 2.2 * work[200], work


# -- optimizers by name: the registry ---------------------------------------------------------


class Lion(gn.Optimizer):
    """A user's own optimizer with a buffer, m (Lion's update):
    w ← w − η sign(β m + (1 − β) g), then m ← β m + (1 − β) g."""

    def __init__(self, lr: float, *, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta": self.beta}

    def buffer_names(self) -> tuple[str, ...]:
        return ("exp_avg",)

    def _update(self, w: np.ndarray, g: np.ndarray, slot: Any) -> None:
        m, tmp = slot.state["exp_avg"], slot.tmp
        np.multiply(m, self.beta, out=tmp)
        tmp += (1 - self.beta) * g
        w -= self.lr * np.sign(tmp)
        m *= self.beta
        m += (1 - self.beta) * g


@pytest.fixture
def lion() -> Iterator[type[Lion]]:
    register("lion", Lion, lr=1e-3, description="the sign of an interpolated momentum, times η")
    yield Lion
    OPTIMIZERS.pop("lion", None)


def lion_run(epochs: int, path: Path | None = None, state: gn.TrainingState | None = None) -> Any:
    X, y, _, _ = data()
    if state is not None:
        return state.resume(X, y, epochs=epochs, verbose=0)
    net = gn.Network.from_sizes([4, 6, 2], seed=2, dtype="float64")
    callbacks = [gn.checkpoint.Checkpoint(path)] if path is not None else []
    opt = Lion(0.01, beta=0.8)
    net.fit(X, y, epochs=epochs, batch_size=16, optimizer=opt, callbacks=callbacks, verbose=0)
    return net, opt


def test_a_registered_optimizer_of_ones_own_resumes_bit_for_bit(
    tmp_path: Path, lion: type[Lion]
) -> None:
    path = tmp_path / "lion.ckpt.safetensors"
    whole, _ = lion_run(6)
    _, opt = lion_run(3, path)
    state = gn.load_checkpoint(path)
    assert type(state.optimizer) is Lion and state.optimizer.hyperparameters() == {
        "lr": 0.01, "beta": 0.8
    }  # fmt: skip
    assert state.optimizer.t == opt.t == 3 * 5  # 70 samples in batches of 16: 5 per epoch
    for l in (1, 2):
        np.testing.assert_array_equal(
            state.optimizer.state["exp_avg"].W[l], opt.state["exp_avg"].W[l]
        )
    lion_run(6, state=state)
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())


def test_the_checkpoint_accepts_exactly_the_registered_classes(tmp_path: Path) -> None:
    X, y, _, _ = data()
    for i, cls in enumerate(registered_classes().values()):
        path = tmp_path / f"{i}.ckpt.safetensors"
        net = gn.Network.from_sizes([4, 3, 2], seed=0)
        opt = next(entry for entry in OPTIMIZERS.values() if entry.cls is cls)()
        net.fit(
            X, y, epochs=1, optimizer=opt, callbacks=[gn.checkpoint.Checkpoint(path)], verbose=0
        )
        loaded = gn.load_checkpoint(path).optimizer
        assert type(loaded) is cls and repr(loaded) == repr(opt) and loaded.t == opt.t


def test_an_optimizer_that_is_not_registered_is_refused_with_the_way_out(
    tmp_path: Path, lion: type[Lion]
) -> None:
    path = tmp_path / "lion.ckpt.safetensors"
    lion_run(1, path)
    del OPTIMIZERS["lion"]  # as in a process that never registered Lion
    with pytest.raises(
        ValueError,
        match=r"only SGD, Adagrad, RMSprop, Adam, AdamW are known by name; register its class",
    ):
        lion_run(1, tmp_path / "again.ckpt.safetensors")
    with pytest.raises(
        gn.ModelFormatError,
        match=r"names the optimizer 'Lion'; known: SGD, Adagrad, RMSprop, Adam, AdamW \(a class "
        r"of your own must be registered",
    ):
        gn.load_checkpoint(path)


# -- damaged checkpoints ----------------------------------------------------------------------


def rewrite(path: Path, change: object) -> None:
    """Edit the checkpoint's entry with ``change(entry)``, keeping its tensors as they are."""
    header, data = split(path)
    entry = json.loads(header["__metadata__"][CHECKPOINT_KEY])
    change(entry)  # type: ignore[operator]
    header["__metadata__"][CHECKPOINT_KEY] = json.dumps(entry)
    join(path, header, data)


def set_key(*keys: str, value: object) -> object:
    def change(entry: dict) -> None:  # type: ignore[type-arg]
        for key in keys[:-1]:
            entry = entry[key]
        entry[keys[-1]] = value

    return change


def swap(a: str, b: str) -> object:
    def change(entry: dict) -> None:  # type: ignore[type-arg]
        opt = entry["optimizer"]
        opt[a], opt[b] = opt[b], opt[a]

    return change


def mt19937(key: object, pos: object) -> dict:  # type: ignore[type-arg]
    state = {"key": key, "pos": pos}
    return {"bit_generator": "MT19937", "state": {"bit_generator": "MT19937", "state": state}}


# A History.stop as the checkpoint writes it
STOPPED = {"kind": "callback", "epoch": 2, "batch": 3, "lr": 0.1, "cost": None, "limit": None,
           "restored_epoch": None, "message": "enough"}  # fmt: skip


# A callback's state nested 985 deep: json.loads parses it, the Python decoding it did not.
DEEP = "[" * 985 + "]" * 985


@pytest.mark.parametrize(
    "change, match",
    [
        (set_key("version", value=99), "version 99.*upgrade glassnet"),
        (set_key("version", value=True), "version"),
        (set_key("epoch", value=-1), "epoch"),
        (set_key("epoch", value=7), "history has 2 epochs"),
        (set_key("optimizer", "optimizer", value="os.system"), "names the optimizer"),
        (set_key("optimizer", "lr", value=-1.0), "lr"),
        (set_key("rng", "bit_generator", value="Evil"), "bit generator"),
        (set_key("rng", "state", value={"state": 1}), "damaged.*'rng' state must be an object"),
        (set_key("rng", value=mt19937([1, 2, 3], 0)), r"\['key'\] must be a list of 624"),
        (set_key("rng", value=mt19937([1] * 624, 625)), r"\['pos'\] must be .* 0 to 624"),
        (set_key("rng", value=mt19937([-1] * 624, 0)), r"\['key'\] must be a list of 624"),
        (set_key("rng", "state", "state", "state", value=-5), "from 0 to"),
        (set_key("rng", "state", "has_uint32", value=2.5), "has_uint32"),
        (set_key("history", "loss", value=["x"]), "list of numbers"),
        (set_key("stop", value={"kind": "callback"}), "'stop' must be null or an object"),
        (set_key("stop", value=dict(STOPPED, kind="bored")), "Stop.kind must be one of"),
        (set_key("stop", value=dict(STOPPED, cost="lots")), "'stop' 'cost' must be a number"),
        (set_key("stop", value=dict(STOPPED, epoch=-1)), "stop.epoch"),
        (set_key("callbacks", value={"a": 1}), "'callbacks' must be a list"),
        (set_key("callbacks", value=[]), "tensors that the entry does not use"),
        (set_key("callbacks", 0, "state", "deep", value="DEEP"), "nests JSON too deeply"),
        (
            set_key("optimizer", "exp_avg.W[1]", value={"__tensor__": "checkpoint.nothing"}),
            "does not hold",
        ),
        (
            set_key("optimizer", "exp_avg.W[1]", value={"__tensor__": 5}),
            "__tensor__",
        ),
        (swap("exp_avg.W[1]", "exp_avg.b[1]"), "buffer"),
        (swap("exp_avg.W[1]", "exp_avg.W[2]"), "buffer"),
        (
            set_key(
                "optimizer",
                "exp_avg.W[1]",
                value={"__tensor__": "checkpoint.optimizer.exp_avg_sq.W[1]"},
            ),
            "twice",
        ),
    ],
)
def test_damaged_checkpoints_raise_model_format_error(
    tmp_path: Path, change: object, match: str
) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    rewrite(path, change)
    header, data = split(path)
    text = header["__metadata__"][CHECKPOINT_KEY]
    header["__metadata__"][CHECKPOINT_KEY] = text.replace('"DEEP"', DEEP)
    join(path, header, data)
    with pytest.raises(gn.ModelFormatError, match=match):
        gn.load_checkpoint(path)


def test_a_checkpoint_tensor_holding_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    header, data = split(path)
    begin, _ = header["checkpoint.optimizer.exp_avg_sq.b[2]"]["data_offsets"]
    raw = bytearray(data)
    raw[begin : begin + 4] = np.array([np.nan], "<f4").tobytes()
    join(path, header, bytes(raw))
    with pytest.raises(gn.ModelFormatError, match=r"exp_avg_sq\.b\[2\]' holds NaN"):
        gn.load_checkpoint(path)
    gn.load(path)  # the network itself is sound: gn.load skips the checkpoint's tensors


def test_a_checkpoint_tensor_of_too_many_dimensions_is_refused(tmp_path: Path) -> None:
    """NumPy makes arrays of at most 32 dimensions; a file must not ask for more."""
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    header, data = split(path)
    header["checkpoint.optimizer.exp_avg.b[2]"]["shape"] = [1] * 39 + [2]
    join(path, header, data)
    with pytest.raises(gn.ModelFormatError, match=r"not a list of sizes \(at most 8"):
        gn.load_checkpoint(path)


def break_array(entry: dict) -> None:  # type: ignore[type-arg]
    arr = entry["optimizer"]["exp_avg.W[1]"]
    arr["base64"] = arr["base64"][:-8]


def nan_array(entry: dict) -> None:  # type: ignore[type-arg]
    arr = entry["optimizer"]["exp_avg.W[1]"]
    n = int(np.prod(arr["shape"]))
    arr["base64"] = base64.b64encode(np.full(n, np.nan, "<f4").tobytes()).decode()


@pytest.mark.parametrize(
    "change, match",
    [
        (break_array, "holds"),
        (nan_array, "NaN"),
        (set_key("optimizer", "exp_avg.W[1]", "shape", value=[8, 8]), "buffer"),
        (set_key("optimizer", "exp_avg.W[1]", "shape", value=[True, 64]), "bad dtype or shape"),
    ],
)
def test_damaged_version_1_checkpoints_raise_model_format_error(
    tmp_path: Path, change: object, match: str
) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    as_version_1(path)
    rewrite(path, change)
    with pytest.raises(gn.ModelFormatError, match=match):
        gn.load_checkpoint(path)


def test_a_plain_model_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    gn.save(gn.Network.from_sizes([2, 1], seed=0), path)
    with pytest.raises(gn.ModelFormatError, match="not a checkpoint"):
        gn.load_checkpoint(path)
    gn.io.save(gn.load(path), path, metadata={CHECKPOINT_KEY: "{not json"})
    with pytest.raises(gn.ModelFormatError, match="damaged"):
        gn.load_checkpoint(path)


def test_checkpoint_callback_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        gn.checkpoint.Checkpoint(tmp_path / "no" / "c.safetensors")
    with pytest.raises(ValueError, match="every must be"):
        gn.checkpoint.Checkpoint(tmp_path / "c.safetensors", every=0)
    with pytest.raises(ValueError, match="monitor must be"):
        gn.checkpoint.Checkpoint(tmp_path / "c.safetensors", monitor="cost")
    assert os.listdir(tmp_path) == []


class StopAtEpoch(gn.Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, run: gn.TrainingRun) -> None:
        if run.epoch == self.epoch:
            run.stop("enough")


def test_the_history_stop_round_trips_and_old_files_still_load(tmp_path: Path) -> None:
    X, y, _, _ = data()
    path = tmp_path / "run.ckpt.safetensors"
    net = gn.Network.from_sizes([4, 5, 3], seed=0)
    saver = gn.checkpoint.Checkpoint(path)  # after the stop: it saves the stopped run
    h = net.fit(X, y, epochs=5, batch_size=8, verbose=0, callbacks=[StopAtEpoch(2), saver])
    assert h.stop is not None and h.stop.kind == "callback" and h.stop.epoch == 2
    loaded = gn.load_checkpoint(path).history
    assert loaded.stop == h.stop and loaded.stop_reason == "enough"
    # a file written before History.stop existed has only "stop_reason": a callback's stop
    rewrite(path, lambda entry: entry.pop("stop"))
    old = gn.load_checkpoint(path).history
    assert old.stop_reason == "enough" and old.stop_kind == "callback" and not old.diverged
    rewrite(path, set_key("stop_reason", value=None))
    assert gn.load_checkpoint(path).history.stop is None


def test_a_stop_whose_cost_overflowed_round_trips(tmp_path: Path) -> None:
    from glassnet.checkpoint import _stop_entry, _stop_from

    stop = gn.callbacks.Stop("diverged", 3, 1, 10.0, cost=float("inf"), restored_epoch=3,
                             message="the cost became inf")  # fmt: skip
    entry = _stop_entry(stop)
    assert entry is not None and entry["cost"] == "inf"
    assert "Infinity" not in json.dumps(entry)  # plain JSON, which has no inf
    assert _stop_from(entry) == stop and _stop_entry(None) is None
