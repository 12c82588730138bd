"""ONNX export (glassnet.interop.onnx): files run in onnxruntime, as a real client would, and
compared with glassnet's own forward pass; the graph's ops, attributes and initializers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import Activation, LeakyReLU
from glassnet.interop import to_onnx
from test_interop import (
    BUILT_IN,
    SHAPES,
    Scale,
    flat_image_network,
    image_inputs,
    image_network,
    inputs,
    network,
    output_for,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
numpy_helper = onnx.numpy_helper

ORT_FLOAT64 = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "silu", "softmax"]
L = gn.layers


def run_onnx(path: Path, X: np.ndarray) -> np.ndarray:
    """onnxruntime as a real client: a session on the file, fed by input name."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x"]
    assert [o.name for o in session.get_outputs()] == ["a_L"]
    (out,) = session.run(["a_L"], {"x": X})
    return np.asarray(out)


@pytest.mark.parametrize("sizes", SHAPES, ids=str)
@pytest.mark.parametrize("name", BUILT_IN)
def test_onnx_float32_equals_forward_in_onnxruntime(
    tmp_path: Path, name: str, sizes: list[int]
) -> None:
    hidden = "softmax" if name == "softmax" else name
    net = network(sizes, hidden, output_for(name, sizes), "float32", seed=len(sizes))
    path = tmp_path / "net.onnx"
    model = to_onnx(net, path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    for m in (1, 9):  # the batch dimension is free
        X = inputs(sizes[0], "float32", seed=3, m=m)
        out = run_onnx(path, X)
        assert out.dtype == np.float32 and out.shape == (m, sizes[-1])
        np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ORT_FLOAT64)
def test_onnx_float64_where_onnxruntime_has_the_kernels(tmp_path: Path, name: str) -> None:
    net = network([4, 6, 3], name, name, "float64", seed=7)
    path = tmp_path / "net64.onnx"
    to_onnx(net, path)
    X = inputs(4, "float64", seed=8)
    out = run_onnx(path, X)
    assert out.dtype == np.float64
    # ONNX keeps LeakyRelu's alpha as a float32 attribute: 0.01 is then off by ~2e-10
    tol = 1e-8 if name == "leaky_relu" else 1e-12
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=tol)


def test_onnx_initializers_are_the_weights_unchanged() -> None:
    net = network([3, 4, 2], "tanh", "sigmoid", "float32", seed=1)
    model = to_onnx(net)
    init = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(init[f"W.{l}"], net.W[l])  # (n_l, n_{l−1}), as ours
        np.testing.assert_array_equal(init[f"b.{l}"], net.b[l])
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Tanh", "Gemm", "Sigmoid"]


def test_onnx_leaky_relu_and_elu_parameters_travel(tmp_path: Path) -> None:
    net = network([3, 5, 4, 2], LeakyReLU(slope=0.3), gn.activations.ELU(alpha=0.5), "float32", 2)
    to_onnx(net, tmp_path / "p.onnx")
    X = inputs(3, "float32", seed=4)
    np.testing.assert_allclose(run_onnx(tmp_path / "p.onnx", X), net.forward(X), atol=1e-5)


def test_onnx_refuses_an_activation_of_ones_own() -> None:
    cube = Activation("cube_interop", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)
    net = gn.Network.from_sizes([2, 3, 1], activation=cube, seed=0)
    with pytest.raises(ValueError, match=r"cube_interop.*no ONNX form"):
        to_onnx(net)


@pytest.mark.parametrize("opset", [12, 10_000, "17", 17.0])
def test_onnx_refuses_a_bad_opset(opset: object) -> None:
    net = gn.Network.from_sizes([2, 1], seed=0)
    with pytest.raises(ValueError, match="opset must be an integer"):
        to_onnx(net, opset=opset)  # type: ignore[arg-type]


@pytest.mark.parametrize("opset", [13, 19])
def test_onnx_other_opsets_run(tmp_path: Path, opset: int) -> None:
    net = network([3, 4, 3], "gelu", "softmax", "float32", seed=5)
    model = to_onnx(net, tmp_path / "o.onnx", opset=opset)
    assert model.opset_import[0].version == opset
    X = inputs(3, "float32", seed=6)
    np.testing.assert_allclose(run_onnx(tmp_path / "o.onnx", X), net.forward(X), atol=1e-5)


# -- convolutional networks -------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "elu", "gelu", "silu"])
def test_onnx_image_network_float32_equals_forward(tmp_path: Path, hidden: str) -> None:
    net = image_network("float32", seed=1, hidden=hidden)
    to_onnx(net, tmp_path / "cnn.onnx")
    X = image_inputs(net, seed=2)
    out = run_onnx(tmp_path / "cnn.onnx", X)
    assert out.dtype == np.float32 and out.shape == (6, 3)
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_network_of_flat_rows_that_starts_with_reshape(tmp_path: Path, dtype: str) -> None:
    # no Conv and no AveragePool: onnxruntime runs the rest in float64 too
    net = flat_image_network(dtype, seed=3)
    to_onnx(net, tmp_path / "rows.onnx")
    X = image_inputs(net, seed=4, m=7)
    assert X.shape == (7, 50)
    out = run_onnx(tmp_path / "rows.onnx", X)
    assert out.dtype == np.dtype(dtype)
    # float64: ε is a float32 attribute in ONNX (1e-5 + 2.5e-13)
    np.testing.assert_allclose(
        out, net.forward(X), rtol=0, atol=1e-5 if dtype == "float32" else 1e-12
    )


def test_onnx_graph_of_an_image_network() -> None:
    net = image_network("float64", seed=5)
    model = to_onnx(net)
    graph = model.graph
    ops = [node.op_type for node in graph.node]
    assert ops == [
        "Conv", "Tanh", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "Flatten",
        "Gemm", "BatchNormalization", "Tanh", "Reshape", "Conv", "Flatten", "Gemm", "Softmax",
    ]  # fmt: skip
    # the input is (batch, *input_shape), the output (batch, 3)
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (graph.input[0], graph.output[0])]  # fmt: skip
    assert dims == [["batch", 2, 7, 7], ["batch", 3]]
    attributes = {
        (i, a.name): onnx.helper.get_attribute_value(a)
        for i, node in enumerate(graph.node)
        for a in node.attribute
    }
    assert attributes[0, "kernel_shape"] == [3, 3] and attributes[0, "pads"] == [1, 1, 1, 1]
    assert attributes[2, "epsilon"] == pytest.approx(1e-3)
    assert attributes[2, "momentum"] == pytest.approx(0.8)  # ONNX weighs the old statistics
    assert attributes[4, "strides"] == [1, 1] and attributes[4, "pads"] == [1, 1, 1, 1]
    assert attributes[5, "count_include_pad"] == 1 and attributes[5, "strides"] == [2, 2]
    assert attributes[6, "axis"] == 1
    assert attributes[11, "kernel_shape"] == [2, 1] and attributes[11, "strides"] == [1, 2]
    assert attributes[11, "pads"] == [0, 0, 0, 0]
    # the initializers are the layers' arrays, unchanged
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    np.testing.assert_array_equal(init["shape.8"], [-1, 3, 2, 2])
    assert init["shape.8"].dtype == np.int64
    for l, layer in enumerate(net.layers, start=1):
        for name, value in {**layer.parameters(), **layer.buffers()}.items():
            np.testing.assert_array_equal(init[f"{name}.{l}"], value)
            assert init[f"{name}.{l}"].dtype == np.float64


def test_onnx_conv_float64_is_a_valid_file() -> None:
    # onnxruntime has no float64 Conv kernel, but the file is valid ONNX in float64
    net = image_network("float64", seed=6)
    model = to_onnx(net)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    onnx.checker.check_model(model, full_check=True)


def test_onnx_refuses_a_layer_type_of_ones_own() -> None:
    net = gn.Network([gn.Dense(2, 3), Scale(3), gn.Dense(3, 1)], seed=0)
    with pytest.raises(ValueError, match=r"layer 2 is Scale, which to_onnx cannot export"):
        to_onnx(net)
