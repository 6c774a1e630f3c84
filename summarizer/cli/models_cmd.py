"""`summarizer models`: the capability table (limits, response format, prices) as a table."""

from __future__ import annotations

import click


@click.command()
@click.option("--provider", default=None, help="Only this provider's profile and models.")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON instead.")
def models(provider: str | None, as_json: bool) -> None:
    """List what each known model accepts and costs (summarizer/data/models.toml)."""
    import dataclasses
    import json

    from rich.console import Console
    from rich.table import Table

    from summarizer.backends.capabilities import (
        DATA_FILE,
        capabilities_for,
        listed_entries,
        provider_names,
    )
    from summarizer.core.config import PROVIDERS

    rows = []
    for name in provider_names():
        if provider and name != provider:
            continue
        default_model = PROVIDERS[name].model if name in PROVIDERS else "*"
        rows.append(("(profile)", capabilities_for(name, default_model)))
        for entry in listed_entries(name):
            rows.append((entry["match"], capabilities_for(name, entry["match"].replace("*", ""))))
    if as_json:
        out = [{"match": m, **dataclasses.asdict(c)} for m, c in rows]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"Model capabilities ({DATA_FILE.name})")
    for col in (
        "provider",
        "model",
        "context",
        "max out",
        "format",
        "notes",
        "$ in/1M",
        "$ out/1M",
    ):
        table.add_column(
            col, justify="right" if col.startswith(("context", "max", "$")) else "left"
        )
    for match, caps in rows:
        notes = []
        if caps.json_word:
            notes.append('"json" in prompt')
        if caps.max_tokens_field != "max_tokens":
            notes.append(caps.max_tokens_field)
        if not caps.temperature:
            notes.append("no temperature")
        if caps.extra_body:
            notes.append(json.dumps(caps.extra_body))
        if caps.local:
            notes.append(f"local, timeout {caps.timeout_s:g}s")
        price = (
            (f"{caps.price_in:g}", f"{caps.price_out:g}")
            if caps.price_in is not None and caps.price_out is not None
            else ("?", "?")
        )
        table.add_row(
            caps.provider,
            match if match != "(profile)" else f"[dim]{caps.model} (profile)[/dim]",
            f"{caps.context_window:,}",
            f"{caps.max_output_tokens:,}",
            caps.response_format,
            ", ".join(notes),
            *price,
        )
    console = Console()
    console.print(table)
    console.print(
        "[dim]A model not listed gets its provider's profile, capped at the defaults "
        "(context 32,768, max output 4,096), and one line saying so.[/dim]"
    )
