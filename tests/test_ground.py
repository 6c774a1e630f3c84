"""Tests for summarizer.grounding.ground: aligning quotes to the source and checking numbers."""

from __future__ import annotations

import pytest

from summarizer.core.document import Chunk, CleanText, Mask, SourceText
from summarizer.core.schema import ExtractedFinding, ExtractedMetric
from summarizer.grounding.ground import (
    FUZZY_MIN_SCORE,
    align_quote,
    ground_finding,
    ground_metrics,
    ground_organization,
    normalize_quote,
)

# Seed 003, with the docx-sharing site's page marker "\n2、" in the middle of a sentence.
PLATFORM = (
    "(一)平台支撑更加有力。有色金属新材料产业园完成工程投资额约3亿元,已\n2、完成2栋厂房主体工程"
    "建设,剩余的10栋厂房正在进行主体结构施工和钢结构安装。铝基一路已基本完成道路铺设工作,"
    "正在进行路灯绿化建设,已完成总工程量的90%o铝基二路已完成总工程量的50%o。"
)
ECONOMY = (
    "(二)园区经济稳定增长。1-9月,实现营业收入*亿元,同比增长6.16%;实现工业总产值*亿元,"
    "下降4.67%;应交增值税8.78亿元,下降28.38%;实现利润*亿元,增长104.6%。"
)
TEXT = "经开区2023年工作总结\n一、2023年工作完成情况\n" + PLATFORM + ECONOMY


def _clean() -> CleanText:
    marker = TEXT.index("\n2、完成")
    source = SourceText(path="t.txt", text=TEXT, encoding="utf-8", format="txt", sha256="0")
    return CleanText.build(source, [Mask(marker, marker + 3, "page number")])


def _chunk(clean: CleanText) -> Chunk:
    start = TEXT.index("(一)")
    return Chunk(
        index=0,
        report=0,
        kind="achievements",
        path=("一、2023年工作完成情况",),
        start=start,
        end=len(TEXT),
        text=clean.analysed(start, len(TEXT)),
        tokens=0,
    )


def _finding(
    *,
    summary: str = "园区营业收入同比增长6.16%，应交增值税下降28.38%。",
    quotes: list[str] | None = None,
    metrics: list[ExtractedMetric] | None = None,
) -> ExtractedFinding:
    return ExtractedFinding(
        kind="achievement",
        title="园区经济",
        summary=summary,
        topic="industrial_economy",
        metrics=metrics or [],
        entities=[],
        quotes=quotes if quotes is not None else ["应交增值税8.78亿元,下降28.38%"],
    )


def _metric(name: str, raw: str, change: float | None = None) -> ExtractedMetric:
    return ExtractedMetric(name=name, raw=raw, change_pct=change, kind="actual")


def test_align_exact() -> None:
    clean = _clean()
    quote = "应交增值税8.78亿元,下降28.38%"
    al = align_quote(quote, clean, (0, len(TEXT)))
    assert al is not None and al.method == "exact"
    assert TEXT[al.start : al.end] == quote


def test_align_prefers_the_region() -> None:
    clean = _clean()
    # "2023年工作" occurs in the title and in the first heading; the region picks the heading.
    heading = TEXT.index("一、2023年")
    al = align_quote("2023年工作", clean, (heading, len(TEXT)))
    assert al is not None and al.start == heading + 2


def test_align_skips_masked_page_marker() -> None:
    clean = _clean()
    al = align_quote("已完成2栋厂房主体工程建设", clean, (0, len(TEXT)))
    assert al is not None and al.method == "normalized"
    assert TEXT[al.start : al.end] == "已\n2、完成2栋厂房主体工程建设"


def test_align_full_width_punctuation() -> None:
    clean = _clean()
    al = align_quote("应交增值税8.78亿元，下降28.38％；实现利润", clean, (0, len(TEXT)))
    assert al is not None and al.method == "normalized"
    assert TEXT[al.start : al.end] == "应交增值税8.78亿元,下降28.38%;实现利润"


def test_align_fuzzy_window() -> None:
    clean = _clean()
    # One character changed (和 → 与): no exact or normalised match, a close fuzzy one.
    quote = "剩余的10栋厂房正在进行主体结构施工与钢结构安装"
    al = align_quote(quote, clean, (0, len(TEXT)))
    assert al is not None and al.method == "fuzzy"
    assert al.score >= FUZZY_MIN_SCORE
    assert "主体结构施工和钢结构安装" in TEXT[al.start : al.end]


def test_align_unrelated_quote_is_none() -> None:
    assert align_quote("招商引资签约项目创历史新高", _clean(), (0, len(TEXT))) is None
    assert align_quote("   ", _clean(), (0, len(TEXT))) is None


def test_normalize_quote() -> None:
    assert normalize_quote("（一） 平台：支撑；“好”") == normalize_quote('(一)平台:支撑;"好"')


def test_ground_finding_verified() -> None:
    clean = _clean()
    extracted = _finding(metrics=[_metric("应交增值税", "8.78亿元", -28.38)])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert warnings == []
    assert finding.verified
    ev = finding.evidence[0]
    assert ev.start is not None and TEXT[ev.start : ev.end] == ev.quote
    m = finding.metrics[0]
    assert (m.value, m.unit, m.change_pct, m.redacted) == (8.78, "亿元", -28.38, False)


def test_ground_finding_stores_exact_source_substring() -> None:
    clean = _clean()
    extracted = _finding(
        summary="已完成2栋厂房主体工程建设。", quotes=["已完成2栋厂房主体工程建设"]
    )
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert finding.verified, warnings
    assert finding.evidence[0].quote == "已\n2、完成2栋厂房主体工程建设"


def test_ground_finding_flags_invented_number() -> None:
    clean = _clean()
    extracted = _finding(summary="产业园完成工程投资额约5亿元。")
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert not finding.verified
    assert warnings == ['园区经济: number "5" in summary not found in its source span']


def test_ground_finding_flags_guessed_redacted_figure() -> None:
    clean = _clean()
    extracted = _finding(metrics=[_metric("工业总产值", "15亿元", -4.67)])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert not finding.verified
    # the source writes 工业总产值 redacted: a number for it is a guess
    assert warnings == [
        '园区经济: figure "15亿元" in metric 工业总产值 gives a number the source redacts in its'
        " source span (the source writes 工业总产值 *亿元)"
    ]


def test_ground_finding_flags_redacted_figure_filled_with_a_number_of_the_chunk() -> None:
    clean = _clean()
    # 8.78 is written in the chunk, but not for 工业总产值, which the report hides.
    extracted = _finding(metrics=[_metric("工业总产值", "8.78亿元")])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert not finding.verified
    assert warnings == [
        '园区经济: figure "8.78亿元" in metric 工业总产值 is another indicator\'s figure in its'
        " source span (the source writes it for 应交增值税)",
    ]


def test_ground_finding_keeps_redacted_metric_redacted() -> None:
    clean = _clean()
    extracted = _finding(metrics=[_metric("工业总产值", "*亿元", -4.67)])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert finding.verified, warnings
    m = finding.metrics[0]
    assert (m.value, m.unit, m.redacted, m.change_pct) == (None, "亿元", True, -4.67)


def test_ground_finding_flags_wrong_change_pct() -> None:
    clean = _clean()
    extracted = _finding(metrics=[_metric("应交增值税", "8.78亿元", -18.38)])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert not finding.verified
    assert warnings == [
        '园区经济: figure "8.78亿元" in metric 应交增值税 has a change not written with it in its'
        " source span (the source writes it for 应交增值税)"
    ]


def test_ground_finding_unaligned_quote() -> None:
    clean = _clean()
    extracted = _finding(quotes=["应交增值税8.78亿元,下降28.38%", "招商引资签约项目创历史新高"])
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert not finding.verified
    assert finding.evidence[1].start is None and finding.evidence[1].end is None
    assert finding.evidence[1].quote == "招商引资签约项目创历史新高"
    assert warnings == ["园区经济: quote not found in the source: 招商引资签约项目创历史新高"]


def test_ground_finding_fuzzy_quote_is_verified_with_a_warning() -> None:
    clean = _clean()
    extracted = _finding(
        summary="剩余厂房正在施工。", quotes=["剩余的10栋厂房正在进行主体结构施工与钢结构安装"]
    )
    finding, warnings = ground_finding(extracted, _chunk(clean), clean)
    assert finding.verified
    assert len(warnings) == 1 and "matched approximately" in warnings[0]


def test_ground_finding_without_quotes_is_not_verified() -> None:
    clean = _clean()
    finding, warnings = ground_finding(_finding(quotes=[]), _chunk(clean), clean)
    assert not finding.verified
    assert warnings == ["园区经济: no evidence quoted"]


def test_ground_finding_accepts_year_from_the_heading_path() -> None:
    clean = _clean()
    chunk = _chunk(clean)
    assert "2023" not in chunk.text.replace("一、2023年", "")
    extracted = _finding(summary="2023年应交增值税8.78亿元。")
    finding, _ = ground_finding(extracted, chunk, clean)
    assert finding.verified


def test_ground_metrics_drops_ungrounded() -> None:
    clean = _clean()
    metrics = [
        _metric("应交增值税", "8.78亿元", -28.38),
        _metric("营业收入", "*亿元", 6.16),
        _metric("工业总产值", "15亿元"),
        _metric("利润", "很多"),
    ]
    kept, warnings = ground_metrics(metrics, _chunk(clean))
    assert [(m.name, m.redacted) for m in kept] == [("应交增值税", False), ("营业收入", True)]
    assert len(warnings) == 2
    assert warnings[0].startswith(
        'key metric 工业总产值 "15亿元" dropped: figure "15亿元" in metric 工业总产值 gives a number'
        " the source redacts"
    )
    assert warnings[1] == 'key metric 利润 "很多" dropped: no figure'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("经开区", "经开区"),
        ("  经开区 ", "经开区"),
        ("X新区管委会", None),
        ("*经开区", None),
        ("嵊州经济开发区", None),
        (None, None),
        ("", None),
    ],
)
def test_ground_organization(name: str | None, expected: str | None) -> None:
    assert ground_organization(name, _clean()) == expected
