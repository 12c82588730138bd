"""Data-parallel training over MPI: samples per second for 1, 2, … ranks, and the allreduce's share.

Run:  python benchmarks/distributed.py [--ranks 1,2] [--epochs 3] [--batch 128] [--synthetic]

For each rank count n it starts ``mpiexec -n n`` on this script (``--worker``) with
``OPENBLAS_NUM_THREADS`` (and ``OMP_NUM_THREADS``) = cores // n, so that ranks × BLAS threads =
the machine's cores: every run gets the same CPUs, shared out differently. Each rank reads
Fashion-MNIST (``gn.datasets.load``, float32), keeps its contiguous shard of the 60,000 training
rows and trains the 784-100-10 relu/softmax network of benchmarks/run.py's ``b128`` (SGD η = 0.1,
batch 128) with ``fit(..., comm=comm, sharded=True)``; 1 rank is plain ``fit`` with no comm.

Reported per rank count:

- samples/s: 60,000 / the median epoch time (``History.seconds``, epochs after the first);
- allreduce: the time spent in the per-mini-batch ``Allreduce`` (timed around
  ``Ranks.allreduce``), as a share of the epoch — it includes waiting for the slowest rank;
- the bare allreduce: the same buffer (every parameter and the cost, 79,511 numbers) reduced
  200 times back to back, which gives latency + size/bandwidth alone;
- the model: t_step(n) ≈ t_compute(1)/n + t_allreduce(n, P), from which the printed table
  extrapolates to more ranks (see docs/distributed.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import distributed

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as mlp

HERE = Path(__file__).resolve()


def worker(args: argparse.Namespace) -> None:
    """One rank's run (under mpiexec, or alone for n = 1); rank 0 prints one JSON line."""
    comm = None
    rank, size = 0, 1
    if args.mpi:
        from mpi4py import MPI

        from glassnet.training import parallel

        comm = MPI.COMM_WORLD
        rank, size = comm.Get_rank(), comm.Get_size()
        spent = [0.0]
        reduce = parallel.Ranks.allreduce

        def timed(self: parallel.Ranks, cost: float) -> float:
            start = time.perf_counter()
            out = reduce(self, cost)
            spent[0] += time.perf_counter() - start
            return out

        parallel.Ranks.allreduce = timed  # type: ignore[method-assign]
    data = mlp.load_data(args.samples, args.synthetic)
    part = distributed.shard(len(data.X_train), rank, size)
    net = gn.Network.from_sizes(
        [784, 100, 10],
        activation="relu",
        output_activation="softmax",
        cost="cross_entropy",
        seed=0,
        dtype="float32",
    )
    history = net.fit(
        data.X_train[part],
        data.y_train[part],
        epochs=args.epochs,
        batch_size=args.batch,
        optimizer=gn.SGD(lr=0.1),
        seed=0,
        verbose=0,
        comm=comm,
        sharded=True,
    )
    result: dict[str, Any] = {
        "ranks": size,
        "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "samples": len(data.X_train),
        "epoch_seconds": history.seconds,
        "loss": history.loss[-1],
        "test_accuracy": net.evaluate(data.X_test, data.y_test).get("accuracy"),
    }
    if comm is not None:
        result["allreduce_seconds"] = spent[0] / args.epochs
        flat = np.zeros(net.n_params + 1, dtype=np.float32)
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(200):
            comm.Allreduce(MPI.IN_PLACE, flat)
        result["bare_allreduce_us"] = (time.perf_counter() - start) / 200 * 1e6
        small = np.zeros(1, dtype=np.float32)
        comm.Barrier()
        start = time.perf_counter()
        for _ in range(200):
            comm.Allreduce(MPI.IN_PLACE, small)
        result["latency_us"] = (time.perf_counter() - start) / 200 * 1e6
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def launch(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the worker on ``spec`` = "n" ranks with cores // n BLAS threads each, or "nxT" with T
    threads each; rank 0's result."""
    n_text, _, t_text = spec.partition("x")
    n = int(n_text)
    threads = t_text or str(max(1, (os.cpu_count() or 1) // n))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
    tail = [str(HERE), "--worker", "--epochs", str(args.epochs), "--batch", str(args.batch)]
    tail += ["--synthetic"] if args.synthetic else []
    tail += ["--samples", str(args.samples)] if args.samples else []
    if n == 1:
        command = [sys.executable, *tail]
    else:
        launcher = shutil.which("mpiexec")
        if launcher is None:
            raise SystemExit("no mpiexec: pip install 'glassnet[mpi]'")
        command = [launcher, "-n", str(n), sys.executable, *tail, "--mpi"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def table(results: list[dict[str, Any]], batch: int) -> str:
    rows = [
        "| ranks × BLAS threads | s/epoch | samples/s | speed-up | allreduce share | "
        "bare allreduce (µs) | 1-number allreduce (µs) | test accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = None
    for r in results:
        epoch = statistics.median(r["epoch_seconds"][1:] or r["epoch_seconds"])
        rate = r["samples"] / epoch
        base = base or rate
        share = r.get("allreduce_seconds", 0.0) / epoch
        bare = r.get("bare_allreduce_us")
        lat = r.get("latency_us")
        rows.append(
            f"| {r['ranks']} × {r['threads']} | {epoch:.2f} | {rate:,.0f} | {rate / base:.2f} | "
            f"{share:.0%} | {'' if bare is None else f'{bare:.0f}'} | "
            f"{'' if lat is None else f'{lat:.1f}'} | {r['test_accuracy']:.4f} |"
        )
    steps = -(-results[0]["samples"] // batch)
    rows.append("")
    rows.append(f"mini-batches per epoch: {steps}; {os.cpu_count()} cores ({mlp.machine()['cpu']})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ranks",
        default="1,2",
        help="rank counts to time, e.g. 1,2,4 (threads per rank: cores // ranks; 1x1: 1 each)",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--samples", type=int, default=None, help="first N training rows only")
    parser.add_argument("--synthetic", action="store_true", help="random data of the same shape")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mpi", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return
    results = [launch(spec, args) for spec in args.ranks.split(",")]
    print(table(results, args.batch))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
