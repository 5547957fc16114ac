"""LibreTranslate-compatible routes (``/translate``, ``/detect``, ``/languages``) so existing clients work.

Field names and error bodies follow LibreTranslate's API: ``q``, ``source``, ``target``, ``format``,
``api_key`` in, ``translatedText`` / ``detectedLanguage`` out, ``{"error": "..."}`` on failure.
Bodies may be JSON or form-encoded, as LibreTranslate accepts both.
"""
from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from news.read import replace_surrogates
from ui.api import RETRY_AFTER, ErrorResponse, unsupported_pair
from ui.api import error_response as error
from ui.files import FILE_FORMATS, download_file, translate_file
from ui.markup import html_translate, sanitize_html
from ui.service import Busy, KabarService, TooLarge

LANGUAGES = [{"code": "en", "name": "English", "targets": []},
             {"code": "id", "name": "Indonesian", "targets": ["en"]}]
MAX_ALTERNATIVES = 5


class TranslateBody(BaseModel):
    """LibreTranslate's /translate fields (JSON or form-encoded)."""

    q: str | list[str] = Field(..., min_length=1, description="text, or a list of texts")
    source: Literal["auto", "id", "en"]
    target: Literal["en"]
    format: Literal["text", "html"] = "text"
    alternatives: int = Field(0, ge=0, le=MAX_ALTERNATIVES, description="alternative translations to add")
    api_key: str | None = None


class SuggestBody(BaseModel):
    """LibreTranslate's /suggest fields: the original text and the suggested translation."""

    q: str = Field(..., min_length=1, description="the original (Indonesian) text")
    s: str = Field(..., min_length=1, description="the suggested English")
    source: Literal["auto", "id"]
    target: Literal["en"]
    api_key: str | None = None


class DetectBody(BaseModel):
    """LibreTranslate's /detect fields."""

    q: str = Field(..., min_length=1)
    api_key: str | None = None


class Detected(BaseModel):
    confidence: float
    language: str


class TranslateReply(BaseModel):
    translatedText: str | list[str]  # noqa: N815 - LibreTranslate's field name
    alternatives: list[str] | list[list[str]] | None = None
    detectedLanguage: Detected | list[Detected] | None = None  # noqa: N815


class Language(BaseModel):
    code: str
    name: str
    targets: list[str]


def _body(model: type[BaseModel]) -> dict:
    """An OpenAPI requestBody for a route that reads JSON or a form itself."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema},
                                                          "application/x-www-form-urlencoded": {"schema": schema}}}}


FIELD_TYPES = {"q": lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(t, str) for t in v)),
               "source": lambda v: isinstance(v, str), "target": lambda v: isinstance(v, str),
               "format": lambda v: isinstance(v, str), "api_key": lambda v: isinstance(v, str),
               "s": lambda v: isinstance(v, str),
               "alternatives": lambda v: (isinstance(v, int) and not isinstance(v, bool))
               or (isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 4)}  # not "²", not 5,000 digits
_ERR = {"model": ErrorResponse}
TRANSLATE_RESPONSES = {200: {"model": TranslateReply}, 400: _ERR, 403: _ERR, 413: _ERR,
                       429: {"model": ErrorResponse, "description": "Busy: retry later", "headers": RETRY_AFTER}}
DETECT_RESPONSES = {200: {"model": list[Detected]}, 400: _ERR, 403: _ERR, 413: _ERR}


async def read_body(request: Request) -> dict:
    """The request's fields from the query string, then JSON or a form on top (as LibreTranslate reads them:
    some clients, deep-translator's among them, send ``q``, ``source`` and ``target`` in the query string)."""
    fields: dict = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if "application/json" in kind:
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):  # broken, or nested deeper than the parser's stack
            return fields
        return fields | data if isinstance(data, dict) else fields
    form = await request.form()
    return fields | {k: form.get(k) for k in form.keys()}


def _key_of(request: Request, body: dict) -> str | None:
    key = body.get("api_key")
    return key if isinstance(key, str) and key else request.headers.get("x-api-key")


def _bad_field_types(body: dict) -> JSONResponse | None:
    wrong = [name for name, value in body.items() if name in FIELD_TYPES
             and not (FIELD_TYPES[name](value) or (value is None and name == "api_key"))]
    if wrong:
        return error(400, "Invalid request: wrong type for " + ", ".join(sorted(wrong))
                     + " (q: string or list of strings; source, target, format, api_key: strings)")
    return None


async def _checked_body(service: KabarService, request: Request) -> tuple[dict, JSONResponse | None]:
    """The request's fields, or the error answer for wrong field types or a wrong key."""
    body = await read_body(request)
    if bad := _bad_field_types(body):
        return body, bad
    if not service.key_ok(_key_of(request, body)):
        return body, error(403, "Invalid API key")
    return body, None


def _detected(guess) -> dict:
    return {"confidence": round(100 * guess.confidence, 1), "language": guess.lang}


def _translate_errors(body: dict) -> JSONResponse | None:
    """LibreTranslate's own 400 answers for missing or unsupported fields, in its order."""
    q, source, target = body.get("q"), body.get("source"), body.get("target")
    fmt = body.get("format", "text")
    if q is None or q == "" or q == []:
        return error(400, "Invalid request: missing q parameter")
    if not source:
        return error(400, "Invalid request: missing source parameter")
    if not target:
        return error(400, "Invalid request: missing target parameter")
    if not all(isinstance(t, str) for t in (q if isinstance(q, list) else [q])):
        return error(400, "Invalid request: q must be a string or a list of strings")
    if unsupported := unsupported_pair(source, target):
        return error(400, unsupported)
    if fmt not in ("text", "html"):
        return error(400, f"{fmt[:40]} format is not supported")
    if not 0 <= int(body.get("alternatives") or 0) <= MAX_ALTERNATIVES:
        return error(400, f"Invalid request: alternatives must be 0 to {MAX_ALTERNATIVES}")
    return None


async def suggest(service: KabarService, request: Request):
    """``POST /suggest``: LibreTranslate's suggestion, stored in the translation memory as the English of the whole
    text ``q`` (and so of that sentence, when ``q`` is one sentence), when the server was started with
    ``--suggestions``."""
    from translate.memory import CorrectionError

    body, bad = await _checked_body(service, request)
    if bad:
        return bad
    if not service.suggestions or service.memory is None:
        return error(403, "Suggestions are disabled on this server.")
    for name in ("q", "s", "source", "target"):
        value = body.get(name)
        if not value or not isinstance(value, str):
            return error(400, f"Invalid request: missing {name} parameter")
    if body["target"] != "en" or body["source"] not in ("auto", "id"):
        return error(400, f"{(body['source'] if body['target'] == 'en' else body['target'])[:40]} is not supported")
    try:
        service.check_size(body["q"], body["s"])
        editor = service.editor(key=_key_of(request, body)) if service.api_keys else None  # the key's name
        await service.run(service.correct, body["q"], body["s"], origin="suggestion", editor=editor)
    except TooLarge as exc:
        return error(413, str(exc))
    except CorrectionError as exc:
        return error(400, f"Invalid request: {exc}")
    return {"success": True}


async def detect_text(service: KabarService, request: Request):
    """``POST /detect``."""
    body, bad = await _checked_body(service, request)
    if bad:
        return bad
    q = body.get("q")
    if not q or not isinstance(q, str):
        return error(400, "Invalid request: missing q parameter")
    try:
        guesses = await service.run(service.detect_many, [q])
    except TooLarge as exc:
        return error(413, str(exc))
    return [_detected(guesses[0])]


async def translate_text(service: KabarService, request: Request):
    """``POST /translate``: text or a list, plain or HTML; English input comes back as it was."""
    body, bad = await _checked_body(service, request)
    if bad or (bad := _translate_errors(body)):
        return bad
    q, source = body["q"], body["source"]
    batch = isinstance(q, list)
    texts = [replace_surrogates(t) for t in (q if batch else [q])]
    try:
        service.check_size(*texts)
        detected = await service.run(service.detect_many, texts) if source == "auto" else None
        langs = [d.lang for d in detected] if detected else [source] * len(texts)
        todo = [i for i, lang in enumerate(langs) if lang != "en"]
        html = body.get("format") == "html"
        outs = [sanitize_html(t) for t in texts] if html else list(texts)  # English passes through, but sanitised
        if todo:
            fn = html_translate if html else (lambda s, t: s.translate_texts(t))
            for i, text in zip(todo, await service.run(fn, service, [texts[i] for i in todo])):
                outs[i] = text
    except TooLarge as exc:
        return error(413, str(exc))
    except Busy as exc:
        return error(429, "Slowdown: " + str(exc), headers={"Retry-After": str(exc.retry_after)})
    response: dict = {"translatedText": outs if batch else outs[0]}
    wanted = int(body.get("alternatives") or 0)  # checked by _translate_errors
    if wanted and body.get("format") != "html":
        alts = [[] for _ in texts]
        if todo:
            try:
                found = await service.run(service.alternatives, [texts[i] for i in todo], wanted)
            except Busy as exc:
                return error(429, "Slowdown: " + str(exc), headers={"Retry-After": str(exc.retry_after)})
            for i, options in zip(todo, found):
                alts[i] = options
        response["alternatives"] = alts if batch else alts[0]
    if detected:
        info = [_detected(d) for d in detected]
        response["detectedLanguage"] = info if batch else info[0]
    return response


def build_router(service: KabarService) -> APIRouter:
    """Routes for LibreTranslate clients."""
    router = APIRouter(tags=["LibreTranslate-compatible"])

    @router.get("/languages", summary="Supported languages", response_model=list[Language])
    async def languages():
        return LANGUAGES

    @router.get("/frontend/settings", summary="Server settings, as LibreTranslate's clients read them")
    async def frontend_settings():
        return {"charLimit": service.max_chars, "frontendTimeout": 500, "apiKeys": bool(service.api_keys),
                "keyRequired": bool(service.api_keys), "suggestions": service.suggestions, "supportedFilesFormat": list(FILE_FORMATS),
                "language": {"source": {"code": "auto", "name": "Auto Detect"},
                             "target": {"code": "en", "name": "English"}}}

    @router.post("/translate_file", summary="Translate a .txt, .md or .html file (Indonesian → English)",
                 responses={200: {"description": "{translatedFileUrl}"}, 400: _ERR, 403: _ERR, 413: _ERR},
                 openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["file", "source", "target"],
                     "properties": {"file": {"type": "string", "format": "binary"}, "source": {"type": "string"},
                                    "target": {"type": "string"}, "api_key": {"type": "string"}}}}}}})
    async def translate_file_route(request: Request):
        return await translate_file(service, request)

    @router.get("/download_file/{name}", summary="Download a translated file", responses={404: _ERR})
    async def download_file_route(name: str):
        return await download_file(service, name)

    @router.post("/detect", summary="Detect the language of text", responses=DETECT_RESPONSES,
                 openapi_extra=_body(DetectBody))
    async def detect_route(request: Request):
        return await detect_text(service, request)

    @router.post("/translate", summary="Translate text (Indonesian → English)", responses=TRANSLATE_RESPONSES,
                 openapi_extra=_body(TranslateBody))
    async def translate_route(request: Request):
        return await translate_text(service, request)

    @router.post("/suggest", summary="Suggest a better translation (into the translation memory)",
                 responses={200: {"description": '{"success": true}'}, 400: _ERR, 403: _ERR, 413: _ERR},
                 openapi_extra=_body(SuggestBody))
    async def suggest_route(request: Request):
        return await suggest(service, request)

    return router
