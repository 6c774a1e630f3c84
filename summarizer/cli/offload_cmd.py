"""`summarizer batch-api submit|status|collect`, and `batch --via batch-api|batch-file`.

Long jobs in steps: `submit` sends what the cache cannot answer and returns; `status` asks the
provider; `collect` stores finished answers, sends the next round (overviews, failed lines)
and writes the outputs once nothing is missing. The job lives in OUTDIR, so `status` and
`collect` take only the output folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from summarizer.cli._options import build_settings, model_options, run_options

_NO_LIVE = click.option(
    "--no-live-repair",
    is_flag=True,
    default=False,
    help="Fail the files whose answers the batch could not give (invalid, cut at the output "
    "limit, failed three times) instead of asking for them live.",
)


def run_offloaded(
    root: Path,
    target: Path,
    inputs: list[str],
    settings: Any,
    *,
    via: str,
    results: tuple[str, ...],
    poll_s: float,
    live: bool,
    formats: tuple[str, ...],
    price_in: float | None,
    price_out: float | None,
    zones: Any = None,
) -> int:
    """`batch --via ...`: the exit code of the run (`zones`: a zones file's rules)."""
    from rich.console import Console

    from summarizer.backends.base import backend_class, resolve_backend_name
    from summarizer.batch import BatchJob
    from summarizer.offload import job as jobs
    from summarizer.pipeline import run_quietly

    err = Console(stderr=True)
    if not backend_class(resolve_backend_name(settings)).offloadable:
        raise click.UsageError(
            f"--via {via} sends requests to a model: set an API key or --backend openai"
        )
    job = BatchJob(
        root=root,
        out_dir=target,
        inputs=inputs,
        settings=settings,
        formats=formats,
        price_in=price_in,
        price_out=price_out,
        zones=zones,
    )
    if via == "batch-api":

        def say(message: str) -> None:
            err.print(message, markup=False, highlight=False)

        result = run_quietly(jobs.wait_job(job, poll_s=poll_s, live=live, say=say))
        return _finished(result, target, price_in, price_out)
    step = run_quietly(jobs.file_job(job, [Path(r) for r in results], live=live))
    _print_step(step, err)
    if step.result is not None:
        return _finished(step.result, target, price_in, price_out)
    assert step.sent is not None
    for path in step.sent.files:
        err.print(
            f"run it, e.g.: vllm run-batch -i {path} -o {path.with_suffix('.out.jsonl')} "
            f"--model {settings.resolved_model}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    err.print(
        "then: the same command with --results FILE for each output file",
        markup=False,
        highlight=False,
    )
    return 0


def _finished(result: Any, target: Path, price_in: float | None, price_out: float | None) -> int:
    from rich.console import Console

    from summarizer.cli._batch_table import print_summary

    print_summary(result, target, Console(), price_in=price_in, price_out=price_out)
    if result.fatal is not None:
        raise result.fatal
    return 1 if result.any_failed else 0


def _print_step(step: Any, console: Any) -> None:
    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    if step.collected is not None:
        c = step.collected
        line(f"collected: {c.answered} answered, {c.failed} failed")
    if step.sent is not None:
        s = step.sent
        where = f"{len(s.batches)} batch(es)" if s.batches else f"{len(s.files)} file(s)"
        line(
            f"missing answers: {s.planned}; sent now: {s.submitted} in {where}; in flight: {s.in_flight}"
        )
        for path in s.files:
            line(f"requests: {path}")
        for batch_id in s.batches:
            line(f"batch: {batch_id}")
        for batch_id in s.adopted:
            line(
                f"batch: {batch_id} (already at the provider, made by an earlier submit that "
                "stopped before recording it: adopted, not bought again)"
            )
    counts = step.counts
    if counts:
        line("requests: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@click.group(name="batch-api")
def batch_api() -> None:
    """A batch job through the provider's Batch API, in steps (submit, status, collect).

    `summarizer batch DIR -o OUT --via batch-api` does all three and waits.
    """


@batch_api.command()
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Output folder; the job's state is kept in it.",
)
@click.option(
    "--glob",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only inputs matching this pattern (repeatable).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown", "html"]),
    default="json",
    show_default=True,
    help="Extra outputs written at the end.",
)
@model_options
@run_options
@click.pass_context
def submit(
    ctx: click.Context,
    /,
    directory: str,
    out_dir: str,
    patterns: tuple[str, ...],
    fmt: str,
    dry_run: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Send every request the cache cannot answer as batch files; print the batch ids."""
    from rich.console import Console

    from summarizer.backends.base import backend_class, resolve_backend_name
    from summarizer.batch import BatchJob, walk_inputs
    from summarizer.offload import job as jobs
    from summarizer.pipeline import run_quietly

    settings = build_settings(ctx, **flags)
    if not backend_class(resolve_backend_name(settings)).offloadable:
        raise click.UsageError(
            "a batch job sends requests to a model: set an API key or --backend openai"
        )
    root, target = Path(directory), Path(out_dir)
    inputs = walk_inputs(root, patterns=patterns, exclude=[target, settings.cache_dir])
    if not inputs:
        raise click.UsageError(f"no inputs under {directory}")
    formats = tuple(f for f in (fmt,) if f != "json")
    step = run_quietly(jobs.submit_job(BatchJob(root, target, inputs, settings, formats=formats)))
    _print_step(step, Console())


@batch_api.command()
@click.argument("out_dir", metavar="OUTDIR", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the state as JSON.")
def status(out_dir: str, as_json: bool) -> None:
    """Ask the provider how the job's batches stand."""
    from rich.console import Console
    from rich.table import Table

    from summarizer.offload import job as jobs
    from summarizer.pipeline import run_quietly

    step = run_quietly(jobs.status_job(out_dir))
    if as_json:
        rows = [
            {
                "batch_id": b.batch_id,
                "status": b.status,
                "requests": b.requests,
                "completed": b.completed,
                "failed": b.failed,
                "collected": b.collected,
            }
            for b in step.batches
        ]
        print(json.dumps({"batches": rows, "requests": step.counts}, ensure_ascii=False))
        return
    table = Table(title=f"Batch job: {out_dir}")
    for col in ("batch", "status", "requests", "completed", "failed", "collected"):
        table.add_column(col, justify="left" if col in ("batch", "status") else "right")
    for b in step.batches:
        table.add_row(
            b.batch_id,
            b.status,
            str(b.requests),
            str(b.completed),
            str(b.failed),
            "yes" if b.collected else "no",
        )
    console = Console()
    console.print(table)
    _print_step(jobs.Step(counts=step.counts), console)


@batch_api.command()
@click.argument("out_dir", metavar="OUTDIR", type=click.Path(exists=True, file_okay=False))
@_NO_LIVE
def collect(out_dir: str, no_live_repair: bool) -> None:
    """Store finished answers, send the next round, and write the outputs when complete."""
    from rich.console import Console

    from summarizer.offload import job as jobs
    from summarizer.pipeline import run_quietly

    step = run_quietly(jobs.collect_job(out_dir, live=not no_live_repair))
    _print_step(step, Console(stderr=True))
    if step.result is None:
        Console(stderr=True).print("not finished: run collect again later", markup=False)
        return
    sys.exit(_finished(step.result, Path(out_dir), None, None))
