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
        from summarizer.core.errors import InputError

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
    # A folder of outputs moved away from its sources would print one note per file.
    for note in notes[:5]:
        click.echo(note, err=True)
    if len(notes) > 5:
        click.echo(f"… and {len(notes) - 5} more sources not indexed", err=True)
    click.echo(
        f"{target}: {len(panel.metrics)} metrics, {len(panel.findings)} findings from "
        f"{len(panel.outputs)} output(s)",
        err=True,
    )
    if panel.problems:
        raise SystemExit(1)


_TABLE_OUTPUT = click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the table to FILE (.csv or .xlsx).",
)


@click.command()
@_outputs_argument
@click.option("--year", type=int, default=None, help="The year (default: the latest reported).")
@click.option(
    "--indicator",
    "wanted",
    multiple=True,
    help="Only this indicator (id or standard name); repeatable, in the order given.",
)
@_TABLE_OUTPUT
@_INDICATORS_OPTION
def compare(
    outputs: tuple[str, ...],
    year: int | None,
    wanted: tuple[str, ...],
    target: str | None,
    indicator_files: tuple[str, ...],
) -> None:
    """Zones × standard indicators for a year: each figure as written, its change, its evidence."""
    from rich.table import Table

    from summarizer.panel.compare import compare as compare_panel
    from summarizer.panel.compare import comparison_rows
    from summarizer.panel.export import write_table

    panel = _panel(outputs, indicator_files)
    c = compare_panel(panel, year, list(wanted) or None)
    console = _console()
    if not c.cells:
        console.print(f"no standard indicator with an actual figure for {c.year}", markup=False)
    else:
        table = Table(title=f"{c.year}: zones × standard indicators", title_justify="left")
        table.add_column("园区", overflow="fold")
        for _, name in c.indicators:
            table.add_column(name, overflow="fold")
        refs: list[str] = []
        for zone in c.zones:
            cells = []
            for ind, _ in c.indicators:
                cell = c.cells.get((zone, ind))
                if cell is None:
                    cells.append("–")
                    continue
                refs.append(f"[{len(refs) + 1}] {cell.link}  {cell.quote or ''}")
                cells.append(f"{cell.text} [{len(refs)}]")
            table.add_row(zone, *cells)
        console.print(table)
        for ref in refs:
            console.print(ref, markup=False, highlight=False)
    if target:
        header, rows = comparison_rows(c)
        notes = {}
        for r, zone in enumerate(c.zones):
            for i, (ind, _) in enumerate(c.indicators):
                cell = c.cells.get((zone, ind))
                if cell is not None:
                    notes[(r, 1 + 2 * i)] = (cell.source_path, f"{cell.link}\n{cell.quote or ''}")
        write_table(target, f"对比{c.year}", header, rows, notes)
        click.echo(f"{target}: {len(rows)} zone(s) × {len(c.indicators)} indicator(s)", err=True)
    if panel.problems:
        raise SystemExit(1)


_STATUS_STYLE = {
    "met": "green",
    "missed": "red",
    "not reported": "yellow",
    "dropped": "magenta",
    "no report": "dim",
}


@click.command()
@_outputs_argument
@click.option("--year", type=int, default=None, help="Only the targets for this year.")
@_TABLE_OUTPUT
@_INDICATORS_OPTION
def track(
    outputs: tuple[str, ...], year: int | None, target: str | None, indicator_files: tuple[str, ...]
) -> None:
    """Targets of the year-N plans against the report on year N: met, missed, not reported, dropped."""
    from rich.table import Table

    from summarizer.panel import load_dictionary
    from summarizer.panel.export import write_table
    from summarizer.panel.track import STATUSES
    from summarizer.panel.track import track as track_panel

    panel = _panel(outputs, indicator_files)
    d = load_dictionary(indicator_files)
    rows = track_panel(panel, year, d)
    console = _console()
    table = Table(title="targets and outcomes", title_justify="left")
    for name in ("园区", "年度", "指标", "目标", "实际", "结果", "说明", "目标原文", "实际原文"):
        table.add_column(name, overflow="fold")
    for t in rows:
        table.add_row(
            t.zone,
            str(t.year),
            t.indicator,
            t.target,
            t.actual or "–",
            f"[{_STATUS_STYLE[t.status]}]{t.status}[/]",
            t.note,
            f"{t.target_quote or '–'} ({t.target_source})",
            f"{t.actual_quote} ({t.actual_source})" if t.actual_quote else "–",
        )
    console.print(table)
    counts = {s: sum(t.status == s for t in rows) for s in STATUSES}
    console.print(
        ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + f"; 左右 tolerance {d.about_points:g} point for rates, {d.about_relative:.0%} of a level",
        markup=False,
    )
    if target:
        header = ["园区", "年度", "指标", "度量", "目标", "限定词", "限定含义", "目标原文",
                  "目标出处", "实际", "实际原文", "实际出处", "结果", "说明"]  # fmt: skip
        body = [
            [t.zone, t.year, t.indicator, t.measure, t.target, t.qualifier, t.bound,
             t.target_quote, t.target_source, t.actual, t.actual_quote, t.actual_source,
             t.status, t.note]
            for t in rows
        ]  # fmt: skip
        write_table(target, "目标跟踪", header, body)
        click.echo(f"{target}: {len(body)} target(s)", err=True)
    if panel.problems:
        raise SystemExit(1)


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("query")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, help="Hits per kind.")
@click.option(
    "--only",
    type=click.Choice(["findings", "passages"]),
    default=None,
    help="Only findings or only source passages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON lines.")
def search(db: str, query: str, limit: int, only: str | None, as_json: bool) -> None:
    """Search a SQLite export (from `summarizer export -o DB.sqlite`) for QUERY's terms."""
    import json

    from rich.text import Text

    from summarizer.panel.search import search as search_db

    kinds: Any = ("finding",) if only == "findings" else ("passage",) if only else None
    hits = search_db(db, query, limit=limit, **({"kinds": kinds} if kinds else {}))
    if as_json:
        for h in hits:
            click.echo(
                json.dumps(
                    {
                        "kind": h.kind,
                        "source_path": h.source_path,
                        "start": h.start,
                        "end": h.end,
                        "matches": h.match_offsets,
                        "zone": h.zone,
                        "year": h.year,
                        "part": h.part,
                        "title": h.title,
                        "text": h.text,
                    },
                    ensure_ascii=False,
                )
            )
        return
    console = _console()
    for h in hits:
        head = Text(h.location, style="bold cyan")
        if h.kind == "finding":
            head.append(f"  {h.zone or '–'} {h.year or '–'} {h.part} · {h.title}", style="bold")
        else:
            head.append("  source passage", style="dim")
        console.print(head)
        body = Text("  " + h.text.replace("\n", " "))
        for s, e in h.spans:
            body.stylize("bold reverse", s + 2, e + 2)
        console.print(body)
    console.print(f"{len(hits)} hit(s)", markup=False, style="dim")
