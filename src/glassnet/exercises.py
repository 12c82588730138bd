"""Exercises with pen and paper: tiny networks with round numbers, their solutions, a checker.

A sheet holds problems of three kinds, in the order the tutorial teaches them:

* ``"forward"`` — compute z^(l)_j, a^(l)_j and the cost C of one sample, neuron by neuron;
* ``"gradient"`` — backpropagate one sample: δ^(L), ∂C/∂w and ∂C/∂b of the output layer, then
  δ^(l) and one weight and bias of the first layer;
* ``"sgd"`` — a mini-batch of two samples: each sample's ∂C_i/∂w, their average, and the weights
  and biases after one step w ← w − η ∂C/∂w.

The networks are sigmoid networks with Nielsen's cost C = ½‖a − y‖² and weights, biases
and inputs with one decimal, drawn from a seed: the same seed gives the same sheet. Every answer
is computed by glassnet itself (``net.trace``, ``net.gradients``, ``SGD.step``), so a solution
sheet can never disagree with the library.

>>> sheet = make_sheet(seed=0, kind="forward")
>>> print(sheet.problems().splitlines()[0])
# Exercise sheet (seed 0)
>>> result = sheet.check(sheet.answers())
>>> result.passed, result.score
(True, '7/7')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import as_rng, is_whole
from .explain import explain_neuron
from .network import Network
from .optimizers import SGD

__all__ = ["KINDS", "CheckResult", "Part", "Problem", "Sheet", "make_sheet"]

#: the kinds of problem, in the order a sheet lists them
KINDS = ("forward", "gradient", "sgd")

Array = NDArray[np.float64]


def _n(v: float, digits: int = 4) -> str:
    """A number as the sheet prints it: 4 significant digits (one-decimal inputs stay short)."""
    return f"{float(v) + 0.0:.{digits}g}"


def _p(v: float) -> str:
    """A number in parentheses when negative, for products like (0.5)(−1.2)."""
    text = _n(v)
    return f"({text})" if text.startswith("-") else text


@dataclass
class Part:
    """One number to compute.

    Attributes:
        key: how answers refer to it, e.g. ``"1c"`` (problem 1, part c).
        symbol: what it is, in the tutorial's notation, e.g. ``"∂C/∂w^(2)_{0,1}"``.
        answer: the value glassnet computes.
        working: the computation with the numbers filled in (for the solution sheet).
        hint: the formula to use (printed with feedback on a wrong answer).
        mistakes: ``(value, message)`` pairs: answers that a typical slip gives, and what
            the slip was.

    Example:
        >>> from glassnet.exercises import make_sheet
        >>> sheet = make_sheet(seed=1, kind="forward")
        >>> part = sheet.parts()["1a"]
        >>> part.symbol, part.answer, part.hint
        ('z^(1)_0', 0.52, 'Use z^(1)_0 = Σ_k w^(1)_{0,k} a^(0)_k + b^(1)_0.')
        >>> part.working
        'Σ_k w^(1)_{0,k} a^(0)_k + b^(1)_0 = (-0.1)·(-0.4) + 0.1·0.8 + 0.4'
        >>> [message for value, message in part.mistakes]  # the slip 0.12 is recognised
        ['You left out the bias b.']
    """

    key: str
    symbol: str
    answer: float
    working: str
    hint: str
    mistakes: list[tuple[float, str]] = field(default_factory=list)
    #: what the relative tolerance is taken of; None: the answer itself. An SGD step's new
    #: weight uses the size of the step, so that the old weight never passes for the new one.
    scale: float | None = None


@dataclass
class Problem:
    """One problem: a tiny network, its data, and the parts to compute.

    Attributes:
        number: 1, 2, …
        kind: ``"forward"``, ``"gradient"`` or ``"sgd"``.
        sizes, W, b: the network (``W[l-1]`` is W^(l), shape (n_l, n_{l−1})).
        X, Y: the samples, one per row, and their targets.
        lr: the learning rate η (sgd problems only, else 0).
        parts: the numbers to compute.

    Example:
        >>> from glassnet.exercises import make_sheet
        >>> sheet = make_sheet(seed=1, kind="forward")
        >>> problem = sheet.items[0]
        >>> problem.kind, problem.sizes, [part.key for part in problem.parts]
        ('forward', [2, 2, 1], ['1a', '1b', '1c', '1d', '1e', '1f', '1g'])
        >>> print(problem.statement().splitlines()[4])
        Network [2, 2, 1], σ = sigmoid in every layer, cost C_i = ½‖a^(2) − y‖².
        >>> print(problem.solution().splitlines()[-1])
        - **1g.** C = ½ [(0.1913 − 0.4)²] = **0.02178**
        >>> net = problem.network()  # the same numbers in a glassnet Network
        >>> round(float(net.forward(problem.X)[0, 0]), 4)  # a^(2)_0, part 1f
        0.1913
    """

    number: int
    kind: str
    sizes: list[int]
    W: list[Array]
    b: list[Array]
    X: Array
    Y: Array
    lr: float
    parts: list[Part]

    def network(self) -> Network:
        """The problem's network as a float64 glassnet :class:`~glassnet.Network`."""
        net = Network.from_sizes(
            self.sizes, activation="sigmoid", cost="quadratic", dtype="float64", seed=0
        )
        for l in range(1, len(self.sizes)):
            net.W[l] = self.W[l - 1]
            net.b[l] = self.b[l - 1]
        return net

    def statement(self) -> str:
        """The problem as the learner reads it (markdown)."""
        task = {
            "forward": "Do the forward pass for the sample below.",
            "gradient": "Backpropagate the sample below (one sample, so C = C_0).",
            "sgd": f"Take one SGD step with η = {_n(self.lr)} on the mini-batch of "
            f"{len(self.X)} samples below (the gradient is the average over the samples).",
        }[self.kind]
        lines = [f"## Problem {self.number}: {self.kind}", "", task, ""]
        lines.append(
            f"Network {self.sizes}, σ = sigmoid in every layer, cost C_i = ½‖a^({self.L}) − y‖²."
        )
        for l in range(1, self.L + 1):
            rows = "; ".join(", ".join(_n(w) for w in row) for row in self.W[l - 1])
            lines.append(f"- W^({l}) = [{rows}]   (row j holds w^({l})_{{j,k}}, k = 0, 1, …)")
            lines.append(f"- b^({l}) = [{', '.join(_n(v) for v in self.b[l - 1])}]")
        for i, (x, y) in enumerate(zip(self.X, self.Y, strict=True)):
            lines.append(
                f"- sample {i}: x = a^(0) = [{', '.join(_n(v) for v in x)}], "
                f"y = [{', '.join(_n(v) for v in y)}]"
            )
        lines.append("")
        for part in self.parts:
            lines.append(f"- **{part.key}.** {part.symbol} = ?")
        return "\n".join(lines)

    def solution(self) -> str:
        """The worked solution (markdown)."""
        lines = [f"## Problem {self.number}: {self.kind} — solution", ""]
        for part in self.parts:
            lines.append(
                f"- **{part.key}.** {part.symbol} = {part.working} = **{_n(part.answer)}**"
            )
        return "\n".join(lines)

    @property
    def L(self) -> int:
        return len(self.sizes) - 1


@dataclass
class CheckResult:
    """The verdict on a learner's answers (see :meth:`Sheet.check`).

    Attributes:
        correct: keys answered right.
        wrong: ``(key, given, expected, feedback)`` for each wrong answer.
        missing: keys not answered.
        unknown: keys given that are not on the sheet.

    Example:
        >>> from glassnet.exercises import make_sheet
        >>> sheet = make_sheet(seed=1, kind="forward")
        >>> answers = sheet.answers()
        >>> answers["1a"] = -answers["1a"]  # a sign slip
        >>> del answers["1g"]
        >>> result = sheet.check(answers)
        >>> result, result.score, result.missing
        (CheckResult(5/7, passed=False), '5/7', ['1g'])
        >>> print(str(result).splitlines()[1].split(". Use")[0])  # then the formula to use
        ✗ 1a: you gave -0.52, expected 0.52. The size is right but the sign is wrong
    """

    correct: list[str]
    wrong: list[tuple[str, Any, float, str]]
    missing: list[str]
    unknown: list[str]

    @property
    def passed(self) -> bool:
        """True when every part is answered and right."""
        return not self.wrong and not self.missing

    @property
    def score(self) -> str:
        """``"right/total"``."""
        total = len(self.correct) + len(self.wrong) + len(self.missing)
        return f"{len(self.correct)}/{total}"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"{self.score} right" + (": all correct, well done." if self.passed else ".")]
        for key, given, expected, feedback in self.wrong:
            lines.append(f"✗ {key}: you gave {given!r}, expected {_n(expected)}. {feedback}")
        if self.missing:
            lines.append(f"not answered: {', '.join(self.missing)}")
        if self.unknown:
            lines.append(f"not on this sheet (ignored): {', '.join(self.unknown)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CheckResult({self.score}, passed={self.passed})"


@dataclass
class Sheet:
    """A problem sheet, its solutions and a checker. Make one with :func:`make_sheet`.

    Attributes:
        seed: the seed it was drawn from.
        items: the problems.
        atol, rtol: an answer counts as right when |given − answer| ≤ atol + rtol·|answer|.

    Example:
        >>> from glassnet.exercises import make_sheet
        >>> sheet = make_sheet(seed=1, kind="forward")
        >>> print(sheet.problems().splitlines()[0])
        # Exercise sheet (seed 1)
        >>> sheet.answers()["1c"]
        1.02
        >>> sheet.check({"1a": 0.52, "1b": 0.63}).correct  # 0.63 is within 2% of 0.6271
        ['1a', '1b']
    """

    seed: int
    items: list[Problem]
    atol: float = 1e-4
    rtol: float = 2e-2

    def parts(self) -> dict[str, Part]:
        """Every part on the sheet, by key."""
        return {part.key: part for problem in self.items for part in problem.parts}

    def answers(self) -> dict[str, float]:
        """The right answers, by key (what :meth:`check` compares with)."""
        return {key: part.answer for key, part in self.parts().items()}

    def problems(self) -> str:
        """The problem sheet, in markdown."""
        head = [
            f"# Exercise sheet (seed {self.seed})",
            "",
            "Use σ(z) = 1/(1 + e^(−z)), σ'(z) = σ(z)(1 − σ(z)) and the tutorial's notation: "
            "w^(l)_{j,k} goes to neuron j of layer l from neuron k of layer l − 1; neurons and "
            f"samples are counted from 0. Give 4 significant digits; an answer counts as right "
            f"within {self.atol:g} + {self.rtol:.0%} of the exact value.",
        ]
        return "\n\n".join(["\n".join(head), *(p.statement() for p in self.items)]) + "\n"

    def solutions(self) -> str:
        """The solution sheet, with every computation written out, in markdown."""
        head = f"# Solutions (seed {self.seed})"
        return "\n\n".join([head, *(p.solution() for p in self.items)]) + "\n"

    def check(self, answers: Mapping[str, Any]) -> CheckResult:
        """Compare a learner's answers ``{"1a": 0.5987, …}`` with the sheet's.

        Each wrong answer gets feedback: the formula to use, and, when the number is what a
        typical slip gives (a wrong sign, σ' forgotten, a sum instead of an average, a step
        uphill), which slip it was.

        Example:
            >>> sheet = make_sheet(seed=1, kind="gradient")
            >>> answers = sheet.answers()
            >>> answers["1a"] = -answers["1a"]
            >>> result = sheet.check(answers)
            >>> result.passed, [key for key, *_ in result.wrong]
            (False, ['1a'])
        """
        if not isinstance(answers, Mapping):
            raise ValueError(
                "answers must be a mapping from part keys to numbers, e.g. {'1a': 0.5987}; "
                f"got {type(answers).__name__}"
            )
        parts = self.parts()
        given = {str(k).strip().lower(): v for k, v in answers.items()}
        correct: list[str] = []
        wrong: list[tuple[str, Any, float, str]] = []
        missing: list[str] = []
        for key, part in parts.items():
            if key not in given:
                missing.append(key)
                continue
            raw = given[key]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                wrong.append((key, raw, part.answer, f"That is not a number. {part.hint}"))
                continue
            if math.isfinite(value) and self._close(value, part.answer, part):
                correct.append(key)
            else:
                wrong.append((key, raw, part.answer, self._feedback(value, part)))
        unknown = sorted(k for k in given if k not in parts)
        return CheckResult(correct, wrong, missing, unknown)

    def _close(self, value: float, expected: float, part: Part) -> bool:
        scale = abs(expected) if part.scale is None else abs(part.scale)
        return abs(value - expected) <= self.atol + self.rtol * scale

    def _feedback(self, value: float, part: Part) -> str:
        for slip_value, message in part.mistakes:
            if self._close(value, slip_value, part) and not self._close(
                slip_value, part.answer, part
            ):
                return f"{message} {part.hint}"
        if part.answer != 0 and self._close(-value, part.answer, part):
            return f"The size is right but the sign is wrong. {part.hint}"
        return f"{part.symbol}: {part.hint}"


# -- drawing the numbers -----------------------------------------------------------------------


def _round1(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> Array:
    """Numbers with one decimal, from low/10 to high/10, never 0 (a zero term teaches nothing)."""
    v = rng.integers(low, high + 1, size=shape).astype(np.float64)
    v[v == 0] = 1.0
    return v / 10.0


def _draw(rng: np.random.Generator, sizes: list[int], m: int) -> tuple[list[Array], ...]:
    W = [_round1(rng, (sizes[l], sizes[l - 1]), -10, 10) for l in range(1, len(sizes))]
    b = [_round1(rng, (sizes[l],), -5, 5) for l in range(1, len(sizes))]
    X = [_round1(rng, (m, sizes[0]), -10, 10)]
    Y = [rng.integers(0, 11, size=(m, sizes[-1])).astype(np.float64) / 10.0]
    return W, b, X, Y


def _letters() -> Any:
    return iter("abcdefghijklmnopqrstuvwxyz")


# -- the three kinds of problem ----------------------------------------------------------------


def _forward_problem(number: int, rng: np.random.Generator, sizes: list[int]) -> Problem:
    W, b, (X,), (Y,) = _draw(rng, sizes, 1)
    problem = Problem(number, "forward", sizes, W, b, X, Y, 0.0, [])
    net = problem.network()
    t = net.trace(X, Y)
    letter = _letters()
    for l in range(1, net.L + 1):
        for j in range(sizes[l]):
            e = explain_neuron(net, X[0], l, j)
            terms = " + ".join(f"{_p(w)}·{_p(a)}" for _, w, a, _ in e.terms)
            z_key = f"{number}{next(letter)}"
            problem.parts.append(
                Part(
                    z_key,
                    f"z^({l})_{j}",
                    e.z,
                    f"Σ_k w^({l})_{{{j},k}} a^({l - 1})_k + b^({l})_{j} = {terms} + {_p(e.b)}",
                    f"Use z^({l})_{j} = Σ_k w^({l})_{{{j},k}} a^({l - 1})_k + b^({l})_{j}.",
                    [(e.weighted_sum, "You left out the bias b.")],
                )
            )
            problem.parts.append(
                Part(
                    f"{number}{next(letter)}",
                    f"a^({l})_{j}",
                    e.a,
                    f"σ(z^({l})_{j}) = σ({_n(e.z)})",
                    f"Use a^({l})_{j} = σ(z^({l})_{j}) = 1/(1 + e^(−z)).",
                    [(e.z, "That is z, before the activation σ.")],
                )
            )
    a_L, y = t.a[net.L][0], Y[0]
    diffs = " + ".join(f"({_n(a)} − {_n(v)})²" for a, v in zip(a_L, y, strict=True))
    problem.parts.append(
        Part(
            f"{number}{next(letter)}",
            "C",
            float(t.cost),
            f"½ [{diffs}]",
            f"Use C = ½ Σ_j (a^({net.L})_j − y_j)².",
            [(2 * float(t.cost), "You forgot the ½.")],
        )
    )
    return problem


def _gradient_problem(number: int, rng: np.random.Generator, sizes: list[int]) -> Problem:
    W, b, (X,), (Y,) = _draw(rng, sizes, 1)
    problem = Problem(number, "gradient", sizes, W, b, X, Y, 0.0, [])
    net = problem.network()
    t = net.trace(X, Y)
    g = net.gradients(X, Y)
    L = net.L
    a = [t.a[l][0] for l in range(L + 1)]  # a^(l) of the one sample
    d = [np.empty(0)] + [t.delta[l][0] for l in range(1, L + 1)]  # δ^(l)
    letter = _letters()

    def add(symbol: str, value: float, working: str, hint: str, *slips: tuple[float, str]) -> None:
        problem.parts.append(
            Part(f"{number}{next(letter)}", symbol, float(value), working, hint, list(slips))
        )

    for j in range(sizes[L]):
        sp = a[L][j] * (1 - a[L][j])
        add(
            f"δ^({L})_{j}",
            d[L][j],
            f"(a^({L})_{j} − y_{j}) σ'(z^({L})_{j}) = ({_n(a[L][j])} − {_n(Y[0][j])})·{_n(sp)}",
            f"Use δ^({L})_j = ∂C/∂a^({L})_j · σ'(z^({L})_j) = (a_j − y_j) a_j (1 − a_j).",
            (a[L][j] - Y[0][j], "You forgot the factor σ'(z) = a(1 − a)."),
        )
    j, k = int(rng.integers(sizes[L])), int(rng.integers(sizes[L - 1]))
    add(
        f"∂C/∂w^({L})_{{{j},{k}}}",
        g.W[L][j, k],
        f"δ^({L})_{j} a^({L - 1})_{k} = {_p(d[L][j])}·{_p(a[L - 1][k])}",
        f"Use ∂C/∂w^({L})_{{j,k}} = δ^({L})_j a^({L - 1})_k (∂z_j/∂w_jk = a_k).",
        (d[L][j], "That is δ alone: multiply by the activation the weight comes from."),
    )
    add(
        f"∂C/∂b^({L})_{j}",
        g.b[L][j],
        f"δ^({L})_{j}",
        f"Use ∂C/∂b^({L})_j = δ^({L})_j (∂z_j/∂b_j = 1).",
    )
    for l in range(L - 1, 0, -1):
        for q in range(sizes[l]):
            terms = " + ".join(f"{_p(W[l][s, q])}·{_p(d[l + 1][s])}" for s in range(sizes[l + 1]))
            sp = a[l][q] * (1 - a[l][q])
            dC_da = float(t.dC_da[l][0, q])
            add(
                f"δ^({l})_{q}",
                d[l][q],
                f"(Σ_j w^({l + 1})_{{j,{q}}} δ^({l + 1})_j) σ'(z^({l})_{q}) = ({terms})·{_n(sp)}",
                f"Use δ^({l})_k = (Σ_j w^({l + 1})_{{j,k}} δ^({l + 1})_j) σ'(z^({l})_k): "
                f"δ^({l + 1}) is reused.",
                (dC_da, f"That is ∂C/∂a^({l})_{q}: multiply by σ'(z^({l})_{q})."),
            )
    j, k = int(rng.integers(sizes[1])), int(rng.integers(sizes[0]))
    add(
        f"∂C/∂w^(1)_{{{j},{k}}}",
        g.W[1][j, k],
        f"δ^(1)_{j} a^(0)_{k} = {_p(d[1][j])}·{_p(a[0][k])}",
        "Use ∂C/∂w^(1)_{j,k} = δ^(1)_j a^(0)_k, with a^(0) = x.",
        (d[1][j], "That is δ alone: multiply by the input the weight comes from."),
    )
    add(f"∂C/∂b^(1)_{j}", g.b[1][j], f"δ^(1)_{j}", "Use ∂C/∂b^(1)_j = δ^(1)_j.")
    return problem


def _sgd_problem(number: int, rng: np.random.Generator, sizes: list[int]) -> Problem:
    W, b, (X,), (Y,) = _draw(rng, sizes, 2)
    lr = float(rng.choice([0.5, 1.0, 2.0]))
    problem = Problem(number, "sgd", sizes, W, b, X, Y, lr, [])
    net = problem.network()
    t = net.trace(X, Y)
    g = net.gradients(X, Y)
    L, m = net.L, X.shape[0]
    after = net.copy()
    SGD(lr=lr).step(after, g)  # w ← w − η ∂C/∂w, b ← b − η ∂C/∂b
    letter = _letters()

    def add(
        symbol: str,
        value: float,
        working: str,
        hint: str,
        *slips: tuple[float, str],
        step: float | None = None,
    ) -> None:
        if step is not None:  # a new weight: judged against the size of the step
            slips = (*slips, (value + step, "That is the value before the step."))
        problem.parts.append(
            Part(
                f"{number}{next(letter)}",
                symbol,
                float(value),
                working,
                hint,
                list(slips),
                scale=step,
            )
        )

    j, k = int(rng.integers(sizes[L])), int(rng.integers(sizes[L - 1]))
    per_sample = [float(t.delta[L][i, j] * t.a[L - 1][i, k]) for i in range(m)]
    for i in range(m):
        add(
            f"∂C_{i}/∂w^({L})_{{{j},{k}}} (sample {i} alone)",
            per_sample[i],
            f"δ^({L})_{j} a^({L - 1})_{k} of sample {i} = "
            f"{_p(t.delta[L][i, j])}·{_p(t.a[L - 1][i, k])}",
            f"Backpropagate sample {i} alone: δ^({L})_j a^({L - 1})_k.",
        )
    mean = float(g.W[L][j, k])
    add(
        f"∂C/∂w^({L})_{{{j},{k}}} (the mini-batch average)",
        mean,
        f"(1/{m}) Σ_i ∂C_i/∂w = (" + " + ".join(_p(v) for v in per_sample) + f")/{m}",
        "Average the samples' gradients: (1/m) Σ_i ∂C_i/∂w.",
        (sum(per_sample), f"That is the sum: divide by m = {m}."),
    )
    w_old = float(W[L - 1][j, k])
    add(
        f"w^({L})_{{{j},{k}}} after the step",
        after.W[L][j, k],
        f"w − η ∂C/∂w = {_p(w_old)} − {_n(lr)}·{_p(mean)}",
        "Use w ← w − η ∂C/∂w.",
        (w_old + lr * mean, "You stepped uphill: gradient descent subtracts η ∂C/∂w."),
        (w_old - mean, "You left out the learning rate η."),
        step=lr * mean,
    )
    b_old = float(b[L - 1][j])
    add(
        f"b^({L})_{j} after the step",
        after.b[L][j],
        f"b − η ∂C/∂b with ∂C/∂b = (1/{m}) Σ_i δ^({L})_{j} = ("
        + " + ".join(_p(t.delta[L][i, j]) for i in range(m))
        + f")/{m} = {_n(g.b[L][j])}, so {_p(b_old)} − {_n(lr)}·{_p(g.b[L][j])}",
        "Use b ← b − η ∂C/∂b with ∂C/∂b the average of δ over the samples.",
        (b_old + lr * float(g.b[L][j]), "You stepped uphill: subtract η ∂C/∂b."),
        step=lr * float(g.b[L][j]),
    )
    j1, k1 = int(rng.integers(sizes[1])), int(rng.integers(sizes[0]))
    grad1 = float(g.W[1][j1, k1])
    terms = " + ".join(f"{_p(t.delta[1][i, j1])}·{_p(X[i, k1])}" for i in range(m))
    add(
        f"w^(1)_{{{j1},{k1}}} after the step",
        after.W[1][j1, k1],
        f"w − η (1/{m}) Σ_i δ^(1)_{j1} a^(0)_{k1} = {_p(W[0][j1, k1])} − {_n(lr)}·({terms})/{m}",
        "Backpropagate each sample to δ^(1), average δ^(1)_j a^(0)_k, then w ← w − η ∂C/∂w.",
        (float(W[0][j1, k1]) + lr * grad1, "You stepped uphill: subtract η ∂C/∂w."),
        step=lr * grad1,
    )
    return problem


_MAKERS = {"forward": _forward_problem, "gradient": _gradient_problem, "sgd": _sgd_problem}


def make_sheet(
    seed: int | None = 0,
    kind: str | Sequence[str] = "all",
    sizes: Sequence[int] = (2, 2, 1),
    atol: float = 1e-4,
    rtol: float = 2e-2,
) -> Sheet:
    """Draw an exercise sheet: one problem per kind, on tiny sigmoid networks with round numbers.

    Args:
        seed: the same seed gives the same sheet (an int ≥ 0).
        kind: ``"all"`` (forward, gradient, sgd), one of them, or a list of kinds (a kind may
            repeat, e.g. ``["forward", "forward"]``).
        sizes: the layer sizes ``[n_0, …, n_L]``; small ones (at most 4 neurons a layer) keep
            the sheet doable by hand.
        atol, rtol: how close an answer must be to count as right.

    Example:
        >>> sheet = make_sheet(seed=3)
        >>> [p.kind for p in sheet.items]
        ['forward', 'gradient', 'sgd']
        >>> sheet.check({"1a": 0.0}).passed
        False
    """
    if not is_whole(seed):
        raise ValueError(
            f"seed must be an integer ≥ 0, so that the sheet can be drawn again; got {seed!r}"
        )
    kinds = list(KINDS) if kind == "all" else [kind] if isinstance(kind, str) else list(kind)
    for k in kinds:
        if k not in _MAKERS:
            raise ValueError(f"unknown kind of exercise {k!r}; choose 'all' or any of {KINDS}")
    if not kinds:
        raise ValueError(f"kind is empty; choose 'all' or any of {KINDS}")
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or any(n < 1 or n > 4 for n in sizes):
        raise ValueError(
            f"sizes must list at least 2 layers of 1 to 4 neurons, e.g. (2, 2, 1); got {sizes}"
        )
    if any(k in ("gradient", "sgd") for k in kinds) and len(sizes) < 3:
        raise ValueError(
            f"gradient and sgd exercises need a hidden layer, e.g. (2, 2, 1); got sizes {sizes}"
        )
    if not (atol >= 0 and rtol >= 0):
        raise ValueError(f"atol and rtol must be ≥ 0, got atol={atol}, rtol={rtol}")
    rng = as_rng(int(seed))
    items = [_MAKERS[k](n, rng, sizes) for n, k in enumerate(kinds, start=1)]
    return Sheet(int(seed), items, atol=atol, rtol=rtol)
