"""The Playground's server: sessions, messages, bounds, explanations and the model download."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.playground.explaining import explain
from glassnet.playground.session import LIMITS, Selection, Session, parse_config

fastapi = pytest.importorskip("fastapi", reason="the Playground needs glassnet[playground]")
from fastapi.testclient import TestClient  # noqa: E402

from glassnet.playground import create_app  # noqa: E402
from glassnet.playground.server import MAX_SESSIONS  # noqa: E402

SMALL = {"dataset": "xor", "n_samples": 60, "test_fraction": 0.2, "hidden": [3], "batch_size": 6,
         "seed": 3}  # fmt: skip


@pytest.fixture
def client() -> Any:
    app = create_app()
    with TestClient(app) as c:
        yield c


def receive(ws: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    """The next message of type ``kind`` (skipping others, such as state snapshots)."""
    for _ in range(limit):
        msg = json.loads(ws.receive_text())
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind!r} message in {limit} messages")


def open_session(ws: Any, config: dict[str, Any] | None = None) -> str:
    hello = receive(ws, "hello")
    receive(ws, "state")
    if config is not None:
        ws.send_text(json.dumps({"type": "config", "config": config}))
        receive(ws, "dataset")
        receive(ws, "state")
    return str(hello["session"])


# -- the session, without the web ------------------------------------------------------------


def test_config_defaults_and_bounds() -> None:
    c = parse_config({})
    assert c.dataset == "circles" and c.hidden == [4, 4]
    too_many = [2] * (LIMITS["hidden_layers"] + 1)
    bad = [
        ({"hidden": too_many}, "at most"),
        ({"hidden": [LIMITS["neurons_2d"] + 1]}, "1 to 16"),
        ({"hidden": [0]}, "1 to"),
        ({"hidden": "4,4"}, "list"),
        ({"lr": 1e9}, "lr must be between"),
        ({"lr": "fast"}, "lr must be a number"),
        ({"dataset": "cifar"}, "unknown dataset"),
        ({"activation": "softmax"}, "unknown activation"),
        ({"optimizer": "lbfgs"}, "unknown optimizer"),
        ({"n_samples": 10**9}, "n_samples must be between"),
        ({"seed": -1}, "seed must be between"),
        ({"layers": 3}, "unknown setting 'layers'"),
        ([1, 2], "JSON object"),
    ]
    for raw, words in bad:
        with pytest.raises(ValueError, match=words):
            parse_config(raw)
    assert parse_config({"dataset": "digits", "hidden": [32]}).hidden == [32]


def test_batch_larger_than_the_data_is_refused() -> None:
    with pytest.raises(ValueError, match="larger than the 48 training samples"):
        Session(parse_config({**SMALL, "batch_size": 49}))


def test_session_trains_like_glassnet_step_by_step() -> None:
    s = Session(parse_config({**SMALL, "optimizer": "sgd", "lr": 0.5}))
    net = s.net.copy()
    X, y = s.batch()
    g = net.gradients(X, y)
    s.train(1)
    for l in range(1, net.L + 1):  # one step is w ← w − η ∂C/∂w on the current mini-batch
        np.testing.assert_allclose(s.net.W[l], net.W[l] - 0.5 * g.W[l], rtol=1e-12)
        np.testing.assert_allclose(s.net.b[l], net.b[l] - 0.5 * g.b[l], rtol=1e-12)
    assert s.steps == 1 and s.epoch == pytest.approx(6 / 48)
    s.train(7)  # 8 batches of 6 = one epoch of 48
    assert s.epoch == pytest.approx(1.0)
    assert len(s.history) == 3


def test_same_seed_same_session() -> None:
    a, b = (Session(parse_config(SMALL)) for _ in range(2))
    a.train(5)
    b.train(5)
    np.testing.assert_array_equal(a.net.parameter_vector(), b.net.parameter_vector())


def test_explanation_of_a_weight_is_its_gradient_on_the_current_batch() -> None:
    s = Session(parse_config(SMALL))
    s.train(2)
    X, y = s.batch()
    g = s.net.gradients(X, y)
    s.select(Selection("weight", 2, 0, 1))
    e = s.explanation()
    assert e is not None
    assert e["value"] == pytest.approx(g.W[2][0, 1], rel=1e-9, abs=1e-15)
    assert e["parameter"] == pytest.approx(s.net.W[2][0, 1])
    assert "∂C/∂w" in e["text"]
    json.dumps(e)  # JSON-ready
    e = explain(s.net, X, y, "bias", 1, 2)
    assert e["value"] == pytest.approx(g.b[1][2], rel=1e-9, abs=1e-15)
    e = explain(s.net, X, y, "neuron", 1, 1)  # neuron 1 of layer 1, for the batch's first sample
    a1 = s.net.trace(X[:1], y[:1]).a[1]
    assert e["value"] == pytest.approx(a1[0, 1])
    assert "text" in e and "detail" not in e  # the live page goes without the bulky parts
    e = explain(s.net, X, y, "neuron", 0, 1)  # an input neuron is x_1
    assert e["value"] == pytest.approx(X[0, 1])
    full = explain(s.net, X, y, "weight", 1, 0, 0, full=True)
    assert "detail" in full and "latex" in full
    with pytest.raises(ValueError, match=r"neuron j must be 0\.\.2"):
        s.select(Selection("weight", 1, 3, 0))


@pytest.mark.parametrize("kind", ["weight", "bias", "neuron"])
def test_explanations_on_the_page_equal_glassnet(kind: str) -> None:
    s = Session(parse_config({**SMALL, "hidden": [3, 2], "l2": 0.01}))
    X, y = s.batch()
    shown = explain(s.net, X, y, kind, 2, 1, 2)
    assert shown["source"] == "glassnet.explain" and shown["text"]
    if kind == "neuron":
        assert shown["value"] == pytest.approx(s.net.explain_neuron(X[0], 2, 1).a, rel=1e-12)
    else:
        g = s.net.gradients(X, y)  # with the L2 term l2·w in ∂C/∂w
        want = g.W[2][1, 2] if kind == "weight" else g.b[2][1]
        assert shown["value"] == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_walkthrough_matches_the_trace_and_applies_plain_sgd() -> None:
    s = Session(parse_config({**SMALL, "lr": 0.2}))
    w = s.walkthrough(4)
    x, y = s.data.X_train[4:5], s.data.y_train[4:5]
    t = s.net.trace(x, y)
    assert w["cost"] == pytest.approx(t.cost)
    np.testing.assert_allclose(w["delta"][1], t.delta[1][0], rtol=1e-9)
    before = s.net.copy()
    s.apply_walkthrough(4)
    np.testing.assert_allclose(s.net.W[1], before.W[1] - 0.2 * t.dW[1], rtol=1e-12)
    with pytest.raises(ValueError, match="sample must be"):
        s.walkthrough(10_000)


def test_set_parameter_by_hand() -> None:
    s = Session(parse_config(SMALL))
    s.set_parameter("weight", 1, 2, 0, 0.75)
    assert s.net.W[1][2, 0] == 0.75
    s.set_parameter("bias", 2, 0, 0, -1.5)
    assert s.net.b[2][0] == -1.5
    with pytest.raises(ValueError, match="between -1000 and 1000"):
        s.set_parameter("weight", 1, 0, 0, float("nan"))
    with pytest.raises(ValueError, match=r"layer l must be 1\.\.2"):
        s.set_parameter("weight", 3, 0, 0, 1.0)


def test_divergence_pauses_with_a_message() -> None:
    s = Session(parse_config(SMALL))
    s.net.layers[0].W[0, 0] = np.nan  # where a far too large learning rate ends
    s.train(5)
    assert s.stop_reason and "diverged" in s.stop_reason
    with pytest.raises(ValueError, match="press reset"):
        s.train(1)


def test_model_bytes_load_back(tmp_path: Any) -> None:
    s = Session(parse_config(SMALL))
    s.train(3)
    path = tmp_path / "m.safetensors"
    path.write_bytes(s.model_bytes())
    net = gn.load(path)
    np.testing.assert_array_equal(net.parameter_vector(), s.net.parameter_vector())


def test_regularisation_reaches_the_network_when_glassnet_has_it() -> None:
    from glassnet.playground.session import _network_takes

    config = parse_config({**SMALL, "l2": 0.01})
    if _network_takes("l2"):
        assert Session(config).net.l2 == 0.01  # type: ignore[attr-defined]
    else:
        with pytest.raises(ValueError, match="not available"):
            Session(config)


# -- the web server --------------------------------------------------------------------------


def test_page_and_static_files(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "glassnet" in page.text
    assert "/static/app.js" in page.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/%2e%2e/server.py").status_code == 404
    options = client.get("/api/options").json()
    assert "circles" in options["datasets"] and options["limits"]["neurons_2d"] == 16


def test_no_external_resources() -> None:
    from glassnet.playground.server import STATIC

    for path in STATIC.iterdir():
        text = path.read_text()
        for bad in ("https://", "http://cdn", "//cdn", "googleapis", "unpkg", "jsdelivr"):
            assert bad not in text, f"{path.name} refers to {bad}: the page must work offline"


def test_websocket_session_lifecycle_frees_sessions(client: Any) -> None:
    app = client.app
    for _ in range(3):
        with client.websocket_connect("/ws") as ws:
            sid = open_session(ws, SMALL)
            assert sid in app.state.sessions
            assert client.get("/api/sessions").json()["open"] == 1
            ws.send_text(json.dumps({"type": "play"}))
            receive(ws, "state")
        # the tab closed: its training stopped and its session is gone
        assert app.state.sessions == {}
    assert client.get("/api/sessions").json()["open"] == 0


def test_two_tabs_have_their_own_sessions(client: Any) -> None:
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        sa, sb = open_session(a, SMALL), open_session(b, {**SMALL, "hidden": [5]})
        assert sa != sb
        assert client.app.state.sessions[sb].net.sizes == [2, 5, 1]
        assert client.app.state.sessions[sa].net.sizes == [2, 3, 1]
    assert client.app.state.sessions == {}


def test_step_then_state_endpoint_and_explanation(client: Any) -> None:
    with client.websocket_connect("/ws") as ws:
        sid = open_session(ws, SMALL)
        ws.send_text(json.dumps({"type": "step", "n": 3}))
        state = receive(ws, "state")
        assert state["steps"] == 3
        ws.send_text(json.dumps({"type": "select", "kind": "weight", "l": 1, "j": 1, "k": 0}))
        e = receive(ws, "explanation")["explanation"]
        http = client.get(f"/api/sessions/{sid}/state").json()
        net = client.app.state.sessions[sid].net
        g = net.gradients(np.array(http["batch_X"]), np.array(http["batch_y"]))
        assert e["value"] == pytest.approx(g.W[1][1, 0], rel=1e-9, abs=1e-15)
        assert http["explanation"]["value"] == pytest.approx(e["value"])
        full = client.get(f"/api/sessions/{sid}/explanation").json()["explanation"]
        assert full["value"] == pytest.approx(e["value"]) and "partial C" in full["latex"]
        ws.send_text(json.dumps({"type": "set", "kind": "weight", "l": 1, "j": 1, "k": 0,
                                 "value": 0.5}))  # fmt: skip
        state = receive(ws, "state")
        assert state["W"][0][1][0] == 0.5
        model = client.get(f"/api/sessions/{sid}/model")
        assert model.status_code == 200
        assert "attachment" in model.headers["content-disposition"]
        ws.send_text(json.dumps({"type": "walkthrough", "sample": 0}))
        walk = receive(ws, "walkthrough")
        assert len(walk["a"]) == 3
    assert client.get(f"/api/sessions/{sid}/state").status_code == 404


GARBAGE = [
    "not json",
    "[1, 2, 3]",
    "null",
    '{"no_type": 1}',
    '{"type": 7}',
    '{"type": "explode"}',
    '{"type": "config"}',
    '{"type": "config", "config": {"hidden": [100000]}}',
    '{"type": "config", "config": {"hidden": [16, 16, 16, 16, 16, 16, 16, 16, 16]}}',
    '{"type": "config", "config": {"lr": -1}}',
    '{"type": "config", "config": {"dataset": "../../etc/passwd"}}',
    '{"type": "config", "config": {"batch_size": 2000}}',
    '{"type": "step", "n": 1e12}',
    '{"type": "step", "n": "many"}',
    '{"type": "select", "kind": "weight", "l": 9, "j": 0, "k": 0}',
    '{"type": "select", "kind": "weight", "l": "x"}',
    '{"type": "select", "kind": "gizmo", "l": 1, "j": 0}',
    '{"type": "set", "kind": "weight", "l": 1, "j": 0, "k": 0, "value": "big"}',
    '{"type": "set", "kind": "weight", "l": 1, "j": 0, "k": 0, "value": 1e308}',
    '{"type": "set", "kind": "neuron", "l": 1, "j": 0, "value": 1}',
    '{"type": "walkthrough", "sample": -1}',
    '{"type": "walkthrough", "sample": [1]}',
    '{"type": "apply_walkthrough"}',
    "x" * 100_000,
]


def test_garbage_gets_an_error_and_the_connection_survives(client: Any) -> None:
    with client.websocket_connect("/ws") as ws:
        sid = open_session(ws, SMALL)
        for text in GARBAGE:
            ws.send_text(text)
            msg = receive(ws, "error")
            assert msg["message"] and "internal error" not in msg["message"], (text, msg)
        ws.send_bytes(b"\x00\x01")
        assert "JSON text" in receive(ws, "error")["message"]
        # still alive, still the same setup
        ws.send_text('{"type": "state"}')
        state = receive(ws, "state")
        assert state["sizes"] == [2, 3, 1]
        assert sid in client.app.state.sessions


def test_bad_config_message_names_the_field(client: Any) -> None:
    with client.websocket_connect("/ws") as ws:
        open_session(ws)
        ws.send_text(json.dumps({"type": "config", "config": {"hidden": [4, 99]}}))
        text = receive(ws, "error")["message"]
        assert "hidden layer 2 has 99 neurons" in text and "1 to 16" in text


def test_too_many_tabs_are_turned_away(client: Any, monkeypatch: Any) -> None:
    import glassnet.playground.server as server

    monkeypatch.setattr(server, "MAX_SESSIONS", 1)
    with client.websocket_connect("/ws") as first:
        open_session(first)
        with client.websocket_connect("/ws") as second:
            assert "open tabs" in receive(second, "error")["message"]
        assert len(client.app.state.sessions) == 1
    assert MAX_SESSIONS >= 4


def test_cli_playground_subcommand_binds_localhost(monkeypatch: Any) -> None:
    from glassnet import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr("glassnet.playground.serve", lambda **kw: seen.update(kw))
    assert cli.main(["playground", "--port", "9999"]) == 0
    assert seen == {"host": "127.0.0.1", "port": 9999}
    assert cli.main(["playground", "--port", "70000"]) == 2


# -- the optimizer lab view ------------------------------------------------------------------


def test_lab_request_defaults_and_bounds() -> None:
    from glassnet import lab
    from glassnet.playground.lab_view import LAB_DEFAULTS, parse_lab_request

    r = parse_lab_request({})
    surface = lab.SURFACES[LAB_DEFAULTS["surface"]]
    assert r.surface == LAB_DEFAULTS["surface"] and r.start == surface.start
    assert r.lr == {name: surface.suggested_lr[name] for name in LAB_DEFAULTS["optimizers"]}
    bad = [
        ({"surface": "everest"}, "unknown surface"),
        ({"optimizers": ["sgd", "lbfgs"]}, "unknown optimizer"),
        ({"optimizers": []}, "non-empty list"),
        ({"optimizers": "sgd"}, "non-empty list"),
        ({"optimizers": ["adam", "adam"]}, "once"),
        ({"optimizers": ["sgd"], "lr": {"sgd": 0}}, "η for sgd must be"),
        ({"optimizers": ["sgd"], "lr": {"sgd": 1e6}}, "η for sgd must be"),
        ({"optimizers": ["sgd"], "lr": {"sgd": "fast"}}, "η for sgd must be"),
        ({"optimizers": ["sgd"], "lr": {"adam": 0.1}}, "not racing"),
        ({"lr": [0.1]}, "lr must map"),
        ({"steps": 2001}, "steps must be a whole number from 1 to 2000"),
        ({"steps": 0}, "steps must be"),
        ({"steps": True}, "steps must be"),
        ({"grid": 1000}, "grid must be a whole number from 10 to 100"),
        ({"surface": "bowl", "start": [100, 0]}, "outside the window"),
        ({"start": [1.0]}, "two numbers"),
        ({"start": [1.0, float("nan")]}, "two numbers"),
        ({"speed": 3}, "unknown lab setting 'speed'"),
        ("bowl", "JSON object"),
    ]
    for raw, words in bad:
        with pytest.raises(ValueError, match=words):
            parse_lab_request(raw)


def test_lab_over_the_websocket_sends_the_labs_own_race(client: Any) -> None:
    from glassnet import lab

    request = {
        "surface": "two_minima",
        "optimizers": ["sgd", "momentum", "adam"],
        "lr": {"sgd": 0.03},  # momentum and adam: the surface's suggestions
        "start": [1.5, 1.0],
        "steps": 250,
        "grid": 30,
    }
    with client.websocket_connect("/ws") as ws:
        hello = receive(ws, "hello")
        assert "two_minima" in hello["lab"]["surfaces"]
        receive(ws, "state")
        ws.send_text(json.dumps({"type": "lab", "lab": request}))
        answer = receive(ws, "lab")
    surface = lab.SURFACES["two_minima"]
    lrs = {"sgd": 0.03, "momentum": surface.suggested_lr["momentum"], "adam": 0.05}
    expected = lab.race("two_minima", ["sgd", "momentum", "adam"], lr=lrs, start=(1.5, 1.0),
                        steps=250)  # fmt: skip
    assert len(answer["trajectories"]) == 3
    for sent, run in zip(answer["trajectories"], expected, strict=True):
        points = np.array(sent["points"], dtype=np.float64)
        assert points.shape == run.points.shape
        assert np.array_equal(points, run.points)  # exact, float64, every step
        assert np.array_equal(np.array(sent["values"], dtype=np.float64), run.values)
        assert sent["lr"] == run.lr and sent["label"] == run.label
        assert sent["verdict"]["kind"] == run.verdict.kind
        assert sent["verdict"]["message"] == run.verdict.message
    assert answer["trajectories"][0]["verdict"]["kind"] == "local minimum"
    # the contour grid is the lab's own f on the surface's window
    grid = answer["grid"]
    assert len(grid["values"]) == 30 and len(grid["values"][0]) == 30
    gx, gy = np.meshgrid(grid["xs"], grid["ys"])
    np.testing.assert_allclose(grid["values"], surface.value(gx, gy), rtol=1e-5, atol=1e-9)
    assert grid["xs"][0] == surface.xlim[0] and grid["ys"][-1] == surface.ylim[1]


def test_lab_divergence_is_said_and_sent_as_json(client: Any) -> None:
    body = {"surface": "bowl", "optimizers": ["sgd"], "lr": {"sgd": 1.5}, "steps": 400}
    answer = client.post("/api/lab", json=body)
    assert answer.status_code == 200
    run = answer.json()["trajectories"][0]
    assert run["diverged"] and run["verdict"]["kind"] == "diverged"
    assert "stability limit" in run["verdict"]["message"]
    assert all(v is None or np.isfinite(v) for v in run["values"])  # no NaN in the JSON
    assert client.get("/api/lab").json()["limits"]["steps"] == [1, 2000]


def test_lab_bad_requests_get_errors_and_the_socket_survives(client: Any) -> None:
    answer = client.post("/api/lab", json={"steps": 10**7})
    assert answer.status_code == 400 and "steps must be" in answer.json()["detail"]
    assert client.post("/api/lab", json={"surface": 3}).status_code == 400
    with client.websocket_connect("/ws") as ws:
        open_session(ws)
        for msg, words in [
            ({"type": "lab"}, "needs a field 'lab'"),
            ({"type": "lab", "lab": {"grid": 5000}}, "grid must be"),
            ({"type": "lab", "lab": {"optimizers": ["sgd"], "lr": {"sgd": -1}}}, "η for sgd"),
            ({"type": "landscape", "seed": -3}, "seed must be"),
            ({"type": "landscape", "points": 10**6}, "points must be"),
        ]:
            ws.send_text(json.dumps(msg))
            assert words in receive(ws, "error")["message"]
        ws.send_text(json.dumps({"type": "lab", "lab": {"surface": "bowl", "steps": 5}}))
        assert len(receive(ws, "lab")["trajectories"]) == 5


def test_landscape_is_the_labs_slice_through_the_current_weights(client: Any) -> None:
    from glassnet import lab

    with client.websocket_connect("/ws") as ws:
        sid = open_session(ws, SMALL)
        ws.send_text(json.dumps({"type": "step", "n": 3}))
        receive(ws, "state")
        ws.send_text(json.dumps({"type": "landscape", "seed": 2, "span": 0.5, "points": 11}))
        answer = receive(ws, "landscape")
        session = client.app.state.sessions[sid]
        d = lab.random_direction(session.net, seed=2)
        X, y = session.data.X_train, session.data.y_train
        s = lab.slice_1d(session.net, X, y, d, alphas=np.linspace(-0.5, 0.5, 11))
    assert np.array_equal(np.array(answer["costs"]), s.costs)
    assert answer["costs"][5] == answer["cost"] == session.net.cost(X, y)
    assert answer["steps"] == 3
