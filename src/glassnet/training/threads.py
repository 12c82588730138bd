"""How many BLAS threads ``fit`` multiplies with: chosen once per call, put back afterwards.

NumPy's matrix products run on its BLAS (usually OpenBLAS), which starts one thread per core.
That pays when the cores are free and the products are large. On a busy machine it costs far
more than it gives: a product split over two threads waits for the slower half, and a thread
whose core is taken by another process makes every mini-batch wait for it. Measured on a 2-core
machine with one core busy, two threads made Fashion-MNIST's 784-100-10 network at batch 128
about 7× slower than one thread (benchmarks/README.md).

So ``fit(..., threads=None)`` decides, once, before the first epoch:

1. the most threads it may use, n: the BLAS's own setting (``OPENBLAS_NUM_THREADS`` and the like
   are respected), at most the cores this process may run on;
2. if n is 1, or the network's largest product at this batch size, m · |W| multiply-adds, is so
   small that OpenBLAS runs it on one thread anyway (≤ 2¹⁸), nothing is changed;
3. otherwise it looks at how busy those cores are: it sleeps for ``PROBE_SECONDS`` and reads
   how much CPU time other processes took meanwhile (Linux ``/proc/stat``; elsewhere the
   1-minute load average). It then uses n threads only if that leaves them free, i.e. the
   threads are min(n, free cores), where a core counts as free when others used less than
   a quarter of it; at least 1.

``threads=k`` (an int ≥ 1) uses exactly k threads, without looking. Either way the BLAS gets
its own setting back when ``fit`` returns or raises. The thread count can change how float32
products round, so two runs with the same seed are equal bit for bit only with the same count:
pass ``threads=1`` where that matters more than speed.

Needs ``threadpoolctl`` (the ``threads`` extra, part of ``cli`` and ``all``); without it
``threads=None`` leaves the BLAS as it is.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._inputs import positive_int

if TYPE_CHECKING:
    from ..network import Network

__all__ = ["BLAS_SINGLE_THREAD", "PROBE_SECONDS", "blas_threads", "busy_cores", "choose_threads"]

#: OpenBLAS multiplies on one thread when m·n·k ≤ 65536 · 4 (its GEMM_MULTITHREAD_THRESHOLD)
BLAS_SINGLE_THREAD = 65536 * 4

#: how long ``fit`` watches the machine before choosing (only when the choice matters)
PROBE_SECONDS = 0.05


def _usable_cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _cpu_busy_ticks(cores: list[int]) -> int | None:
    """Ticks (1/100 s) that ``cores`` spent on anything but idling, from /proc/stat; or None."""
    wanted = {f"cpu{c}" for c in cores}
    try:
        with open("/proc/stat") as f:
            lines = [line.split() for line in f if line.startswith("cpu")]
    except OSError:
        return None
    busy = 0
    for fields in lines:
        if fields[0] in wanted:  # user nice system idle iowait irq softirq steal …
            ticks = [int(v) for v in fields[1:9]]
            busy += sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy


def busy_cores(cores: list[int], seconds: float = PROBE_SECONDS) -> float:
    """How many of ``cores`` other processes keep busy: cores' worth of CPU time per second.

    Linux: the busy ticks of those cores over ``seconds``, less this process's own CPU time
    (its idle BLAS threads may still be spinning), while this process sleeps. Elsewhere: the
    1-minute load average (0 where there is none).

    Example:
        >>> from glassnet.training.threads import busy_cores
        >>> busy_cores([0], seconds=0.01) >= 0
        True
    """
    before = _cpu_busy_ticks(cores)
    if before is None:
        with contextlib.suppress(AttributeError, OSError):
            return float(os.getloadavg()[0])
        return 0.0
    own, start = time.process_time(), time.perf_counter()
    time.sleep(seconds)
    after = _cpu_busy_ticks(cores)
    elapsed, own = time.perf_counter() - start, time.process_time() - own
    others = ((after or before) - before) / 100.0 - own  # /proc/stat counts in 1/100 s
    return max(0.0, others / elapsed)


def choose_threads(most: int, busy: float) -> int:
    """Threads to use out of ``most`` when others keep ``busy`` cores' worth busy.

    A core counts as taken when others use a quarter of it or more: a BLAS thread that has to
    share its core holds up all the others, so one thread too many costs far more than one
    too few.

    Example:
        >>> from glassnet.training.threads import choose_threads
        >>> choose_threads(2, 0.0), choose_threads(2, 0.3), choose_threads(8, 2.1)
        (2, 1, 6)
    """
    taken = math.floor(busy + 0.75)  # cores' worth, a part of ¼ or more counting as one
    return max(1, most - taken)


def _largest_product(net: Network, batch_size: int) -> int:
    """m · |W|: the multiply-adds of the network's largest product, a lower bound for any layer."""
    sizes = [math.prod(s) for layer in net.layers for s in layer.parameter_shapes().values()]
    return batch_size * max(sizes, default=0)


@contextlib.contextmanager
def blas_threads(net: Network, batch_size: int, threads: int | None) -> Iterator[int | None]:
    """Within the block, NumPy's BLAS uses the threads chosen as described in the module.

    Yields the number of threads set, or None where nothing was changed.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.training.threads import blas_threads
        >>> net = gn.Network.from_sizes([2, 3, 1])
        >>> with blas_threads(net, batch_size=10, threads=None) as n:
        ...     n is None  # products this small run on one thread anyway
        True
    """
    threads = None if threads is None else positive_int(threads, "threads")
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        if threads is not None:
            raise ValueError(
                f"threads={threads} needs the threadpoolctl package to set NumPy's BLAS threads; "
                "install it (pip install 'glassnet[threads]') or leave threads=None"
            ) from None
        yield None
        return
    if threads is None and _largest_product(net, batch_size) <= BLAS_SINGLE_THREAD:
        yield None
        return
    blas = ThreadpoolController().select(user_api="blas")
    info: list[dict[str, Any]] = blas.info()
    if threads is None:
        cores = _usable_cores()
        most = min([len(cores)] + [lib["num_threads"] for lib in info])
        if most <= 1:
            yield None
            return
        threads = choose_threads(most, busy_cores(cores))
    limiter = blas.limit(limits=threads)
    try:
        yield threads
    finally:
        limiter.restore_original_limits()
