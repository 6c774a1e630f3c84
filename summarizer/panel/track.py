"""Targets of the year-N plans against what the report on year N says was achieved.

In: a `Panel` and the `Dictionary` (tolerance of 左右, names for mentions). Out: one
`Tracked` per target: met, missed, not reported, dropped or no report, with both quotes.

- met / missed: the report on year N states a comparable figure for the same standard
  indicator and measure (a level in the same base unit, a growth rate, a change in points).
  The target's qualifier decides: at least (以上, 超, 突破, 确保, 力争, or none) needs the
  outcome to reach it; about (左右, 约) lets it fall short by the dictionary's tolerance (0.5
  point for rates, 2 % of a level by default); at most (以内, 控制在) needs it not to exceed.
  A decline target (下降3%) is met by a decline at least that large.
- not reported: the report on year N names the indicator but gives no comparable figure
  (redacted, or only another measure).
- dropped: the report on year N does not mention the indicator at all.
- no report: there is no report on year N for the zone among the outputs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from summarizer.panel.compare import unkeyed_zone, zone_of
from summarizer.panel.dictionary import Dictionary, load_dictionary
from summarizer.panel.rows import Panel, Row, report_zone

Status = Literal["met", "missed", "not reported", "dropped", "no report"]
STATUSES: tuple[Status, ...] = ("met", "missed", "not reported", "dropped", "no report")
_DECLINE = re.compile(r"(?:下降|减少|降低|回落)$")
_EPS = 1e-9


@dataclass(frozen=True)
class Tracked:
    """One target and its outcome."""

    zone: str
    year: int
    indicator: str
    measure: str
    target: str
    qualifier: str | None
    bound: str
    target_quote: str | None
    target_source: str
    actual: str | None
    actual_quote: str | None
    actual_source: str | None
    status: Status
    note: str


def _link(row: Row) -> str:
    if row["figure_start"] is None:
        return str(row["source_path"])
    return f"{row['source_path']}:{row['figure_start']}-{row['figure_end']}"


def _declines(row: Row) -> bool:
    return _DECLINE.search(str(row["name"]).strip()) is not None


def _growth(row: Row) -> float | None:
    """The growth rate a row states: its own value for a growth figure, else its change."""
    if row["measure"] == "growth":
        if row["value"] is None:
            return None
        value = float(row["value"])
        return -abs(value) if _declines(row) else value
    change = row["change_pct"]
    return float(change) if row["measure"] == "level" and change is not None else None


def _amount(row: Row, measure: str) -> float | None:
    if measure == "level":
        return row["value_base"]  # type: ignore[no-any-return]
    if measure == "growth":
        return _growth(row)
    return row["value"]  # type: ignore[no-any-return]


def _comparable(target: Row, row: Row) -> bool:
    m, rm = target["measure"], row["measure"]
    if m == "level":
        return bool(rm == "level" and row["base_unit"] == target["base_unit"])
    if m == "growth":
        return rm == "growth" or (rm == "level" and row["change_pct"] is not None)
    return bool(rm == m)


def target_text(row: Row, d: Dictionary) -> str:
    """The target as a phrase: 力争增长8%以上, 突破5000万美元, 1000亩."""
    words = (row["qualifier"] or "").split(";") if row["qualifier"] else []
    pre = "".join(w for w in words if d.qualifiers[w].where == "before" and w not in row["raw"])
    post = "".join(w for w in words if d.qualifiers[w].where == "after" and w not in row["raw"])
    verb = ""
    if row["measure"] == "growth":
        verb = "下降" if _declines(row) else "增长"
    return f"{pre}{verb}{row['raw']}{post}"


def actual_text(row: Row) -> str:
    """The outcome as a phrase: 199.5亿元，增长8.2%; 增长6%; 0.3个百分点."""
    if row["measure"] == "growth":
        return f"{'下降' if _declines(row) else '增长'}{row['raw']}"
    c = row["change_pct"]
    if row["measure"] == "level" and c is not None:
        return f"{row['raw']}，{'增长' if c >= 0 else '下降'}{abs(c):g}%"
    return row["raw"]  # type: ignore[no-any-return]


def _num(v: float) -> str:
    return f"{v:.6g}"


def judge(target: Row, actual: Row, d: Dictionary) -> tuple[Status, str]:
    """met or missed, and the comparison that decided it, in words."""
    m = target["measure"]
    t = _amount(target, m)
    a = _amount(actual, m)
    assert t is not None and a is not None
    if m == "level":
        # Compared in base units, shown in the target's unit as written.
        u = d.unit(target["unit"])
        factor = u.factor if u is not None else 1.0
        t, a = t / factor, a / factor
        unit = target["unit"] or ""
        shown_a = actual["raw"]
        if actual["unit"] != target["unit"]:
            shown_a += f" = {_num(a)}{unit}"
    else:
        unit = "个百分点" if m == "points" else "%"
        shown_a = f"{_num(a)}{unit}"
    shown_t = f"{_num(t)}{unit}"
    bound = target["bound"] or "at_least"
    if bound == "at_most":
        ok = a <= t + _EPS
        return _verdict(ok), f"{shown_a} {'≤' if ok else '>'} {shown_t} (at most)"
    down = t < 0
    tol = 0.0
    if bound == "about":
        tol = d.about_points if m != "level" or unit == "%" else d.about_relative * abs(t)
    # A decline target (下降3%) is met by a decline at least as large.
    ok = (-a >= -t - tol - _EPS) if down else (a >= t - tol - _EPS)
    sign = ("≤" if ok else ">") if down else ("≥" if ok else "<")
    if bound == "about":
        how = (
            f"{d.about_points:g} point"
            if m != "level" or unit == "%"
            else (f"{d.about_relative:.0%} of the target")
        )
        limit = f"{_num(t + tol if down else t - tol)}{unit}"
        return _verdict(ok), f"{shown_a} {sign} {limit} (about {shown_t}, tolerance {how})"
    rule = "a decline at least this large" if down else "at least"
    return _verdict(ok), f"{shown_a} {sign} {shown_t} ({rule})"


def _verdict(ok: bool) -> Status:
    return "met" if ok else "missed"


def track(
    panel: Panel, year: int | None = None, dictionary: Dictionary | None = None
) -> list[Tracked]:
    """Every target of the plans for `year` (default: every year some plan sets targets for)."""
    d = dictionary or load_dictionary()
    reports: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for out in panel.outputs:
        for i, rep in enumerate(out.doc.reports):
            if rep.summary_year is not None:
                z = report_zone(rep)
                zone = z.key if z else unkeyed_zone(rep.organization, out.doc.source.path)
                reports.setdefault((zone, rep.summary_year), []).append((out.path, i))
    by_report: dict[tuple[str, int], list[Row]] = {}
    for r in panel.metrics:
        by_report.setdefault((r["output_path"], r["report_index"]), []).append(r)
    texts: dict[tuple[str, int], list[str]] = {}
    for f in panel.findings:
        texts.setdefault((f["output_path"], f["report_index"]), []).extend(
            [f["title"] or "", f["summary"] or "", f["quote"] or ""]
        )
    seen: set[tuple[str, int, str, str, str]] = set()
    result: list[Tracked] = []
    for t in panel.metrics:
        if t["kind"] != "target" or t["indicator_id"] is None or t["year"] is None:
            continue
        if year is not None and t["year"] != year:
            continue
        if t["summary_year"] == t["year"]:
            continue  # a report's own targets for the year it covers are not a plan ahead
        zone = zone_of(t)
        key = (zone, t["year"], t["indicator_id"], t["measure"], t["raw"])
        if key in seen:
            continue  # the same target as a headline figure and in a plan finding
        seen.add(key)
        result.append(_outcome(t, zone, reports.get((zone, t["year"]), []), by_report, texts, d))
    # Years in order; zones and targets as the outputs list them.
    zones = {zone_of(r): i for i, r in reversed(list(enumerate(panel.metrics)))}
    result.sort(key=lambda x: (x.year, zones[x.zone]))
    return result


def _outcome(
    t: Row,
    zone: str,
    reports: Sequence[tuple[str, int]],
    by_report: dict[tuple[str, int], list[Row]],
    texts: dict[tuple[str, int], list[str]],
    d: Dictionary,
) -> Tracked:
    def done(status: Status, note: str, a: Row | None = None) -> Tracked:
        return Tracked(
            zone=zone,
            year=t["year"],
            indicator=t["indicator"],
            measure=t["measure"],
            target=target_text(t, d),
            qualifier=t["qualifier"],
            bound=t["bound"] or "at_least",
            target_quote=t["quote"],
            target_source=_link(t),
            actual=actual_text(a) if a else None,
            actual_quote=a["quote"] if a else None,
            actual_source=_link(a) if a else None,
            status=status,
            note=note,
        )

    y = t["year"]
    if not reports:
        return done("no report", f"no report on {y} for this zone among the outputs")
    same = [
        r
        for rep in reports
        for r in by_report.get(rep, [])
        if r["kind"] == "actual" and r["indicator_id"] == t["indicator_id"]
    ]
    comparable = [r for r in same if _comparable(t, r)]
    usable = [r for r in comparable if _amount(r, t["measure"]) is not None]
    usable.sort(key=lambda r: (not r["verified"], r["id"]))
    if usable:
        a = usable[0]
        status, note = judge(t, a, d)
        # Flagged when one side is written under the flagged scope and the other is not
        # (利用外资 and 实际利用外资 are the same older scope).
        if bool(t["scope"]) != bool(a["scope"]):
            note += (
                f"; scope changed: {t['scope'] or t['indicator']} → {a['scope'] or a['indicator']}"
            )
        return done(status, note, a)
    redacted = [r for r in comparable or same if r["redacted"]]
    if redacted:
        a = redacted[0]
        return done("not reported", f"figure redacted in the {y} report: {a['raw']}", a)
    if same:
        a = same[0]
        return done(
            "not reported",
            f"the {y} report states only {a['raw']} ({a['measure']}), not comparable "
            f"with a {t['measure']} target",
            a,
        )
    ind = d.indicators.get(t["indicator_id"])
    names = (ind.name, *ind.synonyms, *ind.scopes) if ind else (t["indicator"],)
    corpus = "\n".join(x for rep in reports for x in texts.get(rep, []))
    if any(len(n) >= 2 and n in corpus for n in names):
        return done("not reported", f"the {y} report names the indicator without a figure")
    return done("dropped", f"not mentioned in the {y} report")
