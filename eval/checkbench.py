"""Fit the translation checks on development sets, and measure them on test sets with injected errors.

``python -m eval.checkbench fit`` writes ``eval/check_stats.json`` from FLORES-200 dev, NTREX-128 and the
Indonesian news validation set. ``python -m eval.checkbench run`` takes FLORES-200 devtest and the
Indonesian news test set (never used by ``fit``), and for each reference pair

- checks the untouched reference (every flag there is a false flag), and
- injects each error kind into a copy of the English reference, seeded: change a number, drop a
  number, copy the source, add a loop, drop a name, cut a clause;

then prints per check the false-flag rate and per error kind the recall (share of injected copies that
the matching check flags; pairs where that check already flags the untouched reference are left out,
so a false flag is never counted as a catch).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter

from eval import checks

FIT_SETS = ("flores200/dev", "ntrex128/test", "indonesian-mt-data-news/valid")
TEST_SETS = ("flores200/devtest", "indonesian-mt-data-news/test")
ALWAYS_TRANSLATED = ("januari februari maret april mei juni juli agustus september oktober november desember "
                     "senin selasa rabu kamis jumat sabtu minggu "
                     # police and military ranks are titles, translated (Kombes Pol: Police Senior Commissioner)
                     "jenderal letjen mayjen brigjen kolonel letkol kapten lettu letda serma serka sertu serda kopral "
                     "komjen irjen kombes akbp kompol akp iptu ipda aiptu aipda bripka brigpol briptu bripda bharada "
                     "pol purn "
                     # abbreviated offices and bodies, translated like the ones the fitting sets show (Pemprov, Polda,
                     # Sudin, Wagub, Kemendagri): Polres: Resort Police, Mendagri: Home Minister, Dirut: CEO
                     "polri polda polres polresta polrestabes polsek mabes kapolri kapolda kapolres kapolsek wakapolri "
                     "wakapolda pemprov pemkot pemkab pemda wagub wawali wabup sekda sekjen dirjen kadis kasudin sudin "
                     "dishub dinkes disdik menko menkes mendagri menlu menkeu menhan mendikbud menpora menaker "
                     "menag kemendagri kemenlu kemenkeu kemenkes kemenhan kemendikbud kemenag kesra polhukam dirut "
                     "komut").split()
# Generic heads of Indonesian place and event names, translated rather than kept (Gunung Merapi: Mount
# Merapi, Perang Salib: the Crusades): the name after them is what must be in the English.
NAME_HEADS = ("gunung pulau sungai danau laut samudra samudera teluk selat tanjung pantai bukit lembah gua candi "
              "istana kerajaan kekaisaran perang perjanjian pakta benua kepulauan semenanjung dataran gurun hutan "
              "taman kebun museum masjid gereja kuil pura vihara").split()
INJECTIONS = {  # error kind -> the check that must catch it
    "change_number": "numbers", "drop_number": "numbers", "copy_source": "untranslated", "add_loop": "repetition",
    "drop_name": "names", "cut_clause": "length|names|numbers",
}
SEED = 13
# English forms CLDR does not list beside its country and language names (demonyms, short forms).
EXTRA_NAME_FORMS = {
    "inggris": "britain british england english uk", "amerika": "america american americans us usa",
    "serikat": "us usa american union", "as": "us usa american", "tiongkok": "china chinese sino", "cina": "china chinese sino",
    "perancis": "france french", "spanyol": "spain spanish spaniard spaniards", "prancis": "france french", "belanda": "netherlands dutch holland",
    "jerman": "germany german", "jepang": "japan japanese", "arab": "arab arabia arabic saudi emirates uae", "emirat": "emirates uae",
    "afganistan": "afghanistan afghan", "afghanistan": "afghanistan afghan", "filipina": "philippines filipino",
    "swiss": "switzerland swiss", "turki": "turkey turkish", "yunani": "greece greek", "mesir": "egypt egyptian",
    "rusia": "russia russian", "korea": "korea korean", "burma": "myanmar burma burmese",
    "palestina": "palestine palestinian", "islam": "islam islamic muslim muslims", "israel": "israel israeli", "eropa": "europe european",
    "afrika": "africa african", "skotlandia": "scotland scottish", "wales": "wales welsh", "irlandia": "ireland irish",
    "metro": "metro metropolitan jakarta", "jaya": "jaya jakarta",  # Polda Metro Jaya: Jakarta Police
    "selatan": "south southern", "utara": "north northern", "barat": "west western", "timur": "east eastern",
    "tenggara": "southeast southeastern", "januari": "january jan", "februari": "february feb",
    "maret": "march mar", "mei": "may", "juni": "june jun", "juli": "july jul", "agustus": "august aug",
    "oktober": "october oct", "desember": "december dec", "april": "april apr", "september": "september sept sep",
    "november": "november nov",
}


def _pairs(names) -> list[tuple[str, str]]:
    from eval import testsets

    out = []
    found = testsets.discover()
    for name in names:
        t = found[name]
        src = t.source.read_text(encoding="utf-8").splitlines()
        ref = t.reference.read_text(encoding="utf-8").splitlines()
        out += [(s, r) for s, r in zip(src, ref) if s.strip() and r.strip()]
    return out


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered))))]


def fit(pairs: list[tuple[str, str]]) -> dict:
    """Thresholds from reference pairs: length bounds, translated names, untranslated share."""
    ratios = [math.log(len(r) / len(s)) for s, r in pairs if len(s) >= 80]
    low, high = _quantile(ratios, 0.015), _quantile(ratios, 0.997)
    seen, kept = Counter(), Counter()
    for src, ref in pairs:
        low_ref = ref.lower()
        for i, match in enumerate(checks._TOKEN.finditer(src)):
            token = match.group(0)
            if len(token) >= 3 and token[:1].isupper() and i > 0:
                seen[token.lower()] += 1
                kept[token.lower()] += token.lower() in low_ref
    translated = sorted({w for w, n in seen.items() if kept[w] / n < 0.5} | set(ALWAYS_TRANSLATED) | set(NAME_HEADS))
    lower = Counter(t for src, _ in pairs for t in checks._TOKEN.findall(src) if t[:1].islower())
    common = sorted(w for w, n in lower.items() if n >= 2 and len(w) >= 3 and w in seen)
    news_common, news_seen = _news_common_words()
    common = sorted(set(news_common) | {w for w in common if w not in news_seen})
    stats = {"length": {"low": round(low, 4), "high": round(high, 4), "slack_chars": 0.0},
             "translated_names": translated, "common_words": common,
             "untranslated_share": 0.6}
    # a country or language word that is also a common word (Tinggi in "Jerman Tinggi", Selatan) is not a name
    english_words = frozenset(t for _, ref in pairs for t in checks._TOKEN.findall(ref) if t.islower())
    common_set = set(common)
    forms = {w: f for w, f in name_translations(english_words).items() if w in EXTRA_NAME_FORMS or w not in common_set}
    stats["name_translations"] = dict(sorted(forms.items()))
    # widen the bounds for short sentences until at most 1% of the fitting pairs are flagged
    for slack in (0, 5, 10, 15, 20, 30, 40, 60):
        stats["length"]["slack_chars"] = float(slack)
        _write(stats)
        rate = sum(checks.check_length(s, r) is not None for s, r in pairs) / len(pairs)
        if rate <= 0.02:
            break
    shares = [share for src, ref in pairs if (share := checks.own_words_share(src, ref)) is not None]
    stats["untranslated_share"] = round(max(0.5, _quantile(shares, 0.999) + 0.05), 3)
    _write(stats)
    return stats


def name_translations(english_words: frozenset = frozenset()) -> dict[str, list[str]]:
    """Indonesian name words -> the English words that translate them (Jepang -> japan, japanese), from
    CLDR (Babel): country and language names in Indonesian and English, the initials that a many-word English
    name is written as (Amerika Serikat -> us, Uni Eropa -> eu), a country's one official language (Polandia ->
    polish), currency names (dolar Australia -> aud); and :data:`EXTRA_NAME_FORMS`. Language varieties (Low German)
    and currencies other than "<country> <unit>" are left out. ``english_words``: words that English (the
    fitting references) writes in lower case, which initials must not be (American Samoa is not "as")."""
    from babel import Locale
    from babel.languages import get_official_languages

    ind, eng = Locale("id"), Locale("en")
    forms: dict[str, set[str]] = {}

    def add(name: str, english: set[str]) -> None:
        for word in checks._TOKEN.findall(name):
            low = word.lower()
            if word[:1].isupper() and len(word) >= 3 and low not in english:
                forms.setdefault(low, set()).update(english)

    def words(english: str) -> set[str]:
        return {w.lower() for w in checks._TOKEN.findall(english) if len(w) >= 2}

    countries = {code: get_official_languages(code) for code in ind.territories if len(code) == 2 and code.isalpha()}
    first_language = Counter(languages[0] for languages in countries.values() if languages)
    for code, name in ind.territories.items():
        english = eng.territories.get(code)
        if not english:
            continue
        found = words(english)
        if "".join(p[0] for p in english.split()) == code and code.lower() not in english_words:
            found.add(code.lower())  # written as its initials: United States: US, European Union: EU
        add(name, found)
    # the language a country alone speaks names its people too: Poland: Polish, Sweden: Swedish (not Spanish:
    # the first language of 21 countries)
    own_language = {}
    for code, languages in countries.items():
        if languages and first_language[languages[0]] <= 2 and eng.languages.get(languages[0]):
            own_language[code] = words(eng.languages[languages[0]])
    for code, name in ind.languages.items():
        if eng.languages.get(code) and " " not in eng.languages[code]:  # not a variety (Low German)
            add(name, words(eng.languages[code]))
    for code, name in ind.currencies.items():
        english = eng.currencies.get(code, "")
        if len(name.split()) == 2 and len(english.split()) == 2 and "(" not in name + english:
            # dolar Australia: AUD, Australian (not "try", Turkey's code, nor the unit: yen, mark)
            add(name, {w for w in words(english) | {code.lower()} if w not in english_words})
    # an English word in many names (south, republic, islands) says nothing about which one was meant
    spread = Counter(e for found in forms.values() for e in found)
    forms = {w: {e for e in found if spread[e] <= 3} for w, found in forms.items()}
    for code, language in own_language.items():
        add(ind.territories[code], language)
    for word, english in EXTRA_NAME_FORMS.items():
        forms[word] = forms.get(word, set()) | set(english.split())
    forms = {w: found for w, found in forms.items() if found}
    return {w: sorted(v) for w, v in sorted(forms.items())}


def _news_common_words(min_lower: int = 5, share: float = 0.5) -> tuple[list[str], set[str]]:
    """Indonesian words that IndoSum's 3,175 training articles (news from nine outlets, not the MT test sets)
    write in lower case at least ``min_lower`` times and at least ``share`` as often as capitalised inside a
    sentence: capitalised, such a word is part of a title (Deputi Bidang Budaya), not a name to keep. Also
    returns every word IndoSum has (its evidence overrides the MT sets' smaller counts)."""
    from news import config

    folder = config.data_dir(None) / "summarization"
    lower, capital = Counter(), Counter()
    for name in ("indosum_train.jsonl", "indosum_other.jsonl"):
        path = folder / name
        if not path.is_file():
            print(f"note: {path} not found; common words come from the MT sets only", file=sys.stderr)
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for paragraph in json.loads(line)["text"].split("\n"):
                for match in checks._TOKEN.finditer(paragraph):
                    word = match.group(0)
                    if word[:1].islower():
                        lower[word] += 1
                    elif word[:1].isupper() and not word.isupper() and paragraph[
                            max(0, match.start() - 2):match.start()].strip() not in ("", *checks.SENTENCE_OPENERS):
                        capital[word.lower()] += 1
    common = {w for w, n in lower.items() if n >= min_lower and n >= share * capital[w] and len(w) >= 3}
    # a dictionary word that IndoSum writes in lower case at least as often as capitalised inside a sentence, or
    # never (Prakarsa, Kepik, Gletser): a rare common word, not a name (Kenya, Garut, Medan: capitalised more)
    common |= {w for w in _dictionary_words() if len(w) >= 3 and lower[w] >= capital[w]}
    return sorted(common), set(lower) | set(capital)


def _dictionary_words() -> set[str]:
    """The Indonesian root words of Sastrawi's dictionary (30,000 words from KBBI), empty when Sastrawi is absent."""
    try:
        from importlib.resources import files

        text = (files("Sastrawi") / "Stemmer" / "data" / "kata-dasar.txt").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError):
        print("note: Sastrawi is not installed (pip install -e .[train]); no dictionary words", file=sys.stderr)
        return set()
    return {w.strip() for w in text.splitlines() if w.strip().isalpha()}


def _write(stats: dict) -> None:
    checks.STATS_FILE.write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    checks.reload_stats()


# -- injections -------------------------------------------------------------------------------------------

_NUM = re.compile(r"(?<![\w.,])\d{1,15}(?:[.,]\d{1,15}){0,6}(?![\d])")


def _numbers_in_both(src: str, ref: str) -> list[re.Match]:
    """Number spans of the reference whose value is also a value of a source number."""
    src_values = {v for m in checks.mentions(src, "id") for v in m.values}
    return [m for m in _NUM.finditer(ref) if checks._readings(m.group(0)) & src_values]


def inject(kind: str, src: str, ref: str, rng: random.Random) -> str | None:
    """A copy of ``ref`` with one error of ``kind``, or None when the pair has nothing to inject it into."""
    if kind in ("change_number", "drop_number"):
        spans = _numbers_in_both(src, ref)
        if not spans:
            return None
        m = rng.choice(spans)
        if kind == "drop_number":
            after = re.match(r"\s?(?:percent|%|million|billion|trillion|thousand)?", ref[m.end():])
            return (ref[:m.start()] + ref[m.end() + (after.end() if after else 0):]).replace("  ", " ")
        digits = list(m.group(0))
        places = [i for i, c in enumerate(digits) if c.isdigit()]
        i = rng.choice(places)
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i] and not (i == places[0] and d == "0")])
        return ref[:m.start()] + "".join(digits) + ref[m.end():]
    if kind == "copy_source":
        return src
    if kind == "add_loop":
        words = ref.rstrip(".").split()
        n = rng.choice((1, 2, 3))
        if len(words) < n + 1:
            return None
        return " ".join(words + words[-n:] * rng.choice((3, 4))) + "."
    if kind == "drop_name":
        names = [t for i, t in enumerate(checks._TOKEN.findall(src)) if i > 0 and len(t) >= 3 and t[:1].isupper()
                 and re.search(rf"\b{re.escape(t)}\b", ref)]
        if not names:
            return None
        name = rng.choice(names)
        return re.sub(rf"\s?\b{re.escape(name)}\b", "", ref).strip()
    if kind == "cut_clause":
        parts = re.split(r"(?<=,)\s|(?<=;)\s", ref)
        if len(parts) >= 2:
            longest = max(range(1, len(parts)), key=lambda k: len(parts[k]))
            if len(parts[longest]) >= 0.3 * len(ref):
                return " ".join(p for k, p in enumerate(parts) if k != longest).rstrip(",;") + "."
        words = ref.split()
        if len(words) < 6:
            return None
        return " ".join(words[: int(len(words) * 0.6)]) + "."
    raise ValueError(kind)


def run(pairs: list[tuple[str, str]], *, seed: int = SEED) -> dict:
    """False-flag rate per check on the untouched pairs; recall per injected error kind."""
    untouched = [{f.check for f in checks.check(s, r)} for s, r in pairs]
    false_flags = {name: sum(name in flags for flags in untouched) / len(pairs) for name in checks.CHECKS}
    false_flags["any"] = sum(bool(flags) for flags in untouched) / len(pairs)
    recall = {}
    for kind, catchers in INJECTIONS.items():
        wanted = set(catchers.split("|"))
        hits = tried = 0
        for i, ((src, ref), flags) in enumerate(zip(pairs, untouched)):
            if flags & wanted:
                continue
            # one generator per pair and kind: an injection does not move when another pair's flags change
            bad = inject(kind, src, ref, random.Random(f"{seed}:{kind}:{i}"))
            if bad is None or bad == ref:
                continue
            tried += 1
            hits += bool({f.check for f in checks.check(src, bad)} & wanted)
        recall[kind] = {"recall": hits / tried if tried else float("nan"), "injected": tried, "caught_by": catchers}
    return {"pairs": len(pairs), "false_flags": false_flags, "recall": recall}


AUDIT_FILE = checks.STATS_FILE.with_name("check_audit.tsv")


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of the share k / n."""
    if not n:
        return 0.0, 1.0
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def audit(path=AUDIT_FILE) -> dict:
    """False flags a reader would meet, from flags read by hand (:data:`AUDIT_FILE`). Per set, check and sample,
    the labelled pairs that the check still flags give the share of false flags (the reference says it in a form
    the check does not know) among all its flags on the untouched references; the rest are pairs whose reference
    really drops or changes what the flag names. A random sample of the flags stays a random sample of the flags
    left after a fix, so labels stay valid when a fix removes some. Only "held-out" samples (drawn after the last
    fix) estimate the rate fairly: "design" samples pointed at the fixes."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")][1:]
    out = {}
    for name in sorted({r[0] for r in rows}):
        pairs = _pairs([name])
        flagged = {c: {i for i, (s, r) in enumerate(pairs) if c in {f.check for f in checks.check(s, r)}}
                   for c in checks.CHECKS}
        for check, sample in sorted({(r[2], r[3]) for r in rows if r[0] == name}):
            labelled = [(int(r[1]), r[4]) for r in rows if r[0] == name and r[2] == check and r[3] == sample]
            still = [verdict for line, verdict in labelled if line in flagged[check]]
            false = still.count("check")
            rate = len(flagged[check]) / len(pairs)
            low, high = _wilson(false, len(still))
            out[f"{name}:{check}:{sample}"] = {
                "flagged": rate, "audited": len(labelled), "still_flagged": len(still),
                "reference_at_fault": len(still) - false, "false": false,
                "false_flags": rate * false / max(1, len(still)), "interval": [rate * low, rate * high]}
    return out


def audit_table(report: dict) -> str:
    lines = ["| set: check: sample | flags on references | audited (still flagged) | reference drops or changes it | "
             "false flags | false-flag rate [95% CI] |", "| --- | --- | --- | --- | --- | --- |"]
    for key, v in report.items():
        lines.append(f"| {key} | {v['flagged']:.2%} | {v['audited']} ({v['still_flagged']}) | "
                     f"{v['reference_at_fault']} | {v['false']} | {v['false_flags']:.2%} "
                     f"[{v['interval'][0]:.2%}, {v['interval'][1]:.2%}] |")
    return "\n".join(lines) + "\n"


def table(name: str, report: dict) -> str:
    lines = [f"### {name} ({report['pairs']} pairs)", "", "| check | false flags on references |", "| --- | --- |"]
    lines += [f"| {k} | {v:.2%} |" for k, v in report["false_flags"].items()]
    lines += ["", "| injected error | caught by | injected | recall |", "| --- | --- | --- | --- |"]
    lines += [f"| {k} | {v['caught_by']} | {v['injected']} | {v['recall']:.1%} |" for k, v in report["recall"].items()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.checkbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["fit", "run", "audit"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "fit":
        stats = fit(_pairs(FIT_SETS))
        print(f"fitted on {', '.join(FIT_SETS)}: length {stats['length']}, untranslated share "
              f"{stats['untranslated_share']}, {len(stats['translated_names'])} translated names", file=sys.stderr)
        return 0
    if args.what == "audit":
        report = audit()
        print(json.dumps(report, indent=1) if args.json else audit_table(report))
        return 0
    reports = {name: run(_pairs([name])) for name in TEST_SETS}
    print(json.dumps(reports, indent=1) if args.json else "\n".join(table(n, r) for n, r in reports.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
