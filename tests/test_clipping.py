"""Gradient clipping by norm (glassnet.optimizers.clipping): every optimizer with ``clip_norm``
equals torch.nn.utils.clip_grad_norm_ followed by torch.optim's step, on a Dense and on a
recurrent network; below the cap nothing changes, bit for bit; the gradients given are left
alone; bad values, state_dict, checkpoints, the registry, the command line, the scikit-learn
estimators; and an RNN whose gradients explode trains with clipping and diverges without."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers.recurrent import RNN
from glassnet.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    by_name,
)
from glassnet.optimizers.clipping import GradientClipping, check_clip_norm, gradient_norm

# (id, class, keyword arguments): the same arguments make the torch.optim optimizer
CASES: list[tuple[str, type[Optimizer], dict[str, Any]]] = [
    ("sgd", SGD, {"lr": 0.2}),
    ("sgd-momentum-decay", SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("sgd-nesterov-decay", SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True,
                                 "weight_decay": 0.02}),
    ("sgd-dampening", SGD, {"lr": 0.1, "momentum": 0.7, "dampening": 0.3}),
    ("adagrad-decay", Adagrad, {"lr": 0.1, "weight_decay": 0.05, "lr_decay": 0.01}),
    ("rmsprop-decay", RMSprop, {"lr": 0.01, "weight_decay": 0.05, "momentum": 0.5,
                                "centered": True}),
    ("adam-decay", Adam, {"lr": 0.02, "weight_decay": 0.05}),
    ("adam-amsgrad", Adam, {"lr": 0.02, "amsgrad": True}),
    ("adamw", AdamW, {"lr": 0.02, "weight_decay": 0.1}),
]  # fmt: skip
IDS = [case[0] for case in CASES]
STEPS = 6


def dense_net(dtype: str = "float64") -> gn.Network:
    net = gn.Network.from_sizes(
        [3, 6, 4, 2], activation="tanh", output_activation="identity", seed=3, dtype=dtype
    )
    rng = np.random.default_rng(4)
    for l in range(1, net.L + 1):  # biases away from zero, so that weight decay acts on them
        net.b[l] = rng.normal(scale=0.5, size=net.b[l].shape)
    return net


def batches(n_in: int, n_out: int, steps: int = STEPS) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [(rng.normal(size=(6, n_in)), 3 * rng.normal(size=(6, n_out))) for _ in range(steps)]


def flat(net_or_grads: Any) -> list[np.ndarray]:
    """Every parameter array (or its gradient), layer by layer, as the optimizer walks them."""
    return [a for layer in net_or_grads.layers for a in layer.values()]


def params_of(net: gn.Network) -> list[np.ndarray]:
    return [a for layer in net.layers for a in layer.parameters().values()]


def clip_norm_for(net: gn.Network, X: np.ndarray, Y: np.ndarray) -> float:
    """A cap that bites: 40 % of the first gradient's norm."""
    return 0.4 * float(np.linalg.norm(net.gradients(X, Y).vector()))


# -- against PyTorch ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_a_dense_network_steps_as_clip_grad_norm_then_torch_optim(
    name: str, cls: type[Optimizer], kwargs: dict[str, Any]
) -> None:
    """glassnet's backpropagation feeds both; the parameters agree after every step."""
    torch = pytest.importorskip("torch")
    net = dense_net()
    data = batches(3, 2)
    cap = clip_norm_for(net, *data[0])
    theirs_params = [torch.tensor(p.copy(), requires_grad=True) for p in params_of(net)]
    theirs = getattr(torch.optim, cls.__name__)(theirs_params, **kwargs)
    ours = cls(**kwargs, clip_norm=cap)
    for X, Y in data:
        grads = net.gradients(X, Y)
        for p, g in zip(theirs_params, flat(grads)):
            p.grad = torch.from_numpy(g.copy())
        total = torch.nn.utils.clip_grad_norm_(theirs_params, cap)
        theirs.step()
        ours.step(net, grads)
        assert ours.clipping is not None
        np.testing.assert_allclose(ours.clipping.grad_norm, total.item(), rtol=1e-12)
        for p, w in zip(theirs_params, params_of(net)):
            np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert ours.clipping.clipped >= 1  # the cap bit at least once
    assert ours.clipping.steps == STEPS


def rnn_net(seed: int = 0) -> gn.Network:
    """RNN(2 → 5, tanh) over 6 steps, then a softmax Dense over 3 classes; b away from 0."""
    net = gn.Network([RNN(2, 5), gn.Dense(5, 3, activation="softmax")], cost="cross_entropy",
                     seed=seed, dtype="float64", input_shape=(6, 2))  # fmt: skip
    net.layers[0].b[...] = np.random.default_rng(seed + 7).normal(0, 0.3, 5)
    return net


def rnn_batches(steps: int = STEPS) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    return [
        (2 * rng.normal(size=(8, 6, 2)), np.eye(3)[rng.integers(0, 3, 8)]) for _ in range(steps)
    ]


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_an_rnn_trains_as_torch_nn_rnn_with_clip_grad_norm(
    name: str, cls: type[Optimizer], kwargs: dict[str, Any]
) -> None:
    """The twin is torch.nn.RNN (bias_ih = b, bias_hh = 0 and frozen) and a Linear head, with
    its own autograd: clip_grad_norm_, then the step, several times; every parameter agrees."""
    torch = pytest.importorskip("torch")
    net = rnn_net()
    rnn, head = net.layers
    module = torch.nn.RNN(2, 5, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(rnn.W_ih))
        module.weight_hh_l0.copy_(torch.tensor(rnn.W_hh))
        module.bias_ih_l0.copy_(torch.tensor(rnn.b))
        module.bias_hh_l0.zero_()
    module.bias_hh_l0.requires_grad_(False)
    W = torch.tensor(head.W.copy(), requires_grad=True)
    b = torch.tensor(head.b.copy(), requires_grad=True)
    theirs_params = [module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, W, b]
    data = rnn_batches()
    cap = clip_norm_for(net, *data[0])
    theirs = getattr(torch.optim, cls.__name__)(theirs_params, **kwargs)
    ours = cls(**kwargs, clip_norm=cap)
    for X, Y in data:
        theirs.zero_grad()
        _, h_n = module(torch.tensor(X))
        loss = torch.nn.functional.cross_entropy(h_n[0] @ W.T + b, torch.tensor(Y))
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_(theirs_params, cap)
        theirs.step()
        ours.step(net, net.gradients(X, Y))
        assert ours.clipping is not None
        np.testing.assert_allclose(ours.clipping.grad_norm, total.item(), rtol=1e-10)
        ours_now = [rnn.W_ih, rnn.W_hh, rnn.b, head.W, head.b]
        for p, w in zip(theirs_params, ours_now):
            np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert ours.clipping.clipped >= 1


# -- the contract -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_below_the_cap_the_steps_are_bit_for_bit_those_without_clipping(
    name: str, cls: type[Optimizer], kwargs: dict[str, Any]
) -> None:
    plain, capped = dense_net(), dense_net()
    without, with_cap = cls(**kwargs), cls(**kwargs, clip_norm=1e6)
    for X, Y in batches(3, 2):
        without.step(plain, plain.gradients(X, Y))
        with_cap.step(capped, capped.gradients(X, Y))
    np.testing.assert_array_equal(capped.parameter_vector(), plain.parameter_vector())
    clipping = with_cap.clipping
    assert clipping is not None and clipping.factor == 1.0 and clipping.clipped == 0
    assert clipping.steps == STEPS and 0 < clipping.grad_norm < 1e6  # type: ignore[operator]
    assert without.clipping is None  # nothing measured, nothing made, without clip_norm


def test_the_gradients_given_are_left_alone_and_the_step_uses_c_times_g() -> None:
    net, twin = dense_net(), dense_net()
    X, Y = batches(3, 2)[0]
    grads = net.gradients(X, Y)
    before = grads.vector().copy()
    norm = float(np.linalg.norm(before))
    opt = SGD(lr=0.5, clip_norm=0.25 * norm)
    opt.step(net, grads)
    np.testing.assert_array_equal(grads.vector(), before)  # not written to
    c = opt.clipping
    assert c is not None
    np.testing.assert_allclose(c.grad_norm, norm, rtol=1e-13)
    assert c.factor == 0.25 * norm / (c.grad_norm + 1e-6) and c.clipped == 1
    # the step is plain SGD on c ∇C, with c = clip_norm / (‖∇C‖₂ + 1e-6)
    expected = twin.parameter_vector() - 0.5 * c.factor * before
    np.testing.assert_allclose(net.parameter_vector(), expected, rtol=1e-13)
    step = twin.parameter_vector() - net.parameter_vector()
    np.testing.assert_allclose(np.linalg.norm(step), 0.5 * 0.25 * norm, rtol=1e-6)
    assert "clipped 1 of 1 steps" in repr(c) and repr(GradientClipping()) == (
        "GradientClipping(no step yet)"
    )


def test_the_norm_is_taken_over_every_parameter_of_every_layer() -> None:
    arrays = [np.full((2, 3), 1.0), np.full(3, 2.0), np.asfortranarray(np.full((4, 2), 0.5))]
    assert gradient_norm(arrays) == np.sqrt(6 * 1.0 + 3 * 4.0 + 8 * 0.25)
    net = rnn_net()  # W_ih, W_hh, b of the RNN and W, b of the head: one vector
    grads = net.gradients(*rnn_batches(1)[0])
    np.testing.assert_allclose(
        gradient_norm(flat(grads)), np.linalg.norm(grads.vector()), rtol=1e-14
    )


def test_float32_networks_clip_in_float32() -> None:
    net = dense_net("float32")
    X, Y = batches(3, 2)[0]
    grads = net.gradients(X.astype(np.float32), Y.astype(np.float32))
    opt = Adam(lr=0.01, clip_norm=0.1)
    opt.step(net, grads)
    assert net.W[1].dtype == np.float32 and opt.state["exp_avg"].W[1].dtype == np.float32
    assert opt.clipping is not None and opt.clipping.factor < 1  # type: ignore[operator]


def test_clip_norm_may_be_set_later_and_is_checked_at_the_step() -> None:
    net = dense_net()
    X, Y = batches(3, 2)[0]
    opt = SGD(lr=0.1)
    opt.clip_norm = 0.01
    opt.step(net, net.gradients(X, Y))
    assert opt.clipping is not None and opt.clipping.clipped == 1
    opt.clip_norm = -1.0  # a plain attribute, as momentum is: checked when it is used
    with pytest.raises(ValueError, match=r"Invalid clip_norm: -1\.0"):
        opt.step(net, net.gradients(X, Y))


BAD = [0, 0.0, -1.0, float("nan"), float("inf"), "1.0", True, [1.0]]


@pytest.mark.parametrize("bad", BAD, ids=repr)
@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam, AdamW], ids=lambda c: c.__name__)
def test_a_bad_clip_norm_is_a_value_error_that_says_what_to_pass(
    cls: type[Optimizer], bad: object
) -> None:
    with pytest.raises(ValueError, match=r"Invalid clip_norm: .*finite number > 0 .*or None"):
        cls(lr=0.1, clip_norm=bad)  # type: ignore[arg-type]


def test_check_clip_norm_takes_numpy_numbers() -> None:
    assert check_clip_norm(np.float32(2.0)) == 2.0 and check_clip_norm(3) == 3.0
    with pytest.raises(ValueError, match="Invalid clip_norm"):
        by_name("adam", clip_norm=-1.0)


# -- hyperparameter: repr, registry, state_dict, checkpoints ------------------------------------


def test_clip_norm_is_a_hyperparameter_of_every_registered_optimizer() -> None:
    for name, entry in OPTIMIZERS.items():
        opt = entry(clip_norm=2.5)
        assert opt.clip_norm == 2.5 and opt.hyperparameters()["clip_norm"] == 2.5, name
        assert repr(opt).endswith("clip_norm=2.5)") and entry().clip_norm is None
        assert by_name(name, clip_norm=2.5).clip_norm == 2.5
    made = by_name("momentum", 0.1, momentum=0.5, clip_norm=1.0)
    assert isinstance(made, SGD) and (made.lr, made.momentum, made.clip_norm) == (0.1, 0.5, 1.0)


@pytest.mark.parametrize(("name", "cls", "kwargs"), CASES, ids=IDS)
def test_a_state_dict_saved_with_savez_resumes_bit_for_bit(
    name: str, cls: type[Optimizer], kwargs: dict[str, Any], tmp_path: Path
) -> None:
    data = batches(3, 2, steps=8)
    cap = clip_norm_for(dense_net(), *data[0])
    whole, net = cls(**kwargs, clip_norm=cap), dense_net()
    for X, Y in data:
        whole.step(net, net.gradients(X, Y))
    first, resumed = cls(**kwargs, clip_norm=cap), dense_net()
    for X, Y in data[:4]:
        first.step(resumed, resumed.gradients(X, Y))
    np.savez(tmp_path / "opt.npz", **first.state_dict())
    again = cls(lr=0.5)  # every hyperparameter, clip_norm included, comes from the file
    with np.load(tmp_path / "opt.npz") as saved:  # no pickle: None is never stored
        again.load_state_dict(saved)
    assert again.clip_norm == cap and again.hyperparameters() == first.hyperparameters()
    for X, Y in data[4:]:
        again.step(resumed, resumed.gradients(X, Y))
    np.testing.assert_array_equal(resumed.parameter_vector(), net.parameter_vector())
    assert again.clipping is not None and again.clipping.clipped >= 1


def test_no_clipping_is_left_out_of_the_state_dict_and_older_states_load() -> None:
    net = dense_net()
    opt = Adam(lr=0.01)
    opt.step(net, net.gradients(*batches(3, 2)[0]))
    state = opt.state_dict()
    assert "clip_norm" not in state  # None, the default: files keep numbers only
    capped = Adam(lr=0.01, clip_norm=3.0)
    capped.load_state_dict(state)  # a state from before clipping existed looks the same
    assert capped.clip_norm is None and capped.t == 1
    with pytest.raises(ValueError, match="Invalid clip_norm: -2"):
        Adam(lr=0.01).load_state_dict({**state, "clip_norm": -2})


def test_a_checkpoint_resumes_a_clipped_rnn_bit_for_bit(tmp_path: Path) -> None:
    data = rnn_batches(1)[0]
    X, y = data[0], data[1].argmax(axis=1)
    path = tmp_path / "run.ckpt.safetensors"

    def opt() -> Optimizer:
        return gn.Adam(lr=0.05, clip_norm=0.3)

    whole = rnn_net()
    whole.fit(X, y, epochs=4, batch_size=4, optimizer=opt(), seed=1, verbose=0)
    first = rnn_net()
    run = opt()
    first.fit(X, y, epochs=2, batch_size=4, optimizer=run, seed=1, verbose=0,
              callbacks=[gn.Checkpoint(path)])  # fmt: skip
    assert run.clipping is not None and run.clipping.clipped >= 1
    state = gn.load_checkpoint(path)
    assert state.optimizer.clip_norm == 0.3
    state.resume(X, y, epochs=4, verbose=0)
    np.testing.assert_array_equal(state.net.parameter_vector(), whole.parameter_vector())


# -- exploding gradients ------------------------------------------------------------------------


def test_an_rnn_with_exploding_gradients_trains_with_clipping_and_diverges_without() -> None:
    """A relu RNN over 40 time steps with W_hh near the identity: ∂C/∂W_hh sums products of
    up to 40 Jacobians, and the first plain SGD step throws the weights so far that the cost
    overflows. With ‖∇C‖₂ capped at 1 every step moves the weights by at most η."""
    T = 40
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, size=(32, T, 1))
    y = X.mean(axis=1)  # the mean of the sequence

    def run(clip_norm: float | None) -> tuple[float, list[float], gn.Network, Optimizer]:
        net = gn.Network([RNN(1, 8, activation="relu"), gn.Dense(8, 1, activation="identity")],
                         cost="mse", seed=0, dtype="float64", input_shape=(T, 1))  # fmt: skip
        net.layers[0].W_hh[...] = 0.9 * np.eye(8) + np.random.default_rng(0).normal(0, 0.02, (8, 8))
        opt = gn.SGD(lr=0.05, clip_norm=clip_norm)
        start, costs = net.cost(X, y), []
        for step in range(30):
            rows = slice(8 * (step % 4), 8 * (step % 4 + 1))
            opt.step(net, net.gradients(X[rows], y[rows]))
            costs.append(net.cost(X, y))
        return start, costs, net, opt

    with np.errstate(all="ignore"):  # the unclipped run overflows, as it should
        start, costs, net, _ = run(None)
    assert not np.isfinite(costs[-1]) and not np.isfinite(net.parameter_vector()).all()
    start, costs, net, opt = run(1.0)
    assert np.isfinite(costs).all() and np.isfinite(net.parameter_vector()).all()
    assert costs[-1] < start / 100  # it learns: from about 150 to about 0.1
    assert opt.clipping is not None and opt.clipping.clipped > 20  # and clipping did the work
    assert opt.clipping.grad_norm > 1.0  # type: ignore[operator]


# -- the command line and scikit-learn ----------------------------------------------------------


def glassnet_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True,
                          text=True, timeout=3600, cwd=cwd, env={**os.environ})  # fmt: skip


def test_train_takes_clip_norm(tmp_path: Path) -> None:
    result = glassnet_cli("train", "--dataset", "xor", "--hidden", "4", "--epochs", "3",
                          "--optimizer", "adam", "--clip-norm", "0.5", "--no-save",
                          cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "clip_norm=0.5)" in result.stdout  # the optimizer, as the run prints it


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "x"])
def test_a_bad_clip_norm_flag_exits_with_one_line_that_says_why(tmp_path: Path, bad: str) -> None:
    result = glassnet_cli("train", "--dataset", "xor", "--clip-norm", bad, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("glassnet train: error: argument --clip-norm: must be")
    assert repr(bad) in result.stderr and len(result.stderr.splitlines()) == 1
    assert "> 0" in result.stderr or "finite" in result.stderr or "a number" in result.stderr


def test_the_sklearn_estimators_pass_clip_norm_to_their_solver() -> None:
    pytest.importorskip("sklearn")
    from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

    X = np.random.default_rng(0).normal(size=(40, 3))
    y = 10 * X.sum(axis=1)
    reg = GlassnetRegressor(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.01,
                            clip_norm=0.5, max_iter=3, random_state=0)  # fmt: skip
    with pytest.warns(Warning):  # three epochs do not converge
        reg.fit(X, y)
    assert reg.get_params()["clip_norm"] == 0.5
    solver = reg._solver
    assert solver.clip_norm == 0.5 and solver.clipping is not None and solver.clipping.clipped
    clf = GlassnetClassifier(clip_norm=1.0)
    assert clf.get_params()["clip_norm"] == 1.0 and GlassnetClassifier().clip_norm is None
    with pytest.raises(ValueError, match=r"clip_norm must be None .*or a finite number > 0"):
        GlassnetRegressor(clip_norm=0).fit(X, y)
