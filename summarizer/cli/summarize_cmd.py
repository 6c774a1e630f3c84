"""`summarizer summarize FILE`: one file, rendered as rich, JSON, Markdown or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from summarizer.cli._options import build_settings, model_options, run_options

FORMATS = ["rich", "json", "markdown", "html"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: rich on a terminal, json with -o *.json).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of stdout.",
)
@model_options
@run_options
@click.pass_context
def summarize(
    ctx: click.Context,
    /,
    file: str,
    fmt: str | None,
    output: str | None,
    dry_run: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Summarize one report file (achievements, problems, plans with evidence)."""
    from rich.console import Console

    from summarizer.pipeline import analyse, resolve_backend_name, run_quietly, token_mode_for

    settings = build_settings(ctx, **flags)
    err = Console(stderr=True)
    fmt = fmt or _format_for(output)
    backend_name = resolve_backend_name(settings)
    analysis = analyse(file, settings, tokens="exact" if dry_run else token_mode_for(backend_name))
    if dry_run:
        from summarizer.cli.dry_run import print_estimate

        print_estimate([analysis], settings, price_in, price_out, Console())
        return
    if settings.backend == "auto" and backend_name == "offline":
        err.print(
            f"[dim]No API key in {settings.resolved_key_env}: using the offline rule-based backend "
            "(set the key or pass --backend openai to use a model).[/dim]"
        )
    doc = run_quietly(_run(analysis, backend_name, settings, err))
    for w in doc.warnings:
        err.print(f"[yellow]warning:[/] {w}")
    write_document(doc, analysis, fmt, output)


async def _run(analysis: Any, backend_name: str, settings: Any, err: Any) -> Any:
    from summarizer.progress import announce_waits

    undo = announce_waits(err)
    try:
        return await _run_with(analysis, backend_name, settings, err)
    finally:
        undo()


async def _run_with(analysis: Any, backend_name: str, settings: Any, err: Any) -> Any:
    from summarizer.pipeline import backend_session, summarize_analysis

    async with backend_session(backend_name, settings) as (backend, cache):
        if backend_name == "offline" or not err.is_terminal:
            return await summarize_analysis(analysis, backend, settings=settings, cache=cache)
        # Model calls take seconds each: show them on a terminal, and leave no trace after.
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from summarizer.progress import LiveColumn

        columns = (
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            LiveColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("chunks", total=len(analysis.chunks))
            return await summarize_analysis(
                analysis,
                backend,
                settings=settings,
                cache=cache,
                on_chunk=lambda _outcome: progress.advance(task),
            )


def _format_for(output: str | None) -> str:
    if output is None:
        return "rich"
    suffix = Path(output).suffix.lower()
    return {".json": "json", ".md": "markdown", ".html": "html", ".htm": "html"}.get(suffix, "json")


def render_document(doc: Any, analysis: Any, fmt: str) -> str:
    """The document as text in one of the file formats (json, markdown, html)."""
    if fmt == "json":
        return str(doc.model_dump_json(indent=2)) + "\n"
    if fmt == "markdown":
        from summarizer.render.markdown import render_markdown

        return render_markdown(doc)
    if fmt == "html":
        from summarizer.render.html import render_html

        return render_html(doc, analysis.clean.text, list(analysis.clean.masks))
    raise click.UsageError(f"format {fmt!r} cannot be written to a file")


def write_document(doc: Any, analysis: Any, fmt: str, output: str | None) -> None:
    if fmt == "rich":
        from rich.console import Console

        from summarizer.render.rich_view import render_rich

        if output:
            with open(output, "w", encoding="utf-8") as fh:
                render_rich(doc, Console(file=fh, width=100, color_system=None))
        else:
            render_rich(doc, Console())
        return
    text = render_document(doc, analysis, fmt)
    if output:
        from summarizer.atomic import write_text_atomic

        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
