"""Classic two-dimensional cost surfaces f(x, y), each with its gradient and its known minima.

A surface stands in for the cost C of a network with only two weights, so that the whole
landscape fits on a page. Each one gives

* ``value(x, y)``: f, for numbers or arrays of any (broadcastable) shape;
* ``gradient(x, y)``: (∂f/∂x, ∂f/∂y), worked out by hand (the tests check it by central
  differences);
* ``critical_points``: where ∇f = 0 and what kind of point it is (global minimum, local minimum,
  saddle point), with its value;
* a default ``start``, the window ``xlim`` × ``ylim`` worth drawing, and a learning rate that
  suits each optimizer on it (``suggested_lr``).

================  ===============================================  ===========================
name              f(x, y)                                          what it shows
================  ===============================================  ===========================
``bowl``          ½ x² + y²                                        the easy case; η < 2/λ_max = 1
``ravine``        0.1 x² + 2 y²                                    ill-conditioning: zig-zags
``rosenbrock``    (1 − x)² + 100 (y − x²)²                         a long curved valley
``beale``         (1.5 − x + xy)² + (2.25 − x + xy²)²              flat plateaus, sharp walls
                  + (2.625 − x + xy³)²
``saddle``        x² + y⁴/4 − y²/2                                 a saddle point between two
                                                                   minima
``two_minima``    (x² − 1)² + 0.3 x + y²                           a local and a global minimum
================  ===============================================  ===========================

Example:
    >>> from glassnet.lab import surfaces
    >>> bowl = surfaces.get("bowl")
    >>> float(bowl.value(3.0, 4.0)), [float(g) for g in bowl.gradient(3.0, 4.0)]
    (20.5, [3.0, 8.0])
    >>> bowl.curvatures, bowl.critical_points[0].kind
    ((1.0, 2.0), 'global minimum')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

__all__ = [
    "SURFACES",
    "Beale",
    "CriticalPoint",
    "Quadratic",
    "Rosenbrock",
    "Saddle",
    "Surface",
    "TwoMinima",
    "get",
]


@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0: ``kind`` is "global minimum", "local minimum" or "saddle point".

    Example:
        >>> from glassnet.lab.surfaces import get
        >>> best = get("rosenbrock").global_minimum
        >>> best
        CriticalPoint(kind='global minimum', x=1.0, y=1.0, value=0.0)
        >>> best.is_minimum, best.describe(), best.point
        (True, 'the global minimum f(1, 1) = 0', array([1., 1.]))
    """

    kind: str
    x: float
    y: float
    value: float

    @property
    def point(self) -> Array:
        """(x, y) as a float64 array."""
        return np.array([self.x, self.y])

    @property
    def is_minimum(self) -> bool:
        return self.kind.endswith("minimum")

    def describe(self) -> str:
        """``"the global minimum f(1, 1) = 0"``."""
        return f"the {self.kind} f({self.x:.4g}, {self.y:.4g}) = {self.value:.4g}"


def _f64(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


class Surface:
    """A cost surface f(x, y) of two weights; subclasses give ``value`` and ``gradient``.

    Attributes:
        name: the name in :data:`SURFACES`.
        formula: f written out, for titles and messages.
        start: where a run starts unless told otherwise.
        xlim, ylim: the window worth drawing.
        critical_points: the known points where ∇f = 0, minima first.
        suggested_lr: an η for each optimizer name that shows it at its best here.
        curvatures: the Hessian's eigenvalues λ where they are the same everywhere (quadratic
            surfaces), else ``None``; they give plain gradient descent its stability limit.

    Example:
        A surface of one's own, f(x, y) = x² + y⁴, ready for :func:`~glassnet.lab.descend`:

        >>> from glassnet.lab import descend
        >>> from glassnet.lab.surfaces import CriticalPoint, Surface
        >>> class Flat(Surface):
        ...     name, formula, start = "flat", "x² + y⁴", (1.0, 1.0)
        ...     critical_points = (CriticalPoint("global minimum", 0.0, 0.0, 0.0),)
        ...     def value(self, x, y):
        ...         return x**2 + y**4
        ...     def gradient(self, x, y):
        ...         return 2 * x, 4 * y**3
        >>> Flat()
        Surface('flat': f(x, y) = x² + y⁴)
        >>> run = descend(Flat(), "sgd", lr=0.1, steps=50)
        >>> run.verdict.kind  # y⁴ is so flat near 0 that y crawls
        'still moving'
        >>> run.points[-1].round(3)
        array([0.   , 0.151])
    """

    name = "surface"
    formula = "f(x, y)"
    start: tuple[float, float] = (0.0, 0.0)
    xlim: tuple[float, float] = (-1.0, 1.0)
    ylim: tuple[float, float] = (-1.0, 1.0)
    critical_points: tuple[CriticalPoint, ...] = ()
    suggested_lr: ClassVar[dict[str, float]] = {}
    curvatures: tuple[float, ...] | None = None

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        """f(x, y), elementwise over arrays."""
        raise NotImplementedError

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        """(∂f/∂x, ∂f/∂y), elementwise over arrays."""
        raise NotImplementedError

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        """The known minima, global first."""
        return tuple(c for c in self.critical_points if c.is_minimum)

    @property
    def global_minimum(self) -> CriticalPoint:
        """The (first) global minimum."""
        return next(c for c in self.critical_points if c.kind == "global minimum")

    @property
    def size(self) -> float:
        """The larger side of the drawing window."""
        return max(self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0])

    def __repr__(self) -> str:
        return f"Surface({self.name!r}: f(x, y) = {self.formula})"


class Quadratic(Surface):
    """f(x, y) = ½ (λ₁ x² + λ₂ y²): a bowl whose Hessian has eigenvalues λ₁, λ₂ everywhere.

    Plain gradient descent multiplies each coordinate by (1 − η λ) per step, so it converges
    exactly when |1 − η λ| < 1 for both λ, i.e. η < 2/λ_max: the stability limit. The ratio
    λ_max/λ_min (the condition number) says how much slower the flat direction goes.
    """

    def __init__(
        self,
        name: str,
        lambdas: tuple[float, float],
        *,
        start: tuple[float, float],
        lim: tuple[float, float],
        suggested_lr: dict[str, float],
    ) -> None:
        self.name = name
        self.lambdas = (float(lambdas[0]), float(lambdas[1]))
        l1, l2 = (f"{lam / 2:g}" for lam in self.lambdas)
        self.formula = f"{'' if l1 == '1' else l1 + ' '}x² + {'' if l2 == '1' else l2 + ' '}y²"
        self.start = start
        self.xlim = (-lim[0], lim[0])
        self.ylim = (-lim[1], lim[1])
        self.curvatures = self.lambdas
        self.critical_points = (CriticalPoint("global minimum", 0.0, 0.0, 0.0),)
        self.suggested_lr = suggested_lr  # type: ignore[misc]

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _f64(x), _f64(y)
        return 0.5 * (self.lambdas[0] * x * x + self.lambdas[1] * y * y)

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        return self.lambdas[0] * _f64(x), self.lambdas[1] * _f64(y)  # ∂f/∂x = λ₁ x, ∂f/∂y = λ₂ y


class Rosenbrock(Surface):
    """f = (a − x)² + b (y − x²)², with a = 1, b = 100: minimum f(1, 1) = 0 at the end of a
    narrow, curved, almost flat valley along y = x²."""

    name = "rosenbrock"
    formula = "(1 − x)² + 100 (y − x²)²"
    start = (-1.5, 2.0)
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)
    critical_points = (CriticalPoint("global minimum", 1.0, 1.0, 0.0),)
    suggested_lr: ClassVar[dict[str, float]] = {
        "sgd": 1e-3,
        "momentum": 1e-3,
        "nesterov": 1e-3,
        "adagrad": 0.5,
        "rmsprop": 0.01,
        "adam": 0.1,
        "adamw": 0.1,
    }

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _f64(x), _f64(y)
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        x, y = _f64(x), _f64(y)
        valley = y - x * x
        return -2 * (1 - x) - 400 * x * valley, 200 * valley


class Beale(Surface):
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²: minimum f(3, 0.5) = 0,
    flat plateaus and steep walls, so the size of the gradient says little about the way to go.
    """

    name = "beale"
    formula = "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"
    start = (1.0, 1.4)
    xlim = (-1.0, 4.5)
    ylim = (-1.5, 2.0)
    critical_points = (CriticalPoint("global minimum", 3.0, 0.5, 0.0),)
    suggested_lr: ClassVar[dict[str, float]] = {
        "sgd": 0.02,
        "momentum": 0.005,
        "nesterov": 0.005,
        "adagrad": 0.5,
        "rmsprop": 0.03,
        "adam": 0.1,
        "adamw": 0.1,
    }

    _c = (1.5, 2.25, 2.625)

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _f64(x), _f64(y)
        terms = [(c - x + x * y ** (i + 1)) ** 2 for i, c in enumerate(self._c)]
        return np.asarray(terms[0] + terms[1] + terms[2], dtype=np.float64)

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        x, y = _f64(x), _f64(y)
        gx, gy = np.zeros(np.broadcast(x, y).shape), np.zeros(np.broadcast(x, y).shape)
        for i, c in enumerate(self._c):  # term r_i = c_i − x + x yⁱ⁺¹, f = Σ r_i²
            n = i + 1
            r = c - x + x * y**n
            gx = gx + 2 * r * (y**n - 1)  # ∂r/∂x = yⁿ − 1
            gy = gy + 2 * r * (n * x * y ** (n - 1))  # ∂r/∂y = n x yⁿ⁻¹
        return gx, gy


class Saddle(Surface):
    """f = x² + y⁴/4 − y²/2: a saddle point at (0, 0) (a minimum along x, a maximum along y)
    between two equal global minima f(0, ±1) = −¼. A run that starts on the line y = 0 slides
    into the saddle and stays; one that starts just off it escapes, slowly at first."""

    name = "saddle"
    formula = "x² + y⁴/4 − y²/2"
    start = (2.0, 0.01)
    xlim = (-2.5, 2.5)
    ylim = (-2.0, 2.0)
    critical_points = (
        CriticalPoint("global minimum", 0.0, 1.0, -0.25),
        CriticalPoint("global minimum", 0.0, -1.0, -0.25),
        CriticalPoint("saddle point", 0.0, 0.0, 0.0),
    )
    suggested_lr: ClassVar[dict[str, float]] = {
        "sgd": 0.1,
        "momentum": 0.05,
        "nesterov": 0.05,
        "adagrad": 0.5,
        "rmsprop": 0.05,
        "adam": 0.1,
        "adamw": 0.1,
    }

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _f64(x), _f64(y)
        return x * x + y**4 / 4 - y * y / 2

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        x, y = _f64(x), _f64(y)
        return 2 * x, y**3 - y


class TwoMinima(Surface):
    """f = (x² − 1)² + 0.3 x + y²: a global minimum near (−1.04, 0), a local one near (0.96, 0)
    and a saddle point between them near (0.075, 0). Which one a run ends in depends on where
    it starts (and on how far its steps jump)."""

    name = "two_minima"
    formula = "(x² − 1)² + 0.3 x + y²"
    start = (2.0, 1.0)
    xlim = (-2.0, 2.0)
    ylim = (-1.5, 1.5)
    suggested_lr: ClassVar[dict[str, float]] = {
        "sgd": 0.02,
        "momentum": 0.01,
        "nesterov": 0.01,
        "adagrad": 0.3,
        "rmsprop": 0.02,
        "adam": 0.05,
        "adamw": 0.05,
    }
    tilt = 0.3

    def __init__(self) -> None:
        # ∂f/∂x = 4x(x² − 1) + 0.3 = 0 has three real roots: the two minima and the saddle
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)
        values = [float(self.value(r, 0.0)) for r in roots]
        g, l = (0, 2) if values[0] < values[2] else (2, 0)
        self.critical_points = (
            CriticalPoint("global minimum", float(roots[g]), 0.0, values[g]),
            CriticalPoint("local minimum", float(roots[l]), 0.0, values[l]),
            CriticalPoint("saddle point", float(roots[1]), 0.0, values[1]),
        )

    def value(self, x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _f64(x), _f64(y)
        return (x * x - 1) ** 2 + self.tilt * x + y * y

    def gradient(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        x, y = _f64(x), _f64(y)
        return 4 * x * (x * x - 1) + self.tilt, 2 * y


#: learning rates that show each optimizer well on the two quadratic bowls; only plain SGD's
#: differs between them
_QUADRATIC_LR = {
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 1.0,
    "rmsprop": 0.1,
    "adam": 0.2,
    "adamw": 0.2,
}

#: every surface by name
SURFACES: dict[str, Surface] = {
    "bowl": Quadratic(
        "bowl",
        (1.0, 2.0),
        start=(-3.0, 2.0),
        lim=(4.0, 4.0),
        suggested_lr={"sgd": 0.1, **_QUADRATIC_LR},
    ),
    "ravine": Quadratic(
        "ravine",
        (0.2, 4.0),
        start=(-4.5, 1.5),
        lim=(5.0, 2.0),
        suggested_lr={"sgd": 0.45, **_QUADRATIC_LR},
    ),
    "rosenbrock": Rosenbrock(),
    "beale": Beale(),
    "saddle": Saddle(),
    "two_minima": TwoMinima(),
}


def get(surface: str | Surface) -> Surface:
    """A surface by name (see :data:`SURFACES`), or the given :class:`Surface` itself.

    >>> get("rosenbrock").global_minimum
    CriticalPoint(kind='global minimum', x=1.0, y=1.0, value=0.0)
    """
    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str) and surface.replace("-", "_") in SURFACES:
        return SURFACES[surface.replace("-", "_")]
    raise ValueError(
        f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}, or pass a "
        "glassnet.lab.Surface"
    )
