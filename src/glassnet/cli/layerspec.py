"""``glassnet train --layers SPEC``: a network written on the command line, token by token.

SPEC is a comma-separated list read left to right, the input side first, like PyTorch's
``nn.Sequential``: each layer is a token, and an activation or a dropout written after a layer
belongs to that layer::

    conv:16:3,relu,maxpool:2,conv:32:3,relu,maxpool:2,flatten,dense:128,relu,dense
    rnn:32,dense,identity

=====================================  =========================================================
token                                  layer
=====================================  =========================================================
``conv:OUT:K[:STRIDE[:PADDING]]``      Conv2D: OUT filters of K×K (in_channels: from before)
``maxpool:K[:STRIDE]`` (``pool:K``)    MaxPool2D, stride K unless given
``avgpool:K[:STRIDE]``                 AvgPool2D
``bn`` (``batchnorm``)                 BatchNorm of the features or channels before it
``flatten``                            Flatten: images to flat rows, before the first dense
``dense:N``                            Dense of N neurons; the last may be plain ``dense``
                                       (one neuron per class, or per target, from the data)
``rnn:H[:seq]``                        RNN of H neurons (n_in: from before), passing on its last
                                       state h_T, or with ``:seq`` every h_t (for another rnn,
                                       or flatten)
``dropout:P``                          dropout probability P of the conv or dense layer before
``relu``, ``tanh``, ``sigmoid``, …     the activation σ of the conv, dense or bn layer before;
                                       after rnn, the σ of its every step
=====================================  =========================================================

A layer with no activation after it has none (the identity), as in ``nn.Sequential``, except
an rnn, whose steps use tanh unless an activation follows (as ``nn.RNN``: ``rnn:32,relu``); the last
layer's activation is the one written after it, else ``--output-activation`` (sigmoid by
default, as for ``--hidden``). On image data (the digits, Fashion-MNIST, …) a network whose
first layer is a convolution or a pooling starts with ``Reshape((1, H, W))``, so that the saved
model takes the same flat rows of pixels as any other. Likewise a network whose first layer is
an rnn starts with ``Reshape((T, n_in))`` on sequence data (the adding problem, parity, …: the
data set's ``sequence_shape``), and on images with ``Reshape((H, W))``: it reads an image row
by row, H steps of W pixels.

Reading is in two steps: :func:`parse_layers` checks the text alone (when the options are read),
:func:`build_layers` makes the layers for the data's shape. Every mistake is one sentence that
names the token, its position and the grammar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..layers import Dense, Layer
from .common import CLIError

__all__ = ["GRAMMAR", "LayerToken", "build_layers", "parse_layers"]

#: the layer tokens: canonical name → (how it is written, the names of its numbers, how many of
#: them are required)
_FIELDS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "conv": ("conv:OUT:K[:STRIDE[:PADDING]]", ("OUT", "K", "STRIDE", "PADDING"), 2),
    "maxpool": ("maxpool:K[:STRIDE]", ("K", "STRIDE"), 1),
    "avgpool": ("avgpool:K[:STRIDE]", ("K", "STRIDE"), 1),
    "bn": ("bn", (), 0),
    "flatten": ("flatten", (), 0),
    "dense": ("dense:N, or plain dense for the last", ("N",), 0),
    "rnn": ("rnn:H or rnn:H:seq", ("H",), 1),
}
_ALIASES = {"pool": "maxpool", "batchnorm": "bn"}
#: the layers that take an activation, and those that take dropout
_ACTIVATED = ("conv", "dense", "bn", "rnn")
_DROPPED = ("conv", "dense")
_IMAGES = ("conv", "maxpool", "avgpool")


def _grammar() -> str:
    from ..activations import ACTIVATIONS

    return (
        "SPEC is comma-separated tokens, input side first: conv:OUT:K[:STRIDE[:PADDING]], "
        "maxpool:K[:STRIDE] (or pool:K), avgpool:K[:STRIDE], bn (or batchnorm), flatten, "
        "dense:N (the last may be plain dense: its size from the data), rnn:H[:seq], "
        f"dropout:P, or an activation ({', '.join(ACTIVATIONS)}) for the layer before it; "
        'e.g. --layers "conv:8:3,relu,maxpool:2,flatten,dense:64,relu,dense" or '
        '"rnn:32,dense,identity"'
    )


#: the grammar, as the help and every mistake say it
GRAMMAR = _grammar()


@dataclass
class LayerToken:
    """One layer of SPEC: its token (``text`` at 1-based ``position``), its kind (``conv``,
    ``maxpool``, ``avgpool``, ``bn``, ``flatten``, ``dense``, ``rnn``), its numbers, and the
    activation and dropout written after it (and where the activation was written, for
    messages); ``sequences`` for ``rnn:H:seq``."""

    position: int
    text: str
    kind: str
    numbers: tuple[int, ...]
    activation: str | None = None
    activation_at: int = 0
    dropout: float = 0.0
    sequences: bool = False

    def where(self) -> str:
        """``token 3 'conv:8:3'``, as a message names it."""
        return f"token {self.position} {self.text!r}"


def _mistake(position: int, text: str, problem: str) -> ValueError:
    return ValueError(f"--layers token {position} {text!r} {problem}; {GRAMMAR}")


def _whole(text: str, field: str, position: int, token: str, low: int) -> int:
    if not (text.isascii() and text.isdigit() and int(text) >= low):
        raise _mistake(position, token, f"needs a whole number >= {low} for {field}, got {text!r}")
    return int(text)


def _probability(text: str, position: int, token: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise _mistake(position, token, f"needs a probability 0 <= P < 1, got {text!r}")
    return value


def parse_layers(spec: str) -> list[LayerToken]:
    """The layers SPEC writes, each with the activation and dropout written after it; a
    ValueError naming the token if the text is not SPEC (the data's shape is checked later, by
    :func:`build_layers`).

    Example:
        >>> from glassnet.cli.layerspec import parse_layers
        >>> [(t.kind, t.numbers, t.activation) for t in parse_layers("conv:8:3:1:1,relu,pool:2")]
        [('conv', (8, 3, 1, 1), 'relu'), ('maxpool', (2,), None)]
        >>> parse_layers("dense:64,relu,dropout:0.2,dense")[0].dropout
        0.2
        >>> [(t.kind, t.numbers, t.sequences) for t in parse_layers("rnn:16:seq,rnn:8,dense")]
        [('rnn', (16,), True), ('rnn', (8,), False), ('dense', (), False)]
        >>> parse_layers("dense:x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: --layers token 1 'dense:x' needs a whole number >= 1 for N, got 'x'; SPEC is ...
    """
    from ..activations import ACTIVATIONS

    if not spec.strip():
        raise ValueError(f"--layers needs at least one layer; {GRAMMAR}")
    layers: list[LayerToken] = []
    before: str | None = None  # the token just before: "layer", "activation", "dropout"
    for position, raw in enumerate(spec.split(","), start=1):
        text = raw.strip()
        if not text:
            raise ValueError(
                f"--layers token {position} is empty (two commas in a row, or a comma at the "
                f"end); {GRAMMAR}"
            )
        head, *fields = text.lower().split(":")
        kind = _ALIASES.get(head, head)
        sequences = kind == "rnn" and len(fields) == 2 and fields[1] == "seq"
        if sequences:
            fields = fields[:1]
        if kind in _FIELDS:
            usage, names, required = _FIELDS[kind]
            if not required <= len(fields) <= len(names):
                got = f"{len(fields)} number{'' if len(fields) == 1 else 's'}"
                raise _mistake(position, text, f"has {got} after {head}; write {usage}")
            numbers = tuple(
                _whole(value, name, position, text, low=0 if name == "PADDING" else 1)
                for name, value in zip(names, fields, strict=False)
            )
            layers.append(LayerToken(position, text, kind, numbers, sequences=sequences))
            before = "layer"
            continue
        if kind not in ("dropout", *ACTIVATIONS):
            raise _mistake(position, text, "is neither a layer nor an activation")
        if not layers:
            raise _mistake(position, text, "has no layer before it to apply to; start with a layer")
        layer = layers[-1]
        if kind == "dropout":
            if len(fields) != 1:
                raise _mistake(position, text, f"takes 1 number (dropout:P), got {len(fields)}")
            if layer.kind not in _DROPPED:
                raise _mistake(
                    position, text, f"follows {layer.text}; dropout is for conv and dense layers"
                )
            if before == "dropout":
                raise _mistake(position, text, f"is a second dropout for {layer.where()}")
            layer.dropout = _probability(fields[0], position, text)
            before = "dropout"
            continue
        if fields:
            raise _mistake(position, text, f"takes no numbers: write {head}")
        if layer.kind not in _ACTIVATED:
            raise _mistake(
                position,
                text,
                f"follows {layer.text}, which has no activation; put it right after the conv, "
                "dense, bn or rnn layer",
            )
        if layer.kind == "rnn" and kind == "softmax":
            raise _mistake(
                position, text, f"follows {layer.text}, whose steps need an elementwise σ such as "
                "tanh or relu; put softmax on the last dense",
            )  # fmt: skip
        if layer.activation is not None:
            raise _mistake(
                position,
                text,
                f"is a second activation for {layer.where()}, which already has "
                f"{layer.activation} (token {layer.activation_at})",
            )
        layer.activation, layer.activation_at = kind, position
        before = "activation"
    return layers


def _size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def build_layers(
    tokens: list[LayerToken],
    n_features: int,
    image_shape: tuple[int, ...] | None,
    n_out: int,
    output_activation: str,
    init: str | None = None,
    data_name: str = "the data",
    sequence_shape: tuple[int, int] | None = None,
) -> list[Layer]:
    """The layers of SPEC's ``tokens`` for samples of ``n_features`` numbers (images of
    ``image_shape`` (H, W), sequences of ``sequence_shape`` (T, n_in), or neither: None),
    ending in ``n_out`` outputs with ``output_activation`` unless SPEC names the last layer's;
    ``init`` for every conv, dense and rnn layer (None: each activation's own). A CLIError
    naming the token if a layer does not fit.

    Example:
        >>> from glassnet.cli.layerspec import build_layers, parse_layers
        >>> build_layers(parse_layers("dense:30,relu,dense"), 64, None, 10, "sigmoid")
        [Dense(64, 30, activation=relu), Dense(30, 10, activation=sigmoid)]
        >>> build_layers(parse_layers("rnn:8,dense"), 100, None, 1, "identity",
        ...              sequence_shape=(50, 2))
        [Reshape((50, 2)), RNN(2, 8, activation=tanh), Dense(8, 1, activation=identity)]
    """
    from .. import layers as glassnet_layers

    def mistake(token: LayerToken, problem: str) -> CLIError:
        return CLIError(f"--layers {token.where()} {problem}; {GRAMMAR}")

    last = tokens[-1]
    if last.kind != "dense":
        raise mistake(
            last,
            "ends the network, but the last layer must be dense: write dense (its size comes "
            "from the data) at the end",
        )
    stack: list[Layer] = []
    shape: tuple[int, ...] = (n_features,)
    first = next((t for t in tokens if t.kind in (*_IMAGES, "flatten", "dense", "rnn")), last)
    if first.kind == "rnn":
        steps = sequence_shape or image_shape  # an image is read row by row: H steps of W
        if steps is None or len(steps) != 2 or math.prod(steps) != n_features:
            raise mistake(
                first,
                f"needs sequences, but the samples of {data_name} are rows of {n_features} "
                "numbers, not sequences or images; use dense layers, or a sequence data set "
                "such as adding",
            )
        stack.append(glassnet_layers.Reshape(steps))
        shape = stack[0].output_shape
    elif first.kind in _IMAGES:
        if image_shape is None or math.prod(image_shape) != n_features:
            raise mistake(
                first,
                f"needs images, but the samples of {data_name} are rows of {n_features} "
                "numbers, not images; use dense layers",
            )
        stack.append(glassnet_layers.Reshape((1, *image_shape)))
        shape = stack[0].output_shape
    for token in tokens:
        output = token is last
        activation = token.activation or (output_activation if output else "identity")
        if token.activation == "softmax" and not output:
            raise mistake(token, "has softmax, which is for the output layer (the last dense)")
        if output and token.dropout:
            raise mistake(
                token,
                f"is the output layer, and dropout {token.dropout:g} would switch off the "
                "network's answers; put dropout on hidden layers only",
            )
        if token.kind in _IMAGES and len(shape) != 3:
            raise mistake(
                token,
                f"needs images (C×H×W), but gets flat rows of {_size(shape)} numbers; "
                "convolutions and pooling come before flatten and dense",
            )
        if token.kind == "rnn" and len(shape) != 2:
            raise mistake(
                token,
                f"needs sequences (T×n_in), but gets inputs of shape {_size(shape)}; an rnn "
                "comes first, or after an rnn:H:seq",
            )
        if token.kind == "dense" and len(shape) != 1:
            what = "sequences" if len(shape) == 2 else "images"
            raise mistake(
                token, f"gets {what} of {_size(shape)}; put flatten before it (flat rows)"
            )
        n = token.numbers
        layer: Layer
        try:
            if token.kind == "conv":
                layer = glassnet_layers.Conv2D(
                    shape[0], n[0], n[1], *n[2:], activation=activation, init=init,
                    dropout=token.dropout,
                )  # fmt: skip
            elif token.kind in ("maxpool", "avgpool"):
                pool = "MaxPool2D" if token.kind == "maxpool" else "AvgPool2D"
                layer = getattr(glassnet_layers, pool)(*n)
            elif token.kind == "bn":
                layer = glassnet_layers.BatchNorm(shape[0], activation=activation)
            elif token.kind == "flatten":
                layer = glassnet_layers.Flatten()
            elif token.kind == "rnn":
                layer = glassnet_layers.RNN(
                    shape[1], n[0], token.activation or "tanh", token.sequences, init=init
                )
            else:
                if not n and not output:
                    raise mistake(
                        token, "leaves out its size, which only the last dense may; write dense:N"
                    )
                if output and n and n[0] != n_out:
                    raise mistake(
                        token,
                        f"gives {n[0]} outputs, but {data_name} needs {n_out}; write dense (the "
                        f"size comes from the data) or dense:{n_out}",
                    )
                layer = Dense(
                    shape[0], n[0] if n else n_out, activation=activation, init=init,
                    dropout=token.dropout,
                )  # fmt: skip
            layer.connect(shape)
        except ValueError as exc:
            problem = f"gets inputs of shape {_size(shape)} from the layer before, but {exc}"
            raise mistake(token, problem) from None
        stack.append(layer)
        shape = layer.output_shape
    return stack
