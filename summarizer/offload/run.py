"""Rounds of an offloaded batch: submit what is missing, collect what came back, finish.

In: a `BatchJob`, the cache, the job state and (for `--via batch-api`) a `BatchProvider`. Out: answers in the cache, the job state brought up to date and, once nothing
is missing, the outputs and index written by the live batch itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.backends.cache import Cache
from summarizer.backends.openai_compat.batch_api import BatchProvider
from summarizer.batch import BatchJob, BatchResult, run_batch
from summarizer.core.progress import BatchProgress
from summarizer.core.schema import Usage
from summarizer.offload.lines import RequestLine, ResultLine, parse_results, split_files, to_bytes
from summarizer.offload.plan import Plan, plan_requests
from summarizer.offload.replay import KeyNotingCache, replay_backend
from summarizer.offload.state import FINAL_BATCH, JobState

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
    in_flight: int = 0  # requests in batches not finished yet
    plan: Plan | None = None
    adopted: list[str] = field(default_factory=list)  # provider batches found, not created


def ingest(results: Sequence[ResultLine], state: JobState, *, batch_id: str) -> tuple[int, int]:
    """Keep every answer that came back; mark the lines that failed. (answered, failed)

    Answers are validated where a live answer is: by the live backend, when the next plan or
    the final build replays them (and stores them in the cache).
    """
    answered = failed = 0
    usage = Usage()
    known = {line.custom_id for line in state.lines_with("submitted", "failed")}
    for result in results:
        if result.custom_id not in known:
            continue  # not ours, or answered already
        if not result.ok:
            state.mark([result.custom_id], "failed", error=result.error)
            failed += 1
            continue
        assert result.body is not None
        usage = usage + _usage(result.body)
        state.store_answer(result.custom_id, result.body)
        answered += 1
    if batch_id:
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
    return answered, failed


async def prepare(
    job: BatchJob, cache: Cache, state: JobState, *, max_attempts: int
) -> tuple[Plan, list[RequestLine]]:
    """Plan, record new requests, and return those to send now (new or failed, not in flight)."""
    plan = await plan_requests(job, state.answer, cache)
    to_send: list[RequestLine] = []
    for line in plan.lines:
        if not state.add(line) and state.status_of(line.custom_id) == "answered":
            # Answered for another request body (the prompt or settings changed since).
            state.mark([line.custom_id], "pending")
        status = state.status_of(line.custom_id)
        if status == "pending" or (
            status == "failed" and state.attempts_of(line.custom_id) < max_attempts
        ):
            to_send.append(line)
    return plan, to_send


async def _send(
    job: BatchJob,
    cache: Cache,
    state: JobState,
    send: Callable[[int, list[RequestLine]], Awaitable[str]],
    *,
    max_attempts: int,
    max_requests: int | None,
    max_bytes: int | None,
) -> Round:
    """Plan, then hand every group of missing requests to `send`, which returns where the
    group went (a batch id, or a file); the group is then in flight there."""
    plan, to_send = await prepare(job, cache, state, max_attempts=max_attempts)
    result = Round(planned=len(plan.lines), plan=plan)
    for n, group in enumerate(split_files(to_send, **_limits(max_requests, max_bytes))):
        where = await send(n, group)
        state.mark([g.custom_id for g in group], "submitted", batch_id=where, attempt=True)
        result.submitted += len(group)
    result.in_flight = state.counts().get("submitted", 0)
    return result


async def submit(
    job: BatchJob,
    cache: Cache,
    state: JobState,
    provider: BatchProvider,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> Round:
    """Send every missing request that is not already in flight, split at the limits.

    Exactly once: the job's lock is held throughout (a second submit at once waits, then
    finds these requests in flight), and each batch carries the job's id and a digest of
    its requests, so a submit killed after the provider created a batch but before it was
    recorded adopts that batch on the next run instead of buying the requests again."""
    batches: list[str] = []
    adopted: list[str] = []

    async def upload(n: int, group: list[RequestLine]) -> str:
        metadata = {"summarizer_job": state.job_id(), "summarizer_group": group_digest(group)}
        found = await provider.find(metadata)
        if found is not None and not state.has_batch(found.batch_id):
            state.add_batch(found.batch_id, found.input_file_id, found.status, len(group))
            adopted.append(found.batch_id)
            return found.batch_id
        file_id = await provider.upload(f"summarizer-{int(time.time())}-{n}.jsonl", to_bytes(group))
        status = await provider.create(file_id, metadata)
        state.add_batch(status.batch_id, file_id, status.status, len(group))
        batches.append(status.batch_id)
        return status.batch_id

    async with state.locked():
        result = await _send(
            job, cache, state, upload,
            max_attempts=max_attempts, max_requests=max_requests, max_bytes=max_bytes,
        )  # fmt: skip
    result.batches = batches
    result.adopted = adopted
    return result


def group_digest(group: Sequence[RequestLine]) -> str:
    """What identifies a group of requests at the provider: a digest of their ids.

    Sorted: the order requests are captured in follows the live pipeline's concurrency, so a
    restarted submit may list the same group in another order and must still find its batch."""
    ids = sorted(g.custom_id for g in group)
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]


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


async def collect(state: JobState, provider: BatchProvider) -> Round:
    """Download the results of every finished batch into the cache (once per batch, under
    the job's lock: two collects at once count each answer once)."""
    async with state.locked():
        return await _collect(state, provider)


async def _collect(state: JobState, provider: BatchProvider) -> Round:
    await refresh(state, provider)
    result = Round()
    for row in state.open_batches():
        if row.status not in FINAL_BATCH:
            continue
        lines: list[ResultLine] = []
        for file_id in (row.output_file_id, row.error_file_id):
            if file_id:
                lines.extend(parse_results(await provider.download(file_id)))
        a, f = ingest(lines, state, batch_id=row.batch_id)
        result.answered += a
        result.failed += f
        state.set_collected(row.batch_id)
    result.in_flight = state.counts().get("submitted", 0)
    return result


async def finish(
    job: BatchJob,
    state: JobState,
    cache: Cache,
    *,
    live: bool = True,
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Build the outputs with the live batch, its answers replayed from the job.

    With `live`, whatever the job could not answer is asked live (the live path's repair
    retry and length split apply); without, those files fail with a line saying so.
    """
    backend, _transport = replay_backend(job.settings, state.answer, live=live)
    try:
        return await run_batch(job, backend, cache=KeyNotingCache(cache), progress=progress)
    finally:
        await backend.aclose()


async def run_via_api(
    job: BatchJob,
    cache: Cache,
    state: JobState,
    provider: BatchProvider,
    *,
    poll_s: float = 30.0,
    max_wait_s: float = 26 * 3600,
    live: bool = True,
    on_round: Callable[[str], None] | None = None,
    progress: BatchProgress | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BatchResult:
    """The one command that waits: rounds of submit → wait → collect until nothing is missing."""
    say = on_round or (lambda _message: None)
    deadline = clock() + max_wait_s
    while True:
        sent = await submit(job, cache, state, provider)
        if sent.submitted:
            say(f"submitted {sent.submitted} request(s) in {len(sent.batches)} batch(es)")
        if not sent.in_flight:
            break
        while any(s not in FINAL_BATCH for s in await refresh(state, provider)):
            if clock() > deadline:
                say("stopped waiting: run `summarizer batch-api collect` later to resume")
                raise TimeoutError("the batch job did not finish in time")
            await sleep(poll_s)
        got = await collect(state, provider)
        say(f"collected {got.answered} answer(s), {got.failed} failed")
    return await finish(job, state, cache, live=live, progress=progress)


# --------------------------------------------------------------------------- batch file


async def write_request_files(
    job: BatchJob,
    cache: Cache,
    state: JobState,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> Round:
    """`--via batch-file`: the missing requests as JSONL files in the output folder."""
    from summarizer.core.atomic import write_text_atomic

    stamp = time.strftime("%Y%m%d-%H%M%S")
    files: list[Path] = []

    async def write(n: int, group: list[RequestLine]) -> str:
        path = job.out_dir / f"batch-requests-{stamp}-{n}.jsonl"
        write_text_atomic(path, to_bytes(group).decode("utf-8"))
        files.append(path)
        return f"file:{path.name}"

    async with state.locked():
        result = await _send(
            job, cache, state, write,
            max_attempts=max_attempts, max_requests=max_requests, max_bytes=max_bytes,
        )  # fmt: skip
    result.files = files
    return result


def read_result_files(paths: Sequence[Path], state: JobState) -> Round:
    """Read output files of `vllm run-batch` (or any OpenAI-format runner) into the cache.

    A request of a request file that no result file answers stays in flight; pass the file
    that answers it, or delete the job state to start over.
    """
    result = Round()
    lines: list[ResultLine] = []
    for path in paths:
        lines.extend(parse_results(path.read_bytes()))
    result.answered, result.failed = ingest(lines, state, batch_id="")
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
    # One reading of a usage block for live and batch answers (DeepSeek's cache fields too).
    from summarizer.backends.openai_compat.transport import usage_from_dict

    return usage_from_dict(body)


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
