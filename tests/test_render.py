"""The rich and Markdown renderings of a SummaryDocument, built in code."""

from __future__ import annotations

from typing import Any

import factories
import pytest
from rich.cells import cell_len
from rich.console import Console

from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    ReportSummary,
    SummaryDocument,
    Usage,
)
from summarizer.render.markdown import escape, render_markdown
from summarizer.render.rich_view import metric_inline, render_rich


def _metric(name: str, raw: str, value: float | None, unit: str | None, **kw: Any) -> Metric:
    return factories.metric(name, raw, value, unit=unit, **kw)


def _finding(
    title: str,
    summary: str,
    topic: str = "investment_promotion",
    *,
    metrics: list[Metric] | None = None,
    evidence: list[Evidence] | None = None,
    verified: bool = True,
) -> Finding:
    return factories.finding(
        title, evidence, summary=summary, topic=topic, metrics=metrics, verified=verified
    )


def _doc(reports: list[ReportSummary], warnings: list[str] | None = None) -> SummaryDocument:
    usage = Usage(calls=3, prompt_tokens=1200, completion_tokens=345, cached_tokens=100)
    return factories.document(
        reports,
        path="reports/zone_2023.txt",
        warnings=warnings,
        backend="openai",
        model="qwen-plus",
        usage=usage,
        elapsed_s=2.46,
    )


def plain_doc() -> SummaryDocument:
    output = _metric("规上工业总产值", "184.7亿元", 184.7, "亿元", change_pct=16.2)
    report = ReportSummary(
        title="某经济开发区2023年工作总结",
        organization="某经济开发区管委会",
        summary_year=2023,
        plan_year=2024,
        overview="园区经济稳中有进。招商引资成效明显。",
        key_metrics=[output, _metric("固定资产投资", "35亿元", 35.0, "亿元", kind="target")],
        achievements=[
            _finding(
                "招商引资",
                "全年签约项目12个。",
                metrics=[_metric("签约项目", "12个", 12.0, "个")],
                evidence=[Evidence(quote="全年签约项目12个", start=40, end=48)],
            ),
            _finding("经济运行", "产值稳步增长。", "industrial_economy", metrics=[output]),
        ],
        problems=[_finding("要素制约", "土地指标紧张。", "land_resources")],
        plans=[_finding("项目建设", "推进重点项目开工。", "projects")],
        other=[],
        warnings=[],
    )
    return _doc([report])


def redacted_doc() -> SummaryDocument:
    report = ReportSummary(
        title=None,
        organization=None,
        summary_year=None,
        plan_year=2024,
        overview="园区营业收入[red]有所增长[/red]。",
        key_metrics=[_metric("营业收入", "X亿元", None, "亿元"), _metric("税收", "*%", None, "%")],
        achievements=[
            _finding(
                "经济运行",
                "营业收入增长*%。",
                "industrial_economy",
                evidence=[Evidence(quote="营业收入同比增长", start=None, end=None)],
                verified=False,
            )
        ],
        problems=[],
        plans=[],
        other=[_finding("意见建议", "请求上级支持用地指标。", "other")],
        warnings=["finding 1: quote not found in the source"],
    )
    return _doc([report, report], warnings=["2 reports found"])


def _rich_text(doc: SummaryDocument, width: int = 100) -> str:
    console = Console(width=width, color_system=None, record=True)
    render_rich(doc, console)
    return console.export_text()


# --------------------------------------------------------------------------- rich


def test_rich_shows_header_overview_metrics_and_lists() -> None:
    text = _rich_text(plain_doc())
    assert "某经济开发区2023年工作总结" in text
    assert "organization: 某经济开发区管委会" in text
    assert "summary year 2023 · plan year 2024" in text
    assert "园区经济稳中有进。" in text
    assert "Key metrics" in text
    # the key-metrics row carries name, raw, change and kind
    row = next(line for line in text.splitlines() if "规上工业总产值" in line and "+16.2%" in line)
    assert "184.7亿元" in row and "actual" in row
    assert "target" in next(line for line in text.splitlines() if "固定资产投资" in line)
    assert "Achievements 成绩 (2)" in text
    assert "Problems 问题 (1)" in text
    assert "Plans 计划 (1)" in text
    assert "Other" not in text  # no empty "other" heading
    assert "1. ✓ 招商引资  [招商引资]" in text
    assert "metrics: 签约项目 12个" in text
    assert "2. ✓ 经济运行  [经济运行]" in text
    assert "[土地与要素保障]" in text
    assert "unverified" not in text


def test_rich_footer_has_provenance() -> None:
    text = _rich_text(plain_doc())
    footer = " ".join(text.split("─" * 20)[-1].split())
    assert "source reports/zone_2023.txt · 1,234 chars · sha256 abababababab" in footer
    assert "backend openai" in footer
    assert "model qwen-plus" in footer
    assert "3 calls" in footer
    assert "1,200 prompt + 345 completion tokens (100 cached)" in footer
    assert "2.5 s" in footer


def test_rich_marks_unverified_redacted_and_warnings() -> None:
    text = _rich_text(redacted_doc())
    assert "(untitled report)" in text
    assert "organization: (not stated)" in text
    assert "summary year ? · plan year 2024" in text
    assert "report 1/2" in text and "report 2/2" in text
    assert "1. ✗ 经济运行  [经济运行]  unverified" in text
    assert "Problems 问题 (0)" in text and "none stated" in text
    assert "Other 其他 (1)" in text
    redacted_row = next(line for line in text.splitlines() if "X亿元" in line)
    assert "✱" in redacted_row
    assert "⚠ finding 1: quote not found in the source" in text
    assert "⚠ 2 reports found" in text
    # document text is never read as rich markup
    assert "[red]有所增长[/red]" in text


def test_rich_fits_80_columns() -> None:
    text = _rich_text(redacted_doc(), width=80) + _rich_text(plain_doc(), width=80)
    assert "✗ 经济运行" in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_metric_inline() -> None:
    m = _metric("营业收入", "-*%", None, "%", kind="target")
    assert metric_inline(m) == "营业收入 -*% [target] [redacted]"
    assert (
        metric_inline(_metric("利润", "3亿元", 3.0, "亿元", change_pct=-5.0))
        == "利润 3亿元 (\u22125%)"
    )


# --------------------------------------------------------------------------- markdown


def test_markdown_structure() -> None:
    md = render_markdown(plain_doc())
    lines = md.splitlines()
    assert lines[0] == "# 某经济开发区2023年工作总结"
    assert "**Organization:** 某经济开发区管委会 · summary year 2023 · plan year 2024" in lines
    assert "园区经济稳中有进。招商引资成效明显。" in lines
    assert "## Key metrics" in lines
    assert "| 规上工业总产值 | 184.7亿元 | 184.7亿元 | +16.2% | actual |  |" in lines
    assert "| 固定资产投资 | 35亿元 | 35亿元 |  | target |  |" in lines
    assert "## Achievements 成绩" in lines
    assert "1. ✓ **招商引资** (招商引资): 全年签约项目12个。" in lines
    assert "   - Metrics: 签约项目 12个" in lines
    assert "   > 全年签约项目12个  " in lines
    assert "   > — *chars 40–48*" in lines
    assert "## Problems 问题" in lines and "## Plans 计划" in lines
    assert "## Other 其他" not in lines
    assert lines[-1].startswith("*Source: reports/zone\\_2023.txt (sha256 abababababab…")
    assert "backend openai · model qwen-plus · 3 calls · 1,545 tokens · 2.5 s*" in lines[-1]
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_markdown_redacted_unverified_and_warnings() -> None:
    md = render_markdown(redacted_doc())
    lines = md.splitlines()
    assert "# 1/2 · Report 1" in lines and "# 2/2 · Report 2" in lines
    assert "**Organization:** (not stated) · summary year ? · plan year 2024" in lines
    # the * of a redacted figure is escaped, so it is not read as emphasis
    assert "| 营业收入 | X亿元 | X亿元 |  | actual | yes |" in lines
    assert "| 税收 | \\*% | \\*% |  | actual | yes |" in lines
    assert "1. ✗ unverified **经济运行** (经济运行): 营业收入增长\\*%。" in lines
    assert "   > — *not found in the source*" in lines
    assert "*None stated.*" in lines
    assert "## Other 其他" in lines
    assert "## Warnings" in lines
    assert "- finding 1: quote not found in the source" in lines
    assert lines.count("# Warnings") == 1 and "- 2 reports found" in lines


def test_markdown_escape() -> None:
    assert escape("a|b *c* _d_ [e](f) <g>") == "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g\\>"
    assert escape("第一行\n第二行  尾") == "第一行 第二行 尾"


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        # a growth is a signed change, never a level
        (
            {"raw": "10.8%", "value": None, "unit": "%", "change_pct": 10.8, "measure": "growth"},
            "+10.8%",
        ),
        (
            {"raw": "40.5%", "value": None, "unit": "%", "change_pct": -40.5, "measure": "growth"},
            "\u221240.5%",
        ),
        (
            {
                "raw": "5.5%",
                "value": None,
                "unit": "%",
                "change_pct": 5.5,
                "measure": "growth",
                "qualifier": "about",
            },
            "≈+5.5%",
        ),
        (
            {
                "raw": "2个百分点",
                "value": None,
                "unit": "个百分点",
                "change_pct": 2.0,
                "measure": "points",
            },
            "+2个百分点",
        ),
        # bounds, estimates, ranges, a level reached
        (
            {
                "raw": "5.5%以上",
                "value": 5.5,
                "unit": "%",
                "measure": "share",
                "qualifier": "at_least",
            },
            "≥5.5%",
        ),
        (
            {
                "raw": "约98亿元",
                "value": 98.0,
                "unit": "亿元",
                "measure": "level",
                "qualifier": "about",
            },
            "≈98亿元",
        ),
        (
            {
                "raw": "300多亩",
                "value": 300.0,
                "unit": "亩",
                "measure": "level",
                "qualifier": "plus",
            },
            "300+亩",
        ),
        (
            {
                "raw": "3-5个",
                "value": 3.0,
                "high": 5.0,
                "unit": "个",
                "measure": "count",
                "qualifier": "range",
            },
            "3–5个",
        ),
        (
            {"raw": "13.6%", "value": 13.6, "unit": "%", "measure": "share", "direction": "down"},
            "13.6% ↓",
        ),
        # redacted, or written before the reading (schema 1): as written
        ({"raw": "X亿元", "value": None, "unit": "亿元", "redacted": True}, "X亿元"),
        ({"raw": "184.7亿元", "value": 184.7, "unit": "亿元", "change_pct": 16.2}, "184.7亿元"),
    ],
)
def test_metric_figure_shows_what_the_figure_measures(fields: dict[str, Any], shown: str) -> None:
    from summarizer.core.schema import Metric
    from summarizer.render.format import metric_figure

    base: dict[str, Any] = {"name": "指标", "change_pct": None, "kind": "actual", "redacted": False}
    assert metric_figure(Metric(**{**base, **fields})) == shown


def test_a_redacted_level_keeps_its_figure_and_shows_its_growth() -> None:
    from summarizer.render.format import metric_change, metric_figure

    m = Metric(
        name="营业收入", raw="*亿元", value=None, unit="亿元", change_pct=6.16, kind="actual",
        redacted=True, measure="level",
    )  # fmt: skip
    assert (metric_figure(m), metric_change(m)) == ("*亿元", "+6.16%")
