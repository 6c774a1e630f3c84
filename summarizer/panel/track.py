"""Targets of the year-N plans against what the report on year N says was achieved.

In: a `Panel` and the `Dictionary` (tolerance of 左右, floors and ceilings, names for
mentions). Out: one `Tracked` per target: met, missed, not reported, dropped or no report,
with both quotes and their offsets. Plans and reviews pair by zone key and year.

Where a plan's source file is there (same SHA-256) its targets are those of its target
paragraph and the review's outcomes are read from the review part (`panel.targets`: the
headline figure first, five-year figures never); otherwise the outputs' target and actual
metrics are used (stretch-of-years figures and excluded names left out, the headline first).
A ceiling indicator (居民消费价格, 城镇调查失业率, 能耗) is met by staying under its target; a
range (4.5%—5%) from its lower end; 居民收入增长和经济增长同步 by the income's growth keeping
up with GDP's within the tolerance.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from summarizer.lexicon.words import FALL_RATE_NOUNS, FALL_VERBS, alternation, direction_word
from summarizer.panel.compare import unkeyed_zone, zone_of
from summarizer.panel.dictionary import Dictionary, load_dictionary
from summarizer.panel.rows import KEY_METRICS_PART, Panel, Row, report_zone
from summarizer.panel.targets import (
    SourceFile,
    Stated,
    mentions,
    read_outcomes,
    read_targets,
    source_file,
    states_in_step,
)

Status = Literal["met", "missed", "not reported", "dropped", "no report"]
STATUSES: tuple[Status, ...] = ("met", "missed", "not reported", "dropped", "no report")
_DECLINE = re.compile(rf"(?:{alternation((*FALL_VERBS, *FALL_RATE_NOUNS))})$")
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
    target_start: int | None = None
    target_end: int | None = None
    actual_start: int | None = None
    actual_end: int | None = None
    read_from: str = "outputs"  # text: the source's target paragraph and review; outputs

    def as_json(self) -> dict[str, object]:
        """One row of `track --json`."""
        return {
            "zone": self.zone,
            "year": self.year,
            "indicator": self.indicator,
            "measure": self.measure,
            "status": self.status,
            "target_raw": self.target,
            "actual_raw": self.actual,
            "bound": self.bound,
            "note": self.note,
            "read_from": self.read_from,
            "evidence": {
                "target": {"quote": self.target_quote, "source": self.target_source,
                           "start": self.target_start, "end": self.target_end},
                "actual": {"quote": self.actual_quote, "source": self.actual_source,
                           "start": self.actual_start, "end": self.actual_end},
            },
        }  # fmt: skip


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
        verb = direction_word(falls=_declines(row))
    return f"{pre}{verb}{row['raw']}{post}"


def actual_text(row: Row) -> str:
    """The outcome as a phrase: 199.5亿元，增长8.2%; 增长6%; 0.3个百分点."""
    if row["measure"] == "growth":
        return f"{direction_word(falls=_declines(row))}{row['raw']}"
    c = row["change_pct"]
    if row["measure"] == "level" and c is not None:
        return f"{row['raw']}，{direction_word(falls=c < 0)}{abs(c):g}%"
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
    ind = d.indicators.get(target.get("indicator_id") or "")
    ceiling = ind is not None and ind.target == "ceiling"
    bound = target["bound"] or ("at_most" if ceiling else "at_least")
    if bound == "at_most":
        ok = a <= t + _EPS
        return _verdict(ok), f"{shown_a} {'≤' if ok else '>'} {shown_t} (at most)"
    if ceiling and bound == "about":
        tol = d.about_points if m != "level" or unit == "%" else d.about_relative * abs(t)
        ok = a <= t + tol + _EPS
        return _verdict(
            ok
        ), f"{shown_a} {'≤' if ok else '>'} {_num(t + tol)}{unit} (a ceiling: about {shown_t})"
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
    panel: Panel,
    year: int | None = None,
    dictionary: Dictionary | None = None,
    *,
    sources: bool = True,
) -> list[Tracked]:
    """Every target of the plans for `year` (default: every year some plan sets targets for).

    With `sources`, a plan whose source file is there (same SHA-256) gives the targets of
    its target paragraph, and a review whose source is there its outcomes, read from the
    text (`panel.targets`); the outputs' metrics are used for the rest.
    """
    d = dictionary or load_dictionary()
    reports: dict[tuple[str, int], list[tuple[str, int]]] = {}
    texts_of: dict[tuple[str, int], SourceFile] = {}
    for out in panel.outputs:
        for i, rep in enumerate(out.doc.reports):
            if sources:
                src = source_file(out)
                if src is not None:
                    texts_of[(out.path, i)] = src
            if rep.summary_year is not None:
                z = report_zone(rep)
                zone = z.key if z else unkeyed_zone(rep.organization, out.doc.source.path)
                reports.setdefault((zone, rep.summary_year), []).append((out.path, i))
    from_text: list[Tracked] = []
    read_plans: set[tuple[str, int]] = set()
    for out in panel.outputs:
        for i, rep in enumerate(out.doc.reports):
            n = rep.plan_year
            src = texts_of.get((out.path, i))
            if n is None or src is None or n == rep.summary_year:
                continue
            if year is not None and n != year:
                continue
            targets = read_targets(src.text, d)
            if not targets:
                continue
            read_plans.add((out.path, i))
            z = report_zone(rep)
            zone = z.key if z else unkeyed_zone(rep.organization, out.doc.source.path)
            reviews = [texts_of[k] for k in reports.get((zone, n), []) if k in texts_of]
            from_text.extend(_text_outcome(st, zone, n, src, reviews, d) for st in targets)
    by_report: dict[tuple[str, int], list[Row]] = {}
    for r in panel.metrics:
        by_report.setdefault((r["output_path"], r["report_index"]), []).append(r)
    texts: dict[tuple[str, int], list[str]] = {}
    for f in panel.findings:
        texts.setdefault((f["output_path"], f["report_index"]), []).extend(
            [f["title"] or "", f["summary"] or "", f["quote"] or ""]
        )
    seen: set[tuple[str, int, str, str, str]] = set()
    result: list[Tracked] = list(from_text)
    for t in panel.metrics:
        if t["kind"] != "target" or t["indicator_id"] is None or t["year"] is None:
            continue
        if (t["output_path"], t["report_index"]) in read_plans:
            continue  # its targets were read from its target paragraph
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
    for x in result:
        zones.setdefault(x.zone, len(zones) + 10**9)
    result.sort(key=lambda x: (x.year, zones[x.zone]))
    return result


# --------------------------------------------------------------------------- from the text


def _text_outcome(
    t: Stated, zone: str, year: int, plan: SourceFile, reviews: list[SourceFile], d: Dictionary
) -> Tracked:
    ind = t.indicator
    bound = t.bound or ("at_most" if ind.target == "ceiling" else "at_least")

    def done(
        status: Status, note: str, a: Stated | None = None, src: SourceFile | None = None
    ) -> Tracked:
        return Tracked(
            zone=zone,
            year=year,
            indicator=ind.name,
            measure=t.measure,
            target=t.raw,
            qualifier=t.bound,
            bound=bound,
            target_quote=t.quote,
            target_source=f"{plan.path}:{t.start}-{t.end}",
            actual=a.raw if a else None,
            actual_quote=a.quote if a else None,
            actual_source=f"{src.path}:{a.start}-{a.end}" if a and src else None,
            status=status,
            note=note,
            target_start=t.start,
            target_end=t.end,
            actual_start=a.start if a else None,
            actual_end=a.end if a else None,
            read_from="text",
        )

    if not reviews:
        return done("no report", f"no report on {year} for this zone among the outputs")
    if t.relative_to is not None:
        return _in_step(t, reviews, d, done, year)
    named = False
    for src in reviews:
        outcomes = read_outcomes(src.text, d)
        same = [a for a in outcomes if a.indicator.id == ind.id]
        comparable = [a for a in same if a.measure == t.measure and _same_base(t, a, d)]
        if comparable:
            a = comparable[0]
            status, note = judge_stated(t, a, d)
            return done(status, note, a, src)
        if same:
            a = same[0]
            return done("not reported", f"the {year} report states only {a.raw} ({a.measure}), "
                        f"not comparable with a {t.measure} target", a, src)  # fmt: skip
        named = named or mentions(src.text, ind, d)
    if named:
        return done("not reported", f"the {year} report names the indicator without a figure")
    return done("dropped", f"not mentioned in the {year} report")


def _in_step(
    t: Stated,
    reviews: list[SourceFile],
    d: Dictionary,
    done: Callable[..., Tracked],
    year: int,
) -> Tracked:
    """A target of keeping pace (居民收入增长和经济增长同步): met when the subject's growth is at
    least the reference's less the tolerance, or when the review says it kept pace."""
    ref = d.indicators.get(t.relative_to or "")
    for src in reviews:
        outcomes = read_outcomes(src.text, d)
        mine = next((a for a in outcomes if a.indicator.id == t.indicator.id
                     and a.measure == "growth"), None)  # fmt: skip
        theirs = next((a for a in outcomes if ref is not None and a.indicator.id == ref.id
                       and a.measure == "growth"), None)  # fmt: skip
        if mine is not None and theirs is not None:
            ok = mine.value >= theirs.value - d.about_points - _EPS
            note = (f"{_num(mine.value)}% {'≥' if ok else '<'} {_num(theirs.value - d.about_points)}% "
                    f"({ref.name if ref else ''} {_num(theirs.value)}%, in step, tolerance "
                    f"{d.about_points:g} point)")  # fmt: skip
            return done(_verdict(ok), note, mine, src)
        said = states_in_step(src.text, t.indicator.id)
        if said is not None:
            stated = replace(t, raw=said.group(), start=said.start(), end=said.end(),
                             quote=said.group(), quote_start=said.start())  # fmt: skip
            return done("met", f"the {year} report says it kept pace", stated, src)
        if mine is not None or mentions(src.text, t.indicator, d):
            return done("not reported", f"the {year} report gives no growth of both to compare")
    return done("dropped", f"not mentioned in the {year} report")


def _same_base(t: Stated, a: Stated, d: Dictionary) -> bool:
    if t.measure != "level":
        return True
    ut, ua = d.unit(t.unit), d.unit(a.unit)
    return ut is not None and ua is not None and ut.base == ua.base


def judge_stated(t: Stated, a: Stated, d: Dictionary) -> tuple[Status, str]:
    """met or missed for a target and an outcome read from the text, with the reason."""
    ceiling = t.indicator.target == "ceiling"
    if t.measure == "level":
        ut, ua = d.unit(t.unit), d.unit(a.unit)
        assert ut is not None and ua is not None
        tv, av = t.value, a.value * ua.factor / ut.factor
        high = t.high
        unit = t.unit or ""
        tol = d.about_points if ut.base in ("%", "个百分点") else d.about_relative * abs(tv)
        how = (
            f"{d.about_points:g} point"
            if ut.base in ("%", "个百分点")
            else f"{d.about_relative:.0%} of the target"
        )
    else:
        tv, av, high = t.value, a.value, t.high
        unit = "%" if t.measure == "growth" else "个百分点"
        tol, how = d.about_points, f"{d.about_points:g} point"
    return compare_values(tv, high, t.bound, av, ceiling=ceiling, tol=tol, how=how, unit=unit)


def compare_values(
    t: float,
    high: float | None,
    bound: str | None,
    a: float,
    *,
    ceiling: bool,
    tol: float,
    how: str,
    unit: str,
) -> tuple[Status, str]:
    """The verdict of one comparison, in words.

    A floor (growth, output) is met when the outcome reaches the target; a ceiling (prices,
    unemployment) when it stays under it. 左右 moves the line by `tol` in the outcome's
    favour; a range (4.5%-5%) is met from its lower end up (a floor) or up to its upper end
    (a ceiling); 以上/以内 are hard lines. A decline target (能耗降低3%) is met by a decline at
    least that large.
    """
    shown_t = f"{_num(t)}{unit}" if high is None else f"{_num(t)}-{_num(high)}{unit}"
    shown_a = f"{_num(a)}{unit}"
    if bound == "at_most" or (ceiling and bound != "at_least"):
        limit = (high if high is not None else t) + (tol if bound == "about" else 0.0)
        if bound == "about" or (ceiling and bound is None and high is None):
            limit = t + tol if bound == "about" else t
        ok = a <= limit + _EPS
        rule = f"a ceiling, tolerance {how}" if bound == "about" else "a ceiling"
        return _verdict(
            ok
        ), f"{shown_a} {'≤' if ok else '>'} {_num(limit)}{unit} ({rule}: {shown_t})"
    if t < 0:  # a decline target: the decline must be at least as large
        limit = t + (tol if bound == "about" else 0.0)
        ok = a <= limit + _EPS
        return _verdict(
            ok
        ), f"{shown_a} {'≤' if ok else '>'} {_num(limit)}{unit} (a decline of at least {shown_t})"
    limit = t - (tol if bound == "about" else 0.0)
    ok = a >= limit - _EPS
    rule = f"about {shown_t}, tolerance {how}" if bound == "about" else f"at least {shown_t}"
    if bound == "range":
        rule = f"the range {shown_t} from its lower end"
    return _verdict(ok), f"{shown_a} {'≥' if ok else '<'} {_num(limit)}{unit} ({rule})"


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
            target_start=t["figure_start"],
            target_end=t["figure_end"],
            actual_start=a["figure_start"] if a else None,
            actual_end=a["figure_end"] if a else None,
        )

    y = t["year"]
    if not reports:
        return done("no report", f"no report on {y} for this zone among the outputs")
    same = [
        r
        for rep in reports
        for r in by_report.get(rep, [])
        if r["kind"] == "actual" and r["indicator_id"] == t["indicator_id"] and r["period"] is None
    ]
    comparable = [r for r in same if _comparable(t, r)]
    usable = [r for r in comparable if _amount(r, t["measure"]) is not None]
    # The report's headline figure first, then verified ones, then source order.
    usable.sort(key=lambda r: (r["part"] != KEY_METRICS_PART, not r["verified"], r["id"]))
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
