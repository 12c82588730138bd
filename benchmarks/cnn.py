"""A small convolutional network, glassnet against PyTorch (CPU): seconds per epoch, ratios.

Run:  python benchmarks/cnn.py [--quick] [--repeats 3] [--stat min] [--json out.json]

The network (issue 17), the same in both libraries, float32, Adam η = 0.001, batch 128::

    Reshape((1, 28, 28)) → Conv2D(1, 16, 3, padding=1) relu → MaxPool2D(2)
    → Conv2D(16, 32, 3, padding=1) relu → MaxPool2D(2) → Flatten
    → Dense(1568, 128) relu → Dense(128, 10) softmax, cross-entropy

trained on Fashion-MNIST (``--synthetic``: random data of its shape). glassnet, PyTorch and the
matmul floor (the step's matrix products alone, in NumPy; see :func:`matmul_floor`) are timed
in turn within every repeat, so that a busy neighbour slows all three alike; the report gives
the ratios, the spread of the repeats, the load average, the CPU and the BLAS kernel, and where
glassnet's step goes layer by layer (:func:`layer_times`). It follows benchmarks/run.py's
conventions and reuses its data loading, machine description and report helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as mlp


@dataclass(frozen=True)
class CNNSetting:
    """The convolutional network's sizes, optimizer and batch, as both libraries build it."""

    key: str = "cnn128"
    image: tuple[int, int, int] = (1, 28, 28)
    channels: tuple[int, int] = (16, 32)  # the two convolutions' filters
    hidden: int = 128
    classes: int = 10
    lr: float = 1e-3  # Adam
    batch_size: int = 128
    epochs: int = 2

    @property
    def flat(self) -> int:
        """Inputs of the first Dense layer: the second convolution's channels × (H/4)·(W/4)."""
        _, H, W = self.image
        return self.channels[1] * (H // 4) * (W // 4)

    def describe(self) -> str:
        c1, c2 = self.channels
        return (
            f"conv{c1}-pool-conv{c2}-pool-{self.hidden}-{self.classes}, Adam "
            f"lr={self.lr:g}, batch {self.batch_size}"
        )


def glassnet_network(s: CNNSetting, seed: int = 0) -> gn.Network:
    L = gn.layers
    (C, H, W), (c1, c2) = s.image, s.channels
    layers = [
        L.Reshape(s.image),
        L.Conv2D(C, c1, 3, padding=1, activation="relu"),
        L.MaxPool2D(2),
        L.Conv2D(c1, c2, 3, padding=1, activation="relu"),
        L.MaxPool2D(2),
        L.Flatten(),
        gn.Dense(s.flat, s.hidden, activation="relu"),
        gn.Dense(s.hidden, s.classes, activation="softmax"),
    ]
    return gn.Network(layers, cost="cross_entropy", seed=seed, input_shape=(C * H * W,))


def run_glassnet(s: CNNSetting, data: mlp.Data, seed: int = 0) -> tuple[float, float]:
    """(median seconds per epoch, test accuracy): ``History.seconds`` times each epoch."""
    net = glassnet_network(s, seed)
    h = net.fit(data.X_train, data.y_train, epochs=s.epochs, batch_size=s.batch_size,
                optimizer=gn.Adam(lr=s.lr), seed=seed, verbose=0)  # fmt: skip
    return statistics.median(h.seconds), net.evaluate(data.X_test, data.y_test)["accuracy"]


def torch_model(s: CNNSetting) -> Any:
    """The same network in PyTorch (its default initialisation), ending in the logits."""
    import torch

    nn = torch.nn
    (C, _, _), (c1, c2) = s.image, s.channels
    return nn.Sequential(
        nn.Unflatten(1, s.image),
        nn.Conv2d(C, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(s.flat, s.hidden), nn.ReLU(), nn.Linear(s.hidden, s.classes),
    )  # fmt: skip


def run_torch(s: CNNSetting, data: mlp.Data, seed: int = 0) -> tuple[float, float]:
    """The same network as a plain PyTorch loop (``torch.set_num_threads`` as run.py sets it)."""
    import torch

    nn = torch.nn
    torch.set_num_threads(mlp.THREADS or os.cpu_count() or 1)
    torch.manual_seed(seed)
    model = torch_model(s)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train.astype(np.int64))
    g = torch.Generator().manual_seed(seed)
    epoch_seconds = []
    for _ in range(s.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=g)
        for lo in range(0, len(X), s.batch_size):
            idx = order[lo : lo + s.batch_size]
            loss = nn.functional.cross_entropy(model(X[idx]), y[idx])  # softmax + CE, logits
            opt.zero_grad()
            loss.backward()
            opt.step()
        epoch_seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        pred = model(torch.from_numpy(data.X_test)).argmax(dim=1).numpy()
    return statistics.median(epoch_seconds), float(np.mean(pred == data.y_test))


def gemm_shapes(s: CNNSetting, m: int) -> list[tuple[int, int, int]]:
    """(rows, inner, columns) of every matrix product of one training step of m samples.

    A 3×3 convolution with ``c_in`` → ``c_out`` channels on an h×w image (padding 1) is three
    products over the m·h·w patches (K = 9·c_in numbers each): z = cols Wᵀ, ∂C/∂W = δᵀ cols and
    ∂C/∂cols = δ W; a Dense layer n_in → n_out is z = a Wᵀ, ∂C/∂W = δᵀ a and, but for the first
    layer with parameters, δ W. glassnet computes the first convolution's ∂C/∂a as well (the
    network asks every layer after the first for it), so the floor counts it too.
    """
    (C, H, W), (c1, c2) = s.image, s.channels
    shapes = []
    for c_in, c_out, hw in ((C, c1, H * W), (c1, c2, H * W // 4)):
        K = 9 * c_in
        shapes += [(m * hw, K, c_out), (c_out, m * hw, K), (m * hw, c_out, K)]
    for n_in, n_out in ((s.flat, s.hidden), (s.hidden, s.classes)):
        shapes += [(m, n_in, n_out), (n_out, m, n_in), (m, n_out, n_in)]
    return shapes


def matmul_floor(s: CNNSetting, data: mlp.Data) -> float:
    """Seconds for one epoch's matrix products alone (:func:`gemm_shapes`, float32, into
    preallocated arrays): what the step would cost if everything but BLAS were free. Each
    product reads its own operands, so that, as in training, they are not all in cache."""
    rng = np.random.default_rng(0)
    m_all = len(data.X_train)
    sizes = [s.batch_size] * (m_all // s.batch_size) + [m_all % s.batch_size] * bool(
        m_all % s.batch_size
    )
    products: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for m in set(sizes):
        products[m] = [
            (rng.random((r, k), dtype=np.float32), rng.random((k, c), dtype=np.float32),
             np.empty((r, c), dtype=np.float32))
            for r, k, c in gemm_shapes(s, m)
        ]  # fmt: skip
    for m in products:  # once untimed: the outputs' pages are touched before the clock starts
        for a, b, out in products[m]:
            np.matmul(a, b, out=out)
    start = time.perf_counter()
    for m in sizes:
        for a, b, out in products[m]:
            np.matmul(a, b, out=out)
    return time.perf_counter() - start


def blas_threads_now() -> int:
    """NumPy's BLAS threads at the moment (1 without threadpoolctl: nothing to go on)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    return min(
        [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] or [1]
    )


def layer_times(s: CNNSetting, data: mlp.Data, steps: int = 20) -> dict[str, Any]:
    """Where glassnet's training step goes: each layer's forward (z, then σ) and backward
    (σ', then θ and a^(l−1) gradients), the cost and the Adam update, in milliseconds per
    mini-batch; each the fastest of ``steps`` steps on the first mini-batch.

    When ``fit`` splits the mini-batch over the BLAS's n threads (glassnet.training.split), the
    layers are timed as one part runs them: B/n rows on a one-thread BLAS, alone; ``step_ms``
    is then the whole split step (all parts on their threads, and the sum of their gradients),
    ``parts`` says n.
    """
    from threadpoolctl import threadpool_limits

    from glassnet.training.split import SplitStep
    from glassnet.training.threads import splits

    net = glassnet_network(s)
    n = blas_threads_now()
    parts = n if splits(net, s.batch_size, n) else 1
    X, Y = data.X_train[: s.batch_size], data.y_train[: s.batch_size]
    x, y, _ = net.check_data(X[: len(X) // parts], Y[: len(X) // parts])
    m, k = len(x), len(net.layers)
    caches, opt = net.workspace(m), gn.Adam(lr=s.lr)
    grads, rows = net.gradients_of(caches), 1.0 / m
    best = {"forward": [math.inf] * k, "backward": [math.inf] * k}
    other = {"cost and δ^(L)": math.inf, "Adam update": math.inf, "step": math.inf}

    def keep(times: dict[str, Any], key: str, i: int | None, start: float) -> float:
        now = time.perf_counter()
        if i is None:
            times[key] = min(times[key], now - start)
        else:
            times[key][i] = min(times[key][i], now - start)
        return now

    with threadpool_limits(1 if parts > 1 else n):
        for _ in range(steps):
            first = t = time.perf_counter()
            a = x
            for l, (layer, cache) in enumerate(zip(net.layers, caches, strict=True)):
                a = layer.forward(a, cache)
                t = keep(best, "forward", l, t)
            cost, out = net.cost_function, caches[-1]
            cost.per_sample_into(y, out)
            dC = cost.output_delta_into(y, out, net.layers[-1].activation)
            t = keep(other, "cost and δ^(L)", None, t)
            dC = net.layers[-1].backward_delta(dC, out, rows, out.pass_back)
            t = keep(best, "backward", k - 1, t)
            for l in range(k - 2, -1, -1):
                dC = net.layers[l].backward(dC, caches[l], rows, caches[l].pass_back)
                t = keep(best, "backward", l, t)
            opt.step(net, grads)
            keep(other, "Adam update", None, t)
            keep(other, "step", None, first)
        if parts > 1:  # the whole split step: every part on its thread, and their sum
            xb, yb, _ = net.check_data(X, Y)
            other["step"] = math.inf
            with SplitStep(net, parts) as split:
                whole = split.workspace(len(xb))
                for _ in range(steps):
                    start = time.perf_counter()
                    split.step(xb, yb, whole)
                    opt.step(net, net.gradients_of(whole))
                    keep(other, "step", None, start)
    ms = 1e3
    return {
        "parts": parts,
        "layers": [
            {"layer": repr(layer), "forward_ms": ms * f, "backward_ms": ms * b}
            for layer, f, b in zip(net.layers, best["forward"], best["backward"], strict=True)
        ],
        **{f"{k}_ms": ms * v for k, v in other.items()},
    }


RUNNERS: dict[str, Callable[[CNNSetting, mlp.Data, int], tuple[float, float]]] = {
    "glassnet": run_glassnet,
    "torch": run_torch,
}


def run_suite(
    s: CNNSetting,
    data: mlp.Data,
    repeats: int,
    libs: tuple[str, ...] = ("glassnet", "torch"),
    log: Callable[[str], None] = print,
    pause: float = 0.0,
    stat: str = "median",
) -> dict[str, Any]:
    """Time the floor and every library in turn, ``repeats`` times; plain dicts back.

    Alternating within each repeat means that a busy spell of the machine lands on all of
    them rather than on one; ``stat`` turns each one's repeats into one number.
    """
    times: dict[str, list[float]] = {"floor": [], **{lib: [] for lib in libs}}
    accuracy: dict[str, float] = {}
    for r in range(repeats):
        mlp.settle(pause)
        times["floor"].append(matmul_floor(s, data))
        for lib in libs:
            mlp.settle(pause)
            seconds, accuracy[lib] = RUNNERS[lib](s, data, r)
            times[lib].append(seconds)
        log(f"  repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.3f}s" for k, v in times.items()))
    pick = mlp.STATS[stat]
    row: dict[str, Any] = {"setting": asdict(s), "description": s.describe()}
    row["floor_s"] = pick(times["floor"])
    row["floor_repeats"] = times["floor"]
    for lib in libs:
        row[lib] = {
            "s_per_epoch": pick(times[lib]),
            "repeats": times[lib],
            "spread": max(times[lib]) / min(times[lib]),  # slowest / fastest repeat
            "test_accuracy": accuracy[lib],
        }
    g = row["glassnet"]["s_per_epoch"]
    row["ratios"] = {f"{lib}/glassnet": row[lib]["s_per_epoch"] / g for lib in libs}
    row["ratios"]["glassnet/floor"] = g / row["floor_s"]
    return row


#: the issue's goal: torch/glassnet at least this (glassnet no slower than PyTorch)
TARGET = ("torch/glassnet", 1.0)


def markdown_layers(report: dict[str, Any]) -> str:
    """The layer breakdown of the report as Markdown ("" without one)."""
    if not report.get("layers"):
        return ""
    lines: list[str] = []
    row = report["row"]
    t = report["layers"]
    B, parts = row["setting"]["batch_size"], t.get("parts", 1)
    lines.append(
        f"\nglassnet's step, batch {B} (fastest of {t['steps']} steps, ms): "
        f"{t['step_ms']:.1f} in all"
        + (
            f", the batch split over {parts} threads; the layers as one part of "
            f"{B // parts} rows runs them (one BLAS thread, alone):"
            if parts > 1
            else ""
        )
    )
    lines.append("\n| layer | forward ms | backward ms |\n|---|---|---|")
    for x in t["layers"]:
        lines.append(f"| {x['layer']} | {x['forward_ms']:.2f} | {x['backward_ms']:.2f} |")
    lines.append(
        f"| cost and δ^(L) | {t['cost and δ^(L)_ms']:.2f} | |\n"
        f"| Adam update | | {t['Adam update_ms']:.2f} |"
    )
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: the table, the noise, the machine and BLAS, the breakdown."""
    row = report["row"]
    libs = [lib for lib in RUNNERS if lib in row]
    head = ["setting", "floor s", *(f"{lib} s" for lib in libs)]
    head += [f"{lib}/glassnet" for lib in libs[1:]] + ["glassnet/floor"]
    head += [f"acc {lib}" for lib in libs]
    cells = [row["description"], f"{row['floor_s']:.3f}"]
    cells += [f"{row[lib]['s_per_epoch']:.3f}" for lib in libs]
    cells += [f"{row['ratios'][f'{lib}/glassnet']:.2f}×" for lib in libs[1:]]
    cells += [f"{row['ratios']['glassnet/floor']:.2f}×"]
    cells += [f"{row[lib]['test_accuracy']:.3f}" for lib in libs]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        "| " + " | ".join(cells) + " |",
    ]
    spreads = ", ".join(f"{lib} {row[lib]['spread']:.2f}×" for lib in libs)
    load = report.get("load")
    lines.append(
        f"\nSeconds per epoch, {mlp.STAT_WORDS[report['stat']]} of {report['repeats']} "
        f"repeats (each repeat times the floor, then {', then '.join(libs)}); "
        f"{report['data']} data, {report['samples']} training samples. Slowest repeat / "
        f"fastest: {spreads}"
        + (
            f" (above {mlp.NOISY_SPREAD:g}×: the machine was busy; read the ratios, not "
            "the seconds)."
            if any(row[lib]["spread"] > mlp.NOISY_SPREAD for lib in libs)
            else "."
        )
    )
    if load:
        lines.append(
            f"Load average (1 min) before {load['before']:.2f}, after {load['after']:.2f}, "
            f"on {report['machine']['cores']} cores."
        )
    m = report["machine"]
    lines.append(
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, NumPy {m['numpy']}"
        f"{', torch ' + report['torch'] if report.get('torch') else ''}; OPENBLAS env "
        f"{m['blas_env']}; threads {report.get('threads') or m['cores']}."
    )
    what, least = TARGET
    if what in row["ratios"]:
        met = row["ratios"][what] >= least
        lines.append(f"Target {what} ≥ {least:g}: {'met' if met else 'missed'}.")
    lines.append("\nBLAS: " + "; ".join(json.dumps(b) for b in report["blas"]))
    lines += markdown_layers(report).splitlines()
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1 repeat, 1 epoch, 10,000 samples")
    p.add_argument("--repeats", type=int, default=3, help="runs of each library")
    p.add_argument("--stat", choices=sorted(mlp.STATS), default="median",
                   help="the repeats' median (default) or fastest (a busy machine)")  # fmt: skip
    p.add_argument("--epochs", type=int, help="epochs per run (default 2)")
    p.add_argument("--threads", type=int, help="BLAS and torch threads (default: CPU count)")
    p.add_argument("--pause", type=float, default=0.5, help="seconds before each timed run")
    p.add_argument("--libs", default="glassnet,torch", help="glassnet, and torch or not")
    p.add_argument("--samples", type=int, help="use only the first N training samples")
    p.add_argument("--synthetic", action="store_true", help="random data of Fashion-MNIST's shape")
    p.add_argument("--steps", type=int, default=20, help="steps timed for the layer breakdown")
    p.add_argument("--json", help="also write the report as JSON to this file")
    p.add_argument("--markdown", help="also write the Markdown report to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.quick:
        args.repeats, args.epochs = 1, args.epochs or 1
        args.samples = args.samples or 10_000
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    libs = tuple(x.strip() for x in args.libs.split(",") if x.strip())
    if "glassnet" not in libs or any(lib not in RUNNERS for lib in libs):
        raise SystemExit(f"--libs takes glassnet, and torch or not; got {args.libs}")
    if args.threads:
        mlp.THREADS = args.threads
        if "torch" in libs:
            import torch
        with contextlib.suppress(ImportError):
            from threadpoolctl import threadpool_limits

            mlp._LIMITS.append(threadpool_limits(args.threads))
    s = CNNSetting(epochs=args.epochs or CNNSetting.epochs)
    data = mlp.load_data(args.samples, args.synthetic)
    print(f"{s.describe()} × {libs} on {len(data.X_train)} {data.source} samples")
    before = os.getloadavg()[0]
    row = run_suite(s, data, args.repeats, libs, pause=args.pause, stat=args.stat)
    layers = layer_times(s, data, args.steps)
    report: dict[str, Any] = {
        "machine": mlp.machine(),
        "data": data.source,
        "samples": len(data.X_train),
        "repeats": args.repeats,
        "threads": args.threads,
        "stat": args.stat,
        "load": {"before": before, "after": os.getloadavg()[0]},
        "row": row,
        "layers": {"steps": args.steps, **layers},
        "blas": mlp.blas_info(),
    }
    if "torch" in libs:
        import torch

        report["torch"] = torch.__version__
    text = markdown(report)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2, default=float)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return report


if __name__ == "__main__":
    main()
