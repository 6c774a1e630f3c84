"""Metric names as an analyst writes them (issue 24): the fragment rule and the tidying, one
row per shape."""

from __future__ import annotations

import pytest

from summarizer.lexicon.names import analyst_name, fragment_reason

FRAGMENTS = [
    # (name, is a fragment)
    ("规上工业总产值", False),
    ("地区生产总值增长", False),  # a direction word at the end is the name's direction
    ("绿色电力占比", False),
    ("居民消费价格", False),
    ("比重", False),
    ("", True),
    ("和商务服务三大产业对经济增长贡献", True),  # begins with a conjunction
    ("同比下降", True),  # a comparison with no subject
    ("比上年增加", True),
    ("中心城区绿色出行比例从", True),  # ends with a preposition
    ("培育形成3个万亿级和", True),
    ("管”改造", True),  # unbalanced quote
    ("降幅居全国前", True),  # ranking predicate, ends inside the phrase
    ("新建", True),  # a bare verb
    ("特种", True),  # two characters, no measure
]


@pytest.mark.parametrize(("name", "fragment"), FRAGMENTS)
def test_fragment_rule(name: str, fragment: bool) -> None:
    assert (fragment_reason(name) is not None) == fragment, fragment_reason(name)


NAMES = [
    # (name before the figure, text after it, the analyst's name)
    ("新建", "区域养老服务中心，新增5000张床位", "新建区域养老服务中心"),
    ("抓好", "危旧简易楼排险工作。", "抓好危旧简易楼排险工作"),
    ("和商务服务三大产业对经济增长贡献", "以上", "商务服务三大产业对经济增长贡献"),
    ("中心城区绿色出行比例从", "提高到76%", "中心城区绿色出行比例"),
    ("通过协议转让盘活了", "闲置土地", "通过协议转让盘活"),
    ("规上工业总产值", "，同比增长16.2%", "规上工业总产值"),  # whole: unchanged
    ("推进", "“3个100”等重点工程", "推进"),  # no noun after the figure: unchanged
    ("及时下达奖励资金", "，", "及时下达奖励资金"),  # 及时 is a word, not 及 + 时
    ("在孵企业", "，", "在孵企业"),
    ("纳税", "以上工业企业达到4家", "纳税工业企业"),  # the qualifier stays with the figure
    ("剩余", "厂房正在进行主体结构施工", "剩余厂房"),  # the noun stops at the verb
    ("年底", "项目有望建成投产", "年底"),  # a time word is completed by nothing
]


@pytest.mark.parametrize(("name", "after", "expected"), NAMES)
def test_analyst_name(name: str, after: str, expected: str) -> None:
    assert analyst_name(name, after) == expected
