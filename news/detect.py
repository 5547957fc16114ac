"""Language detection per article and per paragraph, with py3langid (its model ships in the package).

Indonesian and Malay are close; langid.py sometimes calls Indonesian news "ms". A word-list check
resolves that pair. Paragraph detection only chooses between the article's language and English,
and leaves short paragraphs (names, numbers) to the article's language.
"""
from __future__ import annotations

import lzma
import math
import os
import re
import shutil
import tempfile
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_PARAGRAPH_WORDS = 4
UNDETERMINED = "und"
# Log-prior (nats) for the languages Kabar is fed: Indonesian, Malay and English stories are what it
# reads, so a short sentence that langid finds barely more Javanese or Bikol than Indonesian
# ("Petani panen padi." scores jv -77.1 vs id -79.2) is taken as Indonesian. Five nats is a prior
# odds of about 150:1; on a whole article the evidence outweighs it many times over.
PRIOR = {"id": 5.0, "ms": 5.0, "en": 5.0}
ARTICLE_SAMPLE_CHARS = 600  # an article's language is clear long before its end; langid is O(length)
# Function words: a paragraph with Indonesian ones and no English ones needs no model to be called Indonesian.
_EN_FUNCTION = frozenset("the of and to in is was for on that with as by at from are it this be has have".split())
_ID_FUNCTION = frozenset("yang dan di ini itu dengan untuk dari dalam pada akan tidak ke adalah oleh juga".split())
# Words common in one of the two standard languages and rare in the other.
_MALAY_ONLY = frozenset("kerana sahaja iaitu wang sekiranya bagaimanapun sebarang selepas semasa kerajaan "
                        "percuma syarikat pejabat jawatan polis hospital boleh mahkamah bersetuju kenderaan "
                        "memandu cuma sekolah-sekolah ramai".split())
_INDONESIAN_ONLY = frozenset("karena sudah bisa saja yaitu uang setelah selama pemerintah perusahaan kantor "
                             "polisi mobil tidak kendaraan pengadilan banyak hanya juga bahwa".split())

# Links and e-mail addresses carry no language; they are left out before detection.
# An e-mail match only starts where its local part starts (look-behind): otherwise "@" followed by
# n letters, or n "a." before an "@", is rescanned from every position (quadratic).
_LINKS = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_lock = threading.Lock()
_identifier = None
_model_cache: Path | None = None  # where the unpacked langid model is kept (Kabar's cache folder)


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language (ISO 639-1, or ``und`` when there is no text) and its probability."""

    lang: str
    confidence: float


def use_cache_dir(path: str | os.PathLike | None) -> None:
    """Keep the unpacked language-ID model under ``path``/langid (the CLI passes its ``--cache``);
    ``None``: Kabar's default cache folder."""
    global _model_cache
    _model_cache = Path(path) if path else None


def _get_identifier():
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = _load_identifier()
        return _identifier


def _load_identifier():
    """py3langid's model, read from an unpacked copy in the cache when possible.

    The package ships the model LZMA-compressed; unpacking it takes about 0.5 s at every start, which
    is most of a warm batch run's detection time. The copy (68 MB) is unpacked once, written atomically
    and named by the packed file's size and mtime; anything unexpected falls back to the package's loader.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = Path(MODEL_DIR) / MODEL_FILE
    try:
        import numpy as np

        with np.load(_unpacked(source), allow_pickle=False) as data:
            return LanguageIdentifier(np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                                      _uint_array(data["nextmove"]), data["out_feat"].tolist(),
                                      tk_row=_uint_array(data["nextmove_row"]))
    except (OSError, ValueError, KeyError, TypeError, lzma.LZMAError):
        return LanguageIdentifier.from_model_file(MODEL_FILE)


def _unpacked(source: Path) -> Path:
    from news import config

    stat = source.stat()
    folder = (_model_cache or config.cache_dir()) / "langid"
    target = folder / f"{source.name.split('.')[0]}-{stat.st_size}-{stat.st_mtime_ns}.npz"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".unpacking-", suffix=".npz", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out, lzma.open(source) as packed:
                shutil.copyfileobj(packed, out, length=1 << 20)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return target


def _uint_array(values) -> array:
    """A NumPy unsigned array as the stdlib ``array`` py3langid indexes (same item size)."""
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(values.tobytes())
    return out


def _scores(text: str) -> list[tuple[str, float]]:
    """All languages with their log-scores, best first, after Kabar's prior (:data:`PRIOR`)."""
    ranked = [(lang, float(score) + PRIOR.get(lang, 0.0)) for lang, score in _get_identifier().rank(text)]
    return sorted(ranked, key=lambda pair: -pair[1])


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


def _guess(text: str, ranked: list[tuple[str, float]]) -> LanguageGuess:
    lang = ranked[0][0]
    if lang in ("ms", "id"):
        return LanguageGuess(_resolve_malay(text), round(_probability(ranked, "ms") + _probability(ranked, "id"), 4))
    return LanguageGuess(lang, round(_probability(ranked, lang), 4))


def _drop_links(text: str) -> str:
    return _LINKS.sub(" ", text) if ("@" in text or "http" in text or "www." in text) else text


def detect(text: str) -> LanguageGuess:
    """Detect the language of ``text`` (its first 600 characters); no letters gives ``und``, confidence 0."""
    text = _drop_links(text)
    sample = text[:ARTICLE_SAMPLE_CHARS]
    if not _words(sample):
        if not _words(text):
            return LanguageGuess(UNDETERMINED, 0.0)
        sample = text
    return _guess(text, _scores(sample))  # the id/ms word check reads the whole text: it is cheap


def detect_paragraphs(paragraphs: Sequence[str], article_lang: str) -> list[str]:
    """Language of each paragraph: ``en`` where a paragraph is clearly English, else ``article_lang``."""
    out = []
    for para in paragraphs:
        para = _drop_links(para)
        words = _words(para)
        if article_lang == "en" or len(words) < MIN_PARAGRAPH_WORDS:
            out.append(article_lang)
            continue
        vocabulary = set(words)
        if article_lang == "id" and vocabulary & _ID_FUNCTION and not vocabulary & _EN_FUNCTION:
            out.append(article_lang)
            continue
        ranked = _scores(para)  # one ranking serves both checks below
        scores = dict(ranked)
        own = max(scores.get(article_lang, -math.inf), scores.get("ms", -math.inf)
                  if article_lang == "id" else -math.inf)
        english = scores.get("en", -math.inf) > own and _guess(para, ranked).lang == "en"
        out.append("en" if english else article_lang)
    return out
