"""The textbook backpropagation: one sample at a time, then the average. A teaching reference.

:func:`glassnet.explain.backprop_per_example` (``gn.backprop_per_example``) is this loop; the
tests hold it equal to the network's mini-batch backprop, one matrix product per layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .network import ByLayer, Gradients

if TYPE_CHECKING:
    from .network import Network

__all__ = ["backprop_per_example"]


def backprop_per_example(net: Network, X: Any, Y: Any) -> Gradients:
    """The textbook backpropagation: one sample at a time, then the average. A teaching reference.

    For each sample x with target y: a forward pass keeping every z and a, then δ^(L), then for
    l = L, …, 1 the three equations, adding each sample's ∂C_i/∂W and ∂C_i/∂b to a running sum.
    ``net.gradients`` does the same with one matrix product per layer for the whole mini-batch;
    the tests hold the two equal.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 2], seed=0, dtype="float64")
        >>> X, Y = np.array([[0.5, -1.0], [1.0, 0.0]]), np.array([0, 1])
        >>> g = gn.backprop_per_example(net, X, Y)
        >>> bool(np.allclose(g.W[1], net.gradients(X, Y).W[1]))
        True
    """
    net.dense_layers("backprop_per_example")  # the textbook loop multiplies by W^(l)
    x_all, y_all, _ = net.check_data(X, Y)
    m, L = x_all.shape[0], net.L
    Ws = [np.empty((0, 0))] + [np.asarray(w, dtype=np.float64) for w in net.W]
    bs = [np.empty(0)] + [np.asarray(v, dtype=np.float64) for v in net.b]
    sum_dW = [np.zeros_like(w) for w in Ws]
    sum_db = [np.zeros_like(v) for v in bs]
    for i in range(m):
        x = np.asarray(x_all[i], dtype=np.float64)
        y = np.asarray(y_all[i], dtype=np.float64)
        # forward pass, one sample: z^(l) = W^(l) a^(l−1) + b^(l), a^(l) = σ(z^(l))
        a, z = [x], [x]
        for l in range(1, L + 1):
            z.append(Ws[l] @ a[l - 1] + bs[l])
            a.append(net.layers[l - 1].activation.forward(z[l][None, :])[0])
        # output error: δ^(L) = ∂C/∂a^(L) ⊙ σ'(z^(L)) (the cost fuses it for softmax/sigmoid)
        act_L = net.layers[-1].activation
        delta = net.cost_function.output_delta(a[L][None, :], y[None, :], z[L][None, :], act_L)[0]
        for l in range(L, 0, -1):
            sum_dW[l] += np.outer(delta, a[l - 1])  # ∂C_i/∂w^(l)_jk = δ^(l)_j a^(l−1)_k
            sum_db[l] += delta  # ∂C_i/∂b^(l)_j = δ^(l)_j
            if l > 1:
                dC_da = Ws[l].T @ delta  # ∂C_i/∂a^(l−1)_k = Σ_j w^(l)_jk δ^(l)_j
                act = net.layers[l - 2].activation
                delta = act.backward(z[l - 1][None, :], a[l - 1][None, :], dC_da[None, :])[0]
    l2, l1 = net.l2, net.l1
    dW = [sum_dW[l] / m + l2 * Ws[l] + l1 * np.sign(Ws[l]) for l in range(1, L + 1)]
    db = [sum_db[l] / m for l in range(1, L + 1)]
    return Gradients(ByLayer(dW, 1, "∂C/∂W"), ByLayer(db, 1, "∂C/∂b"))
