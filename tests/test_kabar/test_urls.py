"""``kabar run URL... --feed URL`` and ``kabar watch`` against the fixture news site on 127.0.0.1."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kabar.cli import main
from kabar.writers import RESULTS
from tests.conftest import ROOT
from tests.newsite import STORIES, NewsSite

FAST = ["--host-delay", "0", "--fetch-timeout", "2", "--quiet"]


def _records(out):
    return [json.loads(line) for line in (out / RESULTS).read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def site():
    with NewsSite() as running:
        yield running


def test_run_reads_urls_and_feeds_like_files(site, tiny_marian, tmp_path, capsys):
    out = tmp_path / "out"
    first = site.story_url(STORIES[0])
    code = main(["run", first, site.url("/404"), "--feed", site.url("/rss.xml"), "--feed", site.url("/atom.xml"),
                 "--feed", site.url("/pdf"), "--out", str(out), "--model", str(tiny_marian), *FAST])
    err = capsys.readouterr().err
    assert code == 1  # the 404 page and the broken feed failed; everything else was written
    assert "HTTP 404" in err and "feed http" in err and "application/pdf" in err
    records = {r["id"]: r for r in _records(out)}
    ok = [r for r in records.values() if r["status"] == "ok"]
    assert len(ok) == 10  # the first story is in the RSS feed too: read once
    assert site.requests.count(f"/berita/{STORIES[0].slug}.html") == 1
    rec = records[f"127.0.0.1/berita/{STORIES[0].slug}"]
    assert rec["url"] == first and rec["title_source"] == STORIES[0].title and rec["author"] == STORIES[0].author
    assert rec["date"] == STORIES[0].date and rec["dateline"] == "Karawang (Kabar Nusantara) -"
    assert not any("Baca juga" in s or "Terpopuler" in s or "Foto:" in s for s in rec["sentences"])
    page = next((out / "articles").glob(f"127.0.0.1_berita_{STORIES[0].slug}-*.md")).read_text(encoding="utf-8")
    assert f"source: <{first}>" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="source" href="http://127.0.0.1:') == 11  # the 404 page is listed with its link too


def test_no_private_urls_guards_the_command_line_too(site, tiny_marian, tmp_path, capsys):
    """With --no-private-urls the CLI refuses the loopback feed and page the way the server would."""
    out = tmp_path / "out"
    before = len(site.requests)
    code = main(["run", site.story_url(STORIES[0]), "--feed", site.url("/rss.xml"), "--no-private-urls",
                 "--out", str(out), "--model", str(tiny_marian), *FAST])
    err = capsys.readouterr().err
    assert code == 1 and "--allow-private-urls" in err and "loopback" in err
    assert len(site.requests) == before  # nothing reached the site
    assert "Traceback" not in err


def test_watch_exits_1_when_an_item_failed_as_run_does(site, tiny_marian, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["watch", "--feed", site.url("/rss.xml"), "--feed", site.url("/pdf"), "--out", str(out),
                 "--model", str(tiny_marian), "--polls", "1", "--every", "0", *FAST])
    err = capsys.readouterr().err
    assert code == 1 and "application/pdf" in err and "1 failed" in err
    assert main(["watch", "--feed", site.url("/rss.xml"), "--out", str(out), "--model", str(tiny_marian),
                 "--polls", "1", "--every", "0", *FAST]) == 0  # nothing failed this time


def test_watch_that_cannot_start_leaves_no_results_folder(site, tmp_path, capsys):
    """No model: the error comes with the first article; a new --out folder is removed, an existing one kept."""
    out = tmp_path / "out"
    args = ["watch", "--feed", site.url("/rss.xml"), "--out", str(out), "--model", str(tmp_path / "no-model"),
            "--polls", "1", "--every", "0", *FAST]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "no-model" in err and "Traceback" not in err
    assert not out.exists()
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(args) == 2 and (out / "notes.txt").read_text() == "mine"


def _watch(site, out, model, polls=1):
    return main(["watch", "--feed", site.url("/live.xml"), "--out", str(out), "--model", str(model),
                 "--polls", str(polls), "--every", "0", *FAST])


def test_watch_processes_new_and_edited_items_only(site, tiny_marian, tmp_path, capsys):
    out = tmp_path / "edition"
    site.live = list(STORIES[:2])
    assert _watch(site, out, tiny_marian) == 0
    assert "2 new, 0 edited, 0 unchanged, 0 failed" in capsys.readouterr().err
    site.live = list(STORIES[:3])  # one more item, and the first story is edited on its page
    site.edits[STORIES[0].slug] = "Panen diperkirakan selesai pada pertengahan Mei."
    assert _watch(site, out, tiny_marian, polls=2) == 0
    err = capsys.readouterr().err
    assert "1 new, 1 edited, 1 unchanged, 0 failed" in err and "0 new, 0 edited, 3 unchanged" in err
    records = _records(out)
    assert len(records) == 3 and len({r["id"] for r in records}) == 3
    edited = next(r for r in records if r["id"].endswith(STORIES[0].slug))
    assert "Panen diperkirakan selesai pada pertengahan Mei." in edited["sentences"]
    assert (out / "index.html").read_text(encoding="utf-8").count("<section") == 3
    # the edition's archive follows the edit: the new sentence is found, the item is archived once
    capsys.readouterr()
    assert main(["search", "pertengahan Mei", "--archive", str(out), "--json", "--mode", "keyword"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["id"] for h in hits] == [edited["id"]] and "<mark>Mei</mark>" in hits[0]["highlight_src"]
    from kabar.archive import Archive

    archive = Archive(out, create=False)
    assert len(archive) == 3
    archive.close()


def test_watch_resumes_after_kill_9_without_duplicates(site, tiny_marian, tmp_path):
    out = tmp_path / "edition"
    site.live = list(STORIES)
    command = [sys.executable, "-m", "kabar", "watch", "--feed", site.url("/live.xml"), "--out", str(out),
               "--model", str(tiny_marian), "--every", "1", "--host-delay", "0.2", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # at most 60 s for the first few results
            if (out / RESULTS).exists() and len((out / RESULTS).read_text(encoding="utf-8").splitlines()) >= 3:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    partial = len(_records(out))
    assert 3 <= partial
    done = subprocess.run(command[:-5] + ["--every", "0", "--polls", "1", "--host-delay", "0", "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    records = _records(out)
    assert len(records) == len(STORIES) and len({r["id"] for r in records}) == len(STORIES)
    assert all(r["status"] == "ok" for r in records)


def test_watch_stops_cleanly_on_sigterm(site, tiny_marian, tmp_path):
    """SIGTERM while the watch sleeps between polls: exit 0, one 'stopped after 1 polls' line. The signal is sent
    once the watch has said its first poll is done (index.html appears a moment before the poll ends: waiting for
    it raced the poll's last step on a busy machine)."""
    import threading

    out = tmp_path / "edition"
    site.live = list(STORIES[:1])
    command = [sys.executable, "-m", "kabar", "watch", "--feed", site.url("/live.xml"), "--out", str(out),
               "--model", str(tiny_marian), "--every", "30s", "--host-delay", "0", "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    polled = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if " poll 1:" in line:
                polled.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert polled.wait(timeout=120), "".join(lines)[-2000:]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=30)
    finally:
        proc.kill()
    err = "".join(lines)
    assert proc.returncode == 0 and "stopped after 1 polls" in err, err[-2000:]
    assert len(_records(out)) == 1


@pytest.mark.parametrize("every", ["soon", "-5m", "9d"])
def test_watch_rejects_bad_intervals(every, capsys):
    with pytest.raises(SystemExit):
        main(["watch", "--feed", "http://x/", "--out", "o", f"--every={every}"])
    assert "interval" in capsys.readouterr().err


def test_watch_redoes_an_unchanged_item_when_a_correction_changes_it(site, tiny_marian, tmp_path, capsys,
                                                                      monkeypatch):
    """An editor's correction takes effect in a watched edition too: the next poll makes the item again (it is
    unchanged on its page), the sentence comes out as corrected, marked human."""
    monkeypatch.setenv("KABAR_TM", str(tmp_path / "tm.sqlite"))
    out = tmp_path / "edition"
    site.live = list(STORIES[:2])
    assert _watch(site, out, tiny_marian) == 0
    capsys.readouterr()
    story = next(r for r in _records(out) if r["id"].endswith(STORIES[0].slug))
    sentence = story["sentences"][1]
    assert main(["tm", "add", sentence, "The editor's English."]) == 0
    assert _watch(site, out, tiny_marian) == 0
    err = capsys.readouterr().err
    assert "0 new, 0 edited, 1 redone for corrections, 1 unchanged, 0 failed" in err, err
    again = next(r for r in _records(out) if r["id"] == story["id"])
    i = again["sentences"].index(sentence)
    assert (again["origin"][i], again["translation"][i]) == ("human", "The editor's English.")
    assert _watch(site, out, tiny_marian) == 0  # done once: the next poll finds nothing to redo
    assert "0 new, 0 edited, 2 unchanged, 0 failed" in capsys.readouterr().err
