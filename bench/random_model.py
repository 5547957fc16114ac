"""Build randomly initialised Marian and NLLB-architecture models with a sentencepiece model trained on the fly.

They load, convert and decode through exactly the same code as real models, so tests and
benchmarks exercise the real paths without downloading anything. Their output is meaningless.

    python -m bench.random_model DIR [--kind marian|nllb] [--size tiny|base]
    python -m bench.random_model DIR --like ../shared/models/opus-mt-id-en   # the real model's shape
    python -m bench.random_model DIR --like ../shared/models/opus-mt-id-en --calibrated   # and lengths
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
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
FLORES_DEV = REAL_MODEL.parent.parent / "data" / "mt" / "flores200" / "dev.ind"
CALIBRATION_SENTENCES = 64


def build_marian_like(out: str | Path, like: str | Path = REAL_MODEL, *, seed: int = 0,
                      calibrate_on: Sequence[str] | None = None, ratio: float = 1.0, progress: bool = False) -> Path:
    """A Marian with exactly the configuration and tokenizer of the released model in ``like`` (config.json,
    source/target.spm, vocab.json...; opus-mt-id-en: 54,796 entries, d_model 512, 6+6 layers) and random
    weights drawn as transformers initialises them (``init_std`` of that config). Loading, conversion to
    CTranslate2, tokenization and detokenization meet exactly what they meet with the real model; the
    English is meaningless. With ``calibrate_on`` (source sentences, e.g. FLORES-200 dev) the end-of-sentence
    score is wired so that outputs end near ``ratio`` × the source's length (:func:`calibrate_length`; what was
    fitted is written to ``calibration.json``) instead of repeating a token up to the length cap."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    like, out = Path(like), Path(out)
    missing = [name for name in ("config.json", "source.spm", "target.spm", "vocab.json") if not (like / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{like}: not a released Marian folder (missing {', '.join(missing)}); pass the "
                                "folder of opus-mt-id-en's config and tokenizer, e.g. ../shared/models/opus-mt-id-en")
    out.mkdir(parents=True, exist_ok=True)
    released_config = ("config.json", "generation_config.json")  # copied after the weights: saving rewrites them
    for name in LIKE_FILES:
        if name not in released_config and (like / name).is_file():
            shutil.copyfile(like / name, out / name)
    config = MarianConfig.from_pretrained(like)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    if calibrate_on is not None:
        from transformers import MarianTokenizer

        fitted = calibrate_length(model, MarianTokenizer.from_pretrained(out), list(calibrate_on), ratio=ratio,
                                  progress=progress)
        (out / "calibration.json").write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    model.save_pretrained(out)
    for name in released_config:  # the released files, not a re-serialisation
        if (like / name).is_file():
            shutil.copyfile(like / name, out / name)
    return out


# Length calibration of a real-shaped Marian. Random weights never choose </s> where a translation would end:
# a random opus-mt-id-en repeats one token up to the length cap. Three dimensions of the residual stream are
# reserved (no token embedding and no sublayer writes to them) and wired so that the end-of-sentence score
# rises sharply once the decoder's position passes a multiple of the source's length:
#   _P  a sine dimension of the sinusoidal positions (ω = 10000^(-280/512) ≈ 0.0065: monotonic over 240
#       positions): the decoder's step, and in the encoder each source position;
#   _Q  the last decoder layer's cross-attention copies the encoder's _P here through one head made uniform
#       (its queries zeroed): the mean over the source positions, which grows with the source's length;
#   _M  one FFN unit of the last decoder layer writes swish(g·(_P − r·_Q − c)) here: ≈ 0 before the crossing,
#       growing fast after it; </s>'s output row reads _M with weight w, and its bias holds it down until then.
# r and c are fitted by least squares so that the crossing falls at ``ratio`` × the source length on the
# calibration sentences (decoded greedily with </s> held off, then read back with the decoder's own tokens).
_P, _Q, _M, _UNIT = 140, 510, 511, 0
_GAIN, _READ, _EOS_BIAS = 300.0, 4.0, -40.0


def _wire_length(model, r: float, c: float, *, gain: float = _GAIN, eos_bias: float = _EOS_BIAS) -> None:
    """Reserve _P, _Q, _M in ``model`` (a MarianMTModel, changed in place) and wire the end-of-sentence score."""
    import torch

    config = model.config
    eos, head_dim = config.eos_token_id, config.d_model // config.decoder_attention_heads
    with torch.no_grad():
        embeddings = model.model.shared.weight  # tied: input embeddings and output projection
        embeddings[:, [_P, _Q, _M]] = 0.0
        embeddings[eos, _M] = _READ

        def no_write(linear, rows):
            linear.weight[rows, :] = 0.0
            linear.bias[rows] = 0.0

        for layer in model.model.encoder.layers:
            no_write(layer.self_attn.out_proj, [_P])
            no_write(layer.fc2, [_P])
        for layer in model.model.decoder.layers:
            for linear in (layer.self_attn.out_proj, layer.encoder_attn.out_proj, layer.fc2):
                no_write(linear, [_P, _Q, _M])
        last = model.model.decoder.layers[-1]
        head = slice(_Q // head_dim * head_dim, (_Q // head_dim + 1) * head_dim)
        last.encoder_attn.q_proj.weight[head, :] = 0.0  # this head attends to every source position alike
        last.encoder_attn.q_proj.bias[head] = 0.0
        value, out = last.encoder_attn.v_proj, last.encoder_attn.out_proj
        no_write(value, [_Q])
        value.weight[_Q, _P] = 1.0
        out.weight[_Q, _Q] = 1.0  # (its row was cleared above)
        fc1, fc2 = last.fc1, last.fc2
        fc1.weight[_UNIT, :] = 0.0
        fc1.weight[_UNIT, _P], fc1.weight[_UNIT, _Q], fc1.bias[_UNIT] = gain, -gain * r, -gain * c
        fc2.weight[:, _UNIT] = 0.0
        fc2.weight[_M, _UNIT] = 1.0
        model.final_logits_bias[0, eos] = eos_bias


def calibrate_length(model, tokenizer, sentences: Sequence[str], *, ratio: float = 1.0, progress: bool = False) -> dict:
    """Fit and wire the end-of-sentence score of ``model`` (see above) so that outputs end near ``ratio`` ×
    the source's token count; returns what was fitted. With ``progress``, a bar on standard error counts the
    sentences decoded and estimates the time left."""
    import sys

    import numpy as np
    import torch
    from tqdm import tqdm

    if model.config.d_model != 512 or not getattr(model.config, "static_position_embeddings", True):
        raise ValueError("length calibration is written for OPUS-MT's shape (d_model 512, sinusoidal positions)")
    _wire_length(model, 0.0, 0.0, gain=0.0, eos_bias=-100.0)  # </s> held off while positions are read
    last = model.model.decoder.layers[-1]
    seen: dict = {}
    hook = last.encoder_attn_layer_norm.register_forward_hook(lambda _m, _i, output: seen.__setitem__("h", output))
    positions, sources = [], []
    try:
        for sentence in tqdm(sentences, desc="calibrating the output length", unit="sentence", file=sys.stderr,
                             disable=not progress):
            encoded = tokenizer([sentence], return_tensors="pt")
            steps = max(2, int(ratio * encoded.input_ids.shape[1]))
            with torch.no_grad():
                made = model.generate(**encoded, num_beams=1, do_sample=False, max_new_tokens=steps,
                                      min_new_tokens=steps)
                model(**encoded, decoder_input_ids=made[:, :steps])
            positions.append(seen["h"][0, steps - 1, _P].item())
            sources.append(seen["h"][0, steps - 1, _Q].item())
    finally:
        hook.remove()
    design = np.stack([np.array(sources), np.ones(len(sources))], 1)
    (r, c), *_ = np.linalg.lstsq(design, np.array(positions), rcond=None)
    residual = float((np.array(positions) - design @ np.array([r, c])).std())
    _wire_length(model, float(r), float(c))
    return {"ratio": ratio, "r": float(r), "c": float(c), "residual_sd": residual, "sentences": len(sentences),
            "dimensions": {"position": _P, "source_length": _Q, "readout": _M}, "gain": _GAIN,
            "eos_read_weight": _READ, "eos_bias": _EOS_BIAS}


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
    parser = argparse.ArgumentParser(prog="python -m bench.random_model", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder to write the model into")
    parser.add_argument("--kind", choices=("marian", "nllb"), default="marian")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--corpus", help="extra text file to train the sentencepiece model on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, help="Marian only: pad the vocabulary to this size")
    parser.add_argument("--like", metavar="FOLDER", help="Marian with the configuration and tokenizer of the "
                        "released model in FOLDER (e.g. ../shared/models/opus-mt-id-en) and random weights")
    parser.add_argument("--calibrated", action="store_true", help="with --like: wire the end-of-sentence score so that "
                        "outputs end near the source's length (fitted on FLORES-200 dev)")
    parser.add_argument("--calibration-text", metavar="FILE", help="source sentences to fit on, one a line "
                        "(default: ../shared/data/mt/flores200/dev.ind, its first 64)")
    args = parser.parse_args(argv)
    if args.like:
        calibration = None
        if args.calibrated:
            flores = Path(args.calibration_text) if args.calibration_text else FLORES_DEV
            if not flores.is_file():
                parser.error(f"{flores} not found: --calibrated reads source sentences from it (FLORES-200 dev in "
                             "../shared/data); pass another file with --calibration-text")
            calibration = flores.read_text(encoding="utf-8").splitlines()[:CALIBRATION_SENTENCES]
            print(f"decoding {len(calibration)} sentences to fit the output length: about a minute on 2 idle cores "
                  "(the bar below estimates the rest)", file=sys.stderr)
        print(build_marian_like(args.out, args.like, seed=args.seed, calibrate_on=calibration, progress=True))
        return 0
    extra = Path(args.corpus).read_text(encoding="utf-8").splitlines() if args.corpus else []
    if args.kind == "marian":
        print(build_marian(args.out, extra, size=args.size, seed=args.seed, vocab_size=args.vocab_size))
    else:
        print(build_nllb(args.out, extra, size=args.size, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
