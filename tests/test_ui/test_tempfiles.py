"""The server's temp folder is private to it, and old uploads, outputs and job folders are deleted."""
import gc
import os
import stat
import time

import pytest

from news.errors import ConfigError
from ui.tempfiles import Sweeper, private_folder


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_default_is_a_fresh_private_folder_removed_at_exit():
    first, fresh = private_folder(None)
    second, _ = private_folder(None)
    assert fresh and first != second and _mode(first) == 0o700
    sweeper = Sweeper(first, remove_root=True)
    (first / "upload.txt").write_text("x")
    del sweeper
    gc.collect()
    assert not first.exists()
    second.rmdir()


def test_named_folder_is_created_private(tmp_path):
    folder, fresh = private_folder(tmp_path / "a" / "server-tmp")
    assert not fresh and folder.is_dir() and _mode(folder) == 0o700


def test_readable_folder_of_ours_is_made_private(tmp_path):
    (tmp_path / "t").mkdir(mode=0o755)
    os.chmod(tmp_path / "t", 0o755)
    folder, _ = private_folder(tmp_path / "t")
    assert _mode(folder) == 0o700


@pytest.mark.parametrize("make, message", [
    (lambda p: (p.mkdir(), os.chmod(p, 0o777)), "can be written by other users"),   # world-writable: refused
    (lambda p: (p.mkdir(), os.chmod(p, 0o770)), "can be written by other users"),   # group-writable: refused
    (lambda p: os.symlink(p.parent, p), "is a link or not a folder"),                # a link to elsewhere
    (lambda p: p.write_text("x"), "is a link or not a folder"),                      # a file
])
def test_unsafe_folders_are_refused_by_name(tmp_path, make, message):
    target = tmp_path / "server-tmp"
    make(target)
    with pytest.raises(ConfigError, match=message) as caught:
        private_folder(target)
    assert "server-tmp" in str(caught.value) and "--temp-dir" in str(caught.value)


@pytest.mark.skipif(os.getuid() != 0, reason="making a folder another user owns needs root")
def test_a_folder_another_user_made_first_is_refused(tmp_path):
    """The /tmp/kabar attack: a local user creates the folder before the server and reads every upload."""
    target = tmp_path / "kabar"
    target.mkdir(mode=0o700)
    os.chown(target, 65534, 65534)
    with pytest.raises(ConfigError, match="belongs to user 65534"):
        private_folder(target)


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_sweep_deletes_old_files_and_keeps_new_ones(tmp_path):
    root, _ = private_folder(tmp_path / "server-tmp")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the server's")
    old_job, new_job, empty_new = root / "batch-old", root / "batch-new", root / "article-new"
    for folder in (old_job, new_job, empty_new):
        folder.mkdir()
    (old_job / "results.jsonl").write_text("old")
    (new_job / "results.jsonl").write_text("new")
    old_link = root / "old-link"
    old_link.symlink_to(outside)
    for path in (old_job / "results.jsonl", old_job, old_link):
        _age(path, 7200)
    sweeper = Sweeper(root, keep=3600)
    assert sweeper.sweep() == 2  # the old file and the old link
    assert not old_job.exists() and not old_link.is_symlink()
    assert (new_job / "results.jsonl").read_text() == "new" and empty_new.is_dir()  # a job just started stays
    assert outside.read_text() == "not the server's"  # a link is removed, never followed


def test_sweeps_run_at_most_once_a_period(tmp_path):
    root, _ = private_folder(tmp_path / "server-tmp")
    sweeper = Sweeper(root, keep=1, every=3600)
    sweeper.maybe_sweep()
    (root / "f.txt").write_text("x")
    _age(root / "f.txt", 10)
    sweeper.maybe_sweep()  # within the period: nothing happens
    assert (root / "f.txt").exists()
    sweeper.sweep()
    assert not (root / "f.txt").exists() and sweeper.removed == 1


def test_keep_files_must_be_positive(tmp_path):
    with pytest.raises(ConfigError, match="--keep-files must be a positive number"):
        Sweeper(tmp_path, keep=0)


def test_the_server_sweeps_its_translated_files(translators, tmp_path):
    """Through the service: a translated file older than --keep-files is gone after the next job starts."""
    from tests.test_ui.conftest import make_service

    service = make_service(translators("marian", "ct2"), temp_dir=tmp_path / "server-tmp", keep_files=60)
    old = service.temp_dir / "translated-files" / ("0" * 32 + ".old.txt")
    old.parent.mkdir()
    old.write_text("yesterday's translation")
    _age(old, 3600)
    service.work_dir("batch-")
    assert not old.exists() and service.sweeper.removed == 1
