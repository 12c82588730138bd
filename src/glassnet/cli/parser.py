"""The ``glassnet`` command's parser and entry point, :func:`main` (``glassnet.cli:main``).

Every command's options, their help and defaults are here; what each command does is in its
own module (:mod:`~glassnet.cli.train`, :mod:`~glassnet.cli.predict`,
:mod:`~glassnet.cli.inspection`, :mod:`glassnet.lab.command`).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..optimizers import OPTIMIZERS
from .arguments import (
    HiddenSizes,
    Parser,
    clip_norm,
    data_option,
    dpi,
    dropout,
    fraction,
    indices,
    layer_size,
    layer_spec,
    non_negative,
    numbers,
    positive,
)
from .common import CLIError
from .inspection import run_evaluate, run_explain, run_info, run_plot
from .layerspec import GRAMMAR
from .predict import run_predict
from .train import run_train

__all__ = ["DESCRIPTION", "SEED_HELP", "build_parser", "main", "run_playground"]


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
    :class:`Parser`).

    Example:
        >>> from glassnet.cli import build_parser
        >>> args = build_parser().parse_args(["train", "--hidden", "30", "--epochs", "5"])
        >>> args.command, args.hidden, args.epochs, args.dataset  # unset options: defaults
        ('train', [30], 5, 'digits')
    """
    from ..activations import ACTIVATIONS
    from ..costs import COSTS
    from ..datasets import available
    from ..init import INITS

    parser = Parser(
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
        "--data-option",
        type=data_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an option of a generated data set's maker, repeatable: e.g. --data-option T=50 "
        "--data-option n_samples=20000 for adding, --data-option noise=0.2 for moons "
        "(glassnet.datasets.load's keyword arguments; default: the maker's own)",
    )
    shape = train.add_mutually_exclusive_group()
    shape.add_argument(
        "--hidden",
        type=layer_size,
        nargs="*",
        action=HiddenSizes,
        default=[30],
        metavar="N",
        help="hidden layer sizes, input side first; input and output sizes come from the "
        "data; --hidden 0 for no hidden layer",
    )
    shape.add_argument(
        "--layers",
        type=layer_spec,
        default=None,
        metavar="SPEC",
        help="instead of --hidden, the network layer by layer (default: none, the network "
        "of --hidden). " + GRAMMAR + ". A layer without an "
        "activation after it has none; the last one's is --output-activation's. On images, a "
        "first conv or pool gets each flat row as a 1×H×W image; a first rnn reads a row as the "
        "data's T steps of n_in numbers (an image: H steps of W pixels)",
    )
    train.add_argument(
        "--activation",
        default=None,
        metavar="NAME",
        help=f"activation σ of the --hidden layers: {', '.join(ACTIVATIONS)} (default: "
        "sigmoid; with --layers, write each layer's activation in SPEC)",
    )
    train.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="activation of the output layer (default: the same as --activation, sigmoid "
        "unless given)",
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
        "tutorial's N(0, 0.1²), for sigmoid --hidden layers; else, and with --layers, each "
        "activation's own: he for relu and its "
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
        type=positive(float),
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
        "--clip-norm",
        type=clip_norm,
        default=None,
        metavar="X",
        help="clip the gradient by its norm: before each step, scale ∇C (all layers together) "
        "by min(1, X / (‖∇C‖₂ + 1e-6)), as torch.nn.utils.clip_grad_norm_ does; for any "
        "--optimizer, and what keeps recurrent networks from exploding (default: no clipping)",
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
        "--l2", type=non_negative, default=0.0, metavar="LAMBDA",
        help="L2 penalty λ₂: adds (λ₂/2) Σ‖W‖² to C",
    )  # fmt: skip
    train.add_argument(
        "--l1", type=non_negative, default=0.0, metavar="LAMBDA",
        help="L1 penalty λ₁: adds λ₁ Σ|w| to C",
    )  # fmt: skip
    train.add_argument(
        "--dropout",
        type=dropout,
        default=0.0,
        metavar="P",
        help="dropout probability of the --hidden layers while training; --layers writes "
        "dropout:P after a layer instead",
    )
    train.add_argument(
        "--patience",
        type=positive(int),
        default=None,
        metavar="EPOCHS",
        help="early stopping: stop when the validation loss has not improved for this many "
        "epochs and keep the best epoch's weights; needs --val-fraction (default: no early "
        "stopping)",
    )
    train.add_argument(
        "--batch-size", type=positive(int), default=10, metavar="M",
        help="samples per mini-batch",
    )  # fmt: skip
    train.add_argument(
        "--epochs", type=positive(int), default=20, metavar="N",
        help="passes over the training data",
    )  # fmt: skip
    train.add_argument(
        "--seed", type=int, default=0,
        help="seeds the starting weights, the shuffling and the split of the data: the same "
        "seed gives the same run",
    )  # fmt: skip
    train.add_argument(
        "--val-fraction",
        type=fraction,
        default=0.0,
        metavar="F",
        help="fraction of the training data held out for validation; 0 holds out none",
    )
    train.add_argument(
        "--threads", type=positive(int), default=None, metavar="N",
        help="threads to train with: the BLAS's for the matrix products, or a convolutional "
        "network's mini-batch split over them (default: chosen per network and batch size, "
        "and 1 when other processes keep the cores busy)",
    )  # fmt: skip
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
    train.set_defaults(run=run_train)

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
    evaluate.set_defaults(run=run_evaluate)

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
    predict.set_defaults(run=run_predict)

    info = sub.add_parser(
        "info",
        help="layers, shapes and parameter counts of a saved model",
        description="Print a saved model's layers, weight shapes, parameter counts and the "
        "facts its file records (data set, ...).",
    )
    info.add_argument("model", help=_MODEL_HELP)
    info.set_defaults(run=run_info)

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
    what.add_argument("--weight", type=indices(3, "l,j,k"), metavar="l,j,k",
                      help="∂C/∂w^(l)_jk: weight to neuron j of layer l from neuron k")  # fmt: skip
    what.add_argument("--bias", type=indices(2, "l,j"), metavar="l,j", help="∂C/∂b^(l)_j")
    what.add_argument("--activation", type=indices(2, "l,k"), metavar="l,k",
                      help="∂C/∂a^(l)_k (l = 0 is the input)")  # fmt: skip
    what.add_argument("--neuron", type=indices(2, "l,j"), metavar="l,j",
                      help="neuron j of layer l's forward equation (first sample)")  # fmt: skip
    what.add_argument("--ledger", action="store_true",
                      help="every layer's partial derivatives, from L back to 1")  # fmt: skip
    explain.add_argument("--x", type=numbers, metavar="V,V,...",
                         help="one input sample (default: test samples of --dataset)")  # fmt: skip
    explain.add_argument("--y", type=numbers, metavar="V[,V...]",
                         help="the target of --x: a class label or the n_L target values "
                         "(default: none, for --neuron)")  # fmt: skip
    explain.add_argument("--dataset", metavar="NAME", help="without --x: test samples of this "
                         "data set (default: the one the model was trained on)")  # fmt: skip
    explain.add_argument("--samples", type=positive(int), default=1, metavar="N",
                         help="how many test samples form the mini-batch")  # fmt: skip
    explain.add_argument("--data-dir", metavar="DIR", help=_MODEL_DATA_DIR_HELP)
    explain.add_argument("--seed", type=int, default=None, help=SEED_HELP)
    explain.add_argument("--format", choices=["text", "latex", "json"], default="text",
                         help="how to print it (latex: for one derivative or neuron)")  # fmt: skip
    explain.set_defaults(run=run_explain)

    from ..plots import KINDS, MAX_DPI

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
        "--samples", type=positive(int), default=1000, metavar="N",
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
        "--shape", type=positive(int), nargs=2, metavar=("H", "W"),
        help="the input images' shape, for weights (default: square)",
    )  # fmt: skip
    plot.add_argument("--dpi", type=dpi, default=120, help=f"dots per inch, 1..{MAX_DPI}")
    plot.set_defaults(run=run_plot)

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
    playground.set_defaults(run=run_playground)

    from ..lab.command import add_parser as add_lab_parser

    add_lab_parser(sub)  # glassnet lab: optimizers on test surfaces, loss landscapes
    return parser


def run_playground(args: argparse.Namespace) -> int:
    """``glassnet playground``: serve the Playground on this computer until interrupted."""
    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port must be 0..65535, got {args.port}")
    if not (math.isfinite(args.idle_minutes) and args.idle_minutes > 0):
        raise CLIError(f"--idle-minutes must be a positive number, got {args.idle_minutes}")
    from ..playground import serve

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Plain ``glassnet`` (no command) prints the help and returns 0, as ``glassnet --help`` does.

    Example:
        ``glassnet info MODEL`` on a network saved a moment ago:

        >>> import contextlib, io, os, tempfile
        >>> import glassnet as gn
        >>> from glassnet.cli import main
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "a.npz")
        >>> gn.save(gn.Network.from_sizes([2, 3, 1], seed=0), path)
        >>> out = io.StringIO()
        >>> with contextlib.redirect_stdout(out):
        ...     status = main(["info", path])
        >>> for line in out.getvalue().splitlines():
        ...     print(line.replace(path, "MODEL"))
        MODEL: Network([2, 3, 1], activations=[sigmoid, sigmoid], cost=quadratic, dtype=float32)
        layer      neurons  activation  W shape  b shape  params
        --------------------------------------------------------
        0 (input)  2        -           -        -        0
        1          3        sigmoid     (3, 2)   (3,)     9
        2          1        sigmoid     (1, 3)   (1,)     4
        cost: quadratic   dtype: float32   parameters: 13
        >>> status  # 0: done; 2: a mistake, said in one line
        0
        >>> os.remove(path); os.rmdir(folder)
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
