"""bench/search.py and bench/search_scale.py run end to end on small inputs and print their tables; the
cross-lingual figures they print are what e5 (and the hybrid's keyword weight) make of real FLORES text."""
import json
import subprocess
import sys

from tests.conftest import DATA, need_shared


def _run(*args, timeout=900):
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_search_bench_prints_its_three_tables(tmp_path):
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    need_shared(DATA / "summarization" / "indosum_train.jsonl", "IndoSum")
    work = ["--work", str(tmp_path), "--articles", "20", "--pairs", "3"]  # a smoke run: seconds, not the bench
    report = json.loads(_run("bench/search.py", *work, "--json"))
    flores, indosum, stories = report["flores"], report["indosum"], report["stories"]
    assert flores["articles"] == flores["queries"] == 20 and indosum["articles"] == indosum["queries"] == 20
    # English queries over untranslated Indonesian: meaning finds them, keywords (names, numbers) less often, and
    # the hybrid follows meaning because few of the query's words are in the archive
    assert flores["embedding"]["recall@1"] >= 0.9 and flores["keyword"]["recall@1"] <= flores["embedding"]["recall@1"]
    assert flores["hybrid"]["recall@1"] >= 0.9
    assert indosum["keyword"]["recall@10"] >= 0.9 and indosum["hybrid"]["recall@10"] >= 0.9
    assert stories["true_pairs_per_half"] == 3 and 0 <= stories["embedding"]["test"]["recall"] <= 1
    assert stories["archive_test"]["stories"] <= stories["articles_per_half"]
    table = _run("bench/search.py", *work)  # the second run embeds nothing again (the cache in --work)
    for title in ("(a) FLORES-200 devtest", "(b) IndoSum", "(c) Stories"):
        assert title in table
    assert table.count("| hybrid ") == 2 and "| embedding cosine (shipped)" in table and "| keyword Jaccard" in table


def test_scale_bench_builds_searches_and_grows_an_archive(tmp_path):
    text = _run("bench/search_scale.py", "--articles", "300", "--queries", "5", "--grow", "16",
                "--work", str(tmp_path / "scale"))
    report = json.loads(text[:text.index("\n}\n") + 2])
    assert report["built"]["articles"] == 300 and report["measured"]["vm_hwm_mb"] > 0
    assert report["grown"]["added"] == 16 and not (tmp_path / "scale-grow").exists()  # the copy is removed
    for row in ("| keyword |", "| embedding |", "| hybrid |", "| hybrid, one month |", "| hybrid, one outlet |"):
        assert row in text
    assert "300 articles: build" in text and "one more article at this size" in text
