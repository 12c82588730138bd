"""``glassnet train``: train a network on a data set, print its test scores, save it.

With no options, the tutorial's recipe: a 64-30-10 sigmoid network on the 8x8 digits, cost
mse, small random starting weights, SGD with η = 1.5 on mini-batches of 10, for 20 epochs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import __version__
from ..callbacks import Callback, EpochLogger, ProgressBar, terminal_columns
from ..distributed import abort_on_error, shard
from ..network import Network
from ..optimizers import Optimizer, by_name
from .common import CLIError, check_memory, writable_file
from .data import load_data
from .layerspec import build_layers

__all__ = ["make_optimizer", "run_train"]


def make_optimizer(
    name: str, lr: float | None, momentum: float, clip_norm: float | None = None
) -> Optimizer:
    """The optimizer ``--optimizer NAME --lr ETA --momentum MU --clip-norm X`` asks for.

    Example:
        >>> from glassnet.cli.train import make_optimizer
        >>> opt = make_optimizer("momentum", None, 0.0)    # the registry's own η and μ
        >>> type(opt).__name__, opt.momentum, opt.clip_norm
        ('SGD', 0.9, None)
        >>> make_optimizer("adam", 0.01, 0.0, clip_norm=1.0).clip_norm
        1.0
    """
    # no --lr: the name's own η (the registry's); --momentum 0 (the default) keeps each name's
    # own μ: 0 for sgd, 0.9 for momentum/nesterov
    return by_name(name, lr, momentum or None, clip_norm=clip_norm)


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
    from .. import schedules
    from ..callbacks import EarlyStopping, LRScheduler

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


def _output_activation(args: argparse.Namespace) -> str | None:
    """The output layer's activation, if the command line names it: written after the last
    layer of --layers, or --output-activation (not both). --layers writes every other
    activation in its SPEC, and its dropout, so --activation and --dropout go with --hidden."""
    if args.layers is None:
        return args.output_activation
    if args.activation is not None:
        raise CLIError(
            "--activation is for the layers of --hidden; with --layers, write each layer's "
            "activation after it, e.g. conv:16:3,relu"
        )
    if args.dropout:
        raise CLIError(
            "--dropout is for the layers of --hidden; with --layers, write dropout:P after the "
            "layer it applies to, e.g. dense:128,relu,dropout:0.2"
        )
    last = args.layers[-1]
    if last.activation and args.output_activation:
        raise CLIError(
            f"--layers sets the output layer's activation ({last.activation}, token "
            f"{last.activation_at}) and so does --output-activation {args.output_activation}; "
            "keep one"
        )
    return last.activation or args.output_activation


def _mpi_world() -> Any:
    """The MPI communicator when ``mpiexec -n N`` (N > 1) started this command, else ``None``."""
    from .. import distributed

    size = distributed.launched()
    if size == 1:
        return None
    try:
        return distributed.world()
    except ImportError:
        raise CLIError(
            f"glassnet train was started by an MPI launcher with {size} ranks, but mpi4py is "
            f"not installed: {distributed.INSTALL_HINT}; or run glassnet train alone"
        ) from None


def run_train(args: argparse.Namespace) -> int:
    """``glassnet train``: train, print the test scores, save the model with its data record.

    Started by ``mpiexec -n N`` (the ``mpi`` extra installed), it trains data-parallel: every
    rank reads the data and keeps its contiguous shard of the training rows, and the run equals
    ``glassnet train`` alone; rank 0 alone prints and saves. A failure on any rank ends them all.
    """
    comm = _mpi_world()
    if comm is None:
        return _train(args, None)
    with abort_on_error(comm, brief=(CLIError, ValueError, OSError), code=2):
        return _train(args, comm)


def _train(args: argparse.Namespace, comm: Any) -> int:
    from ..scaling import train_test_split

    rank = 0 if comm is None else comm.Get_rank()
    if rank:  # one rank prints and saves
        args.quiet, args.no_save, args.diagnose = True, True, False

    # a path that cannot be written fails now, not after the last epoch
    model_path = (
        None if args.no_save or not args.output else writable_file(args.output, "the model")
    )
    named_output = _output_activation(args)  # a mistake in the options fails before the data loads
    data = load_data(args)
    X, y = data.X_train, data.y_train
    classification = data.task == "classification"
    validation = None
    if args.val_fraction > 0:
        X, X_val, y, y_val = train_test_split(X, y, test_fraction=args.val_fraction, seed=args.seed)
        validation = (X_val, y_val)
    n_out = int(data.n_classes) if classification else 1
    hidden = args.activation or "sigmoid"
    output = named_output or hidden
    if classification and n_out == 2 and args.cost != "cross_entropy" and output != "softmax":
        n_out = 1  # one sigmoid neuron for two classes, as the tutorial would draw it
    sizes = [X.shape[1], *args.hidden, n_out]
    layers = None
    if args.layers is not None:
        layers = build_layers(
            args.layers,
            X.shape[1],
            data.image_shape,
            n_out,
            output,
            args.init,
            data.name,
            data.sequence_shape,
        )
    optimizer = make_optimizer(args.optimizer, args.lr, args.momentum, args.clip_norm)
    rows = max(
        min(args.batch_size, len(X)), len(data.X_test), len(validation[0]) if validation else 0
    )
    if layers is None:
        check_memory(sizes, args.dtype, optimizer, rows)
    else:
        hint = "choose fewer filters, neurons or layers in --layers (or pool earlier)"
        check_memory(sizes, args.dtype, optimizer, rows, hint=hint, layers=layers)
    if model_path is None and not args.no_save:
        model_path = writable_file(f"glassnet-{data.name}.safetensors", "the model")
    if layers is not None:
        net = Network(
            layers, cost=args.cost, seed=args.seed, dtype=args.dtype, l2=args.l2, l1=args.l1
        )
    else:
        net = Network.from_sizes(
            sizes,
            activation=hidden,
            cost=args.cost,
            output_activation=output,
            seed=args.seed,
            # the tutorial's "small random number" for its sigmoid network; else the
            # activation's own
            init=args.init or ("small" if hidden == "sigmoid" else None),
            dtype=args.dtype,
            l2=args.l2,
            l1=args.l1,
            dropout=args.dropout,
        )
    control = _training_control(args, optimizer, validation is not None)
    if not args.quiet:
        print(f"glassnet {__version__}: training {net}")
        if layers is not None:
            print(net.summary())
        print(
            f"data: {data.name}, {len(X)} training samples"
            + (f", {len(validation[0])} for validation" if validation else "")
            + f", {len(data.X_test)} test samples; optimizer {optimizer}; "
            f"{args.epochs} epochs of mini-batches of {args.batch_size}"
            + (f", data-parallel over {comm.Get_size()} MPI ranks" if comm else "")
        )
    from ..diagnosis import TrainingMonitor, diagnose

    monitor = TrainingMonitor() if args.diagnose else None
    start = time.perf_counter()
    # with MPI ranks, each keeps its contiguous shard of the training rows: laid end to end in
    # rank order the shards are X, so the run equals one process's
    part = slice(None) if comm is None else shard(len(X), rank, comm.Get_size())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a divergence is reported below
        history = net.fit(
            X[part],
            y[part],
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=optimizer,
            validation_data=validation,
            seed=args.seed,
            verbose=0,
            callbacks=control + _callbacks(args) + ([monitor] if monitor else []),
            comm=comm,
            sharded=True,
            threads=args.threads,
        )
    seconds = time.perf_counter() - start
    if rank:  # the other ranks' part is done: rank 0 reports and saves
        return 0
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
        from ..io import save

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
