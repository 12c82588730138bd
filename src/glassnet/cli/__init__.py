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

The modules, in the order a command runs through them:

* :mod:`~glassnet.cli.parser`: the options of every command, and :func:`main`, the entry point
* :mod:`~glassnet.cli.arguments`: the help layout, one-line mistakes, and each option's type
* :mod:`~glassnet.cli.common`: :class:`CLIError`, output paths, the memory check, loading a model
* :mod:`~glassnet.cli.data`: a data set by name, or exactly the data a saved model was made with
* :mod:`~glassnet.cli.train`, :mod:`~glassnet.cli.predict`, :mod:`~glassnet.cli.inspection`
  (evaluate, info, explain, plot): what each command does
"""

from __future__ import annotations

from .common import CLIError
from .parser import build_parser, main

__all__ = ["CLIError", "build_parser", "main"]
