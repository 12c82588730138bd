"""Optimizers: step by step against torch.optim, against the plain equations, and their
contract (in place, gradients untouched, inspectable state, state_dict round trip, errors)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    NamedOptimizer,
    Optimizer,
    ParameterBuffer,
    RMSprop,
    by_name,
    register,
    registered_classes,
)
from glassnet.optimizers.registry import _new_name, _one_line
from helpers import xor_data

# (id, glassnet class, keyword arguments): the same arguments make the torch.optim optimizer
CASES: list[tuple[str, type[Optimizer], dict[str, Any]]] = [
    ("sgd", SGD, {"lr": 0.5}),
    ("sgd-momentum", SGD, {"lr": 0.1, "momentum": 0.9}),
    ("sgd-dampening", SGD, {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}),
    ("sgd-nesterov", SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd-weight-decay", SGD, {"lr": 0.2, "weight_decay": 0.05}),
    (
        "sgd-all",
        SGD,
        {"lr": 0.1, "momentum": 0.7, "nesterov": True, "weight_decay": 0.01},
    ),
    ("adagrad", Adagrad, {"lr": 0.1}),
    (
        "adagrad-all",
        Adagrad,
        {"lr": 0.2, "weight_decay": 0.05, "initial_accumulator_value": 0.1, "lr_decay": 0.01},
    ),
    ("rmsprop", RMSprop, {"lr": 0.01}),
    ("rmsprop-centered", RMSprop, {"lr": 0.01, "centered": True}),
    ("rmsprop-momentum", RMSprop, {"lr": 0.01, "momentum": 0.9}),
    (
        "rmsprop-all",
        RMSprop,
        {"lr": 0.005, "alpha": 0.3, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
    ),
    ("adam", Adam, {"lr": 0.01}),
    ("adam-amsgrad", Adam, {"lr": 0.01, "amsgrad": True}),
    ("adam-weight-decay", Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (
        "adam-all",
        Adam,
        {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True},
    ),
    ("adamw", AdamW, {"lr": 0.01}),
    ("adamw-amsgrad", AdamW, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
IDS = [case[0] for case in CASES]

# our buffer name → torch.optim's state key
TORCH_STATE = {
    "velocity": "momentum_buffer",
    "sum_of_squares": "sum",
    "square_avg": "square_avg",
    "grad_avg": "grad_avg",
    "exp_avg": "exp_avg",
    "exp_avg_sq": "exp_avg_sq",
    "max_exp_avg_sq": "max_exp_avg_sq",
}


def small_net(dtype: str = "float64", sizes: tuple[int, ...] = (3, 5, 4, 2)) -> gn.Network:
    net = gn.Network.from_sizes(
        list(sizes), activation="tanh", output_activation="identity", seed=3, dtype=dtype
    )
    rng = np.random.default_rng(4)
    for l in range(1, net.L + 1):  # biases away from zero, so that weight decay acts on them
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def parameters(net_or_grads: Any) -> list[np.ndarray]:
    """W^(1), b^(1), …, W^(L), b^(L)."""
    return [a for W, b in zip(net_or_grads.W, net_or_grads.b) for a in (W, b)]


def batches(net: gn.Network, steps: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """A different random mini-batch for every step."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(6, net.sizes[0])), rng.normal(size=(6, net.sizes[-1])))
        for _ in range(steps)
    ]


# -- against PyTorch ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_every_step_equals_torch_optim(name: str, cls: type[Optimizer], kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    net = small_net()
    params = [torch.tensor(p.copy(), requires_grad=True) for p in parameters(net)]
    theirs = getattr(torch.optim, cls.__name__)(params, **kwargs)
    ours = cls(**kwargs)
    for X, Y in batches(net, 20):
        grads = net.gradients(X, Y)  # glassnet's backpropagation feeds both optimizers
        for p, g in zip(params, parameters(grads)):
            p.grad = torch.from_numpy(g.copy())  # (n_l, n_{l−1}): torch's (out, in) layout
        theirs.step()
        ours.step(net, grads)
        for p, w in zip(params, parameters(net)):
            np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-10)
    # the state means what torch's means
    for buffer_name, buffer in ours.state.items():
        for p, mine in zip(params, parameters(buffer)):
            their = theirs.state[p][TORCH_STATE[buffer_name]].numpy()
            np.testing.assert_allclose(mine, their, rtol=1e-10, atol=1e-12)
    assert ours.t == 20


# -- against the plain equations (no torch needed; float32 too) ---------------------------------


def plain_step(opt: Optimizer, w: np.ndarray, g: np.ndarray, s: dict, t: int) -> np.ndarray:
    """The update rule of each docstring, written plainly on float64 copies."""
    hp = opt.hyperparameters()
    lr, wd = hp["lr"], hp["weight_decay"]
    if isinstance(opt, SGD):
        d = g + wd * w
        if hp["momentum"] == 0:
            return w - lr * d
        s["v"] = d if t == 1 else hp["momentum"] * s["v"] + (1 - hp["dampening"]) * d
        return w - lr * (d + hp["momentum"] * s["v"] if hp["nesterov"] else s["v"])
    if isinstance(opt, Adagrad):
        d = g + wd * w
        s["G"] = s.get("G", hp["initial_accumulator_value"]) + d**2
        return w - lr / (1 + (t - 1) * hp["lr_decay"]) * d / (np.sqrt(s["G"]) + hp["eps"])
    if isinstance(opt, RMSprop):
        a, mu = hp["alpha"], hp["momentum"]
        d = g + wd * w
        s["s"] = a * s.get("s", 0) + (1 - a) * d**2
        if hp["centered"]:
            s["gbar"] = a * s.get("gbar", 0) + (1 - a) * d
            r = np.sqrt(s["s"] - s["gbar"] ** 2) + hp["eps"]
        else:
            r = np.sqrt(s["s"]) + hp["eps"]
        if mu == 0:
            return w - lr * d / r
        s["v"] = mu * s.get("v", 0) + d / r
        return w - lr * s["v"]
    assert isinstance(opt, Adam)
    (b1, b2), eps = hp["betas"], hp["eps"]
    if isinstance(opt, AdamW):
        w, d = w - lr * wd * w, g
    else:
        d = g + wd * w
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * d
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * d**2
    if hp["amsgrad"]:
        s["v_max"] = np.maximum(s.get("v_max", 0), s["v"])
    v = s["v_max"] if hp["amsgrad"] else s["v"]
    m_hat, v_hat = s["m"] / (1 - b1**t), v / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_fast_path_equals_the_plain_equations(
    name: str, cls: type[Optimizer], kwargs: dict, dtype: str
) -> None:
    net = small_net(dtype)
    opt = cls(**kwargs)
    expected = [p.astype(np.float64) for p in parameters(net)]
    states: list[dict] = [{} for _ in expected]
    for t, (X, Y) in enumerate(batches(net, 10), start=1):
        grads = net.gradients(X, Y)
        opt.step(net, grads)
        expected = [
            plain_step(opt, w, g.astype(np.float64), s, t)
            for w, g, s in zip(expected, parameters(grads), states)
        ]
        tol = 1e-12 if dtype == "float64" else 2e-5
        for w, e in zip(parameters(net), expected):
            assert w.dtype == np.dtype(dtype)
            np.testing.assert_allclose(w, e, rtol=tol, atol=tol)
        if dtype == "float32":  # go on from the float32 weights, as the optimizer does
            expected = [w.astype(np.float64) for w in parameters(net)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_plain_sgd_is_exactly_the_tutorials_rule(dtype: str) -> None:
    net = small_net(dtype)
    X, Y = batches(net, 1)[0]
    grads = net.gradients(X, Y)
    expected = [
        w - np.asarray(3.0, dtype=dtype) * g for w, g in zip(parameters(net), parameters(grads))
    ]
    SGD(lr=3.0).step(net, grads)
    for w, e in zip(parameters(net), expected):
        assert np.array_equal(w, e)  # bit for bit: w ← w − η ∂C/∂w


# -- the contract -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_updates_in_place_and_leaves_the_gradients_alone(
    name: str, cls: type[Optimizer], kwargs: dict
) -> None:
    net = small_net()
    arrays = [net.W[l] for l in range(1, net.L + 1)] + [net.b[l] for l in range(1, net.L + 1)]
    opt = cls(**kwargs)
    for X, Y in batches(net, 3):
        grads = net.gradients(X, Y)
        saved = [g.copy() for g in parameters(grads)]
        before = [w.copy() for w in parameters(net)]
        opt.step(net, grads)
        for g, s in zip(parameters(grads), saved):
            assert np.array_equal(g, s), "the optimizer wrote to the gradients it was given"
        assert any(not np.array_equal(w, b) for w, b in zip(parameters(net), before))
    now = [net.W[l] for l in range(1, net.L + 1)] + [net.b[l] for l in range(1, net.L + 1)]
    assert all(a is b for a, b in zip(arrays, now)), "net.W[l] / net.b[l] were rebound"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_state_is_inspectable_in_the_networks_notation(
    name: str, cls: type[Optimizer], kwargs: dict, dtype: str
) -> None:
    net = small_net(dtype)
    opt = cls(**kwargs)
    assert opt.state == {} and opt.t == 0
    X, Y = batches(net, 1)[0]
    opt.step(net, net.gradients(X, Y))
    opt.step(net, net.gradients(X, Y))
    assert opt.t == 2
    assert tuple(opt.state) == opt.buffer_names()
    for buffer_name, buf in opt.state.items():
        assert isinstance(buf, ParameterBuffer) and isinstance(buf, gn.Gradients)
        assert buf.name == buffer_name and buffer_name in repr(buf)
        for l in range(1, net.L + 1):
            assert buf.W[l].shape == net.W[l].shape and buf.b[l].shape == net.b[l].shape
            assert buf.W[l].dtype == buf.b[l].dtype == np.dtype(dtype)
        assert buf.vector().shape == (net.n_params,)
        with pytest.raises(IndexError):
            buf.W[0]


def test_buffers_follow_the_hyperparameters() -> None:
    assert SGD(lr=0.1).buffer_names() == ()
    assert SGD(lr=0.1, momentum=0.9).buffer_names() == ("velocity",)
    assert Adagrad().buffer_names() == ("sum_of_squares",)
    assert RMSprop(centered=True, momentum=0.9).buffer_names() == (
        "square_avg",
        "grad_avg",
        "velocity",
    )
    assert Adam(amsgrad=True).buffer_names() == ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    assert AdamW().buffer_names() == ("exp_avg", "exp_avg_sq")


def test_adagrad_accumulator_starts_at_its_initial_value() -> None:
    net = small_net()
    opt = Adagrad(lr=0.1, initial_accumulator_value=0.5)
    grads = net.gradients(*batches(net, 1)[0])
    opt.step(net, grads)
    np.testing.assert_allclose(opt.state["sum_of_squares"].W[1], 0.5 + grads.W[1] ** 2)


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_state_dict_round_trip_continues_bit_for_bit(
    name: str, cls: type[Optimizer], kwargs: dict
) -> None:
    net = small_net()
    opt = cls(**kwargs)
    data = batches(net, 10)
    for X, Y in data[:5]:
        opt.step(net, net.gradients(X, Y))

    saved = opt.state_dict()
    file = io.BytesIO()
    np.savez(file, **saved)  # no pickle needed …
    file.seek(0)
    loaded = dict(np.load(file, allow_pickle=False))  # … to read it back

    other_net = net.copy()
    other = cls(lr=123.0)  # every hyperparameter comes from the state_dict
    other.load_state_dict(loaded)
    assert repr(other) == repr(opt) and other.t == opt.t
    for X, Y in data[5:]:
        opt.step(net, net.gradients(X, Y))
        other.step(other_net, other_net.gradients(X, Y))
    for a, b in zip(parameters(net), parameters(other_net)):
        assert np.array_equal(a, b)
    for buffer_name in opt.state:
        for a, b in zip(parameters(opt.state[buffer_name]), parameters(other.state[buffer_name])):
            assert np.array_equal(a, b)
    # the saved dict holds copies: the later steps did not change it
    for key, value in saved.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, loaded[key])


def test_state_dict_is_flat_and_plain() -> None:
    net = small_net()
    opt = Adam(lr=0.01, amsgrad=True)
    opt.step(net, net.gradients(*batches(net, 1)[0]))
    sd = opt.state_dict()
    assert sd["optimizer"] == "Adam" and sd["t"] == 1 and sd["betas"] == (0.9, 0.999)
    assert "exp_avg.W[1]" in sd and "max_exp_avg_sq.b[3]" in sd
    for value in sd.values():
        assert isinstance(value, (np.ndarray, int, float, str, bool, tuple))


def test_load_state_dict_rejects_what_does_not_fit() -> None:
    net = small_net()
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(net, net.gradients(*batches(net, 1)[0]))
    sd = opt.state_dict()
    cases: list[tuple[dict, str]] = [
        ({**sd, "optimizer": "Adam"}, "saved by a 'Adam' optimizer, not a 'SGD'"),
        ({k: v for k, v in sd.items() if k != "momentum"}, r"lacks \['momentum'\]"),
        ({**sd, "colour": 1}, "unexpected key 'colour'"),
        ({**sd, "momentum": 1.5}, "Invalid momentum value: 1.5"),
        ({**sd, "t": -1}, "Invalid step count t"),
        ({**sd, "velocity.W[0]": sd["velocity.b[2]"]}, r"arrays for layer 0; layers are numbered"),
        ({**sd, "momentum": 0.0}, r"has buffers \['velocity'\]"),
        ({**sd, "velocity.W[1]": sd["velocity.W[1]"].astype(np.float32)}, "of one dtype"),
    ]
    fresh = SGD(lr=0.5)
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            fresh.load_state_dict(bad)
        assert repr(fresh) == repr(SGD(lr=0.5)) and fresh.t == 0 and fresh.state == {}

    # buffers shaped for another network load (an optimizer alone does not know the network's
    # parameters) and are refused at the first step, before anything changes
    odd = SGD(lr=0.5, momentum=0.9)
    odd.load_state_dict({**sd, "velocity.b[1]": np.zeros((5, 1))})
    before = net.parameter_vector()
    with pytest.raises(ValueError, match="state is for a network"):
        odd.step(net, net.gradients(*batches(net, 1)[0]))
    np.testing.assert_array_equal(net.parameter_vector(), before)

    adam = Adam()
    adam.step(net, net.gradients(*batches(net, 1)[0]))
    sd = adam.state_dict()
    with pytest.raises(ValueError, match="do not agree in shape or dtype"):
        Adam().load_state_dict({**sd, "exp_avg_sq.W[1]": np.zeros((4, 3))})


def test_one_optimizer_serves_one_network() -> None:
    net, other = small_net(), small_net(sizes=(3, 4, 2))
    opt = Adam()
    opt.step(net, net.gradients(*batches(net, 1)[0]))
    with pytest.raises(ValueError, match=r"sizes \[3, 5, 4, 2\] in float64.*sizes \[3, 4, 2\]"):
        opt.step(other, other.gradients(*batches(other, 1)[0]))
    with pytest.raises(ValueError, match=r"in float64.*in float32.*opt\.reset"):
        f32 = net.astype("float32")
        opt.step(f32, f32.gradients(*batches(f32, 1)[0]))
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    opt.step(other, other.gradients(*batches(other, 1)[0]))
    assert opt.state["exp_avg"].W[1].shape == other.W[1].shape


def test_gradients_that_do_not_fit_the_network_are_refused() -> None:
    net, other = small_net(), small_net(sizes=(3, 4, 2))
    other_grads = other.gradients(*batches(other, 1)[0])
    with pytest.raises(ValueError, match="grads has 2 layers but the network has L = 3"):
        SGD(lr=0.1).step(net, other_grads)
    wrong = small_net(sizes=(3, 5, 3, 2))
    with pytest.raises(ValueError, match=r"grads.W\[2\] has shape \(3, 5\).*\(4, 5\)"):
        SGD(lr=0.1).step(net, wrong.gradients(*batches(wrong, 1)[0]))
    with pytest.raises(ValueError, match="grads must be a glassnet Gradients"):
        SGD(lr=0.1).step(net, [np.zeros(3)])  # type: ignore[arg-type]


def test_lr_can_be_changed_but_not_to_nonsense() -> None:
    opt = Adam(lr=0.01)
    opt.lr = 0.0  # a schedule may anneal η to 0
    assert opt.lr == 0.0
    for bad in (-0.1, float("nan"), "0.1"):
        with pytest.raises(ValueError, match="Invalid learning rate"):
            opt.lr = bad  # type: ignore[assignment]


def test_repr_shows_the_hyperparameters() -> None:
    assert repr(SGD(lr=3.0)) == (
        "SGD(lr=3, momentum=0, dampening=0, nesterov=False, weight_decay=0)"
    )
    assert repr(RMSprop(lr=0.01, centered=True, clip_norm=5.0)) == (
        "RMSprop(lr=0.01, alpha=0.99, eps=1e-08, momentum=0, centered=True, weight_decay=0, "
        "clip_norm=5)"
    )
    assert repr(Adam(betas=(0.8, 0.99), amsgrad=True)) == (
        "Adam(lr=0.001, betas=(0.8, 0.99), eps=1e-08, weight_decay=0, amsgrad=True)"
    )


BAD: list[tuple[Callable[[], object], str]] = [
    (lambda: SGD(lr=0), "Invalid learning rate: 0;"),
    (lambda: SGD(lr=-0.1), "Invalid learning rate: -0.1;.*such as 0.1"),
    (lambda: SGD(lr=float("inf")), "Invalid learning rate: inf"),
    (lambda: SGD(lr=True), "Invalid learning rate: True"),
    (lambda: SGD(lr="0.1"), "Invalid learning rate: '0.1'"),  # type: ignore[arg-type]
    (lambda: SGD(lr=0.1, momentum=-0.5), r"Invalid momentum value: -0.5;.*0 ≤ momentum < 1"),
    (lambda: SGD(lr=0.1, momentum=1.0), "Invalid momentum value: 1.0"),
    (lambda: SGD(lr=0.1, dampening=1.5), "Invalid dampening value: 1.5"),
    (lambda: SGD(lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    (lambda: SGD(lr=0.1, nesterov=1), "Invalid nesterov value: 1; nesterov must be True or"),  # type: ignore[arg-type]
    (lambda: SGD(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
    (
        lambda: SGD(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        "Nesterov momentum requires a momentum and zero dampening.*or nesterov=False",
    ),
    (lambda: Adagrad(lr=-1), "Invalid learning rate: -1"),
    (lambda: Adagrad(eps=0), "Invalid epsilon value: 0;.*such as 1e-10"),
    (lambda: Adagrad(lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda: Adagrad(initial_accumulator_value=-1), "Invalid initial_accumulator_value: -1"),
    (lambda: Adagrad(weight_decay=float("nan")), "Invalid weight_decay value: nan"),
    (lambda: RMSprop(alpha=1.0), "Invalid alpha value: 1.0;.*such as 0.99"),
    (lambda: RMSprop(alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda: RMSprop(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda: RMSprop(momentum=2), "Invalid momentum value: 2"),
    (lambda: RMSprop(centered="yes"), "Invalid centered value: 'yes'"),  # type: ignore[arg-type]
    (lambda: RMSprop(weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda: Adam(lr=0), "Invalid learning rate: 0"),
    (lambda: Adam(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda: Adam(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda: Adam(betas=0.9), r"Invalid betas: 0.9; betas must be a pair"),  # type: ignore[arg-type]
    (lambda: Adam(betas=(0.9, 0.99, 0.999)), "Invalid betas"),  # type: ignore[arg-type]
    (lambda: Adam(eps=0.0), "Invalid epsilon value: 0.0"),
    (lambda: Adam(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (lambda: Adam(amsgrad=None), "Invalid amsgrad value: None"),  # type: ignore[arg-type]
    (lambda: AdamW(weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda: AdamW(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
]


@pytest.mark.parametrize(("make", "message"), BAD, ids=[m for _, m in BAD])
def test_every_bad_hyperparameter_gets_a_helpful_value_error(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()


# -- by name: the registry ----------------------------------------------------------------------

# the names and default η the command line has always had (η = 1.5 is the tutorial's recipe)
BUILT_IN = {
    "sgd": (SGD, 1.5),
    "momentum": (SGD, 0.25),
    "nesterov": (SGD, 0.25),
    "adagrad": (Adagrad, 0.01),
    "rmsprop": (RMSprop, 0.001),
    "adam": (Adam, 0.001),
    "adamw": (AdamW, 0.001),
}


class SignSGD(Optimizer):
    """A user's own optimizer: w ← w − η sign(∂C/∂w)."""

    def _update(self, w: np.ndarray, g: np.ndarray, slot: Any) -> None:
        np.sign(g, out=slot.tmp)
        slot.tmp *= self.lr
        w -= slot.tmp


@pytest.fixture
def sign_sgd() -> Iterator[NamedOptimizer]:
    yield register("sign_sgd", SignSGD, lr=0.02, description="steps of η along the gradient's sign")
    OPTIMIZERS.pop("sign_sgd", None)


def test_the_registry_holds_each_name_with_its_class_preset_and_default_lr() -> None:
    assert list(OPTIMIZERS) == list(BUILT_IN)
    for name, (cls, lr) in BUILT_IN.items():
        entry = OPTIMIZERS[name]
        assert (entry.name, entry.cls, entry.lr) == (name, cls, lr) and entry.description
        made = by_name(name)
        assert type(made) is cls and made.lr == lr and repr(made) == repr(entry())
    assert repr(by_name("momentum", 0.1)) == repr(SGD(lr=0.1, momentum=0.9))
    assert repr(by_name("Nesterov", 0.1)) == repr(SGD(lr=0.1, momentum=0.9, nesterov=True))
    # μ can be given with the SGD family's names only (the command line's --momentum)
    assert [name for name, entry in OPTIMIZERS.items() if entry.takes_momentum] == [
        "sgd", "momentum", "nesterov"
    ]  # fmt: skip
    assert by_name("nesterov", 0.1, momentum=0.5).momentum == 0.5
    assert by_name("rmsprop", 0.1, momentum=0.5).momentum == 0
    assert list(registered_classes()) == ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'; choose one of sgd, momentum"):
        by_name("adamax")


def test_the_command_line_the_playground_and_sklearn_read_the_registry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from glassnet import cli, lab
    from glassnet.cli.train import make_optimizer
    from glassnet.playground.session import options

    monkeypatch.setenv("COLUMNS", "10000")  # --help on one line per option
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    help_text = capsys.readouterr().out
    assert f"--optimizer {{{','.join(sorted(OPTIMIZERS))}}}" in help_text
    for name, entry in OPTIMIZERS.items():
        assert f"{name} (η {entry.lr:g}): {entry.description}" in help_text
        # glassnet train's default η is the registry's, and so is what the name makes
        assert repr(make_optimizer(name, None, 0.0)) == repr(entry())
    assert make_optimizer("momentum", None, 0.5).momentum == 0.5
    assert lab.OPTIMIZERS is OPTIMIZERS
    assert options()["optimizers"] == list(OPTIMIZERS)
    sklearn = pytest.importorskip("glassnet.sklearn")
    for solver in sklearn.SOLVERS:
        made = sklearn.GlassnetClassifier(solver=solver)._optimizer()
        assert type(made) is OPTIMIZERS[solver].cls


def test_a_registered_optimizer_is_known_everywhere_by_its_name(
    sign_sgd: NamedOptimizer, capsys: pytest.CaptureFixture[str]
) -> None:
    from glassnet import cli, lab
    from glassnet.cli.train import make_optimizer
    from glassnet.playground.session import options

    assert OPTIMIZERS["sign_sgd"] is sign_sgd and registered_classes()["SignSGD"] is SignSGD
    made = by_name("sign_sgd")
    assert type(made) is SignSGD and made.lr == 0.02
    args = cli.build_parser().parse_args(["train", "--optimizer", "sign_sgd"])
    assert repr(make_optimizer(args.optimizer, args.lr, args.momentum)) == ("SignSGD(lr=0.02)")
    assert "sign_sgd" in options()["optimizers"]
    run = lab.descend("bowl", "sign_sgd", lr=0.1, steps=3)
    assert run.label == "sign_sgd η=0.1"
    np.testing.assert_allclose(run.points[1], run.points[0] - 0.1 * np.sign(run.gradients[0]))
    # and it trains a network
    X, y = xor_data()
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    before = net.W[1].copy()
    grads = net.gradients(X, y)
    net.fit(X, y, epochs=1, batch_size=4, optimizer=made, shuffle=False, verbose=0)
    np.testing.assert_allclose(net.W[1], before - 0.02 * np.sign(grads.W[1]), rtol=1e-6)
    OPTIMIZERS.pop("sign_sgd")
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["train", "--optimizer", "sign_sgd"])
    assert "invalid choice: 'sign_sgd'" in capsys.readouterr().err


BAD_REGISTRATIONS: list[tuple[dict[str, Any], str]] = [
    ({"name": "Sign"}, "Invalid optimizer name: 'Sign'; a name is lower-case letters"),
    ({"name": "sign sgd"}, "Invalid optimizer name: 'sign sgd'"),
    ({"name": "adam"}, "the optimizer name 'adam' is taken by NamedOptimizer"),
    ({"cls": int}, "cls must be a subclass of glassnet.optimizers.Optimizer"),
    # a class of the same name as glassnet's SGD: a file could not tell them apart
    (
        {"cls": type("SGD", (Optimizer,), {})},
        "another optimizer class named 'SGD'.*give .*SGD a name of its own",
    ),
    ({"lr": 0}, "Invalid learning rate: 0"),
    ({"description": ""}, "description must be one line"),
    ({"description": "two\nlines"}, "description must be one line"),
    ({"cls": Adam, "options": {"momentum": 0.9}}, "options must be keyword arguments that Adam"),
    ({"cls": RMSprop, "options": {"alpha": 2}}, "Invalid alpha value: 2"),
]


@pytest.mark.parametrize(
    ("change", "message"), BAD_REGISTRATIONS, ids=[m for _, m in BAD_REGISTRATIONS]
)
def test_a_bad_registration_is_a_value_error_and_changes_nothing(
    change: dict[str, Any], message: str
) -> None:
    before = dict(OPTIMIZERS)
    args: dict[str, Any] = {"name": "sign_sgd", "cls": SignSGD, "lr": 0.1, "description": "signs"}
    with pytest.raises(ValueError, match=message):
        register(**{**args, **change})
    assert before == OPTIMIZERS


# -- training -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adam_trains_xor(dtype: str) -> None:
    X, y = xor_data()
    net = gn.Network.from_sizes(
        [2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0, dtype=dtype
    )
    before = net.cost(X, y)
    opt = Adam(lr=0.05)
    history = net.fit(X, y, epochs=300, batch_size=4, optimizer=opt, verbose=0)
    assert opt.t == 300 and opt.state["exp_avg"].W[1].dtype == np.dtype(dtype)
    assert history.loss[-1] < 0.1 * before
    assert net.cost(X, y) < 0.01


def test_a_registered_name_is_checked_by_new_name_and_one_line() -> None:
    assert (
        _new_name("lion_2", {}, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
        == "lion_2"
    )
    for bad in ["2lion", "Lion", "", 3]:
        with pytest.raises(ValueError, match=r"Invalid optimizer name: .*such as 'lion'$"):
            _new_name(bad, {}, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
    with pytest.raises(ValueError, match=r"is taken by 1; .* del OPTIMIZERS\['sgd'\] first"):
        _new_name("sgd", {"sgd": 1}, "optimizer", example="'lion'", registry_name="OPTIMIZERS")
    assert _one_line("  one  ", "description", "one line") == "one"
    for bad in ["", "  ", "a\nb", None]:
        with pytest.raises(ValueError, match=r"^description must be one line, got"):
            _one_line(bad, "description", "one line")
