"""Tests for summarizer.lexicon.figures: parsing figures, listing numbers, finding metrics."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from summarizer.lexicon.figures import (
    Figure,
    canonical_number,
    is_redacted,
    numbers_in,
    parse_figure,
)
from summarizer.lexicon.reading import find_metrics

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Seed 004: a report with real figures.
HEADLINE_004 = (
    "全年实现财政总收入12.8亿元,同比增长9.29%;一般公共预算收入7.46亿元,同比增长13.22%;"
    "规上工业总产值184.7亿元,同比增长16.2%;完成固定资产投资37.59亿元,同比增长23.8%,"
    "其中工业有效投资22.53亿元,同比增长25.6%,基础设施投资15.06亿元,同比增长21.3%。"
)
# Seed 003: redacted and real figures mixed, growth after a comma, a decline.
ECONOMY_003 = (
    "1-9月,实现营业收入*亿元,同比增长6.16%;实现工业总产值*亿元,下降4.67%;"
    "应交增值税8.78亿元,下降28.38%;实现利润*亿元,增长104.6%。"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("184.7亿元", Figure(184.7, "亿元", False)),
        ("X亿元", Figure(None, "亿元", True)),
        ("-*%", Figure(None, "%", True)),
        ("xx.x%", Figure(None, "%", True)),
        ("*万元", Figure(None, "万元", True)),
        ("x.x平方公里", Figure(None, "平方公里", True)),
        ("1,200万元", Figure(1200.0, "万元", False)),
        ("１２．８亿元", Figure(12.8, "亿元", False)),
        ("12.8亿", Figure(12.8, "亿", False)),
        ("3250余人", Figure(3250.0, "人", False, qualifier="余")),
        ("约3亿元", Figure(3.0, "亿元", False, qualifier="约")),
        ("-3.5%", Figure(-3.5, "%", False)),
        ("15", Figure(15.0, None, False)),
        ("X新区", Figure(None, None, False)),
        ("增长", Figure(None, None, False)),
    ],
)
def test_parse_figure(raw: str, expected: Figure) -> None:
    assert parse_figure(raw) == expected


@pytest.mark.parametrize(
    ("raw", "redacted"),
    [
        ("X亿元", True),
        ("xx%", True),
        ("*万元", True),
        ("-*%", True),
        ("xxxx年", True),
        ("184.7亿元", False),
        ("X新区", False),
        ("PPN", False),
    ],
)
def test_is_redacted(raw: str, redacted: bool) -> None:
    assert is_redacted(raw) is redacted


def test_canonical_number() -> None:
    assert canonical_number("16.20") == canonical_number("16.2") == "16.2"
    assert canonical_number("1,200") == "1200"
    assert canonical_number("05") == "5"
    assert canonical_number("１２．８０") == "12.8"


def test_numbers_in_normalises_and_skips_placeholders() -> None:
    text = "同比增长16.20%，１２．８亿元，1,200万元，2023年，X亿元，xx.x%，*万元"
    assert numbers_in(text) == ["16.2", "12.8", "1200", "2023"]


def test_numbers_in_keeps_ocr_slipped_numbers() -> None:
    # "90%o", "78.47虬" and "L5万吨" are OCR slips of seed 003; their digits are still written.
    assert numbers_in("已完成总工程量的90%o分别为69%和78.47虬年产L5万吨") == [
        "90",
        "69",
        "78.47",
        "5",
    ]


def test_find_metrics_headline_figures() -> None:
    found = find_metrics(HEADLINE_004)
    got = [(f.metric.name, f.metric.raw, f.metric.value, f.metric.change_pct) for f in found]
    assert got == [
        ("财政总收入", "12.8亿元", 12.8, 9.29),
        ("一般公共预算收入", "7.46亿元", 7.46, 13.22),
        ("规上工业总产值", "184.7亿元", 184.7, 16.2),
        ("固定资产投资", "37.59亿元", 37.59, 23.8),
        ("工业有效投资", "22.53亿元", 22.53, 25.6),
        ("基础设施投资", "15.06亿元", 15.06, 21.3),
    ]
    assert all(f.metric.kind == "actual" and not f.metric.redacted for f in found)


def test_find_metrics_offsets_are_source_offsets() -> None:
    prefix = "x" * 7
    found = find_metrics(HEADLINE_004, offset=100)
    first = found[0]
    assert HEADLINE_004[first.start - 100 : first.end - 100] == "12.8亿元"
    assert find_metrics(prefix + "全年实现财政总收入12.8亿元")[0].start == 7 + 9


def test_find_metrics_redacted_and_declines() -> None:
    found = find_metrics(ECONOMY_003)
    got = [
        (f.metric.name, f.metric.raw, f.metric.value, f.metric.change_pct, f.metric.redacted)
        for f in found
    ]
    assert got == [
        ("营业收入", "*亿元", None, 6.16, True),
        ("工业总产值", "*亿元", None, -4.67, True),
        ("应交增值税", "8.78亿元", 8.78, -28.38, False),
        ("利润", "*亿元", None, 104.6, True),
    ]
    # "1-9月" is a period, not a metric; growth figures belong to their metric.
    assert not any(f.metric.unit == "月" or f.metric.raw.endswith("%") for f in found)


def test_find_metrics_redacted_growth_is_none() -> None:
    found = find_metrics("*-*月,园区完成规上工业总产值*亿元,同比增长-*%。")
    assert [(f.metric.name, f.metric.raw, f.metric.change_pct) for f in found] == [
        ("规上工业总产值", "*亿元", None)
    ]


def test_find_metrics_redacted_placeholders() -> None:
    text = "全年,园区实现产值xxx亿元,增长xx%;工业集中度达xx.x%。功能区正在开发建设的区域为x.x平方公里。"
    found = find_metrics(text)
    assert [(f.metric.name, f.metric.raw, f.metric.unit) for f in found] == [
        ("产值", "xxx亿元", "亿元"),
        ("工业集中度", "xx.x%", "%"),
        ("功能区正在开发建设的区域", "x.x平方公里", "平方公里"),
    ]
    assert all(f.metric.redacted and f.metric.value is None for f in found)


def test_find_metrics_skips_names_years_ranges_and_ordinals() -> None:
    text = (
        "三个区块累计已完成土地出让X宗,其中X新区X宗。2023年工作总结。1-9月,三家企业。"
        "谋划招引3-5亿元项目5只。全面完成*项目国有土地上房屋征收工作。"
    )
    raws = [f.metric.raw for f in find_metrics(text)]
    assert raws == ["X宗", "X宗", "5只"]


def test_find_metrics_ocr_slips() -> None:
    text = "已完成总工程量的90%o铝基二路已完成总工程量的50%o。自立环保年产L5万吨硫酸镁和1.5万吨硫酸钻项目"
    found = find_metrics(text)
    assert [(f.metric.name, f.metric.raw, f.metric.value) for f in found[:2]] == [
        ("总工程量", "90%", 90.0),
        ("总工程量", "50%", 50.0),
    ]
    # "L5万吨" is a misread "1.5万吨": no figure is guessed from it.
    assert [f.metric.raw for f in found[2:]] == ["1.5万吨"]


def test_find_metrics_targets() -> None:
    text = (
        "大市外内资,全年任务为*亿元,截至*月,已完成*亿元,完成任务数的*%。"
        "预计全年新增规上工业企业X家,高新技术企业X家。新增规上企业2家。"
    )
    kinds = [(f.metric.name, f.metric.kind) for f in find_metrics(text)]
    assert kinds == [
        ("任务", "target"),
        ("已完成", "actual"),
        ("任务数", "actual"),
        ("新增规上工业企业", "target"),
        ("高新技术企业", "target"),
        ("新增规上企业", "actual"),
    ]


def test_find_metrics_full_width_and_thousands() -> None:
    found = find_metrics("拨付专项资金１２．５万元,配套1,200万元资金")
    assert [(f.metric.raw, f.metric.value) for f in found] == [
        ("１２．５万元", 12.5),
        ("1,200万元", 1200.0),
    ]


def test_find_metrics_counted_noun_names_the_figure() -> None:
    found = find_metrics("其中13家有色金属加工企业完成营业收入*亿元")
    assert found[0].metric.name == "有色金属加工企业"
    assert found[0].metric.raw == "13家"


def test_find_metrics_share_percentages() -> None:
    found = find_metrics("规上高新技术制造业增加值*亿元,占比规上工业增加值达*%以上。")
    assert [(f.metric.raw, f.metric.unit, f.metric.redacted) for f in found] == [
        ("*亿元", "亿元", True),
        ("*%", "%", True),
    ]


def test_find_metrics_speed_on_seeds() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) * 4
    t0 = time.perf_counter()
    found = find_metrics(text)
    elapsed = time.perf_counter() - t0
    assert len(found) > 1000
    # About 7 MB/s on a laptop; the bound leaves room for slow CI machines.
    assert len(text.encode()) / elapsed > 1_000_000
