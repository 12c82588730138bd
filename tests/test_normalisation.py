"""BatchNorm (glassnet.layers.normalisation) against PyTorch's batch normalisation: forward in
training and prediction, every gradient, the running statistics after training; finite
differences; sample weights; the errors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import LAYERS, Cache, Layer
from glassnet.layers.normalisation import BatchNorm

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
}
RTOL = 1e-10


class Reshape(Layer):
    """The test's own reshaping layer: one sample's numbers laid out in ``shape`` (a stand-in
    for gn.Reshape and gn.Flatten, so that Dense and image layers meet)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def connect(self, input_shape: tuple[int, ...]) -> None:
        if np.prod(input_shape) != np.prod(self.shape):
            raise ValueError(f"cannot lay {input_shape} out as {self.shape}")
        self.input_shape, self.output_shape = tuple(input_shape), self.shape

    def weighted_input(self, a_prev: Any, cache: Cache | None = None) -> Any:
        z = a_prev.reshape(a_prev.shape[0], *self.shape)
        if cache is None:
            return z
        cache.z[...] = z
        return cache.z

    def backward_delta(self, delta: Any, cache: Cache, rows: Any, need: bool = True) -> Any:
        if not need:
            return None
        cache.dC_da_prev[...] = delta.reshape(cache.dC_da_prev.shape)
        return cache.dC_da_prev


def dense_net(
    momentum: float = 0.1, eps: float = 1e-5, dtype: str = "float64", seed: int = 0
) -> gn.Network:
    """Dense → BatchNorm (with σ) → Dense on (m, 4) inputs, 3 outputs."""
    layers = [
        gn.Dense(4, 5, activation="identity"),
        BatchNorm(5, momentum=momentum, eps=eps, activation="tanh"),
        gn.Dense(5, 3, activation="identity"),
    ]
    return gn.Network(layers, cost="mse", seed=seed, dtype=dtype)


def image_net(
    C: int = 3, H: int = 3, W: int = 5, momentum: float = 0.1, eps: float = 1e-5, seed: int = 0
) -> gn.Network:
    """Dense → (C, H, W) → BatchNorm → flat → Dense on (m, 6) inputs, 2 outputs."""
    n = C * H * W
    layers = [
        gn.Dense(6, n, activation="identity"),
        Reshape((C, H, W)),
        BatchNorm(C, momentum=momentum, eps=eps, activation="relu"),
        Reshape((n,)),
        gn.Dense(n, 2, activation="identity"),
    ]
    return gn.Network(layers, cost="mse", seed=seed, dtype="float64")


def randomise(net: gn.Network, seed: int) -> None:
    """γ, β and the running statistics away from their starting values (1, 0, 0, 1)."""
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        if isinstance(layer, BatchNorm):
            layer.gamma[...] = rng.uniform(0.5, 1.5, layer.n)
            layer.beta[...] = rng.normal(size=layer.n)
            layer.running_mean[...] = rng.normal(size=layer.n)
            layer.running_var[...] = rng.uniform(0.5, 2.0, layer.n)


class TorchTwin:
    """The same network in PyTorch: its parameters and running statistics copied from glassnet's,
    batch normalisation by ``torch.nn.functional.batch_norm``."""

    def __init__(self, net: gn.Network) -> None:
        self.net = net
        dt = {"float64": torch.float64, "float32": torch.float32}[str(net.dtype)]
        self.params = [
            {
                k: torch.tensor(v.copy(), dtype=dt, requires_grad=True)
                for k, v in lay.parameters().items()
            }
            for lay in net.layers
        ]
        self.buffers = [
            {k: torch.tensor(v.copy(), dtype=dt) for k, v in lay.buffers().items()}
            for lay in net.layers
        ]
        self.dtype = dt

    def forward(self, X: np.ndarray, training: bool) -> Any:
        a = torch.tensor(X, dtype=self.dtype)
        for layer, p, b in zip(self.net.layers, self.params, self.buffers, strict=True):
            if isinstance(layer, gn.Dense):
                z = a @ p["W"].T + p["b"]
            elif isinstance(layer, BatchNorm):
                z = F.batch_norm(
                    a,
                    b["running_mean"],
                    b["running_var"],
                    p["gamma"],
                    p["beta"],
                    training=training,
                    momentum=layer.momentum,
                    eps=layer.eps,
                )
            else:
                z = a.reshape(a.shape[0], *layer.output_shape)
            a = TORCH_ACTIVATIONS[layer.activation.name](z)
        return a

    def cost(self, X: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None) -> Any:
        """mse: C_i = ‖a_i − y_i‖², their mean (or weighted mean), in training mode."""
        per_sample = ((self.forward(X, True) - torch.tensor(Y)) ** 2).sum(dim=1)
        if weights is None:
            return per_sample.mean()
        w = torch.tensor(weights)
        return (w * per_sample).sum() / w.sum()

    def grads(self) -> list[dict[str, np.ndarray]]:
        return [{k: v.grad.numpy() for k, v in p.items()} for p in self.params]


def data(net: gn.Network, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, *net.input_shape)) * 2.0 + 0.5
    return X, rng.normal(size=(m, net.sizes[-1]))


def assert_same_gradients(net: gn.Network, got: gn.Gradients, twin: TorchTwin) -> None:
    for l, expected in enumerate(twin.grads(), start=1):
        for name, g in expected.items():
            np.testing.assert_allclose(
                got[l][name], g, rtol=RTOL, atol=1e-13, err_msg=f"{name}[{l}]"
            )


# -- forward and backward against PyTorch ----------------------------------------------------------


@pytest.mark.parametrize("make", [dense_net, image_net], ids=["(m, n)", "(m, C, H, W)"])
def test_forward_and_every_gradient_equal_pytorch(make: Any) -> None:
    net = make()
    randomise(net, 1)
    X, Y = data(net, 7, 2)
    twin = TorchTwin(net)
    # prediction: the running statistics (torch's eval mode; before its training mode moves them)
    np.testing.assert_allclose(net.forward(X), twin.forward(X, False).detach().numpy(), rtol=RTOL)
    C = twin.cost(X, Y)
    C.backward()
    t = net.trace(X, Y)  # a training computation: the mini-batch's statistics
    np.testing.assert_allclose(t.a[net.L], twin.forward(X, True).detach().numpy(), rtol=RTOL)
    assert t.cost == pytest.approx(C.item(), rel=RTOL)
    assert_same_gradients(net, t.gradients, twin)  # γ, β, and the Dense layers on both sides


def test_a_single_image_per_batch_has_H_times_W_values_per_channel() -> None:
    net = image_net(C=2, H=2, W=3)
    X, Y = data(net, 1, 3)  # m = 1, but 6 numbers per channel: PyTorch trains on it too
    twin = TorchTwin(net)
    twin.cost(X, Y).backward()
    assert_same_gradients(net, net.gradients(X, Y), twin)


def test_images_as_the_networks_input() -> None:
    C, H, W = 2, 3, 3
    layers = [BatchNorm(C, activation="tanh"), Reshape((C * H * W,)), gn.Dense(C * H * W, 2)]
    net = gn.Network(layers, cost="mse", seed=0, dtype="float64", input_shape=(C, H, W))
    randomise(net, 4)
    X, Y = data(net, 4, 5)
    assert X.shape == (4, C, H, W)
    twin = TorchTwin(net)
    twin.cost(X, Y).backward()
    t = net.trace(X, Y)
    assert t.z[1].shape == t.a[1].shape == (4, C, H, W)
    assert_same_gradients(net, t.gradients, twin)
    assert t.dC_da[0].shape == X.shape  # ∂C_i/∂a^(0): every input pixel's share


@pytest.mark.parametrize("make", [dense_net, image_net], ids=["(m, n)", "(m, C, H, W)"])
def test_float32_forward_equals_pytorch(make: Any) -> None:
    net = make().astype("float32")
    randomise(net, 6)
    X, Y = data(net, 8, 7)
    twin = TorchTwin(net)
    x = X.astype(np.float32)
    predict = twin.forward(x, False).detach().numpy()  # eval mode first: train mode moves them
    train = twin.forward(x, True).detach().numpy()
    np.testing.assert_allclose(net.forward(x), predict, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(net.trace(x, Y).a[net.L], train, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("make", "momentum", "eps"),
    [
        (dense_net, 0.1, 1e-5),
        (dense_net, 0.35, 1e-2),
        (image_net, 0.1, 1e-5),
        (image_net, 0.6, 0.5),
    ],
)
def test_training_equals_pytorchs_loop(make: Any, momentum: float, eps: float) -> None:
    """fit with SGD on the same mini-batches as torch's loop: the same weights, γ, β and
    running statistics (updated with momentum and the unbiased variance) after every epoch."""
    net = make(momentum=momentum, eps=eps)
    X, Y = data(net, 12, 8)
    twin = TorchTwin(net)
    opt = torch.optim.SGD([p for ps in twin.params for p in ps.values()], lr=0.05)
    bn = net.layers[1] if make is dense_net else net.layers[2]
    kept = bn.running_mean, bn.running_var
    for _ in range(3):
        net.fit(X, Y, epochs=1, batch_size=4, optimizer=gn.SGD(lr=0.05), shuffle=False, verbose=0)
        for lo in range(0, 12, 4):
            opt.zero_grad()
            twin.cost(X[lo : lo + 4], Y[lo : lo + 4]).backward()
            opt.step()
        for layer, p, b in zip(net.layers, twin.params, twin.buffers, strict=True):
            for name, value in {**p, **b}.items():
                # (atol: b^(1) before BatchNorm has a gradient of 0, its μ_B takes b away; it
                # moves by rounding noise only)
                np.testing.assert_allclose(
                    getattr(layer, name),
                    value.detach().numpy(),
                    rtol=RTOL,
                    atol=1e-14,
                    err_msg=name,
                )
    assert bn.running_mean is kept[0] and bn.running_var is kept[1]  # updated in place
    assert not np.allclose(bn.running_var, 1.0)


def test_only_fit_updates_the_running_statistics() -> None:
    net = dense_net()
    X, Y = data(net, 6, 9)
    bn = net.layers[1]
    before = bn.running_mean.copy(), bn.running_var.copy()
    net.gradients(X, Y)
    net.trace(X, Y)
    gn.gradient_check(net, X, Y)
    net.cost(X, Y, training=True)
    net.evaluate(X, Y)
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])


# -- the chain rule, checked other ways -----------------------------------------------------------


@pytest.mark.parametrize("make", [dense_net, image_net], ids=["(m, n)", "(m, C, H, W)"])
def test_gradient_check_passes(make: Any) -> None:
    net = make()
    randomise(net, 10)
    X, Y = data(net, 5, 11)
    check = gn.gradient_check(net, X, Y)  # finite differences of the training-mode cost
    assert check.passed and check.max_rel_error < 1e-6, check


@pytest.mark.parametrize(("make", "l"), [(dense_net, 2), (image_net, 3)], ids=["(m, n)", "images"])
def test_parameter_paths_explain_gamma_and_beta(make: Any, l: int) -> None:
    net = make()
    randomise(net, 12)
    X, Y = data(net, 6, 13)
    grads = net.gradients(X, Y)
    bn = net.layers[l - 1]
    t = net.trace(X, Y)
    for name in ("gamma", "beta"):
        for c in range(bn.n):
            paths = bn.parameter_paths(name, (c,), t.a[l - 1])
            assert len(paths) == int(np.prod(bn.output_shape[1:]))  # one per position
            value = sum(float(np.mean(t.delta[l][(slice(None), *out)] * f)) for out, f in paths)
            assert value == pytest.approx(grads[l][name][c], rel=1e-10, abs=1e-14)
            e = gn.explain_parameter(net, X, Y, l, name, (c,))
            assert e.value == pytest.approx(grads[l][name][c], rel=1e-10, abs=1e-14)


# -- sample weights --------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [dense_net, image_net], ids=["(m, n)", "(m, C, H, W)"])
def test_positive_sample_weights_equal_pytorchs_weighted_loss(make: Any) -> None:
    """The weights enter the cost; the batch statistics stay unweighted (as in PyTorch)."""
    net = make()
    randomise(net, 14)
    X, Y = data(net, 6, 15)
    s = np.array([1.0, 3.0, 0.5, 2.0, 1.0, 0.25])
    twin = TorchTwin(net)
    C = twin.cost(X, Y, s)
    C.backward()
    cost, _, grads = net.cost_and_gradients(X, Y, sample_weight=s)
    assert cost == pytest.approx(C.item(), rel=RTOL)
    assert_same_gradients(net, grads, twin)


def test_a_zero_sample_weight_is_refused() -> None:
    net = dense_net()
    X, Y = data(net, 4, 16)
    with pytest.raises(ValueError, match=r"couples the samples.*weight to be positive"):
        net.cost_and_gradients(X, Y, sample_weight=[1.0, 0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="couples the samples"):
        net.fit(X, Y, epochs=1, batch_size=2, sample_weight=[1, 1, 0, 1], verbose=0)


# -- training --------------------------------------------------------------------------------------


def test_fit_trains_and_prediction_uses_the_running_statistics() -> None:
    rng = np.random.default_rng(17)
    X = rng.normal(size=(60, 2)) * [3.0, 0.2] + [5.0, -1.0]  # badly scaled features
    labels = ((X[:, 0] - 5.0) / 3.0 + (X[:, 1] + 1.0) / 0.2 > 0).astype(int)
    layers = [
        gn.Dense(2, 8, activation="identity"),
        BatchNorm(8, activation="relu"),
        gn.Dense(8, 2, activation="softmax"),
    ]
    net = gn.Network(layers, cost="cross_entropy", seed=1, dtype="float64")
    before, scores = net.cost(X, labels, training=True), net.evaluate(X, labels)
    h = net.fit(X, labels, epochs=30, batch_size=10, optimizer=gn.Adam(lr=0.02), verbose=0, seed=0)
    assert h.loss[-1] < h.loss[0] and net.cost(X, labels, training=True) < before
    after = net.evaluate(X, labels)  # prediction, with the running statistics
    assert after["loss"] < scores["loss"] and after["accuracy"] > scores["accuracy"]
    bn = net.layers[1]
    a1 = net.layers[0].forward(X)
    expected = np.maximum(
        bn.gamma * (a1 - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta, 0.0
    )
    np.testing.assert_allclose(bn.forward(a1), expected, rtol=1e-12)  # no cache: prediction
    training = net.trace(X, labels).a[2]  # the mini-batch's statistics instead
    assert not np.allclose(training, expected)


def test_astype_and_copy_carry_the_running_statistics() -> None:
    net = dense_net(dtype="float32")
    X, Y = data(net, 8, 18)
    net.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    wide = net.astype("float64")
    for name in ("gamma", "beta", "running_mean", "running_var"):
        assert getattr(wide.layers[1], name).dtype == np.float64
        np.testing.assert_array_equal(getattr(wide.layers[1], name), getattr(net.layers[1], name))
    twin = net.copy()
    kept = net.layers[1].running_mean.copy()
    twin.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    np.testing.assert_array_equal(net.layers[1].running_mean, kept)
    assert not np.array_equal(twin.layers[1].running_mean, kept)


# -- errors, configuration ------------------------------------------------------------------------


def test_one_value_per_feature_cannot_be_normalised() -> None:
    net = dense_net()
    X, Y = data(net, 5, 19)
    with pytest.raises(ValueError, match=r"more than 1 value per feature.*batch_size >= 2"):
        net.gradients(X[:1], Y[:1])
    with pytest.raises(ValueError, match="leaves none over"):  # 5 = 2 + 2 + 1
        net.fit(X, Y, epochs=1, batch_size=2, verbose=0)
    assert net.forward(X[:1]).shape == (1, 3)  # prediction needs no mini-batch
    one_pixel = image_net(C=2, H=1, W=1)  # m·H·W = 1 value per channel: refused as well
    X, Y = data(one_pixel, 1, 20)
    with pytest.raises(ValueError, match=r"inputs of shape \(1, 2, 1, 1\)"):
        one_pixel.gradients(X, Y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "BatchNorm n must be a positive integer, got 0"),
        ({"n": 2.5}, "BatchNorm n must be a positive integer"),
        ({"n": 3, "momentum": -0.1}, "BatchNorm momentum must be a number from 0 to 1"),
        ({"n": 3, "momentum": 1.5}, "BatchNorm momentum must be a number from 0 to 1"),
        ({"n": 3, "momentum": None}, "BatchNorm momentum must be"),
        ({"n": 3, "eps": 0.0}, "BatchNorm eps must be a small positive number"),
        ({"n": 3, "eps": float("nan")}, "BatchNorm eps must be"),
        ({"n": 3, "activation": "nope"}, "nope"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BatchNorm(**kwargs)


def test_a_network_refuses_the_wrong_number_of_features() -> None:
    with pytest.raises(
        ValueError,
        match=r"layer 2 \(BatchNorm\) gets inputs of shape \(4,\) from "
        r"layer 1, but normalises n = 5 features.*BatchNorm\(4\)",
    ):
        gn.Network([gn.Dense(3, 4), BatchNorm(5)])
    with pytest.raises(ValueError, match=r"shape \(2, 3, 3\).*BatchNorm\(2\)"):
        gn.Network([BatchNorm(3), Reshape((18,)), gn.Dense(18, 1)], input_shape=(2, 3, 3))


def test_config_round_trip() -> None:
    assert LAYERS["BatchNorm"] is BatchNorm  # model files know the type
    layer = BatchNorm(
        6, momentum=0.2, eps=1e-3, activation=gn.activations.get("leaky_relu", slope=0.2)
    )
    config = json.loads(json.dumps(layer.config()))
    again = BatchNorm.from_config(config)
    assert again.config() == layer.config() and repr(again) == repr(layer)
    assert repr(layer) == "BatchNorm(6, momentum=0.2, eps=0.001, activation=leaky_relu(slope=0.2))"
    assert repr(BatchNorm(4)) == "BatchNorm(4)"
    assert again.gamma.size == 0  # from_config allocates nothing; build does
    assert layer.parameter_shapes() == dict.fromkeys(
        ("gamma", "beta", "running_mean", "running_var"), (6,)
    )  # parameters, then buffers: what a model file holds
    assert layer.penalised == () and layer.buffer_names == ("running_mean", "running_var")
    net = gn.Network([gn.Dense(3, 6), again], seed=0)
    assert net.layers[1].gamma.tolist() == [1.0] * 6 and net.layers[1].beta.tolist() == [0.0] * 6
    assert net.layers[1].running_mean.tolist() == [0.0] * 6
    assert net.layers[1].running_var.tolist() == [1.0] * 6


def test_a_diverging_run_puts_the_running_statistics_back_with_the_weights() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, 60)
    net = gn.Network(
        [gn.Dense(4, 8), BatchNorm(8, activation="relu"), gn.Dense(8, 3, activation="softmax")],
        cost="cross_entropy",
        seed=0,
    )
    starts: list[dict[str, np.ndarray]] = []

    class Record(gn.Callback):  # the state each epoch starts from, before its first step
        def on_epoch_begin(self, run: Any) -> None:
            state = {name: a.copy() for name, a in net.layers[1].buffers().items()}
            starts.append({**state, "W1": net.W[1].copy(), "W3": net.W[3].copy()})
            if run.epoch == 3:  # from here on the steps are absurdly large: the run diverges
                run.optimizer.lr = 1e30

    with pytest.warns(RuntimeWarning, match="diverged|blew up|infinite"):
        history = net.fit(X, y, epochs=5, batch_size=20, optimizer=gn.SGD(lr=0.1),
                          callbacks=[Record()], verbose=0, shuffle=False)  # fmt: skip
    assert history.diverged and history.stop is not None
    sound = starts[history.stop.restored_epoch - 1]  # the epoch whose start was put back
    for name, kept in sound.items():
        live = {"W1": net.W[1], "W3": net.W[3], **net.layers[1].buffers()}[name]
        np.testing.assert_array_equal(live, kept, err_msg=name)
