"""The model file: round trips, the exact layout, atomic saves, safetensors interop, and a
catalogue of damaged files that must each raise ModelFormatError (plus byte-level fuzzing)."""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import activations
from glassnet.io import (
    FORMAT_VERSION,
    MAX_HEADER_BYTES,
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    TEMP_SUFFIX,
    ModelFormatError,
    load,
    read_config,
    read_metadata,
    save,
)
from helpers import error_reading_a_fifo, peak_memory, traced_lines, xor_data

BUILT_IN_ACTIVATIONS = sorted(
    name for name, entry in activations.ACTIVATIONS.items() if isinstance(entry, type)
)
OUTPUT_FOR_COST = {
    "quadratic": "identity",
    "mse": "tanh",
    "elementwise_mse": "identity",
    "cross_entropy": "softmax",
    "binary_cross_entropy": "sigmoid",
}


# -- helpers --------------------------------------------------------------------------------------


def make_net(
    hidden: str | gn.Activation = "sigmoid",
    output: str | gn.Activation = "sigmoid",
    cost: str = "quadratic",
    dtype: str = "float32",
    sizes: tuple[int, ...] = (3, 4, 2),
    seed: int = 0,
) -> gn.Network:
    """A seeded network with nonzero biases, so that every parameter matters."""
    layers = [
        gn.Dense(sizes[l - 1], sizes[l], activation=output if l == len(sizes) - 1 else hidden)
        for l in range(1, len(sizes))
    ]
    net = gn.Network(layers, cost=cost, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def assert_same_network(a: gn.Network, b: gn.Network) -> None:
    """Same structure, bit-identical parameters, bit-identical outputs and gradients."""
    assert b.sizes == a.sizes and b.L == a.L
    assert b.dtype == a.dtype
    assert type(b.cost_function) is type(a.cost_function)
    assert [layer.config() for layer in b.layers] == [layer.config() for layer in a.layers]
    assert [layer.activation for layer in b.layers] == [layer.activation for layer in a.layers]
    for l in range(1, a.L + 1):
        for got, want in ((b.W[l], a.W[l]), (b.b[l], a.b[l])):
            assert got.dtype == want.dtype and got.shape == want.shape
            # laid out in memory as the original (W column by column, see glassnet.layers)
            assert got.flags.f_contiguous == want.flags.f_contiguous and got.flags.writeable
            assert got.tobytes() == want.tobytes()
    X = np.random.default_rng(7).normal(size=(5, a.sizes[0]))
    assert b.forward(X).tobytes() == a.forward(X).tobytes()
    Y = np.eye(a.sizes[-1])[np.arange(5) % a.sizes[-1]]
    assert b.gradient_vector(X, Y).tobytes() == a.gradient_vector(X, Y).tobytes()


def split_file(path: Path) -> tuple[dict[str, Any], bytes]:
    """The header (parsed here, independently of glassnet.io) and the data section."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def write_file(path: Path, header: dict[str, Any] | str | bytes, data: bytes) -> None:
    """A file in the safetensors layout with any header, valid or not."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode("utf-8")
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)


def temp_files(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(TEMP_SUFFIX)]


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", BUILT_IN_ACTIVATIONS)
def test_round_trip_every_activation(activation: str, dtype: str, tmp_path: Path) -> None:
    net = make_net(hidden=activation, output=activation, dtype=dtype)
    save(net, tmp_path / "net.safetensors")
    assert_same_network(net, load(tmp_path / "net.safetensors"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cost", sorted(OUTPUT_FOR_COST))
def test_round_trip_every_cost(cost: str, dtype: str, tmp_path: Path) -> None:
    net = make_net(hidden="relu", output=OUTPUT_FOR_COST[cost], cost=cost, dtype=dtype)
    save(net, tmp_path / "net.safetensors")
    again = load(tmp_path / "net.safetensors")
    assert_same_network(net, again)
    assert again.cost_function.name == cost


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_keeps_activation_parameters_and_init(dtype: str, tmp_path: Path) -> None:
    layers = [
        gn.Dense(3, 5, activation=activations.LeakyReLU(slope=0.2), init="small"),
        gn.Dense(5, 4, activation=activations.ELU(alpha=0.5), init="xavier"),
        gn.Dense(4, 4, activation="gelu"),
        gn.Dense(4, 2, activation="softmax"),
    ]
    net = gn.Network(layers, cost="cross_entropy", seed=3, dtype=dtype)
    save(net, tmp_path / "net.safetensors")
    again = load(tmp_path / "net.safetensors")
    assert_same_network(net, again)
    assert again.layers[0].activation.config() == {"slope": 0.2}
    assert again.layers[1].activation.config() == {"alpha": 0.5}
    assert [layer.init for layer in again.layers] == ["small", "xavier", "he", "xavier"]


def test_round_trip_of_a_trained_network(tmp_path: Path) -> None:
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], cost="binary_cross_entropy", seed=0, dtype="float64")
    net.fit(X, y, epochs=200, batch_size=4, optimizer=gn.SGD(lr=2.0), verbose=0)
    save(net, tmp_path / "xor.safetensors", metadata={"epochs": "200"})
    again = load(tmp_path / "xor.safetensors", seed=0)
    assert_same_network(net, again)
    assert again.evaluate(X, y) == net.evaluate(X, y)


def test_single_layer_network_and_wide_layers(tmp_path: Path) -> None:
    for sizes in [(1, 1), (7, 1), (20, 33, 3)]:
        net = make_net(sizes=sizes, output="identity")
        save(net, tmp_path / "net.safetensors")
        assert_same_network(net, load(tmp_path / "net.safetensors"))


def test_metadata_and_config_read_back(tmp_path: Path) -> None:
    net = make_net(hidden=activations.LeakyReLU(0.3), output="sigmoid", dtype="float64")
    meta = {"author": "Ada", "note": "ünïcødé ✓", "empty": "", "json": json.dumps({"a": [1]})}
    path = tmp_path / "net.safetensors"
    save(net, path, metadata=meta)
    assert read_metadata(path) == meta
    config = read_config(path)
    assert config == {
        "format_version": 1,  # a network alone: the first version, as every glassnet wrote it
        "glassnet_version": gn.__version__,
        "sizes": [3, 4, 2],
        "dtype": "float64",
        "cost": "quadratic",
        "layers": [
            {
                "n_in": 3,
                "n_out": 4,
                "activation": {"name": "leaky_relu", "slope": 0.3},
                "init": "he",
            },
            {"n_in": 4, "n_out": 2, "activation": {"name": "sigmoid"}, "init": "xavier"},
        ],
    }
    save(net, path)  # no metadata: none comes back
    assert read_metadata(path) == {}


def test_the_file_layout(tmp_path: Path) -> None:
    net = make_net(hidden="tanh", output="sigmoid", sizes=(3, 4, 2))
    path = tmp_path / "net.safetensors"
    save(net, path, metadata={"k": "v"})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and len(raw) > 8 + n
    text = raw[8 : 8 + n].decode("utf-8")
    assert text.startswith("{") and text.rstrip(" ").endswith("}")
    assert len(text) - len(text.rstrip(" ")) < 8  # padded with fewer than 8 spaces
    header = json.loads(text)
    assert list(header) == ["__metadata__", "W.1", "b.1", "W.2", "b.2"]
    assert list(header["__metadata__"]) == ["glassnet", "k"]
    position = 0
    for l in (1, 2):
        for name, arr in ((f"W.{l}", net.W[l]), (f"b.{l}", net.b[l])):
            entry = header[name]
            assert entry == {
                "dtype": "F32",
                "shape": list(arr.shape),
                "data_offsets": [position, position + arr.nbytes],
            }
            assert (
                raw[8 + n + position : 8 + n + position + arr.nbytes] == arr.astype("<f4").tobytes()
            )
            position += arr.nbytes
    assert 8 + n + position == len(raw)


def test_saving_is_deterministic_and_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    save(make_net(seed=1), path)
    first = path.read_bytes()
    save(make_net(seed=1), path)
    assert path.read_bytes() == first
    save(make_net(seed=2, dtype="float64"), path)  # replaces the old file
    assert load(path).dtype == np.float64
    assert temp_files(tmp_path) == []


def test_paths_may_be_strings(tmp_path: Path) -> None:
    path = str(tmp_path / "net.safetensors")
    save(make_net(), path)
    assert load(path).sizes == [3, 4, 2]


# -- your own activations -------------------------------------------------------------------------


def cube() -> gn.Activation:
    return gn.Activation("test_io_cube", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)


class Scaled(gn.Activation):
    """An activation with a parameter, for testing registered instances."""

    name = "test_io_scaled"

    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, z: np.ndarray) -> np.ndarray:
        return self.k * z

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.full_like(z, self.k)

    def config(self) -> dict[str, Any]:
        return {"k": self.k}


def test_a_registered_activation_loads_only_while_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act = cube()
    monkeypatch.setitem(activations.ACTIVATIONS, act.name, act)
    net = make_net(hidden=act, output="identity", dtype="float64")
    path = tmp_path / "cube.safetensors"
    save(net, path)
    again = load(path)
    assert again.layers[0].activation is act
    assert_same_network(net, again)

    monkeypatch.delitem(activations.ACTIVATIONS, act.name)  # as in a fresh process
    with pytest.raises(ModelFormatError, match=r"'test_io_cube'.*not registered.*register it"):
        load(path)
    assert read_config(path)["layers"][0]["activation"] == {"name": "test_io_cube"}

    monkeypatch.setitem(activations.ACTIVATIONS, act.name, act)  # registered again: loads
    assert_same_network(net, load(path))


def test_a_registered_activation_with_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(activations.ACTIVATIONS, Scaled.name, Scaled(2.0))
    net = make_net(hidden=activations.ACTIVATIONS[Scaled.name], output="identity")
    path = tmp_path / "scaled.safetensors"
    save(net, path)
    assert_same_network(net, load(path))
    monkeypatch.setitem(activations.ACTIVATIONS, Scaled.name, Scaled(3.0))
    with pytest.raises(ModelFormatError, match=r"parameters \{'k': 2\.0\} in the file.*'k': 3\.0"):
        load(path)


def test_save_refuses_what_it_could_not_load_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "net.safetensors"
    with pytest.raises(ValueError, match=r"not the one glassnet finds.*register"):
        save(make_net(hidden=cube(), output="identity"), path)  # never registered
    fake_relu = gn.Activation("relu", forward=np.tanh, prime=lambda z, a: 1 - a * a)
    with pytest.raises(ValueError, match="name of its own"):
        save(make_net(hidden=fake_relu, output="identity"), path)  # would load as the real relu
    registered = cube()
    monkeypatch.setitem(activations.ACTIVATIONS, registered.name, registered)
    with pytest.raises(ValueError, match="not the one glassnet finds"):
        save(make_net(hidden=cube(), output="identity"), path)  # same name, another function

    class Halved(gn.costs.Quadratic):
        name = "halved"

    net = make_net(output="identity")
    net.cost_function = Halved()
    with pytest.raises(ValueError, match="not one of glassnet's built-in costs"):
        save(net, path)
    assert not path.exists() and temp_files(tmp_path) == []


def test_save_checks_its_arguments(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    net = make_net()
    with pytest.raises(ValueError, match="takes a glassnet Network"):
        save("not a network", path)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strings to strings"):
        save(net, path, metadata={"epochs": 30})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="strings to strings"):
        save(net, path, metadata={1: "x"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="dict of str -> str"):
        save(net, path, metadata=["a"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserved"):
        save(net, path, metadata={"glassnet": "mine"})
    with pytest.raises(ValueError, match="UTF-8"):
        save(net, path, metadata={"bad": "\ud800"})
    net.layers[1].W[0, 0] = np.nan  # behind the ByLayer check, as a diverged training run does
    with pytest.raises(ValueError, match=r"net\.W\[2\] holds NaN.*nothing was written"):
        save(net, path)
    assert not path.exists() and temp_files(tmp_path) == []


# -- atomic saves ---------------------------------------------------------------------------------


def _fail(*args: object, **kwargs: object) -> None:
    raise OSError("simulated failure")


def _write_half_then_interrupt(f: Any, header: bytes, tensors: list[np.ndarray]) -> None:
    f.write(struct.pack("<Q", len(header)) + header[: len(header) // 2])
    raise KeyboardInterrupt  # even an interrupt must not leave a half-written file


@pytest.mark.parametrize(
    "target, replacement",
    [
        ("os.replace", _fail),
        ("os.fsync", _fail),
        ("glassnet.io._write_contents", _write_half_then_interrupt),
    ],
)
def test_a_failed_save_leaves_the_previous_file(
    target: str, replacement: Callable[..., None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "net.safetensors"
    old = make_net(seed=1)
    save(old, path, metadata={"version": "old"})
    before = path.read_bytes()
    monkeypatch.setattr(target, replacement)
    with pytest.raises((OSError, KeyboardInterrupt)):
        save(make_net(seed=2, dtype="float64"), path, metadata={"version": "new"})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert_same_network(old, load(path))
    assert read_metadata(path) == {"version": "old"}
    assert temp_files(tmp_path) == [] and os.listdir(tmp_path) == ["net.safetensors"]


def test_a_failed_first_save_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.replace", _fail)
    with pytest.raises(OSError, match="simulated"):
        save(make_net(), tmp_path / "net.safetensors")
    assert os.listdir(tmp_path) == []


def test_a_crash_mid_save_leaves_the_previous_file(tmp_path: Path) -> None:
    # A killed process leaves its temporary file behind but never touches the target.
    path = tmp_path / "net.safetensors"
    old = make_net(seed=1)
    save(old, path)
    (tmp_path / f"net.safetensors.dead{TEMP_SUFFIX}").write_bytes(path.read_bytes()[:100])
    assert_same_network(old, load(path))
    save(make_net(seed=2), path)  # the next save is not disturbed by the leftover either
    assert_same_network(make_net(seed=2), load(path))


def test_os_errors_are_not_format_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.safetensors")
    with pytest.raises(FileNotFoundError):
        read_metadata(tmp_path / "missing.safetensors")
    with pytest.raises(FileNotFoundError):
        save(make_net(), tmp_path / "no" / "such" / "folder.safetensors")
    with pytest.raises(OSError):
        load(tmp_path)  # a directory
    assert os.listdir(tmp_path) == []


# -- killed saves ---------------------------------------------------------------------------------

# A child process that saves a 32 MB network and is stopped halfway through writing its data:
# it announces that it is stalled by creating the file ``ready``, and sleeps until killed.
KILLED_SAVE = """
import os, sys, time
import glassnet as gn
from glassnet import io as gio

path, ready = sys.argv[1], sys.argv[2]
real = gio._write_contents

class Stalls:
    def __init__(self, f):
        self.f, self.written = f, 0
    def write(self, data):
        self.written += self.f.write(data)
        if self.written > 16_000_000:  # half of the data is on disk
            self.f.flush()
            open(ready, "w").close()
            time.sleep(600)
        return len(data)

gio._write_contents = lambda f, header, tensors: real(Stalls(f), header, tensors)
gio.save(gn.Network.from_sizes([1000, 4000, 1000], seed=0), path)
"""


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    for _ in range(2400):  # up to 2 minutes: a loaded machine may take long to start Python
        if path.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert path.exists(), f"the saving process never stalled (exit code {process.poll()})"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_save_killed_mid_write_leaves_the_old_file_and_its_temporary_goes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "net.safetensors"
    old = make_net(seed=1)
    save(old, path)
    before = path.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, str(path), str(tmp_path / "ready")],
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(tmp_path / "ready", process)
        (orphan,) = temp_files(tmp_path)
        assert orphan.startswith(f"net.safetensors.{process.pid}.")
        assert (tmp_path / orphan).stat().st_size > 16_000_000
    finally:
        process.kill()  # SIGKILL: no except or finally of the child's runs
        process.wait()
    assert path.read_bytes() == before  # the target was never touched
    assert_same_network(old, load(path))
    assert temp_files(tmp_path) == [orphan]  # loading deletes nothing

    save(make_net(seed=2), path)  # the next save to the same file cleans up after the killed one
    assert temp_files(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == ["net.safetensors", "ready"]
    assert_same_network(make_net(seed=2), load(path))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(os.name == "nt", reason="POSIX process ids and locks")
def test_only_temporaries_of_finished_saves_to_the_same_file_are_removed(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "net.safetensors"
    dead = _dead_pid()
    names = {
        "dead": f"net.safetensors.{dead}.0123abcd{TEMP_SUFFIX}",
        "mine": f"net.safetensors.{os.getpid()}.0123abcd{TEMP_SUFFIX}",  # a save in this process
        "alive": f"net.safetensors.{os.getppid()}.0123abcd{TEMP_SUFFIX}",  # a running process
        "locked": f"net.safetensors.{dead}.4567cdef{TEMP_SUFFIX}",  # a running save holds it
        "other file": f"other.safetensors.{dead}.0123abcd{TEMP_SUFFIX}",
        "not a save's": f"net.safetensors.{dead}.x{TEMP_SUFFIX}",
        "old style": f"net.safetensors.0123abcd{TEMP_SUFFIX}",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    fd = os.open(tmp_path / names["locked"], os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        save(make_net(), path)
    finally:
        os.close(fd)
    left = {key for key, name in names.items() if (tmp_path / name).exists()}
    assert left == set(names) - {"dead"}


# -- bounded reading: time, memory, and files that are not files ---------------------------------


def deep_net(L: int) -> gn.Network:
    return gn.Network.from_sizes([1] * (L + 1), activation="tanh", seed=0)


def test_loading_takes_work_in_proportion_to_the_layers(tmp_path: Path) -> None:
    """Issue 14: each ``net.W[l]`` rebuilt a list of all L arrays, so loading was quadratic in
    L (a 4 MB file of 20,000 1×1 layers took half a minute). Twice the layers, twice the work."""
    work = {}
    for L in (400, 800):
        path = tmp_path / f"deep{L}.safetensors"
        save(deep_net(L), path)
        work[L] = [
            traced_lines(lambda: load(path)),  # noqa: B023 (called at once)
            traced_lines(lambda: read_config(path)),  # noqa: B023
            traced_lines(lambda: read_metadata(path)),  # noqa: B023
        ]
    for small, large in zip(work[400], work[800]):
        assert large <= 2.2 * small, (small, large)


def test_a_file_of_20000_layers_is_refused_and_one_at_the_limit_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a valid 4 MB file of 20,000 1×1 layers took 24-37 s to load. It is now refused
    in one sentence (no one trains 20,000 layers), and a file of MAX_LAYERS layers loads."""
    assert gn.io.MAX_LAYERS == 10_000
    path = tmp_path / "deep.safetensors"
    with monkeypatch.context() as m:  # save() refuses such a network, as load() does
        m.setattr("glassnet.io.MAX_LAYERS", 20_000)
        save(deep_net(20_000), path)
    assert 4_000_000 < path.stat().st_size < 6_000_000
    with pytest.raises(ModelFormatError, match="20,000 layers, more than the 10,000"):
        load(path)

    at_limit = tmp_path / "limit.safetensors"
    net = deep_net(10_000)
    save(net, at_limit)
    start = time.perf_counter()
    again = load(at_limit)
    seconds = time.perf_counter() - start
    assert again.L == 10_000 and again.W[-1].tobytes() == net.W[-1].tobytes()
    # about half a second on a busy two-core machine; the bound is loose (24-37 s before)
    assert seconds < 10


def test_too_many_layers_are_refused_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep.safetensors"
    save(deep_net(5), path)
    monkeypatch.setattr("glassnet.io.MAX_LAYERS", 4)
    with pytest.raises(ModelFormatError, match="5 layers, more than the 4"):
        load(path)
    with pytest.raises(ValueError, match="cannot save a network of 5 layers"):
        save(deep_net(5), tmp_path / "again.safetensors")
    assert gn.io.MAX_LAYERS == 4 and not (tmp_path / "again.safetensors").exists()


def test_loading_takes_the_networks_memory_and_little_more(tmp_path: Path) -> None:
    """Issue 14: a 1 GiB model peaked at 4 GiB. The tensors are read a block at a time straight
    into the network's arrays: no copy of the file, no arrays beside the network's."""
    net = gn.Network.from_sizes([1000, 5000, 2000], seed=0)  # 60 MB of float32
    path = tmp_path / "big.safetensors"
    size_peak = peak_memory(lambda: save(net, path))
    size = path.stat().st_size
    assert size > 60_000_000
    assert size_peak < 4 << 20  # saving writes from the arrays, a block at a time
    loaded: list[gn.Network] = []
    assert peak_memory(lambda: loaded.append(load(path))) < 1.05 * size + (2 << 20)
    assert loaded[0].W[2].tobytes() == net.W[2].tobytes()


def test_a_header_of_too_many_values_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: 95 MB of metadata keys took 1.8 GB to parse, 19 times the text. Counted first,
    they are refused with the memory of the text alone (here with a limit of 200,000 values,
    to keep the test quick; MAX_JSON_VALUES is 4,000,000)."""
    assert MAX_JSON_VALUES == 4_000_000
    monkeypatch.setattr("glassnet.io.MAX_JSON_VALUES", 200_000)
    path = tmp_path / "net.safetensors"
    save(make_net(), path)
    header, data = split_file(path)
    many = ",".join(f'"k{i}":""' for i in range(100_001))
    text = json.dumps(header)[:-1] + ", " + many + "}"
    write_file(path, text, data)
    with pytest.raises(ModelFormatError, match="more than 200,000 JSON values"):
        load(path)
    assert peak_memory(lambda: load(path)) < 3 * len(text)  # the bytes and the str, no more


def test_json_values_are_counted_outside_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("glassnet.io.MAX_JSON_VALUES", 500)
    path = tmp_path / "net.safetensors"
    text = 'commas, colons: "quoted", \\ and more' * 100  # 300 of each, inside one string
    save(make_net(), path, metadata={"note": text})
    assert read_metadata(path) == {"note": text}
    header, data = split_file(path)
    header["__metadata__"].update({f"k{i}": "" for i in range(250)})  # 500 more values
    write_file(path, header, data)
    with pytest.raises(ModelFormatError, match="its header holds more than 500 JSON values"):
        read_metadata(path)
    with pytest.raises(ValueError, match="cannot save: the header would hold more than 500"):
        save(make_net(), path, metadata={f"k{i}": "" for i in range(250)})


def test_metadata_entries_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("glassnet.io.MAX_METADATA_ENTRIES", 10)
    path = tmp_path / "net.safetensors"
    with pytest.raises(ValueError, match=r"metadata has 10 entries.* at most 9 of yours"):
        save(make_net(), path, metadata={f"k{i}": "" for i in range(10)})
    save(make_net(), path, metadata={f"k{i}": "" for i in range(9)})
    header, data = split_file(path)
    header["__metadata__"]["one too many"] = ""
    write_file(path, header, data)
    with pytest.raises(ModelFormatError, match="11 entries, more than the 10"):
        load(path)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 985, 100_000])
def test_deep_nesting_is_refused(depth: int, tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    save(make_net(), path)
    header, data = split_file(path)
    deep = "[" * (depth - 1) + "]" * (depth - 1)  # inside the header's object: depth in all
    write_file(path, json.dumps(header)[:-1] + ', "deep": ' + deep + "}", data)
    with pytest.raises(ModelFormatError, match="nests JSON too deeply"):
        load(path)
    header["__metadata__"]["glassnet"] = header["__metadata__"]["glassnet"][:-1] + (
        ', "deep": ' + deep + "}"
    )
    write_file(path, header, data)
    with pytest.raises(ModelFormatError, match="glassnet'\\] nests JSON too deeply"):
        read_config(path)


def test_nesting_up_to_the_limit_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    save(make_net(), path)
    header, data = split_file(path)
    deep = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    write_file(path, json.dumps(header)[:-1] + ', "deep": ' + deep + "}", data)
    with pytest.raises(ModelFormatError, match=r"entries \['deep'\] that are not among"):
        load(path)  # parsed, then refused for what it is


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.parametrize("read", [load, read_metadata, read_config])
def test_a_fifo_is_refused_without_waiting_for_a_writer(
    read: Callable[[Path], object], tmp_path: Path
) -> None:
    """Issue 14: opening a FIFO waits until something writes to it, which may be never."""
    exc = error_reading_a_fifo(read, tmp_path / "pipe.safetensors")
    assert isinstance(exc, ModelFormatError)
    assert "it is a FIFO (named pipe), not a regular file" in str(exc)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(ModelFormatError, match="it is a character device, not a regular file"):
        load("/dev/zero")  # it would never end


def test_a_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        load(tmp_path)
    with pytest.raises(IsADirectoryError):
        read_config(tmp_path)


# -- safetensors interop --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_safetensors_reads_glassnet_files(dtype: str, tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    safetensors = pytest.importorskip("safetensors")
    net = make_net(activations.LeakyReLU(0.2), "softmax", cost="cross_entropy", dtype=dtype)
    path = tmp_path / "net.safetensors"
    save(net, path, metadata={"task": "digits ✓"})
    tensors = safetensors_numpy.load_file(str(path))
    assert sorted(tensors) == ["W.1", "W.2", "b.1", "b.2"]
    for l in (1, 2):
        for name, arr in ((f"W.{l}", net.W[l]), (f"b.{l}", net.b[l])):
            assert tensors[name].dtype == arr.dtype and tensors[name].tobytes() == arr.tobytes()
    with safetensors.safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    assert meta["task"] == "digits ✓"
    assert json.loads(meta["glassnet"])["cost"] == "cross_entropy"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_glassnet_reads_safetensors_files(dtype: str, tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(0)
    tensors = {  # a 3-4-2 network, written by the safetensors library
        "W.1": rng.normal(size=(4, 3)).astype(dtype),
        "b.1": rng.normal(size=4).astype(dtype),
        "W.2": rng.normal(size=(2, 4)).astype(dtype),
        "b.2": rng.normal(size=2).astype(dtype),
    }
    config = {  # written by hand from the documented format
        "format_version": 1,
        "sizes": [3, 4, 2],
        "dtype": dtype,
        "cost": "binary_cross_entropy",
        "layers": [
            {"n_in": 3, "n_out": 4, "activation": {"name": "elu", "alpha": 0.7}},
            {"n_in": 4, "n_out": 2, "activation": {"name": "sigmoid"}, "init": None},
        ],
    }
    path = tmp_path / "from_safetensors.safetensors"
    safetensors_numpy.save_file(
        tensors, str(path), metadata={"glassnet": json.dumps(config), "source": "safetensors"}
    )
    net = load(path)
    assert net.sizes == [3, 4, 2] and net.dtype == np.dtype(dtype)
    assert net.layers[0].activation == activations.ELU(alpha=0.7)
    assert net.cost_function.name == "binary_cross_entropy"
    assert read_metadata(path) == {"source": "safetensors"}
    for l in (1, 2):
        assert net.W[l].tobytes() == tensors[f"W.{l}"].tobytes()
        assert net.b[l].tobytes() == tensors[f"b.{l}"].tobytes()
    X = rng.normal(size=(6, 3)).astype(dtype)
    a = X
    for l, act in ((1, activations.ELU(alpha=0.7)), (2, activations.Sigmoid())):
        a = act(a @ tensors[f"W.{l}"].T + tensors[f"b.{l}"])
    np.testing.assert_array_equal(net.forward(X), a)


def test_a_safetensors_file_without_glassnet_config_is_refused(tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "plain.safetensors"
    safetensors_numpy.save_file({"W.1": np.zeros((2, 2), np.float32)}, str(path))
    with pytest.raises(ModelFormatError, match="no '__metadata__'"):
        load(path)
    safetensors_numpy.save_file({"W.1": np.zeros((2, 2), np.float32)}, str(path), {"a": "b"})
    with pytest.raises(ModelFormatError, match="no 'glassnet' entry"):
        load(path)


# -- damaged files --------------------------------------------------------------------------------


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    """A valid file: a 3-2-2 network with leaky_relu(0.2) and sigmoid layers, float32."""
    net = make_net(hidden=activations.LeakyReLU(0.2), output="sigmoid", sizes=(3, 2, 2))
    path = tmp_path / "valid.safetensors"
    save(net, path, metadata={"note": "ok"})
    return path


def edit_config(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], None]:
    """A header edit that changes the parsed configuration and stores it back."""

    def edit(header: dict[str, Any]) -> None:
        config = json.loads(header["__metadata__"]["glassnet"])
        change(config)
        header["__metadata__"]["glassnet"] = json.dumps(config)

    return edit


def set_in(*keys: object, value: object) -> Callable[[Any], None]:
    def change(obj: Any) -> None:
        for key in keys[:-1]:
            obj = obj[key]
        obj[keys[-1]] = value

    return change


def delete(*keys: object) -> Callable[[Any], None]:
    def change(obj: Any) -> None:
        for key in keys[:-1]:
            obj = obj[key]
        del obj[keys[-1]]

    return change


# Each case edits the parsed header; the regex is what the message must say.
HEADER_CASES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "no __metadata__": (delete("__metadata__"), "no '__metadata__'"),
    "__metadata__ not an object": (
        set_in("__metadata__", value=["x"]),
        "'__metadata__' must be a JSON object",
    ),
    "non-string metadata": (
        set_in("__metadata__", "epochs", value=30),
        r"__metadata__\['epochs'\] is a JSON number.*must be strings",
    ),
    "null metadata": (set_in("__metadata__", "note", value=None), "is a JSON null"),
    "missing config": (delete("__metadata__", "glassnet"), "no 'glassnet' entry"),
    "config not JSON": (
        set_in("__metadata__", "glassnet", value="{sizes: [3, 2, 2]}"),
        r"__metadata__\['glassnet'\] is not valid JSON",
    ),
    "config not an object": (
        set_in("__metadata__", "glassnet", value="[3, 2, 2]"),
        "must be a JSON object .* JSON array",
    ),
    "newer format version": (
        edit_config(set_in("format_version", value=FORMAT_VERSION + 1)),
        f"format version {FORMAT_VERSION + 1}.*upgrade glassnet",
    ),
    "format version a string": (
        edit_config(set_in("format_version", value="1")),
        "'format_version', a positive integer",
    ),
    "config lacks cost": (edit_config(delete("cost")), "lacks 'cost'"),
    "config has an unknown key": (
        edit_config(set_in("optimizer", value="sgd")),
        "unknown 'optimizer'",
    ),
    "sizes with a zero": (
        edit_config(set_in("sizes", value=[3, 0, 2])),
        "'sizes' must list at least two positive integers",
    ),
    "sizes of strings": (edit_config(set_in("sizes", value=["3", "2", "2"])), "'sizes' must"),
    "sizes a boolean list": (edit_config(set_in("sizes", value=[True, 2, 2])), "'sizes' must"),
    "dtype float16": (edit_config(set_in("dtype", value="float16")), "'dtype' must be"),
    "too few layers": (
        edit_config(lambda c: c["layers"].pop()),
        "'layers' must be a list of 2 layers",
    ),
    "layer sizes disagree": (
        edit_config(set_in("layers", 1, "n_in", value=3)),
        r"layer 2 .* need n_in = 2",
    ),
    "layer not an object": (edit_config(set_in("layers", 0, value="dense")), "JSON string"),
    "activation without a name": (
        edit_config(set_in("layers", 0, "activation", value={"slope": 0.2})),
        "'activation' must be an object with a 'name'",
    ),
    "unknown activation": (
        edit_config(set_in("layers", 0, "activation", value={"name": "swishy"})),
        r"activation 'swishy', which is not registered.*register it before loading",
    ),
    "leaky_relu without slope": (
        edit_config(set_in("layers", 0, "activation", value={"name": "leaky_relu"})),
        r"takes the parameters \['slope'\]",
    ),
    "leaky_relu slope a string": (
        edit_config(set_in("layers", 0, "activation", "slope", value="0.2")),
        "slope = '0.2'",
    ),
    "leaky_relu slope a boolean": (
        edit_config(set_in("layers", 0, "activation", "slope", value=True)),
        "slope = True",
    ),
    "elu alpha negative": (
        edit_config(set_in("layers", 0, "activation", value={"name": "elu", "alpha": -1.0})),
        "is invalid: elu alpha must be a positive",
    ),
    "sigmoid with parameters": (
        edit_config(set_in("layers", 1, "activation", "forward", value="os.system")),
        r"'sigmoid' takes the parameters \[\]",
    ),
    "unknown init": (edit_config(set_in("layers", 0, "init", value="orthogonal")), "init scheme"),
    "unknown cost": (edit_config(set_in("cost", value="hinge")), "cost 'hinge'"),
    "cost needs another output": (
        edit_config(set_in("cost", value="cross_entropy")),
        "does not make a valid network.*needs a softmax output",
    ),
    "missing tensor": (delete("b.2"), "no tensor 'b.2'"),
    "extra tensor": (set_in("W.3", value={}), r"\['W\.3'\] that are not among"),
    "tensor entry not an object": (set_in("W.1", value=[1, 2]), "must be an object"),
    "tensor entry with an extra key": (set_in("W.1", "scale", value=2), "unknown 'scale'"),
    "tensor entry without dtype": (delete("W.1", "dtype"), "lacks 'dtype'"),
    "dtype F16": (set_in("W.1", "dtype", value="F16"), "dtype 'F16'.*'F32'"),
    "dtype I32": (set_in("b.1", "dtype", value="I32"), "dtype 'I32'"),
    "dtype a number": (set_in("b.1", "dtype", value=4), "dtype 4"),
    "dtype disagrees with config": (
        set_in("W.1", "dtype", value="F64"),
        "dtype F64, but the configuration says the network is float32",
    ),
    "shape transposed": (
        set_in("W.1", "shape", value=[3, 2]),
        r"'W\.1' \(net\.W\[1\]\) has shape \[3, 2\], but sizes \[3, 2, 2\] need \[2, 3\]",
    ),
    "shape not a list": (set_in("b.1", "shape", value=2), "not a list of sizes"),
    "shape negative": (set_in("b.1", "shape", value=[-2]), "not a list of sizes"),
    "offsets negative": (set_in("W.1", "data_offsets", value=[-4, 20]), "0 ≤ begin ≤ end"),
    "offsets reversed": (set_in("W.1", "data_offsets", value=[24, 0]), "0 ≤ begin ≤ end"),
    "offsets of floats": (set_in("W.1", "data_offsets", value=[0.0, 24.0]), "data_offsets"),
    "three offsets": (set_in("W.1", "data_offsets", value=[0, 12, 24]), "data_offsets"),
    "offsets of the wrong length": (
        set_in("W.1", "data_offsets", value=[0, 20]),
        "20 bytes, but a F32 tensor of shape \\[2, 3\\] takes 24 bytes",
    ),
    "offsets out of range": (
        set_in("b.2", "data_offsets", value=[1000, 1008]),
        "needs bytes 1,000..1,008 .* only 56 bytes of data",
    ),
    "offsets overlapping": (set_in("b.1", "data_offsets", value=[16, 24]), "overlaps"),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
def test_bad_header(case: str, valid: Path) -> None:
    edit, message = HEADER_CASES[case]
    header, data = split_file(valid)
    edit(header)
    write_file(valid, header, data)
    with pytest.raises(ModelFormatError, match=message) as info:
        load(valid)
    assert type(info.value) is ModelFormatError and isinstance(info.value, ValueError)
    assert str(valid) in str(info.value) and info.value.path == str(valid)


def _raw_cases(header: dict[str, Any], data: bytes) -> dict[str, tuple[bytes, str]]:
    """Damage below the level of the parsed header: the length field, the bytes, the data."""
    text = json.dumps(header)
    good = struct.pack("<Q", len(text)) + text.encode()
    nan = bytearray(data)
    nan[4:8] = struct.pack("<f", float("nan"))
    inf = bytearray(data)
    inf[-4:] = struct.pack("<f", float("-inf"))
    return {
        "empty file": (b"", "0 bytes long, too short"),
        "seven bytes": (good[:7], "7 bytes long, too short"),
        "header length 2**64 - 1": (
            struct.pack("<Q", 2**64 - 1) + text.encode() + data,
            "header length of 18,446,744,073,709,551,615 bytes, more than the 100,000,000",
        ),
        "header length just over the limit": (
            struct.pack("<Q", MAX_HEADER_BYTES + 1) + text.encode() + data,
            "more than the 100,000,000 allowed",
        ),
        "header longer than the file": (
            struct.pack("<Q", len(text) + len(data) + 1) + text.encode() + data,
            "only .* bytes follow the length field; the file is truncated",
        ),
        "text file": (b"hello, world! not a model", "more than the 100,000,000"),
        "header not UTF-8": (struct.pack("<Q", 4) + b"{\xff\xfe}" + data, "not UTF-8"),
        "header not JSON": (struct.pack("<Q", 8) + b"{not js}" + data, "not valid JSON"),
        "header a JSON array": (struct.pack("<Q", 6) + b"[1, 2]" + data, "does not start with"),
        "header with a leading space": (
            struct.pack("<Q", len(text) + 1) + b" " + text.encode() + data,
            "does not start with '{'",
        ),
        "header padded with NULs": (
            struct.pack("<Q", len(text) + 3) + text.encode() + b"\0\0\0" + data,
            "not valid JSON",
        ),
        "NaN in the header": (
            _with_header(text.replace('"data_offsets": [0,', '"data_offsets": [NaN,'), data),
            "NaN is not a number",
        ),
        "Infinity in the header": (
            _with_header(text.replace('"data_offsets": [0,', '"data_offsets": [Infinity,'), data),
            "Infinity is not a number",
        ),
        "duplicate key": (
            _with_header(text[:-1] + ', "W.1": {}}', data),
            "'W.1' appears twice",
        ),
        "a 5000-digit number": (
            _with_header(
                text.replace('"data_offsets": [0,', '"data_offsets": [' + "9" * 5000 + ","), data
            ),
            "not valid JSON",
        ),
        "deeply nested": (
            _with_header('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", data),
            "nests JSON too deeply",
        ),
        "NaN in a weight": (
            good + bytes(nan),
            r"'W\.1' \(net\.W\[1\]\) holds NaN .* index \(0, 1\)",
        ),
        "inf in a bias": (good + bytes(inf), r"'b\.2' \(net\.b\[2\]\) holds NaN or infinite"),
        "trailing bytes": (good + data + b"\0" * 8, "8 bytes after the last tensor"),
        "no data": (good, "needs bytes .* only 0 bytes of data; the file is truncated"),
        "gap between tensors": (
            _with_header(_shift_after_first(header, 4), data[:24] + b"\0" * 4 + data[24:]),
            "bytes 24..28 of the data section.*belong to no tensor",
        ),
    }


def _with_header(text: str, data: bytes) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw + data


def _shift_after_first(header: dict[str, Any], by: int) -> str:
    header = json.loads(json.dumps(header))
    for name in ("b.1", "W.2", "b.2"):
        header[name]["data_offsets"] = [o + by for o in header[name]["data_offsets"]]
    return json.dumps(header)


RAW_CASE_NAMES = [
    "empty file",
    "seven bytes",
    "header length 2**64 - 1",
    "header length just over the limit",
    "header longer than the file",
    "text file",
    "header not UTF-8",
    "header not JSON",
    "header a JSON array",
    "header with a leading space",
    "header padded with NULs",
    "NaN in the header",
    "Infinity in the header",
    "duplicate key",
    "a 5000-digit number",
    "deeply nested",
    "NaN in a weight",
    "inf in a bias",
    "trailing bytes",
    "no data",
    "gap between tensors",
]


@pytest.mark.parametrize("case", RAW_CASE_NAMES)
def test_bad_bytes(case: str, valid: Path) -> None:
    header, data = split_file(valid)
    assert len(data) == 56  # the offsets in the cases assume the 3-2-2 float32 network
    cases = _raw_cases(header, data)
    assert sorted(cases) == sorted(RAW_CASE_NAMES)
    raw, message = cases[case]
    valid.write_bytes(raw)
    with pytest.raises(ModelFormatError, match=message) as info:
        load(valid)
    assert str(valid) in str(info.value)
    if case not in ("NaN in a weight", "inf in a bias"):  # header checks alone find these
        with pytest.raises(ModelFormatError, match=message):
            read_metadata(valid)


def test_every_truncation_is_refused(valid: Path) -> None:
    raw = valid.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    cuts = {*range(0, len(raw), 5), *range(8 + n - 3, 8 + n + 4), len(raw) - 1}
    for cut in sorted(cuts):
        valid.write_bytes(raw[:cut])
        with pytest.raises(ModelFormatError, match=r"too short|truncated") as info:
            load(valid)
        assert str(valid) in str(info.value), cut
    valid.write_bytes(raw)
    assert load(valid).sizes == [3, 2, 2]


def test_the_error_can_be_pickled() -> None:
    err = pickle.loads(pickle.dumps(ModelFormatError("a.safetensors", "it is broken")))
    assert isinstance(err, ModelFormatError)
    assert (err.path, err.problem) == ("a.safetensors", "it is broken")
    assert str(err) == "'a.safetensors' is not a valid glassnet model file: it is broken"


# -- fuzzing --------------------------------------------------------------------------------------


def _load_or_refuse(path: Path) -> None:
    """A damaged file gives a Network or a ModelFormatError naming it, and nothing else."""
    try:
        net = load(path)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
    else:
        assert isinstance(net, gn.Network)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    folder = tmp_path_factory.mktemp("fuzz")
    net = make_net(hidden=activations.LeakyReLU(0.2), output="softmax", cost="cross_entropy")
    save(net, folder / "valid.safetensors", metadata={"note": "fuzz"})
    return folder, (folder / "valid.safetensors").read_bytes()


MUTATION = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10_000), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.integers(1, 8)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)),
)


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_bytes_load_or_raise_model_format_error(
    mutations: list[tuple[str, int, Any]], fuzz_dir: tuple[Path, bytes]
) -> None:
    folder, original = fuzz_dir
    raw = bytearray(original)
    for kind, position, arg in mutations:
        i = position % (len(raw) + 1)
        if kind == "set" and raw:
            raw[i % len(raw)] = arg
        elif kind == "delete":
            del raw[i : i + arg]
        elif kind == "insert":
            raw[i:i] = arg
    path = folder / "mutated.safetensors"
    path.write_bytes(bytes(raw))
    _load_or_refuse(path)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["W.1", "F32", "F64", "sigmoid", "leaky_relu", "float64", "quadratic"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed JSON value where another value could go."""
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += _paths(value, (*prefix, i))
    return found


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), in_config=st.booleans(), replacement=JSON_VALUES)
def test_any_json_value_anywhere_loads_or_raises_model_format_error(
    data: st.DataObject, in_config: bool, replacement: Any, fuzz_dir: tuple[Path, bytes]
) -> None:
    folder, original = fuzz_dir
    path = folder / "edited.safetensors"
    path.write_bytes(original)
    header, tensor_bytes = split_file(path)
    config = json.loads(header["__metadata__"]["glassnet"])
    target = config if in_config else header
    where = data.draw(st.sampled_from(_paths(target)))
    if where:
        set_in(*where, value=replacement)(target)
    else:
        target = replacement
    if in_config:
        header["__metadata__"]["glassnet"] = json.dumps(target)
    else:
        header = target
    write_file(path, json.dumps(header), tensor_bytes)
    _load_or_refuse(path)
