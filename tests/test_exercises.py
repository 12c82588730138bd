"""The exercise generator: solutions agree with glassnet, the checker tells right from wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest

from glassnet import exercises
from glassnet.explain import explain_weight

SEEDS = [0, 1, 2, 7, 42]


def expected_value(problem: exercises.Problem, symbol: str) -> float:
    """What glassnet says the part with this symbol is, read from the trace and the gradients."""
    net = problem.network()
    t = net.trace(problem.X, problem.Y)
    g = net.gradients(problem.X, problem.Y)
    if symbol == "C":
        return t.cost
    if m := re.fullmatch(r"([za])\^\((\d)\)_(\d)", symbol):
        arrays = t.z if m[1] == "z" else t.a
        return float(arrays[int(m[2])][0, int(m[3])])
    if m := re.fullmatch(r"δ\^\((\d)\)_(\d)", symbol):
        return float(t.delta[int(m[1])][0, int(m[2])])
    if m := re.fullmatch(r"∂C/∂w\^\((\d)\)_\{(\d),(\d)\}(?: \(the mini-batch average\))?", symbol):
        l, j, k = int(m[1]), int(m[2]), int(m[3])
        value = explain_weight(net, problem.X, problem.Y, l, j, k).value
        assert value == pytest.approx(g.W[l][j, k], abs=1e-12)
        return float(g.W[l][j, k])
    if m := re.fullmatch(r"∂C_(\d)/∂w\^\((\d)\)_\{(\d),(\d)\} \(sample \d alone\)", symbol):
        i, l, j, k = (int(v) for v in m.groups())
        return float(net.gradients(problem.X[i : i + 1], problem.Y[i : i + 1]).W[l][j, k])
    if m := re.fullmatch(r"∂C/∂b\^\((\d)\)_(\d)", symbol):
        return float(g.b[int(m[1])][int(m[2])])
    if m := re.fullmatch(r"w\^\((\d)\)_\{(\d),(\d)\} after the step", symbol):
        l, j, k = int(m[1]), int(m[2]), int(m[3])
        return float(net.W[l][j, k] - problem.lr * g.W[l][j, k])  # w ← w − η ∂C/∂w
    if m := re.fullmatch(r"b\^\((\d)\)_(\d) after the step", symbol):
        l, j = int(m[1]), int(m[2])
        return float(net.b[l][j] - problem.lr * g.b[l][j])
    raise AssertionError(f"the test does not know the symbol {symbol!r}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sizes", [(2, 2, 1), (3, 2, 2), (1, 1, 1, 1)])
def test_solutions_agree_with_glassnet(seed: int, sizes: tuple[int, ...]) -> None:
    sheet = exercises.make_sheet(seed=seed, sizes=sizes)
    assert [p.kind for p in sheet.items] == ["forward", "gradient", "sgd"]
    for problem in sheet.items:
        assert problem.parts, problem.kind
        for part in problem.parts:
            assert part.answer == pytest.approx(expected_value(problem, part.symbol), abs=1e-12)
            assert part.key.startswith(str(problem.number))


def test_forward_problem_asks_every_neuron_and_the_cost() -> None:
    sheet = exercises.make_sheet(seed=0, kind="forward", sizes=(2, 3, 2))
    symbols = [p.symbol for p in sheet.items[0].parts]
    assert symbols == [
        "z^(1)_0", "a^(1)_0", "z^(1)_1", "a^(1)_1", "z^(1)_2", "a^(1)_2",
        "z^(2)_0", "a^(2)_0", "z^(2)_1", "a^(2)_1", "C",
    ]  # fmt: skip
    assert [p.key for p in sheet.items[0].parts][:3] == ["1a", "1b", "1c"]


@pytest.mark.parametrize("seed", SEEDS)
def test_numbers_are_round_and_the_seed_decides_everything(seed: int) -> None:
    sheet = exercises.make_sheet(seed=seed)
    for problem in sheet.items:
        for arr in [*problem.W, *problem.b, problem.X, problem.Y]:
            np.testing.assert_allclose(arr * 10, np.round(arr * 10), atol=1e-12)
        assert np.all(np.abs(problem.W[0]) <= 1.0)
    again = exercises.make_sheet(seed=seed)
    assert again.problems() == sheet.problems() and again.solutions() == sheet.solutions()
    assert exercises.make_sheet(seed=seed + 100).problems() != sheet.problems()


def test_sheets_show_the_numbers_and_the_working() -> None:
    sheet = exercises.make_sheet(seed=0)
    problems, solutions = sheet.problems(), sheet.solutions()
    for key, part in sheet.parts().items():
        assert f"**{key}.** {part.symbol} = ?" in problems
        assert f"**{key}.** {part.symbol} = {part.working} = **" in solutions
    assert f"{sheet.items[0].parts[0].answer:.4g}" in solutions
    problem = sheet.items[0]
    assert f"W^(1) = [{problem.W[0][0, 0]:.4g}, {problem.W[0][0, 1]:.4g};" in problems
    assert f"η = {sheet.items[2].lr:.4g}" in problems


def test_checker_accepts_right_answers_rounded_and_as_text() -> None:
    sheet = exercises.make_sheet(seed=3)
    exact = sheet.check(sheet.answers())
    assert exact.passed and exact.score == f"{len(sheet.parts())}/{len(sheet.parts())}"
    rounded = {k: float(f"{v:.4g}") for k, v in sheet.answers().items()}
    assert sheet.check(rounded).passed
    as_text = {k.upper(): f"{v:.5f}" for k, v in sheet.answers().items()}
    assert sheet.check(as_text).passed
    assert "all correct" in str(sheet.check(rounded))


def test_checker_rejects_each_wrong_answer_and_says_which() -> None:
    sheet = exercises.make_sheet(seed=4)
    for key, part in sheet.parts().items():
        answers = sheet.answers()
        answers[key] = part.answer * 1.1 + 0.01
        result = sheet.check(answers)
        assert not result.passed
        assert [w[0] for w in result.wrong] == [key]
        assert len(result.correct) == len(sheet.parts()) - 1
        feedback = str(result)
        assert key in feedback and f"{part.answer:.4g}" in feedback


def test_feedback_names_the_slip() -> None:
    sheet = exercises.make_sheet(seed=5)
    parts = {p.symbol: (key, p) for key, p in sheet.parts().items()}
    forward, gradient, sgd = sheet.items

    def feedback(key: str, value: float) -> str:
        answers = sheet.answers()
        answers[key] = value
        return sheet.check(answers).wrong[0][3]

    key, part = parts["a^(1)_0"]
    assert "before the activation" in feedback(key, sheet.items[0].parts[0].answer)
    key, part = parts["C"]
    assert "½" in feedback(key, 2 * part.answer)
    key = gradient.parts[0].key  # δ^(L)_0
    net = gradient.network()
    a = net.forward(gradient.X)[0, 0]
    assert "σ'(z)" in feedback(key, a - gradient.Y[0, 0])
    assert "sign is wrong" in feedback(key, -gradient.parts[0].answer)
    step = next(p for p in sgd.parts if p.symbol.startswith("w^(2)"))
    mean = next(p for p in sgd.parts if "average" in p.symbol)
    w_old = step.answer + sgd.lr * mean.answer
    assert "uphill" in feedback(step.key, w_old + sgd.lr * mean.answer)
    assert "before the step" in feedback(step.key, w_old)  # the old weight never passes
    per_sample = [p.answer for p in sgd.parts if "alone" in p.symbol]
    assert "divide by m" in feedback(mean.key, sum(per_sample))
    assert "not a number" in feedback(step.key, "about one")  # type: ignore[arg-type]
    del forward


@pytest.mark.parametrize("seed", SEEDS)
def test_the_old_weight_is_not_taken_for_the_new_one(seed: int) -> None:
    sheet = exercises.make_sheet(seed=seed, kind="sgd")
    problem = sheet.items[0]
    net = problem.network()
    for part in problem.parts:
        if m := re.fullmatch(r"([wb])\^\((\d)\)_\{?(\d),?(\d)?\}? after the step", part.symbol):
            arr = net.W if m[1] == "w" else net.b
            old = arr[int(m[2])][int(m[3]), int(m[4])] if m[1] == "w" else arr[int(m[2])][int(m[3])]
            if abs(old - part.answer) > 2 * sheet.atol:
                answers = sheet.answers()
                answers[part.key] = float(old)
                assert [w[0] for w in sheet.check(answers).wrong] == [part.key]


def test_missing_and_unknown_answers() -> None:
    sheet = exercises.make_sheet(seed=6, kind="gradient")
    answers = sheet.answers()
    answers.pop("1a")
    answers["9z"] = 1.0
    result = sheet.check(answers)
    assert result.missing == ["1a"] and result.unknown == ["9z"] and not result.passed
    assert "not answered: 1a" in str(result) and "9z" in str(result)
    assert not sheet.check({}).passed


def test_kinds_can_be_chosen_and_repeated() -> None:
    sheet = exercises.make_sheet(seed=0, kind=["sgd", "forward", "forward"])
    assert [p.kind for p in sheet.items] == ["sgd", "forward", "forward"]
    assert sheet.items[1].W[0].tolist() != sheet.items[2].W[0].tolist()
    assert [p.kind for p in exercises.make_sheet(seed=0, kind="sgd").items] == ["sgd"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "backward"}, "unknown kind"),
        ({"kind": []}, "kind is empty"),
        ({"sizes": (2, 9, 1)}, "1 to 4 neurons"),
        ({"sizes": (2,)}, "at least 2 layers"),
        ({"sizes": (2, 1), "kind": "gradient"}, "need a hidden layer"),
        ({"seed": None}, "seed must be an integer"),
        ({"atol": -1.0}, "atol and rtol"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        exercises.make_sheet(**kwargs)


def test_check_needs_a_mapping() -> None:
    with pytest.raises(ValueError, match="mapping"):
        exercises.make_sheet(seed=0).check([0.5, 0.6])  # type: ignore[arg-type]
