"""`summarizer indicators | export | compare | track | search`: the panel over JSON outputs.

Thin commands over `summarizer.panel`: they read outputs (files or folders of them), never
run a model, and print tables with rich. Outputs that are not summaries are named on stderr
and make the exit code 1; the rest are used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from summarizer.cli._options import zones_option

F = TypeVar("F", bound=Callable[..., Any])

_INDICATORS_OPTION = click.option(
    "--indicators",
    "indicator_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Extra indicator dictionary (TOML, the shape of `summarizer indicators --toml`); "
    "repeatable, later files win.",
)


_ZONES_OPTION = zones_option("the outputs (matched by source, batch-relative or output path)")
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")


def _outputs_argument(f: F) -> F:
    return click.argument("outputs", nargs=-1, required=True, type=click.Path(exists=True))(f)


def _panel_config() -> dict[str, Any]:
    """The `[panel]` table of the config file (--config, else ./summarizer.toml): default
    `indicators` files, a `zones` file and the 左右 tolerance (`about_points`,
    `about_relative`). The rest of the file is checked as for every command."""
    from summarizer.cli import STATE
    from summarizer.panel.config import panel_config

    return panel_config(STATE.get("config_path"))


def _dictionary(indicator_files: tuple[str, ...], **tolerance: float | None) -> Any:
    from summarizer.panel import load_dictionary

    cfg = _panel_config()
    d = load_dictionary((*cfg.get("indicators", ()), *indicator_files))
    points = tolerance.get("about_points")
    relative = tolerance.get("about_relative")
    points = points if points is not None else cfg.get("about_points")
    relative = relative if relative is not None else cfg.get("about_relative")
    if points is not None or relative is not None:
        import dataclasses

        d = dataclasses.replace(
            d,
            about_points=float(points) if points is not None else d.about_points,
            about_relative=float(relative) if relative is not None else d.about_relative,
        )
    return d


def _panel(
    outputs: tuple[str, ...],
    indicator_files: tuple[str, ...],
    zones_file: str | None = None,
    dictionary: Any = None,
) -> Any:
    from summarizer.panel import build_panel
    from summarizer.text.zones import load_zone_rules

    zones = zones_file or _panel_config().get("zones")
    panel = build_panel(
        outputs,
        dictionary or _dictionary(indicator_files),
        load_zone_rules(zones) if zones else None,
    )
    for problem in panel.problems:
        click.echo(f"skipped: {problem}", err=True)
    from summarizer.panel.rows import report_zone

    unkeyed = [o.path for o in panel.outputs for r in o.doc.reports if report_zone(r) is None]
    if unkeyed:
        click.echo(
            f"note: {len(unkeyed)} report(s) name no zone (generic, redacted or none), each "
            f"stands alone: {', '.join(unkeyed[:3])}{' …' if len(unkeyed) > 3 else ''}; "
            "name them with --zones FILE or summarize --zone",
            err=True,
        )
    if not panel.outputs:
        from summarizer.core.errors import InputError

        raise InputError(f"no summarizer outputs among {', '.join(outputs)}")
    return panel


def _width() -> int:
    import shutil

    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (CJK characters take two), with … when cut."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _short_path(link: str | None) -> str:
    """src/b2024.txt:61-64 → b2024.txt:61-64 (the file's name and the offsets)."""
    if not link:
        return "–"
    import os.path

    return os.path.basename(link)


def _unknown_indicators(d: Any, wanted: tuple[str, ...]) -> None:
    known = {i.id for i in d.indicators.values()} | {i.name for i in d.indicators.values()}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise click.UsageError(
            f"unknown indicator {', '.join(unknown)} (see `summarizer indicators`)"
        )


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


@click.command()
@_INDICATORS_OPTION
@click.option("--toml", "as_toml", is_flag=True, help="Print the packaged dictionary file.")
@_JSON_OPTION
def indicators(indicator_files: tuple[str, ...], as_toml: bool, as_json: bool) -> None:
    """List the standard indicators: synonyms, scope changes, unit family, evaluation class,
    floor or ceiling, exclusions."""
    import json

    from rich.table import Table

    from summarizer.panel.dictionary import default_path

    if as_toml:
        click.echo(default_path().read_text(encoding="utf-8"), nl=False)
        return
    d = _dictionary(indicator_files)
    if as_json:
        rows = [
            {
                "id": i.id, "name": i.name, "synonyms": list(i.synonyms),
                "scopes": list(i.scopes), "family": i.family, "class": i.klass or None,
                "target": i.target, "measures": list(i.measures) or None,
                "exclude": [*d.exclusions, *i.exclude], "note": i.note or None,
            }
            for i in d.indicators.values()
        ]  # fmt: skip
        click.echo(json.dumps({"version": d.version, "about_points": d.about_points,
                               "about_relative": d.about_relative, "indicators": rows},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    table = Table(title=f"indicator dictionary {d.version}", title_justify="left")
    for name in ("id", "standard name", "synonyms", "scope changes", "family", "class", "target"):
        table.add_column(name, overflow="fold")
    for ind in d.indicators.values():
        table.add_row(
            ind.id,
            ind.name,
            "、".join(ind.synonyms),
            "、".join(ind.scopes),
            ind.family,
            ind.klass or "–",
            ind.target,
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
@_ZONES_OPTION
def export(
    outputs: tuple[str, ...],
    target: str,
    no_sources: bool,
    indicator_files: tuple[str, ...],
    zones_file: str | None,
) -> None:
    """Export OUTPUTS (JSON files or folders) as one row per metric and one per finding.

    Beside a .csv or .parquet it writes a Frictionless `datapackage.json`; beside a .sqlite a
    Datasette `metadata.json`.
    """
    from summarizer.panel import export as write

    panel = _panel(outputs, indicator_files, zones_file)
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
    help="Write the table to FILE (.csv or .xlsx) instead of printing it.",
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
@click.option(
    "--layout",
    type=click.Choice(["auto", "wide", "long"]),
    default="auto",
    show_default=True,
    help="wide: zones × indicators; long: one line per zone and indicator (auto: long when "
    "the wide table would not fit the terminal).",
)
@_TABLE_OUTPUT
@_JSON_OPTION
@_INDICATORS_OPTION
@_ZONES_OPTION
def compare(
    outputs: tuple[str, ...],
    year: int | None,
    wanted: tuple[str, ...],
    layout: str,
    target: str | None,
    as_json: bool,
    indicator_files: tuple[str, ...],
    zones_file: str | None,
) -> None:
    """Zones × standard indicators for a year: each figure as written, its change, its evidence.

    At 80 columns the long layout prints one line per figure (zone, indicator, figure,
    file:start-end) plus two lines of title and footer: the line budget is cells + 2.
    """
    import json

    from summarizer.panel.compare import compare as compare_panel
    from summarizer.panel.compare import comparison_rows
    from summarizer.panel.export import write_table

    d = _dictionary(indicator_files)
    _unknown_indicators(d, wanted)
    panel = _panel(outputs, indicator_files, zones_file, d)
    c = compare_panel(panel, year, list(wanted) or None, dictionary=d)
    if not c.cells:
        years = sorted({r["year"] for r in panel.metrics if r["year"] is not None})
        why = (
            f"no standard indicator with an actual figure for {c.year}"
            + (f" (years with figures: {', '.join(map(str, years))})" if years else "")
            + ("" if any(r["zone"] for r in panel.metrics) else
               "; no report has a zone key: set --zones or summarize --zone")
        )  # fmt: skip
        click.echo(f"compare: {why}", err=True)
        raise SystemExit(1)
    if as_json:
        for zone in c.zones:
            for ind, name in c.indicators:
                cell = c.cells.get((zone, ind))
                if cell is None:
                    continue
                click.echo(json.dumps({
                    "zone": zone, "year": c.year, "indicator": name, "indicator_id": ind,
                    "status": "redacted" if cell.redacted else "reported",
                    "target_raw": None, "actual_raw": cell.raw, "text": cell.text,
                    "measure": cell.measure, "value_base": cell.value_base,
                    "base_unit": cell.base_unit, "change_pct": cell.change_pct,
                    "evidence": {"quote": cell.quote, "source": cell.source_path,
                                 "start": cell.start, "end": cell.end},
                }, ensure_ascii=False))  # fmt: skip
    elif target:
        header, rows = comparison_rows(c)
        notes = {}
        for r, zone in enumerate(c.zones):
            for i, (ind, _) in enumerate(c.indicators):
                cell = c.cells.get((zone, ind))
                if cell is not None:
                    notes[(r, 1 + 2 * i)] = (cell.source_path, f"{cell.link}\n{cell.quote or ''}")
        write_table(target, f"对比{c.year}", header, rows, notes)
        click.echo(f"{target}: {len(rows)} zone(s) × {len(c.indicators)} indicator(s)", err=True)
    else:
        _print_comparison(c, layout)
    if panel.problems:
        raise SystemExit(1)


def _print_comparison(c: Any, layout: str) -> None:
    from rich.cells import cell_len

    width = _width()
    cells = [(z, i, n, c.cells[(z, i)]) for z in c.zones for i, n in c.indicators
             if (z, i) in c.cells]  # fmt: skip
    fits = 12 + sum(max(8, max(cell_len(n) for n in (name,)) + 2) + 14 for _, name in c.indicators)
    if layout == "wide" or (layout == "auto" and fits <= width and len(c.zones) <= 12):
        from rich.table import Table

        table = Table(title=f"{c.year}: zones × standard indicators", title_justify="left")
        table.add_column("园区", overflow="fold")
        for _, name in c.indicators:
            table.add_column(name, overflow="fold")
        refs: list[str] = []
        for zone in c.zones:
            row = []
            for ind, _ in c.indicators:
                cell = c.cells.get((zone, ind))
                if cell is None:
                    row.append("–")
                    continue
                refs.append(_cut(f"[{len(refs) + 1}] {_short_path(cell.link)} {cell.quote or ''}",
                                 width))  # fmt: skip
                row.append(f"{cell.text} [{len(refs)}]")
            table.add_row(zone, *row)
        console = _console()
        console.print(table)
        for ref in refs:
            console.print(ref, markup=False, highlight=False)
        return
    zone_w = min(12, max(cell_len(z) for z in c.zones))
    ind_w = min(16, max(cell_len(n) for _, n in c.indicators))
    click.echo(
        f"{c.year}: {len(c.zones)} zone(s) × {len(c.indicators)} indicator(s), one line each"
    )
    for zone, _, name, cell in cells:
        z = _pad(_cut(zone, zone_w), zone_w)
        n = _pad(_cut(name, ind_w), ind_w)
        click.echo(_cut(f"{z} {n} {cell.text}  {_short_path(cell.link)}", width))
    click.echo(f"{len(cells)} figure(s); quotes: --json or -o FILE.xlsx")


def _pad(text: str, width: int) -> str:
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


@click.command()
@_outputs_argument
@click.option("--year", type=int, default=None, help="Only the targets for this year.")
@click.option(
    "--indicator",
    "wanted",
    multiple=True,
    help="Only this indicator (id or standard name); repeatable.",
)
@click.option(
    "--about-points",
    type=click.FloatRange(min=0),
    default=None,
    help="左右 tolerance for rates, in points (default 0.5: 5%左右 is met from 4.5%).",
)
@click.option(
    "--about-relative",
    type=click.FloatRange(min=0),
    default=None,
    help="左右 tolerance for levels, as a share of the target (default 0.02).",
)
@click.option(
    "--no-sources",
    is_flag=True,
    help="Use only the outputs' metrics, not the target paragraph and review read from the "
    "source files they name.",
)
@_TABLE_OUTPUT
@_JSON_OPTION
@_INDICATORS_OPTION
@_ZONES_OPTION
def track(
    outputs: tuple[str, ...],
    year: int | None,
    wanted: tuple[str, ...],
    about_points: float | None,
    about_relative: float | None,
    no_sources: bool,
    target: str | None,
    as_json: bool,
    indicator_files: tuple[str, ...],
    zones_file: str | None,
) -> None:
    """Targets of the year-N plans against the report on year N: met, missed, not reported, dropped.

    Targets come from the plan's target paragraph (主要预期目标) when its source file is there,
    else from the plan's target figures; outcomes from the review of year N (level and growth
    both read; five-year figures never count). Floors must be reached, ceilings (prices,
    unemployment, energy use) not exceeded; 以上 is ≥, 左右 has the stated tolerance. Printed:
    two lines per target (verdict; both quotes cut, with file:start-end) and two more: the
    line budget is 2 × targets + 2. Exit 1 when no target could be paired with a report.
    """
    import json

    from summarizer.panel.export import write_table
    from summarizer.panel.track import STATUSES
    from summarizer.panel.track import track as track_panel

    d = _dictionary(indicator_files, about_points=about_points, about_relative=about_relative)
    _unknown_indicators(d, wanted)
    panel = _panel(outputs, indicator_files, zones_file, d)
    rows = track_panel(panel, year, d, sources=not no_sources)
    if not no_sources:
        from summarizer.panel.targets import source_file

        gone = [o.doc.source.path for o in panel.outputs if source_file(o) is None]
        if gone:
            click.echo(
                f"note: {len(gone)} source file(s) missing or changed since they were "
                f"summarized ({', '.join(gone[:2])}{' …' if len(gone) > 2 else ''}): their "
                "targets and outcomes come from the outputs' metrics",
                err=True,
            )
    if wanted:
        keep = set(wanted) | {i.name for i in d.indicators.values() if i.id in wanted}
        rows = [t for t in rows if t.indicator in keep]
    why = _unpaired(panel, rows, year)
    if why:
        click.echo(f"track: {why}", err=True)
        raise SystemExit(1)
    if as_json:
        for t in rows:
            click.echo(json.dumps(t.as_json(), ensure_ascii=False))
    elif target:
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
    else:
        _print_track(rows, d)
    counts = {s: sum(t.status == s for t in rows) for s in STATUSES}
    if not as_json and not target:
        click.echo(
            ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + f"; 左右 ±{d.about_points:g} pt, ±{d.about_relative:.0%} of a level"
        )
    if panel.problems:
        raise SystemExit(1)


def _unpaired(panel: Any, rows: list[Any], year: int | None) -> str | None:
    """Why no target could be paired with a report, in one line; None when some were."""
    if any(t.status != "no report" for t in rows):
        return None
    reports = [(r, o) for o in panel.outputs for r in o.doc.reports]
    from summarizer.panel.rows import report_zone

    keyed = [r for r, _ in reports if report_zone(r) is not None]
    if not rows:
        plans = sorted({r.plan_year for r, _ in reports if r.plan_year is not None})
        if not plans:
            return f"none of the {len(reports)} report(s) states the year it plans"
        return (
            f"no target of a standard indicator in the plans for "
            f"{year if year is not None else ', '.join(map(str, plans))}"
        )
    if len(keyed) < len(reports):
        return (
            f"{len(reports) - len(keyed)} of {len(reports)} report(s) have no zone key, so "
            "no plan pairs with a review: name the zones (--zones FILE, summarize --zone)"
        )
    years = sorted({t.year for t in rows})
    return (
        f"{len(rows)} target(s) for {', '.join(map(str, years))}, but no report reviews "
        f"{'that year' if len(years) == 1 else 'those years'} for the same zone"
    )


_STATUS_WORD = {"met": "met", "missed": "MISSED", "not reported": "not reported",
                "dropped": "dropped", "no report": "no report"}  # fmt: skip


def _around(quote: str | None, phrase: str | None) -> str:
    """The quote from a few characters before its figure: …总产值199.5亿元，同比增长8.2%。"""
    import re

    if not quote:
        return ""
    numbers = re.findall(r"\d+(?:\.\d+)?", phrase or "")
    at = max((quote.find(n) for n in numbers), default=-1)
    at = min((quote.find(n) for n in numbers if quote.find(n) >= 0), default=at)
    start = max(0, at - 6)
    return ("…" if start else "") + quote[start:].strip()


def _split_link(link: str | None) -> tuple[str, str]:
    """path/to/b2024.txt:61-64 → (b2024.txt, 61-64)."""
    import os.path

    if not link:
        return "–", ""
    path, _, span = link.rpartition(":")
    if not path or not span.replace("-", "").isdigit():
        return os.path.basename(link), ""
    return os.path.basename(path), span


def _print_track(rows: list[Any], d: Any) -> None:
    """Per zone and year a line naming the two files, then two lines per target: the
    verdict, and both quotes cut to half the width each, with their offsets."""

    width = _width()
    click.echo(_cut(f"{len(rows)} target(s): verdict, then the target's and the outcome's "
                    "quote (start-end)", width))  # fmt: skip
    group: tuple[str, int] | None = None
    for t in rows:
        if (t.zone, t.year) != group:
            group = (t.zone, t.year)
            plan = _split_link(t.target_source)[0]
            review = next((_split_link(r.actual_source)[0] for r in rows
                           if (r.zone, r.year) == group and r.actual_source), "–")  # fmt: skip
            click.echo(_cut(f"{t.zone} {t.year}: targets {plan} · outcomes {review}", width))
        head = f"  {t.indicator} {t.target} → {t.actual or '–'}  {_STATUS_WORD[t.status]}"
        click.echo(_cut(head, width))
        half = (width - 4) // 2
        left = f"目标 {_split_link(t.target_source)[1]} {_around(t.target_quote, t.target)}"
        right = (f"实际 {_split_link(t.actual_source)[1]} {_around(t.actual_quote, t.actual)}"
                 if t.actual_quote else f"({t.note})")  # fmt: skip
        click.echo(_cut("    " + _pad(_cut(left, half - 1), half) + right, width))


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
