"""``create_app``: one FastAPI app with the REST routes, the LibreTranslate routes and the Gradio UI."""
from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse

from news.errors import KabarError
from ui import api, libretranslate
from ui.service import Busy, KabarService, TooLarge

UI_PATH = "/ui"
BODY_OVERHEAD = 64 * 1024  # JSON/form framing allowed on top of the text limit (4 bytes a character)


def create_app(service: KabarService, *, with_ui: bool = True) -> FastAPI:
    """Build the server app around ``service``."""
    app = FastAPI(title="Kabar", version="0.1.0",
                  description="Indonesian news in, English translations and summaries out. "
                              "LibreTranslate-compatible routes: /translate, /detect, /languages.")

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        limit = service.max_chars * 4 + BODY_OVERHEAD
        if request.url.path.startswith(UI_PATH):
            return await call_next(request)
        if length and length.isdigit() and int(length) > limit:
            return JSONResponse({"error": f"Request body of {length} bytes exceeds the limit of {limit} bytes "
                                          f"({service.max_chars} characters)."}, status_code=413)
        return await call_next(request)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge):
        return JSONResponse({"error": str(exc)}, status_code=413)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(KabarError)
    async def kabar_error(request: Request, exc: KabarError):
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors())
        return JSONResponse({"error": f"Invalid request: check {fields}", "detail": exc.errors()}, status_code=400)

    app.include_router(api.build_router(service))
    app.include_router(libretranslate.build_router(service))

    if with_ui:
        import gradio as gr

        from ui.app import CSS, build_app

        @app.get("/", include_in_schema=False)
        async def root():
            return RedirectResponse(UI_PATH)

        app = gr.mount_gradio_app(app, build_app(service), path=UI_PATH, max_file_size="10mb", css=CSS)
    return app
