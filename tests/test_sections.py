"""Report split, section tree and part kinds, on the seeds (against gold) and on shapes of the genre."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import gold_for, seed_paths

from summarizer.core.document import SourceText
from summarizer.pipeline import analyse
from summarizer.text.clean import clean
from summarizer.text.sections import build_sections

KIND = {"achievement": "achievements", "problem": "problems", "plan": "plans", "other": "other"}


def _sections(text: str):  # type: ignore[no-untyped-def]
    return build_sections(clean(SourceText("t.txt", text, "utf-8", "txt", "0")))


@pytest.mark.parametrize("seed", seed_paths(), ids=lambda p: p.stem)
def test_seed_parts_match_gold(seed: Path) -> None:
    analysis = analyse(seed)
    gold = gold_for(seed)
    text = analysis.clean.text
    assert len(analysis.reports) == len(gold["reports"])
    for g_report, report in zip(gold["reports"], analysis.reports, strict=True):
        for item in g_report["items"]:
            pos = text.index(item["marker"])
            part = next(p for p in report.parts if p.start <= pos < p.end)
            assert part.kind == KIND[item["kind"]], (item["marker"], part.kind, part.title)


def test_three_reports_in_one_long_line() -> None:
    analysis = analyse(next(p for p in seed_paths() if p.name.startswith("003")))
    titles = [r.title for r in analysis.reports]
    assert len(titles) == 3
    assert titles[0] == "经济开发区2023年工作总结及2024年工作安排"
    assert titles[1] == "经济开发区2023年工作总结和2024年工作思路"
    # Headings found mid-line, and one split by a masked page number still reads whole.
    plans = next(p for p in analysis.reports[0].parts if p.kind == "plans")
    assert [c.title for c in plans.children][3] == "全力以赴抓服务,不断优化营商环境"


def test_inline_problems_part_of_seed_004() -> None:
    analysis = analyse(next(p for p in seed_paths() if p.name.startswith("004")))
    kinds = [p.kind for p in analysis.reports[0].parts]
    assert kinds == ["achievements", "problems", "plans"]
    problems = analysis.reports[0].parts[1]
    assert problems.title.startswith("在取得这些成绩的同时")
    assert [c.number for c in problems.children] == ["一是", "二是", "三是", "四是", "五是", "六是"]


def test_enumeration_inside_sentence_is_not_a_heading() -> None:
    text = (
        "一、2023年工作总结\n"
        "(一)招商引资\n全年签约项目12个,其中1、2号地块已供地,完成1.5万吨产能。第一、二批项目开工。\n"
        "(二)项目建设\n完成投资3亿元。\n"
        "二、2024年工作计划\n(一)抓招商\n力争签约15个。\n"
    )
    [report] = _sections(text)
    ach = report.parts[0]
    assert [c.title for c in ach.children] == ["招商引资", "项目建设"]
    assert [p.kind for p in report.parts] == ["achievements", "plans"]


def test_full_width_parentheses_and_half_year_report() -> None:
    text = (
        "某某经济开发区2024年上半年工作总结\n"
        "今年上半年,开发区各项工作稳步推进。\n"
        "一、上半年工作完成情况\n（一）经济运行平稳\n实现产值50亿元。\n（二）项目建设提速\n新开工项目8个。\n"
        "二、存在的问题\n1．用地紧张。\n2．人才不足。\n"
        "三、下一步工作打算\n（一）强化招商\n力争引进项目10个。\n"
    )
    [report] = _sections(text)
    assert report.title == "某某经济开发区2024年上半年工作总结"
    assert [p.kind for p in report.parts] == ["preamble", "achievements", "problems", "plans"]
    assert [c.title for c in report.parts[1].children] == ["经济运行平稳", "项目建设提速"]
    assert [c.title for c in report.parts[2].children] == ["用地紧张", "人才不足"]


def test_unnumbered_part_headings() -> None:
    text = (
        "一年来,园区各项工作取得新进展。全年实现产值30亿元。\n"
        "存在的问题\n一是土地指标紧张。二是融资渠道单一。\n"
        "下一步工作打算\n一是加快项目建设。二是优化营商环境。\n"
    )
    [report] = _sections(text)
    assert [p.kind for p in report.parts] == ["preamble", "problems", "plans"]
    assert len(report.parts[1].children) == 2


def test_sections_tile_each_report() -> None:
    for seed in seed_paths():
        for report in analyse(seed).reports:
            for a, b in zip(report.parts, report.parts[1:], strict=False):
                assert a.end == b.start
                for c1, c2 in zip(a.children, a.children[1:], strict=False):
                    assert c1.end == c2.start
