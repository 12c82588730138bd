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

# The estimators exactly as a user makes them, with every default (the checks' data sets are
# small: both together take a few seconds), then three other configurations, kept small and short
# to keep the suite fast. The regressor gets smaller batches so that 30 epochs are enough steps for
# check_regressors_train.
EARLY_STOPPING = GlassnetClassifier(
    hidden_layer_sizes=(8, 8),
    activation="relu",  # tanh saturates on check_class_weight_classifiers' unscaled data (σ = 20)
    solver="sgd",
    learning_rate_init=0.1,
    early_stopping=True,
    validation_fraction=0.5,  # the checks' smallest data sets have 10 samples
    max_iter=30,
    dtype="float64",
)
CHECKED = [
    GlassnetClassifier(),
    GlassnetRegressor(),
    GlassnetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30),
    GlassnetRegressor(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30, batch_size=32
    ),
    EARLY_STOPPING,
]


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """Checks known to fail, with the reason: none for the defaults or without early stopping.

    With early stopping, the held-out split draws samples, not units of weight: a sample of
    weight 3 is held out whole, while its 3 repeated rows may fall on both sides. So fitting
    with integer weights and fitting on repeated rows hold out different data, and cannot
    give the same model (scikit-learn's MLP splits the same way).
    """
    if estimator is EARLY_STOPPING:
        return {
            "check_sample_weight_equivalence_on_dense_data": "early stopping holds out samples "
            "whole, whatever their weight, so weights and repeated rows hold out different data"
        }
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
    assert clf.coefs_[0].dtype == np.float64  # float64 for float64 X (dtype=None)
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
    gn.save(clf.network_, tmp_path / "model.safetensors")
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
    clf.set_params(hidden_layer_sizes=(8,), dtype="float32")
    with pytest.raises(ValueError, match="the fitted network is float64"):
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


# -- precision: the network's dtype follows X ----------------------------------------------------


def test_dtype_follows_the_input_unless_it_is_set() -> None:
    """As scikit-learn's MLP: float32 X trains a float32 network, any other X a float64 one;
    ``dtype="float32"``/``"float64"`` fixes the precision whatever X is."""
    X, y = blobs()
    for X_in, dtype, want in [
        (X, None, np.float64),
        (X.astype(np.float32), None, np.float32),
        (np.rint(X).astype(int), None, np.float64),
        (X.tolist(), None, np.float64),
        (X, "float32", np.float32),
        (X.astype(np.float32), "float64", np.float64),
    ]:
        clf = quiet(GlassnetClassifier(hidden_layer_sizes=(4,), max_iter=2, dtype=dtype), X_in, y)
        assert clf.network_.dtype == want and clf.coefs_[0].dtype == want
        assert clf.predict_proba(X_in).dtype == np.float64  # as scikit-learn's, always
    # partial_fit keeps the precision of its first call, whatever X comes later
    clf = GlassnetClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X.astype(np.float32), y, classes=[0, 1, 2])
    clf.partial_fit(X, y)
    assert clf.network_.dtype == np.float32 and clf.n_iter_ == 2


def test_the_default_regressor_predicts_the_same_for_a_subset_of_rows() -> None:
    """scikit-learn's check_methods_subset_invariance: float64 X is computed in float64, so a
    row's prediction does not depend on which other rows are predicted with it (a float32
    network's matrix products round differently by batch shape, about 1e-7 apart)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    reg = quiet(GlassnetRegressor(random_state=0), X, X @ rng.normal(size=5))
    whole = reg.predict(X)
    for rows in (slice(0, 7), slice(7, 8), slice(20, 40)):
        np.testing.assert_allclose(reg.predict(X[rows]), whole[rows], rtol=1e-12, atol=1e-14)


# -- sample_weight and class_weight ---------------------------------------------------------------

WEIGHTS = np.array([1, 0, 3, 2, 1, 0, 1, 4, 1, 2, 1, 1, 2, 0, 1, 3, 1, 1])  # 18 rows, Σ = 25


def _weighted_data(task: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(len(WEIGHTS), 4))
    y: np.ndarray = {
        "binary": np.array(["no", "yes"])[np.arange(len(WEIGHTS)) % 2],
        "multiclass": np.arange(len(WEIGHTS)) % 3,
        "regression": np.column_stack([X[:, 0] - X[:, 1], np.sin(X[:, 2])]),
    }[task]
    return X, y


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_integer_sample_weight_equals_repeated_rows(task: str, solver: str) -> None:
    """fit(X, y, sample_weight=s) with integer s trains exactly as fit on each row repeated s_i
    times (0: left out), in float64 with shuffling off and one mini-batch of every sample
    (batch_size="auto" is min(200, n)). The cost Σ s_i C_i / Σ s_i is then the mean over
    the repeated rows, and alpha's penalty (α/2)‖W‖² / Σ s_i is the same too: only the order
    of the additions differs, hence the tolerance of a few roundings."""
    X, y = _weighted_data(task)
    make = GlassnetRegressor if task == "regression" else GlassnetClassifier
    params = dict(hidden_layer_sizes=(6,), solver=solver, alpha=0.1, learning_rate_init=0.05,
                  shuffle=False, max_iter=15, random_state=0)  # fmt: skip
    weighted = quiet(make(**params), X, y, sample_weight=WEIGHTS)
    repeated = quiet(make(**params), X.repeat(WEIGHTS, axis=0), y.repeat(WEIGHTS, axis=0))
    assert weighted.network_.dtype == np.float64
    assert weighted.network_.l2 == repeated.network_.l2 == 0.1 / WEIGHTS.sum()
    for mine, other in zip(
        weighted.coefs_ + weighted.intercepts_, repeated.coefs_ + repeated.intercepts_
    ):
        np.testing.assert_allclose(mine, other, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12)
    assert weighted.n_iter_ == repeated.n_iter_ == 15
    assert weighted.loss_curve_[-1] < weighted.loss_curve_[0]
    # partial_fit takes the weights the same way
    fresh = make(**params)
    more = make(**params)
    extra = {} if task == "regression" else {"classes": np.unique(y)}
    for _ in range(3):
        fresh.partial_fit(X, y, sample_weight=WEIGHTS, **extra)
        more.partial_fit(X.repeat(WEIGHTS, axis=0), y.repeat(WEIGHTS, axis=0), **extra)
    np.testing.assert_allclose(fresh.coefs_[0], more.coefs_[0], rtol=1e-12, atol=1e-14)


def test_rows_of_zero_weight_change_nothing() -> None:
    """Rows of weight 0 may hold anything: the model is the one fitted without them."""
    X, y = _weighted_data("multiclass")
    wild_X = np.vstack([X, 1e3 * np.ones((5, 4))])
    wild_y = np.r_[y, [0, 1, 2, 0, 1]]
    weights = np.r_[np.ones(len(X)), np.zeros(5)]
    params = dict(hidden_layer_sizes=(6,), shuffle=False, max_iter=10, random_state=0)
    with_them = quiet(GlassnetClassifier(**params), wild_X, wild_y, sample_weight=weights)
    without = quiet(GlassnetClassifier(**params), X, y)
    np.testing.assert_allclose(with_them.coefs_[0], without.coefs_[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(with_them.loss_curve_, without.loss_curve_, rtol=1e-12)


def test_sample_weight_in_mini_batches_sets_alpha_per_expected_batch_weight() -> None:
    """With several mini-batches, alpha's penalty is divided by a batch's expected weight,
    batch_size · mean(s) (scikit-learn divides by each batch's own Σ s_i), and the weights
    still change the model."""
    X, y = blobs(m=120)
    weights = np.where(y == 0, 3.0, 1.0)
    clf = quiet(GlassnetClassifier(alpha=0.5, batch_size=20, max_iter=3, random_state=0),
                X, y, sample_weight=weights)  # fmt: skip
    assert clf.network_.l2 == pytest.approx(0.5 / (20 * weights.mean()))
    plain = quiet(GlassnetClassifier(alpha=0.5, batch_size=20, max_iter=3, random_state=0), X, y)
    assert not np.allclose(clf.coefs_[0], plain.coefs_[0])


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        # scikit-learn's _check_sample_weight words these
        (np.ones(119), "(?i)sample.weight"),
        (np.ones((120, 2)), "(?i)sample.weight"),
        (np.r_[-1.0, np.ones(119)], "(?i)negative.*sample_weight"),
        (np.r_[np.nan, np.ones(119)], "(?i)sample_weight.*NaN"),
        (np.zeros(120), "zero"),
    ],
)
def test_bad_sample_weight_is_refused(weights: np.ndarray, message: str) -> None:
    X, y = blobs(m=120)
    for est, target in (
        (GlassnetClassifier(max_iter=1), y),
        (GlassnetRegressor(max_iter=1), X[:, 0]),
    ):
        with pytest.raises(ValueError, match=message):
            est.fit(X, target, sample_weight=weights)
        assert not hasattr(est, "network_")


def test_sample_weight_is_not_changed_in_place() -> None:
    X, y = blobs()
    weights = np.linspace(0.5, 2.0, len(X))
    before = weights.copy()
    quiet(GlassnetClassifier(max_iter=2, class_weight={0: 4.0}), X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, before)


def test_balanced_class_weight_is_n_over_k_times_the_class_count() -> None:
    """class_weight="balanced" weighs class c by n / (k · n_c), so that each class weighs the
    same in the cost: exactly the fit with those numbers as sample_weight."""
    rng = np.random.default_rng(2)
    X, y = blobs(m=150)
    y = np.where(rng.random(150) < 0.6, 0, y)  # class 0 is common
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    balanced = quiet(GlassnetClassifier(class_weight="balanced", **params), X, y)
    counts = np.bincount(y)
    by_hand = quiet(GlassnetClassifier(**params), X, y, sample_weight=(150 / (3 * counts))[y])
    for mine, other in zip(balanced.coefs_, by_hand.coefs_):
        np.testing.assert_array_equal(mine, other)
    assert balanced.loss_curve_ == by_hand.loss_curve_


def test_class_weight_dict_multiplies_sample_weight() -> None:
    """class_weight={label: w} (labels left out weigh 1) multiplies sample_weight, by label."""
    X, y = blobs()
    labels = np.array(["ant", "bee", "cat"])[y]
    s = np.linspace(0.5, 2.0, len(X))
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    by_class = quiet(
        GlassnetClassifier(class_weight={"ant": 2.0, "cat": 0.5}, **params), X, labels,
        sample_weight=s,
    )  # fmt: skip
    factor = np.select([labels == "ant", labels == "cat"], [2.0, 0.5], 1.0)
    by_hand = quiet(GlassnetClassifier(**params), X, labels, sample_weight=s * factor)
    for mine, other in zip(by_class.coefs_, by_hand.coefs_):
        np.testing.assert_array_equal(mine, other)
    # partial_fit too (a dict needs no class counts)
    one, two = (GlassnetClassifier(**params) for _ in range(2))
    one.set_params(class_weight={"ant": 2.0, "cat": 0.5})
    one.partial_fit(X, labels, classes=["ant", "bee", "cat"], sample_weight=s)
    two.partial_fit(X, labels, classes=["ant", "bee", "cat"], sample_weight=s * factor)
    np.testing.assert_array_equal(one.coefs_[0], two.coefs_[0])


def test_balanced_class_weight_finds_more_of_a_rare_class() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.0, 1.0, size=(270, 2)), rng.normal(1.0, 1.0, size=(30, 2))])
    y = np.r_[np.zeros(270, dtype=int), np.ones(30, dtype=int)]
    params = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=100, random_state=0)
    found = {}
    for class_weight in (None, "balanced"):
        clf = quiet(GlassnetClassifier(class_weight=class_weight, **params), X, y)
        found[class_weight] = int(np.count_nonzero(clf.predict(X[y == 1]) == 1))
    assert found["balanced"] > found[None] + 5


@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        ("auto", "class_weight must be None, 'balanced' or a dict"),
        ([1.0, 2.0, 3.0], "class_weight must be None, 'balanced' or a dict"),
        ({7: 2.0}, r"class_weight has labels \[7\] that are not among the classes \[0, 1, 2\]"),
        ({0: -1.0}, r"class_weight\[0\] must be a number in \[0, inf\)"),
        ({0: 0.0, 1: 0.0, 2: 0.0}, r"\(sample_weight × class_weight\) are zero for every"),
    ],
)
def test_bad_class_weight_is_refused(class_weight: Any, message: str) -> None:
    X, y = blobs()
    clf = GlassnetClassifier(max_iter=1, class_weight=class_weight)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_balanced_class_weight_is_refused_by_partial_fit() -> None:
    X, y = blobs()
    clf = GlassnetClassifier(class_weight="balanced")
    with pytest.raises(ValueError, match=r"compute_class_weight.*class_weight=dict"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_early_stopping_splits_the_weights_and_scores_with_them() -> None:
    """The held-out part keeps its samples' weights, and its score is weighted with them, as in
    scikit-learn: best_validation_score_ is the weighted accuracy of the kept weights."""
    X, y = blobs(m=200, seed=3)
    y = np.where(np.random.default_rng(0).random(200) < 0.2, (y + 1) % 3, y)  # some label noise
    weights = np.random.default_rng(1).integers(1, 5, 200).astype(float)
    clf = quiet(
        GlassnetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05,
                           early_stopping=True, validation_fraction=0.2, n_iter_no_change=4,
                           max_iter=40, random_state=0),
        X, y, sample_weight=weights,
    )  # fmt: skip
    rng = np.random.default_rng(0)  # as fit draws: the weights first, then the split's seed
    gn.Network.from_sizes([4, 16, 3], "relu", "softmax", "cross_entropy", seed=rng)
    _, X_val, _, y_val, _, w_val = train_test_split(
        X, y, weights, test_size=0.2, random_state=int(rng.integers(2**31 - 1)), stratify=y
    )
    score = clf.score(X_val, y_val, sample_weight=w_val)
    assert score == pytest.approx(clf.best_validation_score_)
    assert score != pytest.approx(clf.score(X_val, y_val))  # the weights did count


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
