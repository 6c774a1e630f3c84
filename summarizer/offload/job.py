"""A batch job kept in its output folder: the steps `submit`, `status`, `collect` as functions.

In: a `BatchJob` (for submit) or the output folder (the job's settings, input folder and
inputs are stored in its state at submit time). Out: `Round`s saying what each step did and,
when nothing is missing any more, the live batch's `BatchResult`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.backends.cache import Cache
from summarizer.backends.openai_compat.batch_api import BatchProvider
from summarizer.batch import BatchJob, BatchResult
from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, InputError
from summarizer.core.progress import BatchProgress
from summarizer.core.redact import redact_url
from summarizer.offload import run
from summarizer.offload.state import STATE_NAME, BatchRow, JobState


@dataclass
class Step:
    """What a step did, and the batch's result when it finished the job."""

    collected: run.Round | None = None
    sent: run.Round | None = None
    result: BatchResult | None = None
    batches: list[BatchRow] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The settings as the job keeps them: the endpoint pinned (a collect from another shell
    without OPENAI_BASE_URL must not send the key elsewhere), its password as ***, and the
    cache folder absolute (a collect from another folder uses the same cache)."""
    from summarizer.backends.openai_compat import DEFAULT_BASE_URL

    dump = getattr(settings, "model_dump", None)
    data: dict[str, Any] = dump(mode="json") if dump else dataclasses.asdict(settings)
    data["base_url"] = redact_url(settings.resolved_base_url() or DEFAULT_BASE_URL)
    data["cache_dir"] = str(Path(settings.cache_dir).expanduser().resolve())
    return data


def pinned_base_url(stored: str) -> str:
    """The job's endpoint with its password, which the job does not keep: taken from
    OPENAI_BASE_URL or SUMMARIZER_BASE_URL when that is the same URL."""
    if "***@" not in stored:
        return stored
    for name in ("SUMMARIZER_BASE_URL", "OPENAI_BASE_URL"):
        given = os.environ.get(name)
        if given and redact_url(given) == stored:
            return given
    raise ConfigError(
        f"the job's endpoint {stored} has a password the job does not keep: set "
        "SUMMARIZER_BASE_URL to the full URL, then run the command again"
    )


def at_batch_price(job: BatchJob) -> BatchJob:
    """The job with its cost counted at the Batch API's price (unless prices were given)."""
    from summarizer.backends.pricing import BATCH_PRICE_SHARE, price_of

    if job.price_in is not None or job.price_out is not None:
        return job
    price = price_of(job.settings.resolved_model)
    if price is None:
        return job
    return dataclasses.replace(
        job, price_in=price[0] * BATCH_PRICE_SHARE, price_out=price[1] * BATCH_PRICE_SHARE
    )


def load_job(out_dir: str | Path) -> BatchJob:
    """The job stored in `out_dir` by `submit`."""
    path = Path(out_dir) / STATE_NAME
    if not path.is_file():
        raise InputError(f"no batch job in {out_dir}: run `summarizer batch-api submit` first")
    with JobState(path) as state:
        stored = state.meta("job")
    if not isinstance(stored, dict):
        raise InputError(f"{path}: the job was not stored; submit it again")
    settings = dict(stored["settings"])
    if settings.get("base_url"):
        settings["base_url"] = pinned_base_url(settings["base_url"])
    return BatchJob(
        root=Path(stored["root"]),
        out_dir=Path(out_dir),
        inputs=list(stored["inputs"]),
        settings=Settings(**settings),
        formats=tuple(stored.get("formats") or ()),
    )


@contextlib.asynccontextmanager
async def open_job(job: BatchJob) -> AsyncIterator[tuple[Cache, JobState, BatchProvider]]:
    """The cache, the job state and the provider's endpoints, closed on the way out."""
    if not job.settings.use_cache:
        raise ConfigError("a batch job keeps its answers in the cache: drop --no-cache")
    provider = BatchProvider.for_settings(job.settings)
    cache = Cache.open(job.settings.cache_dir)
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
        yield cache, state, provider
    finally:
        state.close()
        cache.close()
        await provider.aclose()


async def submit_job(job: BatchJob) -> Step:
    async with open_job(job) as (cache, state, provider):
        sent = await run.submit(job, cache, state, provider)
        return Step(sent=sent, batches=state.batches(), counts=state.counts())


async def status_job(out_dir: str | Path) -> Step:
    job = load_job(out_dir)
    async with open_job(job) as (_cache, state, provider):
        await run.refresh(state, provider)
        return Step(batches=state.batches(), counts=state.counts())


async def collect_job(
    out_dir: str | Path, *, live: bool = True, progress: BatchProgress | None = None
) -> Step:
    """Collect finished batches; submit the next round if one is due; finish when complete."""
    job = load_job(out_dir)
    async with open_job(job) as (cache, state, provider):
        collected = await run.collect(state, provider)
        step = Step(collected=collected)
        if not collected.in_flight:
            step.sent = await run.submit(job, cache, state, provider)
            if not step.sent.in_flight:
                step.result = await run.finish(
                    at_batch_price(job), state, cache, live=live, progress=progress
                )
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
    async with open_job(job) as (cache, state, provider):
        result = await run.run_via_api(
            at_batch_price(job),
            cache,
            state,
            provider,
            poll_s=poll_s,
            live=live,
            on_round=say,
            progress=progress,
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
    async with open_job(job) as (cache, state, _provider):
        step = Step()
        if results:
            step.collected = run.read_result_files(results, state)
        step.sent = await run.write_request_files(job, cache, state)
        if not step.sent.in_flight:
            step.result = await run.finish(
                at_batch_price(job), state, cache, live=live, progress=progress
            )
        step.batches, step.counts = state.batches(), state.counts()
        return step
