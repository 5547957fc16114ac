"""Glossaries: file format, matching rules, placement (kept, replaced, re-decoded, flagged), limits and errors."""
import pytest

from translate.glossary import (
    Glossary,
    GlossaryError,
    code_switched,
    enforce,
    glossary_from_pairs,
    has_phrase,
    load_glossary,
    parse_glossary,
)

GLOSSARY = """source,target,note
KPK,Corruption Eradication Commission,the anti-graft agency
Komisi Pemberantasan Korupsi,Corruption Eradication Commission
Basarnas,National Search and Rescue Agency
bupati,regent
Polres Bekasi,Bekasi Police
"""


def test_glossary_matching_rules():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    assert len(g) == 5 and g.terms[0].note == "the anti-graft agency"
    found = g.find("Komisi Pemberantasan Korupsi (KPK) dan bupatinya, kpk-nya; Polres  Bekasi. Polres. Bekasi.")
    assert [m.term.source for m in found] == ["Komisi Pemberantasan Korupsi", "KPK", "bupati", "KPK",
                                              "Polres Bekasi"]
    # whole words only, no other affixes undone, and no term across punctuation
    assert g.find("Kepolisian KPKX membupati Polres, Bekasi") == []
    assert has_phrase("Two regents came.", "regent") and has_phrase("the bekasi police said", "Bekasi Police")
    assert not has_phrase("the regency", "regent")


def test_enforce_keeps_replaces_redecodes_and_flags():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    sources = ["KPK memeriksa bupati.", "Basarnas tiba.", "Tim Basarnas tiba.", "Polres Bekasi diam.", "Hujan."]
    first = ["The KPK examined the regent.", "Basarnas arrived.", "The team arrived.", "Quiet.", "Rain."]
    calls = []

    def translate(batch):
        calls.append(list(batch))
        return ["The team of National Search and Rescue Agency arrived." if "Tim" in s else "Silence." for s in batch]
    out = enforce(g, sources, first, translate)
    assert calls == [["Tim National Search and Rescue Agency tiba.", "Bekasi Police diam."]]  # one call, only those
    assert out[0].translation == "The Corruption Eradication Commission examined the regent."
    assert {t["term"]: t["how"] for t in out[0].terms} == {"KPK": "replaced", "bupati": "kept"}
    assert out[1].translation == "National Search and Rescue Agency arrived." and out[1].missing == []
    assert out[2].terms == [{"term": "Basarnas", "english": "National Search and Rescue Agency", "how": "redecoded"}]
    assert out[3].translation == "Quiet." and len(out[3].missing) == 1
    assert "'Polres Bekasi' should be 'Bekasi Police'" in out[3].missing[0]
    assert out[4] is None
    # a failing re-decode keeps the English and flags the term, naming why
    def broken(batch):
        raise RuntimeError("engine down")
    failed = enforce(g, ["Tim Basarnas tiba."], ["The team arrived."], broken)
    assert failed[0].translation == "The team arrived." and "re-decode failed (RuntimeError)" in failed[0].missing[0]


def test_code_switched_source():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    s = "Tim Basarnas dan KPK."
    assert code_switched(s, g.find(s)) == "Tim National Search and Rescue Agency dan Corruption Eradication Commission."


@pytest.mark.parametrize("text,name,message", [
    ("KPK;Corruption Eradication Commission\n", "g.csv", "line 1: expected 'Indonesian term,English term"),
    ("id\ten\nKPK\n", "g.tsv", "line 2: expected 'Indonesian term\tEnglish term"),
    ("a,b\nc,d,e,f\n", "g.csv", "line 2: 4 fields"),
    ('a,b\n"c,d\n', "g.csv", "line 2: unexpected end of data"),
    ("a,b\n!!,x\n", "g.csv", "line 2: a term needs at least one letter"),
    ("a,b\n" + "x " * 9 + ",y\n", "g.csv", "line 2: 9 words"),
    ("a," + "b" * 121 + "\n", "g.csv", "line 1: the English term has 121 characters"),
])
def test_bad_glossary_lines_are_named(text, name, message):
    with pytest.raises(GlossaryError, match=message):
        parse_glossary(text, name=name)


def test_glossary_file_limits_and_encoding(tmp_path, monkeypatch):
    path = tmp_path / "g.tsv"
    path.write_bytes(b"Polres\tpolice\n" + "Dinas\tagency\n".encode("utf-16"))
    with pytest.raises(GlossaryError, match="g.tsv: line 2: not UTF-8"):
        load_glossary(path)
    with pytest.raises(GlossaryError, match="No such file"):
        load_glossary(tmp_path / "missing.csv")
    import translate.glossary as glossary_module

    monkeypatch.setattr(glossary_module, "MAX_TERMS", 2)
    with pytest.raises(GlossaryError, match="more than 2 terms"):
        parse_glossary("a,b\nc,d\ne,f\n")
    with pytest.raises(GlossaryError, match="term 1: give source and target as text"):
        glossary_from_pairs([{"source": "a"}])
    assert len(glossary_from_pairs([{"source": "a", "target": "b"}, ["c", "d", "n"]])) == 2


def test_glossary_fingerprint_changes_with_any_term():
    a = parse_glossary("KPK,Corruption Eradication Commission\n")
    b = parse_glossary("KPK,Corruption Eradication Commission (KPK)\n")
    assert a.fingerprint != b.fingerprint and a.fingerprint == parse_glossary("kpk,Corruption Eradication Commission\n").fingerprint
    assert not Glossary([])


@pytest.mark.parametrize("header", ["source,target", "id,en", "term,translation", "indonesian,english", "src,tgt",
                                    "term,english", "Source,Target,Note"])
def test_every_header_form_is_read_as_a_header(header):
    glossary = parse_glossary(f"{header}\nBasarnas,National Search and Rescue Agency\n")
    assert [t.source for t in glossary.terms] == ["Basarnas"]


def test_a_first_line_that_is_no_header_is_a_term():
    glossary = parse_glossary("KPK,Corruption Eradication Commission\nBasarnas,National Search and Rescue Agency\n")
    assert [t.source for t in glossary.terms] == ["KPK", "Basarnas"]


@pytest.mark.parametrize("clitic", ["nya", "lah", "kah", "pun"])
def test_every_clitic_is_undone_on_a_terms_last_word_only(clitic):
    g = parse_glossary("source,target\nbupati,regent\nPolres Bekasi,Bekasi Police\n", name="terms.csv")
    assert [m.term.source for m in g.find(f"Kata bupati{clitic} kemarin.")] == ["bupati"]
    assert [m.term.source for m in g.find(f"Polres Bekasi{clitic} diam.")] == ["Polres Bekasi"]
    assert g.find(f"Polres{clitic} Bekasi diam.") == []  # inside a term, a word is whole


@pytest.mark.parametrize(("sentence", "found"), [
    ("Rinya hadir.", []),  # "ri" + "nya": two letters would be left, so -nya is part of the word
    ("DPRnya hadir.", ["DPR"]),  # three letters left: the clitic comes off
    ("Ripun hadir.", []),
    ("DPRpun hadir.", ["DPR"]),
])
def test_a_clitic_comes_off_only_where_three_letters_stay(sentence, found):
    g = parse_glossary("source,target\nRI,Indonesia\nDPR,House of Representatives\n", name="terms.csv")
    assert [m.term.source for m in g.find(sentence)] == found


def test_the_longest_term_wins_where_terms_overlap_and_the_rest_still_match():
    g = parse_glossary("source,target\nPolres,police\nBekasi,Bekasi\nPolres Bekasi,Bekasi Police\n",
                       name="terms.csv")
    assert [m.term.source for m in g.find("Polres Bekasi menahan dua orang.")] == ["Polres Bekasi"]
    assert [m.term.source for m in g.find("Polres menahan warga Bekasi.")] == ["Polres", "Bekasi"]
    # a longer term starting inside a shorter one's span is not matched across it
    assert [m.term.source for m in g.find("Polres Polres Bekasi.")] == ["Polres", "Polres Bekasi"]


@pytest.mark.parametrize(("text", "term", "found"), [
    ("Two regents came.", "regent", True),  # -s
    ("Three witnesses spoke.", "witness", True),  # -es
    ("The boxes arrived.", "box", True),
    ("The regency answered.", "regent", False),
    ("A witnessed event.", "witness", False),
])
def test_english_plurals_in_s_and_es_count_as_the_term(text, term, found):
    assert has_phrase(text, term) is found
