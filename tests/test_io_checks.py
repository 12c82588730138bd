"""glassnet.io._checks: a header is checked with the limits it is given, before any tensor is read.

The catalogue of damaged files, read through the public functions, is in test_io.py; here the
checks are called directly, as the file format's code calls them."""

from __future__ import annotations

import itertools
import json
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import glassnet as gn
from glassnet.io import CONFIG_KEY, save
from glassnet.io._checks import Limits, check_config, check_tensors, parse_json, read_header
from glassnet.io._format import BadFileError

WIDE = Limits(header_bytes=10**8, json_values=10**6, json_depth=64, layers=10_000,
              metadata_entries=10_000)  # fmt: skip


def config_of(sizes: list[int], **changes: Any) -> dict[str, Any]:
    layers = [
        {"n_in": n_in, "n_out": n_out, "activation": {"name": "sigmoid"}}
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    return {"format_version": 1, "sizes": sizes, "dtype": "float32", "cost": "quadratic",
            "layers": layers, **changes}  # fmt: skip


def saved(tmp_path: Path, sizes: list[int], **metadata: str) -> Path:
    path = tmp_path / "net.safetensors"
    save(gn.Network.from_sizes(sizes, seed=0), path, metadata=metadata)
    return path


def test_read_header_gives_the_configuration_metadata_and_tensors_in_file_order(
    tmp_path: Path,
) -> None:
    path = saved(tmp_path, [2, 3, 1], task="xor")
    with path.open("rb") as f:
        header = read_header(f, WIDE)
    assert header.config["sizes"] == [2, 3, 1] and header.metadata == {"task": "xor"}
    assert [t.name for t in header.tensors] == ["W.1", "b.1", "W.2", "b.2"]
    assert all(t.network for t in header.tensors)
    assert header.tensors[0].shape == (3, 2) and header.tensors[0].dtype == "F32"
    assert header.data_start + header.data_len == path.stat().st_size
    assert header.tensors[-1].end == header.data_len  # the tensors tile the data section


def test_read_header_uses_the_limits_it_is_given(tmp_path: Path) -> None:
    """The limits come in as an argument (glassnet.io reads its MAX_… at each call)."""
    path = saved(tmp_path, [2, 3, 3, 1], note="one")
    tight = {
        "header_bytes": ("more than the 100 allowed", 100),
        "json_values": ("more than 20 JSON values", 20),
        "json_depth": ("2 levels deep at most", 2),
        "layers": ("3 layers, more than the 2", 2),
        "metadata_entries": ("2 entries, more than the 1", 1),  # the configuration's counts
    }
    for field, (message, value) in tight.items():
        with path.open("rb") as f, pytest.raises(BadFileError, match=message):
            read_header(f, replace(WIDE, **{field: value}))
    with path.open("rb") as f:
        assert read_header(f, WIDE).metadata == {"note": "one"}


def test_parse_json_is_bounded_and_strict() -> None:
    assert parse_json('{"a": [1, 2]}', "it", WIDE) == {"a": [1, 2]}
    few = replace(WIDE, json_values=2)
    with pytest.raises(BadFileError, match=r"^it holds more than 2 JSON values.*MAX_JSON_VALUES"):
        parse_json("[1, 2, 3, 4, 5, 6]", "it", few)
    with pytest.raises(BadFileError, match="not valid JSON"):
        parse_json('{"a": 1, "a": 2}', "it", WIDE)
    with pytest.raises(BadFileError, match="not valid JSON"):
        parse_json("[NaN]", "it", WIDE)
    assert parse_json("[NaN]", "it", WIDE, constants=True)[0] != 0  # a checkpoint's floats


def test_check_config_checks_the_network_then_each_layer() -> None:
    assert check_config(config_of([2, 3, 1]), WIDE)["sizes"] == [2, 3, 1]
    where = rf"the configuration \(__metadata__\['{CONFIG_KEY}'\]\)"
    cases = [
        (config_of([2, 1], format_version=4), "model format version 4"),
        (config_of([2, 1], extra=1), rf"{where} has unknown 'extra'"),
        (config_of([2]), "'sizes' must list at least two positive integers"),
        (config_of([2, 1], dtype="float16"), "'dtype' must be 'float32' or 'float64'"),
        ({**config_of([2, 3, 1]), "layers": config_of([2, 1])["layers"]}, "a list of 2 layers"),
        (config_of([2, 1], layers=[["not", "an", "object"]]), "must be a JSON object"),
        (config_of([2, 1], layers=[{"n_in": 2, "n_out": 1}]), "lacks 'activation'"),
    ]
    for config, message in cases:
        with pytest.raises(BadFileError, match=message):
            check_config(config, WIDE)


def test_check_tensors_names_tiling_and_checkpoint_tensors() -> None:
    def entry(shape: list[int], begin: int) -> dict[str, Any]:
        return {
            "dtype": "F32",
            "shape": shape,
            "data_offsets": [begin, begin + 4 * (shape or [1])[0]],
        }

    config = config_of([1, 2])
    obj = {"W.1": entry([2, 1], 0), "b.1": entry([2], 8)}
    assert [t.name for t in check_tensors(dict(obj), config, data_len=16)] == ["W.1", "b.1"]
    with pytest.raises(BadFileError, match="bytes after the last tensor belong to no tensor"):
        check_tensors(dict(obj), config, data_len=20)
    with pytest.raises(BadFileError, match=r"has no tensor 'b\.1'"):
        check_tensors({"W.1": obj["W.1"]}, config, data_len=8)

    extra = {**obj, "checkpoint.optimizer.t": entry([1], 16)}
    with pytest.raises(BadFileError, match="not among the tensors"):
        check_tensors(extra, config, data_len=20)  # version 1 holds the network's tensors only
    tensors = check_tensors(extra, {**config, "format_version": 2}, data_len=20)
    assert [(t.name, t.network) for t in tensors][-1] == ("checkpoint.optimizer.t", False)


def test_a_header_read_from_bytes_written_here(tmp_path: Path) -> None:
    """The layout as the docs give it, written without glassnet: read_header accepts it."""
    config = config_of([1, 1])
    header = {"__metadata__": {CONFIG_KEY: json.dumps(config)},
              "W.1": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]},
              "b.1": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}  # fmt: skip
    text = json.dumps(header).encode()
    path = tmp_path / "hand.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + struct.pack("<2f", 0.5, -1.0))
    with path.open("rb") as f:
        got = read_header(f, WIDE)
    assert got.metadata == {} and got.data_start == 8 + len(text) and got.data_len == 8
