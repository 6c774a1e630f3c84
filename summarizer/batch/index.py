"""The index of a batch: one `IndexRecord` per input in OUTDIR/index.jsonl, and their totals.

In: finished documents or errors per input. Out: records appended one whole line at a time
while the run goes (`IndexLog`), the index rewritten compact at the end (`write_index`), and
`BatchTotals` for the end-of-run table.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

import pydantic

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one batch per output folder there
    fcntl = None  # type: ignore[assignment]

from summarizer.backends.pricing import usd_for
from summarizer.core.atomic import write_text_atomic
from summarizer.core.redact import redact_secrets
from summarizer.core.schema import SummaryDocument, Usage, iter_findings
from summarizer.core.vocabulary import KINDS as KINDS
from summarizer.core.vocabulary import ReportCheck

INDEX_NAME = "index.jsonl"

Status = Literal["ok", "failed", "skipped"]


def _zero_findings() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


def _zero_tokens() -> dict[str, int]:
    return {"prompt": 0, "completion": 0, "cached": 0}


class IndexRecord(pydantic.BaseModel):
    """One line of index.jsonl: what happened to one input."""

    # Lines written by other versions may carry fields this one does not know.
    model_config = pydantic.ConfigDict(extra="ignore")

    path: str  # relative to the input folder, POSIX separators
    status: Status
    sha256: str | None = None  # of the input's bytes, when it could be read
    settings: dict[str, str | int | bool | None] | None = None  # what decides reuse
    reports: int = 0
    findings: dict[str, int] = pydantic.Field(default_factory=_zero_findings)
    verified: int = 0
    verified_share: float | None = None
    calls: int = 0
    tokens: dict[str, int] = pydantic.Field(default_factory=_zero_tokens)
    # Calls whose tokens are our estimate (the server sent no usage), not the server's count.
    estimated_calls: int = 0
    cost_usd: float | None = 0.0
    elapsed_s: float = 0.0
    error: str | None = None
    # What the index pages show of the input: its first report's title and organization.
    title: str | None = None
    organization: str | None = None
    years: list[int] = pydantic.Field(default_factory=list)  # summary and plan years
    # Typed warnings an analyst acts on (no plans, not a work report, ...): the table and the
    # index pages name them, so an "ok" file that needs a look says so.
    checks: list[ReportCheck] = pydantic.Field(default_factory=list)

    def to_json(self) -> str:
        # A secret in an error or a setting (a password in --base-url) never reaches the file.
        return redact_secrets(json.dumps(self.model_dump(), ensure_ascii=False, sort_keys=False))

    @property
    def usage(self) -> Usage:
        return Usage(
            calls=self.calls,
            prompt_tokens=self.tokens.get("prompt", 0),
            completion_tokens=self.tokens.get("completion", 0),
            cached_tokens=self.tokens.get("cached", 0),
            estimated_calls=self.estimated_calls,
        )


def record_from_document(
    rel: str,
    doc: SummaryDocument,
    status: Status,
    *,
    elapsed_s: float,
    price_in: float | None = None,
    price_out: float | None = None,
) -> IndexRecord:
    """The index record of a finished (or skipped) input, from its document."""
    counts = _zero_findings()
    verified = 0
    for at in iter_findings(doc):
        counts[at.kind] += 1
        verified += at.finding.verified
    total = sum(counts.values())
    usage = doc.provenance.usage
    return IndexRecord(
        path=rel,
        status=status,
        reports=len(doc.reports),
        findings=counts,
        verified=verified,
        verified_share=round(verified / total, 4) if total else None,
        calls=usage.calls,
        tokens=usage_tokens(usage),
        estimated_calls=usage.estimated_calls,
        cost_usd=cost_of(doc.provenance.model, usage, price_in, price_out),
        elapsed_s=round(elapsed_s, 3),
        title=next((r.title for r in doc.reports if r.title), None),
        organization=next((r.organization for r in doc.reports if r.organization), None),
        years=sorted(
            {y for r in doc.reports for y in (r.summary_year, r.plan_year) if y is not None}
        ),
        checks=list(doc.checks),
    )


def usage_tokens(usage: Usage) -> dict[str, int]:
    """The `tokens` of an index record."""
    return {
        "prompt": usage.prompt_tokens,
        "completion": usage.completion_tokens,
        "cached": usage.cached_tokens,
    }


def cost_of(
    model: str | None, usage: Usage, price_in: float | None = None, price_out: float | None = None
) -> float | None:
    """Estimated dollars of a usage; 0 without calls, None when the model has no price."""
    if usage.calls == 0:
        return 0.0
    # The receipt: tokens the provider served from its prompt cache at the cache rate.
    return usd_for(
        model,
        usage.prompt_tokens,
        usage.completion_tokens,
        price_in,
        price_out,
        cached_tokens=usage.cached_tokens,
    )


@contextlib.contextmanager
def locked_index(path: Path) -> Iterator[TextIO]:
    """index.jsonl opened for appending, under an exclusive lock shared by every process.

    The lock is on the file itself; a compaction replaces the file, so a waiter that wakes
    on the replaced one tries again on the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fh = open(path, "a", encoding="utf-8")
        try:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            if os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        except BaseException:
            fh.close()
            raise
        fh.close()
    try:
        yield fh
    finally:
        fh.close()  # releases the lock


class IndexLog:
    """index.jsonl appended to while a run goes: each record is one whole line.

    A write that fails (a full disk) is cut back to the last whole line before the error
    goes on, so the file never holds a torn line of ours.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: IndexRecord) -> None:
        line = (record.to_json() + "\n").encode("utf-8")
        with self._lock, locked_index(self.path) as fh:
            fd = fh.fileno()
            end = os.lseek(fd, 0, os.SEEK_END)
            try:
                os.write(fd, line)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, end)
                raise


def read_index(path: str | os.PathLike[str]) -> list[IndexRecord]:
    """The records of an index.jsonl; unreadable lines (a crash mid-write) are ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    records = []
    for line in text.splitlines():
        try:
            records.append(IndexRecord.model_validate_json(line))
        except (ValueError, TypeError):
            continue
    return records


def merge_records(
    records: Iterable[IndexRecord], keep: Iterable[str] | None = None
) -> list[IndexRecord]:
    """The last record per path, sorted by path; only paths in `keep` when given.

    One exception: a failure does not replace a success for the same content and
    settings (two batches at once, one of which failed a file the other finished).
    """
    latest: dict[str, IndexRecord] = {}
    for r in records:
        before = latest.get(r.path)
        if (
            before is not None
            and r.status == "failed"
            and before.status != "failed"
            and r.sha256 is not None
            and (r.sha256, r.settings) == (before.sha256, before.settings)
        ):
            continue
        latest[r.path] = r
    wanted = set(keep) if keep is not None else None
    return [latest[p] for p in sorted(latest) if wanted is None or p in wanted]


def write_index(path: str | os.PathLike[str], records: Sequence[IndexRecord]) -> None:
    """Rewrite index.jsonl atomically with these records."""
    write_text_atomic(path, "".join(r.to_json() + "\n" for r in records))


def compact_index(
    path: Path, extra: Sequence[IndexRecord] = (), keep: Callable[[str], bool] | None = None
) -> list[IndexRecord]:
    """Merge what index.jsonl holds now (every process's lines) with `extra`, rewrite it.

    Under the index lock, so records another batch appends meanwhile are not lost. Paths
    for which `keep` says no are dropped. Returns the records written.
    """
    with locked_index(path):
        records = merge_records([*read_index(path), *extra])
        if keep is not None:
            records = [r for r in records if keep(r.path)]
        write_index(path, records)
    return records


@dataclass
class BatchTotals:
    """What the end-of-run table shows."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    findings: dict[str, int] = field(default_factory=_zero_findings)
    verified: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0

    @property
    def verified_share(self) -> float | None:
        total = sum(self.findings.values())
        return self.verified / total if total else None


def totals_of(records: Iterable[IndexRecord]) -> BatchTotals:
    """Sum the records: statuses, findings per kind, verified, usage and cost."""
    t = BatchTotals()
    for r in records:
        if r.status == "ok":
            t.ok += 1
        elif r.status == "skipped":
            t.skipped += 1
        else:
            t.failed += 1
        for kind, n in r.findings.items():
            t.findings[kind] = t.findings.get(kind, 0) + n
        t.verified += r.verified
        # Usage and cost of skipped inputs were spent by an earlier run, not this one; a
        # failed file's calls were paid for like any other's.
        if r.status in ("ok", "failed"):
            t.usage = t.usage + r.usage
            if t.cost_usd is not None:
                t.cost_usd = None if r.cost_usd is None else t.cost_usd + r.cost_usd
    return t
