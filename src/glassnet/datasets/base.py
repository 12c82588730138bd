"""The container every glassnet loader returns, and the error for data that is not there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .preparation import Preparation

__all__ = ["Dataset", "DatasetNotFoundError"]


class DatasetNotFoundError(FileNotFoundError, ValueError):
    """The files of a data set are not where glassnet looked; the message says how to get them.

    It is a ``FileNotFoundError`` (files are missing) and a ``ValueError`` (so that code which
    reports bad user input, such as the command line, reports this too).

    >>> [issubclass(DatasetNotFoundError, t) for t in (FileNotFoundError, ValueError)]
    [True, True]
    """


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A data set split into training and test samples, one sample per row.

    Attributes:
        X_train, X_test: the inputs a^(0), shape (m, n_0) (or (m, *image_shape) when a loader
            is asked not to flatten images); float32 unless a loader was given another dtype.
        y_train, y_test: integer class labels 0..K−1 (np.int64) for classification, or float
            targets for regression.
        classes: the name of each class, ``classes[label]``; ``None`` for regression.
        name: the data set's name, as :func:`glassnet.datasets.load` knows it.
        image_shape: the (height, width) of each sample when the samples are images, else None.
        sequence_shape: (T, n_in) when each sample is a sequence of T steps of n_in numbers
            (the rows then hold them step by step: ``X.reshape(-1, *sequence_shape)``); else
            None.
        source: where the data came from (a directory, "scikit-learn", "generated").
        description: one line about the data.
        preparation: how the data was made and scaled (:class:`~glassnet.datasets.Preparation`):
            enough to make the same split again and to scale new raw data the same way; set by
            every glassnet loader, None for a Dataset made by hand.

    Example:
        >>> import numpy as np
        >>> ds = Dataset(np.zeros((3, 2)), np.array([0, 1, 0]), np.ones((1, 2)), np.array([1]),
        ...              classes=("no", "yes"), name="tiny")
        >>> ds
        Dataset('tiny', classification, 2 classes, train (3, 2) float64, test (1, 2) float64)
        >>> ds.n_features, ds.n_classes, ds.classes[ds.y_test[0]]
        (2, 2, 'yes')
    """

    X_train: NDArray[Any]
    y_train: NDArray[Any]
    X_test: NDArray[Any]
    y_test: NDArray[Any]
    classes: tuple[str, ...] | None
    name: str
    image_shape: tuple[int, ...] | None = None
    sequence_shape: tuple[int, int] | None = None
    source: str = ""
    description: str = ""
    preparation: Preparation | None = None

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
                raise ValueError(
                    f"data set {self.name!r}: X_{split} must have one row per sample and y_{split} "
                    f"one label per sample; got shapes {X.shape} and {y.shape}"
                )
        if self.X_train.shape[1:] != self.X_test.shape[1:]:
            raise ValueError(
                f"data set {self.name!r}: training samples have shape {self.X_train.shape[1:]} "
                f"but test samples {self.X_test.shape[1:]}; they must match"
            )

    @property
    def task(self) -> str:
        """``"classification"`` (there are class names) or ``"regression"``."""
        return "regression" if self.classes is None else "classification"

    @property
    def n_train(self) -> int:
        """The number of training samples."""
        return len(self.X_train)

    @property
    def n_test(self) -> int:
        """The number of test samples."""
        return len(self.X_test)

    @property
    def n_features(self) -> int:
        """The number of input values per sample, n_0 (pixels for images)."""
        return math.prod(self.X_train.shape[1:])

    @property
    def n_classes(self) -> int | None:
        """The number of classes K, the output layer's n_L for classification; None otherwise."""
        return None if self.classes is None else len(self.classes)

    def __repr__(self) -> str:
        kind = self.task if self.classes is None else f"{self.task}, {len(self.classes)} classes"
        return (
            f"Dataset({self.name!r}, {kind}, train {self.X_train.shape} {self.X_train.dtype}, "
            f"test {self.X_test.shape} {self.X_test.dtype})"
        )


def class_names(labels: NDArray[np.int64]) -> tuple[str, ...]:
    """``("0", "1", …)`` up to the largest label, for data sets whose classes have no names."""
    top = int(labels.max()) if labels.size else -1
    return tuple(str(i) for i in range(top + 1))
