"""The BLAS thread policy of fit (glassnet.training.threads): chosen once, put back after."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.training import threads as policy
from glassnet.training.parallel import FakeComm, Ranks

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads_now() -> list[int]:
    return [
        lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"
    ]


class SeeThreads(gn.Callback):
    """Records NumPy's BLAS threads while fit runs."""

    def __init__(self) -> None:
        self.seen: list[list[int]] = []

    def on_batch_end(self, run: gn.callbacks.TrainingRun, cost: float) -> None:
        self.seen.append(blas_threads_now())


def big_enough() -> tuple[gn.Network, np.ndarray, np.ndarray]:
    """A network whose products (m · |W| = 64 · 64·100) are over OpenBLAS's one-thread size."""
    rng = np.random.default_rng(0)
    X, y = rng.random((128, 64)), rng.integers(0, 3, 128)
    return gn.Network.from_sizes([64, 100, 3], seed=0), X, y


@pytest.mark.parametrize(
    "most, busy, expected",
    [(2, 0.0, 2), (2, 0.2, 2), (2, 0.25, 1), (2, 1.0, 1), (2, 3.5, 1), (8, 2.1, 6), (1, 0.0, 1)],
)
def test_a_core_a_quarter_busy_counts_as_taken(most: int, busy: float, expected: int) -> None:
    assert policy.choose_threads(most, busy) == expected


def test_busy_cores_is_a_non_negative_number_of_cores() -> None:
    busy = policy.busy_cores(policy.usable_cores(), seconds=0.02)
    assert 0.0 <= busy <= len(policy.usable_cores()) + 1  # ticks are 1/100 s: a little slack


def test_threads_n_holds_within_fit_and_is_put_back() -> None:
    net, X, y = big_enough()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = blas_threads_now()
        for n in (1, 3):
            seen = SeeThreads()
            net.fit(X, y, epochs=1, batch_size=64, verbose=0, callbacks=[seen], threads=n)
            assert seen.seen and all(t == [n] * len(before) for t in seen.seen)
            assert blas_threads_now() == before


def test_the_setting_comes_back_when_fit_raises() -> None:
    net, X, y = big_enough()

    class Boom(gn.Callback):
        def on_batch_end(self, run: gn.callbacks.TrainingRun, cost: float) -> None:
            raise RuntimeError("boom")

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = blas_threads_now()
        with pytest.raises(RuntimeError, match="boom"):
            net.fit(X, y, epochs=1, batch_size=64, verbose=0, callbacks=[Boom()], threads=1)
        assert blas_threads_now() == before


@pytest.mark.parametrize("busy, expected", [(0.0, 2), (1.0, 1), (0.4, 1)])
def test_threads_none_uses_free_cores_only(
    monkeypatch: pytest.MonkeyPatch, busy: float, expected: int
) -> None:
    monkeypatch.setattr(policy, "usable_cores", lambda: [0, 1])
    monkeypatch.setattr(policy, "busy_cores", lambda cores: busy)
    net, X, y = big_enough()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        seen = SeeThreads()
        net.fit(X, y, epochs=1, batch_size=64, verbose=0, callbacks=[seen])
        assert all(set(t) == {expected} for t in seen.seen)
        assert set(blas_threads_now()) == {2}


def test_small_products_and_one_thread_blas_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_probe(cores: list[int]) -> float:
        raise AssertionError("probed the machine for a choice that does not matter")

    monkeypatch.setattr(policy, "busy_cores", must_not_probe)
    X, y = np.eye(4), np.array([0, 1, 1, 0])
    small = gn.Network.from_sizes([4, 5, 2], seed=0)
    small.fit(X, y, epochs=2, batch_size=2, verbose=0)  # 2 · 20 multiply-adds
    net, Xb, yb = big_enough()
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        net.fit(Xb, yb, epochs=1, batch_size=64, verbose=0)  # the BLAS was set to 1 thread


def test_threads_do_not_change_float64_results() -> None:
    runs = []
    for n in (1, 2):
        net, X, y = big_enough()
        net.fit(X, y, epochs=2, batch_size=64, verbose=0, seed=3, threads=n)
        runs.append(net.layers[1].W.copy())
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_threads(bad: object) -> None:
    net, X, y = big_enough()
    with pytest.raises(ValueError, match="threads"):
        net.fit(X, y, epochs=1, verbose=0, threads=bad)  # type: ignore[arg-type]


def test_cli_train_threads(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    args = ["train", "--epochs", "1", "--no-save", "--quiet", "--threads", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "glassnet", *args[:-1], "0"], capture_output=True, text=True,
        cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and "--threads" in bad.stderr


def test_a_recurrent_layers_products_count_every_time_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """W_ih meets all T steps' inputs: 50 · 128 · 2 · 32 multiply-adds, over OpenBLAS's one-thread
    size although |W_ih| · m alone (8,192) is far below it; so fit looks at the machine."""
    rnn = gn.Network([gn.layers.Reshape((50, 2)), gn.layers.RNN(2, 32), gn.Dense(32, 1)])
    assert policy._largest_product(rnn, 128) == 50 * 128 * 2 * 32
    dense = gn.Network.from_sizes([784, 100, 10])
    assert policy._largest_product(dense, 128) == 128 * 784 * 100
    probed: list[list[int]] = []
    monkeypatch.setattr(policy, "busy_cores", lambda cores: probed.append(cores) or 1.0)
    monkeypatch.setattr(policy, "usable_cores", lambda: [0, 1])
    rng = np.random.default_rng(0)
    X, y = rng.random((128, 100)), rng.random((128, 1))
    seen = SeeThreads()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        rnn.fit(X, y, epochs=1, batch_size=128, verbose=0, callbacks=[seen])
    assert probed and all(set(t) == {1} for t in seen.seen)  # one core busy: one thread


# -- MPI ranks on one machine ---------------------------------------------------------------------


class TwoMachines(FakeComm):
    """Two ranks: rank 1 on another machine (``host``) or on other cores of this one (``cores``)."""

    def __init__(self, host: str | None = None, cores: list[int] | None = None) -> None:
        super().__init__(rank=0, size=2)
        self.host, self.cores = host, cores

    def allgather(self, obj: object) -> list[object]:
        got = super().allgather(obj)
        if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], str):  # (host, cores)
            got[1] = (self.host or obj[0], self.cores if self.cores is not None else obj[1])
        return got


def ranks_of(comm: FakeComm) -> Ranks:
    net = gn.Network.from_sizes([2, 1], seed=0)
    return Ranks(comm, net, net.rng, 8, None, sharded=False, callbacks=[])


def test_ranks_count_the_ranks_that_share_their_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "usable_cores", lambda: [0, 1])
    assert ranks_of(FakeComm(rank=0, size=3)).sharing == 3  # one machine, the same cores
    assert ranks_of(TwoMachines(host="another-machine")).sharing == 1
    assert ranks_of(TwoMachines(cores=[2, 3])).sharing == 1  # bound to other cores
    assert ranks_of(TwoMachines(cores=[1, 2])).sharing == 2  # core 1 in common
    assert ranks_of(FakeComm(rank=0, size=2)).rows(128) == 64
    assert ranks_of(FakeComm(rank=0, size=3)).rows(128) == 43  # the largest part


@pytest.mark.parametrize("comm, expected", [(FakeComm(rank=0, size=2), 1), (TwoMachines("b"), 2)])
def test_ranks_on_one_machine_take_their_share_of_its_cores(
    monkeypatch: pytest.MonkeyPatch, comm: FakeComm, expected: int
) -> None:
    """Two ranks on two free cores: one BLAS thread each (two each would wait on each other as
    on a busy machine); a rank alone on its machine takes both."""
    monkeypatch.setattr(policy, "usable_cores", lambda: [0, 1])
    monkeypatch.setattr(policy, "busy_cores", lambda cores: 0.0)
    net, X, y = big_enough()  # a rank's 64 rows of a 128-row batch: 64 · 64·100 multiply-adds
    seen = SeeThreads()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        net.fit(X, y, epochs=1, batch_size=128, verbose=0, callbacks=[seen], comm=comm)
    assert seen.seen and all(set(t) == {expected} for t in seen.seen)
