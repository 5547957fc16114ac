"""Running Kabar as a service (issue 40): /metrics, request ids, JSON logs, /ready while loading and when full.

Real servers on 127.0.0.1 (uvicorn in a thread, or ``kabar serve`` in a subprocess); the metrics page is read with
prometheus-client's own parser.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from tests.test_ui.conftest import Running, make_service

ARTICLE = "Harga cabai rawit di Pasar Kramat Jati naik tajam. Pedagang menyebut pasokan dari Garut tersendat."


def http(url, path, body=None, *, headers=None, method=None):
    """(status, body bytes, headers) of one request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    hdrs = dict(headers or {})
    if data is not None:
        hdrs["content-type"] = "application/json"
    req = urllib.request.Request(url + path, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def scrape(url, headers=None) -> tuple[dict, str]:
    """{(name, labels...): value} of every sample on /metrics, and the page's text."""
    status, body, _ = http(url, "/metrics", headers=headers)
    assert status == 200, body[:300]
    text = body.decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, text


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metered(translators, tmp_path):
    """A server with /metrics open (no keys) and a translation memory holding one correction."""
    from kabar.pipeline import Pipeline
    from translate.memory import TranslationMemory
    from ui.service import KabarService

    memory = TranslationMemory(tmp_path / "tm.sqlite")
    memory.add("Pedagang menyebut pasokan dari Garut tersendat.", "Traders say supply from Garut is stuck.")
    service = KabarService(Pipeline(translators("marian", "ct2"), memory=memory), max_chars=3000, api_keys="")
    running = Running(service, with_ui=False, metrics=True)
    yield running
    running.stop()


def test_metrics_move_with_a_translation_and_never_hold_its_text(metered):
    before, _ = scrape(metered.url)
    status, body, headers = http(metered.url, "/translate", {"q": ARTICLE, "source": "id", "target": "en"})
    assert status == 200, body
    after, text = scrape(metered.url)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("kabar_http_requests_total", route="/translate", method="POST", status="200") == 1
    assert moved("kabar_http_request_seconds_count", route="/translate", method="POST") == 1
    assert moved("kabar_model_calls_total", kind="translate") == 1
    assert moved("kabar_segments_translated_total") == 1  # the other sentence came from the memory
    first = "Harga cabai rawit di Pasar Kramat Jati naik tajam."
    assert moved("kabar_input_characters_total") == len(first)
    assert moved("kabar_input_tokens_total") > 0
    assert moved("kabar_model_batch_size_count") == 1 and moved("kabar_model_batch_size_sum") == 1
    # the line, then each of its two sentences, looked up: one correction found
    assert moved("kabar_memory_lookups_total", result="hit") == 1
    assert moved("kabar_memory_lookups_total", result="miss") == 2
    assert moved("kabar_translate_group_requests_count") == 1 and moved("kabar_translate_group_sentences_sum") == 1
    assert value(after, "kabar_memory_entries") == 1
    assert value(after, "kabar_work_queue_limit") == metered.service.max_queue
    assert value(after, "process_resident_memory_bytes") > 0
    for word in ("cabai", "Kramat", "Garut", "pasokan", "Traders", "chili"):
        assert word not in text
    assert headers.get("x-request-id") or headers.get("X-Request-ID")


def test_unknown_paths_are_one_series_and_rejections_are_counted(metered):
    before, _ = scrape(metered.url)
    for path in ("/wp-admin/setup.php", "/.env", "/cabai-rawit-secret"):
        assert http(metered.url, path)[0] == 404
    status, _, _ = http(metered.url, "/translate", {"q": "kata " * 1000, "source": "id", "target": "en"})
    assert status == 413
    status, _, _ = http(metered.url, "/translate", method="GET")  # a route of the path with another method
    assert status == 405
    after, text = scrape(metered.url)
    assert value(after, "kabar_http_requests_total", route="unmatched", method="GET", status="404") \
        - value(before, "kabar_http_requests_total", route="unmatched", method="GET", status="404") == 3
    assert value(after, "kabar_http_requests_total", route="/translate", method="GET", status="405") \
        - value(before, "kabar_http_requests_total", route="/translate", method="GET", status="405") == 1
    assert value(after, "kabar_rejected_total", reason="too-large") \
        - value(before, "kabar_rejected_total", reason="too-large") == 1
    for path in ("wp-admin", ".env", "cabai"):
        assert path not in text


def test_a_page_that_cannot_be_fetched_is_counted_by_kind(translators):
    from prometheus_client import REGISTRY

    service = make_service(translators("marian", "ct2"), api_keys="")  # guarded: private addresses refused

    def count(kind):
        return REGISTRY.get_sample_value("kabar_fetch_errors_total", {"kind": kind}) or 0.0

    before = count("refused-address"), count("bad-url")
    assert service.process_url("http://127.0.0.1:9/berita").status == "error"
    assert service.process_url("ftp://example.com/berita").status == "error"
    assert (count("refused-address"), count("bad-url")) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(("metrics", "metrics_key", "api_keys", "sent", "expected"), [
    (False, None, "", None, 404),  # off by default
    (True, None, "", None, 200),  # on, no keys anywhere: open
    (False, "mk-1", "", None, 401),  # a metrics key turns it on, and is asked for
    (False, "mk-1", "", "wrong", 403),
    (False, "mk-1", "", "mk-1", 200),
    (False, "mk-1", "api-1", "api-1", 403),  # its own key: an API key is not it
    (True, None, "api-1", None, 401),  # no metrics key: the API keys guard it
    (True, None, "api-1", "api-1", 200),
    (True, None, "api-1", "nope", 403),
])
def test_metrics_are_off_by_default_and_behind_their_key(translators, metrics, metrics_key, api_keys, sent,
                                                        expected):
    running = Running(make_service(translators("marian", "ct2"), api_keys=api_keys), with_ui=False,
                      metrics=metrics, metrics_key=metrics_key)
    try:
        status, body, headers = http(running.url, "/metrics",
                                     headers={"Authorization": f"Bearer {sent}"} if sent else None)
        assert status == expected, body[:200]
        if expected == 401:
            assert "Bearer" in (headers.get("www-authenticate") or headers.get("WWW-Authenticate") or "")
        if expected == 200:
            assert b"kabar_http_requests_total" in body
        else:
            assert b"kabar_http_requests_total" not in body
    finally:
        running.stop()


@pytest.mark.parametrize(("sent", "echoed"), [
    ("req-42.a:b_c", True),
    ("x" * 128, True),
    ("x" * 129, False),  # too long: a fresh id instead
    ("two words", False),
    ("<script>", False),
])
def test_request_ids_come_back(metered, sent, echoed):
    status, _, headers = http(metered.url, "/health", headers={"X-Request-ID": sent})
    got = {k.lower(): v for k, v in headers.items()}["x-request-id"]
    assert status == 200
    if echoed:
        assert got == sent
    else:
        assert got != sent and len(got) == 32 and all(c in "0123456789abcdef" for c in got)


def test_ready_is_503_while_the_queue_is_full_and_200_below_it(translators):
    """max_queue 1, one work slot: held by the test; one request waiting fills the queue (not ready), none
    waiting leaves room (ready)."""
    service = make_service(translators("marian", "ct2"), api_keys="", max_queue=1, workers=1)
    running = Running(service, with_ui=False)
    try:
        status, body, _ = http(running.url, "/ready")
        assert status == 200 and json.loads(body) == {"ready": True, "queued": 0, "max_queue": 1, "reason": None}
        assert service._slots.acquire(timeout=5)
        done = []
        waiter = threading.Thread(target=lambda: done.append(service.translate_texts(["Harga naik."])), daemon=True)
        waiter.start()
        for _ in range(200):  # at most 10 s for the request to be in line
            if service.queued == 1:
                break
            time.sleep(0.05)
        status, body, headers = http(running.url, "/ready")
        assert status == 503 and json.loads(body)["reason"] == "the work queue is full"
        assert headers.get("Retry-After") or headers.get("retry-after")
        service._slots.release()
        waiter.join(timeout=60)
        assert done and http(running.url, "/ready")[0] == 200
    finally:
        running.stop()


def test_the_port_answers_while_the_app_is_built_then_the_app_takes_over(translators):
    """ui/starting.py: before attach, /health is 200 'loading', /ready and everything else 503 with Retry-After;
    after it, the real app answers (its lifespan started: the UI's Gradio queue works)."""
    import socket

    import uvicorn

    from tests.test_ui.conftest import gradio_temp_dir_kept
    from ui.server import create_app
    from ui.starting import Starting

    starting = Starting(version="test")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(starting, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        assert starting.serving.wait(20)
        for _ in range(400):  # the lifespan starts before uvicorn listens (kabar serve binds its socket first)
            if server.started:
                break
            time.sleep(0.05)
        status, body, _ = http(url, "/health")
        assert status == 200 and json.loads(body)["status"] == "loading"
        for path in ("/ready", "/translate", "/ui/"):
            status, body, headers = http(url, path)
            assert status == 503 and headers.get("retry-after") == "5", (path, status)
        with gradio_temp_dir_kept():
            starting.attach(create_app(make_service(translators("marian", "ct2"), api_keys="")))
        assert http(url, "/ready")[0] == 200
        status, body, _ = http(url, "/health")
        assert json.loads(body)["status"] == "ok"
        from gradio_client import Client

        client = Client(url + "/ui", verbose=False)
        status, *_ = client.predict(text="Harga beras naik di pasar. Pedagang mengeluh.", api_name="/run_article")
        assert "Detected language" in status
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_kabar_serve_json_logs_carry_the_request_id_and_ready_follows_the_load(tiny_marian, tmp_path):
    """kabar serve --log-format json --metrics: /ready is 503 from the moment the port answers until the model is
    loaded, then 200; every line on stderr is JSON, and the access event of a request carries the id sent, its
    route and status, and never its text."""
    env = {**os.environ, "KABAR_CACHE": str(tmp_path / "cache"), "KABAR_API_KEYS": "",
           "KABAR_METRICS_KEY": "metrics-key-1"}
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "kabar", "serve", "--model", str(tiny_marian), "--port", str(port),
                             "--no-tm", "--log-format", "json", "--log-level", "info"],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    seen = []
    try:
        for _ in range(1200):  # at most 120 s for the model to load
            try:
                status = http(url, "/ready")[0]
            except (urllib.error.URLError, ConnectionError):
                status = None  # not listening yet
            if status is not None and (not seen or seen[-1] != status):
                seen.append(status)
            if status == 200:
                break
            time.sleep(0.1)
        assert seen == [503, 200], seen
        status, body, headers = http(url, "/translate", {"q": ARTICLE, "source": "id", "target": "en"},
                                     headers={"X-Request-ID": "desk-7f3a"})
        assert status == 200 and {k.lower(): v for k, v in headers.items()}["x-request-id"] == "desk-7f3a"
        assert http(url, "/metrics")[0] == 401
        samples, _ = scrape(url, headers={"Authorization": "Bearer metrics-key-1"})
        assert value(samples, "kabar_http_requests_total", route="/translate", method="POST", status="200") == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(timeout=10)
    bad = [line for line in lines if line.strip() and not line.startswith("{")]
    assert not bad, bad[:5]
    records = [json.loads(line) for line in lines if line.strip()]  # every line parses
    assert records and all({"time", "level", "logger", "event"} <= set(r) for r in records)
    assert any(r["event"] == "serving" and r["url"] == url + "/" for r in records)
    access = [r for r in records if r["event"] == "request" and r.get("request_id") == "desk-7f3a"]
    assert len(access) == 1 and access[0]["route"] == "/translate" and access[0]["status"] == 200
    assert access[0]["method"] == "POST" and access[0]["duration"] >= 0
    everything = "\n".join(lines)
    for word in ("cabai", "Kramat", "Garut", "metrics-key-1"):
        assert word not in everything


def test_metrics_add_up_across_processes(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: two processes count, a third serves the sum (prometheus-client's multi-process
    mode, what a server with several workers would use)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from translate import metrics; metrics.MODEL_CALLS.labels(kind='translate').inc(3)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True, timeout=120)
    show = "from ui.metrics import exposition; import sys; sys.stdout.write(exposition()[0].decode())"
    page = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, check=True, timeout=120,
                          capture_output=True, text=True).stdout
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(page) for s in family.samples}
    assert value(samples, "kabar_model_calls_total", kind="translate") == 6


def test_a_model_that_fails_to_load_is_one_error_line_and_exit_2_with_the_port_already_open(tmp_path):
    """The model loads after the port opens (ui/starting.py): its failure still ends kabar serve with the one error
    line and exit 2 it gave before, no banner, no traceback."""
    empty = tmp_path / "model"
    empty.mkdir()
    (empty / "config.json").write_text('{"model_type": "marian"}', encoding="utf-8")
    for model in (tmp_path / "no-such-model", empty):
        proc = subprocess.run([sys.executable, "-m", "kabar", "serve", "--model", str(model), "--port", "0", "--no-tm"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "KABAR_CACHE": str(tmp_path / "cache")})
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert proc.stderr.startswith("error: ") and str(model) in proc.stderr, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr and "serving at" not in proc.stderr
