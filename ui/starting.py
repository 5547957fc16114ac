"""The server before its model is loaded: the port answers at once, the app takes over once it is built.

``kabar serve`` listens first and loads the model (and builds the UI) in a thread: a load balancer or an
orchestrator sees a live process from the first second (``/health`` 200, ``status: loading``) that is not ready
yet (``/ready`` 503 with Retry-After), and every other request gets 503 "loading" instead of a refused connection.
:meth:`Starting.attach` hands the requests to the real app once it is built, after running its startup (its ASGI
lifespan: Gradio starts its queue there); its shutdown runs when the server stops.
"""
from __future__ import annotations

import asyncio
import json
import threading

LOADING_RETRY_AFTER = 5  # seconds a client is asked to wait while the model loads
LIFESPAN_SECONDS = 60.0  # the app's startup or shutdown may take this long


class _Lifespan:
    """Drives one ASGI app's lifespan protocol: startup now, shutdown later."""

    def __init__(self, app):
        self.app = app
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.failure: str | None = None
        self.task: asyncio.Task | None = None

    async def _send(self, message) -> None:
        kind = message["type"]
        if kind in ("lifespan.startup.complete", "lifespan.startup.failed"):
            self.failure = (message.get("message") or "startup failed") if kind.endswith("failed") else None
            self.started.set()
        elif kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            self.stopped.set()

    async def _wait(self, event: asyncio.Event) -> None:
        waiter = asyncio.ensure_future(event.wait())
        done, _ = await asyncio.wait({waiter, self.task}, timeout=LIFESPAN_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self._send))
        await self.inbox.put({"type": "lifespan.startup"})
        await self._wait(self.started)
        if not self.started.is_set() and self.task.done() and self.task.exception() is not None:
            raise RuntimeError(f"the app's startup failed: {self.task.exception()!r}")
        if self.failure:
            raise RuntimeError(f"the app's startup failed: {self.failure}")

    async def shutdown(self) -> None:
        if self.task is None or self.task.done():
            return
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self._wait(self.stopped)


class Starting:
    """An ASGI app that answers for the server until :meth:`attach` gives it the real one."""

    def __init__(self, *, version: str = ""):
        self.app = None
        self.version = version
        self.loop: asyncio.AbstractEventLoop | None = None
        self.serving = threading.Event()  # set once the server runs (the loop is known)
        self._lifespan: _Lifespan | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._own_lifespan(receive, send)
            return
        app = self.app
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        path = scope.get("path", "")
        if path == "/health":
            await _json(send, 200, {"status": "loading", "version": self.version})
        elif path == "/ready":
            await _json(send, 503, {"ready": False, "queued": 0, "max_queue": 0,
                                    "reason": "the model is loading"}, retry=True)
        else:
            await _json(send, 503, {"error": "Kabar is starting: the model is loading. Try again in a few seconds."},
                        retry=True)

    async def _own_lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                self.serving.set()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._lifespan is not None:
                    await self._lifespan.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _attach(self, app) -> None:
        lifespan = _Lifespan(app)
        await lifespan.startup()
        self._lifespan = lifespan
        self.app = app

    def attach(self, app, *, timeout: float = LIFESPAN_SECONDS + 5) -> None:
        """From another thread, once the server runs: start ``app`` (its lifespan) and send it every request from
        now on. Raises what the app's startup raised."""
        if not self.serving.wait(timeout) or self.loop is None:
            raise RuntimeError("the server did not start")
        asyncio.run_coroutine_threadsafe(self._attach(app), self.loop).result(timeout)


async def _json(send, status: int, body: dict, *, retry: bool = False) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if retry:
        headers.append((b"retry-after", str(LOADING_RETRY_AFTER).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
