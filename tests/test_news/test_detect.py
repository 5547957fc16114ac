"""Language detection per article and per paragraph."""
import pytest

from news.detect import detect, detect_paragraphs

CASES = [
    ("Pemerintah kota meresmikan jembatan baru yang menghubungkan dua kecamatan.", "id"),
    ("The city government opened a new bridge connecting two districts.", "en"),
    ("Saya tak tahu kerana dia tidak datang ke pejabat semalam, sahaja dia pergi ke hospital.", "ms"),
    ("Aku arep lunga menyang pasar karo ibuku sesuk esuk amarga butuh tuku sayuran.", "jv"),
    ("12345 67890", "und"),
    ("", "und"),
]


@pytest.mark.parametrize("text,lang", CASES)
def test_detect(text, lang):
    assert detect(text).lang == lang


def test_english_paragraph_inside_indonesian_article():
    paras = ["Harga beras naik di pasar tradisional pekan ini, kata pedagang.",
             "The Serenity of Suffering by Korn sold fifty thousand copies in the first week.",
             "BMW X1"]
    assert detect_paragraphs(paras, "id") == ["id", "en", "id"]
