"""Indonesian → English translation behind one small interface, with two engines (CTranslate2, transformers)."""

from translate.base import Translator, TranslatorInfo
from translate.registry import ENGINES, load_translator

__all__ = ["ENGINES", "Translator", "TranslatorInfo", "load_translator"]
