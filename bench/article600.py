"""One 600-word Indonesian news article through the whole pipeline, with the model already loaded.

    python bench/article600.py [--model DIR] [--repeats 5] [--json]

What a reader of the UI or the API waits for: clean, detect, split, translate (Kabar's default
engine, ct2 int8, beam 4) and summarize one article, caches off. The article is the first NTREX-128
test documents (news, human-translated into Indonesian) up to 600 words, three sentences a paragraph.

The default model is the random OPUS-MT-base-sized Marian of bench/engines.py. A random model never
stops by itself, so every batch decodes exactly L tokens, where L comes from the English references
of the article's sentences, counted with a 16k-piece sentencepiece model trained on the English side
of the other shared test sets (16,305 lines; NTREX left out). CTranslate2 drops finished hypotheses
from a batch, so decoding costs about the sum of the output lengths, and the mean length is the fair
stand-in; the 90th percentile is reported too, as the pessimistic bound.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NTREX = ROOT.parent / "shared" / "data" / "mt" / "ntrex128"
WORDS = 600


def build_article() -> tuple[str, list[str], list[str]]:
    """The article text, its source sentences and their English references."""
    src = (NTREX / "test.ind").read_text(encoding="utf-8").splitlines()
    ref = (NTREX / "test.eng").read_text(encoding="utf-8").splitlines()
    chosen, words = 0, 0
    while words < WORDS:
        words += len(src[chosen].split())
        chosen += 1
    paragraphs = [" ".join(src[i:i + 3]) for i in range(0, chosen, 3)]
    return "\n\n".join(paragraphs), src[:chosen], ref[:chosen]


def english_pieces(cache: Path):
    """A sentencepiece model for counting English output tokens (built once, cached)."""
    import sentencepiece as spm

    path = cache / "english-16k.model"
    if not path.is_file():
        data = NTREX.parent
        lines = [line for p in sorted(data.glob("*/*.eng")) if p.parent.name != "ntrex128"
                 for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
        cache.mkdir(parents=True, exist_ok=True)
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=str(path.with_suffix("")),
                                       vocab_size=16000, model_type="unigram", hard_vocab_limit=False,
                                       minloglevel=2)
    return spm.SentencePieceProcessor(model_file=str(path))


def main(argv=None) -> int:
    """Time the article at both forced lengths; print the median and the stage breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model folder (default: the random OPUS-MT-base-sized Marian)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "kabar-bench"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (NTREX / "test.ind").is_file():
        print(f"NTREX-128 not found at {NTREX}: put ../shared beside the project", file=sys.stderr)
        return 2
    from bench.engines import ensure_model
    from kabar.pipeline import Pipeline
    from news.read import Document
    from translate.registry import load_translator

    model = str(Path(args.model) if args.model else ensure_model(Path(args.cache) / "random-opus-mt-base"))
    translator = load_translator(model, "ct2", device="cpu", cache_dir=Path(args.cache))
    text, sources, refs = build_article()
    counter = english_pieces(Path(args.cache))
    lengths = sorted(len(counter.encode(r)) + 1 for r in refs)  # + </s>
    forced = {"mean": round(statistics.mean(lengths)), "p90": lengths[int(0.9 * (len(lengths) - 1))]}
    pipeline = Pipeline(translator)
    doc = Document("ntrex-600", "ntrex128/test", text=text)
    pipeline.process(doc)  # warm-up: first batches, langid model
    report = {"words": len(text.split()), "sentences": len(sources), "model": model, "engine": "ct2 int8 beam 4",
              "date": time.strftime("%Y-%m-%d"), "runs": {}}
    for label, length in forced.items():
        translator.decode_length = length
        seconds, stages = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = pipeline.process(doc)
            seconds.append(time.perf_counter() - start)
            stages.append(result.timings)
        assert result.ok and len(result.translation) == len(result.sentences), result.errors
        median = statistics.median(seconds)
        breakdown = {k: round(statistics.median(s[k] for s in stages), 3) for k in stages[0]}
        report["runs"][label] = {"forced_length": length, "seconds": round(median, 3), "stages_s": breakdown,
                                 "summary_sentences": len(result.summary_en)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['words']}-word article, {report['sentences']} sentences, {report['engine']}")
    for label, run in report["runs"].items():
        stages = ", ".join(f"{k} {v:.3f}s" for k, v in sorted(run["stages_s"].items(), key=lambda kv: -kv[1]))
        print(f"forced length {run['forced_length']} tokens ({label} of the references): {run['seconds']:.2f} s "
              f"(median of {args.repeats}); {stages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
