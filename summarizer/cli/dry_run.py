"""The `--dry-run` table: chunks, tokens and estimated cost per model, no model call."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from summarizer.pricing import BATCH_PRICE_SHARE, PRICES, estimate


def print_estimate(
    analyses: list[Any],
    settings: Any,
    price_in: float | None,
    price_out: float | None,
    console: Console,
    *,
    batch: bool = False,
) -> None:
    """The estimate per model; with `batch`, the Batch API price beside the live one."""
    chunk_tokens = [c.tokens for a in analyses for c in a.chunks]
    reports = sum(len(a.reports) for a in analyses)
    console.print(
        f"{len(analyses)} file(s), {reports} report(s), {len(chunk_tokens)} chunk(s), "
        f"{sum(chunk_tokens):,} tokens of text"
    )
    table = Table(title="Estimated cost (no model called)")
    columns = ["model", "calls", "prompt tokens", "completion tokens", "USD"]
    if batch:
        columns = [*columns[:-1], "USD live", "USD batch"]
    for col in columns:
        table.add_column(col, justify="left" if col == "model" else "right")
    models = [settings.resolved_model] + [m for m in PRICES if m != settings.resolved_model]
    for model in models:
        est = estimate(
            chunk_tokens,
            reports,
            model,
            overview=settings.overview,
            price_in=price_in if model == settings.resolved_model else None,
            price_out=price_out if model == settings.resolved_model else None,
        )
        usd = f"${est.usd:.4f}" if est.usd is not None else "?"
        name = f"[bold]{model}[/] (configured)" if model == settings.resolved_model else model
        cells = [name, str(est.calls), f"{est.prompt_tokens:,}", f"{est.completion_tokens:,}", usd]
        if batch:
            share = est.usd * BATCH_PRICE_SHARE if est.usd is not None else None
            cells.append(f"${share:.4f}" if share is not None else "?")
        table.add_row(*cells)
    console.print(table)
