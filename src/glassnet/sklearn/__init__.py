"""scikit-learn estimators: glassnet networks behind the ``MLPClassifier``/``MLPRegressor`` API.

:class:`GlassnetClassifier` and :class:`GlassnetRegressor` take scikit-learn's parameter names
where they mean the same thing (``hidden_layer_sizes``, ``activation``, ``solver``, ``alpha``,
``batch_size``, ``learning_rate_init``, ``max_iter``, ``tol``, ``early_stopping``, …) and
set its fitted attributes (``coefs_``, ``intercepts_``, ``loss_curve_``, ``n_iter_``, …), so
they drop into a ``Pipeline`` or a ``GridSearchCV``. Underneath is a plain
:class:`~glassnet.Network`, ``network_``, which can be traced, explained and saved.

How the names map (the rest of the story is in ``docs/sklearn.md``):

=========================  ==================================================================
scikit-learn               glassnet
=========================  ==================================================================
``coefs_[l-1]``            ``network_.W[l].T`` — scikit-learn stores (n_in, n_out), we (to, from)
``intercepts_[l-1]``       ``network_.b[l]``
``activation="logistic"``  ``"sigmoid"`` (any glassnet activation name works too)
``alpha``                  ``network_.l2 = alpha / batch_size`` (the same penalty, see below)
``solver="adam"``, "sgd"   :class:`~glassnet.Adam`, :class:`~glassnet.SGD` (also "rmsprop",
                           "adagrad", "adamw")
=========================  ==================================================================

scikit-learn adds (α/2)‖W‖² / m_batch to the *mean* mini-batch loss; glassnet adds (λ₂/2)‖W‖²,
so λ₂ = α / batch_size gives the same cost.

Importing this module needs scikit-learn (``pip install 'glassnet[sklearn]'``); ``import
glassnet`` does not.

>>> import numpy as np
>>> from glassnet.sklearn import GlassnetClassifier
>>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
>>> y = np.array(["no", "yes", "yes", "yes"] * 10)
>>> clf = GlassnetClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=500,
...                          random_state=0).fit(X, y)
>>> clf.predict([[0.0, 0.0], [1.0, 1.0]]).tolist()
['no', 'yes']
>>> clf.coefs_[0].shape, clf.network_.W[1].shape
((2, 8), (8, 2))
"""

from __future__ import annotations

try:  # scikit-learn 1.6 or newer (validate_data is new in 1.6)
    from sklearn.base import BaseEstimator as _BaseEstimator  # noqa: F401
    from sklearn.utils.validation import validate_data as _validate_data  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "glassnet.sklearn needs scikit-learn 1.6 or newer: pip install 'glassnet[sklearn]'"
    ) from exc

from ._base import SOLVERS as SOLVERS
from ._classifier import GlassnetClassifier
from ._regressor import GlassnetRegressor

__all__ = ["GlassnetClassifier", "GlassnetRegressor"]
