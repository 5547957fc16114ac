"""Server benchmark: Kabar against LibreTranslate and a plain FastAPI + transformers server, in one run.

    python bench/serve.py [--levels 1,8,32] [--seconds 60] [--libretranslate-python PATH] [--json]

All three serve the same model: opus-mt-id-en's real shape with random, length-calibrated weights (built
into the bench cache as bench/engines.py does), so outputs end where a translation would. Kabar serves it
with its defaults (CTranslate2 int8); LibreTranslate 1.9 through an Argos package made here from the same
int8 CTranslate2 conversion (it must be installed in a separate environment, e.g. ``python -m venv
.bench/lt && .bench/lt/bin/pip install libretranslate==1.9.6``; without one it is skipped with that note;
see bench/lt_launcher.py for the one part of it replaced to run offline); the plain server is FastAPI +
transformers fp32 (bench/plain_server.py). Each server runs alone on 127.0.0.1; clients (1, 8 and 32 at a
time) send LibreTranslate ``POST /translate`` requests of real article paragraphs (the ANTARA IndoSum
articles and the Indonesian seeds), each level bounded by ``--seconds`` and ``--requests``. Reported per
server and level: requests/s, sentences/s, p50/p95/p99 latency, errors, and the server's peak RSS.
``--json`` prints one object: ``{"servers": {NAME: {LEVEL: {"requests_per_s", "sentences_per_s",
"p50_ms", "p95_ms", "p99_ms", "errors", "peak_rss_mb", ...}}}, ...}``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")  # counts sentences of a request, the same for every server
DEFAULT_LT_PYTHON = ROOT / ".bench" / "lt" / "bin" / "python"


def paragraphs(limit: int = 3000) -> list[str]:
    """Indonesian article paragraphs of 100-600 characters, in file order (stops if the data is absent)."""
    path = DATA / "summarization" / "antara_indosum.jsonl"
    if not path.is_file():
        raise SystemExit(f"{path} not found; put the shared folder beside the project")
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        if "ANTARA" in text:
            texts.append(text)
    out = []
    for text in texts:
        for paragraph in text.split("\n\n"):
            paragraph = " ".join(paragraph.split())
            if 100 <= len(paragraph) <= 600:
                out.append(paragraph)
    return out[:limit]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of process ``pid``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """A server process on 127.0.0.1, started and stopped with bounded waits."""

    def __init__(self, name: str, cmd: list[str], port: int, env: dict | None = None, log: Path | None = None):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode} before it was ready")
            try:
                answer = httpx.post(self.url + "/translate", json={"q": "Selamat pagi.", "source": "id",
                                                                   "target": "en"}, timeout=60)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s")

    def stop(self) -> float:
        rss = peak_rss_mb(self.proc.pid)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self.log is not subprocess.DEVNULL:
            self.log.close()
        return rss


async def load(url: str, texts: list[str], clients: int, seconds: float, requests: int) -> dict:
    """``clients`` concurrent clients send requests until ``requests`` were sent or ``seconds`` passed. Each
    request is the next paragraph of ``texts`` (taken from the front, never sent twice: no server's cache
    answers a repeat)."""
    import httpx

    latencies: list[float] = []
    errors = sentences = 0
    sent = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def client(http):
        nonlocal errors, sentences, sent
        while sent < requests and time.perf_counter() < deadline and texts:
            text = texts.pop(0)
            sent += 1
            began = time.perf_counter()
            try:
                answer = await http.post(url + "/translate", json={"q": text, "source": "id", "target": "en"})
                ok = answer.status_code == 200 and isinstance(answer.json().get("translatedText"), str)
            except (httpx.HTTPError, ValueError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - began)
                sentences += len([s for s in SENTENCE_END.split(text) if s])
            else:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    return {"clients": clients, "requests": len(latencies), "errors": errors, "seconds": elapsed,
            "requests_per_s": len(latencies) / elapsed, "sentences_per_s": sentences / elapsed,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99)}


def argos_package(ct2_dir: Path, model_dir: Path, out: Path) -> Path:
    """An Argos Translate package (.argosmodel) around the same int8 CTranslate2 model: model/, the source
    sentencepiece model, metadata.json. CTranslate2 appends ``</s>`` to the source, as Marian expects."""
    folder = out / "translate-id_en-kabar-bench"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ct2_dir, folder / "model")
    config = json.loads((folder / "model" / "config.json").read_text())
    config["add_source_eos"] = True  # Argos passes sentencepiece pieces alone; Kabar's tokenizer adds </s>
    (folder / "model" / "config.json").write_text(json.dumps(config, indent=2))
    shutil.copyfile(model_dir / "source.spm", folder / "sentencepiece.model")
    (folder / "metadata.json").write_text(json.dumps({
        "package_version": "1.0", "argos_version": "1.9", "from_code": "id", "from_name": "Indonesian",
        "to_code": "en", "to_name": "English", "links": []}))
    archive = out / "translate-id_en-kabar-bench.argosmodel"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            z.write(path, path.relative_to(out))
    return archive


def start(name: str, args, model: Path, work: Path) -> Server:
    from translate.engines.ct2 import convert_once
    from translate.models import resolve_model

    port = free_port()
    log = work / f"{name}.log"
    if name in ("kabar", "kabar-ungrouped"):
        # a cache with no sentence translated by an earlier run, holding the conversion done before (a server
        # restarted on a converted model does not convert again; conversion loads PyTorch and the fp32 model)
        fresh = work / "kabar-cache"
        shutil.rmtree(fresh, ignore_errors=True)
        converted = convert_once(resolve_model(str(model)), "int8", Path(args.cache))
        shutil.copytree(converted, fresh / "ct2" / converted.name)
        return Server(name, [sys.executable, "-m", "kabar", "serve", "--model", str(model), "--port", str(port),
                             "--max-queue", "64", "--log-level", "warning"], port,
                      env={"KABAR_CACHE": str(fresh),
                           "KABAR_GROUP_SENTENCES": "0" if name == "kabar-ungrouped" else ""}, log=log)
    if name == "plain":
        return Server(name, [sys.executable, str(ROOT / "bench" / "plain_server.py"), str(model), str(port)],
                      port, log=log)
    return Server(name, [str(args.libretranslate_python), str(ROOT / "bench" / "lt_launcher.py"), str(port),
                         str(args.lt_threads)], port, env=args.lt_env, log=log)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per level (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=60, help="time per level (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=400, help="requests per level at most (default: %(default)s)")
    parser.add_argument("--servers", default="kabar,libretranslate,plain",
                        help="kabar, kabar-ungrouped (each text request translated alone: KABAR_GROUP_SENTENCES=0), "
                             "libretranslate, plain (default: %(default)s)")
    parser.add_argument("--model", help="model folder (default: the calibrated real-shaped model)")
    parser.add_argument("--libretranslate-python", type=Path, default=DEFAULT_LT_PYTHON,
                        help="python of a LibreTranslate 1.9 install (default: %(default)s)")
    parser.add_argument("--lt-threads", type=int, default=4, help="LibreTranslate --threads (its default: 4)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "kabar-bench"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from bench.engines import ensure_real_shape, versions
    from translate.engines.ct2 import convert_once
    from translate.models import resolve_model

    cache = Path(args.cache)
    model = Path(args.model) if args.model else ensure_real_shape(cache)
    if model is None:
        raise SystemExit("../shared/models/opus-mt-id-en or FLORES-200 not found; put the shared folder beside "
                         "the project, or pass --model")
    texts = paragraphs()
    work = cache / "serve"
    work.mkdir(parents=True, exist_ok=True)
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    notes = {}
    if "libretranslate" in names:
        if not Path(args.libretranslate_python).is_file():
            names.remove("libretranslate")
            notes["libretranslate"] = (f"skipped: no LibreTranslate at {args.libretranslate_python} (python -m venv "
                                       ".bench/lt && .bench/lt/bin/pip install libretranslate==1.9.6)")
        else:
            ct2_dir = convert_once(resolve_model(str(model)), "int8", cache)
            packages = work / "argos-packages"
            shutil.rmtree(packages, ignore_errors=True)
            args.lt_env = {"ARGOS_PACKAGES_DIR": str(packages), "XDG_DATA_HOME": str(work / "xdg-data"),
                           "XDG_CACHE_HOME": str(work / "xdg-cache"), "XDG_CONFIG_HOME": str(work / "xdg-config"),
                           "ARGOS_DEVICE_TYPE": "cpu"}
            archive = argos_package(ct2_dir, model, work)
            subprocess.run([str(args.libretranslate_python), "-c", "import sys, argostranslate.package as p; "
                            "p.install_from_path(sys.argv[1])", str(archive)], check=True, env={**os.environ,
                                                                                                **args.lt_env})
    levels = [int(x) for x in args.levels.split(",")]
    results: dict = {}
    for name in names:
        server = start(name, args, model, work)
        try:
            server.wait_ready()
            queue = list(texts)  # every server gets the same paragraphs in the same order
            asyncio.run(load(server.url, queue, 1, 60, 4))  # warm-up, not counted
            results[name] = {}
            for clients in levels:
                row = asyncio.run(load(server.url, queue, clients, args.seconds, args.requests))
                results[name][str(clients)] = row
                if not args.json:
                    print(f"{name:15} {clients:3d} clients: {row['requests_per_s']:6.2f} req/s "
                          f"{row['sentences_per_s']:7.2f} sent/s  p50 {row['p50_ms']:7.0f} ms  p95 "
                          f"{row['p95_ms']:7.0f} ms  p99 {row['p99_ms']:7.0f} ms  errors {row['errors']}",
                          file=sys.stderr)
        finally:
            rss = server.stop()
        for row in results.get(name, {}).values():
            row["peak_rss_mb"] = rss
    summary = {"servers": results, "notes": notes, "model": str(model), "paragraphs": len(texts),
               "seconds_per_level": args.seconds, "machine": versions(), "date": time.strftime("%Y-%m-%d")}
    if "kabar" in results and "libretranslate" in results:
        summary["kabar_vs_libretranslate"] = {
            level: {"throughput_ratio": row["requests_per_s"] / results["libretranslate"][level]["requests_per_s"],
                    "p95_ratio": row["p95_ms"] / results["libretranslate"][level]["p95_ms"]}
            for level, row in results["kabar"].items() if level in results["libretranslate"]}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print("| server | clients | requests/s | sentences/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, rows in results.items():
        for level, r in rows.items():
            print(f"| {name} | {level} | {r['requests_per_s']:.2f} | {r['sentences_per_s']:.2f} | {r['p50_ms']:.0f} | "
                  f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} | {r['peak_rss_mb']:.0f} |")
    for name, note in notes.items():
        print(f"{name}: {note}")
    for level, ratio in summary.get("kabar_vs_libretranslate", {}).items():
        print(f"{level} clients: Kabar / LibreTranslate throughput {ratio['throughput_ratio']:.2f}x, "
              f"p95 {ratio['p95_ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
