"""Both engines on both model kinds, through the real loading, conversion, batching and decoding code."""
import os

import pytest

from news.errors import ConfigError, ModelNotAvailableError
from translate import Translator, load_translator
from translate.base import TranslatorInfo
from translate.cache import SentenceCache
from translate.cached import CachedTranslator
from translate.engines.ct2 import converted_path

SENTENCES = ["Harga beras naik menjadi Rp13.500 per kilogram.", "", "Banjir merendam 412 rumah.",
             "Harga beras naik menjadi Rp13.500 per kilogram.", "Petugas mengerahkan 12 perahu karet."]
COMBOS = [("marian", "ct2"), ("marian", "transformers"), ("nllb", "ct2"), ("nllb", "transformers")]


@pytest.mark.parametrize("kind,engine", COMBOS)
def test_same_length_same_order(translators, kind, engine):
    t = translators(kind, engine)
    assert isinstance(t, Translator)
    out = t.translate(SENTENCES)
    assert len(out) == len(SENTENCES)
    assert out[1] == "" and out[0] == out[3]
    assert all(isinstance(x, str) for x in out)
    assert t.translate([]) == []
    assert t.info.engine == engine and t.info.model_kind == kind


@pytest.mark.parametrize("kind,engine", COMBOS)
def test_deterministic_and_order_independent(translators, kind, engine):
    t = translators(kind, engine)
    forward = t.translate(SENTENCES)
    backward = t.translate(SENTENCES[::-1])
    assert backward[::-1] == forward


@pytest.mark.parametrize("kind,engine", [("marian", "ct2"), ("nllb", "transformers")])
def test_very_long_sentence_is_translated_in_pieces_not_truncated(translators, kind, engine):
    t = translators(kind, engine)
    long_sentence = " ".join(f"kata{i % 50} harga beras naik" for i in range(250))[:5000]
    assert len(long_sentence) == 5000
    pieces_before = t.segments_translated
    out = t.translate([long_sentence, "Satu."])
    assert len(out) == 2
    used = t.segments_translated - pieces_before
    assert used > 2, "a 5,000-character sentence must be split into several model-sized pieces"
    ids = t._encode([long_sentence])[0]
    assert len(ids) > t.max_input_tokens


def test_marian_and_nllb_differ_in_special_tokens(translators):
    marian, nllb = translators("marian", "ct2"), translators("nllb", "ct2")
    assert marian.target_token is None
    assert nllb.target_token == "eng_Latn"
    assert nllb._encode(["Harga naik."])[0][0] == "ind_Latn" and nllb._encode(["Harga naik."])[0][-1] == "</s>"
    assert translators("nllb", "transformers").tokenizer.src_lang == "ind_Latn"


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_torch_free_tokenizer_matches_transformers(translators, kind):
    from translate.tokenization import HFPieces

    light, hf = translators(kind, "ct2").tokenizer, HFPieces(translators(kind, "transformers").tokenizer)
    assert not isinstance(light, HFPieces)
    texts = ["Harga beras naik menjadi Rp13.500 per kilogram.", "", "Café “kutip” — 5.000 ☺ 漢字",
             "Dr. Budi, S.H. tiba di Jl. Sudirman No. 3."]
    assert light.encode(texts) == hf.encode(texts)
    outputs = translators(kind, "ct2").net.translate_batch(light.encode(texts), max_decoding_length=12,
                                                            target_prefix=[["eng_Latn"]] * 4 if kind == "nllb" else None)
    for result in outputs:
        assert light.decode(result.hypotheses[0]) == hf.decode(result.hypotheses[0])


def test_ct2_conversion_is_cached_and_atomic(tiny_marian, tmp_path):
    first = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path)
    folder = first.model_dir
    stamp = (folder / "model.bin").stat().st_mtime_ns
    second = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path)
    assert second.model_dir == folder and (folder / "model.bin").stat().st_mtime_ns == stamp
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert folder == converted_path(first.model, "int8", tmp_path)


def test_half_written_conversion_does_not_count(tiny_marian, tmp_path):
    first = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path)
    (first.model_dir / "model.bin").unlink()  # as if a crash interrupted a non-atomic writer
    os.rename(first.model_dir, first.model_dir.parent / "broken")
    again = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path)
    assert (again.model_dir / "model.bin").is_file()


def test_missing_model_error_names_model_place_and_fix(tmp_path):
    with pytest.raises(ModelNotAvailableError) as info:
        load_translator("Helsinki-NLP/opus-mt-id-en", "ct2")
    message = str(info.value)
    assert "Helsinki-NLP/opus-mt-id-en" in message and "not available offline" in message
    assert "--model PATH" in message and "KABAR_MODEL" in message and "cache" in message
    with pytest.raises(ModelNotAvailableError, match="does not exist"):
        load_translator(str(tmp_path / "nowhere"), "ct2")
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        load_translator(str(tmp_path), "ct2")


def test_model_from_env_var(tiny_marian, monkeypatch):
    monkeypatch.setenv("KABAR_MODEL", str(tiny_marian))
    assert load_translator(engine="transformers").info.model == str(tiny_marian)


@pytest.mark.parametrize("kwargs,message", [
    ({"engine": "moses"}, "'moses' is not a valid engine. Accepted values are: ct2, transformers"),
    ({"engine": "ct2", "compute_type": "int4"}, "'int4' is not a valid compute type on cpu"),
    ({"engine": "ct2", "device": "tpu"}, "'tpu' is not a valid device"),
])
def test_bad_options_list_accepted_values(tiny_marian, kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_translator(str(tiny_marian), **kwargs)


def test_sentence_cache_counts_hits(translators, tmp_path):
    cache = SentenceCache(tmp_path / "s.sqlite")
    cached = CachedTranslator(translators("marian", "ct2"), cache)
    first = cached.translate(SENTENCES)
    assert (cached.hits, cached.misses) == (0, 5)
    assert len(cache) == 4  # "" and the duplicate are stored once each
    reopened = CachedTranslator(translators("marian", "ct2"), SentenceCache(tmp_path / "s.sqlite"))
    assert reopened.translate(SENTENCES) == first
    assert (reopened.hits, reopened.misses) == (5, 0)


@pytest.mark.parametrize("kind, engine", COMBOS)
def test_nbest_lists_are_decoded_in_batches_and_keep_order(translators, kind, engine, monkeypatch):
    """n-best lists for many sentences: one decode a batch (not one a sentence), each list as when the sentence is
    decoded alone, in input order; empty sentences get [""]."""
    from translate.engines import common

    translator = translators(kind, engine)
    # one token length for all (no padding, one length budget), so a batch decodes each as it would alone
    candidates = [f"Harga beras naik {n} persen di pasar nomor {n}." for n in range(1, 10)]
    lengths = [len(x) for x in translator._encode(candidates)]
    common_length = max(set(lengths), key=lengths.count)
    sentences = [c for c, n in zip(candidates, lengths) if n == common_length][:4] + [""]
    assert len(sentences) == 5
    alone = [translator.translate_nbest([s], 3)[0] for s in sentences]
    calls = []
    decode = type(translator)._generate_nbest
    monkeypatch.setattr(type(translator), "_generate_nbest", lambda self, batch, n: calls.append(len(batch))
                        or decode(self, batch, n))
    monkeypatch.setattr(common, "NBEST_BATCH", 3)
    together = translator.translate_nbest(sentences, 3)
    assert calls == [3, 1] and together[4] == [""]
    assert together == alone


BASE_INFO = TranslatorInfo(model="m", engine="ct2", model_kind="marian", device="cpu", compute_type="int8",
                           beam_size=4, fingerprint="a" * 64)


@pytest.mark.parametrize("change, reason", [
    ({"beam_size": 1}, "a beam-1 translation is not a beam-4 one"),
    ({"compute_type": "float32"}, "int8 and float32 weights decode differently"),
    ({"engine": "transformers"}, "another engine, another output"),
    ({"fingerprint": "b" * 64}, "the same name with new weights (a fine-tuned model saved over the old one)"),
    ({"model": "other"}, "another model"),
    ({"tgt_lang": "ms"}, "another target language"),
    ({"variant": "vmap-1234"}, "a vocabulary shortlist changes the output"),
])
def test_cache_key_holds_everything_that_changes_the_output(change, reason):
    from dataclasses import replace

    assert replace(BASE_INFO, **change).cache_key != BASE_INFO.cache_key, reason
    assert replace(BASE_INFO, device="cuda").cache_key == BASE_INFO.cache_key  # same output on any device


def test_cache_is_not_shared_across_beam_sizes(tiny_marian, tmp_path):
    """Two real translators that differ only in beam size share a cache file but never each other's rows."""
    cache = tmp_path / "s.sqlite"
    beam1 = CachedTranslator(load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, beam_size=1, lazy=True),
                             SentenceCache(cache))
    beam4 = CachedTranslator(load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, beam_size=4, lazy=True),
                             SentenceCache(cache))
    assert beam1.translate(SENTENCES) and beam1.misses == 5
    out4 = beam4.translate(SENTENCES)
    assert (beam4.hits, beam4.misses) == (0, 5) and beam4.inner.loaded
    assert out4 == load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, beam_size=4).translate(SENTENCES)


@pytest.mark.parametrize("engine", ["ct2", "transformers"])
def test_lazy_translator_loads_only_on_a_cache_miss(tiny_marian, tmp_path, engine):
    cache = tmp_path / "s.sqlite"
    first = CachedTranslator(load_translator(str(tiny_marian), engine, cache_dir=tmp_path, lazy=True),
                             SentenceCache(cache))
    assert not first.inner.loaded, "planning a translator loads nothing"
    out = first.translate(SENTENCES)
    assert first.inner.loaded and first.inner.info == load_translator(str(tiny_marian), engine, cache_dir=tmp_path).info
    again = CachedTranslator(load_translator(str(tiny_marian), engine, cache_dir=tmp_path, lazy=True),
                             SentenceCache(cache))
    assert again.translate(SENTENCES) == out and (again.hits, again.misses) == (5, 0)
    assert not again.inner.loaded, "every sentence came from the cache: the model was never loaded"
    assert again.translate(["Kalimat baru yang belum pernah diterjemahkan."])[0] and again.inner.loaded


def test_lazy_translator_checks_options_up_front(tiny_marian, tmp_path):
    with pytest.raises(ConfigError, match="compute type"):
        load_translator(str(tiny_marian), "ct2", compute_type="float64", cache_dir=tmp_path, lazy=True)
    with pytest.raises(ModelNotAvailableError):
        load_translator(str(tmp_path / "no-model"), "ct2", cache_dir=tmp_path, lazy=True)


def test_ct2_parallel_replicas_keep_order_and_output(tiny_marian, tmp_path):
    """Batches decoded at once on one replica per core come back in order, equal to one replica's output."""
    import ctranslate2

    sentences = [f"Harga beras naik {n} persen di pasar nomor {n * 7}." for n in range(40)] + SENTENCES
    parallel = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, inter_threads=2)
    single = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, inter_threads=1)
    assert parallel.parallel == 2 and single.parallel == 1
    assert isinstance(parallel.net, ctranslate2.Translator) and parallel.net.num_translators == 2
    assert parallel.translate(sentences) == single.translate(sentences)
    assert parallel.translate(sentences[:1]) == single.translate(sentences[:1])


def test_a_folder_without_weights_says_which_files_are_missing_and_how_to_get_them(tiny_marian, tmp_path):
    """A model folder with its configuration and tokenizer but no weights (as ../shared/models/opus-mt-id-en
    ships): the error names the missing file and the two ways out, never transformers' own message."""
    import shutil

    from news.errors import ModelNotAvailableError
    from translate.models import resolve_model

    folder = tmp_path / "no-weights"
    shutil.copytree(tiny_marian, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    with pytest.raises(ModelNotAvailableError, match=r"no weights: model\.safetensors \(or pytorch_model\.bin\) is "
                                                     r"missing.*hf download Helsinki-NLP/opus-mt-id-en --local-dir "
                                                     r".*python -m bench\.random_model DIR --like"):
        resolve_model(str(folder))
