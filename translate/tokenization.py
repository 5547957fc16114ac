"""Torch-free tokenizers for the CTranslate2 engine.

Importing transformers loads PyTorch (about 230 MB of resident memory) although CTranslate2 needs
none of it once a model is converted. These read the same files as transformers' Marian and NLLB
tokenizers and give the same tokens (tested against them), using sentencepiece and ``tokenizers``.
"""
from __future__ import annotations

import json
from pathlib import Path

from translate.base import NLLB_CODES
from translate.models import ResolvedModel

SPIECE_UNDERLINE = "\u2581"


class MarianPieces:
    """Marian (OPUS-MT): source.spm pieces mapped through vocab.json, ``</s>`` appended."""

    def __init__(self, folder: Path):
        import sentencepiece as spm

        self.source = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
        self.target = spm.SentencePieceProcessor(model_file=str(folder / "target.spm"))
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self.vocab = set(vocab)
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")) \
            if (folder / "tokenizer_config.json").is_file() else {}
        self.unk = config.get("unk_token", "<unk>")
        self.eos = config.get("eos_token", "</s>")
        self.special = {self.unk, self.eos, config.get("pad_token", "<pad>")}

    def encode(self, texts: list[str]) -> list[list[str]]:
        """Token strings per text, as the model's source vocabulary knows them."""
        out = []
        for text in texts:
            code = []
            if text.startswith(">>") and (end := text.find("<<")) != -1:  # target-language token
                code, text = [text[: end + 2]], text[end + 2:]
            pieces = [p if p in self.vocab else self.unk for p in self.source.encode(text, out_type=str)]
            out.append(code + pieces + [self.eos])
        return out

    def decode(self, tokens: list[str]) -> str:
        """Target tokens to text, special tokens dropped."""
        pieces = [t for t in tokens if t not in self.special]
        return self.target.decode_pieces(pieces).replace(SPIECE_UNDERLINE, " ").strip()


class NllbPieces:
    """NLLB-200: tokenizer.json through the ``tokenizers`` library; ``[src_lang] … </s>``."""

    def __init__(self, folder: Path, src_lang: str):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.src_code = NLLB_CODES[src_lang]

    def encode(self, texts: list[str]) -> list[list[str]]:
        """Token strings per text with the source language code in front and ``</s>`` at the end."""
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [[self.src_code] + e.tokens + ["</s>"] for e in encoded]

    def decode(self, tokens: list[str]) -> str:
        """Target tokens to text, special tokens (language codes included) dropped."""
        ids = [self.tokenizer.token_to_id(t) for t in tokens]
        return self.tokenizer.decode([i for i in ids if i is not None], skip_special_tokens=True).strip()


class HFPieces:
    """Fallback: transformers' own tokenizer behind the same encode/decode interface."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def encode(self, texts: list[str]) -> list[list[str]]:
        """Token strings per text, special tokens included."""
        return [self.tokenizer.convert_ids_to_tokens(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def decode(self, tokens: list[str]) -> str:
        """Target tokens to text, special tokens dropped."""
        return self.tokenizer.decode(self.tokenizer.convert_tokens_to_ids(tokens), skip_special_tokens=True).strip()


def load_pieces(model: ResolvedModel, src_lang: str):
    """The torch-free tokenizer for ``model``, or None when its files are not the expected ones."""
    folder = model.path
    if model.kind == "marian" and all((folder / f).is_file() for f in ("source.spm", "target.spm", "vocab.json")) \
            and not (folder / "target_vocab.json").is_file():
        return MarianPieces(folder)
    if model.kind == "nllb" and (folder / "tokenizer.json").is_file() and src_lang in NLLB_CODES:
        return NllbPieces(folder, src_lang)
    return None
