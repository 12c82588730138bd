"""RNN and Residual in ONNX and PyTorch (glassnet.interop): files run in onnxruntime and
compared with glassnet's forward pass, both ONNX forms of an RNN (the RNN operator and the
unrolled steps), torch modules both ways with their forward passes and gradients, and every
case that cannot travel refused with a ValueError that says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.interop import from_torch, to_onnx, to_torch_module, to_torch_state_dict
from test_interop import Scale

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")
nn = torch.nn
L = gn.layers
T, N_IN = 5, 3  # time steps, numbers per step


def randomised(net: gn.Network, seed: int) -> gn.Network:
    """Every parameter and buffer drawn anew (biases away from 0, running variances and γ
    positive), so that a lost or misplaced array would show."""
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        for name, p in {**layer.parameters(), **layer.buffers()}.items():
            p[...] = rng.normal(scale=0.5, size=p.shape)
            if name.startswith(("gamma", "running_var")):
                p[...] = 0.5 + np.abs(p)
    return net


def rnn_network(dtype: str, cell: str, sequences: bool, seed: int = 0) -> gn.Network:
    """An RNN followed by Dense layers (two RNNs when the first passes every h_t on)."""
    layers: list[gn.layers.Layer] = [L.RNN(N_IN, 4, activation=cell, return_sequences=sequences)]
    if sequences:
        layers.append(L.RNN(4, 6, activation=cell))
    layers += [gn.Dense(6 if sequences else 4, 5, activation="tanh"), gn.Dense(5, 2)]
    net = gn.Network(layers, input_shape=(T, N_IN), seed=seed, dtype=dtype)
    return randomised(net, seed + 1)


def dense_residual_network(dtype: str, seed: int = 0) -> gn.Network:
    """Residual blocks of rows: a nested block, a BatchNorm sub-layer, a projection."""
    inner = L.Residual([gn.Dense(4, 4, activation="tanh")], activation="relu")
    net = gn.Network(
        [
            gn.Dense(3, 4, activation="identity"),
            L.Residual([gn.Dense(4, 4, activation="relu"), L.BatchNorm(4), inner]),
            L.Residual(
                [gn.Dense(4, 6, activation="sigmoid"), gn.Dense(6, 5, activation="identity")],
                projection=gn.Dense(4, 5, activation="identity"),
                activation="relu",
            ),
            gn.Dense(5, 2, activation="softmax"),
        ],
        cost="cross_entropy",
        seed=seed,
        dtype=dtype,
    )
    return randomised(net, seed + 1)


def conv_residual_network(dtype: str, seed: int = 0) -> gn.Network:
    """Residual blocks of images: Conv2D and BatchNorm inside, a nested block, and a strided
    block whose 1×1 projection takes 2 channels to 4."""
    net = gn.Network(
        [
            L.Residual(
                [
                    L.Conv2D(2, 2, 3, padding=1, activation="relu"),
                    L.BatchNorm(2),
                    L.Residual([L.Conv2D(2, 2, 1, activation="tanh")]),
                ],
                activation="relu",
            ),
            L.Residual(
                [L.Conv2D(2, 4, 3, stride=2, padding=1, activation="identity")],
                projection=L.Conv2D(2, 4, 1, stride=2, activation="identity"),
                activation="tanh",
            ),
            L.Flatten(),
            gn.Dense(36, 3, activation="softmax"),
        ],
        input_shape=(2, 5, 5),
        cost="cross_entropy",
        seed=seed,
        dtype=dtype,
    )
    return randomised(net, seed + 1)


def sequence_residual_network(dtype: str, seed: int = 0) -> gn.Network:
    """An RNN inside a Residual: h = x + RNN(x) at every step, then the last step's RNN."""
    net = gn.Network(
        [
            L.Residual([L.RNN(N_IN, N_IN, activation="tanh", return_sequences=True)]),
            L.RNN(N_IN, 4, activation="relu"),
            gn.Dense(4, 2, activation="identity"),
        ],
        input_shape=(T, N_IN),
        seed=seed,
        dtype=dtype,
    )
    return randomised(net, seed + 1)


def inputs_for(net: gn.Network, seed: int, m: int = 7) -> np.ndarray:
    X = np.random.default_rng(seed).normal(scale=1.5, size=(m, *net.input_shape))
    return X.astype(net.dtype)


# -- ONNX -----------------------------------------------------------------------------------------


def run_onnx(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(["a_L"], {"x": X})
    return np.asarray(out)


def exported(net: gn.Network, path: Path, **options: Any) -> Path:
    """``net`` written by to_onnx, and the file read back and checked by onnx.checker."""
    to_onnx(net, path, **options)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return path


@pytest.mark.parametrize("rnn", ["operator", "unrolled"])
@pytest.mark.parametrize("cell", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("sequences", [True, False])
def test_onnx_rnn_float32_equals_forward(
    tmp_path: Path, rnn: str, cell: str, sequences: bool
) -> None:
    net = rnn_network("float32", cell, sequences, seed=1)
    path = exported(net, tmp_path / "rnn.onnx", rnn=rnn)
    for m in (1, 8):  # the batch size is free
        X = inputs_for(net, seed=2, m=m)
        out = run_onnx(path, X)
        assert out.dtype == np.float32 and out.shape == (m, 2)
        np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("cell", ["tanh", "relu", "sigmoid", "silu", "leaky_relu"])
@pytest.mark.parametrize("sequences", [True, False])
def test_onnx_unrolled_rnn_float64_equals_forward(
    tmp_path: Path, cell: str, sequences: bool
) -> None:
    # onnxruntime has no float64 RNN kernel, but Gather, Gemm, Concat and these σ it has
    net = rnn_network("float64", cell, sequences, seed=3)
    path = exported(net, tmp_path / "rnn64.onnx", rnn="unrolled")
    X = inputs_for(net, seed=4)
    out = run_onnx(path, X)
    assert out.dtype == np.float64
    tol = 1e-8 if cell == "leaky_relu" else 1e-12  # LeakyRelu's alpha is a float32 attribute
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=tol)


@pytest.mark.parametrize("cell", ["elu", "gelu", "softplus"])
def test_onnx_unrolled_rnn_takes_any_cell_activation_with_an_onnx_form(
    tmp_path: Path, cell: str
) -> None:
    net = rnn_network("float32", cell, sequences=True, seed=5)
    refused = rf"layer 1 is an RNN whose cell activation {cell}.*to_onnx\(net, rnn='unrolled'\)"
    with pytest.raises(ValueError, match=refused):
        to_onnx(net)
    path = exported(net, tmp_path / "cell.onnx", rnn="unrolled")
    X = inputs_for(net, seed=6)
    np.testing.assert_allclose(run_onnx(path, X), net.forward(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("sequences", [True, False])
def test_onnx_rnn_operator_graph(sequences: bool) -> None:
    net = rnn_network("float64", "relu", sequences, seed=7)
    model = to_onnx(net)  # a valid float64 file, though onnxruntime has no float64 RNN
    rnn = net.layers[0]
    nodes = list(model.graph.node)
    ops = [node.op_type for node in nodes]
    first = ["Transpose", "RNN", "Squeeze"] + (["Transpose"] if sequences else [])
    assert ops[: len(first)] == first
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[1].attribute}
    assert attributes == {"hidden_size": 4, "activations": [b"Relu"]}
    assert onnx.helper.get_attribute_value(nodes[0].attribute[0]) == [1, 0, 2]  # (T, m, n_in)
    # Y (every h_t) for return_sequences, else only Y_h (the last state)
    assert list(nodes[1].output) == (["Y.1"] if sequences else ["", "Y_h.1"])
    init = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    np.testing.assert_array_equal(init["W_ih.1"], rnn.W_ih[np.newaxis])  # (1, H, n_in)
    np.testing.assert_array_equal(init["W_hh.1"], rnn.W_hh[np.newaxis])  # (1, H, H)
    np.testing.assert_array_equal(init["B.1"], [[*rnn.b, *np.zeros(4)]])  # Wb = b, Rb = 0
    np.testing.assert_array_equal(init["axes.1"], [1 if sequences else 0])


def test_onnx_unrolled_rnn_graph() -> None:
    net = rnn_network("float32", "tanh", sequences=True, seed=8)
    model = to_onnx(net, rnn="unrolled")
    ops = [node.op_type for node in model.graph.node]
    # step 1: Gather, Gemm (W_ih x_1 + b), Tanh; each later step one more Gemm (+ W_hh h_(t−1))
    layer_1 = ["Gather", "Gemm", "Tanh"] + ["Gather", "Gemm", "Gemm", "Tanh"] * (T - 1)
    assert ops[: len(layer_1)] == layer_1
    assert ops[len(layer_1) : len(layer_1) + T + 1] == ["Unsqueeze"] * T + ["Concat"]
    assert "RNN" not in ops
    init = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for name in ("W_ih", "W_hh", "b"):  # the layer's arrays unchanged
        np.testing.assert_array_equal(init[f"{name}.1"], getattr(net.layers[0], name))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_residual_rows_equal_forward(tmp_path: Path, dtype: str) -> None:
    net = dense_residual_network(dtype, seed=9)
    path = exported(net, tmp_path / "res.onnx")
    X = inputs_for(net, seed=10)
    out = run_onnx(path, X)
    assert out.dtype == np.dtype(dtype)
    # float64: BatchNormalization's ε is a float32 attribute (1e-5 + 2.5e-13)
    tol = 1e-5 if dtype == "float32" else 1e-11
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=tol)


def test_onnx_residual_images_equal_forward(tmp_path: Path) -> None:
    net = conv_residual_network("float32", seed=11)  # onnxruntime has no float64 Conv
    path = exported(net, tmp_path / "cnn.onnx")
    X = inputs_for(net, seed=12)
    np.testing.assert_allclose(run_onnx(path, X), net.forward(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize(("dtype", "rnn"), [("float32", "operator"), ("float64", "unrolled")])
def test_onnx_rnn_inside_a_residual(tmp_path: Path, dtype: str, rnn: str) -> None:
    net = sequence_residual_network(dtype, seed=13)
    path = exported(net, tmp_path / "seq.onnx", rnn=rnn)
    X = inputs_for(net, seed=14)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(run_onnx(path, X), net.forward(X), rtol=0, atol=tol)


def test_onnx_residual_graph_names_the_sub_layers() -> None:
    net = dense_residual_network("float64", seed=15)
    graph = to_onnx(net).graph
    ops = [node.op_type for node in graph.node]
    assert ops == [
        "Gemm",                                                     # layer 1
        "Gemm", "Relu", "BatchNormalization", "Gemm", "Tanh", "Add", "Relu",   # 2.1, 2.2, 2.3
        "Add",                                                      # z = a + f(a), σ identity
        "Gemm", "Sigmoid", "Gemm", "Gemm", "Add", "Relu",           # 3.1, 3.2, 3.p, + and σ
        "Gemm", "Softmax",
    ]  # fmt: skip
    adds = [node for node in graph.node if node.op_type == "Add"]
    assert [list(node.input) for node in adds] == [
        ["a.2.2", "a.2.3.1"],  # the inner block: its input (sub-layer 2's output) + f
        ["a.1", "a.2.3"],  # block 2: its input + f's last sub-layer
        ["a.3.p", "a.3.2"],  # block 3: the projection + f
    ]
    # initializers <name>.<layer>.<sub-layer>: each sub-layer's arrays unchanged
    init = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    block, projected = net.layers[1], net.layers[2]
    np.testing.assert_array_equal(init["W.2.1"], block.layers[0].W)
    np.testing.assert_array_equal(init["running_var.2.2"], block.layers[1].running_var)
    np.testing.assert_array_equal(init["W.2.3.1"], block.layers[2].layers[0].W)
    np.testing.assert_array_equal(init["W.3.p"], projected.projection.W)
    np.testing.assert_array_equal(init["b.3.2"], projected.layers[1].b)


def test_onnx_refusals() -> None:
    net = rnn_network("float32", "tanh", sequences=False)
    for bad in ("unroll", "", None):
        with pytest.raises(ValueError, match=r"rnn must be 'operator' .* or 'unrolled'"):
            to_onnx(net, rnn=bad)  # type: ignore[arg-type]
    mine = gn.Network([gn.Dense(2, 3), L.Residual([Scale(3)])], seed=0)
    refused = r"layer 2\.1 \(layer 1 of f in the Residual 2\) is Scale, which to_onnx cannot"
    with pytest.raises(ValueError, match=refused):
        to_onnx(mine)
    cube = gn.activations.Activation(
        "cube_rnn", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2
    )
    cubic = gn.Network([L.RNN(N_IN, 2, activation=cube)], input_shape=(T, N_IN))
    with pytest.raises(ValueError, match=r"layer 1 \(RNN\): activation cube_rnn.*no ONNX form"):
        to_onnx(cubic, rnn="unrolled")
    block = L.Residual([gn.Dense(3, 2)], projection=gn.Dense(3, 2, activation=cube))
    refused = r"layer 2\.p \(the projection in the Residual 2\): activation cube_rnn"
    with pytest.raises(ValueError, match=refused):
        to_onnx(gn.Network([gn.Dense(2, 3), block]))


# -- PyTorch --------------------------------------------------------------------------------------


def torch_forward(module: Any, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.asarray(module(torch.from_numpy(X)).numpy())


@pytest.mark.parametrize("cell", ["tanh", "relu"])
@pytest.mark.parametrize("sequences", [True, False])
def test_torch_rnn_computes_the_same(cell: str, sequences: bool) -> None:
    net = rnn_network("float64", cell, sequences, seed=20)
    module = to_torch_module(net)
    rnn, output = module[0]
    assert isinstance(rnn, nn.RNN) and rnn.nonlinearity == cell and rnn.batch_first
    assert type(output).__name__ == "RNNOutput" and output.return_sequences is sequences
    X = inputs_for(net, seed=21)
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=0, atol=1e-12)
    state = to_torch_state_dict(net)
    np.testing.assert_array_equal(state["0.0.weight_ih_l0"].numpy(), net.layers[0].W_ih)
    np.testing.assert_array_equal(state["0.0.weight_hh_l0"].numpy(), net.layers[0].W_hh)
    np.testing.assert_array_equal(state["0.0.bias_ih_l0"].numpy(), net.layers[0].b)
    assert not state["0.0.bias_hh_l0"].any()  # b goes to one of PyTorch's two biases
    again = from_torch(module, input_shape=(T, N_IN))
    assert again.layers[0].config() == net.layers[0].config()
    for l, layer in enumerate(net.layers):
        for name, value in layer.parameters().items():
            np.testing.assert_array_equal(getattr(again.layers[l], name), value)


def test_from_torch_reads_an_rnn_of_ones_own() -> None:
    from glassnet.interop.torch import RNNOutput

    torch.manual_seed(0)  # PyTorch draws both biases: b = bias_ih + bias_hh
    model = nn.Sequential(
        nn.RNN(N_IN, 6, nonlinearity="relu", batch_first=True),
        RNNOutput(return_sequences=True),
        nn.RNN(6, 4, batch_first=True, bias=False),
        RNNOutput(return_sequences=False),
        nn.Linear(4, 2),
        nn.Sigmoid(),
    ).double()
    net = from_torch(model, input_shape=(T, N_IN))
    assert [type(layer).__name__ for layer in net.layers] == ["RNN", "RNN", "Dense"]
    assert net.shapes == [(T, N_IN), (T, 6), (4,), (2,)]
    first, second = net.layers[:2]
    assert first.cell_activation.name == "relu" and second.cell_activation.name == "tanh"
    expected = (model[0].bias_ih_l0 + model[0].bias_hh_l0).detach().numpy()
    np.testing.assert_array_equal(first.b, expected)
    assert not second.b.any()  # no biases: b = 0
    X = np.random.default_rng(22).normal(size=(6, T, N_IN))
    np.testing.assert_allclose(net.forward(X), torch_forward(model, X), rtol=0, atol=1e-12)


RESIDUAL_NETWORKS = [dense_residual_network, conv_residual_network, sequence_residual_network]


@pytest.mark.parametrize("make", RESIDUAL_NETWORKS)
def test_torch_residual_both_ways(make: Any) -> None:
    from glassnet.interop.torch import ResidualBlock

    net = make("float64", seed=23)
    module = to_torch_module(net).eval()
    blocks = [m for m in module if isinstance(m, ResidualBlock)]
    assert blocks and all(isinstance(b.body, nn.Sequential) for b in blocks)
    X = inputs_for(net, seed=24)
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=0, atol=1e-12)
    again = from_torch(module, cost=net.cost_function, input_shape=net.input_shape)
    assert [layer.config() for layer in again.layers] == [layer.config() for layer in net.layers]
    for l, layer in enumerate(net.layers):
        for name, value in {**layer.parameters(), **layer.buffers()}.items():
            np.testing.assert_array_equal(getattr(again.layers[l], name), value)
    np.testing.assert_allclose(again.forward(X), net.forward(X), rtol=0, atol=1e-13)


def test_residual_state_dict_keys() -> None:
    keys = list(to_torch_state_dict(dense_residual_network("float32")))
    assert keys[:4] == ["0.weight", "0.bias", "2.body.0.weight", "2.body.0.bias"]
    assert "2.body.4.body.0.weight" in keys  # the nested block: sub-layer 3 of f, index 4
    assert "4.projection.0.weight" in keys and "4.body.2.bias" in keys


def test_from_torch_reads_a_residual_block_of_ones_own() -> None:
    from glassnet.interop.torch import ResidualBlock

    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(3, 4),
        ResidualBlock(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))),
        nn.ReLU(),
        ResidualBlock(nn.Sequential(nn.Linear(4, 2), nn.Tanh()), projection=nn.Linear(4, 2)),
    ).double()
    net = from_torch(model)
    assert net.shapes == [(3,), (4,), (4,), (2,)]
    first, second = net.layers[1:]
    assert first.activation.name == "relu" and second.activation.name == "identity"
    assert first.parameter_names == ("W1", "b1", "W2", "b2")
    np.testing.assert_array_equal(second.Wp, model[3].projection.weight.detach().numpy())
    X = np.random.default_rng(25).normal(size=(5, 3))
    np.testing.assert_allclose(net.forward(X), torch_forward(model, X), rtol=0, atol=1e-12)


def test_from_torch_reads_an_activation_module_used_twice() -> None:
    relu = nn.ReLU()  # one module object after two layers: both get σ = relu
    model = nn.Sequential(nn.Linear(2, 3), relu, nn.Linear(3, 2), relu).double()
    net = from_torch(model)
    assert [layer.activation.name for layer in net.layers] == ["relu", "relu"]
    X = np.random.default_rng(30).normal(size=(4, 2))
    np.testing.assert_allclose(net.forward(X), torch_forward(model, X), rtol=0, atol=1e-12)


def test_torch_gradients_of_an_exported_network_equal_glassnets() -> None:
    net = gn.Network(
        [
            L.RNN(N_IN, 4, activation="tanh", return_sequences=True),
            L.RNN(4, 4, activation="relu"),
            L.Residual([gn.Dense(4, 4, activation="tanh"), gn.Dense(4, 4)], activation="relu"),
            L.Residual([gn.Dense(4, 3, activation="sigmoid")], projection=gn.Dense(4, 3)),
            gn.Dense(3, 2, activation="identity"),
        ],
        input_shape=(T, N_IN),
        seed=26,
        dtype="float64",
    )
    net = randomised(net, 27)
    module = to_torch_module(net).train()
    X = inputs_for(net, seed=28, m=6)
    Y = np.random.default_rng(29).normal(size=(6, 2))
    a = module(torch.from_numpy(X))
    C = 0.5 * ((a - torch.from_numpy(Y)) ** 2).sum() / len(X)  # (1/m) Σ_i ½‖a − y‖²
    C.backward()
    np.testing.assert_allclose(a.detach().numpy(), net.forward(X), rtol=0, atol=1e-12)
    grads = net.gradients(X, Y)
    rnn_1, rnn_2, block, projected = module[0][0], module[2][0], module[4], module[6]
    pairs = {
        (1, "W_ih"): rnn_1.weight_ih_l0, (1, "W_hh"): rnn_1.weight_hh_l0,
        (1, "b"): rnn_1.bias_ih_l0,
        (2, "W_ih"): rnn_2.weight_ih_l0, (2, "W_hh"): rnn_2.weight_hh_l0,
        (2, "b"): rnn_2.bias_hh_l0,
        (3, "W1"): block.body[0].weight, (3, "b1"): block.body[0].bias,
        (3, "W2"): block.body[2].weight, (3, "b2"): block.body[2].bias,
        (4, "W1"): projected.body[0].weight, (4, "b1"): projected.body[0].bias,
        (4, "Wp"): projected.projection[0].weight, (4, "bp"): projected.projection[0].bias,
        (5, "W"): module[8].weight, (5, "b"): module[8].bias,
    }  # fmt: skip
    assert len(pairs) == sum(len(layer.parameter_names) for layer in net.layers)
    for (l, name), parameter in pairs.items():  # ∂C/∂b is ∂C/∂bias_ih = ∂C/∂bias_hh
        np.testing.assert_allclose(grads[l][name], parameter.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_export_of_an_rnn_leaves_torchs_random_generator_alone() -> None:
    state = torch.random.get_rng_state()
    to_torch_module(rnn_network("float32", "tanh", sequences=True))
    assert torch.equal(torch.random.get_rng_state(), state)


def test_torch_refusals() -> None:
    from glassnet.interop.torch import ResidualBlock, RNNOutput

    sigmoid = gn.Network([L.RNN(N_IN, 2, activation="sigmoid")], input_shape=(T, N_IN))
    refused = r"layer 1 is an RNN with cell activation sigmoid.*nonlinearity is 'tanh' or 'relu'"
    with pytest.raises(ValueError, match=refused):
        to_torch_module(sigmoid)
    inside = gn.Network([gn.Dense(2, 3), L.Residual([Scale(3)])], seed=0)
    with pytest.raises(ValueError, match=r"layer 2\.1 is Scale, which to_torch_module cannot"):
        to_torch_module(inside)
    rnn = nn.RNN(N_IN, 2, batch_first=True)
    cases = [
        (nn.Sequential(rnn), r"'0' \(nn.RNN\) gives a pair .*RNNOutput"),
        (nn.Sequential(rnn, nn.Tanh()), r"but module '1' \(Tanh\(\)\) follows it"),
        (nn.Sequential(nn.Linear(2, 2), RNNOutput(False)), "must come right after an nn.RNN"),
        (nn.Sequential(nn.RNN(N_IN, 2, num_layers=2, batch_first=True), RNNOutput(False)),
         "num_layers=1"),
        (nn.Sequential(nn.RNN(N_IN, 2, bidirectional=True, batch_first=True), RNNOutput(False)),
         "bidirectional=False"),
        (nn.Sequential(nn.RNN(N_IN, 2), RNNOutput(False)), "batch_first=True"),
        (nn.Sequential(nn.LSTM(N_IN, 2, batch_first=True)), "LSTM.*cannot represent"),
        (nn.Sequential(rnn, RNNOutput(True), nn.Tanh()), "inside every step .* none after"),
        (ResidualBlock(nn.Linear(3, 2), projection=nn.Sequential(nn.Linear(3, 2),
                                                                 nn.Linear(2, 2))),
         "its projection must be one layer"),
    ]  # fmt: skip
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            from_torch(bad, input_shape=(T, N_IN) if "RNN" in repr(bad) else (3,))
    with pytest.raises(ValueError, match=r"input_shape=\(T, n_in\)"):
        from_torch(nn.Sequential(rnn, RNNOutput(False)))
    conv_block = ResidualBlock(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1)))
    with pytest.raises(ValueError, match=r"needs input_shape= .* starts with ResidualBlock"):
        from_torch(nn.Sequential(conv_block, nn.Flatten()))


def test_torch_modules_are_named_in_interop_torch() -> None:
    import glassnet.interop.torch as interop_torch
    from glassnet.interop import torch_modules

    assert interop_torch.ResidualBlock is torch_modules.ResidualBlock
    assert interop_torch.RNNOutput is torch_modules.RNNOutput
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        interop_torch.Nothing  # noqa: B018
