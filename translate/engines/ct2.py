"""The fast engine: CTranslate2 (int8 on CPU, float16 on GPU), converted once per model and cached."""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from news import config
from news.errors import ConfigError, EngineError
from translate import budget
from translate.engines.common import Seq2SeqEngine, available_cpus
from translate.models import ResolvedModel
from translate.tokenization import HFPieces, load_pieces

log = logging.getLogger(__name__)

CPU_COMPUTE_TYPES = ("int8", "int8_float32", "float32")
GPU_COMPUTE_TYPES = ("float16", "int8_float16", "bfloat16", "int8", "float32")
DEFAULT_COMPUTE_TYPE = {"cpu": "int8", "cuda": "float16"}
# On CPU each core's replica decodes its own batch; batches of 8 translate about as fast as 16 at beam 4
# (588 vs 627 tok/s, within this machine's noise) with 31% less peak memory (289 vs 419 MB), see
# bench/RESULTS.md. A GPU wants large batches.
DEFAULT_MAX_BATCH_SIZE = {"cpu": 8, "cuda": 64}
# Within this many seconds of a request's deadline, each sentence is decoded alone (see _generate_until_deadline):
# the work then ends within one sentence's decoding of the deadline instead of one batch's.
NEAR_DEADLINE = 2.0
# What is stored on disk for each compute type (the loader converts int8 <-> float types as needed).
_QUANTIZATION = {"int8": "int8", "int8_float32": "int8", "int8_float16": "int8_float16", "float16": "float16",
                 "bfloat16": "bfloat16", "float32": None}


def _ct2():
    try:
        import ctranslate2
    except ImportError as exc:
        raise EngineError("The ct2 engine needs CTranslate2: pip install -r requirements.txt "
                          "(or choose --engine transformers)") from exc
    return ctranslate2


def converted_path(model: ResolvedModel, quantization: str | None, cache_dir: Path, vmap: Path | None = None) -> Path:
    """Where the CTranslate2 copy of ``model`` with ``quantization`` (and ``vmap``) lives (content-addressed)."""
    ct2 = _ct2()
    suffix = ""
    if vmap is not None:
        suffix = "-" + CT2Translator.variant_of(vmap=vmap)
    return cache_dir / "ct2" / f"{model.fingerprint}-{quantization or 'float32'}{suffix}-ct2v{ct2.__version__}"


def convert_once(model: ResolvedModel, quantization: str | None, cache_dir: Path, vmap: Path | None = None) -> Path:
    """Convert ``model`` to CTranslate2 unless already converted; the result appears atomically.

    The conversion is written to a temporary folder beside the target and renamed into place, so a
    crash or a concurrent conversion never leaves a half-written model that counts as done.
    """
    target = converted_path(model, quantization, cache_dir, vmap)
    if (target / "model.bin").is_file():
        return target
    ct2 = _ct2()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        converter = ct2.converters.TransformersConverter(str(model.path))
        converter.convert(str(tmp / "model"), vmap=str(vmap) if vmap else None, quantization=quantization, force=True)
        try:
            os.rename(tmp / "model", target)
        except OSError:
            if not (target / "model.bin").is_file():  # someone else won the race only if theirs is complete
                raise
    except Exception as exc:
        if isinstance(exc, EngineError):
            raise
        raise EngineError(f"Could not convert {model.ref!r} to CTranslate2: {exc}. "
                          "Try --engine transformers.") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _move_aside(folder: Path) -> None:
    """Rename a damaged conversion out of the way (kept for inspection; never reused)."""
    aside = folder.with_name(f".damaged-{folder.name}-{os.getpid()}")
    shutil.rmtree(aside, ignore_errors=True)
    try:
        os.replace(folder, aside)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


class CT2Translator(Seq2SeqEngine):
    """Translate with ``ctranslate2.Translator.translate_batch`` on a converted copy of the model."""

    engine_name = "ct2"

    def __init__(self, model: ResolvedModel, *, beam_size: int, device: str = "auto", compute_type: str | None = None,
                 threads: int | None = None, inter_threads: int | None = None, cache_dir: Path | None = None,
                 vmap: str | Path | None = None, **options):
        ct2 = _ct2()
        device, compute_type = self.settle(device, compute_type)
        options.setdefault("max_batch_size", DEFAULT_MAX_BATCH_SIZE[device])
        variant = self.variant_of(vmap=vmap)
        super().__init__(model, beam_size=beam_size, device=device, compute_type=compute_type, variant=variant,
                         **options)
        self.use_vmap = vmap is not None
        # On CPU, one single-threaded replica per core, each decoding its own batch, beat one replica
        # with every core on each batch: 1.5x on a 32-sentence article and 1.9x on 128 sentences, and
        # faster even for one sentence (bench/RESULTS.md). ``threads`` caps the cores used.
        cores = threads or available_cpus()
        self.parallel = inter_threads or (cores if device == "cpu" else 1)
        quantization, folder, shortlist = _QUANTIZATION[compute_type], cache_dir or config.cache_dir(), \
            Path(vmap) if vmap else None
        for attempt in (1, 2):  # a damaged conversion in the cache is moved aside and converted once more
            self.model_dir = convert_once(model, quantization, folder, shortlist)
            try:
                self.net = ct2.Translator(str(self.model_dir), device=device, compute_type=compute_type,
                                          inter_threads=self.parallel, intra_threads=1)
                break
            except Exception as exc:  # ct2 raises Runtime/Value/IndexError on a damaged model.bin
                if attempt == 2:
                    raise EngineError(f"CTranslate2 cannot load the model converted from {model.ref!r} ({exc}). "
                                      "Try --engine transformers.") from None
                log.warning("converted model %s could not be loaded (%s); converting again", self.model_dir, exc)
                _move_aside(self.model_dir)

    @classmethod
    def settle(cls, device: str, compute_type: str | None) -> tuple[str, str]:
        if device == "auto":
            device = "cuda" if _ct2().get_cuda_device_count() > 0 else "cpu"
        if device not in ("cpu", "cuda"):
            raise ConfigError(f"{device!r} is not a valid device. Accepted values are: auto, cpu, cuda.")
        compute_type = compute_type or DEFAULT_COMPUTE_TYPE[device]
        accepted = CPU_COMPUTE_TYPES if device == "cpu" else GPU_COMPUTE_TYPES
        if compute_type not in accepted:
            raise ConfigError(f"{compute_type!r} is not a valid compute type on {device}. "
                              f"Accepted types are: {', '.join(accepted)}.")
        return device, compute_type

    @classmethod
    def variant_of(cls, vmap: str | Path | None = None, **options) -> str:
        if vmap is None:
            return ""
        if not Path(vmap).is_file():
            raise ConfigError(f"Vocabulary map {vmap} does not exist; build one with python -m translate.vmap.")
        return "vmap-" + hashlib.blake2b(Path(vmap).read_bytes(), digest_size=6).hexdigest()

    def _load_tokenizer(self, model: ResolvedModel, src_lang: str):
        """sentencepiece/``tokenizers`` directly (no PyTorch in memory); transformers' tokenizer otherwise."""
        pieces = load_pieces(model, src_lang)
        return pieces if pieces is not None else HFPieces(super()._load_tokenizer(model, src_lang))

    def _encode(self, texts):
        return self.tokenizer.encode(list(texts))

    def _submit(self, batch: list[list[str]], asynchronous: bool):
        tokens = batch  # token strings already (see _encode)
        longest = max(len(x) for x in batch)
        prefix = [[self.target_token]] * len(tokens) if self.target_token else None
        return self.net.translate_batch(tokens, target_prefix=prefix, beam_size=self.info.beam_size,
                                        # transformers counts the EOS it forces at the limit; CTranslate2 does not
                                        max_decoding_length=self.max_new_tokens(longest) - (0 if self.decode_length else 1),
                                        min_decoding_length=self.min_new_tokens(), max_input_length=0,
                                        return_scores=False, use_vmap=self.use_vmap, asynchronous=asynchronous,
                                        **self.anti_repeat_options())

    def _decode_best(self, results) -> list[str]:
        best = [result.hypotheses[0] for result in results]
        self.tokens_generated += sum(len(h) for h in best) - (len(best) if self.target_token else 0)
        return [self.tokenizer.decode(h) for h in best]

    def _generate(self, batch: list[list[str]]) -> list[str]:
        return self._decode_best(self._submit(batch, False))

    def _generate_nbest(self, batch: list[list[str]], n: int) -> list[list[str]]:
        prefix = [[self.target_token]] * len(batch) if self.target_token else None
        results = self.net.translate_batch(batch, target_prefix=prefix, beam_size=max(self.info.beam_size, n),
                                           num_hypotheses=n,
                                           max_decoding_length=self.max_new_tokens(max(len(x) for x in batch)),
                                           max_input_length=0, use_vmap=self.use_vmap)
        return [[self.tokenizer.decode(h) for h in result.hypotheses] for result in results]

    def _generate_all(self, batches: list[list[list[str]]]):
        """Keep every replica busy: up to two batches a replica are queued, results come back in order.

        Work with a deadline (a server request) goes through :meth:`_generate_until_deadline` instead."""
        if budget.has_deadline():
            yield from self._generate_until_deadline(batches)
            return
        window = 2 * self.parallel
        budget.check()
        pending = [self._submit(b, True) for b in batches[:window]]
        for i in range(len(batches)):
            done = pending.pop(0)
            if i + window < len(batches):
                budget.check()
                pending.append(self._submit(batches[i + window], True))
            yield self._decode_best([r.result() for r in done])

    def _generate_until_deadline(self, batches: list[list[list[str]]]):
        """Batches in order for work that must stop at a deadline: one job a replica in flight (none queued
        behind it), and within ``NEAR_DEADLINE`` seconds of the deadline each sentence a job of its own, so that
        the work ends within one sentence's decoding of it. Nothing is submitted after the deadline; the jobs
        in flight are waited for, so that the model is idle when the work slot is released."""
        from collections import deque

        jobs: deque = deque()  # (batch index, positions in the batch, async results), oldest first
        outputs: list[list] = [[None] * len(b) for b in batches]
        missing = [len(b) for b in batches]
        ready = 0

        def finish_oldest():
            """Wait for the oldest job, then yield every batch that is now whole, in order."""
            nonlocal ready
            k, positions, results = jobs.popleft()
            for position, text in zip(positions, self._decode_best([r.result() for r in results])):
                outputs[k][position] = text
            missing[k] -= len(positions)
            while ready < len(batches) and missing[ready] == 0:
                yield outputs[ready]
                ready += 1

        try:
            for k, batch in enumerate(batches):
                left = budget.seconds_left()
                pieces = [[i] for i in range(len(batch))] if left is not None and left < NEAR_DEADLINE \
                    else [list(range(len(batch)))]
                for piece in pieces:
                    while len(jobs) >= self.parallel:
                        yield from finish_oldest()
                    budget.check()
                    jobs.append((k, piece, self._submit([batch[i] for i in piece], True)))
            while jobs:
                yield from finish_oldest()
        finally:
            for _, _, results in jobs:  # stopped early: the replicas finish what they hold before the slot is free
                for r in results:
                    try:
                        r.result()
                    except Exception:  # noqa: S110 - its request has already failed
                        pass
