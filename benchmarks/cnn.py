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
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
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
    """(median seconds per epoch, test accuracy)."""
    net = glassnet_network(s, seed)
    return mlp.fit_and_test(net, s, data, gn.Adam(lr=s.lr), seed, "accuracy")


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

    torch.set_num_threads(mlp.THREADS or os.cpu_count() or 1)
    torch.manual_seed(seed)
    model = torch_model(s)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train.astype(np.int64))
    loss = torch.nn.functional.cross_entropy  # softmax + cross-entropy, from the logits
    epoch_seconds = mlp.torch_fit(model, opt, loss, X, y, s, seed)
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
    preallocated arrays): what the step would cost if everything but BLAS were free."""
    return mlp.gemm_floor(gemm_shapes, s, data)


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
    opt = gn.Adam(lr=s.lr)
    with threadpool_limits(1 if parts > 1 else n):
        times = mlp.step_times(net, X[: len(X) // parts], Y[: len(X) // parts], opt, steps)
        if parts > 1:  # the whole split step: every part on its thread, and their sum
            xb, yb, _ = net.check_data(X, Y)
            fastest = math.inf
            with SplitStep(net, parts) as split:
                whole = split.workspace(len(xb))
                for _ in range(steps):
                    start = time.perf_counter()
                    split.step(xb, yb, whole)
                    opt.step(net, net.gradients_of(whole))
                    fastest = min(fastest, time.perf_counter() - start)
            times["step_ms"] = 1e3 * fastest
    return {"parts": parts, **times}


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
    """Time the floor and every library in turn, ``repeats`` times (:func:`run.alternate`)."""
    return mlp.alternate(s, data, repeats, matmul_floor, RUNNERS, "test_accuracy", libs, log,
                         pause, stat)  # fmt: skip


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
    lines = mlp.markdown_table([row], libs, ("acc", "test_accuracy", ".3f"))
    spreads = ", ".join(f"{lib} {row[lib]['spread']:.2f}×" for lib in libs)
    about = f"{report['data']} data, {report['samples']} training samples"
    noisy = any(row[lib]["spread"] > mlp.NOISY_SPREAD for lib in libs)
    lines.append(mlp.seconds_sentence(report, libs, about, spreads, noisy))
    lines += mlp.markdown_machine(report, [row], TARGET)
    lines += markdown_layers(report).splitlines()
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = mlp.suite_options(__doc__.splitlines()[0], "1 repeat, 1 epoch, 10,000 samples")
    p.add_argument("--samples", type=int, help="use only the first N training samples")
    p.add_argument("--synthetic", action="store_true", help="random data of Fashion-MNIST's shape")
    p.add_argument("--steps", type=int, default=20, help="steps timed for the layer breakdown")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.quick:
        args.repeats, args.epochs = 1, args.epochs or 1
        args.samples = args.samples or 10_000
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    libs = mlp.choose_libs(args.libs, RUNNERS)
    if args.threads:
        mlp.limit_threads(args.threads, ("torch",) if "torch" in libs else ())
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
        **mlp.torch_version(libs),
    }
    mlp.write_report(report, markdown(report), args.json, args.markdown)
    return report


if __name__ == "__main__":
    main()
