"""Scalers learn from the training data only; one-hot targets; seeded, optionally stratified
train/validation/test splits."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.scaling import (
    MinMaxScaler,
    StandardScaler,
    one_hot,
    scaler_from_dict,
    train_test_split,
    train_val_test_split,
)


@pytest.fixture
def train_test(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Training and test data with different statistics, and a constant column."""
    train = rng.normal(loc=[1.0, -3.0, 0.0], scale=[2.0, 0.5, 1.0], size=(200, 3))
    test = rng.normal(loc=[4.0, 0.0, 0.0], scale=[5.0, 3.0, 1.0], size=(50, 3))
    train[:, 2] = test[:, 2] = 7.0
    return train, test


# -- MinMaxScaler -----------------------------------------------------------------------------


def test_min_max_uses_the_training_data_only(train_test: tuple[np.ndarray, np.ndarray]) -> None:
    train, test = train_test
    scaler = MinMaxScaler().fit(train)
    scaled = scaler.transform(train)
    np.testing.assert_allclose(scaled[:, :2].min(axis=0), 0.0)
    np.testing.assert_allclose(scaled[:, :2].max(axis=0), 1.0)
    lo, hi = train.min(axis=0), train.max(axis=0)
    expected = (test[:, :2] - lo[:2]) / (hi[:2] - lo[:2])
    np.testing.assert_allclose(scaler.transform(test)[:, :2], expected)
    # the test set's own extremes are not used: it reaches outside [0, 1]
    assert scaler.transform(test)[:, :2].max() > 1 or scaler.transform(test)[:, :2].min() < 0
    np.testing.assert_array_equal(scaler.data_min_, lo)
    np.testing.assert_array_equal(scaler.data_max_, hi)
    # refitting on other data changes nothing about what was learned before the refit
    assert not np.allclose(MinMaxScaler().fit(test).transform(test), scaler.transform(test))


def test_min_max_constant_column_and_round_trip(
    train_test: tuple[np.ndarray, np.ndarray],
) -> None:
    train, test = train_test
    scaler = MinMaxScaler()
    scaled = scaler.fit_transform(train)  # no division by zero (warnings are errors here)
    assert np.isfinite(scaled).all() and (scaled[:, 2] == 0).all()
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)


def test_min_max_feature_range() -> None:
    X = np.array([[0.0], [5.0], [10.0]])
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X)
    np.testing.assert_allclose(scaler.transform(X).ravel(), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)
    constant = MinMaxScaler(feature_range=(-1, 1)).fit_transform(np.full((3, 1), 4.0))
    np.testing.assert_array_equal(constant, -1.0)
    with pytest.raises(ValueError, match="lo < hi"):
        MinMaxScaler(feature_range=(1, 0))


# -- StandardScaler ---------------------------------------------------------------------------


def test_standard_uses_the_training_data_only(train_test: tuple[np.ndarray, np.ndarray]) -> None:
    train, test = train_test
    scaler = StandardScaler().fit(train)
    scaled = scaler.transform(train)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, :2].std(axis=0), 1.0)
    assert (scaled[:, 2] == 0).all()  # constant: centred, not divided by zero
    mean, std = train.mean(axis=0), train.std(axis=0)
    np.testing.assert_allclose(scaler.transform(test)[:, :2], (test - mean)[:, :2] / std[:2])
    assert abs(scaler.transform(test)[:, 0].mean()) > 0.5  # the test set is not re-centred
    np.testing.assert_allclose(scaler.mean_, mean)
    np.testing.assert_allclose(scaler.std_, std)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)


@pytest.mark.parametrize("Scaler", [MinMaxScaler, StandardScaler])
def test_dtypes(Scaler: type[MinMaxScaler] | type[StandardScaler]) -> None:
    X32 = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert Scaler().fit_transform(X32).dtype == np.float32
    assert Scaler().fit_transform(X32.astype(np.int64)).dtype == np.float64
    assert Scaler().fit(X32).transform(X32.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("Scaler", [MinMaxScaler, StandardScaler])
def test_scaler_mistakes(Scaler: type[MinMaxScaler] | type[StandardScaler]) -> None:
    scaler = Scaler()
    assert scaler.n_features is None and "n_features=None" in repr(scaler)
    for method in (scaler.transform, scaler.inverse_transform):
        with pytest.raises(ValueError, match=r"not fitted yet; call fit\(X_train\)"):
            method(np.zeros((2, 3)))
    scaler.fit(np.zeros((2, 3)))
    assert scaler.n_features == 3
    with pytest.raises(ValueError, match=r"X has 2 features .* fitted on 3"):
        scaler.transform(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        scaler.fit(np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        scaler.transform(np.full((1, 3), np.nan))
    with pytest.raises(ValueError, match="no rows"):
        Scaler().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="must hold numbers"):
        Scaler().fit(np.array([["a"]]))


# -- one_hot ----------------------------------------------------------------------------------


def test_one_hot() -> None:
    Y = one_hot(np.array([1, 0, 3]))
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    assert Y.dtype == np.float32
    assert one_hot([0, 1], n_classes=5, dtype="float64").shape == (2, 5)
    np.testing.assert_array_equal(one_hot(np.array([2.0, 0.0])).argmax(axis=1), [2, 0])
    assert one_hot(np.array([], dtype=int), n_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match="a label is 3 but n_classes = 3"):
        one_hot([3], n_classes=3)
    with pytest.raises(ValueError, match="0 or more"):
        one_hot([-1, 0])
    with pytest.raises(ValueError, match="not integers"):
        one_hot([0.5])
    with pytest.raises(ValueError, match="1-D"):
        one_hot([[0, 1]])


# -- splits -----------------------------------------------------------------------------------


def test_train_test_split_sizes_and_contents() -> None:
    X, y = np.arange(200).reshape(100, 2), np.arange(100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
    assert (len(X_train), len(X_test)) == (75, 25)
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay with their labels
    assert sorted([*y_train, *y_test]) == list(range(100))  # disjoint, and nothing is lost
    assert len(train_test_split(X, y, test_fraction=0.1).X_test) == 10  # 0.1·100 is not 11
    assert len(train_test_split(X[:7], y[:7], test_fraction=0.2).X_test) == 2  # rounded up


def test_train_test_split_is_seeded() -> None:
    X, y = np.arange(50).reshape(50, 1), np.arange(50)
    a = train_test_split(X, y, seed=3)
    b = train_test_split(X, y, seed=3)
    c = train_test_split(X, y, seed=4)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(
        train_test_split(X, y, seed=g1).y_train, train_test_split(X, y, seed=g2).y_train
    )


def test_stratified_split_keeps_class_shares() -> None:
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100, dtype=float).reshape(100, 1)
    for seed in range(5):
        s = train_test_split(X, y, test_fraction=0.2, seed=seed, stratify=True)
        assert np.bincount(s.y_test).tolist() == [12, 6, 2]
        assert np.bincount(s.y_train).tolist() == [48, 24, 8]
        assert not (np.diff(s.y_test) >= 0).all()  # shuffled, not grouped by class
    uneven = train_test_split(X[:7], np.array([0, 0, 0, 1, 1, 1, 1]), 0.5, stratify=True)
    assert len(uneven.y_test) == 4 and set(uneven.y_test.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="class 2 has 1"):
        train_test_split(X[:5], np.array([0, 0, 1, 1, 2]), stratify=True)
    with pytest.raises(ValueError, match="1-D class labels"):
        train_test_split(X, np.zeros((100, 2)), stratify=True)


def test_images_can_be_split() -> None:
    X = np.zeros((10, 28, 28), dtype=np.float32)
    assert train_test_split(X, np.arange(10)).X_train.shape == (8, 28, 28)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_fraction": 0.0}, "strictly between 0 and 1"),
        ({"test_fraction": 1.0}, "strictly between 0 and 1"),
        ({"test_fraction": "half"}, "must be a number"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_split_arguments_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)  # type: ignore[arg-type]


def test_split_data_mistakes() -> None:
    with pytest.raises(ValueError, match=r"same number of rows; got shapes \(10, 2\) and \(9,\)"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="empty split"):
        train_test_split(np.zeros((1, 2)), np.zeros(1), 0.5)


def test_train_val_test_split() -> None:
    X, y = np.arange(100).reshape(100, 1), np.arange(100) % 4
    parts = train_val_test_split(X, y, val_fraction=0.15, test_fraction=0.25, seed=1)
    assert [len(parts.X_train), len(parts.X_val), len(parts.X_test)] == [60, 15, 25]
    rows = np.concatenate([parts.X_train, parts.X_val, parts.X_test]).ravel()
    assert sorted(rows.tolist()) == list(range(100))
    for X_part, y_part in [(parts.X_train, parts.y_train), (parts.X_val, parts.y_val)]:
        np.testing.assert_array_equal(X_part.ravel() % 4, y_part)
    again = train_val_test_split(X, y, val_fraction=0.15, test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(parts.X_val, again.X_val)
    strat = train_val_test_split(X, y, 0.2, 0.2, seed=0, stratify=True)
    assert np.bincount(strat.y_val).tolist() == [5, 5, 5, 5]
    assert np.bincount(strat.y_test).tolist() == [5, 5, 5, 5]
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        train_val_test_split(X, y, 0.5, 0.5)
    with pytest.raises(ValueError, match="too few"):
        train_val_test_split(X[:2], y[:2], 0.3, 0.3)


# -- a scaler as plain numbers: to_dict and scaler_from_dict ---------------------------------


@pytest.mark.parametrize("Scaler", [MinMaxScaler, StandardScaler])
def test_scaler_dict_round_trip_through_json_is_bit_exact(
    Scaler: type[MinMaxScaler] | type[StandardScaler], train_test: tuple[np.ndarray, np.ndarray]
) -> None:
    import json

    train, test = train_test
    scaler = Scaler().fit(train)
    spec = json.loads(json.dumps(scaler.to_dict()))
    again = scaler_from_dict(spec)
    assert type(again) is Scaler and again.n_features == 3
    for X in (test, test.astype(np.float32)):
        np.testing.assert_array_equal(again.transform(X), scaler.transform(X))
        np.testing.assert_array_equal(again.inverse_transform(X), scaler.inverse_transform(X))
    per_column = "data_min" if Scaler is MinMaxScaler else "mean"
    assert isinstance(spec[per_column], list) and len(spec[per_column]) == 3  # columns differ


def test_a_known_range_is_one_number_in_the_dict_and_scales_like_a_division() -> None:
    pixels = MinMaxScaler.from_range(0, 255, n_features=784)
    assert pixels.to_dict() == {
        "scaler": "minmax", "n_features": 784, "data_min": 0.0, "data_max": 255.0,
        "feature_range": [0.0, 1.0],
    }  # fmt: skip
    raw = np.arange(256, dtype=np.float32).repeat(4)[:784].reshape(1, 784)
    np.testing.assert_array_equal(pixels.transform(raw), raw / np.float32(255))  # bit for bit
    tanh = scaler_from_dict({"scaler": "minmax", "n_features": 2, "data_min": [0, 10],
                             "data_max": 20, "feature_range": [-1, 1]})  # fmt: skip
    np.testing.assert_array_equal(tanh.transform(np.array([[0.0, 15.0]])), [[-1.0, 0.0]])


@pytest.mark.parametrize(
    "spec, message",
    [
        ("minmax", "a scaler is described by a dict"),
        ({"scaler": "robust", "n_features": 1}, "unknown scaler 'robust'"),
        ({"scaler": "minmax", "n_features": 2, "data_min": 0}, "lacks data_max"),
        ({"scaler": "standard", "n_features": 1, "mean": 0, "std": 1, "x": 1}, "unknown keys"),
        ({"scaler": "standard", "n_features": 0, "mean": 0, "std": 1}, "positive whole number"),
        ({"scaler": "standard", "n_features": 2, "mean": [0], "std": 1}, "mean has 1 numbers"),
        ({"scaler": "standard", "n_features": 1, "mean": "0", "std": 1}, "mean must be a number"),
        ({"scaler": "standard", "n_features": 1, "mean": 0, "std": -1}, "std must be 0 or more"),
        ({"scaler": "minmax", "n_features": 1, "data_min": 2, "data_max": 1}, "must not exceed"),
        ({"scaler": "minmax", "n_features": 1, "data_min": 0, "data_max": float("inf")},
         "finite numbers"),
    ],
)  # fmt: skip
def test_a_bad_scaler_dict_says_what_is_wrong(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scaler_from_dict(spec)  # type: ignore[arg-type]


def test_only_a_fitted_scaler_has_a_dict() -> None:
    with pytest.raises(ValueError, match="not fitted yet"):
        MinMaxScaler().to_dict()
