"""The Playground's web server: one page, a websocket per browser tab, glassnet doing the work.

Each websocket connection owns one :class:`~glassnet.playground.session.Session`. The page sends
small JSON messages (``{"type": "play"}``, ``{"type": "select", "kind": "weight", "l": 2,
"j": 0, "k": 1}``, …, see :data:`MESSAGES`) and gets ``state`` snapshots back while it trains.
Training runs in a small thread pool shared by all tabs, a few mini-batches at a time, so a
busy tab cannot starve the others. Closing the tab cancels its training and forgets its
session; a bad message is answered with ``{"type": "error", "message": …}`` and the
connection stays open.

HTTP routes: ``/`` (the page), ``/static/…``, ``/api/options`` (choices and limits),
``/api/sessions`` (how many are open), ``/api/sessions/{id}/state`` (the numbers, as JSON),
``/api/sessions/{id}/explanation`` (the open explanation in full: LaTeX, every factor),
``/api/sessions/{id}/model`` (the trained network as a glassnet model file), and for the
optimizer lab ``GET /api/lab`` (surfaces, optimizers, limits) and ``POST /api/lab`` (run a race,
see :mod:`~glassnet.playground.lab_view`). There is no ``/docs`` or ``/openapi.json``: this
page lists the routes.

Only the Playground's own page may talk to it: :class:`~glassnet.playground.guard.Guard` checks
every request's ``Host`` and ``Origin`` (or the per-launch token) and bounds request bodies
before any route runs. A tab that sends nothing for ``idle_seconds`` (10 minutes by default;
the open page says it is still there once a minute while it is visible) is closed, so an
abandoned tab frees its place.

>>> app = create_app()
>>> sorted(r.path for r in app.routes if r.path.startswith("/api"))[:3]
['/api/lab', '/api/lab', '/api/options']
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .._inputs import is_real, whole_number
from .guard import MAX_BODY, Guard, is_loopback, loads, short
from .lab_view import lab_options, landscape_slice, parse_lab_request, run_lab
from .session import LIMITS, Selection, Session, jsonable, options, parse_config
from .upload import parse_csv

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

__all__ = ["IDLE_SECONDS", "MAX_SESSIONS", "MESSAGES", "Connection", "create_app", "serve"]

log = logging.getLogger("glassnet.playground")

STATIC = Path(__file__).parent / "static"
MAX_SESSIONS = 16  # open tabs at once; the next one is turned away with a message
MAX_MESSAGE = MAX_BODY  # characters in one message from the page
IDLE_SECONDS = 600.0  # a tab that sends nothing for this long is closed, freeing its place
FRAME_SECONDS = 0.05  # pause between two snapshots while playing (about 20 a second at most)
WORK_SECONDS = 0.05  # aim for this much training between two snapshots
T = TypeVar("T")

#: the messages a page may send, and what each does
MESSAGES = {
    "config": "new setup {config: {...}}; rebuilds data and network (training pauses)",
    "play": "train continuously, sending snapshots",
    "pause": "stop training",
    "step": "train on {n} mini-batches (default 1), then send a snapshot",
    "reset": "start over: {what: null} the setup's first weights and data, "
    '"weights" fresh random weights, "data" a fresh sample of the data',
    "upload": "train on your own CSV file {csv: its text} (kept in memory, in this tab only)",
    "speed": "train at most {steps_per_second} mini-batches a second while playing (0: as fast "
    "as it goes)",
    "select": "open {kind: weight|bias|neuron, l, j, k} (or kind null to close)",
    "set": "set a weight or bias by hand {kind, l, j, k, value}",
    "walkthrough": "one sample's forward pass, backward pass and update {sample}",
    "apply_walkthrough": "take that sample's plain SGD step {sample}",
    "state": "send a snapshot now",
    "lab": "race optimizers on a surface {lab: {surface, optimizers, lr, start, steps, grid}}",
    "landscape": "the network's cost along a random 1-D slice {seed, span, points}",
    "alive": "nothing to do: the tab is still open (sent while it is visible)",
}


def _duration(seconds: float) -> str:
    """``"10 minutes"``, ``"30 seconds"``."""
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} second" + ("" if seconds == 1 else "s")


class _TabGoneError(Exception):
    """The tab went away while the server was answering it."""


def _need_web() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError(
            "the Playground needs FastAPI and uvicorn: pip install 'glassnet[playground]'"
        ) from None


def _field(msg: dict[str, Any], key: str, default: Any = None) -> Any:
    if key not in msg:
        if default is None:
            raise ValueError(f"message {msg.get('type')!r} needs a field {key!r}")
        return default
    return msg[key]


def _int_field(
    msg: dict[str, Any], key: str, low: int, high: int, default: int | None = None
) -> int:
    value = _field(msg, key, default)
    return whole_number(value, key, must_be=f"a whole number {low}..{high}", low=low, high=high)


class Connection:
    """One browser tab: its session, its training task and its websocket.

    Args:
        sessions: the registry this connection adds its session to (and removes it from).
        socket: the websocket, not yet accepted.
        pool: the thread pool the numerical work runs in.
        idle_seconds: close the tab after this long without a message from it.
    """

    def __init__(
        self,
        sessions: dict[str, Session],
        socket: WebSocket,
        pool: ThreadPoolExecutor,
        idle_seconds: float = IDLE_SECONDS,
    ):
        self.sessions = sessions
        self.socket = socket
        self.pool = pool
        self.idle_seconds = idle_seconds
        self.gone = False
        self.id = secrets.token_urlsafe(8)
        self.session: Session | None = None
        self.playing = asyncio.Event()
        self.send_lock = asyncio.Lock()
        self.runner: asyncio.Task[None] | None = None
        self.steps_per_frame = 1
        self.speed = 0.0  # mini-batches per second while playing; 0 means as fast as it goes

    async def work(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the thread pool, so the server keeps answering meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message (one at a time: the training task sends too).

        Raises:
            _TabGoneError: the tab has gone away (then nothing more is sent, and nothing logged).
        """
        text = json.dumps(message)
        async with self.send_lock:
            if self.gone:
                raise _TabGoneError
            try:
                await self.socket.send_text(text)
            except Exception:  # closed mid-reply: Starlette's and uvicorn's ways to say so
                self.gone = True
                raise _TabGoneError from None

    async def error(self, text: str) -> None:
        """Tell the page what went wrong, on one short line; it shows it at the top."""
        await self.send({"type": "error", "message": short(text)})

    # -- the life of a connection -------------------------------------------------------------

    async def run(self) -> None:
        """Serve the tab until it goes away, then stop its training and forget its session."""
        from starlette.websockets import WebSocketDisconnect

        await self.socket.accept()
        if len(self.sessions) >= MAX_SESSIONS:
            with contextlib.suppress(_TabGoneError):
                await self.error(
                    f"the Playground already has {MAX_SESSIONS} open tabs; close one and reload"
                )
            with contextlib.suppress(Exception):  # already closed by the tab: nothing to do
                await self.socket.close(code=1013)
            return
        # built right here (a few milliseconds for the default setup), so that no other tab
        # can slip in between the count above and the registration below
        self.session = Session(parse_config({}))
        self.sessions[self.id] = self.session
        self.runner = asyncio.create_task(self.train_forever())
        try:
            await self.send(
                {
                    "type": "hello",
                    "session": self.id,
                    "options": options(),
                    "lab": lab_options(),
                    "idle_seconds": self.idle_seconds,
                }
            )
            await self.send_setup()
            while True:
                try:
                    message = await asyncio.wait_for(self.socket.receive(), self.idle_seconds)
                except TimeoutError:
                    await self.error(
                        f"this tab sent nothing for {_duration(self.idle_seconds)}, so the "
                        "Playground closed it to free its place; reload the page to start again"
                    )
                    with contextlib.suppress(Exception):
                        await self.socket.close(code=1001)
                    break
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    await self.error("send JSON text messages, not binary ones")
                    continue
                await self.handle_text(text)
        except (WebSocketDisconnect, _TabGoneError):
            pass
        finally:
            self.gone = True
            await self.close()

    async def close(self) -> None:
        """Cancel the training task and drop the session (idempotent)."""
        self.playing.clear()
        if self.runner is not None:
            self.runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.runner
            self.runner = None
        self.sessions.pop(self.id, None)
        self.session = None

    async def send_setup(self) -> None:
        """Send the data set (once per setup), then a snapshot."""
        assert self.session is not None
        await self.send(await self.work(self.session.dataset_message))
        await self.send_state()

    async def send_state(self) -> None:
        """Send a snapshot of the session, with whether it is playing."""
        assert self.session is not None
        snapshot = await self.work(self.session.snapshot)
        snapshot["playing"] = self.playing.is_set()
        await self.send(snapshot)

    async def train_forever(self) -> None:
        """While playing: train a few mini-batches in the pool, send a snapshot, repeat."""
        while True:
            await self.playing.wait()
            session = self.session
            if session is None:
                return
            start = time.perf_counter()
            try:
                await self.work(session.train, 1 if self.speed else self.steps_per_frame)
                took = time.perf_counter() - start
                # aim for WORK_SECONDS of training per snapshot, at most LIMITS["steps"] batches
                if self.speed:  # slowed down, to watch: one mini-batch per 1/speed seconds
                    await asyncio.sleep(max(0.0, 1 / self.speed - took - FRAME_SECONDS))
                elif took < WORK_SECONDS / 2:
                    self.steps_per_frame = min(self.steps_per_frame * 2, LIMITS["steps"][1])
                elif took > WORK_SECONDS * 2 and self.steps_per_frame > 1:
                    self.steps_per_frame //= 2
                if session.stop_reason:
                    self.playing.clear()
                    await self.error(session.stop_reason)
                await self.send_state()
            except asyncio.CancelledError:
                raise
            except _TabGoneError:
                return
            except ValueError as exc:  # e.g. a diverged run: pause and say why
                self.playing.clear()
                await self.error(str(exc))
            except Exception as exc:  # the tab went away mid-send, or a bug: stop playing
                self.playing.clear()
                log.debug("playground training stopped: %r", exc)
                with contextlib.suppress(Exception):
                    await self.error(f"training stopped ({type(exc).__name__}: {exc})")
                if self.gone:
                    return
            await asyncio.sleep(FRAME_SECONDS)

    # -- the messages -------------------------------------------------------------------------

    async def handle_text(self, text: str) -> None:
        """Parse and carry out one message; any mistake becomes a one-line error message,
        never a crash (the tab going away ends the connection quietly)."""
        try:
            if len(text) > MAX_MESSAGE:
                raise ValueError(
                    f"message too long ({len(text)} characters, at most {MAX_MESSAGE})"
                )
            msg = loads(text, "the message")
            if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
                raise ValueError(
                    'a message must be a JSON object with a "type", e.g. {"type": "play"}'
                )
            await self.handle(msg)
        except _TabGoneError:
            raise
        except ValueError as exc:
            await self.error(str(exc))
        except (IndexError, TypeError, KeyError, OverflowError) as exc:
            await self.error(f"bad message: {exc}")
        except Exception as exc:  # a bug: say so on the page, keep serving
            log.exception("playground message failed")
            await self.error(f"internal error ({type(exc).__name__}: {exc}); please report it")

    async def handle(self, msg: dict[str, Any]) -> None:
        """Carry out one parsed message (see :data:`MESSAGES`); bad fields raise ValueError."""
        session = self.session
        assert session is not None
        kind = msg["type"]
        if kind == "play":
            self.playing.set()
            await self.send_state()
        elif kind == "pause":
            self.playing.clear()
            await self.send_state()
        elif kind == "step":
            low, high = LIMITS["steps"]
            n = _int_field(msg, "n", low, high, default=1)
            self.playing.clear()
            await self.work(session.train, n)
            await self.send_state()
        elif kind == "reset":
            what = msg.get("what")
            starts = {None: session.build, "weights": session.new_weights, "data": session.new_data}
            if what not in starts:
                raise ValueError(f'reset takes what: null, "weights" or "data"; got {what!r}')
            self.playing.clear()
            await self.work(starts[what])
            await self.send_setup()
        elif kind == "upload":
            table = await self.work(parse_csv, _field(msg, "csv"))
            self.playing.clear()
            await self.work(session.load_table, table)
            await self.send_setup()
        elif kind == "speed":
            value = _field(msg, "steps_per_second")
            if not is_real(value) or not 0 <= value <= 100:
                raise ValueError(f"steps_per_second must be 0 (no limit) to 100, got {value!r}")
            self.speed = float(value)
        elif kind == "config":
            config = parse_config(_field(msg, "config"))
            self.playing.clear()
            await self.work(session.reconfigure, config)
            await self.send_setup()
        elif kind == "select":
            what = msg.get("kind")
            if what is None:
                await self.work(session.select, None)
            else:
                sel = Selection(
                    str(what),
                    _int_field(msg, "l", 0, 100),
                    _int_field(msg, "j", 0, 10_000),
                    _int_field(msg, "k", 0, 10_000, default=0),
                )
                await self.work(session.select, sel)
            await self.send(
                {"type": "explanation", "explanation": await self.work(session.explanation)}
            )
        elif kind == "set":
            value = _field(msg, "value")
            if not is_real(value):
                raise ValueError(f"value must be a number, got {value!r}")
            await self.work(
                session.set_parameter,
                str(_field(msg, "kind")),
                _int_field(msg, "l", 0, 100),
                _int_field(msg, "j", 0, 10_000),
                _int_field(msg, "k", 0, 10_000, default=0),
                float(value),
            )
            await self.send_state()
        elif kind == "walkthrough":
            await self.send(await self.work(session.walkthrough, _field(msg, "sample")))
        elif kind == "apply_walkthrough":
            self.playing.clear()
            await self.work(session.apply_walkthrough, _field(msg, "sample"))
            await self.send_state()
        elif kind == "state":
            await self.send_state()
        elif kind == "alive":
            pass  # receiving it was the point: the idle clock starts again
        elif kind == "lab":
            try:  # the page counts its lab requests, so it is told which answers belong to it
                request = parse_lab_request(_field(msg, "lab"))
            except ValueError as exc:
                await self.send({"type": "error", "message": short(str(exc)), "about": "lab"})
                return
            await self.send(await self.work(run_lab, request))
        elif kind == "landscape":
            await self.send(
                await self.work(
                    landscape_slice,
                    session,
                    msg.get("seed", 0),
                    msg.get("span", 1.0),
                    msg.get("points", 41),
                )
            )
        else:
            raise ValueError(f"unknown message type {kind!r}; the types are: {', '.join(MESSAGES)}")


def create_app(
    max_workers: int = 2,
    *,
    token: str | None = None,
    require_token: bool = False,
    idle_seconds: float = IDLE_SECONDS,
) -> FastAPI:
    """The Playground as an ASGI app (FastAPI); serve it with uvicorn or :func:`serve`.

    Args:
        max_workers: threads that train networks, shared by all open tabs.
        token: the secret that lets a request in from anywhere (``?token=…``); None makes a
            fresh random one (``app.state.token``).
        require_token: refuse every request without the token, even from this computer's
            own pages (as when the server listens beyond this computer).
        idle_seconds: close a tab after this long without a message from it.

    Serve it with ``uvicorn.run(app, host="127.0.0.1", port=8765)`` and open
    ``/?token=`` + ``app.state.token``; here FastAPI's test client asks it without a server.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> app = create_app()
        >>> with TestClient(app, base_url="http://127.0.0.1:8765") as client:  # as this computer
        ...     page = client.get("/")
        ...     limits = client.get("/api/options").json()["limits"]
        >>> page.status_code, page.headers["content-type"], limits["hidden_layers"]
        (200, 'text/html; charset=utf-8', 6)
        >>> create_app(idle_seconds=0)
        Traceback (most recent call last):
        ValueError: idle_seconds must be a positive number of seconds, got 0
    """
    _need_web()
    if not (math.isfinite(idle_seconds) and idle_seconds > 0):
        raise ValueError(f"idle_seconds must be a positive number of seconds, got {idle_seconds}")
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.concurrency import run_in_threadpool
    from starlette.routing import Route, WebSocketRoute

    sessions: dict[str, Session] = {}
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="glassnet-playground")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    # no /docs, /redoc or /openapi.json: a local tool's routes are listed in this module
    app = FastAPI(
        title="glassnet Playground",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sessions = sessions
    app.state.pool = pool
    app.state.token = token if token is not None else secrets.token_urlsafe(32)
    app.state.refused = Counter()
    app.add_middleware(
        Guard, token=app.state.token, require_token=require_token, refused=app.state.refused
    )

    def session_of(sid: str) -> Session:
        session = sessions.get(sid)
        if session is None:
            raise HTTPException(404, "no open session with this id; reload the page")
        return session

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/options")
    async def api_options() -> dict[str, Any]:
        return options()

    @app.get("/api/lab")
    async def api_lab_options() -> dict[str, Any]:
        return lab_options()

    async def api_lab(request: Request) -> Response:
        # the body is parsed here, not by FastAPI, so that a mistake is one short line that
        # repeats little of what was sent (the Guard has already bounded its size)
        try:
            lab_request = parse_lab_request(loads(await request.body(), "the request body"))
        except ValueError as exc:
            return JSONResponse({"detail": short(str(exc))}, status_code=400)
        return JSONResponse(await run_in_threadpool(run_lab, lab_request))

    @app.get("/api/sessions")
    async def api_sessions() -> dict[str, Any]:
        return {"open": len(sessions), "max": MAX_SESSIONS}

    # plain ``def``: FastAPI runs these in its thread pool, so a busy session's lock never
    # holds up the event loop
    @app.get("/api/sessions/{sid}/state")
    def api_state(sid: str) -> dict[str, Any]:
        session = session_of(sid)
        snapshot = session.snapshot(pictures=False, full=True)
        with session.lock:
            snapshot["batch_X"] = session.data.X_train[snapshot["batch"]].tolist()
            snapshot["batch_y"] = session.data.y_train[snapshot["batch"]].tolist()
        return snapshot

    @app.get("/api/sessions/{sid}/explanation")
    def api_explanation(sid: str) -> dict[str, Any]:
        session = session_of(sid)
        return {"explanation": jsonable(session.explanation(full=True))}

    @app.get("/api/sessions/{sid}/model")
    def api_model(sid: str) -> Response:
        session = session_of(sid)
        data = session.model_bytes()
        name = f"glassnet-playground-{session.data.name}.safetensors"
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def websocket(socket: WebSocket) -> None:
        await Connection(sessions, socket, pool, idle_seconds).run()

    # plain Starlette routes: the handler takes the socket or request itself, no dependency
    # injection (and no 422 answer that quotes the request back)
    app.router.routes.append(WebSocketRoute("/ws", websocket))
    app.router.routes.append(Route("/api/lab", api_lab, methods=["POST"]))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    require_token: bool = False,
    idle_seconds: float = IDLE_SECONDS,
) -> None:
    """Run the Playground until interrupted (``glassnet playground`` calls this).

    It prints its address with a fresh token, ``http://127.0.0.1:8765/?token=…``: the page
    opened from there may talk to the server, and so may any page of this computer at that
    address; a request from anywhere else needs the token.

    Args:
        host: the interface to listen on; the default answers only this computer. Any other
            makes the token required for everything.
        port: the TCP port; 0 picks a free one.
        require_token: require the token even from this computer (for a shared computer).
        idle_seconds: close a tab after this long without a message from it.

    Example:
        A bad setting is refused before anything listens (a real call blocks until Ctrl+C):

        >>> serve(port=8765, idle_seconds=0)
        Traceback (most recent call last):
        ValueError: idle_seconds must be a positive number of seconds, got 0
    """
    _need_web()
    import socket

    import uvicorn

    if port == 0:  # choose a free port now, so that the printed URL is the real one
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    local = is_loopback(host)
    app = create_app(require_token=require_token or not local, idle_seconds=idle_seconds)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=4 * MAX_MESSAGE,  # a larger frame closes the socket; up to it, a message
    )
    server = uvicorn.Server(config)
    where = f"[{host}]" if ":" in host else host
    if not local:
        print(
            f"glassnet Playground: listening on {host}, beyond this computer: every request "
            "needs the token below (from another computer, put this computer's address in "
            "place of 127.0.0.1)",
            flush=True,
        )
        where = "127.0.0.1"
    print(
        f"glassnet Playground: http://{where}:{port}/?token={app.state.token}  (Ctrl+C to stop)",
        flush=True,
    )
    server.run()
