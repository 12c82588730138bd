"""Taking a network to other tools and back: ONNX, PyTorch and scikit-learn.

Every format here stores the same numbers per layer l = 1..L — the layer's parameters (W^(l)
and b^(l) for Dense and Conv2D; γ, β and the running statistics for BatchNorm) — and names
σ_l. Only the layout differs:

==================  ===========================  ==============================================
tool                W^(l) is stored as           so that
==================  ===========================  ==============================================
glassnet            ``net.W[l]``: (n_l, n_{l−1})  z^(l) = a^(l−1) W^(l)ᵀ + b^(l)
ONNX (Gemm)         initializer ``W.l``, same     ``Gemm(a, W, b, transB=1)`` = a Wᵀ + b
PyTorch nn.Linear   ``weight``: (out, in), same   ``F.linear(a, weight, bias)`` = a weightᵀ + b
scikit-learn MLP    ``coefs_[l-1]``: (in, out)    ``a @ coefs_[l-1] + intercepts_[l-1]``:
                    = W^(l)ᵀ, the transpose       the transpose of ours
==================  ===========================  ==============================================

A convolution's W^(l) is (out, in, kH, kW) in glassnet, ONNX's Conv and PyTorch's Conv2d
alike; images are (m, C, H, W) in all three. ONNX and PyTorch take every layer type glassnet
has (:mod:`glassnet.interop.onnx`, :mod:`glassnet.interop.torch` list them);
scikit-learn's MLP holds Dense layers only (:mod:`glassnet.interop.sklearn`).

What is exported is the function ``net.forward`` computes: dropout, which acts only inside
``fit``, and the l2/l1 penalties, which belong to the cost being trained, are not part of it.

None of these packages is needed by glassnet itself; each function imports its own when called
and says how to install it when it is missing (``pip install 'glassnet[onnx]'``,
``'glassnet[torch]'``, ``'glassnet[sklearn]'``).

>>> import numpy as np, glassnet as gn
>>> from glassnet.interop import from_sklearn, to_sklearn
>>> net = gn.Network.from_sizes([3, 4, 2], activation="tanh", output_activation="softmax",
...                             cost="cross_entropy", seed=0, dtype="float64")
>>> mlp = to_sklearn(net, kind="classifier")
>>> X = np.linspace(-1, 1, 6).reshape(2, 3)
>>> bool(np.allclose(mlp.predict_proba(X), net.forward(X)))
True
>>> bool((from_sklearn(mlp).W[1] == net.W[1]).all())
True
"""

from .onnx import DEFAULT_OPSET, to_onnx
from .sklearn import from_sklearn, to_sklearn
from .torch import from_torch, to_torch_module, to_torch_state_dict

__all__ = [
    "DEFAULT_OPSET",
    "from_sklearn",
    "from_torch",
    "to_onnx",
    "to_sklearn",
    "to_torch_module",
    "to_torch_state_dict",
]
