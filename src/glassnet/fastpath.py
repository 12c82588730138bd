"""The training step again, with preallocated buffers: the same equations, computed in place.

:meth:`Network._cost_and_gradients <glassnet.Network>` is the readable training step: every
z^(l), a^(l), δ^(l) and ∂C/∂W^(l) is a fresh array, and the cost is computed from scratch. For
the small networks people train on a CPU, an epoch is thousands of steps of a few dozen small
NumPy calls each, so what counts is the number of calls and the bytes copied, not the
arithmetic. :class:`TrainingStep` does the same step with fewer calls, into arrays made once
per mini-batch size (NumPy's ``out=`` arguments), and builds no new objects per step::

    x   ← X[idx]                            gather the mini-batch
    z^(l) = a^(l−1) W^(l)ᵀ + b^(l)          np.matmul(a, W.T, out=z[l]); z[l] += b
    a^(l) = σ(z^(l))                        in place: σ.forward_into(z, out=a[l], …)
    C_i = −ln a^(L)_c (true class c)        softmax + cross-entropy with class labels: from
                                            the max and Σ e^(z − max z) softmax just made
    δ^(L) = ∂C/∂a^(L) ⊙ σ'(z^(L)), / m      fused for softmax + cross-entropy: (a − y) / m
    ∂C/∂W^(l) = δ^(l)ᵀ a^(l−1)              np.matmul(δ.T, a, out=dW[l])
    ∂C/∂b^(l) = Σ_i δ^(l)_i                 δ.sum(axis=0, out=db[l])
    δ^(l−1) = δ^(l) W^(l) ⊙ σ'(z^(l−1))     np.matmul(δ, W, out=...), then σ.backward_into

Every operation is the one the plain path performs, in the same order, so the two give the
same numbers bit for bit (``tests/test_fastpath.py`` holds them to that, for every activation
and cost, in float32 and float64). The in-place forms of σ and δ are the activation's own
(:meth:`~glassnet.activations.Activation.forward_into` and ``backward_into``), so an activation
you register takes this same step; one without in-place forms falls back to its ``forward`` and
``backward``, which is still correct, only slower.

:func:`glassnet.training.fit` uses a :class:`TrainingStep` unless a layer has dropout (then it
takes the plain step); the penalties ``l2``/``l1`` are added exactly as the plain step adds them.
Nothing else changes: ``trace``, ``gradients`` and the explanations always use the plain path.

Where an epoch's time goes (784-100-10, batch 128, two cores): the matrix multiplications are
about 55%, gathering the shuffled rows about 14%, the optimizer's update about 15% and the
elementwise lines above about 14%. ``python benchmarks/run.py`` measures it on your machine;
benchmarks/README.md says why the rest is hard to shrink from NumPy.

Example:
    >>> import numpy as np, glassnet as gn
    >>> from glassnet.fastpath import TrainingStep
    >>> net = gn.Network.from_sizes([2, 3, 2], activation="relu", output_activation="softmax",
    ...                             cost="cross_entropy", seed=0)
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    >>> Y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    >>> cost, a_L, grads = TrainingStep(net, X, Y).run(np.array([0, 1]))
    >>> plain = net.gradients(X, Y)
    >>> all(np.array_equal(grads.W[l], plain.W[l]) for l in (1, 2))
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .activations import Softmax, softmax_into
from .costs import CrossEntropy
from .network import ByLayer, Gradients, weight_shares

if TYPE_CHECKING:
    from .network import Network

Array = NDArray[np.floating[Any]]

__all__ = ["TrainingStep", "supports"]


def supports(net: Network) -> bool:
    """Whether :class:`TrainingStep` can train ``net``: every network without dropout.

    (Dropout draws masks from the training generator between the forward passes; the plain
    step does that, and keeping one implementation of it keeps the random streams identical.)
    """
    return not net.has_dropout


# -- the step -----------------------------------------------------------------------------------


class _Buffers:
    """Every array one training step writes, for mini-batches of m samples."""

    def __init__(self, net: Network, m: int) -> None:
        dtype, sizes = net.dtype, net.sizes
        self.m = m
        # index l = 1..L (index 0 unused: a^(0) is the gathered mini-batch itself)
        unused = np.empty((0, 0), dtype=dtype)
        self.z = [unused] + [np.empty((m, n), dtype=dtype) for n in sizes[1:]]
        self.a = [unused] + [np.empty((m, n), dtype=dtype) for n in sizes[1:]]
        self.tmp = [unused] + [np.empty((m, n), dtype=dtype) for n in sizes[1:]]
        self.mask = [np.empty(0, dtype=bool)] + [np.empty((m, n), dtype=bool) for n in sizes[1:]]
        # ∂C/∂a^(l−1) = δ^(l) W^(l), for l = 2..L: it becomes δ^(l−1) in place
        self.dC_da = [np.empty((m, n), dtype=dtype) for n in sizes[:-1]]
        self.delta_L = np.empty((m, sizes[-1]), dtype=dtype)
        self.costs = np.empty(m, dtype=dtype)  # C_i
        self.peak = np.empty((m, 1), dtype=dtype)  # max_k z^(L)_k, softmax output only
        self.total = np.empty((m, 1), dtype=dtype)  # Σ_k e^(z^(L)_k − max z^(L))


class TrainingStep:
    """The training step of ``net`` on fixed data (x, y), writing into preallocated arrays.

    ``run(idx)`` gathers the rows ``idx`` of x and y and returns ``(C, a^(L), gradients)``
    exactly as ``net._cost_and_gradients(x[idx], y[idx])`` does. The returned a^(L) and
    gradient arrays are reused by the next call: read them (or step the optimizer) first.

    Args:
        net: the network; its current weights are read at every step.
        x: checked inputs, (m, n_0) in the network's dtype.
        y: checked targets, (m, n_L) in the network's dtype.
        one_hot: whether every row of y is one-hot (class labels), as ``net._check_xy``
            reports it by returning labels; a softmax + cross-entropy cost then needs only
            the true class's z (see :meth:`run`).
    """

    def __init__(self, net: Network, x: Array, y: Array, one_hot: bool = False) -> None:
        if not supports(net):
            raise ValueError(
                "TrainingStep cannot train a network with dropout; use net._cost_and_gradients"
            )
        self.net, self.x, self.y = net, x, y
        self._buffers: dict[int, _Buffers] = {}
        dtype = net.dtype
        # the gradients, made once and reused: the optimizer reads them at every step
        dW = [np.empty_like(layer.W, dtype=dtype) for layer in net.layers]
        db = [np.empty_like(layer.b, dtype=dtype) for layer in net.layers]
        self._dW = [np.empty(0, dtype=dtype), *dW]  # index l = 1..L
        self._db = [np.empty(0, dtype=dtype), *db]
        self.gradients = Gradients(ByLayer(dW, 1, "∂C/∂W"), ByLayer(db, 1, "∂C/∂b"))
        cost, act = net.cost_function, net.layers[-1].activation
        # softmax + cross-entropy fuse into δ^(L) = a − y (see glassnet.costs)
        self._fused_softmax = type(cost) is CrossEntropy and type(act) is Softmax
        self._one_hot = one_hot and self._fused_softmax

    def _buffers_for(self, m: int) -> _Buffers:
        buffers = self._buffers.get(m)
        if buffers is None:
            buffers = self._buffers[m] = _Buffers(self.net, m)
        return buffers

    def run(
        self, idx: NDArray[np.intp], weights: Array | None = None
    ) -> tuple[float, Array, Gradients]:
        """C, a^(L) and ∂C/∂W, ∂C/∂b for the mini-batch of rows ``idx``; with ``weights``
        (the rows' s_i), of the weighted mean C = Σ_i s_i C_i / Σ_i s_i, as the plain step."""
        net, layers = self.net, self.net.layers
        L, m = len(layers), len(idx)
        buf = self._buffers_for(m)
        # gather the mini-batch. Fancy indexing into a new array is NumPy's fastest copy of
        # scattered rows: faster than np.take(..., out=buffer), which also checks every index
        x, y = self.x[idx], self.y[idx]

        # forward: z^(l) = a^(l−1) W^(l)ᵀ + b^(l),  a^(l) = σ(z^(l))
        a: list[Array] = [x]
        for l, layer in enumerate(layers, start=1):
            z = np.matmul(a[l - 1], layer.W.T, out=buf.z[l])
            z += layer.b
            if l == L and self._fused_softmax:
                a.append(softmax_into(z, buf.a[l], buf.peak, buf.total))
            else:
                a.append(layer.activation.forward_into(z, buf.a[l], buf.tmp[l], buf.mask[l]))

        # the cost C = (1/m) Σ_i C_i and δ^(L) of the mini-batch cost, that is δ_i^(L) / m
        cost_function, z_L = net.cost_function, buf.z[L]
        if self._one_hot:
            # C_i = −ln a_{i,c} for the true class c, from the logits as CrossEntropy does it:
            # −ln a_c = ln Σ_k e^(z_k − max z) − (z_c − max z). Σ_j y_ij z_ij picks z_c exactly
            # (y is one-hot), and every rounding step is the plain path's.
            costs = np.einsum("ij,ij->i", y, z_L, out=buf.costs)  # z_c
            costs -= buf.peak[:, 0]  # z_c − max z
            np.subtract(np.log(buf.total[:, 0]), costs, out=costs)
        else:
            costs = cost_function.per_sample(a[L], y, z_L)
        if self._fused_softmax:
            delta = np.subtract(a[L], y, out=buf.delta_L)  # δ^(L) = a^(L) − y
        else:
            delta = cost_function.output_delta(a[L], y, z_L, layers[-1].activation)
        if weights is None:
            cost = float(costs.sum() / m)  # np.mean(costs), without its Python wrapper
            delta = np.divide(delta, m, out=buf.delta_L)  # ∂C/∂z^(L) = δ^(L) / m
        else:  # the weighted mean: share_i = s_i / Σ_j s_j in place of 1/m
            share = weight_shares(weights)
            cost = float(np.dot(share, costs))
            delta = np.multiply(delta, share[:, None], out=buf.delta_L)

        # backward, from layer L to 1
        dW, db = self._dW, self._db
        for l in range(L, 0, -1):
            W = layers[l - 1].W
            np.matmul(delta.T, a[l - 1], out=dW[l])  # ∂C/∂W^(l) = Σ_i δ_i ⊗ a^(l−1)_i
            delta.sum(axis=0, out=db[l])  # ∂C/∂b^(l) = Σ_i δ_i
            if l > 1:
                dC_da = np.matmul(delta, W, out=buf.dC_da[l - 1])  # ∂C/∂a^(l−1) = δ^(l) W^(l)
                # δ^(l−1) = ∂C/∂a^(l−1) ⊙ σ'(z^(l−1)), in place
                delta = layers[l - 2].activation.backward_into(
                    buf.z[l - 1], a[l - 1], dC_da, buf.tmp[l - 1], buf.mask[l - 1]
                )
        if net.l2 or net.l1:  # ∂C/∂W^(l) gains λ₂ W^(l) + λ₁ sign(W^(l)), C the penalty
            net._add_penalty_gradient(dW)
            cost += net.penalty()
        return cost, a[L], self.gradients
