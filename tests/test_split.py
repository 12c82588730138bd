"""The mini-batch split over threads (glassnet.training.split): the same training, more cores."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.training import split as split_module
from glassnet.training import threads as policy
from glassnet.training.parallel import FakeComm
from glassnet.training.split import SplitStep

threadpoolctl = pytest.importorskip("threadpoolctl")
L = gn.layers


def small_cnn(seed: int = 3, **kwargs: Any) -> gn.Network:
    """Every kind of layer the split must carry: convolution with dropout, pooling, Dense."""
    return gn.Network(
        [
            L.Reshape((1, 9, 9)),
            L.Conv2D(1, 4, 3, padding=1, dropout=0.2),
            L.MaxPool2D(2),
            L.Conv2D(4, 3, 2, stride=2, activation="tanh"),
            L.Flatten(),
            gn.Dense(12, 5, activation="softmax"),
        ],
        seed=seed,
        dtype="float64",
        **kwargs,
    )


def data(m: int = 103) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((m, 81)), rng.integers(0, 5, m), rng.random(m) * 2


@pytest.fixture
def always_split(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every network worth splitting; returns the part counts of the SplitSteps made."""
    monkeypatch.setattr(policy, "SPLIT_NUMBERS", 0)
    made: list[int] = []

    class Recorded(SplitStep):
        def __init__(self, net: gn.Network, parts: int, workspace: Any = None) -> None:
            made.append(parts)
            super().__init__(net, parts, workspace)

    monkeypatch.setattr(split_module, "SplitStep", Recorded)
    return made


def train(net: gn.Network, threads: int | None, **kwargs: Any) -> gn.History:
    X, y, _ = data()
    opt = gn.Adam(lr=0.01, clip_norm=kwargs.pop("clip_norm", None))
    return net.fit(X, y, epochs=2, batch_size=kwargs.pop("batch_size", 16), optimizer=opt,
                   seed=1, verbose=0, threads=threads, **kwargs)  # fmt: skip


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"sample_weight": data()[2]},
        {"clip_norm": 0.05, "batch_size": 7},  # 103 = 14 · 7 + 5: a smaller last batch
        {"batch_size": 2},  # fewer rows than parts: a batch is cut into at most its rows
    ],
    ids=["mean", "sample-weights", "clipped", "tiny-batches"],
)
def test_split_training_equals_one_thread(
    always_split: list[int], parts: int, options: dict[str, Any]
) -> None:
    one = small_cnn(l2=1e-3)
    h1 = train(one, 1, **dict(options))
    assert always_split == []  # one thread: nothing to split over
    many = small_cnn(l2=1e-3)
    h2 = train(many, parts, **dict(options))
    assert always_split == [parts]
    for l in (2, 4, 6):
        np.testing.assert_allclose(many.W[l], one.W[l], rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(many.b[l], one.b[l], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(h2.loss, h1.loss, rtol=1e-12)
    assert h2.accuracy == h1.accuracy  # every sample's class, in the epoch's order


def test_a_split_run_repeats_exactly(always_split: list[int]) -> None:
    a, b = small_cnn(), small_cnn()
    train(a, 2)
    train(b, 2)
    assert all(np.array_equal(a.W[l], b.W[l]) for l in (2, 4, 6))


def test_split_under_a_communicator(always_split: list[int]) -> None:
    """The data-parallel fit's flat gradient buffer is the first part's (one rank here)."""
    one, split = small_cnn(), small_cnn()
    train(one, 1)
    train(split, 2, comm=FakeComm())
    np.testing.assert_allclose(split.W[2], one.W[2], rtol=1e-11, atol=1e-13)


def test_the_blas_runs_one_thread_per_part_and_is_put_back(always_split: list[int]) -> None:
    seen: list[list[int]] = []
    workers: list[int] = []

    class See(gn.Callback):
        def on_batch_end(self, run: gn.callbacks.TrainingRun, cost: float) -> None:
            info = threadpoolctl.threadpool_info()
            seen.append([lib["num_threads"] for lib in info if lib["user_api"] == "blas"])
            workers.append(sum(t.name.startswith("glassnet") for t in threading.enumerate()))

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        train(small_cnn(), 2, callbacks=[See()])
        after = [
            lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"
        ]  # fmt: skip
    assert seen and all(set(t) == {1} for t in seen)
    assert set(after) == {2}
    assert max(workers) == 1  # parts − 1 helper threads: the first part runs on fit's own
    assert not any(t.name.startswith("glassnet") for t in threading.enumerate())  # all stopped


def test_threads_none_splits_a_convolutional_network_on_free_cores(
    monkeypatch: pytest.MonkeyPatch, always_split: list[int]
) -> None:
    monkeypatch.setattr(policy, "usable_cores", lambda: [0, 1])
    monkeypatch.setattr(policy, "busy_cores", lambda cores: 0.0)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        train(small_cnn(), None)
    assert always_split == [2]
    monkeypatch.setattr(policy, "busy_cores", lambda cores: 1.0)  # one core taken: no split
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        train(small_cnn(), None)
    assert always_split == [2]


def test_which_networks_are_split() -> None:
    cnn = gn.Network(
        [L.Reshape((1, 28, 28)), L.Conv2D(1, 16, 3, padding=1), L.MaxPool2D(2),
         L.Flatten(), gn.Dense(16 * 14 * 14, 10)]
    )  # fmt: skip
    assert policy.splits(cnn, 128, 2) and policy.splits(cnn, 32, 2)
    assert not policy.splits(cnn, 128, 1)
    assert not policy.splits(gn.Network.from_sizes([784, 100, 10]), 128, 2)  # little to split
    normed = gn.Network(
        [L.Reshape((1, 28, 28)), L.Conv2D(1, 16, 3), L.BatchNorm(16), L.Flatten(),
         gn.Dense(16 * 26 * 26, 10)]
    )  # fmt: skip
    assert not policy.splits(normed, 128, 2)  # batch statistics would be a part's


def test_a_part_that_fails_fails_fit(
    monkeypatch: pytest.MonkeyPatch, always_split: list[int]
) -> None:
    net = small_cnn()
    step = net.step
    calls = []

    def second_part_fails(x: Any, *args: Any) -> Any:
        calls.append(threading.current_thread().name)
        if threading.current_thread().name.startswith("glassnet"):
            raise FloatingPointError("part 2 went wrong")
        return step(x, *args)

    monkeypatch.setattr(net, "step", second_part_fails)
    with pytest.raises(FloatingPointError, match="part 2"):
        train(net, 2)
    assert len(calls) == 2  # both parts of the first batch ran; the error ended fit


def test_split_step_refuses_caches_of_another_size() -> None:
    net = small_cnn()
    x, y, _ = net.check_data(*data(6)[:2])
    with SplitStep(net, 2) as split:
        split.workspace(6)
        with pytest.raises(ValueError, match="workspace"):
            split.step(x, y, net.workspace(6))
        with pytest.raises(ValueError, match=r"workspace\(4\)"):  # a size never asked for
            split.step(x[:4], y[:4], net.workspace(4))
