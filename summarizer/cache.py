"""The answer cache: validated `ChunkExtraction`s in SQLite, keyed by everything that matters.

In: a cache folder, a backend identity, the output language, a chunk text, an extraction.
Out: the stored extraction for a key, or None.

SQLite in WAL mode: several processes can read and write at once, each write is one short
transaction, and a killed process leaves the database consistent (SQLite's journal). Only
objects that validate as `ChunkExtraction` are stored, and a row that no longer validates is
a miss. Keys are SHA-256 of canonical JSON; nothing secret goes in (identities hold no keys).
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from summarizer.errors import CacheError
from summarizer.schema import SCHEMA_VERSION, ChunkExtraction, OverviewText, schema_fingerprint

M = TypeVar("M", ChunkExtraction, OverviewText)

#: Bump to invalidate every entry when the meaning of a key changes.
KEY_VERSION = 1
DB_NAME = "summarizer-cache.sqlite3"
BUSY_TIMEOUT_MS = 30_000
_LOCK_RETRIES = 10

T = TypeVar("T")


@functools.cache
def _fingerprint() -> str:
    # The schema dump is constant for a process; computing it per chunk would be waste.
    return schema_fingerprint()


class Cache:
    """A process- and thread-safe store of validated chunk extractions."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()

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

    @staticmethod
    def key(*, identity: dict[str, Any], lang: str, text: str) -> str:
        """SHA-256 of the canonical JSON of everything that changes an answer."""
        payload = {
            "key_version": KEY_VERSION,
            "identity": identity,
            "schema_version": SCHEMA_VERSION,
            "schema": _fingerprint(),
            "lang": lang,
            "text": text,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str, model: type[M] = ChunkExtraction) -> M | None:  # type: ignore[assignment]
        """The stored answer as `model`, or None when absent or no longer valid."""
        row = self._locked(
            lambda: self._conn.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        )
        if row is None:
            return None
        try:
            return model.model_validate_json(row[0])
        except pydantic.ValidationError:
            # Written by an older schema or damaged: treat as a miss, the answer is redone.
            return None

    def put(self, key: str, extraction: ChunkExtraction | OverviewText) -> None:
        """Store a validated answer (an extraction or an overview) under `key`."""
        if not isinstance(extraction, ChunkExtraction | OverviewText):
            raise TypeError(f"only model answers are cached, not {type(extraction)}")
        # Re-validate: model_construct() or mutation could have produced an invalid object.
        value = (
            type(extraction).model_validate(extraction.model_dump(warnings=False)).model_dump_json()
        )
        self._locked(
            lambda: self._conn.execute(
                "INSERT OR REPLACE INTO entries (key, value, created) VALUES (?, ?, ?)",
                (key, value, time.time()),
            )
        )

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
