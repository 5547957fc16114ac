"""Glossary benchmark: the share of glossary terms that end up in the English, without and with the glossary.

    python bench/glossary.py [--model DIR_OR_HUB_ID] [--json]

The case is built from ../shared/data: FLORES-200 devtest and the Indonesian news MT test set, and a list of
Indonesian -> English news terms (below). A (sentence, term) pair is kept only where the Indonesian term
occurs in the source (the glossary's own matching rules) *and* the English term occurs in the human
reference, so every term counted is one a translator really used there. Each model translates the sources with
CTranslate2 (Kabar's default engine, beam 4); the figure is the share of those terms found in the English
(the glossary's own presence test): plain decoding, then with the glossary (translate.glossary.enforce),
with how each term got there (kept, replaced, redecoded) and how many were flagged. Flags must equal the terms
not placed: the bench checks it.

By default it runs the two random models the project can build here: the tiny test model and opus-mt-id-en's
real shape (released config and tokenizer, length-calibrated random weights). Their English carries no
meaning, so their figures measure the mechanism, not translation quality; --model measures a real model.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "mt"
SETS = {"flores200/devtest": (DATA / "flores200" / "devtest.ind", DATA / "flores200" / "devtest.eng"),
        "news/test": (DATA / "indonesian-mt-data-news" / "test.ind", DATA / "indonesian-mt-data-news" / "test.eng")}
# Everyday news terms with one usual English rendering (institutions, offices, places, events, numbers' words).
TERMS = """pemerintah,government
presiden,president
menteri,minister
kementerian,ministry
polisi,police
kepolisian,police
rumah sakit,hospital
sekolah,school
universitas,university
perusahaan,company
pasar,market
harga,price
banjir,flood
gempa,earthquake
pemilihan umum,general election
pemilu,election
dewan perwakilan rakyat,House of Representatives
tentara,army
bank,bank
bandara,airport
pelabuhan,port
jalan tol,toll road
penduduk,population
warga,residents
petani,farmers
nelayan,fishermen
wartawan,journalists
pengadilan,court
hakim,judge
penjara,prison
korupsi,corruption
pajak,tax
ekspor,exports
impor,imports
minyak,oil
listrik,electricity
air,water
hutan,forest
pulau,island
gunung,mountain
sungai,river
laut,sea
kota,city
desa,village
provinsi,province
negara,country
dunia,world
ilmuwan,scientists
penelitian,research
bahasa,language
"""


def build_case(limit: int | None = None) -> tuple[list[str], list[str], object]:
    """(sources, references, glossary) for the sentences holding a term that the reference confirms."""
    from translate.glossary import has_phrase, parse_glossary

    glossary = parse_glossary(TERMS, name="news-terms.csv")
    sources, refs = [], []
    for name, (src_path, ref_path) in SETS.items():
        if not src_path.is_file():
            raise SystemExit(f"{name} not found at {src_path}; put the shared folder beside the project")
        for src, ref in zip(src_path.read_text(encoding="utf-8").splitlines(),
                            ref_path.read_text(encoding="utf-8").splitlines()):
            found = glossary.find(src)
            if found and all(has_phrase(ref, m.term.target) for m in found):  # the reference uses every term
                sources.append(src)
                refs.append(ref)
    if limit:
        sources, refs = sources[:limit], refs[:limit]
    return sources, refs, glossary


class CopyControl:
    """Control row: a "model" that returns its input, as translation models do with names they do not know.
    It shows which step places a term when the model copies (the English is Indonesian: no quality here)."""

    def translate(self, sentences):
        return list(sentences)


def measure(model: str, sources: list[str], glossary, cache: Path) -> dict:
    from translate.glossary import enforce, has_phrase
    from translate.registry import load_translator

    translator = CopyControl() if model == "copy" else load_translator(model, "ct2", beam_size=4, cache_dir=cache)
    start = time.perf_counter()
    plain = translator.translate(sources)
    plain_s = time.perf_counter() - start
    terms = [m.term for s in sources for m in glossary.find(s)]
    in_plain = sum(has_phrase(out, m.term.target) for s, out in zip(sources, plain) for m in glossary.find(s))
    start = time.perf_counter()
    placements = enforce(glossary, sources, plain, translator.translate)
    enforce_s = time.perf_counter() - start
    how: dict[str, int] = {"kept": 0, "replaced": 0, "redecoded": 0}
    flagged = 0
    for p in placements:
        for t in p.terms:
            how[t["how"]] += 1
        flagged += len(p.missing)
    placed = sum(how.values())
    assert placed + flagged == len(terms), "every term is placed or flagged"
    redecoded_sentences = sum(1 for p in placements if p and (p.missing or any(t["how"] == "redecoded"
                                                                                for t in p.terms)))
    return {"model": model, "sentences": len(sources), "terms": len(terms),
            "plain_share": round(in_plain / len(terms), 4), "glossary_share": round(placed / len(terms), 4),
            **{f"{k}": v for k, v in how.items()}, "flagged": flagged,
            "plain_seconds": round(plain_s, 2), "glossary_seconds": round(enforce_s, 2),
            "sentences_redecoded": redecoded_sentences}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="a model to measure (repeatable; default: the tiny and "
                                                         "the real-shaped random models, and the copy control)")
    parser.add_argument("--limit", type=int, help="first N sentences of the case")
    parser.add_argument("--cache", default=str(ROOT / ".bench" / "cache"), help="conversions and built models")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    sources, _, glossary = build_case(args.limit)
    models = args.model
    if not models:
        from bench.engines import ensure_real_shape
        from bench.random_model import build_marian

        tiny = cache / "tiny-marian"
        if not (tiny / "config.json").is_file():
            corpus = [line for folder in (ROOT / "examples", ROOT.parent / "shared" / "seeds") if folder.is_dir()
                      for path in sorted(folder.iterdir()) for line in path.read_text(encoding="utf-8").splitlines()]
            build_marian(tiny, corpus)
        models = [str(tiny), str(ensure_real_shape(cache)), "copy"]
    rows = [measure(m, sources, glossary, cache) for m in models]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"case: {len(sources)} sentences from {', '.join(SETS)}, {rows[0]['terms']} terms of {len(glossary)} "
          "(each confirmed by the reference)")
    print("| model | terms | in English, plain | with glossary | kept | replaced | redecoded | flagged | "
          "plain decode s | glossary s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {Path(r['model']).name} | {r['terms']} | {r['plain_share']:.1%} | {r['glossary_share']:.1%} | "
              f"{r['kept']} | {r['replaced']} | {r['redecoded']} | {r['flagged']} | {r['plain_seconds']} | "
              f"{r['glossary_seconds']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
