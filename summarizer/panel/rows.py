"""Outputs of `summarize`/`batch` → flat rows: one per metric and one per finding.

In: paths of JSON outputs (files or folders of them) and a `Dictionary`. Out: `Panel`, the
rows every export format, `compare` and `track` are built from. Nothing here calls a model or
reads a source file: the rows come from the JSON alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic

from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    ReportSummary,
    SummaryDocument,
    Zone,
    findings_of,
)
from summarizer.lexicon.figures import parse_figure
from summarizer.lexicon.words import COLONS, COMMA, FULL_STOPS, SENTENCE_END_CHARS, char_class
from summarizer.panel.dictionary import STRETCH, Dictionary, Match, load_dictionary
from summarizer.text.zones import ZoneRules, as_zone, with_zone, zone_name

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of the exported tables: key (csv/parquet/sqlite), Chinese header (xlsx)."""

    key: str
    zh: str
    type: type
    metric: bool = True
    finding: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("record", "记录类型", str),
    Column("id", "编号", int),
    Column("zone", "园区", str),
    Column("zone_name", "园区原文名称", str),
    Column("division", "所在行政区", str),
    Column("report_title", "报告标题", str),
    Column("summary_year", "总结年度", int),
    Column("plan_year", "计划年度", int),
    Column("year", "所属年度", int),
    Column("part", "部分", str),
    Column("finding_id", "所属事项编号", int, finding=False),
    Column("topic", "主题", str),
    Column("title", "事项标题", str),
    Column("summary", "事项摘要", str),
    Column("indicator_id", "标准指标代码", str, finding=False),
    Column("indicator", "标准指标", str, finding=False),
    Column("indicator_class", "评价类别", str, finding=False),
    Column("family", "单位类别", str, finding=False),
    Column("scope", "统计口径", str, finding=False),
    Column("measure", "度量", str, finding=False),
    Column("name", "原文名称", str, finding=False),
    Column("raw", "原文数字", str, finding=False),
    Column("value", "数值", float, finding=False),
    Column("unit", "单位", str, finding=False),
    Column("value_base", "标准化数值", float, finding=False),
    Column("base_unit", "基准单位", str, finding=False),
    Column("change_pct", "同比变化(%)", float, finding=False),
    Column("kind", "实际/目标", str, finding=False),
    Column("qualifier", "限定词", str, finding=False),
    Column("bound", "限定含义", str, finding=False),
    Column("firmness", "措辞强度", str, finding=False),
    Column("period", "统计期", str, finding=False),
    Column("redacted", "已脱敏", bool, finding=False),
    Column("entities", "实体", str, metric=False),
    Column("metrics", "指标数", int, metric=False),
    Column("verified", "已核验", bool),
    Column("quote", "原文引文", str),
    Column("start", "起始偏移", int),
    Column("end", "结束偏移", int),
    Column("offsets", "全部偏移", str),
    Column("figure_start", "数字起始偏移", int, finding=False),
    Column("figure_end", "数字结束偏移", int, finding=False),
    Column("source_path", "源文件", str),
    Column("source_sha256", "源文件SHA256", str),
    Column("output_path", "输出文件", str),
    Column("report_index", "报告序号", int),
)
METRIC_COLUMNS = tuple(c for c in COLUMNS if c.metric)
FINDING_COLUMNS = tuple(c for c in COLUMNS if c.finding)
EVIDENCE_COLUMNS = (
    Column("id", "编号", int),
    Column("finding_id", "所属事项编号", int),
    Column("quote", "原文引文", str),
    Column("start", "起始偏移", int),
    Column("end", "结束偏移", int),
    Column("source_path", "源文件", str),
)
KEY_METRICS_PART = "key_metrics"
# Every row holds every column (None where it does not apply), so writers can pick cells
# with operator.itemgetter instead of a .get() per cell.
_METRIC_BLANKS: Row = dict.fromkeys(c.key for c in COLUMNS if not c.metric)
_FINDING_BLANKS: Row = dict.fromkeys(c.key for c in COLUMNS if not c.finding)

# A quote's clause ends at these; qualifiers before a figure are read within its clause.
_SENTENCE_BREAK = re.compile(char_class(FULL_STOPS + "\n"))
_CLAUSE_BREAK = re.compile(char_class(COMMA + SENTENCE_END_CHARS + COLONS + "\n"))
_BEFORE_CHARS = 16
_AFTER_CHARS = 4


@dataclass(frozen=True)
class Output:
    """One JSON output and the path it was read from."""

    path: str
    doc: SummaryDocument


@dataclass
class Panel:
    """The rows of a set of outputs (and the inputs that could not be read)."""

    outputs: list[Output]
    metrics: list[Row]
    findings: list[Row]
    evidence: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dictionary_version: str = ""


# --------------------------------------------------------------------------- loading


def output_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The JSON files named, with folders walked recursively (sorted, hidden entries skipped)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(root) / f for f in sorted(files) if f.endswith(".json") and f[0] != "."
                )
        else:
            found.append(p)
    return found


def load_outputs(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Output], list[str]]:
    """Parse every output; files that are not outputs become one-line problems, not errors."""
    outputs: list[Output] = []
    problems: list[str] = []
    for path in output_files(paths):
        try:
            data = path.read_bytes()
        except OSError as e:
            problems.append(f"{path}: cannot read: {e.strerror or e}")
            continue
        try:
            doc = SummaryDocument.model_validate_json(data)
        except pydantic.ValidationError as e:
            first = e.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "(root)"
            problems.append(
                f"{path}: not a summarizer output ({e.error_count()} schema error(s), "
                f"first at {where}: {first['msg']})"
            )
            continue
        outputs.append(Output(str(path), doc))
    return outputs, problems


def build_panel(
    paths: Iterable[str | os.PathLike[str]],
    dictionary: Dictionary | None = None,
    zones: ZoneRules | None = None,
) -> Panel:
    """Load outputs and turn them into metric and finding rows (`zones`: a zones file's
    rules, over the zones the outputs name)."""
    outputs, problems = load_outputs(paths)
    if zones is not None:
        for out in outputs:
            zone = zones.zone_for(out.doc.source.path, out.doc.source.relative_path, out.path)
            if zone:
                with_zone(out.doc, zone)
    panel = panel_of(outputs, dictionary)
    panel.problems = problems
    return panel


def panel_of(outputs: Sequence[Output], dictionary: Dictionary | None = None) -> Panel:
    """Metric and finding rows of already loaded outputs, numbered in input order."""
    d = dictionary or load_dictionary()
    matcher = lru_cache(maxsize=4096)(d.match)
    metrics: list[Row] = []
    findings: list[Row] = []
    evidence: list[Row] = []
    for out in outputs:
        for index, report in enumerate(out.doc.reports):
            base = _report_fields(out, index, report)
            quotes = _located_first([e for at in findings_of(report) for e in at.finding.evidence])
            for m in report.key_metrics:
                row = _metric_row(d, matcher, base, KEY_METRICS_PART, None, None, m, quotes)
                metrics.append({"id": len(metrics) + 1, **row, **_METRIC_BLANKS})
            for _, part, _, _, finding in findings_of(report):
                fid = len(findings) + 1
                findings.append(_finding_row(base, part, fid, finding))
                first_id = len(evidence) + 1
                evidence.extend(
                    {
                        "id": first_id + i,
                        "finding_id": fid,
                        "quote": e.quote,
                        "start": e.start,
                        "end": e.end,
                        "source_path": out.doc.source.path,
                    }
                    for i, e in enumerate(finding.evidence)
                )
                own = _located_first(finding.evidence)
                for m in finding.metrics:
                    row = _metric_row(d, matcher, base, part, fid, finding, m, own)
                    metrics.append({"id": len(metrics) + 1, **row, **_METRIC_BLANKS})
    return Panel(list(outputs), metrics, findings, evidence, dictionary_version=d.version)


def report_zone(report: ReportSummary) -> Zone | None:
    """The zone of a report: its own (schema 2), else one keyed from its organization
    (a schema-1 output); None when generic, redacted or unknown."""
    if report.zone is not None:
        return report.zone
    z = zone_name(report.organization)
    return as_zone(z) if z is not None else None


def _report_fields(out: Output, index: int, report: ReportSummary) -> Row:
    src = out.doc.source
    zone = report_zone(report)
    return {
        "zone": zone.key if zone else None,
        "zone_name": zone.name if zone else report.organization,
        "division": zone.division if zone else None,
        "report_title": report.title,
        "summary_year": report.summary_year,
        "plan_year": report.plan_year,
        "source_path": src.path,
        "source_sha256": src.sha256,
        "output_path": out.path,
        "report_index": index,
    }


def _finding_row(base: Row, part: str, fid: int, f: Finding) -> Row:
    located = [e for e in f.evidence if e.start is not None and e.end is not None]
    first = f.evidence[0] if f.evidence else None
    return {
        **_FINDING_BLANKS,
        "record": "finding",
        "id": fid,
        **base,
        "year": base["plan_year"] if part == "plan" else base["summary_year"],
        "part": part,
        "topic": f.topic,
        "title": f.title,
        "summary": f.summary,
        "entities": "；".join(f.entities) or None,
        "metrics": len(f.metrics),
        "verified": f.verified,
        "quote": "\n".join(e.quote for e in f.evidence) or None,
        "start": first.start if first else None,
        "end": first.end if first else None,
        "offsets": ";".join(f"{e.start}-{e.end}" for e in located) or None,
    }


def _metric_row(
    d: Dictionary,
    matcher: Any,
    base: Row,
    part: str,
    fid: int | None,
    finding: Finding | None,
    m: Metric,
    quotes: Sequence[Evidence],
) -> Row:
    value, unit_written = m.value, m.unit
    if (value is None and not m.redacted) or unit_written is None:
        # An output may leave a figure it could not read empty (三家, 一百二十亿元): the one
        # figure parser of the project reads it from the raw text.
        fig = parse_figure(m.raw)
        if value is None and not m.redacted and not fig.redacted:
            value = fig.value
        unit_written = unit_written or fig.unit
    match: Match | None = matcher(m.name, unit_written)
    value_base, base_unit = d.normalise(value, unit_written)
    # Since schema 2 a metric carries the offsets of its figure and the sentence that states
    # it (the one figure reading); an older output's figure is looked for in its evidence.
    ev, at, width = _figure_in(m, quotes)
    if ev is not None and at is not None:
        before = _CLAUSE_BREAK.split(ev.quote[max(0, at - _BEFORE_CHARS) : at])[-1]
        after = ev.quote[at + width : at + width + _AFTER_CHARS]
    else:
        before = after = ""
    reading = d.read_qualifiers(before, m.raw, after)
    # 过去五年…年均增长5.2%: the sentence before the figure says it covers several years.
    sentence = _SENTENCE_BREAK.split(ev.quote[:at])[-1] if ev is not None and at is not None else ""
    stretch = bool(STRETCH.search(sentence) or STRETCH.search(m.name))
    if match is not None and d.excluded(match.indicator, before, match.indicator.name):
        # Named 地区生产总值 by a model, written 海洋生产总值增长3.7%: the text's series wins.
        match = None
    unit = d.unit(unit_written)
    fig_start = (
        ev.start + at if ev is not None and ev.start is not None and at is not None else None
    )
    if finding is not None:
        verified = finding.verified
    else:
        # A headline figure has no finding of its own: it counts as verified when it stands
        # verbatim in evidence that was found in the source.
        verified = fig_start is not None
    year = base["plan_year"] if m.kind == "target" else base["summary_year"]
    return {
        "record": "metric",
        **base,
        "year": year,
        "part": part,
        "finding_id": fid,
        "topic": finding.topic if finding else None,
        "title": finding.title if finding else None,
        "summary": finding.summary if finding else None,
        "indicator_id": match.indicator.id if match else None,
        "indicator": match.indicator.name if match else None,
        "indicator_class": (match.indicator.klass or None) if match else None,
        "family": match.indicator.family if match else (unit.family if unit else None),
        "scope": match.scope if match else None,
        "measure": match.measure if match else None,
        "name": m.name,
        "raw": m.raw,
        "value": value,
        "unit": unit_written,
        "value_base": value_base,
        "base_unit": base_unit,
        "change_pct": m.change_pct,
        "kind": m.kind,
        "qualifier": ";".join(reading.words) or None,
        "bound": reading.bound,
        "firmness": reading.firmness or None,
        "period": "years" if stretch else None,
        "redacted": m.redacted,
        "verified": verified,
        "quote": ev.quote if ev else None,
        "start": ev.start if ev else None,
        "end": ev.end if ev else None,
        "offsets": f"{ev.start}-{ev.end}" if ev and ev.start is not None else None,
        "figure_start": fig_start,
        "figure_end": fig_start + width if fig_start is not None else None,
    }


def _figure_in(m: Metric, quotes: Sequence[Evidence]) -> tuple[Evidence | None, int | None, int]:
    """The evidence holding the metric's figure, the figure's index in it, and its width."""
    e = m.evidence
    if (
        e is not None
        and e.start is not None
        and e.end is not None
        and m.start is not None
        and m.end is not None
        and e.start <= m.start <= m.end <= e.end
    ):
        return e, m.start - e.start, m.end - m.start
    ev, at = _locate(m.raw, quotes)
    return ev, at, len(m.raw)


def _located_first(quotes: Sequence[Evidence]) -> list[Evidence]:
    return sorted(quotes, key=lambda e: e.start is None)


def _locate(raw: str, quotes: Sequence[Evidence]) -> tuple[Evidence | None, int | None]:
    """The first evidence that holds the figure verbatim (`quotes`: located ones first)."""
    if not raw:
        return None, None
    for e in quotes:
        at = e.quote.find(raw)
        if at >= 0:
            return e, at
    return None, None
