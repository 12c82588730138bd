"""The Playground's *Optimizer lab* view: the lab's race on a surface, as numbers for the page.

The page never moves a point itself. It sends a request (a surface, the optimizers, η for
each, the start and the number of steps); the server checks it (:func:`parse_lab_request`),
runs :func:`glassnet.lab.race`, the very ``optimizer.step`` that training uses, and answers
(:func:`run_lab`) with

* the surface's values f(x, y) on a grid over its window, from the lab's own
  ``surface.value``, with contour levels, for the page to draw;
* each optimizer's trajectory: every point (x, y) and value f, in full float64 precision, so
  the page shows exactly the numbers :func:`~glassnet.lab.race` returns;
* the lab's verdict for each run, in plain words (converged to the global or a local minimum,
  stopped at a saddle point, diverged, still moving).

:func:`landscape_slice` does the same for the Playground's own network: its cost along a
1-D slice through the current weights, in a random direction normalised layer by layer
(:func:`glassnet.lab.random_direction` and :func:`glassnet.lab.slice_1d`).

>>> request = parse_lab_request({"surface": "two_minima", "optimizers": ["sgd", "adam"],
...                              "start": [1.5, 1.0], "steps": 300, "grid": 20})
>>> answer = run_lab(request)
>>> [t["verdict"]["kind"] for t in answer["trajectories"]]
['local minimum', 'local minimum']
>>> len(answer["grid"]["values"]), len(answer["grid"]["values"][0])
(20, 20)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import lab
from .._inputs import is_real, real_number, whole_number

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "LAB_DEFAULTS",
    "LAB_LIMITS",
    "LabRequest",
    "lab_options",
    "landscape_slice",
    "parse_lab_request",
    "run_lab",
]

#: the bounds every lab request is held to
LAB_LIMITS: dict[str, Any] = {
    "steps": (1, 2000),  # steps per optimizer
    "grid": (10, 100),  # the contour grid is grid × grid values
    "lr": (1e-6, 10.0),  # η
    "optimizers": len(lab.OPTIMIZERS),  # at most one run per optimizer
    "span": (0.01, 10.0),  # the landscape slice runs over α ∈ [−span, span]
    "points": (5, 201),  # values along the slice
}

#: what the lab view shows first: the two-minima surface and the tutorial's five optimizers
LAB_DEFAULTS: dict[str, Any] = {
    "surface": "two_minima",
    "optimizers": ["sgd", "momentum", "nesterov", "rmsprop", "adam"],
    "steps": 200,
    "grid": 60,
}

_KEYS = ("surface", "optimizers", "lr", "start", "steps", "grid")
_LEVELS = 14  # contour lines


@dataclass
class LabRequest:
    """A checked lab request: which surface, which optimizers with which η, from where, how long.

    ``lr`` holds an η for every optimizer (the surface's ``suggested_lr`` where the page sent
    none); ``start`` lies inside the surface's drawing window.
    """

    surface: str
    optimizers: list[str]
    lr: dict[str, float]
    start: tuple[float, float]
    steps: int
    grid: int

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready values (the keys :func:`parse_lab_request` takes)."""
        return asdict(self)


def _is_number(value: Any) -> bool:
    return is_real(value) and math.isfinite(value)


def _whole(raw: dict[str, Any], key: str) -> int:
    low, high = LAB_LIMITS[key]
    value = raw.get(key, LAB_DEFAULTS[key])
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return whole_number(
        value, key, must_be=f"a whole number from {low} to {high}", low=low, high=high
    )


def parse_lab_request(raw: Any) -> LabRequest:
    """Check a lab request from the page; missing keys take :data:`LAB_DEFAULTS`.

    Keys: ``surface`` (a name from :data:`glassnet.lab.SURFACES`), ``optimizers`` (names from
    :data:`glassnet.lab.OPTIMIZERS`, each at most once), ``lr`` (name → η; optional per name),
    ``start`` ([x, y] inside the surface's window; default its ``start``), ``steps``, ``grid``.

    >>> parse_lab_request({"surface": "bowl", "optimizers": ["sgd"], "lr": {"sgd": 1.1}}).lr
    {'sgd': 1.1}
    >>> parse_lab_request({"steps": 10**6})
    Traceback (most recent call last):
    ValueError: steps must be a whole number from 1 to 2000, got 1000000
    """
    if not isinstance(raw, dict):
        raise ValueError('a lab request must be a JSON object, e.g. {"surface": "bowl"}')
    stray = [key for key in raw if key not in _KEYS]
    if stray:
        raise ValueError(f"unknown lab setting {stray[0]!r}; the settings are: {', '.join(_KEYS)}")
    name = raw.get("surface", LAB_DEFAULTS["surface"])
    if not isinstance(name, str) or name not in lab.SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose one of: {', '.join(lab.SURFACES)}")
    surface = lab.SURFACES[name]

    names = raw.get("optimizers", LAB_DEFAULTS["optimizers"])
    if not isinstance(names, list) or not names:
        raise ValueError('optimizers must be a non-empty list of names, e.g. ["sgd", "adam"]')
    for opt in names:
        if not isinstance(opt, str) or opt not in lab.OPTIMIZERS:
            raise ValueError(f"unknown optimizer {opt!r}; choose from: {', '.join(lab.OPTIMIZERS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"each optimizer may race once; got {names}")

    sent = raw.get("lr", {})
    if sent is None:
        sent = {}
    if not isinstance(sent, dict):
        raise ValueError('lr must map optimizer names to η, e.g. {"sgd": 0.02}')
    low, high = LAB_LIMITS["lr"]
    lr: dict[str, float] = {}
    for opt in names:
        eta = sent.get(opt, surface.suggested_lr.get(opt, 0.01))
        must_be = f"a number from {low:g} to {high:g}"
        lr[opt] = real_number(eta, f"η for {opt}", must_be=must_be, low=low, high=high)
    extra = [key for key in sent if key not in names]
    if extra:
        raise ValueError(f"lr names {extra[0]!r}, which is not racing; racing: {', '.join(names)}")

    start = raw.get("start", list(surface.start))
    if start is None:
        start = list(surface.start)
    if not isinstance(start, (list, tuple)) or len(start) != 2 or not all(map(_is_number, start)):
        raise ValueError(f"start must be two numbers [x, y], got {start!r}")
    (x0, x1), (y0, y1) = surface.xlim, surface.ylim
    x, y = float(start[0]), float(start[1])
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise ValueError(
            f"start ({x:g}, {y:g}) lies outside the window of {name}, x from {x0:g} to {x1:g} "
            f"and y from {y0:g} to {y1:g}; pick a point inside it"
        )
    return LabRequest(name, list(names), lr, (x, y), _whole(raw, "steps"), _whole(raw, "grid"))


def _floats(values: NDArray[np.floating[Any]]) -> list[Any]:
    """Nested lists of Python floats, full precision; NaN and ±∞ (a diverged run) become None."""
    out: list[Any] = np.where(np.isfinite(values), values, np.nan).tolist()

    def clean(v: Any) -> Any:
        if isinstance(v, list):
            return [clean(u) for u in v]
        return None if v != v else v  # NaN → None (JSON has no NaN)

    return [clean(v) for v in out]


def surface_grid(name: str, n: int) -> dict[str, Any]:
    """f on an n × n grid over the surface's window, row i at y = ys[i], with contour levels.

    The levels are spaced geometrically above the lowest value, so that the contours crowd
    where the surface is flat near its minima and thin out on the steep walls.

    >>> g = surface_grid("bowl", 11)
    >>> g["values"][5][5], len(g["levels"]) > 5
    (0.0, True)
    """
    surface = lab.SURFACES[name]
    xs = np.linspace(*surface.xlim, n)
    ys = np.linspace(*surface.ylim, n)
    gx, gy = np.meshgrid(xs, ys)
    values = np.asarray(surface.value(gx, gy), dtype=np.float64)  # the lab's own f
    low = min([float(values.min())] + [c.value for c in surface.minima])
    high = float(values.max())
    span = max(high - low, 1e-12)
    levels = low + span * np.logspace(-3.5, -0.05, _LEVELS)
    rounded = np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])
    return {
        "xs": xs.tolist(),
        "ys": ys.tolist(),
        "values": rounded(values).tolist(),  # 6 digits: enough to draw
        "low": low,
        "high": high,
        "levels": levels.tolist(),
    }


def _surface_info(surface: lab.Surface) -> dict[str, Any]:
    return {
        "formula": surface.formula,
        "xlim": list(surface.xlim),
        "ylim": list(surface.ylim),
        "start": list(surface.start),
        "suggested_lr": dict(surface.suggested_lr),
        "critical_points": [
            {"kind": c.kind, "x": c.x, "y": c.y, "value": c.value, "text": c.describe()}
            for c in surface.critical_points
        ],
    }


def lab_options() -> dict[str, Any]:
    """The surfaces (formula, window, start, suggested η, critical points), optimizers, limits.

    >>> opts = lab_options()
    >>> opts["surfaces"]["bowl"]["suggested_lr"]["sgd"], opts["limits"]["steps"]
    (0.1, (1, 2000))
    """
    return {
        "surfaces": {name: _surface_info(s) for name, s in lab.SURFACES.items()},
        "optimizers": list(lab.OPTIMIZERS),
        "limits": LAB_LIMITS,
        "defaults": LAB_DEFAULTS,
    }


def run_lab(request: LabRequest) -> dict[str, Any]:
    """Race the request's optimizers with :func:`glassnet.lab.race` and package the result.

    Returns ``{"type": "lab", "request", "surface", "grid", "trajectories"}``; each trajectory
    has ``optimizer``, ``label``, ``lr``, ``points`` (steps + 1 pairs [x, y]), ``values``,
    ``diverged`` and ``verdict`` (``kind``, ``message``, ``step``, ``point``).
    """
    runs = lab.race(
        request.surface,
        request.optimizers,
        lr=request.lr,
        start=request.start,
        steps=request.steps,
    )
    trajectories = []
    for name, run in zip(request.optimizers, runs, strict=True):
        v = run.verdict
        trajectories.append(
            {
                "optimizer": name,
                "label": run.label,
                "lr": run.lr,
                "points": _floats(run.points),
                "values": _floats(run.values),
                "diverged": run.diverged,
                "verdict": {
                    "kind": v.kind,
                    "message": v.message,
                    "step": v.step,
                    "point": None if v.point is None else [v.point.x, v.point.y],
                },
            }
        )
    return {
        "type": "lab",
        "request": request.to_dict(),
        "surface": {"name": request.surface, **_surface_info(lab.SURFACES[request.surface])},
        "grid": surface_grid(request.surface, request.grid),
        "trajectories": trajectories,
    }


def landscape_slice(
    session: Session, seed: Any = 0, span: Any = 1.0, points: Any = 41
) -> dict[str, Any]:
    """The session network's training cost C(w + α d) along a random layer-normalised d.

    ``w`` is the network's current weights; ``d`` is :func:`glassnet.lab.random_direction`
    with ``seed``; α runs over ``points`` values from −span to span. The network is not changed.
    """
    top = 2**31 - 1
    seed = whole_number(seed, "seed", must_be=f"a whole number from 0 to {top}", low=0, high=top)
    low, high = LAB_LIMITS["span"]
    must_be = f"a number from {low:g} to {high:g}"
    span = real_number(span, "span", must_be=must_be, low=low, high=high)
    lo, hi = LAB_LIMITS["points"]
    must_be = f"a whole number from {lo} to {hi}"
    points = whole_number(points, "points", must_be=must_be, low=lo, high=hi)
    alphas = np.linspace(-float(span), float(span), points)
    with session.lock:
        net, data = session.net, session.data
        d = lab.random_direction(net, seed=seed)
        s = lab.slice_1d(net, data.X_train, data.y_train, d, alphas=alphas)
        here = float(net.cost(data.X_train, data.y_train))
    return {
        "type": "landscape",
        "seed": seed,
        "alphas": _floats(s.alphas),
        "costs": _floats(s.costs),
        "cost": here if math.isfinite(here) else None,
        "sizes": list(net.sizes),
        "n_params": int(net.n_params),
        "steps": session.steps,
    }
