"""Bounded model work (issue 37): a long-English glossary against the same article without it, and how soon a
server answers a new request after another one's deadline, in one run.

    python bench/budget.py [--model DIR] [--chars 20000] [--deadline 5] [--beam-size 4] [--json]

The article is ANTARA-style Indonesian text of ``--chars`` characters (sentences about a flood, each holding
"di" at least once) built here. Part 1 processes it in one process with a real engine, first plainly, then with
a one-term glossary whose English has 120 characters ("di" -> 120 characters: the case that made the model read
~60x the source per re-decode); it prints the characters the model read and the CPU seconds of each, and the
ratios. Part 2 starts ``kabar serve --deadline D`` on 127.0.0.1, sends the article to ``/api/process`` and, the
moment its 504 arrives, a one-sentence ``/api/translate``: it prints the seconds from the deadline to that
answer. Without ``--model`` it uses opus-mt-id-en's real shape with random weights (built into bench/.work from
../shared/models/opus-mt-id-en), whose decoding is as slow as the real model's or slower (no calibration: each
sentence runs to its length cap).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIKE = ROOT.parent / "shared" / "models" / "opus-mt-id-en"
WORK = ROOT / "bench" / ".work"
SENTENCES = [
    "Banjir merendam ratusan rumah di Kecamatan Cipinang Melayu, Jakarta Timur, pada Minggu pagi.",
    "Petugas BPBD DKI Jakarta mengevakuasi warga lanjut usia di kawasan itu dengan perahu karet.",
    "Ketinggian air di permukiman warga mencapai 1,5 meter di beberapa titik.",
    "Warga mengungsi ke masjid dan sekolah di sekitar lokasi banjir.",
    "Pemerintah kota menyiapkan dapur umum di posko pengungsian di kelurahan tersebut.",
]
TERM_ENGLISH = "the " + "very long glossary English " * 4 + "x" * 8  # 120 characters


def article(chars: int) -> str:
    """Paragraphs of the sentences above, numbered so that no sentence repeats, up to ``chars`` characters."""
    out, size, n = [], 0, 0
    while size < chars:
        sentence = SENTENCES[n % len(SENTENCES)].replace(" pada ", f" pada hari ke-{n + 1} ", 1) \
            if " pada " in SENTENCES[n % len(SENTENCES)] else SENTENCES[n % len(SENTENCES)][:-1] + f" ({n + 1})."
        out.append(sentence)
        size += len(sentence) + 2
        n += 1
    return "\n\n".join(out)[:chars]


def default_model() -> Path:
    from bench.random_model import build_marian_like

    where = WORK / "real-shape"
    if not (where / "model.safetensors").is_file() and not (where / "pytorch_model.bin").is_file():
        if not LIKE.is_dir():
            raise SystemExit(f"{LIKE} not found; pass --model DIR or put the shared folder beside the project")
        print(f"building opus-mt-id-en's real shape with random weights in {where} …", file=sys.stderr)
        build_marian_like(where, LIKE)
    return where


class Counting:
    """The engine, counting the characters each call sends to the model."""

    def __init__(self, inner):
        self.inner, self.info, self.chars = inner, inner.info, 0

    def translate(self, sentences):
        self.chars += sum(map(len, sentences))
        return self.inner.translate(sentences)

    def translate_without_loops(self, sentences):
        self.chars += sum(map(len, sentences))
        return self.inner.translate_without_loops(sentences)


def work(model: str, text: str, beam: int) -> dict:
    """Characters read by the model and CPU seconds, without and with the long-English glossary."""
    from kabar.pipeline import Pipeline
    from translate.glossary import glossary_from_pairs
    from translate.registry import load_translator
    from ui.service import KabarService

    engine = load_translator(model, "ct2", beam_size=beam)
    out = {}
    for name, glossary in (("plain", None), ("glossary", glossary_from_pairs([{"source": "di",
                                                                              "target": TERM_ENGLISH}]))):
        counting = Counting(engine)
        service = KabarService(Pipeline(counting), max_chars=max(20_000, len(text)), deadline=3600)
        start = time.process_time()
        result = service.process(text, glossary=glossary)
        flagged = sum(1 for checks in result.checks for c in checks if c["check"] == "glossary")
        out[name] = {"model_chars": counting.chars, "cpu_s": round(time.process_time() - start, 2),
                     "glossary_flags": flagged}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict, timeout: float) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def deadline(model: str, text: str, seconds: float) -> dict:
    """Serve with ``--deadline seconds`` (kabar serve's default beam, 4); the article's status, and seconds from the deadline to the answer of a
    one-sentence request sent when the article's 504 arrived."""
    port = free_port()
    cache = tempfile.mkdtemp(prefix="kabar-bench-budget-")
    env = {**os.environ, "KABAR_CACHE": cache, "KABAR_MAX_CHARS": str(max(20_000, len(text)))}
    proc = subprocess.Popen([sys.executable, "-m", "kabar", "serve", "--model", model, "--port", str(port),
                             "--deadline", str(seconds), "--no-tm"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # at most 120 s for the model to load (/ready is 503 until then)
            try:
                with urllib.request.urlopen(url + "/ready", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        _post(url + "/api/translate", {"text": "Halo."}, 120)  # the model is loaded before the clock starts
        sent = time.monotonic()
        status = _post(url + "/api/process", {"text": text}, seconds + 600)
        answered = time.monotonic()
        started = time.monotonic()
        code = _post(url + "/api/translate", {"text": "Warga mengungsi ke masjid."}, 600)
        done = time.monotonic()
        return {"article_status": status, "article_seconds": round(answered - sent, 2),
                "next_request_status": code, "next_request_seconds": round(done - started, 2),
                "after_deadline_s": round(done - (sent + seconds), 2) if status == 504 else None}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder (default: opus-mt-id-en's real shape, random weights)")
    parser.add_argument("--chars", type=int, default=20_000, help="article length (default: %(default)s)")
    parser.add_argument("--deadline", type=float, default=5.0, help="the server's --deadline (default: %(default)s)")
    parser.add_argument("--beam-size", type=int, default=4, help="beam of part 1 (the server uses its default, 4)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    model = args.model or str(default_model())
    text = article(args.chars)
    figures = {"model": model, "chars": len(text), "beam_size": args.beam_size,
               "work": work(model, text, args.beam_size),
               "deadline": deadline(model, text, args.deadline)}
    plain, terms = figures["work"]["plain"], figures["work"]["glossary"]
    figures["ratios"] = {"model_chars": round(terms["model_chars"] / max(1, plain["model_chars"]), 2),
                         "cpu": round(terms["cpu_s"] / max(0.01, plain["cpu_s"]), 2)}
    if args.json:
        print(json.dumps(figures))
        return 0
    d = figures["deadline"]
    print(f"article: {len(text)} characters, model {model}, beam {args.beam_size}")
    print("| | plain (baseline) | one-term glossary, 120-character English | ratio |")
    print("|---|---|---|---|")
    print(f"| characters read by the model | {plain['model_chars']} | {terms['model_chars']} | "
          f"{figures['ratios']['model_chars']} |")
    print(f"| CPU seconds | {plain['cpu_s']} | {terms['cpu_s']} | {figures['ratios']['cpu']} |")
    print(f"| glossary flags | {plain['glossary_flags']} | {terms['glossary_flags']} | |")
    print(f"server with --deadline {args.deadline:g}: the article answered {d['article_status']} after "
          f"{d['article_seconds']} s; a one-sentence request sent then answered {d['next_request_status']} in "
          f"{d['next_request_seconds']} s" + (f" ({d['after_deadline_s']} s after the deadline)"
                                              if d["after_deadline_s"] is not None else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
