"""``create_app``: one FastAPI app with the REST routes, the LibreTranslate routes and the Gradio UI."""
from __future__ import annotations

import json
import os

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from kabar import __version__
from news.errors import KabarError
from translate.budget import BudgetExceeded, WorkCancelled
from ui import api, libretranslate
from ui.limits import DEFAULT_MAX_IN_FLIGHT, BodyLimit, InFlightLimit, SameOriginForms
from ui.metrics import Observed, exposition
from ui.service import Busy, DeadlineExceeded, KabarService, MemoryClosed, NoArchive, TooLarge

UI_PATH = "/ui"
ENV_ALLOWED_ORIGINS = "KABAR_ALLOWED_ORIGINS"  # web origins allowed to post forms here (comma-separated, or *)
# UI uploads: per request, checked as the body arrives (a clean 413, never a reset); Gradio checks each file too.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# what the patterns of api.ProcessRequest mean, said in words in a 400 (the regex stays in the OpenAPI spec)
PATTERN_MESSAGES = {"text": "is blank: send the article's text (or its address as 'url')",
                    "url": "must be an http:// or https:// address"}
BODY_OVERHEAD = 64 * 1024  # JSON/form framing allowed on top of the text limit (4 bytes a character)


def create_app(service: KabarService, *, with_ui: bool = True, max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
               metrics: bool = False, metrics_key: str | None = None) -> FastAPI:
    """Build the server app around ``service``; at most ``max_in_flight`` requests are worked on at once.

    ``metrics`` (or a ``metrics_key``) serves Prometheus metrics at /metrics: behind ``metrics_key`` as a bearer
    token when one is given, else behind the API keys when the server has some, else open."""
    # FastAPIOffline serves Swagger UI from files in its package: /docs works with no internet. ReDoc is off:
    # its bundle still fetches a logo from a CDN.
    app = FastAPIOffline(redoc_url=None, title="Kabar", version=__version__,
                  description="Indonesian news in, English translations and summaries out. "
                              "LibreTranslate-compatible routes: /translate, /detect, /languages.")

    def body_limit(path: str) -> int:
        """One limit for every route, Gradio's included: uploads up to MAX_UPLOAD_BYTES, anything else the text
        limit (a Gradio call carries at most one pasted article; files travel through the upload route)."""
        if path.startswith(UI_PATH) and path.endswith("/upload"):
            return MAX_UPLOAD_BYTES + BODY_OVERHEAD
        return service.max_chars * 4 + BODY_OVERHEAD

    app.add_middleware(BodyLimit, limit=body_limit)
    origins = tuple(o.strip() for o in os.environ.get(ENV_ALLOWED_ORIGINS, "").split(",") if o.strip())
    app.add_middleware(SameOriginForms, allowed=origins)
    app.add_middleware(InFlightLimit, limit=max_in_flight)  # outermost: counted before the body is read

    # Kabar's errors and their statuses: the most specific class first (every one is a KabarError, 400 otherwise)
    statuses = ((TooLarge, 413), (BudgetExceeded, 413), (DeadlineExceeded, 504), (WorkCancelled, 504),
                (MemoryClosed, 403), (NoArchive, 404), (Busy, 503))

    async def kabar_error(request: Request, exc: KabarError):
        status = next((code for kind, code in statuses if isinstance(exc, kind)), 400)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)

    app.add_exception_handler(KabarError, kabar_error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        headers = exc.headers
        if exc.status_code == 405:  # one path, two routes (GET and POST /api/corrections): Allow names both
            allowed = {m for route in request.app.router.routes if getattr(route, "methods", None)
                       and getattr(route, "path_regex", None) and route.path_regex.match(request.url.path)
                       for m in route.methods}
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        kind = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in kind:
            return JSONResponse({"error": f"Unsupported content type {kind or '(none)'!r}: send the body as "
                                          "application/json"}, status_code=415)
        # loc/msg/type only: the rejected input is not echoed back (it may be large, binary or a secret)
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        said = []  # a pattern is for the OpenAPI spec; people get its meaning, not the regex
        for d in detail:
            if d["type"] == "string_pattern_mismatch" and d["loc"][-1:] and d["loc"][-1] in PATTERN_MESSAGES:
                d["msg"] = f"{d['loc'][-1]} {PATTERN_MESSAGES[d['loc'][-1]]}"
                said.append(d["msg"])
        fields = ", ".join(".".join(d["loc"][1:]) or "body" for d in detail)
        whole = said + [d["msg"].removeprefix("Value error, ") for d in detail if len(d["loc"]) <= 1 and d["msg"]]
        message = f"Invalid request: {'; '.join(whole)}" if whole else f"Invalid request: check {fields}"
        return JSONResponse({"error": message, "detail": detail}, status_code=400)

    app.include_router(api.build_router(service))
    app.include_router(libretranslate.build_router(service))
    if metrics or metrics_key:
        _serve_metrics(app, service, (metrics_key,) if metrics_key else service.api_keys)
    _document_errors_as_sent(app)

    if with_ui:
        # Gradio reads its upload folder from here when the app is built: uploads land inside the
        # server's temp folder, the only place callbacks accept file paths from (KabarService.own_file).
        service.upload_dir.mkdir(parents=True, exist_ok=True)
        os.environ["GRADIO_TEMP_DIR"] = str(service.upload_dir)
        import gradio as gr

        from ui.app import CSS, LABEL_UPLOADS_JS, build_app

        @app.get("/", include_in_schema=False)
        async def root():
            return RedirectResponse(UI_PATH)

        # With API keys set, the UI and its API (/ui/gradio_api/...) need a sign-in too: any user name,
        # an API key as the password (gradio_client: Client(url, auth=("kabar", key))).
        auth = service.sign_in if service.api_keys else None
        blocks = build_app(service)
        # Gradio checks that a file a client names was uploaded by a client only once the app "has
        # launched", which a mounted app never does: mark it so, and Gradio refuses any other path before
        # a callback runs (the callbacks check again: KabarService.own_file).
        blocks.has_launched = True
        app = gr.mount_gradio_app(app, blocks, path=UI_PATH, max_file_size=MAX_UPLOAD_BYTES, css=CSS, js=LABEL_UPLOADS_JS,
                                   allowed_paths=[str(service.temp_dir)], auth=auth,
                                   auth_message="Kabar: sign in with any user name and an API key as the password.")
    app.add_middleware(Observed, routes=lambda: app.router.routes)  # ids, metrics and access events
    if with_ui:
        app.add_middleware(GradioAtRoot)  # outermost: the limits, key checks and metrics see the /ui path
    return app


def _serve_metrics(app: FastAPI, service: KabarService, keys: tuple[str, ...]) -> None:
    """GET /metrics in Prometheus's text format, behind ``keys`` (a bearer token, as Prometheus sends it with
    ``authorization: credentials``) when there are any: 401 without one, 403 with a wrong one."""
    import hmac

    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    @app.get("/metrics", include_in_schema=False)
    async def metrics_page(request: Request):
        if keys:
            auth = request.headers.get("authorization", "")
            given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
            if not given:
                return JSONResponse({"error": "The metrics need a key: send it as 'Authorization: Bearer KEY'"},
                                    status_code=401, headers={"WWW-Authenticate": 'Bearer realm="kabar-metrics"'})
            if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
                return JSONResponse({"error": "Invalid metrics key"}, status_code=403)
        body, kind = await run_in_threadpool(exposition, service)
        return Response(body, headers={"Content-Type": kind})


class GradioAtRoot:
    """``gradio_client.Client(url)`` with the address the banner prints (the server's root) works as with
    ``url + "/ui"``: the client reads ``{url}/config`` and signs in at ``{url}/login``; both are answered by
    the UI mounted at /ui, and the config's ``api_prefix`` is made to point below /ui, where the client
    then sends every call. Nothing else at the root is touched."""

    ALIASES = {("GET", "/config"), ("GET", "/config/"), ("POST", "/login"), ("POST", "/login/")}
    MAX_CONFIG_BYTES = 16 * 1024 * 1024  # far above Kabar's config (≈ 100 KB); a bigger one is passed on as is

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or (scope.get("method"), scope.get("path")) not in self.ALIASES:
            await self.app(scope, receive, send)
            return
        path = UI_PATH + scope["path"]
        scope = dict(scope, path=path, raw_path=path.encode())
        if scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def rewrite(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body" or start.get("status") != 200:
                if start and "sent" not in start:
                    start["sent"] = True
                    await send({k: v for k, v in start.items() if k != "sent"})
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if len(body) <= self.MAX_CONFIG_BYTES:
                try:
                    config = json.loads(body)
                    config["api_prefix"] = UI_PATH + "/" + str(config.get("api_prefix", "")).lstrip("/")
                    body = json.dumps(config).encode()
                except (ValueError, AttributeError, TypeError):
                    pass  # not the JSON Gradio sends: passed on unchanged
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


def _document_errors_as_sent(app: FastAPI) -> None:
    """Make the OpenAPI spec say what the server sends: invalid fields give 400 (never 422), and any
    route that takes a body can answer 413 from the body-size limit."""
    build = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        spec = build()
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                responses.pop("422", None)
                if "requestBody" not in operation:
                    continue
                codes = {"400": "Invalid request", "413": "Body over the server's limit"}
                if set(operation["requestBody"].get("content", {})) == {"application/json"}:
                    codes["415"] = "Body not sent as application/json"
                for code, text in codes.items():
                    responses.setdefault(code, {"description": text, "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/ErrorResponse"}}}})
        spec.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        spec.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi
