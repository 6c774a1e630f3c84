"""`compare`, `track` and `search` on the synthetic multi-zone, multi-year set, asserted exactly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers import run_cli
from panel_data import write_set

from summarizer.core.errors import InputError
from summarizer.panel import build_panel, export, load_dictionary
from summarizer.panel.compare import compare, comparison_rows
from summarizer.panel.rows import Panel
from summarizer.panel.search import search, spans_of
from summarizer.panel.track import judge, track

A, B, C = "甲经济开发区", "乙高新区", "丙工业园区"


@pytest.fixture
def panel_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Panel]:
    monkeypatch.chdir(tmp_path)
    write_set(tmp_path)
    return tmp_path, build_panel([tmp_path / "out"])


# --------------------------------------------------------------------------- compare

COMPARE_2024_HEADER = [
    "园区",
    "规模以上工业总产值", "规模以上工业总产值·证据",
    "实际使用外资", "实际使用外资·证据",
    "高新技术企业数", "高新技术企业数·证据",
    "地区生产总值", "地区生产总值·证据",
    "一般公共预算收入", "一般公共预算收入·证据",
    "研发投入强度", "研发投入强度·证据",
    "固定资产投资", "固定资产投资·证据",
    "签约项目数", "签约项目数·证据",
    "供地面积", "供地面积·证据",
]  # fmt: skip
COMPARE_2024_ROWS = [
    [A, "199.5亿元（+8.2%）", "src/a2024.txt:39-46", "1450万美元", "src/a2024.txt:63-70",
     "12家", "src/a2024.txt:79-82", "", "", "", "", "", "", "", "", "", "", "", ""],
    [B, "", "", "5200万美元", "src/b2024.txt:72-79", "", "", "103.1亿元（+6.7%）",
     "src/b2024.txt:36-43", "X亿元", "src/b2024.txt:61-64", "0.3个百分点", "src/b2024.txt:88-95",
     "", "", "", "", "", ""],
    [C, "", "", "", "", "", "", "", "", "6.1亿元", "src/c2024.txt:84-89", "2.1%",
     "src/c2024.txt:71-75", "47.7亿元（+6%）", "src/c2024.txt:31-37", "32项", "src/c2024.txt:47-50",
     "70万平方米", "src/c2024.txt:55-61"],
]  # fmt: skip


def test_compare_latest_year(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    c = compare(panel)
    assert c.year == 2024
    assert comparison_rows(c) == (COMPARE_2024_HEADER, COMPARE_2024_ROWS)
    # Each link points at the figure in its source.
    for cell in c.cells.values():
        text = (root / cell.source_path).read_text(encoding="utf-8")
        assert cell.start is not None and text[cell.start : cell.end] == cell.raw
    # % and 个百分点 stay apart: 乙's change of the share and 丙's share have different bases.
    assert c.cells[(B, "rd_intensity")].base_unit == "个百分点"
    assert c.cells[(C, "rd_intensity")].base_unit == "%"
    # Mixed money units normalise to one base: 6.1亿元 and (2023) 52000万元 both in 元.
    assert c.cells[(C, "public_budget_revenue")].value_base == 610000000.0


def test_compare_2023_shows_the_scope_and_the_headline_is_not_doubled(
    panel_set: tuple[Path, Panel],
) -> None:
    root, panel = panel_set
    header, rows = comparison_rows(compare(panel, 2023, ["规模以上工业总产值", "foreign_investment_used", "public_budget_revenue"]))  # fmt: skip
    assert header == [
        "园区", "规模以上工业总产值", "规模以上工业总产值·证据", "实际使用外资", "实际使用外资·证据",
        "一般公共预算收入", "一般公共预算收入·证据",
    ]  # fmt: skip
    assert rows == [
        [A, "184.7亿元（+16.2%）", "src/a2023.txt:37-44", "1200万美元［口径：实际利用外资］",
         "src/a2023.txt:62-69", "8.6亿元", "src/a2023.txt:78-83"],
        [B, "", "", "", "", "52000万元", "src/b2023.txt:60-67"],
        [C, "", "", "", "", "", ""],
    ]  # fmt: skip


@pytest.mark.slow
def test_compare_cli_csv_and_xlsx(panel_set: tuple[Path, Panel]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    root, _ = panel_set
    proc = run_cli("compare", "out", "--year", "2024", "-o", "c.csv", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # -o writes quietly
    assert (root / "c.csv").stat().st_mode & 0o777 == 0o644
    with (root / "c.csv").open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [COMPARE_2024_HEADER, *COMPARE_2024_ROWS]
    proc = run_cli("compare", "out", "-o", "c.xlsx", cwd=root)
    assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(root / "c.xlsx")["对比2024"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [
        COMPARE_2024_HEADER,
        *[[v or None for v in row] for row in COMPARE_2024_ROWS],
    ]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:S4"
    cell = ws["B2"]
    assert cell.hyperlink.target == "src/a2024.txt"
    assert (
        cell.comment.text
        == "src/a2024.txt:39-46\n全年完成规模以上工业总产值199.5亿元，同比增长8.2%。"
    )


# --------------------------------------------------------------------------- track

TRACK_2024 = [
    (A, "规模以上工业总产值", "力争增长8%以上", "199.5亿元，增长8.2%", "met", "8.2% ≥ 8% (at least)"),
    (A, "实际使用外资", "1500万美元", "1450万美元", "missed", "1450万美元 < 1500万美元 (at least)"),
    (A, "高新技术企业数", "10家左右", "12家", "met", "12家 ≥ 9.8家 (about 10家, tolerance 2% of the target)"),
    (B, "地区生产总值", "增长7%左右", "103.1亿元，增长6.7%", "met", "6.7% ≥ 6.5% (about 7%, tolerance 0.5 point)"),
    (B, "实际使用外资", "突破5000万美元", "5200万美元", "met",
     "5200万美元 ≥ 5000万美元 (at least); scope changed: 实际利用外资 → 实际使用外资"),
    (B, "一般公共预算收入", "确保增长5%", "X亿元", "not reported", "figure redacted in the 2024 report: X亿元"),
    (C, "固定资产投资", "增长10%以上", "47.7亿元，增长6%", "missed", "6% < 10% (at least)"),
    (C, "进出口总额", "4亿美元", None, "dropped", "not mentioned in the 2024 report"),
    (C, "签约项目数", "30个", "32项", "met", "32项 = 32个 ≥ 30个 (at least)"),
    (C, "供地面积", "1000亩", "70万平方米", "met", "70万平方米 = 1050亩 ≥ 1000亩 (at least)"),
]  # fmt: skip


def test_track_2024(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    rows = track(panel, 2024)
    got = [(t.zone, t.indicator, t.target, t.actual, t.status, t.note) for t in rows]
    assert got == TRACK_2024
    # Both quotes and where they stand.
    first = rows[0]
    assert first.target_quote == (
        "2024年力争规上工业总产值增长8%以上，实际使用外资达到1500万美元，新增高新技术企业10家左右。"
    )
    assert first.target_source == "src/a2023.txt:118-120"
    assert first.actual_quote == "全年完成规模以上工业总产值199.5亿元，同比增长8.2%。"
    assert first.actual_source == "src/a2024.txt:39-46"
    assert (first.qualifier, first.bound) == ("力争;以上", "at_least")


def test_track_every_year_lists_targets_without_a_report(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    rows = track(panel)
    assert [(t.zone, t.year, t.status) for t in rows[len(TRACK_2024) :]] == [(A, 2025, "no report")]
    assert rows[-1].note == "no report on 2025 for this zone among the outputs"


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "measure": "growth", "value": None, "value_base": None, "unit": "%", "base_unit": "%",
        "raw": "", "change_pct": None, "bound": None, "name": "地区生产总值", "redacted": False,
    }  # fmt: skip
    base.update(kw)
    return base


# target value, bound, decline, actual growth → status (the qualifier semantics as a table)
JUDGE_CASES = [
    (8.0, "at_least", False, 8.2, "met"),  # 增长8%以上, 8.2% achieved
    (8.0, "at_least", False, 8.0, "met"),
    (8.0, "at_least", False, 7.9, "missed"),
    (8.0, None, False, 7.9, "missed"),  # a plain target reads as at least
    (7.0, "about", False, 6.5, "met"),  # 左右: 0.5 point tolerance
    (7.0, "about", False, 6.4, "missed"),
    (7.0, "about", False, 9.0, "met"),  # beating an "about" target is meeting it
    (3.0, "at_most", False, 2.5, "met"),  # 控制在3%以内
    (3.0, "at_most", False, 3.1, "missed"),
    (3.0, "at_least", True, -3.5, "met"),  # 能耗下降3%: a larger decline meets it
    (3.0, "at_least", True, -2.0, "missed"),
]


@pytest.mark.parametrize(("t", "bound", "decline", "a", "status"), JUDGE_CASES)
def test_judge_growth(t: float, bound: str | None, decline: bool, a: float, status: str) -> None:
    name = "能耗下降" if decline else "地区生产总值"
    target = _row(value=t, raw=f"{t:g}%", bound=bound, name=name)
    actual = _row(measure="level", change_pct=a, raw="x", unit="亿元", base_unit="元")
    assert judge(target, actual, load_dictionary())[0] == status


def test_judge_about_level_uses_the_relative_tolerance() -> None:
    d = load_dictionary()
    target = _row(measure="level", value=100, value_base=1e10, unit="亿元", base_unit="元",
                  raw="100亿元", bound="about")  # fmt: skip
    near = _row(measure="level", value=98.1, value_base=9.81e9, unit="亿元", base_unit="元",
                raw="98.1亿元")  # fmt: skip
    far = _row(measure="level", value=97.9, value_base=9.79e9, unit="亿元", base_unit="元",
               raw="97.9亿元")  # fmt: skip
    assert judge(target, near, d) == ("met", "98.1亿元 ≥ 98亿元 (about 100亿元, tolerance 2% of the target)")  # fmt: skip
    assert judge(target, far, d)[0] == "missed"


@pytest.mark.slow
def test_track_cli(panel_set: tuple[Path, Panel]) -> None:
    root, _ = panel_set
    proc = run_cli("track", "out", "--year", "2024", "-o", "t.csv", cwd=root,
                   env={"COLUMNS": "250"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # -o writes quietly
    assert (root / "t.csv").stat().st_mode & 0o777 == 0o644
    with (root / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["园区"], r["指标"], r["结果"]) for r in rows] == [
        (z, i, s) for z, i, _, _, s, _ in TRACK_2024
    ]
    assert rows[4]["说明"].endswith("scope changed: 实际利用外资 → 实际使用外资")
    assert rows[7]["实际"] == ""


# --------------------------------------------------------------------------- search


def test_search_findings_and_passages(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    export(panel, root / "p.sqlite")
    hits = search(root / "p.sqlite", "实际使用外资 万美元")
    found = [(h.kind, h.location, h.title) for h in hits]
    assert found == [
        ("finding", "src/a2024.txt:57-83", "招商引资"),
        ("finding", "src/b2024.txt:66-96", "对外开放"),
        ("finding", "src/a2023.txt:102-153", "发展目标"),
        ("passage", "src/a2024.txt:57-83", None),
        ("passage", "src/b2024.txt:66-96", None),
        ("passage", "src/a2023.txt:102-153", None),
    ]
    for h in hits:
        source = (root / h.source_path).read_text(encoding="utf-8")
        assert source[h.start : h.end] == h.text
        # The highlighted spans are the terms, at their offsets in the source file.
        assert [source[s:e] for s, e in h.match_offsets] == [h.text[s:e] for s, e in h.spans]
        assert {h.text[s:e] for s, e in h.spans} == {"实际使用外资", "万美元"}


def test_search_short_terms_fall_back_to_like(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    export(panel, root / "p.sqlite")
    # Two characters are below the trigram's reach; the search still finds them.
    hits = search(root / "p.sqlite", "外资", kinds=("finding",))
    assert [h.location for h in hits] == [
        "src/a2023.txt:56-84",
        "src/a2023.txt:102-153",
        "src/a2024.txt:57-83",
        "src/b2023.txt:69-118",
        "src/b2024.txt:66-96",
    ]
    mixed = search(root / "p.sqlite", "外资 突破", kinds=("passage",))
    assert [h.text for h in mixed] == [
        "2024年地区生产总值增长7%左右，实际利用外资突破5000万美元，一般公共预算收入确保增长5%。"
    ]
    assert search(root / "p.sqlite", "不存在的词") == []


def test_search_rejects_what_is_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database"):
        search(tmp_path / "none.sqlite", "外资")
    (tmp_path / "x.sqlite").write_bytes(b"not a database at all, just bytes" * 10)
    with pytest.raises(InputError, match="not an SQLite database"):
        search(tmp_path / "x.sqlite", "外资")


def test_spans_merge_overlaps() -> None:
    assert spans_of("实际使用外资1450万美元", ["使用外资", "外资", "美元"]) == ((2, 6), (11, 13))


@pytest.mark.slow
def test_search_cli_json_and_highlight(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    export(panel, root / "p.sqlite")
    proc = run_cli("search", "p.sqlite", "个百分点", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(x["kind"], x["source_path"], x["matches"]) for x in lines] == [
        ("finding", "src/b2024.txt", [[91, 95]]),
        ("passage", "src/b2024.txt", [[91, 95]]),
    ]
    proc = run_cli("search", "p.sqlite", "个百分点", "--only", "findings", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (
        proc.stdout.splitlines()[0] == "src/b2024.txt:66-96  乙高新区 2024 achievement · 对外开放"
    )
    assert "1 hit(s)" in proc.stdout
    missing = run_cli("search", "nope.sqlite", "外资", cwd=root)
    assert missing.returncode == 2
    assert missing.stderr.startswith("Error: nope.sqlite: no such database")
