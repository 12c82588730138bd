"""The Playground in a real headless Chromium (Debian's package, driven by Playwright).

The server runs in a thread of this process, so the tests can compare what the page shows with
glassnet's own numbers for the very same network. Screenshots go to ``$GLASSNET_ARTIFACTS``
(default ``test-artifacts/`` in the repository). Chromium resolves ``evil.example`` to
127.0.0.1, so that the tests can play another site that a user visits while the Playground runs.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP evil.example 127.0.0.1",  # another site, served on this computer
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytest.importorskip("uvicorn", reason="the Playground needs glassnet[playground]")

from glassnet.explain import explain_neuron, explain_weight  # noqa: E402
from glassnet.playground import create_app  # noqa: E402

ARTIFACTS = Path(
    os.environ.get("GLASSNET_ARTIFACTS")
    or Path(__file__).resolve().parent.parent / "test-artifacts"
)
TIMEOUT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live(app: Any) -> Iterator[str]:
    """``app`` on uvicorn on a free port, in a background thread; shut down cleanly after."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="playground-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Playground server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "the server did not shut down"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Any]]:
    """A live Playground on a free port."""
    app = create_app()
    with live(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1240, "height": 1100})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    console: list[str] = []  # the console's errors (a missing favicon would be one), for tests
    pg.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    pg.console_errors = console
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def session_of(page: Any, app: Any) -> Any:
    sid = page.wait_for_function("document.body.dataset.session").json_value()
    return app.state.sessions[sid]


def number(page: Any, selector: str) -> float:
    return float(page.locator(selector).get_attribute("data-value"))


def test_train_step_and_explain_a_weight(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url)
    page.wait_for_function("document.body.dataset.session && document.body.dataset.steps === '0'")
    # pick a data set through the page's own control
    page.select_option("#dataset", "xor")
    page.wait_for_function("document.body.dataset.dataset === 'xor'")
    assert "dataset=xor" in page.url
    session = session_of(page, app)
    assert session.config.dataset == "xor"
    start = number(page, "#test-loss")

    # train until the test loss falls below a threshold
    page.click("#play")
    page.wait_for_function(
        "Number(document.querySelector('#test-loss').dataset.value) < 0.04", timeout=40_000
    )
    page.click("#play")  # pause
    page.wait_for_function("!document.querySelector('#play').classList.contains('playing')")
    shot(page, "xor-trained")
    assert number(page, "#test-loss") < min(0.04, start)

    # one more mini-batch by hand
    steps = int(page.evaluate("document.body.dataset.steps"))
    page.click("#step")
    page.wait_for_function(f"Number(document.body.dataset.steps) === {steps + 1}")
    assert session.steps == steps + 1

    # open a weight's explanation and compare its number with glassnet's in Python
    page.dispatch_event("#w-2-0-1", "click")
    page.wait_for_selector("#explain-body:not([hidden])")
    page.wait_for_function(
        "document.querySelector('#explain-title').textContent.includes('w^(2)_{0,1}')"
    )
    shown = number(page, "#explain-value")
    X, y = session.batch()
    expected = explain_weight(session.net, X, y, 2, 0, 1)
    assert shown == pytest.approx(expected.value, rel=1e-9, abs=1e-15)
    assert shown == pytest.approx(session.net.gradients(X, y).W[2][0, 1], rel=1e-9, abs=1e-15)
    assert "∂C/∂w^(2)" in page.locator("#explain-text").text_content()
    page.click("#explain-latex-box summary")
    page.wait_for_function(
        "document.querySelector('#explain-latex').textContent.includes('partial C')"
    )
    shot(page, "weight-explanation")

    # edit that weight by hand
    page.fill("#edit-value", "0.25")
    page.click("#edit-apply")
    page.wait_for_function("Number(document.querySelector('#explain-param').textContent) === 0.25")
    assert session.net.W[2][0, 1] == 0.25

    # a neuron: its activation for the mini-batch's first sample, as explain_neuron has it
    page.dispatch_event("#n-1-2", "click")
    page.wait_for_function(
        "document.querySelector('#explain-title').textContent === 'neuron 2 of layer 1'"
    )
    X, _ = session.batch()
    assert number(page, "#explain-value") == pytest.approx(
        explain_neuron(session.net, X[0], 1, 2).a
    )


def test_setup_from_the_url_and_errors_on_the_page(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url + "#dataset=moons&hidden=3,2&activation=relu&lr=0.05&seed=4")
    page.wait_for_function("document.body.dataset.dataset === 'moons'")
    session = session_of(page, app)
    assert session.net.sizes == [2, 3, 2, 1]
    assert session.config.activation == "relu" and session.config.lr == 0.05
    assert page.locator("#activation").input_value() == "relu"
    assert page.locator(".neuron").count() == 2 + 3 + 2 + 1
    # change a setting through the URL of the open page
    page.evaluate("location.hash = location.hash.replace('activation=relu', 'activation=sigmoid')")
    page.wait_for_function("document.querySelector('#activation').value === 'sigmoid'")
    assert session.config.activation == "sigmoid"
    # an absurd size in the URL: a clear message on the page, the old setup stays
    page.evaluate("location.hash = location.hash.replace('hidden=3,2', 'hidden=500')")
    page.wait_for_selector("#error:not([hidden])")
    assert "500 neurons" in page.locator("#error").text_content()
    assert session.net.sizes == [2, 3, 2, 1]
    shot(page, "url-error")
    # add a neuron with the page's button
    page.click("#neuron-buttons .add-neuron >> nth=0")
    page.wait_for_function("document.querySelectorAll('.neuron').length === 9")
    assert session.net.sizes == [2, 4, 2, 1]
    # step through sample 3: after two "next", layer 2's activations are on its neurons
    page.fill("#walk-sample", "3")
    page.click("#walk-start")
    page.wait_for_function("document.body.dataset.walkPhase === '0'")
    page.click("#walk-next")
    page.click("#walk-next")
    t = session.net.trace(session.data.X_train[3:4], session.data.y_train[3:4])
    shown = page.locator("#n-2-1 text.value").text_content()
    assert float(shown) == pytest.approx(t.a[2][0, 1], rel=1e-2, abs=1e-3)
    assert "z^(2) = W^(2) a^(1) + b^(2)" in page.locator("#walk-text").text_content()
    shot(page, "walkthrough-forward")


def test_walkthrough_and_digits(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url + "#dataset=digits&hidden=8&cost=cross_entropy&lr=0.01&batch_size=32")
    page.wait_for_function("document.body.dataset.dataset === 'digits'")
    session = session_of(page, app)
    assert session.net.sizes == [64, 8, 10]
    page.click("#step")
    page.wait_for_function("document.body.dataset.steps === '1'")
    assert page.locator("#gallery figure").count() == 16
    # one sample, step by step: forward, cost, backward, update
    page.fill("#walk-sample", "5")
    page.click("#walk-start")
    page.wait_for_function("document.body.dataset.walkPhase === '0'")
    for _ in range(session.net.L * 2 + 2):
        page.click("#walk-next")
    assert "w ← w − η ∂C/∂w" in page.locator("#walk-text").text_content()
    before = session.net.copy()
    x, y = session.data.X_train[5:6], session.data.y_train[5:6]
    g = before.gradients(x, y)
    page.click("#walk-apply")
    page.wait_for_function("document.body.dataset.steps === '2'")
    np.testing.assert_allclose(session.net.W[2], before.W[2] - 0.01 * g.W[2], rtol=1e-12)
    shot(page, "digits-walkthrough")
    # the model download is a glassnet model file
    data = page.evaluate(
        "fetch(document.querySelector('#download').href).then(r => r.arrayBuffer())"
        ".then(b => Array.from(new Uint8Array(b)))"
    )
    header_len = int.from_bytes(bytes(data[:8]), "little")
    header = json.loads(bytes(data[8 : 8 + header_len]))
    assert "W.1" in header and header["W.1"]["shape"] == [8, 64]
    # and back to a 2-D set from the page's menu
    page.select_option("#dataset", "spirals")
    page.wait_for_function("document.body.dataset.dataset === 'spirals'")
    page.wait_for_selector("#boundary:not([hidden])")
    assert session.net.sizes == [2, 8, 2]  # cross_entropy: a softmax neuron per class


def wait_until(condition: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(condition())


def test_closed_tabs_free_their_sessions(server: tuple[str, Any], browser: Any) -> None:
    url, app = server
    assert wait_until(lambda: not app.state.sessions), "earlier tests' tabs were not freed"
    context = browser.new_context()
    pages = [context.new_page() for _ in range(3)]
    for pg in pages:
        pg.goto(url)
        pg.wait_for_function("document.body.dataset.session")
    pages[0].click("#play")
    assert len(app.state.sessions) == 3
    pages[1].close()
    assert wait_until(lambda: len(app.state.sessions) == 2)
    context.close()  # the training tab too
    assert wait_until(lambda: not app.state.sessions), "closed tabs left sessions behind"
    workers = [t for t in threading.enumerate() if t.name.startswith("glassnet-playground_")]
    assert len(workers) <= app.state.pool._max_workers  # one bounded pool, not a thread per tab


def test_optimizer_lab_view(server: tuple[str, Any], page: Any) -> None:
    from glassnet import lab

    url, _ = server
    page.goto(url)
    page.wait_for_function("document.body.dataset.session")
    page.click("#view-lab")
    page.wait_for_function("document.body.dataset.labStatus === 'done'")
    assert "view=lab" in page.url
    # the two-minima surface, sgd and adam only, a start in the local minimum's basin
    page.select_option("#lab-surface", "two_minima")
    for name in ("momentum", "nesterov", "rmsprop"):
        page.uncheck(f"#lab-optimizers input[data-opt={name}]")
    page.wait_for_function("document.body.dataset.labTrajectories === '2'")
    page.fill("#lab-steps", "300")
    page.dispatch_event("#lab-steps", "change")
    # clicking the contour plot picks the start: (1.5, 1.0) sits at 7/8 across, 1/6 down
    box = page.locator("#lab-contour").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.875, box["y"] + box["height"] / 6)
    page.wait_for_function(
        "document.body.dataset.labStatus === 'done' && location.hash.includes('lab_steps=300')"
        " && Math.abs(Number(document.querySelector('#lab-x').value) - 1.5) < 0.02"
    )
    start = (float(page.input_value("#lab-x")), float(page.input_value("#lab-y")))
    assert start == pytest.approx((1.5, 1.0), abs=0.02)
    page.click("#lab-end")
    page.wait_for_function("document.body.dataset.labFrame === '300'")
    assert page.evaluate("document.body.dataset.labDrawn") == "2"
    verdicts = page.locator("#lab-verdicts li")
    assert verdicts.count() == 2
    runs = lab.race("two_minima", ["sgd", "adam"], start=start, steps=300)
    for i, run in enumerate(runs):
        assert run.verdict.kind == "local minimum"
        assert "local minimum" in verdicts.nth(i).text_content()
        assert run.verdict.message in verdicts.nth(i).text_content()
    # the trajectories are drawn: sgd's colour is on the canvas
    reds = page.evaluate(
        """(() => { const c = document.querySelector('#lab-contour');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 80 && d[i + 2] < 80) n++;
        return n; })()"""
    )
    assert reds > 50
    shot(page, "optimizer-lab")
    # play/pause/step animate the same run
    page.click("#lab-rewind")
    page.click("#lab-step")
    page.wait_for_function("document.body.dataset.labFrame === '1'")
    # the settings are in the address: a fresh page opens the same race
    page.goto("about:blank")
    hash_url = url + "#view=lab&lab_surface=bowl&lab_opt=sgd&lab_lr=sgd:1.2&lab_steps=50"
    page.goto(hash_url)
    page.wait_for_function("document.body.dataset.labStatus === 'done'")
    assert page.input_value("#lab-surface") == "bowl"
    assert page.locator("#lab-verdicts li").first.get_attribute("data-kind") == "diverged"
    # the network's loss landscape, drawn as a line
    page.click("#land-run")
    page.wait_for_function("Number(document.body.dataset.landPoints) === 41")
    assert "parameters" in page.locator("#land-text").text_content()


# -- another site the user visits while the Playground runs -------------------------------------

EVIL_PAGE = b"""<!doctype html><title>another site</title><body><script>
// what a page of another site could try against http://127.0.0.1:PORT (given after the #)
const target = new URL(location.hash.slice(1));
const ws = new WebSocket(`ws://${target.host}/ws`);
ws.onopen = () => { document.body.dataset.ws = "open"; };
ws.onmessage = (event) => { document.body.dataset.got = event.data.slice(0, 20); };
ws.onclose = () => { document.body.dataset.ws ||= "refused"; };
fetch(`${target.origin}/api/lab`, {method: "POST", mode: "no-cors",
  headers: {"content-type": "text/plain"}, body: '{"steps": 2000, "grid": 100}'})
  .then(() => { document.body.dataset.post = "sent"; },
        () => { document.body.dataset.post = "failed"; });
</script>"""


@pytest.fixture(scope="module")
def other_site() -> Iterator[str]:
    """Another web site, at http://evil.example:PORT/ (on this computer, as Chromium sees it)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(EVIL_PAGE)))
            self.end_headers()
            self.wfile.write(EVIL_PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.serve_forever, name="other-site", daemon=True)
    thread.start()
    yield f"http://evil.example:{site.server_address[1]}/"
    site.shutdown()
    site.server_close()


def test_another_sites_page_gets_no_socket_and_no_race(
    server: tuple[str, Any], page: Any, other_site: str
) -> None:
    url, app = server
    assert wait_until(lambda: not app.state.sessions), "earlier tests' tabs were not freed"
    before = app.state.refused["origin"]
    page.goto(other_site + "#" + url)
    page.wait_for_function("document.body.dataset.ws && document.body.dataset.post")
    assert page.evaluate("document.body.dataset.ws") == "refused"  # never opened
    assert page.evaluate("document.body.dataset.got") is None  # and heard nothing
    # the server itself refused both: the socket and the text/plain POST (a race to run)
    assert wait_until(lambda: app.state.refused["origin"] >= before + 2)
    assert app.state.sessions == {}
    shot(page, "other-site")


def test_a_rebound_name_is_refused(server: tuple[str, Any], page: Any) -> None:
    # DNS rebinding: evil.example now resolves to 127.0.0.1, but the browser says so in Host
    url, app = server
    port = url.rsplit(":", 1)[1].strip("/")
    before = app.state.refused["host"]
    answer = page.goto(f"http://evil.example:{port}/")
    assert answer.status == 403
    assert "answers only to the address it printed" in page.locator("body").text_content()
    answer = page.goto(f"http://evil.example:{port}/api/options")
    assert answer.status == 403 and "datasets" not in page.locator("body").text_content()
    assert app.state.refused["host"] >= before + 2  # and the favicon the browser asks for


def test_the_printed_address_and_localhost_open_the_page(
    server: tuple[str, Any], page: Any
) -> None:
    url, app = server
    port = url.rsplit(":", 1)[1].strip("/")
    token = app.state.token
    page.goto(f"http://localhost:{port}/?token={token}#dataset=xor&hidden=3")
    page.wait_for_function("document.body.dataset.dataset === 'xor'")
    assert session_of(page, app).net.sizes == [2, 3, 1]
    # the token left the address bar (Share URL copies no secret); the setup stayed
    assert page.evaluate("location.search") == ""
    assert page.evaluate("location.hash").startswith("#dataset=xor")
    assert page.evaluate("document.cookie") == ""  # the cookie is HttpOnly


def test_with_require_token_only_the_printed_address_opens_it(
    browser: Any, other_site: str
) -> None:
    app = create_app(require_token=True)
    token = app.state.token
    with live(app) as url:
        context = browser.new_context()
        page = context.new_page()
        answer = page.goto(url)
        assert answer.status == 403 and "needs its token" in page.locator("body").text_content()
        page.goto(f"{url}?token={token}#dataset=moons")
        page.wait_for_function("document.body.dataset.dataset === 'moons'")
        assert page.evaluate("location.search") == ""
        cookies = context.cookies()
        assert [(c["httpOnly"], c["sameSite"], c["value"]) for c in cookies] == [
            (True, "Strict", token)
        ]
        shot(page, "token-page")
        # a reload needs no token in the address: the page's own requests carry the cookie
        page.reload()
        page.wait_for_function("document.body.dataset.dataset === 'moons'")
        assert len(app.state.sessions) == 1
        # another site's page in the same browser still gets nothing
        evil = context.new_page()
        evil.goto(other_site + "#" + url)
        evil.wait_for_function("document.body.dataset.ws && document.body.dataset.post")
        assert evil.evaluate("document.body.dataset.ws") == "refused"
        assert wait_until(lambda: app.state.refused["token"] >= 3)
        context.close()
        assert wait_until(lambda: not app.state.sessions)


# -- your own data, regression, crosses, rendered maths, and the rough edges (issue 20) ---------


def csv_text(n: int = 200, seed: int = 0) -> str:
    """Two feature columns and a word label: the sign of x₁·x₂ (XOR-like)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    labels = np.where(X[:, 0] * X[:, 1] > 0, "same", "other")
    rows = [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, labels, strict=True)]
    return "u,v,sign\n" + "\n".join(rows)


DROP = """([name, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, {type: "text/csv"}));
  for (const kind of ["dragover", "drop"]) {
    const event = {dataTransfer: data, bubbles: true, cancelable: true};
    document.body.dispatchEvent(new DragEvent(kind, event));
  }
}"""


def test_upload_a_csv_by_picker_and_by_drop_and_train(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url)
    page.wait_for_function("document.body.dataset.session && document.body.dataset.steps")
    session = session_of(page, app)
    # a bad file: one clear message, nothing changes
    page.evaluate(DROP, ["bad.csv", "u,v,sign\n1,2,a\n"])
    page.wait_for_function("document.body.dataset.error.includes('samples; give 20')")
    assert session.config.dataset == "circles"
    # the file picker
    page.set_input_files(
        "#csv-file", {"name": "xor.csv", "mimeType": "text/csv", "buffer": csv_text().encode()}
    )
    page.wait_for_function("document.body.dataset.dataset === 'upload'")
    assert page.evaluate("document.body.dataset.error") == ""  # the success cleared it
    assert session.table is not None and session.table.classes == ("other", "same")
    assert "class other" in page.locator("#legend").text_content()
    # crosses help: x₁x₂ separates it without a hidden layer's effort
    page.check("#features input[value=x1x2]")
    page.wait_for_function("document.querySelectorAll('[id^=n-0-]').length === 3")
    page.click("#play")
    page.wait_for_function(
        "Number(document.querySelector('#test-acc').dataset.value) > 0.9", timeout=40_000
    )
    page.click("#play")
    shot(page, "csv-upload-trained")
    # a label is only ever text on the page, never HTML
    hostile = csv_text(60).replace("same", "<img src=x onerror=document.title='owned'>")
    page.evaluate(DROP, ["hostile.csv", hostile])
    page.wait_for_function("document.body.dataset.upload === 'hostile.csv'")
    page.wait_for_function("document.querySelector('#legend').textContent.includes('<img')")
    assert page.title() != "owned" and page.locator("#legend img, #net img").count() == 0
    # dropped on the page: another file replaces it
    page.evaluate(DROP, ["other.csv", csv_text(120, seed=5)])
    page.wait_for_function("document.body.dataset.upload === 'other.csv'")
    page.wait_for_function("document.body.dataset.steps === '0'")
    assert len(session.points.X_train) + len(session.points.X_test) == 120


def test_regression_sets_train_and_draw_their_output(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url + "#dataset=plane&hidden=6&lr=0.03&n_samples=200")
    page.wait_for_function("document.body.dataset.dataset === 'plane'")
    session = session_of(page, app)
    assert session.net.layers[-1].activation.name == "identity"
    start = number(page, "#train-loss")
    page.click("#play")
    loss = "Number(document.querySelector('#train-loss').dataset.value)"
    page.wait_for_function(f"{loss} < {start / 4}")
    page.click("#play")
    assert "ŷ" in page.locator("#net").text_content()  # the output neuron says what it is
    assert "ŷ, y:" in page.locator("#legend").text_content()
    shot(page, "regression-plane")
    # sine: one input, drawn as a curve over the points
    page.select_option("#dataset", "sine")
    page.wait_for_function("document.body.dataset.dataset === 'sine'")
    assert session.net.sizes[0] == 1
    assert page.locator("#features input[value=x2]").is_disabled()
    page.click("#step")
    page.wait_for_function("document.body.dataset.steps === '1'")
    shot(page, "regression-sine")


def test_crosses_activations_and_fresh_draws(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url + "#dataset=circles&hidden=3")
    page.wait_for_function("document.body.dataset.dataset === 'circles'")
    session = session_of(page, app)
    page.check("#features input[value='x1^2']")
    page.wait_for_function("location.hash.includes('features=x1,x2,x1%5E2')")
    page.wait_for_function("document.querySelectorAll('[id^=n-0-]').length === 3")
    assert wait_until(lambda: session.net.sizes == [3, 3, 1])  # the server's own, in its time
    assert "x₁²" in page.locator("#net").text_content()  # input neurons are labelled
    # this layer's own activation
    page.select_option(".layer-activation >> nth=0", "relu")
    page.wait_for_function("location.hash.includes('layer_activations=relu')")
    assert wait_until(lambda: session.net.layers[0].activation.name == "relu")
    # new weights keep the data; new data keeps the first weights
    W, X = session.net.W[1].copy(), session.data.X_train.copy()
    page.click("#new-weights")
    assert wait_until(lambda: session.weight_draw == 1)  # the server's count, in its time
    page.wait_for_function("document.body.dataset.steps === '0'")
    assert wait_until(lambda: not np.array_equal(session.net.W[1], W))
    np.testing.assert_array_equal(session.data.X_train, X)
    W = session.net.W[1].copy()
    page.click("#new-data")
    assert wait_until(lambda: session.data_draw == 1)
    np.testing.assert_array_equal(session.net.W[1], W)
    assert not np.array_equal(session.data.X_train, X)
    # biases are drawn and open their explanation; discretize draws hard classes
    page.dispatch_event("#b-1-2", "click")
    page.wait_for_function("document.querySelector('#explain-title').textContent === 'b^(1)_2'")
    page.check("#discretize")
    shot(page, "crosses-and-biases")


def test_katex_keyboard_batch_and_scroll(browser: Any, server: tuple[str, Any]) -> None:
    url, app = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(str(exc)))
    page.goto(url + "#dataset=xor&hidden=4")
    page.wait_for_function("document.body.dataset.dataset === 'xor'")
    # the keyboard reaches a weight and Enter opens it
    page.focus("#w-2-0-1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#explain-math .katex")  # KaTeX rendered the chain rule
    assert page.evaluate("document.querySelector('#explain-math').dataset.rendered") == "katex"
    assert "∂C/∂w^(2)" in page.locator("#explain-text").text_content()  # the text form stays
    # the explanation came into view
    top = page.evaluate("document.querySelector('#explain-panel').getBoundingClientRect().top")
    assert 0 <= top < 800
    rows = page.evaluate("document.querySelector('#explain-batch').dataset.rows")
    session = session_of(page, app)
    assert [int(r) for r in rows.split(",")] == session.batch_indices().tolist()
    shot(page, "katex-explanation")
    # Tab moves on to the next weight, Enter opens it
    page.evaluate("window.scrollTo(0, 0)")
    page.focus("#n-1-0")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('#explain-title').textContent === 'neuron 0 of layer 1'"
    )
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('#explain-title').textContent !== 'neuron 0 of layer 1'"
    )
    context.close()
    assert console == [], f"console errors: {console}"


def test_dropout_explanation_is_the_step(server: tuple[str, Any], page: Any) -> None:
    url, app = server
    page.goto(url + "#dataset=xor&hidden=6&dropout=0.5&optimizer=sgd&lr=0.5&batch_size=8")
    page.wait_for_function("document.body.dataset.dataset === 'xor'")
    session = session_of(page, app)
    page.click("#step")
    page.wait_for_function("document.body.dataset.steps === '1'")
    page.dispatch_event("#w-2-0-3", "click")
    page.wait_for_function("document.querySelector('#explain-text').textContent.includes('mask')")
    shown = number(page, "#explain-value")
    before = session.net.W[2][0, 3]
    page.click("#step")
    page.wait_for_function("document.body.dataset.steps === '2'")
    assert session.net.W[2][0, 3] - before == pytest.approx(-0.5 * shown, rel=1e-12, abs=1e-15)


def test_no_horizontal_scroll_and_rough_edges(browser: Any, server: tuple[str, Any]) -> None:
    url, app = server
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(str(exc)))
    page.goto(url + "#dataset=digits&hidden=32,32,32,32,32,32&cost=cross_entropy")
    page.wait_for_function("document.body.dataset.dataset === 'digits'")
    page.wait_for_function("document.body.dataset.steps === '0'")
    # the drawing follows the data set's message: wait until it shows the digits' network
    page.wait_for_function("document.querySelectorAll('[id^=n-0-]').length === 64")
    wide = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(wide) <= 0
    # every input neuron inside the drawing; the outputs named by class
    inside = page.evaluate(
        """[...document.querySelectorAll('[id^=n-0-]')].every((g) => {
          const b = g.getBBox(); return b.y >= 0 && b.y + b.height <= 400; })"""
    )
    assert inside
    assert "class 9" in page.locator("#net").text_content()
    shot(page, "digits-1024")
    page.click("#view-lab")
    page.wait_for_function("document.body.dataset.labStatus === 'done'")
    assert page.evaluate(wide) <= 0
    # the lab keeps only accepted values: a rejected η goes back, in the box and the address
    page.fill("#lab-optimizers .lab-lr[data-opt=sgd]", "99")
    page.dispatch_event("#lab-optimizers .lab-lr[data-opt=sgd]", "change")
    page.wait_for_function("document.body.dataset.error")
    page.wait_for_function(
        "document.querySelector('#lab-optimizers .lab-lr[data-opt=sgd]').value !== '99'"
    )
    assert "sgd:99" not in page.url
    page.click("#view-net")
    page.evaluate("location.hash = '#dataset=moons&hidden=4&cost=quadratic'")
    page.wait_for_function("document.body.dataset.dataset === 'moons'")
    assert page.evaluate("document.body.dataset.error") == ""  # that success cleared it
    # an emptied field is said, never sent as 0; the next success clears the message
    page.fill("#noise", "")
    page.dispatch_event("#noise", "change")
    page.wait_for_function("document.body.dataset.error.includes('noise is empty')")
    assert page.locator("#error").is_visible()
    assert session_of(page, app).config.noise == 0.05
    page.fill("#noise", "0.1")
    page.dispatch_event("#noise", "change")
    page.wait_for_function("document.body.dataset.error === ''")
    assert page.locator("#error").is_hidden()
    # an empty "set it to" does not set the weight to 0
    page.dispatch_event("#w-1-0-0", "click")
    page.wait_for_selector("#explain-body:not([hidden])")
    page.fill("#edit-value", "")
    page.click("#edit-apply")
    page.wait_for_function("document.body.dataset.error.includes('is empty')")
    assert page.evaluate(wide) <= 0
    shot(page, "rough-edges-1024")
    # NaN in the address is named as such
    page.evaluate("location.hash = '#dataset=moons&noise=NaN'")
    page.wait_for_function("document.body.dataset.error.includes('NaN')")
    assert "None" not in page.evaluate("document.body.dataset.error")
    # a speed limit: about 2 mini-batches a second, and the page says how fast it goes
    page.select_option("#speed", "2")
    page.click("#play")
    page.wait_for_function("Number(document.querySelector('#rate').textContent) > 0", timeout=8000)
    rate = float(page.locator("#rate").text_content() or "0")
    page.click("#play")
    assert 0 < rate <= 4
    assert page.request.get(url + "favicon.ico").status == 200
    context.close()
    assert console == [], f"console errors: {console}"


def test_without_katex_the_page_shows_the_text_form(server: tuple[str, Any], page: Any) -> None:
    url, _ = server
    page.route("**/vendor/katex/**", lambda route: route.fulfill(status=404, body="missing"))
    page.goto(url + "#dataset=xor&hidden=2")
    page.wait_for_function("document.body.dataset.dataset === 'xor'")
    page.dispatch_event("#w-1-0-0", "click")
    page.wait_for_selector("#katex-missing:not([hidden])")
    assert "fetch_npm.py" in page.locator("#katex-missing").text_content()
    assert "∂C/∂w^(1)" in page.locator("#explain-text").text_content()
    assert page.locator("#explain-math .katex").count() == 0
    page.console_errors.clear()  # the two 404s were the point
