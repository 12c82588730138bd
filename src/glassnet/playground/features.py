"""Feature columns and crosses: the inputs a^(0) the network sees, made from a point (x₁, x₂).

TensorFlow Playground's idea: instead of the raw coordinates, a network may get x₁², x₁x₂ or
sin x₁ as inputs, and a straight-line boundary in those features is a curve in the plane. The
page ticks which ones; :func:`make_inputs` builds the columns, for the data and for the grid
of points the heatmaps are drawn on alike.

>>> import numpy as np
>>> make_inputs(np.array([[2.0, 3.0]]), ["x1", "x1^2", "x1x2"]).tolist()
[[2.0, 4.0, 6.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["FEATURES", "Feature", "make_inputs", "usable"]

Array = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Feature:
    """One input column: its label on the page and how it is computed from x = (x₁, x₂)."""

    label: str
    uses: int  # how many coordinates it needs: 1 (x₁ only) or 2
    of: Callable[[Array], Array]


FEATURES: dict[str, Feature] = {
    "x1": Feature("x₁", 1, lambda X: X[:, 0]),
    "x2": Feature("x₂", 2, lambda X: X[:, 1]),
    "x1^2": Feature("x₁²", 1, lambda X: X[:, 0] ** 2),
    "x2^2": Feature("x₂²", 2, lambda X: X[:, 1] ** 2),
    "x1x2": Feature("x₁x₂", 2, lambda X: X[:, 0] * X[:, 1]),
    "sin_x1": Feature("sin x₁", 1, lambda X: np.sin(X[:, 0])),
    "sin_x2": Feature("sin x₂", 2, lambda X: np.sin(X[:, 1])),
}


def usable(names: Sequence[str], n_coordinates: int) -> list[str]:
    """The features of ``names`` that data with ``n_coordinates`` columns can give.

    A 1-D problem (``sine``) has no x₂, so only the x₁ features remain; a problem with more
    than two columns (digits, a wide CSV) takes its columns as they are (an empty list).

    >>> usable(["x1", "x2", "sin_x1"], 1)
    ['x1', 'sin_x1']
    """
    if n_coordinates > 2:
        return []
    chosen = [name for name in names if FEATURES[name].uses <= n_coordinates]
    if not chosen:
        raise ValueError(
            f"none of the features {', '.join(names)} can be made from {n_coordinates} input "
            "column; tick x1, x1^2 or sin_x1"
        )
    return chosen


def make_inputs(X: Array, names: Sequence[str]) -> Array:
    """The network's inputs: one column per feature of ``names``, in that order (X as it is
    when ``names`` is empty)."""
    if not names:
        return X
    return np.column_stack([FEATURES[name].of(X) for name in names]).astype(X.dtype, copy=False)
