"""A recurrent network on the adding problem, glassnet against PyTorch (CPU): seconds per epoch.

Run:  python benchmarks/rnn.py [--quick] [--repeats 3] [--stat min] [--T 50] [--json out.json]

The network (issue 22's "new layers"), the same in both libraries, float32, Adam η = 0.001,
batch 32 and batch 128::

    Reshape((T, 2)) → RNN(2, 32) tanh, its last state h_T → Dense(32, 1) identity, mse

trained on the adding problem (``glassnet.datasets.load("adding", T=50)``: flat rows of T·2
numbers, 80% for training). In PyTorch: ``nn.RNN(2, 32, nonlinearity="tanh",
batch_first=True)`` and ``nn.Linear(32, 1)`` on the last step's output.

The cost. glassnet's ``"mse"`` is the tutorial's C = (1/m) Σ_i ‖y_i − a_i‖² (no ½; see
glassnet.costs); with one output neuron that is exactly PyTorch's
``nn.functional.mse_loss(out, y)`` with its default mean, which the PyTorch loop uses. So both
minimise the same number with the same gradient, and their test mse can be read side by side
(answering 1.0 always scores 1/6 ≈ 0.167: :data:`glassnet.datasets.ADDING_BASELINE`).

The start. PyTorch begins from glassnet's initial weights (:func:`copy_weights`; ``--torch-init``
keeps PyTorch's own). The two defaults differ where it matters at T = 50: glassnet draws W_hh
by Xavier (std √(2/64) ≈ 0.18), PyTorch from U(±1/√32) (std ≈ 0.10), whose gradients fade
faster through 50 steps; from its own start PyTorch had not found the marks after 30 epochs
(benchmarks/README.md). The order of the mini-batches still differs (each library shuffles
with its own generator). Neither changes the time per epoch.

The floor, glassnet and PyTorch are timed in turn within every repeat, so that a busy neighbour
slows all three alike. The floor (:func:`matmul_floor`) is the step's matrix products alone, in
NumPy, with the shapes glassnet uses (:func:`gemm_shapes`). The report gives the ratios, the
spread of the repeats, the load average, the CPU and the BLAS kernel, and where each library's
step goes: forward, backward and update in ms per mini-batch (:func:`layer_times`,
:func:`torch_parts`). Issue 18, which added the RNN, set no speed goal; the target is the one
benchmarks/cnn.py has for the other new layer: no slower than PyTorch. It follows
benchmarks/run.py's conventions and reuses its machine description, statistics and BLAS report.
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
class RNNSetting:
    """The recurrent network's sizes, optimizer and batch, as both libraries build it."""

    key: str = "rnn32"
    T: int = 50  # time steps per sequence
    n_in: int = 2  # numbers per step: a value and its marker
    hidden: int = 32
    lr: float = 1e-3  # Adam
    batch_size: int = 32
    epochs: int = 2
    #: PyTorch starts from glassnet's initial weights (True) or from its own defaults (False)
    same_init: bool = True

    def describe(self) -> str:
        return f"T={self.T} rnn{self.hidden}-1, Adam lr={self.lr:g}, batch {self.batch_size}"


def settings(batch_sizes: tuple[int, ...] = (32, 128), **kw: Any) -> list[RNNSetting]:
    """One setting per batch size, the rest as given (``T``, ``epochs``, …)."""
    return [RNNSetting(key=f"rnn{B}", batch_size=B, **kw) for B in batch_sizes]


def load_adding(samples: int = 8000, T: int = 50) -> mlp.Data:
    """The adding problem: ``samples`` training sequences of T steps, a quarter as many to test.

    glassnet's loader holds out a fifth (rounded up), so it is asked for 5/4 · ``samples``.
    """
    ds = gn.datasets.load("adding", T=T, n_samples=math.ceil(samples * 5 / 4), seed=0)
    return mlp.Data(ds.X_train, ds.y_train, ds.X_test, ds.y_test, f"adding (T={T})")


def glassnet_network(s: RNNSetting, seed: int = 0) -> gn.Network:
    layers = [
        gn.layers.Reshape((s.T, s.n_in)),
        gn.layers.RNN(s.n_in, s.hidden),  # tanh; passes on h_T only
        gn.Dense(s.hidden, 1, activation="identity"),
    ]
    return gn.Network(layers, cost="mse", seed=seed, input_shape=(s.T * s.n_in,))


def run_glassnet(s: RNNSetting, data: mlp.Data, seed: int = 0) -> tuple[float, float]:
    """(median seconds per epoch, test mse)."""
    net = glassnet_network(s, seed)
    return mlp.fit_and_test(net, s, data, gn.Adam(lr=s.lr), seed, "loss")


def torch_model(s: RNNSetting) -> Any:
    """The same network in PyTorch (its default initialisation): the output of the last step's
    state, one number per sequence, shape (m, 1)."""
    import torch

    class LastStep(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.RNN(s.n_in, s.hidden, nonlinearity="tanh", batch_first=True)
            self.out = torch.nn.Linear(s.hidden, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h, _ = self.rnn(x.view(len(x), s.T, s.n_in))  # every h_t: (m, T, hidden)
            return self.out(h[:, -1])  # (m, 1)

    return LastStep()


def copy_weights(net: gn.Network, model: Any) -> None:
    """Give the PyTorch model glassnet's weights: W_ih, W_hh, and b as bias_ih_l0 (PyTorch's
    two biases only ever appear as a sum, so bias_hh_l0 = 0); the Dense layer's W and b."""
    import torch

    _, cell, dense = net.layers
    pairs = [
        (model.rnn.weight_ih_l0, cell.W_ih), (model.rnn.weight_hh_l0, cell.W_hh),
        (model.rnn.bias_ih_l0, cell.b), (model.rnn.bias_hh_l0, np.zeros_like(cell.b)),
        (model.out.weight, dense.W), (model.out.bias, dense.b),
    ]  # fmt: skip
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.copy_(torch.from_numpy(np.ascontiguousarray(ours)))


def mse(out: Any, y: Any) -> Any:
    """glassnet's ``"mse"`` for one output: the mean over samples of (a − y)², as a torch loss."""
    import torch

    return torch.nn.functional.mse_loss(out[:, 0], y)  # reduction="mean"


def run_torch(s: RNNSetting, data: mlp.Data, seed: int = 0) -> tuple[float, float]:
    """The same network as a plain PyTorch loop (``torch.set_num_threads`` as run.py sets it),
    from glassnet's initial weights unless ``s.same_init`` is False."""
    import torch

    torch.set_num_threads(mlp.THREADS or os.cpu_count() or 1)
    torch.manual_seed(seed)
    model = torch_model(s)
    if s.same_init:  # the network run_glassnet trains with this seed, as its first step sees it
        copy_weights(glassnet_network(s, seed), model)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    epoch_seconds = mlp.torch_fit(model, opt, mse, X, y, s, seed)
    with torch.no_grad():
        test = mse(model(torch.from_numpy(data.X_test)), torch.from_numpy(data.y_test))
    return statistics.median(epoch_seconds), float(test)


def gemm_shapes(s: RNNSetting, m: int) -> list[tuple[int, int, int]]:
    """(rows, inner, columns) of every matrix product of one training step of m samples, as
    glassnet makes them (src/glassnet/layers/recurrent.py).

    Forward: W_ih x_t for all T steps in one product over the T·m rows, then W_hh h_(t−1) at
    each step t ≥ 2 (T − 1 products: each needs the step before); the Dense layer's z. Backward:
    the Dense layer's ∂C/∂W and δ W (∂C/∂h_T), then at each step t ≥ 2 the state's share
    ∂C/∂u_t W_hh (T − 1 products), and ∂C/∂W_ih, ∂C/∂W_hh each in one product over all steps.
    The RNN's ∂C/∂x is not computed (a Reshape below it has nothing to learn), so not counted.
    Only the recurrence must go step by step; per-step products for the rest would be the same
    multiply-adds in T times as many calls.
    """
    T, n, H = s.T, s.n_in, s.hidden
    shapes = [(T * m, n, H)] + [(m, H, H)] * (T - 1) + [(m, H, 1)]  # forward
    shapes += [(1, m, H), (m, 1, H)]  # the Dense layer backward
    shapes += [(m, H, H)] * (T - 1) + [(H, T * m, n), (H, (T - 1) * m, H)]  # through time
    return shapes


def matmul_floor(s: RNNSetting, data: mlp.Data) -> float:
    """Seconds for one epoch's matrix products alone (:func:`gemm_shapes`, float32, into
    preallocated arrays): what the step would cost if everything but BLAS were free."""
    return mlp.gemm_floor(gemm_shapes, s, data)


def layer_times(s: RNNSetting, data: mlp.Data, steps: int = 20) -> dict[str, Any]:
    """Where glassnet's training step goes: each layer's forward and backward, the cost and
    the Adam update, in milliseconds per mini-batch; each the fastest of ``steps`` steps on
    the first mini-batch, with the BLAS threads as they are (``fit`` leaves them alone for
    products this small). ``step_ms`` is the fastest whole step.
    """
    net = glassnet_network(s)
    X, Y = data.X_train[: s.batch_size], data.y_train[: s.batch_size]
    return mlp.step_times(net, X, Y, gn.Adam(lr=s.lr), steps)


def torch_parts(s: RNNSetting, data: mlp.Data, steps: int = 20) -> dict[str, float]:
    """PyTorch's step in the same three parts, ms per mini-batch, the fastest of ``steps``:
    forward (the model and the loss), backward (``loss.backward()``), update
    (``zero_grad`` and Adam's ``step``); ``step_ms`` the fastest whole step."""
    import torch

    torch.set_num_threads(mlp.THREADS or os.cpu_count() or 1)
    torch.manual_seed(0)
    model = torch_model(s)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    X = torch.from_numpy(data.X_train[: s.batch_size])
    y = torch.from_numpy(data.y_train[: s.batch_size])
    best = dict.fromkeys(("forward", "backward", "update", "step"), math.inf)
    for _ in range(steps):
        first = time.perf_counter()
        loss = mse(model(X), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        for key, took in (("forward", t1 - first), ("backward", t2 - t1), ("update", t3 - t2),
                          ("step", t3 - first)):  # fmt: skip
            best[key] = min(best[key], took)
    return {f"{k}_ms": 1e3 * v for k, v in best.items()}


RUNNERS: dict[str, Callable[[RNNSetting, mlp.Data, int], tuple[float, float]]] = {
    "glassnet": run_glassnet,
    "torch": run_torch,
}


def run_suite(
    s: RNNSetting,
    data: mlp.Data,
    repeats: int,
    libs: tuple[str, ...] = ("glassnet", "torch"),
    log: Callable[[str], None] = print,
    pause: float = 0.0,
    stat: str = "median",
) -> dict[str, Any]:
    """Time the floor and every library in turn, ``repeats`` times (:func:`run.alternate`);
    each library's ``test_mse`` is its last repeat's network's."""
    return mlp.alternate(s, data, repeats, matmul_floor, RUNNERS, "test_mse", libs, log, pause,
                         stat, label=s.key)  # fmt: skip


#: the goal: torch/glassnet at least this (glassnet no slower than PyTorch, as for the CNN)
TARGET = ("torch/glassnet", 1.0)


def markdown_parts(report: dict[str, Any]) -> str:
    """The step breakdowns of the report as Markdown ("" without them)."""
    parts = report.get("parts")
    if not parts:
        return ""
    lines = [
        f"\nThe step, ms per mini-batch (fastest of {report['steps']} steps on one mini-batch):",
        "\n| setting | part | glassnet ms | torch ms |\n|---|---|---|---|",
    ]
    for key, p in parts.items():
        t, torch_ms = p["glassnet"], p.get("torch") or {}
        theirs = {k: f"{v:.3f}" for k, v in torch_ms.items()}
        rnn = next(x for x in t["layers"] if x["layer"].startswith("RNN"))
        forward = sum(x["forward_ms"] for x in t["layers"])
        backward = sum(x["backward_ms"] for x in t["layers"]) + t["cost and δ^(L)_ms"]
        lines += [
            f"| {key} | forward | {forward:.3f} (RNN {rnn['forward_ms']:.3f}) | "
            f"{theirs.get('forward_ms', '')} |",
            f"| {key} | backward, with the cost | {backward:.3f} (RNN {rnn['backward_ms']:.3f})"
            f" | {theirs.get('backward_ms', '')} |",
            f"| {key} | update (Adam) | {t['Adam update_ms']:.3f} | "
            f"{theirs.get('update_ms', '')} |",
            f"| {key} | whole step | {t['step_ms']:.3f} | {theirs.get('step_ms', '')} |",
        ]
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: the table, the noise, the machine and BLAS, the breakdown."""
    rows = list(report["rows"].values())
    libs = [lib for lib in RUNNERS if any(lib in row for row in rows)]
    lines = mlp.markdown_table(rows, libs, ("test mse", "test_mse", ".4f"))
    spreads = "; ".join(
        f"{key}: " + ", ".join(f"{lib} {row[lib]['spread']:.2f}×" for lib in libs)
        for key, row in report["rows"].items()
    )
    start = (
        ""
        if "torch" not in libs
        else ", PyTorch from glassnet's initial weights"
        if report.get("same_init", True)
        else ", PyTorch from its own initial weights"
    )
    about = (
        f"{report['data']} data, {report['samples']} training sequences, "
        f"{report['epochs']} epoch(s) per run{start}. Test mse: answering 1.0 always scores "
        f"{gn.datasets.ADDING_BASELINE:.3f}"
    )
    noisy = any(row[lib]["spread"] > mlp.NOISY_SPREAD for row in rows for lib in libs)
    lines.append(mlp.seconds_sentence(report, libs, about, spreads, noisy))
    lines += mlp.markdown_machine(report, rows, TARGET)
    lines += markdown_parts(report).splitlines()
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = mlp.suite_options(__doc__.splitlines()[0], "1 repeat, 1 epoch, 2,000 sequences")
    p.add_argument("--samples", type=int, default=8000, help="training sequences (default 8000)")
    p.add_argument("--T", type=int, default=50, help="time steps per sequence (default 50)")
    p.add_argument("--batch-sizes", default="32,128", help="comma-separated (default 32,128)")
    p.add_argument("--steps", type=int, default=20, help="steps timed for the breakdown")
    p.add_argument("--torch-init", action="store_true",
                   help="PyTorch starts from its own initial weights, not glassnet's")  # fmt: skip
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.quick:
        args.repeats, args.epochs = 1, args.epochs or 1
        args.samples = min(args.samples, 2000)
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    if args.T < 2 or args.samples < 1:
        raise SystemExit(f"--T must be at least 2 and --samples at least 1; got {args.T}, "
                         f"{args.samples}")  # fmt: skip
    libs = mlp.choose_libs(args.libs, RUNNERS)
    try:
        batches = tuple(int(b) for b in args.batch_sizes.split(",") if b.strip())
    except ValueError:
        batches = ()
    if not batches or min(batches) < 1:
        raise SystemExit(f"--batch-sizes takes whole numbers ≥ 1, e.g. 32,128; got "
                         f"{args.batch_sizes}")  # fmt: skip
    if args.threads:
        mlp.limit_threads(args.threads, ("torch",) if "torch" in libs else ())
    epochs = args.epochs or RNNSetting.epochs
    chosen = settings(batches, T=args.T, epochs=epochs, same_init=not args.torch_init)
    data = load_adding(args.samples, args.T)
    print(f"{len(chosen)} settings × {libs} on {len(data.X_train)} {data.source} sequences")
    before = os.getloadavg()[0]
    rows = {
        s.key: run_suite(s, data, args.repeats, libs, pause=args.pause, stat=args.stat)
        for s in chosen
    }
    after = os.getloadavg()[0]
    parts = {
        s.key: {
            "glassnet": layer_times(s, data, args.steps),
            **({"torch": torch_parts(s, data, args.steps)} if "torch" in libs else {}),
        }
        for s in chosen
    }
    report: dict[str, Any] = {
        "machine": mlp.machine(),
        "data": data.source,
        "samples": len(data.X_train),
        "epochs": chosen[0].epochs,
        "same_init": chosen[0].same_init,
        "repeats": args.repeats,
        "threads": args.threads,
        "stat": args.stat,
        "load": {"before": before, "after": after},
        "rows": rows,
        "steps": args.steps,
        "parts": parts,
        "blas": mlp.blas_info(),
        **mlp.torch_version(libs),
    }
    mlp.write_report(report, markdown(report), args.json, args.markdown)
    return report


if __name__ == "__main__":
    main()
