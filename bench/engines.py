"""Engine benchmark: output tokens/s and peak RSS of transformers fp32 vs CTranslate2, in one run.

    python bench/engines.py [--runs 3] [--sentences 64] [--json]        # the real shape, free decoding
    python bench/engines.py --grid [--length 30]                       # every engine x batch x beam

By default the model is opus-mt-id-en's real shape (its config, tokenizer and 54,796-entry vocabulary from
../shared/models/opus-mt-id-en) with random, length-calibrated weights (python -m bench.random_model
--like ... --calibrated): outputs end near the source's length, so decoding is free, as with a real model,
on FLORES-200 devtest tokenized by the real tokenizer. Tokens are the engine's own output tokens. Each
configuration runs in its own process (peak RSS is that engine's own); each run measures transformers fp32
at Kabar's CPU batch size (8), Kabar's default engine (CTranslate2 int8, its own batching) and the same with
the vocabulary shortlist, at beam 4 and 1, and the medians of the ratios over the runs are reported with
each run's absolute figures. --model DIR measures another model (a real one where you have it).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLORES = ROOT.parent / "shared" / "data" / "mt" / "flores200"
# (engine, compute type, vocabulary shortlist)
CONFIGS = [("transformers", "float32", False), ("ct2", "float32", False), ("ct2", "int8", False), ("ct2", "int8", True)]
DEFAULT = ("ct2", "int8", False)  # Kabar's default engine with its own batching (no batch size imposed)
REPEATS = 3  # timed passes per configuration with a forced length (--grid); the median is reported
REAL_MODEL = ROOT.parent / "shared" / "models" / "opus-mt-id-en"
HF_BATCH = 8  # transformers at Kabar's own CPU batch size: the "equal batch" comparison


def sentences(n: int, split: str = "devtest") -> list[str]:
    """Benchmark inputs: the first n FLORES-200 Indonesian sentences (the run stops if FLORES is absent)."""
    path = FLORES / f"{split}.ind"
    if not path.is_file():  # no silent fallback: a few repeated sentences would inflate tokens/s
        raise SystemExit(f"FLORES-200 not found at {path}; put the shared folder beside the project")
    return path.read_text(encoding="utf-8").splitlines()[:n]  # distinct sentences only, never repeated


def worker(args) -> dict:
    """Run one configuration in this process and report tokens/s, peak RSS and outputs."""
    from translate.registry import load_translator

    start = time.perf_counter()
    batching = {"max_batch_size": args.batch, "max_batch_tokens": 10**9} if args.batch else {}
    translator = load_translator(args.model, args.engine, compute_type=args.compute_type, beam_size=args.beam,
                                 device=args.device, **batching,
                                 decode_length=args.length or None, cache_dir=Path(args.cache),
                                 **({"vmap": args.vmap} if args.vmap else {}))
    load_s = time.perf_counter() - start
    inputs = sentences(args.sentences)
    translator.translate(inputs[: min(4, len(inputs))])  # warm-up
    timings, counted = [], []
    for _ in range(REPEATS if args.length else 1):
        before = translator.tokens_generated
        start = time.perf_counter()
        outputs = translator.translate(inputs)
        timings.append(time.perf_counter() - start)
        counted.append(translator.tokens_generated - before)  # the engine's own output tokens
    seconds = sorted(timings)[len(timings) // 2]
    tokens = counted[0]
    return {"engine": args.engine, "compute_type": args.compute_type, "vmap": bool(args.vmap), "beam": args.beam,
            "batch": args.batch,
            "sentences": len(inputs), "seconds": seconds, "load_seconds": load_s,
            "tokens": tokens, "tokens_per_s": tokens / seconds if tokens else None,
            "peak_rss_mb": peak_rss_mb(), "outputs": outputs}


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec. (``ru_maxrss`` does not: Linux carries
    the forking parent's high-water mark across exec, so a large parent would set every worker's peak.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_config(model: str, config: tuple, beam: int, batch: int, n: int, length: int, cache: str,
               vmap: str | None, device: str = "cpu") -> dict:
    """Run one configuration in a fresh process."""
    engine, compute_type, use_vmap = config
    cmd = [sys.executable, __file__, "--worker", "--device", device, "--model", model, "--engine", engine,
           "--compute-type", compute_type,
           "--beam", str(beam), "--batch", str(batch), "--sentences", str(n), "--length", str(length),
           "--cache", cache] + (["--vmap", vmap] if use_vmap and vmap else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark worker failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def ensure_model(path: Path) -> Path:
    """Build the random OPUS-MT-base-sized model once."""
    if not (path / "config.json").is_file():
        from bench.random_model import build_marian

        corpus = sentences(2000)
        build_marian(path, corpus, size="base", vocab_size=54796)
    return path


def ensure_real_shape(cache: Path) -> Path | None:
    """The length-calibrated real-shaped model, built once into the cache (None when ../shared is absent)."""
    path = cache / "real-shape-calibrated"
    if (path / "calibration.json").is_file():
        return path
    if not (REAL_MODEL / "config.json").is_file() or not (FLORES / "dev.ind").is_file():
        return None
    from bench.random_model import CALIBRATION_SENTENCES, build_marian_like

    print(f"building the real-shaped calibrated model in {path} (once, about a minute)", file=sys.stderr)
    calibration = (FLORES / "dev.ind").read_text(encoding="utf-8").splitlines()[:CALIBRATION_SENTENCES]
    return build_marian_like(path, REAL_MODEL, calibrate_on=calibration)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def compare(args, model: str, vmap: str) -> dict:
    """``--runs`` runs of transformers fp32 (batch 8), Kabar's default and the shortlist, at each beam."""
    default = ("ct2", "float16", False) if args.device == "cuda" else DEFAULT  # Kabar's default on each device
    configs = {"transformers fp32": (("transformers", "float32", False), HF_BATCH),
               "kabar default": (default, 0), "kabar default + shortlist": ((default[0], default[1], True), 0)}
    runs = []
    for run in range(1, args.runs + 1):
        rows = {}
        for beam in [int(b) for b in args.beams.split(",")]:
            for label, (cfg, batch) in configs.items():
                row = run_config(model, cfg, beam, batch, args.sentences, args.length, args.cache, vmap, args.device)
                row.pop("outputs", None)
                rows[f"{label} beam {beam}"] = row
                if not args.json:
                    print(f"run {run} beam {beam} {label:27} {row['tokens_per_s']:8.1f} tok/s ({row['tokens']} tokens in "
                          f"{row['seconds']:.1f} s)  peak RSS {row['peak_rss_mb']:7.1f} MB", file=sys.stderr)
        runs.append(rows)
    summary = {}
    for beam in [int(b) for b in args.beams.split(",")]:
        for label in ("kabar default", "kabar default + shortlist"):
            speed = [r[f"{label} beam {beam}"]["tokens_per_s"] / r[f"transformers fp32 beam {beam}"]["tokens_per_s"]
                     for r in runs]
            rss = [r[f"{label} beam {beam}"]["peak_rss_mb"] / r[f"transformers fp32 beam {beam}"]["peak_rss_mb"]
                   for r in runs]
            summary[f"{label} beam {beam}"] = {"speedup_median": median(speed), "speedups": speed,
                                               "rss_ratio_median": median(rss), "rss_ratios": rss}
    return {"model": model, "real_shape": (Path(model) / "calibration.json").is_file(), "runs": runs,
            "vs_transformers_fp32_batch8": summary, "sentences": args.sentences, "device": args.device,
            "machine": versions(), "date": time.strftime("%Y-%m-%d")}


def ensure_vmap(model: str, cache: Path) -> str:
    """A vocabulary shortlist from FLORES-200 dev (the benchmark translates devtest), or from the samples."""
    from translate.vmap import build_for_model

    out = cache / "bench-vmap.txt"
    if not out.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        if (FLORES / "dev.ind").is_file():
            src = (FLORES / "dev.ind").read_text(encoding="utf-8").splitlines()
            tgt = (FLORES / "dev.eng").read_text(encoding="utf-8").splitlines()
        else:  # no parallel data: an identity-like shortlist from the samples only exercises the code path
            src = tgt = sentences(200)
        out.write_text(build_for_model(model, src, tgt), encoding="utf-8")
    return str(out)


def name(row: dict) -> str:
    """Short label of a configuration."""
    return f"{row['engine']}:{row['compute_type']}" + (":vmap" if row.get("vmap") else "")


def build_parser() -> argparse.ArgumentParser:
    """Options of the benchmark (and of its worker processes)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine")
    parser.add_argument("--compute-type")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--batch", type=int, default=32, help=argparse.SUPPRESS)
    parser.add_argument("--model", help="model folder (default: build a random OPUS-MT-base-sized Marian)")
    parser.add_argument("--sentences", type=int, default=64, help="sentences per configuration")
    parser.add_argument("--length", type=int, default=None,
                        help="forced output length in tokens (default: free decoding; 30 with --grid)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the comparison (default: %(default)s)")
    parser.add_argument("--grid", action="store_true", help="every engine, compute type, batch size and beam "
                        "(the earlier benchmark, with a forced length)")
    parser.add_argument("--beams", default="1,4")
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "kabar-bench"))
    parser.add_argument("--vmap", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                        help="cuda: every configuration on the GPU, plus ct2 float16 (Kabar's GPU default)")
    parser.add_argument("--json", action="store_true")
    return parser


def grid(args, model: str, vmap: str, configs: list) -> list[dict]:
    """Every configuration at every beam and batch size, each in its own process."""
    rows = []
    for beam in [int(b) for b in args.beams.split(",")]:
        for batch in [int(b) for b in args.batches.split(",")]:
            n = args.sentences if batch > 1 else max(8, args.sentences // 4)
            for cfg in configs:
                row = run_config(model, cfg, beam, batch, n, args.length, args.cache, vmap, args.device)
                rows.append(row)
                if not args.json:
                    print(f"beam {beam} batch {batch:3d} {name(row):22} {row['tokens_per_s']:8.1f} tok/s  "
                          f"peak RSS {row['peak_rss_mb']:7.1f} MB", file=sys.stderr)
    return rows


def default_engine_rows(args, model: str, vmap: str, default: tuple) -> dict[int, dict]:
    """Kabar's default engine with its own batching, per beam size."""
    out = {}
    for beam in [int(b) for b in args.beams.split(",")]:
        out[beam] = run_config(model, default, beam, 0, args.sentences, args.length, args.cache, vmap, args.device)
        out[beam]["batch"] = "default"
        if not args.json:
            print(f"beam {beam} default   {'kabar default (' + name(out[beam]) + ')':22} "
                  f"{out[beam]['tokens_per_s']:8.1f} tok/s  peak RSS {out[beam]['peak_rss_mb']:7.1f} MB",
                  file=sys.stderr)
    return out


def versions() -> dict:
    """Machine and library versions for the report."""
    import ctranslate2
    import torch
    import transformers

    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "ctranslate2": ctranslate2.__version__}


def main(argv=None) -> int:
    """Run the grid, print a table (or JSON) with ratios."""
    args = build_parser().parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    if args.length is None:
        args.length = 30 if args.grid else 0
    real = None if (args.model or args.grid) else ensure_real_shape(Path(args.cache))
    if not args.model and not args.grid and real is None:
        print(f"note: {REAL_MODEL} or FLORES-200 not found: measuring a random OPUS-MT-base-sized model with a "
              "forced length of 30 tokens instead of the real shape", file=sys.stderr)
        args.length = args.length or 30
    model = str(Path(args.model) if args.model else real or ensure_model(Path(args.cache) / "random-opus-mt-base"))
    from translate.engines.ct2 import convert_once
    from translate.models import resolve_model

    vmap = ensure_vmap(model, Path(args.cache))
    if not args.grid:
        for quantization, shortlist in (("int8", None), ("int8", Path(vmap))) + ((("float16", None),)
                                                                                 if args.device == "cuda" else ()):
            convert_once(resolve_model(model), quantization, Path(args.cache), shortlist)
        result = compare(args, model, vmap)
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        for key, value in result["vs_transformers_fp32_batch8"].items():
            print(f"{key} vs transformers fp32 batch {HF_BATCH}: speed-up median {value['speedup_median']:.2f}x "
                  f"(runs: {', '.join(f'{x:.2f}' for x in value['speedups'])}), peak RSS ratio median "
                  f"{value['rss_ratio_median']:.2f}")
        return 0
    gpu = args.device == "cuda"
    configs = CONFIGS + [("ct2", "float16", False)] if gpu else CONFIGS
    for quantization, shortlist in (("int8", None), (None, None), ("int8", Path(vmap))) + ((("float16", None),)
                                                                                              if gpu else ()):
        # convert once here, so that no worker's time includes a conversion (peaks are each worker's VmHWM)
        convert_once(resolve_model(model), quantization, Path(args.cache), shortlist)
    rows = grid(args, model, vmap, configs)
    # Translations unchanged? Same model, same sentences, free-length decoding, beam 4.
    free = {cfg: run_config(model, cfg, 4, 32, args.sentences, 0, args.cache, vmap, args.device)["outputs"]
            for cfg in configs}
    ref = free[configs[0]]
    identical = {":".join(map(str, cfg)): sum(a == b for a, b in zip(ref, out)) / len(ref) for cfg, out in free.items()}
    default_rows = default_engine_rows(args, model, vmap, ("ct2", "float16", False) if gpu else DEFAULT)
    rows += default_rows.values()
    best_batch = max(int(b) for b in args.batches.split(","))

    def pick(engine, compute, use_vmap=False):
        return next(r for r in rows if (r["engine"], r["compute_type"], r["vmap"], r["beam"], r["batch"])
                    == (engine, compute, use_vmap, 4, best_batch))

    hf, ct2, shortlist = pick("transformers", "float32"), default_rows[4], pick("ct2", "int8", True)
    beam4_hf = [r for r in rows if r["engine"] == "transformers" and r["beam"] == 4 and r["batch"] != "default"]
    fastest_hf = max(beam4_hf, key=lambda r: r["tokens_per_s"])
    same_batch = next((r for r in beam4_hf if r["batch"] == 8), fastest_hf)  # Kabar's own CPU batch size is 8
    summary = {
        "tokens_per_s": {f"{name(r)}:beam{r['beam']}:batch{r['batch']}": r["tokens_per_s"] for r in rows},
        "peak_rss_mb": {f"{name(r)}:beam{r['beam']}:batch{r['batch']}": r["peak_rss_mb"] for r in rows},
        "speedup": ct2["tokens_per_s"] / hf["tokens_per_s"], "rss_ratio": ct2["peak_rss_mb"] / hf["peak_rss_mb"],
        "speedup_with_shortlist": shortlist["tokens_per_s"] / hf["tokens_per_s"],
        "rss_ratio_with_shortlist": shortlist["peak_rss_mb"] / hf["peak_rss_mb"],
        "vs_transformers_same_batch": {"batch": same_batch["batch"], "baseline_peak_rss_mb": same_batch["peak_rss_mb"],
                                       "baseline_tokens_per_s": same_batch["tokens_per_s"],
                                       "speedup": ct2["tokens_per_s"] / same_batch["tokens_per_s"],
                                       "rss_ratio": ct2["peak_rss_mb"] / same_batch["peak_rss_mb"]},
        "vs_transformers_fastest": {"batch": fastest_hf["batch"], "baseline_peak_rss_mb": fastest_hf["peak_rss_mb"],
                                    "baseline_tokens_per_s": fastest_hf["tokens_per_s"],
                                    "speedup": ct2["tokens_per_s"] / fastest_hf["tokens_per_s"],
                                    "rss_ratio": ct2["peak_rss_mb"] / fastest_hf["peak_rss_mb"]},
        "identical_to_transformers_fp32": identical, "forced_length": args.length, "sentences": args.sentences,
        "device": args.device, "machine": versions(), "date": time.strftime("%Y-%m-%d"),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"speed-up Kabar default ({name(ct2)}) / transformers fp32 batch {best_batch}, beam 4: "
          f"{summary['speedup']:.2f}x")
    print(f"peak RSS ratio Kabar default / transformers fp32: {summary['rss_ratio']:.2f}")
    for key, label in (("vs_transformers_same_batch", "same batch size"), ("vs_transformers_fastest", "its fastest batch")):
        v = summary[key]
        print(f"vs transformers fp32 at {label} ({v['batch']}; {v['baseline_tokens_per_s']:.1f} tok/s, "
              f"{v['baseline_peak_rss_mb']:.0f} MB): {v['speedup']:.2f}x, peak RSS ratio {v['rss_ratio']:.2f}")
    print(f"with the vocabulary shortlist: {summary['speedup_with_shortlist']:.2f}x, "
          f"RSS ratio {summary['rss_ratio_with_shortlist']:.2f}")
    print("share of translations identical to transformers fp32:",
          ", ".join(f"{k} {100 * v:.0f}%" for k, v in identical.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
