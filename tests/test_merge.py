"""Tests for summarizer.grounding.merge: ordering, de-duplication across chunks, overviews."""

from __future__ import annotations

from factories import finding, metric

from summarizer.core.schema import Evidence, Finding, FindingKind, Metric, ReportSummary, Topic
from summarizer.grounding.merge import (
    GroundedFinding,
    compose_overview,
    merge_findings,
    merge_metrics,
    overview_digest,
)


def _finding(
    title: str,
    spans: list[tuple[int, int] | None],
    *,
    summary: str = "一句话。",
    topic: Topic = "industrial_economy",
    metrics: list[Metric] | None = None,
    entities: list[str] | None = None,
    verified: bool = True,
) -> Finding:
    evidence = [
        Evidence(quote=f"q{s[0]}", start=s[0], end=s[1])
        if s is not None
        else Evidence(quote="lost", start=None, end=None)
        for s in spans
    ]
    return finding(
        title,
        evidence,
        summary=summary,
        topic=topic,
        metrics=metrics,
        entities=entities,
        verified=verified,
    )


def _g(kind: FindingKind, finding: Finding, chunk: int) -> GroundedFinding:
    return GroundedFinding(kind=kind, finding=finding, chunk_index=chunk)


def test_merge_orders_by_source_and_keys_all_kinds() -> None:
    items = [
        _g("achievement", _finding("招商引资", [(500, 560)]), 1),
        _g("achievement", _finding("平台建设", [(100, 150)]), 0),
        _g("achievement", _finding("无出处", [None]), 0),
        _g("problem", _finding("要素制约", [(900, 950)]), 2),
    ]
    out = merge_findings(items)
    assert set(out) == {"achievement", "problem", "plan", "other"}
    assert [f.title for f in out["achievement"]] == ["平台建设", "招商引资", "无出处"]
    assert [f.title for f in out["problem"]] == ["要素制约"]
    assert out["plan"] == [] and out["other"] == []


def test_merge_joins_an_item_split_over_a_chunk_boundary() -> None:
    # Seed 003's "(二)园区经济稳定增长" cut by a chunk boundary at offset 1000.
    head = _finding(
        "园区经济稳定增长",
        [(900, 990)],
        summary="营业收入同比增长6.16%。",
        metrics=[metric("营业收入", "*亿元", None, 6.16)],
        entities=["英特丽"],
    )
    tail = _finding(
        "园区经济增长",
        [(1000, 1060)],
        summary="应交增值税8.78亿元，下降28.38%，利润增长104.6%。",
        metrics=[
            metric("营业收入", "*亿元", None, 6.16),
            metric("应交增值税", "8.78亿元", 8.78, -28.38),
        ],
        entities=["英特丽", "旺昇科技"],
        verified=False,
    )
    other = _finding("发展环境不断优化", [(1100, 1200)], topic="governance")
    out = merge_findings(
        [_g("achievement", tail, 1), _g("achievement", head, 0), _g("achievement", other, 1)]
    )
    merged = out["achievement"]
    assert [f.title for f in merged] == ["园区经济稳定增长", "发展环境不断优化"]
    first = merged[0]
    assert [(e.start, e.end) for e in first.evidence] == [(900, 990), (1000, 1060)]
    assert [(m.name, m.raw) for m in first.metrics] == [
        ("营业收入", "*亿元"),
        ("应交增值税", "8.78亿元"),
    ]
    assert first.entities == ["英特丽", "旺昇科技"]
    assert first.verified is False
    assert first.summary == tail.summary


def test_merge_joins_findings_sharing_an_evidence_span() -> None:
    a = _finding("企业服务", [(300, 360)])
    b = _finding("助企纾困", [(300, 360), (380, 400)])
    out = merge_findings([_g("achievement", a, 0), _g("achievement", b, 1)])
    assert len(out["achievement"]) == 1
    assert [(e.start, e.end) for e in out["achievement"][0].evidence] == [(300, 360), (380, 400)]


def test_merge_keeps_similar_titles_far_apart() -> None:
    a = _finding("招商引资", [(100, 200)])
    b = _finding("招商引资", [(5000, 5100)])
    out = merge_findings([_g("plan", a, 0), _g("plan", b, 3)])
    assert len(out["plan"]) == 2


def test_merge_keeps_different_kinds_apart() -> None:
    a = _finding("招商引资", [(100, 200)])
    out = merge_findings([_g("achievement", a, 0), _g("plan", a, 0)])
    assert len(out["achievement"]) == 1 and len(out["plan"]) == 1


def test_merge_drops_exact_duplicates() -> None:
    a = _finding("招商引资", [None])
    out = merge_findings([_g("achievement", a, 0), _g("achievement", a, 0)])
    assert out["achievement"] == [a]


def test_merge_metrics_dedups_by_raw_and_name() -> None:
    m1 = metric("财政总收入", "12.8亿元", 12.8, 9.29)
    m2 = metric("一般公共预算收入", "7.46亿元", 7.46)
    m3 = metric("财政收入", "12.8亿元", 12.8)
    assert merge_metrics([m1, m2, m1, m3, m2]) == [m1, m2, m3]


def _summary() -> ReportSummary:
    achievements = [
        _finding("招商引资", [(1, 2)], summary="引进亿田、巴贝等11只优质项目。"),
        _finding("企业服务", [(3, 4)], topic="enterprise_services"),
        _finding("经济指标", [(5, 6)]),
        _finding("平台建设", [(7, 8)], topic="infrastructure"),
    ]
    return ReportSummary(
        title="经济开发区2018年工作总结",
        organization="嵊州经济开发区",
        summary_year=2018,
        plan_year=2019,
        overview="",
        key_metrics=[
            metric("财政总收入", "12.8亿元", 12.8, 9.29),
            metric("营业收入", "*亿元", None),
            metric("规上工业总产值", "184.7亿元", 184.7, 16.2),
        ],
        achievements=achievements,
        problems=[_finding("要素制约", [(9, 10)]), _finding("人才短缺", [(11, 12)])],
        plans=[_finding("项目攻坚", [(13, 14)])],
        other=[],
        warnings=[],
    )


def test_overview_digest_lists_findings_and_metrics() -> None:
    digest = overview_digest(_summary())
    lines = digest.splitlines()
    assert lines[0].startswith("关键指标(实绩): 财政总收入12.8亿元（同比增长9.29%）")
    assert lines[1].startswith("[成绩] 招商引资: 引进亿田、巴贝等11只优质项目。；企业服务")
    assert "[问题] 要素制约: 一句话。；人才短缺: 一句话。" in lines
    assert "[计划] 项目攻坚: 一句话。" in lines


def test_overview_digest_keeps_every_kind_within_the_budget() -> None:
    from summarizer.text.tokens import estimate_tokens

    summary = _summary()
    many = [_finding(f"成绩{i}", [(100 + i, 101 + i)]) for i in range(60)]
    summary.achievements = many
    digest = overview_digest(summary, budget_tokens=150)
    assert estimate_tokens(digest) <= 150
    lines = digest.splitlines()
    # The long list is cut (and says how much), the short ones keep every finding.
    assert any(line.startswith("[成绩] ") and line.endswith("项") for line in lines)
    assert "[问题] 要素制约；人才短缺" in lines and "[计划] 项目攻坚" in lines


def test_overview_digest_drops_summaries_before_findings() -> None:
    digest = overview_digest(_summary(), budget_tokens=90)
    assert "一句话" not in digest
    for title in (
        "招商引资",
        "企业服务",
        "经济指标",
        "平台建设",
        "要素制约",
        "人才短缺",
        "项目攻坚",
    ):
        assert title in digest


def test_compose_overview_zh() -> None:
    text = compose_overview(_summary(), "zh")
    assert text == (
        "报告总结了2018年的4项工作成绩，主要包括招商引资、企业服务、经济指标等；"
        "指出2个问题；提出2019年1项工作计划。"
        "主要指标：财政总收入12.8亿元（同比增长9.29%），规上工业总产值184.7亿元（同比增长16.2%）。"
    )


def test_compose_overview_en() -> None:
    text = compose_overview(_summary(), "en")
    assert text.startswith(
        "The report summarizes 4 achievements of 2018, mainly in the industrial economy, "
        "enterprise services, platforms and infrastructure; identifies 2 problems; "
        "and sets out 1 plan for 2019."
    )
    assert "财政总收入 12.8亿元 (+9.29% year on year)" in text
    assert "*亿元" not in text


def test_compose_overview_without_years_or_findings() -> None:
    s = _summary().model_copy(
        update={"summary_year": None, "achievements": [], "problems": [], "key_metrics": []}
    )
    assert compose_overview(s, "zh") == "报告未列出具体工作成绩；提出2019年1项工作计划。"
