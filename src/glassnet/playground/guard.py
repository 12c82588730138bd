"""The Playground's door: which requests reach the server, and how much of them it reads.

A web server on 127.0.0.1 is reachable by every web page the user's browser opens, not only
by its own. So before any route runs, :class:`Guard` checks each HTTP request and websocket
handshake:

* ``Host`` must name this computer — ``127.0.0.1``, ``localhost`` or ``[::1]`` — on the port
  the Playground serves, so a site whose name has been pointed at 127.0.0.1 (DNS rebinding)
  is refused;
* ``Origin``, when the browser sends one (websockets, POSTs, cross-site fetches), must name
  the same, so another site's page cannot open a session or run a race;
* or else the request carries the per-launch token: ``?token=…`` in the address, an
  ``Authorization: token …`` header, or the cookie the server sets when the page is opened
  with the token (sent only by the Playground's own page: it is ``HttpOnly`` and
  ``SameSite=Strict``, and counts only when ``Origin`` is absent or the page's own).
  With ``require_token`` (always when the server listens beyond this computer) every request
  needs the token.

A refused request gets 403 and a short plain-text line that repeats nothing of the request.
A request body is at most :data:`MAX_BODY` bytes: a larger ``Content-Length`` gets 413 before a
byte of the body is read, and a body without one (chunked) is read only up to the limit.

>>> allowed_host("127.0.0.1:8765", 8765), allowed_host("evil.example:8765", 8765)
(True, False)
>>> allowed_origin("http://localhost:8765", 8765), allowed_origin("http://evil.example", 8765)
(True, False)
>>> loads('{"type": "play"}', "a message")
{'type': 'play'}
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "LOOPBACK_NAMES",
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_ERROR",
    "Guard",
    "allowed_host",
    "allowed_origin",
    "cookie_name",
    "is_loopback",
    "loads",
    "short",
]

log = logging.getLogger("glassnet.playground")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the names that mean "this computer" in a Host or Origin header
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY = 64 * 1024  # bytes in one request body
MAX_DEPTH = 32  # levels of [ and { in one JSON message or body (the page's need at most 4)
MAX_ERROR = 300  # characters in one error message sent back

REFUSED = {
    "host": "403 Forbidden: the Playground answers only to the address it printed "
    "(http://127.0.0.1:PORT/); this request named another host.\n",
    "origin": "403 Forbidden: the Playground talks only to its own page; "
    "requests from other web pages are refused.\n",
    "token": "403 Forbidden: this Playground needs its token; open the address it printed, "
    "http://…:PORT/?token=…\n",
    "wrong token": "403 Forbidden: wrong token; open the address the Playground printed.\n",
    "body": "413 Content Too Large: request bodies are limited to 64 KiB.\n",
    "length": "400 Bad Request: the Content-Length header is not a number.\n",
}

#: headers on every HTTP answer: not to be framed by other sites, nor sniffed, nor referred
SAFE_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def short(text: str, limit: int = MAX_ERROR) -> str:
    """``text`` on one line of at most ``limit`` characters, for an error sent back.

    Errors quote what was sent (``unknown surface 'everest'``); here any word longer than 40
    characters is cut short, so that an error repeats only a little of any request.

    >>> short("a\\nb"), short("got " + "x" * 1000 + " instead")
    ('a b', 'got xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… instead')
    """
    words = [w if len(w) <= 40 else w[:39] + "…" for w in text.split()]
    line = " ".join(words)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to ``--host``) is an address of this computer only.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    import ipaddress

    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _name_and_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    """``("127.0.0.1", 8765)`` from ``"127.0.0.1:8765"``; None when it does not parse."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if parts.hostname is None or parts.username is not None or parts.path or parts.query:
        return None
    return parts.hostname, port if port is not None else (443 if scheme == "https" else 80)


def allowed_host(host: str | None, port: int | None, scheme: str = "http") -> bool:
    """Whether a ``Host`` header names this computer on the Playground's ``port``.

    Args:
        host: the header's value (None when the request had none).
        port: the port the Playground serves; None accepts any.
        scheme: ``"http"`` or ``"https"`` (for the port a header without one means).
    """
    where = None if host is None else _name_and_port(host, scheme)
    return where is not None and where[0] in LOOPBACK_NAMES and port in (None, where[1])


def _origin(origin: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/"):
        return None
    return _name_and_port(parts.netloc, parts.scheme)


def allowed_origin(origin: str, port: int | None) -> bool:
    """Whether an ``Origin`` header is a page of this computer on the Playground's ``port``."""
    where = _origin(origin)
    return where is not None and where[0] in LOOPBACK_NAMES and port in (None, where[1])


def cookie_name(port: int | None) -> str:
    """The token cookie's name: one per port, as cookies do not tell ports apart."""
    return f"glassnet-playground-{port or 0}"


def loads(text: str | bytes, what: str) -> Any:
    """Parse JSON from the page, with a one-line ``ValueError`` for anything wrong.

    Nesting deeper than :data:`MAX_DEPTH` is refused, so no message can make the server
    recurse without bound.

    Args:
        text: the message or body.
        what: what it is, for the error ("the message", "the request body").

    >>> loads("[" * 100 + "]" * 100, "the message")
    Traceback (most recent call last):
    ValueError: the message is nested too deeply: at most 32 levels of [ and { are allowed
    """
    deep = f"{what} is nested too deeply: at most {MAX_DEPTH} levels of [ and {{ are allowed"
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(deep) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not JSON ({exc.msg} at character {exc.pos})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:  # depth by hand, not by recursion
        item, depth = level.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_DEPTH:
                    raise ValueError(deep)
                level.append((child, depth + 1))
    return value


class Guard:
    """ASGI middleware that lets only the Playground's own page in, and bounds request bodies.

    Args:
        app: the Playground's app.
        token: the per-launch secret.
        require_token: when True every request needs the token, even from this computer.
        port: the port the page is served on; None: the port each request arrived on.
        refused: counts refusals by reason (``"host"``, ``"origin"``, ``"token"``,
            ``"wrong token"``, ``"body"``, ``"length"``), for tests and curious users.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        require_token: bool = False,
        port: int | None = None,
        refused: Counter[str] | None = None,
    ):
        if len(token) < 16:
            raise ValueError("the Playground's token must be at least 16 characters")
        self.app = app
        self.token = token.encode()
        self.require_token = require_token
        self.port = port
        self.refused = refused if refused is not None else Counter()

    def _port(self, scope: Scope) -> int | None:
        if self.port is not None:
            return self.port
        server = scope.get("server")
        return int(server[1]) if server and server[1] is not None else None

    def _matches(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token)

    def check(self, scope: Scope) -> tuple[str | None, bool]:
        """Why ``scope``'s request is refused (a key of ``REFUSED``), or None; and whether it
        carried the right token in its address (then the answer sets the cookie)."""
        headers: dict[str, list[str]] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        port = self._port(scope)
        http = "https" if scope.get("scheme") in ("https", "wss") else "http"

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[-1]
        in_address = given is not None
        for auth in headers.get("authorization", []):
            kind, _, value = auth.partition(" ")
            if kind.lower() in ("token", "bearer") and value.strip():
                given = value.strip()
        if given is not None:
            return (None, in_address) if self._matches(given) else ("wrong token", False)

        hosts = headers.get("host", [])
        host = hosts[0] if len(hosts) == 1 else None
        origins = headers.get("origin", [])
        origin = origins[0] if origins else None
        if len(origins) > 1:
            return "origin", False

        cookie = None
        for line in headers.get("cookie", []):
            for part in line.split(";"):
                name, _, value = part.strip().partition("=")
                if name == cookie_name(port):
                    cookie = value
        if self._matches(cookie) and host is not None:
            page = _name_and_port(host, http)
            if origin is None or (page is not None and _origin(origin) == page):
                return None, False  # the page this server served, opened with the token
        if self.require_token:
            return "token", False
        if not allowed_host(host, port, http):
            return "host", False
        if origin is not None and not allowed_origin(origin, port):
            return "origin", False
        return None, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason, set_cookie = self.check(scope)
        if reason is not None:
            await self.refuse(reason, scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        port = self._port(scope)

        async def send_safely(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SAFE_HEADERS)
                if set_cookie:
                    cookie = f"{cookie_name(port)}={self.token.decode()}; Path=/; HttpOnly; "
                    extra.append((b"set-cookie", (cookie + "SameSite=Strict").encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self.refuse("length", scope, receive, send)
                return
            if int(length) > MAX_BODY:  # refused before a byte of the body is read
                await self.refuse("body", scope, receive, send)
                return
        if (length is None or int(length) == 0) and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send_safely)
            return
        body = bytearray()
        while True:  # read at most MAX_BODY bytes, then hand the body on in one piece
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await self.refuse("body", scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_safely)

    async def refuse(self, reason: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 403 (or 413, 400) with a short plain line; a websocket is not accepted."""
        self.refused[reason] += 1
        log.info("playground refused a request: %s", reason)
        status = 413 if reason == "body" else 400 if reason == "length" else 403
        body = REFUSED[reason].replace("PORT", str(self._port(scope) or "PORT")).encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *SAFE_HEADERS,
        ]
        if scope["type"] == "websocket":
            message = await receive()  # the handshake's "websocket.connect"
            if message["type"] != "websocket.connect":
                return
            # Closing before accepting is the refusal every ASGI server turns into a plain 403.
            # (Not the "websocket.http.response" extension with our line as the body: uvicorn's
            # sans-I/O websockets protocol then logs an error for a handshake it thinks was left
            # unfinished, and a browser shows a refused socket's body to no one anyway.)
            await send({"type": "websocket.close", "code": 1008})
            return
        if status != 403:
            headers.append((b"connection", b"close"))  # the unread body is not waited for
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
