"""The one figure reading (summarizer.lexicon.reading): one row per shape, input → expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.lexicon.reading import Period, Reading, read_figures, read_source

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _row(x: Reading) -> tuple[object, ...]:
    return (x.raw, x.subject, x.measure, x.value, x.change, x.direction, x.qualifier)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a level and its growth: two readings of one subject
        (
            "1-9月,实现营业收入*亿元,同比增长6.16%;",
            [
                ("*亿元", "营业收入", "level", None, 6.16, None, None),
                ("6.16%", "营业收入", "growth", None, 6.16, "up", None),
            ],
        ),
        (
            "实现工业总产值*亿元,下降4.67%;",
            [
                ("*亿元", "工业总产值", "level", None, -4.67, None, None),
                ("4.67%", "工业总产值", "growth", None, -4.67, "down", None),
            ],
        ),
        (
            "规上工业增加值完成343.64亿元,同比增长4.3%。",
            [
                ("343.64亿元", "规上工业增加值", "level", 343.64, 4.3, None, None),
                ("4.3%", "规上工业增加值", "growth", None, 4.3, "up", None),
            ],
        ),
        (
            "技术合同成交额6496.8亿元、增长24.9%。",
            [
                ("6496.8亿元", "技术合同成交额", "level", 6496.8, 24.9, None, None),
                ("24.9%", "技术合同成交额", "growth", None, 24.9, "up", None),
            ],
        ),
        (
            "PM2.5年均浓度累计下降17%。",
            [("17%", "PM2.5年均浓度", "growth", None, -17.0, "down", None)],
        ),
        # counts in ten-thousands of government reports
        (
            "年均新增就业岗位61.4万个。",
            [("61.4万个", "新增就业岗位", "count", 61.4, None, None, None)],
        ),
        ("新增养老床位8.1万张。", [("8.1万张", "新增养老床位", "count", 8.1, None, None, None)]),
        # a growth written alone
        (
            "一般公共预算收入增长10.8%。",
            [("10.8%", "一般公共预算收入", "growth", None, 10.8, "up", None)],
        ),
        ("工业投资下降40.5%。", [("40.5%", "工业投资", "growth", None, -40.5, "down", None)]),
        ("GDP增速为5.2%。", [("5.2%", "GDP", "growth", None, 5.2, "up", None)]),
        ("比重提高2个百分点。", [("2个百分点", "比重", "points", None, 2.0, "up", None)]),
        # "to", not "by"
        (
            "城镇登记失业率降低至13.6%。",
            [("13.6%", "城镇登记失业率", "share", 13.6, None, "down", None)],
        ),
        # a 分别 list with its shared head noun, and one of growths
        (
            "原煤、原油、天然气产量分别达到7000万吨、1280万吨、10亿立方米。",
            [
                ("7000万吨", "原煤产量", "level", 7000.0, None, None, None),
                ("1280万吨", "原油产量", "level", 1280.0, None, None, None),
                ("10亿立方米", "天然气产量", "level", 10.0, None, None, None),
            ],
        ),
        (
            "规上工业增加值、工业投资分别增长8.5%、9.5%。",
            [
                ("8.5%", "规上工业增加值", "growth", None, 8.5, "up", None),
                ("9.5%", "工业投资", "growth", None, 9.5, "up", None),
            ],
        ),
        # qualifiers
        (
            "全年地区生产总值增长5.5%左右。",
            [("5.5%", "地区生产总值", "growth", None, 5.5, "up", "about")],
        ),
        (
            "一般公共预算收入增长5.5%以上。",
            [("5.5%", "一般公共预算收入", "growth", None, 5.5, "up", "at_least")],
        ),
        (
            "争取中央转移支付超4200亿元。",
            [("4200亿元", "中央转移支付", "level", 4200.0, None, None, "over")],
        ),
        (
            "引进项目累计总投资约98亿元。",
            [("98亿元", "总投资", "level", 98.0, None, None, "about")],
        ),
        ("能用的地只有300多亩。", [("300多亩", "能用的地只", "level", 300.0, None, None, "plus")]),
        ("力争3-5个项目落户。", [("3-5个", "项目落户", "count", 3.0, None, None, "range")]),
        # a range whose lower end repeats the %: one figure; a growth range's change is its
        # lower end
        (
            "地区生产总值年均增速4.5%-5%。",
            [("4.5%-5%", "地区生产总值年均", "growth", None, 4.5, "up", "range")],
        ),
        ("经济增长目标4.5%—5%。", [("4.5%—5%", "经济增长目标", "level", 4.5, None, None, "range")]),
        # a length of time is a figure, a year is not (历时12年 vs 2025年)
        ("中轴线历时12年成功申遗。", [("12年", "中轴线历时", "level", 12.0, None, None, None)]),
        ("2025年成功申遗。", []),
        # a clause of only a verb continues the subject before it (迈上…台阶、达…、年均增长…)
        (
            "地区生产总值连续迈上4个万亿元台阶、达14.2万亿元、年均增长5.7%。",
            [
                ("4个", "地区生产总值连续迈上", "count", 4.0, None, None, None),
                ("14.2万亿元", "地区生产总值", "level", 14.2, None, None, None),
                ("5.7%", "地区生产总值", "growth", None, 5.7, "up", None),
            ],
        ),
        # a 分别 clause naming nothing is of the levels listed before it, in order
        (
            "接待国内游客4.16亿人次、入境游客936万人次，分别增长6.7%、39.6%。",
            [
                ("4.16亿人次", "接待国内游客", "count", 4.16, None, None, None),
                ("936万人次", "入境游客", "count", 936.0, None, None, None),
                ("6.7%", "接待国内游客", "growth", None, 6.7, "up", None),
                ("39.6%", "入境游客", "growth", None, 39.6, "up", None),
            ],
        ),
        # 分别从…增加到…: the list starts again at the "to" values
        (
            "认定跨国公司地区总部、外资研发中心分别从771家、481家增加到1076家、636家。",
            [
                ("771家", "认定跨国公司地区总部", "count", 771.0, None, None, None),
                ("481家", "外资研发中心", "count", 481.0, None, None, None),
                ("1076家", "认定跨国公司地区总部", "count", 1076.0, None, "up", None),
                ("636家", "外资研发中心", "count", 636.0, None, None, None),
            ],
        ),
        # measures from the subject
        (
            "人均地区生产总值增长25%。",
            [("25%", "人均地区生产总值", "growth", None, 25.0, "up", None)],
        ),
        (
            "人均地区生产总值8.9万元。",
            [("8.9万元", "人均地区生产总值", "per_capita", 8.9, None, None, None)],
        ),
        (
            "民生支出占一般公共预算支出比重达77.9%。",
            [("77.9%", "民生支出占一般公共预算支出比重", "share", 77.9, None, None, None)],
        ),
        ("全省排名第13位。", [("第13位", "全省排名", "rank", 13.0, None, None, None)]),
        ("新增高新技术企业20家。", [("20家", "新增高新技术企业", "count", 20.0, None, None, None)]),
    ],
)
def test_reading_shapes(text: str, expected: list[tuple[object, ...]]) -> None:
    assert [_row(x) for x in read_figures(text)] == expected


@pytest.mark.parametrize(
    ("text", "period"),
    [
        (
            "1-9月,实现营业收入*亿元,同比增长6.16%;实现工业总产值*亿元,下降4.67%。",
            Period("months", "1-9月"),
        ),
        ("上半年,GDP增长5.2%。", Period("half", "上半年")),
        ("过去五年,地区生产总值年均增长6.5%。", Period("average", "年均")),
        ("全年地区生产总值增长5.5%左右。", Period("year", "全年")),
        ("地区生产总值增长5.5%。", None),
    ],
)
def test_reading_periods(text: str, period: Period | None) -> None:
    # a `；` list shares the period written at its head
    assert {x.period for x in read_figures(text)} == {period}


def test_base_year_targets_and_offsets() -> None:
    base, now = read_figures("产值由2020年的50亿元提高到86.4亿元。", offset=100)
    assert (base.base_year, base.value, now.to, now.direction) == (2020, 50.0, True, "up")
    assert (base.start, now.start) == (100 + 9, 100 + 16)
    (target,) = read_figures("力争新增规上企业10家。")
    assert target.kind == "target"


def test_page_marker_inside_a_figure_does_not_split_it() -> None:
    from summarizer.pipeline import analyse

    analysis = analyse(SEEDS / "003_493866bb6fb899fa.txt")
    text = analysis.clean.text
    at = text.index("只有3\n11、00多亩")
    found = [x for x in read_source(analysis.clean, at - 40, at + 30) if x.unit == "亩"]
    assert [(x.raw, x.value, x.qualifier) for x in found] == [("300多亩", 300.0, "plus")]
    # the offsets are the source's: the figure starts at its first digit
    assert text[found[0].start] == "3" and text[found[0].end - 1] == "亩"
