"""Limits that count work, not sockets: a request-body size limit enforced while the body arrives (with an
idle timeout between its pieces), a cap on requests in flight, and a header timeout for connections.

The limit holds whether or not the client sends ``Content-Length`` (chunked bodies are counted as
they come). An over-limit body is read and thrown away, up to ``DRAIN_LIMIT`` bytes, before the 413
answer goes out: a client that is still sending would otherwise see its connection reset instead of
the error. Bodies beyond the drain limit are cut off; the connection closes after the 413.
"""
from __future__ import annotations

import asyncio
import json

from translate.metrics import reject

DRAIN_LIMIT = 64 * 1024 * 1024
DEFAULT_MAX_IN_FLIGHT = 256  # requests worked on at once (--max-connections)
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds from a connection (or a request's first byte) to its complete headers
BODY_IDLE_TIMEOUT = 30.0  # seconds a request body may pause between two pieces before the server answers 408


class BodyLimit:
    """ASGI middleware: answer 413 with ``{"error": ...}`` for bodies over ``limit()`` bytes."""

    def __init__(self, app, *, limit, drain_limit: int = DRAIN_LIMIT, idle_timeout: float = BODY_IDLE_TIMEOUT):
        self.app = app
        self.limit = limit  # path -> bytes, or None for no limit here (read at every request)
        self.drain_limit = drain_limit
        self.idle_timeout = idle_timeout

    async def __call__(self, scope, receive, send):
        limit = self.limit(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _drain(receive, self.drain_limit)
            await _reject(send, f"Request body of {declared} bytes exceeds the limit of {limit} bytes.", limit)
            return
        # Read the body here (at most ``limit`` bytes are kept), then replay it to the app.
        chunks, size = [], 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.idle_timeout)
            except asyncio.TimeoutError:
                reject("body-timeout")
                await _answer(send, 408, {"error": f"The request body stopped arriving for {self.idle_timeout:g} s; "
                                                   "send it whole"})
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                if message.get("more_body"):
                    await _drain(receive, self.drain_limit - size)
                await _reject(send, f"Request body of more than {limit} bytes exceeds the limit of {limit} bytes.",
                              limit)
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _drain(receive, budget: int) -> None:
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body"):
            return


async def _reject(send, message: str, limit: int) -> None:
    reject("too-large")
    await _answer(send, 413, {"error": message + " Send less (API text: raise KABAR_MAX_CHARS on the server; "
                              "UI uploads: at most 10 MB a request).", "limit_bytes": limit})


async def _answer(send, status: int, body: dict, headers: tuple = ()) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": payload})


FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data", b"text/plain")


class SameOriginForms:
    """ASGI middleware: a browser's cross-origin form post (the one kind a web page can send to another site
    without asking first) gets 403, unless its origin is in ``allowed`` ("*" allows any).

    Programs (curl, libretranslatepy, deep-translator) send no ``Origin`` header and are not affected, nor is
    JSON, which a browser only sends cross-origin after a CORS preflight that this server does not grant.
    """

    def __init__(self, app, *, allowed: tuple[str, ...] = ()):
        self.app = app
        self.allowed = {o.rstrip("/").lower() for o in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope.get("headers", ()))
            origin = headers.get(b"origin", b"").decode("latin-1").rstrip("/").lower()
            kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            own = f"{scope.get('scheme', 'http')}://{headers.get(b'host', b'').decode('latin-1')}".lower()
            if origin and origin != own and kind in FORM_TYPES and "*" not in self.allowed \
                    and origin not in self.allowed:
                await _answer(send, 403, {"error": f"Cross-origin form post from {origin[:100]} refused; post from "
                                                   "this server's own pages, send JSON, or let the operator allow "
                                                   "the origin (KABAR_ALLOWED_ORIGINS)"})
                return
        await self.app(scope, receive, send)


class InFlightLimit:
    """ASGI middleware: at most ``limit`` HTTP requests in flight; the next ones get 503 with Retry-After at once.

    It counts requests the app is working on (headers complete), not open sockets: idle or half-sent
    connections cost nothing here, and the header timeout closes them.
    """

    def __init__(self, app, *, limit: int):
        self.app = app
        self.limit = limit
        self.active = 0  # one event loop: no lock needed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            reject("in-flight")
            await _answer(send, 503, {"error": f"Busy: {self.limit} requests in flight (--max-connections); "
                                               "retry in a moment"}, ((b"retry-after", b"1"),))
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def header_timeout_protocol(timeout: float = DEFAULT_HEADER_TIMEOUT):
    """uvicorn's h11 protocol with a header timeout: a connection whose request headers are not complete
    ``timeout`` seconds after it opened (or after the first byte of a later request on it) is closed.

    uvicorn itself only times out idle keep-alive connections, so a client that sends half a request line
    could hold a socket for ever (slowloris); pass the returned class as ``uvicorn.run(http=...)``.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._header_timer = self.loop.call_later(timeout, self._headers_too_slow)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            waiting = self.conn.their_state is h11.IDLE  # a request's headers are not complete yet
            if not waiting and self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            elif waiting and self._header_timer is None and self.conn.trailing_data[0]:
                self._header_timer = self.loop.call_later(timeout, self._headers_too_slow)

        def connection_lost(self, exc) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeoutH11Protocol
