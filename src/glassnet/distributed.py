"""Running glassnet under MPI: is this process one of several, which shard is its own, and how
a failure on one rank ends them all.

Data-parallel training itself is ``fit(..., comm=comm)`` (:mod:`glassnet.training.parallel`);
this module holds what a program launched by ``mpiexec`` (or Slurm's ``srun``) needs around it,
and what ``mpiexec -n 4 glassnet train ...`` uses. MPI comes from the ``mpi`` extra
(``pip install 'glassnet[mpi]'``: MPICH's wheel, with ``mpiexec``, and mpi4py).

>>> from glassnet import distributed
>>> distributed.shard(10, rank=2, size=4)      # rows 10·2//4 .. 10·3//4
slice(5, 7, None)
>>> distributed.launched({})                   # no MPI launcher in this environment
1
>>> distributed.launched({"PMI_SIZE": "4"})    # what mpiexec (MPICH) gives each rank
4
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["INSTALL_HINT", "abort_on_error", "launched", "shard", "world"]

#: what to do when MPI is wanted but mpi4py is missing
INSTALL_HINT = "pip install 'glassnet[mpi]' (MPICH's mpiexec and mpi4py, from their wheels)"

# the number of ranks, as each launcher tells its processes: MPICH's Hydra and Intel MPI (PMI),
# PMIx launchers (Open MPI 5, Slurm's srun --mpi=pmix), Open MPI's own
_SIZE_VARIABLES = ("PMI_SIZE", "PMIX_SIZE", "OMPI_COMM_WORLD_SIZE")


def launched(environ: Mapping[str, str] | None = None) -> int:
    """How many ranks the MPI launcher that started this process started (1: none did).

    Read from the launcher's environment variables (``PMI_SIZE``, ``PMIX_SIZE``,
    ``OMPI_COMM_WORLD_SIZE``), so it needs no MPI library: a program can tell that it was
    started by ``mpiexec -n 4`` before it imports mpi4py, and say what to install if it is
    missing.

    Example:
        >>> from glassnet.distributed import launched
        >>> launched({})  # started without a launcher, e.g. `python train.py`
        1
        >>> launched({"PMI_SIZE": "4"})  # what MPICH's `mpiexec -n 4` tells each rank
        4
    """
    env = os.environ if environ is None else environ
    for name in _SIZE_VARIABLES:
        value = env.get(name, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return 1


def world() -> Any:
    """mpi4py's ``MPI.COMM_WORLD``: every rank of this job.

    Raises:
        ImportError: mpi4py is not installed (the message says how to install it).

    Example:
        Under ``mpiexec -n 2 python train.py`` (not run here: it needs the MPI library, and the
        job's other rank):

        >>> comm = world()  # doctest: +SKIP
        >>> comm.Get_rank(), comm.Get_size()  # doctest: +SKIP
        (0, 2)

        Without mpi4py, the error says what to install:

        >>> import sys
        >>> from unittest import mock
        >>> from glassnet.distributed import world
        >>> with mock.patch.dict(sys.modules, {"mpi4py": None}):  # as if it were not installed
        ...     world()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ImportError: data-parallel training needs mpi4py and an MPI library: pip install ...
    """
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError(
            f"data-parallel training needs mpi4py and an MPI library: {INSTALL_HINT}"
        ) from None
    return MPI.COMM_WORLD


def shard(m: int, rank: int, size: int) -> slice:
    """Rank ``rank``'s contiguous share of ``m`` rows split among ``size`` ranks: rows
    ``m·rank//size`` up to ``m·(rank+1)//size`` (the shares differ by at most one row).

    Laid end to end in rank order the shards are the rows 0..m−1 in order, so
    ``fit(X[shard(m, r, n)], ..., comm=comm, sharded=True)`` equals one process's ``fit(X, ...)``.

    Example:
        >>> import numpy as np
        >>> from glassnet.distributed import shard
        >>> [shard(10, rank, 3) for rank in range(3)]  # 10 rows among 3 ranks: 3, 3 and 4
        [slice(0, 3, None), slice(3, 6, None), slice(6, 10, None)]
        >>> X = np.arange(10)
        >>> bool(np.array_equal(np.concatenate([X[shard(10, r, 3)] for r in range(3)]), X))
        True
    """
    if not (0 <= rank < size):
        raise ValueError(f"rank must be in 0..size-1 = 0..{size - 1}, got {rank}")
    return slice(m * rank // size, m * (rank + 1) // size)


@contextlib.contextmanager
def abort_on_error(
    comm: Any, brief: tuple[type[BaseException], ...] = (), code: int = 1
) -> Iterator[None]:
    """End every rank of ``comm`` when this rank raises: print the error (each line marked
    ``[rank r]``) and call ``comm.Abort(code)``.

    Without it a rank that fails leaves the others waiting for it in their next collective
    operation for ever. (A rank that is killed outright is handled by the launcher: MPICH's
    ``mpiexec`` ends the job and reports the signal.) Exceptions of the types in ``brief`` are
    printed as one line, without a traceback (the command line's own one-line mistakes).

    Example (a stand-in communicator of one rank):
        >>> from glassnet.distributed import abort_on_error
        >>> from glassnet.training.parallel import FakeComm
        >>> with abort_on_error(FakeComm()):
        ...     total = 1 + 1
        >>> total
        2
    """
    try:
        yield
    except BaseException as error:
        rank = comm.Get_rank()
        if isinstance(error, brief):
            text = f"glassnet: error: {error}"
        else:
            text = "".join(traceback.format_exception(error)).rstrip()
        print("\n".join(f"[rank {rank}] {line}" for line in text.splitlines()), file=sys.stderr)
        print(
            f"[rank {rank}] glassnet: ending all {comm.Get_size()} ranks (MPI_Abort)",
            file=sys.stderr,
            flush=True,
        )
        comm.Abort(code)
        raise  # (a communicator whose Abort returns)
