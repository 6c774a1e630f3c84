"""The `--dry-run` estimate: chunks, calls, tokens and cost per model, no model call.

The calls counted are the ones a run makes: one per chunk, plus one overview call for each
report of more than one chunk (a report in one chunk gets its overview in that call).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import click
from rich.console import Console
from rich.table import Table

from summarizer.backends.pricing import PRICES, CostEstimate, estimate
from summarizer.core.config import Settings
from summarizer.render.format import plural

if TYPE_CHECKING:
    from summarizer.backends.openai_compat.request import PromptSizes


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
    prompt = _prompt_sizes(model, settings)
    return estimate(
        [t for s in sizes for t in s.chunk_tokens],
        sum(s.overview_calls for s in sizes),
        model,
        overview=settings.overview,
        price_in=price_in,
        price_out=price_out,
        overhead=prompt.overhead,
        stable=prompt.stable,
    )


def _prompt_sizes(model: str, settings: Settings) -> PromptSizes:
    """The request's size around the text for this model: its response format decides
    whether the schema rides in the body or in the system prompt."""
    from summarizer.backends.capabilities import capabilities_for, priced_capabilities
    from summarizer.backends.openai_compat.request import prompt_sizes

    caps = (
        capabilities_for(settings.provider, model)
        if model == settings.resolved_model
        else priced_capabilities(model)
    ) or capabilities_for(settings.provider, model)
    in_body = caps.response_format == "json_schema" or caps.json_object_schema
    return prompt_sizes(caps.response_format, in_body)


def print_estimate(
    analyses: Sequence[_Analysed | Sizes],
    settings: Settings,
    price_in: float | None,
    price_out: float | None,
    console: Console,
    *,
    as_json: bool = False,
    failed: int = 0,
) -> None:
    """The estimate as a table, or as JSON on stdout with `as_json`: the bill live and with
    the prompt cache, at Batch API prices and DeepSeek's off-peak prices."""
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
                    "cached_tokens": e.cached_tokens,
                    "usd": e.usd,
                    "usd_cache": e.usd_cache,
                    "usd_batch": e.usd_batch,
                    "usd_offpeak_cache": e.usd_offpeak_cache,
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
    table = Table(title="Estimated cost in USD (no model called)")
    columns = [
        "model",
        "calls",
        "tokens in",
        "out",
        "cached",
        "live",
        "+ cache",
        "batch",
        "off-peak",
    ]
    for col in columns:
        table.add_column(col, justify="left" if col == "model" else "right")
    for est in rows:
        name = f"[bold]{est.model}[/] *" if est.model == configured else est.model
        table.add_row(
            name,
            str(est.calls),
            f"{est.prompt_tokens:,}",
            f"{est.completion_tokens:,}",
            f"{est.cached_tokens:,}",
            _usd(est.usd),
            _usd(est.usd_cache),
            _usd(est.usd_batch, "—"),
            _usd(est.usd_offpeak_cache, "—"),
        )
    console.print(table)
    console.print(
        "[dim]* configured. cached: the stable prefix (schema, rules) of each chunk call after "
        "the first, billed at the cache rate in '+ cache' and 'off-peak' (DeepSeek's "
        "16:30-00:30 UTC prices); batch: Batch API prices, no cache counted; —: no such "
        "price. List prices and their dates: `summarizer models`.[/dim]"
    )


def _usd(value: float | None, missing: str = "?") -> str:
    if value is None:
        return missing
    return f"{value:.4f}" if value < 10 else f"{value:,.2f}"
