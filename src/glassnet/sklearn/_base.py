"""What the classifier and the regressor share: the parameters, their checks, the network and
the training loop with scikit-learn's stopping rule (see :mod:`glassnet.sklearn`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import activations
from .._inputs import as_dtype, as_rng, flag, is_whole, positive_int, real_number
from ..network import Network
from ..optimizers import OPTIMIZERS, Optimizer
from ._convergence import SklearnConvergence

Array = NDArray[np.floating[Any]]

__all__ = ["FLOATS", "PARAMETERS", "SOLVERS", "GlassnetMLP", "check_number"]

#: the solvers: scikit-learn's two stochastic ones, then glassnet's other optimizers; each is
#: the optimizer of that name in the registry, :data:`glassnet.optimizers.OPTIMIZERS`.
SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "adamw")

# the dtypes X is kept in: float32 stays float32, anything else becomes float64
FLOATS = (np.float64, np.float32)


def _hidden_activation(name: object) -> str:
    """The glassnet name of a hidden-layer activation given by scikit-learn's or glassnet's name
    (scikit-learn's names are the activations' ``sklearn_name``: "logistic" is the sigmoid)."""
    hidden = activations.find(elementwise=True)  # softmax is no hidden layer's σ
    if isinstance(name, str):
        by_sklearn = activations.find(sklearn_name=name, elementwise=True)
        name = by_sklearn[0] if by_sklearn else name
        if name in hidden:
            return name
    sklearn_names = {n: activations.get(n).sklearn_name for n in hidden}
    choices = [sk for sk in sklearn_names.values() if sk is not None]
    choices += sorted(n for n, sk in sklearn_names.items() if sk is None)
    raise ValueError(
        f"activation must be one of {', '.join(map(repr, choices))} (scikit-learn's names or "
        f"glassnet's; 'sigmoid' = 'logistic'), got {name!r}"
    )


def check_number(
    value: object, name: str, low: float, high: float = np.inf, *, closed: str = "both"
) -> float:
    """A real number in the interval, or a ValueError saying which interval, such as
    ``momentum must be a number in [0, 1], got 2``."""
    low_open, high_open = closed in ("right", "none"), closed in ("left", "none")
    lo = "(" if low_open else "["
    hi = ")" if high_open or high == np.inf else "]"
    return real_number(
        value,
        name,
        must_be=f"a number in {lo}{low:g}, {high:g}{hi}",
        low=low,
        high=high,
        low_open=low_open,
        high_open=high_open,
    )


def _rng_from(random_state: object) -> np.random.Generator:
    """A NumPy Generator from scikit-learn's ``random_state``: None, an int ≥ 0, a Generator
    (used as it is), or a legacy ``RandomState`` (which is asked for one seed)."""
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(2**31 - 1))
    try:
        return as_rng(random_state)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            "random_state must be None, an integer ≥ 0, a numpy Generator or a RandomState, "
            f"got {random_state!r}"
        ) from None


class GlassnetMLP(BaseEstimator):  # type: ignore[misc]
    """What the classifier and the regressor share: parameters, the network, the training loop.

    A subclass says how targets become the network's Y (:meth:`_targets`), which output layer
    and cost it uses (:meth:`_output`), and how the held-out part is scored (:meth:`_score_val`).
    """

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
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.clip_norm = clip_norm
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # -- what subclasses provide ----------------------------------------------------------------

    _multi_output = False  # y may be 2-D (several outputs): the regressor
    _stratify = False  # the early-stopping split keeps the class proportions: the classifier

    def _targets(self, y: NDArray[Any], first: bool, classes: Any = None) -> NDArray[Any]:
        raise NotImplementedError

    def _output(self) -> tuple[int, str, str]:
        """(n_L, output activation, cost) of the network."""
        raise NotImplementedError

    def _score_val(self, net: Network, X: Array, y: NDArray[Any], weights: Array | None) -> float:
        raise NotImplementedError

    def _class_weights(self, y: NDArray[Any], incremental: bool) -> Array | None:
        """Each sample's class weight (the classifier's ``class_weight``), or None."""
        return None

    # -- the fitted attributes that live in the network -----------------------------------------

    def _network(self) -> Network:
        check_is_fitted(self)  # NotFittedError is an AttributeError: hasattr(est, "coefs_") works
        return self.network_

    @property
    def coefs_(self) -> list[Array]:
        """The weight matrices in scikit-learn's layout: ``coefs_[l-1] = network_.W[l].T``,
        shape (n_{l−1}, n_l). They are views: writing to them changes the network."""
        return [W.T for W in self._network().W]

    @property
    def intercepts_(self) -> list[Array]:
        """The biases: ``intercepts_[l-1] = network_.b[l]`` (the same arrays)."""
        return list(self._network().b)

    @property
    def n_layers_(self) -> int:
        """Layers including input and output: len(hidden_layer_sizes) + 2 (scikit-learn's count)."""
        return self._network().L + 1

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    # -- checking the parameters ----------------------------------------------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if is_whole(sizes):
            sizes = [sizes]  # type: ignore[list-item]
        try:
            out = [positive_int(n, "each hidden layer size") for n in sizes]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a sequence of them, such as "
                f"(100,) or (64, 32), got {self.hidden_layer_sizes!r}"
            ) from None
        return out

    def _check_params(self) -> None:
        """Fail before training on any bad parameter, naming it and what it should be."""
        self._hidden_sizes()
        _hidden_activation(self.activation)
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {self.solver!r}")
        if self.learning_rate not in ("constant", "invscaling", "adaptive"):
            raise ValueError(
                "learning_rate must be 'constant', 'invscaling' or 'adaptive' (the last two "
                f"only change anything for solver='sgd'), got {self.learning_rate!r}"
            )
        check_number(self.alpha, "alpha", 0.0)
        if self.batch_size != "auto":
            positive_int(self.batch_size, "batch_size (or 'auto' for min(200, n_samples))")
        check_number(self.learning_rate_init, "learning_rate_init", 0.0, closed="right")
        check_number(self.power_t, "power_t", 0.0)
        positive_int(self.max_iter, "max_iter")
        check_number(self.tol, "tol", 0.0)
        positive_int(self.n_iter_no_change, "n_iter_no_change")
        check_number(self.momentum, "momentum", 0.0, 1.0)
        check_number(self.validation_fraction, "validation_fraction", 0.0, 1.0, closed="none")
        check_number(self.beta_1, "beta_1", 0.0, 1.0, closed="left")
        check_number(self.beta_2, "beta_2", 0.0, 1.0, closed="left")
        check_number(self.epsilon, "epsilon", 0.0, closed="none")
        if self.clip_norm is not None:
            must_be = "None (no clipping) or a finite number > 0 such as 1.0"
            real_number(self.clip_norm, "clip_norm", must_be=must_be, low=0.0, low_open=True)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            flag(getattr(self, name), f"{name} value", f"{name} must be True or False")
        if self.dtype is not None:
            try:
                as_dtype(self.dtype)
            except ValueError:
                raise ValueError(
                    "dtype must be None (the precision of X: float32 for float32 X, else "
                    f"float64), 'float32' or 'float64', got {self.dtype!r}"
                ) from None

    def _batch_size(self, n: int) -> int:
        if self.batch_size == "auto" or isinstance(self.batch_size, str):
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n} training samples; "
                f"using batch_size={n}",
                UserWarning,
                stacklevel=3,
            )
        return min(int(self.batch_size), n)

    def _optimizer(self) -> Optimizer:
        """The solver's optimizer from the registry, with scikit-learn's parameters as options."""
        eps, betas = self.epsilon, (self.beta_1, self.beta_2)
        by_solver: dict[str, dict[str, Any]] = {
            "sgd": {
                "momentum": self.momentum,
                "nesterov": self.nesterovs_momentum and self.momentum > 0,
            },
            "adam": {"betas": betas, "eps": eps},
            # alpha is AdamW's decoupled weight decay, not an L2 penalty
            "adamw": {"betas": betas, "eps": eps, "weight_decay": self.alpha},
            "rmsprop": {"eps": eps},
            "adagrad": {"eps": eps},
        }
        options = {**by_solver[self.solver], "clip_norm": self.clip_norm}
        return OPTIMIZERS[self.solver](self.learning_rate_init, **options)

    # -- training ---------------------------------------------------------------------------------

    def _initialize(self, n_features: int, dtype: np.dtype[Any]) -> None:
        """A fresh network (with fresh randomness from ``random_state``) and fresh curves."""
        n_out, out_activation, cost = self._output()
        self.network_ = Network.from_sizes(
            [n_features, *self._hidden_sizes(), n_out],
            activation=_hidden_activation(self.activation),
            output_activation=out_activation,
            cost=cost,
            seed=_rng_from(self.random_state),
            dtype=dtype,
        )
        self.n_outputs_ = n_out
        self.out_activation_ = activations.get(out_activation).sklearn_name or out_activation
        self._solver = self._optimizer()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self.best_loss_: float | None = np.inf
        self.validation_scores_: list[float] | None = None
        self.validation_loss_curve_: list[float] | None = None
        self.best_validation_score_: float | None = None
        self._best_weights: list[tuple[Array, Array]] | None = None

    def _fit(
        self,
        X: Any,
        y: Any,
        *,
        incremental: bool,
        sample_weight: Any = None,
        classes: Any = None,
    ) -> Any:
        """fit (``incremental=False``) and partial_fit (one epoch, ``incremental=True``)."""
        self._check_params()
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        # float32 X stays float32; anything else becomes float64 (as scikit-learn's MLP)
        X, y = validate_data(
            self, X, y, reset=first, dtype=FLOATS, multi_output=self._multi_output,
            y_numeric=self._multi_output,
        )  # fmt: skip
        Y = self._targets(y, first, classes)
        weights = self._weights(X, y, sample_weight, incremental)
        if first:
            self._initialize(X.shape[1], X.dtype if self.dtype is None else as_dtype(self.dtype))
        else:
            self._check_architecture()
            if not incremental:  # warm_start: the weights carry over, the optimizer starts anew
                self._solver = self._optimizer()
        net = self.network_

        validation, score = None, None
        if self.early_stopping and not incremental:
            seed = int(net.rng.integers(2**31 - 1))
            X, X_val, Y, Y_val, y_val, weights, w_val = self._split(X, Y, y, weights, seed)
            if X_val.shape[0] < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of {len(y)} samples leaves "
                    "fewer than 2 for validation; raise validation_fraction or pass more data"
                )
            for part, w in (("training", weights), ("held-out validation", w_val)):
                if w is not None and not w.any():
                    raise ValueError(
                        f"the sample weights of the {part} part are all zero after holding out "
                        f"validation_fraction={self.validation_fraction}; give more samples a "
                        "weight > 0, or try another random_state"
                    )
            validation = (X_val, Y_val)

            def score() -> float:  # accuracy or R² on the held-out part, as scikit-learn
                return self._score_val(net, X_val, y_val, w_val)

            if self.validation_scores_ is None or self.validation_loss_curve_ is None:
                self.validation_scores_, self.validation_loss_curve_ = [], []
                self.best_validation_score_ = -np.inf
                self._best_weights = None  # a warm start keeps the best of earlier calls
            self.best_loss_ = None
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

        n = X.shape[0]
        batch_size = self._batch_size(n)
        # (λ₂/2)‖W‖² = (α/2)‖W‖² / m_b: m_b is the batch size, or with weights the expected
        # weight of a batch, batch_size · mean(s) (scikit-learn divides by each batch's Σ s_i;
        # the two agree when one batch holds every sample). adamw decays the weights itself.
        per_batch = batch_size if weights is None else batch_size * float(weights.sum()) / n
        net.l2 = 0.0 if self.solver == "adamw" else self.alpha / per_batch
        monitor = SklearnConvergence(self, n, score, check=not incremental)
        history = net.fit(
            X,
            Y,
            epochs=1 if incremental else self.max_iter,
            batch_size=batch_size,
            optimizer=self._solver,
            validation_data=validation,
            shuffle=self.shuffle,
            seed=net.rng,
            verbose=1 if self.verbose else 0,
            callbacks=[monitor],
            sample_weight=weights,
        )
        if validation is not None and self._best_weights is not None:
            for l, (W, b) in enumerate(self._best_weights, start=1):  # keep the best epoch
                net.W[l] = W
                net.b[l] = b
        if not incremental and history.stop_reason is None:
            warnings.warn(
                f"Maximum iterations ({self.max_iter}) reached while the "
                f"{'validation score' if validation else 'training loss'} was still improving "
                f"by more than tol={self.tol:g}; raise max_iter (or tol) to let it converge",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _weights(
        self, X: Array, y: NDArray[Any], sample_weight: Any, incremental: bool
    ) -> Array | None:
        """s_i = sample_weight_i × class_weight[y_i] (either may be absent), or None for none.

        Checked by scikit-learn's ``_check_sample_weight``: one finite number ≥ 0 per sample.
        """
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        by_class = self._class_weights(y, incremental)
        if by_class is not None:
            weights = by_class if weights is None else weights * by_class  # a new array
        if weights is not None and not weights.any():
            which = "sample_weight × class_weight" if by_class is not None else "sample_weight"
            raise ValueError(
                f"the sample weights ({which}) are zero for every sample, which leaves nothing "
                "to learn from; give at least one sample a weight > 0"
            )
        return weights

    def _split(
        self, X: Array, Y: NDArray[Any], y: NDArray[Any], weights: Array | None, seed: int
    ) -> tuple[Any, ...]:
        """The early-stopping split: (X, X_val, Y, Y_val, y_val, weights, weights_val), with
        ``validation_fraction`` held out. The classifier keeps the class proportions in both
        parts (as scikit-learn does) where the data allow it, and splits at random where they
        do not (too few samples). The sample weights are split with their samples."""
        arrays = [X, Y, y] if weights is None else [X, Y, y, weights]
        split: Any = None
        if self._stratify:
            try:
                split = train_test_split(
                    *arrays, test_size=self.validation_fraction, random_state=seed, stratify=y
                )
            except ValueError:  # a class with 1 sample, or fewer held out than classes
                split = None
        if split is None:
            split = train_test_split(*arrays, test_size=self.validation_fraction, random_state=seed)
        X, X_val, Y, Y_val, _, y_val = split[:6]
        w, w_val = split[6:] if weights is not None else (None, None)
        return X, X_val, Y, Y_val, y_val, w, w_val

    def _check_architecture(self) -> None:
        n_out = self._output()[0]
        want = [self.n_features_in_, *self._hidden_sizes(), n_out]
        if self.dtype is not None and self.network_.dtype != as_dtype(self.dtype):
            raise ValueError(
                f"the fitted network is {self.network_.dtype} but dtype is now {self.dtype!r}; "
                "set warm_start=False (or fit a new estimator) to change the precision"
            )
        if self.network_.sizes != want:
            raise ValueError(
                f"the fitted network has sizes {self.network_.sizes} but the parameters now ask "
                f"for {want}; set warm_start=False (or fit a new estimator) to change the "
                "architecture"
            )

    def _forward(self, X: Any) -> Array:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return self.network_.forward(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


PARAMETERS = """
    Args:
        hidden_layer_sizes: neurons in each hidden layer, e.g. ``(100,)`` or ``(64, 32)``;
            ``()`` for none. The network's sizes are ``[n_features, *hidden_layer_sizes,
            n_outputs]``.
        activation: σ of the hidden layers: scikit-learn's ``"identity"``, ``"logistic"``,
            ``"tanh"``, ``"relu"``, or any glassnet activation (``"gelu"``, ``"elu"``, …).
        solver: ``"adam"`` (default), ``"sgd"`` (with ``momentum``/``nesterovs_momentum`` and
            the ``learning_rate`` schedule), or glassnet's ``"rmsprop"``, ``"adagrad"``,
            ``"adamw"``.
        alpha: strength of the L2 penalty (α/2)‖W‖² per mini-batch, as in scikit-learn;
            glassnet's ``network_.l2`` is set to α / batch_size. With ``"adamw"``, alpha is
            the decoupled weight decay λ instead (w ← w − η λ w each step).
        batch_size: samples per mini-batch; ``"auto"`` is min(200, n_samples).
        learning_rate: ``"constant"``, ``"invscaling"`` (η = η₀ / (t + 1)^power_t, t = samples
            seen) or ``"adaptive"`` (η / 5 when progress stalls); for ``solver="sgd"`` only.
        learning_rate_init: η₀, the (initial) learning rate.
        power_t: the exponent of ``"invscaling"``.
        max_iter: the most epochs (passes over the data) one ``fit`` runs.
        shuffle: reshuffle the samples before every epoch.
        random_state: seeds the initial weights, the shuffling and the early-stopping split:
            an int gives the same result every time; ``None`` fresh randomness.
        tol: the least improvement of the loss (or validation score) that counts.
        verbose: print one line per epoch.
        warm_start: let ``fit`` continue from the fitted network instead of starting over.
        momentum, nesterovs_momentum: μ and Nesterov's variant, for ``solver="sgd"``.
        early_stopping: hold out ``validation_fraction`` of the data and stop when its score
            (accuracy or R²) has not improved by ``tol`` for ``n_iter_no_change`` epochs;
            the best epoch's weights are kept.
        validation_fraction: the held-out share, in (0, 1).
        beta_1, beta_2, epsilon: Adam's β₁, β₂ and ε (ε also for rmsprop and adagrad).
        clip_norm: glassnet's own, for every solver: before each step the gradient ∇C is
            scaled by min(1, clip_norm / (‖∇C‖₂ + 1e-6)), as PyTorch's ``clip_grad_norm_``;
            ``None`` (default) does not clip.
        n_iter_no_change: how many epochs without improvement are tolerated.
        dtype: the network's precision. ``None`` (default) follows X, as scikit-learn's MLP
            does: float32 X trains a float32 network, any other X (float64, integers, lists)
            a float64 one. ``"float32"`` or ``"float64"`` fixes it whatever X is. A fitted
            network keeps its precision through ``partial_fit`` and ``warm_start``.

    Attributes:
        network_: the trained :class:`~glassnet.Network`: trace it, explain it, save it.
        coefs_, intercepts_: ``network_.W[l].T`` and ``network_.b[l]`` for l = 1..L (views).
        loss_curve_: the mean mini-batch cost of each epoch, penalty included.
        best_loss_: the lowest of ``loss_curve_`` (``None`` with early_stopping).
        validation_scores_, validation_loss_curve_: the held-out score and cost of each
            epoch (``None`` without early_stopping); best_validation_score_ their best.
        n_iter_: epochs run, over all calls; t_: training samples seen.
        n_features_in_, feature_names_in_: as every scikit-learn estimator.
        n_layers_, n_outputs_, out_activation_: L + 1, n_L and σ_L's scikit-learn name.
"""
