"""`summarizer batch DIR`: every report under a folder, one JSON each, an index and a table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from summarizer.cli import obj
from summarizer.cli._options import build_settings, model_options, run_options


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder (default: ./<DIR name>-summaries). Mirrors DIR: a/b.txt → a/b.txt.json.",
)
@click.option(
    "--glob",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only inputs matching this pattern, e.g. '*.txt' (repeatable; default: every "
    "supported extension).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown", "html"]),
    default="json",
    show_default=True,
    help="JSON is always written; markdown adds .md files and README.md, html adds .html "
    "files and index.html.",
)
@model_options
@run_options
@click.pass_context
def batch(
    ctx: click.Context,
    /,
    directory: str,
    out_dir: str | None,
    patterns: tuple[str, ...],
    fmt: str,
    dry_run: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Summarize every report under DIR (recursively) into OUTDIR.

    Writes one JSON per input mirroring the tree, and OUTDIR/index.jsonl with a line per
    input (status ok|failed|skipped, findings, tokens, cost, error). Hidden files and
    folders and OUTDIR itself are skipped. Re-running the same command resumes: inputs
    whose JSON exists for the same file content are skipped (--refresh redoes them).
    Exit 0 when every input succeeded, 1 when any failed, 3 on an authentication or
    configuration error (the batch stops at the first), 130 on Ctrl-C.
    """
    from rich.console import Console

    from summarizer.batch import default_out_dir, walk_inputs
    from summarizer.pipeline import resolve_backend_name

    settings = build_settings(ctx, **flags)
    quiet = bool(obj(ctx)["quiet"])
    err = Console(stderr=True)
    out = Console()
    root = Path(directory)
    target = Path(out_dir) if out_dir else default_out_dir(root)
    inputs = walk_inputs(root, patterns=patterns, exclude=[target, settings.cache_dir])
    if not inputs:
        wanted = " ".join(patterns) if patterns else "supported files"
        err.print(f"No inputs ({wanted}) under {directory}.", markup=False, highlight=False)
        return
    if dry_run:
        sys.exit(_dry_run(root, inputs, settings, price_in, price_out, out, err))
    backend_name = resolve_backend_name(settings)
    if settings.backend == "auto" and backend_name == "offline":
        err.print(
            f"[dim]No API key in {settings.resolved_key_env}: using the offline rule-based backend "
            "(set the key or pass --backend openai to use a model).[/dim]"
        )
    sys.exit(_run(root, target, inputs, settings, backend_name, fmt, price_in, price_out, quiet))


def _run(
    root: Path,
    target: Path,
    inputs: list[str],
    settings: Any,
    backend_name: str,
    fmt: str,
    price_in: float | None,
    price_out: float | None,
    quiet: bool,
) -> int:
    from rich.console import Console

    from summarizer.batch import BatchJob, cost_of, summarize_tree
    from summarizer.progress import announce_waits, make_progress

    err = Console(stderr=True)
    job = BatchJob(
        root=root,
        out_dir=target,
        inputs=inputs,
        settings=settings,
        formats=tuple(f for f in (fmt,) if f != "json"),
        price_in=price_in,
        price_out=price_out,
    )
    model = settings.resolved_model if backend_name == "openai" else None
    progress = make_progress(
        err, lambda usage: cost_of(model, usage, price_in, price_out), quiet=quiet
    )
    undo = None if quiet else announce_waits(err)
    try:
        result = summarize_tree(job, backend_name, progress=progress)
    finally:
        if undo is not None:
            undo()
    print_summary(result, target, Console(), price_in=price_in, price_out=price_out)
    if result.interrupted:
        err.print(
            f"Interrupted: {len(result.this_run)} of {len(inputs)} input(s) finished; "
            "run the same command again to resume.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return 130
    if result.fatal is not None:
        # Re-raised so the CLI's one error mapping prints it (redacted) and exits 3.
        raise result.fatal
    return 1 if result.any_failed else 0


def print_summary(
    result: Any,
    target: Path,
    console: Any,
    *,
    price_in: float | None = None,
    price_out: float | None = None,
) -> None:
    """The end-of-run table: statuses, findings per kind, verified share, tokens, cost, time."""
    from rich.table import Table

    from summarizer.batch import INDEX_NAME, totals_of

    t = totals_of(result.this_run)
    table = Table(title=f"Batch: {target}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("files ok / failed / skipped", f"{t.ok} / {t.failed} / {t.skipped}")
    f = t.findings
    table.add_row(
        "findings (成绩 / 问题 / 计划 / 其他)",
        f"{f.get('achievement', 0)} / {f.get('problem', 0)} / {f.get('plan', 0)} / "
        f"{f.get('other', 0)}",
    )
    share = t.verified_share
    table.add_row("verified", "—" if share is None else f"{share:.1%}")
    u = t.usage
    table.add_row("model calls", f"{u.calls:,}")
    table.add_row(
        "tokens (prompt / completion / cached)",
        f"{u.prompt_tokens:,} / {u.completion_tokens:,} / {u.cached_tokens:,}",
    )
    cost = "?" if t.cost_usd is None else f"${t.cost_usd:.4f}"
    table.add_row(f"estimated cost ({result.model or 'no model'})", cost)
    table.add_row("wall time", f"{result.elapsed_s:.1f}s")
    console.print(table)
    for r in result.this_run:
        if r.status == "failed":
            console.print(
                f"failed: {r.path}: {r.error}", markup=False, highlight=False, soft_wrap=True
            )
    console.print(f"Index: {target / INDEX_NAME}", markup=False, highlight=False, soft_wrap=True)


def _dry_run(
    root: Path,
    inputs: list[str],
    settings: Any,
    price_in: float | None,
    price_out: float | None,
    out: Any,
    err: Any,
) -> int:
    """Analyse every input (no model call) and print the estimate; 1 if any input failed."""
    from dataclasses import dataclass

    from summarizer.batch import one_line
    from summarizer.cli.dry_run import print_estimate
    from summarizer.pipeline import analyse

    @dataclass(frozen=True)
    class _Tokens:
        tokens: int

    @dataclass(frozen=True)
    class _Sizes:
        # Only what the estimate reads, so a huge tree is not held in memory as analyses.
        chunks: list[_Tokens]
        reports: list[None]

    sizes: list[_Sizes] = []
    failed = 0
    for rel in inputs:
        try:
            a = analyse(root / rel, settings)
        except Exception as e:  # noqa: BLE001 - report and carry on, like a real run
            failed += 1
            err.print(
                f"failed: {rel}: {one_line(e, str(root / rel))}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            continue
        sizes.append(_Sizes([_Tokens(c.tokens) for c in a.chunks], [None] * len(a.reports)))
    print_estimate(sizes, settings, price_in, price_out, out)
    return 1 if failed else 0
