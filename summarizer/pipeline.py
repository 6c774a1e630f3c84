"""The library API: read → clean → sections → chunks → extract → ground → merge.

`analyse(path)` runs the text stages (no model); `summarize_file(path, ...)` runs them all
and returns a validated `SummaryDocument`. `summarize_analysis` is the async core that the
batch command drives with one shared concurrency limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from summarizer.backends.base import backend_class, resolve_backend_name
from summarizer.backends.extract import (
    Backend,
    ChunkOutcome,
    OverviewRequest,
    cached_call,
    create_backend,
    extract_chunks,
    raise_first_error,
)
from summarizer.core.config import Settings
from summarizer.core.document import Analysis, Chunk, Report, SourceText
from summarizer.core.errors import BackendError, ConfigError
from summarizer.core.schema import (
    SCHEMA_VERSION,
    Metric,
    MissingPart,
    OverviewText,
    Provenance,
    ReportSummary,
    Source,
    SummaryDocument,
    Usage,
)
from summarizer.core.version import __version__
from summarizer.core.vocabulary import ReportCheck
from summarizer.lexicon.words import GENRE_WORDS, alternation
from summarizer.text.bounded import display_path, read_input
from summarizer.text.chunks import make_chunks
from summarizer.text.clean import clean
from summarizer.text.meta import report_meta
from summarizer.text.sections import build_sections
from summarizer.text.zones import as_zone, zone_name

if TYPE_CHECKING:
    from summarizer.backends.cache import Cache

# Grounding and merging are imported where they run: `sections` and `--dry-run` use only the
# text stages of this module and start without them.

_GENRE_WORDS = re.compile(alternation(GENRE_WORDS))


TokenMode = Literal["exact", "budget", "estimate"]


def token_mode_for(backend: str | Backend) -> TokenMode:
    """How a run counts tokens: a backend that calls no model never needs BPE counts; a
    model run needs exact ones only where a part's size is close to the chunk budget."""
    calls = backend_class(backend).calls_model if isinstance(backend, str) else backend.calls_model
    return "budget" if calls else "estimate"


def analyse(
    path: str | os.PathLike[str], settings: Settings | None = None, *, tokens: TokenMode = "exact"
) -> Analysis:
    """Read and analyse one file: reports, section tree, masked cruft and chunks."""
    settings = settings or Settings()
    source = read_input(path, settings)
    return analyse_source(source, settings, tokens=tokens)


def analyse_source(
    source: SourceText, settings: Settings | None = None, *, tokens: TokenMode = "exact"
) -> Analysis:
    """The text stages on an already decoded source.

    `tokens` says how chunk sizes are counted: "exact" with the BPE encoding (sections,
    dry runs: the numbers are shown), "estimate" from character classes (the offline backend
    reads whole parts), or "budget": estimates, with exact counts only for text whose size is
    near the budget, so a run whose reports are well under it never loads the BPE ranks
    (about 0.4 s) and cuts its chunks exactly where an exact count would.
    """
    from summarizer.text.tokens import TokenCounter, get_counter

    settings = settings or Settings()
    cleaned = clean(source)
    reports = build_sections(cleaned)
    encoding = settings.resolved_encoding
    estimate = TokenCounter(encoding, "estimate", exact=False)
    exact_check = None
    if tokens == "exact":
        counter = get_counter(encoding)
    else:
        counter = estimate
        if tokens == "budget":
            exact_check = lambda text: get_counter(encoding).count(text)  # noqa: E731
    chunks = make_chunks(
        cleaned, reports, budget=chunk_tokens_for(settings), count=counter.count, exact=exact_check
    )
    # What the reader noticed (OCR'd pages, a garbled text layer, traditional characters).
    warnings = list(source.warnings)
    # Parts inferred from the wording alone (no heading, no lead-in) are no sections either.
    if all(
        all(p.kind == "preamble" or not (p.number or p.title) for p in r.parts) for r in reports
    ):
        warnings.append(
            "no recognisable sections (一、/(一)/1. headings or part titles): "
            "falling back to paragraph chunks"
        )
    sample = cleaned.analysed(0, min(len(source.text), 20000))
    hits = len(_GENRE_WORDS.findall(sample))
    checks: list[ReportCheck] = []
    if hits < max(3, len(sample) // 400):
        checks.append("not_a_work_report")
        from summarizer.grounding.checks import check_message

        warnings.append(check_message("not_a_work_report"))
    if tokens == "exact" and not counter.exact:
        warnings.append(f"token counts are estimates ({counter.name} could not be loaded)")
    return Analysis(clean=cleaned, reports=reports, chunks=chunks, warnings=warnings, checks=checks)


def chunk_tokens_for(settings: Settings) -> int:
    """The chunk budget: --chunk-tokens, lowered where the model's output limit or context
    window (capability table) would not hold the expected answer."""
    from summarizer.backends.capabilities import capabilities_for
    from summarizer.backends.pricing import chunk_budget

    caps = capabilities_for(settings.provider, settings.resolved_model)
    max_output = settings.max_output_tokens or caps.max_output_tokens
    return chunk_budget(settings.chunk_tokens, max_output, caps.context_window)


def summarize_file(
    path: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
) -> SummaryDocument:
    """Summarize one file: read, analyse, extract, ground and merge.

    Works with or without a running event loop: inside one (a notebook, an async web
    handler) the work runs on a worker thread with a loop of its own; async code should
    rather await `summarize_file_async`.
    """
    coro = summarize_file_async(path, settings=settings, backend=backend)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_quietly(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer") as pool:
        return pool.submit(run_quietly, coro).result()


async def summarize_file_async(
    path: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
) -> SummaryDocument:
    """The async twin of `summarize_file`: the same document, awaited in the caller's loop.

    Reading and the text stages run on a worker thread, so the loop stays responsive.
    """
    settings = settings or Settings()
    chosen = backend if backend is not None else resolve_backend_name(settings)
    analysis = await asyncio.to_thread(analyse, path, settings, tokens=token_mode_for(chosen))
    async with backend_session(chosen, settings) as (b, cache):
        return await summarize_analysis(analysis, b, settings=settings, cache=cache)


T = TypeVar("T")


@contextlib.asynccontextmanager
async def backend_session(
    backend: Backend | str, settings: Settings
) -> AsyncIterator[tuple[Backend, Cache | None]]:
    """A backend (built from its name, or given) and its cache, closed on the way out.

    A backend passed in belongs to the caller and stays open.
    """
    own = isinstance(backend, str)
    b = create_backend(backend, settings) if isinstance(backend, str) else backend
    cache = open_cache(settings, b)
    try:
        yield b, cache
    finally:
        if cache is not None:
            cache.close()
        if own:
            await b.aclose()


def run_quietly(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, without Python 3.11's repr of the finished main task and its result.

    On exit asyncio.run looks up the SIGINT handler, a partial holding the main task; turning
    that into an enum fails with a message that reprs the task and so the whole result (a
    SummaryDocument can take milliseconds to repr). A main task that returns None is cheap.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]


def open_cache(settings: Settings, backend: Backend) -> Cache | None:
    """The on-disk cache for this backend, or None when it does not cache or caching is off."""
    if not settings.use_cache or backend.cache_identity() is None:
        return None
    from summarizer.backends.cache import Cache

    return Cache.open(settings.cache_dir)


async def summarize_analysis(
    analysis: Analysis,
    backend: Backend,
    *,
    settings: Settings,
    cache: Cache | None = None,
    limiter: asyncio.Semaphore | None = None,
    on_chunk: Callable[[ChunkOutcome], None] | None = None,
    on_report: Callable[[ReportSummary], None] | None = None,
    partial: bool = True,
) -> SummaryDocument:
    """Extract, ground and merge one analysed file into a `SummaryDocument`.

    With `on_report`, each finished report goes there, in order, and is not kept: the
    document comes back with no reports (a writer streams them; a file of thousands of
    reports is never all in memory).

    A failed chunk leaves the file written without it (`missing`); with `partial=False` it
    fails the file instead (a batch job's planning: an overview of some chunks is no request
    to make).
    """
    from summarizer.grounding.checks import check_message, report_checks
    from summarizer.grounding.ground import overview_figures, report_text
    from summarizer.grounding.merge import compose_overview

    started = time.perf_counter()
    if settings.lang not in ("zh", "en"):
        raise ConfigError(f"unknown language {settings.lang!r}; use zh or en")
    limiter = limiter or asyncio.Semaphore(max(1, settings.concurrency))
    notes: list[str] = []
    empty_parts: list[str] = []
    reports: list[ReportSummary] = []
    found: set[ReportCheck] = set()
    usage = Usage()
    # One failed chunk never discards the others' answers: the file is written without it,
    # with a warning and a `missing` entry naming it, and counts as failed (issue 26).
    failed: list[ChunkOutcome] = []
    chunks = 0
    # A window of whole reports at a time goes through extract → ground → merge, and its
    # answers are dropped before the next: memory stays flat in a file of thousands of
    # reports, while a window holds enough chunks to keep every concurrent call busy.
    for part in report_windows(analysis, window_chunks(settings)):
        outcomes = await extract_chunks(
            part,
            backend,
            lang=settings.lang,
            cache=cache,
            refresh=settings.refresh,
            limiter=limiter,
            on_chunk=on_chunk,
        )
        chunks += len(outcomes)
        for o in outcomes:  # what the failed chunks' calls cost counts too
            usage = usage + o.usage
        here = [o for o in outcomes if o.error]
        if here and not partial:
            raise_first_error(outcomes, analysis.source.path)
        if any(isinstance(o.exception, ConfigError | BackendError) for o in here):
            raise_first_error(outcomes, analysis.source.path)  # every file would fail alike
        failed.extend(here)
        outcomes = [o for o in outcomes if o.error is None]
        part_notes, summaries = assemble(part, outcomes, strict=settings.strict)
        notes.extend(part_notes)
        if backend.calls_model:
            empty_parts.extend(empty_part_warnings(outcomes))
        per_report = _by_report(outcomes)
        del outcomes
        for report, summary in zip(part.reports, summaries, strict=True):
            overview = None
            if settings.overview:
                overview, extra = await _overview(
                    backend,
                    cache,
                    limiter,
                    settings,
                    summary,
                    per_report.get(report.index, []),
                    report_text(part.clean, part.reports, report.index),
                )
                usage = usage + extra
            summary.overview = overview or compose_overview(summary, settings.lang)
            summary.overview_figures = overview_figures(
                summary.overview, part.clean, part.reports, report.index
            )
        if not analysis.checks:
            # Checked a window at a time, so a streamed report need not be kept for them.
            renumbered = [dataclasses.replace(r, index=k) for k, r in enumerate(part.reports)]
            found.update(report_checks(analysis.clean, renumbered, summaries))
        if on_report is None:
            reports.extend(summaries)
        else:
            for summary in summaries:
                on_report(summary)
    if failed and len(failed) == chunks:
        raise_first_error(failed, analysis.source.path)  # nothing to write
    missing = [missing_part(o) for o in failed]
    doc_warnings = [*analysis.warnings, *notes]
    doc_warnings.extend(
        f"chunk {m.chunk} ({m.part}, characters {m.start}-{m.end}) failed: {m.error}; its "
        "findings are missing from this output (a re-run asks for it again)"
        for m in missing
    )
    if not backend.calls_model and settings.lang != "zh":
        doc_warnings.append(
            "the offline backend quotes the report: titles and summaries stay in Chinese "
            "(--lang applies to the composed overview only)"
        )
    doc_warnings.extend(empty_parts)
    # Typed, for the batch table and index; the sentences for people reading the JSON.
    # A text that is no work report needs no word on its missing plans.
    checks = list(analysis.checks) or [c for c in get_args(ReportCheck) if c in found]
    doc_warnings.extend(check_message(c) for c in checks if c not in analysis.checks)
    source = analysis.source
    return SummaryDocument(
        source=Source(
            # Absolute, so `check` and readers find the source from any folder; printable
            # (a GBK name's surrogate escapes as \xNN), so the document serializes.
            path=source.path
            if source.path.startswith("<")
            else display_path(os.path.abspath(source.path)),
            sha256=source.sha256,
            chars=len(source.text),
            encoding=source.encoding,
            format=source.format,
        ),
        reports=reports,
        warnings=doc_warnings,
        checks=checks,
        provenance=Provenance(
            backend=backend.name,
            model=backend.model,
            prompt_version=prompt_version_for(backend),
            tool_version=__version__,
            usage=usage,
            elapsed_s=round(time.perf_counter() - started, 4),
            settings=settings_fingerprint(output_settings(settings, backend)),
        ),
        missing=missing,
    )


async def _overview(
    backend: Backend,
    cache: Cache | None,
    limiter: asyncio.Semaphore,
    settings: Settings,
    summary: ReportSummary,
    outcomes: list[ChunkOutcome],
    report: str,
) -> tuple[str | None, Usage]:
    """The report's overview: from its only chunk's answer, else one small call (cached).

    A chunk that holds the whole report was asked for the overview in the same call. Either
    way its figures are grounded in the report's text like a finding's (ground.py's rule),
    or the overview is not used.
    """
    from summarizer.grounding.merge import overview_digest

    if len(outcomes) == 1 and outcomes[0].extraction is not None:
        text = (outcomes[0].extraction.overview or "").strip()
        if text:
            return (text if _overview_grounded(text, report, summary) else None), Usage()
    request = OverviewRequest(summary.title, overview_digest(summary), settings.lang)
    body = backend.overview_request(request)

    class _NoOverview(Exception):
        def __init__(self, spent: Usage) -> None:
            self.spent = spent  # an unusable answer was paid for all the same

    async def call() -> tuple[OverviewText, Usage]:
        # Under the same limit as the chunk calls, which have all released it by now.
        async with limiter:
            answer = await backend.overview(request)
        if answer is None or not answer[0]:
            raise _NoOverview(answer[1] if answer is not None else Usage())
        return OverviewText(overview=answer[0]), answer[1]

    try:
        answer, usage, _ = await cached_call(
            cache, backend, body, OverviewText, call, settings.refresh
        )
    except _NoOverview as none:
        return None, none.spent
    return (
        answer.overview if _overview_grounded(answer.overview, report, summary) else None
    ), usage


def window_chunks(settings: Settings) -> int:
    """How many chunks a window of reports gathers before it is extracted: enough to keep
    every concurrent call busy (a window's last calls wait for its slowest one)."""
    return max(64, 8 * settings.concurrency)


def report_windows(analysis: Analysis, chunks: int) -> Iterator[Analysis]:
    """The analysis in windows of whole reports, each of at least `chunks` chunks (the last
    may hold fewer); one window, the analysis itself, when the file is small."""
    if len(analysis.chunks) <= chunks:
        # Without the file's warnings, which the caller adds once (else they came twice).
        yield dataclasses.replace(analysis, warnings=[])
        return
    by_report: dict[int, list[Chunk]] = {}
    for c in analysis.chunks:
        by_report.setdefault(c.report, []).append(c)
    reports: list[Report] = []
    taken: list[Chunk] = []
    for r in analysis.reports:
        reports.append(r)
        taken.extend(by_report.pop(r.index, []))
        if len(taken) >= chunks:
            yield dataclasses.replace(analysis, reports=reports, chunks=taken, warnings=[])
            reports, taken = [], []
    # Chunks of no listed report (none today) travel with the last window.
    for rest in by_report.values():
        taken.extend(rest)
    if reports or taken:
        yield dataclasses.replace(analysis, reports=reports, chunks=taken, warnings=[])


def assemble(
    analysis: Analysis, outcomes: list[ChunkOutcome], *, strict: bool = False
) -> tuple[list[str], list[ReportSummary]]:
    """Ground every chunk's answer and merge them per report (no model, no I/O): the file's
    warnings and one `ReportSummary` per report, its overview still empty."""
    from summarizer.grounding.ground import ground_finding, ground_metrics, ground_organization
    from summarizer.grounding.merge import GroundedFinding, merge_findings, merge_metrics

    clean_text = analysis.clean
    doc_warnings = list(analysis.warnings)
    doc_warnings.extend(note for o in outcomes for note in o.notes)
    reports: list[ReportSummary] = []
    per_report = _by_report(outcomes)
    for report in analysis.reports:
        mine = per_report.get(report.index, [])
        grounded: list[GroundedFinding] = []
        key: list[Metric] = []
        warnings: list[str] = []
        organization = None
        for o in mine:
            assert o.extraction is not None
            for f in o.extraction.findings:
                finding, notes = ground_finding(f, o.chunk, clean_text, analysis.reports)
                warnings.extend(notes)
                if strict and not finding.verified:
                    warnings.append(f"{finding.title}: dropped (--strict) as unverified")
                    continue
                grounded.append(GroundedFinding(f.kind, finding, o.chunk.index))
            metrics, notes = ground_metrics(
                o.extraction.key_metrics, o.chunk, clean_text, analysis.reports
            )
            key.extend(metrics)
            warnings.extend(notes)
            if organization is None and o.extraction.organization:
                organization = ground_organization(o.extraction.organization, clean_text)
        meta = report_meta(report, clean_text)
        # A government report is about the place its title names; a zone report about the
        # organization the model read (grounded), else the one the rules read.
        zone = meta.zone if meta.government else (zone_name(organization) or meta.zone)
        if meta.summary_year is None and meta.plan_year is None:
            warnings.append(
                "no year: neither the title, the part headings nor the opening states the year "
                "the report covers (compare and track leave it out)"
            )
        by_kind = merge_findings(grounded)
        reports.append(
            ReportSummary(
                title=meta.title,
                organization=organization or meta.organization,
                summary_year=meta.summary_year,
                plan_year=meta.plan_year,
                zone=as_zone(zone) if zone is not None else None,
                overview="",
                key_metrics=merge_metrics(key)[:12],
                achievements=by_kind.get("achievement", []),
                problems=by_kind.get("problem", []),
                plans=by_kind.get("plan", []),
                other=by_kind.get("other", []),
                warnings=warnings,
            )
        )
    return doc_warnings, reports


def _by_report(outcomes: list[ChunkOutcome]) -> dict[int, list[ChunkOutcome]]:
    """Outcomes per report index, in chunk order (one pass: a file may hold thousands)."""
    out: dict[int, list[ChunkOutcome]] = {}
    for o in outcomes:
        out.setdefault(o.chunk.report, []).append(o)
    return out


#: A chunk with this much text of a substantive part should give at least one finding.
SUBSTANTIVE_CHARS = 300


def empty_part_warnings(outcomes: list[ChunkOutcome]) -> list[str]:
    """One warning per substantive chunk a model answered with no finding: a model too small
    for the task, a truncated prompt, or a server that dropped the instructions."""
    out = []
    for o in outcomes:
        if o.extraction is None or o.extraction.findings or o.chunk.kind == "preamble":
            continue
        if len("".join(o.chunk.text.split())) >= SUBSTANTIVE_CHARS:
            where = " > ".join(o.chunk.path) or o.chunk.kind
            out.append(
                f"chunk {o.chunk.index} ({where}, {len(o.chunk.text):,} characters of "
                f"{o.chunk.kind}): the model returned no findings; check the model and its "
                "server (chat template, context size)"
            )
    return out


def _overview_grounded(text: str, report: str, summary: ReportSummary) -> bool:
    from summarizer.grounding.ground import overview_problems

    counts = [len(summary.achievements), len(summary.problems), len(summary.plans)]
    problems = overview_problems(text, report, [*counts, len(summary.other)])
    if problems:
        summary.warnings.append(f"overview: {'; '.join(problems)}; composed instead")
    return not problems


def output_settings(settings: Settings, backend: Backend) -> dict[str, str | int | bool | None]:
    """The settings that make an output what it is (a password in the endpoint as ***)."""
    offline = not backend.calls_model
    return {
        "backend": backend.name,
        "model": backend.model,
        "base_url": None if offline else settings.shown_base_url(),
        "lang": settings.lang,
        "prompt_version": prompt_version_for(backend),
        "schema_version": SCHEMA_VERSION,
        "chunk_tokens": settings.chunk_tokens,
        "strict": settings.strict,
    }


def settings_fingerprint(values: dict[str, str | int | bool | None]) -> str:
    """A short digest of `output_settings`, written into each output's provenance."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def missing_part(outcome: ChunkOutcome) -> MissingPart:
    """What the output says of a chunk that failed."""
    chunk = outcome.chunk
    return MissingPart(
        chunk=chunk.index,
        part=" > ".join(chunk.path) or chunk.kind,
        start=chunk.start,
        end=chunk.end,
        error=outcome.error or "failed",
    )


def prompt_version_for(backend: Backend) -> str:
    if not backend.calls_model:
        return "rules-1"
    from summarizer.backends.prompts import prompt_version

    return prompt_version()
