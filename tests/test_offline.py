"""The offline backend on the genre's shapes beyond the seeds, and its speed-independent output."""

from __future__ import annotations

from pathlib import Path

from conftest import seed_paths

from summarizer.core.config import Settings
from summarizer.pipeline import summarize_file

OFFLINE = Settings(backend="offline")


def _summarize(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return summarize_file(path, settings=OFFLINE), text


def _titles(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.title for f in findings]


def test_problems_as_numbered_items_and_plans_titled_next_steps(tmp_path: Path) -> None:
    doc, text = _summarize(
        tmp_path,
        "高新区2022年工作总结和下一步工作打算\n"
        "2022年,高新区实现工业总产值120.5亿元,同比增长8.3%。\n"
        "一、2022年工作总结\n(一)招商引资成效明显\n全年签约项目25个,总投资86亿元。\n"
        "(二)项目建设加快推进\n新开工项目12个。\n"
        "二、存在的问题\n1.土地要素制约明显。可用工业用地不足500亩。\n2.高端人才引进难。\n"
        "三、下一步工作打算\n(一)强化精准招商\n力争全年引进亿元以上项目10个。\n(二)加快平台建设\n建成标准厂房20万平方米。\n",
    )
    [r] = doc.reports
    assert _titles(r.achievements) == ["招商引资成效明显", "项目建设加快推进"]
    assert _titles(r.problems) == ["土地要素制约明显", "高端人才引进难"]
    assert _titles(r.plans) == ["强化精准招商", "加快平台建设"]
    assert (r.summary_year, r.plan_year) == (2022, 2023) or (r.summary_year, r.plan_year) == (
        2022,
        None,
    )
    assert all(f.verified for f in r.achievements + r.problems + r.plans)
    for f in r.achievements + r.problems + r.plans:
        for e in f.evidence:
            assert text[e.start : e.end] == e.quote
    raws = {m.raw for m in r.key_metrics}
    assert "120.5亿元" in raws
    target = next(m for f in r.plans for m in f.metrics if m.raw == "10个")
    assert target.kind == "target"
    assert r.organization == "高新区" or r.organization is None


def test_half_year_report_with_full_width_parentheses(tmp_path: Path) -> None:
    doc, _ = _summarize(
        tmp_path,
        "某某工业园区2024年上半年工作总结\n"
        "一、上半年工作完成情况\n（一）经济运行稳中向好\n1-6月实现规上工业产值45.6亿元,同比增长12.1%。\n"
        "（二）企业服务持续优化\n走访企业120家次。\n"
        "二、存在的困难和问题\n（一）订单不足\n部分企业订单下降。\n"
        "三、下半年工作计划\n（一）抓项目促投资\n确保完成固定资产投资20亿元。\n",
    )
    [r] = doc.reports
    assert _titles(r.achievements) == ["经济运行稳中向好", "企业服务持续优化"]
    assert _titles(r.problems) == ["订单不足"]
    assert _titles(r.plans) == ["抓项目促投资"]
    assert r.summary_year == 2024
    m = next(m for m in r.achievements[0].metrics if m.raw == "45.6亿元")
    assert m.value == 45.6 and m.change_pct == 12.1 and m.kind == "actual"


def test_report_without_numbering(tmp_path: Path) -> None:
    doc, _ = _summarize(
        tmp_path,
        "今年以来,园区围绕高质量发展,全年完成固定资产投资18亿元,同比增长6%。\n"
        "园区积极开展招商引资,全年新签约项目15个,其中亿元以上项目6个。\n"
        "园区持续优化营商环境,为企业办理各类手续200余件。\n"
        "存在的问题\n一是土地指标紧张。二是融资渠道单一。\n"
        "明年工作打算\n一是加快项目建设。二是持续优化营商环境。\n",
    )
    [r] = doc.reports
    assert len(r.problems) == 2 and len(r.plans) == 2
    assert [f.title for f in r.problems] == ["土地指标紧张", "融资渠道单一"]


def test_inline_problems_and_redacted_figures(tmp_path: Path) -> None:
    doc, _ = _summarize(
        tmp_path,
        "一、2023年工作总结\n1.经济运行平稳。全年实现产值X亿元,同比增长xx%;税收*万元。\n"
        "2.项目建设提速。开工项目X个。\n"
        "在取得成绩的同时,我们也清醒地看到存在的困难和问题:一是产业层次不高。二是配套不足。\n"
        "二、2024年工作思路\n1.抓招商。力争签约项目X个。\n",
    )
    [r] = doc.reports
    assert [f.title for f in r.problems] == ["产业层次不高", "配套不足"]
    metrics = [m for f in r.achievements for m in f.metrics]
    redacted = [m for m in metrics if m.redacted]
    assert redacted and all(m.value is None for m in redacted)
    assert {m.raw for m in redacted} >= {"X亿元", "*万元"}


def test_offline_on_seeds_is_verified_and_faithful() -> None:
    for seed in seed_paths():
        doc = summarize_file(seed, settings=OFFLINE)
        text = seed.read_text(encoding="utf-8")
        findings = [f for r in doc.reports for f in r.achievements + r.problems + r.plans + r.other]
        assert findings
        assert all(f.verified for f in findings), [f.title for f in findings if not f.verified]
        for f in findings:
            for e in f.evidence:
                assert e.start is not None and text[e.start : e.end] == e.quote
            for m in f.metrics:
                if m.redacted:
                    assert m.value is None
        assert doc.provenance.backend == "offline" and doc.provenance.usage.calls == 0
