"""The diagnoses' words: one table of templates, filled from a finding's numbers."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import glassnet as gn
from glassnet.diagnosis.findings import SEVERITIES, finding
from glassnet.render.diagnoses import SPECS, TEMPLATES, texts

SRC = Path(gn.__file__).parent

#: Every kind of finding the two diagnoses report (docs/diagnosis.md lists them).
KINDS = {
    "diverged", "overflow_at_start", "rising", "oscillating", "exploding_weights",
    "barely_moving", "overfitting", "converging",  # a training run
    "non_finite", "vanishing_gradients", "exploding_gradients", "saturated_units", "dead_relu",
    "large_updates", "small_updates", "healthy",  # a network
    "vanishing_through_time", "exploding_through_time", "skip_flow",  # RNN and Residual layers
}  # fmt: skip


def sample_values(template: str) -> dict[str, object]:
    """A value for every field of ``template``: a list for the list formats, else a number."""
    lists = {"epochs", "list", "first8", "layers", "by_layer"}
    return {
        name: [0.5, 0.25, 0.125] if spec in lists else 0.5
        for _, name, spec, _ in string.Formatter().parse(template)
        if name
    }


def test_every_kind_has_a_template_and_every_template_a_kind() -> None:
    assert {key.partition(":")[0] for key in TEMPLATES} == KINDS
    for key, t in TEMPLATES.items():
        assert t.severity in SEVERITIES, key
        assert t.message and t.evidence, key
        assert bool(t.fix) == (t.severity != "ok" or key.startswith("converging")), key


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_a_filled_template_leaves_no_field_unfilled(key: str) -> None:
    t = TEMPLATES[key]
    values: dict[str, object] = {}
    for text in (t.message, t.evidence, t.fix, *t.more.values()):
        values.update(sample_values(text))
    for text in texts(key, values):
        assert "{" not in text and "}" not in text, text
    for spec in {spec for text in (t.message, t.evidence, t.fix) for _, _, spec, _ in
                 string.Formatter().parse(text) if spec and spec.isalpha()}:  # fmt: skip
        assert spec in SPECS, f"{key} uses the unknown format {spec!r}"


def test_the_diagnoses_name_only_keys_of_the_table() -> None:
    """Each template key the code names is in the table, and each template is used."""
    named: set[str] = set()
    for module in ("diagnosis/__init__.py", "diagnosis/network.py", "diagnosis/flow.py"):
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        named |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.partition(":")[0] in KINDS
        }
    keys = {k for k in named if k.partition(":")[0] in KINDS and (":" in k or k in TEMPLATES)}
    assert keys == set(TEMPLATES)


def test_optional_sentences_join_the_evidence_only_with_their_numbers() -> None:
    base = {"stop_reason": "the cost became inf", "lr": 10.0}
    message, evidence, fix = texts("diverged", base)
    assert message.startswith("Training diverged") and evidence == "the cost became inf"
    assert fix == "lower the learning rate: lr=1 instead of 10."
    _, evidence, _ = texts("diverged", {**base, "last_batch_costs": [1.0, 2.5], "n_last": 2})
    assert evidence.endswith("; the last 2 mini-batch costs before that were 1, 2.5")
    _, evidence, fix = texts("diverged:unexplained", {"epoch": 3, "batch": 2, "lr": None})
    assert evidence == "the cost became non-finite at epoch 3, mini-batch 2"
    assert fix == "lower the learning rate: ten times smaller than now."


def test_finding_takes_kind_and_severity_from_the_table() -> None:
    f = finding("saturated_units:output", {"layer": 2, "saturated": 0.9, "stuck": 0.8},
                activation="sigmoid", slope=0.01, wrong_output=0.5, weight_norm=12.0)  # fmt: skip
    assert (f.kind, f.severity) == ("saturated_units", "problem")
    assert f.message.startswith("Units of the output layer are saturated")
    assert "80% of the samples have an output that is saturated and wrong" in f.evidence
    assert "cross_entropy" in f.fix
    assert dict(f.numbers) == {"layer": 2, "saturated": 0.9, "stuck": 0.8}
    assert str(f).startswith("[PROBLEM] Units of the output layer")


def test_a_training_report_renders_as_html() -> None:
    report = gn.diagnose_training(gn.History(loss=[1.0, 0.5, 0.25]))
    html = report._repr_html_()
    assert html.startswith("<p>Training diagnosis (3 epochs): looks fine</p><ul><li>")
    assert "still falling" in html
