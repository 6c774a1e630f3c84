"""`summarizer schema` and `summarizer validate FILE...`."""

from __future__ import annotations

import json

import click


@click.command()
def schema() -> None:
    """Print the JSON Schema of the output (SummaryDocument)."""
    from summarizer.schema import summary_json_schema

    click.echo(json.dumps(summary_json_schema(), ensure_ascii=False, indent=2))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Check JSON files against the schema; print each error with its JSON path."""
    from summarizer.validation import validate_file

    failed = 0
    for path in files:
        errors = validate_file(path)
        if errors:
            failed += 1
            click.echo(f"✗ {path}: {len(errors)} error(s)")
            for e in errors:
                click.echo(f"    {e}")
        else:
            click.echo(f"✓ {path}")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed validation", err=True)
        raise SystemExit(1)
