"""`summarizer indicators | export | compare | track | search`: the panel over JSON outputs.

Thin commands over `summarizer.panel`: they read outputs (files or folders of them), never
run a model, and print tables with rich. Outputs that are not summaries are named on stderr
and make the exit code 1; the rest are used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_INDICATORS_OPTION = click.option(
    "--indicators",
    "indicator_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Extra indicator dictionary (TOML, the shape of `summarizer indicators --toml`); "
    "repeatable, later files win.",
)


def _outputs_argument(f: F) -> F:
    return click.argument("outputs", nargs=-1, required=True, type=click.Path(exists=True))(f)


def _panel(outputs: tuple[str, ...], indicator_files: tuple[str, ...]) -> Any:
    from summarizer.panel import build_panel, load_dictionary

    panel = build_panel(outputs, load_dictionary(indicator_files))
    for problem in panel.problems:
        click.echo(f"skipped: {problem}", err=True)
    if not panel.outputs:
        from summarizer.errors import InputError

        raise InputError(f"no summarizer outputs among {', '.join(outputs)}")
    return panel


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


@click.command()
@_INDICATORS_OPTION
@click.option("--toml", "as_toml", is_flag=True, help="Print the packaged dictionary file.")
def indicators(indicator_files: tuple[str, ...], as_toml: bool) -> None:
    """List the standard indicators: synonyms, scope changes, unit family, evaluation class."""
    from rich.table import Table

    from summarizer.panel.dictionary import default_path, load_dictionary

    if as_toml:
        click.echo(default_path().read_text(encoding="utf-8"), nl=False)
        return
    d = load_dictionary(indicator_files)
    table = Table(title=f"indicator dictionary {d.version}", title_justify="left")
    for name in ("id", "standard name", "synonyms", "scope changes", "family", "class"):
        table.add_column(name, overflow="fold")
    for ind in d.indicators.values():
        table.add_row(
            ind.id,
            ind.name,
            "、".join(ind.synonyms),
            "、".join(ind.scopes),
            ind.family,
            ind.klass or "–",
        )
    console = _console()
    console.print(table)
    console.print(
        f"{len(d.indicators)} indicators, {len(d.units)} units, {len(d.qualifiers)} qualifier "
        f"words; 左右 tolerance {d.about_points:g} point / {d.about_relative:.0%} of a level. "
        f"From: {', '.join(d.sources)}",
        markup=False,
    )


@click.command()
@_outputs_argument
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(dir_okay=False),
    help="The file to write: .csv, .xlsx, .parquet or .sqlite (chosen by the suffix).",
)
@click.option(
    "--no-sources",
    is_flag=True,
    help="SQLite: do not read the source files for the full-text index of their passages.",
)
@_INDICATORS_OPTION
def export(
    outputs: tuple[str, ...], target: str, no_sources: bool, indicator_files: tuple[str, ...]
) -> None:
    """Export OUTPUTS (JSON files or folders) as one row per metric and one per finding."""
    from summarizer.panel import export as write

    panel = _panel(outputs, indicator_files)
    notes = write(panel, target, sources=not no_sources)
    for note in notes:
        click.echo(note, err=True)
    click.echo(
        f"{target}: {len(panel.metrics)} metrics, {len(panel.findings)} findings from "
        f"{len(panel.outputs)} output(s)",
        err=True,
    )
    if panel.problems:
        raise SystemExit(1)
