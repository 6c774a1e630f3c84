"""The project's words for what it finds: finding kinds, report parts and topics.

In: nothing. Out: tables — each kind's name, the output list holding it, its Chinese and
English labels, short header, colour and order; each topic's labels. Every renderer, the
batch index, merge and eval read these, so a label or a colour is spelled once, here.
This module imports nothing of ours (it sits under the foundations, see summarizer/__init__).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FindingKind = Literal["achievement", "problem", "plan", "other"]

#: The parts a report is divided into; `preamble` is the text before the first part heading.
PartKind = Literal["preamble", "achievements", "problems", "plans", "other"]


@dataclass(frozen=True)
class KindWords:
    """Everything said about one finding kind."""

    kind: FindingKind
    field: str  # the ReportSummary list (and batch index column) holding findings of this kind
    part: PartKind  # the report part whose findings take this kind
    zh: str
    en: str
    short: str  # header of a narrow table column
    css: str  # stem of its CSS variables: --ach, --ach-bg, --ach-strong
    colour: str  # text and underline
    colour_bg: str  # highlight
    colour_strong: str  # highlight of the active finding


#: The finding kinds, in the order every output lists them.
# fmt: off
FINDING_KINDS: tuple[KindWords, ...] = (
    #         kind           field           part            zh      en              short    css
    KindWords("achievement", "achievements", "achievements", "成绩", "Achievements", "ach.", "ach",
              "#12b76a", "#d3f8df", "#a6efc0"),
    KindWords("problem", "problems", "problems", "问题", "Problems", "prob.", "pro",
              "#e5484d", "#ffe1e1", "#ffc2c2"),
    KindWords("plan", "plans", "plans", "计划", "Plans", "plan", "pla",
              "#2e78e6", "#dbeafe", "#b7d4fd"),
    KindWords("other", "other", "other", "其他", "Other", "other", "oth",
              "#8e5cf0", "#ece4ff", "#d6c6ff"),
)
# fmt: on

KINDS: tuple[FindingKind, ...] = tuple(w.kind for w in FINDING_KINDS)
WORDS: dict[str, KindWords] = {w.kind: w for w in FINDING_KINDS}

#: Which ReportSummary list holds findings of each kind.
KIND_FIELDS: dict[str, str] = {w.kind: w.field for w in FINDING_KINDS}

#: The finding kind that the findings of each part kind take (a preamble reports results).
PART_FINDING_KIND: dict[str, FindingKind] = {
    "preamble": "achievement",
    **{str(w.part): w.kind for w in FINDING_KINDS},
}

Topic = Literal[
    "investment_promotion",
    "projects",
    "enterprise_services",
    "industrial_economy",
    "infrastructure",
    "innovation_talent",
    "land_resources",
    "environment_safety",
    "governance",
    "party_building",
    "people_livelihood",
    "agriculture_rural",
    "opening_up",
    "culture_tourism",
    "other",
]

#: topic -> (Chinese label, English phrase as it reads inside a sentence).
_TOPICS: dict[str, tuple[str, str]] = {
    "investment_promotion": ("招商引资", "investment promotion"),
    "projects": ("项目建设", "project construction"),
    "enterprise_services": ("企业服务", "enterprise services"),
    "industrial_economy": ("经济运行", "the industrial economy"),
    "infrastructure": ("平台与基础设施", "platforms and infrastructure"),
    "innovation_talent": ("科技创新与人才", "innovation and talent"),
    "land_resources": ("土地与要素保障", "land and resources"),
    "environment_safety": ("安全环保", "safety and environment"),
    "governance": ("体制机制与营商环境", "governance and business environment"),
    "party_building": ("党建", "Party building"),
    "people_livelihood": ("民生与社会事业", "livelihood and social services"),
    # Added with schema version "2": government reports (and zones' rural and port work) have
    # whole sections on them, which models filed under `other` or guessed.
    "agriculture_rural": ("农业农村与乡村振兴", "agriculture and rural revitalisation"),
    "opening_up": ("对外开放", "opening-up"),
    "culture_tourism": ("文化旅游", "culture and tourism"),
    "other": ("其他", "other work"),
}

#: Chinese label of each topic, for rendering.
TOPIC_LABELS: dict[str, str] = {t: zh for t, (zh, _) in _TOPICS.items()}
#: English phrase of each topic, for the English overview.
TOPIC_LABELS_EN: dict[str, str] = {t: en for t, (_, en) in _TOPICS.items()}


#: What a summarized report may be warned about, as a typed reason (the JSON's `checks`, the
#: batch index and its pages name these; the warning text is for people).
ReportCheck = Literal["not_a_work_report", "no_plans", "no_problems", "kind_flips"]

#: check -> (short Chinese label for a table cell, the warning as a sentence).
CHECKS: dict[str, tuple[str, str]] = {
    "not_a_work_report": (
        "非工作报告",
        "this text does not look like a work report (few of the genre's words)",
    ),
    "no_plans": ("无计划", "no plans were found: no part or item of the report reads as plans"),
    "no_problems": (
        "问题未提取",
        "no problems were found, though the text names problems (存在……问题, 清醒认识到……)",
    ),
    "kind_flips": (
        "部分类型反复",
        "the part kinds go back after the plans (plans, then problems or achievements): "
        "parts may be misread",
    ),
}
