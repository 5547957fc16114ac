"""Corrections end to end: the translation memory beats the model and both caches, the article cache knows the
memory's state, glossaries are placed or flagged, and `kabar tm` exchanges TMX/TSV without loss."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kabar.pipeline import Pipeline, Result
from kabar.store import ArticleCache
from news.read import Document
from translate.cache import SentenceCache
from translate.cached import CachedTranslator
from translate.glossary import parse_glossary
from translate.memory import TranslationMemory

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ("Banjir melanda Kota Bekasi pada Senin pagi.\n\n"
           "Tim Basarnas mengevakuasi 120 warga dari rumah mereka.\n\n"
           "Wali kota meminta warga tetap waspada.")


class Counting:
    """The real translator, with a record of the sentences it was asked for."""

    def __init__(self, inner):
        self.inner, self.info, self.asked = inner, inner.info, []

    def translate(self, sentences):
        self.asked += list(sentences)
        return self.inner.translate(sentences)


def _doc(text=ARTICLE):
    return Document("bekasi", "bekasi.txt", text=text)


def test_memory_match_is_human_and_never_sent_to_the_model(translators, tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add("Tim Basarnas  mengevakuasi 120 warga dari rumah mereka.", "Basarnas rescuers evacuated 120 residents.")
    model = Counting(translators("marian", "ct2"))
    result = Pipeline(model, memory=tm).process(_doc())
    i = result.sentences.index("Tim Basarnas mengevakuasi 120 warga dari rumah mereka.")
    assert result.origin[i] == "human" and result.translation[i] == "Basarnas rescuers evacuated 120 residents."
    assert [o for j, o in enumerate(result.origin) if j != i] == ["machine"] * (len(result.sentences) - 1)
    assert result.sentences[i] not in model.asked and len(model.asked) == len(result.sentences) - 1
    assert result.checks[i] == []  # an editor's English is not second-guessed by the checks
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))).origin == result.origin
    # an article entirely from the memory needs no model at all
    only = Pipeline(load_translator=lambda: pytest.fail("model loaded"), memory=tm).process(
        _doc("Tim Basarnas mengevakuasi 120 warga dari rumah mereka."))
    assert only.origin == ("human",) and only.engine == "memory"


def test_sentence_cache_never_overrides_the_memory(translators, tmp_path):
    cached = CachedTranslator(translators("marian", "ct2"), SentenceCache(tmp_path / "s.sqlite"))
    before = Pipeline(cached).process(_doc())
    assert set(before.origin) == {"machine"}
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add(before.sentences[0], "Floods hit Bekasi on Monday morning.")
    after = Pipeline(cached, memory=tm).process(_doc())
    assert after.translation[0] == "Floods hit Bekasi on Monday morning." and after.origin[0] == "human"
    assert after.translation[1:] == before.translation[1:]  # the rest still from the sentence cache


def test_article_cache_follows_the_memory(translators, tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    cache = ArticleCache(tmp_path / "a.sqlite")
    model = Counting(translators("marian", "ct2"))

    def run(memory=tm):
        pipeline = Pipeline(model, memory=memory, article_cache=cache)
        return pipeline.process(_doc()), pipeline.articles_reused

    first, reused = run()
    assert reused == 0 and "human" not in first.origin
    assert run()[1] == 1  # nothing changed: served from the article cache
    tm.add(first.sentences[2], "The mayor asked residents to stay alert.")
    corrected, reused = run()
    assert reused == 0 and corrected.translation[2] == "The mayor asked residents to stay alert."
    assert corrected.summary_en == tuple(corrected.translation[i] for i in corrected.summary_indices)
    assert run()[1] == 1
    tm.add(first.sentences[2], "The mayor urged residents to stay alert.", editor="Sari")  # changed
    changed, reused = run()
    assert reused == 0 and changed.translation[2] == "The mayor urged residents to stay alert."
    without = run(memory=None)[0]  # a run without the memory never shows a human line
    assert without.origin[2] == "machine" and without.translation[2] == first.translation[2]
    tm.remove(first.sentences[2])
    removed, reused = run()  # the machine result stored a moment ago is right again
    assert reused == 1 and removed.origin[2] == "machine" and removed.translation[2] == first.translation[2]
    tm.add(first.sentences[2], "The mayor asked residents to stay alert.")
    assert run()[0].origin[2] == "human"


def test_glossary_in_the_pipeline_places_or_flags_every_term(translators, tmp_path):
    glossary = parse_glossary("Basarnas,National Search and Rescue Agency\nwali kota,mayor\n")
    model = Counting(translators("marian", "ct2"))
    result = Pipeline(model, glossary=glossary).process(_doc())
    for i in (1, 2):
        placed = {t["term"] for t in result.terms[i]}
        flagged = [c["reason"] for c in result.checks[i] if c["check"] == "glossary"]
        terms = ["Basarnas"] if i == 1 else ["wali kota"]
        assert sorted(placed | {r.split("'")[1] for r in flagged}) == sorted(terms)  # each placed or flagged
        for reason in flagged:
            assert "should be" in reason and "re-decode" in reason
    assert result.terms[0] == []
    # the re-decode sent the code-switched sentence to the model
    assert "Tim National Search and Rescue Agency mengevakuasi 120 warga dari rumah mereka." in model.asked
    # the glossary is part of the article cache key
    cache = ArticleCache(tmp_path / "a.sqlite")
    p1 = Pipeline(model, glossary=glossary, article_cache=cache)
    p2 = Pipeline(model, glossary=parse_glossary("Basarnas,SAR agency\n"), article_cache=cache)
    assert p1.article_key(_doc()) != p2.article_key(_doc()) != Pipeline(model).article_key(_doc())


def _kabar(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "kabar", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def test_kabar_run_with_tm_and_glossary(tiny_marian, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bekasi.txt").write_text(ARTICLE, encoding="utf-8")
    tm = tmp_path / "tm.sqlite"
    added = _kabar("tm", "--tm", str(tm), "add", "Wali kota meminta warga tetap waspada.",
                   "The mayor asked residents to stay alert.", "--editor", "Sari")
    assert added.returncode == 0, added.stderr
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("id\ten\tnote\nBasarnas\tNational Search and Rescue Agency\tagency\n", encoding="utf-8")
    env = {"KABAR_CACHE": str(tmp_path / "cache")}
    done = _kabar("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--model", str(tiny_marian),
                  "--tm", str(tm), "--glossary", str(glossary), "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert "translation memory: 1 sentences from editors' corrections" in done.stderr
    result = json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert result["origin"] == ["machine", "machine", "human"]
    assert result["translation"][2] == "The mayor asked residents to stay alert."
    page = next((tmp_path / "out" / "articles").glob("*.md")).read_text(encoding="utf-8")
    assert "## From the translation memory (1)" in page and "The mayor asked residents to stay alert." in page
    assert "From the translation memory (1, origin: human)" in (tmp_path / "out" / "index.html").read_text()
    assert result["terms"][1] or any(c["check"] == "glossary" for c in result["checks"][1])
    bad = tmp_path / "bad.csv"
    bad.write_text("KPK,Corruption Eradication Commission\nPolres\n", encoding="utf-8")
    refused = _kabar("run", str(tmp_path / "in"), "--out", str(tmp_path / "out2"), "--model", str(tiny_marian),
                     "--glossary", str(bad), "--quiet", env=env)
    assert refused.returncode == 2 and "bad.csv: line 2: expected 'Indonesian term,English term" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "out2").exists()


def test_kabar_tm_commands(tmp_path):
    tm = str(tmp_path / "tm.sqlite")
    assert _kabar("tm", "--tm", tm, "add", "Baik.", "Good.").returncode == 0
    listed = _kabar("tm", "--tm", tm, "list", "--json")
    assert json.loads(listed.stdout)["target"] == "Good."
    assert _kabar("tm", "--tm", tm, "export", str(tmp_path / "m.tmx")).returncode == 0
    assert _kabar("tm", "--tm", str(tmp_path / "b.sqlite"), "import", str(tmp_path / "m.tmx")).returncode == 0
    missing = _kabar("tm", "--tm", tm, "remove", "Tidak ada.")
    assert missing.returncode == 1 and "no entry for 'Tidak ada.'" in missing.stderr
    bad = _kabar("tm", "--tm", tm, "add", "Baik.", "   ")
    assert bad.returncode == 2 and "the English is empty" in bad.stderr and "Traceback" not in bad.stderr


def _kabar_cli(args, cwd, env, tiny=None):
    if tiny is not None and args[:1] == ["run"]:
        args = [*args, "--model", str(tiny)]
    return subprocess.run([sys.executable, "-m", "kabar", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def _readme_example() -> list[str]:
    import re
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- corrections-example[^\n]*-->\n```bash\n(.*?)\n```", readme, flags=re.S).group(1)
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith("kabar serve")]


def test_the_readme_correction_example_takes_effect_without_force(tiny_marian, tmp_path):
    """The README's lines as written (the model aside): the second run redoes the articles the correction and the
    glossary change, and the corrected sentence comes out as the editor wrote it, marked human."""
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "KABAR_CACHE": str(tmp_path / "cache")}
    env.pop("KABAR_TM", None)
    steps = _readme_example()
    assert [step[:2] for step in steps] == [["kabar", "run"], ["kabar", "tm"], ["printf", steps[2][1]],
                                            ["kabar", "run"], ["kabar", "tm"]]
    outputs = []
    for step in steps:
        if step[0] == "printf":  # printf 'FORMAT' > FILE
            (tmp_path / step[-1]).write_text(step[1].encode().decode("unicode_escape"), encoding="utf-8")
            continue
        assert step[0] == "kabar", step
        proc = _kabar_cli(step[1:], tmp_path, env, tiny_marian)
        assert proc.returncode == 0, (step, proc.stderr[-2000:])
        outputs.append(proc.stderr)
    second_run = outputs[2]
    assert "redoing 3 finished articles: 3 made with another glossary" in second_run, second_run
    assert "1 already done, 3 redone for changed corrections" in second_run  # the English brief is untouched
    results = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "results.jsonl").read_text().splitlines())}
    flood = next(r for r in results.values() if "Ketinggian air mencapai 1,2 meter di beberapa titik." in r["sentences"])
    i = flood["sentences"].index("Ketinggian air mencapai 1,2 meter di beberapa titik.")
    assert flood["origin"][i] == "human" and flood["translation"][i] == "The water was 1.2 metres deep in places."
    assert flood["glossary"]  # the fingerprint of the glossary it was made with
    k = next(n for n, s in enumerate(flood["sentences"]) if "BMKG" in s)
    assert [t["term"] for t in flood["terms"][k]] == ["BMKG"] or \
        [c["check"] for c in flood["checks"][k]].count("glossary") == 1  # placed, or flagged with its reason
    assert (tmp_path / "memory.tmx").is_file()


@pytest.mark.parametrize("change", ["added", "changed", "removed"])
def test_a_rerun_redoes_exactly_the_articles_a_memory_change_touches(tiny_marian, tmp_path, change, monkeypatch,
                                                                      capsys):
    from kabar.cli import main

    monkeypatch.setenv("KABAR_TM", str(tmp_path / "tm.sqlite"))
    sentence = "Ketinggian air mencapai 1,2 meter di beberapa titik."
    run = ["run", str(ROOT / "examples"), "--out", str(tmp_path / "out"), "--model", str(tiny_marian), "--quiet"]

    def kabar(*args) -> str:
        capsys.readouterr()
        assert main(list(args)) == 0
        return capsys.readouterr().err

    if change != "added":
        kabar("tm", "add", sentence, "First English.")
    assert "redoing" not in kabar(*run)
    again = kabar(*run)
    assert "redoing" not in again and "4 already done" in again  # nothing changed: nothing redone
    if change == "removed":
        kabar("tm", "remove", sentence)
    else:
        kabar("tm", "add", sentence, "Second English.")
    third = kabar(*run)
    assert "redoing 1 finished article: 1 the translation memory now translates a sentence differently" in third, third
    assert "3 already done, 1 redone" in third
    results = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "results.jsonl").read_text().splitlines())}
    flood = next(r for r in results.values() if sentence in r["sentences"])
    i = flood["sentences"].index(sentence)
    assert (flood["origin"][i], flood["translation"][i] if change != "removed" else None) == \
        (("machine", None) if change == "removed" else ("human", "Second English."))
