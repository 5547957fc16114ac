"""The single source of engine choices, and :func:`load_translator` which builds one."""
from __future__ import annotations

import importlib
from pathlib import Path

from news import config
from news.errors import ConfigError, choices_error
from translate.base import Translator
from translate.models import resolve_model

# name -> "module:Class"; imported lazily so that choosing one engine never needs the other's packages.
ENGINES = {
    "ct2": "translate.engines.ct2:CT2Translator",
    "transformers": "translate.engines.hf:HFTranslator",
}
DEVICES = ("auto", "cpu", "cuda")


def load_translator(model: str | None = None, engine: str | None = None, *, device: str | None = None,
                    beam_size: int = config.DEFAULT_BEAM_SIZE, compute_type: str | None = None,
                    cache_dir: Path | None = None, src_lang: str = "id", **options) -> Translator:
    """Load a translator: ``model`` and ``engine`` resolved as argument > ``KABAR_*`` env > default.

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
    return cls(resolved, beam_size=config.positive_int("beam size", beam_size), device=device,
               compute_type=compute_type, src_lang=src_lang, **options)
