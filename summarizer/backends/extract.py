"""Stage "extract": chunks → one validated `ChunkExtraction` each, through a backend.

In: an `Analysis` (chunks with their section tree) and a `Backend`. Out: `ChunkOutcome`s in
chunk order. Backends subclass `Backend` (base.py: capabilities and defaults); its
registry maps a name to a class and imports the backend module only when it is asked for.

Backends receive a small `ChunkContext` (the chunk with its kind, breadcrumb and outline,
the report title, whether the chunk is the whole report, the language), never the analysis.

The request is the key: `cached_call` looks an answer up under the SHA-256 of the canonical
JSON of the exact request the backend would send (`chunk_request`) plus the backend's
identity, so any change to what is sent (prompt text, schema, part kind, breadcrumb, title,
parameters) is a miss. A backend whose `cache_identity()` is None (offline) is never cached.

An answer cut at the output limit (`AnswerTooLong`) splits its chunk at the section or
paragraph boundary nearest the middle and asks for the halves (`extract_fitting`, bounded).

The seam for deferred execution (a provider's Batch API, an offline batch file; used by
summarizer/offload): without calling anything, a model backend builds the exact body of a
chunk's request with `chunk_request(backend, context)` (the backend's own `chunk_request`)
and of an overview with `backend.overview_request(OverviewRequest)`; `chunk_context(chunk,
analysis, lang)` makes the context and `request_key(backend, body)` the cache key the live
path looks the answer up by. Back, `backend.parse_chunk(content, context)` turns an answer's
content into the validated extraction exactly as for a live answer (the lean answer expanded
against the chunk), and `parse_overview(content)` reads an overview. Storing such an answer
under `request_key(...)` makes the next live run take it from the cache.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

# The seam's types live in base.py; they are named here too, where most callers look.
from summarizer.backends.base import (
    REGISTRY,
    AnswerTooLong,
    Backend,
    ChunkContext,
    ExtractRequest,
    ExtractResult,
    OverviewRequest,
    create_backend,
)
from summarizer.core.document import Analysis, Chunk, Report
from summarizer.core.errors import BackendError, ConfigError, ExtractionError, SummarizerError
from summarizer.core.redact import redact_model
from summarizer.core.schema import ChunkExtraction, OverviewText, Usage
from summarizer.lexicon.words import SENTENCE_END_MARK, HeadingLevel

if TYPE_CHECKING:
    from summarizer.backends.cache import Cache

__all__ = [
    "REGISTRY",
    "AnswerTooLong",
    "Backend",
    "ChunkContext",
    "ExtractRequest",
    "ExtractResult",
    "OverviewRequest",
    "create_backend",
]


def chunk_context(chunk: Chunk, analysis: Analysis, lang: str) -> ChunkContext:
    """The context of one of the analysis's chunks."""
    report = analysis.report_of(chunk)
    siblings = analysis.chunks_in_report(chunk.report)
    return ChunkContext(
        chunk=chunk,
        title=report.title,
        whole_report=siblings == 1,
        lang=lang,
        report=report,
        clean=analysis.clean,
    )


@dataclass
class ChunkOutcome:
    chunk: Chunk
    extraction: ChunkExtraction | None
    usage: Usage
    cached: bool
    error: str | None = None
    exception: SummarizerError | None = None
    notes: list[str] = field(default_factory=list)  # what happened on the way (a split)


async def extract_chunks(
    analysis: Analysis,
    backend: Backend,
    *,
    lang: str,
    cache: Cache | None,
    refresh: bool = False,
    limiter: asyncio.Semaphore | None = None,
    on_chunk: Callable[[ChunkOutcome], None] | None = None,
) -> list[ChunkOutcome]:
    """Extract every chunk concurrently (bounded by `limiter`), through the cache.

    A failing chunk becomes an outcome with `error` set; the others carry on. An answer cut
    at the output limit splits its chunk and asks again for the halves.
    """

    async def one(chunk: Chunk) -> ChunkOutcome:
        context = chunk_context(chunk, analysis, lang)
        notes: list[str] = []

        async def call() -> ExtractResult:
            async def ask() -> ExtractResult:
                result = await extract_fitting(
                    backend, context, notes, cache=cache, refresh=refresh
                )
                notes.extend(result.notes)
                return result

            if limiter is None:
                return await ask()
            async with limiter:
                return await ask()

        try:
            extraction, usage, cached = await cached_call(
                cache, backend, chunk_request(backend, context), ChunkExtraction, call, refresh
            )
        except SummarizerError as e:
            # What the failed calls spent still counts towards the file's usage.
            spent = e.usage if isinstance(e.usage, Usage) else Usage()
            if e.chunk is None:
                e.chunk = chunk.index
            return ChunkOutcome(chunk, None, spent, cached=False, error=str(e), exception=e)
        return ChunkOutcome(chunk, extraction, usage, cached=cached, notes=notes)

    async def tracked(chunk: Chunk) -> ChunkOutcome:
        outcome = await one(chunk)
        if on_chunk is not None:
            on_chunk(outcome)
        return outcome

    return list(await asyncio.gather(*(tracked(c) for c in analysis.chunks)))


def chunk_request(backend: Backend, context: ChunkContext) -> dict[str, Any]:
    """The exact request a backend sends for a chunk (the cache key hashes it)."""
    return backend.chunk_request(context)


def request_key(backend: Backend, request: dict[str, Any]) -> str | None:
    """The cache key of a request: SHA-256 of its canonical JSON plus the backend identity
    (None for a backend that is never cached)."""
    from summarizer.backends.cache import Cache

    identity = backend.cache_identity()
    if identity is None:
        return None
    return Cache.key({**identity, "request": request})


A = TypeVar("A", ChunkExtraction, OverviewText)


async def cached_call(
    cache: Cache | None,
    backend: Backend,
    request: dict[str, Any],
    answer_type: type[A],
    call: Callable[[], Awaitable[Any]],
    refresh: bool = False,
) -> tuple[A, Usage, bool]:
    """The answer to `request` from the cache, else from `call()` (then stored under the
    request that was actually answered). Returns (answer, usage, cached)."""
    key = request_key(backend, request) if cache is not None else None
    if key is not None and not refresh:
        assert cache is not None
        hit = await shared_answer(cache, key, answer_type)
        if hit is not None:
            return hit, Usage(), True
        # While the call is in flight the claim beats, so a holder that stops (Ctrl-Z)
        # is noticed by the others within seconds rather than after CLAIM_STALE_S.
        heart = asyncio.create_task(_heartbeat(cache))
        try:
            return await _buy(cache, key, backend, call)
        finally:
            heart.cancel()
            cache.release(key)
    return await _buy(cache, key, backend, call)


async def _buy(
    cache: Cache | None, key: str | None, backend: Backend, call: Callable[[], Awaitable[Any]]
) -> tuple[Any, Usage, bool]:
    result = await call()
    if isinstance(result, ExtractResult):
        answer: Any = result.extraction
        usage = result.usage
        if result.request is not None and key is not None:
            key = request_key(backend, result.request)
    else:
        answer, usage = result
    # A key the model echoed (asked to by the document, say) never reaches the cache or
    # an output.
    answer = redact_model(answer)
    if key is not None:
        assert cache is not None
        cache.put(key, answer)
    return answer, usage, False


async def _heartbeat(cache: Cache) -> None:
    from summarizer.backends.cache import CLAIM_HEARTBEAT_S

    while True:
        await asyncio.sleep(CLAIM_HEARTBEAT_S)
        cache.beat()


#: How often a task waiting for another's answer looks again (seconds).
CLAIM_POLL_S = 0.2


async def shared_answer(cache: Cache, key: str, answer_type: type[A]) -> A | None:
    """The cached answer of `key`, waiting while another process or task is buying it.

    Returns None once this caller holds the claim (it buys the answer, then releases).
    """
    while True:
        hit = cache.get(key, answer_type)
        if hit is not None:
            return hit
        if cache.claim(key):
            # Answered between the look and the claim: use it, do not buy it again.
            hit = cache.get(key, answer_type)
            if hit is not None:
                cache.release(key)
            return hit
        await asyncio.sleep(CLAIM_POLL_S)


#: How often an answer cut at the output limit may split its chunk (2^3 = 8 pieces at most).
MAX_SPLIT_DEPTH = 3
#: A piece shorter than this is not split again.
MIN_SPLIT_CHARS = 200


async def extract_fitting(
    backend: Backend,
    context: ChunkContext,
    notes: list[str],
    depth: int = 0,
    *,
    cache: Cache | None = None,
    refresh: bool = False,
) -> ExtractResult:
    """One chunk's extraction; an answer cut at the output limit splits the chunk at its
    section or paragraph boundary nearest the middle and asks for the halves (bounded), the
    cut attempt's usage counted. Each piece is cached under its own request, so a re-run
    (after a later piece failed, say) buys only what it has not got, and a chunk with a piece
    in the cache goes to its pieces at once (its whole answer was cut before: the split is
    the same, so asking again would buy the cut attempt twice); a failure's exception
    carries everything spent on the chunk so far."""
    splittable = depth < MAX_SPLIT_DEPTH
    # Only a cached backend can have split the chunk before (the offline one never asks).
    halves = (
        split_chunk(context.chunk, context.report) if splittable and cache is not None else None
    )
    if halves is not None and not refresh and _split_before(backend, cache, context, halves):
        notes.append(
            f"chunk {context.chunk.index}: split at offset {halves[1].start} as in an earlier "
            "run (its answer hit the output limit)"
        )
        return await _pieces(backend, context, halves, notes, depth, Usage(), cache, refresh)
    try:
        return await backend.extract(context)
    except AnswerTooLong as e:
        spent = e.usage if isinstance(e.usage, Usage) else Usage()
        if halves is None and splittable:
            halves = split_chunk(context.chunk, context.report)
        if halves is None:
            raise ExtractionError(
                f"{e.message}; the chunk cannot be split further", usage=spent
            ) from e
        notes.append(
            f"chunk {context.chunk.index}: the answer hit the output limit; split at "
            f"offset {halves[1].start} and asked again"
        )
        return await _pieces(backend, context, halves, notes, depth, spent, cache, refresh)


def _piece_context(context: ChunkContext, half: Chunk) -> ChunkContext:
    return ChunkContext(
        chunk=half,
        title=context.title,
        whole_report=False,
        lang=context.lang,
        report=context.report,
        clean=context.clean,
    )


def _split_before(
    backend: Backend, cache: Cache | None, context: ChunkContext, halves: tuple[Chunk, Chunk]
) -> bool:
    """Whether an earlier run split this chunk: a piece of it is in the cache."""
    if cache is None:
        return False
    for half in halves:
        key = request_key(backend, chunk_request(backend, _piece_context(context, half)))
        if key is not None and cache.get(key, ChunkExtraction) is not None:
            return True
    return False


async def _pieces(
    backend: Backend,
    context: ChunkContext,
    halves: tuple[Chunk, Chunk],
    notes: list[str],
    depth: int,
    spent: Usage,
    cache: Cache | None,
    refresh: bool,
) -> ExtractResult:
    """The halves' answers joined, each through the cache under its own request."""
    usage = spent
    parts: list[ChunkExtraction] = []
    part_notes: list[str] = []
    for half in halves:
        sub = _piece_context(context, half)
        got: list[ExtractResult] = []

        async def piece(sub: ChunkContext = sub, got: list[ExtractResult] = got) -> ExtractResult:
            result = await extract_fitting(
                backend, sub, notes, depth + 1, cache=cache, refresh=refresh
            )
            got.append(result)
            return result

        try:
            extraction, piece_usage, _ = await cached_call(
                cache, backend, chunk_request(backend, sub), ChunkExtraction, piece, refresh
            )
        except SummarizerError as failure:
            lost = failure.usage if isinstance(failure.usage, Usage) else Usage()
            failure.usage = usage + lost
            raise
        usage = usage + piece_usage
        parts.append(extraction)
        part_notes.extend(n for r in got for n in r.notes)
    return ExtractResult(join_extractions(parts), usage, notes=tuple(part_notes))


def join_extractions(parts: list[ChunkExtraction]) -> ChunkExtraction:
    """The answers of a split chunk's pieces as one, in source order."""
    return ChunkExtraction(
        organization=next((p.organization for p in parts if p.organization), None),
        key_metrics=[m for p in parts for m in p.key_metrics],
        findings=[f for p in parts for f in p.findings],
        overview=None,
    )


_PARAGRAPH = re.compile(r"\n+")


def split_chunk(chunk: Chunk, report: Report | None) -> tuple[Chunk, Chunk] | None:
    """Two halves of a chunk, cut at the section start nearest its middle, else at a
    paragraph break, else a sentence end; None when it is too short or has no boundary."""
    lo, hi = chunk.start + MIN_SPLIT_CHARS // 2, chunk.end - MIN_SPLIT_CHARS // 2
    if hi - lo <= 0 or chunk.end - chunk.start < MIN_SPLIT_CHARS:
        return None
    middle = (chunk.start + chunk.end) // 2
    sections = [s for p in (report.parts if report else []) for s in p.walk()]
    candidates = [s.start for s in sections if lo < s.start < hi]
    if not candidates:
        candidates = [chunk.start + m.end() for m in _PARAGRAPH.finditer(chunk.text)]
        candidates = [c for c in candidates if lo < c < hi]
    if not candidates:
        candidates = [chunk.start + m.end() for m in SENTENCE_END_MARK.finditer(chunk.text)]
        candidates = [c for c in candidates if lo < c < hi]
    if not candidates:
        return None
    cut = min(candidates, key=lambda c: abs(c - middle))

    def piece(start: int, end: int) -> Chunk:
        inner = [s for s in sections if start <= s.start < end and s.level == HeadingLevel.PART]
        around = [s for s in sections if s.start <= start < s.end]
        kind = around[0].kind if around else chunk.kind
        path = tuple(s.number + s.title for s in around) or chunk.path
        share = (end - start) / max(1, chunk.end - chunk.start)
        return Chunk(
            index=chunk.index,
            report=chunk.report,
            kind=kind,
            path=path if start != chunk.start else chunk.path,
            start=start,
            end=end,
            text=chunk.text[start - chunk.start : end - chunk.start],
            tokens=max(1, int(chunk.tokens * share)),
            outline=tuple((s.number + s.title, s.kind) for s in inner),
            # A half keeps the confidences its kinds came with (the request's hints read them).
            outline_confidence=tuple(s.confidence for s in inner),
            confidence=around[0].confidence if around else chunk.confidence,
        )

    return piece(chunk.start, cut), piece(cut, chunk.end)


def raise_first_error(outcomes: list[ChunkOutcome], path: str) -> None:
    """Fail the file when any chunk failed, naming the first failure.

    Configuration and backend errors (no key, authentication) keep their class, so the CLI
    maps them to exit 3; anything else is an ExtractionError of the file.
    """
    failed = [o for o in outcomes if o.error]
    if not failed:
        return
    first = failed[0]
    where = " > ".join(first.chunk.path) or first.chunk.kind
    message = (
        f"{len(failed)} of {len(outcomes)} chunks failed; "
        f"chunk {first.chunk.index} ({where}): {first.error}"
    )
    cause = first.exception
    kind = type(cause) if isinstance(cause, ConfigError | BackendError) else ExtractionError
    usage = sum((o.usage for o in outcomes), Usage())
    raise kind(
        message,
        path=path,
        chunk=first.chunk.index,
        status=cause.status if cause is not None else None,
        retryable=cause.retryable if cause is not None else False,
        usage=usage,
    ) from cause
