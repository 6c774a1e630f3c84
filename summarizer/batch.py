"""Batch: a folder of reports in, one JSON per input (mirroring the tree) and an index out.

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
import fnmatch
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from summarizer.atomic import write_text_atomic
from summarizer.config import Settings
from summarizer.document import SourceText
from summarizer.errors import BackendError, SummarizerError
from summarizer.extract import (
    Backend,
    ChunkOutcome,
)
from summarizer.pricing import usd_for
from summarizer.progress import BatchProgress
from summarizer.read import SUPPORTED_EXTENSIONS, read_source
from summarizer.schema import KIND_FIELDS, SummaryDocument, Usage

INDEX_NAME = "index.jsonl"
#: Output formats besides JSON (always written) and the suffix each adds to the input name.
EXTRA_SUFFIXES: dict[str, str] = {"markdown": ".md", "html": ".html"}
KINDS: tuple[str, ...] = tuple(KIND_FIELDS)


# --------------------------------------------------------------------------- walk


def default_out_dir(root: str | os.PathLike[str]) -> Path:
    """`./<DIR name>-summaries` in the working folder (never inside the input tree itself)."""
    name = Path(root).resolve().name or "batch"
    return Path(f"{name}-summaries")


def walk_inputs(
    root: str | os.PathLike[str],
    *,
    patterns: Sequence[str] = (),
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> list[str]:
    """Input files under `root` as sorted POSIX paths relative to it.

    Hidden files and folders and the `exclude` folders (the output folder, the cache) are
    skipped; symlinked folders are followed once each, so a link loop ends. With no
    `patterns`, every supported extension matches.
    """
    base = Path(root)
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    found: list[str] = []
    for current, dirs, files in os.walk(base, followlinks=True):
        real = os.path.realpath(current)
        if real in seen or real in excluded:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and os.path.realpath(os.path.join(current, d)) not in excluded
        )
        rel_dir = PurePosixPath(Path(current).relative_to(base).as_posix())
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = (rel_dir / name).as_posix() if str(rel_dir) != "." else name
            if _matches(rel, name, patterns) and os.path.isfile(os.path.join(current, name)):
                found.append(rel)
    return sorted(found)


def _matches(rel: str, name: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS
    for pattern in patterns:
        # A pattern with a slash is about the path under DIR, one without about the name.
        target = rel if "/" in pattern else name
        if fnmatch.fnmatch(target, pattern) or PurePosixPath(rel).match(pattern):
            return True
    return False


def output_path(out_dir: str | os.PathLike[str], rel: str, suffix: str = ".json") -> Path:
    """Where the output of input `rel` goes: `a/b.txt` → `OUTDIR/a/b.txt.json`."""
    return Path(out_dir) / (rel + suffix)


# --------------------------------------------------------------------------- index


@dataclass
class IndexRecord:
    """One line of index.jsonl: what happened to one input."""

    path: str  # relative to the input folder, POSIX separators
    status: str  # ok | failed | skipped
    reports: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    verified: int = 0
    verified_share: float | None = None
    calls: int = 0
    tokens: dict[str, int] = field(
        default_factory=lambda: {"prompt": 0, "completion": 0, "cached": 0}
    )
    cost_usd: float | None = 0.0
    elapsed_s: float = 0.0
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def usage(self) -> Usage:
        return Usage(
            calls=self.calls,
            prompt_tokens=self.tokens.get("prompt", 0),
            completion_tokens=self.tokens.get("completion", 0),
            cached_tokens=self.tokens.get("cached", 0),
        )


def record_from_document(
    rel: str,
    doc: SummaryDocument,
    status: str,
    *,
    elapsed_s: float,
    price_in: float | None = None,
    price_out: float | None = None,
) -> IndexRecord:
    """The index record of a finished (or skipped) input, from its document."""
    counts = dict.fromkeys(KINDS, 0)
    verified = 0
    for report in doc.reports:
        for kind, attr in KIND_FIELDS.items():
            findings = getattr(report, attr)
            counts[kind] += len(findings)
            verified += sum(1 for f in findings if f.verified)
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
        tokens={
            "prompt": usage.prompt_tokens,
            "completion": usage.completion_tokens,
            "cached": usage.cached_tokens,
        },
        cost_usd=cost_of(doc.provenance.model, usage, price_in, price_out),
        elapsed_s=round(elapsed_s, 3),
    )


def cost_of(
    model: str | None, usage: Usage, price_in: float | None = None, price_out: float | None = None
) -> float | None:
    """Estimated dollars of a usage; 0 without calls, None when the model has no price."""
    if usage.calls == 0:
        return 0.0
    return usd_for(model, usage.prompt_tokens, usage.completion_tokens, price_in, price_out)


class IndexLog:
    """index.jsonl opened for appending: each record is one write of a whole line, then flush.

    The lock keeps lines whole even if a caller appends from worker threads.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._fh: TextIO | None = open(path, "a", encoding="utf-8")

    def append(self, record: IndexRecord) -> None:
        line = record.to_json() + "\n"
        with self._lock:
            if self._fh is not None:
                self._fh.write(line)
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def read_index(path: str | os.PathLike[str]) -> list[IndexRecord]:
    """The records of an index.jsonl; unreadable lines (a crash mid-write) are ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    records = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            if isinstance(data, dict) and "path" in data and "status" in data:
                records.append(IndexRecord.from_dict(data))
        except (ValueError, TypeError):
            continue
    return records


def merge_records(
    records: Iterable[IndexRecord], keep: Iterable[str] | None = None
) -> list[IndexRecord]:
    """The last record per path, sorted by path; only paths in `keep` when given."""
    latest: dict[str, IndexRecord] = {}
    for r in records:
        latest[r.path] = r
    wanted = set(keep) if keep is not None else None
    return [latest[p] for p in sorted(latest) if wanted is None or p in wanted]


def write_index(path: str | os.PathLike[str], records: Sequence[IndexRecord]) -> None:
    """Rewrite index.jsonl atomically with these records."""
    write_text_atomic(path, "".join(r.to_json() + "\n" for r in records))


# --------------------------------------------------------------------------- totals


@dataclass
class BatchTotals:
    """What the end-of-run table shows."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
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
        # Usage and cost of skipped inputs were spent by an earlier run, not this one.
        if r.status == "ok":
            t.usage = t.usage + r.usage
            if t.cost_usd is not None:
                t.cost_usd = None if r.cost_usd is None else t.cost_usd + r.cost_usd
    return t


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
                    await self.write_extras(rel, doc, None)
                    return record_from_document(
                        rel,
                        doc,
                        "skipped",
                        elapsed_s=doc.provenance.elapsed_s,
                        price_in=job.price_in,
                        price_out=job.price_out,
                    )
            analysis = await asyncio.to_thread(_analyse, text, job.settings, self.backend.name)
            doc = await summarize_one(
                analysis,
                self.backend,
                settings=job.settings,
                cache=self.cache,
                limiter=self.limiter,
                on_chunk=self.on_chunk(rel),
            )
            # Extras first and JSON last: the JSON is what marks the input as done.
            await self.write_extras(rel, doc, analysis, force=True)
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
        self, rel: str, doc: SummaryDocument, analysis: Any, *, force: bool = False
    ) -> None:
        """Markdown/HTML next to the JSON; for a skipped input only the missing ones."""
        from summarizer.render.markdown import render_markdown

        for fmt in self.job.formats:
            target = output_path(self.job.out_dir, rel, EXTRA_SUFFIXES[fmt])
            if not force and target.exists():
                continue
            if fmt == "markdown":
                text = render_markdown(doc)
            else:
                from summarizer.render.html import render_html

                if analysis is None:
                    source = await asyncio.to_thread(_read, self.job.root / rel, self.job.settings)
                    analysis = await asyncio.to_thread(
                        _analyse, source, self.job.settings, self.backend.name
                    )
                text = render_html(doc, analysis.clean.text, list(analysis.clean.masks))
            write_text_atomic(target, text)

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


async def summarize_one(
    analysis: Any,
    backend: Backend,
    *,
    settings: Settings,
    cache: Any,
    limiter: asyncio.Semaphore,
    on_chunk: Any,
) -> SummaryDocument:
    """The pipeline's async core for one analysed file (a seam for tests)."""
    from summarizer.pipeline import summarize_analysis

    return await summarize_analysis(
        analysis, backend, settings=settings, cache=cache, limiter=limiter, on_chunk=on_chunk
    )


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


def write_overviews(job: BatchJob, records: Sequence[IndexRecord]) -> None:
    """OUTDIR/README.md (markdown) and OUTDIR/index.html (html) listing every input."""
    if "markdown" in job.formats:
        write_text_atomic(job.out_dir / "README.md", markdown_overview(records))
    if "html" in job.formats:
        try:
            from summarizer.render.html import IndexEntry, render_html_index
        except ImportError:  # the HTML index is optional; the per-file pages are enough
            return
        entries = [
            IndexEntry(
                path=r.path,
                href=(r.path + ".html") if r.status != "failed" else None,
                status=r.status,
                reports=r.reports,
                achievements=r.findings.get("achievement", 0),
                problems=r.findings.get("problem", 0),
                plans=r.findings.get("plan", 0),
                other=r.findings.get("other", 0),
                verified_share=r.verified_share,
                error=r.error,
            )
            for r in records
        ]
        write_text_atomic(job.out_dir / "index.html", render_html_index(entries))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_overview(records: Sequence[IndexRecord]) -> str:
    """A Markdown table of the batch: one row per input, linking its .md summary."""
    lines = [
        "# Batch summary",
        "",
        "| file | status | reports | 成绩 | 问题 | 计划 | 其他 | verified | error |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in records:
        name = _md_cell(r.path)
        link = f"[{name}](<{r.path}.md>)" if r.status != "failed" else name
        share = f"{r.verified_share:.0%}" if r.verified_share is not None else "—"
        f = r.findings
        lines.append(
            f"| {link} | {r.status} | {r.reports} | {f.get('achievement', 0)} | "
            f"{f.get('problem', 0)} | {f.get('plan', 0)} | {f.get('other', 0)} | {share} | "
            f"{_md_cell(r.error or '')} |"
        )
    return "\n".join(lines) + "\n"
