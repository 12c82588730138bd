"""The generated sequence tasks (glassnet.datasets.sequences): adding, parity, sine continuation."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import datasets
from glassnet.datasets import ADDING_BASELINE, adding, load_sequences, parity, sine_continuation


@pytest.mark.parametrize("maker", [adding, parity, sine_continuation])
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(maker) -> None:
    X, y = maker(50, T=6, seed=3)
    again, y_again = maker(50, T=6, seed=3)
    other, _ = maker(50, T=6, seed=4)
    assert np.array_equal(X, again) and np.array_equal(y, y_again)
    assert not np.array_equal(X, other)
    assert X.shape[:2] == (50, 6) and X.dtype == np.float32 and y.shape == (50,)
    assert maker(5, T=6, seed=0, dtype="float64")[0].dtype == np.float64


def test_adding_marks_one_step_in_each_half_and_sums_their_values() -> None:
    X, y = adding(500, T=9, seed=0)
    values, marks = X[:, :, 0], X[:, :, 1]
    assert set(np.unique(marks).tolist()) == {0.0, 1.0}
    assert (marks[:, :4].sum(axis=1) == 1).all() and (marks[:, 4:].sum(axis=1) == 1).all()
    assert ((values >= 0) & (values < 1)).all()
    first, second = marks.argmax(axis=1), 8 - marks[:, ::-1].argmax(axis=1)
    rows = np.arange(500)
    np.testing.assert_allclose(y, values[rows, first] + values[rows, second], rtol=1e-6)


def test_the_adding_baseline_is_the_mse_of_answering_one() -> None:
    _, y = adding(40_000, T=4, seed=1, dtype="float64")
    assert pytest.approx(1 / 6) == ADDING_BASELINE
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE, abs=0.005)
    assert np.mean(y) == pytest.approx(1.0, abs=0.01)  # 1.0 is the best constant answer


def test_parity_labels_are_the_xor_of_the_bits_and_the_strings_differ() -> None:
    X, y = parity(256, T=8, seed=0)
    bits = X[:, :, 0].astype(int)
    assert X.shape == (256, 8, 1) and y.dtype == np.int64
    assert np.array_equal(y, np.bitwise_xor.reduce(bits, axis=1))
    assert len({row.tobytes() for row in bits}) == 256  # every string of 8 bits, once
    long, y_long = parity(20, T=80, seed=0)  # past 2^62 strings: drawn bit by bit
    assert np.array_equal(y_long, long[:, :, 0].astype(int).sum(axis=1) % 2)
    with pytest.raises(ValueError, match=r"only 2\^3 = 8 different strings of 3 bits"):
        parity(9, T=3)


def test_sine_continuation_targets_the_clean_wave_horizon_steps_on() -> None:
    X, y = sine_continuation(30, T=7, period=10.0, horizon=3, noise=0.0, seed=0, dtype="float64")
    phase = np.arcsin(np.clip(X[:, 0, 0], -1, 1))  # sin φ, with φ or π − φ the true phase
    step = 2 * np.pi / 10
    for guess in (phase, np.pi - phase):
        ok = np.isclose(np.sin(guess + step), X[:, 1, 0])  # which guess continues the wave
        np.testing.assert_allclose(y[ok], np.sin(guess[ok] + (6 + 3) * step), atol=1e-9)
    noisy, _ = sine_continuation(2000, T=7, noise=0.5, seed=0, dtype="float64")
    clean, _ = sine_continuation(2000, T=7, noise=0.0, seed=0, dtype="float64")
    assert np.std(noisy - clean) == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: adding(10, T=1), "T is the sequence length and must be at least 2"),
        (lambda: adding(0), "n_samples must be a positive integer"),
        (lambda: parity(10, T=2.5), "T must be a positive integer"),
        (lambda: sine_continuation(10, period=0), "period is the sine's length in steps"),
        (lambda: sine_continuation(10, horizon=0), "horizon must be a positive integer"),
        (lambda: sine_continuation(10, noise=-1), "noise is a standard deviation"),
        (lambda: load_sequences("adding", noise=0.1), "adding does not take noise"),
        (lambda: load_sequences("add"), "unknown sequence task 'add'"),
        (lambda: load_sequences("parity", flatten="yes"), "flatten must be True"),
        (lambda: datasets.load("adding", T=50, depth=3), "does not take depth"),
    ],
)
def test_bad_arguments_say_what_was_expected(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", ["adding", "parity", "sine-continuation"])
def test_load_gives_flat_rows_with_a_sequence_shape_and_its_record_makes_them_again(
    name: str,
) -> None:
    ds = datasets.load(name, n_samples=200, T=8, seed=2)
    T, n_in = ds.sequence_shape
    assert T == 8 and ds.X_train.shape == (160, 8 * n_in) and ds.n_features == 8 * n_in
    assert (ds.task == "classification") == (name == "parity")
    again = datasets.load(ds.preparation)
    assert np.array_equal(again.X_train, ds.X_train) and np.array_equal(again.y_test, ds.y_test)
    folded = datasets.load(name, n_samples=200, T=8, seed=2, flatten=False)
    assert np.array_equal(folded.X_test, ds.X_test.reshape(-1, T, n_in))
    assert ds.preparation.options["T"] == 8 and ds.preparation.scaler is None


def test_the_rows_hold_the_steps_in_order() -> None:
    ds = datasets.load("adding", n_samples=10, T=4, seed=0, test_fraction=0.5)
    X, y = adding(10, T=4, seed=np.random.default_rng(0))  # the loader draws the data first
    rows = {row.tobytes(): target for row, target in zip(X.reshape(10, 8), y, strict=True)}
    for row, target in zip(ds.X_train, ds.y_train, strict=True):
        assert rows[row.tobytes()] == target
    assert datasets.available()["adding"].startswith("The adding problem")
