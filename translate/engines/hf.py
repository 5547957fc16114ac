"""The reference engine: transformers ``generate`` in PyTorch (float32 on CPU)."""
from __future__ import annotations

from news.errors import ConfigError, EngineError
from translate.engines.common import Seq2SeqEngine, available_cpus
from translate.models import ResolvedModel

COMPUTE_TYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}


def _torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise EngineError("The transformers engine needs torch and transformers: "
                          "pip install -r requirements.txt") from exc
    return torch


class HFTranslator(Seq2SeqEngine):
    """Translate with ``AutoModelForSeq2SeqLM.generate`` (greedy or beam search, no sampling)."""

    engine_name = "transformers"

    def __init__(self, model: ResolvedModel, *, beam_size: int, device: str = "auto", compute_type: str | None = None,
                 threads: int | None = None, **options):
        torch = _torch()
        from transformers import AutoModelForSeq2SeqLM

        device, compute_type = self.settle(device, compute_type)
        super().__init__(model, beam_size=beam_size, device=device, compute_type=compute_type, **options)
        if device == "cpu":
            torch.set_num_threads(threads or available_cpus())
        self._torch = torch
        self.device = device
        self.net = AutoModelForSeq2SeqLM.from_pretrained(str(model.path), dtype=getattr(torch, compute_type))
        self.net.to(device).eval()
        self.forced_bos = self.tokenizer.convert_tokens_to_ids(self.target_token) if self.target_token else None
        # what tokens_generated does not count (start, end, padding, language codes), made once
        self._special_ids = torch.tensor(sorted(self.tokenizer.all_special_ids), device=device)

    @classmethod
    def settle(cls, device: str, compute_type: str | None) -> tuple[str, str]:
        if device == "auto":
            device = "cuda" if _torch().cuda.is_available() else "cpu"
        if device not in ("cpu", "cuda"):
            raise ConfigError(f"{device!r} is not a valid device. Accepted values are: auto, cpu, cuda.")
        compute_type = compute_type or "float32"
        if compute_type not in COMPUTE_TYPES:
            raise ConfigError(f"{compute_type!r} is not a valid compute type for the transformers engine. "
                              f"Accepted values are: {', '.join(COMPUTE_TYPES)}.")
        return device, compute_type

    def _generate(self, batch: list[list[int]]) -> list[str]:
        torch = self._torch
        padded = self.tokenizer.pad({"input_ids": batch}, return_tensors="pt")
        longest = max(len(x) for x in batch)
        kwargs = {"forced_bos_token_id": self.forced_bos} if self.forced_bos is not None else {}
        with torch.inference_mode():
            out = self.net.generate(input_ids=padded["input_ids"].to(self.device),
                                    attention_mask=padded["attention_mask"].to(self.device),
                                    num_beams=self.info.beam_size, do_sample=False,
                                    max_new_tokens=self.max_new_tokens(longest),
                                    min_new_tokens=self.min_new_tokens(), **kwargs, **self.anti_repeat_options())
            self.tokens_generated += int((~torch.isin(out, self._special_ids)).sum())
        return self.tokenizer.batch_decode(out, skip_special_tokens=True)

    def _generate_nbest(self, batch: list[list[int]], n: int) -> list[list[str]]:
        torch = self._torch
        padded = self.tokenizer.pad({"input_ids": batch}, return_tensors="pt")
        kwargs = {"forced_bos_token_id": self.forced_bos} if self.forced_bos is not None else {}
        with torch.inference_mode():
            out = self.net.generate(input_ids=padded["input_ids"].to(self.device),
                                    attention_mask=padded["attention_mask"].to(self.device),
                                    num_beams=max(self.info.beam_size, n), num_return_sequences=n, do_sample=False,
                                    max_new_tokens=self.max_new_tokens(max(len(x) for x in batch)), **kwargs)
        texts = self.tokenizer.batch_decode(out, skip_special_tokens=True)
        return [texts[i * n:(i + 1) * n] for i in range(len(batch))]
