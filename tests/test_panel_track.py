"""`track` as a careful reader: the verdict case table (floor, ceiling, 以上, 左右 at the
tolerance edge, a range, a decline, a level with its growth, five-year figures ignored),
the indicator exclusions, and the commands at 80 columns, as JSON and into files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli
from panel_data import write_set

from summarizer.panel.dictionary import load_dictionary
from summarizer.panel.targets import mentions, read_outcomes, read_targets
from summarizer.panel.track import judge_stated

D = load_dictionary()

PLAN = "二、2025年工作安排\n今年经济社会发展主要预期目标是：{targets}。\n"
REVIEW = "一、2025年工作回顾\n{review}\n二、2026年工作安排\n今年……\n"

# target clause, review text, indicator, measure, verdict
TRACK_CASES: list[tuple[str, str, str, str, str, str]] = [
    ("floor reached", "地区生产总值增长5%", "地区生产总值增长5.2%。", "地区生产总值", "growth", "met"),
    ("floor missed", "地区生产总值增长5%", "地区生产总值增长4.9%。", "地区生产总值", "growth", "missed"),
    ("以上 is ≥", "地区生产总值增长5%以上", "地区生产总值增长4.9%。", "地区生产总值", "growth", "missed"),
    ("左右 at the edge (5 - 0.5)", "地区生产总值增长5%左右", "地区生产总值增长4.5%。", "地区生产总值", "growth", "met"),
    ("左右 past the edge", "地区生产总值增长5%左右", "地区生产总值增长4.4%。", "地区生产总值", "growth", "missed"),
    ("a range from its lower end", "地区生产总值增长4.5%—5%", "地区生产总值增长4.6%。", "地区生产总值", "growth", "met"),
    ("ceiling: CPI under", "居民消费价格涨幅2%左右", "居民消费价格上涨0.2%。", "居民消费价格", "growth", "met"),
    ("ceiling: CPI over the edge", "居民消费价格涨幅2%左右", "居民消费价格上涨2.6%。", "居民消费价格", "growth", "missed"),
    ("ceiling: unemployment 以内", "城镇调查失业率控制在5.5%以内", "城镇调查失业率5.6%。", "城镇调查失业率", "level", "missed"),
    ("ceiling: unemployment 左右", "城镇调查失业率5.5%左右", "城镇调查失业率平均为5.1%。", "城镇调查失业率", "level", "met"),
    ("a decline target", "单位地区生产总值能耗降低3%左右", "单位地区生产总值能耗下降2.4%。", "单位地区生产总值能耗", "growth", "missed"),
    ("a level with its growth", "地区生产总值增长5%左右", "全省地区生产总值60199.45亿元、增长5%。", "地区生产总值", "growth", "met"),
    ("a level target in another unit", "粮食产量1.3万亿斤以上", "粮食产量首次跃上1.4万亿斤。", "粮食产量", "level", "met"),
    ("five-year figures ignored", "地区生产总值增长5%", "过去五年，地区生产总值年均增长6%。\n2025年，地区生产总值增长4%。", "地区生产总值", "growth", "missed"),
    ("年均 in the year's paragraph ignored", "地区生产总值增长5%", "2025年，“十四五”时期地区生产总值年均增长6%。全年地区生产总值增长3%。", "地区生产总值", "growth", "missed"),
    ("the headline outranks an item", "地区生产总值增长5%", "2025年，地区生产总值增长5.5%。海洋生产总值增长3.7%。", "地区生产总值", "growth", "met"),
    ("per capita never stands in", "地区生产总值增长5%", "人均地区生产总值增长6%。", "地区生产总值", "growth", "dropped"),
    ("named without a figure", "居民消费价格涨幅2%左右", "居民消费价格总体平稳。", "居民消费价格", "growth", "not reported"),
]  # fmt: skip


def _verdict(target: str, review: str, indicator: str, measure: str) -> str:
    plan_text = PLAN.format(targets=target)
    targets = [t for t in read_targets(plan_text, D) if t.indicator.name == indicator]
    assert targets, f"no target read from {target}"
    t = targets[0]
    assert t.measure == measure
    review_text = REVIEW.format(review=review)
    same = [a for a in read_outcomes(review_text, D) if a.indicator.id == t.indicator.id]
    usable = [a for a in same if a.measure == t.measure]
    if usable:
        return judge_stated(t, usable[0], D)[0]
    return "not reported" if mentions(review_text, t.indicator, D) else "dropped"


@pytest.mark.parametrize(
    ("target", "review", "indicator", "measure", "verdict"),
    [c[1:] for c in TRACK_CASES],
    ids=[c[0] for c in TRACK_CASES],
)
def test_track_cases(target: str, review: str, indicator: str, measure: str, verdict: str) -> None:
    assert _verdict(target, review, indicator, measure) == verdict


# --------------------------------------------------------------------------- exclusions

EXCLUSION_CASES: list[tuple[str, str, str | None]] = [
    # metric name, unit, standard indicator id (None: no indicator)
    ("地区生产总值", "亿元", "gdp"),
    ("人均地区生产总值", "元", None),
    ("海洋生产总值", "亿元", None),
    ("数字经济核心产业增加值占地区生产总值比重", "%", None),
    ("地区生产总值年均增长", "%", None),
    ("一般公共预算收入", "亿元", "public_budget_revenue"),
    ("转移支付收入", "亿元", None),
    ("一般公共预算支出", "亿元", None),
    ("居民人均可支配收入", "元", "disposable_income"),
    ("规上工业企业利润增长", "%", None),
    ("城镇调查失业率", "%", "urban_unemployment_rate"),
    ("居民消费价格涨幅", "%", "cpi"),
    ("粮食产量", "万吨", "grain_output"),
    ("单位地区生产总值能耗降低", "%", "energy_per_gdp"),
    ("实际使用外资", "亿美元", "foreign_investment_used"),
    ("规上工业增加值增长", "%", "industrial_value_added_above_scale"),
]


@pytest.mark.parametrize(("name", "unit", "indicator"), EXCLUSION_CASES)
def test_indicator_exclusions(name: str, unit: str, indicator: str | None) -> None:
    m = D.match(name, unit)
    assert (m.indicator.id if m else None) == indicator


def test_ceilings_and_units_are_in_the_dictionary() -> None:
    ceilings = {i.id for i in D.indicators.values() if i.target == "ceiling"}
    assert {"cpi", "urban_unemployment_rate", "energy_per_gdp"} <= ceilings
    assert D.unit("万亿斤") is not None and D.unit("万亿斤").base == "吨"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- the commands


@pytest.fixture(scope="module")
def panel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("track")
    write_set(root)
    return root


def _env() -> dict[str, str]:
    return {"COLUMNS": "80", "NO_COLOR": "1"}


@pytest.mark.slow
def test_track_fits_80_columns_in_its_line_budget(panel_dir: Path) -> None:
    proc = run_cli("track", "out", "--year", "2024", cwd=panel_dir, env=_env())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    targets = 10
    groups = 3  # zone and year pairs
    assert len(lines) <= 2 * targets + groups + 2  # the stated budget
    from rich.cells import cell_len

    assert max(cell_len(line) for line in lines) <= 80
    assert "6 met, 2 missed, 1 not reported, 1 dropped" in lines[-1]


@pytest.mark.slow
def test_compare_fits_80_columns_in_its_line_budget(panel_dir: Path) -> None:
    proc = run_cli("compare", "out", "--year", "2024", cwd=panel_dir, env=_env())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    from rich.cells import cell_len

    assert max(cell_len(line) for line in lines) <= 80
    assert len(lines) <= 12 + 2  # one line per figure, a title and a footer


@pytest.mark.slow
def test_json_shapes(panel_dir: Path) -> None:
    need = {"zone", "year", "indicator", "status", "target_raw", "actual_raw", "evidence"}
    for cmd in (("track", "out", "--year", "2024"), ("compare", "out", "--year", "2024")):
        proc = run_cli(*cmd, "--json", cwd=panel_dir, env=_env())
        assert proc.returncode == 0, proc.stderr
        rows = [json.loads(line) for line in proc.stdout.splitlines()]
        assert rows and all(need <= set(r) for r in rows), cmd
    track = [json.loads(x) for x in run_cli("track", "out", "--year", "2024", "--json",
                                            cwd=panel_dir).stdout.splitlines()]  # fmt: skip
    assert track[0]["evidence"]["target"]["start"] is not None
    proc = run_cli("indicators", "--json", cwd=panel_dir)
    data = json.loads(proc.stdout)
    cpi = next(i for i in data["indicators"] if i["id"] == "cpi")
    assert cpi["target"] == "ceiling" and "人均" in cpi["exclude"]


@pytest.mark.slow
def test_files_are_0644_and_described(panel_dir: Path) -> None:
    for name in ("p.csv", "p.sqlite"):
        proc = run_cli("export", "out", "-o", name, cwd=panel_dir)
        assert proc.returncode == 0, proc.stderr
        assert (panel_dir / name).stat().st_mode & 0o777 == 0o644
    package = json.loads((panel_dir / "datapackage.json").read_text(encoding="utf-8"))
    fields = package["resources"][0]["schema"]["fields"]
    assert package["resources"][0]["path"] == "p.csv" and fields[0]["name"] == "record"
    meta = json.loads((panel_dir / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["databases"]["p"]["tables"]) == {"metrics", "findings", "evidence"}
    for name in ("t.xlsx", "t.csv"):
        proc = run_cli("track", "out", "-o", name, cwd=panel_dir)
        assert proc.returncode == 0 and proc.stdout == "", proc.stderr
        assert (panel_dir / name).stat().st_mode & 0o777 == 0o644


@pytest.mark.slow
def test_unknown_indicator_exits_2(panel_dir: Path) -> None:
    proc = run_cli("compare", "out", "--indicator", "没有这个指标", cwd=panel_dir)
    assert proc.returncode == 2 and "unknown indicator 没有这个指标" in proc.stderr


@pytest.mark.slow
def test_track_that_cannot_pair_says_why(tmp_path: Path) -> None:
    write_set(tmp_path)
    # Only the plans: no report reviews their year.
    for p in (tmp_path / "out").glob("*2024*.json"):
        p.unlink()
    proc = run_cli("track", "out", cwd=tmp_path)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "no report reviews" in proc.stderr


@pytest.mark.slow
def test_zones_file_and_config_on_the_panel(tmp_path: Path) -> None:
    write_set(tmp_path)
    (tmp_path / "zones.csv").write_text("path,zone\n*a20*.txt,合肥经开区\n", encoding="utf-8")
    (tmp_path / "cfg.toml").write_text(
        '[panel]\nzones = "zones.csv"\nabout_points = 1.0\n', encoding="utf-8"
    )
    proc = run_cli("--config", "cfg.toml", "track", "out", "--year", "2024", "--json",
                   cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    assert {r["zone"] for r in rows} >= {"合肥经开区"}
    assert any("tolerance 1 point" in r["note"] for r in rows)
    (tmp_path / "bad.toml").write_text('[panel]\nzone = "x"\n', encoding="utf-8")
    proc = run_cli("--config", "bad.toml", "track", "out", cwd=tmp_path)
    assert proc.returncode == 3 and "unknown [panel] setting 'zone'" in proc.stderr


# --------------------------------------------------------------------------- outputs only


def test_from_outputs_the_headline_wins_and_five_year_figures_never_count() -> None:
    """Without the source file: a stretch-of-years figure is never the year's outcome, and
    the report's headline figure outranks an item's, in compare and in track."""
    from factories import document, evidence_at, finding, metric, report

    from summarizer.panel.compare import compare
    from summarizer.panel.rows import Output, panel_of
    from summarizer.panel.track import track

    text = "过去五年，地区生产总值年均增长6%。海洋生产总值增长3.7%，全省地区生产总值增长4.2%。"
    plan = report(
        organization="安徽省人民政府", summary_year=2024, plan_year=2025,
        key_metrics=[metric("地区生产总值增长", "5%", 5, unit="%", kind="target")],
    )  # fmt: skip
    review = report(
        organization="安徽省", summary_year=2025, plan_year=2026,
        key_metrics=[metric("地区生产总值增长", "4.2%", 4.2, unit="%")],
        achievements=[
            finding("五年", [evidence_at(text, "过去五年，地区生产总值年均增长6%。")],
                    metrics=[metric("地区生产总值增长", "6%", 6, unit="%")]),
            finding("海洋", [evidence_at(text, "海洋生产总值增长3.7%")],
                    metrics=[metric("地区生产总值增长", "3.7%", 3.7, unit="%")]),
        ],
    )  # fmt: skip
    panel = panel_of([Output("a.json", document([plan], path="/nowhere/a.txt")),
                      Output("b.json", document([review], path="/nowhere/b.txt"))])  # fmt: skip
    five = [r for r in panel.metrics if r["raw"] == "6%"]
    assert five and five[0]["period"] == "years"
    c = compare(panel, 2025, sources=False)
    assert c.cells[("安徽省", "gdp")].raw == "4.2%"  # the headline, not 6% or 3.7%
    rows = track(panel, 2025, sources=False)
    assert [(r.zone, r.actual, r.status) for r in rows] == [("安徽省", "增长4.2%", "missed")]


IN_STEP_CASES: list[tuple[str, str, str]] = [
    # review, verdict
    ("income keeps pace within the tolerance", "地区生产总值增长5.4%。居民人均可支配收入实际增长4.9%。", "met"),
    ("income falls behind", "地区生产总值增长5.4%。居民人均可支配收入实际增长4.4%。", "missed"),
    ("the review says it kept pace", "居民收入增长和经济增长同步。", "met"),
    ("no word of income", "地区生产总值增长5.4%。", "dropped"),
]  # fmt: skip


@pytest.mark.parametrize(("review", "verdict"), [c[1:] for c in IN_STEP_CASES],
                         ids=[c[0] for c in IN_STEP_CASES])  # fmt: skip
def test_income_in_step_with_growth(review: str, verdict: str) -> None:
    from summarizer.panel.targets import SourceFile
    from summarizer.panel.track import _text_outcome

    plan = PLAN.format(targets="地区生产总值增长5%左右，居民收入增长和经济增长同步")
    targets = [t for t in read_targets(plan, D) if t.relative_to == "gdp"]
    assert len(targets) == 1 and targets[0].indicator.id == "disposable_income"
    row = _text_outcome(targets[0], "甲省", 2025, SourceFile("p.txt", plan),
                        [SourceFile("r.txt", REVIEW.format(review=review))], D)  # fmt: skip
    assert row.status == verdict


TARGET_PARAGRAPH_CASES: list[tuple[str, str, str | None]] = [
    ("a year's, naming the plan in passing",
     "2025年是“十四五”规划收官之年，经济社会发展主要预期目标是：地区生产总值增长5%左右。",
     "地区生产总值增长5%左右"),
    ("a five-year plan's, then the year's",
     "“十五五”时期经济社会发展的主要目标是：年均增长5%。\n今年主要预期目标是：地区生产总值增长4.5%。",
     "地区生产总值增长4.5%"),
    ("到2030年 is a plan's", "到2030年，主要目标是：地区生产总值翻番。", None),
    ("the heading alone on its line", "主要预期目标\n是：地区生产总值增长4.5%—5%。", "增长4.5%—5%"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "holds"), [c[1:] for c in TARGET_PARAGRAPH_CASES],
                         ids=[c[0] for c in TARGET_PARAGRAPH_CASES])  # fmt: skip
def test_target_paragraph(text: str, holds: str | None) -> None:
    from summarizer.panel.targets import target_span

    span = target_span(text)
    if holds is None:
        assert span is None
    else:
        assert span is not None and holds in text[span[0] : span[1]]


def test_targets_listed_one_a_line_and_the_tasks_after_them() -> None:
    text = ("今年主要预期目标是：\n——地区生产总值增长5.5%左右；\n——城镇调查失业率5.5%左右。\n"
            "（一）扩大内需。力争社会消费品零售总额增长6%。\n")  # fmt: skip
    assert [(t.indicator.name, t.raw) for t in read_targets(text, D)] == [
        ("地区生产总值", "增长5.5%左右"),
        ("城镇调查失业率", "5.5%左右"),
    ]


def test_review_without_a_review_heading() -> None:
    # The review runs from the start to the first top-level heading of the plans.
    text = "过去一年，地区生产总值增长5.2%。\n一、扩大内需\n力争地区生产总值增长6%。\n"
    assert [(a.indicator.name, a.value) for a in read_outcomes(text, D)] == [("地区生产总值", 5.2)]
