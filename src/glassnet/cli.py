"""The ``glassnet`` command line.

``glassnet train`` trains the tutorial's network on scikit-learn's handwritten digits and prints
the test accuracy.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

from .network import Network
from .optimizers import SGD


class CLIError(Exception):
    """A user mistake: printed as one sentence, exit status 2."""


def _load_digits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise CLIError(
            "the built-in digits data set comes with scikit-learn: pip install 'glassnet[cli]'"
        ) from None
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel values 0..16 → [0, 1], as the tutorial recommends for sigmoid
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.8 * len(X))
    train, test = order[:cut], order[cut:]
    return X[train], y[train], X[test], y[test]


def _train(args: argparse.Namespace) -> int:
    X, y, X_test, y_test = _load_digits(args.seed)
    sizes = [X.shape[1], *args.hidden, 10]
    net = Network.from_sizes(
        sizes,
        activation=args.activation,
        cost=args.cost,
        output_activation=args.output_activation,
        seed=args.seed,
    )
    print(f"training {net} on digits: {len(X)} train / {len(X_test)} test samples")
    start = time.perf_counter()
    net.fit(
        X,
        y,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=SGD(lr=args.lr),
        validation_data=(X_test, y_test),
        verbose=0 if args.quiet else 1,
    )
    scores = net.evaluate(X_test, y_test)
    print(
        f"test accuracy {scores['accuracy']:.4f}  test cost {scores['loss']:.4f}  "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassnet", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a network and print its test accuracy")
    train.add_argument("--hidden", type=int, nargs="*", default=[30], help="hidden layer sizes")
    train.add_argument("--activation", default="sigmoid")
    train.add_argument("--output-activation", default=None)
    train.add_argument("--cost", default="quadratic")
    train.add_argument("--lr", type=float, default=3.0)
    train.add_argument("--batch-size", type=int, default=10)
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--quiet", action="store_true")
    train.set_defaults(run=_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (CLIError, ValueError) as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
