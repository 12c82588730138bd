"""Data-parallel training over MPI ranks: what ``fit(..., comm=comm)`` adds to the one loop.

Synchronous data parallelism is the tutorial's mini-batch SGD with the mini-batch's work shared
out. The gradient of the mini-batch cost C = (1/B) Σ_i C_i over a batch of B samples is a sum
over samples, so it splits into a sum over ranks:

    ∂C/∂θ = Σ_r Σ_{i on rank r} (1/B) ∂C_i/∂θ

Each rank runs the network's own step (:meth:`glassnet.Network.step`) on its rows with the
share r_i = 1/B (not 1/(its rows)), which makes its gradient arrays hold its part of that sum;
one ``Allreduce`` over a single flat buffer — every ∂C/∂θ of the network, laid end to end, and
the mini-batch cost after them — adds the parts, and every rank then holds the gradient one
process would have computed. The penalty's gradient, the divergence check and the optimizer
step follow on every rank alike, so the weights stay the same everywhere without being sent.

Every rank draws the same random numbers: rank 0's generator state is broadcast at the start,
the permutation of the samples and the dropout masks are drawn for the whole mini-batch on every
rank (each rank then takes its rows of them). The mini-batches are therefore exactly those one
process draws, and the weights agree with one process's up to the order of floating-point
additions (about 1e-16 per step).

Two ways to hold the data:

- replicated (``sharded=False``): every rank passes the same (X, Y); each mini-batch's B
  indices are cut into ``size`` near-equal contiguous parts, and rank r takes part r.
- sharded (``sharded=True``): rank r passes only its own rows, its shard. The samples are
  numbered as if the shards were laid end to end in rank order (m = Σ_r m_r), the permutation
  runs over those m numbers, and each rank takes the indices of a mini-batch that fall in its
  shard. The mini-batches are those one process draws on the concatenated shards; what varies
  is how many of a batch's rows each rank holds (possibly none: it then adds zeros).

The module duck-types the communicator: anything with mpi4py's ``Get_rank``, ``Get_size``,
``Bcast``, ``bcast``, ``allgather``, ``Allreduce`` and ``Abort`` will do. It imports no MPI.
"""

from __future__ import annotations

import socket
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..costs import predicted_classes
from . import threads

if TYPE_CHECKING:
    from ..callbacks import Callback
    from ..layers import Cache
    from ..network import Network

__all__ = ["FakeComm", "Ranks"]


class Ranks:
    """This process's place among the ranks of a data-parallel ``fit``, and the traffic.

    Made by :func:`glassnet.training.fit` when it is given ``comm``; it broadcasts rank 0's
    weights, buffers and random state, agrees on the number of samples, and keeps the callbacks
    whose only effect is output (``rank_zero_only``) on rank 0. Used as a context manager
    around the training loop, it turns an exception on any rank into ``comm.Abort(1)`` after
    printing it, so that no other rank waits forever in an ``Allreduce``.

    Args:
        comm: an MPI communicator (e.g. ``mpi4py.MPI.COMM_WORLD``).
        net: the network; its parameters and buffers become rank 0's.
        rng: the generator that shuffles and draws dropout masks; it takes rank 0's state.
        m: this rank's number of samples.
        weights: this rank's sample weights s_i, or ``None``.
        sharded: whether each rank holds its own shard (see the module's docstring).
        callbacks: fit's callbacks; those marked ``rank_zero_only`` are removed on other ranks.

    Example (one process is a world of one rank; ``FakeComm`` stands in for mpi4py):
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.training.parallel import FakeComm, Ranks
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> ranks = Ranks(FakeComm(), net, net.rng, 10, None, sharded=False, callbacks=[])
        >>> ranks.m, ranks.rank, ranks.size
        (10, 0, 1)
    """

    def __init__(
        self,
        comm: Any,
        net: Network,
        rng: np.random.Generator,
        m: int,
        weights: Any,
        sharded: bool,
        callbacks: list[Callback],
    ) -> None:
        self.comm, self.net = comm, net
        self.rank, self.size = int(comm.Get_rank()), int(comm.Get_size())
        self.sharded = bool(sharded)
        for l, layer in enumerate(net.layers, start=1):
            if layer.buffer_names:  # every rank raises alike: no rank is left waiting
                raise ValueError(
                    f"layer {l} ({type(layer).__name__}) keeps running statistics of each "
                    "mini-batch, which data-parallel training would compute from one rank's "
                    "rows only; train it in one process (comm=None), or leave the layer out"
                )
        sizes = [int(s) for s in comm.allgather(int(m))]
        has_weights = comm.allgather(weights is not None)
        if len(set(has_weights)) > 1:
            raise ValueError(
                "some ranks passed sample_weight and some did not "
                f"(rank by rank: {has_weights}); pass it on every rank or on none"
            )
        if not self.sharded and len(set(sizes)) > 1:
            raise ValueError(
                f"the ranks passed different numbers of samples {sizes}; without sharded=True "
                "every rank must pass the same (X, Y); to give each rank its own rows, pass "
                "sharded=True"
            )
        #: m: the number of samples of the whole training set; offset: where this rank's
        #: shard starts in it (0 when replicated)
        self.m_local = int(m)
        self.m = sum(sizes) if self.sharded else self.m_local
        self.offset = sum(sizes[: self.rank]) if self.sharded else 0
        #: the sample weights of the whole training set (each rank's shard's, gathered: m numbers)
        self.weights = weights
        if self.sharded and weights is not None:
            self.weights = np.concatenate(comm.allgather(np.asarray(weights)))
        # one starting point: rank 0's parameters, buffers and random generator
        for layer in net.layers:
            for p in {**layer.parameters(), **layer.buffers()}.values():
                sent = np.ascontiguousarray(p)
                comm.Bcast(sent, root=0)
                np.copyto(p, sent)
        rng.bit_generator.state = comm.bcast(rng.bit_generator.state, root=0)
        if self.rank:  # printing, logging, checkpoints: rank 0's work alone
            callbacks[:] = [cb for cb in callbacks if not cb.rank_zero_only]
        # every ∂C/∂θ laid end to end, then the mini-batch cost C: what one Allreduce adds up
        self.flat = np.zeros(net.n_params + 1, dtype=net.dtype)
        self.in_place = getattr(sys.modules.get(type(comm).__module__), "IN_PLACE", None)
        # the ranks on this machine that may run on this rank's cores (itself included): fit's
        # threads=None gives each of them its share of those cores, not all of them
        here, mine = socket.gethostname(), set(threads.usable_cores())
        self.sharing = sum(
            host == here and bool(mine & set(cores))
            for host, cores in comm.allgather((here, sorted(mine)))
        )
        self.mine: Any = np.arange(0)  # the global indices of this rank's rows of the batch
        self.right = 0.0  # this rank's correctly classified samples so far this epoch

    # -- the rows of a mini-batch ----------------------------------------------------------------

    def share(self, idx: Any) -> tuple[Any, Any]:
        """This rank's part of the mini-batch ``idx`` (global sample indices): ``(pos, rows)``,
        its positions within the batch (a slice or a boolean mask) and its rows of its own X.

        Example:
            >>> import numpy as np, glassnet as gn
            >>> from glassnet.training.parallel import FakeComm, Ranks
            >>> net = gn.Network.from_sizes([2, 1], seed=0)
            >>> ranks = Ranks(FakeComm(rank=1, size=3), net, net.rng, 7, None, False, [])
            >>> ranks.share(np.array([6, 2, 0, 5, 1, 3, 4]))   # 7 = 2 + 2 + 3 rows
            (slice(2, 4, None), array([0, 5]))
        """
        if self.sharded:  # the batch's indices that fall in this rank's shard
            local = idx - self.offset
            pos = (local >= 0) & (local < self.m_local)
            rows = local[pos]
        else:  # part r of size rank-near-equal contiguous parts
            B = len(idx)
            pos = slice(self.rank * B // self.size, (self.rank + 1) * B // self.size)
            rows = idx[pos]
        self.mine = idx[pos]
        return pos, rows

    def rows(self, batch_size: int) -> int:
        """The most rows of a mini-batch of ``batch_size`` this rank works on (replicated data;
        with shards, what it holds on average)."""
        return -(-batch_size // self.size)

    def masks(self, masks: list[Any], pos: Any) -> list[Any]:
        """This rank's rows of the whole mini-batch's dropout masks."""
        return [None if mask is None else mask[pos] for mask in masks]

    def workspace(self, m: int, running: bool = True) -> list[Cache]:
        """``net.workspace(m, running=running)`` with every gradient array a view of one flat
        buffer (in the order of the layers and their parameter names), so that the whole
        gradient goes through one ``Allreduce`` without being copied."""
        caches = self.net.workspace(m, running=running)
        start = 0
        for cache in caches:
            for name, grad in cache.grads.items():
                f_order = grad.flags.f_contiguous and not grad.flags.c_contiguous
                part = self.flat[start : start + grad.size]
                view = part.reshape(grad.shape, order="F" if f_order else "C")
                cache.grads[name] = view
                start += grad.size
        return caches

    # -- the traffic -----------------------------------------------------------------------------

    def allreduce(self, cost: float) -> float:
        """Add up every rank's ∂C/∂θ (already in the flat buffer) and mini-batch cost: one
        ``Allreduce``; returns the mini-batch's cost C, the same on every rank."""
        flat = self.flat
        flat[-1] = cost
        if self.in_place is not None:  # mpi4py: MPI.IN_PLACE, no copy
            self.comm.Allreduce(self.in_place, flat)
        else:
            self.comm.Allreduce(flat.copy(), flat)
        return float(flat[-1])

    def count(self, a_L: Any, labels: Any) -> None:
        """Count this rank's correctly classified rows of the mini-batch (weighted by s_i)."""
        right = predicted_classes(a_L) == labels
        if self.weights is None:
            self.right += np.count_nonzero(right)
        else:
            self.right += float(self.weights[self.mine] @ right)

    def correct(self) -> Any:
        """The epoch's correctly classified samples over every rank (one small ``Allreduce``):
        a count, or a sum of sample weights."""
        total = np.array([self.right], dtype=np.float64)
        self.comm.Allreduce(total.copy(), total)
        self.right = 0.0
        return total[0]

    def same(self, value: float) -> float:
        """Rank 0's ``value`` on every rank (for numbers each rank computes from its own rows)."""
        return float(self.comm.bcast(value, root=0))

    # -- faults ----------------------------------------------------------------------------------

    def __enter__(self) -> Ranks:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """An exception on one rank would leave the others waiting in the next ``Allreduce``
        for ever: print it, marked with the rank, and end every rank with ``comm.Abort(1)``."""
        if error is None:
            return
        text = "".join(traceback.format_exception(kind, error, tb))
        lines = [f"[rank {self.rank}] {line}" for line in text.splitlines()]
        print("\n".join(lines), file=sys.stderr, flush=True)
        print(
            f"[rank {self.rank}] glassnet: this rank failed during data-parallel training; "
            f"aborting all {self.size} ranks",
            file=sys.stderr,
            flush=True,
        )
        self.comm.Abort(1)


class FakeComm:
    """A stand-in communicator for one process pretending to be rank ``rank`` of ``size``:
    collective operations see only this process's own values (for examples and tests)."""

    def __init__(self, rank: int = 0, size: int = 1) -> None:
        self.rank, self.size = rank, size

    def Get_rank(self) -> int:
        return self.rank

    def Get_size(self) -> int:
        return self.size

    def Bcast(self, buf: Any, root: int = 0) -> None:
        pass

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj

    def allgather(self, obj: Any) -> list[Any]:
        return [obj] * self.size

    def Allreduce(self, send: Any, recv: Any) -> None:
        if send is not recv and isinstance(send, np.ndarray):
            np.copyto(recv, send)

    def Abort(self, code: int = 1) -> None:
        raise SystemExit(code)
