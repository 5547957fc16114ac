"""Build a :class:`~kabar.pipeline.Pipeline` from plain settings, so the CLI and each Ray actor build the same one."""
from __future__ import annotations

from kabar.pipeline import Pipeline
from news import config

#: The option names (``kabar run`` destinations) that shape a pipeline; the rest only steer the run.
SETTINGS = ("model", "engine", "device", "compute_type", "beam_size", "batch_size", "vmap", "no_cache",
            "no_article_cache", "qe", "sentences", "lang", "summarizer", "tm", "no_tm", "glossary", "no_record")


def make_pipeline(settings: dict) -> Pipeline:
    """A pipeline from plain settings (CLI options as a dict); the model loads on the first cache miss."""
    cache_dir = config.cache_dir(settings.get("cache"))
    from news import detect

    detect.use_cache_dir(cache_dir)

    def load():
        from translate.registry import load_translator

        extra = {"vmap": settings["vmap"]} if settings.get("vmap") else {}
        if settings.get("threads"):
            extra["threads"] = settings["threads"]
        if settings.get("batch_size"):
            extra["max_batch_size"] = config.positive_int("--batch-size", settings["batch_size"])
        translator = load_translator(settings.get("model"), settings.get("engine"), device=settings.get("device"),
                                     beam_size=settings.get("beam_size", config.DEFAULT_BEAM_SIZE),
                                     compute_type=settings.get("compute_type"), cache_dir=cache_dir,
                                     lazy=not settings.get("no_cache"), **extra)
        if settings.get("no_cache"):
            return translator
        from translate.cache import SentenceCache
        from translate.cached import CachedTranslator

        return CachedTranslator(translator, SentenceCache(cache_dir / "sentences.sqlite"))

    qe = None
    if settings.get("qe"):
        from eval.qe import EmbeddingQE

        qe = EmbeddingQE()
    articles = None
    if not settings.get("no_cache") and not settings.get("no_article_cache"):
        from kabar.store import ArticleCache

        articles = ArticleCache(cache_dir / "articles.sqlite")
    memory = None
    if not settings.get("no_tm"):
        from translate.memory import TranslationMemory, memory_path

        memory = TranslationMemory(memory_path(settings.get("tm"), cache_dir))
    glossary = None
    if settings.get("glossary"):
        from translate.glossary import load_glossary

        glossary = load_glossary(settings["glossary"])
    from summarize import SUMMARIZERS

    summarizer = SUMMARIZERS[settings.get("summarizer") or config.DEFAULT_SUMMARIZER]()
    return Pipeline(load_translator=load, summary_length=settings.get("sentences"), summarizer=summarizer,
                    source_lang=settings.get("lang") or "auto", qe=qe, article_cache=articles,
                    memory=memory, glossary=glossary, record=memory is not None and not settings.get("no_record"))
