"""glassnet.sklearn: the estimators pass scikit-learn's checks and mean what MLP* mean."""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as gn
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor

# -- scikit-learn's own estimator checks ---------------------------------------------------------

# Small networks and few epochs keep the suite fast; the public defaults are not changed. The
# regressor gets smaller batches so that 30 epochs are enough steps for check_regressors_train.
CHECKED = [
    GlassnetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30),
    GlassnetRegressor(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30, batch_size=32
    ),
    GlassnetClassifier(
        hidden_layer_sizes=(8, 8),
        activation="tanh",
        solver="sgd",
        learning_rate_init=0.1,
        early_stopping=True,
        validation_fraction=0.5,  # the checks' smallest data sets have 10 samples
        max_iter=30,
        dtype="float64",
    ),
]


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """Checks known to fail, with the reason. None at present: every check passes."""
    return {}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:batch_size=.*is larger than:UserWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


# -- data ---------------------------------------------------------------------------------------


def blobs(m: int = 120, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(m) % classes
    centres = rng.normal(scale=3.0, size=(classes, 4))
    return centres[y] + rng.normal(size=(m, 4)), y


def quiet(est: Any, *args: Any, **kwargs: Any) -> Any:
    """est.fit without the ConvergenceWarning of a deliberately short run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# -- the same numbers as scikit-learn's MLP -------------------------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_one_epoch_of_sgd_equals_sklearns_mlp(task: str) -> None:
    """From the same weights, epochs of SGD with momentum and an L2 penalty (alpha) give
    scikit-learn's weights and loss: alpha and the losses mean the same in both."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y: np.ndarray = {
        "binary": (X[:, 0] > 0).astype(int),
        "multiclass": np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]),
        "regression": np.sin(X[:, 0]) + X[:, 1],
    }[task]
    params = dict(
        hidden_layer_sizes=(5, 3),
        activation="tanh",
        solver="sgd",
        momentum=0.9,
        nesterovs_momentum=True,
        alpha=0.3,
        batch_size=20,
        learning_rate_init=0.05,
        shuffle=False,
        random_state=0,
    )
    fit_args: dict[str, Any] = {}
    if task == "regression":
        theirs: Any = MLPRegressor(**params)
        ours: Any = GlassnetRegressor(**params, dtype="float64")
    else:
        theirs, ours = MLPClassifier(**params), GlassnetClassifier(**params, dtype="float64")
        fit_args = {"classes": np.unique(y)}
    theirs.partial_fit(X, y, **fit_args)
    ours.partial_fit(X, y, **fit_args)
    for mine, other in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        mine[...] = other  # coefs_ are views of network_.W[l].T: this sets the network
    # two epochs from those weights, each with a fresh optimizer: the second epoch also uses
    # the velocity built up in the first
    for est in (theirs, ours):
        quiet(est.set_params(warm_start=True, max_iter=2), X, y)
    for mine, other in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, other, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_[-2:], theirs.loss_curve_[-2:], rtol=1e-10)
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_


# -- fitted attributes ----------------------------------------------------------------------------


def test_coefs_are_the_transposed_weights_of_the_network() -> None:
    X, y = blobs()
    clf = quiet(GlassnetClassifier(hidden_layer_sizes=(7, 5), max_iter=3, random_state=0), X, y)
    net = clf.network_
    assert isinstance(net, gn.Network) and net.sizes == [4, 7, 5, 3]
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(clf.coefs_[l - 1], net.W[l].T)
        np.testing.assert_array_equal(clf.intercepts_[l - 1], net.b[l])
    assert clf.coefs_[0].dtype == np.float32  # float32 by default
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.n_features_in_ == 4 and clf.n_iter_ == 3 == len(clf.loss_curve_)
    assert clf.t_ == 3 * len(X)
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.validation_loss_curve_ is None
    # the network is the model: its own forward pass gives predict_proba
    np.testing.assert_allclose(clf.predict_proba(X), net.forward(X), rtol=1e-5, atol=1e-7)


def test_the_network_saves_and_loads_as_a_glassnet_model(tmp_path: Path) -> None:
    X, y = blobs()
    clf = quiet(GlassnetClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0), X, y)
    clf.network_.save(tmp_path / "model.safetensors")
    net = gn.load(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(clf.classes_[net.forward(X).argmax(axis=1)], clf.predict(X))


def test_predict_proba_rows_sum_to_one_and_agree_with_predict() -> None:
    for classes in (2, 4):
        X, y = blobs(classes=classes)
        labels = np.array(["ant", "bee", "cat", "dog"])[y]
        clf = quiet(
            GlassnetClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=1), X, labels
        )
        proba = clf.predict_proba(X)
        assert proba.shape == (len(X), classes) and proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert (proba >= 0).all()
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
        np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
        assert list(clf.classes_) == sorted(set(labels))
    assert clf.network_.sizes[-1] == 4
    two = quiet(GlassnetClassifier(hidden_layer_sizes=(3,), max_iter=2), *blobs(classes=2))
    assert two.network_.sizes[-1] == 1 and two.out_activation_ == "logistic"
    assert two.network_.cost_function.name == "binary_cross_entropy"


# -- quality --------------------------------------------------------------------------------------


def test_digits_accuracy_in_a_pipeline() -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    model = make_pipeline(
        StandardScaler(),
        GlassnetClassifier(hidden_layer_sizes=(64,), batch_size=64, max_iter=40, random_state=0),
    )
    quiet(model, X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_regressor_fits_a_smooth_function() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(400, 1))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 0]
    reg = quiet(
        GlassnetRegressor(
            hidden_layer_sizes=(32, 32),
            activation="tanh",
            learning_rate_init=0.01,
            batch_size=32,
            max_iter=150,
            random_state=0,
        ),
        X,
        y,
    )
    X_test = np.linspace(-2.9, 2.9, 50).reshape(-1, 1)
    assert reg.score(X_test, np.sin(X_test[:, 0]) + 0.5 * X_test[:, 0]) > 0.98
    assert reg.predict(X_test).shape == (50,) and reg.predict(X_test).dtype == np.float64


def test_regressor_with_several_outputs() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] * 2])
    reg = quiet(GlassnetRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, Y)
    assert reg.n_outputs_ == 2 and reg.network_.sizes == [3, 8, 2]
    assert reg.predict(X).shape == (100, 2)
    with pytest.raises(ValueError, match="fitted with 2"):
        reg.partial_fit(X, Y[:, 0])  # one column, not two


def test_grid_search() -> None:
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(),
            GlassnetClassifier(learning_rate_init=0.05, max_iter=20, random_state=0),
        ),
        {"glassnetclassifier__hidden_layer_sizes": [(4,), (16,)]},
        cv=3,
    )
    quiet(search, X, y)
    assert search.best_params_["glassnetclassifier__hidden_layer_sizes"] in [(4,), (16,)]
    assert search.best_estimator_[-1].network_.sizes[0] == 4
    assert search.score(X, y) > 0.7


# -- randomness -----------------------------------------------------------------------------------


def test_same_random_state_same_result_and_another_differs() -> None:
    X, y = blobs()
    make = lambda seed: quiet(  # noqa: E731
        GlassnetClassifier(
            hidden_layer_sizes=(6,), early_stopping=True, max_iter=5, random_state=seed
        ),
        X,
        y,
    )
    a, b, c = make(3), make(3), make(4)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    assert a.loss_curve_ == b.loss_curve_ and a.validation_scores_ == b.validation_scores_
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    # a Generator is accepted, and draws come only from it
    d = quiet(
        GlassnetClassifier(
            hidden_layer_sizes=(6,), max_iter=2, random_state=np.random.default_rng(5)
        ),
        X,
        y,
    )
    e = quiet(
        GlassnetClassifier(
            hidden_layer_sizes=(6,), max_iter=2, random_state=np.random.default_rng(5)
        ),
        X,
        y,
    )
    np.testing.assert_array_equal(d.coefs_[0], e.coefs_[0])


# -- continuing training --------------------------------------------------------------------------


def test_warm_start_continues_and_cold_start_restarts() -> None:
    X, y = blobs()
    clf = GlassnetClassifier(hidden_layer_sizes=(8,), max_iter=5, warm_start=True, random_state=0)
    quiet(clf, X, y)
    first = list(clf.loss_curve_)
    network = clf.network_
    quiet(clf, X, y)
    assert clf.network_ is network and clf.n_iter_ == 10
    assert clf.loss_curve_[:5] == first and len(clf.loss_curve_) == 10
    assert clf.loss_curve_[5] < first[0]  # continued from the trained weights
    clf.set_params(warm_start=False)
    quiet(clf, X, y)
    assert clf.network_ is not network and clf.n_iter_ == 5
    assert clf.loss_curve_ == first  # a fresh start with the same random_state


def test_warm_start_refuses_a_changed_architecture() -> None:
    X, y = blobs()
    clf = quiet(GlassnetClassifier(hidden_layer_sizes=(8,), max_iter=2, warm_start=True), X, y)
    clf.set_params(hidden_layer_sizes=(9,))
    with pytest.raises(ValueError, match="warm_start=False"):
        quiet(clf, X, y)
    clf.set_params(hidden_layer_sizes=(8,), dtype="float64")
    with pytest.raises(ValueError, match="the fitted network is float32"):
        quiet(clf, X, y)


def test_partial_fit_continues_training() -> None:
    X, y = blobs()
    clf = GlassnetClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # class 2 not yet seen
    assert list(clf.classes_) == [0, 1, 2] and clf.network_.sizes[-1] == 3
    for _ in range(9):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 10 and len(clf.loss_curve_) == 10
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)
    reg = GlassnetRegressor(hidden_layer_sizes=(4,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, X[:, 0])
    assert reg.n_iter_ == 3 and reg.loss_curve_[2] < reg.loss_curve_[0]


# -- stopping ----------------------------------------------------------------------------------


def test_stops_when_the_loss_stops_improving_by_tol() -> None:
    X, y = blobs()
    # the first epoch always improves on best_loss_ = inf; no later one can improve by tol = 1e9
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = GlassnetClassifier(max_iter=100, tol=1e9, n_iter_no_change=3, random_state=0)
        clf.fit(X, y)
    assert clf.n_iter_ == 1 + 3 + 1  # stops when more than n_iter_no_change epochs did not improve


def test_warns_when_max_iter_is_reached() -> None:
    X, y = blobs()
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        GlassnetClassifier(max_iter=3, random_state=0).fit(X, y)


def test_adaptive_learning_rate_divides_by_five_before_stopping() -> None:
    X, y = blobs()
    clf = GlassnetClassifier(
        solver="sgd", learning_rate="adaptive", learning_rate_init=0.1, tol=1e9, n_iter_no_change=2
    ).fit(X, y)
    # 0.1 / 5^8 ≤ 1e-6 < 0.1 / 5^7: eight divisions, each after 3 epochs without improvement,
    # then a ninth stall stops training
    assert clf.n_iter_ == 1 + 9 * 3


def test_invscaling_learning_rate() -> None:
    X, y = blobs()
    clf = quiet(
        GlassnetClassifier(
            solver="sgd",
            learning_rate="invscaling",
            learning_rate_init=0.5,
            power_t=0.5,
            max_iter=4,
        ),
        X,
        y,
    )
    assert clf._solver.lr == pytest.approx(0.5 / (clf.t_ + 1) ** 0.5)


def test_early_stopping_keeps_the_best_epoch() -> None:
    X, y = blobs(m=200, seed=3)
    y = np.where(np.random.default_rng(0).random(200) < 0.2, (y + 1) % 3, y)  # some label noise
    clf = quiet(
        GlassnetClassifier(
            hidden_layer_sizes=(32,),
            learning_rate_init=0.05,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=4,
            max_iter=60,
            random_state=0,
        ),
        X,
        y,
    )
    assert clf.best_loss_ is None
    scores = clf.validation_scores_
    assert len(scores) == len(clf.validation_loss_curve_) == len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(scores)
    assert all(0 <= s <= 1 for s in scores)
    # Rebuild the held-out part as fit drew it (weights first, then the split's seed, from one
    # Generator) and check that the kept weights score best_validation_score_ on it.
    rng = np.random.default_rng(0)
    gn.Network.from_sizes([4, 32, 3], "relu", "softmax", "cross_entropy", seed=rng)
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.2, random_state=int(rng.integers(2**31 - 1)), stratify=y
    )
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


# -- parameters -----------------------------------------------------------------------------------


def test_alpha_is_the_networks_l2_per_batch() -> None:
    X, y = blobs()
    norms = []
    for alpha in (1e-5, 10.0):
        clf = quiet(
            GlassnetClassifier(alpha=alpha, batch_size=40, max_iter=20, random_state=0), X, y
        )
        assert clf.network_.l2 == pytest.approx(alpha / 40)
        norms.append(sum(float(np.sum(W**2)) for W in clf.coefs_))
    assert norms[1] < norms[0]
    auto = quiet(GlassnetClassifier(alpha=0.5, max_iter=1), X, y)  # batch_size="auto": min(200, m)
    assert auto.network_.l2 == pytest.approx(0.5 / len(X))


@pytest.mark.parametrize(
    ("solver", "optimizer"),
    [
        ("sgd", gn.SGD),
        ("adam", gn.Adam),
        ("rmsprop", gn.RMSprop),
        ("adagrad", gn.Adagrad),
        ("adamw", gn.AdamW),
    ],
)
def test_solvers(solver: str, optimizer: type) -> None:
    X, y = blobs()
    clf = quiet(GlassnetClassifier(solver=solver, alpha=0.01, max_iter=3, random_state=0), X, y)
    assert type(clf._solver) is optimizer and clf._solver.t == 3  # 120 samples: one batch/epoch
    if solver == "adamw":  # alpha is decoupled weight decay there, not an L2 penalty
        assert clf._solver.weight_decay == 0.01 and clf.network_.l2 == 0
    else:
        assert clf.network_.l2 == pytest.approx(0.01 / len(X))


def test_activation_names() -> None:
    X, y = blobs()
    for name, glassnet_name in [
        ("logistic", "sigmoid"),
        ("identity", "identity"),
        ("gelu", "gelu"),
    ]:
        clf = quiet(
            GlassnetClassifier(activation=name, hidden_layer_sizes=(3, 3), max_iter=1), X, y
        )
        assert [layer.activation.name for layer in clf.network_.layers[:-1]] == [glassnet_name] * 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "softmax"}, "activation must be one of"),
        ({"solver": "lbfgs"}, "solver must be one of"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be"),
        ({"alpha": -1.0}, "alpha must be"),
        ({"learning_rate_init": 0.0}, "learning_rate_init must be"),
        ({"validation_fraction": 1.0}, "validation_fraction must be"),
        ({"max_iter": 0}, "max_iter must be"),
        ({"batch_size": "all"}, "batch_size"),
        ({"dtype": "float16"}, "dtype must be"),
        ({"learning_rate": "optimal"}, "learning_rate must be"),
        ({"random_state": -1}, "random_state must be"),
    ],
)
def test_bad_parameters_are_refused_at_fit(params: dict[str, Any], message: str) -> None:
    X, y = blobs()
    clf = GlassnetClassifier(**{"max_iter": 1, **params})  # __init__ only stores the values
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_one_class_is_refused() -> None:
    X, _ = blobs()
    with pytest.raises(ValueError, match="only one class"):
        GlassnetClassifier().fit(X, np.zeros(len(X)))


def test_batch_size_above_the_sample_count_is_clipped_with_a_warning() -> None:
    X, y = blobs(m=30)
    with pytest.warns(UserWarning, match="larger than the 30 training samples"):
        clf = quiet(GlassnetClassifier(batch_size=50, max_iter=2, random_state=0), X, y)
    assert clf.network_.l2 == pytest.approx(clf.alpha / 30)


def test_verbose_prints_one_line_per_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = blobs()
    quiet(GlassnetClassifier(max_iter=3, verbose=True), X, y)
    assert capsys.readouterr().out.count("epoch ") == 3
    GlassnetClassifier(max_iter=10, tol=1e9, n_iter_no_change=2, verbose=True).fit(X, y)
    assert "not improved by more than tol=1e+09 for 3 epochs in a row" in capsys.readouterr().out


def test_missing_scikit_learn_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.base", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "glassnet.sklearn")
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[sklearn\]'"):
        importlib.import_module("glassnet.sklearn")
    monkeypatch.undo()
    assert importlib.import_module("glassnet.sklearn").GlassnetClassifier is GlassnetClassifier


def test_unfitted_estimator_has_no_fitted_attributes() -> None:
    from sklearn.exceptions import NotFittedError

    clf = GlassnetClassifier()
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "network_")
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((1, 4)))
    with pytest.raises(NotFittedError):
        _ = clf.intercepts_


def test_a_legacy_randomstate_seeds_the_estimator() -> None:
    X, y = blobs()
    fits = [
        quiet(GlassnetClassifier(max_iter=2, random_state=np.random.RandomState(7)), X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])
