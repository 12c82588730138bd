"""The Playground's server: sessions, messages, bounds, explanations and the model download."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
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
BASE = "http://127.0.0.1:8765"  # the address the test client's requests name


@pytest.fixture
def client() -> Any:
    app = create_app()
    with TestClient(app, base_url=BASE) as c:  # as a browser on this computer would ask
        yield c


def tab(client: Any) -> Any:
    """A websocket as the Playground's page opens it: to its own address, from its own origin."""
    return client.websocket_connect(f"ws{BASE[4:]}/ws", headers={"origin": BASE})


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
        assert shown["value"] == pytest.approx(gn.explain_neuron(s.net, X[0], 2, 1).a, rel=1e-12)
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
    from glassnet.playground.setup import network_takes

    config = parse_config({**SMALL, "l2": 0.01})
    if network_takes("l2"):
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
        if path.is_dir():
            continue
        text = path.read_text()
        for bad in ("https://", "http://cdn", "//cdn", "googleapis", "unpkg", "jsdelivr"):
            assert bad not in text, f"{path.name} refers to {bad}: the page must work offline"
    # KaTeX (vendored from npm) loads its fonts from beside its CSS, never from the internet
    css = (STATIC / "vendor" / "katex" / "katex.min.css").read_text()
    assert "url(fonts/" in css and "url(http" not in css and "@import" not in css


def test_katex_is_vendored_at_the_pinned_version_and_served(client: Any) -> None:
    import base64
    import hashlib
    import importlib.util
    from pathlib import Path

    from glassnet.playground.server import STATIC

    script = Path(__file__).resolve().parent.parent / "scripts" / "fetch_npm.py"
    spec = importlib.util.spec_from_file_location("fetch_npm", script)
    assert spec is not None and spec.loader is not None
    fetch_npm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch_npm)
    katex = STATIC / "vendor" / "katex"
    name, version, _ = fetch_npm.KATEX
    assert (katex / "VERSION").read_text().strip() == f"{name}@{version}"
    assert katex.resolve() == fetch_npm.PLAYGROUND_KATEX
    assert fetch_npm.vendor_playground() is False  # in place already: nothing fetched again
    assert "MIT" in (katex / "LICENSE").read_text()
    fonts = sorted(p.name for p in (katex / "fonts").iterdir())
    assert "KaTeX_Main-Regular.woff2" in fonts
    for path in ("katex.min.js", "katex.min.css", "fonts/KaTeX_Main-Regular.woff2"):
        assert client.get(f"/static/vendor/katex/{path}").status_code == 200
    # the download is checked against the pinned hash: one changed byte fails it
    data = b"a tarball"
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert fetch_npm._matches(data, digest) and not fetch_npm._matches(data + b"!", digest)


def test_websocket_session_lifecycle_frees_sessions(client: Any) -> None:
    app = client.app
    for _ in range(3):
        with tab(client) as ws:
            sid = open_session(ws, SMALL)
            assert sid in app.state.sessions
            assert client.get("/api/sessions").json()["open"] == 1
            ws.send_text(json.dumps({"type": "play"}))
            receive(ws, "state")
        # the tab closed: its training stopped and its session is gone
        assert app.state.sessions == {}
    assert client.get("/api/sessions").json()["open"] == 0


def test_two_tabs_have_their_own_sessions(client: Any) -> None:
    with tab(client) as a, tab(client) as b:
        sa, sb = open_session(a, SMALL), open_session(b, {**SMALL, "hidden": [5]})
        assert sa != sb
        assert client.app.state.sessions[sb].net.sizes == [2, 5, 1]
        assert client.app.state.sessions[sa].net.sizes == [2, 3, 1]
    assert client.app.state.sessions == {}


def test_step_then_state_endpoint_and_explanation(client: Any) -> None:
    with tab(client) as ws:
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
    with tab(client) as ws:
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
    with tab(client) as ws:
        open_session(ws)
        ws.send_text(json.dumps({"type": "config", "config": {"hidden": [4, 99]}}))
        text = receive(ws, "error")["message"]
        assert "hidden layer 2 has 99 neurons" in text and "1 to 16" in text


def test_too_many_tabs_are_turned_away(client: Any, monkeypatch: Any) -> None:
    import glassnet.playground.server as server

    monkeypatch.setattr(server, "MAX_SESSIONS", 1)
    with tab(client) as first:
        open_session(first)
        with tab(client) as second:
            assert "open tabs" in receive(second, "error")["message"]
        assert len(client.app.state.sessions) == 1
    assert MAX_SESSIONS >= 4


def test_cli_playground_subcommand_binds_localhost(monkeypatch: Any) -> None:
    from glassnet import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr("glassnet.playground.serve", lambda **kw: seen.update(kw))
    assert cli.main(["playground", "--port", "9999"]) == 0
    assert seen == {"host": "127.0.0.1", "port": 9999, "require_token": False,
                    "idle_seconds": 600.0}  # fmt: skip
    assert cli.main(["playground", "--require-token", "--idle-minutes", "0.5"]) == 0
    assert seen["require_token"] is True and seen["idle_seconds"] == 30.0
    assert cli.main(["playground", "--port", "70000"]) == 2
    for bad in ("0", "-1", "nan", "inf"):
        assert cli.main(["playground", "--idle-minutes", bad]) == 2


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
    with tab(client) as ws:
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
    with tab(client) as ws:
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

    with tab(client) as ws:
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


# -- only the Playground's own page gets in ---------------------------------------------------

ROUTES = [
    "/",
    "/static/app.js",
    "/api/options",
    "/api/lab",
    "/api/sessions",
    "/api/sessions/x/state",
]


def refused(answer: Any, status: int = 403) -> str:
    """The refusal's text, after checking it is short, plain and repeats nothing of the request."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    text = str(answer.text)
    assert len(text) < 200 and text.count("\n") == 1 and "evil" not in text
    return text


def denied(client: Any, query: str = "", headers: dict[str, str] | None = None) -> str:
    """The refusal of a websocket (it never opens): the server closes it before accepting it,
    which every ASGI server answers with a plain 403. Returns the line the Playground gives for
    the reason it counted (its HTTP refusals carry that line as their body)."""
    from collections import Counter

    from starlette.websockets import WebSocketDisconnect

    from glassnet.playground.guard import REFUSED

    before = Counter(client.app.state.refused)
    with (
        pytest.raises(WebSocketDisconnect) as refusal,
        client.websocket_connect(f"ws{BASE[4:]}/ws{query}", headers=headers or {}),
    ):
        pass
    assert refusal.value.code == 1008  # closed before it was accepted: the handshake fails
    (reason,) = Counter(client.app.state.refused) - before
    return REFUSED[reason]


def test_the_pages_own_host_and_origin_are_let_in(client: Any) -> None:
    for name in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]"):
        for path in ROUTES[:5]:
            answer = client.get(
                path, headers={"host": f"{name}:8765", "origin": f"http://{name}:8765"}
            )
            assert answer.status_code == 200, (name, path)
        assert answer.headers["x-frame-options"] == "DENY"  # nor framed by another site
    with tab(client) as ws:
        assert receive(ws, "hello")["idle_seconds"] == 600.0
    assert client.app.state.refused == {}


def test_a_foreign_host_is_refused_on_every_route(client: Any) -> None:
    # DNS rebinding: a site whose name now points at 127.0.0.1 still names itself in Host
    hosts = ["evil.example:8765", "evil.example", "127.0.0.1:9999", "localhost.evil.example:8765",
             "127.0.0.1:8765@evil.example", "[::1", ""]  # fmt: skip
    for host in hosts:
        for path in ROUTES:
            text = refused(client.get(path, headers={"host": host}))
            assert "answers only to the address it printed" in text
        text = refused(client.post("/api/lab", json={"steps": 5}, headers={"host": host}))
        assert "address it printed" in denied(client, headers={"host": host})
    assert client.app.state.sessions == {}
    assert client.app.state.refused["host"] == len(hosts) * (len(ROUTES) + 2)


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:3000", "http://localhost:8766", "null",
     "https://127.0.0.1.evil.example:8765", "file://", "http://127.0.0.1:8765/path"],
)  # fmt: skip
def test_a_websocket_from_another_page_is_refused(client: Any, origin: str) -> None:
    # cross-site websocket hijacking: another site's page opens a socket to 127.0.0.1
    assert "talks only to its own page" in denied(client, headers={"origin": origin})
    assert client.app.state.sessions == {}
    assert client.app.state.refused == {"origin": 1}


def test_a_simple_post_from_another_page_is_refused(client: Any, monkeypatch: Any) -> None:
    import glassnet.playground.server as server

    ran: list[Any] = []
    monkeypatch.setattr(server, "run_lab", lambda request: ran.append(request) or {})
    # a form or a text/plain fetch: what any page may send without asking first
    for origin in ("http://evil.example", "http://localhost:3000"):
        answer = client.post("/api/lab", content='{"steps": 5}', headers={
            "origin": origin, "content-type": "text/plain"})  # fmt: skip
        assert "talks only to its own page" in refused(answer)
    assert ran == []
    answer = client.post("/api/lab", content='{"steps": 5}', headers={"origin": BASE})
    assert answer.status_code == 200 and len(ran) == 1


def test_the_token_lets_a_request_in_from_anywhere(client: Any) -> None:
    token = client.app.state.token
    assert len(token) >= 32
    evil = {"host": "evil.example:8765", "origin": "http://evil.example"}
    assert client.get(f"/api/options?token={token}", headers=evil).status_code == 200
    answer = client.get("/api/options", headers={**evil, "authorization": f"token {token}"})
    assert answer.status_code == 200
    with client.websocket_connect(f"ws{BASE[4:]}/ws?token={token}", headers=evil) as ws:
        receive(ws, "hello")
    # a wrong token is refused, even from this computer's own page
    for path in ("/api/options?token=guess", "/?token=" + token[:-1]):
        assert "wrong token" in refused(client.get(path))
    assert "wrong token" in refused(client.get("/", headers={"authorization": "token guess"}))


def test_a_stale_cookie_is_ignored_from_this_computer(client: Any) -> None:
    # the Playground restarted on the same port: the old cookie is not this launch's token
    from glassnet.playground.guard import cookie_name

    client.cookies.set(cookie_name(8765), "an-old-token-from-an-earlier-launch")
    assert client.get("/api/options").status_code == 200
    assert refused(client.get("/api/options", headers={"host": "evil.example:8765"}))


def test_with_require_token_every_request_needs_it() -> None:
    from glassnet.playground.guard import cookie_name

    app = create_app(require_token=True)
    token = app.state.token
    with TestClient(app, base_url=BASE) as client:
        for path in ROUTES:  # even this computer's own page, without the token
            text = refused(client.get(path, headers={"origin": BASE}))
            assert "needs its token" in text and "http://…:8765/?token=…" in text
        assert "needs its token" in denied(client, headers={"origin": BASE})
        # the printed address: the page, and a cookie that only the page itself will send
        page = client.get(f"/?token={token}")
        assert page.status_code == 200 and "/static/app.js" in page.text
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{cookie_name(8765)}={token};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert client.cookies.get(cookie_name(8765)) == token
        # so the page's own requests and socket get in with the cookie alone ...
        assert client.get("/api/options").status_code == 200
        assert client.get("/static/app.js", headers={"origin": BASE}).status_code == 200
        with tab(client) as ws:
            receive(ws, "hello")
        # ... but not another page's, though the browser sends the cookie along (same site)
        text = refused(
            client.post("/api/lab", json={}, headers={"origin": "http://127.0.0.1:3000"})
        )
        assert "needs its token" in text
        assert "needs its token" in denied(client, headers={"origin": "http://localhost:8765"})
        client.cookies.clear()
        assert refused(client.get("/api/options"))
    assert app.state.refused["token"] == len(ROUTES) + 4


def _fake_uvicorn(monkeypatch: Any) -> list[Any]:
    """Stop ``serve`` from serving: the uvicorn configs it would run are collected instead."""
    uvicorn = pytest.importorskip("uvicorn")
    configs: list[Any] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **kw: configs.append(self.config))
    return configs


def test_serve_prints_the_token_and_requires_it_beyond_this_computer(
    monkeypatch: Any, capsys: Any
) -> None:
    from glassnet.playground import serve

    configs = _fake_uvicorn(monkeypatch)
    serve(port=8765)
    serve(host="0.0.0.0", port=8765)
    local, lan = (config.app for config in configs)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"glassnet Playground: {BASE}/?token={local.state.token}  (Ctrl+C to stop)"
    assert "beyond this computer" in out[1] and "needs the token" in out[1]
    assert out[2].endswith(f"http://127.0.0.1:8765/?token={lan.state.token}  (Ctrl+C to stop)")
    assert local.state.token != lan.state.token  # a fresh one each launch
    assert configs[0].ws_max_size <= 1 << 20  # websocket frames are bounded too
    with TestClient(local, base_url=BASE) as client:
        assert client.get("/api/options").status_code == 200
    with TestClient(lan, base_url=BASE) as client:  # even from 127.0.0.1: no token, no entry
        assert "needs its token" in refused(client.get("/api/options"))
        assert client.get("/api/options", headers={"host": "192.168.1.5:8765"}).status_code == 403
        answer = client.get(f"/api/options?token={lan.state.token}",
                            headers={"host": "192.168.1.5:8765"})  # fmt: skip
        assert answer.status_code == 200


def test_openapi_and_docs_are_switched_off_not_broken(client: Any) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 404


# -- bounded bodies, messages and errors -------------------------------------------------------


def test_a_body_over_64_kib_is_refused(client: Any, monkeypatch: Any) -> None:
    import glassnet.playground.server as server
    from glassnet.playground.guard import MAX_BODY

    ran: list[Any] = []
    monkeypatch.setattr(server, "parse_lab_request", lambda raw: ran.append(raw))
    big = b"x" * (20 * 1024 * 1024)
    text = refused(client.post("/api/lab", content=big), 413)
    assert "64 KiB" in text  # and none of the 20 MB echoed back
    assert ran == []
    padded = b'{"steps": 5}'.ljust(MAX_BODY)  # exactly at the limit: let through
    monkeypatch.undo()
    assert client.post("/api/lab", content=padded).status_code == 200
    refused(client.post("/api/lab", content=padded + b" "), 413)
    assert client.app.state.refused["body"] == 2


def _guard_run(headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[list[Any], int, bool]:
    """Drive the Guard alone with a request whose body comes in 64 KiB chunks, counting them."""
    import asyncio

    from glassnet.playground.guard import Guard

    pulled = 0
    ran = False
    sent: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        nonlocal ran
        ran = True

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": pulled < chunks}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/lab",
        "query_string": b"",
        "server": ("127.0.0.1", 8765),
        "headers": [(b"host", b"127.0.0.1:8765"), *headers],
    }
    asyncio.run(Guard(inner, token="t" * 32)(scope, receive, send))
    return sent, pulled, ran


def test_a_20_mb_body_is_refused_without_being_read() -> None:
    # Content-Length says 20 MB: 413 before a single byte of the body is asked for
    sent, pulled, ran = _guard_run([(b"content-length", b"20971520")], chunks=320)
    assert sent[0]["status"] == 413 and pulled == 0 and not ran
    # chunked, no length: read only up to the limit (two 64 KiB chunks), then 413
    sent, pulled, ran = _guard_run([(b"transfer-encoding", b"chunked")], chunks=320)
    assert sent[0]["status"] == 413 and pulled == 2 and not ran
    assert b"64 KiB" in sent[1]["body"] and len(sent[1]["body"]) < 100
    sent, pulled, ran = _guard_run([(b"content-length", b"nonsense")], chunks=1)
    assert sent[0]["status"] == 400 and pulled == 0 and not ran


def test_a_20_mb_body_to_a_real_server_is_answered_before_it_is_sent() -> None:
    # over a real socket: the headers alone get the 413; the 20 MB never leave the client
    import socket

    with live_server(create_app()) as (port, app):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                b"POST /api/lab HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 20971520\r\n\r\n" % port
            )
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"\n"):
                data = conn.recv(4096)
                if not data:
                    break
                answer += data
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"request bodies are limited to 64 KiB" in answer
        assert app.state.refused == {"body": 1}


def test_nested_json_gets_a_one_line_error(client: Any) -> None:
    from glassnet.playground.guard import MAX_DEPTH, loads

    deep = [
        "[" * 20_000 + "]" * 20_000,  # deeper than Python's recursion limit
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),  # parses, but deeper than allowed
        '{"type": "config", "config": {"hidden": ' + "[" * 40 + "4" + "]" * 40 + "}}",
        '{"type": "lab", "lab": {"start": ' + '{"a":' * 35 + "1" + "}" * 35 + "}}",
    ]
    with tab(client) as ws:
        open_session(ws, SMALL)
        for text in deep:
            ws.send_text(text)
            message = receive(ws, "error")["message"]
            assert "nested too deeply" in message and "\n" not in message, message
        ws.send_text('{"type": "state"}')  # still serving
        assert receive(ws, "state")["sizes"] == [2, 3, 1]
    for text in deep:
        answer = client.post("/api/lab", content=text)
        assert answer.status_code == 400 and "nested too deeply" in answer.json()["detail"]
    deepest = loads("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x")  # as deep as allowed: fine
    for _ in range(MAX_DEPTH - 1):
        deepest = deepest[0]
    assert deepest == []
    with pytest.raises(ValueError, match="not UTF-8"):
        loads(b"\xff\xfe{", "the request body")


def test_errors_are_one_short_line_and_quote_little(client: Any) -> None:
    from glassnet.playground.guard import MAX_ERROR

    junk = "x" * 60_000
    messages = [
        json.dumps({"type": junk}),
        json.dumps({"type": "config", "config": {junk: 1}}),
        json.dumps({"type": "step", "n": [junk]}),
        json.dumps({"type": "set", "kind": "weight", "l": 1, "j": 0, "value": junk}),
        json.dumps({"type": "lab", "lab": {"surface": junk}}),
        '{"type": "state", "x": "\\n\\n"}\n' + " " * 10,
    ]
    with tab(client) as ws:
        sid = open_session(ws)
        for text in messages:
            ws.send_text(text)
            message = receive(ws, "error" if text[-1] != " " else "state").get("message", "")
            assert len(message) <= MAX_ERROR and "x" * 50 not in message and "\n" not in message
        answer = client.post("/api/lab", json={"surface": junk})
        assert answer.status_code == 400 and len(answer.json()["detail"]) <= MAX_ERROR
        answer = client.get("/api/sessions/" + "y" * 5000 + "/state")
        assert answer.status_code == 404 and "y" * 50 not in answer.text
        assert sid in client.app.state.sessions


# -- tabs that go away ---------------------------------------------------------------------------


def test_alive_is_answered_by_nothing(client: Any) -> None:
    with tab(client) as ws:
        open_session(ws)
        ws.send_text('{"type": "alive"}')  # what the open page sends once a minute
        ws.send_text('{"type": "state"}')
        assert json.loads(ws.receive_text())["type"] == "state"  # no reply, and no error


def test_an_idle_tab_is_closed_and_frees_its_place(monkeypatch: Any) -> None:
    from starlette.websockets import WebSocketDisconnect

    import glassnet.playground.server as server

    monkeypatch.setattr(server, "MAX_SESSIONS", 1)
    app = create_app(idle_seconds=0.5)
    with TestClient(app, base_url=BASE) as client:
        with tab(client) as first:
            hello = receive(first, "hello")
            assert hello["idle_seconds"] == 0.5
            assert len(app.state.sessions) == 1
            # silence: the tab is told why, and closed
            message = receive(first, "error")["message"]
            assert "sent nothing for 0.5 seconds" in message and "reload" in message
            with pytest.raises(WebSocketDisconnect) as closed:
                first.receive_text()
            assert closed.value.code == 1001
        assert app.state.sessions == {}
        with tab(client) as second:  # its place is free again: a session, not "open tabs"
            assert receive(second, "hello")["session"] in app.state.sessions
    with pytest.raises(ValueError, match="idle_seconds must be a positive number"):
        create_app(idle_seconds=0)


class _ClosingSocket:
    """A websocket whose tab goes away right after asking for a race (as Starlette sees it)."""

    def __init__(self) -> None:
        self.inbox = [{"type": "websocket.receive", "text": '{"type": "lab", "lab": {"steps": 5}}'}]
        self.sent: list[str] = []
        self.closed = False

    async def accept(self) -> None:
        pass

    async def receive(self) -> dict[str, Any]:
        import asyncio

        if self.inbox:
            message = self.inbox.pop(0)
            self.closed = True  # the tab leaves while the server works on its request
            return message
        await asyncio.sleep(3600)  # never reached: the server stops at the failed send
        return {"type": "websocket.disconnect"}

    async def send_text(self, text: str) -> None:
        if self.closed:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')
        self.sent.append(text)

    async def close(self, code: int = 1000) -> None:
        raise RuntimeError("already closed")


def test_a_tab_that_leaves_mid_reply_is_forgotten_quietly(caplog: Any) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from glassnet.playground.server import Connection

    sessions: dict[str, Session] = {}
    socket = _ClosingSocket()
    with ThreadPoolExecutor(1) as pool, caplog.at_level("DEBUG"):
        asyncio.run(asyncio.wait_for(Connection(sessions, socket, pool).run(), 60))  # type: ignore[arg-type]
    assert [json.loads(t)["type"] for t in socket.sent] == ["hello", "dataset", "state"]
    assert sessions == {}
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_a_real_tab_that_leaves_mid_reply_logs_no_traceback(caplog: Any) -> None:
    sync_client = pytest.importorskip("websockets.sync.client")
    with caplog.at_level("INFO"), live_server(create_app()) as (port, app):
        url = f"ws://127.0.0.1:{port}/ws"
        for request in ({"type": "lab", "lab": {"steps": 2000, "grid": 100}}, {"type": "play"}):
            with sync_client.connect(url, origin=f"http://127.0.0.1:{port}") as ws:  # type: ignore[arg-type]
                ws.recv(timeout=30)
                ws.send(json.dumps(request))  # and leave at once, while the server works
        assert wait_until(lambda: not app.state.sessions), "the closed tabs kept their sessions"
        with pytest.raises(Exception, match="403"):  # and another site's page gets no socket
            sync_client.connect(url, origin="http://evil.example")
    noisy = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR") or r.exc_info]
    assert not noisy, [r.getMessage() for r in noisy]


def wait_until(condition: Any, seconds: float = 30) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(condition())


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[tuple[int, Any]]:
    """The app on a real uvicorn on 127.0.0.1 (a free port), in a thread; logs go to pytest."""
    import socket
    import threading

    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="playground-test-server", daemon=True)
    thread.start()
    assert wait_until(lambda: server.started or not thread.is_alive()) and server.started
    try:
        yield port, app
    finally:
        server.should_exit = True
        thread.join(timeout=30)
