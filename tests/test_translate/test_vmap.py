"""Vocabulary shortlists: the vmap file format, and CTranslate2 decoding restricted to it."""
import pytest

from news.errors import ConfigError
from translate import load_translator
from translate.vmap import build_for_model, build_vmap


def test_build_vmap_format_and_ranking():
    src = [["▁harga", "▁naik"], ["▁harga", "▁turun"], ["▁banjir"]]
    tgt = [["▁price", "▁rise"], ["▁price", "▁fall"], ["▁flood"]]
    lines = build_vmap(src, tgt, per_source=2, frequent=1).splitlines()
    assert lines[0] == "\t▁price"  # always-allowed tokens: the most frequent target token
    rules = dict(line.split("\t") for line in lines[1:])
    assert rules["▁harga"].split()[0] == "▁price"
    assert rules["▁banjir"] == "▁flood"
    assert len(rules["▁harga"].split()) == 2


def test_build_vmap_rejects_unaligned_input():
    with pytest.raises(ValueError, match="2 source but 1 target"):
        build_vmap([["a"], ["b"]], [["x"]])


def test_ct2_decodes_inside_the_shortlist(tiny_marian, tmp_path):
    sentences = ["Harga beras naik lima persen.", "Banjir merendam rumah warga."]
    vmap = tmp_path / "vmap.txt"
    vmap.write_text(build_for_model(str(tiny_marian), sentences, ["rice prices rose", "floods hit homes"],
                                    per_source=3, frequent=5), encoding="utf-8")
    allowed = set(" ".join(line.split("\t")[1] for line in vmap.read_text(encoding="utf-8").splitlines()).split())
    t = load_translator(str(tiny_marian), "ct2", vmap=str(vmap), cache_dir=tmp_path / "cache")
    assert t.use_vmap and "-vmap" in t.model_dir.name
    # Kabar's own path passes the shortlist to every batch it decodes (a spy that calls through)
    calls = []
    real = t.net.translate_batch

    def spy(*args, **kwargs):
        calls.append(kwargs.get("use_vmap"))
        return real(*args, **kwargs)

    t.net = type("Net", (), {"translate_batch": staticmethod(spy)})()
    out = t.translate(sentences)
    t.net = real.__self__
    assert len(out) == 2 and calls and all(flag is True for flag in calls)
    tokens = t.net.translate_batch(t._encode(sentences), use_vmap=True, max_decoding_length=10)
    produced = {tok for r in tokens for tok in r.hypotheses[0]}
    assert produced <= allowed | {"</s>", "<unk>"}
    plain = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path / "cache")
    assert plain.model_dir != t.model_dir
    # a shortlist can change the output, so the sentence cache must not mix the two
    assert t.info.variant.startswith("vmap-") and plain.info.variant == ""
    assert t.info.cache_key[1] != plain.info.cache_key[1] and t.info.cache_key[0] == plain.info.cache_key[0]


def test_vmap_errors(tiny_marian, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_translator(str(tiny_marian), "ct2", vmap=str(tmp_path / "none.txt"), cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="ct2 only"):
        load_translator(str(tiny_marian), "transformers", vmap=str(tmp_path / "none.txt"))
