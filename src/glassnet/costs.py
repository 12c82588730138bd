"""Cost functions C, each the mean over the m samples of a mini-batch of a per-sample cost C_i.

    C = (1/m) Σ_i C_i(a_i, y_i)          a_i = a^(L) for sample i, y_i its target

The tutorial's cost is ``"mse"``: C_i = ‖y_i − a_i‖², "the sum of the squared differences" of a
sample, so that C is its "mean squared error" and ∂C_i/∂a^(L) = 2(a − y). ``"quadratic"`` is
Nielsen's convention, ½‖y_i − a_i‖², whose ½ cancels that 2: the same minimum, half the
gradient, so SGD needs twice the η for the same step. Training always averages over the
mini-batch, as the tutorial's stochastic gradient descent does; :meth:`Cost.total` gives the
summed form Σ_i C_i, whose gradient is m times as large.

Backpropagation starts from ∂C_i/∂a^(L) (:meth:`Cost.derivative`) and turns it into the output
error δ^(L) = ∂C_i/∂z^(L) (:meth:`Cost.output_delta`). Two pairs fuse into a simpler, stable δ:

======================  ====================  =================================================
cost                    output activation     δ^(L) = ∂C_i/∂z^(L)
======================  ====================  =================================================
cross_entropy           softmax               a − y
binary_cross_entropy    sigmoid               (a − y) / n_L
======================  ====================  =================================================

Both of those costs are computed from z^(L) (the logits) rather than from a = σ(z), so that a
saturated output (a = 0 or 1 in floating point) never produces ln 0.

>>> import numpy as np
>>> get("mse").per_sample(np.array([[0.8]]), np.array([[1.0]]), np.array([[1.4]]))
array([0.04])
>>> get("quadratic").per_sample(np.array([[0.8]]), np.array([[1.0]]), np.array([[1.4]]))
array([0.02])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import from_registry
from .activations import Activation, Sigmoid, Softmax, softplus

if TYPE_CHECKING:
    from .layers import Cache

Array = NDArray[np.floating[Any]]

__all__ = [
    "COSTS",
    "MSE",
    "BinaryCrossEntropy",
    "Cost",
    "CrossEntropy",
    "ElementwiseMSE",
    "Quadratic",
    "SumOfSquares",
    "accuracy",
    "get",
    "predicted_classes",
    "weight_shares",
]


class Cost:
    """A per-sample cost C_i(a, y) and its gradient ∂C_i/∂a.

    Subclasses define :meth:`per_sample` and :meth:`derivative`; a cost that is only defined
    for one output activation names it in :attr:`requires`.

    Example:
        >>> import numpy as np
        >>> from glassnet import costs
        >>> class Absolute(costs.Cost):  # C_i = Σ_j |a_j − y_j|
        ...     name = "absolute"
        ...     def per_sample(self, a, y, z=None):
        ...         return np.abs(a - y).sum(axis=1)
        ...     def derivative(self, a, y):
        ...         return np.sign(a - y)
        >>> a, y = np.array([[0.2, 0.9]]), np.array([[0.0, 1.0]])
        >>> Absolute().per_sample(a, y).round(3), Absolute().derivative(a, y)
        (array([0.3]), array([[ 1., -1.]]))
    """

    name: str = "cost"
    #: the output activation this cost is defined for (``None``: any), and how to get it
    requires: type[Activation] | None = None
    requires_fix: str = ""
    #: ∂C_i/∂a^(L) as text, as explanations print it (``None``: not stated)
    derivative_formula: str | None = None
    #: δ^(L) as text when the cost and its output activation multiply out to a simpler δ
    fused_delta_formula: str | None = None
    #: the output activation (scikit-learn's ``out_activation_``) whose loss this cost is in
    #: scikit-learn's MLP, or ``None``
    sklearn_output: str | None = None

    def per_sample(self, a: Array, y: Array, z: Array) -> Array:
        """C_i for each row: shape (m,). ``z`` is z^(L), for costs computed from logits."""
        raise NotImplementedError

    def derivative(self, a: Array, y: Array) -> Array:
        """∂C_i/∂a^(L) for each row: shape (m, n_L)."""
        raise NotImplementedError

    def output_delta(self, a: Array, y: Array, z: Array, activation: Activation) -> Array:
        """δ^(L) = ∂C_i/∂z^(L): the chain rule ∂C/∂a^(L) · ∂a^(L)/∂z^(L) for each row."""
        return activation.backward(z, a, self.derivative(a, y))

    # -- the same, in place (the training step's buffers) -----------------------------------------

    def per_sample_into(self, y: Array, cache: Cache) -> Array:
        """C_i for each row, from the output layer's :class:`~glassnet.layers.Cache` (a^(L) is
        ``cache.out``, z^(L) ``cache.z``), written into ``cache.costs`` where this class knows
        how; ``cache.tmp`` is scratch. By default the new array ``per_sample(a, y, z)``."""
        return self.per_sample(cache.out, y, cache.z)

    def output_delta_into(self, y: Array, cache: Cache, activation: Activation) -> Array:
        """δ^(L) for each row, written into ``cache.delta_L`` where this class knows how;
        ``cache.tmp`` and ``cache.where`` are scratch, as for :meth:`Activation.backward_into`.
        By default the new array ``output_delta(a, y, z, activation)``."""
        return self.output_delta(cache.out, y, cache.z, activation)

    def check_output(self, activation: Activation) -> None:
        """Raise ValueError if this cost is not defined for the given output activation."""
        if self.requires is not None and not isinstance(activation, self.requires):
            raise ValueError(
                f"cost {self.name!r} needs a {self.requires.name} output layer, but the output "
                f"activation is {activation!r}; {self.requires_fix}"
            )

    def __call__(self, a: Array, y: Array, z: Array) -> float:
        """The mini-batch cost C = (1/m) Σ_i C_i."""
        return float(np.mean(self.per_sample(a, y, z)))

    def total(self, a: Array, y: Array, z: Array) -> float:
        """The summed form Σ_i C_i = m · C over the m rows, e.g. the tutorial's "sum of the
        squared differences" for ``"mse"``. Its gradient is m times the mean's, which would
        tie the size of an SGD step to the batch size; training uses the mean.

        >>> import numpy as np
        >>> a, y = np.array([[0.8], [0.5]]), np.array([[1.0], [0.0]])
        >>> get("mse").total(a, y, a), get("mse")(a, y, a)
        (0.29, 0.145)
        """
        return float(np.sum(self.per_sample(a, y, z)))

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


class SumOfSquares(Cost):
    """C_i = ‖y_i − a_i‖² / d, ∂C_i/∂a = (2/d)(a − y): the sum of a sample's squared errors,
    divided by d = :meth:`divisor` (1 for ``"mse"``, 2 for ``"quadratic"``, n_L for
    ``"elementwise_mse"``). A squared-error cost of your own says only its d.

    Example:
        >>> import numpy as np
        >>> from glassnet import costs
        >>> class HalfMean(costs.SumOfSquares):  # C_i = ‖y_i − a_i‖² / (2 n_L)
        ...     name = "half_mean"
        ...     def divisor(self, n_L):
        ...         return 2.0 * n_L
        >>> a, y = np.array([[0.8, 0.2]]), np.array([[1.0, 0.0]])
        >>> HalfMean().per_sample(a, y, a).round(4), HalfMean().derivative(a, y).round(4)
        (array([0.02]), array([[-0.1,  0.1]]))
    """

    def divisor(self, n_L: int) -> float:
        """d, what ‖y_i − a_i‖² is divided by for n_L output neurons."""
        return 1.0

    def per_sample(self, a: Array, y: Array, z: Array) -> Array:
        d = a - y
        squares = np.einsum("ij,ij->i", d, d)  # Σ_j (a_ij − y_ij)²
        return squares / self.divisor(a.shape[1])  # C_i = ‖y_i − a_i‖² / d

    def derivative(self, a: Array, y: Array) -> Array:
        return (2.0 / self.divisor(a.shape[1])) * (a - y)  # ∂C_i/∂a^(L) = (2/d)(a^(L) − y)

    def per_sample_into(self, y: Array, cache: Cache) -> Array:
        d = np.subtract(cache.out, y, out=cache.tmp)
        costs = np.einsum("ij,ij->i", d, d, out=cache.costs)
        divisor = self.divisor(y.shape[1])
        return costs if divisor == 1 else np.divide(costs, divisor, out=costs)

    def output_delta_into(self, y: Array, cache: Cache, activation: Activation) -> Array:
        a, z = cache.out, cache.z
        dC_da = np.subtract(a, y, out=cache.delta_L)
        factor = 2.0 / self.divisor(y.shape[1])
        if factor != 1:
            np.multiply(dC_da, factor, out=dC_da)
        # δ^(L) = ∂C/∂a ⊙ σ'(z)
        return activation.backward_into(z, a, dC_da, cache.tmp, cache.where)


class MSE(SumOfSquares):
    """The tutorial's cost: C_i = ‖y_i − a_i‖² = Σ_j (a_ij − y_ij)², ∂C_i/∂a = 2(a − y).

    C_i is "the sum of the squared differences" between what we want, y, and what the network
    gives, a, over the n_L output neurons; C = (1/m) Σ_i C_i is their "mean squared error"
    over the samples. With one output neuron this is PyTorch's ``MSELoss()``; with n_L outputs
    it is n_L times that (``"elementwise_mse"`` is PyTorch's, for any n_L).

    Example:
        >>> import numpy as np
        >>> from glassnet.costs import MSE
        >>> a, y = np.array([[0.8, 0.2]]), np.array([[1.0, 0.0]])
        >>> MSE().per_sample(a, y, a).round(4)  # (0.8 − 1)² + (0.2 − 0)²
        array([0.08])
        >>> MSE().derivative(a, y).round(4)  # 2(a − y)
        array([[-0.4,  0.4]])
    """

    name = "mse"
    derivative_formula = "2(a − y)"


class Quadratic(SumOfSquares):
    """C_i = ½ ‖y_i − a_i‖², ∂C_i/∂a = a − y: Nielsen's convention (*Neural Networks and Deep
    Learning*), where the ½ cancels the 2 of the derivative.

    It is half the tutorial's cost ``"mse"``: the same minimum, half the gradient. SGD with
    η on this cost takes exactly the steps of SGD with η/2 on ``"mse"``.

    Example:
        >>> import numpy as np
        >>> from glassnet.costs import Quadratic
        >>> a, y = np.array([[0.8, 0.2]]), np.array([[1.0, 0.0]])
        >>> Quadratic().per_sample(a, y, a).round(4), Quadratic().derivative(a, y).round(4)
        (array([0.04]), array([[-0.2,  0.2]]))
    """

    name = "quadratic"
    derivative_formula = "a − y"
    sklearn_output = "identity"  # its squared_error loss, ½ (y − a)²

    def divisor(self, n_L: int) -> float:
        return 2.0  # ½ ‖y − a‖²


class ElementwiseMSE(SumOfSquares):
    """C_i = (1/n_L) ‖y_i − a_i‖², ∂C_i/∂a = 2(a − y)/n_L: the mean over all m·n_L squared
    errors, PyTorch's ``MSELoss()`` and Keras's ``"mse"``. Equal to ``"mse"`` for one output
    neuron; with n_L outputs it is ``"mse"`` divided by n_L.

    Example:
        >>> import numpy as np
        >>> from glassnet.costs import ElementwiseMSE
        >>> a, y = np.array([[0.8, 0.2]]), np.array([[1.0, 0.0]])
        >>> ElementwiseMSE().per_sample(a, y, a).round(4)  # 0.08 / n_L, n_L = 2
        array([0.04])
    """

    name = "elementwise_mse"
    derivative_formula = "2(a − y)/n_L"

    def divisor(self, n_L: int) -> float:
        return float(n_L)


def _log_softmax(z: Array) -> Array:
    """ln softmax(z) for each row, as z − max z − ln Σ e^(z − max z): exact for huge logits."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


class CrossEntropy(Cost):
    """C_i = −Σ_j y_ij ln a_ij for a softmax output; fused δ^(L) = a − y.

    The fused δ holds when each target row sums to 1 (one-hot labels or probabilities):
    ∂C_i/∂z_k = Σ_j (−y_j / a_j) a_j (1[j = k] − a_k) = a_k Σ_j y_j − y_k = a_k − y_k.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Sigmoid, Softmax
        >>> from glassnet.costs import CrossEntropy
        >>> z, y = np.array([[2.0, 0.0, -1.0]]), np.array([[1.0, 0.0, 0.0]])
        >>> a = Softmax()(z)
        >>> cost = CrossEntropy()
        >>> cost.per_sample(a, y, z).round(4), (-np.log(a[:, 0])).round(4)  # −ln a_true
        (array([0.1698]), array([0.1698]))
        >>> cost.output_delta(a, y, z, Softmax()).round(4)  # δ^(L) = a − y
        array([[-0.1562,  0.1142,  0.042 ]])
        >>> cost.check_output(Sigmoid())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: cost 'cross_entropy' needs a softmax output layer, but ... is sigmoid; ...
    """

    name = "cross_entropy"
    derivative_formula = "−y/a"
    fused_delta_formula = "a − y"
    sklearn_output = "softmax"  # log_loss
    requires = Softmax
    requires_fix = (
        "use output_activation='softmax' (or cost='binary_cross_entropy' for independent "
        "sigmoid outputs)"
    )

    def per_sample(self, a: Array, y: Array, z: Array) -> Array:
        return -np.einsum("ij,ij->i", y, _log_softmax(z))  # ln a computed from z, never ln 0

    def derivative(self, a: Array, y: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -y / a

    def output_delta(self, a: Array, y: Array, z: Array, activation: Activation) -> Array:
        return a - y  # δ^(L) = a^(L) − y, the softmax Jacobian and −y/a multiplied out

    def per_sample_into(self, y: Array, cache: Cache) -> Array:
        """C_i = −Σ_j y_j ln a_j = Σ_j y_j (ln Σ_k e^(z_k) − z_j), reusing what the softmax just
        computed: ``cache.tmp`` holds the scratch its ``forward_into`` wrote for this z (max z in
        column 0, Σ_k e^(z_k − max z) in column 1), as in :meth:`Network.step`. The
        log-partition ln Σ_k e^(z_k) = max z + ln Σ_k e^(z_k − max z) never takes ln 0."""
        tmp, out = cache.tmp, cache.costs
        lse = np.log(tmp[:, 1], out=out)
        lse += tmp[:, 0]  # ln Σ_k e^(z_k), one per row
        gap = np.subtract(lse[:, None], cache.z, out=tmp)  # −ln a_j = ln Σ_k e^(z_k) − z_j
        return np.einsum("ij,ij->i", y, gap, out=out)

    def output_delta_into(self, y: Array, cache: Cache, activation: Activation) -> Array:
        return np.subtract(cache.out, y, out=cache.delta_L)  # δ^(L) = a^(L) − y


class BinaryCrossEntropy(Cost):
    """C_i = −(1/n_L) Σ_j [y ln a + (1 − y) ln(1 − a)] for sigmoid outputs; fused
    δ^(L) = (a − y)/n_L. Averaging C_i over the batch gives PyTorch's ``BCELoss()``.

    From the logits, ln a = −softplus(−z) and ln(1 − a) = −softplus(z), so
    C_i = (1/n_L) Σ_j [softplus(z_j) − y_j z_j], finite for any z.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Sigmoid
        >>> from glassnet.costs import BinaryCrossEntropy
        >>> z, y = np.array([[0.0, 2.0]]), np.array([[1.0, 1.0]])  # two yes/no outputs
        >>> a = Sigmoid()(z)
        >>> cost = BinaryCrossEntropy()
        >>> cost.per_sample(a, y, z).round(4), round(float(-np.log(a).mean()), 4)  # −mean ln a
        (array([0.41]), 0.41)
        >>> cost.output_delta(a, y, z, Sigmoid()).round(4)  # δ^(L) = (a − y)/n_L
        array([[-0.25  , -0.0596]])
    """

    name = "binary_cross_entropy"
    derivative_formula = "(a − y)/(a(1 − a) n_L)"
    fused_delta_formula = "(a − y)/n_L"
    sklearn_output = "logistic"  # log_loss
    requires = Sigmoid
    requires_fix = (
        "use output_activation='sigmoid' (or cost='cross_entropy' with a softmax output for "
        "one-of-n classes)"
    )

    def per_sample(self, a: Array, y: Array, z: Array) -> Array:
        return np.sum(softplus(z) - y * z, axis=1) / z.shape[1]

    def derivative(self, a: Array, y: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (a - y) / (a * (1.0 - a) * a.shape[1])

    def output_delta(self, a: Array, y: Array, z: Array, activation: Activation) -> Array:
        return (a - y) / a.shape[1]  # σ'(z) = a(1 − a) cancels the denominator of ∂C/∂a

    def output_delta_into(self, y: Array, cache: Cache, activation: Activation) -> Array:
        delta = np.subtract(cache.out, y, out=cache.delta_L)
        return np.divide(delta, y.shape[1], out=delta)  # δ^(L) = (a − y)/n_L


#: name → cost class.
COSTS: dict[str, type[Cost]] = {
    cls.name: cls for cls in (MSE, Quadratic, ElementwiseMSE, CrossEntropy, BinaryCrossEntropy)
}


def get(cost: str | Cost) -> Cost:
    """Resolve a cost given by name (or pass an instance through).

    >>> get("cross_entropy")
    cross_entropy
    """
    if isinstance(cost, Cost):
        return cost
    return from_registry(cost, COSTS, "cost", kind="a Cost")()


# -- scoring: classes, accuracy, weighted shares ----------------------------------------------


def predicted_classes(a_L: Array, out: NDArray[np.intp] | None = None) -> NDArray[np.intp]:
    """The class each row of output activations stands for: argmax_j a_j, or ``a ≥ 0.5`` for
    a single output neuron; written into ``out`` when given (training reuses one array).

    Example:
        >>> import numpy as np
        >>> predicted_classes(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]]))
        array([1, 0])
        >>> predicted_classes(np.array([[0.3], [0.5]]))  # one neuron: a ≥ 0.5 is class 1
        array([0, 1])
    """
    if a_L.shape[1] == 1:
        if out is None:
            return (a_L[:, 0] >= 0.5).astype(np.intp)
        return np.greater_equal(a_L[:, 0], 0.5, out=out, casting="unsafe")
    return a_L.argmax(axis=1, out=out)


def weight_shares(weights: Array) -> Array:
    """share_i = s_i / Σ_j s_j: each sample's part of a weighted mini-batch cost.

    The weighted mean C = Σ_i s_i C_i / Σ_i s_i is Σ_i share_i C_i, and ∂C/∂z^(L) of row i
    is share_i δ_i^(L), as it is δ_i^(L) / m for the plain mean. A mini-batch whose weights
    are all 0 holds nothing to learn from: its shares are all 0 (training skips its step).

    >>> weight_shares(np.array([1.0, 3.0, 0.0])).tolist()
    [0.25, 0.75, 0.0]
    """
    total = weights.sum()
    return weights / total if total > 0 else np.zeros_like(weights)


def accuracy(a_L: Array, labels: NDArray[np.intp]) -> float:
    """The fraction of rows whose predicted class equals ``labels``.

    Example:
        >>> import numpy as np
        >>> a_L = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])  # predicts classes 1 and 0
        >>> accuracy(a_L, np.array([1, 2]))
        0.5
    """
    return float(np.mean(predicted_classes(a_L) == labels))
