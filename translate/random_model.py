"""Build randomly initialised Marian and NLLB-architecture models with a sentencepiece model trained on the fly.

They load, convert and decode through exactly the same code as real models, so tests and
benchmarks exercise the real paths without downloading anything. Their output is meaningless.

    python -m translate.random_model DIR [--kind marian|nllb] [--size tiny|base]
    python -m translate.random_model DIR --like ../shared/models/opus-mt-id-en   # the real model's shape
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_BUILTIN_CORPUS = """\
Pemerintah kota meresmikan jembatan baru yang menghubungkan dua kecamatan di tepi sungai.
Harga beras di pasar tradisional naik sekitar 5 persen menjelang akhir tahun.
Menurut Badan Pusat Statistik, inflasi tahunan tercatat 2,8 persen pada bulan lalu.
Presiden mengatakan bahwa pembangunan infrastruktur akan dilanjutkan tahun depan.
The city government opened a new bridge connecting two districts on the riverbank.
Rice prices in traditional markets rose by about 5 percent ahead of the end of the year.
According to the statistics agency, annual inflation was 2.8 percent last month.
The president said that infrastructure development will continue next year.
"""


@dataclass(frozen=True)
class Size:
    """Architecture sizes for a random model."""

    vocab: int
    d_model: int
    layers: int
    heads: int
    ffn: int
    positions: int


SIZES = {
    "tiny": Size(vocab=600, d_model=32, layers=1, heads=2, ffn=64, positions=256),
    # OPUS-MT base (transformer-align): d_model 512, 6+6 layers, 8 heads, FFN 2048; vocab ~54k in the real one.
    "base": Size(vocab=8000, d_model=512, layers=6, heads=8, ffn=2048, positions=512),
}


def _train_spm(lines: Sequence[str], prefix: Path, vocab: int, model_type: str, **ids) -> Path:
    import sentencepiece as spm

    corpus = prefix.parent / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix), vocab_size=vocab,
                                   model_type=model_type, character_coverage=1.0, minloglevel=2,
                                   hard_vocab_limit=False, byte_fallback=False, **ids)
    return prefix.with_suffix(".model")


def _corpus(extra: Iterable[str]) -> list[str]:
    lines = [x.strip() for x in _BUILTIN_CORPUS.splitlines() if x.strip()]
    lines += [x.strip() for x in extra if x.strip()]
    return lines


def build_marian(out: str | Path, corpus: Iterable[str] = (), *, size: str = "tiny", seed: int = 0,
                 init_std: float = 0.3, vocab_size: int | None = None) -> Path:
    """Write a random Marian model laid out like an OPUS-MT release (``</s>``=0, ``<unk>``=1, ``<pad>`` last).

    A large ``init_std`` makes the output depend on the input, which makes tests more telling.
    ``vocab_size`` pads the vocabulary with unused pieces (``▁v12345``) up to that size, so that the
    embedding and output layers cost what a real model's do (opus-mt-id-en has 54,796 entries).
    """
    import torch
    from transformers import MarianConfig, MarianMTModel

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dims = SIZES[size]
    with tempfile.TemporaryDirectory() as tmp:
        model_file = _train_spm(_corpus(corpus), Path(tmp) / "spm", dims.vocab, "unigram",
                                bos_id=-1, eos_id=0, unk_id=1, pad_id=-1)
        shutil.copy(model_file, out / "source.spm")
        shutil.copy(model_file, out / "target.spm")
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(model_file))
        vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    for extra in range(len(vocab), (vocab_size or 0) - 1):
        vocab[f"\u2581v{extra}"] = extra
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "MarianTokenizer", "source_lang": "id", "target_lang": "en",
        "model_max_length": dims.positions}), encoding="utf-8")
    pad = len(vocab) - 1
    config = MarianConfig(
        vocab_size=len(vocab), d_model=dims.d_model, encoder_layers=dims.layers, decoder_layers=dims.layers,
        encoder_attention_heads=dims.heads, decoder_attention_heads=dims.heads, encoder_ffn_dim=dims.ffn,
        decoder_ffn_dim=dims.ffn, max_position_embeddings=dims.positions, pad_token_id=pad, eos_token_id=0,
        decoder_start_token_id=pad, forced_eos_token_id=0, init_std=init_std, scale_embedding=True,
        share_encoder_decoder_embeddings=True)
    torch.manual_seed(seed)
    MarianMTModel(config).eval().save_pretrained(out)
    return out


# The files of a released OPUS-MT folder that a real-shaped model takes over as they are (no weights among them).
LIKE_FILES = ("config.json", "generation_config.json", "source.spm", "target.spm", "vocab.json",
              "tokenizer_config.json", "special_tokens_map.json")
REAL_MODEL = Path(__file__).resolve().parent.parent.parent / "shared" / "models" / "opus-mt-id-en"


def build_marian_like(out: str | Path, like: str | Path = REAL_MODEL, *, seed: int = 0) -> Path:
    """A Marian with exactly the configuration and tokenizer of the released model in ``like`` (config.json,
    source/target.spm, vocab.json...; opus-mt-id-en: 54,796 entries, d_model 512, 6+6 layers) and random
    weights drawn as transformers initialises them (``init_std`` of that config). Loading, conversion to
    CTranslate2, tokenization and detokenization meet exactly what they meet with the real model; the
    English is meaningless."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    like, out = Path(like), Path(out)
    missing = [name for name in ("config.json", "source.spm", "target.spm", "vocab.json") if not (like / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{like}: not a released Marian folder (missing {', '.join(missing)}); pass the "
                                "folder of opus-mt-id-en's config and tokenizer, e.g. ../shared/models/opus-mt-id-en")
    out.mkdir(parents=True, exist_ok=True)
    for name in LIKE_FILES:
        if (like / name).is_file():
            shutil.copyfile(like / name, out / name)
    config = MarianConfig.from_pretrained(like)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.save_pretrained(out)
    for name in ("config.json", "generation_config.json"):  # the released files, not a re-serialisation
        if (like / name).is_file():
            shutil.copyfile(like / name, out / name)
    return out


def build_nllb(out: str | Path, corpus: Iterable[str] = (), *, size: str = "tiny", seed: int = 0,
               init_std: float = 0.3) -> Path:
    """Write a random M2M100 model with an NLLB tokenizer (all FLORES-200 language codes)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dims = SIZES[size]
    with tempfile.TemporaryDirectory() as tmp:
        model_file = _train_spm(_corpus(corpus), Path(tmp) / "spm", dims.vocab, "bpe")
        shutil.copy(model_file, Path(tmp) / "sentencepiece.bpe.model")
        tokenizer = NllbTokenizer.from_pretrained(tmp, src_lang="ind_Latn", tgt_lang="eng_Latn",
                                                  extra_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
                                                  model_max_length=dims.positions)
        tokenizer.save_pretrained(out)
    config = M2M100Config(
        vocab_size=len(tokenizer), d_model=dims.d_model, encoder_layers=dims.layers, decoder_layers=dims.layers,
        encoder_attention_heads=dims.heads, decoder_attention_heads=dims.heads, encoder_ffn_dim=dims.ffn,
        decoder_ffn_dim=dims.ffn, max_position_embeddings=dims.positions, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, decoder_start_token_id=2, init_std=init_std, scale_embedding=True,
        tokenizer_class="NllbTokenizer")
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(config).eval()
    with torch.no_grad():  # keep language codes from being generated mid-sentence by a random model
        codes = tokenizer.convert_tokens_to_ids(list(FAIRSEQ_LANGUAGE_CODES))
        model.model.shared.weight[codes] *= 0.01
    model.save_pretrained(out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build a random model into a folder."""
    parser = argparse.ArgumentParser(prog="python -m translate.random_model", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder to write the model into")
    parser.add_argument("--kind", choices=("marian", "nllb"), default="marian")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--corpus", help="extra text file to train the sentencepiece model on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, help="Marian only: pad the vocabulary to this size")
    parser.add_argument("--like", metavar="FOLDER", help="Marian with the configuration and tokenizer of the "
                        "released model in FOLDER (e.g. ../shared/models/opus-mt-id-en) and random weights")
    args = parser.parse_args(argv)
    if args.like:
        print(build_marian_like(args.out, args.like, seed=args.seed))
        return 0
    extra = Path(args.corpus).read_text(encoding="utf-8").splitlines() if args.corpus else []
    if args.kind == "marian":
        print(build_marian(args.out, extra, size=args.size, seed=args.seed, vocab_size=args.vocab_size))
    else:
        print(build_nllb(args.out, extra, size=args.size, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
