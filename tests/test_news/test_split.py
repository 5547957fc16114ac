"""Sentence splitting: abbreviations, numbers and quotes in Indonesian and English."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from news.split import split_paragraph, split_paragraphs

CASES = [  # (paragraph, the exact sentences, why)
    ('Ford dan BMW kucurkan Rp1,8 triliun. Harga naik.',
     ['Ford dan BMW kucurkan Rp1,8 triliun.', 'Harga naik.'], 'decimal comma in a rupiah amount'),
    ('Lebih dari 5.000 meter persegi disediakan. Proyek dimulai 2021.',
     ['Lebih dari 5.000 meter persegi disediakan.', 'Proyek dimulai 2021.'], 'thousands dot'),
    ('Dr. Budi, S.H., M.H. hadir di Jl. Sudirman No. 3 Jakarta. Ia datang pagi.',
     ['Dr. Budi, S.H., M.H. hadir di Jl. Sudirman No. 3 Jakarta.', 'Ia datang pagi.'], 'titles, degrees, No.'),
    ('China sold 7.76 million cars, 62.58 percent. That is big.',
     ['China sold 7.76 million cars, 62.58 percent.', 'That is big.'], 'decimals'),
    ('BEIJING, Sept. 24 (Xinhua) said so. The show runs Oct. 16 to 18.',
     ['BEIJING, Sept. 24 (Xinhua) said so.', 'The show runs Oct. 16 to 18.'], 'month abbreviations'),
    ('He moved to the U.S. The company grew.',
     ['He moved to the U.S.', 'The company grew.'], "U.S. ends a sentence before 'The'"),
    ('The U.S. Army said so.',
     ['The U.S. Army said so.'], 'U.S. inside a sentence'),
    ('Apple Inc. said on Monday it would.',
     ['Apple Inc. said on Monday it would.'], 'Inc. before a verb'),
    ('Kata dia, "Kami siap!" Kemudian rapat ditutup.',
     ['Kata dia, "Kami siap!"', 'Kemudian rapat ditutup.'], 'closing quote stays with its sentence'),
    ('A. Rahman tiba pukul 10.00 WIB. Acara dimulai.',
     ['A. Rahman tiba pukul 10.00 WIB.', 'Acara dimulai.'], 'initial and time'),
    ('Apa kabar? Baik-baik saja... Terima kasih.',
     ['Apa kabar?', 'Baik-baik saja...', 'Terima kasih.'], 'question mark and ellipsis'),
    ('harga naik 5 persen. dan turun lagi',
     ['harga naik 5 persen. dan turun lagi'], 'no split before a lower-case word'),
    ('Banjir terjadi di kota. Warga mengungsi.',
     ['Banjir terjadi di kota.', 'Warga mengungsi.'], 'a word that could be an abbreviation ends the sentence'),
    ('Luasnya 100 ha. Lahan itu subur.',
     ['Luasnya 100 ha.', 'Lahan itu subur.'], 'a unit ends the sentence'),
    ('',
     [], 'empty paragraph'),
]

@pytest.mark.parametrize("text,expected,reason", CASES, ids=[c[2] for c in CASES])
def test_exact_splits(text, expected, reason):
    assert split_paragraph(text) == expected, reason


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
