"""The ``glassnet`` command line: train, evaluate, predict and inspect networks.

    glassnet train                      the tutorial's 64-30-10 sigmoid network on the digits
    glassnet train --dataset fashion-mnist --hidden 30 --epochs 30
    glassnet evaluate MODEL             its loss and accuracy on the test split it was made for
    glassnet predict MODEL INPUT        class (or value) for each row of a .npy or .csv file
    glassnet info MODEL                 layers, shapes and parameter counts
    glassnet explain MODEL --ledger     backprop in numbers; --weight l,j,k explains one ∂C/∂w
    glassnet plot MODEL --kind network  draw it (weights, boundary, gradients, history, ...)
    glassnet playground [--port N]      watch a network learn in the browser (127.0.0.1)
    glassnet lab --surface rosenbrock   watch optimizers move on a cost surface (-o race.gif)

Mistakes (a missing file, an unknown name, a bad size) are reported in one sentence with exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from ._inputs import as_features
from .callbacks import Callback, EpochLogger, ProgressBar
from .network import Network, predicted_classes
from .optimizers import OPTIMIZERS, Optimizer, by_name


class CLIError(Exception):
    """A user mistake: printed as one sentence, exit status 2."""


def _optimizer(name: str, lr: float | None, momentum: float) -> Optimizer:
    # no --lr: the name's own η (the registry's); --momentum 0 (the default) keeps each name's
    # own μ: 0 for sgd, 0.9 for momentum/nesterov
    return by_name(name, lr, momentum or None)


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


def _training_control(
    args: argparse.Namespace, optimizer: Optimizer, validation: bool
) -> list[Callback]:
    """The callbacks that --schedule and --patience ask for."""
    from . import schedules
    from .callbacks import EarlyStopping, LRScheduler

    control: list[Callback] = []
    if args.patience is not None:
        if not validation:
            raise CLIError(
                "--patience stops on the validation loss, so it needs held-out data: "
                "add --val-fraction 0.1 (or another fraction)"
            )
        control.append(EarlyStopping(patience=args.patience))
    makers: dict[str, Callable[[], schedules.Schedule]] = {
        "cosine": lambda: schedules.CosineAnnealingLR(optimizer, T_max=args.epochs),
        "step": lambda: schedules.StepLR(optimizer, step_size=max(1, args.epochs // 4), gamma=0.5),
        "exponential": lambda: schedules.ExponentialLR(optimizer, gamma=0.95),
        "plateau": lambda: schedules.ReduceLROnPlateau(optimizer),
    }
    if args.schedule != "none":
        control.append(LRScheduler(makers[args.schedule]()))
    return control


def _non_negative(text: str) -> float:
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def _dropout(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a probability 0 <= p < 1, got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _writable_file(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a Path, or a ValueError unless a file can be written there *now*.

    Checked before long work (training, drawing) so that a typo in an output path fails at once,
    not at the end: the folder must exist and be writable, and the path must not be a folder or
    another non-regular file (a device, a pipe), which an atomic save would replace.

    Example:
        >>> from glassnet.cli import _writable_file
        >>> _writable_file(".", "the model")
        Traceback (most recent call last):
        ...
        ValueError: cannot save the model to '.': it is a folder; give a file name inside it
    """
    p = Path(path)
    where = f"cannot save {what} to {str(p)!r}"
    if p.is_dir():
        raise ValueError(f"{where}: it is a folder; give a file name inside it")
    if p.exists() and not p.is_file():
        raise ValueError(f"{where}: it is not a regular file; choose another path")
    folder = p.parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise ValueError(
            f"{where}: the folder {str(folder)!r} {problem}; create it first or choose another path"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(
            f"{where}: this user may not write in the folder {str(folder)!r}; choose another path"
        )
    return p


def _memory_limit() -> tuple[int, int]:
    """(this machine's memory, the most one command may plan to use: half of it), in bytes.

    Where the system does not say, the machine is taken to have 32 GiB.
    """
    try:
        total = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        total = 32 * 2**30
    return total, total // 2


def _check_memory(
    sizes: Sequence[int],
    dtype: str,
    optimizer: Optimizer,
    rows: int,
    copies: int = 0,
    hint: str = "choose smaller --hidden layers",
) -> None:
    """Refuse a network too large to train here, before a single array is made.

    Training keeps each parameter in the weights, their gradients, fit's copy of the last sound
    weights, each of the optimizer's buffers and the optimizer's scratch space (plus ``copies``
    more, e.g. the lab's recorded path), and holds z, a, δ and scratch for ``rows`` samples in
    every layer. Above half of this machine's memory, that is a mistake, not a plan.
    """
    params = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    kept = 4 + len(optimizer.buffer_names()) + copies
    need = np.dtype(dtype).itemsize * (params * kept + 4 * rows * sum(sizes[1:]))
    total, limit = _memory_limit()
    if need > limit:
        raise CLIError(
            f"a {'-'.join(map(str, sizes))} network would need about {need / 2**30:,.0f} GiB to "
            f"train ({params:,} weights and biases in {dtype}, each kept {kept} times: weights, "
            f"gradients, optimizer buffers{', recorded steps' if copies else ''}), more than "
            f"half of this machine's {total / 2**30:,.0f} GiB; {hint}"
        )


def _train(args: argparse.Namespace) -> int:
    from .scaling import train_test_split

    # a path that cannot be written fails now, not after the last epoch
    model_path = (
        None if args.no_save or not args.output else _writable_file(args.output, "the model")
    )
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
    optimizer = _optimizer(args.optimizer, args.lr, args.momentum)
    rows = max(
        min(args.batch_size, len(X)), len(data.X_test), len(validation[0]) if validation else 0
    )
    _check_memory(sizes, args.dtype, optimizer, rows)
    if model_path is None and not args.no_save:
        model_path = _writable_file(f"glassnet-{data.name}.safetensors", "the model")
    net = Network.from_sizes(
        sizes,
        activation=args.activation,
        cost=args.cost,
        output_activation=args.output_activation,
        seed=args.seed,
        # the tutorial's "small random number" for its sigmoid network; else the activation's own
        init=args.init or ("small" if args.activation == "sigmoid" else None),
        dtype=args.dtype,
        l2=args.l2,
        l1=args.l1,
        dropout=args.dropout,
    )
    control = _training_control(args, optimizer, validation is not None)
    if not args.quiet:
        print(f"glassnet {__version__}: training {net}")
        print(
            f"data: {data.name}, {len(X)} training samples"
            + (f", {len(validation[0])} for validation" if validation else "")
            + f", {len(data.X_test)} test samples; optimizer {optimizer}; "
            f"{args.epochs} epochs of mini-batches of {args.batch_size}"
        )
    from .diagnosis import TrainingMonitor, diagnose

    monitor = TrainingMonitor() if args.diagnose else None
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
            callbacks=control + _callbacks(args) + ([monitor] if monitor else []),
        )
    seconds = time.perf_counter() - start
    if monitor is not None:  # --diagnose: the run, then the network, in plain language
        print(monitor.diagnose())
        if history.epochs:
            print(diagnose(net, X[:1000], y[:1000], optimizer=optimizer))
    if history.diverged:  # a diverged run never replaces a model, nor writes a new one
        kept = ""
        if model_path is not None:
            kept = "; nothing was saved" + (
                f": {model_path} still holds its earlier model" if model_path.exists() else ""
            )
        print(f"glassnet: training stopped: {history.stop_reason}{kept}", file=sys.stderr)
        return 1
    if history.stop_reason:
        print(f"glassnet: training stopped: {history.stop_reason}", file=sys.stderr)
    if history.stop_reason and not history.epochs:
        return 1
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows as a loss of inf
        scores = net.evaluate(data.X_test, data.y_test)
    result = "  ".join(f"test {k} {v:.4f}" for k, v in scores.items())
    print(f"{result}  ({history.epochs} epochs, {seconds:.1f} s)")
    if model_path is not None:
        from .io import save

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
        save(net, model_path, metadata=meta)
        if not args.quiet:
            print(f"saved the model to {model_path}")
    return 0


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
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing model scores inf
        scores = net.evaluate(data.X_test, data.y_test)
    print(
        f"{data.name} test set ({len(data.X_test)} samples): "
        + "  ".join(f"{k} {v:.4f}" for k, v in scores.items())
    )
    return 0


def _read_inputs(path: str, net: Network) -> np.ndarray:
    """The samples in a .npy or .csv file, one per row, checked and in the network's dtype."""
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no input file at {path!r}")
    n_in = net.sizes[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # loadtxt warns of an empty file: said below
            if p.suffix == ".npy":
                X = np.load(p, allow_pickle=False)
            else:
                X = np.loadtxt(p, delimiter=",", ndmin=2)
    except EOFError:
        raise CLIError(f"{path!r} is empty or cut short: it holds no NumPy array") from None
    except (ValueError, OSError) as exc:
        raise CLIError(f"cannot read numbers from {path!r}: {exc}") from None
    if not isinstance(X, np.ndarray):  # np.load gives an archive for an .npz file
        X.close()
        raise CLIError(f"{path!r} is an .npz archive; predict takes one array, saved by np.save")
    if X.dtype.kind not in "biuf":
        kind = "complex numbers" if X.dtype.kind == "c" else f"values of type {X.dtype}"
        raise CLIError(
            f"{path!r} holds {kind}; predict takes real numbers, one sample per row "
            "(save them with np.save(path, X.astype('float32')))"
        )
    if X.ndim == 0 or X.size == 0:
        raise CLIError(
            f"{path!r} holds {'a single number' if X.ndim == 0 else 'no numbers'}; predict takes "
            f"one sample per row, {n_in} numbers each"
        )
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim > 2:
        X = X.reshape(X.shape[0], -1)  # images → one flattened row each
    if X.shape[1] != n_in:
        raise CLIError(f"{path!r} has {X.shape[1]} numbers per row but the model takes {n_in}")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise CLIError(f"{path!r} holds NaN or infinite values (first in row {row})")
    return as_features(X, n_in, net.dtype, repr(path))  # says if a value overflows the dtype


def _predict(args: argparse.Namespace) -> int:
    net, _ = _load_model(args.model)
    X = _read_inputs(args.inputs, net)
    with np.errstate(over="ignore", invalid="ignore"):  # said below, in one sentence
        A = net.predict(X)
    if not np.isfinite(A).all():
        row = int(np.argwhere(~np.isfinite(A))[0][0])
        raise CLIError(
            f"the model's outputs are not finite numbers for row {row} of {args.inputs!r}: its "
            f"weights (the largest |w| is {np.abs(net.parameter_vector()).max():.4g}) or these "
            f"inputs overflow {net.dtype}; check the model file and the inputs' scale"
        )
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


def _playground(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port must be 0..65535, got {args.port}")
    if not (math.isfinite(args.idle_minutes) and args.idle_minutes > 0):
        raise CLIError(f"--idle-minutes must be a positive number, got {args.idle_minutes}")
    from .playground import serve

    try:
        serve(
            host=args.host,
            port=args.port,
            require_token=args.require_token,
            idle_seconds=60 * args.idle_minutes,
        )
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    return 0


def _plot(args: argparse.Namespace) -> int:
    from . import plots

    try:
        plots._matplotlib()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    net, meta = _load_model(args.model)
    picture = args.output or f"{Path(args.model).stem}-{args.kind}.png"
    output = _writable_file(picture, "the picture")
    X = y = history = None
    if args.kind in ("boundary", "gradients", "activations", "neurons") or args.sample is not None:
        args.dataset = args.dataset or meta.get("dataset")
        if args.dataset:
            data = _load_data(args)
            X, y = data.X_test, data.y_test
            if X.shape[1] != net.sizes[0]:
                raise CLIError(
                    f"{data.name} has {X.shape[1]} features but the model expects "
                    f"{net.sizes[0]}; pass the --dataset it was trained on"
                )
            if args.sample is None or args.kind not in ("network", "backward"):
                X, y = X[: args.samples], y[: args.samples]
        elif args.kind != "neurons":
            raise CLIError(
                f"a {args.kind} picture needs data and the model file does not say which data "
                "set it was trained on; pass --dataset"
            )
    if args.kind == "history":
        if not meta.get("history"):
            raise CLIError(
                f"{args.model} holds no training history (models saved by glassnet train "
                "do); choose another --kind"
            )
        try:
            history = json.loads(meta["history"])
        except json.JSONDecodeError:
            raise CLIError(f"the training history in {args.model} is not valid JSON") from None
    fig = plots.figure_for(
        args.kind,
        net,
        X=X,
        y=y,
        history=history,
        sample=args.sample,
        weight=tuple(args.weight) if args.weight else None,
        shape=tuple(args.shape) if args.shape else None,
    )
    fig.savefig(output, dpi=args.dpi)
    print(f"saved the {args.kind} picture to {output}")
    return 0


def _indices(count: int, names: str) -> Callable[[str], tuple[int, ...]]:
    """Parse "l,j,k"-style layer/neuron numbers for ``glassnet explain``."""

    def parse(text: str) -> tuple[int, ...]:
        try:
            values = tuple(int(v) for v in text.split(","))
        except ValueError:
            values = ()
        if len(values) != count:
            raise argparse.ArgumentTypeError(f"expected {count} integers {names}, got {text!r}")
        return values

    return parse


def _numbers(text: str) -> np.ndarray:
    try:
        return np.array([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.5,1, got {text!r}") from None


def _explain_data(args: argparse.Namespace, net: Network, meta: dict[str, str]) -> tuple[Any, Any]:
    """The samples to explain: --x/--y, or the first --samples test samples of --dataset."""
    if args.x is not None:
        if args.x.shape[0] != net.sizes[0]:
            raise CLIError(f"--x has {args.x.shape[0]} numbers but the model takes {net.sizes[0]}")
        X = args.x[None, :]
        if args.y is None:
            if args.neuron is None:
                raise CLIError("a derivative needs the target too: pass --y (a label or numbers)")
            return X, None
        y = args.y
        if y.shape[0] == 1 and net.sizes[-1] > 1 and float(y[0]).is_integer():
            return X, y.astype(np.int64)  # a class label
        return X, y[None, :]
    args.dataset = args.dataset or meta.get("dataset")
    if not args.dataset:
        raise CLIError("say which samples to explain: pass --x (and --y) or --dataset")
    data = _load_data(args)
    X = data.X_test.reshape(len(data.X_test), -1)[: args.samples]
    if X.shape[1] != net.sizes[0]:
        raise CLIError(
            f"{data.name} has {X.shape[1]} features but the model expects {net.sizes[0]}; "
            "pass the --dataset it was trained on"
        )
    return X, data.y_test[: args.samples]


def _explain(args: argparse.Namespace) -> int:
    from . import explain

    net, meta = _load_model(args.model)
    X, Y = _explain_data(args, net, meta)
    shown: Any
    if args.neuron is not None:
        shown = explain.explain_neuron(net, X[0], *args.neuron)
    elif args.weight is not None:
        shown = explain.explain_weight(net, X, Y, *args.weight)
    elif args.bias is not None:
        shown = explain.explain_bias(net, X, Y, *args.bias)
    elif args.activation is not None:
        shown = explain.explain_activation(net, X, Y, *args.activation)
    else:
        shown = explain.backprop_ledger(net, X, Y)
    if args.format == "json":
        print(json.dumps(shown.to_dict(), ensure_ascii=False, indent=1))
    elif args.format == "latex":
        if not hasattr(shown, "latex"):
            raise CLIError("--format latex is for --weight, --bias, --activation and --neuron")
        print(shown.latex())
    else:
        print(shown)
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


def _dpi(text: str) -> int:
    from .plots import MAX_DPI

    value = _positive(int)(text)
    if value > MAX_DPI:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_DPI} (print quality), got {text}; a larger dpi would need "
            "gigabytes of memory for one picture"
        )
    return int(value)


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
    from .init import INITS

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
        default="mse",
        metavar="NAME",
        help=f"cost (default: mse, the tutorial's ‖y − a‖²): {', '.join(COSTS)}",
    )
    train.add_argument(
        "--init",
        default=None,
        choices=list(INITS),
        help="how the weights are drawn; biases start at 0 (default: small, the tutorial's "
        "N(0, 0.1²), for sigmoid; else the activation's own: he for relu and its relatives, "
        "xavier for the rest)",
    )
    train.add_argument(
        "--optimizer",
        default="sgd",
        choices=sorted(OPTIMIZERS),
        help="update rule (default: sgd): "
        + "; ".join(f"{n} (η {o.lr:g}): {o.description}" for n, o in OPTIMIZERS.items()),
    )
    train.add_argument(
        "--lr",
        type=_positive(float),
        default=None,
        help="learning rate η (default: 1.5 for sgd, 0.001 for adam, ...)",
    )
    train.add_argument("--momentum", type=float, default=0.0, help="momentum for sgd")
    train.add_argument(
        "--schedule",
        default="none",
        choices=["none", "cosine", "step", "exponential", "plateau"],
        help="learning-rate schedule over the epochs (default: none): cosine anneals to 0; "
        "step halves every quarter of the epochs; exponential multiplies by 0.95 each "
        "epoch; plateau divides by 10 when the (validation) loss stalls",
    )
    train.add_argument(
        "--l2", type=_non_negative, default=0.0, help="L2 penalty λ₂: adds (λ₂/2) Σ‖W‖² to C"
    )
    train.add_argument(
        "--l1", type=_non_negative, default=0.0, help="L1 penalty λ₁: adds λ₁ Σ|w| to C"
    )
    train.add_argument(
        "--dropout",
        type=_dropout,
        default=0.0,
        help="dropout probability of the hidden layers while training (default: 0)",
    )
    train.add_argument(
        "--patience",
        type=_positive(int),
        default=None,
        metavar="EPOCHS",
        help="early stopping: stop when the validation loss has not improved for this many "
        "epochs and keep the best epoch's weights (needs --val-fraction)",
    )
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
    train.add_argument(
        "--diagnose",
        action="store_true",
        help="print a diagnosis of the run and the network in plain language at the end",
    )
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

    explain = sub.add_parser(
        "explain",
        help="why a number of a saved model has its value: the chain rule with numbers",
        description="Explain one number of a saved model in the tutorial's notation: a neuron's "
        "forward equation, or ∂C/∂w, ∂C/∂b, ∂C/∂a with every chain-rule factor and path, or "
        "the whole backward pass layer by layer (--ledger). Layers are numbered 1..L (0 is "
        "the input; negative numbers count from L: write --weight=-1,0,0), neurons from 0.",
    )
    explain.add_argument("model")
    what = explain.add_mutually_exclusive_group(required=True)
    what.add_argument("--weight", type=_indices(3, "l,j,k"), metavar="l,j,k",
                      help="∂C/∂w^(l)_jk: weight to neuron j of layer l from neuron k")  # fmt: skip
    what.add_argument("--bias", type=_indices(2, "l,j"), metavar="l,j", help="∂C/∂b^(l)_j")
    what.add_argument("--activation", type=_indices(2, "l,k"), metavar="l,k",
                      help="∂C/∂a^(l)_k (l = 0 is the input)")  # fmt: skip
    what.add_argument("--neuron", type=_indices(2, "l,j"), metavar="l,j",
                      help="neuron j of layer l's forward equation (first sample)")  # fmt: skip
    what.add_argument("--ledger", action="store_true",
                      help="every layer's partial derivatives, from L back to 1")  # fmt: skip
    explain.add_argument("--x", type=_numbers, metavar="V,V,...", help="one input sample")
    explain.add_argument("--y", type=_numbers, metavar="V[,V...]",
                         help="its target: a class label or the n_L target values")  # fmt: skip
    explain.add_argument("--dataset", help="else: test samples of this data set "
                         "(default: the one the model was trained on)")  # fmt: skip
    explain.add_argument("--samples", type=_positive(int), default=1,
                         help="how many test samples form the mini-batch (default: 1)")  # fmt: skip
    explain.add_argument("--data-dir")
    explain.add_argument("--seed", type=int, default=0)
    explain.add_argument("--format", choices=["text", "latex", "json"], default="text")
    explain.set_defaults(run=_explain)

    from .plots import KINDS, MAX_DPI

    plot = sub.add_parser(
        "plot",
        help="draw a saved model: its diagram, weights, gradients, training curves, ...",
        description="Draw one picture of a saved model to an image file; "
        "needs pip install 'glassnet[plot]'.",
    )
    plot.add_argument("model")
    plot.add_argument("--kind", default="network", choices=KINDS, help="(default: network)")
    plot.add_argument(
        "--output", "-o", metavar="PATH",
        help="image file, .png/.svg/.pdf (default: MODEL-KIND.png)",
    )  # fmt: skip
    plot.add_argument("--dataset", help="data for the picture (default: the model's own)")
    plot.add_argument("--data-dir")
    plot.add_argument("--seed", type=int, default=0)
    plot.add_argument(
        "--samples", type=_positive(int), default=1000,
        help="test samples used by boundary, neurons, gradients, activations (default: 1000)",
    )  # fmt: skip
    plot.add_argument(
        "--sample", type=int, metavar="I",
        help="show the values of test sample I (network, backward)",
    )  # fmt: skip
    plot.add_argument(
        "--weight", type=int, nargs=3, metavar=("L", "J", "K"),
        help="the weight w^(l)_jk whose backward pass to draw (default: 1 0 0)",
    )  # fmt: skip
    plot.add_argument(
        "--shape", type=_positive(int), nargs=2, metavar=("H", "W"),
        help="the input images' shape, for weights (default: square)",
    )  # fmt: skip
    plot.add_argument(
        "--dpi", type=_dpi, default=120, help=f"dots per inch, 1..{MAX_DPI} (default: 120)"
    )
    plot.set_defaults(run=_plot)

    playground = sub.add_parser(
        "playground",
        help="watch a network learn in the browser (a local web page)",
        description="Serve the Playground on this computer and print its address; "
        "needs pip install 'glassnet[playground]'.",
    )
    playground.add_argument("--port", type=int, default=8765, help="TCP port (default: 8765)")
    playground.add_argument(
        "--host", default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1 only; any other requires the token)",
    )  # fmt: skip
    playground.add_argument(
        "--require-token", action="store_true",
        help="require the printed token from this computer's pages too (a shared computer)",
    )  # fmt: skip
    playground.add_argument(
        "--idle-minutes", type=float, default=10.0,
        help="close a tab after this many minutes without a message from it (default: 10)",
    )  # fmt: skip
    playground.set_defaults(run=_playground)

    from .lab.command import add_parser as add_lab_parser

    add_lab_parser(sub)  # glassnet lab: optimizers on test surfaces, loss landscapes
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader went away (e.g. ``glassnet predict … | head``);
        # caught before OSError, of which it is a kind
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stays open until exit)
        return 0
    except (CLIError, ValueError, OSError) as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "glassnet: error: not enough memory for this; try a smaller network or less data",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
