"""The baseline a team might deploy instead of Kabar: FastAPI + a transformers model, EasyNMT-style.

    python bench/plain_server.py MODEL_DIR PORT [--beam 4]

One process, one model in fp32 on PyTorch; ``POST /translate`` takes LibreTranslate's ``{"q", "source",
"target"}``, splits the text into sentences, translates them as one padded batch and joins them. The route is
a plain ``def``, so FastAPI runs it in its thread pool, as such services do. Used by ``bench/serve.py`` only.
"""
from __future__ import annotations

import argparse
import re
import threading

from pydantic import BaseModel

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")  # the same naive splitter the LibreTranslate launcher uses


class Body(BaseModel):
    """LibreTranslate's request body."""

    q: str
    source: str = "id"
    target: str = "en"


def build_app(model_dir: str, beam: int):
    import torch
    from fastapi import FastAPI
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(model_dir)
    model = MarianMTModel.from_pretrained(model_dir).eval()
    lock = threading.Lock()  # one generate at a time: PyTorch already uses every core for one
    app = FastAPI()

    @app.post("/translate")
    def translate(body: Body):
        sentences = [s for s in SENTENCE_END.split(body.q.strip()) if s]
        if not sentences:
            return {"translatedText": ""}
        batch = tokenizer(sentences, return_tensors="pt", padding=True, truncation=True, max_length=512)
        longest = int(batch["attention_mask"].sum(1).max())
        with lock, torch.inference_mode():
            out = model.generate(**batch, num_beams=beam, max_new_tokens=2 * longest + 10)
        return {"translatedText": " ".join(tokenizer.batch_decode(out, skip_special_tokens=True))}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("port", type=int)
    parser.add_argument("--beam", type=int, default=4)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(build_app(args.model, args.beam), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
