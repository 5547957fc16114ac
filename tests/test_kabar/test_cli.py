"""``kabar run``: outputs, resume, bad inputs, exit codes and the offline error."""
import argparse
import json
import os
import re
import subprocess
import sys

import pytest

from kabar.cli import main
from kabar.writers import RESULTS, md_text
from tests.conftest import EXAMPLES, ROOT

FIELDS = {"id", "source", "title", "date", "lang", "sentences", "translation", "summary_src", "summary_en",
          "model", "engine", "errors"}


def _results(out):
    return [json.loads(line) for line in (out / RESULTS).read_text(encoding="utf-8").splitlines()]


def test_run_on_seeds_writes_everything_and_resumes(seeds_dir, tiny_marian, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(seeds_dir), "--out", str(out), "--model", str(tiny_marian), "--quiet"])
    assert code == 0
    records = _results(out)
    assert len(records) == 5 and all(FIELDS <= set(r) for r in records)
    assert all(len(r["translation"]) == len(r["sentences"]) for r in records)
    assert len(list((out / "articles").glob("*.md"))) == 5
    html = (out / "index.html").read_text(encoding="utf-8")
    # 002 and 004 are two ANTARA reports of one event (BMW and Alibaba's innovation base in Shanghai): one story
    assert html.count("<section") == 5 and "Kabar results (5 articles, 4 stories)" in html
    assert html.count('<li class="story">') == 1 and "2 reports: ANTARA, ANTARA News Jawa Barat" in html  # 004's outlet: its copyright line
    page = next((out / "articles").glob("002_*.md")).read_text(encoding="utf-8")
    seed = next(r for r in records if r["id"].startswith("002_"))
    assert seed["title_source"] is None and seed["title_origin"] == "lead"  # no headline: its lead, not its id
    assert page.startswith(f"# {md_text(seed['title'])}\n") and "002\\_" not in page.splitlines()[0]
    assert "## Summary" in page and "| Original (id) | English |" in page
    capsys.readouterr()
    assert main(["run", str(seeds_dir), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    assert "0 translated/passed through, 0 skipped (language), 0 failed, 5 already done" in capsys.readouterr().err
    assert len(_results(out)) == 5


def test_bad_file_reported_others_written(tiny_marian, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text("Banjir merendam 412 rumah di Jakarta Timur. Warga mengungsi.")
    (inputs / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    out = tmp_path / "out"
    assert main(["run", str(inputs), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 1
    records = {r["id"]: r for r in _results(out)}
    assert records["good"]["status"] == "ok" and records["bad"]["status"] == "error"
    assert "PNG" in capsys.readouterr().err
    (inputs / "bad.txt").write_text("Sekarang berkas ini berisi teks yang benar.")
    assert main(["run", str(inputs), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    records = _results(out)
    assert sorted((r["id"], r["status"]) for r in records) == [("bad", "ok"), ("good", "ok")]


def test_torn_last_line_is_dropped_on_resume(tiny_marian, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    lines = (out / RESULTS).read_text(encoding="utf-8").splitlines(keepends=True)
    (out / RESULTS).write_text("".join(lines[:-1]) + lines[-1][:40], encoding="utf-8")
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    records = _results(out)
    assert len(records) == len(lines) == len({r["id"] for r in records})


def test_offline_default_model_gives_one_clear_error(tmp_path):
    env_run = subprocess.run([sys.executable, "-m", "kabar", "run", str(EXAMPLES), "--out", str(tmp_path / "o"),
                              "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert env_run.returncode == 2
    assert "error: Model 'Helsinki-NLP/opus-mt-id-en' is not available offline" in env_run.stderr
    assert "--model PATH" in env_run.stderr and "Traceback" not in env_run.stderr
    assert not (tmp_path / "o").exists()  # a run that could not start leaves no empty results folder


def test_a_run_that_cannot_start_keeps_an_existing_out_folder(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tmp_path / "no-model"), "--quiet"]) == 2
    assert (out / "notes.txt").read_text() == "mine" and "error:" in capsys.readouterr().err


def test_nllb_through_the_cli(tiny_nllb, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_nllb), "--engine", "transformers",
                 "--sentences", "2", "--quiet"]) == 0
    records = _results(out)
    indonesian = [r for r in records if r["lang"] == "id"]
    assert len(indonesian) == 3 and all(len(r["summary_en"]) == 2 for r in indonesian)
    assert {r["engine"] for r in indonesian} == {"transformers"}


def test_lost_markdown_pages_are_rebuilt(tiny_marian, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    pages = sorted((out / "articles").glob("*.md"))
    pages[0].unlink()
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    assert sorted((out / "articles").glob("*.md")) == pages


def test_kabar_help_lists_every_subcommand_and_each_explains_its_defaults():
    help_text = subprocess.run([sys.executable, "-m", "kabar", "--help"], cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    assert help_text.returncode == 0
    for command in ("run", "serve", "translate", "summarize", "eval"):
        assert f"    {command}" in help_text.stdout
    run_help = subprocess.run([sys.executable, "-m", "kabar", "run", "--help"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120).stdout
    assert "beam width (default: 4)" in run_help and "(default: auto)" in run_help


@pytest.mark.parametrize("command", [["run"], ["watch"], ["serve"], ["translate"], ["summarize"], ["eval", "score"],
                                     ["eval", "run"], ["eval", "summ"], ["eval", "qe"], ["eval", "check"]])
def test_each_option_names_its_default_once(command, capsys):
    """No "(default: detect) (default: auto)": a help text that names its default is not given a second."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    options = re.split(r"\n  -", " ".join(capsys.readouterr().out.split(" ")))
    doubled = [o.split("\n")[0] for o in options if len(re.findall(r"\(default:", o)) > 1]
    assert not doubled, doubled


def test_console_script_is_installed_and_matches_python_m():
    """``pip install -e .`` (the README's set-up) puts a ``kabar`` command beside the interpreter."""
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("kabar") == "kabar.cli:main"


def test_summarize_command_needs_no_model(capsys):
    assert main(["summarize", str(EXAMPLES / "banjir-jakarta.md"), "--sentences", "2", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["id"] == "banjir-jakarta" and record["lang"] == "id"
    assert len(record["summary"]) == 2 and record["summary_indices"] == sorted(record["summary_indices"])


def test_summarize_reports_a_bad_input_and_goes_on(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Harga beras naik tajam pekan ini di Bandung. Pedagang mengeluh sepi.\n",
                                       encoding="utf-8")
    assert main(["summarize", str(tmp_path), "--sentences", "1"]) == 1
    captured = capsys.readouterr()
    assert "# good (id)" in captured.out and "empty.txt" in captured.err


def test_index_html_shows_both_summaries_wraps_and_skips_empty_fields(tiny_marian, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<h3>Summary (English)</h3>" in page and "<h3>Summary (id)</h3>" in page
    assert "overflow-wrap:anywhere" in page
    assert " ·  · " not in page and "· </p>" not in page  # no empty metadata slots
    mode = (out / "index.html").stat().st_mode & 0o777
    assert mode == (out / "results.jsonl").stat().st_mode & 0o777  # the user's normal file mode for both


def test_user_mistakes_are_named_errors_not_tracebacks(tiny_marian, tmp_path, capsys):
    """A missing file, a folder, or a file that is not UTF-8 given to kabar translate: exit 2 with the name."""
    folder = tmp_path / "folder"
    folder.mkdir()
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\u00e9 baru dibuka.\n".encode("latin-1"))
    for path, message in ((tmp_path / "nosuch.txt", "No such file or directory"), (folder, "Is a directory"),
                          (latin, "not UTF-8 text (byte 0xe9")):
        assert main(["translate", "--model", str(tiny_marian), str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err
        if "UTF-8" not in message:
            assert str(path) in err


def test_a_closed_pipe_ends_quietly(tiny_marian, tmp_path):
    """kabar translate ... | head -1: the reader goes away; no BrokenPipeError traceback, the shell's 141."""
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"Harga beras naik {n} persen di pasar nomor {n}.\n" for n in range(3000)),
                     encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kabar", "translate", "--model", str(tiny_marian), str(lines)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 141 and b"Traceback" not in err and b"BrokenPipe" not in err, err[-2000:]


def test_serve_on_a_port_in_use_is_one_error_before_any_banner(tiny_marian, capsys):
    """The port is taken before the model loads and before the banner: a busy port is one line, exit 2."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--model", str(tiny_marian), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}") and "--port" in err, err
    assert "serving at" not in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["serve", "--model", str(tiny_marian), "--host", "no-such-host.invalid"]) == 2
    assert "--host 'no-such-host.invalid'" in capsys.readouterr().err


def test_ctrl_c_stops_a_run_with_one_line_and_the_next_run_resumes(tiny_marian, tmp_path):
    """SIGINT in the middle of kabar run: exit 130, one 'interrupted' line, no traceback; what was written stays
    and the same command finishes the rest. The interrupt comes at a point the test holds, on a fast machine as
    on a slow one: the third input is a page on a local server that answers only once the test lets it, so the
    run is waiting there, its first article written, when SIGINT arrives."""
    import http.server
    import signal
    import threading
    import time

    release = threading.Event()
    page = ("<html><head><title>Harga beras naik</title></head><body><article>"
            + "".join(f"<p>Harga beras naik {k} persen di pasar tradisional Bandung pada pekan ini.</p>"
                      for k in range(6)) + "</article></body></html>").encode()

    class Held(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            release.wait(timeout=60)  # bounded: a broken test never hangs
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Held)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for n in range(2):
        (inputs / f"a{n:02d}.txt").write_text(" ".join(f"Harga beras naik {n} persen di pasar nomor {k}."
                                                       for k in range(10)), encoding="utf-8")
    url = f"http://127.0.0.1:{server.server_address[1]}/beras.html"
    command = [sys.executable, "-m", "kabar", "run", str(inputs), url, "--out", str(out), "--model", str(tiny_marian),
               "--quiet", "--no-cache", "--host-delay", "0"]
    try:
        proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(1200):  # at most 120 s for the first result (the run then waits on the held page)
            if (out / RESULTS).exists() and (out / RESULTS).read_text(encoding="utf-8").count("\n") >= 1:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # the run has moved on to the page, which does not answer
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        err = err.decode()
        assert proc.returncode == 130 and "Traceback" not in err, err[-3000:]
        assert err.strip().splitlines()[-1].startswith("interrupted: ")
        assert [r["id"] for r in _results(out)] == ["a00"]
        release.set()
        assert main(command[3:]) == 0
        assert len(_results(out)) == 3 and {r["id"] for r in _results(out)} >= {"a00", "a01"}
    finally:
        release.set()
        server.shutdown()


@pytest.mark.parametrize(("port", "ok"), [("-1", False), ("0", True), ("1", True), ("65535", True),
                                          ("65536", False), ("99999", False), ("http", False)])
def test_serve_takes_ports_1_to_65535_or_0(port, ok):
    from ui.cli import port_number

    if ok:
        assert port_number(port) == int(port)
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="1-65535, or 0 for any free port"):
            port_number(port)
    if not ok:
        proc = subprocess.run([sys.executable, "-m", "kabar", "serve", "--port", port], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and "--port" in proc.stderr and "Traceback" not in proc.stderr


def test_the_banner_comes_once_the_port_answers(tiny_marian, tmp_path):
    """--port 0 picks a free port; the banner names it, and is printed only when the server answers there."""
    import urllib.request

    env = {**os.environ, "KABAR_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "kabar", "serve", "--model", str(tiny_marian), "--port", "0",
                             "--no-tm"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        banner = ""
        for _ in range(200):  # at most 200 lines of log before the banner
            line = proc.stderr.readline()
            if not line or "serving at" in line:
                banner = line
                break
        assert banner.startswith("Kabar: serving at http://127.0.0.1:"), banner
        url = banner.split("serving at ")[1].split(" ")[0]
        assert not url.endswith(":0/")
        with urllib.request.urlopen(url + "health", timeout=10) as reply:  # answered at once, no retry
            assert reply.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_missing_input_is_exit_2_on_its_own_line_and_leaves_no_folder(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "kabar", "run", str(tmp_path / "nope.txt"), str(EXAMPLES), "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.splitlines() == [f"error: {tmp_path / 'nope.txt'}: no such file or folder (give existing "
                                        "files or folders, or http(s) URLs); nothing was written"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_kabar_tm_takes_its_options_before_or_after_the_action(tmp_path, where):
    tm = str(tmp_path / "tm.sqlite")
    add = ["tm", "--tm", tm, "add", "Halo.", "Hello."] if where == "before" else ["tm", "add", "Halo.", "Hello.",
                                                                                  "--tm", tm]
    assert main(add) == 0
    from translate.memory import TranslationMemory

    assert TranslationMemory(tm).get("Halo.").target == "Hello."
