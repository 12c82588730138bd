"""The data a command reads: a data set by name, or exactly the data a saved model was made with.

:func:`load_data` loads ``--dataset`` (with ``--data-dir`` for the data sets read from files);
:func:`model_data` makes again the data set and split a model file records (evaluate, explain,
plot), refusing a ``--seed`` whose test split would hold training samples. A missing file is
said in one line with the command line's options, and how to get it.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from ..network import Network
from .common import CLIError

__all__ = ["load_data", "model_data", "preparation_of", "recorded_image_shape"]

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
    """A data set's name as the registry spells it: ``Fashion_MNIST`` → ``fashion-mnist``."""
    return str(name).strip().lower().replace("_", "-")


def _check_data_dir(dataset: str, data_dir: str | None) -> None:
    """--data-dir goes with the data sets read from files, and idx needs it."""
    key = _dataset_key(dataset)
    if data_dir and key not in _FILES_HOW_TO:
        from ..datasets import available

        if key in available():
            origin = {"digits": "loaded from scikit-learn", "sunspots": "read from statsmodels"}
            raise CLIError(
                f"--data-dir is for the data sets read from files ({', '.join(_FILES_HOW_TO)}); "
                f"{key} is {origin.get(key, 'made by glassnet')}"
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


def load_data(args: argparse.Namespace) -> Any:
    """The data set ``--dataset`` (from ``--data-dir`` if given), split with ``--seed``."""
    from .. import datasets

    options: dict[str, Any] = {"seed": args.seed}
    for key, value in getattr(args, "data_option", None) or []:
        if key in ("seed", "path"):
            flag = "--seed" if key == "seed" else "--data-dir"
            raise CLIError(f"--data-option {key}=... is {flag}'s to set; pass {flag} instead")
        options[key] = value
    _check_data_dir(args.dataset, getattr(args, "data_dir", None))
    if getattr(args, "data_dir", None):
        options["path"] = args.data_dir
    try:
        return datasets.load(args.dataset, **options)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except FileNotFoundError as exc:
        raise _data_not_found(exc, args.dataset) from None


def preparation_of(meta: dict[str, str], model: str) -> Any:
    """The model file's record of how its data was made (a Preparation), or None if it has none."""
    from ..datasets import Preparation

    try:
        return Preparation.from_metadata(meta)
    except ValueError as exc:
        raise CLIError(f"{model!r} holds a record of its data that cannot be read: {exc}") from None


def recorded_image_shape(prep: Any, n_features: int) -> tuple[int, int] | None:
    """The (height, width) of the images a model was trained on, from its data record ``prep``
    (a Preparation, or None), if the record says and they have ``n_features`` pixels.

    Example:
        >>> from glassnet.cli.data import recorded_image_shape
        >>> recorded_image_shape(None, 784) is None    # an older model file: no record
        True
    """
    shape = None if prep is None else prep.image_shape
    if shape is None or len(shape) != 2 or math.prod(shape) != n_features:
        return None
    return int(shape[0]), int(shape[1])


def _reload(prep: Any, args: argparse.Namespace, **changes: Any) -> Any:
    """The model's data set made again from its record; --data-dir replaces the recorded folder."""
    from .. import datasets

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


def model_data(
    args: argparse.Namespace, net: Network, meta: dict[str, str], notes: list[str]
) -> Any:
    """The data set a command reads for a saved model (evaluate, explain, plot), or None.

    By default exactly the data and split the model was trained and tested on, as its file
    records them. Another --dataset, or a --seed whose data holds none of the model's training
    samples (a toy set's fresh points), is said in one line added to ``notes``; a --seed whose
    test split would hold training samples is refused. A file without the record (an older
    glassnet's) is said in one line and read as before: its --dataset, split with --seed (0).
    """
    from ..datasets import Preparation

    prep = preparation_of(meta, args.model)
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
        data = load_data(args)
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
