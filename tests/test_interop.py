"""Interop: ONNX files run in onnxruntime, PyTorch modules and state dicts, scikit-learn MLPs,
each compared with glassnet's own forward pass, and round trips in both directions."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS, Activation, LeakyReLU
from glassnet.interop import (
    from_sklearn,
    from_torch,
    to_onnx,
    to_sklearn,
    to_torch_module,
    to_torch_state_dict,
)

BUILT_IN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus",
            "silu", "gelu", "softmax"]  # fmt: skip
SHAPES = [[3, 1], [4, 6, 2], [2, 5, 3, 4], [5, 8, 7, 6, 3]]


def network(
    sizes: list[int], hidden: str | Activation, output: str | Activation, dtype: str, seed: int
) -> gn.Network:
    """A seeded network with biases away from zero, so that a lost bias would show."""
    net = gn.Network.from_sizes(
        sizes, activation=hidden, output_activation=output, seed=seed, dtype=dtype
    )
    rng = np.random.default_rng(seed + 1)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def inputs(n: int, dtype: str, seed: int, m: int = 9) -> np.ndarray:
    """Rows spread over the range where the activations bend, plus a few large values."""
    X = np.random.default_rng(seed).normal(scale=2.0, size=(m, n))
    X[0] = 8.0
    X[-1, 0] = -8.0
    return X.astype(dtype)


def output_for(name: str, sizes: list[int]) -> str:
    return "sigmoid" if name == "softmax" and sizes[-1] == 1 else name


def test_every_built_in_activation_is_covered() -> None:
    assert sorted(BUILT_IN) == sorted(ACTIVATIONS)


# -- ONNX -------------------------------------------------------------------------------------

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ORT_FLOAT64 = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "silu", "softmax"]


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


def test_to_onnx_takes_a_network_only() -> None:
    with pytest.raises(ValueError, match="glassnet Network"):
        to_onnx("net.safetensors")  # type: ignore[arg-type]


# -- PyTorch ----------------------------------------------------------------------------------

torch = pytest.importorskip("torch")


def torch_forward(module: torch.nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-12), ("float32", 1e-6)])
@pytest.mark.parametrize("name", BUILT_IN)
def test_torch_module_computes_the_same(name: str, dtype: str, tol: float) -> None:
    sizes = [4, 6, 5, 3]
    net = network(sizes, name, name, dtype, seed=11)
    module = to_torch_module(net)
    X = inputs(4, dtype, seed=12)
    out = torch_forward(module, X)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=tol)


def test_state_dict_layout_and_values() -> None:
    net = network([4, 6, 5, 3], "relu", "softmax", "float64", seed=2)
    state = to_torch_state_dict(net)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert list(state) == list(to_torch_module(net).state_dict())
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(state[f"{2 * (l - 1)}.weight"].numpy(), net.W[l])
        np.testing.assert_array_equal(state[f"{2 * (l - 1)}.bias"].numpy(), net.b[l])
        # contiguous as torch's own parameters, though glassnet stores W column by column
        assert state[f"{2 * (l - 1)}.weight"].is_contiguous()
    state["0.weight"][0, 0] = 123.0  # copies: changing them leaves the network alone
    assert net.W[1][0, 0] != 123.0


def test_state_dict_loads_into_a_hand_built_sequential() -> None:
    net = network([3, 5, 2], "tanh", "sigmoid", "float32", seed=3)
    nn = torch.nn
    module = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Sigmoid())
    module.load_state_dict(to_torch_state_dict(net))
    X = inputs(3, "float32", seed=4)
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BUILT_IN)
def test_round_trip_glassnet_torch_glassnet(name: str, dtype: str) -> None:
    net = network([3, 4, 4, 2], name, name, dtype, seed=5)
    for again in (
        from_torch(to_torch_module(net)),
        from_torch(to_torch_state_dict(net), activation=name),
    ):
        assert again.sizes == net.sizes and again.dtype == net.dtype
        assert [ly.activation for ly in again.layers] == [ly.activation for ly in net.layers]
        for l in range(1, net.L + 1):
            np.testing.assert_array_equal(again.W[l], net.W[l])
            np.testing.assert_array_equal(again.b[l], net.b[l])


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_round_trip_torch_glassnet_torch(dtype: torch.dtype, tol: float) -> None:
    nn = torch.nn
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(5, 7), nn.LeakyReLU(0.2), nn.Dropout(0.5),
        nn.Linear(7, 6), nn.ELU(alpha=0.7),
        nn.Sequential(nn.Linear(6, 4), nn.GELU()),
        nn.Linear(4, 3), nn.Softmax(dim=1),
    ).to(dtype).eval()  # fmt: skip
    net = from_torch(module, cost="cross_entropy")
    assert net.sizes == [5, 7, 6, 4, 3]
    assert [ly.activation.name for ly in net.layers] == ["leaky_relu", "elu", "gelu", "softmax"]
    assert net.layers[0].activation.slope == pytest.approx(0.2)  # type: ignore[attr-defined]
    X = inputs(5, "float64" if dtype == torch.float64 else "float32", seed=9)
    np.testing.assert_allclose(net.forward(X), torch_forward(module, X), rtol=0, atol=tol)
    back = to_torch_module(net)
    np.testing.assert_allclose(torch_forward(back, X), torch_forward(module, X), rtol=0, atol=tol)


def test_from_torch_reads_linear_without_activation_as_identity_and_no_bias_as_zero() -> None:
    nn = torch.nn
    module = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Linear(3, 1)).double()
    net = from_torch(module)
    assert [ly.activation.name for ly in net.layers] == ["identity", "identity"]
    np.testing.assert_array_equal(net.b[1], np.zeros(3))
    X = inputs(2, "float64", seed=1)
    np.testing.assert_allclose(net.forward(X), torch_forward(module, X), rtol=0, atol=1e-12)


def test_from_torch_state_dict_with_named_layers() -> None:
    torch.manual_seed(1)
    state = {
        "fc1.weight": torch.randn(4, 3, dtype=torch.float64),
        "fc1.bias": torch.randn(4, dtype=torch.float64),
        "fc2.weight": torch.randn(2, 4, dtype=torch.float64),
        "fc2.bias": torch.randn(2, dtype=torch.float64),
    }
    net = from_torch(state, activation="relu", output_activation="identity", seed=0)
    assert net.sizes == [3, 4, 2] and net.dtype == np.float64
    np.testing.assert_array_equal(net.W[2], state["fc2.weight"].numpy())  # (out, in): no transpose


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Conv1d(1, 1, 1)), "cannot represent"),
        (lambda nn: nn.Sequential(nn.Tanh(), nn.Linear(2, 3)), "before any nn.Linear"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.ReLU()), "second activation"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "do not chain"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(approximate="tanh")), "cannot"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softplus(beta=2.0)), "cannot"),
        (lambda nn: nn.Sequential(nn.ReLU()), "before any nn.Linear"),
        (lambda nn: nn.Sequential(), "no nn.Linear"),
    ],
)
def test_from_torch_refuses_what_it_cannot_represent(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_torch(bad(torch.nn))  # type: ignore[operator]


def test_from_torch_bad_state_dicts_and_arguments() -> None:
    nn = torch.nn
    with pytest.raises(ValueError, match="only with a state dict"):
        from_torch(nn.Sequential(nn.Linear(2, 1)), activation="relu")
    with pytest.raises(ValueError, match="running_mean"):
        from_torch(nn.BatchNorm1d(3).state_dict())
    with pytest.raises(ValueError, match="empty"):
        from_torch({})
    with pytest.raises(ValueError, match="floating-point"):
        from_torch({"0.weight": torch.ones(2, 2, dtype=torch.int64)})
    with pytest.raises(ValueError, match="Module or a state dict"):
        from_torch([1, 2])
    with pytest.raises(ValueError, match="NaN"):
        from_torch({"0.weight": torch.full((1, 2), float("nan"))})


def test_to_torch_refuses_an_activation_of_ones_own() -> None:
    cube = Activation("cube_torch", forward=lambda z: z**3, prime=lambda z, a: 3 * z**2)
    net = gn.Network.from_sizes([2, 3, 1], activation=cube, seed=0)
    with pytest.raises(ValueError, match=r"cube_torch.*no torch.nn module"):
        to_torch_module(net)


# -- scikit-learn -----------------------------------------------------------------------------

sk_nn = pytest.importorskip("sklearn.neural_network")


def fitted(kind: str, activation: str, y: np.ndarray, X: np.ndarray, seed: int = 0) -> object:
    cls = sk_nn.MLPClassifier if kind == "classifier" else sk_nn.MLPRegressor
    mlp = cls(hidden_layer_sizes=(6, 5), activation=activation, max_iter=30, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a few epochs are enough here
        return mlp.fit(X, y)


X_SK = np.random.default_rng(0).normal(size=(40, 4))
TARGETS = {
    "multiclass": np.array(["cat", "dog", "emu"])[np.arange(40) % 3],
    "binary": np.array([3, 8])[np.arange(40) % 2],
    "multilabel": (np.random.default_rng(1).random((40, 3)) > 0.5).astype(int),
}


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("target", list(TARGETS))
def test_from_sklearn_classifier_equals_predict_proba(activation: str, target: str) -> None:
    mlp = fitted("classifier", activation, TARGETS[target], X_SK)
    net = from_sklearn(mlp)
    assert net.dtype == np.float64 and net.sizes == [4, 6, 5, mlp.n_outputs_]
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(net.W[l], mlp.coefs_[l - 1].T)  # coefs_ is (in, out)
    X = np.random.default_rng(2).normal(size=(15, 4))
    proba = mlp.predict_proba(X)
    a = net.forward(X)
    expected = proba[:, 1:] if target == "binary" else proba
    np.testing.assert_allclose(a, expected, rtol=0, atol=1e-10)
    cost = {"multiclass": "cross_entropy"}.get(target, "binary_cross_entropy")
    assert net.cost_function.name == cost
    # and the same classes: argmax, or a ≥ 0.5 for a single sigmoid output
    if target != "multilabel":
        classes = mlp.classes_[gn.network.predicted_classes(a)]
        np.testing.assert_array_equal(classes, mlp.predict(X))


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_from_sklearn_regressor_equals_predict(activation: str, n_targets: int) -> None:
    y = X_SK[:, :n_targets] * 2 - X_SK[:, -1:]
    mlp = fitted("regressor", activation, y[:, 0] if n_targets == 1 else y, X_SK)
    net = from_sklearn(mlp)
    assert net.cost_function.name == "quadratic"
    X = np.random.default_rng(3).normal(size=(15, 4))
    out = net.forward(X)
    np.testing.assert_allclose(out[:, 0] if n_targets == 1 else out, mlp.predict(X), atol=1e-10)


@pytest.mark.parametrize("hidden", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize(
    ("sizes", "output", "classes"),
    [
        ([4, 6, 3], "softmax", ["a", "b", "c"]),
        ([4, 6, 5, 2], "softmax", None),
        ([4, 5, 1], "sigmoid", [-1, 1]),
        ([4, 1], "sigmoid", None),
    ],
)
def test_to_sklearn_classifier(
    hidden: str, sizes: list[int], output: str, classes: list[object] | None
) -> None:
    net = network(sizes, hidden, output, "float64", seed=4)
    mlp = to_sklearn(net, kind="classifier", classes=classes)
    X = np.random.default_rng(5).normal(size=(20, 4))
    a = net.forward(X)
    proba = mlp.predict_proba(X)
    np.testing.assert_allclose(proba[:, -a.shape[1] :], a, rtol=0, atol=1e-10)
    labels = np.arange(max(2, sizes[-1])) if classes is None else np.asarray(classes)
    np.testing.assert_array_equal(mlp.classes_, labels)
    np.testing.assert_array_equal(mlp.predict(X), labels[np.argmax(proba, axis=1)])
    again = from_sklearn(mlp)  # and back: the very same weights
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(again.W[l], net.W[l])
        np.testing.assert_array_equal(again.b[l], net.b[l])


def test_to_sklearn_multilabel_sigmoid() -> None:
    net = network([4, 5, 3], "relu", "sigmoid", "float64", seed=6)
    mlp = to_sklearn(net)
    X = np.random.default_rng(7).normal(size=(12, 4))
    np.testing.assert_allclose(mlp.predict_proba(X), net.forward(X), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(mlp.predict(X), (net.forward(X) > 0.5).astype(int))


@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 2], [3, 5, 4, 1]], ids=str)
def test_to_sklearn_regressor_and_back(sizes: list[int]) -> None:
    net = network(sizes, "tanh", "identity", "float64", seed=8)
    mlp = to_sklearn(net, kind="regressor")
    X = np.random.default_rng(9).normal(size=(10, 3))
    out = net.forward(X)
    np.testing.assert_allclose(mlp.predict(X), out[:, 0] if sizes[-1] == 1 else out, atol=1e-10)
    np.testing.assert_allclose(mlp.score(X, out[:, 0] if sizes[-1] == 1 else out), 1.0)
    np.testing.assert_allclose(from_sklearn(mlp).forward(X), out, rtol=0, atol=1e-12)


def test_round_trip_sklearn_glassnet_sklearn() -> None:
    mlp = fitted("classifier", "tanh", TARGETS["multiclass"], X_SK)
    back = to_sklearn(from_sklearn(mlp), classes=mlp.classes_)
    X = np.random.default_rng(10).normal(size=(10, 4))
    np.testing.assert_allclose(back.predict_proba(X), mlp.predict_proba(X), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(back.predict(X), mlp.predict(X))


def test_to_sklearn_refuses_what_sklearn_cannot_hold() -> None:
    mixed = gn.Network([gn.Dense(2, 3, "tanh"), gn.Dense(3, 3, "relu"), gn.Dense(3, 1)], seed=0)
    with pytest.raises(ValueError, match="one activation for all hidden layers"):
        to_sklearn(mixed)
    with pytest.raises(ValueError, match="one activation for all hidden layers"):
        to_sklearn(gn.Network.from_sizes([2, 3, 2], activation="gelu", seed=0))
    softmax = gn.Network.from_sizes([2, 3, 2], output_activation="softmax", seed=0)
    with pytest.raises(ValueError, match="kind='classifier'"):
        to_sklearn(softmax, kind="regressor")
    linear = gn.Network.from_sizes([2, 1], activation="identity", seed=0)
    with pytest.raises(ValueError, match="kind='regressor'"):
        to_sklearn(linear, kind="classifier")
    with pytest.raises(ValueError, match="classes must list 2 distinct"):
        to_sklearn(softmax, classes=["a", "a"])
    with pytest.raises(ValueError, match="kind must be"):
        to_sklearn(softmax, kind="clusterer")


def test_from_sklearn_refuses_an_unfitted_or_poisson_model() -> None:
    with pytest.raises(ValueError, match="call fit first"):
        from_sklearn(sk_nn.MLPClassifier())
    y = np.abs(X_SK[:, 0]) + 0.1
    mlp = sk_nn.MLPRegressor(hidden_layer_sizes=(3,), loss="poisson", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X_SK, y)
    with pytest.raises(ValueError, match="'exp'"):
        from_sklearn(mlp)


# -- optional dependencies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "call", "extra"),
    [
        ("onnx", lambda net: to_onnx(net), "onnx"),
        ("torch", lambda net: to_torch_module(net), "torch"),
        ("torch", lambda net: to_torch_state_dict(net), "torch"),
        ("torch", lambda net: from_torch({}), "torch"),
        ("sklearn.neural_network", lambda net: to_sklearn(net), "sklearn"),
    ],
)
def test_a_missing_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, module: str, call: Any, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # "import module" now raises ImportError
    net = gn.Network.from_sizes([2, 2], activation="sigmoid", seed=0)
    with pytest.raises(ImportError, match=re.escape(f"pip install 'glassnet[{extra}]'")):
        call(net)


def test_importing_interop_imports_none_of_the_optional_packages() -> None:
    code = (
        "import sys, glassnet.interop; "
        "print([m for m in ('onnx', 'onnxruntime', 'torch', 'sklearn') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
