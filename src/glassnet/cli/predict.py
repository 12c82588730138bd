"""``glassnet predict``: a saved model's class (or value) for each row of a file, or each image.

Raw inputs are scaled as the model's training data was (its file records how); images are read
as grey pixels in the units of that data. Inputs far outside what the network saw in training,
or raw numbers that look already scaled, are said in one line.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._inputs import as_features
from ..costs import predicted_classes
from ..network import Network
from .common import CLIError, load_model, say
from .data import preparation_of, recorded_image_shape

__all__ = ["run_predict"]


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
    from ..datasets.images import read_images, square_image_shape

    n_in = net.sizes[0]
    if prep is not None:
        shape = recorded_image_shape(prep, n_in)
        if shape is None:
            raise CLIError(
                f"{prep.loader}, the data this model was trained on, is not images; give its "
                f"inputs in a .npy or .csv file, {n_in} numbers per row"
            )
    else:  # no record: a square image, as plot draws an unknown model's weights
        shape = square_image_shape(n_in)
        if shape is None:
            raise CLIError(
                f"the model takes {n_in} inputs and its file records no image shape, so an "
                "image cannot be fed to it; give a .npy or .csv file"
            )
    try:
        names, grey = read_images(path, shape, invert=invert)
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


def run_predict(args: argparse.Namespace) -> int:
    """``glassnet predict MODEL INPUTS``: one line per sample, the class or the value."""
    from ..datasets.images import is_image_path

    net, meta = load_model(args.model)
    prep = preparation_of(meta, args.model)
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
    say(notes)
    text = "\n".join(rows) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0
