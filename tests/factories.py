"""Builders of the output schema for tests: a metric, evidence, a finding, a report, a document.

Each takes only what a test means to say and fills the rest with plain defaults, so a schema
change is mended here once instead of in every test file. Keyword arguments override any
field (`finding("招商", topic="infrastructure")`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summarizer.core.document import Mask
from summarizer.core.schema import (
    Evidence,
    Finding,
    Metric,
    Provenance,
    ReportSummary,
    Source,
    SummaryDocument,
    Usage,
)

ROOT = Path(__file__).resolve().parent.parent


def metric(
    name: str,
    raw: str,
    value: float | None,
    change: float | None = None,
    *,
    unit: str | None = "亿元",
    **fields: Any,
) -> Metric:
    """A figure, actual unless `kind` says otherwise; redacted when it has no value."""
    values: dict[str, Any] = {
        "change_pct": change,
        "kind": "actual",
        "redacted": value is None,
        **fields,
    }
    return Metric(name=name, raw=raw, value=value, unit=unit, **values)


def evidence_at(text: str, quote: str) -> Evidence:
    """The evidence of `quote` at its first place in `text` (which must hold it)."""
    start = text.find(quote)
    assert start >= 0, quote
    return Evidence(quote=quote, start=start, end=start + len(quote))


def finding(
    title: str,
    evidence: list[Evidence] | None = None,
    *,
    summary: str = "一句话。",
    topic: Any = "other",
    metrics: list[Metric] | None = None,
    entities: list[str] | None = None,
    verified: bool = True,
) -> Finding:
    return Finding(
        title=title,
        summary=summary,
        topic=topic,
        metrics=metrics or [],
        entities=entities or [],
        evidence=evidence or [],
        verified=verified,
    )


def report(
    *,
    achievements: list[Finding] | None = None,
    problems: list[Finding] | None = None,
    plans: list[Finding] | None = None,
    other: list[Finding] | None = None,
    key_metrics: list[Metric] | None = None,
    **fields: Any,
) -> ReportSummary:
    """A report of a 2018 summary with 2019 plans; the lists empty unless given."""
    values: dict[str, Any] = {
        "title": "开发区工作总结",
        "organization": "经济开发区",
        "summary_year": 2018,
        "plan_year": 2019,
        "overview": "概述。",
        "warnings": [],
        **fields,
    }
    return ReportSummary(
        key_metrics=key_metrics or [],
        achievements=achievements or [],
        problems=problems or [],
        plans=plans or [],
        other=other or [],
        **values,
    )


def document(
    reports: list[ReportSummary],
    *,
    path: str = "reports/zone.txt",
    sha256: str = "ab" * 32,
    chars: int = 1234,
    warnings: list[str] | None = None,
    backend: str = "offline",
    model: str | None = None,
    usage: Usage | None = None,
    elapsed_s: float = 0.0,
    prompt_version: str = "p1",
) -> SummaryDocument:
    """An output of a UTF-8 text file holding `reports`."""
    return SummaryDocument(
        source=Source(path=path, sha256=sha256, chars=chars, encoding="utf-8", format="txt"),
        reports=reports,
        warnings=warnings or [],
        provenance=Provenance(
            backend=backend,
            model=model,
            prompt_version=prompt_version,
            tool_version="0.1.0",
            usage=usage or Usage(),
            elapsed_s=elapsed_s,
        ),
    )


def offline_document(one: ReportSummary, *, path: str, sha256: str, chars: int) -> SummaryDocument:
    """One report wrapped as an offline-backend output of a UTF-8 text file."""
    return document([one], path=path, sha256=sha256, chars=chars, model=None, prompt_version="test")


SEED_004 = ROOT / "seeds" / "004_8aea4feb83059470.txt"


def seed_summary() -> tuple[str, SummaryDocument, list[Mask]]:
    """A hand-made summary of seed 004 whose evidence are headings located with str.find."""
    text = SEED_004.read_text(encoding="utf-8")
    headings = [
        f"{n}.{h}"
        for n, h in enumerate(
            [
                "重提质抓转型,工业经济稳中有进",
                "重规划抓配套,产城融合不断深化",
                "重能级抓项目,招商选资卓有成效",
                "重基础抓保障,要素支撑坚实有力",
                "重整治抓提升,环境面貌优化升级",
                "重党建抓纪律,队伍素质有力提升",
            ],
            start=1,
        )
    ]
    topics = [
        "industrial_economy",
        "infrastructure",
        "investment_promotion",
        "land_resources",
        "environment_safety",
        "party_building",
    ]
    achievements = [
        finding(h.split(",")[1], [evidence_at(text, h)], summary=h, topic=t, verified=i != 3)
        for i, (h, t) in enumerate(zip(headings, topics, strict=True))
    ]
    achievements[0].evidence.append(evidence_at(text, "全年实现财政总收入12.8亿元,同比增长9.29%"))
    achievements[0].metrics.append(metric("财政总收入", "12.8亿元", 12.8, 9.29))
    plans = [
        finding(
            "数字领航",
            [evidence_at(text, "(一)紧盯转型升级,进一步凸显产业优势")],
            summary="实施数字领航工程，打造产业大平台。",
            topic="innovation_talent",
        ),
        finding(
            "园区发展",
            [evidence_at(text, "(二)紧盯框架提升,进一步挖掘空间优势")],
            summary="实施园区发展工程，打造开放大平台。",
            topic="infrastructure",
            metrics=[metric("投资", "X亿元", None)],
        ),
    ]
    problems = [
        finding(
            "经济总量偏小",
            [evidence_at(text, "一是经济总量偏小、辐射带动能力较弱")],
            summary="经济总量偏小，辐射带动能力较弱。",
            topic="industrial_economy",
        ),
    ]
    one = report(
        title="开发区2018年工作总结和2019年工作思路",
        overview="开发区紧抓六方面工作，经济总量和发展质量双提升；2019年实施数字领航和园区发展工程。",
        key_metrics=[metric("财政总收入", "12.8亿元", 12.8, 9.29), metric("税收", "X亿元", None)],
        achievements=achievements,
        problems=problems,
        plans=plans,
    )
    doc = offline_document(one, path=str(SEED_004), sha256="0" * 64, chars=len(text))
    return text, doc, [Mask(0, text.index("一、2018年工作总结"), "web cruft")]
