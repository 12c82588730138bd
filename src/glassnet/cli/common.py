"""Helpers every ``glassnet`` command shares: one-sentence mistakes, output paths, memory, models.

* :class:`CLIError`: a user mistake, printed as one sentence with exit status 2.
* :func:`writable_file`: an output path checked before long work, so that a typo fails at once.
* :func:`check_memory`: a network too large to train on this machine refused before it is made.
* :func:`load_model`: a saved model and its metadata, or one sentence saying how to make one.
* :func:`say`: the notes a command prints once it has succeeded.

The lab's command (:mod:`glassnet.lab.command`) uses them too.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..layers import Layer
from ..network import Network
from ..optimizers import Optimizer

__all__ = ["CLIError", "check_memory", "load_model", "say", "writable_file"]


class CLIError(Exception):
    """A user mistake: printed as one sentence, exit status 2.

    Example:
        >>> import contextlib, io
        >>> from glassnet.cli import CLIError, main
        >>> from glassnet.cli.common import load_model
        >>> try:
        ...     load_model("none.npz")
        ... except CLIError as mistake:
        ...     print(mistake)
        no model file at 'none.npz'; train one with: glassnet train --output none.npz
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):  # the command line prints it, no traceback
        ...     status = main(["info", "none.npz"])
        >>> status, err.getvalue().startswith("glassnet: error: no model file at")
        (2, True)
    """


def writable_file(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a Path, or a ValueError unless a file can be written there *now*.

    Checked before long work (training, drawing) so that a typo in an output path fails at once,
    not at the end: the folder must exist and be writable, and the path must not be a folder or
    another non-regular file (a device, a pipe), which an atomic save would replace.

    Example:
        >>> from glassnet.cli.common import writable_file
        >>> writable_file(".", "the model")
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


def check_memory(
    sizes: Sequence[int],
    dtype: str,
    optimizer: Optimizer,
    rows: int,
    copies: int = 0,
    hint: str = "choose smaller --hidden layers",
    layers: Sequence[Layer] | None = None,
) -> None:
    """Refuse a network too large to train here, before a single array is made.

    Training keeps each parameter in the weights, their gradients, fit's copy of the last sound
    weights, each of the optimizer's buffers and the optimizer's scratch space (plus ``copies``
    more, e.g. the lab's recorded path), and holds z, a, δ and scratch for ``rows`` samples in
    every layer. Above half of this machine's memory, that is a mistake, not a plan. The
    network is the Dense one of ``sizes``, or ``layers`` (not yet built) where given.

    Example:
        >>> from glassnet.cli.common import check_memory
        >>> from glassnet.optimizers import SGD
        >>> check_memory([784, 30, 10], "float32", SGD(0.1), rows=10)    # a few hundred kB
        >>> check_memory([1, 10**7, 10**7, 1], "float64", SGD(0.1), rows=10)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        glassnet.cli.common.CLIError: a 1-10000000-10000000-1 network would need about ...
    """
    name = f"a {'-'.join(map(str, sizes))} network"
    params = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    units = sum(sizes[1:])
    if layers is not None:
        name = f"a network of {len(layers)} layers"
        params = sum(math.prod(s) for lay in layers for s in lay.parameter_shapes().values())
        units = sum(math.prod(lay.output_shape) for lay in layers)
    kept = 4 + len(optimizer.buffer_names()) + copies
    need = np.dtype(dtype).itemsize * (params * kept + 4 * rows * units)
    total, limit = _memory_limit()
    if need > limit:
        raise CLIError(
            f"{name} would need about {need / 2**30:,.0f} GiB to "
            f"train ({params:,} weights and biases in {dtype}, each kept {kept} times: weights, "
            f"gradients, optimizer buffers{', recorded steps' if copies else ''}), more than "
            f"half of this machine's {total / 2**30:,.0f} GiB; {hint}"
        )


def load_model(path: str) -> tuple[Network, dict[str, str]]:
    """The network saved at ``path`` and its file's metadata (see :func:`glassnet.io.save`).

    A missing file is a CLIError that says how to make one; a file that is not a model is the
    reader's own ValueError.

    Example:
        >>> from glassnet.cli.common import load_model
        >>> load_model("no-such-model.safetensors")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        glassnet.cli.common.CLIError: no model file at 'no-such-model.safetensors'; train one ...
    """
    from ..io import load_with_metadata

    if not Path(path).exists():
        raise CLIError(f"no model file at {path!r}; train one with: glassnet train --output {path}")
    # (a folder, a FIFO or a device is refused by the reader itself, in its own words)
    return load_with_metadata(path)


def say(notes: list[str]) -> None:
    """Print each note (one line on stderr about what a command did differently from what one
    might assume); called once a command has succeeded, so that a mistake stays one sentence."""
    for text in notes:
        print(f"glassnet: {text}", file=sys.stderr)
