"""Data-parallel training over MPI (glassnet.training.parallel, glassnet.distributed).

The runs under ``mpiexec`` must end with the weights a single process reaches with the same
seed, batch size and data (to 1e-12 in float64: the ranks add their gradients in another
order); the faults must end the whole job. The time limits on the subprocesses only detect a
hang: a healthy run takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import distributed
from glassnet.training.parallel import FakeComm, Ranks

SRC = str(Path(__file__).resolve().parents[1] / "src")
HANG = 300  # seconds: only a hang gets near it


def mpiexec(n: int, *command: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mpi4py")
    launcher = shutil.which("mpiexec")
    if launcher is None:
        pytest.skip("no mpiexec (pip install 'glassnet[mpi]')")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    return subprocess.run(
        [launcher, "-n", str(n), *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


# -- the runs that must equal one process ------------------------------------------------------

# each case: a network, an optimizer, how the data is held and cut, what else fit is given
CASES = [
    {"opt": "sgd", "l2": 0.0, "sharded": False, "batch": 16},
    {"opt": "sgd", "l2": 1e-2, "sharded": True, "batch": 16},
    {"opt": "adam", "l2": 0.0, "sharded": True, "batch": 10},
    {"opt": "adam", "l2": 1e-2, "sharded": False, "batch": 7},
    {"opt": "adam", "l2": 1e-3, "sharded": True, "batch": 16, "dropout": 0.3, "weights": True},
    {"opt": "sgd", "l2": 0.0, "sharded": False, "batch": 8, "dropout": 0.2, "weights": True},
    {"opt": "sgd", "l2": 0.0, "sharded": False, "batch": 2},  # with 3 ranks, one gets no rows
    {"opt": "adam", "l2": 0.0, "sharded": True, "batch": 9, "regression": True},
    {"opt": "adam", "l2": 0.0, "sharded": False, "batch": 16, "early": True},
]
M = 103  # samples: no batch size above divides it


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(M, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    w = rng.uniform(0.0, 2.0, size=M)
    return X, y, w


def cuts(n: int) -> list[int]:
    """Uneven shard boundaries: rank 0 holds 10 rows, the others share the rest."""
    inner = [10 + (M - 10) * r // (n - 1) for r in range(1, n - 1)] if n > 2 else []
    return [0, 10, *inner, M] if n > 1 else [0, M]


def train(case: dict, comm=None, rank: int = 0, n: int = 1):
    """One case's run: alone (comm None), or rank ``rank`` of ``n``."""
    X, y, w = data()
    if case.get("regression"):
        y = X[:, :1] * 2.0 - X[:, 1:2]
    net = gn.Network.from_sizes(
        [5, 7, 1 if case.get("regression") else 2],
        seed=1,
        dtype="float64",
        output_activation="identity" if case.get("regression") else "softmax",
        cost="mse" if case.get("regression") else "cross_entropy",
        l2=case["l2"],
        dropout=case.get("dropout", 0.0),
    )
    opt = gn.Adam(lr=0.01) if case["opt"] == "adam" else gn.SGD(lr=0.3, momentum=0.9)
    weights = w if case.get("weights") else None
    val = (X[:20], y[:20])
    callbacks = [gn.callbacks.EarlyStopping(patience=1)] if case.get("early") else []
    if comm is not None and case["sharded"]:
        c = cuts(n)
        X, y = X[c[rank] : c[rank + 1]], y[c[rank] : c[rank + 1]]
        weights = None if weights is None else weights[c[rank] : c[rank + 1]]
    history = net.fit(
        X,
        y,
        epochs=4,
        batch_size=case["batch"],
        optimizer=opt,
        seed=3,
        verbose=0,
        sample_weight=weights,
        validation_data=val,
        callbacks=callbacks,
        comm=comm,
        sharded=case["sharded"],
    )
    return net, history


RUN_CASES = """
import json, sys
import numpy as np
from mpi4py import MPI
sys.path.insert(0, sys.argv[1])
from test_distributed import CASES, train
comm = MPI.COMM_WORLD
out = {}
for i, case in enumerate(CASES):
    net, h = train(case, comm, comm.Get_rank(), comm.Get_size())
    out[f"w{i}"] = net.parameter_vector()
    out[f"loss{i}"] = np.array(h.loss)
    out[f"acc{i}"] = np.array(h.accuracy)
    out[f"val{i}"] = np.array(h.val_loss)
np.savez(f"{sys.argv[2]}/rank{comm.Get_rank()}.npz", **out)
"""


@pytest.mark.parametrize("n", [2, 3])
def test_ranks_reach_the_weights_of_one_process(tmp_path, n):
    script = tmp_path / "cases.py"
    script.write_text(RUN_CASES)
    tests = str(Path(__file__).resolve().parent)
    done = mpiexec(n, sys.executable, str(script), tests, str(tmp_path))
    assert done.returncode == 0, done.stderr
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in range(n)]
    for i, case in enumerate(CASES):
        net, h = train(case)
        for r, got in enumerate(ranks):
            where = f"case {i} {case}, rank {r} of {n}"
            np.testing.assert_allclose(got[f"w{i}"], net.parameter_vector(), rtol=0, atol=1e-12)
            np.testing.assert_array_equal(got[f"w{i}"], ranks[0][f"w{i}"], err_msg=where)
            np.testing.assert_allclose(got[f"loss{i}"], h.loss, rtol=1e-12, err_msg=where)
            np.testing.assert_allclose(got[f"acc{i}"], h.accuracy, rtol=1e-12, err_msg=where)
            np.testing.assert_allclose(got[f"val{i}"], h.val_loss, rtol=1e-12, err_msg=where)


# -- resuming with another number of ranks ------------------------------------------------------

RESUME = """
import sys
import numpy as np, glassnet as gn
from mpi4py import MPI
sys.path.insert(0, sys.argv[1])
from test_distributed import data, cuts
comm = MPI.COMM_WORLD
r, n = comm.Get_rank(), comm.Get_size()
X, y, _ = data()
c = cuts(n)
X, y = X[c[r] : c[r + 1]], y[c[r] : c[r + 1]]
path = sys.argv[2] + "/run.ckpt.safetensors"
if sys.argv[3] == "start":
    net = gn.Network.from_sizes([5, 6, 2], seed=1, dtype="float64", dropout=0.2)
    net.fit(X, y, epochs=2, batch_size=8, optimizer=gn.Adam(lr=0.01), seed=5, verbose=0,
            callbacks=[gn.checkpoint.Checkpoint(path)], comm=comm, sharded=True)
else:
    state = gn.load_checkpoint(path)
    state.resume(X, y, epochs=5, verbose=0, comm=comm, sharded=True)
    np.save(f"{sys.argv[2]}/resumed{r}.npy", state.net.parameter_vector())
"""


def test_a_run_resumes_with_another_number_of_ranks(tmp_path):
    script = tmp_path / "resume.py"
    script.write_text(RESUME)
    tests = str(Path(__file__).resolve().parent)
    first = mpiexec(2, sys.executable, str(script), tests, str(tmp_path), "start")
    assert first.returncode == 0, first.stderr
    second = mpiexec(3, sys.executable, str(script), tests, str(tmp_path), "resume")
    assert second.returncode == 0, second.stderr
    X, y, _ = data()
    whole = gn.Network.from_sizes([5, 6, 2], seed=1, dtype="float64", dropout=0.2)
    whole.fit(X, y, epochs=5, batch_size=8, optimizer=gn.Adam(lr=0.01), seed=5, verbose=0)
    for r in range(3):
        got = np.load(tmp_path / f"resumed{r}.npy")
        np.testing.assert_allclose(got, whole.parameter_vector(), rtol=0, atol=1e-12)


def test_the_docs_script_runs_under_mpiexec(tmp_path):
    """docs/distributed.md's script, and its check against one process, on 2 ranks."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "distributed.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    script = tmp_path / "train_mpi.py"
    script.write_text(blocks[0] + blocks[1])
    done = mpiexec(2, sys.executable, str(script))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("History(epochs=5") == 1  # rank 0 alone prints
    assert done.stdout.count("epoch 5/5") == 1


# -- threads: the ranks on one machine share its cores ------------------------------------------

THREADS = """
import json, os, socket, sys
for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # the BLAS on every core, by default
    os.environ.pop(name, None)
import numpy as np, glassnet as gn
from mpi4py import MPI
from threadpoolctl import threadpool_info
comm = MPI.COMM_WORLD
class See(gn.Callback):
    seen = []
    def on_batch_end(self, run, cost):
        self.seen += [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
rng = np.random.default_rng(0)
X, y = rng.random((512, 64)), rng.integers(0, 3, 512)
net = gn.Network.from_sizes([64, 100, 3], seed=0)  # a rank's 256 rows: 256 · 6400 multiply-adds
net.fit(X, y, epochs=1, batch_size=512, verbose=0, callbacks=[See()], comm=comm)
where = (socket.gethostname(), sorted(os.sched_getaffinity(0)))
with open(f"{sys.argv[1]}/threads{comm.Get_rank()}.json", "w") as f:
    json.dump({"seen": See.seen, "where": where}, f)
"""


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="needs the CPU affinity (Linux)")
def test_two_ranks_on_one_machine_do_not_take_every_core_each(tmp_path):
    """Each rank's threads=None chooses from its share of the cores the two ranks may both run
    on, so ranks × BLAS threads stays within the cores (2 cores: 1 thread each, not 2)."""
    pytest.importorskip("threadpoolctl")
    script = tmp_path / "threads.py"
    script.write_text(THREADS)
    done = mpiexec(2, sys.executable, str(script), str(tmp_path))
    assert done.returncode == 0, done.stderr
    ranks = [json.loads((tmp_path / f"threads{r}.json").read_text()) for r in range(2)]
    (host0, cores0), (host1, cores1) = (r["where"] for r in ranks)
    shared = host0 == host1 and bool(set(cores0) & set(cores1))
    for r in ranks:
        assert r["seen"]  # the callback ran
        cores = len(r["where"][1])
        assert max(r["seen"]) <= (max(1, cores // 2) if shared else cores), ranks


# -- the command line ---------------------------------------------------------------------------


def test_mpiexec_glassnet_train_saves_the_model_of_one_process(tmp_path):
    options = ["--epochs", "2", "--seed", "1", "--dtype", "float64", "--val-fraction", "0.1"]
    alone = tmp_path / "alone.safetensors"
    together = tmp_path / "together.safetensors"
    run = [sys.executable, "-m", "glassnet", "train", *options]
    env = {**os.environ, "PYTHONPATH": SRC}
    one = subprocess.run([*run, "-o", str(alone)], capture_output=True, text=True, env=env)
    assert one.returncode == 0, one.stderr
    done = mpiexec(2, *run, "-o", str(together))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("saved the model") == 1  # rank 0 alone reports and saves
    assert "data-parallel over 2 MPI ranks" in done.stdout

    def epochs(out):  # each epoch's numbers, without its time
        return [line.rsplit("(", 1)[0] for line in out.splitlines() if line.startswith("epoch")]

    assert epochs(done.stdout) == epochs(one.stdout) and len(epochs(one.stdout)) == 2
    a, b = gn.load(alone), gn.load(together)
    np.testing.assert_allclose(b.parameter_vector(), a.parameter_vector(), rtol=0, atol=1e-12)


def test_glassnet_train_under_mpiexec_without_mpi4py_says_what_to_install(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py fails
    from glassnet.cli import main

    assert main(["train", "--epochs", "1", "-o", str(tmp_path / "m.safetensors")]) == 2
    err = capsys.readouterr().err
    assert "started by an MPI launcher with 2 ranks" in err
    assert "pip install 'glassnet[mpi]'" in err


# -- faults: no rank is left waiting --------------------------------------------------------------

FAULT = """
import os, signal, sys
import numpy as np, glassnet as gn
from mpi4py import MPI
comm = MPI.COMM_WORLD

class Fault(gn.Callback):
    def on_batch_end(self, run, cost):
        if comm.Get_rank() == 1 and run.epoch == 2 and run.batch == 3:
            if sys.argv[1] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("rank 1 broke on purpose")

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4)); y = (X[:, 0] > 0).astype(int)
net = gn.Network.from_sizes([4, 5, 2], seed=0)
net.fit(X, y, epochs=50, batch_size=4, verbose=0, callbacks=[Fault()], comm=comm)
print("finished")  # never: rank 1 fails in epoch 2
"""


@pytest.mark.parametrize("fault", ["raise", "kill"])
def test_a_rank_that_fails_ends_the_job(tmp_path, fault):
    script = tmp_path / "fault.py"
    script.write_text(FAULT)
    start = time.monotonic()
    done = mpiexec(2, sys.executable, str(script), fault)
    assert time.monotonic() - start < 60
    assert done.returncode != 0
    assert "finished" not in done.stdout
    output = done.stdout + done.stderr
    if fault == "raise":
        assert "[rank 1] RuntimeError: rank 1 broke on purpose" in output
        assert "aborting all 2 ranks" in output
    else:  # MPICH's mpiexec reports the killed rank and ends the others
        assert "BAD TERMINATION" in output
        assert "signal 9" in output or "Killed" in output


# -- in one process: what needs no MPI -------------------------------------------------------------


def test_a_world_of_one_rank_is_one_process_exactly():
    X, y, w = data()
    nets = []
    for comm in (None, FakeComm()):
        net = gn.Network.from_sizes([5, 4, 2], seed=2, dtype="float64", l2=0.01, dropout=0.1)
        net.fit(
            X,
            y,
            epochs=3,
            batch_size=10,
            optimizer=gn.Adam(lr=0.01),
            seed=0,
            verbose=0,
            sample_weight=w,
            comm=comm,
        )
        nets.append(net.parameter_vector())
    np.testing.assert_array_equal(nets[0], nets[1])


def test_other_ranks_print_and_save_nothing(capsys, tmp_path):
    X, y, _ = data()
    net = gn.Network.from_sizes([5, 2], seed=0)
    path = tmp_path / "history.csv"
    net.fit(
        X,
        y,
        epochs=2,
        verbose=1,
        comm=FakeComm(rank=1, size=1),
        callbacks=[gn.callbacks.HistoryLogger(path)],
    )
    assert capsys.readouterr().out == ""
    assert not path.exists()


class Uneven(FakeComm):
    def allgather(self, obj):
        return [obj - 1, obj] if type(obj) is int else [obj, obj]


def test_ranks_must_agree_on_the_data():
    X, y, _ = data()
    net = gn.Network.from_sizes([5, 2], seed=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        net.fit(X, y, epochs=1, verbose=0, comm=Uneven(size=2))
    with pytest.raises(ValueError, match="keeps running statistics"):
        bn = gn.Network([gn.layers.Dense(5, 3), gn.layers.BatchNorm(3), gn.layers.Dense(3, 2)])
        bn.fit(X, y, epochs=1, verbose=0, comm=FakeComm())


def test_shares_of_a_batch():
    net = gn.Network.from_sizes([2, 1], seed=0)
    idx = np.array([6, 2, 0, 5, 1, 3, 4])
    parts = [Ranks(FakeComm(r, 3), net, net.rng, 7, None, False, []).share(idx) for r in range(3)]
    assert [p[1].tolist() for p in parts] == [[6, 2], [0, 5], [1, 3, 4]]
    sharded = Ranks(Uneven(rank=1, size=2), net, net.rng, 4, None, True, [])
    assert (sharded.m, sharded.offset) == (7, 3)  # shards of 3 and 4 rows
    pos, rows = sharded.share(idx)  # the indices 3..6 are this rank's rows 0..3
    assert pos.tolist() == [True, False, False, True, False, True, True]
    assert rows.tolist() == [3, 2, 0, 1]


def test_launch_helpers():
    assert distributed.launched({}) == 1
    assert distributed.launched({"OMPI_COMM_WORLD_SIZE": "3"}) == 3
    assert distributed.launched({"PMI_SIZE": "4"}) == 4
    slices = [distributed.shard(10, r, 3) for r in range(3)]
    assert [(s.start, s.stop) for s in slices] == [(0, 3), (3, 6), (6, 10)]
    with pytest.raises(ValueError, match="rank must be in 0"):
        distributed.shard(10, 3, 3)
