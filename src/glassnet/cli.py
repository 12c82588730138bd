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
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__
from ._inputs import as_features
from .callbacks import Callback, EpochLogger, ProgressBar, terminal_columns
from .costs import predicted_classes
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer, by_name

#: What ``glassnet --help`` says above the commands: plain text, as a terminal shows it.
DESCRIPTION = """\
Train, evaluate and inspect feedforward networks on real data, offline.

  glassnet train                      the tutorial's 64-30-10 sigmoid network on the digits
  glassnet train --dataset fashion-mnist --epochs 30
  glassnet evaluate MODEL             its loss and accuracy on the test split it was made for
  glassnet predict MODEL INPUT        class (or value) for each row of a .npy or .csv file
  glassnet info MODEL                 layers, shapes and parameter counts
  glassnet explain MODEL --ledger     backprop in numbers; --weight l,j,k explains one ∂C/∂w
  glassnet plot MODEL --kind network  draw it (weights, boundary, gradients, history, ...)
  glassnet playground                 watch a network learn in the browser (127.0.0.1)
  glassnet lab --surface rosenbrock   watch optimizers move on a cost surface (-o race.gif)

Each command has its own help: glassnet train --help. Mistakes (a missing file, an unknown
name, a bad size) are reported in one sentence with exit status 2, never a traceback."""


#: --seed and --data-dir of the commands that read a saved model's data (evaluate, explain, plot)
SEED_HELP = (
    "the split to use (default: the model's own, recorded by train; another is refused where "
    "its test samples include training samples)"
)
_MODEL_DATA_DIR_HELP = (
    "directory holding the IDX files of fashion-mnist, mnist or idx, when they are not in the "
    "folder the model file records (default: the recorded folder)"
)


class CLIError(Exception):
    """A user mistake: printed as one sentence, exit status 2."""


class _HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrap paragraph by paragraph, keeping indented lines (examples) as written;
    an option's help ends with its default value unless it already names its default (flags,
    which are off unless given, have none)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in text.strip("\n").split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines):  # examples: as written
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(
                    textwrap.fill(
                        " ".join(paragraph.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(paragraphs)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings  # a positional argument: always given
            or "default" in text
            or default is None
            or default is argparse.SUPPRESS
            or isinstance(default, bool)
        ):
            return text
        if isinstance(default, (list, tuple)):
            shown = " ".join(map(str, default))
        elif isinstance(default, float):
            shown = f"{default:g}"
        else:
            shown = str(default)
        return f"{text} (default: {shown.replace('%', '%%')})"


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with glassnet's help layout and one-line mistakes.

    A bad option value gets one line, ``glassnet train: error: argument --epochs: expected a
    whole number, got 'x' (see glassnet train --help)``, instead of the usage block first.
    Subcommands' parsers are of this class too (argparse makes them of their parent's class).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class HiddenSizes(argparse.Action):
    """``--hidden N [N ...]``: the hidden layers' sizes, input side first.

    At least one number is needed; ``--hidden 0`` on its own asks for no hidden layer (the
    inputs feed the output layer directly) and stores an empty list.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        sizes = list(values or [])
        if not sizes:
            raise argparse.ArgumentError(
                self,
                "needs at least one layer size, e.g. --hidden 30 or --hidden 64 32 "
                "(--hidden 0: no hidden layer, the inputs feed the output layer directly)",
            )
        if sizes == [0]:
            sizes = []
        elif 0 in sizes:
            raise argparse.ArgumentError(
                self,
                f"got {' '.join(map(str, sizes))}, but 0 means no hidden layer and stands "
                "alone; give the sizes of the hidden layers, each at least 1",
            )
        setattr(namespace, self.dest, sizes)


def layer_size(text: str) -> int:
    """A ``--hidden`` number: a whole number ≥ 0 (0 alone meaning no hidden layer)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers such as 30 (or 0 alone for no hidden layer), got {text!r}"
        )
    return value


def _optimizer(name: str, lr: float | None, momentum: float) -> Optimizer:
    # no --lr: the name's own η (the registry's); --momentum 0 (the default) keeps each name's
    # own μ: 0 for sgd, 0.9 for momentum/nesterov
    return by_name(name, lr, momentum or None)


def _load_data(args: argparse.Namespace) -> Any:
    from . import datasets

    options: dict[str, Any] = {"seed": args.seed}
    _check_data_dir(args.dataset, getattr(args, "data_dir", None))
    if getattr(args, "data_dir", None):
        options["path"] = args.data_dir
    try:
        return datasets.load(args.dataset, **options)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except FileNotFoundError as exc:
        raise _data_not_found(exc, args.dataset) from None


#: the data sets read from files, and how to get them, in the command line's words
_FILES_HOW_TO = {
    "fashion-mnist": "install Debian's package (sudo apt-get install dataset-fashion-mnist), "
    "or put its four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, gzipped or not) in one directory "
    "and pass --data-dir DIR (or set GLASSNET_FASHION_MNIST=DIR)",
    "mnist": "put MNIST's four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,"
    " t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, gzipped or not) in one directory "
    "and pass --data-dir DIR (or set GLASSNET_MNIST=DIR)",
    "idx": "put the four IDX files (named like train-images-idx3-ubyte, train-labels-idx1-ubyte,"
    " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not, 'test' for 't10k', with a "
    "common prefix such as emnist-letters-) in one directory and pass --data-dir DIR",
}


def _dataset_key(name: str) -> str:
    return str(name).strip().lower().replace("_", "-")


def _check_data_dir(dataset: str, data_dir: str | None) -> None:
    """--data-dir goes with the data sets read from files, and idx needs it."""
    key = _dataset_key(dataset)
    if data_dir and key not in _FILES_HOW_TO:
        from .datasets import available

        if key in available():
            raise CLIError(
                f"--data-dir is for the data sets read from files ({', '.join(_FILES_HOW_TO)}); "
                f"{key} is {'loaded from scikit-learn' if key == 'digits' else 'made by glassnet'}"
                ", so leave --data-dir out"
            )
    if key == "idx" and not data_dir:
        raise CLIError(
            "--dataset idx reads four IDX files from a directory (EMNIST's, for example): "
            "pass --data-dir DIR"
        )


def _data_not_found(exc: FileNotFoundError, dataset: str) -> CLIError:
    """A data set's files not found, said in one line with the command line's options."""
    problem = str(exc).splitlines()[0].rstrip(".")
    # the loaders name their Python argument; here it is --data-dir
    problem = problem.replace("no path argument", "no --data-dir")
    problem = problem.replace("the path argument", "--data-dir")
    how = _FILES_HOW_TO.get(_dataset_key(dataset))
    return CLIError(f"{problem}; to get it, {how}" if how else problem)


def _callbacks(args: argparse.Namespace) -> list[Callback]:
    if args.quiet:
        return []
    # a live bar on a terminal; plain lines elsewhere, and on a terminal that reports no width
    # (a pseudo-terminal given no size), where a bar would draw only blank lines
    if sys.stderr.isatty() and terminal_columns(sys.stderr) != 0:
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
        if data.preparation is not None:  # how the data was split and scaled, for the commands
            # that read data for this model (evaluate, explain, plot) and scale inputs (predict)
            meta.update(
                data.preparation.with_training(
                    data.X_train, data.X_test, data.y_test, args.val_fraction, args.seed
                ).to_metadata()
            )
        save(net, model_path, metadata=meta)
        if not args.quiet:
            print(f"saved the model to {model_path}")
    return 0


def _load_model(path: str) -> tuple[Network, dict[str, str]]:
    from .io import load_with_metadata

    if not Path(path).exists():
        raise CLIError(f"no model file at {path!r}; train one with: glassnet train --output {path}")
    # (a folder, a FIFO or a device is refused by the reader itself, in its own words)
    return load_with_metadata(path)


def _say(notes: list[str]) -> None:
    """Print each note (one line on stderr about what a command did differently from what one
    might assume); called once a command has succeeded, so that a mistake stays one sentence."""
    for text in notes:
        print(f"glassnet: {text}", file=sys.stderr)


def _preparation(meta: dict[str, str], model: str) -> Any:
    """The model file's record of how its data was made (a Preparation), or None if it has none."""
    from .datasets import Preparation

    try:
        return Preparation.from_metadata(meta)
    except ValueError as exc:
        raise CLIError(f"{model!r} holds a record of its data that cannot be read: {exc}") from None


def _reload(prep: Any, args: argparse.Namespace, **changes: Any) -> Any:
    """The model's data set made again from its record; --data-dir replaces the recorded folder."""
    from . import datasets

    if args.data_dir:
        _check_data_dir(prep.loader, args.data_dir)
        changes["path"] = args.data_dir
    try:
        return datasets.load(prep, **changes)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except FileNotFoundError as exc:
        if not args.data_dir and prep.options.get("path") is not None:
            first = str(exc).splitlines()[0].rstrip(".")  # how to get the files is not the point
            raise CLIError(
                f"the folder recorded in {args.model} for its data cannot be used here; pass "
                f"--data-dir to say where the files are on this machine ({first})"
            ) from None
        raise _data_not_found(exc, prep.loader) from None


def _shared_rows(X: Any, Y: Any) -> int:
    """How many rows of X are also rows of Y (the same values, bit for bit)."""
    seen = {row.tobytes() for row in np.ascontiguousarray(Y)}
    return sum(row.tobytes() in seen for row in np.ascontiguousarray(X))


def _model_data(
    args: argparse.Namespace, net: Network, meta: dict[str, str], notes: list[str]
) -> Any:
    """The data set a command reads for a saved model (evaluate, explain, plot), or None.

    By default exactly the data and split the model was trained and tested on, as its file
    records them. Another --dataset, or a --seed whose data holds none of the model's training
    samples (a toy set's fresh points), is said in one line added to ``notes``; a --seed whose
    test split would hold training samples is refused. A file without the record (an older
    glassnet's) is said in one line and read as before: its --dataset, split with --seed (0).
    """
    from .datasets import Preparation

    prep = _preparation(meta, args.model)
    wanted = _dataset_key(args.dataset or "")
    if prep is None or (wanted and wanted != prep.loader):
        args.dataset = args.dataset or meta.get("dataset")
        if not args.dataset:
            return None
        args.seed = 0 if args.seed is None else args.seed
        if prep is None:
            notes.append(
                f"note: {args.model} does not record how its data was split and scaled (an "
                f"older glassnet saved it): using {args.dataset} split with --seed {args.seed}, "
                "which may not be the split it was trained on"
            )
        else:
            notes.append(
                f"note: using {args.dataset}, not {prep.loader}, which {args.model} was trained on"
            )
        data = _load_data(args)
    elif args.seed is not None and prep.seed is not None and args.seed != prep.seed:
        own, data = _reload(prep, args), _reload(prep, args, seed=args.seed)
        trained_on = _shared_rows(data.X_test, own.X_train)
        if trained_on:
            raise CLIError(
                f"{args.model} was trained with --seed {prep.seed}, which chose its test split; "
                f"with --seed {args.seed}, {trained_on} of the {data.n_test} test samples would "
                "be samples it was trained on; leave out --seed to use its own split"
            )
        notes.append(
            f"note: using the data of --seed {args.seed}, not {args.model}'s own (--seed "
            f"{prep.seed}); none of its {data.n_test} test samples is a training sample"
        )
    else:
        data = _reload(prep, args)
        if prep.test_digest and Preparation.digest(data.X_test, data.y_test) != prep.test_digest:
            notes.append(
                f"warning: the {data.name} test split loaded now is not the one {args.model} was "
                "tested on when it was trained (other files, or another version of the data "
                "set), so its scores may differ from those train printed"
            )
    if data.n_features != net.sizes[0]:
        raise CLIError(
            f"{data.name} has {data.n_features} features but the model expects "
            f"{net.sizes[0]}; pass the --dataset it was trained on"
        )
    return data


def _evaluate(args: argparse.Namespace) -> int:
    net, meta = _load_model(args.model)
    notes: list[str] = []
    data = _model_data(args, net, meta, notes)
    if data is None:
        raise CLIError(
            "the model file does not say which data set it was trained on; pass --dataset"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing model scores inf
        scores = net.evaluate(data.X_test, data.y_test)
    _say(notes)
    print(
        f"{data.name} test set ({len(data.X_test)} samples): "
        + "  ".join(f"{k} {v:.4f}" for k, v in scores.items())
    )
    return 0


def _read_inputs(path: str, net: Network) -> np.ndarray:
    """The samples in a .npy or .csv file, one per row, checked, as the numbers stored there."""
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
    return X


def _read_images(
    path: str, net: Network, prep: Any, invert: bool
) -> tuple[list[str], np.ndarray, bool]:
    """An image, or the images in a folder, one row each (see glassnet.datasets.read_images).

    Returns the file names, the rows, and whether the rows are already the network's inputs:
    they are in the raw units of the model's data (0..255 for the pixel sets, 0..16 for the
    digits: 255 is the raw maximum) when its file records a scaler, else grey/255, in [0, 1],
    the scale of glassnet's image loaders.
    """
    from .datasets import read_images

    n_in = net.sizes[0]
    if prep is not None:
        shape = prep.image_shape
        if shape is None or len(shape) != 2 or math.prod(shape) != n_in:
            raise CLIError(
                f"{prep.loader}, the data this model was trained on, is not images; give its "
                f"inputs in a .npy or .csv file, {n_in} numbers per row"
            )
    else:  # no record: a square image, as plot draws an unknown model's weights
        side = math.isqrt(n_in)
        if side * side != n_in:
            raise CLIError(
                f"the model takes {n_in} inputs and its file records no image shape, so an "
                "image cannot be fed to it; give a .npy or .csv file"
            )
        shape = (side, side)
    try:
        names, grey = read_images(path, (shape[0], shape[1]), invert=invert)
    except ImportError as exc:
        raise CLIError(f"{exc}; or give a .npy or .csv file") from None
    if prep is None or prep.scaler is None:
        return names, grey / 255.0, True
    raw_range = prep.raw_range
    if raw_range is None:
        raise CLIError(
            f"the model's inputs are scaled column by column ({prep.scaler}), so it is not clear "
            "which pixel value means what; give its raw inputs in a .npy or .csv file"
        )
    low, high = raw_range
    return names, low + grey * ((high - low) / 255.0), False  # grey 255 → the raw maximum


def _scaling_words(prep: Any) -> str:
    """What the model's scaling does, in a few words: "0..255 → 0..1"."""
    low_high = prep.raw_range
    if low_high is None:
        return str(prep.scaler)
    lo, hi = prep.scaler.feature_range
    return f"{low_high[0]:g}..{low_high[1]:g} → {lo:g}..{hi:g}"


def _range_warnings(
    X: np.ndarray, raw: np.ndarray, prep: Any, *, scaled: bool, images: bool
) -> list[str]:
    """One line for inputs far outside what the network saw in training (after scaling), or
    for raw numbers that look already scaled."""
    if prep is None or prep.input_range is None:
        return []
    lo, hi = prep.input_range
    span = hi - lo if hi > lo else 1.0
    x_min, x_max = float(X.min()), float(X.max())
    if x_min < lo - span or x_max > hi + span:  # more than one training range beyond it
        far = x_max if x_max > hi + span else x_min
        if scaled:
            advice = "if they are raw values, leave out --scaled"
            if prep.scaler is not None:
                advice += f" so that the model's scaling ({_scaling_words(prep)}) is applied"
            return [
                f"warning: the inputs reach {far:.4g}, far outside the range the model was "
                f"trained on, {lo:.4g}..{hi:.4g}; {advice}"
            ]
        return [
            f"warning: after the model's scaling the inputs reach {far:.4g}, far outside the "
            f"range it was trained on, {lo:.4g}..{hi:.4g}; are they in the units of "
            f"{prep.loader}'s raw data?"
        ]
    low_high = prep.raw_range
    if not (scaled or images) and low_high is not None:
        r_min, r_max = float(raw.min()), float(raw.max())
        shrink = (low_high[1] - low_high[0]) / span
        if shrink >= 10 and r_max > r_min and lo <= r_min and r_max <= hi:
            return [
                f"warning: the inputs all lie in {lo:.4g}..{hi:.4g}, the range of the model's "
                f"scaled inputs, but its scaling ({_scaling_words(prep)}) is for raw values: "
                "if they are already scaled, pass --scaled"
            ]
    return []


def _predict(args: argparse.Namespace) -> int:
    from .datasets.images import is_image_path

    net, meta = _load_model(args.model)
    prep = _preparation(meta, args.model)
    names = None
    notes: list[str] = []
    if is_image_path(args.inputs):
        if args.scaled:
            raise CLIError(
                "--scaled is for .npy and .csv inputs: images are read as pixels and scaled "
                "the way the model's data was"
            )
        names, raw, ready = _read_images(args.inputs, net, prep, args.invert)
    else:
        if args.invert:
            raise CLIError("--invert is for images (.png, .jpg, ... or a folder of them)")
        raw = _read_inputs(args.inputs, net)
        ready = args.scaled or prep is None or prep.scaler is None
        if prep is None and "dataset" in meta:
            notes.append(
                f"note: {args.model} does not record how its data was scaled (an older glassnet "
                "saved it): the inputs are used as they are, so scale them as its loader did"
            )
    X = raw if ready else prep.scale(raw, name=repr(args.inputs))
    X = as_features(X, net.sizes[0], net.dtype, repr(args.inputs))  # says if a value overflows
    notes += _range_warnings(X, raw, prep, scaled=args.scaled, images=names is not None)
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
    if names is not None:  # images: each row starts with its file's name
        rows = [f"{name},{row}" for name, row in zip(names, rows, strict=True)]
    _say(notes)
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
    from .datasets.preparation import Preparation

    for key, value in sorted(meta.items()):
        if key == "data":  # the data record: readable, not raw JSON
            try:
                record = Preparation.from_metadata(meta)
            except ValueError:
                record = None
            print(f"data: {record.describe() if record else value}")
        elif key not in ("glassnet", "history"):
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
    notes: list[str] = []
    if args.kind in ("boundary", "gradients", "activations", "neurons") or args.sample is not None:
        data = _model_data(args, net, meta, notes)
        if data is not None:
            X, y = data.X_test, data.y_test
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
        shape=tuple(args.shape) if args.shape else _image_shape(meta, args.model, net),
    )
    fig.savefig(output, dpi=args.dpi)
    _say(notes)
    print(f"saved the {args.kind} picture to {output}")
    return 0


def _image_shape(meta: dict[str, str], model: str, net: Network) -> tuple[int, int] | None:
    """The (height, width) of the images the model was trained on, if its file records them."""
    prep = _preparation(meta, model)
    shape = None if prep is None else prep.image_shape
    if shape is None or len(shape) != 2 or math.prod(shape) != net.sizes[0]:
        return None
    return int(shape[0]), int(shape[1])


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


def _explain_data(
    args: argparse.Namespace, net: Network, meta: dict[str, str], notes: list[str]
) -> tuple[Any, Any]:
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
    data = _model_data(args, net, meta, notes)
    if data is None:
        raise CLIError("say which samples to explain: pass --x (and --y) or --dataset")
    X = data.X_test.reshape(len(data.X_test), -1)[: args.samples]
    return X, data.y_test[: args.samples]


def _explain(args: argparse.Namespace) -> int:
    from . import explain

    net, meta = _load_model(args.model)
    notes: list[str] = []
    X, Y = _explain_data(args, net, meta, notes)
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
    if args.format == "latex" and not hasattr(shown, "latex"):
        raise CLIError("--format latex is for --weight, --bias, --activation and --neuron")
    _say(notes)
    if args.format == "json":
        print(json.dumps(shown.to_dict(), ensure_ascii=False, indent=1))
    elif args.format == "latex":
        print(shown.latex())
    else:
        print(shown)
    return 0


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
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


#: what a saved model is, for the help of the commands that take one
_MODEL_HELP = "a model file saved by glassnet train (.safetensors)"
_DATA_DIR_HELP = (
    "directory holding the four IDX files of fashion-mnist, mnist or idx (default: for "
    "fashion-mnist $GLASSNET_FASHION_MNIST, else /usr/share/datasets/fashion-mnist; for mnist "
    "$GLASSNET_MNIST; idx needs it)"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``glassnet`` command.

    Every option's help says what it does and its default; a mistake is one line (see
    :class:`_Parser`).
    """
    from .activations import ACTIVATIONS
    from .costs import COSTS
    from .datasets import available
    from .init import INITS

    parser = _Parser(
        prog="glassnet",
        description=DESCRIPTION,
        epilog="With no command, glassnet prints this help.",
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"glassnet {__version__}",
        help="print glassnet's version and exit",
    )  # fmt: skip
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands",
        help="what to do; glassnet COMMAND --help tells more",
    )  # fmt: skip

    train = sub.add_parser(
        "train",
        help="train a network and print its test accuracy",
        description="Train a network and save it. With no options: the tutorial's recipe, a "
        "64-30-10 sigmoid network on the built-in 8x8 digits, cost mse (the squared error "
        "‖y − a‖², no ½), small random starting weights, SGD with learning rate 1.5 on "
        "mini-batches of 10, for 20 epochs.",
    )
    train.add_argument(
        "--dataset",
        default="digits",
        metavar="NAME",
        help=f"the data set: {', '.join(available())}",
    )
    train.add_argument("--data-dir", metavar="DIR", help=_DATA_DIR_HELP)
    train.add_argument(
        "--hidden",
        type=layer_size,
        nargs="*",
        action=HiddenSizes,
        default=[30],
        metavar="N",
        help="hidden layer sizes, input side first; input and output sizes come from the "
        "data; --hidden 0 for no hidden layer",
    )
    train.add_argument(
        "--activation",
        default="sigmoid",
        metavar="NAME",
        help=f"activation σ of the hidden layers: {', '.join(ACTIVATIONS)}",
    )
    train.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="activation of the output layer (default: the same as --activation)",
    )
    train.add_argument(
        "--cost",
        default="mse",
        metavar="NAME",
        help=f"cost C: {', '.join(COSTS)} (default: mse, the tutorial's ‖y − a‖²; quadratic "
        "is Nielsen's ½‖y − a‖²)",
    )
    train.add_argument(
        "--init",
        default=None,
        choices=list(INITS),
        help="how the starting weights are drawn; biases start at 0 (default: small, the "
        "tutorial's N(0, 0.1²), for sigmoid; else the activation's own: he for relu and its "
        "relatives, xavier for the rest)",
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
        metavar="ETA",
        help="learning rate η (default: "
        + ", ".join(f"{o.lr:g} for {n}" for n, o in OPTIMIZERS.items())
        + ")",
    )
    train.add_argument(
        "--momentum",
        type=float,
        default=0.0,
        metavar="MU",
        help="momentum μ of the SGD family (default: 0, meaning each optimizer's own: none "
        "for sgd, 0.9 for momentum and nesterov)",
    )
    train.add_argument(
        "--schedule",
        default="none",
        choices=["none", "cosine", "step", "exponential", "plateau"],
        help="learning-rate schedule over the epochs: cosine anneals to 0; step halves every "
        "quarter of the epochs; exponential multiplies by 0.95 each epoch; plateau divides by "
        "10 when the (validation) loss stalls",
    )
    train.add_argument(
        "--l2", type=_non_negative, default=0.0, metavar="LAMBDA",
        help="L2 penalty λ₂: adds (λ₂/2) Σ‖W‖² to C",
    )  # fmt: skip
    train.add_argument(
        "--l1", type=_non_negative, default=0.0, metavar="LAMBDA",
        help="L1 penalty λ₁: adds λ₁ Σ|w| to C",
    )  # fmt: skip
    train.add_argument(
        "--dropout",
        type=_dropout,
        default=0.0,
        metavar="P",
        help="dropout probability of the hidden layers while training",
    )
    train.add_argument(
        "--patience",
        type=_positive(int),
        default=None,
        metavar="EPOCHS",
        help="early stopping: stop when the validation loss has not improved for this many "
        "epochs and keep the best epoch's weights; needs --val-fraction (default: no early "
        "stopping)",
    )
    train.add_argument(
        "--batch-size", type=_positive(int), default=10, metavar="M",
        help="samples per mini-batch",
    )  # fmt: skip
    train.add_argument(
        "--epochs", type=_positive(int), default=20, metavar="N",
        help="passes over the training data",
    )  # fmt: skip
    train.add_argument(
        "--seed", type=int, default=0,
        help="seeds the starting weights, the shuffling and the split of the data: the same "
        "seed gives the same run",
    )  # fmt: skip
    train.add_argument(
        "--val-fraction",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="fraction of the training data held out for validation; 0 holds out none",
    )
    train.add_argument(
        "--dtype", default="float32", choices=["float32", "float64"],
        help="precision of the weights and of every computation",
    )  # fmt: skip
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
    train.add_argument(
        "--quiet", "-q", action="store_true", help="print only the result line (and mistakes)"
    )
    train.set_defaults(run=_train)

    evaluate = sub.add_parser(
        "evaluate",
        help="loss and accuracy of a saved model",
        description="Print a saved model's loss and accuracy on the test split of the data set "
        "it was trained on: the very split, as its file records it.",
    )
    evaluate.add_argument("model", help=_MODEL_HELP)
    evaluate.add_argument(
        "--dataset",
        metavar="NAME",
        help="the data set to evaluate on (default: the one the model was trained on)",
    )
    evaluate.add_argument("--data-dir", metavar="DIR", help=_MODEL_DATA_DIR_HELP)
    evaluate.add_argument("--seed", type=int, default=None, help=SEED_HELP)
    evaluate.set_defaults(run=_evaluate)

    predict = sub.add_parser(
        "predict",
        help="predictions of a saved model for a .npy/.csv file or images",
        description="Print a saved model's prediction for each row of a file of raw inputs, "
        "scaled as its training data was, or for each image: the class, or the value for a "
        "regression model.",
    )
    predict.add_argument("model", help=_MODEL_HELP)
    predict.add_argument(
        "inputs",
        help=".npy or .csv file of raw inputs, one sample per row (scaled as the model's data "
        "was: digits ÷16, pixels ÷255); or a .png/.jpg image, or a folder of them",
    )
    predict.add_argument(
        "--scaled",
        action="store_true",
        help="the numbers are already scaled as the loader scales them: use them as they are",
    )
    predict.add_argument(
        "--invert",
        action="store_true",
        help="images: dark on light (a photo of ink on paper) made light on dark, like MNIST",
    )
    predict.add_argument(
        "--proba", action="store_true", help="print the class and every output activation"
    )
    predict.add_argument(
        "--classify", action="store_true", help="print 0/1 classes for a single-output model"
    )
    predict.add_argument(
        "--output", "-o", metavar="PATH",
        help="write to this file (default: the standard output)",
    )  # fmt: skip
    predict.set_defaults(run=_predict)

    info = sub.add_parser(
        "info",
        help="layers, shapes and parameter counts of a saved model",
        description="Print a saved model's layers, weight shapes, parameter counts and the "
        "facts its file records (data set, ...).",
    )
    info.add_argument("model", help=_MODEL_HELP)
    info.set_defaults(run=_info)

    explain = sub.add_parser(
        "explain",
        help="why a number of a saved model has its value: the chain rule with numbers",
        description="Explain one number of a saved model in the tutorial's notation: a neuron's "
        "forward equation, or ∂C/∂w, ∂C/∂b, ∂C/∂a with every chain-rule factor and path, or "
        "the whole backward pass layer by layer (--ledger). Layers are numbered 1..L (0 is "
        "the input; negative numbers count from L: write --weight=-1,0,0), neurons from 0.",
    )
    explain.add_argument("model", help=_MODEL_HELP)
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
    explain.add_argument("--x", type=_numbers, metavar="V,V,...",
                         help="one input sample (default: test samples of --dataset)")  # fmt: skip
    explain.add_argument("--y", type=_numbers, metavar="V[,V...]",
                         help="the target of --x: a class label or the n_L target values "
                         "(default: none, for --neuron)")  # fmt: skip
    explain.add_argument("--dataset", metavar="NAME", help="without --x: test samples of this "
                         "data set (default: the one the model was trained on)")  # fmt: skip
    explain.add_argument("--samples", type=_positive(int), default=1, metavar="N",
                         help="how many test samples form the mini-batch")  # fmt: skip
    explain.add_argument("--data-dir", metavar="DIR", help=_MODEL_DATA_DIR_HELP)
    explain.add_argument("--seed", type=int, default=None, help=SEED_HELP)
    explain.add_argument("--format", choices=["text", "latex", "json"], default="text",
                         help="how to print it (latex: for one derivative or neuron)")  # fmt: skip
    explain.set_defaults(run=_explain)

    from .plots import KINDS, MAX_DPI

    plot = sub.add_parser(
        "plot",
        help="draw a saved model: its diagram, weights, gradients, training curves, ...",
        description="Draw one picture of a saved model to an image file; "
        "needs pip install 'glassnet[plot]'.",
    )
    plot.add_argument("model", help=_MODEL_HELP)
    plot.add_argument("--kind", default="network", choices=KINDS, help="which picture")
    plot.add_argument(
        "--output", "-o", metavar="PATH",
        help="image file, .png/.svg/.pdf (default: MODEL-KIND.png)",
    )  # fmt: skip
    plot.add_argument(
        "--dataset", metavar="NAME", help="data for the picture (default: the model's own)"
    )
    plot.add_argument("--data-dir", metavar="DIR", help=_MODEL_DATA_DIR_HELP)
    plot.add_argument("--seed", type=int, default=None, help=SEED_HELP)
    plot.add_argument(
        "--samples", type=_positive(int), default=1000, metavar="N",
        help="test samples used by boundary, neurons, gradients, activations",
    )  # fmt: skip
    plot.add_argument(
        "--sample", type=int, metavar="I",
        help="show the values of test sample I (network, backward; default: none)",
    )  # fmt: skip
    plot.add_argument(
        "--weight", type=int, nargs=3, metavar=("L", "J", "K"),
        help="the weight w^(l)_jk whose backward pass to draw (default: 1 0 0)",
    )  # fmt: skip
    plot.add_argument(
        "--shape", type=_positive(int), nargs=2, metavar=("H", "W"),
        help="the input images' shape, for weights (default: square)",
    )  # fmt: skip
    plot.add_argument("--dpi", type=_dpi, default=120, help=f"dots per inch, 1..{MAX_DPI}")
    plot.set_defaults(run=_plot)

    playground = sub.add_parser(
        "playground",
        help="watch a network learn in the browser (a local web page)",
        description="Serve the Playground on this computer and print its address; "
        "needs pip install 'glassnet[playground]'.",
    )
    playground.add_argument("--port", type=int, default=8765, help="TCP port")
    playground.add_argument(
        "--host", default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1 only; any other requires the token)",
    )  # fmt: skip
    playground.add_argument(
        "--require-token", action="store_true",
        help="require the printed token from this computer's pages too (a shared computer)",
    )  # fmt: skip
    playground.add_argument(
        "--idle-minutes", type=float, default=10.0, metavar="MINUTES",
        help="close a tab after this many minutes without a message from it",
    )  # fmt: skip
    playground.set_defaults(run=_playground)

    from .lab.command import add_parser as add_lab_parser

    add_lab_parser(sub)  # glassnet lab: optimizers on test surfaces, loss landscapes
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Plain ``glassnet`` (no command) prints the help and returns 0, as ``glassnet --help`` does.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
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
