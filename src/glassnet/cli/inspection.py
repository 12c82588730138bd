"""The commands that read a saved model: ``evaluate``, ``info``, ``explain`` and ``plot``.

Each prints (or draws) what it computes; the data they read for a model is by default exactly
the data and split it was trained and tested on (see :func:`glassnet.cli.data.model_data`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..network import Network
from .common import CLIError, load_model, say, writable_file
from .data import model_data, preparation_of, recorded_image_shape

__all__ = ["run_evaluate", "run_explain", "run_info", "run_plot"]


def run_evaluate(args: argparse.Namespace) -> int:
    """``glassnet evaluate MODEL``: its loss and accuracy on the test split it was made for."""
    net, meta = load_model(args.model)
    notes: list[str] = []
    data = model_data(args, net, meta, notes)
    if data is None:
        raise CLIError(
            "the model file does not say which data set it was trained on; pass --dataset"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing model scores inf
        scores = net.evaluate(data.X_test, data.y_test)
    say(notes)
    print(
        f"{data.name} test set ({len(data.X_test)} samples): "
        + "  ".join(f"{k} {v:.4f}" for k, v in scores.items())
    )
    return 0


def run_info(args: argparse.Namespace) -> int:
    """``glassnet info MODEL``: layers, shapes, parameter counts and what its file records."""
    net, meta = load_model(args.model)
    print(f"{args.model}: {net}")
    print(net.summary())
    from ..datasets.preparation import Preparation

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
    data = model_data(args, net, meta, notes)
    if data is None:
        raise CLIError("say which samples to explain: pass --x (and --y) or --dataset")
    X = data.X_test.reshape(len(data.X_test), -1)[: args.samples]
    return X, data.y_test[: args.samples]


def run_explain(args: argparse.Namespace) -> int:
    """``glassnet explain MODEL``: one number of the model, or its backward pass, in numbers."""
    from ..explain import (
        backprop_ledger,
        explain_activation,
        explain_bias,
        explain_neuron,
        explain_weight,
    )

    net, meta = load_model(args.model)
    notes: list[str] = []
    X, Y = _explain_data(args, net, meta, notes)
    shown: Any
    if args.neuron is not None:
        shown = explain_neuron(net, X[0], *args.neuron)
    elif args.weight is not None:
        shown = explain_weight(net, X, Y, *args.weight)
    elif args.bias is not None:
        shown = explain_bias(net, X, Y, *args.bias)
    elif args.activation is not None:
        shown = explain_activation(net, X, Y, *args.activation)
    else:
        shown = backprop_ledger(net, X, Y)
    if args.format == "latex" and not hasattr(shown, "latex"):
        raise CLIError("--format latex is for --weight, --bias, --activation and --neuron")
    say(notes)
    if args.format == "json":
        print(json.dumps(shown.to_dict(), ensure_ascii=False, indent=1))
    elif args.format == "latex":
        print(shown.latex())
    else:
        print(shown)
    return 0


def run_plot(args: argparse.Namespace) -> int:
    """``glassnet plot MODEL``: one picture of the model, saved to an image file."""
    from .. import plots

    try:
        plots.require_matplotlib()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    net, meta = load_model(args.model)
    picture = args.output or f"{Path(args.model).stem}-{args.kind}.png"
    output = writable_file(picture, "the picture")
    X = y = history = None
    notes: list[str] = []
    if args.kind in ("boundary", "gradients", "activations", "neurons") or args.sample is not None:
        data = model_data(args, net, meta, notes)
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
        shape=tuple(args.shape)
        if args.shape
        else recorded_image_shape(preparation_of(meta, args.model), net.sizes[0]),
    )
    fig.savefig(output, dpi=args.dpi)
    say(notes)
    print(f"saved the {args.kind} picture to {output}")
    return 0
