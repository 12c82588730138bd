"""Checkpoints: resuming gives bit for bit the uninterrupted run, in this process or a fresh one;
damaged checkpoints give ModelFormatError."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.checkpoint import CHECKPOINT_KEY


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
        callbacks.append(gn.callbacks.Checkpoint(path))
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
            net.save(Path({str(tmp_path)!r}) / "final.safetensors")
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
    net.fit(X, y, epochs=2, verbose=0, callbacks=[gn.callbacks.Checkpoint(path)])
    loaded = gn.load(path)
    np.testing.assert_array_equal(loaded.parameter_vector(), net.parameter_vector())
    assert loaded.l2 == 0.01


def test_checkpoint_every_and_final_epoch(tmp_path: Path) -> None:
    saved: list[int] = []

    class Spy(gn.callbacks.Checkpoint):
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
    net = gn.Network.from_sizes([4, 32, 2], activation="tanh", seed=0)
    h = net.fit(
        X[:15],
        y[:15],
        epochs=40,
        batch_size=3,
        optimizer=gn.SGD(lr=2.0),
        validation_data=(Xv, yv),
        verbose=0,
        callbacks=[gn.callbacks.Checkpoint(path, monitor="val_loss")],
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


# -- damaged checkpoints ----------------------------------------------------------------------


def rewrite(path: Path, change: object) -> None:
    """Re-save the checkpoint with its entry changed by ``change(entry)``."""
    entry = json.loads(gn.io.read_metadata(path)[CHECKPOINT_KEY])
    change(entry)  # type: ignore[operator]
    gn.io.save(gn.load(path), path, metadata={CHECKPOINT_KEY: json.dumps(entry)})


def set_key(*keys: str, value: object) -> object:
    def change(entry: dict) -> None:  # type: ignore[type-arg]
        for key in keys[:-1]:
            entry = entry[key]
        entry[keys[-1]] = value

    return change


def break_array(entry: dict) -> None:  # type: ignore[type-arg]
    arr = entry["optimizer"]["exp_avg.W[1]"]
    arr["base64"] = arr["base64"][:-8]


def nan_array(entry: dict) -> None:  # type: ignore[type-arg]
    arr = entry["optimizer"]["exp_avg.W[1]"]
    n = int(np.prod(arr["shape"]))
    import base64

    arr["base64"] = base64.b64encode(np.full(n, np.nan, "<f4").tobytes()).decode()


@pytest.mark.parametrize(
    "change, match",
    [
        (set_key("version", value=99), "version"),
        (set_key("epoch", value=-1), "epoch"),
        (set_key("epoch", value=7), "history has 2 epochs"),
        (set_key("optimizer", "optimizer", value="os.system"), "names the optimizer"),
        (set_key("optimizer", "lr", value=-1.0), "lr"),
        (set_key("rng", "bit_generator", value="Evil"), "bit generator"),
        (set_key("rng", "state", value={"state": 1}), "damaged"),
        (set_key("history", "loss", value=["x"]), "list of numbers"),
        (set_key("callbacks", value={"a": 1}), "'callbacks' must be a list"),
        (break_array, "holds"),
        (nan_array, "NaN"),
        (set_key("optimizer", "exp_avg.W[1]", "shape", value=[8, 8]), "buffer"),
    ],
)
def test_damaged_checkpoints_raise_model_format_error(
    tmp_path: Path, change: object, match: str
) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    make_run(2, path)
    rewrite(path, change)
    with pytest.raises(gn.ModelFormatError, match=match):
        gn.load_checkpoint(path)


def test_a_plain_model_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    gn.Network.from_sizes([2, 1], seed=0).save(path)
    with pytest.raises(gn.ModelFormatError, match="not a checkpoint"):
        gn.load_checkpoint(path)
    gn.io.save(gn.load(path), path, metadata={CHECKPOINT_KEY: "{not json"})
    with pytest.raises(gn.ModelFormatError, match="damaged"):
        gn.load_checkpoint(path)


def test_checkpoint_callback_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        gn.callbacks.Checkpoint(tmp_path / "no" / "c.safetensors")
    with pytest.raises(ValueError, match="every must be"):
        gn.callbacks.Checkpoint(tmp_path / "c.safetensors", every=0)
    with pytest.raises(ValueError, match="monitor must be"):
        gn.callbacks.Checkpoint(tmp_path / "c.safetensors", monitor="cost")
    assert os.listdir(tmp_path) == []
