"""The activation functions glassnet ships, in the order of the tutorial's table and after it.

Each is one class stating σ, σ' and its facts (see :class:`~glassnet.activations.Activation`);
a new built-in activation is one more class here, listed in :data:`BUILT_IN`. The registry of
names, :data:`ACTIVATIONS` (with :func:`get`, :func:`register` and :func:`find`), follows them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._inputs import from_registry
from .base import Activation, Array, Mask, OnnxGraph

__all__ = [
    "ACTIVATIONS",
    "BUILT_IN",
    "ELU",
    "FACTS",
    "GELU",
    "SELU",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "erfc",
    "find",
    "get",
    "register",
    "sigmoid",
    "softmax_into",
    "softplus",
]


def sigmoid(z: Array) -> Array:
    """The logistic function 1 / (1 + e^(−z)), without overflow for any z.

    e^(−|z|) is never larger than 1, so neither branch can overflow:
    σ(z) = 1 / (1 + e^(−z)) for z ≥ 0 and e^(z) / (1 + e^(z)) for z < 0.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import sigmoid
        >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))  # no overflow warning at ±1000
        array([0. , 0.5, 1. ])
    """
    e = np.exp(-np.abs(z))
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def softplus(z: Array) -> Array:
    """ln(1 + e^z), computed as max(z, 0) + ln(1 + e^(−|z|)) so that it never overflows.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import softplus
        >>> softplus(np.array([-1000.0, 0.0, 1000.0]))  # ≈ 0, ln 2 and z itself
        array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
    """
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class Identity(Activation):
    """σ(z) = z, σ'(z) = 1. The usual output for regression.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Identity
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = Identity()
        >>> act(z), act.prime(z, act(z))
        (array([-1.,  0.,  2.]), array([1., 1., 1.]))
    """

    name = "identity"
    formula = "z"
    derivative_formula = "1"
    onnx_op = "Identity"
    torch_module = "Identity"
    sklearn_name = "identity"

    def forward(self, z: Array) -> Array:
        return z

    def prime(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        return dC_da  # σ' = 1, so δ = ∂C/∂a

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return z  # σ(z) = z: nothing to compute or copy

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        return dC_da  # σ' = 1


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), σ'(z) = σ(z)(1 − σ(z)). The tutorial's activation.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Sigmoid
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = Sigmoid()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # σ'(0) = 0.5 · 0.5
        (array([0.2689, 0.5   , 0.8808]), array([0.1966, 0.25  , 0.105 ]))
        >>> act.derivative_formula, act.output_range, act.saturates
        ('σ(z)(1 − σ(z))', (0.0, 1.0), True)
    """

    name = "sigmoid"
    output_range = (0.0, 1.0)
    saturates = True
    formula = "1 / (1 + e^(−z))"
    derivative_formula = "σ(z)(1 − σ(z))"
    onnx_op = "Sigmoid"
    torch_module = "Sigmoid"
    sklearn_name = "logistic"

    def forward(self, z: Array) -> Array:
        return sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        return a * (1.0 - a)  # σ'(z) = σ(z)(1 − σ(z))

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        # as sigmoid() does it: 1 / (1 + e) for z ≥ 0 and e / (1 + e) for z < 0, e = e^(−|z|)
        e = np.exp(np.negative(np.abs(z, out=tmp), out=tmp), out=tmp)
        np.divide(1.0, np.add(e, 1.0, out=out), out=out)  # r = 1 / (1 + e)
        np.multiply(e, out, out=e)  # e · r, the z < 0 branch
        np.copyto(out, e, where=np.less(z, 0, out=mask))
        return out

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        np.subtract(1.0, a, out=tmp)
        np.multiply(a, tmp, out=tmp)  # σ'(z) = a (1 − a)
        return np.multiply(dC_da, tmp, out=dC_da)


class Tanh(Activation):
    """σ(z) = tanh z, σ'(z) = 1 − tanh² z.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Tanh
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = Tanh()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # σ'(0) = 1: steepest at 0
        (array([-0.7616,  0.    ,  0.964 ]), array([0.42  , 1.    , 0.0707]))
    """

    name = "tanh"
    output_range = (-1.0, 1.0)
    saturates = True
    formula = "(e^z − e^(−z)) / (e^z + e^(−z))"
    derivative_formula = "1 − tanh²(z)"
    onnx_op = "Tanh"
    torch_module = "Tanh"
    sklearn_name = "tanh"

    def forward(self, z: Array) -> Array:
        return np.tanh(z)

    def prime(self, z: Array, a: Array) -> Array:
        return 1.0 - a * a

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return np.tanh(z, out=out)

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        np.multiply(a, a, out=tmp)
        np.subtract(1.0, tmp, out=tmp)  # σ'(z) = 1 − a²
        return np.multiply(dC_da, tmp, out=dC_da)


class ReLU(Activation):
    """σ(z) = max(0, z), σ'(z) = 1 for z > 0 and 0 otherwise (0 at z = 0, as PyTorch).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import ReLU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = ReLU()
        >>> act(z), act.prime(z, act(z))
        (array([0., 0., 2.]), array([0., 0., 1.]))
        >>> act.default_init, act.dies  # He initialisation; units can die (σ' = 0 for z ≤ 0)
        ('he', True)
    """

    name = "relu"
    default_init = "he"
    output_range = (0.0, math.inf)
    dies = True
    formula = "max(0, z)"
    derivative_formula = "1 if z > 0 else 0"
    onnx_op = "Relu"
    torch_module = "ReLU"
    sklearn_name = "relu"

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0.0)

    def prime(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        return np.maximum(z, 0.0, out=out)  # σ(z) = max(0, z)

    def backward_into(self, z: Array, a: Array, dC_da: Array, tmp: Array, mask: Mask) -> Array:
        return np.multiply(dC_da, np.greater(z, 0, out=mask), out=dC_da)  # σ' = 1[z > 0]


class LeakyReLU(Activation):
    """σ(z) = z for z > 0 and slope · z otherwise; σ' = 1 or slope.

    Args:
        slope: the gradient for z ≤ 0 (default 0.01, as PyTorch and scikit-learn).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import LeakyReLU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = LeakyReLU(slope=0.1)
        >>> act
        leaky_relu(slope=0.1)
        >>> act(z), act.prime(z, act(z))
        (array([-0.1,  0. ,  2. ]), array([0.1, 0.1, 1. ]))
    """

    name = "leaky_relu"
    default_init = "he"
    formula = "z if z > 0 else slope · z"
    onnx_op = "LeakyRelu"
    torch_module = "LeakyReLU"

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if not (isinstance(slope, (int, float)) and math.isfinite(slope)):
            raise ValueError(f"leaky_relu slope must be a finite number, got {slope!r}")
        self.slope = float(slope)
        self.derivative_formula = f"1 if z > 0 else {self.slope:g}"

    def forward(self, z: Array) -> Array:
        return np.where(z > 0, z, self.slope * z)

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.slope}

    def torch_arguments(self) -> dict[str, Any]:
        return {"negative_slope": self.slope}

    def from_torch_module(self, module: Any) -> Activation | None:
        return LeakyReLU(slope=float(module.negative_slope))

    def config(self) -> dict[str, Any]:
        return {"slope": self.slope}


class ELU(Activation):
    """σ(z) = z for z > 0 and α(e^z − 1) otherwise; σ'(z) = 1 or α e^z = a + α.

    Args:
        alpha: the negative saturation value −α (default 1.0).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import ELU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = ELU(alpha=1.0)
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # σ' = a + α for z ≤ 0
        (array([-0.6321,  0.    ,  2.    ]), array([0.3679, 1.    , 1.    ]))
        >>> act.output_range
        (-1.0, inf)
    """

    name = "elu"
    default_init = "he"
    formula = "z if z > 0 else α(e^z − 1)"
    derivative_formula = "1 if z > 0 else a + α"
    onnx_op = "Elu"
    torch_module = "ELU"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"elu alpha must be a positive finite number, got {alpha!r}")
        self.alpha = float(alpha)
        self.output_range = (-self.alpha, math.inf)

    def forward(self, z: Array) -> Array:
        # expm1 of min(z, 0): the unused branch of np.where must not overflow either
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def torch_arguments(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def from_torch_module(self, module: Any) -> Activation | None:
        return ELU(alpha=float(module.alpha))

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class SELU(Activation):
    """Scaled ELU: σ(z) = λ·z for z > 0 and λα(e^z − 1) otherwise.

    λ ≈ 1.0507 and α ≈ 1.6733 are the self-normalising constants of Klambauer et al. (2017).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import SELU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = SELU()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # λz above 0, so σ'(2) = λ
        (array([-1.1113,  0.    ,  2.1014]), array([0.6468, 1.7581, 1.0507]))
    """

    name = "selu"
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    default_init = "he"
    output_range = (-scale * alpha, math.inf)
    formula = "λz if z > 0 else λα(e^z − 1)"
    derivative_formula = "λ if z > 0 else a + λα"
    onnx_op = "Selu"
    torch_module = "SELU"

    def forward(self, z: Array) -> Array:
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def prime(self, z: Array, a: Array) -> Array:
        return np.where(z > 0, self.scale, a + self.scale * self.alpha).astype(z.dtype)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "gamma": self.scale}


class Softplus(Activation):
    """σ(z) = ln(1 + e^z), σ'(z) = sigmoid(z); computed as max(z, 0) + ln(1 + e^(−|z|)).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Softplus
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = Softplus()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # σ'(z) is the sigmoid of z
        (array([0.3133, 0.6931, 2.1269]), array([0.2689, 0.5   , 0.8808]))
    """

    name = "softplus"
    output_range = (0.0, math.inf)
    formula = "ln(1 + e^z)"
    derivative_formula = "sigmoid(z)"
    onnx_op = "Softplus"  # ONNX: ln(e^z + 1)
    torch_module = "Softplus"

    def forward(self, z: Array) -> Array:
        return softplus(z)

    def prime(self, z: Array, a: Array) -> Array:
        return sigmoid(z)

    def torch_arguments(self) -> dict[str, Any]:
        # PyTorch returns z itself above `threshold` (default 20): off by e^(−20) ≈ 2e-9, which
        # float64 sees. Above 40, ln(1 + e^z) = z to the last bit in float64, so 40 is exact.
        return {"beta": 1.0, "threshold": 40.0}

    def from_torch_module(self, module: Any) -> Activation | None:
        return self if module.beta == 1 else None  # any threshold: it differs by ≤ e^(−20)


class SiLU(Activation):
    """σ(z) = z · sigmoid(z) (also called swish); σ'(z) = s + z s (1 − s) with s = sigmoid(z).

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import SiLU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = SiLU()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)
        (array([-0.2689,  0.    ,  1.7616]), array([0.0723, 0.5   , 1.0908]))
        >>> round(act.output_range[0], 4)  # its minimum, unlike ReLU's 0
        -0.2785
    """

    name = "silu"
    default_init = "he"
    output_range = (-0.27846454276107385, math.inf)  # the minimum, at z ≈ −1.2785
    formula = "z · sigmoid(z)"
    derivative_formula = "s + z s(1 − s), s = sigmoid(z)"
    torch_module = "SiLU"

    def forward(self, z: Array) -> Array:
        return z * sigmoid(z)

    def prime(self, z: Array, a: Array) -> Array:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))

    def onnx_nodes(self, graph: OnnxGraph, z: str, a: str) -> None:
        s = graph.node("Sigmoid", [z], f"{z}.sigmoid")
        graph.node("Mul", [z, s], a)  # silu(z) = z · sigmoid(z)


def erfc(x: Array) -> Array:
    """The complementary error function erfc(x) = 1 − erf(x), elementwise, in NumPy alone.

    Relative error about 1e-13 in float64 (tested against :func:`math.erfc`). NumPy has no erf,
    and the core depends on NumPy only, so it is computed from two classical expansions:

    - |x| < 2: erf(x) = (2/√π) e^(−x²) Σ_n 2ⁿ x^(2n+1) / (1·3·5···(2n+1)), a series whose
      terms are all positive, so nothing cancels; erfc = 1 − erf.
    - |x| ≥ 2: the continued fraction
      erfc(x) = (e^(−x²)/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
      which keeps full relative precision where erfc is tiny; erfc(−x) = 2 − erfc(x).

    Example:
        >>> import math
        >>> import numpy as np
        >>> from glassnet.activations import erfc
        >>> erfc(np.array([0.0, 1.0, -1.0]))  # erfc(−1) = 2 − erfc(1)
        array([1.        , 0.15729921, 1.84270079])
        >>> bool(abs(erfc(np.array([5.0]))[0] / math.erfc(5.0) - 1) < 1e-12)  # the far tail too
        True
    """
    x = np.asarray(x)
    out = np.empty_like(x)
    ax = np.abs(x)
    near = ax < 2.0
    if near.any():
        xn = x[near]
        term = xn.copy()
        total = xn.copy()
        two_x2 = 2.0 * xn * xn
        for n in range(1, 50):
            term = term * two_x2 / (2 * n + 1)
            total += term
        out[near] = 1.0 - (2.0 / math.sqrt(math.pi)) * np.exp(-xn * xn) * total
    far = ~near
    if far.any():
        xf = ax[far]
        f = xf.copy()
        for n in range(60, 0, -1):
            f = xf + (0.5 * n) / f
        tail = np.exp(-xf * xf) / (math.sqrt(math.pi) * f)
        out[far] = np.where(x[far] > 0, tail, 2.0 - tail)
    return out


class GELU(Activation):
    """Gaussian error linear unit, exact form: σ(z) = z Φ(z) with Φ(z) = ½ erfc(−z/√2).

    σ'(z) = Φ(z) + z φ(z), where φ(z) = e^(−z²/2)/√(2π) is the standard normal density.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import GELU
        >>> z = np.array([-1.0, 0.0, 2.0])
        >>> act = GELU()
        >>> a = act(z)
        >>> a.round(4), act.prime(z, a).round(4)  # σ'(0) = Φ(0) = 0.5
        (array([-0.1587,  0.    ,  1.9545]), array([-0.0833,  0.5   ,  1.0852]))
    """

    name = "gelu"
    default_init = "he"
    output_range = (-0.16997120747990369, math.inf)  # the minimum, at z ≈ −0.7518
    formula = "z Φ(z), Φ the standard normal CDF"
    derivative_formula = "Φ(z) + z φ(z)"
    torch_module = "GELU"

    def forward(self, z: Array) -> Array:
        return z * (0.5 * erfc(-z / math.sqrt(2.0)))

    def prime(self, z: Array, a: Array) -> Array:
        Phi = 0.5 * erfc(-z / math.sqrt(2.0))
        phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return Phi + z * phi

    def onnx_nodes(self, graph: OnnxGraph, z: str, a: str) -> None:
        # gelu(z) = z · Φ(z), Φ(z) = ½ (1 + erf(z / √2))
        u = graph.node("Div", [z, graph.constant(f"{z}.sqrt2", math.sqrt(2.0))], f"{z}.scaled")
        e = graph.node("Erf", [u], f"{z}.erf")
        p = graph.node("Add", [e, graph.constant(f"{z}.one", 1.0)], f"{z}.one_plus_erf")
        zp = graph.node("Mul", [z, p], f"{z}.times")
        graph.node("Mul", [zp, graph.constant(f"{z}.half", 0.5)], a)

    def torch_arguments(self) -> dict[str, Any]:
        return {"approximate": "none"}  # not torch's tanh approximation


def softmax_into(z: Array, out: Array, peak: Array, total: Array) -> Array:
    """a = softmax(z) into ``out``; ``peak`` and ``total`` (m, 1) receive max z and Σ e^(z − max z).

    σ(z)_j = e^(z_j − max z) / Σ_k e^(z_k − max z), row by row, as ``Softmax.forward`` does it.
    (The training step keeps ``peak`` and ``total`` for the cross-entropy of the true class.)

    >>> z = np.array([[0.0, 0.0]])
    >>> softmax_into(z, np.empty_like(z), np.empty((1, 1)), np.empty((1, 1)))
    array([[0.5, 0.5]])
    """
    z.max(axis=-1, keepdims=True, out=peak)  # shifting by max(z) changes nothing but overflow
    e = np.exp(np.subtract(z, peak, out=out), out=out)
    e.sum(axis=-1, keepdims=True, out=total)
    return np.divide(e, total, out=out)


class Softmax(Activation):
    """σ(z)_j = e^(z_j) / Σ_k e^(z_k), for each row; the output layer of a classifier.

    Not elementwise: ∂a_j/∂z_k = a_j (1[j = k] − a_k). With the cross-entropy cost the two
    fuse into δ = a − y (see :mod:`glassnet.costs`); with any other cost, :meth:`backward`
    applies the full Jacobian.

    Example:
        >>> import numpy as np
        >>> from glassnet.activations import Softmax
        >>> z = np.array([[1.0, 2.0, 3.0]])
        >>> act = Softmax()
        >>> a = act(z)
        >>> a.round(4), bool(np.isclose(a.sum(), 1.0))  # each row sums to 1
        (array([[0.09  , 0.2447, 0.6652]]), True)
        >>> act.jacobian(z, a).round(3)  # ∂a_j/∂z_k = a_j (1[j = k] − a_k)
        array([[[ 0.082, -0.022, -0.06 ],
                [-0.022,  0.185, -0.163],
                [-0.06 , -0.163,  0.223]]])
    """

    name = "softmax"
    elementwise = False
    output_range = (0.0, 1.0)
    formula = "e^(z_j) / Σ_k e^(z_k)"
    derivative_formula = "a_r (1[r = q] − a_q)"
    onnx_op = "Softmax"
    torch_module = "Softmax"
    sklearn_name = "softmax"  # scikit-learn's output activation (out_activation_) only

    def forward(self, z: Array) -> Array:
        e = np.exp(
            z - z.max(axis=-1, keepdims=True)
        )  # shifting by max(z) changes nothing but overflow
        return e / e.sum(axis=-1, keepdims=True)

    def prime(self, z: Array, a: Array) -> Array:
        raise ValueError(
            "softmax has no elementwise derivative: each a_j depends on every z_k. "
            "Use Softmax.jacobian(z, a) or Softmax.backward(z, a, dC_da)."
        )

    def backward(self, z: Array, a: Array, dC_da: Array) -> Array:
        # δ_k = Σ_j ∂C/∂a_j · a_j (1[j = k] − a_k) = a_k (∂C/∂a_k − Σ_j ∂C/∂a_j a_j)
        return a * (dC_da - np.sum(dC_da * a, axis=-1, keepdims=True))

    def jacobian(self, z: Array, a: Array) -> Array:
        n = a.shape[-1]
        return a[:, :, None] * (np.eye(n, dtype=a.dtype)[None] - a[:, None, :])

    def forward_into(self, z: Array, out: Array, tmp: Array, mask: Mask) -> Array:
        """softmax(z) into ``out``, leaving max z in ``tmp[:, 0]`` and Σ_k e^(z_k − max z) in
        ``tmp[:, 1]``: the cross-entropy's in-place cost reads its log-partition from there."""
        peak = tmp[:, :1]  # max z and Σ e^(z − max z) of each row, in two columns of tmp
        return softmax_into(z, out, peak, tmp[:, 1:2] if tmp.shape[1] > 1 else peak)

    def onnx_attributes(self) -> dict[str, Any]:
        return {"axis": -1}  # over each row's neurons

    def torch_arguments(self) -> dict[str, Any]:
        return {"dim": -1}

    def from_torch_module(self, module: Any) -> Activation | None:
        return self if module.dim in (-1, 1) else None  # rows of (m, n): dim 1 is dim −1


#: the built-in activations, in the registry's order
BUILT_IN: tuple[type[Activation], ...] = (
    Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, Softplus, SiLU, GELU, Softmax,
)  # fmt: skip


# -- the registry of names --------------------------------------------------------------------

#: name → activation class. Extended with :func:`register`.
ACTIVATIONS: dict[str, type[Activation] | Activation] = {cls.name: cls for cls in BUILT_IN}


def register(activation: Activation) -> Activation:
    """Make ``activation`` available by its name, e.g. ``Dense(3, 2, activation="cube")``.

    >>> cube = register(Activation("cube", lambda z: z**3, lambda z, a: 3 * z**2))
    >>> get("cube") is cube
    True
    """
    if not isinstance(activation, Activation):
        raise ValueError(f"register() takes an Activation, got {type(activation).__name__}")
    if isinstance(ACTIVATIONS.get(activation.name), type):  # a built-in class has the name
        raise ValueError(f"{activation.name!r} is a built-in activation; give yours another name")
    ACTIVATIONS[activation.name] = activation
    return activation


def get(activation: str | Activation | dict[str, Any], **kwargs: Any) -> Activation:
    """Resolve an activation given by name (or pass an instance through), or by the
    ``{"name": …, **arguments}`` a layer's ``config()`` writes.

    >>> get("sigmoid")
    sigmoid
    >>> get("leaky_relu", slope=0.1)
    leaky_relu(slope=0.1)
    >>> get({"name": "leaky_relu", "slope": 0.2})
    leaky_relu(slope=0.2)
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, dict) and not kwargs:
        spec = dict(activation)
        if not isinstance(spec.get("name"), str):
            raise ValueError(
                "an activation given as a dict needs its name, e.g. {'name': 'relu'}; got "
                f"{activation!r}"
            )
        return get(spec.pop("name"), **spec)
    hint = " (or pass an Activation instance for your own)"
    entry = from_registry(activation, ACTIVATIONS, "activation", kind="an Activation", hint=hint)
    if isinstance(entry, Activation):
        if kwargs:
            raise ValueError(f"activation {activation!r} takes no arguments, got {kwargs}")
        return entry
    try:
        return entry(**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad arguments {kwargs} for activation {activation!r}: {exc}") from None


#: The facts :func:`find` can ask about: the class attributes described on :class:`Activation`.
FACTS = (
    "elementwise",
    "default_init",
    "output_range",
    "saturates",
    "dies",
    "formula",
    "derivative_formula",
    "onnx_op",
    "torch_module",
    "sklearn_name",
)


def find(**facts: Any) -> list[str]:
    """The names of the registered activations whose facts have the given values.

    In the registry's order; built-in classes are asked with their default parameters. This is
    how other tools' names lead back to glassnet's, e.g. scikit-learn's ``"logistic"``:

    >>> find(sklearn_name="logistic")
    ['sigmoid']
    >>> find(elementwise=False)
    ['softmax']
    """
    for fact in facts:
        if fact not in FACTS:
            raise ValueError(f"{fact!r} is not a fact of an activation; ask one of {FACTS}")
    names = []
    for name, entry in ACTIVATIONS.items():
        act: type[Activation] | Activation = entry
        if isinstance(entry, type):
            try:
                act = entry()
            except (TypeError, ValueError):  # a class that needs arguments: its class facts
                act = entry
        if all(getattr(act, fact) == value for fact, value in facts.items()):
            names.append(name)
    return names
