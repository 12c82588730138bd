"""ONNX export: the function ``net.forward`` computes, as a graph of standard ONNX operators.

Each layer l is one node (or a few) computing z^(l) from a^(l−1), then σ_l's node(s) computing
a^(l) = σ_l(z^(l)); the parameters and buffers are initializers named ``<name>.<l>`` holding
the layer's arrays exactly:

- Dense: ``Gemm(a, W.l, b.l, transB=1)`` = a Wᵀ + b (W is (out, in), ONNX's B with transB)
- Conv2D: ``Conv(a, W.l, b.l)``, W (out, in, kH, kW), with kernel_shape, strides and pads
- MaxPool2D: ``MaxPool`` (padding never wins the maximum); AvgPool2D: ``AveragePool`` with
  count_include_pad=1 (the zeros of the padding are averaged); kernel_shape, strides, pads
- Flatten: ``Flatten(axis=1)``, each sample one row; Reshape: ``Reshape(a, shape.l)`` with
  shape.l = (−1, *shape), the batch axis kept
- BatchNorm: ``BatchNormalization(a, gamma.l, beta.l, running_mean.l, running_var.l)`` for
  inference — x̂ from the running statistics — with epsilon = ε and momentum = 1 − the
  layer's momentum (ONNX weighs the *old* statistics: running·momentum + batch·(1 − momentum))

Dropout acts only inside ``fit`` and the penalties belong to the training cost, so neither is
part of the graph.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from ..layers import Dense, Layer
from ..layers.convolution import Conv2D
from ..layers.normalisation import BatchNorm
from ..layers.pooling import AvgPool2D, MaxPool2D
from ..layers.reshaping import Flatten, Reshape
from ..network import Network
from ._common import Array, check_network, require

if TYPE_CHECKING:
    import onnx

__all__ = ["DEFAULT_OPSET", "to_onnx"]

#: The ONNX opset :func:`to_onnx` writes unless told otherwise (all the ops used exist in it).
DEFAULT_OPSET = 17
_MIN_OPSET = 13  # Softmax over the last axis alone (not a flattened 2-D view) needs opset 13


def to_onnx(
    net: Network, path: str | os.PathLike[str] | None = None, opset: int = DEFAULT_OPSET
) -> onnx.ModelProto:
    """The network as an ONNX model of standard ops, checked with ``onnx.checker``.

    The graph has one input ``"x"`` of shape (batch, *net.input_shape) — (batch, n_0) for a
    network of Dense layers, e.g. (batch, 1, 28, 28) for one that starts with a convolution —
    the batch size left free, and one output ``"a_L"`` of shape (batch, *output shape), both in
    the network's dtype (float32 or float64). Layer l writes ``"z.l"`` with its own op (Gemm,
    Conv, MaxPool, AveragePool, Flatten, Reshape or BatchNormalization: see
    :mod:`glassnet.interop.onnx`), then σ_l writes ``"a.l"``; the initializers ``W.l``,
    ``b.l``, ``gamma.l``, … are the layer's arrays exactly. Each activation writes its own
    node(s) (:meth:`Activation.onnx_nodes <glassnet.activations.Activation.onnx_nodes>`): the
    built-ins map to Sigmoid, Tanh, Relu, LeakyRelu, Elu, Selu, Softplus, Softmax (last axis)
    and Identity; silu is written as ``z · Sigmoid(z)`` and the exact gelu as
    ``z · ½ (1 + Erf(z/√2))``. A layer that only moves or pools numbers has σ = identity, and
    no node is written for it: ``"a.l"`` is then ``"z.l"``'s node's own output.

    Args:
        net: the network to export.
        path: if given, the model is also written there (``.onnx`` by convention).
        opset: the ONNX operator set version, 13 up to the newest the installed onnx knows.

    Returns:
        The ``onnx.ModelProto``.

    Raises:
        ValueError: an activation has no ONNX form (one of your own that states no
            ``onnx_op``), a layer type ONNX export does not know, or a bad opset.
        ImportError: onnx is not installed.

    Note:
        onnxruntime's CPU kernels for float64 cover Gemm, MaxPool, BatchNormalization,
        Flatten, Reshape, Sigmoid, Tanh, Relu, LeakyRelu, Softmax, Identity and Mul (so silu),
        but not Conv, AveragePool, Elu, Selu, Softplus or Erf (gelu): a float64 network with
        those gives a valid ONNX file that onnxruntime refuses to load. Export
        ``net.astype("float32")`` for it instead. ONNX stores float attributes (LeakyRelu's and
        Elu's ``alpha``, BatchNormalization's ``epsilon``) as float32, so in float64 those
        differ from glassnet by about 1e-9 at most.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.interop import to_onnx
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="gelu", seed=0)
        >>> model = to_onnx(net)
        >>> [node.op_type for node in model.graph.node][:6]
        ['Gemm', 'Div', 'Erf', 'Add', 'Mul', 'Mul']
        >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
        (['x'], ['a_L'])
        >>> images = gn.Network([gn.MaxPool2D(2), gn.Flatten(), gn.Dense(4, 1)],
        ...                     input_shape=(1, 4, 4), seed=0)
        >>> [node.op_type for node in to_onnx(images).graph.node]
        ['MaxPool', 'Flatten', 'Gemm', 'Sigmoid']
    """
    onnx = require("onnx", "onnx", "ONNX export")
    from onnx import TensorProto, helper, numpy_helper

    net = check_network(net, "to_onnx")
    newest = onnx.defs.onnx_opset_version()
    if not (type(opset) is int and _MIN_OPSET <= opset <= newest):
        raise ValueError(
            f"opset must be an integer from {_MIN_OPSET} to {newest} (the newest this onnx "
            f"knows), got {opset!r}; the default is {DEFAULT_OPSET}"
        )
    elem = TensorProto.DOUBLE if net.dtype == np.float64 else TensorProto.FLOAT
    graph = _OnnxGraph(net.dtype)
    a = "x"
    for l, layer in enumerate(net.layers, start=1):
        out = "a_L" if l == net.L else f"a.{l}"
        if layer.activation.name == "identity":  # nothing to apply: the layer's node gives a^(l)
            _layer_nodes(graph, layer, l, a, out)
        else:
            z = _layer_nodes(graph, layer, l, a, f"z.{l}")
            try:
                layer.activation.onnx_nodes(graph, z, out)  # a^(l) = σ_l(z^(l))
            except ValueError as exc:
                raise ValueError(f"layer {l}: {exc}") from None
        a = out

    onnx_graph = helper.make_graph(
        graph.nodes,
        "glassnet",
        inputs=[helper.make_tensor_value_info("x", elem, ["batch", *net.input_shape])],
        outputs=[helper.make_tensor_value_info("a_L", elem, ["batch", *net.shapes[-1]])],
        initializer=[numpy_helper.from_array(v, name=k) for k, v in graph.initializers.items()],
    )
    model = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="glassnet",
        doc_string=f"glassnet {net!r}",
    )
    # the oldest IR version that carries this opset, so that older runtimes can open the file
    opsets = list(model.opset_import)
    model.ir_version = min(model.ir_version, helper.find_min_ir_version_for(opsets))
    helper.set_model_props(
        model, {"glassnet.sizes": str(net.sizes), "glassnet.shapes": str(net.shapes)}
    )
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save_model(model, os.fspath(path))
    return model


def _window(layer: Any) -> dict[str, list[int]]:
    """kernel_shape, strides and pads (rows, columns; ONNX pads begin and end of each axis)."""
    (kH, kW), (sH, sW), (pH, pW) = layer.kernel_size, layer.stride, layer.padding
    return {"kernel_shape": [kH, kW], "strides": [sH, sW], "pads": [pH, pW, pH, pW]}


def _layer_nodes(graph: _OnnxGraph, layer: Layer, l: int, a: str, z: str) -> str:
    """Append the node computing z^(l) = f_l(a^(l−1); θ_l) from ``a``, into ``z``."""
    if isinstance(layer, Dense):  # z^(l) = a^(l−1) W^(l)ᵀ + b^(l)
        weights = [graph.param(layer, "W", l), graph.param(layer, "b", l)]
        return graph.node("Gemm", [a, *weights], z, transB=1)
    if isinstance(layer, Conv2D):  # z_o = Σ_i W_{o,i} ⋆ a_i + b_o
        weights = [graph.param(layer, "W", l), graph.param(layer, "b", l)]
        return graph.node("Conv", [a, *weights], z, **_window(layer))
    if isinstance(layer, MaxPool2D):
        return graph.node("MaxPool", [a], z, **_window(layer))
    if isinstance(layer, AvgPool2D):
        return graph.node("AveragePool", [a], z, count_include_pad=1, **_window(layer))
    if isinstance(layer, Flatten):
        return graph.node("Flatten", [a], z, axis=1)
    if isinstance(layer, Reshape):
        shape = graph.constant(f"shape.{l}", [-1, *layer.shape], np.int64)
        return graph.node("Reshape", [a, shape], z)
    if isinstance(layer, BatchNorm):  # z = γ (a − running_mean)/√(running_var + ε) + β
        names = ["gamma", "beta", "running_mean", "running_var"]
        inputs = [a, *(graph.param(layer, name, l) for name in names)]
        return graph.node(
            "BatchNormalization", inputs, z, epsilon=layer.eps, momentum=1.0 - layer.momentum
        )
    raise ValueError(
        f"layer {l} is {type(layer).__name__}, which to_onnx cannot export; it writes Dense, "
        "Conv2D, MaxPool2D, AvgPool2D, Flatten, Reshape and BatchNorm layers"
    )


class _OnnxGraph:
    """The nodes and initializers of the graph being built, with fresh names for temporaries."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.initializers: dict[str, Array] = {}

    def constant(self, name: str, value: Any, dtype: DTypeLike | None = None) -> str:
        """An initializer holding ``value`` (in the network's dtype unless told another)."""
        self.initializers[name] = np.array(value, dtype=self.dtype if dtype is None else dtype)
        return name

    def param(self, layer: Layer, name: str, l: int) -> str:
        """Layer l's parameter or buffer ``name`` as the initializer ``<name>.<l>``."""
        return self.constant(f"{name}.{l}", getattr(layer, name))

    def node(self, op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output
