"""A real sequence: the yearly sunspot numbers 1700-2008, read from the CSV statsmodels ships.

statsmodels (``pip install 'glassnet[datasets]'``) carries the yearly mean sunspot numbers of
the years 1700 to 2008 as a small CSV file, ``statsmodels/datasets/sunspots/sunspots.csv``
(public domain, from NOAA's National Geophysical Data Center). glassnet reads that file with
the csv module and never imports statsmodels (whose import takes seconds): it only asks
Python where the package lies.

:func:`load_sunspots` turns the series s_1700, …, s_2008 into a forecasting task. A sample is
a window of T consecutive years and its target the number ``horizon`` years after the
window's last year:

    x = (s_t, s_(t+1), …, s_(t+T−1))   →   y = s_(t+T−1+horizon)

The split is by TIME, never at random: the windows whose target lies in the last years are the
test set, all the others (every one of whose years comes earlier) the training set. Shuffling
windows of one series across the split would put a test year's neighbours — and the test
year itself, inside later windows — into training, and the test score would flatter the model.

The values are scaled to [0, 1] by the smallest and largest number of the TRAINING years only
(the test years are not looked at; the larger cycles of the 1950s give test values above 1).

What to beat: repeating the last value of the window (persistence), :func:`persistence_mse`.

>>> years, s = read_sunspots()
>>> int(years[0]), int(years[-1]), len(s), float(s[0])
(1700, 2008, 309, 5.0)
"""

from __future__ import annotations

import csv
import importlib.util
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._inputs import as_dtype, is_real, positive_int
from ..scaling import MinMaxScaler
from .base import Dataset, DatasetNotFoundError
from .preparation import Preparation

__all__ = ["SUNSPOT_YEARS", "load_sunspots", "persistence_mse", "read_sunspots"]

#: The years the data set covers, first and last (the file statsmodels ships holds them all).
SUNSPOT_YEARS = (1700, 2008)
_HEADER = ["YEAR", "SUNACTIVITY"]
_WHERE = ("datasets", "sunspots", "sunspots.csv")  # inside the statsmodels package
_MAX_BYTES = 1 << 20  # the file is 2.6 kB; anything near a megabyte is not it
_INSTALL = "pip install 'glassnet[datasets]' (or pip install statsmodels)"


def _statsmodels_csv() -> Path:
    """Where the installed statsmodels keeps sunspots.csv, found without importing it."""
    spec = importlib.util.find_spec("statsmodels")  # a top-level name: nothing is imported
    folders = None if spec is None else spec.submodule_search_locations
    if not folders:
        raise ImportError(
            f"the sunspots data set is read from a file that ships with statsmodels, which is "
            f"not installed: {_INSTALL}"
        )
    return Path(next(iter(folders))).joinpath(*_WHERE)


def _bad(path: Path, problem: str) -> ValueError:
    return ValueError(
        f"{path} is not the sunspot file glassnet knows: {problem}; expected the header "
        f"{','.join(_HEADER)} and one row 'year,number' for every year "
        f"{SUNSPOT_YEARS[0]}-{SUNSPOT_YEARS[1]}. Reinstall it: {_INSTALL}"
    )


def read_sunspots(
    path: str | os.PathLike[str] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The years 1700-2008 and their sunspot numbers, as two arrays of 309 values.

    Reads statsmodels' ``sunspots.csv`` (or the CSV file ``path`` in its layout) with the
    csv module, and checks it: the header ``YEAR,SUNACTIVITY``, whole years one after another
    from 1700 on, numbers finite and 0 or more, every year to 2008 there (later ones, should a
    newer file carry them, are left out, so that the data set stays the same).

    Raises:
        ImportError: statsmodels is not installed (the message says how to install it).
        DatasetNotFoundError: the file is not where it should be.
        ValueError: the file is not laid out as described; the message says where it is not.

    Example:
        >>> years, s = read_sunspots()
        >>> years[:3].tolist(), s[:3].tolist()
        ([1700, 1701, 1702], [5.0, 11.0, 16.0])
    """
    file = _statsmodels_csv() if path is None else Path(path).expanduser()
    if not file.is_file():
        raise DatasetNotFoundError(
            f"the sunspots file {file} is not there (an incomplete install of statsmodels?); "
            f"reinstall it: {_INSTALL}"
        )
    if file.stat().st_size > _MAX_BYTES:
        raise _bad(file, f"it holds {file.stat().st_size:,} bytes, far more than 309 years need")
    first, last = SUNSPOT_YEARS
    years: list[int] = []
    values: list[float] = []
    expected = first  # the year the next row must hold
    with file.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header != _HEADER:
            raise _bad(file, f"its header is {header!r}")
        for line, row in enumerate(rows, start=2):
            if not row:
                continue  # a blank line, e.g. at the end
            if len(row) != 2:
                raise _bad(file, f"line {line} has {len(row)} fields: {row!r}")
            try:
                year, value = int(row[0]), float(row[1])
            except ValueError:
                raise _bad(file, f"line {line} is not a year and a number: {row!r}") from None
            if year != expected:
                raise _bad(file, f"line {line} is the year {year} where {expected} should be")
            expected += 1
            if not (math.isfinite(value) and value >= 0):
                raise _bad(file, f"line {line} gives the year {year} the number {row[1]!r}")
            if year <= last:
                years.append(year)
                values.append(value)
    if len(years) != last - first + 1:
        end = years[-1] if years else "no year"
        raise _bad(file, f"it ends at {end}")
    return np.array(years, dtype=np.int64), np.array(values, dtype=np.float64)


def _whole(value: object, what: str, low: int) -> int:
    n = positive_int(value, what)
    if n < low:
        raise ValueError(f"{what} must be at least {low}, got {n}")
    return n


def load_sunspots(
    *,
    T: int = 20,
    horizon: int = 1,
    test_fraction: float = 0.2,
    scale: bool = True,
    dtype: DTypeLike = "float32",
    flatten: bool = True,
) -> Dataset:
    """The yearly sunspot numbers as windows of T years → the number ``horizon`` years later.

    Sample t is x = (s_t, …, s_(t+T−1)) and y = s_(t+T−1+horizon) (regression); there are
    309 − T − horizon + 1 windows in time order. The last ``test_fraction`` of them (rounded
    up) are the test set: a split by time, never shuffled, so that every training window, its
    target included, lies before the first test target. With ``scale`` (the default) x and y are
    (s − lo) / (hi − lo), lo and hi the smallest and largest number of the training years
    (``ds.preparation.raw_range``); a prediction a is lo + a·(hi − lo) sunspots.

    Args:
        T: the window's length in years (n_in = 1 number per step).
        horizon: how many years after the window's last one the target is (1: the next year).
        test_fraction: the share of the windows, the latest, held out for testing.
        scale: scale to [0, 1] by the training years' range (False: the raw numbers).
        dtype: float32 or float64, for X and y.
        flatten: rows of T numbers (the default), or, if False, arrays of shape (m, T, 1).

    Example:
        >>> ds = load_sunspots(T=10)
        >>> ds
        Dataset('sunspots', regression, train (239, 10) float32, test (60, 10) float32)
        >>> ds.sequence_shape, ds.preparation.raw_range  # the training years' smallest, largest
        ((10, 1), (0.0, 154.4))
    """
    T = _whole(T, "T", 1)
    ahead = _whole(horizon, "horizon", 1)
    if not (is_real(test_fraction) and 0 < float(test_fraction) < 1):
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    for name, value in (("scale", scale), ("flatten", flatten)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
    dt = as_dtype(dtype)
    years, s = read_sunspots()
    if T + ahead > len(s) - 1:
        raise ValueError(
            f"a window of T = {T} years and its target {ahead} years on need T + horizon = "
            f"{T + ahead} years, but there are only {len(s)} and two windows at least are "
            f"needed (one to train, one to test); choose T + horizon of {len(s) - 1} or less"
        )
    n = len(s) - T - ahead + 1  # windows: the first starts in 1700, the last target is 2008
    n_test = math.ceil(float(test_fraction) * n - 1e-9)
    if n - n_test < 1:
        raise ValueError(
            f"with T = {T} and horizon = {ahead}, the {len(s)} years make {n} windows, and a "
            f"test_fraction of {test_fraction} leaves none to train on; choose a smaller T, "
            "horizon or test_fraction"
        )
    starts = np.arange(n)
    windows = s[starts[:, None] + np.arange(T)]  # X[i] = s[i : i + T]
    targets = s[starts + T - 1 + ahead]  # y[i] = s[i + T − 1 + horizon]
    X, y = windows.astype(dt), targets.astype(dt)
    first_test_target = n - n_test + T - 1 + ahead  # index into s: the first test year
    scaler = None
    if scale:
        seen = s[:first_test_target]  # every year a training window holds, and no other
        lo, hi = float(seen.min()), float(seen.max())
        scaler = MinMaxScaler.from_range(lo, hi, n_features=T)
        X = scaler.transform(X)
        y = MinMaxScaler.from_range(lo, hi, n_features=1).transform(y[:, None])[:, 0]
    X_train, X_test = X[: n - n_test], X[n - n_test :]
    if not flatten:
        X_train, X_test = X_train[:, :, None], X_test[:, :, None]
    split_year = int(years[first_test_target])
    return Dataset(
        X_train,
        y[: n - n_test],
        X_test,
        y[n - n_test :],
        classes=None,
        name="sunspots",
        sequence_shape=(T, 1),
        source="statsmodels",
        description=(
            f"yearly sunspot numbers {SUNSPOT_YEARS[0]}-{SUNSPOT_YEARS[1]}: {T} years → the "
            f"number {ahead} later; test targets {split_year}-{SUNSPOT_YEARS[1]}"
        ),
        preparation=Preparation(
            "sunspots",
            dict(
                T=T,
                horizon=ahead,
                test_fraction=test_fraction,
                scale=scale,
                dtype=dt,
                flatten=flatten,
            ),
            scaler=scaler,
        ),
    )


def persistence_mse(X: Any, y: Any) -> float:
    """The mse of answering the last value of each sequence: what a forecast has to beat.

    ``X`` is sequences of one number per step, as rows (m, T) or (m, T, 1); ``y`` the targets.
    In glassnet's ``mse`` with one output: (1/m) Σ_i (x_i,T − y_i)².

    Example:
        >>> ds = load_sunspots(T=10)
        >>> round(persistence_mse(ds.X_test, ds.y_test), 4)
        0.0454
    """
    x = np.asarray(X, dtype=np.float64)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    target = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or len(x) != len(target) or x.shape[1] == 0:
        raise ValueError(
            f"persistence_mse takes sequences of one number per step, X of shape (m, T) or "
            f"(m, T, 1), and m targets; got X of shape {x.shape} and {len(target)} targets"
        )
    return float(np.mean((x[:, -1] - target) ** 2))
