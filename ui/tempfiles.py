"""The server's own temp folder: private to the server's user, and emptied of old files as it goes.

Every upload, translated file and job folder lives here, so two rules hold:

- **Private.** Without ``--temp-dir`` each server makes a fresh folder (``mkdtemp``: mode 0700, a random name,
  removed when the server exits). A folder the operator names is created 0700 when missing; one that already
  exists must be a real folder (not a link) owned by this user and writable by nobody else, else the server
  refuses to start (another local user could read every upload, or plant links). Read access for others is
  taken away.
- **Kept for a while, not for ever.** Files older than ``keep`` seconds (``--keep-files``, default one hour)
  are deleted by a sweep that runs at most once a minute when a new file is written; emptied folders go too.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
import time
import weakref
from pathlib import Path

from news.errors import ConfigError

DEFAULT_KEEP_SECONDS = 3600.0
SWEEP_EVERY = 60.0  # seconds between two sweeps at most


def private_folder(path: str | os.PathLike | None) -> tuple[Path, bool]:
    """The server's temp folder and whether the server made it fresh (then it is removed at exit)."""
    if path is None:
        return Path(tempfile.mkdtemp(prefix="kabar-server-")).resolve(), True
    folder = Path(path).absolute()
    try:
        folder.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot create the temp folder {folder} ({exc.strerror}); choose another --temp-dir") from None
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"the temp folder {folder} is a link or not a folder; choose another --temp-dir")
    if info.st_uid != os.getuid():
        raise ConfigError(f"the temp folder {folder} belongs to user {info.st_uid}, not to this server's user "
                          f"({os.getuid()}): another user could read every upload. Choose another --temp-dir")
    if info.st_mode & 0o022:
        raise ConfigError(f"the temp folder {folder} can be written by other users (mode "
                          f"{stat.S_IMODE(info.st_mode):o}), who could plant files or links in it. Choose another "
                          "--temp-dir, or make it private: chmod 700")
    if info.st_mode & 0o077:
        folder.chmod(0o700)  # readable by others: ours, so made private
    return folder.resolve(), False


class Sweeper:
    """Deletes files under ``root`` older than ``keep`` seconds (and folders left empty), at most once a
    ``every`` seconds; thread-safe."""

    def __init__(self, root: Path, keep: float = DEFAULT_KEEP_SECONDS, *, every: float = SWEEP_EVERY,
                 remove_root: bool = False) -> None:
        if keep <= 0:
            raise ConfigError(f"--keep-files must be a positive number of seconds, not {keep:g}")
        self.root, self.keep, self.every = root, keep, every
        self._lock = threading.Lock()
        self._last = float("-inf")
        self.removed = 0
        if remove_root:
            weakref.finalize(self, shutil.rmtree, str(root), True)

    def maybe_sweep(self) -> None:
        """Sweep if the last sweep is older than ``every`` seconds."""
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.every:
                return
            self._last = now
        self.sweep()

    def sweep(self, now: float | None = None) -> int:
        """Delete what is older than ``keep`` (by modification time) now; the number of files removed."""
        cutoff = (time.time() if now is None else now) - self.keep
        removed = 0
        for folder, dirs, files in os.walk(self.root, topdown=False):  # links are not followed
            try:
                folder_old = os.lstat(folder).st_mtime < cutoff  # before its files go (that touches it)
            except OSError:
                continue
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = os.path.join(folder, name)
                try:
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                        removed += 1
                except OSError:
                    continue  # gone already, or in use: the next sweep tries again
            if folder_old and folder != str(self.root):
                try:
                    os.rmdir(folder)  # only when empty: a job folder still written to is not old
                except OSError:
                    pass
        self.removed += removed
        return removed
