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
from typing import Any

import numpy as np
import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def load_script(name: str, path: Path) -> ModuleType:
    """The benchmark script at ``path``, imported as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("glassnet_benchmarks_run", RUN)


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


def test_load_keeps_cores_busy_while_it_lasts_and_no_longer(bench: ModuleType) -> None:
    import os

    with bench.busy_cores(1, limit_s=30) as procs:
        assert len(procs) == 1 and procs[0].poll() is None  # running
        if hasattr(os, "sched_getaffinity"):  # on one core, the last this process may use
            assert os.sched_getaffinity(procs[0].pid) == {max(os.sched_getaffinity(0))}
    assert procs[0].poll() is not None  # and gone afterwards
    with pytest.raises(SystemExit, match="--load"):
        bench.main(["--load", "-1", "--synthetic", "--samples", "12"])
    report = bench.main(["--load", "1", "--synthetic", "--samples", "120", "--settings", "b128",
                         "--repeats", "1", "--epochs", "1", "--libs", "glassnet", "--pause", "0",
                         "--no-glass-box", "--no-profile"])  # fmt: skip
    assert report["load"] == 1


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


# -- the convolutional network (benchmarks/cnn.py) -------------------------------------------------

CNN = RUN.parent / "cnn.py"


@pytest.fixture(scope="module")
def cnn(bench: ModuleType) -> ModuleType:
    return load_script("glassnet_benchmarks_cnn", CNN)


@pytest.fixture(scope="module")
def images(bench: ModuleType) -> object:
    """60 random 28×28 images in 10 classes, as flat rows (Fashion-MNIST's shape)."""
    rng = np.random.default_rng(1)
    X = rng.random((60, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60)
    return bench.Data(X[:48], y[:48], X[48:], y[48:], "tiny images")


def test_cnn_is_the_same_network_in_glassnet_and_pytorch(cnn: ModuleType) -> None:
    """With glassnet's weights copied into the PyTorch model, both give the same outputs: the
    benchmark compares one network, not two."""
    torch = pytest.importorskip("torch")
    s = cnn.CNNSetting()
    net, model = cnn.glassnet_network(s), cnn.torch_model(s)
    ours = [layer for layer in net.layers if layer.parameter_names]
    theirs = [mod for mod in model if sum(p.numel() for p in mod.parameters())]
    assert len(ours) == len(theirs) == 4
    with torch.no_grad():
        for layer, mod in zip(ours, theirs, strict=True):
            mod.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W)))
            mod.bias.copy_(torch.from_numpy(layer.b))
    X = np.random.default_rng(2).random((5, 784), dtype=np.float32)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(X)), dim=1).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-4, atol=1e-6)


def test_cnn_floor_counts_every_product_of_the_step(cnn: ModuleType) -> None:
    s, m = cnn.CNNSetting(), 128
    shapes = cnn.gemm_shapes(s, m)
    assert len(shapes) == 12  # three products for each of the four layers with weights
    # the first convolution: m·28·28 patches of 1·3·3 numbers, 16 filters
    assert shapes[:3] == [(m * 784, 9, 16), (16, m * 784, 9), (m * 784, 16, 9)]
    # the second: m·14·14 patches of 16·3·3 numbers, 32 filters; then 32·7·7 = 1568 inputs
    assert shapes[3] == (m * 196, 144, 32) and s.flat == 1568
    assert shapes[6] == (m, 1568, 128) and shapes[9] == (m, 128, 10)


def test_cnn_suite_alternates_the_libraries_and_reports_ratios(
    cnn: ModuleType, images: object
) -> None:
    pytest.importorskip("torch")
    s = cnn.CNNSetting(epochs=1, batch_size=16)
    lines: list[str] = []
    row = cnn.run_suite(s, images, repeats=2, log=lines.append, stat="min")
    assert len(lines) == 2 and all("floor" in x and "torch" in x for x in lines)
    assert len(row["floor_repeats"]) == 2 and row["floor_s"] == min(row["floor_repeats"])
    for lib in ("glassnet", "torch"):
        assert row[lib]["s_per_epoch"] == min(row[lib]["repeats"])
        assert row[lib]["spread"] >= 1.0 and 0.0 <= row[lib]["test_accuracy"] <= 1.0
    g = row["glassnet"]["s_per_epoch"]
    assert row["ratios"]["torch/glassnet"] == pytest.approx(row["torch"]["s_per_epoch"] / g)
    assert row["ratios"]["glassnet/floor"] == pytest.approx(g / row["floor_s"])


def test_cnn_layer_breakdown_adds_up(cnn: ModuleType, images: object) -> None:
    s = cnn.CNNSetting(batch_size=8)
    t = cnn.layer_times(s, images, steps=3)
    assert [x["layer"].split("(")[0] for x in t["layers"]] == [
        "Reshape", "Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense",
    ]  # fmt: skip
    parts = [x["forward_ms"] + x["backward_ms"] for x in t["layers"]]
    parts += [t["cost and δ^(L)_ms"], t["Adam update_ms"]]
    assert all(p >= 0 for p in parts)
    # each part is its fastest step, the whole the fastest whole step: Σ min ≤ min Σ
    assert sum(parts) <= t["step_ms"] * (1 + 1e-9)


def test_cnn_layer_breakdown_of_a_split_step(
    cnn: ModuleType, images: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When fit would split the batch over threads, the layers are one part's, the step whole."""
    from glassnet.training import threads

    monkeypatch.setattr(threads, "SPLIT_NUMBERS", 0)
    monkeypatch.setattr(cnn, "blas_threads_now", lambda: 2)
    t = cnn.layer_times(cnn.CNNSetting(batch_size=8), images, steps=2)
    assert t["parts"] == 2 and len(t["layers"]) == 8
    assert all(x["forward_ms"] > 0 and x["backward_ms"] > 0 for x in t["layers"][1:5])
    assert 0 < t["step_ms"] < math.inf
    report = {"row": {"setting": {"batch_size": 8}}, "layers": {"steps": 2, **t}}
    assert "split over 2 threads" in cnn.markdown_layers(report)


def test_cnn_report_names_the_machine_the_noise_and_the_target(cnn: ModuleType) -> None:
    row = {
        "setting": {"batch_size": 128}, "description": "cnn", "floor_s": 1.0,
        "glassnet": {"s_per_epoch": 4.0, "repeats": [4.0, 6.0], "spread": 1.5,
                     "test_accuracy": 0.8},
        "torch": {"s_per_epoch": 3.0, "repeats": [3.0, 3.1], "spread": 3.1 / 3.0,
                  "test_accuracy": 0.8},
        "ratios": {"glassnet/glassnet": 1.0, "torch/glassnet": 0.75, "glassnet/floor": 4.0},
    }  # fmt: skip
    report = {"row": row, "stat": "min", "repeats": 2, "data": "tiny", "samples": 48,
              "machine": {"cpu": "Some CPU", "cores": 2, "python": "3", "numpy": "2",
                          "blas_env": {}},
              "load": {"before": 1.5, "after": 2.5}, "blas": [{"architecture": "Haswell"}],
              "layers": None}  # fmt: skip
    text = cnn.markdown(report)
    assert text.startswith("| setting | floor s | glassnet s | torch s | torch/glassnet |")
    assert "| 0.75× | 4.00× |" in text
    assert "fastest of 2 repeats" in text and "glassnet 1.50×" in text
    assert "the machine was busy" in text  # glassnet's repeats were 1.5× apart
    assert "Load average (1 min) before 1.50, after 2.50" in text
    assert "Some CPU" in text and "Haswell" in text
    assert "Target torch/glassnet ≥ 1: missed." in text


def test_cnn_main_writes_json_and_markdown(cnn: ModuleType, tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "cnn.json", tmp_path / "cnn.md"
    report = cnn.main(["--synthetic", "--samples", "40", "--quick", "--libs", "glassnet",
                       "--pause", "0", "--steps", "2", "--json", str(out_json),
                       "--markdown", str(out_md)])  # fmt: skip
    assert report["repeats"] == 1 and report["samples"] == 40
    saved = json.loads(out_json.read_text())
    assert saved["row"]["setting"]["epochs"] == 1 and "torch" not in saved["row"]
    assert len(saved["layers"]["layers"]) == 8
    assert out_md.read_text().startswith("| setting |")
    with pytest.raises(SystemExit, match="--libs"):
        cnn.main(["--libs", "torch", "--synthetic", "--samples", "12"])


# -- the recurrent network (benchmarks/rnn.py) -----------------------------------------------------

RNN_SCRIPT = RUN.parent / "rnn.py"


@pytest.fixture(scope="module")
def rnn(bench: ModuleType) -> ModuleType:
    return load_script("glassnet_benchmarks_rnn", RNN_SCRIPT)


@pytest.fixture(scope="module")
def sequences(rnn: ModuleType) -> Any:
    """40 training and 10 test sequences of the adding problem, T = 6, as flat rows."""
    return rnn.load_adding(samples=40, T=6)


def test_rnn_data_is_the_adding_problem_in_flat_rows(rnn: ModuleType, sequences: Any) -> None:
    d = sequences
    assert d.X_train.shape == (40, 12) and d.X_test.shape == (10, 12)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.float32
    steps = d.X_train.reshape(40, 6, 2)  # (m, T, n_in): a value and its marker per step
    assert (steps[:, :, 1].sum(axis=1) == 2).all()  # two marked steps per sequence
    np.testing.assert_allclose((steps[:, :, 0] * steps[:, :, 1]).sum(axis=1), d.y_train)


def test_rnn_is_the_same_network_and_cost_in_glassnet_and_pytorch(
    rnn: ModuleType, sequences: Any
) -> None:
    """With glassnet's weights copied into the PyTorch model, both give the same outputs, the
    same cost and the same gradients for one mini-batch: the benchmark compares one problem."""
    torch = pytest.importorskip("torch")
    s = rnn.RNNSetting(T=6, hidden=5)
    net, model = rnn.glassnet_network(s, seed=3), rnn.torch_model(s)
    rnn.copy_weights(net, model)
    assert not model.rnn.bias_hh_l0.detach().any()  # b goes to bias_ih_l0 alone
    X, y = sequences.X_train[:16], sequences.y_train[:16]
    out = model(torch.from_numpy(X))
    assert out.dtype == torch.float32 and tuple(out.shape) == (16, 1)
    np.testing.assert_allclose(net.forward(X), out.detach().numpy(), rtol=1e-5, atol=1e-5)
    loss = rnn.mse(out, torch.from_numpy(y))
    # glassnet's mse is the mean of (a − y)², without Nielsen's ½: PyTorch's mean mse_loss
    assert net.cost(X, y) == pytest.approx(float(loss.detach()), rel=1e-5)
    loss.backward()
    g = net.gradients(X, y)
    theirs = {
        (2, "W_ih"): model.rnn.weight_ih_l0.grad, (2, "W_hh"): model.rnn.weight_hh_l0.grad,
        (2, "b"): model.rnn.bias_ih_l0.grad, (3, "W"): model.out.weight.grad,
        (3, "b"): model.out.bias.grad,
    }  # fmt: skip
    for (l, name), grad in theirs.items():
        np.testing.assert_allclose(g[l][name], grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.rnn.bias_hh_l0.grad.numpy(), g[2]["b"], rtol=1e-4, atol=1e-6)


def test_rnn_floor_counts_the_products_of_the_step(rnn: ModuleType) -> None:
    s, m = rnn.RNNSetting(), 32
    shapes = rnn.gemm_shapes(s, m)
    assert len(shapes) == 2 * (s.T - 1) + 6
    assert shapes[0] == (50 * 32, 2, 32)  # W_ih x_t for every step at once
    assert shapes.count((32, 32, 32)) == 2 * 49  # W_hh h_(t−1) and ∂C/∂u_t W_hh, t ≥ 2
    assert shapes[-2:] == [(32, 50 * 32, 2), (32, 49 * 32, 32)]  # ∂C/∂W_ih, ∂C/∂W_hh


def test_rnn_suite_alternates_the_libraries_and_reports_ratios(
    rnn: ModuleType, sequences: Any
) -> None:
    pytest.importorskip("torch")
    s = rnn.RNNSetting(T=6, epochs=1, batch_size=16)
    lines: list[str] = []
    row = rnn.run_suite(s, sequences, repeats=2, log=lines.append, stat="min")
    assert len(lines) == 2 and all("floor" in x and "torch" in x for x in lines)
    assert len(row["floor_repeats"]) == 2 and row["floor_s"] == min(row["floor_repeats"])
    for lib in ("glassnet", "torch"):
        assert row[lib]["s_per_epoch"] == min(row[lib]["repeats"])
        assert row[lib]["spread"] >= 1.0 and 0.0 < row[lib]["test_mse"] < math.inf
    g = row["glassnet"]["s_per_epoch"]
    assert row["ratios"]["torch/glassnet"] == pytest.approx(row["torch"]["s_per_epoch"] / g)
    assert row["ratios"]["glassnet/floor"] == pytest.approx(g / row["floor_s"])


def test_rnn_step_breakdown_adds_up(rnn: ModuleType, sequences: Any) -> None:
    s = rnn.RNNSetting(T=6, batch_size=8)
    t = rnn.layer_times(s, sequences, steps=3)
    assert [x["layer"].split("(")[0] for x in t["layers"]] == ["Reshape", "RNN", "Dense"]
    parts = [x["forward_ms"] + x["backward_ms"] for x in t["layers"]]
    parts += [t["cost and δ^(L)_ms"], t["Adam update_ms"]]
    assert all(p >= 0 for p in parts)
    # each part is its fastest step, the whole the fastest whole step: Σ min ≤ min Σ
    assert sum(parts) <= t["step_ms"] * (1 + 1e-9)
    pytest.importorskip("torch")
    theirs = rnn.torch_parts(s, sequences, steps=3)
    assert set(theirs) == {"forward_ms", "backward_ms", "update_ms", "step_ms"}
    assert theirs["forward_ms"] + theirs["backward_ms"] + theirs["update_ms"] <= theirs[
        "step_ms"
    ] * (1 + 1e-9)


def test_rnn_report_names_the_machine_the_noise_and_the_target(rnn: ModuleType) -> None:
    def row(key: str, g: float, spread: float) -> dict[str, object]:
        return {
            "setting": {"batch_size": 32}, "description": key, "floor_s": 0.5,
            "glassnet": {"s_per_epoch": g, "repeats": [g, g * spread], "spread": spread,
                         "test_mse": 0.16},
            "torch": {"s_per_epoch": 3.0, "repeats": [3.0, 3.1], "spread": 3.1 / 3.0,
                      "test_mse": 0.15},
            "ratios": {"glassnet/glassnet": 1.0, "torch/glassnet": 3.0 / g,
                       "glassnet/floor": g / 0.5},
        }  # fmt: skip

    report = {"rows": {"rnn32": row("b32", 2.0, 1.5), "rnn128": row("b128", 4.0, 1.0)},
              "stat": "min", "repeats": 2, "data": "adding (T=6)", "samples": 40, "epochs": 1,
              "machine": {"cpu": "Some CPU", "cores": 2, "python": "3", "numpy": "2",
                          "blas_env": {}},
              "load": {"before": 1.5, "after": 2.5}, "blas": [{"architecture": "Haswell"}],
              "parts": None}  # fmt: skip
    text = rnn.markdown(report)
    assert text.startswith("| setting | floor s | glassnet s | torch s | torch/glassnet |")
    assert "| 1.50× | 4.00× | 0.1600 | 0.1500 |" in text  # b32: torch 3 s, glassnet 2 s
    assert "| 0.75× | 8.00× |" in text  # b128
    assert "fastest of 2 repeats" in text and "rnn32: glassnet 1.50×" in text
    assert "the machine was busy" in text  # glassnet's b32 repeats were 1.5× apart
    assert "Load average (1 min) before 1.50, after 2.50" in text
    assert "Some CPU" in text and "Haswell" in text and "answering 1.0" in text
    assert "Target torch/glassnet ≥ 1: missed." in text  # b128 is below


def test_rnn_main_writes_json_and_markdown(rnn: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    out_json, out_md = tmp_path / "rnn.json", tmp_path / "rnn.md"
    report = rnn.main(["--quick", "--samples", "40", "--T", "5", "--batch-sizes", "16",
                       "--pause", "0", "--steps", "2", "--json", str(out_json),
                       "--markdown", str(out_md)])  # fmt: skip
    assert report["repeats"] == 1 and report["samples"] == 40
    saved = json.loads(out_json.read_text())
    row = saved["rows"]["rnn16"]
    assert row["setting"]["epochs"] == 1 and row["setting"]["T"] == 5 and "torch" in row
    assert set(saved["parts"]["rnn16"]) == {"glassnet", "torch"}
    text = out_md.read_text()
    assert text.startswith("| setting |") and "| rnn16 | whole step |" in text
    assert "PyTorch from glassnet's initial weights" in text
    with pytest.raises(SystemExit, match="--libs"):
        rnn.main(["--libs", "torch", "--samples", "12"])
    with pytest.raises(SystemExit, match="--batch-sizes"):
        rnn.main(["--batch-sizes", "x", "--samples", "12"])
