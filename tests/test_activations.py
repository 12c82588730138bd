"""Each activation against its definition, its derivative against finite differences, and
stability for large |z|."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS, Activation, Softmax, erfc, softmax_into

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]

# σ written out from its textbook definition, one scalar at a time, as an independent reference
DEFINITIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1,
    "selu": lambda z: 1.0507009873554805 * (z if z > 0 else 1.6732632423543772 * (math.exp(z) - 1)),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "silu": lambda z: z / (1 + math.exp(-z)),
    "gelu": lambda z: 0.5 * z * (1 + math.erf(z / math.sqrt(2))),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_matches_definition(name: str) -> None:
    z = np.linspace(-6, 6, 241)
    a = gn.activations.get(name)(z)
    expected = np.array([DEFINITIONS[name](v) for v in z])
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_prime_matches_central_differences(name: str) -> None:
    act = gn.activations.get(name)
    z = np.linspace(-5, 5, 200) + 0.0123  # avoid the kink of relu-like functions at 0
    eps = 1e-6
    numeric = (act(z + eps) - act(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.prime(z, act(z)), numeric, rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_and_backward_match_finite_differences(rng: np.random.Generator) -> None:
    sm = gn.activations.get("softmax")
    z = rng.normal(size=(3, 4))
    a = sm(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    eps = 1e-6
    numeric = np.empty((3, 4, 4))
    for k in range(4):
        dz = np.zeros(4)
        dz[k] = eps
        numeric[:, :, k] = (sm(z + dz) - sm(z - dz)) / (2 * eps)
    np.testing.assert_allclose(sm.jacobian(z, a), numeric, atol=1e-9)
    g = rng.normal(size=(3, 4))
    np.testing.assert_allclose(sm.backward(z, a, g), np.einsum("ij,ijk->ik", g, numeric), atol=1e-9)
    with pytest.raises(ValueError, match="no elementwise derivative"):
        sm.prime(z, a)


def test_elementwise_jacobian_is_diagonal() -> None:
    act = gn.activations.get("tanh")
    z = np.array([[0.5, -1.0]])
    J = act.jacobian(z, act(z))
    np.testing.assert_allclose(J[0], np.diag(1 - np.tanh(z[0]) ** 2))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_no_overflow_or_nan_for_large_z(name: str, dtype: str) -> None:
    act = gn.activations.get(name)
    z = np.array([[-1e3, -500.0, -30.0, 0.0, 30.0, 500.0, 1e3]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow/invalid warning fails the test
        a = act(z)
        d = act.backward(z, a, np.ones_like(z))
    assert a.dtype == z.dtype
    assert np.isfinite(a).all() and np.isfinite(d).all()


def test_erfc_matches_math_erfc_to_1e12() -> None:
    x = np.concatenate([np.linspace(-6, 6, 2401), [-27.0, -10.0, 10.0, 26.0]])
    ours = erfc(x)
    ref = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0)


@pytest.fixture
def restored_registry() -> Iterator[None]:
    """The activation registry's contents are put back after the test."""
    saved = dict(ACTIVATIONS)
    yield
    ACTIVATIONS.clear()
    ACTIVATIONS.update(saved)


@pytest.mark.usefixtures("restored_registry")
def test_user_defined_activation_trains_without_editing_the_library() -> None:
    cube = gn.Activation(name="cube_test", forward=lambda z: z**3 / 3, prime=lambda z, a: z**2)
    net = gn.Network([gn.Dense(2, 2, activation=cube), gn.Dense(2, 1)], dtype="float64", seed=0)
    X = np.array([[0.3, -0.2], [0.1, 0.4]])
    assert gn.gradient_check(net, X, np.array([[0.5], [0.1]])).passed
    gn.activations.register(cube)
    assert gn.activations.get("cube_test") is cube
    assert gn.Dense(2, 1, activation="cube_test").activation is cube


def test_subclassed_activation() -> None:
    class Square(gn.Activation):
        name = "square"

        def forward(self, z):  # type: ignore[no-untyped-def]
            return z * z

        def prime(self, z, a):  # type: ignore[no-untyped-def]
            return 2 * z

    sq = Square()
    assert repr(sq) == "square"
    np.testing.assert_allclose(
        sq.backward(np.array([3.0]), sq(np.array([3.0])), np.array([2.0])), [12.0]
    )


def test_activation_errors_are_helpful() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'.*sigmoid"):
        gn.activations.get("sigmod")
    with pytest.raises(ValueError, match="built-in"):
        gn.activations.register(gn.Activation("relu", lambda z: z, lambda z, a: 1 + 0 * z))
    with pytest.raises(ValueError, match="both forward and prime"):
        gn.Activation("half", forward=lambda z: z)
    with pytest.raises(ValueError, match="slope"):
        gn.activations.get("leaky_relu", slope=float("nan"))
    assert gn.activations.get("leaky_relu", slope=0.2).slope == 0.2


# -- the in-place forms the training loop uses (Network.step) --------------------------------

DTYPES = ["float32", "float64"]
BUILT_IN = sorted(name for name, entry in ACTIVATIONS.items() if isinstance(entry, type))


def _z(dtype: str, shape: tuple[int, int] = (6, 5)) -> np.ndarray:
    rng = np.random.default_rng(0)
    z = rng.standard_normal(shape) * 4
    z[0, :3] = [0.0, -0.0, 1e-30]  # the edges: σ'(0), −0
    z[1, :3] = [80.0, -80.0, 700.0 if dtype == "float64" else 80.0]  # saturation
    return z.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BUILT_IN)
def test_forward_into_in_place_equals_forward(name: str, dtype: str) -> None:
    act = gn.activations.get(name)
    z = _z(dtype)
    out, tmp = np.full_like(z, np.nan), np.empty_like(z)
    mask = np.empty(z.shape, dtype=bool)
    with np.errstate(over="ignore"):
        plain = act.forward(z.copy())
        fast = act.forward_into(z, out, tmp, mask)
    assert fast.dtype == plain.dtype
    np.testing.assert_array_equal(fast, plain)
    np.testing.assert_array_equal(z, _z(dtype))  # z is left alone


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BUILT_IN)
def test_backward_into_in_place_equals_backward(name: str, dtype: str) -> None:
    act = gn.activations.get(name)
    z = _z(dtype)
    with np.errstate(over="ignore"):
        a = act.forward(z)
    dC_da = np.random.default_rng(1).standard_normal(z.shape).astype(dtype)
    plain = act.backward(z, a, dC_da.copy())
    tmp, mask = np.empty_like(z), np.empty(z.shape, dtype=bool)
    fast = act.backward_into(z, a, dC_da.copy(), tmp, mask)
    assert fast.dtype == plain.dtype
    np.testing.assert_array_equal(fast, plain)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_into_equals_forward_and_keeps_max_and_sum(dtype: str) -> None:
    z = _z(dtype)
    out, peak, total = np.empty_like(z), np.empty((6, 1), dtype), np.empty((6, 1), dtype)
    a = softmax_into(z, out, peak, total)
    np.testing.assert_array_equal(a, Softmax().forward(z))
    np.testing.assert_array_equal(peak[:, 0], z.max(axis=1))
    np.testing.assert_allclose(total[:, 0], np.exp(z - peak).sum(axis=1))


# -- the facts each activation states about itself -------------------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
def test_output_range_holds_sigma_and_its_finite_ends_are_reached(name: str) -> None:
    act = gn.activations.get(name)
    low, high = act.output_range
    z = np.linspace(-40, 40, 80_001).reshape(1, -1)
    if not act.elementwise:  # softmax: rows of two neurons [z, 0]
        z = np.stack([z[0], np.zeros_like(z[0])], axis=1)
    a = act(z)
    assert low <= a.min() and a.max() <= high
    for end in (low, high):
        if math.isfinite(end):  # approached (within 1e-6), not just a loose bound
            assert np.min(np.abs(a - end)) < 1e-6, f"{name} never comes near {end}"


@pytest.mark.parametrize("name", BUILT_IN)
def test_saturates_and_dies_say_where_the_slope_vanishes(name: str) -> None:
    act = gn.activations.get(name)
    if not act.elementwise:
        assert not act.saturates and not act.dies
        return
    z = np.array([[-30.0, -10.0, -1.0, 1.0, 10.0, 30.0]])
    slope = act.prime(z, act(z))[0]
    steepest = float(act.prime(np.zeros((1, 1)), act(np.zeros((1, 1))))[0, 0])
    # saturates: σ' ≈ 0 far out on both sides; dies: σ' = 0 exactly on a half-line
    assert act.saturates == bool(slope[0] < 1e-3 * steepest and slope[-1] < 1e-3 * steepest)
    assert act.dies == bool(np.all(slope[:3] == 0))


def test_default_inits_and_the_relu_family() -> None:
    he = gn.activations.find(default_init="he")
    assert he == ["relu", "leaky_relu", "elu", "selu", "silu", "gelu"]
    assert set(gn.activations.find(default_init="xavier")) == set(ACTIVATIONS) - set(he)
    for name in ACTIVATIONS:
        assert gn.init.default_for(gn.activations.get(name)) in gn.init.INITS
        assert gn.Dense(2, 2, activation=name).init == gn.activations.get(name).default_init


def test_find_asks_the_registry_and_refuses_what_is_no_fact() -> None:
    assert gn.activations.find(sklearn_name="logistic") == ["sigmoid"]
    assert gn.activations.find(elementwise=False) == ["softmax"]
    assert gn.activations.find(saturates=True) == ["sigmoid", "tanh"]
    assert gn.activations.find(dies=True) == ["relu"]
    assert gn.activations.find() == list(ACTIVATIONS)
    with pytest.raises(ValueError, match=r"'forward' is not a fact.*sklearn_name"):
        gn.activations.find(forward=None)


def test_a_bad_default_init_is_refused_by_name() -> None:
    class Odd(Activation):
        name = "odd"
        default_init = "glorot"

        def forward(self, z: np.ndarray) -> np.ndarray:
            return z

        def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
            return np.ones_like(z)

    with pytest.raises(ValueError, match=r"odd names default_init = 'glorot'.*small, xavier, he"):
        gn.Dense(2, 1, activation=Odd())
    assert gn.Dense(2, 1, activation=Odd(), init="he").init == "he"  # given: no default needed


def test_a_subclass_that_computes_another_sigma_does_not_inherit_its_parents_facts() -> None:
    class DoubleTanh(gn.activations.Tanh):
        name = "double_tanh"

        def forward(self, z: np.ndarray) -> np.ndarray:
            return 2 * np.tanh(z)

        def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
            return 2 - a * a / 2

    class QuietTanh(gn.activations.Tanh):  # the same σ, another name: keeps everything
        name = "quiet_tanh"

    act = DoubleTanh()
    facts = (act.onnx_op, act.torch_module, act.sklearn_name, act.formula, act.derivative_formula)
    assert facts == (None, None, None, None, None)
    assert act.output_range == (-math.inf, math.inf)
    assert act.saturates and act.default_init == "xavier"  # hints are inherited
    # tanh's in-place forms would compute tanh: they are dropped too, and its own are used
    z = np.array([[0.5, -2.0]])
    out, tmp, mask = np.empty_like(z), np.empty_like(z), np.empty(z.shape, dtype=bool)
    np.testing.assert_array_equal(act.forward_into(z, out, tmp, mask), 2 * np.tanh(z))
    a = act(z)
    np.testing.assert_array_equal(
        act.backward_into(z, a, np.ones_like(z), tmp, mask), 2 - a * a / 2
    )
    quiet = QuietTanh()
    assert (quiet.onnx_op, quiet.torch_module, quiet.sklearn_name) == ("Tanh", "Tanh", "tanh")


# -- adding an activation: one class, registered once, works everywhere ---------------------------


class Softsign(Activation):
    """σ(z) = z / (1 + |z|), σ'(z) = 1 / (1 + |z|)²: an activation glassnet does not ship.

    Everything glassnet needs to know about it is stated here, once. It names torch.nn's
    Softsign (so PyTorch interop works) but no ONNX operator and no scikit-learn name, so those
    two refuse it, saying which fact is missing.
    """

    name = "test_softsign"
    output_range = (-1.0, 1.0)
    saturates = True
    formula = "z / (1 + |z|)"
    derivative_formula = "1 / (1 + |z|)²"
    torch_module = "Softsign"

    def __init__(self) -> None:
        super().__init__()
        self.calls = {"forward_into": 0, "backward_into": 0}

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z / (1.0 + np.abs(z))

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 / np.square(1.0 + np.abs(z))

    def forward_into(self, z: Any, out: Any, tmp: Any, mask: Any) -> Any:
        self.calls["forward_into"] += 1
        np.add(1.0, np.abs(z, out=tmp), out=tmp)
        return np.divide(z, tmp, out=out)

    def backward_into(self, z: Any, a: Any, dC_da: Any, tmp: Any, mask: Any) -> Any:
        self.calls["backward_into"] += 1
        np.add(1.0, np.abs(z, out=tmp), out=tmp)
        np.divide(1.0, np.square(tmp, out=tmp), out=tmp)
        return np.multiply(dC_da, tmp, out=dC_da)


@pytest.fixture
def softsign(restored_registry: None) -> Softsign:
    """Softsign, registered for one test (the registry is restored afterwards)."""
    act = Softsign()
    gn.activations.register(act)
    return act


def _softsign_net(seed: int = 0) -> gn.Network:
    return gn.Network.from_sizes(
        [2, 6, 1], activation="test_softsign", output_activation="sigmoid",
        cost="binary_cross_entropy", seed=seed, dtype="float64",
    )  # fmt: skip


def _xor() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 4)
    return X, np.array([0, 1, 1, 0] * 4)


def test_a_registered_activation_trains_on_the_fast_path(
    softsign: Softsign, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = _xor()
    net = _softsign_net()
    assert net.layers[0].activation is softsign and net.layers[0].init == "xavier"
    X_check = np.random.default_rng(0).normal(size=(5, 2))  # away from softsign's kink z = 0
    assert gn.gradient_check(net, X_check, y[:5]).passed
    softsign.calls = {"forward_into": 0, "backward_into": 0}
    net.fit(X, y, epochs=3, batch_size=4, optimizer=gn.SGD(lr=0.5), seed=1, verbose=0)
    # 4 mini-batches × 3 epochs, each one forward and one backward through layer 1, in place
    assert softsign.calls == {"forward_into": 12, "backward_into": 12}
    # without its in-place forms the same loop trains it through forward/prime: same numbers
    monkeypatch.setattr(Softsign, "forward_into", Activation.forward_into)
    monkeypatch.setattr(Softsign, "backward_into", Activation.backward_into)
    plain = _softsign_net()
    plain.fit(X, y, epochs=3, batch_size=4, optimizer=gn.SGD(lr=0.5), seed=1, verbose=0)
    assert softsign.calls == {"forward_into": 12, "backward_into": 12}
    np.testing.assert_allclose(net.parameter_vector(), plain.parameter_vector(), rtol=1e-13)


def test_a_registered_activation_is_explained_and_diagnosed(softsign: Softsign) -> None:
    X, y = _xor()
    net = _softsign_net()
    e = gn.explain.explain_weight(net, X, y, 1, 0, 1)
    assert "σ'(z^(1)) = 1 / (1 + |z|)² at z^(1)_0" in [f.formula for f in e.factors]
    assert gn.diagnose(net, X, y).layers[0].dead is None  # softsign does not die
    net.W[1] = net.W[1] * 400  # every hidden z far out in softsign's flat tails
    net.b[1] = np.full(6, 50.0)
    d = gn.diagnose(net, X, y)
    assert d.layers[0].saturated == 1.0 and "saturated_units" in d.kinds
    plots = pytest.importorskip("glassnet.plots")
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    (ax,) = plots.plot_activation_histograms(net, X, fig=Figure())
    a_1 = net.trace(X, y).a[1]
    assert ax.get_title().endswith(f"{100 * np.mean(np.abs(a_1) > 0.98):.0f} % within 0.02 of ±1")


def test_a_registered_activation_is_saved_and_loaded(softsign: Softsign, tmp_path: Path) -> None:
    net = _softsign_net(seed=3)
    gn.save(net, tmp_path / "softsign.safetensors")
    again = gn.load(tmp_path / "softsign.safetensors")
    assert again.layers[0].activation is softsign
    X, _ = _xor()
    np.testing.assert_array_equal(again.forward(X), net.forward(X))


def test_interop_uses_a_registered_activations_mappings_or_names_the_missing_one(
    softsign: Softsign,
) -> None:
    interop = pytest.importorskip("glassnet.interop")
    net = _softsign_net()
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match=r"layer 1: activation test_softsign has no ONNX form.*"
                       r"onnx_op"):  # fmt: skip
        interop.to_onnx(net)
    pytest.importorskip("sklearn")
    with pytest.raises(ValueError, match=r"one of identity, sigmoid, tanh, relu.*sklearn_name"):
        interop.to_sklearn(net)
    torch = pytest.importorskip("torch")
    module = interop.to_torch_module(net)
    assert isinstance(module[1], torch.nn.Softsign)
    X, _ = _xor()
    with torch.no_grad():
        out = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(out, net.forward(X), rtol=1e-12)
    assert interop.from_torch(module).layers[0].activation is softsign


def test_an_activation_is_resolved_from_what_a_layer_config_writes() -> None:
    layer = gn.Dense(3, 2, activation=gn.activations.get("leaky_relu", slope=0.3), dropout=0.2)
    again = gn.Dense.from_config(layer.config())  # {"activation": {"name": …, "slope": …}, …}
    assert repr(again) == repr(layer) and again.activation == layer.activation
    with pytest.raises(ValueError, match=r"given as a dict needs its name, e\.g\. \{'name'"):
        gn.activations.get({"slope": 1.0})
