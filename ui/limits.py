"""A request-body size limit for the API routes, enforced while the body arrives.

The limit holds whether or not the client sends ``Content-Length`` (chunked bodies are counted as
they come). An over-limit body is read and thrown away, up to ``DRAIN_LIMIT`` bytes, before the 413
answer goes out: a client that is still sending would otherwise see its connection reset instead of
the error. Bodies beyond the drain limit are cut off; the connection closes after the 413.
"""
from __future__ import annotations

import json

DRAIN_LIMIT = 64 * 1024 * 1024


class BodyLimit:
    """ASGI middleware: answer 413 with ``{"error": ...}`` for bodies over ``limit()`` bytes."""

    def __init__(self, app, *, limit, drain_limit: int = DRAIN_LIMIT):
        self.app = app
        self.limit = limit  # path -> bytes, or None for no limit here (read at every request)
        self.drain_limit = drain_limit

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
            message = await receive()
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
    payload = json.dumps({"error": message + " Send less (API text: raise KABAR_MAX_CHARS on the server; "
                          "UI uploads: at most 10 MB a request).",
                          "limit_bytes": limit}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
