"""Residual blocks (glassnet.layers.residual) against the same blocks written by hand in PyTorch
(x + f(x)): the output and every parameter's gradient, dense and convolutional, nested, with a
projection; finite differences; training; files, checkpoints, astype and copy; the errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import BatchNorm, Conv2D, Flatten, Layer, Residual
from glassnet.layers.residual import _outer_name

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-10
ACT = {"identity": lambda z: z, "relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


# -- networks, and their twins in PyTorch --------------------------------------------------------


def mlp(seed: int = 0, dtype: str = "float64") -> gn.Network:
    """Dense → classic block relu(a + f(a)) → block with a projection (4 → 5) → Dense."""
    return gn.Network(
        [
            gn.Dense(3, 4, activation="tanh"),
            Residual(
                [gn.Dense(4, 4, activation="relu"), gn.Dense(4, 4, activation="identity")],
                activation="relu",
            ),
            Residual(
                [gn.Dense(4, 5, activation="tanh")],
                projection=gn.Dense(4, 5, activation="identity"),
            ),
            gn.Dense(5, 2, activation="sigmoid"),
        ],
        seed=seed,
        dtype=dtype,
    )


def nested(seed: int = 0, dtype: str = "float64") -> gn.Network:
    """A block whose first layer is itself a block, with BatchNorm inside."""
    inner = Residual([gn.Dense(4, 4, activation="tanh"), BatchNorm(4), gn.Dense(4, 4)])
    outer = Residual([inner, gn.Dense(4, 4, activation="tanh")], activation="tanh")
    return gn.Network(
        [gn.Dense(3, 4, activation="tanh"), outer, gn.Dense(4, 2, activation="sigmoid")],
        seed=seed,
        dtype=dtype,
    )


def cnn(seed: int = 0, dtype: str = "float64") -> gn.Network:
    """2-channel 6×5 images: a conv block with BatchNorm, a strided block with a 1×1 projection."""
    return gn.Network(
        [
            Conv2D(2, 3, 3, padding=1, activation="tanh"),
            Residual(
                [
                    Conv2D(3, 3, 3, padding=1, activation="relu"),
                    BatchNorm(3),
                    Conv2D(3, 3, 3, padding=1, activation="identity"),
                ],
                activation="relu",
            ),
            Residual(
                [
                    Conv2D(3, 4, 3, stride=2, padding=1, activation="tanh"),
                    Conv2D(4, 4, 1, activation="identity"),
                ],
                projection=Conv2D(3, 4, 1, stride=2, activation="identity"),
                activation="tanh",
            ),
            Flatten(),
            gn.Dense(4 * 3 * 3, 2, activation="sigmoid"),
        ],
        seed=seed,
        dtype=dtype,
        input_shape=(2, 6, 5),
    )


def first(seed: int = 0, dtype: str = "float64") -> gn.Network:
    """Blocks as layers 1 and 2: the input shape comes from the block's first Dense layer, and
    nothing is passed back below layer 1."""
    return gn.Network(
        [
            Residual([gn.Dense(3, 3, activation="tanh")], activation="tanh"),
            Residual(
                [gn.Dense(3, 4, activation="tanh")],
                projection=gn.Dense(3, 4, activation="identity"),
            ),
            gn.Dense(4, 2, activation="sigmoid"),
        ],
        seed=seed,
        dtype=dtype,
    )


NETS = [mlp, nested, cnn, first]


def randomise(net: gn.Network, seed: int) -> None:
    """Every parameter random (biases and BatchNorm's γ, β too), so that each one matters."""
    rng = np.random.default_rng(seed)
    net.set_parameter_vector(rng.normal(scale=0.7, size=net.n_params))


def data(net: gn.Network, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, *net.input_shape)), rng.uniform(size=(m, 2))


def torch_layer(layer: Layer, p: dict[str, Any], x: Any, training: bool) -> Any:
    """The layer's a = σ(z) in torch, written out by hand, its parameters ``p`` by name."""
    if isinstance(layer, Residual):
        f = x
        for k, sub in enumerate(layer.layers, start=1):
            f = torch_layer(sub, _sub(p, sub, str(k)), f, training)
        skip = x
        if layer.projection is not None:
            skip = torch_layer(layer.projection, _sub(p, layer.projection, "p"), x, training)
        z = skip + f  # the skip connection: z = a + f(a)
    elif isinstance(layer, gn.Dense):
        z = x @ p["W"].T + p["b"]
    elif isinstance(layer, Conv2D):
        z = F.conv2d(x, p["W"], p["b"], stride=layer.stride, padding=layer.padding)
    elif isinstance(layer, BatchNorm):
        mean = torch.tensor(layer.running_mean)
        var = torch.tensor(layer.running_var)
        z = F.batch_norm(x, mean, var, p["gamma"], p["beta"], training=training, eps=layer.eps)
    elif isinstance(layer, Flatten):
        z = x.reshape(len(x), -1)
    else:  # pragma: no cover
        raise AssertionError(layer)
    return ACT[layer.activation.name](z)


def _sub(p: dict[str, Any], layer: Layer, tag: str) -> dict[str, Any]:
    """A sub-layer's parameters out of the block's, by the block's naming."""
    return {name: p[_outer_name(name, tag)] for name in layer.parameter_names}


class Twin:
    """The network in torch: one leaf tensor per parameter (by the block's names)."""

    def __init__(self, net: gn.Network) -> None:
        self.net = net
        self.params = [
            {name: torch.tensor(np.array(arr), requires_grad=True) for name, arr in p.items()}
            for p in (layer.parameters() for layer in net.layers)
        ]

    def forward(self, X: np.ndarray, training: bool = True) -> Any:
        a = torch.tensor(X)
        for layer, p in zip(self.net.layers, self.params, strict=True):
            a = torch_layer(layer, p, a, training)
        return a

    def cost(self, X: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None) -> Any:
        per_sample = 0.5 * ((self.forward(X) - torch.tensor(Y)) ** 2).sum(dim=1)  # ½‖a − y‖²
        if weights is None:
            return per_sample.mean()
        s = torch.tensor(weights)
        return (s * per_sample).sum() / s.sum()


def assert_same_gradients(net: gn.Network, grads: Any, twin: Twin) -> None:
    for l, p in enumerate(twin.params, start=1):
        assert set(grads[l]) == set(p)
        for name, leaf in p.items():
            np.testing.assert_allclose(
                grads[l][name], leaf.grad.numpy(), rtol=RTOL, atol=1e-13, err_msg=f"{name}[{l}]"
            )


# -- parity with PyTorch --------------------------------------------------------------------------


@pytest.mark.parametrize("make", NETS)
def test_output_and_every_gradient_equal_pytorch(make: Any) -> None:
    net = make()
    randomise(net, 1)
    X, Y = data(net, 6, 2)
    twin = Twin(net)
    np.testing.assert_allclose(net.forward(X), twin.forward(X, False).detach().numpy(), rtol=RTOL)
    C = twin.cost(X, Y)
    C.backward()
    t = net.trace(X, Y)
    np.testing.assert_allclose(t.a[net.L], twin.forward(X).detach().numpy(), rtol=RTOL)
    assert t.cost == pytest.approx(C.item(), rel=RTOL)
    assert_same_gradients(net, t.gradients, twin)
    assert_same_gradients(net, net.gradients(X, Y), twin)  # without record: the fit path


@pytest.mark.parametrize("make", NETS)
def test_sample_weights_reach_the_gradients_inside_the_block(make: Any) -> None:
    net = make()
    randomise(net, 3)
    X, Y = data(net, 5, 4)
    s = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    twin = Twin(net)
    twin.cost(X, Y, s).backward()
    _, _, grads = net.cost_and_gradients(X, Y, sample_weight=s)
    assert_same_gradients(net, grads, twin)


@pytest.mark.parametrize("make", NETS)
def test_float32_forward_equals_pytorch(make: Any) -> None:
    net = make(dtype="float32")
    randomise(net, 5)
    X, _ = data(net, 4, 6)
    x = X.astype(np.float32)
    twin = Twin(net)
    np.testing.assert_allclose(
        net.forward(x), twin.forward(x, False).detach().numpy(), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("make", NETS)
def test_finite_differences(make: Any) -> None:
    net = make()
    randomise(net, 7)
    X, Y = data(net, 5, 8)
    check = gn.gradient_check(net, X, Y)
    assert check.max_rel_error < 1e-6, check


def test_the_block_names_its_sub_layers_parameters() -> None:
    net = nested()
    block = net.layers[1]
    assert block.parameter_names == (
        ("W1_1", "b1_1", "gamma_2_1", "beta_2_1", "W3_1", "b3_1", "W2", "b2")
    )
    assert block.buffer_names == ("running_mean_2_1", "running_var_2_1")
    assert block.penalised == ("W1_1", "W3_1", "W2")
    assert block.W1_1 is block.layers[0].layers[0].W  # the live array
    assert list(block.parameter_shapes()) == [*block.parameter_names, *block.buffer_names]
    block.W2 = np.ones((4, 4))
    assert block.layers[1].W is block.W2 and block.W2.sum() == 16
    proj = mlp().layers[2]
    assert proj.parameter_names == ("W1", "b1", "Wp", "bp") and proj.Wp.shape == (5, 4)
    assert proj.formula == "p(a^(l−1)) + f(a^(l−1))" and block.formula == "a^(l−1) + f(a^(l−1))"
    assert "Residual" in net.summary()


def test_penalties_reach_the_weights_inside_the_block() -> None:
    net = mlp()
    randomise(net, 9)
    net.l2, net.l1 = 0.3, 0.05
    X, Y = data(net, 4, 10)
    grads, plain = net.gradients(X, Y), mlp()
    randomise(plain, 9)
    base = plain.gradients(X, Y)
    W = net.layers[1].W2
    np.testing.assert_allclose(grads[2]["W2"], base[2]["W2"] + 0.3 * W + 0.05 * np.sign(W))
    np.testing.assert_array_equal(grads[2]["b2"], base[2]["b2"])
    assert gn.gradient_check(net, X, Y).max_rel_error < 1e-6


# -- training, files, copies ---------------------------------------------------------------------


@pytest.mark.parametrize("make", NETS)
def test_fit_trains(make: Any) -> None:
    net = make(dtype="float32")
    X, _ = data(net, 40, 11)
    Y = (np.tanh(X.reshape(40, -1)[:, :2]) + 1) / 2
    before = net.cost(X, Y)
    net.fit(X, Y, epochs=15, batch_size=8, optimizer=gn.Adam(lr=0.01), seed=0, verbose=0)
    assert net.cost(X, Y) < 0.7 * before


def test_dropout_on_the_block() -> None:
    block = Residual([gn.Dense(4, 4, activation="tanh")], dropout=0.5)
    net = gn.Network([gn.Dense(3, 4), block, gn.Dense(4, 2)], seed=0, dtype="float64")
    X, Y = data(net, 6, 12)
    masks = net.dropout_masks(6, 1)
    assert masks[2].shape == (6, 4)
    assert gn.gradient_check(net, X, Y, masks=masks).max_rel_error < 1e-6


@pytest.mark.parametrize("make", NETS)
def test_a_model_file_round_trip(make: Any, tmp_path: Path) -> None:
    net = make()
    X, _ = data(net, 20, 13)
    Y = (np.tanh(X.reshape(20, -1)[:, :2]) + 1) / 2
    net.fit(X, Y, epochs=2, batch_size=5, optimizer=gn.Adam(lr=0.01), verbose=0)
    gn.save(net, tmp_path / "res.safetensors")
    again = gn.load(tmp_path / "res.safetensors")
    assert again.summary() == net.summary()
    assert repr(again.layers[1]) == repr(net.layers[1])
    for mine, theirs in zip(again.layers, net.layers, strict=True):
        for name, arr in {**theirs.parameters(), **theirs.buffers()}.items():
            np.testing.assert_array_equal(getattr(mine, name), arr, err_msg=name)
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


@pytest.mark.parametrize("make", [nested, cnn])
def test_a_checkpoint_resumes_exactly(make: Any, tmp_path: Path) -> None:
    path = tmp_path / "run.ckpt.safetensors"
    whole = make()
    X, _ = data(whole, 16, 14)
    Y = (np.tanh(X.reshape(16, -1)[:, :2]) + 1) / 2
    whole.fit(X, Y, epochs=4, batch_size=4, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0)
    first = make()
    first.fit(X, Y, epochs=2, batch_size=4, optimizer=gn.Adam(lr=0.02), seed=1, verbose=0,
              callbacks=[gn.Checkpoint(path)])  # fmt: skip
    state = gn.load_checkpoint(path)
    last = whole.layers[1].parameter_names[-1]  # the optimizer's buffers use the block's names
    assert f"exp_avg.{last}[2]" in state.optimizer.state_dict()
    state.resume(X, Y, epochs=4, verbose=0)
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())
    for mine, theirs in zip(state.net.layers, whole.layers, strict=True):
        for name, arr in theirs.buffers().items():
            np.testing.assert_array_equal(getattr(mine, name), arr, err_msg=name)


@pytest.mark.parametrize("make", NETS)
def test_astype_and_copy(make: Any) -> None:
    net = make(dtype="float32")
    X, Y = data(net, 4, 15)
    wide = net.astype("float64")
    block = wide.layers[1]
    for name in [*block.parameter_names, *block.buffer_names]:
        assert getattr(block, name).dtype == np.float64, name
        assert getattr(net.layers[1], name).dtype == np.float32, name
    np.testing.assert_allclose(wide.forward(X), net.forward(X), rtol=1e-5, atol=1e-6)
    assert gn.gradient_check(wide, X, Y).max_rel_error < 1e-6
    twin = net.copy()
    name = twin.layers[1].parameter_names[0]
    getattr(twin.layers[1], name)[...] += 1.0
    assert not np.array_equal(getattr(twin.layers[1], name), getattr(net.layers[1], name))


def test_config_round_trip() -> None:
    for make in NETS:
        for layer in make().layers:
            if isinstance(layer, Residual):
                again = Residual.from_config(layer.config())
                again.connect(layer.input_shape)
                assert repr(again) == repr(layer)
                assert again.parameter_shapes() == layer.parameter_shapes()


def test_explain_parameter_looks_inside_a_block() -> None:
    """(tests/test_explain_residual.py holds the glass box's own tests)"""
    net = mlp()
    X, Y = data(net, 3, 16)
    e = gn.explain_parameter(net, X, Y, 2, "W1", (0, 0))
    assert e.value == pytest.approx(net.gradients(X, Y)[2]["W1"][0, 0])
    e = gn.explain_parameter(net, X, Y, 4, "W", (0, 0))  # layers outside blocks still explain
    assert e.value == pytest.approx(net.gradients(X, Y)[4]["W"][0, 0])


# -- errors ---------------------------------------------------------------------------------------


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="non-empty list of layers"):
        Residual([])
    with pytest.raises(ValueError, match="non-empty list of layers"):
        Residual(gn.Dense(2, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"layer 2 of f must be a glassnet layer.*got int"):
        Residual([gn.Dense(2, 2), 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="projection must be a glassnet layer"):
        Residual([gn.Dense(2, 2)], projection="dense")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"layer 1 of f has dropout=0\.5.*give the Residual"):
        Residual([gn.Dense(2, 2, dropout=0.5)])
    same = gn.Dense(2, 2)
    with pytest.raises(ValueError, match="same layer object appears twice"):
        Residual([same, same])
    with pytest.raises(ValueError, match="activation"):
        Residual([gn.Dense(2, 2)], activation="nope")
    with pytest.raises(ValueError, match="dropout"):
        Residual([gn.Dense(2, 2)], dropout=1.5)


def test_shapes_that_do_not_fit() -> None:
    with pytest.raises(
        ValueError, match=r"layer 2 \(Residual\) gets inputs of shape \(4,\) from layer 1, but "
        r"its layers f turn the shape \(4,\) into \(5,\).*give a projection"
    ):  # fmt: skip
        gn.Network([gn.Dense(3, 4), Residual([gn.Dense(4, 5)]), gn.Dense(5, 1)])
    with pytest.raises(ValueError, match=r"its projection gives outputs of shape \(6,\), but"):
        gn.Network([gn.Dense(3, 4), Residual([gn.Dense(4, 5)], projection=gn.Dense(4, 6))])
    with pytest.raises(ValueError, match=r"its projection \(Dense\) gets inputs of shape \(4,\)"):
        gn.Network([gn.Dense(3, 4), Residual([gn.Dense(4, 5)], projection=gn.Dense(3, 5))])
    with pytest.raises(
        ValueError, match=r"its layer 2 of f \(Dense\) gets inputs of shape \(5,\) from layer 1 "
        r"of f, but takes inputs of shape \(4,\)"
    ):  # fmt: skip
        gn.Network([gn.Dense(3, 4), Residual([gn.Dense(4, 5), gn.Dense(4, 4)])])
    with pytest.raises(ValueError, match="takes 3 input channel"):
        gn.Network([Residual([Conv2D(3, 2, 1)])], input_shape=(2, 4, 4))


def test_bad_configs() -> None:
    with pytest.raises(ValueError, match="needs 'layers', a list"):
        Residual.from_config({"layers": "Dense"})
    with pytest.raises(ValueError, match=r"\{'type': <class name>"):
        Residual.from_config({"layers": [{"n_in": 2, "n_out": 2}]})
    with pytest.raises(ValueError, match="'Nope', which is not registered"):
        Residual.from_config({"layers": [{"type": "Nope"}]})
