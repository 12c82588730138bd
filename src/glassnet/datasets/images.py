"""Image files (PNG, JPEG, …) as rows of grey values, the way the image data sets store them.

:func:`read_images` reads one image or every image in a folder, makes each greyscale (0 black …
255 white) and resizes it to a given (height, width), one flattened row per image. Reading
needs Pillow (``pip install 'glassnet[cli]'``); it is imported only here, when images are read.

MNIST, Fashion-MNIST and scikit-learn's digits are light on dark: white strokes or clothes on
black. A photo or scan of a dark thing on white paper needs ``invert=True``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["IMAGE_SUFFIXES", "read_images", "square_image_shape"]

#: The file suffixes :func:`read_images` reads (in any case: ``.PNG`` too).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def square_image_shape(n_features: int) -> tuple[int, int] | None:
    """(side, side) when ``n_features`` pixels make a square image, else None.

    What glassnet assumes of images whose shape nobody recorded: 784 inputs are 28×28, 64 are
    8×8; 10 inputs are no image (the caller says what to give instead).

    Example:
        >>> from glassnet.datasets.images import square_image_shape
        >>> square_image_shape(784), square_image_shape(10)
        ((28, 28), None)
    """
    side = math.isqrt(n_features) if n_features > 0 else 0
    return (side, side) if side > 0 and side * side == n_features else None


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a folder or a file with an image suffix (what read_images reads)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in IMAGE_SUFFIXES


def read_images(
    path: str | os.PathLike[str], shape: tuple[int, int], *, invert: bool = False
) -> tuple[list[str], NDArray[np.float64]]:
    """The image ``path``, or every image in the folder ``path``, as rows of grey values.

    Args:
        path: an image file, or a folder whose image files (by :data:`IMAGE_SUFFIXES`, other
            files are skipped) are read in the order of their names.
        shape: (height, width) every image is resized to (Lanczos), e.g. (28, 28).
        invert: dark on light made light on dark (255 − grey), like MNIST.

    Returns:
        The file names, and an array of shape (number of images, height × width) of grey values
        0..255 (float64), row by row as the IDX files store them.

    Raises:
        ImportError: Pillow is not installed; the message says how to install it.
        ValueError: an image cannot be read (the message names it and says why), or the
            folder holds no images.
        FileNotFoundError: ``path`` does not exist.

    Example:
        >>> import tempfile, numpy as np
        >>> from PIL import Image
        >>> folder = tempfile.TemporaryDirectory()
        >>> Image.fromarray(np.full((56, 56), 255, dtype=np.uint8)).save(f"{folder.name}/w.png")
        >>> names, grey = read_images(folder.name, (28, 28))
        >>> names, grey.shape, float(grey.max())
        (['w.png'], (1, 784), 255.0)
        >>> folder.cleanup()
    """
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImportError(
            "reading images needs Pillow: pip install 'glassnet[cli]' (or pip install pillow)"
        ) from None
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
        if not files:
            raise ValueError(f"the folder {str(p)!r} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    elif p.is_file():
        files = [p]
    else:
        raise FileNotFoundError(f"no image or folder at {str(p)!r}")
    height, width = shape
    rows = []
    for f in files:
        problem: Any = None
        try:
            with Image.open(f) as image:
                grey = image.convert("L")
            if grey.size != (width, height):
                grey = grey.resize((width, height), Image.Resampling.LANCZOS)
            rows.append(np.asarray(grey, dtype=np.float64).reshape(-1))
        except UnidentifiedImageError:
            problem = "it is not in an image format Pillow knows (PNG, JPEG, …)"
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            problem = " ".join(str(exc).split()) or type(exc).__name__
        if problem is not None:
            raise ValueError(f"cannot read {str(f)!r} as an image: {problem}")
    grey_values = np.stack(rows)
    return [f.name for f in files], 255.0 - grey_values if invert else grey_values
