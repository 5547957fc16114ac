"""The :class:`Translator` protocol and the result types shared by every engine."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# ISO 639-1 codes to NLLB-200's FLORES-200 codes (kept internal: Kabar speaks ISO 639-1).
NLLB_CODES = {"id": "ind_Latn", "en": "eng_Latn", "ms": "zsm_Latn", "jv": "jav_Latn", "su": "sun_Latn"}


@dataclass(frozen=True)
class TranslatorInfo:
    """How translations are made, recorded with every result so they can be reproduced."""

    model: str
    engine: str
    model_kind: str
    device: str
    compute_type: str
    beam_size: int
    src_lang: str = "id"
    tgt_lang: str = "en"
    fingerprint: str = ""
    variant: str = ""  # anything else that changes the output, e.g. a vocabulary shortlist ("vmap-…")

    @property
    def cache_key(self) -> tuple[str, str]:
        """(model key, engine key) for the sentence cache: the same weights and decoding give the same output."""
        engine = f"{self.engine}:{self.compute_type}:beam{self.beam_size}:{self.src_lang}-{self.tgt_lang}"
        return (f"{self.model}@{self.fingerprint[:16]}", engine + (f":{self.variant}" if self.variant else ""))


@runtime_checkable
class Translator(Protocol):
    """Translate a batch of sentences: same length, same order, nothing dropped or truncated."""

    info: TranslatorInfo

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """Return one translation per input sentence, in order."""
        ...


def translate_text(translator: Translator, sentence: str) -> str:
    """Translate a single sentence (a convenience on top of :meth:`Translator.translate`)."""
    return translator.translate([sentence])[0]
