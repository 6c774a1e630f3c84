"""A synthetic multi-zone, multi-year set of outputs for the panel tests (and the bench).

Three zones, each with a report on 2023 (plans for 2024) and one on 2024 (plans for 2025).
Every report is a small source text written to disk and an output whose evidence offsets
point into it, as `summarize` would write. What the set holds on purpose:

- targets for 2024 met (甲 规上工业总产值 增长8%以上 → 8.2%; 乙 GDP 增长7%左右 → 6.7%, within
  the 0.5-point tolerance; 丙 签约项目 30个 → 32项; 丙 供地 1000亩 → 70万平方米), missed (甲
  实际使用外资 1500万美元 → 1450万美元; 丙 固定资产投资 增长10%以上 → 6%), not reported (乙
  一般公共预算收入: redacted in 2024), dropped (丙 进出口总额: not mentioned in 2024);
- a scope change (乙 targets 实际利用外资, reports 实际使用外资);
- mixed units (亿元 / 万元 / 万美元 / 亿美元, 亩 / 万平方米, 个 / 项 / 家, % / 个百分点);
- a redacted figure (乙 2024 一般公共预算收入 X亿元).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

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

M = tuple[str, str, float | None, str | None, float | None, str]  # name raw value unit change kind


@dataclass(frozen=True)
class Item:
    """A finding: its part, title, topic, sentence of the source and metrics."""

    kind: str
    title: str
    topic: str
    sentence: str
    metrics: tuple[M, ...] = ()
    verified: bool = True


@dataclass(frozen=True)
class Zone:
    key: str
    org: str
    year: int
    items: tuple[Item, ...]
    key_metrics: tuple[M, ...] = ()


ZONES: tuple[Zone, ...] = (
    Zone(
        "a",
        "甲经济开发区",
        2023,
        (
            Item(
                "achievement",
                "工业经济",
                "industrial_economy",
                "全年完成规上工业总产值184.7亿元，同比增长16.2%。",
                (("规上工业总产值", "184.7亿元", 184.7, "亿元", 16.2, "actual"),),
            ),
            Item(
                "achievement",
                "利用外资",
                "investment_promotion",
                "实际利用外资1200万美元，一般公共预算收入8.6亿元。",
                (
                    ("实际利用外资", "1200万美元", 1200, "万美元", None, "actual"),
                    ("一般公共预算收入", "8.6亿元", 8.6, "亿元", None, "actual"),
                ),
            ),
            Item(
                "problem",
                "要素制约",
                "land_resources",
                "土地指标紧张，部分项目落地困难。",
            ),
            Item(
                "plan",
                "发展目标",
                "industrial_economy",
                "2024年力争规上工业总产值增长8%以上，实际使用外资达到1500万美元，"
                "新增高新技术企业10家左右。",
                (
                    ("规上工业总产值", "8%", 8, "%", None, "target"),
                    ("实际使用外资", "1500万美元", 1500, "万美元", None, "target"),
                    ("新增高新技术企业", "10家", 10, "家", None, "target"),
                ),
            ),
        ),
        key_metrics=(("规上工业总产值", "184.7亿元", 184.7, "亿元", 16.2, "actual"),),
    ),
    Zone(
        "a",
        "甲经济开发区",
        2024,
        (
            Item(
                "achievement",
                "工业经济",
                "industrial_economy",
                "全年完成规模以上工业总产值199.5亿元，同比增长8.2%。",
                (("规模以上工业总产值", "199.5亿元", 199.5, "亿元", 8.2, "actual"),),
            ),
            Item(
                "achievement",
                "招商引资",
                "investment_promotion",
                "实际使用外资1450万美元，新增高新技术企业12家。",
                (
                    ("实际使用外资", "1450万美元", 1450, "万美元", None, "actual"),
                    ("新增高新技术企业", "12家", 12, "家", None, "actual"),
                ),
            ),
            Item(
                "plan",
                "发展目标",
                "industrial_economy",
                "2025年确保规上工业总产值突破215亿元。",
                (("规上工业总产值", "215亿元", 215, "亿元", None, "target"),),
            ),
        ),
    ),
    Zone(
        "b",
        "乙高新技术产业开发区",
        2023,
        (
            Item(
                "achievement",
                "经济运行",
                "industrial_economy",
                "地区生产总值完成96.3亿元，增长6.1%；一般公共预算收入52000万元。",
                (
                    ("地区生产总值", "96.3亿元", 96.3, "亿元", 6.1, "actual"),
                    ("一般公共预算收入", "52000万元", 52000, "万元", None, "actual"),
                ),
            ),
            Item(
                "plan",
                "主要目标",
                "industrial_economy",
                "2024年地区生产总值增长7%左右，实际利用外资突破5000万美元，"
                "一般公共预算收入确保增长5%。",
                (
                    ("地区生产总值增长", "7%", 7, "%", None, "target"),
                    ("实际利用外资", "5000万美元", 5000, "万美元", None, "target"),
                    ("一般公共预算收入", "5%", 5, "%", None, "target"),
                ),
            ),
        ),
    ),
    Zone(
        "b",
        "乙高新技术产业开发区",
        2024,
        (
            Item(
                "achievement",
                "经济运行",
                "industrial_economy",
                "地区生产总值103.1亿元，同比增长6.7%；一般公共预算收入X亿元。",
                (
                    ("地区生产总值", "103.1亿元", 103.1, "亿元", 6.7, "actual"),
                    ("一般公共预算收入", "X亿元", None, "亿元", None, "actual"),
                ),
            ),
            Item(
                "achievement",
                "对外开放",
                "investment_promotion",
                "实际使用外资5200万美元，研发投入强度提高0.3个百分点。",
                (
                    ("实际使用外资", "5200万美元", 5200, "万美元", None, "actual"),
                    ("研发投入强度", "0.3个百分点", 0.3, "个百分点", None, "actual"),
                ),
            ),
        ),
    ),
    Zone(
        "c",
        "丙工业园区",
        2023,
        (
            Item(
                "achievement",
                "项目投资",
                "projects",
                "完成固定资产投资45亿元，进出口总额3.6亿美元。",
                (
                    ("固定资产投资", "45亿元", 45, "亿元", None, "actual"),
                    ("进出口总额", "3.6亿美元", 3.6, "亿美元", None, "actual"),
                ),
            ),
            Item(
                "plan",
                "工作目标",
                "projects",
                "2024年固定资产投资增长10%以上，进出口总额达到4亿美元，签约项目30个，供地1000亩。",
                (
                    ("固定资产投资", "10%", 10, "%", None, "target"),
                    ("进出口总额", "4亿美元", 4, "亿美元", None, "target"),
                    ("签约项目", "30个", 30, "个", None, "target"),
                    ("供地", "1000亩", 1000, "亩", None, "target"),
                ),
            ),
        ),
    ),
    Zone(
        "c",
        "丙工业园区",
        2024,
        (
            Item(
                "achievement",
                "项目投资",
                "projects",
                "固定资产投资47.7亿元，增长6%，签约项目32项，供应土地70万平方米。",
                (
                    ("固定资产投资", "47.7亿元", 47.7, "亿元", 6.0, "actual"),
                    ("签约项目", "32项", 32, "项", None, "actual"),
                    ("供应土地", "70万平方米", 70, "万平方米", None, "actual"),
                ),
            ),
            Item(
                "achievement",
                "科技创新",
                "innovation_talent",
                "研发投入强度达到2.1%，一般公共预算收入6.1亿元。",
                (
                    ("研发投入强度", "2.1%", 2.1, "%", None, "actual"),
                    ("一般公共预算收入", "6.1亿元", 6.1, "亿元", None, "actual"),
                ),
                verified=False,
            ),
        ),
    ),
)


def source_text(z: Zone) -> str:
    """The source file of one report: a title line, then one line per finding."""
    title = f"{z.org}{z.year}年工作总结及{z.year + 1}年工作思路"
    return "\n".join([title, *(i.sentence for i in z.items)]) + "\n"


def _metric(m: M) -> Metric:
    name, raw, value, unit, change, kind = m
    return Metric(
        name=name,
        raw=raw,
        value=value,
        unit=unit,
        change_pct=change,
        kind=kind,  # type: ignore[arg-type]
        redacted=value is None,
    )


def document(z: Zone, source_path: str) -> SummaryDocument:
    """The output `summarize` would write for one zone-year, evidence offsets included."""
    text = source_text(z)
    parts: dict[str, list[Finding]] = {"achievement": [], "problem": [], "plan": [], "other": []}
    for item in z.items:
        start = text.index(item.sentence)
        parts[item.kind].append(
            Finding(
                title=item.title,
                summary=item.sentence.rstrip("。"),
                topic=item.topic,  # type: ignore[arg-type]
                metrics=[_metric(m) for m in item.metrics],
                entities=[],
                evidence=[
                    Evidence(quote=item.sentence, start=start, end=start + len(item.sentence))
                ],
                verified=item.verified,
            )
        )
    data = text.encode("utf-8")
    return SummaryDocument(
        source=Source(
            path=source_path,
            sha256=hashlib.sha256(data).hexdigest(),
            chars=len(text),
            encoding="utf-8",
            format="txt",
        ),
        reports=[
            ReportSummary(
                title=text.split("\n", 1)[0],
                organization=z.org,
                summary_year=z.year,
                plan_year=z.year + 1,
                overview="",
                key_metrics=[_metric(m) for m in z.key_metrics],
                achievements=parts["achievement"],
                problems=parts["problem"],
                plans=parts["plan"],
                other=parts["other"],
                warnings=[],
            )
        ],
        warnings=[],
        provenance=Provenance(
            backend="offline",
            model=None,
            prompt_version="test",
            tool_version="0.1.0",
            usage=Usage(),
            elapsed_s=0.0,
        ),
    )


def write_set(root: Path, copies: int = 1) -> list[Path]:
    """Write sources under root/src and outputs under root/out; return the output paths.

    Source paths are recorded relative to `root` (as `batch` records them relative to where
    it ran). `copies` > 1 repeats the set under numbered folders (for the bench).
    """
    outs: list[Path] = []
    for n in range(copies):
        sub = f"{n:04d}/" if copies > 1 else ""
        for z in ZONES:
            rel = f"src/{sub}{z.key}{z.year}.txt"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(source_text(z), encoding="utf-8")
            out = root / "out" / f"{sub}{z.key}{z.year}.txt.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(document(z, rel).model_dump_json(indent=2), encoding="utf-8")
            outs.append(out)
    return outs


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tests.panel_data DIR  (writes DIR/src and DIR/out)")
    written = write_set(Path(sys.argv[1]))
    print(
        f"{len(written)} outputs under {Path(sys.argv[1]) / 'out'}; run the panel commands in {sys.argv[1]}"
    )
