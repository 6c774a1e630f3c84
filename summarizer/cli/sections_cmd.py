"""`summarizer sections FILE`: what the tool sees in a file, without calling any model."""

from __future__ import annotations

import json
from typing import Any

import click

from summarizer.cli._options import build_settings, estimate_options, model_options


def analysis_json(analysis: Any) -> dict[str, Any]:
    """The reports, flattened section tree, chunks and masks as plain JSON data."""
    reports = []
    for r in analysis.reports:
        parts = []
        for part in r.parts:
            for s in part.walk():
                heading = f"{s.number}{s.title}" if s.number or s.title else ""
                parts.append(
                    {
                        "kind": s.kind,
                        "heading": heading,
                        "start": s.start,
                        "end": s.end,
                        "level": s.level,
                        "confidence": s.confidence,
                    }
                )
        reports.append({"title": r.title, "start": r.start, "end": r.end, "parts": parts})
    chunks = [
        {
            "report": c.report,
            "kind": c.kind,
            "path": list(c.path),
            "start": c.start,
            "end": c.end,
            "tokens": c.tokens,
        }
        for c in analysis.chunks
    ]
    masked = [{"start": m.start, "end": m.end, "why": m.why} for m in analysis.clean.masks]
    return {"reports": reports, "chunks": chunks, "masked": masked}


@click.command()
@click.argument("file", type=click.Path(dir_okay=True))
@model_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the tables.")
@estimate_options
@click.pass_context
def sections(
    ctx: click.Context,
    /,
    file: str,
    as_json: bool,
    price_in: float | None,
    price_out: float | None,
    **flags: Any,
) -> None:
    """Show reports, section tree, masked cruft, chunks and the cost estimate of FILE."""
    from summarizer.cli.dry_run import estimate_for, sizes_of
    from summarizer.pipeline import analyse

    settings = build_settings(ctx, **flags)
    # The chunks a model run would cut: estimates, exact BPE counts only near the budget.
    analysis = analyse(file, settings, tokens="budget")
    cost = estimate_for(
        [sizes_of(analysis)], settings, settings.resolved_model, price_in, price_out
    )
    if as_json:
        data = analysis_json(analysis)
        data["estimate"] = {
            "model": cost.model,
            "calls": cost.calls,
            "prompt_tokens": cost.prompt_tokens,
            "completion_tokens": cost.completion_tokens,
            "usd": cost.usd,
        }
        data["warnings"] = analysis.warnings
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print(analysis, cost)


def _print(analysis: Any, cost: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    from summarizer.lexicon.words import HeadingLevel
    from summarizer.render.format import plural

    console = Console()
    text = analysis.clean.text
    console.print(
        f"[bold]{analysis.source.path}[/] · {len(text):,} chars · {analysis.source.encoding} · "
        f"{len(analysis.reports)} report(s)"
    )
    colours = {
        "preamble": "dim",
        "achievements": "green",
        "problems": "red",
        "plans": "blue",
        "other": "magenta",
    }
    for r in analysis.reports:
        tree = Tree(
            f"[bold]Report {r.index + 1}[/]: {r.title or '(untitled)'}  [dim]{r.start}–{r.end}[/]"
        )

        def add(node: Any, s: Any) -> None:
            label = (
                f"{s.number}{s.title}"
                if (s.number or s.title)
                else "(preamble)"
                if s.kind == "preamble"
                else "(inline part)"
            )
            child = node.add(
                f"[{colours[s.kind]}]{s.kind if s.level <= HeadingLevel.PART else ''}[/] {label[:60]} [dim]{s.start}–{s.end}[/]"
            )
            for c in s.children:
                add(child, c)

        for part in r.parts:
            add(tree, part)
        console.print(tree)
    if analysis.clean.masks:
        masks = Table(title="Masked", show_lines=False)
        masks.add_column("span", style="dim")
        masks.add_column("why")
        masks.add_column("text")
        for m in analysis.clean.masks:
            masks.add_row(
                f"{m.start}–{m.end}", m.why, text[m.start : m.end].replace("\n", "⏎")[:50]
            )
        console.print(masks)
    chunks = Table(title="Chunks")
    for col in ("#", "report", "kind", "tokens", "span", "breadcrumb"):
        chunks.add_column(col, justify="right" if col in ("#", "tokens", "report") else "left")
    for c in analysis.chunks:
        chunks.add_row(
            str(c.index),
            str(c.report + 1),
            c.kind,
            f"{c.tokens:,}",
            f"{c.start}–{c.end}",
            " › ".join(c.path)[:60],
        )
    console.print(chunks)
    console.print(
        "[dim]tokens: estimated from character classes, counted exactly only where a chunk "
        "is near the budget (as a model run cuts them).[/dim]"
    )
    usd = (
        f"${cost.usd:.4f}" if cost.usd is not None else "unknown price (use --price-in/--price-out)"
    )
    console.print(
        f"Estimate for [bold]{cost.model}[/]: {plural(cost.calls, 'call')}, "
        f"{cost.prompt_tokens:,} prompt + "
        f"{cost.completion_tokens:,} completion tokens, {usd}"
    )
    for w in analysis.warnings:
        console.print(f"[yellow]warning:[/] {w}")
