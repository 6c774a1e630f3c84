"""The indicator dictionary (case tables) and `summarizer export` in every format, read back."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli
from panel_data import ZONES, source_text, write_set

from summarizer.core.errors import ConfigError, InputError
from summarizer.panel import build_panel, export, load_dictionary
from summarizer.panel.export import split_passages
from summarizer.panel.rows import COLUMNS, EVIDENCE_COLUMNS, FINDING_COLUMNS, METRIC_COLUMNS, Panel
from summarizer.text.zones import zone_name

# --------------------------------------------------------------------------- dictionary

# name as written, unit → standard indicator, scope flag, measure
MATCH_CASES = [
    ("规上工业总产值", "亿元", "规模以上工业总产值", None, "level"),
    ("规模以上工业总产值", "万元", "规模以上工业总产值", None, "level"),
    ("园区规上工业总产值", "亿元", "规模以上工业总产值", None, "level"),
    ("规上工业总产值", "%", "规模以上工业总产值", None, "growth"),
    ("GDP增速", "%", "地区生产总值", None, "growth"),
    ("ＧＤＰ", "亿元", "地区生产总值", None, "level"),
    ("经济总量", "亿元", "地区生产总值", None, "level"),
    ("地区生产总值增长", "%", "地区生产总值", None, "growth"),
    ("实际使用外资", "万美元", "实际使用外资", None, "level"),
    ("实际利用外资", "万美元", "实际使用外资", "实际利用外资", "level"),
    ("利用外资", "亿元", "实际使用外资", "利用外资", "level"),
    ("进出口总额", "亿美元", "进出口总额", None, "level"),
    ("出口", "亿元", "出口总额", None, "level"),
    ("高新技术企业", "家", "高新技术企业数", None, "level"),
    ("新增高新技术企业", "个", "高新技术企业数", None, "level"),
    ("签约项目", "项", "签约项目数", None, "level"),
    ("招商引资到位资金", "亿元", "招商引资到位资金", None, "level"),
    ("一般预算收入", "万元", "一般公共预算收入", None, "level"),
    ("固投", "亿元", "固定资产投资", None, "level"),
    ("研发投入强度", "%", "研发投入强度", None, "level"),
    ("研发投入强度", "个百分点", "研发投入强度", None, "points"),
    ("供应土地", "亩", "供地面积", None, "level"),
    ("单位工业增加值能耗", "%", "单位工业增加值能耗", None, "growth"),
    # 规模工业 is 规模以上工业, not 工业 in general.
    ("规模工业增加值", "亿元", "规模以上工业增加值", None, "level"),
    ("新增规模以上工业企业", "户", "规模以上工业企业数", None, "level"),
    ("研发投入占比销售收入", "%", "研发投入强度", None, "level"),
    ("新出让土地", "亩", "供地面积", None, "level"),
]
NO_MATCH_CASES = [
    ("高新技术企业", "亿元"),  # their revenue, not their number
    ("签约项目", "亿元"),  # the projects' investment, not their count
    ("职工食堂", "个"),
    ("规上工业总产值", "家"),
]


@pytest.mark.parametrize(("name", "unit", "indicator", "scope", "measure"), MATCH_CASES)
def test_indicator_match(
    name: str, unit: str, indicator: str, scope: str | None, measure: str
) -> None:
    m = load_dictionary().match(name, unit)
    assert m is not None
    assert (m.indicator.name, m.scope, m.measure) == (indicator, scope, measure)


@pytest.mark.parametrize(("name", "unit"), NO_MATCH_CASES)
def test_indicator_no_match(name: str, unit: str) -> None:
    assert load_dictionary().match(name, unit) is None


# value, unit → normalised value, base unit
NORMALISE_CASES = [
    (184.7, "亿元", 18470000000.0, "元"),
    (52000, "万元", 520000000.0, "元"),
    (1200, "万美元", 12000000.0, "美元"),
    (3.6, "亿美元", 360000000.0, "美元"),
    (30, "亩", 20000.0, "平方米"),
    (1000, "亩", 666666.666667, "平方米"),
    (1.2, "万㎡", 12000.0, "平方米"),
    (70, "万平方米", 700000.0, "平方米"),
    (2, "平方公里", 2000000.0, "平方米"),
    (12, "家", 12.0, "个"),
    (32, "项", 32.0, "个"),
    (3, "万人", 30000.0, "人"),
    (16.2, "%", 16.2, "%"),
    (5, "‰", 0.5, "%"),
    (0.3, "个百分点", 0.3, "个百分点"),
    (0.3, "百分点", 0.3, "个百分点"),
    (None, "亿元", None, "元"),
    (7, "吨标准煤", None, None),
]


@pytest.mark.parametrize(("value", "unit", "base_value", "base"), NORMALISE_CASES)
def test_normalise(value: float | None, unit: str, base_value: float | None, base: str) -> None:
    assert load_dictionary().normalise(value, unit) == (base_value, base)


# clause before the figure, raw, text right after → qualifier words, bound, firmness
QUALIFIER_CASES = [
    ("力争规上工业总产值增长", "8%", "以上，", ("力争", "以上"), "at_least", "soft"),
    ("地区生产总值增长", "7%", "左右，", ("左右",), "about", "soft"),
    ("一般公共预算收入确保增长", "5%", "。", ("确保",), "at_least", "hard"),
    ("确保规上工业总产值突破", "215亿元", "。", ("确保", "突破"), "at_least", "hard"),
    ("实际利用外资超过", "5000万美元", "", ("超过",), "at_least", ""),
    ("增长约", "5%", "", ("约",), "about", ""),
    ("签约项目", "30个", "，", (), None, ""),
    ("节约用地", "30亩", "", (), None, ""),
    ("能耗增长控制在", "3%", "以内", ("控制在", "以内"), "at_most", ""),
    ("力争增长", "8%", "左右", ("力争", "左右"), "about", "soft"),
    ("引进企业", "1200余家", "", ("余",), "at_least", ""),
]


@pytest.mark.parametrize(("before", "raw", "after", "words", "bound", "firmness"), QUALIFIER_CASES)
def test_qualifiers(
    before: str, raw: str, after: str, words: tuple[str, ...], bound: str | None, firmness: str
) -> None:
    r = load_dictionary().read_qualifiers(before, raw, after)
    assert (r.words, r.bound, r.firmness) == (words, bound, firmness)


def test_user_dictionary_extends_and_replaces(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        'version = "local.1"\n'
        '[[indicator]]\nid = "gdp"\nname = "GDP"\nsynonyms = ["经济总量"]\n'
        'family = "money"\nclass = "发展质量"\n'
        '[[indicator]]\nid = "brownfield"\nname = "盘活低效用地"\nsynonyms = ["盘活闲置土地"]\n'
        'family = "area"\nclass = "统筹协调"\n'
        '[units]\n"hm²" = { family = "area", base = "平方米", factor = 10000 }\n',
        encoding="utf-8",
    )
    d = load_dictionary([extra])
    assert d.version == "2026.12.6+local.1"
    assert d.indicators["gdp"].name == "GDP"
    m = d.match("盘活闲置土地", "hm²")
    assert m is not None and m.indicator.id == "brownfield"
    assert d.normalise(3, "hm²") == (30000.0, "平方米")
    # The packaged dictionary is untouched by the extension.
    assert load_dictionary().indicators["gdp"].name == "地区生产总值"


def test_bad_user_dictionary_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[indicator]]\nid = "x"\nname = "x"\nfamily = "weight"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="family 'weight'"):
        load_dictionary([bad])


def test_every_packaged_unit_and_class_is_known() -> None:
    d = load_dictionary()
    assert d.version
    for ind in d.indicators.values():
        assert ind.klass in ("对外开放", "发展质量", "科技创新", "绿色发展", "统筹协调", "")
    # % and 个百分点 are different bases: a share never mixes with a change of one.
    assert d.units["%"].base != d.units["个百分点"].base


# --------------------------------------------------------------------------- rows

# id → (zone, year, part, indicator, scope, measure, raw, value_base, base_unit, change,
#       kind, qualifier, bound, redacted, verified)
EXPECTED_METRICS: dict[int, tuple[Any, ...]] = {
    1: ("甲经济开发区", 2023, "key_metrics", "规模以上工业总产值", None, "level", "184.7亿元", 18470000000.0, "元", 16.2, "actual", None, None, False, True),
    2: ("甲经济开发区", 2023, "achievement", "规模以上工业总产值", None, "level", "184.7亿元", 18470000000.0, "元", 16.2, "actual", None, None, False, True),
    3: ("甲经济开发区", 2023, "achievement", "实际使用外资", "实际利用外资", "level", "1200万美元", 12000000.0, "美元", None, "actual", None, None, False, True),
    4: ("甲经济开发区", 2023, "achievement", "一般公共预算收入", None, "level", "8.6亿元", 860000000.0, "元", None, "actual", None, None, False, True),
    5: ("甲经济开发区", 2024, "plan", "规模以上工业总产值", None, "growth", "8%", 8.0, "%", None, "target", "力争;以上", "at_least", False, True),
    6: ("甲经济开发区", 2024, "plan", "实际使用外资", None, "level", "1500万美元", 15000000.0, "美元", None, "target", None, None, False, True),
    7: ("甲经济开发区", 2024, "plan", "高新技术企业数", None, "level", "10家", 10.0, "个", None, "target", "左右", "about", False, True),
    8: ("甲经济开发区", 2024, "achievement", "规模以上工业总产值", None, "level", "199.5亿元", 19950000000.0, "元", 8.2, "actual", None, None, False, True),
    9: ("甲经济开发区", 2024, "achievement", "实际使用外资", None, "level", "1450万美元", 14500000.0, "美元", None, "actual", None, None, False, True),
    10: ("甲经济开发区", 2024, "achievement", "高新技术企业数", None, "level", "12家", 12.0, "个", None, "actual", None, None, False, True),
    11: ("甲经济开发区", 2025, "plan", "规模以上工业总产值", None, "level", "215亿元", 21500000000.0, "元", None, "target", "确保;突破", "at_least", False, True),
    12: ("乙高新区", 2023, "achievement", "地区生产总值", None, "level", "96.3亿元", 9630000000.0, "元", 6.1, "actual", None, None, False, True),
    13: ("乙高新区", 2023, "achievement", "一般公共预算收入", None, "level", "52000万元", 520000000.0, "元", None, "actual", None, None, False, True),
    14: ("乙高新区", 2024, "plan", "地区生产总值", None, "growth", "7%", 7.0, "%", None, "target", "左右", "about", False, True),
    15: ("乙高新区", 2024, "plan", "实际使用外资", "实际利用外资", "level", "5000万美元", 50000000.0, "美元", None, "target", "突破", "at_least", False, True),
    16: ("乙高新区", 2024, "plan", "一般公共预算收入", None, "growth", "5%", 5.0, "%", None, "target", "确保", "at_least", False, True),
    17: ("乙高新区", 2024, "achievement", "地区生产总值", None, "level", "103.1亿元", 10310000000.0, "元", 6.7, "actual", None, None, False, True),
    18: ("乙高新区", 2024, "achievement", "一般公共预算收入", None, "level", "X亿元", None, "元", None, "actual", None, None, True, True),
    19: ("乙高新区", 2024, "achievement", "实际使用外资", None, "level", "5200万美元", 52000000.0, "美元", None, "actual", None, None, False, True),
    20: ("乙高新区", 2024, "achievement", "研发投入强度", None, "points", "0.3个百分点", 0.3, "个百分点", None, "actual", None, None, False, True),
    21: ("丙工业园区", 2023, "achievement", "固定资产投资", None, "level", "45亿元", 4500000000.0, "元", None, "actual", None, None, False, True),
    22: ("丙工业园区", 2023, "achievement", "进出口总额", None, "level", "3.6亿美元", 360000000.0, "美元", None, "actual", None, None, False, True),
    23: ("丙工业园区", 2024, "plan", "固定资产投资", None, "growth", "10%", 10.0, "%", None, "target", "以上", "at_least", False, True),
    24: ("丙工业园区", 2024, "plan", "进出口总额", None, "level", "4亿美元", 400000000.0, "美元", None, "target", None, None, False, True),
    25: ("丙工业园区", 2024, "plan", "签约项目数", None, "level", "30个", 30.0, "个", None, "target", None, None, False, True),
    26: ("丙工业园区", 2024, "plan", "供地面积", None, "level", "1000亩", 666666.666667, "平方米", None, "target", None, None, False, True),
    27: ("丙工业园区", 2024, "achievement", "固定资产投资", None, "level", "47.7亿元", 4770000000.0, "元", 6.0, "actual", None, None, False, True),
    28: ("丙工业园区", 2024, "achievement", "签约项目数", None, "level", "32项", 32.0, "个", None, "actual", None, None, False, True),
    29: ("丙工业园区", 2024, "achievement", "供地面积", None, "level", "70万平方米", 700000.0, "平方米", None, "actual", None, None, False, True),
    30: ("丙工业园区", 2024, "achievement", "研发投入强度", None, "level", "2.1%", 2.1, "%", None, "actual", None, None, False, False),
    31: ("丙工业园区", 2024, "achievement", "一般公共预算收入", None, "level", "6.1亿元", 610000000.0, "元", None, "actual", None, None, False, False),
}  # fmt: skip
_KEYS = (
    "zone", "year", "part", "indicator", "scope", "measure", "raw", "value_base", "base_unit",
    "change_pct", "kind", "qualifier", "bound", "redacted", "verified",
)  # fmt: skip


@pytest.fixture
def panel_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Panel]:
    """The synthetic set on disk (cwd = its root, as after a batch run) and its panel."""
    monkeypatch.chdir(tmp_path)
    write_set(tmp_path)
    return tmp_path, build_panel([tmp_path / "out"])


def test_metric_rows(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    assert panel.problems == []
    got = {r["id"]: tuple(r[k] for k in _KEYS) for r in panel.metrics}
    assert got == EXPECTED_METRICS


def test_figure_offsets_point_at_the_figure_in_the_source(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    for r in panel.metrics:
        text = (root / r["source_path"]).read_text(encoding="utf-8")
        assert text[r["figure_start"] : r["figure_end"]] == r["raw"]
        assert text[r["start"] : r["end"]] == r["quote"]


def test_finding_rows(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    items = [(z, i) for z in ZONES for part in ("achievement", "problem", "plan", "other")
             for i in z.items if i.kind == part]  # fmt: skip
    assert len(panel.findings) == len(items) == 15
    for row, (z, item) in zip(panel.findings, items, strict=True):
        text = source_text(z)
        start = text.index(item.sentence)
        assert row["zone"] == zone_name(z.org).key  # type: ignore[union-attr]
        assert row["part"] == item.kind
        assert row["year"] == (z.year + 1 if item.kind == "plan" else z.year)
        assert (row["title"], row["topic"], row["quote"]) == (item.title, item.topic, item.sentence)
        assert (row["start"], row["end"]) == (start, start + len(item.sentence))
        assert row["offsets"] == f"{start}-{start + len(item.sentence)}"
        assert row["metrics"] == len(item.metrics)
        assert row["verified"] is item.verified


# --------------------------------------------------------------------------- formats


def _as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def test_csv_read_back_cell_by_cell(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    export(panel, root / "p.csv")
    raw = (root / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads it as UTF-8
    with (root / "p.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.key for c in COLUMNS]
    expected = [*panel.metrics, *panel.findings]
    assert len(rows) == 1 + len(expected) == 1 + 31 + 15
    for got, want in zip(rows[1:], expected, strict=True):
        assert got == [_as_csv(want.get(c.key)) for c in COLUMNS]
    # Spot checks of what the cells say, independent of the row builder.
    land = rows[1 + 25]
    assert land[[c.key for c in COLUMNS].index("value_base")] == "666666.666667"


def test_xlsx_headers_freeze_filters_and_cells(panel_set: tuple[Path, Panel]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    root, panel = panel_set
    export(panel, root / "p.xlsx")
    wb = openpyxl.load_workbook(root / "p.xlsx")
    assert wb.sheetnames == ["指标", "事项", "证据", "来源"]
    for title, columns, rows in (
        ("指标", METRIC_COLUMNS, panel.metrics),
        ("事项", FINDING_COLUMNS, panel.findings),
        ("证据", EVIDENCE_COLUMNS, panel.evidence),
    ):
        ws = wb[title]
        cols = [c for c in columns if c.key != "record"]
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        assert values[0] == [c.zh for c in cols]
        assert ws.freeze_panes == "A2"
        last = openpyxl.utils.get_column_letter(len(cols))
        assert ws.auto_filter.ref == f"A1:{last}{len(rows) + 1}"
        assert len(values) == len(rows) + 1
        for got, want in zip(values[1:], rows, strict=True):
            assert got == [want.get(c.key) for c in cols]
    metrics = wb["指标"]
    header = [c.value for c in metrics[1]]
    assert header[:5] == ["编号", "园区", "园区原文名称", "所在行政区", "报告标题"]
    assert "标准化数值" in header and "限定词" in header and "统计口径" in header
    src = [list(r) for r in wb["来源"].iter_rows(values_only=True)]
    assert src[0][:3] == ["输出文件", "源文件", "源文件SHA256"]
    assert [r[1] for r in src[1:]] == [f"src/{z.key}{z.year}.txt" for z in ZONES]


def test_parquet_read_back_cell_by_cell(panel_set: tuple[Path, Panel]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    root, panel = panel_set
    export(panel, root / "p.parquet")
    table = pq.read_table(root / "p.parquet")
    assert table.column_names == [c.key for c in COLUMNS]
    got = table.to_pylist()
    expected = [*panel.metrics, *panel.findings]
    assert len(got) == len(expected)
    for g, want in zip(got, expected, strict=True):
        assert g == {c.key: want.get(c.key) for c in COLUMNS}
    assert str(table.schema.field("value_base").type) == "double"
    assert str(table.schema.field("redacted").type) == "bool"


def test_parquet_without_pyarrow_says_what_to_install(
    panel_set: tuple[Path, Panel], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    root, panel = panel_set
    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ConfigError, match=r"summarizer\[parquet\]"):
        export(panel, root / "p.parquet")
    assert not (root / "p.parquet").exists()


def test_sqlite_has_fts5_trigram() -> None:
    # FTS5's trigram tokenizer arrived in SQLite 3.34.
    assert sqlite3.sqlite_version_info >= (3, 34)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")


def test_sqlite_tables_and_fts(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    notes = export(panel, root / "p.sqlite")
    assert notes == []
    con = sqlite3.connect(root / "p.sqlite")
    for table, columns, rows in (
        ("metrics", METRIC_COLUMNS, panel.metrics),
        ("findings", FINDING_COLUMNS, panel.findings),
        ("evidence", EVIDENCE_COLUMNS, panel.evidence),
    ):
        cols = [c for c in columns if c.key != "record"]
        names = ", ".join(f'"{c.key}"' for c in cols)
        got = con.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall()
        want = [
            tuple(int(v) if isinstance(v, bool) else v for v in (r.get(c.key) for c in cols))
            for r in rows
        ]
        assert got == want
    # Findings: the trigram index finds Chinese text without word segmentation.
    hits = con.execute(
        "SELECT f.zone, f.title, highlight(findings_fts, 2, '[', ']') FROM findings_fts "
        "JOIN findings f ON f.id = findings_fts.rowid WHERE findings_fts MATCH ? ORDER BY f.id",
        ['"实际使用外资"'],
    ).fetchall()
    assert hits == [
        ("甲经济开发区", "发展目标", "2024年力争规上工业总产值增长8%以上，[实际使用外资]达到1500万美元，新增高新技术企业10家左右。"),
        ("甲经济开发区", "招商引资", "[实际使用外资]1450万美元，新增高新技术企业12家。"),
        ("乙高新区", "对外开放", "[实际使用外资]5200万美元，研发投入强度提高0.3个百分点。"),
    ]  # fmt: skip
    # Source passages: every source line, with offsets into the decoded text.
    passages = con.execute(
        'SELECT p.source_path, p.start, p."end", p.text FROM passages_fts '
        "JOIN passages p ON p.id = passages_fts.rowid WHERE passages_fts MATCH ? ORDER BY p.id",
        ['"工作总结"'],
    ).fetchall()
    assert [p[0] for p in passages] == [f"src/{z.key}{z.year}.txt" for z in ZONES]
    for path, start, end, text in passages:
        assert (root / path).read_text(encoding="utf-8")[start:end] == text
    assert con.execute("SELECT count(*) FROM sources WHERE text_indexed = 1").fetchone() == (6,)
    info = dict(con.execute("SELECT key, value FROM panel_info").fetchall())
    assert info["dictionary_version"] == "2026.12.6"


def test_sqlite_fts_is_where_datasette_looks(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    export(panel, root / "p.sqlite")
    con = sqlite3.connect(root / "p.sqlite")
    # Datasette's detect_fts(): a virtual FTS table whose SQL names content="<table>".
    for table in ("findings", "passages"):
        rows = con.execute(
            "SELECT name FROM sqlite_master WHERE rootpage = 0 AND "
            f"sql LIKE '%VIRTUAL TABLE%USING FTS%content=\"{table}\"%'"
        ).fetchall()
        assert rows == [(f"{table}_fts",)]
    # …and its table search: rowid IN (SELECT rowid FROM <fts> WHERE <fts> MATCH :search).
    ids = con.execute(
        "SELECT id FROM findings WHERE rowid IN "
        "(SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?)",
        ["研发投入强度"],
    ).fetchall()
    assert ids == [(11,), (15,)]


def test_sqlite_missing_source_is_a_note(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    (root / "src" / "c2024.txt").unlink()
    (root / "src" / "b2023.txt").write_text("changed", encoding="utf-8")
    notes = export(panel, root / "p.sqlite")
    assert len(notes) == 2
    assert "b2023.txt changed since it was summarized" in notes[0]
    assert "src/c2024.txt not found" in notes[1]
    con = sqlite3.connect(root / "p.sqlite")
    assert con.execute("SELECT count(*) FROM sources WHERE text_indexed = 0").fetchone() == (2,)


def test_split_passages_keeps_offsets() -> None:
    text = "标题\n\n" + "第一句很长。" * 100 + "\n尾行"
    parts = list(split_passages(text))
    assert parts[0] == (0, 2, "标题")
    for start, end, piece in parts:
        assert text[start:end] == piece
        assert len(piece) <= 400
    assert "".join(p for _, _, p in parts) == text.replace("\n", "")


def test_unknown_suffix_is_an_input_error(panel_set: tuple[Path, Panel]) -> None:
    root, panel = panel_set
    with pytest.raises(InputError, match="unknown export format .json"):
        export(panel, root / "p.json")


@pytest.mark.slow
def test_cli_export_and_indicators(tmp_path: Path) -> None:
    write_set(tmp_path)
    (tmp_path / "out" / "broken.json").write_text("{}", encoding="utf-8")
    proc = run_cli("export", "out", "-o", "panel.csv", cwd=tmp_path)
    # The broken file is named and skipped; the rest is exported; exit 1 says so.
    assert proc.returncode == 1, proc.stderr
    assert "skipped: out/broken.json: not a summarizer output" in proc.stderr
    assert "panel.csv: 31 metrics, 15 findings from 6 output(s)" in proc.stderr
    assert (tmp_path / "panel.csv").is_file()
    proc = run_cli("indicators", cwd=tmp_path, env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert "规模以上工业总产值" in proc.stdout and "实际利用外资" in proc.stdout
    toml = run_cli("indicators", "--toml", cwd=tmp_path)
    assert toml.stdout.startswith("# The standard indicators")


def test_figures_the_output_left_unread_are_parsed_from_raw(tmp_path: Path) -> None:
    from panel_data import ZONES, document

    from summarizer.core.schema import Finding, Metric
    from summarizer.panel.rows import Output, panel_of

    doc = document(ZONES[0], "src/a2023.txt")
    doc.reports[0].achievements[0].metrics = [
        Metric(name="高新技术企业", raw="三家", value=None, unit=None, change_pct=None,
               kind="actual", redacted=False),
        Metric(name="规上工业总产值", raw="一百二十亿元", value=None, unit="亿元",
               change_pct=None, kind="actual", redacted=False),
        Metric(name="规上工业总产值", raw="X亿元", value=None, unit="亿元", change_pct=None,
               kind="actual", redacted=True),
    ]  # fmt: skip
    assert isinstance(doc.reports[0].achievements[0], Finding)
    panel = panel_of([Output("a.json", doc)])
    got = [(r["raw"], r["value"], r["unit"], r["value_base"], r["base_unit"], r["indicator"])
           for r in panel.metrics if r["finding_id"] == 1]  # fmt: skip
    assert got == [
        ("三家", 3.0, "家", 3.0, "个", "高新技术企业数"),
        ("一百二十亿元", 120.0, "亿元", 12000000000.0, "元", "规模以上工业总产值"),
        ("X亿元", None, "亿元", None, "元", "规模以上工业总产值"),
    ]


def test_sqlite_finds_sources_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The paths are relative to the set's root (where batch ran); export runs elsewhere.
    write_set(tmp_path / "set")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    panel = build_panel([tmp_path / "set" / "out"])
    assert export(panel, tmp_path / "p.sqlite") == []
    con = sqlite3.connect(tmp_path / "p.sqlite")
    assert con.execute("SELECT count(*) FROM sources WHERE text_indexed = 1").fetchone() == (6,)
