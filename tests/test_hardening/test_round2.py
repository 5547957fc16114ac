"""Round 2 of the adversarial review (issue "Security and robustness, round 2"): one test per finding.

Server tests run ``kabar serve`` in its own process on 127.0.0.1 with API keys and a small connection
cap; every network wait is bounded.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from kabar.cli import main
from kabar.writers import RESULTS, read_results
from news.detect import detect
from tests.conftest import ROOT
from tests.test_hardening.test_server import API_KEY, Server, request, signed_in

ARTICLE = ("Harga beras di pasar tradisional naik lima persen pekan ini.\n\n"
           "Pedagang mengatakan pembeli mengurangi belanja. Pemerintah berjanji menambah pasokan.")
SECRET = "isi-rahasia-server-" + os.urandom(4).hex()


@pytest.fixture(scope="module")
def capped(tiny_marian, tmp_path_factory):
    """A server with API keys and at most 8 connections in flight."""
    running = Server(tiny_marian, tmp_path_factory.mktemp("capped"),
                     extra=["--max-connections", "8", "--header-timeout", "3"])
    yield running
    running.stop()


def _gradio_call(opener, url: str, api: str, data: list) -> tuple[int, str]:
    """(status of the POST, the SSE text of the result) for one Gradio API call; HTTP errors are returned."""
    req = urllib.request.Request(f"{url}/ui/gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
                                 headers={"content-type": "application/json"})
    try:
        with opener.open(req, timeout=60) as response:
            event = json.loads(response.read())["event_id"]
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")
    with opener.open(f"{url}/ui/gradio_api/call/{api}/{event}", timeout=120) as response:
        return 200, response.read().decode(errors="replace")


# 1. Files on the server through the Gradio API -------------------------------------------------------
def test_gradio_api_needs_a_sign_in_when_keys_are_set(capped):
    plain = urllib.request.build_opener()
    status, _ = _gradio_call(plain, capped.url, "run_article", ["Harga beras naik.", None, "auto", "auto", "", "learned",
                                                                   None])
    assert status in (401, 403)


@pytest.mark.parametrize("api, data", [
    ("run_batch", lambda p: [[{"path": p, "meta": {"_type": "gradio.FileData"}}]]),
    ("run_article", lambda p: ["", {"path": p, "meta": {"_type": "gradio.FileData"}}, "auto", "auto", "", "learned",
                               None]),
    ("run_article", lambda p: ["Harga beras naik.", None, "auto", "auto", "", "learned",  # a glossary from outside
                               {"path": p, "meta": {"_type": "gradio.FileData"}}]),
])
def test_gradio_callbacks_refuse_files_outside_the_temp_folder(capped, tmp_path, api, data):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}. Harga beras naik.\n", encoding="utf-8")
    status, events = _gradio_call(signed_in(capped.url), capped.url, api, data(str(secret)))
    assert status == 200 and "event: error" in events, events
    assert "not uploaded by a user" in events and SECRET not in events  # Gradio's own check, now enforced
    for produced in capped.temp.rglob("*"):
        assert not produced.is_file() or SECRET not in produced.read_text(errors="replace"), produced


def test_callbacks_check_paths_themselves(translators, tmp_path):
    """The second line of defence: a callback given a path outside the temp folder refuses it by name."""
    import gradio as gr

    from tests.test_ui.conftest import make_service
    from ui.app import Callbacks

    service = make_service(translators("marian", "ct2"), temp_dir=tmp_path / "server-tmp", api_keys="")
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}. Harga beras naik.\n", encoding="utf-8")
    calls = Callbacks(service)
    inside = service.work_dir("up-") / "ok.txt"  # the temp folder exists first: "server-tmp/.." then leads out
    inside.write_text(ARTICLE, encoding="utf-8")
    link = inside.parent / "link.txt"
    link.symlink_to(secret)
    assert (tmp_path / "server-tmp" / ".." / "secret.txt").is_file()
    for call in (lambda: calls.run_batch([str(secret)], progress=lambda *a, **k: None),
                 lambda: calls.run_article("", str(secret)),
                 lambda: calls.run_batch([str(tmp_path / "server-tmp" / ".." / "secret.txt")],
                                         progress=lambda *a, **k: None),
                 lambda: calls.run_article("", str(inside.parent / ".." / ".." / "secret.txt")),
                 lambda: calls.run_article(ARTICLE, glossary=str(secret))):
        with pytest.raises(gr.Error, match="secret.txt: not a file uploaded to this server"):
            call()
    with pytest.raises(gr.Error, match="link.txt: not a file uploaded to this server"):
        calls.run_article("", str(link))  # a link inside the folder that points out of it
    files, status, table = calls.run_batch([str(inside)], progress=lambda *a, **k: None)
    assert status == "1 of 1 articles processed" and list(table["file"]) == ["ok.txt"]


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.parametrize("chunked", [False, True])
def test_gradio_routes_have_the_same_body_limit(capped, chunked):
    """A 16 MiB JSON body to a Gradio call route, before any sign-in: a 413 while it arrives (with or without
    Content-Length), and the server's memory does not grow by the body's size."""
    body = b'{"data": ["' + b"a" * (16 * 1024 * 1024) + b'"]}'
    before = _rss_kb(capped.proc.pid)
    with socket.create_connection(("127.0.0.1", capped.port), timeout=30) as sock:
        head = ("POST /ui/gradio_api/call/run_article HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n")
        if chunked:
            sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
            step = 256 * 1024
            try:
                for i in range(0, len(body), step):
                    piece = body[i:i + step]
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server may answer and close before the whole body is sent
        else:
            sock.sendall((head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        received = b""
        while len(received) < 65536 and (piece := sock.recv(65536)):  # the server closes after its 413
            received += piece
        answer = received.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:300]
    assert '"limit_bytes"' in answer
    assert _rss_kb(capped.proc.pid) - before < 8 * 1024, "the server kept the body in memory"
    assert request(capped.url, "/health", None, key=None)[0] == 200


def test_upload_errors_name_the_file_never_the_server_folder(translators, tmp_path):
    import gradio as gr

    from tests.test_ui.conftest import make_service
    from ui.app import Callbacks

    service = make_service(translators("marian", "ct2"), temp_dir=tmp_path / "server-tmp", api_keys="")
    calls = Callbacks(service)
    folder = service.work_dir("up-")
    (folder / "kosong.txt").write_text("   \n", encoding="utf-8")
    (folder / "gambar.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(gr.Error) as caught:
        calls.run_article("", str(folder / "kosong.txt"))
    assert caught.value.message.startswith("kosong.txt: is empty") and str(service.temp_dir) not in str(caught.value)
    files, status, table = calls.run_batch([str(folder / "kosong.txt"), str(folder / "gambar.png")],
                                           progress=lambda *a, **k: None)
    assert list(table["file"]) == ["kosong.txt", "gambar.png"] and status == "0 of 2 articles processed; 2 failed"
    assert not any(str(service.temp_dir) in e for e in table["error"]) and table["error"][1].startswith("gambar.png: unsupported file type")


def test_renaming_uploads_is_linear_in_the_batch():
    """Thousands of uploads with one name: each document's texts are cleaned in one pass (was: every path
    tried on every document, 48 s for 8,000 files)."""

    from news.read import Document
    from tests.test_hardening.test_linear import super_linear
    from ui.app import _as_uploaded, _server_folders

    root = Path("/srv/kabar-server-x")
    hide = _server_folders(root)

    def batch(n: int):
        return [Document(f"d{i}", f"{root}/uploads/{i:040x}/berita.txt", error=f"{root}/uploads/{i:040x}/berita.txt: "
                         "is empty") for i in range(n)]

    def rename(docs):
        return [_as_uploaded(d, hide) for d in docs]
    assert {(d.source, d.error) for d in rename(batch(3))} == {("berita.txt", "berita.txt: is empty")}
    assert super_linear(rename, batch(1000), batch(8000)) is None


class _Counting:
    """The real translator, counting the sentences of each call."""

    def __init__(self, inner):
        self.inner, self.info, self.calls = inner, inner.info, []

    def translate(self, sentences):
        self.calls.append(len(sentences))
        return self.inner.translate(sentences)


def test_gradio_evaluate_is_bounded_like_a_request(translators, tmp_path, monkeypatch):
    """The Evaluate tab's run: at most 4 test sets and 500 segments a set, translated in pieces of the text
    limit (a work slot each, so REST requests get their turn), within the request deadline."""
    import gradio as gr

    from tests.conftest import DATA, need_shared
    from tests.test_ui.conftest import make_service
    from ui.app import MAX_EVAL_SEGMENTS, Callbacks

    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    monkeypatch.setenv("KABAR_DATA", str(DATA))
    counting = _Counting(translators("marian", "ct2"))
    service = make_service(counting, temp_dir=tmp_path / "t", api_keys="", max_chars=400)
    calls = Callbacks(service)
    with pytest.raises(gr.Error, match="at most 4 test sets"):
        calls.run_eval(["flores200", "ntrex128", "tatoeba", "tico19"], use_model=True, limit=5)  # 5 with both splits
    before = service.stats.requests
    table, _ = calls.run_eval(["flores200/dev"], use_model=True, limit=12)
    assert sum(counting.calls) == 12 and len(counting.calls) >= 2  # 12 FLORES sentences exceed 400 characters
    assert service.stats.requests - before == len(counting.calls)  # one work slot a piece
    assert len(table) == 1
    late = make_service(counting, temp_dir=tmp_path / "t2", api_keys="", deadline=1e-6)
    with pytest.raises(gr.Error, match="longer than the server's deadline"):
        Callbacks(late).run_eval(["flores200/dev"], use_model=True, limit=0)
    assert MAX_EVAL_SEGMENTS == 500


# 2. The reviewer's super-linear body, answered at once (the scaling itself: test_linear.py) ------------
def test_reviewer_regex_body_gets_a_normal_answer(capped):
    status, _, payload = request(capped.url, "/api/process", {"text": "12:00" + "\u1680" * 200 + "x"})
    assert status in (200, 400) and isinstance(payload, dict)
    assert request(capped.url, "/health")[0] == 200


# 12. A cap on connections in flight ------------------------------------------------------------------
def test_connection_cap_answers_503_and_recovers(capped):
    """20 requests whose bodies never finish arriving, against a cap of 8: the rest are refused at once."""
    held, refused = [], 0
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", capped.port), timeout=10)
            sock.sendall(b"POST /api/process HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\nX-API-Key: " + API_KEY.encode() + b"\r\n\r\n{\"text\": \"")
            held.append(sock)
        for sock in held:
            sock.settimeout(0.5)  # a refusal is sent at once; a held request sends nothing
            try:
                refused += sock.recv(64).startswith(b"HTTP/1.1 503")
            except TimeoutError:
                pass  # still held by the server: inside the cap
        assert refused >= 20 - 8, refused
    finally:
        for sock in held:
            sock.close()
    for _ in range(50):  # bounded: at most 10 s for the held requests to be dropped
        try:
            with urllib.request.urlopen(capped.url + "/health", timeout=10) as response:
                assert response.status == 200
                break
        except urllib.error.HTTPError:
            time.sleep(0.2)
    else:
        pytest.fail("/health did not recover after the held connections closed")


def test_half_open_connections_lock_no_one_out(capped):
    """300 sockets that each sent half a request line: /health still answers at once (they are not requests in
    flight), and the server closes them all once the header timeout (3 s here) has passed."""
    held = []
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", capped.port), timeout=10)
            sock.sendall(b"GET /health HT")
            held.append(sock)
        started = time.monotonic()
        with urllib.request.urlopen(capped.url + "/health", timeout=5) as response:
            assert response.status == 200
        assert time.monotonic() - started < 3, "/health waited behind the half-open connections"
        closed = 0
        for sock in held:  # bounded: each read waits at most until 10 s after the first
            sock.settimeout(max(0.1, started + 10 - time.monotonic()))
            try:
                closed += sock.recv(64) == b""
            except (TimeoutError, ConnectionResetError):
                pass
        assert closed == len(held), f"{closed} of {len(held)} half-open connections closed by the server"
    finally:
        for sock in held:
            sock.close()


def test_a_stalled_request_body_gets_408_and_frees_its_slot():
    """Headers complete, then the body stops: the body limit answers 408 after its idle timeout (lowered here),
    and the in-flight cap counts the request only while it lasts."""
    import asyncio
    import concurrent.futures

    from ui.limits import BodyLimit, InFlightLimit

    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    stack = InFlightLimit(BodyLimit(app, limit=lambda path: 1000, idle_timeout=0.2), limit=1)
    sent = []

    async def stalled():
        await asyncio.sleep(3600)

    async def record(message):
        sent.append(message)

    async def run():
        scope = {"type": "http", "path": "/api/process", "headers": []}
        await asyncio.wait_for(stack(scope, stalled, record), 5)
        assert stack.active == 0
    # in a thread of its own: a session that already drives Chromium has an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)
    assert sent[0]["status"] == 408 and b"stopped arriving" in sent[1]["body"] and not reached


# 6, 7, 13. Surrogates, deep nesting and HTML through the API ------------------------------------------
def _raw(url: str, path: str, body: bytes, key: str | None = API_KEY) -> tuple[int, str, bytes]:
    headers = {"content-type": "application/json"} | ({"x-api-key": key} if key else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url + path, data=body, headers=headers),
                                    timeout=120) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("content-type", ""), err.read()


@pytest.mark.parametrize("path, body", [
    ("/api/translate", b'{"text": "Harga \\ud800 naik."}'),
    ("/api/summarize", b'{"text": "Harga beras \\ud800 naik. Pedagang mengeluh."}'),
    ("/api/process", b'{"text": "Harga beras \\ud800 naik lima persen.", "title": "\\udfff"}'),
    ("/translate", b'{"q": "Harga \\ud800 naik.", "source": "auto", "target": "en"}'),
    ("/detect", b'{"q": "Harga \\ud800 naik."}'),
    ("/translate", b"[" * 100_000),
    ("/detect", b"[" * 100_000),
    ("/api/process", b"[" * 100_000),
])
def test_hostile_json_gets_json_answers_never_500(capped, path, body):
    if path in ("/translate", "/detect") and body.startswith(b"{"):
        body = body[:-1] + b', "api_key": "' + API_KEY.encode() + b'"}'
    status, kind, payload = _raw(capped.url, path, body)
    assert status < 500 and "json" in kind, (status, payload[:200])
    json.loads(payload)


def test_translate_html_drops_scripts_and_handlers(capped):
    q = ('<p onclick="steal()">Harga beras naik.<script>alert("rahasia")</script>'
         '<style>p{color:red}</style><a href="javascript:alert(1)">klik</a></p>')
    status, _, payload = request(capped.url, "/translate", {"q": q, "source": "id", "target": "en",
                                                            "format": "html", "api_key": API_KEY})
    assert status == 200
    out = payload["translatedText"]
    for bad in ("<script", "onclick", "alert", "rahasia", "javascript:", "<style"):
        assert bad not in out, (bad, out)
    assert out.startswith("<p>") and out.endswith("</p>")


class _Copier:
    """A translator that copies its input: real MT models copy markup-like and unknown text often enough."""

    def __init__(self):
        from translate.base import TranslatorInfo

        self.info = TranslatorInfo(model="copy", engine="copy", model_kind="marian", device="cpu",
                                   compute_type="none", beam_size=1)

    def translate(self, sentences):
        return list(sentences)


def test_translated_html_text_is_escaped_again(tmp_path):
    """Escaped markup in the source text stays escaped in the translation, even when the model copies it."""
    from kabar.pipeline import Pipeline
    from ui.markup import html_translate
    from ui.service import KabarService

    service = KabarService(Pipeline(_Copier()), api_keys="", temp_dir=tmp_path)
    out = html_translate(service, ["<p>Awas &lt;img src=x onerror=alert(1)&gt; di &amp; sini.</p>"])[0]
    assert "<img" not in out and out == "<p>Awas &lt;img src=x onerror=alert(1)&gt; di &amp; sini.</p>"


# 3. A per-request deadline ----------------------------------------------------------------------------
def test_deadline_gives_504_with_a_json_error(translators):
    from tests.test_ui.conftest import Running, make_service

    running = Running(make_service(translators("marian", "ct2"), api_keys="", deadline=1e-6), with_ui=False)
    try:
        status, _, payload = request(running.url, "/api/process", {"text": ARTICLE}, key=None)
    finally:
        running.stop()
    assert status == 504 and "deadline" in payload["error"]


# 4. The Article tab renders article text as text --------------------------------------------------------
def test_ui_renders_article_text_as_text():
    from kabar.pipeline import Result
    from ui.app import side_by_side_html, status_html, summary_html

    hostile = ('<img src="http://tracker.example/p.gif"> <form action="x"><input></form> '
               '[klik](http://x.example) # Judul')
    result = Result("a", "a", "ok", lang="id", sentences=(hostile,), paragraph_of=(0,), sentence_lang=("id",),
                    translation=(hostile,), summary_indices=(0,), summary_src=(hostile,), summary_en=(hostile,),
                    errors=("<b>warning</b>",))
    for rendered in (side_by_side_html(result), status_html(result), summary_html(result)):
        assert "<img" not in rendered and "<form" not in rendered and "<input" not in rendered
        assert "<b>warning" not in rendered
    assert "&lt;img src=&quot;http://tracker.example/p.gif&quot;&gt;" in summary_html(result)


# 5, 6, 7, 8. Hostile ids and text through the CLI ---------------------------------------------------------
def _jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")


def test_hostile_ids_and_lines_never_kill_the_batch(tiny_marian, tmp_path):
    inputs = tmp_path / "in.jsonl"
    cjk, emoji = "\u4e2d" * 80, "\U0001f600" * 70
    _jsonl(inputs, [{"id": cjk, "text": ARTICLE}, {"id": emoji, "text": ARTICLE},
                    '{"id": "\\ud800", "text": "Harga beras \\ud800 naik lima persen pekan ini."}',
                    "[" * 100_000, {"id": "last", "text": ARTICLE}])
    out = tmp_path / "out"
    for _ in range(2):  # the second run reads the first run's results.jsonl back
        run = subprocess.run([sys.executable, "-m", "kabar", "run", str(inputs), "--out", str(out), "--model",
                              str(tiny_marian), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-2000:]
        assert "nested too deeply" in run.stderr
    records = {r["id"]: r for r in read_results(out / RESULTS)}
    assert records[cjk]["status"] == records[emoji]["status"] == records["last"]["status"] == "ok"
    assert records["\ufffd"]["status"] == "ok" and "\ufffd" in records["\ufffd"]["sentences"][0]
    pages = list((out / "articles").glob("*.md"))
    assert len(pages) == 4 and all(len(p.name.encode()) <= 255 for p in pages)
    assert (out / "index.html").is_file()


def test_markdown_pages_escape_markup(tiny_marian, tmp_path):
    inputs = tmp_path / "in.jsonl"
    _jsonl(inputs, [{"id": "x", "title": "Judul\n# Disisipkan", "text": "Harga beras naik <script>alert(1)</script>"
                     " lima persen. Baca di [sini](javascript:alert(1)) sekarang juga ya."}])
    assert main(["run", str(inputs), "--out", str(tmp_path / "out"), "--model", str(tiny_marian), "--quiet"]) == 0
    page = next((tmp_path / "out" / "articles").glob("*.md")).read_text(encoding="utf-8")
    assert "<script>" not in page and "](javascript:" not in page
    assert not [line for line in page.splitlines() if line.startswith("# Disisipkan")]


# 9. --out inside the input folder ---------------------------------------------------------------------------
def test_out_inside_the_input_folder_is_not_read(tiny_marian, tmp_path):
    folder = tmp_path / "berita"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b.md").write_text("# Judul\n\n" + ARTICLE, encoding="utf-8")
    for _ in range(3):
        assert main(["run", str(folder), "--out", str(folder / "hasil"), "--model", str(tiny_marian), "--quiet",
                     "--force"]) == 0
        assert sorted(r["id"] for r in read_results(folder / "hasil" / RESULTS)) == ["a", "b"]


# 10. Damaged caches and bad --out paths ----------------------------------------------------------------------
def test_damaged_caches_are_moved_aside_and_rebuilt(tiny_marian, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "sentences.sqlite").write_bytes(b"this is not a database" * 100)
    (cache / "articles.sqlite").mkdir()  # a folder where the file should be
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    args = ["run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--model", str(tiny_marian), "--quiet",
            "--cache", str(cache)]
    assert main(args) == 0
    assert "sentences.sqlite was damaged" in caplog.text and "articles.sqlite was damaged" in caplog.text
    assert len(list(cache.glob("sentences.sqlite.damaged-*"))) == 1
    assert len(list(cache.glob("articles.sqlite.damaged-*"))) == 1
    assert main(args + ["--force"]) == 0  # the rebuilt caches work


def test_a_file_name_that_is_not_utf8_is_read_and_named(tiny_marian, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/berita-\xff.txt", "wb") as handle:  # a Latin-1 name on a UTF-8 system
        handle.write(ARTICLE.encode())
    out = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    [record] = list(read_results(out / RESULTS))
    assert record["status"] == "ok" and record["id"] == "berita-\ufffd" and "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("line", ['[1, 2, 3]', '"text"', '{"id": 5, "source": "x", "status": "ok"}',
                                  '{"id": "b", "status": "ok"}',
                                  '{"id": "b", "source": "b.txt", "status": "ok", "sentences": 5}',
                                  '{"id": "b", "source": "b.txt", "status": "ok", "translation": [1, 2]}',
                                  '{"id": "b", "source": "b.txt", "status": "ok", "paragraph_of": ["x"]}'])
def test_wrong_shape_results_lines_are_named_and_redone(tiny_marian, tmp_path, caplog, line):
    """A results.jsonl line of valid JSON but not a result: a warning naming file and line, the line dropped
    and its article processed again; no traceback."""
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "a.txt"), "--out", str(out), "--model", str(tiny_marian), "--quiet"]
    assert main(args) == 0
    with open(out / RESULTS, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    assert main(args) == 0
    assert f"{out / RESULTS}:2: not a Kabar result" in caplog.text
    assert [r["id"] for r in read_results(out / RESULTS)] == ["a"] and (out / "index.html").is_file()


def test_a_foreign_watch_database_is_a_named_error(tiny_marian, tmp_path, capsys):
    import sqlite3

    from kabar.watch import STATE

    out = tmp_path / "out"
    out.mkdir()
    with sqlite3.connect(out / STATE) as db:
        db.execute("CREATE TABLE items (name TEXT, price REAL)")
    code = main(["watch", "--feed", "http://127.0.0.1:9/rss.xml", "--out", str(out), "--model", str(tiny_marian),
                 "--polls", "1", "--every", "0", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "not a Kabar watch state" in err and "move the file aside" in err and "Traceback" not in err


@pytest.mark.parametrize("content", ["[]", '"x"', "{", "[" * 100_000])
def test_a_damaged_fingerprint_file_is_started_afresh(tiny_marian, tmp_path, monkeypatch, content):
    from translate import models

    monkeypatch.setenv("KABAR_CACHE", str(tmp_path))
    (tmp_path / "fingerprints.json").write_text(content, encoding="utf-8")
    models._fingerprints.clear()
    digest = models.fingerprint(tiny_marian)
    assert len(digest) == 32 and isinstance(json.loads((tmp_path / "fingerprints.json").read_text()), dict)


def test_foreign_article_cache_rows_are_misses(translators):
    import tempfile

    from kabar.pipeline import Pipeline
    from kabar.store import ArticleCache
    from news.read import Document
    with tempfile.TemporaryDirectory() as folder:
        cache = ArticleCache(f"{folder}/articles.sqlite")
        pipeline = Pipeline(translators("marian", "ct2"), article_cache=cache)
        doc = Document("a", "a", ARTICLE)
        cache.put_many([(pipeline.article_key(doc), {"not": "a result"})])
        cache.insert("INSERT OR REPLACE INTO articles VALUES (?, ?)",
                     [("other", zlib.compress(b"[1, 2, 3]"))])
        assert pipeline.process(doc).status == "ok"


def test_damaged_converted_model_is_converted_again(tiny_marian, tmp_path, caplog):
    from translate.registry import load_translator

    first = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, beam_size=1)
    model_bin = first.model_dir / "model.bin"
    del first
    model_bin.write_bytes(b"\0" * 64)
    again = load_translator(str(tiny_marian), "ct2", cache_dir=tmp_path, beam_size=1)
    assert len(again.translate(["Harga beras naik."])) == 1
    assert "could not be loaded" in caplog.text


@pytest.mark.parametrize("make", ["file", "results-folder"])
def test_bad_out_paths_are_named_errors(tiny_marian, tmp_path, capsys, make):
    out = tmp_path / "out"
    if make == "file":
        out.write_text("not a folder")
    else:
        (out / RESULTS).mkdir(parents=True)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["run", str(tmp_path / "a.txt"), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 2
    assert "cannot write results there" in capsys.readouterr().err


# 11. FIFOs and links out of the input folder ------------------------------------------------------------------
def test_fifo_and_outside_links_are_named_errors(tiny_marian, tmp_path):
    folder = tmp_path / "berita"
    folder.mkdir()
    (folder / "baik.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "pipa.txt")
    outside = tmp_path / "rahasia.txt"
    outside.write_text(SECRET + ". Harga beras naik.", encoding="utf-8")
    (folder / "tautan.txt").symlink_to(outside)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "kabar", "run", str(folder), "--out", str(out), "--model",
                          str(tiny_marian), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    records = {r["id"]: r for r in read_results(out / RESULTS)}
    assert records["baik"]["status"] == "ok"
    assert "not a regular file" in run.stderr and "outside the input folder" in run.stderr
    assert SECRET not in (out / RESULTS).read_text(encoding="utf-8")


# 14. Short Indonesian texts are Indonesian ---------------------------------------------------------------------
@pytest.mark.parametrize("text, lang", [
    ("Presiden meresmikan bandara baru.", "id"),   # the reviewer's case
    ("Petani panen padi.", "id"),                  # langid alone says Javanese
    ("Polisi menangkap dua tersangka.", "id"),
    ("The president opened a new airport.", "en"),
    ("Le président a inauguré un nouvel aéroport.", "fr"),  # other languages are still told apart
])
def test_short_texts_weigh_the_languages_kabar_reads(text, lang):
    assert detect(text).lang == lang


def test_gradio_client_signs_in_with_an_api_key(capped):
    """What the README documents: gradio_client with any user name and an API key as the password."""
    from gradio_client import Client

    for address in (capped.url + "/ui", capped.url + "/"):  # the UI's address or the root the banner prints
        client = Client(address, auth=("editor", API_KEY), verbose=False)
        status, side, summary, *_ = client.predict("Harga beras naik lima persen pekan ini. Pedagang mengeluh.",
                                                   None, api_name="/run_article")
        assert "Detected language" in status and "Summary (English)" in summary
        with pytest.raises(ValueError, match="Could not login"):  # a wrong key is refused at sign-in
            Client(address, auth=("editor", "wrong-" + API_KEY), verbose=False)
