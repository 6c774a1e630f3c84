"""The `--dry-run` estimate: chunks, calls, tokens and cost per model, no model call.

The calls counted are the ones a run makes: one per chunk, plus one overview call for each
report of more than one chunk (a report in one chunk gets its overview in that call).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import click
from rich.console import Console
from rich.table import Table

from summarizer.backends.pricing import BATCH_PRICE_SHARE, PRICES, CostEstimate, estimate
from summarizer.core.config import Settings
from summarizer.render.format import plural


class _Sized(Protocol):
    @property
    def tokens(self) -> int: ...

    @property
    def report(self) -> int: ...


class _Analysed(Protocol):
    @property
    def chunks(self) -> Sequence[_Sized]: ...

    @property
    def reports(self) -> Sequence[object]: ...


@dataclass(frozen=True)
class Sizes:
    """What an estimate needs of one analysed file (so a batch need not keep analyses)."""

    chunk_tokens: list[int]
    reports: int
    overview_calls: int


def overview_calls(analysis: _Analysed) -> int:
    """Reports whose overview takes its own call: those not in exactly one chunk."""
    per_report = [0] * len(analysis.reports)
    for c in analysis.chunks:
        per_report[c.report] += 1
    return sum(1 for n in per_report if n != 1)


def sizes_of(analysis: _Analysed) -> Sizes:
    return Sizes(
        [c.tokens for c in analysis.chunks], len(analysis.reports), overview_calls(analysis)
    )


def estimate_for(
    sizes: Sequence[Sizes],
    settings: Settings,
    model: str,
    price_in: float | None = None,
    price_out: float | None = None,
) -> CostEstimate:
    """The cost of running these files through `model`, counting the calls a run makes."""
    return estimate(
        [t for s in sizes for t in s.chunk_tokens],
        sum(s.overview_calls for s in sizes),
        model,
        overview=settings.overview,
        price_in=price_in,
        price_out=price_out,
    )


def print_estimate(
    analyses: Sequence[_Analysed | Sizes],
    settings: Settings,
    price_in: float | None,
    price_out: float | None,
    console: Console,
    *,
    as_json: bool = False,
    failed: int = 0,
    batch: bool = False,
) -> None:
    """The estimate as a table, or as JSON on stdout with `as_json`; with `batch`, the Batch
    API price beside the live one."""
    sizes = [a if isinstance(a, Sizes) else sizes_of(a) for a in analyses]
    tokens = [t for s in sizes for t in s.chunk_tokens]
    reports = sum(s.reports for s in sizes)
    configured = settings.resolved_model
    models = [configured] + [m for m in PRICES if m != configured]
    rows = []
    for model in models:
        mine = model == configured
        rows.append(
            estimate_for(
                sizes, settings, model, price_in if mine else None, price_out if mine else None
            )
        )
    if as_json:
        payload = {
            "files": len(sizes),
            "failed": failed,
            "reports": reports,
            "chunks": len(tokens),
            "text_tokens": sum(tokens),
            "configured_model": configured,
            "estimates": [
                {
                    "model": e.model,
                    "calls": e.calls,
                    "prompt_tokens": e.prompt_tokens,
                    "completion_tokens": e.completion_tokens,
                    "usd": e.usd,
                    **({"usd_batch": _batch_usd(e)} if batch else {}),
                }
                for e in rows
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.print(
        f"{plural(len(sizes), 'file')}, {plural(reports, 'report')}, "
        f"{plural(len(tokens), 'chunk')}, {sum(tokens):,} tokens of text"
    )
    table = Table(title="Estimated cost (no model called)")
    columns = ["model", "calls", "prompt tokens", "completion tokens", "USD"]
    if batch:
        columns = [*columns[:-1], "USD live", "USD batch"]
    for col in columns:
        table.add_column(col, justify="left" if col == "model" else "right")
    for est in rows:
        usd = f"${est.usd:.4f}" if est.usd is not None else "?"
        name = f"[bold]{est.model}[/] (configured)" if est.model == configured else est.model
        cells = [name, str(est.calls), f"{est.prompt_tokens:,}", f"{est.completion_tokens:,}", usd]
        if batch:
            share = _batch_usd(est)
            cells.append(f"${share:.4f}" if share is not None else "?")
        table.add_row(*cells)
    console.print(table)


def _batch_usd(est: CostEstimate) -> float | None:
    return None if est.usd is None else round(est.usd * BATCH_PRICE_SHARE, 6)
