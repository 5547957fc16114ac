"""The server as a service: request ids, the access event, Prometheus metrics and the /metrics answer.

:class:`Observed` is the outermost middleware: every request gets an id (the client's ``X-Request-ID`` when it is
a short token, else a fresh one), sent back in ``X-Request-ID`` and carried by every log line written while the
request is worked on; when it ends it is counted and timed under its route's template (``/api/process``, never the
path a client typed: a scanner's thousand paths are one ``unmatched`` series) and, where the operator asked for it,
logged as one ``request`` event. The metrics of the model's work are made in :mod:`translate.metrics`.

No label ever holds text a client sent: routes are the app's own templates, methods and statuses a fixed set,
kinds and reasons Kabar's own words.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from contextvars import ContextVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.routing import Match

from translate.metrics import SECONDS_BUCKETS, SIZE_BUCKETS

ENV_METRICS_KEY = "KABAR_METRICS_KEY"  # the bearer token /metrics asks for (setting it turns /metrics on)
ENV_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's multi-process mode: every process's values added
REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID = 128
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
UNMATCHED = "unmatched"
ACCESS = logging.getLogger("kabar.access")

REQUESTS = Counter("kabar_http_requests", "HTTP requests answered, by route template, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("kabar_http_request_seconds", "Seconds from a request's headers to the end of its answer",
                    ["route", "method"], buckets=SECONDS_BUCKETS)
IN_FLIGHT = Gauge("kabar_http_requests_in_flight", "HTTP requests being worked on now", multiprocess_mode="livesum")
QUEUED = Gauge("kabar_work_queued", "Requests waiting for a work slot (the model) now", multiprocess_mode="livesum")
WORKING = Gauge("kabar_work_active", "Work slots in use now", multiprocess_mode="livesum")
QUEUE_LIMIT = Gauge("kabar_work_queue_limit", "Requests that may wait for a work slot before 503/429",
                    multiprocess_mode="livemax")
GROUPS = Histogram("kabar_translate_group_requests", "Text requests translated together in one model call",
                   buckets=SIZE_BUCKETS)
GROUP_SENTENCES = Histogram("kabar_translate_group_sentences", "Sentences of one grouped model call",
                            buckets=SIZE_BUCKETS)
FETCH_ERRORS = Counter("kabar_fetch_errors", "Article pages that could not be read, by kind", ["kind"])
SEARCH_SECONDS = Histogram("kabar_search_seconds", "Seconds of one archive search", buckets=SECONDS_BUCKETS)
ARCHIVE_ARTICLES = Gauge("kabar_archive_articles", "Articles in the archive searched",
                         multiprocess_mode="livemostrecent")
MEMORY_ENTRIES = Gauge("kabar_memory_entries", "Entries in the translation memory", multiprocess_mode="livemostrecent")

# the kinds FETCH_ERRORS carries (anything else is counted as "other")
FETCH_KINDS = frozenset(("dns", "refused-address", "connect", "timeout", "http", "redirects", "too-big", "bad-url",
                         "not-html", "not-feed", "too-complex", "no-article"))

_REQUEST_ID: ContextVar[str | None] = ContextVar("kabar_request_id", default=None)


def request_id() -> str | None:
    """The id of the request being worked on (in its task and in the worker threads it starts), if any."""
    return _REQUEST_ID.get()


def fetch_error(kind: str | None) -> None:
    FETCH_ERRORS.labels(kind=kind if kind in FETCH_KINDS else "other").inc()


def _given_id(scope) -> str | None:
    """The client's X-Request-ID when it is a usable token (letters, digits, ``-_.:``, at most 128), else None."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= MAX_REQUEST_ID and all(c in _ID_CHARS for c in text):
                return text
            return None
    return None


class Observed:
    """ASGI middleware (outermost): request id, access event, request metrics. ``routes()`` gives the app's
    routes, read at each request (the Gradio mount is added after the middleware)."""

    def __init__(self, app, *, routes):
        self.app = app
        self.routes = routes

    def template(self, scope, root_path: str = "") -> str:
        """The path template of the route that took the request (Starlette leaves it in ``scope["route"]``; below
        a mount, such as the UI's, the mount's path comes first), else of a route of the path with another method
        (a 405), else ``unmatched``."""
        route = scope.get("route")
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        if path:
            below = scope.get("root_path", "")
            return (below[len(root_path):] if below.startswith(root_path) else "") + path
        for route in _flat(self.routes()):
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED
        return UNMATCHED

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _given_id(scope) or uuid.uuid4().hex
        root_path = scope.get("root_path", "")
        token = _REQUEST_ID.set(rid)
        start = time.perf_counter()
        status = 500  # a request whose app raised before answering was answered 500 by the server
        counted = False
        IN_FLIGHT.inc()

        def count() -> None:
            nonlocal counted
            counted = True
            IN_FLIGHT.dec()
            took = time.perf_counter() - start
            route = self.template(scope, root_path)
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            LATENCY.labels(route=route, method=method).observe(took)
            if ACCESS.isEnabledFor(logging.INFO):
                ACCESS.info("request", extra={"route": route, "method": method, "status": status,
                                              "duration": round(took, 4)})

        async def observe(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, rid.encode())]}
            elif message["type"] == "http.response.body" and not message.get("more_body") and not counted:
                count()  # before the last byte goes out: a client that asks next sees this request counted
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if not counted:
                count()
            _REQUEST_ID.reset(token)


def _flat(routes):
    """Every route, those of included routers too (FastAPI keeps an included router as one entry; Kabar includes
    its routers without a prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        else:
            yield route


def exposition(service=None) -> tuple[bytes, str]:
    """The metrics page: the gauges of ``service`` read now (queue, archive, memory), then every metric in the text
    format. With ``PROMETHEUS_MULTIPROC_DIR`` set, every process's values are added up (prometheus-client's
    multi-process mode). Reads SQLite: call it from a worker thread."""
    if service is not None:
        QUEUED.set(service.queued)
        WORKING.set(service.working)
        QUEUE_LIMIT.set(service.max_queue)
        if service.memory is not None:
            try:
                MEMORY_ENTRIES.set(len(service.memory))
            except Exception:  # a damaged memory file is reported where it is used, never by the metrics page
                pass
        articles = service.archive_size()
        if articles is not None:
            ARCHIVE_ARTICLES.set(articles)
    registry = REGISTRY
    if os.environ.get(ENV_MULTIPROC):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST
