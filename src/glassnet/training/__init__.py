"""Training: shuffle, split into mini-batches, backpropagate, step — the tutorial's recipe.

    for each epoch:
        shuffle the samples, cut them into mini-batches of ``batch_size``
        for each mini-batch:
            forward pass, cost C = (1/m) Σ_i C_i, backward pass → ∇C   (averaged over the batch)
            optimizer step, e.g. w ← w − η ∂C/∂w

Everything is vectorised over the mini-batch: there is no Python loop over samples.

A run that diverges is stopped before it spoils the network. Every mini-batch cost is checked
before its step is taken, and training stops when

- the cost is NaN or infinite;
- the cost has blown up: it is more than ``BLOWUP`` (10⁶) times the run's starting level *and*
  higher than the mini-batch cost before it (still rising). The starting level is the larger
  of the first mini-batch's cost and the cost of a network that knows nothing, whose output
  layer has z^(L) = 0 for every sample (it predicts 0 with an identity output, 1/n_L for each
  class with softmax), so that a network that starts out nearly perfect is not stopped when a
  later mini-batch costs more. No run that is learning gets there; a diverging one passes it
  many steps before it overflows;
- a weight has become infinite or NaN, or the weights are so large that their sum overflows
  (checked at the end of every epoch, so that callbacks and the caller never see them).

The weights are then put back to the last ones known to be sound: those at the start of the
latest epoch whose first mini-batch had a finite, not blown-up cost. ``fit`` copies them once
per epoch into arrays made once (a copy of the network's parameters per epoch, nothing per
mini-batch), and ``History.stop_reason`` says which epoch they come from.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._inputs import (
    as_rng,
    epoch_range,
    instance_of,
    instances_of,
    pair,
    positive_int,
    sample_weights,
    verbosity,
)
from ..callbacks import (
    BLOWUP,
    STOP_KINDS,
    Callback,
    DivergenceGuard,
    EpochLogger,
    History,
    Stop,
    TrainingRun,
)
from ..costs import predicted_classes, weight_shares
from ..optimizers import SGD, Optimizer

if TYPE_CHECKING:
    from ..layers import Cache
    from ..network import Network

__all__ = ["BLOWUP", "STOP_KINDS", "History", "Stop", "fit"]


def fit(
    net: Network,
    X: Any,
    Y: Any,
    epochs: int = 30,
    batch_size: int = 10,
    optimizer: Optimizer | None = None,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    verbose: int = 1,
    callbacks: Sequence[Callback] = (),
    initial_epoch: int = 0,
    history: History | None = None,
    *,
    sample_weight: Any = None,
    comm: Any = None,
    sharded: bool = False,
    threads: int | None = None,
) -> History:
    """Train ``net`` on (X, Y) by mini-batch stochastic gradient descent.

    ``net.fit(X, Y, …)`` is this function as a method of :class:`~glassnet.Network`.

    Args:
        net: the network (``self`` of ``net.fit``); its weights change in place.
        X: inputs, shape (m, n_0).
        Y: targets, shape (m, n_L), or integer class labels, shape (m,).
        epochs: passes over the training data.
        batch_size: samples per mini-batch (the last batch of an epoch may be smaller;
            a batch_size above m means one batch of all m samples).
        optimizer: the update rule; default ``SGD(lr=0.1)``. The network keeps it as
            ``net.optimizer`` (its state too), so that ``gn.diagnose(net, X, Y)`` measures the
            step this training took.
        validation_data: ``(X_val, Y_val)`` evaluated after each epoch.
        shuffle: reshuffle the samples before every epoch.
        seed: seeds the shuffling; ``None`` uses the network's own generator, so that
            ``Network(..., seed=s)`` followed by ``fit`` is reproducible.
        verbose: 0 silent, 1 one line per epoch (an :class:`~glassnet.callbacks.EpochLogger`).
        callbacks: :class:`~glassnet.callbacks.Callback` objects called at epoch and
            mini-batch boundaries.
        initial_epoch: epochs already done; training runs epochs ``initial_epoch + 1`` to
            ``epochs``. Used to resume (see :func:`glassnet.load_checkpoint`).
        history: a :class:`History` to carry on (a resumed run's); a new one by default.
        sample_weight: one weight s_i ≥ 0 per sample, shape (m,): each mini-batch's cost is
            then the weighted mean Σ_i s_i C_i / Σ_i s_i (so an integer weight counts as that
            many copies of the sample, and 0 leaves it out), and the epoch's loss and accuracy
            are weighted the same way. A mini-batch whose weights are all 0 takes no step.
        comm: an MPI communicator (e.g. ``mpi4py.MPI.COMM_WORLD``) to train data-parallel
            over its ranks, every rank calling ``fit`` alike: each computes the gradient of its
            rows of every mini-batch, one ``Allreduce`` adds them up, and every rank takes the
            same step (see :mod:`glassnet.training.parallel` and docs/distributed.md). The
            weights equal one process's (the same seed, batch size and data) to rounding.
            ``None``: this process alone.
        sharded: with ``comm``, each rank passes only its own rows (its shard) as X, Y and
            ``sample_weight``: the run equals one process given the shards in rank order.
            Without it every rank passes the same data.
        threads: how many threads train during this call: NumPy's BLAS threads (its own
            setting is put back afterwards), or, for a network with much elementwise work per
            sample such as a convolutional one, threads that each backpropagate a part of every
            mini-batch (:mod:`glassnet.training.split`; the result is the same up to rounding).
            ``None`` chooses: as many as there are cores (with ``comm``, this rank's share of
            the cores it shares with other ranks), but only for work large enough to gain from
            them and only on cores no other process keeps busy (one thread on a busy machine),
            see :mod:`glassnet.training.threads`. An int ≥ 1: exactly that many.

    Returns:
        a :class:`History`. If the run diverges — the cost becomes NaN or infinite, or more
        than :data:`BLOWUP` times its starting level and still rising, or a weight
        becomes infinite — training stops before the step that would use it, the weights are
        put back to those at the start of the latest epoch that began soundly, a
        ``RuntimeWarning`` names the epoch and mini-batch, ``History.diverged`` is true and
        ``History.stop_reason`` says why and which weights the network holds. (The
        optimizer's buffers are not put back: give a further ``fit`` a new optimizer.)

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); Y = np.array([0, 1, 1, 0])
        >>> net = gn.Network.from_sizes([2, 4, 1], seed=1)
        >>> h = net.fit(X, Y, epochs=2, batch_size=2, optimizer=gn.SGD(lr=3.0), verbose=0)
        >>> h.epochs
        2
    """
    epochs, initial_epoch = epoch_range(epochs, initial_epoch)
    batch_size = positive_int(batch_size, "batch_size")
    verbose = verbosity(verbose)
    optimizer = SGD(lr=0.1) if optimizer is None else optimizer
    instance_of(
        optimizer, Optimizer, "optimizer", must_be="a glassnet Optimizer such as gn.SGD(lr=0.1)"
    )
    callbacks = instances_of(callbacks, Callback, "callbacks", must_be="glassnet Callback objects")
    if verbose:
        callbacks.append(EpochLogger())
    x, y, labels = net.check_data(X, Y)
    val = validation_data
    if val is not None:
        val = pair(val, "validation_data", "(X_val, Y_val)")
        net.check_data(*val)  # fail before training, not after the first epoch
    rng = net.rng if seed is None else as_rng(seed)

    m = x.shape[0]
    weights = None if sample_weight is None else sample_weights(sample_weight, m, net.dtype)
    ranks = None  # data-parallel: this process is one rank of comm (glassnet.training.parallel)
    if comm is not None:
        from .parallel import Ranks

        ranks = Ranks(comm, net, rng, m, weights, sharded, callbacks)
        m, weights = ranks.m, ranks.weights  # the whole training set's
    total_weight = m if weights is None else float(weights.sum())  # the epoch's Σ s_i
    batch_size = min(batch_size, m)
    from .threads import training_threads  # loaded on first use: its own module

    dropout = net.has_dropout
    # every array a step writes, made once per mini-batch size (the last batch may be smaller)
    workspaces: dict[int, tuple[list[Cache], Any, np.ndarray, np.ndarray]] = {}
    workspace = net.workspace if ranks is None else ranks.workspace  # ranks: one flat ∂C/∂θ
    classes = np.empty(m, dtype=np.intp)  # the predicted class of each sample, this epoch
    history = History() if history is None else history
    history.stop = None  # it tells of this call
    run = TrainingRun(
        net,
        optimizer,
        history,
        epochs,
        batches=-(-m // batch_size),
        validation=val is not None,
        batch_size=batch_size,
        shuffle=shuffle,
        rng=rng,
        callbacks=callbacks,
        initial_epoch=initial_epoch,
    )
    # a diverging run overflows; that is caught below as a non-finite cost, with a clear message;
    # with ranks, an exception on one of them ends them all (none waits for it for ever)
    # e.g. 1 BLAS thread on a busy machine; a convolutional network's batch split over threads
    blas = training_threads(net, batch_size, threads, workspace, ranks)
    with np.errstate(over="ignore", invalid="ignore"), ranks or contextlib.nullcontext(), blas as b:
        step, workspace = b  # net.step and its workspace, or those of a split over threads
        for cb in callbacks:
            cb.on_train_begin(run)
        net.optimizer = optimizer  # what the network was last trained with, for gn.diagnose
        guard = DivergenceGuard(net, y)  # stops a diverging run, with the last sound weights back
        if ranks is not None:  # the level of a network that knows nothing, alike on every rank
            guard.knows_nothing = ranks.same(guard.knows_nothing)
        for run.epoch in range(initial_epoch + 1, epochs + 1):
            for cb in callbacks:
                cb.on_epoch_begin(run)
            start = time.perf_counter()
            order = rng.permutation(m) if shuffle else np.arange(m)
            total_cost, seen = 0.0, 0
            for run.batch, lo in enumerate(range(0, m, batch_size), start=1):
                idx = order[lo : lo + batch_size]
                wb = None if weights is None else weights[idx]  # the mini-batch's s_i
                # the rows this process works on: all of them, or its part with ranks
                pos, rows = (slice(None), idx) if ranks is None else ranks.share(idx)
                if len(rows) not in workspaces:  # and arrays for the mini-batch's x and y
                    caches = workspace(len(rows), running=True)
                    xb, yb = (np.empty((len(rows), *v.shape[1:]), v.dtype) for v in (x, y))
                    workspaces[len(rows)] = caches, net.gradients_of(caches), xb, yb
                caches, grads, xb, yb = workspaces[len(rows)]
                # x[rows] and y[rows] into them (mode="clip" spares take a copy; rows are valid)
                x.take(rows, axis=0, out=xb, mode="clip")
                y.take(rows, axis=0, out=yb, mode="clip")
                # dropout: a fresh random choice of switched-off neurons for every mini-batch
                masks = net.dropout_masks(len(idx), rng) if dropout else None
                if ranks is not None and masks is not None:  # drawn for the whole batch
                    masks = ranks.masks(masks, pos)
                if run.batch == 1:  # the state this epoch starts from, kept if its cost is sound
                    guard.hold()
                # forward, cost, backward: the network's one loop (glassnet.network)
                if wb is None:  # C = (1/m) Σ_i C_i
                    costs, a_L = step(xb, yb, caches, 1.0 / len(idx), masks)
                    cost = float(costs.sum() / len(idx))  # np.mean, without its Python wrapper
                else:  # C = Σ_i share_i C_i, share_i = s_i / Σ_j s_j
                    share = weight_shares(wb)[pos]
                    costs, a_L = step(xb, yb, caches, share[:, None], masks)
                    cost = float(np.dot(share, costs))
                if ranks is not None:  # Σ over the ranks of their parts of ∂C/∂θ and C
                    cost = ranks.allreduce(cost)
                if net.l2 or net.l1:  # C gains the penalty, ∂C/∂W^(l) its gradient
                    net.add_penalty_gradient(caches)
                    cost += net.penalty()
                if not guard.cost_is_sound(run, cost, x):  # checked before the step is taken
                    break
                batch_weight = len(idx) if wb is None else float(wb.sum())
                if batch_weight > 0:  # (a mini-batch of zero weight has nothing to learn from)
                    optimizer.step(net, grads)  # e.g. w ← w − η ∂C/∂w
                total_cost += cost * batch_weight
                seen += len(idx)
                if labels is not None and ranks is not None:
                    ranks.count(a_L, labels[rows])
                elif labels is not None:  # counted at the end of the epoch
                    predicted_classes(a_L, out=classes[lo : lo + len(idx)])
                for cb in callbacks:
                    cb.on_batch_end(run, cost)
                if run.stop_reason:
                    break
            if seen < m:
                break  # stopped part-way through the epoch: its numbers would mislead
            if not guard.weights_are_sound(run):  # the epoch's last step may have overflowed
                break
            if labels is not None and ranks is not None:
                correct = ranks.correct()  # over every rank: one small Allreduce
            elif labels is not None:
                right = classes == labels[order]  # this epoch's order
                correct = np.count_nonzero(right) if weights is None else weights[order] @ right
            history.seconds.append(time.perf_counter() - start)
            history.loss.append(total_cost / total_weight)
            if labels is not None:
                history.accuracy.append(float(correct / total_weight))
            if val is not None:
                scores = net.evaluate(*val)
                history.val_loss.append(scores["loss"])
                if "accuracy" in scores:
                    history.val_accuracy.append(scores["accuracy"])
            for cb in callbacks:
                cb.on_epoch_end(run)
            if run.stop_reason:
                break
    if run.stop_reason and history.stop is None:  # a callback that set run.stop_reason itself
        history.stop = Stop(
            "callback", run.epoch, run.batch, float(optimizer.lr), message=run.stop_reason
        )
    history.last_lr = float(optimizer.lr)
    if history.diverged:
        warnings.warn(history.stop_reason or "", RuntimeWarning, stacklevel=2)
    for cb in callbacks:
        cb.on_train_end(run)
    return history
