"""The scikit-learn regressor: :class:`GlassnetRegressor` (see :mod:`glassnet.sklearn`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ..network import Network
from ._base import PARAMETERS, GlassnetMLP

Array = NDArray[np.floating[Any]]

__all__ = ["GlassnetRegressor"]


class GlassnetRegressor(RegressorMixin, GlassnetMLP):  # type: ignore[misc]
    """A glassnet network as a scikit-learn regressor (the API of ``MLPRegressor``).

    The output layer is linear (identity) and the cost is glassnet's quadratic cost
    ½‖y − a‖² (Nielsen's convention); for one output that is exactly scikit-learn's squared error,
    so ``loss_curve_`` and ``alpha`` mean the same in both. y may have several columns.
    %s
    Example:
        >>> import numpy as np
        >>> from glassnet.sklearn import GlassnetRegressor
        >>> X = np.linspace(-1, 1, 100).reshape(-1, 1); y = X[:, 0] ** 2
        >>> reg = GlassnetRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
        ...                         max_iter=500, random_state=0).fit(X, y)
        >>> reg.score(X, y) > 0.9, reg.predict(X[:2]).shape
        (True, (2,))
    """

    _multi_output = True

    def _targets(self, y: NDArray[Any], first: bool, classes: Any = None) -> NDArray[Any]:
        Y = y.reshape(len(y), -1)
        if first:
            self.n_outputs_ = Y.shape[1]
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} output columns but the regressor was fitted with "
                f"{self.n_outputs_}; pass y with {self.n_outputs_} columns, or fit anew"
            )
        return Y

    def _output(self) -> tuple[int, str, str]:
        return self.n_outputs_, "identity", "quadratic"

    def _score_val(self, net: Network, X: Array, y: NDArray[Any], weights: Array | None) -> float:
        return float(r2_score(y, net.forward(X).reshape(y.shape), sample_weight=weights))

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassnetRegressor:
        """Train on (X, y) for up to ``max_iter`` epochs; returns self.

        Args:
            X: features, shape (n_samples, n_features).
            y: targets, shape (n_samples,) or (n_samples, n_outputs).
            sample_weight: one weight s_i ≥ 0 per sample (default: all 1). The cost becomes
                the weighted mean Σ s_i C_i / Σ s_i, so a weight of 2 counts a sample twice
                and 0 leaves it out.
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassnetRegressor:
        """One epoch over (X, y), continuing from the current network; returns self.

        Args:
            X, y, sample_weight: as for :meth:`fit`.
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def predict(self, X: Any) -> NDArray[np.float64]:
        """a^(L) for each row of X: shape (n_samples,) for one output, else (n_samples, k).

        Returned in float64, as scikit-learn's regressors do, whatever the network's dtype.
        """
        a = self._forward(X).astype(np.float64)
        return a[:, 0] if self.n_outputs_ == 1 else a

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


GlassnetRegressor.__doc__ = (GlassnetRegressor.__doc__ or "") % PARAMETERS.rstrip()
