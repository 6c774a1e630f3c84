"""Case tables for summarizer.lexicon.numerals: one row per way a report writes a number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from summarizer.lexicon.figures import Figure, parse_figure
from summarizer.lexicon.numerals import cn_value, find_numbers, numbers_in, parse_number
from summarizer.lexicon.reading import find_metrics


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", "1"),
        ("十", "10"),
        ("十二", "12"),
        ("二十三", "23"),
        ("一百", "100"),
        ("一百二十", "120"),
        ("一百五", "150"),  # colloquial: a bare digit after 百 is tens
        ("两千", "2000"),
        ("两千五", "2500"),
        ("一千零五", "1005"),
        ("一千零十", "1010"),
        ("一万二千", "12000"),
        ("一万二", "12000"),
        ("一万零五", "10005"),
        ("十万", "100000"),
        ("一亿二", "120000000"),
        ("两亿零五百万", "205000000"),
        ("三万亿", "3000000000000"),
        ("一千二百三十四万五千六百七十八", "12345678"),
        ("三点五", "3.5"),
        ("二〇二三", "2023"),
        ("十四五", None),  # a plan's name, not a numeral
        ("二二十", None),
        ("百", None),
    ],
)
def test_cn_value(text: str, value: str | None) -> None:
    assert cn_value(text) == (Decimal(value) if value is not None else None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("184.7", "184.7"),
        ("30,128", "30128"),
        ("１２．８", "12.8"),
        ("一百二十", "120"),
        ("百分之十五", "15"),
        ("百分之12.5", "12.5"),
        ("xx", None),
    ],
)
def test_parse_number(text: str, value: str | None) -> None:
    assert parse_number(text) == (Decimal(value) if value is not None else None)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("一百二十亿元", ["120"]),  # the multiplier belongs to the unit, as in 120亿元
        ("十二个项目", ["12"]),
        ("九十个……九百亿元", ["90", "900"]),
        ("两千家企业", ["2000"]),
        ("一万人", ["1"]),
        ("三千万元", ["3000"]),
        ("两亿零五百万元", ["205000000"]),
        ("提高百分之十五", ["15"]),
        ("三成企业", ["30"]),
        ("七成以上", ["70"]),
        ("三成为", []),  # 成为 is a verb
        ("1.2万", ["1.2"]),
        ("30,128人", ["30128"]),
        ("2家,350人", ["2", "350"]),
        ("5%左右", ["5"]),
        ("3-5亿元", ["3", "5"]),
        ("超6000家", ["6000"]),
        ("51 万㎡", ["51"]),
        ("第13位", ["13"]),
        # words, not counts
        ("一批项目、一个中心", []),
        ("第一", []),
        ("统一", []),
        ("十四五规划", []),
        ("二〇二三年", []),
        # partial redaction is redaction: no digit of it is a number
        ("**00万元", []),
        ("XX.27%", []),
        ("1X.5%", []),
        ("xx.x%", []),
    ],
)
def test_numbers_in(text: str, numbers: list[str]) -> None:
    assert numbers_in(text) == numbers


def test_find_numbers_keeps_offsets() -> None:
    text = "引进项目十二个，总投资一百二十亿元，增长１２．５％"
    got = [
        (n.start, n.end, text[n.start : n.end], str(n.value), n.unit) for n in find_numbers(text)
    ]
    assert got == [
        (4, 6, "十二", "12", ""),
        (11, 15, "一百二十", "120", "亿"),
        (20, 24, "１２．５", "12.5", ""),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一百二十亿元", Figure(120.0, "亿元", False)),
        ("十二个", Figure(12.0, "个", False)),
        ("两千家", Figure(2000.0, "家", False)),
        ("百分之十五", Figure(15.0, "%", False)),
        ("三成", Figure(30.0, "%", False)),
        ("1.2万", Figure(1.2, "万", False)),
        ("30,128人", Figure(30128.0, "人", False)),
        ("5%左右", Figure(5.0, "%", False, qualifier="左右")),
        ("3-5亿元", Figure(3.0, "亿元", False, high=5.0)),
        ("超6000家", Figure(6000.0, "家", False, qualifier="超")),
        ("51 万㎡", Figure(51.0, "万㎡", False)),
        ("1.2万亿元", Figure(1.2, "万亿元", False)),
        ("3.5亿斤", Figure(3.5, "亿斤", False)),
        ("2.1亿千瓦", Figure(2.1, "亿千瓦", False)),
        ("第13位", Figure(13.0, "位", False)),
        ("184.7亿元,同比增长16.2%", Figure(184.7, "亿元", False, change=16.2)),
        ("12.8亿元，下降9.29%", Figure(12.8, "亿元", False, change=-9.29)),
        ("下降9.29%", Figure(None, None, False, change=-9.29)),
        ("**00万元", Figure(None, "万元", True)),
        ("XX.27%", Figure(None, "%", True)),
    ],
)
def test_parse_figure_shapes(raw: str, expected: Figure) -> None:
    assert parse_figure(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("粮食产量1.2万亿斤", [("粮食产量", "1.2万亿斤", 1.2, "万亿斤")]),
        ("全年发电2.1亿千瓦", [("发电", "2.1亿千瓦", 2.1, "亿千瓦")]),
        ("市场主体达3.5万家", [("市场主体", "3.5万家", 3.5, "万家")]),
        ("货物吞吐量1.6亿吨", [("货物吞吐量", "1.6亿吨", 1.6, "亿吨")]),
        ("新建厂房51 万㎡", [("新建厂房", "51 万㎡", 51.0, "万㎡")]),
        ("全省排名第13位", [("全省排名", "第13位", 13.0, "位")]),
        ("总投资一百二十亿元", [("总投资", "一百二十亿元", 120.0, "亿元")]),
        (
            "规上工业增加值、工业投资分别增长8.5%、9.5%",
            # growths: no level, the change is their figure (see test_reading)
            [("规上工业增加值", "8.5%", None, "%"), ("工业投资", "9.5%", None, "%")],
        ),
        ("工业总产值(不含xx)120亿元", [("工业总产值", "120亿元", 120.0, "亿元")]),
        ("新增投资**00万元", [("新增投资", "**00万元", None, "万元")]),
        ("工业集中度XX.27%", [("工业集中度", "XX.27%", None, "%")]),
        ("三个区块、一批项目", []),
    ],
)
def test_find_metrics_shapes(text: str, expected: list[tuple[str, str, float | None, str]]) -> None:
    found = find_metrics(text)
    assert [(f.metric.raw, f.metric.value, f.metric.unit) for f in found] == [
        e[1:] for e in expected
    ]
    # Names are the genre's rule (figures.metric_name); here only that the figure is named
    # by what it measures, not by its neighbour.
    for f, (name, *_) in zip(found, expected, strict=True):
        assert f.metric.name in name or name in f.metric.name, (f.metric.name, name)
    assert all(
        f.metric.redacted == (f.metric.value is None and f.metric.change_pct is None)
        for f in find_metrics(text)
    )


def test_cn_numbers_agree_with_cn2an() -> None:
    cn2an = pytest.importorskip("cn2an")
    for text in ("一百二十", "两千", "一万二千", "十二", "一千零五", "三万亿", "两亿零五百万"):
        assert cn_value(text) == Decimal(int(cn2an.cn2an(text, "normal")))
