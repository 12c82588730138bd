"""The scikit-learn classifier: :class:`GlassnetClassifier` (see :mod:`glassnet.sklearn`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ..network import Network
from ._base import PARAMETERS, GlassnetMLP, check_number

Array = NDArray[np.floating[Any]]

__all__ = ["GlassnetClassifier"]


class GlassnetClassifier(ClassifierMixin, GlassnetMLP):  # type: ignore[misc]
    """A glassnet network as a scikit-learn classifier (the API of ``MLPClassifier``).

    Two classes get one sigmoid output and the binary cross-entropy; more get a softmax output
    and the cross-entropy, so the network outputs class probabilities. Labels may be any
    sortable values (``classes_`` keeps them in order); the network sees their indexes.
    %s
        classes_: the class labels, sorted; output neuron j stands for ``classes_[j]``.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from glassnet.sklearn import GlassnetClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = GlassnetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
        ...                          max_iter=500, random_state=0).fit(X, y)
        >>> clf.score(X, y) > 0.9, clf.network_.sizes, clf.out_activation_
        (True, [4, 16, 3], 'softmax')
    """

    _stratify = True

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        clip_norm: float | None = None,
        n_iter_no_change: int = 10,
        dtype: str | None = None,
        class_weight: dict[Any, float] | str | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            clip_norm=clip_norm,
            n_iter_no_change=n_iter_no_change,
            dtype=dtype,
        )
        self.class_weight = class_weight

    def _targets(self, y: NDArray[Any], first: bool, classes: Any = None) -> NDArray[Any]:
        """Labels → indexes into ``classes_`` (0/1 for two classes); sets ``classes_`` first."""
        if first:
            check_classification_targets(y)
            found = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if len(found) < 2:
                raise ValueError(
                    f"the classifier needs at least 2 classes, but only one class ({found[0]!r}) "
                    "is present in y; a classifier can't learn from a single class"
                )
            self.classes_ = found
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={list(classes)!r} is not the same as on the first call to partial_fit, "
                f"which was {self.classes_.tolist()!r}"
            )
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(
                f"y has labels {unknown.tolist()!r} that are not among the classes "
                f"{self.classes_.tolist()!r} the classifier was first fitted with; pass classes= "
                "with every label on the first call to partial_fit, or fit anew"
            )
        index = np.searchsorted(self.classes_, y)
        return index.astype(np.float64) if len(self.classes_) == 2 else index  # 0/1 targets

    def _output(self) -> tuple[int, str, str]:
        n = len(self.classes_)
        if n == 2:  # one yes/no neuron: a = P(classes_[1])
            return 1, "sigmoid", "binary_cross_entropy"
        return n, "softmax", "cross_entropy"

    def _score_val(self, net: Network, X: Array, y: NDArray[Any], weights: Array | None) -> float:
        return float(np.average(self._decode(net.forward(X)) == y, weights=weights))

    def _class_weights(self, y: NDArray[Any], incremental: bool) -> Array | None:
        """class_weight[y_i] for each sample: "balanced" gives class c the weight
        n_samples / (n_classes · n_c), so that every class weighs the same in the cost."""
        class_weight = self.class_weight
        if class_weight is None:
            return None
        if isinstance(class_weight, str) and class_weight == "balanced":
            if incremental:
                raise ValueError(
                    "class_weight='balanced' needs the class counts of all the data, which "
                    "partial_fit does not see; compute them once with sklearn.utils.class_weight"
                    ".compute_class_weight('balanced', classes=classes, y=y_all) and pass "
                    "class_weight=dict(zip(classes, weights))"
                )
            per_class = compute_class_weight("balanced", classes=self.classes_, y=y)
        elif isinstance(class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in class_weight if label not in known]
            if unknown:
                raise ValueError(
                    f"class_weight has labels {unknown!r} that are not among the classes "
                    f"{self.classes_.tolist()!r}; use the labels of y as keys"
                )
            per_class = np.array(
                [
                    check_number(class_weight.get(c, 1.0), f"class_weight[{c!r}]", 0.0)
                    for c in self.classes_.tolist()
                ]
            )
        else:
            raise ValueError(
                "class_weight must be None, 'balanced' or a dict {label: weight} (labels left "
                f"out weigh 1), got {class_weight!r}"
            )
        return per_class[np.searchsorted(self.classes_, y)]

    def _decode(self, a_L: Array) -> NDArray[Any]:
        index = (a_L[:, 0] >= 0.5).astype(np.intp) if a_L.shape[1] == 1 else a_L.argmax(axis=1)
        return self.classes_[index]

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassnetClassifier:
        """Train on (X, y) for up to ``max_iter`` epochs; returns self.

        Args:
            X: features, shape (n_samples, n_features).
            y: class labels, shape (n_samples,).
            sample_weight: one weight s_i ≥ 0 per sample (default: all 1). The cost becomes
                the weighted mean Σ s_i C_i / Σ s_i, so a weight of 2 counts a sample twice
                and 0 leaves it out; it multiplies ``class_weight``.

        Example:
            >>> import numpy as np
            >>> from glassnet.sklearn import GlassnetClassifier
            >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1])
            >>> make = lambda: GlassnetClassifier((3,), learning_rate_init=0.1, max_iter=300,
            ...                                   shuffle=False, random_state=0)
            >>> weighted = make().fit(X, y, sample_weight=[2, 0, 1])  # row 0 twice, no row 1
            >>> repeated = make().fit(X[[0, 0, 2]], y[[0, 0, 2]])
            >>> bool(np.allclose(weighted.coefs_[0], repeated.coefs_[0], rtol=1e-12))
            True
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> GlassnetClassifier:
        """One epoch over (X, y), continuing from the current network; returns self.

        Args:
            X, y: as for :meth:`fit`.
            classes: every class label; required on the first call, since one batch may not
                show them all.
            sample_weight: as for :meth:`fit`.
        """
        if not hasattr(self, "network_") and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit, e.g. "
                "partial_fit(X, y, classes=np.unique(y_all))"
            )
        return self._fit(X, y, incremental=True, sample_weight=sample_weight, classes=classes)

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable class label for each row of X."""
        return self._decode(self._forward(X))

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """P(class j | x) for each row, shape (n_samples, n_classes); rows sum to 1."""
        a = self._forward(X).astype(np.float64)
        if a.shape[1] == 1:
            return np.hstack([1.0 - a, a])
        return a / a.sum(axis=1, keepdims=True)  # softmax output; renormalised in float64

    def predict_log_proba(self, X: Any) -> NDArray[np.float64]:
        """ln P(class j | x), the logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


_CLASS_WEIGHT = """
        class_weight: how much each class counts in the cost: ``None`` (all 1), a dict
            ``{label: weight}`` (labels left out weigh 1), or ``"balanced"``, which gives
            class c the weight n_samples / (n_classes · n_c) so that every class weighs the
            same in total. It multiplies ``sample_weight``. ``partial_fit`` takes a dict only.
"""
GlassnetClassifier.__doc__ = (GlassnetClassifier.__doc__ or "") % PARAMETERS.rstrip().replace(
    "\n\n    Attributes:", _CLASS_WEIGHT.rstrip() + "\n\n    Attributes:"
)
