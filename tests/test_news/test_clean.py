"""Boilerplate cleaning: rules, metadata, and the five seed articles."""
import re

import pytest

from news.clean import clean, line_rule
from news.read import read_inputs

BOILERPLATE = [
    ("Baca juga: Selama IIMS Hybrid 2021, BMW X1 paling banyak diburu", "read_also"),
    ("Pewarta:", "credit"),
    ("Editor: Alviansyah Pasaribu", "credit"),
    ("Copyright © ANTARA 2021", "copyright"),
    ("COPYRIGHT © ANTARA News Jawa Barat 2020", "copyright"),
    ("Source: Xinhua Editor: Zhu Qing", "credit"),
    ("21:58 UTC+8, 2025-03-25 0", "timestamp"),
    ("(R021/H015)", "editor_code"),
    ("(T.B016)", "editor_code"),
    ("September 25, 2025", "date"),
    ("Minggu, 12 Januari 2021 10:15 WIB", "date"),
]
STORY = [
    "Editor senior itu mengatakan rapat berlangsung lancar.",
    "Copy editors at the paper said the change was overdue.",
    "Pada 21 Januari 2021 harga naik.",
    "Sumber daya BMW dan Alibaba dimanfaatkan bersama.",
]


@pytest.mark.parametrize("line,rule", BOILERPLATE)
def test_boilerplate_lines_match_their_rule(line, rule):
    assert line_rule(line) == rule


@pytest.mark.parametrize("line", STORY)
def test_story_lines_match_no_rule(line):
    assert line_rule(line) is None


def test_dateline_is_metadata():
    c = clean("Jakarta (ANTARA) - Harga beras naik. Pedagang mengeluh.\n\nIa menambahkan hal itu.")
    assert c.dateline == "Jakarta (ANTARA) -"
    assert c.paragraphs[0] == "Harga beras naik. Pedagang mengeluh."


def test_xinhua_dateline_and_leading_date():
    c = clean(" date 2025-09-25 Title of the piece\n\nBEIJING, Sept. 24 (Xinhua) -- China did it.\n\nMore.\n\nEnd.")
    assert (c.date, c.title, c.dateline) == ("2025-09-25", "Title of the piece", "BEIJING, Sept. 24 (Xinhua) --")
    assert c.paragraphs[0] == "China did it."


def test_repeated_paragraphs_kept_once():
    para = "Paragraf ini cukup panjang untuk dianggap sebagai isi berita."
    c = clean(f"{para}\nKalimat kedua yang juga panjang sekali isinya.\n{para}")
    assert c.paragraphs == (para, "Kalimat kedua yang juga panjang sekali isinya.")
    assert [r.rule for r in c.removed] == ["repeated"]


def test_empty_text():
    assert clean("").paragraphs == ()


def _story_lines(text):
    """Lines of a seed that are real sentences: long and ending like prose."""
    return [re.sub(r"\s+", " ", x).strip() for x in text.splitlines()
            if len(x.strip()) > 60 and re.search(r"[.!?\"”]\s*$", x.strip())]


def test_seeds_lose_no_real_sentence(seeds_dir):
    for doc in read_inputs([seeds_dir]):
        c = clean(doc.text)
        body = " ".join(c.paragraphs)
        for line in _story_lines(doc.text):
            if line.startswith("Baca juga"):
                continue
            if c.dateline and line.startswith(c.dateline):
                line = line[len(c.dateline):].strip()
            assert line in body, f"{doc.id}: lost {line[:60]!r}"


def test_seed_metadata(seeds_dir):
    docs = {d.id[:3]: d for d in read_inputs([seeds_dir])}
    cleaned = {k: clean(d.text) for k, d in docs.items()}
    assert cleaned["000"].date == "2025-03-25" and cleaned["000"].section == "Biz / Auto"
    assert cleaned["000"].title == "BMW launches 360-degree full-chain AI strategy in China"
    assert cleaned["001"].title == "BMW hits the gas on digitalization in China"
    assert cleaned["002"].dateline == "Jakarta (ANTARA) -"
    assert cleaned["003"].dateline == "BEIJING, Sept. 24 (Xinhua) --" and cleaned["003"].date == "2025-09-25"
    rules = {k: sorted({r.rule for r in c.removed}) for k, c in cleaned.items()}
    assert rules["001"] == ["byline", "menu", "section", "title"]
    assert rules["002"] == ["copyright", "credit", "dateline", "read_also"]
    assert rules["004"] == ["copyright", "read_also", "repeated"]
    assert sum(r.rule == "repeated" for r in cleaned["004"].removed) == 11
    assert len(cleaned["004"].paragraphs) == 12


def test_hard_wrapped_line_is_not_glued_to_a_credit_line():
    c = clean("Editor: harga harga harga harga harga harga\nharga beras naik di pasar pekan ini.")
    assert c.paragraphs == ("harga beras naik di pasar pekan ini.",)
    assert [(r.rule, r.text) for r in c.removed] == [("credit", "Editor: harga harga harga harga harga harga")]
