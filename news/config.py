"""Settings resolved in one place: explicit argument, then a ``KABAR_*`` environment variable, then a default.

Importing this module reads no file and creates no folder; the functions below only compute values.
"""
from __future__ import annotations

import os
from pathlib import Path

from news.errors import ConfigError

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"
DEFAULT_ENGINE = "ct2"
DEFAULT_DEVICE = "auto"
DEFAULT_BEAM_SIZE = 4
DEFAULT_SUMMARY_SENTENCES = 3  # for rankers that cannot choose a length themselves
DEFAULT_SUMMARY_LENGTH = "auto"  # the learned summarizer's word budget, 1 to 5 sentences
DEFAULT_SUMMARIZER = "learned"
DEFAULT_MAX_BATCH_TOKENS = 4096
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

ENV_MODEL = "KABAR_MODEL"
ENV_ENGINE = "KABAR_ENGINE"
ENV_DEVICE = "KABAR_DEVICE"
ENV_CACHE = "KABAR_CACHE"
ENV_DATA = "KABAR_DATA"


def resolve(value, env: str, default):
    """Return ``value`` if given, else the environment variable ``env`` if set and non-empty, else ``default``."""
    if value not in (None, ""):
        return value
    from_env = os.environ.get(env, "").strip()
    return from_env if from_env else default


def model_ref(value: str | None = None) -> str:
    """The model reference to use: ``--model`` > ``KABAR_MODEL`` > :data:`DEFAULT_MODEL`."""
    return str(resolve(value, ENV_MODEL, DEFAULT_MODEL))


def engine_name(value: str | None = None) -> str:
    """The engine to use: ``--engine`` > ``KABAR_ENGINE`` > :data:`DEFAULT_ENGINE`."""
    return str(resolve(value, ENV_ENGINE, DEFAULT_ENGINE))


def device_name(value: str | None = None) -> str:
    """The device to use: ``--device`` > ``KABAR_DEVICE`` > ``auto``."""
    return str(resolve(value, ENV_DEVICE, DEFAULT_DEVICE))


def cache_dir(value: str | os.PathLike | None = None) -> Path:
    """Kabar's cache folder (converted models, sentence cache): ``KABAR_CACHE`` or ``~/.cache/kabar``."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kabar"
    return Path(resolve(value, ENV_CACHE, default)).expanduser()


def data_dir(value: str | os.PathLike | None = None) -> Path:
    """Where evaluation data lives: argument > ``KABAR_DATA`` > ``../shared/data`` beside the project."""
    return Path(resolve(value, ENV_DATA, DEFAULT_DATA_DIR)).expanduser()


def positive_int(name: str, value) -> int:
    """Parse ``value`` as an integer >= 1 or raise a :class:`ConfigError` naming ``name``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}.") from None
    if number < 1:
        raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}.")
    return number
