"""Rounds of an offloaded batch: submit what is missing, collect what came back, finish.

In: a `BatchJob`, the live backend, the cache, the job state and (for `--via batch-api`) a
`BatchProvider`. Out: answers in the cache, the job state brought up to date and, once nothing
is missing, the outputs and index written by the live batch itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from summarizer.batch import BatchJob, BatchResult, run_batch
from summarizer.cache import Cache
from summarizer.errors import ExtractionError
from summarizer.extract import Backend
from summarizer.offload.adapter import parse_chunk, parse_overview
from summarizer.offload.lines import RequestLine, ResultLine, parse_results, split_files, to_bytes
from summarizer.offload.plan import Plan, RecordingBackend, plan_requests
from summarizer.offload.provider import BatchProvider
from summarizer.offload.state import FINAL_BATCH, JobState
from summarizer.progress import BatchProgress
from summarizer.schema import Usage

#: How many times a failed line is sent again before the live path (or failure) takes it.
MAX_ATTEMPTS = 3


@dataclass
class Round:
    """What one submit or collect step did, for the command's message."""

    planned: int = 0  # requests the cache could not answer
    submitted: int = 0
    batches: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # --via batch-file: request files written
    answered: int = 0
    failed: int = 0
    invalid: int = 0
    in_flight: int = 0  # requests in batches not finished yet
    plan: Plan | None = None


def ingest(
    results: Sequence[ResultLine], state: JobState, cache: Cache, *, batch_id: str
) -> tuple[int, int, int]:
    """Store every valid answer in the cache; mark the others. (answered, failed, invalid)."""
    answered = failed = invalid = 0
    usage = Usage()
    known = {line.custom_id: line for line in state.lines_with("submitted", "failed", "invalid")}
    for result in results:
        line = known.get(result.custom_id)
        if line is None:
            continue  # not ours, or answered already
        if not result.ok:
            state.mark([line.custom_id], "failed", error=result.error)
            failed += 1
            continue
        assert result.body is not None
        usage = usage + _usage(result.body)
        try:
            answer: Any = (
                parse_overview(result.body) if line.kind == "overview" else parse_chunk(result.body)
            )
        except (pydantic.ValidationError, ValueError, ExtractionError) as e:
            state.mark([line.custom_id], "invalid", error=_one_line(e))
            invalid += 1
            continue
        cache.put(line.custom_id, answer)
        state.mark([line.custom_id], "answered")
        answered += 1
    # Requests of this batch that came back in no file (an expired or cancelled batch).
    lost = [
        line.custom_id
        for line in state.lines_with("submitted")
        if state.batch_of(line.custom_id) == batch_id
    ]
    if lost:
        state.mark(lost, "failed", error="the batch ended before this request was answered")
        failed += len(lost)
    state.add_usage(usage)
    return answered, failed, invalid


async def prepare(
    job: BatchJob, backend: Backend, cache: Cache, state: JobState, *, max_attempts: int
) -> tuple[Plan, list[RequestLine]]:
    """Plan, record new requests, and return those to send now (new or failed, not in flight)."""
    plan = await plan_requests(job, backend, cache)
    to_send: list[RequestLine] = []
    for line in plan.lines:
        state.add(line)
        status = state.status_of(line.custom_id)
        if status == "answered":
            # Answered, yet the cache misses it (cleared, or --no-cache): ask again.
            state.mark([line.custom_id], "pending")
            status = "pending"
        if status == "pending" or (
            status == "failed" and state.attempts_of(line.custom_id) < max_attempts
        ):
            to_send.append(line)
    return plan, to_send


async def submit(
    job: BatchJob,
    backend: Backend,
    cache: Cache,
    state: JobState,
    provider: BatchProvider,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> Round:
    """Send every missing request that is not already in flight, split at the limits."""
    plan, to_send = await prepare(job, backend, cache, state, max_attempts=max_attempts)
    result = Round(planned=len(plan.lines), plan=plan)
    limits = _limits(max_requests, max_bytes)
    for n, group in enumerate(split_files(to_send, **limits)):
        name = f"summarizer-{int(time.time())}-{n}.jsonl"
        file_id = await provider.upload(name, to_bytes(group))
        status = await provider.create(file_id)
        state.add_batch(status.batch_id, file_id, status.status, len(group))
        state.mark(
            [g.custom_id for g in group], "submitted", batch_id=status.batch_id, attempt=True
        )
        result.batches.append(status.batch_id)
        result.submitted += len(group)
    result.in_flight = state.counts().get("submitted", 0)
    return result


async def refresh(state: JobState, provider: BatchProvider) -> list[str]:
    """Ask the provider about every batch not collected yet; the statuses, in order."""
    statuses = []
    for row in state.open_batches():
        if row.status not in FINAL_BATCH:
            s = await provider.retrieve(row.batch_id)
            state.update_batch(
                row.batch_id,
                status=s.status,
                completed=s.completed,
                failed=s.failed,
                output_file_id=s.output_file_id,
                error_file_id=s.error_file_id,
            )
            statuses.append(s.status)
        else:
            statuses.append(row.status)
    return statuses


async def collect(state: JobState, cache: Cache, provider: BatchProvider) -> Round:
    """Download the results of every finished batch into the cache (once per batch)."""
    await refresh(state, provider)
    result = Round()
    for row in state.open_batches():
        if row.status not in FINAL_BATCH:
            continue
        lines: list[ResultLine] = []
        for file_id in (row.output_file_id, row.error_file_id):
            if file_id:
                lines.extend(parse_results(await provider.download(file_id)))
        a, f, i = ingest(lines, state, cache, batch_id=row.batch_id)
        result.answered += a
        result.failed += f
        result.invalid += i
        state.set_collected(row.batch_id)
    result.in_flight = state.counts().get("submitted", 0)
    return result


async def finish(
    job: BatchJob,
    backend: Backend,
    cache: Cache,
    *,
    live: bool = True,
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Build the outputs with the live batch: what the job answered comes from the cache.

    With `live`, whatever the job could not answer is asked live (the live path's repair
    retry and length split apply); without, those files fail with a line saying so.
    """
    runner: Backend = backend if live else RecordingBackend(backend, None)
    return await run_batch(job, runner, cache=cache, progress=progress)


async def run_via_api(
    job: BatchJob,
    backend: Backend,
    cache: Cache,
    state: JobState,
    provider: BatchProvider,
    *,
    poll_s: float = 30.0,
    max_wait_s: float = 26 * 3600,
    live: bool = True,
    on_round: Callable[[str], None] | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BatchResult:
    """The one command that waits: rounds of submit → wait → collect until nothing is missing."""
    say = on_round or (lambda _message: None)
    deadline = clock() + max_wait_s
    while True:
        sent = await submit(job, backend, cache, state, provider)
        if sent.submitted:
            say(f"submitted {sent.submitted} request(s) in {len(sent.batches)} batch(es)")
        if not sent.in_flight:
            break
        while any(s not in FINAL_BATCH for s in await refresh(state, provider)):
            if clock() > deadline:
                say("stopped waiting: run `summarizer batch-api collect` later to resume")
                raise TimeoutError("the batch job did not finish in time")
            await sleep(poll_s)
        got = await collect(state, cache, provider)
        say(f"collected {got.answered} answer(s), {got.failed} failed, {got.invalid} invalid")
    return await finish(job, backend, cache, live=live)


# --------------------------------------------------------------------------- batch file


async def write_request_files(
    job: BatchJob,
    backend: Backend,
    cache: Cache,
    state: JobState,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> Round:
    """`--via batch-file`: the missing requests as JSONL files in the output folder."""
    plan, to_send = await prepare(job, backend, cache, state, max_attempts=max_attempts)
    result = Round(planned=len(plan.lines), plan=plan)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n, group in enumerate(split_files(to_send, **_limits(max_requests, max_bytes))):
        path = job.out_dir / f"batch-requests-{stamp}-{n}.jsonl"
        from summarizer.atomic import write_text_atomic

        write_text_atomic(path, to_bytes(group).decode("utf-8"))
        state.mark(
            [g.custom_id for g in group], "submitted", batch_id=f"file:{path.name}", attempt=True
        )
        result.files.append(path)
        result.submitted += len(group)
    result.in_flight = state.counts().get("submitted", 0)
    return result


def read_result_files(paths: Sequence[Path], state: JobState, cache: Cache) -> Round:
    """Read output files of `vllm run-batch` (or any OpenAI-format runner) into the cache.

    A request of a request file that no result file answers stays in flight; pass the file
    that answers it, or delete the job state to start over.
    """
    result = Round()
    lines: list[ResultLine] = []
    for path in paths:
        lines.extend(parse_results(path.read_bytes()))
    a, f, i = ingest(lines, state, cache, batch_id="")
    result.answered, result.failed, result.invalid = a, f, i
    result.in_flight = state.counts().get("submitted", 0)
    return result


# --------------------------------------------------------------------------- helpers


def _limits(max_requests: int | None, max_bytes: int | None) -> dict[str, int]:
    limits: dict[str, int] = {}
    if max_requests:
        limits["max_requests"] = max_requests
    if max_bytes:
        limits["max_bytes"] = max_bytes
    return limits


def _usage(body: dict[str, Any]) -> Usage:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return Usage(calls=1)
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    return Usage(
        calls=1,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        cached_tokens=int(cached or 0),
    )


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
