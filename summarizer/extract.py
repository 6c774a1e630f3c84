"""Stage "extract": chunks → one validated `ChunkExtraction` each, through a backend.

In: an `Analysis` (chunks with their section tree) and a `Backend`. Out: `ChunkOutcome`s in
chunk order. Backends share the small `Backend` protocol below; the registry maps a name to a
factory and imports the backend module only when it is asked for.

The cache sits here, between the pipeline and the backend: a backend whose
`cache_identity()` is None (offline) is never cached; otherwise the key covers the identity,
the prompt hash, the chunk schema, the language and the chunk text.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from summarizer.document import Analysis, Chunk, Report
from summarizer.errors import BackendError, ConfigError, ExtractionError, SummarizerError
from summarizer.redact import redact_model
from summarizer.schema import ChunkExtraction, Usage

if TYPE_CHECKING:
    from summarizer.cache import Cache
    from summarizer.config import Settings


@dataclass(frozen=True)
class ExtractRequest:
    chunk: Chunk
    report: Report
    analysis: Analysis
    lang: str  # "zh" | "en": language of titles and summaries (quotes stay verbatim)


@dataclass(frozen=True)
class ExtractResult:
    extraction: ChunkExtraction
    usage: Usage


@dataclass(frozen=True)
class OverviewRequest:
    report_title: str | None
    digest: str  # the merged findings as short lines, not the full text
    lang: str


class Backend(Protocol):
    name: str
    model: str | None

    def cache_identity(self) -> dict[str, Any] | None:
        """What, besides the chunk, changes this backend's answer; None: never cache."""
        ...

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        """One chunk in, one validated extraction out; raises a SummarizerError on failure."""
        ...

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        """Two or three sentences from the digest; None: the caller composes one itself."""
        ...

    async def aclose(self) -> None: ...


BackendFactory = Callable[["Settings"], Backend]

#: name -> "module:function" building the backend from settings.
REGISTRY: dict[str, str] = {
    "offline": "summarizer.backends.offline:create",
    "openai": "summarizer.backends.openai_compat:create",
}


def create_backend(name: str, settings: Settings) -> Backend:
    """Build a backend by registry name (the SDK of a backend is imported only here)."""

    if name not in REGISTRY:
        raise ConfigError(f"unknown backend {name!r}; choose one of auto, {', '.join(REGISTRY)}")
    module, func = REGISTRY[name].split(":")
    factory: BackendFactory = getattr(importlib.import_module(module), func)
    return factory(settings)


@dataclass
class ChunkOutcome:
    chunk: Chunk
    extraction: ChunkExtraction | None
    usage: Usage
    cached: bool
    error: str | None = None
    exception: SummarizerError | None = None


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

    A failing chunk becomes an outcome with `error` set; the others carry on.
    """
    identity = backend.cache_identity()
    use_cache = cache is not None and identity is not None
    reports = {r.index: r for r in analysis.reports}

    async def one(chunk: Chunk) -> ChunkOutcome:
        key = None
        if use_cache:
            assert cache is not None and identity is not None
            key = cache.key(identity=identity, lang=lang, text=chunk.text)
            if not refresh:
                hit = await shared_answer(cache, key)
                if hit is not None:
                    return ChunkOutcome(chunk, hit, Usage(), cached=True)
                try:
                    return await buy(chunk, key)
                finally:
                    cache.release(key)
        return await buy(chunk, key)

    async def buy(chunk: Chunk, key: str | None) -> ChunkOutcome:
        request = ExtractRequest(
            chunk=chunk, report=reports[chunk.report], analysis=analysis, lang=lang
        )
        try:
            if limiter is not None:
                async with limiter:
                    result = await backend.extract(request)
            else:
                result = await backend.extract(request)
        except SummarizerError as e:
            # What the failed calls spent still counts towards the file's usage.
            spent = e.usage if isinstance(e.usage, Usage) else Usage()
            if e.chunk is None:
                e.chunk = chunk.index
            return ChunkOutcome(chunk, None, spent, cached=False, error=str(e), exception=e)
        # A key the model echoed (asked to by the document, say) never reaches the cache or
        # an output.
        extraction = redact_model(result.extraction)
        if key is not None:
            assert cache is not None
            cache.put(key, extraction)
        return ChunkOutcome(chunk, extraction, result.usage, cached=False)

    async def tracked(chunk: Chunk) -> ChunkOutcome:
        outcome = await one(chunk)
        if on_chunk is not None:
            on_chunk(outcome)
        return outcome

    return list(await asyncio.gather(*(tracked(c) for c in analysis.chunks)))


#: How often a task waiting for another's answer looks again (seconds).
CLAIM_POLL_S = 0.2


async def shared_answer(cache: Cache, key: str) -> ChunkExtraction | None:
    """The cached answer of `key`, waiting while another process or task is buying it.

    Returns None once this caller holds the claim (it buys the answer, then releases).
    """
    while True:
        hit = cache.get(key)
        if hit is not None:
            return hit
        if cache.claim(key):
            # Answered between the look and the claim: use it, do not buy it again.
            hit = cache.get(key)
            if hit is not None:
                cache.release(key)
            return hit
        await asyncio.sleep(CLAIM_POLL_S)


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
