"""Sentence splitting: abbreviations, numbers and quotes in Indonesian and English."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from news.split import split_paragraph, split_paragraphs

CASES = [
    ("Ford dan BMW kucurkan Rp1,8 triliun. Harga naik.", 2, "decimal comma in a rupiah amount"),
    ("Lebih dari 5.000 meter persegi disediakan. Proyek dimulai 2021.", 2, "thousands dot"),
    ("Dr. Budi, S.H., M.H. hadir di Jl. Sudirman No. 3 Jakarta. Ia datang pagi.", 2, "titles, degrees, No."),
    ("China sold 7.76 million cars, 62.58 percent. That is big.", 2, "decimals"),
    ("BEIJING, Sept. 24 (Xinhua) said so. The show runs Oct. 16 to 18.", 2, "month abbreviations"),
    ("He moved to the U.S. The company grew.", 2, "U.S. ends a sentence before 'The'"),
    ("The U.S. Army said so.", 1, "U.S. inside a sentence"),
    ("Apple Inc. said on Monday it would.", 1, "Inc. before a verb"),
    ('Kata dia, "Kami siap!" Kemudian rapat ditutup.', 2, "closing quote stays with its sentence"),
    ("A. Rahman tiba pukul 10.00 WIB. Acara dimulai.", 2, "initial and time"),
    ("Apa kabar? Baik-baik saja... Terima kasih.", 3, "question mark and ellipsis"),
    ("harga naik 5 persen. dan turun lagi", 1, "no split before a lower-case word"),
    ("Banjir terjadi di kota. Warga mengungsi.", 2, "a word that could be an abbreviation ends the sentence"),
    ("Luasnya 100 ha. Lahan itu subur.", 2, "a unit ends the sentence"),
    ("", 0, "empty paragraph"),
]


@pytest.mark.parametrize("text,count,reason", CASES, ids=[c[2] for c in CASES])
def test_sentence_counts(text, count, reason):
    assert len(split_paragraph(text)) == count, reason


def test_quote_attaches_to_sentence():
    assert split_paragraph('Ia berkata, "Kami siap." Rapat ditutup.') == ['Ia berkata, "Kami siap."', "Rapat ditutup."]


def test_long_sentence_without_punctuation_is_whole():
    text = " ".join(["kata"] * 1250)  # 6,249 characters, no punctuation
    assert split_paragraph(text) == [text]


def test_paragraph_index_kept():
    pairs = split_paragraphs(["Satu. Dua.", "Tiga."])
    assert pairs == [(0, "Satu."), (0, "Dua."), (1, "Tiga.")]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcAB .,!?\"'0123456789\n")), max_size=200))
def test_split_keeps_every_character(text):
    joined = "".join(split_paragraph(text)).replace(" ", "")
    assert joined == "".join(text.split())
