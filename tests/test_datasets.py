"""The data sets: real ones from local files (the real Fashion-MNIST when it is installed, and
tiny fake ones written here), the toy problems, the registry and the Dataset container."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets
from glassnet.datasets import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_ENV,
    MNIST_ENV,
    Dataset,
    DatasetNotFoundError,
    IDXFormatError,
    write_idx,
)
from glassnet.datasets import real as real_module

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
STANDARD = {
    "train-images": "train-images-idx3-ubyte",
    "train-labels": "train-labels-idx1-ubyte",
    "test-images": "t10k-images-idx3-ubyte",
    "test-labels": "t10k-labels-idx1-ubyte",
}


def write_fake(
    directory: Path,
    names: dict[str, str] = STANDARD,
    n_train: int = 12,
    n_test: int = 5,
    compress: bool = True,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Four small IDX files laid out like (Fashion-)MNIST; returns the arrays written."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test-images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test-labels": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for role, name in names.items():
        write_idx(directory / (name + (".gz" if compress else "")), arrays[role], gzip=compress)
    return arrays


@pytest.fixture
def fake_fashion(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    directory = tmp_path / "fashion"
    return directory, write_fake(directory)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FASHION_MNIST_ENV, raising=False)
    monkeypatch.delenv(MNIST_ENV, raising=False)


def check_fake(ds: Dataset, arrays: dict[str, np.ndarray]) -> None:
    assert ds.X_train.shape == (12, 784) and ds.X_test.shape == (5, 784)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    np.testing.assert_allclose(ds.X_train, arrays["train-images"].reshape(12, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, arrays["test-labels"])
    assert ds.image_shape == (28, 28)


# -- scikit-learn's digits --------------------------------------------------------------------


def test_digits() -> None:
    ds = datasets.load_digits()
    assert (ds.n_train, ds.n_test, ds.n_features) == (1437, 360, 64)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.X_train.min() == 0.0 and ds.X_train.max() == 1.0
    assert set(np.unique(ds.y_train).tolist()) == set(range(10))
    assert ds.classes == tuple("0123456789") and ds.image_shape == (8, 8)
    assert ds.name == "digits" and ds.task == "classification"


def test_digits_options() -> None:
    raw = datasets.load_digits(scale=False, dtype="float64", test_fraction=0.5, seed=3)
    assert raw.X_train.dtype == np.float64 and raw.X_train.max() == 16.0
    assert abs(raw.n_test - raw.n_train) <= 1
    again = datasets.load_digits(scale=False, dtype="float64", test_fraction=0.5, seed=3)
    np.testing.assert_array_equal(raw.X_test, again.X_test)
    other = datasets.load_digits(scale=False, dtype="float64", test_fraction=0.5, seed=4)
    assert not np.array_equal(raw.y_test, other.y_test)
    strat = datasets.load_digits(stratify=True, seed=0)
    share = np.bincount(strat.y_test) / np.bincount(np.concatenate([strat.y_train, strat.y_test]))
    np.testing.assert_allclose(share, 0.2, atol=0.01)


def test_digits_split_matches_a_plain_permutation() -> None:
    """The split is the first 80 % of rng.permutation(n): what the command line always did."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    ds = datasets.load_digits(seed=0)
    np.testing.assert_array_equal(ds.y_train, y[order[:1437]])
    np.testing.assert_allclose(ds.X_test, X[order[1437:]] / 16)


def test_digits_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[cli\]'"):
        datasets.load_digits()


# -- Fashion-MNIST ----------------------------------------------------------------------------


@pytest.mark.skipif(
    not DEBIAN_DIR.is_dir(),
    reason=f"{DEBIAN_DIR} is missing: apt-get install dataset-fashion-mnist to test the real data",
)
def test_real_fashion_mnist(no_env: None) -> None:
    ds = datasets.load("fashion-mnist")
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.X_train.min() == 0.0 and ds.X_train.max() == 1.0
    assert np.bincount(ds.y_train).tolist() == [6000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.classes == FASHION_MNIST_CLASSES and ds.classes[ds.y_train[0]] == "Ankle boot"
    assert ds.image_shape == (28, 28) and ds.source == str(DEBIAN_DIR)


def test_fashion_mnist_from_path(fake_fashion: tuple[Path, dict[str, np.ndarray]]) -> None:
    directory, arrays = fake_fashion
    ds = datasets.load_fashion_mnist(path=directory)
    check_fake(ds, arrays)
    assert ds.classes == FASHION_MNIST_CLASSES and ds.name == "fashion-mnist"
    assert ds.source == str(directory)


def test_fashion_mnist_from_environment(
    fake_fashion: tuple[Path, dict[str, np.ndarray]], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, arrays = fake_fashion
    monkeypatch.setenv(FASHION_MNIST_ENV, str(directory))
    check_fake(datasets.load_fashion_mnist(), arrays)
    check_fake(datasets.load("fashion_mnist", seed=1), arrays)  # seed: nothing random, ignored


def test_the_path_argument_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_fake(tmp_path / "a", seed=1)
    write_fake(tmp_path / "b", seed=2)
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path / "b"))
    check_fake(datasets.load_fashion_mnist(tmp_path / "a"), first)


def test_fashion_mnist_options(fake_fashion: tuple[Path, dict[str, np.ndarray]]) -> None:
    directory, arrays = fake_fashion
    images = datasets.load_fashion_mnist(directory, flatten=False, scale=False, dtype="float64")
    assert images.X_train.shape == (12, 28, 28) and images.X_train.dtype == np.float64
    np.testing.assert_array_equal(images.X_test, arrays["test-images"])
    assert images.n_features == 784


def test_plain_and_dotted_file_names(tmp_path: Path) -> None:
    dotted = {role: name.replace("-idx", ".idx") for role, name in STANDARD.items()}
    arrays = write_fake(tmp_path, dotted, compress=False)  # MNIST's site: train-images.idx3-ubyte
    check_fake(datasets.load_fashion_mnist(tmp_path), arrays)


def test_a_plain_file_wins_over_its_gzipped_twin(tmp_path: Path) -> None:
    write_fake(tmp_path, compress=True, seed=1)
    plain = write_fake(tmp_path, compress=False, seed=2)
    check_fake(datasets.load_fashion_mnist(tmp_path), plain)


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path: Path, no_env: None) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        datasets.load_fashion_mnist(path=tmp_path)
    message = str(info.value)
    for needed in [
        "apt-get install dataset-fashion-mnist",
        "/usr/share/datasets/fashion-mnist",
        'path="that/directory"',
        "GLASSNET_FASHION_MNIST=that/directory",
        "train-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        str(tmp_path),
        "the path argument",
    ]:
        assert needed in message, needed
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ValueError)


def test_missing_files_are_named(tmp_path: Path) -> None:
    write_fake(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"missing t10k-labels-idx1-ubyte\[\.gz\]"):
        datasets.load_fashion_mnist(tmp_path)


def test_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetNotFoundError, match="is a file, not a directory"):
        datasets.load_fashion_mnist(tmp_path / "file")
    with pytest.raises(DatasetNotFoundError, match="no such directory"):
        datasets.load_fashion_mnist(tmp_path / "nowhere")


def test_a_bad_environment_variable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DatasetNotFoundError, match="the environment variable GLASSNET_FASHION"):
        datasets.load_fashion_mnist()


def test_the_default_location_is_debians(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env: None
) -> None:
    assert datasets.FASHION_MNIST_DEBIAN_DIR == DEBIAN_DIR
    monkeypatch.setattr(real_module, "FASHION_MNIST_DEBIAN_DIR", tmp_path / "none")
    with pytest.raises(DatasetNotFoundError, match="glassnet's default location"):
        datasets.load_fashion_mnist()
    arrays = write_fake(tmp_path / "none")
    check_fake(datasets.load_fashion_mnist(), arrays)


def test_damaged_files_in_a_data_set(tmp_path: Path) -> None:
    write_fake(tmp_path, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IDXFormatError, match=r"train-images-idx3-ubyte.*truncated"):
        datasets.load_fashion_mnist(tmp_path)


def test_images_and_labels_must_match(tmp_path: Path) -> None:
    write_fake(tmp_path, compress=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="expected one image per label"):
        datasets.load_fashion_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros((5, 1), dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="labels must be a 1-D array of integers"):
        datasets.load_fashion_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.full(5, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match="a label is 10, but the data set has only 10 classes"):
        datasets.load_fashion_mnist(tmp_path)


# -- MNIST and other IDX data sets ------------------------------------------------------------


def test_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env: None) -> None:
    arrays = write_fake(tmp_path)
    ds = datasets.load_mnist(tmp_path)
    check_fake(ds, arrays)
    assert ds.name == "mnist" and ds.classes == tuple("0123456789")
    with pytest.raises(DatasetNotFoundError, match="GLASSNET_MNIST is not set"):
        datasets.load_mnist()
    monkeypatch.setenv(MNIST_ENV, str(tmp_path))
    check_fake(datasets.load("mnist"), arrays)


def emnist_names(prefix: str) -> dict[str, str]:
    return {role: f"{prefix}-{name}".replace("t10k", "test") for role, name in STANDARD.items()}


def test_emnist_style_prefixes(tmp_path: Path) -> None:
    letters = write_fake(tmp_path, emnist_names("emnist-letters"), seed=1)
    write_fake(tmp_path, emnist_names("emnist-digits"), seed=2)
    several = r"several IDX data sets.*'emnist-digits', 'emnist-letters'"
    with pytest.raises(ValueError, match=several):
        datasets.load_idx_dataset(tmp_path)
    for prefix in ["emnist-letters", "emnist-letters-", "*letters"]:
        ds = datasets.load_idx_dataset(tmp_path, prefix=prefix)
        check_fake(ds, letters)
        assert ds.name == "emnist-letters" and ds.classes == tuple("0123456789")
    ds = datasets.load("idx", path=tmp_path, prefix="emnist-l*", name="letters", seed=0)
    assert ds.name == "letters"
    with pytest.raises(DatasetNotFoundError, match="emnist-balanced-train-images"):
        datasets.load_idx_dataset(tmp_path, prefix="emnist-balanced")


def test_find_idx_files(tmp_path: Path) -> None:
    write_fake(tmp_path, compress=False)
    (tmp_path / "README").write_text("not data")
    files = datasets.find_idx_files(tmp_path)
    assert {role: p.name for role, p in files.items()} == STANDARD


def test_idx_dataset_names_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = write_fake(tmp_path / "my-data")
    ds = datasets.load_idx_dataset(tmp_path / "my-data", classes=list("abcdefghij"))
    check_fake(ds, arrays)
    assert ds.name == "my-data" and ds.classes == tuple("abcdefghij")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert datasets.load_mnist("~/my-data").source == str(tmp_path / "my-data")


# -- toy problems -----------------------------------------------------------------------------

CLASSIFIERS = ["xor", "circles", "moons", "spirals", "blobs"]
REGRESSORS = ["sine", "plane", "bumps"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_toys(name: str) -> None:
    make = getattr(datasets, name)
    X, y = make(101, noise=0.1, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32 and np.isfinite(X).all()
    assert y.shape == (101,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [51, 50]  # as equal as 101 allows
    X2, y2 = make(101, noise=0.1, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(101, noise=0.1, seed=1)
    assert not np.allclose(X, X3)
    X64, _ = make(10, seed=np.random.default_rng(5), dtype="float64")
    assert X64.dtype == np.float64
    assert np.abs(X).max() < 3


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_toys(name: str) -> None:
    make = getattr(datasets, name)
    X, y = make(50, seed=0)
    assert len(X) == 50 and X.ndim == 2 and X.dtype == np.float32
    assert y.shape == (50,) and y.dtype == np.float32
    X2, y2 = make(50, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    _, noisy = make(50, noise=0.5, seed=0)
    assert 0.2 < float(np.std(noisy - y)) < 1.0  # the noise goes on the targets


def test_toy_geometry() -> None:
    X, y = datasets.xor(200, seed=0)
    assert (np.abs(X) >= 0.1 - 1e-6).all()  # a margin around the axes without noise
    assert ((X[:, 0] * X[:, 1] < 0) == (y == 1)).all()
    X, y = datasets.circles(200, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 0].max() <= 0.5 + 1e-6 and r[y == 1].min() >= 0.7 - 1e-6
    X, y = datasets.spirals(300, n_classes=3, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1 + 1e-6
    X, y = datasets.blobs(40, centers=[[5.0, 5.0, 5.0], [-5.0, -5.0, -5.0]], noise=0.1, seed=0)
    assert X.shape == (40, 3)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), 5.0, atol=0.2)
    X, y = datasets.sine(100, seed=0)
    assert X.shape == (100, 1) and np.abs(X).max() <= np.pi
    np.testing.assert_allclose(y, np.sin(X[:, 0]), atol=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.moons(0), "n_samples must be a positive integer"),
        (lambda: datasets.moons(1), "at least 2"),
        (lambda: datasets.moons(10, noise=-1.0), "0 or more"),
        (lambda: datasets.moons(10, noise="big"), "noise must be a number"),
        (lambda: datasets.moons(10, seed=-1), "seed"),
        (lambda: datasets.moons(10, dtype="int8"), "dtype"),
        (lambda: datasets.blobs(10, centers=[1.0, 2.0]), r"shape \(k, d\)"),
        (lambda: datasets.spirals(10, turns=0), "turns"),
    ],
)
def test_toy_arguments_are_checked(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("name", CLASSIFIERS + REGRESSORS)
def test_load_toy_makes_a_split_dataset(name: str) -> None:
    ds = datasets.load(name, n_samples=50, seed=0, test_fraction=0.3)
    assert (ds.n_train, ds.n_test) == (35, 15) and ds.name == name and ds.source == "generated"
    again = datasets.load(name, n_samples=50, seed=0, test_fraction=0.3)
    np.testing.assert_array_equal(ds.X_train, again.X_train)
    np.testing.assert_array_equal(ds.y_test, again.y_test)
    other = datasets.load(name, n_samples=50, seed=1, test_fraction=0.3)
    assert not np.array_equal(ds.X_train, other.X_train)
    if name in CLASSIFIERS:
        assert ds.task == "classification" and ds.classes == ("0", "1")
        assert ds.y_train.dtype == np.int64
    else:
        assert ds.task == "regression" and ds.classes is None and ds.n_classes is None
        assert ds.y_train.dtype == np.float32
    assert ds.description


def test_a_network_learns_the_toys() -> None:
    blobs = datasets.load("blobs", n_samples=300, centers=3, seed=0)
    net = gn.Network.from_sizes([2, 8, 3], activation="sigmoid", cost="quadratic", seed=0)
    net.fit(blobs.X_train, blobs.y_train, epochs=30, optimizer=gn.SGD(lr=3.0), verbose=0)
    assert net.evaluate(blobs.X_test, blobs.y_test)["accuracy"] >= 0.95

    xor = datasets.load("xor", n_samples=400, seed=0)
    kwargs = {"output_activation": "softmax", "cost": "cross_entropy", "seed": 0}
    linear = gn.Network.from_sizes([2, 2], **kwargs)  # type: ignore[arg-type]
    hidden = gn.Network.from_sizes([2, 8, 2], activation="tanh", **kwargs)  # type: ignore[arg-type]
    for net in (linear, hidden):
        net.fit(xor.X_train, xor.y_train, epochs=50, optimizer=gn.SGD(lr=0.3), verbose=0)
    assert linear.evaluate(xor.X_test, xor.y_test)["accuracy"] < 0.75  # no line separates XOR
    assert hidden.evaluate(xor.X_test, xor.y_test)["accuracy"] >= 0.95


# -- the registry and the container -----------------------------------------------------------


def test_available_names() -> None:
    names = datasets.available()
    for name in ["digits", "fashion-mnist", "mnist", "idx", *CLASSIFIERS, *REGRESSORS]:
        assert names[name], name


def test_unknown_names_and_arguments() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'moons'.*digits, fashion-mnist"):
        datasets.load("mons")
    with pytest.raises(ValueError, match="'xor' does not take centers; it takes n_samples"):
        datasets.load("xor", centers=3)
    with pytest.raises(ValueError, match="'digits' does not take path"):
        datasets.load("digits", path="/tmp")
    with pytest.raises(ValueError, match="'idx': missing a required argument: 'path'"):
        datasets.load("idx")
    with pytest.raises(ValueError, match="blobs does not take turns"):
        datasets.load_toy("blobs", turns=2)
    with pytest.raises(ValueError, match="unknown toy data set"):
        datasets.load_toy("digits")


def test_names_are_forgiving() -> None:
    assert datasets.load(" MOONS ", n_samples=20).name == "moons"


def test_dataset_container() -> None:
    ds = datasets.load("circles", n_samples=20, seed=0)
    assert repr(ds) == (
        "Dataset('circles', classification, 2 classes, train (16, 2) float32, test (4, 2) float32)"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.X_train = ds.X_test  # type: ignore[misc]
    with pytest.raises(ValueError, match="one label per sample"):
        Dataset(np.zeros((3, 2)), np.zeros(2), np.zeros((1, 2)), np.zeros(1), None, "bad")
    with pytest.raises(ValueError, match="must match"):
        Dataset(np.zeros((3, 2)), np.zeros(3), np.zeros((1, 5)), np.zeros(1), None, "bad")


# -- how a data set was made: Dataset.preparation ----------------------------------------------


def test_digits_record_their_split_and_scaling() -> None:
    ds = datasets.load("digits", seed=5)
    prep = ds.preparation
    assert prep is not None and prep.loader == "digits" and prep.seed == 5
    assert prep.options == {"test_fraction": 0.2, "seed": 5, "stratify": False, "scale": True,
                            "dtype": "float32"}  # fmt: skip
    assert prep.image_shape == (8, 8) and prep.scaler is not None
    assert prep.scaler.to_dict()["data_max"] == 16.0  # the ink counts' range, not the data's
    raw = datasets.load("digits", seed=5, scale=False)
    assert raw.preparation is not None and raw.preparation.scaler is None
    np.testing.assert_array_equal(prep.scale(raw.X_test), ds.X_test)  # bit for bit
    again = datasets.Preparation.from_json(prep.to_json())
    assert again == prep
    np.testing.assert_array_equal(datasets.load(again).X_train, ds.X_train)
    other = datasets.load(again, seed=6)  # another split of the same 1,797 samples
    assert not np.array_equal(other.X_test, ds.X_test)


def test_idx_sets_record_their_folder_and_pixel_scaling(
    fake_fashion: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    directory, arrays = fake_fashion
    ds = datasets.load("fashion-mnist", path=directory)
    prep = ds.preparation
    assert prep is not None and prep.loader == "fashion-mnist" and prep.seed is None
    assert prep.options["path"] == str(directory) and prep.image_shape == (28, 28)
    raw = arrays["test-images"].reshape(5, -1)
    np.testing.assert_array_equal(prep.scale(raw), ds.X_test)  # uint8 0..255 → /255, exactly
    moved = tmp_path / "elsewhere"
    directory.rename(moved)
    with pytest.raises(DatasetNotFoundError):
        datasets.load(prep)
    np.testing.assert_array_equal(
        datasets.load(prep, path=moved).X_test, ds.X_test
    )  # the same files
    idx = datasets.load("idx", path=moved)
    assert idx.preparation is not None and idx.preparation.loader == "idx"
    np.testing.assert_array_equal(datasets.load(idx.preparation).X_train, ds.X_train)
    unscaled = datasets.load_idx_dataset(moved, scale=False).preparation
    assert unscaled is not None and unscaled.scaler is None


@pytest.mark.parametrize("name", ["moons", "blobs", "spirals", "sine"])
def test_toy_sets_record_every_generator_option(name: str) -> None:
    ds = datasets.load(name, n_samples=60, seed=3)
    prep = ds.preparation
    assert prep is not None and prep.scaler is None and prep.image_shape is None
    assert prep.options["n_samples"] == 60 and "noise" in prep.options  # the default, written
    assert prep.options["test_fraction"] == 0.2 and prep.options["seed"] == 3
    again = datasets.load(datasets.Preparation.from_json(prep.to_json()))
    np.testing.assert_array_equal(again.X_test, ds.X_test)
    np.testing.assert_array_equal(again.y_train, ds.y_train)
    np.testing.assert_array_equal(prep.scale(ds.X_test), ds.X_test)  # used as generated


def test_a_split_made_by_a_generator_cannot_be_made_again() -> None:
    ds = datasets.load("xor", n_samples=20, seed=np.random.default_rng(0))
    assert ds.preparation is not None and ds.preparation.seed is None
    with pytest.raises(ValueError, match="split by a random generator, not by an integer seed"):
        datasets.load(ds.preparation)
    assert datasets.load(ds.preparation, seed=1).n_test == 4


def test_training_facts_and_bad_records() -> None:
    ds = datasets.load("circles", n_samples=40, seed=0)
    assert ds.preparation is not None
    trained = ds.preparation.with_training(ds.X_train, ds.X_test, ds.y_test, 0.25, 7)
    assert trained.val_fraction == 0.25 and trained.val_seed == 7
    assert trained.input_range == (float(ds.X_train.min()), float(ds.X_train.max()))
    assert trained.test_digest == datasets.Preparation.digest(ds.X_test.copy(), ds.y_test)
    assert trained.test_digest != datasets.Preparation.digest(ds.X_test[:-1], ds.y_test[:-1])
    assert datasets.Preparation.from_metadata(trained.to_metadata()) == trained
    assert datasets.Preparation.from_metadata({"dataset": "circles"}) is None  # an older file
    for text, message in [
        ("{", "not valid JSON"),
        ('{"format": 99}', "format 99, which this glassnet does not know"),
        ('{"format": 1, "loader": 3, "options": {}}', "needs a loader name"),
        ('{"format": 1, "loader": "xor", "options": {}, "val_fraction": 2}', "val_fraction"),
        ('{"format": 1, "loader": "xor", "options": {}, "input_range": [0]}', "input_range"),
        ('{"format": 1, "loader": "xor", "options": {}, "scaler": {"scaler": "x"}}', "scaler"),
    ]:
        with pytest.raises(ValueError, match=message):
            datasets.Preparation.from_json(text)


def test_read_images_grey_resized_inverted_and_without_pillow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Image = pytest.importorskip("PIL.Image")
    white_square = np.zeros((8, 8, 3), dtype=np.uint8)
    white_square[2:6, 2:6] = 255
    Image.fromarray(white_square).resize((32, 32), Image.Resampling.NEAREST).save(
        tmp_path / "b.png"
    )
    Image.fromarray(white_square[:, :, 0]).save(tmp_path / "a.PNG")
    names, grey = datasets.read_images(tmp_path, (8, 8))
    assert names == ["a.PNG", "b.png"] and grey.shape == (2, 64)
    np.testing.assert_array_equal(grey[0], white_square[:, :, 0].ravel())  # colour → grey
    assert abs(grey[1] - grey[0]).max() < 40  # 32×32 → 8×8: nearly the same picture
    _, inverted = datasets.read_images(tmp_path / "a.PNG", (8, 8), invert=True)
    np.testing.assert_array_equal(inverted[0], 255 - grey[0])
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"needs Pillow: pip install 'glassnet\[cli\]'"):
        datasets.read_images(tmp_path, (8, 8))


def test_a_square_image_shape_from_a_feature_count() -> None:
    from glassnet.datasets.images import square_image_shape

    assert square_image_shape(784) == (28, 28) and square_image_shape(64) == (8, 8)
    assert square_image_shape(1) == (1, 1)
    assert [square_image_shape(n) for n in (0, 2, 10, 783, 785)] == [None] * 5
