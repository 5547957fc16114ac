"""LibreTranslate's file routes: ``POST /translate_file`` (.txt, .md, .html) and ``GET /download_file/{name}``.

A translated file is kept in the server's temp folder under a random name and handed back as a URL,
as LibreTranslate does (``{"translatedFileUrl": ".../download_file/<id>.<name>"}``). Names are checked
against a strict pattern before any path is built, so a request can only ever reach files written here.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse

from news.read import replace_surrogates
from ui.api import error_response as _error
from ui.api import unsupported_pair
from ui.markup import html_translate, is_document, rebuild_document, sanitize_html
from ui.service import KabarService

FILE_FORMATS = (".txt", ".md", ".html")
_DOWNLOAD = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_.-]{1,120})")


def _folder(service: KabarService) -> Path:
    return service.temp_dir / "translated-files"


def _translate_document(service: KabarService, text: str, suffix: str) -> str:
    """The translated file: HTML keeps its (sanitized) markup, and a whole page its doctype, charset and title
    (translated); text and Markdown are translated line by line."""
    if suffix == ".html":
        if is_document(text):
            return rebuild_document(text, lambda inner: html_translate(service, [inner])[0],
                                    lambda title: service.translate_texts([title], route="translate_file")[0])
        return html_translate(service, [text])[0]
    return service.translate_texts([text], route="translate_file")[0]


def _pass_through(text: str, suffix: str) -> str:
    """An English file served back: HTML sanitized (and a page rebuilt the same way), anything else as sent."""
    if suffix != ".html":
        return text
    if is_document(text):
        return rebuild_document(text, sanitize_html, lambda title: title)
    return sanitize_html(text)


async def translate_file(service: KabarService, request: Request):
    """``POST /translate_file``: multipart ``file``, ``source``, ``target`` (and ``api_key``)."""
    form = await request.form()
    key = form.get("api_key") or request.headers.get("x-api-key")
    if not service.key_ok(key if isinstance(key, str) else None):
        return _error(403, "Invalid API key")
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", None):
        return _error(400, "Invalid request: missing file parameter")
    source, target = form.get("source"), form.get("target")
    if not source:
        return _error(400, "Invalid request: missing source parameter")
    if not target:
        return _error(400, "Invalid request: missing target parameter")
    if unsupported := unsupported_pair(source, target):
        return _error(400, unsupported)
    name = Path(str(upload.filename)).name
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_FORMATS:
        return _error(400, f"{suffix or 'this'} format is not supported; accepted: {', '.join(FILE_FORMATS)}")
    data = await upload.read(service.max_chars * 4 + 1)
    try:
        text = replace_surrogates(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _error(400, f"{name}: not UTF-8 text")
    service.check_size(text)  # TooLarge -> 413
    if source == "en":
        translated = await service.run(_pass_through, text, suffix)  # served back as HTML: never as sent
    else:
        translated = await service.run(_translate_document, service, text, suffix)
    file_id = uuid.uuid4().hex
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120] or f"file{suffix}"
    service.sweeper.maybe_sweep()
    folder = _folder(service)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{file_id}.{safe}").write_text(translated, encoding="utf-8")
    return {"translatedFileUrl": f"{str(request.base_url).rstrip('/')}/download_file/{file_id}.{safe}"}


async def download_file(service: KabarService, name: str):
    """``GET /download_file/{name}``: a file written by :func:`translate_file`, or 404."""
    match = _DOWNLOAD.fullmatch(name)
    path = _folder(service) / name if match else None
    if path is None or path.is_symlink() or not path.is_file():  # a link could point anywhere: never follow one
        return _error(404, "No such translated file")
    return FileResponse(path, filename=match.group(2))
