"""Atomic file writes: a reader sees the old file or the new one, never half of one.

In: a path and text. Out: the file, written through a temporary file and os.replace.
The temporary file's name carries the writer's process id, so a later run can tell the
leftover of a killed writer (`sweep_stale_temps`) from a file another live process is
still writing.
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

_TEMP_NAME = re.compile(r"^\..+\.p(\d+)\.[^.]+\.tmp$")
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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.p{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
    try:
        os.fchmod(fd, new_file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically, creating parent folders."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.p{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
    try:
        os.fchmod(fd, new_file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
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
