"""Seconds per training epoch of a 784-100-10 network, at mini-batch sizes 32 and 128.

Run:  python benchmarks/epoch_time.py [--epochs 3] [--samples 60000]

The data are Fashion-MNIST's 60,000 training images when its files are installed
(``apt-get install dataset-fashion-mnist``), and random data of the same shape otherwise: an
epoch's time does not depend on the pixel values. The report gives the median over epochs, since
the first one also pays for warming caches. Times vary with the machine and its load; compare
numbers from one run, not across machines.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics

import numpy as np

import glassnet as gn


def training_data(samples: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Fashion-MNIST's training set if it is installed, else random data of its shape."""
    try:
        data = gn.datasets.load("fashion-mnist")
        return data.X_train[:samples], data.y_train[:samples], "fashion-mnist"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        X = rng.random((samples, 784), dtype=np.float32)
        return X, rng.integers(0, 10, size=samples), "random"


def epoch_seconds(X: np.ndarray, y: np.ndarray, batch_size: int, epochs: int) -> dict[str, float]:
    net = gn.Network.from_sizes(
        [784, 100, 10], activation="relu", output_activation="softmax", cost="cross_entropy", seed=0
    )
    h = net.fit(X, y, epochs=epochs, batch_size=batch_size, optimizer=gn.SGD(lr=0.05), verbose=0)
    return {"median_s": statistics.median(h.seconds), "min_s": min(h.seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    X, y, source = training_data(args.samples)
    results = {
        "network": "784-100-10 relu/softmax, cross-entropy, SGD, float32",
        "data": source,
        "samples": len(X),
        "machine": f"{platform.processor() or platform.machine()}, numpy {np.__version__}",
        "batches": {},
    }
    print(f"784-100-10 on {len(X)} samples of {source} data")
    print(f"{'batch':>6}  {'s/epoch (median)':>17}  {'s/epoch (min)':>14}")
    for batch in (32, 128):
        r = epoch_seconds(X, y, batch, args.epochs)
        results["batches"][batch] = r  # type: ignore[index]
        print(f"{batch:>6}  {r['median_s']:>17.3f}  {r['min_s']:>14.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
