"""Fuzzing the file readers: more than 10,000 damaged, edited and random files.

Each file thrown at the model reader (:func:`glassnet.load`) must give a valid Network or a
:class:`~glassnet.ModelFormatError`; each thrown at the checkpoint reader
(:func:`glassnet.load_checkpoint`) a TrainingState or a ModelFormatError; each thrown at the
IDX reader (:func:`read_idx`) a valid array or an :class:`~glassnet.datasets.IDXFormatError`.
Never another exception, never a hang (a watchdog interrupts any single read that runs for
minutes), and, for a subset traced with :mod:`tracemalloc`, never memory far beyond what the
file holds.

The files are mutations of valid seed files: small ones, and larger ones (a network of 300
layers with 2,000 metadata entries) so that the edits can reach many layers and many keys. The
mutations are bit flips, byte edits, truncations, appended and spliced bytes, edits of the
length field, structured edits of the JSON header, of the configuration inside it and of a
checkpoint's entry (sizes, offsets, dtype strings, huge and negative numbers, wrong types,
deleted and unknown keys, duplicate keys, garbage, random-generator states, references to
tensors), nesting around and beyond the depth limit, thousands of added keys, valid files
holding NaN, and plain random bytes. Hypothesis draws a mutation kind and a seed for NumPy's
generator, which does the cheap byte-level work; ``derandomize=True`` makes every run the same,
so CI is deterministic. Example counts are in ``EXAMPLES``; their sum is checked to reach 10,000.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import signal
import struct
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import activations
from glassnet.checkpoint import CHECKPOINT_KEY
from glassnet.datasets import IDXFormatError, read_idx, write_idx
from glassnet.datasets.idx import IDX_DTYPES, MAX_NDIM
from glassnet.io import (
    MAX_JSON_DEPTH,
    MAX_LAYERS,
    MAX_METADATA_ENTRIES,
    ModelFormatError,
    load,
    save,
)
from helpers import peak_memory
from test_checkpoint import as_version_1

# examples per hypothesis test; together at least 10,000 files
EXAMPLES = {
    "model_mutations": 3000,
    "model_random": 600,
    "model_memory": 250,
    "large_model_mutations": 300,
    "checkpoint_mutations": 900,
    "checkpoint_memory": 100,
    "idx_mutations": 5200,
    "idx_random": 1000,
    "idx_memory": 300,
}
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
WATCHDOG_SECONDS = 120  # far beyond any real read of these small files: only a hang reaches it


def test_the_examples_add_up_to_10000_files() -> None:
    assert sum(EXAMPLES.values()) >= 10_000


class HangError(Exception):
    """A read ran into the watchdog."""


@contextlib.contextmanager
def watchdog() -> Iterator[None]:
    """Interrupt a read that hangs (POSIX main thread only; elsewhere the CI timeout catches it)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise HangError(f"a single read took more than {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- values that break readers ----------------------------------------------------------------

HUGE_INTS = [2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 2**64 + 8, 10**30]
NASTY_VALUES: list[Any] = [
    *HUGE_INTS,
    *[-n for n in HUGE_INTS],
    10**400,  # bigger than any float
    -1, 0, 1, 2, 3, 7, 8, 1.5, -0.0, 1e308, -1e308, 5e-324, True, False, None,
    "", "F32", "F64", "F16", "BF16", "I64", "U8", "f32", "float32", "float64", "float16",
    "sigmoid", "softmax", "leaky_relu", "cross_entropy", "he", "xavier", "W.1", "b.1",
    "__metadata__", "glassnet", "{}", "[", "\u0000", "\ud800", "x" * 300,
    [], [0], [-1], [0, 0], [0, 2**64], [2**63, 2**63 + 8], [1, 0], [0, 1, 2], [[0, 1]],
    [1, 2, 3], [2**40, 2**40], [3, 4], [4, 3], [1.0, 2.0], ["0", "8"], [None], [True, 3],
    {}, {"name": "sigmoid"}, {"name": "leaky_relu", "slope": 10**400}, {"name": "elu"},
    {"name": "elu", "alpha": -1.0}, {"name": "leaky_relu", "slope": "0.1"},
    {"name": "softmax"}, {"name": 5}, {"name": "exec"}, {"dtype": "F32"},
]  # fmt: skip
JSON_GARBAGE = [
    b"", b" " * 8, b"{", b"}", b"[]", b"null", b"0", b'"x"', b"{}", b"{}}", b'{"a":', b"{,}",
    b'{"__metadata__": 5}', b'{"__metadata__": {"glassnet": 5}}',
    b'{"__metadata__": {"glassnet": "{}"}}', b'{"__metadata__": {"glassnet": "[]"}}',
    b'{"__metadata__": {"glassnet": "NaN"}}', b'{"a": NaN}', b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b'{"a": 1e99999}', b'{"a": 1' + b"0" * 5000 + b"}", b'{"a": "\\ud800"}', b"\xff\xfe{}",
    b"\xef\xbb\xbf{}", b'{"a": 1, "a": 2}', b"[" * 100_000, b'{"a":' * 50_000,
    b"{" + b" " * 1000, b"\x00" * 64,
]  # fmt: skip


def pick(rng: np.random.Generator, options: list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def byte_mutation(raw: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """The byte-level mutations, the same for both formats."""
    b = bytearray(raw)
    n = len(b)
    if kind == "bitflip" and n:
        for _ in range(int(rng.integers(1, 17))):
            i = int(rng.integers(n))
            b[i] ^= 1 << int(rng.integers(8))
    elif kind == "bytes" and n:
        specials = [*b'\x00\xff"{}[],:-9eE.\\ ', 0x7F, 0x80]
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(n))
            b[i] = pick(rng, specials) if rng.random() < 0.5 else int(rng.integers(256))
    elif kind == "truncate":
        del b[int(rng.integers(n + 1)) :]
    elif kind == "extend":
        b += rng.bytes(int(rng.integers(1, 65)))
    elif kind == "splice" and n:
        i = int(rng.integers(n))
        j = min(n, i + int(rng.integers(1, 33)))
        if rng.random() < 0.5:
            del b[i:j]
        else:
            b[i:i] = b[i:j]  # repeat a slice
    return bytes(b)


BYTE_KINDS = ["bitflip", "bytes", "truncate", "extend", "splice"]


# -- the model reader -------------------------------------------------------------------------


def _seed_networks() -> list[gn.Network]:
    nets = [
        gn.Network(
            [gn.Dense(3, 4, activations.LeakyReLU(0.2)), gn.Dense(4, 2, "softmax")],
            cost="cross_entropy",
            seed=0,
        ),
        gn.Network(
            [gn.Dense(2, 3, activations.ELU(0.5)), gn.Dense(3, 2, "tanh"), gn.Dense(2, 1)],
            cost="binary_cross_entropy",
            seed=1,
            dtype="float64",
        ),
        gn.Network.from_sizes([4, 1], activation="identity", seed=2),
        gn.Network.from_sizes([2, 3, 3, 2], activation="gelu", cost="mse", seed=3, dtype="float64"),
    ]
    for net in nets:  # biases away from zero, so that every byte of the data matters
        for l in range(1, net.L + 1):
            net.b[l] = np.linspace(-1, 1, net.sizes[l])
    return nets


@pytest.fixture(scope="module")
def model_seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    folder = tmp_path_factory.mktemp("fuzz_models")
    seeds = []
    for i, net in enumerate(_seed_networks()):
        path = folder / f"seed{i}.safetensors"
        save(net, path, metadata={"note": "fuzz seed"} if i % 2 == 0 else None)
        seeds.append(path.read_bytes())
    return folder, seeds


def split_model(raw: bytes) -> tuple[dict[str, Any], bytes]:
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def join_model(header: bytes, data: bytes, rng: np.random.Generator) -> bytes:
    """Length field + header + data; the header is usually padded, the length usually right."""
    if rng.random() < 0.7:
        header += b" " * (-len(header) % 8)
    length = len(header)
    if rng.random() < 0.1:
        length += int(rng.integers(-9, 10))
    return struct.pack("<Q", max(length, 0)) + header + data


def _places(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a parsed JSON object (the root included)."""
    found = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _places(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += _places(value, (*prefix, i))
    return found


def edit_json(obj: Any, rng: np.random.Generator) -> Any:
    """Replace, delete or add one value somewhere inside ``obj``."""
    places = _places(obj)
    where = pick(rng, places[1:] or places)
    if not where:
        return pick(rng, NASTY_VALUES)
    parent = obj
    for key in where[:-1]:
        parent = parent[key]
    last = where[-1]
    action = rng.random()
    if action < 0.7:
        parent[last] = pick(rng, NASTY_VALUES)
    elif action < 0.85:
        del parent[last]
    elif isinstance(parent, dict):
        parent[pick(rng, ["extra", "W.0", "W.9", "b.3", "slope", "init", "dtype"])] = pick(
            rng, NASTY_VALUES
        )
    else:
        parent.append(pick(rng, NASTY_VALUES))
    return obj


def dumps(obj: Any, rng: np.random.Generator) -> bytes:
    """JSON text as bytes; a lone surrogate is escaped, or written raw (then invalid UTF-8)."""
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", "surrogatepass")


def duplicate_key(text: str, rng: np.random.Generator) -> str:
    """Insert a second copy of one key into the JSON object that holds it."""
    keys = [
        k for k in ("dtype", "shape", "data_offsets", "W.1", "sizes", "name", "cost") if k in text
    ]
    key = pick(rng, keys) if keys else "dtype"
    i = text.find(f'"{key}"')
    value = json.dumps(pick(rng, NASTY_VALUES))
    return text[:i] + f'"{key}": {value}, ' + text[i:] if i >= 0 else text


def model_mutation(raw: bytes, kind: str, rng: np.random.Generator) -> bytes:
    if kind in BYTE_KINDS:
        return byte_mutation(raw, kind, rng)
    header, data = split_model(raw)
    if kind == "length":
        n = len(raw) - 8 - len(data)
        length = pick(rng, [0, 1, 7, n - 1, n + 1, n + 8, 2**63, 2**64 - 1, 100_000_001])
        return struct.pack("<Q", length) + raw[8:]
    if kind == "header":
        return join_model(dumps(edit_json(header, rng), rng), data, rng)
    if kind == "config":
        config = json.loads(header["__metadata__"]["glassnet"])
        header["__metadata__"]["glassnet"] = json.dumps(edit_json(config, rng))
        return join_model(dumps(header, rng), data, rng)
    if kind == "duplicate":
        if rng.random() < 0.5:
            text = duplicate_key(json.dumps(header), rng)
        else:
            config = duplicate_key(header["__metadata__"]["glassnet"], rng)
            header["__metadata__"]["glassnet"] = config
            text = json.dumps(header)
        return join_model(text.encode(), data, rng)
    if kind == "garbage":
        return join_model(pick(rng, JSON_GARBAGE), data, rng)
    if kind == "nan":
        arr = np.frombuffer(data, np.uint8).copy()
        code = header["W.1"]["dtype"]
        values = arr.view("<f4" if code == "F32" else "<f8")
        for _ in range(int(rng.integers(1, 4))):
            values[int(rng.integers(len(values)))] = pick(rng, [np.nan, np.inf, -np.inf])
        return raw[: len(raw) - len(data)] + arr.tobytes()
    raise AssertionError(kind)


MODEL_KINDS = [*BYTE_KINDS, "length", "header", "config", "duplicate", "garbage", "nan"]


def load_or_refuse(path: Path) -> gn.Network | None:
    """Load ``path``: a Network, or None after a ModelFormatError that names the file."""
    try:
        with watchdog():
            net = load(path, seed=0)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        return None
    assert isinstance(net, gn.Network)
    assert net.dtype in (np.float32, np.float64)
    for l in range(1, net.L + 1):
        assert net.W[l].shape == (net.sizes[l], net.sizes[l - 1])
        assert net.b[l].shape == (net.sizes[l],)
        assert np.isfinite(net.W[l]).all() and np.isfinite(net.b[l]).all()
    return net


@settings(FUZZ, max_examples=EXAMPLES["model_mutations"])
@given(which=st.integers(0, 3), kind=st.sampled_from(MODEL_KINDS), seed=st.integers(0, 2**32 - 1))
def test_mutated_model_files_load_or_raise_model_format_error(
    model_seeds: tuple[Path, list[bytes]], which: int, kind: str, seed: int
) -> None:
    folder, seeds = model_seeds
    raw = model_mutation(seeds[which], kind, np.random.default_rng(seed))
    path = folder / "mutated.safetensors"
    path.write_bytes(raw)
    net = load_or_refuse(path)
    if kind == "nan":
        assert net is None  # the weights must be finite


@settings(FUZZ, max_examples=EXAMPLES["model_random"])
@given(prefix=st.sampled_from(["none", "exact", "short", "long"]), body=st.binary(max_size=600))
def test_random_model_files_raise_model_format_error(
    model_seeds: tuple[Path, list[bytes]], prefix: str, body: bytes
) -> None:
    folder, _ = model_seeds
    length = {"none": None, "exact": len(body), "short": len(body) // 2, "long": len(body) + 9}
    n = length[prefix]
    raw = body if n is None else struct.pack("<Q", n) + body
    path = folder / "random.safetensors"
    path.write_bytes(raw)
    assert load_or_refuse(path) is None  # random bytes are never a model


# Loading holds the file's bytes, the arrays built from them, the network's own copies and the
# parsed JSON header: a few times the file, plus interpreter noise and the JSON of a deeply
# nested header (about 40 bytes per level).
MODEL_MEMORY = (8, 1 << 20)  # peak ≤ 8 × file size + 1 MiB


@settings(FUZZ, max_examples=EXAMPLES["model_memory"])
@given(which=st.integers(0, 3), kind=st.sampled_from(MODEL_KINDS), seed=st.integers(0, 2**32 - 1))
def test_model_reader_memory_stays_near_the_file_size(
    model_seeds: tuple[Path, list[bytes]], which: int, kind: str, seed: int
) -> None:
    folder, seeds = model_seeds
    raw = model_mutation(seeds[which], kind, np.random.default_rng(seed))
    path = folder / "memory.safetensors"
    path.write_bytes(raw)
    factor, constant = MODEL_MEMORY
    assert peak_memory(lambda: load(path)) <= factor * len(raw) + constant


def test_a_header_claiming_huge_tensors_allocates_nothing_for_them(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([2, 1], seed=0)
    save(net, tmp_path / "n.safetensors")
    header, data = split_model((tmp_path / "n.safetensors").read_bytes())
    config = json.loads(header["__metadata__"]["glassnet"])
    config["sizes"] = [100_000, 100_000]
    config["layers"][0].update(n_in=100_000, n_out=100_000)
    header["__metadata__"]["glassnet"] = json.dumps(config)
    header["W.1"] = {"dtype": "F32", "shape": [100_000, 100_000], "data_offsets": [0, 4 * 10**10]}
    header["b.1"] = {"dtype": "F32", "shape": [100_000], "data_offsets": [4 * 10**10, 4 * 10**10]}
    raw = struct.pack("<Q", len(json.dumps(header))) + json.dumps(header).encode() + data
    (tmp_path / "huge.safetensors").write_bytes(raw)
    assert peak_memory(lambda: load(tmp_path / "huge.safetensors")) < 1 << 20
    with pytest.raises(ModelFormatError, match="truncated"):
        load(tmp_path / "huge.safetensors")


def test_regression_an_integer_activation_parameter_too_big_for_a_float(tmp_path: Path) -> None:
    """Found by this fuzzer: ``"slope": 10**400`` raised OverflowError from math.isfinite."""
    net = gn.Network([gn.Dense(2, 1, activations.LeakyReLU(0.2))], seed=0)
    save(net, tmp_path / "n.safetensors")
    header, data = split_model((tmp_path / "n.safetensors").read_bytes())
    for slope in (10**400, -(10**400), 10**308):  # 10**308 is a finite float: it loads
        config = json.loads(header["__metadata__"]["glassnet"])
        config["layers"][0]["activation"]["slope"] = slope
        header["__metadata__"]["glassnet"] = json.dumps(config)
        text = json.dumps(header).encode()
        (tmp_path / "big.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + data)
        if slope == 10**308:
            assert load(tmp_path / "big.safetensors").layers[0].activation.slope == 1e308
        else:
            with pytest.raises(ModelFormatError, match="slope"):
                load(tmp_path / "big.safetensors")


def test_the_mutations_reach_both_outcomes(model_seeds: tuple[Path, list[bytes]]) -> None:
    """The fuzzer is not vacuous: some mutated files still load, most are refused."""
    folder, seeds = model_seeds
    outcomes = {True: 0, False: 0}
    rng = np.random.default_rng(0)
    for i in range(120):
        raw = model_mutation(seeds[i % 4], MODEL_KINDS[i % len(MODEL_KINDS)], rng)
        (folder / "both.safetensors").write_bytes(raw)
        outcomes[load_or_refuse(folder / "both.safetensors") is not None] += 1
    assert outcomes[True] >= 5 and outcomes[False] >= 60


# -- nesting, many keys, many layers ------------------------------------------------------------

DEPTHS = [2, MAX_JSON_DEPTH - 4, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 200, 985]


def nest(obj: Any, rng: np.random.Generator) -> Any:
    """Put an array or object nested ``DEPTHS``-deep somewhere inside ``obj``."""
    depth = pick(rng, DEPTHS)
    inner: Any = pick(rng, [[], {}, 0, "x", None])
    for _ in range(depth):
        inner = [inner] if rng.random() < 0.5 else {"k": inner}
    places = [p for p in _places(obj) if p]
    where = pick(rng, places) if places else ()
    if not where:
        return inner
    parent = obj
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = inner
    return obj


def dumps_deep(obj: Any) -> bytes:
    """JSON text of a value that may nest deeper than json.dumps's own recursion allows."""
    if isinstance(obj, dict):
        members = (json.dumps(k).encode() + b":" + dumps_deep(v) for k, v in obj.items())
        return b"{" + b",".join(members) + b"}"
    if isinstance(obj, list):
        return b"[" + b",".join(dumps_deep(v) for v in obj) + b"]"
    return json.dumps(obj).encode()


def deep_join(header: dict[str, Any], data: bytes, rng: np.random.Generator) -> bytes:
    with _deep_recursion():
        return join_model(dumps_deep(header), data, rng)


@contextlib.contextmanager
def _deep_recursion() -> Iterator[None]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))  # for the test's own dumps_deep, not the reader
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def large_mutation(raw: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """The model mutations, plus deep nesting, thousands of keys and layers that do not fit."""
    header, data = split_model(raw)
    if kind == "nest":
        if rng.random() < 0.5:
            return deep_join(nest(header, rng), data, rng)
        config = json.loads(header["__metadata__"]["glassnet"])
        with _deep_recursion():
            header["__metadata__"]["glassnet"] = dumps_deep(nest(config, rng)).decode()
        return join_model(json.dumps(header).encode(), data, rng)
    if kind == "keys":  # up to twice MAX_METADATA_ENTRIES, or as many unknown tensors
        n = int(rng.integers(1, 2 * MAX_METADATA_ENTRIES))
        where = header["__metadata__"] if rng.random() < 0.8 else header
        value = pick(rng, ["", "x", "", {}])
        where.update({f"k{i}": value for i in range(n)})
        return join_model(json.dumps(header).encode(), data, rng)
    if kind == "layers":  # a configuration of more layers than the file has tensors for
        config = json.loads(header["__metadata__"]["glassnet"])
        extra = int(pick(rng, [1, 100, MAX_LAYERS]))
        config["sizes"] += [1] * extra
        config["layers"] += [config["layers"][-1]] * extra
        header["__metadata__"]["glassnet"] = json.dumps(config)
        return join_model(json.dumps(header).encode(), data, rng)
    return model_mutation(raw, kind, rng)


LARGE_KINDS = [*MODEL_KINDS, "nest", "keys", "layers"]


@pytest.fixture(scope="module")
def large_seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    folder = tmp_path_factory.mktemp("fuzz_large")
    net = gn.Network.from_sizes([2] + [1] * 299 + [2], activation="tanh", seed=4)
    for l in range(1, net.L + 1):
        net.b[l] = np.linspace(-1, 1, net.sizes[l])
    path = folder / "seed.safetensors"
    save(net, path, metadata={f"note {i}": "x" * (i % 7) for i in range(2000)})
    return folder, path.read_bytes()


@settings(FUZZ, max_examples=EXAMPLES["large_model_mutations"])
@given(kind=st.sampled_from(LARGE_KINDS), seed=st.integers(0, 2**32 - 1))
def test_mutated_large_model_files_load_or_raise_model_format_error(
    large_seed: tuple[Path, bytes], kind: str, seed: int
) -> None:
    folder, raw = large_seed
    path = folder / "mutated.safetensors"
    path.write_bytes(large_mutation(raw, kind, np.random.default_rng(seed)))
    net = load_or_refuse(path)
    if kind in ("nest", "layers", "nan"):
        assert net is None


def test_the_large_mutations_reach_both_outcomes(large_seed: tuple[Path, bytes]) -> None:
    folder, raw = large_seed
    rng = np.random.default_rng(3)
    kinds = ["header"] * 5 + ["keys", "nest", "layers"]
    loaded = {kind: 0 for kind in kinds}
    for i in range(64):
        kind = kinds[i % len(kinds)]
        (folder / "both.safetensors").write_bytes(large_mutation(raw, kind, rng))
        loaded[kind] += load_or_refuse(folder / "both.safetensors") is not None
    # nesting, tensors and layers that do not belong are always refused; harmless edits load
    assert loaded["header"] >= 1 and loaded["keys"] >= 1, loaded
    assert loaded["nest"] == loaded["layers"] == 0, loaded


# -- the checkpoint reader --------------------------------------------------------------------


def _checkpoint_runs(folder: Path) -> list[Path]:
    """Small checkpoints of runs that use everything a checkpoint carries."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), np.arange(12) % 2
    paths = []
    net = gn.Network.from_sizes([3, 4, 2], "relu", "softmax", "cross_entropy", seed=0, dropout=0.2)
    opt = gn.Adam(lr=0.01, amsgrad=True)
    paths.append(folder / "adam.ckpt.safetensors")
    net.fit(X, y, epochs=2, batch_size=4, optimizer=opt, validation_data=(X, y), verbose=0,
            callbacks=[gn.callbacks.LRScheduler(gn.StepLR(opt, step_size=1, gamma=0.5)),
                       gn.callbacks.EarlyStopping(patience=5, restore_best_weights=True),
                       gn.checkpoint.Checkpoint(paths[-1])])  # fmt: skip
    net = gn.Network.from_sizes([3, 2, 1], activation="tanh", seed=1, dtype="float64")
    paths.append(folder / "sgd.ckpt.safetensors")
    net.fit(X, y, epochs=1, optimizer=gn.SGD(lr=0.1, momentum=0.9),
            seed=np.random.Generator(np.random.MT19937(2)), verbose=0,
            callbacks=[gn.checkpoint.Checkpoint(paths[-1])])  # fmt: skip
    paths.append(folder / "v1.ckpt.safetensors")
    paths[-1].write_bytes(paths[0].read_bytes())
    as_version_1(paths[-1])  # the format earlier glassnets wrote
    return paths


@pytest.fixture(scope="module")
def checkpoint_seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    folder = tmp_path_factory.mktemp("fuzz_checkpoints")
    return folder, [path.read_bytes() for path in _checkpoint_runs(folder)]


RNG_VALUES: list[Any] = [
    -1, 0, 1, 4, 5, 623, 624, 625, 2**32, 2**64, 2**128, 2**128 - 1, True, 1.5, "0", None,
    [], [0], [0] * 623, [0] * 625, [-1] * 624, [2**32] * 624, [0] * 4, [2**64] * 4, {},
]  # fmt: skip


def checkpoint_mutation(raw: bytes, kind: str, rng: np.random.Generator) -> bytes:
    if kind not in ("entry", "rng", "reference", "nest"):
        return large_mutation(raw, kind, rng)
    header, data = split_model(raw)
    entry = json.loads(header["__metadata__"][CHECKPOINT_KEY])
    if kind == "entry":
        entry = edit_json(entry, rng)
    elif kind == "nest":
        entry = nest(entry, rng)
    elif kind == "rng":  # states that NumPy's own setter does not all check
        state = entry["rng"]["state"]
        places = [p for p in _places(state) if p]
        parent = state
        where = pick(rng, places)
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = pick(rng, RNG_VALUES)
    else:  # point an array's reference at another tensor, or at none
        refs = [p for p in _places(entry) if p and p[-1] == "__tensor__"]
        if refs:
            parent = entry
            for key in pick(rng, refs)[:-1]:
                parent = parent[key]
            names = [n for n in header if n != "__metadata__"]
            parent["__tensor__"] = pick(rng, [*names, "checkpoint.none", 5, None])
    with _deep_recursion():
        header["__metadata__"][CHECKPOINT_KEY] = dumps_deep(entry).decode()
    return join_model(json.dumps(header).encode(), data, rng)


CHECKPOINT_KINDS = [*MODEL_KINDS, "entry", "entry", "rng", "reference", "nest", "nest"]


def load_checkpoint_or_refuse(path: Path) -> gn.TrainingState | None:
    """A TrainingState that can be used, or None after a ModelFormatError naming the file."""
    try:
        with watchdog():
            state = gn.load_checkpoint(path)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        return None
    assert isinstance(state, gn.TrainingState)
    assert np.isfinite(state.net.parameter_vector()).all()
    assert type(state.optimizer).__name__ in ("SGD", "Adam")
    state.rng.random(3)  # the generator's state is whole
    return state


@settings(FUZZ, max_examples=EXAMPLES["checkpoint_mutations"])
@given(
    which=st.integers(0, 2),
    kind=st.sampled_from(CHECKPOINT_KINDS),
    seed=st.integers(0, 2**32 - 1),
)
def test_mutated_checkpoints_load_or_raise_model_format_error(
    checkpoint_seeds: tuple[Path, list[bytes]], which: int, kind: str, seed: int
) -> None:
    folder, seeds = checkpoint_seeds
    path = folder / "mutated.safetensors"
    path.write_bytes(checkpoint_mutation(seeds[which], kind, np.random.default_rng(seed)))
    load_checkpoint_or_refuse(path)
    load_or_refuse(path)  # a checkpoint is also a model file


@settings(FUZZ, max_examples=EXAMPLES["checkpoint_memory"])
@given(
    which=st.integers(0, 2),
    kind=st.sampled_from(CHECKPOINT_KINDS),
    seed=st.integers(0, 2**32 - 1),
)
def test_checkpoint_reader_memory_stays_near_the_file_size(
    checkpoint_seeds: tuple[Path, list[bytes]], which: int, kind: str, seed: int
) -> None:
    folder, seeds = checkpoint_seeds
    raw = checkpoint_mutation(seeds[which], kind, np.random.default_rng(seed))
    path = folder / "memory.safetensors"
    path.write_bytes(raw)
    factor, constant = MODEL_MEMORY
    assert peak_memory(lambda: gn.load_checkpoint(path)) <= factor * len(raw) + constant


def test_the_checkpoint_mutations_reach_both_outcomes(
    checkpoint_seeds: tuple[Path, list[bytes]],
) -> None:
    folder, seeds = checkpoint_seeds
    rng = np.random.default_rng(5)
    outcomes = {True: 0, False: 0}
    kinds = ["entry", "rng", "reference", "nest", "bitflip", "config"]
    for i in range(90):
        raw = checkpoint_mutation(seeds[i % 3], kinds[i % len(kinds)], rng)
        (folder / "both.safetensors").write_bytes(raw)
        outcomes[load_checkpoint_or_refuse(folder / "both.safetensors") is not None] += 1
    assert outcomes[True] >= 5 and outcomes[False] >= 30


# -- the IDX reader ---------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, compress: bool = False) -> bytes:
    buf = io.BytesIO()
    write_idx(buf, array, gzip=compress)
    return buf.getvalue()


def _idx_seed_arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [
        rng.integers(0, 256, size=(3, 4, 5)).astype(np.uint8),
        np.arange(-3, 4, dtype=np.int16),
        np.array([[1.5, np.nan, -np.inf], [0.0, -0.0, 3e38]], dtype=np.float32),
        rng.normal(size=(2, 2, 2)),
        rng.integers(-(2**31), 2**31, size=(2, 5), dtype=np.int64).astype(np.int32),
        np.zeros((0, 5), dtype=np.int8),
    ]


IDX_SEEDS = [idx_bytes(a, compress) for a in _idx_seed_arrays() for compress in (False, True)]


def idx_header_edit(raw: bytes, rng: np.random.Generator) -> bytes:
    """Change the type code, the number of dimensions or a size, then maybe fix the length."""
    b = bytearray(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    which = rng.random()
    if which < 0.3:
        b[2] = pick(rng, [*IDX_DTYPES, 0, 0x0A, 0x0F, 0xFF, int(rng.integers(256))])
    elif which < 0.55:
        b[3] = pick(rng, [0, 1, 2, 3, MAX_NDIM, MAX_NDIM + 1, 255, int(rng.integers(256))])
    else:
        d = max(1, min(b[3], (len(b) - 4) // 4))
        i = 4 + 4 * int(rng.integers(d))
        size = pick(rng, [0, 1, 2, 2**16, 2**31, 2**32 - 1, int(rng.integers(2**32))])
        b[i : i + 4] = struct.pack(">I", size)
    if rng.random() < 0.4 and b[2] in IDX_DTYPES and 1 <= b[3] <= MAX_NDIM:
        # make the data exactly as long as the edited header claims (when that is small)
        ndim = b[3]
        if len(b) >= 4 + 4 * ndim:
            shape = struct.unpack(f">{ndim}I", bytes(b[4 : 4 + 4 * ndim]))
            nbytes = int(np.prod(shape, dtype=object)) * IDX_DTYPES[b[2]].itemsize
            if nbytes <= 4096:
                b = b[: 4 + 4 * ndim] + rng.bytes(nbytes)
    out = bytes(b)
    return gzip.compress(out, mtime=0) if raw[:2] == b"\x1f\x8b" else out


def idx_mutation(raw: bytes, kind: str, rng: np.random.Generator) -> bytes:
    if kind in BYTE_KINDS:
        return byte_mutation(raw, kind, rng)
    if kind == "header":
        return idx_header_edit(raw, rng)
    if kind == "inner":  # damage the data inside a valid gzip stream
        if raw[:2] != b"\x1f\x8b":
            return byte_mutation(raw, pick(rng, BYTE_KINDS), rng)
        inner = byte_mutation(gzip.decompress(raw), pick(rng, BYTE_KINDS), rng)
        return gzip.compress(inner, mtime=0)
    if kind == "bomb":  # a short gzip file whose header claims far more than it holds
        size = pick(rng, [2**20, 2**30, 2**32 - 1])
        body = bytes([0, 0, 8, 1]) + struct.pack(">I", size) + bytes(int(rng.integers(0, 1 << 16)))
        return gzip.compress(body, mtime=0)
    raise AssertionError(kind)


IDX_KINDS = [*BYTE_KINDS, "header", "inner", "bomb"]


def read_or_refuse(raw: bytes) -> np.ndarray | None:
    """Read ``raw``: an array of an IDX type, or None after an IDXFormatError."""
    try:
        with watchdog():
            array = read_idx(io.BytesIO(raw))
    except IDXFormatError:
        return None
    assert isinstance(array, np.ndarray)
    assert array.dtype.isnative and array.dtype.newbyteorder(">") in IDX_DTYPES.values()
    assert 1 <= array.ndim <= MAX_NDIM
    assert array.nbytes <= len(raw) * 1100  # never more than the data deflate can encode
    return array


@settings(FUZZ, max_examples=EXAMPLES["idx_mutations"])
@given(
    which=st.integers(0, len(IDX_SEEDS) - 1),
    kind=st.sampled_from(IDX_KINDS),
    seed=st.integers(0, 2**32 - 1),
)
def test_mutated_idx_files_read_or_raise_idx_format_error(which: int, kind: str, seed: int) -> None:
    raw = idx_mutation(IDX_SEEDS[which], kind, np.random.default_rng(seed))
    read_or_refuse(raw)


@settings(FUZZ, max_examples=EXAMPLES["idx_random"])
@given(
    start=st.sampled_from([b"", b"\x00\x00", b"\x00\x00\x08", b"\x00\x00\x0d\x02", b"\x1f\x8b"]),
    body=st.binary(max_size=300),
    compress=st.booleans(),
)
def test_random_idx_files_read_or_raise_idx_format_error(
    start: bytes, body: bytes, compress: bool
) -> None:
    raw = start + body
    read_or_refuse(gzip.compress(raw, mtime=0) if compress else raw)


def inflated_size(raw: bytes) -> int:
    """How many bytes a (possibly damaged) gzip file decompresses to before it breaks."""
    if raw[:2] != b"\x1f\x8b":
        return len(raw)
    total, rest = 0, raw
    while rest[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(wbits=31)
        try:
            for i in range(0, len(rest), 64):
                total += len(d.decompress(rest[i : i + 64]))
        except zlib.error:
            break
        if not d.eof:
            break
        rest = d.unused_data
    return total


# A read holds the raw bytes, the data read so far, one chunk and the finished array: a few
# times the data really there. For gzip that is the decompressed size, never the size a header
# claims.
IDX_MEMORY = (6, 256 << 10)  # peak ≤ 6 × max(file, decompressed) + 256 KiB


@settings(FUZZ, max_examples=EXAMPLES["idx_memory"])
@given(
    which=st.integers(0, len(IDX_SEEDS) - 1),
    kind=st.sampled_from(IDX_KINDS),
    seed=st.integers(0, 2**32 - 1),
)
def test_idx_reader_memory_stays_near_the_data_size(which: int, kind: str, seed: int) -> None:
    raw = idx_mutation(IDX_SEEDS[which], kind, np.random.default_rng(seed))
    factor, constant = IDX_MEMORY
    size = max(len(raw), inflated_size(raw))
    assert peak_memory(lambda: read_idx(io.BytesIO(raw))) <= factor * size + constant


def test_regression_a_tiny_gzip_file_claiming_a_gigabyte_costs_little_memory() -> None:
    """Found by this fuzzer: the first read of a gzip stream reserved 16 MiB whatever it held."""
    raw = gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 2**30) + b"0123456789", mtime=0)
    assert len(raw) < 64
    with pytest.raises(IDXFormatError, match="truncated"):
        read_idx(io.BytesIO(raw))
    assert peak_memory(lambda: read_idx(io.BytesIO(raw))) < 1 << 20


def test_a_large_gzip_file_still_reads_whole() -> None:
    """The growing chunks add up: 5 MiB of data, read through several chunk sizes."""
    array = (np.arange(5 << 20) % 251).astype(np.uint8).reshape(5, 1 << 20)
    np.testing.assert_array_equal(read_idx(io.BytesIO(idx_bytes(array, compress=True))), array)


def test_valid_idx_files_with_nan_read_back_exactly() -> None:
    for compress in (False, True):
        array = np.array([np.nan, np.inf, -np.inf, 1.0, -0.0], dtype=np.float64)
        back = read_or_refuse(idx_bytes(array, compress))
        assert back is not None
        assert back.tobytes() == array.tobytes()


def test_the_idx_mutations_reach_both_outcomes() -> None:
    rng = np.random.default_rng(1)
    read = [
        read_or_refuse(idx_mutation(IDX_SEEDS[i % len(IDX_SEEDS)], IDX_KINDS[i % 8], rng))
        for i in range(200)
    ]
    assert sum(a is not None for a in read) >= 5
    assert sum(a is None for a in read) >= 100
