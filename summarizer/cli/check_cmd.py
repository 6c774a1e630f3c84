"""`summarizer check OUT.json [--source FILE] [--json]`: re-check an output against its source.

In: an output JSON path (and optionally its source). Out: a table of problems or one OK
line on stdout; exit 1 (a `ValidationError`) when any problem is found. Errors (missing or changed source, a file
that is not JSON) propagate to `summarizer.cli.main`, which prints one line.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import click


@click.command("check")
@click.argument("output", type=click.Path(dir_okay=False))
@click.option(
    "--source",
    "source_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="The source file (default: the path recorded in OUTPUT, relative to here or to it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(output: str, source_path: str | None, as_json: bool) -> None:
    """Re-check OUTPUT against its source: schema, quotes and offsets, numbers, redactions."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from summarizer.core.errors import ValidationError
    from summarizer.review.check import check_output

    result = check_output(output, source_path)
    if as_json:
        payload = {
            "ok": result.ok,
            "output": result.output_path,
            "source": result.source_path,
            "findings": result.findings,
            "evidence_spans": result.evidence_spans,
            "problems": [asdict(p) for p in result.problems],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=False)
        if result.ok:
            console.print(
                f"OK: {result.findings} findings, {result.evidence_spans} evidence spans checked",
                markup=False,
            )
        else:
            table = Table(
                title=Text(f"{output}: {len(result.problems)} problem(s)"), title_justify="left"
            )
            table.add_column("where", overflow="fold")
            table.add_column("what", overflow="fold")
            table.add_column("detail", overflow="fold")
            for p in result.problems:
                # Text, not markup: problems quote report text, which may hold "[...]".
                table.add_row(Text(p.where), Text(p.what), Text(p.detail))
            console.print(table)
    if not result.ok:
        # An exception, not ctx.exit(1): `summarizer.cli.main` runs click with
        # standalone_mode=False, where ctx.exit's code is returned and lost.
        raise ValidationError(f"{output}: {len(result.problems)} problem(s) found")
