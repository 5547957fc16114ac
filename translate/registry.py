"""The single source of engine choices, and :func:`load_translator` which builds one."""
from __future__ import annotations

import importlib
from pathlib import Path

from news import config
from news.errors import ConfigError, EngineError, KabarError, choices_error
from translate.base import Translator, TranslatorInfo
from translate.models import resolve_model

# name -> "module:Class"; imported lazily so that choosing one engine never needs the other's packages.
ENGINES = {
    "ct2": "translate.engines.ct2:CT2Translator",
    "transformers": "translate.engines.hf:HFTranslator",
}
DEVICES = ("auto", "cpu", "cuda")


def load_translator(model: str | None = None, engine: str | None = None, *, device: str | None = None,
                    beam_size: int = config.DEFAULT_BEAM_SIZE, compute_type: str | None = None,
                    cache_dir: Path | None = None, src_lang: str = "id", lazy: bool = False, **options) -> Translator:
    """Load a translator: ``model`` and ``engine`` resolved as argument > ``KABAR_*`` env > default.

    With ``lazy``, the model is found and checked now but loaded on the first :meth:`translate` call
    (a run whose sentences are all in the cache never loads it); ``info`` is the same either way.

    Raises:
        ConfigError: unknown engine or device.
        ModelNotAvailableError: the model is neither local nor downloadable.
    """
    engine = config.engine_name(engine)
    if engine not in ENGINES:
        raise choices_error("engine", engine, ENGINES)
    device = config.device_name(device)
    if device not in DEVICES:
        raise choices_error("device", device, DEVICES)
    resolved = resolve_model(config.model_ref(model))
    module_name, class_name = ENGINES[engine].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if engine == "ct2":
        options["cache_dir"] = cache_dir
    elif options.pop("vmap", None) is not None:
        raise ConfigError("--vmap (a vocabulary shortlist) works with --engine ct2 only.")
    beam_size = config.positive_int("beam size", beam_size)

    def build() -> Translator:
        return cls(resolved, beam_size=beam_size, device=device, compute_type=compute_type, src_lang=src_lang,
                   **options)

    if not lazy:
        return build()
    return LazyTranslator(cls.describe(resolved, beam_size=beam_size, device=device, compute_type=compute_type,
                                       src_lang=src_lang, **options), build)


class LazyTranslator:
    """A translator whose model is loaded on the first :meth:`translate` call (thread-safe, once)."""

    def __init__(self, info: TranslatorInfo, build):
        import threading

        self.info = info
        self._build = build
        self._inner: Translator | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the model has been loaded."""
        return self._inner is not None

    def load(self) -> Translator:
        """Load the model now (a failure is an :class:`EngineError` naming the model)."""
        with self._lock:
            if self._inner is None:
                try:
                    inner = self._build()
                except KabarError:
                    raise
                except Exception as exc:
                    raise EngineError(f"Could not load {self.info.model!r} with the {self.info.engine} engine: "
                                      f"{exc}") from exc
                if inner.info != self.info:  # the plan and the engine must agree, or the cache keys would lie
                    raise EngineError(f"Engine reports {inner.info}, expected {self.info}")
                self._inner = inner
            return self._inner

    def translate(self, sentences):
        """Translate with the loaded model (loading it first if needed)."""
        return self.load().translate(sentences)

    def translate_without_loops(self, sentences):
        """Loop-free decoding with the loaded model (see the engines' method of that name)."""
        return self.load().translate_without_loops(sentences)

    def __getattr__(self, name):  # engine attributes (tokenizer, segments_translated …) once loaded
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.load(), name)
