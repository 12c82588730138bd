"""PyTorch (glassnet.interop.torch): networks as nn.Sequential modules and state dicts, and
back; forward passes in eval mode and gradients in train mode compared with glassnet's own;
every module glassnet cannot represent refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import Activation
from glassnet.interop import from_torch, to_torch_module, to_torch_state_dict
from test_interop import (
    BUILT_IN,
    Scale,
    flat_image_network,
    image_inputs,
    image_network,
    inputs,
    network,
)

torch = pytest.importorskip("torch")
nn = torch.nn
L = gn.layers


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
        (lambda nn: nn.Sequential(nn.Tanh(), nn.Linear(2, 3)), "before any layer"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.ReLU()), "second activation"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), r"n_in = 4.*modules 0, 1"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(approximate="tanh")), "cannot"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softplus(beta=2.0)), "cannot"),
        (lambda nn: nn.Sequential(nn.ReLU()), "before any layer"),
        (lambda nn: nn.Sequential(), "holds no layer"),
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


# -- convolutional networks -------------------------------------------------------------------

TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64}


def arrays(net: gn.Network) -> list[dict[str, np.ndarray]]:
    """Each layer's parameters and buffers, by glassnet name."""
    return [{**layer.parameters(), **layer.buffers()} for layer in net.layers]


@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("make", [image_network, flat_image_network])
def test_torch_module_in_eval_mode_computes_forward(make: Any, dtype: str, tol: float) -> None:
    net = make(dtype, seed=7)
    module = to_torch_module(net).eval()
    X = image_inputs(net, seed=8)
    out = torch_forward(module, X)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, net.forward(X), rtol=0, atol=tol)


def test_torch_module_of_an_image_network() -> None:
    net = image_network("float64", seed=9)
    module = to_torch_module(net)
    assert [type(m).__name__ for m in module] == [
        "Conv2d", "Tanh", "BatchNorm2d", "ReLU", "MaxPool2d", "Identity", "AvgPool2d",
        "Identity", "Flatten", "Identity", "Linear", "Identity", "BatchNorm1d", "Tanh",
        "Unflatten", "Identity", "Conv2d", "Identity", "Flatten", "Identity", "Linear", "Softmax",
    ]  # fmt: skip
    conv, bn, maxpool, avgpool = module[0], module[2], module[4], module[6]
    assert (conv.kernel_size, conv.stride, conv.padding) == ((3, 3), (1, 1), (1, 1))
    assert (module[16].kernel_size, module[16].stride) == ((2, 1), (1, 2))
    assert (bn.momentum, bn.eps) == (pytest.approx(0.2), pytest.approx(1e-3))
    assert (maxpool.kernel_size, maxpool.stride, maxpool.padding) == ((2, 2), (1, 1), (1, 1))
    assert avgpool.count_include_pad and avgpool.stride == (2, 2)
    assert module[14].unflattened_size == (3, 2, 2)
    assert all(
        p.dtype == torch.float64 for p in module.state_dict().values() if p.is_floating_point()
    )


def test_state_dict_of_an_image_network() -> None:
    net = image_network("float64", seed=10)
    state = to_torch_state_dict(net)
    assert list(state) == list(to_torch_module(net).state_dict())
    batchnorm = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [k for k in state if k.startswith("2.")] == [f"2.{k}" for k in batchnorm]
    torch_names = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}
    for l, values in enumerate(arrays(net), start=1):
        for name, value in values.items():
            np.testing.assert_array_equal(
                state[f"{2 * (l - 1)}.{torch_names.get(name, name)}"], value
            )
    # it loads into the same network written by hand
    hand = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(), nn.BatchNorm2d(3, eps=1e-3, momentum=0.2),
        nn.ReLU(), nn.MaxPool2d(2, stride=1, padding=1), nn.Identity(), nn.AvgPool2d(3, 2, 1),
        nn.Identity(), nn.Flatten(), nn.Identity(), nn.Linear(48, 12), nn.Identity(),
        nn.BatchNorm1d(12), nn.Tanh(), nn.Unflatten(1, (3, 2, 2)), nn.Identity(),
        nn.Conv2d(3, 4, (2, 1), stride=(1, 2)), nn.Identity(), nn.Flatten(), nn.Identity(),
        nn.Linear(4, 3), nn.Softmax(dim=1),
    ).double().eval()  # fmt: skip
    hand.load_state_dict(state)
    X = image_inputs(net, seed=11)
    np.testing.assert_allclose(torch_forward(hand, X), net.forward(X), rtol=0, atol=1e-12)


@pytest.mark.parametrize("make", [image_network, flat_image_network])
def test_torch_in_train_mode_gives_glassnets_gradients(make: Any) -> None:
    # a training computation in both: BatchNorm uses the mini-batch's statistics
    net = make("float64", seed=12)
    net.cost_function = gn.costs.get("cross_entropy" if net.sizes[-1] == 3 else "quadratic")
    module = to_torch_module(net).train()
    X = image_inputs(net, seed=13, m=5)
    rng = np.random.default_rng(14)
    x = torch.from_numpy(X)
    a = module(x)
    if net.cost_function.name == "cross_entropy":
        Y = np.eye(3)[rng.integers(0, 3, size=5)]
        C = -(torch.from_numpy(Y) * torch.log(a)).sum() / len(X)  # C = (1/m) Σ_i −Σ_j y log a
    else:
        Y = rng.normal(size=(5, net.sizes[-1]))
        C = 0.5 * ((a - torch.from_numpy(Y)) ** 2).sum() / len(X)  # (1/m) Σ_i ½‖a − y‖²
    C.backward()
    np.testing.assert_allclose(a.detach().numpy(), net.trace(X, Y).a[net.L], rtol=1e-10, atol=1e-14)
    grads = net.gradients(X, Y)
    torch_names = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}
    checked = 0
    for l, layer in enumerate(net.layers, start=1):
        for name in layer.parameter_names:
            grad = getattr(module[2 * (l - 1)], torch_names[name]).grad.numpy()
            np.testing.assert_allclose(grads[l][name], grad, rtol=1e-10, atol=1e-13)
            checked += 1
    assert checked == sum(len(layer.parameter_names) for layer in net.layers) >= 8


def test_running_statistics_move_alike_in_a_training_step() -> None:
    # one fit step of glassnet and one train() forward of torch: the statistics of the batch
    # (taken before the step) enter with the same momentum
    net = flat_image_network("float64", seed=15)
    module = to_torch_module(net).train()
    X = image_inputs(net, seed=16, m=8)
    Y = np.random.default_rng(17).normal(size=(8, 2))
    with torch.no_grad():
        module(torch.from_numpy(X))
    net.fit(X, Y, epochs=1, batch_size=8, optimizer=gn.SGD(lr=1e-3), verbose=0)
    state = module.state_dict()
    for l in (3, 6):
        bn = net.layers[l - 1]
        np.testing.assert_allclose(
            bn.running_mean, state[f"{2 * (l - 1)}.running_mean"], rtol=1e-12
        )
        np.testing.assert_allclose(bn.running_var, state[f"{2 * (l - 1)}.running_var"], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", [image_network, flat_image_network])
def test_round_trip_glassnet_torch_glassnet_of_images(make: Any, dtype: str) -> None:
    net = make(dtype, seed=18)
    again = from_torch(to_torch_module(net), cost=net.cost_function, input_shape=net.input_shape)
    assert again.shapes == net.shapes and again.dtype == net.dtype
    assert [type(ly) for ly in again.layers] == [type(ly) for ly in net.layers]
    assert [ly.config() for ly in again.layers] == [ly.config() for ly in net.layers]
    for mine, theirs in zip(arrays(net), arrays(again), strict=True):
        assert list(mine) == list(theirs)
        for name in mine:
            np.testing.assert_array_equal(theirs[name], mine[name])
            assert theirs[name].dtype == np.dtype(dtype)
    X = image_inputs(net, seed=19)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_round_trip_torch_glassnet_torch_of_images(dtype: Any, tol: float) -> None:
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding="same"), nn.BatchNorm2d(4, momentum=0.3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.2),
        nn.Sequential(nn.Conv2d(4, 3, (3, 2), stride=2, padding=(1, 0), bias=False), nn.ELU()),
        nn.AvgPool2d(2, stride=1, padding=1), nn.Flatten(),
        nn.Linear(27, 6), nn.BatchNorm1d(6, eps=1e-4, affine=False), nn.GELU(),
        nn.Linear(6, 3), nn.Softmax(dim=1),
    ).to(dtype)  # fmt: skip
    with torch.no_grad():  # train a little, so that the running statistics are not 0 and 1
        for _ in range(3):
            module(torch.randn(16, 1, 9, 9, dtype=dtype) * 2 + 1)
    module.eval()
    net = from_torch(module, cost="cross_entropy", input_shape=(1, 9, 9))
    assert [type(ly).__name__ for ly in net.layers] == [
        "Conv2D", "BatchNorm", "MaxPool2D", "Conv2D", "AvgPool2D", "Flatten", "Dense",
        "BatchNorm", "Dense",
    ]  # fmt: skip
    assert [ly.activation.name for ly in net.layers] == [
        "identity", "relu", "identity", "elu", "identity", "identity", "identity", "gelu",
        "softmax",
    ]  # fmt: skip
    assert net.layers[0].padding == (1, 1) and net.layers[1].momentum == pytest.approx(0.3)
    np.testing.assert_array_equal(net.layers[3].b, 0.0)  # no bias: b = 0
    np.testing.assert_array_equal(net.layers[7].gamma, 1.0)  # affine=False: γ = 1, β = 0
    np.testing.assert_array_equal(net.layers[7].beta, 0.0)
    np.testing.assert_array_equal(net.layers[1].running_var, module[1].running_var.numpy())
    X = np.random.default_rng(20).normal(size=(5, 1, 9, 9)).astype(net.dtype)
    np.testing.assert_allclose(net.forward(X), torch_forward(module, X), rtol=0, atol=tol)
    back = to_torch_module(net).eval()
    np.testing.assert_allclose(torch_forward(back, X), torch_forward(module, X), rtol=0, atol=tol)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (nn.Conv2d(1, 2, 3, groups=1, dilation=2), "dilation=1"),
        (nn.Conv2d(2, 2, 3, groups=2), "groups=1"),
        (nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), "padding_mode='zeros'"),
        (nn.Conv2d(1, 2, 2, padding="same"), "even kernel"),
        (nn.MaxPool2d(2, ceil_mode=True), "ceil_mode=False"),
        (nn.MaxPool2d(2, dilation=2), "dilation=1"),
        (nn.AvgPool2d(2, count_include_pad=False), "count_include_pad=True"),
        (nn.AvgPool2d(2, divisor_override=3), "divisor_override=None"),
        (nn.Flatten(start_dim=2), "start_dim=1"),
        (nn.Unflatten(2, (1, 1)), "axis 1"),
        (nn.BatchNorm2d(1, track_running_stats=False), "running statistics"),
        (nn.BatchNorm2d(1, momentum=None), "momentum a number"),
        (nn.Conv1d(1, 1, 1), r"reads the layers Linear, Conv2d, MaxPool2d"),
        (nn.Sequential(nn.MaxPool2d(2), nn.ReLU()), r"ReLU\(\)\) follows MaxPool2d.*no activation"),
    ],
)
def test_from_torch_refuses_modules_glassnet_cannot_represent(bad: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        from_torch(nn.Sequential(bad, nn.Flatten()), input_shape=(1, 6, 6))
    assert "module '0" in str(caught.value)  # the module is named


def test_from_torch_needs_the_input_shape_of_images() -> None:
    for first in (nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.BatchNorm2d(1), nn.Flatten()):
        with pytest.raises(ValueError, match=rf"needs input_shape= .*nn.{type(first).__name__}"):
            from_torch(nn.Sequential(first, nn.Flatten()))
    # flat rows need none: a module that starts with Linear, BatchNorm1d or Unflatten
    net = from_torch(nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.MaxPool2d(2), nn.Flatten()))
    assert net.input_shape == (16,) and net.shapes[-1] == (4,)
    assert from_torch(nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1))).input_shape == (3,)


def test_from_torch_says_which_modules_do_not_chain() -> None:
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(10, 1))
    with pytest.raises(ValueError, match=r"layer 3 \(Dense\).*\(8,\).*modules 0, 2, 3"):
        from_torch(module, input_shape=(1, 4, 4))
    with pytest.raises(ValueError, match=r"takes 1 input channel"):
        from_torch(module, input_shape=(3, 4, 4))
    unflatten_images = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Unflatten(1, (1, 2, 2)))
    with pytest.raises(ValueError, match=r"'1' \(nn.Unflatten\).*flat rows only"):
        from_torch(unflatten_images, input_shape=(1, 2, 2))
    with pytest.raises(ValueError, match=r"does not record a convolution's stride"):
        from_torch(nn.Sequential(nn.Conv2d(1, 2, 3)).state_dict())


def test_to_torch_refuses_a_layer_type_of_ones_own() -> None:
    net = gn.Network([gn.Dense(2, 3), Scale(3), gn.Dense(3, 1)], seed=0)
    with pytest.raises(ValueError, match=r"layer 2 is Scale, which to_torch_module cannot"):
        to_torch_module(net)
    with pytest.raises(ValueError, match=r"layer 2 is Scale"):
        to_torch_state_dict(net)


def test_export_leaves_torchs_random_generator_alone() -> None:
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    to_torch_module(image_network("float32", seed=21))
    np.testing.assert_array_equal(torch.rand(3), expected)
