"""The batch runner: the inputs of a walk in, one JSON per input and the index out.

In: an input folder, an output folder, `Settings` and a `Backend`. Out: `OUTDIR/<rel>.json`
per input (written atomically; `.md`/`.html` too when asked), `OUTDIR/index.jsonl` with one
`IndexRecord` per input, and a `BatchResult` for the caller to report.

One event loop, one shared `asyncio.Semaphore` bounding model calls across every file and
chunk, and a bounded number of files in flight, so memory stays flat on huge trees. A file
that fails becomes a `failed` record; the rest carry on. An input whose JSON already exists
with the input's current SHA-256 is `skipped`, which makes an interrupted run resumable.
Cancelling the run (Ctrl-C) stops in-flight work and still rewrites the index from what
finished; the first `BackendError` (authentication, unknown model) stops the run, since it
would fail every other file the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.backends.extract import Backend, ChunkOutcome
from summarizer.batch.index import (
    INDEX_NAME,
    IndexLog,
    IndexRecord,
    Status,
    compact_index,
    cost_of,
    merge_records,
    read_index,
    record_from_document,
    usage_tokens,
)
from summarizer.batch.walk import display_path, output_path
from summarizer.core.atomic import sweep_stale_temps, write_text_atomic
from summarizer.core.config import Settings
from summarizer.core.document import CleanText, SourceText
from summarizer.core.errors import (
    BackendError,
    ConfigError,
    EndpointUnreachable,
    OutputError,
    SummarizerError,
)
from summarizer.core.progress import BatchProgress
from summarizer.core.schema import SummaryDocument, Usage
from summarizer.render.overview import IndexEntry
from summarizer.text.bounded import read_input
from summarizer.text.clean import clean
from summarizer.text.zones import ZoneRules, with_zone

#: Output formats besides JSON (always written) and the suffix each adds to the input name.
EXTRA_SUFFIXES: dict[str, str] = {"markdown": ".md", "html": ".html"}


# --------------------------------------------------------------------------- run


@dataclass
class BatchJob:
    """Everything a batch run needs besides the backend."""

    root: Path
    out_dir: Path
    inputs: list[str]
    settings: Settings
    formats: tuple[str, ...] = ()  # extra formats: "markdown", "html"
    price_in: float | None = None
    price_out: float | None = None
    files_in_flight: int | None = None  # None: concurrency + 2
    force: bool = False  # redo every input even when its output is reusable
    zones: ZoneRules | None = None  # a zones file: path or glob → the zone of its reports
    #: What the walk left out, by reason (symlinks leaving DIR, special files, own outputs).
    walk_skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class BatchResult:
    """The outcome of a run: this run's records merged into the index, and how it ended."""

    records: list[IndexRecord]  # the final index (sorted by path)
    this_run: list[IndexRecord]  # records produced by this run, in finishing order
    elapsed_s: float
    model: str | None
    interrupted: bool = False
    fatal: SummarizerError | None = None
    redone: dict[str, int] = field(default_factory=dict)  # reason -> inputs redone for it
    walk_skipped: dict[str, int] = field(default_factory=dict)

    @property
    def any_failed(self) -> bool:
        return any(r.status == "failed" for r in self.this_run)


def one_line(e: BaseException, path: str | None = None) -> str:
    """An exception as one line, without traceback; unexpected types are named.

    The error's own path is left out when it is this file's: the index and the table
    already name the file.
    """
    if isinstance(e, SummarizerError):
        text = e.message if e.path is not None and e.path == path else str(e)
        return " ".join(text.split())
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _analyse(source: SourceText, settings: Settings, backend: Backend) -> Any:
    from summarizer.pipeline import analyse_source, token_mode_for

    return analyse_source(source, settings, tokens=token_mode_for(backend))


def _existing(out_json: Path, sha256: str) -> SummaryDocument | None:
    """The finished output of an unchanged input, or None."""
    try:
        doc = SummaryDocument.model_validate_json(out_json.read_bytes())
    except (OSError, ValueError):
        return None
    return doc if doc.source.sha256 == sha256 else None


def run_settings(settings: Settings, backend: Backend) -> dict[str, str | int | bool | None]:
    """The settings that make an output what it is: an output is reused only under these."""
    from summarizer.pipeline import output_settings

    return output_settings(settings, backend)


def output_redo_reason(
    doc: SummaryDocument, before: IndexRecord | None, now: dict[str, str | int | bool | None]
) -> str | None:
    """Why an existing output is not reused; None when it is. The output says itself what
    it was made with (its settings fingerprint): that decides, whatever the index says (a
    record of another batch on the same folder may describe another output). The index
    record, when it agrees, names which setting changed."""
    from summarizer.pipeline import settings_fingerprint

    if doc.missing:
        return "chunks missing"
    made_with = doc.provenance.settings
    if made_with is None:  # an output of an older version: the index is all there is
        return redo_reason(before, now)
    if made_with == settings_fingerprint(now):
        return None
    named = redo_reason(before, now) if before is not None else None
    if named is not None and named.startswith("changed"):
        return named
    return "made with other settings"


def redo_reason(before: IndexRecord | None, now: dict[str, str | int | bool | None]) -> str | None:
    """Why an existing output for the same content is not reused; None when it is."""
    if before is not None and before.status == "failed":
        return "last attempt failed"
    if before is None or before.settings is None:
        return "settings not recorded"
    changed = [k for k in now if before.settings.get(k) != now[k]]
    return f"changed {', '.join(changed)}" if changed else None


#: Files failing in a row for an unreachable endpoint before the batch stops.
DEAD_ENDPOINT_FILES = 3
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _unreachable(e: BaseException) -> bool:
    """True when the failure, or one it was raised from, is an endpoint never reached."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, EndpointUnreachable):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


class _Runner:
    def __init__(
        self,
        job: BatchJob,
        backend: Backend,
        cache: Any,
        progress: BatchProgress | None,
        previous: dict[str, IndexRecord],
    ) -> None:
        self.job = job
        self.limiter = asyncio.Semaphore(max(1, job.settings.concurrency))
        self.backend = backend
        # What stops the run: an authentication/model error (every later file would fail the
        # same way), a full output disk, or an endpoint that stopped answering.
        self.fatal: SummarizerError | None = None
        self.cache = cache
        self.progress = progress
        self.previous = previous
        self.settings = run_settings(job.settings, backend)
        self.pending = iter(job.inputs)
        self.finished: list[IndexRecord] = []
        self.redone: Counter[str] = Counter()
        self.unreachable_in_a_row = 0
        self.log = IndexLog(job.out_dir / INDEX_NAME)

    async def worker(self, peers: list[asyncio.Task[None]]) -> None:
        for rel in self.pending:  # one loop, so `next` on the shared iterator is safe
            record = await self.one(rel)
            self.finished.append(record)
            try:
                self.log.append(record)
            except OSError as e:
                self.stop_for_disk(e, self.log.path)
            if self.progress is not None:
                detail = _detail(record) if record.status == "ok" else ""
                if record.status == "skipped":
                    detail = "unchanged since the last run"
                try:
                    self.progress.file_done(
                        record.path, record.status, record.usage, detail, record.error
                    )
                except Exception:  # noqa: BLE001 - a display error never stops the batch
                    pass
            if self.fatal is not None:
                me = asyncio.current_task()
                for task in peers:
                    if task is not me:
                        task.cancel()
                return

    def stop_for_disk(self, e: OSError, where: Path) -> None:
        if self.fatal is None:
            self.fatal = OutputError(
                f"cannot write {display_path(str(where))}: {e.strerror or e}; the batch "
                "stopped (free some space, then run the same command again to resume)"
            )

    def failed(self, rel: str, started: float, e: BaseException, sha: str | None) -> IndexRecord:
        # What the failed file's calls cost is counted like any other (issue 26).
        spent = getattr(e, "usage", None)
        usage = spent if isinstance(spent, Usage) else Usage()
        return IndexRecord(
            path=display_path(rel),
            status="failed",
            elapsed_s=round(time.perf_counter() - started, 3),
            error=display_path(one_line(e, str(self.job.root / rel))),
            sha256=sha,
            settings=self.settings,
            calls=usage.calls,
            tokens=usage_tokens(usage),
            estimated_calls=usage.estimated_calls,
            cost_usd=cost_of(self.backend.model, usage, self.job.price_in, self.job.price_out),
        )

    async def one(self, rel: str) -> IndexRecord:
        job = self.job
        started = time.perf_counter()
        name = display_path(rel)
        out_json = output_path(job.out_dir, rel)
        sha: str | None = None
        try:
            # Read once: the decoded text carries the hash that decides whether to skip.
            text = await asyncio.to_thread(read_input, job.root / rel, job.settings)
            sha = text.sha256
            if not (job.settings.refresh or job.force):
                doc = await asyncio.to_thread(_existing, out_json, text.sha256)
                if doc is not None:
                    reason = output_redo_reason(doc, self.previous.get(name), self.settings)
                    if reason is None:
                        await self.write_extras(rel, doc, text, None)
                        return self.record(rel, doc, "skipped", doc.provenance.elapsed_s, sha)
                    self.redone[reason] += 1
            analysis = await asyncio.to_thread(_analyse, text, job.settings, self.backend)
            from summarizer.pipeline import summarize_analysis

            doc = await summarize_analysis(
                analysis,
                self.backend,
                settings=job.settings,
                cache=self.cache,
                limiter=self.limiter,
                on_chunk=self.on_chunk(name),
            )
            doc.source.relative_path = name  # where it sits in the batch (printable)
            zone = job.zones.zone_for(doc.source.path, rel) if job.zones else None
            if zone:
                doc = with_zone(doc, zone)
        except Exception as e:  # noqa: BLE001 - one bad file never stops the batch
            self.note_failure(e)
            return self.failed(rel, started, e, sha)
        self.unreachable_in_a_row = 0
        try:
            # Extras first and JSON last: the JSON is what marks the input as done.
            await self.write_extras(rel, doc, text, analysis.clean, force=True)
            write_text_atomic(out_json, doc.model_dump_json(indent=2) + "\n")
        except OSError as e:
            if e.errno in _DISK_FULL:
                self.stop_for_disk(e, Path(e.filename) if e.filename else out_json)
            return self.failed(rel, started, e, sha)
        except Exception as e:  # noqa: BLE001
            return self.failed(rel, started, e, sha)
        if doc.missing:
            # Written without the chunks that failed; failed, so the next run redoes it
            # (their answers are asked again, the others come from the cache).
            record = self.record(rel, doc, "failed", time.perf_counter() - started, sha)
            return record.model_copy(update={"error": missing_line(doc)})
        return self.record(rel, doc, "ok", time.perf_counter() - started, sha)

    def record(
        self, rel: str, doc: SummaryDocument, status: Status, elapsed_s: float, sha: str
    ) -> IndexRecord:
        record = record_from_document(
            display_path(rel),
            doc,
            status,
            elapsed_s=elapsed_s,
            price_in=self.job.price_in,
            price_out=self.job.price_out,
        )
        return record.model_copy(update={"sha256": sha, "settings": self.settings})

    def note_failure(self, e: BaseException) -> None:
        if isinstance(e, BackendError | ConfigError):
            self.fatal = self.fatal or e
            return
        if not _unreachable(e):
            self.unreachable_in_a_row = 0
            return
        self.unreachable_in_a_row += 1
        if self.unreachable_in_a_row >= DEAD_ENDPOINT_FILES and self.fatal is None:
            endpoint = self.settings.get("base_url") or "the model endpoint"
            self.fatal = BackendError(
                f"{endpoint} is unreachable: {self.unreachable_in_a_row} files in a row could "
                "not connect or timed out; the batch stopped (check --base-url and that the "
                "server runs, then run the same command again to resume)"
            )

    def on_chunk(self, rel: str) -> Any:
        def report(outcome: ChunkOutcome) -> None:
            if self.progress is not None:
                self.progress.chunk_done(
                    rel, outcome.usage, outcome.cached, outcome.error is not None
                )

        return report

    async def write_extras(
        self,
        rel: str,
        doc: SummaryDocument,
        source: SourceText,
        cleaned: CleanText | None,
        *,
        force: bool = False,
    ) -> None:
        """Markdown/HTML next to the JSON; for a skipped input only the missing ones.

        A skipped input's page needs only the clean stage of the text already read, never
        a second read or the whole analysis.
        """
        from summarizer.render.markdown import render_markdown

        for fmt in self.job.formats:
            target = output_path(self.job.out_dir, rel, EXTRA_SUFFIXES[fmt])
            if not force and target.exists():
                continue
            if fmt == "markdown":
                page = render_markdown(doc)
            else:
                from summarizer.render.html import render_html

                if cleaned is None:
                    cleaned = await asyncio.to_thread(clean, source)
                page = render_html(doc, cleaned.text, list(cleaned.masks))
            write_text_atomic(target, page)

    async def run(self) -> tuple[bool, SummarizerError | None]:
        """Process every input; True when cancelled (Ctrl-C)."""
        width = self.job.files_in_flight or self.job.settings.concurrency + 2
        tasks: list[asyncio.Task[None]] = []
        for _ in range(max(1, min(width, len(self.job.inputs)))):
            tasks.append(asyncio.create_task(self.worker(tasks)))
        interrupted = False
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:
            # Ctrl-C: asyncio.run cancelled us; stop the workers and report what finished.
            interrupted = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return interrupted, self.fatal


def _detail(record: IndexRecord) -> str:
    findings = sum(record.findings.values())
    detail = f"{record.reports} report(s), {findings} findings, {record.elapsed_s:.1f}s"
    if record.checks:
        detail += "; check: " + ", ".join(record.checks)
    return detail


async def run_batch(
    job: BatchJob,
    backend: Backend,
    *,
    cache: Any = None,
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Summarize every input of `job` with one shared concurrency limit; write the index.

    Returns normally after Ctrl-C (cancellation) with `interrupted` set, after the index has
    been rewritten from what finished.
    """
    started = time.perf_counter()
    index_path = job.out_dir / INDEX_NAME
    inputs = {display_path(rel) for rel in job.inputs}

    def kept(path: str) -> bool:
        # A --glob subset keeps the records of the other inputs that still exist.
        return path in inputs or os.path.isfile(job.root / path)

    fatal: SummarizerError | None = None
    try:
        job.out_dir.mkdir(parents=True, exist_ok=True)
        # What a killed earlier run was writing when it died; a live writer's files stay.
        await asyncio.to_thread(sweep_stale_temps, job.out_dir)
        # Compact first, so kills between runs never pile up duplicate lines.
        previous = await asyncio.to_thread(compact_index, index_path, (), kept)
    except OSError as e:
        previous = read_index(index_path)
        fatal = OutputError(f"cannot write {index_path}: {e.strerror or e}")
    runner = _Runner(job, backend, cache, progress, {r.path: r for r in previous})
    interrupted = False
    with contextlib.ExitStack() as stack:
        if fatal is None:
            from summarizer.pipeline import settings_fingerprint

            mine = settings_fingerprint(runner.settings)
            other = stack.enter_context(settings_lock(job.out_dir, mine))
            if other is not None:
                fatal = OutputError(
                    f"{display_path(str(job.out_dir))} is being written right now by another "
                    f"batch with other settings ({other}, these are {mine}): use another -o "
                    "folder, or run this once that one has finished"
                )
        if fatal is None:
            if progress is not None:
                progress.start(len(job.inputs))
            try:
                interrupted, fatal = await runner.run()
            finally:
                if progress is not None:
                    progress.stop()
    try:
        records = compact_index(index_path, runner.finished, kept)
        write_overviews(job, records)
    except OSError as e:
        # The appended lines stay: whole lines only, merged at the next start.
        records = merge_records([*previous, *runner.finished])
        fatal = fatal or OutputError(
            f"cannot write {index_path}: {e.strerror or e}; the appended lines are kept"
        )
    return BatchResult(
        records=records,
        this_run=runner.finished,
        elapsed_s=time.perf_counter() - started,
        model=backend.model,
        interrupted=interrupted,
        fatal=fatal,
        redone=dict(runner.redone),
        walk_skipped=dict(job.walk_skipped),
    )


def missing_line(doc: SummaryDocument) -> str:
    """One line naming the chunks an output is missing."""
    first = doc.missing[0]
    return (
        f"{len(doc.missing)} chunk(s) failed, the output was written without them: chunk "
        f"{first.chunk} ({first.part}, characters {first.start}-{first.end}): {first.error}"
    )


#: One per settings fingerprint, held (shared) by every batch writing the folder with it.
_RUN_LOCK = ".summarizer-run-{}.lock"


@contextlib.contextmanager
def settings_lock(out_dir: Path, fingerprint: str) -> Iterator[str | None]:
    """Hold this batch's settings lock on `out_dir`; yields the fingerprint of another batch
    writing the folder with other settings right now (the caller refuses to start), else
    None. Batches with the same settings share the folder. No lock without flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    mine = out_dir / _RUN_LOCK.format(fingerprint)
    fd = os.open(mine, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        other = None
        for path in out_dir.glob(_RUN_LOCK.format("*")):
            if path == mine:
                continue
            try:
                probe = os.open(path, os.O_RDWR)
            except OSError:
                continue
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                other = path.name[len(".summarizer-run-") : -len(".lock")]
                break
            else:
                with contextlib.suppress(OSError):
                    path.unlink()  # a finished batch's: nobody holds it
            finally:
                os.close(probe)
        yield other
    finally:
        try:
            # The last batch with these settings to finish removes the file.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with contextlib.suppress(OSError):
                mine.unlink()
        except OSError:
            pass
        os.close(fd)


def summarize_tree(
    job: BatchJob, backend_name: str, *, progress: BatchProgress | None = None
) -> BatchResult:
    """Synchronous entry point: build the backend and cache, run the batch, close them."""
    from summarizer.pipeline import backend_session

    async def main() -> BatchResult:
        # SIGTERM and SIGHUP end the run like Ctrl-C: in-flight work is cancelled and the
        # index still written from what finished.
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, task.cancel if task else lambda: None)
        async with backend_session(backend_name, job.settings) as (backend, cache):
            return await run_batch(job, backend, cache=cache, progress=progress)

    return asyncio.run(main())


# --------------------------------------------------------------------------- overviews


def _entries(records: Sequence[IndexRecord], suffix: str) -> list[IndexEntry]:
    return [
        IndexEntry(
            path=r.path,
            href=(r.path + suffix) if r.status != "failed" else None,
            status=r.status,
            reports=r.reports,
            achievements=r.findings.get("achievement", 0),
            problems=r.findings.get("problem", 0),
            plans=r.findings.get("plan", 0),
            other=r.findings.get("other", 0),
            verified_share=r.verified_share,
            error=r.error,
            title=r.title,
            organization=r.organization,
            years=tuple(r.years),
            checks=tuple(r.checks),
        )
        for r in records
    ]


def write_overviews(job: BatchJob, records: Sequence[IndexRecord]) -> None:
    """OUTDIR/README.md (markdown) and OUTDIR/index.html (html) listing every input."""
    if "markdown" in job.formats:
        from summarizer.render.markdown import render_markdown_index

        page = render_markdown_index(_entries(records, EXTRA_SUFFIXES["markdown"]))
        write_text_atomic(job.out_dir / "README.md", page)
    if "html" in job.formats:
        from summarizer.render.html import render_html_index

        page = render_html_index(_entries(records, EXTRA_SUFFIXES["html"]))
        write_text_atomic(job.out_dir / "index.html", page)
