"""Zones × standard indicators for one year: the figure each zone reports, with its evidence.

In: a `Panel`. Out: a `Comparison` (one `Cell` per zone and indicator that has a figure),
which the CLI prints with rich or writes as csv/xlsx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from summarizer.panel.dictionary import Dictionary, load_dictionary
from summarizer.panel.rows import KEY_METRICS_PART, Panel, Row, report_zone
from summarizer.panel.targets import Stated, read_outcomes, source_file

_MEASURE_ORDER = {"level": 0, "growth": 1, "points": 2}


@dataclass(frozen=True)
class Cell:
    """One zone's figure for one indicator, as written, and where it stands in its source."""

    text: str
    metric_id: int
    raw: str
    measure: str
    value_base: float | None
    base_unit: str | None
    change_pct: float | None
    scope: str | None
    redacted: bool
    verified: bool
    source_path: str
    start: int | None
    end: int | None
    quote: str | None

    @property
    def link(self) -> str:
        """path:start-end of the figure in its source (path alone when it was not located)."""
        if self.start is None:
            return self.source_path
        return f"{self.source_path}:{self.start}-{self.end}"


@dataclass
class Comparison:
    year: int | None
    zones: list[str]
    indicators: list[tuple[str, str]]  # (id, standard name), in order of first appearance
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)


def zone_of(row: Row) -> str:
    """The zone a row belongs to: its key; a report without one (a generic, redacted or
    missing name) stands alone, labelled by its name as written and its file."""
    return row["zone"] or unkeyed_zone(row["zone_name"], row["source_path"])


def unkeyed_zone(name: str | None, source_path: str) -> str:
    """`工业园区管委会（a.txt）`: a report whose zone has no key is its own zone."""
    return f"{name or '（未署名）'}（{Path(source_path).name}）"


def figure_text(row: Row) -> str:
    """The figure as written with its change: 199.5亿元（+8.2%）, 增速7%, 0.3个百分点."""
    raw = row["raw"]
    if row["measure"] == "growth":
        text = f"增速{raw}"
    elif row["change_pct"] is not None:
        text = f"{raw}（{row['change_pct']:+g}%）"
    else:
        text = raw
    if row["scope"]:
        text += f"［口径：{row['scope']}］"
    return text


def _rank(row: Row) -> tuple[int, bool, bool, bool, int]:
    # Level before growth, a figure before a redaction, the report's headline figure before
    # an item's, verified first, then source order.
    return (
        _MEASURE_ORDER.get(row["measure"], 3),
        bool(row["redacted"]),
        row["part"] != KEY_METRICS_PART,
        not row["verified"],
        row["id"],
    )


def latest_year(panel: Panel) -> int | None:
    """The latest year any report states actual figures for."""
    years = [r["year"] for r in panel.metrics if r["kind"] == "actual" and r["year"] is not None]
    return max(years) if years else None


def compare(
    panel: Panel,
    year: int | None = None,
    indicators: list[str] | None = None,
    *,
    sources: bool = True,
    dictionary: Dictionary | None = None,
) -> Comparison:
    """Zones × standard indicators of the actual figures for `year` (default: the latest).

    `indicators` keeps only those ids or standard names, in the order given. With `sources`,
    a report whose source file is there gives the figures its review states for the year
    (`panel.targets.read_outcomes`: the headline figure first, five-year figures never),
    over the outputs' metrics.
    """
    y = latest_year(panel) if year is None else year
    best: dict[tuple[str, str], Row] = {}
    names: dict[str, str] = {}
    order: dict[str, int] = {}
    zones: dict[str, None] = {}
    for r in panel.metrics:
        if r["kind"] != "actual" or r["year"] != y or r["indicator_id"] is None:
            continue
        if r["period"] is not None:
            continue  # a five-year figure is no year's outcome
        zone = zone_of(r)
        zones.setdefault(zone, None)
        key = (zone, r["indicator_id"])
        names[r["indicator_id"]] = r["indicator"]
        order.setdefault(r["indicator_id"], len(order))
        if key not in best or _rank(r) < _rank(best[key]):
            best[key] = r
    texts = _text_cells(panel, y, dictionary or load_dictionary()) if sources else {}
    for (zone, ind_id), (name, _) in texts.items():
        zones.setdefault(zone, None)
        names[ind_id] = name
        order.setdefault(ind_id, len(order))
    chosen = sorted(names, key=lambda i: order[i])
    if indicators:
        wanted = {w: n for n, w in enumerate(indicators)}
        chosen = [i for i in chosen if i in wanted or names[i] in wanted]
        chosen.sort(key=lambda i: wanted.get(i, wanted.get(names[i], 0)))
    cells = {
        key: Cell(
            text=figure_text(r),
            metric_id=r["id"],
            raw=r["raw"],
            measure=r["measure"],
            value_base=r["value_base"],
            base_unit=r["base_unit"],
            change_pct=r["change_pct"],
            scope=r["scope"],
            redacted=r["redacted"],
            verified=r["verified"],
            source_path=r["source_path"],
            start=r["figure_start"],
            end=r["figure_end"],
            quote=r["quote"],
        )
        for key, r in best.items()
        if key[1] in chosen
    }
    cells.update({k: c for k, (_, c) in texts.items() if k[1] in chosen})
    return Comparison(y, list(zones), [(i, names[i]) for i in chosen], cells)


def _text_cells(
    panel: Panel, year: int | None, d: Dictionary
) -> dict[tuple[str, str], tuple[str, Cell]]:
    """(zone, indicator id) → (standard name, cell) from the reviews of `year` in the sources."""
    out: dict[tuple[str, str], tuple[str, Cell]] = {}
    if year is None:
        return out
    for o in panel.outputs:
        for rep in o.doc.reports:
            if rep.summary_year != year:
                continue
            src = source_file(o)
            if src is None:
                continue
            z = report_zone(rep)
            zone = z.key if z else unkeyed_zone(rep.organization, o.doc.source.path)
            first: dict[tuple[str, str], Stated] = {}
            for a in read_outcomes(src.text, d):
                first.setdefault((a.indicator.id, a.measure), a)
            for (ind_id, measure), a in first.items():
                if (zone, ind_id) in out or measure == "points":
                    continue
                level = first.get((ind_id, "level"))
                growth = first.get((ind_id, "growth"))
                if (
                    level is not None
                    and growth is not None
                    and not 0 <= growth.start - level.end <= 12
                ):
                    # Not "5.2万亿元、增长5.4%": the one written first is the headline.
                    level, growth = (level, None) if level.start < growth.start else (None, growth)
                shown = level or growth or a
                if level is not None and growth is not None:
                    text = f"{level.raw}（{growth.value:+g}%）"
                elif level is not None:
                    text = level.raw
                else:
                    text = f"增速{a.value:g}%"
                if shown.scope:
                    text += f"［口径：{shown.scope}］"
                base, base_unit = d.normalise(level.value, level.unit) if level else (None, None)
                out[(zone, ind_id)] = (a.indicator.name, Cell(
                    text=text, metric_id=0, raw=shown.raw, measure=shown.measure,
                    value_base=base, base_unit=base_unit,
                    change_pct=growth.value if growth else None, scope=shown.scope,
                    redacted=False, verified=True, source_path=src.path, start=shown.start,
                    end=shown.end, quote=shown.sentence or shown.quote,
                ))  # fmt: skip
    return out


def comparison_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the wide table: zone, then per indicator its cell and its evidence."""
    header = ["园区"]
    for _, name in c.indicators:
        header += [name, f"{name}·证据"]
    rows = []
    for zone in c.zones:
        row = [zone]
        for ind, _ in c.indicators:
            cell = c.cells.get((zone, ind))
            row += [cell.text, cell.link] if cell else ["", ""]
        rows.append(row)
    return header, rows
