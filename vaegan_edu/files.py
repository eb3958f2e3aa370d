"""Writing files safely: a temporary file beside the target, renamed over it, and leftovers of killed writers removed.

A write that is interrupted (a full disk, a kernel restart, ``kill -9``) must never leave a half-written file
where a reader looks, so every writer of the package (checkpoints, the dataset cache, JSON manifests and results)
writes to a temporary file in the same folder and moves it into place with :func:`os.replace`, which is atomic.
Its name carries the writer's process id, ``.<stem>.tmp<pid>[-<token>]<suffix>``, so the next write can tell a
leftover of a process that no longer runs (removed) from a write in progress in another process (left alone).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a signal-0 probe, which sends nothing)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or a platform without the probe: assume alive
        return True
    return True


def _stem(path: Path, suffix: str) -> str:
    """``path``'s name without ``suffix`` (which may hold several dots, e.g. ``.weights.h5``)."""
    return path.name[: -len(suffix)] if suffix and path.name.endswith(suffix) else path.name


def temporary_path(path, suffix: str, unique: bool = False) -> Path:
    """The temporary file a writer of ``path`` (ending in ``suffix``) uses: ``.<stem>.tmp<pid><suffix>``.

    ``unique=True`` creates the file (with :func:`tempfile.mkstemp`, so two threads of one process never share it)
    and adds a random token, ``.<stem>.tmp<pid>-<token><suffix>``.
    """
    path = Path(path)
    prefix = f".{_stem(path, suffix)}.tmp{os.getpid()}"
    if not unique:
        return path.with_name(prefix + suffix)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=prefix + "-", suffix=suffix)
    os.close(handle)
    return Path(name)


def remove_dead_temporaries(path, suffix: str) -> list:
    """Delete the temporary files of :func:`temporary_path` beside ``path`` left by processes that are no longer
    running (a kernel killed mid-write); return the removed paths. Files of live processes (another write running
    now) are left alone."""
    path = Path(path)
    stem = _stem(path, suffix)
    pattern = re.compile(rf"^\.{re.escape(stem)}\.tmp(\d+)(-[A-Za-z0-9_]+)?{re.escape(suffix)}$")
    removed = []
    for candidate in path.parent.glob(f".{_glob_escape(stem)}.tmp*{_glob_escape(suffix)}"):
        match = pattern.match(candidate.name)
        if match and not pid_alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _glob_escape(text: str) -> str:
    """``text`` with glob's special characters (``*?[``) matched literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def fsync_folder(folder) -> None:
    """Flush a folder's entries to disk, so a rename in it survives a power cut (POSIX; a no-op on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on folders: the rename is still atomic
        pass
    finally:
        os.close(fd)


class FileLock:
    """An exclusive lock on ``<path>.lock`` held across processes while a block runs (``with FileLock(path):``).

    Writers that read a file, merge into it and write it back take it, so two runs into one folder never lose
    each other's work. POSIX ``flock`` (Linux, macOS) or ``msvcrt.locking`` (Windows): the operating system
    releases the lock when its holder exits, so a killed run never leaves the folder locked. ``timeout`` seconds
    (None: wait for ever) bound the wait; a lock still held then raises :class:`TimeoutError` naming the file.
    The lock file itself stays (removing it would race with the next writer); it holds no data.
    """

    def __init__(self, path, timeout: float | None = None):
        self.path = Path(str(path) + ".lock")
        self.timeout = timeout
        self._handle = None

    def __enter__(self):
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")
        start = time.monotonic()
        while True:
            try:
                _lock(handle)
                break
            except OSError:  # held by another process
                if self.timeout is not None and time.monotonic() - start > self.timeout:
                    handle.close()
                    raise TimeoutError(f"{self.path} is held by another process (another run writing into this "
                                       f"folder?) after {self.timeout:.0f} s of waiting.") from None  # fmt: skip
                time.sleep(0.05)
        self._handle = handle
        return self

    def __exit__(self, *exc):
        _unlock(self._handle)
        self._handle.close()
        self._handle = None
        return False


def _lock(handle) -> None:
    """Take an exclusive lock on ``handle`` without waiting; OSError when another process holds it."""
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
