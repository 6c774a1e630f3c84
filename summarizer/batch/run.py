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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.atomic import sweep_stale_temps, write_text_atomic
from summarizer.batch.index import (
    INDEX_NAME,
    IndexLog,
    IndexRecord,
    merge_records,
    read_index,
    record_from_document,
    write_index,
)
from summarizer.batch.walk import output_path
from summarizer.clean import clean
from summarizer.config import Settings
from summarizer.document import CleanText, SourceText
from summarizer.errors import BackendError, SummarizerError
from summarizer.extract import Backend, ChunkOutcome
from summarizer.progress import BatchProgress
from summarizer.read import read_source
from summarizer.render.overview import IndexEntry
from summarizer.schema import SummaryDocument

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


@dataclass
class BatchResult:
    """The outcome of a run: this run's records merged into the index, and how it ended."""

    records: list[IndexRecord]  # the final index (sorted by path)
    this_run: list[IndexRecord]  # records produced by this run, in finishing order
    elapsed_s: float
    model: str | None
    interrupted: bool = False
    fatal: BackendError | None = None

    @property
    def any_failed(self) -> bool:
        return any(r.status == "failed" for r in self.this_run)


def one_line(e: BaseException, path: str | None = None) -> str:
    """An exception as one line, without traceback; unexpected types are named.

    A leading `path: ` is dropped: the index and the table already name the file.
    """
    text = " ".join(str(e).split())
    if path is not None and text.startswith(f"{path}: "):
        text = text[len(path) + 2 :]
    if isinstance(e, SummarizerError):
        return text
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _read(path: Path, settings: Settings) -> SourceText:
    return read_source(path, max_bytes=int(settings.max_file_mb * 1024 * 1024))


def _analyse(source: SourceText, settings: Settings, backend_name: str) -> Any:
    from summarizer.pipeline import analyse_source, token_mode_for

    return analyse_source(source, settings, tokens=token_mode_for(backend_name))


def _existing(out_json: Path, sha256: str) -> SummaryDocument | None:
    """The finished output of an unchanged input, or None."""
    try:
        doc = SummaryDocument.model_validate_json(out_json.read_bytes())
    except (OSError, ValueError):
        return None
    return doc if doc.source.sha256 == sha256 else None


class _Runner:
    def __init__(
        self, job: BatchJob, backend: Backend, cache: Any, progress: BatchProgress | None
    ) -> None:
        self.job = job
        self.limiter = asyncio.Semaphore(max(1, job.settings.concurrency))
        self.backend = backend
        # The first authentication/model error: every later file would fail the same way.
        self.fatal: BackendError | None = None
        self.cache = cache
        self.progress = progress
        self.pending = iter(job.inputs)
        self.finished: list[IndexRecord] = []
        self.log = IndexLog(job.out_dir / INDEX_NAME)

    async def worker(self, peers: list[asyncio.Task[None]]) -> None:
        for rel in self.pending:  # one loop, so `next` on the shared iterator is safe
            record = await self.one(rel)
            self.finished.append(record)
            self.log.append(record)
            if self.progress is not None:
                detail = _detail(record) if record.status == "ok" else ""
                if record.status == "skipped":
                    detail = "unchanged since the last run"
                self.progress.file_done(rel, record.status, record.usage, detail, record.error)
            if self.fatal is not None:
                me = asyncio.current_task()
                for task in peers:
                    if task is not me:
                        task.cancel()
                return

    async def one(self, rel: str) -> IndexRecord:
        job = self.job
        started = time.perf_counter()
        source = job.root / rel
        out_json = output_path(job.out_dir, rel)
        try:
            # Read once: the decoded text carries the hash that decides whether to skip.
            text = await asyncio.to_thread(_read, source, job.settings)
            if not job.settings.refresh:
                doc = await asyncio.to_thread(_existing, out_json, text.sha256)
                if doc is not None:
                    await self.write_extras(rel, doc, text, None)
                    return record_from_document(
                        rel,
                        doc,
                        "skipped",
                        elapsed_s=doc.provenance.elapsed_s,
                        price_in=job.price_in,
                        price_out=job.price_out,
                    )
            analysis = await asyncio.to_thread(_analyse, text, job.settings, self.backend.name)
            from summarizer.pipeline import summarize_analysis

            doc = await summarize_analysis(
                analysis,
                self.backend,
                settings=job.settings,
                cache=self.cache,
                limiter=self.limiter,
                on_chunk=self.on_chunk(rel),
            )
            # Extras first and JSON last: the JSON is what marks the input as done.
            await self.write_extras(rel, doc, text, analysis.clean, force=True)
            write_text_atomic(out_json, doc.model_dump_json(indent=2) + "\n")
        except Exception as e:  # noqa: BLE001 - one bad file never stops the batch
            if isinstance(e, BackendError):
                self.fatal = self.fatal or e
            return IndexRecord(
                path=rel,
                status="failed",
                elapsed_s=round(time.perf_counter() - started, 3),
                error=one_line(e, str(source)),
            )
        return record_from_document(
            rel,
            doc,
            "ok",
            elapsed_s=time.perf_counter() - started,
            price_in=job.price_in,
            price_out=job.price_out,
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

    async def run(self) -> tuple[bool, BackendError | None]:
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
        finally:
            self.log.close()
        return interrupted, self.fatal


def _detail(record: IndexRecord) -> str:
    findings = sum(record.findings.values())
    return f"{record.reports} report(s), {findings} findings, {record.elapsed_s:.1f}s"


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
    previous = read_index(index_path)
    # What a killed earlier run was writing when it died; a live writer's files stay.
    if job.out_dir.is_dir():
        await asyncio.to_thread(sweep_stale_temps, job.out_dir)
    runner = _Runner(job, backend, cache, progress)
    if progress is not None:
        progress.start(len(job.inputs))
    try:
        interrupted, fatal = await runner.run()
    finally:
        if progress is not None:
            progress.stop()
    records = merge_records([*previous, *runner.finished], keep=job.inputs)
    write_index(index_path, records)
    write_overviews(job, records)
    return BatchResult(
        records=records,
        this_run=runner.finished,
        elapsed_s=time.perf_counter() - started,
        model=backend.model,
        interrupted=interrupted,
        fatal=fatal,
    )


def summarize_tree(
    job: BatchJob, backend_name: str, *, progress: BatchProgress | None = None
) -> BatchResult:
    """Synchronous entry point: build the backend and cache, run the batch, close them."""
    from summarizer.pipeline import backend_session

    async def main() -> BatchResult:
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
