"""Which requests a batch still needs: the live pipeline, run with a backend that records.

In: a `BatchJob`, the real backend and the cache. Out: a `Plan`: the exact request of every
chunk (and overview) whose answer is not in the cache, keyed by the cache key the live path
looks up, and which inputs are ready, waiting or unreadable.

Recording through the live pipeline, rather than re-deriving its requests, keeps one source
of truth: the same chunking, the same prompts, the same keys, and overviews only once the
chunks they digest are answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from summarizer.batch import BatchJob, one_line
from summarizer.cache import Cache
from summarizer.errors import ExtractionError, SummarizerError
from summarizer.extract import Backend, ExtractRequest, ExtractResult, OverviewRequest
from summarizer.offload.adapter import chunk_body, overview_body
from summarizer.offload.lines import RequestLine
from summarizer.schema import Usage


class Deferred(SummarizerError):
    """A request was recorded for the batch instead of being sent."""


class NotAnswered(ExtractionError):
    """The batch gave no usable answer for a request and live calls are off."""


def chunk_key(backend: Backend, request: ExtractRequest) -> str:
    """The cache key the live path (extract.extract_chunks) looks this chunk up by."""
    identity = backend.cache_identity()
    assert identity is not None
    return Cache.key(identity=identity, lang=request.lang, text=request.chunk.text)


def overview_key(backend: Backend, request: OverviewRequest) -> str:
    """The cache key the live path (pipeline._overview) looks this overview up by."""
    identity = backend.cache_identity()
    assert identity is not None
    return Cache.key(
        identity={**identity, "call": "overview"}, lang=request.lang, text=request.digest
    )


class RecordingBackend:
    """Looks like the real backend (name, model, identity) but records instead of calling.

    With `lines=None` it records nothing and fails the chunk: the last pass of a job whose
    live calls are turned off.
    """

    def __init__(self, real: Backend, lines: dict[str, RequestLine] | None) -> None:
        self.real = real
        self.name = real.name
        self.model = real.model
        self.lines = lines
        self.label = ""

    def cache_identity(self) -> dict[str, Any] | None:
        return self.real.cache_identity()

    async def extract(self, request: ExtractRequest) -> ExtractResult:
        if self.lines is None:
            raise NotAnswered("the batch job gave no usable answer for this chunk")
        key = chunk_key(self.real, request)
        where = " > ".join(request.chunk.path) or request.chunk.kind
        self.lines.setdefault(
            key,
            RequestLine(key, "chunk", chunk_body(self.real, request), f"{self.label}: {where}"),
        )
        raise Deferred("recorded for the batch")

    async def overview(self, request: OverviewRequest) -> tuple[str, Usage] | None:
        if self.lines is None:
            return None  # the overview is composed from the findings instead
        key = overview_key(self.real, request)
        self.lines.setdefault(
            key,
            RequestLine(
                key, "overview", overview_body(self.real, request), f"{self.label}: overview"
            ),
        )
        raise Deferred("recorded for the batch")

    async def aclose(self) -> None:
        """The real backend belongs to the caller."""


@dataclass
class Plan:
    lines: list[RequestLine] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)  # every request answered
    waiting: list[str] = field(default_factory=list)  # some request missing
    failed: dict[str, str] = field(default_factory=dict)  # cannot be read or analysed


async def plan_requests(job: BatchJob, backend: Backend, cache: Cache) -> Plan:
    """Run every input through the live pipeline with a recording backend."""
    from summarizer.pipeline import analyse, summarize_analysis, token_mode_for

    settings = job.settings.replace(refresh=False)
    recorded: dict[str, RequestLine] = {}
    recorder = RecordingBackend(backend, recorded)
    plan = Plan()
    for rel in job.inputs:
        before = len(recorded)
        recorder.label = rel
        try:
            analysis = analyse(job.root / rel, settings, tokens=token_mode_for(backend.name))
            await summarize_analysis(analysis, recorder, settings=settings, cache=cache)
        except Exception as e:  # noqa: BLE001 - the live batch reports it the same way
            if len(recorded) > before:
                plan.waiting.append(rel)
            else:
                plan.failed[rel] = one_line(e, str(job.root / rel))
            continue
        plan.ready.append(rel)
    plan.lines = list(recorded.values())
    return plan
