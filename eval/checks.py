"""Per-sentence translation checks: the errors neural MT makes on news, each with a reason a reader understands.

- ``numbers``: every number, amount and date of the Indonesian is in the English with the same value,
  across conventions (``1,8`` = ``1.8``, ``5.000`` = ``5,000``, ``Rp1,8 triliun`` = ``IDR 1.8 trillion``,
  ``miliar`` = ``billion``, ``juta`` = ``million``, ``13/3`` = ``13 March``);
- ``untranslated``: the English is (nearly) the Indonesian;
- ``repetition``: the English loops (an n-gram repeated back to back, or a word made of one short
  piece repeated) where the source does not;
- ``length``: the English is far shorter or longer than this language pair's translations are
  (log length ratio outside bounds fitted on reference translations, ``check_stats.json``);
- ``names``: a capitalised name or acronym of the source is missing from the English (names that are
  normally translated, such as months, ``Jawa`` or ``Kementerian``, are learned from reference pairs
  and not required).

Every check is linear in the sentence length (token scans and bounded regular expressions only).
The thresholds come from ``python -m eval.checkbench fit`` over development sets (FLORES-200 dev,
NTREX-128, the Indonesian news validation set); the benchmark reports them on FLORES-200 devtest and
the Indonesian news test set, which were never used to fit them.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from news.text import fix_mojibake

CHECKS = ("numbers", "untranslated", "repetition", "length", "names")
STATS_FILE = Path(__file__).with_name("check_stats.json")

_ID_SCALES = {"ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12,
              "trilyun": 1e12}
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "billion": 1e9, "bln": 1e9, "bn": 1e9,
              "trillion": 1e12, "tn": 1e12, "k": 1e3, "m": 1e6}
_AMBIGUOUS_SCALES = {"k", "m"}  # $370m is 370 million, a 5 m wall is five metres: both values count
_EN_WORDS = {w: float(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0,
                                                      "seventy": 70.0, "eighty": 80.0, "ninety": 90.0,
                                                      "hundred": 100.0, "dozen": 12.0, "half": 0.5}
_EN_ORDINALS = {w: float(i) for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_MONTHS_EN = {m: i + 1 for i, m in enumerate("january february march april may june july august september october "
                                              "november december".split())}
_MONTH_TOKENS = {m[:3]: i for m, i in _MONTHS_EN.items()} | _MONTHS_EN  # march and mar
# A number: digits with . , separators (bounded), optionally glued to Rp/US$ before or a scale after.
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,15}(?:[.,]\d{1,15}){0,6})(?![\d])")
_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?!\d)")
_TOKEN = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
SENTENCE_OPENERS = (".", "!", "?", '"', "“", ":")  # what ends the text before a sentence's first word


@dataclass(frozen=True)
class Flag:
    """One check's finding on one sentence."""

    check: str
    reason: str

    def to_dict(self) -> dict:
        return {"check": self.check, "reason": self.reason}


@lru_cache(maxsize=1)
def stats() -> dict:
    """The fitted thresholds (length bounds, translated-name list, untranslated overlap)."""
    return json.loads(STATS_FILE.read_text(encoding="utf-8"))


def reload_stats() -> None:
    """Forget the loaded thresholds and the word sets made from them (after :data:`STATS_FILE` changed)."""
    stats.cache_clear()
    word_set.cache_clear()


# -- numbers ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    text: str
    values: frozenset  # every value this spelling can mean (5.000 is 5000 in Indonesian, 5.0 in English)
    scaled: bool  # a scale word (juta, billion ...) follows: only the scaled values count


def _readings(digits: str) -> set[float]:
    """The values a digit string can have: Indonesian (``.`` thousands, ``,`` decimal), English (the reverse)."""
    out = set()
    for thousands, decimal in ((".", ","), (",", ".")):
        parts = digits.split(thousands)
        if len(parts) > 1 and not all(len(p) == 3 for p in parts[1:]):
            pass  # not a valid grouping for this convention (e.g. 1.8 as thousands)
        else:
            text = digits.replace(thousands, "")
            if text.count(decimal) <= 1:
                try:
                    out.add(float(text.replace(decimal, ".")))
                except ValueError:
                    pass
    if not out:
        try:
            out.add(float(digits.replace(",", ".")) if digits.count(",") + digits.count(".") == 1 else float("nan"))
        except ValueError:
            pass
    return {v for v in out if not math.isnan(v)}


def mentions(text: str, lang: str) -> list[Mention]:
    """Numbers in ``text`` with their possible values; a following scale word multiplies them."""
    scales = _ID_SCALES if lang == "id" else _EN_SCALES
    found = []
    for match in _NUMBER.finditer(text):
        digits = match.group(1).rstrip(".,")
        values = _readings(digits)
        if not values:
            continue
        after = text[match.end(1):match.end(1) + 14].lower()
        word = re.match(r"\s?([a-z]+)", after)
        scale = scales.get(word.group(1)) if word else None
        if scale:
            scaled = {round(v * scale, 6) for v in values}
            values = scaled | values if word.group(1) in _AMBIGUOUS_SCALES else scaled
        shown = f"{match.group(0)} {word.group(1)}" if scale else match.group(0)
        found.append(Mention(shown, frozenset(values), bool(scale)))
    if lang == "en":  # number words and ordinals in the English may stand for source digits
        found += _clock_times(text)
        spelled = _digits_for_words(text)
        if spelled != text:  # thirty-seven thousand, a thousand, three-hundred and fifty (text2num)
            found += [m for m in mentions(spelled, "xx") if m.text not in text]
        tokens = _TOKEN.findall(text.lower())
        for i, token in enumerate(tokens):
            value = _EN_WORDS.get(token, _EN_ORDINALS.get(token))
            if value is None:
                continue
            values = {value}
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if 20 <= value < 100 and _EN_WORDS.get(nxt, 99) < 10:  # fifty-four
                values.add(value + _EN_WORDS[nxt])
            if nxt in _EN_SCALES:
                values.add(value * _EN_SCALES[nxt])
            found.append(Mention(token, frozenset(values), False))
        if "quarter" in tokens:
            found.append(Mention("quarter", frozenset({0.25, 25.0}), False))
    return found


_CLOCK = re.compile(r"(?<![\d.:])(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?m\b\.?|(?<![\d.:])(\d{1,2}):(\d{2})(?![\d:])",
                    re.IGNORECASE)


def _clock_times(text: str) -> list[Mention]:
    """English clock times as the values an Indonesian 24-hour time has: 4 PM and 4:00 p.m. are 16.00,
    9:30 a.m. is 09.30 (hours + minutes / 100)."""
    out = []
    for match in _CLOCK.finditer(text):
        hour, minute, half = match.group(1) or match.group(4), match.group(2) or match.group(5), match.group(3)
        h, m = int(hour), int(minute or 0)
        if h > 24 or m > 59:
            continue
        if half and half.lower() == "p" and h < 12:
            h += 12
        elif half and half.lower() == "a" and h == 12:
            h = 0
        out.append(Mention(match.group(0), frozenset({h + m / 100, float(h)} if not m else {h + m / 100}), False))
    return out


def _digits_for_words(text: str) -> str:
    """``text`` with English number words written as digits (text2num's ``alpha2digit``); unchanged if text2num
    cannot read it."""
    from text_to_num import alpha2digit

    words = _WORD_HYPHEN.sub(" ", text)  # one-point-three-billion, three-and-a-half-thousand
    words = _AND_A_HALF.sub(lambda m: f"{m.group(1)} point five" if m.group(1) in _EN_WORDS else m.group(0),
                            words)  # two and a half thousand: 2.5 thousand (not "a year and a half")
    try:
        spelled = alpha2digit(words, "en")
    except Exception:  # noqa: BLE001 - a parser failure on odd text must not fail the check
        return text
    # text2num leaves a scale after a decimal apart ("six point four billion" -> "6.4 1000000000"): join them
    return _DECIMAL_SCALE.sub(lambda m: f"{m.group(1)} {_SCALE_WORD[m.group(2)]}", spelled)


_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
_AND_A_HALF = re.compile(r"\b([a-z]+) and a half\b")
_DECIMAL_SCALE = re.compile(r"\b(\d{1,3}\.\d{1,3}) (1000|1000000|1000000000|1000000000000)\b")
_SCALE_WORD = {"1000": "thousand", "1000000": "million", "1000000000": "billion", "1000000000000": "trillion"}


def _dates(text: str) -> list[tuple[int, int, str]]:
    """``d/m`` and ``d/m/y`` dates (Indonesian order) as (day, month, text)."""
    out = []
    for match in _DATE.finditer(text):
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            out.append((day, month, match.group(0)))
    return out


def _english_dates(text: str) -> set[tuple[int, int]]:
    """(day, month) pairs written in the English: ``13 March``, ``March 13``, ``13/3``, ``3/13``."""
    tokens = _TOKEN.findall(text.lower())
    pairs = set()
    for i, token in enumerate(tokens):
        month = _MONTH_TOKENS.get(token)
        if not month:
            continue
        for j in (i - 2, i - 1, i + 1, i + 2):
            if 0 <= j < len(tokens):
                digits = re.match(r"(\d{1,2})(?:st|nd|rd|th)?$", tokens[j])
                if digits:
                    pairs.add((int(digits.group(1)), month))
    for match in _DATE.finditer(text):
        a, b = int(match.group(1)), int(match.group(2))
        pairs |= {(a, b), (b, a)}
    return pairs


def check_numbers(src: str, hyp: str) -> Flag | None:
    """Every number of the source must be in the English with one of its possible values."""
    dates = _dates(src)
    date_spans = {d[2] for d in dates}
    masked = src
    for span in date_spans:
        masked = masked.replace(span, " ")
    source = mentions(masked, "id")
    if not source and not dates:
        return None
    target = mentions(hyp, "en")
    target_values = {v for m in target for v in m.values}
    missing = [m.text.strip() for m in source if not (m.values & target_values)]
    if dates:
        written = _english_dates(hyp)
        missing += [text for day, month, text in dates
                    if (day, month) not in written and not ({float(day), float(month)} <= target_values)]
    if not missing:
        return None
    listed = ", ".join(dict.fromkeys(missing))
    return Flag("numbers", f"number {listed} of the source is not in the English (changed or dropped)"
                if len(missing) == 1 else f"numbers {listed} of the source are not in the English (changed or dropped)")


# -- untranslated -----------------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text) if not t[0].isdigit()]


def own_words_share(src: str, hyp: str) -> float | None:
    """The share of the English's lower-case words (of 2+ letters) that are lower-case words of the source;
    None when the English has fewer than three such words."""
    source = {t for t in _TOKEN.findall(src) if t[:1].islower()}
    words = [t.lower() for t in _TOKEN.findall(hyp) if t[:1].islower() and len(t) > 1]
    return sum(w in source for w in words) / len(words) if len(words) >= 3 else None


def check_untranslated(src: str, hyp: str) -> Flag | None:
    """The English is (nearly) the source: most of its lower-case words are the source's own."""
    share = own_words_share(src, hyp)
    if share is None:
        if hyp.strip() and hyp.strip() == src.strip() and len(src.split()) >= 2:
            return Flag("untranslated", "the English is the source sentence copied unchanged")
        return None
    if share >= stats()["untranslated_share"]:
        return Flag("untranslated", f"{share:.0%} of the English words are Indonesian words of the source: "
                    "the sentence looks untranslated")
    return None


# -- repetition -------------------------------------------------------------------------------------------

MAX_NGRAM = 6


def _loops(tokens: Sequence[str]) -> tuple[int, str]:
    """(repeats, n-gram) of the longest back-to-back repetition of an n-gram, n = 1..6."""
    best, what = 1, ""
    for n in range(1, MAX_NGRAM + 1):
        for start in range(n):  # runs at every phase of period n
            run = 1
            for i in range(start + n, len(tokens) - n + 1, n):
                if tokens[i:i + n] == tokens[i - n:i]:
                    run += 1
                    if run > best:
                        best, what = run, " ".join(tokens[i:i + n])
                else:
                    run = 1
    return best, what


def _stutter(token: str) -> bool:
    """A long token made of one piece of 1-4 characters repeated (``ntntntntnt``)."""
    if len(token) < 8:
        return False
    for period in range(1, 5):
        if all(token[i] == token[i - period] for i in range(period, len(token))):
            return True
        tail = token[-(4 * period + period):]
        if len(tail) >= 5 * period and all(tail[i] == tail[i - period] for i in range(period, len(tail))):
            return True
    return False


def check_repetition(src: str, hyp: str) -> Flag | None:
    """An n-gram repeated back to back (3 times for 1-2 word n-grams, twice for longer ones) that the source
    does not repeat, or a word that stutters."""
    tokens = _words(hyp)
    count, gram = _loops(tokens)
    n = len(gram.split()) if gram else 0
    if (n <= 2 and count >= 3) or (n >= 3 and count >= 2):
        src_count, _ = _loops(_words(src))
        if src_count < count:
            return Flag("repetition", f"'{gram}' repeats {count} times in a row: the decoder looped")
    stutter = next((t for t in tokens if _stutter(t)), None)
    if stutter and not any(_stutter(t) for t in _words(src)):
        return Flag("repetition", f"'{stutter[:24]}' is one piece repeated: the decoder looped")
    return None


# -- length -----------------------------------------------------------------------------------------------

def check_length(src: str, hyp: str) -> Flag | None:
    """The English length (characters) against the source's, outside the fitted bounds for this pair."""
    s, h = len(src.strip()), len(hyp.strip())
    if s < 20:
        return None
    fitted = stats()["length"]
    ratio = math.log(max(h, 1) / s)
    slack = fitted["slack_chars"] / s  # short sentences vary more: the bounds widen with 1/length
    low, high = fitted["low"] - slack, fitted["high"] + slack
    if ratio < low:
        return Flag("length", f"the English is {h / s:.0%} of the source's length (usually at least "
                    f"{math.exp(low):.0%}): part of the sentence may be missing")
    if ratio > high:
        return Flag("length", f"the English is {h / s:.0%} of the source's length (usually at most "
                    f"{math.exp(high):.0%}): something may have been added or repeated")
    return None


# -- names ------------------------------------------------------------------------------------------------

def source_names(src: str) -> list[str]:
    """Capitalised words and acronyms of the source that should appear in the English as they are:
    not the sentence's first word (unless an acronym), not a word usually translated (learned)."""
    matches = list(_TOKEN.finditer(src))
    words = [m.group(0) for m in matches]
    capitalised = sum(w[:1].isupper() for w in words)
    ends = src.rstrip().rstrip("\"”'’)").endswith((".", "!", "?"))
    headline = len(words) >= 4 and capitalised > 0.6 * len(words) and (not ends or capitalised > 0.85 * len(words))
    out = []
    for i, match in enumerate(matches):
        token = match.group(0)
        if not token[:1].isupper() or len(token) < 3 or any(c.isdigit() for c in token):
            continue
        if len(token) <= 3 and not token.isupper() and src[max(0, match.start() - 2):match.start()].strip()[-1:].isdigit():
            continue  # a unit after a number (2,4 Ghz, 5 Km): the numbers check owns it
        acronym = token.isupper()
        start = match.start()
        sentence_start = i == 0 or src[max(0, start - 2):start].strip() in SENTENCE_OPENERS
        if sentence_start and not acronym:
            continue
        if acronym and src[match.end():match.end() + 1] == ")" and src[max(0, start - 2):start].endswith("("):
            continue  # an acronym in brackets after the name it abbreviates: "Balai ... Ikan (BKHI)"
        low = token.lower()
        if headline and not acronym and _verb_shaped(low):
            continue  # a title-case verb (Diliburkan, Siagakan, Dikunjungi): headlines capitalise every word
        if low in stats()["name_translations"]:
            out.append(token)  # a country or language: its English form is required (Jepang: Japan, Japanese)
            continue
        if low in word_set("translated_names") or (not acronym and (low in word_set("common_words") or
                                                                    _derived_word(low))):
            continue
        out.append(token)
    return list(dict.fromkeys(out))


def _verb_shaped(word: str) -> bool:
    """An Indonesian verb by its affixes: ...-kan, or di-...-i (Diliburkan, Dikunjungi)."""
    return len(word) >= 6 and (word.endswith("kan") or (word.startswith("di") and word.endswith("i")))


def _derived_word(word: str) -> bool:
    """An Indonesian derived common noun (ke-...-an, pe(r/n/m/ng)-...-an, -nya): translated, not a name."""
    return (len(word) >= 8 and word.endswith("an") and word.startswith(("ke", "pe"))) or word.endswith("nya")


def _name_in(name: str, words: list[tuple[str, str]], text: str) -> bool:
    """``name`` is in the English: as a substring, or as a word spelled alike (Italia/Italy, Roma/Rome,
    Konstantinopel/Constantinople: the same name in English spelling). ``words``: the English's distinct
    lower-case words with their :func:`_consonants`."""
    import difflib

    low = name.lower()
    if len(low) <= 3:  # a short form (us, uk, eu) counts as a whole word only, or its plural (HPRs)
        return any(word == low or word == low + "s" for word, _ in words)
    if low in text:
        return True
    name_sound = _consonants(low) if len(low) >= 5 else ""
    for word, sound in words:
        if len(word) < 3 or not _same_start(low, word, name_sound, sound):
            continue  # every rule below needs a first letter or first consonant alike
        if len(name_sound) >= 3 and len(word) >= 4 and _same_consonants(name_sound, sound):
            return True  # the English spelling of the name: Kreta/Crete, Bizantium/Byzantine, Yakub/Jacob
        if len(name_sound) >= 3 and any(word.endswith(end) and len(word) - len(end) >= 4 and
                                        _consonants(word[:-len(end)]) == name_sound for end in _EN_ENDINGS):
            return True  # an English word made from the name: Phoenicia-ns (Fenisia), Aggress-ion (Agresi)
        if len(name_sound) == 2 and sound == name_sound and word[0] == low[0] and abs(len(word) - len(low)) <= 1:
            return True  # two consonants: only with the same first letter and length (Mekah/Mecca, Ishak/Isaac)
        if len(word) >= 4 and low.startswith(word) and len(word) >= 0.5 * len(low):
            return True  # an adjective cut from the name: Afghan(istan), Thai(land)
        if len(low) >= 5 and low[:4] == word[:4] and len(os.path.commonprefix([low, word])) >= 0.7 * len(low):
            return True  # an adjective grown from the name: Chin(a) -> Chinese
        if abs(len(word) - len(low)) <= max(3, len(low) // 3):
            if difflib.SequenceMatcher(None, low[:30], word[:30]).ratio() >= 0.7:
                return True
    return False


_EN_ENDINGS = ("ns", "n", "ese", "ish", "etic", "ic", "ion")
_ALIKE_STARTS = ("ckqs", "fpv", "jy", "iey", "ou")  # Keramik/ceramic, Filipina/Philippines, Yakub/Jacob


def _same_start(low: str, word: str, low_sound: str, word_sound: str) -> bool:
    """The two words can be spellings of one name: the same first letter or consonant, or alike ones."""
    if word[0] == low[0] or (low_sound and word_sound[:1] == low_sound[:1]):
        return True
    return any(word[0] in group and low[0] in group for group in _ALIKE_STARTS)


_SOUNDS = (("ph", "f"), ("ch", "k"), ("ck", "k"), ("qu", "k"), ("x", "ks"), ("ce", "se"), ("ci", "si"), ("cy", "sy"),
           ("c", "k"), ("q", "k"), ("v", "f"), ("j", "y"), ("z", "s"))


def _consonants(word: str) -> str:
    """A rough consonant skeleton shared by a name's Indonesian and English spellings: c/k/q/ch as k, ph/v
    as f, soft c and z as s, j as y; vowels, h, w and y (but a first y) dropped, doubled letters once."""
    for spelled, sound in _SOUNDS:
        word = word.replace(spelled, sound)
    out = []
    for i, ch in enumerate(word):
        if ch in "aeiouhw" or (ch == "y" and i) or not ch.isalpha() or (out and out[-1] == ch):
            continue
        out.append(ch)
    return "".join(out)


def _same_consonants(a: str, b: str) -> bool:
    """Two skeletons that share a prefix of 3/4 of the longer one (Bizantium bsntm, Byzantine bsntn)."""
    if len(b) < 3 or a[0] != b[0]:
        return False
    if min(len(a), len(b)) == 3:  # three consonants say little: only the same three (Kreta/Crete, not krn/krns)
        return a == b
    return len(os.path.commonprefix([a, b])) >= 0.75 * max(len(a), len(b))


@lru_cache(maxsize=4)
def word_set(key: str) -> frozenset:
    """A word list of the fitted stats as a set, built once: ``translated_names`` (capitalised words usually
    translated) or ``common_words`` (Indonesian common words: capitalised, they start a title, not a name)."""
    return frozenset(stats().get(key, ()))


_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
MAX_NAMES = 40  # names checked per sentence: a real sentence has far fewer; a hostile one stays linear
MAX_WORDS = 300  # distinct English words a name's spelling is compared with (a name in the text counts anyway)


def check_names(src: str, hyp: str) -> Flag | None:
    """Every name of :func:`source_names` is in the English (case-insensitive; a longer word containing it,
    such as a possessive, counts)."""
    names = source_names(src)[:MAX_NAMES]
    if not names:
        return None
    hyp = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), hyp)  # U.S. is US, U.N. is UN
    low = hyp.lower()
    distinct = dict.fromkeys(re.sub(r"['’]s$", "", t.lower()) for t in _TOKEN.findall(hyp))
    words = [(w, _consonants(w)) for w in list(distinct)[:MAX_WORDS]]  # spelling matches: bounded work
    forms = stats()["name_translations"]
    missing = [n for n in names if not any(_name_in(f, words, low) for f in [n, *forms.get(n.lower(), ())])]
    if not missing:
        return None
    listed = ", ".join(missing[:4])
    return Flag("names", f"name {listed} of the source is missing from the English" if len(missing) == 1
                else f"names {listed} of the source are missing from the English")


RUNNERS = {"numbers": check_numbers, "untranslated": check_untranslated, "repetition": check_repetition,
           "length": check_length, "names": check_names}


def check(src: str, hyp: str, *, only: Sequence[str] = CHECKS) -> list[Flag]:
    """Every check's flag on one sentence pair (an empty list when all pass)."""
    if not src.strip():
        return []
    src, hyp = fix_mojibake(src), fix_mojibake(hyp)  # KlÃ¶cker is Klöcker (test files, pasted text)
    if not hyp.strip():
        return [Flag("length", "the English is empty: the sentence was not translated")]
    flags = [RUNNERS[name](src, hyp) for name in only]
    return [f for f in flags if f is not None]


def check_pairs(sources: Sequence[str], hypotheses: Sequence[str], *, only: Sequence[str] = CHECKS) -> dict:
    """Checks over aligned lines: ``{"sentences": [{"index", "flags"}], "rates": {check: share}}``;
    ``sentences`` lists only lines with a flag, ``rates`` every check and ``any``."""
    if len(sources) != len(hypotheses):
        raise ValueError(f"{len(sources)} source lines but {len(hypotheses)} translations; the files must align")
    flagged, counts = [], dict.fromkeys(only, 0)
    for i, (src, hyp) in enumerate(zip(sources, hypotheses)):
        flags = check(src, hyp, only=only)
        for flag in flags:
            counts[flag.check] = counts.get(flag.check, 0) + 1
        if flags:
            flagged.append({"index": i, "flags": [f.to_dict() for f in flags]})
    total = max(1, len(sources))
    rates = {name: round(count / total, 4) for name, count in counts.items()}
    rates["any"] = round(len(flagged) / total, 4)
    return {"sentences": flagged, "rates": rates, "total": len(sources)}
