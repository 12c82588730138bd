"""The Playground's data: regression, feature crosses, CSV uploads, fresh draws, dropout."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from glassnet.playground.features import make_inputs
from glassnet.playground.session import Selection, Session, parse_config
from glassnet.playground.upload import LIMITS, parse_csv, split

SMALL = {"n_samples": 60, "test_fraction": 0.2, "hidden": [3], "batch_size": 6, "seed": 3}


def csv_of(X: Any, y: Any, header: str = "a,b,label") -> str:
    lines = [header] + [f"{x[0]:.4f},{x[1]:.4f},{t}" for x, t in zip(X, y, strict=True)]
    return "\n".join(lines)


# -- regression --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sine", "plane", "bumps"])
def test_regression_sets_get_an_identity_output_and_learn(name: str) -> None:
    s = Session(parse_config({**SMALL, "dataset": name, "hidden": [8], "lr": 0.02}))
    assert s.net.layers[-1].activation.name == "identity" and s.net.sizes[-1] == 1
    before = s.scores["train_loss"]
    s.train(200)
    assert s.scores["train_loss"] < before
    snap = s.snapshot()
    assert "value" in snap["pictures"]["output"]
    message = s.dataset_message()
    assert message["regression"] and message["target_range"][0] < message["target_range"][1]
    if name == "sine":  # one input: drawn as x₁ across, the target up, with the curve ŷ(x₁)
        assert len(snap["pictures"]["output"]["curve"]) == 32
        assert s.net.sizes[0] == 1 and message["inputs"] == ["x₁"]


def test_regression_refuses_a_classification_cost() -> None:
    with pytest.raises(ValueError, match=r"regression problem .* quadratic or mse"):
        Session(parse_config({**SMALL, "dataset": "plane", "cost": "cross_entropy"}))


# -- features and crosses ---------------------------------------------------------------------


def test_feature_crosses_become_the_networks_inputs() -> None:
    features = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"]
    s = Session(parse_config({**SMALL, "dataset": "circles", "features": features}))
    assert s.net.sizes[0] == 7
    x1, x2 = s.points.X_train[:, 0], s.points.X_train[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(s.data.X_train, expected)
    assert len(s.snapshot()["pictures"]["neurons"]) >= 7  # a heatmap per input feature
    # only x₁²+x₂² is needed for circles: a network without a hidden layer separates it
    s = Session(parse_config({**SMALL, "dataset": "circles", "features": ["x1^2", "x2^2"],
                              "hidden": [], "lr": 0.1, "n_samples": 200}))  # fmt: skip
    s.train(300)
    assert s.scores["test_accuracy"] > 0.95


def test_features_are_checked() -> None:
    for raw, words in [
        ({"features": []}, "features is empty"),
        ({"features": ["x3"]}, "unknown name 'x3' in features"),
        ({"features": ["x1", "x1"]}, "twice"),
        ({"features": "x1"}, "must be a list"),
        ({"hidden": [3], "layer_activations": ["relu", "tanh"]}, "2 activations for 1 hidden"),
        ({"layer_activations": ["softmax", "relu"]}, "unknown name 'softmax'"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_config(raw)
    with pytest.raises(ValueError, match="none of the features x2"):
        Session(parse_config({**SMALL, "dataset": "sine", "features": ["x2"]}))
    assert make_inputs(np.ones((2, 5)), []).shape == (2, 5)  # wide data: its columns as they are


def test_per_layer_activation() -> None:
    s = Session(parse_config({**SMALL, "hidden": [3, 2], "layer_activations": ["relu", "sigmoid"]}))
    assert [layer.activation.name for layer in s.net.layers] == ["relu", "sigmoid", "sigmoid"]
    X, y = s.batch()
    t = s.net.trace(X, y)
    np.testing.assert_array_equal(t.a[1], np.maximum(t.z[1], 0))


@pytest.mark.parametrize(("field", "raw", "words"), [
    ("noise", None, "noise is empty: type a number between 0 and 1"),
    ("lr", "", "lr is empty"),
    ("seed", None, "seed is empty: type a whole number"),
    ("noise", "NaN", "got NaN"),
    ("n_samples", float("nan"), "got NaN"),
])  # fmt: skip
def test_empty_and_nan_fields_are_named(field: str, raw: Any, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_config({field: raw})


# -- fresh draws ------------------------------------------------------------------------------


def test_new_weights_keep_the_data_and_new_data_keeps_the_weights() -> None:
    s = Session(parse_config({**SMALL, "dataset": "moons"}))
    W, X = s.net.W[1].copy(), s.data.X_train.copy()
    s.build()  # Reset: the setup's first weights and data, again
    np.testing.assert_array_equal(s.net.W[1], W)
    s.new_weights()
    assert not np.array_equal(s.net.W[1], W)
    np.testing.assert_array_equal(s.data.X_train, X)
    W2 = s.net.W[1].copy()
    s.new_data()
    assert not np.array_equal(s.data.X_train, X)
    np.testing.assert_array_equal(s.net.W[1], W2)
    s.reconfigure(parse_config({**SMALL, "dataset": "moons"}))  # a setup follows its seed
    np.testing.assert_array_equal(s.net.W[1], W)


# -- dropout: the explanation is the step ------------------------------------------------------


def test_with_dropout_the_explained_gradient_is_the_step() -> None:
    config = {**SMALL, "dataset": "xor", "hidden": [6], "dropout": 0.5, "optimizer": "sgd",
              "lr": 0.5}  # fmt: skip
    s = Session(parse_config(config))
    s.train(3)
    for kind, index in (("weight", (2, 0, 4)), ("bias", (1, 2, 0))):
        s.select(Selection(kind, *index))
        e = s.explanation()
        assert e is not None and "mask the next Step uses" in e["text"]
        before = s.net.W[2][0, 4] if kind == "weight" else s.net.b[1][2]
        s.train(1)
        after = s.net.W[2][0, 4] if kind == "weight" else s.net.b[1][2]
        assert after - before == pytest.approx(-0.5 * e["value"], rel=1e-12, abs=1e-15)
    assert e["batch"] == [] or isinstance(e["batch"], list)


# -- CSV files ---------------------------------------------------------------------------------


def test_a_csv_file_trains(tmp_path: Any) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, "same", "other")
    table = parse_csv(csv_of(X, y))
    assert table.classes == ("other", "same") and table.names == ["a", "b"]
    np.testing.assert_allclose(table.X.mean(axis=0), 0, atol=1e-12)  # standardised
    s = Session(parse_config({**SMALL, "hidden": [6], "features": ["x1", "x2", "x1x2"]}))
    s.load_table(table)
    assert s.config.dataset == "upload" and s.net.sizes == [3, 6, 1]
    s.train(300)
    assert s.scores["test_accuracy"] > 0.9
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere we look
    # numbers with decimals in the label column: a regression
    t = parse_csv(csv_of(X, np.round(X[:, 0] * 0.5, 3)))
    assert t.classes is None and t.y.dtype == np.float64
    d = split(t, 0.25, seed=1)
    assert len(d.X_test) == 50 and d.classes is None


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("1,2,3\n" * 10, "10 samples; give 20 to 2000 rows"),
    ("1\n" * 30, "line 1 has 1 column; give 1 to 16 feature columns"),
    ("a,b,c\n" + "1,2,0\n1,3,1\n" * 10 + "1,2\n", "line 22 has 2 columns, but line 1 has 3"),
    ("a,b,c\n" + "1,2,0\n2,3,1\n" * 10 + "1,oops,1\n", "line 22, column 2: 'oops' is not a finite"),
    ("1,2,0\n1,inf,0\n" + "1,2,0\n2,3,1\n" * 10, "line 2, column 2: 'inf' is not a finite"),
    ("1,2,0\n" * 30, "column 1 holds the same value"),
    ("\n".join(f"{i},{i * 2 % 7},a" for i in range(30)), "every label is 'a'"),
    ("\n".join(f"{i},{i % 7},w{i}" for i in range(30)), "30 different words"),
    ("1,2,\n" * 30, r"the label .* is empty"),
    ("x" * (LIMITS["characters"] + 1), "too large"),
    ("1,2,0\0\n" * 30, "NUL"),
])  # fmt: skip
def test_bad_csv_files_get_one_clear_message(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_csv(text)


def test_csv_upload_over_the_websocket() -> None:
    pytest.importorskip("fastapi", reason="the Playground needs glassnet[playground]")
    from fastapi.testclient import TestClient

    from glassnet.playground import create_app

    base = "http://127.0.0.1:8765"
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(100, 2))
    with TestClient(create_app(), base_url=base) as client:
        with client.websocket_connect(f"ws{base[4:]}/ws", headers={"origin": base}) as ws:

            def receive(kind: str) -> dict[str, Any]:
                for _ in range(20):
                    msg = json.loads(ws.receive_text())
                    if msg["type"] == kind or msg["type"] == "error":
                        return msg  # type: ignore[no-any-return]
                raise AssertionError(kind)

            receive("state")
            ws.send_text(json.dumps({"type": "upload", "csv": "1,2\n"}))
            assert "samples; give 20" in receive("error")["message"]
            ws.send_text(json.dumps({"type": "upload", "csv": csv_of(X, (X[:, 0] > 0) * 1)}))
            message = receive("dataset")
            assert message["name"] == "upload" and message["classes"] == ["0", "1"]
            assert message["config"]["dataset"] == "upload"
            ws.send_text(json.dumps({"type": "reset", "what": "weights"}))
            assert receive("dataset")["name"] == "upload"
            ws.send_text(json.dumps({"type": "reset", "what": "everything"}))
            assert "reset takes what" in receive("error")["message"]
            ws.send_text(json.dumps({"type": "speed", "steps_per_second": 500}))
            assert "steps_per_second must be" in receive("error")["message"]
        assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg")
