"""The ``glassnet`` command line: train, evaluate, predict and inspect networks.

    glassnet train                      the tutorial's 64-30-10 sigmoid network on the digits
    glassnet train --dataset fashion-mnist --hidden 30 --epochs 30
    glassnet evaluate MODEL             its loss and accuracy on the test split it was made for
    glassnet predict MODEL INPUT        class (or value) for each row of a .npy or .csv file
    glassnet info MODEL                 layers, shapes and parameter counts

Mistakes (a missing file, an unknown name, a bad size) are reported in one sentence with exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .callbacks import Callback, EpochLogger, ProgressBar
from .network import Network, predicted_classes
from .optimizers import SGD, Optimizer

#: learning rates used when --lr is not given
DEFAULT_LR = {"sgd": 3.0, "momentum": 0.5, "nesterov": 0.5, "adagrad": 0.01, "rmsprop": 0.001,
              "adam": 0.001, "adamw": 0.001}  # fmt: skip


class CLIError(Exception):
    """A user mistake: printed as one sentence, exit status 2."""


def _optimizer(name: str, lr: float | None, momentum: float) -> Optimizer:
    from . import optimizers

    lr = DEFAULT_LR[name] if lr is None else lr
    makers: dict[str, Callable[[], Optimizer]] = {
        "sgd": lambda: SGD(lr=lr, momentum=momentum),
        "momentum": lambda: SGD(lr=lr, momentum=momentum or 0.9),
        "nesterov": lambda: SGD(lr=lr, momentum=momentum or 0.9, nesterov=True),
        "adagrad": lambda: optimizers.Adagrad(lr=lr),
        "rmsprop": lambda: optimizers.RMSprop(lr=lr),
        "adam": lambda: optimizers.Adam(lr=lr),
        "adamw": lambda: optimizers.AdamW(lr=lr),
    }
    return makers[name]()


def _load_data(args: argparse.Namespace) -> Any:
    from . import datasets

    options: dict[str, Any] = {"seed": args.seed}
    if getattr(args, "data_dir", None):
        options["path"] = args.data_dir
    try:
        return datasets.load(args.dataset, **options)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from None


def _callbacks(args: argparse.Namespace) -> list[Callback]:
    if args.quiet:
        return []
    if sys.stderr.isatty():
        try:
            return [ProgressBar()]
        except ImportError:
            pass
    return [EpochLogger()]


def _train(args: argparse.Namespace) -> int:
    from .scaling import train_test_split

    data = _load_data(args)
    X, y = data.X_train, data.y_train
    classification = data.task == "classification"
    validation = None
    if args.val_fraction > 0:
        X, X_val, y, y_val = train_test_split(X, y, test_fraction=args.val_fraction, seed=args.seed)
        validation = (X_val, y_val)
    n_out = int(data.n_classes) if classification else 1
    output = args.output_activation or args.activation
    if classification and n_out == 2 and args.cost != "cross_entropy" and output != "softmax":
        n_out = 1  # one sigmoid neuron for two classes, as the tutorial would draw it
    sizes = [X.shape[1], *args.hidden, n_out]
    net = Network.from_sizes(
        sizes,
        activation=args.activation,
        cost=args.cost,
        output_activation=args.output_activation,
        seed=args.seed,
        dtype=args.dtype,
    )
    optimizer = _optimizer(args.optimizer, args.lr, args.momentum)
    if not args.quiet:
        print(f"glassnet {__version__}: training {net}")
        print(
            f"data: {data.name}, {len(X)} training samples"
            + (f", {len(validation[0])} for validation" if validation else "")
            + f", {len(data.X_test)} test samples; optimizer {optimizer}; "
            f"{args.epochs} epochs of mini-batches of {args.batch_size}"
        )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a divergence is reported below
        history = net.fit(
            X,
            y,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=optimizer,
            validation_data=validation,
            seed=args.seed,
            verbose=0,
            callbacks=_callbacks(args),
        )
    seconds = time.perf_counter() - start
    if history.stop_reason:
        print(f"glassnet: training stopped: {history.stop_reason}", file=sys.stderr)
        if not history.epochs:
            return 1
    scores = net.evaluate(data.X_test, data.y_test)
    result = "  ".join(f"test {k} {v:.4f}" for k, v in scores.items())
    print(f"{result}  ({history.epochs} epochs, {seconds:.1f} s)")
    if not args.no_save:
        from .io import save

        args.output = args.output or f"glassnet-{data.name}.safetensors"
        meta = {
            "dataset": data.name,
            "history": json.dumps(
                {
                    "loss": history.loss,
                    "val_loss": history.val_loss,
                    "accuracy": history.accuracy,
                    "val_accuracy": history.val_accuracy,
                }
            ),
        }
        save(net, args.output, metadata=meta)
        if not args.quiet:
            print(f"saved the model to {args.output}")
    return 1 if history.stop_reason and "diverged" in history.stop_reason else 0


def _load_model(path: str) -> tuple[Network, dict[str, str]]:
    from .io import load, read_metadata

    if not Path(path).is_file():
        raise CLIError(f"no model file at {path!r}; train one with: glassnet train --output {path}")
    return load(path), read_metadata(path)


def _evaluate(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    args.dataset = args.dataset or meta.get("dataset")
    if not args.dataset:
        raise CLIError(
            "the model file does not say which data set it was trained on; pass --dataset"
        )
    data = _load_data(args)
    if data.X_test.shape[1] != net.sizes[0]:
        raise CLIError(
            f"{data.name} has {data.X_test.shape[1]} features but the model expects "
            f"{net.sizes[0]}; pass the --dataset it was trained on"
        )
    scores = net.evaluate(data.X_test, data.y_test)
    print(
        f"{data.name} test set ({len(data.X_test)} samples): "
        + "  ".join(f"{k} {v:.4f}" for k, v in scores.items())
    )
    return 0


def _read_inputs(path: str, n_in: int) -> np.ndarray:
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no input file at {path!r}")
    try:
        if p.suffix == ".npy":
            X = np.load(p, allow_pickle=False)
        else:
            X = np.loadtxt(p, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise CLIError(f"cannot read numbers from {path!r}: {exc}") from None
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim > 2:
        X = X.reshape(X.shape[0], -1)  # images → one flattened row each
    if X.shape[1] != n_in:
        raise CLIError(f"{path!r} has {X.shape[1]} numbers per row but the model takes {n_in}")
    return X


def _predict(args: argparse.Namespace) -> int:
    net, _ = _load_model(args.model)
    X = _read_inputs(args.inputs, net.sizes[0])
    A = net.predict(X)
    rows = []
    for a, label in zip(A, predicted_classes(A), strict=True):
        values = ",".join(f"{v:.6g}" for v in a)
        rows.append(
            f"{label},{values}"
            if args.proba
            else (str(label) if a.shape[0] > 1 or args.classify else f"{a[0]:.6g}")
        )
    text = "\n".join(rows) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _info(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    print(f"{args.model}: {net}")
    print(net.summary())
    for key, value in sorted(meta.items()):
        if key not in ("glassnet", "history"):
            print(f"{key}: {value}")
    return 0


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``glassnet`` command."""
    from .activations import ACTIVATIONS
    from .costs import COSTS

    parser = argparse.ArgumentParser(
        prog="glassnet", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser(
        "train",
        help="train a network and print its test accuracy",
        description="Train a network; with no options, the tutorial's "
        "64-30-10 sigmoid network on the built-in digits.",
    )
    train.add_argument(
        "--dataset",
        default="digits",
        help="digits (default), fashion-mnist, mnist, xor, circles, moons, "
        "spirals, blobs, sine, ...",
    )
    train.add_argument("--data-dir", help="directory holding the IDX files of fashion-mnist/mnist")
    train.add_argument(
        "--hidden",
        type=_positive(int),
        nargs="*",
        default=[30],
        metavar="N",
        help="hidden layer sizes (default: 30); input and output sizes come from the data",
    )
    train.add_argument(
        "--activation",
        default="sigmoid",
        metavar="NAME",
        help=f"hidden activation (default: sigmoid): {', '.join(ACTIVATIONS)}",
    )
    train.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="output activation (default: same as --activation)",
    )
    train.add_argument(
        "--cost",
        default="quadratic",
        metavar="NAME",
        help=f"cost (default: quadratic): {', '.join(COSTS)}",
    )
    train.add_argument(
        "--optimizer", default="sgd", choices=sorted(DEFAULT_LR), help="update rule (default: sgd)"
    )
    train.add_argument(
        "--lr",
        type=_positive(float),
        default=None,
        help="learning rate η (default: 3.0 for sgd, 0.001 for adam, ...)",
    )
    train.add_argument("--momentum", type=float, default=0.0, help="momentum for sgd")
    train.add_argument("--batch-size", type=_positive(int), default=10)
    train.add_argument("--epochs", type=_positive(int), default=20)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--val-fraction",
        type=_fraction,
        default=0.0,
        help="fraction of the training data held out for validation",
    )
    train.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    train.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="where to save the trained model (default: glassnet-DATASET.safetensors)",
    )
    train.add_argument("--no-save", action="store_true", help="do not save the model")
    train.add_argument("--quiet", "-q", action="store_true", help="print only the result")
    train.set_defaults(run=_train)

    evaluate = sub.add_parser("evaluate", help="loss and accuracy of a saved model")
    evaluate.add_argument("model")
    evaluate.add_argument("--dataset", help="default: the one the model was trained on")
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.set_defaults(run=_evaluate)

    predict = sub.add_parser("predict", help="predictions of a saved model for a .npy/.csv file")
    predict.add_argument("model")
    predict.add_argument("inputs", help=".npy or .csv file, one sample per row")
    predict.add_argument(
        "--proba", action="store_true", help="print the class and every output activation"
    )
    predict.add_argument(
        "--classify", action="store_true", help="print 0/1 classes for a single-output model"
    )
    predict.add_argument("--output", "-o", help="write to this file instead of stdout")
    predict.set_defaults(run=_predict)

    info = sub.add_parser("info", help="layers, shapes and parameter counts of a saved model")
    info.add_argument("model")
    info.set_defaults(run=_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (CLIError, ValueError, OSError) as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. ``glassnet predict … | head``)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stays open until exit)
        return 0


if __name__ == "__main__":
    sys.exit(main())
