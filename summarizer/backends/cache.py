"""The answer cache: validated `ChunkExtraction`s in SQLite, keyed by everything that matters.

In: a cache folder, a backend identity, the output language, a chunk text, an extraction.
Out: the stored extraction for a key, or None.

SQLite in WAL mode: several processes can read and write at once, each write is one short
transaction, and a killed process leaves the database consistent (SQLite's journal). Only
objects that validate as `ChunkExtraction` are stored, and a row that no longer validates is
a miss. Keys are SHA-256 of canonical JSON; nothing secret goes in (identities hold no keys).

The cache never costs an answer: a row that cannot be read (flipped bytes, not UTF-8, an
older schema) is a miss and is replaced by the next answer; a write that fails (a full
disk) is a warning, once per cache, and the answer is still used. `check` reports damaged
rows and the database's own integrity check; `check(repair=True)` deletes the damaged rows
and, if the file itself is damaged, rebuilds it from the rows that can still be read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from summarizer.core.atomic import process_alive
from summarizer.core.errors import CacheError
from summarizer.core.schema import SCHEMA_VERSION, ChunkExtraction, OverviewText, schema_fingerprint

M = TypeVar("M", ChunkExtraction, OverviewText)

log = logging.getLogger("summarizer.backends.cache")

#: Bump to invalidate every entry when the meaning of a key changes.
KEY_VERSION = 1
DB_NAME = "summarizer-cache.sqlite3"
BUSY_TIMEOUT_MS = 30_000
_LOCK_RETRIES = 10
#: A claim older than this is abandoned (its holder hung): the answer is bought again.
CLAIM_STALE_S = 900.0
#: How often a holder says it is still working on its claims (while its call is in flight).
CLAIM_HEARTBEAT_S = 1.0
#: A claim whose holder has not beaten for this long is taken over: its holder is stopped
#: (Ctrl-Z, SIGSTOP, a frozen machine), even though the process still exists.
CLAIM_SILENT_S = 15.0

T = TypeVar("T")


@functools.cache
def _fingerprint() -> str:
    # The schema dump is constant for a process; computing it per chunk would be waste.
    return schema_fingerprint()


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _parse(value: object, model: type[M]) -> M | None:
    """A stored value as `model`, or None when it is damaged or no longer valid."""
    try:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return model.model_validate_json(raw)
    except (pydantic.ValidationError, ValueError, UnicodeError):
        return None


@dataclass
class CacheCheck:
    """What `Cache.check` found (and mended)."""

    entries: int
    damaged: int  # rows that do not read back as an answer
    integrity: str  # SQLite's integrity check: "ok" or what it found
    removed: int = 0  # rows deleted by a repair
    rebuilt: int = 0  # rows carried into a rebuilt database

    @property
    def ok(self) -> bool:
        return self.damaged == 0 and self.integrity == "ok"


class Cache:
    """A process- and thread-safe store of validated chunk extractions."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        # Values come back as bytes: a damaged row must be a miss, not a decode error.
        self._conn.text_factory = bytes
        self._lock = threading.Lock()
        self.write_failures = 0
        self.read_failures = 0
        self._last_beat = 0.0  # when this process last beat its claims

    @classmethod
    def open(cls, dir: str | Path) -> Cache:
        """Open (creating if needed) the cache in folder `dir`."""
        folder = Path(dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheError(
                f"cannot create cache folder {folder}: {e.strerror or e}; "
                "choose another with --cache-dir or run with --no-cache"
            ) from e
        path = folder / DB_NAME
        try:
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            cache = cls(path, conn)
            cache._retry(cache._setup)
        except sqlite3.Error as e:
            raise CacheError(
                f"cannot open cache {path}: {e}; "
                "choose another folder with --cache-dir, delete the file, or run with --no-cache"
            ) from e
        return cache

    def _setup(self) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL: readers never block the writer; NORMAL sync is safe against process kills.
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS entries ("
            " key TEXT PRIMARY KEY,"
            " value TEXT NOT NULL,"
            " created REAL NOT NULL)"
        )
        # Answers being bought right now, by which process: another process (or task) that
        # needs the same answer waits for it instead of buying it twice.
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS claims ("
            " key TEXT PRIMARY KEY,"
            " pid INTEGER NOT NULL,"
            " host TEXT NOT NULL,"
            " since REAL NOT NULL)"
        )
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(claims)").fetchall()}
        if "beat" not in columns:  # a cache made before heartbeats
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it
                self._conn.execute("ALTER TABLE claims ADD COLUMN beat REAL")

    @staticmethod
    def key(identity: dict[str, Any]) -> str:
        """SHA-256 of the canonical JSON of everything that changes an answer: the backend's
        identity with the exact request in it (extract.request_key), the schema."""
        payload = {
            "key_version": KEY_VERSION,
            "identity": identity,
            "schema_version": SCHEMA_VERSION,
            "schema": _fingerprint(),
            # Once the chunk's language and text; both are inside the request now. Kept
            # empty so that every key written before stays the same.
            "lang": "",
            "text": "",
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str, model: type[M] = ChunkExtraction) -> M | None:  # type: ignore[assignment]
        """The stored answer as `model`, or None when absent or no longer valid."""
        try:
            row = self._locked(
                lambda: self._conn.execute(
                    "SELECT value FROM entries WHERE key = ?", (key,)
                ).fetchone()
            )
        except CacheError:
            # A damaged page or a lock held too long: the answer is asked for again.
            self.read_failures += 1
            return None
        if row is None:
            return None
        return _parse(row[0], model)

    def put(self, key: str, extraction: ChunkExtraction | OverviewText) -> bool:
        """Store a validated answer (an extraction or an overview) under `key`.

        Returns False when the write failed (warned once per cache): the caller still has
        the answer, and a cache that cannot be written must not cost it.
        """
        if not isinstance(extraction, ChunkExtraction | OverviewText):
            raise TypeError(f"only model answers are cached, not {type(extraction)}")
        # Re-validate: model_construct() or mutation could have produced an invalid object.
        value = (
            type(extraction).model_validate(extraction.model_dump(warnings=False)).model_dump_json()
        )
        try:
            self._locked(
                lambda: self._conn.execute(
                    "INSERT OR REPLACE INTO entries (key, value, created) VALUES (?, ?, ?)",
                    (key, value, time.time()),
                )
            )
        except CacheError as e:
            self.write_failures += 1
            if self.write_failures == 1:
                log.warning("warning: %s; answers are used but not cached", e)
            return False
        return True

    def claim(
        self, key: str, *, stale_s: float = CLAIM_STALE_S, silent_s: float = CLAIM_SILENT_S
    ) -> bool:
        """Take the claim to buy the answer of `key`; False while another holder works on it.

        A claim is taken over when its holder is dead (same machine), has not beaten its
        heartbeat for `silent_s` (stopped: Ctrl-Z, SIGSTOP; said in one line), or is older
        than `stale_s` (a holder of an older version, which never beats). A cache that
        cannot be written claims nothing and so never makes anyone wait.
        """
        me, host, now = os.getpid(), socket.gethostname(), time.time()
        silent: list[tuple[int, str, float]] = []

        def take() -> bool:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT pid, host, since, beat FROM claims WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    pid, holder, since = int(row[0]), _text(row[1]), float(row[2])
                    beat = float(row[3]) if row[3] is not None else None
                    dead = holder == host and not process_alive(pid)
                    quiet = beat is not None and now - beat > silent_s
                    if not dead and not quiet and now - since < stale_s:
                        return False  # held by a live, working process (this one too)
                    if quiet and not dead:
                        silent.append((pid, holder, now - (beat or since)))
                self._conn.execute(
                    "INSERT OR REPLACE INTO claims (key, pid, host, since, beat)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key, me, host, now, now),
                )
                return True
            finally:
                self._conn.execute("COMMIT")

        try:
            taken = self._locked(take)
        except CacheError:
            return True
        for pid, holder, quiet_s in silent:
            from summarizer.core.activity import ACTIVITY

            ACTIVITY.notice(
                f"process {pid} on {holder} holds answers it has not worked on for "
                f"{quiet_s:.0f}s (stopped? Ctrl-Z): this process takes its work over"
            )
        return taken

    def beat(self) -> None:
        """Say this process is still buying the answers it claimed (its heartbeat): one
        write for all of them, at most twice per CLAIM_HEARTBEAT_S however many tasks beat."""
        now = time.time()
        if now - self._last_beat < CLAIM_HEARTBEAT_S / 2:
            return
        self._last_beat = now
        with contextlib.suppress(CacheError):
            self._locked(
                lambda: self._conn.execute(
                    "UPDATE claims SET beat = ? WHERE pid = ? AND host = ?",
                    (now, os.getpid(), socket.gethostname()),
                )
            )

    def release(self, key: str) -> None:
        """Give up this process's claim of `key` (answered or failed)."""
        with contextlib.suppress(CacheError):
            self._locked(
                lambda: self._conn.execute(
                    "DELETE FROM claims WHERE key = ? AND pid = ?", (key, os.getpid())
                )
            )

    def check(self, *, repair: bool = False) -> CacheCheck:
        """Read every row and run SQLite's integrity check; with `repair`, mend what failed."""

        def scan() -> tuple[int, list[str], str]:
            integrity = "ok"
            try:
                rows = self._conn.execute("PRAGMA integrity_check").fetchall()
                integrity = " ".join(" ".join(_text(r[0]) for r in rows).split())[:500]
            except sqlite3.DatabaseError as e:
                integrity = str(e)
            total = 0
            damaged: list[str] = []
            try:
                for key, value in self._conn.execute("SELECT key, value FROM entries"):
                    total += 1
                    if (
                        _parse(value, ChunkExtraction) is None
                        and _parse(value, OverviewText) is None
                    ):
                        damaged.append(_text(key))
            except sqlite3.DatabaseError as e:
                integrity = integrity if integrity != "ok" else str(e)
            return total, damaged, integrity

        total, damaged, integrity = self._locked(scan)
        result = CacheCheck(entries=total, damaged=len(damaged), integrity=integrity)
        if not repair:
            return result
        if integrity != "ok":
            result.rebuilt = self._locked(self._rebuild)
        else:
            self._locked(
                lambda: self._conn.executemany(
                    "DELETE FROM entries WHERE key = ?", [(k,) for k in damaged]
                )
            )
        result.removed = len(damaged) if integrity == "ok" else max(0, total - result.rebuilt)
        return result

    def _rebuild(self) -> int:
        """Copy every readable, valid row into a fresh database and swap it in."""
        fresh = self.path.with_name(self.path.name + ".rebuild")
        fresh.unlink(missing_ok=True)
        kept = 0
        out = sqlite3.connect(fresh, isolation_level=None)
        try:
            out.execute(
                "CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                " created REAL NOT NULL)"
            )
            cursor = self._conn.execute("SELECT key, value, created FROM entries")
            while True:
                try:
                    row = cursor.fetchone()
                except sqlite3.DatabaseError:
                    break  # the rest of the table is unreadable
                if row is None:
                    break
                key, value, created = row
                if _parse(value, ChunkExtraction) is None and _parse(value, OverviewText) is None:
                    continue
                out.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                    (_text(key), _text(value), created),
                )
                kept += 1
        finally:
            out.close()
        self._conn.close()
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        os.replace(fresh, self.path)
        self._conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._conn.text_factory = bytes
        self._setup()
        return kept

    def stats(self) -> dict[str, Any]:
        """Number of entries, bytes on disk (database and its WAL) and the database path."""
        entries = self._locked(
            lambda: self._conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        )
        size = 0
        for suffix in ("", "-wal", "-shm"):
            part = self.path.with_name(self.path.name + suffix)
            if part.exists():
                size += part.stat().st_size
        return {"entries": int(entries), "size_bytes": size, "path": str(self.path)}

    def clear(self) -> int:
        """Delete every entry; returns how many there were."""

        def run() -> int:
            cursor = self._conn.execute("DELETE FROM entries")
            return int(cursor.rowcount)

        removed = self._locked(run)
        try:
            self._locked(lambda: self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
        except CacheError:
            pass  # another process is reading; the space comes back at its next checkpoint
        return removed

    def vacuum(self) -> None:
        """Give the space of deleted entries back to the file system (after `clear`)."""
        try:
            self._locked(lambda: self._conn.execute("VACUUM"))
        except CacheError:
            pass  # another process holds the database; it shrinks at a later clear

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _locked(self, op: Callable[[], T]) -> T:
        with self._lock:
            try:
                return self._retry(op)
            except sqlite3.Error as e:
                raise CacheError(
                    f"cache {self.path} failed: {e}; run with --no-cache or clear it with "
                    "`summarizer cache clear`"
                ) from e

    @staticmethod
    def _retry(op: Callable[[], T]) -> T:
        # busy_timeout covers most contention; WAL setup and checkpoints can still report
        # "locked" at once, so retry a few times with a growing pause.
        for attempt in range(_LOCK_RETRIES):
            try:
                return op()
            except sqlite3.OperationalError as e:
                text = str(e).lower()
                if ("locked" not in text and "busy" not in text) or attempt == _LOCK_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
