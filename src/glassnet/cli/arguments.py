"""The ``glassnet`` command's argument parsing: help layout, one-line mistakes, value types.

:class:`Parser` is argparse's parser with glassnet's help layout (:class:`HelpFormatter`) and
one-line mistakes; the functions below turn one option's text into its value, or raise
argparse.ArgumentTypeError saying what was expected. The lab's command uses them too.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

__all__ = [
    "HelpFormatter",
    "HiddenSizes",
    "Parser",
    "clip_norm",
    "dpi",
    "dropout",
    "fraction",
    "indices",
    "layer_size",
    "layer_spec",
    "non_negative",
    "numbers",
    "positive",
]


class HelpFormatter(argparse.HelpFormatter):
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


class Parser(argparse.ArgumentParser):
    """argparse's parser, with glassnet's help layout and one-line mistakes.

    A bad option value gets one line, ``glassnet train: error: argument --epochs: expected a
    whole number, got 'x' (see glassnet train --help)``, instead of the usage block first.
    Subcommands' parsers are of this class too (argparse makes them of their parent's class).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
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


def layer_spec(text: str) -> list[Any]:
    """A ``--layers`` SPEC: its layers, read by :func:`glassnet.cli.layerspec.parse_layers`."""
    from .layerspec import parse_layers

    try:
        return parse_layers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--layers ")) from None


def data_option(text: str) -> tuple[str, Any]:
    """A ``--data-option KEY=VALUE``: the key and the value, a whole number, a number, true or
    false, or else the text itself.

    Example:
        >>> from glassnet.cli.arguments import data_option
        >>> data_option("T=50"), data_option("noise=0.2"), data_option("flatten=false")
        (('T', 50), ('noise', 0.2), ('flatten', False))
    """
    key, equals, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not equals or not key.isidentifier() or not value:
        raise argparse.ArgumentTypeError(
            f"takes KEY=VALUE, such as T=50 or n_samples=20000, got {text!r}"
        )
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    truth = {"true": True, "false": False}
    return key, truth.get(value.lower(), value)


def positive(kind: type) -> Callable[[str], Any]:
    """A parser of numbers of ``kind`` (int or float) above 0, for ``--epochs``, ``--lr``, ...

    Example:
        >>> from glassnet.cli.arguments import positive
        >>> positive(int)("30"), positive(float)("1.5")
        (30, 1.5)
    """

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


def non_negative(text: str) -> float:
    """A finite number ≥ 0, for the penalties ``--l2`` and ``--l1``."""
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def clip_norm(text: str) -> float:
    """A finite number > 0, for ``--clip-norm``: the most ‖∇C‖₂ a step may use.

    Example:
        >>> from glassnet.cli.arguments import clip_norm
        >>> clip_norm("1.5")
        1.5
    """
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"must be a number > 0 such as 1.0 (the largest gradient norm ‖∇C‖₂ a step may "
            f"use), got {text!r}"
        )
    return value


def dropout(text: str) -> float:
    """A probability 0 ≤ p < 1, for ``--dropout``."""
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


def fraction(text: str) -> float:
    """A fraction in [0, 1), for ``--val-fraction``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def indices(count: int, names: str) -> Callable[[str], tuple[int, ...]]:
    """A parser of ``count`` comma-separated integers, for ``glassnet explain --weight l,j,k``.

    Example:
        >>> from glassnet.cli.arguments import indices
        >>> indices(3, "l,j,k")("-1,0,2")
        (-1, 0, 2)
    """

    def parse(text: str) -> tuple[int, ...]:
        try:
            values = tuple(int(v) for v in text.split(","))
        except ValueError:
            values = ()
        if len(values) != count:
            raise argparse.ArgumentTypeError(f"expected {count} integers {names}, got {text!r}")
        return values

    return parse


def numbers(text: str) -> np.ndarray:
    """Comma-separated numbers as a float64 array, for ``glassnet explain --x`` and ``--y``."""
    try:
        return np.array([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.5,1, got {text!r}") from None


def dpi(text: str) -> int:
    """Dots per inch for ``glassnet plot --dpi``: a whole number 1..MAX_DPI."""
    from ..plots import MAX_DPI

    value = positive(int)(text)
    if value > MAX_DPI:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_DPI} (print quality), got {text}; a larger dpi would need "
            "gigabytes of memory for one picture"
        )
    return int(value)
