"""scikit-learn, both ways: ``MLPClassifier`` and ``MLPRegressor``, networks of Dense layers.

scikit-learn stores layer l's weights as ``coefs_[l-1]`` of shape (n_{l−1}, n_l), the transpose
of glassnet's ``net.W[l]`` (n_l, n_{l−1}), and its biases as ``intercepts_[l-1]`` = b^(l). Its
MLP knows only fully connected layers with one activation for all hidden layers, so a network
with another layer type (convolution, pooling, BatchNorm, …) is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import activations as acts
from ..activations import Activation
from ..costs import COSTS
from ..layers import Dense
from ..network import Network
from ._common import check_network, network_from, require

__all__ = ["from_sklearn", "to_sklearn"]


def _from_sklearn_name(name: object) -> Activation | None:
    """The elementwise glassnet activation scikit-learn calls ``name`` (its ``sklearn_name``)."""
    found = acts.find(sklearn_name=name, elementwise=True) if isinstance(name, str) else []
    return acts.get(found[0]) if found else None


def from_sklearn(
    mlp: Any, dtype: DTypeLike | None = None, seed: int | np.random.Generator | None = None
) -> Network:
    """A glassnet Network equal to a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``.

    scikit-learn stores layer l's weights as ``coefs_[l-1]`` of shape (n_{l−1}, n_l), the
    transpose of ``net.W[l]``, so W^(l) = ``coefs_[l-1].T`` and b^(l) = ``intercepts_[l-1]``.
    The hidden activation maps logistic → sigmoid (identity, tanh, relu keep their names) and
    the output activation ``out_activation_`` softmax → softmax with cost ``cross_entropy``,
    logistic → sigmoid with ``binary_cross_entropy`` (the classifier's log-loss), identity →
    identity with ``quadratic`` (½‖a − y‖² per sample: scikit-learn's squared error for one
    output; for k outputs scikit-learn also divides by k).

    The network's ``forward(X)`` is the classifier's ``predict_proba(X)`` (for a binary
    classifier, its second column) or the regressor's ``predict(X)``.

    Args:
        mlp: a fitted ``MLPClassifier`` or ``MLPRegressor``.
        dtype: ``None`` keeps the dtype of ``coefs_`` (float64 unless it was fit on float32).
        seed: seeds the new network's random generator.

    Example:
        >>> import numpy as np
        >>> from sklearn.neural_network import MLPRegressor
        >>> from glassnet.interop import from_sklearn
        >>> X = np.linspace(0, 1, 20).reshape(10, 2)
        >>> mlp = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=500,
        ...                    random_state=0).fit(X, X.sum(axis=1))
        >>> net = from_sklearn(mlp)
        >>> net
        Network([2, 3, 1], activations=[relu, identity], cost=quadratic, dtype=float64)
        >>> bool(np.allclose(net.forward(X)[:, 0], mlp.predict(X)))
        True
    """
    coefs = getattr(mlp, "coefs_", None)
    intercepts = getattr(mlp, "intercepts_", None)
    out_name = getattr(mlp, "out_activation_", None)
    hidden_name = getattr(mlp, "activation", None)
    if coefs is None or intercepts is None or out_name is None:
        raise ValueError(
            f"from_sklearn takes a fitted MLPClassifier or MLPRegressor; this "
            f"{type(mlp).__name__} has no coefs_/intercepts_/out_activation_ (call fit first)"
        )
    hidden_act = _from_sklearn_name(hidden_name)
    if hidden_act is None:
        raise ValueError(f"unknown scikit-learn activation {hidden_name!r}")
    # scikit-learn's loss for each output activation, as glassnet's cost (its sklearn_output)
    losses = {cls.sklearn_output: name for name, cls in COSTS.items() if cls.sklearn_output}
    out_acts = acts.find(sklearn_name=out_name) if isinstance(out_name, str) else []
    if out_name not in losses or not out_acts:
        raise ValueError(
            f"out_activation_ {out_name!r} has no glassnet equivalent here; from_sklearn "
            f"reads {', '.join(losses)} outputs (a Poisson regressor's 'exp' is not one)"
        )
    out_act, cost = out_acts[0], losses[out_name]
    Ws = [np.asarray(c).T for c in coefs]  # W^(l) = coefs_[l-1]ᵀ: (n_l, n_{l−1})
    bs = [np.asarray(b) for b in intercepts]
    if dtype is None:
        dtype = np.float32 if all(W.dtype == np.float32 for W in Ws) else np.float64
    sigmas = [hidden_act] * (len(Ws) - 1) + [acts.get(out_act)]
    layers = [Dense(W.shape[1], W.shape[0], activation=s) for W, s in zip(Ws, sigmas, strict=True)]
    values = [{"W": W, "b": b} for W, b in zip(Ws, bs, strict=True)]
    return network_from(layers, values, cost, dtype, seed)


def to_sklearn(net: Network, kind: str = "classifier", classes: Any = None) -> Any:
    """A fitted scikit-learn MLP with the network's weights: predict/predict_proba work at once.

    ``coefs_[l-1]`` is ``net.W[l].T`` (scikit-learn's (in, out) layout) and ``intercepts_[l-1]``
    is ``net.b[l]``, in the network's dtype. scikit-learn applies one activation to every hidden
    layer, from identity, sigmoid (its "logistic"), tanh and relu.

    Args:
        net: the network.
        kind: ``"classifier"``: an ``MLPClassifier``, whose output must be softmax (n_L ≥ 2
            classes) or sigmoid (one neuron: two classes; k neurons: k labels, multi-label);
            ``"regressor"``: an ``MLPRegressor``, whose output must be identity (what
            scikit-learn's regressor uses; another output is refused).
        classes: a classifier's class labels, in the order of the output neurons (a single
            sigmoid neuron stands for ``classes[1]``); default ``0, 1, …``.

    Returns:
        The estimator, with ``coefs_``, ``intercepts_``, ``n_features_in_``, ``n_outputs_``,
        ``n_layers_``, ``out_activation_`` and for a classifier ``classes_`` set. It was not
        trained by scikit-learn, so ``loss_curve_`` and the like are absent.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.interop import to_sklearn
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="relu", output_activation="identity",
        ...                             seed=0, dtype="float64")
        >>> mlp = to_sklearn(net, kind="regressor")
        >>> X = np.array([[0.5, -1.0], [1.0, 2.0]])
        >>> bool(np.allclose(mlp.predict(X), net.forward(X)[:, 0]))
        True
    """
    nn = require("sklearn.neural_network", "sklearn", "scikit-learn interop")
    preprocessing = require("sklearn.preprocessing", "sklearn", "scikit-learn interop")
    net = check_network(net, "to_sklearn")
    if kind not in ("classifier", "regressor"):
        raise ValueError(f"kind must be 'classifier' or 'regressor', got {kind!r}")
    dense = net.dense_layers("scikit-learn's MLP")  # it has no other layer type
    hidden = [layer.activation for layer in net.layers[:-1]]
    names = {a.sklearn_name if a.elementwise else None for a in hidden}
    if None in names or len(names) > 1:
        known = [n for n in acts.find(elementwise=True) if acts.get(n).sklearn_name is not None]
        raise ValueError(
            f"scikit-learn's MLP uses one activation for all hidden layers, one of "
            f"{', '.join(known)} (the activations that state an sklearn_name); this network's "
            f"hidden layers use {hidden}"
        )
    hidden_name = names.pop() if names else "relu"  # no hidden layer: the choice is unused
    out = net.layers[-1].activation
    n_out = net.sizes[-1]
    out_name = out.sklearn_name  # scikit-learn's out_activation_: softmax, logistic, identity

    if kind == "regressor":
        if out_name != "identity":
            raise ValueError(
                f"an MLPRegressor's output layer is the identity, but this network's is {out!r}; "
                "use kind='classifier' for a softmax or sigmoid output"
            )
        mlp = nn.MLPRegressor(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=hidden_name)
    else:
        if out_name == "softmax":
            n_classes = n_out
        elif out_name == "logistic":
            n_classes = 2 if n_out == 1 else n_out
        else:
            raise ValueError(
                f"an MLPClassifier's output layer is softmax or sigmoid, but this network's is "
                f"{out!r}; use kind='regressor' for an identity output"
            )
        labels = np.arange(n_classes) if classes is None else np.asarray(classes)
        if labels.ndim != 1 or len(labels) != n_classes or len(np.unique(labels)) != n_classes:
            raise ValueError(
                f"classes must list {n_classes} distinct labels, one per class of the output "
                f"layer ({out!r} with {n_out} neurons); got {classes!r}"
            )
        mlp = nn.MLPClassifier(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=hidden_name)
        binarizer = preprocessing.LabelBinarizer()
        if out_name == "logistic" and n_out > 1:  # multi-label: one yes/no per neuron
            binarizer.fit(np.vstack([np.zeros(n_out, int), np.ones(n_out, int)]))
            labels = np.arange(n_out)
        else:
            binarizer.fit(labels)
            labels = binarizer.classes_
        mlp._label_binarizer = binarizer
        mlp.classes_ = labels
    mlp.coefs_ = [np.array(layer.W.T) for layer in dense]  # (n_{l−1}, n_l) = W^(l)ᵀ
    mlp.intercepts_ = [np.array(layer.b) for layer in dense]
    mlp.n_features_in_ = net.sizes[0]
    mlp.n_outputs_ = n_out
    mlp.n_layers_ = net.L + 1
    mlp.out_activation_ = out_name
    mlp.n_iter_ = 0
    mlp.t_ = 0
    return mlp
