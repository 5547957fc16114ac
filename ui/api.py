"""Kabar's own REST routes: ``/api/process``, ``/api/translate``, ``/api/summarize``, ``/health``."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kabar.pipeline import SOURCE_LANGS
from kabar.search import DEFAULT_MODE, MAX_LIMIT, MAX_OUTLET_CHARS, MAX_QUERY_CHARS, MODES
from news.read import replace_surrogates
from summarize import SUMMARIZERS
from ui.service import KabarService


class ErrorResponse(BaseModel):
    """Every error body: one readable message, plus details for invalid fields."""

    error: str
    detail: list | None = None
    limit_bytes: int | None = None


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """A LibreTranslate-style error body: ``{"error": message}`` (a client's value echoed in it may hold lone
    surrogates, which JSON cannot carry: they become U+FFFD)."""
    return JSONResponse({"error": replace_surrogates(message)}, status_code=status, headers=headers)


def unsupported_pair(source: str, target: str) -> str | None:
    """LibreTranslate's message for a language pair Kabar does not translate, or None."""
    if target != "en":
        return f"{target[:40]} is not supported"
    if source not in SOURCE_LANGS:
        return f"{source[:40]} is not supported"
    return None


RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
ERRORS = {
    400: {"model": ErrorResponse, "description": "Invalid request or an article that cannot be processed"},
    403: {"model": ErrorResponse, "description": "Missing or wrong API key (only when keys are configured)"},
    413: {"model": ErrorResponse, "description": "Text or body over the server's limit"},
    504: {"model": ErrorResponse, "description": "The work ran past the server's deadline"},
    503: {"model": ErrorResponse, "description": "Work queue full: retry after Retry-After seconds",
          "headers": RETRY_AFTER},
}


SummarizerName = Literal[tuple(SUMMARIZERS)]  # the registry is the one list (summarize.SUMMARIZERS)


MAX_REQUEST_TERMS = 500


class ReadyResponse(BaseModel):
    ready: bool
    queued: int = Field(description="requests waiting for the model now")
    max_queue: int = Field(description="requests that may wait before new ones are refused")
    reason: str | None = Field(None, description="why the server is not ready (503)")


class GlossaryTerm(BaseModel):
    """One glossary entry: where ``source`` occurs in an Indonesian sentence, the English uses ``target``."""

    model_config = ConfigDict(strict=True)

    source: str = Field(..., min_length=1, max_length=120, description="the Indonesian term")
    target: str = Field(..., min_length=1, max_length=120, description="the English term")
    note: str | None = Field(None, max_length=300)


class CorrectionRequest(BaseModel):
    """An editor's English for one Indonesian sentence, remembered by the translation memory."""

    model_config = ConfigDict(strict=True)

    source: str = Field(..., min_length=1, max_length=2000, description="the Indonesian sentence, as Kabar split it")
    english: str = Field(..., min_length=1, max_length=4000, description="the English to use from now on")
    machine: str | None = Field(None, max_length=4000, description="the machine translation it replaces")
    editor: str | None = Field(None, max_length=100, description="who made the correction")


class CorrectionEntry(BaseModel):
    """One entry of the translation memory (``source`` and ``english``, the names a correction is sent with)."""

    source: str
    english: str
    target: str = Field(description="the same as english (its name before; kept for one release)")
    machine: str | None
    editor: str | None
    origin: str
    created: str
    updated: str
    note: str | None = None


class CorrectionsPage(BaseModel):
    """A page of the translation memory, oldest first."""

    total: int
    entries: list[CorrectionEntry]
    next: str | None = Field(None, description="pass as 'after' for the next page (None on the last page); cheaper "
                                               "than an offset however deep the page")


class ProcessRequest(BaseModel):
    """An article to clean, translate and summarize."""

    model_config = ConfigDict(strict=True)  # no silent coercion (true is not 1)

    text: str | None = Field(None, pattern=r"\S", description="the article, paragraphs on separate lines (not blank)")
    url: str | None = Field(None, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://\S", max_length=2048,
                            description="or: the http(s) address of an article page, fetched by the server (public "
                                        "addresses only unless the operator allowed private ones)")
    title: str | None = None
    sentences: int | str | None = Field(None, description='summary length: "auto" (the learned length), a number '
                                                          'of sentences or a share such as "20%" (default: the server\'s)')
    summarizer: SummarizerName | None = Field(None, description="how summary sentences are chosen (default: the "
                                                               "server's, learned unless it was started otherwise)")
    glossary: list[GlossaryTerm] | None = Field(None, max_length=MAX_REQUEST_TERMS,
                                                description="terms the English must use, for this request (instead "
                                                            "of the server's glossary); [] for none")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.text is None) == (self.url is None):
            raise ValueError("send exactly one of 'text' (the article) and 'url' (its address)")
        return self


class TranslateRequest(BaseModel):
    """Text to translate, Indonesian to English: one string or a list."""

    model_config = ConfigDict(strict=True)  # no silent coercion (true is not 1)

    text: str | list[str]


class SummarizeRequest(BaseModel):
    """Text to summarize in its own language."""

    model_config = ConfigDict(strict=True)  # no silent coercion (true is not 1)

    text: str
    sentences: int | str = Field("auto", description='"auto" (the learned length), a number of sentences (1-50) '
                                                      'or a share of the article such as "20%"')
    summarizer: SummarizerName | None = Field(None, description="learned (IndoSum model), textrank or lead "
                                                               "(default: the server's)")


class ProcessResponse(BaseModel):
    """Everything the pipeline made of the article."""

    status: str
    lang: str | None
    lang_confidence: float
    title: str | None = Field(description="the headline in English (translated; an English article's own; else a "
                                          "short form of the first sentence)")
    title_source: str | None = Field(None, description="the headline as the article gave it")
    title_origin: str | None = Field(None, description="machine, human (the translation memory), source or lead")
    outlet: str | None = None
    date: str | None
    dateline: str | None
    url: str | None = None
    author: str | None = None
    paragraphs: list[str]
    paragraphs_en: list[str]
    sentences: list[str]
    translation: list[str]
    summary_src: list[str]
    summary_en: list[str]
    quality: list[float | None]
    flagged: list[int]
    checks: list[list[dict]] = Field(default_factory=list, description="per sentence: the translation checks' flags "
                                                                         "({check, reason}), glossary ones included")
    origin: list[str] = Field(default_factory=list, description='per sentence: "machine", "human" (the translation '
                                                                'memory) or "source" (passed through)')
    terms: list[list[dict]] = Field(default_factory=list, description="per sentence: glossary terms placed "
                                                                       "({term, english, how})")
    removed: list[dict]
    errors: list[str]
    model: str | None
    engine: str | None
    timings: dict


class TranslateResponse(BaseModel):
    """Translations, in the shape of the request (string or list)."""

    translation: str | list[str]


class SummarizeResponse(BaseModel):
    """The chosen sentences in document order, and their indices."""

    lang: str
    summary: list[str]
    indices: list[int]


class SearchHit(BaseModel):
    """One article found in the archive (the best-ranked report of its story)."""

    id: str
    title: str | None = Field(description="the headline in English")
    title_source: str | None = Field(None, description="the headline as the article gave it, where it differs")
    score: float = Field(description="hybrid: fused reciprocal rank; keyword: BM25; embedding: cosine")
    date: str | None
    outlet: str | None
    url: str | None
    lang: str | None
    sentence: str = Field(description="the matching sentence, in English")
    sentence_src: str | None = Field(description="the same sentence in the article's language (translated articles)")
    highlight: str = Field(description="sentence as HTML: escaped, the query's words in <mark>")
    highlight_src: str | None
    keyword_rank: int | None
    embedding_rank: int | None
    similarity: float | None
    story: int
    reports: int = Field(description="articles reporting the same story (this one included)")
    outlets: list[str]
    also: list[str] = Field(description="ids of the story's other reports")


class SearchResponse(BaseModel):
    """The articles that answer a query, best first."""

    query: str
    mode: str
    archive_articles: int
    results: list[SearchHit]


def unknown_params(request: Request, known: tuple[str, ...]) -> None:
    """400 for a query parameter the route does not take (a misspelt filter must not be silently ignored)."""
    wrong = [name for name in request.query_params if name not in known]
    if wrong:
        raise HTTPException(status_code=400, detail=f"Invalid request: unknown query parameter "
                                                    f"{', '.join(repr(w[:40]) for w in wrong[:5])}; this route takes "
                                                    f"{', '.join(k for k in known if k not in ('date_from', 'date_to'))}")


def build_router(service: KabarService) -> APIRouter:
    """Routes under ``/api`` plus ``/health``."""
    router = APIRouter()

    def key_of(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        return request.headers.get("x-api-key") or (auth[7:] if auth.lower().startswith("bearer ") else None)

    def require_key(request: Request) -> None:
        if not service.key_ok(key_of(request)):
            raise HTTPException(status_code=403, detail="Invalid API key: pass it as X-API-Key or Bearer token")

    def require_memory_access(request: Request) -> None:
        require_key(request)
        service.require_memory_access()  # MemoryClosed: 403 with the reason

    @router.get("/health", tags=["service"], summary="Liveness and model facts")
    async def health():
        return {"status": "ok", **service.info()}

    @router.get("/ready", tags=["service"], summary="Readiness: 200 while the server takes new work, else 503",
                responses={503: {"description": "The model is loading, or the work queue is full",
                                 "model": ReadyResponse}}, response_model=ReadyResponse)
    async def ready():
        body = {"ready": not service.saturated, "queued": service.queued, "max_queue": service.max_queue}
        if service.saturated:
            return JSONResponse({**body, "reason": "the work queue is full"}, status_code=503,
                                headers={"Retry-After": "5"})
        return body

    @router.post("/api/process", response_model=ProcessResponse, tags=["kabar"], dependencies=[Depends(require_key)],
                 responses=ERRORS,
                 summary="Clean, translate and summarize one article")
    async def process(body: ProcessRequest):
        glossary = None
        if body.glossary is not None:
            from translate.glossary import glossary_from_pairs

            glossary = glossary_from_pairs([t.model_dump() for t in body.glossary], name="request glossary")
        if body.url is not None:
            result = await service.run(service.process_url, body.url, route="api/process",
                                       summary_length=body.sentences, summarizer=body.summarizer, glossary=glossary)
        else:
            result = await service.run(service.process, body.text, title=body.title, route="api/process",
                                       summary_length=body.sentences, summarizer=body.summarizer, glossary=glossary)
        if result.status == "error":
            raise HTTPException(status_code=400, detail="; ".join(result.errors) or "unprocessable article")
        en = result.paragraphs(result.translation) if result.translation else []
        return ProcessResponse(status=result.status, lang=result.lang, lang_confidence=result.lang_confidence,
                               title=result.title, title_source=result.title_source,
                               title_origin=result.title_origin, outlet=result.outlet, date=result.date, dateline=result.dateline, url=result.url,
                               author=result.author,
                               paragraphs=result.paragraphs(), paragraphs_en=en, sentences=list(result.sentences),
                               translation=list(result.translation), summary_src=list(result.summary_src),
                               summary_en=list(result.summary_en), quality=list(result.quality),
                               flagged=list(result.flagged), checks=[list(c) for c in result.checks],
                               origin=list(result.origin), terms=[list(t) for t in result.terms],
                               removed=[r.__dict__ for r in result.removed],
                               errors=list(result.errors), model=result.model, engine=result.engine,
                               timings=result.timings)

    @router.post("/api/translate", response_model=TranslateResponse, tags=["kabar"],
                 dependencies=[Depends(require_key)], responses=ERRORS, summary="Translate Indonesian text to English")
    async def translate(body: TranslateRequest):
        texts = body.text if isinstance(body.text, list) else [body.text]
        out = await service.run(service.translate_texts, texts, route="api/translate")
        return TranslateResponse(translation=out if isinstance(body.text, list) else out[0])

    @router.post("/api/summarize", response_model=SummarizeResponse, tags=["kabar"],
                 dependencies=[Depends(require_key)], responses=ERRORS,
                 summary="Extractive summary in the text's own language")
    async def summarize(body: SummarizeRequest):
        return SummarizeResponse(**await service.run(service.summarize, body.text, sentences=body.sentences,
                                                     summarizer=body.summarizer))

    @router.post("/api/corrections", response_model=CorrectionEntry, tags=["kabar"],
                 dependencies=[Depends(require_memory_access)], responses=ERRORS,
                 summary="Remember an editor's English for one sentence (the next run uses it, marked human; "
                         "only on a server started with --suggestions)")
    async def add_correction(body: CorrectionRequest, request: Request):
        # with API keys, the editor recorded is the name of the key used, not what the client says
        editor = service.editor(key=key_of(request), given=body.editor) if service.api_keys else body.editor
        entry = await service.run(service.correct, body.source, body.english, machine=body.machine, editor=editor)
        return CorrectionEntry(**entry.to_dict(), english=entry.target)

    @router.get("/api/corrections", response_model=CorrectionsPage, tags=["kabar"],
                dependencies=[Depends(require_memory_access)], responses=ERRORS,
                summary="The translation memory, oldest first, a page at a time (only on a server started with "
                        "--suggestions)")
    async def list_corrections(request: Request, offset: int = Query(0, ge=0, le=10_000_000),
                               limit: int = Query(100, ge=1, le=500),
                               after: str | None = Query(None, max_length=1000, pattern=r"^[A-Za-z0-9_-]+$",
                                                         description="the 'next' of the previous page")):
        unknown_params(request, ("offset", "limit", "after", "api_key"))
        total, entries, cursor = await service.run(service.corrections, offset, limit, after)
        return CorrectionsPage(total=total, entries=[CorrectionEntry(**e.to_dict(), english=e.target) for e in entries],
                               next=cursor)

    @router.get("/api/quality", tags=["kabar"], dependencies=[Depends(require_memory_access)], responses=ERRORS,
                summary="Quality from the editors' corrections over a period: share corrected, HTER, chrF, each "
                        "warning's precision and recall, QE vs HTER (as kabar eval postedits --json; the newest "
                        "5,000 sentences of the period; only on a server started with --suggestions)")
    async def quality(request: Request,
                      date_from: str | None = Query(None, alias="from", max_length=40, description="YYYY-MM-DD"),
                      date_to: str | None = Query(None, alias="to", max_length=40, description="YYYY-MM-DD")):
        unknown_params(request, ("from", "to", "api_key"))
        return await service.run(service.quality, date_from, date_to)

    @router.get("/feed.xml", tags=["kabar"], dependencies=[Depends(require_key)],
                responses={404: {"model": ErrorResponse, "description": "The server has no archive folder, or it has "
                                                                       "no feed yet"}},
                summary="The English edition of the --archive folder as an Atom feed (feed.xml of kabar run/watch)")
    async def feed():
        from fastapi.responses import Response

        from kabar.feed import FEED

        folder = service.archive_dir
        if folder is None:
            raise HTTPException(status_code=404, detail="This server has no edition: start it with kabar serve "
                                                        "--archive DIR, DIR being the output folder of kabar run or "
                                                        "kabar watch.")
        path = (folder.parent if folder.suffix == ".sqlite" else folder) / FEED
        from starlette.concurrency import run_in_threadpool

        try:
            data = await run_in_threadpool(path.read_bytes)  # up to a few MB: off the event loop
        except OSError:
            raise HTTPException(status_code=404, detail="No feed yet: kabar run or kabar watch writes feed.xml into "
                                                        "the archive folder when it finishes.") from None
        return Response(data, media_type="application/atom+xml")

    search_params = ("q", "mode", "limit", "from", "to", "outlet", "undated", "all_reports", "api_key",
                     "date_from", "date_to")  # the last two: the names before from/to, still read

    @router.get("/api/search", response_model=SearchResponse, tags=["kabar"], dependencies=[Depends(require_key)],
                responses=ERRORS | {404: {"model": ErrorResponse, "description": "The server has no archive"}},
                summary="Search the archive (keywords and meaning; English or Indonesian), one hit a story")
    async def search_archive(
            request: Request,
            q: str = Query(..., max_length=MAX_QUERY_CHARS * 2, description="the words to look for"),
            mode: Literal[MODES] = Query(DEFAULT_MODE),
            limit: int = Query(10, ge=1, le=MAX_LIMIT),
            date_from: str | None = Query(None, alias="from", max_length=10,
                                          description="YYYY-MM-DD: dated on or after (as kabar search --from)"),
            date_to: str | None = Query(None, alias="to", max_length=10,
                                        description="YYYY-MM-DD: dated on or before (as kabar search --to)"),
            outlet: str | None = Query(None, max_length=MAX_OUTLET_CHARS * 2),
            undated: bool = Query(False, description="with from/to, also the articles that have no date"),
            all_reports: bool = Query(False, description="every report of a story, not only its best-ranked"),
            old_from: str | None = Query(None, alias="date_from", max_length=10, include_in_schema=False),
            old_to: str | None = Query(None, alias="date_to", max_length=10, include_in_schema=False)):
        unknown_params(request, search_params)
        hits, total = await service.run(service.search, q, mode=mode, limit=limit, date_from=date_from or old_from,
                                        date_to=date_to or old_to, outlet=outlet, group=not all_reports,
                                        undated=undated)
        return SearchResponse(query=" ".join(q.split()), mode=mode, archive_articles=total,
                              results=[SearchHit(**h.to_dict()) for h in hits])

    return router
