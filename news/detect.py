"""Language detection per article and per paragraph, with py3langid (its model ships in the package).

Indonesian and Malay are close; langid.py sometimes calls Indonesian news "ms". A word-list check
resolves that pair. Paragraph detection only chooses between the article's language and English,
and leaves short paragraphs (names, numbers) to the article's language.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Sequence

MIN_PARAGRAPH_WORDS = 4
UNDETERMINED = "und"
# Words common in one of the two standard languages and rare in the other.
_MALAY_ONLY = frozenset("kerana sahaja iaitu wang sekiranya bagaimanapun sebarang selepas semasa kerajaan "
                        "percuma syarikat pejabat jawatan polis hospital boleh mahkamah bersetuju kenderaan "
                        "memandu cuma sekolah-sekolah ramai".split())
_INDONESIAN_ONLY = frozenset("karena sudah bisa saja yaitu uang setelah selama pemerintah perusahaan kantor "
                             "polisi mobil tidak kendaraan pengadilan banyak hanya juga bahwa".split())

_lock = threading.Lock()
_identifier = None


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language (ISO 639-1, or ``und`` when there is no text) and its probability."""

    lang: str
    confidence: float


def _get_identifier():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        return _identifier


def _scores(text: str) -> list[tuple[str, float]]:
    """All languages with their log-probabilities, best first."""
    return [(lang, float(score)) for lang, score in _get_identifier().rank(text)]


def _probability(ranked: list[tuple[str, float]], lang: str) -> float:
    top = ranked[0][1]
    total = sum(math.exp(score - top) for _, score in ranked)
    for name, score in ranked:
        if name == lang:
            return math.exp(score - top) / total
    return 0.0


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())


def _resolve_malay(text: str) -> str:
    words = _words(text)
    malay = sum(w in _MALAY_ONLY for w in words)
    indonesian = sum(w in _INDONESIAN_ONLY for w in words)
    return "ms" if malay > indonesian else "id"


def detect(text: str) -> LanguageGuess:
    """Detect the language of ``text``; text with no letters gives ``und`` with confidence 0."""
    if not _words(text):
        return LanguageGuess(UNDETERMINED, 0.0)
    ranked = _scores(text)
    lang = ranked[0][0]
    if lang in ("ms", "id"):
        lang = _resolve_malay(text)
        prob = _probability(ranked, "ms") + _probability(ranked, "id")
    else:
        prob = _probability(ranked, lang)
    return LanguageGuess(lang, round(prob, 4))


def detect_paragraphs(paragraphs: Sequence[str], article_lang: str) -> list[str]:
    """Language of each paragraph: ``en`` where a paragraph is clearly English, else ``article_lang``."""
    out = []
    for para in paragraphs:
        if article_lang == "en" or len(_words(para)) < MIN_PARAGRAPH_WORDS:
            out.append(article_lang)
            continue
        ranked = dict(_scores(para))
        own = max(ranked.get(article_lang, -math.inf), ranked.get("ms", -math.inf)
                  if article_lang == "id" else -math.inf)
        out.append("en" if ranked.get("en", -math.inf) > own and detect(para).lang == "en" else article_lang)
    return out
