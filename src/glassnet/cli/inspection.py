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

from ..layers import Dense
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


def _layer_words(net: Network) -> str:
    """``1 Reshape, 2 Conv2D, 3 MaxPool2D, …``: each layer's number and type."""
    return ", ".join(f"{l} {type(layer).__name__}" for l, layer in enumerate(net.layers, 1))


def _check_explainable(args: argparse.Namespace, net: Network) -> None:
    """What ``explain`` asks of a network with layers other than Dense (a convolutional one),
    refused in one sentence where the tutorial's indices do not fit: --weight l,j,k and
    --bias l,j explain a Dense layer's w_jk and any layer's b_j; the forward equation of a
    neuron, ∂C/∂a and the ledger speak of Dense layers only. Python's gn.explain_parameter
    explains any number of any layer."""
    from ..layers import Dense

    if all(isinstance(layer, Dense) for layer in net.layers):
        return
    anything = (
        "gn.explain_parameter(net, X, Y, l, name, index) explains any parameter of any layer, "
        "in Python"
    )
    asked = args.weight or args.bias
    if asked is None:
        option = "--ledger" if args.ledger else "--neuron" if args.neuron else "--activation"
        raise CLIError(
            f"{option} explains networks of Dense layers only, and {args.model} has others "
            f"(layers {_layer_words(net)}); --weight l,j,k and --bias l,j explain its Dense "
            f"layers' weights and its biases, and {anything}"
        )
    l = asked[0] + net.L + 1 if -net.L <= asked[0] < 0 else asked[0]
    if not 1 <= l <= net.L:
        return  # explain says which layers there are
    layer = net.layers[l - 1]
    name, ndim = ("W", 2) if args.weight else ("b", 1)
    shapes = {n: p.shape for n, p in layer.parameters().items()}
    if name in shapes and len(shapes[name]) == ndim:
        return
    have = (
        "has no parameters"
        if not shapes
        else "holds " + ", ".join(f"{n} of shape {shape}" for n, shape in shapes.items())
    )
    index = ", ".join("0" for _ in shapes.get(name, (0, 0)))
    example = f' (here: gn.explain_parameter(net, X, Y, {l}, "{name}", ({index})))'
    raise CLIError(
        f"layer {l} of {args.model} is a {type(layer).__name__} layer, which {have}; "
        f"--{'weight l,j,k' if args.weight else 'bias l,j'} explains "
        + ("a Dense layer's weight w^(l)_jk" if args.weight else "a bias b^(l)_j")
        + f"; {anything}"
        + (example if name in shapes else f"; its layers: {_layer_words(net)}")
    )


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
    _check_explainable(args, net)
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


#: the pictures that know only fully connected layers, and what they draw
_DENSE_ONLY = {
    "network": "draws every neuron and weight of a network of Dense layers",
    "backward": "draws the backward pass through a network of Dense layers",
    "weights": "draws the first layer's weights as images, for a network of Dense layers",
}


def run_plot(args: argparse.Namespace) -> int:
    """``glassnet plot MODEL``: one picture of the model, saved to an image file."""
    from .. import plots

    try:
        plots.require_matplotlib()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    net, meta = load_model(args.model)
    if args.kind in _DENSE_ONLY and not all(isinstance(layer, Dense) for layer in net.layers):
        raise CLIError(
            f"a {args.kind} picture {_DENSE_ONLY[args.kind]}, and {args.model} has other "
            f"layers ({_layer_words(net)}); choose --kind gradients, activations or history"
        )
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
