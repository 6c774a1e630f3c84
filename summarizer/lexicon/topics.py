"""The topic of a finding by keywords: a table to read and extend.

In: a finding's title, summary and body. Out: one of schema.Topic: the topic whose keywords
occur most in the title, the summary then the body breaking ties (and deciding when the
title has none). Order matters only for full ties: earlier rows win.
"""

from __future__ import annotations

import re

TOPIC_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (
        "party_building",
        (
            "腐败",
            "正风肃纪",
            "八项规定",
            "党建",
            "党风",
            "干部",
            "队伍建设",
            "作风",
            "廉政",
            "党支部",
            "党员",
            "党的建设",
            "从严治党",
            "主题教育",
            "纪律",
            "清廉",
        ),
    ),
    (
        "investment_promotion",
        ("招商", "引资", "签约", "引进", "招大引强", "选资", "商回归"),
    ),
    (
        "projects",
        (
            "项目建设",
            "重点项目",
            "项目推进",
            "开工",
            "竣工",
            "投产",
            "落项目",
            "抓项目",
            "项目攻坚",
            "项目",
        ),
    ),
    (
        "enterprise_services",
        (
            "企业经营",
            "中小企业",
            "民营企业",
            "民营经济",
            "个体工商户",
            "经营主体",
            "企业服务",
            "服务企业",
            "惠企",
            "纾困",
            "帮扶",
            "服企",
            "助企",
            "企业培育",
            "小升规",
            "服务",
        ),
    ),
    (
        "agriculture_rural",
        (
            "农业",
            "农村",
            "乡村",
            "粮食",
            "耕地",
            "农田",
            "种业",
            "农民",
            "三农",
            "涉农",
            "农产品",
            "畜牧",
            "渔业",
            "城乡融合",
            "县域",
        ),
    ),
    (
        "culture_tourism",
        (
            "文化",
            "旅游",
            "文旅",
            "文物",
            "非遗",
            "博物馆",
            "演艺",
            "文艺",
            "文创",
            "景区",
            "游客",
            "体育",
        ),
    ),
    (
        "opening_up",
        (
            "开放",
            "外资",
            "外贸",
            "外商",
            "进出口",
            "出口",
            "自贸",
            "口岸",
            "跨境",
            "一带一路",
            "保税",
            "综保区",
            "国际合作",
            "海关",
        ),
    ),
    (
        "industrial_economy",
        (
            "消费",
            "需求",
            "动能",
            "经济",
            "产值",
            "营收",
            "营业收入",
            "税收",
            "指标",
            "工业增加值",
            "运行",
            "增长",
            "商贸",
            "产业",
            "转型",
        ),
    ),
    (
        "infrastructure",
        # Not bare "平台": "打造X大平台" closes headings of every topic.
        (
            "基础设施",
            "平台建设",
            "平台支撑",
            "产业平台",
            "道路",
            "管网",
            "配套",
            "载体",
            "园区建设",
            "厂房",
            "承载",
            "框架",
        ),
    ),
    ("innovation_talent", ("创新", "科技", "研发", "人才", "高新技术", "专精特新", "孵化")),
    (
        "land_resources",
        (
            "财政",
            "财力",
            "债务",
            "化债",
            "金融",
            "土地",
            "用地",
            "要素",
            "资金保障",
            "融资",
            "腾笼换鸟",
            "闲置",
            "集约",
            "征迁",
            "收储",
            "资产",
        ),
    ),
    (
        "environment_safety",
        (
            "风险隐患",
            "防灾减灾",
            "安全",
            "环保",
            "生态",
            "消防",
            "应急",
            "环境保护",
            "污水",
            "绿色",
            "低碳",
            "安环",
        ),
    ),
    (
        "governance",
        (
            "政府建设",
            "自身建设",
            "依法行政",
            "法治",
            "政务服务",
            "政府服务",
            "行政效能",
            "宏观调控",
            "城市治理",
            "营商环境",
            "体制",
            "机制",
            "改革",
            "管理",
            "规划",
            "监管",
            "审批",
            "更名",
            "政策",
        ),
    ),
    (
        "people_livelihood",
        (
            "公共服务",
            "医疗",
            "养老",
            "托育",
            "社会保障",
            "住房",
            "健康",
            "就业增收",
            "民生",
            "就业",
            "社会事业",
            "教育",
            "劳动",
            "安置",
            "城改",
            "整治",
            "平安",
            "信访",
            "产城融合",
        ),
    ),
]


def _pattern() -> tuple[re.Pattern[str], dict[str, int]]:
    words: dict[str, int] = {}
    for row, (_, keywords) in enumerate(TOPIC_KEYWORDS):
        for w in keywords:
            words.setdefault(w, row)
    # Longest first, so "项目建设" counts for its row rather than as "项目".
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(alternation), words


_KEYWORDS, _ROW_OF = _pattern()


BODY_CHARS = 600


def topic_for(title: str, summary: str = "", body: str = "") -> str:
    """The topic whose keywords occur most in the title; among those (or when the title has
    none), the summary's, then the item's body's (its first `BODY_CHARS` characters: a
    heading such as "下足绣花功夫" names no topic, its paragraph does); the earlier row on a
    full tie; "other" if none occurs."""
    hits = [[0] * len(TOPIC_KEYWORDS) for _ in range(3)]
    for where, text in enumerate((title, summary, body[:BODY_CHARS])):
        for word in _KEYWORDS.findall(text):
            hits[where][_ROW_OF[word]] += 1
    best = max(range(len(TOPIC_KEYWORDS)), key=lambda i: (hits[0][i], hits[1][i], hits[2][i], -i))
    return TOPIC_KEYWORDS[best][0] if any(h[best] for h in hits) else "other"
