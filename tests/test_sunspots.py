"""The real sequence data set (glassnet.datasets.sunspots): statsmodels' yearly sunspot numbers,
read from its CSV without importing statsmodels, windowed, split by time and scaled."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet import datasets
from glassnet.datasets import (
    SUNSPOT_YEARS,
    DatasetNotFoundError,
    Preparation,
    load_sunspots,
    persistence_mse,
    read_sunspots,
)

needs_statsmodels = pytest.mark.skipif(
    importlib.util.find_spec("statsmodels") is None,
    reason="statsmodels is not installed (pip install 'glassnet[datasets]')",
)
HEADER = '"YEAR","SUNACTIVITY"\n'


@needs_statsmodels
def test_the_series_is_every_year_1700_to_2008_as_the_file_has_it() -> None:
    years, s = read_sunspots()
    assert SUNSPOT_YEARS == (1700, 2008)
    assert np.array_equal(years, np.arange(1700, 2009)) and s.dtype == np.float64
    assert s[:4].tolist() == [5.0, 11.0, 16.0, 23.0]  # the file's first lines
    assert s[-1] == 2.9 and (s >= 0).all()
    assert years[np.argmax(s)] == 1957  # solar cycle 19, the largest of the record


@needs_statsmodels
def test_statsmodels_is_never_imported() -> None:
    code = (
        "import sys; from glassnet import datasets; ds = datasets.load('sunspots'); "
        "assert 'statsmodels' not in sys.modules, 'statsmodels was imported'"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@needs_statsmodels
@pytest.mark.parametrize(("T", "horizon"), [(1, 1), (7, 1), (20, 3)])
def test_each_sample_is_a_window_of_t_years_and_the_year_horizon_on(T: int, horizon: int) -> None:
    _, s = read_sunspots()
    ds = load_sunspots(T=T, horizon=horizon, scale=False, dtype="float64")
    X = np.concatenate([ds.X_train, ds.X_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert len(X) == len(s) - T - horizon + 1 and ds.sequence_shape == (T, 1)
    for i in (0, 1, len(X) // 2, len(X) - 1):
        assert np.array_equal(X[i], s[i : i + T])
        assert y[i] == s[i + T - 1 + horizon]
    assert y[-1] == s[-1]  # the last window's target is 2008


@needs_statsmodels
def test_the_split_is_by_time_every_training_year_before_every_test_target() -> None:
    T, horizon = 12, 2
    ds = load_sunspots(T=T, horizon=horizon, test_fraction=0.25, scale=False, dtype="float64")
    years, s = read_sunspots()
    n = ds.n_train + ds.n_test
    assert ds.n_test == math.ceil(0.25 * n)
    # window i's years are 1700 + i … 1700 + i + T − 1, its target 1700 + i + T − 1 + horizon
    last_train_target = 1700 + ds.n_train - 1 + T - 1 + horizon
    first_test_target = last_train_target + 1
    assert ds.y_train[-1] == s[last_train_target - 1700]
    assert ds.y_test[0] == s[first_test_target - 1700]
    assert f"test targets {first_test_target}-2008" in ds.description
    # in order, not shuffled: each window is the one before it moved on by a year
    X = np.concatenate([ds.X_train, ds.X_test])
    assert np.array_equal(X[1:, :-1], X[:-1, 1:])
    assert years[-1] == 2008


@needs_statsmodels
def test_the_scale_is_fitted_on_the_training_years_only() -> None:
    raw = load_sunspots(T=10, scale=False, dtype="float64")
    ds = load_sunspots(T=10, dtype="float64")
    _, s = read_sunspots()
    seen = s[: ds.n_train + 10]  # the years the training windows and their targets hold
    lo, hi = seen.min(), seen.max()
    assert ds.preparation.raw_range == (lo, hi)
    np.testing.assert_allclose(ds.X_train, (raw.X_train - lo) / (hi - lo), rtol=1e-12)
    np.testing.assert_allclose(ds.y_test, (raw.y_test - lo) / (hi - lo), rtol=1e-12)
    assert ds.X_train.min() == 0.0 and ds.X_train.max() <= 1.0 and ds.y_train.max() <= 1.0
    assert ds.y_test.max() > 1.0  # the 1950s outdid every training year: not looked at
    assert np.array_equal(ds.preparation.scale(raw.X_test), ds.X_test)
    f32 = load_sunspots(T=10)
    assert f32.X_train.dtype == np.float32 and f32.y_train.dtype == np.float32
    assert np.array_equal(
        f32.preparation.scale(load_sunspots(T=10, scale=False).X_test), f32.X_test
    )


@needs_statsmodels
def test_load_by_name_and_from_its_record_makes_the_same_split() -> None:
    ds = datasets.load("sunspots", T=8, horizon=2, seed=5)  # a fixed split: seed is ignored
    assert "sunspots" in datasets.available() and ds.task == "regression"
    assert ds.preparation.options == {
        "T": 8,
        "horizon": 2,
        "test_fraction": 0.2,
        "scale": True,
        "dtype": "float32",
        "flatten": True,
    }
    again = datasets.load(Preparation.from_json(ds.preparation.to_json()))
    assert again.preparation == ds.preparation
    for part in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(again, part), getattr(ds, part))
    folded = datasets.load("sunspots", T=8, flatten=False)
    assert folded.X_train.shape[1:] == (8, 1) and folded.X_test.shape[1:] == (8, 1)
    assert folded.n_train + folded.n_test == ds.n_train + ds.n_test + 1  # horizon 1: one more
    with pytest.raises(ValueError, match="does not take noise"):
        datasets.load("sunspots", noise=0.1)


@needs_statsmodels
def test_persistence_is_the_last_value_of_each_window() -> None:
    ds = load_sunspots(T=5, dtype="float64")
    expected = np.mean((ds.X_test[:, -1] - ds.y_test) ** 2)
    assert persistence_mse(ds.X_test, ds.y_test) == pytest.approx(expected, rel=1e-12)
    folded = load_sunspots(T=5, dtype="float64", flatten=False)
    assert persistence_mse(folded.X_test, folded.y_test) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"X of shape \(m, T\) or \(m, T, 1\)"):
        persistence_mse(np.zeros((3, 4, 2)), np.zeros(3))


@needs_statsmodels
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"T": 0}, "T must be a positive integer"),
        ({"horizon": 1.5}, "horizon must be a positive integer"),
        ({"T": 400}, r"T \+ horizon = 401 years, but there are only 309"),
        ({"T": 300, "test_fraction": 0.9}, "leaves none to train on"),
        ({"test_fraction": 1.0}, "strictly between 0 and 1"),
        ({"scale": "yes"}, "scale must be True or False"),
        ({"flatten": 1}, "flatten must be True or False"),
    ],
)
def test_bad_arguments_say_what_was_expected(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_sunspots(**options)


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sunspots.csv"
    path.write_text(text, encoding="utf-8")
    return path


def every_year(last: int = 2008) -> str:
    return "".join(f"{year},{(year * 7) % 150}.5\n" for year in range(1700, last + 1))


def test_a_file_in_the_layout_is_read_and_later_years_are_left_out(tmp_path: Path) -> None:
    years, s = read_sunspots(csv_file(tmp_path, HEADER + every_year(2012) + "\n"))
    assert years[0] == 1700 and years[-1] == 2008 and len(s) == 309
    assert s[1] == (1701 * 7) % 150 + 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("YEAR;SUNACTIVITY\n" + every_year(), "its header is"),
        (HEADER + "1700,5\n1702,16\n", "the year 1702 where 1701 should be"),
        (HEADER + "1700,5,1\n", "line 2 has 3 fields"),
        (HEADER + "1700,many\n", "line 2 is not a year and a number"),
        (HEADER + "1700,-3\n", "line 2 gives the year 1700 the number '-3'"),
        (HEADER + "1700,nan\n", "the number 'nan'"),
        (HEADER + every_year(1990), "it ends at 1990"),
        (HEADER, "it ends at no year"),
    ],
)
def test_a_changed_file_is_refused_with_what_is_wrong(
    tmp_path: Path, text: str, message: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ValueError, match=message) as caught:
        read_sunspots(path)
    assert "pip install 'glassnet[datasets]'" in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_file_or_package_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"glassnet\[datasets\]"):
        read_sunspots(tmp_path / "nowhere.csv")

    def statsmodels_in(folder: Path | None):
        def find_spec(name: str, package: str | None = None):
            if name != "statsmodels" or folder is None:
                return None
            spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
            spec.submodule_search_locations = [str(folder)]
            return spec

        return find_spec

    monkeypatch.setattr(importlib.util, "find_spec", statsmodels_in(None))
    with pytest.raises(ImportError, match=r"statsmodels, which is\s+not installed: pip install"):
        load_sunspots()

    monkeypatch.setattr(importlib.util, "find_spec", statsmodels_in(tmp_path))
    with pytest.raises(DatasetNotFoundError, match="is not there"):
        load_sunspots()  # a statsmodels without the file
    where = tmp_path / "datasets" / "sunspots"
    where.mkdir(parents=True)
    csv_file(where, HEADER + every_year())
    ds = load_sunspots(T=3, scale=False, dtype="float64")
    made_up = [(year * 7) % 150 + 0.5 for year in (1700, 1701, 1702)]
    assert ds.X_train[0].tolist() == made_up  # read from the folder it was told
