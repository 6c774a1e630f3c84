"""Which requests a batch job still needs: the live pipeline, run over a recording transport.

In: a `BatchJob`, the job's stored answers and the cache. Out: a `Plan`: every request whose
answer is neither in the cache nor stored in the job, exactly as the live path would send it,
keyed by the cache key the live path looked it up by; and which inputs are ready, waiting or
failing.

Recording through the live pipeline, rather than re-deriving its requests, keeps one source
of truth: the same chunking, prompts, output budgets and keys, and overview requests only once
the chunks they digest are answered (they come in the second round).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from summarizer.backends.cache import Cache
from summarizer.batch import BatchJob, one_line
from summarizer.offload.lines import RequestLine
from summarizer.offload.replay import Answers, KeyNotingCache, current_label, replay_backend


@dataclass
class Plan:
    lines: list[RequestLine] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)  # every request answered
    waiting: list[str] = field(default_factory=list)  # some request not answered yet
    failed: dict[str, str] = field(default_factory=dict)  # fails without a missing request


async def plan_requests(job: BatchJob, answers: Answers, cache: Cache) -> Plan:
    """Run every input through the live pipeline; collect the requests it could not answer."""
    from summarizer.pipeline import analyse, summarize_analysis, token_mode_for

    settings = job.settings.replace(refresh=False)
    recorded: dict[str, RequestLine] = {}
    backend, _transport = replay_backend(settings, answers, record=recorded)
    noting = KeyNotingCache(cache, writes=False)
    plan = Plan()
    try:
        for rel in job.inputs:
            before = len(recorded)
            current_label.set(rel)
            try:
                analysis = analyse(job.root / rel, settings, tokens=token_mode_for(backend))
                await summarize_analysis(
                    analysis,
                    backend,
                    settings=settings,
                    cache=noting,  # type: ignore[arg-type]
                    partial=False,
                )
            except Exception as e:  # noqa: BLE001 - the final live batch reports it the same way
                if len(recorded) == before:
                    plan.failed[rel] = one_line(e, str(job.root / rel))
                    continue
            # An overview that could not be answered is composed instead: still waiting.
            (plan.waiting if len(recorded) > before else plan.ready).append(rel)
    finally:
        await backend.aclose()
    plan.lines = list(recorded.values())
    return plan
