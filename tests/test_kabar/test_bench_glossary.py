"""bench/glossary.py: the case is built from the shared test sets with reference-confirmed terms, and every
term is either placed or flagged, for a real (tiny) model and for the copy control."""
import subprocess
import sys

from bench.glossary import CopyControl, build_case, measure
from tests.conftest import DATA, need_shared


def test_case_terms_are_confirmed_by_the_references():
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    from translate.glossary import has_phrase

    sources, refs, glossary = build_case()
    assert len(sources) > 300
    for src, ref in zip(sources, refs):
        found = glossary.find(src)
        assert found and all(has_phrase(ref, m.term.target) for m in found)


def test_every_term_is_placed_or_flagged(tiny_marian, tmp_path):
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    sources, _, glossary = build_case(limit=40)
    tiny = measure(str(tiny_marian), sources, glossary, tmp_path)
    assert tiny["sentences"] == 40 and tiny["kept"] + tiny["replaced"] + tiny["redecoded"] + tiny["flagged"] == \
        tiny["terms"]
    assert tiny["glossary_share"] >= tiny["plain_share"]
    copy = measure("copy", sources, glossary, tmp_path)
    assert copy["glossary_share"] == 1.0 and copy["flagged"] == 0 and copy["replaced"] > 0
    assert CopyControl().translate(["a"]) == ["a"]


def test_bench_prints_its_table(tiny_marian, tmp_path):
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    out = subprocess.run([sys.executable, "bench/glossary.py", "--model", str(tiny_marian), "--model", "copy",
                          "--limit", "20", "--cache", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "| copy | " in out.stdout and "with glossary" in out.stdout and "20 sentences" in out.stdout
