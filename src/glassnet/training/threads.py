"""How many threads ``fit`` trains with, and how: chosen once per call, put back afterwards.

NumPy's matrix products run on its BLAS (usually OpenBLAS), which starts one thread per core.
That pays when the cores are free and the products are large. On a busy machine it costs far
more than it gives: a product split over two threads waits for the slower half, and a thread
whose core is taken by another process makes every mini-batch wait for it. Measured on a 2-core
machine with one core busy, two threads made Fashion-MNIST's 784-100-10 network at batch 128
about 7× slower than one thread (benchmarks/README.md).

So ``fit(..., threads=None)`` decides, once, before the first epoch:

1. the most threads it may use, n: the BLAS's own setting (``OPENBLAS_NUM_THREADS`` and the like
   are respected), at most the cores this process may run on — or, for one of several MPI ranks
   that may run on the same cores (``fit(comm=...)``), its share of them (cores ÷ those ranks);
2. if the BLAS already runs one thread, or the network's largest product at this batch size
   (m · |W| multiply-adds for a Dense layer; times the time steps or image positions for a
   recurrent or convolutional one) is so small that OpenBLAS runs it on one thread anyway
   (≤ 2¹⁸) and the network is not one to split (below), nothing is changed; if n is 1, one
   thread;
3. otherwise it looks at how busy those cores are: it sleeps for ``PROBE_SECONDS`` and reads
   how much CPU time other processes took meanwhile (Linux ``/proc/stat``; elsewhere the
   1-minute load average). It then uses n threads only if that leaves them free, i.e. the
   threads are min(n, free cores), where a core counts as free when others used less than
   a quarter of it; at least 1.

Then it decides how to use the n threads (:func:`splits`): a network whose step is mostly
matrix products (Dense layers) gives them to the BLAS; one with much elementwise work per
sample (convolutions: activations, im2col and col2im copies, pooling — which NumPy runs on one
core whatever the BLAS does) cuts each mini-batch into n parts, each backpropagated on its own
thread with a one-thread BLAS (:mod:`glassnet.training.split`). On the benchmarks' 2-core
machine the second way made the small CNN's two-thread epoch 1.5× shorter than the first
(benchmarks/README.md, "Fourth pass").

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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .._inputs import positive_int

if TYPE_CHECKING:
    from ..layers import Cache
    from ..network import Network
    from .parallel import Ranks

__all__ = [
    "BLAS_SINGLE_THREAD",
    "PROBE_SECONDS",
    "SPLIT_NUMBERS",
    "busy_cores",
    "choose_threads",
    "splits",
    "training_threads",
    "usable_cores",
]

#: OpenBLAS multiplies on one thread when m·n·k ≤ 65536 · 4 (its GEMM_MULTITHREAD_THRESHOLD)
BLAS_SINGLE_THREAD = 65536 * 4

#: the fewest activations Σ_l |a^(l)| a part of a mini-batch must hold for ``fit`` to split the
#: batch over threads (a convolutional network's batch holds hundreds of times more; one of a
#: 784-100-10 network's, a few thousand)
SPLIT_NUMBERS = 2**17

#: how long ``fit`` watches the machine before choosing (only when the choice matters)
PROBE_SECONDS = 0.05


def usable_cores() -> list[int]:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
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
    """m · |W| · positions: the multiply-adds of the network's largest product, where positions
    is how many places a layer applies its weights at — 1 for Dense, the time steps of a
    recurrent layer, the image positions of a convolution — estimated as the size of the
    layer's input over the width of W's inputs (W's second axis)."""
    largest = 0
    for layer in net.layers:
        size = math.prod(getattr(layer, "input_shape", (1,)))
        for shape in layer.parameter_shapes().values():
            positions = size // shape[1] if len(shape) > 1 else 1
            largest = max(largest, math.prod(shape) * max(1, positions))
    return batch_size * largest


def splits(net: Network, batch_size: int, parts: int) -> bool:
    """Whether ``fit`` cuts each mini-batch into ``parts`` parts on as many threads (see
    :mod:`glassnet.training.split`) rather than giving the BLAS ``parts`` threads.

    It does when each part still holds at least ``SPLIT_NUMBERS`` activations, Σ_l |a^(l)| over
    its rows (much elementwise work, as in a convolutional network), and no layer keeps running
    statistics of the batch (BatchNorm).

    Example:
        >>> import glassnet as gn
        >>> from glassnet.training.threads import splits
        >>> cnn = gn.Network([gn.layers.Reshape((1, 28, 28)), gn.layers.Conv2D(1, 16, 3),
        ...                   gn.layers.Flatten(), gn.Dense(16 * 26 * 26, 10)])
        >>> splits(cnn, 128, 2), splits(gn.Network.from_sizes([784, 100, 10]), 128, 2)
        (True, False)
    """
    if parts < 2 or any(layer.buffer_names for layer in net.layers):
        return False
    per_sample = sum(math.prod(layer.output_shape) for layer in net.layers)
    return per_sample * (batch_size // parts) >= SPLIT_NUMBERS


def _chosen(
    net: Network, batch_size: int, threads: int | None, sharing: int = 1
) -> tuple[Any, int] | None:
    """(the BLAS's threadpoolctl handle, threads to use), or None to leave the BLAS alone;
    ``sharing`` processes of this training (MPI ranks) run on the same cores."""
    threads = None if threads is None else positive_int(threads, "threads")
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        if threads is not None:
            raise ValueError(
                f"threads={threads} needs the threadpoolctl package to set NumPy's BLAS threads; "
                "install it (pip install 'glassnet[threads]') or leave threads=None"
            ) from None
        return None
    cores = usable_cores()
    own = max(1, len(cores) // sharing)  # this process's share of the cores
    small = _largest_product(net, batch_size) <= BLAS_SINGLE_THREAD
    if threads is None and small and not splits(net, batch_size, own):
        return None
    blas = ThreadpoolController().select(user_api="blas")
    if threads is None:
        info: list[dict[str, Any]] = blas.info()
        if all(lib["num_threads"] <= 1 for lib in info):
            return None  # one thread already: nothing to choose
        most = min([own] + [lib["num_threads"] for lib in info])
        threads = 1 if most <= 1 else choose_threads(most, busy_cores(cores))
    return blas, threads


@contextlib.contextmanager
def _limited(blas: Any, threads: int) -> Iterator[None]:
    limiter = blas.limit(limits=threads)
    try:
        yield
    finally:
        limiter.restore_original_limits()


@contextlib.contextmanager
def training_threads(
    net: Network,
    batch_size: int,
    threads: int | None,
    workspace: Callable[..., list[Cache]],
    ranks: Ranks | None = None,
) -> Iterator[tuple[Callable[..., Any], Callable[..., list[Cache]]]]:
    """``fit``'s step and workspace for the threads chosen as described in the module, for
    mini-batches of ``batch_size`` rows; with ``ranks`` (data-parallel training), for this
    rank's rows of them, on its share of the cores it shares with other ranks.

    Yields ``(net.step, workspace)`` with the BLAS on the chosen threads, or — when
    :func:`splits` says so — a :class:`~glassnet.training.split.SplitStep`'s ``step`` and
    ``workspace``, the mini-batch cut into that many parts on as many threads, the BLAS on one.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.training.threads import training_threads
        >>> net = gn.Network.from_sizes([2, 3, 1])
        >>> with training_threads(net, 10, None, net.workspace) as (step, workspace):
        ...     step == net.step
        True
    """
    sharing = 1
    if ranks is not None:  # one of several processes: its rows, its share of the cores
        batch_size, sharing = ranks.rows(batch_size), ranks.sharing
    chosen = _chosen(net, batch_size, threads, sharing)
    if chosen is None:
        yield net.step, workspace
        return
    blas, n = chosen
    if not splits(net, batch_size, n):
        with _limited(blas, n):
            yield net.step, workspace
        return
    from .split import SplitStep

    with _limited(blas, 1), SplitStep(net, n, workspace) as split:
        yield split.step, split.workspace
