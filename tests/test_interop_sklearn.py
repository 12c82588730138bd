"""scikit-learn (glassnet.interop.sklearn): fitted MLPs read into networks and networks made
into fitted MLPs, compared with predict and predict_proba; other layer types refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.interop import from_sklearn, to_sklearn
from test_interop import image_network, network

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


BATCHNORM = gn.Network([gn.Dense(3, 4), gn.layers.BatchNorm(4), gn.Dense(4, 2)])


@pytest.mark.parametrize(
    ("net", "refused"),
    [(image_network("float64"), "layer 1 is Conv2D"), (BATCHNORM, "layer 2 is BatchNorm")],
    ids=["convolutional", "batchnorm"],
)
def test_to_sklearn_refuses_layers_other_than_dense(net: gn.Network, refused: str) -> None:
    only = r"scikit-learn's MLP works with fully connected \(Dense\) layers only, but "
    with pytest.raises(ValueError, match=only + refused):
        to_sklearn(net)
