"""A batch job kept in its output folder: the steps `submit`, `status`, `collect` as functions.

In: a `BatchJob` (for submit) or the output folder (the job's settings, input folder and
inputs are stored in its state at submit time). Out: `Round`s saying what each step did and,
when nothing is missing any more, the live batch's `BatchResult`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.batch import BatchJob, BatchResult
from summarizer.cache import Cache
from summarizer.config import Settings
from summarizer.errors import ConfigError, InputError
from summarizer.extract import Backend
from summarizer.offload import run
from summarizer.offload.provider import BatchProvider
from summarizer.offload.state import STATE_NAME, BatchRow, JobState
from summarizer.progress import BatchProgress


@dataclass
class Step:
    """What a step did, and the batch's result when it finished the job."""

    collected: run.Round | None = None
    sent: run.Round | None = None
    result: BatchResult | None = None
    batches: list[BatchRow] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    dump = getattr(settings, "model_dump", None)
    data: dict[str, Any] = dump(mode="json") if dump else dataclasses.asdict(settings)
    return data


def load_job(out_dir: str | Path) -> BatchJob:
    """The job stored in `out_dir` by `submit`."""
    path = Path(out_dir) / STATE_NAME
    if not path.is_file():
        raise InputError(f"no batch job in {out_dir}: run `summarizer batch-api submit` first")
    with JobState(path) as state:
        stored = state.meta("job")
    if not isinstance(stored, dict):
        raise InputError(f"{path}: the job was not stored; submit it again")
    return BatchJob(
        root=Path(stored["root"]),
        out_dir=Path(out_dir),
        inputs=list(stored["inputs"]),
        settings=Settings(**stored["settings"]),
        formats=tuple(stored.get("formats") or ()),
    )


@contextlib.asynccontextmanager
async def open_job(job: BatchJob) -> AsyncIterator[tuple[Backend, Cache, JobState]]:
    """The live backend, the cache and the job state, closed on the way out."""
    from summarizer.pipeline import backend_session

    if not job.settings.use_cache:
        raise ConfigError("a batch job keeps its answers in the cache: drop --no-cache")
    async with backend_session("openai", job.settings) as (backend, cache):
        assert cache is not None
        state = JobState.open(job.out_dir)
        try:
            state.set_meta(
                "job",
                {
                    "root": str(job.root.resolve()),
                    "inputs": job.inputs,
                    "settings": settings_to_dict(job.settings),
                    "formats": list(job.formats),
                },
            )
            yield backend, cache, state
        finally:
            state.close()


async def submit_job(job: BatchJob) -> Step:
    async with open_job(job) as (backend, cache, state):
        sent = await run.submit(job, backend, cache, state, BatchProvider.for_backend(backend))
        return Step(sent=sent, batches=state.batches(), counts=state.counts())


async def status_job(out_dir: str | Path) -> Step:
    job = load_job(out_dir)
    async with open_job(job) as (backend, _cache, state):
        await run.refresh(state, BatchProvider.for_backend(backend))
        return Step(batches=state.batches(), counts=state.counts())


async def collect_job(
    out_dir: str | Path, *, live: bool = True, progress: BatchProgress | None = None
) -> Step:
    """Collect finished batches; submit the next round if one is due; finish when complete."""
    job = load_job(out_dir)
    async with open_job(job) as (backend, cache, state):
        provider = BatchProvider.for_backend(backend)
        collected = await run.collect(state, cache, provider)
        step = Step(collected=collected)
        if not collected.in_flight:
            step.sent = await run.submit(job, backend, cache, state, provider)
            if not step.sent.in_flight:
                step.result = await run.finish(job, backend, cache, live=live, progress=progress)
        step.batches, step.counts = state.batches(), state.counts()
        return step


async def wait_job(
    job: BatchJob,
    *,
    poll_s: float = 30.0,
    live: bool = True,
    progress: BatchProgress | None = None,
    say: Any = None,
) -> BatchResult:
    """`batch --via batch-api`: submit, wait, collect, until every output is written."""
    async with open_job(job) as (backend, cache, state):
        result = await run.run_via_api(
            job,
            backend,
            cache,
            state,
            BatchProvider.for_backend(backend),
            poll_s=poll_s,
            live=live,
            on_round=say,
        )
        return result


async def file_job(
    job: BatchJob,
    results: Sequence[Path],
    *,
    live: bool = True,
    progress: BatchProgress | None = None,
) -> Step:
    """`batch --via batch-file`: read result files given, then write the next request files
    or, when nothing is missing, the outputs."""
    async with open_job(job) as (backend, cache, state):
        step = Step()
        if results:
            step.collected = run.read_result_files(results, state, cache)
        step.sent = await run.write_request_files(job, backend, cache, state)
        if not step.sent.in_flight:
            step.result = await run.finish(job, backend, cache, live=live, progress=progress)
        step.batches, step.counts = state.batches(), state.counts()
        return step
