"""``kabar serve``: the Gradio app and the REST API from one process."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from news import config
from news.errors import ConfigError
from ui.limits import DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, header_timeout_protocol

SHUTDOWN_SECONDS = 5


def port_number(text: str) -> int:
    """A TCP port: 1-65535, or 0 for any free one (argparse type: a bad one is a usage error naming it)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number: give 1-65535, or 0 for any free port") \
            from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: give 1-65535, or 0 for any free port")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar serve``."""
    from kabar.options import add_correction_arguments, add_model_arguments, add_summary_arguments

    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=port_number, default=7860,
                        help="port, 1-65535, or 0 for any free port (printed) (default: %(default)s)")
    add_model_arguments(parser)  # the same options, help and defaults as kabar run
    parser.add_argument("--max-chars", type=int, help="largest request in characters (default: $KABAR_MAX_CHARS or 20000)")
    parser.add_argument("--max-queue", type=int, help="requests that may wait for the model before the server answers "
                                                      "503/429 with Retry-After (default: $KABAR_MAX_QUEUE or 16)")
    parser.add_argument("--max-connections", type=int,
                        help="requests in flight before new ones get 503 at once; idle and half-sent connections do "
                             "not count (default: $KABAR_MAX_CONNECTIONS or 256)")
    parser.add_argument("--header-timeout", type=float,
                        help="seconds a connection may take to send its request headers before it is closed "
                             f"(default: $KABAR_HEADER_TIMEOUT or {DEFAULT_HEADER_TIMEOUT:g})")
    parser.add_argument("--deadline", type=float, help="seconds one request may work before the client gets 504 "
                                                       "(default: $KABAR_DEADLINE or 120)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        help="let clients' URLs reach loopback, private and link-local addresses (default: refused, "
                             "so the server cannot be used to read an internal network; $KABAR_ALLOW_PRIVATE_URLS=1)")
    parser.add_argument("--qe", action="store_true", help="per-sentence quality estimate in the Article tab")
    add_summary_arguments(parser)  # what a request gets unless it names its own
    add_correction_arguments(parser)
    parser.add_argument("--suggestions", action="store_true",
                        help="let clients read and write the translation memory: LibreTranslate's POST /suggest, "
                             "POST and GET /api/corrections and the UI's correction panel (behind the API keys when "
                             "keys are set; the editor recorded is then the key's name). Off by default: a "
                             "correction changes what every later kabar run produces")
    parser.add_argument("--record-translations", action="store_true",
                        help="record every article sentence the server translates beside the translation memory, "
                             "for kabar eval postedits and /api/quality (off by default: clients' text would be "
                             "written to the operator's file; a cap keeps it bounded)")
    parser.add_argument("--archive", metavar="DIR",
                        help="the output folder of kabar run or kabar watch to search (/api/search and the Search "
                             "tab); a watch may go on adding to it while the server runs")
    parser.add_argument("--temp-dir", help="the server's only folder for uploads and job files: created private "
                                           "(0700); an existing one must be this user's and writable by no one else "
                                           "(default: $KABAR_TMP, else a fresh private folder removed at exit)")
    parser.add_argument("--keep-files", type=float, help="seconds uploads, translated files and job folders are kept "
                                                         "before they are deleted (default: $KABAR_KEEP_FILES or 3600)")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"],
                        help="default: %(default)s; info adds one access line per request (API keys are masked)")
    parser.add_argument("--log-format", default="text", choices=["text", "json"],
                        help="json: one JSON object a line (time, level, logger, event; an access event carries "
                             "route, method, status, duration and request_id, never a request's text) "
                             "(default: %(default)s)")
    parser.add_argument("--metrics", action="store_true",
                        help="serve Prometheus metrics at /metrics: behind $KABAR_METRICS_KEY as a bearer token "
                             "when it is set (setting it turns them on too), else behind the API keys when there "
                             "are some")


def build_service(model=None, engine=None, device=None, max_chars=None, qe=False, temp_dir=None, max_queue=None,
                  deadline=None, allow_private_urls=None, keep_files=None, *, tm=None, no_tm=False, glossary=None,
                  suggestions=False, archive=None, summarizer=None, sentences=None, record=False):
    """Load the model once and wrap the pipeline in a :class:`KabarService`."""
    from kabar.pipeline import Pipeline
    from translate.cache import SentenceCache
    from translate.cached import CachedTranslator
    from translate.registry import load_translator
    from ui.service import KabarService

    memory = None
    if not no_tm:
        from translate.memory import TranslationMemory, memory_path

        memory = TranslationMemory(memory_path(tm, config.cache_dir()))
    terms = None
    if glossary:
        from translate.glossary import load_glossary

        terms = load_glossary(glossary)
    translator = load_translator(model, engine, device=device)
    cached = CachedTranslator(translator, SentenceCache(config.cache_dir() / "sentences.sqlite"))
    estimator = None
    if qe:
        from eval.qe import EmbeddingQE

        estimator = EmbeddingQE()
    from summarize import SUMMARIZERS

    chosen = SUMMARIZERS[summarizer or config.DEFAULT_SUMMARIZER]()
    pipeline = Pipeline(cached, qe=estimator, memory=memory, glossary=terms, summarizer=chosen,
                        summary_length=sentences or config.DEFAULT_SUMMARY_LENGTH, record=record and memory is not None)
    return KabarService(pipeline, max_chars=max_chars,
                        temp_dir=temp_dir, max_queue=max_queue, deadline=deadline,
                        allow_private_urls=allow_private_urls, keep_files=keep_files, suggestions=suggestions,
                        archive=archive)


def bind(host: str, port: int):
    """A listening TCP socket on ``host``:``port``; a ConfigError naming both when the address cannot be used."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise ConfigError(f"--host {host!r}: not an address this machine can listen on ({exc}); "
                          "pass e.g. --host 127.0.0.1 or --host 0.0.0.0") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); another program may be using "
                          "it: pass a free --port, or stop the other server") from None
    sock.set_inheritable(True)
    return sock


def run(args: argparse.Namespace) -> int:
    """Load the model, then serve until interrupted."""
    import os
    import threading

    from ui.metrics import ENV_METRICS_KEY
    from ui.service import ENV_TMP

    if args.temp_dir:
        os.environ[ENV_TMP] = args.temp_dir
    if args.archive:
        from kabar.archive import archive_path

        where = Path(args.archive)
        if not where.is_dir() and not (where.suffix == ".sqlite" and where.is_file()):
            raise ConfigError(f"--archive {where}: no such folder; pass the --out folder of kabar run or kabar watch")
        if not archive_path(where).is_file():
            said = (f"{archive_path(where)} does not exist yet; search answers once kabar run or kabar watch has "
                    "added articles to it")
            print(json_line("no-archive-yet", message=said) if args.log_format == "json" else f"Kabar: {said}",
                  file=sys.stderr)
    connections = config.positive_int("--max-connections", args.max_connections
                                      or os.environ.get("KABAR_MAX_CONNECTIONS") or DEFAULT_MAX_IN_FLIGHT)
    header_timeout = float(args.header_timeout or os.environ.get("KABAR_HEADER_TIMEOUT") or DEFAULT_HEADER_TIMEOUT)
    if header_timeout <= 0:
        raise ConfigError(f"--header-timeout must be a positive number of seconds, not {header_timeout:g}")
    max_queue = config.positive_int("--max-queue", args.max_queue) if args.max_queue else None
    metrics_key = os.environ.get(ENV_METRICS_KEY, "").strip() or None
    if args.log_format == "json":  # progress bars (a model's conversion, its weights loading) are not JSON lines
        os.environ["TQDM_DISABLE"] = "1"
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    # the port first: one in use is one error line before the model loads, never a banner followed by a crash
    sock = bind(args.host, args.port)
    import uvicorn

    from kabar import __version__
    from ui.logs import uvicorn_log_config
    from ui.service import ENV_API_KEYS, parse_keys
    from ui.starting import Starting

    keys = tuple(key for _, key in parse_keys(os.environ.get(ENV_API_KEYS, ""))) + ((metrics_key,) if metrics_key
                                                                                    else ())
    base = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{sock.getsockname()[1]}"
    # The port answers at once (/health: loading, /ready: 503) while the model loads and the app is built in a
    # thread; the app then takes every request (ui/starting.py). Limits count work, not sockets (ui/limits.py):
    # requests in flight are capped in the app, and a connection that has not sent its headers within
    # header_timeout is closed.
    starting = Starting(version=__version__)
    server = uvicorn.Server(uvicorn.Config(starting, log_level=args.log_level,
                                           log_config=uvicorn_log_config(keys, json_lines=args.log_format == "json",
                                                                         level=args.log_level),
                                           access_log=args.log_format == "text",
                                           http=header_timeout_protocol(header_timeout), timeout_keep_alive=5,
                                           # on SIGTERM, requests in flight get this long; an open stream (a
                                           # Gradio client's event stream) no longer holds the exit for ever
                                           timeout_graceful_shutdown=SHUTDOWN_SECONDS))
    failed: list[BaseException] = []

    def load():
        from ui.server import create_app

        try:
            service = build_service(args.model, args.engine, args.device, args.max_chars, args.qe, args.temp_dir,
                                    max_queue, args.deadline, args.allow_private_urls or None, args.keep_files, tm=args.tm,
                                    no_tm=args.no_tm, glossary=args.glossary, suggestions=args.suggestions,
                                    archive=args.archive, summarizer=args.summarizer, sentences=args.sentences,
                                    record=args.record_translations)
            starting.attach(create_app(service, max_in_flight=connections, metrics=args.metrics,
                                       metrics_key=metrics_key))
        except BaseException as exc:  # noqa: BLE001 - said by run() once the server has stopped
            failed.append(exc)
            server.should_exit = True
            return
        banner = f"Kabar: serving at {base}/ (UI at {base}/ui, API docs at {base}/docs)"
        if args.log_format == "json":  # every line of a JSON log is JSON, the banner too
            banner = json_line("serving", url=f"{base}/", ui=f"{base}/ui", docs=f"{base}/docs")
        announce_when_started(server, banner)

    threading.Thread(target=load, name="kabar-load", daemon=True).start()
    server.run(sockets=[sock])
    if failed:
        raise failed[0]
    return 0


def json_line(event: str, **fields) -> str:
    """One line of the JSON log written by hand (before logging is set up, or for the banner)."""
    import datetime
    import json

    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    return json.dumps({"level": "INFO", "logger": "kabar", "event": event, **fields, "time": now}, ensure_ascii=False)


def announce_when_started(server, banner: str, *, seconds: float = 600.0) -> None:
    """Print ``banner`` once ``server`` answers requests (the app built, the port accepting), not before: a script
    that waits for it may connect at once. A thread polls ``server.started`` for at most ``seconds``."""
    import threading
    import time

    def wait():
        end = time.monotonic() + seconds
        while not server.started and not server.should_exit and time.monotonic() < end:
            time.sleep(0.05)
        if server.started:
            print(banner, file=sys.stderr, flush=True)

    threading.Thread(target=wait, name="kabar-banner", daemon=True).start()
