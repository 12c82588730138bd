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
    """(median seconds per epoch, test mse): ``History.seconds`` times each epoch."""
    net = glassnet_network(s, seed)
    h = net.fit(data.X_train, data.y_train, epochs=s.epochs, batch_size=s.batch_size,
                optimizer=gn.Adam(lr=s.lr), seed=seed, verbose=0)  # fmt: skip
    return statistics.median(h.seconds), net.evaluate(data.X_test, data.y_test)["loss"]


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
    g = torch.Generator().manual_seed(seed)
    epoch_seconds = []
    for _ in range(s.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=g)
        for lo in range(0, len(X), s.batch_size):
            idx = order[lo : lo + s.batch_size]
            loss = mse(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        epoch_seconds.append(time.perf_counter() - start)
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
    preallocated arrays): what the step would cost if everything but BLAS were free. Each
    product has its own operands, as in training."""
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


def layer_times(s: RNNSetting, data: mlp.Data, steps: int = 20) -> dict[str, Any]:
    """Where glassnet's training step goes: each layer's forward and backward, the cost and
    the Adam update, in milliseconds per mini-batch; each the fastest of ``steps`` steps on
    the first mini-batch, with the BLAS threads as they are (``fit`` leaves them alone for
    products this small). ``step_ms`` is the fastest whole step.
    """
    net = glassnet_network(s)
    x, y, _ = net.check_data(data.X_train[: s.batch_size], data.y_train[: s.batch_size])
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
    ms = 1e3
    return {
        "layers": [
            {"layer": repr(layer), "forward_ms": ms * f, "backward_ms": ms * b}
            for layer, f, b in zip(net.layers, best["forward"], best["backward"], strict=True)
        ],
        **{f"{k}_ms": ms * v for k, v in other.items()},
    }


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
    """Time the floor and every library in turn, ``repeats`` times; plain dicts back.

    Alternating within each repeat means that a busy spell of the machine lands on all of
    them rather than on one; ``stat`` turns each one's repeats into one number.
    """
    times: dict[str, list[float]] = {"floor": [], **{lib: [] for lib in libs}}
    test_mse: dict[str, float] = {}
    for r in range(repeats):
        mlp.settle(pause)
        times["floor"].append(matmul_floor(s, data))
        for lib in libs:
            mlp.settle(pause)
            seconds, test_mse[lib] = RUNNERS[lib](s, data, r)
            times[lib].append(seconds)
        log(
            f"  {s.key} repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.3f}s" for k, v in times.items())
        )
    pick = mlp.STATS[stat]
    row: dict[str, Any] = {"setting": asdict(s), "description": s.describe()}
    row["floor_s"] = pick(times["floor"])
    row["floor_repeats"] = times["floor"]
    for lib in libs:
        row[lib] = {
            "s_per_epoch": pick(times[lib]),
            "repeats": times[lib],
            "spread": max(times[lib]) / min(times[lib]),  # slowest / fastest repeat
            "test_mse": test_mse[lib],  # of the last repeat's network
        }
    g = row["glassnet"]["s_per_epoch"]
    row["ratios"] = {f"{lib}/glassnet": row[lib]["s_per_epoch"] / g for lib in libs}
    row["ratios"]["glassnet/floor"] = g / row["floor_s"]
    return row


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
    rows = report["rows"]
    libs = [lib for lib in RUNNERS if any(lib in row for row in rows.values())]
    head = ["setting", "floor s", *(f"{lib} s" for lib in libs)]
    head += [f"{lib}/glassnet" for lib in libs[1:]] + ["glassnet/floor"]
    head += [f"test mse {lib}" for lib in libs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows.values():
        cells = [row["description"], f"{row['floor_s']:.3f}"]
        cells += [f"{row[lib]['s_per_epoch']:.3f}" for lib in libs]
        cells += [f"{row['ratios'][f'{lib}/glassnet']:.2f}×" for lib in libs[1:]]
        cells += [f"{row['ratios']['glassnet/floor']:.2f}×"]
        cells += [f"{row[lib]['test_mse']:.4f}" for lib in libs]
        lines.append("| " + " | ".join(cells) + " |")
    spreads = "; ".join(
        f"{key}: " + ", ".join(f"{lib} {row[lib]['spread']:.2f}×" for lib in libs)
        for key, row in rows.items()
    )
    noisy = any(row[lib]["spread"] > mlp.NOISY_SPREAD for row in rows.values() for lib in libs)
    lines.append(
        f"\nSeconds per epoch, {mlp.STAT_WORDS[report['stat']]} of {report['repeats']} "
        f"repeats (each repeat times the floor, then {', then '.join(libs)}); "
        f"{report['data']} data, {report['samples']} training sequences, "
        f"{report['epochs']} epoch(s) per run"
        + (
            ""
            if "torch" not in libs
            else ", PyTorch from glassnet's initial weights"
            if report.get("same_init", True)
            else ", PyTorch from its own initial weights"
        )
        + f". Test mse: answering 1.0 always scores "
        f"{gn.datasets.ADDING_BASELINE:.3f}. Slowest repeat / fastest: {spreads}"
        + (
            f" (above {mlp.NOISY_SPREAD:g}×: the machine was busy; read the ratios, not "
            "the seconds)."
            if noisy
            else "."
        )
    )
    load = report.get("load")
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
    met = [row["ratios"][what] >= least for row in rows.values() if what in row["ratios"]]
    if met:
        lines.append(f"Target {what} ≥ {least:g}: {'met' if all(met) else 'missed'}.")
    lines.append("\nBLAS: " + "; ".join(json.dumps(b) for b in report["blas"]))
    lines += markdown_parts(report).splitlines()
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1 repeat, 1 epoch, 2,000 sequences")
    p.add_argument("--repeats", type=int, default=3, help="runs of each library")
    p.add_argument("--stat", choices=sorted(mlp.STATS), default="median",
                   help="the repeats' median (default) or fastest (a busy machine)")  # fmt: skip
    p.add_argument("--epochs", type=int, help="epochs per run (default 2)")
    p.add_argument("--threads", type=int, help="BLAS and torch threads (default: CPU count)")
    p.add_argument("--pause", type=float, default=0.5, help="seconds before each timed run")
    p.add_argument("--libs", default="glassnet,torch", help="glassnet, and torch or not")
    p.add_argument("--samples", type=int, default=8000, help="training sequences (default 8000)")
    p.add_argument("--T", type=int, default=50, help="time steps per sequence (default 50)")
    p.add_argument("--batch-sizes", default="32,128", help="comma-separated (default 32,128)")
    p.add_argument("--steps", type=int, default=20, help="steps timed for the breakdown")
    p.add_argument("--torch-init", action="store_true",
                   help="PyTorch starts from its own initial weights, not glassnet's")  # fmt: skip
    p.add_argument("--json", help="also write the report as JSON to this file")
    p.add_argument("--markdown", help="also write the Markdown report to this file")
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
    libs = tuple(x.strip() for x in args.libs.split(",") if x.strip())
    if "glassnet" not in libs or any(lib not in RUNNERS for lib in libs):
        raise SystemExit(f"--libs takes glassnet, and torch or not; got {args.libs}")
    try:
        batches = tuple(int(b) for b in args.batch_sizes.split(",") if b.strip())
    except ValueError:
        batches = ()
    if not batches or min(batches) < 1:
        raise SystemExit(f"--batch-sizes takes whole numbers ≥ 1, e.g. 32,128; got "
                         f"{args.batch_sizes}")  # fmt: skip
    if args.threads:
        mlp.THREADS = args.threads
        if "torch" in libs:
            import torch
        with contextlib.suppress(ImportError):
            from threadpoolctl import threadpool_limits

            mlp._LIMITS.append(threadpool_limits(args.threads))
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
