"""Small random data and networks for the tests, all seeded."""

from __future__ import annotations

import numpy as np

import glassnet as gn


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def random_targets(cost: str, m: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Targets that make sense for ``cost``: probability rows for cross-entropy, values in
    [0, 1] for binary cross-entropy, anything for the squared errors."""
    if cost == "cross_entropy":
        p = rng.random((m, n_out)) + 0.1
        return p / p.sum(axis=1, keepdims=True)
    if cost == "binary_cross_entropy":
        return rng.random((m, n_out))
    return rng.normal(size=(m, n_out))


def random_network(
    hidden: str, output: str, cost: str, rng: np.random.Generator, dtype: str = "float64"
) -> gn.Network:
    depth = int(rng.integers(1, 4))
    sizes = [int(n) for n in rng.integers(1, 6, size=depth + 2)]
    sizes[-1] = max(sizes[-1], 2) if output == "softmax" else sizes[-1]
    net = gn.Network.from_sizes(
        sizes,
        activation=hidden,
        output_activation=output,
        cost=cost,
        seed=int(rng.integers(1 << 30)),
        dtype=dtype,
    )
    for l in range(1, net.L + 1):  # biases away from zero, so that they matter
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net
