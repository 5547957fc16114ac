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


def test_unpacked_langid_model_is_cached_and_gives_the_same_scores(tmp_path, monkeypatch):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from news import detect as module

    monkeypatch.setattr(module, "_identifier", None)
    module.use_cache_dir(tmp_path)
    try:
        fast = module._load_identifier()
        unpacked = list((tmp_path / "langid").glob("*.npz"))
        assert len(unpacked) == 1 and not list((tmp_path / "langid").glob(".unpacking-*"))
        stamp = unpacked[0].stat().st_mtime_ns
        module._load_identifier()
        assert unpacked[0].stat().st_mtime_ns == stamp, "unpacked once, then only read"
        reference = LanguageIdentifier.from_model_file(MODEL_FILE)
        for text in ["Harga beras naik lima persen pekan ini.", "The price of rice rose five percent.",
                     "Kerajaan bersetuju menambah peruntukan hospital.", "Wong-wong padha lunga menyang pasar."]:
            assert fast.rank(text)[:5] == reference.rank(text)[:5]
    finally:
        module.use_cache_dir(None)
