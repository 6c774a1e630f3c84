"""`summarizer check OUT.json [--source FILE] [--json] [--strict]`: re-check an output against
its source, as a gate.

In: an output JSON path (and optionally its source). Out: a table of problems (edited since
written: a figure, value, change, measure, kind, quote or offset the raw figures and the
source no longer bear out) and of flags (what the tool flagged when it wrote the output: an
unverified finding and its figures), or one OK line; exit 1 (a `ValidationError`) on any
problem, and on a flag too with `--strict`. Errors (missing or changed source, a file
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
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on the tool's own flags too (findings written unverified), not only on edits.",
)
def check(output: str, source_path: str | None, as_json: bool, strict: bool) -> None:
    """Re-check OUTPUT against its source: schema, quotes and offsets, every figure and the
    value, change, measure and kind derived from it. Exit 1 when the output was edited since
    it was written (or, with --strict, when the tool flagged anything when writing it)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from summarizer.core.errors import ValidationError
    from summarizer.review.check import check_output

    result = check_output(output, source_path)
    passed = result.passed(strict)
    if as_json:
        payload = {
            "ok": passed,
            "output": result.output_path,
            "source": result.source_path,
            "findings": result.findings,
            "evidence_spans": result.evidence_spans,
            "metrics": result.metrics,
            "strict": strict,
            "problems": [asdict(p) for p in result.problems],
            "flags": [asdict(p) for p in result.flags],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=False)
        for rows, title in (
            (result.problems, f"{output}: {len(result.problems)} problem(s), edited since written"),
            (result.flags, f"{output}: {len(result.flags)} flag(s) written by the tool"),
        ):
            if not rows:
                continue
            table = Table(title=Text(title), title_justify="left")
            table.add_column("where", overflow="fold")
            table.add_column("what", overflow="fold")
            table.add_column("detail", overflow="fold")
            for p in rows:
                # Text, not markup: problems quote report text, which may hold "[...]".
                table.add_row(Text(p.where), Text(p.what), Text(p.detail))
            console.print(table)
        if result.ok:
            flags = f"; {len(result.flags)} flag(s) written by the tool" if result.flags else ""
            console.print(
                f"{'OK' if passed else 'FLAGGED (--strict)'}: {result.findings} findings, "
                f"{result.evidence_spans} evidence spans, {result.metrics} metrics checked{flags}",
                markup=False,
            )
    if not passed:
        # An exception, not ctx.exit(1): `summarizer.cli.main` runs click with
        # standalone_mode=False, where ctx.exit's code is returned and lost.
        if not result.ok:
            raise ValidationError(f"{output}: {len(result.problems)} problem(s) found")
        raise ValidationError(f"{output}: {len(result.flags)} flag(s) found (--strict)")
