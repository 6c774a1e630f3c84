"""Atomic file writes: a reader sees the old file or the new one, never half of one.

In: a path and text or bytes, or a block that writes a file by name. Out: the file, written
through a temporary file beside it and os.replace, with the mode a plain `open` would give
(mkstemp's 0600 would make every output private). Every writer of an output, an export or a
cache file goes through here (tests/test_house.py keeps mkstemp out of other modules).

The temporary file's name carries the writer's process id, so a later run can tell the
leftover of a killed writer (`sweep_stale_temps`) from a file another live process is
still writing. `spooled` is the one other temporary file: bytes (stdin) given to a reader
that takes a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

# ".NAME.pPID.RANDOM.tmp", with the target's suffix after it when a writer needs one.
_TEMP_NAME = re.compile(r"^\..+\.p(\d+)\.[^.]+\.tmp(?:\.[^.]+)?$")
_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (reading it means setting it: done under a lock, restored at once)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode(target: Path) -> int:
    """The mode a plain `open(target, "w")` would give: the old file's, else 0666 & ~umask.

    mkstemp makes its file 0600; renamed as is, every output would be unreadable to the
    group and to web servers.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def open_text_atomic(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """A UTF-8 text file to write piece by piece; it replaces `path` when the block ends
    without an error (a big output need not be held in memory as one string)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically, creating parent folders."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _temp_beside(target: Path, suffix: str = "") -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(
        prefix=f".{target.name}.p{os.getpid()}.", suffix=".tmp" + suffix, dir=target.parent
    )


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `path` (with its suffix) for a writer that takes a file name
    (SQLite, Parquet, xlsx, csv): renamed onto `path` when the block succeeds, with the mode
    a plain open would give; removed when it fails."""
    target = Path(path)
    fd, tmp = _temp_beside(target, target.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, new_file_mode(target))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def spooled(data: bytes, suffix: str, prefix: str = "summarizer-") -> Iterator[str]:
    """`data` in a private temporary file (mode 0600, in the system's temp folder) for a
    reader that takes a path; removed after the block."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically (flushed to disk first), creating parent folders."""
    target = Path(path)
    fd, tmp = _temp_beside(target)
    try:
        os.fchmod(fd, new_file_mode(target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def process_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (this one included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def sweep_stale_temps(folder: str | os.PathLike[str]) -> int:
    """Delete the temporary files under `folder` whose writer is dead; returns how many."""
    removed = 0
    for current, _dirs, files in os.walk(folder):
        for name in files:
            m = _TEMP_NAME.match(name)
            if m is None or process_alive(int(m.group(1))):
                continue
            try:
                os.unlink(os.path.join(current, name))
                removed += 1
            except OSError:
                pass
    return removed
