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
- RNN, by default ONNX's ``RNN`` node, h_t = f(X_t Wᵀ + h_(t−1) Rᵀ + Wb + Rb) with f = Tanh,
  Relu or Sigmoid: W = ``W_ih.l`` as (1, H, n_in) (one direction), R = ``W_hh.l`` (1, H, H),
  ``B.l`` = [b, 0] (1, 2H), since ONNX's two biases only appear as a sum. The node takes
  sequences time first (onnxruntime has no ``layout=1``), so a ``Transpose`` comes before it;
  after it, ``Squeeze`` of Y_h (the last state) or of Y (every h_t) and a ``Transpose`` back
  to (m, T, H). With ``rnn="unrolled"`` every step is written out instead — x_t =
  ``Gather(a, t, axis=1)``, u_t = ``Gemm(h_(t−1), W_hh, Gemm(x_t, W_ih, b))``, h_t = σ's own
  node(s) — which takes any cell activation with an ONNX form, and which onnxruntime runs in
  float64 too; every h_t is then ``Unsqueeze``-d and ``Concat``-enated on the time axis.
- Residual: its sub-layers' nodes, each as above (their initializers named ``<name>.l.k`` for
  sub-layer k, ``<name>.l.p`` for the projection, ``<name>.l.k.j`` inside a nested block), then
  ``Add(a, f)`` or ``Add(p, f)``, then the block's σ

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
from ..layers.recurrent import RNN
from ..layers.reshaping import Flatten, Reshape
from ..layers.residual import Residual
from ..network import Network
from ._common import Array, check_network, require

if TYPE_CHECKING:
    import onnx

__all__ = ["DEFAULT_OPSET", "to_onnx"]

#: The ONNX opset :func:`to_onnx` writes unless told otherwise (all the ops used exist in it).
DEFAULT_OPSET = 17
_MIN_OPSET = 13  # Softmax over the last axis alone (not a flattened 2-D view) needs opset 13


def to_onnx(
    net: Network,
    path: str | os.PathLike[str] | None = None,
    opset: int = DEFAULT_OPSET,
    rnn: str = "operator",
) -> onnx.ModelProto:
    """The network as an ONNX model of standard ops, checked with ``onnx.checker``.

    The graph has one input ``"x"`` of shape (batch, *net.input_shape) — (batch, n_0) for a
    network of Dense layers, e.g. (batch, 1, 28, 28) for one that starts with a convolution —
    the batch size left free, and one output ``"a_L"`` of shape (batch, *output shape), both in
    the network's dtype (float32 or float64). Layer l writes ``"z.l"`` with its own op (Gemm,
    Conv, MaxPool, AveragePool, Flatten, Reshape or BatchNormalization) or ops (an RNN; a
    Residual's sub-layers and an Add: see :mod:`glassnet.interop.onnx`), then σ_l writes
    ``"a.l"`` (a block's sub-layer k writes ``"a.l.k"``); the initializers ``W.l``,
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
        rnn: how RNN layers are written: ``"operator"``, ONNX's ``RNN`` node (cell activations
            tanh, relu and sigmoid), or ``"unrolled"``, the T time steps as Gather, Gemm and
            σ nodes (any cell activation with an ONNX form; onnxruntime runs it in float64).

    Returns:
        The ``onnx.ModelProto``.

    Raises:
        ValueError: an activation has no ONNX form (one of your own that states no
            ``onnx_op``), a layer type ONNX export does not know, an RNN cell activation the
            RNN operator lacks (export with ``rnn="unrolled"``), or a bad opset or ``rnn``.
        ImportError: onnx is not installed.

    Note:
        onnxruntime's CPU kernels for float64 cover Gemm, MaxPool, BatchNormalization,
        Flatten, Reshape, Add, Gather, Concat, Sigmoid, Tanh, Relu, LeakyRelu, Softmax,
        Identity and Mul (so silu), but not RNN, Conv, AveragePool, Elu, Selu, Softplus or Erf
        (gelu): a float64 network with those gives a valid ONNX file that onnxruntime refuses
        to load. Export ``net.astype("float32")`` for it instead (or, for RNN layers, use
        ``rnn="unrolled"``). ONNX stores float attributes (LeakyRelu's and
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
        >>> seq = gn.Network([gn.RNN(2, 3), gn.Residual([gn.Dense(3, 3)], activation="relu")],
        ...                  input_shape=(4, 2), seed=0)
        >>> [node.op_type for node in to_onnx(seq).graph.node]
        ['Transpose', 'RNN', 'Squeeze', 'Gemm', 'Sigmoid', 'Add', 'Relu']
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
    if rnn not in ("operator", "unrolled"):
        raise ValueError(
            f"rnn must be 'operator' (ONNX's RNN node) or 'unrolled' (one Gemm and σ per time "
            f"step), got {rnn!r}"
        )
    elem = TensorProto.DOUBLE if net.dtype == np.float64 else TensorProto.FLOAT
    graph = _OnnxGraph(net.dtype, unroll=rnn == "unrolled")
    a = "x"
    for l, layer in enumerate(net.layers, start=1):
        a = _apply(graph, layer, str(l), a, "a_L" if l == net.L else f"a.{l}")

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


def _where(tag: str) -> str:
    """``"layer 3"``, or for a Residual's sub-layer ``"layer 3.2 (layer 2 of f in layer 3)"``."""
    outer, _, inner = tag.rpartition(".")
    if not outer:
        return f"layer {tag}"
    part = "the projection" if inner == "p" else f"layer {inner} of f"
    return f"layer {tag} ({part} in the Residual {outer})"


def _apply(graph: _OnnxGraph, layer: Layer, tag: str, a: str, out: str) -> str:
    """Append layer ``tag``'s nodes: z from ``a``, then σ, into ``out``."""
    if layer.activation.name == "identity":  # nothing to apply: the layer's node gives a
        return _layer_nodes(graph, layer, tag, a, out)
    z = _layer_nodes(graph, layer, tag, a, f"z.{tag}")
    try:
        layer.activation.onnx_nodes(graph, z, out)  # a = σ(z)
    except ValueError as exc:
        raise ValueError(f"{_where(tag)}: {exc}") from None
    return out


def _layer_nodes(graph: _OnnxGraph, layer: Layer, tag: str, a: str, z: str) -> str:
    """Append the node(s) computing layer ``tag``'s z = f(a; θ) from ``a``, into ``z``."""
    if isinstance(layer, Dense):  # z^(l) = a^(l−1) W^(l)ᵀ + b^(l)
        weights = [graph.param(layer, "W", tag), graph.param(layer, "b", tag)]
        return graph.node("Gemm", [a, *weights], z, transB=1)
    if isinstance(layer, Conv2D):  # z_o = Σ_i W_{o,i} ⋆ a_i + b_o
        weights = [graph.param(layer, "W", tag), graph.param(layer, "b", tag)]
        return graph.node("Conv", [a, *weights], z, **_window(layer))
    if isinstance(layer, MaxPool2D):
        return graph.node("MaxPool", [a], z, **_window(layer))
    if isinstance(layer, AvgPool2D):
        return graph.node("AveragePool", [a], z, count_include_pad=1, **_window(layer))
    if isinstance(layer, Flatten):
        return graph.node("Flatten", [a], z, axis=1)
    if isinstance(layer, Reshape):
        shape = graph.constant(f"shape.{tag}", [-1, *layer.shape], np.int64)
        return graph.node("Reshape", [a, shape], z)
    if isinstance(layer, BatchNorm):  # z = γ (a − running_mean)/√(running_var + ε) + β
        names = ["gamma", "beta", "running_mean", "running_var"]
        inputs = [a, *(graph.param(layer, name, tag) for name in names)]
        return graph.node(
            "BatchNormalization", inputs, z, epsilon=layer.eps, momentum=1.0 - layer.momentum
        )
    if isinstance(layer, Residual):  # z = a + f(a), or p(a) + f(a)
        f = a
        for k, sub in enumerate(layer.layers, start=1):
            f = _apply(graph, sub, f"{tag}.{k}", f, f"a.{tag}.{k}")
        p = layer.projection
        skip = a if p is None else _apply(graph, p, f"{tag}.p", a, f"a.{tag}.p")
        return graph.node("Add", [skip, f], z)
    if isinstance(layer, RNN):
        return (_unrolled_rnn if graph.unroll else _rnn_operator)(graph, layer, tag, a, z)
    raise ValueError(
        f"{_where(tag)} is {type(layer).__name__}, which to_onnx cannot export; it writes Dense, "
        "Conv2D, MaxPool2D, AvgPool2D, Flatten, Reshape, BatchNorm, RNN and Residual layers"
    )


# the cell activations ONNX's RNN operator computes as glassnet does, by their ONNX names
_RNN_OPERATOR_ACTIVATIONS = {"tanh": "Tanh", "relu": "Relu", "sigmoid": "Sigmoid"}


def _rnn_operator(graph: _OnnxGraph, rnn: RNN, tag: str, a: str, z: str) -> str:
    """ONNX's ``RNN`` node, h_t = f(X_t Wᵀ + h_(t−1) Rᵀ + Wb + Rb), in its time-first layout:
    the sequences (m, T, n_in) are transposed to (T, m, n_in) before it and back after."""
    cell = rnn.cell_activation
    op = _RNN_OPERATOR_ACTIVATIONS.get(cell.name)
    if op is None:
        raise ValueError(
            f"{_where(tag)} is an RNN whose cell activation {cell!r} ONNX's RNN operator does "
            f"not compute (it has {', '.join(_RNN_OPERATOR_ACTIVATIONS)}); export it with "
            "to_onnx(net, rnn='unrolled'), which writes every time step as Gemm nodes and σ's "
            "own node(s)"
        )
    x = graph.node("Transpose", [a], f"x.{tag}", perm=[1, 0, 2])  # (T, m, n_in)
    W = graph.constant(f"W_ih.{tag}", rnn.W_ih[np.newaxis])  # (1, H, n_in): one direction
    R = graph.constant(f"W_hh.{tag}", rnn.W_hh[np.newaxis])  # (1, H, H)
    # Wb + Rb = b: ONNX's two biases only ever appear as a sum
    B = graph.constant(f"B.{tag}", np.concatenate([rnn.b, np.zeros_like(rnn.b)])[np.newaxis])
    if rnn.return_sequences:  # Y: every h_t, (T, 1, m, H) → (T, m, H) → (m, T, H)
        outputs, axis = [f"Y.{tag}"], 1
    else:  # Y_h: the last state h_T, (1, m, H) → (m, H)
        outputs, axis = ["", f"Y_h.{tag}"], 0
    graph.node("RNN", [x, W, R, B], outputs, hidden_size=rnn.n_hidden, activations=[op])
    axes = graph.constant(f"axes.{tag}", [axis], np.int64)
    if not rnn.return_sequences:
        return graph.node("Squeeze", [outputs[-1], axes], z)
    h = graph.node("Squeeze", [outputs[-1], axes], f"h.{tag}")
    return graph.node("Transpose", [h], z, perm=[1, 0, 2])


def _unrolled_rnn(graph: _OnnxGraph, rnn: RNN, tag: str, a: str, z: str) -> str:
    """The recurrence written out step by step, for any cell activation with an ONNX form:
    x_t = Gather(a, t, axis=1), u_t = Gemm(h_(t−1), W_hh, Gemm(x_t, W_ih, b)), h_t = σ(u_t)."""
    T = rnn.input_shape[0]
    W_ih, W_hh, b = (graph.param(rnn, name, tag) for name in ("W_ih", "W_hh", "b"))
    states: list[str] = []
    for t in range(1, T + 1):
        step = graph.constant(f"step.{t}", t - 1, np.int64)  # a scalar: Gather drops the axis
        x = graph.node("Gather", [a, step], f"x.{tag}.{t}", axis=1)  # x_t: (m, n_in)
        u = graph.node("Gemm", [x, W_ih, b], f"u.{tag}.{t}", transB=1)  # W_ih x_t + b
        if t > 1:  # + W_hh h_(t−1)  (h_0 = 0 adds nothing)
            u = graph.node("Gemm", [states[-1], W_hh, u], f"u.{tag}.{t}.h", transB=1)
        last = t == T and not rnn.return_sequences
        h = z if last else f"h.{tag}.{t}"
        try:
            rnn.cell_activation.onnx_nodes(graph, u, h)  # h_t = σ(u_t)
        except ValueError as exc:
            raise ValueError(f"{_where(tag)} (RNN): {exc}") from None
        states.append(h)
    if not rnn.return_sequences:
        return z
    axes = graph.constant("axes.1", [1], np.int64)  # each h_t as (m, 1, H), then side by side
    steps = [graph.node("Unsqueeze", [h, axes], f"{h}.step") for h in states]
    return graph.node("Concat", steps, z, axis=1)


class _OnnxGraph:
    """The nodes and initializers of the graph being built, with fresh names for temporaries."""

    def __init__(self, dtype: np.dtype[Any], unroll: bool = False) -> None:
        self.dtype = dtype
        self.unroll = unroll  # RNN layers as their time steps' nodes, not an RNN node
        self.nodes: list[Any] = []
        self.initializers: dict[str, Array] = {}

    def constant(self, name: str, value: Any, dtype: DTypeLike | None = None) -> str:
        """An initializer holding ``value`` (in the network's dtype unless told another)."""
        self.initializers[name] = np.array(value, dtype=self.dtype if dtype is None else dtype)
        return name

    def param(self, layer: Layer, name: str, tag: str) -> str:
        """Layer ``tag``'s parameter or buffer ``name`` as the initializer ``<name>.<tag>``."""
        return self.constant(f"{name}.{tag}", getattr(layer, name))

    def node(self, op: str, inputs: list[str], output: str | list[str], **attributes: Any) -> str:
        """Append ``output = op(*inputs)`` (several outputs, "" for one left out: the last's
        name is returned)."""
        from onnx import helper

        outputs = [output] if isinstance(output, str) else output
        self.nodes.append(helper.make_node(op, inputs, outputs, **attributes))
        return outputs[-1]
