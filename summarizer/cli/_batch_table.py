"""The end-of-run table of a batch, shared by `batch` and `batch --via` (offload_cmd), so that
neither command module imports the other's."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def print_summary(
    result: Any,
    target: Path,
    console: Any,
    *,
    price_in: float | None = None,
    price_out: float | None = None,
) -> None:
    """The end-of-run table: statuses, findings per kind, verified share, tokens, cost, time."""
    from collections import Counter

    from rich.table import Table

    from summarizer.batch import INDEX_NAME, totals_of

    t = totals_of(result.this_run)
    table = Table(title=f"Batch: {target}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("files ok / failed / skipped", f"{t.ok} / {t.failed} / {t.skipped}")
    if result.redone:
        why = "; ".join(f"{reason}: {n}" for reason, n in sorted(result.redone.items()))
        table.add_row("redone (why)", f"{sum(result.redone.values())} ({why})")
    if result.walk_skipped:
        table.add_row(
            "left out",
            ", ".join(f"{reason}: {n}" for reason, n in sorted(result.walk_skipped.items())),
        )
    f = t.findings
    table.add_row(
        "findings (成绩 / 问题 / 计划 / 其他)",
        f"{f.get('achievement', 0)} / {f.get('problem', 0)} / {f.get('plan', 0)} / "
        f"{f.get('other', 0)}",
    )
    share = t.verified_share
    table.add_row("verified", "—" if share is None else f"{share:.1%}")
    checked = Counter(c for r in result.this_run for c in r.checks)
    if checked:
        table.add_row(
            "files to check (why)",
            ", ".join(f"{code}: {n}" for code, n in sorted(checked.items())),
        )
    u = t.usage
    estimated = f" ({u.estimated_calls:,} with estimated tokens)" if u.estimated_calls else ""
    table.add_row("model calls", f"{u.calls:,}{estimated}")
    table.add_row(
        "tokens (prompt / completion / cached)",
        f"{u.prompt_tokens:,} / {u.completion_tokens:,} / {u.cached_tokens:,}",
    )
    cost = "?" if t.cost_usd is None else f"${t.cost_usd:.4f}"
    # The receipt at list prices: the tokens the provider served from its prompt cache are
    # billed at its cache rate (capability table).
    cached = ", cached tokens at the cache rate" if u.cached_tokens else ""
    table.add_row(f"cost at list prices ({result.model or 'no model'}{cached})", cost)
    table.add_row("wall time", f"{result.elapsed_s:.1f}s")
    console.print(table)
    for r in result.this_run:
        if r.status == "failed":
            console.print(
                f"failed: {r.path}: {r.error}", markup=False, highlight=False, soft_wrap=True
            )
        elif r.checks:
            console.print(
                f"check: {r.path}: {', '.join(r.checks)}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    console.print(f"Index: {target / INDEX_NAME}", markup=False, highlight=False, soft_wrap=True)
