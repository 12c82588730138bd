"""Checking backpropagation by finite differences.

A derivative is a slope, so it can be measured without any calculus: nudge one weight by ±ε,
recompute the cost, and take the central difference::

    ∂C/∂w ≈ (C(w + ε) − C(w − ε)) / 2ε        (error of order ε²)

:func:`gradient_check` does that for every weight and bias (in float64, on a copy of the
network) and compares with the gradients from :meth:`Network.gradients`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import as_rng, small_positive
from .network import Gradients, Network

__all__ = ["GradientCheck", "gradient_check"]


def _relative_error(numeric: NDArray[Any], backprop: NDArray[Any], floor: float) -> float:
    """‖numeric − backprop‖ / max(‖numeric‖ + ‖backprop‖, floor)."""
    scale = max(float(np.linalg.norm(numeric) + np.linalg.norm(backprop)), floor)
    return float(np.linalg.norm(numeric - backprop)) / scale if scale > 0 else 0.0


@dataclass(repr=False)
class GradientCheck:
    """The result of :func:`gradient_check`.

    Attributes:
        per_layer: ``{l: {"W": error, "b": error}}``, by each layer's parameter names: relative
            errors ‖numeric − backprop‖ / (‖numeric‖ + ‖backprop‖) over the checked entries.
        max_rel_error: the largest of them.
        numeric, backprop: the two gradients (float64; unchecked entries of ``numeric`` are NaN).
        tol: the threshold for :attr:`passed`.
        resolution: the rounding noise of one difference quotient, 2⁻⁵² · max(|C|, 1) / ε.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([2, 3, 1], seed=0)
        >>> check = gn.gradient_check(net, np.array([[0.5, -1.0]]), np.array([[1.0]]))
        >>> check.passed, sorted(check.per_layer[1]), check.max_rel_error < 1e-6
        (True, ['W', 'b'], True)
    """

    per_layer: dict[int, dict[str, float]]
    max_rel_error: float
    numeric: Gradients
    backprop: Gradients
    tol: float
    resolution: float

    @property
    def passed(self) -> bool:
        """True when every layer's relative error is below ``tol``."""
        return self.max_rel_error < self.tol

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        rows = [
            f"  layer {l}: " + "   ".join(f"{name} {err:.2e}" for name, err in e.items())
            for l, e in self.per_layer.items()
            if e
        ]
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"GradientCheck({verdict}: max relative error {self.max_rel_error:.2e}, "
            f"tol {self.tol:.0e})\n" + "\n".join(rows)
        )


def gradient_check(
    net: Network,
    X: Any,
    Y: Any,
    eps: float = 1e-5,
    tol: float = 1e-6,
    max_per_layer: int | None = None,
    seed: int | np.random.Generator | None = 0,
    masks: Sequence[Any] | None = None,
) -> GradientCheck:
    """Compare backpropagation with central differences, layer by layer, in float64.

    Args:
        net: the network (not changed: a float64 copy is checked).
        X, Y: a mini-batch, as for :meth:`Network.cost`.
        eps: the nudge ε.
        tol: the largest relative error that passes.
        max_per_layer: check at most this many randomly chosen entries of each W^(l) and
            b^(l) (``None``: all of them; each entry costs two forward passes).
        seed: chooses the entries when ``max_per_layer`` is set.
        masks: fixed dropout masks (:meth:`Network.dropout_masks`) for a network with dropout:
            both gradients are then those of the thinned network the masks pick. Without
            them the whole network is checked, as used for prediction.

    Finite differences cannot resolve a slope finer than the rounding noise of C divided by ε
    (:attr:`GradientCheck.resolution`, about 1e-11 for C ≈ 1 and ε = 1e-5). So that a layer
    whose gradient is that small is not failed for noise, each layer's error is divided by at
    least 10 · √n · resolution / tol (n: entries checked): noise alone then scores about tol/10,
    while a real mistake in a tiny gradient still scores far above tol.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> net = gn.Network.from_sizes([3, 4, 2], activation="tanh", seed=0)
        >>> X = np.random.default_rng(0).normal(size=(5, 3)); Y = np.array([0, 1, 1, 0, 1])
        >>> gn.gradient_check(net, X, Y).passed
        True
    """
    tol = small_positive(tol, "tol", "a positive float below 1 such as 1e-6")
    eps = small_positive(eps, "eps", "a small positive float such as 1e-5")
    net64 = net.astype("float64")
    x, y, _ = net64.check_data(X, Y)
    C0, _, backprop = net64.cost_and_gradients(x, y, masks)
    resolution = np.finfo(np.float64).eps * max(abs(C0), 1.0) / eps
    rng = as_rng(seed)

    def cost() -> float:
        return net64.cost(x, y, masks, training=True)  # C = (1/m) Σ C_i + penalty, as trained

    numeric_layers: list[dict[str, NDArray[Any]]] = []
    per_layer: dict[int, dict[str, float]] = {}
    for l, layer in enumerate(net64.layers, start=1):
        per_layer[l] = {}
        numeric_layers_l: dict[str, NDArray[Any]] = {}
        numeric_layers.append(numeric_layers_l)
        for name, param in layer.parameters().items():
            exact = backprop[l][name]
            # param.flat counts in row-major order whatever the memory layout (W is stored
            # column by column), and writes through: nudging flat[i] nudges the network
            flat, size = param.flat, param.size
            numeric = np.full(size, np.nan)
            chosen = np.arange(size)
            if max_per_layer is not None and size > max_per_layer:
                chosen = np.sort(rng.choice(size, size=max_per_layer, replace=False))
            for i in chosen:
                keep = flat[i]
                flat[i] = keep + eps
                c_plus = cost()
                flat[i] = keep - eps
                c_minus = cost()
                flat[i] = keep
                numeric[i] = (c_plus - c_minus) / (2 * eps)  # ∂C/∂w ≈ (C(w+ε) − C(w−ε)) / 2ε
            floor = 10 * np.sqrt(len(chosen)) * resolution / tol
            per_layer[l][name] = _relative_error(numeric[chosen], exact.reshape(-1)[chosen], floor)
            numeric_layers_l[name] = numeric.reshape(param.shape)
    return GradientCheck(
        per_layer=per_layer,
        max_rel_error=max((e for errs in per_layer.values() for e in errs.values()), default=0.0),
        numeric=Gradients(layers=numeric_layers),
        backprop=backprop,
        tol=tol,
        resolution=resolution,
    )
