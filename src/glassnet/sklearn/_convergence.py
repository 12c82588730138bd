"""scikit-learn's stopping rule and learning-rate schedules, as a glassnet callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..callbacks import Callback, TrainingRun

if TYPE_CHECKING:
    from ._base import GlassnetMLP

__all__ = ["SklearnConvergence"]


class SklearnConvergence(Callback):
    """scikit-learn's stopping rule and learning-rate schedule, as a :class:`~glassnet.Callback`.

    After each epoch it records the epoch's loss (and, with validation data, the validation
    score s) on the estimator. An epoch *improves* when

        loss < best_loss − tol        (no validation data)
        s > best_score + tol          (early_stopping: accuracy or R² on the held-out part)

    When more than ``n_iter_no_change`` epochs in a row did not improve, training stops —
    unless ``learning_rate="adaptive"`` (sgd), which first divides η by 5 and carries on,
    until η ≤ 1e-6. ``learning_rate="invscaling"`` sets η = η₀ / (t + 1)^power_t after each
    epoch, t counting the training samples seen so far.
    """

    def __init__(
        self,
        estimator: GlassnetMLP,
        n_samples: int,
        score: Callable[[], float] | None,
        check: bool,
    ) -> None:
        self.est = estimator
        self.n_samples = n_samples
        self.score = score
        self.check = check
        self.no_improvement = 0
        self.converged = False
        # the best so far: the validation score (higher is better) or the loss (lower is better)
        best = estimator.best_validation_score_ if score is not None else estimator.best_loss_
        if best is None:
            best = -np.inf if score is not None else np.inf
        self.best: float = best

    def on_epoch_end(self, run: TrainingRun) -> None:
        est = self.est
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_curve_.append(run.history.loss[-1])
        if self.score is not None:
            est.validation_loss_curve_.append(run.history.val_loss[-1])  # type: ignore[union-attr]
            score = self.score()
            est.validation_scores_.append(score)  # type: ignore[union-attr]
            improved = score > self.best + est.tol
            if score > self.best:
                self.best = est.best_validation_score_ = score
                est._best_weights = [
                    (W.copy(), b.copy()) for W, b in zip(run.net.W, run.net.b, strict=True)
                ]
        else:
            loss = est.loss_curve_[-1]
            improved = loss < self.best - est.tol
            self.best = est.best_loss_ = min(self.best, loss)
        self.no_improvement = 0 if improved else self.no_improvement + 1

        optimizer = run.optimizer
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            optimizer.lr = est.learning_rate_init / (est.t_ + 1) ** est.power_t
        if not self.check or self.no_improvement <= est.n_iter_no_change:
            return
        what = "validation score" if self.score is not None else "training loss"
        reason = (
            f"the {what} has not improved by more than tol={est.tol:g} for "
            f"{self.no_improvement} epochs in a row (n_iter_no_change={est.n_iter_no_change})"
        )
        if est.solver == "sgd" and est.learning_rate == "adaptive" and optimizer.lr > 1e-6:
            optimizer.lr /= 5.0
            self.no_improvement = 0
            if est.verbose:
                print(f"{reason}: learning rate divided by 5, now {optimizer.lr:g}")
            return
        self.converged = True
        run.stop(reason)
        if est.verbose:
            print(f"{reason}: stopping")
