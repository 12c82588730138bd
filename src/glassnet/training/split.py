"""A mini-batch split over threads: every core works on every part of the step.

The gradient of the mini-batch cost C = Σ_i r_i C_i (r_i = 1/B for a batch of B samples) is a
sum over the samples, so it splits into a sum over any partition of the batch::

    ∂C/∂θ = Σ_parts Σ_{i in part} r_i ∂C_i/∂θ

:class:`SplitStep` cuts each mini-batch's rows into n contiguous parts, runs the network's own
step (:meth:`glassnet.Network.step`: forward, cost, backward) on each part in its own thread,
each with its own workspace and the shares r_i of the *whole* batch, and adds the parts'
gradients into the first part's arrays. What ``fit`` does next — the penalty, the divergence
check, the optimizer step — sees the gradient of the whole mini-batch, as without the split.
It is the in-process cousin of the data parallelism over MPI ranks (``fit(..., comm=…)``,
:mod:`glassnet.training.parallel`), with threads in place of processes and a sum in place of
the ``Allreduce``.

Why threads: NumPy's BLAS spreads a matrix product over the cores, but NumPy's elementwise work
(activations, im2col and col2im copies, pooling) runs on one core. In a convolutional network
that work is most of the step, so with the BLAS on n threads the step still runs mostly on
one core. NumPy releases the GIL inside its loops and products, so n threads, each on its own
part with a one-thread BLAS, keep n cores busy with all of the step. For a network of small
Dense layers the step is too short for threads to pay (see
:mod:`glassnet.training.threads`, which chooses).

The result equals the unsplit step's up to the order of floating-point additions (the parts
are added in a fixed order, so a run repeats exactly with the same number of parts). Layers
with running statistics (BatchNorm) are never split: their batch statistics would be computed
over a part.

Example:
    >>> import numpy as np, glassnet as gn
    >>> from glassnet.training.split import SplitStep
    >>> net = gn.Network.from_sizes([3, 4, 2], seed=0, dtype="float64")
    >>> x, y, _ = net.check_data(np.random.default_rng(0).random((5, 3)), [0, 1, 1, 0, 1])
    >>> with SplitStep(net, parts=2) as split:
    ...     caches = split.workspace(5)
    ...     costs, a_L = split.step(x, y, caches)
    >>> bool(np.allclose(caches[0].grads["W"], net.gradients(x, y).W[1]))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..layers import Cache
    from ..network import Network

__all__ = ["SplitStep"]


class SplitStep:
    """``net.step`` over ``parts`` threads, each on a contiguous part of the mini-batch's rows.

    Use it as a context manager (the threads stop when it closes), ask :meth:`workspace` for
    the caches of a mini-batch size, and call :meth:`step` as ``net.step``: it returns the whole
    batch's per-sample costs and a^(L), and leaves the whole batch's gradient in the caches
    :meth:`workspace` returned.

    Args:
        net: the network.
        parts: how many parts (and threads, the calling one included) each mini-batch is cut
            into; fewer when a batch has fewer rows.
        workspace: makes the first part's caches (default ``net.workspace``; the data-parallel
            ``fit`` passes its own, whose gradients are views of one flat buffer).

    Example:
        >>> import glassnet as gn
        >>> from glassnet.training.split import SplitStep
        >>> with SplitStep(gn.Network.from_sizes([2, 3, 1]), parts=3) as split:
        ...     [len(part) for part in split.cuts(8)]   # 8 rows in three parts
        [2, 3, 3]
    """

    def __init__(
        self,
        net: Network,
        parts: int,
        workspace: Callable[..., list[Cache]] | None = None,
    ) -> None:
        self.net, self.parts = net, int(parts)
        self._workspace = net.workspace if workspace is None else workspace
        self._pool = ThreadPoolExecutor(max(1, self.parts - 1), thread_name_prefix="glassnet")
        # per mini-batch size m: each part's caches, and the whole batch's costs and a^(L)
        self._spaces: dict[int, tuple[list[list[Cache]], Any, Any]] = {}

    def __enter__(self) -> SplitStep:
        return self

    def __exit__(self, *exception: object) -> None:
        self._pool.shutdown(wait=True)  # the helper threads end with the fit, error or not

    def cuts(self, m: int) -> list[range]:
        """The rows of each part of a mini-batch of m rows: near-equal, contiguous, in order."""
        k = max(1, min(self.parts, m))
        return [range(i * m // k, (i + 1) * m // k) for i in range(k)]

    def workspace(self, m: int, running: bool = True) -> list[Cache]:
        """Every part's caches for mini-batches of m rows; returns the first part's, which
        :meth:`step` leaves holding the whole batch's gradient."""
        spaces = [
            (self._workspace if i == 0 else self.net.workspace)(len(rows), running=running)
            for i, rows in enumerate(self.cuts(m))
        ]
        last = self.net.layers[-1].output_shape
        costs = np.empty(m, dtype=self.net.dtype)
        a_L = np.empty((m, *last), dtype=self.net.dtype)
        self._spaces[m] = spaces, costs, a_L
        return spaces[0]

    def step(
        self,
        x: Any,
        y: Any,
        caches: list[Cache],
        rows: Any = None,
        masks: Sequence[Any] | None = None,
    ) -> tuple[Any, Any]:
        """:meth:`glassnet.Network.step` on the mini-batch (x, y), its parts on their threads.

        ``caches`` is what :meth:`workspace` returned for ``len(x)`` rows; ``rows`` each
        sample's share r_i of C (default 1/m over the whole batch), ``masks`` the whole batch's
        dropout masks. Returns the per-sample costs C_i and a^(L) of every row."""
        m = len(x)
        spaces, costs, a_L = self._spaces.get(m, ([[]], None, None))
        if spaces[0] is not caches:
            raise ValueError(
                f"caches must be the list SplitStep.workspace({m}) returned for these {m} rows; "
                "call it once per mini-batch size and pass its result"
            )
        shares: Any = 1.0 / m if rows is None else rows
        cuts = [slice(r.start, r.stop) for r in self.cuts(m)]

        def part(i: int) -> tuple[Any, Any]:
            cut = cuts[i]
            share = shares[cut] if np.ndim(shares) else shares
            mine = None if masks is None else [None if k is None else k[cut] for k in masks]
            return self.net.step(x[cut], y[cut], spaces[i], share, mine)

        others = [self._pool.submit(part, i) for i in range(1, len(cuts))]
        results: list[tuple[Any, Any]] = []
        try:
            results.append(part(0))  # the first part on this thread
        finally:  # the other threads finish before anything is read or raised
            results += [future.result() for future in others]
        # ∂C/∂θ = Σ over the parts, in order, into the first part's arrays
        for space in spaces[1:]:
            for total, cache in zip(spaces[0], space, strict=True):
                for name, grad in total.grads.items():
                    grad += cache.grads[name]
        for cut, (part_costs, part_a) in zip(cuts, results, strict=True):
            costs[cut], a_L[cut] = part_costs, part_a
        return costs, a_L
