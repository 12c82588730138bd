"""A smoke test of the benchmark suite's machinery (benchmarks/run.py) on tiny data.

Nothing here times anything or asserts speed: it checks that every part runs and that the
report has the shape the README and the JSON readers expect.
"""

from __future__ import annotations

import importlib.util
import json
import math
import statistics
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glassnet_benchmarks_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(bench: ModuleType) -> object:
    rng = np.random.default_rng(0)
    X = rng.random((60, 6), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(np.int64) + (X[:, 1] > 0.5)  # 3 classes
    return bench.Data(X[:48], y[:48], X[48:], y[48:], "tiny")


def _setting(bench: ModuleType, **kw: object) -> object:
    base = {"key": "tiny", "sizes": (6, 5, 3), "activation": "relu", "output": "softmax",
            "optimizer": "sgd", "lr": 0.1, "batch_size": 16, "epochs": 2}  # fmt: skip
    return bench.Setting(**{**base, **kw})


def test_every_library_runs_a_setting_and_the_report_has_its_numbers(
    bench: ModuleType, tiny: object
) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    settings = [
        _setting(bench),
        _setting(bench, key="tut", activation="sigmoid", output="sigmoid", lr=3.0),
        _setting(bench, key="adam", optimizer="adam", lr=0.01),
    ]
    rows = bench.run_suite(settings, tiny, repeats=1, log=lambda line: None)
    assert list(rows) == ["tiny", "tut", "adam"]
    for row in rows.values():
        assert row["floor_s"] > 0
        for lib in ("glassnet", "torch", "sklearn"):
            assert len(row[lib]["repeats"]) == 1
            assert 0.0 <= row[lib]["test_accuracy"] <= 1.0
        assert set(row["ratios"]) == {
            "glassnet/glassnet", "torch/glassnet", "sklearn/glassnet",
            "floor/glassnet", "glassnet/floor",
        }  # fmt: skip
        assert row["ratios"]["glassnet/glassnet"] == 1.0
    assert "quadratic" in rows["tut"]["sklearn"]["note"]  # sklearn cannot train that cost

    report = {"machine": bench.machine(), "data": "tiny", "samples": 48, "repeats": 1,
              "settings": rows, "blas": bench.blas_info(),
              "targets": bench.check_targets({"b128": rows["tiny"]})}  # fmt: skip
    assert {t["ratio"] for t in report["targets"]} >= {"torch/glassnet", "floor/glassnet"}
    text = bench.markdown(report)
    assert text.startswith("| setting | floor s | glassnet s | torch s | sklearn s |")
    assert text.count("\n| 6-5-3 ") == 3
    assert "slowest repeat" not in text  # one repeat: no spread
    rows["tut"]["torch"]["spread"] = 1.5  # as if the machine had been busy during one repeat
    assert "for: tut torch (1.50×)." in bench.markdown(report)
    json.dumps(report)  # plain JSON


def test_glass_box_breakdown_and_profile(bench: ModuleType, tiny: object) -> None:
    s = _setting(bench)
    box = bench.glass_box(s, tiny, repeats=1)
    assert box["trace_changes_nothing"] is True
    assert box["fit_s"] > 0 and box["bare_loop_s"] > 0
    parts = bench.breakdown(s, tiny)
    assert set(parts) == {"epoch", "gather", "matmuls", "update", "elementwise and overhead"}
    assert all(v >= 0 for v in parts.values())
    assert any("ncalls" in line for line in bench.profile_top(s, tiny))
    with pytest.raises(ValueError, match="relu/softmax"):
        bench.bare_loop(_setting(bench, activation="sigmoid"), tiny)


def test_glassnet_learns_the_tiny_problem(bench: ModuleType, tiny: object) -> None:
    s = _setting(bench, epochs=40, lr=0.5)
    seconds, accuracy = bench.run_glassnet(s, tiny)
    assert seconds > 0 and accuracy > 0.5  # 3 classes: chance is about 1/3


def test_main_writes_json_and_markdown(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    argv = ["--synthetic", "--samples", "120", "--settings", "b128", "--repeats", "1",
            "--epochs", "1", "--libs", "glassnet", "--pause", "0", "--json", str(out_json),
            "--markdown", str(out_md)]  # fmt: skip
    report = bench.main(argv)
    assert report["samples"] == 120 and list(report["settings"]) == ["b128"]
    saved = json.loads(out_json.read_text())
    assert saved["settings"]["b128"]["setting"]["batch_size"] == 128
    assert "glass_box" in saved and saved["glass_box"]["trace_changes_nothing"] is True
    assert out_md.read_text().startswith("| setting |")
    assert "glassnet s" in capsys.readouterr().out


def test_bad_options_say_what_to_do(bench: ModuleType) -> None:
    with pytest.raises(SystemExit, match="unknown settings"):
        bench.main(["--settings", "b999", "--synthetic", "--samples", "12"])
    with pytest.raises(SystemExit, match="--libs"):
        bench.main(["--libs", "torch", "--synthetic", "--samples", "12"])


def test_memory_and_blas_reports(bench: ModuleType) -> None:
    mem = bench.child_memory("glassnet", "b128", synthetic=True, samples=60)
    assert mem["peak_mb"] > 0 and mem["training_mb"] >= 0
    info = bench.blas_info()
    assert isinstance(info, list) and info
    m = bench.machine()
    assert set(m["blas_env"]) == {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
    assert math.isfinite(bench.peak_memory_mb())


def test_clean_blas_env_child_reports_glassnet_times(bench: ModuleType) -> None:
    child = ["--child", "glassnet", "--settings", "b128", "--repeats", "1", "--epochs", "1",
             "--samples", "60", "--synthetic", "--pause", "0"]  # fmt: skip
    out = bench.in_subprocess(child, env=None)
    assert set(out) == {"s_per_epoch", "blas"}, out
    assert out["s_per_epoch"]["b128"] > 0


def test_repeats_become_the_median_or_the_fastest(bench: ModuleType, tiny: object) -> None:
    s = _setting(bench)
    for stat, pick in (("median", statistics.median), ("min", min)):
        rows = bench.run_suite([s], tiny, repeats=3, libs=("glassnet",), log=print, stat=stat)
        row = rows[s.key]
        assert row["glassnet"]["s_per_epoch"] == pick(row["glassnet"]["repeats"])
        assert row["glassnet"]["spread"] >= 1.0
    report = {"machine": bench.machine(), "data": "tiny", "samples": 48, "repeats": 3,
              "stat": "min", "settings": rows, "blas": []}  # fmt: skip
    assert "Seconds per epoch, fastest of 3 repeats" in bench.markdown(report)
    assert bench.parse_args(["--stat", "min"]).stat == "min"


def test_epoch_time_by_difference_is_never_negative(bench: ModuleType) -> None:
    """A noisy machine can make the longer fit the faster one; the time must stay positive."""
    assert bench.epoch_time_by_difference(1.0, 5.0, 5) == (1.0, "")
    per_epoch, caveat = bench.epoch_time_by_difference(0.30, 0.25, 5)
    assert per_epoch == pytest.approx(0.05) and per_epoch > 0
    assert "upper bound" in caveat
    assert bench.epoch_time_by_difference(0.0, 0.4, 1) == (0.4, "")
