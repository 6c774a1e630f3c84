"""The state of an offloaded batch job, in SQLite inside the output folder.

In: request lines, uploaded files and batches as they are made. Out: what is pending,
in flight, answered or failed, across restarts of the process (the file is the job).

    lines    custom_id (the cache key) → kind, body, status, attempts, batch, error
    batches  batch id → input file, status, counts, output and error files, collected
    meta     the job's settings, input folder and patterns, so `status`/`collect` need no flags
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from summarizer.core.errors import CacheError
from summarizer.core.schema import Usage
from summarizer.offload.lines import LineKind, RequestLine

STATE_NAME = ".summarizer-batch-job.sqlite3"
#: Held (flock) while a process submits or collects: one sender per job at a time.
LOCK_NAME = ".summarizer-batch-job.lock"

LineStatus = Literal["pending", "submitted", "answered", "failed"]
#: Batch statuses after which nothing more will change.
FINAL_BATCH = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    input_file_id: str
    status: str
    requests: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    collected: bool
    created: float


class JobState:
    """One job's SQLite file; every write is its own transaction, so a kill loses nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS lines ("
                " custom_id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL,"
                " label TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,"
                " batch_id TEXT, error TEXT, result TEXT, updated REAL NOT NULL);"
                "CREATE TABLE IF NOT EXISTS batches ("
                " batch_id TEXT PRIMARY KEY, input_file_id TEXT NOT NULL, status TEXT NOT NULL,"
                " requests INTEGER NOT NULL, completed INTEGER NOT NULL, failed INTEGER NOT NULL,"
                " output_file_id TEXT, error_file_id TEXT, collected INTEGER NOT NULL,"
                " created REAL NOT NULL);"
            )
        except (OSError, sqlite3.Error) as e:
            raise CacheError(f"cannot open the batch job state {path}: {e}") from e

    @classmethod
    def open(cls, out_dir: str | Path) -> JobState:
        return cls(Path(out_dir) / STATE_NAME)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> JobState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """The job's lock, held while submitting or collecting: a second `submit` or
        `collect` at once waits, then finds the first one's batches (nothing sent twice,
        nothing counted twice). No lock where there is no flock (Windows)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fd = os.open(self.path.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def job_id(self) -> str:
        """This job's id (made once): the metadata its provider batches carry."""
        value = self.meta("job_id")
        if isinstance(value, str):
            return value
        made = uuid.uuid4().hex
        self._conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('job_id', ?)", (json.dumps(made),)
        )
        stored = self.meta("job_id")
        return stored if isinstance(stored, str) else made

    def has_batch(self, batch_id: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
        return row is not None

    # ------------------------------------------------------------------ meta

    def set_meta(self, key: str, value: Any) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def meta(self, key: str) -> Any:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    # ------------------------------------------------------------------ lines

    def add(self, line: RequestLine) -> bool:
        """Record a request; False when it is already known (its status is kept)."""
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO lines (custom_id, kind, body, label, status, attempts, updated)"
            " VALUES (?, ?, ?, ?, 'pending', 0, ?)",
            (
                line.custom_id,
                line.kind,
                json.dumps(line.body, ensure_ascii=False, separators=(",", ":")),
                line.label,
                time.time(),
            ),
        )
        return cur.rowcount == 1

    def status_of(self, custom_id: str) -> LineStatus | None:
        row = self._conn.execute(
            "SELECT status FROM lines WHERE custom_id = ?", (custom_id,)
        ).fetchone()
        return None if row is None else row[0]

    def attempts_of(self, custom_id: str) -> int:
        row = self._conn.execute(
            "SELECT attempts FROM lines WHERE custom_id = ?", (custom_id,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def lines_with(self, *statuses: LineStatus) -> list[RequestLine]:
        marks = ",".join("?" for _ in statuses)
        rows = self._conn.execute(
            f"SELECT custom_id, kind, body, label FROM lines WHERE status IN ({marks})"
            " ORDER BY rowid",
            statuses,
        ).fetchall()
        return [RequestLine(r[0], _kind(r[1]), json.loads(r[2]), r[3]) for r in rows]

    def mark(
        self,
        custom_ids: list[str],
        status: LineStatus,
        *,
        batch_id: str | None = None,
        error: str | None = None,
        attempt: bool = False,
    ) -> None:
        now = time.time()
        with self._conn:
            self._conn.execute("BEGIN")
            for cid in custom_ids:
                self._conn.execute(
                    "UPDATE lines SET status = ?, batch_id = COALESCE(?, batch_id), error = ?,"
                    " attempts = attempts + ?, updated = ? WHERE custom_id = ?",
                    (status, batch_id, error, 1 if attempt else 0, now, cid),
                )

    def store_answer(self, custom_id: str, completion: dict[str, Any]) -> None:
        """Keep the chat.completion a batch returned for this request."""
        self._conn.execute(
            "UPDATE lines SET status = 'answered', result = ?, error = NULL, updated = ?"
            " WHERE custom_id = ?",
            (json.dumps(completion, ensure_ascii=False), time.time(), custom_id),
        )

    def answer(self, custom_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(the request line's body, the answer) for an answered request, else None."""
        row = self._conn.execute(
            "SELECT body, result FROM lines WHERE custom_id = ? AND status = 'answered'",
            (custom_id,),
        ).fetchone()
        if row is None or row[1] is None:
            return None
        return json.loads(row[0]), json.loads(row[1])

    def batch_of(self, custom_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT batch_id FROM lines WHERE custom_id = ?", (custom_id,)
        ).fetchone()
        return None if row is None else row[0]

    def add_usage(self, usage: Usage) -> None:
        """Add the tokens the provider billed for answers of this job."""
        self.set_meta("usage", (self.usage() + usage).model_dump())

    def usage(self) -> Usage:
        stored = self.meta("usage")
        return Usage.model_validate(stored) if stored else Usage()

    def counts(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT status, COUNT(*) FROM lines GROUP BY status").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def errors(self, limit: int = 20) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT label, error FROM lines WHERE status = 'failed'"
            " AND error IS NOT NULL ORDER BY rowid LIMIT ?",
            (limit,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    # ------------------------------------------------------------------ batches

    def add_batch(self, batch_id: str, input_file_id: str, status: str, requests: int) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO batches (batch_id, input_file_id, status, requests, completed,"
            " failed, collected, created) VALUES (?, ?, ?, ?, 0, 0, 0, ?)",
            (batch_id, input_file_id, status, requests, time.time()),
        )

    def update_batch(
        self,
        batch_id: str,
        *,
        status: str,
        completed: int,
        failed: int,
        output_file_id: str | None,
        error_file_id: str | None,
    ) -> None:
        self._conn.execute(
            "UPDATE batches SET status = ?, completed = ?, failed = ?, output_file_id = ?,"
            " error_file_id = ? WHERE batch_id = ?",
            (status, completed, failed, output_file_id, error_file_id, batch_id),
        )

    def set_collected(self, batch_id: str) -> None:
        self._conn.execute("UPDATE batches SET collected = 1 WHERE batch_id = ?", (batch_id,))

    def batches(self) -> list[BatchRow]:
        rows = self._conn.execute(
            "SELECT batch_id, input_file_id, status, requests, completed, failed, output_file_id,"
            " error_file_id, collected, created FROM batches ORDER BY created, rowid"
        ).fetchall()
        return [
            BatchRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9]) for r in rows
        ]

    def open_batches(self) -> list[BatchRow]:
        """Batches whose results have not been collected yet."""
        return [b for b in self.batches() if not b.collected]


def _kind(value: str) -> LineKind:
    return "overview" if value == "overview" else "chunk"
