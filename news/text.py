"""Text as Kabar stores it: one newline convention, Unicode NFC, no control characters, no lone surrogates,
no mojibake (UTF-8 read as Windows-1252: ``KlÃ¶cker`` is ``Klöcker`` again, by ftfy)."""
from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline; they carry no text and confuse tokenizers.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone half of a UTF-16 pair (JSON "\\ud800"): not text


def replace_surrogates(text: str) -> str:
    """``text`` with each lone UTF-16 surrogate (from JSON such as ``"\\ud800"``) replaced by U+FFFD, so it
    can always be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


# Characters that start the usual mojibake sequences (Ã¶, â€œ, Å£ ...); text without any is left to itself.
_MOJIBAKE_HINT = frozenset("ÃÂâÅÄÐÑ")


def fix_mojibake(text: str) -> str:
    """``text`` with UTF-8 that was decoded as Windows-1252 or Latin-1 decoded again (ftfy's ``fix_encoding``,
    which changes nothing it is not confident about; linear in the text)."""
    if _MOJIBAKE_HINT.isdisjoint(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


def normalize_text(text: str) -> str:
    """Unify newlines, repair mojibake, apply Unicode NFC and drop control characters (keeping tab and
    newline)."""
    text = fix_mojibake(replace_surrogates(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", replace_surrogates(text))  # again: nothing ftfy decoded may leave a lone surrogate
