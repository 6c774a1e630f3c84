"""The one grounding rule (ground.py), as summarize, check and eval apply it.

The issue's cases: Chinese numerals, a figure swapped to another indicator, a flipped
direction, an edited key metric and overview, a repeated sentence, unverified findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import metric, offline_document
from fake_backend import FakeBackend

from summarizer.core.config import Settings
from summarizer.core.document import SourceText
from summarizer.core.schema import (
    ChunkExtraction,
    Evidence,
    ExtractedFinding,
    ExtractedMetric,
    Finding,
    ReportSummary,
)
from summarizer.grounding.ground import (
    ground_finding,
    ground_metrics,
    overview_problems,
    report_text,
)
from summarizer.lexicon.binding import subject_fit
from summarizer.pipeline import analyse, analyse_source, summarize_file
from summarizer.review.check import check_document, check_output

SEED_004 = Path(__file__).resolve().parent.parent / "seeds" / "004_8aea4feb83059470.txt"
HEADLINE = "规上工业总产值184.7亿元,同比增长16.2%;完成固定资产投资37.59亿元,同比增长23.8%"
FISCAL = "全年实现财政总收入12.8亿元,同比增长9.29%"

CN_TEXT = (
    "经开区2023年工作总结\n一、2023年工作总结\n"
    "(一)项目建设提速。全年新签约项目十二个，总投资一百二十亿元，其中亿元以上项目八个。\n"
    "(二)企业服务优化。走访企业三百余家，帮助解决问题六十项。\n"
)
CN_QUOTE = "全年新签约项目十二个，总投资一百二十亿元"


def _extracted(
    summary: str,
    quotes: list[str],
    metrics: list[ExtractedMetric] | None = None,
    title: str = "项目建设",
) -> ExtractedFinding:
    return ExtractedFinding(
        kind="achievement",
        title=title,
        summary=summary,
        topic="projects",
        metrics=metrics or [],
        entities=[],
        quotes=quotes,
    )


def _m(name: str, raw: str, change: float | None = None) -> ExtractedMetric:
    return ExtractedMetric(name=name, raw=raw, change_pct=change, kind="actual")


def _ground(text: str, f: ExtractedFinding) -> tuple[bool, list[str]]:
    analysis = analyse_source(SourceText("t.txt", text, "utf-8", "txt", "0"), tokens="estimate")
    chunk = analysis.chunks[0]
    finding, warnings = ground_finding(f, chunk, analysis.clean, analysis.reports)
    return finding.verified, warnings


# --------------------------------------------------------------- Chinese numerals: 九百亿元


@pytest.mark.parametrize(
    ("summary", "verified"),
    [
        ("新签约项目十二个，总投资一百二十亿元。", True),
        ("新签约项目12个，总投资120亿元。", True),  # the same figures in Arabic digits
        ("新签约项目九十个，总投资九百亿元。", False),
        ("新签约项目十二个，总投资九百亿元。", False),
    ],
)
def test_chinese_numerals_are_grounded(summary: str, verified: bool) -> None:
    ok, warnings = _ground(CN_TEXT, _extracted(summary, [CN_QUOTE]))
    assert ok is verified, warnings
    if not verified:
        assert any('"900"' in w for w in warnings)


def test_nine_hundred_caught_by_summarize_and_check_alike(tmp_path: Path) -> None:
    src = tmp_path / "report.txt"
    src.write_text(CN_TEXT, encoding="utf-8")
    answer = ChunkExtraction(
        organization=None,
        key_metrics=[],
        findings=[
            _extracted(
                "新签约项目九十个，总投资九百亿元。",
                [CN_QUOTE],
                [_m("总投资", "九百亿元")],
            )
        ],
    )
    doc = summarize_file(src, settings=Settings(use_cache=False), backend=FakeBackend([answer]))
    [finding] = doc.reports[0].achievements
    assert not finding.verified
    assert any('"900"' in w and "summary" in w for w in doc.reports[0].warnings)
    assert any('"900" in metric 总投资' in w for w in doc.reports[0].warnings)
    # The same file, marked verified by hand, fails check for the same figures.
    finding.verified = True
    out = tmp_path / "out.json"
    out.write_text(doc.model_dump_json(), encoding="utf-8")
    problems = check_output(str(out)).problems
    assert any('"900" in summary' in p.what for p in problems), problems
    assert any('"900" in metric 总投资' in p.what for p in problems), problems
    assert any('"90" in summary' in p.what for p in problems), problems


# ------------------------------------------------------ seed 004: swapped and flipped figures


@pytest.fixture(scope="module")
def seed_004() -> tuple[str, object]:
    analysis = analyse(SEED_004, tokens="estimate")
    return analysis.clean.text, analysis


def _ground_004(analysis: object, f: ExtractedFinding) -> tuple[bool, list[str]]:
    from summarizer.core.document import Analysis

    assert isinstance(analysis, Analysis)
    finding, warnings = ground_finding(f, analysis.chunks[0], analysis.clean, analysis.reports)
    return finding.verified, warnings


def test_seed_004_true_figures_verify(seed_004: tuple[str, object]) -> None:
    _, analysis = seed_004
    f = _extracted(
        "规上工业总产值184.7亿元，同比增长16.2%；固定资产投资37.59亿元。",
        [HEADLINE],
        [_m("规上工业总产值", "184.7亿元", 16.2), _m("固定资产投资", "37.59亿元", 23.8)],
    )
    assert _ground_004(analysis, f) == (True, [])


def test_seed_004_swapped_figure_is_caught(seed_004: tuple[str, object]) -> None:
    _, analysis = seed_004
    # 37.59亿元 is the source's 固定资产投资; 规上工业总产值 is 184.7亿元.
    f = _extracted(
        "规上工业总产值37.59亿元，同比增长25.6%。",
        [HEADLINE],
        [_m("规上工业总产值", "37.59亿元", 25.6)],
    )
    ok, warnings = _ground_004(analysis, f)
    assert not ok
    assert any(
        'summary: figure "37.59亿元" in 规上工业总产值 is another indicator\'s figure' in w
        for w in warnings
    )
    assert any("metric" not in w or "37.59" in w for w in warnings)
    assert any(
        w.endswith(
            'figure "37.59亿元" in metric 规上工业总产值 is another indicator\'s figure in its source'
            " span (the source writes it for 固定资产投资)"
        )
        for w in warnings
    )


def test_seed_004_flipped_direction_is_caught(seed_004: tuple[str, object]) -> None:
    _, analysis = seed_004
    f = _extracted("财政总收入下降9.29%。", [FISCAL], [_m("财政总收入", "12.8亿元", -9.29)])
    ok, warnings = _ground_004(analysis, f)
    assert not ok
    assert any('"9.29%" in summary has the wrong direction' in w for w in warnings)
    assert any("change of metric 财政总收入 has the wrong direction" in w for w in warnings)


def test_seed_004_key_metrics_and_overview(seed_004: tuple[str, object]) -> None:
    from summarizer.core.document import Analysis

    _, analysis = seed_004
    assert isinstance(analysis, Analysis)
    chunk = analysis.chunks[0]
    kept, warnings = ground_metrics(
        [
            _m("规上工业总产值", "184.7亿元", 16.2),
            _m("规上工业总产值", "37.59亿元", 25.6),
            _m("财政总收入", "12.8亿元", -9.29),
            _m("财政总收入", "下降9.29%"),
        ],
        chunk,
        analysis.clean,
        analysis.reports,
    )
    assert [m.raw for m in kept] == ["184.7亿元"]
    assert len(warnings) == 3
    report = report_text(analysis.clean, analysis.reports, 0)
    assert overview_problems("开发区规上工业总产值184.7亿元，同比增长16.2%。", report) == []
    assert overview_problems("开发区规上工业总产值37.59亿元。", report)
    assert overview_problems("财政总收入同比下降9.29%。", report)
    assert overview_problems("一切完美，实现66.6亿元，同比增长99.9%。", report) == [
        'number "66.6" in overview not found in the report',
        'number "99.9" in overview not found in the report',
    ]


# ------------------------------------------------------------------ check: every figure


def _doc_004(text: str) -> ReportSummary:
    start = text.index(FISCAL)
    return ReportSummary(
        title=None,
        organization="经济开发区",
        summary_year=2018,
        plan_year=2019,
        overview="开发区财政总收入12.8亿元，同比增长9.29%。",
        key_metrics=[metric("财政总收入", "12.8亿元", 12.8, 9.29)],
        achievements=[
            Finding(
                title="财政收入",
                summary="全年财政总收入12.8亿元，同比增长9.29%。",
                topic="industrial_economy",
                metrics=[metric("财政总收入", "12.8亿元", 12.8, 9.29)],
                entities=[],
                evidence=[Evidence(quote=FISCAL, start=start, end=start + len(FISCAL))],
                verified=True,
            )
        ],
        problems=[],
        plans=[],
        other=[],
        warnings=[],
    )


def _check(text: str, analysis: object, report: ReportSummary) -> list[str]:
    from summarizer.core.document import Analysis

    assert isinstance(analysis, Analysis)
    doc = offline_document(report, path="x.txt", sha256="0", chars=len(text))
    return [f"{p.where} {p.what}" for p in check_document(doc, text, analysis).problems]


def test_check_passes_a_true_summary(seed_004: tuple[str, object]) -> None:
    text, analysis = seed_004
    assert _check(text, analysis, _doc_004(text)) == []


def test_check_catches_an_edited_key_metric(seed_004: tuple[str, object]) -> None:
    text, analysis = seed_004
    report = _doc_004(text)
    report.key_metrics[0] = metric("财政总收入", "77.77亿元", 77.77, 9.29)
    problems = _check(text, analysis, report)
    assert problems == [
        '$.reports[0].key_metrics[0] number "77.77" in metric 财政总收入 not found in the report'
    ]


def test_check_catches_an_edited_overview(seed_004: tuple[str, object]) -> None:
    text, analysis = seed_004
    report = _doc_004(text)
    report.overview = "开发区实现66.6亿元，同比增长99.9%。"
    problems = _check(text, analysis, report)
    assert problems == [
        '$.reports[0].overview number "66.6" in overview not found in the report',
        '$.reports[0].overview number "99.9" in overview not found in the report',
    ]


def test_check_catches_swapped_and_flipped_figures(seed_004: tuple[str, object]) -> None:
    text, analysis = seed_004
    report = _doc_004(text)
    f = report.achievements[0]
    f.summary = "财政总收入12.8亿元，同比下降9.29%。"
    f.metrics = [metric("规上工业总产值", "12.8亿元", 12.8, -9.29)]
    problems = _check(text, analysis, report)
    assert any("summary" in p and "wrong direction" in p for p in problems), problems
    assert any(
        'figure "12.8亿元" in metric 规上工业总产值 is another indicator\'s figure' in p
        for p in problems
    ), problems


def test_check_re_grounds_unverified_findings_as_flags(seed_004: tuple[str, object]) -> None:
    """A finding the tool wrote unverified is re-grounded and listed with its figures, as a
    flag written by the tool (honest; `check --strict` fails on it), not as an edit."""
    from summarizer.core.document import Analysis

    text, analysis = seed_004
    assert isinstance(analysis, Analysis)
    report = _doc_004(text)
    f = report.achievements[0]
    f.verified = False
    f.summary = "全年招商引资签约项目88个，总投资555亿元。"
    doc = offline_document(report, path="x.txt", sha256="0", chars=len(text))
    checked = check_document(doc, text, analysis)
    assert checked.ok and not checked.passed(strict=True)
    flags = [p.what for p in checked.flags]
    assert any("flagged when written: unverified" in p for p in flags)
    assert any('"555"' in p for p in flags) and any('"88"' in p for p in flags)
    # The same figures in a finding marked verified were edited in: problems.
    f.verified = True
    problems = _check(text, analysis, report)
    assert any('"555"' in p for p in problems) and any('"88"' in p for p in problems)


def test_check_derives_value_change_measure_and_kind_again(seed_004: tuple[str, object]) -> None:
    from summarizer.core.document import Analysis
    from summarizer.grounding.ground import document_bindings, to_metric

    text, analysis = seed_004
    assert isinstance(analysis, Analysis)
    report = _doc_004(text)
    doc = offline_document(report, path="x.txt", sha256="0", chars=len(text))
    _, bound = document_bindings(doc, analysis.clean, analysis.reports)
    m = report.achievements[0].metrics[0]
    written = to_metric(m, bound[(0, ("achievements", 0, "metrics", 0))], analysis.clean)
    assert (written.measure, written.change_pct, written.start) == (
        "level",
        9.29,
        text.index("12.8亿元"),
    )
    report.achievements[0].metrics[0] = written
    assert _check(text, analysis, report) == []
    for edit, field in (
        ({"value": 13.8}, "value"),
        ({"change_pct": -9.29}, "change_pct"),
        ({"measure": "growth"}, "measure"),
        ({"kind": "target"}, "kind"),
    ):
        report.achievements[0].metrics[0] = written.model_copy(update=edit)
        problems = _check(text, analysis, report)
        assert any(f"edited since written: {field} is" in p for p in problems), (field, problems)


# ------------------------------------------------------------- repeated sentences


REPEATED = (
    "园区2023年工作总结\n一、2023年工作总结\n"
    "(一)招商引资。全年签约项目12个。园区营商环境持续优化。\n"
    "(二)企业服务。走访企业30家。"
    + "组织政策宣讲、银企对接、用工招聘等活动,服务企业发展。" * 4
    + "园区营商环境持续优化。\n"
)


def _evidence_starts(text: str, f: ExtractedFinding) -> list[int | None]:
    analysis = analyse_source(SourceText("t.txt", text, "utf-8", "txt", "0"), tokens="estimate")
    finding, _ = ground_finding(f, analysis.chunks[0], analysis.clean, analysis.reports)
    return [e.start for e in finding.evidence]


def test_repeated_sentence_is_anchored_in_its_own_item() -> None:
    own = REPEATED.index("(二)")
    f = _extracted("走访企业30家。", ["走访企业30家", "园区营商环境持续优化"], title="企业服务")
    starts = _evidence_starts(REPEATED, f)
    assert starts[1] == REPEATED.rindex("园区营商环境持续优化") and starts[1] > own


def test_repeated_sentence_alone_goes_to_the_item_its_title_names() -> None:
    f = _extracted("园区营商环境持续优化。", ["园区营商环境持续优化"], title="企业服务")
    assert _evidence_starts(REPEATED, f) == [REPEATED.rindex("园区营商环境持续优化")]
    g = _extracted("园区营商环境持续优化。", ["园区营商环境持续优化"], title="招商引资")
    assert _evidence_starts(REPEATED, g) == [REPEATED.index("园区营商环境持续优化")]


@pytest.mark.parametrize(
    ("name", "subject", "context", "fit"),
    [
        ("规上工业总产值", "规模以上工业总产值", "", "same"),  # a synonym
        ("环保管家检查企业", "检查企业", "", "same"),  # the head noun
        ("5000万元以上基础设施建设项目总投资", "总投资", "", "same"),  # the source's short name
        (
            "“财园信贷通”发放贷款企业",
            "企业发放贷款资金",
            "通过“财园信贷通”累计为 企业发放贷款资金",
            "near",
        ),
        ("营业收入增速", "营业收入", "", "same"),  # the measure word is the measure's
        ("可用土地", "能用的地只", "", "none"),  # no evidence either way
        ("规上工业总产值", "固定资产投资", "完成固定资产投资", "clash"),
        ("固定资产投资", "工业有效投资", "其中工业有效投资", "clash"),
        ("地区生产总值", "海洋生产总值", "", "clash"),
        ("一般公共预算收入", "中央转移支付", "争取中央转移支付超", "clash"),
    ],
)
def test_subject_fit(name: str, subject: str, context: str, fit: str) -> None:
    assert subject_fit(name, subject, context) == fit
