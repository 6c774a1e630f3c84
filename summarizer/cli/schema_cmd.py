"""`summarizer schema` and `summarizer validate FILE...`."""

from __future__ import annotations

import json

import click


@click.command()
def schema() -> None:
    """Print the JSON Schema of the output (SummaryDocument)."""
    from summarizer.core.schema import summary_json_schema

    click.echo(json.dumps(summary_json_schema(), ensure_ascii=False, indent=2))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Check JSON files against the schema; print each error with its JSON path.

    Exit 0 when every file is valid, 1 when any is not.
    """
    from summarizer.review.validate import validate_file

    results = [(path, validate_file(path)) for path in files]
    failed = sum(1 for _, errors in results if errors)
    if as_json:
        payload = {
            "ok": not failed,
            "files": [{"path": p, "valid": not e, "errors": e} for p, e in results],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for path, errors in results:
            if errors:
                click.echo(f"✗ {path}: {len(errors)} error(s)")
                for e in errors:
                    click.echo(f"    {e}")
            else:
                click.echo(f"✓ {path}")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed validation", err=True)
        raise SystemExit(1)
