"""Binding a model's metric to the figure reading (lexicon/binding.py): the issue's cases,
one row per shape, and the lean recordings through the path users take."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, recorded_answers, recorded_responder
from helpers import run_cli

from summarizer.lexicon.binding import bind
from summarizer.lexicon.reading import read_figures, read_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LEAN = Path(__file__).resolve().parent / "data" / "recordings-lean" / "answers.jsonl"

ECONOMY_003 = (
    "1-9月,实现营业收入*亿元,同比增长6.16%;实现工业总产值*亿元,下降4.67%;"
    "应交增值税8.78亿元,下降28.38%;实现利润*亿元,增长104.6%。"
)
ENERGY = "原煤、原油、天然气产量分别达到7000万吨、1280万吨、10亿立方米。"
PLAN = (
    "地区生产总值年均增速4.5%-5%,全员劳动生产率达58万元/人左右。"
    "国家助学贷款提标降息惠及1100多万学生。北京中轴线历时12年成功申遗、2025年完成。"
)
SERIES = (
    "地区生产总值连续迈上4个万亿元台阶、达14.2万亿元、年均增长5.7%。地区生产总值增长5.3%。"
    "接待国内游客4.16亿人次、入境游客936万人次，分别增长6.7%、39.6%。"
    "认定跨国公司地区总部、外资研发中心分别从771家、481家增加到1076家、636家。"
    "PM2.5年均浓度较“十三五”末改善16.5%。建设筹措保障性租赁住房7.4万套（间）。"
    "技术合同成交额6496.8亿元、增长24.9%。营业收入增长996亿元。新增公园100座、新建绿道100公里。"
    "城镇新增就业60万人以上，城镇调查失业率5%以内。"
)
GOV = (
    "全年地区生产总值增长5.5%,人均地区生产总值增长25%,海洋生产总值增长6%。"
    "一般公共预算收入增长10.8%,民生支出占一般公共预算支出比重达77.9%,争取中央转移支付超4200亿元。"
    "城镇调查失业率降低至13.6%。"
)


@pytest.mark.parametrize(
    ("text", "metric", "reason", "measure", "change"),
    [
        # true paraphrases: accepted, with what the source says the figure measures
        (ECONOMY_003, "营业收入增速 6.16%", None, "growth", 6.16),
        (ECONOMY_003, "工业总产值降幅 4.67%", None, "growth", -4.67),
        (ECONOMY_003, "工业总产值下降 4.67%", None, "growth", -4.67),
        (ECONOMY_003, "应交增值税 8.78亿元", None, "level", -28.38),
        (ECONOMY_003, "利润增速 104.6%", None, "growth", 104.6),
        (ENERGY, "天然气产量 10亿立方米", None, "level", None),
        (ENERGY, "原油产量 1280万吨", None, "level", None),
        (
            "规上工业增加值完成343.64亿元,同比增长4.3%。",
            "规上工业增加值增长 4.3%",
            None,
            "growth",
            4.3,
        ),
        (GOV, "城镇调查失业率 13.6%", None, "share", None),
        (GOV, "地区生产总值增速 5.5%", None, "growth", 5.5),
        (GOV, "GDP增长 5.5%", None, "growth", 5.5),
        # government-report shapes: a % range, a unit per person (a productivity is no
        # share), 多 before the multiplier, a length of time
        (PLAN, "地区生产总值年均增速 4.5%-5%", None, "growth", 4.5),
        (PLAN, "全员劳动生产率 58万元/人左右", None, "level", None),
        (PLAN, "国家助学贷款惠及学生 1100多万", None, "level", None),
        (PLAN, "北京中轴线申遗历时 12年", None, "level", None),
        (PLAN, "地区生产总值年均增速 4.5%", None, "growth", 4.5),
        (SERIES, "地区生产总值年均增长 5.7%", None, "growth", 5.7),
        (SERIES, "地区生产总值 14.2万亿元", None, "level", None),
        (SERIES, "入境游客增长 39.6%", None, "growth", 39.6),
        (SERIES, "外资研发中心 636家", None, "count", None),
        (SERIES, "PM2.5年均浓度改善 16.5%", None, "level", None),
        (SERIES, "技术合同成交额 6496.8亿元", None, "level", 24.9),
        (SERIES, "营业收入增长 996亿元", None, "level", None),
        (SERIES, "新增公园 100座", None, "count", None),
        (SERIES, "新建绿道 100公里", None, "level", None),
        (SERIES, "城镇调查失业率目标 5%以内", None, "share", None),
        (SERIES, "城镇新增就业目标 60万人以上", None, "count", None),
        (SERIES, "建设筹措保障性租赁住房 7.4万套（间）", None, "count", None),
        # wrong subjects and measures: refused with their reason
        (PLAN, "全员劳动生产率 58亿元", "another_unit", None, None),
        (PLAN, "全员劳动生产率 58%", "another_unit", None, None),
        (PLAN, "北京中轴线申遗历时 13年", "not_found", None, None),
        (SERIES, "地区生产总值年均增长 14.2万亿元", "level_vs_growth", None, None),
        (SERIES, "国内游客增长 39.6%", "another_indicator", None, None),
        (SERIES, "技术合同成交额增长 6496.8亿元", "level_vs_growth", None, None),
        (SERIES, "新增公园 100公里", "another_unit", None, None),
        (SERIES, "城镇调查失业率目标 60万人以上", "share_vs_amount", None, None),
        (SERIES, "外资研发中心 1076家", "another_indicator", None, None),
        (SERIES, "地区生产总值年均增长 5.3%", "another_period", None, None),
        (ENERGY, "原煤产量 10亿立方米", "another_indicator", None, None),
        (ECONOMY_003, "营业收入增速 -6.16%", "opposite_direction", None, None),
        (ECONOMY_003, "工业总产值增长 4.67%", "opposite_direction", None, None),
        (ECONOMY_003, "应交增值税增速 8.78%", "another_unit", None, None),
        (ECONOMY_003, "营业收入 8.78亿元", "another_indicator", None, None),
        (GOV, "城镇调查失业率降幅 13.6%", "level_vs_growth", None, None),
        (GOV, "地区生产总值增长 25%", "per_capita_vs_total", None, None),
        (GOV, "地区生产总值增长 6%", "another_indicator", None, None),
        (GOV, "一般公共预算收入 77.9%", "share_vs_amount", None, None),
        (GOV, "一般公共预算收入 4200亿元", "another_indicator", None, None),
        (GOV, "上半年地区生产总值增长 5.5%", "another_period", None, None),
    ],
)
def test_binding_cases(
    text: str, metric: str, reason: str | None, measure: str | None, change: float | None
) -> None:
    name, raw = metric.rsplit(" ", 1)
    b = bind(name, raw, read_figures(text))
    assert b.reason == reason, (b.reason, b.figure, b.rival)
    if reason is None:
        assert b.reading is not None
        assert (b.reading.measure, b.reading.change) == (measure, change)


def test_a_figure_across_a_masked_page_marker_binds() -> None:
    from summarizer.pipeline import analyse

    analysis = analyse(SEEDS / "003_493866bb6fb899fa.txt")
    text = analysis.clean.text
    at = text.index("只有3\n11、00多亩")
    b = bind("可用土地", "300多亩", read_source(analysis.clean, at - 200, at + 40))
    assert b.ok and b.reading is not None
    assert (b.reading.value, b.reading.qualifier) == (300.0, "plus")
    assert text[b.reading.start] == "3" and text[b.reading.end - 1] == "亩"


def _lean_outputs(tmp_path: Path) -> list[dict[str, Any]]:
    answers = recorded_answers(LEAN)
    with ChatServer(recorded_responder(answers, convert=lambda a: a)) as srv:
        done = run_cli(
            "batch", SEEDS, "-o", tmp_path / "out", "--base-url", srv.base_url,
            "--model", "gpt-4o", "--no-cache",
            cwd=tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=180,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "out").glob("*.json"))
    ]


@pytest.mark.slow
def test_lean_recordings_verify_keep_key_metrics_and_overviews(tmp_path: Path) -> None:
    """The seeds' lean answers (../shared/recordings/seeds-lean), served by a local chat
    server to `summarizer batch`: every true finding verified, no key metric dropped, every
    overview the model wrote kept, every metric bound to its figure's offsets."""
    docs = _lean_outputs(tmp_path)
    recorded = [json.loads(line) for line in LEAN.read_text(encoding="utf-8").splitlines()]
    findings = [
        f
        for d in docs
        for r in d["reports"]
        for k in ("achievements", "problems", "plans", "other")
        for f in r[k]
    ]  # noqa: E501
    assert len(findings) == sum(len(a["answer"]["findings"]) for a in recorded) == 91
    assert [f["title"] for f in findings if not f["verified"]] == []
    key = [m for d in docs for r in d["reports"] for m in r["key_metrics"]]
    assert len(key) == sum(len(a["answer"]["key_metrics"]) for a in recorded) == 53
    warnings = [w for d in docs for r in d["reports"] for w in r["warnings"]]
    assert not [w for w in warnings if "composed instead" in w or "dropped" in w], warnings
    overviews = {a["answer"]["overview"] for a in recorded if a["answer"]["overview"]}
    assert overviews <= {r["overview"] for d in docs for r in d["reports"]}
    metrics = key + [m for f in findings for m in f["metrics"]]
    assert all(m["start"] is not None and m["evidence"] for m in metrics), [
        m["name"] for m in metrics if m["start"] is None
    ]
    # every exported metric row has its figure's offsets and the sentence that states it
    done = run_cli("export", tmp_path / "out", "-o", tmp_path / "rows.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "rows.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["record"] == "metric"]
    assert len(rows) == len(metrics) == 300
    assert all(r["figure_start"] and r["figure_end"] and r["quote"] for r in rows)
    # and `check` passes every output as written (exit 0, no flag)
    for out in sorted((tmp_path / "out").glob("*.json")):
        source = SEEDS / out.name.removesuffix(".json")
        checked = run_cli("check", out, "--source", source, "--strict", cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    growth = [m for m in metrics if m["name"] == "工业总产值降幅"]
    assert growth and all(
        (m["measure"], m["change_pct"], m["value"]) == ("growth", -4.67, None) for m in growth
    )


DEVSET = ROOT / "devset" / "gov"


@pytest.mark.parametrize(
    ("file", "anchor", "metric", "reason"),
    [
        # real 政府工作报告 of the tuned half of the dev set (devset/split.json); each metric is
        # bound inside the sentence that holds the anchor, as a finding's span would be
        (
            "guangdong_2026",
            "人均地区生产总值从9万元提高到11万元",
            "地区生产总值 11万元",
            "per_capita_vs_total",
        ),
        ("guangdong_2026", "人均地区生产总值从9万元提高到11万元", "人均地区生产总值 11万元", None),
        (
            "jiangsu_2026",
            "人均地区生产总值达16.7万元",
            "地区生产总值 16.7万元",
            "per_capita_vs_total",
        ),
        (
            "shanghai_2026",
            "人均地区生产总值达到3.2万美元",
            "地区生产总值 3.2万美元",
            "per_capita_vs_total",
        ),
        (
            "zhejiang_2026",
            "海洋生产总值占GDP比重达到14%左右",
            "地区生产总值 14%",
            "share_vs_amount",
        ),
        ("zhejiang_2026", "海洋生产总值占GDP比重达到14%左右", "海洋生产总值占比 14%", None),
        (
            "zhejiang_2026",
            "人均地区生产总值从2020年的10.5万元提高到",
            "人均地区生产总值 10.5万元",
            None,
        ),
    ],
)
def test_real_reports_headline_indicators(
    file: str, anchor: str, metric: str, reason: str | None
) -> None:
    text = (DEVSET / f"{file}.txt").read_text(encoding="utf-8")
    at = text.index(anchor)
    lo = max(text.rfind(c, 0, at) for c in "。\n") + 1
    hi = min(i for i in (text.find(c, at) for c in "。\n") if i >= 0)
    name, raw = metric.rsplit(" ", 1)
    b = bind(name, raw, read_figures(text[lo:hi], offset=lo))
    assert b.reason == reason, (b.reason, b.figure, b.rival)
    if reason is None:
        assert b.reading is not None and text[b.reading.start : b.reading.end].startswith(raw[:2])


def test_the_same_number_binds_the_figure_its_name_names() -> None:
    """A GDP target's offsets are the GDP figure's, not the retail sales' 5.5 %."""
    text = "预期目标：地区生产总值增长5.5%左右，社会消费品零售总额增长5.5%，一般公共预算收入增长5.5%以上。"
    readings = read_figures(text)
    gdp = bind("地区生产总值增速", "5.5%", readings).reading
    retail = bind("社零额增长", "5.5%", readings).reading
    revenue = bind("一般公共预算收入增长", "5.5%", readings).reading
    assert gdp is not None and retail is not None and revenue is not None
    assert [text[x.start - 2 : x.start] for x in (gdp, retail, revenue)] == ["增长"] * 3
    assert (gdp.subject, gdp.qualifier) == ("地区生产总值", "about")
    assert (retail.subject, retail.qualifier) == ("社会消费品零售总额", None)
    assert (revenue.subject, revenue.qualifier) == ("一般公共预算收入", "at_least")
    assert gdp.start < retail.start < revenue.start
    assert all(x.kind == "target" for x in (gdp, retail, revenue))


TARGETS = "地区生产总值增长5%左右，一般公共预算收入增长2%，城镇调查失业率5%以内，物价下降5%。"


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        # the number is written elsewhere with another direction (物价下降5%): the change of
        # the sentence's own subject decides
        ("地区生产总值下降5%左右。", "opposite_direction"),
        ("地区生产总值增长5%左右。", None),
        ("物价下降5%。", None),
        ("一般公共预算收入下降2%。", "opposite_direction"),
        # a change of a subject the evidence writes another change for: another figure's
        # number (2% is 一般公共预算收入's)
        ("地区生产总值增长2%左右。", "change_not_found"),
        # no change written for the subject: nothing to say
        ("工业投资增长2%。", None),
        # a subject after 累计 (the period, not the verb a name follows)
        ("物价累计增长2%。", "change_not_found"),
    ],
)
def test_a_summary_change_checked_for_its_subject(summary: str, reason: str | None) -> None:
    from summarizer.grounding.ground import overview_issues

    issues = overview_issues(summary, TARGETS)
    assert [x.reason for x in issues] == ([reason] if reason else []), issues
