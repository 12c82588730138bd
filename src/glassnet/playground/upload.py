"""Your own data: a CSV file from the page, checked and parsed in memory, never written to disk.

The page reads the file in the browser and sends its text over the websocket (so the Guard's
64 KiB bound on a message holds it); :func:`parse_csv` checks it and gives a :class:`Table`,
:func:`split` shuffles it into training and test rows with the setup's seed. The file is
kept in its tab's session only and forgotten when the tab closes.

The format: one sample per line, the feature columns first and the label last, separated by
commas (or semicolons or tabs); an optional header line names the columns. A label column of
whole numbers or words with at most :data:`MAX_CLASSES` distinct values is a classification
(the classes in sorted order), any other column of numbers a regression. The features are
standardised, x ← (x − mean) / std per column, so that any units train alike.

>>> t = parse_csv("x1,x2,label\\n" + "0,0,a\\n1,1,b\\n0,1,b\\n1,0,a\\n" * 5)
>>> t.X.shape, t.classes, t.names
((20, 2), ('a', 'b'), ['x1', 'x2'])
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..datasets import Dataset

__all__ = ["LIMITS", "MAX_CLASSES", "Table", "parse_csv", "split"]

#: what an uploaded file may hold
LIMITS: dict[str, Any] = {"characters": 48 * 1024, "rows": (20, 2000), "features": (1, 16)}
MAX_CLASSES = 10  # the page has ten class colours


@dataclass(frozen=True)
class Table:
    """A checked CSV file: features X (n, d), labels y (class numbers, or targets), names."""

    X: NDArray[np.float64]
    y: NDArray[Any]
    classes: tuple[str, ...] | None  # None: a regression
    names: list[str]
    label: str


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_csv(text: Any) -> Table:
    """Check the text of a CSV file and parse it; a ValueError says the first problem found
    (line and column) and how to fix it."""
    if not isinstance(text, str):
        raise ValueError(f"the CSV file must be sent as text, got {type(text).__name__}")
    most = LIMITS["characters"]
    if len(text) > most:
        raise ValueError(
            f"the CSV file is too large ({len(text):,} characters, at most {most:,}): "
            f"keep at most {LIMITS['rows'][1]} rows and fewer columns"
        )
    if "\0" in text:
        raise ValueError("this is not a text file (it holds NUL bytes): save it as CSV text")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the CSV file is empty: give one sample per line, label last")
    dialect = max(",;\t", key=lines[0].count)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=dialect))
    # a header: a word among the first line's features, or a word label over numeric labels
    first = rows[0]
    header = any(_number(cell) is None for cell in first[:-1]) or (
        _number(first[-1]) is None and all(_number(r[-1]) is not None for r in rows[1:] if r)
    )
    names = [c.strip() for c in rows[0]] if header else []
    body = rows[1:] if header else rows
    width = len(rows[0])
    low_f, high_f = LIMITS["features"]
    if not low_f + 1 <= width <= high_f + 1:
        raise ValueError(
            f"line 1 has {width} column{'s' * (width != 1)}; give {low_f} to {high_f} feature "
            "columns and a label column last, separated by commas"
        )
    low_r, high_r = LIMITS["rows"]
    if not low_r <= len(body) <= high_r:
        raise ValueError(f"the file has {len(body)} samples; give {low_r} to {high_r} rows")
    X = np.empty((len(body), width - 1))
    labels = []
    for i, row in enumerate(body, start=2 if header else 1):
        if len(row) != width:
            raise ValueError(
                f"line {i} has {len(row)} columns, but line 1 has {width}: every line needs "
                "the same number of values"
            )
        for c, cell in enumerate(row[:-1]):
            value = _number(cell)
            if value is None:
                raise ValueError(
                    f"line {i}, column {c + 1}: {cell.strip()[:20]!r} is not a finite number; "
                    "the feature columns must hold numbers"
                )
            X[i - (2 if header else 1), c] = value
        label = row[-1].strip()
        if not label:
            raise ValueError(f"line {i}: the label (the last column) is empty")
        labels.append(label)
    std = X.std(axis=0)
    if np.any(std == 0):
        c = int(np.argmin(std)) + 1
        raise ValueError(f"column {c} holds the same value on every line: it tells nothing apart")
    X = (X - X.mean(axis=0)) / std  # standardised: any units train alike
    y, classes = _labels(labels)
    names = names[:-1] if names else [f"x{c + 1}" for c in range(width - 1)]
    return Table(X, y, classes, names, rows[0][-1].strip() if header else "label")


def _labels(labels: list[str]) -> tuple[NDArray[Any], tuple[str, ...] | None]:
    """Class numbers 0..K−1 and the class names, or float targets and None (regression)."""
    values = [_number(label) for label in labels]
    distinct = sorted(set(labels))
    numeric = all(v is not None for v in values)
    whole = numeric and all(float(v).is_integer() for v in values if v is not None)
    if numeric and not (whole and len(distinct) <= MAX_CLASSES):
        return np.array(values, dtype=np.float64), None  # a number to predict: regression
    if not numeric and len(distinct) > MAX_CLASSES:
        raise ValueError(
            f"the label column has {len(distinct)} different words; the Playground draws at "
            f"most {MAX_CLASSES} classes (or give numbers, for a regression)"
        )
    if len(distinct) < 2:
        raise ValueError(f"every label is {distinct[0]!r}: a classification needs two classes")
    if whole:
        distinct = sorted(distinct, key=float)
    index = {name: k for k, name in enumerate(distinct)}
    return np.array([index[label] for label in labels], dtype=np.int64), tuple(distinct)


def split(table: Table, test_fraction: float, seed: int) -> Dataset:
    """The table's rows shuffled with ``seed``, the last ``test_fraction`` of them for testing.

    >>> t = parse_csv("\\n".join(f"{i},{i % 3}" for i in range(40)))
    >>> d = split(t, 0.25, seed=0)
    >>> len(d.X_train), len(d.X_test), d.classes
    (30, 10, ('0', '1', '2'))
    """
    n = len(table.X)
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(n - 1, max(1, round(n * test_fraction)))
    train, test = order[: n - n_test], order[n - n_test :]
    return Dataset(
        table.X[train],
        table.y[train],
        table.X[test],
        table.y[test],
        classes=table.classes,
        name="upload",
        source="your CSV file",
        description=f"{n} rows: {', '.join(table.names)} → {table.label}",
    )
