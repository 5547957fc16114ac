"""What every sequence-to-sequence engine shares: tokenizing, splitting long sentences, batching, reassembly."""
from __future__ import annotations

import os
import time
from collections.abc import Sequence

from news.errors import ConfigError
from translate import budget, metrics
from translate.base import NLLB_CODES, TranslatorInfo
from translate.batching import DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_TOKENS, plan_batches, split_long
from translate.models import ResolvedModel

DEFAULT_MAX_INPUT_TOKENS = 256
# Output budget per input token (+ a constant): English is rarely longer than 2x its Indonesian source.
OUTPUT_RATIO = 2.0
OUTPUT_EXTRA = 10
NBEST_BATCH = 32  # sentences decoded together for n-best lists (LibreTranslate alternatives)
# Work that must stop at a deadline (a server request) decodes at most this many sentences a batch on CPU, so that it
# stops within one short batch: on opus-mt-id-en's real shape, batches of 4 took 0.75 s against 1.35 s for 8, for
# 11% more time in all (bench/RESULTS.md, bench/budget.py).
DEADLINE_BATCH = 4


def available_cpus() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def load_tokenizer(model: ResolvedModel, src_lang: str):
    """Load the model's own tokenizer (Marian sentencepiece or NLLB) from its folder."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if model.kind == "nllb":
        if src_lang not in NLLB_CODES:
            raise ConfigError(f"{src_lang!r} is not a valid source language for NLLB. "
                              f"Accepted values are: {', '.join(sorted(NLLB_CODES))}.")
        return AutoTokenizer.from_pretrained(str(model.path), src_lang=NLLB_CODES[src_lang])
    return AutoTokenizer.from_pretrained(str(model.path))


NO_REPEAT_NGRAM = 3
REPETITION_PENALTY = 1.2


class Seq2SeqEngine:
    """Base of the engines: subclasses implement :meth:`_generate` for one batch of token ids."""

    engine_name = "base"

    def __init__(self, model: ResolvedModel, *, beam_size: int, device: str, compute_type: str,
                 src_lang: str = "id", tgt_lang: str = "en", max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
                 max_batch_size: int = DEFAULT_MAX_BATCH_SIZE, max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS,
                 decode_length: int | None = None, variant: str = ""):
        self.model = model
        self.tokenizer = self._load_tokenizer(model, src_lang)
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_size = max_batch_size
        limit = min(model.max_positions, getattr(self.tokenizer, "model_max_length", 10**6) or 10**6)
        self.max_input_tokens = max(8, min(max_input_tokens, limit - 2))
        self.max_positions = model.max_positions
        # Benchmarks only: decode exactly this many tokens (min = max), as a random model never stops.
        self.decode_length = decode_length
        self.anti_repeat = False  # set only inside translate_without_loops
        self.target_token = NLLB_CODES.get(tgt_lang) if model.kind == "nllb" else None
        self.info = self._info(model, device, compute_type, beam_size, src_lang, tgt_lang, variant)
        self.segments_translated = 0
        self.tokens_generated = 0  # output tokens of ordinary decoding (no end-of-sentence, no language code)
        self.parallel = 1  # batches decoded at the same time (ct2 on CPU: one per core)

    @classmethod
    def settle(cls, device: str, compute_type: str | None) -> tuple[str, str]:
        """The concrete (device, compute type) for the requested ones ("auto", None), or a ConfigError."""
        raise NotImplementedError

    @classmethod
    def variant_of(cls, **options) -> str:
        """The part of the options that changes outputs beyond model, compute type and beam (see TranslatorInfo)."""
        return ""

    @classmethod
    def describe(cls, model: ResolvedModel, *, beam_size: int, device: str = "auto", compute_type: str | None = None,
                 src_lang: str = "id", tgt_lang: str = "en", **options) -> TranslatorInfo:
        """The :class:`TranslatorInfo` an engine built with these arguments has, without loading anything."""
        device, compute_type = cls.settle(device, compute_type)
        return cls._info(model, device, compute_type, beam_size, src_lang, tgt_lang, cls.variant_of(**options))

    @classmethod
    def _info(cls, model: ResolvedModel, device: str, compute_type: str, beam_size: int, src_lang: str,
              tgt_lang: str, variant: str) -> TranslatorInfo:
        """The one place a :class:`TranslatorInfo` is made, for loaded engines and planned ones alike."""
        return TranslatorInfo(model=model.ref, engine=cls.engine_name, model_kind=model.kind, device=device,
                              compute_type=compute_type, beam_size=beam_size, src_lang=src_lang, tgt_lang=tgt_lang,
                              fingerprint=model.fingerprint, variant=variant)

    def _load_tokenizer(self, model: ResolvedModel, src_lang: str):
        return load_tokenizer(model, src_lang)

    def _encode(self, texts: Sequence[str]) -> list[list]:
        """Model inputs per text (token ids here; engines may use token strings)."""
        return self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]

    def _count(self, text: str) -> int:
        return len(self._encode([text])[0])

    def max_new_tokens(self, source_length: int) -> int:
        """Output length budget for a source of ``source_length`` tokens."""
        if self.decode_length:
            return self.decode_length
        return max(8, min(self.max_positions - 2, int(OUTPUT_RATIO * source_length) + OUTPUT_EXTRA))

    def min_new_tokens(self) -> int:
        """Shortest output allowed: 0, except when a benchmark forces the length."""
        return self.decode_length or 0

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """Translate sentences; identical sentences are translated once and long ones in clause-sized pieces."""
        unique = list(dict.fromkeys(s.strip() for s in sentences))
        texts = [s for s in unique if s]
        budget.charge(sum(map(len, texts)), "translating again without loops" if self.anti_repeat else "a translation")
        ids: list[list] = []  # model inputs, one per piece
        owners: list[int] = []
        # Each sentence is tokenized once; only those over the model's limit are split and re-tokenized.
        for idx, encoded in enumerate(self._encode(texts) if texts else []):
            if len(encoded) <= self.max_input_tokens:
                ids.append(encoded)
                owners.append(idx)
                continue
            parts = split_long(texts[idx], self._count, self.max_input_tokens)
            ids.extend(self._encode(parts))
            owners.extend([idx] * len(parts))
        outputs = [""] * len(ids)
        if ids:
            kind = "repair" if self.anti_repeat else "translate"
            metrics.MODEL_CALLS.labels(kind=kind).inc()
            metrics.INPUT_CHARS.inc(sum(map(len, texts)))
            metrics.INPUT_TOKENS.inc(sum(map(len, ids)))
            started = time.perf_counter()
            # at least one batch per parallel worker, so that a short text still uses every core
            # on a GPU a batch is fast and large batches are its strength: the cap is for CPU decoding
            deadline = budget.has_deadline() and self.info.device == "cpu"
            largest = min(self.max_batch_size, DEADLINE_BATCH) if deadline else self.max_batch_size
            size = max(1, min(largest, -(-len(ids) // self.parallel)))
            batches = plan_batches([len(x) for x in ids], max_batch_tokens=self.max_batch_tokens, max_batch_size=size)
            for batch, texts_out in zip(batches, self._generate_all([[ids[i] for i in b] for b in batches])):
                metrics.MODEL_BATCH.observe(len(batch))
                for i, text in zip(batch, texts_out):
                    outputs[i] = text.strip()
            self.segments_translated += len(ids)
            metrics.SEGMENTS.inc(len(ids))
            metrics.MODEL_SECONDS.labels(kind=kind).observe(time.perf_counter() - started)
        joined: list[list[str]] = [[] for _ in texts]
        for owner, text in zip(owners, outputs):
            joined[owner].append(text)
        by_source = {src: " ".join(t for t in parts if t) for src, parts in zip(texts, joined)}
        return [by_source.get(s.strip(), "") for s in sentences]

    def translate_without_loops(self, sentences: Sequence[str]) -> list[str]:
        """Translate again with the decoder kept out of loops: no 3-gram may repeat
        (``no_repeat_ngram_size=3``) and repeated tokens are penalised (``repetition_penalty``). Used to
        repair outputs a check found looping; never for ordinary decoding, where a real repeat is allowed."""
        self.anti_repeat = True
        try:
            return self.translate(sentences)
        finally:
            self.anti_repeat = False

    def translate_nbest(self, sentences: Sequence[str], n: int) -> list[list[str]]:
        """The ``n`` best distinct translations of each sentence, best first (LibreTranslate's alternatives).

        A sentence over the model's input limit is translated in pieces and gets that one translation.
        """
        out: list[list[str]] = [[""] for _ in sentences]
        texts = [s.strip() for s in sentences]
        todo = [i for i, text in enumerate(texts) if text]
        encoded = dict(zip(todo, self._encode([texts[i] for i in todo]) if todo else []))
        long = [i for i in todo if len(encoded[i]) > self.max_input_tokens]
        fits = sorted((i for i in todo if len(encoded[i]) <= self.max_input_tokens), key=lambda i: len(encoded[i]))
        budget.charge(sum(len(texts[i]) for i in fits), "alternatives")  # translate() charges the long ones
        for i, text in zip(long, self.translate([texts[i] for i in long]) if long else []):
            out[i] = [text]
        if fits:
            metrics.MODEL_CALLS.labels(kind="alternatives").inc()
            metrics.INPUT_CHARS.inc(sum(len(texts[i]) for i in fits))
            metrics.INPUT_TOKENS.inc(sum(len(encoded[i]) for i in fits))
        for start in range(0, len(fits), NBEST_BATCH):  # similar lengths together, a batch a decode
            budget.check()
            chunk = fits[start:start + NBEST_BATCH]
            metrics.MODEL_BATCH.observe(len(chunk))
            metrics.SEGMENTS.inc(len(chunk))
            for i, hypotheses in zip(chunk, self._generate_nbest([encoded[i] for i in chunk], n)):
                out[i] = list(dict.fromkeys(h.strip() for h in hypotheses if h.strip())) or [""]
        return out

    def anti_repeat_options(self) -> dict:
        """Decoding options of :meth:`translate_without_loops` (the same names in CTranslate2 and transformers)."""
        return {"no_repeat_ngram_size": NO_REPEAT_NGRAM, "repetition_penalty": REPETITION_PENALTY} \
            if self.anti_repeat else {}

    def _generate_nbest(self, batch: list[list], n: int) -> list[list[str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _generate(self, batch: list[list[int]]) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _generate_all(self, batches: list[list[list[int]]]):
        """Outputs of each batch in order (engines that decode batches in parallel override this); a request's
        work stops before the next batch once its deadline has passed (:mod:`translate.budget`)."""
        for batch in batches:
            budget.check()
            yield self._generate(batch)
